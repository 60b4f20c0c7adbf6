/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Surveillance state and rules. Orders are tracked from the engine's
 * Accepted / Replaced / Canceled / Executed / Modified messages; fills
 * drive the trade-based rules. Every rule keeps the least state that
 * decides it, keyed by (user, token), (user, stock) or (firm, stock) in
 * open-addressing tables, so a day of millions of orders costs a few
 * hash probes per event.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "surv/tg_surv.h"

/* ---- a table of u64 keys to pool indexes (open addressing) ---- */

struct sv_slot {
	uint64_t key;
	uint32_t val;		/* pool index + 1; 0 = empty slot */
};

/* Keys and values side by side: a probe touches one cache line. */
struct sv_map {
	struct sv_slot *slot;
	uint32_t mask, n;
};

/* A strong 64-bit mix (murmur3's finaliser): keys are often sequential. */
static inline uint64_t
sv_mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	return k ^ (k >> 33);
}

static int
sv_map_init(struct sv_map *m, uint32_t slots)
{
	m->slot = calloc(slots, sizeof(*m->slot));
	m->mask = slots - 1;
	m->n = 0;
	return m->slot ? 0 : -ENOMEM;
}

static void
sv_map_free(struct sv_map *m)
{
	free(m->slot);
}

/* Slot of key, or of the empty slot where it would go. */
static inline uint32_t
sv_map_slot(const struct sv_map *m, uint64_t key)
{
	uint32_t i = (uint32_t)sv_mix(key) & m->mask;

	while (m->slot[i].val && m->slot[i].key != key)
		i = (i + 1) & m->mask;
	return i;
}

/* Pool index + 1 stored for key, or 0. */
static inline uint32_t
sv_map_get(const struct sv_map *m, uint64_t key)
{
	return m->slot[sv_map_slot(m, key)].val;
}

static int sv_map_put(struct sv_map *m, uint64_t key, uint32_t val);

/* Double the table when it is half full: probes stay short. */
static int
sv_map_grow(struct sv_map *m)
{
	struct sv_map old = *m;

	if (sv_map_init(m, 2 * (old.mask + 1))) {
		sv_map_free(m);
		*m = old;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i <= old.mask; i++)
		if (old.slot[i].val)
			sv_map_put(m, old.slot[i].key, old.slot[i].val);
	sv_map_free(&old);
	return 0;
}

/* Store val (pool index + 1) for a key not in the table. */
static int
sv_map_put(struct sv_map *m, uint64_t key, uint32_t val)
{
	uint32_t i;

	if (2 * (m->n + 1) > m->mask + 1 && sv_map_grow(m))
		return -ENOMEM;
	i = sv_map_slot(m, key);
	m->slot[i].key = key;
	m->slot[i].val = val;
	m->n++;
	return 0;
}

