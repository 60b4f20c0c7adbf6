/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the crypto engine: the ops table each backend fills in, and the
 * GHASH of SP 800-38D that the OpenSSL backend builds GCM with.
 *
 * A backend knows nothing of slots, queues or nonces: it expands one key
 * into its own state and runs one job that the engine has already
 * checked. That is also what the card's C model needs from it, so the
 * model can hold its key slots as backend key states and run descriptors
 * through the same code.
 */
#ifndef TG_CRYPTO_BACKEND_H
#define TG_CRYPTO_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/tg_crypto.h"

struct tg_crypto_ops {
	const char *name;
	/* Set up the library once per process; idempotent; may be NULL. 0 or -errno. */
	int (*init)(void);
	/* Expand key into a new key state at *ks. 0 or -errno. */
	int (*key_new)(const uint8_t key[TG_CRYPTO_KEY_LEN], void **ks);
	/* Wipe and free a key state; NULL is fine. */
	void (*key_free)(void *ks);
	/*
	 * Run one job the engine has checked (mode, op, lengths, IV length,
	 * buffers): fill dst, and for GCM the tag or its verdict. Returns the
	 * job's status: 0, -EBADMSG (GCM tag mismatch) or -EIO.
	 */
	int (*crypt)(void *ks, struct tg_crypto_job *job);
};

extern const struct tg_crypto_ops tg_crypto_gcrypt_ops;
extern const struct tg_crypto_ops tg_crypto_openssl_ops;

/*
 * GHASH_H over a sequence of segments (SP 800-38D 6.4), each zero-padded
 * to whole blocks: the AAD, the ciphertext, then the lengths block.
 * Blocks are big-endian 128-bit field elements, held as two 64-bit
 * halves, hi = bytes 0..7.
 */
struct tg_crypto_ghash {
	uint64_t h_hi, h_lo;	/* the hash subkey H = E(K, 0^128) */
	uint64_t y_hi, y_lo;	/* the running value Y */
};

/* Start a GHASH with subkey h (16 bytes), Y = 0. */
void tg_crypto_ghash_init(struct tg_crypto_ghash *g, const uint8_t h[16]);
/*
 * Absorb one segment p[0..n): whole blocks, then the tail zero-padded to
 * a block. Call once per segment (or with multiples of 16 until its last
 * piece).
 */
void tg_crypto_ghash_update(struct tg_crypto_ghash *g, const uint8_t *p, size_t n);
/* Absorb [len(A)]64 ‖ [len(C)]64 (bit lengths) and write Y at out. */
void tg_crypto_ghash_final(struct tg_crypto_ghash *g, uint64_t aad_bytes,
			   uint64_t text_bytes, uint8_t out[16]);
/* Forget H and Y. */
void tg_crypto_ghash_wipe(struct tg_crypto_ghash *g);

#endif /* TG_CRYPTO_BACKEND_H */
