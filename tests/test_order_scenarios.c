/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The order engine, scenario by scenario: each a script of inputs and the
 * exact outputs docs/order-path.md says they must give (the script
 * language is in test_order_util.h). Covered: every order type and time
 * in force, partial fills, priority, cancel / reduce / replace / modify
 * rules, self-trade prevention, trading states, end of day, kill
 * switches, every risk limit and every reject and cancel reason.
 *
 * Unless a test says otherwise the configuration is tord_base_ini:
 * stocks AAPL MSFT IBM (indexes 0 1 2); users alice (firm ACME, account
 * alice), bob (BETA, bob), carol (ACME, acme2), dave (ACME, account
 * alice: alice's account from another login). The clock starts at 9:30
 * and each input is 1 us after the one before unless "at" says when.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_order_util.h"

/* The base configuration with more lines appended. */
static char ini_buf[4096];

static const char *
ini(const char *more)
{
	snprintf(ini_buf, sizeof(ini_buf), "%s%s", tord_base_ini, more);
	return ini_buf;
}

/* ---------------------------------------------------------------- match */

Test(match, rest_then_partial_fill)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "? book AAPL S 10.00:100:1\n"
		 "? book AAPL B\n"
		 "> bob O b1 B 40 AAPL 10.00\n"
		 "< bob A b1 B 40 AAPL 10.00 ref=2 L\n"
		 "< alice E a1 40 10.00 A m=1\n"
		 "< bob E b1 40 10.00 R m=1\n"
		 "< F m=1 AAPL 40 10.00 B=bob/b1/2/R S=alice/a1/1/A\n"
		 "? book AAPL S 10.00:60:1\n"
		 "? book AAPL B\n"
		 "? resting 1\n"
		 "# a buy below the offer rests\n"
		 "> bob O b2 B 100 AAPL 9.99\n"
		 "< bob A b2 B 100 AAPL 9.99 ref=3 L\n"
		 "? book AAPL B 9.99:100:1\n"
		 "? resting 2\n");
}

Test(match, price_time_priority_buy_side)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.01\n"
		 "< alice A a1 S 100 AAPL 10.01 ref=1 L\n"
		 "> alice O a2 S 200 AAPL 10.00\n"
		 "< alice A a2 S 200 AAPL 10.00 ref=2 L\n"
		 "> carol O c1 S 50 AAPL 10.00\n"
		 "< carol A c1 S 50 AAPL 10.00 ref=3 L\n"
		 "? book AAPL S 10.00:250:2 10.01:100:1\n"
		 "# best price first, then time; each at the resting price\n"
		 "> bob O b1 B 300 AAPL 10.01\n"
		 "< bob A b1 B 300 AAPL 10.01 ref=4 L\n"
		 "< alice E a2 200 10.00 A m=1\n"
		 "< bob E b1 200 10.00 R m=1\n"
		 "< F m=1 AAPL 200 10.00 B=bob/b1/4/R S=alice/a2/2/A\n"
		 "< carol E c1 50 10.00 A m=2\n"
		 "< bob E b1 50 10.00 R m=2\n"
		 "< F m=2 AAPL 50 10.00 B=bob/b1/4/R S=carol/c1/3/A\n"
		 "< alice E a1 50 10.01 A m=3\n"
		 "< bob E b1 50 10.01 R m=3\n"
		 "< F m=3 AAPL 50 10.01 B=bob/b1/4/R S=alice/a1/1/A\n"
		 "? book AAPL S 10.01:50:1\n"
		 "? book AAPL B\n"
		 "# the remainder of a bigger order rests at its limit\n"
		 "> bob O b2 B 80 AAPL 10.02\n"
		 "< bob A b2 B 80 AAPL 10.02 ref=5 L\n"
		 "< alice E a1 50 10.01 A m=4\n"
		 "< bob E b2 50 10.01 R m=4\n"
		 "< F m=4 AAPL 50 10.01 B=bob/b2/5/R S=alice/a1/1/A\n"
		 "? book AAPL B 10.02:30:1\n"
		 "? book AAPL S\n");
}

Test(match, price_time_priority_sell_side)
{
	tord_run(tord_base_ini,
		 "> bob O b1 B 100 AAPL 9.98\n"
		 "< bob A b1 B 100 AAPL 9.98 ref=1 L\n"
		 "> bob O b2 B 100 AAPL 9.99\n"
		 "< bob A b2 B 100 AAPL 9.99 ref=2 L\n"
		 "> carol O c1 B 100 AAPL 9.99\n"
		 "< carol A c1 B 100 AAPL 9.99 ref=3 L\n"
		 "? book AAPL B 9.99:200:2 9.98:100:1\n"
		 "> alice O a1 T 250 AAPL 9.98\n"
		 "< alice A a1 T 250 AAPL 9.98 ref=4 L\n"
		 "< bob E b2 100 9.99 A m=1\n"
		 "< alice E a1 100 9.99 R m=1\n"
		 "< F m=1 AAPL 100 9.99 B=bob/b2/2/A S=alice/a1/4/R\n"
		 "< carol E c1 100 9.99 A m=2\n"
		 "< alice E a1 100 9.99 R m=2\n"
		 "< F m=2 AAPL 100 9.99 B=carol/c1/3/A S=alice/a1/4/R\n"
		 "< bob E b1 50 9.98 A m=3\n"
		 "< alice E a1 50 9.98 R m=3\n"
		 "< F m=3 AAPL 50 9.98 B=bob/b1/1/A S=alice/a1/4/R\n"
		 "? book AAPL B 9.98:50:1\n"
		 "? book AAPL S\n"
		 "# books are per stock; match numbers are for the day\n"
		 "> alice O a2 E 10 MSFT 20.00\n"
		 "< alice A a2 E 10 MSFT 20.00 ref=5 L\n"
		 "> bob O b3 B 10 MSFT 20.00\n"
		 "< bob A b3 B 10 MSFT 20.00 ref=6 L\n"
		 "< alice E a2 10 20.00 A m=4\n"
		 "< bob E b3 10 20.00 R m=4\n"
		 "< F m=4 MSFT 10 20.00 B=bob/b3/6/R S=alice/a2/5/A\n"
		 "? book AAPL B 9.98:50:1\n");
}

Test(match, sub_dollar_prices)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 1000 IBM 0.1234\n"
		 "< alice A a1 S 1000 IBM 0.1234 ref=1 L\n"
		 "> bob O b1 B 1000 IBM 0.5\n"
		 "< bob A b1 B 1000 IBM 0.50 ref=2 L\n"
		 "< alice E a1 1000 0.1234 A m=1\n"
		 "< bob E b1 1000 0.1234 R m=1\n"
		 "< F m=1 IBM 1000 0.1234 B=bob/b1/2/R S=alice/a1/1/A\n");
}

Test(match, ioc)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> bob O b1 B 150 AAPL 10.00 tif=0\n"
		 "< bob A b1 B 150 AAPL 10.00 ref=2 L\n"
		 "< alice E a1 100 10.00 A m=1\n"
		 "< bob E b1 100 10.00 R m=1\n"
		 "< F m=1 AAPL 100 10.00 B=bob/b1/2/R S=alice/a1/1/A\n"
		 "< bob C b1 50 I\n"
		 "? book AAPL B\n"
		 "? book AAPL S\n"
		 "# nothing to meet: accepted dead, nothing follows\n"
		 "> bob O b2 B 100 AAPL 10.00 tif=0\n"
		 "< bob A b2 B 100 AAPL 10.00 ref=3 D\n"
		 "? resting 0\n"
		 "> alice O a2 S 100 AAPL 10.05\n"
		 "< alice A a2 S 100 AAPL 10.05 ref=4 L\n"
		 "> bob O b3 B 100 AAPL 10.04 tif=0\n"
		 "< bob A b3 B 100 AAPL 10.04 ref=5 D\n"
		 "? book AAPL S 10.05:100:1\n"
		 "# a dead order's token is used\n"
		 "> bob O b2 B 100 AAPL 10.00\n"
		 "< bob J b2 U\n"
		 "> bob X b2 0\n"
		 "< bob I b2\n"
		 "# an IOC that fills completely gets no cancel\n"
		 "> bob O b4 B 60 AAPL 10.05 tif=0\n"
		 "< bob A b4 B 60 AAPL 10.05 ref=6 L\n"
		 "< alice E a2 60 10.05 A m=2\n"
		 "< bob E b4 60 10.05 R m=2\n"
		 "< F m=2 AAPL 60 10.05 B=bob/b4/6/R S=alice/a2/4/A\n"
		 "? book AAPL S 10.05:40:1\n");
}