/* Remove key, shifting later entries of its probe run back (no tombstones). */
static void
sv_map_del(struct sv_map *m, uint64_t key)
{
	uint32_t i = sv_map_slot(m, key), j = i;

	if (!m->slot[i].val)
		return;
	m->slot[i].val = 0;
	m->n--;
	for (;;) {
		uint32_t home;

		j = (j + 1) & m->mask;
		if (!m->slot[j].val)
			return;
		home = (uint32_t)sv_mix(m->slot[j].key) & m->mask;
		/* move j back to i unless its home lies cyclically in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			m->slot[i] = m->slot[j];
			m->slot[j].val = 0;
			i = j;
		}
	}
}

/* ---- state ---- */

#define SV_LAYER_MAX	TG_SURV_MAX_REFS

struct sv_order {
	unsigned user;
	uint32_t stock;
	uint32_t price;
	uint32_t open;		/* shares still open */
	uint64_t ts;		/* accepted at */
	char side;		/* 'B' or 'S' (short sales are sells) */
	char token[TG_OUCH_TOKEN_LEN];
	uint32_t next_free;
};

struct sv_stock {
	char name[TG_OUCH_STOCK_LEN];
	uint32_t last;		/* last trade price, p4 */
	uint32_t close_ref;	/* last price before the close window */
	bool close_ref_set;
	uint64_t volume;
	uint64_t window_volume;	/* shares traded in the close window */
};

struct sv_user {
	uint32_t firm;		/* firm index */
	uint64_t entered, canceled, executions;
	bool cancel_alerted, otr_alerted;
	/* the last fill, for spoofing and layering */
	bool has_fill, layer_alerted;
	char fill_side;
	uint32_t fill_stock, fill_shares;
	uint64_t fill_ts, fill_match;
	char fill_token[TG_OUCH_TOKEN_LEN];
	unsigned nlayer;	/* user cancels after that fill, other side */
	struct {
		char token[TG_OUCH_TOKEN_LEN];
		uint32_t price;
	} layer[SV_LAYER_MAX];
};

#define SV_RUN_REFS	6	/* a run's fills named in its alert */

struct sv_pair {		/* (user, stock) */
	uint64_t window_aggr;	/* aggressive shares in the close window */
	bool marking_alerted;
	/* the current run of aggressive fills on one side */
	char run_side;
	uint32_t run_count, run_start, run_last_price;
	uint64_t run_last_ts;
	unsigned run_nrefs;	/* the run's first SV_RUN_REFS fills */
	char run_tokens[SV_RUN_REFS][TG_OUCH_TOKEN_LEN];
	uint64_t run_matches[SV_RUN_REFS];
};

struct sv_firmstock {		/* (firm, stock) */
	uint64_t volume;
	bool alerted;
};

struct tg_surv {
	struct tg_surv_config c;
	struct tg_surv_user *users;
	struct sv_user *u;
	unsigned nusers;
	tg_surv_alert_fn fn;
	void *ctx;
	uint64_t counts[TG_SURV_NKINDS];

	struct sv_map order_map;	/* hash(user, token) -> order */
	struct sv_order *orders;
	uint32_t norders, cap_orders, free_order;

	struct sv_map stock_map;	/* stock bytes -> stock */
	struct sv_stock *stocks;
	uint32_t nstocks, cap_stocks;

	struct sv_map pair_map;		/* user << 32 | stock */
	struct sv_pair *pairs;
	uint32_t npairs, cap_pairs;

	struct sv_map fs_map;		/* firm << 32 | stock */
	struct sv_firmstock *fs;
	uint32_t nfs, cap_fs;
};

#define SV_NO_FREE	UINT32_MAX

/* Grow a pool array to hold one more element; 0 or -ENOMEM. */
static int
sv_reserve(void **arr, uint32_t *cap, uint32_t n, size_t size)
{
	void *p;
	uint32_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? 2 * *cap : 1024;
	p = realloc(*arr, (size_t)nc * size);
	if (!p)
		return -ENOMEM;
	memset((char *)p + (size_t)*cap * size, 0, (size_t)(nc - *cap) * size);
	*arr = p;
	*cap = nc;
	return 0;
}

struct tg_surv *
tg_surv_new(const struct tg_surv_config *c, const struct tg_surv_user *users,
	    unsigned nusers, tg_surv_alert_fn fn, void *ctx)
{
	struct tg_surv *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->c = *c;
	s->fn = fn;
	s->ctx = ctx;
	s->nusers = nusers;
	s->free_order = SV_NO_FREE;
	s->users = calloc(nusers ? nusers : 1, sizeof(*s->users));
	s->u = calloc(nusers ? nusers : 1, sizeof(*s->u));
	if (!s->users || !s->u || sv_map_init(&s->order_map, 4096) ||
	    sv_map_init(&s->stock_map, 1024) || sv_map_init(&s->pair_map, 1024) ||
	    sv_map_init(&s->fs_map, 1024)) {
		tg_surv_free(s);
		return NULL;
	}
	memcpy(s->users, users, nusers * sizeof(*users));
	/* firms by first appearance: users of one firm share its index */
	for (unsigned i = 0; i < nusers; i++) {
		s->u[i].firm = i;
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(s->users[j].firm, s->users[i].firm)) {
				s->u[i].firm = s->u[j].firm;
				break;
			}
	}
	return s;
}

void
tg_surv_free(struct tg_surv *s)
{
	if (!s)
		return;
	sv_map_free(&s->order_map);
	sv_map_free(&s->stock_map);
	sv_map_free(&s->pair_map);
	sv_map_free(&s->fs_map);
	free(s->orders);
	free(s->stocks);
	free(s->pairs);
	free(s->fs);
	free(s->users);
	free(s->u);
	free(s);
}

uint64_t
tg_surv_count(const struct tg_surv *s, enum tg_surv_kind k)
{
	return (unsigned)k < TG_SURV_NKINDS ? s->counts[k] : 0;
}

/* Index of a stock, added on first sight; UINT32_MAX when out of memory. */
static uint32_t
sv_stock(struct tg_surv *s, const char name[TG_OUCH_STOCK_LEN])
{
	uint64_t key;
	uint32_t v;

	memcpy(&key, name, sizeof(key));
	v = sv_map_get(&s->stock_map, key);
	if (v)
		return v - 1;
	if (sv_reserve((void **)&s->stocks, &s->cap_stocks, s->nstocks, sizeof(*s->stocks)))
		return UINT32_MAX;
	memcpy(s->stocks[s->nstocks].name, name, TG_OUCH_STOCK_LEN);
	if (sv_map_put(&s->stock_map, key, s->nstocks + 1))
		return UINT32_MAX;
	return s->nstocks++;
}

/* The (user, stock) record if there is one. */
static struct sv_pair *
sv_pair_find(struct tg_surv *s, unsigned user, uint32_t stock)
{
	uint32_t v = sv_map_get(&s->pair_map, (uint64_t)user << 32 | stock);

	return v ? &s->pairs[v - 1] : NULL;
}

/* The (user, stock) record, added on first use; NULL if out of memory. */
static struct sv_pair *
sv_pair(struct tg_surv *s, unsigned user, uint32_t stock)
{
	uint64_t key = (uint64_t)user << 32 | stock;
	uint32_t v = sv_map_get(&s->pair_map, key);

	if (v)
		return &s->pairs[v - 1];
	if (sv_reserve((void **)&s->pairs, &s->cap_pairs, s->npairs, sizeof(*s->pairs)) ||
	    sv_map_put(&s->pair_map, key, s->npairs + 1))
		return NULL;
	return &s->pairs[s->npairs++];
}

/* The (firm, stock) record, added on first use; NULL if out of memory. */
static struct sv_firmstock *
sv_firmstock(struct tg_surv *s, uint32_t firm, uint32_t stock)
{
	uint64_t key = (uint64_t)firm << 32 | stock;
	uint32_t v = sv_map_get(&s->fs_map, key);

	if (v)
		return &s->fs[v - 1];
	if (sv_reserve((void **)&s->fs, &s->cap_fs, s->nfs, sizeof(*s->fs)) ||
	    sv_map_put(&s->fs_map, key, s->nfs + 1))
		return NULL;
	return &s->fs[s->nfs++];
}

/* ---- orders ---- */

/* FNV-1a over the user and the token: the order table's key. */
static uint64_t
sv_order_key(unsigned user, const char token[TG_OUCH_TOKEN_LEN])
{
	uint64_t h = 0xcbf29ce484222325ull ^ user;

	for (int i = 0; i < TG_OUCH_TOKEN_LEN; i++)
		h = (h ^ (uint8_t)token[i]) * 0x100000001b3ull;
	return h;
}

/*
 * The live order (user, token), or NULL. Two tokens with the same 64-bit
 * key would share a slot: the token is compared, and the second one is
 * simply not tracked (surveillance then misses that one order rather
 * than mixing two up).
 */
static struct sv_order *
sv_order_find(struct tg_surv *s, unsigned user, const char token[TG_OUCH_TOKEN_LEN])
{
	uint32_t v = sv_map_get(&s->order_map, sv_order_key(user, token));
	struct sv_order *o;

	if (!v)
		return NULL;
	o = &s->orders[v - 1];
	return o->user == user && !memcmp(o->token, token, TG_OUCH_TOKEN_LEN) ? o : NULL;
}

static void
sv_order_add(struct tg_surv *s, unsigned user, const char token[TG_OUCH_TOKEN_LEN],
	     const char stock[TG_OUCH_STOCK_LEN], char side, uint32_t price,
	     uint32_t shares, uint64_t ts)
{
	uint64_t key = sv_order_key(user, token);
	uint32_t st = sv_stock(s, stock), i;
	struct sv_order *o;

	if (st == UINT32_MAX || sv_map_get(&s->order_map, key))
		return;
	if (s->free_order != SV_NO_FREE) {
		i = s->free_order;
		s->free_order = s->orders[i].next_free;
	} else {
		if (sv_reserve((void **)&s->orders, &s->cap_orders, s->norders,
			       sizeof(*s->orders)))
			return;
		i = s->norders++;
	}
	if (sv_map_put(&s->order_map, key, i + 1)) {
		s->orders[i].next_free = s->free_order;
		s->free_order = i;
		return;
	}
	o = &s->orders[i];
	o->user = user;
	o->stock = st;
	o->price = price;
	o->open = shares;
	o->ts = ts;
	o->side = side == 'B' ? 'B' : 'S';
	memcpy(o->token, token, TG_OUCH_TOKEN_LEN);
}

static void
sv_order_remove(struct tg_surv *s, struct sv_order *o)
{
	uint32_t i = (uint32_t)(o - s->orders);

	sv_map_del(&s->order_map, sv_order_key(o->user, o->token));
	o->next_free = s->free_order;
	s->free_order = i;
}

/* ---- alerts ---- */

static void
sv_alert_init(struct tg_surv_alert *a, enum tg_surv_kind kind, uint64_t ts,
	      unsigned user, const struct tg_surv *s, uint32_t stock)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->ts = ts;
	a->user = user;
	if (stock == UINT32_MAX)
		memset(a->stock, ' ', sizeof(a->stock));
	else
		memcpy(a->stock, s->stocks[stock].name, sizeof(a->stock));
}

