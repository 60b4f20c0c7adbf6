/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test bench of the SM4 RTL: the engine (key slots + unrolled cipher),
 * the GHASH unit and the ECB/CTR/GCM modes wrapper, each its own Verilated
 * model, checked against references that share nothing with the RTL:
 * OpenSSL EVP SM4-ECB, libgcrypt SM4-CTR and SM4-GCM, the GB/T 32907 and
 * RFC 8998 vectors, and a GHASH written here from NIST SP 800-38D
 * (algorithm 1, bit by bit).
 *
 * Every block that leaves a model is compared; throughput is measured as
 * blocks accepted per clock while a stream runs without gaps.
 *
 * Usage: tg_sm4_tb [--iters N] [--blocks N] [--seed S]
 *   --iters   GB/T example 2 iterations through the pipeline (1000000: the
 *             standard's value; other counts are checked against OpenSSL)
 *   --blocks  random blocks for the engine's stream test (200000)
 * Exit status 0 when every check passes.
 */
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <vector>

#include <gcrypt.h>
#include <openssl/evp.h>

#include "verilated.h"
#include "Vtg_sm4_engine.h"
#include "Vtg_sm4_ghash.h"
#include "Vtg_sm4_modes.h"

static unsigned tb_fails;
static std::mt19937_64 tb_rng;

#define TB_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		tb_fails++;						\
		if (tb_fails < 30) {					\
			fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
		}							\
	}								\
} while (0)

struct tb_blk {
	uint8_t b[16];
};

/* Byte 0 of a block is bits [127:120] of the RTL's 128-bit words. */
static void
tb_to_w(VlWide<4> &w, const uint8_t *b)
{
	for (int i = 0; i < 4; i++)
		w[3 - i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
			   (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
}

static void
tb_from_w(uint8_t *b, const VlWide<4> &w)
{
	for (int i = 0; i < 4; i++) {
		uint32_t v = w[3 - i];
		b[4 * i] = v >> 24;
		b[4 * i + 1] = v >> 16;
		b[4 * i + 2] = v >> 8;
		b[4 * i + 3] = v;
	}
}

static void
tb_rand(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)tb_rng();
}

static void
tb_hex(const char *s, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sscanf(s + 2 * i, "%2hhx", &b[i]);
}

static int
tb_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) == 0;
}

/* OpenSSL SM4-ECB on whole blocks. */
static void
tb_ossl_ecb(const uint8_t *key, int dec, const uint8_t *in, uint8_t *out, size_t n)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0;

	EVP_CipherInit_ex(c, EVP_sm4_ecb(), NULL, key, NULL, !dec);
	EVP_CIPHER_CTX_set_padding(c, 0);
	EVP_CipherUpdate(c, out, &len, in, (int)n);
	EVP_CIPHER_CTX_free(c);
}

/* ---------------------------------------------------------------- engine */

static Vtg_sm4_engine *E;
static uint64_t e_cycle;

struct e_out {
	tb_blk d;
	uint32_t tag;
	uint64_t cycle;
};
static std::deque<e_out> e_outq;

/* One clock of the engine; outputs seen after the edge are collected. */
static void
e_tick(void)
{
	E->clk = 1;
	E->eval();
	e_cycle++;
	if (E->m_valid) {
		e_out o;
		tb_from_w(o.d.b, E->m_data);
		o.tag = E->m_tag;
		o.cycle = e_cycle;
		e_outq.push_back(o);
	}
	E->clk = 0;
	E->eval();
}

static void
e_load_key(unsigned slot, const uint8_t *key)
{
	for (int i = 0; i < 4; i++) {
		E->key_we = 1;
		E->key_addr = i;
		E->key_wdata = (uint32_t)key[4 * i] << 24 | key[4 * i + 1] << 16 |
			       key[4 * i + 2] << 8 | key[4 * i + 3];
		e_tick();
	}
	E->key_we = 0;
	E->key_load = 1;
	E->key_load_slot = slot;
	e_tick();
	E->key_load = 0;
	while (E->key_busy)
		e_tick();
	e_tick();
	e_tick();
}

static void
e_in(int valid, const uint8_t *d, unsigned slot, int dec, uint32_t tag)
{
	E->s_valid = valid;
	if (valid) {
		tb_to_w(E->s_data, d);
		E->s_slot = slot;
		E->s_decrypt = dec;
		E->s_tag = tag;
	}
}

