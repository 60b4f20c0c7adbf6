/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bytes host/ouch writes, read back by an independent peer: tshark's
 * own SoupBinTCP and OUCH dissectors. A capture of one TCP connection
 * carries every SoupBinTCP packet type and every OUCH 4.2 message in both
 * directions (several packets in one segment, one packet split over two);
 * every field tshark reports must hold the value that was encoded, and
 * what host/ouch decodes from the same bytes must agree with tshark too.
 *
 * Values start as JSON with the field names of protocols/ouch42.md; the
 * names tshark 4.0 uses for them are mapped below (`tshark -G fields`).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ouch/tg_ouch.h"
#include "ouch/tg_soup.h"
#include "test_ouch_util.h"

#define PORT_C 40123
#define PORT_S 15000

/* ---- what was sent ---- */

struct sent {
	int dir;		/* 0 client -> server, 1 server -> client */
	char type;		/* SoupBinTCP packet type */
	uint8_t payload[TG_SOUP_MAX_PAYLOAD];
	size_t len;
	json_t *ouch;		/* the message's values, for U and S */
	uint64_t seq;		/* S: its sequence number */
};

static struct sent sent[256];
static unsigned nsent;

/* ---- what tshark saw (PDML, one line a field) ---- */

struct tsf {
	char name[64];
	char show[512];
	char showname[640];
};

struct tspkt {
	unsigned n;
	struct tsf f[48];
};

static struct tspkt seen[256];
static unsigned nseen;

/* XML character references and the five named entities, in place. */
static void
xml_unescape(char *s)
{
	char *w = s;

	while (*s) {
		if (*s != '&') {
			*w++ = *s++;
			continue;
		}
		char *semi = strchr(s, ';');

		cr_assert(semi, "bad entity in %s", s);
		if (s[1] == '#') {
			*w++ = (char)(s[2] == 'x' ? strtol(s + 3, NULL, 16) : strtol(s + 2, NULL, 10));
		} else if (!strncmp(s, "&amp;", 5)) {
			*w++ = '&';
		} else if (!strncmp(s, "&lt;", 4)) {
			*w++ = '<';
		} else if (!strncmp(s, "&gt;", 4)) {
			*w++ = '>';
		} else if (!strncmp(s, "&quot;", 6)) {
			*w++ = '"';
		} else if (!strncmp(s, "&apos;", 6)) {
			*w++ = '\'';
		} else {
			cr_assert_fail("unknown entity in %s", s);
		}
		s = semi + 1;
	}
	*w = 0;
}

/* The value of attribute attr="..." in line, unescaped, into out. */
static int
xml_attr(const char *line, const char *attr, char *out, size_t n)
{
	char key[32];
	const char *p, *e;

	snprintf(key, sizeof(key), " %s=\"", attr);
	p = strstr(line, key);
	if (!p)
		return 0;
	p += strlen(key);
	e = strchr(p, '"');
	cr_assert(e && (size_t)(e - p) < n);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = 0;
	xml_unescape(out);
	return 1;
}

static void
tshark_read(const char *pcap)
{
	char cmd[512], *line = NULL;
	size_t cap = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -d tcp.port==%d,soupbintcp -T pdml 2>/dev/null",
		 pcap, PORT_S);
	p = popen(cmd, "r");
	cr_assert(p, "cannot run tshark");
	nseen = 0;
	while (getline(&line, &cap, p) > 0) {
		char name[64];

		if (strstr(line, "<proto name=\"soupbintcp\"")) {
			cr_assert_lt(nseen, 256);
			seen[nseen++].n = 0;
			continue;
		}
		if (!strstr(line, "<field ") || !xml_attr(line, "name", name, sizeof(name)))
			continue;
		if (strncmp(name, "soupbintcp.", 11) && strncmp(name, "ouch.", 5))
			continue;
		cr_assert(nseen, "%s outside a SoupBinTCP packet", name);
		struct tspkt *k = &seen[nseen - 1];

		cr_assert_lt(k->n, 48);
		struct tsf *f = &k->f[k->n++];

		snprintf(f->name, sizeof(f->name), "%s", name);
		if (!xml_attr(line, "show", f->show, sizeof(f->show)))
			f->show[0] = 0;
		if (!xml_attr(line, "showname", f->showname, sizeof(f->showname)))
			f->showname[0] = 0;
	}
	free(line);
	cr_assert_eq(pclose(p), 0, "tshark failed on %s", pcap);
}