static void
sv_token(struct tg_surv_alert *a, const char token[TG_OUCH_TOKEN_LEN])
{
	if (a->ntokens < TG_SURV_MAX_REFS)
		memcpy(a->tokens[a->ntokens++], token, TG_OUCH_TOKEN_LEN);
}

static void
sv_match(struct tg_surv_alert *a, uint64_t match)
{
	if (a->nmatches < TG_SURV_MAX_REFS)
		a->matches[a->nmatches++] = match;
}

static void
sv_figure(struct tg_surv_alert *a, const char *name, double v)
{
	if (a->nfigures < TG_SURV_MAX_FIGURES) {
		a->figures[a->nfigures].name = name;
		a->figures[a->nfigures++].value = v;
	}
}

static void
sv_raise(struct tg_surv *s, const struct tg_surv_alert *a)
{
	s->counts[a->kind]++;
	if (s->fn)
		s->fn(s->ctx, a);
}

/* ---- order-based rules ---- */

/* Entered orders against executions: raised once per account and day. */
static void
sv_check_otr(struct tg_surv *s, unsigned user, uint64_t ts)
{
	struct sv_user *u = &s->u[user];
	struct tg_surv_alert a;

	if (u->otr_alerted || u->entered < s->c.otr_min_orders ||
	    u->entered < (uint64_t)s->c.otr_ratio * (u->executions + 1))
		return;
	u->otr_alerted = true;
	sv_alert_init(&a, TG_SURV_ORDER_TO_TRADE, ts, user, s, UINT32_MAX);
	sv_figure(&a, "orders", (double)u->entered);
	sv_figure(&a, "executions", (double)u->executions);
	sv_figure(&a, "ratio", (double)u->entered / (double)(u->executions + 1));
	sv_figure(&a, "threshold_ratio", s->c.otr_ratio);
	sv_figure(&a, "min_orders", s->c.otr_min_orders);
	sv_raise(s, &a);
}

