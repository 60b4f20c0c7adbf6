/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Real-time surveillance: watches the order engine's outputs (every OUCH
 * message it sends each user, and every fill) for market abuse and
 * raises alerts as it happens. It sees exactly what the engine produced,
 * in the same order, so replaying the journal through a fresh engine and
 * a fresh tg_surv raises exactly the alerts the live run raised.
 *
 * Kinds (design.md): wash_trade, spoofing, layering, cancel_ratio,
 * order_to_trade, marking_close, momentum_ignition, large_trade,
 * concentration. Thresholds come from the [surveillance] section of the
 * configuration (docs/surveillance.md lists every key).
 *
 * Single-threaded and deterministic, like the engine; no clock, no I/O.
 */
#ifndef TG_SURV_H
#define TG_SURV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ouch/tg_ouch.h"
#include "order/tg_engine.h"

struct rte_cfgfile;
struct tg_surv;

enum tg_surv_kind {
	TG_SURV_WASH_TRADE,
	TG_SURV_SPOOFING,
	TG_SURV_LAYERING,
	TG_SURV_CANCEL_RATIO,
	TG_SURV_ORDER_TO_TRADE,
	TG_SURV_MARKING_CLOSE,
	TG_SURV_MOMENTUM_IGNITION,
	TG_SURV_LARGE_TRADE,
	TG_SURV_CONCENTRATION,
	TG_SURV_NKINDS
};

/* Thresholds; tg_surv_config_defaults() documents each default. */
struct tg_surv_config {
	uint32_t wash_min_shares;	/* wash trades of at least this size */
	uint64_t spoof_window_ns;	/* cancel within this long after the other side's fill */
	uint32_t spoof_min_shares;	/* a spoof order is at least this large ... */
	uint32_t spoof_size_ratio;	/* ... and this many times the fill it helped */
	uint32_t layer_min_orders;	/* canceled orders at distinct prices for layering */
	uint32_t cancel_min_orders;	/* cancel ratio judged from this many orders */
	uint32_t cancel_ratio_pct;	/* canceled / entered, percent */
	uint32_t otr_min_orders;	/* order-to-trade judged from this many orders */
	uint32_t otr_ratio;		/* entered / (executions + 1) */
	uint64_t close_ns;		/* the close, ns since midnight */
	uint64_t close_window_ns;	/* marking the close: this long before it */
	uint32_t marking_move_bps;	/* price moved by the account's aggression */
	uint32_t marking_share_pct;	/* the account's share of the window's volume */
	uint64_t momentum_window_ns;	/* aggressive run: fills at most this far apart */
	uint32_t momentum_min_trades;	/* fills in the run */
	uint32_t momentum_move_bps;	/* price moved by the run */
	uint64_t momentum_reverse_ns;	/* opposite-side fill within this after the run */
	uint32_t large_shares;		/* a fill of at least this many shares ... */
	uint64_t large_notional;	/* ... or this notional, dollars */
	uint32_t conc_pct;		/* a firm's share of a stock's volume, percent */
	uint64_t conc_min_volume;	/* judged once the stock traded this many shares */
};

/* The defaults, documented in docs/surveillance.md. */
void tg_surv_config_defaults(struct tg_surv_config *c);
/*
 * Defaults overridden by the [surveillance] section of cfg (absent section
 * = defaults). 0, or -EINVAL with the key named in err.
 */
int tg_surv_config_load(struct rte_cfgfile *cfg, struct tg_surv_config *c,
			char *err, size_t errlen);

/* Who a user index is (from the engine's user table). */
struct tg_surv_user {
	char firm[16];
	char account[32];
	char owner[32];		/* beneficial owner: wash trades group by it */
};

#define TG_SURV_MAX_REFS	16
#define TG_SURV_MAX_FIGURES	8

struct tg_surv_alert {
	enum tg_surv_kind kind;
	uint64_t ts;			/* ns since midnight */
	unsigned user;			/* whose conduct: firm and account */
	char stock[TG_OUCH_STOCK_LEN];	/* space padded; blank for account-wide kinds */
	unsigned ntokens, nmatches, nfigures;
	char tokens[TG_SURV_MAX_REFS][TG_OUCH_TOKEN_LEN];
	uint64_t matches[TG_SURV_MAX_REFS];
	struct {
		const char *name;	/* static string */
		double value;
	} figures[TG_SURV_MAX_FIGURES];
};

typedef void (*tg_surv_alert_fn)(void *ctx, const struct tg_surv_alert *a);

/*
 * A surveillance instance for users[0..nusers) (copied). Alerts go to fn.
 * NULL on allocation failure.
 */
struct tg_surv *tg_surv_new(const struct tg_surv_config *c,
			    const struct tg_surv_user *users, unsigned nusers,
			    tg_surv_alert_fn fn, void *ctx);
void tg_surv_free(struct tg_surv *s);

/* One outbound OUCH message the engine sent user (A, U, C, D, E, M ...). */
void tg_surv_order(struct tg_surv *s, unsigned user, const struct tg_ouch_out *m);
/* One execution (after both sides' Executed messages). */
void tg_surv_fill(struct tg_surv *s, const struct tg_engine_fill *f);

/* Alerts raised so far, per kind. */
uint64_t tg_surv_count(const struct tg_surv *s, enum tg_surv_kind k);
const char *tg_surv_kind_name(enum tg_surv_kind k);

/*
 * The alert as design.md's JSON object: kind, time, firm, account, stock,
 * order_tokens, match_numbers, figures (keys in that order).
 */
json_t *tg_surv_alert_json(const struct tg_surv *s, const struct tg_surv_alert *a);

#endif /* TG_SURV_H */
