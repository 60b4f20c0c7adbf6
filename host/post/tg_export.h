/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Database export of a trading day: trades (the settlement rows),
 * positions and balances, to SQLite (libsqlite3, one file, the default)
 * or PostgreSQL (libpq).
 *
 * A day is exported in one transaction that first deletes whatever that
 * trade date already holds, so exporting a day again replaces it and
 * never duplicates a row; other days are untouched. Rows go through
 * prepared statements (SQLite) or COPY (PostgreSQL).
 *
 * The schema is versioned: opening a database applies, in one
 * transaction, every migration it lacks (the list and the tables are in
 * docs/post-trade.md) and records each in schema_version. A database
 * newer than this program is refused rather than written.
 *
 * Money columns (suffix _p4) hold integers in 1e-4 dollars, exactly the
 * values of the settlement file; the view `settlement` shows them in
 * dollars.
 */
#ifndef TG_EXPORT_H
#define TG_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "post/tg_clear.h"
#include "post/tg_settle.h"

#define TG_EXPORT_SCHEMA_VERSION	3	/* the newest migration */

struct tg_export;

/*
 * Connect and migrate. url: "sqlite:PATH" (the file is created if
 * missing) or "postgresql://..." / "postgres://..." (libpq's URI syntax).
 * 0, -EINVAL (unknown scheme), -EIO (the database refused: err has its
 * message), -EPROTO (the database's schema is newer than this program).
 */
int tg_export_open(const char *url, struct tg_export **out, char *err, size_t errlen);
/* Roll back an unfinished day and disconnect; NULL is fine. */
void tg_export_close(struct tg_export *x);

const char *tg_export_backend(const struct tg_export *x);	/* "sqlite", "postgresql" */
int tg_export_schema_version(const struct tg_export *x);
/* The database's last error message ("" when none). */
const char *tg_export_error(const struct tg_export *x);

/*
 * Start exporting trade_date (YYYYMMDD): opens the transaction and
 * deletes the day's rows. Then any number of trades, positions and
 * balances, then commit. After a failure every call returns the same
 * error until rollback (commit rolls back and returns it).
 */
int tg_export_begin(struct tg_export *x, uint32_t trade_date);
/* A settlement row of the day being exported (-EINVAL for another day). */
int tg_export_trade(struct tg_export *x, const struct tg_settle_row *r);
int tg_export_position(struct tg_export *x, const struct tg_clear_position *p);
int tg_export_balance(struct tg_export *x, const struct tg_clear_balance *b);
/* Every position and every account balance of c. */
int tg_export_clear_state(struct tg_export *x, const struct tg_clear *c);
int tg_export_commit(struct tg_export *x);
void tg_export_rollback(struct tg_export *x);

struct tg_export_stats {
	uint64_t days;			/* committed */
	uint64_t trades, positions, balances;	/* rows committed */
};
void tg_export_get_stats(const struct tg_export *x, struct tg_export_stats *s);

#endif /* TG_EXPORT_H */
