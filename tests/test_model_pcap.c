/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model on real NASDAQ TotalView-ITCH 5.0 captures (802.1Q, IPv4
 * multicast to 233.54.12.111:26477, session 000010059B), read with
 * libpcap from ../shared/data/itch50-real. Expected values were read off
 * the captures with tshark's MoldUDP64 dissector.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <pcap/pcap.h>

#include "tg_itch.h"
#include "test_model_util.h"

#define TP_DIR TG_SHARED_DIR \
	"/data/itch50-real/omi-data-packets/Nasdaq/Nasdaq.Equities.TotalView.Itch.v5.0/"

struct tp_frames {
	unsigned n;
	size_t len[8];
	uint8_t *data[8];
};

/* Every frame of a capture, copied out. */
static void
tp_read(const char *path, struct tp_frames *out)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *bytes;
	pcap_t *pc = pcap_open_offline(path, err);

	cr_assert_not_null(pc, "%s: %s", path, err);
	cr_assert_eq(pcap_datalink(pc), DLT_EN10MB);
	out->n = 0;
	while (pcap_next_ex(pc, &ph, &bytes) == 1) {
		cr_assert_lt(out->n, 8);
		cr_assert_eq(ph->caplen, ph->len, "frame %u was cut in the capture", out->n);
		out->data[out->n] = malloc(ph->caplen);
		memcpy(out->data[out->n], bytes, ph->caplen);
		out->len[out->n] = ph->caplen;
		out->n++;
	}
	pcap_close(pc);
}

static void
tp_free(struct tp_frames *f)
{
	for (unsigned i = 0; i < f->n; i++)
		free(f->data[i]);
}

/* The expected records of Multiple.Packets.pcap, checked in order. */
static void
tp_check_multiple(const struct tg_event *ev, unsigned n, unsigned line)
{
	const struct tg_body_add *a;
	const struct tg_body_delete *d;

	cr_assert_eq(n, 40);
	/* datagram 1: one Order Delete */
	cr_expect_eq(ev[0].kind, TG_EV_MSG);
	cr_expect_eq(ev[0].msg_type, 'D');
	cr_expect_eq(ev[0].session, 0);
	cr_expect_eq(ev[0].flags, line ? TG_EV_FLAG_LINE_B : 0);
	cr_expect_eq(ev[0].stock_locate, 0x0ab1);
	cr_expect_eq(ev[0].tracking_number, 0);
	cr_expect_eq(ev[0].seq, 14764496);
	cr_expect_eq(ev[0].ts, 0x1f1acf4c4eb7ull);
	d = (const void *)ev[0].body;
	cr_expect_eq(d->order_ref, 0x1665d6a);
	cr_expect(tmu_zero(ev[0].body + 8, 32));
	/* the gap between the datagrams */
	tmu_expect_meta(&ev[1], TG_EV_GAP, 0, line, 14764497, 19009117 - 14764497);
	/* datagram 2: 38 messages, 36 'A' and 2 'F' */
	for (unsigned i = 0; i < 38; i++) {
		const struct tg_event *e = &ev[2 + i];

		cr_expect_eq(e->kind, TG_EV_MSG);
		cr_expect_eq(e->msg_type, i == 8 || i == 13 ? 'F' : 'A', "message %u", i);
		cr_expect_eq(e->seq, 19009117 + i);
		cr_expect_eq(e->stock_locate, 0x1972);
		cr_expect_eq(e->ts, 0x1f23e0981ae1ull);
		a = (const void *)e->body;
		cr_expect_arr_eq(a->stock, "META    ", 8);
	}
	a = (const void *)ev[2].body;
	cr_expect_eq(a->order_ref, 0x792f9f);
	cr_expect_eq(a->side, 'B');
	cr_expect_eq(a->shares, 1);
	cr_expect_eq(a->price, 0x000c4950);		/* 80.5200 */
	a = (const void *)ev[3].body;
	cr_expect_eq(a->order_ref, 0x6b3f7f);
	cr_expect_eq(a->side, 'S');
	cr_expect_eq(a->shares, 100);
	cr_expect_eq(a->price, 0x00368634);
	a = (const void *)ev[10].body;			/* the first 'F' */
	cr_expect_eq(a->order_ref, 0x94d0a7);
	cr_expect_eq(a->side, 'B');
	cr_expect_eq(a->shares, 5);
	cr_expect_eq(a->price, 0x000c394c);
	cr_expect_arr_eq(a->attribution, "UBSS", 4);
	a = (const void *)ev[39].body;
	cr_expect_eq(a->order_ref, 0x514207);
	cr_expect_eq(a->side, 'S');
	cr_expect_eq(a->shares, 1);
	cr_expect_eq(a->price, 0x0036a060);
}

