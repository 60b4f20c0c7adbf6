/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L3 order books from card event records.
 *
 * Orders live in one open-addressing table keyed by order reference
 * (linear probing in Robin Hood order, backward-shift delete, at most
 * half full, the reference's low bits as home slot), each slot
 * holding the whole order, so an execute, cancel or delete costs one
 * probe sequence and no pointer chase. Price levels are per stock and
 * side, in an array sorted so that the best level is the last element:
 * the BBO is one load, and the levels that change most (near the touch)
 * are found by a short scan from the end; deeper ones by binary search.
 * Asks store ~price as their key so both sides sort the same way.
 * Stocks are indexed directly by stock_locate.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "book/tg_book.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "record bodies are little-endian and read with plain loads");

#define TG_BOOK_NSTOCKS		65536
#define TG_BOOK_DEF_ORDERS	(1u << 20)
#define TG_BOOK_MAX_ORDERS	(1u << 30)
#define TG_BOOK_DEF_LEVELS	16
#define TG_BOOK_SCAN		8	/* levels scanned from the touch before bisecting */
#define TG_BOOK_AHEAD_NEAR	16	/* bursts prefetch order slots and stocks this far ahead */
#define TG_BOOK_AHEAD_FAR	6	/* and price levels this far */
#define TG_BOOK_NOSLOT		UINT64_MAX

/* A slot of the order table; side 0 marks a free slot. */
struct tg_book_order {
	uint64_t ref;
	uint32_t price;
	uint32_t shares;
	uint16_t locate;
	uint8_t side;		/* 0 free, else 1 + enum tg_book_side */
	uint8_t pad;
	uint32_t lvl;		/* where its level was: right unless levels below moved */
};
_Static_assert(sizeof(struct tg_book_order) == 24, "order slot is 24 bytes");

struct tg_book_lvl {
	uint32_t key;		/* bids: price; asks: ~price. Best is the largest. */
	uint32_t orders;
	uint64_t shares;
};

struct tg_book_ladder {
	struct tg_book_lvl *lv;	/* ascending key, best at lv[n - 1] */
	uint32_t n;
	uint32_t cap;
};

/*
 * One stock. The first cache line holds what every order message needs
 * (the ladders, the directory flag); trades and reference data follow.
 */
struct tg_book_stock {
	struct tg_book_ladder side[2];
	uint32_t orders;
	uint8_t has_dir;
	uint8_t named;		/* symbol known (from 'R', else from an add) */
	char trading_state;
	char reg_sho;
	uint32_t last_price;
	uint32_t round_lot;
	uint64_t last_shares;
	uint64_t last_ts;
	/* second line */
	uint64_t volume;
	uint64_t trades;
	uint64_t broken;
	char symbol[8];		/* as sent, space padded */
	char market_category;
	char financial_status;
	char round_lots_only;
	char reason[4];
	char halt_market;
	char halt_action;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct tg_book_stock) == 128, "two cache lines per stock");

struct tg_book {
	struct tg_book_order *tab;
	uint64_t mask;
	uint64_t mul;		/* tg_book_hash: 1, or the golden ratio (scatter_refs) */
	unsigned shift;		/* 0, or 64 - log2(table size) (scatter_refs) */
	uint32_t max_orders;
	uint32_t levels_hint;
	struct tg_book_stats st;
	char sys_event;
	int8_t tidx[256];	/* type byte -> index in tg_itch_types, -1 unknown */
	uint32_t nnamed;
	uint16_t named[TG_BOOK_NSTOCKS];	/* locates with a symbol, first named first */
	struct tg_book_stock stock[TG_BOOK_NSTOCKS];
};

/*
 * Home slot of an order reference. NASDAQ numbers orders in sequence, so
 * by default the low bits are the slot: orders placed together sit
 * together (a burst of adds shares cache lines) and seldom collide. With
 * scatter_refs the top bits of a golden-ratio multiple are taken instead,
 * for feeds whose references are not sequential.
 */
