/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The card driver's rings and registers, shared by every backend.
 *
 * Host memory holds one DMA area per card: the C2H record ring, the H2C
 * descriptor ring, the H2C head write-back word and, on a card with SM4,
 * one crypto job block per H2C slot, zeroed once at open. Every index is
 * free-running 32-bit; the slot is index & mask. The host learns of new
 * records from their phase bits and of consumed descriptors from the
 * write-back word, so the hot path reads no register, and writes at most
 * one per call (H2C_TAIL in doorbell, C2H_HEAD in release).
 *
 * The C2H ring holds feed records and crypto results in one sequence.
 * Three cursors walk it: c2h_scan, the first record nobody has looked at;
 * c2h_feed, the first record tg_card_poll has not handed out (records
 * between the two are results already taken, or feed records a crypto
 * poll passed and left for the feed); c2h_head, the first record not yet
 * returned to the card. Results are copied out when first met, so a slot
 * holding one can be returned as soon as every record before it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_card_backend.h"

#define TG_PAGE			4096u
#define TG_H2C_LOG2_DEFAULT	10
#define TG_C2H_LOG2_DEFAULT	14
/* Rounds of ops->run per empty poll: bounds the time a stalled card costs. */
#define TG_RUN_ROUNDS		64
/* KEY_STATUS reads before a key command is given up on (a load takes ~712 clocks). */
#define TG_KEY_POLLS		100000
/*
 * Polls (real hardware, model) or simulated clocks without a result before
 * jobs in flight are given up on; a 16 MiB job is about 2^20 clocks.
 */
#define TG_CRYPTO_STALL_POLLS	10000000
#define TG_CRYPTO_STALL_CYCLES	(1ull << 27)

/* The cookie of an H2C slot that holds a crypto job, not a frame. */
static char tg_card_job_slot;
#define TG_CARD_JOB_COOKIE	((void *)&tg_card_job_slot)

/* A job the card has been given and whose result has not come back. */
struct tg_card_flight {
	uint64_t cookie;
	uint8_t *dst;		/* zeroed if the result says TAG_FAIL */
	uint32_t len;
	uint8_t slot;
};

struct tg_card {
	/* H2C producer (hot) */
	struct tg_h2c_desc *h2c;
	void **cookies;			/* one per H2C slot */
	const uint32_t *wb;		/* the card's H2C head, written by DMA */
	uint32_t h2c_mask;
	uint32_t h2c_tail;		/* next descriptor the host fills */
	uint32_t h2c_pub;		/* last tail written to H2C_TAIL */
	uint32_t h2c_clean;		/* oldest descriptor not yet reclaimed */

	/* C2H consumer (hot) */
	struct tg_event *c2h;
	uint32_t c2h_mask;
	unsigned c2h_log2;
	uint32_t c2h_feed;		/* next record poll looks at */
	uint32_t c2h_scan;		/* next record nobody has looked at */
	uint32_t c2h_head;		/* records released to the card */
	uint32_t feed_held;		/* feed records handed out, not released */
	uint32_t feed_pending;		/* feed records in [c2h_feed, c2h_scan) */
	uint32_t c2h_results;		/* results taken in [c2h_head, c2h_scan) */

	/* backend */
	const struct tg_card_ops *ops;
	void *priv;

	/* crypto jobs: blocks, jobs in flight, completion queue */
	struct tg_crypto_job_block *jobs;	/* one per H2C slot, in the DMA area */
	struct tg_card_flight *flight;		/* in submission order */
	struct tg_crypto_result *cq;
	uint32_t crypto_mask;			/* depth - 1 */
	uint32_t flight_head, flight_tail;
	uint32_t cq_head, cq_tail;
	uint32_t slot_busy[TG_KEY_SLOTS];	/* jobs in flight per key slot */
	uint64_t stray;
	bool has_sm4;

	/* cold */
	void *dma;
	size_t dma_len;
	unsigned h2c_log2;
	unsigned n_filters;
	unsigned n_sessions;
} __attribute__((aligned(64)));

static const struct tg_card_ops *const tg_card_backends[] = {
#ifdef TG_HAVE_MODEL
	&tg_be_model_ops,
#endif
#ifdef TG_HAVE_SIM
	&tg_be_sim_ops,
#endif
	&tg_be_vfio_ops,
};

static void tg_card_unload_all(struct tg_card *card);

/* Backends the project knows of, built into this library or not. */
static const char *const tg_card_backend_names[] = { "sim", "model", "vfio" };

/* Register access through the backend: an MMIO load, or a call into the engine. */
static inline uint32_t
tg_rd(struct tg_card *card, uint32_t off)
{
	return card->ops->reg_read(card->priv, off);
}

/* Register write through the backend. */
static inline void
tg_wr(struct tg_card *card, uint32_t off, uint32_t val)
{
	card->ops->reg_write(card->priv, off, val);
}

/* The card's H2C head as last written back to host memory. */
static inline uint32_t
tg_card_wb_head(const struct tg_card *card)
{
	return __atomic_load_n(card->wb, __ATOMIC_ACQUIRE);
}

/*
 * Whether the record for index idx has been written on this pass: its
 * phase bit is 1 on even passes through the ring and 0 on odd ones. The
 * acquire load keeps the record's other bytes from being read early.
 */
static inline int
tg_c2h_ready(const struct tg_card *card, uint32_t idx)
{
	const struct tg_event *ev = &card->c2h[idx & card->c2h_mask];
	uint8_t flags = __atomic_load_n(&ev->flags, __ATOMIC_ACQUIRE);
	uint8_t want = ((idx >> card->c2h_log2) & 1) ? 0 : TG_EV_FLAG_PHASE;

	return (flags & TG_EV_FLAG_PHASE) == want;
}

