/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kill -9 at random points while two clients trade, then restart on the
 * same journal and log in again from sequence 1: every message a client
 * received before the kill comes back byte for byte at its place in the
 * stream, timestamps never go back, the session keeps its name, and in
 * the end every order the streams say is still live can be canceled for
 * exactly the shares they say it has. Some rounds kill the gateway while
 * it is still replaying. Seeded: TG_GW_CRASH_SEED, TG_GW_CRASH_ROUNDS
 * (default 10).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_gateway_util.h"

static struct gwt_gw gw;

static void
setup(void)
{
	gwt_dir_make(&gw);
	gwt_config(&gw, NULL, NULL);
}

static void
teardown(void)
{
	gwt_dir_remove(&gw);
}

TestSuite(gateway_crash, .init = setup, .fini = teardown, .timeout = 300);

/* What one user has received: message i is sequence i + 1. */
struct rec {
	uint8_t (*m)[TG_OUCH_MAX_MSG];
	uint8_t *len;
	size_t n, cap;
};

struct user {
	struct gwt_c c;
	int up;			/* logged in on c */
	uint64_t next;		/* sequence number of the next Sequenced Data */
	struct rec r;
	size_t checked;		/* messages compared again since the last login */
	size_t expect;		/* messages recorded at the last login */
};

static struct user us[2];
static char session[11];
static uint64_t rng;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One Sequenced Data for user u: compared with the record, or added to it. */
static void
got(int u, const uint8_t *p, size_t n)
{
	struct user *x = &us[u];
	struct rec *r = &x->r;
	uint64_t seq = x->next++;

	cr_assert(n <= TG_OUCH_MAX_MSG);
	if (seq <= r->n) {
		cr_assert_eq(r->len[seq - 1], n, "%s message %llu: length %zu, was %u",
			     gwt_users[u], (unsigned long long)seq, n, r->len[seq - 1]);
		cr_assert_eq(memcmp(r->m[seq - 1], p, n), 0, "%s message %llu differs from before the kill",
			     gwt_users[u], (unsigned long long)seq);
		x->checked++;
		return;
	}
	cr_assert_eq(seq, r->n + 1);
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->m = realloc(r->m, r->cap * sizeof(*r->m));
		r->len = realloc(r->len, r->cap);
		cr_assert(r->m && r->len);
	}
	memcpy(r->m[r->n], p, n);
	r->len[r->n++] = (uint8_t)n;
}

/* Take every packet waiting (or, with wait_ms, until the link closes or goes quiet). */
static void
drain(int u, int wait_ms)
{
	struct user *x = &us[u];
	struct gwt_pkt k;
	int rc;

	if (!x->up)
		return;
	while ((rc = gwt_recv(&x->c, &k, wait_ms)) == 1) {
		if (k.type == 'S')
			got(u, k.p, k.len);
		else
			cr_assert(k.type == 'H', "%s: unexpected '%c'", gwt_users[u], k.type);
	}
	if (rc != 0) {
		/* closed: by the kill */
		gwt_close(&x->c);
		x->up = 0;
	}
}

static void
login(int u)
{
	struct user *x = &us[u];
	char s[11];

	gwt_connect(&x->c, gw.addr);
	cr_assert_eq(gwt_login(&x->c, gwt_users[u], gwt_passwords[u], NULL, 1, s, &x->next), 1);
	cr_assert_eq(x->next, 1);
	if (!session[0])
		memcpy(session, s, sizeof(s));
	cr_assert_str_eq(s, session, "the session changed name across a restart");
	x->up = 1;
	x->checked = 0;
	x->expect = x->r.n;
}

/* After a login from 1: the whole record comes back first. */
static void
replay_matches(int u)
{
	uint64_t t0 = gwt_ms();

	while (us[u].checked < us[u].expect && gwt_ms() - t0 < 10000)
		drain(u, 50);
	cr_assert_eq(us[u].checked, us[u].expect, "%s: %zu of %zu messages came back (the next is '%c'):\n%s",
		     gwt_users[u], us[u].checked, us[u].expect, us[u].r.m[us[u].checked][0], gwt_log(&gw));
}

static void
traffic(int round, uint64_t ms)
{
	uint64_t t0 = gwt_ms();
	char tok[40];

	for (int k = 0; gwt_ms() - t0 < ms; k++) {
		int u = (int)(rnd() % 2);
		uint32_t price = 1000000 + (uint32_t)(rnd() % 5) * 100;

		snprintf(tok, sizeof(tok), "K%dU%dN%d", round, u, k);
		gwt_enter(&us[u].c, tok, rnd() % 2 ? 'B' : 'S', 1 + (uint32_t)(rnd() % 300),
			  rnd() % 2 ? "AAPL" : "MSFT", price, rnd() % 5 ? 99999 : 0);
		if (rnd() % 5 == 0) {
			/* cancel something of the same round, maybe long gone */
			snprintf(tok, sizeof(tok), "K%dU%dN%d", round, u, (int)(rnd() % (unsigned)(k + 1)));
			gwt_cancel(&us[u].c, tok, (uint32_t)(rnd() % 2 ? 0 : rnd() % 100));
		}
		drain(0, 0);
		drain(1, 0);
		if (k % 8 == 7)
			usleep(500);
	}
}

