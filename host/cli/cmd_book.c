/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate book: replay a captured feed through the card into the books
 * and print one stock's book, best levels first; with --live, the book of
 * the running appliance's order engine, read over its control socket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/tg_cli.h"
#include "book/tg_book.h"
#include "control/tg_ctl.h"

static const char tg_cmd_book_help[] =
"usage: tickgate book [--card sim|model] --stock SYM [--depth N]\n"
"                     [--format json|text] [--filter GROUP:PORT]...\n"
"                     [--line-b GROUP[:PORT]]... FILE.pcap\n"
"       tickgate book --live SYM [--depth N] [--format json|text]\n"
"                     [--config FILE | --socket PATH]\n"
"\n"
"Replays a capture through the card, builds every stock's full-depth book and\n"
"prints the book of SYM as it stands at the end of the capture:\n"
"  {\"stock\":\"SYM\",\"bids\":[[price,shares,orders],...],\"asks\":[...]}\n"
"best first, prices as raw ITCH integers (4 implied decimals).\n"
"\n"
"  --card sim|model   the Verilated RTL or the C reference model (default model)\n"
"  --stock SYM        the stock, as the feed's stock directory names it\n"
"  --depth N          levels per side (default: all)\n"
"  --format json|text JSON (default) or a ladder for people\n"
"\n"
"With --live, the book of SYM in the running appliance's order engine, read\n"
"over its control socket (viewer role), in the same JSON form:\n"
"  --live SYM         the stock\n"
"  --config FILE      the appliance's config: the socket is [control] socket\n"
"  --socket PATH      the control socket (default " TG_CTL_DEFAULT_SOCKET ")\n"
"  --depth N          levels per side (default: all, at most 4096)\n";

/* The ladder of a live book, laid out as tg_book_print_text lays it out. */
static void
tg_cmd_book_live_text(json_t *r)
{
	json_t *bids = json_object_get(r, "bids"), *asks = json_object_get(r, "asks");
	size_t nb = json_array_size(bids), na = json_array_size(asks);
	char p[24];

	printf("%s (live order book) %zu bid / %zu ask levels%s\n",
	       json_string_value(json_object_get(r, "stock")) ?: "?", nb, na,
	       json_is_true(json_object_get(r, "more")) ? ", more beyond the depth shown" : "");
	printf("%7s %12s %12s | %-12s %12s %7s\n", "orders", "shares", "bid", "ask", "shares",
	       "orders");
	for (size_t k = 0; k < nb || k < na; k++) {
		json_t *b = json_array_get(bids, k), *a = json_array_get(asks, k);

		if (b) {
			tg_cli_fmt_price(p, sizeof(p), json_integer_value(json_array_get(b, 0)));
			printf("%7lld %12lld %12s | ", (long long)json_integer_value(json_array_get(b, 2)),
			       (long long)json_integer_value(json_array_get(b, 1)), p);
		} else {
			printf("%7s %12s %12s | ", "", "", "");
		}
		if (a) {
			tg_cli_fmt_price(p, sizeof(p), json_integer_value(json_array_get(a, 0)));
			printf("%-12s %12lld %7lld\n", p,
			       (long long)json_integer_value(json_array_get(a, 1)),
			       (long long)json_integer_value(json_array_get(a, 2)));
		} else {
			printf("\n");
		}
	}
}

/* tickgate book --live: the appliance's book, as the offline JSON or a ladder. */
static int
tg_cmd_book_live(const struct tg_cli_ctl *o, const char *stock, unsigned depth, int text)
{
	json_t *args = json_pack("{s:s, s:i}", "stock", stock, "depth", (int)depth), *reply;
	int rc;

	if (!args)
		return TG_EXIT_FAIL;
	rc = tg_cli_ctl_call("book", o, "book", args, &reply);
	json_decref(args);
	if (rc)
		return rc;
	if (text) {
		tg_cmd_book_live_text(reply);
	} else {
		/* exactly the offline form: stock, bids, asks */
		json_t *b = json_pack("{s:O, s:O, s:O}", "stock", json_object_get(reply, "stock"),
				      "bids", json_object_get(reply, "bids"),
				      "asks", json_object_get(reply, "asks"));
		char *s = b ? json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

		if (s)
			printf("%s\n", s);
		else
			rc = TG_EXIT_FAIL;
		free(s);
		json_decref(b);
	}
	json_decref(reply);
	if (fflush(stdout))
		rc = TG_EXIT_FAIL;
	return rc;
}

