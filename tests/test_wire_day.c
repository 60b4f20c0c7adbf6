/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A trading day through `tickgate gateway` with four clients: plain
 * trades, a wash trade (two accounts of one beneficial owner), a spoofing
 * pattern, seeded random flow, and a kill -9 in the middle of a burst
 * followed by a restart. Then the post-trade outputs are held to oracles
 * that owe nothing to the code under test:
 *
 *   - the live alerts file equals `tickgate alerts --journal` byte for
 *     byte, and holds the wash trade and the spoofing the test staged;
 *   - the settlement file of `tickgate settle --journal` equals, row for
 *     row, what the clients' own Executed messages and the fee schedule
 *     (worked out here) say, and its totals balance;
 *   - the live clearing summary the gateway wrote when it stopped equals
 *     what `tickgate settle` printed, and its balances and positions are
 *     the sums of those rows;
 *   - the SQLite export holds the rows; --reconcile passes on the file
 *     and reports the breaks of a tampered copy.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_wire_util.h"

#define TICKGATE TG_BUILD_DIR "/tickgate"

static struct gwt_gw gw;

static struct wt_user users[4] = {
	{ .name = "alice", .pw = "pw-alice", .firm = "ACME", .account = "acme1", .owner = "OWN1" },
	{ .name = "carol", .pw = "pw-carol", .firm = "ACME", .account = "acme2", .owner = "OWN1" },
	{ .name = "bob", .pw = "pw-bob", .firm = "BETA", .account = "beta1", .owner = "beta1" },
	{ .name = "dave", .pw = "pw-dave", .firm = "BETA", .account = "beta2", .owner = "beta2" },
};
enum { ALICE, CAROL, BOB, DAVE, NUSERS };

static void
setup(void)
{
	gwt_dir_make(&gw);
}

static void
teardown(void)
{
	for (int i = 0; i < NUSERS; i++)
		wt_logout(&users[i]);
	gwt_dir_remove(&gw);
}

TestSuite(wire_day, .init = setup, .fini = teardown, .timeout = 300);

/* The fee schedule of the config, in p4 per side (docs/post-trade.md's rules by hand). */
static int64_t
fee_of(uint32_t shares, char liquidity)
{
	int64_t exch = liquidity == 'A' ? -20 * (int64_t)shares : 30 * (int64_t)shares;
	int64_t comm = 10 * (int64_t)shares < 2500 ? 2500 : 10 * (int64_t)shares;

	return exch + comm + 100;
}

static void
write_config(void)
{
	FILE *f = fopen(gw.config, "w");

	cr_assert(f);
	fprintf(f, "[gateway]\nlisten = 127.0.0.1:0\njournal = %s\nstocks = AAPL MSFT\n"
		"sync = no\njournal_segment_mb = 1\n\n", gw.journal);
	for (int i = 0; i < NUSERS; i++)
		wt_user_section(f, &users[i]);
	fprintf(f, "[fees]\ntaker_per_share = 0.0030\nmaker_per_share = -0.0020\n"
		"commission_per_share = 0.0010\ncommission_min = 0.25\ntransfer_per_fill = 0.01\n\n"
		"[surveillance]\nspoof_window_ms = 5000\n");
	cr_assert_eq(fclose(f), 0);
}

static void
login_all(uint64_t seq)
{
	for (int i = 0; i < NUSERS; i++)
		wt_login(&users[i], gw.addr, seq);
}

static unsigned next_token;

static const char *
token(char *buf)
{
	snprintf(buf, 15, "T%05u", next_token++);
	return buf;
}

/* Seeded random flow in MSFT: small orders near 300.00 from everyone, and cancels. */
static void
random_flow(unsigned *seed, unsigned n)
{
	static char live[NUSERS][64][15];
	static unsigned nlive[NUSERS];

	for (unsigned k = 0; k < n; k++) {
		struct wt_user *u;
		unsigned who = (unsigned)rand_r(seed) % NUSERS;
		char tk[15];

		u = &users[who];
		if (nlive[who] && rand_r(seed) % 6 == 0) {
			unsigned i = (unsigned)rand_r(seed) % nlive[who];

			gwt_cancel(&u->c, live[who][i], 0);
			wt_wait(u, 'C', 'I', live[who][i], NULL);
			memcpy(live[who][i], live[who][--nlive[who]], 15);
			continue;
		}
		char side = rand_r(seed) % 2 ? 'B' : 'S';
		uint32_t price = 2999000 + 100 * (uint32_t)(rand_r(seed) % 21);
		uint32_t shares = 100 * (1 + (uint32_t)(rand_r(seed) % 5));

		cr_assert_eq(wt_order(u, token(tk), side, shares, "MSFT", price, NULL), 'A');
		if (nlive[who] < 64)
			memcpy(live[who][nlive[who]++], tk, 15);
	}
}

