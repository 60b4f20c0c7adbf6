/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "tg_itch.h"
#include "tg_framegen.h"

#include <rte_ip.h>

static const uint32_t tg_fg_groups[] = { 0xE9360C6F, 0xE9360C70, 0xE931C428 };
static const uint16_t tg_fg_ports[] = { 26477, 26478, 25475 };

static uint64_t
tg_fg_next(struct tg_framegen *g)
{
	/* xorshift64*: fast, and the same stream for a seed everywhere */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545F4914F6CDD1DULL;
}

uint32_t
tg_framegen_rand(struct tg_framegen *g, uint32_t n)
{
	return n ? (uint32_t)((tg_fg_next(g) >> 32) % n) : 0;
}

void
tg_framegen_init(struct tg_framegen *g, uint64_t seed, unsigned n_sessions,
		 unsigned damage_pct)
{
	memset(g, 0, sizeof(*g));
	g->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	g->n_sessions = n_sessions > 16 ? 16 : (n_sessions ? n_sessions : 1);
	g->damage_pct = damage_pct;
	for (unsigned s = 0; s < g->n_sessions; s++)
		g->next_seq[s] = 1 + tg_framegen_rand(g, 3) * 1000000;
}

static void
tg_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
tg_put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The IPv4 header checksum over the header's IHL words, from DPDK. */
static void
tg_ip_checksum(uint8_t *ip)
{
	ip[10] = ip[11] = 0;
	tg_put16(ip + 10, rte_be_to_cpu_16(rte_ipv4_cksum((const struct rte_ipv4_hdr *)ip)));
}

/* One ITCH message block (length + message) at p; returns bytes written. */
static size_t
tg_fg_block(struct tg_framegen *g, uint8_t *p)
{
	const struct tg_itch_type *t = &tg_itch_types[tg_framegen_rand(g, TG_ITCH_NTYPES)];

	tg_put16(p, t->len);
	p[2] = (uint8_t)t->type;
	for (unsigned i = 1; i < t->len; i++)
		p[2 + i] = (uint8_t)tg_fg_next(g);
	/* mostly printable alpha fields, like the real feed */
	for (unsigned f = 0; f < t->nfields; f++)
		if (t->fields[f].kind == TG_FK_A || t->fields[f].kind == TG_FK_C)
			for (unsigned k = 0; k < t->fields[f].size; k++)
				p[2 + t->fields[f].off + k] =
					(uint8_t)(tg_framegen_rand(g, 4) ? 'A' + tg_framegen_rand(g, 26) : ' ');
	return 2 + t->len;
}

struct tg_fg_layout {
	size_t l3, l4, len;
};

/* A well-formed frame for session s; returns its layout. */
static struct tg_fg_layout
tg_fg_valid(struct tg_framegen *g, uint8_t *f)
{
	struct tg_fg_layout lo;
	unsigned s = tg_framegen_rand(g, g->n_sessions);
	unsigned opt_words = tg_framegen_rand(g, 10) == 0 ? 1 + tg_framegen_rand(g, 10) : 0;
	unsigned gi = tg_framegen_rand(g, 3);
	uint64_t seq;
	unsigned count, kind = tg_framegen_rand(g, 100);

	/* Ethernet, optional 802.1Q tag */
	static const uint8_t dst[6] = { 0x01, 0x00, 0x5e, 0x36, 0x0c, 0x6f };
	static const uint8_t src[6] = { 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c };
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	lo.l3 = 14;
	if (tg_framegen_rand(g, 2)) {
		tg_put16(f + 12, 0x8100);
		tg_put16(f + 14, 141 + gi);
		lo.l3 = 18;
	}
	tg_put16(f + lo.l3 - 2, 0x0800);

	/* MoldUDP64 header and blocks first, to know the lengths */
	lo.l4 = lo.l3 + 20 + 4 * opt_words;
	uint8_t *m = f + lo.l4 + 8;
	memcpy(m, "SESSION", 7);
	m[7] = (uint8_t)('0' + s / 10);
	m[8] = (uint8_t)('0' + s % 10);
	m[9] = ' ';
	if (kind < 8)
		g->next_seq[s] += 1 + tg_framegen_rand(g, 5);	/* sender loses some */
	seq = g->next_seq[s];
	if (kind >= 8 && kind < 18 && seq > 12)
		seq -= 1 + tg_framegen_rand(g, 12);		/* retransmission overlap */
	size_t pos = 20;
	if (kind >= 18 && kind < 24) {
		count = 0;					/* heartbeat */
	} else if (kind == 24) {
		count = 0xFFFF;					/* end of session */
	} else {
		unsigned max = tg_framegen_rand(g, 8) == 0 ? 28 : 6;
		count = 1 + tg_framegen_rand(g, max);
		for (unsigned k = 0; k < count; k++)
			pos += tg_fg_block(g, m + pos);
		if (seq + count > g->next_seq[s])
			g->next_seq[s] = seq + count;
	}
	tg_put64(m + 10, seq);
	tg_put16(m + 18, count);

	/* UDP, IPv4 */
	uint8_t *u = f + lo.l4;
	tg_put16(u, 40000 + s);
	tg_put16(u + 2, tg_fg_ports[gi]);
	tg_put16(u + 4, (unsigned)(8 + pos));
	tg_put16(u + 6, 0);
	uint8_t *ip = f + lo.l3;
	unsigned ihl = 5 + opt_words;
	ip[0] = (uint8_t)(0x40 | ihl);
	ip[1] = 0;
	tg_put16(ip + 2, (unsigned)(4 * ihl + 8 + pos));
	tg_put16(ip + 4, tg_framegen_rand(g, 65536));
	tg_put16(ip + 6, tg_framegen_rand(g, 2) ? 0x4000 : 0);	/* DF or not */
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 206; ip[13] = 200; ip[14] = 127; ip[15] = 138;
	ip[16] = (uint8_t)(tg_fg_groups[gi] >> 24);
	ip[17] = (uint8_t)(tg_fg_groups[gi] >> 16);
	ip[18] = (uint8_t)(tg_fg_groups[gi] >> 8);
	ip[19] = (uint8_t)tg_fg_groups[gi];
	for (unsigned w = 0; w < opt_words; w++)
		memset(ip + 20 + 4 * w, w + 1 == opt_words ? 0 : 1, 4);	/* NOPs, then EOL */
	tg_ip_checksum(ip);
	lo.len = lo.l4 + 8 + pos;
	if (lo.len < 60) {	/* Ethernet minimum: padding the card must ignore */
		memset(f + lo.len, 0xA5, 60 - lo.len);
		lo.len = 60;
	}
	return lo;
}