/* Shares the stream of u says each token still has, and a cancel for each. */
static void
cancel_the_live(int u)
{
	struct tok {
		char t[14];
		int64_t rest;
	} *live = calloc(us[u].r.n + 1, sizeof(*live));
	size_t nl = 0;

	cr_assert(live);
	for (size_t i = 0; i < us[u].r.n; i++) {
		struct tg_ouch_out m;
		const char *t = NULL;
		int64_t d = 0;

		cr_assert_eq(tg_ouch_out_decode(us[u].r.m[i], us[u].r.len[i], &m), 0);
		switch (m.type) {
		case 'A':
			if (m.order.order_state == 'L') {
				memcpy(live[nl].t, m.order.token, 14);
				live[nl++].rest = m.order.shares;
			}
			continue;
		case 'E':
			t = m.executed.token;
			d = m.executed.shares;
			break;
		case 'C':
			t = m.canceled.token;
			d = m.canceled.decrement;
			break;
		default:
			continue;
		}
		for (size_t j = 0; j < nl; j++)
			if (!memcmp(live[j].t, t, 14))
				live[j].rest -= d;
	}
	for (size_t j = 0; j < nl; j++) {
		char s[15];
		struct tg_ouch_out m;
		uint8_t raw[TG_OUCH_MAX_MSG];
		size_t len;

		cr_assert_geq(live[j].rest, 0);
		if (!live[j].rest)
			continue;
		gwt_cancel(&us[u].c, gwt_tok(live[j].t, s), 0);
		cr_assert_eq(gwt_msg(&us[u].c, &m, raw, &len, 5000), 1);
		got(u, raw, len);
		cr_assert_eq(m.type, 'C', "%s: cancel of %s answered '%c'", gwt_users[u], s, m.type);
		cr_assert_eq(memcmp(m.canceled.token, live[j].t, 14), 0);
		cr_assert_eq(m.canceled.decrement, live[j].rest, "%s: %s had %lld shares by the stream, the engine canceled %u",
			     gwt_users[u], s, (long long)live[j].rest, m.canceled.decrement);
	}
	free(live);
}

/* Every stream's timestamps go forward only. */
static void
times_forward(int u)
{
	uint64_t last = 0;

	for (size_t i = 0; i < us[u].r.n; i++) {
		struct tg_ouch_out m;

		cr_assert_eq(tg_ouch_out_decode(us[u].r.m[i], us[u].r.len[i], &m), 0);
		cr_assert_geq(m.ts, last, "%s message %zu: time went back", gwt_users[u], i + 1);
		last = m.ts;
	}
}

Test(gateway_crash, kill_9_loses_nothing_acknowledged)
{
	const char *e = getenv("TG_GW_CRASH_SEED");
	int rounds = getenv("TG_GW_CRASH_ROUNDS") ? atoi(getenv("TG_GW_CRASH_ROUNDS")) : 10;
	size_t total = 0;

	rng = e ? strtoull(e, NULL, 0) : 0x2545f4914f6cdd1dull;
	if (!rng)
		rng = 1;
	for (int round = 0; round < rounds; round++) {
		if (round % 4 == 3) {
			/* killed during start-up: the replay must survive that too */
			gwt_spawn(&gw);
			usleep((useconds_t)(rnd() % 30000));
			gwt_kill(&gw);
		}
		cr_assert_eq(gwt_start(&gw), 0, "round %d:\n%s", round, gwt_log(&gw));
		for (int u = 0; u < 2; u++) {
			login(u);
			replay_matches(u);
		}
		traffic(round, 20 + rnd() % 300);
		gwt_kill(&gw);
		for (int u = 0; u < 2; u++)
			drain(u, 2000);
	}
	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	for (int u = 0; u < 2; u++) {
		login(u);
		replay_matches(u);
		times_forward(u);
		cancel_the_live(u);
		total += us[u].r.n;
	}
	cr_assert_gt(total, (size_t)rounds * 10, "too little traffic to prove anything: %zu", total);
	for (int u = 0; u < 2; u++)
		gwt_close(&us[u].c);
	cr_assert_eq(gwt_stop(&gw), 0, "%s", gwt_log(&gw));
	char *log = gwt_log(&gw);
	cr_assert_null(strstr(log, "differs"), "%s", log);
	free(log);
}
