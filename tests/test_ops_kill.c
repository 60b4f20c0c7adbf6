/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kill switches and limits end to end: `tickgate kill`, `resume`, `risk
 * show` and `risk set` against a running control plane over a real order
 * engine, checked through what the engine then sends its users (the
 * reason codes of docs/order-path.md: a kill cancels resting orders with
 * reason S, new orders are rejected with a; a lowered max_order_shares
 * rejects with Z, a restricted stock with c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "test_ops_util.h"

static const char ini[] =
	"[gateway]\n"
	"stocks = AAPL MSFT IBM\n"
	"[user.alice]\n"
	"firm = ACME\n"
	"[user.bob]\n"
	"firm = ACME\n"
	"account = acme-mm\n"
	"[user.carol]\n"
	"firm = BETA\n"
	"[firm.ACME]\n"
	"max_order_shares = 1000\n";

static void
setup(void)
{
	tops_start(ini, "risk");
}

TestSuite(ops_kill, .init = setup, .fini = tops_stop, .timeout = 60);

/* p4 price of dollars and cents. */
#define P(d, c) ((uint32_t)(d) * 10000u + (uint32_t)(c) * 100u)

static void
order(const char *user, const char *token, char side, uint32_t shares, const char *stock,
      uint32_t price)
{
	tops_order(user, tord_enter(token, side, shares, stock, price, 99999));
}

/* The outputs since the last look must contain each of the lines. */
static void
expect_out(const char *const *lines, const char *const *absent)
{
	char *out = tops_take();

	for (; lines && *lines; lines++)
		cr_expect(strstr(out, *lines), "no '%s' in the outputs:\n%s", *lines, out);
	for (; absent && *absent; absent++)
		cr_expect(!strstr(out, *absent), "'%s' in the outputs:\n%s", *absent, out);
	free(out);
}

/* The JSON the last command printed. */
static json_t *
out_json(void)
{
	json_error_t e;
	json_t *j = json_loads(tops_stdout(), 0, &e);

	cr_assert_not_null(j, "not JSON (%s): %s", e.text, tops_stdout());
	return j;
}

/* The risk.show entry of a firm or account named name. */
static json_t *
show_entry(json_t *show, const char *list, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(show, list), i, v)
		if (!strcmp(json_string_value(json_object_get(v, "name")), name))
			return v;
	cr_assert_fail("no %s '%s' in risk show", list, name);
	return NULL;
}

