/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SM4 jobs on the card, through the DMA rings (docs/card-interface.md
 * section 9).
 *
 * 1. The model card through the crypto engine (tg_crypto_engine_open
 *    ("model")): MB/s (10^6 bytes/s) per mode on 1 MiB jobs, 8 in flight;
 *    64-byte jobs per second in batches of 256; 64-byte seals per second.
 *    Median of several runs of at least 0.2 s each; wall-clock time on
 *    this machine.
 * 2. The Verilated card driven cycle by cycle through its own rings (no
 *    driver in between, so every figure is in card clocks, exactly):
 *    blocks (16 bytes) per clock on 64 KiB jobs, 8 in flight, and on
 *    batches of 256 64-byte jobs; the latency of a one-block job, from the
 *    cycle the doorbell is written to the cycle its result record is in
 *    host memory.
 *
 * usage: bench_crypto_card [runs]    (default 5)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/tg_crypto.h"
#include "tg_card_abi.h"
#include "tg_vcard.h"

#define BC_BUF		(1u << 20)	/* bytes per model job */
#define BC_INFLIGHT	8
#define BC_MIN_SEC	0.2
#define BC_SMALL	64

static double
bc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
bc_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
bc_median(double *v, unsigned n)
{
	qsort(v, n, sizeof(double), bc_cmp);
	return v[n / 2];
}

static const struct {
	const char *name;
	uint8_t mode, op;
} bc_kinds[] = {
	{ "ecb", TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT },
	{ "ctr", TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT },
	{ "gcm enc", TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT },
	{ "gcm dec", TG_CRYPTO_GCM, TG_CRYPTO_DECRYPT },
};

/* ---- 1. the model card through the engine ---- */

/*
 * Bytes per second of n-job batches of job (copied), kept `inflight`
 * deep: submit what the queue takes, poll, repeat, for BC_MIN_SEC; the
 * median of runs. -1 if a job fails.
 */
static double
bc_engine_rate(struct tg_crypto_engine *e, const struct tg_crypto_job *job,
	       unsigned inflight, unsigned runs)
{
	struct tg_crypto_job jobs[256], *done[256];
	double rate[16];

	for (unsigned i = 0; i < inflight; i++)
		jobs[i] = *job;
	for (unsigned r = 0; r < runs; r++) {
		uint64_t bytes = 0, sub = 0, back = 0;
		double t0 = bc_now(), t = t0;

		while (t - t0 < BC_MIN_SEC || back < sub) {
			if (t - t0 < BC_MIN_SEC)
				while (sub - back < inflight) {
					if (tg_crypto_submit(e, &jobs[sub % inflight], 1) != 1)
						break;
					sub++;
				}
			unsigned n = tg_crypto_poll(e, done, 256);

			for (unsigned i = 0; i < n; i++) {
				if (done[i]->status)
					return -1;
				bytes += done[i]->len;
			}
			back += n;
			t = bc_now();
		}
		rate[r] = (double)bytes / (t - t0);
	}
	return bc_median(rate, runs);
}

static double
bc_seal_rate(struct tg_crypto_engine *e, unsigned runs)
{
	uint8_t pt[BC_SMALL] = { 0 }, msg[BC_SMALL + TG_CRYPTO_SEAL_OVERHEAD], aad[16] = { 0 };
	double rate[16];

	for (unsigned r = 0; r < runs; r++) {
		uint64_t n = 0;
		double t0 = bc_now(), t;

		do {
			for (int i = 0; i < 256; i++)
				if (tg_crypto_seal(e, 0, aad, sizeof(aad), pt, BC_SMALL, msg, sizeof(msg)) < 0)
					return -1;
			n += 256;
			t = bc_now();
		} while (t - t0 < BC_MIN_SEC);
		rate[r] = (double)n / (t - t0);
	}
	return bc_median(rate, runs);
}

