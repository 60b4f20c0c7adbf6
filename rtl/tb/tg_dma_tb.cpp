/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test bench of the DMA engine and the card's top level, through the
 * Verilated card of sim/tg_vcard.h: rings in malloc'd memory, frames of
 * MoldUDP64 System Event messages, and a host written from the contract
 * (docs/card-interface.md sections 2-4), not from the RTL.
 *
 * Every record is checked against the message that made it: kind, type,
 * session slot, line flag, phase bit and sequence number, so a lost,
 * duplicated, reordered or overwritten record is caught. Also checked:
 * descriptor consumption and ERR_DESC/H2C_DESCS, the head write-back, the
 * C2H wait rule when the host stops consuming, CTRL.RESET idle and in
 * flight, the register map, and all of it again with a slow, stalling
 * memory (tg_vcard_set_mem_timing). The last part measures throughput.
 *
 * Usage: tg_dma_tb [--frames N]   exit status 0 when every check passes.
 */
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tg_card_abi.h"
#include "tg_vcard.h"

#define TB_FRAME_STRIDE		9232	/* per H2C slot: a jumbo frame + misalignment */
#define TB_MAX_RECORDS		(1u << 22)
#define TB_SESSION		"TGTEST0001"
#define TB_MSG_LEN		12	/* System Event */

static unsigned tb_fails;

#define TB_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		tb_fails++;						\
		fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

struct tb {
	struct tg_vcard *vc;
	unsigned hlog, clog;
	struct tg_h2c_desc *h2c;
	uint8_t *frames;		/* TB_FRAME_STRIDE bytes per H2C slot */
	struct tg_event *c2h;
	uint32_t *wb;			/* head write-back word */
	uint32_t h2c_tail;		/* host producer index */
	uint32_t c2h_cons;		/* host consumer index */
	uint64_t mold_seq;		/* next MoldUDP64 sequence number */
	/* expected records, in order: the line of each (record r has seq r) */
	uint8_t *exp_line;
	uint32_t exp_count;
	uint32_t descs, bad_descs;	/* pushed since the last reset */
};

/* Host memory, 4 KiB aligned and zeroed. */
static void *
tb_alloc(size_t n)
{
	void *p = aligned_alloc(4096, (n + 4095) & ~(size_t)4095);

	if (!p) {
		perror("aligned_alloc");
		exit(1);
	}
	memset(p, 0, n);
	return p;
}

static void
tb_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void
tb_put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = v >> (8 * (n - 1 - i));
}

/*
 * An Ethernet/IPv4/UDP/MoldUDP64 frame of nmsg System Event messages
 * starting at seq, padded with zeros to pad bytes if longer. Returns the
 * frame length.
 */
