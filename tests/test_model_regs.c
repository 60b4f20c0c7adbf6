/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's registers (docs/card-interface.md section 2): identity,
 * read/write and read-only registers, CTRL.RESET, the filter, session and
 * counter windows, unmapped offsets.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "test_model_util.h"

static struct tmu_cap cap;
static struct tmu_mold pk;
static uint8_t frame[TMU_MAX_FRAME];

Test(model_regs, identity)
{
	struct tg_model *m = tg_model_new();

	cr_expect_eq(tg_model_reg_read(m, TG_REG_ID), 0x54474344);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_VERSION), 0x00010000);
	/* 8 filters, 8 session slots, 8 bytes per beat, feed decoder, SM4 */
	cr_expect_eq(tg_model_reg_read(m, TG_REG_CAPS), 0x03080808);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_STATUS), TG_STATUS_IDLE);
	tg_model_free(m);
}

/* Read-write registers keep what is written; the free-running indices too. */
Test(model_regs, read_write)
{
	static const uint32_t rw[] = {
		TG_REG_SCRATCH, TG_REG_H2C_BASE_LO, TG_REG_H2C_BASE_HI, TG_REG_H2C_TAIL,
		TG_REG_H2C_WB_LO, TG_REG_H2C_WB_HI, TG_REG_C2H_BASE_LO,
		TG_REG_C2H_BASE_HI, TG_REG_C2H_HEAD,
	};
	struct tg_model *m = tg_model_new();

	for (unsigned i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		uint32_t v = 0xA5000000u | (rw[i] << 4) | i;

		tg_model_reg_write(m, rw[i], v);
		cr_expect_eq(tg_model_reg_read(m, rw[i]), v, "offset 0x%03x", rw[i]);
	}
	for (unsigned i = 0; i < sizeof(rw) / sizeof(rw[0]); i++)
		cr_expect_eq(tg_model_reg_read(m, rw[i]), 0xA5000000u | (rw[i] << 4) | i);
	tg_model_reg_write(m, TG_REG_H2C_SIZE, 10);
	tg_model_reg_write(m, TG_REG_C2H_SIZE, 14);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_H2C_SIZE), 10);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_C2H_SIZE), 14);
	tg_model_free(m);
}

/* CTRL: ENABLE reads back, RESET acts and reads back 0. */
Test(model_regs, ctrl)
{
	struct tg_model *m = tg_model_new();

	cr_expect_eq(tg_model_reg_read(m, TG_REG_CTRL), 0);
	tg_model_reg_write(m, TG_REG_CTRL, TG_CTRL_ENABLE);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_CTRL), TG_CTRL_ENABLE);
	tg_model_reg_write(m, TG_REG_CTRL, TG_CTRL_ENABLE | TG_CTRL_RESET);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_CTRL), TG_CTRL_ENABLE);
	tg_model_reg_write(m, TG_REG_CTRL, TG_CTRL_RESET);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_CTRL), 0);
	tg_model_reg_write(m, TG_REG_CTRL, 0xFFFFFFFC);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_CTRL), 0);
	tg_model_free(m);
}

/* Writes to read-only registers change nothing. */
Test(model_regs, read_only)
{
	static const uint32_t ro[] = {
		TG_REG_ID, TG_REG_VERSION, TG_REG_CAPS, TG_REG_STATUS,
		TG_REG_H2C_HEAD, TG_REG_C2H_TAIL,
		TG_REG_SESSION(0) + TG_SESSION_NAME0, TG_REG_SESSION(0) + TG_SESSION_STATE,
		TG_REG_SESSION(7) + TG_SESSION_NEXT_HI,
		TG_REG_COUNTER(0), TG_REG_COUNTER(13) + 4, TG_REG_COUNTER(54),
		TG_REG_COUNTER(TG_CNT_CRYPTO_JOBS), TG_REG_COUNTER(TG_CNT_CRYPTO_WAITS) + 4,
		TG_REG_KEY_STATUS,
	};
	struct tg_model *m = tg_model_new();

	for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		uint32_t v = tg_model_reg_read(m, ro[i]);

		tg_model_reg_write(m, ro[i], ~v);
		cr_expect_eq(tg_model_reg_read(m, ro[i]), v, "offset 0x%03x", ro[i]);
	}
	tg_model_free(m);
}

