/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The feed generator: framing checked by tshark's MoldUDP64 dissector
 * (an independent reader), contents parsed here with libpcap (all 23
 * types, sizes, timestamps, determinism), and the market checked by
 * replaying it into tg_book (never crossed, never an impossible message).
 */
#define _GNU_SOURCE	/* nftw */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "book/tg_book.h"
#include "feedgen/tg_feedgen.h"
#include "test_book_ref.h"

#define EOS_COUNT	0xffff

static char tmpdir[64];

static void
mk_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/tg_feedgen_XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tmpdir(void)
{
	nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(feedgen, .init = mk_tmpdir, .fini = rm_tmpdir);

static char *
tmp(const char *name)
{
	static char path[8][128];
	static int k;
	char *p = path[k++ % 8];

	snprintf(p, 128, "%s/%s", tmpdir, name);
	return p;
}

static struct tg_feedgen_opts
opts(uint64_t seed, uint32_t stocks, uint64_t messages)
{
	struct tg_feedgen_opts o;

	tg_feedgen_opts_init(&o);
	o.seed = seed;
	o.stocks = stocks;
	o.messages = messages;
	return o;
}

static struct tg_feedgen_result
gen(const struct tg_feedgen_opts *o, const char *path)
{
	struct tg_feedgen_result res;
	int rc = tg_feedgen_write(o, path, &res);

	cr_assert_eq(rc, 0, "tg_feedgen_write: %s", res.error);
	cr_assert_eq(res.messages, o->messages);
	return res;
}

/* ---- tshark ---- */

struct tpkt {
	int vlan;
	char dst[20];
	unsigned port;
	char session[16];
	uint64_t seq;
	unsigned count;
	int ip_ok, udp_ok;
};

/* Split s at tabs into at most n fields (in place). */
static int
split(char *s, char **f, int n)
{
	int k = 0;

	s[strcspn(s, "\n")] = 0;
	while (k < n) {
		f[k++] = s;
		s = strchr(s, '\t');
		if (!s)
			break;
		*s++ = 0;
	}
	return k;
}

/*
 * Every MoldUDP64 packet of a file as tshark sees it. Also checks each
 * message block: its length field, its payload size and its ITCH type's
 * length all agree, and the count field matches the blocks present.
 */
static size_t
tshark_read(const char *path, struct tpkt **out)
{
	char cmd[512], line[1 << 16];
	size_t n = 0, cap = 1024;
	struct tpkt *p = malloc(cap * sizeof(*p));
	FILE *f;

	cr_assert_eq(system("command -v tshark > /dev/null"), 0,
		     "tshark (Debian package tshark) is required");
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -d udp.port==26477,moldudp64 -d udp.port==26478,moldudp64 "
		 "-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE "
		 "-T fields -E occurrence=a -E aggregator=, "
		 "-e vlan.id -e ip.dst -e udp.dstport -e ip.checksum.status "
		 "-e udp.checksum.status -e moldudp64.session -e moldudp64.sequence "
		 "-e moldudp64.count -e moldudp64.msglen -e moldudp64.msgdata "
		 "2>/dev/null", path);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *fl[10], *lens, *data;
		unsigned blocks = 0;

		cr_assert_eq(split(line, fl, 10), 10, "tshark line: %s", line);
		if (n == cap)
			p = realloc(p, (cap *= 2) * sizeof(*p));
		p[n].vlan = *fl[0] ? atoi(fl[0]) : -1;
		snprintf(p[n].dst, sizeof(p[n].dst), "%s", fl[1]);
		p[n].port = (unsigned)atoi(fl[2]);
		p[n].ip_ok = strcmp(fl[3], "1") == 0;
		p[n].udp_ok = strcmp(fl[4], "1") == 0;
		snprintf(p[n].session, sizeof(p[n].session), "%s", fl[5]);
		p[n].seq = strtoull(fl[6], NULL, 10);
		p[n].count = (unsigned)atoi(fl[7]);
		lens = fl[8];
		data = fl[9];
		while (*lens) {
			unsigned len = (unsigned)strtoul(lens, &lens, 10);
			size_t hex = strcspn(data, ",");
			unsigned type;

			cr_assert_eq(hex, 2 * (size_t)len, "msglen %u, payload %zu bytes",
				     len, hex / 2);
			cr_assert_eq(sscanf(data, "%2x", &type), 1);
			cr_assert_eq(tg_itch_len((uint8_t)type), len,
				     "type %c with length %u", type, len);
			data += hex + (data[hex] == ',');
			if (*lens == ',')
				lens++;
			blocks++;
		}
		cr_assert_eq(blocks, p[n].count == EOS_COUNT ? 0 : p[n].count,
			     "count %u, %u blocks", p[n].count, blocks);
		n++;
	}
	cr_assert_eq(pclose(f), 0, "tshark failed on %s", path);
	*out = p;
	return n;
}

