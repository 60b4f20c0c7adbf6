/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The order engine on one core: a realistic order stream (many stocks,
 * mostly adds and cancels near the touch, some replaces and marketable
 * orders) generated up front, then fed through tg_engine_order() and
 * timed. Prints the median messages/s of several runs with and without
 * risk limits configured, per-message latency percentiles (rdtsc around
 * each call), and the command that reproduces the figures. With --hash
 * it also times the engine's token table against DPDK's rte_hash on the
 * same keys.
 *
 *   bench_match [--messages N] [--stocks N] [--users N] [--seed N] [--runs N]
 *               [--mode both|single|burst] [--hash] [--memlat]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <rte_cfgfile.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include "bench_util.h"
#include "order/tg_engine.h"
#include "order/tg_tokens.h"
#include "post/tg_clear.h"
#include "surv/tg_surv.h"

#define NS		1000000000ull

struct bmsg {
	uint64_t ts;
	uint32_t user;
	struct tg_ouch_in m;
};

struct opts {
	size_t messages;
	unsigned stocks;
	unsigned users;
	uint64_t seed;
	int runs;
	int hash;
	int mode;		/* 0 both, 1 one by one only, 2 bursts only */
	int memlat;
	int post;		/* also measure with clearing and surveillance on the sink */
};

static uint64_t rng_s;

static uint32_t
rnd(uint32_t n)
{
	rng_s ^= rng_s << 13;
	rng_s ^= rng_s >> 7;
	rng_s ^= rng_s << 17;
	return (uint32_t)((rng_s >> 11) % n);
}

/* ---- configuration ---- */

static void
cfg_set(struct rte_cfgfile *c, const char *sec, const char *key, const char *val)
{
	if (!rte_cfgfile_has_section(c, sec))
		rte_cfgfile_add_section(c, sec);
	rte_cfgfile_add_entry(c, sec, key, val);
}

