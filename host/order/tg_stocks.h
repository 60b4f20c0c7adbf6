/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's stocks: symbol to index (the index of the stock's book in
 * tg_match and of its exposure in tg_risk), and what the feed said about
 * each (reference prices, trading state). Indexes are handed out in the
 * order stocks are first named: the configuration's list, then orders,
 * market data and control actions as they come, so they are as
 * deterministic as the inputs.
 */
#ifndef TG_STOCKS_H
#define TG_STOCKS_H

#include <stdbool.h>
#include <stdint.h>

#define TG_STOCKS_SYM_LEN	8

struct tg_stock {
	char sym[TG_STOCKS_SYM_LEN];	/* space padded, as on the wire */
	char state;			/* ITCH trading state: 'T' 'H' 'P' 'Q' */
	uint32_t bid, ask;		/* feed's best bid / offer, p4; 0 none */
	uint32_t last;			/* feed's last trade, p4; 0 none */
	uint32_t own_last;		/* this engine's last execution, p4; 0 none */
};

struct tg_stocks;

struct tg_stocks *tg_stocks_new(uint32_t max_stocks);
void tg_stocks_free(struct tg_stocks *s);

/*
 * A valid symbol: 1 to 8 of A-Z 0-9 . / - (what exchanges list), left
 * justified, space padded.
 */
bool tg_stocks_valid(const char sym[TG_STOCKS_SYM_LEN]);

/* Index of sym, or -1. */
int tg_stocks_find(const struct tg_stocks *s, const char sym[TG_STOCKS_SYM_LEN]);
/* Index of sym, added (state 'T', no prices) if new; -ENOSPC when full. */
int tg_stocks_add(struct tg_stocks *s, const char sym[TG_STOCKS_SYM_LEN]);

struct tg_stock *tg_stocks_get(struct tg_stocks *s, uint32_t idx);
const struct tg_stock *tg_stocks_get_c(const struct tg_stocks *s, uint32_t idx);
uint32_t tg_stocks_count(const struct tg_stocks *s);
uint32_t tg_stocks_capacity(const struct tg_stocks *s);

#endif /* TG_STOCKS_H */
