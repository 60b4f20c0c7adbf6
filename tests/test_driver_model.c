/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver on the "model" backend, fed real NASDAQ TotalView-ITCH 5.0
 * frames (802.1Q, IPv4 multicast, MoldUDP64, a sequence gap) from the
 * shared captures: records and counters through the rings, filters,
 * bad descriptors, and many frames through small rings that wrap many
 * times. Expected records are worked out here from the frame bytes.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_card.h"
#include "tg_itch.h"

#include "test_driver_util.h"

static uint64_t
be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned k = 0; k < n; k++)
		v = v << 8 | p[k];
	return v;
}

/* The MoldUDP64 header of a frame: offset of the UDP payload. */
static unsigned
mold_off(const uint8_t *f)
{
	unsigned l3 = (f[12] == 0x81 && f[13] == 0x00) ? 18 : 14;

	return l3 + 4 * (f[l3] & 15) + 8;
}

/* Check one MSG record against the message bytes it came from. */
static void
expect_msg(const struct tg_event *ev, const uint8_t *msg, unsigned len, uint64_t seq,
	   unsigned line)
{
	int t = tg_itch_index(msg[0]);
	uint8_t body[40];

	cr_assert_geq(t, 0);
	cr_assert_eq(len, tg_itch_types[t].len);
	cr_expect_eq(ev->kind, TG_EV_MSG);
	cr_expect_eq(ev->msg_type, msg[0]);
	cr_expect_eq(ev->session, 0);
	cr_expect_eq(ev->flags & TG_EV_FLAG_LINE_B, line ? TG_EV_FLAG_LINE_B : 0);
	cr_expect_eq(ev->seq, seq);
	cr_expect_eq(ev->stock_locate, be(msg + 1, 2));
	cr_expect_eq(ev->tracking_number, be(msg + 3, 2));
	cr_expect_eq(ev->ts, be(msg + 5, 6));
	memset(body, 0, sizeof(body));
	for (unsigned i = 0; i < tg_itch_types[t].nfields; i++) {
		const struct tg_itch_field *fd = &tg_itch_types[t].fields[i];
		uint8_t *dst = body + fd->off - TG_ITCH_HDR_LEN;

		if (fd->kind == TG_FK_A || fd->kind == TG_FK_C)
			memcpy(dst, msg + fd->off, fd->size);
		else
			for (unsigned k = 0; k < fd->size; k++)
				dst[k] = msg[fd->off + fd->size - 1 - k];
	}
	cr_expect_arr_eq(ev->body, body, 40, "body of %c seq %lu", msg[0], (unsigned long)seq);
}

static struct tg_card *
open_model(unsigned h2c_log2, unsigned c2h_log2)
{
	struct tg_card_config cfg = { .backend = "model", .h2c_log2 = h2c_log2,
				      .c2h_log2 = c2h_log2 };
	struct tg_card *card;

	cr_assert_eq(tg_card_open(&cfg, &card), 0);
	cr_assert_str_eq(tg_card_backend(card), "model");
	return card;
}

/* Poll until the card is drained, copying every record out. */
static unsigned
drain(struct tg_card *card, struct tg_event *out, unsigned max)
{
	const struct tg_event *ev[64];
	unsigned total = 0;

	for (unsigned spins = 0; spins < 100000; spins++) {
		unsigned n = tg_card_poll(card, ev, 64);

		for (unsigned i = 0; i < n; i++) {
			cr_assert_lt(total, max);
			out[total++] = *ev[i];
		}
		tg_card_release(card, n);
		if (n == 0 && tg_card_drained(card))
			return total;
	}
	cr_assert_fail("the card never drained");
	return total;
}

