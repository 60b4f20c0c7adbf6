/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The order path's deterministic core: OUCH in -> validation -> risk ->
 * matching -> OUCH out. docs/order-path.md states the rules this file
 * implements (order of checks, reason codes, what each message answers).
 *
 * Tokens name orders through tg_tokens (user, token) -> (slot, gen); an
 * order that dies only has its slot's generation bumped, so its token
 * stays "used" for the day at no cost. Time passes only with the inputs'
 * timestamps: every call first expires what its ts has run out, so an
 * expired order can never trade, whether or not the caller ticks.
 */
#include <errno.h>
#include <string.h>

#include "order/tg_engine_int.h"

#define TG_NS			1000000000ull
#define TG_ENGINE_MAX_SHARES	999999u		/* OUCH 4.2: below 1,000,000 */
#define TG_ENGINE_TIF_MAX	TG_OUCH_TIF_SYSTEM_HOURS

/* reject reasons of the engine itself (risk's are in tg_risk.h) */
#define TG_R_OTHER	'O'	/* OUCH: other (malformed field, unknown user or type) */
#define TG_R_TOKEN	'U'	/* tickgate: token already used today */
#define TG_R_QTY	'Q'	/* tickgate: shares 0 or above 999,999 */
#define TG_R_PRICE	'X'	/* OUCH: invalid price */
#define TG_R_DISPLAY	'D'	/* OUCH: invalid display type */
#define TG_R_CROSS	'R'	/* OUCH: not allowed in this type of cross */
#define TG_R_MINQTY	'N'	/* OUCH: invalid minimum quantity */
#define TG_R_FIRM	'L'	/* OUCH: firm not authorized */
#define TG_R_STOCK	'S'	/* OUCH: invalid stock */
#define TG_R_CLOSED	'C'	/* OUCH: market closed */
#define TG_R_HALTED	'H'	/* OUCH: halted */
#define TG_R_FULL	'Y'	/* tickgate: engine capacity reached */

/* cancel reasons */
#define TG_C_USER	'U'
#define TG_C_IOC	'I'
#define TG_C_TIMEOUT	'T'
#define TG_C_SUPERVISORY 'S'
#define TG_C_SELF	'Q'
#define TG_C_HALTED	'H'
#define TG_C_SYSTEM	'Z'
#define TG_C_COLLAR	'K'

/* ---- outputs ---- */

static inline void
tg_eng_emit(struct tg_engine *e, unsigned user, const struct tg_ouch_out *m)
{
	const struct tg_engine_sink *s = e->sink;

	if (s && s->out)
		s->out(s->ctx, user, m);
}

static inline void
tg_eng_msg(struct tg_engine *e, struct tg_ouch_out *m, char type)
{
	/* zeroed whole, so callers may compare messages bytewise */
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->ts = e->now;
}

static void
tg_eng_reject(struct tg_engine *e, unsigned user, const char *token, char reason)
{
	struct tg_ouch_out m;

	tg_eng_msg(e, &m, 'J');
	memcpy(m.rejected.token, token, TG_OUCH_TOKEN_LEN);
	m.rejected.reason = reason;
	e->stats.rejects[reason & 127]++;
	tg_eng_emit(e, user, &m);
}

static void
tg_eng_cancel_reject(struct tg_engine *e, unsigned user, const char *token)
{
	struct tg_ouch_out m;

	tg_eng_msg(e, &m, 'I');
	memcpy(m.pending.token, token, TG_OUCH_TOKEN_LEN);
	e->stats.cancel_rejects++;
	tg_eng_emit(e, user, &m);
}

static void
tg_eng_canceled(struct tg_engine *e, const struct tg_match_order *o, uint32_t dec,
		char reason)
{
	struct tg_ouch_out m;

	tg_eng_msg(e, &m, 'C');
	memcpy(m.canceled.token, o->token, TG_OUCH_TOKEN_LEN);
	m.canceled.decrement = dec;
	m.canceled.reason = reason;
	e->stats.canceled++;
	tg_eng_emit(e, o->user, &m);
}

/* Accepted ('A') or Replaced ('U', prev = the replaced token). */
static void
tg_eng_accepted(struct tg_engine *e, const struct tg_match_order *o, uint32_t shares,
		uint32_t tif, uint32_t min_qty, bool dead, const char *prev)
{
	struct tg_ouch_out m;
	struct tg_ouch_order_fields *f = &m.order;

	tg_eng_msg(e, &m, prev ? 'U' : 'A');
	memcpy(f->token, o->token, TG_OUCH_TOKEN_LEN);
	f->side = o->side;
	f->shares = shares;
	memcpy(f->stock, tg_stocks_get(e->stocks, o->stock)->sym, TG_OUCH_STOCK_LEN);
	f->price = o->price;
	f->tif = tif;
	memcpy(f->firm, e->firms[o->firm].field, TG_OUCH_FIRM_LEN);
	f->display = o->display;
	f->order_ref = o->ref;
	f->capacity = o->capacity;
	f->ise = o->ise;
	f->min_qty = min_qty;
	f->cross_type = o->cross_type;
	f->order_state = dead ? 'D' : 'L';
	f->bbo_weight = ' ';
	if (prev)
		memcpy(f->previous_token, prev, TG_OUCH_TOKEN_LEN);
	e->stats.accepted++;
	if (dead)
		e->stats.canceled++;
	tg_eng_emit(e, o->user, &m);
}

/* ---- matching callbacks ---- */

struct tg_eng_take {
	struct tg_engine *e;
	struct tg_match_order *in;	/* the incoming order */
};

static inline int
tg_eng_buy(const struct tg_match_order *o)
{
	return o->side == 'B';
}

