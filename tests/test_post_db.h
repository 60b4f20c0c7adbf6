/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Post-trade database tests: exporting a cleared day, and reading a
 * table back as sorted text rows to compare databases with each other
 * and with what was sent.
 */
#ifndef TEST_POST_DB_H
#define TEST_POST_DB_H

#include <stddef.h>

#include "post/tg_export.h"
#include "test_post_util.h"

#define TP_SEP	"\x1f"	/* column separator of text rows */

/* tp_users with names that need escaping in CSV and in COPY */
extern const struct tg_clear_user tp_odd_users[TP_USERS];

/*
 * Clear fills with users (fees as test_post_db.c sets) and export the day
 * to x in one transaction. *rows (malloc'd, 2n) gets the settlement rows
 * sent. Returns the clearing (tg_clear_free it).
 */
struct tg_clear *tp_export_day(struct tg_export *x, uint32_t date,
			       const struct tg_clear_user *users,
			       const struct tg_engine_fill *fs, unsigned n,
			       struct tg_settle_row **rows);

/* A settlement row as the text row the trades query gives. */
void tp_trade_text(const struct tg_settle_row *r, char *buf, size_t len);

/* The queries, with the date column spelled per database ("%s"). */
#define TP_Q_TRADES "SELECT %s, match_number, side, firm, account, stock, quantity, " \
	"price_p4, gross_p4, fees_p4, net_p4 FROM trades"
#define TP_Q_POSITIONS "SELECT %s, firm, account, stock, shares, cost_p4, mark_p4, " \
	"realised_p4, unrealised_p4, bought, sold, buy_notional_p4, sell_notional_p4, " \
	"fees_p4, fills FROM positions"
#define TP_Q_BALANCES "SELECT %s, firm, account, cash_p4, fees_p4, realised_p4, " \
	"unrealised_p4, bought_notional_p4, sold_notional_p4, bought_shares, sold_shares, " \
	"fills FROM balances"

/* Rows of a query on a SQLite file, each as columns joined by TP_SEP, sorted. */
char **tp_sqlite_rows(const char *path, const char *sql, size_t *n);
/* One integer from a query on a SQLite file. */
long long tp_sqlite_int(const char *path, const char *sql);
void tp_free_rows(char **v, size_t n);
int tp_strcmp(const void *a, const void *b);

#endif /* TEST_POST_DB_H */
