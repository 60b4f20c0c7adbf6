/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TOTP against RFC 6238 Appendix B (SHA-1, the 20-byte ASCII key
 * "12345678901234567890"): the 8-digit codes printed there, cut to the 6
 * digits we use (a code is the truncated value mod 10^digits, RFC 4226
 * 5.3, so the last 6 digits of the 8-digit code). Then the replay rule,
 * the clock window, the lock-out, and the secret file's checks.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/tg_totp.h"

/* RFC 6238 Appendix B, SHA-1 column */
static const struct {
	time_t t;
	const char *code8;
} rfc6238[] = {
	{ 59, "94287082" },
	{ 1111111109, "07081804" },
	{ 1111111111, "14050471" },
	{ 1234567890, "89005924" },
	{ 2000000000, "69279037" },
	{ 20000000000, "65353130" },
};

/* base32 of "12345678901234567890" (RFC 4648) */
#define RFC_SECRET_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tg-totp-XXXXXX");
	cr_assert(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(control_totp, .init = setup, .fini = teardown, .timeout = 60);

static void
rfc_secret(struct tg_totp_secret *s)
{
	cr_assert_eq(tg_totp_parse(RFC_SECRET_B32, s), 0);
	cr_assert_eq(s->len, 20);
	cr_assert_eq(memcmp(s->key, "12345678901234567890", 20), 0);
}

Test(control_totp, rfc6238_vectors)
{
	struct tg_totp_secret s;
	char code[TG_TOTP_DIGITS + 1];

	rfc_secret(&s);
	for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
		struct tg_totp_state st = { 0 };
		const char *want = rfc6238[i].code8 + 2;
		uint64_t step = 0;

		cr_assert_eq(tg_totp_code(&s, rfc6238[i].t, code), 0);
		cr_assert_str_eq(code, want, "T = %lld", (long long)rfc6238[i].t);
		cr_assert_eq(tg_totp_check(&s, &st, want, rfc6238[i].t, &step), 0,
			     "T = %lld", (long long)rfc6238[i].t);
		cr_assert_eq(step, (uint64_t)rfc6238[i].t / 30);
		cr_assert_eq(st.last_step, step);
	}
}

Test(control_totp, wrong_and_malformed_codes)
{
	struct tg_totp_secret s;
	struct tg_totp_state st = { 0 };
	time_t t = 1111111111;

	rfc_secret(&s);
	cr_assert_eq(tg_totp_check(&s, &st, "050472", t, NULL), -EACCES);
	cr_assert_eq(tg_totp_check(&s, &st, "14050471", t, NULL), -EINVAL);	/* the 8-digit code */
	cr_assert_eq(tg_totp_check(&s, &st, "05047", t, NULL), -EINVAL);
	cr_assert_eq(tg_totp_check(&s, &st, "05047a", t, NULL), -EINVAL);
	cr_assert_eq(tg_totp_check(&s, &st, "", t, NULL), -EINVAL);
	cr_assert_eq(st.last_step, 0);
	cr_assert_eq(st.failures, 1);
	cr_assert_eq(tg_totp_check(&s, &st, "050471", t, NULL), 0);
	cr_assert_eq(st.failures, 0);
}

Test(control_totp, replay_is_refused)
{
	struct tg_totp_secret s;
	struct tg_totp_state st = { 0 };
	char now[7], before[7], after[7];
	time_t t = 1700000000;

	rfc_secret(&s);
	tg_totp_code(&s, t, now);
	tg_totp_code(&s, t - 30, before);
	tg_totp_code(&s, t + 30, after);
	cr_assert_eq(tg_totp_check(&s, &st, now, t, NULL), 0);
	/* the same code again, in the same step or the next */
	cr_assert_eq(tg_totp_check(&s, &st, now, t + 1, NULL), -EALREADY);
	cr_assert_eq(tg_totp_check(&s, &st, now, t + 30, NULL), -EALREADY);
	/* an older step's code, still inside the clock window */
	cr_assert_eq(tg_totp_check(&s, &st, before, t, NULL), -EALREADY);
	/* the next step's code is new */
	cr_assert_eq(tg_totp_check(&s, &st, after, t + 30, NULL), 0);
	cr_assert_eq(st.last_step, (uint64_t)(t + 30) / 30);
}

