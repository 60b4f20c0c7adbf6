// SPDX-License-Identifier: BSD-3-Clause
// Verilator test bench of rtl/tg_feed.v. Frames go in on lines A and B
// (back to back, or with the source pausing at random); every record that
// comes out is checked field by field against tb/feed/tg_feed_ref, which
// processes the same frames in the order the card accepted them, and so
// are all counters and the session table, read through the register port.
// Also measures throughput (beats per clock) and latency (clocks from the
// beat holding a message's last byte to its record).
#include <cinttypes>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "Vtg_feed.h"
#include "verilated.h"
#ifdef TB_TRACE
#include "verilated_vcd_c.h"
#endif

#include "feed/tg_feed_frames.h"
#include "feed/tg_feed_ref.h"

// the ABI header asserts its layout with C11's keyword
extern "C" {
#include "tg_card_abi.h"
#include "tg_itch.h"
}

#ifndef TG_SHARED_DIR
#define TG_SHARED_DIR "../shared"
#endif

static const std::string tb_nasdaq = std::string(TG_SHARED_DIR) +
	"/data/itch50-real/omi-data-packets/Nasdaq/";

struct tb_rec {
	uint64_t cyc;
	uint8_t b[64];
};

struct tb_line {
	std::deque<tg_bytes> q;
	std::deque<int> ids;
	size_t beat = 0;
	bool pres = false;
	double p_idle = 0.0;
};

struct tb {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vtg_feed> top;
	uint64_t cyc = 0;
	std::mt19937_64 rng{12345};
	tb_line ln[2];
	std::vector<tb_rec> recs;
	std::vector<std::pair<int, unsigned>> order;	// frame id, line: accepted order
	std::map<int, tg_bytes> frames;
	std::map<int, std::vector<uint64_t>> beat_cyc;
	int next_id = 0;
	tg_feed_ref ref;
	std::vector<tg_ref_rec> ref_recs;
	size_t fed = 0;			// frames of order[] given to the reference
	size_t checked = 0;		// records compared
	// measurements
	uint64_t beats = 0;
	uint64_t lat_min = ~0ULL, lat_max = 0, lat_n = 0;
	uint64_t hlat_min = ~0ULL, hlat_max = 0;	// GAP/EOS, from the header's last beat
	uint64_t idle_between = 0;	// cycles a line had a frame waiting but was not served
	bool stalled_in_frame = false;

#ifdef TB_TRACE
	VerilatedVcdC *vcd = nullptr;
#endif

	tb()
	{
		ctx.reset(new VerilatedContext);
		top.reset(new Vtg_feed(ctx.get()));
#ifdef TB_TRACE
		if (getenv("TB_VCD")) {
			ctx->traceEverOn(true);
			vcd = new VerilatedVcdC;
			top->trace(vcd, 99);
			vcd->open(getenv("TB_VCD"));
		}
#endif
		top->clk = 0;
		top->rst = 1;
		top->soft_reset = 0;
		top->s_axis_a_tvalid = 0;
		top->s_axis_b_tvalid = 0;
		top->reg_wr_en = 0;
		top->reg_rd_addr = 0;
		for (int i = 0; i < 4; i++)
			tick();
		top->rst = 0;
		tick();
	}

	void drive(unsigned l)
	{
		tb_line &L = ln[l];
		uint64_t d = rng(), k = 0xFF, last = 0;
		bool v = false;
		if (!L.pres && !L.q.empty()) {
			std::uniform_real_distribution<double> u(0.0, 1.0);
			if (L.p_idle == 0.0 || u(rng) >= L.p_idle)
				L.pres = true;
		}
		if (L.pres) {
			const tg_bytes &f = L.q.front();
			size_t off = 8 * L.beat, n = f.size() - off < 8 ? f.size() - off : 8;
			d = 0;
			k = 0;
			for (size_t i = 0; i < n; i++) {
				d |= (uint64_t)f[off + i] << (8 * i);
				k |= 1ULL << i;
			}
			if (n < 8)
				d |= rng() << (8 * n);	// bytes past the end are not the frame's
			last = off + 8 >= f.size();
			v = true;
		}
		if (l == 0) {
			top->s_axis_a_tdata = d;
			top->s_axis_a_tkeep = (uint8_t)k;
			top->s_axis_a_tlast = (uint8_t)last;
			top->s_axis_a_tvalid = v;
		} else {
			top->s_axis_b_tdata = d;
			top->s_axis_b_tkeep = (uint8_t)k;
			top->s_axis_b_tlast = (uint8_t)last;
			top->s_axis_b_tvalid = v;
		}
	}

	void observe(unsigned l, bool ready)
	{
		tb_line &L = ln[l];
		if (L.pres && !ready && L.beat != 0)
			stalled_in_frame = true;
		if (!L.pres && !L.q.empty() && L.beat == 0 && L.p_idle == 0.0)
			idle_between++;
		if (!L.pres || !ready)
			return;
		int id = L.ids.front();
		if (L.beat == 0)
			order.push_back({id, l});
		beat_cyc[id].push_back(cyc);
		beats++;
		L.beat++;
		if (8 * L.beat >= L.q.front().size()) {
			L.q.pop_front();
			L.ids.pop_front();
			L.beat = 0;
		}
		L.pres = false;
	}

