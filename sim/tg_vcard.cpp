/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Verilated card (rtl/tg_card_top.v) behind the C interface of
 * tg_vcard.h. The card's host-memory ports are served from this process's
 * memory: a 64-bit address on the ports is a virtual address (IOVA = VA).
 *
 * Memory timing, fixed so that runs are reproducible:
 *  - read requests are accepted whenever fewer than TG_VCARD_RD_QUEUE are
 *    outstanding, answered in request order, the first beat
 *    TG_VCARD_RD_LATENCY cycles after the request was accepted, then one
 *    8-byte beat per cycle while the card is ready;
 *  - writes are accepted in the cycle they are offered and land in memory
 *    before the clock edge, bytes chosen by the strobe. A whole line is
 *    stored with byte 3 (a record's flags, with the phase bit) last, so a
 *    reader on another thread that sees the phase sees the record.
 * tg_vcard_set_mem_timing() changes the latency and adds random stalls
 * on both ports, for tests; tg_vcard_watch() counts the accesses that
 * touch an address range (a test that a job touches no memory).
 * Addresses below TG_VCARD_LOW_GUARD read as zeros and ignore writes: an
 * unset ring base faults in a real IOMMU, here it must not crash the host.
 */
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "Vtg_card_top.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_vcd_c.h"
#endif

#include "tg_vcard.h"

#define TG_VCARD_RD_LATENCY	4	/* cycles from request accepted to first beat */
#define TG_VCARD_RD_LATENCY_MAX	1000
#define TG_VCARD_RD_QUEUE	32	/* read requests outstanding, at most */
#define TG_VCARD_RESET_CYCLES	8
#define TG_VCARD_LOW_GUARD	0x10000u

struct tg_vcard_rd {
	uint64_t addr;
	uint32_t len;
	uint64_t due;		/* cycle of the first beat */
};

struct tg_vcard {
	VerilatedContext *ctx;
	Vtg_card_top *top;
	uint64_t cycles;

	/* read requests in order; the head one is being answered */
	struct tg_vcard_rd rd[TG_VCARD_RD_QUEUE];
	unsigned rd_head;
	unsigned rd_count;
	uint32_t rd_off;	/* bytes of the head request already sent */
	unsigned rd_latency;
	bool rd_offered;	/* a beat offered and not taken: offer it again */

	/* stalls: a cycle stalls a port when a draw is below its threshold */
	uint32_t rd_stall;	/* 0: never */
	uint32_t wr_stall;
	uint64_t rng;

	/* accesses touching [watch_lo, watch_hi) */
	uint64_t watch_lo, watch_hi;
	uint64_t watch_hits;

#if VM_TRACE
	VerilatedVcdC *vcd;
#endif
};

/* Copy n bytes of host memory at addr to dst, zeros for guarded addresses. */
static inline void
tg_vcard_load(void *dst, uint64_t addr, unsigned n)
{
	if (addr < TG_VCARD_LOW_GUARD)
		memset(dst, 0, n);
	else
		memcpy(dst, (const void *)(uintptr_t)addr, n);
}

/*
 * Apply one line write: the bytes whose strobe bit is set. A whole line
 * goes in with its byte 3 last (release), the phase bit's byte of a record.
 */
static inline void
tg_vcard_store(uint64_t addr, const uint8_t *data, uint64_t strb)
{
	uint8_t *dst = (uint8_t *)(uintptr_t)addr;
	unsigned k;

	if (addr < TG_VCARD_LOW_GUARD)
		return;
	if (strb == ~(uint64_t)0) {
		memcpy(dst, data, 3);
		memcpy(dst + 4, data + 4, 60);
		__atomic_store_n(dst + 3, data[3], __ATOMIC_RELEASE);
		return;
	}
	/* one aligned dword (the head write-back): one store */
	k = __builtin_ctzll(strb | 1ull << 63);
	if ((k & 3) == 0 && strb == 0xFull << k) {
		uint32_t w;

		memcpy(&w, data + k, 4);
		__atomic_store_n((uint32_t *)(dst + k), w, __ATOMIC_RELEASE);
		return;
	}
	while (strb) {
		k = __builtin_ctzll(strb);
		dst[k] = data[k];
		strb &= strb - 1;
	}
}

/* Record the current signal values in the waveform, if one is open. */
static inline void
tg_vcard_dump(struct tg_vcard *vc, uint64_t t)
{
#if VM_TRACE
	if (vc->vcd)
		vc->vcd->dump(t);
#else
	(void)vc;
	(void)t;
#endif
}

/* The next draw of the stall generator (xorshift64*), 32 bits. */
static inline uint32_t
tg_vcard_draw(struct tg_vcard *vc)
{
	vc->rng ^= vc->rng >> 12;
	vc->rng ^= vc->rng << 25;
	vc->rng ^= vc->rng >> 27;
	return (uint32_t)((vc->rng * 0x2545F4914F6CDD1Dull) >> 32);
}

/*
 * One clock cycle: offer the next read beat, settle the inputs, take the
 * handshakes the card makes on this edge, then clock it.
 */
static inline void
tg_vcard_cycle(struct tg_vcard *vc)
{
	Vtg_card_top *top = vc->top;
	struct tg_vcard_rd *r = &vc->rd[vc->rd_head];
	bool beat = vc->rd_count && vc->cycles >= r->due;
	bool wr_ready = true;
	bool last = false;
	bool req_fire, resp_fire;

	if (__builtin_expect((vc->rd_stall | vc->wr_stall) != 0, 0)) {
		if (tg_vcard_draw(vc) < vc->rd_stall && !vc->rd_offered)
			beat = false;
		wr_ready = tg_vcard_draw(vc) >= vc->wr_stall;
	}

	if (beat) {
		uint64_t d = 0;
		uint32_t left = r->len - vc->rd_off;

		last = left <= 8;
		tg_vcard_load(&d, r->addr + vc->rd_off, last ? left : 8);
		top->mem_rd_resp_data = d;
	}
	top->mem_rd_resp_valid = beat;
	top->mem_rd_resp_last = last;
	top->mem_rd_req_ready = vc->rd_count < TG_VCARD_RD_QUEUE;
	top->mem_wr_ready = wr_ready;

	top->clk = 0;
	top->eval();
	tg_vcard_dump(vc, 2 * vc->cycles);

	req_fire = top->mem_rd_req_valid && top->mem_rd_req_ready;
	resp_fire = beat && top->mem_rd_resp_ready;
	if (top->mem_wr_valid && wr_ready) {
		if (top->mem_wr_addr + 64 > vc->watch_lo && top->mem_wr_addr < vc->watch_hi)
			vc->watch_hits++;
		tg_vcard_store(top->mem_wr_addr,
			       (const uint8_t *)top->mem_wr_data.data(),
			       top->mem_wr_strb);
	}
	if (req_fire) {
		struct tg_vcard_rd *n =
			&vc->rd[(vc->rd_head + vc->rd_count) % TG_VCARD_RD_QUEUE];

		n->addr = top->mem_rd_req_addr;
		n->len = top->mem_rd_req_len ? top->mem_rd_req_len : 1;
		n->due = vc->cycles + vc->rd_latency;
		if (n->addr + n->len > vc->watch_lo && n->addr < vc->watch_hi)
			vc->watch_hits++;
	}

	top->clk = 1;
	top->eval();
	tg_vcard_dump(vc, 2 * vc->cycles + 1);
	vc->cycles++;

	vc->rd_offered = beat && !resp_fire;
	if (resp_fire) {
		if (last) {
			vc->rd_off = 0;
			vc->rd_head = (vc->rd_head + 1) % TG_VCARD_RD_QUEUE;
			vc->rd_count--;
		} else {
			vc->rd_off += 8;
		}
	}
	if (req_fire)
		vc->rd_count++;
}

/*
 * A card as after power-up: every port idle, reset held for a few cycles
 * and released. The memory ports are inert until the host sets the rings.
 */
struct tg_vcard *
tg_vcard_new(void)
{
	struct tg_vcard *vc;

	vc = (struct tg_vcard *)calloc(1, sizeof(*vc));
	if (!vc)
		return NULL;
	vc->rd_latency = TG_VCARD_RD_LATENCY;
	vc->rng = 0x9E3779B97F4A7C15ull;
	try {
		vc->ctx = new VerilatedContext;
#if VM_TRACE
		vc->ctx->traceEverOn(true);
#endif
		vc->top = new Vtg_card_top(vc->ctx, "tg_card_top");
	} catch (const std::bad_alloc &) {
		delete vc->ctx;
		free(vc);
		return NULL;
	}

	Vtg_card_top *top = vc->top;

	top->clk = 0;
	top->rst = 1;
	top->reg_wr_en = 0;
	top->reg_rd_en = 0;
	top->mem_wr_ready = 1;
	top->mem_rd_req_ready = 1;
	top->mem_rd_resp_valid = 0;
	for (unsigned i = 0; i < TG_VCARD_RESET_CYCLES; i++)
		tg_vcard_cycle(vc);
	top->rst = 0;
	return vc;
}

/* Stop the waveform, if any, and free the card. */
void
tg_vcard_free(struct tg_vcard *vc)
{
	if (!vc)
		return;
#if VM_TRACE
	if (vc->vcd) {
		vc->vcd->close();
		delete vc->vcd;
	}
#endif
	vc->top->final();
	delete vc->top;
	delete vc->ctx;
	free(vc);
}

/*
 * Read a register: one cycle with the read enable, the data is on the
 * port after that clock edge. Offsets outside the BAR read 0.
 */
uint32_t
tg_vcard_reg_read(struct tg_vcard *vc, uint32_t off)
{
	Vtg_card_top *top = vc->top;
	uint32_t v;

	if (off >= 4096)
		return 0;
	top->reg_rd_en = 1;
	top->reg_rd_addr = off;
	tg_vcard_cycle(vc);
	top->reg_rd_en = 0;
	v = top->reg_rd_data;
	return v;
}

/* Write a register: one cycle with the write enable. */
void
tg_vcard_reg_write(struct tg_vcard *vc, uint32_t off, uint32_t val)
{
	Vtg_card_top *top = vc->top;

	if (off >= 4096)
		return;
	top->reg_wr_en = 1;
	top->reg_wr_addr = off;
	top->reg_wr_data = val;
	tg_vcard_cycle(vc);
	top->reg_wr_en = 0;
}

/* Run n clock cycles, the memory ports served as they come. */
void
tg_vcard_tick(struct tg_vcard *vc, uint64_t n)
{
	while (n--)
		tg_vcard_cycle(vc);
}

/* Cycles clocked since creation, reset cycles included. */
uint64_t
tg_vcard_cycles(const struct tg_vcard *vc)
{
	return vc->cycles;
}

/*
 * Start a VCD waveform at path. -ENOTSUP unless built with
 * TG_VCARD_TRACE, -EBUSY if one is open, -EIO if path cannot be opened.
 */
int
tg_vcard_trace(struct tg_vcard *vc, const char *path)
{
#if VM_TRACE
	if (vc->vcd)
		return -EBUSY;
	vc->vcd = new (std::nothrow) VerilatedVcdC;
	if (!vc->vcd)
		return -ENOMEM;
	vc->top->trace(vc->vcd, 99);
	vc->vcd->open(path);
	if (!vc->vcd->isOpen()) {
		delete vc->vcd;
		vc->vcd = NULL;
		return -EIO;
	}
	return 0;
#else
	(void)vc;
	(void)path;
	return -ENOTSUP;
#endif
}

/* Change the memory's timing (see tg_vcard.h); the card is not reset. */
int
tg_vcard_set_mem_timing(struct tg_vcard *vc, unsigned rd_latency,
			unsigned rd_stall_pct, unsigned wr_stall_pct)
{
	if (rd_latency < 1 || rd_latency > TG_VCARD_RD_LATENCY_MAX ||
	    rd_stall_pct > 99 || wr_stall_pct > 99)
		return -EINVAL;
	vc->rd_latency = rd_latency;
	vc->rd_stall = (uint32_t)(((uint64_t)rd_stall_pct << 32) / 100);
	vc->wr_stall = (uint32_t)(((uint64_t)wr_stall_pct << 32) / 100);
	return 0;
}

/* Count from now on the accesses that touch [lo, hi) (see tg_vcard.h). */
void
tg_vcard_watch(struct tg_vcard *vc, uint64_t lo, uint64_t hi)
{
	vc->watch_lo = lo;
	vc->watch_hi = hi;
	vc->watch_hits = 0;
}

/* Accesses counted since tg_vcard_watch(). */
uint64_t
tg_vcard_watch_hits(const struct tg_vcard *vc)
{
	return vc->watch_hits;
}
