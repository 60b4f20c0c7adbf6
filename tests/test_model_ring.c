/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's DMA engine (docs/card-interface.md sections 3-4) driven the
 * way a host drives a card: descriptors and a doorbell in, records polled
 * by their phase bit, slots returned through C2H_HEAD, buffers reclaimed
 * through the H2C head write-back word.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "test_model_util.h"

/* The host side of the two rings. */
struct rh {
	struct tg_model *m;
	struct tg_h2c_desc *h2c;
	unsigned h2c_log2;
	struct tg_event *c2h;
	unsigned c2h_log2;
	uint32_t *wb;
	uint32_t h2c_tail;	/* host producer index */
	uint32_t c2h_head;	/* host consumer index */
};

static void
rh_init(struct rh *h, unsigned h2c_log2, unsigned c2h_log2, bool wb)
{
	size_t hsz = (size_t)16 << h2c_log2, csz = (size_t)64 << c2h_log2;

	memset(h, 0, sizeof(*h));
	h->m = tmu_model();
	h->h2c_log2 = h2c_log2;
	h->c2h_log2 = c2h_log2;
	h->h2c = aligned_alloc(64, hsz);
	h->c2h = aligned_alloc(64, csz);
	cr_assert(h->h2c && h->c2h);
	memset(h->h2c, 0, hsz);
	memset(h->c2h, 0, csz);
	if (wb) {
		h->wb = aligned_alloc(64, 64);
		*h->wb = 0;
	}
	tg_model_reg_write(h->m, TG_REG_H2C_BASE_LO, (uint32_t)(uintptr_t)h->h2c);
	tg_model_reg_write(h->m, TG_REG_H2C_BASE_HI, (uint32_t)((uintptr_t)h->h2c >> 32));
	tg_model_reg_write(h->m, TG_REG_H2C_SIZE, h2c_log2);
	tg_model_reg_write(h->m, TG_REG_H2C_WB_LO, (uint32_t)(uintptr_t)h->wb);
	tg_model_reg_write(h->m, TG_REG_H2C_WB_HI, (uint32_t)((uintptr_t)h->wb >> 32));
	tg_model_reg_write(h->m, TG_REG_C2H_BASE_LO, (uint32_t)(uintptr_t)h->c2h);
	tg_model_reg_write(h->m, TG_REG_C2H_BASE_HI, (uint32_t)((uintptr_t)h->c2h >> 32));
	tg_model_reg_write(h->m, TG_REG_C2H_SIZE, c2h_log2);
	tg_model_reg_write(h->m, TG_REG_CTRL, TG_CTRL_RESET);
	tg_model_reg_write(h->m, TG_REG_CTRL, TG_CTRL_ENABLE);
}

static void
rh_fini(struct rh *h)
{
	tg_model_free(h->m);
	free(h->h2c);
	free(h->c2h);
	free(h->wb);
}

/* Free H2C slots, as the host sees them through the write-back word. */
static unsigned
rh_h2c_space(const struct rh *h)
{
	uint32_t head = tg_model_reg_read(h->m, TG_REG_H2C_HEAD);

	if (h->wb)
		cr_assert_eq(*h->wb, head);
	return (1u << h->h2c_log2) - (h->h2c_tail - head);
}

static void
rh_queue(struct rh *h, const void *frame, uint16_t len, uint8_t kind, uint8_t flags)
{
	struct tg_h2c_desc *d = &h->h2c[h->h2c_tail & ((1u << h->h2c_log2) - 1)];

	cr_assert_gt(rh_h2c_space(h), 0);
	d->addr = (uint64_t)(uintptr_t)frame;
	d->len = len;
	d->kind = kind;
	d->flags = flags;
	d->rsvd = 0;
	h->h2c_tail++;
}

static void
rh_doorbell(struct rh *h)
{
	tg_model_reg_write(h->m, TG_REG_H2C_TAIL, h->h2c_tail);
}

/*
 * Take new records in order, checking each slot's phase: 1 on the first
 * pass, 0 on the second... Returns how many; they are released only by
 * rh_release.
 */
static unsigned
rh_poll(struct rh *h, struct tg_event *out, unsigned max)
{
	unsigned n = 0;

	while (n < max) {
		uint32_t i = h->c2h_head + n;
		const struct tg_event *ev = &h->c2h[i & ((1u << h->c2h_log2) - 1)];
		unsigned phase = 1 - ((i >> h->c2h_log2) & 1);

		if ((ev->flags >> 7) != phase)
			break;
		out[n] = *ev;
		out[n].flags &= (uint8_t)~TG_EV_FLAG_PHASE;
		n++;
	}
	return n;
}

