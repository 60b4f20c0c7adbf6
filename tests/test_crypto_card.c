/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crypto engine on a card: tg_crypto_engine_open("model") and ("sim")
 * through the driver's rings, held to the same contract as the software
 * backends. Oracles: the standards' vectors (GB/T 32907 examples 1 and 2,
 * RFC 8998 A.1), and OpenSSL (the "openssl" software engine: EVP SM4 and
 * a GHASH of its own, sharing no code with the libgcrypt the model
 * computes with, nor with the RTL).
 *
 * Each test runs on the model card and on the Verilated card, except the
 * 1,000,000-job chains and the jobs longer than the card's 16 MiB, which
 * run on the model (TG_CRYPTO_SOAK=1 runs the chains on the Verilated card
 * too: about ten minutes).
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/tg_crypto.h"
#include "tg_card.h"
#include "test_crypto_util.h"

static const char *const cards[] = { "model", "sim" };

/* Open backend with key in slot 0, asserting the card has SM4. */
static struct tg_crypto_engine *
card_engine(const char *backend, const uint8_t key[16])
{
	struct tg_crypto_engine *e = NULL;
	int rc = tg_crypto_engine_open(backend, &e);

	cr_assert_neq(rc, -ENOTSUP, "the %s card has no SM4 engine (CAPS bit 25 clear)", backend);
	cr_assert_eq(rc, 0, "open %s: %d", backend, rc);
	cr_assert_str_eq(tg_crypto_backend(e), backend);
	cr_assert_not_null(tg_crypto_engine_card(e));
	cr_assert_eq(tg_crypto_key_load(e, 0, key), 0, "%s: key load", backend);
	return e;
}

/* One card counter. */
static uint64_t
card_counter(struct tg_crypto_engine *e, unsigned c)
{
	uint64_t v[TG_CNT_NUM];

	tg_card_counters(tg_crypto_engine_card(e), v, TG_CNT_NUM);
	return v[c];
}

/* Submit every job (polling when the queue is full), then poll them all back in order. */
static void
run_batch(struct tg_crypto_engine *e, struct tg_crypto_job *jobs, unsigned n)
{
	struct tg_crypto_job *done[64];
	unsigned sub = 0, back = 0;

	while (back < n) {
		if (sub < n) {
			int k = tg_crypto_submit(e, jobs + sub, n - sub);

			cr_assert_geq(k, 0);
			sub += (unsigned)k;
		}
		unsigned got = tg_crypto_poll(e, done, 64);

		for (unsigned i = 0; i < got; i++, back++)
			cr_assert_eq(done[i], &jobs[back], "job %u came back out of order", back);
	}
}

/* ---- vectors ---- */

static void
gbt_example1(const char *card)
{
	uint8_t key[16], pt[16], out[16], want[16];
	struct tg_crypto_engine *e;

	tcu_unhex("0123456789abcdeffedcba9876543210", key, 16);
	tcu_unhex("681edf34d206965e86b3e94f536e4246", want, 16);
	memcpy(pt, key, 16);
	e = card_engine(card, key);
	struct tg_crypto_job j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, pt, out, 16,
					 NULL, NULL, 0);
	cr_assert_eq(tg_crypto_run(e, &j), 0);
	cr_expect_arr_eq(out, want, 16, "%s", card);
	j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_DECRYPT, 0, want, out, 16, NULL, NULL, 0);
	cr_assert_eq(tg_crypto_run(e, &j), 0);
	cr_expect_arr_eq(out, pt, 16, "%s", card);
	tg_crypto_engine_close(e);
}

Test(crypto_card, gbt_example1_model) { gbt_example1("model"); }
Test(crypto_card, gbt_example1_sim) { gbt_example1("sim"); }

/*
 * GB/T 32907 example 2: the block encrypted 1,000,000 times, as 1,000,000
 * one-block jobs through the ring, each encrypting in place what the one
 * before wrote. Each waits for the one before (tg_crypto_run): a card
 * overlaps jobs in flight, reading a job's source while earlier ones are
 * still in the cipher, so jobs that depend on each other's output must
 * not be in flight together. Then 1,000,000 decryptions the same way.
 */
