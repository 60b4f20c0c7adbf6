/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Second factor for destructive control commands: TOTP (RFC 6238) as
 * authenticator apps compute it, HMAC-SHA-1, 6 digits, 30-second steps
 * from the Unix epoch, through liboath.
 *
 * A code is accepted for the current step or the one before or after it
 * (clocks a little apart), and only once: each operator's last accepted
 * step is kept, and a code for that step or an earlier one is refused as
 * a replay, even if it is right. After TG_TOTP_MAX_FAILURES wrong codes in
 * a row an operator's codes are refused for TG_TOTP_LOCKOUT_S seconds, so
 * guessing a million codes is not an option.
 *
 * Secrets sit in files of their own, base32 (as apps show them; spaces,
 * line breaks, lower case and '=' padding allowed), owned by root (or the
 * user the appliance runs as) and unreadable by anyone else: a file that
 * group or others may read or write is refused.
 */
#ifndef TG_TOTP_H
#define TG_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TG_TOTP_DIGITS		6
#define TG_TOTP_STEP_S		30
#define TG_TOTP_WINDOW		1	/* steps either side of now */
#define TG_TOTP_MAX_SECRET	64	/* bytes */
#define TG_TOTP_MAX_FAILURES	5
#define TG_TOTP_LOCKOUT_S	60

struct tg_totp_secret {
	uint8_t key[TG_TOTP_MAX_SECRET];
	size_t len;
};

/* One operator's replay and failure state; zero it to start. */
struct tg_totp_state {
	uint64_t last_step;	/* the last step a code was accepted for; 0 = none yet */
	unsigned failures;	/* wrong codes in a row */
	int64_t locked_until;	/* Unix time; codes refused before it */
};

/*
 * Read the secret from path. 0, or -EPERM (the file is not root-only:
 * owned by someone else, or group/other bits set), -EINVAL (not base32,
 * empty, or longer than TG_TOTP_MAX_SECRET bytes), -errno; err gets a
 * one-line message naming the file in each case.
 */
int tg_totp_load(const char *path, struct tg_totp_secret *s, char *err, size_t errlen);

/* Decode base32 text (same leniency as the file) into s: 0 or -EINVAL. */
int tg_totp_parse(const char *text, struct tg_totp_secret *s);

/*
 * Check code at Unix time now for the operator whose state is st:
 *   0         accepted (*step, if not NULL, gets its time step)
 *   -EINVAL   not TG_TOTP_DIGITS digits
 *   -EACCES   wrong code
 *   -EALREADY a right code for a step already used (replay)
 *   -EBUSY    too many wrong codes: locked out until st->locked_until
 * Only an accepted code changes st->last_step; a wrong one counts a failure.
 */
int tg_totp_check(const struct tg_totp_secret *s, struct tg_totp_state *st,
		  const char *code, time_t now, uint64_t *step);

/* The code for time now, NUL-terminated: 0 or -EIO. */
int tg_totp_code(const struct tg_totp_secret *s, time_t now,
		 char code[TG_TOTP_DIGITS + 1]);

/* The time step that contains now. */
static inline uint64_t
tg_totp_step(time_t now)
{
	return now < 0 ? 0 : (uint64_t)now / TG_TOTP_STEP_S;
}

#endif /* TG_TOTP_H */
