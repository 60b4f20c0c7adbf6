/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One market per alert kind that must raise it, and near misses that must
 * not: each expected figure is worked out here from the rule's definition
 * in docs/surveillance.md.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "test_surv_util.h"

/* u0 and u1: two accounts of one owner; u2, u3: others in other firms */
static const char *const sv_users[] = {
	"ACME/acme1/alice", "ACME/acme2/alice", "BETA/beta1/bob", "GAMA/gama1/carol",
};

static struct tg_surv_config
sv_cfg(void)
{
	struct tg_surv_config c;

	tg_surv_config_defaults(&c);
	return c;
}

static void
sv_open(struct sv_test *t, const struct tg_surv_config *c)
{
	sv_test_open(t, c, sv_users, 4);
}

static int
sv_has_token(const struct tg_surv_alert *a, const char *tok)
{
	char pad[TG_OUCH_TOKEN_LEN];
	size_t l = strlen(tok);

	memset(pad, ' ', sizeof(pad));
	memcpy(pad, tok, l);
	for (unsigned i = 0; i < a->ntokens; i++)
		if (!memcmp(a->tokens[i], pad, sizeof(pad)))
			return 1;
	return 0;
}

static double
sv_fig(const struct tg_surv_alert *a, const char *name)
{
	for (unsigned i = 0; i < a->nfigures; i++)
		if (!strcmp(a->figures[i].name, name))
			return a->figures[i].value;
	cr_assert_fail("figure %s missing", name);
	return 0;
}

static unsigned
sv_total(const struct sv_test *t)
{
	return t->nalerts;
}

Test(surv, wash_trade_same_owner_two_accounts)
{
	struct tg_surv_config c = sv_cfg();
	struct sv_test t;
	const struct tg_surv_alert *a;
	json_t *j;

	sv_open(&t, &c);
	sv_accept(&t, SV_HMS(10, 0, 0), 1, "S1", "AAPL", 'S', 300, 1500000);
	sv_trade(&t, SV_HMS(10, 0, 1), "AAPL", 1500000, 300, 0, "B1", 1, "S1", 'B');
	cr_assert_eq(sv_count(&t, TG_SURV_WASH_TRADE), 1);
	a = sv_first(&t, TG_SURV_WASH_TRADE);
	cr_assert_eq(a->user, 0, "the aggressor is named");
	cr_assert(sv_has_token(a, "B1") && sv_has_token(a, "S1"));
	cr_assert_eq(a->nmatches, 1);
	cr_assert_eq(a->matches[0], 1);
	cr_assert_eq(sv_fig(a, "shares"), 300);

	/* design.md's keys, in order, with the alpha fields trimmed */
	j = tg_surv_alert_json(t.s, a);
	cr_assert_not_null(j);
	{
		const char *keys[] = { "kind", "time", "firm", "account", "stock",
				       "order_tokens", "match_numbers", "figures" };
		void *it = json_object_iter(j);

		for (unsigned i = 0; i < 8; i++, it = json_object_iter_next(j, it)) {
			cr_assert_not_null(it);
			cr_assert_str_eq(json_object_iter_key(it), keys[i]);
		}
	}
	cr_assert_str_eq(json_string_value(json_object_get(j, "kind")), "wash_trade");
	cr_assert_eq(json_integer_value(json_object_get(j, "time")), (json_int_t)SV_HMS(10, 0, 1));
	cr_assert_str_eq(json_string_value(json_object_get(j, "firm")), "ACME");
	cr_assert_str_eq(json_string_value(json_object_get(j, "account")), "acme1");
	cr_assert_str_eq(json_string_value(json_object_get(j, "stock")), "AAPL");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "order_tokens"), 0)), "B1");
	json_decref(j);

	/* near miss: the same trade between different owners */
	sv_accept(&t, SV_HMS(10, 1, 0), 2, "S2", "AAPL", 'S', 300, 1500000);
	sv_trade(&t, SV_HMS(10, 1, 1), "AAPL", 1500000, 300, 0, "B2", 2, "S2", 'B');
	cr_assert_eq(sv_count(&t, TG_SURV_WASH_TRADE), 1);
	cr_assert_eq(sv_total(&t), 1, "nothing else raised");
	sv_test_close(&t);
}