/*
 * Open a card through the backend cfg->backend names, then set it up.
 * Exactly one message on stderr on failure.
 */
int
tg_card_open(const struct tg_card_config *cfg, struct tg_card **out)
{
	const struct tg_card_ops *ops = NULL;
	void *priv = NULL;
	int rc;

	*out = NULL;
	if (!cfg || !cfg->backend) {
		fprintf(stderr, "tg_card: no backend given (sim, model or vfio)\n");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(tg_card_backends) / sizeof(tg_card_backends[0]); i++)
		if (!strcmp(tg_card_backends[i]->name, cfg->backend))
			ops = tg_card_backends[i];
	if (!ops) {
		for (size_t i = 0; i < sizeof(tg_card_backend_names) / sizeof(tg_card_backend_names[0]); i++) {
			if (!strcmp(tg_card_backend_names[i], cfg->backend)) {
				fprintf(stderr, "tg_card: %s: backend not built into this driver\n",
					cfg->backend);
				return -ENOTSUP;
			}
		}
		fprintf(stderr, "tg_card: %s: unknown backend (sim, model or vfio)\n",
			cfg->backend);
		return -EINVAL;
	}
	rc = ops->open(cfg, &priv);
	if (rc < 0)
		return rc;
	return tg_card_attach(ops, priv, cfg, out);
}

/*
 * Check that a tickgate card answers at the other end of the registers:
 * identity, major version, and a scratch register that keeps what is
 * written (catches a dead link or a BAR mapped at the wrong place).
 */
static int
tg_card_check(struct tg_card *card)
{
	static const uint32_t pattern[] = { 0xA5A55A5Au, 0x5A5AA5A5u, 0x00000000u };
	uint32_t id, version, caps;

	id = tg_rd(card, TG_REG_ID);
	if (id != TG_CARD_ID) {
		fprintf(stderr, "tg_card: %s: no tickgate card (ID reads 0x%08x, want 0x%08x)\n",
			card->ops->name, id, TG_CARD_ID);
		return -ENODEV;
	}
	version = tg_rd(card, TG_REG_VERSION);
	if ((version >> 16) != (TG_CARD_VERSION >> 16)) {
		fprintf(stderr, "tg_card: %s: card version %u.%u, driver speaks %u.x\n",
			card->ops->name, version >> 16, version & 0xffff,
			TG_CARD_VERSION >> 16);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < sizeof(pattern) / sizeof(pattern[0]); i++) {
		uint32_t got;

		tg_wr(card, TG_REG_SCRATCH, pattern[i]);
		got = tg_rd(card, TG_REG_SCRATCH);
		if (got != pattern[i]) {
			fprintf(stderr, "tg_card: %s: SCRATCH wrote 0x%08x, read 0x%08x\n",
				card->ops->name, pattern[i], got);
			return -EIO;
		}
	}
	/* The register windows hold at most 16 filters and 16 sessions. */
	caps = tg_rd(card, TG_REG_CAPS);
	card->n_filters = caps & 0xff;
	card->n_sessions = (caps >> 8) & 0xff;
	if (card->n_filters > 16)
		card->n_filters = 16;
	if (card->n_sessions > 16)
		card->n_sessions = 16;
	card->has_sm4 = (caps >> 25) & 1;
	return 0;
}

/*
 * Allocate and zero the DMA area (C2H ring, H2C ring, write-back word,
 * job blocks), and the crypto bookkeeping on a card with SM4; make the
 * area reachable by the card, and program the ring registers.
 */
static int
tg_card_rings(struct tg_card *card)
{
	size_t c2h_bytes = sizeof(struct tg_event) << card->c2h_log2;
	size_t h2c_bytes = sizeof(struct tg_h2c_desc) << card->h2c_log2;
	size_t job_bytes = card->has_sm4 ? sizeof(struct tg_crypto_job_block) << card->h2c_log2 : 0;
	size_t depth = card->has_sm4 ? (size_t)1 << card->h2c_log2 : 0;
	size_t len = (c2h_bytes + h2c_bytes + 64 + job_bytes + TG_PAGE - 1) &
		     ~(size_t)(TG_PAGE - 1);
	uint8_t *area;
	uint64_t iova;
	int rc;

	area = aligned_alloc(TG_PAGE, len);
	card->cookies = calloc((size_t)1 << card->h2c_log2, sizeof(void *));
	if (depth) {
		card->flight = calloc(depth, sizeof(*card->flight));
		card->cq = aligned_alloc(64, depth * sizeof(*card->cq));
	}
	if (!area || !card->cookies || (depth && (!card->flight || !card->cq))) {
		free(area);
		fprintf(stderr, "tg_card: %s: cannot allocate %zu bytes of ring memory\n",
			card->ops->name, len);
		return -ENOMEM;
	}
	memset(area, 0, len);
	card->dma = area;
	card->dma_len = len;
	card->c2h = (struct tg_event *)area;
	card->h2c = (struct tg_h2c_desc *)(area + c2h_bytes);
	card->wb = (const uint32_t *)(area + c2h_bytes + h2c_bytes);
	if (job_bytes)
		card->jobs = (struct tg_crypto_job_block *)(area + c2h_bytes + h2c_bytes + 64);
	card->crypto_mask = depth ? (uint32_t)depth - 1 : 0;
	card->c2h_mask = (1u << card->c2h_log2) - 1;
	card->h2c_mask = (1u << card->h2c_log2) - 1;

	if (card->ops->dma_map) {
		rc = card->ops->dma_map(card->priv, area, len);
		if (rc < 0) {
			fprintf(stderr, "tg_card: %s: cannot map ring memory for DMA: %s\n",
				card->ops->name, strerror(-rc));
			return rc;
		}
	}

	/* Bases and sizes may only change while the DMA engine is stopped. */
	tg_wr(card, TG_REG_CTRL, 0);
	iova = (uintptr_t)card->h2c;
	tg_wr(card, TG_REG_H2C_BASE_LO, (uint32_t)iova);
	tg_wr(card, TG_REG_H2C_BASE_HI, (uint32_t)(iova >> 32));
	tg_wr(card, TG_REG_H2C_SIZE, card->h2c_log2);
	iova = (uintptr_t)card->wb;
	tg_wr(card, TG_REG_H2C_WB_LO, (uint32_t)iova);
	tg_wr(card, TG_REG_H2C_WB_HI, (uint32_t)(iova >> 32));
	iova = (uintptr_t)card->c2h;
	tg_wr(card, TG_REG_C2H_BASE_LO, (uint32_t)iova);
	tg_wr(card, TG_REG_C2H_BASE_HI, (uint32_t)(iova >> 32));
	tg_wr(card, TG_REG_C2H_SIZE, card->c2h_log2);
	tg_wr(card, TG_REG_CTRL, TG_CTRL_RESET);
	tg_wr(card, TG_REG_CTRL, TG_CTRL_ENABLE);
	/* RESET keeps keys: whatever an earlier user left goes now */
	tg_card_unload_all(card);
	return 0;
}