static inline uint64_t
tg_book_hash(const struct tg_book *b, uint64_t ref)
{
	return ((ref * b->mul) >> b->shift) & b->mask;
}

/* How far the entry in slot i sits from its home slot. */
static inline uint64_t
tg_book_dist(const struct tg_book *b, uint64_t i)
{
	return (i - tg_book_hash(b, b->tab[i].ref)) & b->mask;
}

/*
 * Slot holding ref, or TG_BOOK_NOSLOT. Robin Hood order (entries along a
 * probe run never sit closer to home than the one before them moved on)
 * lets a miss stop as soon as it meets an entry nearer its home.
 */
static inline uint64_t
tg_book_order_find(const struct tg_book *b, uint64_t ref)
{
	uint64_t i = tg_book_hash(b, ref), d = 0;

	for (;;) {
		const struct tg_book_order *o = &b->tab[i];

		if (o->side == 0)
			return TG_BOOK_NOSLOT;
		if (o->ref == ref)
			return i;
		if (tg_book_dist(b, i) < d)
			return TG_BOOK_NOSLOT;
		i = (i + 1) & b->mask;
		d++;
	}
}

/*
 * Put an entry whose probe reached slot i at distance d, displacing
 * entries that are nearer their home (Robin Hood) down the run.
 */
static inline void
tg_book_order_place(struct tg_book *b, uint64_t i, uint64_t d,
		    struct tg_book_order cur)
{
	for (;;) {
		struct tg_book_order *o = &b->tab[i];
		uint64_t od;

		if (o->side == 0) {
			*o = cur;
			return;
		}
		od = tg_book_dist(b, i);
		if (od < d) {
			struct tg_book_order t = *o;

			*o = cur;
			cur = t;
			d = od;
		}
		i = (i + 1) & b->mask;
		d++;
	}
}

/*
 * Free slot i and shift the rest of its run back by one until an empty
 * slot or an entry at home: no tombstones, runs as short as ever.
 */
static inline void
tg_book_order_erase(struct tg_book *b, uint64_t i)
{
	for (;;) {
		uint64_t j = (i + 1) & b->mask;

		if (b->tab[j].side == 0 || tg_book_dist(b, j) == 0)
			break;
		b->tab[i] = b->tab[j];
		i = j;
	}
	b->tab[i].side = 0;
}

/*
 * Number of levels whose key is <= key (so the insert position of key).
 * Near the touch, where most changes are, the last TG_BOOK_SCAN keys are
 * counted without branches (a scan that stops at the answer mispredicts
 * its exit); deeper, a binary search.
 */
static inline uint32_t
tg_book_ladder_upper(const struct tg_book_lvl *lv, uint32_t n, uint32_t key)
{
	const struct tg_book_lvl *p;
	uint32_t c = 0, stop, len;

	if (n <= TG_BOOK_SCAN) {
		for (uint32_t k = 0; k < n; k++)
			c += lv[k].key <= key;
		return c;
	}
	stop = n - TG_BOOK_SCAN;
	if (lv[stop].key <= key) {
		for (uint32_t k = 0; k < TG_BOOK_SCAN; k++)
			c += lv[stop + k].key <= key;
		return stop + c;
	}
	/* every key from stop on is above: the answer is in [0, stop] */
	p = lv;
	len = stop;
	while (len > 0) {
		uint32_t half = len / 2;

		if (p[half].key <= key) {
			p += half + 1;
			len -= half + 1;
		} else {
			len = half;
		}
	}
	return (uint32_t)(p - lv);
}

/* Double a level array (or give it its first one). Rare: off the fast path. */
static __attribute__((noinline)) int
tg_book_ladder_grow(struct tg_book *b, struct tg_book_ladder *l)
{
	uint32_t cap = l->cap ? l->cap * 2 : b->levels_hint;
	struct tg_book_lvl *lv;

	if (cap < l->cap)
		return -1;
	lv = realloc(l->lv, (size_t)cap * sizeof(*lv));
	if (!lv)
		return -1;
	if (l->cap)
		b->st.level_grows++;
	l->lv = lv;
	l->cap = cap;
	return 0;
}

