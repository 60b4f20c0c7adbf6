/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random order streams (seeded), three ways:
 *
 * - against a naive reference matcher written here from
 *   docs/order-path.md (a flat array of orders, every best order found by
 *   a linear scan): every output of every input must be the same, which
 *   checks price-time priority, fills, cancels, replaces, modifies,
 *   minimum quantities, self-trade prevention and expiry;
 * - against invariants that need no reference, on streams that also
 *   carry risk limits, kill switches, halts and end of day: the book is
 *   never crossed at rest, no order ever executes more than it has, and
 *   the shares resting on each side of each book are exactly what the
 *   outputs say is still open (entered = executed + canceled + replaced
 *   + reduced + resting, for every order);
 * - for determinism: two engines fed the same stream give the same
 *   outputs and digests, and a different stream a different digest.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_order_util.h"

#define NSTOCKS		3
#define NUSERS		6
#define NS		1000000000ull

static const char *const stocks[NSTOCKS] = { "AAPL", "MSFT", "IBM" };
static const char *const users[NUSERS] = { "alice", "bob", "carol", "dave", "erin", "frank" };

/*
 * alice and bob trade for one account with stp = account; dave, erin and
 * frank are firm F2 with stp = firm; carol is on her own in F1.
 */
static const char cfg_ref[] =
	"[gateway]\nstocks = AAPL MSFT IBM\n"
	"[user.alice]\nfirm = F1\naccount = acc0\n"
	"[user.bob]\nfirm = F1\naccount = acc0\n"
	"[user.carol]\nfirm = F1\n"
	"[user.dave]\nfirm = F2\n"
	"[user.erin]\nfirm = F2\n"
	"[user.frank]\nfirm = F2\n"
	"[account.acc0]\nstp = account\n"
	"[firm.F2]\nstp = firm\n"
	"[engine]\nmax_orders = 4096\nmax_tokens = 65536\n";
static const unsigned acct_of[NUSERS] = { 0, 0, 1, 2, 3, 4 };
static const unsigned firm_of[NUSERS] = { 0, 0, 0, 1, 1, 1 };
static const int stp_of_acct[5] = { 1, 0, 0, 0, 0 };
static const int stp_of_firm[2] = { 0, 2 };

struct rnd {
	uint64_t s;
};

static uint32_t
rnd(struct rnd *r, uint32_t n)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)((r->s >> 11) % n);
}

/* ------------------------------------------------------------ the stream */

enum step_kind { S_ORDER, S_TICK, S_SYS };

struct step {
	enum step_kind kind;
	uint64_t ts;
	unsigned user;
	struct tg_ouch_in m;
	char event;
};

struct gen {
	struct rnd r;
	uint64_t ts;
	unsigned ntok[NUSERS];
	int closed;
};

static void
tokname(char *buf, unsigned user, unsigned k)
{
	snprintf(buf, 15, "%c%05u", 'a' + user, k);
}

/* A token of user: mostly recent ones (likely live), sometimes any. */
static void
old_token(struct gen *g, unsigned user, char *buf)
{
	unsigned n = g->ntok[user], k;

	if (n == 0) {
		tokname(buf, user, 99999);
		return;
	}
	k = rnd(&g->r, 4) ? n - 1 - rnd(&g->r, n < 12 ? n : 12) : rnd(&g->r, n);
	tokname(buf, user, k);
}

static uint32_t
gen_price(struct gen *g)
{
	/* 9.95 .. 10.05 in cents, sometimes a dime off */
	uint32_t c = 995 + rnd(&g->r, 11);

	if (rnd(&g->r, 20) == 0)
		c += rnd(&g->r, 2) ? 10 : (uint32_t)-10;
	return c * 100;
}

static uint32_t
gen_tif(struct gen *g)
{
	switch (rnd(&g->r, 20)) {
	case 0: case 1:
		return TG_OUCH_TIF_IOC;
	case 2:
		return 1 + rnd(&g->r, 3);
	case 3:
		return TG_OUCH_TIF_MARKET_HOURS;
	default:
		return TG_OUCH_TIF_SYSTEM_HOURS;
	}
}

