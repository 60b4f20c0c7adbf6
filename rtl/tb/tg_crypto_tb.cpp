/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test bench of the card's crypto jobs over the DMA rings
 * (docs/card-interface.md section 9), through the Verilated card of
 * sim/tg_vcard.h: a host written from the contract, not from the RTL, with
 * rings, job blocks and buffers in malloc'd memory, keys loaded through
 * the key registers, and OpenSSL (SM4-ECB, SM4-CTR) and libgcrypt
 * (SM4-GCM, which reproduces RFC 8998) computing every expected byte.
 *
 * Every result record is checked field by field against the job that is
 * next in H2C order (status, mode, flags, len, cookie, tag, reserved bytes,
 * phase), then the job's destination: its bytes against the oracle and
 * the guard bytes around it untouched. Feed frames are mixed in and their
 * records checked as in tg_dma_tb (a lost, duplicated or reordered record
 * of either kind fails). Also checked: the key registers, every BAD_JOB
 * case (and that such a job touches no memory), bad job descriptors,
 * tampered GCM inputs, waiting for C2H room, slow and stalling memory,
 * RESET with jobs in flight, and the counters. The last part measures the
 * sustained rate on long jobs and the latency of small ones.
 *
 * Usage: tg_crypto_tb [--jobs N] [--seed S] [--big]   exit 0 when every check
 * passes. --big (or TG_CRYPTO_TB_BIG in the environment) adds two 16 MiB jobs.
 */
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <vector>

#include <gcrypt.h>
#include <openssl/evp.h>

#include "tg_card_abi.h"
#include "tg_vcard.h"

#define TB_SESSION		"TGTEST0001"
#define TB_MSG_LEN		12	/* System Event */
#define TB_FRAME_STRIDE		2048
#define TB_GUARD		64	/* guard bytes around each destination */
#define TB_GUARD_BYTE		0xA5

static unsigned tb_fails;

#define TB_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		tb_fails++;						\
		if (tb_fails < 50) {					\
			fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
		}							\
	}								\
} while (0)

/* ---- random numbers (xorshift64*, seeded) ---- */
static uint64_t tb_rng = 0x243F6A8885A308D3ull;

static uint64_t
tb_rand(void)
{
	tb_rng ^= tb_rng >> 12;
	tb_rng ^= tb_rng << 25;
	tb_rng ^= tb_rng >> 27;
	return tb_rng * 0x2545F4914F6CDD1Dull;
}

static unsigned
tb_below(unsigned n)
{
	return (unsigned)(tb_rand() % n);
}

static void
tb_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)tb_rand();
}

static void *
tb_alloc(size_t n)
{
	void *p = aligned_alloc(4096, (n + 4095) & ~(size_t)4095);

	if (!p) {
		perror("aligned_alloc");
		exit(1);
	}
	memset(p, 0, n);
	return p;
}

