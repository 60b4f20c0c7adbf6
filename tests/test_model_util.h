/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the model's tests: hand-built Ethernet/IPv4/UDP/
 * MoldUDP64 frames and ITCH messages, record capture, counter snapshots.
 * Frames are written byte by byte from the wire formats, not from the
 * model's code, so the tests are an independent check of it.
 */
#ifndef TEST_MODEL_UTIL_H
#define TEST_MODEL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_card_abi.h"
#include "tg_model.h"

/* The feed the tests use unless they say otherwise: TotalView's group. */
#define TMU_DST_IP	0xE9360C6Fu	/* 233.54.12.111 */
#define TMU_DST_PORT	26477
#define TMU_SRC_IP	0xCEC87F8Au	/* 206.200.127.138 */
#define TMU_SRC_PORT	49653
#define TMU_SESSION	"000010059B"

#define TMU_MAX_FRAME	(TG_MAX_FRAME + 64)
#define TMU_CAP_MAX	4096

struct tmu_frame_opts {
	bool vlan;		/* one 802.1Q tag */
	unsigned ip_opts;	/* bytes of IP options (multiple of 4, <= 40) */
	uint32_t dst_ip;	/* 0 = TMU_DST_IP */
	uint16_t dst_port;	/* 0 = TMU_DST_PORT */
	unsigned pad;		/* Ethernet padding bytes after the IP packet */
};

/* A MoldUDP64 packet being built. */
struct tmu_mold {
	uint8_t buf[TG_MAX_FRAME];
	size_t len;
};

/* Records captured from tg_model_feed_frame. */
struct tmu_cap {
	unsigned n;
	struct tg_event ev[TMU_CAP_MAX];
};

/* Big-endian stores for building wire bytes. */
void tmu_put_be(uint8_t *p, uint64_t v, unsigned n);

/* Start a packet: session (10 chars), first sequence, count 0. */
void tmu_mold_init(struct tmu_mold *p, const char *session, uint64_t seq);
/* Append a message block (2-byte length + bytes); count += 1. */
void tmu_mold_add(struct tmu_mold *p, const void *msg, uint16_t len);
/* Append raw bytes without touching the count. */
void tmu_mold_raw(struct tmu_mold *p, const void *bytes, size_t len);
/* Overwrite the message count. */
void tmu_mold_set_count(struct tmu_mold *p, uint16_t n);

/*
 * A whole frame around a UDP payload: Ethernet (+tag), IPv4 (+options,
 * valid checksum), UDP (checksum 0), padding. Returns its length.
 */
size_t tmu_frame(uint8_t *out, const struct tmu_frame_opts *o,
		 const uint8_t *payload, size_t plen);
/* Offsets of the IP and UDP headers in a frame built with o. */
unsigned tmu_l3(const struct tmu_frame_opts *o);
unsigned tmu_l4(const struct tmu_frame_opts *o);
/* Recompute the IP header checksum after editing a header. */
void tmu_fix_csum(uint8_t *frame, const struct tmu_frame_opts *o);

/* The common case: a default frame around a MoldUDP64 packet. */
size_t tmu_frame_mold(uint8_t *out, const struct tmu_mold *p);

/*
 * An ITCH message header (type, locate, tracking, 48-bit timestamp) with
 * len - 11 body bytes of 0; returns len.
 */
uint16_t tmu_msg(uint8_t *out, char type, uint16_t locate, uint16_t tracking,
		 uint64_t ts, uint16_t len);
/* Add Order 'A' (36 bytes) with a recognisable reference number. */
uint16_t tmu_msg_add(uint8_t *out, uint64_t ref, uint32_t shares, uint32_t price);
/* Order Delete 'D' (19 bytes). */
uint16_t tmu_msg_delete(uint8_t *out, uint64_t ref);

/* A model with filter 0 accepting TMU_DST_IP:TMU_DST_PORT. */
struct tg_model *tmu_model(void);

/*
 * Feed a frame through tg_model_feed_frame from an exactly sized heap copy
 * (so a read past its end is caught by the sanitizers), appending records.
 */
void tmu_feed(struct tg_model *m, const uint8_t *frame, size_t len,
	      unsigned line, struct tmu_cap *cap);

/* All counters through the register window (low word, then high). */
void tmu_counters(struct tg_model *m, uint64_t c[TG_CNT_NUM]);

/*
 * Check that from before to after exactly the listed counters moved, each
 * by its delta: int pairs (counter, delta), terminated by -1.
 */
void tmu_expect_moved(const uint64_t before[TG_CNT_NUM],
		      const uint64_t after[TG_CNT_NUM], ...);

/* Check a GAP or EOS record field by field. */
void tmu_expect_meta(const struct tg_event *ev, uint8_t kind, unsigned slot,
		     unsigned line, uint64_t seq, uint64_t ts);

/* True when every byte of p[0..n) is 0. */
bool tmu_zero(const void *p, size_t n);

#endif /* TEST_MODEL_UTIL_H */