static struct step
gen_step(struct gen *g, int with_sys)
{
	struct step s;
	unsigned p = rnd(&g->r, 100);
	char tok[16], tok2[16];

	memset(&s, 0, sizeof(s));
	g->ts += 1000 + rnd(&g->r, 50000);
	if (p < 3) {
		g->ts += NS / 4 + rnd(&g->r, (uint32_t)(NS * 3 / 2));
		s.kind = S_TICK;
		s.ts = g->ts;
		return s;
	}
	if (with_sys && p < 4) {
		s.kind = S_SYS;
		s.ts = g->ts;
		s.event = g->closed ? 'S' : (rnd(&g->r, 8) ? 'S' : 'E');
		g->closed = s.event == 'E';
		return s;
	}
	s.kind = S_ORDER;
	s.ts = g->ts;
	s.user = rnd(&g->r, NUSERS);
	p = rnd(&g->r, 100);
	if (p < 50) {
		uint32_t shares = 1 + rnd(&g->r, 300);
		uint32_t price = rnd(&g->r, 25) ? gen_price(g) : TG_ENGINE_PRICE_MARKET;
		const char sides[] = "BBBSSTE";

		if (rnd(&g->r, 40) == 0)
			old_token(g, s.user, tok);	/* a reused token */
		else
			tokname(tok, s.user, g->ntok[s.user]++);
		s.m = tord_enter(tok, sides[rnd(&g->r, 7)], shares, stocks[rnd(&g->r, NSTOCKS)],
				 price, gen_tif(g));
		if (rnd(&g->r, 10) == 0)
			s.m.enter.min_qty = rnd(&g->r, 3) ? 1 + rnd(&g->r, shares) : shares;
		if (rnd(&g->r, 200) == 0)
			s.m.enter.shares = 0;
		if (rnd(&g->r, 200) == 0)
			s.m.enter.min_qty = shares + 1;
	} else if (p < 78) {
		old_token(g, s.user, tok);
		s.m = tord_cancel(tok, rnd(&g->r, 3) ? 0 : rnd(&g->r, 200));
	} else if (p < 93) {
		old_token(g, s.user, tok);
		if (rnd(&g->r, 30) == 0)
			old_token(g, s.user, tok2);
		else
			tokname(tok2, s.user, g->ntok[s.user]++);
		s.m = tord_replace(tok, tok2, 1 + rnd(&g->r, 300), gen_price(g), gen_tif(g));
		if (rnd(&g->r, 8) == 0)
			s.m.replace.min_qty = 1 + rnd(&g->r, s.m.replace.shares);
	} else {
		const char sides[] = "BSTEX";

		old_token(g, s.user, tok);
		s.m = tord_modify(tok, sides[rnd(&g->r, 5)], rnd(&g->r, 250));
	}
	return s;
}

/* ----------------------------------------------- the reference matcher */

struct ro {
	int live;
	unsigned user;
	char token[TG_OUCH_TOKEN_LEN];
	int stock;
	char side;
	uint32_t price;
	uint32_t open;
	uint64_t ref;
	uint64_t seq;
	uint64_t expiry;
	char display, capacity, ise, cross;
};

struct refm {
	struct ro *o;
	int n, cap;
	uint64_t next_ref, next_match, seq, now;
	int closed;
	const struct tg_engine *names;	/* user index -> name, for the text */
	char *out;
	size_t len, outcap;
};

static void
ref_line(struct refm *r, const char *line)
{
	size_t n = strlen(line);

	if (r->len + n + 2 > r->outcap) {
		r->outcap = (r->len + n + 2) * 2;
		r->out = realloc(r->out, r->outcap);
	}
	memcpy(r->out + r->len, line, n);
	r->len += n;
	r->out[r->len++] = '\n';
	r->out[r->len] = 0;
}

static void
ref_emit(struct refm *r, unsigned user, const struct tg_ouch_out *m)
{
	char line[256];

	tord_fmt_out(r->names, user, m, line, sizeof(line));
	ref_line(r, line);
}

static void
ref_msg(struct refm *r, struct tg_ouch_out *m, char type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->ts = r->now;
}

static void
ref_reject(struct refm *r, unsigned user, const char *token, char why)
{
	struct tg_ouch_out m;

	ref_msg(r, &m, 'J');
	memcpy(m.rejected.token, token, TG_OUCH_TOKEN_LEN);
	m.rejected.reason = why;
	ref_emit(r, user, &m);
}

static void
ref_creject(struct refm *r, unsigned user, const char *token)
{
	struct tg_ouch_out m;

	ref_msg(r, &m, 'I');
	memcpy(m.pending.token, token, TG_OUCH_TOKEN_LEN);
	ref_emit(r, user, &m);
}

static void
ref_canceled(struct refm *r, const struct ro *o, uint32_t dec, char why)
{
	struct tg_ouch_out m;

	ref_msg(r, &m, 'C');
	memcpy(m.canceled.token, o->token, TG_OUCH_TOKEN_LEN);
	m.canceled.decrement = dec;
	m.canceled.reason = why;
	ref_emit(r, o->user, &m);
}

static struct ro *
ref_find(struct refm *r, unsigned user, const char *token)
{
	for (int i = 0; i < r->n; i++)
		if (r->o[i].user == user && !memcmp(r->o[i].token, token, TG_OUCH_TOKEN_LEN))
			return &r->o[i];
	return NULL;
}

static struct ro *
ref_new(struct refm *r)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->o = realloc(r->o, (size_t)r->cap * sizeof(*r->o));
	}
	memset(&r->o[r->n], 0, sizeof(r->o[0]));
	return &r->o[r->n++];
}

static int
is_buy(char side)
{
	return side == 'B';
}

static int
crosses(const struct ro *c, int buy, uint32_t limit)
{
	return buy ? c->price <= limit : c->price >= limit;
}

static int
stp_same(unsigned user, const struct ro *c)
{
	int a = stp_of_acct[acct_of[user]], f = stp_of_firm[firm_of[user]];
	int lvl = a > f ? a : f;

	return (lvl == 1 && acct_of[c->user] == acct_of[user]) ||
	       (lvl == 2 && firm_of[c->user] == firm_of[user]);
}

/* The best live order on the other side that the limit reaches, or -1. */
static int
ref_best(struct refm *r, int stock, int buy, uint32_t limit)
{
	int best = -1;

	for (int i = 0; i < r->n; i++) {
		const struct ro *c = &r->o[i];

		if (!c->live || c->stock != stock || is_buy(c->side) == buy ||
		    !crosses(c, buy, limit))
			continue;
		if (best < 0 ||
		    (buy ? c->price < r->o[best].price : c->price > r->o[best].price) ||
		    (c->price == r->o[best].price && c->seq < r->o[best].seq))
			best = i;
	}
	return best;
}

