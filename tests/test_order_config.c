/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building the engine from the configuration (docs/order-path.md,
 * section 5): users and their indexes, accounts and firms, every error a
 * section can have, and the fields of the messages and fill records the
 * scenario scripts do not print (every echoed field of Accepted and
 * Replaced, timestamps, fills).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test_order_util.h"

static void
expect_error(const char *ini, const char *needle)
{
	struct tg_engine *e;
	char err[256];
	int rc = tord_engine_try(ini, &e, err, sizeof(err));

	cr_assert_eq(rc, -EINVAL, "expected -EINVAL for:\n%s\ngot %d (%s)", ini, rc, err);
	cr_assert_null(e);
	cr_assert(strstr(err, needle), "error '%s' should mention '%s'", err, needle);
}

Test(config, users_accounts_firms)
{
	struct tg_engine *e = tord_engine(tord_base_ini);

	cr_assert_eq(tg_engine_users(e), 4);
	cr_assert_eq(tg_engine_user_find(e, "alice"), 0);
	cr_assert_eq(tg_engine_user_find(e, "bob"), 1);
	cr_assert_eq(tg_engine_user_find(e, "carol"), 2);
	cr_assert_eq(tg_engine_user_find(e, "dave"), 3);
	cr_assert_eq(tg_engine_user_find(e, "eve"), -ENOENT);
	cr_assert_eq(tg_engine_user_find(e, "alic"), -ENOENT);
	cr_assert_str_eq(tg_engine_user_name(e, 2), "carol");
	cr_assert_str_eq(tg_engine_user_firm(e, 0), "ACME");
	cr_assert_str_eq(tg_engine_user_firm(e, 1), "BETA");
	cr_assert_str_eq(tg_engine_user_account(e, 0), "alice");
	cr_assert_str_eq(tg_engine_user_account(e, 2), "acme2");
	cr_assert_str_eq(tg_engine_user_account(e, 3), "alice");
	cr_assert_null(tg_engine_user_name(e, 4));
	cr_assert_null(tg_engine_user_firm(e, 4));
	cr_assert_null(tg_engine_user_account(e, 99));
	tg_engine_free(e);
}

Test(config, keys_others_own_are_left_alone)
{
	/* passwords and keys of the gateway live in the same sections */
	struct tg_engine *e = tord_engine(
		"[gateway]\nlisten = 127.0.0.1:15000\njournal = /tmp/x\nstocks = AAPL\n"
		"[user.alice]\npassword = $6$abc\nfirm = ACME\nowner = fund1\n"
		"[firm.ACME]\nseal_key_slot = 3\nmax_order_shares = 10\n"
		"[control]\nsocket = /tmp/s\n");

	tg_engine_free(e);
}

Test(config, prefaulted_engine)
{
	/* every page touched at start; it must work the same */
	tord_run("[user.alice]\nfirm = ACME\n[engine]\nprefault = yes\nmax_orders = 1000\n"
		 "max_tokens = 1000\nmax_stocks = 16\n",
		 "> alice O a1 B 10 AAPL 1.00\n"
		 "< alice A a1 B 10 AAPL 1.00 ref=1 L\n"
		 "> alice O a2 S 4 AAPL 1.00\n"
		 "< alice A a2 S 4 AAPL 1.00 ref=2 L\n"
		 "< alice E a1 4 1.00 A m=1\n"
		 "< alice E a2 4 1.00 R m=1\n"
		 "< F m=1 AAPL 4 1.00 B=alice/a1/1/A S=alice/a2/2/R\n");
}

