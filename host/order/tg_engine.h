/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The order engine: the deterministic heart of the order path. It takes
 * decoded OUCH inbound messages from known users, runs them through
 * pre-trade risk (tg_risk) and the matching engine (tg_match), and emits
 * the OUCH outbound messages each user must receive, plus one fill record
 * per execution for post-trade.
 *
 * Everything it does depends only on its configuration and on the
 * sequence of calls with their timestamps: the same calls give the same
 * outputs, byte for byte. That is what lets the journal rebuild the whole
 * state by calling it again with the journaled inputs. It keeps no clock,
 * opens no file, and is single-threaded (one lcore owns it).
 */
#ifndef TG_ENGINE_H
#define TG_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "ouch/tg_ouch.h"

struct rte_cfgfile;
struct tg_engine;

/*
 * A market order is an Enter Order with price 214748.3647 (0x7FFFFFFF,
 * the largest p4 price, OUCH's own "market" price) on either side. It
 * never rests: what does not trade at once is canceled.
 */
#define TG_ENGINE_PRICE_MARKET	0x7FFFFFFFu
/* The highest limit price accepted: $199,999.99. */
#define TG_ENGINE_PRICE_MAX	1999999900u

/* One execution, both sides, for clearing and surveillance. */
struct tg_engine_fill {
	uint64_t ts;
	uint64_t match;			/* match number, unique, increasing */
	char stock[TG_OUCH_STOCK_LEN];
	uint32_t price;			/* p4 */
	uint32_t shares;
	struct {
		unsigned user;		/* index, tg_engine_user_find() */
		char token[TG_OUCH_TOKEN_LEN];
		uint64_t order_ref;
		char liquidity;		/* 'A' added (resting), 'R' removed (aggressor) */
	} buy, sell;
};

/* Where the engine's outputs go; every callback may be NULL. */
struct tg_engine_sink {
	/* one outbound OUCH message for user (in the order they must be sent) */
	void (*out)(void *ctx, unsigned user, const struct tg_ouch_out *m);
	/* one execution, after both sides' Executed messages */
	void (*fill)(void *ctx, const struct tg_engine_fill *f);
	void *ctx;
};

/* Reference data of one stock from the feed. */
struct tg_engine_market {
	char stock[TG_OUCH_STOCK_LEN];
	uint32_t bid, ask;	/* best bid / offer, p4; 0 = none */
	uint32_t last;		/* last trade price, p4; 0 = none */
	char state;		/* ITCH trading state: 'T' trading, 'H' halted, 'P' paused, 'Q' quotation only; 0 = unchanged */
};

/* Operator actions (the control plane), journaled like any input. */
enum tg_engine_ctl_kind {
	TG_ENGINE_KILL_ACCOUNT = 1,	/* cancel resting orders (reason 'S'), refuse new ones */
	TG_ENGINE_KILL_FIRM,
	TG_ENGINE_KILL_ALL,
	TG_ENGINE_RESUME_ACCOUNT,
	TG_ENGINE_RESUME_FIRM,
	TG_ENGINE_RESUME_ALL,
	TG_ENGINE_SET_LIMIT,		/* scope "firm"/"account", name, key, value */
};

struct tg_engine_ctl {
	enum tg_engine_ctl_kind kind;
	char scope[8];		/* SET_LIMIT: "firm" or "account" */
	char name[32];		/* account or firm name (NUL-terminated) */
	char key[32];		/* SET_LIMIT: a risk key as in the config file */
	int64_t value;		/* SET_LIMIT: the new value (-1 = no limit) */
};

/*
 * Build an engine from the parsed configuration file ([gateway] stocks,
 * [user.*], [firm.*], [account.*], [risk], [engine]: docs/order-path.md). Users get
 * indexes in the order of their sections. 0, or -EINVAL with a message
 * naming the section and key in err.
 */
int tg_engine_new(struct rte_cfgfile *cfg, struct tg_engine **out,
		  char *err, size_t errlen);
void tg_engine_free(struct tg_engine *e);

