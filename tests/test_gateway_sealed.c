/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SM4-GCM sealed sessions, driven by a client written here on libgcrypt
 * alone (SM4-GCM, and HKDF-SM3 built from its HMAC-SM3 as RFC 5869 says),
 * against the gateway sealing through the card's crypto engine: a sealed
 * user trades with a plain one; a tampered frame, a replayed frame, a
 * wrong firm key, a firm without a key and a clear packet inside a sealed
 * session each close that session, are counted, and leave others served.
 */
#include <criterion/criterion.h>
#include <gcrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_gateway_util.h"

static struct gwt_gw gw;
static const uint8_t acme_key[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
				      0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };
static const char label[] = "tickgate sealed soup v1";

static void
setup(void)
{
	char path[128], extra[256];
	FILE *f;

	if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		cr_assert(gcry_check_version(GCRYPT_VERSION));
		gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
		gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	}
	gwt_dir_make(&gw);
	snprintf(path, sizeof(path), "%s/acme.key", gw.dir);
	f = fopen(path, "w");
	cr_assert(f);
	for (int i = 0; i < 16; i++)
		fprintf(f, "%02x", acme_key[i]);
	fprintf(f, "\n");
	fclose(f);
	snprintf(extra, sizeof(extra), "[firm.ACME]\nseal_key_file = %s\n", path);
	gwt_config(&gw, "sealed_listen = 127.0.0.1:0\n", extra);
}

static void
teardown(void)
{
	gwt_dir_remove(&gw);
}

TestSuite(gateway_sealed, .init = setup, .fini = teardown, .timeout = 300);

/* HMAC-SM3 of the concatenation of two parts. */
static void
hmac_sm3(const uint8_t *key, size_t klen, const uint8_t *a, size_t alen, const uint8_t *b,
	 size_t blen, uint8_t out[32])
{
	gcry_md_hd_t h;

	cr_assert_eq(gcry_md_open(&h, GCRY_MD_SM3, GCRY_MD_FLAG_HMAC), 0);
	cr_assert_eq(gcry_md_setkey(h, key, klen), 0);
	gcry_md_write(h, a, alen);
	if (blen)
		gcry_md_write(h, b, blen);
	memcpy(out, gcry_md_read(h, GCRY_MD_SM3), 32);
	gcry_md_close(h);
}

/* RFC 5869 with SM3, 32 bytes of output (one block). */
static void
hkdf_sm3(const uint8_t ikm[16], const uint8_t salt[32], const uint8_t *info, size_t ilen,
	 uint8_t okm[32])
{
	uint8_t prk[32], t[128];

	hmac_sm3(salt, 32, ikm, 16, NULL, 0, prk);
	memcpy(t, info, ilen);
	t[ilen] = 1;
	hmac_sm3(prk, 32, t, ilen + 1, NULL, 0, okm);
}

struct sc {
	struct gwt_c c;
	char user[6];
	uint8_t kc2s[16], ks2c[16];
	uint64_t tx_ctr, rx_ctr;
	uint8_t last_frame[1100];	/* the last frame sent, for replaying */
	size_t last_len;
};

/* SM4-GCM with libgcrypt: seal (enc) or open (!enc); 0, or -1 if the tag fails. */
static int
gcm(const uint8_t key[16], const uint8_t nonce[12], const uint8_t *aad, size_t alen,
    uint8_t *buf, size_t n, uint8_t tag[16], int enc)
{
	gcry_cipher_hd_t h;
	int rc = 0;

	cr_assert_eq(gcry_cipher_open(&h, GCRY_CIPHER_SM4, GCRY_CIPHER_MODE_GCM, 0), 0);
	cr_assert_eq(gcry_cipher_setkey(h, key, 16), 0);
	cr_assert_eq(gcry_cipher_setiv(h, nonce, 12), 0);
	cr_assert_eq(gcry_cipher_authenticate(h, aad, alen), 0);
	if (enc) {
		cr_assert_eq(gcry_cipher_encrypt(h, buf, n, NULL, 0), 0);
		cr_assert_eq(gcry_cipher_gettag(h, tag, 16), 0);
	} else {
		cr_assert_eq(gcry_cipher_decrypt(h, buf, n, NULL, 0), 0);
		rc = gcry_cipher_checktag(h, tag, 16) ? -1 : 0;
	}
	gcry_cipher_close(h);
	return rc;
}

static size_t
aad_of(const struct sc *s, uint8_t *aad)
{
	memcpy(aad, label, sizeof(label) - 1);
	memcpy(aad + sizeof(label) - 1, s->user, 6);
	return sizeof(label) - 1 + 6;
}

