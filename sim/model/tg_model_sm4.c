/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The card's SM4 engine in the C model (docs/card-interface.md section 9).
 *
 * A key slot is a key state of the host's "gcrypt" backend
 * (host/crypto/tg_crypto_backend.h) and a job runs through that backend's
 * crypt, the code of the host's software path: what the model computes
 * is libgcrypt's SM4, which the crypto tests hold to OpenSSL and to the
 * standards' vectors, and the RTL is held to the model. The card's own
 * rules are here: write-only key words consumed by a load, the job block
 * checks in the contract's order, GCM decrypt writing its plaintext before
 * the verdict, and the result record's fields.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/tg_crypto_backend.h"
#include "tg_model_sm4.h"

struct tg_model_sm4 {
	uint32_t key_data[4];		/* KEY_DATA[0..3] since the last load */
	void *ks[TG_KEY_SLOTS];		/* the slot's key state; NULL = empty */
};

/* Every slot empty, the key words zero; libgcrypt set up once per process. */
struct tg_model_sm4 *
tg_model_sm4_new(void)
{
	const struct tg_crypto_ops *ops = &tg_crypto_gcrypt_ops;

	if (ops->init && ops->init())
		return NULL;
	return calloc(1, sizeof(struct tg_model_sm4));
}

/* Wipe the slots (libgcrypt clears a handle as it closes) and the words. */
void
tg_model_sm4_free(struct tg_model_sm4 *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < TG_KEY_SLOTS; i++)
		tg_crypto_gcrypt_ops.key_free(s->ks[i]);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/*
 * LOAD: the four words, big-endian, are the key; it is expanded into the
 * slot and every plain copy (the words, the byte array) is wiped. Should
 * libgcrypt fail to expand it (out of memory), the slot is left empty, so
 * jobs naming it fail as BAD_JOB and the host sees the load did not take.
 */
static void
tg_model_sm4_load(struct tg_model_sm4 *s, unsigned slot)
{
	const struct tg_crypto_ops *ops = &tg_crypto_gcrypt_ops;
	uint8_t key[TG_CRYPTO_KEY_LEN];
	void *ks = NULL;

	for (unsigned w = 0; w < 4; w++) {
		key[4 * w] = (uint8_t)(s->key_data[w] >> 24);
		key[4 * w + 1] = (uint8_t)(s->key_data[w] >> 16);
		key[4 * w + 2] = (uint8_t)(s->key_data[w] >> 8);
		key[4 * w + 3] = (uint8_t)s->key_data[w];
	}
	if (ops->key_new(key, &ks))
		ks = NULL;
	explicit_bzero(key, sizeof(key));
	explicit_bzero(s->key_data, sizeof(s->key_data));
	ops->key_free(s->ks[slot]);
	s->ks[slot] = ks;
}

/*
 * KEY_DATA words are kept until a load consumes them. KEY_CMD: LOAD
 * (bit 31) or UNLOAD (bit 30) of slot [3:0]; a write with both bits set
 * loads. A slot unloaded here is wiped at once: the RTL only marks it
 * empty, which a host cannot tell apart since no job can use it.
 */
void
tg_model_sm4_reg_write(struct tg_model_sm4 *s, uint32_t off, uint32_t val)
{
	unsigned slot = val & (TG_KEY_SLOTS - 1);

	if (off >= TG_REG_KEY_DATA(0) && off <= TG_REG_KEY_DATA(3)) {
		s->key_data[(off - TG_REG_KEY_DATA(0)) / 4] = val;
	} else if (off == TG_REG_KEY_CMD) {
		if (val & TG_KEY_CMD_LOAD) {
			tg_model_sm4_load(s, slot);
		} else if (val & TG_KEY_CMD_UNLOAD) {
			tg_crypto_gcrypt_ops.key_free(s->ks[slot]);
			s->ks[slot] = NULL;
		}
	}
}

