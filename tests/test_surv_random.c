/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random order flow with labelled manipulations. A day of background flow
 * (many accounts, many stocks, small orders near the touch, cancels, trades
 * between different owners) carries injected instances of every
 * manipulation pattern, each with randomised sizes and timings; the
 * surveillance must find at least 98.5 % of them (the detection rate the
 * back office asks for) and raise nothing the injections do not explain.
 * The same background alone must raise nothing at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "test_surv_util.h"

#define RF_FIRMS	10
#define RF_ACCTS	4		/* background accounts per firm */
#define RF_BG_USERS	(RF_FIRMS * RF_ACCTS)
#define RF_STOCKS	50
#define RF_PER_KIND	20		/* injections of each kind */
#define RF_MAX_USERS	(RF_BG_USERS + 16 * RF_PER_KIND)
#define RF_MAX_EV	(1 << 19)
#define RF_SEEDS	10		/* days of flow per test */

enum rf_op { RF_ACCEPT, RF_CANCEL, RF_TRADE };

struct rf_ev {
	uint64_t ts;
	uint32_t order;		/* generation order: ties keep it */
	uint8_t op;
	char side, aggr;
	unsigned user, user2;	/* trade: buyer, seller */
	char stock[8];
	char token[16], token2[16];
	uint32_t shares, price;
};

struct rf_inj {
	enum tg_surv_kind kind;
	unsigned user;
	char stock[8];		/* "" for account-wide kinds */
	uint64_t ts;
	int found;
};

struct rf_gen {
	uint64_t rng;
	struct rf_ev *ev;
	unsigned nev;
	struct rf_inj inj[TG_SURV_NKINDS * RF_PER_KIND];
	unsigned ninj;
	char users[RF_MAX_USERS][64];
	unsigned nusers;
	uint32_t last[RF_STOCKS];
	struct { uint64_t ts; uint32_t price; } *hist[RF_STOCKS];	/* background trades */
	unsigned nhist[RF_STOCKS];
	unsigned tok;
	/* background resting orders: user, stock, side, price, shares, token */
	struct { unsigned user, stock; char side; uint32_t price, shares; char token[16]; } rest[4096];
	unsigned nrest;
};

