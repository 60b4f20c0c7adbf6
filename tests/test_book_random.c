/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tg_book against a naive reference book on random order streams: adds,
 * executions (with and without price), cancels, deletes, replaces, with
 * bad input mixed in (unknown references, over-executions and cancels,
 * duplicate adds, bad sides, stocks without a directory). Levels, BBO,
 * order counts and error counters must agree throughout.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book/tg_book.h"
#include "test_book_ref.h"

#define NSTOCKS		6	/* locates 1..5 have a directory, 6 has none */

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
put_le(struct tg_event *ev, unsigned wire_off, uint64_t v, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		ev->body[wire_off - 11 + k] = (uint8_t)(v >> (8 * k));
}

static struct tg_event
mk(char type, uint16_t locate, uint64_t seq)
{
	struct tg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = TG_EV_MSG;
	ev.msg_type = (uint8_t)type;
	ev.stock_locate = locate;
	ev.seq = seq;
	ev.ts = seq * 1000;
	return ev;
}

/*
 * The next record of a random stream; ref is the naive book (its live
 * orders are what valid messages refer to). spread is the price range in
 * cents: small for crowded levels, large for deep books.
 */
static uint64_t ref_stride = 1;	/* gap between new order references */

static struct tg_event
next_event(struct rnd *r, const struct nref *ref, uint64_t *next_ref,
	   uint64_t seq, uint32_t spread, int bad)
{
	uint32_t op = rnd(r, 100);
	struct tg_event ev;
	const struct nref_order *o = NULL;
	uint64_t target;

	if (ref->n > 0)
		o = &ref->o[rnd(r, (uint32_t)ref->n)];
	if (!o || op < 40 + (ref->n < 300 ? 20 : 0)) {
		uint16_t loc = (uint16_t)(1 + rnd(r, NSTOCKS - (bad ? 0 : 1)));
		char side = rnd(r, 2) ? 'B' : 'S';
		uint64_t id = (*next_ref += ref_stride);

		if (bad && rnd(r, 50) == 0)
			side = 'X';
		if (bad && o && rnd(r, 50) == 0)
			id = o->ref;	/* duplicate */
		ev = mk(rnd(r, 5) ? 'A' : 'F', loc, seq);
		put_le(&ev, 11, id, 8);
		ev.body[19 - 11] = (uint8_t)side;
		put_le(&ev, 20, 1 + rnd(r, 1000), 4);
		memcpy(ev.body + 24 - 11, "SYM     ", 8);
		ev.body[24 - 11 + 3] = (uint8_t)('0' + loc);
		put_le(&ev, 32, 1000000 + 100 * rnd(r, spread), 4);
		return ev;
	}
	target = o->ref;
	if (bad && rnd(r, 30) == 0)
		target = 1ull << 40 | rnd(r, 1000);	/* unknown */
	if (op < 60) {
		ev = mk('D', o->locate, seq);
		put_le(&ev, 11, target, 8);
	} else if (op < 72) {
		uint32_t sh = 1 + rnd(r, o->shares);

		if (bad && rnd(r, 20) == 0)
			sh = o->shares + 1 + rnd(r, 10);
		ev = mk(rnd(r, 4) ? 'E' : 'C', o->locate, seq);
		put_le(&ev, 11, target, 8);
		put_le(&ev, 19, sh, 4);
		put_le(&ev, 23, seq, 8);
		if (ev.msg_type == 'C') {
			ev.body[31 - 11] = rnd(r, 2) ? 'Y' : 'N';
			put_le(&ev, 32, 999900, 4);
		}
	} else if (op < 82) {
		uint32_t sh = 1 + rnd(r, o->shares);

		if (bad && rnd(r, 20) == 0)
			sh = o->shares + 1;
		ev = mk('X', o->locate, seq);
		put_le(&ev, 11, target, 8);
		put_le(&ev, 19, sh, 4);
	} else {
		uint64_t id = (*next_ref += ref_stride);

		if (bad && rnd(r, 40) == 0)
			id = ref->o[rnd(r, (uint32_t)ref->n)].ref;	/* may clash */
		ev = mk('U', o->locate, seq);
		put_le(&ev, 11, target, 8);
		put_le(&ev, 19, id, 8);
		put_le(&ev, 27, 1 + rnd(r, 1000), 4);
		put_le(&ev, 31, 1000000 + 100 * rnd(r, spread), 4);
	}
	return ev;
}

static struct tg_book_level got[8192], want[8192];

