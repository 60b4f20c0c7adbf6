/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Oracles and fixtures for the OUCH / SoupBinTCP tests that owe nothing
 * to host/ouch: the message tables read from the shared specification's
 * page (protocols/ouch42.md) and an encoder that follows them, a pcap
 * writer for one TCP connection (for tshark), and a scripted SoupBinTCP
 * peer on a real socket that frames packets by hand.
 */
#ifndef TEST_OUCH_UTIL_H
#define TEST_OUCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* ---- protocols/ouch42.md ---- */

struct ospec_field {
	char name[48];
	char kind;		/* a alpha, c char, u unsigned, p price */
	unsigned size;		/* bytes on the wire */
	unsigned off;		/* from the type byte */
};

struct ospec_type {
	char name[40];
	unsigned len;		/* 0: no such type */
	unsigned nf;
	struct ospec_field f[24];
};

/* By type byte, for each direction. Filled by ospec_load(). */
extern struct ospec_type ospec_in[256], ospec_out[256];

/* Parse the page (asserts 4 inbound and 13 outbound types, lengths adding up). */
void ospec_load(void);

/* A field of a type by name, or NULL. */
const struct ospec_field *ospec_field(const struct ospec_type *t, const char *name);

/*
 * The wire bytes of message j ({"type":..., field: value ...}, every
 * field of the table present) laid out by the table alone. Returns t->len.
 */
size_t ospec_encode(const struct ospec_type *t, const json_t *j, uint8_t *out);

/* Random values for every field of a type (alpha fields never end in a space). */
json_t *ospec_random(const struct ospec_type *t, char type, uint64_t *rng);

uint64_t orand(uint64_t *s);

/* ---- a pcap of one TCP connection ---- */

struct otcp_pcap {
	void *pd, *dump;
	uint32_t seq[2];	/* next sequence number of each side */
	uint16_t port[2];	/* client, server */
	uint64_t t_us;
};

/* Create path with a three-way handshake from cport to sport. */
void otcp_open(struct otcp_pcap *w, const char *path, uint16_t cport, uint16_t sport);
/* One segment: dir 0 client -> server, 1 server -> client. */
void otcp_send(struct otcp_pcap *w, int dir, const void *p, size_t n);
void otcp_close(struct otcp_pcap *w);

/* ---- a scripted SoupBinTCP peer ---- */

/* Listen on 127.0.0.1, an ephemeral port. */
int opeer_listen(uint16_t *port);
/* Accept one connection within timeout_ms (asserts). */
int opeer_accept(int lfd, int timeout_ms);
/*
 * Read one packet within timeout_ms: 1 with type/payload/len, 0 on EOF,
 * -1 on timeout. Asserts on a malformed length.
 */
int opeer_read(int fd, char *type, uint8_t *payload, size_t *len, int timeout_ms);
/* Read packets, skipping Client Heartbeats, until one arrives (asserts). */
void opeer_expect(int fd, char type, uint8_t *payload, size_t *len, int timeout_ms);
/* Frame and send one packet. */
void opeer_send(int fd, char type, const void *p, size_t n);
/* A Login Accepted payload: session space padded, sequence right-justified. */
void opeer_accept_payload(uint8_t out[30], const char *session, uint64_t seq);

/* ---- scratch space ---- */
extern char otmp[64];
void otmp_make(void);
void otmp_remove(void);

#endif /* TEST_OUCH_UTIL_H */