	void tick()
	{
		if (!top->rst) {
			drive(0);
			drive(1);
		}
		top->clk = 0;
		top->eval();
		if (!top->rst) {
			bool ra = top->s_axis_a_tready, rb = top->s_axis_b_tready;
			observe(0, ra);
			observe(1, rb);
		}
		if (top->m_rec_valid) {
			tb_rec r;
			r.cyc = cyc;
			for (int i = 0; i < 16; i++) {
				uint32_t w = top->m_rec_data[i];
				memcpy(r.b + 4 * i, &w, 4);
			}
			recs.push_back(r);
		}
		top->clk = 1;
		top->eval();
#ifdef TB_TRACE
		if (vcd) {
			vcd->dump(2 * cyc);
			vcd->dump(2 * cyc + 1);
			vcd->flush();
		}
#endif
		cyc++;
	}

	void send(unsigned l, const tg_bytes &f)
	{
		int id = next_id++;
		frames[id] = f;
		ln[l].q.push_back(f);
		ln[l].ids.push_back(id);
	}

	void drain()
	{
		unsigned quiet = 0;
		uint64_t guard = 0;
		// counters and the session table are final once busy is low
		while (quiet < 1 && guard++ < 50000000) {
			tick();
			bool idle = ln[0].q.empty() && ln[1].q.empty() && !top->busy;
			quiet = idle ? quiet + 1 : 0;
		}
	}

	uint32_t rd(uint32_t a)
	{
		top->reg_rd_addr = (uint16_t)a;
		tick();
		return top->reg_rd_data;
	}

	void wr(uint32_t a, uint32_t d)
	{
		top->reg_wr_en = 1;
		top->reg_wr_addr = (uint16_t)a;
		top->reg_wr_data = d;
		tick();
		top->reg_wr_en = 0;
	}

	void filter(unsigned i, uint32_t ip, uint16_t port, uint8_t ctrl)
	{
		wr(TG_REG_FILTER(i) + TG_FILTER_DST_IP, ip);
		wr(TG_REG_FILTER(i) + TG_FILTER_DST_PORT, port);
		wr(TG_REG_FILTER(i) + TG_FILTER_CTRL, ctrl);
		ref.fip[i] = ip;
		ref.fport[i] = port;
		ref.fctrl[i] = ctrl;
	}

	// CTRL.RESET as the register block passes it on, with the card idle
	void soft_reset()
	{
		drain();
		feed_ref();
		top->soft_reset = 1;
		tick();
		top->soft_reset = 0;
		tick();
		ref.reset();
		checked = recs.size();
		ref_recs.clear();
		rbase = recs.size();
	}

	size_t rbase = 0;		// first RTL record of the reference's list

	void feed_ref()
	{
		for (; fed < order.size(); fed++) {
			const tg_bytes &f = frames[order[fed].first];
			ref.frame(f.data(), f.size(), order[fed].second, order[fed].first, ref_recs);
		}
	}

	bool check(const char *what);
};

static const char *
field_of(unsigned off)
{
	if (off == 0) return "kind";
	if (off == 1) return "msg_type";
	if (off == 2) return "session";
	if (off == 3) return "flags";
	if (off < 6) return "stock_locate";
	if (off < 8) return "tracking_number";
	if (off < 16) return "seq";
	if (off < 24) return "ts";
	return "body";
}

static void
dump(const char *tag, const uint8_t *b)
{
	printf("    %s:", tag);
	for (int i = 0; i < 64; i++)
		printf("%s%02x", (i % 8) ? "" : " ", b[i]);
	printf("\n");
}

bool
tb::check(const char *what)
{
	bool ok = true;
	drain();
	feed_ref();

	size_t nr = recs.size() - rbase;
	if (nr != ref_recs.size()) {
		printf("  %s: %zu records, expected %zu\n", what, nr, ref_recs.size());
		ok = false;
	}
	for (size_t i = checked - rbase; i < nr && i < ref_recs.size(); i++) {
		const tb_rec &r = recs[rbase + i];
		const tg_ref_rec &e = ref_recs[i];
		for (unsigned o = 0; o < 64; o++) {
			if (r.b[o] != e.b[o]) {
				printf("  %s: record %zu (frame %d): field %s (byte %u) is %02x, expected %02x\n",
				       what, i, e.frame, field_of(o), o, r.b[o], e.b[o]);
				dump("got ", r.b);
				dump("want", e.b);
				ok = false;
				break;
			}
		}
		if (!ok)
			break;
		const std::vector<uint64_t> &bc = beat_cyc[e.frame];
		uint64_t lat = r.cyc - bc[(size_t)e.last_off / 8];
		if (e.b[0] == TG_EV_MSG) {
			if (lat < lat_min)
				lat_min = lat;
			if (lat > lat_max)
				lat_max = lat;
			lat_n++;
		} else {
			if (lat < hlat_min)
				hlat_min = lat;
			if (lat > hlat_max)
				hlat_max = lat;
		}
	}
	checked = recs.size();

	for (unsigned c = 0; c < 56; c++) {
		uint64_t lo = rd(TG_REG_COUNTER(c)), hi = rd(TG_REG_COUNTER(c) + 4);
		uint64_t v = hi << 32 | lo;
		if (v != ref.cnt[c]) {
			printf("  %s: counter %u is %" PRIu64 ", expected %" PRIu64 "\n",
			       what, c, v, ref.cnt[c]);
			ok = false;
		}
	}
	for (unsigned s = 0; s < 8; s++) {
		uint32_t a = TG_REG_SESSION(s);
		uint32_t n0 = 0, n1 = 0, n2 = 0;
		for (int k = 0; k < 10; k++) {
			uint32_t b = ref.sn[s][k];
			if (k < 4) n0 |= b << (8 * k);
			else if (k < 8) n1 |= b << (8 * (k - 4));
			else n2 |= b << (8 * (k - 8));
		}
		uint32_t want[8] = {n0, n1, n2, (uint32_t)ref.sv[s] | (uint32_t)ref.se[s] << 1,
				    (uint32_t)ref.sx[s], (uint32_t)(ref.sx[s] >> 32), 0, 0};
		for (unsigned w = 0; w < 8; w++) {
			uint32_t got = rd(a + 4 * w);
			if (got != want[w]) {
				printf("  %s: session %u word +0x%x is %08x, expected %08x\n",
				       what, s, 4 * w, got, want[w]);
				ok = false;
			}
		}
	}
	return ok;
}

