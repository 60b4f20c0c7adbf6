/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver on the "sim" backend (the Verilated RTL): the records of a
 * real capture come out through the rings, the same as the "model"
 * backend gives through the same driver calls; small rings wrap; an idle
 * card costs no simulated cycles.
 */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "tg_card.h"

#include "test_driver_util.h"

static struct tg_card *
open_card(const char *backend, unsigned h2c_log2, unsigned c2h_log2)
{
	struct tg_card_config cfg = { .backend = backend, .h2c_log2 = h2c_log2,
				      .c2h_log2 = c2h_log2 };
	struct tg_card *card;

	cr_assert_eq(tg_card_open(&cfg, &card), 0, "open %s", backend);
	cr_assert_eq(tg_card_set_filter(card, 0, 0, 0, TG_FILTER_VALID | TG_FILTER_ANY_IP |
					TG_FILTER_ANY_PORT), 0);
	return card;
}

/*
 * Feed frames (n of them, in order, line A) and collect every record,
 * refilling the H2C ring and releasing records as the rings allow.
 */
static unsigned
run_frames(struct tg_card *card, struct frame *fr, unsigned n, struct tg_event *out,
	   unsigned max)
{
	const struct tg_event *ev[64];
	void *cookies[64];
	unsigned fed = 0, back = 0, total = 0;

	for (unsigned spins = 0; spins < 10000000; spins++) {
		unsigned k;

		while (fed < n && tg_card_feed_frame(card, fr[fed].data, fr[fed].len, 0,
						     (void *)(uintptr_t)fed) == 0)
			fed++;
		tg_card_doorbell(card);
		k = tg_card_poll(card, ev, 64);
		for (unsigned i = 0; i < k; i++) {
			cr_assert_lt(total, max);
			out[total++] = *ev[i];
		}
		tg_card_release(card, k);
		for (unsigned r; (r = tg_card_reclaim(card, cookies, 64)) > 0;)
			for (unsigned i = 0; i < r; i++, back++)
				cr_assert_eq((uintptr_t)cookies[i], back);
		if (fed == n && k == 0 && tg_card_drained(card))
			break;
	}
	cr_expect_eq(back, n, "every frame handed back");
	return total;
}

/* Records equal but for the phase bit, which depends on the ring position. */
static void
expect_same_records(const struct tg_event *a, const struct tg_event *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct tg_event x = a[i], y = b[i];

		x.flags &= ~TG_EV_FLAG_PHASE;
		y.flags &= ~TG_EV_FLAG_PHASE;
		cr_assert_arr_eq(&x, &y, sizeof(x), "record %u differs (seq %lu / %lu)", i,
				 (unsigned long)a[i].seq, (unsigned long)b[i].seq);
	}
}

Test(sim, capture_like_model, .timeout = 300)
{
	struct frame fr[8];
	unsigned nf = load_pcap(CAPTURE, fr, 8);
	static struct tg_event rs[256], rm[256];
	uint64_t cs[TG_CNT_NUM], cm[TG_CNT_NUM];
	struct tg_card *sim, *model;
	unsigned ns, nm;

	cr_assert_eq(nf, 2);
	sim = open_card("sim", 0, 0);
	cr_assert_str_eq(tg_card_backend(sim), "sim");
	cr_expect_gt(tg_card_cycles(sim), 0, "register accesses cost cycles");
	model = open_card("model", 0, 0);
	ns = run_frames(sim, fr, nf, rs, 256);
	nm = run_frames(model, fr, nf, rm, 256);
	cr_assert_eq(nm, 40);
	cr_assert_eq(ns, nm, "sim gave %u records, model %u", ns, nm);
	expect_same_records(rs, rm, ns);
	tg_card_counters(sim, cs, TG_CNT_NUM);
	tg_card_counters(model, cm, TG_CNT_NUM);
	for (unsigned c = 0; c < TG_CNT_NUM; c++)
		cr_expect_eq(cs[c], cm[c], "%s: sim %lu, model %lu", tg_counter_name(c),
			     (unsigned long)cs[c], (unsigned long)cm[c]);
	tg_card_close(sim);
	tg_card_close(model);
	for (unsigned i = 0; i < nf; i++)
		free(fr[i].data);
}

