/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate settle: clearing from the journal alone. The journal's inputs
 * go through a fresh engine, its fills through the same clearing the
 * gateway runs live (tg_gw_post), marked by the same market records, so
 * the positions, cash, fees and P&L it prints are what the live gateway
 * computed (the gateway writes the same summary to <journal>/clearing.txt
 * when it stops). The fills become the settlement file and the day's
 * rows in the database; or, with --reconcile, a settlement file is
 * compared with them and every break is reported.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tg_cli.h"
#include "gateway/tg_gw.h"
#include "post/tg_clear.h"
#include "post/tg_export.h"
#include "post/tg_money.h"
#include "post/tg_settle.h"

static const char tg_settle_help[] =
"usage: tickgate settle --journal DIR [--config FILE] [--date YYYY-MM-DD]\n"
"                       [--out FILE.csv|-] [--db URL|none] [--firm NAME]\n"
"       tickgate settle --journal DIR [--config FILE] [--date YYYY-MM-DD]\n"
"                       [--firm NAME] --reconcile FILE.csv\n"
"\n"
"Clears the day from the gateway's journal alone (read-only): every fill\n"
"through a fresh engine and the gateway's clearing, marked to the feed's\n"
"last trades the journal holds. Prints positions, cash, fees and P&L per\n"
"account, position and firm (the summary the gateway writes to\n"
"DIR/clearing.txt when it stops), writes the settlement file and exports the\n"
"day's trades, positions and balances to a database (docs/post-trade.md).\n"
"\n"
"  --journal DIR      the gateway's journal directory\n"
"  --config FILE      users and [fees] (default: DIR/config.ini, the copy the\n"
"                     gateway keeps of the configuration it ran with)\n"
"  --date YYYY-MM-DD  the trade date (default: the journal's day, UTC)\n"
"  --out FILE.csv     the settlement file (default: DIR/settlement-DATE.csv,\n"
"                     DIR/settlement-DATE-FIRM.csv with --firm); - writes it to\n"
"                     stdout and the summary to stderr\n"
"  --db URL           sqlite:PATH or postgresql://... (default:\n"
"                     sqlite:DIR/tickgate.db); none: no export\n"
"  --firm NAME        only this firm's rows in the file (the export is always\n"
"                     the whole day)\n"
"  --reconcile FILE   compare FILE with the journal instead: every break one\n"
"                     line on stdout, then a count; writes nothing\n"
"\n"
"Exit status: 0 done (with --reconcile: no break), 1 failure or a break,\n"
"2 bad usage.\n";

struct tg_settle_st {
	struct tg_cli_replay r;
	const char *out, *db, *firm, *reconcile;
	uint32_t date;			/* YYYYMMDD, 0 until known */
	char out_buf[PATH_MAX];
	char db_buf[PATH_MAX + 8];
	struct tg_settle_writer *w;
	struct tg_export *x;
	struct tg_settle_recon *recon;
	uint64_t rows, refused, check_breaks;
	int failed;			/* -errno of the first failure (printed) */
};

/* Print a failure once (the first one decides the exit status). */
static void
tg_settle_fail(struct tg_settle_st *s, int rc, const char *fmt, const char *what)
{
	if (s->failed)
		return;
	s->failed = rc ? rc : -EIO;
	fprintf(stderr, "tickgate settle: ");
	fprintf(stderr, fmt, what, strerror(-s->failed));
	fputc('\n', stderr);
}

/* Replay callback, the DAY record: now the date is known, open the outputs. */
static int
tg_settle_day(void *ctx, const char session[10], uint64_t midnight)
{
	struct tg_settle_st *s = ctx;
	char date[11];
	int rc;

	(void)session;
	if (!s->date)
		s->date = tg_gw_trade_date(midnight);
	if (tg_settle_date_format(s->date, date)) {
		fprintf(stderr, "tickgate settle: the journal's day is not a date\n");
		s->r.stopped = 1;
		return -EINVAL;
	}
	if (s->reconcile)
		return 0;
	if (!s->out) {
		snprintf(s->out_buf, sizeof(s->out_buf), "%s/settlement-%s%s%s.csv", s->r.journal,
			 date, s->firm ? "-" : "", s->firm ? s->firm : "");
		s->out = s->out_buf;
	}
	if ((rc = tg_settle_writer_open(s->out, s->firm, &s->w))) {
		tg_settle_fail(s, rc, "settlement file %s: %s", s->out);
		s->r.stopped = 1;
		return rc;
	}
	if (s->x && (rc = tg_export_begin(s->x, s->date))) {
		fprintf(stderr, "tickgate settle: export to %s: %s\n", s->db,
			tg_export_error(s->x)[0] ? tg_export_error(s->x) : strerror(-rc));
		s->failed = rc;
		s->r.stopped = 1;
		return rc;
	}
	return 0;
}

