/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Throughput of the C reference model as the host uses it: frames go in
 * through the H2C ring, records come out of the C2H ring and are consumed
 * by phase bit, slots and buffers are returned the way the driver does.
 * The stream is built in memory: 802.1Q/IPv4/UDP/MoldUDP64 frames of about
 * 1000 bytes of ITCH 5.0 messages in a market-open mix.
 *
 * usage: bench_model [frames] [runs]    (defaults 8192 frames, 5 runs)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_card_abi.h"
#include "tg_model.h"

#define BM_H2C_LOG2	10
#define BM_C2H_LOG2	14
#define BM_DATAGRAM	1000	/* MoldUDP64 payload bytes per frame, about */
#define BM_MIN_MSGS	4000000	/* messages per run, at least */
#define BM_DST_IP	0xE9360C6Fu
#define BM_DST_PORT	26477

struct bm_frame {
	uint8_t *data;
	uint16_t len;
	uint32_t nmsgs;
};

struct bm_stream {
	uint8_t *buf;
	struct bm_frame *fr;
	unsigned nframes;
	uint64_t nmsgs;
};

static uint32_t bm_rnd = 2463534242u;

/* xorshift32: a fixed stream so that every run sees the same frames. */
static uint32_t
bm_rand(void)
{
	bm_rnd ^= bm_rnd << 13;
	bm_rnd ^= bm_rnd >> 17;
	bm_rnd ^= bm_rnd << 5;
	return bm_rnd;
}

static void
bm_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/*
 * One message of the mix (per mille: A 380, D 300, U 80, X 60, E 60,
 * P 30, F 20, I 20, C 10, the rest spread over S R H Y L K J h Q B N O),
 * written at p; returns its length.
 */
static unsigned
bm_message(uint8_t *p, uint64_t ts, uint64_t *ref)
{
	static const char rest[] = "SRHYLKJhQBNO";
	static const uint8_t rest_len[] = { 12, 39, 25, 20, 26, 28, 35, 21, 40, 19, 20, 48 };
	static const char *stocks[] = { "AAPL    ", "MSFT    ", "NVDA    ", "META    " };
	unsigned r = bm_rand() % 1000, len;
	char type;

	if (r < 380) { type = 'A'; len = 36; }
	else if (r < 680) { type = 'D'; len = 19; }
	else if (r < 760) { type = 'U'; len = 35; }
	else if (r < 820) { type = 'X'; len = 23; }
	else if (r < 880) { type = 'E'; len = 31; }
	else if (r < 910) { type = 'P'; len = 44; }
	else if (r < 930) { type = 'F'; len = 40; }
	else if (r < 950) { type = 'I'; len = 50; }
	else if (r < 960) { type = 'C'; len = 36; }
	else {
		unsigned k = bm_rand() % (sizeof(rest) - 1);

		type = rest[k];
		len = rest_len[k];
	}
	memset(p, ' ', len);
	p[0] = (uint8_t)type;
	bm_be(p + 1, 1 + bm_rand() % 8000, 2);
	bm_be(p + 3, 0, 2);
	bm_be(p + 5, ts, 6);
	if (len >= 19)
		bm_be(p + 11, (*ref)++, 8);
	if (type == 'A' || type == 'F' || type == 'P') {
		p[19] = bm_rand() & 1 ? 'B' : 'S';
		bm_be(p + 20, 100 * (1 + bm_rand() % 10), 4);
		memcpy(p + 24, stocks[bm_rand() % 4], 8);
		bm_be(p + 32, 1000000 + bm_rand() % 100000, 4);
	}
	return len;
}

/*
 * Build the stream: frames of one session, sequence numbers running on
 * from frame to frame, IP header checksums valid.
 */
