/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the journal tests; see test_journal_util.h. The reader and
 * the encoder here follow docs/journal.md, not host/journal/.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_journal_util.h"

uint64_t
tju_seed(void)
{
	static uint64_t seed;
	static bool done;

	if (!done) {
		const char *e = getenv("TG_JOURNAL_SEED");
		seed = e ? strtoull(e, NULL, 0) : 0x6a6f75726e616cULL;
		cr_log_info("TG_JOURNAL_SEED=%" PRIu64, seed);
		done = true;
	}
	return seed;
}

uint64_t
tju_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
tju_below(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(tju_next(s) % n) : 0;
}

struct tju_rec
tju_payload(uint64_t salt, uint64_t lsn, uint32_t maxlen, uint8_t *p)
{
	uint64_t s = salt * 0x100000001b3ULL ^ lsn;
	struct tju_rec r;
	uint32_t k = tju_below(&s, 16);

	r.type = (uint16_t)tju_next(&s);
	if (k == 0)
		r.len = 0;
	else if (k == 1)
		r.len = maxlen;
	else if (k < 4)
		r.len = tju_below(&s, maxlen + 1);
	else
		r.len = tju_below(&s, maxlen < 200 ? maxlen + 1 : 201);
	for (uint32_t i = 0; i < r.len; i += 8) {
		uint64_t v = tju_next(&s);
		memcpy(p + i, &v, r.len - i < 8 ? r.len - i : 8);
	}
	return r;
}

void
tju_append_range(struct tg_journal *j, uint64_t salt, uint64_t first, uint64_t last,
		 uint32_t maxlen, unsigned every)
{
	uint8_t *p = malloc(maxlen + 8);

	cr_assert(p);
	for (uint64_t n = first; n <= last; n++) {
		struct tju_rec r = tju_payload(salt, n, maxlen, p);
		uint64_t lsn = 0;
		int rc = tg_journal_append(j, r.type, p, r.len, &lsn);

		cr_assert_eq(rc, 0, "append LSN %" PRIu64 ": %s", n, strerror(-rc));
		cr_assert_eq(lsn, n);
		if (every && (n - first + 1) % every == 0)
			cr_assert_eq(tg_journal_sync(j), 0);
	}
	cr_assert_eq(tg_journal_sync(j), 0);
	cr_assert_eq(tg_journal_durable_lsn(j), last);
	free(p);
}

struct tju_replay_ctx {
	uint64_t salt, next, from;
	uint32_t maxlen;
	uint8_t *p;
};

static int
tju_replay_fn(void *ctx, const struct tg_journal_rec *r)
{
	struct tju_replay_ctx *c = ctx;

	cr_assert_eq(r->lsn, c->next, "replay gave LSN %" PRIu64 ", expected %" PRIu64,
		     r->lsn, c->next);
	cr_assert_leq(r->len, c->maxlen);
	if (r->lsn < c->from) {
		c->next++;
		return 0;
	}
	struct tju_rec want = tju_payload(c->salt, c->next, c->maxlen, c->p);
	cr_assert_eq(r->type, want.type, "LSN %" PRIu64 " type", r->lsn);
	cr_assert_eq(r->len, want.len, "LSN %" PRIu64 " length", r->lsn);
	cr_assert(r->len == 0 || memcmp(r->payload, c->p, r->len) == 0,
		  "LSN %" PRIu64 " payload differs", r->lsn);
	c->next++;
	return 0;
}

void
tju_check_replay(struct tg_journal *j, uint64_t salt, uint64_t last, uint32_t maxlen)
{
	tju_check_replay_from(j, salt, 1, last, maxlen);
}

void
tju_check_replay_from(struct tg_journal *j, uint64_t salt, uint64_t from, uint64_t last,
		      uint32_t maxlen)
{
	struct tju_replay_ctx c = { salt, 1, from, maxlen, malloc(maxlen + 8) };

	cr_assert(c.p);
	cr_assert_eq(tg_journal_replay(j, tju_replay_fn, &c), 0);
	cr_assert_eq(c.next - 1, last, "replay ended at LSN %" PRIu64 ", expected %" PRIu64,
		     c.next - 1, last);
	free(c.p);
}

