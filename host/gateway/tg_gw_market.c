/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Market data into the order path: the feed's best bid and offer, last
 * trade and trading state of each stock, as the engine's risk checks and
 * halts need them (tg_engine_market).
 *
 * A feed changes a stock's book thousands of times a second; the engine
 * only needs the latest values when the next order comes, and every
 * value it sees must be journaled so that a replay sees it too. So
 * tg_gw_market() only remembers the latest values of each stock the
 * engine trades, and the gateway's loop hands over, once per iteration,
 * each stock whose values differ from what the engine last got: at most
 * one MARKET record per stock per iteration, and none for a stock whose
 * book moved and came back, or that the engine does not trade.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "gateway/tg_gw_int.h"
#include "order/tg_engine.h"

#define TG_GW_MKT_SLOTS	65536u	/* symbols remembered: every stock_locate of a feed */

/* What the engine got (or is to get) for one stock. */
struct tg_gw_mkt_vals {
	uint32_t bid, ask, last;
	char state;
};

struct tg_gw_mkt_slot {
	char sym[TG_OUCH_STOCK_LEN];	/* space padded; all zero: free */
	uint8_t traded;			/* 1 the engine trades it, 2 it does not */
	uint8_t pending;		/* on the pending list */
	struct tg_gw_mkt_vals sent;	/* the engine's values (0 = none yet) */
	struct tg_gw_mkt_vals want;	/* the feed's latest */
};

struct tg_gw_mkt {
	const struct tg_engine *e;
	int fixed;			/* [gateway] stocks lists what the engine trades */
	struct tg_gw_mkt_slot *slot;
	unsigned used;
	uint32_t *pending;		/* slot indexes, in the order they first changed */
	unsigned n_pending, next;	/* tg_gw_mkt_take() hands out pending[next..n_pending) */
	struct tg_gw_mkt_stats st;
};

/* Big-endian stores and loads, as every gateway record. */
static void
tg_gw_mkt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The big-endian u32 at p. */
static uint32_t
tg_gw_mkt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* MARKET input: ts u64, stock a8, bid u32, ask u32, last u32 (p4), state c1. */
size_t
tg_gw_rec_market(uint8_t *out, uint64_t ts, const struct tg_engine_market *mk)
{
	for (int i = 7; i >= 0; i--, ts >>= 8)
		out[i] = (uint8_t)ts;
	memcpy(out + 8, mk->stock, TG_OUCH_STOCK_LEN);
	tg_gw_mkt_put32(out + 16, mk->bid);
	tg_gw_mkt_put32(out + 20, mk->ask);
	tg_gw_mkt_put32(out + 24, mk->last);
	out[28] = (uint8_t)mk->state;
	return TG_GW_REC_MARKET_LEN;
}

/* The reference data of a MARKET record's payload (ts is read by the caller). 0 or -EINVAL. */
int
tg_gw_rec_market_parse(const uint8_t *p, size_t len, struct tg_engine_market *mk)
{
	if (len != TG_GW_REC_MARKET_LEN)
		return -EINVAL;
	memset(mk, 0, sizeof(*mk));
	memcpy(mk->stock, p + 8, TG_OUCH_STOCK_LEN);
	mk->bid = tg_gw_mkt_get32(p + 16);
	mk->ask = tg_gw_mkt_get32(p + 20);
	mk->last = tg_gw_mkt_get32(p + 24);
	mk->state = (char)p[28];
	return 0;
}

/* The slot of sym: found, or the free one where it goes (NULL: the table is full). */
static struct tg_gw_mkt_slot *
tg_gw_mkt_slot(struct tg_gw_mkt *m, const char sym[TG_OUCH_STOCK_LEN])
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t i;

	for (int k = 0; k < TG_OUCH_STOCK_LEN; k++)
		h = (h ^ (uint8_t)sym[k]) * 0x100000001b3ull;
	i = (uint32_t)(h ^ h >> 32) & (TG_GW_MKT_SLOTS - 1);
	for (unsigned probes = 0; probes < TG_GW_MKT_SLOTS; probes++) {
		struct tg_gw_mkt_slot *s = &m->slot[i];

		if (!s->sym[0] || !memcmp(s->sym, sym, TG_OUCH_STOCK_LEN))
			return s;
		i = (i + 1) & (TG_GW_MKT_SLOTS - 1);
	}
	return NULL;
}

