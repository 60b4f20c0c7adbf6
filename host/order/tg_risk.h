/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pre-trade risk: limits per firm and per account, the exposure they are
 * checked against (positions and open orders per stock, executed and open
 * notional, an order-rate token bucket), restricted stocks and kill
 * switches. docs/order-path.md lists the keys, units and reason codes.
 *
 * Every check and every update depends only on its arguments, including
 * the input timestamp the throttle runs on: risk is as deterministic as
 * the matching. Money is kept in p4 units (1/10000 dollar) times shares.
 */
#ifndef TG_RISK_H
#define TG_RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The limit keys, as written in the configuration and in SET_LIMIT. */
enum tg_risk_key {
	TG_RISK_MAX_ORDER_SHARES,	/* shares per order */
	TG_RISK_MAX_ORDER_NOTIONAL,	/* dollars per order */
	TG_RISK_COLLAR_PCT,		/* percent beyond the reference price */
	TG_RISK_MAX_POSITION,		/* shares, |position| per stock with open orders */
	TG_RISK_MAX_DAILY_NOTIONAL,	/* dollars executed + open, per day */
	TG_RISK_MAX_ORDERS_PER_SEC,	/* orders and replaces per second */
	TG_RISK_STP,			/* self-trade prevention: 0 off, 1 account, 2 firm */
	TG_RISK_NKEYS
};

#define TG_RISK_NO_LIMIT	(-1)
#define TG_RISK_STP_OFF		0
#define TG_RISK_STP_ACCOUNT	1
#define TG_RISK_STP_FIRM	2

/* Reject reason codes (OUCH 'J'); docs/order-path.md has the full list. */
#define TG_RISK_R_KILLED	'a'	/* OUCH: Reject All enabled */
#define TG_RISK_R_RESTRICTED	'c'	/* OUCH: restricted symbol list */
#define TG_RISK_R_THROTTLE	'F'	/* tickgate: order rate above max_orders_per_sec */
#define TG_RISK_R_SHARES	'Z'	/* OUCH: shares exceed the safety threshold */
#define TG_RISK_R_NOTIONAL	'n'	/* OUCH: exceeded dollar value limit */
#define TG_RISK_R_COLLAR	'K'	/* tickgate: price outside the collar */
#define TG_RISK_R_POSITION	'm'	/* OUCH: exceeded shares limit */
#define TG_RISK_R_DAILY		'V'	/* tickgate: daily notional limit */

/* Sentinel limit price of a market order (OUCH price 214748.3647). */
#define TG_RISK_MARKET		0x7FFFFFFFu

struct tg_risk;

/* Exposure of one account or firm in one stock. */
struct tg_risk_pos {
	int64_t position;	/* shares bought - shares sold */
	uint64_t open_buy;	/* shares of resting buy orders */
	uint64_t open_sell;
};

/* A new order (or a replace) to check. */
struct tg_risk_order {
	uint64_t ts;		/* input time, ns: the throttle's clock */
	uint32_t shares;
	uint32_t price;		/* p4, or TG_RISK_MARKET */
	uint32_t ref_price;	/* collar reference for this side, p4; 0 = none */
	uint16_t stock;
	uint16_t account;
	uint16_t firm;
	uint8_t buy;
	uint8_t replace;	/* 1: replaces an order of old_shares at old_price */
	uint32_t old_shares;
	uint32_t old_price;
};

/*
 * Risk state for naccounts accounts, nfirms firms and max_stocks stocks,
 * every limit "none"; prefault as in tg_order_mem.h. NULL if memory is
 * short.
 */
struct tg_risk *tg_risk_new(unsigned naccounts, unsigned nfirms, uint32_t max_stocks,
			    bool prefault);
void tg_risk_free(struct tg_risk *r);

/* Name of key k ("max_order_shares" ...), and the key of a name or -1. */
const char *tg_risk_key_name(enum tg_risk_key k);
int tg_risk_key_find(const char *name);

/*
 * Set a limit of account a (firm 0) or firm a (firm 1) at time ts; value
 * TG_RISK_NO_LIMIT removes it. 0, or -EINVAL for a value out of range.
 */
int tg_risk_set(struct tg_risk *r, int firm, unsigned a, enum tg_risk_key k,
		int64_t value, uint64_t ts);
/* Whether tg_risk_set() would take value for k: 0 or -EINVAL. */
int tg_risk_value_ok(enum tg_risk_key k, int64_t value);
int64_t tg_risk_get(const struct tg_risk *r, int firm, unsigned a, enum tg_risk_key k);

/* Restrict (on) or free a stock for an account, a firm, or everyone (a < 0). */
void tg_risk_restrict(struct tg_risk *r, int firm, int a, uint16_t stock, bool on);
bool tg_risk_restricted(const struct tg_risk *r, int firm, int a, uint16_t stock);

/* Kill switches: account, firm (firm 1), or all (a < 0). */
void tg_risk_kill(struct tg_risk *r, int firm, int a, bool on);
bool tg_risk_killed(const struct tg_risk *r, uint16_t account, uint16_t firm);

/*
 * All checks of a new order or replace, in the documented order: 0 when
 * it may go on, else the reject reason. A pass takes one token from the
 * throttle buckets; nothing else changes.
 */
char tg_risk_check(struct tg_risk *r, const struct tg_risk_order *o);

/*
 * Protective limit of a market order: the collar bound around ref (a buy
 * trades at most there, a sell at least). false when no collar applies.
 */
bool tg_risk_market_limit(const struct tg_risk *r, uint16_t account, uint16_t firm,
			  int buy, uint32_t ref, uint32_t *limit);

/* Self-trade prevention level for an incoming order of account and firm. */
uint8_t tg_risk_stp(const struct tg_risk *r, uint16_t account, uint16_t firm);

/* ---- exposure, kept from what the engine does ---- */

/* Start loading the exposure of account and firm in stock. */
void tg_risk_prefetch(const struct tg_risk *r, uint16_t account, uint16_t firm,
		      uint16_t stock);

/* shares at price start (+) or stop (-) resting. */
void tg_risk_open(struct tg_risk *r, uint16_t account, uint16_t firm, uint16_t stock,
		  int buy, uint32_t shares, uint32_t price);
void tg_risk_close(struct tg_risk *r, uint16_t account, uint16_t firm, uint16_t stock,
		   int buy, uint32_t shares, uint32_t price);
/*
 * An execution of shares at exec_price. resting: the order was resting at
 * limit price (its open exposure goes down); else it was the incoming one.
 */
void tg_risk_fill(struct tg_risk *r, uint16_t account, uint16_t firm, uint16_t stock,
		  int buy, uint32_t shares, uint32_t exec_price, int resting,
		  uint32_t limit);

/* Exposure of account a (firm 0) or firm a (firm 1) in a stock. */
const struct tg_risk_pos *tg_risk_pos(const struct tg_risk *r, int firm, unsigned a,
				      uint16_t stock);
/* Executed and open notional (p4 * shares) of account or firm a. */
void tg_risk_notional(const struct tg_risk *r, int firm, unsigned a,
		      uint64_t *executed, uint64_t *open);

/* Fold the whole risk state into h (for tg_engine_digest); stocks in use. */
uint64_t tg_risk_digest(const struct tg_risk *r, uint64_t h, uint32_t nstocks);

#endif /* TG_RISK_H */
