/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Order tokens: every (user, token) accepted today, and the order slot it
 * names while that order lives. A token is never forgotten during the day,
 * so a reused one is caught even after its order died.
 *
 * Open addressing (triangular probing), at most half full, 32-byte entries
 * (two to a cache line, none straddling two) holding the whole key: a
 * lookup is one hash and, nearly always, one cache line, which a burst
 * can ask for ahead. An entry names an order by (slot, gen): the order is live
 * only while the slot's generation still matches, so an order that dies
 * or changes token needs no update here.
 */
#ifndef TG_TOKENS_H
#define TG_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

#define TG_TOKENS_LEN	14

struct tg_token_ent {
	uint64_t k0;		/* token bytes 0..7 */
	uint64_t k1;		/* token bytes 8..13, user in the top 16 bits */
	uint32_t order;		/* slot of the order */
	uint32_t gen;		/* its generation; 0 marks a free entry */
	uint64_t spare;
};
_Static_assert(sizeof(struct tg_token_ent) == 32, "two entries to a cache line");

struct tg_tokens;

/* Room for max_tokens tokens (prefault: tg_order_mem.h). NULL if memory is short. */
struct tg_tokens *tg_tokens_new(uint32_t max_tokens, bool prefault);
void tg_tokens_free(struct tg_tokens *t);

/* The entry of (user, token), or NULL. */
struct tg_token_ent *tg_tokens_find(const struct tg_tokens *t, uint16_t user,
				    const char token[TG_TOKENS_LEN]);

/* Start loading the home slot of (user, token) into the cache. */
void tg_tokens_prefetch(const struct tg_tokens *t, uint16_t user,
			const char token[TG_TOKENS_LEN]);

/*
 * Add (user, token) naming (order, gen != 0); the caller checked it is
 * new. NULL when max_tokens are in use.
 */
struct tg_token_ent *tg_tokens_add(struct tg_tokens *t, uint16_t user,
				   const char token[TG_TOKENS_LEN],
				   uint32_t order, uint32_t gen);

uint32_t tg_tokens_count(const struct tg_tokens *t);
uint32_t tg_tokens_capacity(const struct tg_tokens *t);

/* Visit every entry (table order). */
void tg_tokens_walk(const struct tg_tokens *t,
		    void (*fn)(void *ctx, const struct tg_token_ent *e), void *ctx);

#endif /* TG_TOKENS_H */
