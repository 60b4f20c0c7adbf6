/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The export's front (tg_export.h): URL dispatch, the schema and its
 * migrations, and the rules of a day (one transaction, replace, never
 * duplicate) that every backend follows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "post/tg_export_int.h"

/*
 * The schema, one migration per version, applied in order and never
 * edited once released: a change is a new migration at the end. Each has
 * the SQL of both backends (types differ: SQLite keeps dates as ISO text,
 * PostgreSQL as DATE).
 */
struct migration {
	int version;
	const char *what;
	const char *sqlite;
	const char *pg;
};

#define TRADES_COLS(DATE, INT) \
	"trade_date " DATE " NOT NULL," \
	"match_number " INT " NOT NULL," \
	"side TEXT NOT NULL CHECK (side IN ('B', 'S'))," \
	"firm TEXT NOT NULL," \
	"account TEXT NOT NULL," \
	"stock TEXT NOT NULL," \
	"quantity " INT " NOT NULL CHECK (quantity > 0)," \
	"price_p4 " INT " NOT NULL," \
	"gross_p4 " INT " NOT NULL," \
	"fees_p4 " INT " NOT NULL," \
	"net_p4 " INT " NOT NULL," \
	"PRIMARY KEY (trade_date, match_number, side)"

#define POSITIONS_COLS(DATE, INT) \
	"trade_date " DATE " NOT NULL," \
	"firm TEXT NOT NULL," \
	"account TEXT NOT NULL," \
	"stock TEXT NOT NULL," \
	"shares " INT " NOT NULL," \
	"cost_p4 " INT " NOT NULL," \
	"mark_p4 " INT " NOT NULL," \
	"realised_p4 " INT " NOT NULL," \
	"unrealised_p4 " INT " NOT NULL," \
	"bought " INT " NOT NULL," \
	"sold " INT " NOT NULL," \
	"buy_notional_p4 " INT " NOT NULL," \
	"sell_notional_p4 " INT " NOT NULL," \
	"fees_p4 " INT " NOT NULL," \
	"fills " INT " NOT NULL," \
	"PRIMARY KEY (trade_date, firm, account, stock)"

#define BALANCES_COLS(DATE, INT) \
	"trade_date " DATE " NOT NULL," \
	"firm TEXT NOT NULL," \
	"account TEXT NOT NULL," \
	"cash_p4 " INT " NOT NULL," \
	"fees_p4 " INT " NOT NULL," \
	"realised_p4 " INT " NOT NULL," \
	"unrealised_p4 " INT " NOT NULL," \
	"bought_notional_p4 " INT " NOT NULL," \
	"sold_notional_p4 " INT " NOT NULL," \
	"bought_shares " INT " NOT NULL," \
	"sold_shares " INT " NOT NULL," \
	"fills " INT " NOT NULL," \
	"PRIMARY KEY (trade_date, firm, account)"

/* SQLite: WITHOUT ROWID keeps each table one b-tree, ordered by its key */
#define V1(DATE, INT, OPT) \
	"CREATE TABLE trades (" TRADES_COLS(DATE, INT) ")" OPT ";" \
	"CREATE TABLE positions (" POSITIONS_COLS(DATE, INT) ")" OPT ";" \
	"CREATE TABLE balances (" BALANCES_COLS(DATE, INT) ")" OPT ";"

#define V2 \
	"CREATE INDEX trades_by_account ON trades (trade_date, firm, account);" \
	"CREATE INDEX trades_by_stock ON trades (trade_date, stock);"

/* dollars with 4 decimals from an integer of 1e-4 $, exact in both */
#define SQLITE_DOLLARS(X) \
	"((CASE WHEN " X " < 0 THEN '-' ELSE '' END) || (abs(" X ") / 10000) || '.' ||" \
	" substr('000' || (abs(" X ") % 10000), -4, 4))"
#define PG_DOLLARS(X) "(" X "::numeric / 10000)::numeric(24, 4)"

