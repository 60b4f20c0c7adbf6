/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the C model: its SM4 engine (docs/card-interface.md section 9),
 * the key slots behind KEY_DATA / KEY_CMD / KEY_STATUS and one job block
 * turned into the bytes of its result record. The DMA engine in
 * tg_model.c owns the rings, the C2H room rule and the counters.
 */
#ifndef TG_MODEL_SM4_H
#define TG_MODEL_SM4_H

#include <stdint.h>

#include "tg_card_abi.h"

struct tg_model_sm4;

/* Sixteen empty slots; NULL if libgcrypt has no SM4 or memory ran out. */
struct tg_model_sm4 *tg_model_sm4_new(void);
/* Wipe every slot and the key words, then free. */
void tg_model_sm4_free(struct tg_model_sm4 *s);

/* A write to KEY_DATA[0..3] or KEY_CMD (other offsets are not its). */
void tg_model_sm4_reg_write(struct tg_model_sm4 *s, uint32_t off, uint32_t val);
/* KEY_STATUS: the loaded slots in [31:16]; BUSY never, a load is instant. */
uint32_t tg_model_sm4_status(const struct tg_model_sm4 *s);

/*
 * Check and run the job block jb (a copy in card memory): dst is written,
 * then *res is filled with every byte of the result record except the
 * phase bit. Returns the record's status.
 */
uint8_t tg_model_sm4_job(struct tg_model_sm4 *s, const struct tg_crypto_job_block *jb,
			 struct tg_crypto_result *res);

#endif /* TG_MODEL_SM4_H */
