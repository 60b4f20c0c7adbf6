/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Clearing: fee schedules against amounts worked out by hand, the
 * average-cost and P&L rules on a hand-made day, refusals that change
 * nothing, and the invariants on seeded random fill streams (shares and
 * cash conserved, positions the sum of fills, the P&L identity, firm
 * totals the sum of their accounts), with a separate floating-point
 * average-cost reference for realised P&L.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cfgfile.h>

#include "post/tg_clear.h"
#include "test_post_util.h"

static struct rte_cfgfile *
cfg_from(const char *text)
{
	char *path = tp_write_temp(text);
	cr_assert(path);
	struct rte_cfgfile *cfg = rte_cfgfile_load(path, 0);
	unlink(path);
	free(path);
	cr_assert(cfg, "rte_cfgfile_load refused:\n%s", text);
	return cfg;
}

static struct tg_clear *
new_clear(const struct tg_clear_params *p)
{
	struct tg_clear *c;
	char err[128];

	cr_assert_eq(tg_clear_new(tp_users, TP_USERS, p, &c, err, sizeof(err)), 0, "%s", err);
	return c;
}

static struct tg_engine_fill
mkfill(uint64_t match, const char *stock, unsigned buyer, unsigned seller,
       uint32_t shares, uint32_t price, char buy_liq, char sell_liq)
{
	struct tg_engine_fill f;

	memset(&f, 0, sizeof(f));
	f.match = match;
	tp_stock(f.stock, stock);
	f.shares = shares;
	f.price = price;
	f.buy.user = buyer;
	f.sell.user = seller;
	f.buy.liquidity = buy_liq;
	f.sell.liquidity = sell_liq;
	return f;
}

/* ---- fee schedules, every expected amount worked out by hand ---- */

static const char fees_s1[] =
	"[fees]\n"
	"maker_per_share = -0.0020   ; dollars per share (rebate)\n"
	"taker_per_share = 0.0030\n"
	"taker_bps = 0.15\n"
	"commission_per_share = 0.0005\n"
	"commission_min = 1.00\n"
	"sell_tax_bps = 50\n"
	"transfer_per_fill = 0.25\n";

Test(post_clear, fee_schedule_by_hand)
{
	struct rte_cfgfile *cfg = cfg_from(fees_s1);
	struct tg_clear_fees f = { 0 };
	struct tg_clear_fee_parts p;
	char err[160];

	cr_assert_eq(tg_clear_fees_parse(cfg, "fees", &f, err, sizeof(err)), 0, "%s", err);
	rte_cfgfile_close(cfg);
	cr_assert_eq(f.maker_per_share, -2000);		/* 1e-6 $ */
	cr_assert_eq(f.taker_bps, 1500);			/* 1e-4 bp */
	cr_assert_eq(f.commission_min, 10000);		/* 1e-4 $ */
	cr_assert_eq(f.sell_tax_bps, 500000);

	/* buy 100 @ $10 taking: 0.30 + 1000 x 0.000015 = 0.315; commission
	 * 0.05 -> minimum 1.00; no buy tax; transfer 0.25 */
	tg_clear_fee_calc(&f, 'B', 'R', 100, 100000, &p);
	cr_assert_eq(p.exchange, 3150);
	cr_assert_eq(p.commission, 10000);
	cr_assert_eq(p.tax, 0);
	cr_assert_eq(p.transfer, 2500);
	cr_assert_eq(p.total, 15650);

	/* sell 100 @ $10 adding: rebate -0.20; tax 0.5 % of $1000 = 5.00 */
	tg_clear_fee_calc(&f, 'S', 'A', 100, 100000, &p);
	cr_assert_eq(p.exchange, -2000);
	cr_assert_eq(p.commission, 10000);
	cr_assert_eq(p.tax, 50000);
	cr_assert_eq(p.total, -2000 + 10000 + 50000 + 2500);

	/* 333 @ $12.3457 = $4111.1181: exchange 0.999 + 0.0616667715 =
	 * 1.0606667715 -> 1.0607 (one rounding for the part); commission
	 * 0.1665 -> 1.00; sell tax 20.5555905 -> 20.5556 */
	tg_clear_fee_calc(&f, 'B', 'R', 333, 123457, &p);
	cr_assert_eq(p.exchange, 10607);
	cr_assert_eq(p.total, 10607 + 10000 + 0 + 2500);
	tg_clear_fee_calc(&f, 'S', 'R', 333, 123457, &p);
	cr_assert_eq(p.tax, 205556);
	cr_assert_eq(p.total, 10607 + 10000 + 205556 + 2500);

	/* an unknown liquidity flag is charged as taker */
	tg_clear_fee_calc(&f, 'B', 'X', 100, 100000, &p);
	cr_assert_eq(p.exchange, 3150);
}