#define V3(DOLLARS) \
	"CREATE VIEW settlement AS SELECT trade_date, firm, account, stock, side, quantity, " \
	DOLLARS("price_p4") " AS price, " DOLLARS("gross_p4") " AS gross, " \
	DOLLARS("fees_p4") " AS fees, " DOLLARS("net_p4") " AS net, match_number " \
	"FROM trades;" \
	"CREATE VIEW firm_balances AS SELECT trade_date, firm, count(*) AS accounts, " \
	"sum(cash_p4) AS cash_p4, sum(fees_p4) AS fees_p4, sum(realised_p4) AS realised_p4, " \
	"sum(unrealised_p4) AS unrealised_p4, sum(bought_notional_p4) AS bought_notional_p4, " \
	"sum(sold_notional_p4) AS sold_notional_p4, sum(fills) AS fills " \
	"FROM balances GROUP BY trade_date, firm;"

static const struct migration migrations[] = {
	{ 1, "trades, positions and balances per trade date",
	  V1("TEXT", "INTEGER", " WITHOUT ROWID"), V1("DATE", "BIGINT", "") },
	{ 2, "indexes of trades by account and by stock", V2, V2 },
	{ 3, "views settlement (dollars) and firm_balances",
	  V3(SQLITE_DOLLARS), V3(PG_DOLLARS) },
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == TG_EXPORT_SCHEMA_VERSION,
	       "TG_EXPORT_SCHEMA_VERSION must be the last migration");

void
tg_export_set_error(struct tg_export *x, const char *what, const char *msg)
{
	size_t n;

	snprintf(x->err, sizeof(x->err), "%s: %s", what, msg ? msg : "");
	n = strlen(x->err);
	while (n && (x->err[n - 1] == '\n' || x->err[n - 1] == ' '))
		x->err[--n] = '\0';
}

/*
 * Bring the schema to TG_EXPORT_SCHEMA_VERSION in one transaction. The
 * backend's migrate_begin_sql serialises concurrent openers, so two
 * exporters starting at once cannot both apply a migration.
 */
static int
migrate(struct tg_export *x)
{
	const struct tg_export_ops *o = x->ops;
	char sql[512];
	int64_t v;
	int rc;

	if ((rc = o->exec(x, o->migrate_begin_sql)))
		return rc;
	rc = o->exec(x, "CREATE TABLE IF NOT EXISTS schema_version ("
			"version INTEGER PRIMARY KEY,"
			"description TEXT NOT NULL,"
			"applied_at TEXT NOT NULL)");
	if (!rc)
		rc = o->query_int(x, "SELECT COALESCE(MAX(version), 0) FROM schema_version", &v);
	if (!rc && v > TG_EXPORT_SCHEMA_VERSION) {
		snprintf(x->err, sizeof(x->err),
			 "the database's schema is version %lld, newer than this program's %d",
			 (long long)v, TG_EXPORT_SCHEMA_VERSION);
		rc = -EPROTO;
	}
	for (size_t i = 0; !rc && i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		const struct migration *m = &migrations[i];

		if (m->version <= v)
			continue;
		if ((rc = o->exec(x, o == &tg_export_pg_ops ? m->pg : m->sqlite)))
			break;
		snprintf(sql, sizeof(sql),
			 "INSERT INTO schema_version (version, description, applied_at) "
			 "VALUES (%d, '%s', %s)", m->version, m->what, o->now_sql);
		rc = o->exec(x, sql);
	}
	if (rc) {
		char keep[sizeof(x->err)];
		memcpy(keep, x->err, sizeof(keep));
		o->exec(x, "ROLLBACK");
		memcpy(x->err, keep, sizeof(keep));
		return rc;
	}
	if ((rc = o->exec(x, "COMMIT")))
		return rc;
	x->version = TG_EXPORT_SCHEMA_VERSION;
	return 0;
}

