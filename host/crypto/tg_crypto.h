/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SM4 (GB/T 32907) for the host: ECB, CTR and GCM jobs run by an engine
 * with pluggable backends, keys held in numbered slots, and sealed
 * messages for the gateway and the journal.
 *
 * Backends:
 *   "gcrypt"   libgcrypt's SM4 (ECB, CTR, GCM): the fast software path,
 *              and the engine the card's C model computes with.
 *   "openssl"  OpenSSL's EVP SM4-ECB / SM4-CTR, with GCM built here from
 *              the CTR keystream and a GHASH written from SP 800-38D: the
 *              independent reference the tests compare against.
 *   "model"    a card of its own, the C reference model, through the
 *              driver's rings (docs/card-interface.md section 9).
 *   "sim"      a card of its own, the Verilated RTL, likewise.
 *
 * A job is shaped like a descriptor on the card's ring: it names the key
 * by slot, points at source and destination buffers, and carries the IV,
 * the AAD and the tag. Jobs are submitted in batches and handed back by
 * polling; the software backends finish a job inside submit, a card
 * finishes it later, and the caller cannot tell which.
 *
 * Keys never leave the engine: a slot can be loaded, replaced and
 * unloaded, never read. Every copy of key material (round keys, the GHASH
 * key) is wiped when its slot is unloaded or the engine closed. On a card
 * engine the key goes into the card's write-only slot and no copy stays
 * in host memory once the load returns.
 *
 * An engine is not thread-safe: one per thread, or the caller locks.
 */
#ifndef TG_CRYPTO_H
#define TG_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define TG_CRYPTO_KEY_LEN	16	/* SM4: 128-bit key */
#define TG_CRYPTO_BLOCK		16	/* SM4: 128-bit block */
#define TG_CRYPTO_KEY_SLOTS	16	/* slots per engine */
#define TG_CRYPTO_QUEUE_DEPTH	256	/* jobs submitted and not yet polled */
#define TG_CRYPTO_CTR_IV_LEN	16	/* CTR: the initial counter block */
#define TG_CRYPTO_GCM_IV_LEN	12	/* GCM: 96-bit IV only */
#define TG_CRYPTO_TAG_LEN	16	/* GCM: full 128-bit tag */
/* Card engines: one GCM job is one card job, so at most these (ECB and CTR are split). */
#define TG_CRYPTO_CARD_MAX_GCM	(1u << 24)	/* GCM text bytes */
#define TG_CRYPTO_CARD_MAX_AAD	(1u << 16)	/* GCM AAD bytes */

enum tg_crypto_mode {
	TG_CRYPTO_ECB = 1,	/* no padding: len a multiple of 16 */
	TG_CRYPTO_CTR = 2,	/* iv: initial counter block, +1 per block as a 128-bit big-endian integer */
	TG_CRYPTO_GCM = 3,	/* SP 800-38D with SM4, 96-bit IV, 128-bit tag (RFC 8998) */
};

enum tg_crypto_op {
	TG_CRYPTO_ENCRYPT = 0,
	TG_CRYPTO_DECRYPT = 1,
};

/*
 * One unit of work. The caller fills every field but status; for GCM the
 * tag is written on encrypt and read on decrypt. src and dst are the same
 * buffer or do not overlap. From submit until poll hands the job back, the
 * job and every buffer it points at belong to the engine: in particular a
 * job must not read a buffer that another job in flight writes (a card
 * overlaps jobs, reading one's source while earlier ones are still in the
 * cipher), so a chain of jobs each taking the last one's output runs one
 * job at a time.
 *
 * status after completion:
 *   0         done
 *   -EBADMSG  GCM decrypt: the tag did not verify; dst[0..len) is zeroed,
 *             so no unauthenticated plaintext is ever left behind
 *   -EINVAL   a bad job (unknown mode or op, empty or out-of-range key
 *             slot, ECB length not a multiple of 16, wrong IV length, AAD
 *             outside GCM, NULL buffer; on a card engine also GCM text
 *             above TG_CRYPTO_CARD_MAX_GCM or AAD above _MAX_AAD, or a job
 *             the card refused as BAD_JOB); dst untouched
 *   -EIO      the backend's library failed (out of memory), or the card
 *             went wrong (no progress, a result that matches no job);
 *             dst zeroed
 */
struct tg_crypto_job {
	uint8_t mode;			/* enum tg_crypto_mode */
	uint8_t op;			/* enum tg_crypto_op */
	uint8_t key_slot;		/* < TG_CRYPTO_KEY_SLOTS, loaded */
	uint8_t iv_len;			/* ECB 0, CTR 16, GCM 12 */
	uint32_t len;			/* bytes of src and of dst */
	const uint8_t *src;
	uint8_t *dst;
	uint8_t iv[16];
	const uint8_t *aad;		/* GCM only */
	uint32_t aad_len;
	uint8_t tag[TG_CRYPTO_TAG_LEN];	/* GCM: out on encrypt, in on decrypt */
	int status;			/* -EINPROGRESS while the engine owns it */
};

struct tg_crypto_engine;

/*
 * Open an engine on the named backend ("gcrypt", "openssl", or a card:
 * "model", "sim"), every key slot empty. 0 or -errno (-ENOENT: no such
 * backend; -ENOTSUP: the card has no SM4 engine; a card that cannot be
 * opened gives the driver's error, with its message on stderr).
 */