/* Index of the user with this login name (1..6 chars), or -ENOENT. */
int tg_engine_user_find(const struct tg_engine *e, const char *name);
unsigned tg_engine_users(const struct tg_engine *e);
const char *tg_engine_user_name(const struct tg_engine *e, unsigned user);
const char *tg_engine_user_firm(const struct tg_engine *e, unsigned user);
const char *tg_engine_user_account(const struct tg_engine *e, unsigned user);

/*
 * One inbound message from user at time ts (ns since midnight, never
 * decreasing across calls). Every message gets an answer: Accepted,
 * Rejected with a reason code, Canceled, Executed, ... through sink.
 */
void tg_engine_order(struct tg_engine *e, uint64_t ts, unsigned user,
		     const struct tg_ouch_in *m, const struct tg_engine_sink *sink);

/* One inbound message of a burst. */
struct tg_engine_in {
	uint64_t ts;
	unsigned user;
	const struct tg_ouch_in *m;
};

/*
 * n inbound messages, exactly as n calls of tg_engine_order() in turn
 * (same outputs, same state), but faster: while one message is processed
 * the memory the next ones need is already on its way.
 */
void tg_engine_order_burst(struct tg_engine *e, const struct tg_engine_in *in, unsigned n,
			   const struct tg_engine_sink *sink);

/* Reference prices and trading state of one stock from the feed. */
void tg_engine_market(struct tg_engine *e, uint64_t ts,
		      const struct tg_engine_market *mk,
		      const struct tg_engine_sink *sink);

/*
 * An operator action. 0, or -ENOENT (no such account, firm or key),
 * -EINVAL (bad value); a refused action changes nothing.
 */
int tg_engine_control(struct tg_engine *e, uint64_t ts,
		      const struct tg_engine_ctl *c,
		      const struct tg_engine_sink *sink);

/*
 * System event 'S' (start of day) or 'E' (end of day: day orders are
 * canceled) sent to every user.
 */
void tg_engine_system(struct tg_engine *e, uint64_t ts, char event,
		      const struct tg_engine_sink *sink);

/*
 * Time passes: cancel (reason 'T') every order whose time in force has run
 * out by ts. tg_engine_next_expiry() says when that next happens
 * (UINT64_MAX = never), so a caller only needs to journal and call tick
 * when something will expire.
 */
void tg_engine_tick(struct tg_engine *e, uint64_t ts,
		    const struct tg_engine_sink *sink);
uint64_t tg_engine_next_expiry(const struct tg_engine *e);

/*
 * A digest of the whole state (books, orders, tokens, risk), for tests and
 * for checking that a replay rebuilt exactly what was there.
 */
uint64_t tg_engine_digest(const struct tg_engine *e);

/* Counters for stats: orders, executions, rejects by reason code. */
struct tg_engine_stats {
	uint64_t orders;	/* inbound messages processed */
	uint64_t accepted;
	uint64_t executions;
	uint64_t canceled;
	uint64_t rejects[128];	/* by reason character */
	uint64_t resting;	/* orders resting now */
	uint64_t cancel_rejects;	/* Cancel Reject 'I' answers (X, M, U) */
	uint64_t market_ignored;	/* tg_engine_market calls for no known stock */
	uint64_t bad_input;	/* unknown users, types, events, garbage fields */
};
void tg_engine_get_stats(const struct tg_engine *e, struct tg_engine_stats *s);

/* One price level of a book, as tg_engine_levels() reports it. */
struct tg_engine_level {
	uint32_t price;		/* p4 */
	uint32_t orders;
	uint64_t shares;
};

/*
 * Up to n levels of one side ('B' bids, 'S' asks) of stock's book (symbol,
 * NUL-terminated), best first. The number written, or -ENOENT for a stock
 * the engine does not know, -EINVAL for another side.
 */
int tg_engine_levels(const struct tg_engine *e, const char *stock, char side,
		     struct tg_engine_level *lv, unsigned n);

#endif /* TG_ENGINE_H */
