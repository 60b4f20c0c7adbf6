/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's bytes through Wireshark's own dissectors: a session of
 * every kind of packet and the common OUCH messages is captured from the
 * clients' sockets (each SoupBinTCP packet as one TCP segment of a
 * connection written to a pcap), then `tshark -d tcp.port==PORT,soupbintcp`
 * must decode every packet, count the sequence numbers as the client did,
 * and read every OUCH field as the scenario expects.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_gateway_util.h"

static struct gwt_gw gw;

static void
setup(void)
{
	gwt_dir_make(&gw);
}

static void
teardown(void)
{
	gwt_tap = NULL;
	gwt_dir_remove(&gw);
}

TestSuite(gateway_tshark, .init = setup, .fini = teardown, .timeout = 120);

/* ---- one TCP connection per client in a pcap ---- */

struct conn {
	struct gwt_c *c;
	uint16_t cport;
	uint32_t seq[2];	/* next TCP sequence number: client, server */
	uint8_t pend[2][4096];	/* bytes of an unfinished SoupBinTCP packet */
	size_t npend[2];
};

static pcap_t *pd;
static pcap_dumper_t *dump;
static struct conn conns[2];
static uint16_t sport;
static uint64_t t_us = 1700000000000000ull;

static uint16_t
csum(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* One TCP segment (dir 0: client to server) with flags and payload. */
static void
segment(struct conn *k, int dir, uint8_t flags, const uint8_t *p, size_t n)
{
	uint8_t f[14 + 20 + 20 + 4096];
	uint8_t *ip = f + 14, *tcp = ip + 20;
	struct pcap_pkthdr h;
	uint32_t src = htonl(dir ? 0x7f000001 : 0x7f000002), dst = htonl(dir ? 0x7f000002 : 0x7f000001);
	uint16_t sp = dir ? sport : k->cport, dp = dir ? k->cport : sport;
	uint32_t seq = k->seq[dir], ack = k->seq[!dir];
	uint8_t pseudo[12];

	cr_assert(n <= 4096);
	memset(f, 0, 54);
	memcpy(f, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((40 + n) >> 8);
	ip[3] = (uint8_t)(40 + n);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	uint16_t ic = csum(ip, 20, 0);
	ip[10] = (uint8_t)(ic >> 8);
	ip[11] = (uint8_t)ic;
	tcp[0] = (uint8_t)(sp >> 8);
	tcp[1] = (uint8_t)sp;
	tcp[2] = (uint8_t)(dp >> 8);
	tcp[3] = (uint8_t)dp;
	for (int i = 0; i < 4; i++) {
		tcp[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		tcp[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	tcp[14] = 0xff;
	tcp[15] = 0xff;
	memcpy(tcp + 20, p, n);
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	pseudo[10] = (uint8_t)((20 + n) >> 8);
	pseudo[11] = (uint8_t)(20 + n);
	uint32_t acc = 0;
	for (int i = 0; i < 12; i += 2)
		acc += (uint32_t)pseudo[i] << 8 | pseudo[i + 1];
	uint16_t tc = csum(tcp, 20 + n, acc);
	tcp[16] = (uint8_t)(tc >> 8);
	tcp[17] = (uint8_t)tc;
	t_us += 10;
	h.ts.tv_sec = (time_t)(t_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(t_us % 1000000);
	h.caplen = h.len = (uint32_t)(54 + n);
	pcap_dump((u_char *)dump, &h, f);
	k->seq[dir] += (uint32_t)n + ((flags & 0x03) ? 1 : 0);
}

/* The tap: cut each direction's bytes into whole SoupBinTCP packets, one segment each. */
static void
tap(struct gwt_c *c, int dir, const uint8_t *p, size_t n)
{
	struct conn *k = NULL;

	for (int i = 0; i < 2; i++)
		if (conns[i].c == c)
			k = &conns[i];
	if (!k)
		return;
	cr_assert(k->npend[dir] + n <= sizeof(k->pend[dir]));
	memcpy(k->pend[dir] + k->npend[dir], p, n);
	k->npend[dir] += n;
	for (;;) {
		size_t have = k->npend[dir], len;

		if (have < 2)
			break;
		len = 2 + ((size_t)k->pend[dir][0] << 8 | k->pend[dir][1]);
		if (have < len)
			break;
		segment(k, dir, 0x18, k->pend[dir], len);
		memmove(k->pend[dir], k->pend[dir] + len, have - len);
		k->npend[dir] -= len;
	}
}

static void
open_conn(int i, struct gwt_c *c)
{
	struct conn *k = &conns[i];

	memset(k, 0, sizeof(*k));
	k->c = c;
	k->cport = (uint16_t)(41000 + i);
	k->seq[0] = 1000;
	k->seq[1] = 5000;
	segment(k, 0, 0x02, NULL, 0);		/* SYN */
	segment(k, 1, 0x12, NULL, 0);		/* SYN ACK */
	segment(k, 0, 0x10, NULL, 0);		/* ACK */
}

/* ---- what the scenario expects tshark to show ---- */

struct want {
	int conn, dir;
	char soup;		/* packet type */
	uint64_t seq;		/* Sequenced Data: its number */
	char fields[512];	/* "name=value;..." for tshark's fields */
};

static struct want wants[256];
static int nwant;

static void
want(int conn, int dir, char soup, uint64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void
want(int conn, int dir, char soup, uint64_t seq, const char *fmt, ...)
{
	va_list ap;
	struct want *w = &wants[nwant++];

	cr_assert(nwant < 256);
	w->conn = conn;
	w->dir = dir;
	w->soup = soup;
	w->seq = seq;
	va_start(ap, fmt);
	vsnprintf(w->fields, sizeof(w->fields), fmt, ap);
	va_end(ap);
}

/* An OUCH outbound message as tshark's field values (chars as tshark prints them). */
static void
want_out(int conn, uint64_t seq, const struct tg_ouch_out *m)
{
	char t[15], t2[15];

	switch (m->type) {
	case 'S':
		want(conn, 1, 'S', seq, "ouch.event_code=%c", m->system.event_code);
		break;
	case 'A':
		want(conn, 1, 'S', seq, "ouch.order_token=%s;ouch.buy_sell_indicator=%c;ouch.shares=%u;"
		     "ouch.stock=%.4s;ouch.price=%u;ouch.order_reference_number=%llu;ouch.order_state=%c",
		     gwt_tok(m->order.token, t), m->order.side, m->order.shares, m->order.stock,
		     m->order.price, (unsigned long long)m->order.order_ref, m->order.order_state);
		break;
	case 'U':
		want(conn, 1, 'S', seq, "ouch.replacement_order_token=%s;ouch.previous_order_token=%s;"
		     "ouch.shares=%u;ouch.price=%u",
		     gwt_tok(m->order.token, t), gwt_tok(m->order.previous_token, t2),
		     m->order.shares, m->order.price);
		break;
	case 'E':
		want(conn, 1, 'S', seq, "ouch.order_token=%s;ouch.executed_shares=%u;ouch.execution_price=%u;"
		     "ouch.liquidity_flag=%c;ouch.match_number=%llu",
		     gwt_tok(m->executed.token, t), m->executed.shares, m->executed.price,
		     m->executed.liquidity, (unsigned long long)m->executed.match);
		break;
	case 'C':
		want(conn, 1, 'S', seq, "ouch.order_token=%s;ouch.decrement_shares=%u;ouch.cancel_reason=%c",
		     gwt_tok(m->canceled.token, t), m->canceled.decrement, m->canceled.reason);
		break;
	case 'J':
		want(conn, 1, 'S', seq, "ouch.order_token=%s;ouch.reject_reason=%c",
		     gwt_tok(m->rejected.token, t), m->rejected.reason);
		break;
	case 'I':
		want(conn, 1, 'S', seq, "ouch.order_token=%s", gwt_tok(m->pending.token, t));
		break;
	case 'M':
		want(conn, 1, 'S', seq, "ouch.order_token=%s;ouch.buy_sell_indicator=%c;ouch.shares=%u",
		     gwt_tok(m->modified.token, t), m->modified.side, m->modified.shares);
		break;
	default:
		cr_assert_fail("no expectation for '%c'", m->type);
	}
}

/* Receive the next message on client i (sequence seq), note what tshark must show. */
static void
next_msg(int i, struct gwt_c *c, uint64_t *seq, char type, struct tg_ouch_out *m)
{
	cr_assert_eq(gwt_msg(c, m, NULL, NULL, 5000), 1);
	cr_assert_eq(m->type, type, "got '%c', wanted '%c'", m->type, type);
	want_out(i, (*seq)++, m);
}

/* Undo PDML's XML escapes in place. */
static void
unescape(char *s)
{
	static const struct {
		const char *e;
		char c;
	} t[] = { { "&#x27;", '\'' }, { "&quot;", '"' }, { "&amp;", '&' }, { "&lt;", '<' },
		  { "&gt;", '>' } };
	char *o = s;

	while (*s) {
		size_t i;

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
			if (!strncmp(s, t[i].e, strlen(t[i].e)))
				break;
		if (i < sizeof(t) / sizeof(t[0])) {
			*o++ = t[i].c;
			s += strlen(t[i].e);
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
}

/* Decode the tshark value of field name in fields ("a=b;c=d"), or NULL. */
static const char *
lookup(const char *fields, const char *name, char *out, size_t outlen)
{
	size_t k = strlen(name);

	for (const char *p = fields; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL) {
		if (!strncmp(p, name, k) && p[k] == '=') {
			const char *e = strchr(p + k + 1, ';');
			size_t n = e ? (size_t)(e - p - k - 1) : strlen(p + k + 1);

			snprintf(out, outlen, "%.*s", (int)n, p + k + 1);
			return out;
		}
	}
	return NULL;
}

/* A char field as tshark prints it for FT_CHAR BASE_HEX: the character or 0xNN. */
static int
same_char(const char *got, char want_c)
{
	char hex[8];

	snprintf(hex, sizeof(hex), "0x%02x", (unsigned char)want_c);
	return (strlen(got) == 1 && got[0] == want_c) || !strcmp(got, hex) ||
	       (strlen(got) == 3 && got[0] == '\'' && got[1] == want_c);
}

/* A price as tshark prints it: raw p4, or dollars with 4 decimals. */
static int
same_price(const char *got, const char *want_raw)
{
	unsigned long v = strtoul(want_raw, NULL, 10);
	char d[32];

	snprintf(d, sizeof(d), "%lu.%04lu", v / 10000, v % 10000);
	return !strcmp(got, want_raw) || !strncmp(got, d, strlen(d));
}

Test(gateway_tshark, every_packet_decodes)
{
	static const char *names[] = {
		"soupbintcp.packet_type", "soupbintcp.seq_num", "soupbintcp.session",
		"soupbintcp.next_seq_num", "soupbintcp.username", "soupbintcp.req_seq_num",
		"soupbintcp.reject_code", "soupbintcp.text", "ouch.packet_type", "ouch.order_token",
		"ouch.buy_sell_indicator", "ouch.shares", "ouch.stock", "ouch.price",
		"ouch.order_reference_number", "ouch.order_state", "ouch.executed_shares",
		"ouch.execution_price", "ouch.liquidity_flag", "ouch.match_number",
		"ouch.decrement_shares", "ouch.cancel_reason", "ouch.reject_reason",
		"ouch.event_code", "ouch.replacement_order_token", "ouch.previous_order_token",
		"ouch.existing_order_token", "tcp.srcport", "_ws.malformed", "_ws.expert",
	};
	enum { NNAMES = sizeof(names) / sizeof(names[0]) };
	struct gwt_c a, b, x;
	struct tg_ouch_out m, ea, eb;
	char session[11], pcapf[128], outf[128], cmd[4096];
	uint64_t sa = 1, next;
	struct gwt_pkt k;

	gwt_config(&gw, "heartbeat_ms = 150\ntimeout_ms = 3000\n", NULL);
	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	sport = (uint16_t)atoi(strrchr(gw.addr, ':') + 1);
	snprintf(pcapf, sizeof(pcapf), "%s/soup.pcap", gw.dir);
	snprintf(outf, sizeof(outf), "%s/tshark.txt", gw.dir);
	pd = pcap_open_dead(DLT_EN10MB, 65535);
	dump = pcap_dump_open(pd, pcapf);
	cr_assert(dump);
	gwt_tap = tap;

	/* a refused login first, on its own connection */
	gwt_connect(&x, gw.addr);
	open_conn(1, &x);
	want(1, 0, 'L', 0, "soupbintcp.username=bob;soupbintcp.req_seq_num=1");
	cr_assert_eq(gwt_login(&x, "bob", "nope", NULL, 1, NULL, NULL), 'A');
	want(1, 1, 'J', 0, "soupbintcp.reject_code=A");
	gwt_close(&x);

	gwt_connect(&a, gw.addr);
	open_conn(0, &a);
	want(0, 0, 'L', 0, "soupbintcp.username=alice;soupbintcp.req_seq_num=1");
	cr_assert_eq(gwt_login(&a, "alice", "pw-alice", NULL, 1, session, &next), 1);
	want(0, 1, 'A', 0, "soupbintcp.session=%s;soupbintcp.next_seq_num=1", session);
	next_msg(0, &a, &sa, 'S', &m);

	/* bob, uncaptured, is the other side */
	gwt_connect(&b, gw.addr);
	cr_assert_eq(gwt_login(&b, "bob", "bobs pass", NULL, 0, NULL, NULL), 1);

	gwt_enter(&a, "ABUY1", 'B', 300, "AAPL", 1501200, 99999);
	want(0, 0, 'U', 0, "ouch.packet_type=O;ouch.order_token=ABUY1;ouch.shares=300;ouch.stock=AAPL;ouch.price=1501200");
	next_msg(0, &a, &sa, 'A', &m);
	gwt_enter(&b, "BSELL1", 'S', 120, "AAPL", 1500000, 99999);
	cr_assert_eq(gwt_msg(&b, &m, NULL, NULL, 5000), 1);
	cr_assert_eq(gwt_msg(&b, &eb, NULL, NULL, 5000), 1);
	next_msg(0, &a, &sa, 'E', &ea);
	cr_assert_eq(ea.executed.match, eb.executed.match);
	cr_assert_eq(ea.executed.shares, 120);

	/* replace the rest, cancel part, reject, cancel reject */
	{
		struct tg_ouch_in r = { .type = 'U' };
		uint8_t buf[TG_OUCH_MAX_MSG];

		tg_ouch_alpha(r.replace.existing, 14, "ABUY1");
		tg_ouch_alpha(r.replace.replacement, 14, "ABUY2");
		r.replace.shares = 100;
		r.replace.price = 1499900;
		r.replace.tif = 99999;
		r.replace.display = 'Y';
		r.replace.ise = 'N';
		gwt_send(&a, 'U', buf, tg_ouch_in_encode(&r, buf));
		want(0, 0, 'U', 0, "ouch.packet_type=U;ouch.existing_order_token=ABUY1;ouch.replacement_order_token=ABUY2;ouch.shares=100");
		next_msg(0, &a, &sa, 'U', &m);
	}
	gwt_cancel(&a, "ABUY2", 40);
	want(0, 0, 'U', 0, "ouch.packet_type=X;ouch.order_token=ABUY2;ouch.shares=40");
	next_msg(0, &a, &sa, 'C', &m);
	cr_assert_eq(m.canceled.decrement, 60);
	gwt_enter(&a, "BAD", 'B', 5, "ZZZZ", 100, 99999);
	want(0, 0, 'U', 0, "ouch.packet_type=O;ouch.order_token=BAD;ouch.stock=ZZZZ");
	next_msg(0, &a, &sa, 'J', &m);
	gwt_cancel(&a, "NEVER", 0);
	want(0, 0, 'U', 0, "ouch.packet_type=X;ouch.order_token=NEVER");
	next_msg(0, &a, &sa, 'I', &m);

	/* heartbeats both ways */
	gwt_send(&a, 'R', NULL, 0);
	want(0, 0, 'R', 0, "%s", "");
	cr_assert_eq(gwt_recv(&a, &k, 2000), 1);
	cr_assert_eq(k.type, 'H');
	want(0, 1, 'H', 0, "%s", "");
	gwt_send(&a, 'O', NULL, 0);
	want(0, 0, 'O', 0, "%s", "");
	cr_assert_eq(gwt_recv(&a, &k, 5000), -1);
	gwt_close(&a);
	gwt_close(&b);
	gwt_tap = NULL;
	pcap_dump_close(dump);
	pcap_close(pd);
	cr_assert_eq(gwt_stop(&gw), 0);

	/*
	 * tshark's PDML: per frame, every field with its displayed value;
	 * the SoupBinTCP sequence numbers only in the "showname" text.
	 */
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -d tcp.port==%u,soupbintcp -Y 'tcp.len > 0' "
		 "-T pdml > '%s' 2>/dev/null", pcapf, sport, outf);
	cr_assert_eq(system(cmd), 0, "%s", cmd);

	FILE *f = fopen(outf, "r");
	static char line[8192];
	char val[NNAMES][256];
	int w = 0, in = 0, malformed = 0;
	uint64_t seq[2] = { 0, 0 };

	cr_assert(f);
	for (;;) {
		char *got = fgets(line, sizeof(line), f);

		if (got && strstr(line, "<packet>")) {
			memset(val, 0, sizeof(val));
			in = 1;
			malformed = 0;
			continue;
		}
		if (got && in && !strstr(line, "</packet>")) {
			char name[128], show[256];
			const char *p = strstr(line, "name=\"");

			if (strstr(line, "_ws.malformed"))
				malformed = 1;
			if (!p || sscanf(p, "name=\"%127[^\"]\"", name) != 1)
				continue;
			const char *sp = strstr(line, strstr(name, "seq_num") ? "showname=\"" : " show=\"");
			if (!sp || sscanf(strchr(sp, '"') + 1, "%255[^\"]", show) != 1)
				show[0] = 0;
			unescape(show);
			if (strstr(name, "seq_num")) {
				/* "Sequence number: 3 (Calculated)" */
				const char *c = strstr(show, ": ");
				snprintf(show, sizeof(show), "%llu", c ? strtoull(c + 2, NULL, 10) : 0ull);
			}
			for (int i = 0; i < NNAMES; i++)
				if (!strcmp(name, names[i]) && !val[i][0]) {
					size_t k = strlen(show);

					while (k && show[k - 1] == ' ')
						show[--k] = 0;
					snprintf(val[i], sizeof(val[i]), "%s", show);
				}
			continue;
		}
		if (!got)
			break;
		if (!in)
			continue;
		in = 0;
		cr_assert(!malformed, "frame %d: tshark calls it malformed", w + 1);
		cr_assert(w < nwant, "more frames than packets");
		const struct want *e = &wants[w++];
		int dir = atoi(val[NNAMES - 3]) == sport;
		int conn = dir ? e->conn : atoi(val[NNAMES - 3]) - 41000;

		cr_assert_eq(e->dir, dir, "frame %d: direction", w);
		cr_assert_eq(e->conn, conn, "frame %d: connection", w);
		cr_assert(same_char(val[0], e->soup), "frame %d: soupbintcp.packet_type '%s', wanted '%c'",
			  w, val[0], e->soup);
		if (e->soup == 'S') {
			/* tshark counts the implicit sequence numbers itself */
			cr_assert_eq(strtoull(val[1], NULL, 10), e->seq, "frame %d: seq %s, wanted %llu",
				     w, val[1], (unsigned long long)e->seq);
			cr_assert_eq(e->seq, ++seq[conn]);
		}
		/* every expected field, as tshark read it */
		for (int i = 0; i < NNAMES - 3; i++) {
			char v[256];

			if (!lookup(e->fields, names[i], v, sizeof(v)))
				continue;
			if (strstr(names[i], "price"))
				cr_assert(same_price(val[i], v), "frame %d: %s '%s', wanted %s", w,
					  names[i], val[i], v);
			else if (strlen(v) == 1 && strlen(val[i]) != 1)
				cr_assert(same_char(val[i], v[0]), "frame %d: %s '%s', wanted '%s'", w,
					  names[i], val[i], v);
			else
				cr_assert_str_eq(val[i], v, "frame %d: %s '%s', wanted '%s'", w, names[i],
						 val[i], v);
		}
	}
	fclose(f);
	cr_assert_eq(w, nwant, "tshark showed %d packets of %d", w, nwant);
}