static void
compare(const struct tg_book *b, const struct nref *ref, uint64_t at)
{
	struct tg_book_stats st;

	tg_book_stats(b, &st);
	cr_assert_eq(st.orders, ref->n, "at %lu: %lu orders, naive %zu",
		     (unsigned long)at, (unsigned long)st.orders, ref->n);
	for (uint16_t loc = 1; loc <= NSTOCKS; loc++) {
		struct tg_book_bbo bbo;
		struct tg_book_stock_info info;
		uint32_t orders = 0;

		tg_book_bbo(b, loc, &bbo);
		for (int side = 0; side < 2; side++) {
			unsigned ng = tg_book_levels(b, loc, side, 8192, got);
			unsigned nw = nref_levels(ref, loc, side, want, 8192);
			const struct tg_book_level *best = side ? &bbo.ask : &bbo.bid;

			cr_assert_eq(ng, nw, "at %lu stock %u side %d: %u levels, naive %u",
				     (unsigned long)at, loc, side, ng, nw);
			for (unsigned j = 0; j < ng; j++) {
				cr_assert_eq(got[j].price, want[j].price,
					     "at %lu stock %u side %d level %u",
					     (unsigned long)at, loc, side, j);
				cr_assert_eq(got[j].shares, want[j].shares);
				cr_assert_eq(got[j].orders, want[j].orders);
				orders += got[j].orders;
			}
			if (nw) {
				cr_assert_eq(best->price, want[0].price);
				cr_assert_eq(best->shares, want[0].shares);
				cr_assert_eq(best->orders, want[0].orders);
			} else {
				cr_assert_eq(best->orders, 0);
			}
		}
		tg_book_stock_info(b, loc, &info);
		cr_assert_eq(info.orders, orders);
	}
}

static void
compare_errors(const struct tg_book *b, const struct nref *ref)
{
	struct tg_book_stats st;

	tg_book_stats(b, &st);
	cr_assert_eq(st.err[TG_BOOK_ERR_UNKNOWN_ORDER], ref->unknown);
	cr_assert_eq(st.err[TG_BOOK_ERR_OVER_EXECUTION], ref->over_exec);
	cr_assert_eq(st.err[TG_BOOK_ERR_OVER_CANCEL], ref->over_cancel);
	cr_assert_eq(st.err[TG_BOOK_ERR_DUPLICATE_ORDER], ref->dup);
	cr_assert_eq(st.err[TG_BOOK_ERR_TABLE_FULL], 0);
	cr_assert_eq(st.err[TG_BOOK_ERR_NO_MEMORY], 0);
}

static uint32_t max_orders = 1 << 16;
static int scatter;

static struct tg_book *
new_book(uint32_t levels_hint)
{
	struct tg_book_config cfg = {
		.max_orders = max_orders,
		.levels_hint = levels_hint,
		.scatter_refs = scatter,
	};
	struct tg_book *b = tg_book_new(&cfg);

	cr_assert_not_null(b);
	for (uint16_t loc = 1; loc < NSTOCKS; loc++) {
		struct tg_event ev = mk('R', loc, 0);

		memcpy(ev.body, "SYM     ", 8);
		ev.body[3] = (uint8_t)('0' + loc);
		tg_book_apply(b, &ev);
	}
	return b;
}

/* One stream, record by record, compared every `every` records. */
static void
run_stream(uint64_t seed, uint64_t n, uint32_t spread, int bad,
	   uint32_t levels_hint, unsigned every)
{
	struct tg_book *b = new_book(levels_hint);
	struct nref ref = { 0 };
	struct rnd r = { seed };
	uint64_t next_ref = 1;

	for (uint64_t k = 1; k <= n; k++) {
		struct tg_event ev = next_event(&r, &ref, &next_ref, k, spread, bad);

		tg_book_apply(b, &ev);
		nref_apply(&ref, &ev);
		if (k % every == 0)
			compare(b, &ref, k);
	}
	compare(b, &ref, n);
	compare_errors(b, &ref);
	if (getenv("TG_TEST_VERBOSE")) {
		struct tg_book_stats st;

		tg_book_stats(b, &st);
		fprintf(stderr, "seed %lu: peak %lu orders\n", (unsigned long)seed,
			(unsigned long)st.peak_orders);
	}
	if (!bad) {
		struct tg_book_stats st;

		tg_book_stats(b, &st);
		for (int e = 0; e < TG_BOOK_ERR_NUM; e++)
			cr_assert_eq(st.err[e], 0, "clean stream: %s", tg_book_err_name(e));
	}
	nref_free(&ref);
	tg_book_free(b);
}

Test(book_random, clean_crowded_levels)
{
	run_stream(1, 100000, 30, 0, 0, 97);
}

Test(book_random, bad_input_mixed_in)
{
	run_stream(2, 100000, 30, 1, 0, 89);
}

