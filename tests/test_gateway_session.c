/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `tickgate gateway` over loopback: two users trade against each other,
 * rejects carry their reasons, logins are checked, heartbeats keep a link
 * alive and silence drops it, a login replays its stream from any
 * sequence number (also after a restart), a slow reader is cut off
 * without holding up anyone else, and many sessions run at once. The
 * clients frame SoupBinTCP by hand from ouch42.md.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/tg_gw.h"
#include "test_gateway_util.h"

static struct gwt_gw gw;

static void
setup(void)
{
	gwt_dir_make(&gw);
}

static void
teardown(void)
{
	gwt_dir_remove(&gw);
}

TestSuite(gateway_session, .init = setup, .fini = teardown, .timeout = 120);

/* Start a gateway with the default config plus extra [gateway] lines. */
static void
start(const char *gateway_extra, const char *extra)
{
	gwt_config(&gw, gateway_extra, extra);
	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
}

/* Log user i in with sequence seq; assert accepted. */
static uint64_t
login(struct gwt_c *c, int i, uint64_t seq)
{
	uint64_t next = 0;
	char session[11];

	gwt_connect(c, gw.addr);
	cr_assert_eq(gwt_login(c, gwt_users[i], gwt_passwords[i], NULL, seq, session, &next), 1,
		     "login of %s refused", gwt_users[i]);
	return next;
}

/* The next sequenced message, which must be of type t. */
static void
expect(struct gwt_c *c, char t, struct tg_ouch_out *m)
{
	int rc = gwt_msg(c, m, NULL, NULL, 5000);

	cr_assert_eq(rc, 1, "no message (%d), expected '%c'", rc, t);
	cr_assert_eq(m->type, t, "got '%c', expected '%c'", m->type, t);
}

static void
expect_token(const char field[14], const char *want)
{
	char t[15];

	cr_assert_str_eq(gwt_tok(field, t), want);
}

Test(gateway_session, two_users_trade)
{
	struct gwt_c a, b;
	struct tg_ouch_out m, ea, eb;

	start(NULL, NULL);
	cr_assert_eq(login(&a, 0, 1), 1);
	cr_assert_eq(login(&b, 1, 1), 1);
	/* the start of day opens every stream */
	expect(&a, 'S', &m);
	cr_assert_eq(m.system.event_code, 'S');
	expect(&b, 'S', &m);

	gwt_enter(&a, "ABUY1", 'B', 300, "AAPL", 1500000, 99999);
	expect(&a, 'A', &m);
	expect_token(m.order.token, "ABUY1");
	cr_assert_eq(m.order.side, 'B');
	cr_assert_eq(m.order.shares, 300);
	cr_assert_eq(memcmp(m.order.stock, "AAPL    ", 8), 0);
	cr_assert_eq(m.order.price, 1500000);
	cr_assert_eq(m.order.order_state, 'L');

	gwt_enter(&b, "BSELL1", 'S', 200, "AAPL", 1499000, 99999);
	expect(&b, 'A', &m);
	expect_token(m.order.token, "BSELL1");
	expect(&b, 'E', &eb);
	expect(&a, 'E', &ea);
	expect_token(eb.executed.token, "BSELL1");
	expect_token(ea.executed.token, "ABUY1");
	cr_assert_eq(ea.executed.shares, 200);
	cr_assert_eq(eb.executed.shares, 200);
	/* the resting order's price */
	cr_assert_eq(ea.executed.price, 1500000);
	cr_assert_eq(eb.executed.price, 1500000);
	cr_assert_eq(ea.executed.match, eb.executed.match);
	cr_assert_neq(ea.executed.match, 0);
	cr_assert_eq(ea.executed.liquidity, 'A');
	cr_assert_eq(eb.executed.liquidity, 'R');

	/* the rest of alice's order trades with a second seller */
	gwt_enter(&b, "BSELL2", 'S', 100, "AAPL", 1500000, 99999);
	expect(&b, 'A', &m);
	expect(&b, 'E', &eb);
	expect(&a, 'E', &ea);
	cr_assert_eq(ea.executed.shares, 100);
	cr_assert_eq(ea.executed.match, eb.executed.match);
	cr_assert_gt(ea.executed.match, 0);

	gwt_close(&a);
	gwt_close(&b);
	cr_assert_eq(gwt_stop(&gw), 0);
	char *log = gwt_log(&gw);
	cr_assert_eq(gwt_stat(log, "logins"), 2, "%s", log);
	cr_assert_eq(gwt_stat(log, "messages_in"), 3, "%s", log);
	free(log);
}

