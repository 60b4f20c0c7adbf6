/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * End to end: `tickgate decode` through both cards agrees with the wire
 * byte for byte. The oracle is independent of the project's code: tshark's
 * MoldUDP64 dissector cuts the datagrams into sequenced message payloads,
 * and each decoded JSON object is encoded back to bytes with the field
 * table read from the ITCH 5.0 page of the shared specification.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg_wire.h"

#define TICKGATE TG_BUILD_DIR "/tickgate"

static void
put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (int i = (int)n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Encode one decoded JSON object back to its wire bytes; returns length. */
static unsigned
spec_encode(json_t *o, uint8_t *out)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	cr_assert(type && strlen(type) == 1, "no type");
	struct spec_type *st = &spec[(uint8_t)type[0]];
	cr_assert(st->len, "type %s not in the specification", type);
	out[0] = (uint8_t)type[0];
	put_be(out + 1, json_integer_value(json_object_get(o, "stock_locate")), 2);
	put_be(out + 3, json_integer_value(json_object_get(o, "tracking_number")), 2);
	put_be(out + 5, json_integer_value(json_object_get(o, "timestamp")), 6);
	unsigned off = 11;
	for (unsigned i = 0; i < st->nf; i++) {
		struct spec_field *sf = &st->f[i];
		json_t *v = json_object_get(o, sf->name);
		cr_assert(v, "type %s: field %s missing", type, sf->name);
		if (sf->kind[0] == 'a' || sf->kind[0] == 'c') {
			const char *s = json_string_value(v);
			cr_assert(s, "field %s is not a string", sf->name);
			size_t n = strlen(s);
			cr_assert_leq(n, sf->size);
			cr_assert(sf->kind[0] == 'a' || n == 1, "c field %s not one char", sf->name);
			memset(out + off, ' ', sf->size);
			memcpy(out + off, s, n);
		} else {
			cr_assert(json_is_integer(v), "field %s is not an integer", sf->name);
			put_be(out + off, (uint64_t)json_integer_value(v), sf->size);
		}
		off += sf->size;
	}
	cr_assert_eq(off, st->len);
	cr_assert_eq(json_object_size(o), 5 + st->nf, "extra keys in a %s object", type);
	return off;
}

/* Decode pcap through card; compare every line with the wire. */
static size_t
check_decode(const char *pcap, const char *card, const char *decode_as,
	     const char *extra, const char *out)
{
	char cmd[1024];
	size_t nw;
	struct wire_msg *w = wire_messages(pcap, decode_as, &nw);

	snprintf(cmd, sizeof(cmd), TICKGATE " decode --card %s --format jsonl %s '%s' > '%s'",
		 card, extra, pcap, out);
	run_ok(cmd);
	FILE *f = fopen(out, "r");
	cr_assert(f);
	char *line = NULL;
	size_t lcap = 0, i = 0;
	while (getline(&line, &lcap, f) > 0) {
		json_error_t err;
		json_t *o = json_loads(line, 0, &err);
		cr_assert(o, "line %zu is not JSON: %s", i + 1, err.text);
		cr_assert_lt(i, nw, "%s: more messages decoded than on the wire", card);
		uint8_t b[64];
		unsigned len = spec_encode(o, b);
		cr_assert_eq((uint64_t)json_integer_value(json_object_get(o, "seq")), w[i].seq,
			     "%s: message %zu: seq", card, i);
		cr_assert_eq(len, w[i].len, "%s: message %zu (seq %" PRIu64 "): length", card, i, w[i].seq);
		cr_assert_arr_eq(b, w[i].b, len, "%s: message %zu (seq %" PRIu64 ", type %c) differs from the wire",
				 card, i, w[i].seq, w[i].b[0]);
		json_decref(o);
		i++;
	}
	free(line);
	fclose(f);
	cr_assert_eq(i, nw, "%s: decoded %zu messages, the wire has %zu", card, i, nw);
	free(w);
	return nw;
}

static void
setup(void)
{
	spec_load();
	tmpdir_make();
}

TestSuite(cli_decode, .init = setup, .fini = tmpdir_remove, .timeout = 600);

/* A generated market on lines A and B with losses: both cards match the wire. */
Test(cli_decode, feedgen_both_cards_match_wire)
{
	char pcap[128], out[128], cmd[512];
	const char *as = "-d udp.port==26477,moldudp64 -d udp.port==26478,moldudp64";

	snprintf(pcap, sizeof(pcap), "%s/feed.pcap", tmpdir);
	snprintf(cmd, sizeof(cmd), TICKGATE " feedgen --out '%s' --seed 11 --stocks 20 "
		 "--messages 30000 --ab --gap-every 50 --dup-every 40 --quiet", pcap);
	run_ok(cmd);
	snprintf(out, sizeof(out), "%s/model.jsonl", tmpdir);
	size_t n = check_decode(pcap, "model", as, "", out);
	cr_assert_gt(n, 25000);
	snprintf(out, sizeof(out), "%s/sim.jsonl", tmpdir);
	cr_assert_eq(check_decode(pcap, "sim", as, "", out), n);
}

/* Real NASDAQ bytes: VLAN tag, real session and sequence numbers, a gap. */
Test(cli_decode, real_nasdaq_capture)
{
	char out[128];
	const char *pcap = TG_SHARED_DIR "/data/itch50-real/omi-data-packets/Nasdaq/"
			   "Nasdaq.Equities.TotalView.Itch.v5.0/Multiple.Packets.pcap";

	if (access(pcap, R_OK))
		cr_skip_test("no shared captures at %s", TG_SHARED_DIR);
	snprintf(out, sizeof(out), "%s/real-model.jsonl", tmpdir);
	cr_assert_eq(check_decode(pcap, "model", "-d udp.port==26477,moldudp64", "", out), 39);
	snprintf(out, sizeof(out), "%s/real-sim.jsonl", tmpdir);
	cr_assert_eq(check_decode(pcap, "sim", "-d udp.port==26477,moldudp64",
				  "--filter 233.54.12.111:26477", out), 39);
}

/* Bad usage is exit 2 with one line on stderr; a missing file is exit 1. */
Test(cli_decode, exit_codes)
{
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " decode --format xml x.pcap 2>/dev/null")), 2);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " decode 2>/dev/null")), 2);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " decode --card fpga x.pcap 2>/dev/null")), 2);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " decode /nonexistent.pcap 2>/dev/null")), 1);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " decode --help >/dev/null")), 0);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " nosuchcommand 2>/dev/null")), 2);
}