int
tg_export_open(const char *url, struct tg_export **out, char *err, size_t errlen)
{
	struct tg_export *x = calloc(1, sizeof(*x));
	const char *target;
	int rc;

	if (!x)
		return -ENOMEM;
	if (!strncmp(url, "sqlite:", 7)) {
		x->ops = &tg_export_sqlite_ops;
		target = url + 7;
		if (!*target) {
			free(x);
			if (err && errlen)
				snprintf(err, errlen, "%s: no file name after sqlite:", url);
			return -EINVAL;
		}
	} else if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) {
		x->ops = &tg_export_pg_ops;
		target = url;
	} else {
		free(x);
		if (err && errlen)
			snprintf(err, errlen,
				 "%s: a database URL is sqlite:PATH or postgresql://...", url);
		return -EINVAL;
	}
	rc = x->ops->connect(x, target);
	if (!rc)
		rc = migrate(x);
	if (!rc)
		rc = x->ops->prepare(x);
	if (rc) {
		if (err && errlen)
			snprintf(err, errlen, "%s", x->err);
		tg_export_close(x);
		return rc;
	}
	x->err[0] = '\0';
	*out = x;
	return 0;
}

void
tg_export_close(struct tg_export *x)
{
	if (!x)
		return;
	if (x->in_day)
		tg_export_rollback(x);
	if (x->db)
		x->ops->disconnect(x);
	free(x);
}

const char *
tg_export_backend(const struct tg_export *x)
{
	return x->ops->name;
}

int
tg_export_schema_version(const struct tg_export *x)
{
	return x->version;
}

const char *
tg_export_error(const struct tg_export *x)
{
	return x->err;
}

int
tg_export_begin(struct tg_export *x, uint32_t trade_date)
{
	int rc;

	if (x->in_day)
		return -EBUSY;
	if (tg_settle_date_format(trade_date, x->date_s))
		return -EINVAL;
	x->date = trade_date;
	x->day_err = 0;
	x->day_trades = x->day_positions = x->day_balances = 0;
	if ((rc = x->ops->begin(x)))
		return rc;
	x->in_day = true;
	return 0;
}

/* Route one row call: refuse outside a day, stick to the first error. */
static int
day_call(struct tg_export *x, int rc)
{
	if (rc && !x->day_err)
		x->day_err = rc;
	return rc;
}

static int
day_ready(struct tg_export *x)
{
	if (!x->in_day)
		return -EINVAL;
	return x->day_err;
}

int
tg_export_trade(struct tg_export *x, const struct tg_settle_row *r)
{
	int rc = day_ready(x);

	if (rc)
		return rc;
	if (r->trade_date != x->date) {
		snprintf(x->err, sizeof(x->err), "trade of match %llu is not of %s",
			 (unsigned long long)r->match, x->date_s);
		return day_call(x, -EINVAL);
	}
	if ((rc = day_call(x, x->ops->trade(x, r))))
		return rc;
	x->day_trades++;
	return 0;
}

int
tg_export_position(struct tg_export *x, const struct tg_clear_position *p)
{
	int rc = day_ready(x);

	if (rc || (rc = day_call(x, x->ops->position(x, p))))
		return rc;
	x->day_positions++;
	return 0;
}

int
tg_export_balance(struct tg_export *x, const struct tg_clear_balance *b)
{
	int rc = day_ready(x);

	if (rc || (rc = day_call(x, x->ops->balance(x, b))))
		return rc;
	x->day_balances++;
	return 0;
}

static int
export_pos(void *ctx, const struct tg_clear_position *p)
{
	return tg_export_position(ctx, p);
}

int
tg_export_clear_state(struct tg_export *x, const struct tg_clear *c)
{
	struct tg_clear_balance b;
	int rc = tg_clear_foreach_position(c, export_pos, x);

	for (unsigned i = 0; !rc && i < tg_clear_accounts(c); i++) {
		if ((rc = tg_clear_account_get(c, i, &b)))
			break;
		rc = tg_export_balance(x, &b);
	}
	return rc;
}

int
tg_export_commit(struct tg_export *x)
{
	int rc = day_ready(x);

	if (!rc)
		rc = x->ops->commit(x);
	if (rc) {
		tg_export_rollback(x);
		return rc;
	}
	x->in_day = false;
	x->st.days++;
	x->st.trades += x->day_trades;
	x->st.positions += x->day_positions;
	x->st.balances += x->day_balances;
	return 0;
}

void
tg_export_rollback(struct tg_export *x)
{
	if (!x->in_day)
		return;
	x->ops->rollback(x);
	x->in_day = false;
	x->day_err = 0;
}

void
tg_export_get_stats(const struct tg_export *x, struct tg_export_stats *s)
{
	*s = x->st;
}