// ---------------------------------------------------------------------------

static unsigned tb_pass, tb_fail;

static bool
wanted(const char *name)
{
	const char *only = getenv("TB_ONLY");
	return !only || strstr(name, only);
}

static void
result(const char *name, bool ok)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", name);
	if (ok)
		tb_pass++;
	else
		tb_fail++;
}

static void
nasdaq_filter(tb &t)
{
	t.filter(0, 0xE9360C6F, 26477, TG_FILTER_VALID);
}

static uint64_t
le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

// Register windows: filters RW, the rest RO, unmapped offsets 0.
static bool
test_regs()
{
	tb t;
	bool ok = true;
	for (unsigned i = 0; i < 8; i++) {
		t.wr(TG_REG_FILTER(i), 0x11111111u * (i + 1));
		t.wr(TG_REG_FILTER(i) + 4, 0xABCD0000u | (0x100 * i + 7));
		t.wr(TG_REG_FILTER(i) + 8, 0xFFFFFFF8u | i);
		t.wr(TG_REG_FILTER(i) + 12, 0xFFFFFFFF);
	}
	t.wr(0x180, 0xFFFFFFFF);
	t.wr(0x101, 0xFFFFFFFF);
	t.wr(TG_REG_SESSION(0), 0xFFFFFFFF);
	t.wr(TG_REG_COUNTER(0), 0xFFFFFFFF);
	for (unsigned i = 0; i < 8; i++) {
		uint32_t w[4] = {t.rd(TG_REG_FILTER(i)), t.rd(TG_REG_FILTER(i) + 4),
				 t.rd(TG_REG_FILTER(i) + 8), t.rd(TG_REG_FILTER(i) + 12)};
		if (w[0] != 0x11111111u * (i + 1) || w[1] != 0x100 * i + 7 || w[2] != i || w[3]) {
			printf("  filter %u reads %08x %08x %08x %08x\n", i, w[0], w[1], w[2], w[3]);
			ok = false;
		}
	}
	const uint32_t zero[] = {0x000, 0x004, 0x010, 0x0FC, 0x101, 0x102, 0x180, 0x1FC,
				 0x21C, 0x300, 0x3FC, 0x5B8, 0x5BC, 0x5C0, 0x600, 0xFFC,
				 TG_REG_COUNTER(0), TG_REG_COUNTER(21), TG_REG_SESSION(0)};
	for (uint32_t a : zero) {
		uint32_t v = t.rd(a);
		if (v) {
			printf("  offset 0x%03x reads %08x\n", a, v);
			ok = false;
		}
	}
	// reads are registered: the address of one cycle, the data of the next
	t.top->reg_rd_addr = TG_REG_FILTER(2);
	t.tick();
	t.top->reg_rd_addr = TG_REG_FILTER(3);
	uint32_t first = t.top->reg_rd_data;
	t.tick();
	if (first != 0x33333333u || t.top->reg_rd_data != 0x44444444u) {
		printf("  back-to-back reads gave %08x %08x\n", first, (uint32_t)t.top->reg_rd_data);
		ok = false;
	}
	// filters survive CTRL.RESET, and rst clears them
	t.soft_reset();
	if (t.rd(TG_REG_FILTER(5)) != 0x66666666u)
		ok = false;
	return ok;
}