/*
 * Set up a card on an opened backend; see tg_card_backend.h. On failure
 * the backend is closed and nothing is left allocated.
 */
int
tg_card_attach(const struct tg_card_ops *ops, void *priv,
	       const struct tg_card_config *cfg, struct tg_card **out)
{
	unsigned h2c_log2 = cfg->h2c_log2 ? cfg->h2c_log2 : TG_H2C_LOG2_DEFAULT;
	unsigned c2h_log2 = cfg->c2h_log2 ? cfg->c2h_log2 : TG_C2H_LOG2_DEFAULT;
	struct tg_card *card;
	int rc;

	*out = NULL;
	if (h2c_log2 < TG_H2C_SIZE_MIN || h2c_log2 > TG_H2C_SIZE_MAX ||
	    c2h_log2 < TG_C2H_SIZE_MIN || c2h_log2 > TG_C2H_SIZE_MAX) {
		fprintf(stderr, "tg_card: %s: ring sizes 2^%u (H2C, %u..%u) and 2^%u (C2H, %u..%u) out of range\n",
			ops->name, h2c_log2, TG_H2C_SIZE_MIN, TG_H2C_SIZE_MAX,
			c2h_log2, TG_C2H_SIZE_MIN, TG_C2H_SIZE_MAX);
		if (ops->close)
			ops->close(priv);
		return -EINVAL;
	}
	card = aligned_alloc(64, sizeof(*card));
	if (!card) {
		fprintf(stderr, "tg_card: %s: out of memory\n", ops->name);
		if (ops->close)
			ops->close(priv);
		return -ENOMEM;
	}
	memset(card, 0, sizeof(*card));
	card->ops = ops;
	card->priv = priv;
	card->h2c_log2 = h2c_log2;
	card->c2h_log2 = c2h_log2;

	rc = tg_card_check(card);
	if (rc == 0)
		rc = tg_card_rings(card);
	if (rc < 0) {
		if (ops->close)
			ops->close(priv);
		free(card->cookies);
		free(card->flight);
		free(card->cq);
		free(card->dma);
		free(card);
		return rc;
	}
	*out = card;
	return 0;
}

/*
 * Empty every key slot, stop the DMA engine, close the backend (which,
 * for vfio, waits for the card to go idle and tears the IOMMU mappings
 * down), then free the rings; the job blocks and queued results (tags)
 * are wiped first.
 */
void
tg_card_close(struct tg_card *card)
{
	if (!card)
		return;
	tg_card_unload_all(card);
	tg_wr(card, TG_REG_CTRL, 0);
	if (card->ops->close)
		card->ops->close(card->priv);
	if (card->jobs)
		explicit_bzero(card->jobs, sizeof(*card->jobs) << card->h2c_log2);
	if (card->cq)
		explicit_bzero(card->cq, (size_t)(card->crypto_mask + 1) * sizeof(*card->cq));
	free(card->cookies);
	free(card->flight);
	free(card->cq);
	free(card->dma);
	free(card);
}

/* The backend's name, as given to tg_card_open. */
const char *
tg_card_backend(const struct tg_card *card)
{
	return card->ops->name;
}

/*
 * Program filter entry i. The entry is invalidated first so that the card
 * never matches on a half-written address and port.
 */
int
tg_card_set_filter(struct tg_card *card, unsigned i, uint32_t ip,
		   uint16_t port, uint32_t flags)
{
	if (i >= card->n_filters)
		return -EINVAL;
	if (flags & ~(TG_FILTER_VALID | TG_FILTER_ANY_IP | TG_FILTER_ANY_PORT))
		return -EINVAL;
	tg_wr(card, TG_REG_FILTER(i) + TG_FILTER_CTRL, 0);
	tg_wr(card, TG_REG_FILTER(i) + TG_FILTER_DST_IP, ip);
	tg_wr(card, TG_REG_FILTER(i) + TG_FILTER_DST_PORT, port);
	tg_wr(card, TG_REG_FILTER(i) + TG_FILTER_CTRL, flags | TG_FILTER_VALID);
	return 0;
}