static uint64_t
rf_rand(struct rf_gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

static unsigned
rf_pick(struct rf_gen *g, unsigned n)
{
	return (unsigned)(rf_rand(g) % n);
}

static struct rf_ev *
rf_push(struct rf_gen *g, uint64_t ts, enum rf_op op)
{
	struct rf_ev *e;

	cr_assert_lt(g->nev, RF_MAX_EV);
	e = &g->ev[g->nev];
	memset(e, 0, sizeof(*e));
	e->ts = ts;
	e->order = g->nev++;
	e->op = (uint8_t)op;
	return e;
}

static void
rf_token(struct rf_gen *g, char *tok)
{
	snprintf(tok, 16, "T%u", ++g->tok);
}

static void
rf_stock_name(unsigned s, char *out)
{
	snprintf(out, 8, "S%03u", s);
}

static unsigned
rf_user(struct rf_gen *g, const char *firm, const char *acct, const char *owner)
{
	cr_assert_lt(g->nusers, RF_MAX_USERS);
	snprintf(g->users[g->nusers], sizeof(g->users[0]), "%s/%s/%s", firm, acct, owner);
	return g->nusers++;
}

/* A resting order accepted at ts; returns its token in tok. */
static void
rf_accept(struct rf_gen *g, uint64_t ts, unsigned user, const char *stock, char side,
	  uint32_t shares, uint32_t price, char *tok)
{
	struct rf_ev *e = rf_push(g, ts, RF_ACCEPT);

	rf_token(g, tok);
	e->user = user;
	memcpy(e->stock, stock, 8);
	e->side = side;
	e->shares = shares;
	e->price = price;
	memcpy(e->token, tok, 16);
}

static void
rf_cancel(struct rf_gen *g, uint64_t ts, unsigned user, const char *tok, uint32_t shares)
{
	struct rf_ev *e = rf_push(g, ts, RF_CANCEL);

	e->user = user;
	memcpy(e->token, tok, 16);
	e->shares = shares;
}

static void
rf_trade(struct rf_gen *g, uint64_t ts, const char *stock, uint32_t price, uint32_t shares,
	 unsigned buyer, const char *btok, unsigned seller, const char *stok, char aggr)
{
	struct rf_ev *e = rf_push(g, ts, RF_TRADE);

	memcpy(e->stock, stock, 8);
	e->price = price;
	e->shares = shares;
	e->user = buyer;
	e->user2 = seller;
	memcpy(e->token, btok, 16);
	memcpy(e->token2, stok, 16);
	e->aggr = aggr;
}

static void
rf_label(struct rf_gen *g, enum tg_surv_kind k, unsigned user, const char *stock, uint64_t ts)
{
	struct rf_inj *i = &g->inj[g->ninj++];

	i->kind = k;
	i->user = user;
	memset(i->stock, 0, sizeof(i->stock));
	if (stock)
		memcpy(i->stock, stock, 8);
	i->ts = ts;
	i->found = 0;
}

/*
 * Background flow from 9:30 to 16:00: resting orders of 100..500 shares
 * within 3 cents of the last price, user cancels, and aggressive trades
 * against another owner's resting order; prices $50..$200.
 */
static void
rf_background(struct rf_gen *g, unsigned events)
{
	uint64_t ts = SV_HMS(9, 30, 0), step = (SV_HMS(16, 0, 0) - ts) / events;
	char tok[16], stock[8];

	for (unsigned s = 0; s < RF_STOCKS; s++) {
		g->last[s] = (uint32_t)(500000 + rf_pick(g, 1500000)) / 100 * 100;
		g->hist[s] = malloc((events + 1) * sizeof(*g->hist[s]));
		cr_assert_not_null(g->hist[s]);
		g->hist[s][0].ts = 0;
		g->hist[s][0].price = g->last[s];
		g->nhist[s] = 1;
	}
	for (unsigned n = 0; n < events; n++) {
		unsigned r = rf_pick(g, 100), user = rf_pick(g, RF_BG_USERS), st = rf_pick(g, RF_STOCKS);

		ts += 1 + rf_pick(g, (unsigned)(2 * step));
		rf_stock_name(st, stock);
		if (r < 60 || g->nrest < 50) {
			char side = rf_pick(g, 2) ? 'B' : 'S';
			uint32_t shares = 100 * (1 + rf_pick(g, 5));
			uint32_t price = g->last[st] + (side == 'B' ? -1 : 1) * 100 * (int)rf_pick(g, 4);

			if (g->nrest == sizeof(g->rest) / sizeof(g->rest[0]))
				continue;
			rf_accept(g, ts, user, stock, side, shares, price, tok);
			g->rest[g->nrest].user = user;
			g->rest[g->nrest].stock = st;
			g->rest[g->nrest].side = side;
			g->rest[g->nrest].price = price;
			g->rest[g->nrest].shares = shares;
			memcpy(g->rest[g->nrest++].token, tok, 16);
		} else {
			unsigned k = rf_pick(g, g->nrest);
			__typeof__(g->rest[0]) o = g->rest[k];

			g->rest[k] = g->rest[--g->nrest];
			rf_stock_name(o.stock, stock);
			if (r < 85) {
				rf_cancel(g, ts, o.user, o.token, o.shares);
				continue;
			}
			/* an aggressor of another owner (background owners are per account) */
			while (user == o.user)
				user = rf_pick(g, RF_BG_USERS);
			rf_token(g, tok);
			if (o.side == 'S')
				rf_trade(g, ts, stock, o.price, o.shares, user, tok, o.user, o.token, 'B');
			else
				rf_trade(g, ts, stock, o.price, o.shares, o.user, o.token, user, tok, 'S');
			g->last[o.stock] = o.price;
			g->hist[o.stock][g->nhist[o.stock]].ts = ts;
			g->hist[o.stock][g->nhist[o.stock]++].price = o.price;
		}
	}
}

/* The background's last price of stock st before time t. */
static uint32_t
rf_price_at(const struct rf_gen *g, unsigned st, uint64_t t)
{
	unsigned lo = 0, hi = g->nhist[st];

	while (hi - lo > 1) {
		unsigned mid = (lo + hi) / 2;

		if (g->hist[st][mid].ts < t)
			lo = mid;
		else
			hi = mid;
	}
	return g->hist[st][lo].price;
}

/* A time for an injection, away from the close window. */
static uint64_t
rf_when(struct rf_gen *g)
{
	return SV_HMS(9, 45, 0) + (uint64_t)rf_pick(g, 5 * 3600) * SV_SEC;
}

/* One instance of each manipulation, by fresh dedicated accounts. */
static void
rf_inject(struct rf_gen *g, unsigned i)
{
	char acct[32], tok[16], t2[16], t3[16], stock[8];
	unsigned st = rf_pick(g, RF_STOCKS), cp = rf_pick(g, RF_BG_USERS);
	uint32_t px;
	uint64_t t;
	unsigned u, v;

	rf_stock_name(st, stock);

	/* wash: two accounts of one owner cross */
	snprintf(acct, sizeof(acct), "wa%u", i);
	u = rf_user(g, "WASH", acct, acct);
	snprintf(t3, sizeof(t3), "wb%u", i);
	v = rf_user(g, "WASH", t3, acct);
	t = rf_when(g);
	px = rf_price_at(g, st, t);
	rf_accept(g, t, v, stock, 'S', 100 * (1 + rf_pick(g, 20)), px, t2);
	rf_token(g, tok);
	rf_trade(g, t + 1000, stock, px, 100, u, tok, v, t2, 'B');
	rf_label(g, TG_SURV_WASH_TRADE, u, stock, t);

	/* spoofing: big bait on the offer, a small buy, the bait pulled */
	snprintf(acct, sizeof(acct), "sp%u", i);
	u = rf_user(g, "SPOOF", acct, acct);
	t = rf_when(g);
	px = rf_price_at(g, st, t);
	rf_accept(g, t, u, stock, 'S', 1000 * (5 + rf_pick(g, 20)), px + 500, t3);
	rf_accept(g, t + 1000, cp, stock, 'S', 100, px, t2);
	rf_token(g, tok);
	rf_trade(g, t + (100 + rf_pick(g, 400)) * 1000000ull, stock, px, 100 + 100 * rf_pick(g, 2),
		 u, tok, cp, t2, 'B');
	rf_cancel(g, t + (600 + rf_pick(g, 1300)) * 1000000ull, u, t3, 100000);
	rf_label(g, TG_SURV_SPOOFING, u, stock, t);

	/* layering: 3..5 small offers at distinct prices, a buy, all pulled */
	snprintf(acct, sizeof(acct), "ly%u", i);
	u = rf_user(g, "LAYER", acct, acct);
	t = rf_when(g);
	px = rf_price_at(g, st, t);
	{
		unsigned n = 3 + rf_pick(g, 3);
		char toks[5][16];

		for (unsigned k = 0; k < n; k++)
			rf_accept(g, t + k, u, stock, 'S', 200 + 100 * rf_pick(g, 6),
				  px + 100 * (k + 2), toks[k]);
		rf_accept(g, t + 1000, cp, stock, 'S', 100, px, t2);
		rf_token(g, tok);
		rf_trade(g, t + 300000000ull, stock, px, 100, u, tok, cp, t2, 'B');
		for (unsigned k = 0; k < n; k++)
			rf_cancel(g, t + 300000000ull + (k + 1) * (50 + rf_pick(g, 300)) * 1000000ull,
				  u, toks[k], 1000);
	}
	rf_label(g, TG_SURV_LAYERING, u, stock, t);

	/* cancel ratio: 60 orders far from the touch, all but one pulled */
	snprintf(acct, sizeof(acct), "cr%u", i);
	u = rf_user(g, "CANCEL", acct, acct);
	t = rf_when(g);
	px = rf_price_at(g, st, t);
	for (unsigned k = 0; k < 60; k++) {
		rf_accept(g, t + k * 1000000ull, u, stock, 'B', 100, px / 2, tok);
		if (k)
			rf_cancel(g, t + k * 1000000ull + 500000, u, tok, 100);
	}
	rf_label(g, TG_SURV_CANCEL_RATIO, u, NULL, t);

	/* order to trade: 120 orders far from the touch, none filled */
	snprintf(acct, sizeof(acct), "ot%u", i);
	u = rf_user(g, "OTR", acct, acct);
	t = rf_when(g);
	px = rf_price_at(g, st, t);
	for (unsigned k = 0; k < 120; k++)
		rf_accept(g, t + k * 1000000ull, u, stock, 'B', 100, px / 2, tok);
	rf_label(g, TG_SURV_ORDER_TO_TRADE, u, NULL, t);

	/* momentum: four lifts in four seconds, +40 bps each, then a sale */
	snprintf(acct, sizeof(acct), "mo%u", i);
	u = rf_user(g, "MOMO", acct, acct);
	t = rf_when(g);
	px = rf_price_at(g, st, t);
	{
		uint32_t p = px;

		for (unsigned k = 0; k < 4; k++) {
			p += px / 250;	/* 40 bps */
			rf_accept(g, t + k * SV_SEC, cp, stock, 'S', 300, p, t2);
			rf_token(g, tok);
			rf_trade(g, t + k * SV_SEC + 1000, stock, p, 300, u, tok, cp, t2, 'B');
		}
		rf_accept(g, t + 4 * SV_SEC, u, stock, 'S', 1200, p, t3);
		rf_token(g, tok);
		rf_trade(g, t + (10 + rf_pick(g, 40)) * SV_SEC, stock, p, 1200, cp, tok, u, t3, 'B');
	}
	rf_label(g, TG_SURV_MOMENTUM_IGNITION, u, stock, t);

	/* large: a block of 100,000..300,000 shares with a dedicated seller */
	snprintf(acct, sizeof(acct), "lg%u", i);
	u = rf_user(g, "BLOCK", acct, acct);
	snprintf(t3, sizeof(t3), "ls%u", i);
	v = rf_user(g, "BLOCKCP", t3, t3);
	t = rf_when(g);
	px = rf_price_at(g, st, t);
	rf_accept(g, t, v, stock, 'S', 300000, px, t2);
	rf_token(g, tok);
	rf_trade(g, t + 1000, stock, px, 100000 * (1 + rf_pick(g, 3)), u, tok, v, t2, 'B');
	rf_cancel(g, t + 2000, v, t2, 300000);
	rf_label(g, TG_SURV_LARGE_TRADE, u, stock, t);

	/* concentration: one firm buys 120,000 shares of a stock nobody else trades */
	snprintf(acct, sizeof(acct), "cc%u", i);
	snprintf(stock, sizeof(stock), "C%03u", i);
	{
		char firm[16];

		snprintf(firm, sizeof(firm), "CONC%u", i);
		u = rf_user(g, firm, acct, acct);
	}
	t = rf_when(g);
	for (unsigned k = 0; k < 10; k++) {
		unsigned s = rf_pick(g, RF_BG_USERS);

		rf_accept(g, t + k * SV_SEC, s, stock, 'S', 12000, 300000, t2);
		rf_token(g, tok);
		rf_trade(g, t + k * SV_SEC + 1000, stock, 300000, 12000, u, tok, s, t2, 'B');
	}
	rf_label(g, TG_SURV_CONCENTRATION, u, stock, t);

	/* marking the close: four large lifts in the last five minutes, +25 bps each,
	 * one manipulator per stock */
	snprintf(acct, sizeof(acct), "mk%u", i);
	u = rf_user(g, "CLOSE", acct, acct);
	st = i % RF_STOCKS;
	rf_stock_name(st, stock);
	t = SV_HMS(15, 55, 0) + (uint64_t)rf_pick(g, 240) * SV_SEC;
	{
		uint32_t p = rf_price_at(g, st, t);

		px = p;
		for (unsigned k = 0; k < 4; k++) {
			char firm[16], ca[32];
			unsigned s;

			snprintf(firm, sizeof(firm), "CPF%u", i);
			snprintf(ca, sizeof(ca), "cp%u_%u", i, k);
			s = rf_user(g, firm, ca, ca);
			p += px / 400;	/* 25 bps */
			rf_accept(g, t + k * SV_SEC, s, stock, 'S', 3000, p, t2);
			rf_token(g, tok);
			rf_trade(g, t + k * SV_SEC + 1000, stock, p, 3000, u, tok, s, t2, 'B');
		}
	}
	rf_label(g, TG_SURV_MARKING_CLOSE, u, stock, t);
}

static int
rf_cmp(const void *a, const void *b)
{
	const struct rf_ev *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void
rf_replay(struct rf_gen *g, struct sv_test *t)
{
	qsort(g->ev, g->nev, sizeof(*g->ev), rf_cmp);
	for (unsigned i = 0; i < g->nev; i++) {
		const struct rf_ev *e = &g->ev[i];

		switch (e->op) {
		case RF_ACCEPT:
			sv_accept(t, e->ts, e->user, e->token, e->stock, e->side, e->shares, e->price);
			break;
		case RF_CANCEL:
			sv_cancel(t, e->ts, e->user, e->token, e->shares, 'U');
			break;
		default:
			sv_trade(t, e->ts, e->stock, e->price, e->shares, e->user, e->token,
				 e->user2, e->token2, e->aggr);
		}
	}
}

/* Background users: one owner per account, RF_ACCTS accounts per firm. */
static void
rf_init(struct rf_gen *g, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->rng = seed * 0x9e3779b97f4a7c15ull + 1;
	g->ev = calloc(RF_MAX_EV, sizeof(*g->ev));
	cr_assert_not_null(g->ev);
	for (unsigned f = 0; f < RF_FIRMS; f++)
		for (unsigned a = 0; a < RF_ACCTS; a++) {
			char firm[16], acct[32];

			snprintf(firm, sizeof(firm), "F%u", f);
			snprintf(acct, sizeof(acct), "f%ua%u", f, a);
			rf_user(g, firm, acct, acct);
		}
}

static void
rf_open(struct rf_gen *g, struct sv_test *t)
{
	const char *names[RF_MAX_USERS];
	struct tg_surv_config c;

	for (unsigned i = 0; i < g->nusers; i++)
		names[i] = g->users[i];
	tg_surv_config_defaults(&c);
	sv_test_open(t, &c, names, g->nusers);
}

Test(surv_random, background_alone_is_quiet)
{
	for (uint64_t seed = 1; seed <= RF_SEEDS; seed++) {
		struct rf_gen *g = malloc(sizeof(*g));
		struct sv_test *t = malloc(sizeof(*t));

		cr_assert(g && t);
		rf_init(g, seed);
		rf_background(g, 150000);
		rf_open(g, t);
		rf_replay(g, t);
		for (unsigned i = 0; i < t->nalerts; i++) {
			json_t *j = tg_surv_alert_json(t->s, &t->alerts[i]);
			char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

			cr_log_error("seed %lu: false alert %s", (unsigned long)seed, s);
			free(s);
			json_decref(j);
		}
		cr_assert_eq(t->nalerts, 0, "seed %lu: %u alerts on plain flow",
			     (unsigned long)seed, t->nalerts);
		sv_test_close(t);
		for (unsigned s = 0; s < RF_STOCKS; s++)
			free(g->hist[s]);
		free(g->ev);
		free(g);
		free(t);
	}
}

Test(surv_random, labelled_manipulations_detected)
{
	unsigned found = 0, total = 0, fp = 0;

	for (uint64_t seed = 1; seed <= RF_SEEDS; seed++) {
		struct rf_gen *g = malloc(sizeof(*g));
		struct sv_test *t = malloc(sizeof(*t));

		cr_assert(g && t);
		rf_init(g, seed);
		rf_background(g, 150000);
		for (unsigned i = 0; i < RF_PER_KIND; i++)
			rf_inject(g, i);
		rf_open(g, t);
		rf_replay(g, t);
		for (unsigned a = 0; a < t->nalerts; a++) {
			const struct tg_surv_alert *al = &t->alerts[a];
			int explained = 0;

			for (unsigned k = 0; k < g->ninj; k++) {
				struct rf_inj *in = &g->inj[k];

				if (in->kind == al->kind && in->user == al->user && al->ts >= in->ts &&
				    (!in->stock[0] || !memcmp(in->stock, al->stock, 4))) {
					in->found = 1;
					explained = 1;
				}
			}
			/* a manipulator's other trades may trip another rule: not the background */
			if (!explained && al->user < RF_BG_USERS)
				fp++;
		}
		for (unsigned k = 0; k < g->ninj; k++) {
			found += g->inj[k].found;
			if (!g->inj[k].found)
				cr_log_info("seed %lu: missed %s by user %u", (unsigned long)seed,
					    tg_surv_kind_name(g->inj[k].kind), g->inj[k].user);
		}
		total += g->ninj;
		sv_test_close(t);
		for (unsigned s = 0; s < RF_STOCKS; s++)
			free(g->hist[s]);
		free(g->ev);
		free(g);
		free(t);
	}
	cr_log_info("detection %u of %u (%.2f %%), %u unexplained alerts on background accounts",
		    found, total, 100.0 * found / total, fp);
	printf("surveillance: detection %u/%u = %.2f %%, false positives on background accounts %u\n",
	       found, total, 100.0 * found / total, fp);
	cr_assert_geq(found * 1000, total * 985, "detection %u/%u below 98.5 %%", found, total);
	cr_assert_eq(fp, 0, "alerts on plain background accounts");
}