// Multiple.Packets.pcap: VLAN 141, real session, two datagrams with a gap.
// Fields checked against values read off the capture by hand.
static bool
test_pcap_multiple()
{
	tb t;
	nasdaq_filter(t);
	std::vector<tg_bytes> fs = tg_pcap_read(tb_nasdaq +
		"Nasdaq.Equities.TotalView.Itch.v5.0/Multiple.Packets.pcap");
	if (fs.size() != 2) {
		printf("  cannot read Multiple.Packets.pcap\n");
		return false;
	}
	for (const tg_bytes &f : fs)
		t.send(0, f);
	bool ok = t.check("Multiple.Packets");
	if (t.recs.size() != 40) {
		printf("  %zu records\n", t.recs.size());
		return false;
	}
	const uint8_t *r0 = t.recs[0].b, *r1 = t.recs[1].b, *r2 = t.recs[2].b;
	// D: locate 0x0ab1, ts 0x1f1acf4c4eb7, order reference 0x01665d6a
	if (r0[0] != 1 || r0[1] != 'D' || r0[2] != 0 || r0[3] != 0 ||
	    le(r0 + 4, 2) != 0x0ab1 || le(r0 + 6, 2) != 0 || le(r0 + 8, 8) != 14764496 ||
	    le(r0 + 16, 8) != 0x1f1acf4c4eb7ULL || le(r0 + 24, 8) != 0x01665d6a)
		ok = false;
	// the gap: first missing 14764497, 19009117 - 14764497 missing
	if (r1[0] != 2 || le(r1 + 8, 8) != 14764497 || le(r1 + 16, 8) != 4244620)
		ok = false;
	// A: ref 0x792f9f, B, 1 share of META at 80.5200
	if (r2[0] != 1 || r2[1] != 'A' || le(r2 + 4, 2) != 0x1972 ||
	    le(r2 + 8, 8) != 19009117 || le(r2 + 16, 8) != 0x1f23e0981ae1ULL ||
	    le(r2 + 24, 8) != 0x792f9f || r2[32] != 'B' || le(r2 + 33, 4) != 1 ||
	    memcmp(r2 + 37, "META    ", 8) || le(r2 + 45, 4) != 0x000c4950)
		ok = false;
	if (le(t.recs[39].b + 8, 8) != 19009154)
		ok = false;
	if (t.rd(TG_REG_COUNTER(TG_CNT_MESSAGES)) != 39 ||
	    t.rd(TG_REG_COUNTER(TG_CNT_GAP_MESSAGES)) != 4244620 ||
	    t.rd(TG_REG_SESSION(0) + TG_SESSION_NEXT_LO) != 19009155 ||
	    t.rd(TG_REG_SESSION(0)) != 0x30303030 || t.rd(TG_REG_SESSION(0) + 8) != 0x4239)
		ok = false;
	return ok;
}

// Every capture of the Nasdaq and BX folders, then the synthetic 2023-08-22
// ones (IP checksum 0: dropped), then their message blocks re-framed into
// proper datagrams.
static bool
test_pcap_all()
{
	tb t;
	t.filter(0, 0, 0, TG_FILTER_VALID | TG_FILTER_ANY_IP | TG_FILTER_ANY_PORT);
	const char *dirs[] = {"Nasdaq.Equities.TotalView.Itch.v5.0",
			      "Bx.Equities.TotalView.Itch.v5.0",
			      "Nasdaq.Equities.TotalView.Itch.v5.0.20230822",
			      "Bx.Equities.TotalView.Itch.v5.0.20230822",
			      "Psx.Equities.TotalView.Itch.v5.0.20230822"};
	std::vector<tg_bytes> synth;
	unsigned nfiles = 0;
	for (const char *d : dirs) {
		std::string cmd = "ls " + tb_nasdaq + d + "/*.pcap 2>/dev/null";
		FILE *p = popen(cmd.c_str(), "r");
		char line[1024];
		while (p && fgets(line, sizeof(line), p)) {
			line[strcspn(line, "\n")] = 0;
			std::vector<tg_bytes> fs = tg_pcap_read(line);
			nfiles++;
			for (const tg_bytes &f : fs) {
				t.send(nfiles & 1, f);
				if (strstr(d, "20230822"))
					synth.push_back(f);
			}
		}
		if (p)
			pclose(p);
	}
	bool ok = nfiles > 40 && t.check("captures");
	// re-frame the synthetic captures' blocks with a proper header
	std::mt19937_64 rng(7);
	uint64_t seq = 1000;
	for (const tg_bytes &f : synth) {
		size_t l3 = (f.size() > 18 && f[12] == 0x81 && f[13] == 0) ? 18 : 14;
		if (f.size() < l3 + 20)
			continue;
		size_t l4 = l3 + 4 * (f[l3] & 15);
		if (f.size() < l4 + 28)
			continue;
		tg_frame_spec s;
		s.vlan = rng() & 1;
		s.session = "RFRAMED   ";
		s.seq = seq;
		size_t pos = l4 + 28;
		unsigned n = (unsigned)f[l4 + 26] << 8 | f[l4 + 27];
		for (unsigned k = 0; k < n && pos + 2 <= f.size(); k++) {
			unsigned len = (unsigned)f[pos] << 8 | f[pos + 1];
			if (pos + 2 + len > f.size())
				break;
			s.blocks.push_back(tg_bytes(f.begin() + pos, f.begin() + pos + 2 + len));
			pos += 2 + len;
		}
		seq += s.blocks.size();
		t.send(rng() & 1, tg_frame_build(s));
	}
	ok = t.check("re-framed captures") && ok;
	printf("  %u files, %zu frames, %" PRIu64 " MOLD packets, %" PRIu64 " messages, %" PRIu64
	       " IP checksum errors\n", nfiles, t.order.size(), t.ref.cnt[TG_CNT_MOLD_PACKETS],
	       t.ref.cnt[TG_CNT_MESSAGES], t.ref.cnt[TG_CNT_ERR_IP_CHECKSUM]);
	ok = ok && t.ref.cnt[TG_CNT_MESSAGES] > 60;
	return ok;
}

