/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * T+0 clearing: every execution is booked the moment it happens, on both
 * sides. Per account and per firm it keeps positions (shares and cost
 * basis, so the average cost), cash, fees and realised P&L, and marks open
 * positions to the last trade price for unrealised P&L.
 *
 * Money is an int64 count of 1e-4 dollars (tg_money.h): results are exact
 * and the same in the live appliance and in a replay of its journal. The
 * identity realised + unrealised == cash + shares x mark holds exactly for
 * every account and every position; rounding (half away from zero) only
 * decides how a partial close splits the cost basis between realised and
 * still-open P&L, and how a fee rate is rounded to 1e-4 dollars.
 *
 * Input is the order engine's struct tg_engine_fill (one execution, both
 * sides by user index) and a user table that maps those indexes to
 * (firm, account, owner): build it with tg_clear_users_from_cfg() from the
 * same configuration as the engine, or fill it by hand.
 *
 * A clearing instance is single-writer (one lcore calls tg_clear_fill and
 * tg_clear_mark). tg_clear_risk_*() may be called from another lcore:
 * every figure they read is written atomically, but two figures are not a
 * snapshot of one instant. All other readers belong to the writer's lcore
 * or run after it stopped.
 */
#ifndef TG_CLEAR_H
#define TG_CLEAR_H

#include <stddef.h>
#include <stdint.h>

#include "order/tg_engine.h"

struct rte_cfgfile;
struct tg_clear;

#define TG_CLEAR_NAME_MAX	32	/* firm, account, owner: 31 chars and a NUL */
#define TG_CLEAR_STOCK_MAX	9	/* 8 chars, right-trimmed, and a NUL */

/* One login of the order path, at the engine's user index. */
struct tg_clear_user {
	char name[TG_CLEAR_NAME_MAX];		/* login (for messages only) */
	char firm[TG_CLEAR_NAME_MAX];
	char account[TG_CLEAR_NAME_MAX];	/* default: the login */
	char owner[TG_CLEAR_NAME_MAX];		/* beneficial owner; default: the account */
};

/*
 * The users of a configuration: every [user.NAME] section, in file order
 * (the order the engine numbers them), with firm, account and owner as
 * design.md defines them. *out is malloc'd (free() it). 0, or -EINVAL
 * with err naming the section and key.
 */
int tg_clear_users_from_cfg(struct rte_cfgfile *cfg, struct tg_clear_user **out,
			    unsigned *n, char *err, size_t errlen);

/*
 * A fee schedule. Positive amounts are charged to the account, negative
 * ones paid to it (rebates). In the configuration every rate is written
 * in dollars or basis points (docs/post-trade.md); here in integers.
 */
struct tg_clear_fees {
	int64_t maker_per_share;	/* 1e-6 $/share, liquidity 'A' */
	int64_t taker_per_share;	/* 1e-6 $/share, liquidity 'R' */
	int64_t maker_bps;		/* 1e-4 bp of notional, liquidity 'A' */
	int64_t taker_bps;		/* 1e-4 bp of notional, liquidity 'R' */
	int64_t commission_per_share;	/* 1e-6 $/share */
	int64_t commission_bps;		/* 1e-4 bp of notional */
	int64_t commission_min;		/* 1e-4 $ per fill side */
	int64_t sell_tax_per_share;	/* 1e-6 $/share, sell side only */
	int64_t sell_tax_bps;		/* 1e-4 bp of notional, sell side only */
	int64_t buy_tax_bps;		/* 1e-4 bp of notional, buy side only */
	int64_t transfer_per_fill;	/* 1e-4 $ per fill side */
};

/* What one side of one fill was charged, each part rounded once. */
struct tg_clear_fee_parts {
	int64_t exchange;	/* maker/taker: per share + per notional */
	int64_t commission;	/* per share + per notional, at least the minimum */
	int64_t tax;		/* sell (or buy) side tax */
	int64_t transfer;
	int64_t total;		/* the sum of the four */
};

