/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's stats as one JSON object, the feed's snapshot
 * publication, and the control-socket commands over the order engine
 * (tg_stats.h; docs/control.md, "Stats" and "Operator commands").
 */
#define ALLOW_EXPERIMENTAL_API	/* rte_seqcount: DPDK 22.11 marks it experimental */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_seqcount.h>

#include "control/tg_stats.h"
#include "tg_itch.h"
/*
 * The names, limits and exposure of accounts and firms: tg_engine.h has no
 * read-only view of them, so they are read here from the engine's own
 * headers, on the engine's thread only (docs/control.md, "Stats", says
 * which accessor would replace this).
 */
#include "order/tg_engine_int.h"
#include "order/tg_risk.h"
#include "order/tg_stocks.h"

#define TG_STATS_POS		64	/* stocks of a risk.show entry's positions */
#define TG_STATS_RESTRICTED	64	/* restricted stocks of one entry */
#define TG_P4			10000.0	/* p4 units per dollar */

/* ------------------------------------------------------------------ */
/* JSON                                                                 */
/* ------------------------------------------------------------------ */

/* Set key to an unsigned counter (JSON integers are signed 64-bit). */
static void
tg_stats_u64(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX
						  : (json_int_t)v));
}

/* The latency summary of one histogram, ns. */
json_t *
tg_stats_hist_json(const struct tg_hist *h)
{
	json_t *o = json_object();
	uint64_t n = tg_hist_total(h);

	if (!o)
		return NULL;
	tg_stats_u64(o, "count", n);
	tg_stats_u64(o, "min", n ? tg_hist_percentile(h, 0) : 0);
	tg_stats_u64(o, "p50", tg_hist_percentile(h, 50));
	tg_stats_u64(o, "p90", tg_hist_percentile(h, 90));
	tg_stats_u64(o, "p99", tg_hist_percentile(h, 99));
	tg_stats_u64(o, "p99_9", tg_hist_percentile(h, 99.9));
	tg_stats_u64(o, "max", n ? tg_hist_percentile(h, 100) : 0);
	json_object_set_new(o, "mean", json_real(n ? (double)h->sum / (double)n : 0.0));
	return o;
}

/* The "drops" of the card by reason. */
static json_t *
tg_stats_drops_json(const uint64_t *c)
{
	static const struct {
		const char *name;
		unsigned idx;
	} d[] = {
		{ "non_feed", TG_CNT_NON_FEED },
		{ "filtered", TG_CNT_FILTERED },
		{ "truncated", TG_CNT_ERR_TRUNCATED },
		{ "ip_header", TG_CNT_ERR_IP_HEADER },
		{ "ip_checksum", TG_CNT_ERR_IP_CHECKSUM },
		{ "udp_length", TG_CNT_ERR_UDP_LENGTH },
		{ "mold_header", TG_CNT_ERR_MOLD_HEADER },
		{ "session_full", TG_CNT_ERR_SESSION_FULL },
		{ "msg_overrun", TG_CNT_ERR_MSG_OVERRUN },
		{ "unknown_type", TG_CNT_ERR_UNKNOWN_TYPE },
		{ "msg_length", TG_CNT_ERR_MSG_LENGTH },
		{ "short_packet", TG_CNT_ERR_SHORT_PACKET },
		{ "c2h_full", TG_CNT_C2H_DROPS },
		{ "bad_descriptor", TG_CNT_ERR_DESC },
	};
	json_t *o = json_object();

	for (size_t i = 0; o && i < sizeof(d) / sizeof(d[0]); i++)
		tg_stats_u64(o, d[i].name, c[d[i].idx]);
	return o;
}

/* The market-data path. */
static json_t *
tg_stats_feed_json(const struct tg_stats_feed *f)
{
	const uint64_t *c = f->counters;
	json_t *o = json_object(), *x, *arr;

	if (!o)
		return NULL;
	json_object_set_new(o, "card", json_string(f->card));
	json_object_set_new(o, "lines", json_pack("{s:{s:I}, s:{s:I}}",
						  "A", "frames", (json_int_t)c[TG_CNT_FRAMES_A],
						  "B", "frames", (json_int_t)c[TG_CNT_FRAMES_B]));
	arr = json_array();
	for (unsigned i = 0; arr && i < f->nsessions && i < TG_STATS_SESSIONS; i++)
		json_array_append_new(arr, json_pack("{s:s, s:I, s:b}",
						     "session", f->sessions[i].name,
						     "next_seq", (json_int_t)f->sessions[i].next_seq,
						     "ended", f->sessions[i].ended));
	json_object_set_new(o, "sessions", arr);
	tg_stats_u64(o, "packets", c[TG_CNT_MOLD_PACKETS]);
	tg_stats_u64(o, "heartbeats", c[TG_CNT_HEARTBEATS]);
	tg_stats_u64(o, "end_of_session", c[TG_CNT_END_OF_SESSION]);
	tg_stats_u64(o, "messages", c[TG_CNT_MESSAGES]);
	x = json_object();
	for (unsigned i = 0; x && i < TG_ITCH_NTYPES; i++) {
		char t[2] = { tg_itch_types[i].type, 0 };

		tg_stats_u64(x, t, c[TG_CNT_MSG_TYPE0 + i]);
	}
	json_object_set_new(o, "messages_by_type", x);
	tg_stats_u64(o, "duplicates", c[TG_CNT_DUPLICATES]);
	tg_stats_u64(o, "gaps", c[TG_CNT_GAPS]);
	tg_stats_u64(o, "gap_messages", c[TG_CNT_GAP_MESSAGES]);
	json_object_set_new(o, "drops", tg_stats_drops_json(c));
	json_object_set_new(o, "rings", json_pack("{s:{s:i, s:i, s:I}, s:{s:i, s:i}}",
						  "h2c", "size", (int)f->h2c_size,
						  "used", (int)f->h2c_used,
						  "descriptors", (json_int_t)c[TG_CNT_H2C_DESCS],
						  "c2h", "size", (int)f->c2h_size,
						  "held", (int)f->c2h_held));
	json_object_set_new(o, "crypto", json_pack("{s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:I}",
						   "jobs", (json_int_t)c[TG_CNT_CRYPTO_JOBS],
						   "bytes", (json_int_t)c[TG_CNT_CRYPTO_BYTES],
						   "tag_failures", (json_int_t)c[TG_CNT_CRYPTO_TAG_FAIL],
						   "bad_jobs", (json_int_t)c[TG_CNT_CRYPTO_BAD_JOB],
						   "waits", (json_int_t)c[TG_CNT_CRYPTO_WAITS],
						   "pending", (int)f->crypto_pending,
						   "depth", (int)f->crypto_depth,
						   "stray", (json_int_t)f->crypto_stray));
	if (f->has_book) {
		const struct tg_book_stats *b = &f->book;
		json_t *bo = json_object(), *err = json_object();

		tg_stats_u64(bo, "records", b->records);
		tg_stats_u64(bo, "messages", b->messages);
		tg_stats_u64(bo, "stocks", b->stocks);
		tg_stats_u64(bo, "orders", b->orders);
		tg_stats_u64(bo, "levels", b->levels);
		tg_stats_u64(bo, "gaps", b->gaps);
		tg_stats_u64(bo, "gap_messages", b->gap_messages);
		for (unsigned e = 0; err && e < TG_BOOK_ERR_NUM; e++)
			tg_stats_u64(err, tg_book_err_name(e), b->err[e]);
		json_object_set_new(bo, "errors", err);
		json_object_set_new(o, "book", bo);
	}
	arr = json_array();
	for (unsigned i = 0; arr && i < f->nstocks && i < TG_STATS_STOCKS; i++) {
		const struct tg_stats_stock *s = &f->stocks[i];
		char st[2] = { s->state ? s->state : '?', 0 };

		json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I, s:i, s:I, s:I, s:I}",
						     "stock", s->stock, "state", st,
						     "volume", (json_int_t)s->volume,
						     "trades", (json_int_t)s->trades,
						     "orders", (int)s->orders,
						     "bid", (json_int_t)s->bid,
						     "ask", (json_int_t)s->ask,
						     "last", (json_int_t)s->last));
	}
	json_object_set_new(o, "busiest", arr);
	return o;
}

