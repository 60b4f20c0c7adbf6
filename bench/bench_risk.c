/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pre-trade risk on its own: tg_risk_check() over a stream of orders of
 * many accounts in many stocks, every limit set (size, notional, collar,
 * position, daily notional, rate, a restricted list), and the exposure
 * kept as the engine keeps it (an order that passes rests: its open
 * shares and notional go up; now and then one is canceled or fills).
 * Prints the median ns per check of several runs, with no limits set for
 * comparison, and the command that reproduces the figures.
 *
 *   bench_risk [--orders N] [--stocks N] [--accounts N] [--seed N] [--runs N]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "order/tg_risk.h"

#define NS	1000000000ull

struct opts {
	size_t orders;
	unsigned stocks;
	unsigned accounts;
	uint64_t seed;
	int runs;
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

static struct tg_risk *
make_risk(const struct opts *o, int limits)
{
	unsigned firms = (o->accounts + 7) / 8;
	struct tg_risk *r = tg_risk_new(o->accounts, firms, o->stocks, true);

	if (!r)
		return NULL;
	if (!limits)
		return r;
	for (int f = 0; f < 2; f++)
		for (unsigned a = 0; a < (f ? firms : o->accounts); a++) {
			tg_risk_set(r, f, a, TG_RISK_MAX_ORDER_SHARES, 5000, 0);
			tg_risk_set(r, f, a, TG_RISK_MAX_ORDER_NOTIONAL, 400000, 0);
			tg_risk_set(r, f, a, TG_RISK_COLLAR_PCT, 10, 0);
			tg_risk_set(r, f, a, TG_RISK_MAX_POSITION, f ? 2000000 : 200000, 0);
			tg_risk_set(r, f, a, TG_RISK_MAX_DAILY_NOTIONAL, f ? 400000000000 : 50000000000, 0);
			tg_risk_set(r, f, a, TG_RISK_MAX_ORDERS_PER_SEC, f ? 2000000 : 300000, 0);
			tg_risk_set(r, f, a, TG_RISK_STP, TG_RISK_STP_ACCOUNT, 0);
		}
	/* one stock in a hundred restricted for everyone, a few per firm */
	for (unsigned s = 0; s < o->stocks; s += 100)
		tg_risk_restrict(r, 0, -1, (uint16_t)s, true);
	for (unsigned f = 0; f < firms; f++)
		tg_risk_restrict(r, 1, (int)f, (uint16_t)rnd(o->stocks), true);
	return r;
}

/* Orders of a busy day: most flow in a tenth of the stocks, prices near the reference. */
static struct tg_risk_order *
make_orders(const struct opts *o)
{
	struct tg_risk_order *v = calloc(o->orders, sizeof(*v));
	uint32_t *ref = calloc(o->stocks, sizeof(*ref));
	uint64_t ts = 34200000000000ull;

	if (!v || !ref)
		return NULL;
	for (unsigned s = 0; s < o->stocks; s++)
		ref[s] = (2000 + rnd(20000)) * 100;
	for (size_t i = 0; i < o->orders; i++) {
		struct tg_risk_order *x = &v[i];
		unsigned st = rnd(2) ? rnd(o->stocks / 10 + 1) : rnd(o->stocks);

		ts += 100 + rnd(400);
		x->ts = ts;
		x->stock = (uint16_t)st;
		x->account = (uint16_t)rnd(o->accounts);
		x->firm = x->account / 8;
		x->buy = (uint8_t)rnd(2);
		x->shares = rnd(10) ? 100 * (1 + rnd(5)) : 1 + rnd(6000);
		x->ref_price = ref[st];
		x->price = ref[st] + (x->buy ? 1 : -1) * (int32_t)(100 * rnd(5)) -
			   (x->buy ? 100 : -100) * (int32_t)rnd(3);
		if (rnd(200) == 0)
			x->price = x->buy ? ref[st] * 12 / 10 : ref[st] * 8 / 10;	/* fat finger */
		if (rnd(50) == 0)
			x->price = TG_RISK_MARKET;
	}
	free(ref);
	return v;
}

/*
 * One pass: check every order; one that passes rests (exposure up), and
 * the oldest resting ones later fill or are canceled, half and half, as
 * a book would do with them. Returns the CPU seconds of the pass.
 */
static double
run(const struct opts *o, const struct tg_risk_order *v, int limits, uint64_t *passed,
    uint64_t rej[128])
{
	struct tg_risk *r = make_risk(o, limits);
	size_t live_cap = 4096, nlive = 0;
	const struct tg_risk_order **live = calloc(live_cap, sizeof(*live));
	double t0, t;

	if (!r || !live)
		exit(1);
	*passed = 0;
	memset(rej, 0, 128 * sizeof(*rej));
	t0 = tg_bench_cpu_s();
	for (size_t i = 0; i < o->orders; i++) {
		const struct tg_risk_order *x = &v[i];
		char c = tg_risk_check(r, x);

		if (c) {
			rej[c & 127]++;
			continue;
		}
		(*passed)++;
		if (x->price == TG_RISK_MARKET) {
			tg_risk_fill(r, x->account, x->firm, x->stock, x->buy, x->shares,
				     x->ref_price, 0, 0);
			continue;
		}
		tg_risk_open(r, x->account, x->firm, x->stock, x->buy, x->shares, x->price);
		if (nlive == live_cap) {
			/* the oldest resting order leaves: fills or is canceled */
			const struct tg_risk_order *y = live[i % live_cap];

			if (i & 1)
				tg_risk_fill(r, y->account, y->firm, y->stock, y->buy, y->shares,
					     y->price, 1, y->price);
			else
				tg_risk_close(r, y->account, y->firm, y->stock, y->buy, y->shares,
					      y->price);
			live[i % live_cap] = x;
		} else {
			live[nlive++] = x;
		}
	}
	t = tg_bench_cpu_s() - t0;
	free(live);
	tg_risk_free(r);
	return t;
}

/*
 * The checks alone: what tg_engine pays per order. ahead: the exposure of
 * the order 8 further on is asked for first, as tg_engine_order_burst()
 * does.
 */
static double
run_checks_only(const struct opts *o, const struct tg_risk_order *v, int limits, int ahead)
{
	struct tg_risk *r = make_risk(o, limits);
	volatile char sink = 0;
	double t0, t;

	if (!r)
		exit(1);
	t0 = tg_bench_cpu_s();
	for (size_t i = 0; i < o->orders; i++) {
		if (ahead && i + 8 < o->orders)
			tg_risk_prefetch(r, v[i + 8].account, v[i + 8].firm, v[i + 8].stock);
		sink ^= tg_risk_check(r, &v[i]);
	}
	t = tg_bench_cpu_s() - t0;
	tg_risk_free(r);
	(void)sink;
	return t;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_risk [--orders N] [--stocks N] [--accounts N] [--seed N] "
		"[--runs N]\n");
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "orders", required_argument, NULL, 'o' },
		{ "stocks", required_argument, NULL, 's' },
		{ "accounts", required_argument, NULL, 'a' },
		{ "seed", required_argument, NULL, 'S' },
		{ "runs", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .orders = 10000000, .stocks = 2000, .accounts = 64, .seed = 1, .runs = 5 };
	double full[32], checks[32], ahead[32], none[32];
	struct tg_risk_order *v;
	uint64_t passed = 0, rej[128];
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'o': o.orders = strtoull(optarg, NULL, 10); break;
		case 's': o.stocks = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'a': o.accounts = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'S': o.seed = strtoull(optarg, NULL, 10); break;
		case 'r': o.runs = atoi(optarg); break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (o.orders < 1000 || o.stocks < 10 || o.stocks > 65536 || o.accounts < 1 ||
	    o.accounts > 60000 || o.runs < 1 || o.runs > 32) {
		usage();
		return 2;
	}
	rng_s = o.seed * 0x9e3779b97f4a7c15ull + 1;
	v = make_orders(&o);
	if (!v) {
		fprintf(stderr, "bench_risk: no memory for %zu orders\n", o.orders);
		return 1;
	}
	for (int r = 0; r < o.runs; r++) {
		full[r] = run(&o, v, 1, &passed, rej);
		checks[r] = run_checks_only(&o, v, 1, 0);
		ahead[r] = run_checks_only(&o, v, 1, 1);
		none[r] = run_checks_only(&o, v, 0, 0);
	}
	printf("%zu orders, %u stocks, %u accounts in %u firms, every limit set\n", o.orders,
	       o.stocks, o.accounts, (o.accounts + 7) / 8);
	printf("passed %.1f %%; rejects:", 100.0 * (double)passed / (double)o.orders);
	for (int c = 0; c < 128; c++)
		if (rej[c])
			printf(" %c %.2f %%", c, 100.0 * (double)rej[c] / (double)o.orders);
	printf("\n");
	printf("tg_risk_check, every limit set:        %.1f ns/order (median of %d, CPU time)\n",
	       tg_bench_median(checks, (unsigned)(o.runs)) / (double)o.orders * 1e9, o.runs);
	printf("  the same, exposure asked for 8 ahead: %.1f ns/order\n",
	       tg_bench_median(ahead, (unsigned)(o.runs)) / (double)o.orders * 1e9);
	printf("tg_risk_check, no limit set:           %.1f ns/order\n",
	       tg_bench_median(none, (unsigned)(o.runs)) / (double)o.orders * 1e9);
	printf("check + exposure kept (open/fill/close): %.1f ns/order\n",
	       tg_bench_median(full, (unsigned)(o.runs)) / (double)o.orders * 1e9);
	printf("command: build/bench/bench_risk --orders %zu --stocks %u --accounts %u --seed %llu "
	       "--runs %d\n", o.orders, o.stocks, o.accounts, (unsigned long long)o.seed, o.runs);
	free(v);
	return 0;
}
