/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate run: the appliance's market-data path. Frames from DPDK ports
 * (a NIC, or net_pcap replaying a capture) go to the card through the H2C
 * ring without a copy (descriptors point into the mbufs), the card's
 * records come back on the C2H ring and build the order books. Run to
 * completion on one lcore: rx burst, doorbell, poll, apply, release.
 *
 * With no arguments it runs the embedded default: a generated feed
 * replayed through the Verilated card on net_pcap.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <rte_cfgfile.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <rte_cycles.h>

#include "cli/tg_cli.h"
#include "book/tg_book.h"
#include "tg_itch.h"
#include "feedgen/tg_feedgen.h"
#include "control/tg_hist.h"
#include "gateway/tg_gw.h"
#include "order/tg_engine.h"

#define TG_RUN_BURST		32
#define TG_RUN_MBUFS		8191
#define TG_RUN_RXD		1024
#define TG_RUN_MAX_PORTS	2
#define TG_RUN_GW_POLL_US	20	/* the order path waits at most this long behind a busy feed */
#define TG_RUN_NAP_AFTER_MS	1000	/* a feed silent this long: the loop may sleep 1 ms in epoll */

static const char tg_run_help[] =
"usage: tickgate run [--config FILE] [--card sim|model] [--idle-ms N]\n"
"                    [--filter GROUP:PORT]... [--line-b GROUP[:PORT]]...\n"
"                    [-- EAL arguments]\n"
"       tickgate run --help-config\n"
"\n"
"Runs the market-data path: frames from every DPDK port go through the card,\n"
"whose records build full-depth order books for every stock; prints what it\n"
"did. Port 0 is line A, port 1 (if any) line B; on one port, --line-b picks\n"
"the line B destinations.\n"
"\n"
"With a [gateway] section in the config it also runs the order path beside\n"
"the feed, in the same run-to-completion loop: the gateway of `tickgate\n"
"gateway` (SoupBinTCP/OUCH, risk, matching, journal, clearing, surveillance),\n"
"whose risk checks and halts take each traded stock's best bid and offer,\n"
"last trade and trading state from the books. It prints \"listening on\n"
"HOST:PORT\" once it takes logins, \"feed idle: ...\" each time the feed has\n"
"been silent for idle-ms, and runs until SIGINT or SIGTERM (docs/operations.md).\n"
"\n"
"With no EAL arguments it runs the embedded default: a generated feed (lines\n"
"A and B) replayed through the Verilated card (sim) on net_pcap with\n"
"  --no-huge --no-pci --no-shconf --file-prefix=tickgate-PID -m 256 -l 0\n"
"  --vdev net_pcap0,rx_pcap=FEED,tx_pcap=/dev/null\n"
"\n"
"  --config FILE    INI file (see --help-config); options given here win\n"
"  --card sim|model the card backend (default sim)\n"
"  --idle-ms N      stop once no frame arrived for N ms and the card is drained\n"
"                   (default 500; 0 = run until SIGINT/SIGTERM); with [gateway]:\n"
"                   say \"feed idle\" instead, and run until a signal\n";

static const char tg_run_help_config[] =
"; keys of `tickgate run --config FILE` (docs/operations.md)\n"
"[gateway]              ; present: the order path runs beside the feed\n"
"listen   = 127.0.0.1:15000   ; SoupBinTCP; other keys: `tickgate gateway --help-config`\n"
"journal  = /var/lib/tickgate ; journal directory (alerts.jsonl, clearing.txt beside it)\n"
"stocks   = AAPL MSFT         ; tradable: their touch, last trade, state from the books\n"
"; [user.NAME] [firm.NAME] [account.NAME] [risk] [engine]: docs/order-path.md\n"
"; [fees] [fees.FIRM]: docs/post-trade.md    [surveillance]: docs/surveillance.md\n"
"; [control] alerts = FILE     ; the alerts file (default <journal>/alerts.jsonl)\n"
"\n"
"[feed]\n"
"card     = sim         ; card backend: sim | model | vfio\n"
"device   = 0000:01:00.0 ; vfio: PCI address of the card\n"
"filters  = 233.54.12.111:26477 ; up to 8 GROUP:PORT, space separated (absent: all UDP)\n"
"line_b   = 233.54.12.112       ; destinations that are line B on a shared port\n"
"idle_ms  = 500         ; stop after this long without frames (0: never); with\n"
"                       ; [gateway]: report the feed idle, run until a signal\n"
"h2c_log2 = 10          ; H2C descriptors: 2^n\n"
"c2h_log2 = 14          ; C2H records: 2^n\n"
"orders   = 1048576     ; resting orders the order table holds\n"
"pcap     = FILE        ; default EAL: replay this capture on net_pcap\n";

