/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The journal on good days: the files it writes are the format of
 * docs/journal.md (read back by an independent reader with its own
 * CRC-32C, itself checked against the published check values), records
 * of every length round-trip across many segments, LSNs continue after a
 * reopen, replay sees pending records and stops when asked, and the
 * directory is locked against a second writer.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_journal_util.h"

static char dir[64];

static void
setup(void)
{
	tju_mkdtemp(dir);
}

static void
teardown(void)
{
	tju_rmrf(dir);
}

TestSuite(journal_basic, .init = setup, .fini = teardown, .timeout = 120);

/* The reader's CRC against CRC-32C's check value and RFC 3720's vectors (B.4). */
Test(journal_basic, crc32c_oracle)
{
	uint8_t b[32];

	cr_assert_eq(tju_crc32c("123456789", 9), 0xE3069283u);
	memset(b, 0, sizeof(b));
	cr_assert_eq(tju_crc32c(b, 32), 0x8A9136AAu);
	memset(b, 0xff, sizeof(b));
	cr_assert_eq(tju_crc32c(b, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	cr_assert_eq(tju_crc32c(b, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	cr_assert_eq(tju_crc32c(b, 32), 0x113FDB5Cu);
}

/* One record, byte for byte as docs/journal.md lays it out. */
Test(journal_basic, layout_of_one_record)
{
	struct tg_journal_report rep;
	struct tju_journal r;
	uint8_t want[64];
	char p[512];
	size_t size;

	struct tg_journal *j = tju_open(dir, 64 << 10, false, &rep);
	cr_assert_eq(tg_journal_append(j, 0x4f55, "hello, journal", 14, NULL), 0);
	cr_assert_eq(tg_journal_sync(j), 0);
	tg_journal_close(j);

	tju_path(p, dir, "00000000000000000001.tgj");
	uint8_t *b = tju_read_file(p, &size);
	cr_assert(b, "no first segment file");
	size_t n = tju_encode(want, 1, 0x4f55, "hello, journal", 14, 1);
	cr_assert_eq(n, 24 + 16);
	cr_assert_geq(size, 32 + n);
	cr_assert(memcmp(b + 32, want, n) == 0, "record bytes differ from the format");
	for (size_t k = 32 + n; k < size; k++)
		cr_assert_eq(b[k], 0, "byte %zu after the record is not zero", k);
	free(b);

	tju_read(dir, &r);
	cr_assert_eq(r.nfiles, 1);
	cr_assert_eq(r.nrecs, 1);
	cr_assert_eq(r.recs[0].lsn, 1);
	cr_assert_eq(r.recs[0].type, 0x4f55);
	cr_assert(r.files[0].rest_zero);
	tju_read_free(&r);
}

/*
 * Thousands of records of random types and lengths 0 .. 64 KiB across
 * many small segments, synced in random groups: the independent reader
 * finds every record intact, segments named by their first LSN, LSNs
 * consecutive across files, no segment over its size unless it holds a
 * single record; reopening finds all of them and replays them in order.
 */
Test(journal_basic, round_trip_across_segments)
{
	const size_t seg = 256 << 10;
	const uint64_t salt = tju_seed(), n = 3000;
	const uint32_t maxlen = TG_JOURNAL_MAX_PAYLOAD;
	struct tg_journal_report rep;
	struct tju_journal r;
	uint8_t *p = malloc(maxlen + 8);
	uint64_t s = salt;

	struct tg_journal *j = tju_open(dir, seg, false, &rep);
	cr_assert_eq(rep.records, 0);
	cr_assert_str_eq(rep.what, "");
	for (uint64_t lsn = 1; lsn <= n;) {
		uint32_t group = 1 + tju_below(&s, 40);
		for (uint32_t k = 0; k < group && lsn <= n; k++, lsn++) {
			struct tju_rec want = tju_payload(salt, lsn, maxlen, p);
			uint64_t got;
			cr_assert_eq(tg_journal_append(j, want.type, p, want.len, &got), 0);
			cr_assert_eq(got, lsn);
			cr_assert_eq(tg_journal_last_lsn(j), lsn);
		}
		cr_assert_eq(tg_journal_sync(j), 0);
		cr_assert_eq(tg_journal_durable_lsn(j), lsn - 1);
	}
	tju_check_replay(j, salt, n, maxlen);
	tg_journal_close(j);

	tju_read(dir, &r);
	cr_assert_gt(r.nfiles, 20, "only %zu segments", r.nfiles);
	cr_assert_eq(r.nrecs, n);
	for (size_t i = 0; i < r.nrecs; i++) {
		struct tju_found *f = &r.recs[i];
		struct tju_rec want = tju_payload(salt, i + 1, maxlen, p);
		cr_assert_eq(f->lsn, i + 1);
		cr_assert_eq(f->type, want.type);
		cr_assert_eq(f->len, want.len);
		cr_assert(memcmp(f->payload, p, f->len) == 0);
		if (i == 0 || f->file != r.recs[i - 1].file)
			cr_assert_eq(r.files[f->file].first_lsn, f->lsn,
				     "%s does not start with its first record", r.files[f->file].name);
	}
	for (size_t i = 0; i < r.nfiles; i++) {
		struct tju_file *f = &r.files[i];
		size_t recs = 0;
		for (size_t k = 0; k < r.nrecs; k++)
			recs += r.recs[k].file == (int)i;
		cr_assert_gt(recs, 0, "%s holds no record", f->name);
		cr_assert(f->end <= seg || recs == 1, "%s: %zu bytes of records", f->name, f->end);
		cr_assert(f->rest_zero, "%s: non-zero bytes after the records", f->name);
	}
	tju_read_free(&r);

	j = tju_open(dir, seg, false, &rep);
	cr_assert_eq(rep.records, n);
	cr_assert_eq(rep.last_lsn, n);
	cr_assert_eq(rep.cut_bytes, 0);
	cr_assert_str_eq(rep.what, "");
	cr_assert_eq(tg_journal_last_lsn(j), n);
	cr_assert_eq(tg_journal_durable_lsn(j), n);
	tju_check_replay(j, salt, n, maxlen);
	tg_journal_close(j);
	free(p);
}

/* Reopening continues the LSNs, in the same segment and after a rollover. */
Test(journal_basic, reopen_continues)
{
	struct tg_journal_report rep;
	struct tju_journal r;

	for (int round = 0; round < 5; round++) {
		struct tg_journal *j = tju_open(dir, 8192, false, &rep);
		cr_assert_eq(rep.last_lsn, (uint64_t)round * 40);
		cr_assert_str_eq(rep.what, "");
		tju_append_range(j, 7, round * 40 + 1, round * 40 + 40, 300, 7);
		tg_journal_close(j);
	}
	struct tg_journal *j = tju_open(dir, 8192, true, &rep);
	cr_assert_eq(rep.records, 200);
	tju_check_replay(j, 7, 200, 300);
	tg_journal_close(j);

	tju_read(dir, &r);
	cr_assert_eq(r.nrecs, 200);
	cr_assert_gt(r.nfiles, 3);
	for (size_t i = 0; i < r.nrecs; i++)
		cr_assert_eq(r.recs[i].lsn, i + 1);
	tju_read_free(&r);
}

static int
count_fn(void *ctx, const struct tg_journal_rec *r)
{
	uint64_t *n = ctx;

	(*n)++;
	return r->lsn == 5 ? 77 : 0;
}

/*
 * Replay covers records still in the write buffer, returns the callback's
 * value when it stops early, and durable_lsn moves only on sync.
 */
Test(journal_basic, replay_pending_and_early_stop)
{
	struct tg_journal_report rep;
	uint64_t seen = 0;

	struct tg_journal *j = tju_open(dir, 64 << 10, false, &rep);
	tju_append_range(j, 3, 1, 3, 100, 0);
	for (uint64_t n = 4; n <= 9; n++) {
		uint8_t p[128];
		struct tju_rec w = tju_payload(3, n, 100, p);
		cr_assert_eq(tg_journal_append(j, w.type, p, w.len, NULL), 0);
	}
	cr_assert_eq(tg_journal_last_lsn(j), 9);
	cr_assert_eq(tg_journal_durable_lsn(j), 3);
	tju_check_replay(j, 3, 9, 100);
	cr_assert_eq(tg_journal_replay(j, count_fn, &seen), 77);
	cr_assert_eq(seen, 5);
	cr_assert_eq(tg_journal_sync(j), 0);
	cr_assert_eq(tg_journal_durable_lsn(j), 9);
	cr_assert_eq(tg_journal_sync(j), 0, "a sync with nothing pending");
	tg_journal_close(j);

	/* close synced what was pending */
	tg_journal_close(NULL);
	j = tju_open(dir, 0, false, &rep);
	tju_check_replay(j, 3, 9, 100);
	uint8_t p[128];
	struct tju_rec w = tju_payload(3, 10, 100, p);
	cr_assert_eq(tg_journal_append(j, w.type, p, w.len, NULL), 0);
	tg_journal_close(j);
	j = tju_open(dir, 0, true, &rep);
	cr_assert_eq(rep.records, 10, "close did not sync the pending record");
	tg_journal_close(j);
}

/*
 * Batches bigger than the write buffer (and than a segment) are written
 * in pieces and still read back whole; no_sync changes nothing visible.
 */
Test(journal_basic, batches_larger_than_the_buffer)
{
	struct tg_journal_report rep;
	struct tg_journal_opts o = { .segment_bytes = 3 << 20, .no_sync = true };
	struct tg_journal *j = NULL;

	cr_assert_eq(tg_journal_open(dir, &o, &j, &rep), 0);
	static uint8_t big[TG_JOURNAL_MAX_PAYLOAD];
	for (uint64_t n = 1; n <= 300; n++) {
		memset(big, (int)n, sizeof(big));
		cr_assert_eq(tg_journal_append(j, (uint16_t)n, big, sizeof(big), NULL), 0);
	}
	cr_assert_eq(tg_journal_sync(j), 0);
	tg_journal_close(j);

	struct tju_journal r;
	tju_read(dir, &r);
	cr_assert_eq(r.nrecs, 300);
	cr_assert_geq(r.nfiles, 6);
	for (size_t i = 0; i < r.nrecs; i++) {
		cr_assert_eq(r.recs[i].lsn, i + 1);
		cr_assert_eq(r.recs[i].len, TG_JOURNAL_MAX_PAYLOAD);
		cr_assert_eq(r.recs[i].payload[12345], (uint8_t)(i + 1));
	}
	tju_read_free(&r);
}

/* Records written by the reader's own encoder are accepted as the next ones. */
Test(journal_basic, accepts_independently_encoded_records)
{
	struct tg_journal_report rep;
	struct tju_journal r;
	uint8_t rec[512], p[256];
	char path[512];
	size_t size;

	struct tg_journal *j = tju_open(dir, 1 << 20, false, &rep);
	tju_append_range(j, 9, 1, 20, 200, 5);
	tg_journal_close(j);
	tju_read(dir, &r);
	cr_assert_eq(r.nrecs, 20);
	tju_path(path, dir, r.files[0].name);
	size_t end = r.files[0].end;
	tju_read_free(&r);

	uint8_t *b = tju_read_file(path, &size);
	size_t off = end;
	for (uint64_t n = 21; n <= 25; n++) {
		struct tju_rec w = tju_payload(9, n, 200, p);
		size_t k = tju_encode(rec, n, w.type, p, w.len, (uint32_t)(n - 20));
		cr_assert_leq(off + k, size);
		memcpy(b + off, rec, k);
		off += k;
	}
	tju_write_file(path, b, size);
	free(b);

	j = tju_open(dir, 1 << 20, false, &rep);
	cr_assert_eq(rep.records, 25, "%s", rep.what);
	cr_assert_str_eq(rep.what, "");
	tju_check_replay(j, 9, 25, 200);
	tg_journal_close(j);
}

/* A new directory is created; an empty one opens empty, also read-only. */
Test(journal_basic, empty_journal_created)
{
	struct tg_journal_report rep;
	char sub[512];
	uint64_t seen = 0;

	tju_path(sub, dir, "new");
	struct tg_journal *j = tju_open(sub, 0, false, &rep);
	cr_assert_eq(rep.records, 0);
	cr_assert_eq(rep.last_lsn, 0);
	cr_assert_eq(tg_journal_last_lsn(j), 0);
	cr_assert_eq(tg_journal_replay(j, count_fn, &seen), 0);
	cr_assert_eq(seen, 0);
	tg_journal_close(j);
	j = tju_open(sub, 0, true, &rep);
	cr_assert_eq(rep.records, 0);
	cr_assert_str_eq(rep.what, "");
	tg_journal_close(j);
}

/*
 * One writer per directory; readers any time, seeing what was synced.
 * Unrelated files are left alone, an unfinished segment file (a crash
 * while creating one) is removed by the writer and ignored by readers.
 */
Test(journal_basic, lock_readers_and_other_files)
{
	struct tg_journal_report rep;
	struct tg_journal *w2 = NULL;
	char p[512];

	struct tg_journal *j = tju_open(dir, 0, false, &rep);
	tju_append_range(j, 5, 1, 10, 64, 0);
	cr_assert_eq(tg_journal_open(dir, NULL, &w2, &rep), -EBUSY);
	cr_assert_null(w2);
	cr_assert_neq(rep.what[0], 0);
	struct tg_journal *r = tju_open(dir, 0, true, &rep);
	cr_assert_eq(rep.records, 10);
	tju_check_replay(r, 5, 10, 64);
	tg_journal_close(r);
	tg_journal_close(j);

	tju_path(p, dir, "notes.txt");
	tju_write_file(p, (const uint8_t *)"hello", 5);
	tju_path(p, dir, "00000000000000000011.tgj.tmp");
	tju_write_file(p, (const uint8_t *)"TGJ", 3);
	r = tju_open(dir, 0, true, &rep);
	cr_assert_eq(rep.records, 10);
	tg_journal_close(r);
	cr_assert_eq(access(p, F_OK), 0, "a reader removed a file");
	j = tju_open(dir, 0, false, &rep);
	cr_assert_eq(rep.records, 10);
	tg_journal_close(j);
	cr_assert_neq(access(p, F_OK), 0, "the unfinished segment file is still there");
	tju_path(p, dir, "notes.txt");
	cr_assert_eq(access(p, F_OK), 0, "an unrelated file was removed");
}
