/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate ouch: an OUCH 4.2 / SoupBinTCP 3.0 client for people and
 * scripts. Order commands come in on stdin, one JSON object a line with
 * the field names of ouch42.md; every packet the server sends (but
 * heartbeats) goes out on stdout as one JSON object a line, flushed per
 * line. docs/ouch-client.md is the reference.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/tg_cli.h"
#include "ouch/tg_ouch_client.h"

#define TG_OUCH_CLI_LINE_MAX	65536	/* longest command line read from stdin */
#define TG_OUCH_CLI_CONNECT_MS	15000	/* connect and login: SoupBinTCP's silence limit */
#define TG_OUCH_CLI_LOGOUT_MS	5000	/* how long the server may take to close after a logout */

static const char tg_ouch_cli_help[] =
"usage: tickgate ouch --connect HOST:PORT --user U [--password-file F]\n"
"                     [--session S] [--seq N] [--timeout SECONDS]\n"
"\n"
"An OUCH 4.2 client over SoupBinTCP 3.0. Logs in, then sends each line of\n"
"stdin (one JSON object: an OUCH inbound message with the field names of\n"
"ouch42.md, e.g. {\"type\":\"O\",\"order_token\":\"T1\",\"buy_sell_indicator\":\"B\",\n"
"\"shares\":100,\"stock\":\"AAPL\",\"price\":1500000}) and prints every packet\n"
"received, but heartbeats, as one JSON object a line. Also on stdin:\n"
"{\"type\":\"logout\"} and {\"type\":\"debug\",\"text\":\"...\"}. Blank lines and lines\n"
"starting with '#' are skipped. See docs/ouch-client.md.\n"
"\n"
"  --connect HOST:PORT   the gateway ([ADDR]:PORT for IPv6)\n"
"  --user U              SoupBinTCP username, at most 6 characters\n"
"  --password-file F     the password is the first line of F; without it,\n"
"                        $TICKGATE_PASSWORD, else empty (at most 10 characters)\n"
"  --session S           the session to join (default: blank = current)\n"
"  --seq N               requested sequence number: 1 = every message of the\n"
"                        session from the first (default), 0 = only new ones,\n"
"                        N = from message N on\n"
"  --timeout SECONDS     once stdin is closed, log out after this long without\n"
"                        a packet from the server (default: stay until the\n"
"                        server ends the session; Ctrl-C logs out)\n"
"\n"
"Exit status: 0 after End of Session or a logout (and every line sent),\n"
"1 on a login reject, a dropped link, or any bad input line (each named on\n"
"stderr; the client goes on with the next), 2 bad usage.\n";

struct tg_ouch_cli {
	const char *connect;
	const char *user;
	const char *password_file;
	const char *session;
	uint64_t seq;
	int64_t timeout_ns;		/* -1: none */

	struct tg_ouch_client *c;
	int logged_in;
	int stdin_open;
	int logout_sent;
	uint64_t logout_deadline;	/* monotonic ns */
	uint64_t last_input;		/* monotonic ns of the last packet shown, or of stdin's end */
	unsigned long lineno;
	unsigned long bad_lines;
	size_t line_len;
	int line_skip;			/* the current line was too long: drop it to its end */
	char line[TG_OUCH_CLI_LINE_MAX + 1];
};

static volatile sig_atomic_t tg_ouch_cli_stop;

/* SIGINT/SIGTERM: counted here, acted on in the main loop. */
static void
tg_ouch_cli_signal(int sig)
{
	(void)sig;
	/* the first asks for a logout, a second one leaves at once */
	tg_ouch_cli_stop++;
}