/*
 * Add one order's shares at a price, creating the level if needed.
 * Returns the level's index, or -1 if the array could not grow.
 */
static inline int64_t
tg_book_level_add(struct tg_book *b, struct tg_book_ladder *l, uint32_t key,
		  uint32_t shares)
{
	uint32_t p = tg_book_ladder_upper(l->lv, l->n, key);

	if (p > 0 && l->lv[p - 1].key == key) {
		l->lv[p - 1].orders++;
		l->lv[p - 1].shares += shares;
		return p - 1;
	}
	if (l->n == l->cap && tg_book_ladder_grow(b, l) < 0)
		return -1;
	if (p < l->n)
		memmove(&l->lv[p + 1], &l->lv[p], (l->n - p) * sizeof(l->lv[0]));
	l->lv[p].key = key;
	l->lv[p].orders = 1;
	l->lv[p].shares = shares;
	l->n++;
	if (++b->st.levels > b->st.peak_levels)
		b->st.peak_levels = b->st.levels;
	return p;
}

/*
 * Take shares off a level; if the order is gone, one order too, and the
 * level itself when it was the last one there. hint is where the order
 * last saw its level: still right unless a level below it came or went
 * (the array grows at the bottom), which saves deep orders the search.
 */
static inline void
tg_book_level_sub(struct tg_book *b, struct tg_book_ladder *l, uint32_t key,
		  uint32_t shares, int gone, uint32_t hint)
{
	uint32_t p;
	struct tg_book_lvl *lv;

	if (hint < l->n && l->lv[hint].key == key)
		p = hint + 1;
	else
		p = tg_book_ladder_upper(l->lv, l->n, key);

	if (__builtin_expect(p == 0 || l->lv[p - 1].key != key, 0))
		return;		/* every resting order has its level: unreachable */
	lv = &l->lv[p - 1];
	lv->shares -= shares;
	if (gone && --lv->orders == 0) {
		if (p < l->n)
			memmove(lv, lv + 1, (l->n - p) * sizeof(*lv));
		l->n--;
		b->st.levels--;
	}
}

/*
 * Level key of a price: asks are stored complemented so both sides sort
 * alike.
 */
static inline uint32_t
tg_book_key(int side, uint32_t price)
{
	return side ? ~price : price;
}

/* Rest a new order. side is 0 (bid) or 1 (ask). */
static inline void
tg_book_add(struct tg_book *b, uint16_t locate, uint64_t ref, int side,
	    uint32_t shares, uint32_t price)
{
	struct tg_book_stock *s = &b->stock[locate];
	struct tg_book_order o;
	uint64_t i = tg_book_hash(b, ref), d = 0;
	int64_t lvl;

	for (;;) {
		const struct tg_book_order *t = &b->tab[i];

		if (t->side == 0)
			break;
		if (t->ref == ref) {
			b->st.err[TG_BOOK_ERR_DUPLICATE_ORDER]++;
			return;
		}
		if (tg_book_dist(b, i) < d)
			break;
		i = (i + 1) & b->mask;
		d++;
	}
	if (__builtin_expect(b->st.orders >= b->max_orders, 0)) {
		b->st.err[TG_BOOK_ERR_TABLE_FULL]++;
		return;
	}
	lvl = tg_book_level_add(b, &s->side[side], tg_book_key(side, price), shares);
	if (__builtin_expect(lvl < 0, 0)) {
		b->st.err[TG_BOOK_ERR_NO_MEMORY]++;
		return;
	}
	memset(&o, 0, sizeof(o));
	o.ref = ref;
	o.price = price;
	o.shares = shares;
	o.locate = locate;
	o.side = (uint8_t)(side + 1);
	o.lvl = (uint32_t)lvl;
	tg_book_order_place(b, i, d, o);
	s->orders++;
	if (++b->st.orders > b->st.peak_orders)
		b->st.peak_orders = b->st.orders;
}