static size_t
tb_build_frame(uint8_t *f, unsigned nmsg, uint64_t seq, size_t pad)
{
	size_t udp_len = 8 + 20 + nmsg * (2 + TB_MSG_LEN);
	size_t ip_len = 20 + udp_len;
	size_t len = 14 + ip_len;
	uint8_t *ip = f + 14, *udp = ip + 20, *mold = udp + 8, *m;
	uint32_t sum = 0;

	/* the destination MAC's first byte holds the message count */
	f[0] = nmsg;
	memcpy(f + 1, "\x00\x5e\x36\x0c\x6f", 5);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	tb_put16(f + 12, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	tb_put16(ip + 2, ip_len);
	tb_put16(ip + 4, 0);
	tb_put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 17;
	tb_put16(ip + 10, 0);
	memcpy(ip + 12, "\x0a\x00\x00\x01", 4);
	memcpy(ip + 16, "\xe9\x36\x0c\x6f", 4);
	for (unsigned i = 0; i < 20; i += 2)
		sum += ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	tb_put16(ip + 10, ~sum);
	tb_put16(udp, 40000);
	tb_put16(udp + 2, 26477);
	tb_put16(udp + 4, udp_len);
	tb_put16(udp + 6, 0);
	memcpy(mold, TB_SESSION, 10);
	tb_put_be(mold + 10, seq, 8);
	tb_put16(mold + 18, nmsg);
	m = mold + 20;
	for (unsigned k = 0; k < nmsg; k++, m += 2 + TB_MSG_LEN) {
		tb_put16(m, TB_MSG_LEN);
		m[2] = 'S';
		tb_put16(m + 3, 0);
		tb_put16(m + 5, 0);
		tb_put_be(m + 7, 34200000000000ull + seq + k, 6);
		m[13] = 'O';
	}
	if (pad > len) {
		memset(f + len, 0, pad - len);
		len = pad;
	}
	return len;
}

static uint32_t
tb_wb_head(const struct tb *t)
{
	return __atomic_load_n(t->wb, __ATOMIC_ACQUIRE);
}

static unsigned
tb_h2c_space(const struct tb *t)
{
	return (1u << t->hlog) - (t->h2c_tail - tb_wb_head(t));
}

/* Queue one descriptor (no doorbell). */
static void
tb_push_desc(struct tb *t, uint64_t addr, uint16_t len, uint8_t kind, uint8_t flags)
{
	struct tg_h2c_desc *d = &t->h2c[t->h2c_tail & ((1u << t->hlog) - 1)];

	d->addr = addr;
	d->len = len;
	d->kind = kind;
	d->flags = flags;
	d->rsvd = 0;
	t->h2c_tail++;
	t->descs++;
}

/* Queue a feed frame of nmsg messages on line (0 A, 1 B), padded to pad. */
static void
tb_push_frame(struct tb *t, unsigned nmsg, unsigned line, size_t pad)
{
	uint32_t slot = t->h2c_tail & ((1u << t->hlog) - 1);
	/* each slot's frame starts at a different byte alignment */
	uint8_t *f = t->frames + (size_t)slot * TB_FRAME_STRIDE + slot % 8;
	size_t len = tb_build_frame(f, nmsg, t->mold_seq, pad);

	tb_push_desc(t, (uint64_t)(uintptr_t)f, len, TG_DESC_FEED_FRAME, line);
	t->mold_seq += nmsg;
	for (unsigned k = 0; k < nmsg; k++)
		t->exp_line[t->exp_count++] = line;
}

static void
tb_push_bad(struct tb *t, uint8_t kind, uint16_t len)
{
	uint32_t slot = t->h2c_tail & ((1u << t->hlog) - 1);
	uint8_t *f = t->frames + (size_t)slot * TB_FRAME_STRIDE;

	tb_push_desc(t, (uint64_t)(uintptr_t)f, len, kind, 0);
	t->bad_descs++;
}

static void
tb_doorbell(struct tb *t)
{
	tg_vcard_reg_write(t->vc, TG_REG_H2C_TAIL, t->h2c_tail);
}

/*
 * Read new records, checking each against the message that made it.
 * Returns how many were read; stops at the first record not yet written.
 */
static unsigned
tb_poll(struct tb *t)
{
	uint32_t mask = (1u << t->clog) - 1;
	unsigned n = 0;

	for (;;) {
		const struct tg_event *e = &t->c2h[t->c2h_cons & mask];
		uint8_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
		unsigned phase = 1 - ((t->c2h_cons >> t->clog) & 1);
		uint32_t r = t->c2h_cons;

		if ((flags >> 7) != phase)
			break;
		if (r >= t->exp_count) {
			TB_CHECK(0, "record %" PRIu32 " was never sent", r);
		} else {
			TB_CHECK(e->kind == TG_EV_MSG && e->msg_type == 'S' &&
				 e->session == 0 && e->seq == r &&
				 (flags & 0x7F) == t->exp_line[r],
				 "record %" PRIu32 ": kind %u type %c session %u flags %#x seq %" PRIu64
				 " (line %u expected)", r, e->kind, e->msg_type,
				 e->session, flags, e->seq, t->exp_line[r]);
		}
		t->c2h_cons++;
		n++;
	}
	return n;
}

static void
tb_release(struct tb *t)
{
	tg_vcard_reg_write(t->vc, TG_REG_C2H_HEAD, t->c2h_cons);
}

static uint64_t
tb_counter(struct tb *t, unsigned c)
{
	uint32_t lo = tg_vcard_reg_read(t->vc, TG_REG_COUNTER(c));
	uint32_t hi = tg_vcard_reg_read(t->vc, TG_REG_COUNTER(c) + 4);

	return (uint64_t)hi << 32 | lo;
}

/*
 * Run the card, consuming and releasing records as they come, until every
 * descriptor is consumed, every expected record read and STATUS is IDLE.
 * Returns the cycles taken, or 0 on timeout.
 */
static uint64_t
tb_drain(struct tb *t, uint64_t max_cycles)
{
	uint64_t start = tg_vcard_cycles(t->vc);

	while (tg_vcard_cycles(t->vc) - start < max_cycles) {
		tg_vcard_tick(t->vc, 64);
		if (tb_poll(t))
			tb_release(t);
		if (tb_wb_head(t) == t->h2c_tail && t->c2h_cons == t->exp_count &&
		    (tg_vcard_reg_read(t->vc, TG_REG_STATUS) & TG_STATUS_IDLE))
			return tg_vcard_cycles(t->vc) - start;
	}
	return 0;
}

/*
 * Set the rings up and start the card: bases, sizes, write-back, filter
 * 0 matching everything, RESET, ENABLE. Host indices restart at 0.
 */
static void
tb_start(struct tb *t)
{
	struct tg_vcard *vc = t->vc;
	uint64_t h = (uint64_t)(uintptr_t)t->h2c, c = (uint64_t)(uintptr_t)t->c2h;
	uint64_t w = (uint64_t)(uintptr_t)t->wb;

	memset(t->c2h, 0, (size_t)64 << t->clog);
	*t->wb = 0;
	tg_vcard_reg_write(vc, TG_REG_CTRL, 0);
	tg_vcard_reg_write(vc, TG_REG_H2C_BASE_LO, (uint32_t)h);
	tg_vcard_reg_write(vc, TG_REG_H2C_BASE_HI, (uint32_t)(h >> 32));
	tg_vcard_reg_write(vc, TG_REG_H2C_SIZE, t->hlog);
	tg_vcard_reg_write(vc, TG_REG_H2C_WB_LO, (uint32_t)w);
	tg_vcard_reg_write(vc, TG_REG_H2C_WB_HI, (uint32_t)(w >> 32));
	tg_vcard_reg_write(vc, TG_REG_C2H_BASE_LO, (uint32_t)c);
	tg_vcard_reg_write(vc, TG_REG_C2H_BASE_HI, (uint32_t)(c >> 32));
	tg_vcard_reg_write(vc, TG_REG_C2H_SIZE, t->clog);
	tg_vcard_reg_write(vc, TG_REG_FILTER(0) + TG_FILTER_CTRL,
			   TG_FILTER_VALID | TG_FILTER_ANY_IP | TG_FILTER_ANY_PORT);
	tg_vcard_reg_write(vc, TG_REG_CTRL, TG_CTRL_RESET);
	tg_vcard_reg_write(vc, TG_REG_CTRL, TG_CTRL_ENABLE);
	t->h2c_tail = 0;
	t->c2h_cons = 0;
	t->mold_seq = 0;
	t->exp_count = 0;
	t->descs = 0;
	t->bad_descs = 0;
}

/* A test bench with rings of 2^hlog descriptors and 2^clog records. */
static void
tb_init(struct tb *t, struct tg_vcard *vc, unsigned hlog, unsigned clog)
{
	memset(t, 0, sizeof(*t));
	t->vc = vc;
	t->hlog = hlog;
	t->clog = clog;
	t->h2c = (struct tg_h2c_desc *)tb_alloc((size_t)16 << hlog);
	t->frames = (uint8_t *)tb_alloc((size_t)TB_FRAME_STRIDE << hlog);
	t->c2h = (struct tg_event *)tb_alloc((size_t)64 << clog);
	/* the write-back word sits mid-line, to check the strobe */
	t->wb = (uint32_t *)tb_alloc(64) + 5;
	t->exp_line = (uint8_t *)tb_alloc(TB_MAX_RECORDS);
}

static void
tb_fini(struct tb *t)
{
	free(t->h2c);
	free(t->frames);
	free(t->c2h);
	free(t->wb - 5);
	free(t->exp_line);
}

/* Check the DMA engine's counters and indices once drained. */
static void
tb_check_drained(struct tb *t, const char *what)
{
	TB_CHECK(tb_wb_head(t) == t->h2c_tail, "%s: write-back %u, tail %u", what,
		 tb_wb_head(t), t->h2c_tail);
	TB_CHECK(tg_vcard_reg_read(t->vc, TG_REG_H2C_HEAD) == t->h2c_tail,
		 "%s: H2C_HEAD", what);
	TB_CHECK(tg_vcard_reg_read(t->vc, TG_REG_C2H_TAIL) == t->exp_count,
		 "%s: C2H_TAIL %u, %u records", what,
		 tg_vcard_reg_read(t->vc, TG_REG_C2H_TAIL), t->exp_count);
	TB_CHECK(tb_counter(t, TG_CNT_H2C_DESCS) == t->descs, "%s: H2C_DESCS %" PRIu64
		 ", %u pushed", what, tb_counter(t, TG_CNT_H2C_DESCS), t->descs);
	TB_CHECK(tb_counter(t, TG_CNT_ERR_DESC) == t->bad_descs, "%s: ERR_DESC %" PRIu64
		 ", %u bad", what, tb_counter(t, TG_CNT_ERR_DESC), t->bad_descs);
	TB_CHECK(tb_counter(t, TG_CNT_C2H_DROPS) == 0, "%s: C2H_DROPS", what);
}

/* ---- the tests ---- */

/* Identity, read/write and read-only registers, unmapped offsets. */
static void
test_regs(struct tg_vcard *vc)
{
	static const uint32_t unmapped[] = { 0x018, 0x01C, 0x054, 0x0FC, 0x180,
		0x300, 0x3FC, 0x5C0, 0x600, 0xFFC, 0x002, 0x4A9 };

	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_ID) == TG_CARD_ID, "ID");
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_VERSION) == TG_CARD_VERSION, "VERSION");
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_CAPS) == 0x03080808u, "CAPS %#x",
		 tg_vcard_reg_read(vc, TG_REG_CAPS));
	tg_vcard_reg_write(vc, TG_REG_SCRATCH, 0xA5A55A5Au);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_SCRATCH) == 0xA5A55A5Au, "SCRATCH");
	tg_vcard_reg_write(vc, TG_REG_SCRATCH, 0x12345678u);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_SCRATCH) == 0x12345678u, "SCRATCH 2");
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_STATUS) == TG_STATUS_IDLE, "STATUS after reset");
	tg_vcard_reg_write(vc, TG_REG_CTRL, TG_CTRL_RESET);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_CTRL) == 0, "CTRL.RESET reads 0");
	tg_vcard_reg_write(vc, TG_REG_H2C_SIZE, 0xFFFFFFF5u);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_H2C_SIZE) == 0x15, "H2C_SIZE keeps 5 bits");
	tg_vcard_reg_write(vc, TG_REG_C2H_BASE_HI, 0xDEADBEEFu);
	tg_vcard_reg_write(vc, TG_REG_C2H_BASE_LO, 0x12345640u);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_C2H_BASE_HI) == 0xDEADBEEFu &&
		 tg_vcard_reg_read(vc, TG_REG_C2H_BASE_LO) == 0x12345640u, "C2H_BASE");
	tg_vcard_reg_write(vc, TG_REG_H2C_HEAD, 77);
	tg_vcard_reg_write(vc, TG_REG_C2H_TAIL, 77);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_H2C_HEAD) == 0 &&
		 tg_vcard_reg_read(vc, TG_REG_C2H_TAIL) == 0, "read-only indices");
	tg_vcard_reg_write(vc, TG_REG_C2H_HEAD, 99);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_C2H_HEAD) == 99, "C2H_HEAD");
	tg_vcard_reg_write(vc, TG_REG_CTRL, TG_CTRL_RESET);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_C2H_HEAD) == 0, "RESET clears C2H_HEAD");
	for (unsigned i = 0; i < sizeof(unmapped) / sizeof(unmapped[0]); i++) {
		tg_vcard_reg_write(vc, unmapped[i], 0xFFFFFFFFu);
		TB_CHECK(tg_vcard_reg_read(vc, unmapped[i]) == 0, "unmapped %#x reads %#x",
			 unmapped[i], tg_vcard_reg_read(vc, unmapped[i]));
	}
	TB_CHECK(tg_vcard_reg_read(vc, 0x1000) == 0, "outside the BAR");
	/* a filter register lives in the feed pipeline: reads back through the top */
	tg_vcard_reg_write(vc, TG_REG_FILTER(3) + TG_FILTER_DST_PORT, 26477);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_FILTER(3) + TG_FILTER_DST_PORT) == 26477,
		 "FILTER[3].DST_PORT through the top");
	tg_vcard_reg_write(vc, TG_REG_FILTER(3) + TG_FILTER_DST_PORT, 0);
	/* back-to-back reads of both windows, each the data of its own address */
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_ID) == TG_CARD_ID &&
		 tg_vcard_reg_read(vc, TG_REG_COUNTER(0)) == 0 &&
		 tg_vcard_reg_read(vc, TG_REG_VERSION) == TG_CARD_VERSION, "window switch");
	tg_vcard_reg_write(vc, TG_REG_H2C_SIZE, 0);
	tg_vcard_reg_write(vc, TG_REG_C2H_BASE_HI, 0);
	tg_vcard_reg_write(vc, TG_REG_C2H_BASE_LO, 0);
}

