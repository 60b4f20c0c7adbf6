/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SQLite export: a cleared day read back with sqlite3 queries (every
 * trade row as sent, the books adding up across tables, the settlement
 * view equal to the settlement file), reruns replacing a day and never
 * duplicating, rollback and sticky errors, and the schema migrations.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "test_post_db.h"

#define DAY1 20261126u
#define DAY2 20261127u

static char db_path[64];

static void
db_setup(void)
{
	snprintf(db_path, sizeof(db_path), "/tmp/tg_post_%d.db", (int)getpid());
	unlink(db_path);
}

static void
db_teardown(void)
{
	unlink(db_path);
}

TestSuite(post_sqlite, .init = db_setup, .fini = db_teardown);

static struct tg_export *
open_db(void)
{
	struct tg_export *x;
	char url[96], err[256];

	snprintf(url, sizeof(url), "sqlite:%s", db_path);
	cr_assert_eq(tg_export_open(url, &x, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(tg_export_backend(x), "sqlite");
	cr_assert_eq(tg_export_schema_version(x), 3);
	return x;
}

static void
db_exec(const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg);
	sqlite3_close(db);
}

static long long
q(const char *sql)
{
	return tp_sqlite_int(db_path, sql);
}

static int
pos_text(void *ctx, const struct tg_clear_position *p)
{
	char ***v = ctx;
	char *s;

	cr_assert(asprintf(&s, "2026-11-26" TP_SEP "%s" TP_SEP "%s" TP_SEP "%s" TP_SEP "%lld"
			   TP_SEP "%lld" TP_SEP "%u" TP_SEP "%lld" TP_SEP "%lld" TP_SEP "%lld"
			   TP_SEP "%lld" TP_SEP "%lld" TP_SEP "%lld" TP_SEP "%lld" TP_SEP "%llu",
			   p->firm, p->account, p->stock, (long long)p->shares, (long long)p->cost,
			   p->mark, (long long)p->realised, (long long)p->unrealised,
			   (long long)p->bought, (long long)p->sold, (long long)p->buy_notional,
			   (long long)p->sell_notional, (long long)p->fees,
			   (unsigned long long)p->fills) > 0);
	**v = s;
	(*v)++;
	return 0;
}

Test(post_sqlite, day_reads_back)
{
	const unsigned n = 3000;
	struct tg_engine_fill *fs = tp_fills(21, n);
	struct tg_export *x = open_db();
	struct tg_settle_row *rows;
	struct tg_clear *c = tp_export_day(x, DAY1, tp_users, fs, n, &rows);
	char sql[512], line[512];
	size_t nr;

	tg_export_close(x);
	/* every trade row, as sent */
	snprintf(sql, sizeof(sql), TP_Q_TRADES, "trade_date");
	char **got = tp_sqlite_rows(db_path, sql, &nr);
	cr_assert_eq(nr, 2 * (size_t)n);
	char **want = calloc(nr, sizeof(*want));
	for (size_t i = 0; i < nr; i++) {
		tp_trade_text(&rows[i], line, sizeof(line));
		want[i] = strdup(line);
	}
	qsort(want, nr, sizeof(*want), tp_strcmp);
	for (size_t i = 0; i < nr; i++)
		cr_assert_str_eq(got[i], want[i]);
	tp_free_rows(got, nr);
	tp_free_rows(want, nr);

	/* every position, as the clearing holds it */
	snprintf(sql, sizeof(sql), TP_Q_POSITIONS, "trade_date");
	got = tp_sqlite_rows(db_path, sql, &nr);
	struct tg_clear_stats st;
	tg_clear_get_stats(c, &st);
	cr_assert_eq(nr, st.positions);
	want = calloc(nr, sizeof(*want));
	char **w = want;
	cr_assert_eq(tg_clear_foreach_position(c, pos_text, &w), 0);
	qsort(want, nr, sizeof(*want), tp_strcmp);
	for (size_t i = 0; i < nr; i++)
		cr_assert_str_eq(got[i], want[i]);
	tp_free_rows(got, nr);
	tp_free_rows(want, nr);

	/* the books add up across tables, in SQL */
	cr_assert_eq(q("SELECT COUNT(*) FROM balances"), tg_clear_accounts(c));
	cr_assert_eq(q("SELECT SUM(net_p4) + SUM(fees_p4) FROM trades"), 0);
	cr_assert_eq(q("SELECT COUNT(*) FROM (SELECT stock FROM trades GROUP BY stock HAVING "
		       "SUM(CASE side WHEN 'B' THEN quantity ELSE -quantity END) != 0)"), 0);
	cr_assert_eq(q("SELECT COUNT(*) FROM (SELECT stock FROM positions GROUP BY stock "
		       "HAVING SUM(shares) != 0)"), 0);
	cr_assert_eq(q("SELECT COUNT(*) FROM balances b JOIN (SELECT firm, account, "
		       "SUM(net_p4) AS n, SUM(fees_p4) AS f, COUNT(*) AS k FROM trades "
		       "GROUP BY firm, account) t USING (firm, account) "
		       "WHERE b.cash_p4 != t.n OR b.fees_p4 != t.f OR b.fills != t.k"), 0);
	cr_assert_eq(q("SELECT COUNT(*) FROM positions p JOIN (SELECT firm, account, stock, "
		       "SUM(CASE side WHEN 'B' THEN quantity ELSE -quantity END) AS s "
		       "FROM trades GROUP BY firm, account, stock) t USING (firm, account, stock) "
		       "WHERE p.shares != t.s"), 0);
	cr_assert_eq(q("SELECT COUNT(*) FROM balances WHERE realised_p4 + unrealised_p4 != "
		       "cash_p4 + (SELECT COALESCE(SUM(shares * mark_p4), 0) FROM positions p "
		       "WHERE p.firm = balances.firm AND p.account = balances.account)"), 0);
	cr_assert_eq(q("SELECT SUM(cash_p4) FROM firm_balances"), -q("SELECT SUM(fees_p4) FROM trades"));

	/* the settlement view is the settlement file */
	char csv[96];
	snprintf(csv, sizeof(csv), "%s.csv", db_path);
	struct tg_settle_writer *wr;
	cr_assert_eq(tg_settle_writer_open(csv, NULL, &wr), 0);
	for (size_t i = 0; i < 2 * (size_t)n; i++)
		tg_settle_writer_add(wr, &rows[i]);
	cr_assert_eq(tg_settle_writer_close(wr, NULL), 0);
	got = tp_sqlite_rows(db_path, "SELECT trade_date || ',' || firm || ',' || account || ',' "
			     "|| stock || ',' || side || ',' || quantity || ',' || price || ',' || "
			     "gross || ',' || fees || ',' || net || ',' || match_number FROM settlement",
			     &nr);
	FILE *f = fopen(csv, "r");
	char *l = NULL;
	size_t cap = 0, k = 0;
	ssize_t len;
	want = calloc(nr + 1, sizeof(*want));
	cr_assert_gt(getline(&l, &cap, f), 0);	/* header */
	while ((len = getline(&l, &cap, f)) > 0) {
		cr_assert_lt(k, nr);
		l[len - 1] = '\0';
		want[k++] = strdup(l);
	}
	fclose(f);
	free(l);
	cr_assert_eq(k, nr);
	qsort(want, nr, sizeof(*want), tp_strcmp);
	for (size_t i = 0; i < nr; i++)
		cr_assert_str_eq(got[i], want[i]);
	tp_free_rows(got, nr);
	tp_free_rows(want, nr);
	unlink(csv);

	/* the migrations are recorded */
	got = tp_sqlite_rows(db_path, "SELECT version FROM schema_version", &nr);
	cr_assert_eq(nr, 3);
	cr_assert_str_eq(got[0], "1");
	cr_assert_str_eq(got[2], "3");
	tp_free_rows(got, nr);
	free(rows);
	tg_clear_free(c);
	free(fs);
}

/* The sum of a day's net cash and its row count: a fingerprint. */
static void
day_print(uint32_t day, long long *rows, long long *net)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM trades WHERE trade_date = '%u-%02u-%02u'",
		 day / 10000, day / 100 % 100, day % 100);
	*rows = q(sql);
	snprintf(sql, sizeof(sql), "SELECT COALESCE(SUM(net_p4 * match_number), 0) FROM trades "
		 "WHERE trade_date = '%u-%02u-%02u'", day / 10000, day / 100 % 100, day % 100);
	*net = q(sql);
}

