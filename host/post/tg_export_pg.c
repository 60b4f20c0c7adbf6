/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Export backend: PostgreSQL through libpq. A day is one transaction
 * holding an advisory lock on its trade date (two exports of the same day
 * queue instead of colliding), prepared DELETEs, then the rows streamed
 * with COPY ... FROM STDIN in text format, the fastest bulk path libpq
 * offers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "post/tg_export_int.h"

#define BUF_CAP		(1u << 20)
#define BUF_FLUSH	(BUF_CAP - 4096)	/* room for the longest row */
#define LOCK_BASE	0x7467000000000000LL	/* "tg" in the advisory lock key */

enum copy_table { COPY_NONE, COPY_TRADES, COPY_POSITIONS, COPY_BALANCES };

static const char *const copy_sql[] = {
	[COPY_TRADES] = "COPY trades (trade_date, match_number, side, firm, account, stock, "
		"quantity, price_p4, gross_p4, fees_p4, net_p4) FROM STDIN",
	[COPY_POSITIONS] = "COPY positions (trade_date, firm, account, stock, shares, cost_p4, "
		"mark_p4, realised_p4, unrealised_p4, bought, sold, buy_notional_p4, "
		"sell_notional_p4, fees_p4, fills) FROM STDIN",
	[COPY_BALANCES] = "COPY balances (trade_date, firm, account, cash_p4, fees_p4, "
		"realised_p4, unrealised_p4, bought_notional_p4, sold_notional_p4, "
		"bought_shares, sold_shares, fills) FROM STDIN",
};

struct pg {
	PGconn *conn;
	enum copy_table copying;
	size_t len;
	char buf[BUF_CAP];
};

static struct pg *
PG(struct tg_export *x)
{
	return x->db;
}

static int
fail(struct tg_export *x, const char *what)
{
	tg_export_set_error(x, what, PQerrorMessage(PG(x)->conn));
	return -EIO;
}

/* The server's notices (IF NOT EXISTS ... skipping) are not errors. */
static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
pg_connect(struct tg_export *x, const char *url)
{
	struct pg *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	x->db = p;
	p->conn = PQconnectdb(url);
	if (!p->conn) {
		tg_export_set_error(x, "postgresql", "out of memory");
		return -ENOMEM;
	}
	if (PQstatus(p->conn) != CONNECTION_OK)
		return fail(x, "connect");
	PQsetNoticeProcessor(p->conn, quiet, NULL);
	return 0;
}

static void
pg_disconnect(struct tg_export *x)
{
	PQfinish(PG(x)->conn);
	free(x->db);
	x->db = NULL;
}

/* Check a result and free it. */
static int
result(struct tg_export *x, PGresult *r, const char *what)
{
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		tg_export_set_error(x, what, r ? PQresultErrorMessage(r) :
				    PQerrorMessage(PG(x)->conn));
		PQclear(r);
		return -EIO;
	}
	PQclear(r);
	return 0;
}

static int
pg_exec(struct tg_export *x, const char *sql)
{
	return result(x, PQexec(PG(x)->conn, sql), "postgresql");
}

static int
pg_query_int(struct tg_export *x, const char *sql, int64_t *v)
{
	PGresult *r = PQexec(PG(x)->conn, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 || PQnfields(r) != 1) {
		tg_export_set_error(x, "query", PQresultErrorMessage(r));
		PQclear(r);
		return -EIO;
	}
	*v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

static int
pg_prepare(struct tg_export *x)
{
	static const char *const del[][2] = {
		{ "tg_del_trades", "DELETE FROM trades WHERE trade_date = $1::date" },
		{ "tg_del_positions", "DELETE FROM positions WHERE trade_date = $1::date" },
		{ "tg_del_balances", "DELETE FROM balances WHERE trade_date = $1::date" },
		{ "tg_lock", "SELECT pg_advisory_xact_lock($1::bigint)" },
	};
	int rc;

	for (size_t i = 0; i < sizeof(del) / sizeof(del[0]); i++)
		if ((rc = result(x, PQprepare(PG(x)->conn, del[i][0], del[i][1], 1, NULL),
				 "prepare")))
			return rc;
	return 0;
}

static int
exec_prepared(struct tg_export *x, const char *name, const char *arg)
{
	const char *params[1] = { arg };

	return result(x, PQexecPrepared(PG(x)->conn, name, 1, params, NULL, NULL, 0), name);
}

static int
pg_begin(struct tg_export *x)
{
	char key[24];
	int rc;

	snprintf(key, sizeof(key), "%lld", LOCK_BASE + x->date);
	if ((rc = pg_exec(x, "BEGIN")))
		return rc;
	if (!(rc = exec_prepared(x, "tg_lock", key)) &&
	    !(rc = exec_prepared(x, "tg_del_trades", x->date_s)) &&
	    !(rc = exec_prepared(x, "tg_del_positions", x->date_s)))
		rc = exec_prepared(x, "tg_del_balances", x->date_s);
	if (rc) {
		char keep[sizeof(x->err)];
		memcpy(keep, x->err, sizeof(keep));
		pg_exec(x, "ROLLBACK");
		memcpy(x->err, keep, sizeof(keep));
	}
	return rc;
}

static int
flush(struct tg_export *x)
{
	struct pg *p = PG(x);

	if (p->len && PQputCopyData(p->conn, p->buf, (int)p->len) != 1)
		return fail(x, "COPY");
	p->len = 0;
	return 0;
}

/* End the COPY under way; abort_msg non-NULL makes the server drop it. */
static int
copy_end(struct tg_export *x, const char *abort_msg)
{
	struct pg *p = PG(x);
	PGresult *r;
	int rc = 0;

	if (p->copying == COPY_NONE)
		return 0;
	if (!abort_msg)
		rc = flush(x);
	p->len = 0;
	p->copying = COPY_NONE;
	if (PQputCopyEnd(p->conn, rc ? "export failed" : abort_msg) != 1 && !rc)
		rc = fail(x, "COPY end");
	while ((r = PQgetResult(p->conn))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc && !abort_msg) {
			tg_export_set_error(x, "COPY", PQresultErrorMessage(r));
			rc = -EIO;
		}
		PQclear(r);
	}
	return rc;
}