static void
tg_eng_fill_side(const struct tg_engine *e, const struct tg_match_order *o, char liq,
		 struct tg_engine_fill *f)
{
	(void)e;
	if (tg_eng_buy(o)) {
		f->buy.user = o->user;
		memcpy(f->buy.token, o->token, TG_OUCH_TOKEN_LEN);
		f->buy.order_ref = o->ref;
		f->buy.liquidity = liq;
	} else {
		f->sell.user = o->user;
		memcpy(f->sell.token, o->token, TG_OUCH_TOKEN_LEN);
		f->sell.order_ref = o->ref;
		f->sell.liquidity = liq;
	}
}

/*
 * One execution: Executed to the resting order's user, then to the
 * incoming order's, then the fill record; both sides' exposure moves.
 */
static void
tg_eng_exec(void *ctx, struct tg_match_order *r, uint32_t shares, uint32_t price)
{
	struct tg_eng_take *t = ctx;
	struct tg_engine *e = t->e;
	struct tg_match_order *in = t->in;
	uint64_t match = e->next_match++;
	struct tg_ouch_out m;

	tg_eng_msg(e, &m, 'E');
	memcpy(m.executed.token, r->token, TG_OUCH_TOKEN_LEN);
	m.executed.shares = shares;
	m.executed.price = price;
	m.executed.liquidity = 'A';
	m.executed.match = match;
	tg_eng_emit(e, r->user, &m);
	memcpy(m.executed.token, in->token, TG_OUCH_TOKEN_LEN);
	m.executed.liquidity = 'R';
	tg_eng_emit(e, in->user, &m);

	tg_risk_fill(e->risk, r->account, r->firm, r->stock, tg_eng_buy(r), shares, price,
		     1, r->price);
	tg_risk_fill(e->risk, in->account, in->firm, in->stock, tg_eng_buy(in), shares,
		     price, 0, 0);
	tg_stocks_get(e->stocks, r->stock)->own_last = price;
	e->stats.executions++;

	if (e->sink && e->sink->fill) {
		struct tg_engine_fill f;

		memset(&f, 0, sizeof(f));
		f.ts = e->now;
		f.match = match;
		memcpy(f.stock, tg_stocks_get(e->stocks, r->stock)->sym, TG_OUCH_STOCK_LEN);
		f.price = price;
		f.shares = shares;
		tg_eng_fill_side(e, r, 'A', &f);
		tg_eng_fill_side(e, in, 'R', &f);
		e->sink->fill(e->sink->ctx, &f);
	}
}

/*
 * Self-trade prevention: the resting order is canceled whole, with OUCH's
 * AIQ Canceled message (reason 'Q'), and the incoming order goes on.
 */
static void
tg_eng_stp(void *ctx, struct tg_match_order *r, uint32_t prevented)
{
	struct tg_eng_take *t = ctx;
	struct tg_engine *e = t->e;
	struct tg_ouch_out m;

	tg_eng_msg(e, &m, 'D');
	memcpy(m.aiq_canceled.token, r->token, TG_OUCH_TOKEN_LEN);
	m.aiq_canceled.decrement = r->open;
	m.aiq_canceled.reason = TG_C_SELF;
	m.aiq_canceled.prevented = prevented;
	m.aiq_canceled.price = r->price;
	m.aiq_canceled.liquidity = 'A';
	e->stats.canceled++;
	tg_eng_emit(e, r->user, &m);
	tg_risk_close(e->risk, r->account, r->firm, r->stock, tg_eng_buy(r), r->open, r->price);
}

/* ---- sweeps: kill switches, end of day, halts ---- */

struct tg_eng_sweep {
	struct tg_engine *e;
	char reason;
	int by;			/* 0 all, 1 account, 2 firm */
	uint16_t who;
};

static bool
tg_eng_sweep_pick(void *ctx, const struct tg_match_order *o)
{
	const struct tg_eng_sweep *s = ctx;

	return s->by == 0 || (s->by == 1 && o->account == s->who) ||
	       (s->by == 2 && o->firm == s->who);
}

static void
tg_eng_sweep_drop(void *ctx, struct tg_match_order *o)
{
	struct tg_eng_sweep *s = ctx;

	tg_eng_canceled(s->e, o, o->open, s->reason);
	tg_risk_close(s->e->risk, o->account, o->firm, o->stock, tg_eng_buy(o), o->open,
		      o->price);
}

/* Cancel resting orders (all, of an account, of a firm) in every stock. */
static void
tg_eng_sweep_all(struct tg_engine *e, int by, uint16_t who, char reason)
{
	struct tg_eng_sweep s = { .e = e, .reason = reason, .by = by, .who = who };
	uint32_t n = tg_stocks_count(e->stocks);

	for (uint32_t st = 0; st < n; st++)
		tg_match_sweep(e->match, (uint16_t)st, by ? tg_eng_sweep_pick : NULL,
			       tg_eng_sweep_drop, &s);
}

/* Time moves to ts: orders whose time in force ran out are canceled ('T'). */
static void
tg_eng_advance(struct tg_engine *e, uint64_t ts)
{
	uint32_t idx;

	e->now = ts;
	if (__builtin_expect(tg_match_next_expiry(e->match) > ts, 1))
		return;
	while ((idx = tg_match_expired(e->match, ts)) != TG_MATCH_NONE) {
		struct tg_match_order *o = tg_match_order(e->match, idx);

		tg_eng_canceled(e, o, o->open, TG_C_TIMEOUT);
		tg_risk_close(e->risk, o->account, o->firm, o->stock, tg_eng_buy(o), o->open,
			      o->price);
		tg_match_unlink(e->match, idx);
		tg_match_release(e->match, idx);
	}
}

/* ---- validation ---- */

/*
 * Printable ASCII (0x20-0x7E), not all blanks (alpha fields are space
 * padded): eight bytes at a time, no branch per byte.
 */
