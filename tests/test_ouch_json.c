/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OUCH 4.2 messages to and from JSON: the field names and layouts of
 * protocols/ouch42.md (a message read from JSON must encode to the bytes
 * the page lays out for the same values), round trips, the documented
 * defaults, and a clear error naming the field for every bad input.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "ouch/tg_ouch.h"
#include "test_ouch_util.h"

TestSuite(ouch_json, .init = ospec_load);

/* JSON -> struct -> bytes: the page's bytes; bytes -> struct -> JSON: the same JSON. */
Test(ouch_json, random_values_every_type_both_ways)
{
	uint64_t rng = 7;
	char err[160];

	for (int dir = 0; dir < 2; dir++) {
		for (int t = 0; t < 256; t++) {
			const struct ospec_type *st = &(dir ? ospec_out : ospec_in)[t];

			if (!st->len)
				continue;
			for (int k = 0; k < 200; k++) {
				json_t *j = ospec_random(st, (char)t, &rng), *back;
				uint8_t want[TG_OUCH_MAX_MSG], got[TG_OUCH_MAX_MSG];
				size_t n;

				ospec_encode(st, j, want);
				if (dir) {
					struct tg_ouch_out m, m2;

					cr_assert_eq(tg_ouch_out_from_json(j, &m, err, sizeof(err)), 0,
						     "'%c': %s", t, err);
					n = tg_ouch_out_encode(&m, got);
					cr_assert_eq(tg_ouch_out_decode(want, st->len, &m2), 0);
					back = tg_ouch_out_to_json(&m2);
				} else {
					struct tg_ouch_in m, m2;

					cr_assert_eq(tg_ouch_in_from_json(j, &m, err, sizeof(err)), 0,
						     "'%c': %s", t, err);
					n = tg_ouch_in_encode(&m, got);
					cr_assert_eq(tg_ouch_in_decode(want, st->len, &m2), 0);
					back = tg_ouch_in_to_json(&m2);
				}
				cr_assert_eq(n, st->len);
				cr_assert_arr_eq(got, want, n, "'%c' from %s", t,
						 json_dumps(j, JSON_COMPACT));
				cr_assert(json_equal(back, j), "'%c': %s came back as %s", t,
					  json_dumps(j, JSON_COMPACT), json_dumps(back, JSON_COMPACT));
				/* and nothing but the page's fields and "type" */
				cr_assert_eq(json_object_size(back), st->nf + 1);
				json_decref(back);
				json_decref(j);
			}
		}
	}
}

static void
encode_in_json(const char *text, uint8_t *out, size_t *n)
{
	json_t *j = json_loads(text, 0, NULL);
	struct tg_ouch_in m;
	char err[160];

	cr_assert(j, "bad fixture %s", text);
	cr_assert_eq(tg_ouch_in_from_json(j, &m, err, sizeof(err)), 0, "%s: %s", text, err);
	*n = tg_ouch_in_encode(&m, out);
	json_decref(j);
}

static void
same_bytes(const char *given, const char *full)
{
	uint8_t a[TG_OUCH_MAX_MSG], b[TG_OUCH_MAX_MSG];
	size_t na, nb;

	encode_in_json(given, a, &na);
	json_t *j = json_loads(full, 0, NULL);

	cr_assert(j);
	nb = ospec_encode(&ospec_in[(uint8_t)json_string_value(json_object_get(j, "type"))[0]],
			  j, b);
	json_decref(j);
	cr_assert_eq(na, nb);
	cr_assert_arr_eq(a, b, na, "%s is not %s", given, full);
}

Test(ouch_json, inbound_defaults)
{
	same_bytes("{\"type\":\"O\",\"order_token\":\"T1\",\"buy_sell_indicator\":\"B\","
		   "\"shares\":100,\"stock\":\"AAPL\",\"price\":1500000}",
		   "{\"type\":\"O\",\"order_token\":\"T1\",\"buy_sell_indicator\":\"B\","
		   "\"shares\":100,\"stock\":\"AAPL\",\"price\":1500000,\"time_in_force\":99999,"
		   "\"firm\":\"\",\"display\":\"Y\",\"capacity\":\"A\","
		   "\"intermarket_sweep_eligibility\":\"N\",\"minimum_quantity\":0,"
		   "\"cross_type\":\"N\",\"customer_type\":\" \"}");
	same_bytes("{\"type\":\"U\",\"existing_order_token\":\"T1\",\"replacement_order_token\":\"T2\","
		   "\"shares\":50,\"price\":1490000}",
		   "{\"type\":\"U\",\"existing_order_token\":\"T1\",\"replacement_order_token\":\"T2\","
		   "\"shares\":50,\"price\":1490000,\"time_in_force\":99999,\"display\":\"Y\","
		   "\"intermarket_sweep_eligibility\":\"N\",\"minimum_quantity\":0}");
	same_bytes("{\"type\":\"X\",\"order_token\":\"T2\"}",
		   "{\"type\":\"X\",\"order_token\":\"T2\",\"shares\":0}");
}

