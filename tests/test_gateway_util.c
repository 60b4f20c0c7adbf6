/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gateway/tg_gw.h"
#include "ouch/tg_soup.h"
#include "test_gateway_util.h"

const char *const gwt_users[3] = { "alice", "bob", "carol" };
const char *const gwt_passwords[3] = { "pw-alice", "bobs pass", "c4r0l!" };
static const char *const gwt_firms[3] = { "ACME", "BETA", "ACME" };

void (*gwt_tap)(struct gwt_c *c, int dir, const uint8_t *p, size_t n);

uint64_t
gwt_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

const char *
gwt_tok(const char t[14], char out[15])
{
	int n = 14;

	memcpy(out, t, 14);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = 0;
	return out;
}

void
gwt_dir_make(struct gwt_gw *g)
{
	memset(g, 0, sizeof(*g));
	g->out_fd = -1;
	snprintf(g->dir, sizeof(g->dir), "/tmp/tg-gw-XXXXXX");
	cr_assert(mkdtemp(g->dir));
	snprintf(g->config, sizeof(g->config), "%s/gw.ini", g->dir);
	snprintf(g->journal, sizeof(g->journal), "%s/journal", g->dir);
	snprintf(g->errlog, sizeof(g->errlog), "%s/stderr", g->dir);
}