/* Invalidate filter entry i: it matches nothing afterwards. */
int
tg_card_clear_filter(struct tg_card *card, unsigned i)
{
	if (i >= card->n_filters)
		return -EINVAL;
	tg_wr(card, TG_REG_FILTER(i) + TG_FILTER_CTRL, 0);
	return 0;
}

/*
 * Write one descriptor and remember its cookie. The card sees nothing
 * until the doorbell, so a burst costs one register write in all.
 */
int
tg_card_feed_frame(struct tg_card *card, const void *frame, uint16_t len,
		   unsigned line, void *cookie)
{
	struct tg_h2c_desc *d;
	uint32_t slot;

	if (__builtin_expect(card->h2c_tail - card->h2c_clean > card->h2c_mask, 0))
		return -ENOSPC;
	if (__builtin_expect(line > 1, 0))
		return -EINVAL;
	slot = card->h2c_tail & card->h2c_mask;
	d = &card->h2c[slot];
	d->addr = (uintptr_t)frame;
	d->len = len;
	d->kind = TG_DESC_FEED_FRAME;
	d->flags = line ? TG_DESC_LINE_B : 0;
	d->rsvd = 0;
	card->cookies[slot] = cookie;
	card->h2c_tail++;
	return 0;
}

/* Publish the descriptors written since the last doorbell, if any. */
void
tg_card_doorbell(struct tg_card *card)
{
	if (card->h2c_tail == card->h2c_pub)
		return;
	card->h2c_pub = card->h2c_tail;
	tg_wr(card, TG_REG_H2C_TAIL, card->h2c_pub);
}

/* Descriptor slots free: those not fed, or fed and reclaimed. */
unsigned
tg_card_h2c_space(const struct tg_card *card)
{
	return card->h2c_mask + 1 - (card->h2c_tail - card->h2c_clean);
}

/* The H2C ring's size, as opened. */
unsigned
tg_card_h2c_size(const struct tg_card *card)
{
	return card->h2c_mask + 1;
}

/*
 * Hand back the cookies of frame descriptors the card has consumed,
 * oldest first; their slots become free for tg_card_feed_frame. Slots of
 * consumed crypto jobs are freed on the way without a cookie.
 */
unsigned
tg_card_reclaim(struct tg_card *card, void **cookies, unsigned max)
{
	uint32_t head = tg_card_wb_head(card);
	uint32_t clean = card->h2c_clean;
	unsigned n = 0;

	/* A head beyond what was published cannot be the card's: ignore it. */
	if (head - clean > card->h2c_pub - clean)
		return 0;
	while (clean != head) {
		void *c = card->cookies[clean & card->h2c_mask];

		if (__builtin_expect(c == TG_CARD_JOB_COOKIE, 0)) {
			clean++;
			continue;
		}
		if (n == max)
			break;
		cookies[n++] = c;
		clean++;
	}
	card->h2c_clean = clean;
	return n;
}

/*
 * Let a simulated card work until it has the record at index
 * from + want - 1 for the host, it stops making progress, or it has
 * swallowed every published descriptor and produced the record at `from`
 * (so the host can refill the H2C ring while the pipeline drains).
 */
static void
tg_card_give_time(struct tg_card *card, uint32_t from, unsigned want)
{
	uint32_t last = from + want - 1;
	int had_work = tg_card_wb_head(card) != card->h2c_pub;

	for (unsigned r = 0; r < TG_RUN_ROUNDS; r++) {
		unsigned busy = card->ops->run(card->priv, card->ops->run_budget);

		if (tg_c2h_ready(card, last) || !busy)
			return;
		if (had_work && tg_card_wb_head(card) == card->h2c_pub &&
		    tg_c2h_ready(card, from))
			return;
	}
}

/*
 * A result record met while scanning: match it to the oldest job in
 * flight, zero that job's dst if its tag failed (before anyone can see
 * the plaintext), and queue a copy for tg_card_crypto_poll. A result
 * with no job in flight is the card's error: counted, dropped.
 */
static void
tg_card_take_result(struct tg_card *card, const struct tg_event *ev)
{
	const struct tg_crypto_result *r = (const struct tg_crypto_result *)ev;
	struct tg_crypto_result *q;
	struct tg_card_flight *f;

	card->c2h_results++;
	if (card->flight_head == card->flight_tail) {
		card->stray++;
		return;
	}
	f = &card->flight[card->flight_head++ & card->crypto_mask];
	if (f->slot < TG_KEY_SLOTS)
		card->slot_busy[f->slot]--;
	if (r->status == TG_CRYPTO_ST_TAG_FAIL && f->len)
		explicit_bzero(f->dst, f->len);
	q = &card->cq[card->cq_tail++ & card->crypto_mask];
	memcpy(q, r, sizeof(*q));
	q->flags &= (uint8_t)~TG_EV_FLAG_PHASE;
}

/*
 * Move c2h_head over every record at its front that the card may have
 * back: results (taken when scanned) and the to_pass oldest feed records
 * released by the feed consumer. Writes C2H_HEAD once if it moved.
 */