Test(post_sqlite, rerun_replaces_the_day)
{
	struct tg_engine_fill *a = tp_fills(31, 800), *b = tp_fills(32, 600), *cc = tp_fills(33, 250);
	struct tg_export *x = open_db();
	long long r1, n1, r2, n2, r, nt;

	tg_clear_free(tp_export_day(x, DAY1, tp_users, a, 800, NULL));
	day_print(DAY1, &r1, &n1);
	cr_assert_eq(r1, 1600);
	long long pos1 = q("SELECT COUNT(*) FROM positions");
	/* the same day again: the same rows, not twice as many */
	tg_clear_free(tp_export_day(x, DAY1, tp_users, a, 800, NULL));
	day_print(DAY1, &r, &nt);
	cr_assert_eq(r, r1);
	cr_assert_eq(nt, n1);
	cr_assert_eq(q("SELECT COUNT(*) FROM positions"), pos1);
	cr_assert_eq(q("SELECT COUNT(*) FROM balances"), TP_ACCOUNTS);
	/* another day beside it */
	tg_clear_free(tp_export_day(x, DAY2, tp_users, b, 600, NULL));
	day_print(DAY2, &r2, &n2);
	cr_assert_eq(r2, 1200);
	cr_assert_eq(q("SELECT COUNT(*) FROM balances"), 2 * TP_ACCOUNTS);
	/* day 1 again with other fills: replaced, day 2 untouched */
	tg_clear_free(tp_export_day(x, DAY1, tp_users, cc, 250, NULL));
	day_print(DAY1, &r, &nt);
	cr_assert_eq(r, 500);
	cr_assert_neq(nt, n1);
	day_print(DAY2, &r, &nt);
	cr_assert_eq(r, r2);
	cr_assert_eq(nt, n2);
	struct tg_export_stats st;
	tg_export_get_stats(x, &st);
	cr_assert_eq(st.days, 4);
	cr_assert_eq(st.trades, 1600 + 1600 + 1200 + 500);
	tg_export_close(x);
	free(a);
	free(b);
	free(cc);
}

