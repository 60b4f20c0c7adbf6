/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tg_book on hand-built event records: every message type that touches
 * the book, every bad-input reason, the printers, the software decode,
 * and the real 12,012-message sample day checked against a naive book.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "book/tg_book.h"
#include "test_book_ref.h"

/* ---- records built as docs/card-interface.md section 4 describes ---- */

static uint64_t t_seq;

static struct tg_event
ev_new(char type, uint16_t locate)
{
	struct tg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = TG_EV_MSG;
	ev.msg_type = (uint8_t)type;
	ev.stock_locate = locate;
	ev.seq = ++t_seq;
	ev.ts = 34200000000000ull + t_seq;
	return ev;
}

/* An integer field at its wire offset, little-endian in the body. */
static void
put_le(struct tg_event *ev, unsigned wire_off, uint64_t v, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		ev->body[wire_off - 11 + k] = (uint8_t)(v >> (8 * k));
}

/* An alpha field at its wire offset, space padded, as sent. */
static void
put_alpha(struct tg_event *ev, unsigned wire_off, const char *s, unsigned n)
{
	unsigned k = 0;

	for (; k < n && s[k]; k++)
		ev->body[wire_off - 11 + k] = (uint8_t)s[k];
	for (; k < n; k++)
		ev->body[wire_off - 11 + k] = ' ';
}

static struct tg_event
ev_dir(uint16_t locate, const char *stock)
{
	struct tg_event ev = ev_new('R', locate);

	put_alpha(&ev, 11, stock, 8);
	ev.body[19 - 11] = 'Q';
	ev.body[20 - 11] = 'N';
	put_le(&ev, 21, 100, 4);
	ev.body[25 - 11] = 'N';
	return ev;
}

static struct tg_event
ev_add(char type, uint16_t locate, uint64_t ref, char side, uint32_t shares,
       const char *stock, uint32_t price)
{
	struct tg_event ev = ev_new(type, locate);

	put_le(&ev, 11, ref, 8);
	ev.body[19 - 11] = (uint8_t)side;
	put_le(&ev, 20, shares, 4);
	put_alpha(&ev, 24, stock, 8);
	put_le(&ev, 32, price, 4);
	if (type == 'F')
		put_alpha(&ev, 36, "GSCO", 4);
	return ev;
}

static struct tg_event
ev_exec(uint16_t locate, uint64_t ref, uint32_t shares, uint64_t match)
{
	struct tg_event ev = ev_new('E', locate);

	put_le(&ev, 11, ref, 8);
	put_le(&ev, 19, shares, 4);
	put_le(&ev, 23, match, 8);
	return ev;
}

static struct tg_event
ev_exec_price(uint16_t locate, uint64_t ref, uint32_t shares, char printable,
	      uint32_t price)
{
	struct tg_event ev = ev_new('C', locate);

	put_le(&ev, 11, ref, 8);
	put_le(&ev, 19, shares, 4);
	put_le(&ev, 23, 77, 8);
	ev.body[31 - 11] = (uint8_t)printable;
	put_le(&ev, 32, price, 4);
	return ev;
}

static struct tg_event
ev_cancel(uint16_t locate, uint64_t ref, uint32_t shares)
{
	struct tg_event ev = ev_new('X', locate);

	put_le(&ev, 11, ref, 8);
	put_le(&ev, 19, shares, 4);
	return ev;
}

static struct tg_event
ev_delete(uint16_t locate, uint64_t ref)
{
	struct tg_event ev = ev_new('D', locate);

	put_le(&ev, 11, ref, 8);
	return ev;
}

static struct tg_event
ev_replace(uint16_t locate, uint64_t orig, uint64_t nref, uint32_t shares,
	   uint32_t price)
{
	struct tg_event ev = ev_new('U', locate);

	put_le(&ev, 11, orig, 8);
	put_le(&ev, 19, nref, 8);
	put_le(&ev, 27, shares, 4);
	put_le(&ev, 31, price, 4);
	return ev;
}

static struct tg_event
ev_trade(uint16_t locate, const char *stock, uint32_t shares, uint32_t price)
{
	struct tg_event ev = ev_new('P', locate);

	put_le(&ev, 11, 0, 8);
	ev.body[19 - 11] = 'B';
	put_le(&ev, 20, shares, 4);
	put_alpha(&ev, 24, stock, 8);
	put_le(&ev, 32, price, 4);
	put_le(&ev, 36, 900, 8);
	return ev;
}

