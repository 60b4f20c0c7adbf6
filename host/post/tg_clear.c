/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * T+0 clearing (tg_clear.h). Stocks and (account, stock) positions live in
 * preallocated open-addressed tables, so booking a fill touches a few
 * cache lines and never allocates.
 */
#define _GNU_SOURCE	/* qsort_r */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "post/tg_clear.h"
#include "post/tg_money.h"

#define NONE			UINT32_MAX
#define MAX_NOTIONAL		(1ULL << 60)	/* keeps every sum of fee parts in int64 */
#define MAX_PER_SHARE		1000000000LL	/* $1,000 a share, 1e-6 $ */
#define MAX_BPS			100000000LL	/* 10,000 bp (100 %), 1e-4 bp */
#define MAX_MONEY		10000000000LL	/* $1,000,000, 1e-4 $ */
#define SPACES			0x2020202020202020ULL

struct stock {
	uint64_t key;			/* 8 bytes, space padded */
	uint32_t mark;			/* feed's last trade, p4 */
	uint32_t last;			/* last fill here, p4 */
	char name[TG_CLEAR_STOCK_MAX];
};

struct pos {
	uint64_t key;			/* account << 32 | stock */
	uint32_t next;			/* next position of the account */
	int64_t shares;
	int64_t cost;
	int64_t realised;
	int64_t bought, sold;
	int64_t buy_notional, sell_notional;
	int64_t fees;
	uint64_t fills;
};

struct totals {
	int64_t cash, fees, realised;
	int64_t bought_notional, sold_notional;
	int64_t bought_shares, sold_shares;
	uint64_t fills;
};

struct firm {
	char name[TG_CLEAR_NAME_MAX];
	struct tg_clear_fees fees;
	struct totals t;
};

struct acct {
	char name[TG_CLEAR_NAME_MAX];
	unsigned firm;
	struct totals t;
	int64_t credit;
	int64_t short_cost;		/* sum of cost of short positions (<= 0) */
	uint32_t first_pos;
};

struct tg_clear {
	unsigned n_users, n_accts, n_firms;
	uint32_t *user_acct;
	struct acct *accts;
	struct firm *firms;

	unsigned max_stocks, n_stocks;
	struct stock *stocks;
	uint32_t *stock_slot;		/* index + 1, 0 = empty */
	unsigned stock_bits;

	unsigned max_pos, n_pos;
	struct pos *pos;
	uint32_t *pos_slot;
	unsigned pos_bits;

	struct tg_clear_stats st;
};

/* Fibonacci hashing: keys here are short strings and small integers. */
static inline uint32_t
slot_of(uint64_t key, unsigned bits)
{
	return (uint32_t)((key * 0x9E3779B97F4A7C15ULL) >> (64 - bits));
}

static unsigned
bits_for(unsigned n)
{
	unsigned b = 4;

	while ((1ULL << b) < 2ULL * n)
		b++;
	return b;
}

/* The stock field as a key: NUL padding reads as space padding. */
static inline uint64_t
stock_key(const char s[TG_OUCH_STOCK_LEN])
{
	char b[8];

	memcpy(b, s, 8);
	for (int i = 0; i < 8; i++)
		if (!b[i])
			b[i] = ' ';
	uint64_t k;
	memcpy(&k, b, 8);
	return k;
}

static int
stock_find(const struct tg_clear *c, uint64_t key)
{
	uint32_t mask = (1U << c->stock_bits) - 1;

	for (uint32_t s = slot_of(key, c->stock_bits);; s = (s + 1) & mask) {
		uint32_t v = __atomic_load_n(&c->stock_slot[s], __ATOMIC_ACQUIRE);
		if (!v)
			return -ENOENT;
		if (c->stocks[v - 1].key == key)
			return (int)(v - 1);
	}
}

/* Caller checked there is room. */
static unsigned
stock_add(struct tg_clear *c, uint64_t key)
{
	uint32_t mask = (1U << c->stock_bits) - 1;
	unsigned i = c->n_stocks++;
	struct stock *st = &c->stocks[i];
	int n = 8;

	st->key = key;
	memcpy(st->name, &key, 8);
	while (n > 0 && st->name[n - 1] == ' ')
		n--;
	st->name[n] = '\0';
	uint32_t s = slot_of(key, c->stock_bits);
	while (c->stock_slot[s])
		s = (s + 1) & mask;
	__atomic_store_n(&c->stock_slot[s], i + 1, __ATOMIC_RELEASE);
	return i;
}

static inline uint64_t
pos_key(unsigned acct, unsigned stock)
{
	return (uint64_t)acct << 32 | stock;
}

