/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "sim" backend: the Verilated RTL of the card, in process. Its
 * memory ports are served from this process's memory (IOVA = VA), and
 * its clock only runs when the driver gives it time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_card_backend.h"
#include "tg_vcard.h"

/*
 * Cycles per run: short enough that the host sees the first records of a
 * frame soon after the card writes them.
 */
#define TG_BE_SIM_BUDGET	256
/*
 * Cycles between idle checks within a run. The host only acts (publishes
 * frames, releases records) between runs, so every clock ticked after the
 * card has run dry counts as the card's and is the host's turn; the check
 * (a STATUS read, and an H2C_HEAD read once idle) is itself a clock in
 * which the card works, not lost time.
 */
#define TG_BE_SIM_STEP		8

struct tg_be_sim {
	struct tg_vcard *vc;
	uint32_t h2c_tail;	/* the last doorbell, as the card was told it */
	int quiet;		/* idle with nothing to fetch: ticking changes nothing */
};

/* A Verilated card out of reset, optionally dumping a waveform. */
static int
tg_be_sim_open(const struct tg_card_config *cfg, void **priv)
{
	struct tg_be_sim *s;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "tg_card: sim: out of memory\n");
		return -ENOMEM;
	}
	s->vc = tg_vcard_new();
	if (!s->vc) {
		fprintf(stderr, "tg_card: sim: cannot create the Verilated card\n");
		free(s);
		return -ENOMEM;
	}
	if (cfg->trace) {
		rc = tg_vcard_trace(s->vc, cfg->trace);
		if (rc < 0) {
			if (rc < -4095)
				rc = -EIO;
			fprintf(stderr, "tg_card: sim: cannot trace to %s: %s\n",
				cfg->trace, strerror(-rc));
			tg_vcard_free(s->vc);
			free(s);
			return rc;
		}
	}
	*priv = s;
	return 0;
}

/* Free the Verilated card; the driver has stopped its DMA engine already. */
static void
tg_be_sim_close(void *priv)
{
	struct tg_be_sim *s = priv;

	tg_vcard_free(s->vc);
	free(s);
}

/* A read through the RTL's register port: a few clock cycles. */
static uint32_t
tg_be_sim_reg_read(void *priv, uint32_t off)
{
	struct tg_be_sim *s = priv;

	return tg_vcard_reg_read(s->vc, off);
}

/*
 * A register write may give the card work: it is no longer quiet. The
 * exception is C2H_HEAD: a quiet card holds no record and waits for no
 * room, so records released to it change nothing.
 */
static void
tg_be_sim_reg_write(void *priv, uint32_t off, uint32_t val)
{
	struct tg_be_sim *s = priv;

	if (off == TG_REG_H2C_TAIL)
		s->h2c_tail = val;
	else if (off == TG_REG_CTRL && (val & TG_CTRL_RESET))
		s->h2c_tail = 0;
	if (off != TG_REG_C2H_HEAD)
		s->quiet = 0;
	tg_vcard_reg_write(s->vc, off, val);
}

/*
 * Whether the card can move on its own: not STATUS.IDLE, or a published
 * descriptor not yet consumed. One or two register reads, each a clock.
 */
static int
tg_be_sim_busy(struct tg_be_sim *s, unsigned *ticked)
{
	(*ticked)++;
	if (!(tg_vcard_reg_read(s->vc, TG_REG_STATUS) & TG_STATUS_IDLE))
		return 1;
	(*ticked)++;
	return tg_vcard_reg_read(s->vc, TG_REG_H2C_HEAD) != s->h2c_tail;
}

/*
 * Tick up to budget cycles, checking every TG_BE_SIM_STEP whether the card
 * can still move on its own: it is busy unless STATUS says idle and every
 * descriptor the host published has been consumed. The run ends as soon
 * as the card is quiet, so the host gets control back (to publish more
 * frames) within a few clocks of the card running dry, not at the end of
 * the budget. A quiet card is not ticked again until the host writes a
 * register that may give it work, so an idle host loop costs no
 * simulation.
 */
static unsigned
tg_be_sim_run(void *priv, unsigned budget)
{
	struct tg_be_sim *s = priv;
	unsigned ticked = 0;

	if (s->quiet)
		return 0;
	while (ticked < budget) {
		unsigned n = budget - ticked;

		if (n > TG_BE_SIM_STEP)
			n = TG_BE_SIM_STEP;
		tg_vcard_tick(s->vc, n);
		ticked += n;
		if (!tg_be_sim_busy(s, &ticked)) {
			s->quiet = 1;
			return 0;
		}
	}
	return 1;
}

/* Cycles simulated since the card was created. */
static uint64_t
tg_be_sim_cycles(const void *priv)
{
	const struct tg_be_sim *s = priv;

	return tg_vcard_cycles(s->vc);
}

const struct tg_card_ops tg_be_sim_ops = {
	.name = "sim",
	.open = tg_be_sim_open,
	.close = tg_be_sim_close,
	.reg_read = tg_be_sim_reg_read,
	.reg_write = tg_be_sim_reg_write,
	.run = tg_be_sim_run,
	.run_budget = TG_BE_SIM_BUDGET,
	.cycles = tg_be_sim_cycles,
};
