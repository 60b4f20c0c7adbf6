/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SM4-GCM sealed sessions (docs/gateway.md): the firms' master keys, the
 * per-login session keys derived from them with HKDF-SM3, and sealing and
 * opening every packet through the card's crypto engine, whose key slots
 * hold the session keys for as long as the connection lives.
 *
 * Each direction has its own key, fresh for every connection (both ends
 * contribute 16 random bytes to the salt), so the slot's 64-bit counter
 * starting at 0 never repeats a nonce under a key; the receiver keeps a
 * replay window, so a frame sent twice or out of place is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <rte_cfgfile.h>

#include "crypto/tg_crypto.h"
#include "gateway/tg_gw_int.h"
#include "order/tg_engine.h"

struct tg_gw_sealer {
	struct tg_crypto_engine *eng;
	uint32_t slots;			/* bit i: slot i holds a session key */
};

/* Parse 32 hex digits (surrounding white space allowed) into key. 0 or -EINVAL. */
static int
tg_gw_seal_unhex(const char *s, uint8_t key[TG_CRYPTO_KEY_LEN])
{
	int n = 0;

	for (; *s; s++) {
		int v;

		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			return -EINVAL;
		if (n >= 2 * TG_CRYPTO_KEY_LEN)
			return -EINVAL;
		if (n % 2 == 0)
			key[n / 2] = (uint8_t)(v << 4);
		else
			key[n / 2] |= (uint8_t)v;
		n++;
	}
	return n == 2 * TG_CRYPTO_KEY_LEN ? 0 : -EINVAL;
}

/*
 * The master key of every user's firm that has a [firm.NAME] seal_key_file,
 * read from that file (the config names the file, never the key).
 */
int
tg_gw_seal_keys_load(struct rte_cfgfile *cf, const struct tg_engine *e,
		     struct tg_gw_config *c, char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->n_users; i++) {
		const char *firm = tg_engine_user_firm(e, i);
		char sec[CFG_NAME_LEN], buf[256];
		const char *path;
		size_t n;
		FILE *f;
		int rc;

		if (!firm)
			continue;
		snprintf(sec, sizeof(sec), "firm.%s", firm);
		path = rte_cfgfile_get_entry(cf, sec, "seal_key_file");
		if (!path)
			continue;
		f = fopen(path, "r");
		if (!f) {
			snprintf(err, errlen, "[%s] seal_key_file: cannot read %s", sec, path);
			return -EINVAL;
		}
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		rc = tg_gw_seal_unhex(buf, c->users[i].seal_key);
		OPENSSL_cleanse(buf, sizeof(buf));
		if (rc) {
			snprintf(err, errlen, "[%s] seal_key_file: %s does not hold 32 hex digits",
				 sec, path);
			return -EINVAL;
		}
		c->users[i].has_seal_key = 1;
	}
	return 0;
}

/*
 * HKDF-SM3 (RFC 5869 with SM3): IKM the firm's key, salt the client's and
 * the server's randoms, info a label and the login name; 32 bytes out,
 * the client-to-server key first.
 */
int
tg_gw_seal_derive(const uint8_t firm_key[16], const uint8_t salt[32],
		  const char user[TG_GW_USER_LEN], uint8_t c2s[16], uint8_t s2c[16])
{
	uint8_t info[sizeof(TG_GW_SEAL_LABEL) - 1 + TG_GW_USER_LEN], okm[32];
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *k = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5];
	int ok;

	memcpy(info, TG_GW_SEAL_LABEL, sizeof(TG_GW_SEAL_LABEL) - 1);
	memcpy(info + sizeof(TG_GW_SEAL_LABEL) - 1, user, TG_GW_USER_LEN);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SM3", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)firm_key, 16);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, 32);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info));
	p[4] = OSSL_PARAM_construct_end();
	ok = k && EVP_KDF_derive(k, okm, sizeof(okm), p) == 1;
	EVP_KDF_CTX_free(k);
	EVP_KDF_free(kdf);
	if (!ok)
		return -EIO;
	memcpy(c2s, okm, 16);
	memcpy(s2c, okm + 16, 16);
	OPENSSL_cleanse(okm, sizeof(okm));
	return 0;
}

