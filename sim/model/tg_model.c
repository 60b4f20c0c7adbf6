/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The C reference model of the card (docs/card-interface.md, sections 2-9).
 *
 * The model does in software what the RTL does in gates, with the same
 * observable results: the same records in the same order and the same
 * counters. It is also the host's default decoder when no card is present,
 * so the hot path (one MoldUDP64 datagram of ITCH messages into C2H
 * records) is built for speed: per-type tables are computed once from the
 * ITCH table of drivers/tg_itch.c, records are written straight into the
 * C2H ring, and a record body is built with a few byte shuffles instead
 * of a walk over the type's fields. Crypto jobs (section 9) share the
 * rings; their SM4 engine is tg_model_sm4.c.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSSE3__)
#include <tmmintrin.h>
#endif

#include "tg_card_abi.h"
#include "tg_itch.h"
#include "tg_model.h"
#include "tg_model_sm4.h"

#define TG_MODEL_LIKELY(x)	__builtin_expect(!!(x), 1)
#define TG_MODEL_UNLIKELY(x)	__builtin_expect(!!(x), 0)
#define TG_MODEL_INLINE		static inline __attribute__((always_inline))

/* Bytes the body builder reads from a message's first byte on. */
#define TG_MODEL_MSG_READ	52
/* Integer fields of one type, at most (NOII and 'O' have the most). */
#define TG_MODEL_MAX_SWAPS	TG_ITCH_MAX_FIELDS

#define TG_MODEL_ETH_HLEN	14
#define TG_MODEL_VLAN_HLEN	4
#define TG_MODEL_ETH_P_IP	0x0800
#define TG_MODEL_ETH_P_8021Q	0x8100
#define TG_MODEL_IPPROTO_UDP	17
#define TG_MODEL_UDP_HLEN	8
#define TG_MODEL_MOLD_HLEN	20
#define TG_MODEL_MOLD_EOS	0xFFFF

/* Register fields the model keeps (widths as the contract gives them). */
#define TG_MODEL_SIZE_MASK	0x1Fu
#define TG_MODEL_PORT_MASK	0xFFFFu
#define TG_MODEL_FCTRL_MASK	(TG_FILTER_VALID | TG_FILTER_ANY_IP | TG_FILTER_ANY_PORT)
#define TG_MODEL_STATE_VALID	(1u << 0)
#define TG_MODEL_STATE_ENDED	(1u << 1)

/* CAPS: 8 filters, 8 session slots, 8 bytes per beat, feed decoder, SM4. */
#define TG_MODEL_CAPS		((uint32_t)TG_CARD_N_FILTERS | \
				 (uint32_t)TG_CARD_N_SESSIONS << 8 | \
				 8u << 16 | 1u << 24 | 1u << 25)

struct tg_model_filter {
	uint32_t dst_ip;
	uint32_t dst_port;
	uint32_t ctrl;
};

struct tg_model_session {
	uint8_t name[10];
	bool valid;
	bool ended;
	uint64_t next;		/* next expected sequence number */
};

/* Where records go: the C2H ring in host memory, or a callback. */
struct tg_model_out {
	struct tg_event *ring;
	uint32_t mask;
	unsigned shift;
	uint32_t tail;
	tg_model_emit_fn emit;
	void *ctx;
};

struct tg_model {
	/* per-type tables, hot: by type byte, then by index in tg_itch_types */
	uint8_t tlen[256];	/* message length, 0 = unknown type */
	uint8_t tidx[256];	/* index in tg_itch_types */
#if defined(__SSSE3__)
	/*
	 * Body shuffles: body bytes 0-15 from message bytes 4-19 and 20-35,
	 * 16-31 from 20-35 and 36-51, 32-39 from 36-51.
	 */
	__m128i shuf[TG_ITCH_NTYPES][5];
#else
	uint8_t nswaps[TG_ITCH_NTYPES];
	uint8_t swap_off[TG_ITCH_NTYPES][TG_MODEL_MAX_SWAPS];	/* body offset */
	uint8_t swap_size[TG_ITCH_NTYPES][TG_MODEL_MAX_SWAPS];
#endif

	uint64_t cnt[TG_CNT_NUM];
	struct tg_model_session sess[TG_CARD_N_SESSIONS];
	unsigned nsess;		/* slots fill in order of first sight */
	unsigned last_sess;	/* slot of the previous packet: likely the next one's */

	/* registers */
	uint32_t scratch;
	uint32_t ctrl;		/* ENABLE only; RESET acts on write */
	uint64_t h2c_base;
	uint32_t h2c_size;
	uint32_t h2c_tail;
	uint32_t h2c_head;
	uint64_t h2c_wb;
	uint64_t c2h_base;
	uint32_t c2h_size;
	uint32_t c2h_head;
	uint32_t c2h_tail;
	struct tg_model_filter filter[TG_CARD_N_FILTERS];