static void
tg_card_c2h_advance(struct tg_card *card, uint32_t to_pass)
{
	uint32_t head = card->c2h_head;

	while (head != card->c2h_scan) {
		const struct tg_event *ev = &card->c2h[head & card->c2h_mask];

		if (ev->kind == TG_EV_CRYPTO) {
			card->c2h_results--;
			if (card->c2h_feed == head)
				card->c2h_feed++;
			head++;
			continue;
		}
		if (!to_pass)
			break;
		to_pass--;
		head++;
	}
	if (head != card->c2h_head) {
		card->c2h_head = head;
		tg_wr(card, TG_REG_C2H_HEAD, head);
	}
}

/*
 * Look at every new record: take the results, leave feed records for
 * tg_card_poll (counted in feed_pending). A result right at the feed
 * cursor moves the cursor too, so the feed's fast path stays usable.
 */
static void
tg_card_scan(struct tg_card *card)
{
	uint32_t idx = card->c2h_scan;

	while (tg_c2h_ready(card, idx)) {
		const struct tg_event *ev = &card->c2h[idx & card->c2h_mask];

		if (ev->kind == TG_EV_CRYPTO) {
			tg_card_take_result(card, ev);
			if (card->c2h_feed == idx)
				card->c2h_feed = idx + 1;
		} else {
			card->feed_pending++;
		}
		idx++;
	}
	card->c2h_scan = idx;
}

/*
 * Feed records another scan passed and left for the feed consumer, in
 * order, up to max; the results among them were taken already.
 */
static unsigned
tg_card_poll_scanned(struct tg_card *card, const struct tg_event **ev, unsigned max)
{
	uint32_t idx = card->c2h_feed;
	unsigned n = 0;

	while (n < max && card->feed_pending) {
		const struct tg_event *e = &card->c2h[idx++ & card->c2h_mask];

		if (e->kind == TG_EV_CRYPTO)
			continue;
		ev[n++] = e;
		card->feed_pending--;
	}
	/* nothing but taken results left before the scan point */
	card->c2h_feed = card->feed_pending ? idx : card->c2h_scan;
	return n;
}

/*
 * Up to max feed records past the ones already handed out, found by their
 * phase bits; never reads C2H_TAIL. Results met on the way are taken, and
 * their slots returned as soon as nothing before them is held.
 */
unsigned
tg_card_poll(struct tg_card *card, const struct tg_event **ev, unsigned max)
{
	uint32_t idx, results;
	unsigned n = 0;

	if (max == 0)
		return 0;
	results = card->c2h_results;
	if (__builtin_expect(card->c2h_feed != card->c2h_scan, 0)) {
		n = tg_card_poll_scanned(card, ev, max);
		if (card->c2h_feed != card->c2h_scan || n == max)
			goto out;
	}
	idx = card->c2h_feed;
	if (n == 0 && card->ops->run && !tg_c2h_ready(card, idx))
		tg_card_give_time(card, idx, max);
	while (n < max && tg_c2h_ready(card, idx)) {
		const struct tg_event *e = &card->c2h[idx & card->c2h_mask];

		idx++;
		if (__builtin_expect(e->kind == TG_EV_CRYPTO, 0)) {
			tg_card_take_result(card, e);
			continue;
		}
		ev[n++] = e;
	}
	card->c2h_feed = card->c2h_scan = idx;
out:
	card->feed_held += n;
	if (__builtin_expect(card->c2h_results != results, 0))
		tg_card_c2h_advance(card, 0);
	return n;
}

/*
 * Give the n oldest polled records back to the card: one C2H_HEAD write.
 * Results among them (already copied out) go back with them.
 */
void
tg_card_release(struct tg_card *card, unsigned n)
{
	if (n > card->feed_held)
		n = card->feed_held;
	if (n == 0)
		return;
	card->feed_held -= n;
	if (__builtin_expect(card->c2h_results != 0, 0)) {
		tg_card_c2h_advance(card, n);
		return;
	}
	card->c2h_head += n;
	tg_wr(card, TG_REG_C2H_HEAD, card->c2h_head);
}

/*
 * Everything fed has been published and consumed, nothing is left in the
 * card's pipeline, and no feed record waits to be polled. The checks run
 * in that order so a record written between them cannot be missed; the
 * last one scans the ring, taking the results it finds.
 */
bool
tg_card_drained(struct tg_card *card)
{
	uint32_t results = card->c2h_results;

	if (card->h2c_tail != card->h2c_pub)
		return false;
	if (tg_card_wb_head(card) != card->h2c_pub)
		return false;
	if (!(tg_rd(card, TG_REG_STATUS) & TG_STATUS_IDLE))
		return false;
	tg_card_scan(card);
	if (card->c2h_results != results)
		tg_card_c2h_advance(card, 0);
	return card->feed_pending == 0;
}

/*
 * A 64-bit counter read while it may move: high, low, high again until
 * both highs agree.
 */
static uint64_t
tg_card_counter(struct tg_card *card, unsigned c)
{
	uint32_t hi, lo, hi2;

	hi2 = tg_rd(card, TG_REG_COUNTER(c) + 4);
	do {
		hi = hi2;
		lo = tg_rd(card, TG_REG_COUNTER(c));
		hi2 = tg_rd(card, TG_REG_COUNTER(c) + 4);
	} while (hi != hi2);
	return (uint64_t)hi << 32 | lo;
}

/* Counters 0..n-1; indices past the last counter read 0. */
void
tg_card_counters(struct tg_card *card, uint64_t *out, unsigned n)
{
	for (unsigned c = 0; c < n; c++)
		out[c] = c < TG_CNT_NUM ? tg_card_counter(card, c) : 0;
}

