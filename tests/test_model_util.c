/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the model's tests (see test_model_util.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "test_model_util.h"

/* Store the low n bytes of v, most significant first. */
void
tmu_put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* A MoldUDP64 header with count 0; blocks follow. */
void
tmu_mold_init(struct tmu_mold *p, const char *session, uint64_t seq)
{
	memcpy(p->buf, session, 10);
	tmu_put_be(p->buf + 10, seq, 8);
	tmu_put_be(p->buf + 18, 0, 2);
	p->len = 20;
}

/* Bytes that are not a whole block: cut blocks, trailing garbage. */
void
tmu_mold_raw(struct tmu_mold *p, const void *bytes, size_t len)
{
	cr_assert(p->len + len <= sizeof(p->buf));
	memcpy(p->buf + p->len, bytes, len);
	p->len += len;
}

/* A whole block, counted in the header. */
void
tmu_mold_add(struct tmu_mold *p, const void *msg, uint16_t len)
{
	uint8_t l[2];
	unsigned n = (unsigned)p->buf[18] << 8 | p->buf[19];

	tmu_put_be(l, len, 2);
	tmu_mold_raw(p, l, 2);
	tmu_mold_raw(p, msg, len);
	tmu_mold_set_count(p, (uint16_t)(n + 1));
}

/* The header's count, whatever the blocks say. */
void
tmu_mold_set_count(struct tmu_mold *p, uint16_t n)
{
	tmu_put_be(p->buf + 18, n, 2);
}

/* The IP header's offset: after the Ethernet header and the tag. */
unsigned
tmu_l3(const struct tmu_frame_opts *o)
{
	return o && o->vlan ? 18 : 14;
}

/* The UDP header's offset: after the IP header and its options. */
unsigned
tmu_l4(const struct tmu_frame_opts *o)
{
	return tmu_l3(o) + 20 + (o ? o->ip_opts : 0);
}

/* The IPv4 header checksum of RFC 791 over the header as it now is. */
void
tmu_fix_csum(uint8_t *frame, const struct tmu_frame_opts *o)
{
	uint8_t *ip = frame + tmu_l3(o);
	unsigned hl = 4 * (ip[0] & 0xF);
	uint32_t s = 0;

	ip[10] = ip[11] = 0;
	for (unsigned i = 0; i < hl; i += 2)
		s += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	tmu_put_be(ip + 10, (uint16_t)~s, 2);
}

/* A frame as a sender would build it, around a UDP payload. */
size_t
tmu_frame(uint8_t *out, const struct tmu_frame_opts *o,
	  const uint8_t *payload, size_t plen)
{
	static const struct tmu_frame_opts dflt;
	static const uint8_t dmac[6] = { 0x01, 0x00, 0x5e, 0x36, 0x0c, 0x6f };
	static const uint8_t smac[6] = { 0xd4, 0xaf, 0xf7, 0xcb, 0x20, 0xd5 };
	unsigned l3, l4, hl;
	uint8_t *ip, *udp;

	if (!o)
		o = &dflt;
	l3 = tmu_l3(o);
	l4 = tmu_l4(o);
	hl = 20 + o->ip_opts;
	cr_assert(o->ip_opts % 4 == 0 && o->ip_opts <= 40);
	cr_assert(l4 + 8 + plen + o->pad <= TMU_MAX_FRAME);

	memcpy(out, dmac, 6);
	memcpy(out + 6, smac, 6);
	if (o->vlan) {
		tmu_put_be(out + 12, 0x8100, 2);
		tmu_put_be(out + 14, 141, 2);
	}
	tmu_put_be(out + l3 - 2, 0x0800, 2);

	ip = out + l3;
	ip[0] = (uint8_t)(0x40 | hl / 4);
	ip[1] = 0;
	tmu_put_be(ip + 2, hl + 8 + plen, 2);
	tmu_put_be(ip + 4, 0xb905, 2);
	tmu_put_be(ip + 6, 0x4000, 2);		/* DF: allowed */
	ip[8] = 21;
	ip[9] = 17;
	tmu_put_be(ip + 12, TMU_SRC_IP, 4);
	tmu_put_be(ip + 16, o->dst_ip ? o->dst_ip : TMU_DST_IP, 4);
	memset(ip + 20, 0x01, hl - 20);		/* NOP options after a router alert */
	if (o->ip_opts) {
		ip[20] = 0x94;			/* router alert, 4 bytes */
		ip[21] = 0x04;
		ip[22] = 0x00;
		ip[23] = 0x00;
	}
	tmu_fix_csum(out, o);

	udp = out + l4;
	tmu_put_be(udp, TMU_SRC_PORT, 2);
	tmu_put_be(udp + 2, o->dst_port ? o->dst_port : TMU_DST_PORT, 2);
	tmu_put_be(udp + 4, 8 + plen, 2);
	tmu_put_be(udp + 6, 0, 2);
	memcpy(udp + 8, payload, plen);
	memset(udp + 8 + plen, 0x5A, o->pad);	/* padding that is not zero */
	return l4 + 8 + plen + o->pad;
}