Test(ops_kill, kill_firm_cancels_and_refuses_resume_accepts)
{
	json_t *j, *k;

	order("alice", "a1", 'B', 100, "AAPL", P(10, 0));
	order("bob", "b1", 'S', 100, "AAPL", P(10, 50));
	order("carol", "c1", 'B', 50, "AAPL", P(9, 90));
	expect_out((const char *const[]){ "alice A a1 B 100 AAPL 10.00", "bob A b1 S 100 AAPL 10.50",
					  "carol A c1 B 50 AAPL 9.90", NULL }, NULL);

	/* kill firm: a code is needed, the firm's two resting orders go (reason S) */
	cr_assert_eq(tops_tg("kill firm ACME --socket %s", T.sock), 1);
	cr_expect(strstr(tops_stderr(), "needs a TOTP code"), "%s", tops_stderr());
	cr_assert_eq(tops_tg("kill firm ACME --totp %s --socket %s", tops_totp(), T.sock), 0,
		     "%s", tops_stderr());
	cr_expect(strstr(tops_stdout(), "killed firm ACME: 2 resting orders canceled"), "%s",
		  tops_stdout());
	expect_out((const char *const[]){ "alice C a1 100 S", "bob C b1 100 S", NULL },
		   (const char *const[]){ "carol C", NULL });

	/* new orders of the firm are rejected (a), the other firm trades on */
	order("alice", "a2", 'B', 10, "AAPL", P(10, 0));
	order("bob", "b2", 'S', 10, "MSFT", P(20, 0));
	order("carol", "c2", 'B', 10, "AAPL", P(9, 80));
	expect_out((const char *const[]){ "alice J a2 a", "bob J b2 a", "carol A c2", NULL }, NULL);

	/* risk show, stats and the live book say so */
	cr_assert_eq(tops_tg("risk show firm ACME --format json --socket %s", T.sock), 0, "%s",
		     tops_stderr());
	j = out_json();
	cr_expect(json_is_true(json_object_get(show_entry(j, "firms", "ACME"), "killed")));
	cr_expect_eq(json_array_size(json_object_get(j, "accounts")), 0);
	json_decref(j);
	cr_assert_eq(tops_tg("stats --format json --socket %s", T.sock), 0, "%s", tops_stderr());
	j = out_json();
	k = json_object_get(json_object_get(j, "risk"), "killed");
	cr_expect(json_is_false(json_object_get(k, "all")));
	cr_expect_eq(json_array_size(json_object_get(k, "firms")), 1);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(k, "firms"), 0)), "ACME");
	cr_expect_eq(json_array_size(json_object_get(k, "accounts")), 0);
	json_decref(j);
	cr_assert_eq(tops_tg("book --live AAPL --socket %s", T.sock), 0, "%s", tops_stderr());
	cr_expect_str_eq(tops_stdout(), "{\"stock\":\"AAPL\",\"bids\":[[99000,50,1],[98000,10,1]],"
			 "\"asks\":[]}\n");

	/* resume: accepted again */
	cr_assert_eq(tops_tg("resume firm ACME --socket %s", T.sock), 0, "%s", tops_stderr());
	cr_expect(strstr(tops_stdout(), "resumed firm ACME"), "%s", tops_stdout());
	order("alice", "a3", 'B', 10, "AAPL", P(10, 0));
	expect_out((const char *const[]){ "alice A a3 B 10 AAPL 10.00", NULL }, NULL);

	/* an account alone: no code needed, the firm's other account trades on */
	cr_assert_eq(tops_tg("kill account alice --format json --socket %s", T.sock), 0, "%s",
		     tops_stderr());
	j = out_json();
	cr_expect_str_eq(json_string_value(json_object_get(j, "applied")), "kill");
	cr_expect_eq(json_integer_value(json_object_get(j, "canceled")), 1);
	cr_expect(json_integer_value(json_object_get(j, "audit")) > 0);
	json_decref(j);
	expect_out((const char *const[]){ "alice C a3 10 S", NULL }, NULL);
	order("alice", "a4", 'B', 10, "AAPL", P(10, 0));
	order("bob", "b3", 'S', 10, "MSFT", P(20, 0));
	expect_out((const char *const[]){ "alice J a4 a", "bob A b3", NULL }, NULL);
	cr_assert_eq(tops_tg("stats --format json --socket %s", T.sock), 0);
	j = out_json();
	k = json_object_get(json_object_get(j, "risk"), "killed");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(k, "accounts"), 0)),
			 "alice");
	json_decref(j);
	cr_assert_eq(tops_tg("resume account alice --socket %s", T.sock), 0);
	order("alice", "a5", 'B', 10, "AAPL", P(10, 0));
	expect_out((const char *const[]){ "alice A a5", NULL }, NULL);

	/* kill all is an admin's, with a code */
	cr_assert_eq(tops_tg("kill all --totp %s --socket %s", tops_totp(), T.sock), 1);
	cr_expect(strstr(tops_stderr(), "role risk may not kill all: it needs admin"), "%s",
		  tops_stderr());
	tops_role("admin");
	cr_assert_eq(tops_tg("kill all --totp 000000 --socket %s", T.sock), 1);
	cr_expect(strstr(tops_stderr(), "wrong TOTP code"), "%s", tops_stderr());
	cr_assert_eq(tops_tg("kill all --totp %s --socket %s", tops_totp(), T.sock), 0, "%s",
		     tops_stderr());
	/* resting now: carol c1, c2; alice a5; bob b3 */
	cr_expect(strstr(tops_stdout(), "killed all: 4 resting orders canceled"), "%s",
		  tops_stdout());
	expect_out((const char *const[]){ "carol C c1 50 S", "carol C c2 10 S", "alice C a5 10 S",
					  "bob C b3 10 S", NULL }, NULL);
	order("carol", "c3", 'B', 10, "AAPL", P(9, 0));
	expect_out((const char *const[]){ "carol J c3 a", NULL }, NULL);
	cr_assert_eq(tops_tg("book --live AAPL --format json --socket %s", T.sock), 0);
	cr_expect_str_eq(tops_stdout(), "{\"stock\":\"AAPL\",\"bids\":[],\"asks\":[]}\n");
	cr_assert_eq(tops_tg("resume all --socket %s", T.sock), 0, "%s", tops_stderr());
	order("carol", "c4", 'B', 10, "AAPL", P(9, 0));
	expect_out((const char *const[]){ "carol A c4", NULL }, NULL);
}

