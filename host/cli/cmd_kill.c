/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate kill / tickgate resume: the kill switches of a running
 * appliance. A kill cancels every resting order it covers (reason 'S')
 * and refuses new ones until the same switch is resumed.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/tg_cli.h"
#include "control/tg_ctl.h"

static const char tg_kill_help[] =
"usage: tickgate kill account NAME | firm NAME | all [--totp CODE]\n"
"                     [--config FILE | --socket PATH] [--format text|json]\n"
"       tickgate resume account NAME | firm NAME | all\n"
"                     [--config FILE | --socket PATH] [--format text|json]\n"
"\n"
"kill sets a kill switch in the running appliance: every resting order of the\n"
"account, of every account of the firm, or of everyone is canceled (reason S)\n"
"and new orders are rejected (reason a) until the same switch is resumed.\n"
"resume clears that one switch (resuming an account does not undo a kill of\n"
"its firm or of all, nor the reverse).\n"
"\n"
"Roles (docs/control.md): kill or resume an account or a firm needs risk,\n"
"all needs admin; kill firm and kill all also need --totp.\n"
"\n"
"  --totp CODE      the operator's current 6-digit TOTP code\n"
"  --config FILE    the appliance's config: the socket is [control] socket\n"
"  --socket PATH    the control socket (default " TG_CTL_DEFAULT_SOCKET ")\n"
"  --format F       text (default) or json (the reply: applied, canceled, audit)\n"
"\n"
"Exit status: 0 done, 1 refused or failed (the appliance's reason on stderr),\n"
"2 bad usage.\n";

/* kill or resume (cmd): scope, name, then the shared options. */
static int
tg_kill_cmd(const char *cmd, int argc, char **argv)
{
	struct tg_cli_ctl o = { 0 };
	const char *pos[3] = { 0 };
	unsigned npos = 0, flags = TG_CLI_CTL_FORMAT;
	json_t *args, *reply;
	int rc;

	if (!strcmp(cmd, "kill"))
		flags |= TG_CLI_CTL_TOTP;
	for (int i = 1; i < argc; i++) {
		int r;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(tg_kill_help, stdout);
			return TG_EXIT_OK;
		}
		if ((r = tg_cli_ctl_option(cmd, &o, flags, argc, argv, &i)) < 0)
			return TG_EXIT_USAGE;
		if (r)
			continue;
		if (argv[i][0] == '-')
			return tg_cli_usage_error(cmd, "unknown option '%s'", argv[i]);
		if (npos == 3)
			return tg_cli_usage_error(cmd, "too many arguments");
		pos[npos++] = argv[i];
	}
	if (npos == 0)
		return tg_cli_usage_error(cmd, "what? account NAME, firm NAME or all");
	if (!strcmp(pos[0], "all")) {
		if (npos != 1)
			return tg_cli_usage_error(cmd, "%s all takes no name", cmd);
	} else if (!strcmp(pos[0], "account") || !strcmp(pos[0], "firm")) {
		if (npos != 2 || !*pos[1])
			return tg_cli_usage_error(cmd, "%s %s needs one NAME", cmd, pos[0]);
	} else {
		return tg_cli_usage_error(cmd, "account NAME, firm NAME or all, not '%s'", pos[0]);
	}
	args = npos == 1 ? json_pack("{s:s}", "scope", pos[0])
			 : json_pack("{s:s, s:s}", "scope", pos[0], "name", pos[1]);
	if (!args)
		return TG_EXIT_FAIL;
	rc = tg_cli_ctl_call(cmd, &o, cmd, args, &reply);
	json_decref(args);
	if (rc)
		return rc;
	if (o.json) {
		rc = tg_cli_ctl_print_json(reply, 0);
	} else {
		json_t *c = json_object_get(reply, "canceled");

		printf("%s %s%s%s", !strcmp(cmd, "kill") ? "killed" : "resumed", pos[0],
		       npos > 1 ? " " : "", npos > 1 ? pos[1] : "");
		if (c)
			printf(": %lld resting order%s canceled", (long long)json_integer_value(c),
			       json_integer_value(c) == 1 ? "" : "s");
		printf(" (audit record %lld)\n",
		       (long long)json_integer_value(json_object_get(reply, "audit")));
		rc = fflush(stdout) ? TG_EXIT_FAIL : TG_EXIT_OK;
	}
	json_decref(reply);
	return rc;
}

/* tickgate kill account NAME | firm NAME | all. */
int
tg_cmd_kill(int argc, char **argv)
{
	return tg_kill_cmd("kill", argc, argv);
}

/* tickgate resume account NAME | firm NAME | all. */
int
tg_cmd_resume(int argc, char **argv)
{
	return tg_kill_cmd("resume", argc, argv);
}