Test(gateway_session, rejects_say_why)
{
	struct gwt_c a;
	struct tg_ouch_out m;

	start(NULL, "[firm.ACME]\nmax_order_shares = 1000\n");
	login(&a, 0, 0);
	gwt_enter(&a, "NOSUCH", 'B', 100, "ZZZZ", 1000000, 99999);
	expect(&a, 'J', &m);
	expect_token(m.rejected.token, "NOSUCH");
	cr_assert_eq(m.rejected.reason, 'S');
	gwt_enter(&a, "TOOBIG", 'B', 1001, "MSFT", 1000000, 99999);
	expect(&a, 'J', &m);
	expect_token(m.rejected.token, "TOOBIG");
	cr_assert_eq(m.rejected.reason, 'Z');
	gwt_enter(&a, "FINE", 'B', 1000, "MSFT", 1000000, 99999);
	expect(&a, 'A', &m);
	gwt_close(&a);
}

Test(gateway_session, bad_logins)
{
	struct gwt_c c, a;
	struct gwt_pkt k;
	char session[11];
	uint64_t next;

	start(NULL, NULL);
	const struct {
		const char *user, *pw, *session;
		int want;
	} cases[] = {
		{ "mallet", "pw-alice", NULL, 'A' },	/* unknown user */
		{ "alice", "pw-alicE", NULL, 'A' },	/* wrong password */
		{ "alice", "pw-alice ", NULL, 'A' },	/* hmm: the field's padding, so it is right */
		{ "alice", "", NULL, 'A' },
		{ "", "", NULL, 'A' },
		{ "alic", "pw-alice", NULL, 'A' },	/* a prefix of a user */
		{ "bob", "pw-alice", NULL, 'A' },	/* someone else's password */
		{ "alice", "pw-alice", "NOSUCHSESS", 'S' },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gwt_connect(&c, gw.addr);
		int rc = gwt_login(&c, cases[i].user, cases[i].pw, cases[i].session, 1, NULL, NULL);

		if (i == 2) {
			/* trailing spaces are padding: this is alice's password */
			cr_assert_eq(rc, 1);
		} else {
			cr_assert_eq(rc, cases[i].want, "case %zu: %d", i, rc);
			/* and then the server hangs up */
			cr_assert_eq(gwt_recv(&c, &k, 5000), -1);
		}
		gwt_close(&c);
	}
	/* the current session by name is fine; a second login of alice is not */
	gwt_connect(&a, gw.addr);
	cr_assert_eq(gwt_login(&a, "alice", "pw-alice", NULL, 1, session, &next), 1);
	gwt_connect(&c, gw.addr);
	cr_assert_eq(gwt_login(&c, "alice", "pw-alice", session, 1, NULL, NULL), 'A');
	gwt_close(&c);
	/* the first session is untouched by that */
	gwt_enter(&a, "STILL", 'B', 1, "AAPL", 10000, 99999);
	struct tg_ouch_out m;
	expect(&a, 'S', &m);
	expect(&a, 'A', &m);
	/* after a logout alice may log in again, naming the session */
	gwt_send(&a, 'O', NULL, 0);
	cr_assert_eq(gwt_recv_nohb(&a, &k, 5000), -1);
	gwt_close(&a);
	gwt_connect(&a, gw.addr);
	cr_assert_eq(gwt_login(&a, "alice", "pw-alice", session, 1, NULL, &next), 1);
	cr_assert_eq(next, 1);
	gwt_close(&a);

	cr_assert_eq(gwt_stop(&gw), 0);
	char *log = gwt_log(&gw);
	cr_assert_eq(gwt_stat(log, "login_unknown_user"), 3, "%s", log);
	cr_assert_eq(gwt_stat(log, "login_bad_password"), 3, "%s", log);
	cr_assert_eq(gwt_stat(log, "login_bad_session"), 1, "%s", log);
	cr_assert_eq(gwt_stat(log, "login_in_use"), 1, "%s", log);
	cr_assert_eq(gwt_stat(log, "logins"), 3, "%s", log);
	/* no password in the log, ever */
	cr_assert_null(strstr(log, "pw-alic"), "%s", log);
	free(log);
}