static unsigned e_latency;

/* GB/T 32907 example 1, both directions, and the pipeline latency. */
static void
test_engine_vector1(void)
{
	uint8_t k[16], p[16], c[16], x[16];

	tb_hex("0123456789abcdeffedcba9876543210", k, 16);
	tb_hex("0123456789abcdeffedcba9876543210", p, 16);
	tb_hex("681edf34d206965e86b3e94f536e4246", c, 16);
	e_load_key(3, k);
	e_outq.clear();
	e_in(1, p, 3, 0, 0x1234);
	uint64_t t0 = e_cycle;
	e_tick();
	e_in(0, NULL, 0, 0, 0);
	while (e_outq.empty() && e_cycle < t0 + 100)
		e_tick();
	TB_CHECK(!e_outq.empty(), "no output");
	if (e_outq.empty())
		return;
	e_latency = (unsigned)(e_outq.front().cycle - t0);
	memcpy(x, e_outq.front().d.b, 16);
	TB_CHECK(tb_eq(x, c, 16), "example 1 ciphertext");
	TB_CHECK(e_outq.front().tag == 0x1234, "tag lost");
	e_outq.clear();
	e_in(1, c, 3, 1, 7);
	e_tick();
	e_in(0, NULL, 0, 0, 0);
	while (e_outq.empty())
		e_tick();
	TB_CHECK(tb_eq(e_outq.front().d.b, p, 16), "example 1 decrypt");
	e_outq.clear();
	printf("engine: GB/T example 1 encrypt/decrypt ok, latency %u clocks\n", e_latency);
}

/* GB/T example 2: the block fed back through the pipeline iters times. */
static void
test_engine_vector2(unsigned long iters)
{
	uint8_t k[16], b[16], want[16];

	tb_hex("0123456789abcdeffedcba9876543210", k, 16);
	tb_hex("0123456789abcdeffedcba9876543210", b, 16);
	e_load_key(0, k);
	uint64_t t0 = e_cycle;
	for (unsigned long i = 0; i < iters; i++) {
		e_in(1, b, 0, 0, 0);
		e_tick();
		e_in(0, NULL, 0, 0, 0);
		while (e_outq.empty())
			e_tick();
		memcpy(b, e_outq.front().d.b, 16);
		e_outq.pop_front();
	}
	if (iters == 1000000) {
		tb_hex("595298c7c6fd271f0402f804c33d3f66", want, 16);
	} else {
		tb_hex("0123456789abcdeffedcba9876543210", want, 16);
		for (unsigned long i = 0; i < iters; i++)
			tb_ossl_ecb(k, 0, want, want, 16);
	}
	TB_CHECK(tb_eq(b, want, 16), "example 2 after %lu iterations", iters);
	printf("engine: GB/T example 2, %lu iterations through the pipeline (%" PRIu64
	       " clocks): %s\n", iters, e_cycle - t0,
	       tb_eq(b, want, 16) ? (iters == 1000000 ? "595298c7... ok" : "= OpenSSL, ok") : "WRONG");
}

/*
 * Random keys in every slot, random blocks, slot and direction per block,
 * one per clock without a gap; slot 15 reloaded while the stream runs on
 * the others. Every block against OpenSSL.
 */
