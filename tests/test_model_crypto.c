/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's SM4 jobs (docs/card-interface.md section 9) driven the way
 * a host drives a card, descriptors and job blocks in, result records
 * polled by their phase bits: key registers that never read back a key,
 * the job block checks in the contract's order, result record fields,
 * dst bytes against OpenSSL (EVP SM4-ECB and SM4-CTR called here, GCM
 * from the OpenSSL backend, which shares no code with the libgcrypt the
 * model computes with) and the standards' vectors, the C2H room rule for
 * jobs (wait, never drop, CRYPTO_WAITS), counters 24-28, and jobs sharing
 * the rings with feed frames.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>

#include "crypto/tg_crypto_backend.h"
#include "test_model_util.h"

/* The host side of the two rings, and job blocks one per H2C slot. */
struct ch {
	struct tg_model *m;
	struct tg_h2c_desc *h2c;
	struct tg_crypto_job_block *jb;
	unsigned h2c_log2;
	struct tg_event *c2h;
	unsigned c2h_log2;
	uint32_t *wb;
	uint32_t h2c_tail;
	uint32_t c2h_head;
};

static void
ch_init(struct ch *h, unsigned h2c_log2, unsigned c2h_log2)
{
	size_t hsz = (size_t)16 << h2c_log2, csz = (size_t)64 << c2h_log2;

	memset(h, 0, sizeof(*h));
	h->m = tmu_model();
	h->h2c_log2 = h2c_log2;
	h->c2h_log2 = c2h_log2;
	h->h2c = aligned_alloc(64, hsz);
	h->c2h = aligned_alloc(64, csz);
	h->jb = aligned_alloc(64, sizeof(*h->jb) << h2c_log2);
	h->wb = aligned_alloc(64, 64);
	cr_assert(h->h2c && h->c2h && h->jb && h->wb);
	memset(h->h2c, 0, hsz);
	memset(h->c2h, 0, csz);
	*h->wb = 0;
	tg_model_reg_write(h->m, TG_REG_H2C_BASE_LO, (uint32_t)(uintptr_t)h->h2c);
	tg_model_reg_write(h->m, TG_REG_H2C_BASE_HI, (uint32_t)((uintptr_t)h->h2c >> 32));
	tg_model_reg_write(h->m, TG_REG_H2C_SIZE, h2c_log2);
	tg_model_reg_write(h->m, TG_REG_H2C_WB_LO, (uint32_t)(uintptr_t)h->wb);
	tg_model_reg_write(h->m, TG_REG_H2C_WB_HI, (uint32_t)((uintptr_t)h->wb >> 32));
	tg_model_reg_write(h->m, TG_REG_C2H_BASE_LO, (uint32_t)(uintptr_t)h->c2h);
	tg_model_reg_write(h->m, TG_REG_C2H_BASE_HI, (uint32_t)((uintptr_t)h->c2h >> 32));
	tg_model_reg_write(h->m, TG_REG_C2H_SIZE, c2h_log2);
	tg_model_reg_write(h->m, TG_REG_CTRL, TG_CTRL_RESET);
	tg_model_reg_write(h->m, TG_REG_CTRL, TG_CTRL_ENABLE);
}

static void
ch_fini(struct ch *h)
{
	tg_model_free(h->m);
	free(h->h2c);
	free(h->c2h);
	free(h->jb);
	free(h->wb);
}

/* Key bytes into KEY_DATA (big-endian words), then LOAD into slot. */
static void
ch_key(struct tg_model *m, unsigned slot, const uint8_t key[16])
{
	for (unsigned w = 0; w < 4; w++)
		tg_model_reg_write(m, TG_REG_KEY_DATA(w),
				   (uint32_t)key[4 * w] << 24 | (uint32_t)key[4 * w + 1] << 16 |
				   (uint32_t)key[4 * w + 2] << 8 | key[4 * w + 3]);
	tg_model_reg_write(m, TG_REG_KEY_CMD, TG_KEY_CMD_LOAD | slot);
}

static void
ch_desc(struct ch *h, uint64_t addr, uint16_t len, uint8_t kind, uint8_t flags)
{
	struct tg_h2c_desc *d = &h->h2c[h->h2c_tail & ((1u << h->h2c_log2) - 1)];

	cr_assert_lt(h->h2c_tail - *h->wb, 1u << h->h2c_log2);
	d->addr = addr;
	d->len = len;
	d->kind = kind;
	d->flags = flags;
	d->rsvd = 0;
	h->h2c_tail++;
}

/* Queue a copy of job block j (in the H2C slot's own block). */
static void
ch_job(struct ch *h, const struct tg_crypto_job_block *j)
{
	struct tg_crypto_job_block *b = &h->jb[h->h2c_tail & ((1u << h->h2c_log2) - 1)];

	*b = *j;
	ch_desc(h, (uint64_t)(uintptr_t)b, TG_CRYPTO_JOB_BLOCK_LEN, TG_DESC_CRYPTO_JOB, 0);
}