/* The gateway's counters, by their names in tg_gw.h. */
static json_t *
tg_stats_gw_json(const struct tg_gw_stats *g)
{
	json_t *o = json_object();

#define TG_GW_FIELD(f) tg_stats_u64(o, #f, g->f)
	if (!o)
		return NULL;
	TG_GW_FIELD(connections);
	TG_GW_FIELD(refused_full);
	TG_GW_FIELD(logins);
	TG_GW_FIELD(login_unknown_user);
	TG_GW_FIELD(login_bad_password);
	TG_GW_FIELD(login_in_use);
	TG_GW_FIELD(login_bad_session);
	TG_GW_FIELD(logouts);
	TG_GW_FIELD(closed_by_peer);
	TG_GW_FIELD(bad_length);
	TG_GW_FIELD(bad_type);
	TG_GW_FIELD(not_logged_in);
	TG_GW_FIELD(bad_login);
	TG_GW_FIELD(bad_ouch);
	TG_GW_FIELD(timeouts);
	TG_GW_FIELD(slow_readers);
	TG_GW_FIELD(heartbeats);
	TG_GW_FIELD(messages_in);
	TG_GW_FIELD(messages_out);
	TG_GW_FIELD(replayed);
	TG_GW_FIELD(ticks);
	TG_GW_FIELD(syncs);
	TG_GW_FIELD(sealed_hellos);
	TG_GW_FIELD(seal_bad);
	TG_GW_FIELD(seal_replay);
	TG_GW_FIELD(sessions_now);
#undef TG_GW_FIELD
	return o;
}

/* The engine's counters; rejects by reason code, only those seen. */
static json_t *
tg_stats_engine_json(const struct tg_engine_stats *e)
{
	json_t *o = json_object(), *r = json_object();
	uint64_t total = 0;

	if (!o || !r) {
		json_decref(o);
		json_decref(r);
		return NULL;
	}
	tg_stats_u64(o, "orders", e->orders);
	tg_stats_u64(o, "accepted", e->accepted);
	tg_stats_u64(o, "executions", e->executions);
	tg_stats_u64(o, "canceled", e->canceled);
	tg_stats_u64(o, "resting", e->resting);
	tg_stats_u64(o, "cancel_rejects", e->cancel_rejects);
	tg_stats_u64(o, "market_ignored", e->market_ignored);
	tg_stats_u64(o, "bad_input", e->bad_input);
	for (unsigned c = 0; c < 128; c++) {
		char k[2] = { (char)c, 0 };

		if (!e->rejects[c])
			continue;
		total += e->rejects[c];
		if (c > 0x20 && c < 0x7f)
			tg_stats_u64(r, k, e->rejects[c]);
	}
	tg_stats_u64(o, "rejected", total);
	json_object_set_new(o, "rejects", r);
	return o;
}

/* A list of names. */
static json_t *
tg_stats_names_json(const char (*names)[TG_STATS_NAME], unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

/* The whole stats object from its parts; absent parts are left out. */
json_t *
tg_stats_json(const struct tg_stats *s)
{
	json_t *o = json_object(), *x, *arr;

	if (!o)
		return NULL;
	tg_stats_u64(o, "time", s->time);
	if (s->feed)
		json_object_set_new(o, "feed", tg_stats_feed_json(s->feed));
	if (s->gw)
		json_object_set_new(o, "gateway", tg_stats_gw_json(s->gw));
	if (s->engine) {
		x = tg_stats_engine_json(s->engine);
		arr = json_array();
		for (unsigned i = 0; arr && i < s->nexec; i++)
			json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:f}",
							     "stock", s->exec[i].stock,
							     "executions", (json_int_t)s->exec[i].executions,
							     "shares", (json_int_t)s->exec[i].shares,
							     "notional", (double)s->exec[i].notional / TG_P4));
		json_object_set_new(x, "busiest", arr);
		tg_stats_u64(x, "busiest_uncounted", s->exec_overflow);
		json_object_set_new(o, "engine", x);
	}
	if (s->has_risk) {
		x = json_object();
		json_object_set_new(x, "killed", json_pack("{s:b, s:o, s:o}", "all", s->killed_all,
							   "firms", tg_stats_names_json(s->killed_firms,
										       s->nkilled_firms),
							   "accounts", tg_stats_names_json(s->killed_accounts,
											  s->nkilled_accounts)));
		arr = json_array();
		for (unsigned i = 0; arr && i < s->nnear; i++) {
			const struct tg_stats_near *n = &s->near[i];
			json_t *e = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}",
					      "scope", n->firm ? "firm" : "account", "name", n->name,
					      "key", n->key, "used", n->used, "limit", n->limit,
					      "pct", n->pct);

			if (e && n->stock[0])
				json_object_set_new(e, "stock", json_string(n->stock));
			json_array_append_new(arr, e);
		}
		json_object_set_new(x, "near_limits", arr);
		json_object_set_new(o, "risk", x);
	}
	if (s->alerts) {
		json_t *k = json_object();

		x = json_object();
		for (unsigned i = 0; k && i < TG_SURV_NKINDS; i++)
			tg_stats_u64(k, tg_surv_kind_name(i), s->alerts[i]);
		json_object_set_new(x, "alerts", k);
		arr = json_array();
		for (unsigned i = 0; arr && i < s->nrecent; i++) {
			const struct tg_stats_alert *a = &s->recent[i];

			json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:s, s:s}",
							     "kind", tg_surv_kind_name(a->kind),
							     "time", (json_int_t)a->time,
							     "firm", a->firm, "account", a->account,
							     "stock", a->stock));
		}
		json_object_set_new(x, "recent", arr);
		json_object_set_new(o, "surveillance", x);
	}
	if (s->wire_to_book || s->order_to_ack) {
		x = json_object();
		if (s->wire_to_book)
			json_object_set_new(x, "wire_to_book", tg_stats_hist_json(s->wire_to_book));
		if (s->order_to_ack)
			json_object_set_new(x, "order_to_ack", tg_stats_hist_json(s->order_to_ack));
		json_object_set_new(o, "latency", x);
	}
	if (s->control) {
		const struct tg_ctl_counters *c = s->control;

		x = json_object();
		tg_stats_u64(x, "requests", c->requests);
		tg_stats_u64(x, "refused", c->refused);
		tg_stats_u64(x, "bad_requests", c->bad_requests);
		tg_stats_u64(x, "mfa_failures", c->mfa_failures);
		tg_stats_u64(x, "failed", c->failed);
		tg_stats_u64(x, "timeouts", c->timeouts);
		tg_stats_u64(x, "audit_errors", c->audit_errors);
		json_object_set_new(o, "control", x);
	}
	return o;
}