Test(post_sqlite, rollback_and_sticky_errors)
{
	struct tg_engine_fill *a = tp_fills(41, 300);
	struct tg_export *x = open_db();
	struct tg_settle_row *rows;
	long long r0, n0, r, nt;

	tg_clear_free(tp_export_day(x, DAY1, tp_users, a, 300, &rows));
	day_print(DAY1, &r0, &n0);

	/* a day begun and rolled back leaves the old rows */
	cr_assert_eq(tg_export_begin(x, DAY1), 0);
	cr_assert_eq(tg_export_begin(x, DAY1), -EBUSY);
	cr_assert_eq(tg_export_trade(x, &rows[0]), 0);
	tg_export_rollback(x);
	day_print(DAY1, &r, &nt);
	cr_assert_eq(r, r0);
	cr_assert_eq(nt, n0);

	/* a row of another day spoils the transaction; commit refuses it */
	cr_assert_eq(tg_export_begin(x, DAY1), 0);
	cr_assert_eq(tg_export_trade(x, &rows[0]), 0);
	struct tg_settle_row other = rows[1];
	other.trade_date = DAY2;
	cr_assert_eq(tg_export_trade(x, &other), -EINVAL);
	cr_assert_eq(tg_export_trade(x, &rows[1]), -EINVAL, "not sticky");
	cr_assert_eq(tg_export_commit(x), -EINVAL);
	day_print(DAY1, &r, &nt);
	cr_assert_eq(r, r0);
	cr_assert_eq(nt, n0);

	/* a database error (a duplicate key) is reported and rolled back */
	cr_assert_eq(tg_export_begin(x, DAY1), 0);
	cr_assert_eq(tg_export_trade(x, &rows[0]), 0);
	cr_assert_eq(tg_export_trade(x, &rows[0]), -EIO);
	cr_assert(strstr(tg_export_error(x), "UNIQUE"), "%s", tg_export_error(x));
	cr_assert_eq(tg_export_commit(x), -EIO);
	day_print(DAY1, &r, &nt);
	cr_assert_eq(r, r0);

	/* rows outside a day are refused */
	cr_assert_eq(tg_export_trade(x, &rows[0]), -EINVAL);
	cr_assert_eq(tg_export_begin(x, 20260230), -EINVAL);

	/* closing with a day open rolls it back */
	cr_assert_eq(tg_export_begin(x, DAY1), 0);
	tg_export_close(x);
	day_print(DAY1, &r, &nt);
	cr_assert_eq(r, r0);
	free(rows);
	free(a);
}

