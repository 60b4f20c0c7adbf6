/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The journal: an append-only log of checksummed records in a directory,
 * the order path's memory. Every input is appended in processing order and
 * every outbound message after it; tg_journal_sync() makes all of it
 * durable at once (group commit) before the acknowledgements leave.
 *
 * Records carry a type (the caller's), a payload and a log sequence
 * number (LSN, 1, 2, 3 ... with no holes). Opening a journal checks every
 * record; a torn or corrupt tail (a crash in the middle of a write) is
 * reported and cut at the last good record, so appending resumes cleanly.
 * Damage before the tail (a bad record followed by good ones written after
 * it had been synced) is not a crash artefact: open refuses the journal
 * (-EBADMSG) and says where. docs/journal.md has the format and the rules.
 */
#ifndef TG_JOURNAL_H
#define TG_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TG_JOURNAL_MAX_PAYLOAD	65536

struct tg_journal;

struct tg_journal_opts {
	bool no_sync;		/* skip fdatasync and fsync (tests and benchmarks only) */
	bool read_only;		/* open for replay only: never create, cut or append */
	size_t segment_bytes;	/* start a new file past this size (0 = 256 MiB) */
};

/*
 * What open found. Zeros after the last record are free (preallocated)
 * space, not damage. A read_only open cuts nothing: cut_bytes then counts
 * the bytes it stopped before.
 */
struct tg_journal_report {
	uint64_t records;	/* good records */
	uint64_t last_lsn;	/* LSN of the last good record (0 = empty) */
	uint64_t cut_bytes;	/* bytes cut from the tail, up to its last non-zero byte (0 = clean) */
	char what[160];		/* "", or what was wrong with the tail and where */
};

struct tg_journal_rec {
	uint64_t lsn;
	uint16_t type;
	uint32_t len;
	const void *payload;
};

/*
 * Open (creating dir if missing, unless read_only) and check the journal.
 * 0 or -errno; on -EBADMSG rep->what says which file and offset. One
 * writer per directory (-EBUSY for a second); readers any time. rep may
 * be NULL; on other errors rep->what says what failed.
 */
int tg_journal_open(const char *dir, const struct tg_journal_opts *opts,
		    struct tg_journal **out, struct tg_journal_report *rep);
/* Sync what is pending and close; NULL is fine. */
void tg_journal_close(struct tg_journal *j);

/*
 * Call fn on every good record from the first, in LSN order, records
 * appended and not yet synced included. r->payload is valid during the
 * call only. Stops early and returns fn's value when it is not 0;
 * otherwise 0 or -errno.
 */
int tg_journal_replay(struct tg_journal *j,
		      int (*fn)(void *ctx, const struct tg_journal_rec *r),
		      void *ctx);

/*
 * Append one record (len <= TG_JOURNAL_MAX_PAYLOAD) to the write buffer;
 * *lsn (may be NULL) gets its LSN. Not durable until tg_journal_sync().
 * 0 or -errno: -EMSGSIZE too long, -EROFS read_only, or the error of an
 * earlier failed write or sync (the journal refuses from then on).
 */
int tg_journal_append(struct tg_journal *j, uint16_t type, const void *payload,
		      uint32_t len, uint64_t *lsn);

/*
 * Write and fdatasync every record appended so far. 0 or -errno; an
 * error is sticky (every later append and sync returns it).
 */
int tg_journal_sync(struct tg_journal *j);

/* LSN of the last record appended / made durable (0 = none). */
uint64_t tg_journal_last_lsn(const struct tg_journal *j);
uint64_t tg_journal_durable_lsn(const struct tg_journal *j);

#endif /* TG_JOURNAL_H */
