// SPDX-License-Identifier: BSD-3-Clause
#include "tg_feed_frames.h"

#include <cstdio>
#include <cstring>

extern "C" {
#include "tg_itch.h"
}

static void
put_be(tg_bytes &v, uint64_t x, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		v.push_back((uint8_t)(x >> (8 * (n - 1 - i))));
}

static void
set_be(uint8_t *p, uint64_t x, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(x >> (8 * (n - 1 - i)));
}

tg_bytes
tg_frame_build(const tg_frame_spec &s)
{
	tg_bytes payload;
	if (!s.raw_payload.empty()) {
		payload = s.raw_payload;
	} else {
		for (unsigned i = 0; i < 10; i++)
			payload.push_back(i < s.session.size() ? (uint8_t)s.session[i] : ' ');
		put_be(payload, s.seq, 8);
		put_be(payload, s.count >= 0 ? (unsigned)s.count : s.blocks.size(), 2);
		for (const tg_bytes &b : s.blocks)
			payload.insert(payload.end(), b.begin(), b.end());
	}

	tg_bytes f;
	put_be(f, 0x01005E360C6FULL, 6);	// multicast MAC
	put_be(f, 0x001122334455ULL, 6);
	if (s.vlan) {
		put_be(f, 0x8100, 2);
		put_be(f, s.vlan_tci, 2);
	}
	put_be(f, s.ethertype, 2);
	size_t l3 = f.size();
	unsigned ulen = s.ul >= 0 ? (unsigned)s.ul : 8 + (unsigned)payload.size();
	unsigned tl = s.tl >= 0 ? (unsigned)s.tl
				: 4 * s.ihl + 8 + (unsigned)payload.size() + s.ip_extra;
	f.push_back((uint8_t)(s.version << 4 | (s.ihl & 15)));
	f.push_back(0);
	put_be(f, tl, 2);
	put_be(f, 0x1234, 2);
	put_be(f, s.frag, 2);
	f.push_back(64);
	f.push_back(s.proto);
	put_be(f, 0, 2);
	put_be(f, s.src_ip, 4);
	put_be(f, s.dst_ip, 4);
	for (unsigned i = 20; i < 4 * s.ihl; i++)
		f.push_back(1);			// NOP options
	uint32_t sum = 0;
	for (size_t i = l3; i < f.size(); i += 2)
		sum += (uint32_t)f[i] << 8 | f[i + 1];
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	uint16_t ck = (uint16_t)~sum;
	if (s.bad_cksum)
		ck ^= 0x0101;
	set_be(&f[l3 + 10], ck, 2);
	put_be(f, s.src_port, 2);
	put_be(f, s.dst_port, 2);
	put_be(f, ulen, 2);
	put_be(f, 0, 2);
	f.insert(f.end(), payload.begin(), payload.end());
	for (unsigned i = 0; i < s.ip_extra + s.eth_pad; i++)
		f.push_back((uint8_t)(0xA0 + i));
	if (s.truncate >= 0 && (size_t)s.truncate < f.size())
		f.resize((size_t)s.truncate);
	return f;
}

tg_bytes
tg_block_len(unsigned len, const tg_bytes &msg)
{
	tg_bytes b;
	put_be(b, len, 2);
	b.insert(b.end(), msg.begin(), msg.end());
	return b;
}

tg_bytes
tg_block(const tg_bytes &msg)
{
	return tg_block_len((unsigned)msg.size(), msg);
}

tg_bytes
tg_itch_msg(uint8_t t, uint16_t locate, uint16_t track, uint64_t ts, std::mt19937_64 &rng)
{
	tg_bytes m;
	m.push_back(t);
	put_be(m, locate, 2);
	put_be(m, track, 2);
	put_be(m, ts, 6);
	unsigned len = tg_itch_len(t);
	while (m.size() < len)
		m.push_back((uint8_t)rng());
	return m;
}

static uint32_t
rd32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

std::vector<tg_bytes>
tg_pcap_read(const std::string &path)
{
	std::vector<tg_bytes> out;
	FILE *fp = fopen(path.c_str(), "rb");
	if (!fp)
		return out;
	uint8_t gh[24];
	if (fread(gh, 1, 24, fp) != 24) {
		fclose(fp);
		return out;
	}
	uint32_t magic;
	memcpy(&magic, gh, 4);
	bool swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	if (!swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
		fclose(fp);
		return out;
	}
	if (rd32(gh + 20, swap) != 1) {
		fclose(fp);
		return out;
	}
	uint8_t rh[16];
	while (fread(rh, 1, 16, fp) == 16) {
		uint32_t caplen = rd32(rh + 8, swap);
		tg_bytes f(caplen);
		if (fread(f.data(), 1, caplen, fp) != caplen)
			break;
		out.push_back(f);
	}
	fclose(fp);
	return out;
}

