/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histograms in the manner of HdrHistogram: log-linear buckets in
 * fixed memory, so recording is an index computation and one increment,
 * and a percentile read back is within a known relative error of the
 * exact one.
 *
 * Layout. Values below 2^(TG_HIST_SUB_BITS+1) each have their own bucket
 * (exact). Above, every power-of-two range [2^k, 2^(k+1)) is cut into
 * TG_HIST_SUB = 2^TG_HIST_SUB_BITS equal buckets of width
 * 2^(k - TG_HIST_SUB_BITS). A bucket's width is therefore at most
 * 1/TG_HIST_SUB of any value in it, and reporting its middle puts a
 * percentile within TG_HIST_REL_ERROR = 1/(2 TG_HIST_SUB) of the exact
 * one (0.39 % with 7 bits). The whole uint64_t range is covered in
 * 7424 buckets (58 KiB); nothing saturates.
 *
 * Concurrency. One thread (an lcore) records into its own histogram; any
 * other thread may read or merge it at any time without a lock. Every
 * word is written and read with relaxed atomics, which on x86-64 are
 * plain moves, so a reader sees each bucket as some value it really had;
 * a reader racing the writer may see a sample in count but not yet in
 * sum (or the reverse), never a torn word. Readers take counts from the
 * buckets, so a merged histogram is always self-consistent.
 */
#ifndef TG_HIST_H
#define TG_HIST_H

#include <stdint.h>

#define TG_HIST_SUB_BITS	7
#define TG_HIST_SUB		(1u << TG_HIST_SUB_BITS)	/* buckets per octave */
/* values < 2 TG_HIST_SUB exact, then TG_HIST_SUB buckets per octave */
#define TG_HIST_BUCKETS		((64 - TG_HIST_SUB_BITS + 1) * TG_HIST_SUB)
/* the bound on |reported - exact| / exact of tg_hist_percentile() */
#define TG_HIST_REL_ERROR	(1.0 / (2 * TG_HIST_SUB))

struct tg_hist {
	uint64_t count;		/* samples recorded */
	uint64_t sum;		/* their sum (wraps after 2^64) */
	uint64_t min;		/* UINT64_MAX while empty */
	uint64_t max;
	uint64_t buckets[TG_HIST_BUCKETS];
} __attribute__((aligned(64)));

/* Empty h (every count zero, min at UINT64_MAX). */
void tg_hist_init(struct tg_hist *h);

/* The bucket a value falls in. */
static inline unsigned
tg_hist_index(uint64_t v)
{
	if (v < 2 * TG_HIST_SUB)
		return (unsigned)v;
	/* the octave's bucket width is 2^shift; v >> shift is in [SUB, 2 SUB) */
	unsigned shift = 63u - (unsigned)__builtin_clzll(v) - TG_HIST_SUB_BITS;
	return shift * TG_HIST_SUB + (unsigned)(v >> shift);
}

/* The lowest and highest value of bucket i. */
uint64_t tg_hist_bucket_low(unsigned i);
uint64_t tg_hist_bucket_high(unsigned i);

/*
 * Record one sample. Single writer: only the thread that owns h calls
 * this; the stores are relaxed atomics so lock-free readers stay
 * well-defined.
 */
static inline void
tg_hist_record(struct tg_hist *h, uint64_t v)
{
	unsigned i = tg_hist_index(v);

	__atomic_store_n(&h->buckets[i], h->buckets[i] + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&h->count, h->count + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&h->sum, h->sum + v, __ATOMIC_RELAXED);
	if (v < h->min)
		__atomic_store_n(&h->min, v, __ATOMIC_RELAXED);
	if (v > h->max)
		__atomic_store_n(&h->max, v, __ATOMIC_RELAXED);
}

/*
 * Add src into dst (per-lcore histograms into one). src may be being
 * written by its owner meanwhile; dst belongs to the caller. dst's count
 * is recomputed from its buckets.
 */
void tg_hist_merge(struct tg_hist *dst, const struct tg_hist *src);

/* Samples recorded in h, counted from its buckets. */
uint64_t tg_hist_total(const struct tg_hist *h);

/*
 * The p-th percentile (0 <= p <= 100) by the nearest-rank rule: the
 * smallest recorded value v such that at least p % of the samples are
 * <= v. The smallest and largest samples are exact (p = 0 and p = 100);
 * others are reported as the middle of v's bucket clamped to [min, max],
 * so within TG_HIST_REL_ERROR of v. 0 if h is empty.
 */
uint64_t tg_hist_percentile(const struct tg_hist *h, double p);

/*
 * Samples whose bucket lies wholly at or below bound: the cumulative
 * count a Prometheus bucket with le = bound shows. Exact when bound + 1
 * is a bucket boundary (any bound below 2 TG_HIST_SUB, or bound + 1 a
 * multiple of the bucket width there); otherwise the samples of the one
 * bucket that straddles bound (all within 1/TG_HIST_SUB of it) are left
 * out.
 */
uint64_t tg_hist_count_le(const struct tg_hist *h, uint64_t bound);

#endif /* TG_HIST_H */