	/* SM4: key slots; whether the job at the H2C head waited for C2H room */
	struct tg_model_sm4 *sm4;
	bool job_waited;
};

/* Big-endian loads from wire bytes at any alignment. */
TG_MODEL_INLINE uint16_t
tg_model_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap16(v);
}

TG_MODEL_INLINE uint32_t
tg_model_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap32(v);
}

TG_MODEL_INLINE uint64_t
tg_model_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}

/*
 * The wire offset each body byte comes from (-1: stays 0), for one type:
 * bytes 11.. in order, integer fields reversed, nothing past the end.
 */
static void
tg_model_body_sources(const struct tg_itch_type *t, int src[40])
{
	unsigned b, f, i;

	for (b = 0; b < 40; b++)
		src[b] = TG_ITCH_HDR_LEN + b < t->len ? (int)(TG_ITCH_HDR_LEN + b) : -1;
	for (f = 0; f < t->nfields; f++) {
		const struct tg_itch_field *fd = &t->fields[f];

		if (fd->kind != TG_FK_U && fd->kind != TG_FK_P4 && fd->kind != TG_FK_P8)
			continue;
		for (i = 0; i < fd->size; i++)
			src[fd->off - TG_ITCH_HDR_LEN + i] = fd->off + fd->size - 1 - i;
	}
}

/*
 * Precompute, from the ITCH table, what building a record body needs for
 * each type. Fails (false) only if the table holds a field the builder
 * cannot place, which would be a bug in the table.
 */
static bool
tg_model_init_types(struct tg_model *m)
{
	unsigned i, b, f;

	memset(m->tlen, 0, sizeof(m->tlen));
	memset(m->tidx, 0, sizeof(m->tidx));
	for (i = 0; i < TG_ITCH_NTYPES; i++) {
		const struct tg_itch_type *t = &tg_itch_types[i];
		int src[40];

		if (t->len <= TG_ITCH_HDR_LEN || t->len > TG_ITCH_MAX_LEN)
			return false;
		for (f = 0; f < t->nfields; f++)
			if (t->fields[f].off < TG_ITCH_HDR_LEN ||
			    t->fields[f].off + t->fields[f].size > t->len)
				return false;
		m->tlen[(uint8_t)t->type] = t->len;
		m->tidx[(uint8_t)t->type] = (uint8_t)i;
		tg_model_body_sources(t, src);
#if defined(__SSSE3__)
		uint8_t sh[5][16];

		memset(sh, 0x80, sizeof(sh));
		for (b = 0; b < 40; b++) {
			int s = src[b];

			if (s < 0)
				continue;
			if (b < 16 && s >= 4 && s < 20)
				sh[0][b] = (uint8_t)(s - 4);
			else if (b < 16 && s >= 20 && s < 36)
				sh[1][b] = (uint8_t)(s - 20);
			else if (b >= 16 && b < 32 && s >= 20 && s < 36)
				sh[2][b - 16] = (uint8_t)(s - 20);
			else if (b >= 16 && b < 32 && s >= 36 && s < 52)
				sh[3][b - 16] = (uint8_t)(s - 36);
			else if (b >= 32 && s >= 36 && s < 52)
				sh[4][b - 32] = (uint8_t)(s - 36);
			else
				return false;
		}
		for (b = 0; b < 5; b++)
			m->shuf[i][b] = _mm_loadu_si128((const __m128i *)sh[b]);
#else
		(void)src;
		m->nswaps[i] = 0;
		for (f = 0; f < t->nfields; f++) {
			const struct tg_itch_field *fd = &t->fields[f];
			unsigned n = m->nswaps[i];

			if (fd->kind != TG_FK_U && fd->kind != TG_FK_P4 && fd->kind != TG_FK_P8)
				continue;
			if (fd->size != 4 && fd->size != 8)
				return false;
			m->swap_off[i][n] = fd->off - TG_ITCH_HDR_LEN;
			m->swap_size[i][n] = fd->size;
			m->nswaps[i] = n + 1;
		}
		(void)b;
#endif
	}
	return true;
}

/*
 * Build a record body from a message of type index idx whose first byte
 * is msg. Reads TG_MODEL_MSG_READ bytes from msg; writes 40 bytes.
 */