/*
 * Frames on both lines with bad descriptors among them, through a
 * 16-entry H2C ring that wraps several times; a jumbo frame; a 1-byte
 * frame (good descriptor, nothing to decode).
 */
static void
test_basic(struct tg_vcard *vc)
{
	struct tb t;
	unsigned n = 0;

	tb_init(&t, vc, 4, 11);
	tb_start(&t);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_STATUS) & TG_STATUS_IDLE, "idle when empty");
	while (n < 120) {
		unsigned batch = 1 + n % 7;

		while (batch-- && tb_h2c_space(&t) > 0) {
			switch (n % 11) {
			case 3:
				tb_push_bad(&t, 0, 100);
				break;
			case 5:
				tb_push_bad(&t, TG_DESC_FEED_FRAME, 0);
				break;
			case 7:
				tb_push_bad(&t, TG_DESC_FEED_FRAME, TG_MAX_FRAME + 1);
				break;
			case 9:
				tb_push_bad(&t, 2, 64);
				break;
			default:
				tb_push_frame(&t, 1 + (n * 37) % 60, (n / 3) & 1, 0);
				break;
			}
			n++;
		}
		tb_doorbell(&t);
		tg_vcard_tick(vc, 100 + (n * 53) % 300);
		if (tb_poll(&t))
			tb_release(&t);
	}
	/* a jumbo frame (padding after the datagram), then a 1-byte frame */
	while (tb_h2c_space(&t) < 2) {
		tg_vcard_tick(vc, 64);
		if (tb_poll(&t))
			tb_release(&t);
	}
	tb_push_frame(&t, 100, 1, TG_MAX_FRAME);
	{
		uint32_t slot = t.h2c_tail & ((1u << t.hlog) - 1);
		uint8_t *f = t.frames + (size_t)slot * TB_FRAME_STRIDE;

		f[0] = 0;
		tb_push_desc(&t, (uint64_t)(uintptr_t)f, 1, TG_DESC_FEED_FRAME, 0);
	}
	tb_doorbell(&t);
	TB_CHECK(!(tg_vcard_reg_read(vc, TG_REG_STATUS) & TG_STATUS_IDLE),
		 "busy after the doorbell");
	TB_CHECK(tb_drain(&t, 2000000) != 0, "drain: head %u of %u, %u of %u records",
		 tb_wb_head(&t), t.h2c_tail, t.c2h_cons, t.exp_count);
	tb_check_drained(&t, "basic");
	TB_CHECK(t.bad_descs > 30 && t.exp_count > 2000, "coverage: %u bad, %u records",
		 t.bad_descs, t.exp_count);
	printf("basic: %u descriptors (%u bad), %u records, C2H wrapped %u times\n",
	       t.descs, t.bad_descs, t.exp_count, t.exp_count >> t.clog);
	tb_fini(&t);
}

