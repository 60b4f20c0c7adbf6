/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `tickgate feedgen` as the dispatcher calls it (argv[0] = "feedgen"):
 * exit status 0 / 2 / 1 with one line on stderr, and the options reaching
 * the generator (the file equals the library's for the same options).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feedgen/tg_feedgen.h"

int tg_cmd_feedgen(int argc, char **argv);

static char dir[64];
static char errpath[128], outpath[128];

static void
setup(void)
{
	strcpy(dir, "/tmp/tg_feedgen_cli_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	snprintf(outpath, sizeof(outpath), "%s/stdout", dir);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(feedgen_cli, .init = setup, .fini = teardown);

static char *
path(const char *name)
{
	static char p[4][128];
	static int k;
	char *s = p[k++ % 4];

	snprintf(s, 128, "%s/%s", dir, name);
	return s;
}

/* Run the subcommand with stdout and stderr captured in files. */
static int
run(const char *first, ...)
{
	char *argv[40];
	int argc = 0, rc, save_out = dup(1), save_err = dup(2);
	va_list ap;
	const char *a;

	argv[argc++] = "feedgen";
	va_start(ap, first);
	for (a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	cr_assert_not_null(freopen(outpath, "w", stdout));
	cr_assert_not_null(freopen(errpath, "w", stderr));
	rc = tg_cmd_feedgen(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(save_out, 1);
	dup2(save_err, 2);
	close(save_out);
	close(save_err);
	return rc;
}

static char *
slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	static char buf[1 << 14];
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* Exit 2 with exactly one line on stderr naming the command. */
static void
expect_usage_error(int rc)
{
	char *e = slurp(errpath);

	cr_assert_eq(rc, 2, "exit %d, stderr: %s", rc, e);
	cr_assert_eq(strncmp(e, "tickgate feedgen: ", 18), 0, "stderr: %s", e);
	cr_assert_eq(strchr(e, '\n'), e + strlen(e) - 1, "one line: %s", e);
}

Test(feedgen_cli, help)
{
	cr_assert_eq(run("--help", NULL), 0);
	cr_assert(strstr(slurp(outpath), "usage: tickgate feedgen --out FILE.pcap"));
	cr_assert(strstr(slurp(outpath), "--gap-every"));
	cr_assert_str_eq(slurp(errpath), "");
}

Test(feedgen_cli, bad_usage)
{
	expect_usage_error(run(NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--stocks", "0", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--stocks", "65536", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--stocks", "ten", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--messages", "-5", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--messages", "20", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--per-packet", "0", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--vlan", "4095", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--session", "ELEVENCHARS", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--dst", "233.54.12.111", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--dst", "1.2.3:99", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--gap-every", "1x", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "--frobnicate", NULL));
	expect_usage_error(run("--out", path("x.pcap"), "extra", NULL));
	expect_usage_error(run("--out", NULL));
	cr_assert_neq(access(path("x.pcap"), F_OK), 0, "nothing written");
}

Test(feedgen_cli, failure_is_exit_1)
{
	int rc = run("--out", "/nonexistent/dir/x.pcap", "--quiet", NULL);
	char *e = slurp(errpath);

	cr_assert_eq(rc, 1);
	cr_assert_eq(strncmp(e, "tickgate feedgen: /nonexistent/dir/x.pcap: ", 43), 0, "%s", e);
	cr_assert_eq(strchr(e, '\n'), e + strlen(e) - 1, "one line: %s", e);
}

static int
same_file(const char *a, const char *b)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
	return system(cmd) == 0;
}

Test(feedgen_cli, options_reach_the_generator)
{
	struct tg_feedgen_opts o;
	struct tg_feedgen_result res;

	cr_assert_eq(run("--out", path("cli.pcap"), "--seed", "3", "--stocks", "4",
			 "--messages", "2000", "--per-packet", "8", "--gap-every", "9",
			 "--dup-every", "4", "--ab", "--vlan", "10",
			 "--session", "ABC", "--dst", "239.1.1.1:5000", "--heartbeats",
			 "--quiet", NULL), 0);
	cr_assert_str_eq(slurp(errpath), "", "--quiet");
	tg_feedgen_opts_init(&o);
	o.seed = 3;
	o.stocks = 4;
	o.messages = 2000;
	o.per_packet = 8;
	o.gap_every = 9;
	o.dup_every = 4;
	o.ab = 1;
	o.vlan = 10;
	strcpy(o.session, "ABC");
	o.dst_ip[0] = 0xEF010101;
	o.dst_port[0] = 5000;
	o.dst_ip[1] = 0xEF010102;	/* line B: next group, next port */
	o.dst_port[1] = 5001;
	o.heartbeats = 1;
	cr_assert_eq(tg_feedgen_write(&o, path("lib.pcap"), &res), 0);
	cr_assert(same_file(path("cli.pcap"), path("lib.pcap")));

	/* defaults, with the one-line summary */
	cr_assert_eq(run("--out", path("def.pcap"), NULL), 0);
	cr_assert(strstr(slurp(errpath), "100000 messages"));
	tg_feedgen_opts_init(&o);
	cr_assert_eq(tg_feedgen_write(&o, path("deflib.pcap"), &res), 0);
	cr_assert(same_file(path("def.pcap"), path("deflib.pcap")));
}
