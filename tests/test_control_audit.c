/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit log: its chain recomputed with `openssl dgst -sm3` from the
 * file's own bytes, and every kind of tampering (edit, deletion,
 * reordering, repetition, truncation, a lost anchor, a rewritten chain)
 * caught with the right first bad record; interrupted appends recovered.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "control/tg_audit.h"

#define N_RECORDS 10

static char dir[64], logp[128], headp[160];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tg-audit-XXXXXX");
	cr_assert(mkdtemp(dir));
	/* a directory that does not exist yet: open creates it */
	snprintf(logp, sizeof(logp), "%s/var/audit.log", dir);
	snprintf(headp, sizeof(headp), "%s.head", logp);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(control_audit, .init = setup, .fini = teardown, .timeout = 120);

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fstat(fileno(f), &st), 0);
	char *p = malloc((size_t)st.st_size + 1);
	*n = fread(p, 1, (size_t)st.st_size, f);
	p[*n] = 0;
	fclose(f);
	return p;
}

static void
spit(const char *path, const char *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert(f);
	cr_assert_eq(fwrite(p, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
}

/* A log of N_RECORDS records like the control plane writes. */
static void
write_log(void)
{
	struct tg_audit *a;
	struct tg_audit_report rep;

	cr_assert_eq(tg_audit_open(logp, NULL, &a, &rep), 0, "%s", rep.why);
	for (int i = 1; i <= N_RECORDS; i++) {
		json_t *r = json_pack("{s:s, s:s, s:i, s:s, s:s, s:{s:s, s:s}, s:s}",
				      "event", "request", "user", "root", "uid", 0,
				      "role", "admin", "cmd", "kill",
				      "args", "scope", "firm", "name", i % 2 ? "ACME" : "BETA",
				      "result", "authorized");
		uint64_t seq = 0;

		cr_assert_eq(tg_audit_append(a, r, &seq), 0);
		cr_assert_eq(seq, (uint64_t)i);
		json_decref(r);
	}
	tg_audit_close(a);
}

/* The log's lines (malloc'd copies, without newlines); *n of them. */
static char **
lines(size_t *n)
{
	size_t len;
	char *text = slurp(logp, &len), *save, *tok;
	char **v = calloc(N_RECORDS + 8, sizeof(*v));

	*n = 0;
	for (tok = strtok_r(text, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save))
		v[(*n)++] = strdup(tok);
	free(text);
	return v;
}

/* Write lines v[order[0]], v[order[1]], ... back as the log. */
static void
rewrite(char **v, const int *order, size_t n)
{
	FILE *f = fopen(logp, "wb");

	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", v[order[i]]);
	fclose(f);
}

static void
expect_bad(uint64_t first_bad, const char *why_has)
{
	struct tg_audit_report rep;
	int rc = tg_audit_verify(logp, &rep);

	cr_assert_eq(rc, -EBADMSG, "verify said %d (%s)", rc, rep.why);
	cr_assert_eq(rep.first_bad, first_bad, "first bad %llu, not %llu: %s",
		     (unsigned long long)rep.first_bad, (unsigned long long)first_bad, rep.why);
	cr_assert(strstr(rep.why, why_has), "'%s' does not say '%s'", rep.why, why_has);
	/* and the writer refuses to chain onto it */
	struct tg_audit *a = NULL;
	cr_assert_eq(tg_audit_open(logp, NULL, &a, &rep), -EBADMSG);
	cr_assert_null(a);
}

Test(control_audit, intact_and_json_lines)
{
	struct tg_audit_report rep;
	size_t n;

	write_log();
	cr_assert_eq(tg_audit_verify(logp, &rep), 0, "%s", rep.why);
	cr_assert_eq(rep.records, N_RECORDS);
	cr_assert_eq(rep.first_bad, 0);
	cr_assert_eq(rep.anchor_seq, N_RECORDS);
	cr_assert_eq(rep.pending, 0);
	char **v = lines(&n);
	cr_assert_eq(n, N_RECORDS);
	for (size_t i = 0; i < n; i++) {
		json_error_t e;
		json_t *j = json_loads(v[i], 0, &e);
		const char *k;
		json_t *x;
		int pos = 0;
		static const char *const order[] = {
			"seq", "time", "event", "user", "uid", "role", "cmd", "args", "result", "hash",
		};

		cr_assert(j, "line %zu is not JSON: %s", i + 1, e.text);
		json_object_foreach(j, k, x)
			cr_assert_str_eq(k, order[pos++], "line %zu: member %d", i + 1, pos);
		cr_assert_eq(json_integer_value(json_object_get(j, "seq")), (json_int_t)i + 1);
		const char *t = json_string_value(json_object_get(j, "time"));
		cr_assert(t && strlen(t) == 30 && t[10] == 'T' && t[29] == 'Z', "time %s", t);
		json_decref(j);
	}
	/* the head the writer reports is the last record's hash */
	struct tg_audit *a;
	uint8_t h[TG_AUDIT_HASH_LEN];
	cr_assert_eq(tg_audit_open(logp, NULL, &a, &rep), 0);
	cr_assert_eq(tg_audit_head(a, h), N_RECORDS);
	cr_assert_eq(memcmp(h, rep.head, sizeof(h)), 0);
	tg_audit_close(a);
	/* the log and anchor are not world-readable */
	struct stat st;
	cr_assert_eq(stat(logp, &st), 0);
	cr_assert_eq(st.st_mode & 07, 0);
}

/* h(n) = SM3(h(n-1) || R(n)), recomputed by the openssl command from the file's bytes. */
Test(control_audit, chain_matches_openssl_sm3)
{
	uint8_t prev[TG_AUDIT_HASH_LEN] = { 0 };
	char path[192], cmd[512], hex[2 * TG_AUDIT_HASH_LEN + 1];
	size_t n;

	write_log();
	char **v = lines(&n);
	for (size_t i = 0; i < 4; i++) {
		char *cut = strstr(v[i], ",\"hash\":\"");
		cr_assert(cut);
		char *stored = cut + 9;
		size_t rlen = (size_t)(cut - v[i]);
		FILE *f;

		snprintf(path, sizeof(path), "%s/r%zu", dir, i);
		f = fopen(path, "wb");
		fwrite(prev, 1, sizeof(prev), f);
		fwrite(v[i], 1, rlen, f);
		fputc('}', f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "openssl dgst -sm3 -r '%s' | cut -c1-64", path);
		f = popen(cmd, "r");
		cr_assert(fgets(hex, sizeof(hex), f));
		pclose(f);
		cr_assert_eq(strncmp(hex, stored, 64), 0, "record %zu: openssl says %s", i + 1, hex);
		cr_assert_eq(tg_audit_hash_parse(hex, prev), 0);
	}
}

Test(control_audit, edit_is_caught)
{
	size_t n, len;

	write_log();
	char *text = slurp(logp, &len);
	/* record 4's firm: BETA -> BETB */
	char *p = text;
	for (int i = 1; i < 4; i++)
		p = strchr(p, '\n') + 1;
	char *b = strstr(p, "BETA");
	cr_assert(b && b < strchr(p, '\n'));
	b[3] = 'B';
	spit(logp, text, len);
	expect_bad(4, "edited");
	(void)n;
}

Test(control_audit, edit_of_seq_is_caught)
{
	size_t len;

	write_log();
	char *text = slurp(logp, &len);
	char *p = strchr(text, '\n') + 1;	/* record 2 */
	cr_assert_eq(strncmp(p, "{\"seq\":2,", 9), 0);
	p[7] = '3';
	spit(logp, text, len);
	expect_bad(2, "missing");
}

Test(control_audit, deletion_is_caught)
{
	size_t n;

	write_log();
	char **v = lines(&n);
	int order[] = { 0, 1, 2, 3, 4, 6, 7, 8, 9 };	/* record 6 gone */
	rewrite(v, order, 9);
	expect_bad(6, "record 6 is missing");
}

Test(control_audit, deletion_of_the_first_is_caught)
{
	size_t n;

	write_log();
	char **v = lines(&n);
	int order[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	rewrite(v, order, 9);
	expect_bad(1, "record 1 is missing");
}

Test(control_audit, reordering_is_caught)
{
	size_t n;

	write_log();
	char **v = lines(&n);
	int order[] = { 0, 1, 3, 2, 4, 5, 6, 7, 8, 9 };	/* 3 and 4 swapped */
	rewrite(v, order, 10);
	expect_bad(3, "record 3 is missing");
}

Test(control_audit, repetition_is_caught)
{
	size_t n;

	write_log();
	char **v = lines(&n);
	int order[] = { 0, 1, 2, 3, 4, 4, 5, 6, 7, 8, 9 };
	rewrite(v, order, 11);
	expect_bad(6, "out of place");
}

Test(control_audit, truncation_is_caught)
{
	size_t n;

	write_log();
	char **v = lines(&n);
	int order[] = { 0, 1, 2, 3, 4, 5, 6, 7 };	/* 9 and 10 cut off */
	rewrite(v, order, 8);
	expect_bad(9, "records 9 to 10 were cut off");
}

Test(control_audit, truncation_of_the_last_record_is_caught)
{
	size_t n;

	write_log();
	char **v = lines(&n);
	int order[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	rewrite(v, order, 9);
	expect_bad(10, "cut off");
}

Test(control_audit, truncation_inside_a_record_is_caught)
{
	size_t len;

	write_log();
	char *text = slurp(logp, &len);
	spit(logp, text, len - 40);
	expect_bad(10, "cut short");
}

Test(control_audit, emptied_log_is_caught)
{
	write_log();
	spit(logp, "", 0);
	expect_bad(1, "cut off");
}

Test(control_audit, deleted_log_is_caught)
{
	struct tg_audit_report rep;

	write_log();
	cr_assert_eq(unlink(logp), 0);
	cr_assert_eq(tg_audit_verify(logp, &rep), -EBADMSG);
	cr_assert_eq(rep.first_bad, 1);
	cr_assert(strstr(rep.why, "missing"), "%s", rep.why);
}

Test(control_audit, lost_anchor_is_caught)
{
	write_log();
	cr_assert_eq(unlink(headp), 0);
	expect_bad(N_RECORDS + 1, "no anchor");
}

/* An older anchor put back: the records after it are more than one interrupted append. */
Test(control_audit, stale_anchor_is_caught)
{
	size_t len;
	struct tg_audit *a;

	write_log();
	char *old = slurp(headp, &len);
	cr_assert_eq(tg_audit_open(logp, NULL, &a, NULL), 0);
	for (int i = 0; i < 2; i++) {
		json_t *r = json_pack("{s:s}", "event", "x");
		cr_assert_eq(tg_audit_append(a, r, NULL), 0);
		json_decref(r);
	}
	tg_audit_close(a);
	spit(headp, old, len);
	expect_bad(N_RECORDS + 2, "stale");
}

/*
 * Someone who recomputes the chain from an edited record on, but cannot
 * write the anchor, is caught at the anchor's record; one who also writes
 * the anchor is caught by a head kept elsewhere (--head).
 */
Test(control_audit, rewritten_chain_is_caught)
{
	struct tg_audit_report rep;
	struct tg_audit_verify_opts o = { 0 };
	char hex[2 * TG_AUDIT_HASH_LEN + 1];
	size_t n, len;

	write_log();
	cr_assert_eq(tg_audit_verify(logp, &rep), 0);
	/* the head after record 5, as an operator would have written it down */
	{
		char **v = lines(&n);
		char *hp = strstr(v[4], ",\"hash\":\"") + 9;
		o.expect_seq = 5;
		memcpy(hex, hp, 64);
		hex[64] = 0;
		cr_assert_eq(tg_audit_hash_parse(hex, o.expect_hash), 0);
	}
	char *anchor = slurp(headp, &len);
	/* rebuild a log whose record 3 says BETA instead of ACME, chain recomputed */
	char **v = lines(&n);
	cr_assert_eq(unlink(logp), 0);
	cr_assert_eq(unlink(headp), 0);
	struct tg_audit *a;
	cr_assert_eq(tg_audit_open(logp, NULL, &a, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		json_error_t e;
		json_t *j = json_loads(v[i], 0, &e), *r = json_object();
		const char *k;
		json_t *x;

		json_object_foreach(j, k, x)
			if (strcmp(k, "seq") && strcmp(k, "time") && strcmp(k, "hash"))
				json_object_set(r, k, x);
		if (i == 2)
			json_object_set_new(json_object_get(r, "args"), "name", json_string("BETA"));
		cr_assert_eq(tg_audit_append(a, r, NULL), 0);
		json_decref(r);
		json_decref(j);
	}
	tg_audit_close(a);
	/* the chain is whole and has its own new anchor: only --head can tell */
	cr_assert_eq(tg_audit_verify(logp, &rep), 0);
	cr_assert_eq(tg_audit_verify_ex(logp, &o, &rep), -EBADMSG);
	cr_assert_eq(rep.first_bad, 5, "%s", rep.why);
	/* with the old anchor put back, the anchor itself catches it */
	spit(headp, anchor, len);
	expect_bad(N_RECORDS, "anchor");
	/* and a head beyond the end is a truncation */
	o.expect_seq = 50;
	cr_assert_eq(tg_audit_verify_ex(logp, &o, &rep), -EBADMSG);
}

/* A crash between the record and its anchor: verifies as pending, open completes it. */
Test(control_audit, interrupted_append_after_the_record)
{
	struct tg_audit_report rep;
	struct tg_audit *a;
	size_t len;

	write_log();
	char *old = slurp(headp, &len);
	cr_assert_eq(tg_audit_open(logp, NULL, &a, NULL), 0);
	json_t *r = json_pack("{s:s}", "event", "late");
	cr_assert_eq(tg_audit_append(a, r, NULL), 0);
	json_decref(r);
	tg_audit_close(a);
	spit(headp, old, len);	/* the anchor of before: as if the rename was lost */
	cr_assert_eq(tg_audit_verify(logp, &rep), 0, "%s", rep.why);
	cr_assert_eq(rep.pending, 1);
	cr_assert_eq(rep.records, N_RECORDS + 1);
	cr_assert_eq(tg_audit_open(logp, NULL, &a, &rep), 0, "%s", rep.why);
	r = json_pack("{s:s}", "event", "next");
	uint64_t seq;
	cr_assert_eq(tg_audit_append(a, r, &seq), 0);
	json_decref(r);
	cr_assert_eq(seq, N_RECORDS + 2);
	tg_audit_close(a);
	cr_assert_eq(tg_audit_verify(logp, &rep), 0, "%s", rep.why);
	cr_assert_eq(rep.pending, 0);
	cr_assert_eq(rep.records, N_RECORDS + 2);
}

/* A crash in the middle of writing: the torn line is past the anchor, open drops it. */
Test(control_audit, interrupted_append_inside_the_record)
{
	struct tg_audit_report rep;
	struct tg_audit *a;
	size_t len;

	write_log();
	char *text = slurp(logp, &len);
	const char torn[] = "{\"seq\":11,\"time\":\"2025-";
	char *p = malloc(len + sizeof(torn));
	memcpy(p, text, len);
	memcpy(p + len, torn, sizeof(torn) - 1);
	spit(logp, p, len + sizeof(torn) - 1);
	cr_assert_eq(tg_audit_verify(logp, &rep), 0, "%s", rep.why);
	cr_assert_eq(rep.pending, 1);
	cr_assert_eq(rep.records, N_RECORDS);
	cr_assert_eq(tg_audit_open(logp, NULL, &a, &rep), 0, "%s", rep.why);
	json_t *r = json_pack("{s:s}", "event", "after");
	uint64_t seq;
	cr_assert_eq(tg_audit_append(a, r, &seq), 0);
	json_decref(r);
	cr_assert_eq(seq, N_RECORDS + 1);
	tg_audit_close(a);
	cr_assert_eq(tg_audit_verify(logp, &rep), 0, "%s", rep.why);
	cr_assert_eq(rep.pending, 0);
	cr_assert_eq(rep.records, N_RECORDS + 1);
}

/* Bytes appended behind the writer's back: it refuses to chain onto them. */
Test(control_audit, foreign_append_is_refused)
{
	struct tg_audit *a;

	write_log();
	cr_assert_eq(tg_audit_open(logp, NULL, &a, NULL), 0);
	FILE *f = fopen(logp, "ab");
	fputs("{\"seq\":11}\n", f);
	fclose(f);
	json_t *r = json_pack("{s:s}", "event", "x");
	cr_assert_eq(tg_audit_append(a, r, NULL), -ESTALE);
	/* reserved members are refused too */
	json_t *bad = json_pack("{s:i}", "seq", 5);
	cr_assert_eq(tg_audit_append(a, bad, NULL), -EINVAL);
	json_decref(bad);
	json_decref(r);
	tg_audit_close(a);
}

/* A fresh log: no file at all verifies as empty; a new one gets an anchor at once. */
Test(control_audit, empty_log)
{
	struct tg_audit_report rep;
	struct tg_audit *a;
	struct stat st;

	cr_assert_eq(tg_audit_verify(logp, &rep), 0);
	cr_assert_eq(rep.records, 0);
	cr_assert_eq(tg_audit_open(logp, NULL, &a, &rep), 0);
	tg_audit_close(a);
	cr_assert_eq(stat(headp, &st), 0);
	cr_assert_eq(tg_audit_verify(logp, &rep), 0);
	cr_assert_eq(rep.anchor_seq, 0);
}

/* Records seen by the open's callback, in order: how the control plane recovers state. */
static void
count_record(void *ctx, uint64_t seq, json_t *rec)
{
	uint64_t *n = ctx;

	cr_assert_eq(seq, *n + 1);
	cr_assert(json_is_object(rec));
	*n = seq;
}

Test(control_audit, callback_sees_every_record)
{
	struct tg_audit_verify_opts o = { .record = count_record };
	struct tg_audit *a;
	uint64_t n = 0;

	write_log();
	o.ctx = &n;
	cr_assert_eq(tg_audit_open(logp, &o, &a, NULL), 0);
	cr_assert_eq(n, N_RECORDS);
	tg_audit_close(a);
}