static void
gbt_example2(const char *card)
{
	const unsigned n = 1000000;
	uint8_t key[16], pt[16], want[16];
	uint8_t *buf = aligned_alloc(16, 16);
	struct tg_crypto_engine *e;

	cr_assert(buf);
	tcu_unhex("0123456789abcdeffedcba9876543210", key, 16);
	tcu_unhex("595298c7c6fd271f0402f804c33d3f66", want, 16);
	memcpy(pt, key, 16);
	memcpy(buf, pt, 16);
	e = card_engine(card, key);
	struct tg_crypto_job j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, buf, buf, 16,
					 NULL, NULL, 0);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(tg_crypto_run(e, &j), 0, "job %u", i);
	cr_expect_arr_eq(buf, want, 16, "%s: 1,000,000 encryptions", card);
	j.op = TG_CRYPTO_DECRYPT;
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(tg_crypto_run(e, &j), 0, "job %u", i);
	cr_expect_arr_eq(buf, pt, 16, "%s: and back", card);
	cr_expect_eq(card_counter(e, TG_CNT_CRYPTO_JOBS), 2ull * n);
	cr_expect_eq(card_counter(e, TG_CNT_CRYPTO_BYTES), 32ull * n);
	tg_crypto_engine_close(e);
	free(buf);
}

Test(crypto_card, gbt_example2_model, .timeout = 300) { gbt_example2("model"); }

Test(crypto_card, gbt_example2_sim_soak, .timeout = 3600)
{
	if (!getenv("TG_CRYPTO_SOAK"))
		cr_skip_test("TG_CRYPTO_SOAK not set: the 1,000,000-job chain runs on the model");
	gbt_example2("sim");
}

/* RFC 8998 A.1 through submit/poll, both ways; the card's tag is the RFC's. */
static void
rfc8998(const char *card)
{
	uint8_t key[16], iv[12], aad[20], pt[64], ct[64], tag[16], out[64];
	struct tg_crypto_engine *e;

	tcu_unhex("0123456789ABCDEFFEDCBA9876543210", key, 16);
	tcu_unhex("00001234567800000000ABCD", iv, 12);
	tcu_unhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2", aad, 20);
	tcu_unhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
		  "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA", pt, 64);
	tcu_unhex("17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
		  "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D", ct, 64);
	tcu_unhex("83DE3541E4C2B58177E065A9BF7B62EC", tag, 16);
	e = card_engine(card, key);
	struct tg_crypto_job j[2] = {
		tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT, 0, pt, out, 64, iv, aad, 20),
		tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_DECRYPT, 0, ct, out + 0, 64, iv, aad, 20),
	};
	uint8_t out2[64];

	j[1].dst = out2;
	memcpy(j[1].tag, tag, 16);
	run_batch(e, j, 2);
	cr_assert_eq(j[0].status, 0);
	cr_assert_eq(j[1].status, 0);
	cr_expect_arr_eq(out, ct, 64, "%s: ciphertext", card);
	cr_expect_arr_eq(j[0].tag, tag, 16, "%s: tag", card);
	cr_expect_arr_eq(out2, pt, 64, "%s: plaintext", card);
	tg_crypto_engine_close(e);
}

Test(crypto_card, rfc8998_model) { rfc8998("model"); }
Test(crypto_card, rfc8998_sim) { rfc8998("sim"); }

/* ---- against OpenSSL ---- */

/*
 * Random keys (slots 0-3), IVs, AAD and lengths (the awkward ones and
 * random up to 8 KiB), every mode and op, unaligned and in-place buffers,
 * 200 jobs in flight at once: the card's bytes and tags equal the OpenSSL
 * engine's, and decrypting the reference's ciphertext gives the text.
 */