/* ---- the oracle: the day as the clients' streams tell it ---- */

struct side_fill {
	int user;		/* -1: not seen */
	uint32_t shares, price;
	char liquidity;
};

struct match {
	struct side_fill buy, sell;
	char stock[9];
};

#define MAX_MATCH 4096
static struct match matches[MAX_MATCH + 1];
static uint64_t max_match;

/* Every message of every user's stream from the first: who bought and sold what at each match. */
static void
collect_fills(void)
{
	for (uint64_t i = 0; i <= MAX_MATCH; i++)
		matches[i].buy.user = matches[i].sell.user = -1;
	for (int i = 0; i < NUSERS; i++) {
		struct wt_user *u = &users[i];
		struct {
			char tok[15];
			char side;
			char stock[9];
		} *ord = calloc(8192, sizeof(*ord));
		unsigned nord = 0;
		struct tg_ouch_out m;
		char t[15];

		uint64_t next = 0;

		cr_assert(ord);
		/* where the stream ends (a login from the end says), then all of it */
		wt_logout(u);
		gwt_connect(&u->c, gw.addr);
		u->up = 1;
		cr_assert_eq(gwt_login(&u->c, u->name, u->pw, NULL, 0, NULL, &next), 1);
		wt_logout(u);
		wt_login(u, gw.addr, 1);
		for (uint64_t n = 1; n < next; n++) {
			cr_assert_eq(gwt_msg(&u->c, &m, NULL, NULL, 20000), 1,
				     "%s: message %llu of %llu did not come", u->name,
				     (unsigned long long)n, (unsigned long long)(next - 1));
			if (m.type == 'A') {
				cr_assert_lt(nord, 8192);
				wt_tok(m.order.token, ord[nord].tok);
				ord[nord].side = m.order.side;
				memcpy(ord[nord].stock, m.order.stock, 8);
				ord[nord].stock[8] = 0;
				for (int k = 7; k >= 0 && ord[nord].stock[k] == ' '; k--)
					ord[nord].stock[k] = 0;
				nord++;
			} else if (m.type == 'E') {
				unsigned o;

				wt_tok(m.executed.token, t);
				for (o = 0; o < nord && strcmp(ord[o].tok, t); o++)
					;
				cr_assert_lt(o, nord, "%s: execution of %s, never accepted", u->name, t);
				cr_assert_leq(m.executed.match, MAX_MATCH);
				struct match *x = &matches[m.executed.match];
				struct side_fill *s = ord[o].side == 'B' ? &x->buy : &x->sell;

				cr_assert_eq(s->user, -1, "match %llu: two %c sides",
					     (unsigned long long)m.executed.match, ord[o].side);
				s->user = i;
				s->shares = m.executed.shares;
				s->price = m.executed.price;
				s->liquidity = m.executed.liquidity;
				snprintf(x->stock, sizeof(x->stock), "%s", ord[o].stock);
				if (m.executed.match > max_match)
					max_match = m.executed.match;
			}
		}
		free(ord);
	}
	for (uint64_t k = 1; k <= max_match; k++) {
		cr_assert(matches[k].buy.user >= 0 && matches[k].sell.user >= 0,
			  "match %llu lacks a side", (unsigned long long)k);
		cr_assert_eq(matches[k].buy.shares, matches[k].sell.shares);
		cr_assert_eq(matches[k].buy.price, matches[k].sell.price);
	}
}

/* "123.4500" -> 1234500 (p4). */
static int64_t
money(const char *s)
{
	int neg = *s == '-';
	int64_t v = 0;

	s += neg;
	for (; *s && *s != '.'; s++)
		v = v * 10 + (*s - '0');
	cr_assert_eq(*s, '.');
	for (int i = 1; i <= 4; i++) {
		cr_assert(s[i] >= '0' && s[i] <= '9');
		v = v * 10 + (s[i] - '0');
	}
	cr_assert_eq(s[5], 0);
	return neg ? -v : v;
}