/* Whether the engine trades sym: any valid symbol, or one of [gateway] stocks. */
static bool
tg_gw_mkt_traded(const struct tg_gw_mkt *m, const char sym[TG_OUCH_STOCK_LEN])
{
	char name[TG_OUCH_STOCK_LEN + 1];
	int n = TG_OUCH_STOCK_LEN;

	memcpy(name, sym, TG_OUCH_STOCK_LEN);
	while (n > 0 && name[n - 1] == ' ')
		n--;
	name[n] = 0;
	for (int i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '/' || c == '-'))
			return false;
	}
	if (!n)
		return false;
	return !m->fixed || tg_engine_levels(m->e, name, 'B', NULL, 0) >= 0;
}

/* Empty tables for the engine e; [gateway] stocks decides what it trades. */
int
tg_gw_mkt_new(struct rte_cfgfile *cf, const struct tg_engine *e, struct tg_gw_mkt **out)
{
	struct tg_gw_mkt *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->e = e;
	m->fixed = rte_cfgfile_has_entry(cf, "gateway", "stocks");
	m->slot = calloc(TG_GW_MKT_SLOTS, sizeof(*m->slot));
	m->pending = calloc(TG_GW_MKT_SLOTS, sizeof(*m->pending));
	if (!m->slot || !m->pending) {
		tg_gw_mkt_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

/* Free the tables; NULL is fine. */
void
tg_gw_mkt_free(struct tg_gw_mkt *m)
{
	if (!m)
		return;
	free(m->slot);
	free(m->pending);
	free(m);
}

/*
 * The feed's latest values of one stock (the body of tg_gw_market()).
 * 1 when they differ from what the engine has (handed over at the next
 * iteration), 0 when not, -ENOENT for a stock the engine does not trade
 * (or not a symbol), -ENOSPC when the table is full.
 */
int
tg_gw_mkt_offer(struct tg_gw_mkt *m, const struct tg_engine_market *mk)
{
	struct tg_gw_mkt_slot *s;
	struct tg_gw_mkt_vals *w;

	m->st.offered++;
	s = tg_gw_mkt_slot(m, mk->stock);
	if (!s) {
		m->st.full++;
		return -ENOSPC;
	}
	if (!s->sym[0]) {
		memcpy(s->sym, mk->stock, TG_OUCH_STOCK_LEN);
		s->traded = tg_gw_mkt_traded(m, mk->stock) ? 1 : 2;
		m->used++;
	}
	if (s->traded != 1) {
		m->st.not_traded++;
		return -ENOENT;
	}
	w = &s->want;
	w->bid = mk->bid;
	w->ask = mk->ask;
	if (mk->last)
		w->last = mk->last;
	if (mk->state)
		w->state = mk->state;
	if (!memcmp(w, &s->sent, sizeof(*w)))
		return 0;
	if (s->pending) {
		m->st.coalesced++;
	} else {
		s->pending = 1;
		m->pending[m->n_pending++] = (uint32_t)(s - m->slot);
	}
	return 1;
}

/*
 * The next stock whose values changed since the engine last got them, in
 * mk (last and state 0 when those did not change): 1, or 0 when there is
 * none left (the list is then empty for the next iteration). The caller
 * journals and applies it; from then on it counts as what the engine has.
 */
int
tg_gw_mkt_take(struct tg_gw_mkt *m, struct tg_engine_market *mk)
{
	while (m->next < m->n_pending) {
		struct tg_gw_mkt_slot *s = &m->slot[m->pending[m->next++]];

		s->pending = 0;
		if (!memcmp(&s->want, &s->sent, sizeof(s->want))) {
			m->st.unchanged++;	/* moved and came back before the iteration */
			continue;
		}
		memset(mk, 0, sizeof(*mk));
		memcpy(mk->stock, s->sym, TG_OUCH_STOCK_LEN);
		mk->bid = s->want.bid;
		mk->ask = s->want.ask;
		mk->last = s->want.last != s->sent.last ? s->want.last : 0;
		mk->state = s->want.state != s->sent.state ? s->want.state : 0;
		s->sent = s->want;
		m->st.records++;
		return 1;
	}
	m->next = m->n_pending = 0;
	return 0;
}

/* A copy of the counters. */
void
tg_gw_mkt_get_stats(const struct tg_gw_mkt *m, struct tg_gw_mkt_stats *s)
{
	*s = m->st;
	s->stocks = m->used;
}

/* The nonzero counters, "name value" lines like the gateway's own. */
void
tg_gw_mkt_print_stats(const struct tg_gw_mkt *m, FILE *f)
{
	const struct {
		const char *name;
		uint64_t v;
	} k[] = {
		{ "market_offered", m->st.offered },
		{ "market_records", m->st.records },
		{ "market_coalesced", m->st.coalesced },
		{ "market_unchanged", m->st.unchanged },
		{ "market_not_traded", m->st.not_traded },
		{ "market_full", m->st.full },
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (k[i].v)
			fprintf(f, "%s %llu\n", k[i].name, (unsigned long long)k[i].v);
}
