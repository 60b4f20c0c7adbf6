/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NASDAQ TotalView-ITCH 5.0: the message table (type, length, fields) and
 * the layout of each message's fields in a card event record's body.
 *
 * The body of a TG_EV_MSG record holds the message's bytes 11 .. len-1 at
 * the same offsets minus 11, with every integer field (u, p4, p8) byte-
 * reversed to little-endian; alpha and character fields are copied as sent.
 * So a field at wire offset o lands at body offset o - 11.
 */
#ifndef TG_ITCH_H
#define TG_ITCH_H

#include <stdint.h>
#include <stddef.h>

#define TG_ITCH_NTYPES		23
#define TG_ITCH_MAX_FIELDS	14
#define TG_ITCH_HDR_LEN		11
#define TG_ITCH_MAX_LEN		50

enum tg_itch_kind { TG_FK_U, TG_FK_A, TG_FK_C, TG_FK_P4, TG_FK_P8 };

struct tg_itch_field {
	const char *name;
	uint8_t off;		/* wire offset in the message */
	uint8_t size;		/* bytes */
	uint8_t kind;		/* enum tg_itch_kind */
};

struct tg_itch_type {
	char type;
	const char *name;
	uint8_t len;
	uint8_t nfields;
	struct tg_itch_field fields[TG_ITCH_MAX_FIELDS];
};

/* In counter order: S R H Y L V W K J h A F E C X D U P Q B I N O */
extern const struct tg_itch_type tg_itch_types[TG_ITCH_NTYPES];

/* Index of a type in tg_itch_types, or -1 if unknown. */
int tg_itch_index(uint8_t type);

/* Message length of a type, or 0 if unknown. */
static inline unsigned
tg_itch_len(uint8_t type)
{
	int i = tg_itch_index(type);
	return i < 0 ? 0 : tg_itch_types[i].len;
}

/* Read an integer field of n bytes, little-endian, from a record body. */
static inline uint64_t
tg_body_uint(const uint8_t *body, unsigned wire_off, unsigned n)
{
	uint64_t v = 0;
	for (unsigned k = 0; k < n; k++)
		v |= (uint64_t)body[wire_off - TG_ITCH_HDR_LEN + k] << (8 * k);
	return v;
}

/* Body layouts of the messages the book builder reads (offsets = wire - 11). */
struct tg_body_add {		/* 'A' and 'F' */
	uint64_t order_ref;
	char side;
	uint32_t shares;
	char stock[8];
	uint32_t price;
	char attribution[4];	/* 'F' only */
} __attribute__((packed));

struct tg_body_exec {		/* 'E' and 'C' */
	uint64_t order_ref;
	uint32_t shares;
	uint64_t match_number;
	char printable;		/* 'C' only */
	uint32_t price;		/* 'C' only */
} __attribute__((packed));

struct tg_body_cancel {		/* 'X' */
	uint64_t order_ref;
	uint32_t shares;
} __attribute__((packed));

struct tg_body_delete {		/* 'D' */
	uint64_t order_ref;
} __attribute__((packed));

struct tg_body_replace {	/* 'U' */
	uint64_t orig_ref;
	uint64_t new_ref;
	uint32_t shares;
	uint32_t price;
} __attribute__((packed));

struct tg_body_trade {		/* 'P' */
	uint64_t order_ref;
	char side;
	uint32_t shares;
	char stock[8];
	uint32_t price;
	uint64_t match_number;
} __attribute__((packed));

struct tg_body_directory {	/* 'R' */
	char stock[8];
	char market_category;
	char financial_status;
	uint32_t round_lot_size;
	char round_lots_only;
	char issue_classification;
	char issue_sub_type[2];
	char authenticity;
	char short_sale_threshold;
	char ipo_flag;
	char luld_tier;
	char etp_flag;
	uint32_t etp_leverage_factor;
	char inverse_indicator;
} __attribute__((packed));

struct tg_body_trading_action {	/* 'H' */
	char stock[8];
	char trading_state;
	char reserved;
	char reason[4];
} __attribute__((packed));

#endif /* TG_ITCH_H */
