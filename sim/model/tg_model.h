/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The C reference model of the card: the registers, the DMA engine, the
 * feed pipeline and the SM4 crypto jobs of docs/card-interface.md,
 * bit-exact with rtl/ (same records in the same order, same result
 * records and dst bytes, same counters), and fast. Host memory is reached
 * directly: IOVA = VA. Key slots are write-only here too: KEY_STATUS is
 * the one crypto register that reads back anything.
 */
#ifndef TG_MODEL_H
#define TG_MODEL_H

#include <stdint.h>
#include <stddef.h>

#include "tg_card_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tg_model;

struct tg_model *tg_model_new(void);
void tg_model_free(struct tg_model *m);

uint32_t tg_model_reg_read(struct tg_model *m, uint32_t off);
void tg_model_reg_write(struct tg_model *m, uint32_t off, uint32_t val);

/*
 * Let the card work: consume up to budget H2C descriptors (fewer if the
 * ring is empty or the C2H ring lacks room), writing records, crypto
 * results and their dst bytes, and the head write-back to host memory.
 * A crypto job runs to completion when its descriptor is consumed.
 * Returns descriptors consumed.
 */
unsigned tg_model_run(struct tg_model *m, unsigned budget);

/*
 * The feed pipeline alone, without rings: process one frame from line
 * 0 (A) / 1 (B), calling emit for each record (phase bit 0) in order.
 * Counters and session state are the same as through the rings.
 */
typedef void (*tg_model_emit_fn)(void *ctx, const struct tg_event *ev);
void tg_model_feed_frame(struct tg_model *m, const uint8_t *frame, size_t len,
			 unsigned line, tg_model_emit_fn emit, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* TG_MODEL_H */
