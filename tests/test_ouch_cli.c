/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `tickgate ouch` end to end: the built binary against a scripted
 * SoupBinTCP peer on 127.0.0.1. The peer checks the login and every
 * order on the wire against the layouts of protocols/ouch42.md (framed
 * and laid out by hand, not by host/ouch), answers with every OUCH
 * outbound message, and the JSON lines the client prints must carry the
 * same values. Exit statuses follow design.md: 0 ok, 1 failure, 2 usage.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_ouch_util.h"

#define WAIT_MS 10000

static const char tickgate[] = TG_BUILD_DIR "/tickgate";

struct run {
	pid_t pid;
	char out[128], err[128];
};

/*
 * Start tickgate with argv (after "tickgate"), stdin from the file
 * stdin_path (or /dev/null), stdout and stderr to files in otmp.
 */
static void
spawn(struct run *r, const char *stdin_path, const char *password_env, const char **args)
{
	const char *argv[32] = { tickgate };
	int n = 1;

	while (*args)
		argv[n++] = *args++;
	argv[n] = NULL;
	snprintf(r->out, sizeof(r->out), "%s/out", otmp);
	snprintf(r->err, sizeof(r->err), "%s/err", otmp);
	r->pid = fork();
	cr_assert_geq(r->pid, 0);
	if (r->pid == 0) {
		int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
		int out = open(r->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(r->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (in < 0 || out < 0 || err < 0)
			_exit(127);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		if (password_env)
			setenv("TICKGATE_PASSWORD", password_env, 1);
		else
			unsetenv("TICKGATE_PASSWORD");
		execv(tickgate, (char **)argv);
		_exit(127);
	}
}

/* The exit status, waiting at most WAIT_MS (the child is killed after). */
static int
reap(struct run *r)
{
	int st;

	for (int i = 0; i < WAIT_MS / 10; i++) {
		pid_t p = waitpid(r->pid, &st, WNOHANG);

		if (p == r->pid) {
			cr_assert(WIFEXITED(st), "tickgate ouch died of a signal");
			return WEXITSTATUS(st);
		}
		usleep(10000);
	}
	kill(r->pid, SIGKILL);
	waitpid(r->pid, &st, 0);
	cr_assert_fail("tickgate ouch did not exit within %d ms", WAIT_MS);
	return -1;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 16];
	size_t n;

	cr_assert(f, "cannot read %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* The JSON lines of stdout, each one object. */
static json_t *
out_lines(const struct run *r)
{
	json_t *a = json_array();
	char *s = slurp(r->out), *save, *line;

	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t e;
		json_t *j = json_loads(line, 0, &e);

		cr_assert(json_is_object(j), "stdout line is not a JSON object: %s", line);
		json_array_append_new(a, j);
	}
	return a;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert(f);
	fputs(text, f);
	fclose(f);
}

static int lfd;
static char addr[32];

static void
setup(void)
{
	uint16_t port;

	ospec_load();
	otmp_make();
	lfd = opeer_listen(&port);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
}

static void
teardown(void)
{
	close(lfd);
	otmp_remove();
}

TestSuite(ouch_cli, .init = setup, .fini = teardown, .timeout = 60);

/* A Login Request payload as the page lays it out: a6, a10, a10, right-justified a20. */
static const char *
login46(const char *user, const char *pw, const char *session, unsigned long long seq)
{
	static char s[64];

	snprintf(s, sizeof(s), "%-6s%-10s%-10s%20llu", user, pw, session, seq);
	return s;
}

/* Accept the client, check its Login Request, answer with Login Accepted. */
static int
peer_login(const char *login, const char *session, uint64_t seq)
{
	int fd = opeer_accept(lfd, WAIT_MS);
	uint8_t p[64];
	size_t len;

	opeer_expect(fd, 'L', p, &len, WAIT_MS);
	cr_assert_eq(len, 46);
	cr_assert_arr_eq(p, login, 46, "login was '%.46s', want '%s'", (char *)p, login);
	opeer_accept_payload(p, session, seq);
	opeer_send(fd, 'A', p, 30);
	return fd;
}

/* The next packet must be Unsequenced Data laid out as the page says for j. */
static void
peer_expect_order(int fd, const char *json)
{
	json_t *j = json_loads(json, 0, NULL);
	uint8_t p[1100], want[128];
	size_t len, wn;

	cr_assert(j, "bad fixture %s", json);
	wn = ospec_encode(&ospec_in[(uint8_t)json_string_value(json_object_get(j, "type"))[0]],
			  j, want);
	opeer_expect(fd, 'U', p, &len, WAIT_MS);
	cr_assert_eq(len, wn);
	cr_assert_arr_eq(p, want, wn, "not the bytes of %s", json);
	json_decref(j);
}

Test(ouch_cli, orders_out_every_message_back_bad_lines_named)
{
	char in[128], pw[128];
	struct run r;
	uint64_t rng = 5;
	json_t *sent_out = json_array();

	snprintf(in, sizeof(in), "%s/orders.jsonl", otmp);
	snprintf(pw, sizeof(pw), "%s/pw", otmp);
	write_file(pw, "filepw\nnot-this-line\n");
	write_file(in,
		   "{\"type\":\"O\",\"order_token\":\"ORD1\",\"buy_sell_indicator\":\"B\",\"shares\":100,"
		   "\"stock\":\"AAPL\",\"price\":1500000}\n"
		   "{\"type\":\"O\", oops\n"
		   "{\"type\":\"O\",\"order_token\":\"ORD2\",\"buy_sell_indicator\":\"S\",\"shares\":5,"
		   "\"stock\":\"MSFT\",\"price\":1,\"qty\":3}\n"
		   "\n"
		   "# cancel the rest of ORD1\n"
		   "{\"type\":\"X\",\"order_token\":\"ORD1\"}\n"
		   "{\"type\":\"debug\",\"text\":\"hello\"}\n"
		   "{\"type\":\"U\",\"existing_order_token\":\"ORD1\",\"replacement_order_token\":\"ORD1b\","
		   "\"shares\":50,\"price\":1490000,\"time_in_force\":0}\n"
		   "{\"type\":\"M\",\"order_token\":\"ORD1b\",\"buy_sell_indicator\":\"S\",\"shares\":20}");
	spawn(&r, in, "not-used", (const char *[]){ "ouch", "--connect", addr, "--user", "alice",
						    "--password-file", pw, NULL });

	int fd = peer_login(login46("alice", "filepw", "", 1), "S1", 1);

	peer_expect_order(fd, "{\"type\":\"O\",\"order_token\":\"ORD1\",\"buy_sell_indicator\":\"B\","
			  "\"shares\":100,\"stock\":\"AAPL\",\"price\":1500000,\"time_in_force\":99999,"
			  "\"firm\":\"\",\"display\":\"Y\",\"capacity\":\"A\","
			  "\"intermarket_sweep_eligibility\":\"N\",\"minimum_quantity\":0,"
			  "\"cross_type\":\"N\",\"customer_type\":\" \"}");
	peer_expect_order(fd, "{\"type\":\"X\",\"order_token\":\"ORD1\",\"shares\":0}");
	uint8_t p[64];
	size_t len;

	opeer_expect(fd, '+', p, &len, WAIT_MS);
	cr_assert_eq(len, 5);
	cr_assert_arr_eq(p, "hello", 5);
	peer_expect_order(fd, "{\"type\":\"U\",\"existing_order_token\":\"ORD1\","
			  "\"replacement_order_token\":\"ORD1b\",\"shares\":50,\"price\":1490000,"
			  "\"time_in_force\":0,\"display\":\"Y\",\"intermarket_sweep_eligibility\":\"N\","
			  "\"minimum_quantity\":0}");
	peer_expect_order(fd, "{\"type\":\"M\",\"order_token\":\"ORD1b\",\"buy_sell_indicator\":\"S\","
			  "\"shares\":20}");

	/* every outbound type back, then a debug line and the end of the session */
	for (int t = 0; t < 256; t++) {
		if (!ospec_out[t].len)
			continue;
		json_t *j = ospec_random(&ospec_out[t], (char)t, &rng);
		uint8_t b[128];

		opeer_send(fd, 'S', b, ospec_encode(&ospec_out[t], j, b));
		json_array_append_new(sent_out, j);
	}
	opeer_send(fd, '+', "bye", 3);
	opeer_send(fd, 'Z', NULL, 0);
	close(fd);

	cr_assert_eq(reap(&r), 1, "bad input lines make the exit status 1");
	json_t *lines = out_lines(&r);
	size_t nout = json_array_size(sent_out);

	cr_assert_eq(json_array_size(lines), 1 + nout + 2, "stdout:\n%s", slurp(r.out));
	cr_assert(json_equal(json_array_get(lines, 0),
			     json_pack("{s:s,s:s,s:i}", "type", "login_accepted", "session", "S1",
				       "sequence", 1)),
		  "first line: %s", json_dumps(json_array_get(lines, 0), 0));
	for (size_t i = 0; i < nout; i++) {
		json_t *l = json_array_get(lines, 1 + i);

		cr_assert_eq(json_integer_value(json_object_get(l, "sequence")), (json_int_t)(1 + i));
		json_object_del(l, "sequence");
		cr_assert(json_equal(l, json_array_get(sent_out, i)), "line %zu: %s, sent %s", 2 + i,
			  json_dumps(l, JSON_COMPACT),
			  json_dumps(json_array_get(sent_out, i), JSON_COMPACT));
	}
	cr_assert(json_equal(json_array_get(lines, 1 + nout),
			     json_pack("{s:s,s:s}", "type", "debug", "text", "bye")));
	cr_assert(json_equal(json_array_get(lines, 2 + nout),
			     json_pack("{s:s}", "type", "end_of_session")));

	char *err = slurp(r.err);

	cr_assert(strstr(err, "line 2: invalid JSON"), "stderr: %s", err);
	cr_assert(strstr(err, "line 3: qty"), "stderr: %s", err);
	cr_assert(!strstr(err, "line 1:") && !strstr(err, "line 6:"), "stderr: %s", err);
	cr_assert(!strstr(err, "filepw"), "the password must never be printed");
	json_decref(lines);
	json_decref(sent_out);
}

Test(ouch_cli, clean_session_exits_0)
{
	char in[128];
	struct run r;

	snprintf(in, sizeof(in), "%s/one.jsonl", otmp);
	write_file(in, "{\"type\":\"X\",\"order_token\":\"A\",\"shares\":3}\n");
	spawn(&r, in, NULL, (const char *[]){ "ouch", "--connect", addr, "--user", "u1", NULL });
	int fd = peer_login(login46("u1", "", "", 1), "", 17);

	peer_expect_order(fd, "{\"type\":\"X\",\"order_token\":\"A\",\"shares\":3}");
	opeer_send(fd, 'Z', NULL, 0);
	close(fd);
	cr_assert_eq(reap(&r), 0, "stderr: %s", slurp(r.err));
	json_t *lines = out_lines(&r);

	cr_assert_eq(json_array_size(lines), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(lines, 0), "sequence")), 17);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(lines, 0), "session")), "");
	json_decref(lines);
}

