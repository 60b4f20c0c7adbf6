/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libgcrypt against OpenSSL (EVP SM4, GCM from our GHASH) on random keys,
 * IVs, AAD and lengths, every mode both ways; and CTR against counter
 * blocks built here and encrypted in ECB, across the 2^64 and 2^128
 * boundaries of the counter.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_crypto_util.h"

#define MAX_LEN	(64 * 1024)

static const uint32_t fixed_lens[] = {
	0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 4095, 4096,
};

struct pair {
	struct tg_crypto_engine *e[2];
	uint8_t *src, *out[2], *back[2];
};

static void
pair_open(struct pair *p, const uint8_t key[16])
{
	for (int b = 0; b < 2; b++) {
		p->e[b] = tcu_engine(tcu_backends[b], key);
		p->out[b] = malloc(MAX_LEN);
		p->back[b] = malloc(MAX_LEN);
		cr_assert(p->out[b] && p->back[b]);
	}
	p->src = malloc(MAX_LEN);
	cr_assert(p->src);
}

static void
pair_close(struct pair *p)
{
	for (int b = 0; b < 2; b++) {
		tg_crypto_engine_close(p->e[b]);
		free(p->out[b]);
		free(p->back[b]);
	}
	free(p->src);
}

/*
 * One random case of mode and len: both backends encrypt the same text
 * to the same bytes (and tag), and each decrypts the other's output back.
 */
static void
diff_one(struct pair *p, uint64_t *s, uint8_t mode, uint32_t len)
{
	uint8_t iv[16], aad[300], tag[2][16];
	uint32_t aad_len = mode == TG_CRYPTO_GCM ? tcu_below(s, sizeof(aad) + 1) : 0;

	tcu_fill(s, iv, sizeof(iv));
	tcu_fill(s, aad, aad_len);
	tcu_fill(s, p->src, len);
	for (int b = 0; b < 2; b++) {
		struct tg_crypto_job j = tcu_job(mode, TG_CRYPTO_ENCRYPT, 0, p->src, p->out[b],
						 len, iv, aad, aad_len);
		cr_assert_eq(tg_crypto_run(p->e[b], &j), 0, "%s: mode %u len %u encrypt",
			     tcu_backends[b], mode, len);
		memcpy(tag[b], j.tag, 16);
	}
	cr_assert_arr_eq(p->out[0], p->out[1], len, "mode %u len %u aad %u: gcrypt and openssl differ",
			 mode, len, aad_len);
	if (mode == TG_CRYPTO_GCM)
		cr_assert_arr_eq(tag[0], tag[1], 16, "len %u aad %u: tags differ", len, aad_len);
	for (int b = 0; b < 2; b++) {
		struct tg_crypto_job j = tcu_job(mode, TG_CRYPTO_DECRYPT, 0, p->out[!b], p->back[b],
						 len, iv, aad, aad_len);
		memcpy(j.tag, tag[!b], 16);
		cr_assert_eq(tg_crypto_run(p->e[b], &j), 0, "%s: mode %u len %u decrypt",
			     tcu_backends[b], mode, len);
		cr_assert_arr_eq(p->back[b], p->src, len, "%s: mode %u len %u: not decrypted back",
				 tcu_backends[b], mode, len);
	}
}

/* The listed lengths (rounded down to whole blocks for ECB) and 64 random ones up to 64 KiB. */
static void
diff_mode(uint8_t mode)
{
	uint64_t s = tcu_seed() ^ mode;
	struct pair p;

	for (int k = 0; k < 4; k++) {
		uint8_t key[16];

		tcu_fill(&s, key, 16);
		pair_open(&p, key);
		for (size_t i = 0; i < sizeof(fixed_lens) / sizeof(fixed_lens[0]); i++) {
			uint32_t len = fixed_lens[i];

			if (mode == TG_CRYPTO_ECB)
				len -= len % 16;
			diff_one(&p, &s, mode, len);
		}
		for (int i = 0; i < 16; i++) {
			uint32_t len = tcu_below(&s, MAX_LEN + 1);

			if (mode == TG_CRYPTO_ECB)
				len -= len % 16;
			diff_one(&p, &s, mode, len);
		}
		pair_close(&p);
	}
}