static uint64_t
ref_avail(struct refm *r, int stock, int buy, uint32_t limit, unsigned user)
{
	uint64_t got = 0;

	for (int i = 0; i < r->n; i++) {
		const struct ro *c = &r->o[i];

		if (c->live && c->stock == stock && is_buy(c->side) != buy &&
		    crosses(c, buy, limit) && !stp_same(user, c))
			got += c->open;
	}
	return got;
}

static void
ref_accepted(struct refm *r, const struct ro *o, uint32_t shares, uint32_t tif,
	     uint32_t min, int dead, const char *prev)
{
	struct tg_ouch_out m;

	ref_msg(r, &m, prev ? 'U' : 'A');
	memcpy(m.order.token, o->token, TG_OUCH_TOKEN_LEN);
	m.order.side = o->side;
	m.order.shares = shares;
	tord_alpha(m.order.stock, TG_OUCH_STOCK_LEN, stocks[o->stock]);
	m.order.price = o->price;
	m.order.tif = tif;
	m.order.order_ref = o->ref;
	m.order.min_qty = min;
	m.order.order_state = dead ? 'D' : 'L';
	if (prev)
		memcpy(m.order.previous_token, prev, TG_OUCH_TOKEN_LEN);
	ref_emit(r, o->user, &m);
}

/* Trade incoming order in (not live) until done; then rest or cancel. */
static void
ref_match(struct refm *r, int in_i, uint32_t limit, uint32_t tif, int market)
{
	int buy = is_buy(r->o[in_i].side);

	for (;;) {
		struct ro *in = &r->o[in_i], *c;
		int k = ref_best(r, in->stock, buy, limit);
		struct tg_ouch_out m;
		uint32_t x;

		if (in->open == 0 || k < 0)
			break;
		c = &r->o[k];
		x = in->open < c->open ? in->open : c->open;
		if (stp_same(in->user, c)) {
			ref_msg(r, &m, 'D');
			memcpy(m.aiq_canceled.token, c->token, TG_OUCH_TOKEN_LEN);
			m.aiq_canceled.decrement = c->open;
			m.aiq_canceled.reason = 'Q';
			m.aiq_canceled.prevented = x;
			m.aiq_canceled.price = c->price;
			m.aiq_canceled.liquidity = 'A';
			ref_emit(r, c->user, &m);
			c->live = 0;
			continue;
		}
		c->open -= x;
		in->open -= x;
		ref_msg(r, &m, 'E');
		memcpy(m.executed.token, c->token, TG_OUCH_TOKEN_LEN);
		m.executed.shares = x;
		m.executed.price = c->price;
		m.executed.liquidity = 'A';
		m.executed.match = r->next_match;
		ref_emit(r, c->user, &m);
		memcpy(m.executed.token, in->token, TG_OUCH_TOKEN_LEN);
		m.executed.liquidity = 'R';
		ref_emit(r, in->user, &m);
		{
			char line[256], bt[64], st[64], p[24];
			const struct ro *b = buy ? in : c, *s = buy ? c : in;

			snprintf(bt, sizeof(bt), "%.14s", b->token);
			snprintf(st, sizeof(st), "%.14s", s->token);
			bt[strcspn(bt, " ")] = 0;
			st[strcspn(st, " ")] = 0;
			tord_fmt_price(c->price, p, sizeof(p));
			snprintf(line, sizeof(line), "F m=%llu %s %u %s B=%s/%s/%llu/%c S=%s/%s/%llu/%c",
				 (unsigned long long)r->next_match, stocks[in->stock], x, p,
				 users[b->user], bt, (unsigned long long)b->ref, buy ? 'R' : 'A',
				 users[s->user], st, (unsigned long long)s->ref, buy ? 'A' : 'R');
			ref_line(r, line);
		}
		r->next_match++;
		if (c->open == 0)
			c->live = 0;
	}
	{
		struct ro *in = &r->o[in_i];

		if (in->open == 0)
			return;
		if (tif == TG_OUCH_TIF_IOC || market) {
			char why = 'I';

			if (market) {
				for (int i = 0; i < r->n; i++)
					if (r->o[i].live && r->o[i].stock == in->stock &&
					    is_buy(r->o[i].side) != buy)
						why = 'K';
			}
			ref_canceled(r, in, in->open, why);
			return;
		}
		in->live = 1;
		in->seq = ++r->seq;
		in->expiry = tif == TG_OUCH_TIF_MARKET_HOURS || tif == TG_OUCH_TIF_SYSTEM_HOURS ?
			     UINT64_MAX : r->now + (uint64_t)tif * NS;
	}
}

static int
any_cross(struct refm *r, int stock, int buy, uint32_t limit)
{
	return ref_best(r, stock, buy, limit) >= 0;
}

static int
stock_index(const char *field)
{
	for (int s = 0; s < NSTOCKS; s++) {
		char f[TG_OUCH_STOCK_LEN];

		tord_alpha(f, sizeof(f), stocks[s]);
		if (!memcmp(f, field, sizeof(f)))
			return s;
	}
	return -1;
}