// One frame per check of section 5, each failing only that check.
static bool
test_checks()
{
	tb t;
	nasdaq_filter(t);
	t.filter(3, 0xE9000001, 0, TG_FILTER_VALID | TG_FILTER_ANY_PORT);
	t.filter(4, 0, 4000, TG_FILTER_VALID | TG_FILTER_ANY_IP);
	t.filter(5, 0xE9360C6F, 26478, 0);	// not valid
	std::mt19937_64 rng(1);
	std::vector<tg_frame_spec> v;
	for (int vlan = 0; vlan < 2; vlan++) {
		tg_frame_spec g;
		g.vlan = vlan;
		g.seq = 100 + 1000 * vlan;
		g.session = vlan ? "VLANSESS01" : "PLAINSESS1";
		g.blocks.push_back(tg_block(tg_itch_msg('A', 1, 2, 3, rng)));
		tg_frame_spec s;
		v.push_back(g);
		for (unsigned ihl = 5; ihl <= 15; ihl++) {
			s = g; s.ihl = ihl; s.seq = g.seq + ihl; v.push_back(s);
		}
		s = g; s.ethertype = 0x86DD; v.push_back(s);
		s = g; s.ethertype = 0x0806; v.push_back(s);
		s = g; s.version = 6; v.push_back(s);
		for (unsigned ihl = 0; ihl < 5; ihl++) {
			s = g; s.ihl = ihl; v.push_back(s);
		}
		s = g; s.bad_cksum = true; v.push_back(s);
		s = g; s.bad_cksum = true; s.ihl = 9; v.push_back(s);
		s = g; s.proto = 6; v.push_back(s);
		s = g; s.frag = 0x2000; v.push_back(s);
		s = g; s.frag = 0x0001; v.push_back(s);
		s = g; s.frag = 0x1000; v.push_back(s);
		s = g; s.frag = 0x8000; v.push_back(s);	// reserved bit: not a fragment
		s = g; s.tl = 27; v.push_back(s);
		s = g; s.tl = 28; v.push_back(s);
		s = g; s.ul = 7; v.push_back(s);
		s = g; s.ul = 8; v.push_back(s);
		s = g; s.ip_extra = 3; s.ul = -1; v.push_back(s);
		s = g; s.tl = 20 + 8 + 20 + 38 - 1; v.push_back(s);	// UL > TL - 4 IHL
		s = g; s.ul = 27; v.push_back(s);
		s = g; s.ul = 28; v.push_back(s);
		s = g; s.dst_ip = 0xE9360C70; v.push_back(s);
		s = g; s.dst_port = 26478; v.push_back(s);
		s = g; s.dst_ip = 0xE9000001; s.dst_port = 9; v.push_back(s);
		s = g; s.dst_ip = 0x01020304; s.dst_port = 4000; v.push_back(s);
		s = g; s.tl = 1000; v.push_back(s);			// frame shorter than TL
		s = g; s.eth_pad = 30; v.push_back(s);
		s = g; s.ip_extra = 20; s.eth_pad = 5; v.push_back(s);
	}
	unsigned l = 0;
	for (const tg_frame_spec &s : v)
		t.send(l++ & 1, tg_frame_build(s));
	bool ok = t.check("checks");
	// a frame of one beat right behind a long one on the same line
	for (size_t n = 1; n <= 24; n++) {
		tg_bytes good = tg_frame_build(v[n % 2 ? 0 : 12]);
		t.send(0, good);
		t.send(0, tg_bytes(good.begin(), good.begin() + n));
	}
	return t.check("short behind long") && ok;
}

// A frame cut at every length, with and without VLAN and IP options.
static bool
test_truncation()
{
	tb t;
	nasdaq_filter(t);
	std::mt19937_64 rng(2);
	bool ok = true;
	for (int variant = 0; variant < 4; variant++) {
		tg_frame_spec g;
		g.vlan = variant & 1;
		g.ihl = (variant & 2) ? 7 : 5;
		g.session = "TRUNC0000" + std::to_string(variant);
		g.seq = 50;
		g.blocks.push_back(tg_block(tg_itch_msg('S', 1, 2, 3, rng)));
		g.blocks.push_back(tg_block(tg_itch_msg('A', 4, 5, 6, rng)));
		g.blocks.push_back(tg_block(tg_itch_msg('P', 7, 8, 9, rng)));
		tg_bytes full = tg_frame_build(g);
		for (size_t n = 1; n <= full.size(); n++) {
			t.send((unsigned)(n & 1), tg_bytes(full.begin(), full.begin() + n));
			if (n % 64 == 0)
				ok = t.check("truncation") && ok;
		}
		// the datagram cut by the UDP length instead, at every length
		for (int ul = 28; ul <= 28 + 14 + 38 + 46; ul++) {
			tg_frame_spec s = g;
			s.ul = ul;
			s.seq = 50;
			t.send((unsigned)(ul & 1), tg_frame_build(s));
		}
		ok = t.check("truncation") && ok;
	}
	return ok;
}