Test(config, stock_lists)
{
	struct tg_engine *e = tord_engine(
		"[gateway]\nstocks = AAPL, MSFT\tIBM\nstocks = BRK.A ZVZZT\n"
		"[user.alice]\nfirm = ACME\n");
	struct tg_engine_level lv[1];

	/* every listed symbol is known (empty books), others are not */
	cr_assert_eq(tg_engine_levels(e, "AAPL", 'B', lv, 1), 0);
	cr_assert_eq(tg_engine_levels(e, "IBM", 'S', lv, 1), 0);
	cr_assert_eq(tg_engine_levels(e, "BRK.A", 'S', lv, 1), 0);
	cr_assert_eq(tg_engine_levels(e, "ZVZZT", 'S', lv, 1), 0);
	cr_assert_eq(tg_engine_levels(e, "GOOG", 'S', lv, 1), -ENOENT);
	cr_assert_eq(tg_engine_levels(e, "AAPL", 'X', lv, 1), -EINVAL);
	cr_assert_eq(tg_engine_levels(e, "TOOLONGSYM", 'B', lv, 1), -ENOENT);
	/* asking for no level at all says whether the stock is traded */
	cr_assert_eq(tg_engine_levels(e, "MSFT", 'B', NULL, 0), 0);
	cr_assert_eq(tg_engine_levels(e, "GOOG", 'B', NULL, 0), -ENOENT);
	tg_engine_free(e);
}

Test(config, errors_name_section_and_key)
{
	expect_error("[user.alice]\naccount = a1\n", "[user.alice] firm: missing");
	expect_error("[user.alice]\nfirm = acme\n", "[user.alice] firm 'acme'");
	expect_error("[user.alice]\nfirm = ACMEX\n", "firm 'ACMEX'");
	expect_error("[user.toolong]\nfirm = ACME\n", "[user.toolong]");
	expect_error("[user.alice]\nfirm = ACME\naccount = has space\n", "account 'has space'");
	expect_error("[user.alice]\nfirm = ACME\n[user.bob]\nfirm = BETA\naccount = alice\n",
		     "account 'alice' is already in firm ACME");
	expect_error("[user.alice]\nfirm = ACME\n[account.zed]\nmax_position = 5\n",
		     "[account.zed]: no user trades for this account");
	expect_error("[user.alice]\nfirm = ACME\n[account.alice]\nmax_positon = 5\n",
		     "[account.alice] max_positon: unknown key");
	expect_error("[user.alice]\nfirm = ACME\n[risk]\nmax_order_shares = abc\n",
		     "[risk] max_order_shares: bad value 'abc'");
	expect_error("[user.alice]\nfirm = ACME\n[risk]\nmax_order_shares = 10x\n",
		     "[risk] max_order_shares: bad value");
	expect_error("[user.alice]\nfirm = ACME\n[risk]\nmax_order_shares = -5\n",
		     "[risk] max_order_shares: value -5 out of range");
	expect_error("[user.alice]\nfirm = ACME\n[firm.ACME]\nstp = sometimes\n",
		     "[firm.ACME] stp: bad value 'sometimes'");
	expect_error("[user.alice]\nfirm = ACME\n[firm.ACME]\nstp = 3\n",
		     "[firm.ACME] stp: value 3 out of range");
	expect_error("[user.alice]\nfirm = ACME\n[firm.acme]\n", "[firm.acme] firm 'acme'");
	expect_error("[user.alice]\nfirm = ACME\n[risk]\nbogus = 1\n", "[risk] bogus: unknown key");
	expect_error("[gateway]\nstocks = AAPL bad!sym\n[user.alice]\nfirm = ACME\n",
		     "[gateway] stocks: 'bad!sym' is not a stock symbol");
	expect_error("[gateway]\nstocks = TOOLONGSYM\n[user.alice]\nfirm = ACME\n",
		     "'TOOLONGSYM' is not a stock symbol");
	expect_error("[gateway]\nstocks = , ,\n[user.alice]\nfirm = ACME\n",
		     "[gateway] stocks: no symbols");
	expect_error("[gateway]\nstocks = AAPL\n[user.alice]\nfirm = ACME\n[risk]\nrestricted = MSFT\n",
		     "[risk] restricted: 'MSFT' is not in [gateway] stocks");
	expect_error("[user.alice]\nfirm = ACME\n[engine]\nmax_orders = 0\n",
		     "[engine] max_orders: bad value");
	expect_error("[user.alice]\nfirm = ACME\n[engine]\nmax_stocks = 70000\n",
		     "[engine] max_stocks: bad value");
	expect_error("[user.alice]\nfirm = ACME\n[engine]\ncancel_on_halt = maybe\n",
		     "[engine] cancel_on_halt");
	expect_error("[user.alice]\nfirm = ACME\n[engine]\nthreads = 4\n",
		     "[engine] threads: unknown key");
	expect_error("[user.alice]\nfirm = ACME\n[engine]\nprefault = later\n",
		     "[engine] prefault");
	expect_error("[gateway]\nstocks = A B C\n[user.alice]\nfirm = ACME\n[engine]\nmax_stocks = 2\n",
		     "more than max_stocks");
}

