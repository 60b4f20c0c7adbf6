/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate stats: the counters, risk state and latency percentiles of a
 * running appliance, read over its control socket; and what every command
 * that talks to that socket shares (finding it, calling it, printing).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/tg_cli.h"
#include "control/tg_ctl.h"

#define TG_CLI_CTL_TIMEOUT_MS	10000

static const char tg_stats_help[] =
"usage: tickgate stats [--config FILE | --socket PATH] [--format text|json]\n"
"\n"
"Reads the counters of a running appliance over its control socket: the feed\n"
"per line and session, gaps, drops by reason, ring occupancy, crypto jobs, the\n"
"gateway, orders, executions and rejects by reason, kill switches and the\n"
"limits nearest to being reached, surveillance alerts by kind, and latency\n"
"percentiles (wire to book, order to ack, in ns). Needs the viewer role.\n"
"\n"
"  --config FILE    the appliance's config: the socket is [control] socket\n"
"  --socket PATH    the control socket (default " TG_CTL_DEFAULT_SOCKET ")\n"
"  --format F       text (default) or json: one object, docs/control.md \"Stats\"\n"
"\n"
"Exit status: 0 done, 1 refused or the appliance cannot be reached, 2 bad usage.\n";

/* ---- what the control-socket commands share ---- */

/* --config, --socket and, if flags say so, --totp and --format. */
int
tg_cli_ctl_option(const char *cmd, struct tg_cli_ctl *o, unsigned flags, int argc,
		  char **argv, int *i)
{
	const char *a = argv[*i], *v;

	if (strcmp(a, "--config") && strcmp(a, "--socket") &&
	    (!(flags & TG_CLI_CTL_TOTP) || strcmp(a, "--totp")) &&
	    (!(flags & TG_CLI_CTL_FORMAT) || strcmp(a, "--format")))
		return 0;
	if (*i + 1 >= argc) {
		tg_cli_usage_error(cmd, "%s needs a value", a);
		return -1;
	}
	v = argv[++*i];
	if (!strcmp(a, "--config")) {
		o->config = v;
	} else if (!strcmp(a, "--socket")) {
		o->socket = v;
	} else if (!strcmp(a, "--totp")) {
		if (strlen(v) != 6 || strspn(v, "0123456789") != 6) {
			tg_cli_usage_error(cmd, "--totp wants the 6 digits of the current code");
			return -1;
		}
		o->totp = v;
	} else if (!strcmp(v, "json") || !strcmp(v, "text")) {
		o->json = !strcmp(v, "json");
	} else {
		tg_cli_usage_error(cmd, "--format is text or json, not '%s'", v);
		return -1;
	}
	if (o->config && o->socket) {
		tg_cli_usage_error(cmd, "--config and --socket exclude each other");
		return -1;
	}
	return 1;
}

/* The socket: --socket, the config's [control] socket, or the default. */
int
tg_cli_ctl_socket(const char *cmd, const struct tg_cli_ctl *o, char *path, size_t n)
{
	struct tg_ctl_config cfg;
	char err[512];

	if (o->socket) {
		snprintf(path, n, "%s", o->socket);
		return 0;
	}
	if (!o->config) {
		snprintf(path, n, "%s", TG_CTL_DEFAULT_SOCKET);
		return 0;
	}
	if (tg_ctl_config_load(o->config, 0, &cfg, err, sizeof(err))) {
		fprintf(stderr, "tickgate %s: %s\n", cmd, err);
		return -1;
	}
	snprintf(path, n, "%s", cfg.socket);
	tg_ctl_config_free(&cfg);
	return 0;
}