static inline bool
tg_eng_token_ok(const char *t)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	const uint64_t blank = 0x2020202020202020ull;
	uint64_t w[2] = { 0, blank }, bad = 0;

	memcpy(&w[0], t, 8);
	memcpy(&w[1], t + 8, 6);	/* the two top bytes stay blank */
	for (int k = 0; k < 2; k++) {
		/* a byte below 0x20, or (after + 1) above 0x7E, sets its top bit */
		bad |= ((w[k] - blank) | w[k] | (w[k] + ones)) & high;
	}
	return !bad && ((w[0] ^ blank) | (w[1] ^ blank));
}

/* Whole cents from $1 up (Reg NMS sub-penny rule), 1/100 cent below. */
static inline bool
tg_eng_price_ok(uint32_t p)
{
	return p >= 1 && p <= TG_ENGINE_PRICE_MAX && (p < 10000 || p % 100 == 0);
}

static inline bool
tg_eng_display_ok(char d)
{
	return d == 'Y' || d == 'A' || d == 'N';
}

static inline bool
tg_eng_ise_ok(char c)
{
	return c == 'Y' || c == 'N';
}

/* The fields of an Enter Order, in the documented order; 0 if all good. */
static char
tg_eng_check_enter(const struct tg_engine *e, const struct tg_engine_user *u,
		   const struct tg_ouch_enter *in)
{
	static const char blank[TG_OUCH_FIRM_LEN] = { ' ', ' ', ' ', ' ' };

	if (in->side != 'B' && in->side != 'S' && in->side != 'T' && in->side != 'E')
		return TG_R_OTHER;
	if (in->shares == 0 || in->shares > TG_ENGINE_MAX_SHARES)
		return TG_R_QTY;
	if (in->price != TG_ENGINE_PRICE_MARKET && !tg_eng_price_ok(in->price))
		return TG_R_PRICE;
	if (in->tif > TG_ENGINE_TIF_MAX)
		return TG_R_OTHER;
	if (!tg_eng_display_ok(in->display))
		return TG_R_DISPLAY;
	if (in->capacity != 'A' && in->capacity != 'P' && in->capacity != 'R' &&
	    in->capacity != 'O')
		return TG_R_OTHER;
	if (!tg_eng_ise_ok(in->ise))
		return TG_R_OTHER;
	if (in->cross_type != 'N')
		return TG_R_CROSS;
	if (in->customer_type != 'R' && in->customer_type != 'N' && in->customer_type != ' ')
		return TG_R_OTHER;
	if (in->min_qty > in->shares)
		return TG_R_MINQTY;
	if (memcmp(in->firm, blank, TG_OUCH_FIRM_LEN) &&
	    memcmp(in->firm, e->firms[u->firm].field, TG_OUCH_FIRM_LEN))
		return TG_R_FIRM;
	return 0;
}

/* The collar reference of a side: the far quote, else the last trade. */
static inline uint32_t
tg_eng_ref_price(const struct tg_stock *st, int buy)
{
	uint32_t q = buy ? st->ask : st->bid;

	if (q)
		return q;
	return st->last ? st->last : st->own_last;
}

/*
 * The order live under this token entry, or NULL. A live order is about
 * to be changed: its level and exposure are asked for at once.
 */
static inline struct tg_match_order *
tg_eng_live(struct tg_engine *e, const struct tg_token_ent *ent)
{
	struct tg_match_order *o;

	if (!ent)
		return NULL;
	o = tg_match_order(e->match, ent->order);
	if (o->gen != ent->gen || !(o->flags & TG_MATCH_LIVE))
		return NULL;
	tg_match_prefetch_order(e->match, ent->order);
	tg_risk_prefetch(e->risk, o->account, o->firm, o->stock);
	return o;
}

static inline void
tg_eng_regen(struct tg_match_order *o)
{
	if (!++o->gen)
		o->gen = 1;
}

/* When an order of tif seconds entered now expires (saturating: a clock gone wild never wraps). */
static inline uint64_t
tg_eng_expiry(uint64_t now, uint32_t tif)
{
	uint64_t d = (uint64_t)tif * TG_NS;

	return now > UINT64_MAX - 1 - d ? UINT64_MAX - 1 : now + d;
}

static inline bool
tg_eng_day(uint32_t tif)
{
	return tif == TG_OUCH_TIF_MARKET_HOURS || tif == TG_OUCH_TIF_SYSTEM_HOURS;
}

/*
 * Would an accepted order be dead on arrival: immediate (IOC or market)
 * with nothing to meet, or a minimum quantity the book cannot fill now.
 */
static bool
tg_eng_dead(struct tg_engine *e, const struct tg_match_taker *t, bool immediate,
	    uint32_t min_qty, bool crosses)
{
	if (!crosses)
		return immediate || min_qty > 0;
	return min_qty > 0 && tg_match_available(e->match, t, min_qty) < min_qty;
}

/*
 * Trade an accepted (or replaced) order, then cancel what is left of an
 * immediate order or rest it, armed for expiry when its time in force is
 * in seconds.
 */
static void
tg_eng_run(struct tg_engine *e, uint32_t idx, struct tg_match_taker *t, uint32_t tif,
	   bool market)
{
	struct tg_match_order *o = tg_match_order(e->match, idx);
	struct tg_eng_take ctx = { .e = e, .in = o };
	struct tg_match_cb cb = { .exec = tg_eng_exec, .stp = tg_eng_stp, .ctx = &ctx };

	tg_match_take(e->match, t, &cb);
	if (t->open == 0) {
		tg_match_release(e->match, idx);
		return;
	}
	if (tif == TG_OUCH_TIF_IOC || market) {
		struct tg_match_level_info lv;
		char why = TG_C_IOC;

		/* a market order stopped while the other side still has orders: the collar */
		if (market && tg_match_levels(e->match, o->stock, !t->buy, 0, &lv, 1))
			why = TG_C_COLLAR;
		tg_eng_canceled(e, o, t->open, why);
		tg_match_release(e->match, idx);
		return;
	}
	o->open = t->open;
	if (__builtin_expect(tg_match_insert(e->match, idx) < 0, 0)) {
		tg_eng_canceled(e, o, t->open, TG_C_SYSTEM);
		tg_match_release(e->match, idx);
		return;
	}
	tg_risk_open(e->risk, o->account, o->firm, o->stock, t->buy, o->open, o->price);
	if (!tg_eng_day(tif))
		tg_match_arm(e->match, idx, tg_eng_expiry(e->now, tif));
}

