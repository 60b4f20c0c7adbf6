/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's feed pipeline (docs/card-interface.md section 5): every
 * check of the header table, each counting exactly one counter and in the
 * table's order; framing variants (802.1Q, IP options, padding, short UDP);
 * the MoldUDP64 sequencer (sessions, A/B duplicates, gaps, heartbeats, end
 * of session); the message walk and its errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "test_model_util.h"

static struct tmu_cap cap;
static struct tmu_mold pk;
static uint8_t frame[TMU_MAX_FRAME];
static uint64_t before[TG_CNT_NUM], after[TG_CNT_NUM];

static void
reset_cap(void)
{
	cap.n = 0;
}

TestSuite(model_frames, .init = reset_cap);

/* A good frame: one Add Order (ref 1) in session TMU_SESSION at seq 1. */
static size_t
good_frame(uint8_t *out, const struct tmu_frame_opts *o)
{
	uint8_t msg[64];

	tmu_mold_init(&pk, TMU_SESSION, 1);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 1, 100, 1502500));
	return tmu_frame(out, o, pk.buf, pk.len);
}

/* Feed one frame into a fresh model; it must be dropped, counting only c. */
static void
expect_drop(const uint8_t *f, size_t len, int c)
{
	struct tg_model *m = tmu_model();

	tmu_counters(m, before);
	tmu_feed(m, f, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, c, 1, -1);
	cr_expect_eq(cap.n, 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_STATE), 0);
	tg_model_free(m);
}

/* Feed one frame into a fresh model; it must give the one Add Order. */
static void
expect_pass(const uint8_t *f, size_t len)
{
	struct tg_model *m = tmu_model();

	tmu_counters(m, before);
	tmu_feed(m, f, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_MESSAGES, 1, TG_CNT_MSG_TYPE0 + 10, 1, -1);
	cr_assert_eq(cap.n, 1);
	cr_expect_eq(cap.ev[0].kind, TG_EV_MSG);
	cr_expect_eq(cap.ev[0].msg_type, 'A');
	cr_expect_eq(cap.ev[0].seq, 1);
	tg_model_free(m);
}

/* ---- check 1 ---- */

Test(model_frames, c1_shorter_than_ethernet)
{
	good_frame(frame, NULL);
	expect_drop(frame, 13, TG_CNT_ERR_TRUNCATED);
	expect_drop(frame, 1, TG_CNT_ERR_TRUNCATED);
	expect_drop(frame, 0, TG_CNT_ERR_TRUNCATED);
}

Test(model_frames, c1_tagged_shorter_than_tag)
{
	struct tmu_frame_opts o = { .vlan = true };

	good_frame(frame, &o);
	expect_drop(frame, 17, TG_CNT_ERR_TRUNCATED);
	expect_drop(frame, 14, TG_CNT_ERR_TRUNCATED);
}

/* ---- check 2 ---- */

Test(model_frames, c2_other_ethertype)
{
	struct tmu_frame_opts o = { .vlan = true };
	size_t len = good_frame(frame, NULL);

	tmu_put_be(frame + 12, 0x86DD, 2);
	expect_drop(frame, len, TG_CNT_NON_FEED);
	/* 14 bytes of ARP header is enough to be judged */
	tmu_put_be(frame + 12, 0x0806, 2);
	expect_drop(frame, 14, TG_CNT_NON_FEED);
	/* a second tag (or an 802.1ad outer tag) is not IPv4 */
	tmu_put_be(frame + 12, 0x88A8, 2);
	expect_drop(frame, len, TG_CNT_NON_FEED);
	len = good_frame(frame, &o);
	tmu_put_be(frame + 16, 0x8100, 2);
	expect_drop(frame, len, TG_CNT_NON_FEED);
	tmu_put_be(frame + 16, 0x0806, 2);
	expect_drop(frame, 18, TG_CNT_NON_FEED);
}

/* ---- check 3 ---- */

Test(model_frames, c3_shorter_than_ip_header)
{
	struct tmu_frame_opts o = { .vlan = true };

	good_frame(frame, NULL);
	expect_drop(frame, 14 + 19, TG_CNT_ERR_TRUNCATED);
	expect_drop(frame, 14, TG_CNT_ERR_TRUNCATED);
	good_frame(frame, &o);
	expect_drop(frame, 18 + 19, TG_CNT_ERR_TRUNCATED);
	/* check 3 comes before check 4: a bad version is not looked at */
	frame[18] = 0x65;
	expect_drop(frame, 18 + 19, TG_CNT_ERR_TRUNCATED);
}

/* ---- check 4 ---- */