/* Session slot s as the card's session table holds it. */
bool
tg_card_session(struct tg_card *card, unsigned s, char name[10],
		uint64_t *next, bool *ended)
{
	uint32_t base, w[3], state;

	if (s >= card->n_sessions)
		return false;
	base = TG_REG_SESSION(s);
	state = tg_rd(card, base + TG_SESSION_STATE);
	if (!(state & 1))
		return false;
	w[0] = tg_rd(card, base + TG_SESSION_NAME0);
	w[1] = tg_rd(card, base + TG_SESSION_NAME1);
	w[2] = tg_rd(card, base + TG_SESSION_NAME2);
	if (name)
		for (unsigned k = 0; k < 10; k++)
			name[k] = (char)(w[k / 4] >> (8 * (k % 4)));
	if (next)
		*next = (uint64_t)tg_rd(card, base + TG_SESSION_NEXT_HI) << 32 |
			tg_rd(card, base + TG_SESSION_NEXT_LO);
	if (ended)
		*ended = (state >> 1) & 1;
	return true;
}

/* Raw register access for tools and tests; not for the hot path. */
uint32_t
tg_card_reg_read(struct tg_card *card, uint32_t off)
{
	return tg_rd(card, off);
}

/* Raw register write; ring registers are the driver's, writing them breaks it. */
void
tg_card_reg_write(struct tg_card *card, uint32_t off, uint32_t val)
{
	tg_wr(card, off, val);
}

/*
 * Make host memory (frame buffers) reachable by the card's DMA at
 * IOVA = VA. Needed on vfio for every buffer handed to feed_frame; sim
 * and model reach all of the process's memory.
 */
int
tg_card_dma_map(struct tg_card *card, void *va, size_t len)
{
	if (!card->ops->dma_map)
		return 0;
	return card->ops->dma_map(card->priv, va, len);
}

/* Simulated clock cycles; 0 where time is not simulated. */
uint64_t
tg_card_cycles(const struct tg_card *card)
{
	return card->ops->cycles ? card->ops->cycles(card->priv) : 0;
}

static const char *const tg_counter_names[TG_CNT_NUM] = {
	[TG_CNT_FRAMES_A] = "frames_a",
	[TG_CNT_FRAMES_B] = "frames_b",
	[TG_CNT_NON_FEED] = "non_feed",
	[TG_CNT_FILTERED] = "filtered",
	[TG_CNT_ERR_TRUNCATED] = "err_truncated",
	[TG_CNT_ERR_IP_HEADER] = "err_ip_header",
	[TG_CNT_ERR_IP_CHECKSUM] = "err_ip_checksum",
	[TG_CNT_ERR_UDP_LENGTH] = "err_udp_length",
	[TG_CNT_ERR_MOLD_HEADER] = "err_mold_header",
	[TG_CNT_ERR_SESSION_FULL] = "err_session_full",
	[TG_CNT_MOLD_PACKETS] = "mold_packets",
	[TG_CNT_HEARTBEATS] = "heartbeats",
	[TG_CNT_END_OF_SESSION] = "end_of_session",
	[TG_CNT_MESSAGES] = "messages",
	[TG_CNT_DUPLICATES] = "duplicates",
	[TG_CNT_GAPS] = "gaps",
	[TG_CNT_GAP_MESSAGES] = "gap_messages",
	[TG_CNT_ERR_MSG_OVERRUN] = "err_msg_overrun",
	[TG_CNT_ERR_UNKNOWN_TYPE] = "err_unknown_type",
	[TG_CNT_ERR_MSG_LENGTH] = "err_msg_length",
	[TG_CNT_ERR_SHORT_PACKET] = "err_short_packet",
	[TG_CNT_C2H_DROPS] = "c2h_drops",
	[TG_CNT_H2C_DESCS] = "h2c_descs",
	[TG_CNT_ERR_DESC] = "err_desc",
	[TG_CNT_CRYPTO_JOBS] = "crypto_jobs",
	[TG_CNT_CRYPTO_BYTES] = "crypto_bytes",
	[TG_CNT_CRYPTO_TAG_FAIL] = "crypto_tag_fail",
	[TG_CNT_CRYPTO_BAD_JOB] = "crypto_bad_job",
	[TG_CNT_CRYPTO_WAITS] = "crypto_waits",
	/* in the order of tg_itch_types */
	[TG_CNT_MSG_TYPE0 + 0] = "msg_type_S",
	[TG_CNT_MSG_TYPE0 + 1] = "msg_type_R",
	[TG_CNT_MSG_TYPE0 + 2] = "msg_type_H",
	[TG_CNT_MSG_TYPE0 + 3] = "msg_type_Y",
	[TG_CNT_MSG_TYPE0 + 4] = "msg_type_L",
	[TG_CNT_MSG_TYPE0 + 5] = "msg_type_V",
	[TG_CNT_MSG_TYPE0 + 6] = "msg_type_W",
	[TG_CNT_MSG_TYPE0 + 7] = "msg_type_K",
	[TG_CNT_MSG_TYPE0 + 8] = "msg_type_J",
	[TG_CNT_MSG_TYPE0 + 9] = "msg_type_h",
	[TG_CNT_MSG_TYPE0 + 10] = "msg_type_A",
	[TG_CNT_MSG_TYPE0 + 11] = "msg_type_F",
	[TG_CNT_MSG_TYPE0 + 12] = "msg_type_E",
	[TG_CNT_MSG_TYPE0 + 13] = "msg_type_C",
	[TG_CNT_MSG_TYPE0 + 14] = "msg_type_X",
	[TG_CNT_MSG_TYPE0 + 15] = "msg_type_D",
	[TG_CNT_MSG_TYPE0 + 16] = "msg_type_U",
	[TG_CNT_MSG_TYPE0 + 17] = "msg_type_P",
	[TG_CNT_MSG_TYPE0 + 18] = "msg_type_Q",
	[TG_CNT_MSG_TYPE0 + 19] = "msg_type_B",
	[TG_CNT_MSG_TYPE0 + 20] = "msg_type_I",
	[TG_CNT_MSG_TYPE0 + 21] = "msg_type_N",
	[TG_CNT_MSG_TYPE0 + 22] = "msg_type_O",
};