static volatile sig_atomic_t tg_run_stop;

/* SIGINT, SIGTERM: the loop ends after its pass (async-signal-safe: a flag). */
static void
tg_run_signal(int sig)
{
	(void)sig;
	tg_run_stop = 1;
}

struct tg_run_opts {
	struct tg_cli_card card;
	const char *device;
	const char *pcap;
	unsigned idle_ms;
	unsigned h2c_log2, c2h_log2;
	uint64_t orders;
	int gateway;		/* the config has [gateway]: the order path runs too */
};

/* CLOCK_MONOTONIC in ns. */
static uint64_t
tg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Fill o from the [feed] section of an INI file; options override later. */
static int
tg_run_load_config(const char *path, struct tg_run_opts *o)
{
	struct rte_cfgfile *cf = rte_cfgfile_load(path, 0);
	const char *v;

	if (!cf) {
		fprintf(stderr, "tickgate run: cannot read config %s\n", path);
		return -1;
	}
	if ((v = rte_cfgfile_get_entry(cf, "feed", "card")))
		o->card.backend = strdup(v);
	if ((v = rte_cfgfile_get_entry(cf, "feed", "device")))
		o->device = strdup(v);
	if ((v = rte_cfgfile_get_entry(cf, "feed", "pcap")))
		o->pcap = strdup(v);
	if ((v = rte_cfgfile_get_entry(cf, "feed", "idle_ms")))
		o->idle_ms = (unsigned)strtoul(v, NULL, 0);
	if ((v = rte_cfgfile_get_entry(cf, "feed", "h2c_log2")))
		o->h2c_log2 = (unsigned)strtoul(v, NULL, 0);
	if ((v = rte_cfgfile_get_entry(cf, "feed", "c2h_log2")))
		o->c2h_log2 = (unsigned)strtoul(v, NULL, 0);
	if ((v = rte_cfgfile_get_entry(cf, "feed", "orders")))
		o->orders = strtoull(v, NULL, 0);
	o->gateway = rte_cfgfile_has_section(cf, "gateway");
	for (int pass = 0; pass < 2; pass++) {
		const char *key = pass ? "line_b" : "filters";
		char *list, *tok, *save;
		if (!(v = rte_cfgfile_get_entry(cf, "feed", key)))
			continue;
		list = strdup(v);
		for (tok = strtok_r(list, " \t,", &save); tok;
		     tok = strtok_r(NULL, " \t,", &save)) {
			char *argv[] = { pass ? "--line-b" : "--filter", tok };
			int i = 0;
			if (tg_cli_card_option("run", &o->card, 2, argv, &i) < 0) {
				free(list);
				rte_cfgfile_close(cf);
				return -1;
			}
		}
		free(list);
	}
	rte_cfgfile_close(cf);
	return 0;
}

/* Configure and start port p with one rx queue (and the tx queue net_pcap wants). */
static int
tg_run_port_init(uint16_t p, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };
	uint16_t nrx = TG_RUN_RXD, ntx = 64;
	int rc;

	if ((rc = rte_eth_dev_configure(p, 1, 1, &conf)) ||
	    (rc = rte_eth_dev_adjust_nb_rx_tx_desc(p, &nrx, &ntx)) ||
	    (rc = rte_eth_rx_queue_setup(p, 0, nrx, rte_eth_dev_socket_id(p), NULL, mp)) ||
	    (rc = rte_eth_tx_queue_setup(p, 0, ntx, rte_eth_dev_socket_id(p), NULL)) ||
	    (rc = rte_eth_dev_start(p))) {
		fprintf(stderr, "tickgate run: port %u: setup failed: %s\n", p, rte_strerror(-rc));
		return rc;
	}
	rte_eth_promiscuous_enable(p);
	return 0;
}