/* Canceled orders against entered ones: raised once per account and day. */
static void
sv_check_cancel_ratio(struct tg_surv *s, unsigned user, uint64_t ts)
{
	struct sv_user *u = &s->u[user];
	struct tg_surv_alert a;

	if (u->cancel_alerted || u->entered < s->c.cancel_min_orders ||
	    u->canceled * 100 < (uint64_t)s->c.cancel_ratio_pct * u->entered)
		return;
	u->cancel_alerted = true;
	sv_alert_init(&a, TG_SURV_CANCEL_RATIO, ts, user, s, UINT32_MAX);
	sv_figure(&a, "orders", (double)u->entered);
	sv_figure(&a, "canceled", (double)u->canceled);
	sv_figure(&a, "ratio_pct", 100.0 * (double)u->canceled / (double)u->entered);
	sv_figure(&a, "threshold_pct", s->c.cancel_ratio_pct);
	sv_figure(&a, "min_orders", s->c.cancel_min_orders);
	sv_raise(s, &a);
}

/*
 * A user cancel of an order that was resting on one side when the same
 * account was filled on the other side of the same stock, soon after that
 * fill: one large order is spoofing, several at distinct prices layering.
 */
static void
sv_check_spoof(struct tg_surv *s, const struct sv_order *o, uint32_t canceled,
	       uint64_t ts)
{
	struct sv_user *u = &s->u[o->user];
	struct tg_surv_alert a;
	unsigned distinct = 0;

	if (!u->has_fill || u->fill_stock != o->stock || u->fill_side == o->side ||
	    o->ts > u->fill_ts || ts - u->fill_ts > s->c.spoof_window_ns)
		return;
	if (canceled >= s->c.spoof_min_shares &&
	    canceled >= (uint64_t)s->c.spoof_size_ratio * u->fill_shares) {
		sv_alert_init(&a, TG_SURV_SPOOFING, ts, o->user, s, o->stock);
		sv_token(&a, o->token);
		sv_token(&a, u->fill_token);
		sv_match(&a, u->fill_match);
		sv_figure(&a, "canceled_shares", canceled);
		sv_figure(&a, "filled_shares", u->fill_shares);
		sv_figure(&a, "ms_after_fill", (double)(ts - u->fill_ts) / 1e6);
		sv_figure(&a, "min_shares", s->c.spoof_min_shares);
		sv_figure(&a, "size_ratio", s->c.spoof_size_ratio);
		sv_figure(&a, "window_ms", (double)s->c.spoof_window_ns / 1e6);
		sv_raise(s, &a);
	}
	if (u->nlayer < SV_LAYER_MAX) {
		memcpy(u->layer[u->nlayer].token, o->token, TG_OUCH_TOKEN_LEN);
		u->layer[u->nlayer++].price = o->price;
	}
	for (unsigned i = 0; i < u->nlayer; i++) {
		unsigned j = 0;

		while (j < i && u->layer[j].price != u->layer[i].price)
			j++;
		distinct += j == i;
	}
	if (u->layer_alerted || distinct < s->c.layer_min_orders)
		return;
	u->layer_alerted = true;
	sv_alert_init(&a, TG_SURV_LAYERING, ts, o->user, s, o->stock);
	for (unsigned i = 0; i < u->nlayer; i++)
		sv_token(&a, u->layer[i].token);
	sv_token(&a, u->fill_token);
	sv_match(&a, u->fill_match);
	sv_figure(&a, "orders_canceled", u->nlayer);
	sv_figure(&a, "price_levels", distinct);
	sv_figure(&a, "filled_shares", u->fill_shares);
	sv_figure(&a, "ms_after_fill", (double)(ts - u->fill_ts) / 1e6);
	sv_figure(&a, "min_orders", s->c.layer_min_orders);
	sv_figure(&a, "window_ms", (double)s->c.spoof_window_ns / 1e6);
	sv_raise(s, &a);
}