/* Monotonic nanoseconds, for --timeout and the logout grace. */
static uint64_t
tg_ouch_cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Parse argv into o. TG_EXIT_OK to go on, else the exit status. */
static int
tg_ouch_cli_parse(int argc, char **argv, struct tg_ouch_cli *o, int *help)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val;
		char *end;

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			*help = 1;
			return TG_EXIT_OK;
		}
		if (strcmp(opt, "--connect") && strcmp(opt, "--user") &&
		    strcmp(opt, "--password-file") && strcmp(opt, "--session") &&
		    strcmp(opt, "--seq") && strcmp(opt, "--timeout"))
			return tg_cli_usage_error("ouch", "unknown argument '%s'", opt);
		if (i + 1 >= argc)
			return tg_cli_usage_error("ouch", "%s needs a value", opt);
		val = argv[++i];
		if (!strcmp(opt, "--connect")) {
			o->connect = val;
		} else if (!strcmp(opt, "--user")) {
			if (strlen(val) > TG_SOUP_USER_LEN)
				return tg_cli_usage_error("ouch", "--user must be at most %d characters",
							  TG_SOUP_USER_LEN);
			o->user = val;
		} else if (!strcmp(opt, "--password-file")) {
			o->password_file = val;
		} else if (!strcmp(opt, "--session")) {
			if (strlen(val) > TG_SOUP_SESSION_LEN)
				return tg_cli_usage_error("ouch", "--session must be at most %d characters",
							  TG_SOUP_SESSION_LEN);
			o->session = val;
		} else if (!strcmp(opt, "--seq")) {
			errno = 0;
			o->seq = strtoull(val, &end, 10);
			if (!*val || *end || errno || strspn(val, "0123456789") != strlen(val))
				return tg_cli_usage_error("ouch", "--seq must be a whole number, not '%s'", val);
		} else {
			double s = strtod(val, &end);

			if (!*val || *end || !(s >= 0) || s > 1e9)
				return tg_cli_usage_error("ouch", "--timeout must be a number of seconds, not '%s'",
							  val);
			o->timeout_ns = (int64_t)(s * 1e9);
		}
	}
	if (!o->connect)
		return tg_cli_usage_error("ouch", "--connect HOST:PORT is required");
	if (!o->user)
		return tg_cli_usage_error("ouch", "--user is required");
	return TG_EXIT_OK;
}

/*
 * The password: the first line of --password-file, else $TICKGATE_PASSWORD,
 * else empty. Never printed.
 */
static int
tg_ouch_cli_password(const struct tg_ouch_cli *o, char *pw, size_t pwlen)
{
	const char *env;

	pw[0] = 0;
	if (o->password_file) {
		FILE *f = fopen(o->password_file, "r");

		if (!f) {
			fprintf(stderr, "tickgate ouch: cannot read %s: %s\n", o->password_file,
				strerror(errno));
			return TG_EXIT_FAIL;
		}
		if (!fgets(pw, (int)pwlen, f))
			pw[0] = 0;
		fclose(f);
		pw[strcspn(pw, "\r\n")] = 0;
	} else if ((env = getenv("TICKGATE_PASSWORD"))) {
		snprintf(pw, pwlen, "%s", env);
	}
	if (strlen(pw) > TG_SOUP_PASSWORD_LEN) {
		explicit_bzero(pw, pwlen);
		return tg_cli_usage_error("ouch", "the password is longer than %d characters",
					  TG_SOUP_PASSWORD_LEN);
	}
	return TG_EXIT_OK;
}

/* Print one JSON object as a line, flushed so a pipe sees it at once. */
static void
tg_ouch_cli_print(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		free(s);
	}
	json_decref(j);
}

/* Name a bad input line on stderr and count it (the exit status becomes 1). */
static void
tg_ouch_cli_bad_line(struct tg_ouch_cli *o, const char *fmt, const char *what)
{
	fprintf(stderr, "tickgate ouch: line %lu: ", o->lineno);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	o->bad_lines++;
}

/* Send a Logout Request once, stop reading stdin, and give the server 5 s to close. */
static void
tg_ouch_cli_logout(struct tg_ouch_cli *o)
{
	if (o->logout_sent)
		return;
	o->logout_sent = 1;
	o->stdin_open = 0;
	o->logout_deadline = tg_ouch_cli_now() + TG_OUCH_CLI_LOGOUT_MS * 1000000ull;
	/* a link that is already gone shows up in the next process */
	tg_ouch_client_logout(o->c);
}

/* One command line from stdin: an OUCH message, a logout or a debug text. */
static void
tg_ouch_cli_command(struct tg_ouch_cli *o, char *s)
{
	struct tg_ouch_in m;
	json_error_t jerr;
	char err[JSON_ERROR_TEXT_LENGTH + 32];
	const char *type;
	json_t *j;
	int rc;

	s += strspn(s, " \t\r");
	if (!*s || *s == '#')
		return;
	j = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		snprintf(err, sizeof(err), "%s (column %d)", jerr.text, jerr.column);
		tg_ouch_cli_bad_line(o, "invalid JSON: %s", err);
		return;
	}
	type = json_string_value(json_object_get(j, "type"));
	if (type && !strcmp(type, "logout")) {
		tg_ouch_cli_logout(o);
	} else if (type && !strcmp(type, "debug")) {
		const char *text = json_string_value(json_object_get(j, "text"));

		if (!text || json_object_size(j) != 2)
			tg_ouch_cli_bad_line(o, "%s", "debug: wants exactly {\"type\":\"debug\",\"text\":STRING}");
		else if ((rc = tg_ouch_client_send_packet(o->c, TG_SOUP_DEBUG, text,
							  strlen(text))) < 0)
			tg_ouch_cli_bad_line(o, "debug not sent: %s", strerror(-rc));
	} else if (tg_ouch_in_from_json(j, &m, err, sizeof(err))) {
		tg_ouch_cli_bad_line(o, "%s", err);
	} else if ((rc = tg_ouch_client_send(o->c, &m)) < 0) {
		tg_ouch_cli_bad_line(o, "not sent: %s", strerror(-rc));
	}
	json_decref(j);
}