static struct tg_event
ev_cross(uint16_t locate, const char *stock, uint64_t shares, uint32_t price)
{
	struct tg_event ev = ev_new('Q', locate);

	put_le(&ev, 11, shares, 8);
	put_alpha(&ev, 19, stock, 8);
	put_le(&ev, 27, price, 4);
	put_le(&ev, 31, 901, 8);
	ev.body[39 - 11] = 'O';
	return ev;
}

static struct tg_book *bk;

static void
apply(struct tg_event ev)
{
	tg_book_apply(bk, &ev);
}

static void
setup(void)
{
	struct tg_book_config cfg = { .max_orders = 1024 };

	t_seq = 0;
	bk = tg_book_new(&cfg);
	cr_assert_not_null(bk);
	apply(ev_dir(1, "AAPL"));
	apply(ev_dir(2, "MSFT"));
}

static void
teardown(void)
{
	tg_book_free(bk);
}

static struct tg_book_stats
stats(void)
{
	struct tg_book_stats st;

	tg_book_stats(bk, &st);
	return st;
}

static uint64_t
errs(void)
{
	struct tg_book_stats st = stats();
	uint64_t n = 0;

	for (int k = 0; k < TG_BOOK_ERR_NUM; k++)
		n += st.err[k];
	return n;
}

/* Assert one side's levels: n triples {price, shares, orders}. */
static void
expect_side(uint16_t locate, enum tg_book_side side, unsigned n,
	    const uint64_t (*want)[3])
{
	struct tg_book_level lv[32];
	unsigned got = tg_book_levels(bk, locate, side, 32, lv);

	cr_assert_eq(got, n, "side %d: %u levels, want %u", side, got, n);
	cr_assert_eq(tg_book_depth(bk, locate, side), n);
	for (unsigned k = 0; k < n; k++) {
		cr_assert_eq(lv[k].price, want[k][0], "level %u price %u want %lu",
			     k, lv[k].price, (unsigned long)want[k][0]);
		cr_assert_eq(lv[k].shares, want[k][1], "level %u shares", k);
		cr_assert_eq(lv[k].orders, want[k][2], "level %u orders", k);
	}
}

TestSuite(book, .init = setup, .fini = teardown);

Test(book, directory_and_lookup)
{
	struct tg_book_stock_info info;

	cr_assert_eq(tg_book_find_stock(bk, "AAPL"), 1);
	cr_assert_eq(tg_book_find_stock(bk, "MSFT"), 2);
	cr_assert_eq(tg_book_find_stock(bk, "MSFT  "), 2);
	cr_assert_eq(tg_book_find_stock(bk, "IBM"), -1);
	cr_assert_eq(tg_book_find_stock(bk, ""), -1);
	cr_assert_eq(tg_book_find_stock(bk, "TOOLONGNAME"), -1);
	tg_book_stock_info(bk, 1, &info);
	cr_assert_str_eq(info.symbol, "AAPL");
	cr_assert(info.has_directory);
	cr_assert_eq(info.round_lot_size, 100);
	cr_assert_eq(info.market_category, 'Q');
	cr_assert_eq(stats().stocks, 2);
}