static void
against_openssl(const char *card)
{
	static const uint32_t lens[] = { 0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 4095, 4096 };
	const unsigned n = 200;
	uint64_t s = tcu_seed() ^ (uint64_t)card[0];
	uint8_t keys[4][16];
	struct tg_crypto_engine *e, *ref;
	struct tg_crypto_job *jobs = calloc(n, sizeof(*jobs)), *rj = calloc(n, sizeof(*rj));
	uint8_t **src = calloc(n, sizeof(*src)), **dst = calloc(n, sizeof(*dst));
	uint8_t **want = calloc(n, sizeof(*want)), **aad = calloc(n, sizeof(*aad));

	cr_assert(jobs && rj && src && dst && want && aad);
	tcu_fill(&s, &keys[0][0], sizeof(keys));
	e = card_engine(card, keys[0]);
	ref = tcu_engine("openssl", keys[0]);
	for (unsigned k = 1; k < 4; k++) {
		cr_assert_eq(tg_crypto_key_load(e, k, keys[k]), 0);
		cr_assert_eq(tg_crypto_key_load(ref, k, keys[k]), 0);
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t mode = (uint8_t)(1 + i % 3), op = (uint8_t)(i / 3 % 2), slot = (uint8_t)tcu_below(&s, 4);
		uint32_t len = i < 72 ? lens[i / 6] : tcu_below(&s, 8192);
		uint32_t aad_len = mode == TG_CRYPTO_GCM ? tcu_below(&s, 301) : 0;
		unsigned so = tcu_below(&s, 16), dof = tcu_below(&s, 16);
		int in_place = tcu_below(&s, 4) == 0;
		uint8_t iv[16];

		if (mode == TG_CRYPTO_ECB)
			len &= ~15u;
		src[i] = malloc(len + 32);
		dst[i] = malloc(len + 32);
		want[i] = malloc(len + 16);
		aad[i] = malloc(aad_len + 16);
		cr_assert(src[i] && dst[i] && want[i] && aad[i]);
		tcu_fill(&s, src[i] + so, len);
		tcu_fill(&s, aad[i] + 1, aad_len);
		tcu_fill(&s, iv, 16);
		if (i % 17 == 0) {	/* CTR across 2^64 */
			memset(iv + 8, 0xff, 8);
			iv[15] = (uint8_t)(0xff - tcu_below(&s, 4));
		}
		/* the reference: encrypt, or make a ciphertext and its tag to decrypt */
		rj[i] = tcu_job(mode, TG_CRYPTO_ENCRYPT, slot, src[i] + so, want[i], len, iv,
				aad[i] + 1, aad_len);
		cr_assert_eq(tg_crypto_run(ref, &rj[i]), 0);
		if (op == TG_CRYPTO_DECRYPT) {
			if (mode == TG_CRYPTO_ECB) {
				/* decrypt a random text: the reference decrypts it too */
				rj[i].op = TG_CRYPTO_DECRYPT;
				cr_assert_eq(tg_crypto_run(ref, &rj[i]), 0);
			} else {
				/* src becomes the reference's ciphertext, want the text */
				uint8_t *t = malloc(len + 1);

				memcpy(t, src[i] + so, len);
				memcpy(src[i] + so, want[i], len);
				memcpy(want[i], t, len);
				free(t);
			}
		}
		uint8_t *out = in_place ? src[i] + so : dst[i] + dof;

		jobs[i] = tcu_job(mode, op, slot, src[i] + so, out, len, iv, aad[i] + 1, aad_len);
		if (mode == TG_CRYPTO_GCM && op == TG_CRYPTO_DECRYPT)
			memcpy(jobs[i].tag, rj[i].tag, 16);
	}
	run_batch(e, jobs, n);
	for (unsigned i = 0; i < n; i++) {
		cr_assert_eq(jobs[i].status, 0, "%s job %u (mode %u op %u len %u)", card, i,
			     jobs[i].mode, jobs[i].op, jobs[i].len);
		cr_assert(!memcmp(jobs[i].dst, want[i], jobs[i].len),
			  "%s job %u (mode %u op %u len %u): bytes differ from OpenSSL", card, i,
			  jobs[i].mode, jobs[i].op, jobs[i].len);
		if (jobs[i].mode == TG_CRYPTO_GCM && jobs[i].op == TG_CRYPTO_ENCRYPT)
			cr_assert_arr_eq(jobs[i].tag, rj[i].tag, 16, "%s job %u: tag", card, i);
		free(src[i]);
		free(dst[i]);
		free(want[i]);
		free(aad[i]);
	}
	cr_expect_eq(card_counter(e, TG_CNT_CRYPTO_JOBS), n);
	cr_expect_eq(card_counter(e, TG_CNT_CRYPTO_TAG_FAIL), 0);
	cr_expect_eq(card_counter(e, TG_CNT_CRYPTO_BAD_JOB), 0);
	tg_crypto_engine_close(e);
	tg_crypto_engine_close(ref);
	free(jobs);
	free(rj);
	free(src);
	free(dst);
	free(want);
	free(aad);
}

Test(crypto_card, against_openssl_model) { against_openssl("model"); }
Test(crypto_card, against_openssl_sim, .timeout = 600) { against_openssl("sim"); }

/* ---- refusals ---- */

/*
 * Bad jobs: refused by the engine (-EINVAL, dst untouched), in their turn
 * among good ones; the card-only limits (GCM above 16 MiB, AAD above
 * 64 KiB) too. Then a slot unloaded behind the engine's back: the engine
 * passes the job, the card answers BAD_JOB, and that is -EINVAL as well.
 */
