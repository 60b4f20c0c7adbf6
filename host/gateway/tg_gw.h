/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The order-entry gateway: a SoupBinTCP 3.0 server carrying OUCH 4.2
 * (../shared/protocols/ouch42.md) in front of the order engine, with the
 * journal as its memory (docs/gateway.md).
 *
 * One event loop on one thread owns the sockets, the engine and the
 * journal. Every input (an inbound OUCH message with its user and time,
 * the start of day, a tick that expires orders) is journaled before the
 * engine sees it, every outbound message after it, and no byte of an
 * outbound message reaches a socket before the journal has synced it
 * (one sync per loop iteration over every ready socket: group commit).
 * Each user's outbound messages form a stream numbered 1, 2, 3 ... that
 * a login replays from any point, also after a restart, because the
 * streams are rebuilt from the journal at start-up while the engine is
 * rebuilt from the journaled inputs and checked against the journaled
 * outputs.
 *
 * Password hashing runs on a second thread so that a login (tens of
 * milliseconds of scrypt) never stalls the sessions already trading.
 */
#ifndef TG_GW_H
#define TG_GW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tg_gw;
struct tg_engine;
struct tg_engine_sink;
struct tg_engine_fill;
struct tg_engine_market;
struct tg_engine_ctl;
struct tg_journal;

/* ---- the server ---- */

struct tg_gw_opts {
	const char *config;	/* the INI file ([gateway], [user.*], engine sections) */
	const char *listen;	/* host:port; NULL = [gateway] listen */
	const char *journal;	/* directory; NULL = [gateway] journal */
	const char *card;	/* "sim" | "model": the card that seals sessions; NULL = model */
	FILE *log;		/* one line per event worth an operator's eye; NULL = stderr */
	int telemetry;		/* keep the figures tg_gw_feed_*() and DPDK telemetry show even
				   without [control] and [metrics] (tickgate run) */
};

/*
 * Load the configuration, open the journal (reporting a cut tail), replay
 * it into a fresh engine, rebuild every user's stream, check the engine
 * regenerated exactly the journaled outputs, and bind the listening
 * socket. 0, or -errno with a one-line reason in err (-EPROTO: the replay
 * did not regenerate the journal).
 */
int tg_gw_new(const struct tg_gw_opts *o, struct tg_gw **out, char *err,
	      size_t errlen);

/* Serve until tg_gw_stop(); then End of Session to every client. 0 or -errno. */
int tg_gw_run(struct tg_gw *gw);

/* Ask tg_gw_run() to return; safe from a signal handler or another thread. */
void tg_gw_stop(struct tg_gw *gw);

/* Close the journal and free everything; NULL is fine. */
void tg_gw_free(struct tg_gw *gw);

/* The bound address as "host:port" (the real port when 0 was asked for). */
const char *tg_gw_address(const struct tg_gw *gw);
/* The sealed port's address likewise, or NULL without sealed_listen. */
const char *tg_gw_sealed_address(const struct tg_gw *gw);
/* The SoupBinTCP session name (10 characters, space padded, NUL-terminated). */
const char *tg_gw_session(const struct tg_gw *gw);

/* Counters; every disconnect and refused login is counted by reason. */
struct tg_gw_stats {
	uint64_t connections;		/* TCP connections accepted */
	uint64_t refused_full;		/* closed at once: max_sessions reached */
	uint64_t logins;		/* Login Accepted */
	uint64_t login_unknown_user;	/* Login Rejected 'A' */
	uint64_t login_bad_password;	/* Login Rejected 'A' */
	uint64_t login_in_use;		/* Login Rejected 'A': the user is logged in elsewhere */
	uint64_t login_bad_session;	/* Login Rejected 'S' */
	uint64_t logouts;		/* Logout Request */
	uint64_t closed_by_peer;	/* EOF or reset without a logout */
	uint64_t bad_length;		/* disconnect: packet length 0 or too long, or wrong for its type */
	uint64_t bad_type;		/* disconnect: packet type a client may not send */
	uint64_t not_logged_in;		/* disconnect: Unsequenced Data before a login */
	uint64_t bad_login;		/* disconnect: malformed or repeated Login Request */
	uint64_t bad_ouch;		/* disconnect: OUCH message that does not decode */
	uint64_t timeouts;		/* disconnect: nothing received for timeout_ms */
	uint64_t slow_readers;		/* disconnect: nothing could be written for timeout_ms */
	uint64_t heartbeats;		/* Server Heartbeats sent */
	uint64_t messages_in;		/* OUCH messages processed */
	uint64_t messages_out;		/* OUCH messages sequenced (all users) */
	uint64_t replayed;		/* sequenced messages sent from before the login */
	uint64_t ticks;			/* expiry ticks journaled */
	uint64_t syncs;			/* journal group commits */
	uint64_t sealed_hellos;		/* sealed sessions whose keys were set up */
	uint64_t seal_bad;		/* disconnect: a sealed frame that does not authenticate */
	uint64_t seal_replay;		/* disconnect: a sealed frame seen before (a replay) */
	uint64_t sessions_now;		/* connections open now */
};
void tg_gw_get_stats(const struct tg_gw *gw, struct tg_gw_stats *s);
/* Print every nonzero counter as "name value" lines. */
void tg_gw_print_stats(const struct tg_gw *gw, FILE *f);

