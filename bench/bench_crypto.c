/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SM4 throughput of the software backends through the crypto engine:
 * MB/s (10^6 bytes per second) on 1 MiB jobs, each backend and mode, the
 * median of several runs; sealed 64-byte messages per second (what the
 * gateway will do per order); and, in the same run for comparison,
 * OpenSSL's own `openssl speed -evp sm4-ctr`.
 *
 * usage: bench_crypto [runs]    (default 5)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto/tg_crypto.h"

#define BC_BUF		(1u << 20)	/* bytes per job */
#define BC_MIN_SEC	0.2		/* each run lasts at least this */
#define BC_MSG		64		/* sealed message size */

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

/* The median of v[0..n), sorting v. */
static double
bc_median(double *v, unsigned n)
{
	qsort(v, n, sizeof(double), bc_cmp);
	return v[n / 2];
}

/*
 * MB/s of one kind of job: run it back to back for BC_MIN_SEC, runs
 * times; the median. A GCM decrypt is fed the tag its encryption made,
 * so every run verifies. -1 if a job fails.
 */
static double
bc_rate(struct tg_crypto_engine *e, struct tg_crypto_job *job, unsigned runs)
{
	double rate[16];

	for (unsigned r = 0; r < runs; r++) {
		uint64_t bytes = 0;
		double t0 = bc_now(), t;

		do {
			if (tg_crypto_run(e, job))
				return -1;
			bytes += job->len;
			t = bc_now();
		} while (t - t0 < BC_MIN_SEC);
		rate[r] = (double)bytes / (t - t0) / 1e6;
	}
	return bc_median(rate, runs);
}

/* Sealed BC_MSG-byte messages per second, median of runs. */
static double
bc_seal_rate(struct tg_crypto_engine *e, unsigned runs)
{
	uint8_t pt[BC_MSG] = { 0 }, msg[BC_MSG + TG_CRYPTO_SEAL_OVERHEAD], aad[16] = { 0 };
	double rate[16];

	for (unsigned r = 0; r < runs; r++) {
		uint64_t n = 0;
		double t0 = bc_now(), t;

		do {
			for (int i = 0; i < 256; i++)
				if (tg_crypto_seal(e, 0, aad, sizeof(aad), pt, BC_MSG, msg, sizeof(msg)) < 0)
					return -1;
			n += 256;
			t = bc_now();
		} while (t - t0 < BC_MIN_SEC);
		rate[r] = (double)n / (t - t0);
	}
	return bc_median(rate, runs);
}

/*
 * `openssl speed -evp sm4-ctr -seconds 1`: print its result line and
 * return its 16384-byte figure in MB/s (it reports 1000s of bytes per
 * second), or -1 if it could not be run or read.
 */
static double
bc_openssl_speed(void)
{
	FILE *p = popen("openssl speed -evp sm4-ctr -seconds 1 2>/dev/null", "r");
	char line[512];
	double v[6], mbs = -1;

	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		if (strncasecmp(line, "sm4-ctr", 7))
			continue;
		if (sscanf(line + 7, " %lfk %lfk %lfk %lfk %lfk %lfk",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) == 6) {
			printf("  openssl speed: %s", line);
			mbs = v[5] / 1000;
		}
	}
	pclose(p);
	return mbs;
}

int
main(int argc, char **argv)
{
	static const char *const backends[] = { "gcrypt", "openssl" };
	static const struct {
		const char *name;
		uint8_t mode, op;
	} kinds[] = {
		{ "ecb encrypt", TG_CRYPTO_ECB, TG_CRYPTO_ENCRYPT },
		{ "ctr", TG_CRYPTO_CTR, TG_CRYPTO_ENCRYPT },
		{ "gcm encrypt", TG_CRYPTO_GCM, TG_CRYPTO_ENCRYPT },
		{ "gcm decrypt", TG_CRYPTO_GCM, TG_CRYPTO_DECRYPT },
	};
	unsigned runs = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 5;
	uint8_t key[16], aad[16];
	uint8_t *src = malloc(BC_BUF), *dst = malloc(BC_BUF);
	double mbs[2][4], seals[2], ossl;

	if (runs == 0 || runs > 16 || argc > 2) {
		fprintf(stderr, "usage: %s [runs 1..16]\n", argv[0]);
		return 2;
	}
	if (!src || !dst) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	srand(1);
	for (unsigned i = 0; i < BC_BUF; i++)
		src[i] = (uint8_t)rand();
	for (unsigned i = 0; i < 16; i++) {
		key[i] = (uint8_t)rand();
		aad[i] = (uint8_t)rand();
	}

	for (unsigned b = 0; b < 2; b++) {
		struct tg_crypto_engine *e;
		int rc = tg_crypto_engine_open(backends[b], &e);

		if (!rc)
			rc = tg_crypto_key_load(e, 0, key);
		if (rc) {
			fprintf(stderr, "%s: %s\n", backends[b], strerror(-rc));
			return 1;
		}
		for (unsigned k = 0; k < 4; k++) {
			struct tg_crypto_job job = {
				.mode = kinds[k].mode, .op = TG_CRYPTO_ENCRYPT, .key_slot = 0,
				.src = src, .dst = dst, .len = BC_BUF,
				.iv_len = kinds[k].mode == TG_CRYPTO_ECB ? 0 :
					  kinds[k].mode == TG_CRYPTO_CTR ? 16 : 12,
				.aad = kinds[k].mode == TG_CRYPTO_GCM ? aad : NULL,
				.aad_len = kinds[k].mode == TG_CRYPTO_GCM ? sizeof(aad) : 0,
			};

			memset(job.iv, 0xa5, sizeof(job.iv));
			if (kinds[k].op == TG_CRYPTO_DECRYPT) {
				/* decrypt the ciphertext of src, tag and all */
				if (tg_crypto_run(e, &job))
					return 1;
				memcpy(src, dst, BC_BUF);
				job.op = TG_CRYPTO_DECRYPT;
			}
			mbs[b][k] = bc_rate(e, &job, runs);
			if (mbs[b][k] < 0) {
				fprintf(stderr, "%s %s: job failed\n", backends[b], kinds[k].name);
				return 1;
			}
		}
		seals[b] = bc_seal_rate(e, runs);
		tg_crypto_engine_close(e);
	}

	printf("SM4 through tg_crypto, 1 MiB jobs, MB/s = 10^6 bytes/s, median of %u runs of >= %.1f s:\n",
	       runs, BC_MIN_SEC);
	printf("  %-8s %12s %12s %12s %12s %16s\n", "backend", kinds[0].name, kinds[1].name,
	       kinds[2].name, kinds[3].name, "seal 64 B (k/s)");
	for (unsigned b = 0; b < 2; b++)
		printf("  %-8s %12.0f %12.0f %12.0f %12.0f %16.0f\n", backends[b],
		       mbs[b][0], mbs[b][1], mbs[b][2], mbs[b][3], seals[b] / 1e3);
	ossl = bc_openssl_speed();
	if (ossl > 0)
		printf("  openssl speed -evp sm4-ctr, 16 KiB blocks: %.0f MB/s; gcrypt ctr is %.1fx that\n",
		       ossl, mbs[0][1] / ossl);
	else
		printf("  openssl speed -evp sm4-ctr: could not run\n");
	printf("reproduce: cmake --build build --target bench_crypto && build/bench/bench_crypto %u\n", runs);
	free(src);
	free(dst);
	return 0;
}
