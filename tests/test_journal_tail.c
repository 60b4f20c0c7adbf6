/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Torn and corrupt tails. A journal of N records is damaged at its last
 * record in every way a crash or a bad sector can: cut at every byte
 * offset, every header bit flipped, a sample of payload bits flipped,
 * garbage or zeros appended, a stale record with an old LSN, a torn write
 * that kept a later page and lost an earlier one. Each time:
 *
 *   - a read-only open reports the damage (what and where) and stops
 *     before it, and changes no byte of any file;
 *   - a writable open reports the same, cuts the tail at the last good
 *     record, and appending resumes: the next record gets the next LSN
 *     and a later open finds a clean journal.
 *
 * The expected record count and offset come from the independent reader
 * (test_journal_util.c); the expected cut_bytes is the definition in
 * docs/journal.md applied to the damaged bytes: from the last good record
 * to the last non-zero byte of the file.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_journal_util.h"

#define SEG	(16 << 10)	/* small segment: cheap to copy per case */
#define N	40
#define MAXLEN	200

static char base[64], work[520];
static uint64_t salt;
static char seg_path[512], work_seg[1100];
static uint8_t *seg_bytes;		/* the undamaged segment */
static size_t seg_size, last_off, last_end;

/*
 * The base journal: N records in one segment, the last one alone in the
 * last sync batch and at least 40 bytes long.
 */
static void
setup(void)
{
	struct tg_journal_report rep;
	struct tju_journal r;
	uint8_t p[MAXLEN + 8];

	tju_mkdtemp(base);
	salt = tju_seed();
	while (tju_payload(salt, N, MAXLEN, p).len < 40)
		salt++;
	struct tg_journal *j = tju_open(base, SEG, false, &rep);
	tju_append_range(j, salt, 1, N - 1, MAXLEN, 5);
	tju_append_range(j, salt, N, N, MAXLEN, 0);
	tg_journal_close(j);

	tju_read(base, &r);
	cr_assert_eq(r.nfiles, 1);
	cr_assert_eq(r.nrecs, N);
	last_off = r.recs[N - 1].off;
	last_end = last_off + r.recs[N - 1].bytes;
	tju_path(seg_path, base, r.files[0].name);
	tju_read_free(&r);
	seg_bytes = tju_read_file(seg_path, &seg_size);
	cr_assert(seg_bytes);
	cr_assert_leq(last_end, seg_size);
	snprintf(work, sizeof(work), "%s.work", base);
	snprintf(work_seg, sizeof(work_seg), "%s/00000000000000000001.tgj", work);
}

static void
teardown(void)
{
	tju_rmrf(work);
	tju_rmrf(base);
	free(seg_bytes);
}

TestSuite(journal_tail, .init = setup, .fini = teardown, .timeout = 180);

/* The work journal: the base with its segment replaced by b[0..n). */
static void
make_work(const uint8_t *b, size_t n)
{
	tju_rmrf(work);
	tju_copy_dir(base, work);
	tju_write_file(work_seg, b, n);
}

/* What open must report as cut: the last good record to the last non-zero byte. */
static uint64_t
expected_cut(const uint8_t *b, size_t n, size_t good_end)
{
	for (size_t k = n; k > good_end; k--)
		if (b[k - 1])
			return k - good_end;
	return 0;
}

/*
 * Open the damaged work journal read-only, then writable; both must find
 * `records` good records and report `cut` bytes at offset `at` (reason:
 * a phrase the report must contain, or NULL). Then append and reopen.
 */
static void
check(uint64_t records, uint64_t cut, size_t at, const char *reason, const char *label)
{
	struct tg_journal_report rep;
	struct tju_snap before, after;
	char where[64];

	snprintf(where, sizeof(where), "offset %zu ", at);
	tju_snap_take(work, &before);
	struct tg_journal *j = tju_open(work, SEG, true, &rep);
	tju_snap_take(work, &after);
	tju_snap_assert_eq(&before, &after);
	tju_snap_free(&after);
	tju_snap_free(&before);
	for (int pass = 0; pass < 2; pass++) {
		cr_assert_eq(rep.records, records, "%s: %" PRIu64 " records (%s)", label,
			     rep.records, rep.what);
		cr_assert_eq(rep.last_lsn, records, "%s", label);
		cr_assert_eq(rep.cut_bytes, cut, "%s: cut %" PRIu64 ", expected %" PRIu64 " (%s)",
			     label, rep.cut_bytes, cut, rep.what);
		if (cut) {
			cr_assert(strstr(rep.what, "00000000000000000001.tgj") &&
				  strstr(rep.what, where), "%s: report '%s' does not say %s",
				  label, rep.what, where);
			if (reason)
				cr_assert(strstr(rep.what, reason), "%s: report '%s' lacks '%s'",
					  label, rep.what, reason);
		} else {
			cr_assert_str_eq(rep.what, "", "%s", label);
		}
		tju_check_replay(j, salt, records, MAXLEN);
		if (pass == 0) {
			cr_assert_eq(tg_journal_append(j, 1, "x", 1, NULL), -EROFS);
			tg_journal_close(j);
			j = tju_open(work, SEG, false, &rep);
		}
	}
	tju_append_range(j, salt, records + 1, records + 1, MAXLEN, 0);
	tg_journal_close(j);

	j = tju_open(work, SEG, false, &rep);
	cr_assert_eq(rep.records, records + 1, "%s: after the append (%s)", label, rep.what);
	cr_assert_eq(rep.cut_bytes, 0, "%s: still damaged after the cut: %s", label, rep.what);
	cr_assert_str_eq(rep.what, "");
	tju_check_replay(j, salt, records + 1, MAXLEN);
	tg_journal_close(j);

	struct tju_journal r;
	tju_read(work, &r);
	cr_assert_eq(r.nrecs, records + 1, "%s", label);
	cr_assert(r.files[r.nfiles - 1].rest_zero, "%s: bytes left after the records", label);
	tju_read_free(&r);
}