void
gwt_dir_remove(struct gwt_gw *g)
{
	char cmd[128];

	if (g->pid)
		gwt_kill(g);
	if (!g->dir[0])
		return;
	if (getenv("TG_GW_KEEP")) {
		/* keep config, journal and log for a look after a failure */
		fprintf(stderr, "kept %s\n", g->dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g->dir);
	(void)system(cmd);
}

void
gwt_config(struct gwt_gw *g, const char *gateway_extra, const char *extra)
{
	FILE *f = fopen(g->config, "w");

	cr_assert(f);
	fprintf(f, "[gateway]\nlisten = 127.0.0.1:0\njournal = %s\nstocks = AAPL MSFT\njournal_segment_mb = 1\n%s\n",
		g->journal, gateway_extra ? gateway_extra : "");
	for (int i = 0; i < 3; i++) {
		char hash[TG_GW_HASH_MAX];

		cr_assert_eq(tg_gw_passwd_hash(gwt_passwords[i], strlen(gwt_passwords[i]),
					       TG_GW_SCRYPT_LN_MIN, hash, sizeof(hash)), 0);
		fprintf(f, "[user.%s]\npassword = %s\nfirm = %s\n\n", gwt_users[i], hash,
			gwt_firms[i]);
	}
	fprintf(f, "%s\n", extra ? extra : "");
	cr_assert_eq(fclose(f), 0);
}

void
gwt_spawn(struct gwt_gw *g)
{
	int pfd[2];

	cr_assert_eq(pipe(pfd), 0);
	g->pid = fork();
	cr_assert(g->pid >= 0);
	if (g->pid == 0) {
		int e = open(g->errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(pfd[1], 1);
		dup2(e, 2);
		close(pfd[0]);
		close(pfd[1]);
		if (g->card)
			execl(GWT_TICKGATE, "tickgate", "gateway", "--config", g->config,
			      "--listen", "127.0.0.1:0", "--card", g->card, (char *)NULL);
		else
			execl(GWT_TICKGATE, "tickgate", "gateway", "--config", g->config,
			      "--listen", "127.0.0.1:0", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	g->out_fd = pfd[0];
}

int
gwt_start(struct gwt_gw *g)
{
	char line[256];
	size_t n = 0;
	uint64_t t0 = gwt_ms();
	int st;

	gwt_spawn(g);
	/* the line comes once replay is done; a replay of a big journal takes a while */
	int eof = 0;
	while (!eof && gwt_ms() - t0 < 30000) {
		struct pollfd p = { .fd = g->out_fd, .events = POLLIN };
		ssize_t k;

		if (poll(&p, 1, 100) <= 0)
			continue;
		k = read(g->out_fd, line + n, sizeof(line) - 1 - n);
		if (k <= 0) {
			eof = 1;
			break;
		}
		n += (size_t)k;
		line[n] = 0;
		char *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			if (!strncmp(line, "sealed listening on ", 20)) {
				snprintf(g->sealed_addr, sizeof(g->sealed_addr), "%s", line + 20);
			} else {
				cr_assert(!strncmp(line, "listening on ", 13), "stdout: %s", line);
				snprintf(g->addr, sizeof(g->addr), "%s", line + 13);
				return 0;
			}
			n -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, n + 1);
		}
	}
	if (!eof) {
		kill(g->pid, SIGKILL);
		waitpid(g->pid, &st, 0);
		g->pid = 0;
		cr_assert_fail("the gateway printed no listening line in 30 s");
	}
	/* stdout closed without the line: it is exiting */
	cr_assert_eq(waitpid(g->pid, &st, 0), g->pid);
	g->pid = 0;
	close(g->out_fd);
	g->out_fd = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int
gwt_stop(struct gwt_gw *g)
{
	int st;

	cr_assert(g->pid);
	kill(g->pid, SIGTERM);
	cr_assert_eq(waitpid(g->pid, &st, 0), g->pid);
	g->pid = 0;
	close(g->out_fd);
	g->out_fd = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void
gwt_kill(struct gwt_gw *g)
{
	int st;

	if (!g->pid)
		return;
	kill(g->pid, SIGKILL);
	waitpid(g->pid, &st, 0);
	g->pid = 0;
	close(g->out_fd);
	g->out_fd = -1;
}

char *
gwt_log(const struct gwt_gw *g)
{
	FILE *f = fopen(g->errlog, "r");
	char *s = NULL;
	size_t cap = 0;
	FILE *m = open_memstream(&s, &cap);
	char buf[4096];
	size_t n;

	cr_assert(m);
	if (f) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, m);
		fclose(f);
	}
	fclose(m);
	return s;
}

uint64_t
gwt_stat(const char *log, const char *name)
{
	uint64_t v = 0;
	size_t k = strlen(name);

	for (const char *p = log; (p = strstr(p, name)); p += k)
		if ((p == log || p[-1] == '\n') && p[k] == ' ')
			v = strtoull(p + k + 1, NULL, 10);
	return v;
}

/* ---- client ---- */

void
gwt_connect(struct gwt_c *c, const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64];
	char *colon;
	int one = 1;

	memset(c, 0, sizeof(*c));
	snprintf(host, sizeof(host), "%s", addr);
	colon = strrchr(host, ':');
	cr_assert(colon);
	*colon = 0;
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	cr_assert_eq(inet_pton(AF_INET, host, &sa.sin_addr), 1);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(c->fd >= 0);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	cr_assert_eq(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0,
		     "connect %s: %s", addr, strerror(errno));
}

void
gwt_close(struct gwt_c *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void
gwt_send_raw(struct gwt_c *c, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t k = send(c->fd, b, n, MSG_NOSIGNAL);

		cr_assert(k > 0, "send: %s", strerror(errno));
		if (gwt_tap)
			gwt_tap(c, 0, b, (size_t)k);
		b += k;
		n -= (size_t)k;
	}
}

void
gwt_send(struct gwt_c *c, char type, const void *p, size_t n)
{
	uint8_t b[2048];

	cr_assert(n + 3 <= sizeof(b));
	b[0] = (uint8_t)((n + 1) >> 8);
	b[1] = (uint8_t)(n + 1);
	b[2] = (uint8_t)type;
	if (n)
		memcpy(b + 3, p, n);
	gwt_send_raw(c, b, n + 3);
}

int
gwt_recv(struct gwt_c *c, struct gwt_pkt *k, int timeout_ms)
{
	uint64_t end = gwt_ms() + (uint64_t)timeout_ms;

	for (;;) {
		if (c->have >= 2) {
			size_t plen = (size_t)c->buf[0] << 8 | c->buf[1];

			if (plen == 0 || plen > sizeof(k->p) + 1)
				return -2;
			if (c->have >= 2 + plen) {
				k->type = (char)c->buf[2];
				k->len = plen - 1;
				memcpy(k->p, c->buf + 3, k->len);
				memmove(c->buf, c->buf + 2 + plen, c->have - 2 - plen);
				c->have -= 2 + plen;
				return 1;
			}
		}
		uint64_t now = gwt_ms();
		if (now >= end)
			return 0;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, (int)(end - now)) <= 0)
			continue;
		ssize_t n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, 0);
		if (n <= 0)
			return -1;
		if (gwt_tap)
			gwt_tap(c, 1, c->buf + c->have, (size_t)n);
		c->have += (size_t)n;
	}
}