/*
 * Read what stdin has and act on every whole line. At the end of stdin a
 * last line without a newline still counts.
 */
static void
tg_ouch_cli_read_stdin(struct tg_ouch_cli *o)
{
	char buf[4096];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n < 0)
			fprintf(stderr, "tickgate ouch: reading stdin: %s\n", strerror(errno));
		if (o->line_len && !o->line_skip) {
			o->lineno++;
			o->line[o->line_len] = 0;
			tg_ouch_cli_command(o, o->line);
		}
		o->line_len = 0;
		o->stdin_open = 0;
		o->last_input = tg_ouch_cli_now();
		return;
	}
	for (ssize_t i = 0; i < n && o->stdin_open; i++) {
		if (buf[i] == '\n') {
			o->lineno++;
			if (o->line_skip) {
				tg_ouch_cli_bad_line(o, "longer than %s bytes", "65536");
			} else {
				o->line[o->line_len] = 0;
				tg_ouch_cli_command(o, o->line);
			}
			o->line_len = 0;
			o->line_skip = 0;
		} else if (o->line_len < TG_OUCH_CLI_LINE_MAX) {
			o->line[o->line_len++] = buf[i];
		} else {
			o->line_skip = 1;
		}
	}
}

/*
 * Show one event and say what it means for the run: -1 go on, else the
 * exit status to end with.
 */
static int
tg_ouch_cli_event(struct tg_ouch_cli *o, const struct tg_ouch_event *ev)
{
	if (ev->type != TG_OUCH_EV_CLOSED) {
		tg_ouch_cli_print(tg_ouch_event_to_json(ev));
		o->last_input = tg_ouch_cli_now();
	}
	switch (ev->type) {
	case TG_OUCH_EV_LOGIN_ACCEPTED:
		o->logged_in = 1;
		return -1;
	case TG_OUCH_EV_LOGIN_REJECTED:
		fprintf(stderr, "tickgate ouch: login rejected (%c)\n", ev->reject_code);
		return TG_EXIT_FAIL;
	case TG_OUCH_EV_END_OF_SESSION:
		return TG_EXIT_OK;
	case TG_OUCH_EV_CLOSED:
		return TG_EXIT_OK;
	default:
		return -1;
	}
}

/* Say why the link ended, in one line, and return the failure status. */
static int
tg_ouch_cli_link_error(int rc)
{
	switch (rc) {
	case -ECONNRESET:
		fprintf(stderr, "tickgate ouch: the server dropped the link\n");
		break;
	case -ETIMEDOUT:
		fprintf(stderr, "tickgate ouch: nothing from the server for %llu s: link dropped\n",
			TG_SOUP_TIMEOUT_NS / 1000000000ull);
		break;
	case -EPROTO:
		fprintf(stderr, "tickgate ouch: the server sent a bad SoupBinTCP packet length\n");
		break;
	default:
		fprintf(stderr, "tickgate ouch: link failed: %s\n", strerror(-rc));
		break;
	}
	return TG_EXIT_FAIL;
}

/* The poll timeout: the nearest of the client's timers and our own. */
static int
tg_ouch_cli_wait_ms(const struct tg_ouch_cli *o, uint64_t now)
{
	int ms = tg_ouch_client_timeout_ms(o->c);
	uint64_t due = UINT64_MAX;

	if (o->logout_sent)
		due = o->logout_deadline;
	else if (!o->stdin_open && o->timeout_ns >= 0)
		due = o->last_input + (uint64_t)o->timeout_ns;
	if (due != UINT64_MAX) {
		uint64_t left = due > now ? (due - now + 999999) / 1000000 : 0;

		if (left < (uint64_t)ms)
			ms = (int)left;
	}
	if (tg_ouch_cli_stop && !o->logout_sent)
		ms = 0;
	return ms;
}