int tg_crypto_engine_open(const char *backend, struct tg_crypto_engine **out);
/* Unload every key slot (wiping it) and free the engine; NULL is fine. */
void tg_crypto_engine_close(struct tg_crypto_engine *e);
/* The backend's name, as given to tg_crypto_engine_open(). */
const char *tg_crypto_backend(const struct tg_crypto_engine *e);
/*
 * The card a card engine runs on, for tools and tests (counters, raw
 * registers); NULL for a software engine. Its rings are the engine's.
 */
struct tg_card;
struct tg_card *tg_crypto_engine_card(struct tg_crypto_engine *e);

/*
 * Load a 16-byte key into slot (replacing and wiping what was there) and
 * reset the slot's nonce state (fixed field 0, counter 0). The caller's
 * copy of the key is not kept; wipe it when done. On a card engine, jobs
 * submitted before the load finish under the old key first. 0 or -errno.
 */
int tg_crypto_key_load(struct tg_crypto_engine *e, unsigned slot,
		       const uint8_t key[TG_CRYPTO_KEY_LEN]);
/* Wipe and empty slot. 0, or -EINVAL for a slot out of range. */
int tg_crypto_key_unload(struct tg_crypto_engine *e, unsigned slot);

/*
 * Hand jobs[0..n-1] to the engine, in order. Returns how many were taken
 * (fewer than n when the queue of unpolled jobs is full: poll, then submit
 * the rest), or -EINVAL if e or jobs is NULL. A bad job is still taken and
 * completes with status -EINVAL, as a bad descriptor on the card would.
 */
int tg_crypto_submit(struct tg_crypto_engine *e, struct tg_crypto_job *jobs,
		     unsigned n);

/*
 * Up to max finished jobs, in submission order, their status set. Returns
 * the count (0 when nothing has finished).
 */
unsigned tg_crypto_poll(struct tg_crypto_engine *e, struct tg_crypto_job **done,
			unsigned max);

/*
 * Run one job to completion and return its status. It does not go
 * through the queue: jobs submitted earlier and not yet polled stay there
 * for the caller's own poll, and a full queue does not hold it up.
 */
int tg_crypto_run(struct tg_crypto_engine *e, struct tg_crypto_job *job);

/* ---- Sealed messages: nonce (12) ‖ ciphertext ‖ tag (16), SM4-GCM ---- */

#define TG_CRYPTO_SEAL_OVERHEAD	(TG_CRYPTO_GCM_IV_LEN + TG_CRYPTO_TAG_LEN)

/*
 * The nonce of each seal is the slot's 32-bit fixed field followed by its
 * 64-bit invocation counter, both big-endian; the counter goes up by one
 * per seal and is never reused with the same key. The fixed field tells
 * apart senders that share a key (give each one its own). A process that
 * loads a key it used before must resume the counter past the last value
 * it sealed with (a journal persists it): set both here. 0 or -errno.
 */
int tg_crypto_seal_init(struct tg_crypto_engine *e, unsigned slot,
			uint32_t fixed, uint64_t counter);

/*
 * The counter the next seal on slot will use (*exhausted set once the
 * last value, 2^64 - 1, has been used). 0 or -errno.
 */
int tg_crypto_seal_counter(const struct tg_crypto_engine *e, unsigned slot,
			   uint64_t *next, int *exhausted);

/*
 * Seal pt[0..len) with the key in slot, authenticating aad too (which is
 * not part of the message: both ends must know it). pt and out must not
 * overlap. Writes
 * len + TG_CRYPTO_SEAL_OVERHEAD bytes at out and returns that count, or
 * -errno: -ENOSPC (out_cap too small), -EOVERFLOW (the slot's counter is
 * spent: load a new key), -EINVAL.
 */
long tg_crypto_seal(struct tg_crypto_engine *e, unsigned slot,
		    const uint8_t *aad, uint32_t aad_len,
		    const uint8_t *pt, uint32_t len,
		    uint8_t *out, size_t out_cap);

/*
 * Counters already accepted from one sender (its fixed field), for
 * refusing replayed messages: the highest counter seen and a window of
 * the TG_CRYPTO_REPLAY_WINDOW below it, as IPsec does (RFC 4303 3.4.3), so
 * that messages reordered by less than the window still open once.
 */
#define TG_CRYPTO_REPLAY_WINDOW	64
struct tg_crypto_replay {
	uint32_t fixed;		/* the sender this window belongs to */
	int any;		/* a message has been accepted */
	uint64_t top;		/* highest counter accepted */
	uint64_t seen;		/* bit i: counter top - i accepted */
};

/* An empty window for the sender whose nonces start with fixed. */
void tg_crypto_replay_init(struct tg_crypto_replay *w, uint32_t fixed);

/*
 * Open a sealed message msg[0..msg_len) with the key in slot and the same
 * aad. Writes the plaintext at out and returns its length, or -errno:
 *   -EBADMSG   not authentic (any bit of nonce, ciphertext, tag or aad
 *              changed, wrong key, shorter than the overhead), or from
 *              another sender than replay's; no plaintext is left in out
 *              (whatever was decrypted is zeroed)
 *   -EALREADY  authentic-looking but its counter was already accepted or
 *              is older than the window: a replay; nothing decrypted
 *   -ENOSPC    out_cap too small; -EINVAL bad arguments
 * replay may be NULL (a journal reading its own file back); otherwise it
 * is advanced only by messages that authenticate.
 */
long tg_crypto_open(struct tg_crypto_engine *e, unsigned slot,
		    const uint8_t *aad, uint32_t aad_len,
		    const uint8_t *msg, size_t msg_len,
		    uint8_t *out, size_t out_cap,
		    struct tg_crypto_replay *replay);

#endif /* TG_CRYPTO_H */
