/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential: SM4 jobs on the Verilated card (sim), on the C model
 * (model) and in OpenSSL, through the driver, with feed frames of a real
 * NASDAQ capture on the same rings. Both cards were written independently
 * from docs/card-interface.md section 9; OpenSSL (EVP SM4-ECB/CTR, and
 * GCM as EVP CTR plus the GHASH of SP 800-38D in the "openssl" engine)
 * shares no code with either.
 *
 * Required: the same result records in the same order (all 64 bytes),
 * the same dst bytes, equal to OpenSSL's for OK jobs, zero after TAG_FAIL
 * (the driver's doing) and untouched after BAD_JOB; the same feed records
 * as the frames give on their own (all bytes but the phase bit, which
 * depends on how the two kinds interleave, and that is not defined); the
 * same counters. TG_DIFF_SEEDS=N runs N seeds (a soak).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/tg_crypto.h"
#include "feed/tg_replay.h"
#include "tg_card.h"
#include "test_crypto_util.h"

#define CAPDIR TG_SHARED_DIR "/data/itch50-real/omi-data-packets/Nasdaq/"
#define MULTI CAPDIR "Nasdaq.Equities.TotalView.Itch.v5.0/Multiple.Packets.pcap"

static const char *const captures[] = {
	CAPDIR "Nasdaq.Equities.TotalView.Itch.v5.0/Multiple.Packets.pcap",
	CAPDIR "Nasdaq.Equities.TotalView.Itch.v5.0/AddOrderNoMpidAttributionMessage.pcap",
	CAPDIR "Nasdaq.Equities.TotalView.Itch.v5.0/MarketParticipantPositionMessage.pcap",
	CAPDIR "Nasdaq.Equities.TotalView.Itch.v5.0/NetOrderImbalanceIndicatorMessage.pcap",
	CAPDIR "Nasdaq.Equities.TotalView.Itch.v5.0/OrderDeleteMessage.pcap",
	CAPDIR "Nasdaq.Equities.TotalView.Itch.v5.0/OrderExecutedMessage.pcap",
	CAPDIR "Nasdaq.Equities.TotalView.Itch.v5.0/OrderReplaceMessage.pcap",
	CAPDIR "Nasdaq.Equities.TotalView.Itch.v5.0/StockTradingActionMessage.pcap",
	CAPDIR "Bx.Equities.TotalView.Itch.v5.0/AddOrderNoMpidAttributionMessage.pcap",
	CAPDIR "Bx.Equities.TotalView.Itch.v5.0/OrderDeleteMessage.pcap",
	CAPDIR "Bx.Equities.TotalView.Itch.v5.0/OrderReplaceMessage.pcap",
};

#define MAX_FRAMES	32
#define NKEYS		4
#define BAD_SLOT	7	/* loaded, then unloaded: jobs naming it are BAD_JOB */

struct frames {
	unsigned n;
	uint8_t *data[MAX_FRAMES];
	uint16_t len[MAX_FRAMES];
};

/* Every frame of the real captures, in file order. */
static void
load_frames(struct frames *f)
{
	char err[PCAP_ERRBUF_SIZE];

	f->n = 0;
	for (size_t c = 0; c < sizeof(captures) / sizeof(captures[0]); c++) {
		pcap_t *p = pcap_open_offline(captures[c], err);
		struct pcap_pkthdr *h;
		const u_char *b;

		cr_assert_not_null(p, "%s: %s", captures[c], err);
		while (pcap_next_ex(p, &h, &b) == 1) {
			cr_assert_lt(f->n, MAX_FRAMES);
			f->data[f->n] = malloc(h->caplen);
			memcpy(f->data[f->n], b, h->caplen);
			f->len[f->n++] = (uint16_t)h->caplen;
		}
		pcap_close(p);
	}
	cr_assert_geq(f->n, 12);
}

/* One job as both cards get it, with what OpenSSL says it must give. */
struct djob {
	uint8_t mode, op, slot;
	uint32_t len, aad_len, buf_len;	/* buf_len: bytes behind src and dst */
	unsigned so, dof;		/* misalignment of src and dst */
	int in_place;
	uint8_t iv[16], tag[16];
	uint8_t *in;			/* the input (buf_len bytes) */
	uint8_t *aad;
	uint8_t *want;			/* the output of an OK job */
	uint8_t want_tag[16];		/* GCM encrypt */
	uint8_t status;			/* TG_CRYPTO_ST_* expected */
};

/* What one card did. */
struct drun {
	struct tg_event *feed;		/* feed records, phase bit cleared */
	size_t nfeed, cap;
	struct tg_crypto_result *res;	/* results, in the order polled */
	unsigned nres;
	uint8_t **out;			/* per job: the dst bytes afterwards */
	uint64_t cnt[TG_CNT_NUM];
};

static const uint32_t diff_lens[] = { 0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 4095, 4096 };

/*
 * n jobs from seed: every mode and op, the awkward lengths then random
 * ones up to 6 KiB, AAD 0-300 bytes, unaligned or in-place buffers; one
 * in 8 GCM decrypts forged; one in 20 jobs bad in one of the card's ways.
 */
static struct djob *
make_jobs(uint64_t seed, unsigned n, uint8_t keys[NKEYS][16])
{
	struct djob *j = calloc(n, sizeof(*j));
	struct tg_crypto_engine *ref[NKEYS];
	uint64_t s = seed;

	cr_assert(j);
	tcu_fill(&s, &keys[0][0], NKEYS * 16);
	for (unsigned k = 0; k < NKEYS; k++)
		ref[k] = tcu_engine("openssl", keys[k]);
	for (unsigned i = 0; i < n; i++) {
		struct djob *d = &j[i];
		unsigned bad = tcu_below(&s, 20) == 0 ? 1 + tcu_below(&s, 8) : 0;

		d->mode = (uint8_t)(1 + tcu_below(&s, 3));
		d->op = (uint8_t)tcu_below(&s, 2);
		d->slot = (uint8_t)tcu_below(&s, NKEYS);
		d->len = i < 3 * 12 ? diff_lens[i / 3] : tcu_below(&s, 6 * 1024);
		if (d->mode == TG_SM4_ECB)
			d->len &= ~15u;
		d->aad_len = d->mode == TG_SM4_GCM ? tcu_below(&s, 301) : 0;
		d->so = tcu_below(&s, 16);
		d->dof = tcu_below(&s, 16);
		d->in_place = tcu_below(&s, 5) == 0;
		tcu_fill(&s, d->iv, 16);
		d->status = TG_CRYPTO_ST_OK;
		switch (bad) {
		case 1: d->mode = (uint8_t)(tcu_below(&s, 2) ? 0 : 4 + tcu_below(&s, 250)); break;
		case 2: d->op = (uint8_t)(2 + tcu_below(&s, 254)); break;
		case 3: d->slot = BAD_SLOT; break;
		case 4: d->slot = (uint8_t)(16 + tcu_below(&s, 240)); break;
		case 5: d->mode = TG_SM4_ECB; d->len = 16 * tcu_below(&s, 10) + 1 + tcu_below(&s, 15); break;
		case 6: d->mode = (uint8_t)(1 + tcu_below(&s, 2)); d->aad_len = 1 + tcu_below(&s, 40); break;
		case 7: d->mode = TG_SM4_GCM; d->aad_len = TG_CRYPTO_MAX_AAD + 1; break;
		case 8: d->mode = TG_SM4_CTR; d->len = TG_CRYPTO_MAX_LEN + 16 * (1 + tcu_below(&s, 4)); break;
		}
		if (bad)
			d->status = TG_CRYPTO_ST_BAD_JOB;
		/* a job longer than the card takes is never read: a small buffer */
		d->buf_len = d->len > TG_CRYPTO_MAX_LEN ? 64 : d->len + 32;
		d->in = malloc(d->buf_len);
		d->aad = malloc(d->aad_len > 400 ? 400 : d->aad_len + 1);	/* a bad AAD is never read */
		d->want = malloc(d->buf_len);
		cr_assert(d->in && d->aad && d->want);
		tcu_fill(&s, d->in, d->buf_len);
		tcu_fill(&s, d->aad, d->aad_len > 400 ? 400 : d->aad_len);
		if (bad)
			continue;

		/* the reference: OpenSSL on the same input */
		struct tg_crypto_job r = tcu_job(d->mode, TG_CRYPTO_ENCRYPT, 0, d->in + d->so, d->want,
						 d->len, d->iv, d->aad, d->aad_len);
		if (d->mode == TG_SM4_GCM && d->op == TG_CRYPTO_DECRYPT) {
			/* the input is a real ciphertext: OpenSSL encrypts a text first */
			uint8_t *pt = malloc(d->len + 1);

			memcpy(pt, d->in + d->so, d->len);
			r.src = pt;
			r.dst = d->in + d->so;
			cr_assert_eq(tg_crypto_run(ref[d->slot], &r), 0);
			memcpy(d->want, pt, d->len);
			memcpy(d->tag, r.tag, 16);
			free(pt);
			if (tcu_below(&s, 8) == 0) {	/* forged */
				unsigned at = tcu_below(&s, d->len + 16);

				if (at < d->len)
					d->in[d->so + at] ^= (uint8_t)(1u << tcu_below(&s, 8));
				else
					d->tag[at - d->len] ^= (uint8_t)(1u << tcu_below(&s, 8));
				d->status = TG_CRYPTO_ST_TAG_FAIL;
			}
		} else {
			r.op = d->mode == TG_SM4_ECB ? d->op : TG_CRYPTO_ENCRYPT;
			cr_assert_eq(tg_crypto_run(ref[d->slot], &r), 0);
			memcpy(d->want_tag, r.tag, 16);
		}
	}
	for (unsigned k = 0; k < NKEYS; k++)
		tg_crypto_engine_close(ref[k]);
	return j;
}

static void
free_jobs(struct djob *j, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(j[i].in);
		free(j[i].aad);
		free(j[i].want);
	}
	free(j);
}

