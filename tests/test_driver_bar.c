/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver's own logic, without a card behind it.
 *
 * bar: the register layer the vfio backend uses, opened on an anonymous
 * 4 KiB mapping that stands in for BAR0; the test plays the card by
 * reading what the driver stored at each offset and by writing records
 * and the write-back word into the rings.
 *
 * ring: a counting backend built from the same ops table records every
 * register access, so doorbell and release batching, the open sequence,
 * and the phase/wrap/full logic can be checked exactly.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "tg_card.h"
#include "tg_card_backend.h"
#include "tg_itch.h"

/* ---------------------------------------------------------------- */
/* a BAR-shaped memory region                                        */
/* ---------------------------------------------------------------- */

static uint32_t
bar_get(const struct tg_bar *bar, uint32_t off)
{
	return *(const volatile uint32_t *)(bar->base + off);
}

static void
bar_put(struct tg_bar *bar, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(bar->base + off) = val;
}

static uint64_t
bar_get64(const struct tg_bar *bar, uint32_t lo)
{
	return (uint64_t)bar_get(bar, lo + 4) << 32 | bar_get(bar, lo);
}

/* A fresh 4 KiB region with the identity registers a card would show. */
static struct tg_bar
bar_new(void)
{
	struct tg_bar bar;
	void *p = mmap(NULL, TG_CARD_BAR_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	bar.base = p;
	bar.len = TG_CARD_BAR_SIZE;
	bar_put(&bar, TG_REG_ID, TG_CARD_ID);
	bar_put(&bar, TG_REG_VERSION, TG_CARD_VERSION);
	bar_put(&bar, TG_REG_CAPS, 8 | 8 << 8 | 8 << 16 | 1 << 24);
	return bar;
}

static void
bar_free(struct tg_bar *bar)
{
	munmap((void *)bar->base, bar->len);
}

Test(bar, setup_doorbell_filters_rings)
{
	struct tg_card_config cfg = { .backend = "bar", .h2c_log2 = 4, .c2h_log2 = 11 };
	struct tg_bar bar = bar_new();
	struct tg_card *card;
	static uint8_t frames[3][64];
	struct tg_h2c_desc *h2c;
	struct tg_event *c2h;
	uint32_t *wb;
	const struct tg_event *ev[8];
	void *cookies[8];
	char name[10];
	uint64_t next, cnt[TG_CNT_NUM];
	bool ended;

	cr_assert_eq(tg_card_attach(&tg_be_bar_ops, &bar, &cfg, &card), 0);
	cr_assert_str_eq(tg_card_backend(card), "bar");

	/* ring setup: bases, sizes and write-back address, then ENABLE */
	h2c = (void *)(uintptr_t)bar_get64(&bar, TG_REG_H2C_BASE_LO);
	c2h = (void *)(uintptr_t)bar_get64(&bar, TG_REG_C2H_BASE_LO);
	wb = (void *)(uintptr_t)bar_get64(&bar, TG_REG_H2C_WB_LO);
	cr_assert_not_null(h2c);
	cr_assert_not_null(c2h);
	cr_assert_not_null(wb);
	cr_expect_eq((uintptr_t)h2c % 16, 0);
	cr_expect_eq((uintptr_t)c2h % 4096, 0, "C2H ring page aligned");
	cr_expect_eq((uintptr_t)wb % 4, 0);
	cr_expect_eq(bar_get(&bar, TG_REG_H2C_SIZE), 4);
	cr_expect_eq(bar_get(&bar, TG_REG_C2H_SIZE), 11);
	cr_expect_eq(bar_get(&bar, TG_REG_CTRL), TG_CTRL_ENABLE);
	cr_expect_eq(bar_get(&bar, TG_REG_SCRATCH), 0, "scratch test leaves 0");
	cr_expect_eq(bar_get(&bar, TG_REG_H2C_TAIL), 0);
	cr_expect_eq(bar_get(&bar, TG_REG_C2H_HEAD), 0);
	/* the rings do not overlap each other or the write-back word */
	cr_expect((uint8_t *)h2c >= (uint8_t *)(c2h + 2048) ||
		  (uint8_t *)(h2c + 16) <= (uint8_t *)c2h);
	cr_expect((uint8_t *)wb >= (uint8_t *)(h2c + 16) || (uint8_t *)(wb + 1) <= (uint8_t *)h2c);
	cr_expect((uint8_t *)wb >= (uint8_t *)(c2h + 2048) || (uint8_t *)(wb + 1) <= (uint8_t *)c2h);
	for (unsigned i = 0; i < 2048; i++)
		cr_assert_eq(c2h[i].flags, 0, "C2H ring zeroed");
	cr_expect_eq(*wb, 0);

	/* descriptors are written at once, published only by the doorbell */
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(tg_card_feed_frame(card, frames[i], 60 + i, i & 1,
						(void *)(uintptr_t)(100 + i)), 0);
	cr_expect_eq(bar_get(&bar, TG_REG_H2C_TAIL), 0);
	for (unsigned i = 0; i < 3; i++) {
		cr_expect_eq(h2c[i].addr, (uintptr_t)frames[i]);
		cr_expect_eq(h2c[i].len, 60 + i);
		cr_expect_eq(h2c[i].kind, TG_DESC_FEED_FRAME);
		cr_expect_eq(h2c[i].flags, (i & 1) ? TG_DESC_LINE_B : 0);
		cr_expect_eq(h2c[i].rsvd, 0);
	}
	tg_card_doorbell(card);
	cr_expect_eq(bar_get(&bar, TG_REG_H2C_TAIL), 3);
	cr_expect_eq(tg_card_h2c_space(card), 13);

	/* the card took two: the write-back word says so */
	cr_expect_eq(tg_card_reclaim(card, cookies, 8), 0);
	*wb = 2;
	cr_expect_eq(tg_card_reclaim(card, cookies, 8), 2);
	cr_expect_eq(cookies[0], (void *)100);
	cr_expect_eq(cookies[1], (void *)101);
	cr_expect_eq(tg_card_h2c_space(card), 15);
	cr_expect(!tg_card_drained(card), "one descriptor still outstanding");

	/* filters land at 0x100 + 16 i */
	cr_expect_eq(tg_card_set_filter(card, 2, 0xE9360C6F, 26477, 0), 0);
	cr_expect_eq(bar_get(&bar, 0x120), 0xE9360C6F);
	cr_expect_eq(bar_get(&bar, 0x124), 26477);
	cr_expect_eq(bar_get(&bar, 0x128), TG_FILTER_VALID);
	cr_expect_eq(tg_card_set_filter(card, 7, 0, 0, TG_FILTER_VALID | TG_FILTER_ANY_IP |
					TG_FILTER_ANY_PORT), 0);
	cr_expect_eq(bar_get(&bar, 0x178), 7);
	cr_expect_eq(tg_card_clear_filter(card, 2), 0);
	cr_expect_eq(bar_get(&bar, 0x128), 0);
	cr_expect_eq(bar_get(&bar, 0x120), 0xE9360C6F);
	cr_expect_eq(tg_card_set_filter(card, 8, 0, 0, 0), -EINVAL, "CAPS says 8 entries");
	cr_expect_eq(tg_card_set_filter(card, 0, 0, 0, 1u << 5), -EINVAL);
	cr_expect_eq(tg_card_clear_filter(card, 8), -EINVAL);

	/* a record with the first pass's phase is seen; C2H_HEAD follows release */
	cr_expect_eq(tg_card_poll(card, ev, 8), 0);
	c2h[0].kind = TG_EV_MSG;
	c2h[0].seq = 42;
	c2h[0].flags = TG_EV_FLAG_PHASE;
	c2h[1].kind = TG_EV_GAP;
	c2h[1].flags = TG_EV_FLAG_PHASE | TG_EV_FLAG_LINE_B;
	cr_assert_eq(tg_card_poll(card, ev, 8), 2);
	cr_expect_eq(ev[0], &c2h[0]);
	cr_expect_eq(ev[1], &c2h[1]);
	cr_expect_eq(ev[0]->seq, 42);
	cr_expect_eq(bar_get(&bar, TG_REG_C2H_HEAD), 0, "nothing released yet");
	tg_card_release(card, 2);
	cr_expect_eq(bar_get(&bar, TG_REG_C2H_HEAD), 2);

	/* drained: every descriptor consumed, STATUS idle, nothing to poll */
	*wb = 3;
	cr_expect(!tg_card_drained(card), "STATUS not idle");
	bar_put(&bar, TG_REG_STATUS, TG_STATUS_IDLE);
	cr_expect(tg_card_drained(card));
	c2h[2].flags = TG_EV_FLAG_PHASE;
	cr_expect(!tg_card_drained(card), "a record waits");

	/* counters: 64-bit from lo/hi at 0x400 + 8 c */
	bar_put(&bar, TG_REG_COUNTER(TG_CNT_MESSAGES), 0x89abcdef);
	bar_put(&bar, TG_REG_COUNTER(TG_CNT_MESSAGES) + 4, 0x1234567);
	bar_put(&bar, TG_REG_COUNTER(TG_CNT_NUM - 1), 5);
	tg_card_counters(card, cnt, TG_CNT_NUM);
	cr_expect_eq(cnt[TG_CNT_MESSAGES], 0x0123456789abcdefull);
	cr_expect_eq(cnt[TG_CNT_NUM - 1], 5);
	cr_expect_eq(cnt[TG_CNT_FRAMES_A], 0);

	/* session slot 1 at 0x220 */
	cr_expect(!tg_card_session(card, 1, name, &next, &ended));
	bar_put(&bar, 0x220, 0x30303030);	/* "0000" */
	bar_put(&bar, 0x224, 0x39353031);	/* "1059" */
	bar_put(&bar, 0x228, 0x00004230);	/* "0B" */
	bar_put(&bar, 0x22C, 3);
	bar_put(&bar, 0x230, 0x01220c9d);
	bar_put(&bar, 0x234, 0x2);
	cr_assert(tg_card_session(card, 1, name, &next, &ended));
	cr_expect_arr_eq(name, "000010590B", 10);
	cr_expect_eq(next, 0x201220c9dull);
	cr_expect(ended);
	cr_expect(!tg_card_session(card, 8, name, &next, &ended));

	/* raw access and the non-simulated backends' defaults */
	tg_card_reg_write(card, TG_REG_SCRATCH, 0xfeedf00d);
	cr_expect_eq(bar_get(&bar, TG_REG_SCRATCH), 0xfeedf00d);
	cr_expect_eq(tg_card_reg_read(card, TG_REG_SCRATCH), 0xfeedf00d);
	cr_expect_eq(tg_card_reg_read(card, TG_CARD_BAR_SIZE), 0, "outside the BAR reads 0");
	cr_expect_eq(tg_card_reg_read(card, 2), 0, "unaligned reads 0");
	cr_expect_eq(tg_card_cycles(card), 0);
	cr_expect_eq(tg_card_dma_map(card, frames, sizeof(frames)), 0);

	tg_card_close(card);
	cr_expect_eq(bar_get(&bar, TG_REG_CTRL), 0, "close stops the DMA engine");
	bar_free(&bar);
}

Test(bar, wrong_id_version_or_sizes)
{
	struct tg_card_config cfg = { .backend = "bar" };
	struct tg_bar bar = bar_new();
	struct tg_card *card = (void *)1;

	cr_redirect_stderr();
	bar_put(&bar, TG_REG_ID, 0xffffffff);
	cr_expect_eq(tg_card_attach(&tg_be_bar_ops, &bar, &cfg, &card), -ENODEV);
	cr_expect_null(card);
	bar_put(&bar, TG_REG_ID, TG_CARD_ID);
	bar_put(&bar, TG_REG_VERSION, 0x00020000);
	cr_expect_eq(tg_card_attach(&tg_be_bar_ops, &bar, &cfg, &card), -ENOTSUP);
	bar_put(&bar, TG_REG_VERSION, 0x00010003);
	cfg.c2h_log2 = 10;
	cr_expect_eq(tg_card_attach(&tg_be_bar_ops, &bar, &cfg, &card), -EINVAL);
	cfg.c2h_log2 = 11;
	cfg.h2c_log2 = 17;
	cr_expect_eq(tg_card_attach(&tg_be_bar_ops, &bar, &cfg, &card), -EINVAL);
	cfg.h2c_log2 = 16;
	cfg.c2h_log2 = 16;
	cr_assert_eq(tg_card_attach(&tg_be_bar_ops, &bar, &cfg, &card), 0, "minor versions differ");
	cr_expect_eq(tg_card_h2c_space(card), 65536);
	tg_card_close(card);
	bar_free(&bar);
}

/* ---------------------------------------------------------------- */
/* a counting backend                                                */
/* ---------------------------------------------------------------- */

struct fake {
	uint32_t regs[TG_CARD_BAR_SIZE / 4];
	uint32_t log_off[256];
	uint32_t log_val[256];
	unsigned writes;
	unsigned reads;
	unsigned runs;
	int scratch_broken;
	/* the card's side of the C2H ring, when the test plays the card */
	uint32_t c2h_tail;
	unsigned emit_per_run;
	unsigned runs_busy;	/* run reports busy this many times */
	int consume;		/* run consumes every published descriptor */
};

static struct fake fake;

static uint32_t
fake_read(void *priv, uint32_t off)
{
	struct fake *f = priv;

	f->reads++;
	if (off == TG_REG_SCRATCH && f->scratch_broken)
		return 0xdeadbeef;
	return f->regs[off / 4];
}

static void
fake_write(void *priv, uint32_t off, uint32_t val)
{
	struct fake *f = priv;

	if (f->writes < 256) {
		f->log_off[f->writes] = off;
		f->log_val[f->writes] = val;
	}
	f->writes++;
	if (off == TG_REG_CTRL)
		val &= ~TG_CTRL_RESET;
	f->regs[off / 4] = val;
}

static struct tg_event *
fake_c2h(struct fake *f)
{
	return (struct tg_event *)(uintptr_t)((uint64_t)f->regs[TG_REG_C2H_BASE_HI / 4] << 32 |
					      f->regs[TG_REG_C2H_BASE_LO / 4]);
}

static uint32_t *
fake_wb(struct fake *f)
{
	return (uint32_t *)(uintptr_t)((uint64_t)f->regs[TG_REG_H2C_WB_HI / 4] << 32 |
				       f->regs[TG_REG_H2C_WB_LO / 4]);
}

/* Write n records as the card would: seq = index, phase for the pass. */
static void
fake_emit(struct fake *f, unsigned n)
{
	unsigned log2 = f->regs[TG_REG_C2H_SIZE / 4];
	uint32_t mask = (1u << log2) - 1;
	struct tg_event *ring = fake_c2h(f);

	for (unsigned k = 0; k < n; k++, f->c2h_tail++) {
		struct tg_event ev = { .kind = TG_EV_MSG, .msg_type = 'A' };

		/* never overwrite a record the host still owns */
		cr_assert_lt(f->c2h_tail - f->regs[TG_REG_C2H_HEAD / 4], 1u << log2);
		ev.seq = f->c2h_tail;
		ev.flags = ((f->c2h_tail >> log2) & 1) ? 0 : TG_EV_FLAG_PHASE;
		ring[f->c2h_tail & mask] = ev;
	}
}

static unsigned
fake_run(void *priv, unsigned budget)
{
	struct fake *f = priv;

	cr_expect_eq(budget, 7);
	f->runs++;
	if (f->consume)
		*fake_wb(f) = f->regs[TG_REG_H2C_TAIL / 4];
	if (f->emit_per_run)
		fake_emit(f, f->emit_per_run);
	if (f->runs_busy) {
		f->runs_busy--;
		return 1;
	}
	return 0;
}

static const struct tg_card_ops fake_ops = {
	.name = "fake",
	.reg_read = fake_read,
	.reg_write = fake_write,
};

static const struct tg_card_ops fake_run_ops = {
	.name = "fake-run",
	.reg_read = fake_read,
	.reg_write = fake_write,
	.run = fake_run,
	.run_budget = 7,
};

static struct tg_card *
fake_open(const struct tg_card_ops *ops, unsigned h2c_log2, unsigned c2h_log2)
{
	struct tg_card_config cfg = { .backend = ops->name, .h2c_log2 = h2c_log2,
				      .c2h_log2 = c2h_log2 };
	struct tg_card *card;

	memset(&fake, 0, sizeof(fake));
	fake.regs[TG_REG_ID / 4] = TG_CARD_ID;
	fake.regs[TG_REG_VERSION / 4] = TG_CARD_VERSION;
	fake.regs[TG_REG_CAPS / 4] = 8 | 8 << 8;
	cr_assert_eq(tg_card_attach(ops, &fake, &cfg, &card), 0);
	return card;
}

Test(ring, open_sequence)
{
	static const uint32_t want_off[] = {
		TG_REG_SCRATCH, TG_REG_SCRATCH, TG_REG_SCRATCH, TG_REG_CTRL,
		TG_REG_H2C_BASE_LO, TG_REG_H2C_BASE_HI, TG_REG_H2C_SIZE,
		TG_REG_H2C_WB_LO, TG_REG_H2C_WB_HI,
		TG_REG_C2H_BASE_LO, TG_REG_C2H_BASE_HI, TG_REG_C2H_SIZE,
		TG_REG_CTRL, TG_REG_CTRL,
	};
	struct tg_card *card = fake_open(&fake_ops, 0, 0);

	cr_assert_eq(fake.writes, sizeof(want_off) / sizeof(want_off[0]));
	for (unsigned i = 0; i < fake.writes; i++)
		cr_expect_eq(fake.log_off[i], want_off[i], "write %u to 0x%x", i, fake.log_off[i]);
	cr_expect_eq(fake.log_val[3], 0, "DMA stopped before the bases change");
	cr_expect_eq(fake.log_val[6], 10, "default H2C size 2^10");
	cr_expect_eq(fake.log_val[11], 14, "default C2H size 2^14");
	cr_expect_eq(fake.log_val[12], TG_CTRL_RESET);
	cr_expect_eq(fake.log_val[13], TG_CTRL_ENABLE);
	cr_expect_eq(tg_card_h2c_space(card), 1024);
	fake.writes = 0;
	tg_card_close(card);
	cr_expect_eq(fake.writes, 1);
	cr_expect_eq(fake.log_off[0], TG_REG_CTRL);
	cr_expect_eq(fake.log_val[0], 0);
}

Test(ring, broken_scratch)
{
	struct tg_card_config cfg = { .backend = "fake" };
	struct tg_card *card;

	memset(&fake, 0, sizeof(fake));
	fake.regs[TG_REG_ID / 4] = TG_CARD_ID;
	fake.regs[TG_REG_VERSION / 4] = TG_CARD_VERSION;
	fake.scratch_broken = 1;
	cr_redirect_stderr();
	cr_expect_eq(tg_card_attach(&fake_ops, &fake, &cfg, &card), -EIO);
	cr_expect_null(card);
}

Test(ring, doorbell_once_per_burst)
{
	struct tg_card *card = fake_open(&fake_ops, 6, 11);
	static uint8_t frame[60];
	uint32_t *h2c_tail = &fake.regs[TG_REG_H2C_TAIL / 4];

	fake.writes = fake.reads = 0;
	for (unsigned i = 0; i < 32; i++)
		cr_assert_eq(tg_card_feed_frame(card, frame, 60, 0, NULL), 0);
	cr_expect_eq(fake.writes, 0, "nothing reaches the card before the doorbell");
	tg_card_doorbell(card);
	cr_expect_eq(fake.writes, 1);
	cr_expect_eq(*h2c_tail, 32);
	tg_card_doorbell(card);
	cr_expect_eq(fake.writes, 1, "an empty doorbell writes nothing");
	cr_expect_eq(tg_card_feed_frame(card, frame, 60, 2, NULL), -EINVAL, "line 0 or 1");
	cr_expect_eq(fake.reads, 0, "no register reads on the hot path");
	tg_card_close(card);
}

Test(ring, h2c_full_and_reclaim_order)
{
	struct tg_card *card = fake_open(&fake_ops, 4, 11);
	static uint8_t frame[60];
	uint32_t *wb;
	void *cookies[64];
	uintptr_t fed = 0, back = 0;

	wb = fake_wb(&fake);
	fake.writes = fake.reads = 0;
	for (unsigned i = 0; i < 16; i++)
		cr_assert_eq(tg_card_feed_frame(card, frame, 60, 0, (void *)++fed), 0);
	cr_expect_eq(tg_card_h2c_space(card), 0);
	cr_expect_eq(tg_card_feed_frame(card, frame, 60, 0, (void *)99), -ENOSPC);
	tg_card_doorbell(card);

	/* a write-back beyond what was published is not the card's: ignored */
	*wb = 17;
	cr_expect_eq(tg_card_reclaim(card, cookies, 64), 0);

	/* the card consumed 7: they come back oldest first, in batches */
	*wb = 7;
	cr_assert_eq(tg_card_reclaim(card, cookies, 4), 4);
	for (unsigned i = 0; i < 4; i++)
		cr_expect_eq((uintptr_t)cookies[i], ++back);
	cr_assert_eq(tg_card_reclaim(card, cookies, 64), 3);
	for (unsigned i = 0; i < 3; i++)
		cr_expect_eq((uintptr_t)cookies[i], ++back);
	cr_expect_eq(tg_card_reclaim(card, cookies, 64), 0);
	cr_expect_eq(tg_card_h2c_space(card), 7);
	for (unsigned i = 0; i < 7; i++)
		cr_assert_eq(tg_card_feed_frame(card, frame, 60, 1, (void *)++fed), 0);
	cr_expect_eq(tg_card_feed_frame(card, frame, 60, 0, (void *)99), -ENOSPC);
	tg_card_doorbell(card);

	/* many wraps of the 16-entry ring: order survives */
	for (unsigned round = 0; round < 200; round++) {
		unsigned take = 1 + round % 16, n;

		*wb += take;
		n = tg_card_reclaim(card, cookies, 64);
		cr_assert_eq(n, take);
		for (unsigned i = 0; i < n; i++)
			cr_assert_eq((uintptr_t)cookies[i], ++back);
		while (tg_card_feed_frame(card, frame, 60, 0, (void *)(fed + 1)) == 0)
			fed++;
		tg_card_doorbell(card);
		cr_assert_eq(fake.regs[TG_REG_H2C_TAIL / 4], (uint32_t)fed);
		cr_assert_eq(fed - back, 16);
	}
	cr_expect_eq(fake.reads, 0, "no register reads on the hot path");
	tg_card_close(card);
}

Test(ring, phase_flips_across_wraps)
{
	struct tg_card *card = fake_open(&fake_ops, 4, 11);
	const struct tg_event *ev[300];
	uint32_t host = 0;

	fake.writes = fake.reads = 0;
	/* 2048 records fill the ring exactly; poll stops at the ring's size */
	fake_emit(&fake, 2048);
	cr_assert_eq(tg_card_poll(card, ev, 300), 300);
	for (unsigned i = 0; i < 300; i++, host++)
		cr_assert_eq(ev[i]->seq, host);
	tg_card_release(card, 300);
	while (host < 2048) {
		unsigned n = tg_card_poll(card, ev, 300);

		cr_assert_gt(n, 0);
		for (unsigned i = 0; i < n; i++, host++)
			cr_assert_eq(ev[i]->seq, host);
		tg_card_release(card, n);
	}
	/* every slot now holds a first-pass record: none of them is new */
	cr_expect_eq(tg_card_poll(card, ev, 300), 0);
	cr_expect_eq(ev[0]->flags & TG_EV_FLAG_PHASE, TG_EV_FLAG_PHASE);

	/* second pass: phase 0; third pass: phase 1 again */
	for (unsigned round = 0; round < 120; round++) {
		unsigned n;

		fake_emit(&fake, 1 + (round * 37) % 97);
		while ((n = tg_card_poll(card, ev, 64)) > 0) {
			for (unsigned i = 0; i < n; i++, host++) {
				uint8_t want = ((host >> 11) & 1) ? 0 : TG_EV_FLAG_PHASE;

				cr_assert_eq(ev[i]->seq, host);
				cr_assert_eq(ev[i]->flags & TG_EV_FLAG_PHASE, want);
				cr_assert_eq(ev[i], &fake_c2h(&fake)[host & 2047]);
			}
			tg_card_release(card, n);
		}
		cr_assert_eq(host, fake.c2h_tail);
	}
	cr_expect_gt(host, 3 * 2048, "%u records: at least three wraps", host);
	cr_expect_eq(fake.reads, 0, "poll never reads C2H_TAIL or any register");
	tg_card_close(card);
}

Test(ring, release_batching)
{
	struct tg_card *card = fake_open(&fake_ops, 4, 11);
	const struct tg_event *ev[64];
	uint32_t *head = &fake.regs[TG_REG_C2H_HEAD / 4];

	fake_emit(&fake, 10);
	fake.writes = 0;
	cr_assert_eq(tg_card_poll(card, ev, 64), 10);
	cr_expect_eq(fake.writes, 0);
	tg_card_release(card, 3);
	cr_expect_eq(fake.writes, 1);
	cr_expect_eq(*head, 3);
	tg_card_release(card, 0);
	cr_expect_eq(fake.writes, 1, "releasing nothing writes nothing");
	tg_card_release(card, 100);
	cr_expect_eq(fake.writes, 2);
	cr_expect_eq(*head, 10, "release cannot pass what was polled");
	tg_card_release(card, 1);
	cr_expect_eq(fake.writes, 2);

	/* poll twice, release once: one write for both batches */
	fake_emit(&fake, 20);
	cr_assert_eq(tg_card_poll(card, ev, 5), 5);
	cr_expect_eq(ev[0]->seq, 10);
	cr_assert_eq(tg_card_poll(card, ev, 64), 15);
	cr_expect_eq(ev[0]->seq, 15, "a second poll continues after the first");
	tg_card_release(card, 20);
	cr_expect_eq(fake.writes, 3);
	cr_expect_eq(*head, 30);
	tg_card_close(card);
}

Test(ring, run_only_when_empty)
{
	struct tg_card *card = fake_open(&fake_run_ops, 4, 11);
	const struct tg_event *ev[64];
	static uint8_t frame[60];

	/* an idle card: one run, which reports no progress, ends the poll */
	cr_expect_eq(tg_card_poll(card, ev, 64), 0);
	cr_expect_eq(fake.runs, 1);

	/* records waiting: poll does not run the card */
	fake_emit(&fake, 5);
	cr_expect_eq(tg_card_poll(card, ev, 64), 5);
	cr_expect_eq(fake.runs, 1);
	tg_card_release(card, 5);

	/* a busy card is run until it has as many records as asked for */
	fake.emit_per_run = 3;
	fake.runs_busy = 1000;
	fake.runs = 0;
	cr_expect_eq(tg_card_poll(card, ev, 10), 10);
	cr_expect_eq(fake.runs, 4);
	cr_expect_eq(ev[0]->seq, 5);
	tg_card_release(card, 10);
	cr_expect_eq(tg_card_poll(card, ev, 64), 2, "the leftovers, without running");
	cr_expect_eq(fake.runs, 4);
	tg_card_release(card, 2);

	/* a card that never produces is given a bounded amount of time */
	fake.emit_per_run = 0;
	fake.runs = 0;
	cr_expect_eq(tg_card_poll(card, ev, 64), 0);
	cr_expect_gt(fake.runs, 1);
	cr_expect_leq(fake.runs, 64);

	/*
	 * Descriptors outstanding: once the card has consumed all of them and
	 * written a record, poll returns so the host can feed more.
	 */
	fake.runs_busy = 1000;
	fake.runs = 0;
	cr_assert_eq(tg_card_feed_frame(card, frame, 60, 0, NULL), 0);
	tg_card_doorbell(card);
	fake.emit_per_run = 1;
	fake.consume = 1;
	cr_expect_eq(tg_card_poll(card, ev, 64), 1);
	cr_expect_eq(fake.runs, 1);
	tg_card_release(card, 1);
	tg_card_close(card);
}

/* ---------------------------------------------------------------- */
/* opening by name                                                   */
/* ---------------------------------------------------------------- */

Test(open, vfio_missing_device, .init = cr_redirect_stderr)
{
	struct tg_card_config cfg = { .backend = "vfio", .device = "0000:ff:1f.7" };
	struct tg_card *card = (void *)1;
	char msg[512] = "";
	int rc;

	rc = tg_card_open(&cfg, &card);
	cr_expect(rc == -ENODEV || rc == -ENOENT, "rc %d", rc);
	cr_expect_null(card);
	fflush(stderr);
	fread(msg, 1, sizeof(msg) - 1, cr_get_redirected_stderr());
	cr_expect(strstr(msg, "vfio") && strstr(msg, "0000:ff:1f.7"), "message: %s", msg);
	cr_expect_eq(strchr(msg, '\n'), strrchr(msg, '\n'), "one line: %s", msg);
}

Test(open, vfio_bad_arguments, .init = cr_redirect_stderr)
{
	struct tg_card_config cfg = { .backend = "vfio" };
	struct tg_card *card;

	cr_expect_eq(tg_card_open(&cfg, &card), -EINVAL, "no device");
	cfg.device = "../../../etc";
	cr_expect_eq(tg_card_open(&cfg, &card), -EINVAL, "not a PCI address");
	cfg.device = "ff:1f.7";
	cr_expect_eq(tg_card_open(&cfg, &card), -ENODEV, "short form, no such device");
	cr_expect_null(card);
}

/*
 * A PCI device that exists but is not a card reachable through VFIO (on a
 * machine without an IOMMU: no group; with one: not bound to vfio-pci, or
 * not a tickgate card): open fails with an errno, never crashes.
 */
Test(open, vfio_device_not_a_card, .init = cr_redirect_stderr)
{
	struct tg_card_config cfg = { .backend = "vfio" };
	struct tg_card *card = (void *)1;
	struct dirent *de;
	char bdf[64] = "";
	DIR *d = opendir("/sys/bus/pci/devices");

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && strlen(de->d_name) < sizeof(bdf)) {
			strcpy(bdf, de->d_name);
			break;
		}
	if (d)
		closedir(d);
	if (!bdf[0])
		cr_skip_test("no PCI devices");
	cfg.device = bdf;
	cr_expect_lt(tg_card_open(&cfg, &card), 0, "%s is not a tickgate card", bdf);
	cr_expect_null(card);
}

