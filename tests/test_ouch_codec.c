/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OUCH 4.2 binary codecs against the message tables of
 * protocols/ouch42.md: lengths, every field of every message type set by
 * hand in the C structs and compared byte for byte with the page's
 * layout, decode/encode round trips of arbitrary bytes, and refusal of
 * every wrong length and unknown type.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "ouch/tg_ouch.h"
#include "test_ouch_util.h"

/* The expected bytes of j by the page's table, compared with got. */
static void
expect_bytes(int out, const json_t *j, const uint8_t *got, size_t n)
{
	const char *t = json_string_value(json_object_get(j, "type"));
	const struct ospec_type *st = &(out ? ospec_out : ospec_in)[(uint8_t)t[0]];
	uint8_t want[128];
	size_t wn = ospec_encode(st, j, want);

	cr_assert_eq(n, wn, "%s %c: encoded %zu bytes, the page says %zu",
		     out ? "outbound" : "inbound", t[0], n, wn);
	for (size_t i = 0; i < n; i++) {
		if (got[i] == want[i])
			continue;
		const char *field = "type";

		for (unsigned k = 0; k < st->nf; k++)
			if (i >= st->f[k].off && i < st->f[k].off + st->f[k].size)
				field = st->f[k].name;
		cr_assert_fail("%c: byte %zu (%s) is 0x%02x, the page wants 0x%02x",
			       t[0], i, field, got[i], want[i]);
	}
}

#define SETA(f, s)	tg_ouch_alpha(f, sizeof(f), s)

static void
check_in(const struct tg_ouch_in *m, json_t *j)
{
	uint8_t b[TG_OUCH_MAX_MSG + 8];
	struct tg_ouch_in back;
	size_t n = tg_ouch_in_encode(m, b);

	expect_bytes(0, j, b, n);
	cr_assert_eq(tg_ouch_in_decode(b, n, &back), 0);
	/* every field of the decoded struct, through a second encode */
	uint8_t b2[TG_OUCH_MAX_MSG + 8];

	cr_assert_eq(tg_ouch_in_encode(&back, b2), n);
	cr_assert_arr_eq(b, b2, n);
	json_decref(j);
}

static void
check_out(const struct tg_ouch_out *m, json_t *j)
{
	uint8_t b[TG_OUCH_MAX_MSG + 8];
	struct tg_ouch_out back;
	size_t n = tg_ouch_out_encode(m, b);

	expect_bytes(1, j, b, n);
	cr_assert_eq(tg_ouch_out_decode(b, n, &back), 0);
	uint8_t b2[TG_OUCH_MAX_MSG + 8];

	cr_assert_eq(tg_ouch_out_encode(&back, b2), n);
	cr_assert_arr_eq(b, b2, n);
	json_decref(j);
}

TestSuite(ouch_codec, .init = ospec_load);

Test(ouch_codec, lengths_are_the_pages)
{
	for (int t = 0; t < 256; t++) {
		cr_assert_eq(tg_ouch_in_len((char)t), ospec_in[t].len, "inbound '%c'", t);
		cr_assert_eq(tg_ouch_out_len((char)t), ospec_out[t].len, "outbound '%c'", t);
		cr_assert_leq(ospec_out[t].len, TG_OUCH_MAX_MSG);
		cr_assert_leq(ospec_in[t].len, TG_OUCH_MAX_MSG);
	}
	/* the longest message is what TG_OUCH_MAX_MSG promises room for */
	cr_assert_eq(ospec_out['U'].len, TG_OUCH_MAX_MSG);
}

