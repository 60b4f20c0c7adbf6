/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Card throughput through the driver: frames already in memory (a
 * generated market), pushed over the H2C ring, records polled from the
 * C2H ring and released, for the model and the Verilated card. Prints
 * messages/s (median of the runs) and, for the Verilated card, simulated
 * cycles/s, cycles per message and data beats per cycle.
 *
 *   bench_card [--card model|sim|both] [--messages N] [--sim-messages N] [--runs N]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "tg_card.h"
#include "feedgen/tg_feedgen.h"

struct bench_frames {
	uint8_t *buf;
	uint32_t *off;
	uint16_t *len;
	size_t n, bytes;
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* A generated day (one line, no gaps) loaded into memory. */
static void
load_market(uint64_t messages, struct bench_frames *fr, uint64_t *nmsg)
{
	char path[64], err[PCAP_ERRBUF_SIZE];
	struct tg_feedgen_opts o;
	struct tg_feedgen_result res;
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t cap = 0;

	snprintf(path, sizeof(path), "/tmp/bench_card-%d.pcap", (int)getpid());
	tg_feedgen_opts_init(&o);
	o.messages = messages;
	o.stocks = 500;
	o.per_packet = 32;
	if (tg_feedgen_write(&o, path, &res)) {
		fprintf(stderr, "bench_card: feedgen: %s\n", res.error);
		exit(1);
	}
	*nmsg = res.messages;
	pcap_t *p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "bench_card: %s\n", err);
		exit(1);
	}
	memset(fr, 0, sizeof(*fr));
	while (pcap_next_ex(p, &h, &d) == 1) {
		if (fr->n == cap) {
			cap = cap ? 2 * cap : 65536;
			fr->off = realloc(fr->off, cap * sizeof(*fr->off));
			fr->len = realloc(fr->len, cap * sizeof(*fr->len));
			fr->buf = realloc(fr->buf, cap * 1536);
		}
		fr->off[fr->n] = (uint32_t)fr->bytes;
		fr->len[fr->n] = (uint16_t)h->caplen;
		memcpy(fr->buf + fr->bytes, d, h->caplen);
		fr->bytes += h->caplen;
		fr->n++;
	}
	pcap_close(p);
	unlink(path);
}

/* One pass of every frame through a fresh card; returns seconds. */
static double
one_run(const char *backend, const struct bench_frames *fr, uint64_t *msgs,
	uint64_t *cycles)
{
	struct tg_card_config cfg = { .backend = backend, .h2c_log2 = 10, .c2h_log2 = 14 };
	struct tg_card *card;
	const struct tg_event *ev[64];
	void *done[64];
	uint64_t c[TG_CNT_NUM];
	unsigned n;

	if (tg_card_open(&cfg, &card)) {
		fprintf(stderr, "bench_card: cannot open %s\n", backend);
		exit(1);
	}
	tg_card_set_filter(card, 0, 0, 0, TG_FILTER_VALID | TG_FILTER_ANY_IP | TG_FILTER_ANY_PORT);
	double t0 = now_s();
	for (size_t i = 0; i < fr->n; i++) {
		while (tg_card_h2c_space(card) == 0) {
			tg_card_doorbell(card);
			while ((n = tg_card_poll(card, ev, 64)) > 0)
				tg_card_release(card, n);
			tg_card_reclaim(card, done, 64);
		}
		tg_card_feed_frame(card, fr->buf + fr->off[i], fr->len[i], 0, NULL);
		if ((i & 31) == 31)
			tg_card_doorbell(card);
	}
	tg_card_doorbell(card);
	while (!tg_card_drained(card)) {
		while ((n = tg_card_poll(card, ev, 64)) > 0)
			tg_card_release(card, n);
		tg_card_reclaim(card, done, 64);
	}
	double t = now_s() - t0;
	tg_card_counters(card, c, TG_CNT_NUM);
	*msgs = c[TG_CNT_MESSAGES];
	*cycles = tg_card_cycles(card);
	tg_card_close(card);
	return t;
}

static void
bench(const char *backend, uint64_t messages, unsigned runs)
{
	struct bench_frames fr;
	uint64_t generated, msgs = 0, cycles = 0;
	double t[16];

	load_market(messages, &fr, &generated);
	for (unsigned r = 0; r < runs; r++)
		t[r] = one_run(backend, &fr, &msgs, &cycles);
	qsort(t, runs, sizeof(t[0]), cmp_double);
	double med = t[runs / 2];
	printf("%-6s %10" PRIu64 " messages %8zu frames  median %.3f s of %u: "
	       "%.2f M messages/s, %.2f M frames/s, %.2f Gbit/s of frames\n",
	       backend, msgs, fr.n, med, runs, msgs / med / 1e6, fr.n / med / 1e6,
	       fr.bytes * 8 / med / 1e9);
	if (cycles)
		printf("       %" PRIu64 " cycles: %.2f M cycles/s simulated, %.2f cycles/message, "
		       "%.3f data beats/cycle (%.0f beats)\n",
		       cycles, cycles / med / 1e6, (double)cycles / msgs,
		       (fr.bytes / 8.0) / cycles, fr.bytes / 8.0);
	if (msgs != generated)
		printf("       warning: %" PRIu64 " messages generated, %" PRIu64 " decoded\n",
		       generated, msgs);
	free(fr.buf);
	free(fr.off);
	free(fr.len);
}

int
main(int argc, char **argv)
{
	const char *which = "both";
	uint64_t messages = 5000000, sim_messages = 500000;
	unsigned runs = 5;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--card"))
			which = argv[i + 1];
		else if (!strcmp(argv[i], "--messages"))
			messages = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--sim-messages"))
			sim_messages = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--runs"))
			runs = (unsigned)strtoul(argv[i + 1], NULL, 0);
	}
	if (runs < 1 || runs > 15)
		runs = 5;
	printf("# bench_card --card %s --messages %" PRIu64 " --sim-messages %" PRIu64
	       " --runs %u\n", which, messages, sim_messages, runs);
	if (strcmp(which, "sim"))
		bench("model", messages, runs);
	if (strcmp(which, "model"))
		bench("sim", sim_messages, runs < 3 ? runs : 3);
	return 0;
}
