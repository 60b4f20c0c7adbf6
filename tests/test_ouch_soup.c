/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SoupBinTCP 3.0 framing (protocols/ouch42.md): packets framed by hand
 * and compared with tg_soup_pack, the receive reassembler fed a random
 * stream byte by byte and in random pieces, lengths it must refuse, and
 * the Login Request / Login Accepted payloads with their right-justified
 * sequence numbers.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ouch/tg_soup.h"
#include "test_ouch_util.h"

Test(ouch_soup, pack_frames_by_the_page)
{
	uint8_t b[3 + TG_SOUP_MAX_PAYLOAD + 1], p[TG_SOUP_MAX_PAYLOAD + 1];

	cr_assert_eq(tg_soup_pack(b, 'R', NULL, 0), 3);
	cr_assert_arr_eq(b, "\x00\x01R", 3);
	cr_assert_eq(tg_soup_pack(b, '+', "hi", 2), 5);
	cr_assert_arr_eq(b, "\x00\x03+hi", 5);
	for (size_t i = 0; i < sizeof(p); i++)
		p[i] = (uint8_t)i;
	cr_assert_eq(tg_soup_pack(b, 'S', p, TG_SOUP_MAX_PAYLOAD), 3 + TG_SOUP_MAX_PAYLOAD);
	/* 1024 + 1 = 0x0401, big-endian */
	cr_assert_eq(b[0], 0x04);
	cr_assert_eq(b[1], 0x01);
	cr_assert_eq(b[2], 'S');
	cr_assert_arr_eq(b + 3, p, TG_SOUP_MAX_PAYLOAD);
	cr_assert_eq(tg_soup_pack(b, 'S', p, TG_SOUP_MAX_PAYLOAD + 1), 0);
}

/* A random stream of packets, framed by hand; sizes mostly small, some at the limit. */
struct pkt {
	char type;
	size_t len;
	uint8_t p[TG_SOUP_MAX_PAYLOAD];
};

static size_t
make_stream(uint64_t *rng, struct pkt *pk, unsigned n, uint8_t *stream)
{
	size_t at = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t r = orand(rng);

		pk[i].type = (char)(r & 0xff);
		switch ((r >> 8) % 8) {
		case 0: pk[i].len = 0; break;
		case 1: pk[i].len = TG_SOUP_MAX_PAYLOAD; break;
		case 2: pk[i].len = (r >> 16) % (TG_SOUP_MAX_PAYLOAD + 1); break;
		default: pk[i].len = (r >> 16) % 81; break;
		}
		for (size_t k = 0; k < pk[i].len; k++)
			pk[i].p[k] = (uint8_t)orand(rng);
		stream[at++] = (uint8_t)((pk[i].len + 1) >> 8);
		stream[at++] = (uint8_t)(pk[i].len + 1);
		stream[at++] = (uint8_t)pk[i].type;
		memcpy(stream + at, pk[i].p, pk[i].len);
		at += pk[i].len;
	}
	return at;
}

/*
 * Feed stream to rx in pieces of the sizes piece() picks, draining after
 * each, and check every packet comes out whole and in order.
 */
static void
feed(const uint8_t *stream, size_t total, const struct pkt *pk, unsigned n, uint64_t *rng,
     int bytewise)
{
	static struct tg_soup_rx rx;
	size_t at = 0;
	unsigned got = 0;

	memset(&rx, 0, sizeof(rx));
	while (at < total || got < n) {
		uint8_t *w;
		size_t room = tg_soup_rx_room(&rx, &w), k;

		cr_assert_geq(room, 3 + TG_SOUP_MAX_PAYLOAD, "room %zu after draining", room);
		k = bytewise ? 1 : 1 + orand(rng) % 3000;
		if (k > room)
			k = room;
		if (k > total - at)
			k = total - at;
		memcpy(w, stream + at, k);
		tg_soup_rx_commit(&rx, k);
		at += k;

		const uint8_t *payload[64];
		size_t len;
		char type;
		unsigned first = got;
		int rc;

		/* payloads stay valid until the next room: check them all at the end */
		while ((rc = tg_soup_rx_next(&rx, &type, &payload[got - first], &len)) == 1) {
			cr_assert_lt(got, n, "more packets than were sent");
			cr_assert_eq(type, pk[got].type, "packet %u type", got);
			cr_assert_eq(len, pk[got].len, "packet %u length", got);
			got++;
			cr_assert_lt(got - first, 64);
		}
		cr_assert_eq(rc, 0);
		for (unsigned i = first; i < got; i++)
			cr_assert_arr_eq(payload[i - first], pk[i].p, pk[i].len, "packet %u payload", i);
		cr_assert(k || got == n, "stuck at byte %zu with %u of %u packets", at, got, n);
	}
	cr_assert_eq(got, n);
}