Test(gateway_session, heartbeats_and_silence)
{
	struct gwt_c c;
	struct gwt_pkt k;
	int hb = 0;

	start("heartbeat_ms = 100\ntimeout_ms = 1500\n", NULL);
	login(&c, 0, 0);
	/* 2 s of client heartbeats every 100 ms: the link stays, the server heartbeats */
	for (int i = 0; i < 20; i++) {
		gwt_send(&c, 'R', NULL, 0);
		int rc = gwt_recv(&c, &k, 100);

		cr_assert_neq(rc, -1, "dropped while heartbeating");
		if (rc == 1) {
			cr_assert_eq(k.type, 'H', "got '%c'", k.type);
			hb++;
		}
	}
	cr_assert_gt(hb, 5, "only %d Server Heartbeats in 2 s at 100 ms", hb);
	/* now silence: heartbeats keep coming, then a Debug and the end */
	int debug = 0, closed = 0;
	uint64_t t0 = gwt_ms();
	while (gwt_ms() - t0 < 10000) {
		int rc = gwt_recv(&c, &k, 1000);

		if (rc == -1) {
			closed = 1;
			break;
		}
		if (rc == 1 && k.type == '+')
			debug = 1;
	}
	cr_assert(closed, "a silent client was not dropped");
	cr_assert(debug, "no Debug packet saying why");
	gwt_close(&c);
	cr_assert_eq(gwt_stop(&gw), 0);
	char *log = gwt_log(&gw);
	cr_assert_eq(gwt_stat(log, "timeouts"), 1, "%s", log);
	free(log);
}

/* Everything a login with sequence seq gets until n messages came (raw bytes). */
static void
collect(struct gwt_c *c, uint8_t msgs[][TG_OUCH_MAX_MSG], size_t *lens, int n)
{
	struct tg_ouch_out m;

	for (int i = 0; i < n; i++)
		cr_assert_eq(gwt_msg(c, &m, msgs[i], &lens[i], 5000), 1, "message %d missing", i + 1);
}

Test(gateway_session, relogin_replays_the_stream)
{
	static uint8_t live[32][TG_OUCH_MAX_MSG], again[32][TG_OUCH_MAX_MSG];
	size_t live_len[32], again_len[32];
	struct gwt_c a, b;
	struct gwt_pkt k;
	struct tg_ouch_out m;
	uint64_t next;
	char tok[16];
	int n = 0;

	start(NULL, NULL);
	cr_assert_eq(login(&a, 0, 1), 1);
	cr_assert_eq(login(&b, 1, 1), 1);
	cr_assert_eq(gwt_msg(&a, &m, live[n], &live_len[n], 5000), 1);
	n++;
	for (int i = 0; i < 6; i++) {
		snprintf(tok, sizeof(tok), "R%d", i);
		gwt_enter(&a, tok, 'B', 100 + i, "MSFT", 2000000 - 100 * (uint32_t)i, 99999);
		cr_assert_eq(gwt_msg(&a, &m, live[n], &live_len[n], 5000), 1);
		n++;
	}
	/* a trade adds an execution to alice's stream from bob's order */
	gwt_enter(&b, "BX", 'S', 50, "MSFT", 2000000, 99999);
	cr_assert_eq(gwt_msg(&a, &m, live[n], &live_len[n], 5000), 1);
	cr_assert_eq(m.type, 'E');
	n++;
	gwt_send(&a, 'O', NULL, 0);
	cr_assert_eq(gwt_recv_nohb(&a, &k, 5000), -1);
	gwt_close(&a);

	/* from 1, from the middle, from the end (0), past the end */
	for (uint64_t from = 1; from <= (uint64_t)n; from += 3) {
		gwt_connect(&a, gw.addr);
		cr_assert_eq(gwt_login(&a, "alice", "pw-alice", NULL, from, NULL, &next), 1);
		cr_assert_eq(next, from);
		collect(&a, again, again_len, n - (int)from + 1);
		for (int i = 0; i < n - (int)from + 1; i++) {
			cr_assert_eq(again_len[i], live_len[from - 1 + i]);
			cr_assert_eq(memcmp(again[i], live[from - 1 + i], again_len[i]), 0,
				     "message %llu differs", (unsigned long long)from + i);
		}
		/* and nothing more */
		cr_assert_eq(gwt_recv_nohb(&a, &k, 200), 0);
		gwt_close(&a);
	}
	uint64_t asks[] = { 0, (uint64_t)n + 1, (uint64_t)n + 50, 99999999999ull };
	for (size_t i = 0; i < 4; i++) {
		gwt_connect(&a, gw.addr);
		cr_assert_eq(gwt_login(&a, "alice", "pw-alice", NULL, asks[i], NULL, &next), 1);
		cr_assert_eq(next, (uint64_t)n + 1, "asked %llu", (unsigned long long)asks[i]);
		cr_assert_eq(gwt_recv_nohb(&a, &k, 200), 0);
		gwt_close(&a);
	}
	/* stop: bob, still logged in, gets the rest of his stream, then End of Session */
	cr_assert_eq(gwt_stop(&gw), 0);
	int z = 0;
	for (;;) {
		int rc = gwt_recv_nohb(&b, &k, 5000);

		if (rc == -1)
			break;
		cr_assert_eq(rc, 1);
		cr_assert(!z, "'%c' after End of Session", k.type);
		if (k.type == 'Z')
			z = 1;
		else
			cr_assert_eq(k.type, 'S', "got '%c'", k.type);
	}
	cr_assert(z, "no End of Session");
	gwt_close(&b);

	/* after a restart the stream is the same, byte for byte, and goes on */
	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	gwt_connect(&a, gw.addr);
	cr_assert_eq(gwt_login(&a, "alice", "pw-alice", NULL, 1, NULL, &next), 1);
	collect(&a, again, again_len, n);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(again_len[i], live_len[i]);
		cr_assert_eq(memcmp(again[i], live[i], again_len[i]), 0, "message %d differs", i + 1);
	}
	gwt_enter(&a, "AFTER", 'B', 1, "AAPL", 10000, 99999);
	cr_assert_eq(gwt_msg(&a, &m, again[0], &again_len[0], 5000), 1);
	cr_assert_eq(m.type, 'A');
	gwt_close(&a);
	char *log = gwt_log(&gw);
	cr_assert(strstr(log, "replayed"), "%s", log);
	free(log);
}