/* Copy out every feed record the card has, phase cleared, and release them. */
static void
take_feed(struct tg_card *card, struct drun *r)
{
	const struct tg_event *ev[64];
	unsigned n;

	while ((n = tg_card_poll(card, ev, 64)) > 0) {
		if (r->nfeed + n > r->cap) {
			r->cap = 2 * (r->cap + n);
			r->feed = realloc(r->feed, r->cap * sizeof(*r->feed));
			cr_assert(r->feed);
		}
		for (unsigned i = 0; i < n; i++) {
			cr_assert_neq(ev[i]->kind, TG_EV_CRYPTO, "tg_card_poll handed out a result");
			r->feed[r->nfeed] = *ev[i];
			r->feed[r->nfeed++].flags &= (uint8_t)~TG_EV_FLAG_PHASE;
		}
		tg_card_release(card, n);
	}
}

static void
take_results(struct tg_card *card, struct drun *r, unsigned max)
{
	r->nres += tg_card_crypto_poll(card, r->res + r->nres, max - r->nres);
}

static struct tg_card *
open_card(const char *backend, unsigned h2c_log2, unsigned c2h_log2)
{
	struct tg_card_config cfg = { .backend = backend, .h2c_log2 = h2c_log2,
				      .c2h_log2 = c2h_log2 };
	struct tg_card *card;

	cr_assert_eq(tg_card_open(&cfg, &card), 0, "open %s", backend);
	cr_assert(tg_card_has_sm4(card), "the %s card has no SM4 engine (CAPS bit 25 clear)", backend);
	cr_assert_eq(tg_card_set_filter(card, 0, 0, 0, TG_FILTER_ANY_IP | TG_FILTER_ANY_PORT), 0);
	return card;
}

