/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random and adversarial feed frames for the differential tests: valid
 * MoldUDP64 / ITCH 5.0 traffic on a few sessions with duplicates, overlaps,
 * gaps, heartbeats and end of session, mixed with every kind of damage the
 * card must count and survive. Deterministic for a seed.
 */
#ifndef TG_FRAMEGEN_H
#define TG_FRAMEGEN_H

#include <stdint.h>
#include <stddef.h>

#define TG_FRAMEGEN_MAX	1600

struct tg_framegen {
	uint64_t rng;
	unsigned n_sessions;	/* distinct session names in use (> 8 overflows the table) */
	uint64_t next_seq[16];	/* per session name: the sequence the sender is at */
	unsigned damage_pct;	/* share of frames damaged, 0..100 */
	uint8_t last[TG_FRAMEGEN_MAX];	/* the previous frame, for the other line's copy */
	size_t last_len;
	unsigned last_line;
};

void tg_framegen_init(struct tg_framegen *g, uint64_t seed, unsigned n_sessions,
		      unsigned damage_pct);

/*
 * Next frame into buf (at least TG_FRAMEGEN_MAX bytes); returns its
 * length and sets *line (0 = A, 1 = B).
 */
size_t tg_framegen_next(struct tg_framegen *g, uint8_t *buf, unsigned *line);

/* A uniformly random integer in [0, n). */
uint32_t tg_framegen_rand(struct tg_framegen *g, uint32_t n);

#endif /* TG_FRAMEGEN_H */