static int
bm_build(struct bm_stream *s, unsigned nframes)
{
	uint64_t seq = 1, ts = 34200000000000ull, ref = 1;

	s->buf = malloc((size_t)nframes * 2048);
	s->fr = calloc(nframes, sizeof(*s->fr));
	if (!s->buf || !s->fr)
		return -1;
	s->nframes = nframes;
	s->nmsgs = 0;
	for (unsigned i = 0; i < nframes; i++) {
		uint8_t *f = s->buf + (size_t)i * 2048, *ip = f + 18, *udp = ip + 20;
		uint8_t *mold = udp + 8, *p = mold + 20;
		unsigned n = 0, plen, tl;
		uint32_t sum = 0;

		while (p - mold < BM_DATAGRAM) {
			unsigned len = bm_message(p + 2, ts += 1 + bm_rand() % 500, &ref);

			bm_be(p, len, 2);
			p += 2 + len;
			n++;
		}
		plen = (unsigned)(p - mold);
		tl = 20 + 8 + plen;

		memcpy(f, "\x01\x00\x5e\x36\x0c\x6f\xd4\xaf\xf7\xcb\x20\xd5", 12);
		bm_be(f + 12, 0x8100, 2);
		bm_be(f + 14, 141, 2);
		bm_be(f + 16, 0x0800, 2);
		memset(ip, 0, 20);
		ip[0] = 0x45;
		bm_be(ip + 2, tl, 2);
		bm_be(ip + 6, 0x4000, 2);
		ip[8] = 21;
		ip[9] = 17;
		bm_be(ip + 12, 0xCEC87F8Au, 4);
		bm_be(ip + 16, BM_DST_IP, 4);
		for (unsigned k = 0; k < 20; k += 2)
			sum += (uint32_t)ip[k] << 8 | ip[k + 1];
		while (sum >> 16)
			sum = (sum & 0xFFFF) + (sum >> 16);
		bm_be(ip + 10, (uint16_t)~sum, 2);
		bm_be(udp, 49653, 2);
		bm_be(udp + 2, BM_DST_PORT, 2);
		bm_be(udp + 4, 8 + plen, 2);
		bm_be(udp + 6, 0, 2);
		memcpy(mold, "000010059B", 10);
		bm_be(mold + 10, seq, 8);
		bm_be(mold + 18, n, 2);

		s->fr[i].data = f;
		s->fr[i].len = (uint16_t)(18 + tl);
		s->fr[i].nmsgs = n;
		seq += n;
		s->nmsgs += n;
	}
	return 0;
}

/* Move every frame's sequence number on by delta (between passes). */
static void
bm_shift_seq(struct bm_stream *s, uint64_t delta)
{
	for (unsigned i = 0; i < s->nframes; i++) {
		uint8_t *q = s->fr[i].data + 18 + 20 + 8 + 10;
		uint64_t v = 0;

		for (unsigned k = 0; k < 8; k++)
			v = v << 8 | q[k];
		bm_be(q, v + delta, 8);
	}
}

/* The host: both rings, as the driver's model backend keeps them. */
struct bm_host {
	struct tg_model *m;
	struct tg_h2c_desc *h2c;
	struct tg_event *c2h;
	uint32_t *wb;
	uint32_t h2c_tail;
	uint32_t c2h_head;
	uint64_t check;		/* sum of record sequence numbers */
};