Test(book, adds_build_sorted_levels)
{
	apply(ev_add('A', 1, 10, 'B', 100, "AAPL", 1500000));
	apply(ev_add('A', 1, 11, 'B', 200, "AAPL", 1499900));
	apply(ev_add('F', 1, 12, 'B', 300, "AAPL", 1500000));
	apply(ev_add('A', 1, 13, 'B', 50, "AAPL", 1500100));
	apply(ev_add('A', 1, 20, 'S', 400, "AAPL", 1500300));
	apply(ev_add('A', 1, 21, 'S', 500, "AAPL", 1500200));
	apply(ev_add('F', 1, 22, 'S', 600, "AAPL", 1500500));
	apply(ev_add('A', 2, 30, 'S', 10, "MSFT", 3700000));

	static const uint64_t bids[][3] = {
		{ 1500100, 50, 1 }, { 1500000, 400, 2 }, { 1499900, 200, 1 },
	};
	static const uint64_t asks[][3] = {
		{ 1500200, 500, 1 }, { 1500300, 400, 1 }, { 1500500, 600, 1 },
	};
	expect_side(1, TG_BOOK_BID, 3, bids);
	expect_side(1, TG_BOOK_ASK, 3, asks);

	struct tg_book_bbo bbo;

	tg_book_bbo(bk, 1, &bbo);
	cr_assert_eq(bbo.bid.price, 1500100);
	cr_assert_eq(bbo.ask.price, 1500200);
	cr_assert_eq(bbo.ask.shares, 500);
	tg_book_bbo(bk, 2, &bbo);
	cr_assert_eq(bbo.bid.orders, 0, "no bid on MSFT");
	cr_assert_eq(bbo.ask.price, 3700000);

	struct tg_book_stats st = stats();

	cr_assert_eq(st.orders, 8);
	cr_assert_eq(st.levels, 7);
	cr_assert_eq(st.msg_type[tg_itch_index('A')], 6);
	cr_assert_eq(st.msg_type[tg_itch_index('F')], 2);
	cr_assert_eq(errs(), 0);

	/* depth limits the answer, best first */
	struct tg_book_level lv[2];

	cr_assert_eq(tg_book_levels(bk, 1, TG_BOOK_BID, 2, lv), 2);
	cr_assert_eq(lv[0].price, 1500100);
	cr_assert_eq(lv[1].price, 1500000);
}

Test(book, execute_partial_and_full)
{
	struct tg_book_stock_info info;

	apply(ev_add('A', 1, 10, 'B', 300, "AAPL", 1500000));
	apply(ev_add('A', 1, 11, 'B', 100, "AAPL", 1500000));
	apply(ev_exec(1, 10, 120, 1));

	static const uint64_t after1[][3] = { { 1500000, 280, 2 } };

	expect_side(1, TG_BOOK_BID, 1, after1);
	apply(ev_exec(1, 10, 180, 2));

	static const uint64_t after2[][3] = { { 1500000, 100, 1 } };

	expect_side(1, TG_BOOK_BID, 1, after2);
	cr_assert_eq(stats().orders, 1);
	tg_book_stock_info(bk, 1, &info);
	cr_assert_eq(info.last_price, 1500000);
	cr_assert_eq(info.last_shares, 180);
	cr_assert_eq(info.volume, 300);
	cr_assert_eq(info.trades, 2);
	/* the executed-out reference is gone */
	apply(ev_exec(1, 10, 1, 3));
	cr_assert_eq(stats().err[TG_BOOK_ERR_UNKNOWN_ORDER], 1);
}

Test(book, execute_with_price_keeps_book_price)
{
	struct tg_book_stock_info info;

	apply(ev_add('A', 1, 10, 'S', 500, "AAPL", 1500200));
	apply(ev_exec_price(1, 10, 200, 'Y', 1500000));

	static const uint64_t asks[][3] = { { 1500200, 300, 1 } };

	expect_side(1, TG_BOOK_ASK, 1, asks);
	tg_book_stock_info(bk, 1, &info);
	cr_assert_eq(info.last_price, 1500000, "C prints at its own price");
	cr_assert_eq(info.volume, 200);
	/* non-printable: the book moves, the tape does not */
	apply(ev_exec_price(1, 10, 300, 'N', 1490000));
	cr_assert_eq(tg_book_depth(bk, 1, TG_BOOK_ASK), 0);
	tg_book_stock_info(bk, 1, &info);
	cr_assert_eq(info.last_price, 1500000);
	cr_assert_eq(info.volume, 200);
	cr_assert_eq(info.trades, 1);
	cr_assert_eq(errs(), 0);
}

Test(book, cancel_partial_and_over)
{
	apply(ev_add('A', 1, 10, 'B', 300, "AAPL", 1500000));
	apply(ev_add('A', 1, 11, 'B', 100, "AAPL", 1499000));
	apply(ev_cancel(1, 10, 100));

	static const uint64_t b1[][3] = { { 1500000, 200, 1 }, { 1499000, 100, 1 } };

	expect_side(1, TG_BOOK_BID, 2, b1);
	apply(ev_cancel(1, 10, 500));	/* more than rests */

	static const uint64_t b2[][3] = { { 1499000, 100, 1 } };

	expect_side(1, TG_BOOK_BID, 1, b2);
	cr_assert_eq(stats().err[TG_BOOK_ERR_OVER_CANCEL], 1);
	cr_assert_eq(stats().orders, 1);
	apply(ev_cancel(1, 11, 100));	/* exactly what rests: gone, no error */
	cr_assert_eq(tg_book_depth(bk, 1, TG_BOOK_BID), 0);
	cr_assert_eq(stats().err[TG_BOOK_ERR_OVER_CANCEL], 1);
}

