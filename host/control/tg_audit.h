/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's tamper-evident audit log: one JSON object a line,
 * each chained to the one before it by SM3, appended and fsync'd before
 * the action it records takes effect.
 *
 * A record is the JSON object R the caller describes, with "seq" (1, 2,
 * ...) and "time" (UTC, RFC 3339 with nanoseconds) put first. Its hash is
 *     h(n) = SM3(h(n-1) || R(n)),   h(0) = 32 zero bytes,
 * where R(n) is the compact JSON text exactly as written. The line on
 * disk is R(n) with ,"hash":"<64 hex digits of h(n)>" added before its
 * closing brace, so every line stays one valid JSON object and R(n) is
 * recovered byte for byte by cutting the hash back out.
 *
 * The anchor. A chain alone cannot show that records were cut off its
 * end, so every append also rewrites PATH.head (atomically: a temporary
 * file, fsync, rename, fsync of the directory) with the last record's
 * seq, its hash and the log's length. Verification holds the log to its
 * anchor: fewer records than the anchor names is a truncation, a last
 * record whose hash differs from the anchor's is an edit.
 *
 * When the anchor is written. Only the record has to be durable before
 * the action it records takes effect; the anchor can follow. So an append
 * writes and fsyncs the record and returns, leaving the anchor one record
 * behind, and the anchor catches up on tg_audit_flush() (the control plane
 * calls it once the request is answered) or at the start of the next
 * append, whichever comes first. The anchor is thus never more than one
 * record behind, and never ahead.
 *
 * Crash windows. A crash with the anchor one record behind leaves one
 * whole record past it; a crash during the write leaves an incomplete
 * line past it. Both verify (reported as "pending": a record past the
 * anchor may or may not have been acted on; an incomplete one was never
 * acknowledged), and tg_audit_open() completes the first (anchor
 * rewritten) and discards the second (file cut back to the anchor's
 * length). Cutting off exactly that one last record, when it lies past
 * the anchor, is the one truncation the anchor cannot show.
 *
 * What this does not do. SM3 here is unkeyed: someone who can write the
 * log and its anchor (root) can rewrite the whole chain from the first
 * altered record on, and verification cannot tell. The protection against
 * that is to keep a head (seq and hash, printed by `tickgate audit
 * verify`) somewhere the appliance's root cannot reach, and check it later
 * with --head SEQ:HASH: the chain then proves every record up to it.
 */
#ifndef TG_AUDIT_H
#define TG_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define TG_AUDIT_HASH_LEN	32	/* SM3 */

struct tg_audit;

/* What verification found. */
struct tg_audit_report {
	uint64_t records;	/* whole records whose chain verified */
	uint64_t first_bad;	/* position (1-based, = its seq when intact) of the first bad record; 0 = none */
	uint64_t anchor_seq;	/* the record the anchor names; 0 = no anchor */
	uint8_t head[TG_AUDIT_HASH_LEN];	/* hash of the last record that verified */
	int pending;		/* 1: an interrupted append past the anchor (not an error) */
	char why[320];		/* what is wrong (or the pending note), one line */
};

/* Options of tg_audit_verify_ex(); every field may be zero. */
struct tg_audit_verify_opts {
	/* a head recorded elsewhere: record expect_seq must have this hash */
	uint64_t expect_seq;
	uint8_t expect_hash[TG_AUDIT_HASH_LEN];
	/* called for each record that verified, in order */
	void (*record)(void *ctx, uint64_t seq, json_t *rec);
	void *ctx;
};

/*
 * Check the log at path and its anchor path.head. 0 if intact (rep says
 * how many records, the head, and whether an append is pending);
 * -EBADMSG if not (rep->first_bad names the first record that is not
 * what the chain and the anchor say, rep->why says how); other -errno if
 * a file cannot be read. A log that does not exist, with no anchor, is an
 * intact empty log.
 */
int tg_audit_verify(const char *path, struct tg_audit_report *rep);
int tg_audit_verify_ex(const char *path, const struct tg_audit_verify_opts *o,
		       struct tg_audit_report *rep);

/*
 * Open (creating it and its directory if missing) the log at path for
 * appending. The existing log is verified first (o->record sees every
 * record, so a caller can rebuild state from it); a log that does not
 * verify is refused with -EBADMSG and rep says why: move it aside and
 * start a new one. An interrupted last append is completed or discarded
 * as described above. rep may be NULL.
 */
int tg_audit_open(const char *path, const struct tg_audit_verify_opts *o,
		  struct tg_audit **out, struct tg_audit_report *rep);
void tg_audit_close(struct tg_audit *a);

/*
 * Append one record: rec's members (in their order) after "seq" and
 * "time". Written and fsync'd before it returns, so a caller acts only
 * after 0. *seq (may be NULL) gets its seq. -errno if it could not be
 * made durable (-ESTALE: someone else wrote to the log); the log is then
 * left as it was. rec must not hold "seq", "time" or "hash".
 */
int tg_audit_append(struct tg_audit *a, json_t *rec, uint64_t *seq);

/* Bring the anchor up to the last record: 0 or -errno. */
int tg_audit_flush(struct tg_audit *a);

/* The last record's seq and hash (0 and zeros for an empty log). */
uint64_t tg_audit_head(const struct tg_audit *a, uint8_t hash[TG_AUDIT_HASH_LEN]);

/* Parse 64 hex digits into a hash; 0 or -EINVAL. */
int tg_audit_hash_parse(const char *hex, uint8_t hash[TG_AUDIT_HASH_LEN]);
/* 64 hex digits and a NUL. */
void tg_audit_hash_hex(const uint8_t hash[TG_AUDIT_HASH_LEN], char hex[2 * TG_AUDIT_HASH_LEN + 1]);

#endif /* TG_AUDIT_H */
