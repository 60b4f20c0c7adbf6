/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * End to end: `tickgate book` through both cards prints the book that the
 * wire itself implies. The oracle replays tshark's MoldUDP64 messages
 * (first copy of each) into a deliberately naive book — a flat list of
 * live orders, summed per price at the end — using field offsets read
 * from the shared ITCH 5.0 page, so it shares no code with tickgate.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg_wire.h"

#define TICKGATE TG_BUILD_DIR "/tickgate"

struct naive_order {
	uint64_t ref;
	uint16_t locate;
	char side;
	uint32_t price;
	uint64_t shares;
};

struct naive {
	struct naive_order *o;
	size_t n, cap;
	char symbol[65536][9];
};

static uint64_t
fld(const struct wire_msg *w, const char *name)
{
	const struct spec_field *f = spec_field(w->b[0], name);
	cr_assert(f, "type %c has no field %s", w->b[0], name);
	return get_be(w->b + f->off, f->size);
}

static struct naive_order *
naive_find(struct naive *nb, uint64_t ref)
{
	for (size_t i = nb->n; i-- > 0;)
		if (nb->o[i].ref == ref)
			return &nb->o[i];
	return NULL;
}

static void
naive_remove(struct naive *nb, struct naive_order *o)
{
	*o = nb->o[--nb->n];
}

static void
naive_add(struct naive *nb, uint64_t ref, uint16_t locate, char side,
	  uint32_t price, uint64_t shares)
{
	if (nb->n == nb->cap) {
		nb->cap = nb->cap ? 2 * nb->cap : 4096;
		nb->o = realloc(nb->o, nb->cap * sizeof(*nb->o));
	}
	nb->o[nb->n++] = (struct naive_order){ ref, locate, side, price, shares };
}

/* Reduce an order by n shares, removing it at zero. */
static void
naive_reduce(struct naive *nb, uint64_t ref, uint64_t n)
{
	struct naive_order *o = naive_find(nb, ref);
	cr_assert(o, "the feed reduces order %lu that is not resting", (unsigned long)ref);
	cr_assert_leq(n, o->shares);
	o->shares -= n;
	if (!o->shares)
		naive_remove(nb, o);
}

static void
naive_apply(struct naive *nb, const struct wire_msg *w)
{
	uint16_t locate = (uint16_t)get_be(w->b + 1, 2);
	struct naive_order *o;

	switch (w->b[0]) {
	case 'R': {
		const struct spec_field *f = spec_field('R', "stock");
		memcpy(nb->symbol[locate], w->b + f->off, 8);
		for (int k = 7; k >= 0 && nb->symbol[locate][k] == ' '; k--)
			nb->symbol[locate][k] = 0;
		break;
	}
	case 'A':
	case 'F':
		naive_add(nb, fld(w, "order_reference_number"), locate,
			  (char)fld(w, "buy_sell_indicator"), (uint32_t)fld(w, "price"),
			  fld(w, "shares"));
		break;
	case 'E':
	case 'C':
		naive_reduce(nb, fld(w, "order_reference_number"), fld(w, "executed_shares"));
		break;
	case 'X':
		naive_reduce(nb, fld(w, "order_reference_number"), fld(w, "cancelled_shares"));
		break;
	case 'D':
		o = naive_find(nb, fld(w, "order_reference_number"));
		cr_assert(o);
		naive_remove(nb, o);
		break;
	case 'U':
		o = naive_find(nb, fld(w, "original_order_reference_number"));
		cr_assert(o);
		struct naive_order old = *o;
		naive_remove(nb, o);
		naive_add(nb, fld(w, "new_order_reference_number"), old.locate, old.side,
			  (uint32_t)fld(w, "price"), fld(w, "shares"));
		break;
	}
}

static int
by_price(const void *a, const void *b)
{
	const struct naive_order *x = a, *y = b;
	return x->price < y->price ? -1 : x->price > y->price;
}

