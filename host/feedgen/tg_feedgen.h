/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A synthetic but consistent NASDAQ TotalView-ITCH 5.0 trading day, framed
 * as MoldUDP64 over UDP/IPv4/Ethernet multicast into a pcap file.
 *
 * The market (messages, their sequence numbers and timestamps) depends on
 * seed, stocks and messages only; the framing options (per_packet, gaps,
 * duplicates, A/B lines, VLAN, addresses, heartbeats) change how the same
 * messages travel, never which messages there are. docs/books.md
 * describes the day the generator plays.
 */
#ifndef TG_FEEDGEN_H
#define TG_FEEDGEN_H

#include <stddef.h>
#include <stdint.h>

#include "tg_itch.h"

#define TG_FEEDGEN_MTU		1500	/* IPv4 datagrams never exceed it */
#define TG_FEEDGEN_MAX_STOCKS	65535	/* stock_locate 1 .. 65535 */
#define TG_FEEDGEN_MAX_PER_PACKET 1024
#define TG_FEEDGEN_MAX_MESSAGES	1000000000000ull

struct tg_feedgen_opts {
	uint64_t seed;		/* PRNG seed (default 1) */
	uint32_t stocks;	/* 1 .. 65535 (default 8) */
	uint64_t messages;	/* ITCH messages in the session (default 100000) */
	uint32_t per_packet;	/* most messages per datagram (default 16) */
	uint32_t gap_every;	/* drop every n-th data datagram; 0 none */
	uint32_t dup_every;	/* send every n-th data datagram again, later; 0 none */
	int ab;			/* every datagram on line A and on line B */
	int vlan;		/* 802.1Q VLAN of line A, line B uses vlan % 4094 + 1; -1 untagged */
	char session[11];	/* MoldUDP64 session, 1-10 printable chars (default TGSESSION1) */
	uint32_t src_ip;	/* host order (default 206.200.127.138) */
	uint32_t dst_ip[2];	/* line A, line B (default 233.54.12.111, .112) */
	uint16_t dst_port[2];	/* line A, line B (default 26477, 26478) */
	int heartbeats;		/* a heartbeat for every idle second */
	int progress;		/* draw a progress bar on stderr after 1 s */
};

struct tg_feedgen_result {
	uint64_t messages;	/* messages sequenced: 1 .. messages */
	uint64_t msg_type[TG_ITCH_NTYPES];	/* by index in tg_itch_types */
	uint64_t datagrams;	/* data datagrams (each one sequence range) */
	uint64_t dropped_datagrams;	/* gap_every: never written */
	uint64_t dropped_messages;
	uint64_t duplicated_datagrams;	/* dup_every: written twice */
	uint64_t heartbeats;	/* heartbeat datagrams */
	uint64_t frames;	/* pcap records written, every line and copy */
	uint64_t bytes;		/* frame bytes written */
	uint64_t first_ts;	/* first and last message timestamps (ns since midnight) */
	uint64_t last_ts;
	char error[256];	/* why tg_feedgen_write failed */
};

/* One generated message as it goes on the wire (big-endian fields). */
struct tg_feedgen_msg {
	uint64_t seq;
	uint16_t len;
	uint8_t data[TG_ITCH_MAX_LEN];
};

struct tg_feedgen;

/* Defaults for every option. */
void tg_feedgen_opts_init(struct tg_feedgen_opts *o);

/* The fewest messages a day with this many stocks needs. */
uint64_t tg_feedgen_min_messages(uint32_t stocks);

/* 0 if the options are usable, else -EINVAL and a one-line reason in err. */
int tg_feedgen_check(const struct tg_feedgen_opts *o, char *err, size_t errlen);

/*
 * The message stream alone (no framing): tg_feedgen_new (NULL with errno
 * EINVAL or ENOMEM), then tg_feedgen_next until it returns 0 (end of the
 * day; 1 = a message in m, -ENOMEM = out of memory), tg_feedgen_free.
 */
struct tg_feedgen *tg_feedgen_new(const struct tg_feedgen_opts *o);
int tg_feedgen_next(struct tg_feedgen *g, struct tg_feedgen_msg *m);
void tg_feedgen_type_counts(const struct tg_feedgen *g, uint64_t out[TG_ITCH_NTYPES]);
void tg_feedgen_free(struct tg_feedgen *g);

/*
 * Generate the day into a pcap file (nanosecond timestamps, Ethernet).
 * Returns 0, or a negative errno with res->error set. res may be NULL.
 */
int tg_feedgen_write(const struct tg_feedgen_opts *o, const char *path,
		     struct tg_feedgen_result *res);

#endif /* TG_FEEDGEN_H */