struct tg_run_totals {
	uint64_t frames[TG_RUN_MAX_PORTS];
	uint64_t oversize;
	uint64_t records;
	uint64_t first_ns, last_ns;
};

/*
 * The card reads frames straight out of the mbufs: on real hardware every
 * chunk of the pool must be mapped for its DMA (a no-op on sim and model).
 */
static void
tg_run_map_chunk(struct rte_mempool *mp, void *card,
		 struct rte_mempool_memhdr *memhdr, unsigned idx)
{
	(void)mp;
	(void)idx;
	if (tg_card_dma_map(card, memhdr->addr, memhdr->len))
		fprintf(stderr, "tickgate run: cannot map mbuf memory for the card's DMA\n");
}

/*
 * The order path beside the feed: the stocks whose books moved since the
 * gateway last heard of them. A stock_locate the gateway said it does not
 * trade is skipped from then on (a session's locates keep their symbol).
 */
struct tg_run_gw {
	struct tg_gw *gw;
	uint8_t *touched;		/* [65536]: on the list */
	uint8_t *skip;			/* [65536]: the engine does not trade it */
	uint16_t *list;
	unsigned n;
	uint64_t pushed;		/* tg_gw_market() calls */
	struct tg_gw_feed *feed;	/* the feed's figures for stats, metrics, telemetry */
	struct tg_hist *wire_to_book;	/* rx burst -> its records in the books, ns */
};

/* Apply every ready record to the books; returns how many. */
static unsigned
tg_run_drain(struct tg_card *card, struct tg_book *book, struct tg_run_totals *t,
	     struct tg_run_gw *g)
{
	const struct tg_event *ev[TG_RUN_BURST];
	unsigned n, total = 0;

	while ((n = tg_card_poll(card, ev, TG_RUN_BURST)) > 0) {
		if (g && g->feed)
			tg_gw_feed_burst(g->feed, ev, n);
		for (unsigned i = 0; i < n; i++) {
			uint16_t loc = ev[i]->stock_locate;

			tg_book_apply(book, ev[i]);
			if (g && ev[i]->kind == TG_EV_MSG && loc && !g->touched[loc] &&
			    !g->skip[loc]) {
				g->touched[loc] = 1;
				g->list[g->n++] = loc;
			}
		}
		tg_card_release(card, n);
		total += n;
	}
	t->records += total;
	return total;
}

/*
 * Reference data of every stock whose book moved, from the books to the
 * gateway: best bid and offer, last trade, trading state ('H' messages).
 * The gateway keeps only what changed and hands it to the engine at its
 * next iteration.
 */
static void
tg_run_push_market(struct tg_run_gw *g, const struct tg_book *book)
{
	for (unsigned k = 0; k < g->n; k++) {
		uint16_t loc = g->list[k];
		struct tg_book_stock_info si;
		struct tg_engine_market mk;
		struct tg_book_bbo bbo;
		size_t len;

		g->touched[loc] = 0;
		tg_book_stock_info(book, loc, &si);
		if (!si.symbol[0])
			continue;	/* no directory yet: no symbol to trade */
		tg_book_bbo(book, loc, &bbo);
		memset(&mk, 0, sizeof(mk));
		memset(mk.stock, ' ', sizeof(mk.stock));
		len = strlen(si.symbol);
		memcpy(mk.stock, si.symbol, len < sizeof(mk.stock) ? len : sizeof(mk.stock));
		mk.bid = bbo.bid.orders ? bbo.bid.price : 0;
		mk.ask = bbo.ask.orders ? bbo.ask.price : 0;
		mk.last = si.last_price;
		mk.state = si.trading_state;
		g->pushed++;
		if (tg_gw_market(g->gw, &mk) == -ENOENT)
			g->skip[loc] = 1;
	}
	g->n = 0;
}

