/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `tickgate crypto` end to end, stdin to stdout, with oracles outside the
 * project's code: `openssl enc -sm4-ecb/-sm4-ctr -nopad` for ECB and CTR,
 * libgcrypt called directly for GCM, and RFC 8998's vector; through every
 * card (the Verilated RTL, the C model, OpenSSL) and the default software
 * path, each card's output also decrypted by the next one and compared
 * with --card openssl's. Plus the contract's exit statuses, and keys
 * never showing up in a message.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <gcrypt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_crypto_util.h"

#define TICKGATE TG_BUILD_DIR "/tickgate"

static char dir[64];
static char f_in[96], f_out[96], f_ref[96], f_err[96];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tg-crypto-XXXXXX");
	cr_assert(mkdtemp(dir));
	snprintf(f_in, sizeof(f_in), "%s/in", dir);
	snprintf(f_out, sizeof(f_out), "%s/out", dir);
	snprintf(f_ref, sizeof(f_ref), "%s/ref", dir);
	snprintf(f_err, sizeof(f_err), "%s/err", dir);
	if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		cr_assert(gcry_check_version(GCRYPT_VERSION));
		gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
		gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	}
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(crypto_cli, .init = setup, .fini = teardown, .timeout = 600);

static void
write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(p, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
}

/* The whole file; *n its length. */
static uint8_t *
read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fstat(fileno(f), &st), 0);
	uint8_t *p = malloc((size_t)st.st_size + 1);
	cr_assert(p);
	*n = fread(p, 1, (size_t)st.st_size, f);
	cr_assert_eq(*n, (size_t)st.st_size);
	fclose(f);
	return p;
}

/* Run a shell command; its exit status. */
static int
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_lt((size_t)n, sizeof(cmd), "command line too long for the test's buffer");
	int st = system(cmd);
	cr_assert(WIFEXITED(st), "%s: did not exit", cmd);
	return WEXITSTATUS(st);
}

/* tickgate crypto ARGS < in > out 2> err; the exit status. */
static int
tg(const char *args)
{
	return sh(TICKGATE " crypto %s < '%s' > '%s' 2> '%s'", args, f_in, f_out, f_err);
}

/* Nothing on stdout, a message on stderr, and not the key (either case). */
static void
check_quiet_failure(const char *what, const char *key_hex)
{
	size_t n, en;
	uint8_t *o = read_file(f_out, &n);
	char *err = (char *)read_file(f_err, &en);

	err[en] = 0;
	cr_assert_eq(n, 0, "%s: %zu bytes written to stdout", what, n);
	cr_assert_gt(en, 0, "%s: no message", what);
	cr_assert(strchr(err, '\n') == err + en - 1, "%s: not one line: %s", what, err);
	if (key_hex) {
		char up[65];
		size_t k = strlen(key_hex);

		for (size_t i = 0; i <= k; i++)
			up[i] = (char)(key_hex[i] >= 'a' && key_hex[i] <= 'f' ? key_hex[i] - 32 : key_hex[i]);
		cr_assert(!strstr(err, key_hex) && !strstr(err, up), "%s: the key appears in: %s", what, err);
	}
	free(o);
	free(err);
}

/* Output of the last run equals want[0..n). */
static void
check_out(const uint8_t *want, size_t n, const char *what)
{
	size_t got_n;
	uint8_t *got = read_file(f_out, &got_n);

	cr_assert_eq(got_n, n, "%s: %zu bytes out, want %zu", what, got_n, n);
	cr_assert_arr_eq(got, want, n, "%s: output differs", what);
	free(got);
}

#define NCARDS 3
static const char *const cards[NCARDS] = { "sim", "model", "openssl" };

/*
 * ECB and CTR through both cards against `openssl enc`, at the contract's
 * lengths and random ones, then decrypted back through the CLI.
 */