static void
ch_doorbell(struct ch *h)
{
	tg_model_reg_write(h->m, TG_REG_H2C_TAIL, h->h2c_tail);
}

/* New records in order (phase checked), copied out with the phase cleared. */
static unsigned
ch_poll(struct ch *h, struct tg_event *out, unsigned max)
{
	unsigned n = 0;

	while (n < max) {
		uint32_t i = h->c2h_head + n;
		const struct tg_event *ev = &h->c2h[i & ((1u << h->c2h_log2) - 1)];
		unsigned phase = 1 - ((i >> h->c2h_log2) & 1);

		if ((ev->flags >> 7) != phase)
			break;
		out[n] = *ev;
		out[n].flags &= (uint8_t)~TG_EV_FLAG_PHASE;
		n++;
	}
	return n;
}

static void
ch_release(struct ch *h, unsigned n)
{
	h->c2h_head += n;
	tg_model_reg_write(h->m, TG_REG_C2H_HEAD, h->c2h_head);
}

/* Run every queued job and take exactly want records. */
static void
ch_run_all(struct ch *h, struct tg_event *out, unsigned want)
{
	ch_doorbell(h);
	tg_model_run(h->m, 1u << 20);
	cr_assert_eq(*h->wb, h->h2c_tail, "every descriptor consumed");
	cr_assert_eq(ch_poll(h, out, want + 1), want);
	ch_release(h, want);
}

static struct tg_crypto_job_block
jb_make(uint8_t mode, uint8_t op, uint8_t slot, const void *src, void *dst, uint32_t len,
	uint64_t cookie)
{
	struct tg_crypto_job_block j;

	memset(&j, 0, sizeof(j));
	j.mode = mode;
	j.op = op;
	j.slot = slot;
	j.len = len;
	j.src = (uint64_t)(uintptr_t)src;
	j.dst = (uint64_t)(uintptr_t)dst;
	j.cookie = cookie;
	return j;
}

static void
unhex(const char *hex, uint8_t *out)
{
	for (size_t i = 0; hex[2 * i]; i++) {
		unsigned v;

		cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static uint64_t rng = 0x6d6f64656c534d34ull;

static void
fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		p[i] = (uint8_t)(z ^ (z >> 31));
	}
}

/* OpenSSL EVP SM4-ECB or SM4-CTR over n bytes: the independent reference. */
static void
ossl(const char *cipher, int enc, const uint8_t key[16], const uint8_t *iv,
     const uint8_t *in, uint8_t *out, size_t n)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, cipher, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int o1 = 0, o2 = 0;

	cr_assert(c && ctx);
	cr_assert_eq(EVP_CipherInit_ex2(ctx, c, key, iv, enc, NULL), 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (n)
		cr_assert_eq(EVP_CipherUpdate(ctx, out, &o1, in, (int)n), 1);
	cr_assert_eq(EVP_CipherFinal_ex(ctx, out + o1, &o2), 1);
	cr_assert_eq((size_t)(o1 + o2), n);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
}

/* SM4-GCM from the OpenSSL backend (EVP CTR and a GHASH of its own). */
static void
ossl_gcm(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad, uint32_t aad_len,
	 const uint8_t *in, uint8_t *out, uint32_t n, uint8_t tag[16])
{
	struct tg_crypto_job j = {
		.mode = TG_CRYPTO_GCM, .op = TG_CRYPTO_ENCRYPT, .iv_len = 12,
		.src = in, .dst = out, .len = n, .aad = aad, .aad_len = aad_len,
	};
	void *ks;

	memcpy(j.iv, iv, 12);
	cr_assert_eq(tg_crypto_openssl_ops.key_new(key, &ks), 0);
	cr_assert_eq(tg_crypto_openssl_ops.crypt(ks, &j), 0);
	memcpy(tag, j.tag, 16);
	tg_crypto_openssl_ops.key_free(ks);
}

static bool
all_zero(const void *p, size_t n)
{
	return tmu_zero(p, n);
}

/* ---- key registers ---- */

/*
 * Every key register reads 0 whatever was written; KEY_STATUS shows the
 * loaded slots in [31:16], BUSY never set on the model. The slot is
 * [3:0] of KEY_CMD, a write with both bits loads, RESET keeps the keys.
 */
