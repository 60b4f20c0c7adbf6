/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A deliberately naive order book, the oracle for tg_book: a plain array
 * of resting orders, searched linearly, levels summed per price on
 * demand. Fields are read with tg_body_uint (the record layout of
 * docs/card-interface.md), not through the packed structs tg_book uses.
 */
#ifndef TEST_BOOK_REF_H
#define TEST_BOOK_REF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "book/tg_book.h"

struct nref_order {
	uint64_t ref;
	uint16_t locate;
	int side;
	uint32_t price;
	uint32_t shares;
};

struct nref {
	struct nref_order *o;
	size_t n, cap;
	uint64_t unknown, over_exec, over_cancel, dup;
};

static inline long
nref_find(const struct nref *r, uint64_t ref)
{
	for (size_t k = r->n; k-- > 0;)
		if (r->o[k].ref == ref)
			return (long)k;
	return -1;
}

static inline void
nref_add(struct nref *r, uint64_t ref, uint16_t locate, int side,
	 uint32_t shares, uint32_t price)
{
	if (nref_find(r, ref) >= 0) {
		r->dup++;
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->o = realloc(r->o, r->cap * sizeof(*r->o));
	}
	r->o[r->n++] = (struct nref_order){ ref, locate, side, price, shares };
}

static inline void
nref_take(struct nref *r, long k, uint64_t shares, uint64_t *over)
{
	if (shares > r->o[k].shares) {
		if (over)
			(*over)++;
		shares = r->o[k].shares;
	}
	r->o[k].shares -= (uint32_t)shares;
	if (r->o[k].shares == 0)
		r->o[k] = r->o[--r->n];
}

static inline void
nref_apply(struct nref *r, const struct tg_event *ev)
{
	const uint8_t *b = ev->body;
	long k;

	if (ev->kind != TG_EV_MSG)
		return;
	switch (ev->msg_type) {
	case 'A':
	case 'F': {
		uint8_t side = b[19 - 11];

		if (side != 'B' && side != 'S')
			return;
		nref_add(r, tg_body_uint(b, 11, 8), ev->stock_locate, side == 'S',
			 (uint32_t)tg_body_uint(b, 20, 4),
			 (uint32_t)tg_body_uint(b, 32, 4));
		break;
	}
	case 'E':
	case 'C':
	case 'X':
		k = nref_find(r, tg_body_uint(b, 11, 8));
		if (k < 0) {
			r->unknown++;
			return;
		}
		nref_take(r, k, tg_body_uint(b, 19, 4),
			  ev->msg_type == 'X' ? &r->over_cancel : &r->over_exec);
		break;
	case 'D':
		k = nref_find(r, tg_body_uint(b, 11, 8));
		if (k < 0) {
			r->unknown++;
			return;
		}
		nref_take(r, k, UINT64_MAX, NULL);
		break;
	case 'U': {
		struct nref_order old;

		k = nref_find(r, tg_body_uint(b, 11, 8));
		if (k < 0) {
			r->unknown++;
			return;
		}
		old = r->o[k];
		nref_take(r, k, UINT64_MAX, NULL);
		nref_add(r, tg_body_uint(b, 19, 8), old.locate, old.side,
			 (uint32_t)tg_body_uint(b, 27, 4),
			 (uint32_t)tg_body_uint(b, 31, 4));
		break;
	}
	default:
		break;
	}
}

static inline int
nref_cmp_level(const void *a, const void *b)
{
	const struct tg_book_level *x = a, *y = b;

	return x->price < y->price ? -1 : x->price > y->price;
}

/* Every level of a side, best first (bids high to low, asks low to high). */
static inline unsigned
nref_levels(const struct nref *r, uint16_t locate, int side,
	    struct tg_book_level *out, unsigned max)
{
	unsigned n = 0;

	for (size_t k = 0; k < r->n; k++) {
		const struct nref_order *o = &r->o[k];
		unsigned j;

		if (o->locate != locate || o->side != side)
			continue;
		for (j = 0; j < n; j++)
			if (out[j].price == o->price)
				break;
		if (j == n) {
			if (n == max)
				abort();
			out[n].price = o->price;
			out[n].shares = 0;
			out[n].orders = 0;
			n++;
		}
		out[j].shares += o->shares;
		out[j].orders++;
	}
	qsort(out, n, sizeof(*out), nref_cmp_level);
	if (side == 0)
		for (unsigned j = 0; j < n / 2; j++) {
			struct tg_book_level t = out[j];

			out[j] = out[n - 1 - j];
			out[n - 1 - j] = t;
		}
	return n;
}

static inline void
nref_free(struct nref *r)
{
	free(r->o);
	memset(r, 0, sizeof(*r));
}

#endif /* TEST_BOOK_REF_H */
