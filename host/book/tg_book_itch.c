/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Raw ITCH 5.0 message -> TG_EV_MSG record, the way the card writes it
 * (docs/card-interface.md section 4). The card, or its C model, does this
 * on the live path; this copy lets offline tools, tests and benchmarks
 * feed books from message files without a card.
 */
#include <string.h>

#include "book/tg_book.h"

/* A big-endian integer of n bytes from the wire. */
static uint64_t
tg_book_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned k = 0; k < n; k++)
		v = v << 8 | p[k];
	return v;
}

/*
 * Fill ev from one message: header fields into the record header, bytes
 * 11.. into the body with every integer field byte-reversed.
 */
int
tg_book_event_from_msg(struct tg_event *ev, const uint8_t *msg, size_t len,
		       uint64_t seq)
{
	const struct tg_itch_type *ty;
	int t;

	if (len < 1)
		return -1;
	t = tg_itch_index(msg[0]);
	if (t < 0 || len != tg_itch_types[t].len)
		return -1;
	ty = &tg_itch_types[t];
	memset(ev, 0, sizeof(*ev));
	ev->kind = TG_EV_MSG;
	ev->msg_type = msg[0];
	ev->stock_locate = (uint16_t)tg_book_be(msg + 1, 2);
	ev->tracking_number = (uint16_t)tg_book_be(msg + 3, 2);
	ev->seq = seq;
	ev->ts = tg_book_be(msg + 5, 6);
	memcpy(ev->body, msg + TG_ITCH_HDR_LEN, len - TG_ITCH_HDR_LEN);
	for (unsigned f = 0; f < ty->nfields; f++) {
		const struct tg_itch_field *fd = &ty->fields[f];
		uint8_t *p = ev->body + fd->off - TG_ITCH_HDR_LEN;

		if (fd->kind == TG_FK_A || fd->kind == TG_FK_C)
			continue;
		for (unsigned k = 0; k < fd->size / 2u; k++) {
			uint8_t tmp = p[k];

			p[k] = p[fd->size - 1 - k];
			p[fd->size - 1 - k] = tmp;
		}
	}
	return 0;
}