Test(book, delete_last_order_removes_level)
{
	struct tg_book_bbo bbo;

	apply(ev_add('A', 1, 10, 'S', 100, "AAPL", 1500200));
	apply(ev_add('A', 1, 11, 'S', 100, "AAPL", 1500200));
	apply(ev_add('A', 1, 12, 'S', 100, "AAPL", 1500300));
	apply(ev_delete(1, 10));
	tg_book_bbo(bk, 1, &bbo);
	cr_assert_eq(bbo.ask.price, 1500200);
	cr_assert_eq(bbo.ask.orders, 1);
	apply(ev_delete(1, 11));
	tg_book_bbo(bk, 1, &bbo);
	cr_assert_eq(bbo.ask.price, 1500300, "the emptied best level is gone");
	cr_assert_eq(tg_book_depth(bk, 1, TG_BOOK_ASK), 1);
	cr_assert_eq(stats().levels, 1);
	apply(ev_delete(1, 12));
	cr_assert_eq(tg_book_depth(bk, 1, TG_BOOK_ASK), 0);
	cr_assert_eq(stats().levels, 0);
	cr_assert_eq(stats().orders, 0);
	cr_assert_eq(stats().peak_orders, 3);
	cr_assert_eq(stats().peak_levels, 2);
	cr_assert_eq(errs(), 0);
	/* the level can come back */
	apply(ev_add('A', 1, 13, 'S', 100, "AAPL", 1500200));
	tg_book_bbo(bk, 1, &bbo);
	cr_assert_eq(bbo.ask.price, 1500200);
}

Test(book, replace_semantics)
{
	apply(ev_add('A', 1, 10, 'B', 300, "AAPL", 1500000));
	apply(ev_add('A', 1, 11, 'B', 100, "AAPL", 1500000));
	apply(ev_replace(1, 10, 50, 700, 1499500));

	static const uint64_t b1[][3] = { { 1500000, 100, 1 }, { 1499500, 700, 1 } };

	expect_side(1, TG_BOOK_BID, 2, b1);
	cr_assert_eq(tg_book_depth(bk, 1, TG_BOOK_ASK), 0, "same side");
	cr_assert_eq(tg_book_depth(bk, 2, TG_BOOK_BID), 0, "same stock");
	/* old reference gone, new one live */
	apply(ev_delete(1, 10));
	cr_assert_eq(stats().err[TG_BOOK_ERR_UNKNOWN_ORDER], 1);
	apply(ev_exec(1, 50, 200, 5));

	static const uint64_t b2[][3] = { { 1500000, 100, 1 }, { 1499500, 500, 1 } };

	expect_side(1, TG_BOOK_BID, 2, b2);
	/* replace at the same price: stays one level, one order */
	apply(ev_replace(1, 11, 51, 150, 1500000));

	static const uint64_t b3[][3] = { { 1500000, 150, 1 }, { 1499500, 500, 1 } };

	expect_side(1, TG_BOOK_BID, 2, b3);
	/* unknown original: nothing added */
	apply(ev_replace(1, 999, 52, 100, 1600000));
	cr_assert_eq(stats().err[TG_BOOK_ERR_UNKNOWN_ORDER], 2);
	cr_assert_eq(stats().orders, 2);
	/* new reference already resting: the original leaves, the add is refused */
	apply(ev_replace(1, 51, 50, 100, 1400000));
	cr_assert_eq(stats().err[TG_BOOK_ERR_DUPLICATE_ORDER], 1);

	static const uint64_t b4[][3] = { { 1499500, 500, 1 } };

	expect_side(1, TG_BOOK_BID, 1, b4);
}

