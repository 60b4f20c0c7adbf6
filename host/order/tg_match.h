/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The books of the matching engine: one per stock, price-time priority.
 *
 * Orders live in a pool of 64-byte records allocated once; a resting
 * order is linked into its price level's FIFO (intrusive, by pool index).
 * Each side of a book is an array of its price levels (price, FIFO ends,
 * totals) sorted so that the best level is the last element (bids key on
 * the price, asks on ~price): the touch is one load, the levels that
 * change most are found by a short scan from the end, and adding or
 * removing a level moves only the better ones, so an order's hint of
 * where its level is stays right nearly always. Orders with a time in
 * force in seconds sit in an indexed min-heap on (expiry, order
 * reference), so expiry is deterministic and a canceled order leaves the
 * heap at once.
 *
 * tg_match knows nothing of OUCH, users or risk: the engine (tg_engine.c)
 * decides what trades and what to tell whom, through the callbacks of
 * tg_match_take() and tg_match_sweep(). One writer; nothing here locks.
 * The only allocation after tg_match_new() is doubling a side's level
 * array when that side has more levels than it ever had.
 */
#ifndef TG_MATCH_H
#define TG_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TG_MATCH_NONE		UINT32_MAX
#define TG_MATCH_TOKEN_LEN	14

/* order flags */
#define TG_MATCH_LIVE		0x01	/* resting in a book */

/* One order. Fields other than the links are the engine's to fill. */
struct tg_match_order {
	uint32_t next, prev;	/* FIFO of the price level, pool indexes */
	uint32_t price;		/* p4 */
	uint32_t open;		/* shares still open */
	uint64_t ref;		/* order reference number: also breaks expiry ties */
	uint32_t gen;		/* bumped whenever a token stops naming this slot */
	uint32_t heap;		/* position in the expiry heap, or TG_MATCH_NONE */
	uint32_t level;		/* hint: index of its level in the side array */
	uint16_t user;
	uint16_t account;
	uint16_t firm;
	uint16_t stock;
	char side;		/* 'B', or 'S' 'T' 'E' (all sells) */
	uint8_t flags;
	char display;
	char capacity;
	char ise;
	char cross_type;
	char token[TG_MATCH_TOKEN_LEN];
};
_Static_assert(sizeof(struct tg_match_order) == 64, "an order is one cache line");

/* One price level as tg_match_levels() reports it. */
struct tg_match_level_info {
	uint32_t price;
	uint32_t orders;
	uint64_t shares;
};

/*
 * The incoming side of a match. limit is the worst price it accepts:
 * for a buy the highest (UINT32_MAX: any), for a sell the lowest (0: any).
 * stp: 0 trades with anyone, 1 not with orders of the same account,
 * 2 not with orders of the same firm; those resting orders are handed to
 * the stp callback and removed instead of traded.
 */
struct tg_match_taker {
	uint32_t limit;
	uint32_t open;		/* in: shares to trade; out: shares left */
	uint16_t stock;
	uint16_t account;
	uint16_t firm;
	uint8_t buy;		/* 1 buy, 0 sell */
	uint8_t stp;
};

/*
 * What tg_match_take() reports, in book order. exec: resting order r
 * traded shares at price; r->open is already reduced, and when it reaches
 * 0 the order is removed from the book and its slot freed after exec
 * returns. stp: resting order r would have traded (prevented = the shares
 * that would have) and is removed after stp returns.
 */
struct tg_match_cb {
	void (*exec)(void *ctx, struct tg_match_order *r, uint32_t shares, uint32_t price);
	void (*stp)(void *ctx, struct tg_match_order *r, uint32_t prevented);
	void *ctx;
};

struct tg_match;

/*
 * All books for max_stocks stocks and a pool of max_orders orders;
 * prefault touches all of it now (tg_order_mem.h). NULL if memory is
 * short.
 */