/*
 * The wait rule: the host stops consuming; the card fills the ring and
 * waits, no record is dropped or overwritten, the H2C ring stops moving.
 * When the host consumes again everything arrives.
 */
static void
test_wait(struct tg_vcard *vc)
{
	struct tb t;
	const unsigned nmsg = 60;
	/* the frame's reservation: len / 8 + 2 */
	const unsigned resv = (14 + 20 + 8 + 20 + nmsg * 14) / 8 + 2;
	uint32_t tail, head;

	tb_init(&t, vc, 6, 11);
	tb_start(&t);
	for (unsigned i = 0; i < 60; i++)
		tb_push_frame(&t, nmsg, i & 1, 0);
	tb_doorbell(&t);
	tg_vcard_tick(vc, 200000);
	tb_poll(&t);	/* read, not released */
	tail = tg_vcard_reg_read(vc, TG_REG_C2H_TAIL);
	head = tg_vcard_reg_read(vc, TG_REG_H2C_HEAD);
	TB_CHECK(tail <= 2048 && tail + resv > 2048, "C2H_TAIL %u: full but for less than"
		 " one frame's reservation (%u)", tail, resv);
	TB_CHECK(t.c2h_cons == tail, "records read %u, C2H_TAIL %u", t.c2h_cons, tail);
	TB_CHECK(head < t.h2c_tail && tb_wb_head(&t) == head, "H2C stopped: head %u, wb %u",
		 head, tb_wb_head(&t));
	TB_CHECK(!(tg_vcard_reg_read(vc, TG_REG_STATUS) & TG_STATUS_IDLE), "waiting is not idle");
	TB_CHECK(tb_counter(&t, TG_CNT_C2H_DROPS) == 0, "no drops while waiting");
	/* no more progress while the host holds the ring */
	tg_vcard_tick(vc, 20000);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_C2H_TAIL) == tail, "still waiting");
	printf("wait: host holding the ring, card stopped at C2H_TAIL %u, H2C_HEAD %u of %u\n",
	       tail, head, t.h2c_tail);
	/* release half, then everything */
	tg_vcard_reg_write(vc, TG_REG_C2H_HEAD, t.c2h_cons / 2);
	tg_vcard_tick(vc, 50000);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_C2H_TAIL) - t.c2h_cons / 2 <= 2048,
		 "half released: never past the host's head");
	tb_poll(&t);
	tb_release(&t);
	TB_CHECK(tb_drain(&t, 2000000) != 0, "drain after release: %u of %u records",
		 t.c2h_cons, t.exp_count);
	tb_check_drained(&t, "wait");
	tb_fini(&t);
}

