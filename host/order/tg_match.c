/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Price-time books: order and level pools, sorted level arrays with the
 * best level last, FIFO levels, the expiry heap, and the matching loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "order/tg_match.h"
#include "order/tg_order_mem.h"

#define TG_MATCH_SCAN		8	/* levels scanned from the touch before bisecting */
#define TG_MATCH_SIDE_CAP0	16	/* first level array of a side */

struct tg_match_lvl {
	uint32_t key;		/* bids: price, asks: ~price; the best is the largest */
	uint32_t orders;
	uint32_t head, tail;	/* FIFO, pool indexes */
	uint64_t shares;
};

struct tg_match_side {
	struct tg_match_lvl *lv;	/* ascending key, best at lv[n - 1] */
	uint32_t n;
	uint32_t cap;
};

struct tg_match_book {
	struct tg_match_side side[2];	/* 0 bids, 1 asks */
};

struct tg_match_heapent {
	uint64_t expiry;
	uint64_t ref;
	uint32_t idx;
	uint32_t pad;
};

struct tg_match {
	struct tg_match_order *ord;
	uint32_t max_orders;
	uint32_t ord_bump;	/* slots below this have been handed out once */
	uint32_t ord_free;	/* free list through next */
	uint32_t used;
	struct tg_match_book *book;
	uint32_t max_stocks;
	struct tg_match_heapent *heap;
	uint32_t nheap;
};

/* Allocate every pool once, sized for the worst case. */
struct tg_match *
tg_match_new(uint32_t max_orders, uint32_t max_stocks, bool prefault)
{
	struct tg_match *m;

	if (max_orders == 0 || max_orders >= TG_MATCH_NONE || max_stocks == 0 ||
	    max_stocks > 65536)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->max_orders = max_orders;
	m->max_stocks = max_stocks;
	m->ord_free = TG_MATCH_NONE;
	m->ord = tg_order_map((size_t)max_orders * sizeof(*m->ord), prefault);
	m->book = tg_order_map((size_t)max_stocks * sizeof(*m->book), prefault);
	m->heap = tg_order_map((size_t)max_orders * sizeof(*m->heap), prefault);
	if (!m->ord || !m->book || !m->heap) {
		tg_match_free_all(m);
		return NULL;
	}
	return m;
}

void
tg_match_free_all(struct tg_match *m)
{
	if (!m)
		return;
	if (m->book)
		for (uint32_t s = 0; s < m->max_stocks; s++) {
			free(m->book[s].side[0].lv);
			free(m->book[s].side[1].lv);
		}
	tg_order_unmap(m->ord, (size_t)m->max_orders * sizeof(*m->ord));
	tg_order_unmap(m->book, (size_t)m->max_stocks * sizeof(*m->book));
	tg_order_unmap(m->heap, (size_t)m->max_orders * sizeof(*m->heap));
	free(m);
}

struct tg_match_order *
tg_match_order(struct tg_match *m, uint32_t idx)
{
	return &m->ord[idx];
}

const struct tg_match_order *
tg_match_order_c(const struct tg_match *m, uint32_t idx)
{
	return &m->ord[idx];
}

uint32_t
tg_match_index(const struct tg_match *m, const struct tg_match_order *o)
{
	return (uint32_t)(o - m->ord);
}

uint32_t
tg_match_used(const struct tg_match *m)
{
	return m->used;
}

/*
 * Hand out a slot: the free list first (the slot just freed is the one
 * most likely in cache), then never-used slots.
 */
uint32_t
tg_match_alloc(struct tg_match *m)
{
	struct tg_match_order *o;
	uint32_t idx, gen;

	if (m->ord_free != TG_MATCH_NONE) {
		idx = m->ord_free;
		m->ord_free = m->ord[idx].next;
	} else if (m->ord_bump < m->max_orders) {
		idx = m->ord_bump++;
	} else {
		return TG_MATCH_NONE;
	}
	o = &m->ord[idx];
	gen = o->gen + 1;
	memset(o, 0, sizeof(*o));
	o->gen = gen ? gen : 1;
	o->next = o->prev = TG_MATCH_NONE;
	o->heap = TG_MATCH_NONE;
	o->level = TG_MATCH_NONE;
	m->used++;
	return idx;
}

