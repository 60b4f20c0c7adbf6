/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Export backend: SQLite through libsqlite3. One file, the default
 * rollback journal (so the database stays one file between runs), a day
 * as one BEGIN IMMEDIATE transaction of prepared statements.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "post/tg_export_int.h"

enum {
	DEL_TRADES, DEL_POSITIONS, DEL_BALANCES,
	INS_TRADE, INS_POSITION, INS_BALANCE,
	N_STMT
};

static const char *const stmt_sql[N_STMT] = {
	[DEL_TRADES] = "DELETE FROM trades WHERE trade_date = ?1",
	[DEL_POSITIONS] = "DELETE FROM positions WHERE trade_date = ?1",
	[DEL_BALANCES] = "DELETE FROM balances WHERE trade_date = ?1",
	[INS_TRADE] = "INSERT INTO trades (trade_date, match_number, side, firm, account, "
		"stock, quantity, price_p4, gross_p4, fees_p4, net_p4) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[INS_POSITION] = "INSERT INTO positions (trade_date, firm, account, stock, shares, "
		"cost_p4, mark_p4, realised_p4, unrealised_p4, bought, sold, buy_notional_p4, "
		"sell_notional_p4, fees_p4, fills) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[INS_BALANCE] = "INSERT INTO balances (trade_date, firm, account, cash_p4, fees_p4, "
		"realised_p4, unrealised_p4, bought_notional_p4, sold_notional_p4, "
		"bought_shares, sold_shares, fills) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
};

struct sq {
	sqlite3 *db;
	sqlite3_stmt *st[N_STMT];
};

static struct sq *
SQ(struct tg_export *x)
{
	return x->db;
}

static int
fail(struct tg_export *x, const char *what)
{
	tg_export_set_error(x, what, sqlite3_errmsg(SQ(x)->db));
	return -EIO;
}

static int sq_exec(struct tg_export *x, const char *sql);

static int
sq_connect(struct tg_export *x, const char *path)
{
	struct sq *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	x->db = s;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
	    != SQLITE_OK) {
		tg_export_set_error(x, path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		return -EIO;
	}
	/* another exporter holding the write lock: wait for it, within reason */
	sqlite3_busy_timeout(s->db, 30000);
	/*
	 * A day is one transaction touching three indexes of trades in
	 * random order: with SQLite's default 2 MB page cache it spills
	 * to the file again and again. 256 MB holds a large day's pages.
	 */
	return sq_exec(x, "PRAGMA cache_size = -262144");
}

static void
sq_disconnect(struct tg_export *x)
{
	struct sq *s = SQ(x);

	for (int i = 0; i < N_STMT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
	x->db = NULL;
}

static int
sq_exec(struct tg_export *x, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(SQ(x)->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		tg_export_set_error(x, "sqlite", msg ? msg : sqlite3_errmsg(SQ(x)->db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int
sq_query_int(struct tg_export *x, const char *sql, int64_t *v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(SQ(x)->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(x, "prepare");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : fail(x, "query");
}

static int
sq_prepare(struct tg_export *x)
{
	struct sq *s = SQ(x);

	for (int i = 0; i < N_STMT; i++)
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->st[i], NULL) != SQLITE_OK)
			return fail(x, "prepare");
	return 0;
}

/* Run a bound statement to completion and make it ready for the next row. */
static int
step(struct tg_export *x, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : fail(x, what);
}

static int
sq_begin(struct tg_export *x)
{
	struct sq *s = SQ(x);
	int rc;

	if ((rc = sq_exec(x, "BEGIN IMMEDIATE")))
		return rc;
	for (int i = DEL_TRADES; i <= DEL_BALANCES; i++) {
		sqlite3_bind_text(s->st[i], 1, x->date_s, -1, SQLITE_STATIC);
		if ((rc = step(x, s->st[i], "delete the day's rows"))) {
			sq_exec(x, "ROLLBACK");
			return rc;
		}
	}
	return 0;
}

static int
sq_trade(struct tg_export *x, const struct tg_settle_row *r)
{
	sqlite3_stmt *st = SQ(x)->st[INS_TRADE];
	char side[2] = { r->side, 0 };

	sqlite3_bind_text(st, 1, x->date_s, 10, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->match);
	sqlite3_bind_text(st, 3, side, 1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, r->firm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->stock, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, r->quantity);
	sqlite3_bind_int64(st, 8, r->price);
	sqlite3_bind_int64(st, 9, r->gross);
	sqlite3_bind_int64(st, 10, r->fees);
	sqlite3_bind_int64(st, 11, r->net);
	return step(x, st, "insert a trade");
}

static int
sq_position(struct tg_export *x, const struct tg_clear_position *p)
{
	sqlite3_stmt *st = SQ(x)->st[INS_POSITION];
	const int64_t v[] = { p->shares, p->cost, p->mark, p->realised, p->unrealised,
			      p->bought, p->sold, p->buy_notional, p->sell_notional,
			      p->fees, (int64_t)p->fills };

	sqlite3_bind_text(st, 1, x->date_s, 10, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->firm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, p->stock, -1, SQLITE_STATIC);
	for (int i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++)
		sqlite3_bind_int64(st, 5 + i, v[i]);
	return step(x, st, "insert a position");
}

static int
sq_balance(struct tg_export *x, const struct tg_clear_balance *b)
{
	sqlite3_stmt *st = SQ(x)->st[INS_BALANCE];
	const int64_t v[] = { b->cash, b->fees, b->realised, b->unrealised,
			      b->bought_notional, b->sold_notional, b->bought_shares,
			      b->sold_shares, (int64_t)b->fills };

	sqlite3_bind_text(st, 1, x->date_s, 10, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->firm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, b->account, -1, SQLITE_STATIC);
	for (int i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++)
		sqlite3_bind_int64(st, 4 + i, v[i]);
	return step(x, st, "insert a balance");
}

static int
sq_commit(struct tg_export *x)
{
	return sq_exec(x, "COMMIT");
}

static void
sq_rollback(struct tg_export *x)
{
	char keep[sizeof(x->err)];

	memcpy(keep, x->err, sizeof(keep));
	if (!sqlite3_get_autocommit(SQ(x)->db))
		sq_exec(x, "ROLLBACK");
	memcpy(x->err, keep, sizeof(keep));
}

const struct tg_export_ops tg_export_sqlite_ops = {
	.name = "sqlite",
	.migrate_begin_sql = "BEGIN IMMEDIATE",
	.now_sql = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
	.connect = sq_connect,
	.disconnect = sq_disconnect,
	.exec = sq_exec,
	.query_int = sq_query_int,
	.prepare = sq_prepare,
	.begin = sq_begin,
	.trade = sq_trade,
	.position = sq_position,
	.balance = sq_balance,
	.commit = sq_commit,
	.rollback = sq_rollback,
};
