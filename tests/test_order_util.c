/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Code shared by the order engine's tests: configurations, message builders,
 * output text and the scenario script runner (test_order_util.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cfgfile.h>

#include "test_order_util.h"

const char tord_base_ini[] =
	"[gateway]\n"
	"stocks = AAPL MSFT IBM\n"
	"[user.alice]\n"
	"firm = ACME\n"
	"[user.bob]\n"
	"firm = BETA\n"
	"[user.carol]\n"
	"firm = ACME\n"
	"account = acme2\n"
	"[user.dave]\n"
	"firm = ACME\n"
	"account = alice\n";

struct rte_cfgfile *
tord_cfg(const char *ini)
{
	char path[] = "/tmp/tg_order_cfgXXXXXX";
	int fd = mkstemp(path);
	struct rte_cfgfile *cfg;
	size_t n = strlen(ini);

	if (fd < 0)
		return NULL;
	if (write(fd, ini, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return NULL;
	}
	close(fd);
	cfg = rte_cfgfile_load(path, 0);
	unlink(path);
	return cfg;
}

int
tord_engine_try(const char *ini, struct tg_engine **e, char *err, size_t errlen)
{
	struct rte_cfgfile *cfg = tord_cfg(ini);
	int rc;

	*e = NULL;
	if (!cfg) {
		snprintf(err, errlen, "rte_cfgfile_load refused the text");
		return -EIO;
	}
	rc = tg_engine_new(cfg, e, err, errlen);
	rte_cfgfile_close(cfg);
	return rc;
}

struct tg_engine *
tord_engine(const char *ini)
{
	struct tg_engine *e;
	char err[256];
	int rc = tord_engine_try(ini, &e, err, sizeof(err));

	cr_assert_eq(rc, 0, "tg_engine_new: %d: %s", rc, err);
	return e;
}

/* ---- text ---- */

void
tord_fmt_price(uint32_t p, char *buf, size_t n)
{
	if (p == TG_ENGINE_PRICE_MARKET)
		snprintf(buf, n, "MKT");
	else if (p % 100 == 0)
		snprintf(buf, n, "%u.%02u", p / 10000, p % 10000 / 100);
	else
		snprintf(buf, n, "%u.%04u", p / 10000, p % 10000);
}

uint32_t
tord_price(const char *s)
{
	uint64_t whole = 0, frac = 0;
	int digits = 0;

	if (!strcmp(s, "MKT"))
		return TG_ENGINE_PRICE_MARKET;
	if (s[0] == '#')
		return (uint32_t)strtoul(s + 1, NULL, 10);
	while (*s >= '0' && *s <= '9')
		whole = whole * 10 + (uint64_t)(*s++ - '0');
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			frac = frac * 10 + (uint64_t)(*s++ - '0');
			digits++;
		}
	}
	while (digits++ < 4)
		frac *= 10;
	return (uint32_t)(whole * 10000 + frac);
}

/* An alpha field right-trimmed; bytes outside printable ASCII as %XX, blank as "-". */
static void
tord_fmt_alpha(const char *f, size_t n, char *buf, size_t bn)
{
	size_t end = n, k = 0;

	while (end > 0 && f[end - 1] == ' ')
		end--;
	if (end == 0) {
		snprintf(buf, bn, "-");
		return;
	}
	for (size_t i = 0; i < end && k + 4 < bn; i++) {
		unsigned char c = (unsigned char)f[i];

		if (c <= ' ' || c > '~' || c == '%')
			k += (size_t)snprintf(buf + k, bn - k, "%%%02X", c);
		else
			buf[k++] = (char)c;
	}
	buf[k] = 0;
}

/* The inverse of tord_fmt_alpha: %XX escapes, "-" for blank, space padded. */
static void
tord_parse_alpha(char *field, size_t n, const char *s)
{
	size_t k = 0;

	memset(field, ' ', n);
	if (!strcmp(s, "-"))
		return;
	while (*s && k < n) {
		if (s[0] == '%' && s[1] && s[2]) {
			char hex[3] = { s[1], s[2], 0 };

			field[k++] = (char)strtoul(hex, NULL, 16);
			s += 3;
		} else {
			field[k++] = *s++;
		}
	}
}