Test(post_clear, fee_rounding_half_away_from_zero)
{
	struct tg_clear_fees f = {
		.maker_per_share = -50,		/* -$0.00005 */
		.commission_per_share = 150,	/* $0.00015 */
	};
	struct tg_clear_fee_parts p;

	/* 1 share: -0.5 -> -1, 1.5 -> 2 (units of $0.0001) */
	tg_clear_fee_calc(&f, 'B', 'A', 1, 10000, &p);
	cr_assert_eq(p.exchange, -1);
	cr_assert_eq(p.commission, 2);
	cr_assert_eq(p.total, 1);
	/* 2 shares: -1.0, 3.0 exactly */
	tg_clear_fee_calc(&f, 'B', 'A', 2, 10000, &p);
	cr_assert_eq(p.exchange, -1);
	cr_assert_eq(p.commission, 3);
	/* 3 shares: -1.5 -> -2, 4.5 -> 5 */
	tg_clear_fee_calc(&f, 'S', 'A', 3, 10000, &p);
	cr_assert_eq(p.exchange, -2);
	cr_assert_eq(p.commission, 5);
	cr_assert_eq(p.total, 3);
	/* 0.49 units rounds to 0: 1 share x $0.000049 */
	f.commission_per_share = 49;
	tg_clear_fee_calc(&f, 'S', 'R', 1, 10000, &p);
	cr_assert_eq(p.commission, 0);
}

Test(post_clear, fee_other_keys_by_hand)
{
	struct rte_cfgfile *cfg = cfg_from(
		"[fees]\n"
		"commission_bps = 2.5\n"
		"buy_tax_bps = 50\n"
		"sell_tax_per_share = 0.000166\n");
	struct tg_clear_fees f = { 0 };
	struct tg_clear_fee_parts p;
	char err[160];

	cr_assert_eq(tg_clear_fees_parse(cfg, "fees", &f, err, sizeof(err)), 0, "%s", err);
	rte_cfgfile_close(cfg);
	/* buy 1000 @ $20: commission 2.5 bp of $20,000 = $5; buy tax 0.5 % = $100 */
	tg_clear_fee_calc(&f, 'B', 'A', 1000, 200000, &p);
	cr_assert_eq(p.commission, 50000);
	cr_assert_eq(p.tax, 1000000);
	cr_assert_eq(p.exchange, 0);
	/* sell 1000: $0.166 per-share tax, no buy tax */
	tg_clear_fee_calc(&f, 'S', 'A', 1000, 200000, &p);
	cr_assert_eq(p.tax, 1660);
	cr_assert_eq(p.commission, 50000);
	/* sell 3: 0.000498 $ = 4.98 units -> 5 */
	tg_clear_fee_calc(&f, 'S', 'A', 3, 200000, &p);
	cr_assert_eq(p.tax, 5);
}