Test(model_frames, c4_version_and_ihl)
{
	size_t len = good_frame(frame, NULL);

	frame[14] = 0x65;
	tmu_fix_csum(frame, NULL);
	expect_drop(frame, len, TG_CNT_ERR_IP_HEADER);
	frame[14] = 0x44;
	expect_drop(frame, len, TG_CNT_ERR_IP_HEADER);
	frame[14] = 0x40;
	expect_drop(frame, len, TG_CNT_ERR_IP_HEADER);
	/* before the checksum (which is now wrong) */
	frame[14] = 0x55;
	expect_drop(frame, len, TG_CNT_ERR_IP_HEADER);
}

/* ---- check 5 ---- */

Test(model_frames, c5_shorter_than_options)
{
	good_frame(frame, NULL);
	frame[14] = 0x4F;	/* 60-byte header */
	expect_drop(frame, 14 + 59, TG_CNT_ERR_TRUNCATED);
	expect_drop(frame, 14 + 20, TG_CNT_ERR_TRUNCATED);
}

/* ---- check 6 ---- */

Test(model_frames, c6_ip_checksum)
{
	struct tmu_frame_opts o = { .ip_opts = 8 };
	size_t len = good_frame(frame, NULL);

	frame[14 + 11] ^= 1;
	expect_drop(frame, len, TG_CNT_ERR_IP_CHECKSUM);
	/* the options are covered too */
	len = good_frame(frame, &o);
	frame[14 + 25] ^= 0x10;
	expect_drop(frame, len, TG_CNT_ERR_IP_CHECKSUM);
	/* before the protocol */
	len = good_frame(frame, NULL);
	frame[14 + 9] = 6;
	expect_drop(frame, len, TG_CNT_ERR_IP_CHECKSUM);
}

/* A checksum field left at 0 (as a sender that skips it would) is wrong. */
Test(model_frames, c6_checksum_zero)
{
	size_t len = good_frame(frame, NULL);

	cr_assert(frame[14 + 10] || frame[14 + 11]);
	frame[14 + 10] = 0;
	frame[14 + 11] = 0;
	expect_drop(frame, len, TG_CNT_ERR_IP_CHECKSUM);
}

/* ---- check 7 ---- */

Test(model_frames, c7_not_udp)
{
	size_t len = good_frame(frame, NULL);

	frame[14 + 9] = 6;
	tmu_fix_csum(frame, NULL);
	expect_drop(frame, len, TG_CNT_NON_FEED);
	/* before the fragment check */
	frame[14 + 6] |= 0x20;
	tmu_fix_csum(frame, NULL);
	expect_drop(frame, len, TG_CNT_NON_FEED);
}

/* ---- check 8 ---- */

Test(model_frames, c8_fragments_and_total_length)
{
	size_t len = good_frame(frame, NULL);

	frame[14 + 6] = 0x20;	/* MF */
	tmu_fix_csum(frame, NULL);
	expect_drop(frame, len, TG_CNT_ERR_IP_HEADER);
	frame[14 + 6] = 0x00;	/* offset 1 */
	frame[14 + 7] = 0x01;
	tmu_fix_csum(frame, NULL);
	expect_drop(frame, len, TG_CNT_ERR_IP_HEADER);
	frame[14 + 6] = 0x40 | 0x10;	/* DF and the offset's top bit */
	frame[14 + 7] = 0x00;
	tmu_fix_csum(frame, NULL);
	expect_drop(frame, len, TG_CNT_ERR_IP_HEADER);

	len = good_frame(frame, NULL);
	tmu_put_be(frame + 14 + 2, 27, 2);
	tmu_fix_csum(frame, NULL);
	expect_drop(frame, len, TG_CNT_ERR_IP_HEADER);
	/* TL = 28 passes check 8 and fails check 10 (UL > 8) */
	tmu_put_be(frame + 14 + 2, 28, 2);
	tmu_fix_csum(frame, NULL);
	expect_drop(frame, len, TG_CNT_ERR_UDP_LENGTH);
}

Test(model_frames, c8_dont_fragment_and_reserved_bit_pass)
{
	size_t len = good_frame(frame, NULL);

	frame[14 + 6] = 0x80 | 0x40;
	tmu_fix_csum(frame, NULL);
	expect_pass(frame, len);
}

/* ---- check 9 ---- */

Test(model_frames, c9_shorter_than_udp_header)
{
	struct tmu_frame_opts o = { .ip_opts = 4, .vlan = true };

	good_frame(frame, NULL);
	expect_drop(frame, 34 + 7, TG_CNT_ERR_TRUNCATED);
	expect_drop(frame, 34, TG_CNT_ERR_TRUNCATED);
	good_frame(frame, &o);
	expect_drop(frame, 42 + 7, TG_CNT_ERR_TRUNCATED);
}

