/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the journal: the on-disk format (docs/journal.md is its
 * description), segment files, the scan that verifies them, and the
 * journal object itself. Nothing here is part of the contract.
 */
#ifndef TG_JOURNAL_INT_H
#define TG_JOURNAL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "journal/tg_journal.h"

/* ---- On-disk format (all integers little-endian) ---- */

#define TGJ_MAGIC		"TGJOURNL"	/* 8 bytes, no NUL on disk */
#define TGJ_VERSION		1
#define TGJ_FILE_HDR		32		/* file header bytes */
#define TGJ_REC_HDR		24		/* record header bytes */
#define TGJ_ALIGN		8		/* records start on multiples of 8 */
#define TGJ_REC_MAX		(TGJ_REC_HDR + TG_JOURNAL_MAX_PAYLOAD)
#define TGJ_SINCE_MAX		UINT32_MAX	/* since_sync saturates here */

#define TGJ_SEG_DEFAULT		((size_t)256 << 20)
#define TGJ_NAME_DIGITS		20		/* first LSN, zero-padded */
#define TGJ_SUFFIX		".tgj"
#define TGJ_TMP_SUFFIX		".tgj.tmp"
#define TGJ_NAME_MAX		32		/* "<20 digits>.tgj.tmp" and NUL */
#define TGJ_BUF_BYTES		((size_t)4 << 20)	/* write buffer */

/* One record as decoded from its header. */
struct tgj_rec {
	uint32_t len;		/* payload bytes */
	uint64_t lsn;
	uint16_t type;
	uint32_t since_sync;	/* records since the last durable one, this one included */
	uint32_t bytes;		/* header + payload + padding */
	const uint8_t *payload;
};

/* Why the bytes at an offset are not a good record. */
enum tgj_bad {
	TGJ_OK = 0,
	TGJ_SHORT_HDR,		/* the file ends inside a record header */
	TGJ_BAD_LEN,		/* length over TG_JOURNAL_MAX_PAYLOAD */
	TGJ_SHORT_REC,		/* the file ends inside the payload */
	TGJ_BAD_CRC,		/* checksum mismatch */
	TGJ_ZEROS,		/* a zeroed header with data after it */
	TGJ_BAD_FIELDS,		/* checksum good, reserved or sync fields not */
	TGJ_BAD_LSN,		/* a good record with the wrong LSN */
};

/* Bytes a record of len payload bytes takes in a file. */
static inline uint32_t
tgj_rec_bytes(uint32_t len)
{
	return TGJ_REC_HDR + ((len + TGJ_ALIGN - 1) & ~(uint32_t)(TGJ_ALIGN - 1));
}

/* CRC-32C (Castagnoli) of p[0..n), standard form (check value 0xE3069283). */
uint32_t tgj_crc32c(const void *p, size_t n);

/* The 32-byte header of the file whose first record is first_lsn. */
void tgj_file_hdr_encode(uint8_t out[TGJ_FILE_HDR], uint64_t first_lsn);
/* 0 and *first_lsn when p[0..n) starts with a valid header, else -EBADMSG. */
int tgj_file_hdr_decode(const uint8_t *p, size_t n, uint64_t *first_lsn);

/*
 * Write one record at out (tgj_rec_bytes(len) bytes, padding zeroed,
 * checksum last). Returns the bytes written.
 */
uint32_t tgj_rec_encode(uint8_t *out, uint64_t lsn, uint16_t type,
			const void *payload, uint32_t len, uint32_t since_sync);
/*
 * Decode and verify the record at p with avail bytes after it. TGJ_OK
 * fills *r; any other value says what is wrong (the LSN is not judged).
 */
enum tgj_bad tgj_rec_decode(const uint8_t *p, size_t avail, struct tgj_rec *r);
/* The same without verifying the checksum (for records already verified). */
enum tgj_bad tgj_rec_peek(const uint8_t *p, size_t avail, struct tgj_rec *r);
/* A short phrase for a tgj_bad value. */
const char *tgj_bad_str(enum tgj_bad b);

/* ---- Segment files ---- */

/* The file name of the segment starting at first_lsn (tmp: the unfinished name). */
void tgj_seg_name(char out[TGJ_NAME_MAX], uint64_t first_lsn, bool tmp);

/* The directory's segments and unfinished segment files, sorted by LSN. */
struct tgj_listing {
	uint64_t *segs;
	size_t nsegs;
	uint64_t *tmps;
	size_t ntmps;
};
int tgj_seg_list(int dirfd, struct tgj_listing *l);
void tgj_seg_list_free(struct tgj_listing *l);

/*
 * Create the segment starting at first_lsn: header, preallocation and
 * (unless no_sync) fdatasync under a temporary name, then renamed into
 * place, so a segment file always has a whole header. The directory is
 * not synced here. Returns the open fd (read-write) or -errno.
 */
int tgj_seg_create(int dirfd, uint64_t first_lsn, size_t prealloc, bool no_sync);

/* Write n bytes at off, through short writes and signals. 0 or -errno. */
int tgj_pwrite_all(int fd, const void *p, size_t n, off_t off);

/* Preallocate fd up to bytes where the file system can; errors are ignored. */
void tgj_seg_prealloc(int fd, size_t bytes);

/*
 * One past the last byte of fd (size bytes) that may hold data, from
 * SEEK_DATA/SEEK_HOLE: preallocated, never written space reads as zeros
 * and is skipped without being read. size when the file system cannot say.
 */
size_t tgj_seg_data_end(int fd, size_t size);

/* A segment mapped read-only (map NULL when size is 0). */
struct tgj_map {
	const uint8_t *map;
	size_t size;		/* file size */
	size_t data_end;	/* tgj_seg_data_end() */
};
/* Open and map the segment first_lsn; len 0 maps the whole file. */
int tgj_seg_map(int dirfd, uint64_t first_lsn, size_t len, struct tgj_map *m);
void tgj_seg_unmap(struct tgj_map *m);

/* ---- Scanning one segment ---- */

struct tgj_scan {
	uint64_t records;	/* good records from the start */
	uint64_t last_lsn;	/* first_lsn - 1 when none */
	size_t end;		/* offset after the last good record */
	size_t garbage_end;	/* one past the last non-zero byte after end (end: clean) */
	enum tgj_bad bad;	/* what is at end when garbage_end > end */
	uint64_t bad_lsn;	/* the LSN found there (TGJ_BAD_LSN) */
	/* good records after the damage that were written after it was durable */
	bool later;
	size_t later_off;
	uint64_t later_lsn;
	/* good records after the damage from the same unsynced write */
	uint64_t torn_records;
};

/*
 * Verify every record of one mapped segment whose header says first_lsn
 * and classify what follows the last good one: free (zeroed) space, a
 * torn write, or damage followed by records that prove it was once good.
 */
void tgj_scan_seg(const struct tgj_map *m, uint64_t first_lsn, struct tgj_scan *s);

#endif /* TG_JOURNAL_INT_H */
