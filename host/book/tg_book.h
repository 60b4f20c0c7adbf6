/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full-depth (L3) order books for every stock of an ITCH 5.0 feed, built
 * from the card's event records (drivers/tg_card_abi.h, struct tg_event).
 *
 * One writer owns a book: nothing here locks. tg_book_apply() is the hot
 * path; it never allocates except to double a stock's price-level array
 * when that side gains more levels than it has ever had (rare, see
 * docs/books.md). Bad input (unknown order references, over-executions,
 * stocks without a directory entry ...) is counted per reason in
 * tg_book_stats() and skipped; it never stops the book.
 */
#ifndef TG_BOOK_H
#define TG_BOOK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tg_card_abi.h"
#include "tg_itch.h"

struct tg_book;

/* Sizing, fixed when the book is created. Zero fields take the default. */
struct tg_book_config {
	uint32_t max_orders;	/* resting orders the order table holds (default 1 << 20) */
	uint32_t levels_hint;	/* initial price levels per stock and side (default 16) */
	int scatter_refs;	/* hash order references (feeds that do not number
				 * orders in sequence); default: low bits as slot */
};

enum tg_book_side {
	TG_BOOK_BID = 0,
	TG_BOOK_ASK = 1,
};

/* Why a message (or part of it) could not be applied. */
enum tg_book_err {
	TG_BOOK_ERR_UNKNOWN_ORDER,	/* E C X D U name an order that is not resting */
	TG_BOOK_ERR_OVER_EXECUTION,	/* E C execute more than rests: the order is removed */
	TG_BOOK_ERR_OVER_CANCEL,	/* X cancels more than rests: the order is removed */
	TG_BOOK_ERR_DUPLICATE_ORDER,	/* A F U add a reference already resting: add ignored */
	TG_BOOK_ERR_NO_DIRECTORY,	/* a stock message whose stock_locate had no 'R' */
	TG_BOOK_ERR_BAD_SIDE,		/* A F P side neither 'B' nor 'S': add ignored */
	TG_BOOK_ERR_TABLE_FULL,		/* add refused: max_orders orders rest */
	TG_BOOK_ERR_NO_MEMORY,		/* add refused: a level array could not grow */
	TG_BOOK_ERR_BAD_RECORD,		/* record kind or message type unknown */
	TG_BOOK_ERR_NUM
};

struct tg_book_stats {
	uint64_t records;		/* records given to tg_book_apply */
	uint64_t messages;		/* TG_EV_MSG records */
	uint64_t msg_type[TG_ITCH_NTYPES];	/* by index in tg_itch_types */
	uint64_t gaps;			/* TG_EV_GAP records: the book may be wrong since */
	uint64_t gap_messages;		/* messages those gaps lost */
	uint64_t end_of_session;	/* TG_EV_EOS records */
	uint64_t orders;		/* resting orders now */
	uint64_t peak_orders;
	uint64_t levels;		/* price levels now, every stock and side */
	uint64_t peak_levels;
	uint64_t level_grows;		/* level arrays doubled */
	uint64_t stocks;		/* stock_locates with a directory entry */
	uint64_t err[TG_BOOK_ERR_NUM];
};

/* One price level, as tg_book_levels() reports it. */
struct tg_book_level {
	uint32_t price;			/* raw p4 */
	uint32_t orders;
	uint64_t shares;
};

struct tg_book_bbo {
	struct tg_book_level bid;	/* orders = 0: no bid */
	struct tg_book_level ask;	/* orders = 0: no offer */
};

/* What the feed said about one stock, besides its orders. */
struct tg_book_stock_info {
	char symbol[9];			/* right-trimmed, NUL-terminated; "" if unknown */
	uint8_t has_directory;		/* an 'R' was seen for this locate */
	char market_category;		/* 'R' fields, 0 until seen */
	char financial_status;
	uint32_t round_lot_size;
	char round_lots_only;
	char trading_state;		/* 'H': H halted, P paused, Q quote only, T trading; 0 unknown */
	char trading_reason[5];		/* 'H' reason, right-trimmed */
	char reg_sho_action;		/* 'Y': '0', '1', '2'; 0 unknown */
	char halt_market_code;		/* last 'h': market code (Q, B, X) */
	char halt_action;		/* last 'h': 'H' halted, 'T' trading resumed */
	uint32_t last_price;		/* last printed trade (E, printable C, P, Q) */
	uint64_t last_shares;
	uint64_t last_ts;		/* its timestamp, 0 if none */
	uint64_t volume;		/* printed shares */
	uint64_t trades;		/* printed trades */
	uint64_t broken_trades;		/* 'B' */
	uint32_t orders;		/* resting orders */
	uint32_t bid_levels;
	uint32_t ask_levels;
};

/* Create an empty book, or NULL if memory is short. */
struct tg_book *tg_book_new(const struct tg_book_config *cfg);
void tg_book_free(struct tg_book *book);

/* Empty the book and its counters, keeping its memory (a new session). */
void tg_book_clear(struct tg_book *book);

/* Apply one record (any kind; non-MSG records only count). */
void tg_book_apply(struct tg_book *book, const struct tg_event *ev);

/* Apply n records in order; prefetches the order table ahead. */
void tg_book_apply_burst(struct tg_book *book, const struct tg_event *ev, size_t n);

/* stock_locate of a symbol (right-trimmed compare), or -1. */
int tg_book_find_stock(const struct tg_book *book, const char *symbol);

/*
 * Up to depth levels of one side, best first, into out. Returns how many.
 */
unsigned tg_book_levels(const struct tg_book *book, uint16_t locate,
			enum tg_book_side side, unsigned depth,
			struct tg_book_level *out);

/* Number of price levels on one side. */
unsigned tg_book_depth(const struct tg_book *book, uint16_t locate,
		       enum tg_book_side side);

/* Best bid and offer of a stock. */
void tg_book_bbo(const struct tg_book *book, uint16_t locate,
		 struct tg_book_bbo *out);

void tg_book_stock_info(const struct tg_book *book, uint16_t locate,
			struct tg_book_stock_info *out);

/* Copy of the counters. */
void tg_book_stats(const struct tg_book *book, struct tg_book_stats *out);

/* Name of an error reason ("unknown_order", ...). */
const char *tg_book_err_name(enum tg_book_err err);

/* Last system event code ('S'), 0 if none yet. */
char tg_book_system_event(const struct tg_book *book);

/*
 * Print one stock's book for `tickgate book`: JSON is exactly
 * {"stock":"AAPL","bids":[[price,shares,orders],...],"asks":[...]}
 * then a newline, prices raw, best first; text is a ladder for people.
 * depth 0 prints every level. Return 0, or -1 on an output error.
 */
int tg_book_print_json(FILE *f, const struct tg_book *book, uint16_t locate,
		       unsigned depth);
int tg_book_print_text(FILE *f, const struct tg_book *book, uint16_t locate,
		       unsigned depth);

/*
 * Software form of the card's decode of one ITCH message (wire bytes,
 * big-endian) into a TG_EV_MSG record, per docs/card-interface.md
 * section 4: for offline tools, tests and benchmarks that start from
 * raw messages. Session, flags are 0. Returns 0, or -1 if the type is
 * unknown or len is not the type's length.
 */
int tg_book_event_from_msg(struct tg_event *ev, const uint8_t *msg,
			   size_t len, uint64_t seq);

#endif /* TG_BOOK_H */