static void
cli_vs_openssl_enc(const char *mode)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 4095, 4096, 65537 };
	int ecb = !strcmp(mode, "ecb");
	uint64_t s = tcu_seed() ^ (uint64_t)ecb;
	uint8_t *pt = malloc(70000);

	cr_assert(pt);
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]) + 4; l++) {
		size_t len = l < sizeof(lens) / sizeof(lens[0]) ? lens[l] : tcu_below(&s, 65536);
		uint8_t key[16], iv[16];
		char kh[33], ivh[33], args[256], oargs[256];

		if (ecb)
			len -= len % 16;
		if (l == 1 && !ecb) {	/* the counter wraps 2^128 inside the text */
			memset(iv, 0xff, 16);
			iv[15] = 0xfd;
		} else if (l == 2 && !ecb) {	/* and carries across 2^64 */
			memset(iv, 0, 8);
			memset(iv + 8, 0xff, 8);
		} else {
			tcu_fill(&s, iv, 16);
		}
		tcu_fill(&s, key, 16);
		tcu_fill(&s, pt, len);
		tcu_hex(key, 16, kh);
		tcu_hex(iv, 16, ivh);
		write_file(f_in, pt, len);
		if (ecb)
			snprintf(oargs, sizeof(oargs), "-sm4-ecb -K %s -nopad", kh);
		else
			snprintf(oargs, sizeof(oargs), "-sm4-ctr -K %s -iv %s", kh, ivh);
		cr_assert_eq(sh("openssl enc %s < '%s' > '%s'", oargs, f_in, f_ref), 0);
		size_t rn;
		uint8_t *ref = read_file(f_ref, &rn);
		cr_assert_eq(rn, len);

		for (int c = 0; c < NCARDS; c++) {
			int o = (c + 1) % NCARDS;

			if (ecb)
				snprintf(args, sizeof(args), "--mode ecb --key %s --card %s", kh, cards[c]);
			else
				snprintf(args, sizeof(args), "--mode ctr --key %s --iv %s --card %s", kh, ivh, cards[c]);
			cr_assert_eq(tg(args), 0, "%s %s %zu bytes: exit status", mode, cards[c], len);
			char what[64];
			snprintf(what, sizeof(what), "%s --card %s, %zu bytes", mode, cards[c], len);
			check_out(ref, len, what);

			/* back through the next card */
			write_file(f_in, ref, len);
			if (ecb)
				snprintf(args, sizeof(args), "--mode ecb --key %s --card %s --decrypt", kh, cards[o]);
			else
				snprintf(args, sizeof(args), "--mode ctr --key %s --iv %s --card %s --decrypt",
					 kh, ivh, cards[o]);
			cr_assert_eq(tg(args), 0);
			check_out(pt, len, what);
			write_file(f_in, pt, len);
		}
		free(ref);
	}
	free(pt);
}

Test(crypto_cli, ecb_vs_openssl_enc) { cli_vs_openssl_enc("ecb"); }
Test(crypto_cli, ctr_vs_openssl_enc) { cli_vs_openssl_enc("ctr"); }

/* SM4-GCM by libgcrypt directly: ciphertext ‖ tag. */
static void
gcm_oracle(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
	   const uint8_t *pt, size_t len, uint8_t *out)
{
	gcry_cipher_hd_t h;

	cr_assert_eq(gcry_cipher_open(&h, GCRY_CIPHER_SM4, GCRY_CIPHER_MODE_GCM, 0), 0);
	cr_assert_eq(gcry_cipher_setkey(h, key, 16), 0);
	cr_assert_eq(gcry_cipher_setiv(h, iv, 12), 0);
	if (aad_len)
		cr_assert_eq(gcry_cipher_authenticate(h, aad, aad_len), 0);
	if (len)
		cr_assert_eq(gcry_cipher_encrypt(h, out, len, pt, len), 0);
	cr_assert_eq(gcry_cipher_gettag(h, out + len, 16), 0);
	gcry_cipher_close(h);
}

/*
 * GCM through every card against libgcrypt, with and without AAD; the
 * decryption gives the text back; one flipped bit anywhere in the input
 * (ciphertext or tag), or in the IV or AAD, gives exit 1 and no output.
 */