Test(feedgen, tshark_sequence_session_lengths)
{
	struct tg_feedgen_opts o = opts(7, 8, 5000);
	struct tg_feedgen_result res = gen(&o, tmp("a.pcap"));
	struct tpkt *p;
	size_t n = tshark_read(tmp("a.pcap"), &p);
	uint64_t next = 1, total = 0;

	cr_assert_eq(n, res.frames);
	cr_assert_eq(n, res.datagrams + 1, "data datagrams and one end of session");
	for (size_t k = 0; k < n; k++) {
		cr_assert_str_eq(p[k].session, "TGSESSION1");
		cr_assert(p[k].ip_ok, "IPv4 header checksum");
		cr_assert(p[k].udp_ok, "UDP checksum");
		cr_assert_eq(p[k].vlan, -1);
		cr_assert_str_eq(p[k].dst, "233.54.12.111");
		cr_assert_eq(p[k].port, 26477);
		cr_assert_eq(p[k].seq, next, "packet %zu: seq %lu, want %lu", k,
			     (unsigned long)p[k].seq, (unsigned long)next);
		if (k + 1 < n) {
			cr_assert(p[k].count >= 1 && p[k].count <= 16);
			next += p[k].count;
			total += p[k].count;
		} else {
			cr_assert_eq(p[k].count, EOS_COUNT, "ends with end of session");
		}
	}
	cr_assert_eq(total, 5000);
	cr_assert_eq(next, 5001);
	free(p);
}

Test(feedgen, tshark_gaps_exactly_as_asked)
{
	struct tg_feedgen_opts o = opts(11, 8, 6000);
	struct tg_feedgen_result res;
	struct tpkt *p;
	size_t n;
	uint64_t next = 1, seen = 0, gaps = 0, received = 0;

	o.gap_every = 7;
	strcpy(o.session, "GAPPY");
	res = gen(&o, tmp("g.pcap"));
	n = tshark_read(tmp("g.pcap"), &p);
	cr_assert_eq(res.dropped_datagrams, res.datagrams / 7);
	cr_assert(res.dropped_datagrams > 10);
	for (size_t k = 0; k < n; k++) {
		cr_assert_str_eq(p[k].session, "GAPPY     ", "space padded");
		cr_assert(p[k].seq >= next, "in order");
		if (p[k].seq > next) {
			gaps++;
			/* datagrams 7, 14, ... are lost: a gap after every 6 received */
			cr_assert_eq(received % 6, 0, "gap after %lu received",
				     (unsigned long)received);
		}
		if (p[k].count == EOS_COUNT) {
			cr_assert_eq(p[k].seq, 6001);
			cr_assert_eq(k, n - 1);
			break;
		}
		received++;
		seen += p[k].count;
		next = p[k].seq + p[k].count;
	}
	cr_assert_eq(gaps, res.dropped_datagrams);
	cr_assert_eq(seen, 6000 - res.dropped_messages);
	free(p);
}

