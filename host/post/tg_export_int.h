/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the export: the backend ops table and the state they share.
 * Backends see a day as begin (transaction + delete), rows, commit; the
 * migration logic and the day's bookkeeping stay in tg_export.c.
 */
#ifndef TG_EXPORT_INT_H
#define TG_EXPORT_INT_H

#include <stdbool.h>

#include "post/tg_export.h"

struct tg_export_ops {
	const char *name;
	/* opens the migration transaction and serialises migrators */
	const char *migrate_begin_sql;
	/* an SQL expression for "now" as ISO 8601 UTC text */
	const char *now_sql;
	int (*connect)(struct tg_export *x, const char *target);
	void (*disconnect)(struct tg_export *x);
	/* one or more statements without results; 0 or -EIO */
	int (*exec)(struct tg_export *x, const char *sql);
	/* one integer from a one-row query; 0 or -EIO */
	int (*query_int)(struct tg_export *x, const char *sql, int64_t *v);
	/* after migration: prepare what the day needs */
	int (*prepare)(struct tg_export *x);
	/* BEGIN, then delete x->date_s's rows */
	int (*begin)(struct tg_export *x);
	int (*trade)(struct tg_export *x, const struct tg_settle_row *r);
	int (*position)(struct tg_export *x, const struct tg_clear_position *p);
	int (*balance)(struct tg_export *x, const struct tg_clear_balance *b);
	int (*commit)(struct tg_export *x);
	void (*rollback)(struct tg_export *x);
};

struct tg_export {
	const struct tg_export_ops *ops;
	void *db;			/* the backend's */
	int version;
	uint32_t date;
	char date_s[11];		/* YYYY-MM-DD */
	bool in_day;
	int day_err;
	uint64_t day_trades, day_positions, day_balances;
	struct tg_export_stats st;
	char err[256];
};

extern const struct tg_export_ops tg_export_sqlite_ops;
extern const struct tg_export_ops tg_export_pg_ops;

/* Record the database's message in x->err (trailing line end trimmed). */
void tg_export_set_error(struct tg_export *x, const char *what, const char *msg);

#endif /* TG_EXPORT_INT_H */