void
tg_match_release(struct tg_match *m, uint32_t idx)
{
	struct tg_match_order *o = &m->ord[idx];

	o->flags = 0;
	o->gen++;		/* no token names a freed slot */
	if (!o->gen)
		o->gen = 1;
	o->next = m->ord_free;
	m->ord_free = idx;
	m->used--;
}

static inline uint32_t
tg_match_key(int ask, uint32_t price)
{
	return ask ? ~price : price;
}

/*
 * Position in side s of the first level whose key is >= key: a short scan
 * from the touch, where nearly all activity is, then a binary search.
 */
static uint32_t
tg_match_find(const struct tg_match_side *s, uint32_t key)
{
	uint32_t i = s->n, lo, hi;

	for (int k = 0; k < TG_MATCH_SCAN; k++) {
		if (i == 0 || s->lv[i - 1].key < key)
			return i;
		if (s->lv[i - 1].key == key)
			return i - 1;
		i--;
	}
	lo = 0;
	hi = i;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->lv[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline struct tg_match_side *
tg_match_side_of(struct tg_match *m, const struct tg_match_order *o)
{
	return &m->book[o->stock].side[o->side != 'B'];
}

/* The index of a resting order's level: its hint, or a search. */
static inline uint32_t
tg_match_level_of(struct tg_match_side *s, struct tg_match_order *o)
{
	uint32_t key = tg_match_key(o->side != 'B', o->price);

	if (__builtin_expect(o->level >= s->n || s->lv[o->level].key != key, 0))
		o->level = tg_match_find(s, key);
	return o->level;
}

static int
tg_match_side_grow(struct tg_match_side *s)
{
	uint32_t cap = s->cap ? s->cap * 2 : TG_MATCH_SIDE_CAP0;
	struct tg_match_lvl *lv = realloc(s->lv, (size_t)cap * sizeof(*lv));

	if (!lv)
		return -ENOMEM;
	s->lv = lv;
	s->cap = cap;
	return 0;
}

int
tg_match_insert(struct tg_match *m, uint32_t idx)
{
	struct tg_match_order *o = &m->ord[idx];
	struct tg_match_side *s = tg_match_side_of(m, o);
	uint32_t key = tg_match_key(o->side != 'B', o->price);
	uint32_t i = tg_match_find(s, key);
	struct tg_match_lvl *lv;

	if (i == s->n || s->lv[i].key != key) {
		if (s->n == s->cap && tg_match_side_grow(s) < 0)
			return -ENOMEM;
		memmove(&s->lv[i + 1], &s->lv[i], (size_t)(s->n - i) * sizeof(*s->lv));
		s->n++;
		lv = &s->lv[i];
		lv->key = key;
		lv->orders = 0;
		lv->head = lv->tail = TG_MATCH_NONE;
		lv->shares = 0;
	}
	lv = &s->lv[i];
	o->next = TG_MATCH_NONE;
	o->prev = lv->tail;
	if (lv->tail != TG_MATCH_NONE)
		m->ord[lv->tail].next = idx;
	else
		lv->head = idx;
	lv->tail = idx;
	lv->orders++;
	lv->shares += o->open;
	o->level = i;
	o->flags |= TG_MATCH_LIVE;
	return 0;
}

void
tg_match_prefetch(const struct tg_match *m, uint16_t stock)
{
	const struct tg_match_book *b = &m->book[stock];

	for (int side = 0; side < 2; side++)
		if (b->side[side].n)
			__builtin_prefetch(&b->side[side].lv[b->side[side].n - 1]);
}

void
tg_match_prefetch_order(const struct tg_match *m, uint32_t idx)
{
	const struct tg_match_order *o = &m->ord[idx];
	const struct tg_match_side *s = &m->book[o->stock].side[o->side != 'B'];

	if (o->level < s->n)
		__builtin_prefetch(&s->lv[o->level]);
}

static void heap_remove(struct tg_match *m, uint32_t pos);

void
tg_match_unlink(struct tg_match *m, uint32_t idx)
{
	struct tg_match_order *o = &m->ord[idx];
	struct tg_match_side *s = tg_match_side_of(m, o);
	uint32_t i = tg_match_level_of(s, o);
	struct tg_match_lvl *lv = &s->lv[i];

	if (o->heap != TG_MATCH_NONE)
		heap_remove(m, o->heap);
	if (o->prev != TG_MATCH_NONE)
		m->ord[o->prev].next = o->next;
	else
		lv->head = o->next;
	if (o->next != TG_MATCH_NONE)
		m->ord[o->next].prev = o->prev;
	else
		lv->tail = o->prev;
	lv->shares -= o->open;
	if (--lv->orders == 0) {
		memmove(&s->lv[i], &s->lv[i + 1], (size_t)(s->n - i - 1) * sizeof(*s->lv));
		s->n--;
	}
	o->next = o->prev = TG_MATCH_NONE;
	o->level = TG_MATCH_NONE;
	o->flags &= (uint8_t)~TG_MATCH_LIVE;
}

void
tg_match_reduce(struct tg_match *m, uint32_t idx, uint32_t open)
{
	struct tg_match_order *o = &m->ord[idx];
	struct tg_match_side *s = tg_match_side_of(m, o);

	s->lv[tg_match_level_of(s, o)].shares -= o->open - open;
	o->open = open;
}

static inline int
tg_match_same(const struct tg_match_taker *t, const struct tg_match_order *r)
{
	return (t->stp == 1 && r->account == t->account) ||
	       (t->stp == 2 && r->firm == t->firm);
}

bool
tg_match_crosses(const struct tg_match *m, const struct tg_match_taker *t)
{
	const struct tg_match_side *s = &m->book[t->stock].side[t->buy];

	if (s->n == 0)
		return false;
	return s->lv[s->n - 1].key >= tg_match_key(t->buy, t->limit);
}

uint64_t
tg_match_available(const struct tg_match *m, const struct tg_match_taker *t,
		   uint64_t need)
{
	const struct tg_match_side *s = &m->book[t->stock].side[t->buy];
	uint32_t klimit = tg_match_key(t->buy, t->limit);
	uint64_t got = 0;

	for (uint32_t i = s->n; i-- > 0 && got < need;) {
		const struct tg_match_lvl *lv = &s->lv[i];

		if (lv->key < klimit)
			break;
		if (!t->stp) {
			got += lv->shares;
			continue;
		}
		for (uint32_t k = lv->head; k != TG_MATCH_NONE && got < need;
		     k = m->ord[k].next)
			if (!tg_match_same(t, &m->ord[k]))
				got += m->ord[k].open;
	}
	return got;
}

/* Unlink and free a resting order. */
static void
tg_match_drop(struct tg_match *m, uint32_t idx)
{
	tg_match_unlink(m, idx);
	tg_match_release(m, idx);
}

void
tg_match_take(struct tg_match *m, struct tg_match_taker *t,
	      const struct tg_match_cb *cb)
{
	struct tg_match_side *s = &m->book[t->stock].side[t->buy];
	uint32_t klimit = tg_match_key(t->buy, t->limit);

	while (t->open && s->n && s->lv[s->n - 1].key >= klimit) {
		uint32_t top = s->n - 1;
		uint32_t price = tg_match_key(t->buy, s->lv[top].key);
		uint32_t idx = s->lv[top].head;

		/* the best level is the last: dropping its orders moves nothing */
		while (idx != TG_MATCH_NONE && t->open) {
			struct tg_match_order *r = &m->ord[idx];
			uint32_t next = r->next, x;

			r->level = top;
			x = t->open < r->open ? t->open : r->open;
			if (__builtin_expect(t->stp && tg_match_same(t, r), 0)) {
				cb->stp(cb->ctx, r, x);
				tg_match_drop(m, idx);
				idx = next;
				continue;
			}
			r->open -= x;
			s->lv[top].shares -= x;
			t->open -= x;
			cb->exec(cb->ctx, r, x, price);
			if (r->open == 0)
				tg_match_drop(m, idx);
			idx = next;
		}
	}
}

void
tg_match_sweep(struct tg_match *m, uint16_t stock,
	       bool (*pick)(void *ctx, const struct tg_match_order *o),
	       void (*drop)(void *ctx, struct tg_match_order *o), void *ctx)
{
	for (int side = 0; side < 2; side++) {
		struct tg_match_side *s = &m->book[stock].side[side];

		/* removing level i only moves the better levels already swept */
		for (uint32_t i = s->n; i-- > 0;) {
			uint32_t idx = s->lv[i].head;

			while (idx != TG_MATCH_NONE) {
				struct tg_match_order *o = &m->ord[idx];
				uint32_t next = o->next;

				if (!pick || pick(ctx, o)) {
					o->level = i;
					drop(ctx, o);
					tg_match_drop(m, idx);
				}
				idx = next;
			}
		}
	}
}

void
tg_match_walk(const struct tg_match *m, uint16_t stock,
	      void (*fn)(void *ctx, const struct tg_match_order *o), void *ctx)
{
	for (int side = 0; side < 2; side++) {
		const struct tg_match_side *s = &m->book[stock].side[side];

		for (uint32_t i = s->n; i-- > 0;)
			for (uint32_t k = s->lv[i].head; k != TG_MATCH_NONE; k = m->ord[k].next)
				fn(ctx, &m->ord[k]);
	}
}

unsigned
tg_match_levels(const struct tg_match *m, uint16_t stock, int buy, unsigned skip,
		struct tg_match_level_info *out, unsigned n)
{
	const struct tg_match_side *s;
	unsigned k = 0;

	if (stock >= m->max_stocks)
		return 0;
	s = &m->book[stock].side[buy ? 0 : 1];
	if (skip >= s->n)
		return 0;
	for (uint32_t i = s->n - skip; i-- > 0 && k < n; k++) {
		const struct tg_match_lvl *lv = &s->lv[i];

		out[k].price = tg_match_key(!buy, lv->key);
		out[k].orders = lv->orders;
		out[k].shares = lv->shares;
	}
	return k;
}

/* ---- the expiry heap: earliest (expiry, ref) at the root ---- */

static inline int
heap_less(const struct tg_match_heapent *a, const struct tg_match_heapent *b)
{
	return a->expiry < b->expiry || (a->expiry == b->expiry && a->ref < b->ref);
}

static inline void
heap_set(struct tg_match *m, uint32_t pos, const struct tg_match_heapent *h)
{
	m->heap[pos] = *h;
	m->ord[h->idx].heap = pos;
}

static void
heap_up(struct tg_match *m, uint32_t pos)
{
	struct tg_match_heapent h = m->heap[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!heap_less(&h, &m->heap[parent]))
			break;
		heap_set(m, pos, &m->heap[parent]);
		pos = parent;
	}
	heap_set(m, pos, &h);
}

static void
heap_down(struct tg_match *m, uint32_t pos)
{
	struct tg_match_heapent h = m->heap[pos];

	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= m->nheap)
			break;
		if (c + 1 < m->nheap && heap_less(&m->heap[c + 1], &m->heap[c]))
			c++;
		if (!heap_less(&m->heap[c], &h))
			break;
		heap_set(m, pos, &m->heap[c]);
		pos = c;
	}
	heap_set(m, pos, &h);
}

