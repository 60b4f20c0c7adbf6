/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pre-trade risk checks and the exposure they read.
 *
 * An order is checked against its account's limits and its firm's: a
 * per-order limit (size, notional, collar) is the tighter of the two, an
 * aggregate limit (position, daily notional, rate) holds for each against
 * its own aggregate. Limits are kept in the units the checks compare, so a
 * check is a handful of multiplies and compares on data already in cache.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "order/tg_order_mem.h"
#include "order/tg_risk.h"

#define TG_RISK_NS		1000000000ull
#define TG_RISK_P4		10000ull	/* p4 units per dollar */
#define TG_RISK_MAX_DOLLARS	(INT64_MAX / (int64_t)TG_RISK_P4)

struct tg_risk_ent {
	int64_t limit[TG_RISK_NKEYS];	/* as set; TG_RISK_NO_LIMIT = none */
	/* derived, in the units of the checks; UINT64_MAX = none */
	uint64_t order_shares;
	uint64_t order_notional;	/* p4 * shares */
	uint64_t position;
	uint64_t daily_notional;
	uint64_t rate;			/* orders per second */
	uint64_t bucket;		/* throttle tokens, 1e9 per order */
	uint64_t bucket_ts;
	uint64_t executed;		/* notional executed today */
	uint64_t open;			/* notional of resting orders */
	bool killed;
	uint64_t *restricted;		/* bitmap [max_stocks] */
};

struct tg_risk {
	struct tg_risk_ent *ent[2];	/* [0] accounts, [1] firms */
	unsigned n[2];
	uint32_t max_stocks;
	/*
	 * Exposure by stock, then every account, then every firm: order flow
	 * crowds into a few stocks, and so do the lines it touches here.
	 */
	struct tg_risk_pos *pos;
	size_t pos_bytes;
	unsigned nent;			/* accounts + firms */
	bool kill_all;
	uint64_t *restricted_all;
};

static const char *const tg_risk_names[TG_RISK_NKEYS] = {
	[TG_RISK_MAX_ORDER_SHARES] = "max_order_shares",
	[TG_RISK_MAX_ORDER_NOTIONAL] = "max_order_notional",
	[TG_RISK_COLLAR_PCT] = "collar_pct",
	[TG_RISK_MAX_POSITION] = "max_position",
	[TG_RISK_MAX_DAILY_NOTIONAL] = "max_daily_notional",
	[TG_RISK_MAX_ORDERS_PER_SEC] = "max_orders_per_sec",
	[TG_RISK_STP] = "stp",
};

const char *
tg_risk_key_name(enum tg_risk_key k)
{
	return (unsigned)k < TG_RISK_NKEYS ? tg_risk_names[k] : NULL;
}

int
tg_risk_key_find(const char *name)
{
	for (int k = 0; k < TG_RISK_NKEYS; k++)
		if (!strcmp(name, tg_risk_names[k]))
			return k;
	return -1;
}

static inline struct tg_risk_pos *
tg_risk_posp(const struct tg_risk *r, int firm, unsigned a, uint16_t stock)
{
	return &r->pos[(size_t)stock * r->nent + (firm ? r->n[0] : 0) + a];
}

static void
tg_risk_ent_init(struct tg_risk_ent *e)
{
	for (int k = 0; k < TG_RISK_NKEYS; k++)
		e->limit[k] = TG_RISK_NO_LIMIT;
	e->limit[TG_RISK_STP] = TG_RISK_STP_OFF;
	e->order_shares = e->order_notional = e->position = UINT64_MAX;
	e->daily_notional = e->rate = UINT64_MAX;
}