static void
test_engine_stream(unsigned long nblocks)
{
	const unsigned NS = 16;
	uint8_t keys[NS][16];
	std::vector<tb_blk> in(nblocks), want(nblocks);
	std::vector<uint8_t> slot(nblocks), dec(nblocks);

	for (unsigned s = 0; s < NS; s++) {
		tb_rand(keys[s], 16);
		e_load_key(s, keys[s]);
	}
	uint8_t newkey[16];
	tb_rand(newkey, 16);
	unsigned long half = nblocks / 2;
	for (unsigned long i = 0; i < nblocks; i++) {
		tb_rand(in[i].b, 16);
		/* the first half stays off slot 15, which is reloaded meanwhile */
		slot[i] = i < half ? tb_rng() % (NS - 1) : tb_rng() % NS;
		dec[i] = tb_rng() & 1;
		const uint8_t *k = (slot[i] == NS - 1 && i >= half) ? newkey : keys[slot[i]];
		tb_ossl_ecb(k, dec[i], in[i].b, want[i].b, 16);
	}
	e_outq.clear();
	uint64_t t0 = e_cycle;
	unsigned kw = 0;
	for (unsigned long i = 0; i < nblocks; i++) {
		if (i == half)
			while (E->key_busy || kw < 5) {	/* the stream waits only if the load is late */
				E->key_we = 0;
				E->key_load = 0;
				e_in(0, NULL, 0, 0, 0);
				e_tick();
			}
		/* key writes and the load of slot 15 ride alongside the stream */
		E->key_we = 0;
		E->key_load = 0;
		if (i >= 100 && kw < 4) {
			E->key_we = 1;
			E->key_addr = kw;
			E->key_wdata = (uint32_t)newkey[4 * kw] << 24 | newkey[4 * kw + 1] << 16 |
				       newkey[4 * kw + 2] << 8 | newkey[4 * kw + 3];
			kw++;
		} else if (kw == 4) {
			E->key_load = 1;
			E->key_load_slot = NS - 1;
			kw = 5;
		}
		e_in(1, in[i].b, slot[i], dec[i], (uint32_t)(i & 0xffff));
		e_tick();
	}
	E->key_we = 0;
	E->key_load = 0;
	e_in(0, NULL, 0, 0, 0);
	uint64_t t_in = e_cycle - t0;
	while (e_outq.size() < nblocks && e_cycle < t0 + nblocks + 1000)
		e_tick();
	TB_CHECK(e_outq.size() == nblocks, "%zu of %lu blocks out", e_outq.size(), nblocks);
	unsigned long bad = 0;
	for (unsigned long i = 0; i < e_outq.size() && i < nblocks; i++) {
		if (!tb_eq(e_outq[i].d.b, want[i].b, 16) || e_outq[i].tag != (i & 0xffff))
			bad++;
	}
	TB_CHECK(bad == 0, "%lu blocks wrong", bad);
	uint64_t span = e_outq.back().cycle - e_outq.front().cycle + 1;
	printf("engine: %lu random blocks, 16 slots, enc/dec mixed, slot 15 reloaded in flight: "
	       "%lu wrong; %lu accepted in %" PRIu64 " clocks, out %zu in %" PRIu64
	       " clocks = %.4f blocks/clock\n", nblocks, bad, nblocks, t_in, e_outq.size(), span,
	       (double)e_outq.size() / span);
	e_outq.clear();
}

/* ------------------------------------------------------------- GHASH ref */

/* X * Y in GF(2^128), SP 800-38D algorithm 1. */
static void
tb_gmul(const uint8_t *x, const uint8_t *y, uint8_t *out)
{
	uint8_t z[16] = {0}, v[16];

	memcpy(v, y, 16);
	for (int i = 0; i < 128; i++) {
		if (x[i / 8] >> (7 - i % 8) & 1)
			for (int j = 0; j < 16; j++)
				z[j] ^= v[j];
		int lsb = v[15] & 1;
		for (int j = 15; j > 0; j--)
			v[j] = (uint8_t)(v[j] >> 1 | v[j - 1] << 7);
		v[0] >>= 1;
		if (lsb)
			v[0] ^= 0xe1;
	}
	memcpy(out, z, 16);
}

static void
tb_ghash(const uint8_t *h, const std::vector<tb_blk> &x, uint8_t *y)
{
	uint8_t t[16] = {0};

	for (const tb_blk &b : x) {
		for (int j = 0; j < 16; j++)
			t[j] ^= b.b[j];
		tb_gmul(t, h, t);
	}
	memcpy(y, t, 16);
}

/* ---------------------------------------------------------------- GHASH */

static Vtg_sm4_ghash *G;
static std::deque<tb_blk> g_outq;
static uint64_t g_cycle;

static void
g_tick(void)
{
	G->clk = 1;
	G->eval();
	g_cycle++;
	if (G->m_valid) {
		tb_blk o;
		tb_from_w(o.b, G->m_data);
		g_outq.push_back(o);
	}
	G->clk = 0;
	G->eval();
}

/*
 * Messages of 1..60 blocks on random slots with random H, back to back,
 * at several densities of gaps between blocks (none, some, most).
 */