static void
bad_jobs(const char *card)
{
	uint8_t key[16] = { 1, 2, 3 }, src[64] = { 0 }, dst[64], iv[16] = { 0 }, aad[8] = { 0 };
	struct tg_crypto_engine *e = card_engine(card, key);
	struct tg_crypto_job j[12];
	unsigned n = 0;

	memset(dst, 0xCC, sizeof(dst));
	j[n++] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, NULL, 0);
	j[n++] = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, src, dst, 17, NULL, NULL, 0);
	j[n++] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 5, src, dst, 16, iv, NULL, 0);
	j[n++] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 16, src, dst, 16, iv, NULL, 0);
	j[n++] = tcu_job(4, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, NULL, 0);
	j[n++] = tcu_job(TG_CRYPTO_CTR, 2, 0, src, dst, 16, iv, NULL, 0);
	j[n++] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, aad, 8);
	j[n++] = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, NULL, 0);
	j[n - 1].iv_len = 16;
	j[n++] = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT, 0, src, NULL, 16, iv, NULL, 0);
	/* beyond one card job: a GCM text of 16 MiB + 1, 64 KiB + 1 of AAD (never read) */
	j[n++] = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT, 0, src, dst, TG_CRYPTO_CARD_MAX_GCM + 1,
			 iv, aad, 0);
	j[n++] = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT, 0, src, dst, 16, iv, aad,
			 TG_CRYPTO_CARD_MAX_AAD + 1);
	j[n++] = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, src, dst + 32, 32, NULL, NULL, 0);
	run_batch(e, j, n);
	cr_expect_eq(j[0].status, 0);
	for (unsigned i = 1; i < n - 1; i++)
		cr_expect_eq(j[i].status, -EINVAL, "%s: bad job %u", card, i);
	cr_expect_eq(j[n - 1].status, 0);
	for (unsigned i = 16; i < 32; i++)
		cr_expect_eq(dst[i], 0xCC, "%s: a refused job wrote dst", card);
	cr_expect_eq(card_counter(e, TG_CNT_CRYPTO_JOBS), 2, "refused jobs never reach the card");
	cr_expect_eq(tg_crypto_run(e, &j[2]), -EINVAL, "run refuses too");

	/* the card's own BAD_JOB: slot 0 emptied by a raw register write */
	tg_card_reg_write(tg_crypto_engine_card(e), TG_REG_KEY_CMD, TG_KEY_CMD_UNLOAD | 0);
	memset(dst, 0xCC, sizeof(dst));
	struct tg_crypto_job b[3] = {
		tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src, dst, 64, iv, NULL, 0),
		tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_DECRYPT, 0, src, dst, 64, iv, aad, 8),
		tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_DECRYPT, 0, src, dst, 0, NULL, NULL, 0),
	};
	run_batch(e, b, 3);
	for (unsigned i = 0; i < 3; i++)
		cr_expect_eq(b[i].status, -EINVAL, "%s: BAD_JOB %u from the card", card, i);
	for (unsigned i = 0; i < 64; i++)
		cr_assert_eq(dst[i], 0xCC, "%s: BAD_JOB touched dst", card);
	struct tg_crypto_job r = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src, dst, 64, iv, NULL, 0);
	cr_expect_eq(tg_crypto_run(e, &r), -EINVAL);
	cr_expect_eq(card_counter(e, TG_CNT_CRYPTO_BAD_JOB), 4);
	cr_expect_eq(card_counter(e, TG_CNT_CRYPTO_JOBS), 6);
	tg_crypto_engine_close(e);
}

Test(crypto_card, bad_jobs_model) { bad_jobs("model"); }
Test(crypto_card, bad_jobs_sim) { bad_jobs("sim"); }

/*
 * Forged messages: every bit of the ciphertext, tag, AAD and IV of a
 * 33-byte message flipped in turn, the empty message's tag and AAD bits,
 * random bits of a 70,000-byte one: all -EBADMSG with dst zeroed (the
 * card streamed plaintext there; the driver wiped it), all submitted in
 * batches; the genuine messages still open. CRYPTO_TAG_FAIL counts them.
 */