/* The snake_case name of counter c; "" for unused and out-of-range indices. */
const char *
tg_counter_name(unsigned c)
{
	if (c >= TG_CNT_NUM || !tg_counter_names[c])
		return "";
	return tg_counter_names[c];
}

/* ---------------------------------------------------------------- */
/* SM4 crypto jobs (docs/card-interface.md section 9)                */
/* ---------------------------------------------------------------- */

/* Whether CAPS bit 25 says the card runs crypto jobs. */
bool
tg_card_has_sm4(const struct tg_card *card)
{
	return card->has_sm4;
}

/* The size of the crypto bookkeeping: jobs in flight plus queued results. */
unsigned
tg_card_crypto_depth(const struct tg_card *card)
{
	return card->has_sm4 ? card->crypto_mask + 1 : 0;
}

/* Jobs submitted and not yet handed back by tg_card_crypto_poll. */
unsigned
tg_card_crypto_pending(const struct tg_card *card)
{
	return (card->flight_tail - card->flight_head) + (card->cq_tail - card->cq_head);
}

/* Room in the crypto bookkeeping (the H2C ring may still be full). */
unsigned
tg_card_crypto_space(const struct tg_card *card)
{
	return tg_card_crypto_depth(card) - tg_card_crypto_pending(card);
}

/* Results the card wrote for no job in flight. */
uint64_t
tg_card_crypto_stray(const struct tg_card *card)
{
	return card->stray;
}

/*
 * Take every result the card has written so far (feed records are left
 * for tg_card_poll) and return the slots that are free, giving a
 * simulated card time first when asked to.
 */
static void
tg_card_crypto_collect(struct tg_card *card, int give_time)
{
	uint32_t results = card->c2h_results;
	unsigned inflight = card->flight_tail - card->flight_head;

	if (give_time && inflight && card->ops->run && !tg_c2h_ready(card, card->c2h_scan))
		tg_card_give_time(card, card->c2h_scan, inflight);
	tg_card_scan(card);
	if (card->c2h_results != results)
		tg_card_c2h_advance(card, 0);
}

/*
 * Wait until no job in flight names slot: results are collected into the
 * completion queue meanwhile. Published first, so the card sees them.
 * When every C2H slot holds a record the host has not returned (feed
 * records nobody releases), the card cannot write another result and the
 * jobs cannot finish: -EBUSY at once. Otherwise a simulated card that
 * stops making progress, or one that shows none for TG_CRYPTO_STALL_POLLS
 * polls, also gives -EBUSY.
 */
static int
tg_card_slot_quiesce(struct tg_card *card, unsigned slot)
{
	unsigned long idle = 0;
	uint64_t since = tg_card_cycles(card);

	tg_card_doorbell(card);
	while (card->slot_busy[slot]) {
		uint32_t before = card->flight_head;

		tg_card_crypto_collect(card, 0);
		if (card->flight_head != before) {
			idle = 0;
			since = tg_card_cycles(card);
			continue;
		}
		if (card->c2h_scan - card->c2h_head > card->c2h_mask)
			return -EBUSY;
		if (card->ops->run) {
			if (!card->ops->run(card->priv, card->ops->run_budget) &&
			    !tg_c2h_ready(card, card->c2h_scan))
				idle += TG_CRYPTO_STALL_POLLS / TG_RUN_ROUNDS;
			if (tg_card_cycles(card) - since > TG_CRYPTO_STALL_CYCLES)
				return -EBUSY;
		}
		if (++idle > TG_CRYPTO_STALL_POLLS)
			return -EBUSY;
	}
	return 0;
}

/*
 * Poll KEY_STATUS until no expansion runs and slot's loaded bit is
 * `loaded`: a bounded number of reads (each a few clocks on sim). The
 * card may raise BUSY a clock after the command, so the loaded bit, not
 * BUSY alone, says the command took.
 */
static int
tg_card_key_wait(struct tg_card *card, int slot, int loaded)
{
	for (unsigned i = 0; i < TG_KEY_POLLS; i++) {
		uint32_t st = tg_rd(card, TG_REG_KEY_STATUS);

		if (st & TG_KEY_STATUS_BUSY)
			continue;
		if (slot < 0 || (int)((st >> (TG_KEY_STATUS_LOADED_SHIFT + slot)) & 1) == loaded)
			return 0;
	}
	return -ETIMEDOUT;
}

/*
 * The key as four big-endian words into KEY_DATA, then LOAD. The words
 * are wiped from this stack frame at once; the card zeroes its KEY_DATA
 * when the load consumes them.
 */
