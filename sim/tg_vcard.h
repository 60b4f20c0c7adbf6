/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Verilated card (rtl/tg_card_top.v) behind a C interface. Its host
 * memory ports are served straight from this process's memory: IOVA = VA.
 */
#ifndef TG_VCARD_H
#define TG_VCARD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tg_vcard;

/* A card held in reset for a few cycles, then released. NULL on failure. */
struct tg_vcard *tg_vcard_new(void);
void tg_vcard_free(struct tg_vcard *vc);

/* Register access through the RTL's register port (costs clock cycles). */
uint32_t tg_vcard_reg_read(struct tg_vcard *vc, uint32_t off);
void tg_vcard_reg_write(struct tg_vcard *vc, uint32_t off, uint32_t val);

/* Run n clock cycles, serving memory requests. */
void tg_vcard_tick(struct tg_vcard *vc, uint64_t n);

/* Cycles simulated since tg_vcard_new(). */
uint64_t tg_vcard_cycles(const struct tg_vcard *vc);

/* Dump a VCD waveform to path from now on (built with tracing only). */
int tg_vcard_trace(struct tg_vcard *vc, const char *path);

/*
 * Memory port timing, for tests of the card under back-pressure: the read
 * latency in cycles (1..1000, default 4), the percentage of cycles (0..99,
 * default 0) in which the memory withholds the next read beat, and the
 * percentage in which it refuses the offered write; stalls are drawn from
 * a fixed-seed generator so that runs repeat. 0 or -EINVAL.
 */
int tg_vcard_set_mem_timing(struct tg_vcard *vc, unsigned rd_latency,
			    unsigned rd_stall_pct, unsigned wr_stall_pct);

/*
 * For tests: count, from now on, the read requests and line writes that
 * touch host memory in [lo, hi) (a write counts by its whole 64-byte line,
 * whatever its strobes). tg_vcard_watch_hits() returns the count; a new
 * tg_vcard_watch() restarts it. Empty range (the default): nothing counts.
 */
void tg_vcard_watch(struct tg_vcard *vc, uint64_t lo, uint64_t hi);
uint64_t tg_vcard_watch_hits(const struct tg_vcard *vc);

#ifdef __cplusplus
}
#endif

#endif /* TG_VCARD_H */