static int
bm_host_init(struct bm_host *h)
{
	memset(h, 0, sizeof(*h));
	h->m = tg_model_new();
	h->h2c = aligned_alloc(64, (size_t)16 << BM_H2C_LOG2);
	h->c2h = aligned_alloc(64, (size_t)64 << BM_C2H_LOG2);
	h->wb = aligned_alloc(64, 64);
	if (!h->m || !h->h2c || !h->c2h || !h->wb)
		return -1;
	memset(h->c2h, 0, (size_t)64 << BM_C2H_LOG2);
	*h->wb = 0;
	tg_model_reg_write(h->m, TG_REG_FILTER(0) + TG_FILTER_DST_IP, BM_DST_IP);
	tg_model_reg_write(h->m, TG_REG_FILTER(0) + TG_FILTER_DST_PORT, BM_DST_PORT);
	tg_model_reg_write(h->m, TG_REG_FILTER(0) + TG_FILTER_CTRL, TG_FILTER_VALID);
	tg_model_reg_write(h->m, TG_REG_H2C_BASE_LO, (uint32_t)(uintptr_t)h->h2c);
	tg_model_reg_write(h->m, TG_REG_H2C_BASE_HI, (uint32_t)((uintptr_t)h->h2c >> 32));
	tg_model_reg_write(h->m, TG_REG_H2C_SIZE, BM_H2C_LOG2);
	tg_model_reg_write(h->m, TG_REG_H2C_WB_LO, (uint32_t)(uintptr_t)h->wb);
	tg_model_reg_write(h->m, TG_REG_H2C_WB_HI, (uint32_t)((uintptr_t)h->wb >> 32));
	tg_model_reg_write(h->m, TG_REG_C2H_BASE_LO, (uint32_t)(uintptr_t)h->c2h);
	tg_model_reg_write(h->m, TG_REG_C2H_BASE_HI, (uint32_t)((uintptr_t)h->c2h >> 32));
	tg_model_reg_write(h->m, TG_REG_C2H_SIZE, BM_C2H_LOG2);
	tg_model_reg_write(h->m, TG_REG_CTRL, TG_CTRL_RESET);
	tg_model_reg_write(h->m, TG_REG_CTRL, TG_CTRL_ENABLE);
	return 0;
}

static void
bm_host_fini(struct bm_host *h)
{
	tg_model_free(h->m);
	free(h->h2c);
	free(h->c2h);
	free(h->wb);
}

/* Take every record the card has written, by phase bit; return them. */
static unsigned
bm_host_poll(struct bm_host *h)
{
	const uint32_t mask = (1u << BM_C2H_LOG2) - 1;
	unsigned n = 0;

	for (;;) {
		uint32_t i = h->c2h_head + n;
		const struct tg_event *ev = &h->c2h[i & mask];
		uint8_t phase = (uint8_t)((1 - ((i >> BM_C2H_LOG2) & 1)) << 7);

		if ((__atomic_load_n(&ev->flags, __ATOMIC_ACQUIRE) & TG_EV_FLAG_PHASE) != phase)
			break;
		h->check += ev->seq;
		n++;
	}
	h->c2h_head += n;
	if (n)
		tg_model_reg_write(h->m, TG_REG_C2H_HEAD, h->c2h_head);
	return n;
}

/* One pass over the stream through the rings. */
static void
bm_pass(struct bm_host *h, const struct bm_stream *s)
{
	const uint32_t hsize = 1u << BM_H2C_LOG2;
	uint32_t base = h->h2c_tail;
	unsigned q = 0;

	while (__atomic_load_n(h->wb, __ATOMIC_ACQUIRE) - base < s->nframes) {
		uint32_t head = __atomic_load_n(h->wb, __ATOMIC_ACQUIRE);

		while (q < s->nframes && h->h2c_tail - head < hsize) {
			struct tg_h2c_desc *d = &h->h2c[h->h2c_tail & (hsize - 1)];

			d->addr = (uint64_t)(uintptr_t)s->fr[q].data;
			d->len = s->fr[q].len;
			d->kind = TG_DESC_FEED_FRAME;
			d->flags = 0;
			d->rsvd = 0;
			h->h2c_tail++;
			q++;
		}
		tg_model_reg_write(h->m, TG_REG_H2C_TAIL, h->h2c_tail);
		tg_model_run(h->m, 64);
		bm_host_poll(h);
	}
	bm_host_poll(h);
}

static double
bm_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int
bm_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The feed pipeline alone, records to a callback that only sums them. */
static void
bm_emit(void *ctx, const struct tg_event *ev)
{
	*(uint64_t *)ctx += ev->seq;
}