/* u0 rests a big sell, buys on the other side, cancels the sell at +ms */
static void
sv_spoof_market(struct sv_test *t, uint32_t bait, uint64_t cancel_after_ms, int bait_after)
{
	uint64_t t0 = SV_HMS(11, 0, 0);

	if (!bait_after)
		sv_accept(t, t0, 0, "BAIT", "MSFT", 'S', bait, 3001000);
	sv_accept(t, t0 + SV_SEC / 2, 2, "S9", "MSFT", 'S', 100, 3000000);
	sv_trade(t, t0 + SV_SEC, "MSFT", 3000000, 100, 0, "B9", 2, "S9", 'B');
	if (bait_after)
		sv_accept(t, t0 + SV_SEC + 1, 0, "BAIT", "MSFT", 'S', bait, 3001000);
	sv_cancel(t, t0 + SV_SEC + cancel_after_ms * 1000000, 0, "BAIT", bait, 'U');
}

Test(surv, spoofing_and_near_misses)
{
	struct tg_surv_config c = sv_cfg();
	struct sv_test t;
	const struct tg_surv_alert *a;

	sv_open(&t, &c);
	sv_spoof_market(&t, 10000, 500, 0);
	cr_assert_eq(sv_count(&t, TG_SURV_SPOOFING), 1);
	a = sv_first(&t, TG_SURV_SPOOFING);
	cr_assert_eq(a->user, 0);
	cr_assert(sv_has_token(a, "BAIT") && sv_has_token(a, "B9"));
	cr_assert_eq(sv_fig(a, "canceled_shares"), 10000);
	cr_assert_eq(sv_fig(a, "filled_shares"), 100);
	cr_assert_eq(sv_fig(a, "ms_after_fill"), 500);
	cr_assert_eq(sv_count(&t, TG_SURV_LAYERING), 0, "one level is not layering");
	sv_test_close(&t);

	/* cancelled after the window (2 s) */
	sv_open(&t, &c);
	sv_spoof_market(&t, 10000, 2500, 0);
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
	/* too small: 499 < 5 x 100 (with the minimum lowered to 100) */
	c.spoof_min_shares = 100;
	sv_open(&t, &c);
	sv_spoof_market(&t, 499, 500, 0);
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
	/* ... and 500 is enough at that minimum */
	sv_open(&t, &c);
	sv_spoof_market(&t, 500, 500, 0);
	cr_assert_eq(sv_count(&t, TG_SURV_SPOOFING), 1);
	sv_test_close(&t);
	/* entered after the fill: it cannot have lured it */
	sv_open(&t, &c);
	sv_spoof_market(&t, 10000, 500, 1);
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
}

/* u0 rests sells at the given prices, is filled on the buy side, cancels them all */
static void
sv_layer_market(struct sv_test *t, const uint32_t *prices, unsigned n, uint64_t gap_ms)
{
	uint64_t t0 = SV_HMS(12, 0, 0);
	char tok[16];

	for (unsigned i = 0; i < n; i++) {
		snprintf(tok, sizeof(tok), "L%u", i);
		sv_accept(t, t0 + i, 0, tok, "IBM", 'S', 400, prices[i]);
	}
	sv_accept(t, t0 + SV_SEC / 2, 3, "S7", "IBM", 'S', 200, 1400000);
	sv_trade(t, t0 + SV_SEC, "IBM", 1400000, 200, 0, "B7", 3, "S7", 'B');
	for (unsigned i = 0; i < n; i++) {
		snprintf(tok, sizeof(tok), "L%u", i);
		sv_cancel(t, t0 + SV_SEC + (i + 1) * gap_ms * 1000000, 0, tok, 400, 'U');
	}
}