Test(ouch_cli, login_reject_exits_1)
{
	struct run r;
	uint8_t p[64];
	size_t len;

	spawn(&r, NULL, "pw", (const char *[]){ "ouch", "--connect", addr, "--user", "eve", NULL });
	int fd = opeer_accept(lfd, WAIT_MS);

	opeer_expect(fd, 'L', p, &len, WAIT_MS);
	cr_assert_arr_eq(p, login46("eve", "pw", "", 1), 46);
	opeer_send(fd, 'J', "A", 1);
	close(fd);
	cr_assert_eq(reap(&r), 1);
	json_t *lines = out_lines(&r);

	cr_assert_eq(json_array_size(lines), 1);
	cr_assert(json_equal(json_array_get(lines, 0),
			     json_pack("{s:s,s:s}", "type", "login_rejected", "reason", "A")));
	cr_assert(strstr(slurp(r.err), "rejected"));
	json_decref(lines);
}

Test(ouch_cli, dropped_link_exits_1)
{
	struct run r;

	spawn(&r, NULL, NULL, (const char *[]){ "ouch", "--connect", addr, "--user", "u", NULL });
	int fd = peer_login(login46("u", "", "", 1), "S", 1);

	close(fd);
	cr_assert_eq(reap(&r), 1);
	cr_assert(strstr(slurp(r.err), "dropped"), "stderr: %s", slurp(r.err));
}