struct tg_risk *
tg_risk_new(unsigned naccounts, unsigned nfirms, uint32_t max_stocks, bool prefault)
{
	struct tg_risk *r = calloc(1, sizeof(*r));
	size_t words = (max_stocks + 63) / 64;

	if (!r)
		return NULL;
	r->n[0] = naccounts;
	r->n[1] = nfirms;
	r->max_stocks = max_stocks;
	r->nent = naccounts + nfirms;
	r->restricted_all = calloc(words ? words : 1, sizeof(uint64_t));
	r->pos_bytes = ((size_t)naccounts + nfirms) * max_stocks * sizeof(*r->pos);
	r->pos = tg_order_map(r->pos_bytes, prefault);
	if (!r->restricted_all || !r->pos)
		goto fail;
	for (int f = 0; f < 2; f++) {
		r->ent[f] = calloc(r->n[f] ? r->n[f] : 1, sizeof(struct tg_risk_ent));
		if (!r->ent[f])
			goto fail;
		for (unsigned a = 0; a < r->n[f]; a++) {
			struct tg_risk_ent *e = &r->ent[f][a];

			tg_risk_ent_init(e);
			e->restricted = calloc(words ? words : 1, sizeof(uint64_t));
			if (!e->restricted)
				goto fail;
		}
	}
	return r;
fail:
	tg_risk_free(r);
	return NULL;
}

void
tg_risk_free(struct tg_risk *r)
{
	if (!r)
		return;
	for (int f = 0; f < 2; f++) {
		if (!r->ent[f])
			continue;
		for (unsigned a = 0; a < r->n[f]; a++)
			free(r->ent[f][a].restricted);
		free(r->ent[f]);
	}
	tg_order_unmap(r->pos, r->pos_bytes);
	free(r->restricted_all);
	free(r);
}

static inline uint64_t
tg_risk_cap(int64_t v, uint64_t scale)
{
	return v < 0 ? UINT64_MAX : (uint64_t)v * scale;
}

int
tg_risk_value_ok(enum tg_risk_key k, int64_t value)
{
	if ((unsigned)k >= TG_RISK_NKEYS)
		return -EINVAL;
	if (k == TG_RISK_STP) {
		if (value < TG_RISK_STP_OFF || value > TG_RISK_STP_FIRM)
			return -EINVAL;
	} else if (value < TG_RISK_NO_LIMIT) {
		return -EINVAL;
	}
	if ((k == TG_RISK_MAX_ORDER_NOTIONAL || k == TG_RISK_MAX_DAILY_NOTIONAL) &&
	    value > TG_RISK_MAX_DOLLARS)
		return -EINVAL;
	if (k == TG_RISK_MAX_ORDERS_PER_SEC && value > (int64_t)TG_RISK_NS)
		return -EINVAL;
	if (k == TG_RISK_COLLAR_PCT && value > 1000000)
		return -EINVAL;
	return 0;
}

int
tg_risk_set(struct tg_risk *r, int firm, unsigned a, enum tg_risk_key k,
	    int64_t value, uint64_t ts)
{
	struct tg_risk_ent *e;

	if (a >= r->n[!!firm] || tg_risk_value_ok(k, value) < 0)
		return -EINVAL;
	e = &r->ent[!!firm][a];
	e->limit[k] = value;
	switch (k) {
	case TG_RISK_MAX_ORDER_SHARES:
		e->order_shares = tg_risk_cap(value, 1);
		break;
	case TG_RISK_MAX_ORDER_NOTIONAL:
		e->order_notional = tg_risk_cap(value, TG_RISK_P4);
		break;
	case TG_RISK_MAX_POSITION:
		e->position = tg_risk_cap(value, 1);
		break;
	case TG_RISK_MAX_DAILY_NOTIONAL:
		e->daily_notional = tg_risk_cap(value, TG_RISK_P4);
		break;
	case TG_RISK_MAX_ORDERS_PER_SEC:
		/* a new rate starts with a full second's worth of orders */
		e->rate = tg_risk_cap(value, 1);
		e->bucket = value < 0 ? 0 : (uint64_t)value * TG_RISK_NS;
		e->bucket_ts = ts;
		break;
	default:
		break;
	}
	return 0;
}

int64_t
tg_risk_get(const struct tg_risk *r, int firm, unsigned a, enum tg_risk_key k)
{
	if ((unsigned)k >= TG_RISK_NKEYS || a >= r->n[!!firm])
		return TG_RISK_NO_LIMIT;
	return r->ent[!!firm][a].limit[k];
}

static inline void
tg_risk_bit(uint64_t *map, uint16_t stock, bool on)
{
	if (on)
		map[stock / 64] |= 1ull << (stock % 64);
	else
		map[stock / 64] &= ~(1ull << (stock % 64));
}