/* ------------------------------------------------------------------ */
/* The market-data path                                                 */
/* ------------------------------------------------------------------ */

struct tg_stats_feed_pub {
	rte_seqcount_t sc;
	int published;
	struct tg_stats_feed data;
};

/* Keep the TG_STATS_STOCKS busiest by volume, largest first. */
static void
tg_stats_feed_rank(struct tg_stats_feed *f, const struct tg_stats_stock *s)
{
	unsigned k = f->nstocks < TG_STATS_STOCKS ? f->nstocks : TG_STATS_STOCKS;

	if (k == TG_STATS_STOCKS && s->volume <= f->stocks[k - 1].volume)
		return;
	if (k == TG_STATS_STOCKS)
		k--;
	while (k > 0 && f->stocks[k - 1].volume < s->volume) {
		f->stocks[k] = f->stocks[k - 1];
		k--;
	}
	f->stocks[k] = *s;
	if (f->nstocks < TG_STATS_STOCKS)
		f->nstocks++;
}

/* Counters, sessions, rings and busiest stocks of the feed's card and book. */
void
tg_stats_feed_fill(struct tg_stats_feed *f, struct tg_card *card,
		   const struct tg_card_config *cfg, const struct tg_book *book)
{
	unsigned h2c_log2 = cfg && cfg->h2c_log2 ? cfg->h2c_log2 : 10;
	unsigned c2h_log2 = cfg && cfg->c2h_log2 ? cfg->c2h_log2 : 14;

	memset(f, 0, sizeof(*f));
	snprintf(f->card, sizeof(f->card), "%s", tg_card_backend(card));
	tg_card_counters(card, f->counters, TG_CNT_NUM);
	for (unsigned s = 0; s < TG_CARD_N_SESSIONS && f->nsessions < TG_STATS_SESSIONS; s++) {
		char name[10];
		uint64_t next;
		bool ended;

		if (!tg_card_session(card, s, name, &next, &ended))
			continue;
		memcpy(f->sessions[f->nsessions].name, name, 10);
		f->sessions[f->nsessions].name[10] = 0;
		f->sessions[f->nsessions].next_seq = next;
		f->sessions[f->nsessions].ended = ended;
		f->nsessions++;
	}
	f->h2c_size = 1u << h2c_log2;
	f->h2c_used = f->h2c_size - tg_card_h2c_space(card);
	f->c2h_size = 1u << c2h_log2;
	f->crypto_depth = tg_card_crypto_depth(card);
	f->crypto_pending = tg_card_crypto_pending(card);
	f->crypto_stray = tg_card_crypto_stray(card);
	if (!book)
		return;
	f->has_book = true;
	tg_book_stats(book, &f->book);
	/* locates are handed out densely from 1: stop once every stock is seen */
	uint64_t seen = 0;
	for (uint32_t loc = 1; loc <= 0xffff && seen < f->book.stocks; loc++) {
		struct tg_book_stock_info si;
		struct tg_book_bbo bbo;
		struct tg_stats_stock st = { 0 };

		tg_book_stock_info(book, (uint16_t)loc, &si);
		if (!si.has_directory)
			continue;
		seen++;
		tg_book_bbo(book, (uint16_t)loc, &bbo);
		snprintf(st.stock, sizeof(st.stock), "%s", si.symbol);
		st.state = si.trading_state;
		st.volume = si.volume;
		st.trades = si.trades;
		st.orders = si.orders;
		st.bid = bbo.bid.orders ? bbo.bid.price : 0;
		st.ask = bbo.ask.orders ? bbo.ask.price : 0;
		st.last = si.trades ? si.last_price : 0;
		tg_stats_feed_rank(f, &st);
	}
}

/* An empty publication point (nothing published yet). */
struct tg_stats_feed_pub *
tg_stats_feed_pub_new(void)
{
	struct tg_stats_feed_pub *p = calloc(1, sizeof(*p));

	if (p)
		rte_seqcount_init(&p->sc);
	return p;
}

/* Free a publication point; no reader may use it any more. */
void
tg_stats_feed_pub_free(struct tg_stats_feed_pub *p)
{
	free(p);
}

/* The single writer: readers that overlap the copy see it and retry. */
void
tg_stats_feed_publish(struct tg_stats_feed_pub *p, const struct tg_stats_feed *f)
{
	rte_seqcount_write_begin(&p->sc);
	memcpy(&p->data, f, sizeof(*f));
	__atomic_store_n(&p->published, 1, __ATOMIC_RELAXED);
	rte_seqcount_write_end(&p->sc);
}

/* Copy until a copy that no write overlapped. */
int
tg_stats_feed_read(const struct tg_stats_feed_pub *p, struct tg_stats_feed *out)
{
	uint32_t sn;
	int pub;

	do {
		sn = rte_seqcount_read_begin(&p->sc);
		memcpy(out, &p->data, sizeof(*out));
		pub = __atomic_load_n(&p->published, __ATOMIC_RELAXED);
	} while (rte_seqcount_read_retry(&p->sc, sn));
	return pub ? 0 : -ENODATA;
}

/* ------------------------------------------------------------------ */
/* The commands                                                         */
/* ------------------------------------------------------------------ */

/* What the owner captures of one account or firm. */
struct tg_stats_rent {
	int64_t limit[TG_RISK_NKEYS];
	uint64_t executed, open;		/* p4 * shares */
	bool killed;
	/* nearest max_position: worst-case shares and its stock */
	uint64_t worst_pos;
	char worst_stock[9];
	unsigned npos;				/* risk.show: stocks with exposure */
	bool pos_more;
	struct {
		char stock[9];
		int64_t position;
		uint64_t open_buy, open_sell;
	} pos[TG_STATS_POS];
	unsigned nrestricted;
	bool restricted_more;
	char restricted[TG_STATS_RESTRICTED][9];
};

/* The order path as the stats apply copies it. */
struct tg_stats_snap {
	bool has_gw;
	struct tg_gw_stats gw;
	struct tg_engine_stats engine;
	uint64_t alerts[TG_SURV_NKINDS];
	unsigned nrecent;
	struct tg_stats_alert recent[TG_STATS_ALERTS];
	unsigned nexec;
	struct tg_stats_exec exec[TG_STATS_STOCKS];
	uint64_t exec_overflow;
	bool killed_all;
};

struct tg_stats_ops {
	struct tg_stats_conf conf;
	struct tg_engine *e;

	/* names, fixed when the engine was built: any thread */
	unsigned naccounts, nfirms;
	char (*acct)[TG_STATS_NAME];
	char (*firm)[TG_STATS_NAME];
	unsigned *acct_firm;		/* account -> firm */

	/* the owner's */
	bool own_killed_all;
	bool *own_killed;		/* [naccounts + nfirms]: accounts, then firms */
	struct tg_stats_exec exec[TG_STATS_EXEC_STOCKS];
	unsigned nexec;
	uint64_t exec_overflow;
	struct tg_stats_alert alerts[TG_STATS_ALERTS];
	uint64_t nalerts;