Test(surv, layering_and_near_misses)
{
	struct tg_surv_config c = sv_cfg();
	const uint32_t three[] = { 1401000, 1402000, 1403000 };
	const uint32_t same[] = { 1401000, 1401000, 1401000, 1402000 };
	struct sv_test t;
	const struct tg_surv_alert *a;

	sv_open(&t, &c);
	sv_layer_market(&t, three, 3, 100);
	cr_assert_eq(sv_count(&t, TG_SURV_LAYERING), 1);
	a = sv_first(&t, TG_SURV_LAYERING);
	cr_assert(sv_has_token(a, "L0") && sv_has_token(a, "L1") && sv_has_token(a, "L2"));
	cr_assert_eq(sv_fig(a, "price_levels"), 3);
	cr_assert_eq(sv_count(&t, TG_SURV_SPOOFING), 0, "400 shares is below the spoofing minimum");
	cr_assert_eq(sv_total(&t), 1);
	sv_test_close(&t);

	/* four orders on two levels only */
	sv_open(&t, &c);
	sv_layer_market(&t, same, 4, 100);
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
	/* three levels, but the third cancel comes after the 2 s window */
	sv_open(&t, &c);
	sv_layer_market(&t, three, 3, 700);
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
}

/* n orders entered by u2, k of them cancelled by the user, the rest by IOC */
static void
sv_cancel_market(struct sv_test *t, unsigned n, unsigned k)
{
	char tok[16];

	for (unsigned i = 0; i < n; i++) {
		snprintf(tok, sizeof(tok), "C%u", i);
		sv_accept(t, SV_HMS(13, 0, 0) + i, 2, tok, "GE", 'B', 100, 900000 + i);
	}
	for (unsigned i = 0; i < n; i++) {
		snprintf(tok, sizeof(tok), "C%u", i);
		sv_cancel(t, SV_HMS(13, 1, 0) + i, 2, tok, 100, i < k ? 'U' : 'I');
	}
}

Test(surv, cancel_ratio_and_near_miss)
{
	struct tg_surv_config c = sv_cfg();
	struct sv_test t;
	const struct tg_surv_alert *a;

	/* defaults: judged from 50 orders, 95 %: 48 of 50 is 96 % */
	sv_open(&t, &c);
	sv_cancel_market(&t, 50, 48);
	cr_assert_eq(sv_count(&t, TG_SURV_CANCEL_RATIO), 1);
	a = sv_first(&t, TG_SURV_CANCEL_RATIO);
	cr_assert_eq(a->user, 2);
	cr_assert_eq(sv_fig(a, "canceled"), 48);
	cr_assert_eq(sv_fig(a, "orders"), 50);
	cr_assert_eq(a->ts, SV_HMS(13, 1, 0) + 47, "raised by the 48th cancel");
	cr_assert_eq(sv_total(&t), 1);
	sv_test_close(&t);

	/* 47 of 50 is 94 %; IOC remainders are not user cancels */
	sv_open(&t, &c);
	sv_cancel_market(&t, 50, 47);
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
	/* 100 % but only 49 orders */
	sv_open(&t, &c);
	sv_cancel_market(&t, 49, 49);
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
}

/* u3 trades `execs` times, then enters n orders */
static void
sv_otr_market(struct sv_test *t, unsigned execs, unsigned n)
{
	char tok[16];

	for (unsigned i = 0; i < execs; i++) {
		snprintf(tok, sizeof(tok), "E%u", i);
		sv_trade(t, SV_HMS(9, 31, 0) + i, "KO", 600000, 100, 3, tok, 2, "SX", 'B');
	}
	for (unsigned i = 0; i < n; i++) {
		snprintf(tok, sizeof(tok), "O%u", i);
		sv_accept(t, SV_HMS(9, 40, 0) + i, 3, tok, "KO", 'B', 100, 590000);
	}
}

Test(surv, order_to_trade_and_near_miss)
{
	struct tg_surv_config c = sv_cfg();
	struct sv_test t;
	const struct tg_surv_alert *a;

	/* defaults: 100 orders, ratio 50 against executions + 1 */
	sv_open(&t, &c);
	sv_otr_market(&t, 1, 100);
	cr_assert_eq(sv_count(&t, TG_SURV_ORDER_TO_TRADE), 1);
	a = sv_first(&t, TG_SURV_ORDER_TO_TRADE);
	cr_assert_eq(a->user, 3);
	cr_assert_eq(sv_fig(a, "orders"), 100);
	cr_assert_eq(sv_fig(a, "executions"), 1);
	cr_assert_eq(sv_total(&t), 1);
	sv_test_close(&t);

	sv_open(&t, &c);
	sv_otr_market(&t, 2, 100);	/* 100 < 50 x 3 */
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
}

