/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential: the Verilated RTL (sim) against the C reference model
 * (model), through the same driver, on the same random and adversarial
 * frames from both lines. Every record (all 64 bytes, phase bit included)
 * and every counter must be equal. The two were written independently
 * from docs/card-interface.md, so an agreement is evidence of both.
 * TG_DIFF_SEEDS=N in the environment runs N seeds per test (a soak).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_card.h"
#include "tg_framegen.h"

struct tg_diff_frames {
	uint8_t *buf;		/* frames back to back, TG_FRAMEGEN_MAX apart */
	size_t *len;
	unsigned *line;
	unsigned n;
};

struct tg_diff_run {
	struct tg_event *rec;
	size_t nrec;
	uint64_t cnt[TG_CNT_NUM];
};

struct tg_diff_filters {
	unsigned n;
	uint32_t ip[4];
	uint16_t port[4];
	uint32_t flags[4];
};

static void
tg_diff_make(struct tg_diff_frames *fr, uint64_t seed, unsigned n,
	     unsigned sessions, unsigned damage)
{
	struct tg_framegen g;

	tg_framegen_init(&g, seed, sessions, damage);
	fr->n = n;
	fr->buf = malloc((size_t)n * TG_FRAMEGEN_MAX);
	fr->len = malloc(n * sizeof(*fr->len));
	fr->line = malloc(n * sizeof(*fr->line));
	cr_assert(fr->buf && fr->len && fr->line);
	for (unsigned i = 0; i < n; i++)
		fr->len[i] = tg_framegen_next(&g, fr->buf + (size_t)i * TG_FRAMEGEN_MAX,
					      &fr->line[i]);
}

static void
tg_diff_collect(struct tg_card *card, struct tg_diff_run *r, size_t *cap)
{
	const struct tg_event *ev[64];
	unsigned n;

	while ((n = tg_card_poll(card, ev, 64)) > 0) {
		if (r->nrec + n > *cap) {
			*cap = 2 * (*cap + n);
			r->rec = realloc(r->rec, *cap * sizeof(*r->rec));
			cr_assert(r->rec);
		}
		for (unsigned i = 0; i < n; i++)
			memcpy(&r->rec[r->nrec++], ev[i], sizeof(*ev[i]));
		tg_card_release(card, n);
	}
}

/* Push every frame through one backend; records and counters into r. */
static void
tg_diff_run(const char *backend, const struct tg_diff_frames *fr,
	    const struct tg_diff_filters *flt, unsigned h2c_log2,
	    unsigned c2h_log2, struct tg_diff_run *r)
{
	struct tg_card_config cfg = { .backend = backend, .h2c_log2 = h2c_log2,
				      .c2h_log2 = c2h_log2 };
	struct tg_card *card;
	size_t cap = 0;
	void *done[64];

	memset(r, 0, sizeof(*r));
	cr_assert_eq(tg_card_open(&cfg, &card), 0, "open %s", backend);
	for (unsigned i = 0; i < flt->n; i++)
		cr_assert_eq(tg_card_set_filter(card, i, flt->ip[i], flt->port[i],
						flt->flags[i]), 0);
	for (unsigned i = 0; i < fr->n; i++) {
		while (tg_card_h2c_space(card) == 0) {
			tg_card_doorbell(card);
			tg_diff_collect(card, r, &cap);
			tg_card_reclaim(card, done, 64);
		}
		cr_assert_eq(tg_card_feed_frame(card, fr->buf + (size_t)i * TG_FRAMEGEN_MAX,
						(uint16_t)fr->len[i], fr->line[i], NULL), 0);
		if (i % 7 == 6)
			tg_card_doorbell(card);
	}
	tg_card_doorbell(card);
	while (!tg_card_drained(card)) {
		tg_diff_collect(card, r, &cap);
		tg_card_reclaim(card, done, 64);
	}
	tg_diff_collect(card, r, &cap);
	tg_card_counters(card, r->cnt, TG_CNT_NUM);
	tg_card_close(card);
}