/*
 * CTRL.RESET with frames in flight: the card drops what it was doing,
 * every index and counter reads 0, and a restart on fresh rings decodes
 * correctly (no stale beat or record leaks into it).
 */
static void
test_reset(struct tg_vcard *vc)
{
	struct tb t;

	tb_init(&t, vc, 6, 11);
	for (unsigned delay = 3; delay < 400; delay += 37) {
		unsigned bad = 0;

		tb_start(&t);
		for (unsigned i = 0; i < 30; i++)
			tb_push_frame(&t, 40, i & 1, 0);
		tb_doorbell(&t);
		tg_vcard_tick(vc, delay);
		tg_vcard_reg_write(vc, TG_REG_CTRL, TG_CTRL_RESET);
		for (unsigned c = 0; c < TG_CNT_NUM; c++) {
			uint64_t v = tb_counter(&t, c);

			TB_CHECK(v == 0, "after RESET at cycle %u: counter %u is %" PRIu64,
				 delay, c, v);
		}
		bad |= (tg_vcard_reg_read(vc, TG_REG_H2C_HEAD) != 0) << 0;
		bad |= (tg_vcard_reg_read(vc, TG_REG_H2C_TAIL) != 0) << 1;
		bad |= (tg_vcard_reg_read(vc, TG_REG_C2H_HEAD) != 0) << 2;
		bad |= (tg_vcard_reg_read(vc, TG_REG_C2H_TAIL) != 0) << 3;
		TB_CHECK(bad == 0, "after RESET at cycle %u: H2C_HEAD, H2C_TAIL, C2H_HEAD, "
			 "C2H_TAIL not cleared: mask %#x", delay, bad);
		/* reads already issued drain, then the card is idle */
		for (unsigned i = 0; i < 100 &&
		     !(tg_vcard_reg_read(vc, TG_REG_STATUS) & TG_STATUS_IDLE); i++)
			tg_vcard_tick(vc, 100);
		TB_CHECK(tg_vcard_reg_read(vc, TG_REG_STATUS) & TG_STATUS_IDLE,
			 "idle after RESET at cycle %u", delay);

		/* restart: fresh rings, sequence numbers from 0 again */
		tb_start(&t);
		for (unsigned i = 0; i < 20; i++)
			tb_push_frame(&t, 1 + i, i & 1, 0);
		tb_doorbell(&t);
		TB_CHECK(tb_drain(&t, 1000000) != 0, "drain after RESET at %u: %u of %u records",
			 delay, t.c2h_cons, t.exp_count);
		tb_check_drained(&t, "reset");
	}
	tb_fini(&t);
}