static int
bc_model(unsigned runs, const uint8_t key[16], uint8_t *src, uint8_t *dst)
{
	struct tg_crypto_engine *e;
	uint8_t aad[16] = { 7 };
	double mbs[4], small, seals;
	int rc = tg_crypto_engine_open("model", &e);

	if (!rc)
		rc = tg_crypto_key_load(e, 0, key);
	if (rc) {
		fprintf(stderr, "model card: %s\n", strerror(-rc));
		return 1;
	}
	for (unsigned k = 0; k < 4; k++) {
		struct tg_crypto_job job = {
			.mode = bc_kinds[k].mode, .op = TG_CRYPTO_ENCRYPT, .key_slot = 0,
			.src = src, .dst = dst, .len = BC_BUF,
			.iv_len = bc_kinds[k].mode == TG_CRYPTO_ECB ? 0 :
				  bc_kinds[k].mode == TG_CRYPTO_CTR ? 16 : 12,
			.aad = bc_kinds[k].mode == TG_CRYPTO_GCM ? aad : NULL,
			.aad_len = bc_kinds[k].mode == TG_CRYPTO_GCM ? sizeof(aad) : 0,
		};

		memset(job.iv, 0x3c, sizeof(job.iv));
		if (bc_kinds[k].op == TG_CRYPTO_DECRYPT) {
			/* decrypt src's own ciphertext, so every run verifies its tag */
			if (tg_crypto_run(e, &job))
				return 1;
			memcpy(src, dst, BC_BUF);
			job.op = TG_CRYPTO_DECRYPT;
		}
		mbs[k] = bc_engine_rate(e, &job, BC_INFLIGHT, runs) / 1e6;
		if (mbs[k] < 0) {
			fprintf(stderr, "model card %s: a job failed\n", bc_kinds[k].name);
			return 1;
		}
	}
	struct tg_crypto_job sj = {
		.mode = TG_CRYPTO_CTR, .op = TG_CRYPTO_ENCRYPT, .iv_len = 16,
		.src = src, .dst = dst, .len = BC_SMALL,
	};
	small = bc_engine_rate(e, &sj, 256, runs) / BC_SMALL;
	seals = bc_seal_rate(e, runs);
	tg_crypto_engine_close(e);

	printf("model card through the driver's rings (tg_crypto_engine \"model\"), 1 MiB jobs, %u in flight,\n"
	       "MB/s = 10^6 bytes/s, median of %u runs of >= %.1f s:\n", BC_INFLIGHT, runs, BC_MIN_SEC);
	printf("  %10s %10s %10s %10s %16s %16s\n", bc_kinds[0].name, bc_kinds[1].name,
	       bc_kinds[2].name, bc_kinds[3].name, "ctr 64 B (k/s)", "seal 64 B (k/s)");
	printf("  %10.0f %10.0f %10.0f %10.0f %16.0f %16.0f\n", mbs[0], mbs[1], mbs[2], mbs[3],
	       small / 1e3, seals / 1e3);
	return 0;
}

/* ---- 2. the Verilated card, clock by clock ---- */

struct bc_vc {
	struct tg_vcard *vc;
	struct tg_h2c_desc *h2c;		/* 2^8 */
	struct tg_crypto_job_block *jb;		/* one per H2C slot */
	struct tg_crypto_result *c2h;		/* 2^11 */
	uint32_t *wb;
	uint32_t tail, head;
};

#define BC_H2C_LOG2	8
#define BC_C2H_LOG2	11

static int
bc_vc_open(struct bc_vc *v, const uint8_t key[16])
{
	memset(v, 0, sizeof(*v));
	v->vc = tg_vcard_new();
	v->h2c = aligned_alloc(4096, 16u << BC_H2C_LOG2);
	v->jb = aligned_alloc(4096, sizeof(*v->jb) << BC_H2C_LOG2);
	v->c2h = aligned_alloc(4096, 64u << BC_C2H_LOG2);
	v->wb = aligned_alloc(64, 64);
	if (!v->vc || !v->h2c || !v->jb || !v->c2h || !v->wb)
		return -1;
	memset(v->h2c, 0, 16u << BC_H2C_LOG2);
	memset(v->c2h, 0, 64u << BC_C2H_LOG2);
	*v->wb = 0;
	if (!(tg_vcard_reg_read(v->vc, TG_REG_CAPS) & (1u << 25))) {
		fprintf(stderr, "the Verilated card has no SM4 engine (CAPS bit 25 clear)\n");
		return -1;
	}
	tg_vcard_reg_write(v->vc, TG_REG_H2C_BASE_LO, (uint32_t)(uintptr_t)v->h2c);
	tg_vcard_reg_write(v->vc, TG_REG_H2C_BASE_HI, (uint32_t)((uintptr_t)v->h2c >> 32));
	tg_vcard_reg_write(v->vc, TG_REG_H2C_SIZE, BC_H2C_LOG2);
	tg_vcard_reg_write(v->vc, TG_REG_H2C_WB_LO, (uint32_t)(uintptr_t)v->wb);
	tg_vcard_reg_write(v->vc, TG_REG_H2C_WB_HI, (uint32_t)((uintptr_t)v->wb >> 32));
	tg_vcard_reg_write(v->vc, TG_REG_C2H_BASE_LO, (uint32_t)(uintptr_t)v->c2h);
	tg_vcard_reg_write(v->vc, TG_REG_C2H_BASE_HI, (uint32_t)((uintptr_t)v->c2h >> 32));
	tg_vcard_reg_write(v->vc, TG_REG_C2H_SIZE, BC_C2H_LOG2);
	tg_vcard_reg_write(v->vc, TG_REG_CTRL, TG_CTRL_RESET | TG_CTRL_ENABLE);
	for (unsigned w = 0; w < 4; w++)
		tg_vcard_reg_write(v->vc, TG_REG_KEY_DATA(w),
				   (uint32_t)key[4 * w] << 24 | (uint32_t)key[4 * w + 1] << 16 |
				   (uint32_t)key[4 * w + 2] << 8 | key[4 * w + 3]);
	tg_vcard_reg_write(v->vc, TG_REG_KEY_CMD, TG_KEY_CMD_LOAD | 0);
	for (unsigned i = 0; i < 100000; i++) {
		uint32_t st = tg_vcard_reg_read(v->vc, TG_REG_KEY_STATUS);

		if (!(st & TG_KEY_STATUS_BUSY) && (st >> TG_KEY_STATUS_LOADED_SHIFT & 1))
			return 0;
	}
	fprintf(stderr, "the Verilated card never loaded the key\n");
	return -1;
}