Test(ops_kill, risk_show_and_set)
{
	json_t *j, *e, *lim;

	cr_assert_eq(tops_tg("risk show --format json --socket %s", T.sock), 0, "%s",
		     tops_stderr());
	j = out_json();
	cr_expect(json_is_false(json_object_get(j, "killed_all")));
	cr_expect_eq(json_array_size(json_object_get(j, "firms")), 2);
	cr_expect_eq(json_array_size(json_object_get(j, "accounts")), 3);
	lim = json_object_get(show_entry(j, "firms", "ACME"), "limits");
	cr_expect_eq(json_integer_value(json_object_get(lim, "max_order_shares")), 1000);
	cr_expect(json_is_null(json_object_get(lim, "max_position")));
	cr_expect_str_eq(json_string_value(json_object_get(lim, "stp")), "off");
	lim = json_object_get(show_entry(j, "firms", "BETA"), "limits");
	cr_expect(json_is_null(json_object_get(lim, "max_order_shares")));
	e = show_entry(j, "accounts", "acme-mm");
	cr_expect_str_eq(json_string_value(json_object_get(e, "firm")), "ACME");
	json_decref(j);

	/* lowering needs no code */
	cr_assert_eq(tops_tg("risk set firm ACME max_order_shares 50 --socket %s", T.sock), 0,
		     "%s", tops_stderr());
	cr_expect(strstr(tops_stdout(), "firm ACME: max_order_shares set to 50"), "%s",
		  tops_stdout());
	order("alice", "s1", 'B', 100, "AAPL", P(10, 0));
	order("alice", "s2", 'B', 50, "AAPL", P(10, 0));
	expect_out((const char *const[]){ "alice J s1 Z", "alice A s2 B 50", NULL }, NULL);

	/* raising does */
	cr_assert_eq(tops_tg("risk set firm ACME max_order_shares 500 --socket %s", T.sock), 1);
	cr_expect(strstr(tops_stderr(), "needs a TOTP code"), "%s", tops_stderr());
	cr_assert_eq(tops_tg("risk set firm ACME max_order_shares 500 --totp %s --socket %s",
			     tops_totp(), T.sock), 0, "%s", tops_stderr());
	order("alice", "s3", 'B', 100, "AAPL", P(10, 0));
	expect_out((const char *const[]){ "alice A s3 B 100", NULL }, NULL);
	/* so does removing a limit */
	cr_assert_eq(tops_tg("risk set firm ACME max_order_shares none --socket %s", T.sock), 1);
	cr_assert_eq(tops_tg("risk set firm ACME max_order_shares none --totp %s --socket %s",
			     tops_totp(), T.sock), 0, "%s", tops_stderr());
	/* stronger self-trade prevention is not a raise; a restriction is not either */
	cr_assert_eq(tops_tg("risk set account alice stp firm --socket %s", T.sock), 0, "%s",
		     tops_stderr());
	cr_assert_eq(tops_tg("risk set account alice restricted.IBM 1 --socket %s", T.sock), 0,
		     "%s", tops_stderr());
	order("alice", "s4", 'B', 10, "IBM", P(100, 0));
	order("bob", "s5", 'B', 10, "IBM", P(100, 0));
	expect_out((const char *const[]){ "alice J s4 c", "bob A s5", NULL }, NULL);
	cr_assert_eq(tops_tg("risk show account alice --format json --socket %s", T.sock), 0);
	j = out_json();
	cr_expect_eq(json_array_size(json_object_get(j, "firms")), 0);
	e = show_entry(j, "accounts", "alice");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(e, "limits"), "stp")),
			 "firm");
	cr_expect_eq(json_array_size(json_object_get(e, "restricted")), 1);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(e, "restricted"), 0)),
			 "IBM");
	/* alice rests 50 + 100 shares of AAPL at 10.00: open buy 150, $1500 */
	cr_expect_eq(json_real_value(json_object_get(e, "open_notional")), 1500.0);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(
		json_object_get(e, "positions"), 0), "open_buy")), 150);
	json_decref(j);
	cr_assert_eq(tops_tg("risk show firm ACME --format json --socket %s", T.sock), 0);
	j = out_json();
	cr_expect(json_is_null(json_object_get(json_object_get(show_entry(j, "firms", "ACME"),
							       "limits"), "max_order_shares")));
	json_decref(j);
	/* lifting the restriction is a raise */
	cr_assert_eq(tops_tg("risk set account alice restricted.IBM 0 --socket %s", T.sock), 1);
	cr_assert_eq(tops_tg("risk set account alice restricted.IBM 0 --totp %s --socket %s",
			     tops_totp(), T.sock), 0, "%s", tops_stderr());
	order("alice", "s6", 'B', 10, "IBM", P(100, 0));
	expect_out((const char *const[]){ "alice A s6", NULL }, NULL);

	/* the nearest limits: ACME may have $20,000 out; alice rests $2,500, bob $1,000 */
	cr_assert_eq(tops_tg("risk set firm ACME max_daily_notional 20000 --socket %s", T.sock),
		     0, "%s", tops_stderr());
	cr_assert_eq(tops_tg("stats --format json --socket %s", T.sock), 0);
	j = out_json();
	e = json_array_get(json_object_get(json_object_get(j, "risk"), "near_limits"), 0);
	cr_assert_not_null(e, "%s", tops_stdout());
	cr_expect_str_eq(json_string_value(json_object_get(e, "scope")), "firm");
	cr_expect_str_eq(json_string_value(json_object_get(e, "name")), "ACME");
	cr_expect_str_eq(json_string_value(json_object_get(e, "key")), "max_daily_notional");
	cr_expect_eq(json_real_value(json_object_get(e, "used")), 3500.0);
	cr_expect_eq(json_real_value(json_object_get(e, "limit")), 20000.0);
	cr_expect_eq(json_real_value(json_object_get(e, "pct")), 17.5);
	json_decref(j);
	cr_assert_eq(tops_tg("stats --socket %s", T.sock), 0);
	cr_expect(strstr(tops_stdout(), "firm ACME max_daily_notional 17.5 % (3500 of 20000)"),
		  "%s", tops_stdout());
	cr_assert_eq(tops_tg("risk show --socket %s", T.sock), 0);
	cr_expect(strstr(tops_stdout(), "firm ACME\n  limits      max_order_shares none,"), "%s",
		  tops_stdout());
	cr_expect(strstr(tops_stdout(), "max_daily_notional 20000"), "%s", tops_stdout());

	/* bad requests: the appliance's reason, exit 1; bad usage, exit 2 */
	cr_assert_eq(tops_tg("risk set firm NOPE max_order_shares 5 --socket %s", T.sock), 1);
	cr_expect(strstr(tops_stderr(), "no firm 'NOPE'"), "%s", tops_stderr());
	cr_assert_eq(tops_tg("risk set firm ACME max_orders 5 --socket %s", T.sock), 1);
	cr_expect(strstr(tops_stderr(), "unknown risk key 'max_orders'"), "%s", tops_stderr());
	cr_assert_eq(tops_tg("risk set firm ACME max_order_shares abc --socket %s", T.sock), 2);
	cr_assert_eq(tops_tg("risk set firm ACME max_order_shares --socket %s", T.sock), 2);
	cr_assert_eq(tops_tg("risk show desk X --socket %s", T.sock), 2);
	cr_assert_eq(tops_tg("kill desk X --socket %s", T.sock), 2);
	cr_assert_eq(tops_tg("kill account --socket %s", T.sock), 2);
	cr_assert_eq(tops_tg("resume all --totp 123456 --socket %s", T.sock), 2);
	cr_assert_eq(tops_tg("kill account nobody --socket %s", T.sock), 1);
	cr_expect(strstr(tops_stderr(), "no account 'nobody'"), "%s", tops_stderr());
	for (const char *c = "kill\0resume\0risk\0"; *c; c += strlen(c) + 1) {
		cr_expect_eq(tops_tg("%s --help", c), 0);
		cr_expect(strstr(tops_stdout(), "usage: tickgate"), "%s", tops_stdout());
	}
}
