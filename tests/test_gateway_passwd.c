/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Password hashes for [user.*] sections: the format, the check, and
 * `tickgate passwd`, with libgcrypt's scrypt as the independent oracle
 * that recomputes each key from the string's own parameters and salt.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <gcrypt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "gateway/tg_gw.h"

#define TICKGATE TG_BUILD_DIR "/tickgate"

static void
setup(void)
{
	if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		cr_assert(gcry_check_version(GCRYPT_VERSION));
		gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
		gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	}
}

TestSuite(gateway_passwd, .init = setup, .timeout = 120);

/* RFC 4648 base64 without padding, decoded by hand. Returns the byte count or -1. */
static int
unb64(const char *s, size_t n, uint8_t *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	int bits = 0, k = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = strchr(a, s[i]);

		if (!p || !s[i])
			return -1;
		acc = acc << 6 | (uint32_t)(p - a);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (uint8_t)(acc >> bits);
		}
	}
	return k;
}

/*
 * Check hash against pw with libgcrypt: the shape, then the key derived
 * from the string's ln and salt. Returns 1 when it matches.
 */
static int
oracle(const char *hash, const char *pw, unsigned want_ln)
{
	regex_t re;
	regmatch_t m[4];
	uint8_t salt[32], key[48], got[32];
	unsigned ln;

	cr_assert_eq(regcomp(&re, "^\\$scrypt\\$ln=([0-9]+),r=8,p=1\\$([A-Za-z0-9+/]{22})\\$([A-Za-z0-9+/]{43})$",
			     REG_EXTENDED), 0);
	cr_assert_eq(regexec(&re, hash, 4, m, 0), 0, "not the documented shape: %s", hash);
	regfree(&re);
	ln = (unsigned)atoi(hash + m[1].rm_so);
	cr_assert_eq(ln, want_ln);
	cr_assert_eq(unb64(hash + m[2].rm_so, (size_t)(m[2].rm_eo - m[2].rm_so), salt), 16);
	cr_assert_eq(unb64(hash + m[3].rm_so, (size_t)(m[3].rm_eo - m[3].rm_so), key), 32);
	/* libgcrypt's scrypt: subalgo is N, iterations is p, r is 8 */
	cr_assert_eq(gcry_kdf_derive(pw, strlen(pw), GCRY_KDF_SCRYPT, 1 << ln, salt, 16, 1,
				     sizeof(got), got), 0);
	return !memcmp(got, key, 32);
}

Test(gateway_passwd, hash_is_scrypt_with_its_own_salt)
{
	const char *pws[] = { "a", "secret", "pw-alice", "0123456789", " lead", "p=$;#x" };
	char h1[TG_GW_HASH_MAX], h2[TG_GW_HASH_MAX];

	for (size_t i = 0; i < sizeof(pws) / sizeof(pws[0]); i++) {
		cr_assert_eq(tg_gw_passwd_hash(pws[i], strlen(pws[i]), 10, h1, sizeof(h1)), 0);
		cr_assert(oracle(h1, pws[i], 10), "%s: key differs from libgcrypt's", pws[i]);
		cr_assert(!oracle(h1, "other", 10));
		cr_assert_eq(tg_gw_passwd_check(h1), 0);
		cr_assert_eq(tg_gw_passwd_verify(h1, pws[i], strlen(pws[i])), 1);
		/* a fresh salt every time */
		cr_assert_eq(tg_gw_passwd_hash(pws[i], strlen(pws[i]), 10, h2, sizeof(h2)), 0);
		cr_assert_str_neq(h1, h2);
		cr_assert_eq(tg_gw_passwd_verify(h2, pws[i], strlen(pws[i])), 1);
	}
	cr_assert_eq(tg_gw_passwd_hash("secret", 6, 12, h1, sizeof(h1)), 0);
	cr_assert(oracle(h1, "secret", 12));
	cr_assert_eq(tg_gw_passwd_hash("secret", 6, 10, h1, 40), -ENOSPC);
}

Test(gateway_passwd, wrong_passwords_fail)
{
	char h[TG_GW_HASH_MAX];

	cr_assert_eq(tg_gw_passwd_hash("secret", 6, 10, h, sizeof(h)), 0);
	cr_assert_eq(tg_gw_passwd_verify(h, "secret", 6), 1);
	cr_assert_eq(tg_gw_passwd_verify(h, "Secret", 6), 0);
	cr_assert_eq(tg_gw_passwd_verify(h, "secre", 5), 0);
	cr_assert_eq(tg_gw_passwd_verify(h, "secret!", 7), 0);
	cr_assert_eq(tg_gw_passwd_verify(h, "secret ", 7), 0);
	cr_assert_eq(tg_gw_passwd_verify(h, "", 0), 0);
}

