/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Output of `tickgate book`: the JSON object that scripts and tests read,
 * and a price ladder for people.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "book/tg_book.h"

/* A JSON string; symbols are letters in practice, bad bytes are escaped. */
static void
tg_book_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Levels of one side, best first; depth 0 means all of them. */
static struct tg_book_level *
tg_book_get_side(const struct tg_book *b, uint16_t locate,
		 enum tg_book_side side, unsigned depth, unsigned *n)
{
	unsigned have = tg_book_depth(b, locate, side);
	struct tg_book_level *lv;

	if (depth == 0 || depth > have)
		depth = have;
	lv = malloc((depth ? depth : 1) * sizeof(*lv));
	if (!lv)
		return NULL;
	*n = tg_book_levels(b, locate, side, depth, lv);
	return lv;
}

/* The one-line JSON object that `tickgate book --format json` prints. */
int
tg_book_print_json(FILE *f, const struct tg_book *b, uint16_t locate,
		   unsigned depth)
{
	struct tg_book_stock_info info;
	struct tg_book_level *lv;
	unsigned n;

	tg_book_stock_info(b, locate, &info);
	fputs("{\"stock\":", f);
	tg_book_json_string(f, info.symbol);
	for (int side = TG_BOOK_BID; side <= TG_BOOK_ASK; side++) {
		lv = tg_book_get_side(b, locate, side, depth, &n);
		if (!lv)
			return -1;
		fputs(side == TG_BOOK_BID ? ",\"bids\":[" : "],\"asks\":[", f);
		for (unsigned k = 0; k < n; k++)
			fprintf(f, "%s[%" PRIu32 ",%" PRIu64 ",%" PRIu32 "]",
				k ? "," : "", lv[k].price, lv[k].shares,
				lv[k].orders);
		free(lv);
	}
	fputs("]}\n", f);
	return ferror(f) ? -1 : 0;
}

/* A p4 price as dollars with four decimals. */
static void
tg_book_fmt_price(char *buf, size_t n, uint32_t p)
{
	snprintf(buf, n, "%" PRIu32 ".%04" PRIu32, p / 10000, p % 10000);
}

/*
 * Bids on the left, asks on the right, best on the first row, then the
 * stock's state and last trade underneath.
 */
int
tg_book_print_text(FILE *f, const struct tg_book *b, uint16_t locate,
		   unsigned depth)
{
	struct tg_book_stock_info info;
	struct tg_book_level *bid, *ask;
	unsigned nb, na;
	char pb[24], pa[24];

	tg_book_stock_info(b, locate, &info);
	bid = tg_book_get_side(b, locate, TG_BOOK_BID, depth, &nb);
	ask = tg_book_get_side(b, locate, TG_BOOK_ASK, depth, &na);
	if (!bid || !ask) {
		free(bid);
		free(ask);
		return -1;
	}
	fprintf(f, "%s (locate %u) state %c, %u orders, %u bid / %u ask levels\n",
		info.symbol[0] ? info.symbol : "?", locate,
		info.trading_state ? info.trading_state : '?', info.orders,
		info.bid_levels, info.ask_levels);
	fprintf(f, "%7s %12s %12s | %-12s %12s %7s\n",
		"orders", "shares", "bid", "ask", "shares", "orders");
	for (unsigned k = 0; k < nb || k < na; k++) {
		if (k < nb) {
			tg_book_fmt_price(pb, sizeof(pb), bid[k].price);
			fprintf(f, "%7" PRIu32 " %12" PRIu64 " %12s | ",
				bid[k].orders, bid[k].shares, pb);
		} else {
			fprintf(f, "%7s %12s %12s | ", "", "", "");
		}
		if (k < na) {
			tg_book_fmt_price(pa, sizeof(pa), ask[k].price);
			fprintf(f, "%-12s %12" PRIu64 " %7" PRIu32 "\n",
				pa, ask[k].shares, ask[k].orders);
		} else {
			fputc('\n', f);
		}
	}
	if (info.trades) {
		tg_book_fmt_price(pb, sizeof(pb), info.last_price);
		fprintf(f, "last %s x %" PRIu64 ", volume %" PRIu64 " in %" PRIu64
			" trades\n", pb, info.last_shares, info.volume, info.trades);
	}
	free(bid);
	free(ask);
	return ferror(f) ? -1 : 0;
}