/*
 * Take shares off the order in slot i (all of them if shares covers the
 * rest, counting `over` if it asked for more, unless over is
 * TG_BOOK_ERR_NUM: a delete); remove it when none rest.
 */
static inline void
tg_book_reduce(struct tg_book *b, uint64_t i, uint32_t shares,
	       enum tg_book_err over)
{
	struct tg_book_order *o = &b->tab[i];
	struct tg_book_stock *s = &b->stock[o->locate];
	int side = o->side - 1;
	int gone;

	if (shares >= o->shares) {
		if (shares > o->shares && over < TG_BOOK_ERR_NUM)
			b->st.err[over]++;
		shares = o->shares;
		gone = 1;
	} else {
		gone = 0;
	}
	tg_book_level_sub(b, &s->side[side], tg_book_key(side, o->price),
			  shares, gone, o->lvl);
	if (gone) {
		s->orders--;
		b->st.orders--;
		tg_book_order_erase(b, i);
	} else {
		o->shares -= shares;
	}
}

/* A printed trade: last price and size, and the running volume. */
static inline void
tg_book_print_trade(struct tg_book_stock *s, uint64_t ts, uint32_t price,
		    uint64_t shares)
{
	s->last_price = price;
	s->last_shares = shares;
	s->last_ts = ts;
	s->volume += shares;
	s->trades++;
}

/* Record a symbol for a locate the first time one is known. */
static void
tg_book_name(struct tg_book *b, uint16_t locate, const char *sym)
{
	struct tg_book_stock *s = &b->stock[locate];

	memcpy(s->symbol, sym, 8);
	if (!s->named) {
		s->named = 1;
		b->named[b->nnamed++] = locate;
	}
}

/* 'R': the stock's reference data; the first one counts the stock. */
static void
tg_book_directory(struct tg_book *b, const struct tg_event *ev)
{
	const struct tg_body_directory *d = (const void *)ev->body;
	struct tg_book_stock *s = &b->stock[ev->stock_locate];

	if (!s->has_dir) {
		s->has_dir = 1;
		b->st.stocks++;
	}
	tg_book_name(b, ev->stock_locate, d->stock);
	s->market_category = d->market_category;
	s->financial_status = d->financial_status;
	s->round_lot = d->round_lot_size;
	s->round_lots_only = d->round_lots_only;
}

/* The slot of the resting order an E C X D U names; counted when unknown. */
static inline uint64_t
tg_book_order_named(struct tg_book *b, uint64_t ref)
{
	uint64_t i = tg_book_order_find(b, ref);

	if (i == TG_BOOK_NOSLOT)
		b->st.err[TG_BOOK_ERR_UNKNOWN_ORDER]++;
	return i;
}

/*
 * 'A' and 'F': rest a new order (a stock with no 'R' takes the add's
 * symbol).
 */
static inline void
tg_book_on_add(struct tg_book *b, const struct tg_event *ev)
{
	const struct tg_body_add *a = (const void *)ev->body;
	int side;

	if (a->side == 'B')
		side = TG_BOOK_BID;
	else if (a->side == 'S')
		side = TG_BOOK_ASK;
	else {
		b->st.err[TG_BOOK_ERR_BAD_SIDE]++;
		return;
	}
	if (__builtin_expect(!b->stock[ev->stock_locate].named, 0))
		tg_book_name(b, ev->stock_locate, a->stock);
	tg_book_add(b, ev->stock_locate, a->order_ref, side, a->shares, a->price);
}

/* 'E' and 'C': execute shares of a resting order and print the trade. */
static inline void
tg_book_on_exec(struct tg_book *b, const struct tg_event *ev, int with_price)
{
	const struct tg_body_exec *x = (const void *)ev->body;
	uint64_t i = tg_book_order_named(b, x->order_ref);
	struct tg_book_stock *s;
	uint32_t price, shares;

	if (i == TG_BOOK_NOSLOT)
		return;
	s = &b->stock[b->tab[i].locate];
	price = b->tab[i].price;
	shares = x->shares < b->tab[i].shares ? x->shares : b->tab[i].shares;
	tg_book_reduce(b, i, x->shares, TG_BOOK_ERR_OVER_EXECUTION);
	/* 'C' trades at its own price; the book level stays the order's */
	if (!with_price)
		tg_book_print_trade(s, ev->ts, price, shares);
	else if (x->printable == 'Y')
		tg_book_print_trade(s, ev->ts, x->price, shares);
}