/* Shares leave an order: a user cancel feeds the cancel rules. */
static void
sv_order_reduce(struct tg_surv *s, unsigned user, const char token[TG_OUCH_TOKEN_LEN],
		uint32_t shares, char reason, uint64_t ts)
{
	struct sv_order *o = sv_order_find(s, user, token);

	if (!o)
		return;
	if (shares > o->open)
		shares = o->open;
	o->open -= shares;
	if (reason == 'U' && shares)
		sv_check_spoof(s, o, shares, ts);
	if (o->open)
		return;
	if (reason == 'U') {
		s->u[user].canceled++;
		sv_check_cancel_ratio(s, user, ts);
	}
	sv_order_remove(s, o);
}

void
tg_surv_order(struct tg_surv *s, unsigned user, const struct tg_ouch_out *m)
{
	struct sv_order *o;

	if (user >= s->nusers)
		return;
	switch (m->type) {
	case 'A':
		if (m->order.order_state != 'L')
			break;	/* dead on arrival: never rested */
		sv_order_add(s, user, m->order.token, m->order.stock, m->order.side,
			     m->order.price, m->order.shares, m->ts);
		s->u[user].entered++;
		sv_check_otr(s, user, m->ts);
		sv_check_cancel_ratio(s, user, m->ts);
		break;
	case 'U':
		o = sv_order_find(s, user, m->order.previous_token);
		if (o)
			sv_order_remove(s, o);
		if (m->order.order_state == 'L')
			sv_order_add(s, user, m->order.token, m->order.stock,
				     m->order.side, m->order.price, m->order.shares, m->ts);
		s->u[user].entered++;
		sv_check_otr(s, user, m->ts);
		break;
	case 'C':
		sv_order_reduce(s, user, m->canceled.token, m->canceled.decrement,
				m->canceled.reason, m->ts);
		break;
	case 'D':
		sv_order_reduce(s, user, m->aiq_canceled.token, m->aiq_canceled.decrement,
				m->aiq_canceled.reason, m->ts);
		break;
	case 'E':
		sv_order_reduce(s, user, m->executed.token, m->executed.shares, 0, m->ts);
		break;
	case 'M':
		o = sv_order_find(s, user, m->modified.token);
		if (o) {
			o->side = m->modified.side == 'B' ? 'B' : 'S';
			o->open = m->modified.shares;
			if (!o->open)
				sv_order_remove(s, o);
		}
		break;
	default:
		break;
	}
}

