/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Clearing benchmark: ns per fill on one core (fills prepared in memory
 * beforehand, both sides booked with a full fee schedule), and the end of
 * day for a large day: fills streamed as a journal replay would hand
 * them, cleared, written to the settlement file, positions and balances
 * read out (and exported with --db), timed, with the peak resident memory
 * of that child process from getrusage.
 *
 *   bench_clear [--fills N] [--eod-fills N] [--accounts N] [--stocks N]
 *               [--runs N] [--seed N] [--out FILE.csv] [--db URL] [--no-eod]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "post/tg_clear.h"
#include "post/tg_export.h"
#include "post/tg_settle.h"

#define DAY 20261126u

static unsigned n_accounts = 200, n_stocks = 1000;

/* one account per user; 20 firms */
static struct tg_clear *
make_clear(void)
{
	struct tg_clear_user *u = calloc(n_accounts, sizeof(*u));
	struct tg_clear_params p = {
		.max_stocks = n_stocks + 16,
		.max_positions = n_accounts * n_stocks < (1u << 22) ? n_accounts * n_stocks : 1u << 22,
	};
	struct tg_clear_fees f = {
		.maker_per_share = -2000, .taker_per_share = 3000, .taker_bps = 700,
		.commission_per_share = 350, .commission_min = 3500,
		.sell_tax_bps = 2780, .sell_tax_per_share = 166, .transfer_per_fill = 133,
	};
	struct tg_clear *c;
	char err[128];

	for (unsigned i = 0; i < n_accounts; i++) {
		snprintf(u[i].name, sizeof(u[i].name), "u%u", i);
		snprintf(u[i].firm, sizeof(u[i].firm), "FIRM%02u", i % 20);
		snprintf(u[i].account, sizeof(u[i].account), "ACC%05u", i);
		snprintf(u[i].owner, sizeof(u[i].owner), "ACC%05u", i);
	}
	if (tg_clear_new(u, n_accounts, &p, &c, err, sizeof(err))) {
		fprintf(stderr, "bench_clear: %s\n", err);
		exit(1);
	}
	tg_clear_set_fees(c, NULL, &f);
	free(u);
	return c;
}

struct gen {
	uint64_t s;
	uint32_t *px;
	uint64_t match;
};

static void
gen_init(struct gen *g, uint64_t seed)
{
	g->s = seed;
	g->px = malloc(n_stocks * sizeof(*g->px));
	for (unsigned i = 0; i < n_stocks; i++)
		g->px[i] = 50000 + (uint32_t)(tg_bench_splitmix64(&g->s) % 4950000);
	g->match = 0;
}

static void
gen_fill(struct gen *g, struct tg_engine_fill *f)
{
	uint64_t r = tg_bench_splitmix64(&g->s), r2 = tg_bench_splitmix64(&g->s);
	unsigned st = (unsigned)(r % n_stocks);
	int step = (int)((r >> 32) % 21) - 10;
	char name[16];

	if ((int64_t)g->px[st] + step * 10 > 10000)
		g->px[st] = (uint32_t)((int64_t)g->px[st] + step * 10);
	memset(f, 0, sizeof(*f));
	f->match = ++g->match;
	f->ts = 34200000000000ULL + g->match * 100;
	snprintf(name, sizeof(name), "S%05u   ", st);
	memcpy(f->stock, name, 8);
	f->price = g->px[st];
	f->shares = 1 + (uint32_t)(r2 % 1000);
	f->buy.user = (unsigned)((r2 >> 16) % n_accounts);
	f->sell.user = (unsigned)((r2 >> 40) % n_accounts);
	f->buy.liquidity = (r2 >> 63) ? 'A' : 'R';
	f->sell.liquidity = (r2 >> 63) ? 'R' : 'A';
}

/*
 * Time booking the fills into a fresh clearing (cold: every first fill of
 * an (account, stock) creates the position) and then again into the same
 * state (warm: the steady state of a trading day, positions all there).
 */
static void
run_fills(const struct tg_engine_fill *fs, unsigned n, double *cold, double *warm,
	  uint64_t *digest)
{
	struct tg_clear *c = make_clear();
	struct tg_clear_result r;

	for (int pass = 0; pass < 2; pass++) {
		double t0 = tg_bench_cpu_s();
		for (unsigned i = 0; i < n; i++)
			if (tg_clear_fill(c, &fs[i], &r)) {
				fprintf(stderr, "bench_clear: fill %u refused\n", i);
				exit(1);
			}
		*(pass ? warm : cold) = tg_bench_cpu_s() - t0;
	}
	*digest = tg_clear_digest(c);
	tg_clear_free(c);
}