/* Unmapped offsets read 0 and ignore writes. */
Test(model_regs, unmapped)
{
	static const uint32_t um[] = {
		0x018, 0x01C, 0x03C, 0x054, 0x058, 0x0FC,
		TG_REG_FILTER(0) + 0xC, TG_REG_FILTER(7) + 0xC, TG_REG_FILTER(8),
		0x1FC, TG_REG_SESSION(0) + 0x18, TG_REG_SESSION(0) + 0x1C,
		TG_REG_SESSION(8), 0x3FC, TG_REG_COUNTER(TG_CNT_NUM),
		TG_REG_COUNTER(TG_CNT_NUM) + 4, 0x800, 0xFFC, 0x1000, 0x1010, 0xFFFFFFFC,
		0x00D, 0x011, 0x318, 0x31C, 0x3F0, 0x301, 0x313,
		TG_REG_COUNTER(29), TG_REG_COUNTER(31) + 4,
	};
	struct tg_model *m = tg_model_new();

	for (unsigned i = 0; i < sizeof(um) / sizeof(um[0]); i++) {
		tg_model_reg_write(m, um[i], 0xFFFFFFFF);
		cr_expect_eq(tg_model_reg_read(m, um[i]), 0, "offset 0x%03x", um[i]);
	}
	/* and the mapped neighbours were not touched */
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SCRATCH), 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_CTRL), 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_FILTER(0) + TG_FILTER_CTRL), 0);
	tg_model_free(m);
}

/* Filter entries keep the documented bits: 32-bit IP, 16-bit port, 3 flags. */
Test(model_regs, filter_fields)
{
	struct tg_model *m = tg_model_new();

	for (unsigned i = 0; i < TG_CARD_N_FILTERS; i++) {
		tg_model_reg_write(m, TG_REG_FILTER(i) + TG_FILTER_DST_IP, 0xE9360C00u + i);
		tg_model_reg_write(m, TG_REG_FILTER(i) + TG_FILTER_DST_PORT, 0xABCD0000u + i);
		tg_model_reg_write(m, TG_REG_FILTER(i) + TG_FILTER_CTRL, 0xFFFFFFF8u | i);
	}
	for (unsigned i = 0; i < TG_CARD_N_FILTERS; i++) {
		cr_expect_eq(tg_model_reg_read(m, TG_REG_FILTER(i) + TG_FILTER_DST_IP),
			     0xE9360C00u + i);
		cr_expect_eq(tg_model_reg_read(m, TG_REG_FILTER(i) + TG_FILTER_DST_PORT), i);
		cr_expect_eq(tg_model_reg_read(m, TG_REG_FILTER(i) + TG_FILTER_CTRL), i);
	}
	tg_model_free(m);
}

/* Session slots: name bytes, state, next, as the host reads them. */
Test(model_regs, session_readout)
{
	struct tg_model *m = tmu_model();
	uint8_t msg[64];
	size_t len;

	for (unsigned s = 0; s < TG_CARD_N_SESSIONS; s++)
		for (unsigned w = 0; w < 32; w += 4)
			cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(s) + w), 0);

	tmu_mold_init(&pk, "ABCDEFGHIJ", 0x0000000712345678ull);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 1, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_mold_init(&pk, TMU_SESSION, 0xFFFFFFFFull);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 1, 1, 1));
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 2, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 1, &cap);

	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NAME0), 0x44434241);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NAME1), 0x48474645);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NAME2), 0x00004A49);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_STATE), 1);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 0x12345679);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_HI), 7);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + 0x18), 0);

	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(1) + TG_SESSION_NAME0), 0x30303030);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(1) + TG_SESSION_NAME1), 0x35303031);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(1) + TG_SESSION_NAME2), 0x00004239);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(1) + TG_SESSION_STATE), 1);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(1) + TG_SESSION_NEXT_LO), 1);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(1) + TG_SESSION_NEXT_HI), 1);
	for (unsigned w = 0; w < 32; w += 4)
		cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(2) + w), 0);
	tg_model_free(m);
}

/*
 * 64-bit counters: both halves; the crypto counters 24-28 stay 0 without
 * jobs and 29-31 read 0.
 */