/* 'X': cancel part of a resting order. */
static inline void
tg_book_on_cancel(struct tg_book *b, const struct tg_event *ev)
{
	const struct tg_body_cancel *c = (const void *)ev->body;
	uint64_t i = tg_book_order_named(b, c->order_ref);

	if (i == TG_BOOK_NOSLOT)
		return;
	tg_book_reduce(b, i, c->shares, TG_BOOK_ERR_OVER_CANCEL);
}

/* 'D': remove a resting order. */
static inline void
tg_book_on_delete(struct tg_book *b, const struct tg_event *ev)
{
	const struct tg_body_delete *d = (const void *)ev->body;
	uint64_t i = tg_book_order_named(b, d->order_ref);

	if (i == TG_BOOK_NOSLOT)
		return;
	tg_book_reduce(b, i, UINT32_MAX, TG_BOOK_ERR_NUM);
}

/*
 * 'U': the original order leaves the book and the new reference joins it
 * at the new price and size, on the same side of the same stock (so it
 * loses its time priority, as at the exchange).
 */
static inline void
tg_book_on_replace(struct tg_book *b, const struct tg_event *ev)
{
	const struct tg_body_replace *u = (const void *)ev->body;
	uint64_t i = tg_book_order_named(b, u->orig_ref);
	uint16_t locate;
	int side;

	if (i == TG_BOOK_NOSLOT)
		return;
	locate = b->tab[i].locate;
	side = b->tab[i].side - 1;
	tg_book_reduce(b, i, UINT32_MAX, TG_BOOK_ERR_NUM);
	tg_book_add(b, locate, u->new_ref, side, u->shares, u->price);
}

/* Apply one record; the body of tg_book_apply, inlined into bursts. */
static inline void
tg_book_apply_one(struct tg_book *b, const struct tg_event *ev)
{
	struct tg_book_stock *s;
	int t;

	b->st.records++;
	if (__builtin_expect(ev->kind != TG_EV_MSG, 0)) {
		if (ev->kind == TG_EV_GAP) {
			b->st.gaps++;
			b->st.gap_messages += ev->ts;
		} else if (ev->kind == TG_EV_EOS) {
			b->st.end_of_session++;
		} else {
			b->st.err[TG_BOOK_ERR_BAD_RECORD]++;
		}
		return;
	}
	t = b->tidx[ev->msg_type];
	if (__builtin_expect(t < 0, 0)) {
		b->st.err[TG_BOOK_ERR_BAD_RECORD]++;
		return;
	}
	b->st.messages++;
	b->st.msg_type[t]++;
	s = &b->stock[ev->stock_locate];
	switch (ev->msg_type) {
	case 'S':
	case 'V':
	case 'W':
	case 'R':
		break;		/* market-wide, or the directory itself */
	default:
		if (__builtin_expect(!s->has_dir, 0))
			b->st.err[TG_BOOK_ERR_NO_DIRECTORY]++;
		break;
	}

	switch (ev->msg_type) {
	case 'A':
	case 'F':
		tg_book_on_add(b, ev);
		break;
	case 'D':
		tg_book_on_delete(b, ev);
		break;
	case 'U':
		tg_book_on_replace(b, ev);
		break;
	case 'E':
		tg_book_on_exec(b, ev, 0);
		break;
	case 'C':
		tg_book_on_exec(b, ev, 1);
		break;
	case 'X':
		tg_book_on_cancel(b, ev);
		break;
	case 'P': {
		const struct tg_body_trade *p = (const void *)ev->body;

		tg_book_print_trade(s, ev->ts, p->price, p->shares);
		break;
	}
	case 'Q':
		tg_book_print_trade(s, ev->ts,
				    (uint32_t)tg_body_uint(ev->body, 27, 4),
				    tg_body_uint(ev->body, 11, 8));
		break;
	case 'B':
		s->broken++;
		break;
	case 'R':
		tg_book_directory(b, ev);
		break;
	case 'H': {
		const struct tg_body_trading_action *h = (const void *)ev->body;

		s->trading_state = h->trading_state;
		memcpy(s->reason, h->reason, 4);
		break;
	}
	case 'Y':
		s->reg_sho = (char)ev->body[8];
		break;
	case 'h':
		s->halt_market = (char)ev->body[8];
		s->halt_action = (char)ev->body[9];
		break;
	case 'S':
		b->sys_event = (char)ev->body[0];
		break;
	default:
		break;		/* L V W K J I N O: nothing in the book */
	}
}