static int
tg_cmd_book_apply(void *ctx, const struct tg_event *ev)
{
	tg_book_apply(ctx, ev);
	return 0;
}

int
tg_cmd_book(int argc, char **argv)
{
	struct tg_cli_card co = { 0 };
	const char *file = NULL, *stock = NULL;
	unsigned depth = 0;
	int text = 0;
	struct tg_cli_ctl live = { 0 };
	const char *live_sym = NULL;
	int card_opts = 0;

	for (int i = 1; i < argc; i++) {
		int r = tg_cli_card_option("book", &co, argc, argv, &i);
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (r < 0)
			return TG_EXIT_USAGE;
		if (r) {
			card_opts = 1;
			continue;
		}
		if (!strcmp(argv[i], "--live")) {
			if (!val || !*val || strlen(val) > 8)
				return tg_cli_usage_error("book", "--live wants a symbol of 1 to 8 characters");
			live_sym = argv[++i];
			continue;
		}
		if ((r = tg_cli_ctl_option("book", &live, 0, argc, argv, &i)) < 0)
			return TG_EXIT_USAGE;
		if (r)
			continue;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(tg_cmd_book_help, stdout);
			return TG_EXIT_OK;
		} else if (!strcmp(argv[i], "--stock")) {
			if (!val || !*val || strlen(val) > 8)
				return tg_cli_usage_error("book", "--stock wants a symbol of 1 to 8 characters");
			stock = argv[++i];
		} else if (!strcmp(argv[i], "--depth")) {
			char *end;
			if (!val || (depth = (unsigned)strtoul(val, &end, 10), *end) || !*val)
				return tg_cli_usage_error("book", "--depth wants a number");
			i++;
		} else if (!strcmp(argv[i], "--format")) {
			if (val && !strcmp(val, "text"))
				text = 1;
			else if (!val || strcmp(val, "json"))
				return tg_cli_usage_error("book", "--format must be json or text");
			i++;
		} else if (argv[i][0] == '-') {
			return tg_cli_usage_error("book", "unknown option '%s'", argv[i]);
		} else if (file) {
			return tg_cli_usage_error("book", "one capture file only");
		} else {
			file = argv[i];
		}
	}
	if (live_sym) {
		if (file || stock || card_opts)
			return tg_cli_usage_error("book", "--live reads the running appliance:"
						  " no capture file, --stock or card options");
		return tg_cmd_book_live(&live, live_sym, depth, text);
	}
	if (live.config || live.socket)
		return tg_cli_usage_error("book", "--config and --socket go with --live");
	if (!file || !stock)
		return tg_cli_usage_error("book", "needs --stock SYM and a capture file");

	struct tg_card *card;
	struct tg_book_config bc = { 0 };
	struct tg_book *book = tg_book_new(&bc);
	if (!book) {
		fprintf(stderr, "tickgate book: cannot allocate the books\n");
		return TG_EXIT_FAIL;
	}
	if (tg_cli_card_open(&co, NULL, &card)) {
		tg_book_free(book);
		return TG_EXIT_FAIL;
	}
	int rc = tg_replay_pcap(card, file, &co.replay, tg_cmd_book_apply, book, NULL);
	tg_card_close(card);
	if (!rc) {
		int locate = tg_book_find_stock(book, stock);
		if (locate < 0) {
			fprintf(stderr, "tickgate book: %s: no stock '%s' in the feed's directory\n",
				file, stock);
			rc = -1;
		} else {
			rc = text ? tg_book_print_text(stdout, book, (uint16_t)locate, depth)
				  : tg_book_print_json(stdout, book, (uint16_t)locate, depth);
			if (fflush(stdout))
				rc = -1;
		}
	}
	tg_book_free(book);
	return rc ? TG_EXIT_FAIL : TG_EXIT_OK;
}
