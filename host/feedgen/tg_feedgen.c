/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The synthetic trading day: a script of system, directory and
 * administrative events around an order flow that keeps its own L3 book
 * per stock, so every execution, cancel, delete and replace names an
 * order that rests with at least that many shares, and no add crosses
 * the opposite side. Prices follow a per-stock random walk on a one-cent
 * grid. All arithmetic is integer, so a seed gives the same bytes on any
 * machine.
 *
 * The day (times in US Eastern, ns since midnight in the messages):
 *  03:00 S 'O', V, then per stock R H Y L; K for the IPO stock
 *  04:00 S 'S', pre-market flow
 *  09:25 opening NOII (I) per open stock, one RPII (N)
 *  09:30 S 'Q', opening crosses (Q)
 *        regular flow, with at fixed fractions of it: IPO quotation
 *        (H 'Q'), IPO/direct-listing cross (O I Q H 'T'), a LULD pause on
 *        stock 1 (H 'H', J ... I Q H 'T'), a broken trade (B), a level 1
 *        market-wide circuit breaker (W, H 'H' for all, 15 minutes, H 'T'
 *        for all), an operational halt (h 'H' ... h 'T'), closing NOII
 *  16:00 closing crosses (Q), S 'M', post-market flow
 *  20:00 S 'E'; 20:05 S 'C'
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedgen/tg_feedgen.h"
#include "feedgen/tg_feedgen_rng.h"

#define FG_NS(h, m, s)	((((uint64_t)(h) * 60 + (m)) * 60 + (s)) * 1000000000ull)
#define FG_NIL		UINT32_MAX
#define FG_TICK		100u		/* one cent in p4 */
#define FG_MIN_REF	10000u		/* the walk stays at or above $1.00 */
#define FG_FIXED_MSGS	21u		/* script messages besides the 10 per stock */
#define FG_MIN_FLOW	32u		/* room for one of every order-flow type */

/* Order-flow types that the end of the regular session makes sure of. */
static const char fg_flow_types[] = "AFECXDUP";

/* Fractions (per cent of the regular flow) where the script steps in. */
enum fg_mile {
	FG_M_IPO_QUOTE, FG_M_IPO_CROSS, FG_M_LULD_PAUSE, FG_M_LULD_RESUME,
	FG_M_BROKEN, FG_M_MWCB, FG_M_OPHALT, FG_M_OPRESUME, FG_M_CLOSE_NOII,
	FG_M_NUM
};
static const unsigned fg_mile_pct[FG_M_NUM] = { 15, 20, 35, 38, 45, 50, 65, 68, 97 };

enum fg_pc {
	FG_PC_START, FG_PC_DIRECTORY, FG_PC_SYS_START, FG_PC_PRE, FG_PC_OPEN,
	FG_PC_REGULAR, FG_PC_CLOSE, FG_PC_POST, FG_PC_END, FG_PC_DONE
};

struct fg_order {
	uint64_t ref;
	uint32_t price;
	uint32_t shares;
	uint32_t prev, next;	/* FIFO at its level, oldest first */
	uint32_t pos;		/* index in its stock's order list */
	uint16_t locate;
	uint8_t side;		/* 0 buy, 1 sell */
};

struct fg_level {
	uint32_t key;		/* buy: price; sell: ~price. Best is the largest. */
	uint32_t head, tail;
};

struct fg_ladder {
	struct fg_level *lv;	/* ascending key */
	uint32_t n, cap;
};

struct fg_stock {
	char sym[8];
	char category;
	uint32_t ref;		/* reference price (p4), the random walk */
	uint32_t target;	/* resting orders the flow keeps near */
	uint32_t *ords;		/* resting orders, for random picks */
	uint32_t nords, cap;
	uint32_t recent[8];	/* the last orders added (they may be gone) */
	uint64_t recent_ref[8];
	uint32_t recent_pos;
	struct fg_ladder side[2];
	char state;		/* trading state last sent in 'H' */
	uint8_t op_halted;	/* between h 'H' and h 'T' */
};

struct fg_msg {
	uint8_t len;
	uint8_t b[TG_ITCH_MAX_LEN];
};

struct tg_feedgen {
	struct tg_feedgen_opts o;
	struct tg_feedgen_rng rng;
	uint32_t nstocks;
	struct fg_stock *st;	/* [1 .. nstocks] */
	uint64_t *cum;		/* cumulative activity weights, [k] for stock k + 1 */
	struct fg_order *ord;
	uint32_t nord, ordcap, free_head;
	struct fg_msg *q;	/* messages made, not yet handed out */
	uint32_t qhead, qtail, qcap;
	uint64_t seq;
	uint64_t now;		/* timestamp of the last message */
	uint64_t phase_end;
	uint64_t phase_left;
	uint32_t burst_left;
	int block;		/* script blocks come out back to back */
	enum fg_pc pc;
	uint32_t k;
	int mile;
	int ipo_pending;	/* the IPO stock is not yet quoted */
	uint64_t pre_total, pre_done, reg_total, reg_done, post_total, post_done;
	uint64_t next_ref;
	uint64_t match;
	uint16_t match_locate;
	uint16_t ipo, luld, ophalt;
	uint64_t type_count[TG_ITCH_NTYPES];
	int failed;		/* memory ran out: the stream ends in an error */
	jmp_buf oom;		/* where a failed allocation unwinds to */
};

