/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SM3-chained audit log and its anchor (format and limits in
 * tg_audit.h and docs/control.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "control/tg_audit.h"

/* ,"hash":" + 64 hex digits + "} */
#define TG_AUDIT_HASH_KEY	",\"hash\":\""
#define TG_AUDIT_KEY_LEN	(sizeof(TG_AUDIT_HASH_KEY) - 1)
#define TG_AUDIT_SUFFIX		(TG_AUDIT_KEY_LEN + 2 * TG_AUDIT_HASH_LEN + 2)

struct tg_audit_anchor {
	int present;
	uint64_t seq;
	uint64_t bytes;
	uint8_t hash[TG_AUDIT_HASH_LEN];
};

struct tg_audit {
	int fd;
	int broken;		/* a failed append could not be undone */
	int anchor_behind;	/* the last record is durable, its anchor not yet written */
	char *path;
	char *head_path;
	char *tmp_path;
	char *dir;
	uint64_t seq;
	uint64_t bytes;
	uint8_t hash[TG_AUDIT_HASH_LEN];
};

/* A hash as the 64 lower-case hex digits the log shows. */
void
tg_audit_hash_hex(const uint8_t hash[TG_AUDIT_HASH_LEN], char hex[2 * TG_AUDIT_HASH_LEN + 1])
{
	static const char d[] = "0123456789abcdef";

	for (unsigned i = 0; i < TG_AUDIT_HASH_LEN; i++) {
		hex[2 * i] = d[hash[i] >> 4];
		hex[2 * i + 1] = d[hash[i] & 15];
	}
	hex[2 * TG_AUDIT_HASH_LEN] = 0;
}

/* One hex digit's value, or -1. */
static int
tg_audit_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2 * TG_AUDIT_HASH_LEN hex digits (followed by anything) into hash. */
static int
tg_audit_hash_parse_n(const char *hex, uint8_t hash[TG_AUDIT_HASH_LEN])
{
	for (unsigned i = 0; i < TG_AUDIT_HASH_LEN; i++) {
		int hi = tg_audit_nibble(hex[2 * i]), lo;

		if (hi < 0 || (lo = tg_audit_nibble(hex[2 * i + 1])) < 0)
			return -EINVAL;
		hash[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Exactly 64 hex digits into a hash. */
int
tg_audit_hash_parse(const char *hex, uint8_t hash[TG_AUDIT_HASH_LEN])
{
	if (strlen(hex) != 2 * TG_AUDIT_HASH_LEN)
		return -EINVAL;
	return tg_audit_hash_parse_n(hex, hash);
}

/* h = SM3(prev || r). */
static int
tg_audit_sm3(const uint8_t prev[TG_AUDIT_HASH_LEN], const char *r, size_t n,
	     uint8_t h[TG_AUDIT_HASH_LEN])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned len = 0;
	int ok;

	if (!c)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(c, EVP_sm3(), NULL) &&
	     EVP_DigestUpdate(c, prev, TG_AUDIT_HASH_LEN) &&
	     EVP_DigestUpdate(c, r, n) &&
	     EVP_DigestFinal_ex(c, h, &len) && len == TG_AUDIT_HASH_LEN;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

/* The whole of fd from offset 0; *buf malloc'd (NUL-terminated). */
static int
tg_audit_slurp(int fd, char **buf, size_t *len)
{
	struct stat st;
	size_t cap, n = 0;
	char *p;

	if (fstat(fd, &st))
		return -errno;
	cap = (size_t)st.st_size + 1;
	if (!(p = malloc(cap)))
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n + 1 == cap) {
			char *q = realloc(p, cap * 2);
			if (!q) {
				free(p);
				return -ENOMEM;
			}
			p = q;
			cap *= 2;
		}
		r = pread(fd, p + n, cap - 1 - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;
			free(p);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	p[n] = 0;
	*buf = p;
	*len = n;
	return 0;
}

/* The anchor at head_path: 0 (present or not) or -errno / -EBADMSG. */
static int
tg_audit_anchor_read(const char *head_path, struct tg_audit_anchor *an)
{
	json_t *j, *seq, *bytes, *hash;
	json_error_t jerr;
	char *buf;
	size_t len;
	int fd, rc;

	memset(an, 0, sizeof(*an));
	fd = open(head_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = tg_audit_slurp(fd, &buf, &len);
	close(fd);
	if (rc)
		return rc;
	j = json_loadb(buf, len, 0, &jerr);
	free(buf);
	rc = -EBADMSG;
	if (j && json_is_object(j) &&
	    json_is_integer(seq = json_object_get(j, "seq")) &&
	    json_is_integer(bytes = json_object_get(j, "bytes")) &&
	    json_is_string(hash = json_object_get(j, "hash")) &&
	    json_integer_value(seq) >= 0 && json_integer_value(bytes) >= 0 &&
	    !tg_audit_hash_parse(json_string_value(hash), an->hash)) {
		an->present = 1;
		an->seq = (uint64_t)json_integer_value(seq);
		an->bytes = (uint64_t)json_integer_value(bytes);
		rc = 0;
	}
	json_decref(j);
	return rc;
}

/* Say what is wrong and where: always -EBADMSG. */
static int
tg_audit_bad(struct tg_audit_report *rep, uint64_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int
tg_audit_bad(struct tg_audit_report *rep, uint64_t pos, const char *fmt, ...)
{
	va_list ap;

	rep->first_bad = pos;
	va_start(ap, fmt);
	vsnprintf(rep->why, sizeof(rep->why), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/*
 * Verify the log text buf[0..len) against its anchor. *good_end gets the
 * length of the whole records read (where an incomplete tail starts).
 */
static int
tg_audit_check(const char *buf, size_t len, const struct tg_audit_anchor *an,
	       const char *head_path, const struct tg_audit_verify_opts *o,
	       struct tg_audit_report *rep, size_t *good_end)
{
	uint8_t prev[TG_AUDIT_HASH_LEN] = { 0 }, h[TG_AUDIT_HASH_LEN], stored[TG_AUDIT_HASH_LEN];
	size_t off = 0;
	uint64_t i = 0;
	char *r = NULL;
	size_t rcap = 0;
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	rep->anchor_seq = an->present ? an->seq : 0;
	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off);
		size_t ll, rlen;
		json_t *j, *jseq;
		json_error_t jerr;
		json_int_t seq;

		if (!nl)
			break;
		i++;
		ll = (size_t)(nl - line);
		if (ll < TG_AUDIT_SUFFIX + 1 ||
		    memcmp(line + ll - TG_AUDIT_SUFFIX, TG_AUDIT_HASH_KEY, TG_AUDIT_KEY_LEN) ||
		    line[ll - 2] != '"' || line[ll - 1] != '}' ||
		    tg_audit_hash_parse_n(line + ll - TG_AUDIT_SUFFIX + TG_AUDIT_KEY_LEN, stored)) {
			rc = tg_audit_bad(rep, i, "record %" PRIu64 " (line %" PRIu64
					  "): not a record of an audit log (no hash at its end)", i, i);
			break;
		}
		/* R: the line with the hash member cut back out */
		rlen = ll - TG_AUDIT_SUFFIX + 1;
		if (rlen + 1 > rcap) {
			char *q = realloc(r, rlen + 1);
			if (!q) {
				rc = -ENOMEM;
				break;
			}
			r = q;
			rcap = rlen + 1;
		}
		memcpy(r, line, rlen - 1);
		r[rlen - 1] = '}';
		r[rlen] = 0;
		j = json_loadb(r, rlen, JSON_REJECT_DUPLICATES, &jerr);
		if (!j || !json_is_object(j) || !json_is_integer(jseq = json_object_get(j, "seq"))) {
			json_decref(j);
			rc = tg_audit_bad(rep, i, "record %" PRIu64 " (line %" PRIu64
					  "): not a JSON object with a seq", i, i);
			break;
		}
		seq = json_integer_value(jseq);
		if (seq != (json_int_t)i) {
			json_decref(j);
			if (seq > (json_int_t)i)
				rc = tg_audit_bad(rep, i, "record %" PRIu64 " is missing: line %" PRIu64
						  " holds record %" JSON_INTEGER_FORMAT
						  " (records deleted or reordered)", i, i, seq);
			else
				rc = tg_audit_bad(rep, i, "record %" PRIu64 " is out of place: line %" PRIu64
						  " holds record %" JSON_INTEGER_FORMAT
						  " (records reordered or repeated)", i, i, seq);
			break;
		}
		if ((rc = tg_audit_sm3(prev, r, rlen, h))) {
			json_decref(j);
			break;
		}
		if (memcmp(h, stored, sizeof(h))) {
			json_decref(j);
			rc = tg_audit_bad(rep, i, "record %" PRIu64 ": its hash does not chain from the"
					  " record before it (the record was edited, or one before it"
					  " replaced)", i);
			break;
		}
		if (o && o->expect_seq == i && memcmp(h, o->expect_hash, sizeof(h))) {
			json_decref(j);
			rc = tg_audit_bad(rep, i, "record %" PRIu64 ": its hash is not the expected head"
					  " (the log was rewritten up to here)", i);
			break;
		}
		if (o && o->record)
			o->record(o->ctx, i, j);
		json_decref(j);
		memcpy(prev, h, sizeof(prev));
		off = (size_t)(nl - buf) + 1;
		rep->records = i;
		memcpy(rep->head, h, sizeof(h));
		if (an->present && an->seq == i &&
		    (an->bytes != off || memcmp(an->hash, h, sizeof(h)))) {
			rc = tg_audit_bad(rep, i, "record %" PRIu64 " is not the one the anchor holds"
					  " (it was edited and the chain recomputed, or the log rewritten)", i);
			break;
		}
	}
	free(r);
	*good_end = off;
	if (rc)
		return rc;

	uint64_t n = rep->records;
	if (o && o->expect_seq > n)
		return tg_audit_bad(rep, n + 1, "the log ends at record %" PRIu64 " before the expected"
				    " head, record %" PRIu64 " (records cut off)", n, o->expect_seq);
	if (!an->present) {
		if (len == 0)
			return 0;
		return tg_audit_bad(rep, n + 1, "no anchor (%s): the end of the log cannot be checked"
				    " for records cut off", head_path);
	}
	if (n < an->seq) {
		if (off < len)
			return tg_audit_bad(rep, n + 1, "record %" PRIu64 " is cut short, and the anchor"
					    " says the log held %" PRIu64 " records (truncated)", n + 1, an->seq);
		return tg_audit_bad(rep, n + 1, "the log ends at record %" PRIu64 " but its anchor says"
				    " %" PRIu64 " were written: records %" PRIu64 " to %" PRIu64
				    " were cut off", n, an->seq, n + 1, an->seq);
	}
	if (n > an->seq + 1)
		return tg_audit_bad(rep, an->seq + 2, "records %" PRIu64 " to %" PRIu64 " lie past the"
				    " anchor (record %" PRIu64 "): the anchor is stale or was replaced",
				    an->seq + 2, n, an->seq);
	if (n == an->seq + 1) {
		if (off < len)
			return tg_audit_bad(rep, n + 1, "bytes after record %" PRIu64 ", which lies past"
					    " the anchor", n);
		rep->pending = 1;
		snprintf(rep->why, sizeof(rep->why), "record %" PRIu64 " was written but not anchored"
			 " (an interrupted append)", n);
		return 0;
	}
	if (off < len) {
		rep->pending = 1;
		snprintf(rep->why, sizeof(rep->why), "%zu bytes of an interrupted append after record %"
			 PRIu64, len - off, n);
	}
	return 0;
}

/* path followed by suffix, malloc'd. */
static char *
tg_audit_suffixed(const char *path, const char *suffix)
{
	size_t n = strlen(path), m = strlen(suffix);
	char *p = malloc(n + m + 1);

	if (p) {
		memcpy(p, path, n);
		memcpy(p + n, suffix, m + 1);
	}
	return p;
}

/* Verify with the log's shared lock held, so no append is half done. */
int
tg_audit_verify_ex(const char *path, const struct tg_audit_verify_opts *o,
		   struct tg_audit_report *rep)
{
	struct tg_audit_anchor an;
	char *head = tg_audit_suffixed(path, ".head"), *buf = NULL;
	size_t len = 0, end;
	int fd, rc;

	memset(rep, 0, sizeof(*rep));
	if (!head)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		rc = -errno;
		free(head);
		return rc;
	}
	if (fd >= 0)
		flock(fd, LOCK_SH);
	rc = tg_audit_anchor_read(head, &an);
	if (rc == -EBADMSG) {
		rc = tg_audit_bad(rep, 1, "the anchor %s is not an anchor", head);
		goto out;
	}
	if (rc)
		goto out;
	if (fd < 0) {
		if (an.present && an.seq > 0)
			rc = tg_audit_bad(rep, 1, "the log is missing but its anchor says %" PRIu64
					  " records were written", an.seq);
		goto out;
	}
	if ((rc = tg_audit_slurp(fd, &buf, &len)))
		goto out;
	rc = tg_audit_check(buf, len, &an, head, o, rep, &end);
out:
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
	free(buf);
	free(head);
	return rc;
}

/* Verification without options. */
int
tg_audit_verify(const char *path, struct tg_audit_report *rep)
{
	return tg_audit_verify_ex(path, NULL, rep);
}

/* fsync the directory a rename happened in. */
static int
tg_audit_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

/* Replace the anchor atomically with (seq, hash, bytes). */
static int
tg_audit_anchor_write(struct tg_audit *a, uint64_t seq, const uint8_t hash[TG_AUDIT_HASH_LEN],
		      uint64_t bytes)
{
	char hex[2 * TG_AUDIT_HASH_LEN + 1], text[160];
	int fd, n, rc = 0;

	tg_audit_hash_hex(hash, hex);
	n = snprintf(text, sizeof(text), "{\"seq\":%" PRIu64 ",\"hash\":\"%s\",\"bytes\":%" PRIu64 "}\n",
		     seq, hex, bytes);
	fd = open(a->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (write(fd, text, (size_t)n) != n)
		rc = errno ? -errno : -EIO;
	else if (fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(a->tmp_path, a->head_path))
		rc = -errno;
	if (rc) {
		unlink(a->tmp_path);
		return rc;
	}
	/*
	 * Once renamed the new anchor is in place. Should the directory's
	 * fsync fail and a crash then lose the rename, the old anchor comes
	 * back one record behind a durable record: the "interrupted append"
	 * that verifies and that tg_audit_open() completes.
	 */
	(void)tg_audit_sync_dir(a->dir);
	return 0;
}

/* mkdir -p of path's directory (0750 for what it creates). */
static int
tg_audit_mkdirs(const char *dir)
{
	char p[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(p))
		return n ? -ENAMETOOLONG : 0;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		char c = p[i];
		p[i] = 0;
		if (mkdir(p, 0750) && errno != EEXIST)
			return -errno;
		p[i] = c;
	}
	return 0;
}

/* Write the anchor the last append left behind, if any. */
int
tg_audit_flush(struct tg_audit *a)
{
	int rc;

	if (!a->anchor_behind)
		return 0;
	if (flock(a->fd, LOCK_EX))
		return -errno;
	rc = tg_audit_anchor_write(a, a->seq, a->hash, a->bytes);
	if (!rc)
		a->anchor_behind = 0;
	flock(a->fd, LOCK_UN);
	return rc;
}

/* Anchor what is pending, then let go of the log. */
void
tg_audit_close(struct tg_audit *a)
{
	if (!a)
		return;
	if (a->fd >= 0) {
		(void)tg_audit_flush(a);
		close(a->fd);
	}
	free(a->path);
	free(a->head_path);
	free(a->tmp_path);
	free(a->dir);
	free(a);
}

/* Verify the existing log, finish an interrupted append, and get ready to append. */
int
tg_audit_open(const char *path, const struct tg_audit_verify_opts *o,
	      struct tg_audit **out, struct tg_audit_report *rep)
{
	struct tg_audit_report local;
	struct tg_audit_anchor an;
	struct tg_audit *a;
	char *buf = NULL, *d;
	size_t len = 0, end;
	int rc;

	*out = NULL;
	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	if (!(a = calloc(1, sizeof(*a))))
		return -ENOMEM;
	a->fd = -1;
	a->path = strdup(path);
	a->head_path = tg_audit_suffixed(path, ".head");
	a->tmp_path = tg_audit_suffixed(path, ".head.tmp");
	d = strdup(path);
	if (!a->path || !a->head_path || !a->tmp_path || !d) {
		free(d);
		tg_audit_close(a);
		return -ENOMEM;
	}
	a->dir = strdup(dirname(d));
	free(d);
	if (!a->dir) {
		tg_audit_close(a);
		return -ENOMEM;
	}
	if ((rc = tg_audit_mkdirs(a->dir)))
		goto fail;
	a->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (a->fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (flock(a->fd, LOCK_EX)) {
		rc = -errno;
		goto fail;
	}
	rc = tg_audit_anchor_read(a->head_path, &an);
	if (rc == -EBADMSG)
		tg_audit_bad(rep, 1, "the anchor %s is not an anchor", a->head_path);
	if (!rc && !(rc = tg_audit_slurp(a->fd, &buf, &len)))
		rc = tg_audit_check(buf, len, &an, a->head_path, o, rep, &end);
	free(buf);
	if (rc)
		goto fail_locked;
	a->seq = rep->records;
	a->bytes = end;
	memcpy(a->hash, rep->head, sizeof(a->hash));
	if (end < len) {
		/* an incomplete line past the anchor: never acknowledged */
		if (ftruncate(a->fd, (off_t)end) || fsync(a->fd)) {
			rc = -errno;
			goto fail_locked;
		}
	}
	if (!an.present || an.seq != a->seq) {
		if ((rc = tg_audit_anchor_write(a, a->seq, a->hash, a->bytes)))
			goto fail_locked;
	}
	flock(a->fd, LOCK_UN);
	*out = a;
	return 0;
fail_locked:
	flock(a->fd, LOCK_UN);
fail:
	tg_audit_close(a);
	return rc;
}

/* Where the chain ends now. */
uint64_t
tg_audit_head(const struct tg_audit *a, uint8_t hash[TG_AUDIT_HASH_LEN])
{
	if (hash)
		memcpy(hash, a->hash, TG_AUDIT_HASH_LEN);
	return a->seq;
}

/* "2024-05-06T07:08:09.123456789Z" */
static void
tg_audit_now(char *s, size_t n)
{
	struct timespec ts;
	struct tm tm;
	size_t k;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	k = strftime(s, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(s + k, n - k, ".%09ldZ", ts.tv_nsec);
}

/* Write all of p at the end of the log. */
static int
tg_audit_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Chain, write and fdatasync one record; the anchor follows (tg_audit_flush). */
int
tg_audit_append(struct tg_audit *a, json_t *rec, uint64_t *seq)
{
	uint8_t h[TG_AUDIT_HASH_LEN];
	char hex[2 * TG_AUDIT_HASH_LEN + 1], when[48];
	json_t *obj, *v;
	const char *k;
	char *r = NULL, *line = NULL;
	size_t rlen, llen;
	struct stat st;
	int rc;

	if (a->broken)
		return -EIO;
	if (!json_is_object(rec) || json_object_get(rec, "seq") ||
	    json_object_get(rec, "time") || json_object_get(rec, "hash"))
		return -EINVAL;
	if (!(obj = json_object()))
		return -ENOMEM;
	tg_audit_now(when, sizeof(when));
	rc = json_object_set_new(obj, "seq", json_integer((json_int_t)(a->seq + 1))) ||
	     json_object_set_new(obj, "time", json_string(when));
	json_object_foreach(rec, k, v)
		rc |= json_object_set(obj, k, v);
	if (!rc)
		r = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (rc || !r)
		return -ENOMEM;
	rlen = strlen(r);
	if ((rc = tg_audit_sm3(a->hash, r, rlen, h)))
		goto out;
	tg_audit_hash_hex(h, hex);
	llen = rlen - 1 + TG_AUDIT_SUFFIX + 1;
	if (!(line = malloc(llen + 1))) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(line, llen + 1, "%.*s%s%s\"}\n", (int)(rlen - 1), r, TG_AUDIT_HASH_KEY, hex);

	if (flock(a->fd, LOCK_EX)) {
		rc = -errno;
		goto out;
	}
	/* someone else wrote to the log since: refuse to chain onto unknown bytes */
	if (fstat(a->fd, &st)) {
		rc = -errno;
	} else if ((uint64_t)st.st_size != a->bytes) {
		rc = -ESTALE;
	} else if (a->anchor_behind &&
		   (rc = tg_audit_anchor_write(a, a->seq, a->hash, a->bytes))) {
		/* the log is as it was: nothing to undo */
	} else {
		a->anchor_behind = 0;
		rc = tg_audit_write_all(a->fd, line, llen);
		if (!rc && fdatasync(a->fd))
			rc = -errno;
		/* put the log back as it was, so the chain and anchor agree */
		if (rc && (ftruncate(a->fd, (off_t)a->bytes) || fsync(a->fd)))
			a->broken = 1;
	}
	flock(a->fd, LOCK_UN);
	if (!rc) {
		a->seq++;
		a->bytes += llen;
		memcpy(a->hash, h, sizeof(h));
		a->anchor_behind = 1;
		if (seq)
			*seq = a->seq;
	}
out:
	free(line);
	free(r);
	return rc;
}
