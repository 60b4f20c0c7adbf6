/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the `tickgate` subcommands share: exit codes, usage errors, and
 * opening a card from command-line options.
 */
#ifndef TG_CLI_H
#define TG_CLI_H

#include "tg_card.h"
#include "feed/tg_replay.h"

/* The contract of design.md: 0 success, 1 failure, 2 bad usage. */
#define TG_EXIT_OK	0
#define TG_EXIT_FAIL	1
#define TG_EXIT_USAGE	2

/* Options every command that drives a card takes. */
struct tg_cli_card {
	const char *backend;		/* --card sim|model */
	unsigned n_filters;		/* --filter GROUP:PORT (repeatable) */
	uint32_t filter_ip[TG_CARD_N_FILTERS];
	uint16_t filter_port[TG_CARD_N_FILTERS];
	struct tg_replay_opts replay;	/* --line-b GROUP[:PORT] (repeatable) */
};

/* Print "tickgate CMD: message" on stderr and return TG_EXIT_USAGE. */
int tg_cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Take one card option (--card, --filter, --line-b) at argv[*i]; returns
 * 1 if it was one (and *i moved past its value), 0 if not, -1 on a bad
 * value (message printed).
 */
int tg_cli_card_option(const char *cmd, struct tg_cli_card *o, int argc,
		       char **argv, int *i);

/*
 * Open the card of o (other settings from base, which may be NULL) and
 * program its filters: the given ones, or one entry that accepts every UDP
 * flow. 0 or -errno (message printed).
 */
int tg_cli_card_open(const struct tg_cli_card *o, const struct tg_card_config *base,
		     struct tg_card **card);

int tg_cmd_decode(int argc, char **argv);
int tg_cmd_book(int argc, char **argv);
int tg_cmd_feedgen(int argc, char **argv);
int tg_cmd_run(int argc, char **argv);
int tg_cmd_crypto(int argc, char **argv);

#endif /* TG_CLI_H */
