/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OUCH 4.2 binary codecs (../shared/protocols/ouch42.md): the gateway
 * decodes every inbound message and encodes every outbound one here, so
 * each message type is written out field by field, with no table to walk
 * and no allocation.
 */
#include <errno.h>
#include <string.h>

#include "ouch/tg_ouch.h"

/* Wire lengths, type byte included. */
#define TG_OUCH_LEN_ENTER	49
#define TG_OUCH_LEN_REPLACE	47
#define TG_OUCH_LEN_CANCEL	19
#define TG_OUCH_LEN_MODIFY	20

#define TG_OUCH_LEN_SYSTEM	10
#define TG_OUCH_LEN_ACCEPTED	66
#define TG_OUCH_LEN_REPLACED	80
#define TG_OUCH_LEN_CANCELED	28
#define TG_OUCH_LEN_AIQ		37
#define TG_OUCH_LEN_EXECUTED	40
#define TG_OUCH_LEN_BROKEN	32
#define TG_OUCH_LEN_CORRECTION	36
#define TG_OUCH_LEN_REJECTED	24
#define TG_OUCH_LEN_PENDING	23
#define TG_OUCH_LEN_CANCEL_REJ	23
#define TG_OUCH_LEN_PRIORITY	36
#define TG_OUCH_LEN_MODIFIED	28

_Static_assert(TG_OUCH_LEN_REPLACED == TG_OUCH_MAX_MSG, "Replaced is the longest message");

/* A cursor over a message being read or written. */
struct tg_ouch_cur {
	uint8_t *p;
};

struct tg_ouch_rcur {
	const uint8_t *p;
};

/* One character field. */
static inline void
tg_ouch_put_c(struct tg_ouch_cur *c, char v)
{
	*c->p++ = (uint8_t)v;
}

/* An alpha field, already space padded in the struct. */
static inline void
tg_ouch_put_a(struct tg_ouch_cur *c, const char *v, size_t n)
{
	memcpy(c->p, v, n);
	c->p += n;
}

/* A 4-byte big-endian integer (u4, p4). */
static inline void
tg_ouch_put_u32(struct tg_ouch_cur *c, uint32_t v)
{
	c->p[0] = (uint8_t)(v >> 24);
	c->p[1] = (uint8_t)(v >> 16);
	c->p[2] = (uint8_t)(v >> 8);
	c->p[3] = (uint8_t)v;
	c->p += 4;
}

/* An 8-byte big-endian integer (u8: timestamps, references, matches). */
static inline void
tg_ouch_put_u64(struct tg_ouch_cur *c, uint64_t v)
{
	tg_ouch_put_u32(c, (uint32_t)(v >> 32));
	tg_ouch_put_u32(c, (uint32_t)v);
}

/* One character field. */
static inline char
tg_ouch_get_c(struct tg_ouch_rcur *c)
{
	return (char)*c->p++;
}

/* An alpha field, kept padded as on the wire. */
static inline void
tg_ouch_get_a(struct tg_ouch_rcur *c, char *v, size_t n)
{
	memcpy(v, c->p, n);
	c->p += n;
}

/* A 4-byte big-endian integer. */
static inline uint32_t
tg_ouch_get_u32(struct tg_ouch_rcur *c)
{
	uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
		     (uint32_t)c->p[2] << 8 | c->p[3];

	c->p += 4;
	return v;
}

/* An 8-byte big-endian integer. */
static inline uint64_t
tg_ouch_get_u64(struct tg_ouch_rcur *c)
{
	uint64_t hi = tg_ouch_get_u32(c);

	return hi << 32 | tg_ouch_get_u32(c);
}

/* The wire length of an inbound message type, 0 when OUCH 4.2 has none. */
size_t
tg_ouch_in_len(char type)
{
	switch (type) {
	case 'O': return TG_OUCH_LEN_ENTER;
	case 'U': return TG_OUCH_LEN_REPLACE;
	case 'X': return TG_OUCH_LEN_CANCEL;
	case 'M': return TG_OUCH_LEN_MODIFY;
	default: return 0;
	}
}

/* The wire length of an outbound message type, 0 when OUCH 4.2 has none. */
size_t
tg_ouch_out_len(char type)
{
	switch (type) {
	case 'S': return TG_OUCH_LEN_SYSTEM;
	case 'A': return TG_OUCH_LEN_ACCEPTED;
	case 'U': return TG_OUCH_LEN_REPLACED;
	case 'C': return TG_OUCH_LEN_CANCELED;
	case 'D': return TG_OUCH_LEN_AIQ;
	case 'E': return TG_OUCH_LEN_EXECUTED;
	case 'B': return TG_OUCH_LEN_BROKEN;
	case 'K': return TG_OUCH_LEN_CORRECTION;
	case 'J': return TG_OUCH_LEN_REJECTED;
	case 'P': return TG_OUCH_LEN_PENDING;
	case 'I': return TG_OUCH_LEN_CANCEL_REJ;
	case 'T': return TG_OUCH_LEN_PRIORITY;
	case 'M': return TG_OUCH_LEN_MODIFIED;
	default: return 0;
	}
}