/* ---- check 10 ---- */

Test(model_frames, c10_udp_length)
{
	size_t len = good_frame(frame, NULL);
	unsigned tl = (unsigned)frame[16] << 8 | frame[17];

	tmu_put_be(frame + 34 + 4, 7, 2);
	expect_drop(frame, len, TG_CNT_ERR_UDP_LENGTH);
	tmu_put_be(frame + 34 + 4, 0, 2);
	expect_drop(frame, len, TG_CNT_ERR_UDP_LENGTH);
	tmu_put_be(frame + 34 + 4, tl - 20 + 1, 2);
	expect_drop(frame, len, TG_CNT_ERR_UDP_LENGTH);
	/* before the filter */
	tmu_put_be(frame + 34 + 2, 1234, 2);
	expect_drop(frame, len, TG_CNT_ERR_UDP_LENGTH);
}

/* ---- check 11 ---- */

Test(model_frames, c11_filters)
{
	struct tmu_frame_opts other_ip = { .dst_ip = 0xE9360C70u };
	struct tmu_frame_opts other_port = { .dst_port = 26478 };
	size_t len;
	struct tg_model *m;

	len = good_frame(frame, &other_ip);
	expect_drop(frame, len, TG_CNT_FILTERED);
	len = good_frame(frame, &other_port);
	expect_drop(frame, len, TG_CNT_FILTERED);

	/* no valid entry at all */
	m = tg_model_new();
	len = good_frame(frame, NULL);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_FILTERED, 1, -1);
	/* an entry that would match but is not valid */
	tg_model_reg_write(m, TG_REG_FILTER(3) + TG_FILTER_DST_IP, TMU_DST_IP);
	tg_model_reg_write(m, TG_REG_FILTER(3) + TG_FILTER_DST_PORT, TMU_DST_PORT);
	tg_model_reg_write(m, TG_REG_FILTER(3) + TG_FILTER_CTRL,
			   TG_FILTER_ANY_IP | TG_FILTER_ANY_PORT);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_FILTERED, 1, -1);
	tg_model_free(m);
}

/* Each way an entry can match, in any of the 8 entries. */
Test(model_frames, c11_filter_matches)
{
	static const struct {
		uint32_t ip, port, ctrl;
		uint32_t dst_ip;
		uint16_t dst_port;
		bool match;
	} cases[] = {
		{ TMU_DST_IP, TMU_DST_PORT, 1, 0, 0, true },
		{ 0, TMU_DST_PORT, 1 | 2, 0x0A000001u, 0, true },
		{ 0, TMU_DST_PORT, 1 | 2, 0, 9, false },
		{ TMU_DST_IP, 0, 1 | 4, 0, 9, true },
		{ TMU_DST_IP, 0, 1 | 4, 0x0A000001u, 0, false },
		{ 0, 0, 1 | 2 | 4, 0x0A000001u, 9, true },
		{ 0, 0, 2 | 4, 0, 0, false },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (unsigned e = 0; e < TG_CARD_N_FILTERS; e += 7) {
			struct tmu_frame_opts o = { .dst_ip = cases[i].dst_ip,
						    .dst_port = cases[i].dst_port };
			struct tg_model *m = tg_model_new();
			size_t len = good_frame(frame, &o);

			tg_model_reg_write(m, TG_REG_FILTER(e) + TG_FILTER_DST_IP, cases[i].ip);
			tg_model_reg_write(m, TG_REG_FILTER(e) + TG_FILTER_DST_PORT, cases[i].port);
			tg_model_reg_write(m, TG_REG_FILTER(e) + TG_FILTER_CTRL, cases[i].ctrl);
			tmu_feed(m, frame, len, 0, &cap);
			tmu_counters(m, after);
			cr_expect_eq(after[TG_CNT_FILTERED], cases[i].match ? 0 : 1,
				     "case %u entry %u", i, e);
			cr_expect_eq(after[TG_CNT_MOLD_PACKETS], cases[i].match ? 1 : 0,
				     "case %u entry %u", i, e);
			tg_model_free(m);
		}
	}
}

/* ---- check 12 ---- */

Test(model_frames, c12_no_room_for_mold_header)
{
	struct tmu_frame_opts other_port = { .dst_port = 1 };
	size_t len;

	good_frame(frame, NULL);
	len = tmu_frame(frame, NULL, pk.buf, 19);
	expect_drop(frame, len, TG_CNT_ERR_MOLD_HEADER);
	len = tmu_frame(frame, NULL, pk.buf, 0);
	expect_drop(frame, len, TG_CNT_ERR_MOLD_HEADER);
	/* after the filter */
	len = tmu_frame(frame, &other_port, pk.buf, 19);
	expect_drop(frame, len, TG_CNT_FILTERED);
}