static void
rh_release(struct rh *h, unsigned n)
{
	h->c2h_head += n;
	tg_model_reg_write(h->m, TG_REG_C2H_HEAD, h->c2h_head);
}

/* A frame of n Add Orders starting at seq; returns its length. */
static size_t
adds_frame(uint8_t *out, uint64_t seq, unsigned n)
{
	static struct tmu_mold p;
	uint8_t msg[64];

	tmu_mold_init(&p, TMU_SESSION, seq);
	for (unsigned i = 0; i < n; i++)
		tmu_mold_add(&p, msg, tmu_msg_add(msg, seq + i, 100 + i, 1000 + i));
	return tmu_frame_mold(out, &p);
}

/* Nothing happens until ENABLE; STATUS shows work waiting while enabled. */
Test(model_ring, enable_and_status)
{
	static uint8_t f[2048];
	struct rh h;
	size_t len;

	rh_init(&h, 4, 11, true);
	tg_model_reg_write(h.m, TG_REG_CTRL, 0);
	len = adds_frame(f, 1, 3);
	rh_queue(&h, f, (uint16_t)len, TG_DESC_FEED_FRAME, 0);
	rh_doorbell(&h);
	*h.wb = 0xDEADBEEF;
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_H2C_TAIL), 1);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_STATUS), TG_STATUS_IDLE);
	cr_expect_eq(tg_model_run(h.m, 100), 0);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_H2C_HEAD), 0);
	cr_expect_eq(*h.wb, 0xDEADBEEF);
	tg_model_reg_write(h.m, TG_REG_CTRL, TG_CTRL_ENABLE);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_STATUS), 0);
	cr_expect_eq(tg_model_run(h.m, 100), 1);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_STATUS), TG_STATUS_IDLE);
	rh_fini(&h);
}

/* One frame: records with phase 1, indices, write-back, counters. */
Test(model_ring, one_frame)
{
	static uint8_t f[2048];
	static struct tg_event ev[16];
	static struct tmu_cap cap;
	struct tg_model *ref = tmu_model();
	struct rh h;
	size_t len;

	rh_init(&h, 4, 11, true);
	len = adds_frame(f, 7, 3);
	rh_queue(&h, f, (uint16_t)len, TG_DESC_FEED_FRAME, TG_DESC_LINE_B);
	rh_doorbell(&h);
	cr_expect_eq(tg_model_run(h.m, 100), 1);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_H2C_HEAD), 1);
	cr_expect_eq(*h.wb, 1);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_C2H_TAIL), 3);
	for (unsigned i = 0; i < 3; i++)
		cr_expect_eq(h.c2h[i].flags, TG_EV_FLAG_PHASE | TG_EV_FLAG_LINE_B);
	cr_expect_eq(h.c2h[3].flags, 0);
	cr_assert_eq(rh_poll(&h, ev, 16), 3);
	tmu_feed(ref, f, len, 1, &cap);
	cr_assert_eq(cap.n, 3);
	cr_expect_arr_eq(ev, cap.ev, sizeof(ev[0]) * 3);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_H2C_DESCS)), 1);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_FRAMES_B)), 1);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_MESSAGES)), 3);
	/* nothing more to do */
	cr_expect_eq(tg_model_run(h.m, 100), 0);
	tg_model_free(ref);
	rh_fini(&h);
}

/* The budget bounds the descriptors consumed per call. */
Test(model_ring, budget)
{
	static uint8_t f[4][2048];
	struct rh h;

	rh_init(&h, 4, 11, true);
	for (unsigned i = 0; i < 4; i++)
		rh_queue(&h, f[i], (uint16_t)adds_frame(f[i], 1 + 2 * i, 2),
			 TG_DESC_FEED_FRAME, 0);
	rh_doorbell(&h);
	cr_expect_eq(tg_model_run(h.m, 0), 0);
	cr_expect_eq(tg_model_run(h.m, 3), 3);
	cr_expect_eq(*h.wb, 3);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_C2H_TAIL), 6);
	cr_expect_eq(tg_model_run(h.m, 3), 1);
	cr_expect_eq(*h.wb, 4);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_C2H_TAIL), 8);
	rh_fini(&h);
}