/*
 * Decode one inbound message. The type and the length are checked before
 * any field is read, so a short or unknown message never reads past p[len).
 */
int
tg_ouch_in_decode(const uint8_t *p, size_t len, struct tg_ouch_in *m)
{
	struct tg_ouch_rcur c = { p + 1 };
	size_t want;

	memset(m, 0, sizeof(*m));
	if (!len)
		return -EMSGSIZE;
	want = tg_ouch_in_len((char)p[0]);
	if (!want)
		return -EBADMSG;
	if (len != want)
		return -EMSGSIZE;
	m->type = (char)p[0];
	switch (m->type) {
	case 'O': {
		struct tg_ouch_enter *e = &m->enter;

		tg_ouch_get_a(&c, e->token, TG_OUCH_TOKEN_LEN);
		e->side = tg_ouch_get_c(&c);
		e->shares = tg_ouch_get_u32(&c);
		tg_ouch_get_a(&c, e->stock, TG_OUCH_STOCK_LEN);
		e->price = tg_ouch_get_u32(&c);
		e->tif = tg_ouch_get_u32(&c);
		tg_ouch_get_a(&c, e->firm, TG_OUCH_FIRM_LEN);
		e->display = tg_ouch_get_c(&c);
		e->capacity = tg_ouch_get_c(&c);
		e->ise = tg_ouch_get_c(&c);
		e->min_qty = tg_ouch_get_u32(&c);
		e->cross_type = tg_ouch_get_c(&c);
		e->customer_type = tg_ouch_get_c(&c);
		break;
	}
	case 'U': {
		struct tg_ouch_replace *r = &m->replace;

		tg_ouch_get_a(&c, r->existing, TG_OUCH_TOKEN_LEN);
		tg_ouch_get_a(&c, r->replacement, TG_OUCH_TOKEN_LEN);
		r->shares = tg_ouch_get_u32(&c);
		r->price = tg_ouch_get_u32(&c);
		r->tif = tg_ouch_get_u32(&c);
		r->display = tg_ouch_get_c(&c);
		r->ise = tg_ouch_get_c(&c);
		r->min_qty = tg_ouch_get_u32(&c);
		break;
	}
	case 'X':
		tg_ouch_get_a(&c, m->cancel.token, TG_OUCH_TOKEN_LEN);
		m->cancel.shares = tg_ouch_get_u32(&c);
		break;
	case 'M':
		tg_ouch_get_a(&c, m->modify.token, TG_OUCH_TOKEN_LEN);
		m->modify.side = tg_ouch_get_c(&c);
		m->modify.shares = tg_ouch_get_u32(&c);
		break;
	}
	return 0;
}

