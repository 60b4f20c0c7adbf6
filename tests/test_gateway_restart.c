/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Restarts: a torn tail is cut and reported, and the outputs it lost are
 * regenerated exactly as the client first received them; a config that
 * makes the engine decide differently from the journal is a fatal,
 * clearly reported error; a journal of something else is refused.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/tg_journal.h"
#include "test_gateway_util.h"

static struct gwt_gw gw;

static void
setup(void)
{
	gwt_dir_make(&gw);
}

static void
teardown(void)
{
	gwt_dir_remove(&gw);
}

TestSuite(gateway_restart, .init = setup, .fini = teardown, .timeout = 120);

/* alice buys, bob sells into it; returns alice's messages in *raw (count). */
static int
trade(uint8_t raw[][TG_OUCH_MAX_MSG], size_t *len)
{
	struct gwt_c a, b;
	struct tg_ouch_out m;
	int n = 0;

	gwt_connect(&a, gw.addr);
	cr_assert_eq(gwt_login(&a, "alice", "pw-alice", NULL, 1, NULL, NULL), 1);
	gwt_connect(&b, gw.addr);
	cr_assert_eq(gwt_login(&b, "bob", "bobs pass", NULL, 1, NULL, NULL), 1);
	cr_assert_eq(gwt_msg(&a, &m, raw[n], &len[n], 5000), 1);
	n++;
	gwt_enter(&a, "BUY500", 'B', 500, "AAPL", 1000000, 99999);
	cr_assert_eq(gwt_msg(&a, &m, raw[n], &len[n], 5000), 1);
	n++;
	gwt_enter(&b, "SELL200", 'S', 200, "AAPL", 1000000, 99999);
	cr_assert_eq(gwt_msg(&a, &m, raw[n], &len[n], 5000), 1);
	cr_assert_eq(m.type, 'E');
	n++;
	gwt_close(&a);
	gwt_close(&b);
	return n;
}

/* The journal's only file. */
static void
journal_file(char *out, size_t n)
{
	DIR *d = opendir(gw.journal);
	struct dirent *e;
	int found = 0;

	cr_assert(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strlen(e->d_name) > 4 &&
		    !strcmp(e->d_name + strlen(e->d_name) - 4, ".tgj")) {
			/* the journal's one segment; the gateway keeps other files beside it */
			snprintf(out, n, "%s/%s", gw.journal, e->d_name);
			found++;
		}
	closedir(d);
	cr_assert_eq(found, 1);
}

Test(gateway_restart, torn_tail_cut_and_regenerated)
{
	static uint8_t before[8][TG_OUCH_MAX_MSG], after[8][TG_OUCH_MAX_MSG];
	size_t lb[8], la[8];
	char path[512];
	struct gwt_c a;
	struct tg_ouch_out m;
	struct stat st;

	gwt_config(&gw, NULL, NULL);
	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	int n = trade(before, lb);
	cr_assert_eq(gwt_stop(&gw), 0);

	/*
	 * Tear the last record (bob's Executed, journaled after alice's):
	 * zero its last bytes, as a write cut short by a crash leaves it.
	 */
	journal_file(path, sizeof(path));
	int fd = open(path, O_RDWR);
	cr_assert(fd >= 0);
	cr_assert_eq(fstat(fd, &st), 0);
	uint8_t *buf = malloc((size_t)st.st_size);
	cr_assert_eq(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	off_t last = st.st_size - 1;
	while (last > 0 && !buf[last])
		last--;
	cr_assert_gt(last, 100);
	static const uint8_t zero[6];
	cr_assert_eq(pwrite(fd, zero, sizeof(zero), last - 5), (ssize_t)sizeof(zero));
	close(fd);
	free(buf);

	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	char *log = gwt_log(&gw);
	cr_assert(strstr(log, "cut"), "the cut was not reported:\n%s", log);
	cr_assert(strstr(log, "regenerated"), "%s", log);
	free(log);
	gwt_connect(&a, gw.addr);
	cr_assert_eq(gwt_login(&a, "alice", "pw-alice", NULL, 1, NULL, NULL), 1);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(gwt_msg(&a, &m, after[i], &la[i], 5000), 1);
		cr_assert_eq(la[i], lb[i]);
		cr_assert_eq(memcmp(after[i], before[i], la[i]), 0, "message %d", i + 1);
	}
	gwt_close(&a);
	/* bob's stream ends with his Executed again, as the engine decided it */
	gwt_connect(&a, gw.addr);
	cr_assert_eq(gwt_login(&a, "bob", "bobs pass", NULL, 1, NULL, NULL), 1);
	char types[8] = { 0 };
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(gwt_msg(&a, &m, NULL, NULL, 5000), 1);
		types[i] = m.type;
	}
	cr_assert_str_eq(types, "SAE");
	gwt_close(&a);
	cr_assert_eq(gwt_stop(&gw), 0);
	/* and the regenerated record is durable: a third start replays cleanly */
	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	cr_assert_eq(gwt_stop(&gw), 0);
}