int
tg_card_key_load(struct tg_card *card, unsigned slot, const uint8_t key[16])
{
	uint32_t w[4];
	int rc;

	if (!card->has_sm4)
		return -ENOTSUP;
	if (slot >= TG_KEY_SLOTS || !key)
		return -EINVAL;
	rc = tg_card_slot_quiesce(card, slot);
	if (rc == 0)
		rc = tg_card_key_wait(card, -1, 0);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < 4; i++)
		w[i] = (uint32_t)key[4 * i] << 24 | (uint32_t)key[4 * i + 1] << 16 |
		       (uint32_t)key[4 * i + 2] << 8 | key[4 * i + 3];
	for (unsigned i = 0; i < 4; i++)
		tg_wr(card, TG_REG_KEY_DATA(i), w[i]);
	explicit_bzero(w, sizeof(w));
	tg_wr(card, TG_REG_KEY_CMD, TG_KEY_CMD_LOAD | slot);
	rc = tg_card_key_wait(card, (int)slot, 1);
	if (rc < 0) {
		fprintf(stderr, "tg_card: %s: key slot %u never showed loaded\n",
			card->ops->name, slot);
		return rc;
	}
	return 0;
}

/* UNLOAD, once the slot's jobs in flight are back. */
int
tg_card_key_unload(struct tg_card *card, unsigned slot)
{
	int rc;

	if (!card->has_sm4)
		return -ENOTSUP;
	if (slot >= TG_KEY_SLOTS)
		return -EINVAL;
	rc = tg_card_slot_quiesce(card, slot);
	if (rc == 0)
		rc = tg_card_key_wait(card, -1, 0);
	if (rc < 0)
		return rc;
	tg_wr(card, TG_REG_KEY_CMD, TG_KEY_CMD_UNLOAD | slot);
	return tg_card_key_wait(card, (int)slot, 0);
}

/* The loaded-slot mask from KEY_STATUS (0 without SM4). */
uint32_t
tg_card_key_loaded(struct tg_card *card)
{
	if (!card->has_sm4)
		return 0;
	return tg_rd(card, TG_REG_KEY_STATUS) >> TG_KEY_STATUS_LOADED_SHIFT;
}

/*
 * Every slot emptied, at open (RESET keeps keys, so a card may still hold
 * those of an earlier user) and at close. Best effort: a slot whose jobs
 * cannot finish stays as it is.
 */
static void
tg_card_unload_all(struct tg_card *card)
{
	uint32_t loaded;

	if (!card->has_sm4)
		return;
	loaded = tg_card_key_loaded(card);
	for (unsigned s = 0; s < TG_KEY_SLOTS; s++)
		if (loaded >> s & 1)
			tg_card_key_unload(card, s);
}

/*
 * Copy the job block into the H2C slot's own block, point a kind-2
 * descriptor at it, and remember what the result will need (the cookie
 * to check, the dst to zero on TAG_FAIL, the slot to quiesce on a key
 * change). Slots of consumed jobs at the front of the ring are freed here
 * too, so a card used only for crypto never needs tg_card_reclaim.
 */
int
tg_card_crypto_submit(struct tg_card *card, const struct tg_crypto_job_block *jb)
{
	struct tg_card_flight *f;
	struct tg_h2c_desc *d;
	uint32_t slot;

	if (!card->has_sm4)
		return -ENOTSUP;
	if (!jb)
		return -EINVAL;
	if (card->h2c_tail - card->h2c_clean > card->h2c_mask) {
		uint32_t head = tg_card_wb_head(card);

		if (head - card->h2c_clean <= card->h2c_pub - card->h2c_clean)
			while (card->h2c_clean != head &&
			       card->cookies[card->h2c_clean & card->h2c_mask] == TG_CARD_JOB_COOKIE)
				card->h2c_clean++;
		if (card->h2c_tail - card->h2c_clean > card->h2c_mask)
			return -ENOSPC;
	}
	if (tg_card_crypto_pending(card) > card->crypto_mask)
		return -ENOSPC;
	slot = card->h2c_tail & card->h2c_mask;
	memcpy(&card->jobs[slot], jb, sizeof(*jb));
	d = &card->h2c[slot];
	d->addr = (uintptr_t)&card->jobs[slot];
	d->len = TG_CRYPTO_JOB_BLOCK_LEN;
	d->kind = TG_DESC_CRYPTO_JOB;
	d->flags = 0;
	d->rsvd = 0;
	card->cookies[slot] = TG_CARD_JOB_COOKIE;
	card->h2c_tail++;

	f = &card->flight[card->flight_tail++ & card->crypto_mask];
	f->cookie = jb->cookie;
	f->dst = (uint8_t *)(uintptr_t)jb->dst;
	/* only a GCM decrypt the card can accept may come back TAG_FAIL */
	f->len = jb->mode == TG_SM4_GCM && jb->op == 1 && jb->len <= TG_CRYPTO_MAX_LEN ?
		 jb->len : 0;
	f->slot = jb->slot;
	if (jb->slot < TG_KEY_SLOTS)
		card->slot_busy[jb->slot]++;
	return 0;
}

/*
 * Results in submission order. When none is queued, the ring is scanned
 * (after giving a simulated card time for the jobs in flight).
 */
unsigned
tg_card_crypto_poll(struct tg_card *card, struct tg_crypto_result *out, unsigned max)
{
	unsigned n = 0;

	if (!card->has_sm4 || !out)
		return 0;
	if (card->cq_head == card->cq_tail)
		tg_card_crypto_collect(card, 1);
	while (n < max && card->cq_head != card->cq_tail) {
		struct tg_crypto_result *q = &card->cq[card->cq_head++ & card->crypto_mask];

		memcpy(&out[n++], q, sizeof(*q));
		explicit_bzero(q->tag, sizeof(q->tag));
	}
	return n;
}