struct row {
	char date[11], firm[8], account[16], stock[9], side;
	uint32_t qty;
	int64_t price, gross, fees, net;
	uint64_t match;
};

/* The expected row of one side of match k. */
static void
expect_row(uint64_t k, char side, const char *date, struct row *r)
{
	const struct side_fill *s = side == 'B' ? &matches[k].buy : &matches[k].sell;
	const struct wt_user *u = &users[s->user];

	memset(r, 0, sizeof(*r));
	snprintf(r->date, sizeof(r->date), "%s", date);
	snprintf(r->firm, sizeof(r->firm), "%s", u->firm);
	snprintf(r->account, sizeof(r->account), "%s", u->account);
	snprintf(r->stock, sizeof(r->stock), "%s", matches[k].stock);
	r->side = side;
	r->qty = s->shares;
	r->price = s->price;
	r->gross = (int64_t)s->shares * s->price;
	r->fees = fee_of(s->shares, s->liquidity);
	r->net = (side == 'B' ? -r->gross : r->gross) - r->fees;
	r->match = k;
}

/* One CSV line (no quoting needed: the names here have no commas). */
static void
parse_row(char *line, struct row *r)
{
	char *f[11], *save;
	int n = 0;

	for (char *t = strtok_r(line, ",", &save); t && n < 11; t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	cr_assert_eq(n, 11, "row with %d fields", n);
	memset(r, 0, sizeof(*r));
	snprintf(r->date, sizeof(r->date), "%s", f[0]);
	snprintf(r->firm, sizeof(r->firm), "%s", f[1]);
	snprintf(r->account, sizeof(r->account), "%s", f[2]);
	snprintf(r->stock, sizeof(r->stock), "%s", f[3]);
	r->side = f[4][0];
	r->qty = (uint32_t)strtoul(f[5], NULL, 10);
	r->price = money(f[6]);
	r->gross = money(f[7]);
	r->fees = money(f[8]);
	r->net = money(f[9]);
	r->match = strtoull(f[10], NULL, 10);
}

static int
rows_equal(const struct row *a, const struct row *b)
{
	return !strcmp(a->date, b->date) && !strcmp(a->firm, b->firm) &&
	       !strcmp(a->account, b->account) && !strcmp(a->stock, b->stock) &&
	       a->side == b->side && a->qty == b->qty && a->price == b->price &&
	       a->gross == b->gross && a->fees == b->fees && a->net == b->net &&
	       a->match == b->match;
}

/* The figure after " key " in line, as p4 money or an integer. */
static int64_t
field(const char *line, const char *key, int is_money)
{
	char k[32];
	const char *p;

	snprintf(k, sizeof(k), " %s ", key);
	p = strstr(line, k);
	cr_assert(p, "no %s in: %s", key, line);
	p += strlen(k);
	if (!is_money)
		return strtoll(p, NULL, 10);
	char v[32];
	size_t n = strcspn(p, " \n");

	cr_assert_lt(n, sizeof(v));
	memcpy(v, p, n);
	v[n] = 0;
	return money(v);
}

/* The line of the summary that starts with prefix. */
static const char *
summary_line(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, n))
			return p;
	cr_assert_fail("no line '%s' in the summary:\n%s", prefix, text);
	return NULL;
}