/* users u0.. in 8 firms F0..F7, no stock list; limits that never bite but are all checked */
static struct tg_engine *
bench_engine(const struct opts *o, int limits)
{
	struct rte_cfgfile *c = rte_cfgfile_create(0);
	struct tg_engine *e;
	char sec[64], val[64], err[256];

	if (!c)
		return NULL;
	for (unsigned u = 0; u < o->users; u++) {
		snprintf(sec, sizeof(sec), "user.u%u", u);
		snprintf(val, sizeof(val), "F%u", u % 8);
		cfg_set(c, sec, "firm", val);
	}
	snprintf(val, sizeof(val), "%zu", o->messages + 1024);
	cfg_set(c, "engine", "max_tokens", val);
	cfg_set(c, "engine", "max_orders", "2097152");
	cfg_set(c, "engine", "prefault", "yes");
	snprintf(val, sizeof(val), "%u", o->stocks + 16);
	cfg_set(c, "engine", "max_stocks", val);
	if (limits) {
		cfg_set(c, "risk", "max_order_shares", "100000");
		cfg_set(c, "risk", "max_order_notional", "50000000");
		cfg_set(c, "risk", "collar_pct", "50");
		cfg_set(c, "risk", "max_position", "100000000");
		cfg_set(c, "risk", "max_daily_notional", "100000000000");
		cfg_set(c, "risk", "max_orders_per_sec", "100000000");
		cfg_set(c, "risk", "stp", "account");
	}
	if (tg_engine_new(c, &e, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_match: %s\n", err);
		e = NULL;
	}
	rte_cfgfile_close(c);
	return e;
}

/* ---- the stream, generated against a live engine so cancels find orders ---- */

struct gen {
	uint32_t *open;		/* by token id: shares open, 0 = not live */
	uint32_t *pos;		/* by token id: index in live[] */
	uint32_t *live;		/* ids of live orders */
	uint16_t *owner;	/* by token id */
	uint16_t *stock_of;	/* by token id */
	uint8_t *buy_of;	/* by token id */
	uint32_t nlive;
	uint32_t recent[512];	/* the orders that went live last (a ring) */
	uint32_t nrecent;
	uint32_t users;
	size_t maxid;
	uint64_t cnt[8];	/* enter, cancel, replace, marketable */
};

static struct gen G;

static void
tok_put(char *t, uint32_t id)
{
	memset(t, ' ', TG_OUCH_TOKEN_LEN);
	for (int i = 7; i >= 0; i--) {
		t[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[id % 36];
		id /= 36;
	}
}

static uint32_t
tok_get(const char *t)
{
	uint32_t id = 0;

	for (int i = 0; i < 8; i++)
		id = id * 36 + (uint32_t)(t[i] <= '9' ? t[i] - '0' : t[i] - 'a' + 10);
	return id;
}

/* A client numbers its own tokens; the generator's id folds in the user. */
static uint32_t
tok_id(const char *t, unsigned user)
{
	return tok_get(t) * G.users + user;
}

static void
live_add(uint32_t id, uint32_t shares)
{
	G.recent[G.nrecent++ % 512] = id;
	G.open[id] = shares;
	G.pos[id] = G.nlive;
	G.live[G.nlive++] = id;
}

static void
live_sub(uint32_t id, uint32_t shares)
{
	if (!G.open[id])
		return;
	G.open[id] -= shares < G.open[id] ? shares : G.open[id];
	if (G.open[id] == 0) {
		uint32_t last = G.live[--G.nlive];

		G.live[G.pos[id]] = last;
		G.pos[last] = G.pos[id];
	}
}

static void
gen_out(void *ctx, unsigned user, const struct tg_ouch_out *m)
{
	(void)ctx;
	switch (m->type) {
	case 'A':
		if (m->order.order_state == 'L')
			live_add(tok_id(m->order.token, user), m->order.shares);
		break;
	case 'U': {
		uint32_t prev = tok_id(m->order.previous_token, user);

		live_sub(prev, G.open[prev]);
		if (m->order.order_state == 'L')
			live_add(tok_id(m->order.token, user), m->order.shares);
		break;
	}
	case 'E':
		live_sub(tok_id(m->executed.token, user), m->executed.shares);
		break;
	case 'C':
	case 'D':
		live_sub(tok_id(m->canceled.token, user), m->canceled.decrement);
		break;
	default:
		break;
	}
}

static struct bmsg *
gen_stream(const struct opts *o, struct tg_engine *e)
{
	struct bmsg *s = calloc(o->messages, sizeof(*s));
	uint32_t *mid = calloc(o->stocks, sizeof(*mid));
	struct tg_engine_sink sink = { .out = gen_out };
	uint32_t *next_tok = calloc(o->users, sizeof(*next_tok)), target = 40 * o->stocks;
	size_t maxid = o->messages + 1024 * (size_t)o->users;
	uint64_t ts = 34200000000000ull;
	char sym[16];

	G.open = calloc(maxid, sizeof(*G.open));
	G.pos = calloc(maxid, sizeof(*G.pos));
	G.live = calloc(maxid, sizeof(*G.live));
	G.owner = calloc(maxid, sizeof(*G.owner));
	G.stock_of = calloc(maxid, sizeof(*G.stock_of));
	G.buy_of = calloc(maxid, sizeof(*G.buy_of));
	G.users = o->users;
	G.maxid = maxid;
	if (!s || !mid || !next_tok || !G.open || !G.pos || !G.live || !G.owner || !G.stock_of ||
	    !G.buy_of)
		return NULL;
	for (unsigned k = 0; k < o->stocks; k++)
		mid[k] = 2000 + rnd(20000);	/* cents: $20 .. $220 */
	for (size_t i = 0; i < o->messages; i++) {
		struct bmsg *b = &s[i];
		unsigned r = rnd(1000), st;
		uint32_t off;
		int cancel_pct = G.nlive > target ? 480 : 380;

		ts += 50 + rnd(200);
		b->ts = ts;
		/* a tenth of the stocks get half the flow */
		st = rnd(2) ? rnd(o->stocks / 10 + 1) : rnd(o->stocks);
		if (rnd(64) == 0)
			mid[st] += rnd(2) ? 1 : (mid[st] > 100 ? (uint32_t)-1 : 1);
		if (G.nlive && (int)r < cancel_pct) {
			/* most cancels hit orders that went live a moment ago */
			uint32_t id = G.recent[rnd(512)];
			char t[TG_OUCH_TOKEN_LEN];

			if (rnd(4) == 0 || G.nrecent < 512 || !G.open[id])
				id = G.live[rnd(G.nlive)];
			tok_put(t, id / o->users);
			b->user = G.owner[id];
			b->m.type = 'X';
			memcpy(b->m.cancel.token, t, sizeof(t));
			b->m.cancel.shares = rnd(10) ? 0 : G.open[id] / 2;
			G.cnt[1]++;
		} else if (G.nlive && (int)r < cancel_pct + 50) {
			uint32_t id = G.live[rnd(G.nlive)], nid;

			b->user = G.owner[id];
			nid = next_tok[b->user]++ * o->users + b->user;
			if (nid >= maxid) {
				fprintf(stderr, "bench_match: token ids ran out\n");
				return NULL;
			}
			b->m.type = 'U';
			tok_put(b->m.replace.existing, id / o->users);
			tok_put(b->m.replace.replacement, nid / o->users);
			G.owner[nid] = G.owner[id];
			G.stock_of[nid] = G.stock_of[id];
			G.buy_of[nid] = G.buy_of[id];
			b->m.replace.shares = 100 * (1 + rnd(8));
			/* requote near the touch on the order's own side */
			off = rnd(4);
			b->m.replace.price = (G.buy_of[id] ? mid[G.stock_of[id]] - 1 - off :
							     mid[G.stock_of[id]] + 1 + off) * 100;
			b->m.replace.tif = TG_OUCH_TIF_SYSTEM_HOURS;
			b->m.replace.display = 'Y';
			b->m.replace.ise = 'N';
			G.cnt[2]++;
		} else {
			struct tg_ouch_enter *en = &b->m.enter;
			int buy = rnd(2), marketable = rnd(100) < 8;
			uint32_t nid;

			off = rnd(4) ? rnd(3) : rnd(12);
			b->user = rnd(o->users);
			nid = next_tok[b->user]++ * o->users + b->user;
			if (nid >= maxid) {
				fprintf(stderr, "bench_match: token ids ran out\n");
				return NULL;
			}
			b->m.type = 'O';
			tok_put(en->token, nid / o->users);
			G.owner[nid] = (uint16_t)b->user;
			G.stock_of[nid] = (uint16_t)st;
			G.buy_of[nid] = (uint8_t)buy;
			en->side = buy ? 'B' : (rnd(10) ? 'S' : 'T');
			en->shares = rnd(5) ? 100 * (1 + rnd(5)) : 1 + rnd(999);
			snprintf(sym, sizeof(sym), "S%05u  ", st);
			memcpy(en->stock, sym, TG_OUCH_STOCK_LEN);
			if (marketable) {
				en->price = buy ? (mid[st] + 1 + rnd(4)) * 100 :
						  (mid[st] - 1 - rnd(4)) * 100;
				if (rnd(8) == 0)
					en->price = TG_ENGINE_PRICE_MARKET;
				en->tif = rnd(2) ? TG_OUCH_TIF_IOC : TG_OUCH_TIF_SYSTEM_HOURS;
				G.cnt[3]++;
			} else {
				en->price = (buy ? mid[st] - 1 - off : mid[st] + 1 + off) * 100;
				en->tif = TG_OUCH_TIF_SYSTEM_HOURS;
				G.cnt[0]++;
			}
			memset(en->firm, ' ', TG_OUCH_FIRM_LEN);
			en->display = 'Y';
			en->capacity = 'A';
			en->ise = 'N';
			en->cross_type = 'N';
			en->customer_type = ' ';
		}
		tg_engine_order(e, b->ts, b->user, &b->m, &sink);
	}
	free(mid);
	free(next_tok);
	return s;
}

/* ---- timing ---- */

struct count {
	uint64_t n;
	uint64_t x;
	uint64_t fills;
};

static void
count_out(void *ctx, unsigned user, const struct tg_ouch_out *m)
{
	struct count *c = ctx;

	c->n++;
	c->x += (uint64_t)(uint8_t)m->type + user;
}

static void
count_fill(void *ctx, const struct tg_engine_fill *f)
{
	struct count *c = ctx;

	c->fills += f->shares;
}

#define BURST	32

/*
 * One pass on a new engine, one message at a time or in bursts of 32 (as
 * a gateway hands over what its sessions delivered): CPU seconds, and wall
 * seconds in *wall.
 */
static double
run_throughput(const struct opts *o, const struct bmsg *s, int limits, int burst,
	       struct count *c, double *wall)
{
	struct tg_engine *e = bench_engine(o, limits);
	struct tg_engine_sink sink = { .out = count_out, .fill = count_fill, .ctx = c };
	struct tg_engine_in in[BURST];
	double t0, w0, t;

	if (!e)
		exit(1);
	memset(c, 0, sizeof(*c));
	w0 = tg_bench_wall_s();
	t0 = tg_bench_cpu_s();
	if (burst) {
		for (size_t i = 0; i < o->messages; i += BURST) {
			unsigned n = o->messages - i < BURST ? (unsigned)(o->messages - i) : BURST;

			for (unsigned k = 0; k < n; k++) {
				in[k].ts = s[i + k].ts;
				in[k].user = s[i + k].user;
				in[k].m = &s[i + k].m;
			}
			tg_engine_order_burst(e, in, n, &sink);
		}
	} else {
		for (size_t i = 0; i < o->messages; i++)
			tg_engine_order(e, s[i].ts, s[i].user, &s[i].m, &sink);
	}
	t = tg_bench_cpu_s() - t0;
	*wall = tg_bench_wall_s() - w0;
	tg_engine_free(e);
	return t;
}

/*
 * Post-trade on the engine's sink, as the gateway runs it live: every
 * outbound message to surveillance, every fill to surveillance and to
 * clearing.
 */
struct post {
	struct count *c;
	struct tg_surv *surv;
	struct tg_clear *clear;
	uint64_t alerts;
};

static void
post_out(void *ctx, unsigned user, const struct tg_ouch_out *m)
{
	struct post *p = ctx;

	count_out(p->c, user, m);
	tg_surv_order(p->surv, user, m);
}

static void
post_fill(void *ctx, const struct tg_engine_fill *f)
{
	struct post *p = ctx;

	count_fill(p->c, f);
	tg_clear_fill(p->clear, f, NULL);
	tg_surv_fill(p->surv, f);
}

static void
post_alert(void *ctx, const struct tg_surv_alert *a)
{
	(void)a;
	((struct post *)ctx)->alerts++;
}

/* One pass, one message at a time, risk limits on, post-trade on the sink: CPU seconds. */
static double
run_post(const struct opts *o, const struct bmsg *s, struct count *c, double *wall,
	 uint64_t *alerts)
{
	struct tg_engine *e = bench_engine(o, 1);
	unsigned n = e ? tg_engine_users(e) : 0;
	struct tg_clear_user *cu = calloc(n ? n : 1, sizeof(*cu));
	struct tg_surv_user *su = calloc(n ? n : 1, sizeof(*su));
	struct tg_surv_config sc;
	struct post p = { .c = c };
	struct tg_engine_sink sink = { .out = post_out, .fill = post_fill, .ctx = &p };
	char err[256];
	double t0, w0, t;

	if (!e || !cu || !su)
		exit(1);
	for (unsigned i = 0; i < n; i++) {
		snprintf(cu[i].name, sizeof(cu[i].name), "%s", tg_engine_user_name(e, i));
		snprintf(cu[i].firm, sizeof(cu[i].firm), "%s", tg_engine_user_firm(e, i));
		snprintf(cu[i].account, sizeof(cu[i].account), "%s", tg_engine_user_account(e, i));
		snprintf(cu[i].owner, sizeof(cu[i].owner), "%s", cu[i].account);
		snprintf(su[i].firm, sizeof(su[i].firm), "%s", cu[i].firm);
		snprintf(su[i].account, sizeof(su[i].account), "%s", cu[i].account);
		snprintf(su[i].owner, sizeof(su[i].owner), "%s", cu[i].owner);
	}
	tg_surv_config_defaults(&sc);
	p.surv = tg_surv_new(&sc, su, n, post_alert, &p);
	if (!p.surv || tg_clear_new(cu, n, NULL, &p.clear, err, sizeof(err))) {
		fprintf(stderr, "bench_match: post-trade: %s\n", p.surv ? err : "no memory");
		exit(1);
	}
	memset(c, 0, sizeof(*c));
	w0 = tg_bench_wall_s();
	t0 = tg_bench_cpu_s();
	for (size_t i = 0; i < o->messages; i++)
		tg_engine_order(e, s[i].ts, s[i].user, &s[i].m, &sink);
	t = tg_bench_cpu_s() - t0;
	*wall = tg_bench_wall_s() - w0;
	*alerts = p.alerts;
	tg_surv_free(p.surv);
	tg_clear_free(p.clear);
	tg_engine_free(e);
	free(cu);
	free(su);
	return t;
}

/* TSC cycles per ns, measured against CLOCK_MONOTONIC. */
static double
tsc_per_ns(void)
{
	double t0 = tg_bench_wall_s();
	uint64_t c0 = __rdtsc(), c1;

	while (tg_bench_wall_s() - t0 < 0.2)
		;
	c1 = __rdtsc();
	return (double)(c1 - c0) / ((tg_bench_wall_s() - t0) * 1e9);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Per-message latency in cycles, sorted; returns the timer's own cost. */
static uint32_t
run_latency(const struct opts *o, const struct bmsg *s, uint32_t *lat)
{
	struct tg_engine *e = bench_engine(o, 1);
	struct count c;
	struct tg_engine_sink sink = { .out = count_out, .fill = count_fill, .ctx = &c };
	uint32_t timer = UINT32_MAX;

	if (!e)
		exit(1);
	for (int i = 0; i < 1000; i++) {
		uint64_t t0, t1;

		_mm_lfence();
		t0 = __rdtsc();
		_mm_lfence();
		t1 = __rdtsc();
		_mm_lfence();
		if (t1 - t0 < timer)
			timer = (uint32_t)(t1 - t0);
	}
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < o->messages; i++) {
		uint64_t t0, t1;

		_mm_lfence();
		t0 = __rdtsc();
		_mm_lfence();
		tg_engine_order(e, s[i].ts, s[i].user, &s[i].m, &sink);
		_mm_lfence();
		t1 = __rdtsc();
		lat[i] = t1 - t0 > UINT32_MAX ? UINT32_MAX : (uint32_t)(t1 - t0);
	}
	tg_engine_free(e);
	qsort(lat, o->messages, sizeof(*lat), cmp_u32);
	return timer;
}

/* ---- token table against rte_hash ---- */

static void
bench_hash(const struct opts *o)
{
	size_t n = o->messages < 4000000 ? o->messages : 4000000;
	char (*keys)[16] = calloc(n * 2, 16);
	char (*q)[16] = calloc(n * 2, 16);
	struct tg_tokens *t = tg_tokens_new((uint32_t)n, true);
	struct rte_hash_parameters hp = {
		.name = "bench_tokens",
		.entries = (uint32_t)n * 2,
		.key_len = 16,
		.hash_func = rte_hash_crc,
		.socket_id = 0,
	};
	struct rte_hash *h;
	uint32_t *order = calloc(n * 2, sizeof(*order));
	double own[3] = { 0, 0, 0 }, dpdk[2] = { 0, 0 }, t0;
	uint64_t found = 0;
	char prefix[64];
	char *eal[] = { "bench_match", "--no-huge", "--no-pci", "--no-shconf", prefix,
			"-m", "1024", "-l", "0", "--log-level=error" };

	snprintf(prefix, sizeof(prefix), "--file-prefix=bench_match%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "bench_match: rte_eal_init failed\n");
		return;
	}
	h = rte_hash_create(&hp);
	if (!keys || !q || !t || !h || !order) {
		fprintf(stderr, "bench_match: no memory for the hash comparison\n");
		return;
	}
	/* keys as the engine makes them: 14 token bytes + the user */
	for (size_t i = 0; i < n * 2; i++) {
		memset(keys[i], ' ', 14);
		tok_put(keys[i], (uint32_t)i);
		keys[i][14] = (char)(i % 64);
		keys[i][15] = 0;
		order[i] = (uint32_t)i;
	}
	for (size_t i = n * 2; i-- > 1;) {
		uint32_t j = rnd((uint32_t)i + 1), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	/* the lookups' keys in their random order, read front to back as messages are */
	for (size_t i = 0; i < n * 2; i++)
		memcpy(q[i], keys[order[i]], 16);
	t0 = tg_bench_wall_s();
	for (size_t i = 0; i < n; i++)
		tg_tokens_add(t, (uint16_t)(i % 64), keys[i], (uint32_t)i, 1);
	own[0] = (tg_bench_wall_s() - t0) / (double)n * 1e9;
	t0 = tg_bench_wall_s();
	for (size_t i = 0; i < n; i++)
		rte_hash_add_key_data(h, keys[i], (void *)(uintptr_t)(i + 1));
	dpdk[0] = (tg_bench_wall_s() - t0) / (double)n * 1e9;
	/* lookups in random order, half of them misses (new tokens) */
	t0 = tg_bench_wall_s();
	for (size_t i = 0; i < n * 2; i++)
		found += tg_tokens_find(t, (uint16_t)(order[i] % 64), q[i]) != NULL;
	own[1] = (tg_bench_wall_s() - t0) / (double)(n * 2) * 1e9;
	t0 = tg_bench_wall_s();
	for (size_t i = 0; i < n * 2; i++) {
		void *d;

		found += rte_hash_lookup_data(h, q[i], &d) >= 0;
	}
	dpdk[1] = (tg_bench_wall_s() - t0) / (double)(n * 2) * 1e9;
	/* the same lookups with the slot asked for 8 lookups ahead, as a burst does */
	t0 = tg_bench_wall_s();
	for (size_t i = 0; i < n * 2; i++) {
		if (i + 8 < n * 2)
			tg_tokens_prefetch(t, (uint16_t)(order[i + 8] % 64), q[i + 8]);
		found += tg_tokens_find(t, (uint16_t)(order[i] % 64), q[i]) != NULL;
	}
	own[2] = (tg_bench_wall_s() - t0) / (double)(n * 2) * 1e9;
	printf("token table, %zu keys (16 bytes), lookups in random order, half misses:\n", n);
	printf("  tg_tokens  insert %.1f ns, lookup %.1f ns, lookup with prefetch 8 ahead %.1f ns\n",
	       own[0], own[1], own[2]);
	printf("  rte_hash   insert %.1f ns, lookup %.1f ns   (found %llu in all, expected %zu)\n",
	       dpdk[0], dpdk[1], (unsigned long long)found, n * 3);
	rte_hash_free(h);
	tg_tokens_free(t);
	free(keys);
	free(q);
	free(order);
}

/*
 * The machine's memory as the engine meets it: ns per random load over
 * 128 MiB (the size of a day's token table here), each load waiting for
 * the one before (a chain: what one message at a time pays per cache
 * miss) or all independent (what look-ahead can overlap). CPU time.
 */
static void
bench_memlat(void)
{
	size_t bytes = 128u << 20, lines = bytes / 64, n = 4000000;
	uint64_t *mem = NULL;
	uint32_t *perm = malloc(lines * sizeof(*perm));
	uint64_t off = 0, sum = 0;
	double t0, chain, indep;

	if (posix_memalign((void **)&mem, 2u << 20, bytes) || !perm) {
		fprintf(stderr, "bench_match: no memory for --memlat\n");
		return;
	}
	for (size_t i = 0; i < lines; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = lines; i-- > 1;) {
		uint32_t j = rnd((uint32_t)i + 1), x = perm[i];

		perm[i] = perm[j];
		perm[j] = x;
	}
	/* one cycle through every line, in random order */
	for (size_t i = 0; i < lines; i++)
		mem[(size_t)perm[i] * 8] = (uint64_t)perm[(i + 1) % lines] * 8;
	t0 = tg_bench_cpu_s();
	for (size_t i = 0; i < n; i++)
		off = mem[off];
	chain = (tg_bench_cpu_s() - t0) / (double)n * 1e9;
	t0 = tg_bench_cpu_s();
	for (size_t i = 0; i < n; i++)
		sum += mem[(size_t)perm[i % lines] * 8];
	indep = (tg_bench_cpu_s() - t0) / (double)n * 1e9;
	printf("memory, 128 MiB, random lines: %.0f ns per load in a chain, %.1f ns independent "
	       "(%llu)\n", chain, indep, (unsigned long long)((off + sum) & 1));
	free(mem);
	free(perm);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_match [--messages N] [--stocks N] [--users N] [--seed N] "
		"[--runs N] [--mode both|single|burst] [--hash] [--memlat] [--post]\n");
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "messages", required_argument, NULL, 'm' },
		{ "stocks", required_argument, NULL, 's' },
		{ "users", required_argument, NULL, 'u' },
		{ "seed", required_argument, NULL, 'S' },
		{ "runs", required_argument, NULL, 'r' },
		{ "hash", no_argument, NULL, 'H' },
		{ "mode", required_argument, NULL, 'M' },
		{ "memlat", no_argument, NULL, 'L' },
		{ "post", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .messages = 4000000, .stocks = 2000, .users = 64, .seed = 1, .runs = 5 };
	struct tg_engine *g;
	struct bmsg *s;
	struct count c;
	double t_off[32] = { 0 }, t_on[32] = { 0 }, t_burst[32] = { 0 }, cyc;
	double w_off[32] = { 0 }, w_on[32] = { 0 }, w_burst[32] = { 0 };
	double t_post[32] = { 0 }, w_post[32] = { 0 };
	uint64_t post_alerts = 0;
	uint32_t *lat, timer;
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'm': o.messages = strtoull(optarg, NULL, 10); break;
		case 's': o.stocks = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'u': o.users = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'S': o.seed = strtoull(optarg, NULL, 10); break;
		case 'r': o.runs = atoi(optarg); break;
		case 'H': o.hash = 1; break;
		case 'L': o.memlat = 1; break;
		case 'P': o.post = 1; break;
		case 'M':
			o.mode = !strcmp(optarg, "single") ? 1 : !strcmp(optarg, "burst") ? 2 :
				 !strcmp(optarg, "both") ? 0 : -1;
			break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (o.messages < 1000 || o.stocks < 1 || o.stocks > 60000 || o.users < 1 ||
	    o.users > 60000 || o.runs < 1 || o.runs > 32 || o.mode < 0) {
		usage();
		return 2;
	}
	rng_s = o.seed * 0x9e3779b97f4a7c15ull + 1;
	g = bench_engine(&o, 1);
	if (!g)
		return 1;
	s = gen_stream(&o, g);
	tg_engine_free(g);
	if (!s) {
		fprintf(stderr, "bench_match: no memory for %zu messages\n", o.messages);
		return 1;
	}
	printf("stream: %zu messages, %u stocks, %u users: %.1f %% adds near the touch, "
	       "%.1f %% cancels, %.1f %% replaces, %.1f %% marketable\n",
	       o.messages, o.stocks, o.users, 100.0 * G.cnt[0] / o.messages,
	       100.0 * G.cnt[1] / o.messages, 100.0 * G.cnt[2] / o.messages,
	       100.0 * G.cnt[3] / o.messages);
	for (int r = 0; r < o.runs; r++) {
		if (o.mode != 2) {
			t_off[r] = run_throughput(&o, s, 0, 0, &c, &w_off[r]);
			t_on[r] = run_throughput(&o, s, 1, 0, &c, &w_on[r]);
		}
		if (o.mode != 1)
			t_burst[r] = run_throughput(&o, s, 1, 1, &c, &w_burst[r]);
		if (o.post)
			t_post[r] = run_post(&o, s, &c, &w_post[r], &post_alerts);
	}
	{
		struct tg_engine *e = bench_engine(&o, 1);
		struct tg_engine_stats st;
		struct tg_engine_sink sink = { .out = count_out, .fill = count_fill, .ctx = &c };
		uint64_t rej = 0;

		memset(&c, 0, sizeof(c));
		for (size_t i = 0; i < o.messages; i++)
			tg_engine_order(e, s[i].ts, s[i].user, &s[i].m, &sink);
		tg_engine_get_stats(e, &st);
		for (int k = 0; k < 128; k++)
			rej += st.rejects[k];
		printf("per run: %llu outbound messages, %llu executions (%llu shares), "
		       "%llu rejects, %llu cancel rejects, %llu orders resting at the end\n",
		       (unsigned long long)c.n, (unsigned long long)st.executions,
		       (unsigned long long)c.fills, (unsigned long long)rej,
		       (unsigned long long)st.cancel_rejects, (unsigned long long)st.resting);
		tg_engine_free(e);
	}
	{
		double m_off = tg_bench_median(t_off, (unsigned)o.runs), m_on = tg_bench_median(t_on, (unsigned)o.runs);
		double mw_off = tg_bench_median(w_off, (unsigned)o.runs), mw_on = tg_bench_median(w_on, (unsigned)o.runs);

		if (o.mode != 2) {
		printf("throughput, risk limits off: %.2f M messages/s (%.1f ns/message of CPU time; "
		       "wall %.1f ns), median of %d\n", o.messages / m_off / 1e6,
		       m_off / o.messages * 1e9, mw_off / o.messages * 1e9, o.runs);
		printf("throughput, risk limits on:  %.2f M messages/s (%.1f ns/message of CPU time; "
		       "wall %.1f ns), median of %d\n", o.messages / m_on / 1e6,
		       m_on / o.messages * 1e9, mw_on / o.messages * 1e9, o.runs);
		}
		if (o.post) {
		double m_post = tg_bench_median(t_post, (unsigned)o.runs), mw_post = tg_bench_median(w_post, (unsigned)o.runs);

		printf("throughput, risk limits on, clearing and surveillance on the sink: "
		       "%.2f M messages/s (%.1f ns/message of CPU time; wall %.1f ns), median of %d; "
		       "%llu alerts a run\n", o.messages / m_post / 1e6, m_post / o.messages * 1e9,
		       mw_post / o.messages * 1e9, o.runs, (unsigned long long)post_alerts);
		}
		if (o.mode != 1) {
		m_on = tg_bench_median(t_burst, (unsigned)o.runs);
		mw_on = tg_bench_median(w_burst, (unsigned)o.runs);
		printf("throughput, risk limits on, bursts of %d: %.2f M messages/s (%.1f ns/message "
		       "of CPU time; wall %.1f ns), median of %d\n", BURST, o.messages / m_on / 1e6,
		       m_on / o.messages * 1e9, mw_on / o.messages * 1e9, o.runs);
		}
	}
	lat = calloc(o.messages, sizeof(*lat));
	if (!lat)
		return 1;
	cyc = tsc_per_ns();
	timer = run_latency(&o, s, lat);
	printf("latency per message, risk limits on (rdtsc, %.2f GHz, timer cost %.1f ns included):\n"
	       "  p50 %.0f ns, p90 %.0f ns, p99 %.0f ns, p99.9 %.0f ns, p99.99 %.0f ns, max %.0f ns\n",
	       cyc, timer / cyc, lat[o.messages / 2] / cyc, lat[o.messages * 9 / 10] / cyc,
	       lat[o.messages * 99 / 100] / cyc, lat[o.messages * 999 / 1000] / cyc,
	       lat[o.messages * 9999 / 10000] / cyc, lat[o.messages - 1] / cyc);
	free(lat);
	if (o.memlat)
		bench_memlat();
	if (o.hash)
		bench_hash(&o);
	printf("command: build/bench/bench_match --messages %zu --stocks %u --users %u --seed %llu "
	       "--runs %d%s%s%s%s\n", o.messages, o.stocks, o.users, (unsigned long long)o.seed, o.runs,
	       o.mode == 1 ? " --mode single" : o.mode == 2 ? " --mode burst" : "",
	       o.hash ? " --hash" : "", o.memlat ? " --memlat" : "", o.post ? " --post" : "");
	free(s);
	return 0;
}