/*
 * One backend: keys in slots 0-3 (and slot 7 loaded, then unloaded), then
 * jobs and frames on the H2C ring, a frame after every `every` jobs (0:
 * none), a doorbell every 8 descriptors, records and results collected as
 * the rings fill. Frames go round the captures; every other round on
 * line B (the A/B arbitration then drops them as duplicates).
 */
static void
run_card(const char *backend, struct djob *j, unsigned n, uint8_t keys[NKEYS][16],
	 const struct frames *fr, unsigned nframes, unsigned every, struct drun *r)
{
	struct tg_card *card = open_card(backend, 8, 14);
	uint8_t **src = calloc(n, sizeof(*src));
	unsigned queued = 0, sent_frames = 0;
	void *cookies[64];

	/*
	 * One frame after every `every` jobs while frames last, the rest at
	 * the end; line B on every other round of the captures.
	 */
#define FEED_ONE() do {								\
		unsigned f_ = sent_frames % fr->n;				\
										\
		while (tg_card_feed_frame(card, fr->data[f_], fr->len[f_],	\
					  (sent_frames / fr->n) & 1, NULL) == -ENOSPC) { \
			tg_card_doorbell(card);					\
			take_feed(card, r);					\
			take_results(card, r, n);				\
			tg_card_reclaim(card, cookies, 64);			\
		}								\
		sent_frames++;							\
		if (++queued % 8 == 0)						\
			tg_card_doorbell(card);					\
	} while (0)

	memset(r, 0, sizeof(*r));
	r->res = calloc(n, sizeof(*r->res));
	r->out = calloc(n, sizeof(*r->out));
	cr_assert(src && r->res && r->out);
	for (unsigned k = 0; k < NKEYS; k++)
		cr_assert_eq(tg_card_key_load(card, k, keys[k]), 0);
	cr_assert_eq(tg_card_key_load(card, BAD_SLOT, keys[0]), 0);
	cr_assert_eq(tg_card_key_unload(card, BAD_SLOT), 0);
	cr_assert_eq(tg_card_key_loaded(card), (1u << NKEYS) - 1);

	for (unsigned i = 0; i < n; i++) {
		struct djob *d = &j[i];
		struct tg_crypto_job_block jb;

		src[i] = malloc(d->buf_len);
		r->out[i] = d->in_place ? src[i] : malloc(d->buf_len);
		cr_assert(src[i] && r->out[i]);
		memcpy(src[i], d->in, d->buf_len);
		if (!d->in_place)
			memset(r->out[i], 0xA5, d->buf_len);
		memset(&jb, 0, sizeof(jb));
		jb.mode = d->mode;
		jb.op = d->op;
		jb.slot = d->slot;
		jb.len = d->len;
		jb.src = (uintptr_t)(src[i] + d->so);
		jb.dst = (uintptr_t)(r->out[i] + (d->in_place ? d->so : d->dof));
		jb.aad = (uintptr_t)d->aad;
		jb.aad_len = d->aad_len;
		memcpy(jb.iv, d->iv, 16);
		memcpy(jb.tag, d->tag, 16);
		jb.cookie = 0x1000000000ull * (i + 1) + i;
		while (tg_card_crypto_submit(card, &jb) == -ENOSPC) {
			tg_card_doorbell(card);
			take_results(card, r, n);
			take_feed(card, r);
			tg_card_reclaim(card, cookies, 64);
		}
		if (++queued % 8 == 0) {
			tg_card_doorbell(card);
			if (queued % 32 == 0) {
				take_feed(card, r);
				take_results(card, r, n);
			}
		}
		if (every && i % every == every - 1 && sent_frames < nframes)
			FEED_ONE();
	}
	while (sent_frames < nframes)
		FEED_ONE();