/* ---- check 13 ---- */

Test(model_frames, c13_shorter_than_mold_header)
{
	struct tmu_frame_opts o = { .vlan = true, .ip_opts = 12 };

	good_frame(frame, NULL);
	expect_drop(frame, 42 + 19, TG_CNT_ERR_TRUNCATED);
	expect_drop(frame, 42, TG_CNT_ERR_TRUNCATED);
	good_frame(frame, &o);
	expect_drop(frame, 18 + 32 + 8 + 19, TG_CNT_ERR_TRUNCATED);
}

/* ---- check 14 ---- */

Test(model_frames, c14_session_table_full)
{
	struct tg_model *m = tmu_model();
	char name[11];
	uint8_t msg[64];
	size_t len;

	for (unsigned s = 0; s < 9; s++) {
		snprintf(name, sizeof(name), "SESSION%03u", s);
		tmu_mold_init(&pk, name, 1000 * (s + 1));
		tmu_mold_add(&pk, msg, tmu_msg_add(msg, s, 1, 1));
		len = tmu_frame_mold(frame, &pk);
		tmu_counters(m, before);
		tmu_feed(m, frame, len, s & 1, &cap);
		tmu_counters(m, after);
		if (s < 8) {
			tmu_expect_moved(before, after, TG_CNT_FRAMES_A + (s & 1), 1,
					 TG_CNT_MOLD_PACKETS, 1, TG_CNT_MESSAGES, 1,
					 TG_CNT_MSG_TYPE0 + 10, 1, -1);
			cr_assert_eq(cap.n, s + 1);
			cr_expect_eq(cap.ev[s].session, s);
			cr_expect_eq(cap.ev[s].seq, 1000 * (s + 1));
		} else {
			tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1,
					 TG_CNT_ERR_SESSION_FULL, 1, -1);
			cr_expect_eq(cap.n, 8);
		}
	}
	/* the known sessions still go on */
	tmu_mold_init(&pk, "SESSION005", 6001);
	tmu_mold_add(&pk, msg, tmu_msg_delete(msg, 5));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	cr_assert_eq(cap.n, 9);
	cr_expect_eq(cap.ev[8].session, 5);
	cr_expect_eq(cap.ev[8].msg_type, 'D');
	/* RESET empties the table */
	tg_model_reg_write(m, TG_REG_CTRL, TG_CTRL_RESET);
	tmu_mold_init(&pk, "SESSION008", 1);
	tmu_mold_add(&pk, msg, tmu_msg_delete(msg, 8));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	cr_assert_eq(cap.n, 10);
	cr_expect_eq(cap.ev[9].session, 0);
	tg_model_free(m);
}

/* ---- framing that passes ---- */

Test(model_frames, tagged_and_untagged_give_the_same_records)
{
	struct tmu_frame_opts tagged = { .vlan = true };
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 10);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 10, 100, 1000));
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 11, 200, 2000));
	len = tmu_frame(frame, NULL, pk.buf, pk.len);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_put_be(pk.buf + 10, 12, 8);
	len = tmu_frame(frame, &tagged, pk.buf, pk.len);
	cr_expect_eq(frame[12], 0x81);
	tmu_feed(m, frame, len, 0, &cap);
	cr_assert_eq(cap.n, 4);
	for (unsigned i = 0; i < 2; i++) {
		cr_expect_eq(cap.ev[i].seq + 2, cap.ev[i + 2].seq);
		cr_expect_arr_eq(cap.ev[i].body, cap.ev[i + 2].body, 40);
		cr_expect_eq(cap.ev[i].ts, cap.ev[i + 2].ts);
	}
	tmu_counters(m, after);
	cr_expect_eq(after[TG_CNT_MESSAGES], 4);
	cr_expect_eq(after[TG_CNT_GAPS], 0);
	tg_model_free(m);
}

Test(model_frames, ip_options)
{
	for (unsigned opts = 4; opts <= 40; opts += 4) {
		struct tmu_frame_opts o = { .ip_opts = opts, .vlan = opts & 4 };
		size_t len = good_frame(frame, &o);

		reset_cap();
		expect_pass(frame, len);
	}
}