int
gwt_recv_nohb(struct gwt_c *c, struct gwt_pkt *k, int timeout_ms)
{
	uint64_t end = gwt_ms() + (uint64_t)timeout_ms;
	int rc;

	do {
		uint64_t now = gwt_ms();

		rc = gwt_recv(c, k, now < end ? (int)(end - now) : 0);
	} while (rc == 1 && k->type == 'H');
	return rc;
}

int
gwt_login(struct gwt_c *c, const char *user, const char *pw, const char *session,
	  uint64_t seq, char session_out[11], uint64_t *next)
{
	uint8_t p[46];
	struct gwt_pkt k;
	char num[21];
	int rc;

	/* laid out by ouch42.md: a6 a10 a10 and the a20 number right-justified */
	memset(p, ' ', sizeof(p));
	memcpy(p, user, strlen(user) < 6 ? strlen(user) : 6);
	memcpy(p + 6, pw, strlen(pw) < 10 ? strlen(pw) : 10);
	if (session)
		memcpy(p + 16, session, strlen(session) < 10 ? strlen(session) : 10);
	snprintf(num, sizeof(num), "%20llu", (unsigned long long)seq);
	memcpy(p + 26, num, 20);
	gwt_send(c, 'L', p, sizeof(p));
	rc = gwt_recv_nohb(c, &k, 10000);
	if (rc != 1)
		return -1;
	if (k.type == 'J') {
		cr_assert_eq(k.len, 1);
		return k.p[0];
	}
	cr_assert_eq(k.type, 'A', "login answered with '%c'", k.type);
	cr_assert_eq(k.len, 30);
	if (session_out) {
		memcpy(session_out, k.p, 10);
		session_out[10] = 0;
	}
	if (next) {
		char n[21];

		memcpy(n, k.p + 10, 20);
		n[20] = 0;
		*next = strtoull(n, NULL, 10);
	}
	return 1;
}

void
gwt_enter(struct gwt_c *c, const char *token, char side, uint32_t shares,
	  const char *stock, uint32_t price, uint32_t tif)
{
	struct tg_ouch_in m = { .type = 'O' };
	uint8_t b[TG_OUCH_MAX_MSG];

	tg_ouch_alpha(m.enter.token, TG_OUCH_TOKEN_LEN, token);
	m.enter.side = side;
	m.enter.shares = shares;
	tg_ouch_alpha(m.enter.stock, TG_OUCH_STOCK_LEN, stock);
	m.enter.price = price;
	m.enter.tif = tif;
	tg_ouch_alpha(m.enter.firm, TG_OUCH_FIRM_LEN, "");
	m.enter.display = 'Y';
	m.enter.capacity = 'A';
	m.enter.ise = 'N';
	m.enter.cross_type = 'N';
	m.enter.customer_type = ' ';
	gwt_send(c, 'U', b, tg_ouch_in_encode(&m, b));
}

void
gwt_cancel(struct gwt_c *c, const char *token, uint32_t shares)
{
	struct tg_ouch_in m = { .type = 'X' };
	uint8_t b[TG_OUCH_MAX_MSG];

	tg_ouch_alpha(m.cancel.token, TG_OUCH_TOKEN_LEN, token);
	m.cancel.shares = shares;
	gwt_send(c, 'U', b, tg_ouch_in_encode(&m, b));
}

int
gwt_msg(struct gwt_c *c, struct tg_ouch_out *m, uint8_t *raw, size_t *rawlen,
	int timeout_ms)
{
	struct gwt_pkt k;
	int rc = gwt_recv_nohb(c, &k, timeout_ms);

	if (rc != 1)
		return rc == 0 ? 0 : -1;
	cr_assert_eq(k.type, 'S', "expected Sequenced Data, got '%c' %.*s", k.type,
		     (int)k.len, k.type == '+' ? (const char *)k.p : "");
	cr_assert_eq(tg_ouch_out_decode(k.p, k.len, m), 0, "undecodable '%c' of %zu bytes",
		     k.p[0], k.len);
	if (raw) {
		memcpy(raw, k.p, k.len);
		*rawlen = k.len;
	}
	return 1;
}