/*
 * carol, with a tiny receive buffer, asks for far more answers than the
 * buffers on the way hold and never reads them, heartbeating all along:
 * alice keeps trading meanwhile, and carol is cut off once she has taken
 * nothing for timeout_ms.
 */
Test(gateway_session, slow_reader_cut_off)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct gwt_c a, c;
	struct tg_ouch_out m;
	int small = 2048, dropped = 0;
	char tok[16];

	start("heartbeat_ms = 200\ntimeout_ms = 1500\nsend_buffer = 4096\nsocket_sndbuf = 8192\n", NULL);
	login(&a, 0, 0);
	/* carol's socket: the small buffer before connect, so the window is small from the start */
	memset(&c, 0, sizeof(c));
	c.fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	sa.sin_port = htons((uint16_t)atoi(strrchr(gw.addr, ':') + 1));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(gwt_login(&c, "carol", "c4r0l!", NULL, 0, NULL, NULL), 1);
	/* 20000 Cancel Orders of nothing: 20000 Cancel Rejects, 520 kB she will not read */
	for (int i = 0; i < 20000; i++) {
		struct tg_ouch_in o = { .type = 'X' };
		uint8_t b[TG_OUCH_MAX_MSG];

		snprintf(tok, sizeof(tok), "C%d", i);
		tg_ouch_alpha(o.cancel.token, TG_OUCH_TOKEN_LEN, tok);
		gwt_send(&c, 'U', b, tg_ouch_in_encode(&o, b));
	}
	uint64_t t0 = gwt_ms();
	for (int i = 0; gwt_ms() - t0 < 20000 && !dropped; i++) {
		static const uint8_t hb[3] = { 0, 1, 'R' };
		char *log;

		/*
		 * carol heartbeats (so she is not silent; a send that fails is
		 * fine: she may be gone), alice is served. Whether carol is
		 * gone is read from the gateway's log: a client that reads
		 * nothing may not even see the reset.
		 */
		(void)!send(c.fd, hb, sizeof(hb), MSG_NOSIGNAL | MSG_DONTWAIT);
		snprintf(tok, sizeof(tok), "A%d", i);
		gwt_enter(&a, tok, 'B', 1, "AAPL", 10000, 99999);
		cr_assert_eq(gwt_msg(&a, &m, NULL, NULL, 5000), 1, "alice starved");
		cr_assert_eq(m.type, 'A');
		gwt_send(&a, 'R', NULL, 0);
		log = gwt_log(&gw);
		dropped = strstr(log, "disconnected") != NULL;
		free(log);
		usleep(100000);
	}
	cr_assert(dropped, "the slow reader was never cut off:\n%s", gwt_log(&gw));
	gwt_close(&c);
	gwt_enter(&a, "LAST", 'B', 1, "AAPL", 10000, 99999);
	cr_assert_eq(gwt_msg(&a, &m, NULL, NULL, 5000), 1);
	gwt_close(&a);
	cr_assert_eq(gwt_stop(&gw), 0);
	char *log = gwt_log(&gw);
	cr_assert_eq(gwt_stat(log, "slow_readers"), 1, "%s", log);
	cr_assert_eq(gwt_stat(log, "timeouts"), 0, "%s", log);
	cr_assert(strstr(log, "took nothing for 1500 ms"), "%s", log);
	free(log);
}