/* Log in, then serve stdin and the link until the session is over. */
static int
tg_ouch_cli_session(struct tg_ouch_cli *o)
{
	static struct tg_ouch_event ev;
	uint64_t login_deadline = tg_ouch_cli_now() + TG_OUCH_CLI_CONNECT_MS * 1000000ull;

	for (;;) {
		struct pollfd pfd[2];
		nfds_t nfds = 1;
		uint64_t now;
		int rc;

		while ((rc = tg_ouch_client_process(o->c, &ev)) > 0) {
			int st = tg_ouch_cli_event(o, &ev);

			if (st >= 0)
				return st;
		}
		if (rc < 0)
			return tg_ouch_cli_link_error(rc);

		if (tg_ouch_cli_stop > 1)
			return TG_EXIT_OK;
		now = tg_ouch_cli_now();
		if (!o->logged_in && now >= login_deadline) {
			fprintf(stderr, "tickgate ouch: no answer to the login within %d s\n",
				TG_OUCH_CLI_CONNECT_MS / 1000);
			return TG_EXIT_FAIL;
		}
		if (o->logout_sent && now >= o->logout_deadline)
			return TG_EXIT_OK;	/* logged out; the server just did not close */
		if (!o->logout_sent && (tg_ouch_cli_stop ||
		    (o->logged_in && !o->stdin_open && o->timeout_ns >= 0 &&
		     now - o->last_input >= (uint64_t)o->timeout_ns))) {
			tg_ouch_cli_logout(o);
			continue;
		}

		pfd[0] = (struct pollfd){ .fd = tg_ouch_client_fd(o->c),
					  .events = tg_ouch_client_events(o->c) };
		/* stdin waits while output does: a burst of lines never overfills it */
		if (o->logged_in && o->stdin_open && !(pfd[0].events & POLLOUT))
			pfd[nfds++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		rc = poll(pfd, nfds, tg_ouch_cli_wait_ms(o, now));
		if (rc < 0 && errno != EINTR) {
			fprintf(stderr, "tickgate ouch: poll: %s\n", strerror(errno));
			return TG_EXIT_FAIL;
		}
		if (rc > 0 && nfds > 1 && pfd[1].revents)
			tg_ouch_cli_read_stdin(o);
	}
}

/* `tickgate ouch`: parse, read the password, connect, log in, run the session. */
int
tg_cmd_ouch(int argc, char **argv)
{
	struct tg_ouch_cli *o = calloc(1, sizeof(*o));
	struct sigaction sa = { .sa_handler = tg_ouch_cli_signal };
	char pw[256];
	struct tg_soup_login login;
	int help = 0, st, rc;

	if (!o) {
		fprintf(stderr, "tickgate ouch: out of memory\n");
		return TG_EXIT_FAIL;
	}
	o->seq = 1;
	o->timeout_ns = -1;
	o->stdin_open = 1;
	st = tg_ouch_cli_parse(argc, argv, o, &help);
	if (st != TG_EXIT_OK || help) {
		if (help)
			fputs(tg_ouch_cli_help, stdout);
		free(o);
		return st;
	}
	st = tg_ouch_cli_password(o, pw, sizeof(pw));
	if (st != TG_EXIT_OK) {
		free(o);
		return st;
	}
	tg_ouch_client_login_init(&login, o->user, pw, o->session, o->seq);
	explicit_bzero(pw, sizeof(pw));

	rc = tg_ouch_client_connect(o->connect, TG_OUCH_CLI_CONNECT_MS, &o->c);
	if (rc) {
		fprintf(stderr, "tickgate ouch: cannot connect to %s: %s\n", o->connect,
			rc == -EINVAL ? "not HOST:PORT" :
			rc == -EHOSTUNREACH ? "unknown host" : strerror(-rc));
		explicit_bzero(&login, sizeof(login));
		free(o);
		return rc == -EINVAL ? TG_EXIT_USAGE : TG_EXIT_FAIL;
	}
	rc = tg_ouch_client_login(o->c, &login);
	explicit_bzero(&login, sizeof(login));
	if (rc) {
		st = tg_ouch_cli_link_error(rc);
	} else {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		st = tg_ouch_cli_session(o);
	}
	tg_ouch_client_close(o->c);
	if (st == TG_EXIT_OK && o->bad_lines) {
		fprintf(stderr, "tickgate ouch: %lu bad input line%s\n", o->bad_lines,
			o->bad_lines == 1 ? "" : "s");
		st = TG_EXIT_FAIL;
	}
	free(o);
	return st;
}
