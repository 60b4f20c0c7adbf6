/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate risk show|set: the pre-trade limits, kill switches and usage of
 * a running appliance's accounts and firms, and changing a limit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/tg_cli.h"
#include "control/tg_ctl.h"

static const char tg_risk_help[] =
"usage: tickgate risk show [firm [NAME] | account [NAME]]\n"
"                          [--config FILE | --socket PATH] [--format text|json]\n"
"       tickgate risk set firm|account NAME KEY VALUE [--totp CODE]\n"
"                          [--config FILE | --socket PATH] [--format text|json]\n"
"\n"
"show prints, for every firm and account (or the ones named), its kill switch,\n"
"its limits, the notional it executed today and has resting, its positions and\n"
"restricted stocks (viewer role).\n"
"\n"
"set changes one limit at once (risk role): KEY is a risk key of\n"
"docs/order-path.md (max_order_shares, max_order_notional, collar_pct,\n"
"max_position, max_daily_notional, max_orders_per_sec, stp) with an integer\n"
"VALUE, or none (-1) for no limit; stp takes off, account or firm; KEY\n"
"restricted.SYMBOL takes 1 (restrict) or 0 (lift). A change that raises a\n"
"limit, removes one, weakens stp or lifts a restriction needs --totp.\n"
"\n"
"  --totp CODE      the operator's current 6-digit TOTP code\n"
"  --config FILE    the appliance's config: the socket is [control] socket\n"
"  --socket PATH    the control socket (default " TG_CTL_DEFAULT_SOCKET ")\n"
"  --format F       text (default) or json (show: the reply of risk.show)\n"
"\n"
"Exit status: 0 done, 1 refused or failed (the appliance's reason on stderr),\n"
"2 bad usage.\n";

/* One limit's value as text. */
static void
tg_risk_print_limit(const char *k, json_t *v, int first)
{
	printf("%s%s ", first ? "" : ", ", k);
	if (json_is_null(v))
		printf("none");
	else if (json_is_string(v))
		printf("%s", json_string_value(v));
	else
		printf("%lld", (long long)json_integer_value(v));
}

/* One firm or account of risk.show. */
static void
tg_risk_print_ent(const char *what, json_t *e)
{
	const char *k, *firm = json_string_value(json_object_get(e, "firm"));
	json_t *v;
	size_t i;
	int first = 1;

	printf("%s %s", what, json_string_value(json_object_get(e, "name")) ?: "?");
	if (firm)
		printf(" (firm %s)", firm);
	printf("%s\n", json_is_true(json_object_get(e, "killed")) ? ": KILLED" : "");
	printf("  limits      ");
	json_object_foreach(json_object_get(e, "limits"), k, v) {
		tg_risk_print_limit(k, v, first);
		first = 0;
	}
	printf("\n  notional    executed %.4f, resting %.4f\n",
	       json_number_value(json_object_get(e, "executed_notional")),
	       json_number_value(json_object_get(e, "open_notional")));
	json_array_foreach(json_object_get(e, "positions"), i, v)
		printf("  %-11s %-8s %lld (open buy %lld, open sell %lld)\n", i ? "" : "positions",
		       json_string_value(json_object_get(v, "stock")) ?: "?",
		       (long long)json_integer_value(json_object_get(v, "position")),
		       (long long)json_integer_value(json_object_get(v, "open_buy")),
		       (long long)json_integer_value(json_object_get(v, "open_sell")));
	if (json_is_true(json_object_get(e, "positions_more")))
		printf("  %-11s (more stocks not shown)\n", "");
	if (json_array_size(json_object_get(e, "restricted"))) {
		printf("  restricted ");
		json_array_foreach(json_object_get(e, "restricted"), i, v)
			printf(" %s", json_string_value(v) ?: "?");
		printf("\n");
	}
}

