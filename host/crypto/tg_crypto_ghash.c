/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GHASH, written straight from NIST SP 800-38D (6.3 multiplication in
 * GF(2^128), 6.4 GHASH) so that it can serve as the independent reference
 * for libgcrypt's SM4-GCM and, later, the card's. It is the textbook
 * bit-at-a-time algorithm, not a table method: slower, but each line maps
 * onto a line of the standard. Branch-free on the data, so its timing does
 * not depend on the key or the text.
 */
#include <string.h>

#include "crypto/tg_crypto_backend.h"

/* R = 11100001 ‖ 0^120: the reduction of x^128 + x^7 + x^2 + x + 1. */
#define TG_GHASH_R_HI	0xe100000000000000ull

static uint64_t
tg_ghash_load64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
tg_ghash_store64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/*
 * Algorithm 1 of SP 800-38D: Z = X · Y. Bit 0 of a block is its leftmost
 * bit (the top bit of byte 0); "V >> 1" moves every bit one place right,
 * and the bit falling off the right end (bit 127) folds back in as R.
 */
static void
tg_ghash_mul(uint64_t *x_hi, uint64_t *x_lo, uint64_t y_hi, uint64_t y_lo)
{
	uint64_t z_hi = 0, z_lo = 0;
	uint64_t v_hi = y_hi, v_lo = y_lo;

	for (int i = 0; i < 128; i++) {
		uint64_t xi = i < 64 ? *x_hi >> (63 - i) & 1 : *x_lo >> (127 - i) & 1;
		uint64_t take = 0 - xi;			/* all ones if x_i = 1 */
		uint64_t fold = 0 - (v_lo & 1);		/* all ones if LSB1(V) = 1 */

		z_hi ^= v_hi & take;
		z_lo ^= v_lo & take;
		v_lo = v_lo >> 1 | v_hi << 63;
		v_hi = v_hi >> 1 ^ (TG_GHASH_R_HI & fold);
	}
	*x_hi = z_hi;
	*x_lo = z_lo;
}

/* Y = (Y ⊕ X) · H for one 16-byte block X. */
static void
tg_ghash_block(struct tg_crypto_ghash *g, const uint8_t x[16])
{
	g->y_hi ^= tg_ghash_load64(x);
	g->y_lo ^= tg_ghash_load64(x + 8);
	tg_ghash_mul(&g->y_hi, &g->y_lo, g->h_hi, g->h_lo);
}

/* Start with subkey h and Y0 = 0^128. */
void
tg_crypto_ghash_init(struct tg_crypto_ghash *g, const uint8_t h[16])
{
	g->h_hi = tg_ghash_load64(h);
	g->h_lo = tg_ghash_load64(h + 8);
	g->y_hi = 0;
	g->y_lo = 0;
}

/* One segment: its whole blocks, then the rest padded with zero bits. */
void
tg_crypto_ghash_update(struct tg_crypto_ghash *g, const uint8_t *p, size_t n)
{
	for (; n >= 16; p += 16, n -= 16)
		tg_ghash_block(g, p);
	if (n) {
		uint8_t last[16] = { 0 };

		memcpy(last, p, n);
		tg_ghash_block(g, last);
	}
}

/* The closing block [len(A)]64 ‖ [len(C)]64, lengths in bits; Y out. */
void
tg_crypto_ghash_final(struct tg_crypto_ghash *g, uint64_t aad_bytes,
		      uint64_t text_bytes, uint8_t out[16])
{
	uint8_t lens[16];

	tg_ghash_store64(lens, aad_bytes * 8);
	tg_ghash_store64(lens + 8, text_bytes * 8);
	tg_ghash_block(g, lens);
	tg_ghash_store64(out, g->y_hi);
	tg_ghash_store64(out + 8, g->y_lo);
}

/* H is key material: clear it (and Y) so it does not outlive its use. */
void
tg_crypto_ghash_wipe(struct tg_crypto_ghash *g)
{
	explicit_bzero(g, sizeof(*g));
}