Test(gateway_restart, engine_disagreeing_with_the_journal_is_fatal)
{
	static uint8_t raw[8][TG_OUCH_MAX_MSG];
	size_t len[8];

	gwt_config(&gw, NULL, NULL);
	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	trade(raw, len);
	cr_assert_eq(gwt_stop(&gw), 0);
	/* now ACME may not buy 500: replay would reject what was accepted */
	gwt_config(&gw, NULL, "[firm.ACME]\nmax_order_shares = 100\n");
	cr_assert_eq(gwt_start(&gw), 1);
	char *log = gwt_log(&gw);
	const char *last = strrchr(log, '\n');
	while (last > log && last[-1] != '\n')
		last--;
	cr_assert(strstr(log, "journal record"), "%s", log);
	cr_assert(strstr(log, "differs") || strstr(log, "lacks") || strstr(log, "not regenerated"),
		  "%s", log);
	free(log);
	/* put it back: the journal itself was not touched */
	gwt_config(&gw, NULL, NULL);
	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
	cr_assert_eq(gwt_stop(&gw), 0);
}

Test(gateway_restart, foreign_journal_refused)
{
	struct tg_journal_opts o = { .segment_bytes = 1 << 20 };
	struct tg_journal_report rep;
	struct tg_journal *j;

	cr_assert_eq(tg_journal_open(gw.journal, &o, &j, &rep), 0);
	cr_assert_eq(tg_journal_append(j, 77, "hello", 5, NULL), 0);
	cr_assert_eq(tg_journal_sync(j), 0);
	tg_journal_close(j);
	gwt_config(&gw, NULL, NULL);
	cr_assert_eq(gwt_start(&gw), 1);
	char *log = gwt_log(&gw);
	cr_assert(strstr(log, "not a gateway journal"), "%s", log);
	free(log);
}

Test(gateway_restart, usage_and_config_errors)
{
	char cmd[512];

	cr_assert_eq(WEXITSTATUS(system(GWT_TICKGATE " gateway > /dev/null 2>&1")), 2);
	cr_assert_eq(WEXITSTATUS(system(GWT_TICKGATE " gateway --config > /dev/null 2>&1")), 2);
	cr_assert_eq(WEXITSTATUS(system(GWT_TICKGATE " gateway --bogus x > /dev/null 2>&1")), 2);
	cr_assert_eq(WEXITSTATUS(system(GWT_TICKGATE " gateway --config x --card vfio > /dev/null 2>&1")), 2);
	cr_assert_eq(WEXITSTATUS(system(GWT_TICKGATE " gateway --help > /dev/null 2>&1")), 0);
	snprintf(cmd, sizeof(cmd), GWT_TICKGATE " gateway --config %s/none.ini > /dev/null 2>&1", gw.dir);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 1);
	/* a user without a hash, a bad key value */
	FILE *f = fopen(gw.config, "w");
	fprintf(f, "[gateway]\njournal = %s\n[user.alice]\npassword = hunter2\nfirm = ACME\n", gw.journal);
	fclose(f);
	cr_assert_eq(gwt_start(&gw), 1);
	char *log = gwt_log(&gw);
	cr_assert(strstr(log, "[user.alice] password"), "%s", log);
	cr_assert_null(strstr(log, "hunter2"), "%s", log);
	free(log);
	gwt_config(&gw, "heartbeat_ms = fast\n", NULL);
	cr_assert_eq(gwt_start(&gw), 1);
	log = gwt_log(&gw);
	cr_assert(strstr(log, "heartbeat_ms"), "%s", log);
	free(log);
}