/* Hello with the firm key the client believes in; the server's random comes back clear. */
static void
hello(struct sc *s, const char *user, const uint8_t firm_key[16])
{
	uint8_t p[22], salt[32], info[64], okm[32];
	struct gwt_pkt k;

	memset(s, 0, sizeof(*s));
	gwt_connect(&s->c, gw.sealed_addr);
	memset(s->user, ' ', 6);
	memcpy(s->user, user, strlen(user));
	memcpy(p, s->user, 6);
	gcry_randomize(p + 6, 16, GCRY_STRONG_RANDOM);
	gwt_send(&s->c, 'K', p, sizeof(p));
	cr_assert_eq(gwt_recv(&s->c, &k, 10000), 1);
	cr_assert_eq(k.type, 'K', "hello answered with '%c'", k.type);
	cr_assert_eq(k.len, 16);
	memcpy(salt, p + 6, 16);
	memcpy(salt + 16, k.p, 16);
	memcpy(info, label, sizeof(label) - 1);
	memcpy(info + sizeof(label) - 1, s->user, 6);
	hkdf_sm3(firm_key, salt, info, sizeof(label) - 1 + 6, okm);
	memcpy(s->kc2s, okm, 16);
	memcpy(s->ks2c, okm + 16, 16);
}

/* Seal one inner packet into a frame and send it. */
static void
ssend(struct sc *s, char type, const void *payload, size_t n)
{
	uint8_t f[1100], aad[64];
	size_t il = 3 + n, alen = aad_of(s, aad);

	cr_assert(il + 28 + 3 <= sizeof(f));
	/* frame header, nonce "C2S\0" + counter, the inner packet, the tag */
	f[0] = (uint8_t)((il + 28 + 1) >> 8);
	f[1] = (uint8_t)(il + 28 + 1);
	f[2] = 'E';
	memcpy(f + 3, "C2S", 4);
	for (int i = 0; i < 8; i++)
		f[7 + i] = (uint8_t)(s->tx_ctr >> (56 - 8 * i));
	s->tx_ctr++;
	f[15] = (uint8_t)((n + 1) >> 8);
	f[16] = (uint8_t)(n + 1);
	f[17] = (uint8_t)type;
	if (n)
		memcpy(f + 18, payload, n);
	gcm(s->kc2s, f + 3, aad, alen, f + 15, il, f + 15 + il, 1);
	memcpy(s->last_frame, f, il + 31);
	s->last_len = il + 31;
	gwt_send_raw(&s->c, f, il + 31);
}

/*
 * The next packet, opened: 1 (inner type and payload in *k), 0 timeout,
 * -1 closed. Server Heartbeats are skipped. Every frame must authenticate,
 * carry the server's nonce prefix and the next counter.
 */
static int
srecv(struct sc *s, struct gwt_pkt *k, int timeout_ms)
{
	for (;;) {
		uint8_t aad[64];
		size_t alen = aad_of(s, aad);
		int rc = gwt_recv(&s->c, k, timeout_ms);

		if (rc != 1)
			return rc;
		cr_assert_eq(k->type, 'E', "a clear '%c' inside a sealed session", k->type);
		cr_assert_geq(k->len, 31);
		cr_assert_eq(memcmp(k->p, "S2C", 4), 0, "nonce prefix");
		uint64_t ctr = 0;
		for (int i = 0; i < 8; i++)
			ctr = ctr << 8 | k->p[4 + i];
		cr_assert_eq(ctr, s->rx_ctr, "nonce counter %llu, wanted %llu",
			     (unsigned long long)ctr, (unsigned long long)s->rx_ctr);
		s->rx_ctr++;
		size_t n = k->len - 28;
		cr_assert_eq(gcm(s->ks2c, k->p, aad, alen, k->p + 12, n, k->p + 12 + n, 0), 0,
			     "a server frame that does not authenticate");
		cr_assert_eq(((size_t)k->p[12] << 8 | k->p[13]) + 2, n);
		k->type = (char)k->p[14];
		memmove(k->p, k->p + 15, n - 3);
		k->len = n - 3;
		if (k->type != 'H')
			return 1;
	}
}

