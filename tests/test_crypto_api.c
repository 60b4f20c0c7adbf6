/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's contract: which jobs are refused, key slots, batches
 * through submit and poll, and GCM refusing every tampered bit without
 * leaving plaintext behind, on both backends.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_crypto_util.h"

Test(crypto_api, unknown_backend)
{
	struct tg_crypto_engine *e = NULL;

	cr_assert_eq(tg_crypto_engine_open("aesni", &e), -ENOENT);
	cr_assert_eq(tg_crypto_engine_open(NULL, &e), -EINVAL);
	for (int b = 0; b < 2; b++) {
		cr_assert_eq(tg_crypto_engine_open(tcu_backends[b], &e), 0);
		cr_assert_str_eq(tg_crypto_backend(e), tcu_backends[b]);
		tg_crypto_engine_close(e);
	}
	tg_crypto_engine_close(NULL);
}

/* Every malformed job completes with -EINVAL and leaves dst alone. */
Test(crypto_api, bad_jobs_refused)
{
	uint8_t key[16] = { 7 }, src[64] = { 0 }, dst[64], iv[16] = { 0 }, aad[4] = { 0 };

	for (int b = 0; b < 2; b++) {
		struct tg_crypto_engine *e = tcu_engine(tcu_backends[b], key);
		struct tg_crypto_job bad[14];
		int n = 0;

		bad[n] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, NULL, 0);
		bad[n++].mode = 0;
		bad[n] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, NULL, 0);
		bad[n++].mode = 4;
		bad[n] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, NULL, 0);
		bad[n++].op = 2;
		bad[n++] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, TG_CRYPTO_KEY_SLOTS, src, dst, 16, iv, NULL, 0);
		bad[n++] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 1, src, dst, 16, iv, NULL, 0);	/* empty slot */
		bad[n++] = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, src, dst, 20, NULL, NULL, 0);
		bad[n] = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, NULL, NULL, 0);
		bad[n++].iv_len = 16;
		bad[n] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, NULL, 0);
		bad[n++].iv_len = 12;
		bad[n] = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, NULL, 0);
		bad[n++].iv_len = 16;
		bad[n++] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, aad, 4);
		bad[n++] = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, NULL, aad, 4);
		bad[n++] = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, NULL, 4);
		bad[n++] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, NULL, dst, 16, iv, NULL, 0);
		bad[n++] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src, NULL, 16, iv, NULL, 0);
		for (int i = 0; i < n; i++) {
			memset(dst, 0x5a, sizeof(dst));
			cr_assert_eq(tg_crypto_run(e, &bad[i]), -EINVAL, "%s: bad job %d accepted",
				     tcu_backends[b], i);
			for (size_t k = 0; k < sizeof(dst); k++)
				cr_assert_eq(dst[k], 0x5a, "%s: bad job %d wrote dst", tcu_backends[b], i);
		}
		/* the same jobs through submit: taken, and handed back refused */
		cr_assert_eq(tg_crypto_submit(e, bad, (unsigned)n), n);
		struct tg_crypto_job *done[16];
		cr_assert_eq(tg_crypto_poll(e, done, 16), (unsigned)n);
		for (int i = 0; i < n; i++) {
			cr_assert_eq(done[i], &bad[i]);
			cr_assert_eq(done[i]->status, -EINVAL);
		}
		/* zero-length jobs with no buffers are fine */
		struct tg_crypto_job z = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, NULL, NULL, 0, iv, NULL, 0);
		cr_assert_eq(tg_crypto_run(e, &z), 0);
		z = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_DECRYPT, 0, NULL, NULL, 0, NULL, NULL, 0);
		cr_assert_eq(tg_crypto_run(e, &z), 0);
		cr_assert_eq(tg_crypto_submit(NULL, bad, 1), -EINVAL);
		cr_assert_eq(tg_crypto_run(e, NULL), -EINVAL);
		tg_crypto_engine_close(e);
	}
}