Test(post_clear, fee_config_errors)
{
	static const char *const bad[] = {
		"[fees]\nmaker_per_shares = 0.001\n",		/* misspelt */
		"[fees]\ncommission_per_share = -0.01\n",	/* only rebates may be negative */
		"[fees]\ntaker_per_share = 0.0000001\n",	/* 7 decimals */
		"[fees]\ntaker_bps = abc\n",
		"[fees]\ntaker_bps = 1.5e3\n",
		"[fees]\nsell_tax_bps = 10001\n",		/* beyond 100 % */
		"[fees]\ntransfer_per_fill = 0.00001\n",	/* money has 4 decimals */
	};
	char err[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rte_cfgfile *cfg = cfg_from(bad[i]);
		struct tg_clear_fees f = { .taker_per_share = 7 };

		err[0] = 0;
		cr_expect_eq(tg_clear_fees_parse(cfg, "fees", &f, err, sizeof(err)), -EINVAL,
			     "accepted:\n%s", bad[i]);
		cr_expect(strstr(err, "[fees]"), "error names no section: '%s'", err);
		cr_expect_eq(f.taker_per_share, 7, "a refused section changed the schedule");
		rte_cfgfile_close(cfg);
	}

	/* a firm section for a firm nobody belongs to */
	struct tg_clear *c = new_clear(NULL);
	struct rte_cfgfile *cfg = cfg_from("[fees]\ntaker_per_share = 0.003\n[fees.NOPE]\ntaker_bps = 1\n");
	cr_assert_eq(tg_clear_configure(c, cfg, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "NOPE"), "%s", err);
	rte_cfgfile_close(cfg);
	tg_clear_free(c);
}

/* [fees.FIRM] refines [fees] for that firm only; fills charge accordingly. */
Test(post_clear, fee_per_firm_through_fills)
{
	struct tg_clear *c = new_clear(NULL);
	struct rte_cfgfile *cfg = cfg_from(
		"[fees]\ntaker_per_share = 0.0030\ntransfer_per_fill = 0.10\n"
		"[fees.BETA]\ntaker_per_share = 0.0010\n");
	struct tg_clear_result r;
	char err[160];

	cr_assert_eq(tg_clear_configure(c, cfg, err, sizeof(err)), 0, "%s", err);
	rte_cfgfile_close(cfg);
	/* alice (ACME) buys 1000 @ $50 taking from dave (BETA), who also
	 * takes (both 'R' to exercise both rates) */
	struct tg_engine_fill f = mkfill(1, "AAPL", 0, 4, 1000, 500000, 'R', 'R');
	cr_assert_eq(tg_clear_fill(c, &f, &r), 0);
	cr_assert_eq(r.buy.fees.total, 30000 + 1000);	/* $3.00 + $0.10 */
	cr_assert_eq(r.sell.fees.total, 10000 + 1000);	/* $1.00 + $0.10 */
	cr_assert_eq(r.buy.gross, 500000000);
	cr_assert_eq(r.buy.net, -500000000 - 31000);
	cr_assert_eq(r.sell.net, 500000000 - 11000);
	cr_assert_eq(r.buy.account, 0);
	cr_assert_eq(r.sell.account, 3);
	tg_clear_free(c);
}

Test(post_clear, users_from_config)
{
	struct rte_cfgfile *cfg = cfg_from(
		"[gateway]\nlisten = 127.0.0.1:15000\n"
		"[user.alice]\npassword = x\nfirm = ACME\n"
		"[firm.ACME]\nmax_order_shares = 100\n"
		"[user.bob]\nfirm = ACME\naccount = desk1\nowner = fund7\n"
		"[user.carol]\nfirm = BETA\naccount = desk1\n");
	struct tg_clear_user *u;
	unsigned n;
	char err[160];

	cr_assert_eq(tg_clear_users_from_cfg(cfg, &u, &n, err, sizeof(err)), 0, "%s", err);
	rte_cfgfile_close(cfg);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(u[0].name, "alice");
	cr_assert_str_eq(u[0].account, "alice");
	cr_assert_str_eq(u[0].owner, "alice");
	cr_assert_str_eq(u[1].account, "desk1");
	cr_assert_str_eq(u[1].owner, "fund7");
	cr_assert_str_eq(u[2].firm, "BETA");
	cr_assert_str_eq(u[2].owner, "desk1");

	/* desk1 of ACME and desk1 of BETA are different accounts */
	struct tg_clear *c;
	cr_assert_eq(tg_clear_new(u, n, NULL, &c, err, sizeof(err)), 0);
	cr_assert_eq(tg_clear_accounts(c), 3);
	cr_assert_eq(tg_clear_firms(c), 2);
	cr_assert_eq(tg_clear_account_find(c, "BETA", "desk1"), 2);
	cr_assert_eq(tg_clear_account_find(c, "ACME", "desk1"), 1);
	cr_assert_eq(tg_clear_account_find(c, "BETA", "alice"), -ENOENT);
	tg_clear_free(c);
	free(u);

	cfg = cfg_from("[user.zed]\npassword = x\n");
	cr_assert_eq(tg_clear_users_from_cfg(cfg, &u, &n, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "user.zed"), "%s", err);
	rte_cfgfile_close(cfg);
}