/* The error names what is wrong; the message is zeroed. */
static void
bad_in(const char *text, const char *needle)
{
	json_t *j = json_loads(text, 0, NULL);
	struct tg_ouch_in m;
	char err[160] = "";

	cr_assert(j, "bad fixture %s", text);
	memset(&m, 0x77, sizeof(m));
	cr_assert_eq(tg_ouch_in_from_json(j, &m, err, sizeof(err)), -EINVAL, "%s accepted", text);
	cr_assert(strstr(err, needle), "%s: error '%s' does not name '%s'", text, err, needle);
	cr_assert_eq(m.type, 0);
	json_decref(j);
}

#define ENTER "\"type\":\"O\",\"order_token\":\"T1\",\"buy_sell_indicator\":\"B\",\"stock\":\"AAPL\",\"price\":1"

Test(ouch_json, bad_inbound_refused_with_the_field_named)
{
	bad_in("[1,2]", "object");
	bad_in("{\"order_token\":\"T1\"}", "type");
	bad_in("{\"type\":\"Q\"}", "type");
	bad_in("{\"type\":\"A\",\"timestamp\":0}", "type");	/* outbound only */
	bad_in("{\"type\":\"OO\"}", "type");
	bad_in("{\"type\":79}", "type");
	bad_in("{" ENTER "}", "shares");				/* required */
	bad_in("{" ENTER ",\"shares\":\"100\"}", "shares");
	bad_in("{" ENTER ",\"shares\":-1}", "shares");
	bad_in("{" ENTER ",\"shares\":4294967296}", "shares");
	bad_in("{" ENTER ",\"shares\":1.5}", "shares");
	bad_in("{" ENTER ",\"shares\":1,\"tif\":0}", "tif");		/* not a field */
	bad_in("{" ENTER ",\"shares\":1,\"sequence\":1}", "sequence");
	bad_in("{" ENTER ",\"shares\":1,\"firm\":\"ACMEX\"}", "firm");	/* 5 > 4 */
	bad_in("{" ENTER ",\"shares\":1,\"firm\":7}", "firm");
	bad_in("{" ENTER ",\"shares\":1,\"display\":\"\"}", "display");
	bad_in("{" ENTER ",\"shares\":1,\"display\":\"YY\"}", "display");
	bad_in("{" ENTER ",\"shares\":1,\"display\":\"\\u0001\"}", "display");
	bad_in("{" ENTER ",\"shares\":1,\"capacity\":\"\\u00e9\"}", "capacity");
	bad_in("{\"type\":\"O\",\"order_token\":\"T\\tab\",\"buy_sell_indicator\":\"B\","
	       "\"stock\":\"AAPL\",\"price\":1,\"shares\":1}", "order_token");
	bad_in("{\"type\":\"O\",\"order_token\":\"123456789012345\",\"buy_sell_indicator\":\"B\","
	       "\"stock\":\"AAPL\",\"price\":1,\"shares\":1}", "order_token");
	bad_in("{\"type\":\"U\",\"existing_order_token\":\"A\",\"shares\":1,\"price\":1}",
	       "replacement_order_token");
	bad_in("{\"type\":\"M\",\"order_token\":\"A\",\"shares\":1}", "buy_sell_indicator");
	bad_in("{\"type\":\"X\",\"shares\":1}", "order_token");
}

Test(ouch_json, bad_outbound_refused_with_the_field_named)
{
	struct tg_ouch_out m;
	char err[160];
	json_t *j;

	j = json_loads("{\"type\":\"O\",\"order_token\":\"T\"}", 0, NULL);
	cr_assert_eq(tg_ouch_out_from_json(j, &m, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "type"), "%s", err);
	json_decref(j);
	j = json_loads("{\"type\":\"E\",\"order_token\":\"T\",\"executed_shares\":1,"
		       "\"execution_price\":1,\"liquidity_flag\":\"A\"}", 0, NULL);
	cr_assert_eq(tg_ouch_out_from_json(j, &m, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "match_number"), "%s", err);
	json_decref(j);
	j = json_loads("{\"type\":\"E\",\"order_token\":\"T\",\"executed_shares\":1,"
		       "\"execution_price\":1,\"liquidity_flag\":\"A\",\"match_number\":-5}", 0, NULL);
	cr_assert_eq(tg_ouch_out_from_json(j, &m, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "match_number"), "%s", err);
	json_decref(j);
	/* a NULL error buffer is fine */
	j = json_loads("{\"type\":\"J\"}", 0, NULL);
	cr_assert_eq(tg_ouch_out_from_json(j, &m, NULL, 0), -EINVAL);
	json_decref(j);
}

