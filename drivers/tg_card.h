/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The card driver: one API over three backends (the Verilated RTL "sim",
 * the C reference model "model", real PCIe hardware "vfio"). The host
 * cannot tell which one it runs on: rings live in host memory, the card
 * is reached through 32-bit registers, and progress is seen by polling
 * memory (record phase bits, the H2C head write-back word).
 *
 * A card carries two kinds of work on the same rings: feed frames in,
 * event records out; SM4 jobs in, result records out (the crypto API at
 * the end of this file). A card is driven from one thread, like every
 * call here: when the feed and crypto jobs share a card they share its
 * thread (or the caller locks around every call).
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
/*
 * Publish every frame and crypto job queued since the last doorbell: one
 * register write.
 */
void tg_card_doorbell(struct tg_card *card);
/* Free slots in the H2C ring. */
unsigned tg_card_h2c_space(const struct tg_card *card);
/* Slots in the H2C ring: frames and jobs fed and not yet reclaimed, at most. */
unsigned tg_card_h2c_size(const struct tg_card *card);

/*
 * Cookies of frames the card has finished with, oldest first, up to max.
 * Reads the head write-back word, not a register. Descriptor slots of
 * crypto jobs the card has consumed are freed on the way, without a
 * cookie (the driver owns their job blocks).
 */
unsigned tg_card_reclaim(struct tg_card *card, void **cookies, unsigned max);

/*
 * Up to max new feed records (MSG, GAP, EOS), oldest first, as pointers
 * into the C2H ring (zero-copy). They stay valid until tg_card_release().
 * On sim and model this also gives the card time to work (clock cycles /
 * model steps). Crypto result records met on the way never come out
 * here: they are copied to the crypto completion queue (below) and passed
 * over, so a feed consumer needs no code for them.
 */
unsigned tg_card_poll(struct tg_card *card, const struct tg_event **ev,
		      unsigned max);
/*
 * Return the n oldest polled records to the card (batched doorbell), with
 * any result records among or just after them.
 */
void tg_card_release(struct tg_card *card, unsigned n);

/*
 * True when every queued frame and job has been consumed, the card is
 * idle, and no feed record waits to be polled (result records found are
 * moved to the crypto completion queue, which may still hold some).
 */
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

/* ---- SM4 crypto jobs (docs/card-interface.md section 9) ----
 *
 * Keys go into the card's 16 write-only slots and never come back: the
 * driver writes the four key words, starts the expansion, wipes its own
 * copy, and waits (bounded) until KEY_STATUS shows the slot loaded.
 *
 * A job is a struct tg_crypto_job_block (the card's own format, IOVAs =
 * VAs on every backend), copied by tg_card_crypto_submit() into a block
 * the driver owns in its DMA area (one per H2C slot, reused when the slot
 * is), and published with the feed's tg_card_doorbell(). src and aad
 * must stay unchanged until the job's descriptor is consumed, dst until
 * its result is polled; on vfio all three must be tg_card_dma_map()ped.
 * The card overlaps jobs (a job's source is read while earlier jobs are
 * still in the cipher): a job must not read what a job in flight writes.
 *
 * Results come back in submission order. The C2H ring is shared with the
 * feed, so the driver routes them: whoever meets a result record first
 * while scanning the ring (tg_card_poll, tg_card_crypto_poll,
 * tg_card_drained) copies it into the card's crypto completion queue and
 * passes over it, and its C2H slot is returned with the feed records
 * around it. The feed path pays one compare of the kind byte, in the
 * cache line the phase check has just loaded, and tg_card_release stays
 * one add unless a result sits among the records it returns. A result
 * with status TAG_FAIL has its dst zeroed by the driver before it is
 * queued, so the plaintext of a forged message (which the card streams
 * to dst before its tag is known) is gone before anyone can poll it.
 *
 * At most tg_card_crypto_depth() jobs are in flight or waiting in the
 * completion queue at once (2^h2c_log2): poll results to make room.
 */

/* Whether the card has the SM4 engine (CAPS bit 25). */
bool tg_card_has_sm4(const struct tg_card *card);

/*
 * Load key into slot (< 16), replacing what was there. Jobs still in
 * flight that name the slot are waited for first (their results go to
 * the completion queue); queued jobs are published. 0, or -EINVAL,
 * -ENOTSUP (no SM4 engine), -EBUSY (jobs naming the slot cannot finish:
 * the C2H ring is full of records nobody polls), -ETIMEDOUT or -EIO (the
 * card never showed the slot loaded).
 */
int tg_card_key_load(struct tg_card *card, unsigned slot, const uint8_t key[16]);
/* Mark slot empty, after its jobs in flight as for a load. 0 or -errno. */
int tg_card_key_unload(struct tg_card *card, unsigned slot);
/* The loaded slots, bit s = slot s (KEY_STATUS [31:16]). */
uint32_t tg_card_key_loaded(struct tg_card *card);

/*
 * Queue one job; its descriptor reaches the card at the next doorbell.
 * The card checks the block itself (a bad one completes as BAD_JOB).
 * 0, -ENOSPC (H2C ring or completion queue full: poll results, reclaim,
 * try again), -ENOTSUP (no SM4 engine) or -EINVAL (jb NULL).
 */
int tg_card_crypto_submit(struct tg_card *card, const struct tg_crypto_job_block *jb);
/* Jobs that may be submitted now without -ENOSPC from the completion queue. */
unsigned tg_card_crypto_space(const struct tg_card *card);
/* Jobs submitted whose results have not been polled yet. */
unsigned tg_card_crypto_pending(const struct tg_card *card);
/* The most jobs in flight and queued results at once (0 without SM4). */
unsigned tg_card_crypto_depth(const struct tg_card *card);

/*
 * Up to max results, in submission order, copied to out (phase bit
 * cleared). Gives a simulated card time when none is waiting. Returns
 * the count.
 */
unsigned tg_card_crypto_poll(struct tg_card *card, struct tg_crypto_result *out,
			     unsigned max);

/*
 * Result records the card wrote that matched no job in flight (a card
 * bug): counted and dropped.
 */
uint64_t tg_card_crypto_stray(const struct tg_card *card);

#endif /* TG_CARD_H */
