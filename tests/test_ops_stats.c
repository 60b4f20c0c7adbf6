/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `tickgate stats` (text and JSON) and `tickgate book --live` against a
 * running control plane. What the stats must say comes from what this
 * test put in, never from the code under test: the feed generator's own
 * account of the capture it wrote (replayed through the model card), the
 * order script below with its answers worked out from docs/order-path.md,
 * and latency samples whose exact percentiles are taken from sorted copies.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "test_ops_util.h"
#include "book/tg_book.h"
#include "feed/tg_replay.h"
#include "feedgen/tg_feedgen.h"

static const char ini[] =
	"[gateway]\n"
	"stocks = AAPL MSFT IBM\n"
	"[user.alice]\n"
	"firm = ACME\n"
	"[user.bob]\n"
	"firm = BETA\n"
	"[firm.ACME]\n"
	"max_order_shares = 1000\n"
	"[surveillance]\n"
	"large_trade_shares = 150\n";

#define P(d, c) ((uint32_t)(d) * 10000u + (uint32_t)(c) * 100u)

static struct tg_feedgen_opts gen;
static struct tg_feedgen_result res;

static int
apply(void *ctx, const struct tg_event *ev)
{
	tg_book_apply(ctx, ev);
	return 0;
}

/* Replay a generated capture through the model card into books; publish. */
static void
feed_setup(void)
{
	char pcap[128];
	struct tg_card_config cc = { .backend = "model" };
	struct tg_replay_opts ro = { 0 };
	struct tg_stats_feed f;
	struct tg_card *card;
	struct tg_book *book;

	snprintf(pcap, sizeof(pcap), "%s/feed.pcap", T.dir);
	tg_feedgen_opts_init(&gen);
	gen.seed = 7;
	gen.stocks = 4;
	gen.messages = 3000;
	gen.ab = 1;
	gen.gap_every = 10;
	cr_assert_eq(tg_feedgen_write(&gen, pcap, &res), 0, "%s", res.error);
	cr_assert_eq(tg_card_open(&cc, &card), 0);
	cr_assert_eq(tg_card_set_filter(card, 0, 0, 0, TG_FILTER_VALID | TG_FILTER_ANY_IP |
					TG_FILTER_ANY_PORT), 0);
	ro.n_line_b = 1;
	ro.line_b_ip[0] = gen.dst_ip[1];
	book = tg_book_new(&(struct tg_book_config){ 0 });
	cr_assert_not_null(book);
	cr_assert_eq(tg_replay_pcap(card, pcap, &ro, apply, book, NULL), 0);
	tg_stats_feed_fill(&f, card, &cc, book);
	tg_stats_feed_publish(T.feed, &f);
	tg_book_free(book);
	tg_card_close(card);
}

/* The order script; its answers are written out beside each line. */
static void
orders(void)
{
	tops_order("alice", tord_enter("a1", 'B', 100, "AAPL", P(10, 0), 99999));	/* A, rests */
	tops_order("alice", tord_enter("a2", 'B', 2000, "AAPL", P(10, 0), 99999));	/* J Z */
	tops_order("bob", tord_enter("b1", 'S', 300, "AAPL", P(10, 0), 99999));	/* A, fills 100, rests 200 */
	tops_order("alice", tord_enter("a3", 'B', 200, "AAPL", P(10, 0), 99999));	/* A, fills 200: large */
	tops_order("bob", tord_enter("b2", 'S', 100, "ZZZZ", P(1, 0), 99999));	/* J S */
	tops_order("bob", tord_enter("b3", 'S', 50, "MSFT", P(20, 0), 99999));	/* A, rests */
	tops_order("alice", tord_enter("a4", 'B', 10, "MSFT", P(19, 50), 99999));	/* A, rests */
}