Test(model, multiple_packets)
{
	struct frame fr[8];
	unsigned nf = load_pcap(CAPTURE, fr, 8);
	struct tg_card *card = open_model(0, 0);
	static struct tg_event rec[256];
	uint64_t cnt[TG_CNT_NUM], seq0, seq1;
	void *cookies[8];
	unsigned n, r, off, count;
	char name[10];
	uint64_t next;
	bool ended;

	cr_assert_eq(nf, 2);
	cr_assert_eq(tg_card_set_filter(card, 0, 0, 0, TG_FILTER_VALID | TG_FILTER_ANY_IP |
					TG_FILTER_ANY_PORT), 0);
	for (unsigned i = 0; i < nf; i++)
		cr_assert_eq(tg_card_feed_frame(card, fr[i].data, fr[i].len, 0, &fr[i]), 0);
	tg_card_doorbell(card);
	n = drain(card, rec, 256);

	/* 1 message, a gap record, 38 messages */
	cr_assert_eq(n, 40, "%u records", n);
	off = mold_off(fr[0].data);
	seq0 = be(fr[0].data + off + 10, 8);
	cr_assert_eq(seq0, 14764496);
	cr_assert_eq(be(fr[0].data + off + 18, 2), 1);
	expect_msg(&rec[0], fr[0].data + off + 22, be(fr[0].data + off + 20, 2), seq0, 0);

	off = mold_off(fr[1].data);
	seq1 = be(fr[1].data + off + 10, 8);
	count = be(fr[1].data + off + 18, 2);
	cr_assert_eq(count, 38);
	cr_expect_eq(rec[1].kind, TG_EV_GAP);
	cr_expect_eq(rec[1].seq, seq0 + 1);
	cr_expect_eq(rec[1].ts, seq1 - seq0 - 1);
	cr_expect_eq(rec[1].msg_type, 0);
	cr_expect_eq(rec[1].stock_locate, 0);
	for (unsigned k = 0; k < 40; k++)
		cr_expect_eq(rec[1].body[k], 0);
	r = 2;
	off += 20;
	for (unsigned k = 0; k < count; k++, r++) {
		unsigned len = be(fr[1].data + off, 2);

		expect_msg(&rec[r], fr[1].data + off + 2, len, seq1 + k, 0);
		off += 2 + len;
	}
	cr_expect_eq(off, fr[1].len, "the datagram ends with its last message");
	for (unsigned i = 0; i < n; i++)
		cr_expect_eq(rec[i].flags & TG_EV_FLAG_PHASE, TG_EV_FLAG_PHASE, "first pass");

	tg_card_counters(card, cnt, TG_CNT_NUM);
	for (unsigned c = 0; c < TG_CNT_NUM; c++) {
		uint64_t want = 0;

		switch (c) {
		case TG_CNT_FRAMES_A: want = 2; break;
		case TG_CNT_MOLD_PACKETS: want = 2; break;
		case TG_CNT_H2C_DESCS: want = 2; break;
		case TG_CNT_MESSAGES: want = 39; break;
		case TG_CNT_GAPS: want = 1; break;
		case TG_CNT_GAP_MESSAGES: want = seq1 - seq0 - 1; break;
		case TG_CNT_MSG_TYPE0 + 15: want = 1; break;	/* D */
		case TG_CNT_MSG_TYPE0 + 10: want = 36; break;	/* A */
		case TG_CNT_MSG_TYPE0 + 11: want = 2; break;	/* F */
		}
		cr_expect_eq(cnt[c], want, "%s = %lu, want %lu", tg_counter_name(c),
			     (unsigned long)cnt[c], (unsigned long)want);
	}

	cr_assert(tg_card_session(card, 0, name, &next, &ended));
	cr_expect_arr_eq(name, "000010059B", 10);
	cr_expect_eq(next, seq1 + count);
	cr_expect(!ended);
	cr_expect(!tg_card_session(card, 1, name, &next, &ended));

	cr_assert_eq(tg_card_reclaim(card, cookies, 8), 2);
	cr_expect_eq(cookies[0], &fr[0]);
	cr_expect_eq(cookies[1], &fr[1]);
	cr_expect_eq(tg_card_h2c_space(card), 1024);
	tg_card_close(card);
	for (unsigned i = 0; i < nf; i++)
		free(fr[i].data);
}

/* Feed both frames once; return how many records came out. */
static unsigned
feed_both(struct tg_card *card, struct frame *fr, uint64_t *cnt)
{
	static struct tg_event rec[256];
	void *cookies[4];
	unsigned n;

	for (unsigned i = 0; i < 2; i++)
		cr_assert_eq(tg_card_feed_frame(card, fr[i].data, fr[i].len, 1, NULL), 0);
	tg_card_doorbell(card);
	n = drain(card, rec, 256);
	for (unsigned i = 0; i < n; i++)
		cr_expect_eq(rec[i].flags & TG_EV_FLAG_LINE_B, TG_EV_FLAG_LINE_B);
	tg_card_counters(card, cnt, TG_CNT_NUM);
	cr_expect_eq(tg_card_reclaim(card, cookies, 4), 2);
	return n;
}