Test(feedgen, tshark_duplicates)
{
	struct tg_feedgen_opts o = opts(12, 8, 6000);
	struct tg_feedgen_result res;
	struct tpkt *p;
	size_t n;
	uint64_t next = 1, dups = 0, total = 0;

	o.dup_every = 5;
	res = gen(&o, tmp("d.pcap"));
	n = tshark_read(tmp("d.pcap"), &p);
	cr_assert_eq(res.duplicated_datagrams, res.datagrams / 5);
	cr_assert_eq(n, res.datagrams + res.duplicated_datagrams + 1);
	for (size_t k = 0; k < n; k++) {
		if (p[k].count == EOS_COUNT)
			break;
		if (p[k].seq < next) {
			int found = 0;

			/* a repeat of an earlier datagram, byte for byte in framing */
			for (size_t j = 0; j < k; j++)
				if (p[j].seq == p[k].seq && p[j].count == p[k].count)
					found = 1;
			cr_assert(found);
			dups++;
			continue;
		}
		cr_assert_eq(p[k].seq, next);
		next += p[k].count;
		total += p[k].count;
	}
	cr_assert_eq(dups, res.duplicated_datagrams);
	cr_assert_eq(total, 6000);
	free(p);
}

Test(feedgen, tshark_ab_lines_and_vlans)
{
	struct tg_feedgen_opts o = opts(13, 8, 8000);
	struct tg_feedgen_result res;
	struct tpkt *p;
	size_t n;
	uint64_t next = 1, first_a = 0, first_b = 0, reordered = 0;
	unsigned *copies;

	o.ab = 1;
	o.vlan = 141;
	res = gen(&o, tmp("ab.pcap"));
	n = tshark_read(tmp("ab.pcap"), &p);
	cr_assert_eq(n, 2 * (res.datagrams + 1));
	copies = calloc(8002, sizeof(*copies));
	for (size_t k = 0; k < n; k++) {
		int line = p[k].port == 26478;

		cr_assert(p[k].ip_ok && p[k].udp_ok);
		cr_assert_eq(p[k].vlan, line ? 142 : 141);
		cr_assert_str_eq(p[k].dst, line ? "233.54.12.112" : "233.54.12.111");
		copies[p[k].seq]++;
		if (p[k].count == EOS_COUNT)
			continue;
		if (p[k].seq == next) {
			/* the first copy: in sequence order, on either line */
			if (line)
				first_b++;
			else
				first_a++;
			next += p[k].count;
		} else {
			cr_assert(p[k].seq < next, "first copies never skip ahead");
			if (p[k].seq + p[k].count < next)
				reordered++;	/* later than another datagram */
		}
	}
	cr_assert_eq(next, 8001);
	for (uint64_t s = 1; s <= 8001; s++)
		cr_assert(copies[s] == 0 || copies[s] == 2, "seq %lu: %u copies",
			  (unsigned long)s, copies[s]);
	cr_assert(first_a > res.datagrams / 4, "first copies on A: %lu", (unsigned long)first_a);
	cr_assert(first_b > res.datagrams / 4, "first copies on B: %lu", (unsigned long)first_b);
	cr_assert(reordered > 0, "some reordering between the lines");
	free(copies);
	free(p);
}

/* ---- libpcap: the contents ---- */

struct pmsg {
	uint64_t seq;
	uint16_t len;
	uint8_t data[TG_ITCH_MAX_LEN];
};

struct pfile {
	struct pmsg *m;		/* messages in file order (copies included) */
	size_t nm;
	size_t frames, data_frames, heartbeats, eos;
	uint64_t heartbeat_behind;	/* heartbeats below the next expected seq */
	uint64_t heartbeat_ahead;	/* above it: a datagram before them was lost */
	uint64_t max_idle_ns;	/* longest time between frames */
	uint64_t max_count;
	uint64_t max_ip_len;
};

static uint64_t
be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned k = 0; k < n; k++)
		v = v << 8 | p[k];
	return v;
}

/*
 * Read every frame: Ethernet (tagged or not), IPv4, UDP, MoldUDP64.
 * Checks on the way: IP length within the MTU and consistent with the
 * frame, pcap time never going back and never before the datagram's
 * last message, blocks filling the datagram exactly.
 */