/* One request; a refusal or an unreachable appliance is the one line on stderr. */
int
tg_cli_ctl_call(const char *cmd, const struct tg_cli_ctl *o, const char *ctl_cmd,
		json_t *args, json_t **reply)
{
	char path[PATH_MAX], err[512];
	json_t *r = NULL;

	*reply = NULL;
	if (tg_cli_ctl_socket(cmd, o, path, sizeof(path)))
		return TG_EXIT_FAIL;
	if (tg_ctl_call(path, ctl_cmd, args, o->totp,
			o->timeout_ms ? o->timeout_ms : TG_CLI_CTL_TIMEOUT_MS, &r, err,
			sizeof(err))) {
		fprintf(stderr, "tickgate %s: %s\n", cmd, err);
		return TG_EXIT_FAIL;
	}
	if (!json_is_true(json_object_get(r, "ok"))) {
		const char *e = json_string_value(json_object_get(r, "error"));

		fprintf(stderr, "tickgate %s: %s\n", cmd, e ? e : "refused (no reason given)");
		json_decref(r);
		return TG_EXIT_FAIL;
	}
	*reply = r;
	return TG_EXIT_OK;
}

/* The reply for scripts: one line of JSON. */
int
tg_cli_ctl_print_json(json_t *reply, int drop_audit)
{
	json_t *c = json_copy(reply);
	char *s;
	int rc = TG_EXIT_FAIL;

	if (!c)
		return rc;
	json_object_del(c, "ok");
	if (drop_audit)
		json_object_del(c, "audit");
	s = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s && printf("%s\n", s) > 0 && !fflush(stdout))
		rc = TG_EXIT_OK;
	free(s);
	json_decref(c);
	return rc;
}

/* A p4 integer as dollars, as the offline book prints prices. */
void
tg_cli_fmt_price(char *buf, size_t n, int64_t p4)
{
	snprintf(buf, n, "%s%" PRId64 ".%04" PRId64, p4 < 0 ? "-" : "",
		 (p4 < 0 ? -p4 : p4) / 10000, (p4 < 0 ? -p4 : p4) % 10000);
}

/* ---- text ---- */

