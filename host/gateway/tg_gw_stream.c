/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-user outbound streams: every OUCH message a user must receive, in
 * order, numbered from 1, kept for the whole day so that a login can ask
 * for any point of it. The journal is what makes a stream durable; this
 * is its in-memory index, rebuilt from the journal at start-up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/tg_gw_int.h"

/* An empty stream. */
void
tg_gw_stream_init(struct tg_gw_stream *s)
{
	memset(s, 0, sizeof(*s));
}

/* Free a stream's memory and leave it empty. */
void
tg_gw_stream_free(struct tg_gw_stream *s)
{
	free(s->data);
	free(s->off);
	tg_gw_stream_init(s);
}

/*
 * Append one message. Both arrays grow by doubling, so the cost per
 * message is constant amortised and a day of a few million messages
 * reallocates a few dozen times.
 */
int
tg_gw_stream_append(struct tg_gw_stream *s, const uint8_t *msg, size_t len)
{
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		uint8_t *d;

		while (cap < s->len + len)
			cap *= 2;
		d = realloc(s->data, cap);
		if (!d)
			return -ENOMEM;
		s->data = d;
		s->cap = cap;
	}
	if (s->n + 2 > s->cap_n) {
		uint64_t cap = s->cap_n ? s->cap_n * 2 : 256;
		uint64_t *o = realloc(s->off, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		if (!s->off)
			o[0] = 0;
		s->off = o;
		s->cap_n = cap;
	}
	memcpy(s->data + s->len, msg, len);
	s->len += len;
	s->n++;
	s->off[s->n] = s->len;
	return 0;
}