	/*
	 * Written by an apply, read by the reply of the same request. Requests
	 * are answered one at a time and the hand-over ring is FIFO, so even a
	 * late apply of a timed-out request runs before the next request's own
	 * apply: a reply always reads what its own apply wrote.
	 */
	struct tg_stats_snap snap;
	struct tg_stats_rent *rent;	/* [naccounts + nfirms] */
	unsigned nrestricted_all;
	char restricted_all[TG_STATS_RESTRICTED][9];
	struct tg_engine_level *bids, *asks;	/* [TG_STATS_BOOK_MAX + 1] */

	/* the control thread's */
	int64_t (*mirror)[TG_RISK_NKEYS];	/* limits, for raises() */
	struct tg_hist *w2b, *o2a;
	struct tg_stats_feed feed;
	struct tg_stats_near *near;	/* [2 (naccounts + nfirms)] */
	char (*killed_names)[TG_STATS_NAME];	/* [naccounts + nfirms] */
};

/* Index of name among n names, or -1. */
static int
tg_stats_find(const char (*names)[TG_STATS_NAME], unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -1;
}

/* A space-padded symbol as a C string. */
static void
tg_stats_sym(char out[9], const char *sym)
{
	unsigned n = 8;

	memcpy(out, sym, 8);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = 0;
}

/* The engine's limits into the control thread's mirror. */
static void
tg_stats_mirror_load(struct tg_stats_ops *o)
{
	for (unsigned i = 0; i < o->naccounts + o->nfirms; i++) {
		int firm = i >= o->naccounts;
		unsigned a = firm ? i - o->naccounts : i;

		for (int k = 0; k < TG_RISK_NKEYS; k++)
			o->mirror[i][k] = tg_risk_get(o->e->risk, firm, a, k);
	}
}

/*
 * Copy the names of accounts and firms and their limits, allocate the buffers
 * the applies fill, so that nothing is allocated on the engine's thread.
 */
int
tg_stats_ops_new(const struct tg_stats_conf *conf, struct tg_stats_ops **out)
{
	struct tg_stats_ops *o;
	struct tg_engine *e = conf->engine;
	unsigned n;

	*out = NULL;
	if (!(o = calloc(1, sizeof(*o))))
		return -ENOMEM;
	o->conf = *conf;
	o->e = e;
	o->w2b = aligned_alloc(64, sizeof(struct tg_hist));
	o->o2a = aligned_alloc(64, sizeof(struct tg_hist));
	if (!o->w2b || !o->o2a)
		goto nomem;
	if (!e) {
		*out = o;
		return 0;
	}
	o->naccounts = e->naccounts;
	o->nfirms = e->nfirms;
	n = o->naccounts + o->nfirms;
	o->acct = calloc(o->naccounts + 1, sizeof(*o->acct));
	o->firm = calloc(o->nfirms + 1, sizeof(*o->firm));
	o->acct_firm = calloc(o->naccounts + 1, sizeof(*o->acct_firm));
	o->own_killed = calloc(n + 1, sizeof(*o->own_killed));
	o->rent = calloc(n + 1, sizeof(*o->rent));
	o->mirror = calloc(n + 1, sizeof(*o->mirror));
	o->near = calloc(2 * n + 1, sizeof(*o->near));
	o->killed_names = calloc(n + 1, sizeof(*o->killed_names));
	o->bids = calloc(TG_STATS_BOOK_MAX + 1, sizeof(*o->bids));
	o->asks = calloc(TG_STATS_BOOK_MAX + 1, sizeof(*o->asks));
	if (!o->acct || !o->firm || !o->acct_firm || !o->own_killed || !o->rent ||
	    !o->mirror || !o->near || !o->killed_names || !o->bids || !o->asks)
		goto nomem;
	for (unsigned i = 0; i < o->naccounts; i++)
		snprintf(o->acct[i], TG_STATS_NAME, "%s", e->accounts[i]);
	for (unsigned i = 0; i < o->nfirms; i++)
		snprintf(o->firm[i], TG_STATS_NAME, "%s", e->firms[i].name);
	for (unsigned u = 0; u < e->nusers; u++)
		o->acct_firm[e->users[u].account] = e->users[u].firm;
	tg_stats_mirror_load(o);
	*out = o;
	return 0;
nomem:
	tg_stats_ops_free(o);
	return -ENOMEM;
}

/* Free the commands' state; tg_ctl_free() first. */
void
tg_stats_ops_free(struct tg_stats_ops *o)
{
	if (!o)
		return;
	free(o->w2b);
	free(o->o2a);
	free(o->acct);
	free(o->firm);
	free(o->acct_firm);
	free(o->own_killed);
	free(o->rent);
	free(o->mirror);
	free(o->near);
	free(o->killed_names);
	free(o->bids);
	free(o->asks);
	free(o);
}

/* ---- the owner's hooks ---- */

/* Count one execution against its stock (open addressing on the symbol). */
void
tg_stats_ops_fill(struct tg_stats_ops *o, const struct tg_engine_fill *f)
{
	uint64_t key, h;
	char sym[9];

	tg_stats_sym(sym, f->stock);
	if (!sym[0])
		return;
	memcpy(&key, f->stock, 8);
	h = key * 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < TG_STATS_EXEC_STOCKS; i++) {
		struct tg_stats_exec *x = &o->exec[((h >> 54) + i) & (TG_STATS_EXEC_STOCKS - 1)];

		if (!x->stock[0]) {
			if (o->nexec >= TG_STATS_EXEC_STOCKS * 3 / 4)
				break;
			memcpy(x->stock, sym, sizeof(sym));
			o->nexec++;
		} else if (strcmp(x->stock, sym)) {
			continue;
		}
		x->executions++;
		x->shares += f->shares;
		x->notional += (uint64_t)f->price * f->shares;
		return;
	}
	o->exec_overflow++;
}

/* Keep the alert for the overview's recent list. */
void
tg_stats_ops_alert(struct tg_stats_ops *o, const struct tg_surv_alert *a)
{
	struct tg_stats_alert *x = &o->alerts[o->nalerts++ % TG_STATS_ALERTS];
	const char *firm = NULL, *acct = NULL;

	x->kind = a->kind;
	x->time = a->ts;
	if (o->e && a->user < tg_engine_users(o->e)) {
		firm = tg_engine_user_firm(o->e, a->user);
		acct = tg_engine_user_account(o->e, a->user);
	}
	snprintf(x->firm, sizeof(x->firm), "%s", firm ? firm : "");
	snprintf(x->account, sizeof(x->account), "%s", acct ? acct : "");
	tg_stats_sym(x->stock, a->stock);
}

/* The kill switches an applied action leaves, as the engine keeps them. */
void
tg_stats_ops_control(struct tg_stats_ops *o, const struct tg_engine_ctl *c)
{
	int i;

	switch (c->kind) {
	case TG_ENGINE_KILL_ALL:
	case TG_ENGINE_RESUME_ALL:
		o->own_killed_all = c->kind == TG_ENGINE_KILL_ALL;
		break;
	case TG_ENGINE_KILL_ACCOUNT:
	case TG_ENGINE_RESUME_ACCOUNT:
		if ((i = tg_stats_find(o->acct, o->naccounts, c->name)) >= 0)
			o->own_killed[i] = c->kind == TG_ENGINE_KILL_ACCOUNT;
		break;
	case TG_ENGINE_KILL_FIRM:
	case TG_ENGINE_RESUME_FIRM:
		if ((i = tg_stats_find(o->firm, o->nfirms, c->name)) >= 0)
			o->own_killed[o->naccounts + i] = c->kind == TG_ENGINE_KILL_FIRM;
		break;
	default:
		break;
	}
}