/* Latency samples, and the same sorted for the exact percentiles. */
#define N_W2B 3000
#define N_O2A 10000
static uint64_t w2b[N_W2B], o2a[N_O2A];

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
latency(void)
{
	uint64_t x = 88172645463325252ull;

	/* two "lcores" for wire to book: 0 has 1..1000, 1 a skewed tail */
	for (int i = 0; i < N_W2B; i++) {
		w2b[i] = i < 1000 ? (uint64_t)i + 1 : 2000 + (uint64_t)(i - 1000) * (i - 1000);
		tg_hist_record(T.w2b[i < 1000 ? 0 : 1], w2b[i]);
	}
	for (int i = 0; i < N_O2A; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		o2a[i] = 1000 + x % 5000000;
		tg_hist_record(T.o2a[0], o2a[i]);
	}
	qsort(w2b, N_W2B, sizeof(w2b[0]), cmp_u64);
	qsort(o2a, N_O2A, sizeof(o2a[0]), cmp_u64);
}

static void
setup(void)
{
	tops_start(ini, "viewer");
	feed_setup();
	orders();
	latency();
}

TestSuite(ops_stats, .init = setup, .fini = tops_stop, .timeout = 60);

static json_t *
out_json(void)
{
	json_error_t e;
	json_t *j = json_loads(tops_stdout(), 0, &e);

	cr_assert_not_null(j, "not JSON (%s): %s", e.text, tops_stdout());
	return j;
}

static long long
num(json_t *root, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(root, a);

	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	cr_assert(json_is_integer(v), "no integer %s.%s.%s", a, b ? b : "", c ? c : "");
	return (long long)json_integer_value(v);
}

/* Nearest rank: the smallest sample with at least p % at or below it. */
static uint64_t
exact(const uint64_t *s, size_t n, double p)
{
	size_t k = (size_t)ceil(p / 100.0 * (double)n);

	return s[k ? k - 1 : 0];
}

static void
check_hist(json_t *h, const uint64_t *s, size_t n)
{
	static const struct {
		const char *key;
		double p;
	} ps[] = { { "min", 0 }, { "p50", 50 }, { "p90", 90 }, { "p99", 99 },
		   { "p99_9", 99.9 }, { "max", 100 } };
	double sum = 0;

	cr_assert_not_null(h);
	cr_expect_eq(json_integer_value(json_object_get(h, "count")), (json_int_t)n);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double want = (double)exact(s, n, ps[i].p);
		double got = (double)json_integer_value(json_object_get(h, ps[i].key));

		cr_expect(fabs(got - want) <= want * TG_HIST_REL_ERROR,
			  "%s: %.0f, exactly %.0f", ps[i].key, got, want);
	}
	for (size_t i = 0; i < n; i++)
		sum += (double)s[i];
	cr_expect(fabs(json_real_value(json_object_get(h, "mean")) - sum / (double)n) < 1e-6 * sum,
		  "mean");
}