/*
 * A slow, irregular memory: long read latency and stalls on both ports
 * under the tests above; then a write port so slow that records pile up in
 * the card's FIFO and the frame stream into the feed must pause, without
 * losing a record.
 */
static void
test_stalls(struct tg_vcard *vc)
{
	struct tb t;

	tg_vcard_set_mem_timing(vc, 37, 30, 30);
	test_basic(vc);
	test_wait(vc);
	test_reset(vc);

	tg_vcard_set_mem_timing(vc, 4, 0, 85);
	tb_init(&t, vc, 10, 14);
	tb_start(&t);
	for (unsigned pushed = 0; pushed < 300; ) {
		while (pushed < 300 && tb_h2c_space(&t) > 0)
			tb_push_frame(&t, 100, pushed++ & 1, 0);
		tb_doorbell(&t);
		tg_vcard_tick(vc, 1024);
		if (tb_poll(&t))
			tb_release(&t);
	}
	TB_CHECK(tb_drain(&t, 4000000) != 0, "slow writes: %u of %u records", t.c2h_cons,
		 t.exp_count);
	tb_check_drained(&t, "slow writes");
	printf("stalls: latency 37, 30%% stalls; then 85%% of writes refused: %u records, "
	       "no drop\n", t.exp_count);
	tb_fini(&t);
	tg_vcard_set_mem_timing(vc, 4, 0, 0);
}

