/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OUCH 4.2 messages to and from JSON, with the field names of
 * ouch42.md. JSON is for people and tests (the `tickgate ouch` client,
 * fixtures), never on the order path, so each message type is a table of
 * its fields in wire order and one walker serves every type both ways.
 *
 * Reading is strict about shape (types, ranges, lengths, printable ASCII,
 * no unknown keys, so a misspelt "time_in_force" is an error rather than
 * a silent default) and neutral about meaning: any side or display code
 * passes, so a client can send what a gateway must refuse.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ouch/tg_ouch.h"

enum tg_ouch_kind {
	TG_OUCH_F_ALPHA,
	TG_OUCH_F_CHAR,
	TG_OUCH_F_U32,
	TG_OUCH_F_U64,
};

#define TG_OUCH_REQ	(-1)	/* no default: the field must be given */

struct tg_ouch_field {
	const char *name;
	uint8_t kind;		/* enum tg_ouch_kind */
	uint8_t len;		/* alpha fields: bytes on the wire */
	uint16_t off;		/* in struct tg_ouch_in / tg_ouch_out */
	int64_t def;		/* TG_OUCH_REQ, a char, a number; alpha: blank */
};

struct tg_ouch_type_desc {
	char type;
	const struct tg_ouch_field *f;
	unsigned nf;
};

#define A(n, l, m, d)	{ n, TG_OUCH_F_ALPHA, l, offsetof(TG_OUCH_S, m), d }
#define C(n, m, d)	{ n, TG_OUCH_F_CHAR, 1, offsetof(TG_OUCH_S, m), d }
#define U4(n, m, d)	{ n, TG_OUCH_F_U32, 4, offsetof(TG_OUCH_S, m), d }
#define U8(n, m, d)	{ n, TG_OUCH_F_U64, 8, offsetof(TG_OUCH_S, m), d }
#define TOK		TG_OUCH_TOKEN_LEN
#define REQ		TG_OUCH_REQ

/* ---- inbound ---- */
#define TG_OUCH_S struct tg_ouch_in

static const struct tg_ouch_field tg_ouch_in_enter[] = {
	A("order_token", TOK, enter.token, REQ),
	C("buy_sell_indicator", enter.side, REQ),
	U4("shares", enter.shares, REQ),
	A("stock", TG_OUCH_STOCK_LEN, enter.stock, REQ),
	U4("price", enter.price, REQ),
	U4("time_in_force", enter.tif, TG_OUCH_TIF_SYSTEM_HOURS),
	A("firm", TG_OUCH_FIRM_LEN, enter.firm, 0),
	C("display", enter.display, 'Y'),
	C("capacity", enter.capacity, 'A'),
	C("intermarket_sweep_eligibility", enter.ise, 'N'),
	U4("minimum_quantity", enter.min_qty, 0),
	C("cross_type", enter.cross_type, 'N'),
	C("customer_type", enter.customer_type, ' '),
};

static const struct tg_ouch_field tg_ouch_in_replace[] = {
	A("existing_order_token", TOK, replace.existing, REQ),
	A("replacement_order_token", TOK, replace.replacement, REQ),
	U4("shares", replace.shares, REQ),
	U4("price", replace.price, REQ),
	U4("time_in_force", replace.tif, TG_OUCH_TIF_SYSTEM_HOURS),
	C("display", replace.display, 'Y'),
	C("intermarket_sweep_eligibility", replace.ise, 'N'),
	U4("minimum_quantity", replace.min_qty, 0),
};

static const struct tg_ouch_field tg_ouch_in_cancel[] = {
	A("order_token", TOK, cancel.token, REQ),
	U4("shares", cancel.shares, 0),
};

static const struct tg_ouch_field tg_ouch_in_modify[] = {
	A("order_token", TOK, modify.token, REQ),
	C("buy_sell_indicator", modify.side, REQ),
	U4("shares", modify.shares, REQ),
};

#undef TG_OUCH_S

