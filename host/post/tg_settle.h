/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * End-of-day settlement: the settlement file (design.md's contract), its
 * checks, and the reconciliation of a file against a fill stream.
 *
 * The file is CSV with the header TG_SETTLE_HEADER and one row per side of
 * each execution, in match-number order, the buy side before the sell
 * side. trade_date is YYYY-MM-DD; side is B or S; quantity and
 * match_number are integers; price, gross, fees and net are dollars with
 * exactly 4 decimals; gross = quantity x price; net is what the account
 * receives: gross - fees for a sale, -gross - fees for a purchase. A name
 * holding a comma or a double quote is quoted as RFC 4180 says. Lines end
 * in LF (CRLF is accepted on reading).
 *
 * Over a whole day (every firm), the file reconciles: for each stock the
 * shares bought equal the shares sold, and the net cash of all accounts
 * sums to minus the fees collected.
 */
#ifndef TG_SETTLE_H
#define TG_SETTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "post/tg_clear.h"

#define TG_SETTLE_HEADER \
	"trade_date,firm,account,stock,side,quantity,price,gross,fees,net,match_number"
#define TG_SETTLE_LINE_MAX	320	/* the longest row, quoting included */

/* One row: one side of one execution. */
struct tg_settle_row {
	uint32_t trade_date;		/* YYYYMMDD */
	char firm[TG_CLEAR_NAME_MAX];
	char account[TG_CLEAR_NAME_MAX];
	char stock[TG_CLEAR_STOCK_MAX];
	char side;			/* 'B' or 'S' */
	uint32_t quantity;
	uint32_t price;			/* p4 */
	int64_t gross, fees, net;	/* 1e-4 $ */
	uint64_t match;
};

/* "YYYY-MM-DD" (a real calendar day, years 1970-9999) <-> YYYYMMDD. */
int tg_settle_date_parse(const char *s, uint32_t *date);
int tg_settle_date_format(uint32_t date, char buf[11]);

/*
 * The two rows (buy, sell) of a fill that c booked with result r (as
 * tg_clear_fill returned it).
 */
void tg_settle_rows(const struct tg_clear *c, uint32_t date,
		    const struct tg_engine_fill *f, const struct tg_clear_result *r,
		    struct tg_settle_row rows[2]);

/* One CSV line, LF included; returns its length or -ENOSPC. */
int tg_settle_format(const struct tg_settle_row *r, char *buf, size_t len);
/*
 * Parse one line (without its line end) strictly: every field present
 * and in the contract's format. 0, or -EINVAL with the reason in err.
 */
int tg_settle_parse(const char *line, struct tg_settle_row *r,
		    char *err, size_t errlen);

/* What a file adds up to. */
struct tg_settle_totals {
	uint64_t rows, buys, sells;
	int64_t shares_bought, shares_sold;
	int64_t gross_bought, gross_sold;
	int64_t fees, net;
	unsigned stocks;		/* distinct stocks */
	unsigned unbalanced;		/* stocks whose shares bought != sold */
	uint64_t bad_rows;		/* tg_settle_check: rows with a break */
	bool reconciles;		/* unbalanced == 0 && net == -fees && !bad_rows */
};

/*
 * Writing a settlement file: rows go to PATH.tmp, and close renames it to
 * PATH once everything is written and synced, so a reader never sees half
 * a file. path "-" writes to standard output. With firm set, only that
 * firm's rows are written (a per-firm file; its totals need not balance).
 */
struct tg_settle_writer;
int tg_settle_writer_open(const char *path, const char *firm,
			  struct tg_settle_writer **out);
int tg_settle_writer_add(struct tg_settle_writer *w, const struct tg_settle_row *r);
/*
 * Finish the file and free w; t (may be NULL) gets the totals. 0, -EPROTO
 * when a whole-day file does not reconcile (the file is still written),
 * or -errno from the file system (the file is removed).
 */
int tg_settle_writer_close(struct tg_settle_writer *w, struct tg_settle_totals *t);
/* Drop the file being written and free w. */
void tg_settle_writer_abort(struct tg_settle_writer *w);

/* ---- breaks: what checks and reconciliation find ---- */

enum tg_settle_break_kind {
	TG_SETTLE_MISSING = 1,	/* a fill side with no row in the file */
	TG_SETTLE_EXTRA,	/* a row no fill side accounts for */
	TG_SETTLE_CHANGED,	/* a field differs from the fill's (one break per field) */
	TG_SETTLE_DUPLICATE,	/* another row for a (match, side) already in the file */
	TG_SETTLE_MALFORMED,	/* a line that does not parse */
	TG_SETTLE_ARITHMETIC,	/* gross != quantity x price, or net != +-gross - fees */
	TG_SETTLE_ORDER,	/* a row out of match-number (buy, sell) order */
};

struct tg_settle_break {
	enum tg_settle_break_kind kind;
	uint64_t match;
	char side;
	unsigned long line;	/* line in the file (1 = header), 0 = not in it */
	const char *field;	/* CHANGED, ARITHMETIC: the column */
	char expected[64];	/* CHANGED, ARITHMETIC: as the file would spell it */
	char found[96];		/* CHANGED, ARITHMETIC: the file's; MALFORMED: why */
};

typedef void (*tg_settle_break_fn)(void *ctx, const struct tg_settle_break *b);

const char *tg_settle_break_kind_name(enum tg_settle_break_kind k);
/* One line of text for a break (no line end); returns snprintf's value. */
int tg_settle_break_format(const struct tg_settle_break *b, char *buf, size_t len);

/*
 * Check a file on its own: the header, every row's format and
 * arithmetic, the order, and the totals (t). Each bad row is a break for
 * fn (may be NULL). 0 when the file could be read (look at t->reconciles),
 * -EBADMSG when the header is not the contract's (err says so), -errno.
 */
int tg_settle_check(const char *path, struct tg_settle_totals *t,
		    tg_settle_break_fn fn, void *ctx, char *err, size_t errlen);

/*
 * Reconciliation of a file against the fills that should have produced
 * it. Open reads the whole file (reporting malformed and duplicate rows
 * at once); then every expected row or fill is compared with the file's
 * row for the same (match number, side); finish reports the file's rows
 * nothing claimed. With firm set, expected rows of other firms are
 * skipped (a per-firm file).
 */
struct tg_settle_recon;

struct tg_settle_recon_stats {
	uint64_t file_rows;		/* rows that parsed */
	uint64_t expected;		/* rows compared */
	uint64_t matched;		/* identical in every field */
	uint64_t missing, extra, changed_rows, changed_fields, duplicate, malformed;
	uint64_t breaks;		/* every break reported */
};

int tg_settle_recon_open(const char *path, const char *firm,
			 tg_settle_break_fn fn, void *ctx,
			 struct tg_settle_recon **out, char *err, size_t errlen);
/* Compare one expected row. 0 or -ENOMEM. */
int tg_settle_recon_row(struct tg_settle_recon *r, const struct tg_settle_row *expected);
/*
 * Book f in c (a clearing set up like the live one: same users, same
 * fees) and compare both its rows. 0, or tg_clear_fill's refusal (nothing
 * compared: the live clearing refused the same fill).
 */
int tg_settle_recon_fill(struct tg_settle_recon *r, struct tg_clear *c,
			 uint32_t date, const struct tg_engine_fill *f);
/* Report EXTRA rows, fill s (may be NULL), free r. */
void tg_settle_recon_finish(struct tg_settle_recon *r, struct tg_settle_recon_stats *s);

#endif /* TG_SETTLE_H */