Test(post_sqlite, migrations)
{
	struct tg_engine_fill *a = tp_fills(51, 100);
	struct tg_export *x = open_db();
	char url[96], err[256];

	tg_clear_free(tp_export_day(x, DAY1, tp_users, a, 100, NULL));
	tg_export_close(x);
	/* reopening applies nothing */
	x = open_db();
	tg_export_close(x);
	cr_assert_eq(q("SELECT COUNT(*) FROM schema_version"), 3);

	/* a database at version 1: reopening brings it to 3, rows kept */
	db_exec("DROP VIEW settlement; DROP VIEW firm_balances; DROP INDEX trades_by_account;"
		"DROP INDEX trades_by_stock; DELETE FROM schema_version WHERE version > 1");
	cr_assert_eq(q("SELECT COUNT(*) FROM sqlite_master WHERE name = 'settlement'"), 0);
	x = open_db();
	tg_export_close(x);
	cr_assert_eq(q("SELECT COUNT(*) FROM schema_version"), 3);
	cr_assert_eq(q("SELECT MAX(version) FROM schema_version"), 3);
	cr_assert_eq(q("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('settlement', "
		       "'firm_balances', 'trades_by_account', 'trades_by_stock')"), 4);
	cr_assert_eq(q("SELECT COUNT(*) FROM settlement"), 200);

	/* a failing migration leaves the database as it was */
	db_exec("DROP VIEW settlement; DROP VIEW firm_balances; DELETE FROM schema_version "
		"WHERE version > 2; CREATE TABLE firm_balances (x INTEGER)");
	snprintf(url, sizeof(url), "sqlite:%s", db_path);
	cr_assert_eq(tg_export_open(url, &x, err, sizeof(err)), -EIO);
	cr_assert(strstr(err, "firm_balances"), "%s", err);
	cr_assert_eq(q("SELECT MAX(version) FROM schema_version"), 2);
	cr_assert_eq(q("SELECT COUNT(*) FROM sqlite_master WHERE name = 'settlement'"), 0);
	db_exec("DROP TABLE firm_balances");

	/* a database newer than this program is refused, untouched */
	db_exec("INSERT INTO schema_version VALUES (99, 'from the future', 'x')");
	cr_assert_eq(tg_export_open(url, &x, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "99"), "%s", err);
	cr_assert_eq(q("SELECT COUNT(*) FROM schema_version"), 3);
	free(a);
}

Test(post_sqlite, bad_urls)
{
	struct tg_export *x;
	char err[256];

	cr_assert_eq(tg_export_open("mysql://db/x", &x, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "sqlite:PATH"), "%s", err);
	cr_assert_eq(tg_export_open("sqlite:", &x, err, sizeof(err)), -EINVAL);
	cr_assert_eq(tg_export_open("/tmp/x.db", &x, err, sizeof(err)), -EINVAL);
	cr_assert_eq(tg_export_open("sqlite:/nonexistent/dir/x.db", &x, err, sizeof(err)), -EIO);
	cr_assert(err[0]);
}