/* ---- outbound ---- */
#define TG_OUCH_S struct tg_ouch_out
#define TS		U8("timestamp", ts, 0)

static const struct tg_ouch_field tg_ouch_out_system[] = {
	TS,
	C("event_code", system.event_code, REQ),
};

/* Accepted and Replaced share all but the token's name and the tail. */
#define TG_OUCH_ORDER_BODY \
	C("buy_sell_indicator", order.side, REQ), \
	U4("shares", order.shares, REQ), \
	A("stock", TG_OUCH_STOCK_LEN, order.stock, REQ), \
	U4("price", order.price, REQ), \
	U4("time_in_force", order.tif, TG_OUCH_TIF_SYSTEM_HOURS), \
	A("firm", TG_OUCH_FIRM_LEN, order.firm, 0), \
	C("display", order.display, 'Y'), \
	U8("order_reference_number", order.order_ref, REQ), \
	C("capacity", order.capacity, 'A'), \
	C("intermarket_sweep_eligibility", order.ise, 'N'), \
	U4("minimum_quantity", order.min_qty, 0), \
	C("cross_type", order.cross_type, 'N'), \
	C("order_state", order.order_state, 'L')

static const struct tg_ouch_field tg_ouch_out_accepted[] = {
	TS,
	A("order_token", TOK, order.token, REQ),
	TG_OUCH_ORDER_BODY,
	C("bbo_weight_indicator", order.bbo_weight, ' '),
};

static const struct tg_ouch_field tg_ouch_out_replaced[] = {
	TS,
	A("replacement_order_token", TOK, order.token, REQ),
	TG_OUCH_ORDER_BODY,
	A("previous_order_token", TOK, order.previous_token, REQ),
	C("bbo_weight_indicator", order.bbo_weight, ' '),
};

static const struct tg_ouch_field tg_ouch_out_canceled[] = {
	TS,
	A("order_token", TOK, canceled.token, REQ),
	U4("decrement_shares", canceled.decrement, REQ),
	C("reason", canceled.reason, REQ),
};

static const struct tg_ouch_field tg_ouch_out_aiq[] = {
	TS,
	A("order_token", TOK, aiq_canceled.token, REQ),
	U4("decrement_shares", aiq_canceled.decrement, REQ),
	C("reason", aiq_canceled.reason, REQ),
	U4("quantity_prevented_from_trading", aiq_canceled.prevented, REQ),
	U4("execution_price", aiq_canceled.price, REQ),
	C("liquidity_flag", aiq_canceled.liquidity, REQ),
};

static const struct tg_ouch_field tg_ouch_out_executed[] = {
	TS,
	A("order_token", TOK, executed.token, REQ),
	U4("executed_shares", executed.shares, REQ),
	U4("execution_price", executed.price, REQ),
	C("liquidity_flag", executed.liquidity, REQ),
	U8("match_number", executed.match, REQ),
};

static const struct tg_ouch_field tg_ouch_out_broken[] = {
	TS,
	A("order_token", TOK, broken.token, REQ),
	U8("match_number", broken.match, REQ),
	C("reason", broken.reason, REQ),
};

static const struct tg_ouch_field tg_ouch_out_correction[] = {
	TS,
	A("order_token", TOK, correction.token, REQ),
	U8("match_number", correction.match, REQ),
	U4("new_execution_price", correction.price, REQ),
	C("reason", correction.reason, REQ),
};

static const struct tg_ouch_field tg_ouch_out_rejected[] = {
	TS,
	A("order_token", TOK, rejected.token, REQ),
	C("reason", rejected.reason, REQ),
};

static const struct tg_ouch_field tg_ouch_out_pending[] = {
	TS,
	A("order_token", TOK, pending.token, REQ),
};

static const struct tg_ouch_field tg_ouch_out_priority[] = {
	TS,
	A("order_token", TOK, priority.token, REQ),
	U4("price", priority.price, REQ),
	C("display", priority.display, REQ),
	U8("order_reference_number", priority.order_ref, REQ),
};