int
main(int argc, char **argv)
{
	unsigned nframes = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 8192;
	unsigned runs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 5;
	double ring_rate[16], feed_rate[16];
	struct bm_stream s;
	uint64_t bytes = 0, passes, shift = 0;

	if (nframes == 0 || runs == 0 || runs > 16) {
		fprintf(stderr, "usage: %s [frames] [runs 1..16]\n", argv[0]);
		return 2;
	}
	if (bm_build(&s, nframes) < 0) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < s.nframes; i++)
		bytes += s.fr[i].len;
	passes = (BM_MIN_MSGS + s.nmsgs - 1) / s.nmsgs;
	printf("stream: %u frames, %llu messages (%.1f per frame, %.0f bytes per frame), "
	       "%llu passes per run\n", s.nframes, (unsigned long long)s.nmsgs,
	       (double)s.nmsgs / s.nframes, (double)bytes / s.nframes,
	       (unsigned long long)passes);

	for (unsigned r = 0; r < runs; r++) {
		struct bm_host h;
		uint64_t cnt_lo, cnt_hi, msgs;
		double t0, t1;

		if (bm_host_init(&h) < 0) {
			fprintf(stderr, "out of memory\n");
			return 1;
		}
		/* each run starts the session afresh at the stream's first seq */
		if (shift)
			bm_shift_seq(&s, -shift);
		shift = 0;
		t0 = bm_now();
		for (uint64_t p = 0; p < passes; p++) {
			bm_pass(&h, &s);
			bm_shift_seq(&s, s.nmsgs);
			shift += s.nmsgs;
		}
		t1 = bm_now();
		cnt_lo = tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_MESSAGES));
		cnt_hi = tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_MESSAGES) + 4);
		msgs = cnt_hi << 32 | cnt_lo;
		if (msgs != passes * s.nmsgs || h.c2h_head != msgs) {
			fprintf(stderr, "run %u: %llu messages decoded, %u records, expected %llu\n",
				r, (unsigned long long)msgs, h.c2h_head,
				(unsigned long long)(passes * s.nmsgs));
			return 1;
		}
		ring_rate[r] = (double)msgs / (t1 - t0);
		bm_host_fini(&h);
	}

	for (unsigned r = 0; r < runs; r++) {
		struct tg_model *m = tg_model_new();
		uint64_t sum = 0;
		double t0, t1;

		tg_model_reg_write(m, TG_REG_FILTER(0) + TG_FILTER_CTRL,
				   TG_FILTER_VALID | TG_FILTER_ANY_IP | TG_FILTER_ANY_PORT);
		if (shift)
			bm_shift_seq(&s, -shift);
		shift = 0;
		t0 = bm_now();
		for (uint64_t p = 0; p < passes; p++) {
			for (unsigned i = 0; i < s.nframes; i++)
				tg_model_feed_frame(m, s.fr[i].data, s.fr[i].len, 0, bm_emit, &sum);
			bm_shift_seq(&s, s.nmsgs);
			shift += s.nmsgs;
		}
		t1 = bm_now();
		feed_rate[r] = (double)(passes * s.nmsgs) / (t1 - t0);
		tg_model_free(m);
	}

	qsort(ring_rate, runs, sizeof(double), bm_cmp);
	qsort(feed_rate, runs, sizeof(double), bm_cmp);
	printf("tg_model_run (H2C 2^%u, C2H 2^%u, records consumed by phase): "
	       "%.1f M messages/s, %.2f M frames/s (median of %u runs)\n",
	       BM_H2C_LOG2, BM_C2H_LOG2, ring_rate[runs / 2] / 1e6,
	       ring_rate[runs / 2] * s.nframes / s.nmsgs / 1e6, runs);
	printf("tg_model_feed_frame (callback): %.1f M messages/s, %.2f M frames/s "
	       "(median of %u runs)\n", feed_rate[runs / 2] / 1e6,
	       feed_rate[runs / 2] * s.nframes / s.nmsgs / 1e6, runs);
	printf("reproduce: cmake --build build --target bench_model && "
	       "build/bench/bench_model %u %u\n", nframes, runs);
	free(s.buf);
	free(s.fr);
	return 0;
}