Test(ops_stats, json_against_the_inputs)
{
	json_t *j, *f, *e, *v;
	long long types = 0;
	const char *k;

	cr_assert_eq(tops_tg("stats --format json --socket %s", T.sock), 0, "%s", tops_stderr());
	j = out_json();
	cr_expect(!json_object_get(j, "ok") && !json_object_get(j, "audit"));
	cr_expect(num(j, "time", NULL, NULL) > 1700000000000000000LL);

	/* the feed, against what the generator wrote */
	f = json_object_get(j, "feed");
	cr_assert_not_null(f);
	cr_expect_str_eq(json_string_value(json_object_get(f, "card")), "model");
	cr_expect_eq(num(f, "lines", "A", "frames"), (long long)res.frames / 2);
	cr_expect_eq(num(f, "lines", "B", "frames"), (long long)res.frames / 2);
	cr_expect_eq(num(f, "messages", NULL, NULL),
		     (long long)(res.messages - res.dropped_messages));
	/* every message came twice (lines A and B): the second copy is a duplicate */
	cr_expect_eq(num(f, "duplicates", NULL, NULL),
		     (long long)(res.messages - res.dropped_messages));
	cr_expect_eq(num(f, "gaps", NULL, NULL), (long long)res.dropped_datagrams);
	cr_expect_eq(num(f, "gap_messages", NULL, NULL), (long long)res.dropped_messages);
	cr_expect_eq(num(f, "packets", NULL, NULL), (long long)res.frames);
	json_object_foreach(json_object_get(f, "messages_by_type"), k, v)
		types += json_integer_value(v);
	cr_expect_eq(types, num(f, "messages", NULL, NULL));
	cr_expect_eq(json_array_size(json_object_get(f, "sessions")), 1);
	v = json_array_get(json_object_get(f, "sessions"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(v, "session")), "TGSESSION1");
	cr_expect_eq(num(v, "next_seq", NULL, NULL), (long long)res.messages + 1);
	cr_expect_eq(num(f, "drops", "c2h_full", NULL), 0);
	cr_expect_eq(num(f, "rings", "h2c", "size"), 1024);
	cr_expect_eq(num(f, "rings", "c2h", "size"), 16384);
	cr_expect_eq(num(f, "book", "stocks", NULL), gen.stocks);
	cr_expect_eq(num(f, "book", "gaps", NULL), (long long)res.dropped_datagrams);
	cr_expect_eq(json_array_size(json_object_get(f, "busiest")), gen.stocks);
	for (size_t i = 1; i < json_array_size(json_object_get(f, "busiest")); i++)
		cr_expect(num(json_array_get(json_object_get(f, "busiest"), i - 1), "volume", NULL,
			      NULL) >=
			  num(json_array_get(json_object_get(f, "busiest"), i), "volume", NULL, NULL));

	/* the engine, against the script's answers */
	e = json_object_get(j, "engine");
	cr_assert_not_null(e);
	cr_expect_eq(num(e, "orders", NULL, NULL), 7);
	cr_expect_eq(num(e, "accepted", NULL, NULL), 5);
	cr_expect_eq(num(e, "rejected", NULL, NULL), 2);
	cr_expect_eq(num(e, "rejects", "Z", NULL), 1);
	cr_expect_eq(num(e, "rejects", "S", NULL), 1);
	cr_expect_eq(json_object_size(json_object_get(e, "rejects")), 2);
	cr_expect_eq(num(e, "executions", NULL, NULL), 2);
	cr_expect_eq(num(e, "resting", NULL, NULL), 2);
	cr_expect_eq(num(e, "canceled", NULL, NULL), 0);
	v = json_array_get(json_object_get(e, "busiest"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(v, "stock")), "AAPL");
	cr_expect_eq(num(v, "executions", NULL, NULL), 2);
	cr_expect_eq(num(v, "shares", NULL, NULL), 300);
	cr_expect_eq(json_real_value(json_object_get(v, "notional")), 3000.0);
	cr_expect_eq(json_array_size(json_object_get(e, "busiest")), 1);
	cr_expect(!json_object_get(j, "gateway"), "no gateway runs here");

	/* risk: nothing killed, no daily notional or position limit set */
	v = json_object_get(json_object_get(j, "risk"), "killed");
	cr_expect(json_is_false(json_object_get(v, "all")));
	cr_expect_eq(json_array_size(json_object_get(v, "firms")), 0);
	cr_expect_eq(json_array_size(json_object_get(json_object_get(j, "risk"), "near_limits")), 0);

	/* surveillance: the one fill of 150 shares or more, alice the aggressor */
	v = json_object_get(j, "surveillance");
	cr_expect_eq(num(v, "alerts", "large_trade", NULL), 1);
	cr_expect_eq(num(v, "alerts", "wash_trade", NULL), 0);
	cr_expect_eq(json_object_size(json_object_get(v, "alerts")), TG_SURV_NKINDS);
	{
		json_t *r = json_object_get(v, "recent"), *a = NULL;
		size_t i;

		json_array_foreach(r, i, a)
			if (!strcmp(json_string_value(json_object_get(a, "kind")), "large_trade"))
				break;
		cr_assert(i < json_array_size(r), "no large_trade among the recent alerts");
		cr_expect_str_eq(json_string_value(json_object_get(a, "firm")), "ACME");
		cr_expect_str_eq(json_string_value(json_object_get(a, "account")), "alice");
		cr_expect_str_eq(json_string_value(json_object_get(a, "stock")), "AAPL");
	}

	/* latency: percentiles within the histogram's error of the exact ones */
	check_hist(json_object_get(json_object_get(j, "latency"), "wire_to_book"), w2b, N_W2B);
	check_hist(json_object_get(json_object_get(j, "latency"), "order_to_ack"), o2a, N_O2A);

	/* the control plane counted this very request */
	cr_expect(num(j, "control", "requests", NULL) >= 1);
	cr_expect_eq(num(j, "control", "refused", NULL), 0);
	json_decref(j);
}