/* Padding after the IP packet is ignored and is not a truncation. */
Test(model_frames, ethernet_padding)
{
	struct tmu_frame_opts o = { .pad = 26 };
	struct tg_model *m = tmu_model();
	size_t len;

	/* a heartbeat is 62 bytes; pad it to 88 with bytes that are not zero */
	tmu_mold_init(&pk, TMU_SESSION, 1);
	len = tmu_frame(frame, &o, pk.buf, pk.len);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_HEARTBEATS, 1, -1);
	/* a message count larger than the blocks: padding is not a block */
	reset_cap();
	len = good_frame(frame, &o);
	tmu_put_be(frame + 42 + 18, 2, 2);
	tmu_feed(m, frame, len, 0, &cap);
	cr_expect_eq(cap.n, 1);
	tmu_counters(m, before);
	tmu_expect_moved(after, before, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_MESSAGES, 1, TG_CNT_MSG_TYPE0 + 10, 1,
			 TG_CNT_ERR_SHORT_PACKET, 1, -1);
	tg_model_free(m);
}

/* The datagram ends at the UDP length even when the IP packet goes on. */
Test(model_frames, udp_shorter_than_ip_payload)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 1);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 1, 1, 1));
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 2, 1, 1));
	len = tmu_frame(frame, NULL, pk.buf, pk.len);
	tmu_put_be(frame + 34 + 4, 8 + pk.len - 38, 2);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	cr_expect_eq(cap.n, 1);
	cr_expect_eq(after[TG_CNT_ERR_SHORT_PACKET], 1);
	cr_expect_eq(after[TG_CNT_ERR_TRUNCATED], 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 2);
	tg_model_free(m);
}

/*
 * A frame that ends before L3 + TL: one more ERR_TRUNCATED, and the
 * packet is processed on the bytes that arrived; the cut message does not
 * use its sequence number, so the next packet reports it as a gap.
 */
Test(model_frames, frame_cut_inside_datagram)
{
	struct tmu_frame_opts o = { .vlan = true };
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 1);
	for (unsigned i = 0; i < 3; i++)
		tmu_mold_add(&pk, msg, tmu_msg_add(msg, i, 1, 1));
	len = tmu_frame(frame, &o, pk.buf, pk.len);
	tmu_counters(m, before);
	tmu_feed(m, frame, len - 10, 1, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_B, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_ERR_TRUNCATED, 1, TG_CNT_MESSAGES, 2,
			 TG_CNT_MSG_TYPE0 + 10, 2, TG_CNT_ERR_MSG_OVERRUN, 1, -1);
	cr_assert_eq(cap.n, 2);
	cr_expect_eq(cap.ev[1].seq, 2);
	cr_expect_eq(cap.ev[1].flags, TG_EV_FLAG_LINE_B);

	/* cut exactly after the second block: the datagram ends at a boundary */
	tmu_put_be(pk.buf + 10, 4, 8);
	len = tmu_frame(frame, &o, pk.buf, pk.len);
	tmu_counters(m, before);
	tmu_feed(m, frame, len - 38, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_ERR_TRUNCATED, 1, TG_CNT_MESSAGES, 2,
			 TG_CNT_MSG_TYPE0 + 10, 2, TG_CNT_GAPS, 1, TG_CNT_GAP_MESSAGES, 1,
			 TG_CNT_ERR_SHORT_PACKET, 1, -1);
	cr_assert_eq(cap.n, 5);
	tmu_expect_meta(&cap.ev[2], TG_EV_GAP, 0, 0, 3, 1);
	cr_expect_eq(cap.ev[3].seq, 4);
	cr_expect_eq(cap.ev[4].seq, 5);
	tg_model_free(m);
}

/* The frame ends right after the MoldUDP64 header: it passes check 13. */
Test(model_frames, frame_cut_at_mold_header_end)
{
	struct tg_model *m = tmu_model();
	good_frame(frame, NULL);
	tmu_counters(m, before);
	tmu_feed(m, frame, 42 + 20, 0, &cap);
	tmu_counters(m, after);
	/* 20 bytes of header: the datagram is empty, count 1 is a short packet */
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_ERR_TRUNCATED, 1, TG_CNT_ERR_SHORT_PACKET, 1, -1);
	tg_model_free(m);
}

/* ---- sequencing ---- */

/* A late joiner: the first packet sets next, no gap for what came before. */
Test(model_frames, new_session_starts_at_first_seq)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 0x123456789ull);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 1, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	cr_expect_eq(after[TG_CNT_GAPS], 0);
	cr_assert_eq(cap.n, 1);
	cr_expect_eq(cap.ev[0].seq, 0x123456789ull);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 0x2345678A);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_HI), 1);
	tg_model_free(m);
}