// Sessions, gaps, duplicates across lines, heartbeats, ends of session,
// a full table.
static bool
test_sequencing()
{
	tb t;
	nasdaq_filter(t);
	std::mt19937_64 rng(3);
	std::vector<tg_bytes> pk;
	uint64_t seq = 1000;
	for (int i = 0; i < 12; i++) {
		tg_frame_spec s;
		s.session = "ABSESSION1";
		s.seq = seq;
		if (i == 4) s.seq = seq += 7;			// gap
		if (i == 6) s.count = 0;			// heartbeat, no gap
		if (i == 7) { s.count = 0; s.seq = seq += 3; }	// heartbeat with a gap
		if (i != 6 && i != 7)
			for (int k = 0; k < 1 + i % 4; k++)
				s.blocks.push_back(tg_block(tg_itch_msg("AEXD"[k], 1, 2, 3, rng)));
		seq += s.blocks.size();
		pk.push_back(tg_frame_build(s));
	}
	// A and B copies, B sometimes first, B sometimes late
	for (size_t i = 0; i < pk.size(); i++) {
		t.send(i % 3 == 1, pk[i]);
		t.send(i % 3 != 1, pk[i]);
	}
	bool ok = t.check("A/B");
	// overlapping retransmission: half old, half new
	tg_frame_spec s;
	s.session = "ABSESSION1";
	s.seq = seq - 2;
	for (int k = 0; k < 5; k++)
		s.blocks.push_back(tg_block(tg_itch_msg('F', 1, 2, 3, rng)));
	t.send(0, tg_frame_build(s));
	seq += 3;
	// end of session twice, then data after it, then a late joiner session
	tg_frame_spec e;
	e.session = "ABSESSION1";
	e.seq = seq + 5;
	e.count = 0xFFFF;
	t.send(1, tg_frame_build(e));
	t.send(0, tg_frame_build(e));
	s.seq = seq + 5;
	t.send(0, tg_frame_build(s));
	ok = t.check("end of session") && ok;
	// nine sessions: the ninth does not fit
	for (int i = 0; i < 9; i++) {
		tg_frame_spec n;
		n.session = "NEWSESS00" + std::to_string(i);
		n.seq = 1000000000000ULL * (i + 1);
		n.count = i == 3 ? 0xFFFF : -1;
		n.blocks.push_back(tg_block(tg_itch_msg('S', 1, 2, 3, rng)));
		t.send(i & 1, tg_frame_build(n));
	}
	// a duplicate far behind (next - seq > 65535)
	tg_frame_spec far;
	far.session = "NEWSESS000";
	far.seq = 5;
	far.blocks.push_back(tg_block(tg_itch_msg('S', 1, 2, 3, rng)));
	t.send(0, tg_frame_build(far));
	ok = t.check("full table") && ok;
	return ok;
}

// Message blocks: every length 0..12 with known and unknown types, lengths
// that differ from the type's, blocks over the datagram's end, counts below
// and above the blocks present, all at every lane alignment.
static bool
test_blocks()
{
	tb t;
	nasdaq_filter(t);
	std::mt19937_64 rng(4);
	bool ok = true;
	uint64_t seq = 1;
	for (int align = 0; align < 16; align++) {
		for (int len = 0; len <= 14; len++) {
			for (int tk = 0; tk < 3; tk++) {
				tg_frame_spec s;
				s.vlan = align & 8;
				s.ihl = (align & 4) ? 6 : 5;
				s.session = "BLOCKS0001";
				s.seq = seq;
				for (int z = 0; z < (align & 3); z++)
					s.blocks.push_back(tg_block_len(0, {}));
				tg_bytes m;
				for (int i = 0; i < len; i++)
					m.push_back((uint8_t)rng());
				if (len && tk == 0)
					m[0] = 'S';
				if (len && tk == 1)
					m[0] = 'Z';
				if (len && tk == 2)
					m[0] = 'D';
				s.blocks.push_back(tg_block(m));
				s.blocks.push_back(tg_block(tg_itch_msg('W', 9, 9, 9, rng)));
				s.blocks.push_back(tg_block_len(0, {}));
				s.blocks.push_back(tg_block(tg_itch_msg('I', 9, 9, 9, rng)));
				int nb = (int)s.blocks.size();
				switch ((len + tk) % 5) {
				case 1: s.count = nb - 1; break;
				case 2: s.count = nb + 2; break;
				case 3: s.truncate = 20 + (int)(rng() % 140); break;
				case 4: s.ul = 28 + (int)(rng() % 100); break;
				default: break;
				}
				seq += nb;
				t.send((unsigned)(rng() & 1), tg_frame_build(s));
			}
		}
		ok = t.check("blocks") && ok;
	}
	// a block whose length field is cut by the datagram's end, at every place
	for (int cut = 0; cut < 24; cut++) {
		tg_frame_spec s;
		s.session = "BLOCKS0002";
		s.seq = seq;
		s.blocks.push_back(tg_block(tg_itch_msg('S', 1, 1, 1, rng)));
		s.blocks.push_back(tg_block(tg_itch_msg('R', 1, 1, 1, rng)));
		s.ul = 8 + 20 + 14 + cut;
		seq += 2;
		t.send(0, tg_frame_build(s));
	}
	// a very long junk block, and 0xFFFE blocks of length 0 announced
	tg_frame_spec s;
	s.session = "BLOCKS0003";
	s.seq = 77;
	s.blocks.push_back(tg_block_len(1400, tg_bytes(1400, 'Z')));
	s.blocks.push_back(tg_block(tg_itch_msg('P', 1, 1, 1, rng)));
	t.send(1, tg_frame_build(s));
	s.blocks.clear();
	s.seq = 79;
	s.count = 0xFFFE;
	for (int i = 0; i < 700; i++)
		s.blocks.push_back(tg_block_len(0, {}));
	t.send(0, tg_frame_build(s));
	ok = t.check("long blocks") && ok;
	return ok;
}