Test(model_crypto, key_registers)
{
	struct tg_model *m = tmu_model();
	uint8_t key[16];

	fill(key, 16);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_KEY_STATUS), 0);
	for (unsigned w = 0; w < 4; w++) {
		tg_model_reg_write(m, TG_REG_KEY_DATA(w), 0xA5A5A5A5u + w);
		cr_expect_eq(tg_model_reg_read(m, TG_REG_KEY_DATA(w)), 0, "KEY_DATA[%u]", w);
	}
	ch_key(m, 3, key);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_KEY_CMD), 0);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_KEY_STATUS), 1u << 19);
	ch_key(m, 15, key);
	tg_model_reg_write(m, TG_REG_KEY_CMD, TG_KEY_CMD_LOAD | 0x20 | 0);	/* slot 0 */
	cr_expect_eq(tg_model_reg_read(m, TG_REG_KEY_STATUS), (1u << 31) | (1u << 19) | (1u << 16));
	tg_model_reg_write(m, TG_REG_KEY_CMD, TG_KEY_CMD_UNLOAD | 3);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_KEY_STATUS), (1u << 31) | (1u << 16));
	tg_model_reg_write(m, TG_REG_KEY_CMD, TG_KEY_CMD_UNLOAD | 3);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_KEY_STATUS), (1u << 31) | (1u << 16));
	tg_model_reg_write(m, TG_REG_KEY_CMD, TG_KEY_CMD_LOAD | TG_KEY_CMD_UNLOAD | 7);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_KEY_STATUS),
		     (1u << 31) | (1u << 23) | (1u << 16), "both bits: load");
	tg_model_reg_write(m, TG_REG_KEY_CMD, 5);	/* neither bit: nothing */
	cr_expect_eq(tg_model_reg_read(m, TG_REG_KEY_STATUS),
		     (1u << 31) | (1u << 23) | (1u << 16));
	tg_model_reg_write(m, TG_REG_KEY_STATUS, 0);	/* read-only */
	tg_model_reg_write(m, TG_REG_CTRL, TG_CTRL_RESET);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_KEY_STATUS),
		     (1u << 31) | (1u << 23) | (1u << 16), "RESET does not unload keys");
	for (uint32_t off = 0x300; off < 0x320; off += 4)
		if (off != TG_REG_KEY_STATUS)
			cr_expect_eq(tg_model_reg_read(m, off), 0, "0x%03x", off);
	tg_model_free(m);
}

/*
 * No key byte is readable anywhere in BAR0: after loading random keys,
 * no register holds any four consecutive key bytes in either order.
 */
Test(model_crypto, keys_not_in_any_register)
{
	struct tg_model *m = tmu_model();
	uint8_t key[16][16];

	fill(&key[0][0], sizeof(key));
	for (unsigned s = 0; s < 16; s++)
		ch_key(m, s, key[s]);
	/* and one set of words written but not loaded */
	for (unsigned w = 0; w < 4; w++)
		tg_model_reg_write(m, TG_REG_KEY_DATA(w), 0x11223344u * (w + 1));
	for (uint32_t off = 0; off < TG_CARD_BAR_SIZE; off += 4) {
		uint32_t v = tg_model_reg_read(m, off);

		if (off >= 0x300 && off < 0x320)
			cr_expect_eq(v, off == TG_REG_KEY_STATUS ? 0xFFFF0000u : 0, "0x%03x", off);
		for (unsigned s = 0; s < 16 && v; s++) {
			for (unsigned i = 0; i + 4 <= 16; i++) {
				uint32_t be = (uint32_t)key[s][i] << 24 | (uint32_t)key[s][i + 1] << 16 |
					      (uint32_t)key[s][i + 2] << 8 | key[s][i + 3];

				cr_assert_neq(v, be, "0x%03x holds key %u bytes %u..%u", off, s, i, i + 3);
				cr_assert_neq(v, __builtin_bswap32(be), "0x%03x: key %u bytes", off, s);
			}
		}
		cr_assert(v != 0x11223344u && v != 0x22446688u, "0x%03x: key words", off);
	}
	tg_model_free(m);
}

/*
 * A load consumes the key words: they are zero afterwards, so a second
 * LOAD without new words loads the all-zero key.
 */
Test(model_crypto, load_zeroes_key_data)
{
	static const uint8_t zero_key[16];
	uint8_t key[16], pt[32], ct[32], want[32];
	struct tg_event ev[4];
	struct ch h;

	ch_init(&h, 4, 11);
	fill(key, 16);
	fill(pt, 32);
	ch_key(h.m, 1, key);
	tg_model_reg_write(h.m, TG_REG_KEY_CMD, TG_KEY_CMD_LOAD | 2);
	struct tg_crypto_job_block j = jb_make(TG_SM4_ECB, 0, 2, pt, ct, 32, 9);
	ch_job(&h, &j);
	ch_run_all(&h, ev, 1);
	cr_expect_eq(ev[0].msg_type, TG_CRYPTO_ST_OK);
	ossl("SM4-ECB", 1, zero_key, NULL, pt, want, 32);
	cr_expect_arr_eq(ct, want, 32, "slot 2 holds the zero key");
	j = jb_make(TG_SM4_ECB, 0, 1, pt, ct, 32, 10);
	ch_job(&h, &j);
	ch_run_all(&h, ev, 1);
	ossl("SM4-ECB", 1, key, NULL, pt, want, 32);
	cr_expect_arr_eq(ct, want, 32, "slot 1 holds the key");
	ch_fini(&h);
}