struct tg_journal *
tju_open(const char *dir, size_t segment_bytes, bool read_only, struct tg_journal_report *rep)
{
	struct tg_journal_opts o = { .segment_bytes = segment_bytes, .read_only = read_only };
	struct tg_journal *j = NULL;
	int rc = tg_journal_open(dir, &o, &j, rep);

	cr_assert_eq(rc, 0, "open %s: %s (%s)", dir, strerror(-rc), rep->what);
	cr_assert(j);
	return j;
}

void
tju_mkdtemp(char out[64])
{
	snprintf(out, 64, "/tmp/tg-journal-XXXXXX");
	cr_assert(mkdtemp(out), "cannot make a scratch directory");
}

void
tju_rmrf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		tju_path(p, dir, e->d_name);
		if (unlink(p) < 0 && errno == EISDIR)
			tju_rmrf(p);
	}
	closedir(d);
	rmdir(dir);
}

void
tju_path(char out[512], const char *dir, const char *name)
{
	snprintf(out, 512, "%s/%s", dir, name);
}

uint8_t *
tju_read_file(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	uint8_t *p;

	if (fd < 0)
		return NULL;
	cr_assert_eq(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	cr_assert(p);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, p + got, (size_t)st.st_size - got);
		cr_assert_gt(r, 0, "read %s", path);
		got += (size_t)r;
	}
	close(fd);
	*size = got;
	return p;
}

void
tju_write_file(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static int
tju_name_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Names of regular files in dir, sorted (64 bytes each). */
static char (*tju_names(const char *dir, size_t *n))[64]
{
	DIR *d = opendir(dir);
	char (*names)[64] = NULL;
	struct dirent *e;
	size_t cap = 0;

	*n = 0;
	cr_assert(d, "opendir %s", dir);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len >= 64)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			names = realloc(names, cap * sizeof(*names));
			cr_assert(names);
		}
		memcpy(names[(*n)++], e->d_name, len + 1);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), tju_name_cmp);
	return names;
}

void
tju_copy_dir(const char *src, const char *dst)
{
	size_t n;
	char (*names)[64] = tju_names(src, &n);
	char p[512];

	cr_assert(mkdir(dst, 0755) == 0 || errno == EEXIST);
	for (size_t i = 0; i < n; i++) {
		size_t size;
		tju_path(p, src, names[i]);
		uint8_t *b = tju_read_file(p, &size);
		cr_assert(b);
		tju_path(p, dst, names[i]);
		tju_write_file(p, b, size);
		free(b);
	}
	free(names);
}

void
tju_snap_take(const char *dir, struct tju_snap *s)
{
	char p[512];

	s->names = tju_names(dir, &s->n);
	s->data = calloc(s->n + 1, sizeof(*s->data));
	s->size = calloc(s->n + 1, sizeof(*s->size));
	cr_assert(s->data && s->size);
	for (size_t i = 0; i < s->n; i++) {
		tju_path(p, dir, s->names[i]);
		s->data[i] = tju_read_file(p, &s->size[i]);
		cr_assert(s->data[i], "read %s", p);
	}
}

void
tju_snap_assert_eq(const struct tju_snap *a, const struct tju_snap *b)
{
	cr_assert_eq(a->n, b->n, "%zu files before, %zu after", a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		cr_assert_str_eq(a->names[i], b->names[i]);
		cr_assert_eq(a->size[i], b->size[i], "%s: size %zu before, %zu after",
			     a->names[i], a->size[i], b->size[i]);
		cr_assert(memcmp(a->data[i], b->data[i], a->size[i]) == 0,
			  "%s: contents changed", a->names[i]);
	}
}

void
tju_snap_free(struct tju_snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->data[i]);
	free(s->data);
	free(s->size);
	free(s->names);
	memset(s, 0, sizeof(*s));
}

uint32_t
tju_crc32c(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++) {
		c ^= b[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
	}
	return ~c;
}

