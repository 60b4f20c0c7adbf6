/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_crypto_util.h"

const char *const tcu_backends[2] = { "gcrypt", "openssl" };

uint64_t
tcu_seed(void)
{
	const char *env = getenv("TG_CRYPTO_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5348344d5348344dull;

	cr_log_info("TG_CRYPTO_SEED=0x%" PRIx64, seed);
	return seed;
}

uint64_t
tcu_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
tcu_fill(uint64_t *s, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i % 8 == 0) {
			uint64_t v = tcu_next(s);
			memcpy(p + i, &v, n - i < 8 ? n - i : 8);
		}
	}
}

uint32_t
tcu_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(tcu_next(s) % n);
}

size_t
tcu_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	cr_assert_leq(n, cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

void
tcu_hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

uint8_t
tcu_iv_len(uint8_t mode)
{
	return mode == TG_CRYPTO_ECB ? 0 : mode == TG_CRYPTO_CTR ? 16 : 12;
}

struct tg_crypto_job
tcu_job(uint8_t mode, uint8_t op, uint8_t slot, const uint8_t *src, uint8_t *dst,
	uint32_t len, const uint8_t *iv, const uint8_t *aad, uint32_t aad_len)
{
	struct tg_crypto_job j = {
		.mode = mode, .op = op, .key_slot = slot, .iv_len = tcu_iv_len(mode),
		.src = src, .dst = dst, .len = len, .aad = aad, .aad_len = aad_len,
	};

	if (iv)
		memcpy(j.iv, iv, j.iv_len);
	return j;
}

struct tg_crypto_engine *
tcu_engine(const char *backend, const uint8_t key[16])
{
	struct tg_crypto_engine *e = NULL;

	cr_assert_eq(tg_crypto_engine_open(backend, &e), 0, "open %s", backend);
	cr_assert_eq(tg_crypto_key_load(e, 0, key), 0, "%s: key load", backend);
	return e;
}