static struct pos *
pos_find(const struct tg_clear *c, unsigned acct, unsigned stock)
{
	uint64_t key = pos_key(acct, stock);
	uint32_t mask = (1U << c->pos_bits) - 1;

	for (uint32_t s = slot_of(key, c->pos_bits);; s = (s + 1) & mask) {
		uint32_t v = __atomic_load_n(&c->pos_slot[s], __ATOMIC_ACQUIRE);
		if (!v)
			return NULL;
		if (c->pos[v - 1].key == key)
			return &c->pos[v - 1];
	}
}

/*
 * Both sides' positions at once: with thousands of accounts the tables
 * outgrow the caches, and the two lookups' misses overlap when their
 * slots and entries are fetched together rather than one after the other.
 */
static inline void
pos_find2(const struct tg_clear *c, unsigned a1, unsigned a2, unsigned stock,
	  struct pos **p1, struct pos **p2)
{
	uint64_t k1 = pos_key(a1, stock), k2 = pos_key(a2, stock);
	uint32_t s1 = slot_of(k1, c->pos_bits), s2 = slot_of(k2, c->pos_bits);

	__builtin_prefetch(&c->pos_slot[s2]);
	uint32_t v1 = __atomic_load_n(&c->pos_slot[s1], __ATOMIC_ACQUIRE);
	uint32_t v2 = __atomic_load_n(&c->pos_slot[s2], __ATOMIC_ACQUIRE);
	if (v1)
		__builtin_prefetch(&c->pos[v1 - 1]);
	if (v2)
		__builtin_prefetch(&c->pos[v2 - 1]);
	/* the first probe usually decides; otherwise walk as pos_find does */
	*p1 = v1 && c->pos[v1 - 1].key == k1 ? &c->pos[v1 - 1] : v1 ? pos_find(c, a1, stock) : NULL;
	*p2 = v2 && c->pos[v2 - 1].key == k2 ? &c->pos[v2 - 1] : v2 ? pos_find(c, a2, stock) : NULL;
}

/* Caller checked there is room. */
static struct pos *
pos_add(struct tg_clear *c, unsigned acct, unsigned stock)
{
	uint64_t key = pos_key(acct, stock);
	uint32_t mask = (1U << c->pos_bits) - 1;
	unsigned i = c->n_pos++;
	struct pos *p = &c->pos[i];
	struct acct *a = &c->accts[acct];

	memset(p, 0, sizeof(*p));
	p->key = key;
	p->next = a->first_pos;
	a->first_pos = i;
	uint32_t s = slot_of(key, c->pos_bits);
	while (c->pos_slot[s])
		s = (s + 1) & mask;
	__atomic_store_n(&c->pos_slot[s], i + 1, __ATOMIC_RELEASE);
	return p;
}