TG_MODEL_INLINE void
tg_model_body(const struct tg_model *m, unsigned idx, const uint8_t *msg,
	      uint8_t *body)
{
#if defined(__SSSE3__)
	const __m128i *s = m->shuf[idx];
	__m128i a = _mm_loadu_si128((const __m128i *)(msg + 4));
	__m128i b = _mm_loadu_si128((const __m128i *)(msg + 20));
	__m128i c = _mm_loadu_si128((const __m128i *)(msg + 36));
	__m128i o0 = _mm_or_si128(_mm_shuffle_epi8(a, s[0]), _mm_shuffle_epi8(b, s[1]));
	__m128i o1 = _mm_or_si128(_mm_shuffle_epi8(b, s[2]), _mm_shuffle_epi8(c, s[3]));
	__m128i o2 = _mm_shuffle_epi8(c, s[4]);

	_mm_storeu_si128((__m128i *)body, o0);
	_mm_storeu_si128((__m128i *)(body + 16), o1);
	_mm_storel_epi64((__m128i *)(body + 32), o2);
#else
	unsigned blen = tg_itch_types[idx].len - TG_ITCH_HDR_LEN;
	unsigned i;

	memcpy(body, msg + TG_ITCH_HDR_LEN, blen);
	memset(body + blen, 0, 40 - blen);
	for (i = 0; i < m->nswaps[idx]; i++) {
		uint8_t *p = body + m->swap_off[idx][i];

		if (m->swap_size[idx][i] == 8) {
			uint64_t v;

			memcpy(&v, p, 8);
			v = __builtin_bswap64(v);
			memcpy(p, &v, 8);
		} else {
			uint32_t v;

			memcpy(&v, p, 4);
			v = __builtin_bswap32(v);
			memcpy(p, &v, 4);
		}
	}
#endif
}

/*
 * The record slot the next record goes to: the ring's tail slot, or a
 * scratch record handed to the callback.
 */
TG_MODEL_INLINE struct tg_event *
tg_model_slot(struct tg_model_out *o, struct tg_event *scratch, const int ring)
{
	return ring ? &o->ring[o->tail & o->mask] : scratch;
}

/*
 * Publish a record whose bytes 4..63 are written: bytes 0..3 (kind, type,
 * session, flags with the phase) go last, so a host polling the phase bit
 * from another thread never sees a half-written record.
 */
TG_MODEL_INLINE void
tg_model_commit(struct tg_model_out *o, struct tg_event *ev, uint32_t hdr,
		const int ring)
{
	if (ring) {
		hdr |= ((~o->tail >> o->shift) & 1u) << 31;
		__atomic_store_n((uint32_t *)ev, hdr, __ATOMIC_RELEASE);
		o->tail++;
	} else {
		memcpy(ev, &hdr, sizeof(hdr));
		o->emit(o->ctx, ev);
	}
}

/* Emit a GAP or EOS record: only seq and ts carry values. */
TG_MODEL_INLINE void
tg_model_put_meta(struct tg_model_out *o, uint32_t hdr, uint64_t seq, uint64_t ts,
		  const int ring)
{
	struct tg_event scratch;
	struct tg_event *ev = tg_model_slot(o, &scratch, ring);

	ev->stock_locate = 0;
	ev->tracking_number = 0;
	ev->seq = seq;
	ev->ts = ts;
	memset(ev->body, 0, sizeof(ev->body));
	tg_model_commit(o, ev, hdr, ring);
}

/*
 * Emit the MSG record of a message of known type and valid length. The
 * body builder reads a little past short messages; near the end of the
 * frame's buffer the message is first copied out so that nothing past the
 * frame is touched.
 */
TG_MODEL_INLINE void
tg_model_put_msg(const struct tg_model *m, struct tg_model_out *o, uint32_t hdr,
		 const uint8_t *msg, unsigned mlen, const uint8_t *buf_end,
		 uint64_t seq, const int ring)
{
	struct tg_event scratch;
	struct tg_event *ev = tg_model_slot(o, &scratch, ring);
	uint8_t copy[64];
	uint32_t lt;
	uint64_t ts;

	if (TG_MODEL_UNLIKELY(buf_end - msg < TG_MODEL_MSG_READ)) {
		memcpy(copy, msg, mlen);
		memset(copy + mlen, 0, sizeof(copy) - mlen);
		msg = copy;
	}
	/* locate (bytes 1-2) and tracking (3-4), each big-endian on the wire */
	memcpy(&lt, msg + 1, sizeof(lt));
	lt = __builtin_bswap32(lt);
	lt = lt >> 16 | lt << 16;
	memcpy(&ev->stock_locate, &lt, sizeof(lt));
	ev->seq = seq;
	/* timestamp: bytes 5-10, the low 6 bytes of bytes 3-10 */
	ts = tg_model_be64(msg + 3) & 0xFFFFFFFFFFFFull;
	ev->ts = ts;
	tg_model_body(m, m->tidx[msg[0]], msg, ev->body);
	tg_model_commit(o, ev, hdr | (uint32_t)msg[0] << 8, ring);
}