Test(crypto_cli, gcm_vs_libgcrypt_and_tampering)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 4095, 4096, 65537 };
	uint64_t s = tcu_seed() ^ 3;
	uint8_t *pt = malloc(70000), *ref = malloc(70016);

	cr_assert(pt && ref);
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]) + 4; l++) {
		size_t len = l < sizeof(lens) / sizeof(lens[0]) ? lens[l] : tcu_below(&s, 65536);
		size_t aad_len = l % 3 ? tcu_below(&s, 100) : 0;
		uint8_t key[16], iv[12], aad[100];
		char kh[33], ivh[25], aadh[201], args[512];

		tcu_fill(&s, key, 16);
		tcu_fill(&s, iv, 12);
		tcu_fill(&s, aad, aad_len);
		tcu_fill(&s, pt, len);
		tcu_hex(key, 16, kh);
		tcu_hex(iv, 12, ivh);
		tcu_hex(aad, aad_len, aadh);
		gcm_oracle(key, iv, aad, aad_len, pt, len, ref);
		for (int c = 0; c < NCARDS; c++) {
			char what[64];

			snprintf(what, sizeof(what), "gcm --card %s, %zu bytes, aad %zu", cards[c], len, aad_len);
			write_file(f_in, pt, len);
			/* no --aad, or an explicitly empty one, when there is no AAD */
			snprintf(args, sizeof(args), "--mode gcm --key %s --iv %s --card %s%s%s",
				 kh, ivh, cards[c], aad_len ? " --aad " : l % 2 ? " --aad ''" : "",
				 aad_len ? aadh : "");
			cr_assert_eq(tg(args), 0, "%s: exit status", what);
			check_out(ref, len + 16, what);

			write_file(f_in, ref, len + 16);
			strcat(args, " --decrypt");
			cr_assert_eq(tg(args), 0, "%s: decrypt", what);
			check_out(pt, len, what);

			/* tampered input: a few bits of ciphertext, all of the tag's bytes */
			uint8_t *bad = malloc(len + 16);
			cr_assert(bad);
			for (int k = 0; k < 4; k++) {
				size_t at = k < 2 && len ? tcu_below(&s, (uint32_t)len) : len + tcu_below(&s, 16);
				memcpy(bad, ref, len + 16);
				bad[at] ^= (uint8_t)(1u << tcu_below(&s, 8));
				write_file(f_in, bad, len + 16);
				cr_assert_eq(tg(args), 1, "%s: byte %zu tampered: not refused", what, at);
				check_quiet_failure(what, kh);
			}
			free(bad);
			/* the right input under another IV or AAD */
			write_file(f_in, ref, len + 16);
			char args2[512];
			char ivh2[25];
			uint8_t iv2[12];
			memcpy(iv2, iv, 12);
			iv2[tcu_below(&s, 12)] ^= 0x10;
			tcu_hex(iv2, 12, ivh2);
			snprintf(args2, sizeof(args2), "--mode gcm --key %s --iv %s --aad %s --card %s --decrypt",
				 kh, ivh2, aad_len ? aadh : "''", cards[c]);
			cr_assert_eq(tg(args2), 1, "%s: other IV accepted", what);
			check_quiet_failure(what, kh);
			snprintf(args2, sizeof(args2), "--mode gcm --key %s --iv %s --aad %s00 --card %s --decrypt",
				 kh, ivh, aadh, cards[c]);
			cr_assert_eq(tg(args2), 1, "%s: longer AAD accepted", what);
			check_quiet_failure(what, kh);
		}
	}
	free(pt);
	free(ref);
}

/* RFC 8998 A.1 through every card, encrypt and decrypt. */
Test(crypto_cli, rfc8998_vector)
{
	const char *key = "0123456789ABCDEFFEDCBA9876543210";
	const char *iv = "00001234567800000000ABCD";
	const char *aad = "FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2";
	uint8_t pt[64], want[80];
	char args[256];

	tcu_unhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
		  "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA", pt, 64);
	tcu_unhex("17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
		  "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
		  "83DE3541E4C2B58177E065A9BF7B62EC", want, 80);
	for (int c = 0; c < NCARDS; c++) {
		write_file(f_in, pt, 64);
		snprintf(args, sizeof(args), "--mode gcm --key %s --iv %s --aad %s --card %s", key, iv, aad, cards[c]);
		cr_assert_eq(tg(args), 0);
		check_out(want, 80, cards[c]);
		write_file(f_in, want, 80);
		strcat(args, " --decrypt");
		cr_assert_eq(tg(args), 0);
		check_out(pt, 64, cards[c]);
	}
	/* without --card: libgcrypt in software */
	write_file(f_in, pt, 64);
	snprintf(args, sizeof(args), "--mode gcm --key %s --iv %s --aad %s", key, iv, aad);
	cr_assert_eq(tg(args), 0);
	check_out(want, 80, "default card");
	write_file(f_in, want, 80);
	strcat(args, " --decrypt");
	cr_assert_eq(tg(args), 0);
	check_out(pt, 64, "default card");
}