static int
copy_to(struct tg_export *x, enum copy_table t)
{
	struct pg *p = PG(x);
	PGresult *r;
	int rc;

	if (p->copying == t)
		return p->len >= BUF_FLUSH ? flush(x) : 0;
	if ((rc = copy_end(x, NULL)))
		return rc;
	r = PQexec(p->conn, copy_sql[t]);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		tg_export_set_error(x, "COPY", PQresultErrorMessage(r));
		PQclear(r);
		return -EIO;
	}
	PQclear(r);
	p->copying = t;
	return 0;
}

/* COPY text format: escape the characters it gives a meaning to. */
static void
put_text(struct pg *p, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': p->buf[p->len++] = '\\'; p->buf[p->len++] = '\\'; break;
		case '\t': p->buf[p->len++] = '\\'; p->buf[p->len++] = 't'; break;
		case '\n': p->buf[p->len++] = '\\'; p->buf[p->len++] = 'n'; break;
		case '\r': p->buf[p->len++] = '\\'; p->buf[p->len++] = 'r'; break;
		default: p->buf[p->len++] = *s;
		}
	}
}

static void
put_int(struct pg *p, int64_t v)
{
	char t[24];
	int n = 0;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		t[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		p->buf[p->len++] = '-';
	while (n)
		p->buf[p->len++] = t[--n];
}

static inline void
sep(struct pg *p, char c)
{
	p->buf[p->len++] = c;
}

static int
pg_trade(struct tg_export *x, const struct tg_settle_row *r)
{
	struct pg *p = PG(x);
	int rc = copy_to(x, COPY_TRADES);

	if (rc)
		return rc;
	put_text(p, x->date_s);
	sep(p, '\t');
	put_int(p, (int64_t)r->match);
	sep(p, '\t');
	sep(p, r->side);
	sep(p, '\t');
	put_text(p, r->firm);
	sep(p, '\t');
	put_text(p, r->account);
	sep(p, '\t');
	put_text(p, r->stock);
	const int64_t v[] = { r->quantity, r->price, r->gross, r->fees, r->net };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sep(p, '\t');
		put_int(p, v[i]);
	}
	sep(p, '\n');
	return 0;
}

static int
pg_position(struct tg_export *x, const struct tg_clear_position *ps)
{
	struct pg *p = PG(x);
	int rc = copy_to(x, COPY_POSITIONS);

	if (rc)
		return rc;
	put_text(p, x->date_s);
	sep(p, '\t');
	put_text(p, ps->firm);
	sep(p, '\t');
	put_text(p, ps->account);
	sep(p, '\t');
	put_text(p, ps->stock);
	const int64_t v[] = { ps->shares, ps->cost, ps->mark, ps->realised, ps->unrealised,
			      ps->bought, ps->sold, ps->buy_notional, ps->sell_notional,
			      ps->fees, (int64_t)ps->fills };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sep(p, '\t');
		put_int(p, v[i]);
	}
	sep(p, '\n');
	return 0;
}

static int
pg_balance(struct tg_export *x, const struct tg_clear_balance *b)
{
	struct pg *p = PG(x);
	int rc = copy_to(x, COPY_BALANCES);

	if (rc)
		return rc;
	put_text(p, x->date_s);
	sep(p, '\t');
	put_text(p, b->firm);
	sep(p, '\t');
	put_text(p, b->account);
	const int64_t v[] = { b->cash, b->fees, b->realised, b->unrealised,
			      b->bought_notional, b->sold_notional, b->bought_shares,
			      b->sold_shares, (int64_t)b->fills };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sep(p, '\t');
		put_int(p, v[i]);
	}
	sep(p, '\n');
	return 0;
}

static int
pg_commit(struct tg_export *x)
{
	int rc = copy_end(x, NULL);

	if (rc)
		return rc;
	return pg_exec(x, "COMMIT");
}

static void
pg_rollback(struct tg_export *x)
{
	char keep[sizeof(x->err)];

	memcpy(keep, x->err, sizeof(keep));
	copy_end(x, "export rolled back");
	if (PQtransactionStatus(PG(x)->conn) != PQTRANS_IDLE)
		pg_exec(x, "ROLLBACK");
	memcpy(x->err, keep, sizeof(keep));
}

const struct tg_export_ops tg_export_pg_ops = {
	.name = "postgresql",
	/* one key for every migrator of this database */
	.migrate_begin_sql = "BEGIN; SELECT pg_advisory_xact_lock(7451602365218160640)",
	.now_sql = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.exec = pg_exec,
	.query_int = pg_query_int,
	.prepare = pg_prepare,
	.begin = pg_begin,
	.trade = pg_trade,
	.position = pg_position,
	.balance = pg_balance,
	.commit = pg_commit,
	.rollback = pg_rollback,
};