Test(control_totp, clock_window)
{
	struct tg_totp_secret s;
	struct tg_totp_state st = { 0 };
	char c[7];
	time_t t = 1700000010;

	rfc_secret(&s);
	/* one step either side is accepted, two is not */
	tg_totp_code(&s, t + 60, c);
	cr_assert_eq(tg_totp_check(&s, &st, c, t, NULL), -EACCES);
	tg_totp_code(&s, t - 60, c);
	cr_assert_eq(tg_totp_check(&s, &st, c, t, NULL), -EACCES);
	tg_totp_code(&s, t + 30, c);
	cr_assert_eq(tg_totp_check(&s, &st, c, t, NULL), 0);
	/* having used the step ahead, the current step's code is a replay */
	tg_totp_code(&s, t, c);
	cr_assert_eq(tg_totp_check(&s, &st, c, t, NULL), -EALREADY);
}

Test(control_totp, lockout_after_wrong_codes)
{
	struct tg_totp_secret s;
	struct tg_totp_state st = { 0 };
	char c[7], wrong[16];
	time_t t = 1700000000;

	rfc_secret(&s);
	tg_totp_code(&s, t, c);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(c) + 1) % 1000000);
	for (int i = 0; i < TG_TOTP_MAX_FAILURES; i++)
		cr_assert_eq(tg_totp_check(&s, &st, wrong, t, NULL), -EACCES);
	cr_assert_eq(tg_totp_check(&s, &st, c, t, NULL), -EBUSY);
	cr_assert_eq(tg_totp_check(&s, &st, c, t + TG_TOTP_LOCKOUT_S - 1, NULL), -EBUSY);
	tg_totp_code(&s, t + TG_TOTP_LOCKOUT_S, c);
	cr_assert_eq(tg_totp_check(&s, &st, c, t + TG_TOTP_LOCKOUT_S, NULL), 0);
}

static void
write_secret(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(chmod(path, mode), 0);
}

Test(control_totp, secret_file)
{
	struct tg_totp_secret s;
	char path[128], err[512];

	snprintf(path, sizeof(path), "%s/op.totp", dir);
	/* as apps show it: lower case, groups of four, padding, a newline */
	write_secret(path, "gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n", 0600);
	cr_assert_eq(tg_totp_load(path, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.len, 20);
	cr_assert_eq(memcmp(s.key, "12345678901234567890", 20), 0);
	write_secret(path, RFC_SECRET_B32 "====\n", 0400);
	cr_assert_eq(tg_totp_load(path, &s, err, sizeof(err)), 0, "%s", err);

	write_secret(path, RFC_SECRET_B32, 0640);
	cr_assert_eq(tg_totp_load(path, &s, err, sizeof(err)), -EPERM);
	cr_assert(strstr(err, path) && strstr(err, "group or others") && strstr(err, "0640"),
		  "%s", err);
	cr_assert_eq(s.len, 0);
	write_secret(path, RFC_SECRET_B32, 0604);
	cr_assert_eq(tg_totp_load(path, &s, err, sizeof(err)), -EPERM);
	write_secret(path, RFC_SECRET_B32, 0602);
	cr_assert_eq(tg_totp_load(path, &s, err, sizeof(err)), -EPERM);

	write_secret(path, "not base32 at all!", 0600);
	cr_assert_eq(tg_totp_load(path, &s, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "base32"), "%s", err);
	write_secret(path, "\n", 0600);
	cr_assert_eq(tg_totp_load(path, &s, err, sizeof(err)), -EINVAL);

	snprintf(path, sizeof(path), "%s/none.totp", dir);
	cr_assert_eq(tg_totp_load(path, &s, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, path), "%s", err);
	cr_assert_eq(tg_totp_load(dir, &s, err, sizeof(err)), -EINVAL);
}

/* Owned by someone else (only root can arrange that). */
Test(control_totp, secret_file_of_another_owner)
{
	struct tg_totp_secret s;
	char path[128], err[512];

	if (geteuid() != 0)
		cr_skip_test("needs root to give the file away");
	snprintf(path, sizeof(path), "%s/op.totp", dir);
	write_secret(path, RFC_SECRET_B32, 0600);
	cr_assert_eq(chown(path, 65534, 65534), 0);
	cr_assert_eq(tg_totp_load(path, &s, err, sizeof(err)), -EPERM);
	cr_assert(strstr(err, "owned by uid 65534"), "%s", err);
}
