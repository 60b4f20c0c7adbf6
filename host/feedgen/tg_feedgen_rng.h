/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xoshiro256** seeded by splitmix64: fast, and the same stream for a seed
 * on every machine (integer arithmetic only), so a seed names a file.
 */
#ifndef TG_FEEDGEN_RNG_H
#define TG_FEEDGEN_RNG_H

#include <stdint.h>

struct tg_feedgen_rng {
	uint64_t s[4];
};

static inline uint64_t
tg_feedgen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline void
tg_feedgen_rng_seed(struct tg_feedgen_rng *r, uint64_t seed)
{
	for (int k = 0; k < 4; k++) {
		uint64_t z = (seed += 0x9E3779B97F4A7C15ull);

		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		r->s[k] = z ^ (z >> 31);
	}
}

static inline uint64_t
tg_feedgen_rng_next(struct tg_feedgen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = tg_feedgen_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = tg_feedgen_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n), n >= 1 (multiply-shift; bias below 2^-32). */
static inline uint32_t
tg_feedgen_rng_below(struct tg_feedgen_rng *r, uint32_t n)
{
	return (uint32_t)(((tg_feedgen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

#endif /* TG_FEEDGEN_RNG_H */
