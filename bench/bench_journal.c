/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Journal throughput on this machine's disk: records/s and MB/s for
 * appends with a sync every 1, 16 and 256 records (group commit), with
 * fdatasync and without (no_sync: the cost of the journal's own work and
 * of write()), sync latency when every record is synced, then the rate of
 * open (every record verified) and of replay, from the page cache and
 * after the files were dropped from it. Medians of several runs; each run
 * writes a fresh journal in a scratch directory that is removed after.
 *
 *   bench_journal [--dir PARENT] [--size BYTES] [--records N]
 *                 [--sync1-records N] [--replay-records N] [--runs N]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal/tg_journal.h"

#define BENCH_MAX_RUNS	64

/* Monotonic time in seconds. */
static double
bench_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n values (sorts them). */
static double
bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Remove a journal directory and its files. */
static void
bench_rmrf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096 + 256 + 2];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(dir);
}

/* Drop every file of dir from the page cache (they are clean after sync). */
static void
bench_drop_cache(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096 + 256 + 2];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			int fd = open(p, O_RDONLY);
			if (fd >= 0) {
				fdatasync(fd);
				posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
				close(fd);
			}
		}
	closedir(d);
}

static struct tg_journal *
bench_open(const char *dir, bool no_sync, bool read_only)
{
	struct tg_journal_opts o = { .no_sync = no_sync, .read_only = read_only };
	struct tg_journal_report rep;
	struct tg_journal *j;
	int rc = tg_journal_open(dir, &o, &j, &rep);

	if (rc) {
		fprintf(stderr, "bench_journal: open %s: %s (%s)\n", dir, strerror(-rc), rep.what);
		exit(1);
	}
	return j;
}

/*
 * Append n records of size bytes, syncing every `every`; the time from
 * the first append to the last sync. Sync times go to lat when not NULL.
 */
