/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's MSG records for each of the 23 ITCH 5.0 message types:
 * header fields, sequence, timestamp, and the body (bytes 11.. at offset
 * wire - 11, integers little-endian, zeros past the end), against message
 * layouts transcribed here from ../shared/protocols/itch50.md.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "tg_itch.h"
#include "test_model_util.h"

/*
 * Each type's fields after the 11-byte header, in wire order: kind letter
 * ('u' integer of any kind: u, p4, p8; 'a' alpha; 'c' character) and size.
 */
static const struct {
	char type;
	unsigned len;
	const char *fields;
} tt_types[TG_ITCH_NTYPES] = {
	{ 'S', 12, "c1" },
	{ 'R', 39, "a8 c1 c1 u4 c1 c1 a2 c1 c1 c1 c1 c1 u4 c1" },
	{ 'H', 25, "a8 c1 c1 a4" },
	{ 'Y', 20, "a8 c1" },
	{ 'L', 26, "a4 a8 c1 c1 c1" },
	{ 'V', 35, "u8 u8 u8" },
	{ 'W', 12, "c1" },
	{ 'K', 28, "a8 u4 c1 u4" },
	{ 'J', 35, "a8 u4 u4 u4 u4" },
	{ 'h', 21, "a8 c1 c1" },
	{ 'A', 36, "u8 c1 u4 a8 u4" },
	{ 'F', 40, "u8 c1 u4 a8 u4 a4" },
	{ 'E', 31, "u8 u4 u8" },
	{ 'C', 36, "u8 u4 u8 c1 u4" },
	{ 'X', 23, "u8 u4" },
	{ 'D', 19, "u8" },
	{ 'U', 35, "u8 u8 u4 u4" },
	{ 'P', 44, "u8 c1 u4 a8 u4 u8" },
	{ 'Q', 40, "u8 a8 u4 u8 c1" },
	{ 'B', 19, "u8" },
	{ 'I', 50, "u8 u8 c1 a8 u4 u4 u4 c1 c1" },
	{ 'N', 20, "a8 c1" },
	{ 'O', 48, "a8 c1 u4 u4 u4 u8 u4 u4" },
};

/*
 * Build message i with values that differ in every byte (so a field
 * copied in the wrong order or at the wrong place shows), and the body
 * the record must carry. Returns the message length.
 */
static unsigned
tt_build(unsigned i, uint64_t ts, uint8_t *msg, uint8_t body[40])
{
	const char *f = tt_types[i].fields;
	unsigned off = 11, j = 0;

	tmu_msg(msg, tt_types[i].type, (uint16_t)(0x0100 + i * 0x0203),
		(uint16_t)(0x8000 + i * 0x0305), ts, (uint16_t)tt_types[i].len);
	memset(body, 0, 40);
	while (*f) {
		char kind = f[0];
		unsigned size = (unsigned)(f[1] - '0');

		if (kind == 'u') {
			uint64_t v = 0;

			for (unsigned k = 0; k < size; k++)
				v = v << 8 | (uint8_t)(0x81 + i * 11 + j * 29 + k * 3);
			tmu_put_be(msg + off, v, size);
			for (unsigned k = 0; k < size; k++)
				body[off - 11 + k] = (uint8_t)(v >> (8 * k));
		} else {
			for (unsigned k = 0; k < size; k++)
				msg[off + k] = (uint8_t)('A' + (i * 7 + j * 5 + k) % 26);
			memcpy(body + off - 11, msg + off, size);
		}
		off += size;
		j++;
		f += 2;
		while (*f == ' ')
			f++;
	}
	cr_assert_eq(off, tt_types[i].len, "type %c: fields add up to %u",
		     tt_types[i].type, off);
	return off;
}

/* Check one MSG record against the message it came from. */
static void
tt_check(const struct tg_event *ev, unsigned i, unsigned slot, unsigned line,
	 uint64_t seq, uint64_t ts, const uint8_t body[40])
{
	cr_expect_eq(ev->kind, TG_EV_MSG);
	cr_expect_eq(ev->msg_type, (uint8_t)tt_types[i].type);
	cr_expect_eq(ev->session, slot);
	cr_expect_eq(ev->flags, line ? TG_EV_FLAG_LINE_B : 0);
	cr_expect_eq(ev->stock_locate, 0x0100 + i * 0x0203);
	cr_expect_eq(ev->tracking_number, (uint16_t)(0x8000 + i * 0x0305));
	cr_expect_eq(ev->seq, seq);
	cr_expect_eq(ev->ts, ts);
	for (unsigned b = 0; b < 40; b++)
		cr_expect_eq(ev->body[b], body[b], "type %c body byte %u: %02x, expected %02x",
			     tt_types[i].type, b, ev->body[b], body[b]);
}

