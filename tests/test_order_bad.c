/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bad input of every kind, answered and counted, never a crash: messages
 * of random bytes, unknown types and users, garbage tokens and symbols,
 * absurd prices and sizes, feed updates and control actions full of
 * garbage (names without their NUL), unknown system events, NULL
 * messages and sinks, a clock that jumps. Every order message must be
 * answered to the user that sent it, and the books must stay sound.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_order_util.h"

#define NSTOCKS 3

static const char *const stocks[NSTOCKS] = { "AAPL", "MSFT", "IBM" };

struct rnd {
	uint64_t s;
};

static uint32_t
rnd(struct rnd *r, uint32_t n)
{
	r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)((r->s >> 33) % n);
}

static void
fill_random(struct rnd *r, void *p, size_t n)
{
	unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)rnd(r, 256);
}

/* What the engine answered the sender of the message in progress. */
struct answer {
	unsigned sender;
	const char *token;	/* the token the answer must carry */
	const char *types;	/* the message types that answer */
	const char *token2;	/* a second acceptable token (replace) */
	int answered;
	uint64_t outs;
};

static void
answer_out(void *ctx, unsigned user, const struct tg_ouch_out *m)
{
	struct answer *a = ctx;
	/* every message with a token has it first in its union */
	const char *tok = m->rejected.token;

	a->outs++;
	cr_assert(m->type && strchr("SAUCDEJIM", m->type), "unknown output type %c", m->type);
	if (user != a->sender || !a->types || !strchr(a->types, m->type))
		return;
	if (m->type == 'S' ||
	    (a->token && !memcmp(tok, a->token, TG_OUCH_TOKEN_LEN)) ||
	    (a->token2 && !memcmp(tok, a->token2, TG_OUCH_TOKEN_LEN)))
		a->answered = 1;
}

static void
answer_fill(void *ctx, const struct tg_engine_fill *f)
{
	(void)ctx;
	cr_assert_gt(f->shares, 0);
	cr_assert_gt(f->match, 0);
}

/* Books not crossed, levels in order, resting orders all accounted for. */
static void
check_books(struct tg_engine *e, int step)
{
	struct tg_engine_stats st;
	uint64_t orders = 0;

	for (int s = 0; s < NSTOCKS; s++) {
		struct tg_engine_level lv[2][256];
		int k[2];

		for (int side = 0; side < 2; side++) {
			k[side] = tg_engine_levels(e, stocks[s], side ? 'S' : 'B', lv[side], 256);
			/* with no stock list, a stock exists once something named it */
			if (k[side] == -ENOENT)
				k[side] = 0;
			cr_assert_geq(k[side], 0);
			for (int i = 0; i < k[side]; i++) {
				orders += lv[side][i].orders;
				cr_assert_gt(lv[side][i].shares, 0);
				cr_assert_gt(lv[side][i].orders, 0);
			}
		}
		if (k[0] && k[1])
			cr_assert_lt(lv[0][0].price, lv[1][0].price, "step %d: %s crossed", step,
				     stocks[s]);
	}
	tg_engine_get_stats(e, &st);
	cr_assert_eq(st.resting, orders, "step %d: %llu resting, %llu in the books", step,
		     (unsigned long long)st.resting, (unsigned long long)orders);
}