/* ---- inbound messages ---- */

static void
tg_eng_enter(struct tg_engine *e, unsigned user, const struct tg_ouch_enter *in)
{
	const struct tg_engine_user *u = &e->users[user];
	struct tg_risk_order ro;
	struct tg_match_taker t;
	struct tg_match_order *o;
	struct tg_stock *st;
	bool market, crosses, dead;
	uint32_t idx;
	int s;
	char r;

	/*
	 * Everything this order will read that may be far away, asked for at
	 * once so the cache misses overlap instead of following each other.
	 */
	tg_tokens_prefetch(e->tokens, (uint16_t)user, in->token);
	s = tg_stocks_find(e->stocks, in->stock);
	if (s >= 0) {
		tg_match_prefetch(e->match, (uint16_t)s);
		tg_risk_prefetch(e->risk, u->account, u->firm, (uint16_t)s);
	}
	if (!tg_eng_token_ok(in->token))
		return tg_eng_reject(e, user, in->token, TG_R_OTHER);
	if (tg_tokens_find(e->tokens, (uint16_t)user, in->token))
		return tg_eng_reject(e, user, in->token, TG_R_TOKEN);
	r = tg_eng_check_enter(e, u, in);
	if (r)
		return tg_eng_reject(e, user, in->token, r);
	/* the table only holds valid symbols: one found needs no check */
	if (s < 0 && !tg_stocks_valid(in->stock))
		return tg_eng_reject(e, user, in->token, TG_R_STOCK);
	if (s < 0) {
		if (e->fixed_stocks)
			return tg_eng_reject(e, user, in->token, TG_R_STOCK);
		s = tg_stocks_add(e->stocks, in->stock);
		if (s < 0)
			return tg_eng_reject(e, user, in->token, TG_R_FULL);
	}
	st = tg_stocks_get(e->stocks, (uint32_t)s);
	if (e->closed)
		return tg_eng_reject(e, user, in->token, TG_R_CLOSED);
	if (st->state == 'H' || st->state == 'P')
		return tg_eng_reject(e, user, in->token, TG_R_HALTED);

	market = in->price == TG_ENGINE_PRICE_MARKET;
	memset(&ro, 0, sizeof(ro));
	ro.ts = e->now;
	ro.shares = in->shares;
	ro.price = in->price;
	ro.buy = in->side == 'B';
	ro.ref_price = tg_eng_ref_price(st, ro.buy);
	ro.stock = (uint16_t)s;
	ro.account = u->account;
	ro.firm = u->firm;
	r = tg_risk_check(e->risk, &ro);
	if (r)
		return tg_eng_reject(e, user, in->token, r);

	t.buy = ro.buy;
	t.open = in->shares;
	t.stock = (uint16_t)s;
	t.account = u->account;
	t.firm = u->firm;
	t.stp = tg_risk_stp(e->risk, u->account, u->firm);
	if (!market)
		t.limit = in->price;
	else if (!tg_risk_market_limit(e->risk, u->account, u->firm, t.buy, ro.ref_price,
					&t.limit))
		t.limit = t.buy ? UINT32_MAX : 0;
	crosses = tg_match_crosses(e->match, &t);
	if (st->state == 'Q' && crosses)
		return tg_eng_reject(e, user, in->token, TG_R_HALTED);
	if (tg_tokens_count(e->tokens) >= tg_tokens_capacity(e->tokens))
		return tg_eng_reject(e, user, in->token, TG_R_FULL);
	idx = tg_match_alloc(e->match);
	if (idx == TG_MATCH_NONE)
		return tg_eng_reject(e, user, in->token, TG_R_FULL);

	o = tg_match_order(e->match, idx);
	o->price = in->price;
	o->open = in->shares;
	o->ref = e->next_ref++;
	o->user = (uint16_t)user;
	o->account = u->account;
	o->firm = u->firm;
	o->stock = (uint16_t)s;
	o->side = in->side;
	o->display = in->display;
	o->capacity = in->capacity;
	o->ise = in->ise;
	o->cross_type = in->cross_type;
	memcpy(o->token, in->token, TG_OUCH_TOKEN_LEN);
	tg_tokens_add(e->tokens, (uint16_t)user, in->token, idx, o->gen);

	dead = tg_eng_dead(e, &t, market || in->tif == TG_OUCH_TIF_IOC, in->min_qty, crosses);
	tg_eng_accepted(e, o, in->shares, in->tif, in->min_qty, dead, NULL);
	if (dead) {
		tg_match_release(e->match, idx);
		return;
	}
	tg_eng_run(e, idx, &t, in->tif, market);
}