/* The card's crypto engine ("sim" or "model"), every slot free. */
int
tg_gw_sealer_open(const char *card, struct tg_gw_sealer **out)
{
	struct tg_gw_sealer *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	rc = tg_crypto_engine_open(card, &s->eng);
	if (rc) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Close the engine (it wipes every slot); NULL is fine. */
void
tg_gw_sealer_close(struct tg_gw_sealer *s)
{
	if (!s)
		return;
	tg_crypto_engine_close(s->eng);
	free(s);
}

/* One free slot, taken; -ENOSPC when every slot holds a session key. */
static int
tg_gw_seal_slot(struct tg_gw_sealer *s)
{
	for (int i = 0; i < TG_CRYPTO_KEY_SLOTS; i++)
		if (!(s->slots & (1u << i))) {
			s->slots |= 1u << i;
			return i;
		}
	return -ENOSPC;
}

/*
 * Load a connection's two session keys into two slots of the card, the
 * sending one with the server's nonce prefix, the receiving window for
 * the client's. The caller wipes its copies. 0 or -errno (-ENOSPC: no
 * free slots).
 */
int
tg_gw_seal_start(struct tg_gw_sealer *s, struct tg_gw_seal_session *ss,
		 const uint8_t c2s[16], const uint8_t s2c[16])
{
	int rx = tg_gw_seal_slot(s), tx, rc;

	if (rx < 0)
		return rx;
	tx = tg_gw_seal_slot(s);
	if (tx < 0) {
		s->slots &= ~(1u << rx);
		return tx;
	}
	ss->slot_rx = rx;
	ss->slot_tx = tx;
	ss->active = 1;
	if ((rc = tg_crypto_key_load(s->eng, (unsigned)rx, c2s)) ||
	    (rc = tg_crypto_key_load(s->eng, (unsigned)tx, s2c)) ||
	    (rc = tg_crypto_seal_init(s->eng, (unsigned)tx, TG_GW_SEAL_FIXED_S2C, 0))) {
		tg_gw_seal_end(s, ss);
		return rc;
	}
	tg_crypto_replay_init(&ss->window, TG_GW_SEAL_FIXED_C2S);
	return 0;
}

/* Wipe and free the connection's slots. */
void
tg_gw_seal_end(struct tg_gw_sealer *s, struct tg_gw_seal_session *ss)
{
	if (!ss->active)
		return;
	tg_crypto_key_unload(s->eng, (unsigned)ss->slot_rx);
	tg_crypto_key_unload(s->eng, (unsigned)ss->slot_tx);
	s->slots &= ~(1u << ss->slot_rx);
	s->slots &= ~(1u << ss->slot_tx);
	ss->active = 0;
}

/*
 * Seal one inner packet p[0..n) (a whole SoupBinTCP packet) into out:
 * nonce, ciphertext, tag. The AAD binds it to the login name. Returns the
 * length or -errno.
 */
long
tg_gw_seal(struct tg_gw_sealer *s, struct tg_gw_seal_session *ss,
	   const char user[TG_GW_USER_LEN], const uint8_t *p, size_t n,
	   uint8_t *out, size_t cap)
{
	uint8_t aad[sizeof(TG_GW_SEAL_LABEL) - 1 + TG_GW_USER_LEN];

	memcpy(aad, TG_GW_SEAL_LABEL, sizeof(TG_GW_SEAL_LABEL) - 1);
	memcpy(aad + sizeof(TG_GW_SEAL_LABEL) - 1, user, TG_GW_USER_LEN);
	return tg_crypto_seal(s->eng, (unsigned)ss->slot_tx, aad, sizeof(aad), p,
			      (uint32_t)n, out, cap);
}

/*
 * Open one sealed frame into out: the inner packet's length, or
 * -EBADMSG (tampered, wrong key, wrong sender), -EALREADY (a replay).
 */
long
tg_gw_unseal(struct tg_gw_sealer *s, struct tg_gw_seal_session *ss,
	     const char user[TG_GW_USER_LEN], const uint8_t *p, size_t n,
	     uint8_t *out, size_t cap)
{
	uint8_t aad[sizeof(TG_GW_SEAL_LABEL) - 1 + TG_GW_USER_LEN];

	memcpy(aad, TG_GW_SEAL_LABEL, sizeof(TG_GW_SEAL_LABEL) - 1);
	memcpy(aad + sizeof(TG_GW_SEAL_LABEL) - 1, user, TG_GW_USER_LEN);
	return tg_crypto_open(s->eng, (unsigned)ss->slot_rx, aad, sizeof(aad), p, n, out,
			      cap, &ss->window);
}