/* a trade at 15:00 sets the reference; u0 buys aggressively at `when` up to `top` */
static void
sv_close_market(struct sv_test *t, uint64_t when, uint32_t top)
{
	sv_trade(t, SV_HMS(15, 0, 0), "XOM", 1000000, 100, 2, "R1", 3, "R2", 'B');
	for (unsigned i = 0; i < 3; i++) {
		char b[8], s[8];
		uint32_t p = 1000000 + (top - 1000000) * (i + 1) / 3;

		snprintf(b, sizeof(b), "M%u", i);
		snprintf(s, sizeof(s), "Q%u", i);
		sv_trade(t, when + i * SV_SEC, "XOM", p, 200, 0, b, 2, s, 'B');
	}
}

Test(surv, marking_close_and_near_misses)
{
	struct tg_surv_config c = sv_cfg();
	struct sv_test t;
	const struct tg_surv_alert *a;

	/* 10.00 -> 10.06 in the last 10 minutes: 60 bps >= 50, all of the volume */
	sv_open(&t, &c);
	sv_close_market(&t, SV_HMS(15, 55, 0), 1006000);
	cr_assert_eq(sv_count(&t, TG_SURV_MARKING_CLOSE), 1);
	a = sv_first(&t, TG_SURV_MARKING_CLOSE);
	cr_assert_eq(a->user, 0);
	cr_assert_eq(sv_fig(a, "move_bps"), 60, "raised by the third trade");
	cr_assert_eq(sv_fig(a, "account_share_pct"), 100);
	cr_assert_eq(sv_total(&t), 1);
	sv_test_close(&t);

	/* 40 bps only */
	sv_open(&t, &c);
	sv_close_market(&t, SV_HMS(15, 55, 0), 1004000);
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
	/* the same move 15 minutes before the close */
	sv_open(&t, &c);
	sv_close_market(&t, SV_HMS(15, 45, 0), 1006000);
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
}

/* u0 lifts `n` offers 1 s apart from 20.00 up by `step`, then sells `after_s` later */
static void
sv_momentum_market(struct sv_test *t, unsigned n, uint32_t step, uint64_t after_s)
{
	uint64_t t0 = SV_HMS(10, 30, 0);
	uint32_t p = 200000;	/* $20.00 */
	char b[8], s[8];

	sv_trade(t, t0 - 60 * SV_SEC, "F", p, 100, 2, "P0", 3, "P1", 'S');
	for (unsigned i = 0; i < n; i++) {
		p += step;
		snprintf(b, sizeof(b), "G%u", i);
		snprintf(s, sizeof(s), "H%u", i);
		sv_trade(t, t0 + i * SV_SEC, "F", p, 300, 0, b, 2, s, 'B');
	}
	sv_accept(t, t0 + (n - 1) * SV_SEC + 1, 0, "OUT", "F", 'S', 900, p);
	sv_trade(t, t0 + (n - 1 + after_s) * SV_SEC, "F", p, 900, 3, "K1", 0, "OUT", 'B');
}

Test(surv, momentum_ignition_and_near_misses)
{
	struct tg_surv_config c = sv_cfg();
	struct sv_test t;
	const struct tg_surv_alert *a;

	/* three lifts, 20.00 -> 20.30 (150 bps), sold 30 s later */
	sv_open(&t, &c);
	sv_momentum_market(&t, 3, 1000, 30);
	cr_assert_eq(sv_count(&t, TG_SURV_MOMENTUM_IGNITION), 1);
	a = sv_first(&t, TG_SURV_MOMENTUM_IGNITION);
	cr_assert_eq(a->user, 0);
	cr_assert_eq(sv_fig(a, "run_trades"), 3);
	cr_assert_eq(sv_fig(a, "move_bps"), 150);
	cr_assert(sv_has_token(a, "G0") && sv_has_token(a, "OUT"));
	cr_assert_eq(a->nmatches, 4);
	cr_assert_eq(sv_total(&t), 1);
	sv_test_close(&t);

	sv_open(&t, &c);
	sv_momentum_market(&t, 2, 1500, 30);	/* two lifts only */
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
	sv_open(&t, &c);
	sv_momentum_market(&t, 3, 500, 30);	/* 75 bps */
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
	sv_open(&t, &c);
	sv_momentum_market(&t, 3, 1000, 90);	/* sold after the 60 s reversal window */
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
}

