/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sealed messages: round trips (across backends too), nonces that never
 * repeat and refuse to wrap, and replayed or tampered messages refused.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_crypto_util.h"

static uint64_t
be_get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Sealed by either backend, opened by either. */
Test(crypto_seal, round_trip_across_backends)
{
	static const uint32_t lens[] = { 0, 1, 15, 16, 17, 64, 1000, 4096, 65536 };
	uint64_t s = tcu_seed();
	uint8_t key[16], aad[13];
	uint8_t *pt = malloc(65536), *msg = malloc(65536 + 28), *out = malloc(65536);
	struct tg_crypto_engine *e[2];

	cr_assert(pt && msg && out);
	tcu_fill(&s, key, 16);
	tcu_fill(&s, aad, sizeof(aad));
	for (int b = 0; b < 2; b++)
		e[b] = tcu_engine(tcu_backends[b], key);
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		for (int sb = 0; sb < 2; sb++) {
			uint32_t len = lens[l];
			tcu_fill(&s, pt, len);
			long n = tg_crypto_seal(e[sb], 0, aad, sizeof(aad), pt, len, msg, len + 28);
			cr_assert_eq(n, (long)len + 28, "%s: seal %u bytes", tcu_backends[sb], len);
			for (int ob = 0; ob < 2; ob++) {
				memset(out, 0, len);
				long m = tg_crypto_open(e[ob], 0, aad, sizeof(aad), msg, (size_t)n, out, len, NULL);
				cr_assert_eq(m, (long)len, "sealed by %s, opened by %s, %u bytes",
					     tcu_backends[sb], tcu_backends[ob], len);
				cr_assert_arr_eq(out, pt, len);
			}
		}
	}
	/* no AAD at all */
	long n = tg_crypto_seal(e[0], 0, NULL, 0, pt, 10, msg, 38);
	cr_assert_eq(n, 38);
	cr_assert_eq(tg_crypto_open(e[1], 0, NULL, 0, msg, 38, out, 10, NULL), 10);
	cr_assert_eq(tg_crypto_open(e[1], 0, aad, 1, msg, 38, out, 10, NULL), -EBADMSG);
	/* room */
	cr_assert_eq(tg_crypto_seal(e[0], 0, NULL, 0, pt, 10, msg, 37), -ENOSPC);
	cr_assert_eq(tg_crypto_open(e[1], 0, NULL, 0, msg, 38, out, 9, NULL), -ENOSPC);
	/* an empty slot */
	cr_assert_eq(tg_crypto_seal(e[0], 3, NULL, 0, pt, 10, msg, 38), -EINVAL);
	cr_assert_eq(tg_crypto_open(e[0], 3, NULL, 0, msg, 38, out, 10, NULL), -EINVAL);
	for (int b = 0; b < 2; b++)
		tg_crypto_engine_close(e[b]);
	free(pt);
	free(msg);
	free(out);
}

/*
 * 200,000 seals: each nonce is the fixed field then a counter one above
 * the last, so none repeats; two slots sharing a key with different
 * fixed fields never meet; reloading a key restarts at counter 0 (the
 * caller resumes with seal_init) and seal_init is honoured.
 */
Test(crypto_seal, nonces_unique)
{
	enum { N = 200000 };
	uint8_t key[16] = { 0x42 }, msg[4 + 28], pt[4] = { 1, 2, 3, 4 };

	for (int b = 0; b < 2; b++) {
		struct tg_crypto_engine *e = tcu_engine(tcu_backends[b], key);
		cr_assert_eq(tg_crypto_key_load(e, 1, key), 0);
		cr_assert_eq(tg_crypto_seal_init(e, 0, 0xA0000001u, 0), 0);
		cr_assert_eq(tg_crypto_seal_init(e, 1, 0xB0000002u, 0), 0);
		for (uint64_t i = 0; i < N; i++) {
			for (unsigned slot = 0; slot < 2; slot++) {
				cr_assert_eq(tg_crypto_seal(e, slot, NULL, 0, pt, 4, msg, sizeof(msg)), 32);
				cr_assert_eq(be_get(msg, 4), slot ? 0xB0000002u : 0xA0000001u);
				cr_assert_eq(be_get(msg + 4, 8), i, "%s slot %u: seal %lu used counter %lu",
					     tcu_backends[b], slot, (unsigned long)i,
					     (unsigned long)be_get(msg + 4, 8));
			}
		}
		uint64_t next;
		int spent;
		cr_assert_eq(tg_crypto_seal_counter(e, 0, &next, &spent), 0);
		cr_assert_eq(next, N);
		cr_assert_eq(spent, 0);

		/* a journal resuming after the counter it persisted */
		cr_assert_eq(tg_crypto_seal_init(e, 0, 0xA0000001u, 123456789012ull), 0);
		cr_assert_eq(tg_crypto_seal(e, 0, NULL, 0, pt, 4, msg, sizeof(msg)), 32);
		cr_assert_eq(be_get(msg + 4, 8), 123456789012ull);
		cr_assert_eq(tg_crypto_key_load(e, 0, key), 0);
		cr_assert_eq(tg_crypto_seal_counter(e, 0, &next, &spent), 0);
		cr_assert_eq(next, 0);
		cr_assert_eq(tg_crypto_seal_init(e, 5, 0, 0), -EINVAL, "seal_init on an empty slot");
		tg_crypto_engine_close(e);
	}
}