Test(match, market_orders)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> carol O c1 S 100 AAPL 10.50\n"
		 "< carol A c1 S 100 AAPL 10.50 ref=2 L\n"
		 "> bob O b1 B 150 AAPL MKT\n"
		 "< bob A b1 B 150 AAPL MKT ref=3 L\n"
		 "< alice E a1 100 10.00 A m=1\n"
		 "< bob E b1 100 10.00 R m=1\n"
		 "< F m=1 AAPL 100 10.00 B=bob/b1/3/R S=alice/a1/1/A\n"
		 "< carol E c1 50 10.50 A m=2\n"
		 "< bob E b1 50 10.50 R m=2\n"
		 "< F m=2 AAPL 50 10.50 B=bob/b1/3/R S=carol/c1/2/A\n"
		 "? book AAPL S 10.50:50:1\n"
		 "# empties the other side: the rest is canceled I\n"
		 "> bob O b2 B 100 AAPL MKT\n"
		 "< bob A b2 B 100 AAPL MKT ref=4 L\n"
		 "< carol E c1 50 10.50 A m=3\n"
		 "< bob E b2 50 10.50 R m=3\n"
		 "< F m=3 AAPL 50 10.50 B=bob/b2/4/R S=carol/c1/2/A\n"
		 "< bob C b2 50 I\n"
		 "> bob O b3 B 100 AAPL MKT\n"
		 "< bob A b3 B 100 AAPL MKT ref=5 D\n"
		 "# a market sell with a day time in force still never rests\n"
		 "> bob O b4 B 100 AAPL 9.00\n"
		 "< bob A b4 B 100 AAPL 9.00 ref=6 L\n"
		 "> bob O b5 B 100 AAPL 0.01\n"
		 "< bob A b5 B 100 AAPL 0.01 ref=7 L\n"
		 "> alice O a2 S 300 AAPL MKT tif=99998\n"
		 "< alice A a2 S 300 AAPL MKT ref=8 L\n"
		 "< bob E b4 100 9.00 A m=4\n"
		 "< alice E a2 100 9.00 R m=4\n"
		 "< F m=4 AAPL 100 9.00 B=bob/b4/6/A S=alice/a2/8/R\n"
		 "< bob E b5 100 0.01 A m=5\n"
		 "< alice E a2 100 0.01 R m=5\n"
		 "< F m=5 AAPL 100 0.01 B=bob/b5/7/A S=alice/a2/8/R\n"
		 "< alice C a2 100 I\n"
		 "? book AAPL B\n"
		 "? book AAPL S\n"
		 "? resting 0\n");
}

Test(match, market_order_collar)
{
	/* buy up to ask * 1.05 = 10.50; sell down to bid * 0.95 = 9.405 */
	tord_run(ini("[risk]\ncollar_pct = 5\n"),
		 "> market AAPL 9.90 10.00 9.95 T\n"
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> alice O a2 S 100 AAPL 10.50\n"
		 "< alice A a2 S 100 AAPL 10.50 ref=2 L\n"
		 "> alice O a3 S 100 AAPL 10.51\n"
		 "< alice A a3 S 100 AAPL 10.51 ref=3 L\n"
		 "> bob O b1 B 300 AAPL MKT\n"
		 "< bob A b1 B 300 AAPL MKT ref=4 L\n"
		 "< alice E a1 100 10.00 A m=1\n"
		 "< bob E b1 100 10.00 R m=1\n"
		 "< F m=1 AAPL 100 10.00 B=bob/b1/4/R S=alice/a1/1/A\n"
		 "< alice E a2 100 10.50 A m=2\n"
		 "< bob E b1 100 10.50 R m=2\n"
		 "< F m=2 AAPL 100 10.50 B=bob/b1/4/R S=alice/a2/2/A\n"
		 "< bob C b1 100 K\n"
		 "? book AAPL S 10.51:100:1\n"
		 "> alice X a3 0\n"
		 "< alice C a3 100 U\n"
		 "> bob O b2 B 100 AAPL 9.41\n"
		 "< bob A b2 B 100 AAPL 9.41 ref=5 L\n"
		 "> bob O b3 B 100 AAPL 9.40\n"
		 "< bob A b3 B 100 AAPL 9.40 ref=6 L\n"
		 "> alice O a4 S 300 AAPL MKT\n"
		 "< alice A a4 S 300 AAPL MKT ref=7 L\n"
		 "< bob E b2 100 9.41 A m=3\n"
		 "< alice E a4 100 9.41 R m=3\n"
		 "< F m=3 AAPL 100 9.41 B=bob/b2/5/A S=alice/a4/7/R\n"
		 "< alice C a4 200 K\n"
		 "? book AAPL B 9.40:100:1\n"
		 "# no reference price (MSFT has no feed, no trade): no collar\n"
		 "> alice O a5 S 100 MSFT 90.00\n"
		 "< alice A a5 S 100 MSFT 90.00 ref=8 L\n"
		 "> bob O b4 B 200 MSFT MKT\n"
		 "< bob A b4 B 200 MSFT MKT ref=9 L\n"
		 "< alice E a5 100 90.00 A m=4\n"
		 "< bob E b4 100 90.00 R m=4\n"
		 "< F m=4 MSFT 100 90.00 B=bob/b4/9/R S=alice/a5/8/A\n"
		 "< bob C b4 100 I\n");
}

Test(match, fill_or_kill_and_minimum_quantity)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> alice O a2 S 100 AAPL 10.01\n"
		 "< alice A a2 S 100 AAPL 10.01 ref=2 L\n"
		 "> alice O a3 S 100 AAPL 10.05\n"
		 "< alice A a3 S 100 AAPL 10.05 ref=3 L\n"
		 "# fill or kill: 200 inside the limit, 300 asked\n"
		 "> bob O b1 B 300 AAPL 10.01 tif=0 min=300\n"
		 "< bob A b1 B 300 AAPL 10.01 ref=4 D\n"
		 "? book AAPL S 10.00:100:1 10.01:100:1 10.05:100:1\n"
		 "> bob O b2 B 200 AAPL 10.01 tif=0 min=200\n"
		 "< bob A b2 B 200 AAPL 10.01 ref=5 L\n"
		 "< alice E a1 100 10.00 A m=1\n"
		 "< bob E b2 100 10.00 R m=1\n"
		 "< F m=1 AAPL 100 10.00 B=bob/b2/5/R S=alice/a1/1/A\n"
		 "< alice E a2 100 10.01 A m=2\n"
		 "< bob E b2 100 10.01 R m=2\n"
		 "< F m=2 AAPL 100 10.01 B=bob/b2/5/R S=alice/a2/2/A\n"
		 "# a day order with a minimum: the minimum on arrival, then it rests\n"
		 "> bob O b3 B 300 AAPL 10.05 min=100\n"
		 "< bob A b3 B 300 AAPL 10.05 ref=6 L\n"
		 "< alice E a3 100 10.05 A m=3\n"
		 "< bob E b3 100 10.05 R m=3\n"
		 "< F m=3 AAPL 100 10.05 B=bob/b3/6/R S=alice/a3/3/A\n"
		 "? book AAPL B 10.05:200:1\n"
		 "# a minimum it cannot meet at once: dead, even for a day order\n"
		 "> alice O a4 S 100 AAPL 10.05 min=1\n"
		 "< alice A a4 S 100 AAPL 10.05 ref=7 L\n"
		 "< bob E b3 100 10.05 A m=4\n"
		 "< alice E a4 100 10.05 R m=4\n"
		 "< F m=4 AAPL 100 10.05 B=bob/b3/6/A S=alice/a4/7/R\n"
		 "> alice O a5 S 100 AAPL 10.06 min=1\n"
		 "< alice A a5 S 100 AAPL 10.06 ref=8 D\n"
		 "> alice O a6 S 200 AAPL 10.00 min=101\n"
		 "< alice A a6 S 200 AAPL 10.00 ref=9 D\n"
		 "> alice O a7 S 200 AAPL 10.00 min=201\n"
		 "< alice J a7 N\n"
		 "? book AAPL B 10.05:100:1\n"
		 "? book AAPL S\n");
}