tg_traffic::tg_traffic(uint64_t seed, unsigned sessions, double bad_header, double bad_block)
	: rng(seed), n_sessions(sessions), p_bad_header(bad_header), p_bad_block(bad_block)
{
	for (unsigned i = 0; i < sessions; i++)
		next_seq.push_back(1 + (rng() % 1000000));
}

static const char tg_types[] = "SRHYLVWKJhAFECXDUPQBINO";

tg_bytes
tg_traffic::next(unsigned *line)
{
	std::uniform_real_distribution<double> u(0.0, 1.0);
	*line = (unsigned)(rng() & 1);

	// a copy of a recent frame: the other line's copy, or a retransmission
	if (!sent.empty() && u(rng) < 0.2)
		return sent[rng() % sent.size()];

	tg_frame_spec s;
	unsigned si = (unsigned)(rng() % n_sessions);
	char name[16];
	snprintf(name, sizeof(name), "SESS%06u", si);
	s.session = name;
	s.vlan = u(rng) < 0.5;
	if (u(rng) < 0.2)
		s.ihl = 5 + (unsigned)(rng() % 11);
	s.dst_ip = u(rng) < 0.9 ? 0xE9360C6F : 0xE9360C70;
	s.dst_port = u(rng) < 0.9 ? 26477 : 26478;

	double kind = u(rng);
	uint64_t &nx = next_seq[si];
	if (kind < 0.05) {
		s.count = 0;
		s.seq = nx + (u(rng) < 0.3 ? rng() % 5 : 0);
		nx = s.seq;
	} else if (kind < 0.07) {
		s.count = 0xFFFF;
		s.seq = nx;
	} else {
		if (u(rng) < 0.1)
			nx += rng() % 20;		// lost packets: a gap
		s.seq = nx;
		unsigned nb = (unsigned)(rng() % 12);
		for (unsigned b = 0; b < nb; b++) {
			if (u(rng) < p_bad_block) {
				tg_bytes m;
				unsigned len;
				switch (rng() % 5) {
				case 0:
					len = 0;
					break;
				case 1:
					len = 1 + (unsigned)(rng() % 8);
					break;
				case 2:
					len = 12 + (unsigned)(rng() % 40);
					break;
				case 3:
					len = (unsigned)(rng() % 4);
					break;
				default:
					len = tg_itch_len((uint8_t)tg_types[rng() % 23]) + 1;
					break;
				}
				for (unsigned i = 0; i < len; i++)
					m.push_back((uint8_t)rng());
				if (len && u(rng) < 0.5)
					m[0] = (uint8_t)tg_types[rng() % 23];
				s.blocks.push_back(tg_block(m));
			} else {
				uint8_t t = (uint8_t)tg_types[rng() % 23];
				s.blocks.push_back(tg_block(tg_itch_msg(t, (uint16_t)rng(),
					(uint16_t)rng(), rng() & 0xFFFFFFFFFFFFULL, rng)));
			}
		}
		nx += nb;
		double c = u(rng);
		if (c < 0.05)
			s.count = (int)nb + 1 + (int)(rng() % 3);
		else if (c < 0.1 && nb)
			s.count = (int)(rng() % nb);
	}
	if (u(rng) < 0.1)
		s.ip_extra = (unsigned)(rng() % 9);
	if (u(rng) < 0.1)
		s.eth_pad = (unsigned)(rng() % 20);

	if (u(rng) < p_bad_header) {
		switch (rng() % 12) {
		case 0: s.ethertype = 0x86DD; break;
		case 1: s.version = 6; break;
		case 2: s.ihl = (unsigned)(rng() % 5); break;
		case 3: s.bad_cksum = true; break;
		case 4: s.proto = 6; break;
		case 5: s.frag = (uint16_t)(u(rng) < 0.5 ? 0x2000 : 0x0010); break;
		case 6: s.tl = (int)(rng() % 40); break;
		case 7: s.ul = (int)(rng() % 30); break;
		case 8: s.ul = 60000; break;
		case 9: s.truncate = (int)(rng() % 120); break;
		case 10: s.dst_port = 1; break;
		default: s.truncate = 60 + (int)(rng() % 200); break;
		}
	}
	tg_bytes f = tg_frame_build(s);
	if (sent.size() < 16)
		sent.push_back(f);
	else
		sent[rng() % 16] = f;
	return f;
}