/* Real tickers with rough early-2024 prices (cents) and listing market. */
static const struct {
	const char *sym;
	uint32_t cents;
	char category;
} fg_tickers[] = {
	{ "AAPL", 18500, 'Q' }, { "MSFT", 37000, 'Q' }, { "NVDA", 48000, 'Q' },
	{ "AMZN", 15100, 'Q' }, { "GOOGL", 13900, 'Q' }, { "META", 35300, 'Q' },
	{ "TSLA", 24800, 'Q' }, { "AVGO", 111000, 'Q' }, { "GOOG", 14000, 'Q' },
	{ "COST", 66000, 'Q' }, { "NFLX", 48600, 'Q' }, { "AMD", 13800, 'Q' },
	{ "PEP", 16900, 'Q' }, { "ADBE", 59600, 'Q' }, { "CSCO", 5000, 'Q' },
	{ "TMUS", 16000, 'Q' }, { "INTC", 4700, 'Q' }, { "QCOM", 14000, 'Q' },
	{ "TXN", 16800, 'Q' }, { "AMGN", 28800, 'Q' }, { "INTU", 62500, 'Q' },
	{ "CMCSA", 4400, 'Q' }, { "HON", 20500, 'Q' }, { "AMAT", 15900, 'Q' },
	{ "ISRG", 33700, 'Q' }, { "BKNG", 355000, 'Q' }, { "SBUX", 9600, 'Q' },
	{ "VRTX", 41000, 'Q' }, { "GILD", 8100, 'Q' }, { "MDLZ", 7200, 'Q' },
	{ "ADP", 23300, 'Q' }, { "LRCX", 77000, 'Q' }, { "REGN", 88000, 'Q' },
	{ "ADI", 19500, 'Q' }, { "PANW", 29500, 'Q' }, { "MU", 8400, 'Q' },
	{ "KLAC", 57000, 'Q' }, { "SNPS", 51000, 'Q' }, { "CDNS", 27000, 'Q' },
	{ "PYPL", 6100, 'Q' }, { "MELI", 157000, 'Q' }, { "ASML", 69000, 'Q' },
	{ "CSX", 3400, 'Q' }, { "MAR", 22000, 'Q' }, { "ORLY", 95000, 'Q' },
	{ "MNST", 5700, 'Q' }, { "CTAS", 60000, 'Q' }, { "ABNB", 13600, 'Q' },
	{ "FTNT", 5800, 'Q' }, { "NXPI", 22500, 'Q' }, { "ADSK", 24000, 'Q' },
	{ "PCAR", 9700, 'Q' }, { "CHTR", 38000, 'Q' }, { "KDP", 3100, 'Q' },
	{ "WDAY", 27000, 'Q' }, { "MRVL", 6000, 'Q' }, { "AEP", 8100, 'Q' },
	{ "ROST", 13800, 'Q' }, { "PAYX", 12000, 'Q' }, { "ODFL", 40000, 'Q' },
	{ "CPRT", 4900, 'Q' }, { "KHC", 3700, 'Q' }, { "FAST", 6400, 'Q' },
	{ "DXCM", 12400, 'Q' }, { "IDXX", 54000, 'Q' }, { "EXC", 3600, 'Q' },
	{ "BIIB", 25700, 'Q' }, { "CTSH", 7500, 'Q' }, { "EA", 13700, 'Q' },
	{ "XEL", 6200, 'Q' }, { "VRSK", 23800, 'Q' }, { "GEHC", 7700, 'Q' },
	{ "CSGP", 8700, 'Q' }, { "ON", 8300, 'Q' }, { "BKR", 3400, 'Q' },
	{ "FANG", 15500, 'Q' }, { "DDOG", 12100, 'Q' }, { "TEAM", 23700, 'Q' },
	{ "ZS", 22100, 'Q' }, { "ANSS", 36000, 'Q' }, { "CRWD", 25500, 'Q' },
	{ "TTD", 7200, 'Q' }, { "DLTR", 14200, 'Q' }, { "WBD", 1100, 'Q' },
	{ "ILMN", 13900, 'Q' }, { "ALGN", 27000, 'Q' }, { "SIRI", 540, 'Q' },
	{ "ZM", 7100, 'Q' }, { "ENPH", 13200, 'G' }, { "JD", 2800, 'Q' },
	{ "LCID", 420, 'Q' }, { "RIVN", 2300, 'Q' }, { "NIO", 900, 'N' },
	{ "BABA", 7700, 'N' }, { "F", 1200, 'N' }, { "GE", 12700, 'N' },
	{ "T", 1700, 'N' }, { "KO", 5900, 'N' }, { "JPM", 17000, 'N' },
	{ "BAC", 3300, 'N' }, { "WFC", 4900, 'N' }, { "XOM", 10000, 'N' },
	{ "CVX", 14900, 'N' }, { "PFE", 2900, 'N' }, { "MRK", 10900, 'N' },
	{ "JNJ", 15700, 'N' }, { "PG", 14600, 'N' }, { "V", 26000, 'N' },
	{ "MA", 42600, 'N' }, { "DIS", 9000, 'N' }, { "WMT", 15700, 'N' },
	{ "HD", 34600, 'N' }, { "UNH", 52600, 'N' }, { "ORCL", 10500, 'N' },
	{ "CRM", 26300, 'N' }, { "IBM", 16300, 'N' }, { "NKE", 10800, 'N' },
	{ "BA", 26000, 'N' }, { "CAT", 29500, 'N' }, { "MMM", 10900, 'N' },
	{ "GS", 38500, 'N' }, { "MS", 9300, 'N' }, { "C", 5100, 'N' },
	{ "SPY", 47500, 'P' }, { "QQQ", 40900, 'Q' }, { "IWM", 20000, 'P' },
};
#define FG_NTICKERS (sizeof(fg_tickers) / sizeof(fg_tickers[0]))

static const char *const fg_mpids[] = {
	"GSCO", "MSCO", "JPMS", "CDRG", "NITE", "UBSS", "VIRT", "SUSQ", "CITD", "JANE",
};
#define FG_NMPIDS (sizeof(fg_mpids) / sizeof(fg_mpids[0]))

/* Uniform in [0, n) from the market stream. */
static inline uint32_t
fg_rand(struct tg_feedgen *g, uint32_t n)
{
	return tg_feedgen_rng_below(&g->rng, n);
}

/* A big-endian integer of n bytes, as ITCH sends it. */
static void
fg_put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		p[k] = (uint8_t)(v >> (8 * (n - 1 - k)));
}

/* An alpha field: left-justified, space padded. */
static void
fg_alpha(uint8_t *p, const char *s, unsigned n)
{
	unsigned k = 0;

	for (; k < n && s[k]; k++)
		p[k] = (uint8_t)s[k];
	for (; k < n; k++)
		p[k] = ' ';
}

/* ---- time ---- */

/* Enter a stretch of the day that should hold about `left` messages. */
static void
fg_phase(struct tg_feedgen *g, uint64_t end, uint64_t left)
{
	g->phase_end = end;
	g->phase_left = left;
	g->burst_left = 0;
}

/* Move the clock forward to a scheduled time. */
static void
fg_at(struct tg_feedgen *g, uint64_t t)
{
	if (g->now < t)
		g->now = t;
	g->burst_left = 0;
}

/*
 * Timestamp of the next message. Flow comes in bursts (a few hundred ns
 * apart) separated by gaps sized so that the messages left in the phase
 * spread over the time left; script blocks are back to back. Strictly
 * increasing.
 */