static int
count_pos(void *ctx, const struct tg_clear_position *p)
{
	(void)p;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* The end of day, in this (child) process. Prints one figure line. */
static int
eod(unsigned n, uint64_t seed, const char *out, const char *db)
{
	struct tg_clear *c = make_clear();
	struct tg_settle_writer *w;
	struct tg_settle_totals t;
	struct tg_export *x = NULL;
	struct gen g;
	char err[256];
	double t0 = tg_bench_wall_s(), t_clear, t_csv, t_exp = 0;

	gen_init(&g, seed);
	if (tg_settle_writer_open(out, NULL, &w)) {
		fprintf(stderr, "bench_clear: cannot write %s\n", out);
		return 1;
	}
	if (db && (tg_export_open(db, &x, err, sizeof(err)) || tg_export_begin(x, DAY))) {
		fprintf(stderr, "bench_clear: %s: %s\n", db, x ? tg_export_error(x) : err);
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct tg_engine_fill f;
		struct tg_clear_result r;
		struct tg_settle_row rows[2];

		gen_fill(&g, &f);
		if (tg_clear_fill(c, &f, &r)) {
			fprintf(stderr, "bench_clear: fill %u refused\n", i);
			return 1;
		}
		tg_settle_rows(c, DAY, &f, &r, rows);
		if (tg_settle_writer_add(w, &rows[0]) || tg_settle_writer_add(w, &rows[1]))
			return 1;
		if (x && (tg_export_trade(x, &rows[0]) || tg_export_trade(x, &rows[1]))) {
			fprintf(stderr, "bench_clear: %s\n", tg_export_error(x));
			return 1;
		}
	}
	t_clear = tg_bench_wall_s() - t0;
	if (tg_settle_writer_close(w, &t) || !t.reconciles) {
		fprintf(stderr, "bench_clear: the settlement file does not reconcile\n");
		return 1;
	}
	t_csv = tg_bench_wall_s() - t0;
	uint64_t npos = 0;
	tg_clear_foreach_position(c, count_pos, &npos);
	if (x) {
		double te = tg_bench_wall_s();
		if (tg_export_clear_state(x, c) || tg_export_commit(x)) {
			fprintf(stderr, "bench_clear: %s\n", tg_export_error(x));
			return 1;
		}
		t_exp = tg_bench_wall_s() - te;
		tg_export_close(x);
	}
	double total = tg_bench_wall_s() - t0;
	struct rusage ru;
	struct stat sb;
	getrusage(RUSAGE_SELF, &ru);
	stat(out, &sb);
	printf("  fills %u: %.2f s in all (clearing + rows%s %.2f s, file closed at %.2f s%s%.2f s), "
	       "%" PRIu64 " positions, %" PRIu64 " rows, file %.1f MB, peak RSS %.1f MB\n",
	       n, total, x ? " + export" : "", t_clear, t_csv,
	       x ? ", positions and balances exported and committed in " : ", positions read out by ",
	       x ? t_exp : total - t_csv, npos, t.rows, sb.st_size / 1e6, ru.ru_maxrss / 1024.0);
	tg_clear_free(c);
	free(g.px);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned n = 1000000, n_eod = 10000000, runs = 5;
	uint64_t seed = 1;
	const char *out = "/tmp/tg_bench_settle.csv", *db = NULL;
	int do_eod = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-eod")) {
			do_eod = 0;
			continue;
		}
		if (!v) {
			fprintf(stderr, "usage: bench_clear [--fills N] [--eod-fills N] [--accounts N] "
				"[--stocks N] [--runs N] [--seed N] [--out FILE] [--db URL] [--no-eod]\n");
			return 2;
		}
		i++;
		if (!strcmp(a, "--fills"))
			n = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--eod-fills"))
			n_eod = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--accounts"))
			n_accounts = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--stocks"))
			n_stocks = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--runs"))
			runs = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--out"))
			out = v;
		else if (!strcmp(a, "--db"))
			db = v;
		else {
			fprintf(stderr, "bench_clear: unknown option %s\n", a);
			return 2;
		}
	}
	if (!n || !runs || !n_accounts || !n_stocks) {
		fprintf(stderr, "bench_clear: counts must be positive\n");
		return 2;
	}

	/* one core: the figure is per core, whatever else runs */
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	sched_setaffinity(0, sizeof(set), &set);

	printf("clearing: %u fills, %u accounts, %u stocks, full fee schedule, median of %u runs "
	       "(thread CPU time)\n",
	       n, n_accounts, n_stocks, runs);
	struct tg_engine_fill *fs = malloc((size_t)n * sizeof(*fs));
	struct gen g;
	gen_init(&g, seed);
	for (unsigned i = 0; i < n; i++)
		gen_fill(&g, &fs[i]);
	double *t = calloc(runs, sizeof(*t)), *tc = calloc(runs, sizeof(*tc));
	uint64_t d0 = 0, d;
	for (unsigned r = 0; r < runs; r++) {
		run_fills(fs, n, &tc[r], &t[r], &d);
		if (r && d != d0) {
			fprintf(stderr, "bench_clear: runs disagree (digest)\n");
			return 1;
		}
		d0 = d;
	}
	qsort(t, runs, sizeof(*t), tg_bench_cmp_double);
	qsort(tc, runs, sizeof(*tc), tg_bench_cmp_double);
	printf("  warm: %.1f ns/fill (both sides), %.2f M fills/s; min %.1f, max %.1f ns\n",
	       t[runs / 2] * 1e9 / n, n / t[runs / 2] / 1e6, t[0] * 1e9 / n,
	       t[runs - 1] * 1e9 / n);
	printf("  cold (positions created as they first trade): %.1f ns/fill; digest %016" PRIx64 "\n",
	       tc[runs / 2] * 1e9 / n, d0);
	free(tc);
	free(fs);
	free(t);
	free(g.px);

	if (do_eod) {
		printf("end of day: %u fills streamed, settlement file %s%s%s\n", n_eod, out,
		       db ? ", export to " : "", db ? db : "");
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			int rc = eod(n_eod, seed, out, db);
			fflush(stdout);
			_exit(rc);
		}
		int st;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
		unlink(out);
	}
	printf("command: %s --fills %u --eod-fills %u --accounts %u --stocks %u --runs %u "
	       "--seed %" PRIu64 "%s%s%s\n", argv[0], n, n_eod, n_accounts, n_stocks, runs, seed,
	       do_eod ? "" : " --no-eod", db ? " --db " : "", db ? db : "");
	return 0;
}