/*
 * Bad descriptors are skipped (ERR_DESC) and consumed (H2C_DESCS); their
 * frames never enter the pipeline. 9216 bytes is a good length.
 */
Test(model_ring, bad_descriptors)
{
	static uint8_t f[TMU_MAX_FRAME];
	static struct tg_event ev[2048];
	struct rh h;
	uint64_t c[TG_CNT_NUM];
	size_t len;

	rh_init(&h, 4, 11, true);
	len = adds_frame(f, 1, 2);
	rh_queue(&h, f, (uint16_t)len, 0, 0);
	rh_queue(&h, f, (uint16_t)len, 2, 0);
	rh_queue(&h, f, (uint16_t)len, 0xFF, 0);
	rh_queue(&h, f, (uint16_t)len, TG_DESC_FEED_FRAME, 0);
	rh_queue(&h, f, 0, TG_DESC_FEED_FRAME, 0);
	rh_queue(&h, f, TG_MAX_FRAME + 1, TG_DESC_FEED_FRAME, 0);
	rh_queue(&h, f, 0xFFFF, TG_DESC_FEED_FRAME, 0);
	/* a 9216-byte frame: the datagram is padded to the end with zeros */
	memset(f + len, 0, TG_MAX_FRAME - len);
	rh_queue(&h, f, TG_MAX_FRAME, TG_DESC_FEED_FRAME, TG_DESC_LINE_B);
	rh_doorbell(&h);
	cr_expect_eq(tg_model_run(h.m, 100), 8);
	cr_expect_eq(*h.wb, 8);
	tmu_counters(h.m, c);
	cr_expect_eq(c[TG_CNT_H2C_DESCS], 8);
	cr_expect_eq(c[TG_CNT_ERR_DESC], 6);
	cr_expect_eq(c[TG_CNT_FRAMES_A], 1);
	cr_expect_eq(c[TG_CNT_FRAMES_B], 1);
	cr_expect_eq(c[TG_CNT_MESSAGES], 2);
	cr_expect_eq(c[TG_CNT_DUPLICATES], 2);
	/* IP and UDP lengths end before the frame: padding, not truncation */
	cr_expect_eq(c[TG_CNT_ERR_TRUNCATED], 0);
	cr_expect_eq(rh_poll(&h, ev, 2048), 2);
	rh_fini(&h);
}

/* Without a write-back address the card writes nothing but its register. */
Test(model_ring, no_write_back)
{
	static uint8_t f[2048];
	struct rh h;

	rh_init(&h, 4, 11, false);
	rh_queue(&h, f, (uint16_t)adds_frame(f, 1, 1), TG_DESC_FEED_FRAME, 0);
	rh_queue(&h, f, (uint16_t)adds_frame(f, 1, 1), TG_DESC_FEED_FRAME, 0);
	rh_doorbell(&h);
	cr_expect_eq(tg_model_run(h.m, 100), 2);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_H2C_HEAD), 2);
	rh_fini(&h);
}

/*
 * The room rule: a frame starts only if the C2H ring has len/8 + 2 free
 * slots; otherwise the card stops consuming descriptors, and resumes
 * when the host returns slots.
 */
Test(model_ring, c2h_room_rule)
{
	static uint8_t f[100][2048];
	static struct tg_event ev[2048];
	struct rh h;
	size_t len = 0;
	unsigned need, fits;
	uint32_t tail;

	rh_init(&h, 7, 11, true);
	for (unsigned i = 0; i < 100; i++) {
		len = adds_frame(f[i], 1 + 26 * i, 26);	/* 26 records each */
		rh_queue(&h, f[i], (uint16_t)len, TG_DESC_FEED_FRAME, 0);
	}
	need = (unsigned)len / 8 + 2;
	cr_assert_gt(need, 26);
	cr_assert_lt((2048 - need) / 26 + 1, 100);
	/* nothing consumed: frame i starts while 2048 - 26 i >= need */
	fits = (2048 - need) / 26 + 1;
	rh_doorbell(&h);
	cr_expect_eq(tg_model_run(h.m, 1000), fits);
	cr_expect_eq(*h.wb, fits);
	tail = tg_model_reg_read(h.m, TG_REG_C2H_TAIL);
	cr_expect_eq(tail, 26 * fits);
	cr_expect_eq(tg_model_run(h.m, 1000), 0);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_STATUS), 0);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_C2H_DROPS)), 0);

	/* one slot short of the room needed: still stopped */
	rh_release(&h, tail - (2048 - need + 1));
	cr_expect_eq(tg_model_run(h.m, 1000), 0);
	/* exactly the room needed: one more frame */
	rh_release(&h, 1);
	cr_expect_eq(tg_model_run(h.m, 1000), 1);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_C2H_TAIL), tail + 26);

	/* the host takes everything, from the start: the rest flows, intact */
	h.c2h_head = 0;
	for (unsigned total = 0, guard = 0; total < 100 * 26; guard++) {
		unsigned n = rh_poll(&h, ev, 2048);

		cr_assert_lt(guard, 100);
		for (unsigned i = 0; i < n; i++)
			cr_assert_eq(ev[i].seq, 1 + total + i);
		total += n;
		rh_release(&h, n);
		tg_model_run(h.m, 1000);
	}
	cr_expect_eq(*h.wb, 100);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_STATUS), TG_STATUS_IDLE);
	rh_fini(&h);
}