/* The table the model builds from agrees with the one transcribed here. */
Test(model_types, itch_table_agrees)
{
	for (unsigned i = 0; i < TG_ITCH_NTYPES; i++) {
		cr_expect_eq(tg_itch_types[i].type, tt_types[i].type);
		cr_expect_eq(tg_itch_types[i].len, tt_types[i].len);
		cr_expect_eq(tg_itch_index((uint8_t)tt_types[i].type), (int)i);
	}
}

/* All 23 types in one packet: records in order, every field, counters. */
Test(model_types, every_type_in_one_packet)
{
	struct tg_model *m = tmu_model();
	static struct tmu_cap cap;
	static struct tmu_mold p;
	static uint8_t frame[TMU_MAX_FRAME];
	uint8_t msg[64], body[TG_ITCH_NTYPES][40];
	uint64_t before[TG_CNT_NUM], after[TG_CNT_NUM];
	const uint64_t seq0 = 0x0000000500000000ull;
	size_t len;

	tmu_mold_init(&p, TMU_SESSION, seq0);
	for (unsigned i = 0; i < TG_ITCH_NTYPES; i++) {
		unsigned n = tt_build(i, 0xA1B2C3D4E5F6ull - i, msg, body[i]);

		tmu_mold_add(&p, msg, (uint16_t)n);
	}
	/* a final D so that no message under test sits at the buffer's end */
	tmu_mold_add(&p, msg, (uint16_t)tmu_msg_delete(msg, 1));
	len = tmu_frame_mold(frame, &p);

	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);

	cr_assert_eq(cap.n, TG_ITCH_NTYPES + 1);
	for (unsigned i = 0; i < TG_ITCH_NTYPES; i++)
		tt_check(&cap.ev[i], i, 0, 0, seq0 + i, 0xA1B2C3D4E5F6ull - i, body[i]);
	for (unsigned i = 0; i < TG_ITCH_NTYPES; i++)
		cr_expect_eq(after[TG_CNT_MSG_TYPE0 + i] - before[TG_CNT_MSG_TYPE0 + i],
			     i == 15 ? 2u : 1u, "type %c", tt_types[i].type);
	cr_expect_eq(after[TG_CNT_MESSAGES] - before[TG_CNT_MESSAGES], TG_ITCH_NTYPES + 1);
	cr_expect_eq(after[TG_CNT_MOLD_PACKETS] - before[TG_CNT_MOLD_PACKETS], 1);
	cr_expect_eq(after[TG_CNT_FRAMES_A] - before[TG_CNT_FRAMES_A], 1);
	tg_model_free(m);
}

/*
 * Each type alone, last in its frame, on line B: the message ends where
 * the frame's buffer ends, so the model must not read past it, and the
 * record must be the same as in the middle of a packet.
 */
Test(model_types, each_type_at_frame_end_line_b)
{
	struct tg_model *m = tmu_model();
	static struct tmu_cap cap;
	static struct tmu_mold p;
	static uint8_t frame[TMU_MAX_FRAME];
	uint8_t msg[64], body[40];

	for (unsigned i = 0; i < TG_ITCH_NTYPES; i++) {
		unsigned n = tt_build(i, 1 + i, msg, body);
		size_t len;

		cap.n = 0;
		tmu_mold_init(&p, TMU_SESSION, 100 + i);
		tmu_mold_add(&p, msg, (uint16_t)n);
		len = tmu_frame_mold(frame, &p);
		tmu_feed(m, frame, len, 1, &cap);
		cr_assert_eq(cap.n, 1, "type %c", tt_types[i].type);
		tt_check(&cap.ev[0], i, 0, 1, 100 + i, 1 + i, body);
	}
	tg_model_free(m);
}