/* risk show [firm|account [NAME]]: the reply as text or JSON. */
static int
tg_risk_show(struct tg_cli_ctl *o, const char **pos, unsigned npos)
{
	json_t *args = json_object(), *reply, *v;
	size_t i;
	int rc;

	if (npos > 2)
		return tg_cli_usage_error("risk", "show takes firm [NAME] or account [NAME]");
	if (npos >= 1) {
		if (strcmp(pos[0], "firm") && strcmp(pos[0], "account"))
			return tg_cli_usage_error("risk", "show firm [NAME] or account [NAME],"
						  " not '%s'", pos[0]);
		json_object_set_new(args, "scope", json_string(pos[0]));
	}
	if (npos == 2)
		json_object_set_new(args, "name", json_string(pos[1]));
	rc = tg_cli_ctl_call("risk", o, "risk.show", args, &reply);
	json_decref(args);
	if (rc)
		return rc;
	if (o->json) {
		rc = tg_cli_ctl_print_json(reply, 1);
		json_decref(reply);
		return rc;
	}
	if (npos == 0) {
		printf("kill all: %s; restricted for everyone:",
		       json_is_true(json_object_get(reply, "killed_all")) ? "KILLED" : "off");
		if (!json_array_size(json_object_get(reply, "restricted")))
			printf(" none");
		json_array_foreach(json_object_get(reply, "restricted"), i, v)
			printf(" %s", json_string_value(v) ?: "?");
		printf("\n");
	}
	json_array_foreach(json_object_get(reply, "firms"), i, v)
		tg_risk_print_ent("firm", v);
	json_array_foreach(json_object_get(reply, "accounts"), i, v)
		tg_risk_print_ent("account", v);
	json_decref(reply);
	return fflush(stdout) ? TG_EXIT_FAIL : TG_EXIT_OK;
}

/* VALUE of KEY as the engine takes it: 0 or -1 (not a value). */
static int
tg_risk_value(const char *key, const char *s, long long *v)
{
	static const char *const stp[] = { "off", "account", "firm" };
	char *end;

	if (!strcmp(key, "stp"))
		for (int i = 0; i < 3; i++)
			if (!strcmp(s, stp[i])) {
				*v = i;
				return 0;
			}
	if (!strcmp(s, "none")) {
		*v = -1;
		return 0;
	}
	errno = 0;
	*v = strtoll(s, &end, 10);
	return !*s || *end || errno || *v < -1 ? -1 : 0;
}

/* risk set firm|account NAME KEY VALUE. */
static int
tg_risk_set(struct tg_cli_ctl *o, const char **pos, unsigned npos)
{
	json_t *args, *reply;
	long long v;
	int rc;

	if (npos != 4)
		return tg_cli_usage_error("risk", "set needs firm|account NAME KEY VALUE");
	if (strcmp(pos[0], "firm") && strcmp(pos[0], "account"))
		return tg_cli_usage_error("risk", "set firm NAME or account NAME, not '%s'", pos[0]);
	if (tg_risk_value(pos[2], pos[3], &v))
		return tg_cli_usage_error("risk", "VALUE is an integer, none%s; not '%s'",
					  strcmp(pos[2], "stp") ? "" : ", off, account or firm",
					  pos[3]);
	args = json_pack("{s:s, s:s, s:s, s:I}", "scope", pos[0], "name", pos[1], "key", pos[2],
			 "value", (json_int_t)v);
	if (!args)
		return TG_EXIT_FAIL;
	rc = tg_cli_ctl_call("risk", o, "risk.set", args, &reply);
	json_decref(args);
	if (rc)
		return rc;
	if (o->json) {
		rc = tg_cli_ctl_print_json(reply, 0);
	} else {
		printf("%s %s: %s set to %s (audit record %lld)\n", pos[0], pos[1], pos[2],
		       v == -1 ? "none" : pos[3],
		       (long long)json_integer_value(json_object_get(reply, "audit")));
		rc = fflush(stdout) ? TG_EXIT_FAIL : TG_EXIT_OK;
	}
	json_decref(reply);
	return rc;
}

/* tickgate risk show|set. */
int
tg_cmd_risk(int argc, char **argv)
{
	struct tg_cli_ctl o = { 0 };
	const char *pos[5];
	unsigned npos = 0;
	int set;

	if (argc < 2)
		return tg_cli_usage_error("risk", "which action? (show or set)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(tg_risk_help, stdout);
		return TG_EXIT_OK;
	}
	if (strcmp(argv[1], "show") && strcmp(argv[1], "set"))
		return tg_cli_usage_error("risk", "unknown action '%s' (show or set)", argv[1]);
	set = !strcmp(argv[1], "set");
	for (int i = 2; i < argc; i++) {
		int r;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(tg_risk_help, stdout);
			return TG_EXIT_OK;
		}
		r = tg_cli_ctl_option("risk", &o, TG_CLI_CTL_FORMAT | (set ? TG_CLI_CTL_TOTP : 0),
				      argc, argv, &i);
		if (r < 0)
			return TG_EXIT_USAGE;
		if (r)
			continue;
		/* "-1" is a value, not an option */
		if (argv[i][0] == '-' && strcmp(argv[i], "-1"))
			return tg_cli_usage_error("risk", "unknown option '%s'", argv[i]);
		if (npos == 5)
			return tg_cli_usage_error("risk", "too many arguments");
		pos[npos++] = argv[i];
	}
	return set ? tg_risk_set(&o, pos, npos) : tg_risk_show(&o, pos, npos);
}