/* Encode one inbound message; 0 for a type OUCH 4.2 does not send inbound. */
size_t
tg_ouch_in_encode(const struct tg_ouch_in *m, uint8_t *out)
{
	struct tg_ouch_cur c = { out + 1 };
	size_t len = tg_ouch_in_len(m->type);

	if (!len)
		return 0;
	out[0] = (uint8_t)m->type;
	switch (m->type) {
	case 'O': {
		const struct tg_ouch_enter *e = &m->enter;

		tg_ouch_put_a(&c, e->token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_c(&c, e->side);
		tg_ouch_put_u32(&c, e->shares);
		tg_ouch_put_a(&c, e->stock, TG_OUCH_STOCK_LEN);
		tg_ouch_put_u32(&c, e->price);
		tg_ouch_put_u32(&c, e->tif);
		tg_ouch_put_a(&c, e->firm, TG_OUCH_FIRM_LEN);
		tg_ouch_put_c(&c, e->display);
		tg_ouch_put_c(&c, e->capacity);
		tg_ouch_put_c(&c, e->ise);
		tg_ouch_put_u32(&c, e->min_qty);
		tg_ouch_put_c(&c, e->cross_type);
		tg_ouch_put_c(&c, e->customer_type);
		break;
	}
	case 'U': {
		const struct tg_ouch_replace *r = &m->replace;

		tg_ouch_put_a(&c, r->existing, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_a(&c, r->replacement, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_u32(&c, r->shares);
		tg_ouch_put_u32(&c, r->price);
		tg_ouch_put_u32(&c, r->tif);
		tg_ouch_put_c(&c, r->display);
		tg_ouch_put_c(&c, r->ise);
		tg_ouch_put_u32(&c, r->min_qty);
		break;
	}
	case 'X':
		tg_ouch_put_a(&c, m->cancel.token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_u32(&c, m->cancel.shares);
		break;
	case 'M':
		tg_ouch_put_a(&c, m->modify.token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_c(&c, m->modify.side);
		tg_ouch_put_u32(&c, m->modify.shares);
		break;
	}
	return len;
}

/*
 * The fields Accepted and Replaced share, from the token to the cross
 * type; they differ only in what follows (Replaced puts the previous
 * token before the BBO weight).
 */
static void
tg_ouch_get_order(struct tg_ouch_rcur *c, struct tg_ouch_order_fields *o)
{
	tg_ouch_get_a(c, o->token, TG_OUCH_TOKEN_LEN);
	o->side = tg_ouch_get_c(c);
	o->shares = tg_ouch_get_u32(c);
	tg_ouch_get_a(c, o->stock, TG_OUCH_STOCK_LEN);
	o->price = tg_ouch_get_u32(c);
	o->tif = tg_ouch_get_u32(c);
	tg_ouch_get_a(c, o->firm, TG_OUCH_FIRM_LEN);
	o->display = tg_ouch_get_c(c);
	o->order_ref = tg_ouch_get_u64(c);
	o->capacity = tg_ouch_get_c(c);
	o->ise = tg_ouch_get_c(c);
	o->min_qty = tg_ouch_get_u32(c);
	o->cross_type = tg_ouch_get_c(c);
	o->order_state = tg_ouch_get_c(c);
}

/* The shared Accepted/Replaced fields, in the order tg_ouch_get_order reads them. */
static void
tg_ouch_put_order(struct tg_ouch_cur *c, const struct tg_ouch_order_fields *o)
{
	tg_ouch_put_a(c, o->token, TG_OUCH_TOKEN_LEN);
	tg_ouch_put_c(c, o->side);
	tg_ouch_put_u32(c, o->shares);
	tg_ouch_put_a(c, o->stock, TG_OUCH_STOCK_LEN);
	tg_ouch_put_u32(c, o->price);
	tg_ouch_put_u32(c, o->tif);
	tg_ouch_put_a(c, o->firm, TG_OUCH_FIRM_LEN);
	tg_ouch_put_c(c, o->display);
	tg_ouch_put_u64(c, o->order_ref);
	tg_ouch_put_c(c, o->capacity);
	tg_ouch_put_c(c, o->ise);
	tg_ouch_put_u32(c, o->min_qty);
	tg_ouch_put_c(c, o->cross_type);
	tg_ouch_put_c(c, o->order_state);
}

/*
 * Decode one outbound message (what a client reads from Sequenced Data).
 * Checked like tg_ouch_in_decode.
 */
int
tg_ouch_out_decode(const uint8_t *p, size_t len, struct tg_ouch_out *m)
{
	struct tg_ouch_rcur c = { p + 1 };
	size_t want;

	memset(m, 0, sizeof(*m));
	if (!len)
		return -EMSGSIZE;
	want = tg_ouch_out_len((char)p[0]);
	if (!want)
		return -EBADMSG;
	if (len != want)
		return -EMSGSIZE;
	m->type = (char)p[0];
	m->ts = tg_ouch_get_u64(&c);
	switch (m->type) {
	case 'S':
		m->system.event_code = tg_ouch_get_c(&c);
		break;
	case 'A':
		tg_ouch_get_order(&c, &m->order);
		m->order.bbo_weight = tg_ouch_get_c(&c);
		break;
	case 'U':
		tg_ouch_get_order(&c, &m->order);
		tg_ouch_get_a(&c, m->order.previous_token, TG_OUCH_TOKEN_LEN);
		m->order.bbo_weight = tg_ouch_get_c(&c);
		break;
	case 'C':
		tg_ouch_get_a(&c, m->canceled.token, TG_OUCH_TOKEN_LEN);
		m->canceled.decrement = tg_ouch_get_u32(&c);
		m->canceled.reason = tg_ouch_get_c(&c);
		break;
	case 'D':
		tg_ouch_get_a(&c, m->aiq_canceled.token, TG_OUCH_TOKEN_LEN);
		m->aiq_canceled.decrement = tg_ouch_get_u32(&c);
		m->aiq_canceled.reason = tg_ouch_get_c(&c);
		m->aiq_canceled.prevented = tg_ouch_get_u32(&c);
		m->aiq_canceled.price = tg_ouch_get_u32(&c);
		m->aiq_canceled.liquidity = tg_ouch_get_c(&c);
		break;
	case 'E':
		tg_ouch_get_a(&c, m->executed.token, TG_OUCH_TOKEN_LEN);
		m->executed.shares = tg_ouch_get_u32(&c);
		m->executed.price = tg_ouch_get_u32(&c);
		m->executed.liquidity = tg_ouch_get_c(&c);
		m->executed.match = tg_ouch_get_u64(&c);
		break;
	case 'B':
		tg_ouch_get_a(&c, m->broken.token, TG_OUCH_TOKEN_LEN);
		m->broken.match = tg_ouch_get_u64(&c);
		m->broken.reason = tg_ouch_get_c(&c);
		break;
	case 'K':
		tg_ouch_get_a(&c, m->correction.token, TG_OUCH_TOKEN_LEN);
		m->correction.match = tg_ouch_get_u64(&c);
		m->correction.price = tg_ouch_get_u32(&c);
		m->correction.reason = tg_ouch_get_c(&c);
		break;
	case 'J':
		tg_ouch_get_a(&c, m->rejected.token, TG_OUCH_TOKEN_LEN);
		m->rejected.reason = tg_ouch_get_c(&c);
		break;
	case 'P':
	case 'I':
		tg_ouch_get_a(&c, m->pending.token, TG_OUCH_TOKEN_LEN);
		break;
	case 'T':
		tg_ouch_get_a(&c, m->priority.token, TG_OUCH_TOKEN_LEN);
		m->priority.price = tg_ouch_get_u32(&c);
		m->priority.display = tg_ouch_get_c(&c);
		m->priority.order_ref = tg_ouch_get_u64(&c);
		break;
	case 'M':
		tg_ouch_get_a(&c, m->modified.token, TG_OUCH_TOKEN_LEN);
		m->modified.side = tg_ouch_get_c(&c);
		m->modified.shares = tg_ouch_get_u32(&c);
		break;
	}
	return 0;
}

/* Encode one outbound message; 0 for a type OUCH 4.2 does not send outbound. */
size_t
tg_ouch_out_encode(const struct tg_ouch_out *m, uint8_t *out)
{
	struct tg_ouch_cur c = { out + 1 };
	size_t len = tg_ouch_out_len(m->type);

	if (!len)
		return 0;
	out[0] = (uint8_t)m->type;
	tg_ouch_put_u64(&c, m->ts);
	switch (m->type) {
	case 'S':
		tg_ouch_put_c(&c, m->system.event_code);
		break;
	case 'A':
		tg_ouch_put_order(&c, &m->order);
		tg_ouch_put_c(&c, m->order.bbo_weight);
		break;
	case 'U':
		tg_ouch_put_order(&c, &m->order);
		tg_ouch_put_a(&c, m->order.previous_token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_c(&c, m->order.bbo_weight);
		break;
	case 'C':
		tg_ouch_put_a(&c, m->canceled.token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_u32(&c, m->canceled.decrement);
		tg_ouch_put_c(&c, m->canceled.reason);
		break;
	case 'D':
		tg_ouch_put_a(&c, m->aiq_canceled.token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_u32(&c, m->aiq_canceled.decrement);
		tg_ouch_put_c(&c, m->aiq_canceled.reason);
		tg_ouch_put_u32(&c, m->aiq_canceled.prevented);
		tg_ouch_put_u32(&c, m->aiq_canceled.price);
		tg_ouch_put_c(&c, m->aiq_canceled.liquidity);
		break;
	case 'E':
		tg_ouch_put_a(&c, m->executed.token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_u32(&c, m->executed.shares);
		tg_ouch_put_u32(&c, m->executed.price);
		tg_ouch_put_c(&c, m->executed.liquidity);
		tg_ouch_put_u64(&c, m->executed.match);
		break;
	case 'B':
		tg_ouch_put_a(&c, m->broken.token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_u64(&c, m->broken.match);
		tg_ouch_put_c(&c, m->broken.reason);
		break;
	case 'K':
		tg_ouch_put_a(&c, m->correction.token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_u64(&c, m->correction.match);
		tg_ouch_put_u32(&c, m->correction.price);
		tg_ouch_put_c(&c, m->correction.reason);
		break;
	case 'J':
		tg_ouch_put_a(&c, m->rejected.token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_c(&c, m->rejected.reason);
		break;
	case 'P':
	case 'I':
		tg_ouch_put_a(&c, m->pending.token, TG_OUCH_TOKEN_LEN);
		break;
	case 'T':
		tg_ouch_put_a(&c, m->priority.token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_u32(&c, m->priority.price);
		tg_ouch_put_c(&c, m->priority.display);
		tg_ouch_put_u64(&c, m->priority.order_ref);
		break;
	case 'M':
		tg_ouch_put_a(&c, m->modified.token, TG_OUCH_TOKEN_LEN);
		tg_ouch_put_c(&c, m->modified.side);
		tg_ouch_put_u32(&c, m->modified.shares);
		break;
	}
	return len;
}

/* Space-pad s into an alpha field, as the wire wants it. */
void
tg_ouch_alpha(char *field, size_t n, const char *s)
{
	size_t k = s ? strnlen(s, n) : 0;

	if (k)
		memcpy(field, s, k);
	memset(field + k, ' ', n - k);
}