/*
 * Overlay the keys present in [section] onto *f (keys absent keep their
 * value, so [fees.FIRM] can refine [fees]). An unknown key, a bad number,
 * too many decimals or a negative charge where only rebates may be
 * negative is -EINVAL with err naming section and key.
 */
int tg_clear_fees_parse(struct rte_cfgfile *cfg, const char *section,
			struct tg_clear_fees *f, char *err, size_t errlen);

/*
 * The fees of one side ('B' or 'S') of a fill of shares at price (p4)
 * with liquidity flag liq ('A' maker, anything else taker).
 */
void tg_clear_fee_calc(const struct tg_clear_fees *f, char side, char liq,
		       uint32_t shares, uint32_t price,
		       struct tg_clear_fee_parts *out);

struct tg_clear_params {
	unsigned max_stocks;		/* 0 = 16384 */
	unsigned max_positions;		/* (account, stock) pairs; 0 = 1 << 20 */
};

/*
 * A clearing instance for users[0..n_users) with an all-zero fee
 * schedule. Accounts are the distinct (firm, account) pairs, numbered in
 * order of first appearance; firms likewise. 0, -EINVAL (empty or too
 * long a name, with err) or -ENOMEM.
 */
int tg_clear_new(const struct tg_clear_user *users, unsigned n_users,
		 const struct tg_clear_params *p, struct tg_clear **out,
		 char *err, size_t errlen);
void tg_clear_free(struct tg_clear *c);

/*
 * Fees from the configuration: [fees] for everyone, then each
 * [fees.FIRM] over [fees] for that firm's accounts. A [fees.FIRM] of a
 * firm no user belongs to is -ENOENT. Call before the first fill.
 */
int tg_clear_configure(struct tg_clear *c, struct rte_cfgfile *cfg,
		       char *err, size_t errlen);
/* Set the schedule of one firm, or of every firm when firm is NULL. */
int tg_clear_set_fees(struct tg_clear *c, const char *firm,
		      const struct tg_clear_fees *f);

/* What a fill did to one side. */
struct tg_clear_side {
	unsigned account;
	int64_t gross;		/* shares x price, 1e-4 $ */
	int64_t net;		/* cash received (negative: paid), after fees */
	int64_t realised;	/* realised P&L of this side, fees included */
	struct tg_clear_fee_parts fees;
};

struct tg_clear_result {
	struct tg_clear_side buy, sell;
};

/*
 * Book one execution: the buy side, then the sell side (the same account
 * may be on both). r may be NULL. 0, or a counted refusal that changes
 * nothing: -ENOENT (a user outside the table), -EINVAL (no shares, price
 * 0 or notional beyond 2^62), -ENOSPC (stock or position table full).
 * No allocation, no syscall.
 */
int tg_clear_fill(struct tg_clear *c, const struct tg_engine_fill *f,
		  struct tg_clear_result *r);

/*
 * The feed's last trade price of stock (8 bytes, space or NUL padded),
 * p4; unrealised P&L is marked to it. Until a stock has one, its mark is
 * the price of its last fill here. 0 or -ENOSPC (stock table full),
 * -EINVAL (price 0).
 */
int tg_clear_mark(struct tg_clear *c, const char stock[TG_OUCH_STOCK_LEN],
		  uint32_t price);

/* ---- reading the state ---- */

unsigned tg_clear_accounts(const struct tg_clear *c);
unsigned tg_clear_firms(const struct tg_clear *c);
/* Account index of a user, or -ENOENT. */
int tg_clear_user_account(const struct tg_clear *c, unsigned user);
/* Account index of (firm, account), or -ENOENT. */
int tg_clear_account_find(const struct tg_clear *c, const char *firm,
			  const char *account);
int tg_clear_firm_find(const struct tg_clear *c, const char *firm);
/* Names of an account and of its firm (NULL when out of range). */
const char *tg_clear_account_name(const struct tg_clear *c, unsigned account);
const char *tg_clear_account_firm(const struct tg_clear *c, unsigned account);