static uint64_t
fg_tick(struct tg_feedgen *g)
{
	uint64_t span = g->phase_end > g->now ? g->phase_end - g->now : 0;
	uint64_t budget = span / (g->phase_left + 1);
	uint64_t step;

	if (g->block) {
		step = 40 + fg_rand(g, 360);
	} else if (g->burst_left > 0) {
		g->burst_left--;
		step = 20 + fg_rand(g, 300);
		if (step > budget)
			step = budget;
	} else {
		uint32_t len = 1;
		unsigned __int128 mean;

		while (len < 48 && fg_rand(g, 6) != 0)
			len++;
		g->burst_left = len - 1;
		mean = (unsigned __int128)budget * len;
		/* uniform in [0, 2 mean): intervals vary, the total stays on plan */
		step = (uint64_t)((mean * fg_rand(g, 65536)) >> 15);
		if (step > span / 2)
			step = span / 2;
	}
	if (g->phase_left)
		g->phase_left--;
	g->now += step ? step : 1;
	return g->now;
}

/* ---- messages ---- */

/*
 * Double an array. Out of memory, the step in progress is abandoned
 * (back to tg_feedgen_next, which reports it): the stream cannot go on
 * consistently without the memory, and nothing is left half-freed.
 */
static void *
fg_grow(struct tg_feedgen *g, void *p, uint32_t *cap, size_t elem)
{
	uint32_t c = *cap ? *cap * 2 : 16;
	void *q = c > *cap ? realloc(p, (size_t)c * elem) : NULL;

	if (!q)
		longjmp(g->oom, 1);
	*cap = c;
	return q;
}

/*
 * Start a message of a type for a stock: header filled (timestamp from
 * the clock), body zero. Returns the message bytes.
 */
static uint8_t *
fg_emit(struct tg_feedgen *g, char type, uint16_t locate)
{
	int t = tg_itch_index((uint8_t)type);
	struct fg_msg *m;

	if (g->qtail == g->qcap)
		g->q = fg_grow(g, g->q, &g->qcap, sizeof(*g->q));
	m = &g->q[g->qtail++];
	memset(m, 0, sizeof(*m));
	m->len = tg_itch_types[t].len;
	m->b[0] = (uint8_t)type;
	fg_put(m->b + 1, locate, 2);
	fg_put(m->b + 3, 1 + fg_rand(g, 8), 2);
	fg_put(m->b + 5, fg_tick(g), 6);
	g->type_count[t]++;
	return m->b;
}

/* A system event ('S'). */
static void
fg_sys(struct tg_feedgen *g, char code)
{
	fg_emit(g, 'S', 0)[11] = (uint8_t)code;
}

/* A trading action ('H'), remembered as the stock's state. */
static void
fg_trading_action(struct tg_feedgen *g, uint16_t loc, char state,
		  const char *reason)
{
	uint8_t *m = fg_emit(g, 'H', loc);

	fg_alpha(m + 11, g->st[loc].sym, 8);
	m[19] = (uint8_t)state;
	m[20] = ' ';
	fg_alpha(m + 21, reason, 4);
	g->st[loc].state = state;
}

/* ---- the generator's own book ---- */

/*
 * Level key: asks complemented so that the best level sorts last on both
 * sides.
 */
static uint32_t
fg_key(int side, uint32_t price)
{
	return side ? ~price : price;
}

/* Best price of a side; 0 if the side is empty. */
static int
fg_best(const struct fg_stock *s, int side, uint32_t *price)
{
	const struct fg_ladder *l = &s->side[side];

	if (l->n == 0)
		return 0;
	*price = fg_key(side, l->lv[l->n - 1].key);
	return 1;
}

/* A free order record, reused or new. */
static uint32_t
fg_order_alloc(struct tg_feedgen *g)
{
	uint32_t i;

	if (g->free_head != FG_NIL) {
		i = g->free_head;
		g->free_head = g->ord[i].next;
		return i;
	}
	if (g->nord == g->ordcap)
		g->ord = fg_grow(g, g->ord, &g->ordcap, sizeof(*g->ord));
	return g->nord++;
}

/* Rest a new order at the back of its level's queue; returns its index. */
static uint32_t
fg_rest(struct tg_feedgen *g, uint16_t loc, int side, uint32_t price,
	uint32_t shares)
{
	struct fg_stock *s = &g->st[loc];
	struct fg_ladder *l = &s->side[side];
	uint32_t key = fg_key(side, price);
	uint32_t i = fg_order_alloc(g);
	uint32_t p = l->n;
	struct fg_order *o = &g->ord[i];

	o->ref = g->next_ref++;
	o->price = price;
	o->shares = shares;
	o->locate = loc;
	o->side = (uint8_t)side;
	o->next = FG_NIL;
	while (p > 0 && l->lv[p - 1].key > key)
		p--;
	if (p > 0 && l->lv[p - 1].key == key) {
		struct fg_level *lv = &l->lv[p - 1];

		o->prev = lv->tail;
		g->ord[lv->tail].next = i;
		lv->tail = i;
	} else {
		if (l->n == l->cap)
			l->lv = fg_grow(g, l->lv, &l->cap, sizeof(*l->lv));
		memmove(&l->lv[p + 1], &l->lv[p], (l->n - p) * sizeof(*l->lv));
		l->lv[p].key = key;
		l->lv[p].head = l->lv[p].tail = i;
		l->n++;
		o->prev = FG_NIL;
	}
	if (s->nords == s->cap)
		s->ords = fg_grow(g, s->ords, &s->cap, sizeof(*s->ords));
	o->pos = s->nords;
	s->ords[s->nords++] = i;
	s->recent[s->recent_pos] = i;
	s->recent_ref[s->recent_pos] = o->ref;
	s->recent_pos = (s->recent_pos + 1) % 8;
	return i;
}

/* Take an order out of the book entirely. */
static void
fg_unrest(struct tg_feedgen *g, uint32_t i)
{
	struct fg_order *o = &g->ord[i];
	struct fg_stock *s = &g->st[o->locate];
	struct fg_ladder *l = &s->side[o->side];
	uint32_t key = fg_key(o->side, o->price);
	uint32_t p = l->n;

	while (p > 0 && l->lv[p - 1].key != key)
		p--;
	/* p > 0: a resting order always has its level */
	struct fg_level *lv = &l->lv[p - 1];

	if (o->prev != FG_NIL)
		g->ord[o->prev].next = o->next;
	else
		lv->head = o->next;
	if (o->next != FG_NIL)
		g->ord[o->next].prev = o->prev;
	else
		lv->tail = o->prev;
	if (lv->head == FG_NIL) {
		memmove(lv, lv + 1, (l->n - p) * sizeof(*lv));
		l->n--;
	}
	s->ords[o->pos] = s->ords[--s->nords];
	g->ord[s->ords[o->pos]].pos = o->pos;
	o->ref = 0;		/* references start at 1: 0 marks a free order */
	o->next = g->free_head;
	g->free_head = i;
}

