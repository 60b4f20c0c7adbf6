/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_ouch_util.h"

/* ---- the tables of protocols/ouch42.md ---- */

struct ospec_type ospec_in[256], ospec_out[256];

/* Drop every "(...)" from s: the notes in them hold commas of their own. */
static void
strip_parens(char *s)
{
	char *w = s;
	int depth = 0;

	for (char *r = s; *r; r++) {
		if (*r == '(')
			depth++;
		else if (*r == ')')
			depth--;
		else if (!depth)
			*w++ = *r;
	}
	*w = 0;
}

void
ospec_load(void)
{
	FILE *f = fopen(TG_SHARED_DIR "/protocols/ouch42.md", "r");
	char line[4096];
	struct ospec_type *table = NULL;
	unsigned nin = 0, nout = 0;

	cr_assert(f, "cannot read protocols/ouch42.md under %s", TG_SHARED_DIR);
	memset(ospec_in, 0, sizeof(ospec_in));
	memset(ospec_out, 0, sizeof(ospec_out));
	while (fgets(line, sizeof(line), f)) {
		char t, name[40], fields[4000];
		unsigned len, off = 1;

		if (!strncmp(line, "## OUCH 4.2 inbound", 19))
			table = ospec_in;
		else if (!strncmp(line, "## OUCH 4.2 outbound", 20))
			table = ospec_out;
		else if (!strncmp(line, "## ", 3))
			table = NULL;
		if (!table || sscanf(line, "| `%c` | %39[^|]| %u | %3999[^\n]", &t, name, &len,
				     fields) != 4)
			continue;
		struct ospec_type *st = &table[(uint8_t)t];

		cr_assert_eq(st->len, 0, "type %c listed twice", t);
		snprintf(st->name, sizeof(st->name), "%s", name);
		st->len = len;
		strip_parens(fields);
		*strrchr(fields, '|') = 0;
		for (char *tok = strtok(fields, ","); tok; tok = strtok(NULL, ",")) {
			struct ospec_field *sf = &st->f[st->nf++];
			char kind[8];

			cr_assert_eq(sscanf(tok, " %47s %7s", sf->name, kind), 2,
				     "type %c: cannot read field '%s'", t, tok);
			sf->kind = kind[0];
			sf->size = (unsigned)atoi(kind + 1);
			cr_assert(strchr("acup", sf->kind) && sf->size,
				  "type %c: field %s has kind %s", t, sf->name, kind);
			sf->off = off;
			off += sf->size;
		}
		cr_assert_eq(off, len, "type %c: fields add up to %u, length %u", t, off, len);
		if (table == ospec_in)
			nin++;
		else
			nout++;
	}
	fclose(f);
	cr_assert_eq(nin, 4, "the page lists 4 inbound types, parsed %u", nin);
	cr_assert_eq(nout, 13, "the page lists 13 outbound types, parsed %u", nout);
}

const struct ospec_field *
ospec_field(const struct ospec_type *t, const char *name)
{
	for (unsigned i = 0; i < t->nf; i++)
		if (!strcmp(t->f[i].name, name))
			return &t->f[i];
	return NULL;
}

size_t
ospec_encode(const struct ospec_type *t, const json_t *j, uint8_t *out)
{
	const char *type = json_string_value(json_object_get(j, "type"));

	cr_assert(type && t->len);
	out[0] = (uint8_t)type[0];
	for (unsigned i = 0; i < t->nf; i++) {
		const struct ospec_field *f = &t->f[i];
		json_t *v = json_object_get(j, f->name);
		uint8_t *p = out + f->off;

		cr_assert(v, "fixture lacks %s", f->name);
		if (f->kind == 'a' || f->kind == 'c') {
			const char *s = json_string_value(v);
			size_t n = strlen(s);

			cr_assert_leq(n, f->size);
			memset(p, ' ', f->size);
			memcpy(p, s, n);
		} else {
			uint64_t x = json_is_string(v) ? strtoull(json_string_value(v), NULL, 10) :
				     (uint64_t)json_integer_value(v);

			for (unsigned k = 0; k < f->size; k++)
				p[k] = (uint8_t)(x >> 8 * (f->size - 1 - k));
		}
	}
	return t->len;
}