/* ---- vectors ---- */

/* GB/T 32907 example 1, and RFC 8998 A.1 both ways, through the rings. */
Test(model_crypto, vectors)
{
	uint8_t key[16], pt[64], ct[64], out[64], want[64], iv[12], aad[20], tag[16];
	struct tg_event ev[4];
	struct tg_crypto_result r;
	struct ch h;

	ch_init(&h, 4, 11);
	unhex("0123456789abcdeffedcba9876543210", key);
	ch_key(h.m, 0, key);
	memcpy(pt, key, 16);
	struct tg_crypto_job_block j = jb_make(TG_SM4_ECB, 0, 0, pt, out, 16, 1);
	ch_job(&h, &j);
	ch_run_all(&h, ev, 1);
	unhex("681edf34d206965e86b3e94f536e4246", want);
	cr_expect_arr_eq(out, want, 16);

	unhex("00001234567800000000ABCD", iv);
	unhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2", aad);
	unhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
	      "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA", pt);
	unhex("17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
	      "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D", want);
	unhex("83DE3541E4C2B58177E065A9BF7B62EC", tag);
	j = jb_make(TG_SM4_GCM, 0, 0, pt, ct, 64, 0x0123456789abcdefull);
	memcpy(j.iv, iv, 12);
	memset(j.iv + 12, 0xEE, 4);	/* ignored */
	memset(j.tag, 0x55, 16);	/* ignored on encrypt */
	j.aad = (uint64_t)(uintptr_t)aad;
	j.aad_len = 20;
	ch_job(&h, &j);
	j = jb_make(TG_SM4_GCM, 1, 0, want, out, 64, 7);
	memcpy(j.iv, iv, 12);
	memcpy(j.tag, tag, 16);
	j.aad = (uint64_t)(uintptr_t)aad;
	j.aad_len = 20;
	ch_job(&h, &j);
	ch_run_all(&h, ev, 2);
	cr_expect_arr_eq(ct, want, 64);
	cr_expect_arr_eq(out, pt, 64);
	memcpy(&r, &ev[0], 64);
	cr_expect_eq(r.kind, TG_EV_CRYPTO);
	cr_expect_eq(r.status, TG_CRYPTO_ST_OK);
	cr_expect_eq(r.mode, TG_SM4_GCM);
	cr_expect_eq(r.flags, 0);
	cr_expect_eq(r.len, 64);
	cr_expect_eq(r.cookie, 0x0123456789abcdefull);
	cr_expect_arr_eq(r.tag, tag, 16);
	cr_expect(all_zero(r.rsvd, 32));
	memcpy(&r, &ev[1], 64);
	cr_expect_eq(r.status, TG_CRYPTO_ST_OK);
	cr_expect_eq(r.flags, TG_CRYPTO_FLAG_DECRYPT);
	cr_expect_eq(r.cookie, 7);
	cr_expect(all_zero(r.tag, 16), "no tag in a decrypt's record");
	ch_fini(&h);
}

/*
 * Every mode and op at the awkward lengths, against OpenSSL; the record's
 * fields; counters 24-25 add up; in place works.
 */