/* The undamaged journal, and the file cut exactly at a record boundary. */
Test(journal_tail, clean)
{
	make_work(seg_bytes, seg_size);
	check(N, 0, 0, NULL, "untouched");
	make_work(seg_bytes, last_end);
	check(N, 0, 0, NULL, "cut after the last record");
	make_work(seg_bytes, last_off);
	check(N - 1, 0, 0, NULL, "cut before the last record");
}

/* Truncated at every byte offset inside the last record. */
Test(journal_tail, truncate_at_every_offset)
{
	char label[64];

	for (size_t t = last_off + 1; t < last_end; t++) {
		uint64_t cut = expected_cut(seg_bytes, t, last_off);
		const char *why = t - last_off < 24 ? "inside a record header" : "inside a record";
		snprintf(label, sizeof(label), "truncated at %zu", t);
		make_work(seg_bytes, t);
		check(N - 1, cut, last_off, why, label);
	}
}

/* Every bit of the last record's header flipped, one at a time. */
Test(journal_tail, flip_every_header_bit)
{
	uint8_t *b = malloc(seg_size);
	char label[64];

	for (size_t bit = 0; bit < 24 * 8; bit++) {
		memcpy(b, seg_bytes, seg_size);
		b[last_off + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		snprintf(label, sizeof(label), "header bit %zu", bit);
		make_work(b, seg_size);
		check(N - 1, expected_cut(b, seg_size, last_off), last_off, NULL, label);
	}
	free(b);
}

/* A sample of payload and padding bits flipped, and whole-file truncations after them. */
Test(journal_tail, flip_payload_bits)
{
	uint8_t *b = malloc(seg_size);
	uint64_t s = tju_seed() ^ 0xb175;
	char label[64];
	size_t bits = (last_end - last_off - 24) * 8;

	for (int k = 0; k < 64; k++) {
		size_t bit = k == 0 ? 0 : k == 1 ? bits - 1 : tju_below(&s, (uint32_t)bits);
		memcpy(b, seg_bytes, seg_size);
		b[last_off + 24 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		snprintf(label, sizeof(label), "payload bit %zu", bit);
		make_work(b, seg_size);
		check(N - 1, expected_cut(b, seg_size, last_off), last_off, "checksum mismatch",
		      label);
	}
	free(b);
}

/* Garbage after the last record: in preallocated space and past the file's end. */
Test(journal_tail, garbage_appended)
{
	uint8_t *b = malloc(seg_size + 4096);
	uint64_t s = tju_seed() ^ 0x6a7b;
	char label[64];

	for (int k = 0; k < 24; k++) {
		size_t len = 1 + tju_below(&s, k < 4 ? 8 : 3000);
		size_t n = k % 2 ? last_end + len : seg_size;

		memcpy(b, seg_bytes, seg_size);
		for (size_t i = 0; i < len; i++)
			b[last_end + i] = (uint8_t)tju_next(&s);
		if (k == 5)
			b[last_end] = b[last_end + 1] = 0;	/* garbage that starts with zeros */
		snprintf(label, sizeof(label), "%zu garbage bytes, file %zu", len, n);
		make_work(b, n);
		check(N, expected_cut(b, n, last_end), last_end, NULL, label);
	}
	free(b);
}

/* Zeros after the last record are free space, however many: nothing to cut. */
Test(journal_tail, zeros_appended)
{
	uint8_t *b = calloc(1, seg_size + 100000);

	memcpy(b, seg_bytes, last_end);
	make_work(b, last_end + 7);
	check(N, 0, 0, NULL, "7 zeros");
	make_work(b, last_end + 100000);
	check(N, 0, 0, NULL, "100000 zeros");
	/* zeros where the last record was: the record is simply not there */
	memset(b + last_off, 0, last_end - last_off);
	make_work(b, last_off + 24 + 5);
	check(N - 1, 0, 0, NULL, "zeroed last record");
	free(b);
}

/*
 * A record with a good checksum and a stale LSN after the last one (a
 * leftover of an earlier life of the file), or a later LSN from the same
 * unsynced write: LSN out of sequence, cut.
 */
Test(journal_tail, lsn_out_of_sequence)
{
	uint8_t *b = malloc(seg_size);
	uint8_t rec[256];
	char label[64];
	struct {
		uint64_t lsn;
		uint32_t since;
	} cases[] = {
		{ N - 3, 1 }, { N, 1 }, { N - 1, 2 }, { N + 2, 3 }, { N + 7, 8 },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		memcpy(b, seg_bytes, seg_size);
		size_t n = tju_encode(rec, cases[k].lsn, 7, "stale", 5, cases[k].since);
		memcpy(b + last_end, rec, n);
		snprintf(label, sizeof(label), "LSN %" PRIu64 " after %d", cases[k].lsn, N);
		make_work(b, seg_size);
		check(N, expected_cut(b, seg_size, last_end), last_end, "out of sequence", label);
	}
	free(b);
}

/*
 * A torn write that lost its first page and kept the rest (the kernel
 * writes pages back in any order): the records after the hole belong to
 * the same unsynced write, so this is a crash artefact and is cut at the
 * hole, records after it included.
 */
Test(journal_tail, torn_write_with_a_hole)
{
	struct tg_journal_report rep;
	struct tju_journal r;
	const char *dir = work;	/* removed by the suite's teardown, even on failure */
	char path[1100];
	size_t size;

	tju_rmrf(work);
	struct tg_journal *j = tju_open(dir, 1 << 20, false, &rep);
	tju_append_range(j, salt, 1, 30, MAXLEN, 10);
	tju_append_range(j, salt, 31, 60, MAXLEN, 0);	/* one write of 30 records */
	tg_journal_close(j);
	tju_read(dir, &r);
	cr_assert_eq(r.nrecs, 60);
	for (uint64_t n = 31; n <= 60; n++)
		cr_assert_eq(r.recs[n - 1].since_sync, n - 30, "since_sync of LSN %" PRIu64, n);
	size_t hole = r.recs[33].off, hole_end = r.recs[40].off + 10;
	size_t last = r.recs[59].off + r.recs[59].bytes;
	tju_path(path, dir, r.files[0].name);
	tju_read_free(&r);

	uint8_t *b = tju_read_file(path, &size);
	memset(b + hole, 0, hole_end - hole);
	tju_write_file(path, b, size);
	uint64_t cut = expected_cut(b, size, hole);
	cr_assert_gt(cut, last - hole - 8);
	free(b);

	j = tju_open(dir, 1 << 20, false, &rep);
	cr_assert_eq(rep.records, 33, "%s", rep.what);
	cr_assert_eq(rep.cut_bytes, cut, "%s", rep.what);
	cr_assert(strstr(rep.what, "torn write"), "%s", rep.what);
	tju_check_replay(j, salt, 33, MAXLEN);
	tju_append_range(j, salt, 34, 40, MAXLEN, 0);
	tg_journal_close(j);
	j = tju_open(dir, 1 << 20, true, &rep);
	cr_assert_eq(rep.records, 40);
	cr_assert_str_eq(rep.what, "");
	tg_journal_close(j);
}

/*
 * Damage at the end of the last segment right after a rollover: the new
 * segment's only record torn, the previous segment intact.
 */
Test(journal_tail, torn_first_record_of_a_new_segment)
{
	struct tg_journal_report rep;
	const char *dir = work;
	char name[32], path[1100];
	uint64_t first = 0;
	size_t size;

	tju_rmrf(work);
	struct tg_journal *j = tju_open(dir, 4096, false, &rep);
	for (uint64_t n = 1; n < 1000 && !first; n++) {
		tju_append_range(j, salt, n, n, MAXLEN, 0);
		snprintf(name, sizeof(name), "%020" PRIu64 ".tgj", n);
		tju_path(path, dir, name);
		if (n > 1 && access(path, F_OK) == 0)
			first = n;
	}
	tg_journal_close(j);
	cr_assert_gt(first, 1, "no rollover");

	uint8_t *b = tju_read_file(path, &size);
	b[32 + 20] ^= 1;	/* the record's since_sync */
	tju_write_file(path, b, size);
	free(b);
	j = tju_open(dir, 4096, false, &rep);
	cr_assert_eq(rep.records, first - 1, "%s", rep.what);
	cr_assert(strstr(rep.what, name) && strstr(rep.what, "offset 32 "), "%s", rep.what);
	tju_append_range(j, salt, first, first + 10, MAXLEN, 0);
	tju_check_replay(j, salt, first + 10, MAXLEN);
	tg_journal_close(j);
}