/* The default frame around a MoldUDP64 packet. */
size_t
tmu_frame_mold(uint8_t *out, const struct tmu_mold *p)
{
	return tmu_frame(out, NULL, p->buf, p->len);
}

/* The 11-byte ITCH header, the rest of the message zeroed. */
uint16_t
tmu_msg(uint8_t *out, char type, uint16_t locate, uint16_t tracking,
	uint64_t ts, uint16_t len)
{
	memset(out, 0, len);
	out[0] = (uint8_t)type;
	tmu_put_be(out + 1, locate, 2);
	tmu_put_be(out + 3, tracking, 2);
	tmu_put_be(out + 5, ts, 6);
	return len;
}

/* An Add Order for AAPL, buy side. */
uint16_t
tmu_msg_add(uint8_t *out, uint64_t ref, uint32_t shares, uint32_t price)
{
	tmu_msg(out, 'A', 7, 0, 34200000000000ull + ref, 36);
	tmu_put_be(out + 11, ref, 8);
	out[19] = 'B';
	tmu_put_be(out + 20, shares, 4);
	memcpy(out + 24, "AAPL    ", 8);
	tmu_put_be(out + 32, price, 4);
	return 36;
}

/* An Order Delete. */
uint16_t
tmu_msg_delete(uint8_t *out, uint64_t ref)
{
	tmu_msg(out, 'D', 7, 0, 34200000000000ull + ref, 19);
	tmu_put_be(out + 11, ref, 8);
	return 19;
}

/* A model that accepts the default feed's group. */
struct tg_model *
tmu_model(void)
{
	struct tg_model *m = tg_model_new();

	cr_assert_not_null(m);
	tg_model_reg_write(m, TG_REG_FILTER(0) + TG_FILTER_DST_IP, TMU_DST_IP);
	tg_model_reg_write(m, TG_REG_FILTER(0) + TG_FILTER_DST_PORT, TMU_DST_PORT);
	tg_model_reg_write(m, TG_REG_FILTER(0) + TG_FILTER_CTRL, TG_FILTER_VALID);
	return m;
}

/* The record callback: append to a capture. */
static void
tmu_emit(void *ctx, const struct tg_event *ev)
{
	struct tmu_cap *cap = ctx;

	cr_assert_lt(cap->n, TMU_CAP_MAX);
	cap->ev[cap->n++] = *ev;
}

/* Feed from an exactly sized heap copy, so over-reads are caught. */
void
tmu_feed(struct tg_model *m, const uint8_t *frame, size_t len, unsigned line,
	 struct tmu_cap *cap)
{
	uint8_t *copy = malloc(len ? len : 1);

	cr_assert_not_null(copy);
	memcpy(copy, frame, len);
	tg_model_feed_frame(m, copy, len, line, tmu_emit, cap);
	free(copy);
}

/* Every counter, read as the host reads it. */
void
tmu_counters(struct tg_model *m, uint64_t c[TG_CNT_NUM])
{
	for (unsigned i = 0; i < TG_CNT_NUM; i++) {
		uint32_t lo = tg_model_reg_read(m, TG_REG_COUNTER(i));
		uint32_t hi = tg_model_reg_read(m, TG_REG_COUNTER(i) + 4);

		c[i] = (uint64_t)hi << 32 | lo;
	}
}

/* Counter deltas, all of them: listed ones as given, others 0. */
void
tmu_expect_moved(const uint64_t before[TG_CNT_NUM],
		 const uint64_t after[TG_CNT_NUM], ...)
{
	uint64_t want[TG_CNT_NUM] = { 0 };
	va_list ap;
	int c;

	va_start(ap, after);
	while ((c = va_arg(ap, int)) >= 0)
		want[c] += (uint64_t)va_arg(ap, int);
	va_end(ap);
	for (unsigned i = 0; i < TG_CNT_NUM; i++)
		cr_expect_eq(after[i] - before[i], want[i],
			     "counter %u moved by %llu, expected %llu", i,
			     (unsigned long long)(after[i] - before[i]),
			     (unsigned long long)want[i]);
}

/* A GAP or EOS record: only kind, slot, line, seq and ts set. */
void
tmu_expect_meta(const struct tg_event *ev, uint8_t kind, unsigned slot,
		unsigned line, uint64_t seq, uint64_t ts)
{
	cr_expect_eq(ev->kind, kind);
	cr_expect_eq(ev->msg_type, 0);
	cr_expect_eq(ev->session, slot);
	cr_expect_eq(ev->flags, line ? TG_EV_FLAG_LINE_B : 0);
	cr_expect_eq(ev->stock_locate, 0);
	cr_expect_eq(ev->tracking_number, 0);
	cr_expect_eq(ev->seq, seq, "seq %llu, expected %llu",
		     (unsigned long long)ev->seq, (unsigned long long)seq);
	cr_expect_eq(ev->ts, ts, "ts %llu, expected %llu",
		     (unsigned long long)ev->ts, (unsigned long long)ts);
	cr_expect(tmu_zero(ev->body, sizeof(ev->body)));
}

/* All bytes 0. */
bool
tmu_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}