/* ---- capturing the engine's risk state (owner) ---- */

/* Limits, usage and (full) positions and restrictions of entry i. */
static void
tg_stats_capture(struct tg_stats_ops *o, unsigned i, bool full)
{
	const struct tg_risk *r = o->e->risk;
	struct tg_stats_rent *x = &o->rent[i];
	int firm = i >= o->naccounts;
	unsigned a = firm ? i - o->naccounts : i;
	uint32_t nstocks = tg_stocks_count(o->e->stocks);

	x->killed = o->own_killed[i];
	for (int k = 0; k < TG_RISK_NKEYS; k++)
		x->limit[k] = tg_risk_get(r, firm, a, k);
	tg_risk_notional(r, firm, a, &x->executed, &x->open);
	x->worst_pos = 0;
	x->worst_stock[0] = 0;
	x->npos = x->nrestricted = 0;
	x->pos_more = x->restricted_more = false;
	if (!full && x->limit[TG_RISK_MAX_POSITION] == TG_RISK_NO_LIMIT)
		return;
	for (uint32_t s = 0; s < nstocks; s++) {
		const struct tg_risk_pos *p = tg_risk_pos(r, firm, a, (uint16_t)s);
		int64_t buy = p->position + (int64_t)p->open_buy;
		int64_t sell = (int64_t)p->open_sell - p->position;
		uint64_t worst = (uint64_t)(buy > sell ? (buy > 0 ? buy : 0) : (sell > 0 ? sell : 0));
		const char *sym = tg_stocks_get_c(o->e->stocks, s)->sym;

		if (worst > x->worst_pos || (worst && !x->worst_stock[0])) {
			x->worst_pos = worst;
			tg_stats_sym(x->worst_stock, sym);
		}
		if (!full)
			continue;
		if (p->position || p->open_buy || p->open_sell) {
			if (x->npos < TG_STATS_POS) {
				tg_stats_sym(x->pos[x->npos].stock, sym);
				x->pos[x->npos].position = p->position;
				x->pos[x->npos].open_buy = p->open_buy;
				x->pos[x->npos].open_sell = p->open_sell;
				x->npos++;
			} else {
				x->pos_more = true;
			}
		}
		if (tg_risk_restricted(r, firm, (int)a, (uint16_t)s)) {
			if (x->nrestricted < TG_STATS_RESTRICTED)
				tg_stats_sym(x->restricted[x->nrestricted++], sym);
			else
				x->restricted_more = true;
		}
	}
}

/* ---- stats ---- */

/* Owner: copy the order path's counters and risk usage. */
static int
tg_stats_apply_stats(void *ctx, void *change)
{
	struct tg_stats_ops *o = ctx;
	struct tg_stats_snap *s = &o->snap;
	uint64_t n;

	(void)change;
	tg_engine_get_stats(o->e, &s->engine);
	s->has_gw = o->conf.gw != NULL;
	if (o->conf.gw)
		tg_gw_get_stats(o->conf.gw, &s->gw);
	if (o->conf.surv)
		for (unsigned k = 0; k < TG_SURV_NKINDS; k++)
			s->alerts[k] = tg_surv_count(o->conf.surv, k);
	n = o->nalerts < TG_STATS_ALERTS ? o->nalerts : TG_STATS_ALERTS;
	for (unsigned i = 0; i < n; i++)
		s->recent[i] = o->alerts[(o->nalerts - 1 - i) % TG_STATS_ALERTS];
	s->nrecent = (unsigned)n;
	/* the busiest stocks by executions */
	s->nexec = 0;
	for (unsigned i = 0; i < TG_STATS_EXEC_STOCKS; i++) {
		const struct tg_stats_exec *x = &o->exec[i];
		unsigned k;

		if (!x->stock[0])
			continue;
		k = s->nexec < TG_STATS_STOCKS ? s->nexec : TG_STATS_STOCKS;
		if (k == TG_STATS_STOCKS && x->executions <= s->exec[k - 1].executions)
			continue;
		if (k == TG_STATS_STOCKS)
			k--;
		while (k > 0 && (s->exec[k - 1].executions < x->executions ||
				 (s->exec[k - 1].executions == x->executions &&
				  strcmp(s->exec[k - 1].stock, x->stock) > 0))) {
			s->exec[k] = s->exec[k - 1];
			k--;
		}
		s->exec[k] = *x;
		if (s->nexec < TG_STATS_STOCKS)
			s->nexec++;
	}
	s->exec_overflow = o->exec_overflow;
	s->killed_all = o->own_killed_all;
	for (unsigned i = 0; i < o->naccounts + o->nfirms; i++)
		tg_stats_capture(o, i, false);
	return 0;
}

/* Larger pct first, then by scope, name and key, so the order is stable. */
static int
tg_stats_near_cmp(const void *a, const void *b)
{
	const struct tg_stats_near *x = a, *y = b;
	int c;

	if (x->pct != y->pct)
		return x->pct < y->pct ? 1 : -1;
	if (x->firm != y->firm)
		return x->firm ? -1 : 1;
	if ((c = strcmp(x->name, y->name)))
		return c;
	return strcmp(x->key, y->key);
}

/* The limits of the captured entries that are in use, nearest first. */
static unsigned
tg_stats_near_build(struct tg_stats_ops *o)
{
	unsigned n = 0;

	for (unsigned i = 0; i < o->naccounts + o->nfirms; i++) {
		const struct tg_stats_rent *x = &o->rent[i];
		int firm = i >= o->naccounts;
		const char *name = firm ? o->firm[i - o->naccounts] : o->acct[i];
		int64_t dl = x->limit[TG_RISK_MAX_DAILY_NOTIONAL];
		int64_t pl = x->limit[TG_RISK_MAX_POSITION];

		if (dl != TG_RISK_NO_LIMIT) {
			struct tg_stats_near *e = &o->near[n++];

			memset(e, 0, sizeof(*e));
			e->firm = firm;
			snprintf(e->name, sizeof(e->name), "%s", name);
			e->key = "max_daily_notional";
			e->used = (double)(x->executed + x->open) / TG_P4;
			e->limit = (double)dl;
			e->pct = dl ? 100.0 * e->used / e->limit : (e->used > 0 ? INFINITY : 0);
		}
		if (pl != TG_RISK_NO_LIMIT) {
			struct tg_stats_near *e = &o->near[n++];

			memset(e, 0, sizeof(*e));
			e->firm = firm;
			snprintf(e->name, sizeof(e->name), "%s", name);
			e->key = "max_position";
			snprintf(e->stock, sizeof(e->stock), "%s", x->worst_stock);
			e->used = (double)x->worst_pos;
			e->limit = (double)pl;
			e->pct = pl ? 100.0 * e->used / e->limit : (e->used > 0 ? INFINITY : 0);
		}
		/* the limits are known exactly now: raises() reads them */
		memcpy(o->mirror[i], x->limit, sizeof(x->limit));
	}
	qsort(o->near, n, sizeof(*o->near), tg_stats_near_cmp);
	/* JSON has no infinity: a zero limit in use shows as 100 % over */
	for (unsigned i = 0; i < n; i++)
		if (isinf(o->near[i].pct))
			o->near[i].pct = 1e9;
	return n < TG_STATS_NEAR ? n : TG_STATS_NEAR;
}

