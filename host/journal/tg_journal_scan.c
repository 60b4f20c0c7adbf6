/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verifying one segment. Records are checked from the file header on
 * while each is whole, its checksum right and its LSN the next one. What
 * follows the last good record is one of:
 *
 *   - nothing but zeros: free (preallocated) space, the clean end;
 *   - a torn write: data that is not a good record, possibly with good
 *     records of the same unsynced write after a hole (the kernel writes
 *     pages back in any order, so a crash can keep a later page and lose
 *     an earlier one);
 *   - damage: a good record after it that was written when the record at
 *     the damage was already durable. Each record stores how many records
 *     had been appended since the last sync (since_sync), so its LSN minus
 *     that count is the last LSN that was durable when it was written. A
 *     record that says "LSN n was durable" proves the bytes of n were once
 *     good, so losing them is not a crash artefact.
 *
 * The journal object decides what to do with each (tg_journal.c).
 */
#include <string.h>

#include "journal/tg_journal_int.h"

/* One past the last non-zero byte of p[from..to), or from. */
static size_t
tgj_last_nonzero(const uint8_t *p, size_t from, size_t to)
{
	while (to > from && (to & 7))
		if (p[--to])
			return to + 1;
	while (to >= from + 8) {
		uint64_t w;

		memcpy(&w, p + to - 8, 8);
		if (w)
			break;
		to -= 8;
	}
	while (to > from)
		if (p[--to])
			return to + 1;
	return from;
}

/*
 * Look for good records at every aligned offset in [from, to) whose LSN is
 * at least expect. Stops at the first that proves expect was durable.
 */
static void
tgj_search_later(const uint8_t *p, size_t size, size_t from, size_t to,
		 uint64_t expect, struct tgj_scan *s)
{
	for (size_t q = from; q < to && size - q >= TGJ_REC_HDR; q += TGJ_ALIGN) {
		uint32_t len;
		uint64_t lsn;
		struct tgj_rec r;

		/* cheap filters first: most offsets fail here */
		memcpy(&len, p + q + 4, 4);
		memcpy(&lsn, p + q + 8, 8);
		if (len > TG_JOURNAL_MAX_PAYLOAD || lsn < expect)
			continue;
		if (tgj_rec_decode(p + q, size - q, &r) != TGJ_OK)
			continue;
		if (r.lsn - r.since_sync >= expect) {
			s->later = true;
			s->later_off = q;
			s->later_lsn = r.lsn;
			return;
		}
		s->torn_records++;
		q += r.bytes - TGJ_ALIGN;
	}
}

/*
 * A reader of a live journal (read_only, no lock) can read the record at
 * the end while the writer is still copying it, then find the writer's
 * next sync after it, which says that record was durable. Before calling
 * that damage the scan reads the record again: stores are seen in order,
 * so if the later write is visible the earlier one is too, and a record
 * that is now good means the writer moved on, not that the disk lost it.
 * Real damage reads the same the second time.
 */
void
tgj_scan_seg(const struct tgj_map *m, uint64_t first_lsn, struct tgj_scan *s)
{
	const uint8_t *p = m->map;
	size_t size = m->size, off = TGJ_FILE_HDR;
	uint64_t expect = first_lsn;
	struct tgj_rec r;

	memset(s, 0, sizeof(*s));
	for (;;) {
		enum tgj_bad bad = TGJ_OK;

		while (off < size) {
			bad = tgj_rec_decode(p + off, size - off, &r);
			if (bad == TGJ_OK && r.lsn != expect) {
				bad = TGJ_BAD_LSN;
				s->bad_lsn = r.lsn;
			}
			if (bad != TGJ_OK)
				break;
			off += r.bytes;
			expect++;
			s->records++;
		}
		s->end = off;
		s->last_lsn = expect - 1;
		s->garbage_end = off;
		s->later = false;
		s->torn_records = 0;
		if (off >= size)
			return;

		size_t data_end = m->data_end < size ? m->data_end : size;
		if (data_end > off)
			s->garbage_end = tgj_last_nonzero(p, off, data_end);
		if (s->garbage_end == off)
			return;		/* zeros to the end: free space */
		s->bad = bad;
		tgj_search_later(p, size, off, s->garbage_end, expect, s);
		if (!s->later)
			return;
		__asm__ volatile("" ::: "memory");	/* read the bytes again */
		if (tgj_rec_decode(p + off, size - off, &r) != TGJ_OK || r.lsn != expect)
			return;
	}
}