static struct pfile
pcap_read(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path,
				PCAP_TSTAMP_PRECISION_NANO, err);
	struct pfile pf = { 0 };
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t cap = 1 << 16;
	uint64_t prev_t = 0, next = 1;

	cr_assert_not_null(pc, "%s", err);
	cr_assert_eq(pcap_datalink(pc), DLT_EN10MB);
	pf.m = malloc(cap * sizeof(*pf.m));
	while (pcap_next_ex(pc, &h, &d) == 1) {
		unsigned l3 = 14, iplen, udplen, count, off;
		uint64_t t = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		uint64_t seq, last_ts = 0;
		const u_char *u;

		cr_assert_eq(h->caplen, h->len);
		if (d[12] == 0x81 && d[13] == 0x00)
			l3 = 18;
		cr_assert_eq(be(d + l3 - 2, 2), 0x0800);
		iplen = (unsigned)be(d + l3 + 2, 2);
		cr_assert(iplen <= TG_FEEDGEN_MTU);
		cr_assert_eq(l3 + iplen, h->caplen, "no padding, nothing cut");
		if (iplen > pf.max_ip_len)
			pf.max_ip_len = iplen;
		u = d + l3 + 20;
		udplen = (unsigned)be(u + 4, 2);
		cr_assert_eq(udplen, iplen - 20);
		seq = be(u + 8 + 10, 8);
		count = (unsigned)be(u + 8 + 18, 2);
		if (pf.frames) {
			cr_assert(t >= prev_t, "pcap time goes back at frame %zu", pf.frames);
			if (t - prev_t > pf.max_idle_ns)
				pf.max_idle_ns = t - prev_t;
		}
		prev_t = t;
		pf.frames++;
		if (count == 0) {
			pf.heartbeats++;
			if (seq < next)
				pf.heartbeat_behind++;
			else if (seq > next)
				pf.heartbeat_ahead++;
			continue;
		}
		if (count == EOS_COUNT) {
			pf.eos++;
			continue;
		}
		pf.data_frames++;
		if (count > pf.max_count)
			pf.max_count = count;
		off = 8 + 20;
		for (unsigned k = 0; k < count; k++) {
			unsigned len = (unsigned)be(u + off, 2);

			cr_assert(off + 2 + len <= udplen);
			if (pf.nm == cap)
				pf.m = realloc(pf.m, (cap *= 2) * sizeof(*pf.m));
			pf.m[pf.nm].seq = seq + k;
			pf.m[pf.nm].len = (uint16_t)len;
			memcpy(pf.m[pf.nm].data, u + off + 2, len);
			last_ts = be(u + off + 2 + 5, 6);
			pf.nm++;
			off += 2 + len;
		}
		cr_assert_eq(off, udplen, "blocks fill the datagram");
		cr_assert(t - 1704171600ull * 1000000000ull >= last_ts,
			  "pcap time %lu before message time %lu", (unsigned long)t,
			  (unsigned long)last_ts);
		if (seq + count > next)
			next = seq + count;
	}
	pcap_close(pc);
	return pf;
}

static void
expect_all_types(const struct pfile *pf, const struct tg_feedgen_result *res)
{
	uint64_t seen[TG_ITCH_NTYPES] = { 0 };

	for (size_t k = 0; k < pf->nm; k++) {
		int t = tg_itch_index(pf->m[k].data[0]);

		cr_assert(t >= 0, "unknown type %c", pf->m[k].data[0]);
		cr_assert_eq(pf->m[k].len, tg_itch_types[t].len);
		seen[t]++;
	}
	for (int t = 0; t < TG_ITCH_NTYPES; t++) {
		cr_assert(seen[t] > 0, "type %c never appears", tg_itch_types[t].type);
		cr_assert_eq(seen[t], res->msg_type[t], "type %c: %lu in the file, %lu reported",
			     tg_itch_types[t].type, (unsigned long)seen[t],
			     (unsigned long)res->msg_type[t]);
	}
}

Test(feedgen, all_23_types_in_small_runs)
{
	static const struct {
		uint64_t seed;
		uint32_t stocks;
		uint64_t messages;
	} runs[] = {
		{ 1, 8, 3000 }, { 5, 1, 0 }, { 9, 2, 2000 }, { 3, 8, 0 },
		{ 21, 200, 5000 }, { 77, 30, 4000 },
	};

	for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
		uint64_t m = runs[k].messages ? runs[k].messages
					      : tg_feedgen_min_messages(runs[k].stocks);
		struct tg_feedgen_opts o = opts(runs[k].seed, runs[k].stocks, m);
		struct tg_feedgen_result res = gen(&o, tmp("t.pcap"));
		struct pfile pf = pcap_read(tmp("t.pcap"));

		cr_assert_eq(pf.nm, m);
		expect_all_types(&pf, &res);
		free(pf.m);
	}
}