/* Ones'-complement sum of an IPv4 header (n a multiple of 4) is 0xFFFF. */
TG_MODEL_INLINE bool
tg_model_ip_csum_ok(const uint8_t *ip, unsigned n)
{
	uint64_t s = 0;
	unsigned i;

	for (i = 0; i < n; i += 4) {
		uint32_t w;

		memcpy(&w, ip + i, sizeof(w));
		s += w;
	}
	s = (s & 0xFFFFFFFFu) + (s >> 32);
	s = (s & 0xFFFFFFFFu) + (s >> 32);
	s = (s & 0xFFFFu) + (s >> 16);
	s = (s & 0xFFFFu) + (s >> 16);
	s = (s & 0xFFFFu) + (s >> 16);
	/* summed in either byte order, all ones stays all ones */
	return s == 0xFFFF;
}

/* True when a valid filter entry accepts destination ip:port. */
TG_MODEL_INLINE bool
tg_model_filter_match(const struct tg_model *m, uint32_t ip, uint32_t port)
{
	unsigned i;

	for (i = 0; i < TG_CARD_N_FILTERS; i++) {
		const struct tg_model_filter *f = &m->filter[i];

		if ((f->ctrl & TG_FILTER_VALID) &&
		    ((f->ctrl & TG_FILTER_ANY_IP) || f->dst_ip == ip) &&
		    ((f->ctrl & TG_FILTER_ANY_PORT) || f->dst_port == port))
			return true;
	}
	return false;
}

/*
 * The session slot of a 10-byte name, a new slot if there is room, or -1
 * when the name is new and the table full. A new slot expects the packet's
 * own sequence number first.
 */
TG_MODEL_INLINE int
tg_model_session(struct tg_model *m, const uint8_t *name, uint64_t seq)
{
	struct tg_model_session *s;
	unsigned i;

	if (TG_MODEL_LIKELY(m->nsess > 0) &&
	    memcmp(m->sess[m->last_sess].name, name, 10) == 0)
		return (int)m->last_sess;
	for (i = 0; i < m->nsess; i++) {
		if (memcmp(m->sess[i].name, name, 10) == 0) {
			m->last_sess = i;
			return (int)i;
		}
	}
	if (m->nsess == TG_CARD_N_SESSIONS)
		return -1;
	s = &m->sess[m->nsess];
	memcpy(s->name, name, 10);
	s->valid = true;
	s->ended = false;
	s->next = seq;
	m->last_sess = m->nsess;
	return (int)m->nsess++;
}

/*
 * One frame through the feed pipeline (section 5): header checks in the
 * contract's order, then the MoldUDP64 sequencer and the ITCH messages.
 * ring selects, at compile time, where records go.
 */
TG_MODEL_INLINE void
tg_model_frame(struct tg_model *m, const uint8_t *f, size_t len, unsigned line,
	       struct tg_model_out *o, const int ring)
{
	uint64_t *cnt = m->cnt;
	const uint8_t *ip, *udp, *mold, *p, *end, *buf_end = f + len;
	unsigned l3 = TG_MODEL_ETH_HLEN, hl, l4, et, tl, ul, n, k;
	uint32_t hdr;
	uint64_t seq, next, s, msgs = 0, dups = 0;
	struct tg_model_session *ss;
	int slot;

	line &= 1;
	cnt[line ? TG_CNT_FRAMES_B : TG_CNT_FRAMES_A]++;

	/* 1, 2: Ethernet, one optional 802.1Q tag */
	if (TG_MODEL_UNLIKELY(len < TG_MODEL_ETH_HLEN))
		goto truncated;
	et = tg_model_be16(f + 12);
	if (et == TG_MODEL_ETH_P_8021Q) {
		if (TG_MODEL_UNLIKELY(len < TG_MODEL_ETH_HLEN + TG_MODEL_VLAN_HLEN))
			goto truncated;
		l3 += TG_MODEL_VLAN_HLEN;
		et = tg_model_be16(f + 16);
	}
	if (TG_MODEL_UNLIKELY(et != TG_MODEL_ETH_P_IP))
		goto non_feed;

	/* 3-8: IPv4 */
	if (TG_MODEL_UNLIKELY(len < l3 + 20))
		goto truncated;
	ip = f + l3;
	if (TG_MODEL_UNLIKELY((ip[0] >> 4) != 4 || (ip[0] & 0xF) < 5))
		goto ip_header;
	hl = 4u * (ip[0] & 0xF);
	l4 = l3 + hl;
	if (TG_MODEL_UNLIKELY(len < l4))
		goto truncated;
	if (TG_MODEL_UNLIKELY(!tg_model_ip_csum_ok(ip, hl))) {
		cnt[TG_CNT_ERR_IP_CHECKSUM]++;
		return;
	}
	if (TG_MODEL_UNLIKELY(ip[9] != TG_MODEL_IPPROTO_UDP))
		goto non_feed;
	tl = tg_model_be16(ip + 2);
	if (TG_MODEL_UNLIKELY((tg_model_be16(ip + 6) & 0x3FFF) != 0 ||
			      tl < hl + TG_MODEL_UDP_HLEN))
		goto ip_header;