static void
tamper(const char *card)
{
	uint64_t s = tcu_seed() ^ 0x7a;
	uint8_t key[16], iv[12], aad[21];
	uint32_t lens[3] = { 33, 0, 70000 };
	struct tg_crypto_engine *e, *ref;
	uint64_t fails = 0;

	tcu_fill(&s, key, 16);
	e = card_engine(card, key);
	ref = tcu_engine("openssl", key);
	for (unsigned m = 0; m < 3; m++) {
		uint32_t len = lens[m];
		uint8_t *pt = malloc(len + 1), *ct = malloc(len + 1);
		unsigned nbits = m == 2 ? 40 : len * 8 + 128 + 21 * 8 + 96;
		struct tg_crypto_job *j = calloc(nbits + 1, sizeof(*j));
		uint8_t **out = calloc(nbits + 1, sizeof(*out)), (*bad)[21 + 12 + 16] = calloc(nbits + 1, 49);
		uint8_t **bct = calloc(nbits + 1, sizeof(*bct));

		cr_assert(pt && ct && j && out && bad && bct);
		tcu_fill(&s, pt, len);
		tcu_fill(&s, iv, 12);
		tcu_fill(&s, aad, 21);
		struct tg_crypto_job r = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT, 0, pt, ct, len, iv, aad, 21);
		cr_assert_eq(tg_crypto_run(ref, &r), 0);
		for (unsigned b = 0; b <= nbits; b++) {
			/* bad[b]: aad ‖ iv ‖ tag, one bit of them or of the ciphertext flipped */
			uint8_t *x = bad[b];
			unsigned bit = m == 2 && b < nbits ? tcu_below(&s, len * 8 + 128 + 21 * 8 + 96) : b;

			memcpy(x, aad, 21);
			memcpy(x + 21, iv, 12);
			memcpy(x + 33, r.tag, 16);
			bct[b] = malloc(len + 1);
			out[b] = malloc(len + 1);
			cr_assert(bct[b] && out[b]);
			memcpy(bct[b], ct, len);
			memset(out[b], 0xAA, len + 1);
			if (b < nbits) {
				if (bit < len * 8)
					bct[b][bit / 8] ^= (uint8_t)(1u << bit % 8);
				else
					x[(bit - len * 8) / 8] ^= (uint8_t)(1u << bit % 8);
			}
			j[b] = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_DECRYPT, 0, bct[b], out[b], len,
				       x + 21, x, 21);
			memcpy(j[b].tag, x + 33, 16);
		}
		run_batch(e, j, nbits + 1);
		for (unsigned b = 0; b < nbits; b++) {
			cr_assert_eq(j[b].status, -EBADMSG, "%s: %u-byte message, flip %u accepted", card, len, b);
			for (uint32_t i = 0; i < len; i++)
				cr_assert_eq(out[b][i], 0, "%s: flip %u left plaintext at %u", card, b, i);
			cr_assert_eq(out[b][len], 0xAA, "%s: wrote past dst", card);
		}
		fails += nbits;
		cr_assert_eq(j[nbits].status, 0, "%s: the genuine %u-byte message", card, len);
		cr_assert(!memcmp(out[nbits], pt, len));
		for (unsigned b = 0; b <= nbits; b++) {
			free(bct[b]);
			free(out[b]);
		}
		free(bct);
		free(out);
		free(bad);
		free(j);
		free(pt);
		free(ct);
	}
	cr_expect_eq(card_counter(e, TG_CNT_CRYPTO_TAG_FAIL), fails);
	tg_crypto_engine_close(e);
	tg_crypto_engine_close(ref);
}

Test(crypto_card, tamper_model) { tamper("model"); }
Test(crypto_card, tamper_sim, .timeout = 600) { tamper("sim"); }

/* ---- the queue ---- */

/*
 * 300 jobs through the 256-deep queue come back in order; run works
 * beside a full queue; jobs queued before a key is replaced keep the old
 * key, those after get the new one (on a card the load waits for them).
 */
