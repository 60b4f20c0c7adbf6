/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "openssl" crypto backend: SM4 from OpenSSL 3's EVP (SM4-ECB and
 * SM4-CTR), and SM4-GCM put together here because OpenSSL 3.0 has none:
 * SP 800-38D section 7 with SM4 as the block cipher and the GHASH of
 * tg_crypto_ghash.c. It shares no code with libgcrypt, which is what
 * makes it the reference the "gcrypt" backend and the card are held to.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/tg_crypto_backend.h"

/* EVP counts bytes in an int: feed it in pieces no larger than this. */
#define TG_OSSL_CHUNK	(1u << 30)

/* One expanded key: a context per use, each keyed once at load. */
struct tg_ossl_key {
	EVP_CIPHER_CTX *ecb_enc;	/* ECB encrypt; also E(K, ·) for GCM */
	EVP_CIPHER_CTX *ecb_dec;
	EVP_CIPHER_CTX *ctr;		/* rekeyed with a new IV per job */
	uint8_t h[16];			/* GCM hash subkey E(K, 0^128) */
};

/* Free every context (EVP wipes their key schedules) and the subkey. */
static void
tg_ossl_key_free(void *ks)
{
	struct tg_ossl_key *k = ks;

	if (!k)
		return;
	EVP_CIPHER_CTX_free(k->ecb_enc);
	EVP_CIPHER_CTX_free(k->ecb_dec);
	EVP_CIPHER_CTX_free(k->ctr);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

/*
 * Run buf through a keyed context in pieces EVP can count. The modes used
 * here (ECB on whole blocks without padding, CTR) never hold bytes back,
 * so no final call is needed and the context stays reusable.
 */
static int
tg_ossl_update(EVP_CIPHER_CTX *ctx, uint8_t *dst, const uint8_t *src, size_t len)
{
	while (len) {
		int n = (int)(len < TG_OSSL_CHUNK ? len : TG_OSSL_CHUNK), out = 0;

		if (EVP_CipherUpdate(ctx, dst, &out, src, n) != 1 || out != n)
			return -EIO;
		dst += n;
		src += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Expand key into three EVP contexts and derive the GHASH subkey. */
static int
tg_ossl_key_new(const uint8_t key[TG_CRYPTO_KEY_LEN], void **ks)
{
	static const uint8_t zero[16];
	struct tg_ossl_key *k = calloc(1, sizeof(*k));
	EVP_CIPHER *ecb = EVP_CIPHER_fetch(NULL, "SM4-ECB", NULL);
	EVP_CIPHER *ctr = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
	int rc = -EIO;

	if (!k) {
		rc = -ENOMEM;
		goto out;
	}
	if (!ecb || !ctr)
		goto out;
	k->ecb_enc = EVP_CIPHER_CTX_new();
	k->ecb_dec = EVP_CIPHER_CTX_new();
	k->ctr = EVP_CIPHER_CTX_new();
	if (!k->ecb_enc || !k->ecb_dec || !k->ctr ||
	    EVP_EncryptInit_ex2(k->ecb_enc, ecb, key, NULL, NULL) != 1 ||
	    EVP_DecryptInit_ex2(k->ecb_dec, ecb, key, NULL, NULL) != 1 ||
	    EVP_EncryptInit_ex2(k->ctr, ctr, key, zero, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(k->ecb_enc, 0) != 1 ||
	    EVP_CIPHER_CTX_set_padding(k->ecb_dec, 0) != 1)
		goto out;
	rc = tg_ossl_update(k->ecb_enc, k->h, zero, 16);
out:
	EVP_CIPHER_free(ecb);
	EVP_CIPHER_free(ctr);
	if (rc) {
		tg_ossl_key_free(k);
		return rc;
	}
	*ks = k;
	return 0;
}

/* SM4-CTR from the 16-byte counter block iv, +1 per block mod 2^128. */
static int
tg_ossl_ctr(struct tg_ossl_key *k, const uint8_t iv[16], uint8_t *dst,
	    const uint8_t *src, size_t len)
{
	/* A new IV also resets EVP's position inside the keystream block. */
	if (EVP_EncryptInit_ex2(k->ctr, NULL, NULL, iv, NULL) != 1)
		return -EIO;
	return tg_ossl_update(k->ctr, dst, src, len);
}

/*
 * The GCM tag (SP 800-38D 7.1 steps 5-6, 7.2 steps 5-7): GHASH over the
 * AAD and the ciphertext, then encrypted with the pre-counter block J0.
 */
static int
tg_ossl_gcm_tag(struct tg_ossl_key *k, const uint8_t j0[16],
		const struct tg_crypto_job *job, const uint8_t *ct, uint8_t tag[16])
{
	struct tg_crypto_ghash g;
	uint8_t s[16], ej0[16];
	int rc;

	tg_crypto_ghash_init(&g, k->h);
	tg_crypto_ghash_update(&g, job->aad, job->aad_len);
	tg_crypto_ghash_update(&g, ct, job->len);
	tg_crypto_ghash_final(&g, job->aad_len, job->len, s);
	tg_crypto_ghash_wipe(&g);
	rc = tg_ossl_update(k->ecb_enc, ej0, j0, 16);
	for (int i = 0; i < 16; i++)
		tag[i] = ej0[i] ^ s[i];
	explicit_bzero(ej0, sizeof(ej0));
	explicit_bzero(s, sizeof(s));
	return rc;
}

/*
 * SM4-GCM with a 96-bit IV. J0 = IV ‖ 0^31 ‖ 1; the text is encrypted
 * with GCTR from inc32(J0). EVP's CTR adds one to the whole 128-bit
 * block where GCM's inc32 wraps the low 32 bits, but a job is shorter
 * than 2^32 bytes, so the low word (starting at 2) never wraps and the
 * two agree. Decryption checks the tag over the ciphertext first and
 * writes plaintext only when it matches.
 */
static int
tg_ossl_gcm(struct tg_ossl_key *k, struct tg_crypto_job *job)
{
	uint8_t j0[16], cb[16], tag[16];
	int rc;

	memcpy(j0, job->iv, 12);
	j0[12] = 0, j0[13] = 0, j0[14] = 0, j0[15] = 1;
	memcpy(cb, j0, 16);
	cb[15] = 2;
	if (job->op == TG_CRYPTO_ENCRYPT) {
		rc = tg_ossl_ctr(k, cb, job->dst, job->src, job->len);
		if (!rc)
			rc = tg_ossl_gcm_tag(k, j0, job, job->dst, job->tag);
		return rc;
	}
	rc = tg_ossl_gcm_tag(k, j0, job, job->src, tag);
	if (!rc && CRYPTO_memcmp(tag, job->tag, 16))
		rc = -EBADMSG;
	explicit_bzero(tag, sizeof(tag));
	if (rc)
		return rc;
	return tg_ossl_ctr(k, cb, job->dst, job->src, job->len);
}

/* One checked job. */
static int
tg_ossl_crypt(void *ks, struct tg_crypto_job *job)
{
	struct tg_ossl_key *k = ks;

	switch (job->mode) {
	case TG_CRYPTO_ECB:
		return tg_ossl_update(job->op == TG_CRYPTO_ENCRYPT ? k->ecb_enc : k->ecb_dec,
				      job->dst, job->src, job->len);
	case TG_CRYPTO_CTR:
		return tg_ossl_ctr(k, job->iv, job->dst, job->src, job->len);
	case TG_CRYPTO_GCM:
		return tg_ossl_gcm(k, job);
	}
	return -EINVAL;
}

const struct tg_crypto_ops tg_crypto_openssl_ops = {
	.name = "openssl",
	/* no .init: OpenSSL loads its default provider on first use */
	.key_new = tg_ossl_key_new,
	.key_free = tg_ossl_key_free,
	.crypt = tg_ossl_crypt,
};