/* 64 users at once, each trading with the one beside it. */
Test(gateway_session, many_sessions)
{
	enum { N = 64 };
	static struct gwt_c c[N];
	char *extra = NULL, pw[16], user[8], tok[16];
	size_t cap = 0;
	FILE *f = open_memstream(&extra, &cap);
	struct tg_ouch_out m;

	for (int i = 0; i < N; i++) {
		char hash[TG_GW_HASH_MAX];

		snprintf(pw, sizeof(pw), "pass%02d", i);
		cr_assert_eq(tg_gw_passwd_hash(pw, strlen(pw), TG_GW_SCRYPT_LN_MIN, hash, sizeof(hash)), 0);
		fprintf(f, "[user.u%02d]\npassword = %s\nfirm = F%d\n\n", i, hash, i % 4);
	}
	fclose(f);
	start(NULL, extra);
	free(extra);
	for (int i = 0; i < N; i++) {
		snprintf(pw, sizeof(pw), "pass%02d", i);
		snprintf(user, sizeof(user), "u%02d", i);
		gwt_connect(&c[i], gw.addr);
		/* all logins in flight at once */
		uint8_t p[46];
		char num[21];
		memset(p, ' ', sizeof(p));
		memcpy(p, user, strlen(user));
		memcpy(p + 6, pw, strlen(pw));
		snprintf(num, sizeof(num), "%20d", 1);
		memcpy(p + 26, num, 20);
		gwt_send(&c[i], 'L', p, sizeof(p));
	}
	for (int i = 0; i < N; i++) {
		struct gwt_pkt k;

		cr_assert_eq(gwt_recv_nohb(&c[i], &k, 10000), 1);
		cr_assert_eq(k.type, 'A', "u%02d: '%c'", i, k.type);
		expect(&c[i], 'S', &m);
	}
	/* even users buy, odd users sell into them, each pair at its own price */
	for (int i = 0; i < N; i++) {
		snprintf(tok, sizeof(tok), "T%02d", i);
		gwt_enter(&c[i], tok, i % 2 ? 'S' : 'B', 10, "AAPL", 1000000 + (uint32_t)(i / 2) * 100, 99999);
		expect(&c[i], 'A', &m);
		if (i % 2) {
			struct tg_ouch_out e1, e2;

			expect(&c[i], 'E', &e1);
			expect(&c[i - 1], 'E', &e2);
			cr_assert_eq(e1.executed.match, e2.executed.match);
		}
	}
	for (int i = 0; i < N; i++)
		gwt_close(&c[i]);
	cr_assert_eq(gwt_stop(&gw), 0);
}

/* Past max_sessions a connection is closed at once; the others are untouched. */
Test(gateway_session, session_limit)
{
	struct gwt_c a, b, c;
	struct gwt_pkt k;
	struct tg_ouch_out m;

	start("max_sessions = 2\n", NULL);
	login(&a, 0, 0);
	gwt_connect(&b, gw.addr);
	gwt_connect(&c, gw.addr);
	/* one of the two extra connections was refused: it is closed without a word */
	cr_assert_eq(gwt_recv(&c, &k, 5000), -1);
	cr_assert_eq(gwt_login(&b, "bob", "bobs pass", NULL, 0, NULL, NULL), 1);
	gwt_enter(&a, "STILL", 'B', 1, "AAPL", 10000, 99999);
	cr_assert_eq(gwt_msg(&a, &m, NULL, NULL, 5000), 1);
	cr_assert_eq(m.type, 'A');
	gwt_close(&a);
	gwt_close(&b);
	gwt_close(&c);
	cr_assert_eq(gwt_stop(&gw), 0);
	char *log = gwt_log(&gw);
	cr_assert_eq(gwt_stat(log, "refused_full"), 1, "%s", log);
	free(log);
}
