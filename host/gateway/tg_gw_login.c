/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Credentials: the password hash format of `tickgate passwd` (scrypt from
 * OpenSSL, a random salt, one self-describing string), its constant-time
 * check, and the thread that runs the checks so the event loop never
 * waits for a key derivation.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "gateway/tg_gw.h"
#include "gateway/tg_gw_int.h"

#define TG_GW_SALT_LEN		16
#define TG_GW_DK_LEN		32
#define TG_GW_SCRYPT_R		8
#define TG_GW_SCRYPT_P		1

/* A SoupBinTCP password: 1..10 printable ASCII characters, no trailing space. */
static int
tg_gw_passwd_ok(const char *pw, size_t len)
{
	if (len == 0 || len > TG_GW_PASSWORD_LEN || pw[len - 1] == ' ')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (pw[i] < 0x20 || pw[i] > 0x7e)
			return 0;
	return 1;
}

/* Unpadded base64 of p[0..n) into out (room for 4 * n / 3 + 4). */
static void
tg_gw_b64(const uint8_t *p, size_t n, char *out)
{
	int m = EVP_EncodeBlock((unsigned char *)out, p, (int)n);

	while (m > 0 && out[m - 1] == '=')
		out[--m] = 0;
}

/*
 * Decode exactly want bytes of unpadded base64 s[0..n) into out; 0 or
 * -EINVAL (wrong length, a character outside the alphabet, or a
 * non-canonical encoding).
 */
static int
tg_gw_unb64(const char *s, size_t n, uint8_t *out, size_t want)
{
	char padded[96], again[96];
	uint8_t tmp[72];

	if (n + 3 >= sizeof(padded) || n != (want * 4 + 2) / 3)
		return -EINVAL;
	memcpy(padded, s, n);
	while (n % 4)
		padded[n++] = '=';
	padded[n] = 0;
	if (EVP_DecodeBlock(tmp, (const unsigned char *)padded, (int)n) < (int)want)
		return -EINVAL;
	tg_gw_b64(tmp, want, again);
	if (strncmp(again, s, strlen(again)) || strlen(again) != (want * 4 + 2) / 3)
		return -EINVAL;
	memcpy(out, tmp, want);
	return 0;
}

/* scrypt with N = 2^ln into dk. 0 or -EIO. */
static int
tg_gw_scrypt(const char *pw, size_t len, const uint8_t *salt, unsigned ln,
	     unsigned r, unsigned p, uint8_t dk[TG_GW_DK_LEN])
{
	uint64_t n = 1ull << ln;
	/* what scrypt needs (128 r N for V plus 128 r p for B) and some slack */
	uint64_t maxmem = 128ull * r * (n + p + 2) + (1u << 20);

	if (EVP_PBE_scrypt(pw, len, salt, TG_GW_SALT_LEN, n, r, p, maxmem, dk,
			   TG_GW_DK_LEN) != 1)
		return -EIO;
	return 0;
}

/* Parse a hash string into its parameters, salt and key. 0 or -EINVAL. */
static int
tg_gw_passwd_parse(const char *hash, unsigned *ln, unsigned *r, unsigned *p,
		   uint8_t salt[TG_GW_SALT_LEN], uint8_t dk[TG_GW_DK_LEN])
{
	const char *s, *h;
	int used = 0;

	if (!hash || strlen(hash) >= TG_GW_HASH_MAX)
		return -EINVAL;
	if (sscanf(hash, "$scrypt$ln=%2u,r=%2u,p=%2u$%n", ln, r, p, &used) != 3 || !used)
		return -EINVAL;
	if (*ln < TG_GW_SCRYPT_LN_MIN || *ln > TG_GW_SCRYPT_LN_MAX ||
	    *r < 1 || *r > 32 || *p < 1 || *p > 16)
		return -EINVAL;
	s = hash + used;
	h = strchr(s, '$');
	if (!h || tg_gw_unb64(s, (size_t)(h - s), salt, TG_GW_SALT_LEN) ||
	    tg_gw_unb64(h + 1, strlen(h + 1), dk, TG_GW_DK_LEN))
		return -EINVAL;
	return 0;
}

/*
 * Hash a password for the config. The salt comes from OpenSSL's CSPRNG so
 * two users with one password get unrelated hashes.
 */
int
tg_gw_passwd_hash(const char *pw, size_t len, unsigned ln, char *out, size_t outlen)
{
	uint8_t salt[TG_GW_SALT_LEN], dk[TG_GW_DK_LEN];
	char s64[32], d64[48];
	int rc, n;

	if (!tg_gw_passwd_ok(pw, len) || ln < TG_GW_SCRYPT_LN_MIN || ln > TG_GW_SCRYPT_LN_MAX)
		return -EINVAL;
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -EIO;
	rc = tg_gw_scrypt(pw, len, salt, ln, TG_GW_SCRYPT_R, TG_GW_SCRYPT_P, dk);
	if (rc)
		return rc;
	tg_gw_b64(salt, sizeof(salt), s64);
	tg_gw_b64(dk, sizeof(dk), d64);
	OPENSSL_cleanse(dk, sizeof(dk));
	n = snprintf(out, outlen, "$scrypt$ln=%u,r=%u,p=%u$%s$%s", ln,
		     TG_GW_SCRYPT_R, TG_GW_SCRYPT_P, s64, d64);
	if (n < 0 || (size_t)n >= outlen)
		return -ENOSPC;
	return 0;
}