static void
tb_unhex(uint8_t *out, const char *hex)
{
	for (size_t i = 0; hex[2 * i]; i++) {
		unsigned v;

		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* ---- the oracles ---- */

/* SM4-ECB or SM4-CTR through OpenSSL's EVP (CTR: 128-bit counter). */
static void
tb_evp(const EVP_CIPHER *c, const uint8_t key[16], const uint8_t *iv, int enc,
       const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;

	if (!ctx || !EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
	    (len && !EVP_CipherUpdate(ctx, out, &n, in, (int)len)) ||
	    !EVP_CipherFinal_ex(ctx, out + n, &m) || (size_t)(n + m) != len) {
		fprintf(stderr, "OpenSSL SM4 failed\n");
		exit(1);
	}
	EVP_CIPHER_CTX_free(ctx);
}

/*
 * SM4-GCM through libgcrypt: out = the data processed, tag = the tag of
 * (aad, ciphertext); on decrypt, *ok says whether tag_in verifies.
 */
static void
tb_gcm(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
       int dec, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[16],
       const uint8_t *tag_in, int *ok)
{
	gcry_cipher_hd_t h;
	gcry_error_t e;

	e = gcry_cipher_open(&h, GCRY_CIPHER_SM4, GCRY_CIPHER_MODE_GCM, 0);
	if (!e)
		e = gcry_cipher_setkey(h, key, 16);
	if (!e)
		e = gcry_cipher_setiv(h, iv, 12);
	if (!e && aad_len)
		e = gcry_cipher_authenticate(h, aad, aad_len);
	if (!e && len)
		e = dec ? gcry_cipher_decrypt(h, out, len, in, len)
			: gcry_cipher_encrypt(h, out, len, in, len);
	if (!e && !len)
		e = dec ? gcry_cipher_decrypt(h, NULL, 0, NULL, 0)
			: gcry_cipher_encrypt(h, NULL, 0, NULL, 0);
	if (e) {
		fprintf(stderr, "libgcrypt SM4-GCM failed: %s\n", gcry_strerror(e));
		exit(1);
	}
	if (gcry_cipher_gettag(h, tag, 16)) {
		fprintf(stderr, "libgcrypt gettag failed\n");
		exit(1);
	}
	if (ok)
		*ok = tag_in ? memcmp(tag, tag_in, 16) == 0 : 1;
	gcry_cipher_close(h);
}

/* ---- the host ---- */

struct tb_job {
	/* what the host asks */
	uint8_t mode, op, slot;
	uint32_t len, aad_len;
	uint8_t iv[16], tag[16];
	uint64_t cookie;
	uint8_t *src, *dst, *aad;	/* inside the allocations below */
	uint8_t *src_mem, *dst_mem, *aad_mem;
	size_t dst_off, dst_size;	/* dst's offset in dst_mem, dst_mem's size */
	uint32_t desc_idx;		/* its descriptor's H2C index */
	uint8_t *block;			/* its job block */
	bool scribbled;			/* inputs overwritten once the head passed */
	/* what the card must answer */
	uint8_t status;
	uint8_t exp_tag[16];
	std::vector<uint8_t> exp_out;
	bool has_oracle;		/* exp_out holds the expected output */
};

struct tb {
	struct tg_vcard *vc;
	unsigned hlog, clog;
	struct tg_h2c_desc *h2c;
	uint8_t *slots;			/* per H2C slot: a frame or a job block */
	struct tg_event *c2h;
	uint32_t *wb;
	uint32_t h2c_tail;
	uint32_t c2h_cons;
	uint32_t c2h_released;		/* the host's C2H_HEAD */
	uint64_t mold_seq;		/* next MoldUDP64 sequence number */
	uint64_t feed_seen;		/* feed records read */
	std::vector<uint8_t> feed_line;	/* line of each expected feed record */
	std::deque<tb_job *> jobs;	/* jobs awaiting their result, in H2C order */
	uint8_t keys[TG_KEY_SLOTS][16];
	uint16_t loaded;
	/* since the last start */
	uint32_t descs, bad_descs;
	uint64_t n_results, n_bytes, n_tag_fail, n_bad_job;
	uint64_t last_result_cycle;
	unsigned reloads;		/* slot 15 loads during traffic */
	bool spare15;			/* random jobs leave slot 15 alone */
	bool release;			/* the host returns C2H slots as it reads */
};

static uint32_t
tb_wb_head(const struct tb *t)
{
	return __atomic_load_n(t->wb, __ATOMIC_ACQUIRE);
}

static unsigned
tb_h2c_space(const struct tb *t)
{
	return (1u << t->hlog) - (t->h2c_tail - tb_wb_head(t));
}

static uint8_t *
tb_slot_mem(struct tb *t)
{
	return t->slots + (size_t)(t->h2c_tail & ((1u << t->hlog) - 1)) * TB_FRAME_STRIDE;
}

/*
 * The H2C head has passed these jobs: the host may reuse their job block,
 * AAD and source (section 9), and does, so a card still reading them
 * would produce wrong output.
 */
static void
tb_scribble(struct tb *t)
{
	uint32_t head = tb_wb_head(t);

	for (tb_job *j : t->jobs) {
		if ((int32_t)(head - j->desc_idx) <= 0)
			break;
		if (j->scribbled)
			continue;
		memset(j->block, 0x5A, TG_CRYPTO_JOB_BLOCK_LEN);
		if (j->has_oracle) {
			memset(j->src, 0x5A, j->len);
			memset(j->aad, 0x5A, j->aad_len);
		}
		j->scribbled = true;
	}
}

static void
tb_push_desc(struct tb *t, uint64_t addr, uint16_t len, uint8_t kind, uint8_t flags)
{
	struct tg_h2c_desc *d;

	tb_scribble(t);
	d = &t->h2c[t->h2c_tail & ((1u << t->hlog) - 1)];

	d->addr = addr;
	d->len = len;
	d->kind = kind;
	d->flags = flags;
	d->rsvd = 0;
	t->h2c_tail++;
	t->descs++;
}

static void
tb_doorbell(struct tb *t)
{
	tg_vcard_reg_write(t->vc, TG_REG_H2C_TAIL, t->h2c_tail);
}

static uint64_t
tb_counter(struct tb *t, unsigned c)
{
	uint32_t lo = tg_vcard_reg_read(t->vc, TG_REG_COUNTER(c));
	uint32_t hi = tg_vcard_reg_read(t->vc, TG_REG_COUNTER(c) + 4);

	return (uint64_t)hi << 32 | lo;
}

static void
tb_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void
tb_put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = v >> (8 * (n - 1 - i));
}

/* A MoldUDP64 frame of nmsg System Event messages from seq (as in tg_dma_tb). */
static size_t
tb_build_frame(uint8_t *f, unsigned nmsg, uint64_t seq)
{
	size_t udp_len = 8 + 20 + nmsg * (2 + TB_MSG_LEN);
	size_t ip_len = 20 + udp_len;
	uint8_t *ip = f + 14, *udp = ip + 20, *mold = udp + 8, *m;
	uint32_t sum = 0;

	memcpy(f, "\x01\x00\x5e\x36\x0c\x6f\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	tb_put16(ip + 2, ip_len);
	tb_put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\x00\x00\x01\xe9\x36\x0c\x6f", 8);
	for (unsigned i = 0; i < 20; i += 2)
		sum += ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	tb_put16(ip + 10, ~sum);
	tb_put16(udp, 40000);
	tb_put16(udp + 2, 26477);
	tb_put16(udp + 4, udp_len);
	tb_put16(udp + 6, 0);
	memcpy(mold, TB_SESSION, 10);
	tb_put_be(mold + 10, seq, 8);
	tb_put16(mold + 18, nmsg);
	m = mold + 20;
	for (unsigned k = 0; k < nmsg; k++, m += 2 + TB_MSG_LEN) {
		tb_put16(m, TB_MSG_LEN);
		m[2] = 'S';
		tb_put16(m + 3, 0);
		tb_put16(m + 5, 0);
		tb_put_be(m + 7, 34200000000000ull + seq + k, 6);
		m[13] = 'O';
	}
	return 14 + ip_len;
}

static void
tb_push_frame(struct tb *t, unsigned nmsg, unsigned line)
{
	uint8_t *f;
	size_t len;

	tb_scribble(t);		/* before the slot's memory is reused */
	f = tb_slot_mem(t) + (t->h2c_tail % 8);
	len = tb_build_frame(f, nmsg, t->mold_seq);

	tb_push_desc(t, (uint64_t)(uintptr_t)f, len, TG_DESC_FEED_FRAME, line);
	t->mold_seq += nmsg;
	for (unsigned k = 0; k < nmsg; k++)
		t->feed_line.push_back(line);
}

/* ---- jobs ---- */

static bool
tb_job_bad(const struct tb *t, const tb_job *j)
{
	return j->mode < 1 || j->mode > 3 || j->op > 1 || j->slot >= TG_KEY_SLOTS ||
	       !(t->loaded >> j->slot & 1) || j->len > TG_CRYPTO_MAX_LEN ||
	       (j->mode == TG_SM4_ECB && j->len % 16) ||
	       (j->aad_len && j->mode != TG_SM4_GCM) || j->aad_len > TG_CRYPTO_MAX_AAD;
}

/*
 * A job with buffers at the given byte offsets (src, dst and aad each in
 * its own allocation; dst with guard bytes). Inputs are random; the caller
 * may change them before tb_job_expect().
 */
static tb_job *
tb_job_new(uint8_t mode, uint8_t op, uint8_t slot, uint32_t len, uint32_t aad_len,
	   unsigned src_off, unsigned dst_off, unsigned aad_off)
{
	tb_job *j = new tb_job();
	size_t alen = len ? len : 1;

	j->mode = mode;
	j->op = op;
	j->slot = slot;
	j->len = len;
	j->aad_len = aad_len;
	tb_fill(j->iv, 16);
	tb_fill(j->tag, 16);
	j->cookie = tb_rand();
	j->src_mem = (uint8_t *)tb_alloc(alen + 64);
	j->src = j->src_mem + src_off;
	tb_fill(j->src, len);
	j->dst_size = alen + 64 + 2 * TB_GUARD;
	j->dst_mem = (uint8_t *)tb_alloc(j->dst_size);
	j->dst_off = TB_GUARD + dst_off;
	j->dst = j->dst_mem + j->dst_off;
	memset(j->dst_mem, TB_GUARD_BYTE, j->dst_size);
	j->aad_mem = (uint8_t *)tb_alloc((aad_len ? aad_len : 1) + 64);
	j->aad = j->aad_mem + aad_off;
	tb_fill(j->aad, aad_len);
	return j;
}

static void
tb_job_free(tb_job *j)
{
	free(j->src_mem);
	free(j->dst_mem);
	free(j->aad_mem);
	delete j;
}

/* What the card must answer, from the oracles. */
static void
tb_job_expect(const struct tb *t, tb_job *j)
{
	const uint8_t *key = t->keys[j->slot < TG_KEY_SLOTS ? j->slot : 0];

	memset(j->exp_tag, 0, 16);
	j->has_oracle = false;
	if (tb_job_bad(t, j)) {
		j->status = TG_CRYPTO_ST_BAD_JOB;
		return;
	}
	j->status = TG_CRYPTO_ST_OK;
	j->exp_out.assign(j->len, 0);
	j->has_oracle = true;
	if (j->mode == TG_SM4_ECB) {
		tb_evp(EVP_sm4_ecb(), key, NULL, !j->op, j->src, j->len, j->exp_out.data());
	} else if (j->mode == TG_SM4_CTR) {
		tb_evp(EVP_sm4_ctr(), key, j->iv, 1, j->src, j->len, j->exp_out.data());
	} else {
		uint8_t tag[16];
		int ok;

		tb_gcm(key, j->iv, j->aad, j->aad_len, j->op, j->src, j->len,
		       j->exp_out.data(), tag, j->op ? j->tag : NULL, &ok);
		if (!j->op)
			memcpy(j->exp_tag, tag, 16);
		else if (!ok)
			j->status = TG_CRYPTO_ST_TAG_FAIL;
	}
}

/* Put the job's block in the current H2C slot and its descriptor on the ring. */
static void
tb_push_job(struct tb *t, tb_job *j)
{
	struct tg_crypto_job_block *b;

	tb_scribble(t);
	b = (struct tg_crypto_job_block *)tb_slot_mem(t);

	memset(b, 0, sizeof(*b));
	b->mode = j->mode;
	b->op = j->op;
	b->slot = j->slot;
	b->len = j->len;
	b->src = (uint64_t)(uintptr_t)j->src;
	b->dst = (uint64_t)(uintptr_t)j->dst;
	b->aad = (uint64_t)(uintptr_t)j->aad;
	b->aad_len = j->aad_len;
	memcpy(b->iv, j->iv, 16);
	memcpy(b->tag, j->tag, 16);
	b->cookie = j->cookie;
	j->desc_idx = t->h2c_tail;
	j->block = (uint8_t *)b;
	j->scribbled = false;
	tb_push_desc(t, (uint64_t)(uintptr_t)b, TG_CRYPTO_JOB_BLOCK_LEN, TG_DESC_CRYPTO_JOB, 0);
	t->jobs.push_back(j);
}

/* A result record against the oldest job awaiting one, then its dst. */
static void
tb_check_result(struct tb *t, const struct tg_crypto_result *r, uint32_t idx)
{
	static const uint8_t zero[32] = { 0 };
	uint8_t want_flags;
	tb_job *j;

	if (t->jobs.empty()) {
		TB_CHECK(0, "result record %u: no job is waiting (cookie %016" PRIx64 ")", idx,
			 r->cookie);
		return;
	}
	j = t->jobs.front();
	t->jobs.pop_front();
	/* a BAD_JOB record carries only its kind, status and cookie */
	want_flags = (j->op == 1 && j->status != TG_CRYPTO_ST_BAD_JOB ? TG_CRYPTO_FLAG_DECRYPT : 0) |
		     (1 - ((idx >> t->clog) & 1)) << 7;
	TB_CHECK(r->kind == TG_EV_CRYPTO && r->status == j->status &&
		 r->mode == (j->status == TG_CRYPTO_ST_BAD_JOB ? 0 : j->mode) &&
		 r->flags == want_flags &&
		 r->len == (j->status == TG_CRYPTO_ST_BAD_JOB ? 0 : j->len) &&
		 r->cookie == j->cookie,
		 "result %u: kind %u status %u mode %u flags %#x len %u cookie %016" PRIx64
		 "; expected status %u mode %u op %u len %u cookie %016" PRIx64,
		 idx, r->kind, r->status, r->mode, r->flags, r->len, r->cookie,
		 j->status, j->mode, j->op, j->len, j->cookie);
	TB_CHECK(!memcmp(r->tag, j->exp_tag, 16), "result %u (mode %u op %u len %u aad %u): tag",
		 idx, j->mode, j->op, j->len, j->aad_len);
	TB_CHECK(!memcmp(r->rsvd, zero, 32), "result %u: reserved bytes not 0", idx);
	if (j->has_oracle) {
		size_t bad = j->len;

		for (size_t i = 0; i < j->len; i++)
			if (j->dst[i] != j->exp_out[i]) {
				bad = i;
				break;
			}
		TB_CHECK(bad == j->len, "result %u: dst byte %zu of %u wrong (mode %u op %u aad %u,"
			 " src %% 64 = %u, dst %% 64 = %u): %02x, expected %02x", idx, bad, j->len,
			 j->mode, j->op, j->aad_len, (unsigned)((uintptr_t)j->src % 64),
			 (unsigned)((uintptr_t)j->dst % 64), bad < j->len ? j->dst[bad] : 0,
			 bad < j->len ? j->exp_out[bad] : 0);
	}
	/* nothing written around dst (BAD_JOB: nothing at all) */
	{
		size_t alen = j->dst_size;
		size_t end = j->has_oracle ? j->dst_off + j->len : j->dst_off;
		bool ok = true;

		for (size_t i = 0; i < j->dst_off; i++)
			ok &= j->dst_mem[i] == TB_GUARD_BYTE;
		for (size_t i = end; i < alen; i++)
			ok &= j->dst_mem[i] == TB_GUARD_BYTE;
		TB_CHECK(ok, "result %u: bytes written outside dst (mode %u len %u, dst %% 64 = %u)",
			 idx, j->mode, j->len, (unsigned)((uintptr_t)j->dst % 64));
	}
	t->n_results++;
	if (j->status != TG_CRYPTO_ST_BAD_JOB)
		t->n_bytes += j->len;
	t->n_tag_fail += j->status == TG_CRYPTO_ST_TAG_FAIL;
	t->n_bad_job += j->status == TG_CRYPTO_ST_BAD_JOB;
	t->last_result_cycle = tg_vcard_cycles(t->vc);
	tb_job_free(j);
}

/* Read new records of both kinds, checking each. Returns how many. */
static unsigned
tb_poll(struct tb *t)
{
	uint32_t mask = (1u << t->clog) - 1;
	unsigned n = 0;

	tb_scribble(t);
	for (;;) {
		const struct tg_event *e = &t->c2h[t->c2h_cons & mask];
		uint8_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
		unsigned phase = 1 - ((t->c2h_cons >> t->clog) & 1);

		if ((flags >> 7) != phase)
			break;
		if (e->kind == TG_EV_CRYPTO) {
			tb_check_result(t, (const struct tg_crypto_result *)e, t->c2h_cons);
		} else {
			uint64_t r = t->feed_seen++;

			if (r >= t->feed_line.size())
				TB_CHECK(0, "feed record %" PRIu64 " was never sent", r);
			else
				TB_CHECK(e->kind == TG_EV_MSG && e->msg_type == 'S' && e->seq == r &&
					 (flags & 0x7F) == t->feed_line[r],
					 "feed record %" PRIu64 ": kind %u type %c seq %" PRIu64
					 " flags %#x", r, e->kind, e->msg_type, e->seq, flags);
		}
		t->c2h_cons++;
		n++;
	}
	return n;
}

/* Return every slot read so far to the card. */
static void
tb_release(struct tb *t)
{
	if (t->c2h_released != t->c2h_cons)
		tg_vcard_reg_write(t->vc, TG_REG_C2H_HEAD, t->c2h_cons);
	t->c2h_released = t->c2h_cons;
}

static bool
tb_all_in(struct tb *t)
{
	return tb_wb_head(t) == t->h2c_tail && t->jobs.empty() &&
	       t->feed_seen == t->feed_line.size();
}

/*
 * Run the card, reading and releasing records, until every descriptor is
 * consumed, every job answered, every feed record read and STATUS is IDLE.
 * Returns the cycles taken, 0 on timeout.
 */
static uint64_t
tb_drain(struct tb *t, uint64_t max_cycles)
{
	uint64_t start = tg_vcard_cycles(t->vc);

	while (tg_vcard_cycles(t->vc) - start < max_cycles) {
		tg_vcard_tick(t->vc, 64);
		tb_poll(t);
		tb_release(t);
		if (tb_all_in(t) && (tg_vcard_reg_read(t->vc, TG_REG_STATUS) & TG_STATUS_IDLE))
			return tg_vcard_cycles(t->vc) - start;
	}
	return 0;
}

/* Load a key into a slot through the registers and wait for the expansion. */
static void
tb_load_key(struct tb *t, unsigned slot, const uint8_t key[16])
{
	struct tg_vcard *vc = t->vc;
	unsigned polls = 0;

	for (unsigned w = 0; w < 4; w++)
		tg_vcard_reg_write(vc, TG_REG_KEY_DATA(w),
				   (uint32_t)key[4 * w] << 24 | key[4 * w + 1] << 16 |
				   key[4 * w + 2] << 8 | key[4 * w + 3]);
	tg_vcard_reg_write(vc, TG_REG_KEY_CMD, TG_KEY_CMD_LOAD | slot);
	while (tg_vcard_reg_read(vc, TG_REG_KEY_STATUS) & TG_KEY_STATUS_BUSY) {
		tg_vcard_tick(vc, 16);
		if (++polls > 1000) {
			TB_CHECK(0, "key load into slot %u never ends", slot);
			break;
		}
	}
	memcpy(t->keys[slot], key, 16);
	t->loaded |= 1u << slot;
}

static void
tb_start(struct tb *t)
{
	struct tg_vcard *vc = t->vc;
	uint64_t h = (uint64_t)(uintptr_t)t->h2c, c = (uint64_t)(uintptr_t)t->c2h;
	uint64_t w = (uint64_t)(uintptr_t)t->wb;

	memset(t->c2h, 0, (size_t)64 << t->clog);
	*t->wb = 0;
	tg_vcard_reg_write(vc, TG_REG_CTRL, 0);
	tg_vcard_reg_write(vc, TG_REG_H2C_BASE_LO, (uint32_t)h);
	tg_vcard_reg_write(vc, TG_REG_H2C_BASE_HI, (uint32_t)(h >> 32));
	tg_vcard_reg_write(vc, TG_REG_H2C_SIZE, t->hlog);
	tg_vcard_reg_write(vc, TG_REG_H2C_WB_LO, (uint32_t)w);
	tg_vcard_reg_write(vc, TG_REG_H2C_WB_HI, (uint32_t)(w >> 32));
	tg_vcard_reg_write(vc, TG_REG_C2H_BASE_LO, (uint32_t)c);
	tg_vcard_reg_write(vc, TG_REG_C2H_BASE_HI, (uint32_t)(c >> 32));
	tg_vcard_reg_write(vc, TG_REG_C2H_SIZE, t->clog);
	tg_vcard_reg_write(vc, TG_REG_FILTER(0) + TG_FILTER_CTRL,
			   TG_FILTER_VALID | TG_FILTER_ANY_IP | TG_FILTER_ANY_PORT);
	tg_vcard_reg_write(vc, TG_REG_CTRL, TG_CTRL_RESET);
	tg_vcard_reg_write(vc, TG_REG_CTRL, TG_CTRL_ENABLE);
	for (tb_job *j : t->jobs)
		tb_job_free(j);
	t->jobs.clear();
	t->h2c_tail = 0;
	t->c2h_cons = 0;
	t->c2h_released = 0;
	t->mold_seq = 0;
	t->feed_seen = 0;
	t->feed_line.clear();
	t->descs = t->bad_descs = 0;
	t->n_results = t->n_bytes = t->n_tag_fail = t->n_bad_job = 0;
}

static void
tb_init(struct tb *t, struct tg_vcard *vc, unsigned hlog, unsigned clog)
{
	t->vc = vc;
	t->hlog = hlog;
	t->clog = clog;
	t->h2c = (struct tg_h2c_desc *)tb_alloc((size_t)16 << hlog);
	t->slots = (uint8_t *)tb_alloc((size_t)TB_FRAME_STRIDE << hlog);
	t->c2h = (struct tg_event *)tb_alloc((size_t)64 << clog);
	t->wb = (uint32_t *)tb_alloc(64) + 3;
	t->release = true;
}

static void
tb_fini(struct tb *t)
{
	for (tb_job *j : t->jobs)
		tb_job_free(j);
	t->jobs.clear();
	free(t->h2c);
	free(t->slots);
	free(t->c2h);
	free(t->wb - 3);
}

/* Counters against what the host saw since tb_start(). */
static void
tb_check_counters(struct tb *t, const char *what)
{
	uint64_t c;

	TB_CHECK(tg_vcard_reg_read(t->vc, TG_REG_H2C_HEAD) == t->h2c_tail, "%s: H2C_HEAD", what);
	TB_CHECK((c = tb_counter(t, TG_CNT_H2C_DESCS)) == t->descs,
		 "%s: H2C_DESCS %" PRIu64 ", %u pushed", what, c, t->descs);
	TB_CHECK((c = tb_counter(t, TG_CNT_ERR_DESC)) == t->bad_descs,
		 "%s: ERR_DESC %" PRIu64 ", %u bad", what, c, t->bad_descs);
	TB_CHECK((c = tb_counter(t, TG_CNT_CRYPTO_JOBS)) == t->n_results,
		 "%s: CRYPTO_JOBS %" PRIu64 ", %" PRIu64 " results", what, c, t->n_results);
	TB_CHECK((c = tb_counter(t, TG_CNT_CRYPTO_BYTES)) == t->n_bytes,
		 "%s: CRYPTO_BYTES %" PRIu64 ", %" PRIu64 " expected", what, c, t->n_bytes);
	TB_CHECK((c = tb_counter(t, TG_CNT_CRYPTO_TAG_FAIL)) == t->n_tag_fail,
		 "%s: CRYPTO_TAG_FAIL %" PRIu64 ", %" PRIu64 " expected", what, c, t->n_tag_fail);
	TB_CHECK((c = tb_counter(t, TG_CNT_CRYPTO_BAD_JOB)) == t->n_bad_job,
		 "%s: CRYPTO_BAD_JOB %" PRIu64 ", %" PRIu64 " expected", what, c, t->n_bad_job);
	TB_CHECK(tb_counter(t, TG_CNT_C2H_DROPS) == 0, "%s: C2H_DROPS", what);
	TB_CHECK(tg_vcard_reg_read(t->vc, TG_REG_C2H_TAIL) == t->c2h_cons, "%s: C2H_TAIL", what);
	for (unsigned k = 29; k < 32; k++)
		TB_CHECK(tb_counter(t, k) == 0, "%s: counter %u reads nonzero", what, k);
}

/* Push one job, waiting for H2C room, and publish it. */
static void
tb_submit(struct tb *t, tb_job *j)
{
	while (tb_h2c_space(t) == 0) {
		tg_vcard_tick(t->vc, 32);
		if (tb_poll(t) && t->release)
			tb_release(t);
	}
	tb_job_expect(t, j);
	tb_push_job(t, j);
}

/* ---- the tests ---- */

static const uint8_t tb_gbt_key[16] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};

/* Key registers: write only, status, load/unload, RESET keeps keys; CAPS. */
static void
test_regs(struct tb *t)
{
	struct tg_vcard *vc = t->vc;
	uint32_t v;

	TB_CHECK((v = tg_vcard_reg_read(vc, TG_REG_CAPS)) == 0x03080808u, "CAPS %#x", v);
	TB_CHECK((v = tg_vcard_reg_read(vc, TG_REG_KEY_STATUS)) == 0, "KEY_STATUS at power-up %#x", v);
	for (unsigned w = 0; w < 4; w++) {
		tg_vcard_reg_write(vc, TG_REG_KEY_DATA(w), 0xDEADBEEF + w);
		TB_CHECK(tg_vcard_reg_read(vc, TG_REG_KEY_DATA(w)) == 0, "KEY_DATA[%u] reads 0", w);
	}
	tg_vcard_reg_write(vc, TG_REG_KEY_CMD, TG_KEY_CMD_LOAD | 5);
	TB_CHECK(tg_vcard_reg_read(vc, TG_REG_KEY_CMD) == 0, "KEY_CMD reads 0");
	v = tg_vcard_reg_read(vc, TG_REG_KEY_STATUS);
	TB_CHECK(v == (TG_KEY_STATUS_BUSY | 1u << (16 + 5)), "KEY_STATUS during a load %#x", v);
	/* commands while busy are ignored */
	tg_vcard_reg_write(vc, TG_REG_KEY_CMD, TG_KEY_CMD_LOAD | 6);
	tg_vcard_reg_write(vc, TG_REG_KEY_CMD, TG_KEY_CMD_UNLOAD | 5);
	for (unsigned i = 0; i < 100 && (tg_vcard_reg_read(vc, TG_REG_KEY_STATUS) & 1); i++)
		tg_vcard_tick(vc, 16);
	v = tg_vcard_reg_read(vc, TG_REG_KEY_STATUS);
	TB_CHECK(v == 1u << (16 + 5), "KEY_STATUS after the load %#x (commands while busy ignored)", v);
	for (unsigned w = 0; w < 4; w++)
		TB_CHECK(tg_vcard_reg_read(vc, TG_REG_KEY_DATA(w)) == 0, "KEY_DATA[%u] reads 0", w);
	tg_vcard_reg_write(vc, TG_REG_KEY_CMD, TG_KEY_CMD_UNLOAD | 5);
	TB_CHECK((v = tg_vcard_reg_read(vc, TG_REG_KEY_STATUS)) == 0, "KEY_STATUS after UNLOAD %#x", v);
	/* every slot, then RESET keeps them */
	for (unsigned s = 0; s < TG_KEY_SLOTS; s++) {
		uint8_t key[16];

		tb_fill(key, 16);
		if (s == 0)
			memcpy(key, tb_gbt_key, 16);
		tb_load_key(t, s, key);
	}
	TB_CHECK((v = tg_vcard_reg_read(vc, TG_REG_KEY_STATUS)) == 0xFFFF0000u,
		 "KEY_STATUS with 16 keys %#x", v);
	tg_vcard_reg_write(vc, TG_REG_CTRL, TG_CTRL_RESET);
	TB_CHECK((v = tg_vcard_reg_read(vc, TG_REG_KEY_STATUS)) == 0xFFFF0000u,
		 "KEY_STATUS after RESET %#x", v);
	for (unsigned k = 24; k < 32; k++)
		TB_CHECK(tb_counter(t, k) == 0, "counter %u after RESET", k);
}

/* GB/T 32907 example 1 and RFC 8998 A.1 through the ring; tampered GCM. */
static void
test_vectors(struct tb *t)
{
	uint8_t ct[16], iv[12], aad[20], pt[64], gct[64], gtag[16];
	tb_job *j;

	tb_start(t);
	tb_unhex(ct, "681edf34d206965e86b3e94f536e4246");
	/* ECB encrypt and decrypt of the standard's block, slot 0 */
	j = tb_job_new(TG_SM4_ECB, 0, 0, 16, 0, 3, 5, 0);
	memcpy(j->src, tb_gbt_key, 16);
	tb_submit(t, j);
	TB_CHECK(!memcmp(j->exp_out.data(), ct, 16), "OpenSSL disagrees with GB/T example 1");
	j = tb_job_new(TG_SM4_ECB, 1, 0, 16, 0, 0, 0, 0);
	memcpy(j->src, ct, 16);
	tb_submit(t, j);
	TB_CHECK(!memcmp(j->exp_out.data(), tb_gbt_key, 16), "OpenSSL decrypt of example 1");

	/* RFC 8998 A.1 in slot 0: encrypt, decrypt, and four tamperings */
	tb_unhex(iv, "00001234567800000000ABCD");
	tb_unhex(aad, "FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
	tb_unhex(pt, "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
		     "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA");
	tb_unhex(gct, "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
		      "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D");
	tb_unhex(gtag, "83DE3541E4C2B58177E065A9BF7B62EC");
	for (unsigned k = 0; k < 6; k++) {
		j = tb_job_new(TG_SM4_GCM, k > 0, 0, 64, 20, 1 + k, 7 * k, 3 + k);
		memcpy(j->iv, iv, 12);
		memcpy(j->aad, aad, 20);
		memcpy(j->src, k ? gct : pt, 64);
		memcpy(j->tag, gtag, 16);
		if (k == 2)
			j->src[33] ^= 0x10;	/* ciphertext */
		if (k == 3)
			j->tag[15] ^= 0x01;	/* tag */
		if (k == 4)
			j->aad[19] ^= 0x80;	/* AAD */
		if (k == 5)
			j->iv[0] ^= 0x01;	/* IV */
		tb_submit(t, j);
		if (k == 0)
			TB_CHECK(!memcmp(j->exp_out.data(), gct, 64) && !memcmp(j->exp_tag, gtag, 16),
				 "libgcrypt disagrees with RFC 8998 A.1");
		if (k == 1)
			TB_CHECK(!memcmp(j->exp_out.data(), pt, 64) && j->status == TG_CRYPTO_ST_OK,
				 "libgcrypt decrypt of RFC 8998 A.1");
		if (k >= 2)
			TB_CHECK(j->status == TG_CRYPTO_ST_TAG_FAIL, "tampering %u not caught by the oracle",
				 k);
	}
	tb_doorbell(t);
	TB_CHECK(tb_drain(t, 200000) != 0, "vectors: drain (%zu jobs left)", t->jobs.size());
	tb_check_counters(t, "vectors");
	TB_CHECK(t->n_tag_fail == 4, "vectors: %" PRIu64 " TAG_FAIL, 4 expected", t->n_tag_fail);
	printf("vectors: GB/T 32907 example 1 (ECB both ways), RFC 8998 A.1 (GCM both ways), "
	       "4 tampered GCM decrypts -> TAG_FAIL\n");
}

/*
 * Every check of a job block, each alone, among good jobs; a bad job touches
 * no memory but its block. Bad descriptors of kind 2 are ERR_DESC.
 */
static void
test_bad_jobs(struct tb *t)
{
	struct bad { uint8_t mode, op, slot; uint32_t len, aad_len; };
	static const struct bad cases[] = {
		{ 0, 0, 1, 16, 0 }, { 4, 0, 1, 16, 0 }, { 255, 1, 1, 16, 0 },
		{ TG_SM4_CTR, 2, 1, 16, 0 }, { TG_SM4_GCM, 255, 1, 16, 0 },
		{ TG_SM4_CTR, 0, 16, 16, 0 }, { TG_SM4_ECB, 0, 200, 16, 0 },
		{ TG_SM4_GCM, 0, 9, 16, 0 },	/* slot 9 unloaded below */
		{ TG_SM4_CTR, 0, 1, TG_CRYPTO_MAX_LEN + 1, 0 },
		{ TG_SM4_GCM, 1, 1, 0xFFFFFFFFu, 0 },
		{ TG_SM4_ECB, 0, 1, 15, 0 }, { TG_SM4_ECB, 1, 1, 4097, 0 },
		{ TG_SM4_ECB, 0, 1, 16, 1 }, { TG_SM4_CTR, 1, 1, 16, 16 },
		{ TG_SM4_GCM, 0, 1, 16, TG_CRYPTO_MAX_AAD + 1 },
		{ TG_SM4_GCM, 1, 1, 16, 0xFFFFFFFFu },
	};
	const unsigned n = sizeof(cases) / sizeof(cases[0]);
	uint8_t *arena = (uint8_t *)tb_alloc(n * 3 * 256);
	uint64_t lo = (uint64_t)(uintptr_t)arena, hi = lo + n * 3 * 256;
	tb_job *good;

	tb_start(t);
	tg_vcard_reg_write(t->vc, TG_REG_KEY_CMD, TG_KEY_CMD_UNLOAD | 9);
	t->loaded &= ~(1u << 9);
	tg_vcard_watch(t->vc, lo, hi);
	for (unsigned i = 0; i < n; i++) {
		tb_job *j = tb_job_new(cases[i].mode, cases[i].op, cases[i].slot, 16, 0, 0, 0, 0);

		/* the job's buffers in the watched arena, never read nor written */
		j->len = cases[i].len;
		j->aad_len = cases[i].aad_len;
		j->src = arena + i * 768;
		j->aad = arena + i * 768 + 256;
		j->dst = j->dst_mem + j->dst_off;
		tb_submit(t, j);
		TB_CHECK(j->status == TG_CRYPTO_ST_BAD_JOB, "case %u is not bad", i);
		/* the dst pointer itself goes to the arena too */
		((struct tg_crypto_job_block *)(uintptr_t)t->h2c[(t->h2c_tail - 1) &
			((1u << t->hlog) - 1)].addr)->dst = (uint64_t)(uintptr_t)(arena + i * 768 + 512);
		/* a good job after each, so results must keep their order */
		good = tb_job_new(1 + i % 3, i & 1, 1, 16 * (i + 1), i % 3 == 2 ? i : 0, i, i, i);
		tb_submit(t, good);
		if (i % 4 == 1) {
			/* a descriptor of kind 2 with the wrong length */
			tb_push_desc(t, (uint64_t)(uintptr_t)tb_slot_mem(t), 80 + (i % 8 == 1 ? 1 : -1),
				     TG_DESC_CRYPTO_JOB, 0);
			t->bad_descs++;
		}
		if (i % 5 == 0)
			tb_push_frame(t, 3, i & 1);
		tb_doorbell(t);
		tg_vcard_tick(t->vc, 50);
	}
	TB_CHECK(tb_drain(t, 500000) != 0, "bad jobs: drain (%zu jobs left)", t->jobs.size());
	tb_check_counters(t, "bad jobs");
	TB_CHECK(t->n_bad_job == n, "bad jobs: %" PRIu64 " of %u", t->n_bad_job, n);
	TB_CHECK(tg_vcard_watch_hits(t->vc) == 0, "bad jobs touched memory: %" PRIu64 " accesses",
		 tg_vcard_watch_hits(t->vc));
	tg_vcard_watch(t->vc, 0, 0);
	/* slot 9 back */
	{
		uint8_t key[16];

		tb_fill(key, 16);
		tb_load_key(t, 9, key);
	}
	free(arena);
	printf("bad jobs: %u BAD_JOB cases, %u bad descriptors, no memory touched\n", n,
	       t->bad_descs);
}

/*
 * The edges of the job block's ranges: the largest AAD (GCM both ways),
 * empty jobs of each mode (GCM: the tag of nothing, and of AAD alone);
 * with big, also the largest data length (16 MiB, ~2 M clocks).
 */
static void
test_limits(struct tb *t, bool big)
{
	tb_job *j;

	tb_start(t);
	j = tb_job_new(TG_SM4_GCM, 0, 2, 100, TG_CRYPTO_MAX_AAD, 1, 2, 3);
	tb_submit(t, j);
	j = tb_job_new(TG_SM4_GCM, 1, 2, 33, TG_CRYPTO_MAX_AAD, 7, 0, 5);
	tb_gcm(t->keys[2], j->iv, j->aad, j->aad_len, 0, j->src, j->len, j->src, j->tag, NULL,
	       NULL);
	tb_submit(t, j);
	for (uint8_t mode = TG_SM4_ECB; mode <= TG_SM4_GCM; mode++)
		for (uint8_t op = 0; op < 2; op++)
			tb_submit(t, tb_job_new(mode, op, 4, 0, 0, 0, 0, 0));
	tb_submit(t, tb_job_new(TG_SM4_GCM, 0, 4, 0, 17, 0, 0, 9));
	if (big) {
		tb_submit(t, tb_job_new(TG_SM4_CTR, 0, 6, TG_CRYPTO_MAX_LEN, 0, 3, 9, 0));
		tb_submit(t, tb_job_new(TG_SM4_GCM, 1, 7, TG_CRYPTO_MAX_LEN, TG_CRYPTO_MAX_AAD, 0, 0, 0));
	}
	tb_doorbell(t);
	TB_CHECK(tb_drain(t, 10000000) != 0, "limits: drain (%zu jobs left)", t->jobs.size());
	tb_check_counters(t, "limits");
	TB_CHECK(t->n_bad_job == 0, "limits: %" PRIu64 " BAD_JOB", t->n_bad_job);
	printf("limits: AAD of %u bytes both ways, empty jobs of every mode%s\n", TG_CRYPTO_MAX_AAD,
	       big ? ", 16 MiB CTR and GCM jobs" : "");
}

static const uint32_t tb_lens[] = {
	0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 127, 128, 129, 255, 256, 257,
	511, 512, 513, 1000, 1500, 4095, 4096, 4097,
};

/* A random job of any mode and op; GCM decrypts with good or tampered inputs. */
static tb_job *
tb_random_job(struct tb *t, uint32_t max_len)
{
	uint8_t mode = 1 + tb_below(3), op = tb_below(2);
	uint8_t slot = tb_below(t->spare15 ? TG_KEY_SLOTS - 1 : TG_KEY_SLOTS);
	uint32_t len, aad_len = 0;
	tb_job *j;

	if (tb_below(2))
		len = tb_lens[tb_below(sizeof(tb_lens) / sizeof(tb_lens[0]))];
	else
		len = tb_below(max_len + 1);
	if (len > max_len)
		len = max_len;
	if (mode == TG_SM4_ECB)
		len &= ~15u;
	if (mode == TG_SM4_GCM) {
		unsigned r = tb_below(10);

		aad_len = r < 3 ? 0 : r < 8 ? 1 + tb_below(64) : tb_below(2000);
	}
	j = tb_job_new(mode, op, slot, len, aad_len, tb_below(64), tb_below(64), tb_below(64));
	if (mode == TG_SM4_CTR && tb_below(8) == 0) {
		/* the counter carries across 32-bit pieces, or wraps 2^128 */
		unsigned k = 1 + tb_below(16);

		memset(j->iv + 16 - k, 0xFF, k);
	}
	if (mode == TG_SM4_GCM && op == 1) {
		std::vector<uint8_t> ct(len ? len : 1);
		unsigned how = tb_below(8);

		/* the ciphertext and tag of a random plaintext, then maybe tamper */
		tb_gcm(t->keys[slot], j->iv, j->aad, aad_len, 0, j->src, len, ct.data(), j->tag,
		       NULL, NULL);
		memcpy(j->src, ct.data(), len);
		if (how == 1 && len)
			j->src[tb_below(len)] ^= 1u << tb_below(8);
		else if (how == 2)
			j->tag[tb_below(16)] ^= 1u << tb_below(8);
		else if (how == 3 && aad_len)
			j->aad[tb_below(aad_len)] ^= 1u << tb_below(8);
		else if (how == 4)
			j->iv[tb_below(12)] ^= 1u << tb_below(8);
	}
	return j;
}

/*
 * Load a new key into slot 15 while jobs run on other slots, if no job
 * waiting names it and no load runs: the load must not disturb them, and
 * jobs after it use the new key.
 */
static void
tb_reload_15(struct tb *t)
{
	uint8_t key[16];

	for (tb_job *j : t->jobs)
		if (j->slot == 15)
			return;
	if (tg_vcard_reg_read(t->vc, TG_REG_KEY_STATUS) & TG_KEY_STATUS_BUSY)
		return;
	tb_fill(key, 16);
	for (unsigned w = 0; w < 4; w++)
		tg_vcard_reg_write(t->vc, TG_REG_KEY_DATA(w),
				   (uint32_t)key[4 * w] << 24 | key[4 * w + 1] << 16 |
				   key[4 * w + 2] << 8 | key[4 * w + 3]);
	tg_vcard_reg_write(t->vc, TG_REG_KEY_CMD, TG_KEY_CMD_LOAD | 15);
	memcpy(t->keys[15], key, 16);
	t->reloads++;
}

/*
 * Random jobs mixed with feed frames, the host publishing in bursts and
 * reading as it goes. hold: the host releases C2H slots only when the card
 * has stopped writing records, and then only a few, so the ring stays full
 * and jobs keep meeting it full.
 */
static void
test_random(struct tb *t, unsigned njobs, uint32_t max_len, bool hold, bool step,
	    const char *what)
{
	unsigned pushed = 0, frames = 0;
	uint32_t seen = 0;
	uint64_t waits, c0 = tg_vcard_cycles(t->vc);

	tb_start(t);
	while (pushed < njobs) {
		unsigned burst = 1 + tb_below(12);

		/* the first half reloads slot 15 under traffic, the second uses it */
		t->spare15 = pushed < njobs / 2;

		while (burst-- && pushed < njobs && tb_h2c_space(t) > 0) {
			if (tb_below(4) == 0) {
				tb_push_frame(t, 1 + tb_below(40), tb_below(2));
				frames++;
			} else {
				tb_job *j = tb_random_job(t, max_len);

				tb_job_expect(t, j);
				tb_push_job(t, j);
				pushed++;
			}
		}
		tb_doorbell(t);
		if (step) {
			/* every clock: a result must find its dst complete */
			for (unsigned c = 20 + tb_below(400); c; c--) {
				tg_vcard_tick(t->vc, 1);
				tb_poll(t);
			}
		} else {
			tg_vcard_tick(t->vc, 20 + tb_below(400));
			tb_poll(t);
		}
		if (tb_below(16) == 0)
			tb_reload_15(t);
		if (!hold) {
			tb_release(t);
		} else if (t->c2h_cons == seen && t->c2h_released != t->c2h_cons) {
			uint32_t held = t->c2h_cons - t->c2h_released;

			t->c2h_released += 1 + tb_below(held < 8 ? held : 8);
			tg_vcard_reg_write(t->vc, TG_REG_C2H_HEAD, t->c2h_released);
		}
		seen = t->c2h_cons;
	}
	TB_CHECK(tb_drain(t, 20000000) != 0, "%s: drain (%zu jobs left, head %u of %u)", what,
		 t->jobs.size(), tb_wb_head(t), t->h2c_tail);
	tb_check_counters(t, what);
	waits = tb_counter(t, TG_CNT_CRYPTO_WAITS);
	if (hold && t->c2h_cons > (2u << t->clog))
		TB_CHECK(waits > 0, "%s: no job waited for C2H room", what);
	printf("%s: %u jobs (%" PRIu64 " TAG_FAIL), %u frames, %" PRIu64 " result records, "
	       "%" PRIu64 " data bytes, CRYPTO_WAITS %" PRIu64 ", %u key loads in traffic, %" PRIu64
	       " cycles\n", what, njobs, t->n_tag_fail, frames, t->n_results, t->n_bytes, waits,
	       t->reloads, tg_vcard_cycles(t->vc) - c0);
	t->reloads = 0;
}

/*
 * The host stops releasing C2H slots: the card fills the ring, then jobs
 * wait, none is dropped or overwrites a slot; released, all come.
 */
static void
test_wait(struct tb *t)
{
	const unsigned njobs = 2400;
	unsigned pushed = 0;
	uint32_t tail, head = ~0u;

	tb_start(t);
	t->release = false;
	for (;;) {
		while (pushed < njobs && tb_h2c_space(t) > 0) {
			tb_job *j = tb_job_new(1 + pushed % 3, 0, pushed % 16, 16 * (pushed % 4), 0,
					       0, 0, 0);

			tb_job_expect(t, j);
			tb_push_job(t, j);
			pushed++;
		}
		tb_doorbell(t);
		tg_vcard_tick(t->vc, 20000);
		tb_poll(t);
		if (tb_wb_head(t) == head)
			break;
		head = tb_wb_head(t);
	}
	tail = tg_vcard_reg_read(t->vc, TG_REG_C2H_TAIL);
	TB_CHECK(pushed < njobs && head < t->h2c_tail, "wait: the card never stopped (%u pushed)",
		 pushed);
	TB_CHECK(tail == 1u << t->clog, "wait: C2H_TAIL %u with the host holding 2^%u slots",
		 tail, t->clog);
	TB_CHECK(tb_counter(t, TG_CNT_CRYPTO_WAITS) > 0, "wait: CRYPTO_WAITS is 0");
	TB_CHECK(!(tg_vcard_reg_read(t->vc, TG_REG_STATUS) & TG_STATUS_IDLE), "waiting is not idle");
	t->release = true;
	tb_release(t);
	while (pushed < njobs) {
		tb_submit(t, tb_job_new(1 + pushed % 3, 1, pushed % 16, 16 * (pushed % 4), 0, 0, 0, 0));
		pushed++;
	}
	tb_doorbell(t);
	TB_CHECK(tb_drain(t, 2000000) != 0, "wait: drain (%zu jobs left)", t->jobs.size());
	tb_check_counters(t, "wait");
	printf("wait: host holding the ring: card stopped at C2H_TAIL %u, CRYPTO_WAITS %" PRIu64
	       ", all %u results after release\n", tail, tb_counter(t, TG_CNT_CRYPTO_WAITS), njobs);
}

/* RESET with jobs in flight, then a clean restart (keys stay loaded). */
static void
test_reset(struct tb *t)
{
	for (unsigned delay = 5; delay < 3000; delay = delay * 3 + 7) {
		tb_start(t);
		for (unsigned i = 0; i < 24; i++) {
			if (i % 3 == 0)
				tb_push_frame(t, 20, i & 1);
			tb_submit(t, tb_random_job(t, 8000));
		}
		tb_doorbell(t);
		tg_vcard_tick(t->vc, delay);
		tg_vcard_reg_write(t->vc, TG_REG_CTRL, TG_CTRL_RESET);
		for (unsigned k = 0; k < 32; k++)
			TB_CHECK(tb_counter(t, k) == 0, "RESET at %u: counter %u", delay, k);
		for (unsigned i = 0; i < 1000 &&
		     !(tg_vcard_reg_read(t->vc, TG_REG_STATUS) & TG_STATUS_IDLE); i++)
			tg_vcard_tick(t->vc, 100);
		TB_CHECK(tg_vcard_reg_read(t->vc, TG_REG_STATUS) & TG_STATUS_IDLE,
			 "idle after RESET at %u", delay);
		TB_CHECK(tg_vcard_reg_read(t->vc, TG_REG_KEY_STATUS) == 0xFFFF0000u,
			 "keys after RESET at %u", delay);
		/* the old jobs' buffers may still be written: let them be */
		for (tb_job *j : t->jobs)
			j->has_oracle = false;
		tb_start(t);
		for (unsigned i = 0; i < 30; i++) {
			if (i % 4 == 0)
				tb_push_frame(t, 5, i & 1);
			tb_submit(t, tb_random_job(t, 3000));
		}
		tb_doorbell(t);
		TB_CHECK(tb_drain(t, 2000000) != 0, "after RESET at %u: drain (%zu jobs left)", delay,
			 t->jobs.size());
		tb_check_counters(t, "after RESET");
	}
	printf("reset: RESET at 7 points of a job burst, clean restart each time\n");
}

/*
 * The sustained rate on long jobs, the host keeping up: jobs of len bytes
 * back to back, dst aligned to dst_align.
 */
static void
test_rate(struct tb *t, uint8_t mode, uint8_t op, unsigned njobs, uint32_t len,
	  unsigned dst_off, unsigned frames_per_job)
{
	uint64_t c0, cycles, blocks = 0;
	unsigned pushed = 0;

	tb_start(t);
	c0 = tg_vcard_cycles(t->vc);
	while (pushed < njobs) {
		while (pushed < njobs && tb_h2c_space(t) > frames_per_job) {
			tb_job *j = tb_job_new(mode, op, pushed % 16, len, mode == TG_SM4_GCM ? 16 : 0,
					       0, dst_off, 0);

			if (mode == TG_SM4_GCM && op == 1) {
				std::vector<uint8_t> ct(len);

				tb_gcm(t->keys[j->slot], j->iv, j->aad, 16, 0, j->src, len,
				       ct.data(), j->tag, NULL, NULL);
				memcpy(j->src, ct.data(), len);
			}
			tb_job_expect(t, j);
			tb_push_job(t, j);
			blocks += (len + 15) / 16;
			for (unsigned f = 0; f < frames_per_job; f++)
				tb_push_frame(t, 20, f & 1);
			pushed++;
		}
		tb_doorbell(t);
		tg_vcard_tick(t->vc, 256);
		if (tb_poll(t))
			tb_release(t);
	}
	TB_CHECK(tb_drain(t, 50000000) != 0, "rate: drain");
	cycles = t->last_result_cycle - c0;
	tb_check_counters(t, "rate");
	printf("rate: %u %s %s jobs of %u bytes, dst %% 16 = %u%s: %" PRIu64 " cycles to the last "
	       "result, %.3f blocks/clock (%.2f bytes/clock)",
	       njobs, mode == 1 ? "ECB" : mode == 2 ? "CTR" : "GCM", op ? "decrypt" : "encrypt",
	       len, dst_off % 16, frames_per_job ? ", with feed frames" : "", cycles,
	       (double)blocks / cycles, 16.0 * blocks / cycles);
	if (frames_per_job)
		printf(", %.1f feed records/100 clocks", 100.0 * t->feed_seen / cycles);
	printf("\n");
}

/* Latency of one small job: the doorbell's cycle to its result record in memory. */
static void
test_latency(struct tb *t, uint8_t mode, uint32_t len, uint32_t aad_len)
{
	tb_job *j;
	uint64_t t0, t1 = 0;
	uint32_t slot;

	tb_start(t);
	j = tb_job_new(mode, 0, 3, len, aad_len, 0, 0, 0);
	tb_submit(t, j);
	slot = t->c2h_cons & ((1u << t->clog) - 1);
	t0 = tg_vcard_cycles(t->vc);
	tg_vcard_reg_write(t->vc, TG_REG_H2C_TAIL, t->h2c_tail);
	for (unsigned i = 0; i < 2000; i++) {
		if (__atomic_load_n(&t->c2h[slot].flags, __ATOMIC_ACQUIRE) & 0x80) {
			t1 = tg_vcard_cycles(t->vc);
			tb_poll(t);	/* dst must be complete now */
			break;
		}
		tg_vcard_tick(t->vc, 1);
	}
	TB_CHECK(t1 != 0, "latency: no result");
	TB_CHECK(tb_drain(t, 10000) != 0, "latency: drain");
	tb_check_counters(t, "latency");
	printf("latency: one %s job of %u bytes%s: %" PRIu64 " cycles from the doorbell write to "
	       "the result record in memory\n", mode == 1 ? "ECB" : mode == 2 ? "CTR" : "GCM", len,
	       aad_len ? " + 16 bytes AAD" : "", t1 - t0);
}

int
main(int argc, char **argv)
{
	unsigned njobs = 2000;
	bool big = false;
	struct tg_vcard *vc;
	struct tb t = {};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
			njobs = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			tb_rng = strtoull(argv[++i], NULL, 0) | 1;
		else if (!strcmp(argv[i], "--big"))
			big = true;
		else {
			fprintf(stderr, "usage: %s [--jobs N] [--seed S] [--big]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!gcry_check_version(GCRYPT_VERSION)) {
		fprintf(stderr, "libgcrypt version mismatch\n");
		return 1;
	}
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	vc = tg_vcard_new();
	if (!vc) {
		fprintf(stderr, "tg_vcard_new failed\n");
		return 1;
	}
	if (getenv("TG_CRYPTO_TB_VCD"))
		tg_vcard_trace(vc, getenv("TG_CRYPTO_TB_VCD"));
	tb_init(&t, vc, 8, 11);
	test_regs(&t);
	test_vectors(&t);
	test_bad_jobs(&t);
	test_limits(&t, big || getenv("TG_CRYPTO_TB_BIG"));
	test_random(&t, njobs, 5000, false, false, "random");
	test_random(&t, njobs / 2, 5000, true, false, "random, host holding C2H");
	test_wait(&t);
	tg_vcard_set_mem_timing(vc, 37, 30, 30);
	test_random(&t, njobs / 4, 3000, false, true,
		    "random, read latency 37, 30% stalls, host reading every clock");
	/* a write port so slow that dst lines, results and feed records queue */
	tg_vcard_set_mem_timing(vc, 4, 0, 85);
	test_random(&t, njobs / 8, 2000, false, true,
		    "random, 85% of writes refused, host reading every clock");
	tg_vcard_set_mem_timing(vc, 4, 0, 0);
	test_reset(&t);
	test_latency(&t, TG_SM4_ECB, 16, 0);
	test_latency(&t, TG_SM4_CTR, 64, 0);
	test_latency(&t, TG_SM4_GCM, 16, 16);
	test_latency(&t, TG_SM4_GCM, 1024, 16);
	test_rate(&t, TG_SM4_CTR, 0, 16, 65536, 0, 0);
	test_rate(&t, TG_SM4_GCM, 1, 16, 65536, 0, 0);
	test_rate(&t, TG_SM4_ECB, 0, 16, 65536, 5, 0);
	test_rate(&t, TG_SM4_GCM, 0, 64, 4096, 0, 0);
	test_rate(&t, TG_SM4_CTR, 0, 32, 16384, 0, 4);
	tg_vcard_set_mem_timing(vc, 100, 0, 0);
	printf("read latency 100 cycles:\n");
	test_rate(&t, TG_SM4_CTR, 0, 16, 65536, 0, 0);
	test_latency(&t, TG_SM4_GCM, 16, 16);
	tg_vcard_set_mem_timing(vc, 4, 0, 0);
	tb_fini(&t);
	tg_vcard_free(vc);
	if (tb_fails) {
		printf("tg_crypto_tb: %u checks FAILED\n", tb_fails);
		return 1;
	}
	printf("tg_crypto_tb: all checks passed\n");
	return 0;
}