/* ---- passwords ([user.NAME] password = ...) ---- */

#define TG_GW_HASH_MAX		128	/* longest hash string, with its NUL */
#define TG_GW_SCRYPT_LN		15	/* default cost: N = 2^15, r = 8, p = 1 (32 MiB) */
#define TG_GW_SCRYPT_LN_MIN	10
#define TG_GW_SCRYPT_LN_MAX	20

/*
 * Hash the password pw[0..len) with scrypt (N = 2^ln, r = 8, p = 1) and a
 * random 16-byte salt into out as
 * "$scrypt$ln=LN,r=8,p=1$SALT$HASH" (unpadded base64, 32-byte hash).
 * A SoupBinTCP password is 1 to 10 printable ASCII characters and cannot
 * end with a space (the field's padding). 0, -EINVAL (bad password or
 * ln), -ENOSPC (out too small), -EIO (OpenSSL failed).
 */
int tg_gw_passwd_hash(const char *pw, size_t len, unsigned ln, char *out,
		      size_t outlen);

/* 0 when hash is a well-formed hash string of tg_gw_passwd_hash(), else -EINVAL. */
int tg_gw_passwd_check(const char *hash);

/*
 * 1 when pw[0..len) matches hash, 0 when not, -EINVAL for a malformed
 * hash. The derived keys are compared in constant time.
 */
int tg_gw_passwd_verify(const char *hash, const char *pw, size_t len);

/* ---- the journal's records (docs/gateway.md) ---- */

/*
 * Payloads are big-endian. Users are named by their login (a6, space
 * padded), so a journal does not depend on the order of the config's
 * sections. Inputs carry their timestamp (ns since midnight UTC of the
 * journal's day, never decreasing).
 */
enum tg_gw_rec_type {
	TG_GW_REC_DAY = 1,	/* first record: "TGGW" u16 version, session a10, midnight (s since the epoch) u64 */
	TG_GW_REC_SYSTEM = 2,	/* input: ts u64, event c1 ('S' start of day) */
	TG_GW_REC_ORDER = 3,	/* input: ts u64, user a6, the inbound OUCH message as received */
	TG_GW_REC_TICK = 4,	/* input: ts u64 (orders whose time in force ran out expire) */
	TG_GW_REC_MARKET = 5,	/* input: ts u64, stock a8, bid u32, ask u32, last u32 (p4), state c1 */
	TG_GW_REC_CONTROL = 6,	/* input: ts u64, kind u8, scope a8, name a32, key a32, value i64 (an operator action) */
	TG_GW_REC_OUT = 16,	/* output: user a6, stream sequence u64, the outbound OUCH message as sent */
};

#define TG_GW_JOURNAL_VERSION	1

/* What replaying a journal reports besides the engine's outputs. */
struct tg_gw_replay_cb {
	/* the DAY record */
	int (*day)(void *ctx, const char session[10], uint64_t midnight);
	/*
	 * Every outbound message in stream order: journaled ones as they are
	 * checked (journaled = 1), then those the engine regenerated for
	 * inputs whose outputs a crash kept out of the journal (journaled =
	 * 0; the caller appends them). seq counts per user from 1.
	 */
	int (*out)(void *ctx, unsigned user, uint64_t seq, const uint8_t *msg,
		   size_t len, int journaled);
	/* every execution (the engine's fill records) */
	void (*fill)(void *ctx, const struct tg_engine_fill *f);
	void *ctx;
	/*
	 * Every engine output as the engine emits it (outbound messages and
	 * fills interleaved, as a live sink sees them), before it is checked
	 * against the journal; NULL: none. Its own ctx.
	 */
	const struct tg_engine_sink *tap;
	/* every MARKET record, after the engine took it */
	void (*market)(void *ctx, uint64_t ts, const struct tg_engine_market *mk);
	/* every CONTROL record, after the engine took it (rc: tg_engine_control's) */
	void (*control)(void *ctx, const struct tg_engine_ctl *c, int rc);
};