/* Damage a valid frame in one of the ways the card must count. */
static size_t
tg_fg_damage(struct tg_framegen *g, uint8_t *f, struct tg_fg_layout lo)
{
	uint8_t *ip = f + lo.l3;
	size_t len = lo.len;
	uint8_t *m = f + lo.l4 + 8;
	unsigned count = (unsigned)m[18] << 8 | m[19];

	switch (tg_framegen_rand(g, 14)) {
	case 0:		/* truncated anywhere */
		return 1 + tg_framegen_rand(g, (uint32_t)len - 1);
	case 1:		/* any header byte */
		f[tg_framegen_rand(g, (uint32_t)(lo.l4 + 28))] ^= (uint8_t)(1 + tg_framegen_rand(g, 255));
		return len;
	case 2:		/* bad checksum */
		ip[11] ^= 0x01;
		return len;
	case 3:		/* a block length that lies */
		if (count && count != 0xFFFF) {
			size_t pos = 20;
			unsigned k = tg_framegen_rand(g, count);
			for (unsigned i = 0; i < k; i++)
				pos += 2 + ((unsigned)m[pos] << 8 | m[pos + 1]);
			tg_put16(m + pos, tg_framegen_rand(g, 4) ? tg_framegen_rand(g, 60) : tg_framegen_rand(g, 65536));
		}
		return len;
	case 4:		/* unknown type */
		if (count && count != 0xFFFF)
			m[22] = (uint8_t)"aGzT\0\xff#"[tg_framegen_rand(g, 7)];
		return len;
	case 5:		/* more messages promised than sent */
		if (count && count != 0xFFFF)
			tg_put16(m + 18, count + 1 + tg_framegen_rand(g, 3));
		return len;
	case 6: {	/* UDP length too small or too big */
		unsigned ul = (unsigned)f[lo.l4 + 4] << 8 | f[lo.l4 + 5];
		tg_put16(f + lo.l4 + 4, tg_framegen_rand(g, 2) ? tg_framegen_rand(g, 30) : ul + 1 + tg_framegen_rand(g, 40));
		return len;
	}
	case 7: {	/* IP total length off, checksum kept right */
		unsigned tl = (unsigned)ip[2] << 8 | ip[3];
		tg_put16(ip + 2, tg_framegen_rand(g, 2) ? tl + 1 + tg_framegen_rand(g, 100) : tg_framegen_rand(g, tl));
		tg_ip_checksum(ip);
		return len;
	}
	case 8:		/* fragment */
		tg_put16(ip + 6, tg_framegen_rand(g, 2) ? 0x2000 : 0x0001 + tg_framegen_rand(g, 100));
		tg_ip_checksum(ip);
		return len;
	case 9:		/* not IPv4, or not UDP */
		if (tg_framegen_rand(g, 2))
			tg_put16(f + lo.l3 - 2, tg_framegen_rand(g, 2) ? 0x86DD : 0x0806);
		else {
			ip[9] = tg_framegen_rand(g, 2) ? 6 : 1;
			tg_ip_checksum(ip);
		}
		return len;
	case 10:	/* Ethernet padding after the datagram */
		if (len + 40 <= TG_FRAMEGEN_MAX) {
			memset(f + len, 0x5A, 40);
			return len + 1 + tg_framegen_rand(g, 40);
		}
		return len;
	case 11:	/* runt */
		return 1 + tg_framegen_rand(g, 20);
	case 12:	/* IP version or IHL */
		ip[0] = tg_framegen_rand(g, 2) ? (uint8_t)(0x60 | (ip[0] & 0xf)) : (uint8_t)(0x40 | tg_framegen_rand(g, 5));
		tg_ip_checksum(ip);
		return len;
	default:	/* destination the filters may not take */
		tg_put16(f + lo.l4 + 2, 30000 + tg_framegen_rand(g, 3));
		return len;
	}
}

size_t
tg_framegen_next(struct tg_framegen *g, uint8_t *buf, unsigned *line)
{
	/* A/B: the other line's copy of the previous frame, as a feed sends it */
	if (g->last_len && tg_framegen_rand(g, 100) < 35) {
		size_t len = g->last_len;
		memcpy(buf, g->last, len);
		*line = g->last_line ^ 1;
		g->last_len = 0;
		return len;
	}

	struct tg_fg_layout lo = tg_fg_valid(g, buf);
	size_t len = lo.len;

	*line = tg_framegen_rand(g, 2);
	if (tg_framegen_rand(g, 100) < g->damage_pct)
		len = tg_fg_damage(g, buf, lo);
	memcpy(g->last, buf, len);
	g->last_len = len;
	g->last_line = *line;
	return len;
}
