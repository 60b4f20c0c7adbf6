/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the SM4 tests share: a seeded generator (TG_CRYPTO_SEED in the
 * environment replays a run), hex, and jobs built in one line.
 */
#ifndef TEST_CRYPTO_UTIL_H
#define TEST_CRYPTO_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/tg_crypto.h"

/* The two software backends, in the order the tests run them. */
extern const char *const tcu_backends[2];

/* The seed (from TG_CRYPTO_SEED, else a fixed one), logged once. */
uint64_t tcu_seed(void);
/* splitmix64 from *s. */
uint64_t tcu_next(uint64_t *s);
/* n random bytes. */
void tcu_fill(uint64_t *s, uint8_t *p, size_t n);
/* Uniform in [0, n). */
uint32_t tcu_below(uint64_t *s, uint32_t n);

/* Parse hex (no separators) into out; returns the byte count. */
size_t tcu_unhex(const char *hex, uint8_t *out, size_t cap);
/* Lower-case hex of p[0..n) into out (2n + 1 bytes). */
void tcu_hex(const uint8_t *p, size_t n, char *out);

/* A job over src/dst with the given key slot, IV and AAD. */
struct tg_crypto_job tcu_job(uint8_t mode, uint8_t op, uint8_t slot,
			     const uint8_t *src, uint8_t *dst, uint32_t len,
			     const uint8_t *iv, const uint8_t *aad, uint32_t aad_len);

/* Open backend with key in slot 0 (asserting success). */
struct tg_crypto_engine *tcu_engine(const char *backend, const uint8_t key[16]);

/* The IV length a mode takes. */
uint8_t tcu_iv_len(uint8_t mode);

#endif /* TEST_CRYPTO_UTIL_H */
