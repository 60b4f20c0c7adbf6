/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate alerts: surveillance replayed from the journal alone. The
 * journal's inputs go through a fresh engine, and the engine's outputs
 * through the same surveillance the gateway runs live (tg_gw_post), so
 * the alerts come out exactly as the live appliance wrote them to its
 * alerts file, byte for byte and in the same order.
 *
 * The journal is opened read-only: a running gateway may be writing it.
 * Also here: the offline replay that `tickgate settle` shares.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "cli/tg_cli.h"
#include "gateway/tg_gw.h"
#include "journal/tg_journal.h"
#include "order/tg_engine.h"

static const char tg_alerts_help[] =
"usage: tickgate alerts --journal DIR [--config FILE] [--format jsonl]\n"
"\n"
"Replays the gateway's journal through a fresh engine and surveillance and\n"
"prints every alert the live appliance raised, in the order it raised them,\n"
"one JSON object a line (kind, time, firm, account, stock, order_tokens,\n"
"match_numbers, figures): the same bytes as its alerts file. The journal is\n"
"only read (a running gateway may be writing it).\n"
"\n"
"  --journal DIR    the gateway's journal directory\n"
"  --config FILE    users and [surveillance] thresholds (default: DIR/config.ini,\n"
"                   the copy the gateway keeps of the configuration it ran with)\n"
"  --format jsonl   the only format (the default)\n"
"\n"
"Exit status: 0 done, 1 failure (config, journal that does not replay), 2 bad\n"
"usage.\n";

/* Replay callback: the DAY record, to the caller. */
static int
tg_cli_replay_day(void *ctx, const char session[10], uint64_t midnight)
{
	struct tg_cli_replay *r = ctx;

	r->midnight = midnight;
	return r->day ? r->day(r->ctx, session, midnight) : 0;
}

/* Replay callback: reference data the engine took, to post-trade. */
static void
tg_cli_replay_market(void *ctx, uint64_t ts, const struct tg_engine_market *mk)
{
	struct tg_cli_replay *r = ctx;

	tg_gw_post_market(r->post, ts, mk);
}

/* Load the configuration (default DIR/config.ini): a fresh engine and post-trade. */
int
tg_cli_replay_open(struct tg_cli_replay *r)
{
	struct rte_cfgfile *cf;
	char err[512] = "";
	int rc;

	if (!r->config) {
		if (snprintf(r->config_buf, sizeof(r->config_buf), "%s/config.ini", r->journal) >=
		    (int)sizeof(r->config_buf)) {
			fprintf(stderr, "tickgate %s: the journal's path is too long\n", r->cmd);
			return -ENAMETOOLONG;
		}
		r->config = r->config_buf;
	}
	cf = rte_cfgfile_load(r->config, 0);
	if (!cf) {
		fprintf(stderr, "tickgate %s: cannot read config %s%s\n", r->cmd, r->config,
			r->config == r->config_buf ?
			" (the gateway keeps a copy there; give --config FILE)" : "");
		return -EINVAL;
	}
	rc = tg_engine_new(cf, &r->e, err, sizeof(err));
	if (!rc)
		rc = tg_gw_post_new(cf, r->e, &r->post, err, sizeof(err));
	rte_cfgfile_close(cf);
	if (rc) {
		fprintf(stderr, "tickgate %s: %s: %s\n", r->cmd, r->config,
			err[0] ? err : strerror(-rc));
		return rc;
	}
	return 0;
}

/*
 * Replay the journal (read-only) into the engine and post-trade. 0, or
 * -errno with the reason printed.
 */
int
tg_cli_replay_run(struct tg_cli_replay *r)
{
	const struct tg_journal_opts jo = { .read_only = true };
	struct tg_journal_report rep = { 0 };
	const struct tg_gw_replay_cb cb = {
		.day = tg_cli_replay_day, .ctx = r, .tap = tg_gw_post_sink(r->post),
		.market = tg_cli_replay_market,
	};
	struct tg_journal *j;
	char err[512] = "";
	int rc;

	rc = tg_journal_open(r->journal, &jo, &j, &rep);
	if (rc) {
		fprintf(stderr, "tickgate %s: journal %s: %s%s%s\n", r->cmd, r->journal,
			strerror(-rc), rep.what[0] ? ": " : "", rep.what);
		return rc;
	}
	if (rep.cut_bytes)
		fprintf(stderr, "tickgate %s: journal %s: read up to record %llu; %llu bytes after"
			" it are not whole records: %s\n", r->cmd, r->journal,
			(unsigned long long)rep.last_lsn, (unsigned long long)rep.cut_bytes, rep.what);
	rc = tg_gw_replay(j, r->e, &cb, &r->res, err, sizeof(err));
	tg_journal_close(j);
	if (rc && !r->stopped)
		fprintf(stderr, "tickgate %s: journal %s: %s\n", r->cmd, r->journal,
			rc == -ENODATA ? "the journal is empty" : err[0] ? err : strerror(-rc));
	return rc;
}

/* Free the engine and post-trade of tg_cli_replay_open(). */
void
tg_cli_replay_close(struct tg_cli_replay *r)
{
	tg_gw_post_free(r->post);
	if (r->e)
		tg_engine_free(r->e);
	r->post = NULL;
	r->e = NULL;
}

/* Each alert's line, as the gateway appends it to its file. */
static void
tg_alerts_print(void *ctx, const struct tg_surv_alert *a, const char *line, size_t len)
{
	int *bad = ctx;

	(void)a;
	if (fwrite(line, 1, len, stdout) != len)
		*bad = 1;
}

/* Parse the options, replay, print the alerts. */
int
tg_cmd_alerts(int argc, char **argv)
{
	struct tg_cli_replay r = { .cmd = "alerts" };
	int bad = 0, rc;

	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			fputs(tg_alerts_help, stdout);
			return TG_EXIT_OK;
		}
		if (strcmp(opt, "--journal") && strcmp(opt, "--config") && strcmp(opt, "--format"))
			return tg_cli_usage_error("alerts", "unknown argument '%s'", opt);
		if (i + 1 >= argc)
			return tg_cli_usage_error("alerts", "%s needs a value", opt);
		if (!strcmp(opt, "--journal"))
			r.journal = argv[++i];
		else if (!strcmp(opt, "--config"))
			r.config = argv[++i];
		else if (strcmp(argv[++i], "jsonl"))
			return tg_cli_usage_error("alerts", "--format must be jsonl, not '%s'", argv[i]);
	}
	if (!r.journal)
		return tg_cli_usage_error("alerts", "--journal DIR is required");
	if (tg_cli_replay_open(&r))
		return TG_EXIT_FAIL;
	tg_gw_post_on_alert(r.post, tg_alerts_print, &bad);
	rc = tg_cli_replay_run(&r);
	tg_cli_replay_close(&r);
	if (fflush(stdout) || bad) {
		fprintf(stderr, "tickgate alerts: writing the alerts failed\n");
		return TG_EXIT_FAIL;
	}
	return rc ? TG_EXIT_FAIL : TG_EXIT_OK;
}
