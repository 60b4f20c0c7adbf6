/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The card driver: one API over three backends (the Verilated RTL "sim",
 * the C reference model "model", real PCIe hardware "vfio"). The host
 * cannot tell which one it runs on: rings live in host memory, the card
 * is reached through 32-bit registers, and progress is seen by polling
 * memory (record phase bits, the H2C head write-back word).
 */
#ifndef TG_CARD_H
#define TG_CARD_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "tg_card_abi.h"

struct tg_card;

struct tg_card_config {
	const char *backend;	/* "sim" | "model" | "vfio" */
	const char *device;	/* vfio: PCI address "0000:01:00.0" */
	unsigned h2c_log2;	/* descriptors: 2^h2c_log2 (0 = default 10) */
	unsigned c2h_log2;	/* records: 2^c2h_log2 (0 = default 14) */
	const char *trace;	/* sim: write a VCD waveform here (NULL = none) */
};

/* Open a card, set up both rings, reset and enable it. 0 or -errno. */
int tg_card_open(const struct tg_card_config *cfg, struct tg_card **out);
void tg_card_close(struct tg_card *card);
const char *tg_card_backend(const struct tg_card *card);

/*
 * Filter entry i: accept UDP to ip:port. flags: TG_FILTER_ANY_IP and/or
 * TG_FILTER_ANY_PORT widen the match; 0 or -errno.
 */
int tg_card_set_filter(struct tg_card *card, unsigned i, uint32_t ip,
		       uint16_t port, uint32_t flags);
int tg_card_clear_filter(struct tg_card *card, unsigned i);

/*
 * Queue one frame for line 0 (A) or 1 (B). The bytes must stay valid and
 * unchanged until tg_card_reclaim() hands `cookie` back. Nothing reaches
 * the card before tg_card_doorbell(). Returns 0, or -ENOSPC if the H2C
 * ring is full (reclaim and poll, then try again).
 */
int tg_card_feed_frame(struct tg_card *card, const void *frame, uint16_t len,
		       unsigned line, void *cookie);
/* Publish every frame queued since the last doorbell: one register write. */
void tg_card_doorbell(struct tg_card *card);
/* Free slots in the H2C ring. */
unsigned tg_card_h2c_space(const struct tg_card *card);

/*
 * Cookies of frames the card has finished with, oldest first, up to max.
 * Reads the head write-back word, not a register.
 */
unsigned tg_card_reclaim(struct tg_card *card, void **cookies, unsigned max);

/*
 * Up to max new records, oldest first, as pointers into the C2H ring
 * (zero-copy). They stay valid until tg_card_release(). On sim and model
 * this also gives the card time to work (clock cycles / model steps).
 */
unsigned tg_card_poll(struct tg_card *card, const struct tg_event **ev,
		      unsigned max);
/* Return the n oldest polled records to the card (batched doorbell). */
void tg_card_release(struct tg_card *card, unsigned n);

/* True when every queued frame has been consumed and its records polled. */
bool tg_card_drained(struct tg_card *card);

/* Read counters 0..n-1 (enum tg_counter) into out. */
void tg_card_counters(struct tg_card *card, uint64_t *out, unsigned n);

/* Session slot s: name (10 bytes), next expected sequence; false if empty. */
bool tg_card_session(struct tg_card *card, unsigned s, char name[10],
		     uint64_t *next, bool *ended);

/* Raw register access, for tools and tests. */
uint32_t tg_card_reg_read(struct tg_card *card, uint32_t off);
void tg_card_reg_write(struct tg_card *card, uint32_t off, uint32_t val);

/*
 * Make [va, va + len) reachable by the card's DMA at IOVA = VA: needed on
 * vfio for every frame buffer given to tg_card_feed_frame (the rings are
 * mapped at open); nothing to do on sim and model. 0 or -errno.
 */
int tg_card_dma_map(struct tg_card *card, void *va, size_t len);

/* sim only: clock cycles simulated so far (0 on other backends). */
uint64_t tg_card_cycles(const struct tg_card *card);

/* Counter names, index = enum tg_counter ("frames_a", ..., "" for unused). */
const char *tg_counter_name(unsigned c);

#endif /* TG_CARD_H */
