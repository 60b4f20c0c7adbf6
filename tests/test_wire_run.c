/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `tickgate run` with the order path beside the feed: a generated feed
 * (`tickgate feedgen`, with one stock halted at the end by a trading
 * action this test appends) replayed through the card on net_pcap, the
 * gateway of the config's [gateway] in the same loop, and clients trading
 * the feed's stocks. The books' best bid and offer must reach pre-trade
 * risk (an order far outside the collar is rejected 'K', one at the touch
 * is accepted, and the same far order in a stock the feed never quoted
 * passes: it has no reference), the halt must reach the engine (rejected
 * 'H'), and the feed's last trade must mark clearing identically live and
 * when `tickgate settle` replays the journal.
 *
 * The expected touch comes from `tickgate book` over the same capture
 * (the offline path), the halt from the bytes this test wrote.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_wire_util.h"

#define TICKGATE TG_BUILD_DIR "/tickgate"

static char dir[64];
static pid_t run_pid;
static int run_out = -1;

static struct wt_user users[2] = {
	{ .name = "alice", .pw = "pw-alice", .firm = "ACME", .account = "acme1", .owner = "acme1" },
	{ .name = "bob", .pw = "pw-bob", .firm = "BETA", .account = "beta1", .owner = "beta1" },
};

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tg-wire-XXXXXX");
	cr_assert(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];
	int st;

	for (int i = 0; i < 2; i++)
		wt_logout(&users[i]);
	if (run_pid) {
		kill(run_pid, SIGKILL);
		waitpid(run_pid, &st, 0);
		run_pid = 0;
	}
	if (getenv("TG_GW_KEEP")) {
		fprintf(stderr, "kept %s\n", dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(wire_run, .init = setup, .fini = teardown, .timeout = 300);

/* ---- the feed: feedgen's day, then a halt of one stock before the end of session ---- */

#define ETH	14
#define IP	20
#define UDP	8
#define MOLD	20

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint64_t
get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_be(uint8_t *p, unsigned n, uint64_t v)
{
	for (int i = (int)n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* RFC 791's header checksum. */
static void
ip_checksum(uint8_t *ip)
{
	uint32_t s = 0;

	ip[10] = ip[11] = 0;
	for (int i = 0; i < IP; i += 2)
		s += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	put16(ip + 10, ~s & 0xffff);
}

/*
 * Copy in -> out, learning each stock_locate's symbol from the 'R'
 * messages; before the end-of-session packet (count 0xFFFF), insert one
 * datagram with an 'H' (trading action: halted) for halt_locate, and
 * move the end of session one sequence number on.
 */
static void
write_feed(const char *in, const char *out, uint16_t halt_locate, char syms[8][9])
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *r = pcap_open_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_NANO, err);
	pcap_t *w;
	pcap_dumper_t *d;
	struct pcap_pkthdr *h;
	const u_char *b;
	int inserted = 0;

	cr_assert(r, "%s", err);
	w = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	d = pcap_dump_open(w, out);
	cr_assert(d);
	while (pcap_next_ex(r, &h, &b) == 1) {
		uint8_t f[2048];
		size_t len = h->caplen;

		cr_assert(len <= sizeof(f) && len >= ETH + IP + UDP + MOLD);
		memcpy(f, b, len);
		cr_assert_eq(get_be(f + 12, 2), 0x0800, "an untagged IPv4 feed");
		uint8_t *mold = f + ETH + IP + UDP;
		unsigned count = (unsigned)get_be(mold + 18, 2);
		uint64_t seq = get_be(mold + 10, 8);

		/* the messages: learn the directory */
		const uint8_t *m = mold + MOLD;
		for (unsigned k = 0; count != 0xffff && k < count; k++) {
			unsigned ml = (unsigned)get_be(m, 2);

			if (m[2] == 'R') {
				unsigned loc = (unsigned)get_be(m + 3, 2);

				if (loc < 8) {
					memcpy(syms[loc], m + 2 + 11, 8);
					syms[loc][8] = 0;
					for (int i = 7; i >= 0 && syms[loc][i] == ' '; i--)
						syms[loc][i] = 0;
				}
			}
			m += 2 + ml;
		}
		if (count == 0xffff && !inserted) {
			uint8_t g[ETH + IP + UDP + MOLD + 2 + 25];
			uint8_t *gm = g + ETH + IP + UDP;
			struct pcap_pkthdr gh = *h;

			/* the same link, IP and UDP headers, a one-message datagram */
			memcpy(g, f, ETH + IP + UDP + MOLD);
			put16(g + ETH + 2, IP + UDP + MOLD + 2 + 25);
			ip_checksum(g + ETH);
			put16(g + ETH + IP + 4, UDP + MOLD + 2 + 25);
			put16(g + ETH + IP + 6, 0);
			put_be(gm + 10, 8, seq);
			put16(gm + 18, 1);
			uint8_t *hm = gm + MOLD + 2;
			put16(gm + MOLD, 25);
			memset(hm, 0, 25);
			hm[0] = 'H';
			put16(hm + 1, halt_locate);
			put_be(hm + 5, 6, 57000ull * 1000000000ull);	/* 15:50 */
			memset(hm + 11, ' ', 8);
			memcpy(hm + 11, syms[halt_locate], strlen(syms[halt_locate]));
			hm[19] = 'H';
			hm[20] = ' ';
			memcpy(hm + 21, "T1  ", 4);
			gh.caplen = gh.len = sizeof(g);
			pcap_dump((u_char *)d, &gh, g);
			put_be(mold + 10, 8, seq + 1);
			inserted = 1;
		}
		pcap_dump((u_char *)d, h, f);
	}
	cr_assert(inserted, "no end of session in %s", in);
	pcap_dump_close(d);
	pcap_close(w);
	pcap_close(r);
}

/* ---- tickgate run as a child ---- */

static char run_buf[65536];
static size_t run_len;

/* Read the child's stdout until a line starting with prefix (its rest in out), or EOF. */
static int
run_wait_line(const char *prefix, char *out, size_t n, int timeout_ms)
{
	uint64_t end = gwt_ms() + (uint64_t)timeout_ms;

	for (;;) {
		char *p = run_buf;

		run_buf[run_len] = 0;
		while ((p = strstr(p, prefix))) {
			if (p == run_buf || p[-1] == '\n') {
				char *nl = strchr(p, '\n');

				if (nl) {
					size_t k = (size_t)(nl - p) - strlen(prefix);

					snprintf(out, n, "%.*s", (int)k, p + strlen(prefix));
					return 1;
				}
			}
			p++;
		}
		if (gwt_ms() >= end)
			return 0;
		struct pollfd pf = { .fd = run_out, .events = POLLIN };

		if (poll(&pf, 1, 100) <= 0)
			continue;
		ssize_t k = read(run_out, run_buf + run_len, sizeof(run_buf) - 1 - run_len);

		if (k <= 0)
			return -1;
		run_len += (size_t)k;
	}
}

static void
run_start(const char *config, const char *feed, const char *errlog)
{
	int pfd[2];
	char prefix[64], vdev[512];

	snprintf(prefix, sizeof(prefix), "--file-prefix=tgwire%d", (int)getpid());
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=/dev/null", feed);
	cr_assert_eq(pipe(pfd), 0);
	run_pid = fork();
	cr_assert(run_pid >= 0);
	if (run_pid == 0) {
		int e = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(pfd[1], 1);
		dup2(e, 2);
		close(pfd[0]);
		close(pfd[1]);
		execl(TICKGATE, "tickgate", "run", "--config", config, "--card", "model", "--",
		      "--no-huge", "--no-pci", "--no-shconf", prefix, "-m", "256", "-l", "0",
		      "--log-level=lib.eal:error", "--no-telemetry", "--vdev", vdev, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	run_out = pfd[0];
	run_len = 0;
}

/* The first price of "bids" or "asks" in `tickgate book --format json` output. */
static uint32_t
touch(const char *json, const char *side)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je), *lv;
	uint32_t p;

	cr_assert(j, "%s", json);
	lv = json_array_get(json_object_get(j, side), 0);
	cr_assert(lv, "no %s: %s", side, json);
	p = (uint32_t)json_integer_value(json_array_get(lv, 0));
	json_decref(j);
	return p;
}

/* "185.0100" -> 1850100. */
static uint32_t
dollars(const char *s)
{
	uint32_t v = 0;
	int dec = -1;

	for (; *s == ' '; s++)
		;
	for (; (*s >= '0' && *s <= '9') || *s == '.'; s++) {
		if (*s == '.') {
			dec = 0;
			continue;
		}
		v = v * 10 + (uint32_t)(*s - '0');
		if (dec >= 0)
			dec++;
	}
	cr_assert_eq(dec, 4, "not a p4 price");
	return v;
}

Test(wire_run, market_data_reaches_risk_and_halts)
{
	char feed0[128], feed[128], config[128], errlog[128], journal[128], cmd[1024],
	     addr[128], line[512], syms[8][9] = { { 0 } }, reason;
	int st;

	snprintf(feed0, sizeof(feed0), "%s/gen.pcap", dir);
	snprintf(feed, sizeof(feed), "%s/feed.pcap", dir);
	snprintf(config, sizeof(config), "%s/run.ini", dir);
	snprintf(errlog, sizeof(errlog), "%s/stderr", dir);
	snprintf(journal, sizeof(journal), "%s/journal", dir);
	snprintf(cmd, sizeof(cmd), TICKGATE " feedgen --out '%s' --seed 7 --stocks 4 --messages 6000"
		 " >/dev/null", feed0);
	cr_assert_eq(system(cmd), 0);
	write_feed(feed0, feed, 2, syms);
	const char *X = syms[1], *Y = syms[2];
	cr_assert(X[0] && Y[0], "the feed names stocks 1 and 2");

	/* the halt is in the capture, as the card decodes it */
	snprintf(cmd, sizeof(cmd), TICKGATE " decode --card model --format jsonl '%s' | grep '\"type\":\"H\"'"
		 " | tail -n 1", feed);
	char *out = wt_run(cmd, &st);
	snprintf(line, sizeof(line), "\"stock\":\"%s\",\"trading_state\":\"H\"", Y);
	cr_assert(strstr(out, line), "the last trading action: %s", out);
	free(out);

	/* the touch of X at the end of the day, from the offline book */
	snprintf(cmd, sizeof(cmd), TICKGATE " book --card model --stock %s --format json --depth 1 '%s'",
		 X, feed);
	out = wt_run(cmd, &st);
	cr_assert_eq(st, 0, "%s", out);
	uint32_t bid = touch(out, "bids"), ask = touch(out, "asks");
	free(out);
	snprintf(cmd, sizeof(cmd), TICKGATE " book --card model --stock %s --format json --depth 1 '%s'",
		 Y, feed);
	out = wt_run(cmd, &st);
	uint32_t ybid = touch(out, "bids");
	free(out);
	cr_assert(bid > 10000 && ask > bid && ask * 3 < 1999999900u, "bid %u ask %u", bid, ask);

	FILE *f = fopen(config, "w");
	cr_assert(f);
	fprintf(f, "[feed]\nidle_ms = 300\n\n[gateway]\nlisten = 127.0.0.1:0\njournal = %s\n"
		"stocks = %s %s ZZZZ\nsync = no\n\n[risk]\ncollar_pct = 10\n\n", journal, X, Y);
	for (int i = 0; i < 2; i++)
		wt_user_section(f, &users[i]);
	cr_assert_eq(fclose(f), 0);

	run_start(config, feed, errlog);
	cr_assert_eq(run_wait_line("listening on ", addr, sizeof(addr), 60000), 1,
		     "no listening line: %s", run_buf);
	cr_assert_eq(run_wait_line("tickgate run: feed idle: ", line, sizeof(line), 120000), 1,
		     "the feed never went idle: %s", run_buf);

	struct wt_user *a = &users[0], *b = &users[1];
	wt_login(a, addr, 0);
	wt_login(b, addr, 0);
	/* far outside the collar around the feed's touch, both ways */
	uint32_t far_buy = ask * 3 / 100 * 100, far_sell = bid * 3 / 10 / 100 * 100;

	cr_assert_eq(wt_order(a, "FARBUY", 'B', 100, X, far_buy, &reason), 'J');
	cr_assert_eq(reason, 'K');
	cr_assert_eq(wt_order(a, "FARSELL", 'S', 100, X, far_sell, &reason), 'J');
	cr_assert_eq(reason, 'K');
	/* the same far price where the feed never quoted: no reference, no collar */
	cr_assert_eq(wt_order(a, "NOREF", 'B', 100, "ZZZZ", far_buy, &reason), 'A');
	/* near the touch: accepted, and bob trades with it (off the feed's prices: see the mark) */
	uint32_t px = bid - 500;
	cr_assert_eq(wt_order(a, "ATBID", 'B', 100, X, px, &reason), 'A');
	cr_assert_eq(wt_order(b, "HITBID", 'S', 100, X, px, &reason), 'A');
	wt_wait(a, 'E', 0, "ATBID", NULL);
	/* the halted stock */
	cr_assert_eq(wt_order(a, "HALTED", 'B', 100, Y, ybid, &reason), 'J');
	cr_assert_eq(reason, 'H');
	wt_logout(a);
	wt_logout(b);

	kill(run_pid, SIGTERM);
	cr_assert_eq(waitpid(run_pid, &st, 0), run_pid);
	run_pid = 0;
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tickgate run: status %d", st);
	while (run_wait_line("\x01", line, sizeof(line), 100) == 0)
		;
	close(run_out);
	run_out = -1;

	/* the feed's last trade of X, as the run's report of the books says it */
	char pat[32];
	snprintf(pat, sizeof(pat), "  %-8s   state T", X);
	char *rep = strstr(run_buf, pat);
	cr_assert(rep, "%s not in the report:\n%s", X, run_buf);
	char *lastp = strstr(rep, "last ");
	cr_assert(lastp);
	uint32_t last = dollars(lastp + 5);

	/* live clearing equals the journal's, both marked to that trade */
	snprintf(cmd, sizeof(cmd), TICKGATE " settle --journal '%s' --db none --out '%s/s.csv'",
		 journal, dir);
	char *sum = wt_run(cmd, &st);
	cr_assert_eq(st, 0, "%s", sum);
	snprintf(line, sizeof(line), "%s/clearing.txt", journal);
	char *live = wt_read(line, NULL);
	cr_assert(live);
	cr_assert_str_eq(sum, live);
	snprintf(line, sizeof(line), "position ACME acme1 %s shares 100 ", X);
	char *pos = strstr(live, line);
	cr_assert(pos, "%s", live);
	char *mark = strstr(pos, " mark ");
	cr_assert(mark);
	cr_assert_neq(last, px, "the feed's last trade is the test's price: choose another");
	cr_assert_eq(dollars(mark + 6), last, "%s", pos);
	char *unr = strstr(pos, " unrealised ");
	cr_assert(unr);
	char want[64];
	snprintf(want, sizeof(want), " unrealised %s%lld.%04lld ", last < px ? "-" : "",
		 llabs(100ll * ((long long)last - px)) / 10000,
		 llabs(100ll * ((long long)last - px)) % 10000);
	cr_assert(!strncmp(unr, want, strlen(want)), "want%s in %s", want, pos);
	cr_assert(!strstr(live, " marks 0 "), "%s", live);
	free(sum);
	free(live);

	/* and the alerts, such as they are, replay the same */
	snprintf(cmd, sizeof(cmd), TICKGATE " alerts --journal '%s'", journal);
	char *al = wt_run(cmd, &st);
	cr_assert_eq(st, 0);
	snprintf(line, sizeof(line), "%s/alerts.jsonl", journal);
	char *live_al = wt_read(line, NULL);
	cr_assert(live_al);
	cr_assert_str_eq(al, live_al);
	free(al);
	free(live_al);
}