static int
set_err(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
set_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Copy a configuration value into a name field, refusing what won't fit. */
static int
copy_name(char *dst, const char *src, const char *sec, const char *key,
	  char *err, size_t errlen)
{
	size_t n = strlen(src);

	if (!n || n >= TG_CLEAR_NAME_MAX)
		return set_err(err, errlen, -EINVAL, "[%s] %s: must be 1 to %d characters",
			       sec, key, TG_CLEAR_NAME_MAX - 1);
	memcpy(dst, src, n + 1);
	return 0;
}

/*
 * The engine numbers users by the order of their [user.*] sections, so
 * walking the sections in file order gives the same indexes.
 */
int
tg_clear_users_from_cfg(struct rte_cfgfile *cfg, struct tg_clear_user **out,
			unsigned *n, char *err, size_t errlen)
{
	int ns = rte_cfgfile_num_sections(cfg, NULL, 0);
	char **names = NULL;
	struct tg_clear_user *u = NULL;
	unsigned nu = 0;
	int rc = -ENOMEM;

	if (ns < 0)
		return set_err(err, errlen, -EINVAL, "cannot list configuration sections");
	names = calloc((size_t)ns + 1, sizeof(*names));
	u = calloc((size_t)ns + 1, sizeof(*u));
	if (!names || !u)
		goto out;
	for (int i = 0; i < ns; i++)
		if (!(names[i] = malloc(CFG_NAME_LEN)))
			goto out;
	if (rte_cfgfile_sections(cfg, names, ns) != ns) {
		rc = set_err(err, errlen, -EINVAL, "cannot list configuration sections");
		goto out;
	}
	for (int i = 0; i < ns; i++) {
		const char *sec = names[i], *v;
		struct tg_clear_user *x = &u[nu];

		if (strncmp(sec, "user.", 5))
			continue;
		if ((rc = copy_name(x->name, sec + 5, sec, "(login)", err, errlen)))
			goto out;
		if (!(v = rte_cfgfile_get_entry(cfg, sec, "firm"))) {
			rc = set_err(err, errlen, -EINVAL, "[%s] firm: missing", sec);
			goto out;
		}
		if ((rc = copy_name(x->firm, v, sec, "firm", err, errlen)))
			goto out;
		v = rte_cfgfile_get_entry(cfg, sec, "account");
		if ((rc = copy_name(x->account, v ? v : x->name, sec, "account", err, errlen)))
			goto out;
		v = rte_cfgfile_get_entry(cfg, sec, "owner");
		if ((rc = copy_name(x->owner, v ? v : x->account, sec, "owner", err, errlen)))
			goto out;
		nu++;
	}
	*out = u;
	*n = nu;
	u = NULL;
	rc = 0;
out:
	if (names)
		for (int i = 0; i < ns; i++)
			free(names[i]);
	free(names);
	free(u);
	return rc;
}

/* ---- fees ---- */

static const struct fee_key {
	const char *key;
	size_t off;
	unsigned scale;		/* decimals of the configured unit */
	int64_t max;		/* |value| bound, in the stored unit */
	bool rebate;		/* may be negative */
} fee_keys[] = {
	{ "maker_per_share", offsetof(struct tg_clear_fees, maker_per_share), 6, MAX_PER_SHARE, true },
	{ "taker_per_share", offsetof(struct tg_clear_fees, taker_per_share), 6, MAX_PER_SHARE, true },
	{ "maker_bps", offsetof(struct tg_clear_fees, maker_bps), 4, MAX_BPS, true },
	{ "taker_bps", offsetof(struct tg_clear_fees, taker_bps), 4, MAX_BPS, true },
	{ "commission_per_share", offsetof(struct tg_clear_fees, commission_per_share), 6, MAX_PER_SHARE, false },
	{ "commission_bps", offsetof(struct tg_clear_fees, commission_bps), 4, MAX_BPS, false },
	{ "commission_min", offsetof(struct tg_clear_fees, commission_min), 4, MAX_MONEY, false },
	{ "sell_tax_per_share", offsetof(struct tg_clear_fees, sell_tax_per_share), 6, MAX_PER_SHARE, false },
	{ "sell_tax_bps", offsetof(struct tg_clear_fees, sell_tax_bps), 4, MAX_BPS, false },
	{ "buy_tax_bps", offsetof(struct tg_clear_fees, buy_tax_bps), 4, MAX_BPS, false },
	{ "transfer_per_fill", offsetof(struct tg_clear_fees, transfer_per_fill), 4, MAX_MONEY, false },
};

/*
 * Every key of the section must be one of fee_keys: a misspelt fee key
 * silently charging nothing is the failure this refuses.
 */
int
tg_clear_fees_parse(struct rte_cfgfile *cfg, const char *section,
		    struct tg_clear_fees *f, char *err, size_t errlen)
{
	int n = rte_cfgfile_section_num_entries(cfg, section);
	struct rte_cfgfile_entry *e;
	struct tg_clear_fees nf = *f;

	if (n < 0)
		return set_err(err, errlen, -ENOENT, "[%s]: no such section", section);
	if (!n)
		return 0;
	if (!(e = calloc((size_t)n, sizeof(*e))))
		return -ENOMEM;
	if (rte_cfgfile_section_entries(cfg, section, e, n) != n) {
		free(e);
		return set_err(err, errlen, -EINVAL, "[%s]: cannot read entries", section);
	}
	for (int i = 0; i < n; i++) {
		const struct fee_key *k = NULL;
		int64_t v;

		for (size_t j = 0; j < sizeof(fee_keys) / sizeof(fee_keys[0]); j++)
			if (!strcmp(e[i].name, fee_keys[j].key))
				k = &fee_keys[j];
		if (!k) {
			set_err(err, errlen, -EINVAL, "[%s] %s: unknown fee key", section, e[i].name);
			free(e);
			return -EINVAL;
		}
		int rc = tg_money_parse(e[i].value, k->scale, false, &v);
		if (rc || v > k->max || v < -k->max || (v < 0 && !k->rebate)) {
			set_err(err, errlen, -EINVAL,
				"[%s] %s: '%s' is not %s number of at most %u decimals%s",
				section, e[i].name, e[i].value,
				k->rebate ? "a" : "a non-negative", k->scale,
				v > k->max || v < -k->max ? " (out of range)" : "");
			free(e);
			return -EINVAL;
		}
		*(int64_t *)((char *)&nf + k->off) = v;
	}
	free(e);
	*f = nf;
	return 0;
}

/* n (1e-12 $) to 1e-4 $, half away from zero; int64 division when it fits. */
static inline int64_t
round_e8(__int128 n)
{
	if (n >= -(__int128)INT64_MAX && n <= INT64_MAX) {
		int64_t m = (int64_t)n;
		return m >= 0 ? (m + 50000000) / 100000000 : -((-m + 50000000) / 100000000);
	}
	return tg_money_div_round(n, 100000000);
}

/* One fee part, computed exactly in 1e-12 $ and rounded once. */
static inline int64_t
fee_part(int64_t per_share, int64_t bps, uint32_t shares, int64_t notional)
{
	return round_e8((__int128)shares * per_share * 1000000 +
			(__int128)notional * bps);
}

void
tg_clear_fee_calc(const struct tg_clear_fees *f, char side, char liq,
		  uint32_t shares, uint32_t price, struct tg_clear_fee_parts *out)
{
	int64_t notional = (int64_t)shares * price;
	bool maker = liq == 'A';

	out->exchange = fee_part(maker ? f->maker_per_share : f->taker_per_share,
				 maker ? f->maker_bps : f->taker_bps, shares, notional);
	out->commission = fee_part(f->commission_per_share, f->commission_bps,
				   shares, notional);
	if (out->commission < f->commission_min)
		out->commission = f->commission_min;
	if (side == 'S')
		out->tax = fee_part(f->sell_tax_per_share, f->sell_tax_bps, shares, notional);
	else
		out->tax = fee_part(0, f->buy_tax_bps, shares, notional);
	out->transfer = f->transfer_per_fill;
	out->total = out->exchange + out->commission + out->tax + out->transfer;
}

/* ---- lifetime ---- */

int
tg_clear_new(const struct tg_clear_user *users, unsigned n_users,
	     const struct tg_clear_params *p, struct tg_clear **out,
	     char *err, size_t errlen)
{
	struct tg_clear *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->max_stocks = p && p->max_stocks ? p->max_stocks : 16384;
	c->max_pos = p && p->max_positions ? p->max_positions : 1U << 20;
	if (c->max_stocks > (1U << 28) || c->max_pos > (1U << 30)) {
		free(c);
		return set_err(err, errlen, -EINVAL, "table sizes too large");
	}
	c->stock_bits = bits_for(c->max_stocks);
	c->pos_bits = bits_for(c->max_pos);
	c->n_users = n_users;
	c->user_acct = calloc(n_users + 1, sizeof(*c->user_acct));
	c->accts = calloc(n_users + 1, sizeof(*c->accts));
	c->firms = calloc(n_users + 1, sizeof(*c->firms));
	c->stocks = calloc(c->max_stocks, sizeof(*c->stocks));
	c->stock_slot = calloc(1U << c->stock_bits, sizeof(*c->stock_slot));
	c->pos = calloc(c->max_pos, sizeof(*c->pos));
	c->pos_slot = calloc(1U << c->pos_bits, sizeof(*c->pos_slot));
	if (!c->user_acct || !c->accts || !c->firms || !c->stocks ||
	    !c->stock_slot || !c->pos || !c->pos_slot) {
		tg_clear_free(c);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n_users; i++) {
		const struct tg_clear_user *u = &users[i];
		size_t lf = strnlen(u->firm, TG_CLEAR_NAME_MAX);
		size_t la = strnlen(u->account, TG_CLEAR_NAME_MAX);
		unsigned f, a;

		if (!lf || lf >= TG_CLEAR_NAME_MAX || !la || la >= TG_CLEAR_NAME_MAX) {
			tg_clear_free(c);
			return set_err(err, errlen, -EINVAL,
				       "user %u: firm and account must be 1 to %d characters",
				       i, TG_CLEAR_NAME_MAX - 1);
		}
		for (f = 0; f < c->n_firms && strcmp(c->firms[f].name, u->firm); f++)
			;
		if (f == c->n_firms)
			memcpy(c->firms[c->n_firms++].name, u->firm, lf + 1);
		for (a = 0; a < c->n_accts; a++)
			if (c->accts[a].firm == f && !strcmp(c->accts[a].name, u->account))
				break;
		if (a == c->n_accts) {
			struct acct *x = &c->accts[c->n_accts++];
			memcpy(x->name, u->account, la + 1);
			x->firm = f;
			x->first_pos = NONE;
		}
		c->user_acct[i] = a;
	}
	*out = c;
	return 0;
}

void
tg_clear_free(struct tg_clear *c)
{
	if (!c)
		return;
	free(c->user_acct);
	free(c->accts);
	free(c->firms);
	free(c->stocks);
	free(c->stock_slot);
	free(c->pos);
	free(c->pos_slot);
	free(c);
}

int
tg_clear_set_fees(struct tg_clear *c, const char *firm,
		  const struct tg_clear_fees *f)
{
	if (!firm) {
		for (unsigned i = 0; i < c->n_firms; i++)
			c->firms[i].fees = *f;
		return 0;
	}
	int i = tg_clear_firm_find(c, firm);
	if (i < 0)
		return i;
	c->firms[i].fees = *f;
	return 0;
}

int
tg_clear_configure(struct tg_clear *c, struct rte_cfgfile *cfg,
		   char *err, size_t errlen)
{
	struct tg_clear_fees base = { 0 };
	int rc, ns;

	if (rte_cfgfile_has_section(cfg, "fees") &&
	    (rc = tg_clear_fees_parse(cfg, "fees", &base, err, errlen)))
		return rc;
	tg_clear_set_fees(c, NULL, &base);
	ns = rte_cfgfile_num_sections(cfg, "fees.", 5);
	if (ns <= 0)
		return 0;
	int all = rte_cfgfile_num_sections(cfg, NULL, 0);
	char **names = calloc((size_t)all + 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	rc = 0;
	for (int i = 0; i < all; i++)
		if (!(names[i] = malloc(CFG_NAME_LEN)))
			rc = -ENOMEM;
	if (!rc && rte_cfgfile_sections(cfg, names, all) != all)
		rc = set_err(err, errlen, -EINVAL, "cannot list configuration sections");
	for (int i = 0; !rc && i < all; i++) {
		struct tg_clear_fees f = base;
		int fi;

		if (strncmp(names[i], "fees.", 5))
			continue;
		if ((fi = tg_clear_firm_find(c, names[i] + 5)) < 0) {
			rc = set_err(err, errlen, -ENOENT, "[%s]: no user belongs to firm '%s'",
				     names[i], names[i] + 5);
			break;
		}
		if ((rc = tg_clear_fees_parse(cfg, names[i], &f, err, errlen)))
			break;
		c->firms[fi].fees = f;
	}
	for (int i = 0; i < all; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* ---- booking ---- */

static inline void
add_totals(struct totals *t, int sign, uint32_t q, int64_t notional,
	   int64_t net, int64_t fee, int64_t realised)
{
	/* cash is read by pre-trade risk on another lcore */
	__atomic_store_n(&t->cash, t->cash + net, __ATOMIC_RELAXED);
	t->fees += fee;
	t->realised += realised;
	if (sign > 0) {
		t->bought_notional += notional;
		t->bought_shares += q;
	} else {
		t->sold_notional += notional;
		t->sold_shares += q;
	}
	t->fills++;
}

/*
 * Book one side: sign +1 buys, -1 sells. Adding to a position (or opening
 * one) adds the notional to the cost basis; reducing it takes the closed
 * shares' share of the basis out, rounded, and realises the difference
 * with the price; a fill through zero closes all and opens the rest at
 * the fill price. Cash moves by the notional and the fee, and the fee is
 * realised at once, so cash == realised - cost always: that is the P&L
 * identity, exact whatever the rounding.
 */
static void
book_side(struct tg_clear *c, struct acct *a, struct pos *p, int sign,
	  uint32_t q, uint32_t price, const struct tg_clear_fee_parts *fp,
	  struct tg_clear_side *out)
{
	int64_t notional = (int64_t)q * price;
	int64_t old_shares = p->shares, old_cost = p->cost, cost;
	int64_t realised = 0;

	if (old_shares == 0 || (old_shares > 0) == (sign > 0)) {
		cost = old_cost + sign * notional;
	} else {
		int64_t held = old_shares > 0 ? old_shares : -old_shares;
		int64_t closed = (int64_t)q < held ? (int64_t)q : held;
		int64_t removed = closed == held ? old_cost :
			tg_money_div_round((__int128)old_cost * closed, held);

		realised = -sign * closed * (int64_t)price - removed;
		cost = old_cost - removed;
		if ((int64_t)q > held)
			cost += sign * ((int64_t)q - held) * (int64_t)price;
	}
	realised -= fp->total;

	int64_t shares = old_shares + sign * (int64_t)q;
	int64_t net = -sign * notional - fp->total;

	__atomic_store_n(&p->shares, shares, __ATOMIC_RELAXED);
	p->cost = cost;
	p->realised += realised;
	p->fees += fp->total;
	p->fills++;
	if (sign > 0) {
		p->bought += q;
		p->buy_notional += notional;
	} else {
		p->sold += q;
		p->sell_notional += notional;
	}
	__atomic_store_n(&a->short_cost, a->short_cost + (shares < 0 ? cost : 0) -
			 (old_shares < 0 ? old_cost : 0), __ATOMIC_RELAXED);
	add_totals(&a->t, sign, q, notional, net, fp->total, realised);
	add_totals(&c->firms[a->firm].t, sign, q, notional, net, fp->total, realised);

	if (out) {
		out->gross = notional;
		out->net = net;
		out->realised = realised;
		out->fees = *fp;
	}
}

int
tg_clear_fill(struct tg_clear *c, const struct tg_engine_fill *f,
	      struct tg_clear_result *r)
{
	struct tg_clear_fee_parts fb, fs;
	struct pos *pb, *ps;
	unsigned ab, as;
	int si;

	if (__builtin_expect(f->buy.user >= c->n_users || f->sell.user >= c->n_users, 0)) {
		c->st.bad_user++;
		return -ENOENT;
	}
	uint64_t key = stock_key(f->stock);
	if (!f->shares || !f->price || key == SPACES ||
	    (uint64_t)f->shares * f->price > MAX_NOTIONAL) {
		c->st.bad_fill++;
		return -EINVAL;
	}
	ab = c->user_acct[f->buy.user];
	as = c->user_acct[f->sell.user];

	/* find everything first so a refusal leaves the tables untouched */
	si = stock_find(c, key);
	if (si >= 0) {
		pos_find2(c, ab, as, (unsigned)si, &pb, &ps);
	} else {
		pb = ps = NULL;
	}
	unsigned need = (!pb) + (!ps && ab != as);
	if ((si < 0 && c->n_stocks == c->max_stocks) || c->n_pos + need > c->max_pos) {
		c->st.full++;
		return -ENOSPC;
	}
	if (si < 0)
		si = (int)stock_add(c, key);
	if (!pb)
		pb = pos_add(c, ab, (unsigned)si);
	if (!ps)
		ps = ab == as ? pb : pos_add(c, as, (unsigned)si);

	if (f->buy.liquidity != 'A' && f->buy.liquidity != 'R')
		c->st.odd_liquidity++;
	if (f->sell.liquidity != 'A' && f->sell.liquidity != 'R')
		c->st.odd_liquidity++;
	tg_clear_fee_calc(&c->firms[c->accts[ab].firm].fees, 'B', f->buy.liquidity,
			  f->shares, f->price, &fb);
	tg_clear_fee_calc(&c->firms[c->accts[as].firm].fees, 'S', f->sell.liquidity,
			  f->shares, f->price, &fs);
	book_side(c, &c->accts[ab], pb, +1, f->shares, f->price, &fb, r ? &r->buy : NULL);
	book_side(c, &c->accts[as], ps, -1, f->shares, f->price, &fs, r ? &r->sell : NULL);
	if (r) {
		r->buy.account = ab;
		r->sell.account = as;
	}
	c->stocks[si].last = f->price;
	c->st.fills++;
	return 0;
}

int
tg_clear_mark(struct tg_clear *c, const char stock[TG_OUCH_STOCK_LEN],
	      uint32_t price)
{
	uint64_t key = stock_key(stock);
	int si;

	if (!price || key == SPACES)
		return -EINVAL;
	if ((si = stock_find(c, key)) < 0) {
		if (c->n_stocks == c->max_stocks) {
			c->st.full++;
			return -ENOSPC;
		}
		si = (int)stock_add(c, key);
	}
	c->stocks[si].mark = price;
	c->st.marks++;
	return 0;
}

/* ---- reading ---- */

unsigned
tg_clear_accounts(const struct tg_clear *c)
{
	return c->n_accts;
}

unsigned
tg_clear_firms(const struct tg_clear *c)
{
	return c->n_firms;
}

int
tg_clear_user_account(const struct tg_clear *c, unsigned user)
{
	return user < c->n_users ? (int)c->user_acct[user] : -ENOENT;
}

int
tg_clear_firm_find(const struct tg_clear *c, const char *firm)
{
	for (unsigned i = 0; i < c->n_firms; i++)
		if (!strcmp(c->firms[i].name, firm))
			return (int)i;
	return -ENOENT;
}

int
tg_clear_account_find(const struct tg_clear *c, const char *firm,
		      const char *account)
{
	int f = tg_clear_firm_find(c, firm);

	if (f < 0)
		return f;
	for (unsigned i = 0; i < c->n_accts; i++)
		if (c->accts[i].firm == (unsigned)f && !strcmp(c->accts[i].name, account))
			return (int)i;
	return -ENOENT;
}

const char *
tg_clear_account_name(const struct tg_clear *c, unsigned account)
{
	return account < c->n_accts ? c->accts[account].name : NULL;
}

const char *
tg_clear_account_firm(const struct tg_clear *c, unsigned account)
{
	return account < c->n_accts ? c->firms[c->accts[account].firm].name : NULL;
}

static inline uint32_t
stock_mark(const struct stock *s)
{
	return s->mark ? s->mark : s->last;
}

static int64_t
pos_unrealised(const struct tg_clear *c, const struct pos *p)
{
	const struct stock *s = &c->stocks[(uint32_t)p->key];

	return p->shares * (int64_t)stock_mark(s) - p->cost;
}

static void
fill_balance(struct tg_clear_balance *b, const struct totals *t)
{
	b->cash = t->cash;
	b->fees = t->fees;
	b->realised = t->realised;
	b->bought_notional = t->bought_notional;
	b->sold_notional = t->sold_notional;
	b->bought_shares = t->bought_shares;
	b->sold_shares = t->sold_shares;
	b->fills = t->fills;
}

int
tg_clear_account_get(const struct tg_clear *c, unsigned account,
		     struct tg_clear_balance *b)
{
	if (account >= c->n_accts)
		return -ENOENT;
	const struct acct *a = &c->accts[account];

	memset(b, 0, sizeof(*b));
	strcpy(b->firm, c->firms[a->firm].name);
	strcpy(b->account, a->name);
	fill_balance(b, &a->t);
	for (uint32_t i = a->first_pos; i != NONE; i = c->pos[i].next)
		b->unrealised += pos_unrealised(c, &c->pos[i]);
	b->credit = a->credit;
	b->buying_power = tg_clear_risk_buying_power(c, account);
	return 0;
}

int
tg_clear_firm_get(const struct tg_clear *c, unsigned firm,
		  struct tg_clear_balance *b)
{
	if (firm >= c->n_firms)
		return -ENOENT;
	memset(b, 0, sizeof(*b));
	strcpy(b->firm, c->firms[firm].name);
	fill_balance(b, &c->firms[firm].t);
	for (unsigned a = 0; a < c->n_accts; a++) {
		if (c->accts[a].firm != firm)
			continue;
		for (uint32_t i = c->accts[a].first_pos; i != NONE; i = c->pos[i].next)
			b->unrealised += pos_unrealised(c, &c->pos[i]);
		b->buying_power += tg_clear_risk_buying_power(c, a);
	}
	return 0;
}

/* cost / shares, rounded half away from zero; 0 when flat. */
static int64_t
avg_price(int64_t cost, int64_t shares)
{
	if (!shares)
		return 0;
	return shares > 0 ? tg_money_div_round(cost, shares) :
			    tg_money_div_round(-(__int128)cost, -shares);
}

static void
fill_position(const struct tg_clear *c, const struct pos *p,
	      struct tg_clear_position *o)
{
	const struct acct *a = &c->accts[p->key >> 32];
	const struct stock *s = &c->stocks[(uint32_t)p->key];

	memset(o, 0, sizeof(*o));
	strcpy(o->firm, c->firms[a->firm].name);
	strcpy(o->account, a->name);
	strcpy(o->stock, s->name);
	o->shares = p->shares;
	o->cost = p->cost;
	o->avg_price = avg_price(p->cost, p->shares);
	o->mark = stock_mark(s);
	o->realised = p->realised;
	o->unrealised = pos_unrealised(c, p);
	o->bought = p->bought;
	o->sold = p->sold;
	o->buy_notional = p->buy_notional;
	o->sell_notional = p->sell_notional;
	o->fees = p->fees;
	o->fills = p->fills;
}

int
tg_clear_position_get(const struct tg_clear *c, unsigned account,
		      const char stock[TG_OUCH_STOCK_LEN],
		      struct tg_clear_position *p)
{
	int si;
	const struct pos *x;

	if (account >= c->n_accts || (si = stock_find(c, stock_key(stock))) < 0 ||
	    !(x = pos_find(c, account, (unsigned)si)))
		return -ENOENT;
	fill_position(c, x, p);
	return 0;
}

int
tg_clear_firm_position(const struct tg_clear *c, unsigned firm,
		       const char stock[TG_OUCH_STOCK_LEN],
		       struct tg_clear_position *p)
{
	int si, found = 0;

	if (firm >= c->n_firms || (si = stock_find(c, stock_key(stock))) < 0)
		return -ENOENT;
	memset(p, 0, sizeof(*p));
	strcpy(p->firm, c->firms[firm].name);
	strcpy(p->stock, c->stocks[si].name);
	p->mark = stock_mark(&c->stocks[si]);
	for (unsigned a = 0; a < c->n_accts; a++) {
		const struct pos *x;

		if (c->accts[a].firm != firm || !(x = pos_find(c, a, (unsigned)si)))
			continue;
		found = 1;
		p->shares += x->shares;
		p->cost += x->cost;
		p->realised += x->realised;
		p->unrealised += pos_unrealised(c, x);
		p->bought += x->bought;
		p->sold += x->sold;
		p->buy_notional += x->buy_notional;
		p->sell_notional += x->sell_notional;
		p->fees += x->fees;
		p->fills += x->fills;
	}
	if (!found)
		return -ENOENT;
	p->avg_price = avg_price(p->cost, p->shares);
	return 0;
}

static int
pos_cmp(const void *x, const void *y, void *ctx)
{
	const struct tg_clear *c = ctx;
	const struct pos *p = &c->pos[*(const uint32_t *)x];
	const struct pos *q = &c->pos[*(const uint32_t *)y];
	const struct acct *a = &c->accts[p->key >> 32], *b = &c->accts[q->key >> 32];
	int r;

	if ((r = strcmp(c->firms[a->firm].name, c->firms[b->firm].name)))
		return r;
	if ((r = strcmp(a->name, b->name)))
		return r;
	return strcmp(c->stocks[(uint32_t)p->key].name, c->stocks[(uint32_t)q->key].name);
}

int
tg_clear_foreach_position(const struct tg_clear *c,
			  int (*fn)(void *ctx, const struct tg_clear_position *p),
			  void *ctx)
{
	uint32_t *ix = malloc(((size_t)c->n_pos + 1) * sizeof(*ix));
	struct tg_clear_position p;
	int rc = 0;

	if (!ix)
		return -ENOMEM;
	for (unsigned i = 0; i < c->n_pos; i++)
		ix[i] = i;
	qsort_r(ix, c->n_pos, sizeof(*ix), pos_cmp, (void *)c);
	for (unsigned i = 0; i < c->n_pos && !rc; i++) {
		fill_position(c, &c->pos[ix[i]], &p);
		rc = fn(ctx, &p);
	}
	free(ix);
	return rc;
}

int64_t
tg_clear_risk_shares(const struct tg_clear *c, unsigned account,
		     const char stock[TG_OUCH_STOCK_LEN])
{
	int si;
	const struct pos *p;

	if (account >= c->n_accts || (si = stock_find(c, stock_key(stock))) < 0 ||
	    !(p = pos_find(c, account, (unsigned)si)))
		return 0;
	return __atomic_load_n(&p->shares, __ATOMIC_RELAXED);
}

int64_t
tg_clear_risk_buying_power(const struct tg_clear *c, unsigned account)
{
	const struct acct *a;

	if (account >= c->n_accts)
		return 0;
	a = &c->accts[account];
	return __atomic_load_n(&a->credit, __ATOMIC_RELAXED) +
	       __atomic_load_n(&a->t.cash, __ATOMIC_RELAXED) +
	       __atomic_load_n(&a->short_cost, __ATOMIC_RELAXED);
}

int
tg_clear_set_credit(struct tg_clear *c, unsigned account, int64_t credit)
{
	if (account >= c->n_accts)
		return -ENOENT;
	__atomic_store_n(&c->accts[account].credit, credit, __ATOMIC_RELAXED);
	return 0;
}

/* FNV-1a over the bytes of v. */
static uint64_t
fnv(uint64_t h, const void *v, size_t n)
{
	const unsigned char *p = v;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int
digest_pos(void *ctx, const struct tg_clear_position *p)
{
	uint64_t *h = ctx;
	int64_t v[] = { p->shares, p->cost, p->realised, p->bought, p->sold,
			p->buy_notional, p->sell_notional, p->fees, (int64_t)p->fills };

	*h = fnv(*h, p->firm, strlen(p->firm) + 1);
	*h = fnv(*h, p->account, strlen(p->account) + 1);
	*h = fnv(*h, p->stock, strlen(p->stock) + 1);
	*h = fnv(*h, v, sizeof(v));
	return 0;
}

/*
 * Marks come from the feed, which a replay of the order journal may not
 * have, so the digest covers what fills alone decide.
 */
uint64_t
tg_clear_digest(const struct tg_clear *c)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (unsigned i = 0; i < c->n_accts; i++) {
		const struct acct *a = &c->accts[i];
		const struct totals *t = &a->t;
		int64_t v[] = { t->cash, t->fees, t->realised, t->bought_notional,
				t->sold_notional, t->bought_shares, t->sold_shares,
				(int64_t)t->fills };

		h = fnv(h, c->firms[a->firm].name, strlen(c->firms[a->firm].name) + 1);
		h = fnv(h, a->name, strlen(a->name) + 1);
		h = fnv(h, v, sizeof(v));
	}
	if (tg_clear_foreach_position(c, digest_pos, &h))
		return 0;
	return h;
}

void
tg_clear_get_stats(const struct tg_clear *c, struct tg_clear_stats *s)
{
	*s = c->st;
	s->stocks = c->n_stocks;
	s->positions = c->n_pos;
}
