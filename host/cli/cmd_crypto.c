/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate crypto: SM4 over stdin to stdout (ECB, CTR or GCM), through a
 * card (the Verilated RTL or the C model, over the driver's rings), or in
 * software: libgcrypt by default, OpenSSL (the reference) on request.
 * The key is given in hex on the command line; it is wiped from argv once
 * parsed, goes into the engine's slot (on a card: the card's write-only
 * slot) and never appears in any message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tg_cli.h"
#include "crypto/tg_crypto.h"

static const char tg_crypto_cli_help[] =
"usage: tickgate crypto --mode ecb|ctr|gcm --key HEX [--iv HEX] [--aad HEX]\n"
"                       [--decrypt] [--card sim|model|openssl]\n"
"\n"
"SM4 (GB/T 32907) on stdin, the result on stdout.\n"
"\n"
"  --mode ecb       no padding: the input must be a whole number of 16-byte\n"
"                   blocks; no --iv\n"
"  --mode ctr       any length; --iv is the 16-byte initial counter block,\n"
"                   incremented per block as one 128-bit big-endian integer\n"
"  --mode gcm       SM4-GCM (RFC 8998): 12-byte --iv, optional --aad; encrypt\n"
"                   writes ciphertext then the 16-byte tag; --decrypt reads\n"
"                   ciphertext then tag and writes the plaintext only if the\n"
"                   tag verifies (else nothing, exit 1)\n"
"  --key HEX        the 16-byte key, 32 hex digits\n"
"  --iv HEX         16 bytes (ctr) or 12 bytes (gcm), in hex\n"
"  --aad HEX        gcm: additional authenticated data, in hex (may be empty)\n"
"  --decrypt        decrypt (default: encrypt)\n"
"  --card sim       the Verilated card, through the driver's rings\n"
"  --card model     the card's C reference model, through the driver's rings\n"
"  --card openssl   OpenSSL's EVP SM4, GCM built on its CTR: the reference\n"
"                   (without --card: libgcrypt in software, the code the\n"
"                   model computes with)\n"
"\n"
"On a card, gcm takes at most 16 MiB of text and 64 KiB of --aad (one card\n"
"job); ecb and ctr of any length are split into card jobs.\n"
"\n"
"Exit status: 0 done, 1 failure (GCM tag mismatch, I/O, card), 2 bad usage.\n";

struct tg_crypto_cli_opts {
	int mode;
	int decrypt;
	const char *card;
	uint8_t key[TG_CRYPTO_KEY_LEN];
	int have_key;
	uint8_t iv[16];
	int iv_len;			/* -1: not given */
	uint8_t *aad;
	size_t aad_len;
	int have_aad;
};

/* The value of one hex digit, or -1. */
static int
tg_crypto_cli_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode the hex string s into out (room for cap bytes). Returns the
 * byte count, or -1 if s is not an even number of hex digits or too long.
 * Never prints: s may be a key.
 */
static long
tg_crypto_cli_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = tg_crypto_cli_hexval(s[2 * i]), lo = tg_crypto_cli_hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