static void
bc_vc_close(struct bc_vc *v)
{
	tg_vcard_free(v->vc);
	free(v->h2c);
	free(v->jb);
	free(v->c2h);
	free(v->wb);
}

/* Queue one job (no doorbell). */
static void
bc_vc_job(struct bc_vc *v, uint8_t mode, uint8_t op, const uint8_t *src, uint8_t *dst,
	  uint32_t len, const uint8_t *aad, uint32_t aad_len, const uint8_t tag[16])
{
	uint32_t slot = v->tail & ((1u << BC_H2C_LOG2) - 1);
	struct tg_crypto_job_block *b = &v->jb[slot];
	struct tg_h2c_desc *d = &v->h2c[slot];

	memset(b, 0, sizeof(*b));
	b->mode = mode;
	b->op = op;
	b->len = len;
	b->src = (uintptr_t)src;
	b->dst = (uintptr_t)dst;
	b->aad = (uintptr_t)aad;
	b->aad_len = aad_len;
	memset(b->iv, 0x5a, 12);
	if (tag)
		memcpy(b->tag, tag, 16);
	b->cookie = v->tail;
	d->addr = (uintptr_t)b;
	d->len = TG_CRYPTO_JOB_BLOCK_LEN;
	d->kind = TG_DESC_CRYPTO_JOB;
	d->flags = 0;
	d->rsvd = 0;
	v->tail++;
}

/* Whether result idx is in host memory (its phase bit for this pass). */
static int
bc_vc_ready(const struct bc_vc *v, uint32_t idx)
{
	const struct tg_crypto_result *r = &v->c2h[idx & ((1u << BC_C2H_LOG2) - 1)];
	uint8_t want = (idx >> BC_C2H_LOG2) & 1 ? 0 : TG_EV_FLAG_PHASE;

	return (__atomic_load_n(&r->flags, __ATOMIC_ACQUIRE) & TG_EV_FLAG_PHASE) == want;
}

/*
 * Doorbell, then tick `step` clocks at a time until every queued job's
 * result is in memory; results are returned to the card as they come.
 * Returns the clocks from the doorbell (inclusive of its register write)
 * to the last result, to within step; 0 if a job failed.
 */
static uint64_t
bc_vc_run(struct bc_vc *v, unsigned step)
{
	uint64_t c0 = tg_vcard_cycles(v->vc);

	tg_vcard_reg_write(v->vc, TG_REG_H2C_TAIL, v->tail);
	while (v->head != v->tail) {
		tg_vcard_tick(v->vc, step);
		while (v->head != v->tail && bc_vc_ready(v, v->head)) {
			if (v->c2h[v->head & ((1u << BC_C2H_LOG2) - 1)].status != TG_CRYPTO_ST_OK)
				return 0;
			v->head++;
		}
	}
	uint64_t c = tg_vcard_cycles(v->vc) - c0;

	tg_vcard_reg_write(v->vc, TG_REG_C2H_HEAD, v->head);
	return c;
}