/* A bad descriptor needs no room: it is consumed with the ring full. */
Test(model_ring, bad_descriptor_with_ring_full)
{
	static uint8_t f[100][2048];
	struct rh h;
	uint32_t head;

	rh_init(&h, 7, 11, true);
	for (unsigned i = 0; i < 100; i++)
		rh_queue(&h, f[i], (uint16_t)adds_frame(f[i], 1 + 26 * i, 26),
			 TG_DESC_FEED_FRAME, 0);
	rh_doorbell(&h);
	tg_model_run(h.m, 1000);
	head = tg_model_reg_read(h.m, TG_REG_H2C_HEAD);
	cr_assert_lt(head, 100);
	cr_assert_eq(tg_model_run(h.m, 1000), 0);
	/* the next descriptor turns out bad */
	h.h2c[head & 127].kind = 0;
	cr_expect_eq(tg_model_run(h.m, 1000), 1);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_ERR_DESC)), 1);
	cr_expect_eq(*h.wb, head + 1);
	rh_fini(&h);
}

/* One stream frame: where it is and which line it came on. */
struct sframe {
	size_t off;
	uint16_t len;
	uint8_t line;
};

/*
 * A varied stream: several sessions, lines A and B with the B copies of
 * some packets, gaps, heartbeats, odd sizes. Returns the frame count.
 */
static unsigned
make_stream(uint8_t *buf, size_t cap, struct sframe *fr, unsigned max)
{
	static struct tmu_mold p;
	static const char *names[3] = { TMU_SESSION, "SESSION01 ", "SESSION02 " };
	uint64_t next[3] = { 1, 1000, 1 << 20 };
	uint32_t rnd = 12345;
	size_t off = 0;
	unsigned n = 0;

	while (n < max) {
		unsigned s, k, r;
		uint8_t msg[64];
		size_t len;

		rnd = rnd * 1103515245u + 12345u;
		r = rnd >> 8;
		s = r % 3;
		k = (r >> 4) % 40;
		if ((r >> 10) % 16 == 0)
			k = 0;				/* heartbeat */
		if ((r >> 14) % 32 == 0)
			next[s] += 1 + (r >> 20) % 5;	/* lost packet */
		tmu_mold_init(&p, names[s], next[s]);
		for (unsigned i = 0; i < k; i++) {
			switch ((r + i) % 4) {
			case 0:
				tmu_mold_add(&p, msg, tmu_msg_delete(msg, next[s] + i));
				break;
			case 1:
				tmu_msg(msg, 'I', 1, 2, i, 50);
				memset(msg + 11, (int)i, 39);
				tmu_mold_add(&p, msg, 50);
				break;
			default:
				tmu_mold_add(&p, msg, tmu_msg_add(msg, next[s] + i, i, r));
				break;
			}
		}
		next[s] += k;
		if (off + TMU_MAX_FRAME > cap)
			break;
		len = tmu_frame(buf + off, NULL, p.buf, p.len);
		fr[n].off = off;
		fr[n].len = (uint16_t)len;
		fr[n].line = 0;
		n++;
		if (n < max && (r >> 24) % 3 == 0) {	/* the B copy */
			fr[n] = fr[n - 1];
			fr[n].line = 1;
			n++;
		}
		off += len;
	}
	return n;
}

/*
 * Many frames through small rings: the C2H ring (2^11) wraps three times,
 * the H2C ring (2^4) many times; phases, write-back and the record stream
 * match the pipeline fed directly.
 */