/* Parse argv into o. TG_EXIT_OK to go on, else the exit status. */
static int
tg_crypto_cli_parse(int argc, char **argv, struct tg_crypto_cli_opts *o, int *help)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			*help = 1;
			return TG_EXIT_OK;
		}
		if (!strcmp(opt, "--decrypt")) {
			o->decrypt = 1;
			continue;
		}
		if (strcmp(opt, "--mode") && strcmp(opt, "--key") && strcmp(opt, "--iv") &&
		    strcmp(opt, "--aad") && strcmp(opt, "--card"))
			return tg_cli_usage_error("crypto", "unknown argument '%s'", opt);
		if (i + 1 >= argc)
			return tg_cli_usage_error("crypto", "%s needs a value", opt);
		char *val = argv[++i];

		if (!strcmp(opt, "--mode")) {
			if (!strcmp(val, "ecb"))
				o->mode = TG_CRYPTO_ECB;
			else if (!strcmp(val, "ctr"))
				o->mode = TG_CRYPTO_CTR;
			else if (!strcmp(val, "gcm"))
				o->mode = TG_CRYPTO_GCM;
			else
				return tg_cli_usage_error("crypto", "--mode must be ecb, ctr or gcm, not '%s'", val);
		} else if (!strcmp(opt, "--key")) {
			long n = tg_crypto_cli_unhex(val, o->key, sizeof(o->key));

			/* out of the process's command line as soon as read */
			explicit_bzero(val, strlen(val));
			if (n != TG_CRYPTO_KEY_LEN)
				return tg_cli_usage_error("crypto", "--key must be 32 hex digits (16 bytes)");
			o->have_key = 1;
		} else if (!strcmp(opt, "--iv")) {
			o->iv_len = (int)tg_crypto_cli_unhex(val, o->iv, sizeof(o->iv));
			if (o->iv_len < 0)
				return tg_cli_usage_error("crypto", "--iv must be at most 16 bytes in hex");
		} else if (!strcmp(opt, "--aad")) {
			free(o->aad);
			o->aad = malloc(strlen(val) / 2 + 1);
			if (!o->aad) {
				fprintf(stderr, "tickgate crypto: out of memory\n");
				return TG_EXIT_FAIL;
			}
			long n = tg_crypto_cli_unhex(val, o->aad, strlen(val) / 2);
			if (n < 0)
				return tg_cli_usage_error("crypto", "--aad must be hex digits, two per byte");
			o->aad_len = (size_t)n;
			o->have_aad = 1;
		} else {
			if (strcmp(val, "sim") && strcmp(val, "model") && strcmp(val, "openssl"))
				return tg_cli_usage_error("crypto", "--card must be sim, model or openssl, not '%s'", val);
			o->card = val;
		}
	}
	if (!o->mode)
		return tg_cli_usage_error("crypto", "--mode is required");
	if (!o->have_key)
		return tg_cli_usage_error("crypto", "--key is required");
	if (o->mode == TG_CRYPTO_ECB && o->iv_len >= 0)
		return tg_cli_usage_error("crypto", "ecb takes no --iv");
	if (o->mode == TG_CRYPTO_CTR && o->iv_len != TG_CRYPTO_CTR_IV_LEN)
		return tg_cli_usage_error("crypto", "ctr needs a 16-byte --iv (32 hex digits)");
	if (o->mode == TG_CRYPTO_GCM && o->iv_len != TG_CRYPTO_GCM_IV_LEN)
		return tg_cli_usage_error("crypto", "gcm needs a 12-byte --iv (24 hex digits)");
	if (o->mode != TG_CRYPTO_GCM && o->have_aad)
		return tg_cli_usage_error("crypto", "--aad is for gcm only");
	if (o->aad_len > UINT32_MAX)
		return tg_cli_usage_error("crypto", "--aad longer than 4 GiB");
	return TG_EXIT_OK;
}

/*
 * All of stdin into a buffer with extra spare bytes after the data (room
 * for a GCM tag). 0, or -1 on a read error or no memory.
 */
