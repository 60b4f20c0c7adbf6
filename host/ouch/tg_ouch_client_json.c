/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client's events as the JSON lines `tickgate ouch` prints
 * (docs/ouch-client.md). OUCH messages keep the field names of ouch42.md;
 * SoupBinTCP's own packets get lower-case type names, which no OUCH type
 * (one upper-case letter) can be mistaken for.
 */
#include <errno.h>
#include <string.h>

#include "ouch/tg_ouch_client.h"

/* Bytes as lower-case hex, for payloads that have no fields to show. */
static json_t *
tg_ouch_ev_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char buf[2 * TG_SOUP_MAX_PAYLOAD];

	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 15];
	}
	return json_stringn(buf, 2 * n);
}

/*
 * Free text (Debug) as a JSON string: ASCII as it is, other bytes as the
 * code point of the same value, so any payload makes valid UTF-8.
 */
static json_t *
tg_ouch_ev_text(const uint8_t *p, size_t n)
{
	char buf[2 * TG_SOUP_MAX_PAYLOAD];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x80) {
			buf[k++] = (char)p[i];
		} else {
			buf[k++] = (char)(0xc0 | p[i] >> 6);
			buf[k++] = (char)(0x80 | (p[i] & 0x3f));
		}
	}
	return json_stringn(buf, k);
}

/* A one-byte code as a one-character string (bytes past ASCII as above). */
static json_t *
tg_ouch_ev_char(char c)
{
	uint8_t b = (uint8_t)c;

	return tg_ouch_ev_text(&b, 1);
}

/* A space-padded field without its padding. */
static json_t *
tg_ouch_ev_trimmed(const char *s, size_t n)
{
	while (n && s[n - 1] == ' ')
		n--;
	return tg_ouch_ev_text((const uint8_t *)s, n);
}

/* A message's fields after "type" and "sequence", in the order of the wire. */
static json_t *
tg_ouch_ev_message(const struct tg_ouch_event *ev)
{
	json_t *m = tg_ouch_out_to_json(&ev->msg), *o, *v;
	const char *key;

	if (!m)
		return NULL;
	o = json_object();
	if (!o || json_object_set(o, "type", json_object_get(m, "type")) ||
	    json_object_set_new(o, "sequence", json_integer((json_int_t)ev->seq)))
		goto fail;
	json_object_foreach(m, key, v) {
		if (strcmp(key, "type") && json_object_set(o, key, v))
			goto fail;
	}
	json_decref(m);
	return o;
fail:
	json_decref(o);
	json_decref(m);
	return NULL;
}

/* Why a Sequenced Data payload was not decoded, in words. */
static const char *
tg_ouch_ev_error(int err)
{
	switch (err) {
	case -EBADMSG:
		return "unknown message type";
	case -EMSGSIZE:
		return "wrong length for its type";
	default:
		return "undecodable";
	}
}

/* One event as the line `tickgate ouch` prints. */
json_t *
tg_ouch_event_to_json(const struct tg_ouch_event *ev)
{
	switch (ev->type) {
	case TG_OUCH_EV_MESSAGE:
		return tg_ouch_ev_message(ev);
	case TG_OUCH_EV_LOGIN_ACCEPTED:
		return json_pack("{s:s, s:o, s:I}", "type", "login_accepted",
				 "session", tg_ouch_ev_trimmed(ev->session, TG_SOUP_SESSION_LEN),
				 "sequence", (json_int_t)ev->seq);
	case TG_OUCH_EV_LOGIN_REJECTED:
		return json_pack("{s:s, s:o}", "type", "login_rejected",
				 "reason", tg_ouch_ev_char(ev->reject_code));
	case TG_OUCH_EV_UNDECODED:
		return json_pack("{s:s, s:I, s:s, s:o}", "type", "undecoded",
				 "sequence", (json_int_t)ev->seq,
				 "error", tg_ouch_ev_error(ev->error),
				 "bytes", tg_ouch_ev_hex(ev->data, ev->len));
	case TG_OUCH_EV_DEBUG:
		return json_pack("{s:s, s:o}", "type", "debug",
				 "text", tg_ouch_ev_text(ev->data, ev->len));
	case TG_OUCH_EV_END_OF_SESSION:
		return json_pack("{s:s}", "type", "end_of_session");
	case TG_OUCH_EV_UNKNOWN_PACKET:
		return json_pack("{s:s, s:o, s:o}", "type", "unknown_packet",
				 "packet_type", tg_ouch_ev_char(ev->packet_type),
				 "bytes", tg_ouch_ev_hex(ev->data, ev->len));
	case TG_OUCH_EV_CLOSED:
		return json_pack("{s:s}", "type", "closed");
	default:
		return NULL;
	}
}
