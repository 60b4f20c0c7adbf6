/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the card driver: the ops table every backend fills in, and the
 * BAR0 register layer shared by the vfio backend and the tests. The ring
 * code in tg_card.c is the same for every backend; a backend only opens
 * the card, moves 32-bit registers, lets a simulated card run, and makes
 * host memory reachable by the card's DMA.
 */
#ifndef TG_CARD_BACKEND_H
#define TG_CARD_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "tg_card.h"

struct tg_card_ops {
	const char *name;
	/*
	 * Open the card named by cfg; *priv receives the backend's state.
	 * 0 or -errno, after one message on stderr naming the backend.
	 */
	int (*open)(const struct tg_card_config *cfg, void **priv);
	void (*close)(void *priv);
	uint32_t (*reg_read)(void *priv, uint32_t off);
	void (*reg_write)(void *priv, uint32_t off, uint32_t val);
	/*
	 * Give a simulated card time: up to budget units of work (clock
	 * cycles for sim, descriptors for model). Returns nonzero while the
	 * card may still make progress without the host doing anything,
	 * 0 once it is idle or stalled. NULL for real hardware.
	 */
	unsigned (*run)(void *priv, unsigned budget);
	unsigned run_budget;
	/* Make [va, va + len) reachable by DMA at IOVA = VA; NULL = nothing to do. */
	int (*dma_map)(void *priv, void *va, size_t len);
	/* Clock cycles simulated; NULL = 0. */
	uint64_t (*cycles)(const void *priv);
};

extern const struct tg_card_ops tg_be_model_ops;
extern const struct tg_card_ops tg_be_sim_ops;
extern const struct tg_card_ops tg_be_vfio_ops;
extern const struct tg_card_ops tg_be_bar_ops;

/*
 * Set up the rings on an opened backend: identity and register checks,
 * ring memory, bases and sizes, RESET, ENABLE. Takes ownership of priv
 * (ops->close is called on failure and by tg_card_close). 0 or -errno.
 */
int tg_card_attach(const struct tg_card_ops *ops, void *priv,
		   const struct tg_card_config *cfg, struct tg_card **out);

/* ---- BAR0 as memory-mapped 32-bit registers ---- */

struct tg_bar {
	volatile uint8_t *base;	/* the mapping of BAR0 */
	size_t len;		/* bytes mapped */
};

/*
 * One 32-bit load from the BAR. Offsets outside the mapping or not 4-byte
 * aligned read 0, as unmapped registers do on the card.
 */
static inline uint32_t
tg_bar_read32(const struct tg_bar *bar, uint32_t off)
{
	if (off >= bar->len || (off & 3))
		return 0;
	return *(const volatile uint32_t *)(bar->base + off);
}

/*
 * One 32-bit store to the BAR. The release fence orders every earlier
 * store to host memory (descriptors, consumed records) before the card
 * can see the doorbell.
 */
static inline void
tg_bar_write32(struct tg_bar *bar, uint32_t off, uint32_t val)
{
	if (off >= bar->len || (off & 3))
		return;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*(volatile uint32_t *)(bar->base + off) = val;
}

#endif /* TG_CARD_BACKEND_H */