static void
ref_enter(struct refm *r, unsigned user, const struct tg_ouch_enter *in)
{
	int market = in->price == TG_ENGINE_PRICE_MARKET, buy = is_buy(in->side);
	uint32_t limit = market ? (buy ? UINT32_MAX : 0) : in->price;
	int stock = stock_index(in->stock), cr, dead, i;
	struct ro *o;

	if (ref_find(r, user, in->token))
		return ref_reject(r, user, in->token, 'U');
	if (in->shares == 0)
		return ref_reject(r, user, in->token, 'Q');
	if (in->min_qty > in->shares)
		return ref_reject(r, user, in->token, 'N');
	if (r->closed)
		return ref_reject(r, user, in->token, 'C');
	cr = any_cross(r, stock, buy, limit);
	o = ref_new(r);
	i = (int)(o - r->o);
	o->user = user;
	memcpy(o->token, in->token, TG_OUCH_TOKEN_LEN);
	o->stock = stock;
	o->side = in->side;
	o->price = in->price;
	o->open = in->shares;
	o->ref = r->next_ref++;
	dead = cr ? in->min_qty > 0 &&
			    ref_avail(r, stock, buy, limit, user) < in->min_qty :
		    market || in->tif == TG_OUCH_TIF_IOC || in->min_qty > 0;
	ref_accepted(r, o, in->shares, in->tif, in->min_qty, dead, NULL);
	if (!dead)
		ref_match(r, i, limit, in->tif, market);
}

static void
ref_cancel(struct refm *r, unsigned user, const struct tg_ouch_cancel *c)
{
	struct ro *o = ref_find(r, user, c->token);

	if (!o || !o->live || c->shares >= o->open)
		return ref_creject(r, user, c->token);
	ref_canceled(r, o, o->open - c->shares, 'U');
	o->open = c->shares;
	if (o->open == 0)
		o->live = 0;
}

static void
ref_modify(struct refm *r, unsigned user, const struct tg_ouch_modify *md)
{
	struct ro *o = ref_find(r, user, md->token);
	struct tg_ouch_out m;
	int ok;

	if (!o || !o->live || md->shares == 0 || md->shares > o->open)
		return ref_creject(r, user, md->token);
	ok = is_buy(o->side) ? md->side == 'B' :
			       (md->side == 'S' || md->side == 'T' || md->side == 'E');
	if (!ok)
		return ref_creject(r, user, md->token);
	o->open = md->shares;
	o->side = md->side;
	ref_msg(r, &m, 'M');
	memcpy(m.modified.token, o->token, TG_OUCH_TOKEN_LEN);
	m.modified.side = o->side;
	m.modified.shares = o->open;
	ref_emit(r, user, &m);
}

static void
ref_replace(struct refm *r, unsigned user, const struct tg_ouch_replace *rp)
{
	struct ro *old = ref_find(r, user, rp->existing), *o;
	int keep, i, oi, buy, cr, dead;

	if (!old || !old->live)
		return ref_creject(r, user, rp->existing);
	if (ref_find(r, user, rp->replacement))
		return ref_reject(r, user, rp->replacement, 'U');
	if (rp->min_qty > rp->shares)
		return ref_reject(r, user, rp->replacement, 'N');
	if (r->closed)
		return ref_reject(r, user, rp->replacement, 'C');
	keep = rp->price == old->price && rp->shares <= old->open && rp->tif != TG_OUCH_TIF_IOC;
	oi = (int)(old - r->o);
	o = ref_new(r);
	old = &r->o[oi];
	i = (int)(o - r->o);
	*o = *old;
	old->live = 0;
	memcpy(o->token, rp->replacement, TG_OUCH_TOKEN_LEN);
	o->open = rp->shares;
	if (keep) {
		o->expiry = rp->tif == TG_OUCH_TIF_MARKET_HOURS ||
				    rp->tif == TG_OUCH_TIF_SYSTEM_HOURS ?
			    UINT64_MAX : r->now + (uint64_t)rp->tif * NS;
		ref_accepted(r, o, rp->shares, rp->tif, rp->min_qty, 0, rp->existing);
		return;
	}
	o->live = 0;
	o->price = rp->price;
	o->ref = r->next_ref++;
	buy = is_buy(o->side);
	cr = any_cross(r, o->stock, buy, rp->price);
	dead = cr ? rp->min_qty > 0 &&
			    ref_avail(r, o->stock, buy, rp->price, user) < rp->min_qty :
		    rp->tif == TG_OUCH_TIF_IOC || rp->min_qty > 0;
	ref_accepted(r, o, rp->shares, rp->tif, rp->min_qty, dead, rp->existing);
	if (!dead)
		ref_match(r, i, rp->price, rp->tif, 0);
}