Test(config, long_values_are_refused_not_cut)
{
	char ini[1024];
	int n;

	/* 60 symbols of 4 letters: 299 characters, more than one value holds */
	n = snprintf(ini, sizeof(ini), "[gateway]\nstocks =");
	for (int i = 0; i < 60; i++)
		n += snprintf(ini + n, sizeof(ini) - (size_t)n, " S%03d", i);
	snprintf(ini + n, sizeof(ini) - (size_t)n, "\n[user.alice]\nfirm = ACME\n");
	/* rte_cfgfile itself may refuse the line; either way no engine */
	{
		struct tg_engine *e;
		char err[256];
		int rc = tord_engine_try(ini, &e, err, sizeof(err));

		cr_assert(rc < 0, "a cut list must not be taken");
		cr_assert_null(e);
		cr_log_info("60 symbols on one line: %d, %s", rc, err);
	}
}

Test(config, null_configuration)
{
	struct tg_engine *e = (struct tg_engine *)1;
	char err[64];

	cr_assert_eq(tg_engine_new(NULL, &e, err, sizeof(err)), -EINVAL);
	cr_assert_null(e);
	cr_assert(strlen(err) > 0);
}

Test(config, defaults_and_overrides)
{
	/* [risk] for all, the firm and the account override it */
	tord_run("[user.alice]\nfirm = ACME\n[user.bob]\nfirm = BETA\n[user.carol]\nfirm = BETA\n"
		 "[risk]\nmax_order_shares = 100\n[firm.BETA]\nmax_order_shares = 200\n"
		 "[account.carol]\nmax_order_shares = 300\n",
		 "> alice O a1 B 101 AAA 1.00\n"
		 "< alice J a1 Z\n"
		 "> bob O b1 B 201 AAA 1.00\n"
		 "< bob J b1 Z\n"
		 "# the account's own 100 from [risk] is tighter than the firm's 200\n"
		 "> bob O b1 B 101 AAA 1.00\n"
		 "< bob J b1 Z\n"
		 "> bob O b1 B 100 AAA 1.00\n"
		 "< bob A b1 B 100 AAA 1.00 ref=1 L\n"
		 "> carol O c1 B 201 AAA 1.00\n"
		 "< carol J c1 Z\n"
		 "> carol O c1 B 200 AAA 1.00\n"
		 "< carol A c1 B 200 AAA 1.00 ref=2 L\n");
}

/* ---- fields the scripts do not print ---- */

struct grab {
	struct tg_ouch_out out[16];
	unsigned user[16];
	int n;
	struct tg_engine_fill fill[4];
	int nfill;
};

static void
grab_out(void *ctx, unsigned user, const struct tg_ouch_out *m)
{
	struct grab *g = ctx;

	cr_assert_lt(g->n, 16);
	g->user[g->n] = user;
	g->out[g->n++] = *m;
}

static void
grab_fill(void *ctx, const struct tg_engine_fill *f)
{
	struct grab *g = ctx;

	cr_assert_lt(g->nfill, 4);
	g->fill[g->nfill++] = *f;
}

