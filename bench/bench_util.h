/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every benchmark needs: clocks, medians of runs and a seeded
 * generator. Header only, so each bench stays one program of one file.
 */
#ifndef TG_BENCH_UTIL_H
#define TG_BENCH_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* Wall time, seconds (CLOCK_MONOTONIC). */
static inline double
tg_bench_wall_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * CPU time of this thread, seconds: on a shared machine the wall clock
 * also counts the time other processes had the core.
 */
static inline double
tg_bench_cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* qsort order of doubles, smallest first. */
static inline int
tg_bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sort v[0..n) in place and return its median (the mean of the middle two for even n). */
static inline double
tg_bench_median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), tg_bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* splitmix64: a seeded stream of 64-bit values. */
static inline uint64_t
tg_bench_splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

#endif /* TG_BENCH_UTIL_H */