/* The counter's last value is used once, then sealing is refused. */
Test(crypto_seal, counter_never_wraps)
{
	uint8_t key[16] = { 9 }, msg[1 + 28], pt[1] = { 0 };

	for (int b = 0; b < 2; b++) {
		struct tg_crypto_engine *e = tcu_engine(tcu_backends[b], key);
		uint64_t next;
		int spent;

		cr_assert_eq(tg_crypto_seal_init(e, 0, 7, UINT64_MAX - 1), 0);
		cr_assert_eq(tg_crypto_seal(e, 0, NULL, 0, pt, 1, msg, sizeof(msg)), 29);
		cr_assert_eq(be_get(msg + 4, 8), UINT64_MAX - 1);
		cr_assert_eq(tg_crypto_seal(e, 0, NULL, 0, pt, 1, msg, sizeof(msg)), 29);
		cr_assert_eq(be_get(msg + 4, 8), UINT64_MAX);
		cr_assert_eq(tg_crypto_seal_counter(e, 0, &next, &spent), 0);
		cr_assert_eq(spent, 1);
		memset(msg, 0x77, sizeof(msg));
		for (int i = 0; i < 3; i++)
			cr_assert_eq(tg_crypto_seal(e, 0, NULL, 0, pt, 1, msg, sizeof(msg)), -EOVERFLOW,
				     "%s: sealed past counter 2^64 - 1", tcu_backends[b]);
		for (size_t i = 0; i < sizeof(msg); i++)
			cr_assert_eq(msg[i], 0x77, "refused seal wrote out");
		/* a new key starts over */
		cr_assert_eq(tg_crypto_key_load(e, 0, key), 0);
		cr_assert_eq(tg_crypto_seal(e, 0, NULL, 0, pt, 1, msg, sizeof(msg)), 29);
		tg_crypto_engine_close(e);
	}
}

/*
 * The replay window: each message opens once; reordering inside the
 * window is fine; anything older than the window, seen before, or from
 * another sender is refused; NULL window (a journal re-reading) opens
 * anything authentic any number of times.
 */