static const struct tsf *
ts_field(const struct tspkt *k, const char *name)
{
	for (unsigned i = 0; i < k->n; i++)
		if (!strcmp(k->f[i].name, name))
			return &k->f[i];
	cr_assert_fail("tshark shows no %s", name);
	return NULL;
}

/* The number after the last ": " of a showname ("Next sequence number: 7"). */
static uint64_t
showname_num(const struct tsf *f)
{
	const char *p = strrchr(f->showname, ':');

	cr_assert(p, "no value in '%s'", f->showname);
	return strtoull(p + 1, NULL, 10);
}

/* tshark 4.0's name for a field of ouch42.md in a message of type t. */
static const char *
ts_name(char dir, char t, const char *spec)
{
	static char buf[96];

	if (!strcmp(spec, "time_in_force"))
		return "ouch.tif";
	if (!strcmp(spec, "intermarket_sweep_eligibility"))
		return "ouch.iso_eligible";
	if (!strcmp(spec, "minimum_quantity"))
		return "ouch.min_quantity";
	if (!strcmp(spec, "reason") && dir == 1) {
		switch (t) {
		case 'C': case 'D': return "ouch.cancel_reason";
		case 'B': return "ouch.broken_trade_reason";
		case 'K': return "ouch.price_correction_reason";
		case 'J': return "ouch.reject_reason";
		}
	}
	snprintf(buf, sizeof(buf), "ouch.%s", spec);
	return buf;
}

/* ---- building the capture ---- */

static void
add(int dir, char type, const void *payload, size_t len, json_t *ouch)
{
	struct sent *s = &sent[nsent++];

	cr_assert_lt(nsent, 256);
	s->dir = dir;
	s->type = type;
	memcpy(s->payload, payload, len);
	s->len = len;
	s->ouch = ouch;
}

/* One OUCH message of type t, from JSON values through the code under test. */
static void
add_ouch(int dir, char t, json_t *j)
{
	uint8_t b[TG_OUCH_MAX_MSG];
	char err[160];
	size_t n;

	if (dir == 0) {
		struct tg_ouch_in m;

		cr_assert_eq(tg_ouch_in_from_json(j, &m, err, sizeof(err)), 0, "%c: %s", t, err);
		n = tg_ouch_in_encode(&m, b);
	} else {
		struct tg_ouch_out m;

		cr_assert_eq(tg_ouch_out_from_json(j, &m, err, sizeof(err)), 0, "%c: %s", t, err);
		n = tg_ouch_out_encode(&m, b);
	}
	cr_assert_eq(n, (dir ? ospec_out : ospec_in)[(uint8_t)t].len);
	add(dir, dir ? 'S' : 'U', b, n, j);
}

/* Every packet of `sent`, framed by tg_soup_pack and cut into segments. */
static void
write_capture(const char *path)
{
	struct otcp_pcap w;
	uint8_t seg[2048];
	size_t have = 0;
	int dir = 0;

	otcp_open(&w, path, PORT_C, PORT_S);
	for (unsigned i = 0; i < nsent; i++) {
		const struct sent *s = &sent[i];
		uint8_t pk[3 + TG_SOUP_MAX_PAYLOAD];
		size_t n = tg_soup_pack(pk, s->type, s->payload, s->len);

		cr_assert_eq(n, 3 + s->len);
		if (have && s->dir != dir) {
			otcp_send(&w, dir, seg, have);
			have = 0;
		}
		dir = s->dir;
		if (i % 7 == 3 && n > 10) {
			/* split: the head closes this segment, the rest opens the next */
			memcpy(seg + have, pk, 5);
			otcp_send(&w, dir, seg, have + 5);
			memcpy(seg, pk + 5, n - 5);
			have = n - 5;
		} else {
			memcpy(seg + have, pk, n);
			have += n;
		}
		/* mostly one packet a segment, sometimes three */
		if (i % 5 != 1 && i % 5 != 2) {
			otcp_send(&w, dir, seg, have);
			have = 0;
		}
	}
	if (have)
		otcp_send(&w, dir, seg, have);
	otcp_close(&w);
}