/* Give mbufs the card has finished with back to their pool. */
static void
tg_run_reclaim(struct tg_card *card)
{
	void *done[TG_RUN_BURST];
	unsigned n;

	while ((n = tg_card_reclaim(card, done, TG_RUN_BURST)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)done, n);
}

/*
 * The hot loop: frames from each port into the card, records into the
 * books. No allocation, no syscalls but the clock read for the idle stop.
 *
 * With the order path, the gateway gets one bounded iteration
 * (tg_gw_poll, a few system calls) whenever the feed had nothing, and at
 * least every TG_RUN_GW_POLL_US behind a busy one; after the feed was
 * silent for a second its iteration may sleep up to 1 ms in epoll, so an
 * idle appliance does not spin a core on system calls. It then runs until
 * a signal: the feed going idle is reported, not a stop.
 */
static void
tg_run_loop(const struct tg_run_opts *o, uint16_t nports, struct tg_card *card,
	    struct tg_book *book, struct tg_run_totals *t, struct tg_run_gw *g)
{
	struct rte_mbuf *pkts[TG_RUN_BURST];
	uint64_t idle_ns = (uint64_t)o->idle_ms * 1000000u;
	uint64_t last_rx = tg_now_ns();
	uint64_t poll_every = rte_get_tsc_hz() / 1000000 * TG_RUN_GW_POLL_US;
	uint64_t last_poll = rte_rdtsc();
	uint64_t ns_per_k_tsc = 1000000000000ull / rte_get_tsc_hz();	/* ns per 1000 cycles */
	bool idle_said = false;

	while (!tg_run_stop) {
		unsigned got = 0;
		uint64_t rx_tsc = 0;

		for (uint16_t p = 0; p < nports; p++) {
			unsigned room = tg_card_h2c_space(card);
			if (room == 0)
				break;
			uint16_t n = rte_eth_rx_burst(p, 0, pkts,
						      room < TG_RUN_BURST ? room : TG_RUN_BURST);
			for (uint16_t i = 0; i < n; i++) {
				struct rte_mbuf *m = pkts[i];
				const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
				unsigned line = p ? 1 : tg_replay_line(&o->card.replay, f, m->pkt_len);

				t->frames[p]++;
				if (m->nb_segs != 1 || m->pkt_len > TG_MAX_FRAME) {
					t->oversize++;
					rte_pktmbuf_free(m);
					continue;
				}
				tg_card_feed_frame(card, f, (uint16_t)m->pkt_len, line, m);
			}
			got += n;
		}
		if (got) {
			rx_tsc = rte_rdtsc();
			tg_card_doorbell(card);
			last_rx = tg_now_ns();
			if (!t->first_ns)
				t->first_ns = last_rx;
			idle_said = false;
		}
		if (tg_run_drain(card, book, t, g) && rx_tsc && g && g->wire_to_book)
			tg_hist_record(g->wire_to_book, (rte_rdtsc() - rx_tsc) * ns_per_k_tsc / 1000);
		tg_run_reclaim(card);
		if (g) {
			uint64_t now = rte_rdtsc();

			if (g->feed)
				tg_gw_feed_poll(g->feed, 0, 0);

			if (g->n)
				tg_run_push_market(g, book);
			if (!got || now - last_poll >= poll_every) {
				int nap = !got && tg_card_drained(card) &&
					  tg_now_ns() - last_rx > TG_RUN_NAP_AFTER_MS * 1000000ull;

				last_poll = now;
				if (tg_gw_poll(g->gw, nap) <= 0)
					break;	/* a journal failure: the order path cannot go on */
			}
			if (!got && !idle_said && idle_ns && tg_card_drained(card) &&
			    tg_now_ns() - last_rx > idle_ns) {
				printf("tickgate run: feed idle: %" PRIu64 " frames, %" PRIu64
				       " records so far\n", t->frames[0] + t->frames[1], t->records);
				fflush(stdout);
				idle_said = true;
			}
			continue;
		}
		if (!got && idle_ns && tg_card_drained(card) &&
		    tg_now_ns() - last_rx > idle_ns)
			break;
	}
	/* Finish what the card holds before stopping. */
	while (!tg_card_drained(card)) {
		tg_run_drain(card, book, t, NULL);
		tg_run_reclaim(card);
	}
	tg_run_drain(card, book, t, NULL);
	tg_run_reclaim(card);
	if (g && g->feed)
		tg_gw_feed_poll(g->feed, 0, 1);
	t->last_ns = tg_now_ns();
}

