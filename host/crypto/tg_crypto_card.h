/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the crypto engine: engines whose jobs run on a card ("sim",
 * "model") instead of in a software backend. tg_crypto.c keeps the key
 * slots' nonce state and checks every job; this part owns the card, the
 * queue of jobs in submission order, and the card jobs each one becomes.
 */
#ifndef TG_CRYPTO_CARD_H
#define TG_CRYPTO_CARD_H

#include <stdint.h>

#include "crypto/tg_crypto.h"

struct tg_card;
struct tg_crypto_card;

/*
 * Open a card of the driver backend `backend` with its own rings, every
 * key slot empty. 0, -ENOTSUP (the card has no SM4 engine; one line on
 * stderr says so) or another -errno from the driver.
 */
int tg_crypto_card_open(const char *backend, struct tg_crypto_card **out);
/* Wait (bounded) for jobs in flight, then close the card (keys unloaded). */
void tg_crypto_card_close(struct tg_crypto_card *c);
struct tg_card *tg_crypto_card_dev(struct tg_crypto_card *c);

/*
 * Whether job fits the card beyond the engine's own checks: GCM text
 * and AAD within one card job (ECB and CTR are split into several).
 */
int tg_crypto_card_fits(const struct tg_crypto_job *job);

/*
 * Load or unload a slot once every job submitted before has finished
 * (they keep the key they were submitted under). 0 or -errno.
 */
int tg_crypto_card_key_load(struct tg_crypto_card *c, unsigned slot,
			    const uint8_t key[TG_CRYPTO_KEY_LEN]);
int tg_crypto_card_key_unload(struct tg_crypto_card *c, unsigned slot);

/* Room in the queue of submitted, unpolled jobs. */
unsigned tg_crypto_card_room(const struct tg_crypto_card *c);
/*
 * Queue job (status already -EINPROGRESS); ok = 0 completes it as -EINVAL
 * in its turn. Call tg_crypto_card_pump once after a batch.
 */
void tg_crypto_card_push(struct tg_crypto_card *c, struct tg_crypto_job *job, int ok);
/* Hand queued jobs to the card: one doorbell for all. */
void tg_crypto_card_pump(struct tg_crypto_card *c);
/* Finished jobs, in submission order. */
unsigned tg_crypto_card_poll(struct tg_crypto_card *c, struct tg_crypto_job **done,
			     unsigned max);
/* One job to completion, outside the queue (queued jobs keep their place). */
int tg_crypto_card_run(struct tg_crypto_card *c, struct tg_crypto_job *job, int ok);

#endif /* TG_CRYPTO_CARD_H */