#define TG_BOOK_HUGE		(2u << 20)

/*
 * Zeroed memory for the big tables, asked to be backed by 2 MiB pages:
 * order references and stocks are looked up all over the table, and with
 * 4 KiB pages nearly every lookup would also miss the TLB.
 */
static void *
tg_book_map(size_t len)
{
	void *p;

	len = (len + TG_BOOK_HUGE - 1) / TG_BOOK_HUGE * TG_BOOK_HUGE;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_HUGEPAGE);	/* a hint: without it, small pages */
	return p;
}

static void
tg_book_unmap(void *p, size_t len)
{
	if (p)
		munmap(p, (len + TG_BOOK_HUGE - 1) / TG_BOOK_HUGE * TG_BOOK_HUGE);
}

/*
 * Make an empty book: the order table (2 x max_orders slots, a power of
 * two, so it is at most half full) and the stock array.
 */
struct tg_book *
tg_book_new(const struct tg_book_config *cfg)
{
	struct tg_book *b;
	uint32_t max = cfg && cfg->max_orders ? cfg->max_orders : TG_BOOK_DEF_ORDERS;
	uint64_t size = 16;
	unsigned bits = 4;

	if (max > TG_BOOK_MAX_ORDERS)
		max = TG_BOOK_MAX_ORDERS;
	while (size < 2 * (uint64_t)max) {
		size <<= 1;
		bits++;
	}
	b = tg_book_map(sizeof(*b));	/* page aligned, so the stocks are line aligned */
	if (!b)
		return NULL;
	b->tab = tg_book_map(size * sizeof(*b->tab));
	if (!b->tab) {
		tg_book_unmap(b, sizeof(*b));
		return NULL;
	}
	b->mask = size - 1;
	b->mul = cfg && cfg->scatter_refs ? 0x9E3779B97F4A7C15ull : 1;
	b->shift = cfg && cfg->scatter_refs ? 64 - bits : 0;
	b->max_orders = max;
	b->levels_hint = cfg && cfg->levels_hint ? cfg->levels_hint : TG_BOOK_DEF_LEVELS;
	memset(b->tidx, -1, sizeof(b->tidx));
	for (int k = 0; k < TG_ITCH_NTYPES; k++)
		b->tidx[(uint8_t)tg_itch_types[k].type] = (int8_t)k;
	return b;
}

/* Free the book and every level array. */
void
tg_book_free(struct tg_book *b)
{
	if (!b)
		return;
	for (uint32_t k = 0; k < TG_BOOK_NSTOCKS; k++) {
		free(b->stock[k].side[0].lv);
		free(b->stock[k].side[1].lv);
	}
	tg_book_unmap(b->tab, (b->mask + 1) * sizeof(*b->tab));
	tg_book_unmap(b, sizeof(*b));
}

/*
 * Back to an empty book without giving memory back: the level arrays keep
 * their capacity, so a second day runs without their growth.
 */
