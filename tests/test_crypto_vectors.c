/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The standards' vectors on both backends: GB/T 32907 examples 1 (one
 * block) and 2 (the same block encrypted 1,000,000 times), and RFC 8998
 * appendix A.1 (SM4-GCM). Each also decrypted back. And the GHASH the
 * OpenSSL backend builds GCM with, alone, against the GCM specification's
 * own examples (McGrew and Viega, test cases 2 and 4, where the block
 * cipher is AES: GHASH does not depend on it).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "crypto/tg_crypto_backend.h"
#include "test_crypto_util.h"

#define GBT_KEY		"0123456789abcdeffedcba9876543210"
#define GBT_PT		"0123456789abcdeffedcba9876543210"
#define GBT_CT1		"681edf34d206965e86b3e94f536e4246"
#define GBT_CT1M	"595298c7c6fd271f0402f804c33d3f66"

#define RFC_KEY	"0123456789ABCDEFFEDCBA9876543210"
#define RFC_IV	"00001234567800000000ABCD"
#define RFC_AAD	"FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2"
#define RFC_PT	"AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD" \
		"EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
#define RFC_CT	"17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735" \
		"D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
#define RFC_TAG	"83DE3541E4C2B58177E065A9BF7B62EC"

/* Example 1: one block, both ways. */
static void
gbt_one(const char *backend)
{
	uint8_t key[16], pt[16], want[16], b[16];

	tcu_unhex(GBT_KEY, key, 16);
	tcu_unhex(GBT_PT, pt, 16);
	tcu_unhex(GBT_CT1, want, 16);
	struct tg_crypto_engine *e = tcu_engine(backend, key);
	struct tg_crypto_job j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, pt, b, 16, NULL, NULL, 0);
	cr_assert_eq(tg_crypto_run(e, &j), 0);
	cr_assert_arr_eq(b, want, 16, "%s: GB/T 32907 example 1", backend);
	j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_DECRYPT, 0, want, b, 16, NULL, NULL, 0);
	cr_assert_eq(tg_crypto_run(e, &j), 0);
	cr_assert_arr_eq(b, pt, 16, "%s: example 1 decrypted", backend);
	tg_crypto_engine_close(e);
}

Test(crypto_vectors, gbt_example1_gcrypt) { gbt_one("gcrypt"); }
Test(crypto_vectors, gbt_example1_openssl) { gbt_one("openssl"); }

/*
 * Example 2: one block through 1,000,000 encryptions in place, one job
 * each, then 1,000,000 decryptions back to the plaintext.
 */
static void
gbt_million(const char *backend)
{
	uint8_t key[16], pt[16], want[16], b[16];

	tcu_unhex(GBT_KEY, key, 16);
	tcu_unhex(GBT_PT, pt, 16);
	tcu_unhex(GBT_CT1M, want, 16);
	struct tg_crypto_engine *e = tcu_engine(backend, key);
	memcpy(b, pt, 16);
	struct tg_crypto_job j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, b, b, 16, NULL, NULL, 0);
	for (int i = 0; i < 1000000; i++)
		cr_assert_eq(tg_crypto_run(e, &j), 0);
	cr_assert_arr_eq(b, want, 16, "%s: GB/T 32907 example 2", backend);
	j.op = TG_CRYPTO_DECRYPT;
	for (int i = 0; i < 1000000; i++)
		cr_assert_eq(tg_crypto_run(e, &j), 0);
	cr_assert_arr_eq(b, pt, 16, "%s: example 2 decrypted back", backend);
	tg_crypto_engine_close(e);
}

Test(crypto_vectors, gbt_example2_gcrypt) { gbt_million("gcrypt"); }
Test(crypto_vectors, gbt_example2_openssl) { gbt_million("openssl"); }

/* RFC 8998 A.1: ciphertext and tag, then the decryption. */
static void
rfc8998(const char *backend)
{
	uint8_t key[16], iv[12], aad[20], pt[64], ct[64], tag[16], b[64];

	tcu_unhex(RFC_KEY, key, 16);
	tcu_unhex(RFC_IV, iv, 12);
	tcu_unhex(RFC_AAD, aad, 20);
	tcu_unhex(RFC_PT, pt, 64);
	tcu_unhex(RFC_CT, ct, 64);
	tcu_unhex(RFC_TAG, tag, 16);
	struct tg_crypto_engine *e = tcu_engine(backend, key);
	struct tg_crypto_job j = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT, 0, pt, b, 64, iv, aad, 20);
	cr_assert_eq(tg_crypto_run(e, &j), 0);
	cr_assert_arr_eq(b, ct, 64, "%s: RFC 8998 A.1 ciphertext", backend);
	cr_assert_arr_eq(j.tag, tag, 16, "%s: RFC 8998 A.1 tag", backend);

	memset(b, 0, sizeof(b));
	j = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_DECRYPT, 0, ct, b, 64, iv, aad, 20);
	memcpy(j.tag, tag, 16);
	cr_assert_eq(tg_crypto_run(e, &j), 0);
	cr_assert_arr_eq(b, pt, 64, "%s: RFC 8998 A.1 decrypted", backend);

	j.tag[15] ^= 1;
	cr_assert_eq(tg_crypto_run(e, &j), -EBADMSG);
	tg_crypto_engine_close(e);
}