Test(wire_day, live_post_trade_equals_the_journal)
{
	char tk[15], cmd[2048], path[512], date[11], reason;
	unsigned seed = 20261126;
	time_t now = time(NULL);
	struct tm tm;
	int st;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	write_config();
	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	login_all(0);

	/* a plain trade: bob sells into alice's bid */
	cr_assert_eq(wt_order(&users[ALICE], "BUY1", 'B', 300, "AAPL", 1500000, NULL), 'A');
	cr_assert_eq(wt_order(&users[BOB], "SELL1", 'S', 300, "AAPL", 1500000, NULL), 'A');
	wt_wait(&users[ALICE], 'E', 0, "BUY1", NULL);

	/* a wash trade: carol (acme2) sells to alice (acme1), both owned by OWN1 */
	cr_assert_eq(wt_order(&users[ALICE], "WASHB", 'B', 200, "AAPL", 1505000, NULL), 'A');
	cr_assert_eq(wt_order(&users[CAROL], "WASHS", 'S', 200, "AAPL", 1505000, NULL), 'A');
	wt_wait(&users[CAROL], 'E', 0, "WASHS", NULL);

	/*
	 * spoofing: dave rests a large offer, his small bid is hit, and he
	 * pulls the offer at once
	 */
	cr_assert_eq(wt_order(&users[DAVE], "BAIT", 'S', 5000, "AAPL", 1510000, NULL), 'A');
	cr_assert_eq(wt_order(&users[DAVE], "SMALLB", 'B', 100, "AAPL", 1490000, NULL), 'A');
	cr_assert_eq(wt_order(&users[BOB], "HIT", 'S', 100, "AAPL", 1490000, NULL), 'A');
	wt_wait(&users[DAVE], 'E', 0, "SMALLB", NULL);
	gwt_cancel(&users[DAVE].c, "BAIT", 0);
	cr_assert_eq(wt_wait(&users[DAVE], 'C', 0, "BAIT", NULL), 'C');

	/* a reject is a message too: a stock outside the list */
	cr_assert_eq(wt_order(&users[BOB], "NOPE", 'B', 100, "IBM", 1000000, &reason), 'J');
	cr_assert_eq(reason, 'S');

	random_flow(&seed, 250);

	/*
	 * A burst nobody waits for, and the gateway dies in the middle of it:
	 * once the 20th order is acknowledged (so the journal holds part of
	 * the burst, and the rest may be anywhere between the sockets and the
	 * journal).
	 */
	char mid[15] = "";
	for (int k = 0; k < 120; k++) {
		struct wt_user *u = &users[k % NUSERS];

		gwt_enter(&u->c, token(tk), k % 2 ? 'S' : 'B', 100 * (1 + k % 3), "MSFT",
			  2999000 + 100 * (uint32_t)(k % 21), 99999);
		if (k == 20)
			snprintf(mid, sizeof(mid), "%s", tk);
	}
	wt_wait(&users[20 % NUSERS], 'A', 0, mid, NULL);
	gwt_kill(&gw);
	for (int i = 0; i < NUSERS; i++)
		wt_logout(&users[i]);

	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	login_all(0);
	random_flow(&seed, 250);
	collect_fills();
	for (int i = 0; i < NUSERS; i++)
		wt_logout(&users[i]);
	cr_assert_eq(gwt_stop(&gw), 0, "%s", gwt_log(&gw));
	cr_assert_gt(max_match, 20, "the day traded too little: %llu matches",
		     (unsigned long long)max_match);

	/* ---- alerts: the live file and the journal's replay ---- */
	size_t live_len, replay_len;
	snprintf(path, sizeof(path), "%s/alerts.jsonl", gw.journal);
	char *live = wt_read(path, &live_len);
	cr_assert(live, "no alerts file %s", path);
	snprintf(cmd, sizeof(cmd), TICKGATE " alerts --journal '%s'", gw.journal);
	char *replay = wt_run(cmd, &st);
	replay_len = strlen(replay);
	cr_assert_eq(st, 0, "%s", replay);
	cr_assert_eq(live_len, replay_len, "live:\n%s\nreplayed:\n%s", live, replay);
	cr_assert_eq(memcmp(live, replay, live_len), 0, "live:\n%s\nreplayed:\n%s", live, replay);

	int wash = 0, spoof = 0;
	for (char *line = live, *nl; *line; line = nl + 1) {
		json_error_t je;
		json_t *j;

		nl = strchr(line, '\n');
		cr_assert(nl, "an alert line without its end");
		*nl = 0;
		j = json_loads(line, 0, &je);
		cr_assert(j, "not JSON: %s", line);
		const char *kind = json_string_value(json_object_get(j, "kind"));
		const char *acct = json_string_value(json_object_get(j, "account"));
		cr_assert(kind && acct && json_is_integer(json_object_get(j, "time")) &&
			  json_is_array(json_object_get(j, "order_tokens")) &&
			  json_is_array(json_object_get(j, "match_numbers")) &&
			  json_is_object(json_object_get(j, "figures")), "%s", line);
		if (!strcmp(kind, "wash_trade") && strstr(line, "\"WASHS\"") &&
		    strstr(line, "\"WASHB\""))
			wash++;
		if (!strcmp(kind, "spoofing") && !strcmp(acct, "beta2") && strstr(line, "\"BAIT\""))
			spoof++;
		json_decref(j);
	}
	cr_assert_eq(wash, 1, "the staged wash trade:\n%s", replay);
	cr_assert_eq(spoof, 1, "the staged spoofing:\n%s", replay);
	free(live);
	free(replay);

	/* ---- settlement and clearing from the journal ---- */
	char csv[512], db[512];
	snprintf(csv, sizeof(csv), "%s/day.csv", gw.dir);
	snprintf(db, sizeof(db), "%s/day.db", gw.dir);
	snprintf(cmd, sizeof(cmd), TICKGATE " settle --journal '%s' --out '%s' --db 'sqlite:%s'",
		 gw.journal, csv, db);
	char *summary = wt_run(cmd, &st);
	cr_assert_eq(st, 0, "%s", summary);
	snprintf(path, sizeof(path), "%s/clearing.txt", gw.journal);
	char *live_sum = wt_read(path, NULL);
	cr_assert(live_sum, "the gateway wrote no clearing summary");
	cr_assert_str_eq(summary, live_sum, "settle printed:\n%s\nthe gateway wrote:\n%s", summary,
			 live_sum);

	/* the file, row for row, against the clients' executions and the fee schedule */
	size_t csv_len;
	char *text = wt_read(csv, &csv_len), *save;
	cr_assert(text);
	char *line = strtok_r(text, "\n", &save);
	cr_assert_str_eq(line, "trade_date,firm,account,stock,side,quantity,price,gross,fees,net,"
			 "match_number");
	struct {
		int64_t cash, fees, bought, sold;
	} acct[NUSERS] = { 0 };
	int64_t pos[NUSERS][2] = { 0 };	/* AAPL, MSFT */
	int64_t sum_net = 0, sum_fees = 0, bought[2] = { 0 }, sold[2] = { 0 };
	uint64_t nrows = 0;
	for (uint64_t k = 1; k <= max_match; k++)
		for (int s = 0; s < 2; s++) {
			struct row want, got;
			char side = s ? 'S' : 'B';
			int u = s ? matches[k].sell.user : matches[k].buy.user;
			int stock = !strcmp(matches[k].stock, "MSFT");

			line = strtok_r(NULL, "\n", &save);
			cr_assert(line, "the file ends before match %llu %c", (unsigned long long)k, side);
			expect_row(k, side, date, &want);
			parse_row(line, &got);
			cr_assert(rows_equal(&want, &got),
				  "match %llu %c: expected %s %s %s %u @ %lld fees %lld net %lld",
				  (unsigned long long)k, side, want.firm, want.account, want.stock,
				  want.qty, (long long)want.price, (long long)want.fees,
				  (long long)want.net);
			nrows++;
			sum_net += got.net;
			sum_fees += got.fees;
			acct[u].cash += got.net;
			acct[u].fees += got.fees;
			if (side == 'B') {
				acct[u].bought += got.qty;
				pos[u][stock] += got.qty;
				bought[stock] += got.qty;
			} else {
				acct[u].sold += got.qty;
				pos[u][stock] -= got.qty;
				sold[stock] += got.qty;
			}
		}
	cr_assert_null(strtok_r(NULL, "\n", &save), "rows past the last match");
	free(text);
	/* totals reconcile: shares bought = sold per stock, net cash = -fees */
	cr_assert_eq(bought[0], sold[0]);
	cr_assert_eq(bought[1], sold[1]);
	cr_assert_eq(sum_net, -sum_fees);

	/* the live clearing state: balances and positions are the sums of the rows */
	for (int u = 0; u < NUSERS; u++) {
		char prefix[64];
		const char *l;

		snprintf(prefix, sizeof(prefix), "account %s %s ", users[u].firm, users[u].account);
		l = summary_line(live_sum, prefix);
		cr_assert_eq(field(l, "cash", 1), acct[u].cash, "%s", prefix);
		cr_assert_eq(field(l, "fees", 1), acct[u].fees, "%s", prefix);
		cr_assert_eq(field(l, "bought", 0), acct[u].bought, "%s", prefix);
		cr_assert_eq(field(l, "sold", 0), acct[u].sold, "%s", prefix);
		for (int s = 0; s < 2; s++) {
			if (!pos[u][s])
				continue;
			snprintf(prefix, sizeof(prefix), "position %s %s %s ", users[u].firm,
				 users[u].account, s ? "MSFT" : "AAPL");
			l = summary_line(live_sum, prefix);
			cr_assert_eq(field(l, "shares", 0), pos[u][s], "%s", prefix);
		}
	}
	free(summary);
	free(live_sum);

	/* ---- the SQLite export holds the rows ---- */
	sqlite3 *sq;
	sqlite3_stmt *q;
	cr_assert_eq(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(sq, "SELECT count(*), sum(fees_p4), sum(net_p4), "
					"sum(quantity) FROM trades WHERE trade_date = ?", -1, &q,
					NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, date, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_eq((uint64_t)sqlite3_column_int64(q, 0), nrows);
	cr_assert_eq(sqlite3_column_int64(q, 1), sum_fees);
	cr_assert_eq(sqlite3_column_int64(q, 2), sum_net);
	cr_assert_eq(sqlite3_column_int64(q, 3), bought[0] + bought[1] + sold[0] + sold[1]);
	sqlite3_finalize(q);
	cr_assert_eq(sqlite3_prepare_v2(sq, "SELECT account, cash_p4, fees_p4 FROM balances "
					"WHERE trade_date = ? ORDER BY account", -1, &q, NULL),
		     SQLITE_OK);
	sqlite3_bind_text(q, 1, date, -1, SQLITE_STATIC);
	int nbal = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(q, 0);
		int u;

		for (u = 0; u < NUSERS && strcmp(users[u].account, a); u++)
			;
		cr_assert_lt(u, NUSERS, "a balance for %s", a);
		cr_assert_eq(sqlite3_column_int64(q, 1), acct[u].cash, "%s", a);
		cr_assert_eq(sqlite3_column_int64(q, 2), acct[u].fees, "%s", a);
		nbal++;
	}
	cr_assert_eq(nbal, NUSERS);
	sqlite3_finalize(q);
	sqlite3_close(sq);

	/* ---- reconciliation: the file passes, a tampered copy breaks ---- */
	snprintf(cmd, sizeof(cmd), TICKGATE " settle --journal '%s' --reconcile '%s'", gw.journal,
		 csv);
	char *out = wt_run(cmd, &st);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, " 0 breaks"), "%s", out);
	free(out);
	/* line 3 is match 1's sell side, bob's (SELL1): name another account; drop the last row */
	snprintf(cmd, sizeof(cmd), "sed -e '3s/,%s,/,ZZZ,/' -e '$d' '%s' > '%s/bad.csv'",
		 users[BOB].account, csv, gw.dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), TICKGATE " settle --journal '%s' --reconcile '%s/bad.csv'",
		 gw.journal, gw.dir);
	out = wt_run(cmd, &st);
	cr_assert_eq(st, 1, "%s", out);
	char want[64];
	snprintf(want, sizeof(want), "missing: match %llu S", (unsigned long long)max_match);
	cr_assert(strstr(out, want), "the dropped last row:\n%s", out);
	cr_assert(strstr(out, "changed: match 1 S account: expected beta1, found ZZZ"), "%s", out);
	free(out);
}