uint64_t
orand(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ z >> 27) * 0x94d049bb133111ebull;
	return z ^ z >> 31;
}

json_t *
ospec_random(const struct ospec_type *t, char type, uint64_t *rng)
{
	json_t *j = json_object();

	json_object_set_new(j, "type", json_stringn(&type, 1));
	for (unsigned i = 0; i < t->nf; i++) {
		const struct ospec_field *f = &t->f[i];
		char s[32];

		if (f->kind == 'a') {
			size_t n = orand(rng) % (f->size + 1);

			for (size_t k = 0; k < n; k++)
				s[k] = (char)(0x20 + orand(rng) % 95);
			if (n && s[n - 1] == ' ')
				s[n - 1] = 'x';
			json_object_set_new(j, f->name, json_stringn(s, n));
		} else if (f->kind == 'c') {
			s[0] = (char)(0x20 + orand(rng) % 95);
			json_object_set_new(j, f->name, json_stringn(s, 1));
		} else if (f->size == 4) {
			json_object_set_new(j, f->name, json_integer((json_int_t)(orand(rng) >> 32)));
		} else {
			json_object_set_new(j, f->name, json_integer((json_int_t)(orand(rng) >> 1)));
		}
	}
	return j;
}

/* ---- pcap of one TCP connection ---- */

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10

static void
otcp_frame(struct otcp_pcap *w, int dir, uint8_t flags, const void *payload, size_t n)
{
	uint8_t f[14 + 20 + 20 + 2048];
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint8_t src[4] = { 127, 0, 0, (uint8_t)(1 + dir) }, dst[4] = { 127, 0, 0, (uint8_t)(2 - dir) };
	size_t tot = 20 + 20 + n;
	struct pcap_pkthdr h;
	uint32_t sum;

	cr_assert_leq(n, 2048);
	memset(f, 0, 54);
	/* Ethernet: locally administered MACs, IPv4 */
	memcpy(f, dir ? "\x02\0\0\0\0\x01" : "\x02\0\0\0\0\x02", 6);
	memcpy(f + 6, dir ? "\x02\0\0\0\0\x02" : "\x02\0\0\0\0\x01", 6);
	f[12] = 0x08;
	/* IPv4 */
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] = 0x40;		/* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	sum = csum_fold(csum_add(0, ip, 20));
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	/* TCP */
	uint16_t sp = w->port[dir], dp = w->port[!dir];
	uint32_t seq = w->seq[dir], ack = w->seq[!dir];

	tcp[0] = (uint8_t)(sp >> 8);
	tcp[1] = (uint8_t)sp;
	tcp[2] = (uint8_t)(dp >> 8);
	tcp[3] = (uint8_t)dp;
	for (int k = 0; k < 4; k++) {
		tcp[4 + k] = (uint8_t)(seq >> (24 - 8 * k));
		tcp[8 + k] = (uint8_t)(flags & TCP_ACK ? ack >> (24 - 8 * k) : 0);
	}
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	tcp[14] = 0xff;		/* window */
	tcp[15] = 0xff;
	memcpy(tcp + 20, payload, n);
	uint8_t pseudo[12];

	memcpy(pseudo, src, 4);
	memcpy(pseudo + 4, dst, 4);
	pseudo[8] = 0;
	pseudo[9] = 6;
	pseudo[10] = (uint8_t)((20 + n) >> 8);
	pseudo[11] = (uint8_t)(20 + n);
	sum = csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, 20 + n));
	tcp[16] = (uint8_t)(sum >> 8);
	tcp[17] = (uint8_t)sum;

	w->seq[dir] += (uint32_t)n + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
	w->t_us += 100;
	h.ts.tv_sec = (time_t)(1700000000 + w->t_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(w->t_us % 1000000);
	h.caplen = h.len = (bpf_u_int32)(14 + tot);
	pcap_dump(w->dump, &h, f);
}