Test(fields, accepted_replaced_executed_fill)
{
	struct tg_engine *e = tord_engine(tord_base_ini);
	struct grab g;
	struct tg_engine_sink sink = { .out = grab_out, .fill = grab_fill, .ctx = &g };
	struct tg_ouch_in m = tord_enter("ORD-1", 'S', 300, "MSFT", 1234500, 77);
	const struct tg_ouch_order_fields *f;

	m.enter.display = 'A';
	m.enter.capacity = 'P';
	m.enter.ise = 'Y';
	m.enter.min_qty = 0;
	m.enter.customer_type = 'R';
	memcpy(m.enter.firm, "ACME", 4);
	memset(&g, 0, sizeof(g));
	tg_engine_order(e, 1000, 0, &m, &sink);
	cr_assert_eq(g.n, 1);
	cr_assert_eq(g.user[0], 0);
	f = &g.out[0].order;
	cr_assert_eq(g.out[0].type, 'A');
	cr_assert_eq(g.out[0].ts, 1000);
	cr_assert_arr_eq(f->token, "ORD-1         ", 14);
	cr_assert_eq(f->side, 'S');
	cr_assert_eq(f->shares, 300);
	cr_assert_arr_eq(f->stock, "MSFT    ", 8);
	cr_assert_eq(f->price, 1234500);
	cr_assert_eq(f->tif, 77);
	cr_assert_arr_eq(f->firm, "ACME", 4);
	cr_assert_eq(f->display, 'A');
	cr_assert_eq(f->order_ref, 1);
	cr_assert_eq(f->capacity, 'P');
	cr_assert_eq(f->ise, 'Y');
	cr_assert_eq(f->min_qty, 0);
	cr_assert_eq(f->cross_type, 'N');
	cr_assert_eq(f->order_state, 'L');
	cr_assert_eq(f->bbo_weight, ' ');

	/* a replace keeping priority: its own fields, the order's others */
	m = tord_replace("ORD-1", "ORD-2", 250, 1234500, 99998);
	m.replace.display = 'N';
	m.replace.ise = 'N';
	m.replace.min_qty = 5;
	memset(&g, 0, sizeof(g));
	tg_engine_order(e, 2000, 0, &m, &sink);
	cr_assert_eq(g.n, 1);
	f = &g.out[0].order;
	cr_assert_eq(g.out[0].type, 'U');
	cr_assert_eq(g.out[0].ts, 2000);
	cr_assert_arr_eq(f->token, "ORD-2         ", 14);
	cr_assert_arr_eq(f->previous_token, "ORD-1         ", 14);
	cr_assert_eq(f->side, 'S');
	cr_assert_eq(f->shares, 250);
	cr_assert_arr_eq(f->stock, "MSFT    ", 8);
	cr_assert_eq(f->price, 1234500);
	cr_assert_eq(f->tif, 99998);
	cr_assert_arr_eq(f->firm, "ACME", 4);
	cr_assert_eq(f->display, 'N');
	cr_assert_eq(f->order_ref, 1);
	cr_assert_eq(f->capacity, 'P');
	cr_assert_eq(f->ise, 'N');
	cr_assert_eq(f->min_qty, 5);
	cr_assert_eq(f->cross_type, 'N');
	cr_assert_eq(f->order_state, 'L');

	/* a buy from bob (firm left blank) takes 100 */
	m = tord_enter("B-1", 'B', 100, "MSFT", 1240000, 0);
	memset(&g, 0, sizeof(g));
	tg_engine_order(e, 3000, 1, &m, &sink);
	cr_assert_eq(g.n, 3);
	cr_assert_eq(g.out[0].type, 'A');
	cr_assert_arr_eq(g.out[0].order.firm, "BETA", 4);
	cr_assert_eq(g.out[0].order.order_ref, 2);
	cr_assert_eq(g.out[0].order.tif, 0);
	cr_assert_eq(g.out[1].type, 'E');
	cr_assert_eq(g.user[1], 0);
	cr_assert_eq(g.out[1].ts, 3000);
	cr_assert_arr_eq(g.out[1].executed.token, "ORD-2         ", 14);
	cr_assert_eq(g.out[1].executed.shares, 100);
	cr_assert_eq(g.out[1].executed.price, 1234500);
	cr_assert_eq(g.out[1].executed.liquidity, 'A');
	cr_assert_eq(g.out[1].executed.match, 1);
	cr_assert_eq(g.out[2].type, 'E');
	cr_assert_eq(g.user[2], 1);
	cr_assert_arr_eq(g.out[2].executed.token, "B-1           ", 14);
	cr_assert_eq(g.out[2].executed.liquidity, 'R');
	cr_assert_eq(g.out[2].executed.match, 1);
	cr_assert_eq(g.nfill, 1);
	cr_assert_eq(g.fill[0].ts, 3000);
	cr_assert_eq(g.fill[0].match, 1);
	cr_assert_arr_eq(g.fill[0].stock, "MSFT    ", 8);
	cr_assert_eq(g.fill[0].price, 1234500);
	cr_assert_eq(g.fill[0].shares, 100);
	cr_assert_eq(g.fill[0].buy.user, 1);
	cr_assert_arr_eq(g.fill[0].buy.token, "B-1           ", 14);
	cr_assert_eq(g.fill[0].buy.order_ref, 2);
	cr_assert_eq(g.fill[0].buy.liquidity, 'R');
	cr_assert_eq(g.fill[0].sell.user, 0);
	cr_assert_arr_eq(g.fill[0].sell.token, "ORD-2         ", 14);
	cr_assert_eq(g.fill[0].sell.order_ref, 1);
	cr_assert_eq(g.fill[0].sell.liquidity, 'A');

	/* the callbacks may be NULL, and so may the sink */
	m = tord_enter("B-2", 'B', 10, "MSFT", 1240000, 0);
	tg_engine_order(e, 4000, 1, &m, NULL);
	sink.fill = NULL;
	m = tord_enter("B-3", 'B', 10, "MSFT", 1240000, 0);
	memset(&g, 0, sizeof(g));
	tg_engine_order(e, 5000, 1, &m, &sink);
	cr_assert_eq(g.n, 3);
	cr_assert_eq(g.out[1].executed.match, 3);
	cr_assert_eq(g.nfill, 0);
	tg_engine_free(e);
}

