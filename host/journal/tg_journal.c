/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The journal object: open (scan every segment, cut a torn tail or refuse
 * a damaged journal), append into a write buffer, group-commit sync,
 * segment rollover, and replay. The on-disk format and the reasoning
 * behind the recovery rules are in docs/journal.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/tg_journal_int.h"

#define tgj_unlikely(x)	__builtin_expect(!!(x), 0)

/* What the journal knows of one segment file. */
struct tgj_seg {
	uint64_t first;		/* first LSN (the file's name) */
	uint64_t last;		/* last LSN in it (first - 1: none) */
	size_t end;		/* offset after its last record */
};

struct tg_journal {
	struct tg_journal_opts opts;	/* segment_bytes resolved */
	int dirfd;
	int fd;				/* last segment, read-write (-1 read-only) */
	struct tgj_seg *segs;
	size_t nsegs, segcap;
	uint64_t file_off;		/* last segment: bytes written to the file */
	uint8_t *buf;			/* records not yet written, all for the last segment */
	size_t buf_len, buf_cap;
	uint64_t last_lsn;		/* appended */
	uint64_t durable_lsn;		/* written and synced */
	bool dir_dirty;			/* a segment was created or removed since the directory's last fsync */
	int err;			/* a failed write or sync: refused from then on */
};

/* printf into rep->what. */
static void __attribute__((format(printf, 2, 3)))
tgj_what(struct tg_journal_report *rep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep->what, sizeof(rep->what), fmt, ap);
	va_end(ap);
}