static void
tg_eng_replace(struct tg_engine *e, unsigned user, const struct tg_ouch_replace *rp)
{
	struct tg_match_order *o = tg_eng_live(e, tg_tokens_find(e->tokens, (uint16_t)user,
								 rp->existing));
	struct tg_risk_order ro;
	struct tg_match_taker t;
	struct tg_stock *st;
	bool keep, crosses, dead;
	uint32_t idx;
	char r;

	if (!o)
		return tg_eng_cancel_reject(e, user, rp->existing);
	if (!tg_eng_token_ok(rp->replacement))
		return tg_eng_reject(e, user, rp->replacement, TG_R_OTHER);
	if (tg_tokens_find(e->tokens, (uint16_t)user, rp->replacement))
		return tg_eng_reject(e, user, rp->replacement, TG_R_TOKEN);
	if (rp->shares == 0 || rp->shares > TG_ENGINE_MAX_SHARES)
		return tg_eng_reject(e, user, rp->replacement, TG_R_QTY);
	if (!tg_eng_price_ok(rp->price))
		return tg_eng_reject(e, user, rp->replacement, TG_R_PRICE);
	if (rp->tif > TG_ENGINE_TIF_MAX)
		return tg_eng_reject(e, user, rp->replacement, TG_R_OTHER);
	if (!tg_eng_display_ok(rp->display))
		return tg_eng_reject(e, user, rp->replacement, TG_R_DISPLAY);
	if (!tg_eng_ise_ok(rp->ise))
		return tg_eng_reject(e, user, rp->replacement, TG_R_OTHER);
	if (rp->min_qty > rp->shares)
		return tg_eng_reject(e, user, rp->replacement, TG_R_MINQTY);
	st = tg_stocks_get(e->stocks, o->stock);
	if (e->closed)
		return tg_eng_reject(e, user, rp->replacement, TG_R_CLOSED);
	if (st->state == 'H' || st->state == 'P')
		return tg_eng_reject(e, user, rp->replacement, TG_R_HALTED);

	memset(&ro, 0, sizeof(ro));
	ro.ts = e->now;
	ro.shares = rp->shares;
	ro.price = rp->price;
	ro.buy = tg_eng_buy(o);
	ro.ref_price = tg_eng_ref_price(st, ro.buy);
	ro.stock = o->stock;
	ro.account = o->account;
	ro.firm = o->firm;
	ro.replace = 1;
	ro.old_shares = o->open;
	ro.old_price = o->price;
	r = tg_risk_check(e->risk, &ro);
	if (r)
		return tg_eng_reject(e, user, rp->replacement, r);

	/* priority stays only for the same price and no more shares */
	keep = rp->price == o->price && rp->shares <= o->open && rp->tif != TG_OUCH_TIF_IOC;
	t.buy = ro.buy;
	t.open = rp->shares;
	t.stock = o->stock;
	t.account = o->account;
	t.firm = o->firm;
	t.stp = tg_risk_stp(e->risk, o->account, o->firm);
	t.limit = rp->price;
	crosses = !keep && tg_match_crosses(e->match, &t);
	if (st->state == 'Q' && crosses)
		return tg_eng_reject(e, user, rp->replacement, TG_R_HALTED);
	if (tg_tokens_count(e->tokens) >= tg_tokens_capacity(e->tokens))
		return tg_eng_reject(e, user, rp->replacement, TG_R_FULL);

	idx = tg_match_index(e->match, o);
	if (keep) {
		if (rp->shares < o->open) {
			tg_risk_close(e->risk, o->account, o->firm, o->stock, t.buy,
				      o->open - rp->shares, o->price);
			tg_match_reduce(e->match, idx, rp->shares);
		}
		tg_eng_regen(o);
		memcpy(o->token, rp->replacement, TG_OUCH_TOKEN_LEN);
		o->display = rp->display;
		o->ise = rp->ise;
		tg_tokens_add(e->tokens, (uint16_t)user, rp->replacement, idx, o->gen);
		if (tg_eng_day(rp->tif))
			tg_match_disarm(e->match, idx);
		else
			tg_match_arm(e->match, idx, tg_eng_expiry(e->now, rp->tif));
		tg_eng_accepted(e, o, rp->shares, rp->tif, rp->min_qty, false, rp->existing);
		return;
	}

	/* a new order in the old one's slot, at the back of its new level */
	tg_risk_close(e->risk, o->account, o->firm, o->stock, t.buy, o->open, o->price);
	tg_match_unlink(e->match, idx);
	tg_eng_regen(o);
	memcpy(o->token, rp->replacement, TG_OUCH_TOKEN_LEN);
	o->price = rp->price;
	o->open = rp->shares;
	o->display = rp->display;
	o->ise = rp->ise;
	o->ref = e->next_ref++;
	tg_tokens_add(e->tokens, (uint16_t)user, rp->replacement, idx, o->gen);
	dead = tg_eng_dead(e, &t, rp->tif == TG_OUCH_TIF_IOC, rp->min_qty, crosses);
	tg_eng_accepted(e, o, rp->shares, rp->tif, rp->min_qty, dead, rp->existing);
	if (dead) {
		tg_match_release(e->match, idx);
		return;
	}
	tg_eng_run(e, idx, &t, rp->tif, false);
}

static void
tg_eng_cancel(struct tg_engine *e, unsigned user, const struct tg_ouch_cancel *c)
{
	struct tg_match_order *o = tg_eng_live(e, tg_tokens_find(e->tokens, (uint16_t)user,
								 c->token));
	uint32_t dec, idx;

	if (!o || c->shares >= o->open)
		return tg_eng_cancel_reject(e, user, c->token);
	idx = tg_match_index(e->match, o);
	dec = o->open - c->shares;
	tg_risk_close(e->risk, o->account, o->firm, o->stock, tg_eng_buy(o), dec, o->price);
	tg_eng_canceled(e, o, dec, TG_C_USER);
	if (c->shares == 0) {
		tg_match_unlink(e->match, idx);
		tg_match_release(e->match, idx);
	} else {
		tg_match_reduce(e->match, idx, c->shares);
	}
}

/*
 * Modify: a sell may become short or short exempt and back (S T E), a buy
 * stays a buy; shares may only go down. Both keep priority.
 */
static void
tg_eng_modify(struct tg_engine *e, unsigned user, const struct tg_ouch_modify *md)
{
	struct tg_match_order *o = tg_eng_live(e, tg_tokens_find(e->tokens, (uint16_t)user,
								 md->token));
	bool sell_ok = md->side == 'S' || md->side == 'T' || md->side == 'E';
	struct tg_ouch_out m;

	if (!o || md->shares == 0 || md->shares > o->open ||
	    (tg_eng_buy(o) ? md->side != 'B' : !sell_ok))
		return tg_eng_cancel_reject(e, user, md->token);
	if (md->shares < o->open) {
		tg_risk_close(e->risk, o->account, o->firm, o->stock, tg_eng_buy(o),
			      o->open - md->shares, o->price);
		tg_match_reduce(e->match, tg_match_index(e->match, o), md->shares);
	}
	o->side = md->side;
	tg_eng_msg(e, &m, 'M');
	memcpy(m.modified.token, o->token, TG_OUCH_TOKEN_LEN);
	m.modified.side = o->side;
	m.modified.shares = o->open;
	tg_eng_emit(e, user, &m);
}