Test(crypto_diff, ecb, .timeout = 300) { diff_mode(TG_CRYPTO_ECB); }
Test(crypto_diff, ctr, .timeout = 300) { diff_mode(TG_CRYPTO_CTR); }
Test(crypto_diff, gcm, .timeout = 300) { diff_mode(TG_CRYPTO_GCM); }

/* ECB refuses what is not a whole number of blocks, on both. */
Test(crypto_diff, ecb_partial_block_refused)
{
	uint8_t key[16] = { 1 }, in[48] = { 0 }, out[48];

	for (int b = 0; b < 2; b++) {
		struct tg_crypto_engine *e = tcu_engine(tcu_backends[b], key);
		for (uint32_t len = 1; len < 48; len++) {
			if (len % 16 == 0)
				continue;
			memset(out, 0x5a, sizeof(out));
			struct tg_crypto_job j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, in, out,
							 len, NULL, NULL, 0);
			cr_assert_eq(tg_crypto_run(e, &j), -EINVAL, "%s: ECB of %u bytes", tcu_backends[b], len);
			for (int i = 0; i < 48; i++)
				cr_assert_eq(out[i], 0x5a, "%s: refused job wrote dst", tcu_backends[b]);
		}
		tg_crypto_engine_close(e);
	}
}

/* c += 1 as one 128-bit big-endian integer. */
static void
ctr_inc128(uint8_t c[16])
{
	for (int i = 15; i >= 0; i--)
		if (++c[i])
			break;
}

/*
 * The CTR keystream from iv, built by hand: counter blocks iv, iv+1, ...
 * (mod 2^128), encrypted with the reference backend's ECB.
 */
static void
ctr_oracle(struct tg_crypto_engine *ref, const uint8_t iv[16], uint8_t *ks, uint32_t len)
{
	uint32_t nblk = (len + 15) / 16;
	uint8_t *ctrs = malloc((size_t)nblk * 16 + 16), c[16];

	cr_assert(ctrs);
	memcpy(c, iv, 16);
	for (uint32_t i = 0; i < nblk; i++, ctr_inc128(c))
		memcpy(ctrs + 16 * i, c, 16);
	uint8_t *full = malloc((size_t)nblk * 16 + 16);
	cr_assert(full);
	struct tg_crypto_job j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, ctrs, full,
					 nblk * 16, NULL, NULL, 0);
	cr_assert_eq(tg_crypto_run(ref, &j), 0);
	memcpy(ks, full, len);
	free(ctrs);
	free(full);
}

/*
 * Counters that carry across the low 64 bits (…00 ff..ff) and wrap the
 * whole 128 bits (ff..ff → 00..00), starting at various distances before
 * the boundary so the carry lands inside libgcrypt's 8- and 16-block bulk
 * batches as well as at their edges. Keystream = encryption of zeros.
 */