Test(ops_stats, text_and_where_the_socket_is)
{
	const char *o;
	char line[128];

	cr_assert_eq(tops_tg("stats --config %s", T.ini), 0, "%s", tops_stderr());
	o = tops_stdout();
	cr_expect(strstr(o, "tickgate stats at "), "%s", o);
	snprintf(line, sizeof(line), "  line A       %llu frames\n", (unsigned long long)res.frames / 2);
	cr_expect(strstr(o, line), "no '%s' in\n%s", line, o);
	cr_expect(strstr(o, "  session      TGSESSION1 next "), "%s", o);
	cr_expect(strstr(o, "  orders       7 (accepted 5, rejected 2), 2 resting\n"), "%s", o);
	cr_expect(strstr(o, "  executions   2, canceled 0,"), "%s", o);
	cr_expect(strstr(o, "  rejects      S 1, Z 1\n"), "%s", o);
	cr_expect(strstr(o, "  busiest      AAPL     2 executions, 300 shares, $3000.00\n"), "%s", o);
	cr_expect(strstr(o, "  killed       all no; firms none; accounts none\n"), "%s", o);
	cr_expect(strstr(o, "  alerts       large_trade 1"), "%s", o);
	snprintf(line, sizeof(line), "  wire>book  %12d", N_W2B);
	cr_expect(strstr(o, line), "no '%s' in\n%s", line, o);
	snprintf(line, sizeof(line), "  order>ack  %12d", N_O2A);
	cr_expect(strstr(o, line), "no '%s' in\n%s", line, o);

	/* usage and reachability */
	cr_expect_eq(tops_tg("stats --config %s --socket %s", T.ini, T.sock), 2);
	cr_expect_eq(tops_tg("stats --format yaml --socket %s", T.sock), 2);
	cr_expect_eq(tops_tg("stats now --socket %s", T.sock), 2);
	cr_expect_eq(tops_tg("stats --socket %s/none.sock", T.dir), 1);
	cr_expect(strstr(tops_stderr(), "cannot connect to the appliance"), "%s", tops_stderr());
	cr_expect_eq(tops_tg("stats --config %s/none.ini", T.dir), 1);
	cr_expect_eq(tops_tg("stats --help"), 0);
	cr_expect(strstr(tops_stdout(), "usage: tickgate stats"), "%s", tops_stdout());
}