Test(model_crypto, modes_against_openssl)
{
	static const uint32_t lens[] = { 0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 4095, 4096, 65536 + 3 };
	const unsigned n_len = sizeof(lens) / sizeof(lens[0]);
	uint8_t *src = malloc(70000), *dst = malloc(70000), *want = malloc(70000);
	uint8_t key[16], iv[16], aad[300], tag[16];
	struct tg_event ev[8];
	uint64_t c[TG_CNT_NUM], bytes = 0, jobs = 0;
	struct ch h;

	cr_assert(src && dst && want);
	ch_init(&h, 6, 11);
	fill(key, 16);
	ch_key(h.m, 9, key);
	for (unsigned mode = TG_SM4_ECB; mode <= TG_SM4_GCM; mode++) {
		for (unsigned op = 0; op < 2; op++) {
			for (unsigned l = 0; l < n_len; l++) {
				uint32_t len = mode == TG_SM4_ECB ? lens[l] & ~15u : lens[l];
				uint32_t aad_len = mode == TG_SM4_GCM ? (l * 37) % 300 : 0;
				int in_place = l % 3 == 1;
				uint8_t *out = in_place ? src : dst;
				struct tg_crypto_job_block j;
				struct tg_crypto_result r;

				fill(src, len);
				fill(iv, 16);
				fill(aad, aad_len);
				if (mode == TG_SM4_ECB)
					ossl("SM4-ECB", !op, key, NULL, src, want, len);
				else if (mode == TG_SM4_CTR)
					ossl("SM4-CTR", 1, key, iv, src, want, len);
				else if (!op)
					ossl_gcm(key, iv, aad, aad_len, src, want, len, tag);
				else
					/* decrypt what the reference encrypted */
					ossl_gcm(key, iv, aad, aad_len, src, want, len, tag);
				if (mode == TG_SM4_GCM && op) {
					/* src becomes the ciphertext, want the plaintext */
					uint8_t *t = malloc(len + 1);

					memcpy(t, src, len);
					memcpy(src, want, len);
					memcpy(want, t, len);
					free(t);
				}
				j = jb_make((uint8_t)mode, (uint8_t)op, 9, src, out, len, jobs);
				memcpy(j.iv, iv, 16);
				if (mode == TG_SM4_GCM) {
					j.aad = (uint64_t)(uintptr_t)aad;
					j.aad_len = aad_len;
					if (op)
						memcpy(j.tag, tag, 16);
				}
				ch_job(&h, &j);
				ch_run_all(&h, ev, 1);
				memcpy(&r, &ev[0], 64);
				cr_assert_eq(r.status, TG_CRYPTO_ST_OK, "mode %u op %u len %u", mode, op, len);
				cr_expect_arr_eq(out, want, len, "mode %u op %u len %u", mode, op, len);
				cr_expect_eq(r.kind, TG_EV_CRYPTO);
				cr_expect_eq(r.mode, mode);
				cr_expect_eq(r.flags, op ? TG_CRYPTO_FLAG_DECRYPT : 0);
				cr_expect_eq(r.len, len);
				cr_expect_eq(r.cookie, jobs);
				if (mode == TG_SM4_GCM && !op)
					cr_expect_arr_eq(r.tag, tag, 16, "len %u", len);
				else
					cr_expect(all_zero(r.tag, 16));
				cr_expect(all_zero(r.rsvd, 32));
				bytes += len;
				jobs++;
			}
		}
	}
	tmu_counters(h.m, c);
	cr_expect_eq(c[TG_CNT_CRYPTO_JOBS], jobs);
	cr_expect_eq(c[TG_CNT_CRYPTO_BYTES], bytes);
	cr_expect_eq(c[TG_CNT_CRYPTO_TAG_FAIL], 0);
	cr_expect_eq(c[TG_CNT_CRYPTO_BAD_JOB], 0);
	cr_expect_eq(c[TG_CNT_CRYPTO_WAITS], 0);
	cr_expect_eq(c[TG_CNT_H2C_DESCS], jobs);
	cr_expect_eq(c[TG_CNT_ERR_DESC], 0);
	cr_expect_eq(c[TG_CNT_FRAMES_A] + c[TG_CNT_FRAMES_B], 0);
	ch_fini(&h);
	free(src);
	free(dst);
	free(want);
}

/* CTR's counter is one 128-bit big-endian integer: across 2^64 and 2^128. */
Test(model_crypto, ctr_counter_wraps)
{
	uint8_t key[16], iv[16], src[160], dst[160], want[160];
	struct tg_event ev[4];
	struct ch h;

	ch_init(&h, 4, 11);
	fill(key, 16);
	ch_key(h.m, 4, key);
	for (int k = 0; k < 2; k++) {
		memset(iv, 0xff, 16);
		if (k == 0)
			memset(iv, 0, 8);	/* low half all ones: carries into the high half */
		iv[15] = 0xfc;
		fill(src, sizeof(src));
		struct tg_crypto_job_block j = jb_make(TG_SM4_CTR, 0, 4, src, dst, 150, k);
		memcpy(j.iv, iv, 16);
		ch_job(&h, &j);
		ch_run_all(&h, ev, 1);
		ossl("SM4-CTR", 1, key, iv, src, want, 150);
		cr_expect_arr_eq(dst, want, 150, "counter from %s", k ? "2^128 - 4" : "2^64 - 4");
	}
	ch_fini(&h);
}

/* ---- bad jobs and bad descriptors ---- */

/*
 * Each failed check gives a BAD_JOB record (kind, status, cookie; every
 * other field 0), touches no memory and counts CRYPTO_BAD_JOB. The last
 * cases fail two checks: the record is the same whichever comes first.
 */