Test(crypto_diff, ctr_counter_boundaries)
{
	static const char *const ivs[] = {
		"ffffffffffffffffffffffffffffffff",
		"0000000000000000ffffffffffffffff",
		"0123456789abcdeffffffffffffffffe",
		"0123456789abcdeffffffffffffffff9",
		"0123456789abcdeffffffffffffffff1",
		"0123456789abcdeffffffffffffffff0",
		"00000000ffffffffffffffffffffffe7",
		"fffffffffffffffffffffffffffffff3",
		"ffffffffffffffff00000000fffffffe",
	};
	static const uint32_t lens[] = { 1, 16, 17, 33, 100, 128, 129, 255, 256, 257, 511, 4096, 4111 };
	uint64_t s = tcu_seed();
	uint8_t key[16], *zero = calloc(1, 8192), *ks = malloc(8192), *out = malloc(8192);

	cr_assert(zero && ks && out);
	tcu_fill(&s, key, 16);
	struct tg_crypto_engine *ref = tcu_engine("openssl", key);
	for (size_t v = 0; v < sizeof(ivs) / sizeof(ivs[0]); v++) {
		uint8_t iv[16];

		tcu_unhex(ivs[v], iv, 16);
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			ctr_oracle(ref, iv, ks, lens[l]);
			for (int b = 0; b < 2; b++) {
				struct tg_crypto_engine *e = tcu_engine(tcu_backends[b], key);
				struct tg_crypto_job j = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, zero, out,
								 lens[l], iv, NULL, 0);
				cr_assert_eq(tg_crypto_run(e, &j), 0);
				for (uint32_t i = 0; i < lens[l]; i++)
					cr_assert_eq(out[i], ks[i],
						     "%s: CTR from %s, %u bytes: byte %u (block %u) is not the 128-bit counter's",
						     tcu_backends[b], ivs[v], lens[l], i, i / 16);
				tg_crypto_engine_close(e);
			}
		}
	}
	tg_crypto_engine_close(ref);
	free(zero);
	free(ks);
	free(out);
}

/*
 * Jobs do not leak state into the next one: after CTR and GCM jobs of odd
 * lengths (which leave keystream half used inside the libraries), the same
 * job gives the same bytes again; and in place equals out of place.
 */
Test(crypto_diff, jobs_independent_and_in_place)
{
	uint64_t s = tcu_seed();
	uint8_t key[16], iv[16], aad[7], src[100], a[100], b[100], tag[16];

	tcu_fill(&s, key, 16);
	tcu_fill(&s, iv, 16);
	tcu_fill(&s, aad, 7);
	tcu_fill(&s, src, 100);
	for (int be = 0; be < 2; be++) {
		struct tg_crypto_engine *e = tcu_engine(tcu_backends[be], key);
		for (uint8_t mode = TG_CRYPTO_ECB; mode <= TG_CRYPTO_GCM; mode++) {
			uint32_t len = mode == TG_CRYPTO_ECB ? 96 : 37;
			uint32_t al = mode == TG_CRYPTO_GCM ? 7 : 0;
			struct tg_crypto_job j = tcu_job(mode, TG_CRYPTO_ENCRYPT, 0, src, a, len, iv, aad, al);

			cr_assert_eq(tg_crypto_run(e, &j), 0);
			memcpy(tag, j.tag, 16);
			struct tg_crypto_job odd = tcu_job(mode, TG_CRYPTO_ENCRYPT, 0, src, b,
							   mode == TG_CRYPTO_ECB ? 16 : 5, iv, aad, al);
			cr_assert_eq(tg_crypto_run(e, &odd), 0);
			j = tcu_job(mode, TG_CRYPTO_ENCRYPT, 0, src, b, len, iv, aad, al);
			cr_assert_eq(tg_crypto_run(e, &j), 0);
			cr_assert_arr_eq(a, b, len, "%s mode %u: repeat differs", tcu_backends[be], mode);
			cr_assert_arr_eq(tag, j.tag, 16);

			memcpy(b, src, len);
			j = tcu_job(mode, TG_CRYPTO_ENCRYPT, 0, b, b, len, iv, aad, al);
			cr_assert_eq(tg_crypto_run(e, &j), 0);
			cr_assert_arr_eq(a, b, len, "%s mode %u: in place differs", tcu_backends[be], mode);
			if (mode == TG_CRYPTO_GCM)
				cr_assert_arr_eq(tag, j.tag, 16);
			j.op = TG_CRYPTO_DECRYPT;
			cr_assert_eq(tg_crypto_run(e, &j), 0);
			cr_assert_arr_eq(b, src, len, "%s mode %u: in-place decrypt", tcu_backends[be], mode);
		}
		tg_crypto_engine_close(e);
	}
}