static const struct tg_ouch_field tg_ouch_out_modified[] = {
	TS,
	A("order_token", TOK, modified.token, REQ),
	C("buy_sell_indicator", modified.side, REQ),
	U4("shares", modified.shares, REQ),
};

#undef TG_OUCH_S
#undef TS
#undef A
#undef C
#undef U4
#undef U8
#undef TOK
#undef REQ

#define TG_OUCH_T(c, tab)	{ c, tab, sizeof(tab) / sizeof(tab[0]) }

static const struct tg_ouch_type_desc tg_ouch_in_types[] = {
	TG_OUCH_T('O', tg_ouch_in_enter),
	TG_OUCH_T('U', tg_ouch_in_replace),
	TG_OUCH_T('X', tg_ouch_in_cancel),
	TG_OUCH_T('M', tg_ouch_in_modify),
};

static const struct tg_ouch_type_desc tg_ouch_out_types[] = {
	TG_OUCH_T('S', tg_ouch_out_system),
	TG_OUCH_T('A', tg_ouch_out_accepted),
	TG_OUCH_T('U', tg_ouch_out_replaced),
	TG_OUCH_T('C', tg_ouch_out_canceled),
	TG_OUCH_T('D', tg_ouch_out_aiq),
	TG_OUCH_T('E', tg_ouch_out_executed),
	TG_OUCH_T('B', tg_ouch_out_broken),
	TG_OUCH_T('K', tg_ouch_out_correction),
	TG_OUCH_T('J', tg_ouch_out_rejected),
	TG_OUCH_T('P', tg_ouch_out_pending),
	TG_OUCH_T('I', tg_ouch_out_pending),
	TG_OUCH_T('T', tg_ouch_out_priority),
	TG_OUCH_T('M', tg_ouch_out_modified),
};

#define TG_OUCH_NTYPES(a)	(sizeof(a) / sizeof(a[0]))

/* The table of a type byte, or NULL. */
static const struct tg_ouch_type_desc *
tg_ouch_find(const struct tg_ouch_type_desc *t, size_t n, char type)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}

/* ---- to JSON ---- */

/*
 * A JSON string of raw wire bytes. ASCII stays as it is; a byte above
 * 0x7f (only a broken peer sends one) becomes the code point of the same
 * value, so the result is always valid UTF-8 and nothing is dropped.
 */
static json_t *
tg_ouch_json_bytes(const char *s, size_t n)
{
	char buf[2 * TG_OUCH_TOKEN_LEN];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)s[i];

		if (b < 0x80) {
			buf[k++] = (char)b;
		} else {
			buf[k++] = (char)(0xc0 | b >> 6);
			buf[k++] = (char)(0x80 | (b & 0x3f));
		}
	}
	return json_stringn(buf, k);
}

/* An 8-byte field: an integer, or its digits when JSON integers cannot hold it. */
static json_t *
tg_ouch_json_u64(uint64_t v)
{
	char digits[21];

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	/* past what a JSON integer holds here: the digits, as a string */
	snprintf(digits, sizeof(digits), "%" PRIu64, v);
	return json_string(digits);
}