static void
tp_check_counters(struct tg_model *m, unsigned line)
{
	uint64_t c[TG_CNT_NUM];

	tmu_counters(m, c);
	cr_expect_eq(c[line ? TG_CNT_FRAMES_B : TG_CNT_FRAMES_A], 2);
	cr_expect_eq(c[TG_CNT_MOLD_PACKETS], 2);
	cr_expect_eq(c[TG_CNT_MESSAGES], 39);
	cr_expect_eq(c[TG_CNT_GAPS], 1);
	cr_expect_eq(c[TG_CNT_GAP_MESSAGES], 4244620);
	cr_expect_eq(c[TG_CNT_MSG_TYPE0 + tg_itch_index('A')], 36);
	cr_expect_eq(c[TG_CNT_MSG_TYPE0 + tg_itch_index('F')], 2);
	cr_expect_eq(c[TG_CNT_MSG_TYPE0 + tg_itch_index('D')], 1);
	for (unsigned i = TG_CNT_NON_FEED; i <= TG_CNT_ERR_DESC; i++)
		if (i != TG_CNT_MOLD_PACKETS && i != TG_CNT_MESSAGES && i != TG_CNT_GAPS &&
		    i != TG_CNT_GAP_MESSAGES && i != TG_CNT_H2C_DESCS)
			cr_expect_eq(c[i], 0, "counter %u", i);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NAME0), 0x30303030);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NAME1), 0x35303031);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NAME2), 0x4239);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_SESSION(0) + TG_SESSION_NEXT_LO), 19009155);
}

/* Multiple.Packets.pcap through the pipeline directly, then again on B. */
Test(model_pcap, multiple_packets_feed)
{
	static struct tmu_cap cap;
	struct tg_model *m = tmu_model();
	struct tp_frames f;
	uint64_t c[TG_CNT_NUM];

	tp_read(TP_DIR "Multiple.Packets.pcap", &f);
	cr_assert_eq(f.n, 2);
	cr_expect_eq(f.len[0], 87);
	cr_expect_eq(f.len[1], 1518);
	for (unsigned i = 0; i < f.n; i++)
		tmu_feed(m, f.data[i], f.len[i], 0, &cap);
	tp_check_multiple(cap.ev, cap.n, 0);
	tp_check_counters(m, 0);
	/* the B copy, late: all duplicates */
	for (unsigned i = 0; i < f.n; i++)
		tmu_feed(m, f.data[i], f.len[i], 1, &cap);
	cr_expect_eq(cap.n, 40);
	tmu_counters(m, c);
	cr_expect_eq(c[TG_CNT_DUPLICATES], 39);
	cr_expect_eq(c[TG_CNT_GAPS], 1);
	tp_free(&f);
	tg_model_free(m);
}

/* The same capture through the DMA rings, on line B. */
Test(model_pcap, multiple_packets_rings)
{
	const size_t ring_bytes = (size_t)64 << 11;
	struct tg_h2c_desc *h2c = aligned_alloc(64, 16 * 16);
	struct tg_event *c2h = aligned_alloc(64, ring_bytes);
	uint32_t *wb = aligned_alloc(64, 64);
	struct tg_model *m = tmu_model();
	static struct tg_event ev[64];
	struct tp_frames f;

	tp_read(TP_DIR "Multiple.Packets.pcap", &f);
	memset(h2c, 0, 16 * 16);
	memset(c2h, 0, ring_bytes);
	tg_model_reg_write(m, TG_REG_H2C_BASE_LO, (uint32_t)(uintptr_t)h2c);
	tg_model_reg_write(m, TG_REG_H2C_BASE_HI, (uint32_t)((uintptr_t)h2c >> 32));
	tg_model_reg_write(m, TG_REG_H2C_SIZE, 4);
	tg_model_reg_write(m, TG_REG_H2C_WB_LO, (uint32_t)(uintptr_t)wb);
	tg_model_reg_write(m, TG_REG_H2C_WB_HI, (uint32_t)((uintptr_t)wb >> 32));
	tg_model_reg_write(m, TG_REG_C2H_BASE_LO, (uint32_t)(uintptr_t)c2h);
	tg_model_reg_write(m, TG_REG_C2H_BASE_HI, (uint32_t)((uintptr_t)c2h >> 32));
	tg_model_reg_write(m, TG_REG_C2H_SIZE, 11);
	tg_model_reg_write(m, TG_REG_CTRL, TG_CTRL_RESET);
	tg_model_reg_write(m, TG_REG_CTRL, TG_CTRL_ENABLE);
	for (unsigned i = 0; i < f.n; i++) {
		h2c[i].addr = (uint64_t)(uintptr_t)f.data[i];
		h2c[i].len = (uint16_t)f.len[i];
		h2c[i].kind = TG_DESC_FEED_FRAME;
		h2c[i].flags = TG_DESC_LINE_B;
	}
	tg_model_reg_write(m, TG_REG_H2C_TAIL, f.n);
	cr_expect_eq(tg_model_run(m, 64), 2);
	cr_expect_eq(*wb, 2);
	cr_assert_eq(tg_model_reg_read(m, TG_REG_C2H_TAIL), 40);
	for (unsigned i = 0; i < 40; i++) {
		cr_expect_eq(c2h[i].flags & TG_EV_FLAG_PHASE, TG_EV_FLAG_PHASE);
		ev[i] = c2h[i];
		ev[i].flags &= (uint8_t)~TG_EV_FLAG_PHASE;
	}
	cr_expect_eq(c2h[40].flags, 0);
	tp_check_multiple(ev, 40, 1);
	tp_check_counters(m, 1);
	cr_expect_eq(tg_model_reg_read(m, TG_REG_COUNTER(TG_CNT_H2C_DESCS)), 2);
	tp_free(&f);
	tg_model_free(m);
	free(h2c);
	free(c2h);
	free(wb);
}