static int
tg_crypto_cli_slurp(uint8_t **buf, size_t *len, size_t extra)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *b = malloc(cap + extra);

	if (!b)
		return -1;
	for (;;) {
		if (n == cap) {
			uint8_t *nb = realloc(b, 2 * cap + extra);

			if (!nb) {
				free(b);
				return -1;
			}
			b = nb;
			cap *= 2;
		}
		size_t r = fread(b + n, 1, cap - n, stdin);

		n += r;
		if (!r) {
			if (ferror(stdin)) {
				free(b);
				return -1;
			}
			break;
		}
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Run the job of o on buf in place; write the result. An exit status. */
static int
tg_crypto_cli_do(struct tg_crypto_cli_opts *o, const char *backend)
{
	int card = !strcmp(backend, "sim") || !strcmp(backend, "model");
	struct tg_crypto_engine *e = NULL;
	struct tg_crypto_job job = { 0 };
	uint8_t *buf;
	size_t len, out_len;
	int rc;

	if (tg_crypto_cli_slurp(&buf, &len, TG_CRYPTO_TAG_LEN)) {
		fprintf(stderr, "tickgate crypto: cannot read stdin: %s\n", strerror(errno));
		return TG_EXIT_FAIL;
	}
	if (o->mode == TG_CRYPTO_ECB && len % TG_CRYPTO_BLOCK) {
		free(buf);
		return tg_cli_usage_error("crypto", "ecb input must be a whole number of 16-byte blocks, not %zu bytes", len);
	}
	if (o->mode == TG_CRYPTO_GCM && o->decrypt) {
		if (len < TG_CRYPTO_TAG_LEN) {
			fprintf(stderr, "tickgate crypto: input shorter than the 16-byte tag: not authentic\n");
			free(buf);
			return TG_EXIT_FAIL;
		}
		len -= TG_CRYPTO_TAG_LEN;
		memcpy(job.tag, buf + len, TG_CRYPTO_TAG_LEN);
	}
	if (len > UINT32_MAX) {
		fprintf(stderr, "tickgate crypto: input larger than 4 GiB - 1 bytes\n");
		free(buf);
		return TG_EXIT_FAIL;
	}
	if (card && o->mode == TG_CRYPTO_GCM &&
	    (len > TG_CRYPTO_CARD_MAX_GCM || o->aad_len > TG_CRYPTO_CARD_MAX_AAD)) {
		fprintf(stderr, "tickgate crypto: gcm on the %s card takes at most 16 MiB of text and 64 KiB of aad\n",
			backend);
		free(buf);
		return TG_EXIT_FAIL;
	}

	rc = tg_crypto_engine_open(backend, &e);
	if (rc == -ENOTSUP && card) {
		explicit_bzero(o->key, sizeof(o->key));
		fprintf(stderr, "tickgate crypto: the %s card has no SM4 engine (CAPS bit 25 clear)\n",
			backend);
		free(buf);
		return TG_EXIT_FAIL;
	}
	if (!rc)
		rc = tg_crypto_key_load(e, 0, o->key);
	explicit_bzero(o->key, sizeof(o->key));
	if (rc) {
		fprintf(stderr, "tickgate crypto: %s %s: %s\n", backend, card ? "card" : "backend",
			strerror(-rc));
		tg_crypto_engine_close(e);
		free(buf);
		return TG_EXIT_FAIL;
	}
	job.mode = (uint8_t)o->mode;
	job.op = o->decrypt ? TG_CRYPTO_DECRYPT : TG_CRYPTO_ENCRYPT;
	job.key_slot = 0;
	job.src = buf;
	job.dst = buf;
	job.len = (uint32_t)len;
	job.iv_len = o->mode == TG_CRYPTO_ECB ? 0 : (uint8_t)o->iv_len;
	memcpy(job.iv, o->iv, sizeof(job.iv));
	job.aad = o->aad;
	job.aad_len = (uint32_t)o->aad_len;
	rc = tg_crypto_run(e, &job);
	tg_crypto_engine_close(e);
	if (rc == -EBADMSG) {
		fprintf(stderr, "tickgate crypto: gcm tag does not verify: nothing written\n");
		free(buf);
		return TG_EXIT_FAIL;
	}
	if (rc) {
		fprintf(stderr, "tickgate crypto: %s %s: %s\n", backend, card ? "card" : "backend",
			strerror(-rc));
		explicit_bzero(buf, len);
		free(buf);
		return TG_EXIT_FAIL;
	}
	out_len = len;
	if (o->mode == TG_CRYPTO_GCM && !o->decrypt) {
		memcpy(buf + len, job.tag, TG_CRYPTO_TAG_LEN);
		out_len += TG_CRYPTO_TAG_LEN;
	}
	rc = fwrite(buf, 1, out_len, stdout) != out_len || fflush(stdout);
	explicit_bzero(buf, len);
	free(buf);
	if (rc) {
		fprintf(stderr, "tickgate crypto: cannot write stdout: %s\n", strerror(errno));
		return TG_EXIT_FAIL;
	}
	return TG_EXIT_OK;
}

/*
 * The subcommand: parse, run on the chosen card or backend (libgcrypt
 * when no --card is given), and leave no key behind in this process's
 * memory.
 */
int
tg_cmd_crypto(int argc, char **argv)
{
	struct tg_crypto_cli_opts o = { .card = "gcrypt", .iv_len = -1 };
	int help = 0;
	int rc = tg_crypto_cli_parse(argc, argv, &o, &help);

	if (rc == TG_EXIT_OK && help)
		fputs(tg_crypto_cli_help, stdout);
	else if (rc == TG_EXIT_OK)
		rc = tg_crypto_cli_do(&o, o.card);
	explicit_bzero(o.key, sizeof(o.key));
	free(o.aad);
	return rc;
}