/* ---- trade-based rules ---- */

/* Signed move from ref to price in basis points, positive in side's favour of pushing. */
static int64_t
sv_move_bps(char side, uint32_t ref, uint32_t price)
{
	int64_t d = (int64_t)price - (int64_t)ref;

	if (!ref)
		return 0;
	return (side == 'B' ? d : -d) * 10000 / (int64_t)ref;
}

static void
sv_check_wash(struct tg_surv *s, const struct tg_engine_fill *f, unsigned aggr,
	      uint32_t stock)
{
	struct tg_surv_alert a;

	if (strcmp(s->users[f->buy.user].owner, s->users[f->sell.user].owner) ||
	    f->shares < s->c.wash_min_shares)
		return;
	sv_alert_init(&a, TG_SURV_WASH_TRADE, f->ts, aggr, s, stock);
	sv_token(&a, f->buy.token);
	sv_token(&a, f->sell.token);
	sv_match(&a, f->match);
	sv_figure(&a, "shares", f->shares);
	sv_figure(&a, "price", f->price / 1e4);
	sv_figure(&a, "min_shares", s->c.wash_min_shares);
	sv_raise(s, &a);
}

static void
sv_check_large(struct tg_surv *s, const struct tg_engine_fill *f, unsigned aggr,
	       uint32_t stock)
{
	uint64_t notional = (uint64_t)f->price * f->shares / 10000;
	struct tg_surv_alert a;

	if (f->shares < s->c.large_shares && notional < s->c.large_notional)
		return;
	sv_alert_init(&a, TG_SURV_LARGE_TRADE, f->ts, aggr, s, stock);
	sv_token(&a, aggr == f->buy.user ? f->buy.token : f->sell.token);
	sv_match(&a, f->match);
	sv_figure(&a, "shares", f->shares);
	sv_figure(&a, "notional", (double)notional);
	sv_figure(&a, "threshold_shares", s->c.large_shares);
	sv_figure(&a, "threshold_notional", (double)s->c.large_notional);
	sv_raise(s, &a);
}

/* A firm's share of the stock's volume, both sides it took counted. */
static void
sv_check_concentration(struct tg_surv *s, const struct tg_engine_fill *f,
		       unsigned user, uint32_t stock)
{
	struct sv_firmstock *fs = sv_firmstock(s, s->u[user].firm, stock);
	const struct sv_stock *st = &s->stocks[stock];
	struct tg_surv_alert a;

	if (!fs)
		return;
	fs->volume += f->shares;
	if (fs->alerted || st->volume < s->c.conc_min_volume ||
	    fs->volume * 100 < (uint64_t)s->c.conc_pct * 2 * st->volume)
		return;
	fs->alerted = true;
	sv_alert_init(&a, TG_SURV_CONCENTRATION, f->ts, user, s, stock);
	sv_match(&a, f->match);
	sv_figure(&a, "firm_shares", (double)fs->volume);
	sv_figure(&a, "stock_shares", (double)st->volume);
	sv_figure(&a, "share_pct", 50.0 * (double)fs->volume / (double)st->volume);
	sv_figure(&a, "threshold_pct", s->c.conc_pct);
	sv_figure(&a, "min_volume", (double)s->c.conc_min_volume);
	sv_raise(s, &a);
}

