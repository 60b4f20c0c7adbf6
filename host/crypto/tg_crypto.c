/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crypto engine: key slots, the checks every job passes before a
 * backend or a card sees it, the queue of finished jobs that poll hands
 * back, and sealed messages (GCM with a per-slot deterministic nonce and
 * a replay window on the receiving side). A software engine runs each
 * job in its backend inside submit; a card engine (tg_crypto_card.c)
 * hands it to the card and finds it finished in a later poll.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/tg_crypto_backend.h"
#include "crypto/tg_crypto_card.h"

struct tg_crypto_slot {
	void *ks;		/* software: the backend's key state */
	int loaded;		/* a key is in the slot (here or on the card) */
	uint32_t fixed;		/* nonce: fixed field */
	uint64_t counter;	/* nonce: next invocation counter */
	int exhausted;		/* counter 2^64 - 1 has been used */
};

struct tg_crypto_engine {
	const struct tg_crypto_ops *ops;	/* software; NULL on a card */
	struct tg_crypto_card *card;		/* card; NULL in software */
	const char *name;
	struct tg_crypto_slot slot[TG_CRYPTO_KEY_SLOTS];
	/* software: finished jobs not yet polled; free-running indices */
	struct tg_crypto_job *done[TG_CRYPTO_QUEUE_DEPTH];
	unsigned done_head, done_tail;
};

/* Card engines: the driver backend each one opens. */
static const char *const tg_crypto_cards[] = { "sim", "model" };

static const struct tg_crypto_ops *const tg_crypto_backends[] = {
	&tg_crypto_gcrypt_ops,
	&tg_crypto_openssl_ops,
};

/* Library set-up may run from several threads opening engines at once. */
static pthread_mutex_t tg_crypto_init_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Open an engine on the backend called name, with every slot empty: a
 * software backend, or a card of its own for "sim" and "model".
 */
