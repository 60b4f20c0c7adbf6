/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Damage that is not a crash artefact, and the error paths. A bad record
 * followed by records written after it was durable, damage in a segment
 * that is not the last, a missing segment, a bad file header: open
 * returns -EBADMSG, names the file and offset, and changes no byte (the
 * whole directory is compared before and after, read-only or not).
 * Bad arguments, oversized payloads, directories that cannot be used and
 * a failing write each return their own clear error, and a journal whose
 * write failed refuses everything after.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_journal_util.h"

#define SEG	(32 << 10)
#define N	600
#define MAXLEN	200

static char base[64], work[520];
static uint64_t salt;
static struct tju_journal layout;	/* the base journal as the reader sees it */

/* Three or more segments of N records, synced every 10. */
static void
setup(void)
{
	struct tg_journal_report rep;

	tju_mkdtemp(base);
	salt = tju_seed() ^ 0xbad;
	struct tg_journal *j = tju_open(base, SEG, false, &rep);
	tju_append_range(j, salt, 1, N, MAXLEN, 10);
	tg_journal_close(j);
	tju_read(base, &layout);
	cr_assert_eq(layout.nrecs, N);
	cr_assert_geq(layout.nfiles, 3);
	snprintf(work, sizeof(work), "%s.work", base);
}

static void
teardown(void)
{
	tju_read_free(&layout);
	tju_rmrf(work);
	tju_rmrf(base);
}

TestSuite(journal_bad, .init = setup, .fini = teardown, .timeout = 120);

/* A fresh copy of the base journal, with an unfinished segment file lying about. */
static void
fresh_work(void)
{
	char p[1100];

	tju_rmrf(work);
	tju_copy_dir(base, work);
	snprintf(p, sizeof(p), "%s/99999999999999999999.tgj.tmp", work);
	tju_write_file(p, (const uint8_t *)"unfinished", 10);
}

/* Apply fn to the bytes of the work copy of file f. */
static void
damage(size_t f, void (*fn)(uint8_t *b, size_t *n, size_t arg), size_t arg)
{
	char p[1100];
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", work, layout.files[f].name);
	uint8_t *b = tju_read_file(p, &n);
	cr_assert(b);
	fn(b, &n, arg);
	tju_write_file(p, b, n);
	free(b);
}