/* The single-message captures: one record each, fields as on the wire. */
Test(model_pcap, single_messages)
{
	static const struct {
		const char *file;
		char type;
		uint16_t locate, tracking;
		uint64_t seq, ts;
		unsigned off, size;	/* one integer field to check */
		uint64_t value;
		unsigned aoff;		/* and one alpha field */
		const char *alpha;
	} cases[] = {
		{ "OrderReplaceMessage.pcap", 'U', 0x1db3, 0, 14757701, 0x1f1aced771e9ull,
		  19, 8, 0x145f2c7, 11, NULL },
		{ "AddOrderNoMpidAttributionMessage.pcap", 'A', 0x1598, 0, 14757721,
		  0x1f1aced85306ull, 20, 4, 0x640, 24, "IVOO    " },
		{ "OrderDeleteMessage.pcap", 'D', 0x0dbd, 0, 14757722, 0x1f1aced85ad8ull,
		  11, 8, 0x1668bd6, 0, NULL },
		{ "OrderExecutedMessage.pcap", 'E', 0x0929, 2, 14757745, 0x1f1aced8f061ull,
		  23, 8, 0x3e63b, 0, NULL },
		{ "NetOrderImbalanceIndicatorMessage.pcap", 'I', 0x193e, 0, 14757919,
		  0x1f1acede0ab2ull, 44, 4, 0x71610, 28, "MDC     " },
		{ "MarketParticipantPositionMessage.pcap", 'L', 0x0e93, 0, 17861990,
		  0x1f2082daf82dull, 0, 0, 0, 11, "MAXMFGMC    YNA" },
		{ "StockTradingActionMessage.pcap", 'H', 0x01d0, 0, 34147961,
		  0x1f9df77c9e20ull, 0, 0, 0, 11, "AMC     T     " },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct tmu_cap cap;
		struct tg_model *m = tmu_model();
		char path[512];
		struct tp_frames f;
		const struct tg_event *e;

		snprintf(path, sizeof(path), "%s%s", TP_DIR, cases[i].file);
		tp_read(path, &f);
		cr_assert_eq(f.n, 1);
		cap.n = 0;
		tmu_feed(m, f.data[0], f.len[0], 0, &cap);
		cr_assert_eq(cap.n, 1, "%s", cases[i].file);
		e = &cap.ev[0];
		cr_expect_eq(e->msg_type, (uint8_t)cases[i].type, "%s", cases[i].file);
		cr_expect_eq(e->stock_locate, cases[i].locate, "%s", cases[i].file);
		cr_expect_eq(e->tracking_number, cases[i].tracking, "%s", cases[i].file);
		cr_expect_eq(e->seq, cases[i].seq, "%s", cases[i].file);
		cr_expect_eq(e->ts, cases[i].ts, "%s", cases[i].file);
		if (cases[i].size)
			cr_expect_eq(tg_body_uint(e->body, cases[i].off, cases[i].size),
				     cases[i].value, "%s", cases[i].file);
		if (cases[i].alpha)
			cr_expect_arr_eq(e->body + cases[i].aoff - 11, cases[i].alpha,
					 strlen(cases[i].alpha), "%s", cases[i].file);
		cr_expect(tmu_zero(e->body + tg_itch_len(e->msg_type) - 11,
				   40 - (tg_itch_len(e->msg_type) - 11)));
		tp_free(&f);
		tg_model_free(m);
	}
}
