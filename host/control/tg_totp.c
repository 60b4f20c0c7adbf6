/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 6238 TOTP through liboath, with the replay rule and the secret file
 * checks of tg_totp.h.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <liboath/oath.h>

#include "control/tg_totp.h"

static pthread_once_t tg_totp_once = PTHREAD_ONCE_INIT;
static int tg_totp_init_rc;

/* liboath's global set-up. */
static void
tg_totp_init(void)
{
	tg_totp_init_rc = oath_init();
}

/* liboath's global set-up, once per process. */
static int
tg_totp_ready(void)
{
	pthread_once(&tg_totp_once, tg_totp_init);
	return tg_totp_init_rc == OATH_OK ? 0 : -EIO;
}

/* Base32 text, as apps show it, into a secret. */
int
tg_totp_parse(const char *text, struct tg_totp_secret *s)
{
	char *clean, *out = NULL;
	size_t n = 0, outlen = 0, len = strlen(text);
	int rc = -EINVAL;

	memset(s, 0, sizeof(*s));
	if (tg_totp_ready())
		return -EIO;
	if (!(clean = malloc(len + 8)))
		return -ENOMEM;
	/* liboath wants upper-case base32 without spaces; padding is optional */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (isspace(c) || c == '=' || c == '-')
			continue;
		clean[n++] = (char)toupper(c);
	}
	clean[n] = 0;
	if (n > 0 && oath_base32_decode(clean, n, &out, &outlen) == OATH_OK &&
	    outlen > 0 && outlen <= TG_TOTP_MAX_SECRET) {
		memcpy(s->key, out, outlen);
		s->len = outlen;
		rc = 0;
	}
	if (out) {
		memset(out, 0, outlen);
		free(out);
	}
	memset(clean, 0, n);
	free(clean);
	return rc;
}

/* Read a secret from a root-only file (checked on the open file). */
int
tg_totp_load(const char *path, struct tg_totp_secret *s, char *err, size_t errlen)
{
	struct stat st;
	char buf[512];
	ssize_t n;
	int fd, rc;

	memset(s, 0, sizeof(*s));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "TOTP secret file %s: %s", path, strerror(errno));
		return rc;
	}
	/* checked on the open file, so it cannot be swapped in between */
	if (fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "TOTP secret file %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "TOTP secret file %s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen, "TOTP secret file %s: owned by uid %u, not root: refused",
			 path, (unsigned)st.st_uid);
		close(fd);
		return -EPERM;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "TOTP secret file %s: mode %04o lets group or others at it"
			 " (chmod 600 it): refused", path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc) {
		snprintf(err, errlen, "TOTP secret file %s: %s", path, strerror(-rc));
		return rc;
	}
	if ((size_t)n == sizeof(buf) - 1) {
		snprintf(err, errlen, "TOTP secret file %s: too long for a secret", path);
		memset(buf, 0, sizeof(buf));
		return -EINVAL;
	}
	buf[n] = 0;
	rc = tg_totp_parse(buf, s);
	memset(buf, 0, sizeof(buf));
	if (rc)
		snprintf(err, errlen, "TOTP secret file %s: not a base32 secret of 1 to %d bytes",
			 path, TG_TOTP_MAX_SECRET);
	return rc;
}

/* The code for a time, by liboath. */
int
tg_totp_code(const struct tg_totp_secret *s, time_t now, char code[TG_TOTP_DIGITS + 1])
{
	if (tg_totp_ready())
		return -EIO;
	if (oath_totp_generate((const char *)s->key, s->len, now, TG_TOTP_STEP_S,
			       OATH_TOTP_DEFAULT_START_TIME, TG_TOTP_DIGITS, code) != OATH_OK)
		return -EIO;
	return 0;
}

/* A code checked against the window, the lock-out and the replay rule. */
int
tg_totp_check(const struct tg_totp_secret *s, struct tg_totp_state *st,
	      const char *code, time_t now, uint64_t *step)
{
	uint64_t matched = 0;
	int pos = 0, rc;

	if (tg_totp_ready())
		return -EIO;
	if (strlen(code) != TG_TOTP_DIGITS)
		return -EINVAL;
	for (int i = 0; i < TG_TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return -EINVAL;
	if ((int64_t)now < st->locked_until)
		return -EBUSY;
	/* liboath takes the number of digits from the code's length */
	rc = oath_totp_validate3((const char *)s->key, s->len, now, TG_TOTP_STEP_S,
				 OATH_TOTP_DEFAULT_START_TIME, TG_TOTP_WINDOW, &pos,
				 &matched, code);
	if (rc < 0) {
		if (rc != OATH_INVALID_OTP)
			return -EIO;
		if (++st->failures >= TG_TOTP_MAX_FAILURES) {
			st->failures = 0;
			st->locked_until = (int64_t)now + TG_TOTP_LOCKOUT_S;
		}
		return -EACCES;
	}
	if (matched <= st->last_step)
		return -EALREADY;
	st->last_step = matched;
	st->failures = 0;
	if (step)
		*step = matched;
	return 0;
}