/* ------------------------------------------------------------------ time */

Test(time, seconds_time_in_force)
{
	tord_run(tord_base_ini,
		 "> at 34200000000000\n"
		 "> alice O a1 S 100 AAPL 10.00 tif=2\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "? expiry 34202000000000\n"
		 "> at 34201999999999\n"
		 "> tick\n"
		 "? book AAPL S 10.00:100:1\n"
		 "> at 34202000000000\n"
		 "> tick\n"
		 "< alice C a1 100 T\n"
		 "? expiry none\n"
		 "? book AAPL S\n"
		 "> alice X a1 0\n"
		 "< alice I a1\n");
}

Test(time, expired_orders_never_trade)
{
	tord_run(tord_base_ini,
		 "> at 34300000000000\n"
		 "> alice O a1 S 100 AAPL 10.00 tif=1\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> at 34300000000000\n"
		 "> carol O c1 S 100 AAPL 10.00 tif=1\n"
		 "< carol A c1 S 100 AAPL 10.00 ref=2 L\n"
		 "> alice O a2 S 100 AAPL 10.00 tif=3\n"
		 "< alice A a2 S 100 AAPL 10.00 ref=3 L\n"
		 "# the same expiry time: in order of reference numbers\n"
		 "> at 34301000000000\n"
		 "> bob O b1 B 150 AAPL 10.00\n"
		 "< alice C a1 100 T\n"
		 "< carol C c1 100 T\n"
		 "< bob A b1 B 150 AAPL 10.00 ref=4 L\n"
		 "< alice E a2 100 10.00 A m=1\n"
		 "< bob E b1 100 10.00 R m=1\n"
		 "< F m=1 AAPL 100 10.00 B=bob/b1/4/R S=alice/a2/3/A\n"
		 "? book AAPL B 10.00:50:1\n"
		 "? expiry none\n");
}

Test(time, replace_restarts_the_clock)
{
	tord_run(tord_base_ini,
		 "> at 34200000000000\n"
		 "> alice O a1 S 100 AAPL 10.00 tif=2\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> at 34201000000000\n"
		 "> alice U a1 a2 90 10.00 tif=5\n"
		 "< alice U a2 S 90 AAPL 10.00 ref=1 L prev=a1\n"
		 "? expiry 34206000000000\n"
		 "# to a day order: nothing expires\n"
		 "> alice U a2 a3 80 10.00\n"
		 "< alice U a3 S 80 AAPL 10.00 ref=1 L prev=a2\n"
		 "? expiry none\n"
		 "> alice U a3 a4 80 10.01 tif=1\n"
		 "< alice U a4 S 80 AAPL 10.01 ref=2 L prev=a3\n"
		 "? expiry 34202000002000\n");
}

/* ---------------------------------------------------------------- cancel */

Test(cancel, cancel_and_reduce)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> carol O c1 S 100 AAPL 10.00\n"
		 "< carol A c1 S 100 AAPL 10.00 ref=2 L\n"
		 "# shares is the new open size; priority stays\n"
		 "> alice X a1 40\n"
		 "< alice C a1 60 U\n"
		 "? book AAPL S 10.00:140:2\n"
		 "> bob O b1 B 50 AAPL 10.00\n"
		 "< bob A b1 B 50 AAPL 10.00 ref=3 L\n"
		 "< alice E a1 40 10.00 A m=1\n"
		 "< bob E b1 40 10.00 R m=1\n"
		 "< F m=1 AAPL 40 10.00 B=bob/b1/3/R S=alice/a1/1/A\n"
		 "< carol E c1 10 10.00 A m=2\n"
		 "< bob E b1 10 10.00 R m=2\n"
		 "< F m=2 AAPL 10 10.00 B=bob/b1/3/R S=carol/c1/2/A\n"
		 "# filled: no longer live\n"
		 "> alice X a1 0\n"
		 "< alice I a1\n"
		 "# tokens are per user\n"
		 "> bob X c1 0\n"
		 "< bob I c1\n"
		 "# nothing to cancel\n"
		 "> carol X c1 90\n"
		 "< carol I c1\n"
		 "> carol X c1 100\n"
		 "< carol I c1\n"
		 "> carol X c1 0\n"
		 "< carol C c1 90 U\n"
		 "> carol X c1 0\n"
		 "< carol I c1\n"
		 "> carol X never 0\n"
		 "< carol I never\n"
		 "? book AAPL S\n"
		 "? resting 0\n");
}

/* --------------------------------------------------------------- replace */

Test(replace, smaller_same_price_keeps_priority)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> carol O c1 S 100 AAPL 10.00\n"
		 "< carol A c1 S 100 AAPL 10.00 ref=2 L\n"
		 "> alice U a1 a2 60 10.00\n"
		 "< alice U a2 S 60 AAPL 10.00 ref=1 L prev=a1\n"
		 "? book AAPL S 10.00:160:2\n"
		 "# same size too\n"
		 "> alice U a2 a3 60 10.00 disp=A\n"
		 "< alice U a3 S 60 AAPL 10.00 ref=1 L prev=a2\n"
		 "> bob O b1 B 60 AAPL 10.00\n"
		 "< bob A b1 B 60 AAPL 10.00 ref=3 L\n"
		 "< alice E a3 60 10.00 A m=1\n"
		 "< bob E b1 60 10.00 R m=1\n"
		 "< F m=1 AAPL 60 10.00 B=bob/b1/3/R S=alice/a3/1/A\n"
		 "# the replaced tokens are dead\n"
		 "> alice X a1 0\n"
		 "< alice I a1\n"
		 "> alice U a2 a4 10 10.00\n"
		 "< alice I a2\n");
}

Test(replace, bigger_loses_priority)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> carol O c1 S 100 AAPL 10.00\n"
		 "< carol A c1 S 100 AAPL 10.00 ref=2 L\n"
		 "# one share more is enough\n"
		 "> alice U a1 a2 101 10.00\n"
		 "< alice U a2 S 101 AAPL 10.00 ref=3 L prev=a1\n"
		 "? book AAPL S 10.00:201:2\n"
		 "> bob O b1 B 120 AAPL 10.00\n"
		 "< bob A b1 B 120 AAPL 10.00 ref=4 L\n"
		 "< carol E c1 100 10.00 A m=1\n"
		 "< bob E b1 100 10.00 R m=1\n"
		 "< F m=1 AAPL 100 10.00 B=bob/b1/4/R S=carol/c1/2/A\n"
		 "< alice E a2 20 10.00 A m=2\n"
		 "< bob E b1 20 10.00 R m=2\n"
		 "< F m=2 AAPL 20 10.00 B=bob/b1/4/R S=alice/a2/3/A\n"
		 "? book AAPL S 10.00:81:1\n");
}

Test(replace, new_price_moves_and_trades)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.10\n"
		 "< alice A a1 S 100 AAPL 10.10 ref=1 L\n"
		 "> bob O b1 B 50 AAPL 10.00\n"
		 "< bob A b1 B 50 AAPL 10.00 ref=2 L\n"
		 "> bob O b2 B 20 AAPL 9.99\n"
		 "< bob A b2 B 20 AAPL 9.99 ref=3 L\n"
		 "# a better price with fewer shares is still a new order\n"
		 "> alice U a1 a2 90 10.05\n"
		 "< alice U a2 S 90 AAPL 10.05 ref=4 L prev=a1\n"
		 "? book AAPL S 10.05:90:1\n"
		 "> alice U a2 a3 100 10.00\n"
		 "< alice U a3 S 100 AAPL 10.00 ref=5 L prev=a2\n"
		 "< bob E b1 50 10.00 A m=1\n"
		 "< alice E a3 50 10.00 R m=1\n"
		 "< F m=1 AAPL 50 10.00 B=bob/b1/2/A S=alice/a3/5/R\n"
		 "? book AAPL S 10.00:50:1\n"
		 "? book AAPL B 9.99:20:1\n"
		 "# to IOC: trades what it can, the rest is canceled\n"
		 "> alice U a3 a4 50 9.99 tif=0\n"
		 "< alice U a4 S 50 AAPL 9.99 ref=6 L prev=a3\n"
		 "< bob E b2 20 9.99 A m=2\n"
		 "< alice E a4 20 9.99 R m=2\n"
		 "< F m=2 AAPL 20 9.99 B=bob/b2/3/A S=alice/a4/6/R\n"
		 "< alice C a4 30 I\n"
		 "> alice O a5 S 10 AAPL 10.00\n"
		 "< alice A a5 S 10 AAPL 10.00 ref=7 L\n"
		 "# to IOC with nothing to meet: dead\n"
		 "> alice U a5 a6 10 10.00 tif=0\n"
		 "< alice U a6 S 10 AAPL 10.00 ref=8 D prev=a5\n"
		 "? book AAPL S\n"
		 "? resting 0\n");
}