static void
test_ghash(void)
{
	const unsigned NS = 16, RING = 6;
	uint8_t h[NS][16];

	for (unsigned s = 0; s < NS; s++) {
		tb_rand(h[s], 16);
		uint8_t p[16];
		memcpy(p, h[s], 16);
		for (unsigned k = 0; k < RING; k++) {
			G->h_we = 1;
			G->h_slot = s;
			G->h_idx = k;
			tb_to_w(G->h_data, p);
			g_tick();
			tb_gmul(p, h[s], p);
		}
	}
	G->h_we = 0;
	const double gap_p[] = {0.0, 0.2, 0.8};
	for (double gp : gap_p) {
		std::vector<std::vector<tb_blk>> msgs;
		std::vector<unsigned> mslot;
		std::vector<tb_blk> want;
		for (int m = 0; m < 400; m++) {
			unsigned n = m < 20 ? 1 + m % 3 : 1 + tb_rng() % 60;
			std::vector<tb_blk> x(n);
			for (auto &b : x)
				tb_rand(b.b, 16);
			unsigned s = tb_rng() % NS;
			tb_blk w;
			tb_ghash(h[s], x, w.b);
			msgs.push_back(x);
			mslot.push_back(s);
			want.push_back(w);
		}
		g_outq.clear();
		std::uniform_real_distribution<double> u(0, 1);
		unsigned long nb = 0;
		uint64_t t0 = g_cycle;
		for (size_t m = 0; m < msgs.size(); m++) {
			for (size_t i = 0; i < msgs[m].size(); i++) {
				while (gp > 0 && u(tb_rng) < gp) {
					G->s_valid = 0;
					g_tick();
				}
				G->s_valid = 1;
				tb_to_w(G->s_data, msgs[m][i].b);
				G->s_last = i + 1 == msgs[m].size();
				G->s_slot = mslot[m];
				g_tick();
				nb++;
			}
		}
		G->s_valid = 0;
		uint64_t t_in = g_cycle - t0;
		for (int i = 0; i < 40; i++)
			g_tick();
		TB_CHECK(g_outq.size() == msgs.size(), "%zu of %zu results", g_outq.size(), msgs.size());
		unsigned bad = 0;
		for (size_t m = 0; m < g_outq.size() && m < msgs.size(); m++)
			if (!tb_eq(g_outq[m].b, want[m].b, 16))
				bad++;
		TB_CHECK(bad == 0, "gap %.1f: %u GHASH values wrong", gp, bad);
		printf("ghash: %zu messages (%lu blocks, 1..60 each, 16 slots), gap probability %.1f: "
		       "%u wrong; %.4f blocks/clock offered and taken\n", msgs.size(), nb, gp, bad,
		       (double)nb / t_in);
	}
}

/* ---------------------------------------------------------------- modes */

static Vtg_sm4_modes *M;
static uint64_t m_cycle;

enum { TB_ECB = 1, TB_CTR = 2, TB_GCM = 3 };

struct tb_job {
	int mode, dec, slot;
	uint8_t iv[16];
	std::vector<uint8_t> aad, in, want;
	uint8_t tag_in[16];	/* decrypt: the tag to verify */
	uint8_t want_tag[16];
	int want_ok;
	/* from the model */
	std::vector<uint8_t> out;
	uint8_t tag[16];
	int ok, done, nlast;
};

static uint8_t m_keys[16][16];
/* clocks of the last m_run: first block taken, first block out, last result */
static uint64_t m_t_in, m_t_out, m_t_res;

static void
m_tick(void)
{
	M->clk = 1;
	M->eval();
	m_cycle++;
	M->clk = 0;
	M->eval();
}

static void
m_load_key(unsigned slot, const uint8_t *key)
{
	for (int i = 0; i < 4; i++) {
		M->key_we = 1;
		M->key_addr = i;
		M->key_wdata = (uint32_t)key[4 * i] << 24 | key[4 * i + 1] << 16 |
			       key[4 * i + 2] << 8 | key[4 * i + 3];
		m_tick();
	}
	M->key_we = 0;
	M->key_load = 1;
	M->key_load_slot = slot;
	m_tick();
	M->key_load = 0;
	while (M->key_busy)
		m_tick();
	memcpy(m_keys[slot], key, 16);
}

