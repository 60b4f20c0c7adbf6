/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an operator sees of a running appliance: its counters, risk state
 * and latency percentiles as one JSON object (`tickgate stats`, `tickgate
 * top`), and the control-socket commands that read and steer the order
 * engine (stats, book, risk.show, risk.set, kill, resume; docs/control.md,
 * "Stats" and "Operator commands").
 *
 * Three kinds of source, each read where it may be read without a lock:
 *
 *  - the market-data path (card counters, sessions, rings, the feed's
 *    books) belongs to the feed lcore, which fills a struct tg_stats_feed
 *    now and then and publishes it through a sequence counter
 *    (tg_stats_feed_publish); the control thread copies the latest one;
 *  - the order path (engine, gateway, surveillance, kill switches, risk
 *    usage) belongs to the thread that owns the engine: the handlers' apply
 *    parts copy what is needed there, inside tg_ctl_poll(), and the control
 *    thread builds the reply from that copy;
 *  - latency histograms (tg_hist) may be read by any thread at any time:
 *    the control thread merges the per-lcore ones.
 */
#ifndef TG_STATS_H
#define TG_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tg_card.h"
#include "book/tg_book.h"
#include "control/tg_ctl.h"
#include "control/tg_hist.h"
#include "gateway/tg_gw.h"
#include "order/tg_engine.h"
#include "surv/tg_surv.h"

#define TG_STATS_SESSIONS	TG_CARD_N_SESSIONS	/* MoldUDP64 session slots */
#define TG_STATS_STOCKS		10	/* busiest stocks reported */
#define TG_STATS_ALERTS		16	/* recent alerts kept */
#define TG_STATS_NEAR		10	/* nearest limits reported */
#define TG_STATS_NAME		32	/* account and firm names, with the NUL */
#define TG_STATS_BOOK_MAX	4096	/* price levels per side of a live book */
#define TG_STATS_EXEC_STOCKS	1024	/* stocks whose executions are counted */

/* ---- the market-data path ---- */

/* One stock of the feed's books. */
struct tg_stats_stock {
	char stock[9];		/* symbol, NUL-terminated */
	char state;		/* ITCH trading state, 0 unknown */
	uint64_t volume;	/* printed shares */
	uint64_t trades;	/* printed trades */
	uint32_t orders;	/* resting orders */
	uint32_t bid, ask;	/* best bid and offer, p4; 0 none */
	uint32_t last;		/* last printed trade, p4; 0 none */
};

/* A snapshot of the market-data path, taken by the feed lcore. */
struct tg_stats_feed {
	char card[8];				/* backend: sim, model, vfio */
	uint64_t counters[TG_CNT_NUM];		/* enum tg_counter */
	unsigned nsessions;
	struct {
		char name[11];			/* MoldUDP64 session, NUL-terminated */
		uint64_t next_seq;		/* next expected sequence number */
		bool ended;			/* End of Session seen */
	} sessions[TG_STATS_SESSIONS];
	uint32_t h2c_size, h2c_used;		/* descriptors */
	uint32_t c2h_size, c2h_held;		/* records; held: polled, not released yet */
	uint32_t crypto_depth, crypto_pending;	/* SM4 jobs in flight or queued */
	uint64_t crypto_stray;			/* results matching no job */
	bool has_book;
	struct tg_book_stats book;
	unsigned nstocks;
	struct tg_stats_stock stocks[TG_STATS_STOCKS];	/* by volume, largest first */
};

/*
 * Fill f from card (its configuration cfg gives the ring sizes) and book
 * (may be NULL); c2h_held is the caller's to set. On the thread that drives
 * the card and owns the book: reads registers and walks the book's stocks.
 */
void tg_stats_feed_fill(struct tg_stats_feed *f, struct tg_card *card,
			const struct tg_card_config *cfg, const struct tg_book *book);

/* Where the feed lcore publishes its snapshots for the control thread. */
struct tg_stats_feed_pub;

struct tg_stats_feed_pub *tg_stats_feed_pub_new(void);
void tg_stats_feed_pub_free(struct tg_stats_feed_pub *p);
/* The one writer: make f the latest snapshot (a copy, no lock, no syscall). */
void tg_stats_feed_publish(struct tg_stats_feed_pub *p, const struct tg_stats_feed *f);
/* Any reader: the latest snapshot into out; 0, or -ENODATA before the first. */
int tg_stats_feed_read(const struct tg_stats_feed_pub *p, struct tg_stats_feed *out);

/* ---- the order path ---- */

/* Executions of one stock in the engine. */
struct tg_stats_exec {
	char stock[9];
	uint64_t executions;
	uint64_t shares;
	uint64_t notional;	/* p4 * shares */
};

