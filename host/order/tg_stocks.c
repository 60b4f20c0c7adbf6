/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Symbol table of the engine's stocks: open addressing on the 8 symbol
 * bytes, at most half full, indexes into a dense array.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "order/tg_stocks.h"

struct tg_stocks {
	struct tg_stock *st;
	uint32_t *slot;		/* index + 1; 0 = empty */
	uint32_t mask;
	uint32_t n;
	uint32_t max;
};

struct tg_stocks *
tg_stocks_new(uint32_t max_stocks)
{
	struct tg_stocks *s;
	uint32_t size = 16;

	if (max_stocks == 0 || max_stocks > 65536)
		return NULL;
	while (size < 2 * max_stocks)
		size <<= 1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->st = calloc(max_stocks, sizeof(*s->st));
	s->slot = calloc(size, sizeof(*s->slot));
	if (!s->st || !s->slot) {
		tg_stocks_free(s);
		return NULL;
	}
	s->mask = size - 1;
	s->max = max_stocks;
	return s;
}

void
tg_stocks_free(struct tg_stocks *s)
{
	if (!s)
		return;
	free(s->st);
	free(s->slot);
	free(s);
}

static inline int
tg_stocks_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '/' || c == '-';
}

bool
tg_stocks_valid(const char sym[TG_STOCKS_SYM_LEN])
{
	int i = 0;

	while (i < TG_STOCKS_SYM_LEN && tg_stocks_char(sym[i]))
		i++;
	if (i == 0)
		return false;
	for (; i < TG_STOCKS_SYM_LEN; i++)
		if (sym[i] != ' ')
			return false;
	return true;
}

static inline uint32_t
tg_stocks_hash(uint64_t k)
{
	k *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(k >> 32);
}

int
tg_stocks_find(const struct tg_stocks *s, const char sym[TG_STOCKS_SYM_LEN])
{
	uint64_t k;

	memcpy(&k, sym, 8);
	for (uint32_t i = tg_stocks_hash(k) & s->mask;; i = (i + 1) & s->mask) {
		uint32_t v = s->slot[i];

		if (v == 0)
			return -1;
		if (!memcmp(s->st[v - 1].sym, sym, 8))
			return (int)(v - 1);
	}
}

int
tg_stocks_add(struct tg_stocks *s, const char sym[TG_STOCKS_SYM_LEN])
{
	int idx = tg_stocks_find(s, sym);
	uint64_t k;
	uint32_t i;

	if (idx >= 0)
		return idx;
	if (s->n >= s->max)
		return -ENOSPC;
	memcpy(&k, sym, 8);
	for (i = tg_stocks_hash(k) & s->mask; s->slot[i]; i = (i + 1) & s->mask)
		;
	memcpy(s->st[s->n].sym, sym, 8);
	s->st[s->n].state = 'T';
	s->slot[i] = ++s->n;
	return (int)(s->n - 1);
}

struct tg_stock *
tg_stocks_get(struct tg_stocks *s, uint32_t idx)
{
	return &s->st[idx];
}

const struct tg_stock *
tg_stocks_get_c(const struct tg_stocks *s, uint32_t idx)
{
	return &s->st[idx];
}

uint32_t
tg_stocks_count(const struct tg_stocks *s)
{
	return s->n;
}

uint32_t
tg_stocks_capacity(const struct tg_stocks *s)
{
	return s->max;
}