/* The file holds the message stream exactly, in order, timestamps rising. */
Test(feedgen, file_matches_stream)
{
	struct tg_feedgen_opts o = opts(31, 16, 20000);
	struct tg_feedgen_result res;
	struct pfile pf;
	struct tg_feedgen *g;
	struct tg_feedgen_msg m;
	uint64_t prev_ts = 0;
	size_t k = 0;

	o.per_packet = 64;	/* the MTU, not the count, is the limit */
	res = gen(&o, tmp("s.pcap"));
	pf = pcap_read(tmp("s.pcap"));
	cr_assert_eq(pf.nm, 20000);
	cr_assert(pf.max_ip_len > 1400, "big datagrams fill the MTU: %lu",
		  (unsigned long)pf.max_ip_len);
	cr_assert_eq(pf.eos, 1);
	cr_assert_eq(pf.heartbeats, 0);
	cr_assert(res.first_ts > 3 * 3600ull * 1000000000ull &&
		  res.first_ts < 3 * 3600ull * 1000000000ull + 1000000, "S 'O' at 03:00");
	g = tg_feedgen_new(&o);
	cr_assert_not_null(g);
	while (tg_feedgen_next(g, &m) == 1) {
		uint64_t ts = be(m.data + 5, 6);

		cr_assert(k < pf.nm);
		cr_assert_eq(pf.m[k].seq, m.seq);
		cr_assert_eq(m.seq, k + 1);
		cr_assert_eq(pf.m[k].len, m.len);
		cr_assert_eq(memcmp(pf.m[k].data, m.data, m.len), 0, "message %zu", k);
		cr_assert(ts > prev_ts, "timestamps strictly increase at %zu", k);
		prev_ts = ts;
		k++;
	}
	cr_assert_eq(k, 20000);
	cr_assert_eq(prev_ts, res.last_ts);
	tg_feedgen_free(g);
	free(pf.m);
}

Test(feedgen, per_packet_limit)
{
	struct tg_feedgen_opts o = opts(32, 8, 5000);
	struct pfile pf;

	o.per_packet = 3;
	gen(&o, tmp("p.pcap"));
	pf = pcap_read(tmp("p.pcap"));
	cr_assert_eq(pf.max_count, 3);
	free(pf.m);
	o.per_packet = 1;
	gen(&o, tmp("p.pcap"));
	pf = pcap_read(tmp("p.pcap"));
	cr_assert_eq(pf.max_count, 1);
	cr_assert_eq(pf.data_frames, 5000);
	free(pf.m);
}

Test(feedgen, heartbeats_fill_idle_seconds)
{
	struct tg_feedgen_opts o = opts(33, 4, 2000);
	struct tg_feedgen_result res;
	struct pfile pf;

	o.heartbeats = 1;
	res = gen(&o, tmp("h.pcap"));
	pf = pcap_read(tmp("h.pcap"));
	cr_assert(res.heartbeats > 1000, "a 17-hour day with 2000 messages idles a lot");
	cr_assert_eq(pf.heartbeats, res.heartbeats);
	cr_assert_eq(pf.heartbeat_behind + pf.heartbeat_ahead, 0,
		     "heartbeats carry the next sequence number");
	cr_assert(pf.max_idle_ns <= 1000000000ull + 100000,
		  "at most a second between packets: %lu ns",
		  (unsigned long)pf.max_idle_ns);
	free(pf.m);

	/* after a lost datagram, heartbeats tell the receiver what it missed */
	o.gap_every = 9;
	res = gen(&o, tmp("h2.pcap"));
	pf = pcap_read(tmp("h2.pcap"));
	cr_assert_eq(pf.heartbeats, res.heartbeats);
	cr_assert_eq(pf.heartbeat_behind, 0);
	cr_assert(pf.heartbeat_ahead > 0);
	free(pf.m);
}