struct tg_gw_replay_result {
	uint64_t inputs;	/* input records replayed */
	uint64_t outputs;	/* output records checked */
	uint64_t regenerated;	/* outputs the journal lacked at its tail */
	uint64_t last_ts;	/* the latest input timestamp */
	uint64_t midnight;	/* from the DAY record */
	char session[11];	/* from the DAY record, NUL-terminated */
};

/*
 * Replay a gateway journal from its first record into the fresh engine e,
 * checking every journaled output against what the engine regenerates.
 * 0; -ENODATA for an empty journal; -EPROTO (mismatch, unknown user,
 * malformed record: err says which LSN and what) or the callbacks' value.
 */
int tg_gw_replay(struct tg_journal *j, struct tg_engine *e,
		 const struct tg_gw_replay_cb *cb, struct tg_gw_replay_result *res,
		 char *err, size_t errlen);

/* ---- driven by another loop; market data (tg_gw_market.c) ---- */

/*
 * One bounded iteration of the loop: wait for the sockets up to
 * timeout_ms (0: not at all; -1: until the next timer is due), hand the
 * engine the market data given since (tg_gw_market), serve every ready
 * socket, commit the journal once, send. 1 while serving, 0 once
 * tg_gw_stop() was asked (call tg_gw_shutdown()), or the -errno of a
 * journal failure. tg_gw_run() is tg_gw_poll() until it returns <= 0,
 * then tg_gw_shutdown().
 */
int tg_gw_poll(struct tg_gw *gw, int timeout_ms);

/*
 * Stop serving: End of Session to every logged-in client (after what is
 * durable of its stream), then the day's clearing summary beside the
 * journal. 0, or the -errno of an earlier journal failure (then nothing
 * more goes out).
 */
int tg_gw_shutdown(struct tg_gw *gw);

/*
 * Reference data of one stock from the feed (struct tg_engine_market:
 * bid and ask, 0 = none; last 0 = unchanged; state 0 = unchanged). Kept
 * until the next tg_gw_poll(), which journals a MARKET record and hands
 * it to the engine only if it differs from what the engine has: at most
 * once per stock per iteration, only for stocks the engine trades. 1
 * (a change is waiting), 0 (nothing changed), -ENOENT (the engine does
 * not trade the stock), -ENOSPC (too many symbols).
 */
int tg_gw_market(struct tg_gw *gw, const struct tg_engine_market *mk);

/* Counters of the market data (tg_gw_print_stats prints them). */
struct tg_gw_mkt_stats {
	uint64_t offered;	/* tg_gw_market() calls */
	uint64_t records;	/* MARKET records journaled */
	uint64_t coalesced;	/* changes replaced by a later one in the same iteration */
	uint64_t unchanged;	/* stocks that changed and came back within an iteration */
	uint64_t not_traded;	/* calls for a stock the engine does not trade */
	uint64_t full;		/* calls refused: the symbol table is full */
	uint64_t stocks;	/* symbols seen */
};

/* ---- post-trade on the engine's outputs (tg_gw_post.c) ---- */

/*
 * Clearing and surveillance of the day, as the gateway runs them live
 * and `tickgate alerts` / `tickgate settle` run them over a journal:
 * users' firm, account and owner from [user.*], fees from [fees],
 * thresholds from [surveillance] (docs/post-trade.md,
 * docs/surveillance.md). Feed it the engine's outputs through its sink
 * (live, or tg_gw_replay_cb.tap) and the market data the engine took
 * (tg_gw_post_market: the last trade marks positions).
 */
struct tg_gw_post;
struct tg_clear;
struct tg_clear_result;
struct tg_surv;
struct tg_surv_alert;
struct rte_cfgfile;

int tg_gw_post_new(struct rte_cfgfile *cf, const struct tg_engine *e,
		   struct tg_gw_post **out, char *err, size_t errlen);
