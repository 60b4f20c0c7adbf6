/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The card's binary interface: register map, H2C descriptor, C2H event
 * record and counter indices. docs/card-interface.md explains each item;
 * rtl/tg_card_abi.vh carries the same numbers for the RTL, and
 * tests/test_abi.c checks that the two agree.
 */
#ifndef TG_CARD_ABI_H
#define TG_CARD_ABI_H

#include <stdint.h>

/* ---- identity ---- */
#define TG_CARD_ID		0x54474344u	/* "TGCD" */
#define TG_CARD_VERSION		0x00010000u	/* major 1, minor 0 */
#define TG_CARD_N_FILTERS	8
#define TG_CARD_N_SESSIONS	8
#define TG_CARD_BAR_SIZE	4096

/* ---- registers (byte offsets in BAR0, all 32-bit) ---- */
#define TG_REG_ID		0x000
#define TG_REG_VERSION		0x004
#define TG_REG_CAPS		0x008	/* [7:0] filters, [15:8] sessions, [23:16] beat bytes, bit24 feed, bit25 sm4 */
#define TG_REG_SCRATCH		0x00C
#define TG_REG_CTRL		0x010
#define  TG_CTRL_ENABLE		(1u << 0)
#define  TG_CTRL_RESET		(1u << 1)	/* self-clearing */
#define TG_REG_STATUS		0x014
#define  TG_STATUS_IDLE		(1u << 0)	/* no descriptor or record in flight */

#define TG_REG_H2C_BASE_LO	0x020
#define TG_REG_H2C_BASE_HI	0x024
#define TG_REG_H2C_SIZE		0x028	/* log2 of entries */
#define TG_REG_H2C_TAIL		0x02C	/* doorbell: host producer index (free-running) */
#define TG_REG_H2C_HEAD		0x030	/* RO: card consumer index (free-running) */
#define TG_REG_H2C_WB_LO	0x034	/* host address the card writes its H2C head to */
#define TG_REG_H2C_WB_HI	0x038

#define TG_REG_C2H_BASE_LO	0x040
#define TG_REG_C2H_BASE_HI	0x044
#define TG_REG_C2H_SIZE		0x048	/* log2 of entries */
#define TG_REG_C2H_HEAD		0x04C	/* doorbell: host consumer index (free-running) */
#define TG_REG_C2H_TAIL		0x050	/* RO: card producer index (free-running) */

#define TG_H2C_SIZE_MIN		4
#define TG_H2C_SIZE_MAX		16
#define TG_C2H_SIZE_MIN		11	/* a jumbo frame may need 1154 records */
#define TG_C2H_SIZE_MAX		16

#define TG_REG_FILTER(i)	(0x100 + 16 * (i))
#define  TG_FILTER_DST_IP	0x0	/* IPv4 destination, 233.54.12.111 = 0xE9360C6F */
#define  TG_FILTER_DST_PORT	0x4	/* [15:0] */
#define  TG_FILTER_CTRL		0x8
#define   TG_FILTER_VALID	(1u << 0)
#define   TG_FILTER_ANY_IP	(1u << 1)
#define   TG_FILTER_ANY_PORT	(1u << 2)

#define TG_REG_SESSION(s)	(0x200 + 32 * (s))	/* read-only */
#define  TG_SESSION_NAME0	0x00	/* name bytes 0..3, byte k in bits 8*(k%4) */
#define  TG_SESSION_NAME1	0x04	/* bytes 4..7 */
#define  TG_SESSION_NAME2	0x08	/* bytes 8..9 in [15:0] */
#define  TG_SESSION_STATE	0x0C	/* bit0 valid, bit1 ended */
#define  TG_SESSION_NEXT_LO	0x10	/* next expected sequence number */
#define  TG_SESSION_NEXT_HI	0x14