Test(ouch_codec, inbound_fields_by_hand)
{
	struct tg_ouch_in m;

	memset(&m, 0, sizeof(m));
	m.type = 'O';
	SETA(m.enter.token, "TOKEN-0000001");
	m.enter.side = 'S';
	m.enter.shares = 0x01020304;
	SETA(m.enter.stock, "MSFT");
	m.enter.price = 3456789;
	m.enter.tif = 99998;
	SETA(m.enter.firm, "ACME");
	m.enter.display = 'P';
	m.enter.capacity = 'R';
	m.enter.ise = 'Y';
	m.enter.min_qty = 0xfffffffe;
	m.enter.cross_type = 'C';
	m.enter.customer_type = 'R';
	check_in(&m, json_pack("{s:s,s:s,s:s,s:I,s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:I,s:s,s:s}",
			       "type", "O", "order_token", "TOKEN-0000001", "buy_sell_indicator", "S",
			       "shares", (json_int_t)0x01020304, "stock", "MSFT",
			       "price", (json_int_t)3456789, "time_in_force", (json_int_t)99998,
			       "firm", "ACME", "display", "P", "capacity", "R",
			       "intermarket_sweep_eligibility", "Y",
			       "minimum_quantity", (json_int_t)0xfffffffe, "cross_type", "C",
			       "customer_type", "R"));

	memset(&m, 0, sizeof(m));
	m.type = 'U';
	SETA(m.replace.existing, "OLD1");
	SETA(m.replace.replacement, "NEW12345678901");
	m.replace.shares = 250;
	m.replace.price = 1999900;
	m.replace.tif = 0;
	m.replace.display = 'N';
	m.replace.ise = 'N';
	m.replace.min_qty = 100;
	check_in(&m, json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:s,s:s,s:i}",
			       "type", "U", "existing_order_token", "OLD1",
			       "replacement_order_token", "NEW12345678901", "shares", 250,
			       "price", 1999900, "time_in_force", 0, "display", "N",
			       "intermarket_sweep_eligibility", "N", "minimum_quantity", 100));

	memset(&m, 0, sizeof(m));
	m.type = 'X';
	SETA(m.cancel.token, "C");
	m.cancel.shares = 7;
	check_in(&m, json_pack("{s:s,s:s,s:i}", "type", "X", "order_token", "C", "shares", 7));

	memset(&m, 0, sizeof(m));
	m.type = 'M';
	SETA(m.modify.token, "MOD");
	m.modify.side = 'T';
	m.modify.shares = 65536;
	check_in(&m, json_pack("{s:s,s:s,s:s,s:i}", "type", "M", "order_token", "MOD",
			       "buy_sell_indicator", "T", "shares", 65536));
}

/* The order fields Accepted and Replaced share, set by hand. */
static void
fill_order(struct tg_ouch_order_fields *o)
{
	SETA(o->token, "TOK-A");
	o->side = 'B';
	o->shares = 300;
	SETA(o->stock, "ZVZZT");
	o->price = 101;
	o->tif = 3600;
	SETA(o->firm, "FIRM");
	o->display = 'Y';
	o->order_ref = 0x0102030405060708ull;
	o->capacity = 'P';
	o->ise = 'N';
	o->min_qty = 10;
	o->cross_type = 'N';
	o->order_state = 'L';
	o->bbo_weight = '2';
}

static json_t *
order_json(const char *type, const char *token_key)
{
	return json_pack("{s:s,s:I,s:s,s:s,s:i,s:s,s:i,s:i,s:s,s:s,s:I,s:s,s:s,s:i,s:s,s:s,s:s}",
			 "type", type, "timestamp", (json_int_t)34200123456789ll,
			 token_key, "TOK-A", "buy_sell_indicator", "B", "shares", 300,
			 "stock", "ZVZZT", "price", 101, "time_in_force", 3600, "firm", "FIRM",
			 "display", "Y", "order_reference_number", (json_int_t)0x0102030405060708ll,
			 "capacity", "P", "intermarket_sweep_eligibility", "N",
			 "minimum_quantity", 10, "cross_type", "N", "order_state", "L",
			 "bbo_weight_indicator", "2");
}