static int
same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb, same = 1;

	cr_assert(fa && fb);
	do {
		ca = getc(fa);
		cb = getc(fb);
		if (ca != cb)
			same = 0;
	} while (same && ca != EOF);
	fclose(fa);
	fclose(fb);
	return same;
}

Test(feedgen, seeds_name_files)
{
	struct tg_feedgen_opts o = opts(42, 12, 8000);

	o.ab = 1;
	o.dup_every = 7;
	o.gap_every = 11;
	o.heartbeats = 1;
	o.vlan = 5;
	gen(&o, tmp("x1.pcap"));
	gen(&o, tmp("x2.pcap"));
	cr_assert(same_file(tmp("x1.pcap"), tmp("x2.pcap")), "same seed, same bytes");
	o.seed = 43;
	gen(&o, tmp("x3.pcap"));
	cr_assert(!same_file(tmp("x1.pcap"), tmp("x3.pcap")), "another seed, another file");
}

/* Framing options change how messages travel, never which messages. */
Test(feedgen, framing_keeps_the_market)
{
	struct tg_feedgen_opts o = opts(44, 8, 6000);
	struct pfile plain, framed;

	gen(&o, tmp("f1.pcap"));
	o.ab = 1;
	o.vlan = 7;
	o.per_packet = 5;
	o.heartbeats = 1;
	o.dst_ip[0] = 0xEF010203;
	o.dst_port[0] = 30000;
	strcpy(o.session, "X");
	gen(&o, tmp("f2.pcap"));
	plain = pcap_read(tmp("f1.pcap"));
	framed = pcap_read(tmp("f2.pcap"));
	cr_assert_eq(framed.nm, 2 * plain.nm);
	size_t j = 0;

	for (size_t k = 0; k < framed.nm; k++) {
		if (framed.m[k].seq != j + 1)
			continue;	/* the second copy */
		cr_assert_eq(memcmp(framed.m[k].data, plain.m[j].data, plain.m[j].len), 0);
		j++;
	}
	cr_assert_eq(j, plain.nm);
	free(plain.m);
	free(framed.m);
}

/* ---- the market itself ---- */

/*
 * Replay the stream into a book: no message may name a missing order or
 * ask for more shares than rest, no add may cross, and the book may never
 * be crossed or locked at rest. Also checks the session's schedule.
 */
static void
replay_consistent(uint64_t seed, uint32_t stocks, uint64_t messages)
{
	struct tg_feedgen_opts o = opts(seed, stocks, messages);
	struct tg_feedgen *g = tg_feedgen_new(&o);
	struct tg_book_config cfg = { .max_orders = 1 << 20 };
	struct tg_book *b = tg_book_new(&cfg);
	struct tg_book_stats st;
	struct tg_feedgen_msg m;
	struct tg_event ev;
	char sys[8] = { 0 };
	uint64_t sys_ts[8] = { 0 };
	int nsys = 0;
	uint64_t n = 0;

	cr_assert_not_null(g);
	while (tg_feedgen_next(g, &m) == 1) {
		struct tg_book_bbo bbo;

		cr_assert_eq(tg_book_event_from_msg(&ev, m.data, m.len, m.seq), 0);
		tg_book_apply(b, &ev);
		if (ev.msg_type == 'S') {
			cr_assert(nsys < 6);
			sys[nsys] = (char)ev.body[0];
			sys_ts[nsys++] = ev.ts;
		}
		tg_book_bbo(b, ev.stock_locate, &bbo);
		if (bbo.bid.orders && bbo.ask.orders)
			cr_assert(bbo.bid.price < bbo.ask.price,
				  "seed %lu msg %lu (%c): stock %u crossed %u/%u",
				  (unsigned long)seed, (unsigned long)m.seq, ev.msg_type,
				  ev.stock_locate, bbo.bid.price, bbo.ask.price);
		n++;
	}
	cr_assert_eq(n, messages);
	tg_book_stats(b, &st);
	for (int e = 0; e < TG_BOOK_ERR_NUM; e++)
		cr_assert_eq(st.err[e], 0, "seed %lu: %lu %s", (unsigned long)seed,
			     (unsigned long)st.err[e], tg_book_err_name(e));
	cr_assert_eq(st.stocks, stocks);
	cr_assert_str_eq(sys, "OSQMEC", "system events in order");
	cr_assert_eq(sys_ts[0] / 1000000000ull, 3 * 3600);
	cr_assert_eq(sys_ts[1] / 1000000000ull, 4 * 3600);
	cr_assert_eq(sys_ts[2] / 1000000000ull, 9 * 3600 + 30 * 60);
	cr_assert_eq(sys_ts[3] / 1000000000ull, 16 * 3600);
	cr_assert_eq(sys_ts[4] / 1000000000ull, 20 * 3600);
	cr_assert_eq(sys_ts[5] / 1000000000ull, 20 * 3600 + 5 * 60);
	for (uint32_t loc = 1; loc <= stocks; loc++) {
		struct tg_book_stock_info info;

		tg_book_stock_info(b, (uint16_t)loc, &info);
		cr_assert_eq(info.trading_state, 'T', "every stock trades at the end");
		cr_assert(info.symbol[0]);
		cr_assert_eq(tg_book_find_stock(b, info.symbol), (int)loc, "unique symbols");
	}
	tg_book_free(b);
	tg_feedgen_free(g);
}