Test(book, trades_do_not_touch_the_book)
{
	struct tg_book_stock_info info;
	struct tg_book_stats before, after;

	apply(ev_add('A', 1, 10, 'B', 300, "AAPL", 1500000));
	before = stats();
	apply(ev_trade(1, "AAPL", 250, 1500100));
	tg_book_stock_info(bk, 1, &info);
	cr_assert_eq(info.last_price, 1500100);
	cr_assert_eq(info.last_shares, 250);
	apply(ev_cross(1, "AAPL", 123456789012ull, 1499900));
	tg_book_stock_info(bk, 1, &info);
	cr_assert_eq(info.last_price, 1499900);
	cr_assert_eq(info.last_shares, 123456789012ull);
	cr_assert_eq(info.volume, 250 + 123456789012ull);

	struct tg_event b = ev_new('B', 1);

	put_le(&b, 11, 900, 8);
	apply(b);
	tg_book_stock_info(bk, 1, &info);
	cr_assert_eq(info.broken_trades, 1);
	after = stats();
	cr_assert_eq(after.orders, before.orders);
	cr_assert_eq(after.levels, before.levels);

	static const uint64_t b1[][3] = { { 1500000, 300, 1 } };

	expect_side(1, TG_BOOK_BID, 1, b1);
	cr_assert_eq(errs(), 0);
}

Test(book, stock_states)
{
	struct tg_book_stock_info info;
	struct tg_event h = ev_new('H', 1), y = ev_new('Y', 1), hh = ev_new('h', 1);
	struct tg_event s = ev_new('S', 0);

	put_alpha(&h, 11, "AAPL", 8);
	h.body[19 - 11] = 'H';
	h.body[20 - 11] = ' ';
	put_alpha(&h, 21, "LUDP", 4);
	put_alpha(&y, 11, "AAPL", 8);
	y.body[19 - 11] = '1';
	put_alpha(&hh, 11, "AAPL", 8);
	hh.body[19 - 11] = 'Q';
	hh.body[20 - 11] = 'H';
	s.body[0] = 'Q';
	apply(h);
	apply(y);
	apply(hh);
	apply(s);
	tg_book_stock_info(bk, 1, &info);
	cr_assert_eq(info.trading_state, 'H');
	cr_assert_str_eq(info.trading_reason, "LUDP");
	cr_assert_eq(info.reg_sho_action, '1');
	cr_assert_eq(info.halt_market_code, 'Q');
	cr_assert_eq(info.halt_action, 'H');
	cr_assert_eq(tg_book_system_event(bk), 'Q');
	cr_assert_eq(errs(), 0);
}

Test(book, bad_input_counted_not_fatal)
{
	struct tg_event ev;
	struct tg_book_stats st;

	apply(ev_exec(1, 404, 100, 1));
	apply(ev_exec_price(1, 405, 100, 'Y', 1));
	apply(ev_cancel(1, 406, 100));
	apply(ev_delete(1, 407));
	apply(ev_replace(1, 408, 409, 100, 1));
	cr_assert_eq(stats().err[TG_BOOK_ERR_UNKNOWN_ORDER], 5);

	apply(ev_add('A', 1, 10, 'B', 100, "AAPL", 1500000));
	apply(ev_exec(1, 10, 150, 1));		/* over-execution: removed */
	cr_assert_eq(stats().err[TG_BOOK_ERR_OVER_EXECUTION], 1);
	cr_assert_eq(stats().orders, 0);
	cr_assert_eq(tg_book_depth(bk, 1, TG_BOOK_BID), 0);

	apply(ev_add('A', 1, 11, 'S', 100, "AAPL", 1500000));
	apply(ev_add('A', 1, 11, 'S', 200, "AAPL", 1600000));
	cr_assert_eq(stats().err[TG_BOOK_ERR_DUPLICATE_ORDER], 1);
	cr_assert_eq(stats().orders, 1);

	apply(ev_add('A', 1, 12, 'Z', 100, "AAPL", 1500000));
	cr_assert_eq(stats().err[TG_BOOK_ERR_BAD_SIDE], 1);

	/* a stock with no directory: counted, and the book still kept */
	apply(ev_add('A', 7, 13, 'B', 100, "NEWCO", 990000));
	cr_assert_eq(stats().err[TG_BOOK_ERR_NO_DIRECTORY], 1);
	cr_assert_eq(tg_book_find_stock(bk, "NEWCO"), 7);
	cr_assert_eq(tg_book_depth(bk, 7, TG_BOOK_BID), 1);
	apply(ev_delete(7, 13));
	cr_assert_eq(stats().err[TG_BOOK_ERR_NO_DIRECTORY], 2);
	cr_assert_eq(tg_book_depth(bk, 7, TG_BOOK_BID), 0);

	/* unknown type, unknown kind */
	ev = ev_new('Z', 1);
	apply(ev);
	ev = ev_new('A', 1);
	ev.kind = 9;
	apply(ev);
	st = stats();
	cr_assert_eq(st.err[TG_BOOK_ERR_BAD_RECORD], 2);

	/* gaps and end of session are counted */
	memset(&ev, 0, sizeof(ev));
	ev.kind = TG_EV_GAP;
	ev.seq = 100;
	ev.ts = 25;
	apply(ev);
	ev.kind = TG_EV_EOS;
	apply(ev);
	st = stats();
	cr_assert_eq(st.gaps, 1);
	cr_assert_eq(st.gap_messages, 25);
	cr_assert_eq(st.end_of_session, 1);
	cr_assert_str_eq(tg_book_err_name(TG_BOOK_ERR_UNKNOWN_ORDER), "unknown_order");
	cr_assert_str_eq(tg_book_err_name(TG_BOOK_ERR_NUM), "?");
}