// Random traffic with the sources pausing at random, several seeds.
static bool
test_random(uint64_t seed, unsigned frames, unsigned sessions, double idle)
{
	tb t;
	nasdaq_filter(t);
	t.filter(1, 0xE9360C70, 26477, TG_FILTER_VALID);
	t.ln[0].p_idle = idle;
	t.ln[1].p_idle = idle;
	tg_traffic tr(seed, sessions, 0.1, 0.1);
	bool ok = true;
	for (unsigned i = 0; i < frames; i++) {
		unsigned l;
		tg_bytes f = tr.next(&l);
		t.send(l, f);
		if (i % 500 == 499 || (getenv("TB_EVERY") && i % atoi(getenv("TB_EVERY")) == 0)) {
			ok = t.check("random") && ok;
			if (!ok) {
				if (getenv("TB_EVERY")) {
					unsigned ev = (unsigned)atoi(getenv("TB_EVERY"));
					for (size_t o = t.order.size() >= ev ? t.order.size() - ev : 0; o < t.order.size(); o++) {
						const tg_bytes &g = t.frames[t.order[o].first];
						printf("  frame %d (%zu bytes, line %u):", t.order[o].first, g.size(), t.order[o].second);
						for (size_t b = 0; b < g.size(); b++)
							printf("%s%02x", b % 16 ? " " : "\n   ", g[b]);
						printf("\n");
					}
				}
				break;
			}
		}
	}
	ok = t.check("random") && ok;
	printf("  seed %" PRIu64 ": %zu frames, %zu records, %" PRIu64 " messages, %" PRIu64
	       " dup, %" PRIu64 " gaps; MSG latency %" PRIu64 "..%" PRIu64 ", GAP/EOS %" PRIu64
	       "..%" PRIu64 " clocks after the header's last beat\n",
	       seed, t.order.size(), t.recs.size(), t.ref.cnt[TG_CNT_MESSAGES],
	       t.ref.cnt[TG_CNT_DUPLICATES], t.ref.cnt[TG_CNT_GAPS], t.lat_min, t.lat_max,
	       t.hlat_min, t.hlat_max);
	return ok && t.lat_max <= 2 && t.lat_min == 2;
}

// CTRL.RESET: counters and sessions cleared, filters kept; one in the
// middle of a frame drops the rest of it, and what follows is exact.
static bool
test_soft_reset()
{
	tb t;
	nasdaq_filter(t);
	tg_traffic tr(99, 4, 0.05, 0.05);
	for (int i = 0; i < 200; i++) {
		unsigned l;
		tg_bytes f = tr.next(&l);
		t.send(l, f);
	}
	bool ok = t.check("before reset");
	t.soft_reset();
	ok = t.check("after reset") && ok;
	// mid-frame: a long frame, reset on its fifth beat
	std::mt19937_64 rng(5);
	tg_frame_spec s;
	s.session = "MIDRESET01";
	for (int k = 0; k < 30; k++)
		s.blocks.push_back(tg_block(tg_itch_msg('A', 1, 2, 3, rng)));
	t.send(0, tg_frame_build(s));
	while (t.beats == 0 || t.beat_cyc[t.next_id - 1].size() < 5)
		t.tick();
	t.top->soft_reset = 1;
	t.tick();
	t.top->soft_reset = 0;
	t.drain();
	t.ref.reset();
	t.fed = t.order.size();
	t.rbase = t.checked = t.recs.size();
	t.ref_recs.clear();
	for (int i = 0; i < 100; i++) {
		unsigned l;
		tg_bytes f = tr.next(&l);
		t.send(l, f);
	}
	ok = t.check("after mid-frame reset") && ok;
	return ok;
}

