/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the journal tests share: a seeded generator (TG_JOURNAL_SEED in the
 * environment replays a run), record contents that are a function of the
 * LSN (so any reader can check any record), scratch directories, byte
 * snapshots of a directory, and a reader of the on-disk format written
 * from docs/journal.md with its own bit-at-a-time CRC-32C, sharing no
 * code with host/journal/.
 */
#ifndef TEST_JOURNAL_UTIL_H
#define TEST_JOURNAL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal/tg_journal.h"

/* The run's seed (TG_JOURNAL_SEED, else a fixed one), logged once. */
uint64_t tju_seed(void);
/* splitmix64 from *s. */
uint64_t tju_next(uint64_t *s);
/* Uniform in [0, n). */
uint32_t tju_below(uint64_t *s, uint32_t n);

/*
 * The record the tests store at lsn under salt: type, length (at most
 * maxlen: 0 and maxlen turn up often, small lengths most) and bytes.
 * p must hold maxlen bytes.
 */
struct tju_rec {
	uint16_t type;
	uint32_t len;
};
struct tju_rec tju_payload(uint64_t salt, uint64_t lsn, uint32_t maxlen, uint8_t *p);

/* Append lsn first..last with tju_payload, syncing every `every` (0: at the end). */
void tju_append_range(struct tg_journal *j, uint64_t salt, uint64_t first,
		      uint64_t last, uint32_t maxlen, unsigned every);
/*
 * Replay j and assert it yields exactly LSNs 1..last, each equal to
 * tju_payload(salt, lsn, maxlen).
 */
void tju_check_replay(struct tg_journal *j, uint64_t salt, uint64_t last, uint32_t maxlen);
/* The same, comparing types and payloads only from LSN from on (LSNs all of them). */
void tju_check_replay_from(struct tg_journal *j, uint64_t salt, uint64_t from, uint64_t last,
			   uint32_t maxlen);

/* Open, asserting success; prints rep->what on failure. */
struct tg_journal *tju_open(const char *dir, size_t segment_bytes, bool read_only,
			    struct tg_journal_report *rep);

/* A fresh directory under /tmp (path in out, 64 bytes); removal. */
void tju_mkdtemp(char out[64]);
void tju_rmrf(const char *dir);
/* Copy every regular file of src into dst (created). */
void tju_copy_dir(const char *src, const char *dst);

/* Every file of a directory, by name, with its bytes. */
struct tju_snap {
	size_t n;
	char (*names)[64];
	uint8_t **data;
	size_t *size;
};
void tju_snap_take(const char *dir, struct tju_snap *s);
/* Assert two snapshots are equal byte for byte. */
void tju_snap_assert_eq(const struct tju_snap *a, const struct tju_snap *b);
void tju_snap_free(struct tju_snap *s);

/* Whole file into memory (*size); NULL if it cannot be read. */
uint8_t *tju_read_file(const char *path, size_t *size);
/* Replace a file's contents. */
void tju_write_file(const char *path, const uint8_t *p, size_t n);

/* ---- The independent reader ---- */

/* CRC-32C bit by bit (reflected polynomial 0x82F63B78). */
uint32_t tju_crc32c(const void *p, size_t n);

/* One record as the reader found it. */
struct tju_found {
	uint64_t lsn;
	uint16_t type;
	uint32_t len;
	uint32_t since_sync;
	int file;		/* index into tju_journal.files */
	size_t off;		/* offset of its header */
	size_t bytes;		/* header + payload + padding */
	uint8_t *payload;	/* copy */
};

struct tju_file {
	char name[64];
	uint64_t first_lsn;	/* from the header */
	size_t size;		/* file size */
	size_t end;		/* offset after the last record the reader accepted */
	bool rest_zero;		/* every byte after end is zero */
};

struct tju_journal {
	struct tju_file *files;
	size_t nfiles;
	struct tju_found *recs;
	size_t nrecs;
};

/*
 * Read every "<20 digits>.tgj" of dir in name order: each header
 * asserted valid, records taken while whole with a good CRC. LSN order is
 * not judged (the caller does).
 */
void tju_read(const char *dir, struct tju_journal *out);
void tju_read_free(struct tju_journal *r);

/* Encode a record the way docs/journal.md says; returns its bytes. */
size_t tju_encode(uint8_t *out, uint64_t lsn, uint16_t type, const void *payload,
		  uint32_t len, uint32_t since_sync);

/* Path of file `name` in dir, into out (512 bytes). */
void tju_path(char out[512], const char *dir, const char *name);

#endif /* TEST_JOURNAL_UTIL_H */
