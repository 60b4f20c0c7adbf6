/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * End to end: a generated day, framed into a pcap, replayed through the
 * card (C model) into tg_book, must give the very books that the message
 * stream gives when decoded in software: A/B arbitration and duplicate
 * suppression leave nothing behind. Lost datagrams show up as gaps.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "book/tg_book.h"
#include "feed/tg_replay.h"
#include "feedgen/tg_feedgen.h"

static int
to_book(void *ctx, const struct tg_event *ev)
{
	tg_book_apply(ctx, ev);
	return 0;
}

/* The book of a day straight from the generator, decoded in software. */
static struct tg_book *
direct_book(const struct tg_feedgen_opts *o)
{
	struct tg_feedgen *g = tg_feedgen_new(o);
	struct tg_book *b = tg_book_new(NULL);
	struct tg_feedgen_msg m;
	struct tg_event ev;

	cr_assert(g && b);
	while (tg_feedgen_next(g, &m) == 1) {
		cr_assert_eq(tg_book_event_from_msg(&ev, m.data, m.len, m.seq), 0);
		tg_book_apply(b, &ev);
	}
	tg_feedgen_free(g);
	return b;
}

/* The book of the same day through a pcap and the card model. */
static struct tg_book *
card_book(const struct tg_feedgen_opts *o, const char *path)
{
	struct tg_card_config cc = { .backend = "model" };
	struct tg_replay_opts ro = { .n_line_b = 1 };
	struct tg_feedgen_result res;
	struct tg_card *card;
	struct tg_book *b = tg_book_new(NULL);

	cr_assert_eq(tg_feedgen_write(o, path, &res), 0, "%s", res.error);
	cr_assert_eq(tg_card_open(&cc, &card), 0);
	cr_assert_eq(tg_card_set_filter(card, 0, 0, 0,
					 TG_FILTER_ANY_IP | TG_FILTER_ANY_PORT), 0);
	ro.line_b_ip[0] = o->dst_ip[1];
	ro.line_b_port[0] = o->dst_port[1];
	cr_assert_eq(tg_replay_pcap(card, path, &ro, to_book, b, NULL), 0);
	tg_card_close(card);
	unlink(path);
	return b;
}

static void
expect_same_books(const struct tg_book *x, const struct tg_book *y, uint32_t stocks)
{
	static struct tg_book_level a[4096], c[4096];

	for (uint32_t loc = 1; loc <= stocks; loc++)
		for (int side = 0; side < 2; side++) {
			unsigned na = tg_book_levels(x, (uint16_t)loc, side, 4096, a);
			unsigned nc = tg_book_levels(y, (uint16_t)loc, side, 4096, c);

			cr_assert_eq(na, nc, "stock %u side %d", loc, side);
			cr_assert_eq(memcmp(a, c, na * sizeof(a[0])), 0, "stock %u side %d",
				     loc, side);
		}
}

static char *
tmp_pcap(void)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/tg_book_card_XXXXXX");
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	close(fd);
	return path;
}

Test(book_card, same_books_through_the_card)
{
	struct tg_feedgen_opts o;
	struct tg_book *direct, *card;
	struct tg_book_stats st;

	tg_feedgen_opts_init(&o);
	o.seed = 21;
	o.stocks = 20;
	o.messages = 60000;
	direct = direct_book(&o);

	card = card_book(&o, tmp_pcap());
	expect_same_books(direct, card, o.stocks);
	tg_book_stats(card, &st);
	cr_assert_eq(st.messages, o.messages);
	cr_assert_eq(st.end_of_session, 1);
	cr_assert_eq(st.gaps, 0);
	tg_book_free(card);

	/* both lines, tagged, repeats: the card keeps the first copy of each */
	o.ab = 1;
	o.vlan = 141;
	o.dup_every = 5;
	o.per_packet = 40;
	card = card_book(&o, tmp_pcap());
	expect_same_books(direct, card, o.stocks);
	tg_book_stats(card, &st);
	cr_assert_eq(st.messages, o.messages);
	cr_assert_eq(st.gaps, 0);
	for (int e = 0; e < TG_BOOK_ERR_NUM; e++)
		cr_assert_eq(st.err[e], 0, "%s", tg_book_err_name(e));
	tg_book_free(card);
	tg_book_free(direct);
}

Test(book_card, lost_datagrams_are_gaps)
{
	struct tg_feedgen_opts o;
	struct tg_feedgen_result res;
	struct tg_book *card;
	struct tg_book_stats st;
	char *path = tmp_pcap();

	tg_feedgen_opts_init(&o);
	o.seed = 22;
	o.messages = 20000;
	o.gap_every = 25;
	cr_assert_eq(tg_feedgen_write(&o, path, &res), 0);
	card = card_book(&o, path);
	tg_book_stats(card, &st);
	cr_assert_eq(st.gaps, res.dropped_datagrams);
	cr_assert_eq(st.gap_messages, res.dropped_messages);
	cr_assert_eq(st.messages, o.messages - res.dropped_messages);
	tg_book_free(card);
}