Test(model_regs, counters_64bit)
{
	struct tg_model *m = tmu_model();
	uint64_t c[TG_CNT_NUM];
	const uint64_t missing = 0x300000005ull;
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 1);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 1, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	tmu_mold_init(&pk, TMU_SESSION, 2 + missing);
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);

	cr_expect_eq(tg_model_reg_read(m, TG_REG_COUNTER(TG_CNT_GAP_MESSAGES)), 5);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_COUNTER(TG_CNT_GAP_MESSAGES) + 4), 3);
	cr_assert_eq(cap.n, 2);
	tmu_expect_meta(&cap.ev[1], TG_EV_GAP, 0, 0, 2, missing);
	tmu_counters(m, c);
	cr_expect_eq(c[TG_CNT_FRAMES_A], 2);
	cr_expect_eq(c[TG_CNT_MOLD_PACKETS], 2);
	cr_expect_eq(c[TG_CNT_HEARTBEATS], 1);
	cr_expect_eq(c[TG_CNT_GAPS], 1);
	cr_expect_eq(c[TG_CNT_MESSAGES], 1);
	for (unsigned i = 24; i < 32; i++)
		cr_expect_eq(c[i], 0);
	tg_model_free(m);
}

/*
 * RESET clears the counters, the session table and the four ring indices;
 * filters, scratch, bases, sizes and the write-back address stay.
 */
Test(model_regs, reset)
{
	struct tg_model *m = tmu_model();
	uint64_t c[TG_CNT_NUM];
	uint8_t msg[64];
	size_t len;

	tmu_mold_init(&pk, TMU_SESSION, 100);
	tmu_mold_add(&pk, msg, tmu_msg_add(msg, 1, 1, 1));
	len = tmu_frame_mold(frame, &pk);
	tmu_feed(m, frame, len, 0, &cap);
	tg_model_reg_write(m, TG_REG_SCRATCH, 0x1234);
	tg_model_reg_write(m, TG_REG_H2C_BASE_LO, 0x1000);
	tg_model_reg_write(m, TG_REG_H2C_BASE_HI, 0x7);
	tg_model_reg_write(m, TG_REG_H2C_SIZE, 6);
	tg_model_reg_write(m, TG_REG_H2C_TAIL, 33);
	tg_model_reg_write(m, TG_REG_H2C_WB_LO, 0x2004);
	tg_model_reg_write(m, TG_REG_C2H_BASE_LO, 0x3000);
	tg_model_reg_write(m, TG_REG_C2H_SIZE, 12);
	tg_model_reg_write(m, TG_REG_C2H_HEAD, 44);
	tmu_counters(m, c);
	cr_expect_eq(c[TG_CNT_MESSAGES], 1);

	tg_model_reg_write(m, TG_REG_CTRL, TG_CTRL_RESET);

	tmu_counters(m, c);
	for (unsigned i = 0; i < TG_CNT_NUM; i++)
		cr_expect_eq(c[i], 0, "counter %u", i);
	for (unsigned w = 0; w < 32; w += 4)
		cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + w), 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_H2C_TAIL), 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_H2C_HEAD), 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_C2H_HEAD), 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_C2H_TAIL), 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SCRATCH), 0x1234);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_H2C_BASE_LO), 0x1000);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_H2C_BASE_HI), 0x7);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_H2C_SIZE), 6);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_H2C_WB_LO), 0x2004);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_C2H_BASE_LO), 0x3000);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_C2H_SIZE), 12);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_FILTER(0) + TG_FILTER_DST_IP), TMU_DST_IP);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_FILTER(0) + TG_FILTER_DST_PORT), TMU_DST_PORT);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_FILTER(0) + TG_FILTER_CTRL), TG_FILTER_VALID);

	/* the sequencer forgot the session: the same packet is new again */
	cap.n = 0;
	tmu_feed(m, frame, len, 0, &cap);
	cr_expect_eq(cap.n, 1);
	tmu_counters(m, c);
	cr_expect_eq(c[TG_CNT_DUPLICATES], 0);
	cr_expect_eq(c[TG_CNT_MESSAGES], 1);
	tg_model_free(m);
}