static int
cmp_expiry(const void *a, const void *b)
{
	const struct ro *x = *(const struct ro *const *)a, *y = *(const struct ro *const *)b;

	if (x->expiry != y->expiry)
		return x->expiry < y->expiry ? -1 : 1;
	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

static void
ref_advance(struct refm *r, uint64_t ts)
{
	struct ro **due = NULL;
	int n = 0;

	r->now = ts;
	for (int i = 0; i < r->n; i++)
		if (r->o[i].live && r->o[i].expiry <= ts) {
			due = realloc(due, (size_t)(n + 1) * sizeof(*due));
			due[n++] = &r->o[i];
		}
	if (n)
		qsort(due, (size_t)n, sizeof(*due), cmp_expiry);
	for (int k = 0; k < n; k++) {
		ref_canceled(r, due[k], due[k]->open, 'T');
		due[k]->live = 0;
	}
	free(due);
}

/* Book order: stocks in index order, bids best first, then asks. */
static int
cmp_book(const void *a, const void *b)
{
	const struct ro *x = *(const struct ro *const *)a, *y = *(const struct ro *const *)b;
	int xb = is_buy(x->side), yb = is_buy(y->side);

	if (x->stock != y->stock)
		return x->stock - y->stock;
	if (xb != yb)
		return yb - xb;
	if (x->price != y->price)
		return (xb ? x->price > y->price : x->price < y->price) ? -1 : 1;
	return x->seq < y->seq ? -1 : 1;
}

static void
ref_system(struct refm *r, char ev)
{
	struct tg_ouch_out m;

	if (ev == 'E') {
		struct ro **all = NULL;
		int n = 0;

		for (int i = 0; i < r->n; i++)
			if (r->o[i].live) {
				all = realloc(all, (size_t)(n + 1) * sizeof(*all));
				all[n++] = &r->o[i];
			}
		if (n)
			qsort(all, (size_t)n, sizeof(*all), cmp_book);
		for (int k = 0; k < n; k++) {
			ref_canceled(r, all[k], all[k]->open, 'T');
			all[k]->live = 0;
		}
		free(all);
	}
	r->closed = ev == 'E';
	ref_msg(r, &m, 'S');
	m.system.event_code = ev;
	for (unsigned u = 0; u < NUSERS; u++)
		ref_emit(r, u, &m);
}

static void
ref_step(struct refm *r, const struct step *s)
{
	ref_advance(r, s->ts);
	if (s->kind == S_TICK)
		return;
	if (s->kind == S_SYS)
		return ref_system(r, s->event);
	switch (s->m.type) {
	case 'O':
		return ref_enter(r, s->user, &s->m.enter);
	case 'X':
		return ref_cancel(r, s->user, &s->m.cancel);
	case 'U':
		return ref_replace(r, s->user, &s->m.replace);
	case 'M':
		return ref_modify(r, s->user, &s->m.modify);
	}
}

static const char *
ref_take(struct refm *r)
{
	static char *last;

	free(last);
	last = r->out;
	r->out = NULL;
	r->len = r->outcap = 0;
	return last ? last : "";
}

/* ------------------------------------------------ running the engine */

static void
engine_step(struct tg_engine *e, const struct step *s, const struct tg_engine_sink *sink)
{
	if (s->kind == S_TICK)
		tg_engine_tick(e, s->ts, sink);
	else if (s->kind == S_SYS)
		tg_engine_system(e, s->ts, s->event, sink);
	else
		tg_engine_order(e, s->ts, s->user, &s->m, sink);
}

static void
run_against_reference(uint64_t seed, int steps, int with_sys)
{
	struct tg_engine *e = tord_engine(cfg_ref);
	struct tord_cap cap;
	struct tg_engine_sink sink;
	struct refm r;
	struct gen g;
	uint64_t msgs = 0;

	tord_cap_init(&cap, e);
	sink = tord_sink(&cap);
	memset(&r, 0, sizeof(r));
	r.next_ref = r.next_match = 1;
	r.names = e;
	memset(&g, 0, sizeof(g));
	g.r.s = seed * 0x9e3779b97f4a7c15ull + 1;
	g.ts = 34200000000000ull;
	for (int i = 0; i < steps; i++) {
		struct step s = gen_step(&g, with_sys);
		const char *got, *want;

		engine_step(e, &s, &sink);
		ref_step(&r, &s);
		got = tord_take(&cap);
		want = ref_take(&r);
		msgs += strlen(got) > 0;
		if (strcmp(got, want)) {
			char in[256] = "";

			if (s.kind == S_ORDER)
				snprintf(in, sizeof(in), "user %u type %c token %.14s", s.user,
					 s.m.type, s.m.enter.token);
			cr_assert_fail("seed %llu step %d (%s) at %llu\n--- reference:\n%s--- engine:\n%s",
				       (unsigned long long)seed, i, in, (unsigned long long)s.ts,
				       want, got);
		}
	}
	cr_assert_gt(r.next_match, (uint64_t)steps / 20, "the stream should trade (%llu)",
		     (unsigned long long)r.next_match);
	free(r.o);
	free(r.out);
	tord_cap_free(&cap);
	tg_engine_free(e);
}

Test(random, against_reference_matcher)
{
	for (uint64_t seed = 1; seed <= 24; seed++)
		run_against_reference(seed, 3000, 0);
}

Test(random, against_reference_with_end_of_day)
{
	for (uint64_t seed = 101; seed <= 108; seed++)
		run_against_reference(seed, 3000, 1);
}

/* ------------------------------------------- invariants, no reference */

struct tok {
	int used;
	unsigned user;
	char token[TG_OUCH_TOKEN_LEN];
	int stock;
	int buy;
	int64_t entered, executed, canceled, replaced, reduced, open;
};

struct inv {
	struct tok *t;
	int n, cap;
	uint64_t last_match;
	uint64_t out_hash;
	uint64_t outs;
};

static struct tok *
inv_find(struct inv *v, unsigned user, const char *token, int create)
{
	for (int i = v->n; i-- > 0;)
		if (v->t[i].user == user && !memcmp(v->t[i].token, token, TG_OUCH_TOKEN_LEN))
			return &v->t[i];
	if (!create)
		return NULL;
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 256;
		v->t = realloc(v->t, (size_t)v->cap * sizeof(*v->t));
	}
	memset(&v->t[v->n], 0, sizeof(v->t[0]));
	v->t[v->n].user = user;
	memcpy(v->t[v->n].token, token, TG_OUCH_TOKEN_LEN);
	return &v->t[v->n++];
}

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void
inv_out(void *ctx, unsigned user, const struct tg_ouch_out *m)
{
	struct inv *v = ctx;
	struct tok *t, *p;

	/* messages are zeroed before filling: bytewise equal when equal */
	v->out_hash = mix(v->out_hash, &user, sizeof(user));
	v->out_hash = mix(v->out_hash, m, sizeof(*m));
	v->outs++;
	switch (m->type) {
	case 'A':
	case 'U':
		t = inv_find(v, user, m->order.token, 1);
		cr_assert(!t->used, "token %.14s accepted twice", m->order.token);
		t->used = 1;
		t->stock = stock_index(m->order.stock);
		cr_assert_geq(t->stock, 0, "accepted in an unknown stock");
		t->buy = m->order.side == 'B';
		t->entered = m->order.shares;
		if (m->order.order_state == 'L')
			t->open = m->order.shares;
		else
			t->canceled = m->order.shares;
		if (m->type == 'U') {
			p = inv_find(v, user, m->order.previous_token, 0);
			cr_assert(p && p->open > 0, "replaced an order that was not open");
			p->replaced += p->open;
			p->open = 0;
		}
		break;
	case 'E':
		t = inv_find(v, user, m->executed.token, 0);
		cr_assert_not_null(t, "execution of an unknown order");
		cr_assert_leq(m->executed.shares, t->open, "over-execution of %.14s",
			      m->executed.token);
		cr_assert_gt(m->executed.shares, 0);
		t->executed += m->executed.shares;
		t->open -= m->executed.shares;
		cr_assert(m->executed.match == v->last_match ||
			  m->executed.match == v->last_match + 1, "match numbers go up by one");
		v->last_match = m->executed.match;
		break;
	case 'C':
	case 'D':
		/* C and D share the layout of their first fields */
		t = inv_find(v, user, m->canceled.token, 0);
		cr_assert_not_null(t, "cancel of an unknown order");
		cr_assert_leq(m->canceled.decrement, t->open);
		cr_assert_gt(m->canceled.decrement, 0);
		t->canceled += m->canceled.decrement;
		t->open -= m->canceled.decrement;
		break;
	case 'M':
		t = inv_find(v, user, m->modified.token, 0);
		cr_assert(t && m->modified.shares <= t->open && m->modified.shares > 0);
		t->reduced += t->open - m->modified.shares;
		t->open = m->modified.shares;
		cr_assert_eq(t->buy, m->modified.side == 'B');
		break;
	default:
		break;
	}
}