/* ---- average cost and P&L on a day worked out by hand ---- */

Test(post_clear, average_cost_and_pnl_by_hand)
{
	struct tg_clear *c = new_clear(NULL);	/* no fees */
	struct tg_clear_position p;
	struct tg_clear_balance b;
	char aapl[8];

	tp_stock(aapl, "AAPL");
	/* alice: buy 100 @ 10, buy 100 @ 12 (cost $2200, average $11) */
	struct tg_engine_fill fs[] = {
		mkfill(1, "AAPL", 0, 4, 100, 100000, 'R', 'A'),
		mkfill(2, "AAPL", 0, 4, 100, 120000, 'R', 'A'),
		/* sell 50 @ 15: a quarter of the basis ($550) out, realised $200 */
		mkfill(3, "AAPL", 5, 0, 50, 150000, 'R', 'A'),
		/* sell 200 @ 9: close 150 (basis $1650, realised -$300), short 50 @ 9 */
		mkfill(4, "AAPL", 5, 0, 200, 90000, 'R', 'A'),
	};
	for (size_t i = 0; i < 2; i++)
		cr_assert_eq(tg_clear_fill(c, &fs[i], NULL), 0);
	cr_assert_eq(tg_clear_position_get(c, 0, aapl, &p), 0);
	cr_assert_eq(p.shares, 200);
	cr_assert_eq(p.cost, 22000000);
	cr_assert_eq(p.avg_price, 110000);
	cr_assert_eq(tg_clear_fill(c, &fs[2], NULL), 0);
	cr_assert_eq(tg_clear_position_get(c, 0, aapl, &p), 0);
	cr_assert_eq(p.shares, 150);
	cr_assert_eq(p.cost, 16500000);
	cr_assert_eq(p.realised, 2000000);
	cr_assert_eq(tg_clear_fill(c, &fs[3], NULL), 0);
	cr_assert_eq(tg_clear_mark(c, aapl, 80000), 0);
	cr_assert_eq(tg_clear_position_get(c, 0, aapl, &p), 0);
	cr_assert_eq(p.shares, -50);
	cr_assert_eq(p.cost, -4500000);
	cr_assert_eq(p.avg_price, 90000);
	cr_assert_eq(p.realised, 2000000 - 3000000);
	cr_assert_eq(p.mark, 80000);
	cr_assert_eq(p.unrealised, -50 * 80000 + 4500000);	/* +$50 */
	cr_assert_eq(p.bought, 200);
	cr_assert_eq(p.sold, 250);

	cr_assert_eq(tg_clear_account_get(c, 0, &b), 0);
	cr_assert_eq(b.cash, -10000000 - 12000000 + 7500000 + 18000000);	/* +$350 */
	cr_assert_eq(b.realised + b.unrealised, b.cash + -50 * 80000);
	/* buying power: cash less the $450 of short proceeds held as collateral */
	cr_assert_eq(tg_clear_risk_buying_power(c, 0), 3500000 - 4500000);
	cr_assert_eq(tg_clear_set_credit(c, 0, 1000000000), 0);
	cr_assert_eq(tg_clear_risk_buying_power(c, 0), 1000000000 + 3500000 - 4500000);
	cr_assert_eq(tg_clear_risk_shares(c, 0, aapl), -50);
	cr_assert_eq(tg_clear_risk_shares(c, 1, aapl), 0);
	tg_clear_free(c);
}