Test(crypto_vectors, rfc8998_gcrypt) { rfc8998("gcrypt"); }
Test(crypto_vectors, rfc8998_openssl) { rfc8998("openssl"); }

/*
 * GCM of an empty text with empty AAD: GHASH of the all-zero lengths block
 * is 0 · H = 0, so the tag is E(K, J0), which ECB alone can check.
 */
static void
gcm_empty(const char *backend)
{
	uint8_t key[16], iv[12], j0[16], ej0[16];
	uint64_t s = tcu_seed();

	tcu_fill(&s, key, 16);
	tcu_fill(&s, iv, 12);
	memcpy(j0, iv, 12);
	j0[12] = 0, j0[13] = 0, j0[14] = 0, j0[15] = 1;
	struct tg_crypto_engine *e = tcu_engine(backend, key);
	struct tg_crypto_job j = tcu_job(TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT, 0, j0, ej0, 16, NULL, NULL, 0);
	cr_assert_eq(tg_crypto_run(e, &j), 0);
	j = tcu_job(TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT, 0, NULL, NULL, 0, iv, NULL, 0);
	cr_assert_eq(tg_crypto_run(e, &j), 0);
	/* GHASH_H(0^128) = 0 · H = 0 */
	cr_assert_arr_eq(j.tag, ej0, 16, "%s: empty GCM tag is E(K, J0)", backend);
	tg_crypto_engine_close(e);
}

Test(crypto_vectors, gcm_empty_gcrypt) { gcm_empty("gcrypt"); }
Test(crypto_vectors, gcm_empty_openssl) { gcm_empty("openssl"); }

/* GHASH_H(A, C) of GCM test cases 2 and 4, in one piece and in blocks. */
Test(crypto_vectors, ghash_gcm_spec)
{
	static const struct {
		const char *h, *a, *c, *ghash;
	} tv[] = {
		{ "66e94bd4ef8a2c3b884cfa59ca342b2e", "",
		  "0388dace60b6a392f328c2b971b2fe78",
		  "f38cbb1ad69223dcc3457ae5b6b0f885" },
		{ "b83b533708bf535d0aa6e52980d53b78",
		  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
		  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
		  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
		  "698e57f70e6ecc7fd9463b7260a9ae5f" },
	};

	for (size_t t = 0; t < sizeof(tv) / sizeof(tv[0]); t++) {
		uint8_t h[16], a[32], c[64], want[16], got[16];
		size_t al = tcu_unhex(tv[t].a, a, sizeof(a));
		size_t cl = tcu_unhex(tv[t].c, c, sizeof(c));
		struct tg_crypto_ghash g;

		tcu_unhex(tv[t].h, h, 16);
		tcu_unhex(tv[t].ghash, want, 16);
		tg_crypto_ghash_init(&g, h);
		tg_crypto_ghash_update(&g, a, al);
		tg_crypto_ghash_update(&g, c, cl);
		tg_crypto_ghash_final(&g, al, cl, got);
		cr_assert_arr_eq(got, want, 16, "GHASH, test case %zu", t ? 4 : 2);

		/* the same text fed block by block, the tail last */
		tg_crypto_ghash_init(&g, h);
		tg_crypto_ghash_update(&g, a, al);
		for (size_t off = 0; off < cl; off += 16)
			tg_crypto_ghash_update(&g, c + off, cl - off < 16 ? cl - off : 16);
		tg_crypto_ghash_final(&g, al, cl, got);
		cr_assert_arr_eq(got, want, 16, "GHASH block by block, test case %zu", t ? 4 : 2);
		tg_crypto_ghash_wipe(&g);
		cr_assert_eq(g.h_hi | g.h_lo | g.y_hi | g.y_lo, 0, "wipe leaves H or Y");
	}
}