void
tg_book_clear(struct tg_book *b)
{
	memset(b->tab, 0, (b->mask + 1) * sizeof(*b->tab));
	for (uint32_t k = 0; k < TG_BOOK_NSTOCKS; k++) {
		struct tg_book_stock *s = &b->stock[k];
		struct tg_book_ladder l0 = s->side[0], l1 = s->side[1];

		memset(s, 0, sizeof(*s));
		s->side[0].lv = l0.lv;
		s->side[0].cap = l0.cap;
		s->side[1].lv = l1.lv;
		s->side[1].cap = l1.cap;
	}
	memset(&b->st, 0, sizeof(b->st));
	b->sys_event = 0;
	b->nnamed = 0;
}

/* Apply one record: the exported form of the inlined hot path. */
void
tg_book_apply(struct tg_book *b, const struct tg_event *ev)
{
	tg_book_apply_one(b, ev);
}

/* First look-ahead stage: the lines whose addresses the record gives. */
static inline void
tg_book_prefetch_near(const struct tg_book *b, const struct tg_event *f)
{
	uint64_t ref;

	switch (f->msg_type) {
	case 'A': case 'F': case 'E': case 'C': case 'X': case 'D': case 'U':
		memcpy(&ref, f->body, sizeof(ref));
		__builtin_prefetch(&b->tab[tg_book_hash(b, ref)]);
		__builtin_prefetch(&b->stock[f->stock_locate]);
		break;
	default:
		break;
	}
}

/* The best end of a ladder, where most level changes happen. */
static inline void
tg_book_prefetch_ladder(const struct tg_book_ladder *l)
{
	if (l->n)
		__builtin_prefetch(&l->lv[l->n - 1]);
}

/*
 * Second stage, once the first has brought the order slot and stock in:
 * the price levels the record is going to change (for an order message,
 * those of the order it names, found in the now cached table).
 */
static inline void
tg_book_prefetch_far(const struct tg_book *b, const struct tg_event *f)
{
	const struct tg_book_order *o;
	uint64_t ref, i;

	switch (f->msg_type) {
	case 'E': case 'C': case 'X': case 'D': case 'U':
		memcpy(&ref, f->body, sizeof(ref));
		i = tg_book_order_find(b, ref);
		if (i == TG_BOOK_NOSLOT)
			break;
		o = &b->tab[i];
		tg_book_prefetch_ladder(&b->stock[o->locate].side[o->side - 1]);
		break;
	case 'A': case 'F':
		tg_book_prefetch_ladder(&b->stock[f->stock_locate].side[f->body[8] == 'S']);
		break;
	default:
		break;
	}
}

/*
 * Apply a run of records. Each record costs a few cache misses (its
 * order slot, its stock, its price levels) that depend on one another;
 * looking ahead in two stages (slot and stock TG_BOOK_AHEAD_NEAR records
 * ahead, then levels TG_BOOK_AHEAD_FAR ahead) overlaps the misses of
 * several records instead of paying them one after the other.
 */
void
tg_book_apply_burst(struct tg_book *b, const struct tg_event *ev, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (k + TG_BOOK_AHEAD_NEAR < n)
			tg_book_prefetch_near(b, &ev[k + TG_BOOK_AHEAD_NEAR]);
		if (k + TG_BOOK_AHEAD_FAR < n)
			tg_book_prefetch_far(b, &ev[k + TG_BOOK_AHEAD_FAR]);
		tg_book_apply_one(b, &ev[k]);
	}
}

/* Locate of a symbol, compared space-padded as the feed sends it. */
int
tg_book_find_stock(const struct tg_book *b, const char *symbol)
{
	char key[8];
	size_t len = strlen(symbol);

	while (len > 0 && symbol[len - 1] == ' ')
		len--;
	if (len == 0 || len > 8)
		return -1;
	memset(key, ' ', sizeof(key));
	memcpy(key, symbol, len);
	for (uint32_t k = 0; k < b->nnamed; k++)
		if (memcmp(b->stock[b->named[k]].symbol, key, 8) == 0)
			return b->named[k];
	return -1;
}