void
tord_alpha(char *field, size_t n, const char *s)
{
	tord_parse_alpha(field, n, s);
}

static void
tord_user(const struct tg_engine *e, unsigned user, char *buf, size_t n)
{
	const char *name = tg_engine_user_name(e, user);

	if (name)
		snprintf(buf, n, "%s", name);
	else
		snprintf(buf, n, "#%u", user);
}

void
tord_fmt_out(const struct tg_engine *e, unsigned user, const struct tg_ouch_out *m,
	     char *buf, size_t n)
{
	char u[16], tok[64], tok2[64], stock[32], price[24];

	tord_user(e, user, u, sizeof(u));
	switch (m->type) {
	case 'S':
		snprintf(buf, n, "%s S %c", u, m->system.event_code);
		break;
	case 'A':
	case 'U':
		tord_fmt_alpha(m->order.token, TG_OUCH_TOKEN_LEN, tok, sizeof(tok));
		tord_fmt_alpha(m->order.stock, TG_OUCH_STOCK_LEN, stock, sizeof(stock));
		tord_fmt_price(m->order.price, price, sizeof(price));
		if (m->type == 'A') {
			snprintf(buf, n, "%s A %s %c %u %s %s ref=%llu %c", u, tok, m->order.side,
				 m->order.shares, stock, price,
				 (unsigned long long)m->order.order_ref, m->order.order_state);
		} else {
			tord_fmt_alpha(m->order.previous_token, TG_OUCH_TOKEN_LEN, tok2,
				       sizeof(tok2));
			snprintf(buf, n, "%s U %s %c %u %s %s ref=%llu %c prev=%s", u, tok,
				 m->order.side, m->order.shares, stock, price,
				 (unsigned long long)m->order.order_ref, m->order.order_state,
				 tok2);
		}
		break;
	case 'C':
		tord_fmt_alpha(m->canceled.token, TG_OUCH_TOKEN_LEN, tok, sizeof(tok));
		snprintf(buf, n, "%s C %s %u %c", u, tok, m->canceled.decrement,
			 m->canceled.reason);
		break;
	case 'D':
		tord_fmt_alpha(m->aiq_canceled.token, TG_OUCH_TOKEN_LEN, tok, sizeof(tok));
		tord_fmt_price(m->aiq_canceled.price, price, sizeof(price));
		snprintf(buf, n, "%s D %s %u %c prevented=%u %s %c", u, tok,
			 m->aiq_canceled.decrement, m->aiq_canceled.reason,
			 m->aiq_canceled.prevented, price, m->aiq_canceled.liquidity);
		break;
	case 'E':
		tord_fmt_alpha(m->executed.token, TG_OUCH_TOKEN_LEN, tok, sizeof(tok));
		tord_fmt_price(m->executed.price, price, sizeof(price));
		snprintf(buf, n, "%s E %s %u %s %c m=%llu", u, tok, m->executed.shares, price,
			 m->executed.liquidity, (unsigned long long)m->executed.match);
		break;
	case 'J':
		tord_fmt_alpha(m->rejected.token, TG_OUCH_TOKEN_LEN, tok, sizeof(tok));
		snprintf(buf, n, "%s J %s %c", u, tok, m->rejected.reason);
		break;
	case 'I':
	case 'P':
		tord_fmt_alpha(m->pending.token, TG_OUCH_TOKEN_LEN, tok, sizeof(tok));
		snprintf(buf, n, "%s %c %s", u, m->type, tok);
		break;
	case 'M':
		tord_fmt_alpha(m->modified.token, TG_OUCH_TOKEN_LEN, tok, sizeof(tok));
		snprintf(buf, n, "%s M %s %c %u", u, tok, m->modified.side, m->modified.shares);
		break;
	default:
		snprintf(buf, n, "%s ?%c", u, m->type);
		break;
	}
}