/* Sealed login; returns 1 accepted, the reject code, or -1 closed. */
static int
slogin(struct sc *s, const char *pw)
{
	uint8_t p[46];
	struct gwt_pkt k;

	memset(p, ' ', sizeof(p));
	memcpy(p, s->user, 6);
	memcpy(p + 6, pw, strlen(pw));
	p[45] = '1';
	ssend(s, 'L', p, sizeof(p));
	int rc = srecv(s, &k, 10000);
	if (rc != 1)
		return -1;
	if (k.type == 'J')
		return k.p[0];
	cr_assert_eq(k.type, 'A');
	return 1;
}

/* A sealed Enter Order. */
static void
senter(struct sc *s, const char *token, char side, uint32_t shares, uint32_t price)
{
	struct tg_ouch_in m = { .type = 'O' };
	uint8_t b[TG_OUCH_MAX_MSG];

	tg_ouch_alpha(m.enter.token, 14, token);
	m.enter.side = side;
	m.enter.shares = shares;
	tg_ouch_alpha(m.enter.stock, 8, "AAPL");
	m.enter.price = price;
	m.enter.tif = 99999;
	tg_ouch_alpha(m.enter.firm, 4, "");
	m.enter.display = 'Y';
	m.enter.capacity = 'A';
	m.enter.ise = 'N';
	m.enter.cross_type = 'N';
	m.enter.customer_type = ' ';
	ssend(s, 'U', b, tg_ouch_in_encode(&m, b));
}

/* The next sealed OUCH message. */
static void
smsg(struct sc *s, struct tg_ouch_out *m)
{
	struct gwt_pkt k;

	cr_assert_eq(srecv(s, &k, 10000), 1);
	cr_assert_eq(k.type, 'S', "got '%c'", k.type);
	cr_assert_eq(tg_ouch_out_decode(k.p, k.len, m), 0);
}

/* Read until the server closes (sealed Debug frames may come first). */
static void
until_closed(struct sc *s)
{
	struct gwt_pkt k;
	int rc;

	while ((rc = gwt_recv(&s->c, &k, 10000)) == 1)
		;
	cr_assert_eq(rc, -1, "still open");
}

static void
trade_with_bob(const char *card)
{
	struct sc a;
	struct gwt_c b;
	struct tg_ouch_out m, ea, eb;

	gw.card = card;
	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	cr_assert(gw.sealed_addr[0], "no sealed port announced");
	hello(&a, "alice", acme_key);
	cr_assert_eq(slogin(&a, "pw-alice"), 1);
	smsg(&a, &m);
	cr_assert_eq(m.type, 'S');
	gwt_connect(&b, gw.addr);
	cr_assert_eq(gwt_login(&b, "bob", "bobs pass", NULL, 0, NULL, NULL), 1);
	senter(&a, "SEALBUY", 'B', 100, 1000000);
	smsg(&a, &m);
	cr_assert_eq(m.type, 'A');
	gwt_enter(&b, "PLAINSELL", 'S', 100, "AAPL", 1000000, 99999);
	cr_assert_eq(gwt_msg(&b, &m, NULL, NULL, 10000), 1);
	cr_assert_eq(gwt_msg(&b, &eb, NULL, NULL, 10000), 1);
	cr_assert_eq(eb.type, 'E');
	smsg(&a, &ea);
	cr_assert_eq(ea.type, 'E');
	cr_assert_eq(ea.executed.match, eb.executed.match);
	/* logout, and a sealed re-login replays the stream sealed */
	ssend(&a, 'O', NULL, 0);
	until_closed(&a);
	gwt_close(&a.c);
	hello(&a, "alice", acme_key);
	cr_assert_eq(slogin(&a, "pw-alice"), 1);
	smsg(&a, &m);
	cr_assert_eq(m.type, 'S');
	smsg(&a, &m);
	cr_assert_eq(m.type, 'A');
	smsg(&a, &m);
	cr_assert_eq(m.type, 'E');
	gwt_close(&a.c);
	gwt_close(&b);
	cr_assert_eq(gwt_stop(&gw), 0);
	char *log = gwt_log(&gw);
	cr_assert_eq(gwt_stat(log, "sealed_hellos"), 2, "%s", log);
	free(log);
}

Test(gateway_sealed, trade_on_the_model_card)
{
	trade_with_bob("model");
}

Test(gateway_sealed, trade_on_the_verilated_card)
{
	trade_with_bob("sim");
}