	/* 9-11: UDP, filter table */
	if (TG_MODEL_UNLIKELY(len < l4 + TG_MODEL_UDP_HLEN))
		goto truncated;
	udp = f + l4;
	ul = tg_model_be16(udp + 4);
	if (TG_MODEL_UNLIKELY(ul < TG_MODEL_UDP_HLEN || ul > tl - hl)) {
		cnt[TG_CNT_ERR_UDP_LENGTH]++;
		return;
	}
	if (TG_MODEL_UNLIKELY(!tg_model_filter_match(m, tg_model_be32(ip + 16),
						     tg_model_be16(udp + 2)))) {
		cnt[TG_CNT_FILTERED]++;
		return;
	}

	/* 12-14: MoldUDP64 header, session table */
	if (TG_MODEL_UNLIKELY(ul < TG_MODEL_UDP_HLEN + TG_MODEL_MOLD_HLEN)) {
		cnt[TG_CNT_ERR_MOLD_HEADER]++;
		return;
	}
	if (TG_MODEL_UNLIKELY(len < l4 + TG_MODEL_UDP_HLEN + TG_MODEL_MOLD_HLEN))
		goto truncated;
	mold = udp + TG_MODEL_UDP_HLEN;
	seq = tg_model_be64(mold + 10);
	n = tg_model_be16(mold + 18);
	slot = tg_model_session(m, mold, seq);
	if (TG_MODEL_UNLIKELY(slot < 0)) {
		cnt[TG_CNT_ERR_SESSION_FULL]++;
		return;
	}
	cnt[TG_CNT_MOLD_PACKETS]++;
	if (TG_MODEL_UNLIKELY(len < (size_t)l3 + tl))
		cnt[TG_CNT_ERR_TRUNCATED]++;
	end = f + (len < (size_t)l4 + ul ? len : (size_t)l4 + ul);

	ss = &m->sess[slot];
	next = ss->next;
	hdr = (uint32_t)slot << 16 | (uint32_t)line << 24;

	/* sequencing, in the contract's order */
	if (TG_MODEL_UNLIKELY(seq > next)) {
		tg_model_put_meta(o, hdr | TG_EV_GAP, next, seq - next, ring);
		cnt[TG_CNT_GAPS]++;
		cnt[TG_CNT_GAP_MESSAGES] += seq - next;
		next = seq;
	}
	if (TG_MODEL_UNLIKELY(n == 0)) {
		cnt[TG_CNT_HEARTBEATS]++;
		ss->next = next;
		return;
	}
	if (TG_MODEL_UNLIKELY(n == TG_MODEL_MOLD_EOS)) {
		cnt[TG_CNT_END_OF_SESSION]++;
		if (!ss->ended) {
			ss->ended = true;
			tg_model_put_meta(o, hdr | TG_EV_EOS, seq, 0, ring);
		}
		ss->next = next;
		return;
	}

	hdr |= TG_EV_MSG;
	p = mold + TG_MODEL_MOLD_HLEN;
	s = seq;
	for (k = 0; k < n; k++, s++) {
		size_t rem = (size_t)(end - p);
		const uint8_t *msg;
		unsigned mlen, tlen;

		if (TG_MODEL_UNLIKELY(rem < 2)) {
			cnt[rem == 0 ? TG_CNT_ERR_SHORT_PACKET : TG_CNT_ERR_MSG_OVERRUN]++;
			break;
		}
		mlen = tg_model_be16(p);
		if (TG_MODEL_UNLIKELY(rem - 2 < mlen)) {
			cnt[TG_CNT_ERR_MSG_OVERRUN]++;
			break;
		}
		msg = p + 2;
		p = msg + mlen;
		if (TG_MODEL_UNLIKELY(s < next)) {
			dups++;
			continue;
		}
		next++;
		if (TG_MODEL_UNLIKELY(mlen == 0)) {
			cnt[TG_CNT_ERR_MSG_LENGTH]++;
			continue;
		}
		tlen = m->tlen[msg[0]];
		if (TG_MODEL_UNLIKELY(mlen != tlen)) {
			cnt[tlen == 0 ? TG_CNT_ERR_UNKNOWN_TYPE : TG_CNT_ERR_MSG_LENGTH]++;
			continue;
		}
		tg_model_put_msg(m, o, hdr, msg, mlen, buf_end, s, ring);
		cnt[TG_CNT_MSG_TYPE0 + m->tidx[msg[0]]]++;
		msgs++;
	}
	cnt[TG_CNT_MESSAGES] += msgs;
	cnt[TG_CNT_DUPLICATES] += dups;
	ss->next = next;
	return;

truncated:
	cnt[TG_CNT_ERR_TRUNCATED]++;
	return;
non_feed:
	cnt[TG_CNT_NON_FEED]++;
	return;
ip_header:
	cnt[TG_CNT_ERR_IP_HEADER]++;
}