/* SM4 key slots: write only, except KEY_STATUS (docs/card-interface.md section 9) */
#define TG_REG_KEY_DATA(w)	(0x300 + 4 * (w))	/* w < 4: key bytes 4w..4w+3, big-endian */
#define TG_REG_KEY_CMD		0x310
#define  TG_KEY_CMD_LOAD	(1u << 31)	/* expand KEY_DATA into slot [3:0] */
#define  TG_KEY_CMD_UNLOAD	(1u << 30)	/* mark slot [3:0] empty */
#define TG_REG_KEY_STATUS	0x314
#define  TG_KEY_STATUS_BUSY	(1u << 0)
#define  TG_KEY_STATUS_LOADED_SHIFT 16	/* [31:16]: bit per loaded slot */
#define TG_KEY_SLOTS		16

#define TG_REG_COUNTER(c)	(0x400 + 8 * (c))	/* 64-bit: lo at +0, hi at +4 */

/* ---- counters ---- */
enum tg_counter {
	TG_CNT_FRAMES_A = 0,	/* frames received on line A */
	TG_CNT_FRAMES_B,	/* frames received on line B */
	TG_CNT_NON_FEED,	/* not IPv4/UDP: other ethertype or IP protocol */
	TG_CNT_FILTERED,	/* IPv4/UDP matching no filter entry */
	TG_CNT_ERR_TRUNCATED,	/* frame shorter than its headers claim */
	TG_CNT_ERR_IP_HEADER,	/* version, IHL, total length or fragment */
	TG_CNT_ERR_IP_CHECKSUM,
	TG_CNT_ERR_UDP_LENGTH,
	TG_CNT_ERR_MOLD_HEADER,	/* UDP payload shorter than 20 bytes */
	TG_CNT_ERR_SESSION_FULL,
	TG_CNT_MOLD_PACKETS,	/* accepted MoldUDP64 packets */
	TG_CNT_HEARTBEATS,
	TG_CNT_END_OF_SESSION,
	TG_CNT_MESSAGES,	/* MSG records emitted */
	TG_CNT_DUPLICATES,	/* messages dropped: already seen */
	TG_CNT_GAPS,		/* GAP records emitted */
	TG_CNT_GAP_MESSAGES,	/* messages missing, summed over gaps */
	TG_CNT_ERR_MSG_OVERRUN,	/* message block crosses the datagram's end */
	TG_CNT_ERR_UNKNOWN_TYPE,
	TG_CNT_ERR_MSG_LENGTH,	/* block length differs from its type's */
	TG_CNT_ERR_SHORT_PACKET,/* datagram ended before its message count */
	TG_CNT_C2H_DROPS,	/* records dropped, C2H ring full */
	TG_CNT_H2C_DESCS,	/* H2C descriptors consumed */
	TG_CNT_ERR_DESC,	/* descriptors skipped: bad kind or length */
	TG_CNT_CRYPTO_JOBS,	/* crypto result records written */
	TG_CNT_CRYPTO_BYTES,	/* data bytes of OK and TAG_FAIL jobs */
	TG_CNT_CRYPTO_TAG_FAIL,	/* GCM decrypts whose tag did not verify */
	TG_CNT_CRYPTO_BAD_JOB,	/* job blocks that failed a check */
	TG_CNT_CRYPTO_WAITS,	/* jobs that waited for C2H room */
	TG_CNT_MSG_TYPE0 = 32,	/* + index in TG_ITCH_TYPES: MSG records per type */
	TG_CNT_NUM = 32 + 23
};

/* ---- H2C descriptor: 16 bytes, little-endian ---- */
struct tg_h2c_desc {
	uint64_t addr;		/* IOVA of the frame bytes */
	uint16_t len;		/* 1 .. TG_MAX_FRAME */
	uint8_t kind;		/* TG_DESC_FEED_FRAME */
	uint8_t flags;		/* bit0: line (0 = A, 1 = B) */
	uint32_t rsvd;		/* 0 */
};
#define TG_DESC_FEED_FRAME	1
#define TG_DESC_CRYPTO_JOB	2	/* addr: a struct tg_crypto_job_block */
#define TG_DESC_LINE_B		(1u << 0)
#define TG_MAX_FRAME		9216