Test(fields, stats)
{
	struct tg_engine *e = tord_engine(tord_base_ini);
	struct tg_engine_stats st;
	struct tg_ouch_in m;

	m = tord_enter("a", 'S', 100, "AAPL", 100000, 99999);
	tg_engine_order(e, 1, 0, &m, NULL);
	m = tord_enter("b", 'B', 40, "AAPL", 100000, 99999);
	tg_engine_order(e, 2, 1, &m, NULL);
	m = tord_enter("c", 'B', 0, "AAPL", 100000, 99999);
	tg_engine_order(e, 3, 1, &m, NULL);
	m = tord_enter("d", 'B', 1, "ZZZ", 100000, 99999);
	tg_engine_order(e, 4, 1, &m, NULL);
	m = tord_cancel("a", 10);
	tg_engine_order(e, 5, 0, &m, NULL);
	m = tord_cancel("zz", 0);
	tg_engine_order(e, 6, 0, &m, NULL);
	m = tord_enter("e", 'B', 1, "AAPL", 100000, 99999);
	tg_engine_order(e, 7, 7, &m, NULL);
	tg_engine_get_stats(e, &st);
	cr_assert_eq(st.orders, 7);
	cr_assert_eq(st.accepted, 2);
	cr_assert_eq(st.executions, 1);
	cr_assert_eq(st.canceled, 1);
	cr_assert_eq(st.rejects['Q'], 1);
	cr_assert_eq(st.rejects['S'], 1);
	cr_assert_eq(st.rejects['O'], 1);
	cr_assert_eq(st.cancel_rejects, 1);
	cr_assert_eq(st.bad_input, 1);
	cr_assert_eq(st.resting, 1);
	tg_engine_free(e);
}