void
otcp_open(struct otcp_pcap *w, const char *path, uint16_t cport, uint16_t sport)
{
	memset(w, 0, sizeof(*w));
	w->pd = pcap_open_dead(DLT_EN10MB, 65535);
	cr_assert(w->pd);
	w->dump = pcap_dump_open(w->pd, path);
	cr_assert(w->dump, "cannot write %s", path);
	w->port[0] = cport;
	w->port[1] = sport;
	w->seq[0] = 1000;
	w->seq[1] = 500000;
	otcp_frame(w, 0, TCP_SYN, NULL, 0);
	otcp_frame(w, 1, TCP_SYN | TCP_ACK, NULL, 0);
	otcp_frame(w, 0, TCP_ACK, NULL, 0);
}

void
otcp_send(struct otcp_pcap *w, int dir, const void *p, size_t n)
{
	otcp_frame(w, dir, TCP_PSH | TCP_ACK, p, n);
}

void
otcp_close(struct otcp_pcap *w)
{
	pcap_dump_close(w->dump);
	pcap_close(w->pd);
}

/* ---- a scripted SoupBinTCP peer ---- */

int
opeer_listen(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

int
opeer_accept(int lfd, int timeout_ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	cr_assert_eq(poll(&p, 1, timeout_ms), 1, "no connection within %d ms", timeout_ms);
	int fd = accept(lfd, NULL, NULL);

	cr_assert_geq(fd, 0);
	return fd;
}

/* Read exactly n bytes within timeout_ms: 1, 0 on EOF at the start, -1 on timeout. */
static int
read_full(int fd, uint8_t *p, size_t n, int timeout_ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };

		if (poll(&pf, 1, timeout_ms) <= 0)
			return -1;
		ssize_t k = recv(fd, p + got, n - got, 0);

		if (k < 0 && errno == ECONNRESET)
			k = 0;
		cr_assert_geq(k, 0);
		if (k == 0) {
			cr_assert_eq(got, 0, "EOF inside a packet");
			return 0;
		}
		got += (size_t)k;
	}
	return 1;
}

int
opeer_read(int fd, char *type, uint8_t *payload, size_t *len, int timeout_ms)
{
	uint8_t h[3];
	int rc = read_full(fd, h, 2, timeout_ms);

	if (rc <= 0)
		return rc;
	unsigned plen = (unsigned)h[0] << 8 | h[1];

	cr_assert(plen >= 1 && plen <= 1025, "bad SoupBinTCP length %u", plen);
	cr_assert_eq(read_full(fd, h + 2, 1, timeout_ms), 1);
	*type = (char)h[2];
	*len = plen - 1;
	if (*len)
		cr_assert_eq(read_full(fd, payload, *len, timeout_ms), 1);
	return 1;
}

void
opeer_expect(int fd, char type, uint8_t *payload, size_t *len, int timeout_ms)
{
	char t;

	do {
		int rc = opeer_read(fd, &t, payload, len, timeout_ms);

		cr_assert_eq(rc, 1, "expected a '%c' packet, got %s", type,
			     rc ? "nothing in time" : "EOF");
	} while (t == 'R' && type != 'R');
	cr_assert_eq(t, type, "expected a '%c' packet, got '%c'", type, t);
}

void
opeer_send(int fd, char type, const void *p, size_t n)
{
	uint8_t b[3 + 2048];

	cr_assert_leq(n, 2048);
	b[0] = (uint8_t)((n + 1) >> 8);
	b[1] = (uint8_t)(n + 1);
	b[2] = (uint8_t)type;
	if (n)
		memcpy(b + 3, p, n);
	cr_assert_eq(send(fd, b, 3 + n, MSG_NOSIGNAL), (ssize_t)(3 + n));
}

void
opeer_accept_payload(uint8_t out[30], const char *session, uint64_t seq)
{
	char s[32];

	snprintf(s, sizeof(s), "%-10.10s%20llu", session, (unsigned long long)seq);
	memcpy(out, s, 30);
}

/* ---- scratch space ---- */

char otmp[64];

void
otmp_make(void)
{
	snprintf(otmp, sizeof(otmp), "/tmp/tg-ouch-XXXXXX");
	cr_assert(mkdtemp(otmp), "cannot make a scratch directory");
}

void
otmp_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", otmp);
	(void)system(cmd);
}
