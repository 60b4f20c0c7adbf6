/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate decode: a captured feed through the card, one line per ITCH
 * message in sequence order, duplicates dropped by the card's sequencer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/tg_cli.h"
#include "feed/tg_event_print.h"

static const char tg_decode_help[] =
"usage: tickgate decode [--card sim|model] [--format jsonl|text]\n"
"                       [--filter GROUP:PORT]... [--line-b GROUP[:PORT]]...\n"
"                       [--stats] FILE.pcap\n"
"\n"
"Decodes every MoldUDP64 / ITCH 5.0 message of a capture through the card and\n"
"prints it on stdout, in sequence order, each message once.\n"
"\n"
"  --card sim|model   the Verilated RTL or the C reference model (default model)\n"
"  --format jsonl     one JSON object per message: seq, type, then the fields of\n"
"                     the ITCH 5.0 specification (default)\n"
"  --format text      one readable line per record, gaps and end of session too\n"
"  --filter G:P       decode only UDP to group G port P (up to 8; default: every\n"
"                     UDP flow that parses as MoldUDP64)\n"
"  --line-b G[:P]     frames to this destination enter the card as line B\n"
"  --stats            print the card's counters on stderr at the end\n";

struct tg_decode_ctx {
	int text;
};

static int
tg_decode_record(void *ctx, const struct tg_event *ev)
{
	const struct tg_decode_ctx *d = ctx;

	if (d->text)
		tg_event_print_text(stdout, ev);
	else
		tg_event_print_json(stdout, ev);
	return 0;
}

/* Every nonzero counter of the card, one per line, on stderr. */
static void
tg_decode_print_counters(struct tg_card *card)
{
	uint64_t c[TG_CNT_NUM];

	tg_card_counters(card, c, TG_CNT_NUM);
	for (unsigned i = 0; i < TG_CNT_NUM; i++)
		if (c[i] && tg_counter_name(i)[0])
			fprintf(stderr, "%-20s %" PRIu64 "\n", tg_counter_name(i), c[i]);
}

int
tg_cmd_decode(int argc, char **argv)
{
	struct tg_cli_card co = { 0 };
	struct tg_decode_ctx d = { 0 };
	const char *file = NULL;
	int stats = 0;

	for (int i = 1; i < argc; i++) {
		int r = tg_cli_card_option("decode", &co, argc, argv, &i);
		if (r < 0)
			return TG_EXIT_USAGE;
		if (r)
			continue;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(tg_decode_help, stdout);
			return TG_EXIT_OK;
		} else if (!strcmp(argv[i], "--format")) {
			const char *f = i + 1 < argc ? argv[++i] : "";
			if (!strcmp(f, "text"))
				d.text = 1;
			else if (strcmp(f, "jsonl"))
				return tg_cli_usage_error("decode", "--format must be jsonl or text");
		} else if (!strcmp(argv[i], "--stats")) {
			stats = 1;
		} else if (argv[i][0] == '-') {
			return tg_cli_usage_error("decode", "unknown option '%s'", argv[i]);
		} else if (file) {
			return tg_cli_usage_error("decode", "one capture file only");
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return tg_cli_usage_error("decode", "no capture file given");

	struct tg_card *card;
	if (tg_cli_card_open(&co, NULL, &card))
		return TG_EXIT_FAIL;
	int rc = tg_replay_pcap(card, file, &co.replay, tg_decode_record, &d, NULL);
	if (fflush(stdout))
		rc = -1;
	if (stats)
		tg_decode_print_counters(card);
	tg_card_close(card);
	return rc ? TG_EXIT_FAIL : TG_EXIT_OK;
}
