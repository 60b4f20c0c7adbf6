/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto engines on a card: "sim" (the Verilated RTL) and "model" (the C
 * reference model), each with a card of its own opened through the
 * driver. The engine's contract is the software backends' one
 * (tg_crypto.h): jobs come back through poll in submission order with the
 * same statuses and the same bytes; only the work happens on the card.
 *
 * Each job becomes one card job, or, for ECB and CTR longer than the
 * card's 16 MiB, several (CTR's counter advanced by the blocks before
 * each part); GCM cannot be split and is refused above 16 MiB (and AAD
 * above 64 KiB) by tg_crypto_card_fits. Card jobs carry a running cookie
 * and come back in order, so the ring of parts in flight says which job
 * each result belongs to, and a cookie that does not match means the card
 * went wrong (-EIO).
 *
 * Results map to statuses: OK 0, TAG_FAIL -EBADMSG (the driver has
 * zeroed dst already), BAD_JOB -EINVAL (the card refused the block, for
 * instance a slot unloaded behind the engine's back), anything else -EIO
 * with dst zeroed. A job of several parts that failed after an earlier
 * part wrote dst is -EIO with dst zeroed, never a half-written -EINVAL.
 *
 * Keys go to the card's slots and nowhere else: this file only passes
 * the caller's key through to the driver, which wipes its own copy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/tg_crypto_card.h"
#include "tg_card.h"

#define TG_CCARD_PART		TG_CRYPTO_MAX_LEN	/* bytes per card job */
#define TG_CCARD_BATCH		64			/* results per driver poll */
#define TG_CCARD_H2C_LOG2	10
#define TG_CCARD_C2H_LOG2	11
/*
 * Waiting for a card that shows no progress: polls without a result (a
 * model, which runs a whole job per step, answers within a few), or
 * simulated clocks (a 16 MiB job is about 2^20 clocks on the RTL).
 */
#define TG_CCARD_STALL_POLLS	(1u << 20)
#define TG_CCARD_STALL_CYCLES	(1ull << 27)

/* One submitted job and how far its card jobs have got. */
struct tg_ccard_ent {
	struct tg_crypto_job *job;
	uint32_t parts;		/* card jobs it takes; 0 for a refused job */
	uint32_t sent;
	uint32_t done;
	int status;		/* the first failure among its parts */
	int wrote;		/* some part finished OK: dst was written */
};

/* A card job in flight. */
struct tg_ccard_part {
	struct tg_ccard_ent *ent;
	uint64_t cookie;
};

struct tg_crypto_card {
	struct tg_card *card;
	/* submitted jobs, in order; indices free-running */
	struct tg_ccard_ent q[TG_CRYPTO_QUEUE_DEPTH];
	uint32_t q_head;	/* oldest not yet polled */
	uint32_t q_send;	/* oldest with parts not yet on the card */
	uint32_t q_tail;
	struct tg_ccard_ent *running;	/* tg_crypto_card_run's job */
	/* card jobs in flight, in the card's order */
	struct tg_ccard_part *parts;
	uint32_t part_mask, part_head, part_tail;
	uint64_t cookie;
	/* progress watch */
	int broken;
	uint32_t idle_polls;
	uint64_t idle_since;	/* simulated cycle of the last result */
};

/* Open a card for crypto alone: small rings, and it must have SM4. */
int
tg_crypto_card_open(const char *backend, struct tg_crypto_card **out)
{
	struct tg_card_config cfg = {
		.backend = backend,
		.h2c_log2 = TG_CCARD_H2C_LOG2,
		.c2h_log2 = TG_CCARD_C2H_LOG2,
	};
	struct tg_crypto_card *c;
	unsigned depth;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	rc = tg_card_open(&cfg, &c->card);
	if (rc < 0) {
		free(c);
		return rc;
	}
	if (!tg_card_has_sm4(c->card)) {
		tg_card_close(c->card);
		free(c);
		return -ENOTSUP;
	}
	depth = tg_card_crypto_depth(c->card);
	c->parts = calloc(depth, sizeof(*c->parts));
	if (!c->parts) {
		tg_card_close(c->card);
		free(c);
		return -ENOMEM;
	}
	c->part_mask = depth - 1;
	*out = c;
	return 0;
}

/* The card under the engine. */
struct tg_card *
tg_crypto_card_dev(struct tg_crypto_card *c)
{
	return c->card;
}

/* GCM must fit one card job; ECB and CTR of any length are split. */
int
tg_crypto_card_fits(const struct tg_crypto_job *job)
{
	if (job->mode != TG_CRYPTO_GCM)
		return 1;
	return job->len <= TG_CRYPTO_CARD_MAX_GCM && job->aad_len <= TG_CRYPTO_CARD_MAX_AAD;
}

/* Card jobs a job takes. */
static uint32_t
tg_ccard_nparts(const struct tg_crypto_job *job)
{
	if (job->mode == TG_CRYPTO_GCM || job->len == 0)
		return 1;
	return (uint32_t)(((uint64_t)job->len + TG_CCARD_PART - 1) / TG_CCARD_PART);
}

/* The 16-byte big-endian counter block iv plus n. */
static void
tg_ccard_ctr_add(uint8_t iv[16], uint64_t n)
{
	for (int i = 15; i >= 0 && n; i--) {
		uint64_t s = iv[i] + (n & 0xff);

		iv[i] = (uint8_t)s;
		n = (n >> 8) + (s >> 8);
	}
}

/*
 * Give the next card job of ent to the card; 0 if the card has no room
 * now (poll results, then try again).
 */
static int
tg_ccard_send(struct tg_crypto_card *c, struct tg_ccard_ent *ent)
{
	const struct tg_crypto_job *job = ent->job;
	uint64_t off = (uint64_t)ent->sent * TG_CCARD_PART;
	struct tg_crypto_job_block jb;
	struct tg_ccard_part *p;

	memset(&jb, 0, sizeof(jb));
	jb.mode = job->mode;
	jb.op = job->op;
	jb.slot = job->key_slot;
	if (job->mode == TG_CRYPTO_GCM) {
		jb.len = job->len;
		memcpy(jb.iv, job->iv, TG_CRYPTO_GCM_IV_LEN);
		if (job->op == TG_CRYPTO_DECRYPT)
			memcpy(jb.tag, job->tag, TG_CRYPTO_TAG_LEN);
		jb.aad = (uintptr_t)job->aad;
		jb.aad_len = job->aad_len;
	} else {
		jb.len = (uint32_t)(job->len - off < TG_CCARD_PART ? job->len - off : TG_CCARD_PART);
		if (job->mode == TG_CRYPTO_CTR) {
			memcpy(jb.iv, job->iv, TG_CRYPTO_CTR_IV_LEN);
			tg_ccard_ctr_add(jb.iv, off / TG_CRYPTO_BLOCK);
		}
	}
	jb.src = job->src ? (uintptr_t)(job->src + off) : 0;
	jb.dst = job->dst ? (uintptr_t)(job->dst + off) : 0;
	jb.cookie = c->cookie;
	if (tg_card_crypto_submit(c->card, &jb) < 0)
		return 0;
	if (c->part_head == c->part_tail) {
		/* the card was idle: its progress is watched from now */
		c->idle_polls = 0;
		c->idle_since = tg_card_cycles(c->card);
	}
	p = &c->parts[c->part_tail++ & c->part_mask];
	p->ent = ent;
	p->cookie = c->cookie++;
	ent->sent++;
	return 1;
}

/*
 * Hand the card what it has room for: the running job's parts first,
 * then the queue's in order; one doorbell for everything sent.
 */
void
tg_crypto_card_pump(struct tg_crypto_card *c)
{
	unsigned sent = 0;

	if (c->broken)
		return;
	if (c->running) {
		while (c->running->sent < c->running->parts && tg_ccard_send(c, c->running))
			sent++;
		if (c->running->sent < c->running->parts)
			goto out;
	}
	while (c->q_send != c->q_tail) {
		struct tg_ccard_ent *ent = &c->q[c->q_send % TG_CRYPTO_QUEUE_DEPTH];

		if (ent->sent == ent->parts) {
			c->q_send++;
			continue;
		}
		if (!tg_ccard_send(c, ent))
			break;
		sent++;
	}
out:
	if (sent)
		tg_card_doorbell(c->card);
}

/* A job's last part is back: its status, and dst zeroed on a failure. */
static void
tg_ccard_finish(struct tg_ccard_ent *ent)
{
	struct tg_crypto_job *job = ent->job;
	int st = ent->status;

	if (st == -EINVAL && ent->wrote)
		st = -EIO;
	if (st && st != -EINVAL && job->len)
		explicit_bzero(job->dst, job->len);
	job->status = st;
}

/* The status a result record means for its part. */
static int
tg_ccard_status(const struct tg_crypto_result *r, const struct tg_ccard_part *p)
{
	if (r->cookie != p->cookie)
		return -EIO;
	switch (r->status) {
	case TG_CRYPTO_ST_OK:
		return 0;
	case TG_CRYPTO_ST_TAG_FAIL:
		return -EBADMSG;
	case TG_CRYPTO_ST_BAD_JOB:
		return -EINVAL;
	}
	return -EIO;
}

/* Take the results the card has, apply each to its job. Returns the count. */
static unsigned
tg_ccard_reap(struct tg_crypto_card *c)
{
	struct tg_crypto_result res[TG_CCARD_BATCH];
	unsigned n = tg_card_crypto_poll(c->card, res, TG_CCARD_BATCH);

	for (unsigned i = 0; i < n; i++) {
		struct tg_ccard_part *p;
		struct tg_ccard_ent *ent;
		int st;

		if (c->part_head == c->part_tail)
			break;	/* the driver matched it to a job: cannot happen */
		p = &c->parts[c->part_head++ & c->part_mask];
		ent = p->ent;
		st = tg_ccard_status(&res[i], p);
		if (!st && ent->job->mode == TG_CRYPTO_GCM && ent->job->op == TG_CRYPTO_ENCRYPT)
			memcpy(ent->job->tag, res[i].tag, TG_CRYPTO_TAG_LEN);
		if (st && !ent->status)
			ent->status = st;
		else if (!st)
			ent->wrote = 1;
		explicit_bzero(res[i].tag, sizeof(res[i].tag));
		if (++ent->done == ent->parts)
			tg_ccard_finish(ent);
	}
	return n;
}

/*
 * The card stopped answering: fail every job not yet finished with -EIO
 * (dst zeroed) and never give the card time again, so it cannot write to
 * buffers the caller is about to reuse.
 */
static void
tg_ccard_break(struct tg_crypto_card *c)
{
	fprintf(stderr, "tg_crypto: %s card: crypto jobs make no progress, engine stopped\n",
		tg_card_backend(c->card));
	c->broken = 1;
	for (uint32_t i = c->q_head; i != c->q_tail; i++) {
		struct tg_ccard_ent *ent = &c->q[i % TG_CRYPTO_QUEUE_DEPTH];

		if (ent->job->status == -EINPROGRESS) {
			ent->status = -EIO;
			tg_ccard_finish(ent);
		}
	}
	if (c->running && c->running->job->status == -EINPROGRESS) {
		c->running->status = -EIO;
		tg_ccard_finish(c->running);
	}
}

/*
 * One round of progress: send, collect, send again; and watch for a card
 * that has jobs in flight but produces nothing.
 */
static void
tg_ccard_step(struct tg_crypto_card *c)
{
	unsigned got;

	if (c->broken)
		return;
	tg_crypto_card_pump(c);
	got = tg_ccard_reap(c);
	tg_crypto_card_pump(c);
	if (got || c->part_head == c->part_tail) {
		c->idle_polls = 0;
		c->idle_since = tg_card_cycles(c->card);
		return;
	}
	if (tg_card_cycles(c->card) ? tg_card_cycles(c->card) - c->idle_since > TG_CCARD_STALL_CYCLES
				     : ++c->idle_polls > TG_CCARD_STALL_POLLS)
		tg_ccard_break(c);
}

/* Every queued job on the card and back (or the engine broken). */
static void
tg_ccard_drain(struct tg_crypto_card *c)
{
	while (!c->broken && (c->q_send != c->q_tail || c->part_head != c->part_tail))
		tg_ccard_step(c);
}

/*
 * A key change waits for every job submitted before it, so those keep the
 * key they were submitted under, as in software.
 */
int
tg_crypto_card_key_load(struct tg_crypto_card *c, unsigned slot,
			const uint8_t key[TG_CRYPTO_KEY_LEN])
{
	tg_ccard_drain(c);
	if (c->broken)
		return -EIO;
	return tg_card_key_load(c->card, slot, key);
}

/* Empty the card's slot, after the jobs submitted before. */
int
tg_crypto_card_key_unload(struct tg_crypto_card *c, unsigned slot)
{
	tg_ccard_drain(c);
	if (c->broken)
		return -EIO;
	return tg_card_key_unload(c->card, slot);
}

/* Jobs the queue can still take before one is polled. */
unsigned
tg_crypto_card_room(const struct tg_crypto_card *c)
{
	return TG_CRYPTO_QUEUE_DEPTH - (c->q_tail - c->q_head);
}

/* Queue a job; a refused or broken-engine job finishes at once, in its turn. */
void
tg_crypto_card_push(struct tg_crypto_card *c, struct tg_crypto_job *job, int ok)
{
	struct tg_ccard_ent *ent = &c->q[c->q_tail++ % TG_CRYPTO_QUEUE_DEPTH];

	memset(ent, 0, sizeof(*ent));
	ent->job = job;
	if (!ok) {
		job->status = -EINVAL;
	} else if (c->broken) {
		ent->status = -EIO;
		tg_ccard_finish(ent);
	} else {
		ent->parts = tg_ccard_nparts(job);
	}
}

/* One round of progress, then the finished jobs at the queue's front. */
unsigned
tg_crypto_card_poll(struct tg_crypto_card *c, struct tg_crypto_job **done, unsigned max)
{
	unsigned n = 0;

	if (c->q_head != c->q_tail)
		tg_ccard_step(c);
	while (n < max && c->q_head != c->q_tail) {
		struct tg_ccard_ent *ent = &c->q[c->q_head % TG_CRYPTO_QUEUE_DEPTH];

		if (ent->job->status == -EINPROGRESS)
			break;
		done[n++] = ent->job;
		c->q_head++;
	}
	return n;
}

/*
 * The job goes to the card behind the queue's jobs in flight but ahead of
 * its unsent ones, and is waited for; results of queued jobs that arrive
 * meanwhile are applied and stay queued for the caller's poll.
 */
int
tg_crypto_card_run(struct tg_crypto_card *c, struct tg_crypto_job *job, int ok)
{
	struct tg_ccard_ent ent;

	if (!ok) {
		job->status = -EINVAL;
		return job->status;
	}
	memset(&ent, 0, sizeof(ent));
	ent.job = job;
	ent.parts = tg_ccard_nparts(job);
	if (c->broken) {
		ent.status = -EIO;
		tg_ccard_finish(&ent);
		return job->status;
	}
	c->running = &ent;
	while (job->status == -EINPROGRESS)
		tg_ccard_step(c);
	c->running = NULL;
	return job->status;
}

/* Let the jobs in flight finish (their buffers are the callers'), then close. */
void
tg_crypto_card_close(struct tg_crypto_card *c)
{
	if (!c)
		return;
	tg_ccard_drain(c);
	tg_card_close(c->card);
	free(c->parts);
	explicit_bzero(c, sizeof(*c));
	free(c);
}