Test(ouch_soup, reassembles_byte_by_byte)
{
	static struct pkt pk[300];
	static uint8_t stream[300 * (3 + TG_SOUP_MAX_PAYLOAD)];
	uint64_t rng = 1;
	size_t total = make_stream(&rng, pk, 300, stream);

	feed(stream, total, pk, 300, &rng, 1);
}

Test(ouch_soup, reassembles_random_pieces)
{
	static struct pkt pk[300];
	static uint8_t stream[300 * (3 + TG_SOUP_MAX_PAYLOAD)];

	for (uint64_t seed = 2; seed < 22; seed++) {
		uint64_t rng = seed;
		size_t total = make_stream(&rng, pk, 300, stream);

		feed(stream, total, pk, 300, &rng, 0);
	}
}

Test(ouch_soup, refuses_lengths_the_protocol_forbids)
{
	struct tg_soup_rx rx;
	const uint8_t *p;
	uint8_t *w;
	size_t len;
	char type;

	/* length 0: not even a type byte */
	memset(&rx, 0, sizeof(rx));
	tg_soup_rx_room(&rx, &w);
	memcpy(w, "\x00\x00R", 3);
	tg_soup_rx_commit(&rx, 3);
	cr_assert_eq(tg_soup_rx_next(&rx, &type, &p, &len), -EMSGSIZE);
	cr_assert_eq(tg_soup_rx_next(&rx, &type, &p, &len), -EMSGSIZE, "the stream stays refused");

	/* 1026 = 0x0402: one past the largest payload, refused before its bytes arrive */
	memset(&rx, 0, sizeof(rx));
	tg_soup_rx_room(&rx, &w);
	memcpy(w, "\x04\x02S", 3);
	tg_soup_rx_commit(&rx, 3);
	cr_assert_eq(tg_soup_rx_next(&rx, &type, &p, &len), -EMSGSIZE);

	/* 0xffff */
	memset(&rx, 0, sizeof(rx));
	tg_soup_rx_room(&rx, &w);
	memcpy(w, "\xff\xff", 2);
	tg_soup_rx_commit(&rx, 2);
	cr_assert_eq(tg_soup_rx_next(&rx, &type, &p, &len), -EMSGSIZE);

	/* 1025 = the largest allowed: waits for its bytes, then comes out */
	memset(&rx, 0, sizeof(rx));
	tg_soup_rx_room(&rx, &w);
	memcpy(w, "\x04\x01S", 3);
	tg_soup_rx_commit(&rx, 3);
	cr_assert_eq(tg_soup_rx_next(&rx, &type, &p, &len), 0);
	tg_soup_rx_room(&rx, &w);
	memset(w, 0xab, TG_SOUP_MAX_PAYLOAD);
	tg_soup_rx_commit(&rx, TG_SOUP_MAX_PAYLOAD);
	cr_assert_eq(tg_soup_rx_next(&rx, &type, &p, &len), 1);
	cr_assert_eq(len, TG_SOUP_MAX_PAYLOAD);
	cr_assert_eq(type, 'S');
	cr_assert_eq(tg_soup_rx_next(&rx, &type, &p, &len), 0);

	/* one byte of a length: wait */
	memset(&rx, 0, sizeof(rx));
	tg_soup_rx_room(&rx, &w);
	w[0] = 0;
	tg_soup_rx_commit(&rx, 1);
	cr_assert_eq(tg_soup_rx_next(&rx, &type, &p, &len), 0);
}