/* CTRL.RESET: counters, session table and ring indices; the rest stays. */
static void
tg_model_reset(struct tg_model *m)
{
	memset(m->cnt, 0, sizeof(m->cnt));
	memset(m->sess, 0, sizeof(m->sess));
	m->nsess = 0;
	m->last_sess = 0;
	m->h2c_tail = 0;
	m->h2c_head = 0;
	m->c2h_head = 0;
	m->c2h_tail = 0;
	m->job_waited = false;
}

/*
 * A card as after power-up: every register 0, tables computed, every key
 * slot empty. NULL if out of memory or libgcrypt has no SM4.
 */
struct tg_model *
tg_model_new(void)
{
	struct tg_model *m;
	size_t sz = (sizeof(*m) + 63) & ~(size_t)63;

	m = aligned_alloc(64, sz);
	if (!m)
		return NULL;
	memset(m, 0, sz);
	m->sm4 = tg_model_sm4_new();
	if (!m->sm4 || !tg_model_init_types(m)) {
		tg_model_sm4_free(m->sm4);
		free(m);
		return NULL;
	}
	return m;
}

/*
 * Release a model, its key slots wiped; the host memory it was pointed at
 * stays the host's.
 */
void
tg_model_free(struct tg_model *m)
{
	if (!m)
		return;
	tg_model_sm4_free(m->sm4);
	free(m);
}

/* Ring sizes as used: the register clamped to the contract's range. */
static unsigned
tg_model_log2(uint32_t reg, unsigned lo, unsigned hi)
{
	return reg < lo ? lo : reg > hi ? hi : reg;
}

/* Free slots in the C2H ring (0 if the host's head is nonsense). */
static uint32_t
tg_model_c2h_free(const struct tg_model *m, uint32_t tail, unsigned shift)
{
	uint32_t used = tail - __atomic_load_n(&m->c2h_head, __ATOMIC_ACQUIRE);
	uint32_t cap = 1u << shift;

	return used >= cap ? 0 : cap - used;
}

/* The register windows of section 2: filters, sessions, counters. */
static uint32_t
tg_model_read_table(const struct tg_model *m, uint32_t off)
{
	if (off >= 0x100 && off < 0x100 + 16 * TG_CARD_N_FILTERS) {
		const struct tg_model_filter *f = &m->filter[(off - 0x100) / 16];

		switch (off & 0xF) {
		case TG_FILTER_DST_IP:
			return f->dst_ip;
		case TG_FILTER_DST_PORT:
			return f->dst_port;
		case TG_FILTER_CTRL:
			return f->ctrl;
		}
		return 0;
	}
	if (off >= 0x200 && off < 0x200 + 32 * TG_CARD_N_SESSIONS) {
		const struct tg_model_session *s = &m->sess[(off - 0x200) / 32];
		uint32_t v = 0;

		if (!s->valid)
			return 0;
		switch (off & 0x1F) {
		case TG_SESSION_NAME0:
			memcpy(&v, s->name, 4);
			return v;
		case TG_SESSION_NAME1:
			memcpy(&v, s->name + 4, 4);
			return v;
		case TG_SESSION_NAME2:
			memcpy(&v, s->name + 8, 2);
			return v;
		case TG_SESSION_STATE:
			return TG_MODEL_STATE_VALID | (s->ended ? TG_MODEL_STATE_ENDED : 0);
		case TG_SESSION_NEXT_LO:
			return (uint32_t)s->next;
		case TG_SESSION_NEXT_HI:
			return (uint32_t)(s->next >> 32);
		}
		return 0;
	}
	if (off >= 0x400 && off < 0x400 + 8 * TG_CNT_NUM) {
		uint64_t c = m->cnt[(off - 0x400) / 8];

		return (off & 4) ? (uint32_t)(c >> 32) : (uint32_t)c;
	}
	return 0;
}

/*
 * A 32-bit register read. Offsets that are not 4-byte aligned, outside
 * BAR0 or not in the map read 0.
 */
