/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate passwd: read a password on stdin, print the hash that goes in
 * a [user.NAME] section as `password = ...`. The config never holds a
 * password; the gateway checks logins against these hashes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/tg_cli.h"
#include "gateway/tg_gw.h"

static const char tg_passwd_help[] =
"usage: tickgate passwd [--cost LN]\n"
"\n"
"Reads one password line on stdin (without echo on a terminal) and prints\n"
"its hash for the config file:\n"
"\n"
"  [user.alice]\n"
"  password = $scrypt$ln=15,r=8,p=1$SALT$HASH\n"
"\n"
"The hash is scrypt (N = 2^LN, r = 8, p = 1) with a random 16-byte salt,\n"
"salt and 32-byte key in unpadded base64. A SoupBinTCP password is 1 to 10\n"
"printable ASCII characters and cannot end with a space.\n"
"\n"
"  --cost LN   scrypt cost, 10..20 (default 15: about 32 MiB and a tenth\n"
"              of a second per login check)\n"
"\n"
"Exit status: 0 printed, 1 unusable password or read error, 2 bad usage.\n";

/*
 * One line from stdin into buf, the newline removed; on a terminal with
 * echo off. Returns the length, or -1 (read error, end of input, or a
 * line longer than cap - 2).
 */
static long
tg_passwd_read(char *buf, size_t cap)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	size_t n;

	if (tty) {
		fputs("Password: ", stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (!fgets(buf, (int)cap, stdin))
		buf[0] = 0;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	n = strlen(buf);
	if (n == 0)
		return -1;
	if (buf[n - 1] == '\n')
		buf[--n] = 0;
	else if (n == cap - 1)
		return -1;	/* no newline and the buffer full: too long */
	if (n && buf[n - 1] == '\r')
		buf[--n] = 0;
	return (long)n;
}

/* Parse --cost, read the password, print its hash; the password is wiped. */
int
tg_cmd_passwd(int argc, char **argv)
{
	char pw[64], hash[TG_GW_HASH_MAX];
	unsigned ln = TG_GW_SCRYPT_LN;
	long n;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(tg_passwd_help, stdout);
			return TG_EXIT_OK;
		}
		if (!strcmp(argv[i], "--cost")) {
			char *end;
			unsigned long v;

			if (i + 1 >= argc)
				return tg_cli_usage_error("passwd", "--cost needs a value");
			v = strtoul(argv[++i], &end, 10);
			if (*end || end == argv[i] || v < TG_GW_SCRYPT_LN_MIN || v > TG_GW_SCRYPT_LN_MAX)
				return tg_cli_usage_error("passwd", "--cost must be %d..%d, not '%s'",
							  TG_GW_SCRYPT_LN_MIN, TG_GW_SCRYPT_LN_MAX,
							  argv[i]);
			ln = (unsigned)v;
			continue;
		}
		return tg_cli_usage_error("passwd", "unknown argument '%s'", argv[i]);
	}
	n = tg_passwd_read(pw, sizeof(pw));
	if (n < 0) {
		OPENSSL_cleanse(pw, sizeof(pw));
		fprintf(stderr, "tickgate passwd: no password line on stdin (or longer than 10 characters)\n");
		return TG_EXIT_FAIL;
	}
	rc = tg_gw_passwd_hash(pw, (size_t)n, ln, hash, sizeof(hash));
	OPENSSL_cleanse(pw, sizeof(pw));
	if (rc == -EINVAL) {
		fprintf(stderr, "tickgate passwd: a SoupBinTCP password is 1 to 10 printable ASCII characters, not ending with a space\n");
		return TG_EXIT_FAIL;
	}
	if (rc) {
		fprintf(stderr, "tickgate passwd: hashing failed: %s\n", strerror(-rc));
		return TG_EXIT_FAIL;
	}
	printf("%s\n", hash);
	return fflush(stdout) ? TG_EXIT_FAIL : TG_EXIT_OK;
}
