/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry of the appliance, as `tickgate run` has it: EAL up (with
 * the embedded default's options, telemetry on), a gateway in this process
 * (tg_gw_opts.telemetry) on its own thread, a feed lcore (this thread)
 * driving the model card through tg_gw_feed_*(), the /tickgate/...
 * commands registered with tg_gw_telemetry_register(), and DPDK's own
 * telemetry socket queried the way dpdk-telemetry.py does (SOCK_SEQPACKET,
 * one command, one JSON reply). The feed's figures must be the feed
 * generator's account of the capture; the order path's what the test's
 * orders did; and both must equal the Prometheus samples of the same
 * counters.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_eal.h>

#include "book/tg_book.h"
#include "feed/tg_replay.h"
#include "feedgen/tg_feedgen.h"
#include "gateway/tg_gw.h"
#include "tg_card.h"
#include "tg_itch.h"
#include "test_ctlwire_util.h"

#define P(d)	((uint32_t)((d) * 10000))

struct feed_ctx {
	struct tg_gw_feed *f;
	struct tg_book *book;
};

/* The feed lcore's work for one record: count it, apply it. */
static int
on_record(void *ctx, const struct tg_event *ev)
{
	struct feed_ctx *fc = ctx;
	const struct tg_event *one[1] = { ev };

	tg_gw_feed_burst(fc->f, one, 1);
	tg_book_apply(fc->book, ev);
	return 0;
}

static void *
gw_thread(void *arg)
{
	tg_gw_run(arg);
	return NULL;
}

/* One telemetry command over DPDK's socket: the reply's value for cmd. */
static json_t *
telemetry(const char *sock, const char *cmd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char buf[1 << 16];
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	json_t *r, *v;
	ssize_t n;

	cr_assert(strlen(sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect %s", sock);
	n = read(fd, buf, sizeof(buf) - 1);	/* the greeting: version, pid, max_output_len */
	cr_assert(n > 0);
	buf[n] = 0;
	cr_assert(strstr(buf, "\"version\""), "%s", buf);
	cr_assert_eq(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	n = read(fd, buf, sizeof(buf) - 1);
	cr_assert(n > 0);
	buf[n] = 0;
	close(fd);
	r = json_loads(buf, 0, NULL);
	cr_assert(r, "telemetry reply: %s", buf);
	v = json_incref(json_object_get(r, cmd));
	cr_assert(json_is_object(v), "%s: %s", cmd, buf);
	json_decref(r);
	return v;
}

static uint64_t
u(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	cr_assert(json_is_integer(v), "no %s", k);
	return (uint64_t)json_integer_value(v);
}

Test(ctlwire, telemetry_feed_and_orders, .timeout = 120)
{
	struct cw w;
	struct tg_feedgen_opts fo;
	struct tg_feedgen_result res;
	struct tg_replay_opts ro = { 0 };
	struct tg_replay_stats rs;
	struct tg_card_config cc = { .backend = "model" };
	struct tg_card *card;
	struct tg_gw_opts go = { 0 };
	struct tg_gw *gw;
	struct feed_ctx fc;
	struct tg_ouch_client *a, *b;
	pthread_t th;
	char prefix[64], pcap[160], logpath[160], sock[256], err[512];
	char *eal[] = { "tickgate", "--no-huge", "--no-pci", "--no-shconf", prefix, "-m", "64",
			"-l", "0", "--log-level=lib.eal:error", NULL };
	json_t *t, *s;
	char *body, *log, *p;
	uint64_t line_a, line_b;
	FILE *lf;

	/* the gateway's config, with [metrics] to compare with */
	memset(&w, 0, sizeof(w));
	gwt_dir_make(&w.g);
	gwt_config(&w.g, "sync = no", "[metrics]\nlisten = 127.0.0.1:0\n");
	snprintf(prefix, sizeof(prefix), "--file-prefix=tg-cwtel-%d", (int)getpid());
	cr_assert(rte_eal_init(10, eal) >= 0, "EAL init failed");

	snprintf(logpath, sizeof(logpath), "%s/gw.log", w.g.dir);
	lf = fopen(logpath, "w");
	go.config = w.g.config;
	go.log = lf;
	go.telemetry = 1;
	cr_assert_eq(tg_gw_new(&go, &gw, err, sizeof(err)), 0, "%s", err);
	snprintf(w.g.addr, sizeof(w.g.addr), "%s", tg_gw_address(gw));
	log = cw_slurp(logpath);
	p = strstr(log, "metrics on http://127.0.0.1:");
	cr_assert(p, "%s", log);
	w.metrics_port = (uint16_t)atoi(p + strlen("metrics on http://127.0.0.1:"));
	free(log);
	cr_assert_eq(tg_gw_telemetry_register(gw), 0);
	pthread_create(&th, NULL, gw_thread, gw);

	/* a capture on lines A and B, through the model card */
	tg_feedgen_opts_init(&fo);
	fo.messages = 20000;
	fo.stocks = 20;
	fo.ab = 1;
	snprintf(pcap, sizeof(pcap), "%s/feed.pcap", w.g.dir);
	cr_assert_eq(tg_feedgen_write(&fo, pcap, &res), 0, "%s", res.error);
	ro.n_line_b = 1;
	ro.line_b_ip[0] = fo.dst_ip[1];
	ro.line_b_port[0] = fo.dst_port[1];
	cr_assert_eq(tg_card_open(&cc, &card), 0);
	cr_assert_eq(tg_card_set_filter(card, 0, 0, 0, TG_FILTER_VALID | TG_FILTER_ANY_IP |
					 TG_FILTER_ANY_PORT), 0);
	fc.book = tg_book_new(&(struct tg_book_config){ 0 });
	cr_assert(fc.book);
	cr_assert_eq(tg_gw_feed_new(gw, card, &cc, fc.book, &fc.f), 0);
	cr_assert_eq(tg_gw_feed_new(gw, card, &cc, fc.book, &(struct tg_gw_feed *){ NULL }), -EEXIST);
	cr_assert_eq(tg_replay_pcap(card, pcap, &ro, on_record, &fc, &rs), 0);
	tg_gw_feed_poll(fc.f, 0, 1);

	/* a little trading */
	snprintf(sock, sizeof(sock), "/var/run/dpdk/tg-cwtel-%d/dpdk_telemetry.v2", (int)getpid());
	if (access(sock, F_OK))
		snprintf(sock, sizeof(sock), "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir());
	a = cw_login(&w, "alice");
	b = cw_login(&w, "bob");
	cw_enter(a, "A1", 'B', 100, "AAPL", P(100));
	cw_expect(a, 'A', 0);
	cw_enter(b, "B1", 'S', 40, "AAPL", P(100));
	cw_expect(b, 'A', 0);
	cw_expect(b, 'E', 0);
	cw_expect(a, 'E', 0);
	cw_enter(b, "B2", 'S', 9999999, "AAPL", P(100));
	cw_expect(b, 'J', 'Q');

	/* the feed: the generator's account */
	t = telemetry(sock, "/tickgate/feed");
	if (getenv("TG_CW_SHOW"))
		fprintf(stderr, "%s\n", json_dumps(t, JSON_COMPACT));
	cr_assert_str_eq(json_string_value(json_object_get(t, "card")), "model");
	for (unsigned i = 0; i < TG_ITCH_NTYPES; i++) {
		char k[32];

		snprintf(k, sizeof(k), "messages_%c", tg_itch_types[i].type);
		cr_assert_eq(u(t, k), res.msg_type[i], "%s: %llu, generated %llu", k,
			     (unsigned long long)u(t, k), (unsigned long long)res.msg_type[i]);
	}
	line_a = u(t, "messages_line_a");
	line_b = u(t, "messages_line_b");
	cr_assert_eq(u(t, "messages"), res.messages);
	cr_assert_eq(line_a + line_b, res.messages);
	cr_assert_eq(u(t, "gaps") + u(t, "gaps_line_a") + u(t, "gaps_line_b"), 0);
	cr_assert_eq(u(t, "frames_a") + u(t, "frames_b"), res.frames);
	cr_assert_eq(u(t, "duplicates"), res.messages);
	cr_assert_eq(u(t, "book_stocks"), fo.stocks);
	json_decref(t);
	fprintf(stderr, "telemetry: %llu messages on line A, %llu on line B\n",
		(unsigned long long)line_a, (unsigned long long)line_b);

	/* the order path: the test's orders */
	t = telemetry(sock, "/tickgate/gateway");
	cr_assert_eq(u(t, "messages_in"), 3);
	cr_assert_eq(u(t, "logins"), 2);
	json_decref(t);
	t = telemetry(sock, "/tickgate/engine");
	cr_assert_eq(u(t, "orders"), 3);
	cr_assert_eq(u(t, "executions"), 1);
	cr_assert_eq(u(t, "resting"), 1);
	cr_assert_eq(u(t, "rejects_Q"), 1);
	cr_assert_eq(u(t, "rejected"), 1);
	json_decref(t);
	/* DPDK's own client, dpdk-telemetry.py (Debian's dpdk-dev), shows the same counters */
	{
		char cmd[256], out[16384], *j;
		size_t n;
		FILE *p;
		json_t *r, *e;

		snprintf(cmd, sizeof(cmd),
			 "echo /tickgate/engine | dpdk-telemetry.py -f tg-cwtel-%d 2>&1", (int)getpid());
		p = popen(cmd, "r");
		cr_assert_not_null(p);
		n = fread(out, 1, sizeof(out) - 1, p);
		out[n] = 0;
		pclose(p);
		j = strstr(out, "{\"/tickgate/engine\"");
		cr_assert_not_null(j, "dpdk-telemetry.py printed: %s", out);
		r = json_loads(j, JSON_DISABLE_EOF_CHECK, NULL);
		e = json_object_get(r, "/tickgate/engine");
		cr_assert_not_null(e, "dpdk-telemetry.py printed: %s", out);
		cr_assert_eq(u(e, "orders"), 3);
		cr_assert_eq(u(e, "executions"), 1);
		cr_assert_eq(u(e, "rejects_Q"), 1);
		json_decref(r);
	}
	t = telemetry(sock, "/tickgate/latency");
	cr_assert_eq(u(t, "order_to_ack_count"), 3);
	cr_assert(u(t, "order_to_ack_p50_ns") > 0);
	json_decref(t);

	/* the same counters as Prometheus shows them */
	body = cw_scrape(&w);
	cr_assert_eq(cw_promtool(body), 0);
	s = telemetry(sock, "/tickgate/stats");
	cr_assert_eq(cw_sample(body, "tickgate_orders_total"), u(s, "engine_orders"));
	cr_assert_eq(cw_sample(body, "tickgate_executions_total"), u(s, "engine_executions"));
	cr_assert_eq(cw_sample(body, "tickgate_gateway_messages_total{direction=\"in\"}"),
		     u(s, "gateway_messages_in"));
	cr_assert_eq(cw_sample(body, "tickgate_order_to_ack_seconds_count"), u(s, "order_to_ack_count"));
	cr_assert_eq(u(s, "feed_messages"), res.messages - res.dropped_messages);
	json_decref(s);
	t = telemetry(sock, "/tickgate/feed");
	cr_assert_eq(cw_sample(body, "tickgate_feed_messages_total{line=\"A\",type=\"A\"}") +
		     cw_sample(body, "tickgate_feed_messages_total{line=\"B\",type=\"A\"}"),
		     u(t, "messages_A"));
	cr_assert_eq(cw_sample(body, "tickgate_feed_frames_total{line=\"B\"}"), u(t, "frames_b"));
	cr_assert_eq(cw_sample(body, "tickgate_feed_gaps_total{line=\"A\"}"), u(t, "gaps_line_a"));
	cr_assert_eq(cw_sample(body, "tickgate_feed_gap_messages_total{line=\"A\"}") +
		     cw_sample(body, "tickgate_feed_gap_messages_total{line=\"B\"}"), res.dropped_messages);
	cr_assert_eq(cw_sample(body, "tickgate_book_stocks"), fo.stocks);
	json_decref(t);
	free(body);

	/*
	 * A second lcore that only counts, on a capture of line A alone with
	 * datagrams missing: its gaps are added to the first's, and match
	 * what its card counted.
	 */
	{
		struct tg_card *card2;
		struct tg_gw_feed *f2;
		struct feed_ctx fc2;
		uint64_t c2[TG_CNT_NUM];

		fo.ab = 0;
		fo.gap_every = 97;
		fo.seed = 7;
		cr_assert_eq(tg_feedgen_write(&fo, pcap, &res), 0, "%s", res.error);
		cr_assert_eq(tg_card_open(&cc, &card2), 0);
		cr_assert_eq(tg_card_set_filter(card2, 0, 0, 0, TG_FILTER_VALID | TG_FILTER_ANY_IP |
						 TG_FILTER_ANY_PORT), 0);
		cr_assert_eq(tg_gw_feed_new(gw, NULL, NULL, NULL, &f2), 0);
		fc2.f = f2;
		fc2.book = tg_book_new(&(struct tg_book_config){ 0 });
		cr_assert_eq(tg_replay_pcap(card2, pcap, &ro, on_record, &fc2, &rs), 0);
		tg_card_counters(card2, c2, TG_CNT_NUM);
		cr_assert(c2[TG_CNT_GAPS] > 0 && c2[TG_CNT_GAP_MESSAGES] <= res.dropped_messages);
		t = telemetry(sock, "/tickgate/feed");
		cr_assert_eq(u(t, "gaps_line_a"), c2[TG_CNT_GAPS]);
		cr_assert_eq(u(t, "gaps_line_b"), 0);
		cr_assert_eq(u(t, "messages_line_a") + u(t, "messages_line_b"),
			     line_a + line_b + c2[TG_CNT_MESSAGES]);
		cr_assert_eq(u(t, "messages_line_b"), line_b);
		json_decref(t);
		body = cw_scrape(&w);
		cr_assert_eq(cw_sample(body, "tickgate_feed_gap_messages_total{line=\"A\"}"),
			     c2[TG_CNT_GAP_MESSAGES]);
		cr_assert_eq(cw_promtool(body), 0);
		free(body);
		tg_book_free(fc2.book);
		tg_card_close(card2);
	}

	tg_ouch_client_close(a);
	tg_ouch_client_close(b);
	tg_gw_stop(gw);
	pthread_join(th, NULL);
	tg_gw_free(gw);
	tg_book_free(fc.book);
	tg_card_close(card);
	fclose(lf);
	{
		/* EAL leaves its runtime directory behind: the socket's */
		char rt[256], cmd[300];

		snprintf(rt, sizeof(rt), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		if (strstr(rt, "tg-cwtel-")) {
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rt);
			cr_assert_eq(system(cmd), 0);
		}
	}
	gwt_dir_remove(&w.g);
}