Test(model_crypto, bad_jobs)
{
	uint8_t key[16], src[64], dst[64], aad[16];
	struct tg_event ev[32];
	struct tg_crypto_job_block bad[16];
	unsigned n = 0;
	uint64_t c[TG_CNT_NUM];
	struct ch h;

	ch_init(&h, 5, 11);
	fill(key, 16);
	fill(src, 64);
	memset(dst, 0xCC, 64);
	ch_key(h.m, 2, key);
	ch_key(h.m, 15, key);
	tg_model_reg_write(h.m, TG_REG_KEY_CMD, TG_KEY_CMD_UNLOAD | 15);
#define BAD(mode, op, slot, len) (bad[n] = jb_make(mode, op, slot, src, dst, len, 0xBAD0 + n), &bad[n++])
	BAD(0, 0, 2, 16);			/* mode 0 */
	BAD(4, 0, 2, 16);			/* mode 4 */
	BAD(0xFF, 1, 2, 16);
	BAD(TG_SM4_CTR, 2, 2, 16);		/* op 2 */
	BAD(TG_SM4_GCM, 0xFF, 2, 16);
	BAD(TG_SM4_CTR, 0, 16, 16);		/* slot out of range */
	BAD(TG_SM4_CTR, 0, 0xFF, 16);
	BAD(TG_SM4_CTR, 0, 1, 16);		/* never loaded */
	BAD(TG_SM4_CTR, 1, 15, 16);		/* unloaded */
	BAD(TG_SM4_CTR, 0, 2, TG_CRYPTO_MAX_LEN + 1);
	BAD(TG_SM4_GCM, 0, 2, 0xFFFFFFFFu);
	BAD(TG_SM4_ECB, 0, 2, 17);		/* ECB partial block */
	BAD(TG_SM4_ECB, 1, 2, 8);
	BAD(TG_SM4_CTR, 0, 2, 16)->aad_len = 1;	/* AAD outside GCM */
	BAD(TG_SM4_GCM, 0, 2, 16)->aad_len = TG_CRYPTO_MAX_AAD + 1;
	BAD(TG_SM4_ECB, 3, 15, 9)->aad_len = 5;	/* several at once */
#undef BAD
	for (unsigned i = 0; i < n; i++) {
		bad[i].aad = (uint64_t)(uintptr_t)aad;
		ch_job(&h, &bad[i]);
	}
	/* and good ones around them: the AAD limit itself is fine */
	struct tg_crypto_job_block ok = jb_make(TG_SM4_GCM, 0, 2, src, dst, 0, 0x600D);
	uint8_t *big_aad = calloc(1, TG_CRYPTO_MAX_AAD);
	ok.aad = (uint64_t)(uintptr_t)big_aad;
	ok.aad_len = TG_CRYPTO_MAX_AAD;
	ch_job(&h, &ok);
	ch_run_all(&h, ev, n + 1);
	for (unsigned i = 0; i < n; i++) {
		struct tg_crypto_result r, want;

		memcpy(&r, &ev[i], 64);
		memset(&want, 0, sizeof(want));
		want.kind = TG_EV_CRYPTO;
		want.status = TG_CRYPTO_ST_BAD_JOB;
		want.cookie = 0xBAD0 + i;
		cr_expect_arr_eq(&r, &want, 64, "bad job %u", i);
	}
	cr_expect_eq(ev[n].msg_type, TG_CRYPTO_ST_OK);
	for (unsigned i = 0; i < 64; i++)
		cr_assert_eq(dst[i], 0xCC, "a bad job wrote dst");
	tmu_counters(h.m, c);
	cr_expect_eq(c[TG_CNT_CRYPTO_JOBS], n + 1);
	cr_expect_eq(c[TG_CNT_CRYPTO_BAD_JOB], n);
	cr_expect_eq(c[TG_CNT_CRYPTO_BYTES], 0);
	cr_expect_eq(c[TG_CNT_ERR_DESC], 0);
	free(big_aad);
	ch_fini(&h);
}

/*
 * A job of the longest length runs; one block more is refused. (CTR, so
 * the reference is quick: 16 MiB.)
 */
Test(model_crypto, longest_job)
{
	uint8_t *src = malloc(TG_CRYPTO_MAX_LEN + 16), *dst = malloc(TG_CRYPTO_MAX_LEN + 16);
	uint8_t *want = malloc(TG_CRYPTO_MAX_LEN);
	uint8_t key[16], iv[16];
	struct tg_event ev[4];
	struct ch h;

	cr_assert(src && dst && want);
	ch_init(&h, 4, 11);
	fill(key, 16);
	fill(iv, 16);
	fill(src, 4096);
	for (size_t i = 4096; i < TG_CRYPTO_MAX_LEN; i += 4096)
		memcpy(src + i, src, 4096);
	ch_key(h.m, 0, key);
	struct tg_crypto_job_block j = jb_make(TG_SM4_CTR, 0, 0, src, dst, TG_CRYPTO_MAX_LEN, 1);
	memcpy(j.iv, iv, 16);
	ch_job(&h, &j);
	j.len += 16;
	j.cookie = 2;
	ch_job(&h, &j);
	ch_run_all(&h, ev, 2);
	cr_expect_eq(ev[0].msg_type, TG_CRYPTO_ST_OK);
	cr_expect_eq(ev[1].msg_type, TG_CRYPTO_ST_BAD_JOB);
	ossl("SM4-CTR", 1, key, iv, src, want, TG_CRYPTO_MAX_LEN);
	cr_expect(!memcmp(dst, want, TG_CRYPTO_MAX_LEN));
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_CRYPTO_BYTES)), TG_CRYPTO_MAX_LEN);
	ch_fini(&h);
	free(src);
	free(dst);
	free(want);
}