static void
heap_remove(struct tg_match *m, uint32_t pos)
{
	uint32_t idx = m->heap[pos].idx;

	m->ord[idx].heap = TG_MATCH_NONE;
	if (pos == --m->nheap)
		return;
	heap_set(m, pos, &m->heap[m->nheap]);
	if (pos > 0 && heap_less(&m->heap[pos], &m->heap[(pos - 1) / 2]))
		heap_up(m, pos);
	else
		heap_down(m, pos);
}

void
tg_match_arm(struct tg_match *m, uint32_t idx, uint64_t expiry)
{
	struct tg_match_order *o = &m->ord[idx];
	struct tg_match_heapent h = { .expiry = expiry, .ref = o->ref, .idx = idx };

	if (o->heap != TG_MATCH_NONE)
		heap_remove(m, o->heap);
	heap_set(m, m->nheap, &h);
	heap_up(m, m->nheap++);
}

void
tg_match_disarm(struct tg_match *m, uint32_t idx)
{
	if (m->ord[idx].heap != TG_MATCH_NONE)
		heap_remove(m, m->ord[idx].heap);
}

uint64_t
tg_match_next_expiry(const struct tg_match *m)
{
	return m->nheap ? m->heap[0].expiry : UINT64_MAX;
}

uint32_t
tg_match_expired(const struct tg_match *m, uint64_t ts)
{
	return m->nheap && m->heap[0].expiry <= ts ? m->heap[0].idx : TG_MATCH_NONE;
}

uint64_t
tg_match_expiry(const struct tg_match *m, uint32_t idx)
{
	uint32_t pos = m->ord[idx].heap;

	return pos == TG_MATCH_NONE ? UINT64_MAX : m->heap[pos].expiry;
}