Test(replace, refused)
{
	tord_run(tord_base_ini,
		 "> alice U zz a9 100 10.00\n"
		 "< alice I zz\n"
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> alice O a2 S 100 AAPL 10.01\n"
		 "< alice A a2 S 100 AAPL 10.01 ref=2 L\n"
		 "> bob U a1 b1 100 10.00\n"
		 "< bob I a1\n"
		 "> alice U a1 a2 100 10.00\n"
		 "< alice J a2 U\n"
		 "> alice U a1 a1 100 10.00\n"
		 "< alice J a1 U\n"
		 "> alice U a1 a3 100 MKT\n"
		 "< alice J a3 X\n"
		 "> alice U a1 a3 100 10.001\n"
		 "< alice J a3 X\n"
		 "> alice U a1 a3 0 10.00\n"
		 "< alice J a3 Q\n"
		 "> alice U a1 a3 1000000 10.00\n"
		 "< alice J a3 Q\n"
		 "> alice U a1 a3 100 10.00 min=101\n"
		 "< alice J a3 N\n"
		 "> alice U a1 a3 100 10.00 disp=Z\n"
		 "< alice J a3 D\n"
		 "> alice U a1 a3 100 10.00 tif=100000\n"
		 "< alice J a3 O\n"
		 "> alice U a1 a3 100 10.00 ise=Q\n"
		 "< alice J a3 O\n"
		 "> alice U a1 %01bad 100 10.00\n"
		 "< alice J %01bad O\n"
		 "> alice U a1 - 100 10.00\n"
		 "< alice J - O\n"
		 "# the existing order is untouched, the refused tokens unused\n"
		 "? book AAPL S 10.00:100:1 10.01:100:1\n"
		 "> alice U a1 a3 80 10.00\n"
		 "< alice U a3 S 80 AAPL 10.00 ref=1 L prev=a1\n");
}

/* ---------------------------------------------------------------- modify */

Test(modify, side_and_size)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> carol O c1 S 100 AAPL 10.00\n"
		 "< carol A c1 S 100 AAPL 10.00 ref=2 L\n"
		 "> alice M a1 T 100\n"
		 "< alice M a1 T 100\n"
		 "> alice M a1 E 60\n"
		 "< alice M a1 E 60\n"
		 "> alice M a1 E 60\n"
		 "< alice M a1 E 60\n"
		 "> alice M a1 S 60\n"
		 "< alice M a1 S 60\n"
		 "? book AAPL S 10.00:160:2\n"
		 "> alice M a1 B 60\n"
		 "< alice I a1\n"
		 "> alice M a1 S 61\n"
		 "< alice I a1\n"
		 "> alice M a1 S 0\n"
		 "< alice I a1\n"
		 "> alice M a1 X 10\n"
		 "< alice I a1\n"
		 "> alice M zz S 10\n"
		 "< alice I zz\n"
		 "> bob O b1 B 10 AAPL 9.00\n"
		 "< bob A b1 B 10 AAPL 9.00 ref=3 L\n"
		 "> bob M b1 S 10\n"
		 "< bob I b1\n"
		 "> bob M b1 T 10\n"
		 "< bob I b1\n"
		 "> bob M b1 B 5\n"
		 "< bob M b1 B 5\n"
		 "? book AAPL B 9.00:5:1\n"
		 "# priority was kept through the modifies\n"
		 "> bob O b2 B 60 AAPL 10.00\n"
		 "< bob A b2 B 60 AAPL 10.00 ref=4 L\n"
		 "< alice E a1 60 10.00 A m=1\n"
		 "< bob E b2 60 10.00 R m=1\n"
		 "< F m=1 AAPL 60 10.00 B=bob/b2/4/R S=alice/a1/1/A\n"
		 "> alice M a1 S 10\n"
		 "< alice I a1\n");
}

/* ------------------------------------------------------------------- stp */

Test(stp, same_account_cancels_resting)
{
	tord_run(ini("[account.alice]\nstp = account\n"),
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> bob O b1 S 100 AAPL 10.00\n"
		 "< bob A b1 S 100 AAPL 10.00 ref=2 L\n"
		 "> dave O d1 B 150 AAPL 10.00\n"
		 "< dave A d1 B 150 AAPL 10.00 ref=3 L\n"
		 "< alice D a1 100 Q prevented=100 10.00 A\n"
		 "< bob E b1 100 10.00 A m=1\n"
		 "< dave E d1 100 10.00 R m=1\n"
		 "< F m=1 AAPL 100 10.00 B=dave/d1/3/R S=bob/b1/2/A\n"
		 "? book AAPL B 10.00:50:1\n"
		 "? book AAPL S\n"
		 "# another account of the firm trades: stp is per account here\n"
		 "> carol O c1 S 30 AAPL 10.00\n"
		 "< carol A c1 S 30 AAPL 10.00 ref=4 L\n"
		 "< dave E d1 30 10.00 A m=2\n"
		 "< carol E c1 30 10.00 R m=2\n"
		 "< F m=2 AAPL 30 10.00 B=dave/d1/3/A S=carol/c1/4/R\n"
		 "# an IOC whose only contra is its own account\n"
		 "> alice O a2 S 50 AAPL 10.00 tif=0\n"
		 "< alice A a2 S 50 AAPL 10.00 ref=5 L\n"
		 "< dave D d1 20 Q prevented=20 10.00 A\n"
		 "< alice C a2 50 I\n"
		 "? book AAPL B\n"
		 "# the minimum counts only what it may trade with\n"
		 "> alice O a3 S 100 AAPL 10.00\n"
		 "< alice A a3 S 100 AAPL 10.00 ref=6 L\n"
		 "> bob O b2 S 50 AAPL 10.00\n"
		 "< bob A b2 S 50 AAPL 10.00 ref=7 L\n"
		 "> dave O d2 B 100 AAPL 10.00 min=100\n"
		 "< dave A d2 B 100 AAPL 10.00 ref=8 D\n"
		 "? book AAPL S 10.00:150:2\n"
		 "> dave O d3 B 50 AAPL 10.00 min=50\n"
		 "< dave A d3 B 50 AAPL 10.00 ref=9 L\n"
		 "< alice D a3 100 Q prevented=50 10.00 A\n"
		 "< bob E b2 50 10.00 A m=3\n"
		 "< dave E d3 50 10.00 R m=3\n"
		 "< F m=3 AAPL 50 10.00 B=dave/d3/9/R S=bob/b2/7/A\n"
		 "? book AAPL S\n");
}

Test(stp, same_firm)
{
	tord_run(ini("[firm.ACME]\nstp = firm\n"),
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> carol O c1 B 40 AAPL 10.00\n"
		 "< carol A c1 B 40 AAPL 10.00 ref=2 L\n"
		 "< alice D a1 100 Q prevented=40 10.00 A\n"
		 "? book AAPL B 10.00:40:1\n"
		 "> bob O b1 S 40 AAPL 10.00\n"
		 "< bob A b1 S 40 AAPL 10.00 ref=3 L\n"
		 "< carol E c1 40 10.00 A m=1\n"
		 "< bob E b1 40 10.00 R m=1\n"
		 "< F m=1 AAPL 40 10.00 B=carol/c1/2/A S=bob/b1/3/R\n"
		 "# set at run time: off for the firm, then per account for alice\n"
		 "> set firm ACME stp 0\n"
		 "< ctl 0\n"
		 "> alice O a2 S 10 AAPL 10.00\n"
		 "< alice A a2 S 10 AAPL 10.00 ref=4 L\n"
		 "> carol O c2 B 10 AAPL 10.00\n"
		 "< carol A c2 B 10 AAPL 10.00 ref=5 L\n"
		 "< alice E a2 10 10.00 A m=2\n"
		 "< carol E c2 10 10.00 R m=2\n"
		 "< F m=2 AAPL 10 10.00 B=carol/c2/5/R S=alice/a2/4/A\n"
		 "> set account alice stp 1\n"
		 "< ctl 0\n"
		 "> dave O d1 S 10 AAPL 10.00\n"
		 "< dave A d1 S 10 AAPL 10.00 ref=6 L\n"
		 "> alice O a3 B 10 AAPL 10.00\n"
		 "< alice A a3 B 10 AAPL 10.00 ref=7 L\n"
		 "< dave D d1 10 Q prevented=10 10.00 A\n"
		 "? book AAPL B 10.00:10:1\n");
}

