/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PostgreSQL export against a real server (Debian's postgresql, started
 * in a temp dir for each test and removed after it, test_post_pgsrv.h):
 * the same days exported to PostgreSQL and to SQLite hold the same rows,
 * row for row, including names that need escaping in COPY; reruns replace
 * a day on both; a rollback in the middle of a COPY leaves nothing; and
 * the schema migrations behave as on SQLite.
 */
#include "test_post_pgsrv.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "test_post_db.h"

#define DAY1 20261126u
#define DAY2 20261127u

static struct tp_pg srv = { .watch_fd = -1 };
static char db_path[64];

static void
setup(void)
{
	char err[600];

	cr_assert_eq(tp_pg_start(&srv, err, sizeof(err)), 0, "%s", err);
	snprintf(db_path, sizeof(db_path), "/tmp/tg_post_pg_%d.db", (int)getpid());
	unlink(db_path);
}

static void
teardown(void)
{
	tp_pg_stop(&srv);
	unlink(db_path);
}

TestSuite(post_pg, .init = setup, .fini = teardown, .timeout = 240);

static struct tg_export *
open_url(const char *url)
{
	struct tg_export *x;
	char err[256];

	cr_assert_eq(tg_export_open(url, &x, err, sizeof(err)), 0, "%s: %s", url, err);
	cr_assert_eq(tg_export_schema_version(x), 3);
	return x;
}

static struct tg_export *
open_sqlite(void)
{
	char url[96];

	snprintf(url, sizeof(url), "sqlite:%s", db_path);
	return open_url(url);
}

static PGconn *
pg(void)
{
	PGconn *c = PQconnectdb(srv.url);

	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	return c;
}

static char **
pg_rows(const char *sql, size_t *n)
{
	PGconn *c = pg();
	PGresult *r = PQexec(c, sql);
	char **v;
	int rows;

	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
	rows = PQntuples(r);
	v = calloc((size_t)rows + 1, sizeof(*v));
	for (int i = 0; i < rows; i++) {
		char *row = NULL;
		size_t cap = 0;
		FILE *m = open_memstream(&row, &cap);
		for (int j = 0; j < PQnfields(r); j++)
			fprintf(m, "%s%s", j ? TP_SEP : "",
				PQgetisnull(r, i, j) ? "NULL" : PQgetvalue(r, i, j));
		fclose(m);
		v[i] = row;
	}
	PQclear(r);
	PQfinish(c);
	qsort(v, (size_t)rows, sizeof(*v), tp_strcmp);
	*n = (size_t)rows;
	return v;
}

static long long
pg_int(const char *sql)
{
	size_t n;
	char **v = pg_rows(sql, &n);
	cr_assert_eq(n, 1, "%s", sql);
	long long x = strtoll(v[0], NULL, 10);
	tp_free_rows(v, n);
	return x;
}

