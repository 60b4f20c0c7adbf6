// SPDX-License-Identifier: BSD-3-Clause
// The checks of section 5 in the order the contract lists them, the
// sequencing steps as written, the record layout of section 4 with the body
// built from the field table of drivers/tg_itch.c.
#include "tg_feed_ref.h"

#include <cstring>

// the ABI header asserts its layout with C11's keyword
#define _Static_assert static_assert
extern "C" {
#include "tg_card_abi.h"
#include "tg_itch.h"
}

static unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint64_t
be_n(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_le(uint8_t *d, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		d[i] = (uint8_t)(v >> (8 * i));
}

tg_feed_ref::tg_feed_ref()
{
	memset(fip, 0, sizeof(fip));
	memset(fport, 0, sizeof(fport));
	memset(fctrl, 0, sizeof(fctrl));
	reset();
}

void
tg_feed_ref::reset()
{
	memset(sv, 0, sizeof(sv));
	memset(se, 0, sizeof(se));
	memset(sn, 0, sizeof(sn));
	memset(sx, 0, sizeof(sx));
	nval = 0;
	memset(cnt, 0, sizeof(cnt));
}

void
tg_feed_ref::frame(const uint8_t *p, size_t len, unsigned line, int id,
		   std::vector<tg_ref_rec> &out)
{
	cnt[line ? TG_CNT_FRAMES_B : TG_CNT_FRAMES_A]++;

	if (len < 14) {
		cnt[TG_CNT_ERR_TRUNCATED]++;
		return;
	}
	bool vlan = p[12] == 0x81 && p[13] == 0x00;
	if (vlan && len < 18) {
		cnt[TG_CNT_ERR_TRUNCATED]++;
		return;
	}
	size_t l3 = vlan ? 18 : 14;
	if (be16(p + l3 - 2) != 0x0800) {
		cnt[TG_CNT_NON_FEED]++;
		return;
	}
	if (len < l3 + 20) {
		cnt[TG_CNT_ERR_TRUNCATED]++;
		return;
	}
	unsigned ver = p[l3] >> 4, ihl = p[l3] & 15;
	if (ver != 4 || ihl < 5) {
		cnt[TG_CNT_ERR_IP_HEADER]++;
		return;
	}
	size_t l4 = l3 + 4 * ihl;
	if (len < l4) {
		cnt[TG_CNT_ERR_TRUNCATED]++;
		return;
	}
	uint32_t sum = 0;
	for (size_t i = l3; i < l4; i += 2)
		sum += be16(p + i);
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	if (sum != 0xFFFF) {
		cnt[TG_CNT_ERR_IP_CHECKSUM]++;
		return;
	}
	if (p[l3 + 9] != 17) {
		cnt[TG_CNT_NON_FEED]++;
		return;
	}
	unsigned frag = be16(p + l3 + 6), tl = be16(p + l3 + 2);
	if ((frag & 0x2000) || (frag & 0x1FFF) || tl < 4 * ihl + 8) {
		cnt[TG_CNT_ERR_IP_HEADER]++;
		return;
	}
	if (len < l4 + 8) {
		cnt[TG_CNT_ERR_TRUNCATED]++;
		return;
	}
	unsigned ul = be16(p + l4 + 4);
	if (ul < 8 || ul > tl - 4 * ihl) {
		cnt[TG_CNT_ERR_UDP_LENGTH]++;
		return;
	}
	uint32_t dip = (uint32_t)be_n(p + l3 + 16, 4);
	unsigned dport = be16(p + l4 + 2);
	bool hit = false;
	for (int i = 0; i < 8; i++)
		if ((fctrl[i] & TG_FILTER_VALID) &&
		    ((fctrl[i] & TG_FILTER_ANY_IP) || fip[i] == dip) &&
		    ((fctrl[i] & TG_FILTER_ANY_PORT) || fport[i] == dport))
			hit = true;
	if (!hit) {
		cnt[TG_CNT_FILTERED]++;
		return;
	}
	if (ul < 28) {
		cnt[TG_CNT_ERR_MOLD_HEADER]++;
		return;
	}
	if (len < l4 + 28) {
		cnt[TG_CNT_ERR_TRUNCATED]++;
		return;
	}
	const uint8_t *name = p + l4 + 8;
	int slot = -1;
	for (unsigned s = 0; s < nval; s++)
		if (sv[s] && !memcmp(sn[s], name, 10))
			slot = (int)s;
	if (slot < 0 && nval == 8) {
		cnt[TG_CNT_ERR_SESSION_FULL]++;
		return;
	}
	cnt[TG_CNT_MOLD_PACKETS]++;
	if (len < l3 + tl)
		cnt[TG_CNT_ERR_TRUNCATED]++;

	uint64_t seq = be_n(p + l4 + 18, 8);
	unsigned n = be16(p + l4 + 26);
	if (slot < 0) {
		slot = (int)nval++;
		sv[slot] = true;
		se[slot] = false;
		memcpy(sn[slot], name, 10);
		sx[slot] = seq;
	}
	size_t dg = l4 + 28, de = l4 + ul < len ? l4 + ul : len;

	tg_ref_rec r;
	if (seq > sx[slot]) {
		memset(&r, 0, sizeof(r));
		r.b[0] = TG_EV_GAP;
		r.b[2] = (uint8_t)slot;
		r.b[3] = (uint8_t)line;
		put_le(r.b + 8, sx[slot], 8);
		put_le(r.b + 16, seq - sx[slot], 8);
		r.frame = id;
		r.last_off = (int)(l4 + 27);
		out.push_back(r);
		cnt[TG_CNT_GAPS]++;
		cnt[TG_CNT_GAP_MESSAGES] += seq - sx[slot];
		sx[slot] = seq;
	}
	if (n == 0) {
		cnt[TG_CNT_HEARTBEATS]++;
		return;
	}
	if (n == 0xFFFF) {
		cnt[TG_CNT_END_OF_SESSION]++;
		if (!se[slot]) {
			se[slot] = true;
			memset(&r, 0, sizeof(r));
			r.b[0] = TG_EV_EOS;
			r.b[2] = (uint8_t)slot;
			r.b[3] = (uint8_t)line;
			put_le(r.b + 8, seq, 8);
			r.frame = id;
			r.last_off = (int)(l4 + 27);
			out.push_back(r);
		}
		return;
	}

	size_t pos = dg;
	for (unsigned k = 0; k < n; k++) {
		if (de - pos < 2) {
			if (de == pos)
				cnt[TG_CNT_ERR_SHORT_PACKET]++;
			else
				cnt[TG_CNT_ERR_MSG_OVERRUN]++;
			break;
		}
		unsigned mlen = be16(p + pos);
		if (de - pos - 2 < mlen) {
			cnt[TG_CNT_ERR_MSG_OVERRUN]++;
			break;
		}
		const uint8_t *m = p + pos + 2;
		if (seq + k < sx[slot]) {
			cnt[TG_CNT_DUPLICATES]++;
		} else {
			sx[slot]++;
			int ti = mlen ? tg_itch_index(m[0]) : -1;
			if (mlen == 0) {
				cnt[TG_CNT_ERR_MSG_LENGTH]++;
			} else if (ti < 0) {
				cnt[TG_CNT_ERR_UNKNOWN_TYPE]++;
			} else if (mlen != tg_itch_types[ti].len) {
				cnt[TG_CNT_ERR_MSG_LENGTH]++;
			} else {
				const struct tg_itch_type *t = &tg_itch_types[ti];
				memset(&r, 0, sizeof(r));
				r.b[0] = TG_EV_MSG;
				r.b[1] = m[0];
				r.b[2] = (uint8_t)slot;
				r.b[3] = (uint8_t)line;
				put_le(r.b + 4, be_n(m + 1, 2), 2);
				put_le(r.b + 6, be_n(m + 3, 2), 2);
				put_le(r.b + 8, seq + k, 8);
				put_le(r.b + 16, be_n(m + 5, 6), 8);
				uint8_t *body = r.b + TG_EV_BODY_OFF;
				for (unsigned w = TG_ITCH_HDR_LEN; w < mlen; w++)
					body[w - TG_ITCH_HDR_LEN] = m[w];
				for (unsigned f = 0; f < t->nfields; f++) {
					const struct tg_itch_field *fd = &t->fields[f];
					if (fd->kind == TG_FK_U || fd->kind == TG_FK_P4 ||
					    fd->kind == TG_FK_P8)
						put_le(body + fd->off - TG_ITCH_HDR_LEN,
						       be_n(m + fd->off, fd->size), fd->size);
				}
				r.frame = id;
				r.last_off = (int)(pos + 2 + mlen - 1);
				out.push_back(r);
				cnt[TG_CNT_MESSAGES]++;
				cnt[TG_CNT_MSG_TYPE0 + ti]++;
			}
		}
		pos += 2 + mlen;
	}
}