Test(stp, off_by_default)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> alice O a2 B 100 AAPL 10.00\n"
		 "< alice A a2 B 100 AAPL 10.00 ref=2 L\n"
		 "< alice E a1 100 10.00 A m=1\n"
		 "< alice E a2 100 10.00 R m=1\n"
		 "< F m=1 AAPL 100 10.00 B=alice/a2/2/R S=alice/a1/1/A\n");
}

/* ---------------------------------------------------------------- states */

Test(state, halted_and_paused)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> market AAPL 0 0 0 H\n"
		 "> bob O b1 B 100 AAPL 10.00\n"
		 "< bob J b1 H\n"
		 "> bob O b1 B 100 MSFT 10.00\n"
		 "< bob A b1 B 100 MSFT 10.00 ref=2 L\n"
		 "# cancels and modifies pass; replaces do not\n"
		 "> alice X a1 50\n"
		 "< alice C a1 50 U\n"
		 "> alice U a1 a2 50 10.01\n"
		 "< alice J a2 H\n"
		 "> alice M a1 T 40\n"
		 "< alice M a1 T 40\n"
		 "# a state of 0 leaves the state alone\n"
		 "> market AAPL 9.00 10.00 0 -\n"
		 "> bob O b2 B 100 AAPL 10.00\n"
		 "< bob J b2 H\n"
		 "> market AAPL 0 0 0 P\n"
		 "> bob O b2 B 100 AAPL 10.00\n"
		 "< bob J b2 H\n"
		 "> market AAPL 0 0 0 T\n"
		 "> bob O b2 B 100 AAPL 10.00\n"
		 "< bob A b2 B 100 AAPL 10.00 ref=3 L\n"
		 "< alice E a1 40 10.00 A m=1\n"
		 "< bob E b2 40 10.00 R m=1\n"
		 "< F m=1 AAPL 40 10.00 B=bob/b2/3/R S=alice/a1/1/A\n"
		 "? book AAPL B 10.00:60:1\n"
		 "# quotation only: orders that would not trade are accepted\n"
		 "> market AAPL 0 0 0 Q\n"
		 "> alice O a3 S 100 AAPL 10.01\n"
		 "< alice A a3 S 100 AAPL 10.01 ref=4 L\n"
		 "> alice O a4 S 100 AAPL 10.00\n"
		 "< alice J a4 H\n"
		 "> alice O a4 S 100 AAPL MKT\n"
		 "< alice J a4 H\n"
		 "> alice U a3 a4 100 10.00\n"
		 "< alice J a4 H\n"
		 "> bob O b3 B 10 AAPL 10.00 tif=0\n"
		 "< bob A b3 B 10 AAPL 10.00 ref=5 D\n"
		 "> alice U a3 a4 90 10.01\n"
		 "< alice U a4 S 90 AAPL 10.01 ref=4 L prev=a3\n"
		 "? book AAPL B 10.00:60:1\n"
		 "? book AAPL S 10.01:90:1\n"
		 "# a symbol the engine does not list is ignored\n"
		 "> market ZZZZ 0 0 0 H\n"
		 "> bob O b4 B 1 ZZZZ 1.00\n"
		 "< bob J b4 S\n");
}

Test(state, cancel_on_halt)
{
	tord_run(ini("[engine]\ncancel_on_halt = yes\n"),
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> bob O b1 B 100 AAPL 9.00\n"
		 "< bob A b1 B 100 AAPL 9.00 ref=2 L\n"
		 "> alice O a2 S 100 MSFT 10.00\n"
		 "< alice A a2 S 100 MSFT 10.00 ref=3 L\n"
		 "> market AAPL 0 0 0 H\n"
		 "< bob C b1 100 H\n"
		 "< alice C a1 100 H\n"
		 "> market AAPL 0 0 0 P\n"
		 "? book MSFT S 10.00:100:1\n"
		 "> market MSFT 0 0 0 P\n"
		 "< alice C a2 100 H\n"
		 "? resting 0\n");
}

Test(state, end_and_start_of_day)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> bob O b1 B 100 MSFT 9.00 tif=5\n"
		 "< bob A b1 B 100 MSFT 9.00 ref=2 L\n"
		 "> sys E\n"
		 "< alice C a1 100 T\n"
		 "< bob C b1 100 T\n"
		 "< alice S E\n"
		 "< bob S E\n"
		 "< carol S E\n"
		 "< dave S E\n"
		 "? expiry none\n"
		 "? resting 0\n"
		 "> bob O b2 B 100 AAPL 9.00\n"
		 "< bob J b2 C\n"
		 "> bob X b1 0\n"
		 "< bob I b1\n"
		 "> sys S\n"
		 "< alice S S\n"
		 "< bob S S\n"
		 "< carol S S\n"
		 "< dave S S\n"
		 "> bob O b2 B 100 AAPL 9.00\n"
		 "< bob A b2 B 100 AAPL 9.00 ref=3 L\n"
		 "# other event codes do nothing\n"
		 "> sys Q\n"
		 "? book AAPL B 9.00:100:1\n");
}

/* ----------------------------------------------------------------- kills */

Test(kill, account_firm_all)
{
	tord_run(tord_base_ini,
		 "> alice O a1 S 100 AAPL 10.00\n"
		 "< alice A a1 S 100 AAPL 10.00 ref=1 L\n"
		 "> dave O d1 B 100 AAPL 9.00\n"
		 "< dave A d1 B 100 AAPL 9.00 ref=2 L\n"
		 "> carol O c1 S 100 MSFT 20.00\n"
		 "< carol A c1 S 100 MSFT 20.00 ref=3 L\n"
		 "> bob O b1 B 100 MSFT 19.00\n"
		 "< bob A b1 B 100 MSFT 19.00 ref=4 L\n"
		 "# the account's orders from both logins, in book order\n"
		 "> kill account alice\n"
		 "< dave C d1 100 S\n"
		 "< alice C a1 100 S\n"
		 "< ctl 0\n"
		 "> alice O a2 S 100 AAPL 10.00\n"
		 "< alice J a2 a\n"
		 "> dave O d2 B 1 AAPL 9.00\n"
		 "< dave J d2 a\n"
		 "> carol O c2 S 100 IBM 30.00\n"
		 "< carol A c2 S 100 IBM 30.00 ref=5 L\n"
		 "> resume account alice\n"
		 "< ctl 0\n"
		 "> alice O a2 S 100 AAPL 10.00\n"
		 "< alice A a2 S 100 AAPL 10.00 ref=6 L\n"
		 "> kill firm ACME\n"
		 "< alice C a2 100 S\n"
		 "< carol C c1 100 S\n"
		 "< carol C c2 100 S\n"
		 "< ctl 0\n"
		 "> bob O b2 B 100 AAPL 9.00\n"
		 "< bob A b2 B 100 AAPL 9.00 ref=7 L\n"
		 "# resuming the account does not lift the firm's switch\n"
		 "> resume account alice\n"
		 "< ctl 0\n"
		 "> alice O a3 S 100 AAPL 10.00\n"
		 "< alice J a3 a\n"
		 "> kill all\n"
		 "< bob C b2 100 S\n"
		 "< bob C b1 100 S\n"
		 "< ctl 0\n"
		 "> resume firm ACME\n"
		 "< ctl 0\n"
		 "> bob O b3 B 1 AAPL 9.00\n"
		 "< bob J b3 a\n"
		 "> alice O a3 S 100 AAPL 10.00\n"
		 "< alice J a3 a\n"
		 "> resume all\n"
		 "< ctl 0\n"
		 "> alice O a3 S 100 AAPL 10.00\n"
		 "< alice A a3 S 100 AAPL 10.00 ref=8 L\n"
		 "> kill account nobody\n"
		 "< ctl -ENOENT\n"
		 "> kill firm NONE\n"
		 "< ctl -ENOENT\n"
		 "> resume account nobody\n"
		 "< ctl -ENOENT\n"
		 "> resume firm NONE\n"
		 "< ctl -ENOENT\n"
		 "? resting 1\n");
}