/* ---- order flow: each call sends exactly one message ---- */

/* An order size: mostly round lots, some odd lots, a few blocks. */
static uint32_t
fg_shares(struct tg_feedgen *g)
{
	uint32_t r = fg_rand(g, 100);

	if (r < 70)
		return 100 * (1 + fg_rand(g, 5));
	if (r < 90)
		return 1 + fg_rand(g, 99);
	return 100 * (5 + fg_rand(g, 46));
}

/* Step the reference price: a slow random walk, one cent at a time. */
static void
fg_walk(struct tg_feedgen *g, struct fg_stock *s)
{
	uint32_t r = fg_rand(g, 100);

	if (r < 15)
		s->ref += FG_TICK;
	else if (r < 30 && s->ref > FG_MIN_REF)
		s->ref -= FG_TICK;
}

/*
 * A limit price a few cents behind the reference on its side, never at or
 * through the opposite best. 0 if there is no room (bid under one cent).
 */
static uint32_t
fg_limit_price(struct tg_feedgen *g, struct fg_stock *s, int side)
{
	uint32_t off = 0, opp;
	int64_t p;

	while (off < 40 && fg_rand(g, 100) < 55)
		off++;
	if (side == 0) {
		p = (int64_t)s->ref - (int64_t)off * FG_TICK;
		if (fg_best(s, 1, &opp) && p >= opp)
			p = (int64_t)opp - FG_TICK;
		if (p < FG_TICK)
			return 0;
	} else {
		p = (int64_t)s->ref + (int64_t)off * FG_TICK;
		if (fg_best(s, 0, &opp) && p <= opp)
			p = (int64_t)opp + FG_TICK;
	}
	return (uint32_t)p;
}

/* Rest a new order ('A' or 'F') of the given size and send it. */
static void
fg_flow_add(struct tg_feedgen *g, uint16_t loc, char type, uint32_t shares)
{
	struct fg_stock *s = &g->st[loc];
	int side = (int)fg_rand(g, 2);
	uint32_t price, i;
	uint8_t *m;

	if (s->side[side].n > s->side[!side].n + 4)
		side = !side;	/* keep the two sides about as deep */
	price = fg_limit_price(g, s, side);
	if (!price) {
		side = 1;
		price = fg_limit_price(g, s, side);
	}
	i = fg_rest(g, loc, side, price, shares);
	m = fg_emit(g, type, loc);
	fg_put(m + 11, g->ord[i].ref, 8);
	m[19] = side ? 'S' : 'B';
	fg_put(m + 20, shares, 4);
	fg_alpha(m + 24, s->sym, 8);
	fg_put(m + 32, price, 4);
	if (type == 'F')
		fg_alpha(m + 36, fg_mpids[fg_rand(g, FG_NMPIDS)], 4);
}

/*
 * An incoming order takes the oldest order at the best price of the side
 * the reference price has moved towards: all of it or part.
 */
static void
fg_flow_exec(struct tg_feedgen *g, uint16_t loc, char type)
{
	struct fg_stock *s = &g->st[loc];
	uint32_t bb, ba, i, shares;
	int hb = fg_best(s, 0, &bb), ha = fg_best(s, 1, &ba);
	int side;
	struct fg_order *o;
	uint8_t *m;

	if (hb && ha)
		side = 2 * (uint64_t)s->ref > (uint64_t)bb + ba ? 1 :
		       2 * (uint64_t)s->ref < (uint64_t)bb + ba ? 0 : (int)fg_rand(g, 2);
	else
		side = ha;
	i = s->side[side].lv[s->side[side].n - 1].head;
	o = &g->ord[i];
	shares = o->shares;
	if (shares > 1 && fg_rand(g, 100) >= 55)
		shares = 1 + fg_rand(g, shares - 1);
	m = fg_emit(g, type, loc);
	fg_put(m + 11, o->ref, 8);
	fg_put(m + 19, shares, 4);
	fg_put(m + 23, ++g->match, 8);
	g->match_locate = loc;
	if (type == 'C') {
		/* e.g. in a cross: the print differs from the order's limit */
		uint32_t d = fg_rand(g, 3) * FG_TICK;

		m[31] = fg_rand(g, 5) ? 'Y' : 'N';
		fg_put(m + 32, o->side == 0 ? (o->price > d ? o->price - d : o->price)
					    : o->price + d, 4);
	}
	if (shares == o->shares)
		fg_unrest(g, i);
	else
		o->shares -= shares;
}

/* A random resting order of the stock with at least min_shares, or FG_NIL. */
static uint32_t
fg_pick_order(struct tg_feedgen *g, struct fg_stock *s, uint32_t min_shares)
{
	for (int tries = 0; tries < 6; tries++) {
		uint32_t i = s->ords[fg_rand(g, s->nords)];

		if (g->ord[i].shares >= min_shares)
			return i;
	}
	return FG_NIL;
}

/*
 * The order a cancel or replace goes for: most are orders that were just
 * placed (quotes that move with the market live milliseconds), the rest
 * any order of the book.
 */
static uint32_t
fg_pick_target(struct tg_feedgen *g, struct fg_stock *s)
{
	if (fg_rand(g, 100) < 60) {
		uint32_t r = fg_rand(g, 8), i = s->recent[r];

		if (s->recent_ref[r] && i < g->nord && g->ord[i].ref == s->recent_ref[r])
			return i;
	}
	return s->ords[fg_rand(g, s->nords)];
}

/* Delete a resting order ('D'). */
static void
fg_flow_delete(struct tg_feedgen *g, uint16_t loc, uint32_t i)
{
	uint8_t *m = fg_emit(g, 'D', loc);

	fg_put(m + 11, g->ord[i].ref, 8);
	fg_unrest(g, i);
}

/* Cancel part of a resting order ('X'), never all of it. */
static void
fg_flow_cancel(struct tg_feedgen *g, uint16_t loc, uint32_t i)
{
	struct fg_order *o = &g->ord[i];
	uint32_t shares = 1 + fg_rand(g, o->shares - 1);	/* never all of it */
	uint8_t *m = fg_emit(g, 'X', loc);

	fg_put(m + 11, o->ref, 8);
	fg_put(m + 19, shares, 4);
	o->shares -= shares;
}