/* GB/T 32907 example 1 through every card. */
Test(crypto_cli, gbt_example1)
{
	uint8_t pt[16], want[16];
	char args[128];

	tcu_unhex("0123456789abcdeffedcba9876543210", pt, 16);
	tcu_unhex("681edf34d206965e86b3e94f536e4246", want, 16);
	for (int c = 0; c < NCARDS; c++) {
		write_file(f_in, pt, 16);
		snprintf(args, sizeof(args), "--mode ecb --key 0123456789abcdeffedcba9876543210 --card %s", cards[c]);
		cr_assert_eq(tg(args), 0);
		check_out(want, 16, cards[c]);
	}
}

/* Every usage error exits 2 with one line and without the key. */
Test(crypto_cli, usage_errors)
{
	const char *k = "00112233445566778899aabbccddeeff";
	static const char *const bad[] = {
		"",
		"--key %s",
		"--mode cbc --key %s",
		"--mode ecb",
		"--mode ecb --key %s0",
		"--mode ecb --key 00112233445566778899aabbccddeeXX",
		"--mode ecb --key 00112233445566778899aabbccddee",
		"--mode ecb --key %s --iv 00000000000000000000000000000000",
		"--mode ctr --key %s",
		"--mode ctr --key %s --iv 000000000000000000000000",
		"--mode ctr --key %s --iv 0000000000000000000000000000000g",
		"--mode gcm --key %s --iv 00000000000000000000000000000000",
		"--mode gcm --key %s",
		"--mode gcm --key %s --iv 000000000000000000000000 --aad 123",
		"--mode ctr --key %s --iv 00000000000000000000000000000000 --aad 00",
		"--mode ecb --key %s --card vfio",
		"--mode ecb --key %s --bogus",
		"--mode ecb --key %s --card",
		"--mode ecb --key",
	};
	char args[256];
	uint8_t b[32] = { 0 };

	write_file(f_in, b, 32);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(args, sizeof(args), bad[i], k);
		cr_assert_eq(tg(args), 2, "'%s': not a usage error", args);
		check_quiet_failure(args, k);
	}
	/* ECB input that is not whole blocks */
	for (size_t n = 1; n < 32; n += 7) {
		write_file(f_in, b, n);
		snprintf(args, sizeof(args), "--mode ecb --key %s", k);
		cr_assert_eq(tg(args), 2, "ecb of %zu bytes", n);
		check_quiet_failure("ecb partial block", k);
	}
}

/* Failures that are not usage: exit 1, one line, nothing out, no key. */
Test(crypto_cli, failures)
{
	const char *k = "00112233445566778899aabbccddeeff";
	char args[256];
	uint8_t b[15] = { 0 };

	/* GCM decrypt of less than a tag */
	for (size_t n = 0; n < 16; n += 5) {
		write_file(f_in, b, n);
		snprintf(args, sizeof(args), "--mode gcm --key %s --iv 000000000000000000000000 --decrypt", k);
		cr_assert_eq(tg(args), 1, "%zu bytes to gcm decrypt", n);
		check_quiet_failure("short gcm input", k);
	}
	/*
	 * On a card, GCM is one card job: 16 MiB of text at most; one byte
	 * more is a failure, not bad usage. (Its 64 KiB AAD limit cannot be
	 * reached from here: Linux takes no single argument of 128 KiB.)
	 */
	size_t big = TG_CRYPTO_CARD_MAX_GCM + 1;
	uint8_t *p = calloc(1, big + 16);

	cr_assert(p);
	for (int c = 0; c < 2; c++) {
		const char *dec[2] = { "", " --decrypt" };

		for (int d = 0; d < 2; d++) {
			write_file(f_in, p, big + (d ? 16 : 0));
			snprintf(args, sizeof(args), "--mode gcm --key %s --iv 000000000000000000000000 --card %s%s",
				 k, cards[c], dec[d]);
			cr_assert_eq(tg(args), 1, "%s: gcm of 16 MiB + 1", cards[c]);
			check_quiet_failure("gcm above 16 MiB on a card", k);
		}
	}
	/* in software the same input is fine */
	write_file(f_in, p, big);
	snprintf(args, sizeof(args), "--mode gcm --key %s --iv 000000000000000000000000 --card openssl", k);
	cr_assert_eq(tg(args), 0);
	free(p);
}