/* An integer member of o (0 when absent). */
static long long
tg_stats_int(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* "name value" for every nonzero integer member of o, or "none". */
static void
tg_stats_nonzero(json_t *o, const char *sep)
{
	const char *k;
	json_t *v;
	int any = 0;

	json_object_foreach(o, k, v) {
		if (!json_is_integer(v) || !json_integer_value(v))
			continue;
		printf("%s%s %lld", any ? sep : "", k, (long long)json_integer_value(v));
		any = 1;
	}
	if (!any)
		printf("none");
	printf("\n");
}

/* The market-data path: lines, sessions, messages, drops, rings, books. */
static void
tg_stats_print_feed(json_t *f)
{
	json_t *v, *x;
	size_t i;

	printf("feed (card %s)\n", json_string_value(json_object_get(f, "card")) ?: "?");
	x = json_object_get(f, "lines");
	printf("  line A       %lld frames\n", tg_stats_int(json_object_get(x, "A"), "frames"));
	printf("  line B       %lld frames\n", tg_stats_int(json_object_get(x, "B"), "frames"));
	json_array_foreach(json_object_get(f, "sessions"), i, v)
		printf("  session      %s next %lld%s\n",
		       json_string_value(json_object_get(v, "session")) ?: "?",
		       tg_stats_int(v, "next_seq"),
		       json_is_true(json_object_get(v, "ended")) ? " (ended)" : "");
	printf("  packets      %lld (heartbeats %lld, end of session %lld)\n",
	       tg_stats_int(f, "packets"), tg_stats_int(f, "heartbeats"),
	       tg_stats_int(f, "end_of_session"));
	printf("  messages     %lld (duplicates %lld, gaps %lld with %lld messages)\n",
	       tg_stats_int(f, "messages"), tg_stats_int(f, "duplicates"),
	       tg_stats_int(f, "gaps"), tg_stats_int(f, "gap_messages"));
	printf("  by type      ");
	tg_stats_nonzero(json_object_get(f, "messages_by_type"), " ");
	printf("  drops        ");
	tg_stats_nonzero(json_object_get(f, "drops"), ", ");
	x = json_object_get(f, "rings");
	printf("  rings        h2c %lld of %lld used, c2h %lld of %lld held\n",
	       tg_stats_int(json_object_get(x, "h2c"), "used"),
	       tg_stats_int(json_object_get(x, "h2c"), "size"),
	       tg_stats_int(json_object_get(x, "c2h"), "held"),
	       tg_stats_int(json_object_get(x, "c2h"), "size"));
	x = json_object_get(f, "crypto");
	printf("  crypto       %lld jobs, %lld bytes, %lld tag failures, %lld bad jobs,"
	       " %lld pending\n", tg_stats_int(x, "jobs"), tg_stats_int(x, "bytes"),
	       tg_stats_int(x, "tag_failures"), tg_stats_int(x, "bad_jobs"),
	       tg_stats_int(x, "pending"));
	if ((x = json_object_get(f, "book"))) {
		printf("  book         %lld stocks, %lld orders on %lld levels; errors ",
		       tg_stats_int(x, "stocks"), tg_stats_int(x, "orders"),
		       tg_stats_int(x, "levels"));
		tg_stats_nonzero(json_object_get(x, "errors"), ", ");
	}
	json_array_foreach(json_object_get(f, "busiest"), i, v) {
		char b[24], a[24], l[24];

		tg_cli_fmt_price(b, sizeof(b), tg_stats_int(v, "bid"));
		tg_cli_fmt_price(a, sizeof(a), tg_stats_int(v, "ask"));
		tg_cli_fmt_price(l, sizeof(l), tg_stats_int(v, "last"));
		printf("  %-12s %-8s volume %lld, %lld trades, bid %s ask %s last %s\n",
		       i ? "" : "busiest", json_string_value(json_object_get(v, "stock")) ?: "?",
		       tg_stats_int(v, "volume"), tg_stats_int(v, "trades"), b, a, l);
	}
}

/* The gateway and the engine. */
static void
tg_stats_print_orders(json_t *s)
{
	json_t *g = json_object_get(s, "gateway"), *e = json_object_get(s, "engine"), *v;
	size_t i;

	if (g) {
		printf("gateway\n  counters     ");
		tg_stats_nonzero(g, ", ");
	}
	if (!e)
		return;
	printf("engine\n");
	printf("  orders       %lld (accepted %lld, rejected %lld), %lld resting\n",
	       tg_stats_int(e, "orders"), tg_stats_int(e, "accepted"),
	       tg_stats_int(e, "rejected"), tg_stats_int(e, "resting"));
	printf("  executions   %lld, canceled %lld, cancel rejects %lld, bad input %lld\n",
	       tg_stats_int(e, "executions"), tg_stats_int(e, "canceled"),
	       tg_stats_int(e, "cancel_rejects"), tg_stats_int(e, "bad_input"));
	printf("  rejects      ");
	tg_stats_nonzero(json_object_get(e, "rejects"), ", ");
	json_array_foreach(json_object_get(e, "busiest"), i, v)
		printf("  %-12s %-8s %lld executions, %lld shares, $%.2f\n", i ? "" : "busiest",
		       json_string_value(json_object_get(v, "stock")) ?: "?",
		       tg_stats_int(v, "executions"), tg_stats_int(v, "shares"),
		       json_number_value(json_object_get(v, "notional")));
}

/* Names of a list, comma separated, or "none". */
static void
tg_stats_print_names(json_t *a)
{
	json_t *v;
	size_t i;

	if (!json_array_size(a))
		printf("none");
	json_array_foreach(a, i, v)
		printf("%s%s", i ? ", " : "", json_string_value(v) ?: "?");
}

/* Kill switches and the limits nearest to being reached. */
static void
tg_stats_print_risk(json_t *r)
{
	json_t *k = json_object_get(r, "killed"), *v;
	size_t i;

	printf("risk\n  killed       all %s; firms ",
	       json_is_true(json_object_get(k, "all")) ? "yes" : "no");
	tg_stats_print_names(json_object_get(k, "firms"));
	printf("; accounts ");
	tg_stats_print_names(json_object_get(k, "accounts"));
	printf("\n");
	json_array_foreach(json_object_get(r, "near_limits"), i, v) {
		const char *stock = json_string_value(json_object_get(v, "stock"));

		printf("  %-12s %s %s %s%s%s %.1f %% (%.0f of %.0f)\n", i ? "" : "limits",
		       json_string_value(json_object_get(v, "scope")) ?: "?",
		       json_string_value(json_object_get(v, "name")) ?: "?",
		       json_string_value(json_object_get(v, "key")) ?: "?",
		       stock ? " " : "", stock ? stock : "",
		       json_number_value(json_object_get(v, "pct")),
		       json_number_value(json_object_get(v, "used")),
		       json_number_value(json_object_get(v, "limit")));
	}
}

/* Alerts by kind and the newest ones. */
static void
tg_stats_print_surv(json_t *s)
{
	json_t *v;
	size_t i;

	printf("surveillance\n  alerts       ");
	tg_stats_nonzero(json_object_get(s, "alerts"), ", ");
	json_array_foreach(json_object_get(s, "recent"), i, v) {
		long long t = tg_stats_int(v, "time");

		printf("  %-12s %02lld:%02lld:%02lld.%03lld %s %s/%s %s\n", i ? "" : "recent",
		       t / 3600000000000LL, t / 60000000000LL % 60, t / 1000000000LL % 60,
		       t / 1000000LL % 1000, json_string_value(json_object_get(v, "kind")) ?: "?",
		       json_string_value(json_object_get(v, "firm")) ?: "",
		       json_string_value(json_object_get(v, "account")) ?: "",
		       json_string_value(json_object_get(v, "stock")) ?: "");
	}
}

/* One row per latency histogram. */
static void
tg_stats_print_latency(json_t *l)
{
	static const char *const keys[] = { "min", "p50", "p90", "p99", "p99_9", "max" };
	static const char *const names[] = { "wire_to_book", "order_to_ack" };

	printf("latency (ns) %12s %10s %10s %10s %10s %10s %10s\n", "count", "min", "p50",
	       "p90", "p99", "p99.9", "max");
	for (int n = 0; n < 2; n++) {
		json_t *h = json_object_get(l, names[n]);

		if (!h)
			continue;
		printf("  %-10s %12lld", n ? "order>ack" : "wire>book", tg_stats_int(h, "count"));
		for (int k = 0; k < 6; k++)
			printf(" %10lld", tg_stats_int(h, keys[k]));
		printf("\n");
	}
}

/* The stats object for people: one section per part. */
static int
tg_stats_print_text(json_t *s)
{
	json_t *x;
	time_t t = (time_t)(tg_stats_int(s, "time") / 1000000000LL);
	struct tm tm;
	char when[32];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("tickgate stats at %s\n", when);
	if ((x = json_object_get(s, "feed")))
		tg_stats_print_feed(x);
	tg_stats_print_orders(s);
	if ((x = json_object_get(s, "risk")))
		tg_stats_print_risk(x);
	if ((x = json_object_get(s, "surveillance")))
		tg_stats_print_surv(x);
	if ((x = json_object_get(s, "latency")))
		tg_stats_print_latency(x);
	if ((x = json_object_get(s, "control"))) {
		printf("control\n  counters     ");
		tg_stats_nonzero(x, ", ");
	}
	return fflush(stdout) ? TG_EXIT_FAIL : TG_EXIT_OK;
}

/* tickgate stats: one request, the reply as text or JSON. */
int
tg_cmd_stats(int argc, char **argv)
{
	struct tg_cli_ctl o = { 0 };
	json_t *reply;
	int rc;

	for (int i = 1; i < argc; i++) {
		int r;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(tg_stats_help, stdout);
			return TG_EXIT_OK;
		}
		if ((r = tg_cli_ctl_option("stats", &o, TG_CLI_CTL_FORMAT, argc, argv, &i)) < 0)
			return TG_EXIT_USAGE;
		if (!r)
			return tg_cli_usage_error("stats", "unknown argument '%s'", argv[i]);
	}
	if ((rc = tg_cli_ctl_call("stats", &o, "stats", NULL, &reply)))
		return rc;
	rc = o.json ? tg_cli_ctl_print_json(reply, 1) : tg_stats_print_text(reply);
	json_decref(reply);
	return rc;
}
