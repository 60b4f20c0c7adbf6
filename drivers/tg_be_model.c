/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "model" backend: the C reference model of the card, in process.
 * It reaches host memory directly (IOVA = VA) and works only when the
 * driver gives it time, one batch of descriptors per run.
 */
#include <errno.h>
#include <stdio.h>

#include "tg_card_backend.h"
#include "tg_model.h"

/* Descriptors per run: a few frames' worth of records between checks. */
#define TG_BE_MODEL_BUDGET	16

/* A fresh model: registers at their reset values, no rings yet. */
static int
tg_be_model_open(const struct tg_card_config *cfg, void **priv)
{
	struct tg_model *m;

	(void)cfg;
	m = tg_model_new();
	if (!m) {
		fprintf(stderr, "tg_card: model: cannot create the reference model\n");
		return -ENOMEM;
	}
	*priv = m;
	return 0;
}

/* Free the model; the driver has stopped its DMA engine already. */
static void
tg_be_model_close(void *priv)
{
	tg_model_free(priv);
}

/* Registers are plain calls into the model. */
static uint32_t
tg_be_model_reg_read(void *priv, uint32_t off)
{
	return tg_model_reg_read(priv, off);
}

/* A write may start work (a doorbell); the model does it in tg_model_run. */
static void
tg_be_model_reg_write(void *priv, uint32_t off, uint32_t val)
{
	tg_model_reg_write(priv, off, val);
}

/*
 * Consume up to budget descriptors. The model finishes every frame and
 * every crypto job it takes (dst written, result record out), so it can
 * only move on when it consumed something this time.
 */
static unsigned
tg_be_model_run(void *priv, unsigned budget)
{
	return tg_model_run(priv, budget);
}

const struct tg_card_ops tg_be_model_ops = {
	.name = "model",
	.open = tg_be_model_open,
	.close = tg_be_model_close,
	.reg_read = tg_be_model_reg_read,
	.reg_write = tg_be_model_reg_write,
	.run = tg_be_model_run,
	.run_budget = TG_BE_MODEL_BUDGET,
};