Test(ouch_codec, outbound_fields_by_hand)
{
	const json_int_t ts = 34200123456789ll;	/* 09:30:00.123456789 */
	struct tg_ouch_out m;
	json_t *j;

#define OUT(t) do { memset(&m, 0, sizeof(m)); m.type = t; m.ts = (uint64_t)ts; } while (0)
	OUT('S');
	m.system.event_code = 'E';
	check_out(&m, json_pack("{s:s,s:I,s:s}", "type", "S", "timestamp", ts, "event_code", "E"));

	OUT('A');
	fill_order(&m.order);
	check_out(&m, order_json("A", "order_token"));

	OUT('U');
	fill_order(&m.order);
	SETA(m.order.previous_token, "TOK-PREV");
	j = order_json("U", "replacement_order_token");
	json_object_set_new(j, "previous_order_token", json_string("TOK-PREV"));
	check_out(&m, j);

	OUT('C');
	SETA(m.canceled.token, "CXL");
	m.canceled.decrement = 40;
	m.canceled.reason = 'U';
	check_out(&m, json_pack("{s:s,s:I,s:s,s:i,s:s}", "type", "C", "timestamp", ts,
				"order_token", "CXL", "decrement_shares", 40, "reason", "U"));

	OUT('D');
	SETA(m.aiq_canceled.token, "AIQ");
	m.aiq_canceled.decrement = 50;
	m.aiq_canceled.reason = 'Q';
	m.aiq_canceled.prevented = 25;
	m.aiq_canceled.price = 1234500;
	m.aiq_canceled.liquidity = 'A';
	check_out(&m, json_pack("{s:s,s:I,s:s,s:i,s:s,s:i,s:i,s:s}", "type", "D",
				"timestamp", ts, "order_token", "AIQ", "decrement_shares", 50,
				"reason", "Q", "quantity_prevented_from_trading", 25,
				"execution_price", 1234500, "liquidity_flag", "A"));

	OUT('E');
	SETA(m.executed.token, "EXE");
	m.executed.shares = 60;
	m.executed.price = 2500000;
	m.executed.liquidity = 'R';
	m.executed.match = 987654321012ull;
	check_out(&m, json_pack("{s:s,s:I,s:s,s:i,s:i,s:s,s:I}", "type", "E", "timestamp", ts,
				"order_token", "EXE", "executed_shares", 60,
				"execution_price", 2500000, "liquidity_flag", "R",
				"match_number", (json_int_t)987654321012ll));

	OUT('B');
	SETA(m.broken.token, "BRK");
	m.broken.match = 77;
	m.broken.reason = 'E';
	check_out(&m, json_pack("{s:s,s:I,s:s,s:i,s:s}", "type", "B", "timestamp", ts,
				"order_token", "BRK", "match_number", 77, "reason", "E"));

	OUT('K');
	SETA(m.correction.token, "COR");
	m.correction.match = 78;
	m.correction.price = 999;
	m.correction.reason = 'C';
	check_out(&m, json_pack("{s:s,s:I,s:s,s:i,s:i,s:s}", "type", "K", "timestamp", ts,
				"order_token", "COR", "match_number", 78,
				"new_execution_price", 999, "reason", "C"));

	OUT('J');
	SETA(m.rejected.token, "REJ");
	m.rejected.reason = 'X';
	check_out(&m, json_pack("{s:s,s:I,s:s,s:s}", "type", "J", "timestamp", ts,
				"order_token", "REJ", "reason", "X"));

	OUT('P');
	SETA(m.pending.token, "PEND");
	check_out(&m, json_pack("{s:s,s:I,s:s}", "type", "P", "timestamp", ts,
				"order_token", "PEND"));

	OUT('I');
	SETA(m.pending.token, "CREJ");
	check_out(&m, json_pack("{s:s,s:I,s:s}", "type", "I", "timestamp", ts,
				"order_token", "CREJ"));

	OUT('T');
	SETA(m.priority.token, "PRIO");
	m.priority.price = 1500100;
	m.priority.display = 'A';
	m.priority.order_ref = 4242;
	check_out(&m, json_pack("{s:s,s:I,s:s,s:i,s:s,s:i}", "type", "T", "timestamp", ts,
				"order_token", "PRIO", "price", 1500100, "display", "A",
				"order_reference_number", 4242));

	OUT('M');
	SETA(m.modified.token, "MODD");
	m.modified.side = 'E';
	m.modified.shares = 12;
	check_out(&m, json_pack("{s:s,s:I,s:s,s:s,s:i}", "type", "M", "timestamp", ts,
				"order_token", "MODD", "buy_sell_indicator", "E", "shares", 12));
#undef OUT
}