/* What the client prints (with "sequence") reads back as the message. */
Test(ouch_json, outbound_sequence_key_let_through)
{
	struct tg_ouch_out m;
	char err[160];
	json_t *j = json_loads("{\"type\":\"J\",\"sequence\":9,\"timestamp\":5,"
			       "\"order_token\":\"T\",\"reason\":\"X\"}", 0, NULL);

	cr_assert_eq(tg_ouch_out_from_json(j, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(m.type, 'J');
	cr_assert_eq(m.ts, 5);
	cr_assert_eq(m.rejected.reason, 'X');
	cr_assert_arr_eq(m.rejected.token, "T             ", TG_OUCH_TOKEN_LEN);
	json_decref(j);
}

/* Past 2^63 - 1 a u8 is written as a string of digits and read back the same. */
Test(ouch_json, u64_beyond_json_integers)
{
	struct tg_ouch_out m = { .type = 'E' }, back;
	char err[160];
	json_t *j;

	m.ts = UINT64_MAX;
	tg_ouch_alpha(m.executed.token, TG_OUCH_TOKEN_LEN, "BIG");
	m.executed.match = 9223372036854775808ull;
	m.executed.liquidity = 'A';
	j = tg_ouch_out_to_json(&m);
	cr_assert(j);
	cr_assert_str_eq(json_string_value(json_object_get(j, "timestamp")), "18446744073709551615");
	cr_assert_str_eq(json_string_value(json_object_get(j, "match_number")),
			 "9223372036854775808");
	cr_assert_eq(tg_ouch_out_from_json(j, &back, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(back.ts, UINT64_MAX);
	cr_assert_eq(back.executed.match, 9223372036854775808ull);
	json_decref(j);

	j = json_loads("{\"type\":\"B\",\"timestamp\":\"18446744073709551616\","
		       "\"order_token\":\"T\",\"match_number\":1,\"reason\":\"E\"}", 0, NULL);
	cr_assert_eq(tg_ouch_out_from_json(j, &back, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "timestamp"), "%s", err);
	json_decref(j);
}

/* Bytes no well-behaved peer sends still make valid JSON, nothing dropped. */
Test(ouch_json, odd_bytes_still_valid_json)
{
	uint8_t b[TG_OUCH_MAX_MSG];
	struct tg_ouch_out m;

	memset(b, 0, sizeof(b));
	b[0] = 'J';
	b[9] = 0xe9;		/* first byte of the token */
	b[10] = 0x00;
	b[11] = 'Z';
	b[23] = 0xff;		/* reason */
	cr_assert_eq(tg_ouch_out_decode(b, 24, &m), 0);
	json_t *j = tg_ouch_out_to_json(&m);

	cr_assert(j, "no JSON for odd bytes");
	const char *tok = json_string_value(json_object_get(j, "order_token"));

	/* U+00E9, NUL, 'Z', then NULs (not spaces: nothing to trim) */
	cr_assert_eq(json_string_length(json_object_get(j, "order_token")), 15);
	cr_assert_arr_eq(tok, "\xc3\xa9\0Z", 4);
	cr_assert_str_eq(json_string_value(json_object_get(j, "reason")), "\xc3\xbf");
	char *s = json_dumps(j, JSON_COMPACT);

	cr_assert(s);
	free(s);
	json_decref(j);
}

Test(ouch_json, unknown_type_has_no_json)
{
	struct tg_ouch_in mi = { .type = 'Z' };
	struct tg_ouch_out mo = { .type = 'O' };

	cr_assert_null(tg_ouch_in_to_json(&mi));
	cr_assert_null(tg_ouch_out_to_json(&mo));
}

Test(ouch_json, trailing_spaces_trimmed_inner_kept)
{
	struct tg_ouch_in m = { .type = 'X' };

	memcpy(m.cancel.token, " A B          ", TG_OUCH_TOKEN_LEN);
	json_t *j = tg_ouch_in_to_json(&m);

	cr_assert_str_eq(json_string_value(json_object_get(j, "order_token")), " A B");
	cr_assert_str_eq(json_string_value(json_object_get(j, "type")), "X");
	cr_assert_eq(json_integer_value(json_object_get(j, "shares")), 0);
	json_decref(j);
}