void
tg_engine_order(struct tg_engine *e, uint64_t ts, unsigned user,
		const struct tg_ouch_in *m, const struct tg_engine_sink *sink)
{
	e->sink = sink;
	e->stats.orders++;
	tg_eng_advance(e, ts);
	if (__builtin_expect(!m, 0)) {
		e->stats.bad_input++;
	} else if (__builtin_expect(user >= e->nusers, 0)) {
		e->stats.bad_input++;
		tg_eng_reject(e, user, m->enter.token, TG_R_OTHER);
	} else {
		switch (m->type) {
		case 'O':
			tg_eng_enter(e, user, &m->enter);
			break;
		case 'X':
			tg_eng_cancel(e, user, &m->cancel);
			break;
		case 'U':
			tg_eng_replace(e, user, &m->replace);
			break;
		case 'M':
			tg_eng_modify(e, user, &m->modify);
			break;
		default:
			e->stats.bad_input++;
			tg_eng_reject(e, user, m->enter.token, TG_R_OTHER);
			break;
		}
	}
	e->sink = NULL;
}

/*
 * Bursts: three read-only looks ahead, each a step further down the chain
 * of loads a message will make. Far: the token's slot, and for a new
 * order its stock's books and exposure. Near: the order a token names.
 * Next: that order's level and exposure. None of them changes anything,
 * so a burst gives what the same calls one by one give.
 */
#define TG_ENGINE_AHEAD_FAR	8
#define TG_ENGINE_AHEAD_NEAR	4

static void
tg_eng_ahead_far(const struct tg_engine *e, const struct tg_engine_in *in)
{
	const struct tg_ouch_in *m = in->m;
	const struct tg_engine_user *u;
	int s;

	if (!m || in->user >= e->nusers)
		return;
	u = &e->users[in->user];
	/* every inbound message starts with a token */
	tg_tokens_prefetch(e->tokens, (uint16_t)in->user, m->enter.token);
	if (m->type == 'U') {
		tg_tokens_prefetch(e->tokens, (uint16_t)in->user, m->replace.replacement);
	} else if (m->type == 'O') {
		s = tg_stocks_find(e->stocks, m->enter.stock);
		if (s >= 0) {
			tg_match_prefetch(e->match, (uint16_t)s);
			tg_risk_prefetch(e->risk, u->account, u->firm, (uint16_t)s);
		}
	}
}

static const struct tg_token_ent *
tg_eng_ahead_ent(const struct tg_engine *e, const struct tg_engine_in *in)
{
	const struct tg_ouch_in *m = in->m;

	if (!m || in->user >= e->nusers || (m->type != 'X' && m->type != 'U' && m->type != 'M'))
		return NULL;
	return tg_tokens_find(e->tokens, (uint16_t)in->user, m->cancel.token);
}

/* The token's entry (kept for the next look), and the order it names. */
static const struct tg_token_ent *
tg_eng_ahead_near(const struct tg_engine *e, const struct tg_engine_in *in)
{
	const struct tg_token_ent *ent = tg_eng_ahead_ent(e, in);

	if (ent)
		__builtin_prefetch(tg_match_order_c(e->match, ent->order));
	return ent;
}

/*
 * The level and exposure of the order an entry names. An entry never
 * moves or changes once added, so the one found a few messages earlier
 * is still good (at worst the order has died: nothing is asked for).
 */
static void
tg_eng_ahead_next(const struct tg_engine *e, const struct tg_token_ent *ent)
{
	const struct tg_match_order *o;

	if (!ent)
		return;
	o = tg_match_order_c(e->match, ent->order);
	if (o->gen == ent->gen && (o->flags & TG_MATCH_LIVE)) {
		tg_match_prefetch_order(e->match, ent->order);
		tg_risk_prefetch(e->risk, o->account, o->firm, o->stock);
	}
}

void
tg_engine_order_burst(struct tg_engine *e, const struct tg_engine_in *in, unsigned n,
		      const struct tg_engine_sink *sink)
{
	/* entries found by the near look, by message index modulo 8 */
	const struct tg_token_ent *ent[8] = { NULL };

	_Static_assert(TG_ENGINE_AHEAD_NEAR < 8, "the ring holds the near look-ahead");
	for (unsigned i = 0; i < n && i < TG_ENGINE_AHEAD_FAR; i++)
		tg_eng_ahead_far(e, &in[i]);
	for (unsigned i = 0; i < n && i < TG_ENGINE_AHEAD_NEAR; i++)
		ent[i % 8] = tg_eng_ahead_near(e, &in[i]);
	for (unsigned i = 0; i < n; i++) {
		if (i + TG_ENGINE_AHEAD_FAR < n)
			tg_eng_ahead_far(e, &in[i + TG_ENGINE_AHEAD_FAR]);
		if (i + TG_ENGINE_AHEAD_NEAR < n)
			ent[(i + TG_ENGINE_AHEAD_NEAR) % 8] =
				tg_eng_ahead_near(e, &in[i + TG_ENGINE_AHEAD_NEAR]);
		if (i + 1 < n)
			tg_eng_ahead_next(e, ent[(i + 1) % 8]);
		tg_engine_order(e, in[i].ts, in[i].user, in[i].m, sink);
	}
}

/* ---- the feed, operators, the clock ---- */