Test(model_ring, wrap_around_matches_feed)
{
	static uint8_t buf[4 << 20];
	static struct sframe fr[800];
	static struct tg_event ev[2048];
	static struct tmu_cap ref_cap;	/* reference records base.. */
	struct tg_model *ref = tmu_model();
	uint64_t c1[TG_CNT_NUM], c2[TG_CNT_NUM];
	unsigned nf = make_stream(buf, sizeof(buf), fr, 800);
	unsigned queued = 0, total = 0, base = 0, cursor = 0, guard = 0;
	struct rh h;

	rh_init(&h, 4, 11, true);
	for (;;) {
		unsigned n, keep;

		cr_assert_lt(guard++, 100000);
		while (queued < nf && rh_h2c_space(&h) > 0) {
			rh_queue(&h, buf + fr[queued].off, fr[queued].len,
				 TG_DESC_FEED_FRAME, fr[queued].line);
			queued++;
		}
		rh_doorbell(&h);
		tg_model_run(h.m, 1 + queued % 7);
		n = rh_poll(&h, ev, 2048);

		/* the same frames fed straight into a second model */
		keep = base + ref_cap.n - total;
		memmove(ref_cap.ev, ref_cap.ev + (total - base), sizeof(ev[0]) * keep);
		ref_cap.n = keep;
		base = total;
		while (base + ref_cap.n < total + n && cursor < queued) {
			tmu_feed(ref, buf + fr[cursor].off, fr[cursor].len,
				 fr[cursor].line, &ref_cap);
			cursor++;
		}
		cr_assert_geq(base + ref_cap.n, total + n);
		cr_assert_arr_eq(ev, ref_cap.ev, sizeof(ev[0]) * n,
				 "records %u..%u", total, total + n);
		total += n;

		/* return the slots in two batches */
		rh_release(&h, n / 2);
		rh_release(&h, n - n / 2);
		if (queued == nf && n == 0 &&
		    tg_model_reg_read(h.m, TG_REG_H2C_HEAD) == h.h2c_tail)
			break;
	}
	while (cursor < nf) {
		tmu_feed(ref, buf + fr[cursor].off, fr[cursor].len, fr[cursor].line,
			 &ref_cap);
		cursor++;
	}
	cr_expect_eq(base + ref_cap.n, total, "the reference has more records");
	cr_expect_eq(*h.wb, nf);
	tmu_counters(h.m, c1);
	tmu_counters(ref, c2);
	c2[TG_CNT_H2C_DESCS] = nf;
	cr_expect_arr_eq(c1, c2, sizeof(c1));
	cr_expect_gt(c1[TG_CNT_GAPS], 0);
	cr_expect_gt(c1[TG_CNT_DUPLICATES], 0);
	cr_expect_gt(c1[TG_CNT_HEARTBEATS], 0);
	cr_expect_gt(total, 3u << 11, "only %u records", total);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_C2H_TAIL), total);
	tg_model_free(ref);
	rh_fini(&h);
}

/* After RESET the host starts again at index 0 of both rings. */
Test(model_ring, reset_restarts_rings)
{
	static uint8_t f[2048];
	static struct tg_event ev[64];
	struct rh h;
	size_t len;

	rh_init(&h, 4, 11, true);
	len = adds_frame(f, 1, 2);
	for (unsigned i = 0; i < 5; i++)
		rh_queue(&h, f, (uint16_t)len, TG_DESC_FEED_FRAME, 0);
	rh_doorbell(&h);
	cr_expect_eq(tg_model_run(h.m, 100), 5);
	cr_expect_eq(rh_poll(&h, ev, 64), 2);

	tg_model_reg_write(h.m, TG_REG_CTRL, TG_CTRL_RESET | TG_CTRL_ENABLE);
	/* the host starts over too: ring zeroed, write-back word zeroed */
	memset(h.c2h, 0, (size_t)64 << 11);
	*h.wb = 0;
	h.h2c_tail = 0;
	h.c2h_head = 0;
	cr_expect_eq(tg_model_run(h.m, 100), 0);
	len = adds_frame(f, 1, 3);
	rh_queue(&h, f, (uint16_t)len, TG_DESC_FEED_FRAME, 0);
	rh_doorbell(&h);
	cr_expect_eq(tg_model_run(h.m, 100), 1);
	cr_expect_eq(*h.wb, 1);
	cr_assert_eq(rh_poll(&h, ev, 64), 3);
	cr_expect_eq(ev[0].seq, 1);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_MESSAGES)), 3);
	rh_fini(&h);
}