Test(gateway_passwd, unusable_passwords_refused)
{
	char h[TG_GW_HASH_MAX];

	cr_assert_eq(tg_gw_passwd_hash("", 0, 10, h, sizeof(h)), -EINVAL);
	cr_assert_eq(tg_gw_passwd_hash("01234567890", 11, 10, h, sizeof(h)), -EINVAL);
	cr_assert_eq(tg_gw_passwd_hash("trailing ", 9, 10, h, sizeof(h)), -EINVAL);
	cr_assert_eq(tg_gw_passwd_hash("tab\there", 8, 10, h, sizeof(h)), -EINVAL);
	cr_assert_eq(tg_gw_passwd_hash("caf\xc3\xa9", 5, 10, h, sizeof(h)), -EINVAL);
	cr_assert_eq(tg_gw_passwd_hash("ok", 2, 9, h, sizeof(h)), -EINVAL);
	cr_assert_eq(tg_gw_passwd_hash("ok", 2, 21, h, sizeof(h)), -EINVAL);
}

Test(gateway_passwd, malformed_hashes_refused)
{
	char good[TG_GW_HASH_MAX], bad[TG_GW_HASH_MAX + 8];

	cr_assert_eq(tg_gw_passwd_hash("secret", 6, 10, good, sizeof(good)), 0);
	const char *s = strrchr(good, '$');
	const char *variants[] = {
		"", "secret", "$scrypt$", "$pbkdf2$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=10,r=0,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAA*A$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	};
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		cr_assert_eq(tg_gw_passwd_check(variants[i]), -EINVAL, "accepted: %s", variants[i]);
		cr_assert_eq(tg_gw_passwd_verify(variants[i], "secret", 6), -EINVAL);
	}
	/* the real one cut or lengthened */
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(good) - 1, good);
	cr_assert_eq(tg_gw_passwd_check(bad), -EINVAL);
	snprintf(bad, sizeof(bad), "%sA", good);
	cr_assert_eq(tg_gw_passwd_check(bad), -EINVAL);
	cr_assert(s);
}

/* Run `tickgate passwd ARGS` with input on stdin; exit status, stdout and stderr. */
static int
run_passwd(const char *args, const char *input, char *out, size_t outlen, char *err,
	   size_t errlen)
{
	char dir[] = "/tmp/tg-pw-XXXXXX", cmd[512], path[64];
	FILE *f;
	size_t n;
	int st;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/in", dir);
	f = fopen(path, "w");
	cr_assert(f);
	fputs(input, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), TICKGATE " passwd %s < %s/in > %s/out 2> %s/err", args, dir,
		 dir, dir);
	st = system(cmd);
	cr_assert(WIFEXITED(st));
	snprintf(path, sizeof(path), "%s/out", dir);
	f = fopen(path, "r");
	n = fread(out, 1, outlen - 1, f);
	out[n] = 0;
	fclose(f);
	snprintf(path, sizeof(path), "%s/err", dir);
	f = fopen(path, "r");
	n = fread(err, 1, errlen - 1, f);
	err[n] = 0;
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
	return WEXITSTATUS(st);
}

Test(gateway_passwd, cli)
{
	char out[512], err[512];

	cr_assert_eq(run_passwd("--cost 10", "hunter2\n", out, sizeof(out), err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_empty(err);
	cr_assert(strchr(out, '\n') == out + strlen(out) - 1, "one line: %s", out);
	out[strlen(out) - 1] = 0;
	cr_assert(oracle(out, "hunter2", 10));
	cr_assert_null(strstr(out, "hunter2"));
	cr_assert_eq(tg_gw_passwd_verify(out, "hunter2", 7), 1);

	/* CRLF and no final newline are both one line */
	cr_assert_eq(run_passwd("--cost 10", "hunter2\r\n", out, sizeof(out), err, sizeof(err)), 0);
	out[strlen(out) - 1] = 0;
	cr_assert(oracle(out, "hunter2", 10));
	cr_assert_eq(run_passwd("--cost 10", "hunter2", out, sizeof(out), err, sizeof(err)), 0);
	out[strlen(out) - 1] = 0;
	cr_assert(oracle(out, "hunter2", 10));

	/* the default cost is 15 */
	cr_assert_eq(run_passwd("", "x\n", out, sizeof(out), err, sizeof(err)), 0);
	out[strlen(out) - 1] = 0;
	cr_assert(oracle(out, "x", 15));

	/* unusable passwords: exit 1, one line on stderr, nothing on stdout, no echo */
	const char *bad[] = { "\n", "", "eleven-chars\n", "trail \n", "long long long long long long long long long long long long long long\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(run_passwd("--cost 10", bad[i], out, sizeof(out), err, sizeof(err)), 1,
			     "input '%s'", bad[i]);
		cr_assert_str_empty(out);
		cr_assert(strchr(err, '\n') == err + strlen(err) - 1, "one line: %s", err);
		if (strlen(bad[i]) > 2)
			cr_assert_null(strstr(err, "eleven"));
	}
	cr_assert_eq(run_passwd("--cost 9", "x\n", out, sizeof(out), err, sizeof(err)), 2);
	cr_assert_eq(run_passwd("--cost", "x\n", out, sizeof(out), err, sizeof(err)), 2);
	cr_assert_eq(run_passwd("--bogus", "x\n", out, sizeof(out), err, sizeof(err)), 2);
	cr_assert_eq(run_passwd("--help", "", out, sizeof(out), err, sizeof(err)), 0);
	cr_assert(strstr(out, "usage: tickgate passwd"));
}