/* Every fill that clearing booked: its two settlement rows, to the file and the database. */
static void
tg_settle_fill(void *ctx, const struct tg_engine_fill *f, const struct tg_clear_result *r,
	       int rc)
{
	struct tg_settle_st *s = ctx;
	struct tg_settle_row rows[2];

	if (rc) {
		/* the live clearing refused the same fill (counted there too) */
		s->refused++;
		fprintf(stderr, "tickgate settle: match %llu refused by clearing: %s\n",
			(unsigned long long)f->match, strerror(-rc));
		return;
	}
	tg_settle_rows(tg_gw_post_clear(s->r.post), s->date, f, r, rows);
	for (int i = 0; i < 2; i++) {
		if (s->recon) {
			if ((rc = tg_settle_recon_row(s->recon, &rows[i])))
				tg_settle_fail(s, rc, "reconciliation%s: %s", "");
			continue;
		}
		if (s->w && (rc = tg_settle_writer_add(s->w, &rows[i])))
			tg_settle_fail(s, rc, "settlement file %s: %s", s->out);
		if (s->x && (rc = tg_export_trade(s->x, &rows[i])))
			tg_settle_fail(s, rc, "export to %s: %s", s->db);
	}
	s->rows += 2;
}

/* One break, one line on stdout. */
static void
tg_settle_break(void *ctx, const struct tg_settle_break *b)
{
	char line[512];

	(void)ctx;
	tg_settle_break_format(b, line, sizeof(line));
	printf("%s\n", line);
}

/* tg_settle_check: the breaks a file shows on its own (malformed ones come from the reconciliation). */
static void
tg_settle_check_break(void *ctx, const struct tg_settle_break *b)
{
	struct tg_settle_st *s = ctx;

	if (b->kind == TG_SETTLE_MALFORMED)
		return;
	s->check_breaks++;
	tg_settle_break(NULL, b);
}

/* --reconcile: the file on its own, then against the journal's fills. */
static int
tg_settle_reconcile(struct tg_settle_st *s)
{
	struct tg_settle_totals t;
	struct tg_settle_recon_stats rs = { 0 };
	char err[512] = "";
	int rc;

	rc = tg_settle_check(s->reconcile, &t, tg_settle_check_break, s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "tickgate settle: %s: %s\n", s->reconcile, err[0] ? err : strerror(-rc));
		return TG_EXIT_FAIL;
	}
	/* open before the replay so that unreadable files fail before the work */
	rc = tg_settle_recon_open(s->reconcile, s->firm, tg_settle_break, s, &s->recon, err,
				  sizeof(err));
	if (rc) {
		fprintf(stderr, "tickgate settle: %s: %s\n", s->reconcile, err[0] ? err : strerror(-rc));
		return TG_EXIT_FAIL;
	}
	rc = tg_cli_replay_run(&s->r);
	if (rc || s->failed) {
		tg_settle_recon_finish(s->recon, NULL);
		return TG_EXIT_FAIL;
	}
	tg_settle_recon_finish(s->recon, &rs);
	if (!s->firm && !t.reconciles && !t.bad_rows)
		printf("totals: %u of %u stocks do not balance, net %lld against fees %lld (p4)\n",
		       t.unbalanced, t.stocks, (long long)t.net, (long long)t.fees);
	printf("reconcile %s: %llu rows, %llu expected, %llu matched, %llu breaks"
	       " (%llu missing, %llu extra, %llu changed, %llu duplicate, %llu malformed, %llu in"
	       " the file alone)\n",
	       s->reconcile, (unsigned long long)rs.file_rows, (unsigned long long)rs.expected,
	       (unsigned long long)rs.matched,
	       (unsigned long long)(rs.breaks + s->check_breaks),
	       (unsigned long long)rs.missing, (unsigned long long)rs.extra,
	       (unsigned long long)rs.changed_rows, (unsigned long long)rs.duplicate,
	       (unsigned long long)rs.malformed, (unsigned long long)s->check_breaks);
	if (fflush(stdout))
		return TG_EXIT_FAIL;
	return rs.breaks || s->check_breaks || (!s->firm && !t.reconciles) ? TG_EXIT_FAIL
									     : TG_EXIT_OK;
}