Test(gateway_sealed, bad_frames_close_the_session)
{
	static const uint8_t wrong_key[16] = { 9 };
	struct sc a;
	struct gwt_c b;
	struct tg_ouch_out m;
	struct gwt_pkt k;

	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	gwt_connect(&b, gw.addr);
	cr_assert_eq(gwt_login(&b, "bob", "bobs pass", NULL, 0, NULL, NULL), 1);

	/* 1. a flipped ciphertext bit after the login */
	hello(&a, "alice", acme_key);
	cr_assert_eq(slogin(&a, "pw-alice"), 1);
	smsg(&a, &m);
	senter(&a, "T1", 'B', 1, 10000);
	smsg(&a, &m);
	cr_assert_eq(m.type, 'A');
	senter(&a, "T2", 'B', 1, 10000);
	smsg(&a, &m);
	cr_assert_eq(m.type, 'A');
	{
		/* the next frame (a Cancel of T1), built right and damaged in flight */
		struct tg_ouch_in o = { .type = 'X' };
		uint8_t bb[TG_OUCH_MAX_MSG], aad[64];
		uint8_t f[1100];
		size_t n, il, alen = aad_of(&a, aad);

		tg_ouch_alpha(o.cancel.token, 14, "T1");
		n = tg_ouch_in_encode(&o, bb);
		il = 3 + n;
		f[0] = (uint8_t)((il + 29) >> 8);
		f[1] = (uint8_t)(il + 29);
		f[2] = 'E';
		memcpy(f + 3, "C2S", 4);
		for (int i = 0; i < 8; i++)
			f[7 + i] = (uint8_t)(a.tx_ctr >> (56 - 8 * i));
		f[15] = 0;
		f[16] = (uint8_t)(n + 1);
		f[17] = 'U';
		memcpy(f + 18, bb, n);
		gcm(a.kc2s, f + 3, aad, alen, f + 15, il, f + 15 + il, 1);
		f[20] ^= 0x04;
		gwt_send_raw(&a.c, f, il + 31);
	}
	until_closed(&a);
	gwt_close(&a.c);
	gwt_enter(&b, "B1", 'B', 1, "MSFT", 10000, 99999);
	cr_assert_eq(gwt_msg(&b, &m, NULL, NULL, 10000), 1);

	/* 2. a frame sent twice: the second is a replay */
	hello(&a, "alice", acme_key);
	cr_assert_eq(slogin(&a, "pw-alice"), 1);
	for (int i = 0; i < 3; i++)	/* the day so far: start of day, T1, T2 */
		smsg(&a, &m);
	senter(&a, "T3", 'B', 1, 10000);
	smsg(&a, &m);
	cr_assert_eq(m.type, 'A');
	gwt_send_raw(&a.c, a.last_frame, a.last_len);
	until_closed(&a);
	gwt_close(&a.c);
	gwt_enter(&b, "B2", 'B', 1, "MSFT", 10000, 99999);
	cr_assert_eq(gwt_msg(&b, &m, NULL, NULL, 10000), 1);

	/* 3. the wrong firm key: the login frame does not open */
	hello(&a, "alice", wrong_key);
	ssend(&a, 'L', "x", 1);
	until_closed(&a);
	gwt_close(&a.c);

	/* 4. a firm without a key (bob's) cannot seal */
	hello(&a, "bob", acme_key);
	ssend(&a, 'L', "x", 1);
	until_closed(&a);
	gwt_close(&a.c);

	/* 5. a clear packet inside a sealed session */
	hello(&a, "alice", acme_key);
	gwt_send(&a.c, 'R', NULL, 0);
	until_closed(&a);
	gwt_close(&a.c);

	/* 6. a clear packet before the hello */
	gwt_connect(&a.c, gw.sealed_addr);
	gwt_send(&a.c, 'R', NULL, 0);
	cr_assert_eq(gwt_recv(&a.c, &k, 10000), 1);
	cr_assert_eq(k.type, '+');
	cr_assert_eq(gwt_recv(&a.c, &k, 10000), -1);
	gwt_close(&a.c);

	gwt_enter(&b, "B3", 'B', 1, "MSFT", 10000, 99999);
	cr_assert_eq(gwt_msg(&b, &m, NULL, NULL, 10000), 1);
	gwt_close(&b);
	cr_assert_eq(gwt_stop(&gw), 0);
	char *log = gwt_log(&gw);
	cr_assert_eq(gwt_stat(log, "seal_bad"), 3, "%s", log);
	cr_assert_eq(gwt_stat(log, "seal_replay"), 1, "%s", log);
	cr_assert_eq(gwt_stat(log, "bad_type"), 2, "%s", log);
	/* T1, T2, T3 and bob's three: the tampered cancel and the replay did nothing */
	cr_assert_eq(gwt_stat(log, "messages_in"), 6, "%s", log);
	free(log);
}