/* Merge per-lcore histograms into h; false when there are none. */
static bool
tg_stats_merge(struct tg_hist *h, const struct tg_hist *const *src, unsigned n)
{
	if (!src || !n)
		return false;
	tg_hist_init(h);
	for (unsigned i = 0; i < n; i++)
		if (src[i])
			tg_hist_merge(h, src[i]);
	return true;
}

/* Control thread: the reply is the stats object's members. */
static int
tg_stats_reply_stats(void *ctx, const char *cmd, json_t *args, const void *change,
		     int status, json_t *reply, char *err, size_t errlen)
{
	struct tg_stats_ops *o = ctx;
	struct tg_stats s = { 0 };
	struct tg_ctl_counters cc;
	struct timespec ts;
	unsigned nf = 0, na = 0;
	json_t *j;

	(void)cmd, (void)args, (void)change, (void)status;
	clock_gettime(CLOCK_REALTIME, &ts);
	s.time = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (o->conf.feed && !tg_stats_feed_read(o->conf.feed, &o->feed))
		s.feed = &o->feed;
	if (o->e) {
		struct tg_stats_snap *sn = &o->snap;

		s.engine = &sn->engine;
		s.gw = sn->has_gw ? &sn->gw : NULL;
		s.nexec = sn->nexec;
		s.exec = sn->exec;
		s.exec_overflow = sn->exec_overflow;
		s.has_risk = true;
		s.killed_all = sn->killed_all;
		for (unsigned i = 0; i < o->nfirms; i++)
			if (o->rent[o->naccounts + i].killed)
				snprintf(o->killed_names[nf++], TG_STATS_NAME, "%s", o->firm[i]);
		for (unsigned i = 0; i < o->naccounts; i++)
			if (o->rent[i].killed)
				snprintf(o->killed_names[nf + na++], TG_STATS_NAME, "%s", o->acct[i]);
		s.nkilled_firms = nf;
		s.killed_firms = o->killed_names;
		s.nkilled_accounts = na;
		s.killed_accounts = o->killed_names + nf;
		s.nnear = tg_stats_near_build(o);
		s.near = o->near;
		if (o->conf.surv) {
			s.alerts = sn->alerts;
			s.nrecent = sn->nrecent;
			s.recent = sn->recent;
		}
	}
	if (tg_stats_merge(o->w2b, o->conf.wire_to_book, o->conf.n_wire_to_book))
		s.wire_to_book = o->w2b;
	if (tg_stats_merge(o->o2a, o->conf.order_to_ack, o->conf.n_order_to_ack))
		s.order_to_ack = o->o2a;
	if (o->conf.ctl) {
		tg_ctl_get_counters(o->conf.ctl, &cc);
		s.control = &cc;
	}
	if (!(j = tg_stats_json(&s))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	json_object_update(reply, j);
	json_decref(j);
	return 0;
}

/* ---- book ---- */

struct tg_stats_book_change {
	char stock[9];
	unsigned depth;		/* levels per side wanted, 1 .. TG_STATS_BOOK_MAX */
	int nb, na;		/* written by apply: levels, or -errno */
};

/* Control thread: the stock and depth asked for. */
static int
tg_stats_prep_book(void *ctx, const char *cmd, json_t *args, void *change,
		   char *err, size_t errlen)
{
	struct tg_stats_book_change *c = change;
	const char *stock = json_string_value(json_object_get(args, "stock"));
	json_t *d = json_object_get(args, "depth");

	(void)ctx, (void)cmd;
	if (!stock || !*stock || strlen(stock) > 8) {
		snprintf(err, errlen, "book needs \"stock\": a symbol of 1 to 8 characters");
		return -EINVAL;
	}
	snprintf(c->stock, sizeof(c->stock), "%s", stock);
	c->depth = TG_STATS_BOOK_MAX;
	if (d && (!json_is_integer(d) || json_integer_value(d) < 0)) {
		snprintf(err, errlen, "\"depth\" must be a number of levels (0: all)");
		return -EINVAL;
	}
	if (d && json_integer_value(d) > 0 && json_integer_value(d) < TG_STATS_BOOK_MAX)
		c->depth = (unsigned)json_integer_value(d);
	return 0;
}

/* Owner: copy the levels (one more than asked, to tell a cut-off). */
static int
tg_stats_apply_book(void *ctx, void *change)
{
	struct tg_stats_ops *o = ctx;
	struct tg_stats_book_change *c = change;

	c->nb = tg_engine_levels(o->e, c->stock, 'B', o->bids, c->depth + 1);
	c->na = tg_engine_levels(o->e, c->stock, 'S', o->asks, c->depth + 1);
	return c->nb < 0 ? c->nb : c->na < 0 ? c->na : 0;
}

/* [[price, shares, orders], ...] of n levels. */
static json_t *
tg_stats_levels_json(const struct tg_engine_level *lv, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("[I, I, i]", (json_int_t)lv[i].price,
						   (json_int_t)lv[i].shares, (int)lv[i].orders));
	return a;
}

/* Control thread: the levels the apply copied, as the offline book prints them. */
static int
tg_stats_reply_book(void *ctx, const char *cmd, json_t *args, const void *change,
		    int status, json_t *reply, char *err, size_t errlen)
{
	struct tg_stats_ops *o = ctx;
	const struct tg_stats_book_change *c = change;
	unsigned nb, na;

	(void)cmd, (void)args;
	if (status == -ENOENT) {
		snprintf(err, errlen, "no stock '%s' in the order book", c->stock);
		return status;
	}
	if (status)
		return status;
	nb = (unsigned)c->nb > c->depth ? c->depth : (unsigned)c->nb;
	na = (unsigned)c->na > c->depth ? c->depth : (unsigned)c->na;
	json_object_set_new(reply, "stock", json_string(c->stock));
	json_object_set_new(reply, "bids", tg_stats_levels_json(o->bids, nb));
	json_object_set_new(reply, "asks", tg_stats_levels_json(o->asks, na));
	if ((unsigned)c->nb > c->depth || (unsigned)c->na > c->depth)
		json_object_set_new(reply, "more", json_true());
	return 0;
}

/* ---- risk.show ---- */

struct tg_stats_show_change {
	int scope;		/* -1 both, 0 accounts, 1 firms */
	int who;		/* -1 every one of scope, else its index */
};