/* Remember one more segment (the list grows only at open and rollover). */
static int
tgj_seg_push(struct tg_journal *j, uint64_t first, uint64_t last, size_t end)
{
	if (j->nsegs == j->segcap) {
		size_t nc = j->segcap ? j->segcap * 2 : 16;
		struct tgj_seg *ns = realloc(j->segs, nc * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		j->segs = ns;
		j->segcap = nc;
	}
	j->segs[j->nsegs++] = (struct tgj_seg){ first, last, end };
	return 0;
}

/*
 * The directory: created if missing (and its parent synced, so the
 * directory itself survives a crash), opened, and locked against a
 * second writer. Readers take no lock: they never change anything.
 */
static int
tgj_open_dir(struct tg_journal *j, const char *dir, struct tg_journal_report *rep)
{
	int rc;

	if (!j->opts.read_only) {
		if (mkdir(dir, 0755) == 0) {
			char *copy = strdup(dir);
			if (!copy)
				return -ENOMEM;
			int pfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			free(copy);
			if (pfd >= 0) {
				if (!j->opts.no_sync)
					fsync(pfd);
				close(pfd);
			}
		} else if (errno != EEXIST) {
			rc = -errno;
			tgj_what(rep, "cannot create journal directory %s: %s", dir, strerror(-rc));
			return rc;
		}
	}
	j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0) {
		rc = -errno;
		tgj_what(rep, "cannot open journal directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	if (!j->opts.read_only && flock(j->dirfd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		tgj_what(rep, "journal %s is open for writing elsewhere", dir);
		return rc;
	}
	return 0;
}

/* The phrase for what the scan found at the end of a segment. */
static void
tgj_damage_str(const struct tgj_scan *s, char *out, size_t n)
{
	if (s->bad == TGJ_BAD_LSN)
		snprintf(out, n, "LSN %" PRIu64 " out of sequence", s->bad_lsn);
	else
		snprintf(out, n, "%s", tgj_bad_str(s->bad));
}

/*
 * Map one segment, check its header and that it starts at LSN next (prev
 * names the file before it), and scan it. 0, -EBADMSG or -errno.
 */
static int
tgj_check_seg(struct tg_journal *j, uint64_t lsn, uint64_t next, const char *prev,
	      struct tg_journal_report *rep, struct tgj_scan *s)
{
	char name[TGJ_NAME_MAX];
	struct tgj_map m;
	uint64_t first;
	int rc;

	tgj_seg_name(name, lsn, false);
	rc = tgj_seg_map(j->dirfd, lsn, 0, &m);
	if (rc) {
		tgj_what(rep, "cannot read %s: %s", name, strerror(-rc));
		return rc;
	}
	rc = -EBADMSG;
	if (tgj_file_hdr_decode(m.map, m.size, &first) < 0) {
		tgj_what(rep, "%s: bad file header at offset 0", name);
	} else if (first != lsn) {
		tgj_what(rep, "%s: header says first LSN %" PRIu64, name, first);
	} else if (first != next && !prev) {
		tgj_what(rep, "%s: first file starts at LSN %" PRIu64 ", not 1 "
			 "(files missing?)", name, first);
	} else if (first != next) {
		tgj_what(rep, "%s starts at LSN %" PRIu64 " but %s ends at LSN %"
			 PRIu64, name, first, prev, next - 1);
	} else {
		tgj_scan_seg(&m, first, s);
		rc = 0;
	}
	tgj_seg_unmap(&m);
	return rc;
}

/*
 * Scan every segment in LSN order. Damage in any segment but the last,
 * a gap between segments, a bad file header, or damage in the last one
 * that a later record proves was once good: -EBADMSG, nothing touched.
 * Otherwise *tail is the scan of the last segment, torn tail and all.
 */
static int
tgj_recover(struct tg_journal *j, struct tg_journal_report *rep,
	    struct tgj_scan *tail)
{
	struct tgj_listing l;
	char name[TGJ_NAME_MAX], prev[TGJ_NAME_MAX], why[64];
	uint64_t next = 1;
	int rc;

	memset(tail, 0, sizeof(*tail));
	rc = tgj_seg_list(j->dirfd, &l);
	if (rc) {
		tgj_what(rep, "cannot list the journal directory: %s", strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < l.nsegs; i++) {
		struct tgj_scan s;
		bool last = i + 1 == l.nsegs;

		rc = tgj_check_seg(j, l.segs[i], next, i ? prev : NULL, rep, &s);
		if (rc)
			goto out;
		tgj_seg_name(name, l.segs[i], false);
		if (s.garbage_end > s.end) {
			tgj_damage_str(&s, why, sizeof(why));
			if (!last) {
				tgj_what(rep, "%s: %s at offset %zu (LSN %" PRIu64 "), "
					 "with later files after it", name, why, s.end,
					 s.last_lsn + 1);
				rc = -EBADMSG;
				goto out;
			}
			if (s.later) {
				tgj_what(rep, "%s: %s at offset %zu (LSN %" PRIu64 "), "
					 "followed by good LSN %" PRIu64 " at offset %zu",
					 name, why, s.end, s.last_lsn + 1, s.later_lsn,
					 s.later_off);
				rc = -EBADMSG;
				goto out;
			}
		}
		rc = tgj_seg_push(j, l.segs[i], s.last_lsn, s.end);
		if (rc)
			goto out;
		next = s.last_lsn + 1;
		memcpy(prev, name, sizeof(prev));
		if (last)
			*tail = s;
	}
	rep->records = next - 1;
	rep->last_lsn = next - 1;
	if (tail->garbage_end > tail->end) {
		tgj_damage_str(tail, why, sizeof(why));
		rep->cut_bytes = tail->garbage_end - tail->end;
		tgj_what(rep, "%s: %s at offset %zu (LSN %" PRIu64 "); %s %" PRIu64
			 " bytes%s", prev, why, tail->end, next,
			 j->opts.read_only ? "read-only, not cut:" : "cut", rep->cut_bytes,
			 tail->torn_records ? "; a torn write (records after a hole)" : "");
	}
	/* the writer removes unfinished segments; a reader ignores them */
	if (!j->opts.read_only) {
		for (size_t i = 0; i < l.ntmps; i++) {
			tgj_seg_name(name, l.tmps[i], true);
			if (unlinkat(j->dirfd, name, 0) == 0)
				j->dir_dirty = true;
		}
	}
	rc = 0;
out:
	tgj_seg_list_free(&l);
	return rc;
}

/*
 * Make the last segment writable: cut a torn tail, preallocate, and sync
 * it, because records a crashed writer left in the page cache are about
 * to be counted durable. An empty journal gets its first segment.
 */
static int
tgj_open_writer(struct tg_journal *j, const struct tgj_scan *tail,
		struct tg_journal_report *rep)
{
	char name[TGJ_NAME_MAX];
	int rc;

	j->buf_cap = TGJ_BUF_BYTES;
	j->buf = malloc(j->buf_cap);
	if (!j->buf)
		return -ENOMEM;
	if (j->nsegs == 0) {
		j->fd = tgj_seg_create(j->dirfd, 1, j->opts.segment_bytes, j->opts.no_sync);
		if (j->fd < 0) {
			rc = j->fd;
			tgj_what(rep, "cannot create the first journal file: %s", strerror(-rc));
			return rc;
		}
		j->dir_dirty = true;
		rc = tgj_seg_push(j, 1, 0, TGJ_FILE_HDR);
		if (rc)
			return rc;
	} else {
		struct tgj_seg *s = &j->segs[j->nsegs - 1];

		tgj_seg_name(name, s->first, false);
		j->fd = openat(j->dirfd, name, O_RDWR | O_CLOEXEC);
		if (j->fd < 0) {
			rc = -errno;
			tgj_what(rep, "cannot open %s for writing: %s", name, strerror(-rc));
			return rc;
		}
		if (tail->garbage_end > tail->end) {
			if (ftruncate(j->fd, (off_t)s->end) < 0) {
				rc = -errno;
				tgj_what(rep, "cannot cut %s at offset %zu: %s", name, s->end,
					 strerror(-rc));
				return rc;
			}
			j->dir_dirty = true;
		}
		tgj_seg_prealloc(j->fd, j->opts.segment_bytes);
		if (!j->opts.no_sync && fsync(j->fd) < 0) {
			rc = -errno;
			tgj_what(rep, "cannot sync %s: %s", name, strerror(-rc));
			return rc;
		}
	}
	j->file_off = j->segs[j->nsegs - 1].end;
	if (j->dir_dirty && !j->opts.no_sync && fsync(j->dirfd) < 0) {
		rc = -errno;
		tgj_what(rep, "cannot sync the journal directory: %s", strerror(-rc));
		return rc;
	}
	j->dir_dirty = false;
	return 0;
}

/*
 * Open: the directory, then every segment scanned (nothing changes while
 * the journal might be refused), then, for a writer, the tail cut and
 * the last segment made ready for appending.
 */
int
tg_journal_open(const char *dir, const struct tg_journal_opts *opts,
		struct tg_journal **out, struct tg_journal_report *rep)
{
	struct tg_journal_report spare;
	struct tgj_scan tail;
	struct tg_journal *j;
	int rc;

	if (!rep)
		rep = &spare;
	memset(rep, 0, sizeof(*rep));
	if (out)
		*out = NULL;
	if (!dir || !*dir || !out)
		return -EINVAL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->dirfd = -1;
	j->fd = -1;
	if (opts)
		j->opts = *opts;
	if (j->opts.segment_bytes == 0)
		j->opts.segment_bytes = TGJ_SEG_DEFAULT;

	rc = tgj_open_dir(j, dir, rep);
	if (rc == 0)
		rc = tgj_recover(j, rep, &tail);
	if (rc == 0 && !j->opts.read_only)
		rc = tgj_open_writer(j, &tail, rep);
	if (rc) {
		if (!rep->what[0])
			tgj_what(rep, "%s: %s", dir, strerror(-rc));
		j->err = rc;	/* close without syncing anything */
		tg_journal_close(j);
		return rc;
	}
	j->last_lsn = j->durable_lsn = rep->last_lsn;
	*out = j;
	return 0;
}

/* Write the buffer at the end of the last segment (no sync). */
static int
tgj_flush(struct tg_journal *j)
{
	int rc;

	if (j->buf_len == 0)
		return 0;
	rc = tgj_pwrite_all(j->fd, j->buf, j->buf_len, (off_t)j->file_off);
	if (rc)
		return j->err = rc;
	j->file_off += j->buf_len;
	j->buf_len = 0;
	return 0;
}

/*
 * Start a new segment. The old one is written and synced first, so only
 * the last segment can ever hold an unsynced write: damage in any other
 * is never a crash artefact.
 */
static int
tgj_roll(struct tg_journal *j)
{
	struct tgj_seg *s = &j->segs[j->nsegs - 1];
	int rc = tgj_flush(j);

	if (rc)
		return rc;
	if (!j->opts.no_sync) {
		if (fdatasync(j->fd) < 0)
			return j->err = -errno;
		if (j->dir_dirty && fsync(j->dirfd) < 0)
			return j->err = -errno;
		j->dir_dirty = false;
	}
	j->durable_lsn = j->last_lsn;
	s->last = j->last_lsn;
	s->end = j->file_off;
	close(j->fd);
	j->fd = tgj_seg_create(j->dirfd, j->last_lsn + 1, j->opts.segment_bytes,
			       j->opts.no_sync);
	if (j->fd < 0)
		return j->err = j->fd;
	rc = tgj_seg_push(j, j->last_lsn + 1, j->last_lsn, TGJ_FILE_HDR);
	if (rc)
		return j->err = rc;
	j->file_off = TGJ_FILE_HDR;
	j->dir_dirty = true;
	return 0;
}

/*
 * Append into the write buffer: a copy and a CRC. Only a full buffer
 * (a write) or a full segment (a write, a sync and a new file) costs a
 * system call.
 */
int
tg_journal_append(struct tg_journal *j, uint16_t type, const void *payload,
		  uint32_t len, uint64_t *lsn)
{
	uint32_t bytes;
	int rc;

	if (!j || (len && !payload))
		return -EINVAL;
	if (j->opts.read_only)
		return -EROFS;
	if (j->err)
		return j->err;
	if (len > TG_JOURNAL_MAX_PAYLOAD)
		return -EMSGSIZE;
	bytes = tgj_rec_bytes(len);
	if (tgj_unlikely(j->file_off + j->buf_len + bytes > j->opts.segment_bytes &&
			 j->file_off + j->buf_len > TGJ_FILE_HDR)) {
		rc = tgj_roll(j);
		if (rc)
			return rc;
	}
	if (tgj_unlikely(j->buf_len + bytes > j->buf_cap)) {
		rc = tgj_flush(j);
		if (rc)
			return rc;
	}

	uint64_t n = j->last_lsn + 1;
	uint64_t since = n - j->durable_lsn;

	tgj_rec_encode(j->buf + j->buf_len, n, type, payload, len,
		       since > TGJ_SINCE_MAX ? TGJ_SINCE_MAX : (uint32_t)since);
	j->buf_len += bytes;
	j->last_lsn = n;
	if (lsn)
		*lsn = n;
	return 0;
}

/*
 * Group commit: one write of everything pending and one fdatasync, plus
 * the directory's fsync when a segment was created since the last sync.
 * A failure is sticky: a journal that could not write refuses from then
 * on, rather than appending after a hole.
 */
int
tg_journal_sync(struct tg_journal *j)
{
	int rc;

	if (!j)
		return -EINVAL;
	if (j->opts.read_only)
		return 0;
	if (j->err)
		return j->err;
	if (j->buf_len == 0 && j->durable_lsn == j->last_lsn && !j->dir_dirty)
		return 0;
	rc = tgj_flush(j);
	if (rc)
		return rc;
	if (!j->opts.no_sync) {
		if (fdatasync(j->fd) < 0)
			return j->err = -errno;
		if (j->dir_dirty && fsync(j->dirfd) < 0)
			return j->err = -errno;
	}
	j->dir_dirty = false;
	j->durable_lsn = j->last_lsn;
	return 0;
}

/* Call fn on every record of p[from..end); *expect is the next LSN. */
static int
tgj_replay_bytes(const uint8_t *p, size_t from, size_t end, uint64_t *expect,
		 int (*fn)(void *ctx, const struct tg_journal_rec *r), void *ctx)
{
	for (size_t off = from; off < end;) {
		struct tgj_rec r;

		if (tgj_rec_peek(p + off, end - off, &r) != TGJ_OK || r.lsn != *expect)
			return -EIO;	/* changed since it was verified */
		struct tg_journal_rec out = {
			.lsn = r.lsn, .type = r.type, .len = r.len, .payload = r.payload,
		};
		int rc = fn(ctx, &out);
		if (rc)
			return rc;
		off += r.bytes;
		(*expect)++;
	}
	return 0;
}

/*
 * Replay maps each segment read-only and hands out pointers into the
 * mapping (valid during the call only); records still in the write
 * buffer come last, so replay sees every record appended.
 */
int
tg_journal_replay(struct tg_journal *j,
		  int (*fn)(void *ctx, const struct tg_journal_rec *r), void *ctx)
{
	uint64_t expect = 1;
	int rc;

	if (!j || !fn)
		return -EINVAL;
	for (size_t i = 0; i < j->nsegs; i++) {
		bool cur = i + 1 == j->nsegs && j->fd >= 0;
		size_t end = cur ? j->file_off : j->segs[i].end;
		struct tgj_map m;

		if (end <= TGJ_FILE_HDR)
			continue;
		rc = tgj_seg_map(j->dirfd, j->segs[i].first, end, &m);
		if (rc)
			return rc;
		rc = tgj_replay_bytes(m.map, TGJ_FILE_HDR, end, &expect, fn, ctx);
		tgj_seg_unmap(&m);
		if (rc)
			return rc;
	}
	if (j->buf_len)
		return tgj_replay_bytes(j->buf, 0, j->buf_len, &expect, fn, ctx);
	return 0;
}

/* The LSN the last append got. */
uint64_t
tg_journal_last_lsn(const struct tg_journal *j)
{
	return j ? j->last_lsn : 0;
}

/* The last LSN written and synced; right after open, the last record found. */
uint64_t
tg_journal_durable_lsn(const struct tg_journal *j)
{
	return j ? j->durable_lsn : 0;
}

/* Sync what is pending (unless a write already failed) and free everything. */
void
tg_journal_close(struct tg_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0) {
		if (!j->err)
			tg_journal_sync(j);
		close(j->fd);
	}
	if (j->dirfd >= 0)
		close(j->dirfd);
	free(j->buf);
	free(j->segs);
	free(j);
}