/* A plausible order with one field, or all bytes, made garbage. */
static struct tg_ouch_in
bad_message(struct rnd *r)
{
	struct tg_ouch_in m;
	char tok[16];

	snprintf(tok, sizeof(tok), "T%u", rnd(r, 400));
	switch (rnd(r, 4)) {
	case 0:
		m = tord_enter(tok, "BSTE"[rnd(r, 4)], 1 + rnd(r, 500), stocks[rnd(r, NSTOCKS)],
			       (995 + rnd(r, 11)) * 100, rnd(r, 3) ? 99999 : rnd(r, 3));
		break;
	case 1:
		m = tord_cancel(tok, rnd(r, 3) ? 0 : rnd(r, 600));
		break;
	case 2: {
		char tok2[16];

		snprintf(tok2, sizeof(tok2), "T%u", rnd(r, 400));
		m = tord_replace(tok, tok2, 1 + rnd(r, 500), (995 + rnd(r, 11)) * 100, 99999);
		break;
	}
	default:
		m = tord_modify(tok, "BSTEX"[rnd(r, 5)], rnd(r, 500));
		break;
	}
	switch (rnd(r, 14)) {
	case 0:
		fill_random(r, &m, sizeof(m));	/* everything, type too */
		break;
	case 1:
		fill_random(r, m.enter.token, TG_OUCH_TOKEN_LEN);
		break;
	case 2:
		m.enter.shares = rnd(r, 2) ? 0 : 0xFFFFFFFFu - rnd(r, 3);
		break;
	case 3:
		m.enter.price = rnd(r, 2) ? 0 : 0x7FFFFFFFu + rnd(r, 3);
		break;
	case 4:
		fill_random(r, m.enter.stock, TG_OUCH_STOCK_LEN);
		break;
	case 5:
		m.enter.tif = 0xFFFFFFFFu - rnd(r, 100001);
		break;
	case 6:
		m.enter.min_qty = 0xFFFFFFFFu;
		break;
	case 7:
		fill_random(r, &m.enter.side, 1);
		break;
	case 8:
		m.type = (char)rnd(r, 256);
		break;
	case 9:
		fill_random(r, m.replace.replacement, TG_OUCH_TOKEN_LEN);
		break;
	default:
		break;
	}
	return m;
}

/* The answer a message must get: its types and token(s). */
static void
expect_answer(struct answer *a, const struct tg_ouch_in *m, unsigned nusers)
{
	a->answered = 0;
	a->token = m->enter.token;
	a->token2 = NULL;
	if (a->sender >= nusers) {
		a->types = "J";
		return;
	}
	switch (m->type) {
	case 'O':
		a->types = "AJ";
		break;
	case 'X':
		a->types = "CI";
		break;
	case 'M':
		a->types = "MI";
		break;
	case 'U':
		/* Cancel Reject with the existing token, else U or J with the new one */
		a->types = "UJI";
		a->token2 = m->replace.replacement;
		break;
	default:
		a->types = "J";
		break;
	}
}

