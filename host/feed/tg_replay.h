/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offline replay: frames from a pcap file through a card, records to a
 * callback. What `tickgate decode` and `tickgate book` run on; the live
 * appliance feeds the same card from a DPDK port instead.
 */
#ifndef TG_REPLAY_H
#define TG_REPLAY_H

#include <stdint.h>

#include "tg_card.h"

#define TG_REPLAY_MAX_LINE_B	8

struct tg_replay_opts {
	/* Frames to these destinations enter the card as line B, all others as A. */
	unsigned n_line_b;
	uint32_t line_b_ip[TG_REPLAY_MAX_LINE_B];
	uint16_t line_b_port[TG_REPLAY_MAX_LINE_B];	/* 0 = any port */
};

struct tg_replay_stats {
	uint64_t frames;	/* frames read from the file */
	uint64_t records;	/* records delivered */
	uint64_t oversize;	/* frames longer than the card accepts, skipped */
};

/* Called for each record in card order; return nonzero to stop early. */
typedef int (*tg_replay_fn)(void *ctx, const struct tg_event *ev);

/*
 * Replay every frame of pcap file `path` through `card` (filters already
 * programmed), calling fn for each record. 0, or -errno with a message on
 * stderr.
 */
int tg_replay_pcap(struct tg_card *card, const char *path,
		   const struct tg_replay_opts *opts, tg_replay_fn fn, void *ctx,
		   struct tg_replay_stats *stats);

/* The line (0 = A, 1 = B) a frame belongs to under opts. */
unsigned tg_replay_line(const struct tg_replay_opts *opts, const uint8_t *frame,
			unsigned len);

/* Parse "A.B.C.D:PORT" or "A.B.C.D" (port 0); 0 or -EINVAL. */
int tg_parse_ip_port(const char *s, uint32_t *ip, uint16_t *port);

#endif /* TG_REPLAY_H */
