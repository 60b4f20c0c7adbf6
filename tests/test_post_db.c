/* SPDX-License-Identifier: BSD-3-Clause */
/* Post-trade database tests: export a day, read tables back (test_post_db.h). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "test_post_db.h"

const struct tg_clear_user tp_odd_users[TP_USERS] = {
	{ "alice", "ACME", "alice", "alice" },
	{ "bob", "ACME", "bob", "bob" },
	{ "bob2", "ACME", "bob", "bob" },
	{ "carol", "ACME", "house\\desk", "acme" },	/* a backslash */
	{ "dave", "BETA, Inc.", "dave", "dave" },	/* a comma */
	{ "erin", "BETA, Inc.", "erin\t2", "erin" },	/* a tab */
	{ "erin2", "BETA, Inc.", "erin\t2", "erin" },
	{ "frank", "GAMMA", "frank \"f\"", "frank" },	/* quotes */
	{ "grace", "GAMMA", "gr\xc3\xa2" "ce", "grace" },	/* UTF-8 */
	{ "heidi", "GAMMA", "house\\desk", "gamma" },
};

static const struct tg_clear_fees fees = {
	.maker_per_share = -2000, .taker_per_share = 3000, .taker_bps = 700,
	.commission_per_share = 350, .commission_min = 3500,
	.sell_tax_bps = 2780, .transfer_per_fill = 133,
};

struct tg_clear *
tp_export_day(struct tg_export *x, uint32_t date, const struct tg_clear_user *users,
	      const struct tg_engine_fill *fs, unsigned n, struct tg_settle_row **rows)
{
	struct tg_clear *c;
	struct tg_clear_result r;
	struct tg_settle_row *out = calloc(2 * (size_t)n + 1, sizeof(*out));
	char err[160];

	cr_assert(out);
	cr_assert_eq(tg_clear_new(users, TP_USERS, NULL, &c, err, sizeof(err)), 0, "%s", err);
	tg_clear_set_fees(c, NULL, &fees);
	cr_assert_eq(tg_export_begin(x, date), 0, "%s", tg_export_error(x));
	for (unsigned i = 0; i < n; i++) {
		cr_assert_eq(tg_clear_fill(c, &fs[i], &r), 0);
		/* a few feed marks so unrealised P&L is not just the last fill */
		if (i % 97 == 0)
			tg_clear_mark(c, fs[i].stock, fs[i].price + 13);
		tg_settle_rows(c, date, &fs[i], &r, &out[2 * i]);
		cr_assert_eq(tg_export_trade(x, &out[2 * i]), 0, "%s", tg_export_error(x));
		cr_assert_eq(tg_export_trade(x, &out[2 * i + 1]), 0, "%s", tg_export_error(x));
	}
	cr_assert_eq(tg_export_clear_state(x, c), 0, "%s", tg_export_error(x));
	cr_assert_eq(tg_export_commit(x), 0, "%s", tg_export_error(x));
	if (rows)
		*rows = out;
	else
		free(out);
	return c;
}

void
tp_trade_text(const struct tg_settle_row *r, char *buf, size_t len)
{
	char d[11];

	tg_settle_date_format(r->trade_date, d);
	snprintf(buf, len, "%s" TP_SEP "%" PRIu64 TP_SEP "%c" TP_SEP "%s" TP_SEP "%s" TP_SEP
		 "%s" TP_SEP "%u" TP_SEP "%u" TP_SEP "%" PRId64 TP_SEP "%" PRId64 TP_SEP
		 "%" PRId64, d, r->match, r->side, r->firm, r->account, r->stock,
		 r->quantity, r->price, r->gross, r->fees, r->net);
}

int
tp_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
tp_sqlite_rows(const char *path, const char *sql, size_t *n)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char **v = NULL;
	size_t k = 0;

	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
		     "%s: %s", sql, sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *row = NULL;
		size_t cap = 0;
		FILE *m = open_memstream(&row, &cap);
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			fprintf(m, "%s%s", i ? TP_SEP : "", t ? (const char *)t : "NULL");
		}
		fclose(m);
		v = realloc(v, (k + 1) * sizeof(*v));
		v[k++] = row;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	qsort(v, k, sizeof(*v), tp_strcmp);
	*n = k;
	return v;
}

long long
tp_sqlite_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v;

	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
		     "%s: %s", sql, sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

void
tp_free_rows(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