/* ------------------------------------------------------------------ risk */

Test(risk, order_size_and_notional)
{
	tord_run(ini("[firm.ACME]\nmax_order_shares = 1000\nmax_order_notional = 50000\n"
		     "[account.acme2]\nmax_order_shares = 500\n"),
		 "> alice O a1 B 1000 AAPL 10.00\n"
		 "< alice A a1 B 1000 AAPL 10.00 ref=1 L\n"
		 "> alice O a2 B 1001 AAPL 10.00\n"
		 "< alice J a2 Z\n"
		 "# the tighter of account and firm\n"
		 "> carol O c1 B 501 AAPL 10.00\n"
		 "< carol J c1 Z\n"
		 "> carol O c1 B 500 AAPL 10.00\n"
		 "< carol A c1 B 500 AAPL 10.00 ref=2 L\n"
		 "> alice O a2 B 1000 AAPL 50.00\n"
		 "< alice A a2 B 1000 AAPL 50.00 ref=3 L\n"
		 "> alice O a3 B 1000 AAPL 50.01\n"
		 "< alice J a3 n\n"
		 "> bob O b1 S 5000 AAPL 60.00\n"
		 "< bob A b1 S 5000 AAPL 60.00 ref=4 L\n"
		 "# a market order is valued at its reference; none: refused\n"
		 "> alice O a4 B 100 MSFT MKT\n"
		 "< alice J a4 n\n"
		 "> market MSFT 19.00 50.01 0 T\n"
		 "> alice O a4 B 1000 MSFT MKT\n"
		 "< alice J a4 n\n"
		 "> market MSFT 19.00 50.00 0 T\n"
		 "> alice O a4 B 1000 MSFT MKT\n"
		 "< alice A a4 B 1000 MSFT MKT ref=5 D\n"
		 "# a sell is valued at the bid\n"
		 "> alice O a5 S 1000 MSFT MKT\n"
		 "< alice A a5 S 1000 MSFT MKT ref=6 D\n"
		 "> set firm ACME max_order_shares 2000\n"
		 "< ctl 0\n"
		 "> alice O a6 B 1500 AAPL 10.00\n"
		 "< alice A a6 B 1500 AAPL 10.00 ref=7 L\n"
		 "> set firm ACME max_order_shares -1\n"
		 "< ctl 0\n"
		 "> set account acme2 max_order_shares -1\n"
		 "< ctl 0\n"
		 "> carol O c2 B 999999 AAPL 0.01\n"
		 "< carol A c2 B 999999 AAPL 0.01 ref=8 L\n");
}

Test(risk, collar)
{
	tord_run("[user.alice]\nfirm = ACME\n[user.bob]\nfirm = BETA\n"
		 "[risk]\ncollar_pct = 10\n[firm.BETA]\ncollar_pct = 5\n",
		 "> market AAPL 9.90 10.00 9.95 T\n"
		 "# a buy against the offer: up to 11.00\n"
		 "> alice O a1 B 100 AAPL 11.00\n"
		 "< alice A a1 B 100 AAPL 11.00 ref=1 L\n"
		 "> alice O a2 B 100 AAPL 11.01\n"
		 "< alice J a2 K\n"
		 "# BETA's own 5 % is tighter\n"
		 "> bob O b1 B 100 AAPL 10.51\n"
		 "< bob J b1 K\n"
		 "> bob O b1 B 100 AAPL 10.50\n"
		 "< bob A b1 B 100 AAPL 10.50 ref=2 L\n"
		 "# a sell against the bid: down to 8.91 (bob: 9.405)\n"
		 "> market MSFT 9.90 10.00 0 T\n"
		 "> alice O a3 S 100 MSFT 8.90\n"
		 "< alice J a3 K\n"
		 "> alice O a3 S 100 MSFT 8.91\n"
		 "< alice A a3 S 100 MSFT 8.91 ref=3 L\n"
		 "> bob O b2 S 100 MSFT 9.40\n"
		 "< bob J b2 K\n"
		 "> bob O b2 S 100 MSFT 9.41\n"
		 "< bob A b2 S 100 MSFT 9.41 ref=4 L\n"
		 "# no quote on that side: the last trade\n"
		 "> market IBM 0 0 30.00 T\n"
		 "> alice O a4 B 100 IBM 33.01\n"
		 "< alice J a4 K\n"
		 "> alice O a4 B 100 IBM 33.00\n"
		 "< alice A a4 B 100 IBM 33.00 ref=5 L\n"
		 "# no feed at all: no check, then the engine's own last trade\n"
		 "> alice O a5 S 100 ZZZ 5.00\n"
		 "< alice A a5 S 100 ZZZ 5.00 ref=6 L\n"
		 "> alice O a6 B 50 ZZZ 100.00\n"
		 "< alice A a6 B 50 ZZZ 100.00 ref=7 L\n"
		 "< alice E a5 50 5.00 A m=1\n"
		 "< alice E a6 50 5.00 R m=1\n"
		 "< F m=1 ZZZ 50 5.00 B=alice/a6/7/R S=alice/a5/6/A\n"
		 "> alice O a7 B 10 ZZZ 5.51\n"
		 "< alice J a7 K\n"
		 "> alice O a7 B 10 ZZZ 5.50\n"
		 "< alice A a7 B 10 ZZZ 5.50 ref=8 L\n"
		 "< alice E a5 10 5.00 A m=2\n"
		 "< alice E a7 10 5.00 R m=2\n"
		 "< F m=2 ZZZ 10 5.00 B=alice/a7/8/R S=alice/a5/6/A\n"
		 "# replaces are collared too\n"
		 "> alice U a1 a8 100 11.01\n"
		 "< alice J a8 K\n"
		 "> set account alice collar_pct -1\n"
		 "< ctl 0\n"
		 "> alice U a1 a8 100 11.01\n"
		 "< alice J a8 K\n"
		 "> set firm ACME collar_pct -1\n"
		 "< ctl 0\n"
		 "> alice U a1 a8 100 11.01\n"
		 "< alice U a8 B 100 AAPL 11.01 ref=9 L prev=a1\n");
}

Test(risk, position)
{
	tord_run(ini("[account.alice]\nmax_position = 300\n"),
		 "> alice O a1 B 200 AAPL 10.00\n"
		 "< alice A a1 B 200 AAPL 10.00 ref=1 L\n"
		 "> dave O d1 B 100 AAPL 9.99\n"
		 "< dave A d1 B 100 AAPL 9.99 ref=2 L\n"
		 "> alice O a2 B 1 AAPL 9.98\n"
		 "< alice J a2 m\n"
		 "> alice O a2 S 301 AAPL 11.00\n"
		 "< alice J a2 m\n"
		 "> alice O a2 S 300 AAPL 11.00\n"
		 "< alice A a2 S 300 AAPL 11.00 ref=3 L\n"
		 "> bob O b1 S 200 AAPL 10.00\n"
		 "< bob A b1 S 200 AAPL 10.00 ref=4 L\n"
		 "< alice E a1 200 10.00 A m=1\n"
		 "< bob E b1 200 10.00 R m=1\n"
		 "< F m=1 AAPL 200 10.00 B=alice/a1/1/A S=bob/b1/4/R\n"
		 "# long 200 with 100 more bid: full on the buy side\n"
		 "> alice O a3 B 1 AAPL 9.00\n"
		 "< alice J a3 m\n"
		 "# 300 offered against a long 200: room for 200 more\n"
		 "> alice O a3 S 201 AAPL 12.00\n"
		 "< alice J a3 m\n"
		 "> alice O a3 S 200 AAPL 12.00\n"
		 "< alice A a3 S 200 AAPL 12.00 ref=5 L\n"
		 "# other stocks and accounts have their own room\n"
		 "> alice O a4 B 300 MSFT 1.00\n"
		 "< alice A a4 B 300 MSFT 1.00 ref=6 L\n"
		 "> carol O c1 B 1000 AAPL 9.00\n"
		 "< carol A c1 B 1000 AAPL 9.00 ref=7 L\n"
		 "# a lowered limit still lets an order shrink, not grow\n"
		 "> set account alice max_position 100\n"
		 "< ctl 0\n"
		 "> dave U d1 d2 50 9.99\n"
		 "< dave U d2 B 50 AAPL 9.99 ref=2 L prev=d1\n"
		 "> dave U d2 d3 60 9.99\n"
		 "< dave J d3 m\n"
		 "> dave X d2 0\n"
		 "< dave C d2 50 U\n");
}