#undef FEED_ONE
	tg_card_doorbell(card);
	while (r->nres < n || !tg_card_drained(card)) {
		take_results(card, r, n);
		take_feed(card, r);
		tg_card_reclaim(card, cookies, 64);
	}
	take_feed(card, r);
	cr_expect_eq(tg_card_crypto_pending(card), 0);
	cr_expect_eq(tg_card_crypto_stray(card), 0);
	tg_card_counters(card, r->cnt, TG_CNT_NUM);
	tg_card_close(card);
	for (unsigned i = 0; i < n; i++)
		if (!j[i].in_place)
			free(src[i]);
	free(src);
}

static void
free_run(struct drun *r, struct djob *j, unsigned n)
{
	(void)j;
	for (unsigned i = 0; i < n; i++)
		free(r->out[i]);
	free(r->out);
	free(r->res);
	free(r->feed);
}

static void
hex(char *out, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* A card's results and dst bytes against what OpenSSL says. */
static void
check_oracle(const char *backend, uint64_t seed, const struct djob *j, unsigned n,
	     const struct drun *r)
{
	cr_assert_eq(r->nres, n, "%s: %u results for %u jobs", backend, r->nres, n);
	for (unsigned i = 0; i < n; i++) {
		const struct djob *d = &j[i];
		const struct tg_crypto_result *res = &r->res[i];
		const uint8_t *dst = r->out[i] + (d->in_place ? d->so : d->dof);

		cr_assert_eq(res->kind, TG_EV_CRYPTO);
		cr_assert_eq(res->cookie, 0x1000000000ull * (i + 1) + i,
			     "%s seed %" PRIu64 ": result %u out of order", backend, seed, i);
		cr_assert_eq(res->status, d->status,
			     "%s seed %" PRIu64 " job %u (mode %u op %u slot %u len %u aad %u): status %u, want %u",
			     backend, seed, i, d->mode, d->op, d->slot, d->len, d->aad_len,
			     res->status, d->status);
		if (d->status == TG_CRYPTO_ST_OK) {
			cr_assert(!memcmp(dst, d->want, d->len),
				  "%s seed %" PRIu64 " job %u (mode %u op %u len %u): bytes differ from OpenSSL",
				  backend, seed, i, d->mode, d->op, d->len);
			cr_assert_eq(res->len, d->len);
			cr_assert_eq(res->mode, d->mode);
			cr_assert_eq(res->flags, d->op ? TG_CRYPTO_FLAG_DECRYPT : 0);
			if (d->mode == TG_SM4_GCM && d->op == TG_CRYPTO_ENCRYPT)
				cr_assert_arr_eq(res->tag, d->want_tag, 16, "%s job %u: tag", backend, i);
		} else if (d->status == TG_CRYPTO_ST_TAG_FAIL) {
			for (uint32_t k = 0; k < d->len; k++)
				cr_assert_eq(dst[k], 0, "%s job %u: forged plaintext left at %u", backend, i, k);
		} else {
			/* BAD_JOB: nothing touched; in place, the input is still there */
			const uint8_t *orig = r->out[i];

			for (uint32_t k = 0; k < d->buf_len; k++)
				cr_assert_eq(orig[k], d->in_place ? d->in[k] : 0xA5,
					     "%s job %u: BAD_JOB wrote byte %u", backend, i, k);
		}
		/* nothing written outside dst */
		if (!d->in_place && d->status != TG_CRYPTO_ST_BAD_JOB) {
			for (uint32_t k = 0; k < d->dof; k++)
				cr_assert_eq(r->out[i][k], 0xA5);
			for (uint32_t k = d->dof + d->len; k < d->buf_len; k++)
				cr_assert_eq(r->out[i][k], 0xA5, "%s job %u: wrote past dst", backend, i);
		}
	}
}

/* sim against model: results, dst, feed records, counters. */
static void
check_same(uint64_t seed, const struct djob *j, unsigned n, const struct drun *sim,
	   const struct drun *model)
{
	for (unsigned i = 0; i < n; i++) {
		if (memcmp(&sim->res[i], &model->res[i], 64)) {
			char a[129], b[129];

			hex(a, &sim->res[i], 64);
			hex(b, &model->res[i], 64);
			cr_assert_fail("seed %" PRIu64 ": result %u differs\n  sim   %s\n  model %s",
				       seed, i, a, b);
		}
		cr_assert(!memcmp(sim->out[i], model->out[i], j[i].buf_len),
			  "seed %" PRIu64 ": job %u left different bytes", seed, i);
	}
	cr_assert_eq(sim->nfeed, model->nfeed, "seed %" PRIu64 ": %zu feed records on sim, %zu on model",
		     seed, sim->nfeed, model->nfeed);
	for (size_t i = 0; i < sim->nfeed; i++)
		cr_assert(!memcmp(&sim->feed[i], &model->feed[i], 64),
			  "seed %" PRIu64 ": feed record %zu differs", seed, i);
	for (unsigned c = 0; c < TG_CNT_NUM; c++)
		cr_expect_eq(sim->cnt[c], model->cnt[c], "seed %" PRIu64 ": counter %u (%s): sim %" PRIu64
			     ", model %" PRIu64, seed, c, tg_counter_name(c), sim->cnt[c], model->cnt[c]);
}

/* The frames alone through a model card: the feed records the mixed runs must give. */
static void
feed_alone(const struct frames *fr, unsigned nframes, struct drun *r)
{
	struct tg_card *card = open_card("model", 8, 14);
	void *cookies[64];

	memset(r, 0, sizeof(*r));
	for (unsigned k = 0; k < nframes; k++) {
		unsigned f = k % fr->n;

		while (tg_card_feed_frame(card, fr->data[f], fr->len[f], (k / fr->n) & 1, NULL) == -ENOSPC) {
			tg_card_doorbell(card);
			take_feed(card, r);
			tg_card_reclaim(card, cookies, 64);
		}
	}
	tg_card_doorbell(card);
	while (!tg_card_drained(card)) {
		take_feed(card, r);
		tg_card_reclaim(card, cookies, 64);
	}
	take_feed(card, r);
	tg_card_counters(card, r->cnt, TG_CNT_NUM);
	tg_card_close(card);
}

static uint64_t
diff_seeds(uint64_t dflt)
{
	const char *e = getenv("TG_DIFF_SEEDS");

	return e && atoi(e) > 0 ? (uint64_t)atoi(e) : dflt;
}

/*
 * Jobs of every kind with feed frames between them on one card, on both
 * cards; each against OpenSSL, each against the other, and the feed
 * against the frames run alone.
 */
static void
mixed(uint64_t seed, unsigned n, unsigned every, unsigned nframes)
{
	uint8_t keys[NKEYS][16];
	struct frames fr;
	struct djob *j = make_jobs(seed, n, keys);
	struct drun sim, model, alone;
	uint64_t counted[4] = { 0 };

	load_frames(&fr);
	run_card("model", j, n, keys, &fr, nframes, every, &model);
	check_oracle("model", seed, j, n, &model);
	run_card("sim", j, n, keys, &fr, nframes, every, &sim);
	check_oracle("sim", seed, j, n, &sim);
	check_same(seed, j, n, &sim, &model);

	feed_alone(&fr, nframes, &alone);
	cr_assert_eq(model.nfeed, alone.nfeed, "jobs changed the feed: %zu records, %zu alone",
		     model.nfeed, alone.nfeed);
	for (size_t i = 0; i < alone.nfeed; i++)
		cr_assert(!memcmp(&model.feed[i], &alone.feed[i], 64), "feed record %zu", i);
	for (unsigned c = 0; c < TG_CNT_NUM; c++) {
		uint64_t want = alone.cnt[c];

		if (c == TG_CNT_H2C_DESCS)
			want += n;
		else if (c >= TG_CNT_CRYPTO_JOBS && c <= TG_CNT_CRYPTO_WAITS)
			continue;
		cr_expect_eq(model.cnt[c], want, "counter %s: %" PRIu64 " with jobs, %" PRIu64 " without",
			     tg_counter_name(c), model.cnt[c], want);
	}
	for (unsigned i = 0; i < n; i++) {
		counted[j[i].status]++;
		if (j[i].status != TG_CRYPTO_ST_BAD_JOB)
			counted[3] += j[i].len;
	}
	cr_expect_eq(model.cnt[TG_CNT_CRYPTO_JOBS], n);
	cr_expect_eq(model.cnt[TG_CNT_CRYPTO_BYTES], counted[3]);
	cr_expect_eq(model.cnt[TG_CNT_CRYPTO_TAG_FAIL], counted[TG_CRYPTO_ST_TAG_FAIL]);
	cr_expect_eq(model.cnt[TG_CNT_CRYPTO_BAD_JOB], counted[TG_CRYPTO_ST_BAD_JOB]);
	cr_expect_eq(model.cnt[TG_CNT_CRYPTO_WAITS], 0, "the rings never filled");
	/* the run must have exercised everything */
	cr_expect_gt(counted[TG_CRYPTO_ST_TAG_FAIL], 0);
	cr_expect_gt(counted[TG_CRYPTO_ST_BAD_JOB], 0);
	if (nframes)
		cr_expect_gt(model.cnt[TG_CNT_MESSAGES], 0);

	free_run(&sim, j, n);
	free_run(&model, j, n);
	free(alone.feed);
	free_jobs(j, n);
	for (unsigned f = 0; f < fr.n; f++)
		free(fr.data[f]);
}

Test(crypto_card_diff, jobs_only, .timeout = 900)
{
	for (uint64_t s = 1; s <= diff_seeds(1); s++)
		mixed(tcu_seed() + s, 240, 0, 0);
}

Test(crypto_card_diff, jobs_between_feed_frames, .timeout = 900)
{
	for (uint64_t s = 1; s <= diff_seeds(2); s++)
		mixed(tcu_seed() + 100 + s, 300, 3, 120);
}

/*
 * Back-pressure on the shared ring: the feed consumer holds every record
 * (polled, not released) so that the C2H ring fills; jobs then wait for
 * room (CRYPTO_WAITS, never dropped), a key load naming their slot says
 * -EBUSY instead of hanging, and once the records are released every job
 * completes. Both cards must agree on all of it, counters included.
 */
static void
backpressure(const char *backend, uint64_t out_cnt[TG_CNT_NUM], struct tg_crypto_result *out_res)
{
	struct tg_card *card = open_card(backend, 12, 11);
	struct frames fr;
	const struct tg_event *ev[64];
	uint8_t key[16] = { 9, 8, 7 }, src[32] = { 1 }, dst[32 * 64];
	unsigned held = 0, n, k = 0, got = 0;

	load_frames(&fr);
	cr_assert_eq(tg_card_key_load(card, 3, key), 0);
	/* frames until the card has taken what room allows; every record held */
	for (k = 0; k < 400; k++) {
		unsigned f = k % fr.n;

		cr_assert_eq(tg_card_feed_frame(card, fr.data[f], fr.len[f], 0, NULL), 0);
	}
	tg_card_doorbell(card);
	for (;;) {
		n = tg_card_poll(card, ev, 64);
		held += n;
		if (n == 0 && (tg_card_drained(card) || held > 2048 - 200))
			break;
	}
	/* no frame repeats new records: held < 2048, so fill the rest with results */
	unsigned room = 2048 - held, jobs = room + 5;
	cr_assert_lt(jobs, 64 * 32 + 1);
	for (unsigned i = 0; i < jobs; i++) {
		struct tg_crypto_job_block jb = {
			.mode = TG_SM4_CTR, .slot = 3, .len = 32,
			.src = (uintptr_t)src, .dst = (uintptr_t)(dst + 32 * (i % 64)), .cookie = i,
		};

		cr_assert_eq(tg_card_crypto_submit(card, &jb), 0);
	}
	tg_card_doorbell(card);
	for (int r = 0; r < 20; r++)
		got += tg_card_crypto_poll(card, out_res + got, jobs - got);
	cr_expect_eq(got, room, "%s: the results that fit", backend);
	cr_expect_eq(tg_card_key_load(card, 3, key), -EBUSY, "%s: jobs that cannot finish", backend);
	/* release: the waiting jobs go */
	tg_card_release(card, held);
	while (got < jobs)
		got += tg_card_crypto_poll(card, out_res + got, jobs - got);
	for (unsigned i = 0; i < jobs; i++) {
		cr_assert_eq(out_res[i].cookie, i);
		cr_assert_eq(out_res[i].status, TG_CRYPTO_ST_OK);
	}
	cr_expect_eq(tg_card_key_load(card, 3, key), 0);
	while (!tg_card_drained(card))
		while ((n = tg_card_poll(card, ev, 64)) > 0)
			tg_card_release(card, n);
	tg_card_counters(card, out_cnt, TG_CNT_NUM);
	cr_expect_eq(out_cnt[TG_CNT_C2H_DROPS], 0);
	cr_expect_eq(out_cnt[TG_CNT_CRYPTO_JOBS], jobs);
	cr_expect_geq(out_cnt[TG_CNT_CRYPTO_WAITS], 1, "%s: jobs waited", backend);
	tg_card_close(card);
	for (unsigned f = 0; f < fr.n; f++)
		free(fr.data[f]);
}

Test(crypto_card_diff, backpressure, .timeout = 600)
{
	uint64_t cm[TG_CNT_NUM], cs[TG_CNT_NUM];
	struct tg_crypto_result *rm = calloc(4096, sizeof(*rm)), *rs = calloc(4096, sizeof(*rs));

	cr_assert(rm && rs);
	backpressure("model", cm, rm);
	cr_expect_eq(cm[TG_CNT_CRYPTO_WAITS], 1, "model: the first job that found no room");
	backpressure("sim", cs, rs);
	for (unsigned c = 0; c < TG_CNT_NUM; c++)
		cr_expect_eq(cs[c], cm[c], "counter %u (%s): sim %" PRIu64 ", model %" PRIu64, c,
			     tg_counter_name(c), cs[c], cm[c]);
	for (unsigned i = 0; i < cm[TG_CNT_CRYPTO_JOBS]; i++)
		cr_assert(!memcmp(&rm[i], &rs[i], 64), "result %u", i);
	free(rm);
	free(rs);
}

/* ---- the feed consumer on a shared card ---- */

struct replay_ctx {
	struct tg_card *card;
	struct tg_event *rec;
	size_t n;
	unsigned jobs, results;
	uint8_t src[64], dst[64][64];
};

/*
 * The replay callback submits a crypto job on the same card every other
 * record and takes any results: decode must see exactly the records of a
 * replay without jobs.
 */
static int
replay_cb(void *ctx, const struct tg_event *ev)
{
	struct replay_ctx *c = ctx;
	struct tg_crypto_result res[16];

	cr_assert_neq(ev->kind, TG_EV_CRYPTO, "a result reached the feed consumer");
	c->rec[c->n++] = *ev;
	if (c->n % 2 == 0 && c->jobs < 64) {
		struct tg_crypto_job_block jb = {
			.mode = TG_SM4_ECB, .slot = 0, .len = 64, .src = (uintptr_t)c->src,
			.dst = (uintptr_t)c->dst[c->jobs], .cookie = c->jobs,
		};

		if (tg_card_crypto_submit(c->card, &jb) == 0) {
			c->jobs++;
			tg_card_doorbell(c->card);
		}
	}
	unsigned n = tg_card_crypto_poll(c->card, res, 16);

	for (unsigned i = 0; i < n; i++, c->results++)
		cr_assert_eq(res[i].cookie, c->results);
	return 0;
}

static int
plain_cb(void *ctx, const struct tg_event *ev)
{
	struct replay_ctx *c = ctx;

	c->rec[c->n++] = *ev;
	return 0;
}

static void
replay_shared(const char *backend)
{
	static struct replay_ctx plain, mixed_ctx;
	struct tg_replay_stats st;
	uint8_t key[16] = { 0x42 };
	struct tg_crypto_engine *ref = tcu_engine("openssl", key);
	uint8_t want[64];

	for (int pass = 0; pass < 2; pass++) {
		struct replay_ctx *c = pass ? &mixed_ctx : &plain;

		memset(c, 0, sizeof(*c));
		c->rec = calloc(4096, sizeof(*c->rec));
		c->card = open_card(backend, 4, 11);
		for (unsigned i = 0; i < 64; i++)
			c->src[i] = (uint8_t)(i * 7);
		cr_assert_eq(tg_card_key_load(c->card, 0, key), 0);
		cr_assert_eq(tg_replay_pcap(c->card, MULTI, NULL, pass ? replay_cb : plain_cb, c, &st), 0);
		while (c->results < c->jobs) {
			struct tg_crypto_result res[16];
			unsigned n = tg_card_crypto_poll(c->card, res, 16);

			for (unsigned i = 0; i < n; i++, c->results++)
				cr_assert_eq(res[i].cookie, c->results);
		}
		tg_card_close(c->card);
	}
	cr_assert_eq(mixed_ctx.n, plain.n, "%s: %zu records with jobs, %zu without", backend,
		     mixed_ctx.n, plain.n);
	cr_assert_gt(plain.n, 30);
	for (size_t i = 0; i < plain.n; i++) {
		mixed_ctx.rec[i].flags &= (uint8_t)~TG_EV_FLAG_PHASE;
		plain.rec[i].flags &= (uint8_t)~TG_EV_FLAG_PHASE;
		cr_assert(!memcmp(&mixed_ctx.rec[i], &plain.rec[i], 64), "%s: record %zu", backend, i);
	}
	cr_assert_gt(mixed_ctx.jobs, 10);
	struct tg_crypto_job r = tcu_job(TG_SM4_ECB, 0, 0, mixed_ctx.src, want, 64, NULL, NULL, 0);
	cr_assert_eq(tg_crypto_run(ref, &r), 0);
	for (unsigned i = 0; i < mixed_ctx.jobs; i++)
		cr_assert_arr_eq(mixed_ctx.dst[i], want, 64, "%s: job %u", backend, i);
	free(plain.rec);
	free(mixed_ctx.rec);
	tg_crypto_engine_close(ref);
}

Test(crypto_card_diff, replay_shares_card_model) { replay_shared("model"); }
Test(crypto_card_diff, replay_shares_card_sim) { replay_shared("sim"); }