void
tg_engine_market(struct tg_engine *e, uint64_t ts, const struct tg_engine_market *mk,
		 const struct tg_engine_sink *sink)
{
	struct tg_stock *st;
	char prev;
	int s;

	e->sink = sink;
	tg_eng_advance(e, ts);
	if (!mk || !tg_stocks_valid(mk->stock)) {
		e->stats.market_ignored++;
		goto out;
	}
	s = e->fixed_stocks ? tg_stocks_find(e->stocks, mk->stock) :
			      tg_stocks_add(e->stocks, mk->stock);
	if (s < 0) {
		e->stats.market_ignored++;
		goto out;
	}
	st = tg_stocks_get(e->stocks, (uint32_t)s);
	st->bid = mk->bid;
	st->ask = mk->ask;
	if (mk->last)
		st->last = mk->last;
	if (mk->state == 'T' || mk->state == 'H' || mk->state == 'P' || mk->state == 'Q') {
		prev = st->state;
		st->state = mk->state;
		if (e->cancel_on_halt && (mk->state == 'H' || mk->state == 'P') &&
		    prev != 'H' && prev != 'P') {
			struct tg_eng_sweep sw = { .e = e, .reason = TG_C_HALTED };

			tg_match_sweep(e->match, (uint16_t)s, NULL, tg_eng_sweep_drop, &sw);
		}
	}
out:
	e->sink = NULL;
}

/* An account or firm name from a control action, or -ENOENT / -EINVAL. */
static int
tg_eng_ctl_who(const struct tg_engine *e, const struct tg_engine_ctl *c, int firm)
{
	if (strnlen(c->name, sizeof(c->name)) == sizeof(c->name))
		return -EINVAL;
	return firm ? tg_engine_firm_find(e, c->name) : tg_engine_account_find(e, c->name);
}

/* SET_LIMIT restricted.SYMBOL: the stock (added if the list is open). */
static int
tg_eng_ctl_stock(struct tg_engine *e, const char *sym_s, bool add)
{
	char sym[TG_STOCKS_SYM_LEN];
	size_t n = strnlen(sym_s, sizeof(((struct tg_engine_ctl *)0)->key));

	if (n == 0 || n > TG_STOCKS_SYM_LEN)
		return -EINVAL;
	memset(sym, ' ', sizeof(sym));
	memcpy(sym, sym_s, n);
	if (!tg_stocks_valid(sym))
		return -EINVAL;
	if (add && !e->fixed_stocks)
		return tg_stocks_add(e->stocks, sym);
	n = (size_t)tg_stocks_find(e->stocks, sym);
	return (int)n < 0 ? -ENOENT : (int)n;
}

static int
tg_eng_set_limit(struct tg_engine *e, uint64_t ts, const struct tg_engine_ctl *c)
{
	int firm, who, k, s;

	if (strnlen(c->scope, sizeof(c->scope)) == sizeof(c->scope) ||
	    strnlen(c->key, sizeof(c->key)) == sizeof(c->key))
		return -EINVAL;
	if (!strcmp(c->scope, "firm"))
		firm = 1;
	else if (!strcmp(c->scope, "account"))
		firm = 0;
	else
		return -EINVAL;
	who = tg_eng_ctl_who(e, c, firm);
	if (who < 0)
		return who;
	if (!strncmp(c->key, "restricted.", 11)) {
		if (c->value != 0 && c->value != 1)
			return -EINVAL;
		/* validate before adding, so a refused action adds no stock */
		s = tg_eng_ctl_stock(e, c->key + 11, false);
		if (s == -EINVAL || (s < 0 && e->fixed_stocks))
			return s;
		if (s < 0 && tg_stocks_count(e->stocks) >= tg_stocks_capacity(e->stocks))
			return -ENOSPC;
		tg_eng_advance(e, ts);
		s = tg_eng_ctl_stock(e, c->key + 11, true);
		tg_risk_restrict(e->risk, firm, who, (uint16_t)s, c->value == 1);
		return 0;
	}
	k = tg_risk_key_find(c->key);
	if (k < 0)
		return -ENOENT;
	if (tg_risk_value_ok(k, c->value) < 0)
		return -EINVAL;
	tg_eng_advance(e, ts);
	return tg_risk_set(e->risk, firm, (unsigned)who, k, c->value, e->now);
}

int
tg_engine_control(struct tg_engine *e, uint64_t ts, const struct tg_engine_ctl *c,
		  const struct tg_engine_sink *sink)
{
	int by = 0, who = 0, rc = 0;
	bool kill = false;

	if (!c)
		return -EINVAL;
	e->sink = sink;
	switch (c->kind) {
	case TG_ENGINE_KILL_ACCOUNT:
	case TG_ENGINE_RESUME_ACCOUNT:
		by = 1;
		break;
	case TG_ENGINE_KILL_FIRM:
	case TG_ENGINE_RESUME_FIRM:
		by = 2;
		break;
	case TG_ENGINE_KILL_ALL:
	case TG_ENGINE_RESUME_ALL:
		break;
	case TG_ENGINE_SET_LIMIT:
		rc = tg_eng_set_limit(e, ts, c);
		goto out;
	default:
		rc = -EINVAL;
		goto out;
	}
	kill = c->kind == TG_ENGINE_KILL_ACCOUNT || c->kind == TG_ENGINE_KILL_FIRM ||
	       c->kind == TG_ENGINE_KILL_ALL;
	if (by) {
		who = tg_eng_ctl_who(e, c, by == 2);
		if (who < 0) {
			rc = who;
			goto out;
		}
	}
	tg_eng_advance(e, ts);
	tg_risk_kill(e->risk, by == 2, by ? who : -1, kill);
	if (kill)
		tg_eng_sweep_all(e, by, (uint16_t)who, TG_C_SUPERVISORY);
out:
	e->sink = NULL;
	return rc;
}