/* The book agrees with the outputs, side by side, and is not crossed. */
static void
inv_check(struct tg_engine *e, struct inv *v, const char *where)
{
	struct tg_engine_stats st;
	uint64_t resting = 0;

	for (int s = 0; s < NSTOCKS; s++) {
		struct tg_engine_level lv[512];
		uint64_t book[2] = { 0, 0 }, outs[2] = { 0, 0 }, n_book[2] = { 0, 0 },
			 n_out[2] = { 0, 0 };
		uint32_t best[2] = { 0, 0 };

		for (int side = 0; side < 2; side++) {
			int k = tg_engine_levels(e, stocks[s], side ? 'S' : 'B', lv, 512);

			cr_assert_geq(k, 0);
			for (int i = 0; i < k; i++) {
				book[side] += lv[i].shares;
				n_book[side] += lv[i].orders;
				cr_assert_gt(lv[i].shares, 0);
				if (i)
					cr_assert(side ? lv[i].price > lv[i - 1].price :
							 lv[i].price < lv[i - 1].price,
						  "%s: levels out of order", where);
			}
			best[side] = k ? lv[0].price : 0;
		}
		if (best[0] && best[1])
			cr_assert_lt(best[0], best[1], "%s: %s crossed at rest (%u / %u)", where,
				     stocks[s], best[0], best[1]);
		for (int i = 0; i < v->n; i++) {
			const struct tok *t = &v->t[i];

			if (t->stock != s || t->open == 0)
				continue;
			outs[!t->buy] += (uint64_t)t->open;
			n_out[!t->buy]++;
		}
		for (int side = 0; side < 2; side++) {
			cr_assert_eq(book[side], outs[side],
				     "%s: %s %s: %llu shares in the book, %llu open by the outputs",
				     where, stocks[s], side ? "asks" : "bids",
				     (unsigned long long)book[side], (unsigned long long)outs[side]);
			cr_assert_eq(n_book[side], n_out[side], "%s: %s order count", where,
				     stocks[s]);
			resting += n_book[side];
		}
	}
	tg_engine_get_stats(e, &st);
	cr_assert_eq(st.resting, resting, "%s: resting count", where);
}