Test(risk, daily_notional)
{
	tord_run(ini("[account.bob]\nmax_daily_notional = 10000\n"),
		 "> bob O b1 B 500 AAPL 10.00\n"
		 "< bob A b1 B 500 AAPL 10.00 ref=1 L\n"
		 "> bob O b2 B 500 AAPL 10.01\n"
		 "< bob J b2 V\n"
		 "> alice O a1 S 300 AAPL 9.00\n"
		 "< alice A a1 S 300 AAPL 9.00 ref=2 L\n"
		 "< bob E b1 300 10.00 A m=1\n"
		 "< alice E a1 300 10.00 R m=1\n"
		 "< F m=1 AAPL 300 10.00 B=bob/b1/1/A S=alice/a1/2/R\n"
		 "# executed 3000 + open 2000 + 5000 = the limit\n"
		 "> bob O b2 S 500 MSFT 10.00\n"
		 "< bob A b2 S 500 MSFT 10.00 ref=3 L\n"
		 "> bob O b3 B 1 IBM 0.01\n"
		 "< bob J b3 V\n"
		 "> bob X b2 0\n"
		 "< bob C b2 500 U\n"
		 "> bob O b3 B 1 IBM 0.01\n"
		 "< bob A b3 B 1 IBM 0.01 ref=4 L\n"
		 "# executions count at their price: a buy at 60.00 filled at 50.00\n"
		 "> alice O a2 S 40 MSFT 50.00\n"
		 "< alice A a2 S 40 MSFT 50.00 ref=5 L\n"
		 "> bob O b4 B 40 MSFT 60.00\n"
		 "< bob A b4 B 40 MSFT 60.00 ref=6 L\n"
		 "< alice E a2 40 50.00 A m=2\n"
		 "< bob E b4 40 50.00 R m=2\n"
		 "< F m=2 MSFT 40 50.00 B=bob/b4/6/R S=alice/a2/5/A\n"
		 "# now executed 5000, open 2000.01: room for 2999.99\n"
		 "> bob O b5 B 1 IBM 3000.00\n"
		 "< bob J b5 V\n"
		 "> bob O b5 B 1 IBM 2999.99\n"
		 "< bob A b5 B 1 IBM 2999.99 ref=7 L\n");
}

Test(risk, order_rate)
{
	tord_run(ini("[account.bob]\nmax_orders_per_sec = 2\n"),
		 "> at 34200000000000\n"
		 "> bob O b1 B 1 AAPL 1.00\n"
		 "< bob A b1 B 1 AAPL 1.00 ref=1 L\n"
		 "> bob O b2 B 1 AAPL 1.00\n"
		 "< bob A b2 B 1 AAPL 1.00 ref=2 L\n"
		 "> bob O b3 B 1 AAPL 1.00\n"
		 "< bob J b3 F\n"
		 "> bob U b2 b3 1 1.01\n"
		 "< bob J b3 F\n"
		 "# cancels are never throttled; other accounts have their own rate\n"
		 "> bob X b1 0\n"
		 "< bob C b1 1 U\n"
		 "> alice O a1 B 1 AAPL 1.00\n"
		 "< alice A a1 B 1 AAPL 1.00 ref=3 L\n"
		 "# half a second after the second order, one order's worth is back\n"
		 "> at 34200500001000\n"
		 "> bob O b3 B 1 AAPL 1.00\n"
		 "< bob A b3 B 1 AAPL 1.00 ref=4 L\n"
		 "> bob O b4 B 1 AAPL 1.00\n"
		 "< bob J b4 F\n"
		 "> at 34210000000000\n"
		 "> bob O b4 B 1 AAPL 1.00\n"
		 "< bob A b4 B 1 AAPL 1.00 ref=5 L\n"
		 "> bob O b5 B 1 AAPL 1.00\n"
		 "< bob A b5 B 1 AAPL 1.00 ref=6 L\n"
		 "> bob O b6 B 1 AAPL 1.00\n"
		 "< bob J b6 F\n"
		 "# a new rate starts full\n"
		 "> set account bob max_orders_per_sec 3\n"
		 "< ctl 0\n"
		 "> bob O b6 B 1 AAPL 1.00\n"
		 "< bob A b6 B 1 AAPL 1.00 ref=7 L\n"
		 "> bob O b7 B 1 AAPL 1.00\n"
		 "< bob A b7 B 1 AAPL 1.00 ref=8 L\n"
		 "> bob O b8 B 1 AAPL 1.00\n"
		 "< bob A b8 B 1 AAPL 1.00 ref=9 L\n"
		 "> bob O b9 B 1 AAPL 1.00\n"
		 "< bob J b9 F\n");
}

Test(risk, firm_order_rate)
{
	tord_run(ini("[firm.ACME]\nmax_orders_per_sec = 1\n"),
		 "> alice O a1 B 1 AAPL 1.00\n"
		 "< alice A a1 B 1 AAPL 1.00 ref=1 L\n"
		 "> carol O c1 B 1 AAPL 1.00\n"
		 "< carol J c1 F\n"
		 "> bob O b1 B 1 AAPL 1.00\n"
		 "< bob A b1 B 1 AAPL 1.00 ref=2 L\n");
}

Test(risk, restricted_stocks)
{
	tord_run(ini("[risk]\nrestricted = IBM\n[firm.BETA]\nrestricted = MSFT\n"
		     "[account.acme2]\nrestricted = AAPL\n"),
		 "> alice O a1 B 1 IBM 1.00\n"
		 "< alice J a1 c\n"
		 "> bob O b1 B 1 MSFT 1.00\n"
		 "< bob J b1 c\n"
		 "> carol O c1 B 1 AAPL 1.00\n"
		 "< carol J c1 c\n"
		 "> carol O c1 B 1 MSFT 1.00\n"
		 "< carol A c1 B 1 MSFT 1.00 ref=1 L\n"
		 "> alice O a1 B 1 AAPL 1.00\n"
		 "< alice A a1 B 1 AAPL 1.00 ref=2 L\n"
		 "> set account alice restricted.AAPL 1\n"
		 "< ctl 0\n"
		 "> alice O a2 B 1 AAPL 1.00\n"
		 "< alice J a2 c\n"
		 "> dave O d1 B 1 AAPL 1.00\n"
		 "< dave J d1 c\n"
		 "# resting orders stay and can be canceled\n"
		 "> alice X a1 0\n"
		 "< alice C a1 1 U\n"
		 "> set account alice restricted.AAPL 0\n"
		 "< ctl 0\n"
		 "> alice O a2 B 1 AAPL 1.00\n"
		 "< alice A a2 B 1 AAPL 1.00 ref=3 L\n"
		 "> set firm ACME restricted.MSFT 1\n"
		 "< ctl 0\n"
		 "> carol O c2 B 1 MSFT 1.00\n"
		 "< carol J c2 c\n"
		 "> set account alice restricted.ZZZZ 1\n"
		 "< ctl -ENOENT\n"
		 "> set account alice restricted.ba%d 1\n"
		 "< ctl -EINVAL\n"
		 "> set account alice restricted.AAPL 2\n"
		 "< ctl -EINVAL\n");
}

