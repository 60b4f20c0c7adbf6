/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate: one binary, git-style subcommands. Exit status 0 on success,
 * 2 on bad usage, 1 on failure, with a one-line error on stderr.
 */
#include <stdio.h>
#include <string.h>

#include "cli/tg_cli.h"

struct tg_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct tg_cmd tg_cmds[] = {
	{ "run", tg_cmd_run, "the appliance: feed from a DPDK port through the card into books" },
	{ "decode", tg_cmd_decode, "decode a captured feed through the card (jsonl or text)" },
	{ "book", tg_cmd_book, "replay a captured feed and print one stock's book" },
	{ "feedgen", tg_cmd_feedgen, "write a synthetic ITCH 5.0 / MoldUDP64 market to a pcap file" },
	{ "crypto", tg_cmd_crypto, "SM4 ECB/CTR/GCM from stdin to stdout (card, libgcrypt or OpenSSL)" },
	{ "gateway", tg_cmd_gateway, "the order path alone: SoupBinTCP/OUCH gateway, risk, matching, journal" },
	{ "ouch", tg_cmd_ouch, "OUCH 4.2 client: JSON order commands in, every message received out" },
	{ "passwd", tg_cmd_passwd, "hash a password read on stdin for a [user.*] section of the config" },
	{ "settle", tg_cmd_settle, "clearing from the journal: positions, settlement file, database export" },
	{ "alerts", tg_cmd_alerts, "surveillance replayed from the journal: the alerts the live run raised" },
	{ "audit", tg_cmd_audit, "verify the control plane's SM3-chained audit log" },
	{ "stats", tg_cmd_stats, "counters and latency percentiles of the running appliance" },
	{ "top", tg_cmd_top, "a refreshing full-screen view of the running appliance" },
	{ "risk", tg_cmd_risk, "show or set the running appliance's limits per firm and account" },
	{ "kill", tg_cmd_kill, "kill switch: cancel and refuse an account's, a firm's or all orders" },
	{ "resume", tg_cmd_resume, "undo a kill switch" },
};

static void
tg_usage(FILE *out)
{
	fprintf(out, "usage: tickgate <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(tg_cmds) / sizeof(tg_cmds[0]); i++)
		fprintf(out, "  %-8s %s\n", tg_cmds[i].name, tg_cmds[i].summary);
	fprintf(out, "\n'tickgate <command> --help' describes each one.\n"
		"With no command, 'tickgate run' runs the embedded default.\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return tg_cmd_run(1, (char *[]){ "run", NULL });
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		tg_usage(stdout);
		return TG_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(tg_cmds) / sizeof(tg_cmds[0]); i++)
		if (!strcmp(argv[1], tg_cmds[i].name))
			return tg_cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "tickgate: unknown command '%s'\n", argv[1]);
	tg_usage(stderr);
	return TG_EXIT_USAGE;
}
