/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate book: replay a captured feed through the card into the books
 * and print one stock's book, best levels first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tg_cli.h"
#include "book/tg_book.h"

static const char tg_cmd_book_help[] =
"usage: tickgate book [--card sim|model] --stock SYM [--depth N]\n"
"                     [--format json|text] [--filter GROUP:PORT]...\n"
"                     [--line-b GROUP[:PORT]]... FILE.pcap\n"
"\n"
"Replays a capture through the card, builds every stock's full-depth book and\n"
"prints the book of SYM as it stands at the end of the capture:\n"
"  {\"stock\":\"SYM\",\"bids\":[[price,shares,orders],...],\"asks\":[...]}\n"
"best first, prices as raw ITCH integers (4 implied decimals).\n"
"\n"
"  --card sim|model   the Verilated RTL or the C reference model (default model)\n"
"  --stock SYM        the stock, as the feed's stock directory names it\n"
"  --depth N          levels per side (default: all)\n"
"  --format json|text JSON (default) or a ladder for people\n";

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

	for (int i = 1; i < argc; i++) {
		int r = tg_cli_card_option("book", &co, argc, argv, &i);
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (r < 0)
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
