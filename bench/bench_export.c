/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Export benchmark: rows per second of a cleared day (trades, positions,
 * balances) into SQLite and into PostgreSQL. The first export of the day
 * goes into empty tables; every later run replaces the day (deletes its
 * rows, inserts them again), the path a rerun takes. PostgreSQL is a
 * throwaway server started in a temp dir (as the tests do) unless --pg
 * names one.
 *
 *   bench_export [--fills N] [--runs N] [--seed N] [--sqlite PATH]
 *                [--pg URL] [--no-pg] [--no-sqlite]
 */
#include "../tests/test_post_pgsrv.h"

#include <inttypes.h>
#include <time.h>

#include "bench_util.h"
#include "post/tg_export.h"

#define DAY 20261126u

/* A cleared day: 200 accounts in 20 firms, 1000 stocks, and its rows. */
static struct tg_clear *
make_day(unsigned n, uint64_t seed, struct tg_settle_row **rows_out)
{
	enum { ACCOUNTS = 200, STOCKS = 1000 };
	struct tg_clear_user *u = calloc(ACCOUNTS, sizeof(*u));
	struct tg_clear_fees f = {
		.maker_per_share = -2000, .taker_per_share = 3000, .commission_min = 3500,
		.commission_per_share = 350, .sell_tax_bps = 2780, .transfer_per_fill = 133,
	};
	struct tg_settle_row *rows = malloc(2 * (size_t)n * sizeof(*rows));
	uint32_t px[STOCKS];
	struct tg_clear *c;
	char err[128];
	uint64_t s = seed;

	for (unsigned i = 0; i < ACCOUNTS; i++) {
		snprintf(u[i].name, sizeof(u[i].name), "u%u", i);
		snprintf(u[i].firm, sizeof(u[i].firm), "FIRM%02u", i % 20);
		snprintf(u[i].account, sizeof(u[i].account), "ACC%05u", i);
		snprintf(u[i].owner, sizeof(u[i].owner), "ACC%05u", i);
	}
	if (!rows || tg_clear_new(u, ACCOUNTS, NULL, &c, err, sizeof(err))) {
		fprintf(stderr, "bench_export: cannot set up the day\n");
		exit(1);
	}
	tg_clear_set_fees(c, NULL, &f);
	for (unsigned i = 0; i < STOCKS; i++)
		px[i] = 50000 + (uint32_t)(tg_bench_splitmix64(&s) % 4950000);
	for (unsigned i = 0; i < n; i++) {
		struct tg_engine_fill fl;
		struct tg_clear_result r;
		uint64_t a = tg_bench_splitmix64(&s), b = tg_bench_splitmix64(&s);
		unsigned st = (unsigned)(a % STOCKS);
		char name[16];

		memset(&fl, 0, sizeof(fl));
		fl.match = i + 1;
		snprintf(name, sizeof(name), "S%05u   ", st);
		memcpy(fl.stock, name, 8);
		if (px[st] > 20000)
			px[st] += (uint32_t)((a >> 32) % 21) - 10;
		fl.price = px[st];
		fl.shares = 1 + (uint32_t)(b % 1000);
		fl.buy.user = (unsigned)((b >> 16) % ACCOUNTS);
		fl.sell.user = (unsigned)((b >> 40) % ACCOUNTS);
		fl.buy.liquidity = 'A';
		fl.sell.liquidity = 'R';
		if (tg_clear_fill(c, &fl, &r)) {
			fprintf(stderr, "bench_export: fill refused\n");
			exit(1);
		}
		tg_settle_rows(c, DAY, &fl, &r, &rows[2 * i]);
	}
	free(u);
	*rows_out = rows;
	return c;
}

/* One export of the day; returns seconds, and the row count in *nrows. */
static double
export_once(struct tg_export *x, const struct tg_clear *c, const struct tg_settle_row *rows,
	    unsigned n, uint64_t *nrows)
{
	struct tg_export_stats a, b;
	double t0 = tg_bench_wall_s();

	tg_export_get_stats(x, &a);
	if (tg_export_begin(x, DAY))
		goto fail;
	for (size_t i = 0; i < 2 * (size_t)n; i++)
		if (tg_export_trade(x, &rows[i]))
			goto fail;
	if (tg_export_clear_state(x, c) || tg_export_commit(x))
		goto fail;
	double t = tg_bench_wall_s() - t0;
	tg_export_get_stats(x, &b);
	*nrows = (b.trades + b.positions + b.balances) - (a.trades + a.positions + a.balances);
	return t;
fail:
	fprintf(stderr, "bench_export: %s\n", tg_export_error(x));
	exit(1);
}

