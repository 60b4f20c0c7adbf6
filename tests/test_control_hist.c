/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log-linear latency histogram against the exact answer: percentiles
 * of random samples by the nearest-rank rule on a sorted copy, counts at
 * or below a bound by counting, merge against recording everything in
 * one histogram, and a reader merging while its writer records.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/tg_hist.h"

/* splitmix64: the samples, reproducible */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
unit(uint64_t *s)
{
	return (double)(rnd(s) >> 11) / 9007199254740992.0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

enum dist { UNIFORM_SMALL, UNIFORM_WIDE, LOG_UNIFORM, EXPONENTIAL, BIMODAL, CONSTANT, FULL_RANGE };

static uint64_t
sample(enum dist d, uint64_t *s)
{
	switch (d) {
	case UNIFORM_SMALL:
		return rnd(s) % 300;
	case UNIFORM_WIDE:
		return 1000 + rnd(s) % 1000000;
	case LOG_UNIFORM:	/* 1 ns to 1000 s */
		return (uint64_t)exp(unit(s) * log(1e12));
	case EXPONENTIAL:	/* mean 5 us */
		return (uint64_t)(-5000.0 * log(1.0 - unit(s)));
	case BIMODAL:		/* a fast path and a slow one, 95:5 */
		return rnd(s) % 100 < 95 ? 800 + rnd(s) % 200 : 2000000 + rnd(s) % 500000;
	case CONSTANT:
		return 123456789;
	case FULL_RANGE:
		return rnd(s) >> (rnd(s) % 64);
	}
	return 0;
}

/* Percentiles in hundredths of a percent, so the rank is integer arithmetic. */
static const unsigned pct_x100[] = {
	0, 1, 10, 100, 1000, 2500, 5000, 7500, 9000, 9500, 9900, 9990, 9999, 10000,
};

static void
check_percentiles(enum dist d, size_t n, uint64_t seed)
{
	uint64_t *v = malloc(n * sizeof(*v)), s = seed;
	struct tg_hist *h = aligned_alloc(64, sizeof(*h));

	cr_assert(v && h);
	tg_hist_init(h);
	for (size_t i = 0; i < n; i++) {
		v[i] = sample(d, &s);
		tg_hist_record(h, v[i]);
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	cr_assert_eq(h->count, n);
	cr_assert_eq(tg_hist_total(h), n);
	cr_assert_eq(h->min, v[0]);
	cr_assert_eq(h->max, v[n - 1]);
	for (size_t k = 0; k < sizeof(pct_x100) / sizeof(pct_x100[0]); k++) {
		uint64_t rank = ((uint64_t)pct_x100[k] * n + 9999) / 10000;
		if (rank == 0)
			rank = 1;
		uint64_t exact = v[rank - 1];
		uint64_t got = tg_hist_percentile(h, pct_x100[k] / 100.0);
		double diff = fabs((double)got - (double)exact);

		cr_assert(diff <= (double)exact * TG_HIST_REL_ERROR,
			  "dist %d, p%.2f: exact %llu, histogram %llu (error %.5f > %.5f)", d,
			  pct_x100[k] / 100.0, (unsigned long long)exact,
			  (unsigned long long)got, diff / (double)exact, TG_HIST_REL_ERROR);
	}
	/* the ends are exact */
	cr_assert_eq(tg_hist_percentile(h, 0), v[0]);
	cr_assert_eq(tg_hist_percentile(h, 100), v[n - 1]);
	free(v);
	free(h);
}

Test(control_hist, percentiles_uniform_small) { check_percentiles(UNIFORM_SMALL, 100000, 1); }
Test(control_hist, percentiles_uniform_wide) { check_percentiles(UNIFORM_WIDE, 100000, 2); }
Test(control_hist, percentiles_log_uniform) { check_percentiles(LOG_UNIFORM, 200000, 3); }
Test(control_hist, percentiles_exponential) { check_percentiles(EXPONENTIAL, 100000, 4); }
Test(control_hist, percentiles_bimodal) { check_percentiles(BIMODAL, 100000, 5); }
Test(control_hist, percentiles_constant) { check_percentiles(CONSTANT, 1000, 6); }
Test(control_hist, percentiles_full_range) { check_percentiles(FULL_RANGE, 100000, 7); }
Test(control_hist, percentiles_few_samples)
{
	for (uint64_t seed = 10; seed < 40; seed++)
		check_percentiles(LOG_UNIFORM, 1 + seed % 7, seed);
}

/* Buckets tile the whole range with no gap or overlap, within the error bound. */
Test(control_hist, buckets_tile_the_range)
{
	cr_assert_eq(tg_hist_bucket_low(0), 0);
	for (unsigned i = 0; i + 1 < TG_HIST_BUCKETS; i++) {
		uint64_t lo = tg_hist_bucket_low(i), hi = tg_hist_bucket_high(i);

		cr_assert_eq(hi + 1, tg_hist_bucket_low(i + 1), "bucket %u", i);
		cr_assert_eq(tg_hist_index(lo), i);
		cr_assert_eq(tg_hist_index(hi), i);
		/* width relative to the smallest value in it */
		cr_assert((double)(hi - lo + 1) <= 1.0 + (double)lo * 2 * TG_HIST_REL_ERROR,
			  "bucket %u [%llu, %llu] too wide", i, (unsigned long long)lo,
			  (unsigned long long)hi);
	}
	cr_assert_eq(tg_hist_bucket_high(TG_HIST_BUCKETS - 1), UINT64_MAX);
	cr_assert_eq(tg_hist_index(UINT64_MAX), TG_HIST_BUCKETS - 1);
	uint64_t s = 99;
	for (int i = 0; i < 100000; i++) {
		uint64_t v = rnd(&s) >> (rnd(&s) % 64);
		unsigned b = tg_hist_index(v);

		cr_assert(b < TG_HIST_BUCKETS);
		cr_assert(tg_hist_bucket_low(b) <= v && v <= tg_hist_bucket_high(b));
	}
}

Test(control_hist, empty)
{
	struct tg_hist *h = aligned_alloc(64, sizeof(*h));

	tg_hist_init(h);
	cr_assert_eq(tg_hist_percentile(h, 50), 0);
	cr_assert_eq(tg_hist_total(h), 0);
	cr_assert_eq(tg_hist_count_le(h, UINT64_MAX), 0);
	free(h);
}

/* Cumulative counts against counting: exact where documented, else short by the straddling bucket. */
Test(control_hist, count_le)
{
	enum { N = 50000 };
	uint64_t *v = malloc(N * sizeof(*v)), s = 77;
	struct tg_hist *h = aligned_alloc(64, sizeof(*h));

	tg_hist_init(h);
	for (int i = 0; i < N; i++) {
		v[i] = sample(LOG_UNIFORM, &s) % 100000000;
		tg_hist_record(h, v[i]);
	}
	for (int k = 0; k < 2000; k++) {
		uint64_t bound = rnd(&s) % 120000000, naive = 0, straddle = 0;
		unsigned b = tg_hist_index(bound);
		int exact = bound == tg_hist_bucket_high(b);

		for (int i = 0; i < N; i++) {
			naive += v[i] <= bound;
			straddle += v[i] >= tg_hist_bucket_low(b) && v[i] <= bound;
		}
		uint64_t got = tg_hist_count_le(h, bound);
		if (exact || bound < 2 * TG_HIST_SUB)
			cr_assert_eq(got, naive, "bound %llu", (unsigned long long)bound);
		else
			cr_assert_eq(got, naive - straddle, "bound %llu", (unsigned long long)bound);
	}
	free(v);
	free(h);
}

/* Four per-lcore histograms merged are the histogram of all samples. */
Test(control_hist, merge)
{
	struct tg_hist *part = aligned_alloc(64, 4 * sizeof(*part));
	struct tg_hist *all = aligned_alloc(64, sizeof(*all));
	struct tg_hist *sum = aligned_alloc(64, sizeof(*sum));
	uint64_t s = 5;

	for (int i = 0; i < 4; i++)
		tg_hist_init(&part[i]);
	tg_hist_init(all);
	tg_hist_init(sum);
	for (int i = 0; i < 200000; i++) {
		uint64_t x = sample(i % 2 ? EXPONENTIAL : BIMODAL, &s);

		tg_hist_record(&part[rnd(&s) % 4], x);
		tg_hist_record(all, x);
	}
	for (int i = 0; i < 4; i++)
		tg_hist_merge(sum, &part[i]);
	cr_assert_eq(memcmp(sum->buckets, all->buckets, sizeof(all->buckets)), 0);
	cr_assert_eq(sum->count, all->count);
	cr_assert_eq(sum->sum, all->sum);
	cr_assert_eq(sum->min, all->min);
	cr_assert_eq(sum->max, all->max);
	for (unsigned p = 0; p <= 100; p += 5)
		cr_assert_eq(tg_hist_percentile(sum, p), tg_hist_percentile(all, p));
	free(part);
	free(all);
	free(sum);
}

struct writer {
	struct tg_hist *h;
	uint64_t n;
	int done;
};

static void *
write_samples(void *arg)
{
	struct writer *w = arg;
	uint64_t s = 1234;

	for (uint64_t i = 0; i < w->n; i++)
		tg_hist_record(w->h, sample(EXPONENTIAL, &s));
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* A reader merging while the writer records sees counts that only grow, and all of them at the end. */
Test(control_hist, read_while_recording)
{
	struct tg_hist *h = aligned_alloc(64, sizeof(*h));
	struct tg_hist *snap = aligned_alloc(64, sizeof(*snap));
	struct writer w = { .h = h, .n = 3000000 };
	uint64_t last = 0;
	pthread_t t;
	int reads = 0;

	tg_hist_init(h);
	cr_assert_eq(pthread_create(&t, NULL, write_samples, &w), 0);
	while (!__atomic_load_n(&w.done, __ATOMIC_ACQUIRE)) {
		tg_hist_init(snap);
		tg_hist_merge(snap, h);
		cr_assert_geq(snap->count, last);
		cr_assert_leq(snap->count, w.n);
		cr_assert_eq(snap->count, tg_hist_total(snap));
		last = snap->count;
		reads++;
	}
	pthread_join(t, NULL);
	tg_hist_init(snap);
	tg_hist_merge(snap, h);
	cr_assert_eq(snap->count, w.n);
	cr_assert_gt(reads, 0);
	free(h);
	free(snap);
}