/* Move an order a few cents and resize it: new reference, same side. */
static void
fg_flow_replace(struct tg_feedgen *g, uint16_t loc, uint32_t i)
{
	struct fg_stock *s = &g->st[loc];
	struct fg_order *o = &g->ord[i];
	int side = o->side;
	uint64_t old = o->ref;
	int64_t p = (int64_t)o->price + ((int64_t)fg_rand(g, 5) - 2) * FG_TICK;
	uint32_t opp, shares = fg_shares(g), j;
	uint8_t *m;

	if (side == 0 && fg_best(s, 1, &opp) && p >= opp)
		p = (int64_t)opp - FG_TICK;
	if (side == 1 && fg_best(s, 0, &opp) && p <= opp)
		p = (int64_t)opp + FG_TICK;
	if (p < FG_TICK)
		p = o->price;
	fg_unrest(g, i);
	j = fg_rest(g, loc, side, (uint32_t)p, shares);
	m = fg_emit(g, 'U', loc);
	fg_put(m + 11, old, 8);
	fg_put(m + 19, g->ord[j].ref, 8);
	fg_put(m + 27, shares, 4);
	fg_put(m + 31, (uint32_t)p, 4);
}

/* A non-displayed order traded at or inside the spread ('P'). */
static void
fg_flow_trade(struct tg_feedgen *g, uint16_t loc)
{
	struct fg_stock *s = &g->st[loc];
	uint32_t bb, ba, price = s->ref;
	uint8_t *m;

	if (fg_best(s, 0, &bb) && fg_best(s, 1, &ba))
		price = (bb / FG_TICK + ba / FG_TICK) / 2 * FG_TICK;
	m = fg_emit(g, 'P', loc);
	fg_put(m + 11, 0, 8);	/* NASDAQ sends 0 for non-displayed orders */
	m[19] = fg_rand(g, 2) ? 'S' : 'B';
	fg_put(m + 20, fg_shares(g), 4);
	fg_alpha(m + 24, s->sym, 8);
	fg_put(m + 32, price, 4);
	fg_put(m + 36, ++g->match, 8);
	g->match_locate = loc;
}

/* Retail price improvement interest ('N'). */
static void
fg_rpii(struct tg_feedgen *g, uint16_t loc)
{
	uint8_t *m = fg_emit(g, 'N', loc);

	fg_alpha(m + 11, g->st[loc].sym, 8);
	m[19] = (uint8_t)"BSAN"[fg_rand(g, 4)];
}