/* A partial close of a basis that does not divide evenly rounds once. */
Test(post_clear, partial_close_rounding)
{
	struct tg_clear *c = new_clear(NULL);
	struct tg_clear_position p;
	char s[8];

	tp_stock(s, "MSFT");
	struct tg_engine_fill a = mkfill(1, "MSFT", 0, 4, 1, 100000, 'R', 'A');
	struct tg_engine_fill b = mkfill(2, "MSFT", 0, 4, 2, 100001, 'R', 'A');
	struct tg_engine_fill d = mkfill(3, "MSFT", 4, 0, 1, 100000, 'R', 'A');
	cr_assert_eq(tg_clear_fill(c, &a, NULL), 0);
	cr_assert_eq(tg_clear_fill(c, &b, NULL), 0);
	cr_assert_eq(tg_clear_fill(c, &d, NULL), 0);
	cr_assert_eq(tg_clear_position_get(c, 0, s, &p), 0);
	/* basis 30.0002 / 3 = 10.000066.. -> 10.0001 out; realised -0.0001 */
	cr_assert_eq(p.realised, -1);
	cr_assert_eq(p.cost, 200001);
	cr_assert_eq(p.shares, 2);
	/* the identity holds exactly anyway (mark = last fill, $10) */
	cr_assert_eq(p.realised + p.unrealised, (-100000 - 200002 + 100000) + 2 * 100000);
	tg_clear_free(c);
}

/* ---- refusals change nothing ---- */

Test(post_clear, refusals_are_counted_and_change_nothing)
{
	struct tg_clear_params small = { .max_stocks = 2, .max_positions = 3 };
	struct tg_clear *c = new_clear(&small);
	struct tg_clear_stats st;
	struct tg_engine_fill f = mkfill(1, "AAPL", 0, 1, 10, 10000, 'R', 'A');
	uint64_t d0, d1;

	cr_assert_eq(tg_clear_fill(c, &f, NULL), 0);	/* 2 positions */
	d0 = tg_clear_digest(c);
	f.match = 2;
	f.buy.user = 99;
	cr_assert_eq(tg_clear_fill(c, &f, NULL), -ENOENT);
	f.buy.user = 0;
	f.shares = 0;
	cr_assert_eq(tg_clear_fill(c, &f, NULL), -EINVAL);
	f.shares = 10;
	f.price = 0;
	cr_assert_eq(tg_clear_fill(c, &f, NULL), -EINVAL);
	f.price = 10000;
	memset(f.stock, ' ', 8);
	cr_assert_eq(tg_clear_fill(c, &f, NULL), -EINVAL);
	/* alice vs carol in AAPL needs one more position: fits (3) */
	struct tg_engine_fill g = mkfill(3, "AAPL", 0, 3, 5, 10000, 'R', 'A');
	cr_assert_eq(tg_clear_fill(c, &g, NULL), 0);
	d0 = tg_clear_digest(c);
	/* dave vs erin needs two more: refused whole */
	g = mkfill(4, "AAPL", 4, 5, 5, 10000, 'R', 'A');
	cr_assert_eq(tg_clear_fill(c, &g, NULL), -ENOSPC);
	/* a new stock for accounts already holding positions: refused too */
	g = mkfill(5, "MSFT", 0, 1, 5, 10000, 'R', 'A');
	cr_assert_eq(tg_clear_fill(c, &g, NULL), -ENOSPC);
	d1 = tg_clear_digest(c);
	cr_assert_eq(d0, d1, "a refused fill changed the state");
	/* marks fill the stock table: one more stock fits, then none */
	char s[8];
	tp_stock(s, "QQQ");
	cr_assert_eq(tg_clear_mark(c, s, 5000), 0);
	tp_stock(s, "ZVZZT");
	cr_assert_eq(tg_clear_mark(c, s, 5000), -ENOSPC);
	cr_assert_eq(tg_clear_mark(c, s, 0), -EINVAL);
	/* a refused position never appears */
	struct tg_clear_position p;
	cr_assert_eq(tg_clear_position_get(c, 4, f.stock, &p), -ENOENT);
	/* an existing pair still books */
	g = mkfill(6, "AAPL", 1, 0, 5, 10000, 'R', 'A');
	cr_assert_eq(tg_clear_fill(c, &g, NULL), 0);
	tg_clear_get_stats(c, &st);
	cr_assert_eq(st.fills, 3);
	cr_assert_eq(st.bad_user, 1);
	cr_assert_eq(st.bad_fill, 3);
	cr_assert_eq(st.full, 3);
	cr_assert_eq(st.positions, 3);
	tg_clear_free(c);
}

