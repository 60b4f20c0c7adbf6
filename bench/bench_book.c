/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Book builder throughput: a generated day (tg_feedgen) decoded into card
 * event records in memory, then tg_book_apply over all of them, timed.
 * Prints the median ns/message of several runs, messages/s, the book's
 * peak size, and the command that reproduces the figures.
 *
 *   bench_book [--messages N] [--stocks N] [--seed N] [--runs N] [--max-orders N]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "book/tg_book.h"
#include "feedgen/tg_feedgen.h"

/* Monotonic time in seconds. */
static double
bench_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* qsort order for doubles. */
static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n values (sorts them). */
static double
bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One pass over every record; the book is emptied first (memory kept). */
static double
bench_pass(struct tg_book *b, const struct tg_event *ev, size_t n, int burst)
{
	double t0;

	tg_book_clear(b);
	t0 = bench_now();
	if (burst) {
		tg_book_apply_burst(b, ev, n);
	} else {
		for (size_t k = 0; k < n; k++)
			tg_book_apply(b, &ev[k]);
	}
	return bench_now() - t0;
}

/* Generate, decode, then time the book over the records. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "messages", required_argument, NULL, 'm' },
		{ "stocks", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "runs", required_argument, NULL, 'r' },
		{ "max-orders", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tg_feedgen_opts o;
	struct tg_feedgen *g;
	struct tg_feedgen_msg m;
	struct tg_book_config cfg = { .max_orders = 1 << 22 };
	struct tg_book *b;
	struct tg_book_stats st;
	struct tg_event *ev;
	double single[64], burst[64], t0, gen_s, ns1, nsb;
	int runs = 5, c;
	size_t n = 0;
	uint64_t errs = 0;

	tg_feedgen_opts_init(&o);
	o.messages = 10000000;
	o.stocks = 8000;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o.messages = strtoull(optarg, NULL, 10);
			break;
		case 's':
			o.stocks = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'S':
			o.seed = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'o':
			cfg.max_orders = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			printf("usage: bench_book [--messages N] [--stocks N] [--seed N] [--runs N]"
			       " [--max-orders N]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (runs < 1 || runs > 64) {
		fprintf(stderr, "bench_book: --runs must be 1..64\n");
		return 2;
	}
	g = tg_feedgen_new(&o);
	if (!g) {
		fprintf(stderr, "bench_book: bad options (at least %llu messages for %u stocks)\n",
			(unsigned long long)tg_feedgen_min_messages(o.stocks), o.stocks);
		return 2;
	}
	ev = aligned_alloc(64, o.messages * sizeof(*ev));
	b = tg_book_new(&cfg);
	if (!ev || !b) {
		fprintf(stderr, "bench_book: out of memory for %llu records\n",
			(unsigned long long)o.messages);
		return 1;
	}
	t0 = bench_now();
	while (tg_feedgen_next(g, &m) == 1)
		tg_book_event_from_msg(&ev[n++], m.data, m.len, m.seq);
	gen_s = bench_now() - t0;
	tg_feedgen_free(g);

	/* warm-up: page in the order table and grow the level arrays */
	bench_pass(b, ev, n, 0);
	for (int r = 0; r < runs; r++) {
		single[r] = bench_pass(b, ev, n, 0);
		burst[r] = bench_pass(b, ev, n, 1);
	}
	tg_book_stats(b, &st);
	for (int e = 0; e < TG_BOOK_ERR_NUM; e++)
		errs += st.err[e];
	ns1 = bench_median(single, runs) * 1e9 / (double)n;
	nsb = bench_median(burst, runs) * 1e9 / (double)n;

	printf("bench_book: %zu messages, %u stocks, seed %llu (generated and decoded in %.1f s)\n",
	       n, o.stocks, (unsigned long long)o.seed, gen_s);
	printf("  tg_book_apply        %6.1f ns/message  %6.1f M messages/s  (median of %d)\n",
	       ns1, 1e3 / ns1, runs);
	printf("  tg_book_apply_burst  %6.1f ns/message  %6.1f M messages/s  (median of %d)\n",
	       nsb, 1e3 / nsb, runs);
	printf("  peak orders %llu, peak price levels %llu, resting at the end %llu orders"
	       " in %llu levels, level arrays grown in the last run %llu times, errors %llu\n",
	       (unsigned long long)st.peak_orders, (unsigned long long)st.peak_levels,
	       (unsigned long long)st.orders, (unsigned long long)st.levels,
	       (unsigned long long)st.level_grows, (unsigned long long)errs);
	printf("  reproduce: bench_book --messages %llu --stocks %u --seed %llu --runs %d"
	       " --max-orders %u\n",
	       (unsigned long long)o.messages, o.stocks, (unsigned long long)o.seed, runs,
	       cfg.max_orders);
	tg_book_free(b);
	free(ev);
	return 0;
}
