/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "gcrypt" crypto backend: libgcrypt's SM4 in ECB, CTR and GCM mode.
 * libgcrypt 1.10 has bulk SM4 code (AES-NI/AVX2 S-box, carry-less
 * multiply GHASH), several times faster than OpenSSL 3.0's SM4, and a
 * native SM4-GCM; this is the software path and what the card's C model
 * computes with. Its CTR mode adds one to the whole 128-bit counter block,
 * carry crossing the 64-bit boundary, as the contract asks (the tests
 * check it at 2^64 and 2^128).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "crypto/tg_crypto_backend.h"

/* One expanded key: a handle per mode, each keyed once at load. */
struct tg_gcry_key {
	gcry_cipher_hd_t ecb;
	gcry_cipher_hd_t ctr;
	gcry_cipher_hd_t gcm;
};

/*
 * libgcrypt must be initialised by the program before use. If nothing
 * else in the process did it, do it here: no secure memory (key states
 * are wiped by libgcrypt when their handles close), then mark it done.
 * Engines and card models may be opened from several threads at once,
 * so the check and the set-up happen under one lock.
 */
static int
tg_gcry_init(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int rc = 0;

	pthread_mutex_lock(&lock);
	if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		if (!gcry_check_version(GCRYPT_VERSION)) {
			rc = -ENOTSUP;
		} else {
			gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
			gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
		}
	}
	pthread_mutex_unlock(&lock);
	if (!rc && gcry_cipher_algo_info(GCRY_CIPHER_SM4, GCRYCTL_TEST_ALGO, NULL, NULL))
		rc = -ENOTSUP;
	return rc;
}

/* Close every handle; libgcrypt wipes a handle's memory on close. */
static void
tg_gcry_key_free(void *ks)
{
	struct tg_gcry_key *k = ks;

	if (!k)
		return;
	gcry_cipher_close(k->ecb);
	gcry_cipher_close(k->ctr);
	gcry_cipher_close(k->gcm);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

/* Open one SM4 handle in mode and key it. */
static int
tg_gcry_handle(gcry_cipher_hd_t *h, int mode, const uint8_t *key)
{
	if (gcry_cipher_open(h, GCRY_CIPHER_SM4, mode, 0))
		return -EIO;
	if (gcry_cipher_setkey(*h, key, TG_CRYPTO_KEY_LEN))
		return -EIO;
	return 0;
}

/* Expand key into an ECB, a CTR and a GCM handle. */
static int
tg_gcry_key_new(const uint8_t key[TG_CRYPTO_KEY_LEN], void **ks)
{
	struct tg_gcry_key *k = calloc(1, sizeof(*k));
	int rc;

	if (!k)
		return -ENOMEM;
	rc = tg_gcry_handle(&k->ecb, GCRY_CIPHER_MODE_ECB, key);
	if (!rc)
		rc = tg_gcry_handle(&k->ctr, GCRY_CIPHER_MODE_CTR, key);
	if (!rc)
		rc = tg_gcry_handle(&k->gcm, GCRY_CIPHER_MODE_GCM, key);
	if (rc) {
		tg_gcry_key_free(k);
		return rc;
	}
	*ks = k;
	return 0;
}

/* Encrypt or decrypt len bytes through h (nothing to do for 0 bytes). */
static int
tg_gcry_text(gcry_cipher_hd_t h, int decrypt, uint8_t *dst, const uint8_t *src,
	     size_t len)
{
	gcry_error_t err;

	if (!len)
		return 0;
	if (decrypt)
		err = gcry_cipher_decrypt(h, dst, len, src, len);
	else
		err = gcry_cipher_encrypt(h, dst, len, src, len);
	return err ? -EIO : 0;
}

/*
 * SM4-GCM: reset the handle to its keyed state, then IV, AAD, text and
 * the tag (made on encrypt, checked on decrypt).
 */
static int
tg_gcry_gcm(struct tg_gcry_key *k, struct tg_crypto_job *job)
{
	int dec = job->op == TG_CRYPTO_DECRYPT;
	gcry_error_t err;
	int rc;

	if (gcry_cipher_reset(k->gcm) ||
	    gcry_cipher_setiv(k->gcm, job->iv, TG_CRYPTO_GCM_IV_LEN) ||
	    (job->aad_len && gcry_cipher_authenticate(k->gcm, job->aad, job->aad_len)) ||
	    gcry_cipher_final(k->gcm))
		return -EIO;
	rc = tg_gcry_text(k->gcm, dec, job->dst, job->src, job->len);
	if (rc)
		return rc;
	if (!dec)
		return gcry_cipher_gettag(k->gcm, job->tag, TG_CRYPTO_TAG_LEN) ? -EIO : 0;
	err = gcry_cipher_checktag(k->gcm, job->tag, TG_CRYPTO_TAG_LEN);
	if (gcry_err_code(err) == GPG_ERR_CHECKSUM)
		return -EBADMSG;
	return err ? -EIO : 0;
}

/* One checked job. */
static int
tg_gcry_crypt(void *ks, struct tg_crypto_job *job)
{
	struct tg_gcry_key *k = ks;
	int dec = job->op == TG_CRYPTO_DECRYPT;

	switch (job->mode) {
	case TG_CRYPTO_ECB:
		return tg_gcry_text(k->ecb, dec, job->dst, job->src, job->len);
	case TG_CRYPTO_CTR:
		/* setctr also drops any keystream left from the last job */
		if (gcry_cipher_setctr(k->ctr, job->iv, TG_CRYPTO_CTR_IV_LEN))
			return -EIO;
		return tg_gcry_text(k->ctr, 0, job->dst, job->src, job->len);
	case TG_CRYPTO_GCM:
		return tg_gcry_gcm(k, job);
	}
	return -EINVAL;
}

const struct tg_crypto_ops tg_crypto_gcrypt_ops = {
	.name = "gcrypt",
	.init = tg_gcry_init,
	.key_new = tg_gcry_key_new,
	.key_free = tg_gcry_key_free,
	.crypt = tg_gcry_crypt,
};