/* ---- comparing ---- */

static void
check_ouch(const struct sent *s, const struct tspkt *k)
{
	const char *t = json_string_value(json_object_get(s->ouch, "type"));
	const struct ospec_type *st = &(s->dir ? ospec_out : ospec_in)[(uint8_t)t[0]];
	char want[64];
	unsigned nouch = 0;

	for (unsigned i = 0; i < k->n; i++)
		nouch += !strncmp(k->f[i].name, "ouch.", 5) && strcmp(k->f[i].name, "ouch.packet_type");
	cr_assert_eq(nouch, st->nf, "%c: tshark shows %u OUCH fields, the page lists %u",
		     t[0], nouch, st->nf);
	snprintf(want, sizeof(want), "'%c'", t[0]);
	cr_assert_str_eq(ts_field(k, "ouch.packet_type")->show, want);

	for (unsigned i = 0; i < st->nf; i++) {
		const struct ospec_field *f = &st->f[i];
		const struct tsf *tf = ts_field(k, ts_name((char)s->dir, t[0], f->name));
		json_t *v = json_object_get(s->ouch, f->name);

		if (!strcmp(f->name, "timestamp")) {
			uint64_t ns = (uint64_t)json_integer_value(v), sec = ns / 1000000000u;

			snprintf(want, sizeof(want), "%u:%02u:%02u.%09u", (unsigned)(sec / 3600),
				 (unsigned)(sec % 3600 / 60), (unsigned)(sec % 60),
				 (unsigned)(ns % 1000000000u));
		} else if (f->kind == 'a') {
			snprintf(want, sizeof(want), "%-*s", (int)f->size, json_string_value(v));
		} else if (f->kind == 'c') {
			char c = json_string_value(v)[0];

			/* tshark shows a character as a C literal */
			snprintf(want, sizeof(want), c == '\\' || c == '\'' ? "'\\%c'" : "'%c'", c);
		} else {
			snprintf(want, sizeof(want), "%" PRIu64, (uint64_t)json_integer_value(v));
		}
		cr_assert_str_eq(tf->show, want, "%c %s: tshark shows '%s', encoded '%s'",
				 t[0], f->name, tf->show, want);
		if (f->kind == 'p') {
			/* p4: four implied decimals, as tshark prints a price */
			uint64_t x = (uint64_t)json_integer_value(v);
			const char *d = strchr(tf->showname, '$');

			snprintf(want, sizeof(want), "$%" PRIu64 ".%04" PRIu64, x / 10000, x % 10000);
			cr_assert(d && !strcmp(d, want), "%c %s: showname '%s', want %s",
				  t[0], f->name, tf->showname, want);
		}
	}

	/* and host/ouch decodes the same bytes to the same values */
	json_t *back;

	if (s->dir == 0) {
		struct tg_ouch_in m;

		cr_assert_eq(tg_ouch_in_decode(s->payload, s->len, &m), 0);
		back = tg_ouch_in_to_json(&m);
	} else {
		struct tg_ouch_out m;

		cr_assert_eq(tg_ouch_out_decode(s->payload, s->len, &m), 0);
		back = tg_ouch_out_to_json(&m);
	}
	cr_assert(json_equal(back, s->ouch), "%c decodes to %s", t[0],
		  json_dumps(back, JSON_COMPACT));
	json_decref(back);
}