Test(feedgen, books_stay_consistent)
{
	replay_consistent(1, 8, 200000);
	replay_consistent(2, 1, 20000);
	replay_consistent(3, 2, 20000);
	replay_consistent(4, 300, 100000);
	replay_consistent(5, 8, tg_feedgen_min_messages(8));
}

Test(feedgen, symbols_and_directory)
{
	struct tg_feedgen_opts o = opts(6, 400, 10000);
	struct tg_feedgen *g = tg_feedgen_new(&o);
	struct tg_feedgen_msg m;
	uint32_t dirs = 0;

	cr_assert_not_null(g);
	while (tg_feedgen_next(g, &m) == 1) {
		if (m.data[0] != 'R')
			continue;
		dirs++;
		cr_assert_eq(be(m.data + 1, 2), dirs, "stock_locate 1..N in order");
		int len = 8;

		while (len > 0 && m.data[11 + len - 1] == ' ')
			len--;
		cr_assert(len >= 1);
		for (int k = 0; k < len; k++)
			cr_assert(m.data[11 + k] >= 'A' && m.data[11 + k] <= 'Z');
		if (dirs == 1)
			cr_assert_eq(memcmp(m.data + 11, "AAPL    ", 8), 0);
	}
	cr_assert_eq(dirs, 400);
	tg_feedgen_free(g);
}

Test(feedgen, option_checks)
{
	struct tg_feedgen_opts o;
	struct tg_feedgen_result res;
	char err[160];

	o = opts(1, 0, 1000);
	cr_assert_eq(tg_feedgen_check(&o, err, sizeof(err)), -EINVAL);
	o = opts(1, 8, tg_feedgen_min_messages(8) - 1);
	cr_assert_eq(tg_feedgen_check(&o, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "--messages"));
	o = opts(1, 8, 1000);
	strcpy(o.session, "ELEVENCHARS");
	cr_assert_eq(tg_feedgen_check(&o, err, sizeof(err)), -EINVAL);
	o = opts(1, 8, 1000);
	o.vlan = 4095;
	cr_assert_eq(tg_feedgen_check(&o, err, sizeof(err)), -EINVAL);
	o = opts(1, 8, 1000);
	o.per_packet = 0;
	cr_assert_eq(tg_feedgen_check(&o, err, sizeof(err)), -EINVAL);
	cr_assert_null(tg_feedgen_new(&o));
	cr_assert_eq(tg_feedgen_write(&o, tmp("never.pcap"), &res), -EINVAL);
	cr_assert(res.error[0]);
	cr_assert_neq(access(tmp("never.pcap"), F_OK), 0);
	o = opts(1, 8, 1000);
	cr_assert_eq(tg_feedgen_check(&o, err, sizeof(err)), 0);
	cr_assert_lt(tg_feedgen_write(&o, "/nonexistent/dir/x.pcap", &res), 0);
	cr_assert(res.error[0]);
}