/* "firm"/"account" and an optional name into scope and index. */
static int
tg_stats_parse_who(struct tg_stats_ops *o, json_t *args, bool need_name, int *scope,
		   int *who, char *err, size_t errlen)
{
	const char *s = json_string_value(json_object_get(args, "scope"));
	json_t *nv = json_object_get(args, "name");
	const char *name = json_string_value(nv);

	*scope = -1;
	*who = -1;
	if (nv && !json_is_string(nv)) {
		snprintf(err, errlen, "\"name\" must be a string");
		return -EINVAL;
	}
	if (!s) {
		if (need_name || name) {
			snprintf(err, errlen, "\"scope\" must be firm or account");
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(s, "firm"))
		*scope = 1;
	else if (!strcmp(s, "account"))
		*scope = 0;
	else {
		snprintf(err, errlen, "\"scope\" must be firm or account, not '%.32s'", s);
		return -EINVAL;
	}
	if (!name || !*name) {
		if (need_name) {
			snprintf(err, errlen, "a %s needs \"name\"", s);
			return -EINVAL;
		}
		return 0;
	}
	*who = *scope ? tg_stats_find(o->firm, o->nfirms, name)
		      : tg_stats_find(o->acct, o->naccounts, name);
	if (*who < 0) {
		snprintf(err, errlen, "no %s '%.32s'", s, name);
		return -ENOENT;
	}
	return 0;
}

/* Control thread: which firms or accounts to show. */
static int
tg_stats_prep_show(void *ctx, const char *cmd, json_t *args, void *change,
		   char *err, size_t errlen)
{
	struct tg_stats_show_change *c = change;

	(void)cmd;
	return tg_stats_parse_who(ctx, args, false, &c->scope, &c->who, err, errlen);
}

/* Owner: capture the entries asked for, and the restrictions for everyone. */
static int
tg_stats_apply_show(void *ctx, void *change)
{
	struct tg_stats_ops *o = ctx;
	const struct tg_stats_show_change *c = change;
	uint32_t nstocks = tg_stocks_count(o->e->stocks);

	for (unsigned i = 0; i < o->naccounts + o->nfirms; i++) {
		int firm = i >= o->naccounts;
		int idx = firm ? (int)(i - o->naccounts) : (int)i;

		if ((c->scope < 0 || c->scope == firm) && (c->who < 0 || c->who == idx))
			tg_stats_capture(o, i, true);
	}
	o->snap.killed_all = o->own_killed_all;
	o->nrestricted_all = 0;
	for (uint32_t s = 0; s < nstocks && o->nrestricted_all < TG_STATS_RESTRICTED; s++)
		if (tg_risk_restricted(o->e->risk, 0, -1, (uint16_t)s))
			tg_stats_sym(o->restricted_all[o->nrestricted_all++],
				     tg_stocks_get_c(o->e->stocks, s)->sym);
	return 0;
}

/* One limit as JSON: null for none, stp by name. */
static json_t *
tg_stats_limit_json(int k, int64_t v)
{
	static const char *const stp[] = { "off", "account", "firm" };

	if (k == TG_RISK_STP)
		return json_string(v >= 0 && v <= 2 ? stp[v] : "?");
	return v == TG_RISK_NO_LIMIT ? json_null() : json_integer((json_int_t)v);
}

/* One captured account or firm. */
static json_t *
tg_stats_rent_json(const struct tg_stats_ops *o, unsigned i)
{
	const struct tg_stats_rent *x = &o->rent[i];
	int firm = i >= o->naccounts;
	json_t *e = json_object(), *lim = json_object(), *pos = json_array(), *res = json_array();

	if (!e || !lim || !pos || !res) {
		json_decref(e);
		json_decref(lim);
		json_decref(pos);
		json_decref(res);
		return NULL;
	}
	json_object_set_new(e, "name", json_string(firm ? o->firm[i - o->naccounts] : o->acct[i]));
	if (!firm)
		json_object_set_new(e, "firm", json_string(o->firm[o->acct_firm[i]]));
	json_object_set_new(e, "killed", json_boolean(x->killed));
	for (int k = 0; k < TG_RISK_NKEYS; k++)
		json_object_set_new(lim, tg_risk_key_name(k), tg_stats_limit_json(k, x->limit[k]));
	json_object_set_new(e, "limits", lim);
	json_object_set_new(e, "executed_notional", json_real((double)x->executed / TG_P4));
	json_object_set_new(e, "open_notional", json_real((double)x->open / TG_P4));
	for (unsigned p = 0; p < x->npos; p++)
		json_array_append_new(pos, json_pack("{s:s, s:I, s:I, s:I}",
						     "stock", x->pos[p].stock,
						     "position", (json_int_t)x->pos[p].position,
						     "open_buy", (json_int_t)x->pos[p].open_buy,
						     "open_sell", (json_int_t)x->pos[p].open_sell));
	json_object_set_new(e, "positions", pos);
	if (x->pos_more)
		json_object_set_new(e, "positions_more", json_true());
	for (unsigned r = 0; r < x->nrestricted; r++)
		json_array_append_new(res, json_string(x->restricted[r]));
	json_object_set_new(e, "restricted", res);
	return e;
}

/* Control thread: the captured entries, firms then accounts. */
static int
tg_stats_reply_show(void *ctx, const char *cmd, json_t *args, const void *change,
		    int status, json_t *reply, char *err, size_t errlen)
{
	struct tg_stats_ops *o = ctx;
	const struct tg_stats_show_change *c = change;
	json_t *firms = json_array(), *accts = json_array(), *res = json_array();

	(void)cmd, (void)args, (void)status, (void)err, (void)errlen;
	for (unsigned i = 0; i < o->naccounts + o->nfirms; i++) {
		int firm = i >= o->naccounts;
		int idx = firm ? (int)(i - o->naccounts) : (int)i;

		if ((c->scope >= 0 && c->scope != firm) || (c->who >= 0 && c->who != idx))
			continue;
		json_array_append_new(firm ? firms : accts, tg_stats_rent_json(o, i));
		memcpy(o->mirror[i], o->rent[i].limit, sizeof(o->rent[i].limit));
	}
	for (unsigned r = 0; res && r < o->nrestricted_all; r++)
		json_array_append_new(res, json_string(o->restricted_all[r]));
	json_object_set_new(reply, "killed_all", json_boolean(o->snap.killed_all));
	json_object_set_new(reply, "restricted", res);
	json_object_set_new(reply, "firms", firms);
	json_object_set_new(reply, "accounts", accts);
	return 0;
}

/* ---- risk.set, kill, resume ---- */

struct tg_stats_ctl_change {
	struct tg_engine_ctl ctl;
	uint64_t canceled;	/* written by apply: orders the action canceled */
};

/* risk.set's arguments into an engine action; the entry's index in *idx. */
static int
tg_stats_parse_set(struct tg_stats_ops *o, json_t *args, struct tg_engine_ctl *c,
		   int *idx, char *err, size_t errlen)
{
	const char *key = json_string_value(json_object_get(args, "key"));
	json_t *v = json_object_get(args, "value");
	int scope, who, rc, k;

	if ((rc = tg_stats_parse_who(o, args, true, &scope, &who, err, errlen)))
		return rc;
	if (!key || !*key || strlen(key) >= sizeof(c->key)) {
		snprintf(err, errlen, "risk.set needs \"key\": a risk key (max_order_shares ...)");
		return -EINVAL;
	}
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "\"value\" must be an integer (-1: no limit)");
		return -EINVAL;
	}
	memset(c, 0, sizeof(*c));
	c->kind = TG_ENGINE_SET_LIMIT;
	snprintf(c->scope, sizeof(c->scope), "%s", scope ? "firm" : "account");
	snprintf(c->name, sizeof(c->name), "%s", scope ? o->firm[who] : o->acct[who]);
	snprintf(c->key, sizeof(c->key), "%s", key);
	c->value = json_integer_value(v);
	*idx = scope ? (int)o->naccounts + who : who;
	if (!strncmp(key, "restricted.", 11)) {
		if (c->value != 0 && c->value != 1) {
			snprintf(err, errlen, "%s takes 1 (restrict) or 0 (lift)", key);
			return -EINVAL;
		}
		return 0;
	}
	if ((k = tg_risk_key_find(key)) < 0) {
		snprintf(err, errlen, "unknown risk key '%s'", key);
		return -ENOENT;
	}
	if (tg_risk_value_ok(k, c->value)) {
		snprintf(err, errlen, "%s cannot be %lld", key, (long long)c->value);
		return -EINVAL;
	}
	return 0;
}