/* The loaded-slot mask; an expansion is instant here, so BUSY is never set. */
uint32_t
tg_model_sm4_status(const struct tg_model_sm4 *s)
{
	uint32_t loaded = 0;

	for (unsigned i = 0; i < TG_KEY_SLOTS; i++)
		if (s->ks[i])
			loaded |= 1u << i;
	return loaded << TG_KEY_STATUS_LOADED_SHIFT;
}

/*
 * The checks of section 9, in its order, on the job block alone: mode,
 * op, slot (range, then loaded), length, ECB whole blocks, AAD only in
 * GCM and at most 64 KiB.
 */
static bool
tg_model_sm4_job_ok(const struct tg_model_sm4 *s, const struct tg_crypto_job_block *jb)
{
	if (jb->mode < TG_SM4_ECB || jb->mode > TG_SM4_GCM)
		return false;
	if (jb->op > 1)
		return false;
	if (jb->slot >= TG_KEY_SLOTS || !s->ks[jb->slot])
		return false;
	if (jb->len > TG_CRYPTO_MAX_LEN)
		return false;
	if (jb->mode == TG_SM4_ECB && jb->len % TG_CRYPTO_BLOCK)
		return false;
	if (jb->aad_len && (jb->mode != TG_SM4_GCM || jb->aad_len > TG_CRYPTO_MAX_AAD))
		return false;
	return true;
}

/*
 * One job: the block's addresses are host memory (IOVA = VA), read and
 * written in place by libgcrypt. GCM decrypt writes the plaintext to dst
 * before its tag is checked, exactly as the card streams it, so on
 * TAG_FAIL the bytes at dst are the same on both and the driver zeroes
 * them. A BAD_JOB record carries only its kind, status and cookie, and
 * the job touches no memory.
 */
uint8_t
tg_model_sm4_job(struct tg_model_sm4 *s, const struct tg_crypto_job_block *jb,
		 struct tg_crypto_result *res)
{
	struct tg_crypto_job job;
	int rc;

	memset(res, 0, sizeof(*res));
	res->kind = TG_EV_CRYPTO;
	res->cookie = jb->cookie;
	if (!tg_model_sm4_job_ok(s, jb)) {
		res->status = TG_CRYPTO_ST_BAD_JOB;
		return res->status;
	}

	memset(&job, 0, sizeof(job));
	job.mode = jb->mode;
	job.op = jb->op;
	job.key_slot = jb->slot;
	job.len = jb->len;
	job.src = (const uint8_t *)(uintptr_t)jb->src;
	job.dst = (uint8_t *)(uintptr_t)jb->dst;
	switch (jb->mode) {
	case TG_SM4_CTR:
		job.iv_len = TG_CRYPTO_CTR_IV_LEN;
		memcpy(job.iv, jb->iv, TG_CRYPTO_CTR_IV_LEN);
		break;
	case TG_SM4_GCM:
		job.iv_len = TG_CRYPTO_GCM_IV_LEN;
		memcpy(job.iv, jb->iv, TG_CRYPTO_GCM_IV_LEN);
		job.aad = (const uint8_t *)(uintptr_t)jb->aad;
		job.aad_len = jb->aad_len;
		if (jb->op)
			memcpy(job.tag, jb->tag, TG_CRYPTO_TAG_LEN);
		break;
	}
	rc = tg_crypto_gcrypt_ops.crypt(s->ks[jb->slot], &job);

	if (rc && rc != -EBADMSG) {
		/*
		 * libgcrypt does not fail on a keyed handle short of memory
		 * corruption; should it, no partial output is left behind
		 * and the host is told the job did not run.
		 */
		if (job.len)
			memset(job.dst, 0, job.len);
		res->status = TG_CRYPTO_ST_BAD_JOB;
		return res->status;
	}
	res->status = rc ? TG_CRYPTO_ST_TAG_FAIL : TG_CRYPTO_ST_OK;
	res->mode = jb->mode;
	res->flags = jb->op ? TG_CRYPTO_FLAG_DECRYPT : 0;
	res->len = jb->len;
	if (jb->mode == TG_SM4_GCM && !jb->op)
		memcpy(res->tag, job.tag, TG_CRYPTO_TAG_LEN);
	return res->status;
}