Test(open, unknown_backend, .init = cr_redirect_stderr)
{
	struct tg_card_config cfg = { .backend = "fpga" };
	struct tg_card *card;

	cr_expect_eq(tg_card_open(&cfg, &card), -EINVAL);
	cr_expect_null(card);
	cr_expect_eq(tg_card_open(NULL, &card), -EINVAL);
	cfg.backend = "bar";
	cr_expect_eq(tg_card_open(&cfg, &card), -EINVAL, "bar is not opened by name");
}

/* ---------------------------------------------------------------- */
/* counter names                                                     */
/* ---------------------------------------------------------------- */

Test(names, counters)
{
	static const char *const named[] = {
		"frames_a", "frames_b", "non_feed", "filtered", "err_truncated",
		"err_ip_header", "err_ip_checksum", "err_udp_length", "err_mold_header",
		"err_session_full", "mold_packets", "heartbeats", "end_of_session",
		"messages", "duplicates", "gaps", "gap_messages", "err_msg_overrun",
		"err_unknown_type", "err_msg_length", "err_short_packet", "c2h_drops",
		"h2c_descs", "err_desc", "crypto_jobs", "crypto_bytes", "crypto_tag_fail",
		"crypto_bad_job", "crypto_waits",
	};

	for (unsigned c = 0; c < 29; c++)
		cr_expect_str_eq(tg_counter_name(c), named[c]);
	cr_expect_str_eq(tg_counter_name(TG_CNT_ERR_DESC), "err_desc");
	cr_expect_str_eq(tg_counter_name(TG_CNT_GAP_MESSAGES), "gap_messages");
	for (unsigned c = 29; c < 32; c++)
		cr_expect_str_eq(tg_counter_name(c), "");
	for (unsigned t = 0; t < TG_ITCH_NTYPES; t++) {
		char want[32];

		snprintf(want, sizeof(want), "msg_type_%c", tg_itch_types[t].type);
		cr_expect_str_eq(tg_counter_name(TG_CNT_MSG_TYPE0 + t), want);
	}
	cr_expect_str_eq(tg_counter_name(TG_CNT_MSG_TYPE0 + 10), "msg_type_A");
	cr_expect_str_eq(tg_counter_name(TG_CNT_MSG_TYPE0 + 9), "msg_type_h");
	cr_expect_str_eq(tg_counter_name(TG_CNT_NUM), "");
	cr_expect_str_eq(tg_counter_name(1000), "");
}