void
tord_fmt_fill(const struct tg_engine *e, const struct tg_engine_fill *f, char *buf, size_t n)
{
	char bu[16], su[16], bt[64], st[64], stock[32], price[24];

	tord_user(e, f->buy.user, bu, sizeof(bu));
	tord_user(e, f->sell.user, su, sizeof(su));
	tord_fmt_alpha(f->buy.token, TG_OUCH_TOKEN_LEN, bt, sizeof(bt));
	tord_fmt_alpha(f->sell.token, TG_OUCH_TOKEN_LEN, st, sizeof(st));
	tord_fmt_alpha(f->stock, TG_OUCH_STOCK_LEN, stock, sizeof(stock));
	tord_fmt_price(f->price, price, sizeof(price));
	snprintf(buf, n, "F m=%llu %s %u %s B=%s/%s/%llu/%c S=%s/%s/%llu/%c",
		 (unsigned long long)f->match, stock, f->shares, price, bu, bt,
		 (unsigned long long)f->buy.order_ref, f->buy.liquidity, su, st,
		 (unsigned long long)f->sell.order_ref, f->sell.liquidity);
}

/* ---- capture ---- */

static void
tord_cap_line(struct tord_cap *c, const char *line)
{
	size_t n = strlen(line);

	if (c->len + n + 2 > c->cap) {
		c->cap = (c->len + n + 2) * 2;
		c->buf = realloc(c->buf, c->cap);
		cr_assert_not_null(c->buf);
	}
	memcpy(c->buf + c->len, line, n);
	c->len += n;
	c->buf[c->len++] = '\n';
	c->buf[c->len] = 0;
	c->msgs++;
}

static void
tord_cap_out(void *ctx, unsigned user, const struct tg_ouch_out *m)
{
	struct tord_cap *c = ctx;
	char line[256];

	tord_fmt_out(c->e, user, m, line, sizeof(line));
	tord_cap_line(c, line);
}

static void
tord_cap_fill(void *ctx, const struct tg_engine_fill *f)
{
	struct tord_cap *c = ctx;
	char line[256];

	tord_fmt_fill(c->e, f, line, sizeof(line));
	tord_cap_line(c, line);
}

void
tord_cap_init(struct tord_cap *c, const struct tg_engine *e)
{
	memset(c, 0, sizeof(*c));
	c->e = e;
}