Test(surv, large_trade_and_near_miss)
{
	struct tg_surv_config c = sv_cfg();
	struct sv_test t;
	const struct tg_surv_alert *a;

	c.conc_min_volume = UINT64_MAX;	/* this market is all two firms */
	sv_open(&t, &c);
	sv_trade(&t, SV_HMS(14, 0, 0), "T", 100000, 99999, 2, "A1", 3, "A2", 'S');	/* $99,999 */
	cr_assert_eq(sv_total(&t), 0);
	sv_trade(&t, SV_HMS(14, 0, 1), "T", 100000, 100000, 2, "A3", 3, "A4", 'S');
	cr_assert_eq(sv_count(&t, TG_SURV_LARGE_TRADE), 1);
	a = sv_first(&t, TG_SURV_LARGE_TRADE);
	cr_assert_eq(a->user, 3, "the seller removed liquidity");
	cr_assert_eq(sv_fig(a, "shares"), 100000);
	/* 50,000 shares at $100.00 is $5,000,000: the notional threshold */
	sv_trade(&t, SV_HMS(14, 0, 2), "T", 1000000, 50000, 2, "A5", 3, "A6", 'B');
	cr_assert_eq(sv_count(&t, TG_SURV_LARGE_TRADE), 2);
	cr_assert_eq(t.alerts[1].user, 2);
	cr_assert_eq(sv_fig(&t.alerts[1], "notional"), 5000000);
	sv_trade(&t, SV_HMS(14, 0, 3), "T", 999999, 50000, 2, "A7", 3, "A8", 'B');
	cr_assert_eq(sv_count(&t, TG_SURV_LARGE_TRADE), 2, "$4,999,995 is not large");
	sv_test_close(&t);
}

Test(surv, concentration_and_near_miss)
{
	struct tg_surv_config c = sv_cfg();
	struct sv_test t;
	const struct tg_surv_alert *a;

	c.conc_min_volume = 1000;
	sv_open(&t, &c);
	/* BETA sells 600 to ACME (600 traded: below the 1,000 minimum) */
	sv_trade(&t, SV_HMS(10, 0, 0), "PFE", 300000, 600, 0, "X1", 2, "Y1", 'B');
	cr_assert_eq(sv_total(&t), 0);
	/* BETA sells 400 to GAMA: BETA took 1,000 of 2,000 sides = 50 % >= 40 % */
	sv_trade(&t, SV_HMS(10, 0, 1), "PFE", 300000, 400, 3, "X2", 2, "Y2", 'B');
	cr_assert_eq(sv_count(&t, TG_SURV_CONCENTRATION), 1);
	a = sv_first(&t, TG_SURV_CONCENTRATION);
	cr_assert_eq(a->user, 2);
	cr_assert_eq(sv_fig(a, "share_pct"), 50);
	cr_assert_eq(sv_fig(a, "stock_shares"), 1000);
	cr_assert_eq(sv_total(&t), 1, "GAMA's 20 % and ACME's 30 % stay quiet");
	sv_test_close(&t);

	c.conc_pct = 51;
	sv_open(&t, &c);
	sv_trade(&t, SV_HMS(10, 0, 0), "PFE", 300000, 600, 0, "X1", 2, "Y1", 'B');
	sv_trade(&t, SV_HMS(10, 0, 1), "PFE", 300000, 400, 3, "X2", 2, "Y2", 'B');
	cr_assert_eq(sv_total(&t), 0);
	sv_test_close(&t);
}

Test(surv, config_keys)
{
	struct tg_surv_config c;
	char err[160] = "";

	memset(&c, 0xA5, sizeof(c));
	cr_assert_eq(tg_surv_config_load(NULL, &c, err, sizeof(err)), 0);
	cr_assert_eq(c.close_ns, SV_HMS(16, 0, 0), "no file: the defaults");
	cr_assert_eq(c.spoof_window_ns, 2 * SV_SEC);
	cr_assert_eq(c.cancel_ratio_pct, 95);
	cr_assert_eq(c.large_shares, 100000);
}