/* The books: totals, then the busiest stocks with their best bid and offer. */
static void
tg_run_report_books(const struct tg_book *book)
{
	struct tg_book_stats bs;
	struct tg_book_stock_info top[5] = { 0 }, si;
	uint16_t top_loc[5] = { 0 };
	uint64_t bad = 0;

	tg_book_stats(book, &bs);
	for (unsigned e = 0; e < TG_BOOK_ERR_NUM; e++)
		bad += bs.err[e];
	printf("  books      %" PRIu64 " stocks, %" PRIu64 " resting orders on %" PRIu64
	       " price levels (peak %" PRIu64 " orders), %" PRIu64 " messages refused\n",
	       bs.stocks, bs.orders, bs.levels, bs.peak_orders, bad);
	for (uint32_t loc = 1; loc <= 0xffff; loc++) {
		tg_book_stock_info(book, (uint16_t)loc, &si);
		if (!si.has_directory)
			continue;
		for (unsigned k = 0; k < 5; k++) {
			if (si.volume > top[k].volume || !top[k].has_directory) {
				memmove(&top[k + 1], &top[k], (4 - k) * sizeof(top[0]));
				memmove(&top_loc[k + 1], &top_loc[k], (4 - k) * sizeof(top_loc[0]));
				top[k] = si;
				top_loc[k] = (uint16_t)loc;
				break;
			}
		}
	}
	for (unsigned k = 0; k < 5 && top[k].has_directory; k++) {
		struct tg_book_bbo bbo;
		tg_book_bbo(book, top_loc[k], &bbo);
		printf("  %-8s   state %c  bid %" PRIu64 " @ %u.%04u  ask %" PRIu64 " @ %u.%04u"
		       "  last %u.%04u  volume %" PRIu64 "  orders %u\n",
		       top[k].symbol, top[k].trading_state ? top[k].trading_state : '?',
		       bbo.bid.shares, bbo.bid.price / 10000, bbo.bid.price % 10000,
		       bbo.ask.shares, bbo.ask.price / 10000, bbo.ask.price % 10000,
		       top[k].last_price / 10000, top[k].last_price % 10000,
		       top[k].volume, top[k].orders);
	}
}

/* What the run did, for the operator: feed, card, books. */
static void
tg_run_report(const struct tg_run_opts *o, struct tg_card *card,
	      struct tg_book *book, const struct tg_run_totals *t, uint16_t nports)
{
	uint64_t c[TG_CNT_NUM];
	double secs = t->first_ns ? (double)(t->last_ns - t->first_ns) / 1e9 : 0;