Test(book, table_full)
{
	struct tg_book_config cfg = { .max_orders = 4 };
	struct tg_book *small = tg_book_new(&cfg);
	struct tg_book_stats st;
	struct tg_event ev;

	for (uint64_t ref = 1; ref <= 6; ref++) {
		ev = ev_add('A', 1, ref, 'B', 100, "AAPL", 1000000 + (uint32_t)ref * 100);
		tg_book_apply(small, &ev);
	}
	tg_book_stats(small, &st);
	cr_assert_eq(st.orders, 4);
	cr_assert_eq(st.err[TG_BOOK_ERR_TABLE_FULL], 2);
	ev = ev_delete(1, 2);
	tg_book_apply(small, &ev);
	ev = ev_add('A', 1, 7, 'B', 100, "AAPL", 1000000);
	tg_book_apply(small, &ev);
	tg_book_stats(small, &st);
	cr_assert_eq(st.orders, 4, "room again after a delete");
	tg_book_free(small);
}

/* Deep books: more levels than are scanned linearly, arrays that double. */
Test(book, deep_levels_and_growth)
{
	struct tg_book_config cfg = { .max_orders = 4096, .levels_hint = 1 };
	struct tg_book *b = tg_book_new(&cfg);
	struct tg_book_level lv[300];
	struct tg_book_stats st;
	struct tg_event ev;
	uint64_t ref = 1;

	ev = ev_dir(1, "AAPL");
	tg_book_apply(b, &ev);
	/* prices interleaved so inserts land everywhere in the array */
	for (uint32_t k = 0; k < 200; k++) {
		uint32_t p = 1000000 + ((k * 37) % 200) * 100;

		ev = ev_add('A', 1, ref++, 'S', 100 + k, "AAPL", p);
		tg_book_apply(b, &ev);
		ev = ev_add('A', 1, ref++, 'B', 100, "AAPL", p - 100000);
		tg_book_apply(b, &ev);
	}
	cr_assert_eq(tg_book_levels(b, 1, TG_BOOK_ASK, 300, lv), 200);
	for (unsigned k = 0; k < 200; k++)
		cr_assert_eq(lv[k].price, 1000000 + k * 100);
	cr_assert_eq(tg_book_levels(b, 1, TG_BOOK_BID, 300, lv), 200);
	for (unsigned k = 0; k < 200; k++)
		cr_assert_eq(lv[k].price, 1000000 - 100000 + (199 - k) * 100);
	/* delete every other ask, deepest first, exercising the bisection */
	for (uint32_t k = 200; k-- > 0;)
		if (k % 2 == 0) {
			ev = ev_delete(1, 1 + 2 * k);
			tg_book_apply(b, &ev);
		}
	cr_assert_eq(tg_book_levels(b, 1, TG_BOOK_ASK, 300, lv), 100);
	for (unsigned k = 1; k < 100; k++)
		cr_assert(lv[k].price > lv[k - 1].price);
	tg_book_stats(b, &st);
	cr_assert(st.level_grows >= 7, "1 -> 256 doubles at least 7 times");
	for (int k = 0; k < TG_BOOK_ERR_NUM; k++)
		cr_assert_eq(st.err[k], 0);
	tg_book_free(b);
}