/*
 * A kind-2 descriptor whose length is not 80 is a bad descriptor: ERR_DESC,
 * no record, consumed even when the C2H ring is full.
 */
Test(model_crypto, bad_job_descriptors)
{
	static struct tg_event ev[2048];
	uint8_t key[16], src[16], dst[16];
	struct ch h;
	uint64_t c[TG_CNT_NUM];

	ch_init(&h, 12, 11);
	fill(key, 16);
	ch_key(h.m, 0, key);
	struct tg_crypto_job_block j = jb_make(TG_SM4_ECB, 0, 0, src, dst, 16, 0);
	for (unsigned i = 0; i < 2048; i++) {
		j.cookie = i;
		ch_job(&h, &j);
	}
	ch_doorbell(&h);
	cr_expect_eq(tg_model_run(h.m, 4096), 2048);
	/* the ring is full: bad descriptors still go, then a job waits */
	ch_desc(&h, (uint64_t)(uintptr_t)&h.jb[0], 79, TG_DESC_CRYPTO_JOB, 0);
	ch_desc(&h, (uint64_t)(uintptr_t)&h.jb[0], 81, TG_DESC_CRYPTO_JOB, 0);
	ch_desc(&h, (uint64_t)(uintptr_t)&h.jb[0], 0, TG_DESC_CRYPTO_JOB, 0);
	j.cookie = 5000;
	ch_job(&h, &j);
	ch_doorbell(&h);
	cr_expect_eq(tg_model_run(h.m, 4096), 3);
	tmu_counters(h.m, c);
	cr_expect_eq(c[TG_CNT_ERR_DESC], 3);
	cr_expect_eq(c[TG_CNT_H2C_DESCS], 2048 + 3);
	cr_expect_eq(c[TG_CNT_CRYPTO_JOBS], 2048);
	cr_expect_eq(c[TG_CNT_CRYPTO_WAITS], 1);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_STATUS) & TG_STATUS_IDLE, 0);
	cr_assert_eq(ch_poll(&h, ev, 2048), 2048);
	for (unsigned i = 0; i < 2048; i++)
		cr_assert_eq(((struct tg_crypto_result *)&ev[i])->cookie, i);
	ch_release(&h, 1);
	cr_expect_eq(tg_model_run(h.m, 4096), 1);
	cr_assert_eq(ch_poll(&h, ev, 2048), 2048);
	cr_expect_eq(((struct tg_crypto_result *)&ev[2047])->cookie, 5000);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_STATUS) & TG_STATUS_IDLE, TG_STATUS_IDLE);
	ch_fini(&h);
}

/*
 * The room rule for jobs: one slot each; when the ring is full the card
 * waits (never drops), counting CRYPTO_WAITS once per job that waited,
 * however often it is given time, and resumes as slots are returned.
 */
Test(model_crypto, jobs_wait_for_room)
{
	static struct tg_event ev[2048];
	uint8_t key[16], src[16], dst[16];
	struct ch h;

	ch_init(&h, 12, 11);
	fill(key, 16);
	ch_key(h.m, 0, key);
	struct tg_crypto_job_block j = jb_make(TG_SM4_CTR, 0, 0, src, dst, 16, 0);
	for (unsigned i = 0; i < 2048 + 10; i++) {
		j.cookie = i;
		ch_job(&h, &j);
	}
	ch_doorbell(&h);
	cr_expect_eq(tg_model_run(h.m, 5000), 2048);
	for (int k = 0; k < 5; k++)
		cr_expect_eq(tg_model_run(h.m, 5000), 0);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_CRYPTO_WAITS)), 1);
	cr_expect_eq(*h.wb, 2048, "the waiting job is not consumed");
	/* three slots back: three jobs, and the next one waits (a second wait) */
	ch_release(&h, 3);
	cr_expect_eq(tg_model_run(h.m, 5000), 3);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_CRYPTO_WAITS)), 2);
	/* every slot back: the rest go without waiting */
	ch_release(&h, 2045);
	cr_expect_eq(tg_model_run(h.m, 5000), 7);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_CRYPTO_WAITS)), 2);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_CRYPTO_JOBS)), 2058);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_C2H_DROPS)), 0);
	cr_assert_eq(ch_poll(&h, ev, 2048), 10);
	for (unsigned i = 0; i < 10; i++)
		cr_expect_eq(((struct tg_crypto_result *)&ev[i])->cookie, 2048 + i);
	ch_fini(&h);
}

/* ---- GCM decrypt that fails ---- */

/*
 * A forged message: the card writes the plaintext it decrypted to dst
 * (the driver zeroes it), then a TAG_FAIL record; CRYPTO_TAG_FAIL and
 * CRYPTO_BYTES count it.
 */