/*
 * Back-to-back frames with the host keeping up: how close the feed gets to
 * one beat per clock, and how fast the Verilated card runs.
 */
static void
test_throughput(struct tg_vcard *vc, unsigned frames, unsigned nmsg)
{
	struct tb t;
	uint64_t cycles = 0, beats = 0, desc_beats = 0;
	unsigned pushed = 0;
	size_t flen = 14 + 20 + 8 + 20 + nmsg * 14;

	tb_init(&t, vc, 10, 14);
	tb_start(&t);
	auto t0 = std::chrono::steady_clock::now();
	uint64_t c0 = tg_vcard_cycles(vc);
	while (pushed < frames) {
		while (pushed < frames && tb_h2c_space(&t) > 0) {
			tb_push_frame(&t, nmsg, pushed & 1, 0);
			pushed++;
		}
		tb_doorbell(&t);
		tg_vcard_tick(vc, 256);
		if (tb_poll(&t))
			tb_release(&t);
	}
	TB_CHECK(tb_drain(&t, 100000000) != 0, "throughput drain");
	cycles = tg_vcard_cycles(vc) - c0;
	auto t1 = std::chrono::steady_clock::now();
	double s = std::chrono::duration<double>(t1 - t0).count();

	tb_check_drained(&t, "throughput");
	beats = (uint64_t)frames * ((flen + 7) / 8);
	desc_beats = (uint64_t)frames * 2;
	printf("throughput: %u frames of %zu bytes (%u messages): %" PRIu64 " cycles, "
	       "%.3f frame beats per cycle (read port %.3f incl. descriptors), "
	       "%.2f records per 100 cycles\n",
	       frames, flen, nmsg, cycles, (double)beats / cycles,
	       (double)(beats + desc_beats) / cycles, 100.0 * t.exp_count / cycles);
	printf("throughput: Verilated card %.2f M cycles/s, %.2f M messages/s (%.2f s)\n",
	       cycles / s / 1e6, t.exp_count / s / 1e6, s);
	tb_fini(&t);
}

int
main(int argc, char **argv)
{
	unsigned frames = 4000;
	struct tg_vcard *vc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--frames") && i + 1 < argc)
			frames = strtoul(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: %s [--frames N]\n", argv[0]);
			return 2;
		}
	}
	vc = tg_vcard_new();
	if (!vc) {
		fprintf(stderr, "tg_vcard_new failed\n");
		return 1;
	}
	if (getenv("TG_DMA_TB_VCD"))
		tg_vcard_trace(vc, getenv("TG_DMA_TB_VCD"));
	test_regs(vc);
	test_basic(vc);
	test_wait(vc);
	test_reset(vc);
	test_stalls(vc);
	test_throughput(vc, frames, 20);
	test_throughput(vc, frames / 4, 100);
	tg_vcard_set_mem_timing(vc, 100, 0, 0);
	printf("read latency 100 cycles:\n");
	test_throughput(vc, frames / 4, 20);
	tg_vcard_set_mem_timing(vc, 4, 0, 0);
	tg_vcard_free(vc);
	if (tb_fails) {
		printf("tg_dma_tb: %u checks FAILED\n", tb_fails);
		return 1;
	}
	printf("tg_dma_tb: all checks passed\n");
	return 0;
}