/* ---- invariants on random streams ---- */

/* What the test tracks itself for one (account, stock). */
struct ref {
	int64_t shares;
	int64_t bought, sold, buy_notional, sell_notional;
	int64_t cash;			/* sum of the nets the clearing reported */
	int64_t fees;
	long double avg;		/* average cost per share, floating */
	long double realised;
	unsigned partial_closes;
};

static void
ref_side(struct ref *r, int sign, uint32_t q, uint32_t price, const struct tg_clear_side *s)
{
	int64_t n = (int64_t)q * price;

	if (r->shares == 0 || (r->shares > 0) == (sign > 0)) {
		long double held = (long double)llabs(r->shares);
		r->avg = (r->avg * held + (long double)n) / (held + q);
	} else {
		int64_t held = llabs(r->shares);
		int64_t closed = q < held ? q : held;
		r->realised += sign > 0 ? closed * (r->avg - price) : closed * (price - r->avg);
		if (closed < held)
			r->partial_closes++;
		if ((int64_t)q > held)
			r->avg = price;
	}
	r->realised -= s->fees.total;
	r->shares += sign * (int64_t)q;
	if (!r->shares)
		r->avg = 0;
	if (sign > 0) {
		r->bought += q;
		r->buy_notional += n;
	} else {
		r->sold += q;
		r->sell_notional += n;
	}
	r->cash += s->net;
	r->fees += s->fees.total;
}