/* Slots: separate keys, replaced keys take effect, unloaded slots refuse. */
Test(crypto_api, key_slots)
{
	uint64_t s = tcu_seed();
	uint8_t k1[16], k2[16], pt[32], a[32], b[32], c[32];

	tcu_fill(&s, k1, 16);
	tcu_fill(&s, k2, 16);
	tcu_fill(&s, pt, 32);
	for (int be = 0; be < 2; be++) {
		struct tg_crypto_engine *e = tcu_engine(tcu_backends[be], k1);
		cr_assert_eq(tg_crypto_key_load(e, TG_CRYPTO_KEY_SLOTS - 1, k2), 0);
		cr_assert_eq(tg_crypto_key_load(e, TG_CRYPTO_KEY_SLOTS, k2), -EINVAL);
		struct tg_crypto_job j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, pt, a, 32, NULL, NULL, 0);
		cr_assert_eq(tg_crypto_run(e, &j), 0);
		j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, TG_CRYPTO_KEY_SLOTS - 1, pt, b, 32, NULL, NULL, 0);
		cr_assert_eq(tg_crypto_run(e, &j), 0);
		cr_assert_arr_neq(a, b, 32, "two keys, same ciphertext");

		/* slot 0 replaced by k2: now encrypts like the last slot */
		cr_assert_eq(tg_crypto_key_load(e, 0, k2), 0);
		j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, pt, c, 32, NULL, NULL, 0);
		cr_assert_eq(tg_crypto_run(e, &j), 0);
		cr_assert_arr_eq(c, b, 32, "%s: replaced key not in use", tcu_backends[be]);

		cr_assert_eq(tg_crypto_key_unload(e, 0), 0);
		cr_assert_eq(tg_crypto_key_unload(e, 0), 0);
		cr_assert_eq(tg_crypto_key_unload(e, TG_CRYPTO_KEY_SLOTS), -EINVAL);
		cr_assert_eq(tg_crypto_run(e, &j), -EINVAL, "%s: unloaded slot still works", tcu_backends[be]);
		tg_crypto_engine_close(e);
	}
}

/*
 * Batches: submit takes what fits in the queue, poll gives jobs back in
 * submission order with their results, and run works beside a full queue
 * without disturbing it.
 */
Test(crypto_api, submit_poll_batches)
{
	enum { N = TG_CRYPTO_QUEUE_DEPTH + 44 };
	uint64_t s = tcu_seed();
	uint8_t key[16];
	static uint8_t src[N][48], dst[N][48], ref[N][48];
	static struct tg_crypto_job jobs[N];
	struct tg_crypto_job *done[N];

	tcu_fill(&s, key, 16);
	tcu_fill(&s, &src[0][0], sizeof(src));
	for (int be = 0; be < 2; be++) {
		struct tg_crypto_engine *e = tcu_engine(tcu_backends[be], key);
		for (int i = 0; i < N; i++) {
			uint8_t iv[16];
			tcu_fill(&s, iv, 16);
			jobs[i] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src[i], dst[i], 1 + i % 48, iv, NULL, 0);
			struct tg_crypto_job r = jobs[i];
			r.dst = ref[i];
			cr_assert_eq(tg_crypto_run(e, &r), 0);
		}
		jobs[7].iv_len = 0;	/* one bad job in the batch */

		cr_assert_eq(tg_crypto_submit(e, jobs, N), TG_CRYPTO_QUEUE_DEPTH, "queue depth");
		cr_assert_eq(tg_crypto_submit(e, jobs + TG_CRYPTO_QUEUE_DEPTH, 44), 0, "full queue took more");

		/* a synchronous job meanwhile */
		uint8_t one[16], iv[16] = { 0 };
		struct tg_crypto_job r = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src[0], one, 16, iv, NULL, 0);
		cr_assert_eq(tg_crypto_run(e, &r), 0);

		unsigned got = tg_crypto_poll(e, done, 100);
		cr_assert_eq(got, 100);
		cr_assert_eq(tg_crypto_submit(e, jobs + TG_CRYPTO_QUEUE_DEPTH, 44), 44);
		got += tg_crypto_poll(e, done + got, N);
		cr_assert_eq(got, N);
		cr_assert_eq(tg_crypto_poll(e, done, N), 0, "poll after drain");
		for (int i = 0; i < N; i++) {
			cr_assert_eq(done[i], &jobs[i], "%s: job %d out of order", tcu_backends[be], i);
			if (i == 7) {
				cr_assert_eq(jobs[i].status, -EINVAL);
				continue;
			}
			cr_assert_eq(jobs[i].status, 0);
			cr_assert_arr_eq(dst[i], ref[i], jobs[i].len, "%s: job %d result", tcu_backends[be], i);
		}
		tg_crypto_engine_close(e);
	}
}