/* A stock by activity weight; the IPO stock only once it is quoted. */
static uint16_t
fg_pick_stock(struct tg_feedgen *g)
{
	uint64_t total = g->cum[g->nstocks - 1];

	for (int tries = 0; tries < 8; tries++) {
		uint64_t u = (tg_feedgen_rng_next(&g->rng) >> 1) % total;
		uint32_t lo = 0, hi = g->nstocks - 1;

		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;

			if (g->cum[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (!(g->ipo_pending && lo + 1 == g->ipo) || g->nstocks == 1)
			return (uint16_t)(lo + 1);
	}
	return g->ipo == 1 ? 2 : 1;
}

/* Whether executions may happen: trading, and not halted on this market. */
static int
fg_can_trade(const struct fg_stock *s)
{
	return s->state == 'T' && !s->op_halted;
}

/* One message of ordinary flow on a stock chosen by activity. */
static void
fg_flow(struct tg_feedgen *g)
{
	uint16_t loc = fg_pick_stock(g);
	struct fg_stock *s = &g->st[loc];
	int trade = fg_can_trade(s);
	uint32_t w_add = 400, w_del = 300, w_rep = 90, w_x = 40;
	uint32_t w_e = trade ? 90 : 0, w_c = trade ? 8 : 0, w_p = trade ? 25 : 0;
	uint32_t w_n = 2, r, i;

	fg_walk(g, s);
	if (s->nords == 0) {
		fg_flow_add(g, loc, fg_rand(g, 10) ? 'A' : 'F', fg_shares(g));
		return;
	}
	if (s->nords < s->target / 2)
		w_add *= 2;
	else if (s->nords > s->target)
		w_del += 300;
	r = fg_rand(g, w_add + w_del + w_rep + w_x + w_e + w_c + w_p + w_n);
	if (r < w_add) {
		fg_flow_add(g, loc, fg_rand(g, 12) ? 'A' : 'F', fg_shares(g));
		return;
	}
	r -= w_add;
	if (r < w_del) {
		fg_flow_delete(g, loc, fg_pick_target(g, s));
		return;
	}
	r -= w_del;
	if (r < w_rep) {
		fg_flow_replace(g, loc, fg_pick_target(g, s));
		return;
	}
	r -= w_rep;
	if (r < w_x) {
		i = fg_pick_order(g, s, 2);
		if (i != FG_NIL)
			fg_flow_cancel(g, loc, i);
		else
			fg_flow_delete(g, loc, s->ords[fg_rand(g, s->nords)]);
		return;
	}
	r -= w_x;
	if (r < w_e) {
		fg_flow_exec(g, loc, 'E');
		return;
	}
	r -= w_e;
	if (r < w_c) {
		fg_flow_exec(g, loc, 'C');
		return;
	}
	r -= w_c;
	if (r < w_p) {
		fg_flow_trade(g, loc);
		return;
	}
	fg_rpii(g, loc);
}

/*
 * Near the end of the regular session, make sure each order-flow type has
 * appeared at least once: returns 1 if it sent a message for that.
 */
static int
fg_cover(struct tg_feedgen *g)
{
	uint64_t left = g->reg_total - g->reg_done;
	unsigned missing = 0;
	char need = 0;

	for (const char *t = fg_flow_types; *t; t++)
		if (g->type_count[tg_itch_index((uint8_t)*t)] == 0) {
			if (!missing)
				need = *t;
			missing++;
		}
	if (!missing || left > 2 * missing + 2)
		return 0;
	if (need == 'A' || need == 'F') {
		fg_flow_add(g, 1, need, 100 * (1 + fg_rand(g, 5)));
		return 1;
	}
	for (uint32_t loc = 1; loc <= g->nstocks; loc++) {
		struct fg_stock *s = &g->st[loc];

		if (!fg_can_trade(s))
			continue;
		if (need == 'P') {
			fg_flow_trade(g, (uint16_t)loc);
			return 1;
		}
		for (uint32_t k = 0; k < s->nords; k++) {
			uint32_t i = s->ords[k];

			if (need == 'X' && g->ord[i].shares < 2)
				continue;
			switch (need) {
			case 'E':
			case 'C':
				fg_flow_exec(g, (uint16_t)loc, need);
				break;
			case 'X':
				fg_flow_cancel(g, (uint16_t)loc, i);
				break;
			case 'D':
				fg_flow_delete(g, (uint16_t)loc, i);
				break;
			default:
				fg_flow_replace(g, (uint16_t)loc, i);
				break;
			}
			return 1;
		}
	}
	/* nothing suitable rests: an add makes room for it next time */
	for (uint32_t loc = 1; loc <= g->nstocks; loc++)
		if (fg_can_trade(&g->st[loc])) {
			fg_flow_add(g, (uint16_t)loc, 'A', 100 * (1 + fg_rand(g, 5)));
			return 1;
		}
	return 0;
}

/* ---- script ---- */

/* An imbalance indication ('I') ahead of a cross of the given type. */
static void
fg_noii(struct tg_feedgen *g, uint16_t loc, char cross)
{
	struct fg_stock *s = &g->st[loc];
	uint8_t *m = fg_emit(g, 'I', loc);
	uint32_t imb = 100 * fg_rand(g, 200);

	fg_put(m + 11, 1000 * (1 + fg_rand(g, 500)), 8);
	fg_put(m + 19, imb, 8);
	m[27] = imb ? (uint8_t)"BS"[fg_rand(g, 2)] : 'N';
	fg_alpha(m + 28, s->sym, 8);
	fg_put(m + 36, s->ref + FG_TICK * fg_rand(g, 3), 4);
	fg_put(m + 40, s->ref, 4);
	fg_put(m + 44, s->ref, 4);
	m[48] = (uint8_t)cross;
	m[49] = (uint8_t)"L12 "[fg_rand(g, 4)];
}

/* A cross ('Q'): the auction's volume prints at the reference price. */
static void
fg_cross(struct tg_feedgen *g, uint16_t loc, char cross)
{
	struct fg_stock *s = &g->st[loc];
	uint8_t *m = fg_emit(g, 'Q', loc);

	fg_put(m + 11, 100 * (10 + fg_rand(g, 5000)), 8);
	fg_alpha(m + 19, s->sym, 8);
	fg_put(m + 27, s->ref, 4);
	fg_put(m + 31, ++g->match, 8);
	m[39] = (uint8_t)cross;
	g->match_locate = loc;
}

/*
 * A stock's opening block: directory ('R'), trading state ('H'), Reg SHO
 * ('Y'), a market maker ('L').
 */
static void
fg_directory(struct tg_feedgen *g, uint16_t loc)
{
	struct fg_stock *s = &g->st[loc];
	uint8_t *m = fg_emit(g, 'R', loc);

	fg_alpha(m + 11, s->sym, 8);
	m[19] = (uint8_t)s->category;
	m[20] = 'N';
	fg_put(m + 21, 100, 4);
	m[25] = 'N';
	m[26] = s->category == 'P' ? 'Q' : 'C';
	fg_alpha(m + 27, s->category == 'P' ? "E" : "Z", 2);
	m[29] = 'P';
	m[30] = 'N';
	m[31] = loc == g->ipo ? 'Y' : ' ';
	m[32] = loc <= 100 ? '1' : '2';
	m[33] = s->category == 'P' ? 'Y' : 'N';
	fg_put(m + 34, s->category == 'P' ? 1 : 0, 4);
	m[38] = 'N';

	fg_trading_action(g, loc, loc == g->ipo ? 'H' : 'T',
			  loc == g->ipo ? "IPO1" : "");

	m = fg_emit(g, 'Y', loc);
	fg_alpha(m + 11, s->sym, 8);
	m[19] = fg_rand(g, 20) ? '0' : '1';

	m = fg_emit(g, 'L', loc);
	fg_alpha(m + 11, fg_mpids[fg_rand(g, FG_NMPIDS)], 4);
	fg_alpha(m + 15, s->sym, 8);
	m[23] = s->category == 'Q' || s->category == 'G' ? 'Y' : 'N';
	m[24] = 'N';
	m[25] = 'A';
}

/* A percentage of a price, on the cent grid. */
static uint32_t
fg_pct(uint32_t price, uint32_t pct)
{
	return (uint32_t)((uint64_t)price * pct / 100 / FG_TICK * FG_TICK);
}

/* The script's steps inside the regular session. */
static void
fg_milestone(struct tg_feedgen *g, enum fg_mile mile)
{
	struct fg_stock *s;
	uint8_t *m;

	switch (mile) {
	case FG_M_IPO_QUOTE:
		fg_trading_action(g, g->ipo, 'Q', "IPOQ");
		g->ipo_pending = 0;
		break;
	case FG_M_IPO_CROSS:
		s = &g->st[g->ipo];
		m = fg_emit(g, 'O', g->ipo);
		fg_alpha(m + 11, s->sym, 8);
		m[19] = 'Y';
		fg_put(m + 20, fg_pct(s->ref, 80), 4);
		fg_put(m + 24, fg_pct(s->ref, 120), 4);
		fg_put(m + 28, s->ref, 4);
		fg_put(m + 32, g->now, 8);
		fg_put(m + 40, fg_pct(s->ref, 90), 4);
		fg_put(m + 44, fg_pct(s->ref, 110), 4);
		fg_noii(g, g->ipo, 'H');
		fg_cross(g, g->ipo, 'H');
		fg_trading_action(g, g->ipo, 'T', "");
		break;
	case FG_M_LULD_PAUSE:
		s = &g->st[g->luld];
		fg_trading_action(g, g->luld, 'H', "LUDP");
		m = fg_emit(g, 'J', g->luld);
		fg_alpha(m + 11, s->sym, 8);
		fg_put(m + 19, s->ref, 4);
		fg_put(m + 23, fg_pct(s->ref, 105), 4);
		fg_put(m + 27, fg_pct(s->ref, 95), 4);
		fg_put(m + 31, 0, 4);
		break;
	case FG_M_LULD_RESUME:
		fg_noii(g, g->luld, 'H');
		fg_cross(g, g->luld, 'H');
		fg_trading_action(g, g->luld, 'T', "");
		break;
	case FG_M_BROKEN:
		m = fg_emit(g, 'B', g->match_locate);
		fg_put(m + 11, g->match, 8);
		break;
	case FG_M_MWCB:
		fg_emit(g, 'W', 0)[11] = '1';
		for (uint32_t loc = 1; loc <= g->nstocks; loc++)
			fg_trading_action(g, (uint16_t)loc, 'H', "MWC1");
		fg_at(g, g->now + FG_NS(0, 15, 0));
		for (uint32_t loc = 1; loc <= g->nstocks; loc++)
			fg_trading_action(g, (uint16_t)loc, 'T', "MWCQ");
		break;
	case FG_M_OPHALT:
	case FG_M_OPRESUME:
		s = &g->st[g->ophalt];
		m = fg_emit(g, 'h', g->ophalt);
		fg_alpha(m + 11, s->sym, 8);
		m[19] = 'Q';
		m[20] = mile == FG_M_OPHALT ? 'H' : 'T';
		s->op_halted = mile == FG_M_OPHALT;
		break;
	case FG_M_CLOSE_NOII:
		for (uint32_t loc = 1; loc <= g->nstocks; loc++)
			fg_noii(g, (uint16_t)loc, 'C');
		break;
	default:
		break;
	}
}

/* Run the script until at least one message is queued (or the day ends). */
static void
fg_step(struct tg_feedgen *g)
{
	uint8_t *m;

	switch (g->pc) {
	case FG_PC_START:
		g->block = 1;
		fg_at(g, FG_NS(3, 0, 0));
		fg_sys(g, 'O');
		m = fg_emit(g, 'V', 0);
		/* S&P 500 at 4769.83: 7, 13 and 20 per cent down, p8 */
		fg_put(m + 11, 443594190000ull, 8);
		fg_put(m + 19, 414975210000ull, 8);
		fg_put(m + 27, 381586400000ull, 8);
		g->pc = FG_PC_DIRECTORY;
		g->k = 1;
		break;
	case FG_PC_DIRECTORY:
		fg_directory(g, (uint16_t)g->k);
		if (++g->k > g->nstocks) {
			struct fg_stock *s = &g->st[g->ipo];

			m = fg_emit(g, 'K', g->ipo);
			fg_alpha(m + 11, s->sym, 8);
			fg_put(m + 19, 10 * 3600 + 30 * 60, 4);
			m[23] = 'A';
			fg_put(m + 24, s->ref, 4);
			g->pc = FG_PC_SYS_START;
		}
		break;
	case FG_PC_SYS_START:
		fg_at(g, FG_NS(4, 0, 0));
		fg_sys(g, 'S');
		g->block = 0;
		fg_phase(g, FG_NS(9, 24, 30), g->pre_total);
		g->pc = FG_PC_PRE;
		break;
	case FG_PC_PRE:
		if (g->pre_done < g->pre_total) {
			fg_flow(g);
			g->pre_done++;
			break;
		}
		g->block = 1;
		fg_at(g, FG_NS(9, 25, 0));
		for (uint32_t loc = 1; loc <= g->nstocks; loc++)
			if (g->st[loc].state == 'T')
				fg_noii(g, (uint16_t)loc, 'O');
		fg_rpii(g, 1);
		g->pc = FG_PC_OPEN;
		break;
	case FG_PC_OPEN:
		fg_at(g, FG_NS(9, 30, 0));
		fg_sys(g, 'Q');
		for (uint32_t loc = 1; loc <= g->nstocks; loc++)
			if (g->st[loc].state == 'T')
				fg_cross(g, (uint16_t)loc, 'O');
		g->block = 0;
		fg_phase(g, FG_NS(15, 59, 30), g->reg_total + 3ull * g->nstocks + 14);
		g->pc = FG_PC_REGULAR;
		break;
	case FG_PC_REGULAR:
		if (g->mile < FG_M_NUM &&
		    g->reg_done >= g->reg_total * fg_mile_pct[g->mile] / 100) {
			g->block = 1;
			fg_milestone(g, g->mile++);
			g->block = 0;
			g->burst_left = 0;
			break;
		}
		if (g->reg_done < g->reg_total) {
			if (!fg_cover(g))
				fg_flow(g);
			g->reg_done++;
			break;
		}
		g->block = 1;
		fg_at(g, FG_NS(16, 0, 0));
		for (uint32_t loc = 1; loc <= g->nstocks; loc++)
			fg_cross(g, (uint16_t)loc, 'C');
		fg_sys(g, 'M');
		g->block = 0;
		fg_phase(g, FG_NS(19, 59, 30), g->post_total);
		g->pc = FG_PC_POST;
		break;
	case FG_PC_POST:
		if (g->post_done < g->post_total) {
			fg_flow(g);
			g->post_done++;
			break;
		}
		g->block = 1;
		fg_at(g, FG_NS(20, 0, 0));
		fg_sys(g, 'E');
		g->pc = FG_PC_END;
		break;
	case FG_PC_END:
		fg_at(g, FG_NS(20, 5, 0));
		fg_sys(g, 'C');
		g->pc = FG_PC_DONE;
		break;
	default:
		break;
	}
}

/* ---- stocks ---- */

/* A symbol as a 64-bit key for the uniqueness set. */
static uint64_t
fg_sym_pack(const char *sym)
{
	uint64_t v = 0;

	for (int k = 0; k < 8 && sym[k]; k++)
		v |= (uint64_t)(uint8_t)sym[k] << (8 * k);
	return v;
}

/*
 * Name and price every stock: the real tickers first, then random
 * symbols of 1-8 letters (mostly 3-4), unique across the day; the last
 * stock, which lists today, always gets a new name.
 */
static int
fg_stocks_init(struct tg_feedgen *g)
{
	static const uint8_t len_pct[] = { 1, 3, 25, 50, 15, 3, 2, 1 };
	uint32_t n = g->nstocks, size = 64;
	uint64_t *set, acc = 0;

	while (size < 4 * n)
		size <<= 1;
	set = calloc(size, sizeof(*set));
	g->st = calloc(n + 1, sizeof(*g->st));
	g->cum = calloc(n, sizeof(*g->cum));
	if (!set || !g->st || !g->cum) {
		free(set);
		return -1;
	}
	for (uint32_t loc = 1; loc <= n; loc++) {
		struct fg_stock *s = &g->st[loc];
		char sym[9] = { 0 };
		uint64_t key, h;
		/* the last stock lists today (the IPO): a new name, not a ticker */
		int real = loc <= FG_NTICKERS && loc < n;

		for (;;) {
			if (real) {
				strcpy(sym, fg_tickers[loc - 1].sym);
			} else {
				uint32_t r = fg_rand(g, 100), len = 1;

				for (uint32_t c = 0; len < 8 && r >= c + len_pct[len - 1]; len++)
					c += len_pct[len - 1];
				memset(sym, 0, sizeof(sym));
				for (uint32_t k = 0; k < len; k++)
					sym[k] = (char)('A' + fg_rand(g, 26));
			}
			key = fg_sym_pack(sym);
			h = (key * 0x9E3779B97F4A7C15ull) >> 32;
			while (set[h & (size - 1)] && set[h & (size - 1)] != key)
				h++;
			if (!set[h & (size - 1)])
				break;
		}
		set[h & (size - 1)] = key;
		memcpy(s->sym, sym, 8);
		if (real) {
			s->ref = fg_tickers[loc - 1].cents * FG_TICK;
			s->category = fg_tickers[loc - 1].category;
		} else {
			s->ref = (200u << fg_rand(g, 8)) * (100 + fg_rand(g, 100)) / 100 * FG_TICK;
			s->category = "QQGSNNAPZ"[fg_rand(g, 9)];
		}
		/* activity ~ 1 / (rank + 3): a few names carry much of the flow */
		acc += (1ull << 24) / (loc + 3);
		g->cum[loc - 1] = acc;
		s->target = 10 + (uint32_t)(300ull * 4 / (loc + 3));
		s->state = 'T';
	}
	free(set);
	return 0;
}

/* ---- API ---- */

/* Defaults for every option. */
void
tg_feedgen_opts_init(struct tg_feedgen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->stocks = 8;
	o->messages = 100000;
	o->per_packet = 16;
	o->vlan = -1;
	strcpy(o->session, "TGSESSION1");
	o->src_ip = 0xCEC87F8Au;	/* 206.200.127.138 */
	o->dst_ip[0] = 0xE9360C6Fu;	/* 233.54.12.111 */
	o->dst_ip[1] = 0xE9360C70u;	/* 233.54.12.112 */
	o->dst_port[0] = 26477;
	o->dst_port[1] = 26478;
}

/* The script needs 10 messages per stock and 21 more; the flow at least 32. */
uint64_t
tg_feedgen_min_messages(uint32_t stocks)
{
	return 10ull * stocks + FG_FIXED_MSGS + FG_MIN_FLOW;
}

/* Reject options the generator cannot honour, with a one-line reason. */
int
tg_feedgen_check(const struct tg_feedgen_opts *o, char *err, size_t errlen)
{
	size_t len = strlen(o->session);

	if (o->stocks < 1 || o->stocks > TG_FEEDGEN_MAX_STOCKS) {
		snprintf(err, errlen, "--stocks must be 1..%u", TG_FEEDGEN_MAX_STOCKS);
		return -EINVAL;
	}
	if (o->messages < tg_feedgen_min_messages(o->stocks)) {
		snprintf(err, errlen, "--messages must be at least %llu for %u stocks",
			 (unsigned long long)tg_feedgen_min_messages(o->stocks),
			 o->stocks);
		return -EINVAL;
	}
	if (o->messages > TG_FEEDGEN_MAX_MESSAGES) {
		snprintf(err, errlen, "--messages must be at most %llu",
			 (unsigned long long)TG_FEEDGEN_MAX_MESSAGES);
		return -EINVAL;
	}
	if (o->per_packet < 1 || o->per_packet > TG_FEEDGEN_MAX_PER_PACKET) {
		snprintf(err, errlen, "--per-packet must be 1..%u",
			 TG_FEEDGEN_MAX_PER_PACKET);
		return -EINVAL;
	}
	if (o->vlan != -1 && (o->vlan < 1 || o->vlan > 4094)) {
		snprintf(err, errlen, "--vlan must be 1..4094");
		return -EINVAL;
	}
	if (len < 1 || len > 10) {
		snprintf(err, errlen, "--session must be 1..10 characters");
		return -EINVAL;
	}
	for (size_t k = 0; k < len; k++)
		if (o->session[k] < 0x20 || o->session[k] > 0x7e) {
			snprintf(err, errlen, "--session must be printable ASCII");
			return -EINVAL;
		}
	if (!o->dst_port[0] || !o->dst_port[1]) {
		snprintf(err, errlen, "destination ports must not be 0");
		return -EINVAL;
	}
	return 0;
}

/*
 * Set up a day. The message budget is split: the script's fixed part,
 * then of the order flow 8% before the open, 4% after the close, the
 * rest in regular hours.
 */
struct tg_feedgen *
tg_feedgen_new(const struct tg_feedgen_opts *o)
{
	struct tg_feedgen *g;
	char err[128];
	uint64_t flow;

	if (tg_feedgen_check(o, err, sizeof(err)) < 0) {
		errno = EINVAL;
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->o = *o;
	g->nstocks = o->stocks;
	tg_feedgen_rng_seed(&g->rng, o->seed);
	g->free_head = FG_NIL;
	if (fg_stocks_init(g) < 0) {
		tg_feedgen_free(g);
		errno = ENOMEM;
		return NULL;
	}
	g->ipo = (uint16_t)g->nstocks;
	g->luld = 1;
	g->ophalt = g->nstocks >= 2 ? 2 : 1;
	g->ipo_pending = 1;
	flow = o->messages - (10ull * g->nstocks + FG_FIXED_MSGS);
	g->pre_total = flow * 8 / 100;
	g->post_total = flow * 4 / 100;
	g->reg_total = flow - g->pre_total - g->post_total;
	g->seq = 1;
	g->next_ref = 1;
	g->pc = FG_PC_START;
	return g;
}

/* The next message of the day, in sequence order. */
int
tg_feedgen_next(struct tg_feedgen *g, struct tg_feedgen_msg *m)
{
	const struct fg_msg *q;

	while (g->qhead == g->qtail) {
		if (g->failed)
			return -ENOMEM;
		if (g->pc == FG_PC_DONE)
			return 0;
		g->qhead = g->qtail = 0;
		if (setjmp(g->oom)) {
			g->failed = 1;
			return -ENOMEM;
		}
		fg_step(g);
	}
	q = &g->q[g->qhead++];
	m->seq = g->seq++;
	m->len = q->len;
	memcpy(m->data, q->b, q->len);
	return 1;
}

/* Messages made so far, per type. */
void
tg_feedgen_type_counts(const struct tg_feedgen *g, uint64_t out[TG_ITCH_NTYPES])
{
	memcpy(out, g->type_count, sizeof(g->type_count));
}

/* Free the generator and its book. */
void
tg_feedgen_free(struct tg_feedgen *g)
{
	if (!g)
		return;
	if (g->st)
		for (uint32_t loc = 1; loc <= g->nstocks; loc++) {
			free(g->st[loc].ords);
			free(g->st[loc].side[0].lv);
			free(g->st[loc].side[1].lv);
		}
	free(g->st);
	free(g->cum);
	free(g->ord);
	free(g->q);
	free(g);
}
