/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment files: their names (the first LSN, zero-padded, so names sort
 * like LSNs), listing a journal directory, creating a segment so that it
 * never exists without a whole header, preallocation, and mapping a
 * segment read-only for the scan and for replay.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/tg_journal_int.h"

/* "<first LSN, 20 digits>.tgj", or ".tgj.tmp" while it is being created. */
void
tgj_seg_name(char out[TGJ_NAME_MAX], uint64_t first_lsn, bool tmp)
{
	snprintf(out, TGJ_NAME_MAX, "%0*" PRIu64 "%s", TGJ_NAME_DIGITS, first_lsn,
		 tmp ? TGJ_TMP_SUFFIX : TGJ_SUFFIX);
}

/*
 * The LSN a directory entry names: 1 for a segment, 2 for an unfinished
 * one, 0 for anything else (other files are left alone).
 */
static int
tgj_seg_parse(const char *name, uint64_t *lsn)
{
	uint64_t v = 0;
	int k;

	for (k = 0; k < TGJ_NAME_DIGITS; k++) {
		unsigned d = (unsigned char)name[k] - '0';
		if (d > 9)
			return 0;
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*lsn = v;
	if (strcmp(name + k, TGJ_SUFFIX) == 0)
		return 1;
	if (strcmp(name + k, TGJ_TMP_SUFFIX) == 0)
		return 2;
	return 0;
}

/* qsort order for LSNs. */
static int
tgj_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Append v to a growing array. */
static int
tgj_push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		uint64_t *nv = realloc(*v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Every segment and unfinished segment in the directory, in LSN order. */
int
tgj_seg_list(int dirfd, struct tgj_listing *l)
{
	size_t cap_s = 0, cap_t = 0;
	int fd, rc = 0;
	DIR *d;

	memset(l, 0, sizeof(*l));
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	for (;;) {
		struct dirent *e;
		uint64_t lsn;

		errno = 0;
		e = readdir(d);
		if (!e) {
			rc = -errno;
			break;
		}
		switch (tgj_seg_parse(e->d_name, &lsn)) {
		case 1:
			rc = tgj_push(&l->segs, &l->nsegs, &cap_s, lsn);
			break;
		case 2:
			rc = tgj_push(&l->tmps, &l->ntmps, &cap_t, lsn);
			break;
		}
		if (rc)
			break;
	}
	closedir(d);
	if (rc) {
		tgj_seg_list_free(l);
		return rc;
	}
	qsort(l->segs, l->nsegs, sizeof(*l->segs), tgj_u64_cmp);
	qsort(l->tmps, l->ntmps, sizeof(*l->tmps), tgj_u64_cmp);
	return 0;
}

/* Free a listing (it may be empty). */
void
tgj_seg_list_free(struct tgj_listing *l)
{
	free(l->segs);
	free(l->tmps);
	memset(l, 0, sizeof(*l));
}

/*
 * Preallocated space makes fdatasync cheaper (no size change to log per
 * sync) and reads as zeros, which the scan takes as the end of the
 * records. It is an optimisation only: file systems without it still work.
 */
void
tgj_seg_prealloc(int fd, size_t bytes)
{
	if (bytes > 0)
		(void)fallocate(fd, 0, 0, (off_t)bytes);
}

/* Write n bytes at off, through short writes and signals. */
int
tgj_pwrite_all(int fd, const void *p, size_t n, off_t off)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = pwrite(fd, b, n, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		b += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/*
 * A new segment is written and synced under "<name>.tmp" and renamed:
 * after a crash the segment either does not exist or has its header.
 * The caller syncs the directory before trusting the new name.
 */
int
tgj_seg_create(int dirfd, uint64_t first_lsn, size_t prealloc, bool no_sync)
{
	char name[TGJ_NAME_MAX], tmp[TGJ_NAME_MAX];
	uint8_t hdr[TGJ_FILE_HDR];
	int fd, rc;

	tgj_seg_name(name, first_lsn, false);
	tgj_seg_name(tmp, first_lsn, true);
	fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	tgj_file_hdr_encode(hdr, first_lsn);
	rc = tgj_pwrite_all(fd, hdr, sizeof(hdr), 0);
	if (rc == 0) {
		tgj_seg_prealloc(fd, prealloc);
		if (!no_sync && fdatasync(fd) < 0)
			rc = -errno;
	}
	if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		rc = -errno;
	if (rc) {
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return rc;
	}
	return fd;
}

/*
 * Where data may be, from SEEK_DATA/SEEK_HOLE: the end of the last data
 * extent. Unwritten (preallocated) extents count as holes unless the
 * page cache holds data for them, so freshly written records are seen.
 */
size_t
tgj_seg_data_end(int fd, size_t size)
{
	off_t off = 0, end = 0;

	while ((size_t)off < size) {
		off_t d = lseek(fd, off, SEEK_DATA);
		if (d < 0)
			return errno == ENXIO ? (size_t)end : size;
		off_t h = lseek(fd, d, SEEK_HOLE);
		if (h < 0)
			return size;
		end = h;
		off = h;
	}
	return (size_t)end < size ? (size_t)end : size;
}

/* Map a segment read-only; len 0 maps the whole file. */
int
tgj_seg_map(int dirfd, uint64_t first_lsn, size_t len, struct tgj_map *m)
{
	char name[TGJ_NAME_MAX];
	struct stat st;
	int fd, rc = 0;

	memset(m, 0, sizeof(*m));
	tgj_seg_name(name, first_lsn, false);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (len == 0)
		len = (size_t)st.st_size;
	else if ((size_t)st.st_size < len) {
		rc = -EIO;	/* shorter than when it was scanned */
		goto out;
	}
	m->size = len;
	m->data_end = tgj_seg_data_end(fd, len);
	if (len) {
		void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			rc = -errno;
			goto out;
		}
		madvise(p, len, MADV_SEQUENTIAL);
		m->map = p;
	}
out:
	close(fd);
	return rc;
}

/* Unmap (a zero-length map holds nothing). */
void
tgj_seg_unmap(struct tgj_map *m)
{
	if (m->map)
		munmap((void *)m->map, m->size);
	memset(m, 0, sizeof(*m));
}