/* The same packets on A then B: the first copy wins, B counts duplicates. */
Test(model_frames, ab_duplicates)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 50);
	for (unsigned i = 0; i < 4; i++)
		tmu_mold_add(&pk, msg, tmu_msg_add(msg, 50 + i, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 1, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_B, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_DUPLICATES, 4, -1);
	cr_expect_eq(cap.n, 4);
	for (unsigned i = 0; i < 4; i++) {
		cr_expect_eq(cap.ev[i].flags, 0);
		cr_expect_eq(cap.ev[i].seq, 50 + i);
	}
	/* B wins the next packet, A's copy is the duplicate */
	tmu_put_be(pk.buf + 10, 54, 8);
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 1, &cap);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, before);
	cr_expect_eq(cap.n, 8);
	cr_expect_eq(cap.ev[4].flags, TG_EV_FLAG_LINE_B);
	cr_expect_eq(cap.ev[7].seq, 57);
	cr_expect_eq(before[TG_CNT_DUPLICATES], 8);
	cr_expect_eq(before[TG_CNT_FRAMES_A], 2);
	cr_expect_eq(before[TG_CNT_FRAMES_B], 2);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(1) + TG_SESSION_STATE), 0);
	tg_model_free(m);
}

/* A packet that starts below next and ends above it. */
Test(model_frames, partial_overlap)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 10);
	for (unsigned i = 0; i < 5; i++)
		tmu_mold_add(&pk, msg, tmu_msg_add(msg, 10 + i, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_mold_init(&pk, TMU_SESSION, 12);
	for (unsigned i = 0; i < 6; i++) {
		/* duplicates are not checked: a bad block among them costs nothing */
		if (i == 1)
			tmu_mold_add(&pk, "Z", 1);
		else
			tmu_mold_add(&pk, msg, tmu_msg_delete(msg, 12 + i));
	}
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 1, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_B, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_DUPLICATES, 3, TG_CNT_MESSAGES, 3,
			 TG_CNT_MSG_TYPE0 + 15, 3, -1);
	cr_assert_eq(cap.n, 8);
	for (unsigned i = 5; i < 8; i++) {
		cr_expect_eq(cap.ev[i].msg_type, 'D');
		cr_expect_eq(cap.ev[i].seq, 10 + i);
		cr_expect_eq(cap.ev[i].flags, TG_EV_FLAG_LINE_B);
	}
	tg_model_free(m);
}

/* A gap: one GAP record before the packet's messages, counters. */
Test(model_frames, gap)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 10);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 10, 1, 1));
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 11, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_mold_init(&pk, TMU_SESSION, 20);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 20, 1, 1));
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 21, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 1, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_B, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_GAPS, 1, TG_CNT_GAP_MESSAGES, 8, TG_CNT_MESSAGES, 2,
			 TG_CNT_MSG_TYPE0 + 10, 2, -1);
	cr_assert_eq(cap.n, 5);
	tmu_expect_meta(&cap.ev[2], TG_EV_GAP, 0, 1, 12, 8);
	cr_expect_eq(cap.ev[3].seq, 20);
	cr_expect_eq(cap.ev[4].seq, 21);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 22);
	/* the missing packet arriving late is all duplicates */
	tmu_mold_init(&pk, TMU_SESSION, 12);
	for (unsigned i = 0; i < 8; i++)
		tmu_mold_add(&pk, msg, tmu_msg_add(msg, 12 + i, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, before);
	cr_expect_eq(before[TG_CNT_DUPLICATES], 8);
	cr_expect_eq(cap.n, 5);
	tg_model_free(m);
}

/* Heartbeats: counted; one that is ahead reveals a gap and moves next. */
Test(model_frames, heartbeats)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 10);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 10, 1, 1));
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 11, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);

	/* a heartbeat at next: nothing but the count */
	tmu_mold_init(&pk, TMU_SESSION, 12);
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_HEARTBEATS, 1, -1);
	cr_expect_eq(cap.n, 2);
	/* a heartbeat behind next: the same */
	tmu_mold_init(&pk, TMU_SESSION, 3);
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 1, &cap);
	tmu_counters(m, before);
	tmu_expect_moved(after, before, TG_CNT_FRAMES_B, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_HEARTBEATS, 1, -1);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 12);
	/* a heartbeat ahead: a gap of 3 */
	tmu_mold_init(&pk, TMU_SESSION, 15);
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 1, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_B, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_HEARTBEATS, 1, TG_CNT_GAPS, 1, TG_CNT_GAP_MESSAGES, 3, -1);
	cr_assert_eq(cap.n, 3);
	tmu_expect_meta(&cap.ev[2], TG_EV_GAP, 0, 1, 12, 3);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 15);
	/* the data then continues without another gap */
	tmu_mold_init(&pk, TMU_SESSION, 15);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 15, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, before);
	cr_expect_eq(before[TG_CNT_GAPS], 1);
	cr_expect_eq(cap.n, 4);
	tg_model_free(m);
}