static void
check_packet(const struct sent *s, const struct tspkt *k, uint64_t *next_seq)
{
	char want[64];

	snprintf(want, sizeof(want), "%zu", s->len + 1);
	cr_assert_str_eq(ts_field(k, "soupbintcp.packet_length")->show, want);
	snprintf(want, sizeof(want), "'%c'", s->type);
	cr_assert_str_eq(ts_field(k, "soupbintcp.packet_type")->show, want);
	switch (s->type) {
	case 'L': {
		struct tg_soup_login l;

		cr_assert_eq(tg_soup_login_parse(s->payload, s->len, &l), 0);
		cr_assert_str_eq(ts_field(k, "soupbintcp.username")->show, "alice ");
		cr_assert_str_eq(ts_field(k, "soupbintcp.password")->show, "s3cret    ");
		cr_assert_str_eq(ts_field(k, "soupbintcp.session")->show, "          ");
		cr_assert_eq(showname_num(ts_field(k, "soupbintcp.req_seq_num")), 1);
		cr_assert_eq(l.seq, 1);
		break;
	}
	case 'A': {
		char sess[TG_SOUP_SESSION_LEN];
		uint64_t seq;

		cr_assert_eq(tg_soup_accept_parse(s->payload, s->len, sess, &seq), 0);
		cr_assert_str_eq(ts_field(k, "soupbintcp.session")->show, "S20240102 ");
		cr_assert_eq(showname_num(ts_field(k, "soupbintcp.next_seq_num")), 1234567);
		cr_assert_eq(seq, 1234567);
		*next_seq = seq;
		break;
	}
	case 'J':
		cr_assert_str_eq(ts_field(k, "soupbintcp.reject_code")->show, "'A'");
		break;
	case '+':
		cr_assert_str_eq(ts_field(k, "soupbintcp.text")->show, "hello, tickgate");
		break;
	case 'S':
		/* implicit numbering from the login's */
		cr_assert_eq(showname_num(ts_field(k, "soupbintcp.seq_num")), *next_seq,
			     "tshark numbers this Sequenced Data %s",
			     ts_field(k, "soupbintcp.seq_num")->showname);
		++*next_seq;
		check_ouch(s, k);
		break;
	case 'U':
		check_ouch(s, k);
		break;
	}
}

TestSuite(ouch_tshark, .init = otmp_make, .fini = otmp_remove);

Test(ouch_tshark, every_packet_and_message_both_ways)
{
	uint64_t rng = 0x5eed;
	struct tg_soup_login l;
	uint8_t b[64];
	char path[128];

	ospec_load();
	nsent = 0;

	tg_ouch_alpha(l.user, sizeof(l.user), "alice");
	tg_ouch_alpha(l.password, sizeof(l.password), "s3cret");
	tg_ouch_alpha(l.session, sizeof(l.session), "");
	l.seq = 1;
	add(0, 'L', b, tg_soup_login_pack(&l, b), NULL);
	add(1, 'A', b, tg_soup_accept_pack("S20240102 ", 1234567, b), NULL);

	/* a plain order and its life, then random values in every field */
	add_ouch(0, 'O', json_pack("{s:s,s:s,s:s,s:i,s:s,s:i,s:i,s:s,s:s,s:s,s:s,s:i,s:s,s:s}",
				   "type", "O", "order_token", "ORD0001", "buy_sell_indicator", "B",
				   "shares", 100, "stock", "AAPL", "price", 1500000,
				   "time_in_force", 99999, "firm", "ACME", "display", "Y",
				   "capacity", "A", "intermarket_sweep_eligibility", "N",
				   "minimum_quantity", 0, "cross_type", "N", "customer_type", " "));
	for (int round = 0; round < 3; round++) {
		for (int dir = 0; dir < 2; dir++) {
			for (int t = 0; t < 256; t++) {
				const struct ospec_type *st = &(dir ? ospec_out : ospec_in)[t];

				if (!st->len)
					continue;
				json_t *j = ospec_random(st, (char)t, &rng);

				if (dir)	/* ns since midnight, as a real timestamp */
					json_object_set_new(j, "timestamp", json_integer(
						(json_int_t)(orand(&rng) % 86400000000000ull)));
				add_ouch(dir, (char)t, j);
			}
			if (round == 1) {
				add(dir, dir ? 'H' : 'R', NULL, 0, NULL);
				add(dir, '+', "hello, tickgate", 15, NULL);
			}
		}
	}
	add(0, 'O', NULL, 0, NULL);
	add(1, 'Z', NULL, 0, NULL);
	add(1, 'J', "A", 1, NULL);

	snprintf(path, sizeof(path), "%s/ouch.pcap", otmp);
	write_capture(path);
	tshark_read(path);

	cr_assert_eq(nseen, nsent, "tshark found %u SoupBinTCP packets, %u were written",
		     nseen, nsent);
	uint64_t next_seq = 0;

	for (unsigned i = 0; i < nsent; i++)
		check_packet(&sent[i], &seen[i], &next_seq);
	for (unsigned i = 0; i < nsent; i++)
		json_decref(sent[i].ouch);
}
