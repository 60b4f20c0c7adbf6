/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OUCH 4.2 messages (../shared/protocols/ouch42.md): the decoded form the
 * order path works with, and the codecs to and from the wire and JSON.
 *
 * Decoded messages keep integers in host order and alpha fields as the
 * fixed-width, space-padded bytes of the wire (never NUL-terminated), so
 * a token or a stock compares with memcmp and is copied with memcpy.
 */
#ifndef TG_OUCH_H
#define TG_OUCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define TG_OUCH_TOKEN_LEN	14
#define TG_OUCH_STOCK_LEN	8
#define TG_OUCH_FIRM_LEN	4
#define TG_OUCH_MAX_MSG		80	/* the longest message (Replaced) */

/* time_in_force values with a meaning of their own */
#define TG_OUCH_TIF_IOC		0
#define TG_OUCH_TIF_MARKET_HOURS 99998
#define TG_OUCH_TIF_SYSTEM_HOURS 99999

/* ---- inbound: client -> gateway ---- */

struct tg_ouch_enter {		/* 'O' */
	char token[TG_OUCH_TOKEN_LEN];
	char side;		/* B S T E */
	uint32_t shares;
	char stock[TG_OUCH_STOCK_LEN];
	uint32_t price;		/* p4 */
	uint32_t tif;
	char firm[TG_OUCH_FIRM_LEN];
	char display;
	char capacity;
	char ise;		/* intermarket_sweep_eligibility */
	uint32_t min_qty;
	char cross_type;
	char customer_type;
};

struct tg_ouch_replace {	/* 'U' */
	char existing[TG_OUCH_TOKEN_LEN];
	char replacement[TG_OUCH_TOKEN_LEN];
	uint32_t shares;
	uint32_t price;
	uint32_t tif;
	char display;
	char ise;
	uint32_t min_qty;
};

struct tg_ouch_cancel {		/* 'X' */
	char token[TG_OUCH_TOKEN_LEN];
	uint32_t shares;	/* the new intended size; 0 cancels the rest */
};

struct tg_ouch_modify {		/* 'M' */
	char token[TG_OUCH_TOKEN_LEN];
	char side;
	uint32_t shares;
};

struct tg_ouch_in {
	char type;		/* 'O' 'U' 'X' 'M' */
	union {
		struct tg_ouch_enter enter;
		struct tg_ouch_replace replace;
		struct tg_ouch_cancel cancel;
		struct tg_ouch_modify modify;
	};
};

/* ---- outbound: gateway -> client ---- */

struct tg_ouch_order_fields {	/* shared by Accepted and Replaced */
	char token[TG_OUCH_TOKEN_LEN];	/* Replaced: the replacement token */
	char side;
	uint32_t shares;
	char stock[TG_OUCH_STOCK_LEN];
	uint32_t price;
	uint32_t tif;
	char firm[TG_OUCH_FIRM_LEN];
	char display;
	uint64_t order_ref;	/* order_reference_number */
	char capacity;
	char ise;
	uint32_t min_qty;
	char cross_type;
	char order_state;	/* 'L' live, 'D' dead */
	char bbo_weight;	/* bbo_weight_indicator */
	char previous_token[TG_OUCH_TOKEN_LEN];	/* Replaced only */
};

struct tg_ouch_out {
	char type;		/* 'S' 'A' 'U' 'C' 'D' 'E' 'B' 'K' 'J' 'P' 'I' 'T' 'M' */
	uint64_t ts;		/* ns since midnight */
	union {
		struct { char event_code; } system;		/* S */
		struct tg_ouch_order_fields order;		/* A, U */
		struct {					/* C */
			char token[TG_OUCH_TOKEN_LEN];
			uint32_t decrement;
			char reason;
		} canceled;
		struct {					/* D */
			char token[TG_OUCH_TOKEN_LEN];
			uint32_t decrement;
			char reason;
			uint32_t prevented;
			uint32_t price;
			char liquidity;
		} aiq_canceled;
		struct {					/* E */
			char token[TG_OUCH_TOKEN_LEN];
			uint32_t shares;
			uint32_t price;
			char liquidity;
			uint64_t match;
		} executed;
		struct {					/* B */
			char token[TG_OUCH_TOKEN_LEN];
			uint64_t match;
			char reason;
		} broken;
		struct {					/* K */
			char token[TG_OUCH_TOKEN_LEN];
			uint64_t match;
			uint32_t price;
			char reason;
		} correction;
		struct {					/* J */
			char token[TG_OUCH_TOKEN_LEN];
			char reason;
		} rejected;
		struct {					/* P, I */
			char token[TG_OUCH_TOKEN_LEN];
		} pending;
		struct {					/* T */
			char token[TG_OUCH_TOKEN_LEN];
			uint32_t price;
			char display;
			uint64_t order_ref;
		} priority;
		struct {					/* M */
			char token[TG_OUCH_TOKEN_LEN];
			char side;
			uint32_t shares;
		} modified;
	};
};

/* Wire length of an inbound / outbound message of this type; 0 if unknown. */
size_t tg_ouch_in_len(char type);
size_t tg_ouch_out_len(char type);

/*
 * Decode one message p[0..len) (the SoupBinTCP payload: type byte first).
 * 0, or -EBADMSG for an unknown type, -EMSGSIZE when len is not the
 * type's length. *m is zeroed first.
 */
int tg_ouch_in_decode(const uint8_t *p, size_t len, struct tg_ouch_in *m);
int tg_ouch_out_decode(const uint8_t *p, size_t len, struct tg_ouch_out *m);

/*
 * Encode m at out (room for TG_OUCH_MAX_MSG bytes). Returns the length,
 * or 0 for an unknown type.
 */
size_t tg_ouch_in_encode(const struct tg_ouch_in *m, uint8_t *out);
size_t tg_ouch_out_encode(const struct tg_ouch_out *m, uint8_t *out);

/*
 * JSON with the field names of ouch42.md: {"type":"O","order_token":..,
 * "buy_sell_indicator":"B","shares":100,"stock":"AAPL","price":1500000,..}.
 * Alpha fields right-trimmed, prices raw p4 integers, outbound messages
 * with "timestamp". From JSON, missing fields take sensible defaults
 * (time_in_force 99999, display 'Y', capacity 'A', ise 'N', cross_type
 * 'N', customer_type ' ', firm blank, minimum_quantity 0); a bad value,
 * a missing required field, a key the type does not have (outbound:
 * but "sequence", which the client prints) or an unknown type is -EINVAL
 * with a message naming the field in err (err may be NULL). A u8 above
 * 2^63 - 1 is written, and read, as a string of digits. The fields and
 * defaults of each type: docs/ouch-client.md. to_json is NULL only for
 * an unknown type or when out of memory.
 */
json_t *tg_ouch_in_to_json(const struct tg_ouch_in *m);
json_t *tg_ouch_out_to_json(const struct tg_ouch_out *m);
int tg_ouch_in_from_json(const json_t *j, struct tg_ouch_in *m,
			 char *err, size_t errlen);
int tg_ouch_out_from_json(const json_t *j, struct tg_ouch_out *m,
			  char *err, size_t errlen);

/* Copy a C string into a space-padded alpha field of n bytes (cut at n). */
void tg_ouch_alpha(char *field, size_t n, const char *s);

#endif /* TG_OUCH_H */
