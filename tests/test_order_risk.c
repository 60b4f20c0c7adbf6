/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tg_risk on its own: the exposure it keeps (positions, open shares and
 * notional, executed notional), the throttle's arithmetic, collar bounds
 * and their rounding, limit values it refuses. Expected figures are
 * worked out by hand from docs/order-path.md, section 5.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "order/tg_risk.h"

#define NS 1000000000ull

static struct tg_risk_order
order(int buy, uint32_t shares, uint32_t price, uint64_t ts)
{
	struct tg_risk_order o;

	memset(&o, 0, sizeof(o));
	o.buy = (uint8_t)buy;
	o.shares = shares;
	o.price = price;
	o.ts = ts;
	return o;
}

Test(risk_unit, keys)
{
	cr_assert_eq(tg_risk_key_find("max_order_shares"), TG_RISK_MAX_ORDER_SHARES);
	cr_assert_eq(tg_risk_key_find("stp"), TG_RISK_STP);
	cr_assert_eq(tg_risk_key_find("max_orders_per_second"), -1);
	cr_assert_str_eq(tg_risk_key_name(TG_RISK_COLLAR_PCT), "collar_pct");
	cr_assert_null(tg_risk_key_name(TG_RISK_NKEYS));
	cr_assert_eq(tg_risk_value_ok(TG_RISK_STP, 3), -EINVAL);
	cr_assert_eq(tg_risk_value_ok(TG_RISK_STP, -1), -EINVAL);
	cr_assert_eq(tg_risk_value_ok(TG_RISK_MAX_POSITION, -2), -EINVAL);
	cr_assert_eq(tg_risk_value_ok(TG_RISK_MAX_POSITION, -1), 0);
	cr_assert_eq(tg_risk_value_ok(TG_RISK_MAX_ORDERS_PER_SEC, 1000000001), -EINVAL);
	cr_assert_eq(tg_risk_value_ok(TG_RISK_MAX_ORDER_NOTIONAL, INT64_MAX), -EINVAL);
}

Test(risk_unit, exposure)
{
	struct tg_risk *r = tg_risk_new(2, 1, 4, false);
	const struct tg_risk_pos *p;
	uint64_t ex, op;

	cr_assert_not_null(r);
	/* account 0 rests 100 @ 10.00 to buy and 50 @ 11.00 to sell in stock 2 */
	tg_risk_open(r, 0, 0, 2, 1, 100, 100000);
	tg_risk_open(r, 0, 0, 2, 0, 50, 110000);
	p = tg_risk_pos(r, 0, 0, 2);
	cr_assert_eq(p->open_buy, 100);
	cr_assert_eq(p->open_sell, 50);
	cr_assert_eq(p->position, 0);
	tg_risk_notional(r, 0, 0, &ex, &op);
	cr_assert_eq(op, 100 * 100000ull + 50 * 110000ull);
	cr_assert_eq(ex, 0);
	/* 60 of the resting buy fill at 9.90 (a better price) */
	tg_risk_fill(r, 0, 0, 2, 1, 60, 99000, 1, 100000);
	p = tg_risk_pos(r, 0, 0, 2);
	cr_assert_eq(p->open_buy, 40);
	cr_assert_eq(p->position, 60);
	tg_risk_notional(r, 0, 0, &ex, &op);
	cr_assert_eq(ex, 60 * 99000ull);
	cr_assert_eq(op, 40 * 100000ull + 50 * 110000ull);
	/* an incoming sell of account 1 (same firm) for 70 fills at 10.00 */
	tg_risk_fill(r, 1, 0, 2, 0, 70, 100000, 0, 0);
	cr_assert_eq(tg_risk_pos(r, 0, 1, 2)->position, -70);
	cr_assert_eq(tg_risk_pos(r, 0, 1, 2)->open_sell, 0);
	/* the firm sums both accounts */
	p = tg_risk_pos(r, 1, 0, 2);
	cr_assert_eq(p->position, -10);
	cr_assert_eq(p->open_buy, 40);
	cr_assert_eq(p->open_sell, 50);
	tg_risk_notional(r, 1, 0, &ex, &op);
	cr_assert_eq(ex, 60 * 99000ull + 70 * 100000ull);
	tg_risk_close(r, 0, 0, 2, 0, 50, 110000);
	tg_risk_close(r, 0, 0, 2, 1, 40, 100000);
	tg_risk_notional(r, 0, 0, &ex, &op);
	cr_assert_eq(op, 0);
	cr_assert_null(tg_risk_pos(r, 0, 2, 0));
	cr_assert_null(tg_risk_pos(r, 0, 0, 4));
	tg_risk_free(r);
}