uint32_t
tg_model_reg_read(struct tg_model *m, uint32_t off)
{
	if ((off & 3) || off >= TG_CARD_BAR_SIZE)
		return 0;
	switch (off) {
	case TG_REG_ID:
		return TG_CARD_ID;
	case TG_REG_VERSION:
		return TG_CARD_VERSION;
	case TG_REG_CAPS:
		return TG_MODEL_CAPS;
	case TG_REG_SCRATCH:
		return m->scratch;
	case TG_REG_CTRL:
		return m->ctrl;
	case TG_REG_STATUS:
		/* work is in flight whenever the engine runs with descriptors queued */
		return (m->ctrl & TG_CTRL_ENABLE) && m->h2c_head != m->h2c_tail ?
			0 : TG_STATUS_IDLE;
	case TG_REG_H2C_BASE_LO:
		return (uint32_t)m->h2c_base;
	case TG_REG_H2C_BASE_HI:
		return (uint32_t)(m->h2c_base >> 32);
	case TG_REG_H2C_SIZE:
		return m->h2c_size;
	case TG_REG_H2C_TAIL:
		return m->h2c_tail;
	case TG_REG_H2C_HEAD:
		return m->h2c_head;
	case TG_REG_H2C_WB_LO:
		return (uint32_t)m->h2c_wb;
	case TG_REG_H2C_WB_HI:
		return (uint32_t)(m->h2c_wb >> 32);
	case TG_REG_C2H_BASE_LO:
		return (uint32_t)m->c2h_base;
	case TG_REG_C2H_BASE_HI:
		return (uint32_t)(m->c2h_base >> 32);
	case TG_REG_C2H_SIZE:
		return m->c2h_size;
	case TG_REG_C2H_HEAD:
		return m->c2h_head;
	case TG_REG_C2H_TAIL:
		return m->c2h_tail;
	case TG_REG_KEY_STATUS:
		return tg_model_sm4_status(m->sm4);
	}
	return tg_model_read_table(m, off);
}

/* Replace the low or high half of a 64-bit register. */
static void
tg_model_set_half(uint64_t *r, uint32_t val, bool hi)
{
	if (hi)
		*r = (*r & 0xFFFFFFFFull) | (uint64_t)val << 32;
	else
		*r = (*r & ~0xFFFFFFFFull) | val;
}

/*
 * A 32-bit register write. Read-only and unmapped offsets ignore it;
 * fields keep only their documented bits.
 */
void
tg_model_reg_write(struct tg_model *m, uint32_t off, uint32_t val)
{
	if ((off & 3) || off >= TG_CARD_BAR_SIZE)
		return;
	switch (off) {
	case TG_REG_SCRATCH:
		m->scratch = val;
		return;
	case TG_REG_CTRL:
		if (val & TG_CTRL_RESET)
			tg_model_reset(m);
		m->ctrl = val & TG_CTRL_ENABLE;
		return;
	case TG_REG_H2C_BASE_LO:
	case TG_REG_H2C_BASE_HI:
		tg_model_set_half(&m->h2c_base, val, off == TG_REG_H2C_BASE_HI);
		return;
	case TG_REG_H2C_SIZE:
		m->h2c_size = val & TG_MODEL_SIZE_MASK;
		return;
	case TG_REG_H2C_TAIL:
		__atomic_store_n(&m->h2c_tail, val, __ATOMIC_RELEASE);
		return;
	case TG_REG_H2C_WB_LO:
	case TG_REG_H2C_WB_HI:
		tg_model_set_half(&m->h2c_wb, val, off == TG_REG_H2C_WB_HI);
		return;
	case TG_REG_C2H_BASE_LO:
	case TG_REG_C2H_BASE_HI:
		tg_model_set_half(&m->c2h_base, val, off == TG_REG_C2H_BASE_HI);
		return;
	case TG_REG_C2H_SIZE:
		m->c2h_size = val & TG_MODEL_SIZE_MASK;
		return;
	case TG_REG_C2H_HEAD:
		__atomic_store_n(&m->c2h_head, val, __ATOMIC_RELEASE);
		return;
	case TG_REG_KEY_DATA(0):
	case TG_REG_KEY_DATA(1):
	case TG_REG_KEY_DATA(2):
	case TG_REG_KEY_DATA(3):
	case TG_REG_KEY_CMD:
		tg_model_sm4_reg_write(m->sm4, off, val);
		return;
	}
	if (off >= 0x100 && off < 0x100 + 16 * TG_CARD_N_FILTERS) {
		struct tg_model_filter *f = &m->filter[(off - 0x100) / 16];

		switch (off & 0xF) {
		case TG_FILTER_DST_IP:
			f->dst_ip = val;
			break;
		case TG_FILTER_DST_PORT:
			f->dst_port = val & TG_MODEL_PORT_MASK;
			break;
		case TG_FILTER_CTRL:
			f->ctrl = val & TG_MODEL_FCTRL_MASK;
			break;
		}
	}
}

/*
 * A crypto job (section 9) whose C2H slot is reserved: the job block is
 * read, the job run (dst written), then its result record is published
 * like an event record, the header word with the phase bit last.
 */