/* End of session: counted each time, one EOS record per slot. */
Test(model_frames, end_of_session_once_per_slot)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 10);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 10, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_mold_init(&pk, "OTHER     ", 500);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 500, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);

	/* EOS on A at next */
	tmu_mold_init(&pk, TMU_SESSION, 11);
	tmu_mold_set_count(&pk, 0xFFFF);
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_END_OF_SESSION, 1, -1);
	cr_assert_eq(cap.n, 3);
	tmu_expect_meta(&cap.ev[2], TG_EV_EOS, 0, 0, 11, 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_STATE), 3);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(1) + TG_SESSION_STATE), 1);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 11);
	/* the same on B and again on A: counted, no record */
	tmu_feed(m, frame, len, 1, &cap);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, before);
	tmu_expect_moved(after, before, TG_CNT_FRAMES_A, 1, TG_CNT_FRAMES_B, 1,
			 TG_CNT_MOLD_PACKETS, 2, TG_CNT_END_OF_SESSION, 2, -1);
	cr_expect_eq(cap.n, 3);
	/* the other session's EOS, ahead of next: GAP then EOS, line B */
	tmu_mold_init(&pk, "OTHER     ", 505);
	tmu_mold_set_count(&pk, 0xFFFF);
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 1, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_B, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_END_OF_SESSION, 1, TG_CNT_GAPS, 1, TG_CNT_GAP_MESSAGES, 4, -1);
	cr_assert_eq(cap.n, 5);
	tmu_expect_meta(&cap.ev[3], TG_EV_GAP, 1, 1, 501, 4);
	tmu_expect_meta(&cap.ev[4], TG_EV_EOS, 1, 1, 505, 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(1) + TG_SESSION_STATE), 3);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(1) + TG_SESSION_NEXT_LO), 505);
	/* an ended session still sequences what comes after */
	tmu_mold_init(&pk, TMU_SESSION, 11);
	tmu_mold_add(&pk, msg, tmu_msg_delete(msg, 10));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	cr_assert_eq(cap.n, 6);
	cr_expect_eq(cap.ev[5].seq, 11);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_STATE), 3);
	/* RESET forgets that the session ended */
	tg_model_reg_write(m, TG_REG_CTRL, TG_CTRL_RESET);
	tmu_mold_init(&pk, TMU_SESSION, 12);
	tmu_mold_set_count(&pk, 0xFFFF);
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	cr_assert_eq(cap.n, 7);
	tmu_expect_meta(&cap.ev[6], TG_EV_EOS, 0, 0, 12, 0);
	tg_model_free(m);
}

/* ---- the message walk ---- */

/* Fewer blocks than the count, ending at a block boundary. */
Test(model_frames, short_packet)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 1);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 1, 1, 1));
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 2, 1, 1));
	tmu_mold_set_count(&pk, 3);
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_MESSAGES, 2, TG_CNT_MSG_TYPE0 + 10, 2,
			 TG_CNT_ERR_SHORT_PACKET, 1, -1);
	cr_expect_eq(cap.n, 2);
	/* the third message was never seen: the next packet reports it */
	tmu_mold_init(&pk, TMU_SESSION, 4);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 4, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	cr_assert_eq(cap.n, 4);
	tmu_expect_meta(&cap.ev[2], TG_EV_GAP, 0, 0, 3, 1);
	/* a packet with count 2 and no blocks at all */
	tmu_mold_init(&pk, TMU_SESSION, 5);
	tmu_mold_set_count(&pk, 2);
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_ERR_SHORT_PACKET, 1, -1);
	tg_model_free(m);
}

/* Bytes after the n-th block are ignored. */
Test(model_frames, blocks_after_count_ignored)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 1);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 1, 1, 1));
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 2, 1, 1));
	tmu_mold_raw(&pk, "\x00", 1);
	tmu_mold_set_count(&pk, 1);
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_MESSAGES, 1, TG_CNT_MSG_TYPE0 + 10, 1, -1);
	cr_expect_eq(cap.n, 1);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 2);
	tg_model_free(m);
}