/* One alert as the overview shows it. */
struct tg_stats_alert {
	enum tg_surv_kind kind;
	uint64_t time;		/* ns since midnight */
	char firm[16];
	char account[TG_STATS_NAME];
	char stock[9];		/* blank for account-wide kinds */
};

/* How much of one limit an account or firm uses. */
struct tg_stats_near {
	bool firm;		/* a firm, else an account */
	char name[TG_STATS_NAME];
	const char *key;	/* max_daily_notional, max_position */
	char stock[9];		/* max_position: the stock nearest it */
	double used, limit;	/* dollars, or shares */
	double pct;		/* 100 used / limit */
};

/*
 * Everything tg_stats_json() shows. A NULL pointer or a zero count leaves
 * its part out (a process without a feed, gateway or surveillance).
 */
struct tg_stats {
	uint64_t time;				/* ns since the Unix epoch */
	const struct tg_stats_feed *feed;
	const struct tg_gw_stats *gw;
	const struct tg_engine_stats *engine;
	unsigned nexec;
	const struct tg_stats_exec *exec;	/* busiest first */
	uint64_t exec_overflow;			/* executions of stocks past the table */
	bool has_risk;
	bool killed_all;
	unsigned nkilled_firms, nkilled_accounts;
	const char (*killed_firms)[TG_STATS_NAME];
	const char (*killed_accounts)[TG_STATS_NAME];
	unsigned nnear;
	const struct tg_stats_near *near;	/* nearest first */
	const uint64_t *alerts;			/* [TG_SURV_NKINDS] */
	unsigned nrecent;
	const struct tg_stats_alert *recent;	/* newest first */
	const struct tg_hist *wire_to_book;	/* ns */
	const struct tg_hist *order_to_ack;	/* ns */
	const struct tg_ctl_counters *control;
};

/* The JSON object of docs/control.md, "Stats"; NULL if memory is short. */
json_t *tg_stats_json(const struct tg_stats *s);

/* Latency summary of h as the "latency" members show it (ns). */
json_t *tg_stats_hist_json(const struct tg_hist *h);

/* ---- the control-socket commands ---- */

struct tg_stats_ops;

/*
 * What the commands read and steer. engine is required; the rest may be
 * NULL (or 0). Everything marked "owner" is touched only by the apply
 * parts, on the thread that calls tg_ctl_poll(), which must be the thread
 * that owns the engine.
 */
struct tg_stats_conf {
	struct tg_engine *engine;		/* owner */
	/*
	 * Make an operator action take effect (owner). The appliance journals
	 * it, then calls tg_engine_control() with its own sink so the
	 * cancels reach the users. NULL: tg_engine_control(engine, now(ctx),
	 * c, sink) directly.
	 */
	int (*control)(void *ctx, const struct tg_engine_ctl *c);
	const struct tg_engine_sink *sink;	/* for the default control */
	uint64_t (*now)(void *ctx);		/* ns since midnight, for it */
	void *ctx;
	const struct tg_gw *gw;			/* owner */
	const struct tg_surv *surv;		/* owner */
	const struct tg_stats_feed_pub *feed;	/* any thread */
	const struct tg_hist *const *wire_to_book;	/* per lcore, any thread */
	unsigned n_wire_to_book;
	const struct tg_hist *const *order_to_ack;
	unsigned n_order_to_ack;
	struct tg_ctl *ctl;			/* its own counters */
};

/*
 * Commands over the engine of conf (copied). Reads the engine's names
 * and limits: call it before the owner thread starts using the engine, or
 * from that thread. 0, -EINVAL (no engine) or -ENOMEM.
 */
int tg_stats_ops_new(const struct tg_stats_conf *conf, struct tg_stats_ops **out);

/*
 * Register stats, book, risk.show, risk.set, kill and resume with c
 * (before tg_ctl_start). 0 or the first error of tg_ctl_register().
 */
int tg_stats_ops_register(struct tg_stats_ops *o, struct tg_ctl *c);

/*
 * The owner's hooks, cheap and allocation-free: every execution (from
 * the engine sink's fill), every surveillance alert, and every operator
 * action applied without these commands (a journal replay) so the kill
 * switches shown stay those the engine holds.
 */
void tg_stats_ops_fill(struct tg_stats_ops *o, const struct tg_engine_fill *f);
void tg_stats_ops_alert(struct tg_stats_ops *o, const struct tg_surv_alert *a);
void tg_stats_ops_control(struct tg_stats_ops *o, const struct tg_engine_ctl *c);

/* After tg_ctl_free() (no apply may run any more). */
void tg_stats_ops_free(struct tg_stats_ops *o);

#endif /* TG_STATS_H */