/* A full buffer says so (room 0) rather than overflow, and drains. */
Test(ouch_soup, full_buffer_has_no_room_until_drained)
{
	static struct tg_soup_rx rx;
	const uint8_t *p;
	uint8_t *w;
	size_t room, len, fed = 0;
	char type;
	unsigned got = 0;

	memset(&rx, 0, sizeof(rx));
	while ((room = tg_soup_rx_room(&rx, &w)) > 0) {
		for (size_t i = 0; i < room; i++, fed++)
			w[i] = fed % 3 == 0 ? 0 : fed % 3 == 1 ? 1 : 'H';	/* heartbeats */
		tg_soup_rx_commit(&rx, room);
		if (fed > 10 * sizeof(rx.buf))
			break;
	}
	cr_assert_eq(room, 0);
	while (tg_soup_rx_next(&rx, &type, &p, &len) == 1) {
		cr_assert_eq(type, 'H');
		cr_assert_eq(len, 0);
		got++;
	}
	cr_assert_eq(got, fed / 3);
	cr_assert_gt(tg_soup_rx_room(&rx, &w), 3 + TG_SOUP_MAX_PAYLOAD);
}

Test(ouch_soup, login_request_payload)
{
	struct tg_soup_login l, back;
	uint8_t b[64];

	memcpy(l.user, "alice ", 6);
	memcpy(l.password, "pw        ", 10);
	memcpy(l.session, "SESS1     ", 10);
	l.seq = 1234;
	cr_assert_eq(tg_soup_login_pack(&l, b), 46);
	cr_assert_arr_eq(b, "alice pw        SESS1                     1234", 46);
	cr_assert_eq(tg_soup_login_parse(b, 46, &back), 0);
	cr_assert_arr_eq(back.user, l.user, 6);
	cr_assert_arr_eq(back.password, l.password, 10);
	cr_assert_arr_eq(back.session, l.session, 10);
	cr_assert_eq(back.seq, 1234);

	l.seq = UINT64_MAX;	/* 20 digits: the whole field */
	tg_soup_login_pack(&l, b);
	cr_assert_arr_eq(b + 26, "18446744073709551615", 20);
	cr_assert_eq(tg_soup_login_parse(b, 46, &back), 0);
	cr_assert_eq(back.seq, UINT64_MAX);

	l.seq = 0;
	tg_soup_login_pack(&l, b);
	cr_assert_arr_eq(b + 26, "                   0", 20);
	cr_assert_eq(tg_soup_login_parse(b, 46, &back), 0);
	cr_assert_eq(back.seq, 0);
}

static void
bad_seq(const char *field)
{
	uint8_t b[46];
	struct tg_soup_login l;

	memcpy(b, "alice pw        SESS1     ", 26);
	memcpy(b + 26, field, 20);
	cr_assert_eq(tg_soup_login_parse(b, 46, &l), -EINVAL, "'%.20s' accepted", field);
}

Test(ouch_soup, login_request_refusals)
{
	uint8_t b[47];
	struct tg_soup_login l;

	memcpy(b, "alice pw        SESS1                        1", 46);
	cr_assert_eq(tg_soup_login_parse(b, 46, &l), 0);
	cr_assert_eq(tg_soup_login_parse(b, 45, &l), -EINVAL);
	cr_assert_eq(tg_soup_login_parse(b, 47, &l), -EINVAL);
	cr_assert_eq(tg_soup_login_parse(b, 0, &l), -EINVAL);
	bad_seq("1                   ");	/* left-justified */
	bad_seq("                    ");	/* blank */
	bad_seq("                 1 2");
	bad_seq("                 -12");
	bad_seq("                 +12");
	bad_seq("                0x12");
	bad_seq("18446744073709551616");	/* 2^64 */
	bad_seq("99999999999999999999");
}

Test(ouch_soup, login_accepted_payload)
{
	char session[TG_SOUP_SESSION_LEN];
	uint64_t seq;
	uint8_t b[31];

	cr_assert_eq(tg_soup_accept_pack("S20240102 ", 77, b), 30);
	cr_assert_arr_eq(b, "S20240102                   77", 30);
	cr_assert_eq(tg_soup_accept_parse(b, 30, session, &seq), 0);
	cr_assert_arr_eq(session, "S20240102 ", 10);
	cr_assert_eq(seq, 77);
	cr_assert_eq(tg_soup_accept_parse(b, 29, session, &seq), -EINVAL);
	cr_assert_eq(tg_soup_accept_parse(b, 31, session, &seq), -EINVAL);
	memcpy(b + 10, "77                  ", 20);
	cr_assert_eq(tg_soup_accept_parse(b, 30, session, &seq), -EINVAL);
}