/* Risk, kill switches, market data: a rougher stream for the invariants. */
static const char cfg_inv[] =
	"[gateway]\nstocks = AAPL MSFT IBM\n"
	"[user.alice]\nfirm = F1\naccount = acc0\n"
	"[user.bob]\nfirm = F1\naccount = acc0\n"
	"[user.carol]\nfirm = F1\n"
	"[user.dave]\nfirm = F2\n"
	"[user.erin]\nfirm = F2\n"
	"[user.frank]\nfirm = F2\n"
	"[risk]\ncollar_pct = 3\nmax_order_shares = 280\n"
	"[account.acc0]\nstp = account\nmax_position = 2000\n"
	"[firm.F2]\nstp = firm\nmax_daily_notional = 2000000\nmax_orders_per_sec = 300\n"
	"[engine]\nmax_orders = 4096\nmax_tokens = 65536\ncancel_on_halt = yes\n";

static void
rough_step(struct tg_engine *e, struct gen *g, const struct tg_engine_sink *sink)
{
	unsigned p = rnd(&g->r, 1000);

	if (p < 15) {
		struct tg_engine_market mk;
		const char st[] = "TTTTHPQ";

		memset(&mk, 0, sizeof(mk));
		tord_alpha(mk.stock, sizeof(mk.stock), stocks[rnd(&g->r, NSTOCKS)]);
		mk.bid = gen_price(g);
		mk.ask = mk.bid + 100 * (1 + rnd(&g->r, 3));
		mk.last = rnd(&g->r, 2) ? mk.bid + 100 : 0;
		mk.state = rnd(&g->r, 3) ? 0 : st[rnd(&g->r, 7)];
		g->ts += 1000;
		tg_engine_market(e, g->ts, &mk, sink);
		return;
	}
	if (p < 22) {
		struct tg_engine_ctl c;
		const char *const accts[] = { "acc0", "carol", "dave", "erin", "frank" };
		const char *const keys[] = { "max_order_shares", "collar_pct", "max_position",
					     "max_daily_notional", "max_orders_per_sec", "stp" };

		memset(&c, 0, sizeof(c));
		/* mostly limits; resumes twice as often as kills, so kills do not pile up */
		if (rnd(&g->r, 2))
			c.kind = TG_ENGINE_SET_LIMIT;
		else if (rnd(&g->r, 3))
			c.kind = (enum tg_engine_ctl_kind)(TG_ENGINE_RESUME_ACCOUNT + rnd(&g->r, 3));
		else
			c.kind = (enum tg_engine_ctl_kind)(TG_ENGINE_KILL_ACCOUNT + rnd(&g->r, 3));
		if (rnd(&g->r, 2)) {
			snprintf(c.scope, sizeof(c.scope), "account");
			snprintf(c.name, sizeof(c.name), "%s", accts[rnd(&g->r, 5)]);
		} else {
			snprintf(c.scope, sizeof(c.scope), "firm");
			snprintf(c.name, sizeof(c.name), "F%u", 1 + rnd(&g->r, 2));
		}
		if (c.kind == TG_ENGINE_KILL_ACCOUNT || c.kind == TG_ENGINE_RESUME_ACCOUNT)
			snprintf(c.name, sizeof(c.name), "%s", accts[rnd(&g->r, 5)]);
		{
			/* values of the size each key has in real use */
			static const int64_t lo[] = { 50, 1, 200, 100000, 50, 0 };
			static const int64_t span[] = { 400, 10, 3000, 5000000, 1000, 3 };
			unsigned k = rnd(&g->r, 6);

			snprintf(c.key, sizeof(c.key), "%s", keys[k]);
			c.value = lo[k] + (int64_t)rnd(&g->r, (uint32_t)span[k]);
			if (k != 5 && rnd(&g->r, 4) == 0)
				c.value = -1;
		}
		g->ts += 1000;
		tg_engine_control(e, g->ts, &c, sink);
		return;
	}
	{
		struct step s = gen_step(g, 1);

		engine_step(e, &s, sink);
	}
}

static void
run_invariants(uint64_t seed, int steps, uint64_t *digest, uint64_t *out_hash)
{
	struct tg_engine *e = tord_engine(cfg_inv);
	struct inv v;
	struct tg_engine_sink sink = { .out = inv_out, .ctx = &v };
	struct gen g;
	char where[64];

	memset(&v, 0, sizeof(v));
	v.out_hash = 0xcbf29ce484222325ull;
	memset(&g, 0, sizeof(g));
	g.r.s = seed * 0x9e3779b97f4a7c15ull + 7;
	g.ts = 34200000000000ull;
	for (int i = 0; i < steps; i++) {
		rough_step(e, &g, &sink);
		if (i % 7 == 0 || i == steps - 1) {
			snprintf(where, sizeof(where), "seed %llu step %d", (unsigned long long)seed, i);
			inv_check(e, &v, where);
		}
	}
	{
		struct tg_engine_stats st;
		char rj[512] = "";

		tg_engine_get_stats(e, &st);
		for (int c = 0; c < 128; c++)
			if (st.rejects[c])
				snprintf(rj + strlen(rj), sizeof(rj) - strlen(rj), " %c:%llu", c,
					 (unsigned long long)st.rejects[c]);
		cr_assert_gt(v.last_match, 50, "the rough stream should still trade: %llu accepted,"
			     " %llu executions, rejects%s", (unsigned long long)st.accepted,
			     (unsigned long long)st.executions, rj);
	}
	*digest = tg_engine_digest(e);
	*out_hash = v.out_hash;
	free(v.t);
	tg_engine_free(e);
}

Test(random, invariants_with_risk_kills_halts)
{
	for (uint64_t seed = 1; seed <= 12; seed++) {
		uint64_t d, h;

		run_invariants(seed, 4000, &d, &h);
	}
}

