// SPDX-License-Identifier: BSD-3-Clause
// Frames for the tg_feed test bench: Ethernet / 802.1Q / IPv4 / UDP /
// MoldUDP64 built field by field (every field can be set wrong on purpose),
// ITCH messages of any type, pcap files, and a generator of random traffic.
#ifndef TG_FEED_FRAMES_H
#define TG_FEED_FRAMES_H

#include <cstdint>
#include <random>
#include <string>
#include <vector>

typedef std::vector<uint8_t> tg_bytes;

struct tg_frame_spec {
	bool vlan = false;
	uint16_t vlan_tci = 141;
	uint16_t ethertype = 0x0800;
	unsigned ihl = 5;			// options filled with NOPs
	unsigned version = 4;
	uint8_t proto = 17;
	uint16_t frag = 0x4000;			// DF
	bool bad_cksum = false;
	uint32_t src_ip = 0xCEC87F8A;		// 206.200.127.138
	uint32_t dst_ip = 0xE9360C6F;		// 233.54.12.111
	uint16_t src_port = 20000;
	uint16_t dst_port = 26477;
	int tl = -1;				// IP total length; -1: header + UDP + ip_extra
	int ul = -1;				// UDP length; -1: 8 + payload
	unsigned ip_extra = 0;			// bytes after the UDP datagram inside the IP packet
	unsigned eth_pad = 0;			// bytes after the IP packet
	std::string session = "000010059B";
	uint64_t seq = 1;
	int count = -1;				// -1: number of blocks
	std::vector<tg_bytes> blocks;		// message blocks, each: length + message
	tg_bytes raw_payload;			// when not empty: UDP payload as is
	int truncate = -1;			// cut the frame to this many bytes
};

tg_bytes tg_frame_build(const tg_frame_spec &s);

// One block: 2-byte length then the message.
tg_bytes tg_block(const tg_bytes &msg);
tg_bytes tg_block_len(unsigned len, const tg_bytes &msg);

// An ITCH message of type t (its real length) with the header fields given
// and the body filled from rng.
tg_bytes tg_itch_msg(uint8_t t, uint16_t locate, uint16_t track, uint64_t ts,
		     std::mt19937_64 &rng);

// Frames of a pcap file (Ethernet link type); empty on error.
std::vector<tg_bytes> tg_pcap_read(const std::string &path);

// Random traffic: a mix of good packets of a few sessions, duplicates,
// gaps, heartbeats, ends of session, malformed blocks and bad headers.
struct tg_traffic {
	std::mt19937_64 rng;
	unsigned n_sessions;
	double p_bad_header;
	double p_bad_block;
	std::vector<uint64_t> next_seq;
	std::vector<tg_bytes> sent;		// recent good frames, for duplicates

	tg_traffic(uint64_t seed, unsigned sessions, double bad_header, double bad_block);
	tg_bytes next(unsigned *line);
};

#endif