static double
bench_append(const char *dir, bool no_sync, uint64_t n, uint32_t size, unsigned every,
	     double *lat)
{
	static uint8_t payload[TG_JOURNAL_MAX_PAYLOAD];
	struct tg_journal *j = bench_open(dir, no_sync, false);
	size_t nl = 0;
	int rc = 0;

	for (uint32_t i = 0; i < size; i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	double t0 = bench_now();
	for (uint64_t k = 1; k <= n && rc == 0; k++) {
		payload[0] = (uint8_t)k;
		rc = tg_journal_append(j, (uint16_t)k, payload, size, NULL);
		if (rc == 0 && k % every == 0) {
			double s0 = lat ? bench_now() : 0;
			rc = tg_journal_sync(j);
			if (lat)
				lat[nl++] = bench_now() - s0;
		}
	}
	if (rc == 0)
		rc = tg_journal_sync(j);
	double t = bench_now() - t0;
	if (rc) {
		fprintf(stderr, "bench_journal: %s: %s\n", dir, strerror(-rc));
		exit(1);
	}
	tg_journal_close(j);
	return t;
}

struct bench_sum {
	uint64_t records, bytes;
};

static int
bench_replay_fn(void *ctx, const struct tg_journal_rec *r)
{
	struct bench_sum *s = ctx;

	s->records++;
	s->bytes += r->len ? ((const uint8_t *)r->payload)[r->len - 1] : 0;
	return 0;
}

/* Open (verifying every record) and replay; the two times. */
static void
bench_replay(const char *dir, uint64_t n, double *open_s, double *replay_s)
{
	struct bench_sum sum = { 0, 0 };
	double t0 = bench_now();
	struct tg_journal *j = bench_open(dir, false, true);
	double t1 = bench_now();
	int rc = tg_journal_replay(j, bench_replay_fn, &sum);
	double t2 = bench_now();

	if (rc || sum.records != n) {
		fprintf(stderr, "bench_journal: replay gave %d, %llu of %llu records\n", rc,
			(unsigned long long)sum.records, (unsigned long long)n);
		exit(1);
	}
	tg_journal_close(j);
	*open_s = t1 - t0;
	*replay_s = t2 - t1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "records", required_argument, NULL, 'n' },
		{ "sync1-records", required_argument, NULL, '1' },
		{ "replay-records", required_argument, NULL, 'R' },
		{ "runs", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *parent = "/var/tmp";
	uint64_t records = 1000000, sync1 = 20000, replay_n = 2000000;
	uint32_t size = 64;
	int runs = 5, c;
	char dir[4096];

	setvbuf(stdout, NULL, _IOLBF, 0);	/* figures as they come */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			parent = optarg;
			break;
		case 's':
			size = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			records = strtoull(optarg, NULL, 10);
			break;
		case '1':
			sync1 = strtoull(optarg, NULL, 10);
			break;
		case 'R':
			replay_n = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'h':
			printf("usage: bench_journal [--dir PARENT] [--size BYTES] [--records N]"
			       " [--sync1-records N] [--replay-records N] [--runs N]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (runs < 1 || runs > BENCH_MAX_RUNS || size > TG_JOURNAL_MAX_PAYLOAD ||
	    records < 256 || sync1 < 1 || replay_n < 1) {
		fprintf(stderr, "bench_journal: --runs 1..%d, --size 0..%d, --records >= 256\n",
			BENCH_MAX_RUNS, TG_JOURNAL_MAX_PAYLOAD);
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/tg-bench-journal-XXXXXX", parent);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_journal: cannot make a directory under %s\n", parent);
		return 1;
	}
	rmdir(dir);	/* the journal creates it */

	uint32_t rec_bytes = 24 + (size + 7) / 8 * 8;
	printf("bench_journal: %u-byte payloads (%u bytes a record on disk), journal under %s,"
	       " median of %d runs\n", size, rec_bytes, parent, runs);
	printf("  %-9s %-11s %10s %12s %10s\n", "sync", "every", "records", "records/s",
	       "MB/s");

	static const unsigned every[] = { 1, 16, 256 };
	double t[BENCH_MAX_RUNS];
	double *lat = malloc(sizeof(double) * sync1 * (size_t)runs);
	size_t nlat = 0;

	if (!lat)
		return 1;
	for (int fs = 1; fs >= 0; fs--) {
		for (size_t e = 0; e < 3; e++) {
			uint64_t n = fs && every[e] == 1 ? sync1 : records;
			for (int r = 0; r < runs; r++) {
				double *l = fs && every[e] == 1 ? lat + nlat : NULL;
				t[r] = bench_append(dir, !fs, n, size, every[e], l);
				if (l)
					nlat += n;
				bench_rmrf(dir);
			}
			double m = bench_median(t, (size_t)runs);
			printf("  %-9s %-11u %10llu %12.0f %10.1f\n", fs ? "fdatasync" : "none",
			       every[e], (unsigned long long)n, (double)n / m,
			       (double)n * rec_bytes / m / 1e6);
		}
	}
	qsort(lat, nlat, sizeof(*lat), bench_cmp);
	printf("  sync of one record (fdatasync): median %.1f us, p99 %.1f us, max %.1f us"
	       " (%zu syncs)\n", lat[nlat / 2] * 1e6, lat[nlat * 99 / 100] * 1e6,
	       lat[nlat - 1] * 1e6, nlat);
	free(lat);

	/* replay: one journal, read many times */
	double o_hot[BENCH_MAX_RUNS], r_hot[BENCH_MAX_RUNS];
	double o_cold[BENCH_MAX_RUNS], r_cold[BENCH_MAX_RUNS];
	bench_append(dir, false, replay_n, size, 256, NULL);
	bench_replay(dir, replay_n, &o_hot[0], &r_hot[0]);	/* warm up */
	for (int r = 0; r < runs; r++) {
		bench_replay(dir, replay_n, &o_hot[r], &r_hot[r]);
		bench_drop_cache(dir);
		bench_replay(dir, replay_n, &o_cold[r], &r_cold[r]);
	}
	bench_rmrf(dir);
	double mb = (double)replay_n * rec_bytes / 1e6;
	double oh = bench_median(o_hot, (size_t)runs), rh = bench_median(r_hot, (size_t)runs);
	double oc = bench_median(o_cold, (size_t)runs), rc = bench_median(r_cold, (size_t)runs);
	printf("  %llu records (%.0f MB), open verifies every record, replay then hands each out:\n",
	       (unsigned long long)replay_n, mb);
	printf("    files in the page cache: open %6.2f M records/s %6.0f MB/s, replay %6.2f M"
	       " records/s %6.0f MB/s, both %6.2f M records/s\n",
	       replay_n / oh / 1e6, mb / oh, replay_n / rh / 1e6, mb / rh,
	       replay_n / (oh + rh) / 1e6);
	printf("    files dropped from it:   open %6.2f M records/s %6.0f MB/s, replay %6.2f M"
	       " records/s %6.0f MB/s, both %6.2f M records/s\n",
	       replay_n / oc / 1e6, mb / oc, replay_n / rc / 1e6, mb / rc,
	       replay_n / (oc + rc) / 1e6);
	printf("  reproduce: bench_journal --dir %s --size %u --records %llu --sync1-records %llu"
	       " --replay-records %llu --runs %d\n", parent, size,
	       (unsigned long long)records, (unsigned long long)sync1,
	       (unsigned long long)replay_n, runs);
	return 0;
}