void
tg_engine_system(struct tg_engine *e, uint64_t ts, char event,
		 const struct tg_engine_sink *sink)
{
	struct tg_ouch_out m;

	e->sink = sink;
	tg_eng_advance(e, ts);
	if (event != 'S' && event != 'E') {
		e->stats.bad_input++;
		goto out;
	}
	if (event == 'E') {
		/* every time in force ends with the day */
		tg_eng_sweep_all(e, 0, 0, TG_C_TIMEOUT);
		e->closed = true;
	} else {
		e->closed = false;
	}
	tg_eng_msg(e, &m, 'S');
	m.system.event_code = event;
	for (unsigned u = 0; u < e->nusers; u++)
		tg_eng_emit(e, u, &m);
out:
	e->sink = NULL;
}

void
tg_engine_tick(struct tg_engine *e, uint64_t ts, const struct tg_engine_sink *sink)
{
	e->sink = sink;
	tg_eng_advance(e, ts);
	e->sink = NULL;
}

uint64_t
tg_engine_next_expiry(const struct tg_engine *e)
{
	return tg_match_next_expiry(e->match);
}

/* ---- state for tests, stats and replay checks ---- */

static inline uint64_t
tg_eng_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

static uint64_t
tg_eng_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, b, 8);
		h = tg_eng_mix(h, w);
		b += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, b, n);
	return tg_eng_mix(h, w ^ (uint64_t)n << 56);
}

struct tg_eng_digest {
	const struct tg_engine *e;
	uint64_t h;
	uint64_t tokens;	/* order-independent sum over the token table */
};

static void
tg_eng_digest_order(void *ctx, const struct tg_match_order *o)
{
	struct tg_eng_digest *d = ctx;
	uint64_t h = d->h;

	h = tg_eng_mix(h, o->ref);
	h = tg_eng_mix(h, (uint64_t)o->price << 32 | o->open);
	h = tg_eng_mix(h, (uint64_t)o->user << 48 | (uint64_t)o->account << 32 |
			  (uint64_t)o->firm << 16 | o->stock);
	h = tg_eng_mix(h, (uint64_t)(uint8_t)o->side << 32 | (uint64_t)(uint8_t)o->display << 24 |
			  (uint64_t)(uint8_t)o->capacity << 16 | (uint64_t)(uint8_t)o->ise << 8 |
			  (uint8_t)o->cross_type);
	h = tg_eng_bytes(h, o->token, TG_OUCH_TOKEN_LEN);
	h = tg_eng_mix(h, tg_match_expiry(d->e->match, tg_match_index(d->e->match, o)));
	d->h = h;
}

static void
tg_eng_digest_token(void *ctx, const struct tg_token_ent *t)
{
	struct tg_eng_digest *d = ctx;
	const struct tg_match_order *o = tg_match_order_c(d->e->match, t->order);
	uint64_t live = o->gen == t->gen && (o->flags & TG_MATCH_LIVE) ? o->ref : 0;

	d->tokens += tg_eng_mix(tg_eng_mix(tg_eng_mix(1, t->k0), t->k1), live);
}

uint64_t
tg_engine_digest(const struct tg_engine *e)
{
	struct tg_eng_digest d = { .e = e, .h = 0x7467656e67696e65ull };
	uint32_t n = tg_stocks_count(e->stocks);

	d.h = tg_eng_mix(d.h, e->next_ref);
	d.h = tg_eng_mix(d.h, e->next_match);
	d.h = tg_eng_mix(d.h, e->closed);
	d.h = tg_eng_mix(d.h, e->now);
	d.h = tg_eng_mix(d.h, n);
	for (uint32_t s = 0; s < n; s++) {
		const struct tg_stock *st = tg_stocks_get_c(e->stocks, s);

		d.h = tg_eng_bytes(d.h, st->sym, TG_STOCKS_SYM_LEN);
		d.h = tg_eng_mix(d.h, (uint64_t)(uint8_t)st->state << 32 | st->own_last);
		d.h = tg_eng_mix(d.h, (uint64_t)st->bid << 32 | st->ask);
		d.h = tg_eng_mix(d.h, st->last);
		tg_match_walk(e->match, (uint16_t)s, tg_eng_digest_order, &d);
		d.h = tg_eng_mix(d.h, 0x5eedull);	/* book boundary */
	}
	tg_tokens_walk(e->tokens, tg_eng_digest_token, &d);
	d.h = tg_eng_mix(d.h, d.tokens);
	d.h = tg_eng_mix(d.h, tg_tokens_count(e->tokens));
	return tg_risk_digest(e->risk, d.h, n);
}

void
tg_engine_get_stats(const struct tg_engine *e, struct tg_engine_stats *s)
{
	*s = e->stats;
	s->resting = tg_match_used(e->match);
}

int
tg_engine_levels(const struct tg_engine *e, const char *stock, char side,
		 struct tg_engine_level *lv, unsigned n)
{
	char sym[TG_STOCKS_SYM_LEN];
	struct tg_match_level_info info[64];
	size_t len = stock ? strnlen(stock, TG_STOCKS_SYM_LEN + 1) : 0;
	unsigned got = 0;
	int s;

	if (side != 'B' && side != 'S')
		return -EINVAL;
	if (len == 0 || len > TG_STOCKS_SYM_LEN)
		return -ENOENT;
	memset(sym, ' ', sizeof(sym));
	memcpy(sym, stock, len);
	s = tg_stocks_find(e->stocks, sym);
	if (s < 0)
		return -ENOENT;
	/* levels come best first; read them in bounded chunks */
	while (got < n) {
		unsigned want = n - got < 64 ? n - got : 64;
		unsigned k = tg_match_levels(e->match, (uint16_t)s, side == 'B', got, info, want);

		for (unsigned i = 0; i < k; i++) {
			lv[got + i].price = info[i].price;
			lv[got + i].orders = info[i].orders;
			lv[got + i].shares = info[i].shares;
		}
		got += k;
		if (k < want)
			break;
	}
	return (int)got;
}