static inline bool
tg_risk_test(const uint64_t *map, uint16_t stock)
{
	return map[stock / 64] >> (stock % 64) & 1;
}

void
tg_risk_restrict(struct tg_risk *r, int firm, int a, uint16_t stock, bool on)
{
	if (stock >= r->max_stocks)
		return;
	if (a < 0)
		tg_risk_bit(r->restricted_all, stock, on);
	else if ((unsigned)a < r->n[!!firm])
		tg_risk_bit(r->ent[!!firm][a].restricted, stock, on);
}

bool
tg_risk_restricted(const struct tg_risk *r, int firm, int a, uint16_t stock)
{
	if (stock >= r->max_stocks)
		return false;
	if (a < 0)
		return tg_risk_test(r->restricted_all, stock);
	if ((unsigned)a >= r->n[!!firm])
		return false;
	return tg_risk_test(r->ent[!!firm][a].restricted, stock);
}

void
tg_risk_kill(struct tg_risk *r, int firm, int a, bool on)
{
	if (a < 0)
		r->kill_all = on;
	else if ((unsigned)a < r->n[!!firm])
		r->ent[!!firm][a].killed = on;
}

bool
tg_risk_killed(const struct tg_risk *r, uint16_t account, uint16_t firm)
{
	return r->kill_all || r->ent[0][account].killed || r->ent[1][firm].killed;
}

/* Refill a throttle bucket up to ts; a clock that steps back adds nothing. */
static inline void
tg_risk_refill(struct tg_risk_ent *e, uint64_t ts)
{
	uint64_t dt, cap = e->rate * TG_RISK_NS;

	if (ts <= e->bucket_ts)
		return;
	dt = ts - e->bucket_ts;
	e->bucket_ts = ts;
	if (dt >= TG_RISK_NS) {
		e->bucket = cap;
		return;
	}
	e->bucket += dt * e->rate;
	if (e->bucket > cap)
		e->bucket = cap;
}

static inline uint64_t
tg_risk_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Worst-case |position| if every open order on the order's side filled. */
static inline bool
tg_risk_pos_over(const struct tg_risk_pos *p, const struct tg_risk_order *o,
		 uint64_t cap)
{
	int64_t old = o->replace ? o->old_shares : 0;

	if (o->buy)
		return p->position + (int64_t)p->open_buy - old + (int64_t)o->shares >
		       (int64_t)cap;
	return (int64_t)p->open_sell - old + (int64_t)o->shares - p->position >
	       (int64_t)cap;
}