void
tord_cap_free(struct tord_cap *c)
{
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

struct tg_engine_sink
tord_sink(struct tord_cap *c)
{
	struct tg_engine_sink s = { .out = tord_cap_out, .fill = tord_cap_fill, .ctx = c };

	return s;
}

const char *
tord_take(struct tord_cap *c)
{
	static char empty[1];
	static char *last;

	free(last);
	last = c->buf ? c->buf : NULL;
	c->buf = NULL;
	c->len = c->cap = 0;
	return last ? last : empty;
}

/* ---- messages ---- */

struct tg_ouch_in
tord_enter(const char *token, char side, uint32_t shares, const char *stock,
	   uint32_t price, uint32_t tif)
{
	struct tg_ouch_in m;

	memset(&m, 0, sizeof(m));
	m.type = 'O';
	tord_parse_alpha(m.enter.token, TG_OUCH_TOKEN_LEN, token);
	m.enter.side = side;
	m.enter.shares = shares;
	tord_parse_alpha(m.enter.stock, TG_OUCH_STOCK_LEN, stock);
	m.enter.price = price;
	m.enter.tif = tif;
	memset(m.enter.firm, ' ', TG_OUCH_FIRM_LEN);
	m.enter.display = 'Y';
	m.enter.capacity = 'A';
	m.enter.ise = 'N';
	m.enter.min_qty = 0;
	m.enter.cross_type = 'N';
	m.enter.customer_type = ' ';
	return m;
}

struct tg_ouch_in
tord_cancel(const char *token, uint32_t shares)
{
	struct tg_ouch_in m;

	memset(&m, 0, sizeof(m));
	m.type = 'X';
	tord_parse_alpha(m.cancel.token, TG_OUCH_TOKEN_LEN, token);
	m.cancel.shares = shares;
	return m;
}

struct tg_ouch_in
tord_replace(const char *old, const char *new_token, uint32_t shares, uint32_t price,
	     uint32_t tif)
{
	struct tg_ouch_in m;

	memset(&m, 0, sizeof(m));
	m.type = 'U';
	tord_parse_alpha(m.replace.existing, TG_OUCH_TOKEN_LEN, old);
	tord_parse_alpha(m.replace.replacement, TG_OUCH_TOKEN_LEN, new_token);
	m.replace.shares = shares;
	m.replace.price = price;
	m.replace.tif = tif;
	m.replace.display = 'Y';
	m.replace.ise = 'N';
	return m;
}

struct tg_ouch_in
tord_modify(const char *token, char side, uint32_t shares)
{
	struct tg_ouch_in m;

	memset(&m, 0, sizeof(m));
	m.type = 'M';
	tord_parse_alpha(m.modify.token, TG_OUCH_TOKEN_LEN, token);
	m.modify.side = side;
	m.modify.shares = shares;
	return m;
}

/* ---- scripts ---- */

#define TORD_MAXW	24

struct tord_rig {
	struct tg_engine *e;
	struct tord_cap cap;
	struct tg_engine_sink sink;
	uint64_t ts;
	int pinned;		/* "at" set ts for the next input */
	int lineno;
	const char *line;
};

static int
tord_split(char *s, char **w)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(s, " \t", &save); t && n < TORD_MAXW;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

static void
tord_fail(const struct tord_rig *r, const char *what)
{
	cr_assert_fail("script line %d: %s\n  %s", r->lineno, what, r->line);
}

static unsigned
tord_who(struct tord_rig *r, const char *s)
{
	int u;

	if (s[0] == '#')
		return (unsigned)strtoul(s + 1, NULL, 10);
	u = tg_engine_user_find(r->e, s);
	if (u < 0)
		tord_fail(r, "no such user");
	return (unsigned)u;
}

/* key=value options of O and U lines */
static void
tord_opts(struct tord_rig *r, struct tg_ouch_in *m, char **w, int n)
{
	for (int i = 0; i < n; i++) {
		char *eq = strchr(w[i], '=');
		const char *k = w[i], *v;

		if (!eq)
			tord_fail(r, "option without '='");
		*eq = 0;
		v = eq + 1;
		if (!strcmp(k, "tif")) {
			if (m->type == 'O')
				m->enter.tif = (uint32_t)strtoul(v, NULL, 10);
			else
				m->replace.tif = (uint32_t)strtoul(v, NULL, 10);
		} else if (!strcmp(k, "min")) {
			if (m->type == 'O')
				m->enter.min_qty = (uint32_t)strtoul(v, NULL, 10);
			else
				m->replace.min_qty = (uint32_t)strtoul(v, NULL, 10);
		} else if (!strcmp(k, "disp")) {
			if (m->type == 'O')
				m->enter.display = v[0];
			else
				m->replace.display = v[0];
		} else if (!strcmp(k, "ise")) {
			if (m->type == 'O')
				m->enter.ise = v[0];
			else
				m->replace.ise = v[0];
		} else if (!strcmp(k, "cap")) {
			m->enter.capacity = v[0];
		} else if (!strcmp(k, "cross")) {
			m->enter.cross_type = v[0];
		} else if (!strcmp(k, "cust")) {
			m->enter.customer_type = v[0];
		} else if (!strcmp(k, "firm")) {
			tord_parse_alpha(m->enter.firm, TG_OUCH_FIRM_LEN, v);
		} else {
			tord_fail(r, "unknown option");
		}
	}
}

static const char *
tord_errname(int rc)
{
	static char buf[16];

	switch (rc) {
	case 0:
		return "0";
	case -ENOENT:
		return "-ENOENT";
	case -EINVAL:
		return "-EINVAL";
	case -ENOSPC:
		return "-ENOSPC";
	default:
		snprintf(buf, sizeof(buf), "%d", rc);
		return buf;
	}
}

static void
tord_ctl_line(struct tord_rig *r, int rc)
{
	char line[32];

	snprintf(line, sizeof(line), "ctl %s", tord_errname(rc));
	tord_cap_line(&r->cap, line);
}

static void
tord_control(struct tord_rig *r, char **w, int n)
{
	struct tg_engine_ctl c;
	int kill = !strcmp(w[0], "kill");

	memset(&c, 0, sizeof(c));
	if (!strcmp(w[0], "set")) {
		if (n != 5)
			tord_fail(r, "set account|firm NAME KEY VALUE");
		c.kind = TG_ENGINE_SET_LIMIT;
		snprintf(c.scope, sizeof(c.scope), "%s", w[1]);
		snprintf(c.name, sizeof(c.name), "%s", w[2]);
		snprintf(c.key, sizeof(c.key), "%s", w[3]);
		c.value = strtoll(w[4], NULL, 10);
	} else if (n >= 2 && !strcmp(w[1], "all")) {
		c.kind = kill ? TG_ENGINE_KILL_ALL : TG_ENGINE_RESUME_ALL;
	} else if (n == 3 && !strcmp(w[1], "account")) {
		c.kind = kill ? TG_ENGINE_KILL_ACCOUNT : TG_ENGINE_RESUME_ACCOUNT;
		snprintf(c.name, sizeof(c.name), "%s", w[2]);
	} else if (n == 3 && !strcmp(w[1], "firm")) {
		c.kind = kill ? TG_ENGINE_KILL_FIRM : TG_ENGINE_RESUME_FIRM;
		snprintf(c.name, sizeof(c.name), "%s", w[2]);
	} else {
		tord_fail(r, "kill|resume account NAME|firm NAME|all");
	}
	tord_ctl_line(r, tg_engine_control(r->e, r->ts, &c, &r->sink));
}

static void
tord_input(struct tord_rig *r, char *text)
{
	char *w[TORD_MAXW];
	int n = tord_split(text, w);
	struct tg_ouch_in m;
	unsigned user;

	if (n == 0)
		tord_fail(r, "empty input");
	if (!strcmp(w[0], "at")) {
		r->ts = strtoull(w[1], NULL, 10);
		r->pinned = 1;
		return;
	}
	if (!r->pinned)
		r->ts += 1000;
	r->pinned = 0;
	if (!strcmp(w[0], "tick")) {
		tg_engine_tick(r->e, r->ts, &r->sink);
		return;
	}
	if (!strcmp(w[0], "sys")) {
		tg_engine_system(r->e, r->ts, w[1][0], &r->sink);
		return;
	}
	if (!strcmp(w[0], "market")) {
		struct tg_engine_market mk;

		if (n != 6)
			tord_fail(r, "market SYM BID ASK LAST STATE");
		memset(&mk, 0, sizeof(mk));
		tord_parse_alpha(mk.stock, TG_OUCH_STOCK_LEN, w[1]);
		mk.bid = tord_price(w[2]);
		mk.ask = tord_price(w[3]);
		mk.last = tord_price(w[4]);
		mk.state = w[5][0] == '-' ? 0 : w[5][0];
		tg_engine_market(r->e, r->ts, &mk, &r->sink);
		return;
	}
	if (!strcmp(w[0], "kill") || !strcmp(w[0], "resume") || !strcmp(w[0], "set")) {
		tord_control(r, w, n);
		return;
	}
	if (n < 3)
		tord_fail(r, "USER TYPE ...");
	user = tord_who(r, w[0]);
	switch (w[1][0]) {
	case 'O':
		if (n < 7)
			tord_fail(r, "USER O TOKEN SIDE SHARES STOCK PRICE [opts]");
		m = tord_enter(w[2], w[3][0], (uint32_t)strtoul(w[4], NULL, 10), w[5],
			       tord_price(w[6]), TG_OUCH_TIF_SYSTEM_HOURS);
		tord_opts(r, &m, w + 7, n - 7);
		break;
	case 'X':
		if (n != 4)
			tord_fail(r, "USER X TOKEN SHARES");
		m = tord_cancel(w[2], (uint32_t)strtoul(w[3], NULL, 10));
		break;
	case 'U':
		if (n < 6)
			tord_fail(r, "USER U OLD NEW SHARES PRICE [opts]");
		m = tord_replace(w[2], w[3], (uint32_t)strtoul(w[4], NULL, 10),
				 tord_price(w[5]), TG_OUCH_TIF_SYSTEM_HOURS);
		tord_opts(r, &m, w + 6, n - 6);
		break;
	case 'M':
		if (n != 5)
			tord_fail(r, "USER M TOKEN SIDE SHARES");
		m = tord_modify(w[2], w[3][0], (uint32_t)strtoul(w[4], NULL, 10));
		break;
	default:
		/* any other type byte, with a token */
		memset(&m, 0, sizeof(m));
		m.type = w[1][0];
		tord_parse_alpha(m.enter.token, TG_OUCH_TOKEN_LEN, w[2]);
		break;
	}
	tg_engine_order(r->e, r->ts, user, &m, &r->sink);
}

/* ? book SYM B|S [price:shares:orders ...] / ? expiry N|none / ? resting N */
static void
tord_check(struct tord_rig *r, char *text)
{
	char *w[TORD_MAXW];
	int n = tord_split(text, w);

	if (n >= 3 && !strcmp(w[0], "book")) {
		struct tg_engine_level lv[TORD_MAXW];
		char got[512] = "", want[512] = "";
		int k = tg_engine_levels(r->e, w[1], w[2][0], lv, TORD_MAXW);

		if (k < 0)
			tord_fail(r, "tg_engine_levels failed");
		for (int i = 0; i < k; i++) {
			char p[24];

			tord_fmt_price(lv[i].price, p, sizeof(p));
			snprintf(got + strlen(got), sizeof(got) - strlen(got), " %s:%llu:%u", p,
				 (unsigned long long)lv[i].shares, lv[i].orders);
		}
		for (int i = 3; i < n; i++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), " %s", w[i]);
		if (strcmp(got, want))
			cr_assert_fail("script line %d: book %s %s\n  expected:%s\n  got:     %s",
				       r->lineno, w[1], w[2], want, got);
	} else if (n == 2 && !strcmp(w[0], "expiry")) {
		uint64_t x = tg_engine_next_expiry(r->e);
		uint64_t want = !strcmp(w[1], "none") ? UINT64_MAX : strtoull(w[1], NULL, 10);

		cr_assert_eq(x, want, "script line %d: next expiry %llu, expected %s", r->lineno,
			     (unsigned long long)x, w[1]);
	} else if (n == 2 && !strcmp(w[0], "resting")) {
		struct tg_engine_stats st;

		tg_engine_get_stats(r->e, &st);
		cr_assert_eq(st.resting, strtoull(w[1], NULL, 10),
			     "script line %d: %llu resting, expected %s", r->lineno,
			     (unsigned long long)st.resting, w[1]);
	} else {
		tord_fail(r, "unknown check");
	}
}