/*
 * Stdin closed and --timeout 1: the client logs out once the server has
 * sent nothing but heartbeats for a second, and exits 0 when it closes.
 */
Test(ouch_cli, timeout_logs_out_after_stdin_ends)
{
	struct run r;
	char type;
	uint8_t p[64];
	size_t len;
	int got_logout = 0;

	spawn(&r, NULL, "envpw", (const char *[]){ "ouch", "--connect", addr, "--user", "carol",
						   "--session", "ABC", "--seq", "0",
						   "--timeout", "1", NULL });
	int fd = peer_login(login46("carol", "envpw", "ABC", 0), "ABC", 1);

	for (int i = 0; i < 100 && !got_logout; i++) {
		int rc = opeer_read(fd, &type, p, &len, 200);

		if (rc == 1) {
			cr_assert(type == 'R' || type == 'O', "unexpected '%c'", type);
			got_logout = type == 'O';
		} else {
			cr_assert_eq(rc, -1, "EOF before a logout");
			opeer_send(fd, 'H', NULL, 0);
		}
	}
	cr_assert(got_logout, "no Logout Request within 20 s of --timeout 1");
	close(fd);
	cr_assert_eq(reap(&r), 0, "stderr: %s", slurp(r.err));
	json_t *lines = out_lines(&r);

	cr_assert_eq(json_array_size(lines), 1, "heartbeats are not printed");
	json_decref(lines);
}