/* ---- C2H event record: 64 bytes, little-endian, one cache line ---- */
struct tg_event {
	uint8_t kind;		/* TG_EV_* */
	uint8_t msg_type;	/* ITCH type (ASCII) for TG_EV_MSG, else 0 */
	uint8_t session;	/* session slot */
	uint8_t flags;		/* bit0 line B, bit7 phase */
	uint16_t stock_locate;
	uint16_t tracking_number;
	uint64_t seq;		/* MSG: its sequence; GAP: first missing; EOS: packet's */
	uint64_t ts;		/* MSG: timestamp (ns); GAP: number missing; EOS: 0 */
	uint8_t body[40];	/* message bytes 11.., integers little-endian */
} __attribute__((aligned(64)));

/* ---- crypto job block: 80 bytes, little-endian, read by the card ---- */
struct tg_crypto_job_block {
	uint8_t mode;		/* TG_SM4_ECB / CTR / GCM */
	uint8_t op;		/* 0 encrypt, 1 decrypt */
	uint8_t slot;		/* key slot < TG_KEY_SLOTS */
	uint8_t rsvd0;
	uint32_t len;		/* data bytes, <= TG_CRYPTO_MAX_LEN */
	uint64_t src;		/* IOVA of the input */
	uint64_t dst;		/* IOVA of the output */
	uint64_t aad;		/* IOVA of the AAD (GCM) */
	uint32_t aad_len;	/* <= TG_CRYPTO_MAX_AAD (GCM), else 0 */
	uint32_t rsvd1;
	uint8_t iv[16];		/* CTR: counter block; GCM: IV in bytes 0..11 */
	uint8_t tag[16];	/* GCM decrypt: the tag to verify */
	uint64_t cookie;	/* echoed in the result record */
};
#define TG_SM4_ECB		1
#define TG_SM4_CTR		2
#define TG_SM4_GCM		3
#define TG_CRYPTO_JOB_BLOCK_LEN	80
#define TG_CRYPTO_MAX_LEN	(1u << 24)
#define TG_CRYPTO_MAX_AAD	(1u << 16)

/* ---- C2H crypto result record: 64 bytes ---- */
struct tg_crypto_result {
	uint8_t kind;		/* TG_EV_CRYPTO */
	uint8_t status;		/* TG_CRYPTO_ST_* */
	uint8_t mode;		/* the job's mode; 0 for BAD_JOB */
	uint8_t flags;		/* bit0 decrypt, bit7 phase */
	uint32_t len;		/* data bytes processed; 0 for BAD_JOB */
	uint64_t cookie;
	uint8_t tag[16];	/* GCM encrypt: computed tag; else 0 */
	uint8_t rsvd[32];
} __attribute__((aligned(64)));
#define TG_CRYPTO_ST_OK		0
#define TG_CRYPTO_ST_TAG_FAIL	1
#define TG_CRYPTO_ST_BAD_JOB	2
#define TG_CRYPTO_FLAG_DECRYPT	(1u << 0)

#define TG_EV_MSG		1
#define TG_EV_GAP		2
#define TG_EV_EOS		3
#define TG_EV_CRYPTO		4	/* a struct tg_crypto_result */
#define TG_EV_FLAG_LINE_B	(1u << 0)
#define TG_EV_FLAG_PHASE	(1u << 7)
#define TG_EV_BODY_OFF		24

#ifdef __cplusplus
static_assert(sizeof(struct tg_h2c_desc) == 16, "descriptor is 16 bytes");
static_assert(sizeof(struct tg_event) == 64, "record is one cache line");
static_assert(sizeof(struct tg_crypto_job_block) == TG_CRYPTO_JOB_BLOCK_LEN, "job block is 80 bytes");
static_assert(sizeof(struct tg_crypto_result) == 64, "result is one cache line");
#else
_Static_assert(sizeof(struct tg_h2c_desc) == 16, "descriptor is 16 bytes");
_Static_assert(sizeof(struct tg_event) == 64, "record is one cache line");
_Static_assert(sizeof(struct tg_crypto_job_block) == TG_CRYPTO_JOB_BLOCK_LEN, "job block is 80 bytes");
_Static_assert(sizeof(struct tg_crypto_result) == 64, "result is one cache line");
#endif

#endif /* TG_CARD_ABI_H */