static void
random_stream(uint64_t seed, unsigned n)
{
	struct tg_clear *c = new_clear(NULL);
	struct rte_cfgfile *cfg = cfg_from(
		"[fees]\n"
		"maker_per_share = -0.0021\ntaker_per_share = 0.00295\ntaker_bps = 0.07\n"
		"commission_per_share = 0.00035\ncommission_min = 0.35\n"
		"sell_tax_bps = 0.278\nsell_tax_per_share = 0.000166\ntransfer_per_fill = 0.0133\n"
		"[fees.GAMMA]\ncommission_bps = 1.25\nbuy_tax_bps = 50\n");
	static struct ref ref[TP_ACCOUNTS][TP_STOCKS];
	uint32_t mark[TP_STOCKS] = { 0 }, feed[TP_STOCKS] = { 0 }, last[TP_STOCKS] = { 0 };
	struct tg_engine_fill *fs = tp_fills(seed, n);
	struct tg_clear_result r;
	int64_t fees_reported = 0;
	uint64_t s = seed ^ 0x5eed;
	char err[160];

	memset(ref, 0, sizeof(ref));
	cr_assert_eq(tg_clear_configure(c, cfg, err, sizeof(err)), 0, "%s", err);
	rte_cfgfile_close(cfg);
	for (unsigned u = 0; u < TP_USERS; u++)
		cr_assert_eq(tg_clear_user_account(c, u), (int)tp_user_acct[u]);

	for (unsigned i = 0; i < n; i++) {
		const struct tg_engine_fill *f = &fs[i];
		unsigned st;

		for (st = 0; st < TP_STOCKS; st++) {
			char k[8];
			tp_stock(k, tp_stocks[st]);
			if (!memcmp(k, f->stock, 8))
				break;
		}
		cr_assert_eq(tg_clear_fill(c, f, &r), 0, "fill %u refused", i);
		cr_assert_eq(r.buy.account, tp_user_acct[f->buy.user]);
		cr_assert_eq(r.sell.account, tp_user_acct[f->sell.user]);
		cr_assert_eq(r.buy.net, -r.buy.gross - r.buy.fees.total);
		cr_assert_eq(r.sell.net, r.sell.gross - r.sell.fees.total);
		cr_assert_eq(r.buy.gross, (int64_t)f->shares * f->price);
		ref_side(&ref[r.buy.account][st], +1, f->shares, f->price, &r.buy);
		ref_side(&ref[r.sell.account][st], -1, f->shares, f->price, &r.sell);
		fees_reported += r.buy.fees.total + r.sell.fees.total;
		last[st] = f->price;
		if (tp_rand(&s) % 40 == 0) {
			feed[st] = f->price + (uint32_t)(tp_rand(&s) % 2001) - 1000;
			cr_assert_eq(tg_clear_mark(c, f->stock, feed[st]), 0);
		}
	}
	/* the mark: the feed's last trade once there is one, else the last fill */
	for (unsigned st = 0; st < TP_STOCKS; st++)
		mark[st] = feed[st] ? feed[st] : last[st];

	int64_t cash = 0, fees = 0;
	for (unsigned a = 0; a < TP_ACCOUNTS; a++) {
		struct tg_clear_balance b;
		int64_t mtm = 0, short_cost = 0;

		cr_assert_eq(tg_clear_account_get(c, a, &b), 0);
		for (unsigned st = 0; st < TP_STOCKS; st++) {
			const struct ref *x = &ref[a][st];
			struct tg_clear_position p;
			char k[8];

			tp_stock(k, tp_stocks[st]);
			if (tg_clear_position_get(c, a, k, &p)) {
				cr_assert_eq(x->bought + x->sold, 0, "position lost");
				continue;
			}
			/* positions are the sum of fills */
			cr_assert_eq(p.shares, x->shares, "acct %u %s", a, tp_stocks[st]);
			cr_assert_eq(p.bought, x->bought);
			cr_assert_eq(p.sold, x->sold);
			cr_assert_eq(p.buy_notional, x->buy_notional);
			cr_assert_eq(p.sell_notional, x->sell_notional);
			cr_assert_eq(p.fees, x->fees);
			cr_assert_eq(p.mark, mark[st]);
			/* the P&L identity, exact, per position */
			cr_assert_eq(p.realised + p.unrealised, x->cash + p.shares * (int64_t)mark[st],
				     "acct %u %s", a, tp_stocks[st]);
			/* realised against the floating average-cost reference:
			 * at most half a unit per partial close apart */
			long double tol = 0.5L * x->partial_closes + 1e-3L;
			cr_assert(fabsl((long double)p.realised - x->realised) <= tol,
				  "acct %u %s: realised %lld, reference %.4Lf (tolerance %.1Lf)",
				  a, tp_stocks[st], (long long)p.realised, x->realised, tol);
			cr_assert_eq(tg_clear_risk_shares(c, a, k), p.shares);
			mtm += p.shares * (int64_t)mark[st];
			if (p.shares < 0)
				short_cost += p.cost;
		}
		/* the P&L identity per account */
		cr_assert_eq(b.realised + b.unrealised, b.cash + mtm, "account %u", a);
		cr_assert_eq(b.buying_power, b.cash + short_cost);
		cash += b.cash;
		fees += b.fees;
	}
	/* cash plus fees conserved */
	cr_assert_eq(cash + fees, 0);
	cr_assert_eq(fees, fees_reported);
	/* shares conserved per stock */
	for (unsigned st = 0; st < TP_STOCKS; st++) {
		int64_t sum = 0;
		for (unsigned a = 0; a < TP_ACCOUNTS; a++)
			sum += ref[a][st].shares;
		cr_assert_eq(sum, 0);
		char k[8];
		tp_stock(k, tp_stocks[st]);
		int64_t firms = 0;
		for (unsigned fi = 0; fi < tg_clear_firms(c); fi++) {
			struct tg_clear_position p;
			if (!tg_clear_firm_position(c, fi, k, &p))
				firms += p.shares;
		}
		cr_assert_eq(firms, 0);
	}
	/* firm totals are the sums of their accounts */
	for (unsigned fi = 0; fi < tg_clear_firms(c); fi++) {
		struct tg_clear_balance fb, b;
		int64_t v[4] = { 0 };
		cr_assert_eq(tg_clear_firm_get(c, fi, &fb), 0);
		for (unsigned a = 0; a < TP_ACCOUNTS; a++) {
			cr_assert_eq(tg_clear_account_get(c, a, &b), 0);
			if (strcmp(b.firm, fb.firm))
				continue;
			v[0] += b.cash;
			v[1] += b.fees;
			v[2] += b.realised;
			v[3] += b.unrealised;
		}
		cr_assert_eq(fb.cash, v[0]);
		cr_assert_eq(fb.fees, v[1]);
		cr_assert_eq(fb.realised, v[2]);
		cr_assert_eq(fb.unrealised, v[3]);
	}

	/* deterministic: the same stream into other table sizes, same digest */
	struct tg_clear_params big = { .max_stocks = 100000, .max_positions = 3000000 };
	struct tg_clear *c2 = new_clear(&big);
	cfg = cfg_from(
		"[fees]\n"
		"maker_per_share = -0.0021\ntaker_per_share = 0.00295\ntaker_bps = 0.07\n"
		"commission_per_share = 0.00035\ncommission_min = 0.35\n"
		"sell_tax_bps = 0.278\nsell_tax_per_share = 0.000166\ntransfer_per_fill = 0.0133\n"
		"[fees.GAMMA]\ncommission_bps = 1.25\nbuy_tax_bps = 50\n");
	cr_assert_eq(tg_clear_configure(c2, cfg, err, sizeof(err)), 0);
	rte_cfgfile_close(cfg);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(tg_clear_fill(c2, &fs[i], NULL), 0);
	cr_assert_eq(tg_clear_digest(c), tg_clear_digest(c2));
	struct tg_engine_fill extra = fs[0];
	extra.match = n + 1;
	cr_assert_eq(tg_clear_fill(c2, &extra, NULL), 0);
	cr_assert_neq(tg_clear_digest(c), tg_clear_digest(c2));

	struct tg_clear_stats st;
	tg_clear_get_stats(c, &st);
	cr_assert_eq(st.fills, n);
	cr_assert_gt(st.odd_liquidity, 0);
	tg_clear_free(c2);
	tg_clear_free(c);
	free(fs);
}