/* Walk a type's table over the struct at m: "type", then each field. */
static json_t *
tg_ouch_to_json(const struct tg_ouch_type_desc *d, const void *m)
{
	const uint8_t *base = m;
	json_t *o = json_object();
	char t = d->type;

	if (!o)
		return NULL;
	if (json_object_set_new(o, "type", json_stringn(&t, 1)))
		goto fail;
	for (unsigned i = 0; i < d->nf; i++) {
		const struct tg_ouch_field *f = &d->f[i];
		const void *p = base + f->off;
		json_t *v = NULL;
		size_t n;

		switch (f->kind) {
		case TG_OUCH_F_ALPHA:
			n = f->len;
			while (n && ((const char *)p)[n - 1] == ' ')
				n--;
			v = tg_ouch_json_bytes(p, n);
			break;
		case TG_OUCH_F_CHAR:
			v = tg_ouch_json_bytes(p, 1);
			break;
		case TG_OUCH_F_U32:
			v = json_integer(*(const uint32_t *)p);
			break;
		case TG_OUCH_F_U64:
			v = tg_ouch_json_u64(*(const uint64_t *)p);
			break;
		}
		if (json_object_set_new(o, f->name, v))
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* Inbound message as JSON; NULL for an unknown type or out of memory. */
json_t *
tg_ouch_in_to_json(const struct tg_ouch_in *m)
{
	const struct tg_ouch_type_desc *d =
		tg_ouch_find(tg_ouch_in_types, TG_OUCH_NTYPES(tg_ouch_in_types), m->type);

	return d ? tg_ouch_to_json(d, m) : NULL;
}

/* Outbound message as JSON; NULL for an unknown type or out of memory. */
json_t *
tg_ouch_out_to_json(const struct tg_ouch_out *m)
{
	const struct tg_ouch_type_desc *d =
		tg_ouch_find(tg_ouch_out_types, TG_OUCH_NTYPES(tg_ouch_out_types), m->type);

	return d ? tg_ouch_to_json(d, m) : NULL;
}

/* ---- from JSON ---- */

/* Format the error for the caller (err may be NULL) and return -EINVAL. */
static int
tg_ouch_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Printable ASCII only: what an OUCH alpha or character field may hold. */
static int
tg_ouch_printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * An unsigned integer of at most max: a JSON integer, or (for values past
 * 2^63 - 1, which tg_ouch_json_u64 writes that way) a string of digits.
 */
static int
tg_ouch_get_uint(const json_t *v, uint64_t max, uint64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		if (x < 0 || (uint64_t)x > max)
			return -1;
		*out = (uint64_t)x;
		return 0;
	}
	if (json_is_string(v) && max == UINT64_MAX) {
		const char *s = json_string_value(v);
		char *end;

		if (!*s || strspn(s, "0123456789") != strlen(s))
			return -1;
		errno = 0;
		*out = strtoull(s, &end, 10);
		return errno ? -1 : 0;
	}
	return -1;
}

/* Check one JSON value against its field and store it at base. */
static int
tg_ouch_set_field(const struct tg_ouch_field *f, const json_t *v, uint8_t *base,
		  char *err, size_t errlen)
{
	void *p = base + f->off;
	uint64_t x;
	const char *s;
	size_t n;

	switch (f->kind) {
	case TG_OUCH_F_ALPHA:
		if (!json_is_string(v))
			return tg_ouch_err(err, errlen, "%s: must be a string", f->name);
		s = json_string_value(v);
		n = json_string_length(v);
		if (n > f->len)
			return tg_ouch_err(err, errlen, "%s: longer than %u characters",
					   f->name, f->len);
		if (!tg_ouch_printable(s, n))
			return tg_ouch_err(err, errlen, "%s: only printable ASCII is allowed",
					   f->name);
		memcpy(p, s, n);
		memset((char *)p + n, ' ', f->len - n);
		return 0;
	case TG_OUCH_F_CHAR:
		if (!json_is_string(v) || json_string_length(v) != 1 ||
		    !tg_ouch_printable(json_string_value(v), 1))
			return tg_ouch_err(err, errlen,
					   "%s: must be one printable ASCII character", f->name);
		*(char *)p = json_string_value(v)[0];
		return 0;
	case TG_OUCH_F_U32:
		if (tg_ouch_get_uint(v, UINT32_MAX, &x))
			return tg_ouch_err(err, errlen,
					   "%s: must be an integer from 0 to 4294967295", f->name);
		*(uint32_t *)p = (uint32_t)x;
		return 0;
	case TG_OUCH_F_U64:
		if (tg_ouch_get_uint(v, UINT64_MAX, &x))
			return tg_ouch_err(err, errlen,
					   "%s: must be an integer from 0 to 2^64-1", f->name);
		*(uint64_t *)p = x;
		return 0;
	}
	return -EINVAL;
}

/* Store a field's documented default at base. */
static void
tg_ouch_set_default(const struct tg_ouch_field *f, uint8_t *base)
{
	void *p = base + f->off;

	switch (f->kind) {
	case TG_OUCH_F_ALPHA:
		memset(p, ' ', f->len);
		break;
	case TG_OUCH_F_CHAR:
		*(char *)p = (char)f->def;
		break;
	case TG_OUCH_F_U32:
		*(uint32_t *)p = (uint32_t)f->def;
		break;
	case TG_OUCH_F_U64:
		*(uint64_t *)p = (uint64_t)f->def;
		break;
	}
}

/*
 * Fill the message at base from j: "type" picks the table, every field of
 * the table is read or defaulted, and a key outside the table (but for
 * the ones in ignore) is an error.
 */
static int
tg_ouch_from_json(const json_t *j, const struct tg_ouch_type_desc *types, size_t ntypes,
		  const char *dir, const char *ignore, uint8_t *base, char *type_out,
		  char *err, size_t errlen)
{
	const struct tg_ouch_type_desc *d;
	const json_t *t, *v;
	const char *key;

	if (!json_is_object(j))
		return tg_ouch_err(err, errlen, "not a JSON object");
	t = json_object_get(j, "type");
	if (!t)
		return tg_ouch_err(err, errlen, "type: missing");
	if (!json_is_string(t) || json_string_length(t) != 1)
		return tg_ouch_err(err, errlen, "type: must be one character");
	d = tg_ouch_find(types, ntypes, json_string_value(t)[0]);
	if (!d)
		return tg_ouch_err(err, errlen, "type: '%s' is not an OUCH 4.2 %s message",
				   tg_ouch_printable(json_string_value(t), 1) ?
				   json_string_value(t) : "?", dir);
	*type_out = d->type;

	json_object_foreach((json_t *)j, key, v) {
		unsigned i;

		if (!strcmp(key, "type") || (ignore && !strcmp(key, ignore)))
			continue;
		for (i = 0; i < d->nf; i++)
			if (!strcmp(key, d->f[i].name))
				break;
		if (i == d->nf)
			return tg_ouch_err(err, errlen, "%.64s: not a field of a '%c' message",
					   key, d->type);
	}
	for (unsigned i = 0; i < d->nf; i++) {
		const struct tg_ouch_field *f = &d->f[i];
		int rc;

		v = json_object_get(j, f->name);
		if (!v) {
			if (f->def == TG_OUCH_REQ)
				return tg_ouch_err(err, errlen, "%s: missing", f->name);
			tg_ouch_set_default(f, base);
			continue;
		}
		rc = tg_ouch_set_field(f, v, base, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* Inbound message from JSON; *m is zeroed on any error. */
int
tg_ouch_in_from_json(const json_t *j, struct tg_ouch_in *m, char *err, size_t errlen)
{
	int rc;

	memset(m, 0, sizeof(*m));
	rc = tg_ouch_from_json(j, tg_ouch_in_types, TG_OUCH_NTYPES(tg_ouch_in_types),
			       "inbound", NULL, (uint8_t *)m, &m->type, err, errlen);
	if (rc)
		memset(m, 0, sizeof(*m));
	return rc;
}

/*
 * "sequence" is let through: the client prints each sequenced message
 * with its SoupBinTCP sequence number, and its lines read back as they are.
 */
int
tg_ouch_out_from_json(const json_t *j, struct tg_ouch_out *m, char *err, size_t errlen)
{
	int rc;

	memset(m, 0, sizeof(*m));
	rc = tg_ouch_from_json(j, tg_ouch_out_types, TG_OUCH_NTYPES(tg_ouch_out_types),
			       "outbound", "sequence", (uint8_t *)m, &m->type, err, errlen);
	if (rc)
		memset(m, 0, sizeof(*m));
	return rc;
}