/* Aggressive trades in the close window that move the closing price. */
static void
sv_check_marking(struct tg_surv *s, const struct tg_engine_fill *f, unsigned aggr,
		 char side, uint32_t stock)
{
	struct sv_stock *st = &s->stocks[stock];
	struct sv_pair *p;
	struct tg_surv_alert a;
	int64_t move;

	if (f->ts >= s->c.close_ns || f->ts + s->c.close_window_ns < s->c.close_ns)
		return;
	if (!st->close_ref_set) {
		st->close_ref = st->last ? st->last : f->price;
		st->close_ref_set = true;
	}
	st->window_volume += f->shares;
	p = sv_pair(s, aggr, stock);
	if (!p)
		return;
	p->window_aggr += f->shares;
	move = sv_move_bps(side, st->close_ref, f->price);
	if (p->marking_alerted || move < (int64_t)s->c.marking_move_bps ||
	    p->window_aggr * 100 < (uint64_t)s->c.marking_share_pct * st->window_volume)
		return;
	p->marking_alerted = true;
	sv_alert_init(&a, TG_SURV_MARKING_CLOSE, f->ts, aggr, s, stock);
	sv_token(&a, aggr == f->buy.user ? f->buy.token : f->sell.token);
	sv_match(&a, f->match);
	sv_figure(&a, "move_bps", (double)move);
	sv_figure(&a, "reference_price", st->close_ref / 1e4);
	sv_figure(&a, "price", f->price / 1e4);
	sv_figure(&a, "account_share_pct", 100.0 * (double)p->window_aggr /
		  (double)st->window_volume);
	sv_figure(&a, "seconds_to_close", (double)(s->c.close_ns - f->ts) / 1e9);
	sv_figure(&a, "threshold_bps", s->c.marking_move_bps);
	sv_figure(&a, "threshold_share_pct", s->c.marking_share_pct);
	sv_raise(s, &a);
}

/*
 * Momentum ignition: a run of aggressive fills on one side that moved the
 * price, then the same account trading the other way soon after — it
 * lit the move to trade against the followers.
 */
static void
sv_check_reversal(struct tg_surv *s, const struct tg_engine_fill *f, unsigned user,
		  char side, const char token[TG_OUCH_TOKEN_LEN], uint32_t stock)
{
	struct sv_pair *p = sv_pair_find(s, user, stock);
	struct tg_surv_alert a;
	int64_t move;

	if (!p || !p->run_count || p->run_side == side)
		return;
	move = sv_move_bps(p->run_side, p->run_start, p->run_last_price);
	if (p->run_count < s->c.momentum_min_trades ||
	    move < (int64_t)s->c.momentum_move_bps ||
	    f->ts - p->run_last_ts > s->c.momentum_reverse_ns)
		return;
	sv_alert_init(&a, TG_SURV_MOMENTUM_IGNITION, f->ts, user, s, stock);
	for (unsigned i = 0; i < p->run_nrefs; i++) {
		sv_token(&a, p->run_tokens[i]);
		sv_match(&a, p->run_matches[i]);
	}
	sv_token(&a, token);
	sv_match(&a, f->match);
	sv_figure(&a, "run_trades", p->run_count);
	sv_figure(&a, "move_bps", (double)move);
	sv_figure(&a, "start_price", p->run_start / 1e4);
	sv_figure(&a, "run_end_price", p->run_last_price / 1e4);
	sv_figure(&a, "reverse_after_ms", (double)(f->ts - p->run_last_ts) / 1e6);
	sv_figure(&a, "threshold_bps", s->c.momentum_move_bps);
	sv_figure(&a, "min_trades", s->c.momentum_min_trades);
	sv_raise(s, &a);
	p->run_count = 0;	/* one alert per run */
}

/* Extend or restart the aggressor's run. */
static void
sv_run_update(struct tg_surv *s, const struct tg_engine_fill *f, unsigned aggr,
	      char side, const char token[TG_OUCH_TOKEN_LEN], uint32_t stock)
{
	struct sv_pair *p = sv_pair(s, aggr, stock);

	if (!p)
		return;
	if (!p->run_count || p->run_side != side ||
	    f->ts - p->run_last_ts > s->c.momentum_window_ns) {
		p->run_side = side;
		p->run_count = 0;
		p->run_nrefs = 0;
		p->run_start = s->stocks[stock].last ? s->stocks[stock].last : f->price;
	}
	p->run_count++;
	p->run_last_ts = f->ts;
	p->run_last_price = f->price;
	if (p->run_nrefs < SV_RUN_REFS) {
		memcpy(p->run_tokens[p->run_nrefs], token, TG_OUCH_TOKEN_LEN);
		p->run_matches[p->run_nrefs++] = f->match;
	}
}