/* Copy up to depth levels of one side, best first. */
unsigned
tg_book_levels(const struct tg_book *b, uint16_t locate, enum tg_book_side side,
	       unsigned depth, struct tg_book_level *out)
{
	const struct tg_book_ladder *l = &b->stock[locate].side[side != TG_BOOK_BID];
	unsigned n = l->n < depth ? l->n : depth;

	for (unsigned k = 0; k < n; k++) {
		const struct tg_book_lvl *lv = &l->lv[l->n - 1 - k];

		out[k].price = tg_book_key(side != TG_BOOK_BID, lv->key);
		out[k].orders = lv->orders;
		out[k].shares = lv->shares;
	}
	return n;
}

/* Number of price levels on one side of a stock. */
unsigned
tg_book_depth(const struct tg_book *b, uint16_t locate, enum tg_book_side side)
{
	return b->stock[locate].side[side != TG_BOOK_BID].n;
}

/* Best bid and offer; a missing side has orders = 0. */
void
tg_book_bbo(const struct tg_book *b, uint16_t locate, struct tg_book_bbo *out)
{
	memset(out, 0, sizeof(*out));
	tg_book_levels(b, locate, TG_BOOK_BID, 1, &out->bid);
	tg_book_levels(b, locate, TG_BOOK_ASK, 1, &out->ask);
}

/* Copy an alpha field, dropping the trailing spaces. */
static void
tg_book_trim(char *dst, const char *src, size_t n)
{
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == 0))
		n--;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Everything but the orders that the feed said about a stock. */
void
tg_book_stock_info(const struct tg_book *b, uint16_t locate,
		   struct tg_book_stock_info *out)
{
	const struct tg_book_stock *s = &b->stock[locate];

	memset(out, 0, sizeof(*out));
	if (s->named)
		tg_book_trim(out->symbol, s->symbol, 8);
	out->has_directory = s->has_dir;
	out->market_category = s->market_category;
	out->financial_status = s->financial_status;
	out->round_lot_size = s->round_lot;
	out->round_lots_only = s->round_lots_only;
	out->trading_state = s->trading_state;
	if (s->trading_state)
		tg_book_trim(out->trading_reason, s->reason, 4);
	out->reg_sho_action = s->reg_sho;
	out->halt_market_code = s->halt_market;
	out->halt_action = s->halt_action;
	out->last_price = s->last_price;
	out->last_shares = s->last_shares;
	out->last_ts = s->last_ts;
	out->volume = s->volume;
	out->trades = s->trades;
	out->broken_trades = s->broken;
	out->orders = s->orders;
	out->bid_levels = s->side[0].n;
	out->ask_levels = s->side[1].n;
}

/* Snapshot of the counters. */
void
tg_book_stats(const struct tg_book *b, struct tg_book_stats *out)
{
	*out = b->st;
}

/* Last 'S' event code, 0 before the first. */
char
tg_book_system_event(const struct tg_book *b)
{
	return b->sys_event;
}

/* Stable name of an error reason, as printed in stats. */
const char *
tg_book_err_name(enum tg_book_err err)
{
	static const char *const names[TG_BOOK_ERR_NUM] = {
		[TG_BOOK_ERR_UNKNOWN_ORDER] = "unknown_order",
		[TG_BOOK_ERR_OVER_EXECUTION] = "over_execution",
		[TG_BOOK_ERR_OVER_CANCEL] = "over_cancel",
		[TG_BOOK_ERR_DUPLICATE_ORDER] = "duplicate_order",
		[TG_BOOK_ERR_NO_DIRECTORY] = "no_directory",
		[TG_BOOK_ERR_BAD_SIDE] = "bad_side",
		[TG_BOOK_ERR_TABLE_FULL] = "table_full",
		[TG_BOOK_ERR_NO_MEMORY] = "no_memory",
		[TG_BOOK_ERR_BAD_RECORD] = "bad_record",
	};

	if ((unsigned)err >= TG_BOOK_ERR_NUM)
		return "?";
	return names[err];
}