/* Check the shape of a configured hash without deriving anything. */
int
tg_gw_passwd_check(const char *hash)
{
	uint8_t salt[TG_GW_SALT_LEN], dk[TG_GW_DK_LEN];
	unsigned ln, r, p;

	return tg_gw_passwd_parse(hash, &ln, &r, &p, salt, dk);
}

/*
 * Derive the key of pw with the hash's parameters and salt and compare it
 * with the stored key in constant time (CRYPTO_memcmp), so the time taken
 * says nothing about how close a guess came.
 */
int
tg_gw_passwd_verify(const char *hash, const char *pw, size_t len)
{
	uint8_t salt[TG_GW_SALT_LEN], want[TG_GW_DK_LEN], got[TG_GW_DK_LEN];
	unsigned ln, r, p;
	int rc, ok;

	if (tg_gw_passwd_parse(hash, &ln, &r, &p, salt, want))
		return -EINVAL;
	rc = tg_gw_scrypt(pw, len, salt, ln, r, p, got);
	if (rc)
		return rc;
	ok = CRYPTO_memcmp(got, want, sizeof(got)) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	/* a valid password is never empty or over 10: fold that in after the work */
	return ok && tg_gw_passwd_ok(pw, len);
}

/* ---- the verifier thread ---- */

#define TG_GW_AUTH_QUEUE	256

struct tg_gw_auth {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int efd;			/* written once per finished job */
	int stop;
	struct tg_gw_auth_job todo[TG_GW_AUTH_QUEUE];
	unsigned todo_head, todo_n;
	struct tg_gw_auth_job done[TG_GW_AUTH_QUEUE];
	unsigned done_head, done_n;
	unsigned inflight;		/* taken from todo, not yet in done */
};

/* The thread: take a job, derive, hand the verdict back, wipe the password. */
static void *
tg_gw_auth_main(void *arg)
{
	struct tg_gw_auth *a = arg;
	struct tg_gw_auth_job job;
	uint64_t one = 1;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (!a->stop && a->todo_n == 0)
			pthread_cond_wait(&a->cond, &a->lock);
		if (a->stop)
			break;
		job = a->todo[a->todo_head];
		OPENSSL_cleanse(a->todo[a->todo_head].pw, sizeof(job.pw));
		a->todo_head = (a->todo_head + 1) % TG_GW_AUTH_QUEUE;
		a->todo_n--;
		a->inflight++;
		pthread_mutex_unlock(&a->lock);

		job.result = tg_gw_passwd_verify(job.hash, job.pw, job.pwlen);
		OPENSSL_cleanse(job.pw, sizeof(job.pw));

		pthread_mutex_lock(&a->lock);
		a->inflight--;
		a->done[(a->done_head + a->done_n) % TG_GW_AUTH_QUEUE] = job;
		a->done_n++;
		if (write(a->efd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow at this rate; nothing to do */
		}
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* Start the verifier; *efd becomes readable when verdicts are waiting. */
int
tg_gw_auth_start(struct tg_gw_auth **out, int *efd)
{
	struct tg_gw_auth *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return -ENOMEM;
	a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->efd < 0) {
		rc = -errno;
		free(a);
		return rc;
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	rc = pthread_create(&a->thread, NULL, tg_gw_auth_main, a);
	if (rc) {
		close(a->efd);
		free(a);
		return -rc;
	}
	*efd = a->efd;
	*out = a;
	return 0;
}

/* Stop the thread (a derivation in progress finishes first) and free. */
void
tg_gw_auth_stop(struct tg_gw_auth *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = 1;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	OPENSSL_cleanse(a->todo, sizeof(a->todo));
	close(a->efd);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	free(a);
}

/* Queue one check (the password is copied). 0 or -EBUSY when the queue is full. */
int
tg_gw_auth_submit(struct tg_gw_auth *a, const struct tg_gw_auth_job *job)
{
	int rc = 0;

	pthread_mutex_lock(&a->lock);
	if (a->todo_n + a->done_n + a->inflight >= TG_GW_AUTH_QUEUE) {
		rc = -EBUSY;
	} else {
		a->todo[(a->todo_head + a->todo_n) % TG_GW_AUTH_QUEUE] = *job;
		a->todo_n++;
		pthread_cond_signal(&a->cond);
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

/* Take one finished check into *job: 1, or 0 when none is waiting. */
int
tg_gw_auth_take(struct tg_gw_auth *a, struct tg_gw_auth_job *job)
{
	uint64_t n;
	int got = 0;

	pthread_mutex_lock(&a->lock);
	if (a->done_n) {
		*job = a->done[a->done_head];
		a->done_head = (a->done_head + 1) % TG_GW_AUTH_QUEUE;
		a->done_n--;
		got = 1;
	}
	if (a->done_n == 0 && read(a->efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: already drained */
	}
	pthread_mutex_unlock(&a->lock);
	return got;
}