/* The expected result of a job, from OpenSSL (ECB) and libgcrypt. */
static void
tb_expect(tb_job &j)
{
	const uint8_t *key = m_keys[j.slot];
	size_t n = j.in.size();

	j.want.assign(n, 0);
	j.want_ok = 1;
	memset(j.want_tag, 0, 16);
	if (j.mode == TB_ECB) {
		tb_ossl_ecb(key, j.dec, j.in.data(), j.want.data(), n);
		return;
	}
	gcry_cipher_hd_t hd;
	gcry_cipher_open(&hd, GCRY_CIPHER_SM4,
			 j.mode == TB_CTR ? GCRY_CIPHER_MODE_CTR : GCRY_CIPHER_MODE_GCM, 0);
	gcry_cipher_setkey(hd, key, 16);
	if (j.mode == TB_CTR) {
		gcry_cipher_setctr(hd, j.iv, 16);
		gcry_cipher_encrypt(hd, j.want.data(), n, j.in.data(), n);
	} else {
		gcry_cipher_setiv(hd, j.iv, 12);
		gcry_cipher_authenticate(hd, j.aad.data(), j.aad.size());
		if (j.dec)
			gcry_cipher_decrypt(hd, j.want.data(), n, j.in.data(), n);
		else
			gcry_cipher_encrypt(hd, j.want.data(), n, j.in.data(), n);
		gcry_cipher_gettag(hd, j.want_tag, 16);
		if (j.dec)
			j.want_ok = tb_eq(j.want_tag, j.tag_in, 16);
	}
	gcry_cipher_close(hd);
}

struct tb_sblk {
	tb_blk b;
};

/*
 * Run jobs through the modes wrapper: headers and blocks offered as the
 * wrapper takes them (with gaps of probability gap), every output block and
 * result collected. Returns blocks accepted per clock from the first block
 * accepted to the last.
 */
static double
m_run(std::vector<tb_job> &jobs, double gap)
{
	std::vector<tb_blk> stream;
	for (auto &j : jobs) {
		for (size_t o = 0; o < j.aad.size(); o += 16) {
			tb_blk b;
			tb_rand(b.b, 16);	/* bytes past the end must not matter */
			memcpy(b.b, &j.aad[o], std::min<size_t>(16, j.aad.size() - o));
			stream.push_back(b);
		}
		for (size_t o = 0; o < j.in.size(); o += 16) {
			tb_blk b;
			tb_rand(b.b, 16);
			memcpy(b.b, &j.in[o], std::min<size_t>(16, j.in.size() - o));
			stream.push_back(b);
		}
		j.out.clear();
		j.done = 0;
		j.nlast = 0;
	}
	std::uniform_real_distribution<double> u(0, 1);
	size_t hj = 0, sp = 0, rj = 0, oj = 0;	/* oj: job of the last block out */
	uint64_t first = 0, last = 0, guard = m_cycle + 10000 + 4 * stream.size() + 100 * jobs.size();
	m_t_in = m_t_out = m_t_res = 0;
	while ((rj < jobs.size()) && m_cycle < guard) {
		M->h_valid = hj < jobs.size();
		if (hj < jobs.size()) {
			tb_job &j = jobs[hj];
			M->h_mode = j.mode;
			M->h_decrypt = j.dec;
			M->h_slot = j.slot;
			uint8_t iv[16] = {0};
			memcpy(iv, j.iv, j.mode == TB_GCM ? 12 : 16);
			tb_to_w(M->h_iv, iv);
			M->h_aad_len = (uint32_t)j.aad.size();
			M->h_data_len = (uint32_t)j.in.size();
			tb_to_w(M->h_tag, j.tag_in);
			M->h_id = (uint16_t)(hj * 7 + 1);
		}
		M->s_valid = sp < stream.size() && !(gap > 0 && u(tb_rng) < gap);
		if (sp < stream.size())
			tb_to_w(M->s_data, stream[sp].b);
		int h_take = M->h_valid && M->h_ready;
		int s_take = M->s_valid && M->s_ready;
		M->clk = 1;
		M->eval();
		m_cycle++;
		if (h_take)
			hj++;
		if (s_take) {
			if (!first)
				first = m_t_in = m_cycle;
			last = m_cycle;
			sp++;
		}
		if (M->m_valid && !m_t_out)
			m_t_out = m_cycle;
		if (M->r_valid)
			m_t_res = m_cycle;
		if (M->m_valid) {
			/* blocks leave in job order; results may trail them */
			while (oj < jobs.size() && (uint16_t)(oj * 7 + 1) != M->m_id)
				oj++;
			TB_CHECK(oj < jobs.size(), "block of an unexpected job id %u", M->m_id);
			if (oj < jobs.size()) {
				uint8_t b[16];
				tb_from_w(b, M->m_data);
				tb_job &j = jobs[oj];
				unsigned n = __builtin_popcount(M->m_keep);
				TB_CHECK(M->m_keep == (uint16_t)(0xffff0000u >> n) && n > 0,
					 "byte enables %04x", M->m_keep);
				for (unsigned i = n; i < 16; i++)
					TB_CHECK(b[i] == 0, "byte past the end not zero");
				j.out.insert(j.out.end(), b, b + n);
				j.nlast += M->m_last;
			}
		}
		if (M->r_valid) {
			TB_CHECK(rj < jobs.size() && M->r_id == (uint16_t)(rj * 7 + 1),
				 "result id %u, want job %zu", M->r_id, rj);
			if (rj < jobs.size()) {
				tb_from_w(jobs[rj].tag, M->r_tag);
				jobs[rj].ok = M->r_tag_ok;
				jobs[rj].done = 1;
				rj++;
			}
		}
		M->clk = 0;
		M->eval();
	}
	M->h_valid = 0;
	M->s_valid = 0;
	TB_CHECK(rj == jobs.size(), "%zu of %zu jobs finished", rj, jobs.size());
	return last > first ? (double)(sp) / (double)(last - first + 1) : 0;
}