Test(random, determinism)
{
	uint64_t d1, h1, d2, h2, d3, h3;

	run_invariants(77, 5000, &d1, &h1);
	run_invariants(77, 5000, &d2, &h2);
	run_invariants(78, 5000, &d3, &h3);
	cr_assert_eq(h1, h2, "same stream, different outputs");
	cr_assert_eq(d1, d2, "same stream, different digests");
	cr_assert_neq(h1, h3);
	cr_assert_neq(d1, d3, "different streams, same digest");
}

/*
 * tg_engine_order_burst() is tg_engine_order() called in turn: the same
 * stream in bursts of random sizes gives the same outputs and digest.
 */
Test(random, bursts_equal_single_calls)
{
	for (uint64_t seed = 1; seed <= 6; seed++) {
		struct tg_engine *a = tord_engine(cfg_ref), *b = tord_engine(cfg_ref);
		struct tord_cap ca, cb;
		struct tg_engine_sink sa, sb;
		struct gen g;
		struct step st[64];
		struct tg_engine_in in[64];
		struct rnd pick = { seed * 31 + 5 };
		int done = 0;

		tord_cap_init(&ca, a);
		tord_cap_init(&cb, b);
		sa = tord_sink(&ca);
		sb = tord_sink(&cb);
		memset(&g, 0, sizeof(g));
		g.r.s = seed * 0x9e3779b97f4a7c15ull + 3;
		g.ts = 34200000000000ull;
		while (done < 4000) {
			unsigned n = 1 + rnd(&pick, 40), k = 0;
			char *ta, *tb;

			/* a run of order messages; anything else ends the burst */
			while (k < n) {
				st[k] = gen_step(&g, 1);
				if (st[k].kind != S_ORDER)
					break;
				k++;
			}
			for (unsigned i = 0; i < k; i++) {
				engine_step(a, &st[i], &sa);
				in[i].ts = st[i].ts;
				in[i].user = st[i].user;
				in[i].m = &st[i].m;
			}
			tg_engine_order_burst(b, in, k, &sb);
			if (k < n) {
				engine_step(a, &st[k], &sa);
				engine_step(b, &st[k], &sb);
			}
			done += (int)k + 1;
			ta = strdup(tord_take(&ca));
			tb = strdup(tord_take(&cb));
			cr_assert_str_eq(ta, tb, "seed %llu: a burst of %u answered differently",
					 (unsigned long long)seed, k);
			free(ta);
			free(tb);
		}
		cr_assert_eq(tg_engine_digest(a), tg_engine_digest(b));
		tord_cap_free(&ca);
		tord_cap_free(&cb);
		tg_engine_free(a);
		tg_engine_free(b);
	}
}

/*
 * The digest sees every part of the state: one extra input of each kind
 * changes it, a refused control action does not.
 */
Test(random, digest_sees_state)
{
	struct tg_engine *a = tord_engine(tord_base_ini), *b = tord_engine(tord_base_ini);
	struct tg_ouch_in m = tord_enter("x1", 'B', 100, "AAPL", 100000, 99999);
	struct tg_engine_market mk;
	struct tg_engine_ctl c;

	cr_assert_eq(tg_engine_digest(a), tg_engine_digest(b));
	tg_engine_order(a, 10, 0, &m, NULL);
	cr_assert_neq(tg_engine_digest(a), tg_engine_digest(b));
	tg_engine_order(b, 10, 0, &m, NULL);
	cr_assert_eq(tg_engine_digest(a), tg_engine_digest(b));

	/* a token rejected as reused changes nothing */
	tg_engine_order(a, 20, 0, &m, NULL);
	tg_engine_order(b, 20, 1, &m, NULL);	/* bob: a new order */
	cr_assert_neq(tg_engine_digest(a), tg_engine_digest(b));

	tg_engine_free(b);
	b = tord_engine(tord_base_ini);
	memset(&mk, 0, sizeof(mk));
	tord_alpha(mk.stock, sizeof(mk.stock), "MSFT");
	mk.bid = 10000;
	mk.ask = 10100;
	{
		uint64_t d0 = tg_engine_digest(b);

		tg_engine_market(b, 5, &mk, NULL);
		cr_assert_neq(tg_engine_digest(b), d0, "reference prices are state");
		d0 = tg_engine_digest(b);
		memset(&c, 0, sizeof(c));
		c.kind = TG_ENGINE_SET_LIMIT;
		snprintf(c.scope, sizeof(c.scope), "account");
		snprintf(c.name, sizeof(c.name), "bob");
		snprintf(c.key, sizeof(c.key), "nonsense");
		cr_assert_eq(tg_engine_control(b, 6, &c, NULL), -ENOENT);
		cr_assert_eq(tg_engine_digest(b), d0, "a refused action changes nothing");
		snprintf(c.key, sizeof(c.key), "max_position");
		c.value = 7;
		cr_assert_eq(tg_engine_control(b, 7, &c, NULL), 0);
		cr_assert_neq(tg_engine_digest(b), d0, "limits are state");
		d0 = tg_engine_digest(b);
		c.kind = TG_ENGINE_KILL_FIRM;
		snprintf(c.name, sizeof(c.name), "BETA");
		cr_assert_eq(tg_engine_control(b, 8, &c, NULL), 0);
		cr_assert_neq(tg_engine_digest(b), d0, "kill switches are state");
	}
	tg_engine_free(a);
	tg_engine_free(b);
}