char
tg_risk_check(struct tg_risk *r, const struct tg_risk_order *o)
{
	struct tg_risk_ent *ea = &r->ent[0][o->account];
	struct tg_risk_ent *ef = &r->ent[1][o->firm];
	uint64_t cap, notional, old_notional, price;
	int64_t pct;

	if (r->kill_all || ea->killed || ef->killed)
		return TG_RISK_R_KILLED;
	if (__builtin_expect(ea->restricted[o->stock / 64] | ef->restricted[o->stock / 64] |
			     r->restricted_all[o->stock / 64], 0) &&
	    (tg_risk_test(ea->restricted, o->stock) ||
	     tg_risk_test(ef->restricted, o->stock) ||
	     tg_risk_test(r->restricted_all, o->stock)))
		return TG_RISK_R_RESTRICTED;
	if (ea->rate != UINT64_MAX)
		tg_risk_refill(ea, o->ts);
	if (ef->rate != UINT64_MAX)
		tg_risk_refill(ef, o->ts);
	if ((ea->rate != UINT64_MAX && ea->bucket < TG_RISK_NS) ||
	    (ef->rate != UINT64_MAX && ef->bucket < TG_RISK_NS))
		return TG_RISK_R_THROTTLE;
	if (ea->rate != UINT64_MAX)
		ea->bucket -= TG_RISK_NS;
	if (ef->rate != UINT64_MAX)
		ef->bucket -= TG_RISK_NS;

	if (o->shares > tg_risk_min(ea->order_shares, ef->order_shares))
		return TG_RISK_R_SHARES;

	/* a market order is valued at its reference price; none: unknown */
	price = o->price == TG_RISK_MARKET ? o->ref_price : o->price;
	notional = price * o->shares;
	old_notional = o->replace ? (uint64_t)o->old_price * o->old_shares : 0;
	cap = tg_risk_min(ea->order_notional, ef->order_notional);
	if (cap != UINT64_MAX && (price == 0 || notional > cap))
		return TG_RISK_R_NOTIONAL;

	pct = ea->limit[TG_RISK_COLLAR_PCT];
	if (pct < 0 || (ef->limit[TG_RISK_COLLAR_PCT] >= 0 &&
			ef->limit[TG_RISK_COLLAR_PCT] < pct))
		pct = ef->limit[TG_RISK_COLLAR_PCT];
	if (pct >= 0 && o->ref_price && o->price != TG_RISK_MARKET) {
		uint64_t p100 = (uint64_t)o->price * 100;

		if (o->buy ? p100 > (uint64_t)o->ref_price * (100 + (uint64_t)pct) :
			     (pct < 100 &&
			      p100 < (uint64_t)o->ref_price * (100 - (uint64_t)pct)))
			return TG_RISK_R_COLLAR;
	}

	if (!o->replace || o->shares > o->old_shares) {
		if (ea->position != UINT64_MAX &&
		    tg_risk_pos_over(tg_risk_posp(r, 0, o->account, o->stock), o, ea->position))
			return TG_RISK_R_POSITION;
		if (ef->position != UINT64_MAX &&
		    tg_risk_pos_over(tg_risk_posp(r, 1, o->firm, o->stock), o, ef->position))
			return TG_RISK_R_POSITION;
	}
	if (!o->replace || notional > old_notional) {
		if (ea->daily_notional != UINT64_MAX &&
		    (price == 0 ||
		     ea->executed + ea->open - old_notional + notional > ea->daily_notional))
			return TG_RISK_R_DAILY;
		if (ef->daily_notional != UINT64_MAX &&
		    (price == 0 ||
		     ef->executed + ef->open - old_notional + notional > ef->daily_notional))
			return TG_RISK_R_DAILY;
	}
	return 0;
}

bool
tg_risk_market_limit(const struct tg_risk *r, uint16_t account, uint16_t firm,
		     int buy, uint32_t ref, uint32_t *limit)
{
	int64_t pa = r->ent[0][account].limit[TG_RISK_COLLAR_PCT];
	int64_t pf = r->ent[1][firm].limit[TG_RISK_COLLAR_PCT];
	int64_t pct = pa < 0 || (pf >= 0 && pf < pa) ? pf : pa;
	uint64_t l;

	if (pct < 0 || ref == 0)
		return false;
	if (buy) {
		l = (uint64_t)ref * (100 + (uint64_t)pct) / 100;
		*limit = l >= TG_RISK_MARKET ? TG_RISK_MARKET - 1 : (uint32_t)l;
	} else {
		/* round up: a sell never trades below the band */
		l = pct >= 100 ? 0 : ((uint64_t)ref * (100 - (uint64_t)pct) + 99) / 100;
		*limit = (uint32_t)l;
	}
	return true;
}

uint8_t
tg_risk_stp(const struct tg_risk *r, uint16_t account, uint16_t firm)
{
	int64_t a = r->ent[0][account].limit[TG_RISK_STP];
	int64_t f = r->ent[1][firm].limit[TG_RISK_STP];

	return (uint8_t)(a > f ? a : f);
}

void
tg_risk_prefetch(const struct tg_risk *r, uint16_t account, uint16_t firm, uint16_t stock)
{
	__builtin_prefetch(tg_risk_posp(r, 0, account, stock));
	__builtin_prefetch(tg_risk_posp(r, 1, firm, stock));
}