struct tg_match *tg_match_new(uint32_t max_orders, uint32_t max_stocks, bool prefault);
void tg_match_free_all(struct tg_match *m);

/* The order in slot idx. */
struct tg_match_order *tg_match_order(struct tg_match *m, uint32_t idx);
const struct tg_match_order *tg_match_order_c(const struct tg_match *m, uint32_t idx);
uint32_t tg_match_index(const struct tg_match *m, const struct tg_match_order *o);

/* A free slot (fields zeroed but gen, which is bumped), or TG_MATCH_NONE. */
uint32_t tg_match_alloc(struct tg_match *m);
/* Give back a slot that is not in a book (never inserted, or unlinked). */
void tg_match_release(struct tg_match *m, uint32_t idx);
uint32_t tg_match_used(const struct tg_match *m);

/*
 * Rest order idx (stock, side, price and open set) at the back of its
 * price level. 0, or -ENOMEM when a side's level array cannot grow.
 */
int tg_match_insert(struct tg_match *m, uint32_t idx);
/*
 * Start loading what adding to or trading in stock's book reads first:
 * both sides' touch. prefetch_order: what changing resting order idx
 * reads (its level).
 */
void tg_match_prefetch(const struct tg_match *m, uint16_t stock);
void tg_match_prefetch_order(const struct tg_match *m, uint32_t idx);

/* Take a resting order out of its book (and the expiry heap); slot kept. */
void tg_match_unlink(struct tg_match *m, uint32_t idx);
/* Lower a resting order's open shares in place (0 < open < current). */
void tg_match_reduce(struct tg_match *m, uint32_t idx, uint32_t open);

/*
 * Would a taker at this limit meet any order on the other side? Does not
 * look at self-trade prevention.
 */
bool tg_match_crosses(const struct tg_match *m, const struct tg_match_taker *t);

/*
 * Shares a taker could trade now, counting only orders it would trade
 * with (not those self-trade prevention removes), stopping once need is
 * reached.
 */
uint64_t tg_match_available(const struct tg_match *m, const struct tg_match_taker *t,
			    uint64_t need);

/* Trade t against the book, best price first, then time. */
void tg_match_take(struct tg_match *m, struct tg_match_taker *t,
		   const struct tg_match_cb *cb);

/*
 * Every resting order of stock, bids best first then asks best first,
 * each level in time order: when pick says so, drop is called and the
 * order then removed and freed. pick NULL picks all.
 */
void tg_match_sweep(struct tg_match *m, uint16_t stock,
		    bool (*pick)(void *ctx, const struct tg_match_order *o),
		    void (*drop)(void *ctx, struct tg_match_order *o), void *ctx);

/* Visit every resting order of stock in the order tg_match_sweep() uses. */
void tg_match_walk(const struct tg_match *m, uint16_t stock,
		   void (*fn)(void *ctx, const struct tg_match_order *o), void *ctx);

/*
 * Up to n levels of one side of a stock (buy 1: bids), best first, after
 * skipping the skip best. Returns the number written.
 */
unsigned tg_match_levels(const struct tg_match *m, uint16_t stock, int buy,
			 unsigned skip, struct tg_match_level_info *lv, unsigned n);

/* ---- time in force ---- */

/* Expire resting order idx at time expiry (ns); replaces an earlier arming. */
void tg_match_arm(struct tg_match *m, uint32_t idx, uint64_t expiry);
/* Forget order idx's expiry (nothing if none was armed). */
void tg_match_disarm(struct tg_match *m, uint32_t idx);
/* Earliest expiry armed, or UINT64_MAX. */
uint64_t tg_match_next_expiry(const struct tg_match *m);
/* The order expiring first if it expires at or before ts, else TG_MATCH_NONE. */
uint32_t tg_match_expired(const struct tg_match *m, uint64_t ts);
/* Its expiry time (UINT64_MAX when not armed). */
uint64_t tg_match_expiry(const struct tg_match *m, uint32_t idx);

#endif /* TG_MATCH_H */