static void
bench(const char *what, const char *url, const struct tg_clear *c,
      const struct tg_settle_row *rows, unsigned n, unsigned runs)
{
	struct tg_export *x;
	char err[256];
	uint64_t nrows = 0;
	double *t = calloc(runs, sizeof(*t));

	if (tg_export_open(url, &x, err, sizeof(err))) {
		fprintf(stderr, "bench_export: %s\n", err);
		exit(1);
	}
	double first = export_once(x, c, rows, n, &nrows);
	for (unsigned r = 0; r < runs; r++)
		t[r] = export_once(x, c, rows, n, &nrows);
	qsort(t, runs, sizeof(*t), tg_bench_cmp_double);
	printf("  %-10s %" PRIu64 " rows: into empty tables %.2f s (%.0f k rows/s); replacing the "
	       "day %.2f s (%.0f k rows/s, median of %u; min %.2f, max %.2f s)\n",
	       what, nrows, first, nrows / first / 1e3, t[runs / 2], nrows / t[runs / 2] / 1e3,
	       runs, t[0], t[runs - 1]);
	tg_export_close(x);
	free(t);
}

int
main(int argc, char **argv)
{
	unsigned n = 500000, runs = 3;
	uint64_t seed = 1;
	const char *sqlite_path = "/tmp/tg_bench_export.db", *pg_url = NULL;
	int use_pg = 1, use_sqlite = 1;
	struct tp_pg srv = { .watch_fd = -1 };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-pg")) {
			use_pg = 0;
			continue;
		}
		if (!strcmp(a, "--no-sqlite")) {
			use_sqlite = 0;
			continue;
		}
		if (!v) {
			fprintf(stderr, "usage: bench_export [--fills N] [--runs N] [--seed N] "
				"[--sqlite PATH] [--pg URL] [--no-pg] [--no-sqlite]\n");
			return 2;
		}
		i++;
		if (!strcmp(a, "--fills"))
			n = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--runs"))
			runs = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--sqlite"))
			sqlite_path = v;
		else if (!strcmp(a, "--pg"))
			pg_url = v;
		else {
			fprintf(stderr, "bench_export: unknown option %s\n", a);
			return 2;
		}
	}
	if (!n || !runs) {
		fprintf(stderr, "bench_export: counts must be positive\n");
		return 2;
	}

	struct tg_settle_row *rows;
	struct tg_clear *c = make_day(n, seed, &rows);
	struct tg_clear_stats st;
	tg_clear_get_stats(c, &st);
	printf("export: %u fills = %u trade rows + %u positions + %u balances, 1 transaction each\n",
	       n, 2 * n, st.positions, tg_clear_accounts(c));

	if (use_sqlite) {
		char url[300];
		unlink(sqlite_path);
		snprintf(url, sizeof(url), "sqlite:%s", sqlite_path);
		bench("sqlite", url, c, rows, n, runs);
		unlink(sqlite_path);
	}
	if (use_pg) {
		char err[600];
		if (!pg_url) {
			if (tp_pg_start(&srv, err, sizeof(err))) {
				fprintf(stderr, "bench_export: %s\n", err);
				return 1;
			}
			pg_url = srv.url;
			printf("  (temporary PostgreSQL server in %s, fsync off)\n", srv.dir);
		}
		bench("postgresql", pg_url, c, rows, n, runs);
		tp_pg_stop(&srv);
	}
	printf("command: %s --fills %u --runs %u --seed %" PRIu64 "%s%s\n", argv[0], n, runs, seed,
	       use_sqlite ? "" : " --no-sqlite", use_pg ? "" : " --no-pg");
	tg_clear_free(c);
	free(rows);
	return 0;
}