	tg_card_counters(card, c, TG_CNT_NUM);
	printf("tickgate run: card %s, %u port(s)\n", tg_card_backend(card), nports);
	printf("  frames     %" PRIu64 " (line A %" PRIu64 ", line B %" PRIu64
	       "), %" PRIu64 " not for the card\n",
	       c[TG_CNT_FRAMES_A] + c[TG_CNT_FRAMES_B], c[TG_CNT_FRAMES_A],
	       c[TG_CNT_FRAMES_B], t->oversize);
	printf("  moldudp64  %" PRIu64 " packets, %" PRIu64 " heartbeats, %" PRIu64
	       " end of session\n", c[TG_CNT_MOLD_PACKETS], c[TG_CNT_HEARTBEATS],
	       c[TG_CNT_END_OF_SESSION]);
	printf("  messages   %" PRIu64 " decoded, %" PRIu64 " duplicates dropped (A/B), %"
	       PRIu64 " gaps (%" PRIu64 " messages missing)\n", c[TG_CNT_MESSAGES],
	       c[TG_CNT_DUPLICATES], c[TG_CNT_GAPS], c[TG_CNT_GAP_MESSAGES]);
	uint64_t errs = 0;
	for (unsigned i = TG_CNT_ERR_TRUNCATED; i <= TG_CNT_ERR_SESSION_FULL; i++)
		errs += c[i];
	for (unsigned i = TG_CNT_ERR_MSG_OVERRUN; i <= TG_CNT_ERR_SHORT_PACKET; i++)
		errs += c[i];
	printf("  dropped    %" PRIu64 " malformed, %" PRIu64 " filtered, %" PRIu64
	       " not feed traffic\n", errs, c[TG_CNT_FILTERED], c[TG_CNT_NON_FEED]);
	printf("  by type   ");
	for (unsigned i = 0; i < TG_ITCH_NTYPES; i++)
		if (c[TG_CNT_MSG_TYPE0 + i])
			printf(" %c:%" PRIu64, tg_itch_types[i].type, c[TG_CNT_MSG_TYPE0 + i]);
	printf("\n");
	if (secs > 0)
		printf("  rate       %.0f messages/s over %.3f s wall", c[TG_CNT_MESSAGES] / secs, secs);
	if (tg_card_cycles(card))
		printf(", %" PRIu64 " card cycles (%.1f cycles/message)",
		       tg_card_cycles(card),
		       c[TG_CNT_MESSAGES] ? (double)tg_card_cycles(card) / c[TG_CNT_MESSAGES] : 0);
	printf("\n");
	tg_run_report_books(book);
	(void)o;
}

/*
 * The order path of the config's [gateway]: start the gateway (its
 * journal replayed) and say where it listens. 0 or -1 (printed).
 */
static int
tg_run_gw_start(const char *config, const struct tg_run_opts *o, struct tg_run_gw *g)
{
	/* telemetry: keep the figures DPDK's telemetry and the control plane show */
	struct tg_gw_opts go = { .config = config, .telemetry = 1 };
	char err[512] = "";
	int rc;

	if (o->card.backend && (!strcmp(o->card.backend, "sim") || !strcmp(o->card.backend, "model")))
		go.card = o->card.backend;
	g->touched = calloc(65536, 1);
	g->skip = calloc(65536, 1);
	g->list = calloc(65536, sizeof(*g->list));
	if (!g->touched || !g->skip || !g->list) {
		fprintf(stderr, "tickgate run: out of memory\n");
		return -1;
	}
	rc = tg_gw_new(&go, &g->gw, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "tickgate run: gateway: %s\n", err[0] ? err : strerror(-rc));
		return -1;
	}
	if (tg_gw_sealed_address(g->gw))
		printf("sealed listening on %s\n", tg_gw_sealed_address(g->gw));
	printf("listening on %s\n", tg_gw_address(g->gw));
	fflush(stdout);
	rc = tg_gw_telemetry_register(g->gw);
	if (rc && rc != -ENODEV)
		fprintf(stderr, "tickgate run: telemetry: %s (continuing without)\n", strerror(-rc));
	return 0;
}

/*
 * The feed's side of the control plane's figures: the card's counters and
 * this lcore's per-line, per-type counts and wire-to-book latency. 0 or -1.
 */
static int
tg_run_gw_feed(struct tg_run_gw *g, struct tg_card *card, const struct tg_card_config *cc,
	       const struct tg_book *book)
{
	int rc = tg_gw_feed_new(g->gw, card, cc, book, &g->feed);

	if (rc == -ENODEV)
		return 0;	/* no control plane configured: nothing to publish */
	if (rc) {
		fprintf(stderr, "tickgate run: feed figures: %s\n", strerror(-rc));
		return -1;
	}
	g->wire_to_book = tg_gw_feed_wire_to_book(g->feed);
	return 0;
}