void tg_gw_post_free(struct tg_gw_post *p);
/* The engine sink that feeds it (ctx is p). */
const struct tg_engine_sink *tg_gw_post_sink(struct tg_gw_post *p);
void tg_gw_post_market(struct tg_gw_post *p, uint64_t ts, const struct tg_engine_market *mk);

/*
 * Called for every alert with its line: the JSON object of design.md,
 * compact, keys in the contract's order, ending in LF (len bytes, not
 * NUL-terminated): exactly what goes to the alerts file.
 */
typedef void (*tg_gw_alert_fn)(void *ctx, const struct tg_surv_alert *a,
			       const char *line, size_t len);
void tg_gw_post_on_alert(struct tg_gw_post *p, tg_gw_alert_fn fn, void *ctx);
/* Called for every fill after clearing booked it (r NULL and rc < 0: refused). */
typedef void (*tg_gw_cleared_fn)(void *ctx, const struct tg_engine_fill *f,
				 const struct tg_clear_result *r, int rc);
void tg_gw_post_on_fill(struct tg_gw_post *p, tg_gw_cleared_fn fn, void *ctx);

struct tg_clear *tg_gw_post_clear(struct tg_gw_post *p);
struct tg_surv *tg_gw_post_surv(struct tg_gw_post *p);

/*
 * The clearing summary (docs/post-trade.md): a header with the digest,
 * then every account, position and firm, one line each. The gateway
 * writes it to <journal>/clearing.txt at a clean stop; `tickgate settle`
 * prints it. 0 or -EIO.
 */
int tg_gw_post_summary(struct tg_gw_post *p, uint32_t trade_date, FILE *f);
/* YYYYMMDD of the UTC day that starts at midnight (s since the epoch). */
uint32_t tg_gw_trade_date(uint64_t midnight);

struct tg_gw_post_stats {
	uint64_t fills_cleared;		/* fills clearing booked */
	uint64_t fills_refused;		/* fills clearing refused (counted there by reason) */
	uint64_t marks;			/* last trade prices that marked positions */
	uint64_t alerts;		/* alerts raised */
	uint64_t alerts_written;	/* alert lines in the alerts file */
	uint64_t alerts_dropped;	/* lines lost (no memory, or the file refused too many) */
	uint64_t alert_write_errors;	/* writes to the alerts file that failed */
};
void tg_gw_post_get_stats(const struct tg_gw_post *p, struct tg_gw_post_stats *s);

/* ---- the feed in the control plane's figures (tg_gw_ctl.c, docs/control.md) ---- */

/*
 * For `tickgate run`, whose gateway was made with [control], [metrics] or
 * tg_gw_opts.telemetry: a feed lcore's handle. The lcore that drives card
 * (cfg: its ring sizes; NULL for an lcore that only counts) and owns book
 * (may be NULL) gets counters of its own, written by it alone and summed
 * on read, and publishes the card's counters for `stats`, the metrics and
 * telemetry. -ENODEV without a control plane, -EEXIST for a second card.
 * Freed with the gateway; the lcore must stop using it first.
 */
struct tg_card;
struct tg_card_config;
struct tg_book;
struct tg_event;
struct tg_hist;
struct tg_gw_feed;

int tg_gw_feed_new(struct tg_gw *gw, struct tg_card *card, const struct tg_card_config *cfg,
		   const struct tg_book *book, struct tg_gw_feed **out);
/* Every burst the lcore polled from the card: MSG and GAP records by line and type. */
void tg_gw_feed_burst(struct tg_gw_feed *f, const struct tg_event *const *ev, unsigned n);
/* Every loop pass: publishes the card's snapshot every 100 ms (force: now). */
void tg_gw_feed_poll(struct tg_gw_feed *f, unsigned c2h_held, int force);
/* The lcore's wire-to-book histogram (ns) to record into. */
struct tg_hist *tg_gw_feed_wire_to_book(struct tg_gw_feed *f);

/*
 * After rte_eal_init(): DPDK telemetry commands /tickgate/stats,
 * /tickgate/gateway, /tickgate/engine, /tickgate/feed, /tickgate/latency,
 * /tickgate/control (read-only) over gw's figures. 0, -ENODEV without a
 * control plane, -EBUSY for a second gateway in the process.
 */
int tg_gw_telemetry_register(struct tg_gw *gw);

#endif /* TG_GW_H */