/* Any bytes of the right type and length decode and encode back unchanged. */
Test(ouch_codec, arbitrary_bytes_round_trip)
{
	uint64_t rng = 42;

	for (int dir = 0; dir < 2; dir++) {
		for (int t = 0; t < 256; t++) {
			const struct ospec_type *st = &(dir ? ospec_out : ospec_in)[t];

			if (!st->len)
				continue;
			for (int k = 0; k < 500; k++) {
				uint8_t b[TG_OUCH_MAX_MSG], b2[TG_OUCH_MAX_MSG];
				size_t n;

				b[0] = (uint8_t)t;
				for (unsigned i = 1; i < st->len; i++)
					b[i] = (uint8_t)orand(&rng);
				if (dir) {
					struct tg_ouch_out m;

					cr_assert_eq(tg_ouch_out_decode(b, st->len, &m), 0);
					n = tg_ouch_out_encode(&m, b2);
				} else {
					struct tg_ouch_in m;

					cr_assert_eq(tg_ouch_in_decode(b, st->len, &m), 0);
					n = tg_ouch_in_encode(&m, b2);
				}
				cr_assert_eq(n, st->len);
				cr_assert_arr_eq(b, b2, n, "%s '%c' changed in a round trip",
						 dir ? "outbound" : "inbound", t);
			}
		}
	}
}

Test(ouch_codec, wrong_lengths_and_unknown_types_refused)
{
	uint8_t b[256];

	memset(b, 'x', sizeof(b));
	for (int t = 0; t < 256; t++) {
		b[0] = (uint8_t)t;
		for (size_t len = 1; len < sizeof(b); len++) {
			struct tg_ouch_in mi;
			struct tg_ouch_out mo;
			int ri = tg_ouch_in_decode(b, len, &mi), ro = tg_ouch_out_decode(b, len, &mo);

			if (!ospec_in[t].len)
				cr_assert_eq(ri, -EBADMSG, "inbound '%c' len %zu: %d", t, len, ri);
			else if (len != ospec_in[t].len)
				cr_assert_eq(ri, -EMSGSIZE, "inbound '%c' len %zu: %d", t, len, ri);
			else
				cr_assert_eq(ri, 0);
			if (!ospec_out[t].len)
				cr_assert_eq(ro, -EBADMSG, "outbound '%c' len %zu: %d", t, len, ro);
			else if (len != ospec_out[t].len)
				cr_assert_eq(ro, -EMSGSIZE, "outbound '%c' len %zu: %d", t, len, ro);
			else
				cr_assert_eq(ro, 0);
		}
	}
	/* an empty message has no type to go by */
	struct tg_ouch_in mi;
	struct tg_ouch_out mo;

	cr_assert_eq(tg_ouch_in_decode(b, 0, &mi), -EMSGSIZE);
	cr_assert_eq(tg_ouch_out_decode(b, 0, &mo), -EMSGSIZE);
	/* a refused message leaves nothing behind in *m */
	b[0] = 'A';
	memset(&mo, 0x5a, sizeof(mo));
	cr_assert_eq(tg_ouch_out_decode(b, 65, &mo), -EMSGSIZE);
	cr_assert_eq(mo.type, 0);
	cr_assert_eq(mo.ts, 0);
}

Test(ouch_codec, unknown_types_not_encoded)
{
	for (int t = 0; t < 256; t++) {
		struct tg_ouch_in mi = { .type = (char)t };
		struct tg_ouch_out mo = { .type = (char)t };
		uint8_t b[TG_OUCH_MAX_MSG];

		memset(b, 0xee, sizeof(b));
		if (!ospec_in[t].len) {
			cr_assert_eq(tg_ouch_in_encode(&mi, b), 0);
			cr_assert_eq(b[0], 0xee, "nothing written for inbound '%c'", t);
		}
		if (!ospec_out[t].len) {
			cr_assert_eq(tg_ouch_out_encode(&mo, b), 0);
			cr_assert_eq(b[0], 0xee, "nothing written for outbound '%c'", t);
		}
	}
}

Test(ouch_codec, alpha_pads_and_cuts)
{
	char f[8];

	tg_ouch_alpha(f, sizeof(f), "AB");
	cr_assert_arr_eq(f, "AB      ", 8);
	tg_ouch_alpha(f, sizeof(f), "ABCDEFGHIJ");
	cr_assert_arr_eq(f, "ABCDEFGH", 8);
	tg_ouch_alpha(f, sizeof(f), "");
	cr_assert_arr_eq(f, "        ", 8);
	tg_ouch_alpha(f, sizeof(f), NULL);
	cr_assert_arr_eq(f, "        ", 8);
}