/* Balances of an account, or the totals of a firm (account ""). */
struct tg_clear_balance {
	char firm[TG_CLEAR_NAME_MAX];
	char account[TG_CLEAR_NAME_MAX];
	int64_t cash;			/* sum of net: sells - buys - fees */
	int64_t fees;			/* sum of fees charged (rebates negative) */
	int64_t realised;		/* fees included */
	int64_t unrealised;		/* open positions at their marks */
	int64_t bought_notional;
	int64_t sold_notional;
	int64_t bought_shares;
	int64_t sold_shares;
	int64_t credit;			/* tg_clear_set_credit; 0 for a firm */
	int64_t buying_power;		/* as tg_clear_risk_buying_power */
	uint64_t fills;			/* fill sides booked */
};
int tg_clear_account_get(const struct tg_clear *c, unsigned account,
			 struct tg_clear_balance *b);
int tg_clear_firm_get(const struct tg_clear *c, unsigned firm,
		      struct tg_clear_balance *b);

/* One (account, stock) position; for a firm, the sum of its accounts'. */
struct tg_clear_position {
	char firm[TG_CLEAR_NAME_MAX];
	char account[TG_CLEAR_NAME_MAX];
	char stock[TG_CLEAR_STOCK_MAX];
	int64_t shares;			/* long > 0, short < 0 */
	int64_t cost;			/* cost basis of the open shares (short: negative) */
	int64_t avg_price;		/* cost / shares, p4, rounded; 0 when flat */
	uint32_t mark;			/* p4, 0 = none */
	int64_t realised;
	int64_t unrealised;		/* shares x mark - cost */
	int64_t bought, sold;		/* shares */
	int64_t buy_notional, sell_notional;
	int64_t fees;
	uint64_t fills;
};
/* 0, or -ENOENT when the account never traded the stock. */
int tg_clear_position_get(const struct tg_clear *c, unsigned account,
			  const char stock[TG_OUCH_STOCK_LEN],
			  struct tg_clear_position *p);
int tg_clear_firm_position(const struct tg_clear *c, unsigned firm,
			   const char stock[TG_OUCH_STOCK_LEN],
			   struct tg_clear_position *p);

/*
 * Call fn on every position, ordered by firm, account and stock name.
 * Stops and returns fn's value when it is not 0; -ENOMEM.
 */
int tg_clear_foreach_position(const struct tg_clear *c,
			      int (*fn)(void *ctx, const struct tg_clear_position *p),
			      void *ctx);

/* ---- for pre-trade risk (safe from another lcore, see above) ---- */

/* Signed shares the account holds in stock (0 if none). */
int64_t tg_clear_risk_shares(const struct tg_clear *c, unsigned account,
			     const char stock[TG_OUCH_STOCK_LEN]);
/*
 * credit + cash - the proceeds of open short sales (which are collateral,
 * not spendable), 1e-4 $.
 */
int64_t tg_clear_risk_buying_power(const struct tg_clear *c, unsigned account);
/* The account's credit line, 1e-4 $ (default 0). */
int tg_clear_set_credit(struct tg_clear *c, unsigned account, int64_t credit);

/* A digest of the whole state, to check a replay rebuilt it exactly. */
uint64_t tg_clear_digest(const struct tg_clear *c);

struct tg_clear_stats {
	uint64_t fills;			/* booked */
	uint64_t bad_user;		/* refused: -ENOENT */
	uint64_t bad_fill;		/* refused: -EINVAL */
	uint64_t full;			/* refused: -ENOSPC (fills and marks) */
	uint64_t odd_liquidity;		/* booked as taker: flag neither 'A' nor 'R' */
	uint64_t marks;
	unsigned stocks, positions;
};
void tg_clear_get_stats(const struct tg_clear *c, struct tg_clear_stats *s);

#endif /* TG_CLEAR_H */