Test(model, filters)
{
	struct frame fr[8];
	struct tg_card *card;
	uint64_t cnt[TG_CNT_NUM];

	cr_assert_eq(load_pcap(CAPTURE, fr, 8), 2);

	/* no filter: every datagram is filtered out */
	card = open_model(4, 11);
	cr_expect_eq(feed_both(card, fr, cnt), 0);
	cr_expect_eq(cnt[TG_CNT_FRAMES_B], 2);
	cr_expect_eq(cnt[TG_CNT_FILTERED], 2);
	cr_expect_eq(cnt[TG_CNT_MOLD_PACKETS], 0);
	tg_card_close(card);

	/* the right group, the wrong port */
	card = open_model(4, 11);
	cr_assert_eq(tg_card_set_filter(card, 3, 0xE9360C6F, 26478, 0), 0);
	cr_expect_eq(feed_both(card, fr, cnt), 0);
	cr_expect_eq(cnt[TG_CNT_FILTERED], 2);
	tg_card_close(card);

	/* the exact group and port: 233.54.12.111:26477 */
	card = open_model(4, 11);
	cr_assert_eq(tg_card_set_filter(card, 3, 0xE9360C6F, 26477, 0), 0);
	cr_expect_eq(feed_both(card, fr, cnt), 40);
	cr_expect_eq(cnt[TG_CNT_FILTERED], 0);
	cr_expect_eq(cnt[TG_CNT_MESSAGES], 39);

	/* cleared, the entry matches nothing: more copies are filtered */
	cr_assert_eq(tg_card_clear_filter(card, 3), 0);
	cr_expect_eq(feed_both(card, fr, cnt), 0);
	cr_expect_eq(cnt[TG_CNT_FILTERED], 2);
	cr_expect_eq(cnt[TG_CNT_FRAMES_B], 4);

	/* any port on the group */
	cr_assert_eq(tg_card_set_filter(card, 7, 0xE9360C6F, 0, TG_FILTER_ANY_PORT), 0);
	cr_expect_eq(feed_both(card, fr, cnt), 0, "same sequence numbers again");
	cr_expect_eq(cnt[TG_CNT_DUPLICATES], 39);
	cr_expect_eq(cnt[TG_CNT_FILTERED], 2);
	tg_card_close(card);
	for (unsigned i = 0; i < 2; i++)
		free(fr[i].data);
}

Test(model, bad_descriptors)
{
	struct tg_card *card = open_model(4, 11);
	static uint8_t junk[64];
	uint64_t cnt[TG_CNT_NUM];
	const struct tg_event *ev[4];
	void *cookies[4];

	cr_assert_eq(tg_card_feed_frame(card, junk, 0, 0, (void *)1), 0);
	cr_assert_eq(tg_card_feed_frame(card, junk, TG_MAX_FRAME + 1, 0, (void *)2), 0);
	cr_assert_eq(tg_card_feed_frame(card, junk, 64, 0, (void *)3), 0);
	tg_card_doorbell(card);
	cr_expect_eq(tg_card_poll(card, ev, 4), 0);
	cr_expect(tg_card_drained(card));
	tg_card_counters(card, cnt, TG_CNT_NUM);
	cr_expect_eq(cnt[TG_CNT_ERR_DESC], 2);
	cr_expect_eq(cnt[TG_CNT_H2C_DESCS], 3);
	cr_expect_eq(cnt[TG_CNT_FRAMES_A], 1);
	cr_expect_eq(cnt[TG_CNT_NON_FEED], 1, "ethertype 0");
	cr_assert_eq(tg_card_reclaim(card, cookies, 4), 3);
	cr_expect_eq(cookies[0], (void *)1);
	cr_expect_eq(cookies[2], (void *)3);
	tg_card_close(card);
}

/*
 * 600 datagrams made from the capture's 38-message one, each with the
 * next sequence number, every fourth sent again on line B (all its
 * messages duplicates), through a 16-descriptor H2C ring and a
 * 2048-record C2H ring: 22,800 records, eleven wraps of the C2H ring
 * and 46 of the H2C ring. The host polls in small batches and releases
 * late, so the card waits for room many times.
 */