static void
tg_diff_hex(char *out, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/*
 * Run both backends and require identical records and counters; returns
 * the counters so a test can check the frames reached what it aimed at.
 */
static void
tg_diff_compare(uint64_t seed, unsigned nframes, unsigned sessions,
		unsigned damage, const struct tg_diff_filters *flt,
		unsigned h2c_log2, unsigned c2h_log2, uint64_t *cnt_sum)
{
	struct tg_diff_frames fr;
	struct tg_diff_run sim, model;

	tg_diff_make(&fr, seed, nframes, sessions, damage);
	tg_diff_run("model", &fr, flt, h2c_log2, c2h_log2, &model);
	tg_diff_run("sim", &fr, flt, h2c_log2, c2h_log2, &sim);

	for (unsigned c = 0; c < TG_CNT_NUM; c++)
		cr_expect_eq(sim.cnt[c], model.cnt[c],
			     "seed %" PRIu64 ": counter %s: sim %" PRIu64 ", model %" PRIu64,
			     seed, tg_counter_name(c), sim.cnt[c], model.cnt[c]);
	size_t n = sim.nrec < model.nrec ? sim.nrec : model.nrec;
	for (size_t i = 0; i < n; i++) {
		if (memcmp(&sim.rec[i], &model.rec[i], sizeof(sim.rec[i]))) {
			char a[129], b[129];
			tg_diff_hex(a, &sim.rec[i], 64);
			tg_diff_hex(b, &model.rec[i], 64);
			cr_assert_fail("seed %" PRIu64 ": record %zu differs\n  sim   %s\n  model %s",
				       seed, i, a, b);
		}
	}
	cr_assert_eq(sim.nrec, model.nrec, "seed %" PRIu64 ": sim %zu records, model %zu",
		     seed, sim.nrec, model.nrec);
	/* the run must have exercised the card, not only agreed on nothing */
	cr_assert_gt(model.cnt[TG_CNT_MESSAGES], nframes / 4);
	for (unsigned c = 0; c < TG_CNT_NUM; c++)
		cnt_sum[c] += model.cnt[c];
	free(sim.rec);
	free(model.rec);
	free(fr.buf);
	free(fr.len);
	free(fr.line);
}

/* Seeds per test: 1 by default; TG_DIFF_SEEDS=N for a longer soak. */
static uint64_t
tg_diff_seeds(uint64_t dflt)
{
	const char *e = getenv("TG_DIFF_SEEDS");
	return e && atoi(e) > 0 ? (uint64_t)atoi(e) : dflt;
}

static const struct tg_diff_filters tg_diff_all = {
	1, { 0 }, { 0 }, { TG_FILTER_VALID | TG_FILTER_ANY_IP | TG_FILTER_ANY_PORT }
};

/* Clean traffic: both lines, duplicates, overlaps, gaps, heartbeats, EOS. */
Test(diff_card, clean_two_lines, .timeout = 600)
{
	uint64_t c[TG_CNT_NUM] = { 0 };

	for (uint64_t seed = 1; seed <= tg_diff_seeds(3); seed++)
		tg_diff_compare(seed, 1500, 3, 0, &tg_diff_all, 8, 11, c);
	static const unsigned want[] = {
		TG_CNT_FRAMES_A, TG_CNT_FRAMES_B, TG_CNT_HEARTBEATS, TG_CNT_END_OF_SESSION,
		TG_CNT_DUPLICATES, TG_CNT_GAPS,
	};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect_gt(c[want[i]], 0, "no frame reached %s", tg_counter_name(want[i]));
	for (unsigned t = 0; t < 23; t++)
		cr_expect_gt(c[TG_CNT_MSG_TYPE0 + t], 0, "no %s", tg_counter_name(TG_CNT_MSG_TYPE0 + t));
}

/* A third of the frames damaged in every way the card must count. */
Test(diff_card, adversarial, .timeout = 600)
{
	uint64_t c[TG_CNT_NUM] = { 0 };

	for (uint64_t seed = 100; seed < 100 + tg_diff_seeds(4); seed++)
		tg_diff_compare(seed, 1500, 4, 35, &tg_diff_all, 8, 11, c);
	/* every way of dropping a frame or a message must have been taken */
	for (unsigned k = TG_CNT_NON_FEED; k <= TG_CNT_ERR_SHORT_PACKET; k++)
		if (k != TG_CNT_FILTERED && k != TG_CNT_ERR_SESSION_FULL)
			cr_expect_gt(c[k], 0, "no frame reached %s", tg_counter_name(k));
}

/* More session names than slots, specific filters, tiny H2C ring. */
Test(diff_card, sessions_and_filters, .timeout = 600)
{
	const struct tg_diff_filters flt = {
		3,
		{ 0xE9360C6F, 0, 0xE931C428 },
		{ 26477, 25475, 0 },
		{ TG_FILTER_VALID, TG_FILTER_VALID | TG_FILTER_ANY_IP,
		  TG_FILTER_VALID | TG_FILTER_ANY_PORT },
	};
	uint64_t c[TG_CNT_NUM] = { 0 };

	for (uint64_t seed = 7; seed < 7 + tg_diff_seeds(1); seed++)
		tg_diff_compare(seed, 2500, 11, 20, &flt, 4, 11, c);
	cr_expect_gt(c[TG_CNT_FILTERED], 0);
	cr_expect_gt(c[TG_CNT_ERR_SESSION_FULL], 0);
}
