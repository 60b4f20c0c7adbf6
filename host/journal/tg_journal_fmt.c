/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The journal's on-disk format: CRC-32C, the file header and the record
 * header. docs/journal.md describes the same bytes in prose; the tests
 * read the files with their own reader written from that description.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "journal/tg_journal_int.h"

/*
 * CRC-32C with DPDK's rte_hash_crc(): the SSE4.2 crc32 instruction eight
 * bytes at a time (a table fallback on CPUs without it). rte_hash_crc is
 * the raw register update, so the standard pre- and post-inversion are
 * applied here.
 */
uint32_t
tgj_crc32c(const void *p, size_t n)
{
	return ~rte_hash_crc(p, (uint32_t)n, 0xFFFFFFFFu);
}

/* Little-endian stores and loads, alignment-free. */
static inline void
put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static inline void
put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static inline uint16_t
get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static inline uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static inline uint64_t
get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

/*
 * The file header: magic, version, its own length, the first LSN the
 * file holds (the same number as its name), and a checksum of the rest.
 */
void
tgj_file_hdr_encode(uint8_t out[TGJ_FILE_HDR], uint64_t first_lsn)
{
	memcpy(out, TGJ_MAGIC, 8);
	put32(out + 8, TGJ_VERSION);
	put32(out + 12, TGJ_FILE_HDR);
	put64(out + 16, first_lsn);
	put32(out + 24, 0);
	put32(out + 28, tgj_crc32c(out, 28));
}

/* Check a file header; a file that is not exactly this version is refused. */
int
tgj_file_hdr_decode(const uint8_t *p, size_t n, uint64_t *first_lsn)
{
	if (n < TGJ_FILE_HDR || memcmp(p, TGJ_MAGIC, 8) != 0 ||
	    get32(p + 8) != TGJ_VERSION || get32(p + 12) != TGJ_FILE_HDR ||
	    get32(p + 24) != 0 || get32(p + 28) != tgj_crc32c(p, 28))
		return -EBADMSG;
	*first_lsn = get64(p + 16);
	return 0;
}

/*
 * One record: header, payload, zero padding to 8 bytes. The checksum
 * covers everything after itself (rest of the header, payload and
 * padding), so no byte of a record can change unnoticed.
 */
uint32_t
tgj_rec_encode(uint8_t *out, uint64_t lsn, uint16_t type, const void *payload,
	       uint32_t len, uint32_t since_sync)
{
	uint32_t bytes = tgj_rec_bytes(len);

	put32(out + 4, len);
	put64(out + 8, lsn);
	put16(out + 16, type);
	put16(out + 18, 0);
	put32(out + 20, since_sync);
	if (len)
		memcpy(out + TGJ_REC_HDR, payload, len);
	memset(out + TGJ_REC_HDR + len, 0, bytes - TGJ_REC_HDR - len);
	put32(out, tgj_crc32c(out + 4, bytes - 4));
	return bytes;
}

/* True when n bytes at p are all zero. */
static bool
tgj_zero(const uint8_t *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (p[k])
			return false;
	return true;
}

/*
 * Decode the record at p, verifying its checksum when verify is set. The
 * cheap checks come first so the search for good records after damage
 * (tg_journal_scan.c) rarely computes a CRC.
 */
static enum tgj_bad
tgj_rec_read(const uint8_t *p, size_t avail, struct tgj_rec *r, bool verify)
{
	if (avail < TGJ_REC_HDR)
		return TGJ_SHORT_HDR;

	uint32_t len = get32(p + 4);
	if (len > TG_JOURNAL_MAX_PAYLOAD)
		return TGJ_BAD_LEN;
	uint32_t bytes = tgj_rec_bytes(len);
	if (bytes > avail)
		return TGJ_SHORT_REC;
	if (verify && get32(p) != tgj_crc32c(p + 4, bytes - 4))
		return tgj_zero(p, TGJ_REC_HDR) ? TGJ_ZEROS : TGJ_BAD_CRC;

	r->len = len;
	r->lsn = get64(p + 8);
	r->type = get16(p + 16);
	r->since_sync = get32(p + 20);
	r->bytes = bytes;
	r->payload = p + TGJ_REC_HDR;
	if (get16(p + 18) != 0 || r->lsn == 0 || r->since_sync == 0 ||
	    r->since_sync > r->lsn)
		return TGJ_BAD_FIELDS;
	return TGJ_OK;
}

/* Decode and verify (the scan's view of a record). */
enum tgj_bad
tgj_rec_decode(const uint8_t *p, size_t avail, struct tgj_rec *r)
{
	return tgj_rec_read(p, avail, r, true);
}

/* Replay walks records open has verified: the structure is rechecked, not the CRC. */
enum tgj_bad
tgj_rec_peek(const uint8_t *p, size_t avail, struct tgj_rec *r)
{
	return tgj_rec_read(p, avail, r, false);
}

/* The words the report uses for each kind of bad record. */
const char *
tgj_bad_str(enum tgj_bad b)
{
	switch (b) {
	case TGJ_OK:
		return "good record";
	case TGJ_SHORT_HDR:
		return "file ends inside a record header";
	case TGJ_BAD_LEN:
		return "record length over the maximum";
	case TGJ_SHORT_REC:
		return "file ends inside a record";
	case TGJ_BAD_CRC:
		return "checksum mismatch";
	case TGJ_ZEROS:
		return "zeroed bytes before data";
	case TGJ_BAD_FIELDS:
		return "bad reserved or sync field";
	case TGJ_BAD_LSN:
		return "LSN out of sequence";
	}
	return "?";
}