/*
 * 80 copies of the 38-message datagram, each with the next sequence
 * number, through a 16-descriptor H2C ring and a 2048-record C2H ring:
 * 3,040 records wrap the C2H ring once and the H2C ring five times.
 */
Test(sim, small_rings_wrap, .timeout = 600)
{
	enum { N = 80 };
	struct frame cap[8], fr[N];
	static struct tg_event rs[N * 40], rm[N * 40];
	struct tg_card *sim, *model;
	unsigned off, ns, nm;
	uint64_t seq1;
	const uint8_t *f;

	cr_assert_eq(load_pcap(CAPTURE, cap, 8), 2);
	f = cap[1].data;
	off = 18 + 4 * (f[18] & 15) + 8;
	seq1 = 0;
	for (unsigned k = 0; k < 8; k++)
		seq1 = seq1 << 8 | f[off + 10 + k];
	for (unsigned i = 0; i < N; i++) {
		uint64_t s = seq1 + 38ull * i;

		fr[i].len = cap[1].len;
		fr[i].data = malloc(fr[i].len);
		memcpy(fr[i].data, f, fr[i].len);
		for (unsigned k = 0; k < 8; k++)
			fr[i].data[off + 10 + k] = (uint8_t)(s >> (56 - 8 * k));
	}
	sim = open_card("sim", 4, 11);
	model = open_card("model", 4, 11);
	ns = run_frames(sim, fr, N, rs, N * 40);
	nm = run_frames(model, fr, N, rm, N * 40);
	cr_assert_eq(nm, N * 38);
	cr_assert_eq(ns, nm);
	expect_same_records(rs, rm, ns);
	for (unsigned i = 0; i < ns; i++)
		cr_assert_eq(rs[i].seq, seq1 + i);
	tg_card_close(sim);
	tg_card_close(model);
	for (unsigned i = 0; i < N; i++)
		free(fr[i].data);
	for (unsigned i = 0; i < 2; i++)
		free(cap[i].data);
}

Test(sim, idle_costs_nothing, .timeout = 120)
{
	struct tg_card *sim = open_card("sim", 4, 11);
	const struct tg_event *ev[8];
	uint64_t c0, c1;

	/* the first empty poll finds the card idle; later ones do not tick */
	cr_expect_eq(tg_card_poll(sim, ev, 8), 0);
	c0 = tg_card_cycles(sim);
	for (unsigned i = 0; i < 1000; i++)
		cr_assert_eq(tg_card_poll(sim, ev, 8), 0);
	c1 = tg_card_cycles(sim);
	cr_expect_eq(c1, c0, "%lu cycles spent idle", (unsigned long)(c1 - c0));
	cr_expect(tg_card_drained(sim));
	tg_card_close(sim);
}

/*
 * Handing records back to a card that has finished its work must not set
 * it running again: a release is one register write, not a reason to
 * clock an idle card.
 */
Test(sim, release_does_not_wake_an_idle_card, .timeout = 120)
{
	struct tg_card *sim = open_card("sim", 4, 11);
	struct frame fr[8];
	const struct tg_event *ev[64];
	unsigned nf = load_pcap(CAPTURE, fr, 8), got = 0, n;
	uint64_t c0, c1;

	for (unsigned i = 0; i < nf; i++)
		cr_assert_eq(tg_card_feed_frame(sim, fr[i].data, fr[i].len, 0, NULL), 0);
	tg_card_doorbell(sim);
	while (got < 40 && (n = tg_card_poll(sim, ev + got, 64 - got)) > 0)
		got += n;
	cr_assert_eq(got, 40, "the capture gives 39 messages and a gap");
	c0 = tg_card_cycles(sim);
	tg_card_release(sim, got);
	for (unsigned i = 0; i < 100; i++)
		cr_assert_eq(tg_card_poll(sim, ev, 8), 0);
	c1 = tg_card_cycles(sim);
	/* the release's own register write takes a few clocks, nothing more */
	cr_expect_leq(c1 - c0, 16, "%lu cycles after the release", (unsigned long)(c1 - c0));
	for (unsigned i = 0; i < nf; i++)
		free(fr[i].data);
	tg_card_close(sim);
}
