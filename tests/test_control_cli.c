/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `tickgate audit verify` end to end: exit statuses of the contract (0
 * intact, 1 tampered or unreadable, 2 bad usage), a one-line error naming
 * the first bad record, the head it prints against the log's own last
 * line, --config finding the log through [control] audit, --head.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "control/tg_audit.h"

#define TICKGATE TG_BUILD_DIR "/tickgate"

static char dir[32], logp[96], cfgp[96], outp[96], errp[96];

static void
setup(void)
{
	struct tg_audit *a;

	snprintf(dir, sizeof(dir), "/tmp/tg-acli-XXXXXX");
	cr_assert(mkdtemp(dir));
	snprintf(logp, sizeof(logp), "%s/audit.log", dir);
	snprintf(cfgp, sizeof(cfgp), "%s/t.ini", dir);
	snprintf(outp, sizeof(outp), "%s/out", dir);
	snprintf(errp, sizeof(errp), "%s/err", dir);
	cr_assert_eq(tg_audit_open(logp, NULL, &a, NULL), 0);
	for (int i = 0; i < 6; i++) {
		json_t *r = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:s}", "event", "request",
				      "user", "root", "cmd", "kill", "args", "scope", "account",
				      "name", "A1", "result", "authorized");
		cr_assert_eq(tg_audit_append(a, r, NULL), 0);
		json_decref(r);
	}
	tg_audit_close(a);
	FILE *f = fopen(cfgp, "w");
	fprintf(f, "[control]\naudit = %s ; the log\n", logp);
	fclose(f);
}

static void
teardown(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(control_cli, .init = setup, .fini = teardown, .timeout = 60);

static int
tg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
tg(const char *fmt, ...)
{
	char args[512], cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), TICKGATE " %s > '%s' 2> '%s'", args, outp, errp);
	int st = system(cmd);
	cr_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *p = calloc(1, 65536);

	cr_assert(f);
	size_t n = fread(p, 1, 65535, f);
	p[n] = 0;
	fclose(f);
	return p;
}

/* The hash member of the log's line n (1-based). */
static void
line_hash(int n, char hex[65])
{
	char *text = slurp(logp), *p = text;

	for (int i = 1; i < n; i++)
		p = strchr(p, '\n') + 1;
	p = strstr(p, "\"hash\":\"") + 8;
	memcpy(hex, p, 64);
	hex[64] = 0;
	free(text);
}

static void
one_line_error(const char *has)
{
	char *err = slurp(errp), *out = slurp(outp);

	cr_assert(strlen(err) > 0 && strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
	cr_assert(strstr(err, has), "'%s' does not say '%s'", err, has);
	cr_assert_str_eq(out, "");
	free(err);
	free(out);
}

Test(control_cli, intact)
{
	char hex[65], want[256];

	line_hash(6, hex);
	cr_assert_eq(tg("audit verify --log '%s'", logp), 0);
	char *out = slurp(outp);
	snprintf(want, sizeof(want), "%s: 6 records, intact; head 6 %s\n", logp, hex);
	cr_assert_str_eq(out, want);
	free(out);
	cr_assert_eq(tg("audit verify --config '%s'", cfgp), 0);
	out = slurp(outp);
	cr_assert_str_eq(out, want);
	free(out);
	/* a head kept from earlier */
	line_hash(4, hex);
	cr_assert_eq(tg("audit verify --log '%s' --head 4:%s", logp, hex), 0);
	cr_assert_eq(tg("audit verify --log '%s' --head 5:%s", logp, hex), 1);
	one_line_error("first bad record 5");
	cr_assert_eq(tg("audit verify --log '%s' --head 9:%s", logp, hex), 1);
	one_line_error("first bad record 7");
}

Test(control_cli, tampered)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "sed -i 3d '%s'", logp);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(tg("audit verify --log '%s'", logp), 1);
	one_line_error("first bad record 3: record 3 is missing");
	cr_assert_eq(tg("audit verify --config '%s' --format json", cfgp), 1);
	char *out = slurp(outp);
	json_error_t e;
	json_t *j = json_loads(out, 0, &e);
	cr_assert(j, "%s", out);
	cr_assert(json_is_false(json_object_get(j, "ok")));
	cr_assert_eq(json_integer_value(json_object_get(j, "first_bad")), 3);
	cr_assert_eq(json_integer_value(json_object_get(j, "records")), 2);
	json_decref(j);
	free(out);

	/* an edit inside a record */
	snprintf(cmd, sizeof(cmd), "sed -i '5s/A1/A9/' '%s'", logp);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(tg("audit verify --log '%s'", logp), 1);
	one_line_error("first bad record 3");
}

Test(control_cli, truncated)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "sed -i '$d' '%s'", logp);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(tg("audit verify --log '%s'", logp), 1);
	one_line_error("first bad record 6");
}

Test(control_cli, usage_and_failures)
{
	cr_assert_eq(tg("audit"), 2);
	one_line_error("verify");
	cr_assert_eq(tg("audit check"), 2);
	cr_assert_eq(tg("audit verify --frobnicate"), 2);
	one_line_error("--frobnicate");
	cr_assert_eq(tg("audit verify --log"), 2);
	cr_assert_eq(tg("audit verify --log a --config b"), 2);
	cr_assert_eq(tg("audit verify --head 4:abc --log '%s'", logp), 2);
	cr_assert_eq(tg("audit verify --format yaml --log '%s'", logp), 2);
	cr_assert_eq(tg("audit verify --help"), 0);
	char *out = slurp(outp);
	cr_assert(strstr(out, "usage: tickgate audit verify"));
	free(out);
	cr_assert_eq(tg("audit --help"), 0);
	cr_assert_eq(tg("audit verify --config '%s/none.ini'", dir), 1);
	one_line_error("cannot read config");
	cr_assert_eq(tg("audit verify --log '%s/not-there.log'", dir), 1);
	one_line_error("no audit log there");
	/* listed in the top-level help */
	cr_assert_eq(tg("--help"), 0);
	out = slurp(outp);
	cr_assert(strstr(out, "  audit "), "%s", out);
	free(out);
}

/* An interrupted append (record written, anchor not) is intact, with a note. */
Test(control_cli, pending_append)
{
	char head[128], save[128], cmd[512];
	snprintf(head, sizeof(head), "%s.head", logp);
	snprintf(save, sizeof(save), "%s/saved.head", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", head, save);
	cr_assert_eq(system(cmd), 0);
	struct tg_audit *a;
	cr_assert_eq(tg_audit_open(logp, NULL, &a, NULL), 0);
	json_t *r = json_pack("{s:s}", "event", "x");
	cr_assert_eq(tg_audit_append(a, r, NULL), 0);
	json_decref(r);
	tg_audit_close(a);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", save, head);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(tg("audit verify --log '%s'", logp), 0);
	char *out = slurp(outp);
	cr_assert(strstr(out, "7 records, intact") && strstr(out, "note: record 7 was written but not anchored"),
		  "%s", out);
	free(out);
}