static void
queue(const char *card)
{
	uint64_t s = tcu_seed() ^ 0x51;
	uint8_t k1[16], k2[16], iv[16];
	struct tg_crypto_engine *e, *r1, *r2;
	struct tg_crypto_job *j = calloc(300, sizeof(*j)), *done[300];
	uint8_t (*src)[48] = calloc(300, 48), (*dst)[48] = calloc(300, 48), want[48];

	cr_assert(j && src && dst);
	tcu_fill(&s, k1, 16);
	tcu_fill(&s, k2, 16);
	tcu_fill(&s, iv, 16);
	tcu_fill(&s, &src[0][0], 300 * 48);
	e = card_engine(card, k1);
	r1 = tcu_engine("openssl", k1);
	r2 = tcu_engine("openssl", k2);
	for (unsigned i = 0; i < 300; i++)
		j[i] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src[i], dst[i], 48, iv, NULL, 0);
	cr_assert_eq(tg_crypto_submit(e, j, 300), 256, "the queue takes 256");
	cr_assert_eq(tg_crypto_submit(e, j + 256, 44), 0, "and no more until polled");

	/* run beside the full queue: done at once, the queue untouched */
	uint8_t rout[48];
	struct tg_crypto_job rj = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src[0], rout, 48, iv, NULL, 0);
	cr_assert_eq(tg_crypto_run(e, &rj), 0);
	struct tg_crypto_job w = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src[0], want, 48, iv, NULL, 0);
	cr_assert_eq(tg_crypto_run(r1, &w), 0);
	cr_expect_arr_eq(rout, want, 48);

	/* replace the key with 256 jobs queued: they keep k1 */
	cr_assert_eq(tg_crypto_key_load(e, 0, k2), 0);
	unsigned back = 0;
	while (back < 256) {
		unsigned got = tg_crypto_poll(e, done, 300);

		for (unsigned i = 0; i < got; i++, back++)
			cr_assert_eq(done[i], &j[back]);
	}
	cr_assert_eq(tg_crypto_submit(e, j + 256, 44), 44);
	while (back < 300) {
		unsigned got = tg_crypto_poll(e, done, 300);

		for (unsigned i = 0; i < got; i++, back++)
			cr_assert_eq(done[i], &j[back]);
	}
	for (unsigned i = 0; i < 300; i++) {
		struct tg_crypto_job x = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src[i], want,
						 48, iv, NULL, 0);

		cr_assert_eq(j[i].status, 0);
		cr_assert_eq(tg_crypto_run(i < 256 ? r1 : r2, &x), 0);
		cr_assert_arr_eq(dst[i], want, 48, "%s job %u under the %s key", card, i,
				 i < 256 ? "old" : "new");
	}
	cr_expect_eq(tg_crypto_poll(e, done, 300), 0);
	tg_crypto_engine_close(e);
	tg_crypto_engine_close(r1);
	tg_crypto_engine_close(r2);
	free(j);
	free(src);
	free(dst);
}

Test(crypto_card, queue_model) { queue("model"); }
Test(crypto_card, queue_sim) { queue("sim"); }

/* ---- keys ---- */

/*
 * Sixteen random keys loaded: the key registers 0x300-0x31C read 0 except
 * KEY_STATUS (the loaded mask, nothing else), and no register in BAR0
 * holds four consecutive bytes of any key in either order. Unloading
 * clears the slot's bit.
 */
static void
keys_not_readable(const char *card)
{
	uint64_t s = tcu_seed() ^ 0x4b;
	uint8_t key[16][16];
	struct tg_crypto_engine *e;
	struct tg_card *c;

	tcu_fill(&s, &key[0][0], sizeof(key));
	e = card_engine(card, key[0]);
	for (unsigned k = 1; k < 16; k++)
		cr_assert_eq(tg_crypto_key_load(e, k, key[k]), 0);
	c = tg_crypto_engine_card(e);
	cr_expect_eq(tg_card_key_loaded(c), 0xFFFF);
	for (uint32_t off = 0x300; off < 0x320; off += 4)
		cr_expect_eq(tg_card_reg_read(c, off), off == TG_REG_KEY_STATUS ? 0xFFFF0000u : 0,
			     "%s: register 0x%03x", card, off);
	for (uint32_t off = 0; off < TG_CARD_BAR_SIZE; off += 4) {
		uint32_t v = tg_card_reg_read(c, off);

		for (unsigned k = 0; k < 16 && v; k++)
			for (unsigned i = 0; i + 4 <= 16; i++) {
				uint32_t be = (uint32_t)key[k][i] << 24 | (uint32_t)key[k][i + 1] << 16 |
					      (uint32_t)key[k][i + 2] << 8 | key[k][i + 3];

				cr_assert(v != be && v != __builtin_bswap32(be),
					  "%s: register 0x%03x holds bytes %u-%u of key %u", card, off,
					  i, i + 3, k);
			}
	}
	cr_assert_eq(tg_crypto_key_unload(e, 5), 0);
	cr_expect_eq(tg_card_key_loaded(c), 0xFFDF);
	cr_expect_eq(tg_card_reg_read(c, TG_REG_KEY_STATUS), 0xFFDF0000u);
	tg_crypto_engine_close(e);
}