/* The host's view: bodies read through the packed structs of tg_itch.h. */
Test(model_types, host_structs)
{
	struct tg_model *m = tmu_model();
	static struct tmu_cap cap;
	static struct tmu_mold p;
	static uint8_t frame[TMU_MAX_FRAME];
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&p, TMU_SESSION, 1);

	tmu_msg(msg, 'A', 1, 2, 3000, 36);
	tmu_put_be(msg + 11, 0x0123456789ABCDEFull, 8);
	msg[19] = 'S';
	tmu_put_be(msg + 20, 300, 4);
	memcpy(msg + 24, "AAPL    ", 8);
	tmu_put_be(msg + 32, 1502500, 4);
	tmu_mold_add(&p, msg, 36);

	tmu_msg(msg, 'F', 1, 2, 3001, 40);
	tmu_put_be(msg + 11, 42, 8);
	msg[19] = 'B';
	tmu_put_be(msg + 20, 100, 4);
	memcpy(msg + 24, "MSFT    ", 8);
	tmu_put_be(msg + 32, 3300000, 4);
	memcpy(msg + 36, "GSCO", 4);
	tmu_mold_add(&p, msg, 40);

	tmu_msg(msg, 'E', 1, 2, 3002, 31);
	tmu_put_be(msg + 11, 42, 8);
	tmu_put_be(msg + 19, 60, 4);
	tmu_put_be(msg + 23, 0xFEDCBA9876543210ull, 8);
	tmu_mold_add(&p, msg, 31);

	tmu_msg(msg, 'C', 1, 2, 3003, 36);
	tmu_put_be(msg + 11, 42, 8);
	tmu_put_be(msg + 19, 40, 4);
	tmu_put_be(msg + 23, 77, 8);
	msg[31] = 'Y';
	tmu_put_be(msg + 32, 3299900, 4);
	tmu_mold_add(&p, msg, 36);

	tmu_msg(msg, 'X', 1, 2, 3004, 23);
	tmu_put_be(msg + 11, 0x0123456789ABCDEFull, 8);
	tmu_put_be(msg + 19, 100, 4);
	tmu_mold_add(&p, msg, 23);

	tmu_msg(msg, 'D', 1, 2, 3005, 19);
	tmu_put_be(msg + 11, 0x0123456789ABCDEFull, 8);
	tmu_mold_add(&p, msg, 19);

	tmu_msg(msg, 'U', 1, 2, 3006, 35);
	tmu_put_be(msg + 11, 5, 8);
	tmu_put_be(msg + 19, 6, 8);
	tmu_put_be(msg + 27, 250, 4);
	tmu_put_be(msg + 31, 1502600, 4);
	tmu_mold_add(&p, msg, 35);

	tmu_msg(msg, 'P', 1, 2, 3007, 44);
	tmu_put_be(msg + 11, 0, 8);
	msg[19] = 'B';
	tmu_put_be(msg + 20, 1000, 4);
	memcpy(msg + 24, "NVDA    ", 8);
	tmu_put_be(msg + 32, 4500000, 4);
	tmu_put_be(msg + 36, 0x1122334455667788ull, 8);
	tmu_mold_add(&p, msg, 44);

	tmu_msg(msg, 'R', 1, 2, 3008, 39);
	memcpy(msg + 11, "ZVZZT   ", 8);
	msg[19] = 'Q';
	msg[20] = 'N';
	tmu_put_be(msg + 21, 100, 4);
	msg[25] = 'N';
	msg[26] = 'C';
	memcpy(msg + 27, "Z ", 2);
	msg[29] = 'T';
	msg[30] = ' ';
	msg[31] = ' ';
	msg[32] = '2';
	msg[33] = 'N';
	tmu_put_be(msg + 34, 3, 4);
	msg[38] = 'Y';
	tmu_mold_add(&p, msg, 39);

	tmu_msg(msg, 'H', 1, 2, 3009, 25);
	memcpy(msg + 11, "ZVZZT   ", 8);
	msg[19] = 'T';
	msg[20] = ' ';
	memcpy(msg + 21, "IPO1", 4);
	tmu_mold_add(&p, msg, 25);

	len = tmu_frame_mold(frame, &p);
	tmu_feed(m, frame, len, 0, &cap);
	cr_assert_eq(cap.n, 10);

	const struct tg_body_add *a = (const void *)cap.ev[0].body;
	cr_expect_eq(cap.ev[0].stock_locate, 1);
	cr_expect_eq(cap.ev[0].tracking_number, 2);
	cr_expect_eq(cap.ev[0].ts, 3000);
	cr_expect_eq(a->order_ref, 0x0123456789ABCDEFull);
	cr_expect_eq(a->side, 'S');
	cr_expect_eq(a->shares, 300);
	cr_expect_arr_eq(a->stock, "AAPL    ", 8);
	cr_expect_eq(a->price, 1502500);
	cr_expect(tmu_zero(a->attribution, 4));

	const struct tg_body_add *fa = (const void *)cap.ev[1].body;
	cr_expect_eq(fa->order_ref, 42);
	cr_expect_eq(fa->side, 'B');
	cr_expect_eq(fa->shares, 100);
	cr_expect_arr_eq(fa->stock, "MSFT    ", 8);
	cr_expect_eq(fa->price, 3300000);
	cr_expect_arr_eq(fa->attribution, "GSCO", 4);

	const struct tg_body_exec *e = (const void *)cap.ev[2].body;
	cr_expect_eq(e->order_ref, 42);
	cr_expect_eq(e->shares, 60);
	cr_expect_eq(e->match_number, 0xFEDCBA9876543210ull);
	cr_expect_eq(e->printable, 0);
	cr_expect_eq(e->price, 0);

	const struct tg_body_exec *c = (const void *)cap.ev[3].body;
	cr_expect_eq(c->order_ref, 42);
	cr_expect_eq(c->shares, 40);
	cr_expect_eq(c->match_number, 77);
	cr_expect_eq(c->printable, 'Y');
	cr_expect_eq(c->price, 3299900);

	const struct tg_body_cancel *x = (const void *)cap.ev[4].body;
	cr_expect_eq(x->order_ref, 0x0123456789ABCDEFull);
	cr_expect_eq(x->shares, 100);

	const struct tg_body_delete *d = (const void *)cap.ev[5].body;
	cr_expect_eq(d->order_ref, 0x0123456789ABCDEFull);
	cr_expect(tmu_zero(cap.ev[5].body + 8, 32));

	const struct tg_body_replace *u = (const void *)cap.ev[6].body;
	cr_expect_eq(u->orig_ref, 5);
	cr_expect_eq(u->new_ref, 6);
	cr_expect_eq(u->shares, 250);
	cr_expect_eq(u->price, 1502600);

	const struct tg_body_trade *t = (const void *)cap.ev[7].body;
	cr_expect_eq(t->order_ref, 0);
	cr_expect_eq(t->side, 'B');
	cr_expect_eq(t->shares, 1000);
	cr_expect_arr_eq(t->stock, "NVDA    ", 8);
	cr_expect_eq(t->price, 4500000);
	cr_expect_eq(t->match_number, 0x1122334455667788ull);

	const struct tg_body_directory *r = (const void *)cap.ev[8].body;
	cr_expect_arr_eq(r->stock, "ZVZZT   ", 8);
	cr_expect_eq(r->market_category, 'Q');
	cr_expect_eq(r->financial_status, 'N');
	cr_expect_eq(r->round_lot_size, 100);
	cr_expect_eq(r->round_lots_only, 'N');
	cr_expect_eq(r->issue_classification, 'C');
	cr_expect_arr_eq(r->issue_sub_type, "Z ", 2);
	cr_expect_eq(r->authenticity, 'T');
	cr_expect_eq(r->short_sale_threshold, ' ');
	cr_expect_eq(r->ipo_flag, ' ');
	cr_expect_eq(r->luld_tier, '2');
	cr_expect_eq(r->etp_flag, 'N');
	cr_expect_eq(r->etp_leverage_factor, 3);
	cr_expect_eq(r->inverse_indicator, 'Y');

	const struct tg_body_trading_action *h = (const void *)cap.ev[9].body;
	cr_expect_arr_eq(h->stock, "ZVZZT   ", 8);
	cr_expect_eq(h->trading_state, 'T');
	cr_expect_eq(h->reserved, ' ');
	cr_expect_arr_eq(h->reason, "IPO1", 4);

	for (unsigned i = 0; i < 10; i++)
		cr_expect_eq(cap.ev[i].seq, 1 + i);
	tg_model_free(m);
}
