/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log-linear latency histograms: merge and read-back. Recording is inline
 * in tg_hist.h.
 */
#include <math.h>
#include <string.h>

#include "control/tg_hist.h"

/* Empty h. */
void
tg_hist_init(struct tg_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* Bucket i's width is 2^shift; values below 2 TG_HIST_SUB have shift 0. */
static unsigned
tg_hist_shift(unsigned i)
{
	return i < 2 * TG_HIST_SUB ? 0 : i / TG_HIST_SUB - 1;
}

/* The lowest value that falls in bucket i. */
uint64_t
tg_hist_bucket_low(unsigned i)
{
	unsigned shift = tg_hist_shift(i);

	return (uint64_t)(i - shift * TG_HIST_SUB) << shift;
}

/* The highest value that falls in bucket i. */
uint64_t
tg_hist_bucket_high(unsigned i)
{
	return tg_hist_bucket_low(i) + ((UINT64_C(1) << tg_hist_shift(i)) - 1);
}

/* Add src into dst, reading src word by word as its writer may be busy. */
void
tg_hist_merge(struct tg_hist *dst, const struct tg_hist *src)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < TG_HIST_BUCKETS; i++) {
		uint64_t c = __atomic_load_n(&src->buckets[i], __ATOMIC_RELAXED);

		dst->buckets[i] += c;
		n += dst->buckets[i];
	}
	dst->count = n;
	dst->sum += __atomic_load_n(&src->sum, __ATOMIC_RELAXED);
	uint64_t mn = __atomic_load_n(&src->min, __ATOMIC_RELAXED);
	uint64_t mx = __atomic_load_n(&src->max, __ATOMIC_RELAXED);
	if (mn < dst->min)
		dst->min = mn;
	if (mx > dst->max)
		dst->max = mx;
}

/* Samples in h, from its buckets (a racing writer may be ahead in count). */
uint64_t
tg_hist_total(const struct tg_hist *h)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < TG_HIST_BUCKETS; i++)
		n += __atomic_load_n(&h->buckets[i], __ATOMIC_RELAXED);
	return n;
}

/* Nearest-rank percentile, reported as its bucket's middle within [min, max]. */
uint64_t
tg_hist_percentile(const struct tg_hist *h, double p)
{
	uint64_t n = tg_hist_total(h), rank, seen = 0;

	if (n == 0)
		return 0;
	if (!(p > 0))		/* also NaN */
		p = 0;
	if (p > 100)
		p = 100;
	/* ceil(p n / 100), where a product like 99.9 % of 100000 that lands a
	 * hair above a whole number through rounding counts as that number */
	double r = p / 100.0 * (double)n, whole = nearbyint(r);

	rank = fabs(r - whole) <= 1e-9 * (r > 1 ? r : 1) ? (uint64_t)whole : (uint64_t)ceil(r);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	/* the smallest and largest samples are known exactly */
	if (rank == 1)
		return __atomic_load_n(&h->min, __ATOMIC_RELAXED);
	if (rank == n)
		return __atomic_load_n(&h->max, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < TG_HIST_BUCKETS; i++) {
		seen += __atomic_load_n(&h->buckets[i], __ATOMIC_RELAXED);
		if (seen < rank)
			continue;
		uint64_t lo = tg_hist_bucket_low(i), hi = tg_hist_bucket_high(i);
		uint64_t v = lo + (hi - lo + 1) / 2;
		uint64_t mn = __atomic_load_n(&h->min, __ATOMIC_RELAXED);
		uint64_t mx = __atomic_load_n(&h->max, __ATOMIC_RELAXED);

		if (hi == lo)
			return lo;
		if (v < mn)
			v = mn;
		if (v > mx)
			v = mx;
		return v;
	}
	return 0;	/* not reached: seen ends at n >= rank */
}

/* Cumulative count of the buckets that end at or below bound. */
uint64_t
tg_hist_count_le(const struct tg_hist *h, uint64_t bound)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < TG_HIST_BUCKETS; i++) {
		if (tg_hist_bucket_high(i) > bound)
			break;
		n += __atomic_load_n(&h->buckets[i], __ATOMIC_RELAXED);
	}
	return n;
}