// Throughput and latency: back-to-back frames on one line, on both lines,
// and the hardest message mixes (12-byte messages; 2-byte empty blocks).
static bool
test_perf()
{
	bool ok = true;
	std::mt19937_64 rng(6);
	struct mix {
		const char *name;
		int kind;
	} mixes[] = {{"one line, real mix", 0}, {"both lines, real mix", 1},
		     {"both lines, 12-byte messages", 2}, {"one line, empty blocks", 3},
		     {"one line, 64-byte frames", 4}};
	for (const mix &m : mixes) {
		tb t;
		nasdaq_filter(t);
		std::vector<tg_bytes> fs;
		uint64_t seq = 1;
		for (int i = 0; i < 400; i++) {
			tg_frame_spec s;
			s.vlan = i & 1;
			s.seq = seq;
			int nb = m.kind == 4 ? 0 : 1 + (int)(rng() % 30);
			for (int k = 0; k < nb; k++) {
				if (m.kind == 2)
					s.blocks.push_back(tg_block(tg_itch_msg("SW"[k & 1], 1, 2, 3, rng)));
				else if (m.kind == 3)
					s.blocks.push_back(tg_block_len(0, {}));
				else
					s.blocks.push_back(tg_block(tg_itch_msg("AAAADDEXUFPIR"[rng() % 13],
						1, 2, 3, rng)));
			}
			if (m.kind == 4) {
				s.count = 0;
				s.eth_pad = 0;
			}
			seq += nb;
			fs.push_back(tg_frame_build(s));
		}
		for (size_t i = 0; i < fs.size(); i++)
			t.send(m.kind == 1 || m.kind == 2 ? (unsigned)(i & 1) : 0, fs[i]);
		uint64_t c0 = t.cyc;
		while (!t.ln[0].q.empty() || !t.ln[1].q.empty())
			t.tick();
		uint64_t cycles = t.cyc - c0;
		bool c = t.check(m.name);
		printf("  %s: %" PRIu64 " beats in %" PRIu64 " clocks (%.4f beats/clock), "
		       "stalled inside a frame: %s, %" PRIu64 " MSG records",
		       m.name, t.beats, cycles, (double)t.beats / cycles,
		       t.stalled_in_frame ? "yes" : "no", t.lat_n);
		if (t.lat_n)
			printf(", latency %" PRIu64 "..%" PRIu64 " clocks", t.lat_min, t.lat_max);
		printf("\n");
		ok = ok && c && !t.stalled_in_frame && t.beats + 1 >= cycles &&
		     (t.lat_n == 0 || (t.lat_min == 2 && t.lat_max == 2));
	}
	// a line that starts sending while the other is idle: one clock to switch
	tb t;
	nasdaq_filter(t);
	tg_frame_spec s;
	s.blocks.push_back(tg_block(tg_itch_msg('S', 1, 2, 3, rng)));
	tg_bytes f = tg_frame_build(s);
	t.send(0, f);
	t.drain();
	uint64_t c0 = t.cyc;
	t.send(1, f);
	while (t.order.size() < 2)
		t.tick();
	printf("  idle line A, frame on line B: first beat taken after %" PRIu64 " clocks\n",
	       t.beat_cyc[1][0] - c0);
	ok = ok && t.beat_cyc[1][0] - c0 <= 1;
	// round robin: both lines full, frames alternate
	tb r;
	nasdaq_filter(r);
	for (int i = 0; i < 6; i++) {
		r.send(0, f);
		r.send(1, f);
	}
	r.drain();
	for (size_t i = 0; i < r.order.size(); i++)
		if (r.order[i].second != (i & 1))
			ok = false;
	return ok;
}

int
main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	bool quick = argc > 1 && !strcmp(argv[1], "--quick");
	if (wanted("registers"))
		result("registers", test_regs());
	if (wanted("pcap Multiple.Packets (VLAN, real session, gap)"))
		result("pcap Multiple.Packets (VLAN, real session, gap)", test_pcap_multiple());
	if (wanted("pcap all captures + re-framed"))
		result("pcap all captures + re-framed", test_pcap_all());
	if (wanted("header checks"))
		result("header checks", test_checks());
	if (wanted("truncation at every length"))
		result("truncation at every length", test_truncation());
	if (wanted("sequencing: A/B, gaps, heartbeats, EOS, full table"))
		result("sequencing: A/B, gaps, heartbeats, EOS, full table", test_sequencing());
	if (wanted("message blocks at every alignment"))
		result("message blocks at every alignment", test_blocks());
	if (wanted("soft reset"))
		result("soft reset", test_soft_reset());
	if (wanted("throughput and latency"))
		result("throughput and latency", test_perf());
	if (wanted("random, back to back"))
		result("random, back to back", test_random(11, quick ? 1000 : 6000, 5, 0.0));
	if (wanted("random, pausing sources"))
		result("random, pausing sources", test_random(12, quick ? 1000 : 6000, 6, 0.3));
	if (wanted("random, sessions over 8"))
		result("random, sessions over 8", test_random(13, quick ? 1000 : 4000, 11, 0.05));
	// TB_SOAK=n: n more random runs of 20000 frames, different seeds and pauses
	if (getenv("TB_SOAK"))
		for (int i = 0; i < atoi(getenv("TB_SOAK")); i++) {
			char name[64];
			snprintf(name, sizeof(name), "soak %d", i);
			result(name, test_random(1000 + (uint64_t)i, 20000, 3 + i % 9, 0.1 * (i % 4)));
		}
	printf("%u passed, %u failed\n", tb_pass, tb_fail);
	return tb_fail ? 1 : 0;
}