Test(ops_stats, live_book)
{
	cr_assert_eq(tops_tg("book --live MSFT --socket %s", T.sock), 0, "%s", tops_stderr());
	cr_expect_str_eq(tops_stdout(), "{\"stock\":\"MSFT\",\"bids\":[[195000,10,1]],"
			 "\"asks\":[[200000,50,1]]}\n");
	/* AAPL: b1 300 filled 100 then 200; a1, a3 filled: empty */
	cr_assert_eq(tops_tg("book --live AAPL --format json --socket %s", T.sock), 0);
	cr_expect_str_eq(tops_stdout(), "{\"stock\":\"AAPL\",\"bids\":[],\"asks\":[]}\n");
	/* a deeper book, cut by --depth */
	for (int i = 0; i < 5; i++) {
		char tok[8];

		snprintf(tok, sizeof(tok), "d%d", i);
		tops_order("bob", tord_enter(tok, 'B', 10 + i, "IBM", P(100 - i, 0), 99999));
	}
	tops_order("alice", tord_enter("d9", 'B', 7, "IBM", P(100, 0), 99999));
	cr_assert_eq(tops_tg("book --live IBM --depth 2 --socket %s", T.sock), 0);
	cr_expect_str_eq(tops_stdout(), "{\"stock\":\"IBM\",\"bids\":[[1000000,17,2],[990000,11,1]],"
			 "\"asks\":[]}\n");
	cr_assert_eq(tops_tg("book --live IBM --format text --depth 2 --socket %s", T.sock), 0);
	cr_expect_str_eq(tops_stdout(),
			 "IBM (live order book) 2 bid / 0 ask levels, more beyond the depth shown\n"
			 " orders       shares          bid | ask                shares  orders\n"
			 "      2           17     100.0000 | \n"
			 "      1           11      99.0000 | \n");
	cr_assert_eq(tops_tg("book --live MSFT --format text --config %s", T.ini), 0);
	cr_expect_str_eq(tops_stdout(),
			 "MSFT (live order book) 1 bid / 1 ask levels\n"
			 " orders       shares          bid | ask                shares  orders\n"
			 "      1           10      19.5000 | 20.0000                50       1\n");

	cr_expect_eq(tops_tg("book --live NOPE --socket %s", T.sock), 1);
	cr_expect(strstr(tops_stderr(), "no stock 'NOPE' in the order book"), "%s", tops_stderr());
	cr_expect_eq(tops_tg("book --live AAPL %s/feed.pcap --socket %s", T.dir, T.sock), 2);
	cr_expect_eq(tops_tg("book --live AAPL --stock AAPL --socket %s", T.sock), 2);
	cr_expect_eq(tops_tg("book --live --socket %s", T.sock), 2);
	cr_expect_eq(tops_tg("book --stock AAPL --socket %s %s/feed.pcap", T.sock, T.dir), 2);
	cr_expect_eq(tops_tg("book --live AAPL --socket %s/none.sock", T.dir), 1);
}

/* Every gateway counter under its name in tg_gw.h, with its own value. */
Test(ops_stats, json_of_the_gateway_counters)
{
	struct tg_gw_stats g;
	uint64_t *w = (uint64_t *)&g;
	struct tg_stats s = { .gw = &g };
	json_t *j, *o;

	for (size_t i = 0; i < sizeof(g) / sizeof(uint64_t); i++)
		w[i] = 1000 + i * 7;
	j = tg_stats_json(&s);
	cr_assert_not_null(j);
	o = json_object_get(j, "gateway");
	cr_expect_eq(json_object_size(o), sizeof(g) / sizeof(uint64_t));
#define GW(f) cr_expect_eq(json_integer_value(json_object_get(o, #f)), (json_int_t)g.f, #f)
	GW(connections); GW(refused_full); GW(logins); GW(login_unknown_user);
	GW(login_bad_password); GW(login_in_use); GW(login_bad_session); GW(logouts);
	GW(closed_by_peer); GW(bad_length); GW(bad_type); GW(not_logged_in); GW(bad_login);
	GW(bad_ouch); GW(timeouts); GW(slow_readers); GW(heartbeats); GW(messages_in);
	GW(messages_out); GW(replayed); GW(ticks); GW(syncs); GW(sealed_hellos); GW(seal_bad);
	GW(seal_replay); GW(sessions_now);
#undef GW
	/* parts not given are left out */
	cr_expect_eq(json_object_size(j), 2, "time and gateway only");
	json_decref(j);
}