static int
bc_vcard(unsigned runs, const uint8_t key[16], uint8_t *src, uint8_t *dst)
{
	struct bc_vc v;
	uint8_t aad[16] = { 7 }, tags[8][16];
	const uint32_t big = 64 * 1024, nbig = 8, nsmall = 1u << BC_H2C_LOG2;
	double bpc[4], spc[4];
	uint64_t lat[4][32];
	double t0 = bc_now();

	if (bc_vc_open(&v, key))
		return 1;
	for (unsigned k = 0; k < 4; k++) {
		uint8_t mode = bc_kinds[k].mode, op = bc_kinds[k].op;
		int gcm = mode == TG_CRYPTO_GCM;
		double r[16];
		uint64_t c;

		if (op == TG_CRYPTO_DECRYPT) {
			/* real ciphertexts and tags: encrypt first, keep the tags */
			for (unsigned j = 0; j < nbig; j++)
				bc_vc_job(&v, mode, 0, src + j * big, dst + j * big, big, aad, 16, NULL);
			if (!bc_vc_run(&v, 64))
				return 1;
			for (unsigned j = 0; j < nbig; j++) {
				memcpy(tags[j], v.c2h[(v.head - nbig + j) & ((1u << BC_C2H_LOG2) - 1)].tag, 16);
				memcpy(src + (size_t)nbig * big + j * big, dst + j * big, big);
			}
		}
		for (unsigned rr = 0; rr < runs; rr++) {
			for (unsigned j = 0; j < nbig; j++) {
				const uint8_t *in = op ? src + (size_t)nbig * big + j * big : src + j * big;

				bc_vc_job(&v, mode, op, in, dst + j * big, big, gcm ? aad : NULL,
					  gcm ? 16 : 0, op ? tags[j] : NULL);
			}
			c = bc_vc_run(&v, 64);
			if (!c)
				return 1;
			r[rr] = (double)nbig * big / 16 / (double)c;
		}
		bpc[k] = bc_median(r, runs);
		/* small jobs: 64 bytes each, 4 blocks */
		for (unsigned rr = 0; rr < runs && !op; rr++) {
			for (unsigned j = 0; j < nsmall; j++) {
				if (v.tail - v.head == (1u << BC_H2C_LOG2))
					break;
				bc_vc_job(&v, mode, 0, src + j * 64, dst + j * 64, 64, gcm ? aad : NULL,
					  gcm ? 16 : 0, NULL);
			}
			unsigned n = v.tail - v.head;

			c = bc_vc_run(&v, 8);
			if (!c)
				return 1;
			r[rr] = (double)n * 4 / (double)c;
		}
		spc[k] = op ? 0 : bc_median(r, runs);
		/* latency: one block, ticked one clock at a time */
		for (unsigned i = 0; i < 21; i++) {
			bc_vc_job(&v, mode, 0, src, dst, 16, gcm ? aad : NULL, gcm ? 16 : 0, NULL);
			lat[k][i] = bc_vc_run(&v, 1);
			if (!lat[k][i])
				return 1;
		}
	}
	double t1 = bc_now();

	printf("Verilated card, its own rings, clock by clock (%.1f s of simulation):\n", t1 - t0);
	printf("  %-8s %22s %24s %24s\n", "mode", "blocks/clock, 64 KiB x8",
	       "blocks/clock, 64 B jobs", "1-block job, clocks");
	for (unsigned k = 0; k < 4; k++) {
		double l[32];

		for (unsigned i = 0; i < 21; i++)
			l[i] = (double)lat[k][i];
		if (bc_kinds[k].op == TG_CRYPTO_DECRYPT)
			printf("  %-8s %22.3f %24s %24s\n", bc_kinds[k].name, bpc[k], "-", "-");
		else
			printf("  %-8s %22.3f %24.3f %24.0f\n", bc_kinds[k].name, bpc[k], spc[k],
			       bc_median(l, 21));
	}
	printf("  (latency: from the cycle the doorbell register is written to the cycle the result\n"
	       "   record is in host memory; median of 21)\n");
	bc_vc_close(&v);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned runs = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 5;
	uint8_t key[16];
	uint8_t *src = malloc(2 * BC_BUF), *dst = malloc(BC_BUF);

	if (runs == 0 || runs > 16 || argc > 2) {
		fprintf(stderr, "usage: %s [runs 1..16]\n", argv[0]);
		return 2;
	}
	if (!src || !dst) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	srand(1);
	for (unsigned i = 0; i < 2 * BC_BUF; i++)
		src[i] = (uint8_t)rand();
	for (unsigned i = 0; i < 16; i++)
		key[i] = (uint8_t)rand();
	if (bc_model(runs, key, src, dst) || bc_vcard(runs, key, src, dst))
		return 1;
	printf("reproduce: cmake --build build --target bench_crypto_card && build/bench/bench_crypto_card %u\n",
	       runs);
	free(src);
	free(dst);
	return 0;
}