/* The normal run: settlement file, export, summary. */
static int
tg_settle_run(struct tg_settle_st *s)
{
	struct tg_settle_totals t;
	FILE *sum = s->out && !strcmp(s->out, "-") ? stderr : stdout;
	char err[512] = "", fees[TG_MONEY_STR_MAX];
	int rc;

	if (strcmp(s->db, "none")) {
		if ((rc = tg_export_open(s->db, &s->x, err, sizeof(err)))) {
			fprintf(stderr, "tickgate settle: export to %s: %s\n", s->db,
				err[0] ? err : strerror(-rc));
			return TG_EXIT_FAIL;
		}
	}
	rc = tg_cli_replay_run(&s->r);
	if (!rc && !s->failed && s->x) {
		if ((rc = tg_export_clear_state(s->x, tg_gw_post_clear(s->r.post))) ||
		    (rc = tg_export_commit(s->x)))
			fprintf(stderr, "tickgate settle: export to %s: %s\n", s->db,
				tg_export_error(s->x)[0] ? tg_export_error(s->x) : strerror(-rc));
	}
	if (rc || s->failed) {
		tg_settle_writer_abort(s->w);
		tg_export_close(s->x);
		return TG_EXIT_FAIL;
	}
	tg_export_close(s->x);
	s->x = NULL;
	rc = tg_settle_writer_close(s->w, &t);
	s->w = NULL;
	if (rc == -EPROTO) {
		fprintf(stderr, "tickgate settle: %s does not reconcile: %u of %u stocks unbalanced,"
			" net %lld against fees %lld (p4)\n", s->out, t.unbalanced, t.stocks,
			(long long)t.net, (long long)t.fees);
		return TG_EXIT_FAIL;
	}
	if (rc) {
		fprintf(stderr, "tickgate settle: settlement file %s: %s\n", s->out, strerror(-rc));
		return TG_EXIT_FAIL;
	}
	if (tg_gw_post_summary(s->r.post, s->date, sum) || fflush(sum)) {
		fprintf(stderr, "tickgate settle: writing the summary failed\n");
		return TG_EXIT_FAIL;
	}
	if (tg_money_format(t.fees, TG_MONEY_SCALE, fees, sizeof(fees)) < 0)
		snprintf(fees, sizeof(fees), "?");
	fprintf(stderr, "tickgate settle: %llu rows to %s (shares bought %llu, sold %llu;"
		" stocks %u; fees %s)%s%s\n", (unsigned long long)t.rows, s->out,
		(unsigned long long)t.shares_bought, (unsigned long long)t.shares_sold, t.stocks,
		fees, strcmp(s->db, "none") ? "; the day exported to " : "",
		strcmp(s->db, "none") ? s->db : "");
	return TG_EXIT_OK;
}

/* Parse the options, then settle or reconcile. */
int
tg_cmd_settle(int argc, char **argv)
{
	struct tg_settle_st s = { .r = { .cmd = "settle", .day = tg_settle_day } };
	const char *date = NULL;
	int rc;

	s.r.ctx = &s;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			fputs(tg_settle_help, stdout);
			return TG_EXIT_OK;
		}
		if (strcmp(opt, "--journal") && strcmp(opt, "--config") && strcmp(opt, "--date") &&
		    strcmp(opt, "--out") && strcmp(opt, "--db") && strcmp(opt, "--firm") &&
		    strcmp(opt, "--reconcile"))
			return tg_cli_usage_error("settle", "unknown argument '%s'", opt);
		if (i + 1 >= argc)
			return tg_cli_usage_error("settle", "%s needs a value", opt);
		const char *v = argv[++i];

		if (!strcmp(opt, "--journal"))
			s.r.journal = v;
		else if (!strcmp(opt, "--config"))
			s.r.config = v;
		else if (!strcmp(opt, "--date"))
			date = v;
		else if (!strcmp(opt, "--out"))
			s.out = v;
		else if (!strcmp(opt, "--db"))
			s.db = v;
		else if (!strcmp(opt, "--firm"))
			s.firm = v;
		else
			s.reconcile = v;
	}
	if (!s.r.journal)
		return tg_cli_usage_error("settle", "--journal DIR is required");
	if (date && tg_settle_date_parse(date, &s.date))
		return tg_cli_usage_error("settle", "--date: '%s' is not a date YYYY-MM-DD", date);
	if (s.reconcile && (s.out || s.db))
		return tg_cli_usage_error("settle", "--reconcile writes nothing: no --out or --db");
	if (s.firm && !*s.firm)
		return tg_cli_usage_error("settle", "--firm needs a name");
	if (!s.db) {
		if (snprintf(s.db_buf, sizeof(s.db_buf), "sqlite:%s/tickgate.db", s.r.journal) >=
		    (int)sizeof(s.db_buf))
			return tg_cli_usage_error("settle", "--journal: the path is too long");
		s.db = s.db_buf;
	}
	if (tg_cli_replay_open(&s.r))
		return TG_EXIT_FAIL;
	tg_gw_post_on_fill(s.r.post, tg_settle_fill, &s);
	rc = s.reconcile ? tg_settle_reconcile(&s) : tg_settle_run(&s);
	tg_cli_replay_close(&s.r);
	return rc;
}
