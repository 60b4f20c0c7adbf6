/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_wire.h"

/* ---- the ITCH 5.0 table, parsed from protocols/itch50.md ---- */
struct spec_type spec[256];

void
spec_load(void)
{
	FILE *f = fopen(TG_SHARED_DIR "/protocols/itch50.md", "r");
	char line[2048];
	unsigned ntypes = 0;

	cr_assert(f, "cannot read the ITCH 5.0 specification under %s", TG_SHARED_DIR);
	while (fgets(line, sizeof(line), f)) {
		char t, name[64], fields[1500];
		unsigned len;
		if (sscanf(line, "| `%c` | %63s | %u | %1499[^|]|", &t, name, &len, fields) != 4)
			continue;
		struct spec_type *st = &spec[(uint8_t)t];
		st->len = len;
		unsigned off = 11;
		for (char *tok = strtok(fields, ","); tok; tok = strtok(NULL, ",")) {
			struct spec_field *sf = &st->f[st->nf++];
			cr_assert_eq(sscanf(tok, " %47[^:]:%u:%2s", sf->name, &sf->size, sf->kind), 3);
			sf->off = off;
			off += sf->size;
		}
		cr_assert_eq(off, len, "type %c: fields add up to %u, length %u", t, off, len);
		ntypes++;
	}
	fclose(f);
	cr_assert_eq(ntypes, 23, "the specification lists 23 message types, parsed %u", ntypes);
}

const struct spec_field *
spec_field(uint8_t type, const char *name)
{
	for (unsigned i = 0; i < spec[type].nf; i++)
		if (!strcmp(spec[type].f[i].name, name))
			return &spec[type].f[i];
	return NULL;
}

uint64_t
get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	while (n--)
		v = v << 8 | *p++;
	return v;
}

/* ---- the wire, per tshark ---- */
static int
hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

struct wire_msg *
wire_messages(const char *pcap, const char *decode_as, size_t *n)
{
	char cmd[1024], *line = NULL;
	size_t cap = 0, cnt = 0, lcap = 0;
	struct wire_msg *m = NULL;
	char sessions[16][16];
	uint64_t max_seq[16];
	unsigned nsess = 0;

	snprintf(cmd, sizeof(cmd),
		 "tshark -r '%s' %s -T fields -E separator=/t -E occurrence=a -E aggregator=, "
		 "-e moldudp64.session -e moldudp64.msgseq -e moldudp64.msgdata -Y moldudp64 2>/dev/null",
		 pcap, decode_as);
	FILE *p = popen(cmd, "r");
	cr_assert(p, "cannot run tshark");
	while (getline(&line, &lcap, p) > 0) {
		char *sess = strtok(line, "\t\n");
		char *seqs = strtok(NULL, "\t\n");
		char *datas = strtok(NULL, "\t\n");
		if (!sess || !seqs || !datas)
			continue;	/* heartbeat or end of session */
		char *s1, *s2;
		char *sq = strtok_r(seqs, ",", &s1);
		char *dt = strtok_r(datas, ",", &s2);
		for (; sq && dt; sq = strtok_r(NULL, ",", &s1), dt = strtok_r(NULL, ",", &s2)) {
			uint64_t seq = strtoull(sq, NULL, 10);
			unsigned si;
			int dup = 0;
			for (si = 0; si < nsess && strcmp(sessions[si], sess); si++)
				;
			if (si == nsess) {
				cr_assert_lt(nsess, 16, "more than 16 sessions");
				snprintf(sessions[nsess++], sizeof(sessions[0]), "%s", sess);
				max_seq[si] = seq;
			} else if (seq <= max_seq[si]) {
				/* below the highest so far: a copy, unless it was never seen */
				for (size_t k = cnt; k-- > 0 && !dup;)
					dup = m[k].seq == seq && !strcmp(m[k].session, sess);
			} else {
				max_seq[si] = seq;
			}
			if (dup)
				continue;
			if (cnt == cap) {
				cap = cap ? 2 * cap : 4096;
				m = realloc(m, cap * sizeof(*m));
			}
			struct wire_msg *w = &m[cnt++];
			snprintf(w->session, sizeof(w->session), "%s", sess);
			w->seq = seq;
			w->len = (unsigned)strlen(dt) / 2;
			cr_assert_leq(w->len, sizeof(w->b));
			for (unsigned i = 0; i < w->len; i++)
				w->b[i] = (uint8_t)(hexval(dt[2 * i]) << 4 | hexval(dt[2 * i + 1]));
		}
	}
	free(line);
	cr_assert_eq(pclose(p), 0, "tshark failed on %s", pcap);
	*n = cnt;
	return m;
}

void
run_ok(const char *cmd)
{
	int rc = system(cmd);
	cr_assert_eq(rc, 0, "command failed (%d): %s", rc, cmd);
}


char tmpdir[64];

void
tmpdir_make(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tg-test-XXXXXX");
	cr_assert(mkdtemp(tmpdir), "cannot make a scratch directory");
}

void
tmpdir_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	(void)system(cmd);
}