Test(control, set_limit_refusals)
{
	tord_run(tord_base_ini,
		 "> set account alice max_order_shares -2\n"
		 "< ctl -EINVAL\n"
		 "> set account alice no_such_key 5\n"
		 "< ctl -ENOENT\n"
		 "> set account nobody max_order_shares 5\n"
		 "< ctl -ENOENT\n"
		 "> set firm NOPE max_order_shares 5\n"
		 "< ctl -ENOENT\n"
		 "> set desk alice max_order_shares 5\n"
		 "< ctl -EINVAL\n"
		 "> set account alice stp 3\n"
		 "< ctl -EINVAL\n"
		 "> set account alice max_order_shares 5\n"
		 "< ctl 0\n"
		 "> alice O a1 B 6 AAPL 1.00\n"
		 "< alice J a1 Z\n"
		 "> dave O d1 B 6 AAPL 1.00\n"
		 "< dave J d1 Z\n"
		 "> carol O c1 B 6 AAPL 1.00\n"
		 "< carol A c1 B 6 AAPL 1.00 ref=1 L\n");
}

/* ------------------------------------------------------------ validation */

Test(validate, enter_fields)
{
	tord_run(tord_base_ini,
		 "> alice O a1 X 100 AAPL 10.00\n"
		 "< alice J a1 O\n"
		 "> alice O a1 B 0 AAPL 10.00\n"
		 "< alice J a1 Q\n"
		 "> alice O a1 B 1000000 AAPL 10.00\n"
		 "< alice J a1 Q\n"
		 "> alice O a1 B 100 AAPL #0\n"
		 "< alice J a1 X\n"
		 "> alice O a1 B 100 AAPL 10.001\n"
		 "< alice J a1 X\n"
		 "> alice O a1 B 100 AAPL #2000000000\n"
		 "< alice J a1 X\n"
		 "> alice O a1 B 100 AAPL #2147483648\n"
		 "< alice J a1 X\n"
		 "> alice O a1 B 100 AAPL #4294967295\n"
		 "< alice J a1 X\n"
		 "> alice O a1 B 100 AAPL 10.00 tif=100000\n"
		 "< alice J a1 O\n"
		 "> alice O a1 B 100 AAPL 10.00 tif=4294967295\n"
		 "< alice J a1 O\n"
		 "> alice O a1 B 100 AAPL 10.00 disp=P\n"
		 "< alice J a1 D\n"
		 "> alice O a1 B 100 AAPL 10.00 cap=Z\n"
		 "< alice J a1 O\n"
		 "> alice O a1 B 100 AAPL 10.00 ise=X\n"
		 "< alice J a1 O\n"
		 "> alice O a1 B 100 AAPL 10.00 cross=O\n"
		 "< alice J a1 R\n"
		 "> alice O a1 B 100 AAPL 10.00 cust=Q\n"
		 "< alice J a1 O\n"
		 "> alice O a1 B 100 AAPL 10.00 min=101\n"
		 "< alice J a1 N\n"
		 "> alice O a1 B 100 AAPL 10.00 firm=BETA\n"
		 "< alice J a1 L\n"
		 "> alice O a1 B 100 ZZZZ 10.00\n"
		 "< alice J a1 S\n"
		 "> alice O a1 B 100 aapl 10.00\n"
		 "< alice J a1 S\n"
		 "> alice O a1 B 100 %20AAPL 10.00\n"
		 "< alice J a1 S\n"
		 "> alice O a1 B 100 A%01PL 10.00\n"
		 "< alice J a1 S\n"
		 "> alice O a1 B 100 - 10.00\n"
		 "< alice J a1 S\n"
		 "# the first failing check answers\n"
		 "> alice O a1 X 0 ZZZZ #0 tif=100000 disp=P\n"
		 "< alice J a1 O\n"
		 "> alice O a1 B 0 ZZZZ #0\n"
		 "< alice J a1 Q\n"
		 "> alice O a1 B 5 ZZZZ #0\n"
		 "< alice J a1 X\n"
		 "> alice O a1 B 5 ZZZZ 1.00 min=6\n"
		 "< alice J a1 N\n"
		 "# bounds that pass\n"
		 "> alice O a1 B 999999 AAPL 0.0001 firm=ACME tif=99997 disp=N cap=R ise=Y cust=R\n"
		 "< alice A a1 B 999999 AAPL 0.0001 ref=1 L\n"
		 "> alice O a2 S 1 AAPL 199999.99 disp=A cap=O cust=N\n"
		 "< alice A a2 S 1 AAPL 199999.99 ref=2 L\n"
		 "> alice O a3 S 1 AAPL 0.0001 cap=P\n"
		 "< alice A a3 S 1 AAPL 0.0001 ref=3 L\n"
		 "< alice E a1 1 0.0001 A m=1\n"
		 "< alice E a3 1 0.0001 R m=1\n"
		 "< F m=1 AAPL 1 0.0001 B=alice/a1/1/A S=alice/a3/3/R\n");
}

Test(validate, tokens_users_types)
{
	tord_run(tord_base_ini,
		 "> alice O %00%01 B 100 AAPL 10.00\n"
		 "< alice J %00%01 O\n"
		 "> alice O - B 100 AAPL 10.00\n"
		 "< alice J - O\n"
		 "> alice O ab%7Fcd B 100 AAPL 10.00\n"
		 "< alice J ab%7Fcd O\n"
		 "> alice O ab%FFcd B 100 AAPL 10.00\n"
		 "< alice J ab%FFcd O\n"
		 "# any printable bytes will do, spaces inside too\n"
		 "> alice O a%20b!~ B 100 AAPL 10.00\n"
		 "< alice A a%20b!~ B 100 AAPL 10.00 ref=1 L\n"
		 "> alice O a%20b!~ B 100 AAPL 10.00\n"
		 "< alice J a%20b!~ U\n"
		 "# the same token from another user is another token\n"
		 "> bob O a%20b!~ S 10 AAPL 11.00\n"
		 "< bob A a%20b!~ S 10 AAPL 11.00 ref=2 L\n"
		 "# a rejected order did not use its token\n"
		 "> alice O t2 B 0 AAPL 10.00\n"
		 "< alice J t2 Q\n"
		 "> alice O t2 B 1 AAPL 10.00\n"
		 "< alice A t2 B 1 AAPL 10.00 ref=3 L\n"
		 "> #9 O x1 B 100 AAPL 10.00\n"
		 "< #9 J x1 O\n"
		 "> #65535 X x1 0\n"
		 "< #65535 J x1 O\n"
		 "> alice Z q1\n"
		 "< alice J q1 O\n"
		 "> alice %00 q1\n"
		 "< alice J q1 O\n");
}

/* -------------------------------------------------------------- capacity */

Test(capacity, tokens_and_orders)
{
	tord_run(ini("[engine]\nmax_tokens = 3\nmax_orders = 2\n"),
		 "> alice O a1 B 1 AAPL 1.00\n"
		 "< alice A a1 B 1 AAPL 1.00 ref=1 L\n"
		 "> alice O a2 B 1 AAPL 1.00\n"
		 "< alice A a2 B 1 AAPL 1.00 ref=2 L\n"
		 "> alice O a3 B 1 AAPL 1.00\n"
		 "< alice J a3 Y\n"
		 "> alice X a1 0\n"
		 "< alice C a1 1 U\n"
		 "> alice O a3 B 1 AAPL 1.00\n"
		 "< alice A a3 B 1 AAPL 1.00 ref=3 L\n"
		 "> alice O a4 B 1 AAPL 1.00\n"
		 "< alice J a4 Y\n"
		 "> alice U a2 a4 1 1.00\n"
		 "< alice J a4 Y\n"
		 "# what is live still trades and cancels\n"
		 "> bob X x 0\n"
		 "< bob I x\n"
		 "> alice X a2 0\n"
		 "< alice C a2 1 U\n");
}

Test(capacity, open_stock_list)
{
	tord_run("[user.alice]\nfirm = ACME\n[engine]\nmax_stocks = 2\n",
		 "> alice O a1 B 1 AAA 1.00\n"
		 "< alice A a1 B 1 AAA 1.00 ref=1 L\n"
		 "> market BBB 1.00 1.01 0 T\n"
		 "> alice O a2 B 1 CCC 1.00\n"
		 "< alice J a2 Y\n"
		 "> alice O a2 B 1 BBB 1.00\n"
		 "< alice A a2 B 1 BBB 1.00 ref=2 L\n"
		 "> alice O a3 B 1 BRK.A 1.00\n"
		 "< alice J a3 Y\n"
		 "> alice O a3 B 1 a 1.00\n"
		 "< alice J a3 S\n");
}