Test(wire_day, usage_and_missing_journal)
{
	char cmd[1024];
	int st;

	cr_assert_eq(WEXITSTATUS(system(TICKGATE " alerts 2>/dev/null")), 2);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " alerts --journal /x --format csv 2>/dev/null")), 2);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " settle 2>/dev/null")), 2);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " settle --journal /x --date 2026-02-30 2>/dev/null")),
		     2);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " settle --journal /x --reconcile a.csv --db none"
					" 2>/dev/null")), 2);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " alerts --help >/dev/null")), 0);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " settle --help >/dev/null")), 0);
	/* no config beside a journal that does not exist: a failure, one line */
	snprintf(cmd, sizeof(cmd), TICKGATE " alerts --journal '%s/none' 2>&1", gw.dir);
	char *out = wt_run(cmd, &st);
	cr_assert_eq(st, 1, "%s", out);
	cr_assert_eq(strchr(out, '\n') - out + 1, (long)strlen(out), "one line: %s", out);
	free(out);
	/* a config but no journal */
	write_config();
	snprintf(cmd, sizeof(cmd), TICKGATE " settle --journal '%s/none' --config '%s' 2>&1",
		 gw.dir, gw.config);
	out = wt_run(cmd, &st);
	cr_assert_eq(st, 1, "%s", out);
	free(out);
}