Test(risk_unit, throttle)
{
	struct tg_risk *r = tg_risk_new(1, 1, 1, false);
	struct tg_risk_order o = order(1, 1, 100, 5 * NS);

	cr_assert_eq(tg_risk_set(r, 0, 0, TG_RISK_MAX_ORDERS_PER_SEC, 4, 5 * NS), 0);
	/* a full second's worth at once, then empty */
	for (int i = 0; i < 4; i++)
		cr_assert_eq(tg_risk_check(r, &o), 0, "order %d", i);
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_THROTTLE);
	/* one order comes back every 250 ms: not 1 ns before, exactly then */
	o.ts = 5 * NS + 250000000 - 1;
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_THROTTLE);
	o.ts = 5 * NS + 250000000;
	cr_assert_eq(tg_risk_check(r, &o), 0);
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_THROTTLE);
	/* a clock stepping back gives nothing and breaks nothing */
	o.ts = 1;
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_THROTTLE);
	/* a long pause refills to the cap only */
	o.ts = 100 * NS;
	for (int i = 0; i < 4; i++)
		cr_assert_eq(tg_risk_check(r, &o), 0);
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_THROTTLE);
	/* a refused order takes nothing: a kill before the throttle */
	cr_assert_eq(tg_risk_set(r, 0, 0, TG_RISK_MAX_ORDERS_PER_SEC, 1, 200 * NS), 0);
	tg_risk_kill(r, 0, 0, true);
	o.ts = 200 * NS;
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_KILLED);
	tg_risk_kill(r, 0, 0, false);
	cr_assert_eq(tg_risk_check(r, &o), 0);
	/* a rate of 0 refuses everything */
	cr_assert_eq(tg_risk_set(r, 1, 0, TG_RISK_MAX_ORDERS_PER_SEC, 0, 300 * NS), 0);
	o.ts = 400 * NS;
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_THROTTLE);
	tg_risk_free(r);
}

Test(risk_unit, collar_bounds)
{
	struct tg_risk *r = tg_risk_new(1, 1, 1, false);
	uint32_t lim;
	struct tg_risk_order o;

	cr_assert_not(tg_risk_market_limit(r, 0, 0, 1, 100000, &lim), "no collar set");
	tg_risk_set(r, 0, 0, TG_RISK_COLLAR_PCT, 7, 0);
	cr_assert_not(tg_risk_market_limit(r, 0, 0, 1, 0, &lim), "no reference");
	/* 12.3456 * 1.07 = 13.209792 -> 13.2097 (down); * 0.93 = 11.481408 -> 11.4815 (up) */
	cr_assert(tg_risk_market_limit(r, 0, 0, 1, 123456, &lim));
	cr_assert_eq(lim, 132097);
	cr_assert(tg_risk_market_limit(r, 0, 0, 0, 123456, &lim));
	cr_assert_eq(lim, 114815);
	/* the tighter of account (7) and firm (3) */
	tg_risk_set(r, 1, 0, TG_RISK_COLLAR_PCT, 3, 0);
	cr_assert(tg_risk_market_limit(r, 0, 0, 1, 100000, &lim));
	cr_assert_eq(lim, 103000);
	/* 100 % or more: a sell has no floor */
	tg_risk_set(r, 0, 0, TG_RISK_COLLAR_PCT, 150, 0);
	tg_risk_set(r, 1, 0, TG_RISK_COLLAR_PCT, -1, 0);
	cr_assert(tg_risk_market_limit(r, 0, 0, 0, 100000, &lim));
	cr_assert_eq(lim, 0);
	o = order(0, 1, 1, 0);
	o.ref_price = 100000;
	cr_assert_eq(tg_risk_check(r, &o), 0);
	o = order(1, 1, 250000, 0);
	o.ref_price = 100000;
	cr_assert_eq(tg_risk_check(r, &o), 0);
	o.price = 250100;
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_COLLAR);
	/* a market order is never refused by the collar (it is bounded instead) */
	o.price = TG_RISK_MARKET;
	cr_assert_eq(tg_risk_check(r, &o), 0);
	tg_risk_free(r);
}

Test(risk_unit, order_of_checks)
{
	struct tg_risk *r = tg_risk_new(1, 1, 2, false);
	struct tg_risk_order o = order(1, 500, 200000, 0);

	o.ref_price = 100000;
	tg_risk_set(r, 0, 0, TG_RISK_MAX_ORDER_SHARES, 100, 0);
	tg_risk_set(r, 0, 0, TG_RISK_MAX_ORDER_NOTIONAL, 1000, 0);
	tg_risk_set(r, 0, 0, TG_RISK_COLLAR_PCT, 10, 0);
	tg_risk_set(r, 0, 0, TG_RISK_MAX_POSITION, 10, 0);
	tg_risk_set(r, 0, 0, TG_RISK_MAX_DAILY_NOTIONAL, 10, 0);
	tg_risk_restrict(r, 0, -1, 1, true);
	o.stock = 1;
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_RESTRICTED);
	o.stock = 0;
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_SHARES);
	o.shares = 100;
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_NOTIONAL);
	o.shares = 10;
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_COLLAR);
	o.price = 110000;
	o.shares = 11;
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_POSITION);
	o.shares = 10;
	cr_assert_eq(tg_risk_check(r, &o), TG_RISK_R_DAILY);
	o.price = 10000;
	cr_assert_eq(tg_risk_check(r, &o), 0);
	cr_assert(tg_risk_restricted(r, 0, -1, 1));
	cr_assert_not(tg_risk_restricted(r, 0, 0, 1));
	tg_risk_free(r);
}

Test(risk_unit, digest_follows_state)
{
	struct tg_risk *a = tg_risk_new(2, 1, 8, false), *b = tg_risk_new(2, 1, 8, false);

	cr_assert_eq(tg_risk_digest(a, 1, 8), tg_risk_digest(b, 1, 8));
	tg_risk_fill(a, 1, 0, 7, 1, 1, 1, 0, 0);
	cr_assert_neq(tg_risk_digest(a, 1, 8), tg_risk_digest(b, 1, 8));
	tg_risk_fill(b, 1, 0, 7, 1, 1, 1, 0, 0);
	cr_assert_eq(tg_risk_digest(a, 1, 8), tg_risk_digest(b, 1, 8));
	tg_risk_restrict(a, 1, 0, 3, true);
	cr_assert_neq(tg_risk_digest(a, 1, 8), tg_risk_digest(b, 1, 8));
	tg_risk_free(a);
	tg_risk_free(b);
}