static void
tord_compare(struct tord_rig *r, const char *input, int in_line, const char *want)
{
	const char *got = tord_take(&r->cap);

	if (strcmp(got, want))
		cr_assert_fail("script line %d: > %s\n--- expected:\n%s--- got:\n%s", in_line,
			       input, want, got);
}

void
tord_run(const char *ini, const char *script)
{
	struct tord_rig r;
	char *text = strdup(script), *save = NULL, *want = calloc(1, 1);
	char input[256] = "";
	size_t wlen = 0;
	int in_line = 0, have = 0;

	cr_assert_not_null(text);
	memset(&r, 0, sizeof(r));
	r.e = tord_engine(ini);
	tord_cap_init(&r.cap, r.e);
	r.sink = tord_sink(&r.cap);
	r.ts = 34200000000000ull;	/* 9:30 */
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char buf[256];

		r.lineno++;
		r.line = line;
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		if (line[0] == '<') {
			size_t n = strlen(line + 2);

			want = realloc(want, wlen + n + 2);
			memcpy(want + wlen, line + 2, n);
			wlen += n;
			want[wlen++] = '\n';
			want[wlen] = 0;
			continue;
		}
		if (have)
			tord_compare(&r, input, in_line, want);
		have = 0;
		wlen = 0;
		want[0] = 0;
		snprintf(buf, sizeof(buf), "%s", line + 2);
		if (line[0] == '>') {
			snprintf(input, sizeof(input), "%s", line + 2);
			in_line = r.lineno;
			tord_input(&r, buf);
			have = 1;
		} else if (line[0] == '?') {
			tord_check(&r, buf);
		} else {
			tord_fail(&r, "lines start with > < ? or #");
		}
	}
	if (have)
		tord_compare(&r, input, in_line, want);
	free(want);
	free(text);
	tord_cap_free(&r.cap);
	tg_engine_free(r.e);
}