static uint64_t
tju_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
tju_put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

size_t
tju_encode(uint8_t *out, uint64_t lsn, uint16_t type, const void *payload, uint32_t len,
	   uint32_t since_sync)
{
	size_t padded = (len + 7) / 8 * 8;

	memset(out, 0, 24 + padded);
	tju_put_le(out + 4, len, 4);
	tju_put_le(out + 8, lsn, 8);
	tju_put_le(out + 16, type, 2);
	tju_put_le(out + 20, since_sync, 4);
	if (len)
		memcpy(out + 24, payload, len);
	tju_put_le(out, tju_crc32c(out + 4, 20 + padded), 4);
	return 24 + padded;
}

/* "<20 digits>.tgj" and nothing else. */
static bool
tju_is_segment(const char *name)
{
	for (int i = 0; i < 20; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return strcmp(name + 20, ".tgj") == 0;
}

void
tju_read(const char *dir, struct tju_journal *out)
{
	size_t n, cap = 0;
	char (*names)[64] = tju_names(dir, &n);
	char p[512];

	memset(out, 0, sizeof(*out));
	out->files = calloc(n + 1, sizeof(*out->files));
	cr_assert(out->files);
	for (size_t i = 0; i < n; i++) {
		if (!tju_is_segment(names[i]))
			continue;
		struct tju_file *f = &out->files[out->nfiles];
		size_t size;

		tju_path(p, dir, names[i]);
		uint8_t *b = tju_read_file(p, &size);
		cr_assert(b);
		snprintf(f->name, sizeof(f->name), "%s", names[i]);
		f->size = size;
		cr_assert_geq(size, 32, "%s: shorter than a file header", p);
		cr_assert(memcmp(b, "TGJOURNL", 8) == 0, "%s: magic", p);
		cr_assert_eq(tju_le(b + 8, 4), 1, "%s: version", p);
		cr_assert_eq(tju_le(b + 12, 4), 32, "%s: header length", p);
		cr_assert_eq(tju_le(b + 24, 4), 0, "%s: reserved", p);
		cr_assert_eq(tju_le(b + 28, 4), tju_crc32c(b, 28), "%s: header CRC", p);
		f->first_lsn = tju_le(b + 16, 8);
		cr_assert_eq(f->first_lsn, strtoull(names[i], NULL, 10),
			     "%s: header and name disagree", p);

		size_t off = 32;
		while (off + 24 <= size) {
			uint32_t len = (uint32_t)tju_le(b + off + 4, 4);
			size_t bytes = 24 + (len + 7) / 8 * 8;

			if (len > TG_JOURNAL_MAX_PAYLOAD || off + bytes > size)
				break;
			if (tju_le(b + off, 4) != tju_crc32c(b + off + 4, bytes - 4))
				break;
			if (out->nrecs == cap) {
				cap = cap ? cap * 2 : 256;
				out->recs = realloc(out->recs, cap * sizeof(*out->recs));
				cr_assert(out->recs);
			}
			struct tju_found *r = &out->recs[out->nrecs++];
			r->lsn = tju_le(b + off + 8, 8);
			r->type = (uint16_t)tju_le(b + off + 16, 2);
			r->len = len;
			r->since_sync = (uint32_t)tju_le(b + off + 20, 4);
			r->file = (int)out->nfiles;
			r->off = off;
			r->bytes = bytes;
			r->payload = malloc(len + 1);
			cr_assert(r->payload);
			memcpy(r->payload, b + off + 24, len);
			off += bytes;
		}
		f->end = off;
		f->rest_zero = true;
		for (size_t k = off; k < size; k++)
			if (b[k]) {
				f->rest_zero = false;
				break;
			}
		free(b);
		out->nfiles++;
	}
	free(names);
}

void
tju_read_free(struct tju_journal *r)
{
	for (size_t i = 0; i < r->nrecs; i++)
		free(r->recs[i].payload);
	free(r->recs);
	free(r->files);
	memset(r, 0, sizeof(*r));
}
