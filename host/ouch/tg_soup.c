/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SoupBinTCP 3.0 framing: packing packets, reassembling them from a TCP
 * byte stream, and the two payloads with fields of their own (Login
 * Request, Login Accepted). Both ends of the link use it: the gateway
 * and the OUCH client.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ouch/tg_soup.h"

#define TG_SOUP_LOGIN_LEN	(TG_SOUP_USER_LEN + TG_SOUP_PASSWORD_LEN + \
				 TG_SOUP_SESSION_LEN + TG_SOUP_SEQ_LEN)
#define TG_SOUP_ACCEPT_LEN	(TG_SOUP_SESSION_LEN + TG_SOUP_SEQ_LEN)

/* Frame one packet: the length counts the type byte and the payload. */
size_t
tg_soup_pack(uint8_t *out, char type, const void *payload, size_t len)
{
	if (len > TG_SOUP_MAX_PAYLOAD)
		return 0;
	out[0] = (uint8_t)((len + 1) >> 8);
	out[1] = (uint8_t)(len + 1);
	out[2] = (uint8_t)type;
	if (len)
		memcpy(out + 3, payload, len);
	return 3 + len;
}

/*
 * Room at the end of the buffer. The bytes of packets already handed out
 * are dropped here, not in tg_soup_rx_next, so a payload stays valid while
 * the caller drains the packets that one read brought.
 */
size_t
tg_soup_rx_room(struct tg_soup_rx *rx, uint8_t **p)
{
	if (rx->head) {
		memmove(rx->buf, rx->buf + rx->head, rx->have - rx->head);
		rx->have -= rx->head;
		rx->head = 0;
	}
	*p = rx->buf + rx->have;
	return sizeof(rx->buf) - rx->have;
}

/* Count bytes read into the room (never past the buffer). */
void
tg_soup_rx_commit(struct tg_soup_rx *rx, size_t n)
{
	if (n > sizeof(rx->buf) - rx->have)
		n = sizeof(rx->buf) - rx->have;
	rx->have += n;
}

/*
 * The next whole packet in the buffer. A bad length is reported again on
 * every call: nothing after it can be framed.
 */
int
tg_soup_rx_next(struct tg_soup_rx *rx, char *type, const uint8_t **payload,
		size_t *len)
{
	size_t avail = rx->have - rx->head, plen;
	const uint8_t *p = rx->buf + rx->head;

	if (avail < 2)
		return 0;
	plen = (size_t)p[0] << 8 | p[1];
	if (plen == 0 || plen > TG_SOUP_MAX_PAYLOAD + 1)
		return -EMSGSIZE;
	if (avail < 2 + plen)
		return 0;
	*type = (char)p[2];
	*payload = p + 3;
	*len = plen - 1;
	rx->head += 2 + plen;
	return 1;
}

/* A right-justified, space-padded decimal field of n bytes. */
static void
tg_soup_put_num(uint8_t *out, size_t n, uint64_t v)
{
	char digits[21];
	int k = snprintf(digits, sizeof(digits), "%" PRIu64, v);

	memset(out, ' ', n);
	memcpy(out + n - (size_t)k, digits, (size_t)k);
}

/*
 * Parse a right-justified decimal field: spaces, then at least one digit
 * up to the end. -EINVAL for anything else or a value past 2^64 - 1.
 */
static int
tg_soup_get_num(const uint8_t *p, size_t n, uint64_t *v)
{
	size_t i = 0;
	uint64_t x = 0;

	while (i < n && p[i] == ' ')
		i++;
	if (i == n)
		return -EINVAL;
	for (; i < n; i++) {
		unsigned d = (unsigned)p[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (x > (UINT64_MAX - d) / 10)
			return -EINVAL;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* Login Request payload: user a6, password a10, session a10, sequence a20. */
size_t
tg_soup_login_pack(const struct tg_soup_login *l, uint8_t *out)
{
	uint8_t *p = out;

	memcpy(p, l->user, TG_SOUP_USER_LEN);
	p += TG_SOUP_USER_LEN;
	memcpy(p, l->password, TG_SOUP_PASSWORD_LEN);
	p += TG_SOUP_PASSWORD_LEN;
	memcpy(p, l->session, TG_SOUP_SESSION_LEN);
	p += TG_SOUP_SESSION_LEN;
	tg_soup_put_num(p, TG_SOUP_SEQ_LEN, l->seq);
	return TG_SOUP_LOGIN_LEN;
}

/* The reverse of tg_soup_login_pack, refusing a malformed sequence number. */
int
tg_soup_login_parse(const uint8_t *p, size_t len, struct tg_soup_login *l)
{
	memset(l, 0, sizeof(*l));
	if (len != TG_SOUP_LOGIN_LEN)
		return -EINVAL;
	memcpy(l->user, p, TG_SOUP_USER_LEN);
	p += TG_SOUP_USER_LEN;
	memcpy(l->password, p, TG_SOUP_PASSWORD_LEN);
	p += TG_SOUP_PASSWORD_LEN;
	memcpy(l->session, p, TG_SOUP_SESSION_LEN);
	p += TG_SOUP_SESSION_LEN;
	return tg_soup_get_num(p, TG_SOUP_SEQ_LEN, &l->seq);
}

/* Login Accepted payload: session a10, next sequence number a20. */
size_t
tg_soup_accept_pack(const char session[TG_SOUP_SESSION_LEN], uint64_t next_seq,
		    uint8_t *out)
{
	memcpy(out, session, TG_SOUP_SESSION_LEN);
	tg_soup_put_num(out + TG_SOUP_SESSION_LEN, TG_SOUP_SEQ_LEN, next_seq);
	return TG_SOUP_ACCEPT_LEN;
}

/* The reverse of tg_soup_accept_pack. */
int
tg_soup_accept_parse(const uint8_t *p, size_t len,
		     char session[TG_SOUP_SESSION_LEN], uint64_t *next_seq)
{
	if (len != TG_SOUP_ACCEPT_LEN)
		return -EINVAL;
	memcpy(session, p, TG_SOUP_SESSION_LEN);
	return tg_soup_get_num(p + TG_SOUP_SESSION_LEN, TG_SOUP_SEQ_LEN, next_seq);
}