/*
 * Every mode, both directions, with and without AAD: each card's output
 * equals --card openssl's byte for byte (and the default's).
 */
Test(crypto_cli, cards_agree_with_openssl)
{
	static const char *const modes[] = { "ecb", "ctr", "gcm" };
	uint64_t s = tcu_seed() ^ 0xca4d;
	uint8_t *in = malloc(5000 + 16);

	cr_assert(in);
	for (int m = 0; m < 3; m++) {
		for (int dec = 0; dec < 2; dec++) {
			for (int k = 0; k < 3; k++) {
				size_t len = m == 0 ? 16 * (1 + tcu_below(&s, 300)) : tcu_below(&s, 5000);
				uint8_t key[16], iv[16], aad[40];
				char kh[33], ivh[33], aadh[81], base[512], args[600];
				size_t rn;
				uint8_t *ref;

				tcu_fill(&s, key, 16);
				tcu_fill(&s, iv, 16);
				tcu_fill(&s, aad, 40);
				tcu_fill(&s, in, len + 16);
				tcu_hex(key, 16, kh);
				tcu_hex(iv, m == 2 ? 12 : 16, ivh);
				tcu_hex(aad, 13 * k, aadh);
				snprintf(base, sizeof(base), "--mode %s --key %s%s%s%s%s%s", modes[m], kh,
					 m ? " --iv " : "", m ? ivh : "",
					 m == 2 && k ? " --aad " : "", m == 2 && k ? aadh : "",
					 dec ? " --decrypt" : "");
				if (m == 2 && dec) {
					/* a real ciphertext and tag, made by OpenSSL */
					write_file(f_in, in, len);
					snprintf(args, sizeof(args), "%.*s --card openssl",
						 (int)(strlen(base) - strlen(" --decrypt")), base);
					cr_assert_eq(tg(args), 0);
					uint8_t *ct = read_file(f_out, &rn);
					cr_assert_eq(rn, len + 16);
					write_file(f_in, ct, rn);
					free(ct);
				} else {
					write_file(f_in, in, len);
				}
				snprintf(args, sizeof(args), "%s --card openssl", base);
				cr_assert_eq(tg(args), 0, "%s", args);
				ref = read_file(f_out, &rn);
				for (int c = 0; c < 2; c++) {
					char what[128];

					snprintf(what, sizeof(what), "%s %s%s, %zu bytes, aad %d", cards[c],
						 modes[m], dec ? " decrypt" : "", len, 13 * k);
					snprintf(args, sizeof(args), "%s --card %s", base, cards[c]);
					cr_assert_eq(tg(args), 0, "%s: exit status", what);
					check_out(ref, rn, what);
				}
				cr_assert_eq(tg(base), 0);
				check_out(ref, rn, "without --card");
				free(ref);
			}
		}
	}
	free(in);
}

/* --help, and the command listed by tickgate --help. */
Test(crypto_cli, help)
{
	write_file(f_in, (const uint8_t *)"", 0);
	cr_assert_eq(tg("--help"), 0);
	size_t n;
	char *out = (char *)read_file(f_out, &n);
	out[n] = 0;
	cr_assert(strstr(out, "usage: tickgate crypto"));
	cr_assert(strstr(out, "--card model"));
	free(out);
	cr_assert_eq(sh(TICKGATE " --help | grep -q '^  crypto '"), 0, "tickgate --help does not list crypto");
}