/* Remember a user's latest fill for the spoofing and layering rules. */
static void
sv_note_fill(struct tg_surv *s, unsigned user, char side,
	     const char token[TG_OUCH_TOKEN_LEN], const struct tg_engine_fill *f,
	     uint32_t stock)
{
	struct sv_user *u = &s->u[user];

	u->executions++;
	u->has_fill = true;
	u->layer_alerted = false;
	u->nlayer = 0;
	u->fill_side = side;
	u->fill_stock = stock;
	u->fill_shares = f->shares;
	u->fill_ts = f->ts;
	u->fill_match = f->match;
	memcpy(u->fill_token, token, TG_OUCH_TOKEN_LEN);
}

void
tg_surv_fill(struct tg_surv *s, const struct tg_engine_fill *f)
{
	unsigned b = f->buy.user, se = f->sell.user, aggr;
	char aggr_side;
	const char *aggr_token;
	uint32_t stock;

	if (b >= s->nusers || se >= s->nusers || !f->shares)
		return;
	stock = sv_stock(s, f->stock);
	if (stock == UINT32_MAX)
		return;
	/* the side that removed liquidity; a cross of two resting orders: buy */
	if (f->sell.liquidity == 'R' && f->buy.liquidity != 'R') {
		aggr = se;
		aggr_side = 'S';
		aggr_token = f->sell.token;
	} else {
		aggr = b;
		aggr_side = 'B';
		aggr_token = f->buy.token;
	}
	s->stocks[stock].volume += f->shares;

	sv_check_wash(s, f, aggr, stock);
	sv_check_large(s, f, aggr, stock);
	sv_check_concentration(s, f, b, stock);
	if (s->u[se].firm != s->u[b].firm)
		sv_check_concentration(s, f, se, stock);
	else {
		struct sv_firmstock *fs = sv_firmstock(s, s->u[se].firm, stock);

		if (fs)		/* one firm on both sides: both sides are its volume */
			fs->volume += f->shares;
	}
	sv_check_marking(s, f, aggr, aggr_side, stock);
	sv_check_reversal(s, f, b, 'B', f->buy.token, stock);
	sv_check_reversal(s, f, se, 'S', f->sell.token, stock);
	sv_run_update(s, f, aggr, aggr_side, aggr_token, stock);
	sv_note_fill(s, b, 'B', f->buy.token, f, stock);
	if (se != b)
		sv_note_fill(s, se, 'S', f->sell.token, f, stock);
	s->stocks[stock].last = f->price;
}

/* ---- JSON ---- */

/* An alpha field without its padding. */
static json_t *
sv_alpha(const char *p, size_t n)
{
	while (n && p[n - 1] == ' ')
		n--;
	return json_stringn(p, n);
}

json_t *
tg_surv_alert_json(const struct tg_surv *s, const struct tg_surv_alert *a)
{
	json_t *o = json_object(), *tokens = json_array(), *matches = json_array(),
	       *figs = json_object();
	const struct tg_surv_user *u = a->user < s->nusers ? &s->users[a->user] : NULL;

	if (!o || !tokens || !matches || !figs) {
		json_decref(o);
		json_decref(tokens);
		json_decref(matches);
		json_decref(figs);
		return NULL;
	}
	for (unsigned i = 0; i < a->ntokens; i++)
		json_array_append_new(tokens, sv_alpha(a->tokens[i], TG_OUCH_TOKEN_LEN));
	for (unsigned i = 0; i < a->nmatches; i++)
		json_array_append_new(matches, json_integer((json_int_t)a->matches[i]));
	for (unsigned i = 0; i < a->nfigures; i++) {
		double v = a->figures[i].value;

		json_object_set_new(figs, a->figures[i].name,
				    v == (double)(json_int_t)v ? json_integer((json_int_t)v)
							       : json_real(v));
	}
	json_object_set_new(o, "kind", json_string(tg_surv_kind_name(a->kind)));
	json_object_set_new(o, "time", json_integer((json_int_t)a->ts));
	json_object_set_new(o, "firm", json_string(u ? u->firm : ""));
	json_object_set_new(o, "account", json_string(u ? u->account : ""));
	json_object_set_new(o, "stock", sv_alpha(a->stock, TG_OUCH_STOCK_LEN));
	json_object_set_new(o, "order_tokens", tokens);
	json_object_set_new(o, "match_numbers", matches);
	json_object_set_new(o, "figures", figs);
	return o;
}