static void
bad_stream(const char *ini, uint64_t seed, int steps)
{
	struct tg_engine *e = tord_engine(ini);
	struct answer a;
	struct tg_engine_sink sink = { .out = answer_out, .fill = answer_fill, .ctx = &a };
	struct rnd r = { seed };
	uint64_t ts = 34200000000000ull;
	unsigned nusers = tg_engine_users(e);

	memset(&a, 0, sizeof(a));
	for (int i = 0; i < steps; i++) {
		unsigned p = rnd(&r, 100);

		ts += rnd(&r, 100) ? rnd(&r, 100000) : 2000000000ull;
		if (rnd(&r, 500) == 0)
			ts -= rnd(&r, 1000000);		/* a clock stepping back */
		if (p < 70) {
			struct tg_ouch_in m = bad_message(&r);

			a.sender = rnd(&r, 10) ? rnd(&r, nusers) :
				   (rnd(&r, 2) ? nusers + rnd(&r, 5) : 0xFFFFFFFFu - rnd(&r, 3));
			expect_answer(&a, &m, nusers);
			tg_engine_order(e, ts, a.sender, &m, &sink);
			cr_assert(a.answered, "step %d: message %c from user %u not answered", i,
				  m.type, a.sender);
		} else if (p < 80) {
			struct tg_engine_market mk;

			fill_random(&r, &mk, sizeof(mk));
			if (rnd(&r, 2)) {
				tord_alpha(mk.stock, sizeof(mk.stock), stocks[rnd(&r, NSTOCKS)]);
				mk.state = "THPQ\0X"[rnd(&r, 6)];
			}
			a.types = NULL;
			tg_engine_market(e, ts, &mk, &sink);
		} else if (p < 88) {
			struct tg_engine_ctl c;
			int rc;

			fill_random(&r, &c, sizeof(c));
			if (rnd(&r, 2)) {
				c.kind = (enum tg_engine_ctl_kind)(1 + rnd(&r, 8));
				if (rnd(&r, 2))
					snprintf(c.name, sizeof(c.name), "%s",
						 rnd(&r, 2) ? "alice" : "ACME");
				if (rnd(&r, 2))
					snprintf(c.scope, sizeof(c.scope), "%s",
						 rnd(&r, 2) ? "account" : "firm");
			}
			a.types = NULL;
			rc = tg_engine_control(e, ts, &c, &sink);
			cr_assert(rc == 0 || rc == -ENOENT || rc == -EINVAL || rc == -ENOSPC,
				  "control returned %d", rc);
		} else if (p < 92) {
			a.types = NULL;
			tg_engine_system(e, ts, (char)rnd(&r, 256), &sink);
			if (rnd(&r, 2))
				tg_engine_system(e, ts, 'S', &sink);
		} else if (p < 96) {
			a.types = NULL;
			tg_engine_tick(e, ts, rnd(&r, 2) ? &sink : NULL);
		} else {
			struct tg_ouch_in m = bad_message(&r);

			/* NULLs where pointers go */
			tg_engine_order(e, ts, 0, NULL, &sink);
			tg_engine_order(e, ts, rnd(&r, nusers), &m, NULL);
			tg_engine_market(e, ts, NULL, &sink);
			cr_assert_eq(tg_engine_control(e, ts, NULL, &sink), -EINVAL);
		}
		if (i % 5 == 0)
			check_books(e, i);
	}
	check_books(e, steps);
	(void)tg_engine_digest(e);
	{
		struct tg_engine_stats st;

		tg_engine_get_stats(e, &st);
		cr_assert_gt(st.bad_input, 0);
		cr_assert_gt(st.rejects['O'], 0);
		cr_assert_gt(st.accepted, 0, "some good orders should have got through");
	}
	tg_engine_free(e);
}

Test(bad, garbage_with_listed_stocks)
{
	for (uint64_t seed = 1; seed <= 10; seed++)
		bad_stream(tord_base_ini, seed, 6000);
}

Test(bad, garbage_with_any_stock_and_limits)
{
	static const char cfg[] =
		"[user.alice]\nfirm = ACME\n[user.bob]\nfirm = BETA\n[user.carol]\nfirm = ACME\n"
		"[risk]\ncollar_pct = 50\nmax_order_shares = 400\nmax_orders_per_sec = 1000\n"
		"[firm.ACME]\nstp = firm\nmax_position = 3000\nmax_daily_notional = 1000000\n"
		"[engine]\nmax_stocks = 64\nmax_tokens = 3000\nmax_orders = 500\ncancel_on_halt = yes\n";

	for (uint64_t seed = 11; seed <= 16; seed++)
		bad_stream(cfg, seed, 6000);
}

Test(bad, absurd_numbers_one_by_one)
{
	tord_run(tord_base_ini,
		 "> alice O a1 B 4294967295 AAPL 10.00\n"
		 "< alice J a1 Q\n"
		 "> alice O a1 B 1 AAPL #4294967295\n"
		 "< alice J a1 X\n"
		 "> alice O a1 B 1 AAPL 10.00 min=4294967295\n"
		 "< alice J a1 N\n"
		 "> alice O a1 B 999999 AAPL 199999.99\n"
		 "< alice A a1 B 999999 AAPL 199999.99 ref=1 L\n"
		 "> bob O b1 S 999999 AAPL 0.0001\n"
		 "< bob A b1 S 999999 AAPL 0.0001 ref=2 L\n"
		 "< alice E a1 999999 199999.99 A m=1\n"
		 "< bob E b1 999999 199999.99 R m=1\n"
		 "< F m=1 AAPL 999999 199999.99 B=alice/a1/1/A S=bob/b1/2/R\n"
		 "> alice X a1 4294967295\n"
		 "< alice I a1\n"
		 "> alice M a1 B 4294967295\n"
		 "< alice I a1\n"
		 "> at 18446744073709551615\n"
		 "> tick\n");
}
