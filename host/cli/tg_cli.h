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
int tg_cmd_gateway(int argc, char **argv);
int tg_cmd_ouch(int argc, char **argv);
int tg_cmd_passwd(int argc, char **argv);
int tg_cmd_audit(int argc, char **argv);
int tg_cmd_alerts(int argc, char **argv);
int tg_cmd_settle(int argc, char **argv);

/*
 * A gateway journal replayed offline, read-only, through a fresh engine
 * and the gateway's post-trade (tickgate alerts, tickgate settle;
 * cmd_alerts.c). Errors are printed as "tickgate CMD: ...".
 */
#include <limits.h>
#include "gateway/tg_gw.h"

struct tg_cli_replay {
	const char *cmd;		/* for messages */
	const char *journal;
	const char *config;		/* NULL: JOURNAL/config.ini */
	/* the DAY record; an error it returns stops the replay (set stopped if it printed why) */
	int (*day)(void *ctx, const char session[10], uint64_t midnight);
	void *ctx;
	int stopped;
	/* what open and run fill in */
	struct tg_engine *e;
	struct tg_gw_post *post;
	uint64_t midnight;
	struct tg_gw_replay_result res;
	char config_buf[PATH_MAX];
};
/* Config, engine and post-trade. 0 or -errno (printed). */
int tg_cli_replay_open(struct tg_cli_replay *r);
/* The whole journal. 0 or -errno (printed). */
int tg_cli_replay_run(struct tg_cli_replay *r);
void tg_cli_replay_close(struct tg_cli_replay *r);

/*
 * The commands that talk to a running appliance over its control socket
 * (stats, top, book --live, risk, kill, resume): their shared options.
 */
struct json_t;
struct tg_cli_ctl {
	const char *config;		/* --config FILE: [control] socket */
	const char *socket;		/* --socket PATH */
	const char *totp;		/* --totp CODE */
	int json;			/* --format json */
	unsigned timeout_ms;		/* how long to wait for a reply */
};
#define TG_CLI_CTL_TOTP		1	/* the command takes --totp */
#define TG_CLI_CTL_FORMAT	2	/* the command takes --format text|json */

/*
 * Take one of those options at argv[*i]: 1 if it was one (*i moved past
 * its value), 0 if not, -1 on a bad value (message printed).
 */
int tg_cli_ctl_option(const char *cmd, struct tg_cli_ctl *o, unsigned flags,
		      int argc, char **argv, int *i);
/*
 * The socket's path: --socket, the [control] socket of --config, or the
 * default. 0, or -1 with the reason printed.
 */
int tg_cli_ctl_socket(const char *cmd, const struct tg_cli_ctl *o, char *path, size_t n);
/*
 * Send ctl_cmd with args (may be NULL) to the appliance; TG_EXIT_OK with
 * *reply set when it says ok, else TG_EXIT_FAIL with its error (or why it
 * could not be reached) printed on stderr.
 */
int tg_cli_ctl_call(const char *cmd, const struct tg_cli_ctl *o, const char *ctl_cmd,
		    struct json_t *args, struct json_t **reply);
/* Print reply as one line of JSON without its "ok" (and "audit" if drop_audit). */
int tg_cli_ctl_print_json(struct json_t *reply, int drop_audit);
/* A p4 price as dollars with four decimals. */
void tg_cli_fmt_price(char *buf, size_t n, int64_t p4);

int tg_cmd_stats(int argc, char **argv);
int tg_cmd_top(int argc, char **argv);
int tg_cmd_risk(int argc, char **argv);
int tg_cmd_kill(int argc, char **argv);
int tg_cmd_resume(int argc, char **argv);

#endif /* TG_CLI_H */