Test(crypto_card, keys_not_readable_model) { keys_not_readable("model"); }
Test(crypto_card, keys_not_readable_sim) { keys_not_readable("sim"); }

/* ---- sealed messages ---- */

/*
 * Sealed on a card, opened in software and the other way round; each
 * message once through the replay window; a forged one refused with
 * nothing left in out.
 */
static void
seal(const char *card)
{
	uint64_t s = tcu_seed() ^ 0x5e;
	uint8_t key[16], aad[16], pt[300], msg[300 + TG_CRYPTO_SEAL_OVERHEAD], out[300];
	struct tg_crypto_engine *e, *sw;
	struct tg_crypto_replay win_e, win_sw;

	tcu_fill(&s, key, 16);
	tcu_fill(&s, aad, 16);
	e = card_engine(card, key);
	sw = tcu_engine("gcrypt", key);
	cr_assert_eq(tg_crypto_seal_init(e, 0, 0xCA4D, 0), 0);
	cr_assert_eq(tg_crypto_seal_init(sw, 0, 0x50F7, 0), 0);
	tg_crypto_replay_init(&win_e, 0x50F7);
	tg_crypto_replay_init(&win_sw, 0xCA4D);
	for (unsigned i = 0; i < 40; i++) {
		uint32_t len = i < 20 ? i : tcu_below(&s, 300);
		long n;

		tcu_fill(&s, pt, len);
		n = tg_crypto_seal(e, 0, aad, 16, pt, len, msg, sizeof(msg));
		cr_assert_eq(n, (long)len + TG_CRYPTO_SEAL_OVERHEAD, "%s seal %u", card, i);
		cr_assert_eq(tg_crypto_open(sw, 0, aad, 16, msg, (size_t)n, out, sizeof(out), &win_sw),
			     (long)len, "%s seal %u: software open", card, i);
		cr_assert(!memcmp(out, pt, len));
		cr_expect_eq(tg_crypto_open(sw, 0, aad, 16, msg, (size_t)n, out, sizeof(out), &win_sw),
			     -EALREADY);

		n = tg_crypto_seal(sw, 0, aad, 16, pt, len, msg, sizeof(msg));
		cr_assert_eq(n, (long)len + TG_CRYPTO_SEAL_OVERHEAD);
		msg[tcu_below(&s, (uint32_t)n)] ^= 0x20;
		memset(out, 0x77, sizeof(out));
		cr_assert_eq(tg_crypto_open(e, 0, aad, 16, msg, (size_t)n, out, sizeof(out), &win_e),
			     -EBADMSG, "%s: forged message %u opened", card, i);
		for (uint32_t k = 0; k < len; k++)
			cr_assert(out[k] == 0 || out[k] == 0x77, "%s: plaintext left behind", card);
		n = tg_crypto_seal(sw, 0, aad, 16, pt, len, msg, sizeof(msg));
		cr_assert_eq(tg_crypto_open(e, 0, aad, 16, msg, (size_t)n, out, sizeof(out), &win_e),
			     (long)len, "%s: open %u", card, i);
		cr_assert(!memcmp(out, pt, len));
	}
	uint64_t next;
	cr_assert_eq(tg_crypto_seal_counter(e, 0, &next, NULL), 0);
	cr_expect_eq(next, 40);
	tg_crypto_engine_close(e);
	tg_crypto_engine_close(sw);
}

Test(crypto_card, seal_model) { seal("model"); }
Test(crypto_card, seal_sim) { seal("sim"); }

/* ---- jobs longer than one card job (model) ---- */

/*
 * ECB and CTR beyond 16 MiB are split into card jobs (CTR's counter
 * carried across the cut, here also across 2^64); GCM of exactly 16 MiB
 * is one job. All against OpenSSL.
 */