/* End of Session to every client, the clearing summary, the counters on stderr. 0 or -1. */
static int
tg_run_gw_stop(struct tg_run_gw *g)
{
	int rc = tg_gw_shutdown(g->gw);

	printf("  order path %" PRIu64 " market updates offered to the gateway\n", g->pushed);
	fflush(stdout);
	tg_gw_print_stats(g->gw, stderr);
	if (rc) {
		fprintf(stderr, "tickgate run: the order path stopped on an error: %s\n",
			strerror(-rc));
		return -1;
	}
	return 0;
}

/* The gateway and the tables of the order path; a zeroed g is fine. */
static void
tg_run_gw_free(struct tg_run_gw *g)
{
	tg_gw_free(g->gw);
	free(g->touched);
	free(g->skip);
	free(g->list);
	memset(g, 0, sizeof(*g));
}

static char tg_run_feed_dir[64], tg_run_feed_path[96];

/* The generated default feed is scratch: gone when tickgate exits. */
static void
tg_run_remove_default_feed(void)
{
	unlink(tg_run_feed_path);
	rmdir(tg_run_feed_dir);
}

/*
 * Write the embedded default feed; returns the pcap path (static) and the
 * line B destination in *line_b.
 */
static const char *
tg_run_default_feed(uint32_t *line_b_ip, uint16_t *line_b_port)
{
	char *dir = tg_run_feed_dir, *path = tg_run_feed_path;
	struct tg_feedgen_opts fo;
	struct tg_feedgen_result res;

	snprintf(dir, sizeof(tg_run_feed_dir), "/tmp/tickgate-%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(path, sizeof(tg_run_feed_path), "%s/feed.pcap", dir);
	atexit(tg_run_remove_default_feed);
	tg_feedgen_opts_init(&fo);
	fo.messages = 200000;
	fo.stocks = 50;
	fo.ab = 1;
	if (tg_feedgen_write(&fo, path, &res)) {
		fprintf(stderr, "tickgate run: cannot write the default feed to %s: %s\n",
			path, res.error);
		return NULL;
	}
	*line_b_ip = fo.dst_ip[1];
	*line_b_port = fo.dst_port[1];
	printf("tickgate run: embedded default: %" PRIu64 " messages for %u stocks in %"
	       PRIu64 " frames on lines A and B -> %s\n",
	       res.messages, fo.stocks, res.frames, path);
	return path;
}

/* Options, EAL, ports, card, books (and the order path), the loop, the report. */
int
tg_cmd_run(int argc, char **argv)
{
	struct tg_run_opts o = { .idle_ms = 500 };
	const char *config = NULL;
	int eal_at = argc, rc, i, idle_given = 0;

	for (i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--")) {
			eal_at = i + 1;
			break;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(tg_run_help, stdout);
			return TG_EXIT_OK;
		}
		if (!strcmp(argv[i], "--help-config")) {
			fputs(tg_run_help_config, stdout);
			return TG_EXIT_OK;
		}
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--idle-ms") && i + 1 < argc) {
			o.idle_ms = (unsigned)strtoul(argv[++i], NULL, 0);
			idle_given = 1;
			continue;
		}
		if ((r = tg_cli_card_option("run", &o.card, argc, argv, &i)) < 0)
			return TG_EXIT_USAGE;
		if (!r)
			return tg_cli_usage_error("run", "unknown option '%s'", argv[i]);
	}
	/* Options given on the command line win over the file: load it into a copy. */
	if (config) {
		struct tg_run_opts f = { .idle_ms = o.idle_ms };
		if (tg_run_load_config(config, &f))
			return TG_EXIT_FAIL;
		if (idle_given)
			f.idle_ms = o.idle_ms;
		if (o.card.backend)
			f.card.backend = o.card.backend;
		if (o.card.n_filters)
			memcpy(f.card.filter_ip, o.card.filter_ip, sizeof(f.card.filter_ip)),
			memcpy(f.card.filter_port, o.card.filter_port, sizeof(f.card.filter_port)),
			f.card.n_filters = o.card.n_filters;
		if (o.card.replay.n_line_b)
			f.card.replay = o.card.replay;
		o = f;
	}

	/* EAL arguments: the user's, or the embedded default on net_pcap. */
	char *eal[32], prefix[48], vdev[512];
	int neal = 0;
	eal[neal++] = "tickgate";
	if (eal_at < argc) {
		for (i = eal_at; i < argc && neal < 31; i++)
			eal[neal++] = argv[i];
	} else {
		const char *feed = o.pcap;
		if (!feed) {
			struct tg_replay_opts *r = &o.card.replay;
			uint32_t ip;
			uint16_t port;
			if (!(feed = tg_run_default_feed(&ip, &port)))
				return TG_EXIT_FAIL;
			if (!r->n_line_b) {
				r->line_b_ip[0] = ip;
				r->line_b_port[0] = port;
				r->n_line_b = 1;
			}
		}
		if (!o.card.backend)
			o.card.backend = "sim";
		snprintf(prefix, sizeof(prefix), "--file-prefix=tickgate-%d", (int)getpid());
		snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=/dev/null", feed);
		char *def[] = { "--no-huge", "--no-pci", "--no-shconf", prefix, "-m", "256",
				"-l", "0", "--log-level=lib.eal:error", "--vdev", vdev };
		for (size_t k = 0; k < sizeof(def) / sizeof(def[0]); k++)
			eal[neal++] = def[k];
	}
	eal[neal] = NULL;
	if (!o.card.backend)
		o.card.backend = "sim";

	if ((rc = rte_eal_init(neal, eal)) < 0) {
		fprintf(stderr, "tickgate run: EAL init failed: %s\n", rte_strerror(rte_errno));
		return TG_EXIT_FAIL;
	}
	uint16_t nports = rte_eth_dev_count_avail();
	if (nports == 0) {
		fprintf(stderr, "tickgate run: no DPDK port (give --vdev or a PCI NIC)\n");
		rte_eal_cleanup();
		return TG_EXIT_FAIL;
	}
	if (nports > TG_RUN_MAX_PORTS)
		nports = TG_RUN_MAX_PORTS;
	struct rte_mempool *mp = rte_pktmbuf_pool_create("tg_rx", TG_RUN_MBUFS, 256, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE,
							 rte_socket_id());
	if (!mp) {
		fprintf(stderr, "tickgate run: mbuf pool: %s\n", rte_strerror(rte_errno));
		rte_eal_cleanup();
		return TG_EXIT_FAIL;
	}
	for (uint16_t p = 0; p < nports; p++)
		if (tg_run_port_init(p, mp)) {
			rte_eal_cleanup();
			return TG_EXIT_FAIL;
		}

	struct tg_card *card = NULL;
	struct tg_book *book = NULL;
	struct tg_run_gw g = { 0 };
	struct tg_card_config cc = { .device = o.device, .h2c_log2 = o.h2c_log2,
				     .c2h_log2 = o.c2h_log2 };
	struct tg_book_config bc = { .max_orders = (uint32_t)o.orders };
	rc = TG_EXIT_FAIL;
	if (tg_cli_card_open(&o.card, &cc, &card))
		goto out;
	rte_mempool_mem_iter(mp, tg_run_map_chunk, card);
	if (!(book = tg_book_new(&bc))) {
		fprintf(stderr, "tickgate run: cannot allocate the books\n");
		goto out;
	}

	if (o.gateway && (tg_run_gw_start(config, &o, &g) || tg_run_gw_feed(&g, card, &cc, book)))
		goto out;

	signal(SIGINT, tg_run_signal);
	signal(SIGTERM, tg_run_signal);
	signal(SIGPIPE, SIG_IGN);
	struct tg_run_totals t = { 0 };
	tg_run_loop(&o, nports, card, book, &t, g.gw ? &g : NULL);
	tg_run_report(&o, card, book, &t, nports);
	rc = TG_EXIT_OK;
	if (g.gw && tg_run_gw_stop(&g))
		rc = TG_EXIT_FAIL;
out:
	tg_run_gw_free(&g);
	if (book)
		tg_book_free(book);
	if (card)
		tg_card_close(card);
	for (uint16_t p = 0; p < nports; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return rc;
}