int
tg_crypto_engine_open(const char *backend, struct tg_crypto_engine **out)
{
	const struct tg_crypto_ops *ops = NULL;
	const char *card = NULL;
	struct tg_crypto_engine *e;
	int rc = 0;

	if (!backend || !out)
		return -EINVAL;
	*out = NULL;
	for (size_t i = 0; i < sizeof(tg_crypto_backends) / sizeof(tg_crypto_backends[0]); i++)
		if (!strcmp(backend, tg_crypto_backends[i]->name))
			ops = tg_crypto_backends[i];
	for (size_t i = 0; i < sizeof(tg_crypto_cards) / sizeof(tg_crypto_cards[0]); i++)
		if (!strcmp(backend, tg_crypto_cards[i]))
			card = tg_crypto_cards[i];
	if (!ops && !card)
		return -ENOENT;
	if (ops && ops->init) {
		pthread_mutex_lock(&tg_crypto_init_lock);
		rc = ops->init();
		pthread_mutex_unlock(&tg_crypto_init_lock);
		if (rc)
			return rc;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ops = ops;
	e->name = ops ? ops->name : card;
	if (card) {
		rc = tg_crypto_card_open(card, &e->card);
		if (rc) {
			free(e);
			return rc;
		}
	}
	*out = e;
	return 0;
}

/*
 * Every slot wiped, then the engine freed. A card engine lets its jobs in
 * flight finish first; closing the card unloads its slots.
 */
void
tg_crypto_engine_close(struct tg_crypto_engine *e)
{
	if (!e)
		return;
	if (e->card)
		tg_crypto_card_close(e->card);
	else
		for (unsigned s = 0; s < TG_CRYPTO_KEY_SLOTS; s++)
			tg_crypto_key_unload(e, s);
	explicit_bzero(e, sizeof(*e));
	free(e);
}

/* The backend's name: "gcrypt", "openssl", "sim" or "model". */
const char *
tg_crypto_backend(const struct tg_crypto_engine *e)
{
	return e->name;
}

/* The card under a card engine (for tools and tests), else NULL. */
struct tg_card *
tg_crypto_engine_card(struct tg_crypto_engine *e)
{
	return e && e->card ? tg_crypto_card_dev(e->card) : NULL;
}

/*
 * Expand the key into the slot; in software the old key state is freed
 * (and wiped by the backend) only once the new one exists, so a failed
 * load leaves the slot as it was. On a card the key goes to the card's
 * slot once the jobs submitted before have finished; a failed load there
 * leaves the slot empty (the card's slot may have been overwritten).
 */
int
tg_crypto_key_load(struct tg_crypto_engine *e, unsigned slot,
		   const uint8_t key[TG_CRYPTO_KEY_LEN])
{
	struct tg_crypto_slot *s;
	void *ks = NULL;
	int rc;

	if (!e || !key || slot >= TG_CRYPTO_KEY_SLOTS)
		return -EINVAL;
	s = &e->slot[slot];
	if (e->card) {
		rc = tg_crypto_card_key_load(e->card, slot, key);
		if (rc) {
			memset(s, 0, sizeof(*s));
			return rc;
		}
	} else {
		rc = e->ops->key_new(key, &ks);
		if (rc)
			return rc;
		e->ops->key_free(s->ks);
	}
	s->ks = ks;
	s->loaded = 1;
	s->fixed = 0;
	s->counter = 0;
	s->exhausted = 0;
	return 0;
}

/*
 * Empty the slot; in software its key state is wiped by the backend as it
 * is freed, on a card the card's slot is unloaded.
 */
int
tg_crypto_key_unload(struct tg_crypto_engine *e, unsigned slot)
{
	struct tg_crypto_slot *s;
	int rc = 0;

	if (!e || slot >= TG_CRYPTO_KEY_SLOTS)
		return -EINVAL;
	s = &e->slot[slot];
	if (e->card)
		rc = s->loaded ? tg_crypto_card_key_unload(e->card, slot) : 0;
	else
		e->ops->key_free(s->ks);
	memset(s, 0, sizeof(*s));
	return rc;
}

/*
 * Whether a job is one a backend (or the card) can run: everything that
 * would make the card reject a descriptor is refused here, so backends
 * only ever see well-formed work.
 */
static int
tg_crypto_job_ok(const struct tg_crypto_engine *e, const struct tg_crypto_job *job)
{
	if (job->key_slot >= TG_CRYPTO_KEY_SLOTS || !e->slot[job->key_slot].loaded)
		return 0;
	if (e->card && !tg_crypto_card_fits(job))
		return 0;
	if (job->op != TG_CRYPTO_ENCRYPT && job->op != TG_CRYPTO_DECRYPT)
		return 0;
	if (job->len && (!job->src || !job->dst))
		return 0;
	switch (job->mode) {
	case TG_CRYPTO_ECB:
		return job->len % TG_CRYPTO_BLOCK == 0 && job->iv_len == 0 && !job->aad_len;
	case TG_CRYPTO_CTR:
		return job->iv_len == TG_CRYPTO_CTR_IV_LEN && !job->aad_len;
	case TG_CRYPTO_GCM:
		return job->iv_len == TG_CRYPTO_GCM_IV_LEN && (job->aad || !job->aad_len);
	}
	return 0;
}

/*
 * Check and run one job, setting its status. A GCM decrypt that fails
 * its tag (or a library failure) leaves zeros in dst, never plaintext
 * that did not authenticate.
 */
static void
tg_crypto_exec(struct tg_crypto_engine *e, struct tg_crypto_job *job)
{
	if (!tg_crypto_job_ok(e, job)) {
		job->status = -EINVAL;
		return;
	}
	job->status = e->ops->crypt(e->slot[job->key_slot].ks, job);
	if (job->status && job->len)
		explicit_bzero(job->dst, job->len);
}

/*
 * Take jobs in order while the finished queue has room. The software
 * backends compute each job here; what the caller sees is the same as
 * with a card: the job comes back through poll.
 */
int
tg_crypto_submit(struct tg_crypto_engine *e, struct tg_crypto_job *jobs,
		 unsigned n)
{
	unsigned taken = 0;

	if (!e || (!jobs && n))
		return -EINVAL;
	if (e->card) {
		while (taken < n && tg_crypto_card_room(e->card)) {
			struct tg_crypto_job *job = &jobs[taken++];

			job->status = -EINPROGRESS;
			tg_crypto_card_push(e->card, job, tg_crypto_job_ok(e, job));
		}
		tg_crypto_card_pump(e->card);
		return (int)taken;
	}
	while (taken < n && e->done_tail - e->done_head < TG_CRYPTO_QUEUE_DEPTH) {
		struct tg_crypto_job *job = &jobs[taken++];

		job->status = -EINPROGRESS;
		tg_crypto_exec(e, job);
		e->done[e->done_tail++ % TG_CRYPTO_QUEUE_DEPTH] = job;
	}
	return (int)taken;
}

/* Hand back finished jobs, oldest first. */
unsigned
tg_crypto_poll(struct tg_crypto_engine *e, struct tg_crypto_job **done,
	       unsigned max)
{
	unsigned n = 0;

	if (!e || !done)
		return 0;
	if (e->card)
		return tg_crypto_card_poll(e->card, done, max);
	while (n < max && e->done_head != e->done_tail)
		done[n++] = e->done[e->done_head++ % TG_CRYPTO_QUEUE_DEPTH];
	return n;
}

/*
 * One job to completion, synchronously. It does not pass through the
 * finished queue, so jobs the caller submitted and has not polled stay
 * there, in order, and a full queue does not block it.
 */
int
tg_crypto_run(struct tg_crypto_engine *e, struct tg_crypto_job *job)
{
	if (!e || !job)
		return -EINVAL;
	job->status = -EINPROGRESS;
	if (e->card)
		return tg_crypto_card_run(e->card, job, tg_crypto_job_ok(e, job));
	tg_crypto_exec(e, job);
	return job->status;
}

/* ---- Sealed messages ---- */

/* n bytes of v, big-endian, at p: nonces are written most significant first. */
static void
tg_crypto_put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (int i = (int)n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The big-endian integer of the n bytes at p. */
static uint64_t
tg_crypto_get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Set the slot's fixed field and the counter its next seal uses. */
int
tg_crypto_seal_init(struct tg_crypto_engine *e, unsigned slot, uint32_t fixed,
		    uint64_t counter)
{
	if (!e || slot >= TG_CRYPTO_KEY_SLOTS || !e->slot[slot].loaded)
		return -EINVAL;
	e->slot[slot].fixed = fixed;
	e->slot[slot].counter = counter;
	e->slot[slot].exhausted = 0;
	return 0;
}

/* Where the slot's nonce stands: the next counter, and whether it is spent. */
int
tg_crypto_seal_counter(const struct tg_crypto_engine *e, unsigned slot,
		       uint64_t *next, int *exhausted)
{
	if (!e || slot >= TG_CRYPTO_KEY_SLOTS || !e->slot[slot].loaded)
		return -EINVAL;
	if (next)
		*next = e->slot[slot].counter;
	if (exhausted)
		*exhausted = e->slot[slot].exhausted;
	return 0;
}

/*
 * nonce ‖ GCM(pt) ‖ tag. The counter is spent before the text is
 * encrypted, so no failure path can ever hand the same nonce out twice;
 * after 2^64 - 1 the slot refuses to seal rather than wrap.
 */
long
tg_crypto_seal(struct tg_crypto_engine *e, unsigned slot,
	       const uint8_t *aad, uint32_t aad_len,
	       const uint8_t *pt, uint32_t len,
	       uint8_t *out, size_t out_cap)
{
	struct tg_crypto_job job = { 0 };
	struct tg_crypto_slot *s;
	size_t total = (size_t)len + TG_CRYPTO_SEAL_OVERHEAD;

	if (!e || slot >= TG_CRYPTO_KEY_SLOTS || !e->slot[slot].loaded || !out ||
	    (!pt && len) || (!aad && aad_len))
		return -EINVAL;
	if (out_cap < total)
		return -ENOSPC;
	s = &e->slot[slot];
	if (s->exhausted)
		return -EOVERFLOW;
	tg_crypto_put_be(job.iv, s->fixed, 4);
	tg_crypto_put_be(job.iv + 4, s->counter, 8);
	if (s->counter == UINT64_MAX)
		s->exhausted = 1;
	else
		s->counter++;

	job.mode = TG_CRYPTO_GCM;
	job.op = TG_CRYPTO_ENCRYPT;
	job.key_slot = (uint8_t)slot;
	job.iv_len = TG_CRYPTO_GCM_IV_LEN;
	job.src = pt;
	job.dst = out + TG_CRYPTO_GCM_IV_LEN;
	job.len = len;
	job.aad = aad;
	job.aad_len = aad_len;
	if (tg_crypto_run(e, &job))
		return job.status;
	memcpy(out, job.iv, TG_CRYPTO_GCM_IV_LEN);
	memcpy(out + TG_CRYPTO_GCM_IV_LEN + len, job.tag, TG_CRYPTO_TAG_LEN);
	return (long)total;
}

/* An empty window for one sender: nothing accepted yet. */
void
tg_crypto_replay_init(struct tg_crypto_replay *w, uint32_t fixed)
{
	memset(w, 0, sizeof(*w));
	w->fixed = fixed;
}

/* Whether counter c is new to window w (RFC 4303 3.4.3). */
static int
tg_crypto_replay_fresh(const struct tg_crypto_replay *w, uint64_t c)
{
	if (!w->any || c > w->top)
		return 1;
	if (w->top - c >= TG_CRYPTO_REPLAY_WINDOW)
		return 0;
	return !(w->seen >> (w->top - c) & 1);
}

/* Record counter c, which has just authenticated, in window w. */
static void
tg_crypto_replay_mark(struct tg_crypto_replay *w, uint64_t c)
{
	if (!w->any) {
		w->any = 1;
		w->top = c;
		w->seen = 1;
	} else if (c > w->top) {
		uint64_t shift = c - w->top;

		w->seen = shift >= TG_CRYPTO_REPLAY_WINDOW ? 0 : w->seen << shift;
		w->seen |= 1;
		w->top = c;
	} else {
		w->seen |= 1ull << (w->top - c);
	}
}

/*
 * Split a sealed message, refuse a replay before spending any work on it,
 * then authenticate and decrypt in one GCM job; only a message that
 * authenticates moves the replay window.
 */
long
tg_crypto_open(struct tg_crypto_engine *e, unsigned slot,
	       const uint8_t *aad, uint32_t aad_len,
	       const uint8_t *msg, size_t msg_len,
	       uint8_t *out, size_t out_cap,
	       struct tg_crypto_replay *replay)
{
	struct tg_crypto_job job = { 0 };
	size_t len;
	uint64_t counter;

	if (!e || slot >= TG_CRYPTO_KEY_SLOTS || !e->slot[slot].loaded ||
	    (!msg && msg_len) || (!aad && aad_len))
		return -EINVAL;
	if (msg_len < TG_CRYPTO_SEAL_OVERHEAD ||
	    msg_len - TG_CRYPTO_SEAL_OVERHEAD > UINT32_MAX)
		return -EBADMSG;
	len = msg_len - TG_CRYPTO_SEAL_OVERHEAD;
	if (out_cap < len)
		return -ENOSPC;
	if (!out && len)
		return -EINVAL;
	counter = tg_crypto_get_be(msg + 4, 8);
	if (replay) {
		if (tg_crypto_get_be(msg, 4) != replay->fixed)
			return -EBADMSG;
		if (!tg_crypto_replay_fresh(replay, counter))
			return -EALREADY;
	}

	job.mode = TG_CRYPTO_GCM;
	job.op = TG_CRYPTO_DECRYPT;
	job.key_slot = (uint8_t)slot;
	job.iv_len = TG_CRYPTO_GCM_IV_LEN;
	memcpy(job.iv, msg, TG_CRYPTO_GCM_IV_LEN);
	job.src = msg + TG_CRYPTO_GCM_IV_LEN;
	job.dst = out;
	job.len = (uint32_t)len;
	job.aad = aad;
	job.aad_len = aad_len;
	memcpy(job.tag, msg + TG_CRYPTO_GCM_IV_LEN + len, TG_CRYPTO_TAG_LEN);
	if (tg_crypto_run(e, &job))
		return job.status;
	if (replay)
		tg_crypto_replay_mark(replay, counter);
	return (long)len;
}