void
tg_risk_open(struct tg_risk *r, uint16_t account, uint16_t firm, uint16_t stock,
	     int buy, uint32_t shares, uint32_t price)
{
	struct tg_risk_ent *ea = &r->ent[0][account], *ef = &r->ent[1][firm];
	struct tg_risk_pos *pa = tg_risk_posp(r, 0, account, stock);
	struct tg_risk_pos *pf = tg_risk_posp(r, 1, firm, stock);
	uint64_t n = (uint64_t)shares * price;

	if (buy) {
		pa->open_buy += shares;
		pf->open_buy += shares;
	} else {
		pa->open_sell += shares;
		pf->open_sell += shares;
	}
	ea->open += n;
	ef->open += n;
}

void
tg_risk_close(struct tg_risk *r, uint16_t account, uint16_t firm, uint16_t stock,
	      int buy, uint32_t shares, uint32_t price)
{
	struct tg_risk_ent *ea = &r->ent[0][account], *ef = &r->ent[1][firm];
	struct tg_risk_pos *pa = tg_risk_posp(r, 0, account, stock);
	struct tg_risk_pos *pf = tg_risk_posp(r, 1, firm, stock);
	uint64_t n = (uint64_t)shares * price;

	if (buy) {
		pa->open_buy -= shares;
		pf->open_buy -= shares;
	} else {
		pa->open_sell -= shares;
		pf->open_sell -= shares;
	}
	ea->open -= n;
	ef->open -= n;
}

void
tg_risk_fill(struct tg_risk *r, uint16_t account, uint16_t firm, uint16_t stock,
	     int buy, uint32_t shares, uint32_t exec_price, int resting,
	     uint32_t limit)
{
	struct tg_risk_ent *ea = &r->ent[0][account], *ef = &r->ent[1][firm];
	uint64_t n = (uint64_t)shares * exec_price;

	struct tg_risk_pos *pa = tg_risk_posp(r, 0, account, stock);
	struct tg_risk_pos *pf = tg_risk_posp(r, 1, firm, stock);

	if (resting)
		tg_risk_close(r, account, firm, stock, buy, shares, limit);
	if (buy) {
		pa->position += shares;
		pf->position += shares;
	} else {
		pa->position -= shares;
		pf->position -= shares;
	}
	ea->executed += n;
	ef->executed += n;
}

const struct tg_risk_pos *
tg_risk_pos(const struct tg_risk *r, int firm, unsigned a, uint16_t stock)
{
	if (a >= r->n[!!firm] || stock >= r->max_stocks)
		return NULL;
	return tg_risk_posp(r, firm, a, stock);
}

void
tg_risk_notional(const struct tg_risk *r, int firm, unsigned a,
		 uint64_t *executed, uint64_t *open)
{
	if (a >= r->n[!!firm]) {
		*executed = *open = 0;
		return;
	}
	*executed = r->ent[!!firm][a].executed;
	*open = r->ent[!!firm][a].open;
}

static inline uint64_t
tg_risk_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

uint64_t
tg_risk_digest(const struct tg_risk *r, uint64_t h, uint32_t nstocks)
{
	size_t words = (nstocks + 63) / 64;

	if (nstocks > r->max_stocks)
		nstocks = r->max_stocks;
	h = tg_risk_mix(h, r->kill_all);
	for (size_t w = 0; w < words; w++)
		h = tg_risk_mix(h, r->restricted_all[w]);
	for (int f = 0; f < 2; f++)
		for (unsigned a = 0; a < r->n[f]; a++) {
			const struct tg_risk_ent *e = &r->ent[f][a];

			for (int k = 0; k < TG_RISK_NKEYS; k++)
				h = tg_risk_mix(h, (uint64_t)e->limit[k]);
			h = tg_risk_mix(h, e->killed);
			h = tg_risk_mix(h, e->bucket);
			h = tg_risk_mix(h, e->bucket_ts);
			h = tg_risk_mix(h, e->executed);
			h = tg_risk_mix(h, e->open);
			for (size_t w = 0; w < words; w++)
				h = tg_risk_mix(h, e->restricted[w]);
			for (uint32_t s = 0; s < nstocks; s++) {
				const struct tg_risk_pos *p = tg_risk_posp(r, f, a, (uint16_t)s);

				h = tg_risk_mix(h, (uint64_t)p->position);
				h = tg_risk_mix(h, p->open_buy);
				h = tg_risk_mix(h, p->open_sell);
			}
		}
	return h;
}
