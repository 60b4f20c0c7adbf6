/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "control/tg_ctl.h"
#include "test_ctlwire_util.h"

uint64_t
cw_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

char *
cw_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t cap = 0, n;
	FILE *m;
	char buf[4096];

	if (!f)
		return NULL;
	m = open_memstream(&s, &cap);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(f);
	fclose(m);
	return s;
}

/* RFC 4648 base32 of n bytes, upper case, no padding. */
static void
cw_base32(const uint8_t *p, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned bits = 0, acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8 | p[i]) & 0xffff;
		bits += 8;
		while (bits >= 5) {
			*out++ = a[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits)
		*out++ = a[(acc << (5 - bits)) & 31];
	*out = 0;
}

void
cw_setup(struct cw *w, const char *role, const char *gateway_extra, const char *extra)
{
	struct passwd *pw = getpwuid(getuid());
	char b32[64], sections[4096], gx[1024];
	FILE *f;
	time_t now;

	memset(w, 0, sizeof(*w));
	cr_assert(pw, "this process's user has no name");
	snprintf(w->me, sizeof(w->me), "%s", pw->pw_name);
	gwt_dir_make(&w->g);
	snprintf(w->sock, sizeof(w->sock), "%s/control.sock", w->g.dir);
	snprintf(w->audit, sizeof(w->audit), "%s/audit/audit.log", w->g.dir);
	snprintf(w->secret, sizeof(w->secret), "%s/%s.totp", w->g.dir, w->me);
	cr_assert_eq(RAND_bytes(w->key, sizeof(w->key)), 1);
	cw_base32(w->key, sizeof(w->key), b32);
	f = fopen(w->secret, "w");
	cr_assert(f);
	fprintf(f, "%s\n", b32);
	fclose(f);
	cr_assert_eq(chmod(w->secret, 0600), 0);

	snprintf(sections, sizeof(sections),
		 "[control]\nsocket = %s\naudit = %s\ntimeout_ms = 5000\n\n"
		 "[metrics]\nlisten = 127.0.0.1:0\n\n%s%s%s%s%s%s\n%s\n",
		 w->sock, w->audit,
		 role ? "[operator." : "", role ? w->me : "", role ? "]\nrole = " : "",
		 role ? role : "", role ? "\ntotp_secret_file = " : "", role ? w->secret : "",
		 extra ? extra : "");
	snprintf(gx, sizeof(gx), "sync = no\n%s", gateway_extra ? gateway_extra : "");
	gwt_config(&w->g, gx, sections);

	/* keep clear of a step boundary so the three codes of the window stay valid */
	now = time(NULL);
	if (now % 30 >= 24)
		sleep((unsigned)(31 - now % 30));
	w->step0 = (int64_t)(time(NULL) / 30);
	w->next_code = -1;
}

int
cw_start(struct cw *w)
{
	int rc = gwt_start(&w->g);
	char *log, *p;

	if (rc)
		return rc;
	log = gwt_log(&w->g);
	p = strstr(log, "metrics on http://127.0.0.1:");
	cr_assert(p, "no metrics line in the gateway's log:\n%s", log);
	/* the last start's line: a restart appends to the same log */
	for (char *q = p; (q = strstr(q + 1, "metrics on http://127.0.0.1:")); )
		p = q;
	w->metrics_port = (uint16_t)atoi(p + strlen("metrics on http://127.0.0.1:"));
	cr_assert(w->metrics_port);
	free(log);
	return 0;
}

void
cw_teardown(struct cw *w)
{
	gwt_dir_remove(&w->g);
}

json_t *
cw_call(struct cw *w, const char *cmd, const char *args, const char *totp)
{
	json_t *a = NULL, *reply = NULL;
	json_error_t je;
	char err[512];
	int rc;

	if (args)
		cr_assert((a = json_loads(args, 0, &je)), "bad args in the test: %s", args);
	rc = tg_ctl_call(w->sock, cmd, a, totp, 10000, &reply, err, sizeof(err));
	json_decref(a);
	cr_assert_eq(rc, 0, "%s: %s", cmd, err);
	return reply;
}

json_t *
cw_ok(struct cw *w, const char *cmd, const char *args, const char *totp)
{
	json_t *r = cw_call(w, cmd, args, totp);
	char *t = json_dumps(r, JSON_COMPACT);

	cr_assert(json_is_true(json_object_get(r, "ok")), "%s %s: %s", cmd, args ? args : "", t);
	free(t);
	return r;
}

void
cw_refused(struct cw *w, const char *cmd, const char *args, const char *totp, const char *what)
{
	json_t *r = cw_call(w, cmd, args, totp);
	const char *e = json_string_value(json_object_get(r, "error"));
	char *t = json_dumps(r, JSON_COMPACT);

	cr_assert(json_is_false(json_object_get(r, "ok")), "%s %s was not refused: %s", cmd,
		  args ? args : "", t);
	cr_assert(e && strstr(e, what), "%s: expected an error with '%s': %s", cmd, what, t);
	free(t);
	json_decref(r);
}

const char *
cw_code(const struct cw *w, int64_t step, char out[7])
{
	uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned len = 0, off;
	uint32_t bin;

	for (int i = 7; i >= 0; i--, step >>= 8)
		msg[i] = (uint8_t)step;
	cr_assert(HMAC(EVP_sha1(), w->key, sizeof(w->key), msg, sizeof(msg), mac, &len));
	off = mac[len - 1] & 0x0f;
	bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
	      (uint32_t)mac[off + 2] << 8 | mac[off + 3];
	snprintf(out, 7, "%06u", bin % 1000000);
	return out;
}

