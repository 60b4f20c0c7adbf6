/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "feed/tg_replay.h"

#define TG_REPLAY_BURST		32
#define TG_REPLAY_SLOT		TG_MAX_FRAME

/*
 * Destination address and port of an IPv4/UDP frame (optionally 802.1Q
 * tagged); false for anything else. Only used to steer frames to a line:
 * the card does the real parsing and checking.
 */
static int
tg_frame_udp_dst(const uint8_t *f, unsigned len, uint32_t *ip, uint16_t *port)
{
	unsigned l3 = 14;

	if (len < 14)
		return 0;
	if (f[12] == 0x81 && f[13] == 0x00) {
		if (len < 18)
			return 0;
		l3 = 18;
	}
	if (f[l3 - 2] != 0x08 || f[l3 - 1] != 0x00 || len < l3 + 20)
		return 0;
	unsigned l4 = l3 + 4 * (f[l3] & 0xf);
	if (f[l3 + 9] != 17 || len < l4 + 4)
		return 0;
	*ip = (uint32_t)f[l3 + 16] << 24 | f[l3 + 17] << 16 | f[l3 + 18] << 8 | f[l3 + 19];
	*port = (uint16_t)(f[l4 + 2] << 8 | f[l4 + 3]);
	return 1;
}

unsigned
tg_replay_line(const struct tg_replay_opts *opts, const uint8_t *frame,
	       unsigned len)
{
	uint32_t ip;
	uint16_t port;

	if (!opts || !opts->n_line_b || !tg_frame_udp_dst(frame, len, &ip, &port))
		return 0;
	for (unsigned i = 0; i < opts->n_line_b; i++)
		if (opts->line_b_ip[i] == ip &&
		    (!opts->line_b_port[i] || opts->line_b_port[i] == port))
			return 1;
	return 0;
}

int
tg_parse_ip_port(const char *s, uint32_t *ip, uint16_t *port)
{
	char buf[64];
	struct in_addr a;
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	*port = 0;
	if (colon) {
		char *end;
		unsigned long p = strtoul(colon + 1, &end, 10);
		if (!colon[1] || *end || p > 65535)
			return -EINVAL;
		*port = (uint16_t)p;
	}
	return 0;
}

/*
 * Hand every available record to fn; returns 1 if fn asked to stop. When
 * crypto jobs share the card, their result records never come out of
 * tg_card_poll (the driver routes them to its crypto completion queue and
 * returns their slots with the feed records around them), and the H2C
 * slots of consumed jobs are freed by tg_card_reclaim without a cookie:
 * fn and the frame slots below only ever see frames and feed records.
 */
static int
tg_replay_drain(struct tg_card *card, tg_replay_fn fn, void *ctx,
		struct tg_replay_stats *st)
{
	const struct tg_event *ev[TG_REPLAY_BURST];
	unsigned n;

	while ((n = tg_card_poll(card, ev, TG_REPLAY_BURST)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			st->records++;
			if (fn(ctx, ev[i])) {
				tg_card_release(card, n);
				return 1;
			}
		}
		tg_card_release(card, n);
	}
	return 0;
}

int
tg_replay_pcap(struct tg_card *card, const char *path,
	       const struct tg_replay_opts *opts, tg_replay_fn fn, void *ctx,
	       struct tg_replay_stats *stats)
{
	char err[PCAP_ERRBUF_SIZE];
	struct tg_replay_stats st = { 0 };
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc) {
		fprintf(stderr, "tickgate: %s: %s\n", path, err);
		return -ENOENT;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "tickgate: %s: not an Ethernet capture (link type %d)\n",
			path, pcap_datalink(pc));
		pcap_close(pc);
		return -EPROTO;
	}

	/*
	 * Frames wait in slots until the card hands them back; slots are
	 * reused in ring order, so one per H2C descriptor is enough. Sized by
	 * the ring, not by its free room now: crypto jobs on the same card
	 * may hold slots at the start and free them later.
	 */
	unsigned nslots = tg_card_h2c_size(card) + 1;
	uint8_t *slots = aligned_alloc(64, (size_t)nslots * TG_REPLAY_SLOT);
	if (!slots) {
		pcap_close(pc);
		return -ENOMEM;
	}
	unsigned next = 0, queued = 0, stop = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	void *done[TG_REPLAY_BURST];
	int rc;

	while (!stop && (rc = pcap_next_ex(pc, &h, &data)) == 1) {
		st.frames++;
		if (h->caplen == 0 || h->caplen > TG_MAX_FRAME) {
			st.oversize++;
			continue;
		}
		while (tg_card_h2c_space(card) == 0) {
			tg_card_doorbell(card);
			queued = 0;
			stop = tg_replay_drain(card, fn, ctx, &st);
			tg_card_reclaim(card, done, TG_REPLAY_BURST);
			if (stop)
				break;
		}
		if (stop)
			break;
		uint8_t *slot = slots + (size_t)next * TG_REPLAY_SLOT;
		next = (next + 1) % nslots;
		memcpy(slot, data, h->caplen);
		tg_card_feed_frame(card, slot, (uint16_t)h->caplen,
				   tg_replay_line(opts, slot, h->caplen), slot);
		if (++queued == TG_REPLAY_BURST) {
			tg_card_doorbell(card);
			queued = 0;
		}
	}
	if (rc == -1)
		fprintf(stderr, "tickgate: %s: %s\n", path, pcap_geterr(pc));
	tg_card_doorbell(card);
	while (!stop && !tg_card_drained(card)) {
		stop = tg_replay_drain(card, fn, ctx, &st);
		tg_card_reclaim(card, done, TG_REPLAY_BURST);
	}
	if (!stop)
		stop = tg_replay_drain(card, fn, ctx, &st);
	pcap_close(pc);
	free(slots);
	if (stats)
		*stats = st;
	return rc == -1 ? -EIO : 0;
}