Test(crypto_card, split_jobs_model, .timeout = 300)
{
	const uint32_t len = TG_CRYPTO_CARD_MAX_GCM + 4096 + 5;
	uint64_t s = tcu_seed() ^ 0x99;
	uint8_t key[16], iv[16];
	uint8_t *src = malloc(len), *dst = malloc(len), *want = malloc(len);
	struct tg_crypto_engine *e, *ref;

	cr_assert(src && dst && want);
	tcu_fill(&s, key, 16);
	tcu_fill(&s, iv, 16);
	/* low 64 bits 2^64 - 2^20 - 100: they wrap 100 blocks into the second part */
	memset(iv + 8, 0xff, 8);
	iv[13] = 0xef;
	iv[15] = 0x9c;
	tcu_fill(&s, src, 65536);
	for (uint32_t i = 65536; i < len; i += 65536)
		memcpy(src + i, src, len - i < 65536 ? len - i : 65536);
	e = card_engine("model", key);
	ref = tcu_engine("openssl", key);
	for (int m = 0; m < 3; m++) {
		uint8_t mode = m == 0 ? TG_CRYPTO_CTR : m == 1 ? TG_CRYPTO_ECB : TG_CRYPTO_GCM;
		uint32_t l = m == 1 ? (TG_CRYPTO_CARD_MAX_GCM + 32) : m == 2 ? TG_CRYPTO_CARD_MAX_GCM : len;
		struct tg_crypto_job a = tcu_job(mode, TG_CRYPTO_ENCRYPT, 0, src, dst, l, iv, NULL, 0);
		struct tg_crypto_job b = tcu_job(mode, TG_CRYPTO_ENCRYPT, 0, src, want, l, iv, NULL, 0);
		uint64_t before = card_counter(e, TG_CNT_CRYPTO_JOBS);

		cr_assert_eq(tg_crypto_run(e, &a), 0, "mode %u, %u bytes", mode, l);
		cr_assert_eq(tg_crypto_run(ref, &b), 0);
		cr_assert(!memcmp(dst, want, l), "mode %u, %u bytes: differs from OpenSSL", mode, l);
		if (mode == TG_CRYPTO_GCM)
			cr_assert_arr_eq(a.tag, b.tag, 16);
		cr_expect_eq(card_counter(e, TG_CNT_CRYPTO_JOBS) - before, mode == TG_CRYPTO_GCM ? 1 : 2,
			     "mode %u: card jobs", mode);
	}
	tg_crypto_engine_close(e);
	tg_crypto_engine_close(ref);
	free(src);
	free(dst);
	free(want);
}

/* The engine's name list: a card backend that does not exist is not one. */
Test(crypto_card, names)
{
	struct tg_crypto_engine *e = (void *)1;

	cr_expect_eq(tg_crypto_engine_open("vfio", &e), -ENOENT);
	cr_expect_null(e);
	cr_expect_eq(tg_crypto_engine_open("Model", &e), -ENOENT);
	for (unsigned c = 0; c < 2; c++) {
		uint8_t key[16] = { 0 };

		e = card_engine(cards[c], key);
		cr_expect_str_eq(tg_crypto_backend(e), cards[c]);
		tg_crypto_engine_close(e);
	}
	cr_assert_eq(tg_crypto_engine_open("gcrypt", &e), 0);
	cr_expect_null(tg_crypto_engine_card(e));
	tg_crypto_engine_close(e);
}

/*
 * A card that stops working (its DMA engine switched off behind the
 * engine's back): the jobs in flight come back -EIO with dst zeroed after
 * the bounded wait, the engine refuses further work with -EIO, and
 * closing it does not hang.
 */
Test(crypto_card, dead_card_model, .init = cr_redirect_stderr)
{
	uint8_t key[16] = { 5 }, src[3][64] = { { 0 } }, dst[3][64], iv[16] = { 0 };
	struct tg_crypto_engine *e = card_engine("model", key);
	struct tg_crypto_job j[3], *done[3];
	unsigned back = 0;

	tg_card_reg_write(tg_crypto_engine_card(e), TG_REG_CTRL, 0);
	memset(dst, 0xAA, sizeof(dst));
	for (unsigned i = 0; i < 3; i++)
		j[i] = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src[i], dst[i], 64, iv, NULL, 0);
	cr_assert_eq(tg_crypto_submit(e, j, 3), 3);
	while (back < 3)
		back += tg_crypto_poll(e, done + back, 3 - back);
	for (unsigned i = 0; i < 3; i++) {
		cr_expect_eq(done[i], &j[i]);
		cr_expect_eq(j[i].status, -EIO);
		for (unsigned k = 0; k < 64; k++)
			cr_assert_eq(dst[i][k], 0, "job %u: dst not zeroed", i);
	}
	struct tg_crypto_job r = tcu_job(TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT, 0, src[0], dst[0], 64, iv, NULL, 0);
	cr_expect_eq(tg_crypto_run(e, &r), -EIO);
	cr_expect_eq(tg_crypto_key_load(e, 1, key), -EIO);
	tg_crypto_engine_close(e);
}