/* {"type":"logout"} on stdin: a Logout Request, and nothing of what follows it. */
Test(ouch_cli, logout_command)
{
	char in[128];
	struct run r;
	uint8_t p[64];
	size_t len;

	snprintf(in, sizeof(in), "%s/logout.jsonl", otmp);
	write_file(in, "{\"type\":\"logout\"}\n{\"type\":\"X\",\"order_token\":\"LATE\"}\n");
	spawn(&r, in, NULL, (const char *[]){ "ouch", "--connect", addr, "--user", "u", NULL });
	int fd = peer_login(login46("u", "", "", 1), "S", 1);

	opeer_expect(fd, 'O', p, &len, WAIT_MS);
	opeer_send(fd, 'S', "S\0\0\0\0\0\0\0\0E", 10);	/* a last message after the logout */
	close(fd);
	cr_assert_eq(reap(&r), 0, "stderr: %s", slurp(r.err));
	json_t *lines = out_lines(&r);

	cr_assert_eq(json_array_size(lines), 2, "stdout: %s", slurp(r.out));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(lines, 1), "event_code")),
			 "E");
	json_decref(lines);
}

static int
run_status(const char **args)
{
	struct run r;

	spawn(&r, NULL, NULL, args);
	return reap(&r);
}

Test(ouch_cli, usage)
{
	struct run r;

	spawn(&r, NULL, NULL, (const char *[]){ "ouch", "--help", NULL });
	cr_assert_eq(reap(&r), 0);
	cr_assert(strstr(slurp(r.out), "--password-file"));

	cr_assert_eq(run_status((const char *[]){ "ouch", NULL }), 2);
	cr_assert_eq(run_status((const char *[]){ "ouch", "--connect", addr, NULL }), 2);
	cr_assert_eq(run_status((const char *[]){ "ouch", "--user", "u", NULL }), 2);
	cr_assert_eq(run_status((const char *[]){ "ouch", "--connect", addr, "--user", "toolong7",
						  NULL }), 2);
	cr_assert_eq(run_status((const char *[]){ "ouch", "--connect", addr, "--user", "u",
						  "--seq", "x1", NULL }), 2);
	cr_assert_eq(run_status((const char *[]){ "ouch", "--connect", addr, "--user", "u",
						  "--timeout", "-1", NULL }), 2);
	cr_assert_eq(run_status((const char *[]){ "ouch", "--connect", addr, "--user", "u",
						  "--bogus", NULL }), 2);
	cr_assert_eq(run_status((const char *[]){ "ouch", "--connect", "no-port", "--user", "u",
						  NULL }), 2);
	cr_assert(strstr(slurp(r.err), "tickgate ouch:"));
}

Test(ouch_cli, refused_connection_exits_1)
{
	uint16_t port;
	char a[32];
	int fd = opeer_listen(&port);

	close(fd);
	snprintf(a, sizeof(a), "127.0.0.1:%u", port);
	cr_assert_eq(run_status((const char *[]){ "ouch", "--connect", a, "--user", "u", NULL }), 1);
}

Test(ouch_cli, missing_password_file_exits_1)
{
	char pw[128];

	snprintf(pw, sizeof(pw), "%s/none", otmp);
	cr_assert_eq(run_status((const char *[]){ "ouch", "--connect", addr, "--user", "u",
						  "--password-file", pw, NULL }), 1);
}