Test(post_clear, random_streams_keep_the_invariants)
{
	for (uint64_t seed = 1; seed <= 6; seed++)
		random_stream(seed, 20000);
}

/* Fills between accounts of one firm only: every invariant still holds
 * and the firm's positions are flat. */
Test(post_clear, same_account_both_sides)
{
	struct tg_clear *c = new_clear(NULL);
	struct tg_clear_fees f = { .taker_per_share = 3000, .maker_per_share = -2000 };
	struct tg_clear_position p;
	struct tg_clear_balance b;

	tg_clear_set_fees(c, NULL, &f);
	/* bob and bob2 are one account: a self-trade nets to zero shares */
	struct tg_engine_fill x = mkfill(1, "QQQ", 1, 2, 100, 200000, 'R', 'A');
	cr_assert_eq(tg_clear_fill(c, &x, NULL), 0);
	cr_assert_eq(tg_clear_position_get(c, 1, x.stock, &p), 0);
	cr_assert_eq(p.shares, 0);
	cr_assert_eq(p.bought, 100);
	cr_assert_eq(p.sold, 100);
	cr_assert_eq(p.fees, 3000 - 2000);
	cr_assert_eq(tg_clear_account_get(c, 1, &b), 0);
	cr_assert_eq(b.cash, -1000);
	cr_assert_eq(b.realised, -1000);
	cr_assert_eq(b.fills, 2);
	tg_clear_free(c);
}