/* The expected JSON of one side: levels best first, [price, shares, orders]. */
static json_t *
naive_side(const struct naive *nb, uint16_t locate, char side)
{
	struct naive_order *v = malloc((nb->n + 1) * sizeof(*v));
	size_t k = 0;
	json_t *levels = json_array();

	for (size_t i = 0; i < nb->n; i++)
		if (nb->o[i].locate == locate && nb->o[i].side == side)
			v[k++] = nb->o[i];
	qsort(v, k, sizeof(*v), by_price);
	for (size_t i = 0; i < k;) {
		size_t j = i;
		uint64_t shares = 0;
		for (; j < k && v[j].price == v[i].price; j++)
			shares += v[j].shares;
		json_t *lvl = json_pack("[I,I,I]", (json_int_t)v[i].price, (json_int_t)shares,
					(json_int_t)(j - i));
		if (side == 'B')
			json_array_insert_new(levels, 0, lvl);
		else
			json_array_append_new(levels, lvl);
		i = j;
	}
	free(v);
	return levels;
}

static void
setup(void)
{
	spec_load();
	tmpdir_make();
}

TestSuite(cli_book, .init = setup, .fini = tmpdir_remove, .timeout = 900);

/* Run `tickgate book` and parse its one JSON line. */
static json_t *
tickgate_book(const char *card, const char *stock, const char *pcap)
{
	char cmd[512];
	json_error_t err;

	snprintf(cmd, sizeof(cmd), TICKGATE " book --card %s --stock %s --format json '%s'",
		 card, stock, pcap);
	FILE *p = popen(cmd, "r");
	cr_assert(p);
	json_t *o = json_loadf(p, 0, &err);
	cr_assert_eq(pclose(p), 0, "%s failed", cmd);
	cr_assert(o, "%s: not JSON: %s", cmd, err.text);
	return o;
}

Test(cli_book, both_cards_match_the_wire)
{
	char pcap[128], cmd[512];
	struct naive *nb = calloc(1, sizeof(*nb));
	size_t nw;

	snprintf(pcap, sizeof(pcap), "%s/feed.pcap", tmpdir);
	snprintf(cmd, sizeof(cmd), TICKGATE " feedgen --out '%s' --seed 5 --stocks 12 "
		 "--messages 20000 --ab --dup-every 30 --vlan 141", pcap);
	run_ok(cmd);
	struct wire_msg *w = wire_messages(pcap, "-d udp.port==26477,moldudp64 "
					   "-d udp.port==26478,moldudp64", &nw);
	cr_assert_gt(nw, 19000);
	for (size_t i = 0; i < nw; i++)
		naive_apply(nb, &w[i]);

	unsigned stocks = 0, sim_checked = 0;
	for (unsigned loc = 1; loc < 65536; loc++) {
		if (!nb->symbol[loc][0])
			continue;
		json_t *want = json_pack("{s:s,s:o,s:o}", "stock", nb->symbol[loc],
					 "bids", naive_side(nb, (uint16_t)loc, 'B'),
					 "asks", naive_side(nb, (uint16_t)loc, 'S'));
		cr_assert_gt(json_array_size(json_object_get(want, "bids")) +
			     json_array_size(json_object_get(want, "asks")), 0,
			     "%s: an empty book proves little", nb->symbol[loc]);
		json_t *got = tickgate_book("model", nb->symbol[loc], pcap);
		char *a = json_dumps(got, JSON_COMPACT), *b = json_dumps(want, JSON_COMPACT);
		cr_assert(json_equal(got, want), "model book of %s:\n got  %.400s\n want %.400s",
			  nb->symbol[loc], a, b);
		free(a);
		free(b);
		json_decref(got);
		if (sim_checked < 2) {	/* the Verilated card is slower: two stocks */
			got = tickgate_book("sim", nb->symbol[loc], pcap);
			cr_assert(json_equal(got, want), "sim book of %s differs", nb->symbol[loc]);
			json_decref(got);
			sim_checked++;
		}
		json_decref(want);
		stocks++;
	}
	cr_assert_eq(stocks, 12);
	free(w);
	free(nb->o);
	free(nb);
}

/* An unknown stock is a failure with a message, not an empty book. */
Test(cli_book, unknown_stock)
{
	char pcap[128], cmd[512];

	snprintf(pcap, sizeof(pcap), "%s/small.pcap", tmpdir);
	snprintf(cmd, sizeof(cmd), TICKGATE " feedgen --out '%s' --messages 2000", pcap);
	run_ok(cmd);
	snprintf(cmd, sizeof(cmd), TICKGATE " book --stock NOSUCH '%s' 2>/dev/null", pcap);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 1);
	snprintf(cmd, sizeof(cmd), TICKGATE " book '%s' 2>/dev/null", pcap);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
}