static void
tg_model_crypto_job(struct tg_model *m, uint64_t addr, struct tg_model_out *o)
{
	struct tg_crypto_job_block jb;
	struct tg_crypto_result res;
	struct tg_crypto_result *slot = (struct tg_crypto_result *)&o->ring[o->tail & o->mask];
	uint32_t hdr;
	uint8_t st;

	memcpy(&jb, (const void *)(uintptr_t)addr, sizeof(jb));
	st = tg_model_sm4_job(m->sm4, &jb, &res);
	m->cnt[TG_CNT_CRYPTO_JOBS]++;
	if (st == TG_CRYPTO_ST_BAD_JOB) {
		m->cnt[TG_CNT_CRYPTO_BAD_JOB]++;
	} else {
		m->cnt[TG_CNT_CRYPTO_BYTES] += res.len;
		if (st == TG_CRYPTO_ST_TAG_FAIL)
			m->cnt[TG_CNT_CRYPTO_TAG_FAIL]++;
	}
	memcpy((uint8_t *)slot + 4, (const uint8_t *)&res + 4, sizeof(res) - 4);
	memcpy(&hdr, &res, sizeof(hdr));
	tg_model_commit(o, (struct tg_event *)slot, hdr, 1);
}

/*
 * The DMA engine (sections 3-4, 9): descriptors from the H2C ring, in
 * order, while the budget lasts and the C2H ring has room for the frame's
 * most records or the job's one result; records to the C2H ring; the head
 * and its write-back after each descriptor. A job that finds no room is
 * counted in CRYPTO_WAITS once, when it first has to wait.
 */
unsigned
tg_model_run(struct tg_model *m, unsigned budget)
{
	unsigned hshift, cshift, done = 0;
	const struct tg_h2c_desc *dring;
	struct tg_model_out o;
	uint32_t head, tail, hmask;
	uint32_t *wb;

	if (!(m->ctrl & TG_CTRL_ENABLE))
		return 0;
	hshift = tg_model_log2(m->h2c_size, TG_H2C_SIZE_MIN, TG_H2C_SIZE_MAX);
	cshift = tg_model_log2(m->c2h_size, TG_C2H_SIZE_MIN, TG_C2H_SIZE_MAX);
	hmask = (1u << hshift) - 1;
	dring = (const struct tg_h2c_desc *)(uintptr_t)m->h2c_base;
	wb = (uint32_t *)(uintptr_t)m->h2c_wb;
	o.ring = (struct tg_event *)(uintptr_t)m->c2h_base;
	o.mask = (1u << cshift) - 1;
	o.shift = cshift;
	o.tail = m->c2h_tail;
	o.emit = NULL;
	o.ctx = NULL;

	head = m->h2c_head;
	tail = __atomic_load_n(&m->h2c_tail, __ATOMIC_ACQUIRE);
	while (done < budget && head != tail) {
		struct tg_h2c_desc d;

		memcpy(&d, &dring[head & hmask], sizeof(d));
		if (TG_MODEL_LIKELY(d.kind == TG_DESC_FEED_FRAME && d.len != 0 &&
				    d.len <= TG_MAX_FRAME)) {
			if (tg_model_c2h_free(m, o.tail, cshift) < d.len / 8u + 2)
				break;
			tg_model_frame(m, (const uint8_t *)(uintptr_t)d.addr, d.len,
				       d.flags & TG_DESC_LINE_B, &o, 1);
			m->c2h_tail = o.tail;
		} else if (d.kind == TG_DESC_CRYPTO_JOB && d.len == TG_CRYPTO_JOB_BLOCK_LEN) {
			if (tg_model_c2h_free(m, o.tail, cshift) < 1) {
				if (!m->job_waited) {
					m->job_waited = true;
					m->cnt[TG_CNT_CRYPTO_WAITS]++;
				}
				break;
			}
			m->job_waited = false;
			tg_model_crypto_job(m, d.addr, &o);
			m->c2h_tail = o.tail;
		} else {
			m->cnt[TG_CNT_ERR_DESC]++;
		}
		m->cnt[TG_CNT_H2C_DESCS]++;
		head++;
		done++;
		m->h2c_head = head;
		if (wb)
			__atomic_store_n(wb, head, __ATOMIC_RELEASE);
	}
	return done;
}

/* The feed pipeline without rings: records go to emit, phase bit 0. */
void
tg_model_feed_frame(struct tg_model *m, const uint8_t *frame, size_t len,
		    unsigned line, tg_model_emit_fn emit, void *ctx)
{
	struct tg_model_out o;

	memset(&o, 0, sizeof(o));
	o.emit = emit;
	o.ctx = ctx;
	tg_model_frame(m, frame, len, line, &o, 0);
}