/*
 * GCM decrypt of msg with one bit flipped in what (0 ciphertext, 1 tag,
 * 2 AAD, 3 IV) at bit: must be refused with dst all zeros.
 */
static void
tamper_one(struct tg_crypto_engine *e, const char *be, const uint8_t *ct, uint32_t len,
	   const uint8_t tag[16], const uint8_t *aad, uint32_t aad_len, const uint8_t iv[12],
	   int what, uint32_t bit, uint8_t *scratch, uint8_t *dst)
{
	static const char *const names[] = { "ciphertext", "tag", "AAD", "IV" };
	uint8_t t[16], a[64], v[12];

	memcpy(scratch, ct, len);
	memcpy(t, tag, 16);
	memcpy(a, aad, aad_len);
	memcpy(v, iv, 12);
	uint8_t *target = what == 0 ? scratch : what == 1 ? t : what == 2 ? a : v;
	target[bit / 8] ^= (uint8_t)(1u << (bit % 8));

	memset(dst, 0xa5, len);
	struct tg_crypto_job j = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_DECRYPT, 0, scratch, dst, len, v, a, aad_len);
	memcpy(j.tag, t, 16);
	cr_assert_eq(tg_crypto_run(e, &j), -EBADMSG, "%s: %s bit %u flipped, len %u: accepted",
		     be, names[what], bit, len);
	for (uint32_t i = 0; i < len; i++)
		cr_assert_eq(dst[i], 0, "%s: %s bit %u flipped: dst byte %u not cleared",
			     be, names[what], bit, i);
}

/*
 * Every single bit of ciphertext, tag, AAD and IV of a short message
 * (and of an empty one), and random bits of a long one.
 */
Test(crypto_api, gcm_tampering_refused, .timeout = 300)
{
	uint64_t s = tcu_seed();
	uint8_t key[16], iv[12], aad[21];
	uint8_t *pt = malloc(70000), *ct = malloc(70000), *scratch = malloc(70000), *dst = malloc(70000);

	cr_assert(pt && ct && scratch && dst);
	tcu_fill(&s, key, 16);
	tcu_fill(&s, iv, 12);
	tcu_fill(&s, aad, sizeof(aad));
	for (int be = 0; be < 2; be++) {
		struct tg_crypto_engine *e = tcu_engine(tcu_backends[be], key);
		const uint32_t lens[] = { 0, 33, 70000 };
		for (size_t l = 0; l < 3; l++) {
			uint32_t len = lens[l];
			tcu_fill(&s, pt, len);
			struct tg_crypto_job j = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT, 0, pt, ct, len,
							 iv, aad, sizeof(aad));
			cr_assert_eq(tg_crypto_run(e, &j), 0);
			const uint32_t bits[4] = { len * 8, 128, sizeof(aad) * 8, 96 };
			for (int what = 0; what < 4; what++) {
				if (len > 1000) {
					for (int k = 0; k < 40; k++)
						tamper_one(e, tcu_backends[be], ct, len, j.tag, aad, sizeof(aad), iv,
							   what, tcu_below(&s, bits[what]), scratch, dst);
					continue;
				}
				for (uint32_t bit = 0; bit < bits[what]; bit++)
					tamper_one(e, tcu_backends[be], ct, len, j.tag, aad, sizeof(aad), iv,
						   what, bit, scratch, dst);
			}
			/* the AAD dropped or grown by a byte */
			struct tg_crypto_job d = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_DECRYPT, 0, ct, dst, len,
							 iv, aad, sizeof(aad) - 1);
			memcpy(d.tag, j.tag, 16);
			cr_assert_eq(tg_crypto_run(e, &d), -EBADMSG);
			d.aad_len = 0;
			cr_assert_eq(tg_crypto_run(e, &d), -EBADMSG);
			/* untouched, it opens */
			d.aad_len = sizeof(aad);
			cr_assert_eq(tg_crypto_run(e, &d), 0);
			cr_assert_arr_eq(dst, pt, len);
		}
		tg_crypto_engine_close(e);
	}
	free(pt);
	free(ct);
	free(scratch);
	free(dst);
}