/* Compare every job with its reference; returns the number wrong. */
static unsigned
m_check(std::vector<tb_job> &jobs, const char *what)
{
	unsigned bad = 0;

	for (size_t i = 0; i < jobs.size(); i++) {
		tb_job &j = jobs[i];
		int good = j.done && j.out == j.want && j.ok == j.want_ok &&
			   j.nlast == (j.in.empty() ? 0 : 1);
		if (j.mode == TB_GCM)
			good = good && tb_eq(j.tag, j.want_tag, 16);
		if (!good) {
			bad++;
			TB_CHECK(0, "%s: job %zu mode %d dec %d aad %zu len %zu: out %s tag %s ok %d/%d",
				 what, i, j.mode, j.dec, j.aad.size(), j.in.size(),
				 j.out == j.want ? "ok" : "WRONG",
				 tb_eq(j.tag, j.want_tag, 16) ? "ok" : "WRONG", j.ok, j.want_ok);
		}
	}
	return bad;
}

static void
tb_job_make(tb_job &j, int mode, int dec, int slot, size_t aad_len, size_t len)
{
	j.mode = mode;
	j.dec = dec;
	j.slot = slot;
	memset(j.iv, 0, 16);
	tb_rand(j.iv, mode == TB_GCM ? 12 : 16);
	j.aad.resize(mode == TB_GCM ? aad_len : 0);
	tb_rand(j.aad.data(), j.aad.size());
	if (mode == TB_ECB)
		len &= ~(size_t)15;
	j.in.resize(len);
	tb_rand(j.in.data(), len);
	memset(j.tag_in, 0, 16);
	if (mode == TB_GCM && dec) {
		/* a real ciphertext's tag: encrypt the text first */
		tb_job e = j;
		e.dec = 0;
		tb_expect(e);
		memcpy(j.tag_in, e.want_tag, 16);
		j.in = e.want;
	}
	tb_expect(j);
}