const char *
cw_fresh_code(struct cw *w, char out[7])
{
	cr_assert(w->next_code <= 1, "the test used more than the three codes of one window");
	return cw_code(w, w->step0 + w->next_code++, out);
}

const char *
cw_wrong_code(const struct cw *w, char out[7])
{
	int64_t now = (int64_t)(time(NULL) / 30);

	for (unsigned v = 0;; v++) {
		char c[3][7];

		snprintf(out, 7, "%06u", v);
		if (strcmp(out, cw_code(w, now - 1, c[0])) && strcmp(out, cw_code(w, now, c[1])) &&
		    strcmp(out, cw_code(w, now + 1, c[2])))
			return out;
	}
}

struct tg_ouch_client *
cw_login(struct cw *w, const char *user)
{
	static const char *const users[3] = { "alice", "bob", "carol" };
	struct tg_ouch_client *c;
	struct tg_soup_login l;
	struct tg_ouch_event ev;
	const char *pw = NULL;

	for (int i = 0; i < 3; i++)
		if (!strcmp(user, users[i]))
			pw = gwt_passwords[i];
	cr_assert(pw);
	cr_assert_eq(tg_ouch_client_connect(w->g.addr, 5000, &c), 0);
	tg_ouch_client_login_init(&l, user, pw, NULL, 0);
	cr_assert_eq(tg_ouch_client_login(c, &l), 0);
	cr_assert_eq(tg_ouch_client_wait(c, &ev, 10000), 1, "%s: no answer to the login", user);
	cr_assert_eq(ev.type, TG_OUCH_EV_LOGIN_ACCEPTED, "%s: login not accepted", user);
	return c;
}

void
cw_enter(struct tg_ouch_client *c, const char *token, char side, uint32_t shares,
	 const char *stock, uint32_t price)
{
	struct tg_ouch_in m = { .type = 'O' };

	tg_ouch_alpha(m.enter.token, TG_OUCH_TOKEN_LEN, token);
	m.enter.side = side;
	m.enter.shares = shares;
	tg_ouch_alpha(m.enter.stock, TG_OUCH_STOCK_LEN, stock);
	m.enter.price = price;
	m.enter.tif = 99999;
	tg_ouch_alpha(m.enter.firm, TG_OUCH_FIRM_LEN, "");
	m.enter.display = 'Y';
	m.enter.capacity = 'A';
	m.enter.ise = 'N';
	m.enter.cross_type = 'N';
	m.enter.customer_type = ' ';
	cr_assert_eq(tg_ouch_client_send(c, &m), 0);
}

int
cw_msg(struct tg_ouch_client *c, struct tg_ouch_out *m, int timeout_ms)
{
	struct tg_ouch_event ev;
	int rc = tg_ouch_client_wait(c, &ev, timeout_ms);

	if (rc == 0)
		return 0;
	cr_assert_eq(rc, 1, "client: %s", strerror(-rc));
	cr_assert_eq(ev.type, TG_OUCH_EV_MESSAGE, "client event %d instead of a message", ev.type);
	*m = ev.msg;
	return 1;
}

struct tg_ouch_out
cw_expect(struct tg_ouch_client *c, char type, char reason)
{
	struct tg_ouch_out m;

	cr_assert_eq(cw_msg(c, &m, 5000), 1, "no '%c' within 5 s", type);
	cr_assert_eq(m.type, type, "got '%c', expected '%c'", m.type, type);
	if (type == 'C')
		cr_assert_eq(m.canceled.reason, reason, "Canceled with reason '%c', expected '%c'",
			     m.canceled.reason, reason);
	if (type == 'J')
		cr_assert_eq(m.rejected.reason, reason, "Rejected with reason '%c', expected '%c'",
			     m.rejected.reason, reason);
	return m;
}

void
cw_quiet(struct tg_ouch_client *c, int ms)
{
	struct tg_ouch_out m;

	cr_assert_eq(cw_msg(c, &m, ms), 0, "unexpected '%c'", m.type);
}

char *
cw_scrape(struct cw *w)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(w->metrics_port) };
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
	char *s = NULL, *body;
	size_t cap = 0;
	FILE *m = open_memstream(&s, &cap);
	char buf[8192];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "metrics: %s",
		     strerror(errno));
	cr_assert_eq(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, m);
	close(fd);
	fclose(m);
	cr_assert(s && !strncmp(s, "HTTP/1.", 7) && strstr(s, " 200 "), "metrics answered: %.200s", s);
	body = strstr(s, "\r\n\r\n");
	cr_assert(body);
	body = strdup(body + 4);
	free(s);
	return body;
}

double
cw_sample(const char *body, const char *sample)
{
	size_t k = strlen(sample);

	for (const char *p = body; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, sample, k) && p[k] == ' ')
			return strtod(p + k + 1, NULL);
	return -1;
}

int
cw_promtool(const char *body)
{
	char path[] = "/tmp/tg-cw-metrics-XXXXXX", cmd[256];
	int fd = mkstemp(path), st;
	FILE *f = fdopen(fd, "w");

	fputs(body, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' >&2", path);
	st = system(cmd);
	unlink(path);
	cr_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

int
cw_tickgate(char **out, char **err, const char *fmt, ...)
{
	char args[1024], cmd[1400], po[] = "/tmp/tg-cw-out-XXXXXX", pe[] = "/tmp/tg-cw-err-XXXXXX";
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	close(mkstemp(po));
	close(mkstemp(pe));
	snprintf(cmd, sizeof(cmd), "%s %s > %s 2> %s < /dev/null", GWT_TICKGATE, args, po, pe);
	st = system(cmd);
	if (out)
		*out = cw_slurp(po);
	if (err)
		*err = cw_slurp(pe);
	unlink(po);
	unlink(pe);
	cr_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}
