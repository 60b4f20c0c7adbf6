/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate audit verify: check the control plane's SM3-chained audit log
 * and its anchor, and name the first record that is not what they say.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tg_cli.h"
#include "control/tg_audit.h"
#include "control/tg_ctl.h"

static const char tg_audit_help[] =
"usage: tickgate audit verify [--config FILE | --log PATH] [--head SEQ:HASH]\n"
"                             [--format text|json]\n"
"\n"
"Checks the audit log of the control plane: every record's SM3 hash chains\n"
"from the one before it, the records are numbered 1, 2, ... without a gap,\n"
"and the log ends where its anchor (PATH.head) says. Prints the number of\n"
"records and the head (the last record's seq and hash); exits 1 naming the\n"
"first bad record if a record was edited, deleted, reordered or cut off.\n"
"\n"
"  --config FILE    the appliance's config: the log is [control] audit\n"
"                   (default " TG_CTL_DEFAULT_AUDIT ")\n"
"  --log PATH       the log itself\n"
"  --head SEQ:HASH  a head written down earlier (outside this host): record SEQ\n"
"                   must still have this hash, which catches a log rewritten\n"
"                   from scratch by someone able to write it and its anchor\n"
"  --format F       text (default) or json (one object: log, ok, records,\n"
"                   head_seq, head, pending, first_bad, error)\n";

/* "SEQ:HASH" into o: 0 or -EINVAL. */
static int
tg_audit_parse_head(const char *s, struct tg_audit_verify_opts *o)
{
	const char *colon = strchr(s, ':');
	char *end;
	unsigned long long seq;

	if (!colon)
		return -EINVAL;
	seq = strtoull(s, &end, 10);
	if (end != colon || seq == 0)
		return -EINVAL;
	o->expect_seq = seq;
	return tg_audit_hash_parse(colon + 1, o->expect_hash);
}

/* tickgate audit verify: find the log, verify it, say what was found. */
static int
tg_audit_verify_cmd(int argc, char **argv)
{
	struct tg_audit_verify_opts o = { 0 };
	struct tg_audit_report rep;
	const char *config = NULL, *log = NULL, *format = "text";
	char path[PATH_MAX], hex[2 * TG_AUDIT_HASH_LEN + 1];
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(tg_audit_help, stdout);
			return TG_EXIT_OK;
		}
		if (strcmp(a, "--config") && strcmp(a, "--log") && strcmp(a, "--head") &&
		    strcmp(a, "--format"))
			return tg_cli_usage_error("audit", "unknown option '%s'", a);
		if (i + 1 >= argc)
			return tg_cli_usage_error("audit", "%s needs a value", a);
		const char *v = argv[++i];
		if (!strcmp(a, "--config"))
			config = v;
		else if (!strcmp(a, "--log"))
			log = v;
		else if (!strcmp(a, "--format")) {
			if (strcmp(v, "text") && strcmp(v, "json"))
				return tg_cli_usage_error("audit", "--format is text or json, not '%s'", v);
			format = v;
		} else if (tg_audit_parse_head(v, &o))
			return tg_cli_usage_error("audit", "--head wants SEQ:HASH (64 hex digits),"
						  " not '%s'", v);
	}
	if (config && log)
		return tg_cli_usage_error("audit", "--config and --log exclude each other");
	if (log) {
		snprintf(path, sizeof(path), "%s", log);
	} else if (config) {
		struct tg_ctl_config cfg;
		char err[512];

		if (tg_ctl_config_load(config, 0, &cfg, err, sizeof(err))) {
			fprintf(stderr, "tickgate audit: %s\n", err);
			return TG_EXIT_FAIL;
		}
		snprintf(path, sizeof(path), "%s", cfg.audit);
		tg_ctl_config_free(&cfg);
	} else {
		snprintf(path, sizeof(path), "%s", TG_CTL_DEFAULT_AUDIT);
	}

	/* a mistyped path is not an empty log */
	{
		char head[PATH_MAX + 8];

		snprintf(head, sizeof(head), "%s.head", path);
		if (access(path, F_OK) && access(head, F_OK)) {
			fprintf(stderr, "tickgate audit: %s: no audit log there\n", path);
			return TG_EXIT_FAIL;
		}
	}
	rc = tg_audit_verify_ex(path, &o, &rep);
	if (rc && rc != -EBADMSG) {
		fprintf(stderr, "tickgate audit: %s: %s\n", path, strerror(-rc));
		return TG_EXIT_FAIL;
	}
	tg_audit_hash_hex(rep.head, hex);
	if (!strcmp(format, "json")) {
		json_t *j = json_pack("{s:s, s:b, s:I, s:I, s:s, s:b}", "log", path, "ok", rc == 0,
				      "records", (json_int_t)rep.records,
				      "head_seq", (json_int_t)rep.records, "head", hex,
				      "pending", rep.pending);

		if (j && rc) {
			json_object_set_new(j, "first_bad", json_integer((json_int_t)rep.first_bad));
			json_object_set_new(j, "error", json_string(rep.why));
		}
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(j);
	} else if (!rc) {
		printf("%s: %" PRIu64 " records, intact; head %" PRIu64 " %s\n", path,
		       rep.records, rep.records, hex);
		if (rep.pending)
			printf("%s: note: %s\n", path, rep.why);
	}
	if (rc) {
		fprintf(stderr, "tickgate audit: %s: first bad record %" PRIu64 ": %s\n", path,
			rep.first_bad, rep.why);
		return TG_EXIT_FAIL;
	}
	return TG_EXIT_OK;
}

/* tickgate audit ACTION: only verify for now. */
int
tg_cmd_audit(int argc, char **argv)
{
	if (argc < 2)
		return tg_cli_usage_error("audit", "which action? (verify)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(tg_audit_help, stdout);
		return TG_EXIT_OK;
	}
	if (!strcmp(argv[1], "verify"))
		return tg_audit_verify_cmd(argc - 1, argv + 1);
	return tg_cli_usage_error("audit", "unknown action '%s' (verify)", argv[1]);
}