/* RFC 8998 A.1 both ways, then a tampered tag, ciphertext and AAD. */
static void
test_modes_rfc8998(void)
{
	uint8_t key[16];
	tb_hex("0123456789ABCDEFFEDCBA9876543210", key, 16);
	uint64_t t0 = m_cycle;
	m_load_key(9, key);
	printf("modes: key load (4 word writes, expansion, H and H^2..H^6) %" PRIu64 " clocks\n",
	       m_cycle - t0);

	std::vector<tb_job> jobs(5);
	tb_job &e = jobs[0];
	e.mode = TB_GCM;
	e.dec = 0;
	e.slot = 9;
	memset(e.iv, 0, 16);
	tb_hex("00001234567800000000ABCD", e.iv, 12);
	e.aad.resize(20);
	tb_hex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2", e.aad.data(), 20);
	e.in.resize(64);
	tb_hex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
	       "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA", e.in.data(), 64);
	e.want.resize(64);
	tb_hex("17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
	       "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D", e.want.data(), 64);
	tb_hex("83DE3541E4C2B58177E065A9BF7B62EC", e.want_tag, 16);
	memset(e.tag_in, 0, 16);
	e.want_ok = 1;

	for (int k = 1; k < 5; k++) {
		tb_job &d = jobs[k];
		d = e;
		d.dec = 1;
		d.in = e.want;
		d.want = e.in;
		memcpy(d.tag_in, e.want_tag, 16);
		d.want_ok = 1;
	}
	jobs[2].tag_in[15] ^= 1;		/* tampered tag */
	jobs[2].want_ok = 0;
	jobs[3].in[10] ^= 0x80;			/* tampered ciphertext */
	jobs[4].aad[19] ^= 0x01;		/* tampered AAD */
	for (int k = 3; k < 5; k++) {
		tb_expect(jobs[k]);		/* libgcrypt's tag over what was sent */
		TB_CHECK(jobs[k].want_ok == 0, "reference accepted a tampered message");
	}
	m_run(jobs, 0.0);
	unsigned bad = m_check(jobs, "rfc8998");
	printf("modes: RFC 8998 A.1 encrypt (ct + tag 83DE3541...), decrypt, tampered tag / "
	       "ciphertext / AAD refused: %s\n", bad ? "FAILED" : "ok");
}

static void
test_modes_random(void)
{
	const unsigned NS = 16;
	for (unsigned s = 0; s < NS; s++) {
		uint8_t k[16];
		tb_rand(k, 16);
		m_load_key(s, k);
	}
	static const size_t lens[] = {0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65,
				      100, 255, 256, 257, 1000, 1500, 4095, 4096, 4097};
	static const size_t aads[] = {0, 1, 12, 15, 16, 17, 20, 32, 33, 100};
	const size_t NL = sizeof(lens) / sizeof(lens[0]), NA = sizeof(aads) / sizeof(aads[0]);
	const double gaps[] = {0.0, 0.3};

	for (double gap : gaps) {
		std::vector<tb_job> jobs;
		for (int mode = TB_ECB; mode <= TB_GCM; mode++)
			for (int dec = 0; dec < 2; dec++)
				for (size_t l = 0; l < NL; l++) {
					tb_job j;
					size_t a = aads[(l + dec) % NA];
					tb_job_make(j, mode, dec, tb_rng() % NS, a, lens[l]);
					jobs.push_back(j);
				}
		for (int i = 0; i < 300; i++) {
			tb_job j;
			int mode = TB_ECB + tb_rng() % 3;
			tb_job_make(j, mode, tb_rng() & 1, tb_rng() % NS, tb_rng() % 70,
				    tb_rng() % 5 ? tb_rng() % 300 : tb_rng() % 5000);
			if (mode == TB_GCM && j.dec && (tb_rng() & 3) == 0) {
				j.tag_in[tb_rng() % 16] ^= 1 << (tb_rng() % 8);
				j.want_ok = 0;
			}
			jobs.push_back(j);
		}
		/* decrypted GCM output is the plaintext whether or not the tag matched */
		for (auto &j : jobs)
			if (j.mode == TB_GCM && j.dec && !j.want_ok && j.in.size()) {
				gcry_cipher_hd_t hd;
				gcry_cipher_open(&hd, GCRY_CIPHER_SM4, GCRY_CIPHER_MODE_GCM, 0);
				gcry_cipher_setkey(hd, m_keys[j.slot], 16);
				gcry_cipher_setiv(hd, j.iv, 12);
				gcry_cipher_authenticate(hd, j.aad.data(), j.aad.size());
				gcry_cipher_decrypt(hd, j.want.data(), j.in.size(), j.in.data(), j.in.size());
				gcry_cipher_gettag(hd, j.want_tag, 16);
				gcry_cipher_close(hd);
			}
		size_t bytes = 0;
		for (auto &j : jobs)
			bytes += j.in.size();
		double bpc = m_run(jobs, gap);
		unsigned bad = m_check(jobs, "random");
		printf("modes: %zu jobs (ECB/CTR/GCM, enc/dec, lengths 0,1,15,16,17..4097 and random, "
		       "AAD 0..100, 16 slots, some tags tampered), %zu bytes, gap probability %.1f: "
		       "%u wrong; %.4f blocks/clock taken\n", jobs.size(), bytes, gap, bad, bpc);
	}
}