Test(model_crypto, tag_fail)
{
	uint8_t key[16], iv[12], pt[100], ct[100], out[100], tag[16];
	struct tg_event ev[4];
	struct tg_crypto_result r;
	uint64_t c[TG_CNT_NUM];
	struct ch h;

	ch_init(&h, 4, 11);
	fill(key, 16);
	fill(iv, 12);
	fill(pt, 100);
	ch_key(h.m, 6, key);
	ossl_gcm(key, iv, NULL, 0, pt, ct, 100, tag);
	tag[3] ^= 0x40;
	struct tg_crypto_job_block j = jb_make(TG_SM4_GCM, 1, 6, ct, out, 100, 77);
	memcpy(j.iv, iv, 12);
	memcpy(j.tag, tag, 16);
	ch_job(&h, &j);
	ch_run_all(&h, ev, 1);
	memcpy(&r, &ev[0], 64);
	cr_expect_eq(r.kind, TG_EV_CRYPTO);
	cr_expect_eq(r.status, TG_CRYPTO_ST_TAG_FAIL);
	cr_expect_eq(r.mode, TG_SM4_GCM);
	cr_expect_eq(r.flags, TG_CRYPTO_FLAG_DECRYPT);
	cr_expect_eq(r.len, 100);
	cr_expect_eq(r.cookie, 77);
	cr_expect(all_zero(r.tag, 16));
	cr_expect_arr_eq(out, pt, 100, "the plaintext streams out before the verdict");
	tmu_counters(h.m, c);
	cr_expect_eq(c[TG_CNT_CRYPTO_JOBS], 1);
	cr_expect_eq(c[TG_CNT_CRYPTO_TAG_FAIL], 1);
	cr_expect_eq(c[TG_CNT_CRYPTO_BYTES], 100);
	/* RESET clears the crypto counters, keeps the key */
	tg_model_reg_write(h.m, TG_REG_CTRL, TG_CTRL_RESET | TG_CTRL_ENABLE);
	tmu_counters(h.m, c);
	for (unsigned k = TG_CNT_CRYPTO_JOBS; k <= TG_CNT_CRYPTO_WAITS; k++)
		cr_expect_eq(c[k], 0);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_KEY_STATUS), 1u << 22);
	ch_fini(&h);
}

/* ---- sharing the rings with the feed ---- */

/*
 * Frames and jobs in one H2C ring: the feed records are those the frames
 * give alone, the results come in job order, and a job's result follows
 * the records of the frames queued before it.
 */
Test(model_crypto, jobs_between_frames)
{
	static struct tmu_mold pk;
	static uint8_t frames[8][512];
	static struct tg_event ev[256];
	static struct tmu_cap alone;
	size_t flen[8];
	uint8_t key[16], src[8][48], dst[8][48], want[48], msg[64];
	unsigned nfeed = 0, njob = 0, got;
	struct ch h;
	struct tg_model *ref = tmu_model();

	ch_init(&h, 6, 11);
	fill(key, 16);
	ch_key(h.m, 1, key);
	alone.n = 0;
	for (unsigned f = 0; f < 8; f++) {
		tmu_mold_init(&pk, TMU_SESSION, 1 + 3 * f);
		for (unsigned k = 0; k < 3; k++)
			tmu_mold_add(&pk, msg, tmu_msg_add(msg, 10 * f + k, 100, 200));
		flen[f] = tmu_frame_mold(frames[f], &pk);
		tmu_feed(ref, frames[f], flen[f], f & 1, &alone);
	}
	for (unsigned f = 0; f < 8; f++) {
		ch_desc(&h, (uint64_t)(uintptr_t)frames[f], (uint16_t)flen[f], TG_DESC_FEED_FRAME,
			f & 1 ? TG_DESC_LINE_B : 0);
		fill(src[f], 48);
		struct tg_crypto_job_block j = jb_make(TG_SM4_ECB, 0, 1, src[f], dst[f], 48, f);
		ch_job(&h, &j);
	}
	ch_doorbell(&h);
	tg_model_run(h.m, 100);
	got = ch_poll(&h, ev, 256);
	cr_assert_eq(got, alone.n + 8);
	for (unsigned i = 0; i < got; i++) {
		if (ev[i].kind == TG_EV_CRYPTO) {
			const struct tg_crypto_result *r = (const struct tg_crypto_result *)&ev[i];

			cr_expect_eq(r->cookie, njob);
			cr_expect_eq(nfeed, 3 * (njob + 1), "result %u after its frame's records", njob);
			njob++;
		} else {
			cr_expect_arr_eq(&ev[i], &alone.ev[nfeed], 64, "feed record %u", nfeed);
			nfeed++;
		}
	}
	for (unsigned f = 0; f < 8; f++) {
		ossl("SM4-ECB", 1, key, NULL, src[f], want, 48);
		cr_expect_arr_eq(dst[f], want, 48);
	}
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_MESSAGES)), 24);
	cr_expect_eq(tg_model_reg_read(h.m, TG_REG_COUNTER(TG_CNT_CRYPTO_JOBS)), 8);
	tg_model_free(ref);
	ch_fini(&h);
}