Test(book, clear_keeps_nothing_but_memory)
{
	struct tg_book_stats st;
	struct tg_book_bbo bbo;

	apply(ev_add('A', 1, 10, 'B', 100, "AAPL", 1500000));
	apply(ev_add('A', 1, 11, 'S', 100, "AAPL", 1500100));
	apply(ev_delete(1, 99));
	tg_book_clear(bk);
	st = stats();
	cr_assert_eq(st.orders + st.levels + st.messages + st.stocks + errs(), 0);
	cr_assert_eq(tg_book_find_stock(bk, "AAPL"), -1);
	tg_book_bbo(bk, 1, &bbo);
	cr_assert_eq(bbo.bid.orders + bbo.ask.orders, 0);
	/* the same references are new again */
	apply(ev_dir(1, "AAPL"));
	apply(ev_add('A', 1, 10, 'B', 300, "AAPL", 1490000));
	tg_book_bbo(bk, 1, &bbo);
	cr_assert_eq(bbo.bid.price, 1490000);
	cr_assert_eq(bbo.bid.shares, 300);
	cr_assert_eq(tg_book_find_stock(bk, "AAPL"), 1);
	cr_assert_eq(errs(), 0);
}

/* ---- printers ---- */

static char *
print_json(uint16_t locate, unsigned depth)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(tg_book_print_json(f, bk, locate, depth), 0);
	fclose(f);
	return buf;
}

Test(book, json_output_exact)
{
	char *s;

	apply(ev_add('A', 1, 10, 'B', 100, "AAPL", 1500000));
	apply(ev_add('A', 1, 11, 'B', 200, "AAPL", 1500000));
	apply(ev_add('A', 1, 12, 'B', 300, "AAPL", 1499900));
	apply(ev_add('A', 1, 13, 'S', 400, "AAPL", 1500100));
	s = print_json(1, 10);
	cr_assert_str_eq(s, "{\"stock\":\"AAPL\",\"bids\":[[1500000,300,2],[1499900,300,1]],"
			    "\"asks\":[[1500100,400,1]]}\n");
	free(s);
	s = print_json(1, 1);
	cr_assert_str_eq(s, "{\"stock\":\"AAPL\",\"bids\":[[1500000,300,2]],"
			    "\"asks\":[[1500100,400,1]]}\n");
	free(s);
	s = print_json(1, 0);	/* 0: every level */
	cr_assert_str_eq(s, "{\"stock\":\"AAPL\",\"bids\":[[1500000,300,2],[1499900,300,1]],"
			    "\"asks\":[[1500100,400,1]]}\n");
	free(s);
	s = print_json(2, 5);
	cr_assert_str_eq(s, "{\"stock\":\"MSFT\",\"bids\":[],\"asks\":[]}\n");
	free(s);
}

Test(book, text_output)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	apply(ev_add('A', 1, 10, 'B', 100, "AAPL", 1500000));
	apply(ev_add('A', 1, 13, 'S', 400, "AAPL", 1500100));
	apply(ev_trade(1, "AAPL", 50, 1500050));
	cr_assert_eq(tg_book_print_text(f, bk, 1, 5), 0);
	fclose(f);
	cr_assert(strstr(buf, "AAPL"));
	cr_assert(strstr(buf, "150.0000"));
	cr_assert(strstr(buf, "150.0100"));
	cr_assert(strstr(buf, "last 150.0050 x 50"));
	free(buf);
}

/* ---- the software decode matches hand-built records ---- */

Test(book, event_from_msg)
{
	/* Add Order, big-endian on the wire: ref 0x0102030405060708, 'S', 300 shares */
	uint8_t msg[36] = { 'A', 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78,
			    1, 2, 3, 4, 5, 6, 7, 8, 'S', 0, 0, 0x01, 0x2c,
			    'A', 'A', 'P', 'L', ' ', ' ', ' ', ' ', 0, 0x16, 0xe3, 0x60 };
	struct tg_event got, want = ev_add('A', 1, 0x0102030405060708ull, 'S', 300,
					   "AAPL", 1500000);

	want.tracking_number = 2;
	want.seq = 42;
	want.ts = 0x12345678;
	cr_assert_eq(tg_book_event_from_msg(&got, msg, sizeof(msg), 42), 0);
	cr_assert_eq(memcmp(&got, &want, sizeof(got)), 0);
	cr_assert_eq(tg_book_event_from_msg(&got, msg, 35, 42), -1, "wrong length");
	msg[0] = 'Z';
	cr_assert_eq(tg_book_event_from_msg(&got, msg, sizeof(msg), 42), -1, "unknown type");
}