Test(model, many_frames_small_rings)
{
	enum { N = 600, NSENT = N + N / 4 };
	struct frame fr[8];
	struct tg_card *card;
	uint8_t *bufs;
	unsigned off, count, len;
	uint64_t seq1, expect_seq, cnt[TG_CNT_NUM];
	uint32_t host = 0;
	unsigned fed = 0, back = 0, held = 0, stalls = 0;
	static unsigned sched_frame[NSENT], sched_line[NSENT];
	const struct tg_event *ev[48];
	void *cookies[32];
	char types[64];

	cr_assert_eq(load_pcap(CAPTURE, fr, 8), 2);
	len = fr[1].len;
	off = mold_off(fr[1].data);
	seq1 = be(fr[1].data + off + 10, 8);
	count = be(fr[1].data + off + 18, 2);
	for (unsigned k = 0, p = off + 20; k < count; k++) {
		types[k] = fr[1].data[p + 2];
		p += 2 + be(fr[1].data + p, 2);
	}
	bufs = malloc((size_t)N * len);
	for (unsigned i = 0, j = 0; i < N; i++) {
		uint8_t *b = bufs + (size_t)i * len;
		uint64_t s = seq1 + (uint64_t)count * i;

		memcpy(b, fr[1].data, len);
		for (unsigned k = 0; k < 8; k++)
			b[off + 10 + k] = (uint8_t)(s >> (56 - 8 * k));
		sched_frame[j] = i;
		sched_line[j++] = 0;
		if (i % 4 == 3) {
			sched_frame[j] = i;
			sched_line[j++] = 1;
		}
	}

	card = open_model(4, 11);
	cr_assert_eq(tg_card_set_filter(card, 0, 0, 0, TG_FILTER_VALID | TG_FILTER_ANY_IP |
					TG_FILTER_ANY_PORT), 0);
	expect_seq = seq1;
	for (unsigned spins = 0; spins < 1000000; spins++) {
		unsigned n;

		while (fed < NSENT && tg_card_feed_frame(card,
				bufs + (size_t)sched_frame[fed] * len, len, sched_line[fed],
				(void *)(uintptr_t)fed) == 0)
			fed++;
		tg_card_doorbell(card);

		n = tg_card_poll(card, ev, 48);
		for (unsigned i = 0; i < n; i++, host++) {
			uint8_t want = ((host >> 11) & 1) ? 0 : TG_EV_FLAG_PHASE;

			cr_assert_eq(ev[i]->kind, TG_EV_MSG, "record %u", host);
			cr_assert_eq(ev[i]->seq, expect_seq, "record %u", host);
			cr_assert_eq(ev[i]->msg_type, types[(expect_seq - seq1) % count]);
			cr_assert_eq(ev[i]->flags, want, "line A, phase of pass %u", host >> 11);
			expect_seq++;
		}
		/*
		 * Release late: hold up to 1,900 of the 2,048 records, so the
		 * card runs out of room and must wait (an empty poll while
		 * records are held), then give them all back.
		 */
		stalls += n == 0 && held > 0;
		held += n;
		if (held > 1900 || n == 0) {
			tg_card_release(card, held);
			held = 0;
		}
		for (unsigned k; (k = tg_card_reclaim(card, cookies, 32)) > 0;)
			for (unsigned i = 0; i < k; i++, back++)
				cr_assert_eq((uintptr_t)cookies[i], back, "cookies in feed order");
		if (fed == NSENT && n == 0 && tg_card_drained(card))
			break;
	}
	cr_expect_eq(host, N * count, "%u records", host);
	cr_expect_eq(back, NSENT);
	cr_expect_gt(stalls, 0, "the card had to wait for room");
	tg_card_counters(card, cnt, TG_CNT_NUM);
	cr_expect_eq(cnt[TG_CNT_FRAMES_A], N);
	cr_expect_eq(cnt[TG_CNT_FRAMES_B], N / 4);
	cr_expect_eq(cnt[TG_CNT_MOLD_PACKETS], NSENT);
	cr_expect_eq(cnt[TG_CNT_H2C_DESCS], NSENT);
	cr_expect_eq(cnt[TG_CNT_MESSAGES], (uint64_t)N * count);
	cr_expect_eq(cnt[TG_CNT_DUPLICATES], (uint64_t)N / 4 * count);
	cr_expect_eq(cnt[TG_CNT_GAPS], 0);
	cr_expect_eq(cnt[TG_CNT_C2H_DROPS], 0, "DMA-fed frames are never dropped");
	tg_card_close(card);
	free(bufs);
	for (unsigned i = 0; i < 2; i++)
		free(fr[i].data);
}

Test(model, vfio_missing_device, .init = cr_redirect_stderr)
{
	struct tg_card_config cfg = { .backend = "vfio", .device = "0000:ff:1f.7" };
	struct tg_card *card;
	int rc = tg_card_open(&cfg, &card);

	cr_expect(rc == -ENODEV || rc == -ENOENT, "rc %d", rc);
	cr_expect_null(card);
}