Test(book_random, deep_books_growing_arrays)
{
	run_stream(3, 60000, 3000, 1, 1, 211);
}

/*
 * References that all share their low bits pile onto one home slot: the
 * table must stay right, only slower (Robin Hood runs, backward shifts).
 */
Test(book_random, colliding_references)
{
	max_orders = 8192;	/* 16384 slots: every reference has the same home */
	ref_stride = 16384;
	run_stream(5, 20000, 30, 1, 0, 101);
	max_orders = 1 << 16;
	ref_stride = 3;
	run_stream(6, 60000, 30, 1, 0, 101);
}

Test(book_random, scattered_references)
{
	scatter = 1;
	ref_stride = 4096;
	run_stream(7, 60000, 30, 1, 0, 101);
	max_orders = 4096;	/* 8192 slots, the stream rests ~3800: nearly half full */
	ref_stride = 1;
	run_stream(8, 17000, 100, 1, 0, 101);
}

/* The burst path gives exactly what record-by-record application gives. */
Test(book_random, burst_equals_single)
{
	enum { N = 50000 };
	static struct tg_event evs[N];
	struct tg_book *one = new_book(0), *burst = new_book(0);
	struct nref ref = { 0 };
	struct rnd r = { 4 };
	uint64_t next_ref = 1;
	size_t done = 0;

	for (uint64_t k = 0; k < N; k++) {
		evs[k] = next_event(&r, &ref, &next_ref, k + 1, 50, 1);
		nref_apply(&ref, &evs[k]);
		tg_book_apply(one, &evs[k]);
	}
	while (done < N) {
		size_t n = 1 + rnd(&r, 64);

		if (n > N - done)
			n = N - done;
		tg_book_apply_burst(burst, evs + done, n);
		done += n;
	}
	compare(one, &ref, N);
	compare(burst, &ref, N);
	compare_errors(burst, &ref);

	struct tg_book_stats a, b;

	tg_book_stats(one, &a);
	tg_book_stats(burst, &b);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0, "identical counters");
	nref_free(&ref);
	tg_book_free(one);
	tg_book_free(burst);
}

/*
 * Garbage in: random kinds, types, locates and bodies, with real order
 * references mixed in so that some of it lands. Nothing may crash, and
 * the book must stay self-consistent (levels add up to the orders).
 */
Test(book_random, garbage_never_crashes)
{
	static const char types[] = "SRHYLVWKJhAFECXDUPQBINOZa\0";
	struct tg_book_config cfg = { .max_orders = 4096, .levels_hint = 1 };
	struct tg_book *b = tg_book_new(&cfg);
	struct tg_book_stats st;
	struct rnd r = { 9 };
	uint64_t total = 0, levels = 0;

	for (uint32_t k = 0; k < 400000; k++) {
		struct tg_event ev;

		for (unsigned j = 0; j < sizeof(ev); j++)
			((uint8_t *)&ev)[j] = (uint8_t)rnd(&r, 256);
		ev.kind = (uint8_t)(rnd(&r, 8) ? TG_EV_MSG : rnd(&r, 5));
		ev.msg_type = (uint8_t)types[rnd(&r, sizeof(types))];
		if (rnd(&r, 2)) {
			/* few references and locates, so orders meet again */
			put_le(&ev, 11, rnd(&r, 3000), 8);
			put_le(&ev, 19, rnd(&r, 3000), 8);
			ev.stock_locate = (uint16_t)rnd(&r, 4);
			ev.body[19 - 11] = rnd(&r, 2) ? 'B' : 'S';
			put_le(&ev, 20, rnd(&r, 500), 4);
		}
		tg_book_apply(b, &ev);
	}
	tg_book_stats(b, &st);
	for (uint32_t loc = 0; loc < 65536; loc++) {
		struct tg_book_stock_info info;
		uint32_t orders = 0;

		tg_book_stock_info(b, (uint16_t)loc, &info);
		for (int side = 0; side < 2; side++) {
			unsigned n = tg_book_levels(b, (uint16_t)loc, side, 8192, got);

			cr_assert_eq(n, tg_book_depth(b, (uint16_t)loc, side));
			levels += n;
			for (unsigned j = 0; j < n; j++)
				orders += got[j].orders;
		}
		cr_assert_eq(orders, info.orders, "stock %u", loc);
		total += info.orders;
	}
	cr_assert_eq(total, st.orders);
	cr_assert_eq(levels, st.levels);
	cr_assert(st.orders > 0 && st.err[TG_BOOK_ERR_BAD_RECORD] > 0 &&
		  st.err[TG_BOOK_ERR_UNKNOWN_ORDER] > 0);
	tg_book_free(b);
}