/* ---- the real sample day ---- */

static uint8_t *
load_ritch(size_t *len)
{
	const char *path = TG_SHARED_DIR
		"/data/itch50-real/RITCH/inst/extdata/ex20101224.TEST_ITCH_50.gz";
	gzFile z = gzopen(path, "rb");
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap);
	int r;

	cr_assert_not_null(z, "cannot open %s", path);
	while ((r = gzread(z, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	gzclose(z);
	*len = n;
	return buf;
}

/*
 * 12,012 real messages (2-byte length, 0 in this file, then the message
 * walked by its type's length): 117 executions, cancels, deletes and
 * replaces name orders that were never added, and the books end crossed.
 * tg_book must count them and agree with the naive book to the share.
 */
Test(book, real_sample_day)
{
	struct tg_book *b = tg_book_new(NULL);
	struct nref ref = { 0 };
	struct tg_book_stats st;
	size_t len, off = 0;
	uint8_t *raw = load_ritch(&len);
	uint64_t seq = 0;
	int crossed = 0;

	while (off + 3 <= len) {
		unsigned mlen = tg_itch_len(raw[off + 2]);
		struct tg_event ev;

		cr_assert_neq(mlen, 0, "unknown type at %zu", off);
		cr_assert_eq(tg_book_event_from_msg(&ev, raw + off + 2, mlen, ++seq), 0);
		tg_book_apply(b, &ev);
		nref_apply(&ref, &ev);
		off += 2 + mlen;
	}
	cr_assert_eq(off, len);
	cr_assert_eq(seq, 12012);
	tg_book_stats(b, &st);
	cr_assert_eq(st.messages, 12012);
	cr_assert_eq(st.msg_type[tg_itch_index('P')], 5000);
	cr_assert_eq(st.msg_type[tg_itch_index('A')], 4997);
	cr_assert_eq(st.err[TG_BOOK_ERR_UNKNOWN_ORDER], 117);
	cr_assert_eq(ref.unknown, 117);
	cr_assert_eq(st.err[TG_BOOK_ERR_OVER_EXECUTION], ref.over_exec);
	cr_assert_eq(st.err[TG_BOOK_ERR_OVER_CANCEL], ref.over_cancel);
	cr_assert_eq(st.err[TG_BOOK_ERR_DUPLICATE_ORDER], ref.dup);
	cr_assert_eq(st.err[TG_BOOK_ERR_NO_DIRECTORY], 0);
	cr_assert_eq(st.orders, ref.n);
	cr_assert_eq(st.stocks, 3);
	cr_assert_eq(tg_book_system_event(b), 'C');

	static const char *const names[] = { "ALC", "BOB", "CHAR" };

	for (int k = 0; k < 3; k++) {
		int loc = tg_book_find_stock(b, names[k]);
		struct tg_book_stock_info info;

		cr_assert_eq(loc, k + 1);
		tg_book_stock_info(b, (uint16_t)loc, &info);
		cr_assert_eq(info.trading_state, 'T');
		for (int side = 0; side < 2; side++) {
			static struct tg_book_level got[4096], want[4096];
			unsigned ng = tg_book_levels(b, (uint16_t)loc, side, 4096, got);
			unsigned nw = nref_levels(&ref, (uint16_t)loc, side, want, 4096);

			cr_assert_eq(ng, nw, "%s side %d: %u levels, naive %u",
				     names[k], side, ng, nw);
			for (unsigned j = 0; j < ng; j++) {
				cr_assert_eq(got[j].price, want[j].price);
				cr_assert_eq(got[j].shares, want[j].shares);
				cr_assert_eq(got[j].orders, want[j].orders);
			}
		}
		struct tg_book_bbo bbo;

		tg_book_bbo(b, (uint16_t)loc, &bbo);
		if (bbo.bid.orders && bbo.ask.orders && bbo.bid.price >= bbo.ask.price)
			crossed++;
	}
	cr_assert(crossed > 0, "the sample's books end crossed, and stay so here");
	nref_free(&ref);
	free(raw);
	tg_book_free(b);
}