static void
flip_bit(uint8_t *b, size_t *n, size_t bit)
{
	cr_assert_lt(bit / 8, *n);
	b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

static void
zero_record(uint8_t *b, size_t *n, size_t rec)
{
	(void)n;
	memset(b + layout.recs[rec].off, 0, layout.recs[rec].bytes);
}

static void
truncate_at(uint8_t *b, size_t *n, size_t at)
{
	(void)b;
	*n = at;
}

/*
 * Both opens refuse with -EBADMSG, the report contains every phrase in
 * want[], and the directory is unchanged byte for byte.
 */
static void
refused(const char *const *want, const char *label)
{
	struct tju_snap before, after;
	struct tg_journal_report rep;

	tju_snap_take(work, &before);
	for (int ro = 0; ro < 2; ro++) {
		struct tg_journal_opts o = { .segment_bytes = SEG, .read_only = ro };
		struct tg_journal *j = (struct tg_journal *)&o;

		int rc = tg_journal_open(work, &o, &j, &rep);
		cr_assert_eq(rc, -EBADMSG, "%s (%s): open gave %d: %s", label,
			     ro ? "read-only" : "writable", rc, rep.what);
		cr_assert_null(j);
		for (int k = 0; want[k]; k++)
			cr_assert(strstr(rep.what, want[k]), "%s: report '%s' lacks '%s'", label,
				  rep.what, want[k]);
		tju_snap_take(work, &after);
		tju_snap_assert_eq(&before, &after);
		tju_snap_free(&after);
	}
	tju_snap_free(&before);
}

/* The index of a record in the middle of the last segment, from an early batch. */
static size_t
middle_of_last_segment(void)
{
	size_t last = layout.nfiles - 1, first = 0, count = 0;

	for (size_t i = 0; i < layout.nrecs; i++)
		if (layout.recs[i].file == (int)last && count++ == 0)
			first = i;
	cr_assert_gt(count, 30);
	size_t i = first + count / 3;
	while (layout.recs[i].len < 8)
		i++;
	return i;
}

/* A payload bit flipped in the middle of the last segment. */
Test(journal_bad, flipped_bit_in_the_middle)
{
	size_t i = middle_of_last_segment();
	struct tju_found *r = &layout.recs[i];
	char off[64];

	snprintf(off, sizeof(off), "offset %zu ", r->off);
	fresh_work();
	damage(r->file, flip_bit, (r->off + 24) * 8 + 3);
	refused((const char *[]){ layout.files[r->file].name, off, "checksum", NULL },
		"payload bit");
	/* the same in a header */
	fresh_work();
	damage(r->file, flip_bit, (r->off + 8) * 8);
	refused((const char *[]){ layout.files[r->file].name, off, NULL }, "LSN bit");
}

/* A whole record zeroed (a lost sector) in the middle of the last segment. */
Test(journal_bad, zeroed_record_in_the_middle)
{
	size_t i = middle_of_last_segment();
	char off[64];

	snprintf(off, sizeof(off), "offset %zu ", layout.recs[i].off);
	fresh_work();
	damage(layout.recs[i].file, zero_record, i);
	refused((const char *[]){ layout.files[layout.recs[i].file].name, off, NULL },
		"zeroed record");
}

/* Damage at the tail of a segment that is not the last one. */
Test(journal_bad, damaged_tail_of_an_earlier_segment)
{
	size_t i = 0;

	while (layout.recs[i + 1].file == 0)
		i++;
	char off[64];
	snprintf(off, sizeof(off), "offset %zu ", layout.recs[i].off);
	fresh_work();
	damage(0, flip_bit, (layout.recs[i].off + 30) * 8);
	refused((const char *[]){ layout.files[0].name, off, "later files", NULL },
		"last record of the first segment");
	fresh_work();
	damage(0, truncate_at, layout.recs[i].off + 10);
	refused((const char *[]){ layout.files[0].name, off, NULL }, "first segment truncated");
}

/* A segment missing from the middle, or the first one missing. */
Test(journal_bad, missing_segments)
{
	char p[1100];

	fresh_work();
	snprintf(p, sizeof(p), "%s/%s", work, layout.files[1].name);
	cr_assert_eq(unlink(p), 0);
	refused((const char *[]){ layout.files[2].name, layout.files[0].name, NULL },
		"second segment missing");
	fresh_work();
	snprintf(p, sizeof(p), "%s/%s", work, layout.files[0].name);
	cr_assert_eq(unlink(p), 0);
	refused((const char *[]){ layout.files[1].name, "not 1", NULL }, "first segment missing");
}

/* A file header that is not this format. */
Test(journal_bad, bad_file_header)
{
	size_t last = layout.nfiles - 1;

	for (size_t bit = 0; bit < 32 * 8; bit += 13) {
		fresh_work();
		damage(last, flip_bit, bit);
		refused((const char *[]){ layout.files[last].name, "header", NULL }, "header bit");
	}
}

/*
 * A good record after the tail whose since_sync says the missing LSN was
 * already durable when it was written: acknowledged records are missing.
 */
Test(journal_bad, record_proving_a_loss)
{
	size_t last = layout.nfiles - 1;
	size_t end = layout.files[last].end;
	uint8_t rec[64];
	char off[64];
	size_t n = tju_encode(rec, N + 3, 1, "later", 5, 1);

	snprintf(off, sizeof(off), "offset %zu ", end);
	fresh_work();
	char p[1100];
	size_t size;
	snprintf(p, sizeof(p), "%s/%s", work, layout.files[last].name);
	uint8_t *b = tju_read_file(p, &size);
	if (size < end + 64 + n) {
		b = realloc(b, end + 64 + n);
		memset(b + size, 0, end + 64 + n - size);
		size = end + 64 + n;
	}
	memcpy(b + end + 64, rec, n);
	tju_write_file(p, b, size);
	free(b);
	refused((const char *[]){ layout.files[last].name, off, "LSN 603", NULL },
		"record after a gap");
}

/* Oversized payloads and bad arguments: clear errors, the journal unharmed. */
Test(journal_bad, bad_arguments)
{
	static uint8_t big[TG_JOURNAL_MAX_PAYLOAD + 1];
	struct tg_journal_report rep;
	struct tg_journal *j = NULL;
	uint64_t lsn = 99;

	cr_assert_eq(tg_journal_open(NULL, NULL, &j, &rep), -EINVAL);
	cr_assert_eq(tg_journal_open(base, NULL, NULL, &rep), -EINVAL);
	cr_assert_eq(tg_journal_append(NULL, 1, "x", 1, NULL), -EINVAL);
	cr_assert_eq(tg_journal_sync(NULL), -EINVAL);
	cr_assert_eq(tg_journal_last_lsn(NULL), 0);

	j = tju_open(base, SEG, false, &rep);
	cr_assert_eq(tg_journal_append(j, 1, big, sizeof(big), &lsn), -EMSGSIZE);
	cr_assert_eq(lsn, 99);
	cr_assert_eq(tg_journal_append(j, 1, big, UINT32_MAX, NULL), -EMSGSIZE);
	cr_assert_eq(tg_journal_append(j, 1, NULL, 5, NULL), -EINVAL);
	cr_assert_eq(tg_journal_replay(j, NULL, NULL), -EINVAL);
	cr_assert_eq(tg_journal_last_lsn(j), N);
	cr_assert_eq(tg_journal_append(j, 1, big, TG_JOURNAL_MAX_PAYLOAD, &lsn), 0);
	cr_assert_eq(lsn, N + 1);
	cr_assert_eq(tg_journal_append(j, 2, NULL, 0, &lsn), 0);
	cr_assert_eq(lsn, N + 2);
	tg_journal_close(j);
	j = tju_open(base, SEG, true, &rep);
	cr_assert_eq(rep.records, N + 2);
	cr_assert_str_eq(rep.what, "");
	tg_journal_close(j);
}

/* Directories that are not there or are not directories. */
Test(journal_bad, unusable_paths)
{
	struct tg_journal_report rep;
	struct tg_journal_opts ro = { .read_only = true };
	struct tg_journal *j = NULL;
	char p[1100], q[1200];

	snprintf(p, sizeof(p), "%s/missing", base);
	cr_assert_eq(tg_journal_open(p, &ro, &j, &rep), -ENOENT);
	cr_assert(strstr(rep.what, p), "%s", rep.what);
	cr_assert_neq(access(p, F_OK), 0, "a read-only open created the directory");

	snprintf(q, sizeof(q), "%s/missing/deeper", base);
	cr_assert_eq(tg_journal_open(q, NULL, &j, &rep), -ENOENT);
	cr_assert(strstr(rep.what, q), "%s", rep.what);

	snprintf(p, sizeof(p), "%s/%s", base, layout.files[0].name);
	cr_assert_eq(tg_journal_open(p, NULL, &j, &rep), -ENOTDIR);
	cr_assert_eq(tg_journal_open(p, &ro, &j, &rep), -ENOTDIR);
	snprintf(q, sizeof(q), "%s/sub", p);
	cr_assert_eq(tg_journal_open(q, NULL, &j, &rep), -ENOTDIR);
	cr_assert_null(j);
}

/*
 * A directory the process may not write (checked as user nobody in a
 * child, since root writes anywhere): -EACCES for a new journal and for
 * an existing one, while reading it works.
 */
Test(journal_bad, unwritable_directory)
{
	char sub[1100], fresh[1100];

	cr_assert_eq(chmod(base, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/empty", base);
	cr_assert_eq(mkdir(sub, 0755), 0);
	snprintf(fresh, sizeof(fresh), "%s/new", base);

	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct tg_journal_report rep;
		struct tg_journal_opts ro = { .read_only = true };
		struct tg_journal *j = NULL;

		if (getuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(10);
		if (tg_journal_open(fresh, NULL, &j, &rep) != -EACCES || !strstr(rep.what, fresh))
			_exit(11);
		if (tg_journal_open(sub, NULL, &j, &rep) != -EACCES || !rep.what[0])
			_exit(12);
		if (tg_journal_open(base, NULL, &j, &rep) != -EACCES || !rep.what[0])
			_exit(13);
		if (tg_journal_open(base, &ro, &j, &rep) != 0 || rep.records != N)
			_exit(14);
		tg_journal_close(j);
		_exit(0);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "check %d failed as nobody",
		  WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	cr_assert_neq(access(fresh, F_OK), 0);
}

/*
 * A write that fails (the file size limit here, as a full disk would):
 * sync returns the error, and from then on append and sync refuse with
 * it. Reopening finds every record that was synced before, and the torn
 * tail of the failed write is cut.
 */
Test(journal_bad, failed_write_is_sticky)
{
	int fds[2];
	char dir[1100];

	snprintf(dir, sizeof(dir), "%s/limited", base);
	cr_assert_eq(pipe(fds), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct tg_journal_opts o = { .segment_bytes = 1 << 20 };
		struct tg_journal_report rep;
		struct tg_journal *j = NULL;
		struct rlimit rl = { 48 << 10, 48 << 10 };
		uint8_t p[MAXLEN + 8];
		int64_t out[4] = { 0 };
		int rc = 0;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0 || tg_journal_open(dir, &o, &j, &rep) < 0)
			_exit(10);
		for (uint64_t n = 1; n < 100000 && rc == 0; n++) {
			struct tju_rec w = tju_payload(salt, n, MAXLEN, p);
			if (tg_journal_append(j, w.type, p, w.len, NULL) < 0)
				_exit(11);
			if (n % 7 == 0)
				rc = tg_journal_sync(j);
		}
		out[0] = rc;
		out[1] = (int64_t)tg_journal_durable_lsn(j);
		out[2] = tg_journal_append(j, 1, "x", 1, NULL);
		out[3] = tg_journal_sync(j);
		if (write(fds[1], out, sizeof(out)) != sizeof(out))
			_exit(12);
		tg_journal_close(j);
		_exit(0);
	}
	close(fds[1]);
	int64_t got[4];
	int st;
	cr_assert_eq(read(fds[0], got, sizeof(got)), sizeof(got));
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed: %d", WEXITSTATUS(st));
	cr_assert_eq(got[0], -EFBIG, "sync gave %" PRId64, got[0]);
	cr_assert_gt(got[1], 100);
	cr_assert_eq(got[2], -EFBIG);
	cr_assert_eq(got[3], -EFBIG);

	struct tg_journal_report rep;
	struct tg_journal *j = tju_open(dir, 1 << 20, false, &rep);
	cr_assert_geq(rep.last_lsn, (uint64_t)got[1]);
	tju_check_replay(j, salt, rep.last_lsn, MAXLEN);
	uint64_t last = rep.last_lsn;
	tju_append_range(j, salt, last + 1, last + 20, MAXLEN, 0);
	tg_journal_close(j);
	j = tju_open(dir, 1 << 20, true, &rep);
	cr_assert_eq(rep.records, last + 20);
	cr_assert_str_eq(rep.what, "");
	tg_journal_close(j);
}