/* The datagram ends inside a block's length field or inside its message. */
Test(model_frames, overrun)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	/* mid-length: one byte left where the 2-byte length should be */
	tmu_mold_init(&pk, TMU_SESSION, 1);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 1, 1, 1));
	tmu_mold_raw(&pk, "\x00", 1);
	tmu_mold_set_count(&pk, 2);
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_MESSAGES, 1, TG_CNT_MSG_TYPE0 + 10, 1,
			 TG_CNT_ERR_MSG_OVERRUN, 1, -1);
	cr_expect_eq(cap.n, 1);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 2);

	/* mid-body: a 36-byte message with 20 bytes present, and it stops there */
	tmu_mold_init(&pk, TMU_SESSION, 2);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 2, 1, 1));
	tmu_put_be(msg, 36, 2);
	tmu_mold_raw(&pk, msg, 2);
	tmu_msg_add(msg, 3, 1, 1);
	tmu_mold_raw(&pk, msg, 20);
	tmu_mold_set_count(&pk, 5);
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_MESSAGES, 1, TG_CNT_MSG_TYPE0 + 10, 1,
			 TG_CNT_ERR_MSG_OVERRUN, 1, -1);
	cr_expect_eq(cap.n, 2);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 3);

	/* the overrun is seen before the duplicate: an old packet cut short */
	tmu_mold_init(&pk, TMU_SESSION, 1);
	tmu_put_be(msg, 36, 2);
	tmu_mold_raw(&pk, msg, 2);
	tmu_mold_raw(&pk, msg, 10);
	tmu_mold_set_count(&pk, 1);
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_ERR_MSG_OVERRUN, 1, -1);
	tg_model_free(m);
}

/*
 * Malformed blocks: length 0, unknown type, length not the type's. Each
 * uses its sequence number; the walk goes on to the next block.
 */
Test(model_frames, malformed_messages)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 100);
	tmu_mold_add(&pk, msg, 0);					/* 100 */
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 101, 1, 1));		/* 101 */
	tmu_msg(msg, 'Z', 1, 2, 3, 36);
	tmu_mold_add(&pk, msg, 36);					/* 102 */
	tmu_msg(msg, 'A', 1, 2, 3, 36);
	tmu_mold_add(&pk, msg, 35);					/* 103 */
	tmu_mold_add(&pk, msg, 37);					/* 104 */
	tmu_mold_add(&pk, "A", 1);					/* 105 */
	tmu_msg(msg, 'a', 1, 2, 3, 36);
	tmu_mold_add(&pk, msg, 36);					/* 106 */
	tmu_mold_add(&pk, msg, tmu_msg_delete(msg, 107));		/* 107 */
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_MESSAGES, 2, TG_CNT_MSG_TYPE0 + 10, 1,
			 TG_CNT_MSG_TYPE0 + 15, 1, TG_CNT_ERR_MSG_LENGTH, 4,
			 TG_CNT_ERR_UNKNOWN_TYPE, 2, -1);
	cr_assert_eq(cap.n, 2);
	cr_expect_eq(cap.ev[0].seq, 101);
	cr_expect_eq(cap.ev[1].seq, 107);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 108);

	/* a zero-length block as the last bytes of the frame */
	tmu_mold_init(&pk, TMU_SESSION, 108);
	tmu_mold_add(&pk, msg, 0);
	len = tmu_frame_mold(frame, &pk);
	tmu_counters(m, before);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_counters(m, after);
	tmu_expect_moved(before, after, TG_CNT_FRAMES_A, 1, TG_CNT_MOLD_PACKETS, 1,
			 TG_CNT_ERR_MSG_LENGTH, 1, -1);
	tg_model_free(m);
}

/* A jumbo frame of 9216 bytes full of the shortest messages. */
Test(model_frames, jumbo)
{
	struct tg_model *m = tmu_model();
	static struct tmu_cap big;
	uint8_t msg[64];
	unsigned n = 0;
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 1);
	while (42 + pk.len + 14 <= TG_MAX_FRAME) {
		tmu_msg(msg, 'S', 0, 0, n, 12);
		msg[11] = 'O';
		tmu_mold_add(&pk, msg, 12);
		n++;
	}
	len = tmu_frame_mold(frame, &pk);
	cr_assert_leq(len, TG_MAX_FRAME);
	cr_assert_leq(n, len / 8 + 2);
	tmu_feed(m, frame, len, 0, &big);
	cr_assert_eq(big.n, n);
	for (unsigned i = 0; i < n; i++) {
		cr_expect_eq(big.ev[i].seq, 1 + i);
		cr_expect_eq(big.ev[i].ts, i);
		cr_expect_eq(big.ev[i].body[0], 'O');
	}
	tmu_counters(m, after);
	cr_expect_eq(after[TG_CNT_MSG_TYPE0 + 0], n);
	tg_model_free(m);
}