Test(crypto_seal, replay_refused)
{
	enum { M = 200 };
	uint8_t key[16] = { 3 }, pt[8] = "tickgate", out[8];
	static uint8_t msg[M][8 + 28];
	struct tg_crypto_replay w, other;

	for (int b = 0; b < 2; b++) {
		struct tg_crypto_engine *e = tcu_engine(tcu_backends[b], key);
		cr_assert_eq(tg_crypto_seal_init(e, 0, 0x11, 1000), 0);
		for (int i = 0; i < M; i++)
			cr_assert_eq(tg_crypto_seal(e, 0, NULL, 0, pt, 8, msg[i], sizeof(msg[i])), 36);
		tg_crypto_replay_init(&w, 0x11);
		tg_crypto_replay_init(&other, 0x12);

		cr_assert_eq(tg_crypto_open(e, 0, NULL, 0, msg[0], 36, out, 8, &other), -EBADMSG,
			     "another sender's window accepted it");
		/* in order, each once */
		for (int i = 0; i < 100; i++) {
			cr_assert_eq(tg_crypto_open(e, 0, NULL, 0, msg[i], 36, out, 8, &w), 8);
			cr_assert_eq(tg_crypto_open(e, 0, NULL, 0, msg[i], 36, out, 8, &w), -EALREADY,
				     "%s: message %d replayed", tcu_backends[b], i);
		}
		/* 100..199 arrive reversed in chunks of 50: within the window of 64 */
		for (int c = 100; c < M; c += 50)
			for (int i = c + 49; i >= c; i--) {
				cr_assert_eq(tg_crypto_open(e, 0, NULL, 0, msg[i], 36, out, 8, &w), 8,
					     "%s: reordered message %d refused", tcu_backends[b], i);
				cr_assert_arr_eq(out, pt, 8);
			}
		for (int i = 100; i < M; i++)
			cr_assert_eq(tg_crypto_open(e, 0, NULL, 0, msg[i], 36, out, 8, &w), -EALREADY);
		/* older than the window, never seen by a fresh window in this order */
		struct tg_crypto_replay w2;
		tg_crypto_replay_init(&w2, 0x11);
		cr_assert_eq(tg_crypto_open(e, 0, NULL, 0, msg[M - 1], 36, out, 8, &w2), 8);
		cr_assert_eq(tg_crypto_open(e, 0, NULL, 0, msg[M - 1 - 64], 36, out, 8, &w2), -EALREADY,
			     "older than the window accepted");
		cr_assert_eq(tg_crypto_open(e, 0, NULL, 0, msg[M - 1 - 63], 36, out, 8, &w2), 8);
		/* a journal reading back */
		for (int k = 0; k < 3; k++)
			cr_assert_eq(tg_crypto_open(e, 0, NULL, 0, msg[5], 36, out, 8, NULL), 8);
		tg_crypto_engine_close(e);
	}
}

/*
 * Every bit of a sealed message flipped (nonce, ciphertext, tag), and
 * truncations: refused, no plaintext out, and the window not moved, so
 * the genuine message still opens afterwards.
 */
Test(crypto_seal, tampered_refused)
{
	uint8_t key[16] = { 0x5e }, aad[5] = "order", pt[20] = "buy 100 ACME @ 12.50", out[20];
	uint8_t msg[20 + 28], bad[20 + 28];
	struct tg_crypto_replay w;

	for (int b = 0; b < 2; b++) {
		struct tg_crypto_engine *e = tcu_engine(tcu_backends[b], key);
		cr_assert_eq(tg_crypto_seal_init(e, 0, 0xfeed, 41), 0);
		cr_assert_eq(tg_crypto_seal(e, 0, aad, 5, pt, 20, msg, sizeof(msg)), 48);
		tg_crypto_replay_init(&w, 0xfeed);
		for (unsigned bit = 0; bit < sizeof(msg) * 8; bit++) {
			memcpy(bad, msg, sizeof(msg));
			bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			memset(out, 0xa5, sizeof(out));
			long r = tg_crypto_open(e, 0, aad, 5, bad, sizeof(bad), out, sizeof(out), &w);
			cr_assert_eq(r, -EBADMSG, "%s: bit %u flipped: %ld", tcu_backends[b], bit, r);
			for (size_t i = 0; i < sizeof(out); i++)
				cr_assert(out[i] == 0 || out[i] == 0xa5, "plaintext left in out");
			cr_assert_eq(w.any, 0, "a forged message moved the window");
		}
		for (size_t cut = 0; cut < sizeof(msg); cut++)
			cr_assert_eq(tg_crypto_open(e, 0, aad, 5, msg, cut, out, sizeof(out), &w), -EBADMSG,
				     "truncated to %zu accepted", cut);
		for (unsigned bit = 0; bit < 40; bit++) {
			uint8_t a[5];
			memcpy(a, aad, 5);
			a[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert_eq(tg_crypto_open(e, 0, a, 5, msg, sizeof(msg), out, sizeof(out), &w), -EBADMSG);
		}
		/* the wrong key */
		uint8_t k2[16] = { 0x5f };
		cr_assert_eq(tg_crypto_key_load(e, 1, k2), 0);
		cr_assert_eq(tg_crypto_open(e, 1, aad, 5, msg, sizeof(msg), out, sizeof(out), &w), -EBADMSG);
		/* the genuine one, once */
		cr_assert_eq(tg_crypto_open(e, 0, aad, 5, msg, sizeof(msg), out, sizeof(out), &w), 20);
		cr_assert_arr_eq(out, pt, 20);
		cr_assert_eq(tg_crypto_open(e, 0, aad, 5, msg, sizeof(msg), out, sizeof(out), &w), -EALREADY);
		tg_crypto_engine_close(e);
	}
}
