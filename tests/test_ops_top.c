/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `tickgate top` in a real terminal: tmux (a private server, one 80x24
 * window running a plain shell) types the commands and keys and captures
 * the screen. top must show its panes, change between captures as the
 * engine trades, switch views on its keys, and give the shell back with
 * the terminal's settings as they were: on q, on SIGTERM, and when the
 * appliance goes away (with a message and exit status 1).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "test_ops_util.h"

static const char ini[] =
	"[gateway]\n"
	"stocks = AAPL MSFT IBM\n"
	"[user.alice]\n"
	"firm = ACME\n"
	"[user.bob]\n"
	"firm = BETA\n"
	"[firm.ACME]\n"
	"max_daily_notional = 100000\n"
	"[surveillance]\n"
	"large_trade_shares = 100\n";

#define P(d, c) ((uint32_t)(d) * 10000u + (uint32_t)(c) * 100u)
#define PROMPT "ops$ "

static char tdir[64], tsock[128];

/* Run a tmux command on the private server; its exit status. */
static int
tmux(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
tmux(const char *fmt, ...)
{
	char args[1024], cmd[1300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "tmux -S '%s' %s", tsock, args);
	return system(cmd);
}

/* The screen as text, one line per row (static, until the next call). */
static const char *
screen(void)
{
	static char buf[16384];
	char cmd[256];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tmux -S '%s' capture-pane -p -t ops", tsock);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	pclose(p);
	return buf;
}

/* Wait (up to 10 s) until the screen shows s; the screen then. */
static const char *
wait_for(const char *s)
{
	for (int i = 0; i < 200; i++) {
		const char *sc = screen();

		if (strstr(sc, s))
			return sc;
		usleep(50000);
	}
	cr_assert_fail("the screen never showed '%s':\n%s", s, screen());
	return NULL;
}

/* Type a line into the shell. */
static void
type(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
type(const char *fmt, ...)
{
	char line[600], quoted[900];
	size_t k = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* the line goes to tmux inside single quotes */
	for (const char *p = line; *p && k < sizeof(quoted) - 5; p++) {
		if (*p == '\'') {
			memcpy(quoted + k, "'\\''", 4);
			k += 4;
		} else {
			quoted[k++] = *p;
		}
	}
	quoted[k] = 0;
	cr_assert_eq(tmux("send-keys -t ops -l '%s'", quoted), 0);
	cr_assert_eq(tmux("send-keys -t ops Enter"), 0);
}

/* The shell is back: a prompt is the last thing on the screen. */
static void
wait_prompt(void)
{
	for (int i = 0; i < 200; i++) {
		const char *sc = screen();
		size_t n = strlen(sc);

		while (n && (sc[n - 1] == '\n' || sc[n - 1] == ' '))
			n--;
		if (n >= 4 && !strncmp(sc + n - 4, "ops$", 4))
			return;
		usleep(50000);
	}
	cr_assert_fail("no prompt:\n%s", screen());
}

/* The terminal's settings now, as stty -g prints them. */
static char *
stty_now(const char *name)
{
	char path[160];
	char *s;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	type("stty -g > %s; stty -a > %s.a; tput cols > %s.cols", path, path, path);
	wait_prompt();
	for (int i = 0; i < 100 && !(s = tops_slurp(path)); i++)
		usleep(20000);
	cr_assert_not_null(s);
	return s;
}

static void
setup(void)
{
	tops_start(ini, "viewer");
	snprintf(tdir, sizeof(tdir), "/tmp/tg-top-XXXXXX");
	cr_assert_not_null(mkdtemp(tdir));
	snprintf(tsock, sizeof(tsock), "%s/tmux.sock", tdir);
	cr_assert_eq(tmux("new-session -d -s ops -x 80 -y 24 "
			  "\"env -i PATH=/usr/bin:/bin HOME=%s TERM=screen PS1='" PROMPT "' "
			  "bash --norc --noprofile -i\"", tdir), 0);
	wait_prompt();
}

static void
teardown(void)
{
	char cmd[128];

	tmux("kill-server");
	tops_stop();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	(void)system(cmd);
}

TestSuite(ops_top, .init = setup, .fini = teardown, .timeout = 90);

/* Trading that top can see: orders, fills, a large trade. */
static void
trade(int round)
{
	char t[3][8];

	snprintf(t[0], 8, "s%d", round);
	snprintf(t[1], 8, "b%d", round);
	snprintf(t[2], 8, "r%d", round);
	tops_order("bob", tord_enter(t[0], 'S', 200, "AAPL", P(10, 0), 99999));
	tops_order("alice", tord_enter(t[1], 'B', 150, "AAPL", P(10, 0), 99999));
	tops_order("alice", tord_enter(t[2], 'B', 10, "MSFT", P(20, 0), 99999));
}

/* Every row fits 80 columns and there are 24 of them. */
static void
check_80x24(const char *sc)
{
	int rows = 0;

	for (const char *p = sc; *p; rows++) {
		size_t n = strcspn(p, "\n");

		cr_expect(n <= 80, "row %d is %zu wide", rows, n);
		p += n + (p[n] == '\n');
	}
	cr_expect_eq(rows, 24, "%s", sc);
}

/* A feed snapshot as the feed lcore would publish it. */
static void
publish_feed(uint64_t frames)
{
	struct tg_stats_feed f;

	memset(&f, 0, sizeof(f));
	snprintf(f.card, sizeof(f.card), "model");
	f.counters[TG_CNT_FRAMES_A] = frames;
	f.counters[TG_CNT_FRAMES_B] = frames / 2;
	f.counters[TG_CNT_MESSAGES] = frames * 3;
	f.counters[TG_CNT_ERR_IP_CHECKSUM] = 7;
	f.nsessions = 1;
	snprintf(f.sessions[0].name, sizeof(f.sessions[0].name), "TGSESSION1");
	f.sessions[0].next_seq = frames * 3 + 1;
	f.h2c_size = 1024;
	f.c2h_size = 16384;
	tg_stats_feed_publish(T.feed, &f);
}

Test(ops_top, panes_updates_views_and_a_clean_exit)
{
	char *before = stty_now("before"), *after;
	const char *sc;
	char row[64];

	trade(0);
	publish_feed(1000);
	type(TICKGATE " top --socket %s --interval 0.3", T.sock);
	sc = wait_for("[1] overview");
	sc = wait_for("nearest limits");
	for (const char *pane = "stage\0latency\0busiest stocks (orders)\0nearest limits\0"
		     "recent alerts\0 q quit  h help\0"; *pane; pane += strlen(pane) + 1)
		cr_expect(strstr(sc, pane), "no pane '%s':\n%s", pane, sc);
	cr_expect(strstr(sc, " engine       orders"), "%s", sc);
	cr_expect(strstr(sc, " feed         frames"), "%s", sc);
	cr_expect(strstr(sc, "msgs 3000\n"), "%s", sc);
	snprintf(row, sizeof(row), " %-12s %11s ", "order > ack", "0");
	cr_expect(strstr(sc, row), "no '%s':\n%s", row, sc);
	cr_expect(strstr(sc, " firm     ACME"), "%s", sc);
	cr_expect(strstr(sc, "large_trade"), "%s", sc);
	check_80x24(sc);

	/* it follows the engine: the totals move between captures */
	sc = wait_for("orders 3\n");
	for (int r = 1; r <= 3; r++)
		trade(r);
	sc = wait_for("orders 12\n");
	/* rates once two polls are in */
	cr_expect(strstr(sc, "acks -") == NULL, "%s", sc);
	tg_hist_record(T.o2a[0], 12345);
	snprintf(row, sizeof(row), " %-12s %11s ", "order > ack", "1");
	sc = wait_for(row);
	cr_expect(strstr(sc, "12.3us"), "%s", sc);

	/* the views */
	publish_feed(4000);
	sc = wait_for("msgs 12000\n");
	tmux("send-keys -t ops 2");
	sc = wait_for("[2] feed");
	cr_expect(strstr(sc, "   line A frames "), "%s", sc);
	cr_expect(strstr(sc, "session TGSESSION1 next 12001"), "%s", sc);
	cr_expect(strstr(sc, "   ip_checksum "), "%s", sc);
	tmux("send-keys -t ops 3");
	sc = wait_for("[3] engine");
	cr_expect(strstr(sc, "rejects by reason"), "%s", sc);
	tmux("send-keys -t ops r");
	sc = wait_for("[4] risk");
	cr_expect(strstr(sc, "killed: all no"), "%s", sc);
	cr_expect(strstr(sc, "daily notional"), "%s", sc);
	tmux("send-keys -t ops a");
	sc = wait_for("[5] alerts");
	cr_expect(strstr(sc, "alerts by kind"), "%s", sc);
	cr_expect(strstr(sc, "large_trade"), "%s", sc);
	tmux("send-keys -t ops 6");
	sc = wait_for("[6] latency");
	cr_expect(strstr(sc, "control plane"), "%s", sc);
	check_80x24(sc);
	tmux("send-keys -t ops h");
	sc = wait_for("any key closes this help");
	cr_expect(strstr(sc, "1 o   overview"), "%s", sc);
	tmux("send-keys -t ops x");
	for (int i = 0; i < 100 && strstr(screen(), "any key closes"); i++)
		usleep(50000);
	cr_expect(!strstr(screen(), "any key closes"), "%s", screen());
	tmux("send-keys -t ops o");
	wait_for("[1] overview");

	/* q: the shell is back, the terminal as it was */
	tmux("send-keys -t ops q");
	wait_prompt();
	after = stty_now("after");
	cr_expect_str_eq(after, before);
	free(after);
	after = tops_slurp(strcat(strcpy((char[200]){ 0 }, tdir), "/after.a"));
	cr_assert_not_null(after);
	cr_expect(strstr(after, " icanon") && strstr(after, " echo ") && !strstr(after, "-icanon"),
		  "%s", after);
	free(after);
	after = tops_slurp(strcat(strcpy((char[200]){ 0 }, tdir), "/after.cols"));
	cr_expect_str_eq(after, "80\n");
	free(after);
	free(before);
}

Test(ops_top, signals_and_the_appliance_going_away)
{
	char *before = stty_now("before"), *after, pidp[160], *pid;
	const char *sc;

	/* SIGTERM */
	snprintf(pidp, sizeof(pidp), "%s/pid", tdir);
	type("sh -c 'echo $$ > %s; exec " TICKGATE " top --socket %s'; echo exit=$?", pidp, T.sock);
	wait_for("[1] overview");
	pid = tops_slurp(pidp);
	cr_assert_not_null(pid);
	cr_assert_eq(kill((pid_t)atoi(pid), SIGTERM), 0);
	free(pid);
	wait_for("exit=0");
	wait_prompt();
	after = stty_now("after1");
	cr_expect_str_eq(after, before);
	free(after);

	/* SIGINT, typed as Ctrl-C */
	type(TICKGATE " top --socket %s; echo exit=$?", T.sock);
	wait_for("[1] overview");
	tmux("send-keys -t ops C-c");
	wait_for("exit=0");
	wait_prompt();
	after = stty_now("after2");
	cr_expect_str_eq(after, before);
	free(after);

	/* the appliance goes away under it */
	type(TICKGATE " top --socket %s --interval 0.2; echo exit=$?", T.sock);
	wait_for("[1] overview");
	tops_stop();
	sc = wait_for("exit=1");
	cr_expect(strstr(sc, "tickgate top: the appliance went away: "), "%s", sc);
	wait_prompt();
	after = stty_now("after3");
	cr_expect_str_eq(after, before);
	free(after);

	/* nobody there at all: a message, the screen never taken */
	type(TICKGATE " top --socket %s/none.sock; echo exit=$?", tdir);
	sc = wait_for("exit=1");
	cr_expect(strstr(sc, "cannot connect to the appliance"), "%s", sc);
	free(before);
}