/*
 * Control thread, before the audit record: a higher limit, no limit where
 * there was one, weaker self-trade prevention, or a lifted restriction.
 */
static int
tg_stats_raises(void *ctx, json_t *args, char *err, size_t errlen)
{
	struct tg_stats_ops *o = ctx;
	struct tg_engine_ctl c;
	int idx, rc, k;
	int64_t old;

	if ((rc = tg_stats_parse_set(o, args, &c, &idx, err, errlen)))
		return rc;
	if (!strncmp(c.key, "restricted.", 11))
		return c.value == 0;
	k = tg_risk_key_find(c.key);
	old = o->mirror[idx][k];
	if (k == TG_RISK_STP)
		return c.value < old;
	if (old == TG_RISK_NO_LIMIT)
		return 0;
	return c.value == TG_RISK_NO_LIMIT || c.value > old;
}

/* Control thread: risk.set as an engine action. */
static int
tg_stats_prep_set(void *ctx, const char *cmd, json_t *args, void *change,
		  char *err, size_t errlen)
{
	struct tg_stats_ctl_change *c = change;
	int idx;

	(void)cmd;
	return tg_stats_parse_set(ctx, args, &c->ctl, &idx, err, errlen);
}

/* Control thread: kill or resume as an engine action. */
static int
tg_stats_prep_switch(void *ctx, const char *cmd, json_t *args, void *change,
		     char *err, size_t errlen)
{
	struct tg_stats_ops *o = ctx;
	struct tg_stats_ctl_change *c = change;
	const char *s = json_string_value(json_object_get(args, "scope"));
	int kill = !strcmp(cmd, "kill"), scope, who, rc;

	if (s && !strcmp(s, "all")) {
		if (json_object_get(args, "name")) {
			snprintf(err, errlen, "%s all takes no \"name\"", cmd);
			return -EINVAL;
		}
		c->ctl.kind = kill ? TG_ENGINE_KILL_ALL : TG_ENGINE_RESUME_ALL;
		return 0;
	}
	if ((rc = tg_stats_parse_who(o, args, true, &scope, &who, err, errlen)))
		return rc;
	if (scope)
		c->ctl.kind = kill ? TG_ENGINE_KILL_FIRM : TG_ENGINE_RESUME_FIRM;
	else
		c->ctl.kind = kill ? TG_ENGINE_KILL_ACCOUNT : TG_ENGINE_RESUME_ACCOUNT;
	snprintf(c->ctl.name, sizeof(c->ctl.name), "%s", scope ? o->firm[who] : o->acct[who]);
	return 0;
}

/* Owner: the action through the appliance (or the engine directly). */
static int
tg_stats_apply_ctl(void *ctx, void *change)
{
	struct tg_stats_ops *o = ctx;
	struct tg_stats_ctl_change *c = change;
	struct tg_engine_stats before, after;
	int rc;

	tg_engine_get_stats(o->e, &before);
	if (o->conf.control)
		rc = o->conf.control(o->conf.ctx, &c->ctl);
	else
		rc = tg_engine_control(o->e, o->conf.now ? o->conf.now(o->conf.ctx) : o->e->now,
				       &c->ctl, o->conf.sink);
	tg_engine_get_stats(o->e, &after);
	c->canceled = after.canceled - before.canceled;
	if (!rc)
		tg_stats_ops_control(o, &c->ctl);
	return rc;
}

/* Control thread: what the action did; a new limit goes into the mirror. */
static int
tg_stats_reply_ctl(void *ctx, const char *cmd, json_t *args, const void *change,
		   int status, json_t *reply, char *err, size_t errlen)
{
	struct tg_stats_ops *o = ctx;
	const struct tg_stats_ctl_change *c = change;

	(void)args;
	if (status) {
		if (status == -ENOENT && c->ctl.kind == TG_ENGINE_SET_LIMIT)
			snprintf(err, errlen, "%s: no such stock or key", c->ctl.key);
		else if (status == -ENOSPC)
			snprintf(err, errlen, "the engine's stock table is full");
		return status;
	}
	json_object_set_new(reply, "applied", json_string(cmd));
	if (c->ctl.kind == TG_ENGINE_SET_LIMIT) {
		int k = tg_risk_key_find(c->ctl.key);
		int who = !strcmp(c->ctl.scope, "firm")
			? (int)o->naccounts + tg_stats_find(o->firm, o->nfirms, c->ctl.name)
			: tg_stats_find(o->acct, o->naccounts, c->ctl.name);

		if (k >= 0 && who >= 0)
			o->mirror[who][k] = c->ctl.value;
	} else if (c->ctl.kind <= TG_ENGINE_KILL_ALL) {
		json_object_set_new(reply, "canceled", json_integer((json_int_t)c->canceled));
	}
	return 0;
}

/* The six commands, each with the parts it needs. */
int
tg_stats_ops_register(struct tg_stats_ops *o, struct tg_ctl *c)
{
	const struct tg_ctl_handler stats = {
		.apply = o->e ? tg_stats_apply_stats : NULL,
		.reply = tg_stats_reply_stats, .ctx = o,
	};
	const struct tg_ctl_handler book = {
		.prepare = tg_stats_prep_book, .apply = tg_stats_apply_book,
		.reply = tg_stats_reply_book, .ctx = o,
	};
	const struct tg_ctl_handler show = {
		.prepare = tg_stats_prep_show, .apply = tg_stats_apply_show,
		.reply = tg_stats_reply_show, .ctx = o,
	};
	const struct tg_ctl_handler set = {
		.prepare = tg_stats_prep_set, .apply = tg_stats_apply_ctl,
		.reply = tg_stats_reply_ctl, .raises = tg_stats_raises, .ctx = o,
	};
	const struct tg_ctl_handler sw = {
		.prepare = tg_stats_prep_switch, .apply = tg_stats_apply_ctl,
		.reply = tg_stats_reply_ctl, .ctx = o,
	};
	int rc;

	if ((rc = tg_ctl_register(c, "stats", &stats)) || !o->e)
		return rc;
	/* a journal replay may have changed limits since tg_stats_ops_new */
	tg_stats_mirror_load(o);
	if ((rc = tg_ctl_register(c, "book", &book)) ||
	    (rc = tg_ctl_register(c, "risk.show", &show)) ||
	    (rc = tg_ctl_register(c, "risk.set", &set)) ||
	    (rc = tg_ctl_register(c, "kill", &sw)) ||
	    (rc = tg_ctl_register(c, "resume", &sw)))
		return rc;
	return 0;
}
