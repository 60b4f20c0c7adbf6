/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Surveillance cost per event on one core: a day of flow (Accepted,
 * user cancels, Executed pairs with their fills) over many accounts and
 * stocks, every rule on, the median of several runs.
 *
 *   build/bench/bench_surv [--events N] [--runs R] [--users U] [--stocks S]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "surv/tg_surv.h"

struct bs_ev {
	struct tg_ouch_out m;
	unsigned user, user2;
	int fill;
	struct tg_engine_fill f;
};

static uint64_t bs_rng = 88172645463325252ull;

static uint32_t
bs_rand(uint32_t n)
{
	bs_rng ^= bs_rng << 13;
	bs_rng ^= bs_rng >> 7;
	bs_rng ^= bs_rng << 17;
	return (uint32_t)(bs_rng % n);
}

static void
bs_pad(char *f, size_t n, const char *s)
{
	size_t l = strlen(s);

	memset(f, ' ', n);
	memcpy(f, s, l < n ? l : n);
}

/* Orders rest, a quarter are cancelled, a sixth trade: realistic proportions. */
static struct bs_ev *
bs_flow(unsigned n, unsigned users, unsigned stocks, unsigned *out_n)
{
	struct bs_ev *ev = calloc(n, sizeof(*ev));
	struct { unsigned user; char token[16]; char stock[9]; char side; uint32_t price, shares; }
		*rest = calloc(65536, sizeof(*rest));
	unsigned nrest = 0, k = 0, tok = 0;
	uint64_t ts = 34200ull * 1000000000ull, match = 0;

	if (!ev || !rest)
		exit(1);
	while (k < n) {
		unsigned r = bs_rand(100);
		struct bs_ev *e = &ev[k];

		ts += 100000;
		if (r < 60 && nrest < 65536) {
			char name[16];

			rest[nrest].user = bs_rand(users);
			snprintf(rest[nrest].token, 16, "T%u", ++tok);
			snprintf(name, sizeof(name), "S%05u", bs_rand(stocks));
			memcpy(rest[nrest].stock, name, 8);
			rest[nrest].side = bs_rand(2) ? 'B' : 'S';
			rest[nrest].price = 500000 + 100 * bs_rand(100);
			rest[nrest].shares = 100 * (1 + bs_rand(5));
			e->m.type = 'A';
			e->m.ts = ts;
			bs_pad(e->m.order.token, 14, rest[nrest].token);
			memcpy(e->m.order.stock, rest[nrest].stock, 8);
			e->m.order.side = rest[nrest].side;
			e->m.order.shares = rest[nrest].shares;
			e->m.order.price = rest[nrest].price;
			e->m.order.order_state = 'L';
			e->user = rest[nrest++].user;
			k++;
		} else if (nrest) {
			unsigned i = bs_rand(nrest);
			__typeof__(rest[0]) o = rest[i];

			rest[i] = rest[--nrest];
			if (r < 85) {
				e->m.type = 'C';
				e->m.ts = ts;
				bs_pad(e->m.canceled.token, 14, o.token);
				e->m.canceled.decrement = o.shares;
				e->m.canceled.reason = 'U';
				e->user = o.user;
				k++;
				continue;
			}
			e->fill = 1;
			e->f.ts = ts;
			e->f.match = ++match;
			memcpy(e->f.stock, o.stock, 8);
			e->f.price = o.price;
			e->f.shares = o.shares;
			e->user2 = (o.user + 1 + bs_rand(users - 1)) % users;
			if (o.side == 'S') {
				e->f.sell.user = o.user;
				bs_pad(e->f.sell.token, 14, o.token);
				e->f.sell.liquidity = 'A';
				e->f.buy.user = e->user2;
				bs_pad(e->f.buy.token, 14, "AGG");
				e->f.buy.liquidity = 'R';
			} else {
				e->f.buy.user = o.user;
				bs_pad(e->f.buy.token, 14, o.token);
				e->f.buy.liquidity = 'A';
				e->f.sell.user = e->user2;
				bs_pad(e->f.sell.token, 14, "AGG");
				e->f.sell.liquidity = 'R';
			}
			e->m.type = 'E';
			e->m.ts = ts;
			memcpy(e->m.executed.token, o.token, 14);
			bs_pad(e->m.executed.token, 14, o.token);
			e->m.executed.shares = o.shares;
			e->m.executed.price = o.price;
			e->m.executed.match = match;
			e->user = o.user;
			k++;
		}
	}
	free(rest);
	*out_n = k;
	return ev;
}

static void
bs_sink(void *ctx, const struct tg_surv_alert *a)
{
	(void)a;
	(*(uint64_t *)ctx)++;
}

int
main(int argc, char **argv)
{
	unsigned events = 5000000, runs = 5, users = 200, stocks = 2000, n;
	double per[32];
	uint64_t alerts = 0;
	struct tg_surv_config c;
	struct tg_surv_user *u;
	struct bs_ev *ev;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--events"))
			events = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--runs"))
			runs = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--users"))
			users = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--stocks"))
			stocks = (unsigned)strtoul(argv[i + 1], NULL, 10);
	}
	if (runs > 32)
		runs = 32;
	if (users < 2)
		users = 2;
	tg_surv_config_defaults(&c);
	u = calloc(users, sizeof(*u));
	for (unsigned i = 0; i < users; i++) {
		snprintf(u[i].firm, sizeof(u[i].firm), "F%u", i / 4);
		snprintf(u[i].account, sizeof(u[i].account), "a%u", i);
		snprintf(u[i].owner, sizeof(u[i].owner), "a%u", i);
	}
	ev = bs_flow(events, users, stocks, &n);
	for (unsigned r = 0; r < runs; r++) {
		struct tg_surv *s = tg_surv_new(&c, u, users, bs_sink, &alerts);
		double t0 = tg_bench_wall_s();

		for (unsigned i = 0; i < n; i++) {
			tg_surv_order(s, ev[i].user, &ev[i].m);
			if (ev[i].fill)
				tg_surv_fill(s, &ev[i].f);
		}
		per[r] = (tg_bench_wall_s() - t0) * 1e9 / n;
		tg_surv_free(s);
	}
	qsort(per, runs, sizeof(per[0]), tg_bench_cmp_double);
	printf("surveillance: %u events (%u users, %u stocks), median %.1f ns/event "
	       "(min %.1f, max %.1f over %u runs), %lu alerts\n",
	       n, users, stocks, per[runs / 2], per[0], per[runs - 1], runs,
	       (unsigned long)(alerts / runs));
	printf("reproduce: build/bench/bench_surv --events %u --runs %u --users %u --stocks %u\n",
	       events, runs, users, stocks);
	free(ev);
	free(u);
	return 0;
}