/* Latency of one-block jobs: block taken to block out, and to the result. */
static void
test_modes_latency(void)
{
	static const int modes[] = {TB_ECB, TB_CTR, TB_GCM};
	for (int mode : modes) {
		std::vector<tb_job> jobs(1);
		tb_job_make(jobs[0], mode, 0, 1, 0, 16);
		m_run(jobs, 0.0);
		unsigned bad = m_check(jobs, "latency");
		printf("modes: %s one block: %s; block taken to block out %" PRIu64
		       " clocks, to result %" PRIu64 " clocks\n",
		       mode == TB_ECB ? "ECB" : mode == TB_CTR ? "CTR" : "GCM", bad ? "WRONG" : "ok",
		       m_t_out - m_t_in, m_t_res - m_t_in);
	}
}

/*
 * CTR counters that carry across 32-bit pieces, across 2^64 and wrap 2^128
 * inside a job, each against libgcrypt.
 */
static void
test_modes_ctr_carry(void)
{
	static const char *ivs[] = {
		"00000000000000000000000000fffff0",	/* carry out of the low 32 bits */
		"0000000000000000ffffffffffffff80",	/* across 2^64 */
		"00000000ffffffffffffffffffffff80",	/* through three pieces */
		"ffffffffffffffffffffffffffffff80",	/* wraps 2^128 to 0 */
		"123456789abcdef0ffffffff7fffff80",	/* an all-ones piece above a non-carrying one */
	};
	std::vector<tb_job> jobs;
	for (const char *h : ivs) {
		tb_job j;
		tb_job_make(j, TB_CTR, 0, 4, 0, 16 * 300 + 5);
		tb_hex(h, j.iv, 16);
		tb_expect(j);
		jobs.push_back(j);
	}
	m_run(jobs, 0.0);
	unsigned bad = m_check(jobs, "ctr carry");
	printf("modes: CTR counters carrying out of 32 bits, across 2^64, wrapping 2^128: %s\n",
	       bad ? "WRONG" : "ok");
}

/* One long CTR job and one long GCM job without gaps: the sustained rate. */
static void
test_modes_rate(void)
{
	std::vector<tb_job> jobs(1);
	tb_job_make(jobs[0], TB_CTR, 0, 2, 0, 16 * 100000);
	uint64_t t0 = m_cycle;
	double bpc = m_run(jobs, 0.0);
	unsigned bad = m_check(jobs, "ctr rate");
	printf("modes: CTR 100000 blocks: %s; %.4f blocks/clock taken, %" PRIu64
	       " clocks header to result\n", bad ? "WRONG" : "ok", bpc, m_cycle - t0);
	tb_job_make(jobs[0], TB_GCM, 0, 5, 64, 16 * 100000);
	t0 = m_cycle;
	bpc = m_run(jobs, 0.0);
	bad = m_check(jobs, "gcm rate");
	printf("modes: GCM 100000 blocks + 4 AAD blocks: %s; %.4f blocks/clock taken, %" PRIu64
	       " clocks header to result\n", bad ? "WRONG" : "ok", bpc, m_cycle - t0);
}

int
main(int argc, char **argv)
{
	unsigned long iters = 1000000, blocks = 200000;
	uint64_t seed = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--blocks") && i + 1 < argc)
			blocks = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: %s [--iters N] [--blocks N] [--seed S]\n", argv[0]);
			return 2;
		}
	}
	tb_rng.seed(seed);
	gcry_check_version(NULL);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);

	VerilatedContext ctx;
	E = new Vtg_sm4_engine(&ctx);
	G = new Vtg_sm4_ghash(&ctx);
	M = new Vtg_sm4_modes(&ctx);

	E->rst = 1;
	for (int i = 0; i < 4; i++)
		e_tick();
	E->rst = 0;
	G->rst = 1;
	for (int i = 0; i < 4; i++)
		g_tick();
	G->rst = 0;
	M->rst = 1;
	for (int i = 0; i < 4; i++)
		m_tick();
	M->rst = 0;

	test_engine_vector1();
	test_engine_stream(blocks);
	test_ghash();
	test_modes_rfc8998();
	test_modes_random();
	test_modes_latency();
	test_modes_ctr_carry();
	test_modes_rate();
	test_engine_vector2(iters);

	delete E;
	delete G;
	delete M;
	printf("%s: %u failure(s)\n", tb_fails ? "FAIL" : "PASS", tb_fails);
	return tb_fails ? 1 : 0;
}