static void
pg_exec(const char *sql)
{
	PGconn *c = pg();
	PGresult *r = PQexec(c, sql);

	cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
		  "%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

/* Every table of both databases, row for row. */
static void
same_rows(size_t want_trades)
{
	static const char *const qs[] = { TP_Q_TRADES, TP_Q_POSITIONS, TP_Q_BALANCES };
	char sq[512], pq[512];

	for (size_t t = 0; t < 3; t++) {
		size_t ns, np;
		snprintf(sq, sizeof(sq), qs[t], "trade_date");
		snprintf(pq, sizeof(pq), qs[t], "to_char(trade_date, 'YYYY-MM-DD')");
		char **a = tp_sqlite_rows(db_path, sq, &ns);
		char **b = pg_rows(pq, &np);
		cr_assert_eq(ns, np, "%s: SQLite %zu rows, PostgreSQL %zu", qs[t], ns, np);
		if (t == 0)
			cr_assert_eq(ns, want_trades);
		cr_assert_gt(ns, 0);
		for (size_t i = 0; i < ns; i++)
			cr_assert_str_eq(a[i], b[i], "%s row %zu", qs[t], i);
		tp_free_rows(a, ns);
		tp_free_rows(b, np);
	}
}

Test(post_pg, same_rows_as_sqlite)
{
	struct tg_engine_fill *a = tp_fills(61, 2500), *b = tp_fills(62, 700), *c = tp_fills(63, 90);
	struct tg_export *xp = open_url(srv.url), *xs = open_sqlite();
	struct tg_settle_row *rows;

	cr_assert_str_eq(tg_export_backend(xp), "postgresql");
	tg_clear_free(tp_export_day(xp, DAY1, tp_odd_users, a, 2500, &rows));
	tg_clear_free(tp_export_day(xs, DAY1, tp_odd_users, a, 2500, NULL));
	same_rows(5000);
	/* the odd names went through COPY intact */
	cr_assert_eq(pg_int("SELECT COUNT(*) FROM trades WHERE account = E'erin\\t2' "
			    "AND firm = 'BETA, Inc.'") > 0, 1);
	cr_assert_eq(pg_int("SELECT COUNT(*) FROM balances WHERE account = E'house\\\\desk'"), 2);

	/* again: replaced on both, not duplicated */
	tg_clear_free(tp_export_day(xp, DAY1, tp_odd_users, a, 2500, NULL));
	tg_clear_free(tp_export_day(xs, DAY1, tp_odd_users, a, 2500, NULL));
	same_rows(5000);
	/* a second day, then day 1 replaced by other fills */
	tg_clear_free(tp_export_day(xp, DAY2, tp_odd_users, b, 700, NULL));
	tg_clear_free(tp_export_day(xs, DAY2, tp_odd_users, b, 700, NULL));
	same_rows(5000 + 1400);
	tg_clear_free(tp_export_day(xp, DAY1, tp_odd_users, c, 90, NULL));
	tg_clear_free(tp_export_day(xs, DAY1, tp_odd_users, c, 90, NULL));
	same_rows(180 + 1400);
	cr_assert_eq(pg_int("SELECT COUNT(*) FROM trades WHERE trade_date = '2026-11-27'"), 1400);

	/* rolled back in the middle of a COPY: nothing of it lands */
	cr_assert_eq(tg_export_begin(xp, DAY2), 0);
	for (int i = 0; i < 200; i++)
		cr_assert_eq(tg_export_trade(xp, &rows[i]), -EINVAL, "a DAY1 row in DAY2");
	tg_export_rollback(xp);
	cr_assert_eq(tg_export_begin(xp, DAY1), 0);
	for (int i = 0; i < 200; i++)
		cr_assert_eq(tg_export_trade(xp, &rows[i]), 0);
	tg_export_rollback(xp);
	same_rows(180 + 1400);

	/* a duplicate key inside the COPY fails at commit, rolled back */
	cr_assert_eq(tg_export_begin(xp, DAY1), 0);
	cr_assert_eq(tg_export_trade(xp, &rows[0]), 0);
	cr_assert_eq(tg_export_trade(xp, &rows[0]), 0);
	cr_assert_eq(tg_export_commit(xp), -EIO);
	cr_assert(strstr(tg_export_error(xp), "duplicate"), "%s", tg_export_error(xp));
	same_rows(180 + 1400);
	/* and the connection is still good for the next day */
	tg_clear_free(tp_export_day(xp, DAY1, tp_odd_users, c, 90, NULL));
	same_rows(180 + 1400);

	/* the books add up in PostgreSQL too */
	cr_assert_eq(pg_int("SELECT SUM(net_p4) + SUM(fees_p4) FROM trades"), 0);
	cr_assert_eq(pg_int("SELECT COUNT(*) FROM (SELECT trade_date, stock FROM positions "
			    "GROUP BY trade_date, stock HAVING SUM(shares) != 0) s"), 0);
	/* the dollar view: exact numerics */
	cr_assert_eq(pg_int("SELECT COUNT(*) FROM settlement s JOIN trades t USING "
			    "(trade_date, match_number, side) WHERE s.net * 10000 != t.net_p4 "
			    "OR s.price * 10000 != t.price_p4"), 0);
	tg_export_close(xp);
	tg_export_close(xs);
	free(rows);
	free(a);
	free(b);
	free(c);
}

Test(post_pg, migrations_and_errors)
{
	struct tg_engine_fill *a = tp_fills(71, 100);
	struct tg_export *x = open_url(srv.url);
	char err[256], url[300];

	tg_clear_free(tp_export_day(x, DAY1, tp_users, a, 100, NULL));
	tg_export_close(x);
	cr_assert_eq(pg_int("SELECT COUNT(*) FROM schema_version"), 3);
	/* down to version 1 by hand, then up again on open */
	pg_exec("DROP VIEW settlement; DROP VIEW firm_balances; DROP INDEX trades_by_account;"
		"DROP INDEX trades_by_stock; DELETE FROM schema_version WHERE version > 1");
	x = open_url(srv.url);
	tg_export_close(x);
	cr_assert_eq(pg_int("SELECT MAX(version) FROM schema_version"), 3);
	cr_assert_eq(pg_int("SELECT COUNT(*) FROM settlement"), 200);
	cr_assert_eq(pg_int("SELECT COUNT(*) FROM pg_indexes WHERE indexname LIKE 'trades_by_%'"), 2);

	/* from version 2: the first open migrates, the second finds nothing to do */
	pg_exec("DROP VIEW settlement; DROP VIEW firm_balances; DELETE FROM schema_version "
		"WHERE version > 2");
	struct tg_export *x1, *x2;
	cr_assert_eq(tg_export_open(srv.url, &x1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(tg_export_open(srv.url, &x2, err, sizeof(err)), 0, "%s", err);
	tg_export_close(x1);
	tg_export_close(x2);
	cr_assert_eq(pg_int("SELECT COUNT(*) FROM schema_version"), 3);

	/* newer than this program: refused */
	pg_exec("INSERT INTO schema_version VALUES (99, 'from the future', 'x')");
	cr_assert_eq(tg_export_open(srv.url, &x, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "99"), "%s", err);
	pg_exec("DELETE FROM schema_version WHERE version = 99");

	/* no server there */
	snprintf(url, sizeof(url), "postgresql://tg@/postgres?host=%s&port=5999", srv.dir);
	cr_assert_eq(tg_export_open(url, &x, err, sizeof(err)), -EIO);
	cr_assert(strstr(err, "connect"), "%s", err);
	free(a);
}
