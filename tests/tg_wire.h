/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Oracles that owe nothing to the project's code, for the end-to-end
 * tests: the ITCH 5.0 field table read from the shared specification's
 * page, and the messages of a capture as tshark's MoldUDP64 dissector
 * cuts them.
 */
#ifndef TG_WIRE_H
#define TG_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct spec_field {
	char name[48];
	unsigned size;
	char kind[3];		/* u a c p4 p8 */
	unsigned off;		/* wire offset */
};
struct spec_type {
	unsigned len, nf;
	struct spec_field f[16];
};
/* By type byte; len 0 = not a type. Filled by spec_load(). */
extern struct spec_type spec[256];

/* Parse protocols/itch50.md (asserts it lists 23 types). */
void spec_load(void);

/* A field of a type by name, or NULL. */
const struct spec_field *spec_field(uint8_t type, const char *name);

/* Big-endian integer of n bytes at p. */
uint64_t get_be(const uint8_t *p, unsigned n);

/* One message as tshark saw it. */
struct wire_msg {
	char session[16];
	uint64_t seq;
	unsigned len;
	uint8_t b[64];
};

/*
 * Every message of every datagram of pcap (decode_as: tshark -d options),
 * first copy of each (session, sequence) only, in wire order: what a
 * correct decoder prints. Free with free().
 */
struct wire_msg *wire_messages(const char *pcap, const char *decode_as, size_t *n);

/* Run a shell command, asserting exit status 0. */
void run_ok(const char *cmd);

/* One test's scratch directory: made fresh under /tmp, removed after. */
extern char tmpdir[64];
void tmpdir_make(void);
void tmpdir_remove(void);

#endif /* TG_WIRE_H */
