/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The settlement file: written from cleared random fills, then read back
 * by a parser of this test's own (header exact, every field in the
 * contract's format, amounts recomputed here, totals reconciling); the
 * strict parser and the file check; and reconciliation finding every
 * break injected into a good file, and nothing in the good file.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "post/tg_settle.h"
#include "test_post_util.h"

#define HEADER "trade_date,firm,account,stock,side,quantity,price,gross,fees,net,match_number"
#define DAY 20261126u
#define DAY_S "2026-11-26"

static const struct tg_clear_fees fees = {
	.maker_per_share = -2000, .taker_per_share = 3000, .taker_bps = 1500,
	.commission_per_share = 500, .commission_min = 10000,
	.sell_tax_bps = 500000, .transfer_per_fill = 2500,
};

static struct tg_clear *
new_clear(const struct tg_clear_user *u, unsigned n)
{
	struct tg_clear *c;
	char err[128];

	cr_assert_eq(tg_clear_new(u, n, NULL, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(tg_clear_set_fees(c, NULL, &fees), 0);
	return c;
}

static char *
temp_path(const char *tag)
{
	char *p;
	cr_assert(asprintf(&p, "/tmp/tg_post_%s_%d.csv", tag, (int)getpid()) > 0);
	return p;
}

/* Clear the fills and write the day's file; returns the clearing. */
static struct tg_clear *
write_day(const struct tg_engine_fill *fs, unsigned n, const char *path,
	  const char *firm, struct tg_settle_totals *t)
{
	struct tg_clear *c = new_clear(tp_users, TP_USERS);
	struct tg_settle_writer *w;
	struct tg_clear_result r;
	struct tg_settle_row rows[2];

	cr_assert_eq(tg_settle_writer_open(path, firm, &w), 0);
	for (unsigned i = 0; i < n; i++) {
		cr_assert_eq(tg_clear_fill(c, &fs[i], &r), 0);
		tg_settle_rows(c, DAY, &fs[i], &r, rows);
		cr_assert_eq(tg_settle_writer_add(w, &rows[0]), 0);
		cr_assert_eq(tg_settle_writer_add(w, &rows[1]), 0);
	}
	cr_assert_eq(tg_settle_writer_close(w, t), 0);
	return c;
}

/* ---- this test's own reading of the file ---- */

struct line {
	char *f[11];
	char buf[512];
};

/* Split on commas (the test's names hold none). */
static int
split(const char *s, struct line *l)
{
	int n = 0;
	char *p;

	snprintf(l->buf, sizeof(l->buf), "%s", s);
	p = l->buf;
	for (;;) {
		if (n == 11)
			return -1;
		l->f[n++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

/* "-?digits.dddd" to 1e-4 units, or abort the test. */
static int64_t
dollars(const char *s)
{
	const char *dot = strchr(s, '.');
	int neg = s[0] == '-';

	cr_assert(dot, "'%s' has no decimal point", s);
	cr_assert_eq(strlen(dot + 1), 4, "'%s' does not have 4 decimals", s);
	for (const char *p = s + neg; *p; p++)
		cr_assert(p == dot || (*p >= '0' && *p <= '9'), "'%s' is not an amount", s);
	cr_assert(dot > s + neg, "'%s' has no integer part", s);
	int64_t ip = strtoll(s + neg, NULL, 10), fp = strtoll(dot + 1, NULL, 10);
	return (neg ? -1 : 1) * (ip * 10000 + fp);
}

static char **
read_lines(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char **v = NULL, *l = NULL;
	size_t cap = 0, k = 0;
	ssize_t len;

	cr_assert(f, "%s", path);
	while ((len = getline(&l, &cap, f)) >= 0) {
		cr_assert(len > 0 && l[len - 1] == '\n', "line %zu does not end in LF", k + 1);
		l[len - 1] = '\0';
		v = realloc(v, (k + 1) * sizeof(*v));
		v[k++] = strdup(l);
	}
	free(l);
	fclose(f);
	*n = k;
	return v;
}

static void
write_lines(const char *path, char **v, size_t n)
{
	FILE *f = fopen(path, "w");

	cr_assert(f);
	for (size_t i = 0; i < n; i++)
		if (v[i])
			fprintf(f, "%s\n", v[i]);
	fclose(f);
}

static void
free_lines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
trimmed_stock(char out[9], const char s[8])
{
	int n = 8;
	memcpy(out, s, 8);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

Test(post_settle, file_reads_back_and_reconciles)
{
	const unsigned n = 5000;
	struct tg_engine_fill *fs = tp_fills(11, n);
	char *path = temp_path("day");
	struct tg_settle_totals t;
	struct tg_clear *c = write_day(fs, n, path, NULL, &t);
	size_t nl;
	char **lines = read_lines(path, &nl);
	int64_t net = 0, fee_sum = 0, by_stock[TP_STOCKS] = { 0 };

	cr_assert_str_eq(lines[0], HEADER);
	cr_assert_eq(nl, 1 + 2 * (size_t)n);
	for (size_t i = 1; i < nl; i++) {
		struct line l;
		const struct tg_engine_fill *f = &fs[(i - 1) / 2];
		bool sell = (i - 1) % 2;
		unsigned user = sell ? f->sell.user : f->buy.user;
		char stock[9], want[32];

		cr_assert_eq(split(lines[i], &l), 11, "line %zu: %s", i + 1, lines[i]);
		cr_assert_str_eq(l.f[0], DAY_S);
		cr_assert_str_eq(l.f[1], tp_users[user].firm);
		cr_assert_str_eq(l.f[2], tp_users[user].account);
		trimmed_stock(stock, f->stock);
		cr_assert_str_eq(l.f[3], stock);
		cr_assert_str_eq(l.f[4], sell ? "S" : "B", "rows are buy then sell");
		snprintf(want, sizeof(want), "%u", f->shares);
		cr_assert_str_eq(l.f[5], want);
		snprintf(want, sizeof(want), "%u.%04u", f->price / 10000, f->price % 10000);
		cr_assert_str_eq(l.f[6], want);
		int64_t gross = dollars(l.f[7]), fee = dollars(l.f[8]), nt = dollars(l.f[9]);
		cr_assert_eq(gross, (int64_t)f->shares * f->price);
		cr_assert_eq(nt, (sell ? gross : -gross) - fee, "line %zu: net", i + 1);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)f->match);
		cr_assert_str_eq(l.f[10], want);
		net += nt;
		fee_sum += fee;
		for (unsigned s = 0; s < TP_STOCKS; s++)
			if (!strcmp(stock, tp_stocks[s]))
				by_stock[s] += sell ? -(int64_t)f->shares : f->shares;
	}
	/* the totals reconcile */
	for (unsigned s = 0; s < TP_STOCKS; s++)
		cr_assert_eq(by_stock[s], 0, "%s: bought != sold", tp_stocks[s]);
	cr_assert_eq(net, -fee_sum);
	/* and equal the clearing's books */
	int64_t cl_fees = 0;
	for (unsigned a = 0; a < tg_clear_accounts(c); a++) {
		struct tg_clear_balance b;
		tg_clear_account_get(c, a, &b);
		cl_fees += b.fees;
	}
	cr_assert_eq(fee_sum, cl_fees);
	cr_assert_eq(t.rows, 2 * (uint64_t)n);
	cr_assert_eq(t.fees, fee_sum);
	cr_assert_eq(t.net, net);
	cr_assert(t.reconciles);
	cr_assert_eq(t.stocks, TP_STOCKS);

	/* the library's own check agrees */
	struct tg_settle_totals t2;
	char err[160];
	cr_assert_eq(tg_settle_check(path, &t2, NULL, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert(t2.reconciles);
	cr_assert_eq(t2.rows, t.rows);
	cr_assert_eq(t2.bad_rows, 0);
	cr_assert_eq(access(path, F_OK), 0);
	free_lines(lines, nl);
	unlink(path);
	free(path);
	tg_clear_free(c);
	free(fs);
}

Test(post_settle, per_firm_file)
{
	const unsigned n = 2000;
	struct tg_engine_fill *fs = tp_fills(12, n);
	char *path = temp_path("beta");
	struct tg_settle_totals t;
	struct tg_clear *c = write_day(fs, n, path, "BETA", &t);
	size_t nl, want = 0;
	char **lines = read_lines(path, &nl);

	for (unsigned i = 0; i < n; i++)
		want += !strcmp(tp_users[fs[i].buy.user].firm, "BETA") +
			!strcmp(tp_users[fs[i].sell.user].firm, "BETA");
	cr_assert_str_eq(lines[0], HEADER);
	cr_assert_eq(nl - 1, want);
	for (size_t i = 1; i < nl; i++)
		cr_assert(!strncmp(lines[i], DAY_S ",BETA,", strlen(DAY_S ",BETA,")), "%s", lines[i]);
	cr_assert_eq(t.rows, want);
	free_lines(lines, nl);
	unlink(path);
	free(path);
	tg_clear_free(c);
	free(fs);
}

Test(post_settle, format_by_hand)
{
	struct tg_settle_row r = {
		.trade_date = DAY, .firm = "ACME", .account = "alice", .stock = "AAPL",
		.side = 'B', .quantity = 100, .price = 123450, .gross = 12345000,
		.fees = 15650, .net = -12360650, .match = 7,
	};
	char buf[TG_SETTLE_LINE_MAX];

	cr_assert_eq(tg_settle_format(&r, buf, sizeof(buf)), (int)strlen(buf));
	cr_assert_str_eq(buf, "2026-11-26,ACME,alice,AAPL,B,100,12.3450,1234.5000,1.5650,-1236.0650,7\n");
	r.side = 'S';
	r.fees = -5;
	r.net = 12345005;
	r.price = 1;
	tg_settle_format(&r, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2026-11-26,ACME,alice,AAPL,S,100,0.0001,1234.5000,-0.0005,1234.5005,7\n");
	/* names with a comma or a quote are quoted, and parse back */
	snprintf(r.firm, sizeof(r.firm), "Q,R");
	snprintf(r.account, sizeof(r.account), "say \"hi\"");
	tg_settle_format(&r, buf, sizeof(buf));
	cr_assert_str_eq(buf,
		"2026-11-26,\"Q,R\",\"say \"\"hi\"\"\",AAPL,S,100,0.0001,1234.5000,-0.0005,1234.5005,7\n");
	struct tg_settle_row back;
	char err[96];
	buf[strlen(buf) - 1] = '\0';
	cr_assert_eq(tg_settle_parse(buf, &back, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(back.firm, "Q,R");
	cr_assert_str_eq(back.account, "say \"hi\"");
	cr_assert_eq(back.net, 12345005);
	cr_assert_eq(back.fees, -5);
	cr_assert_eq(back.price, 1);
}

Test(post_settle, dates)
{
	uint32_t d;
	char b[11];

	cr_assert_eq(tg_settle_date_parse("2024-02-29", &d), 0);
	cr_assert_eq(d, 20240229);
	cr_assert_eq(tg_settle_date_format(d, b), 0);
	cr_assert_str_eq(b, "2024-02-29");
	static const char *const bad[] = {
		"2025-02-29", "2026-13-01", "2026-1-01", "2026-01-32", "26-01-01",
		"2026-04-31", "2026/01/01", "2026-01-01x", "", "1900-03-01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(tg_settle_date_parse(bad[i], &d), -EINVAL, "%s", bad[i]);
	cr_assert_eq(tg_settle_date_format(20260230, b), -EINVAL);
}

Test(post_settle, parse_is_strict)
{
	static const char *const bad[] = {
		"2026-11-26,ACME,alice,AAPL,B,100,12.345,1234.5000,1.5650,-1236.0650,7",	/* 3 decimals */
		"2026-11-26,ACME,alice,AAPL,B,100,12.3450,1234.5,1.5650,-1236.0650,7",
		"2026-11-26,ACME,alice,AAPL,X,100,12.3450,1234.5000,1.5650,-1236.0650,7",
		"2026-11-26,ACME,alice,AAPL,B,0,12.3450,1234.5000,1.5650,-1236.0650,7",
		"2026-11-26,ACME,alice,AAPL,B,-1,12.3450,1234.5000,1.5650,-1236.0650,7",
		"2026-11-26,ACME,alice,AAPL,B,100,12.3450,1234.5000,1.5650,-1236.0650",
		"2026-11-26,ACME,alice,AAPL,B,100,12.3450,1234.5000,1.5650,-1236.0650,7,8",
		"2026-11-26,,alice,AAPL,B,100,12.3450,1234.5000,1.5650,-1236.0650,7",
		"2026-11-26,ACME,alice,TOOLONGSYM,B,100,12.3450,1234.5000,1.5650,-1236.0650,7",
		"2026-11-26,ACME,alice,AAPL,B,100,0.0000,1234.5000,1.5650,-1236.0650,7",
		"2026-11-26,ACME,alice,AAPL,B,100,12.3450,1234.5000,1.5650,-1236.0650,x7",
		"2026-11-26,\"ACME,alice,AAPL,B,100,12.3450,1234.5000,1.5650,-1236.0650,7",
		"2026-11-26,ACME,alice,AAPL,B,100, 12.3450,1234.5000,1.5650,-1236.0650,7",
		"2026-02-30,ACME,alice,AAPL,B,100,12.3450,1234.5000,1.5650,-1236.0650,7",
	};
	struct tg_settle_row r;
	char err[96];

	cr_assert_eq(tg_settle_parse("2026-11-26,ACME,alice,AAPL,B,100,12.3450,1234.5000,"
				     "1.5650,-1236.0650,7", &r, err, sizeof(err)), 0, "%s", err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		cr_expect_eq(tg_settle_parse(bad[i], &r, err, sizeof(err)), -EINVAL, "%s", bad[i]);
		cr_expect(err[0], "no reason for %s", bad[i]);
	}
}

/* ---- reconciliation ---- */

struct brk {
	enum tg_settle_break_kind kind;
	uint64_t match;
	char side;
	char field[16];
};

struct found {
	struct brk b[64];
	unsigned n;
};

static void
collect(void *ctx, const struct tg_settle_break *b)
{
	struct found *f = ctx;
	char text[256];

	cr_assert_gt(tg_settle_break_format(b, text, sizeof(text)), 0);
	if (f->n++ >= 64)
		return;	/* counted, not kept */
	f->n--;
	f->b[f->n].kind = b->kind;
	f->b[f->n].match = b->match;
	f->b[f->n].side = b->side;
	snprintf(f->b[f->n].field, sizeof(f->b[f->n].field), "%s", b->field ? b->field : "");
	f->n++;
}

static bool
has(const struct found *f, enum tg_settle_break_kind k, uint64_t match, char side,
    const char *field)
{
	for (unsigned i = 0; i < f->n && i < 64; i++)
		if (f->b[i].kind == k && (k == TG_SETTLE_MALFORMED ||
		    (f->b[i].match == match && f->b[i].side == side)) &&
		    !strcmp(f->b[i].field, field))
			return true;
	return false;
}

static void
reconcile(const char *path, const char *firm, const struct tg_engine_fill *fs,
	  unsigned n, struct found *out, struct tg_settle_recon_stats *st)
{
	struct tg_clear *c = new_clear(tp_users, TP_USERS);
	struct tg_settle_recon *r;
	char err[160];

	memset(out, 0, sizeof(*out));
	cr_assert_eq(tg_settle_recon_open(path, firm, collect, out, &r, err, sizeof(err)), 0,
		     "%s", err);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(tg_settle_recon_fill(r, c, DAY, &fs[i]), 0);
	tg_settle_recon_finish(r, st);
	tg_clear_free(c);
}

/* Replace field k of a line (fields hold no commas here). */
static void
set_field(char **line, int k, const char *v)
{
	struct line l;
	char out[512] = "";

	cr_assert_eq(split(*line, &l), 11);
	l.f[k] = (char *)v;
	for (int i = 0; i < 11; i++) {
		strcat(out, l.f[i]);
		if (i < 10)
			strcat(out, ",");
	}
	free(*line);
	*line = strdup(out);
}

static size_t
line_of(uint64_t match, char side)
{
	return 1 + 2 * (size_t)(match - 1) + (side == 'S');
}

Test(post_settle, reconciliation_finds_every_break)
{
	const unsigned n = 500;
	struct tg_engine_fill *fs = tp_fills(13, n);
	char *path = temp_path("recon");
	struct tg_settle_totals t;
	struct tg_settle_recon_stats st;
	struct found fd;

	tg_clear_free(write_day(fs, n, path, NULL, &t));
	/* the good file: no break */
	reconcile(path, NULL, fs, n, &fd, &st);
	cr_assert_eq(fd.n, 0);
	cr_assert_eq(st.breaks, 0);
	cr_assert_eq(st.matched, 2 * n);
	cr_assert_eq(st.file_rows, 2 * n);

	size_t nl;
	char **v = read_lines(path, &nl);
	char buf[64];
	/* changed fields, each in its own row */
	snprintf(buf, sizeof(buf), "%u", fs[29].shares + 1);
	set_field(&v[line_of(30, 'B')], 5, buf);
	set_field(&v[line_of(40, 'S')], 6, "999.0001");
	set_field(&v[line_of(50, 'B')], 8, "123.4567");
	set_field(&v[line_of(60, 'S')], 9, "-0.0001");
	set_field(&v[line_of(70, 'B')], 2, "mallory");
	set_field(&v[line_of(75, 'S')], 3, "ZZZZ");
	set_field(&v[line_of(80, 'B')], 0, "2026-11-27");
	/* two changes in one row: two breaks, one changed row */
	set_field(&v[line_of(90, 'S')], 1, "OTHER");
	set_field(&v[line_of(90, 'S')], 7, "0.0001");
	/* a row gone */
	free(v[line_of(10, 'S')]);
	v[line_of(10, 'S')] = NULL;
	/* appended: a duplicate, an extra row, a malformed line */
	v = realloc(v, (nl + 3) * sizeof(*v));
	v[nl] = strdup(v[line_of(20, 'B')]);
	v[nl + 1] = strdup(v[line_of(100, 'B')]);
	set_field(&v[nl + 1], 10, "999999");
	v[nl + 2] = strdup("this is not a settlement row");
	write_lines(path, v, nl + 3);
	free_lines(v, nl + 3);

	reconcile(path, NULL, fs, n, &fd, &st);
	cr_assert(has(&fd, TG_SETTLE_CHANGED, 30, 'B', "quantity"));
	cr_assert(has(&fd, TG_SETTLE_CHANGED, 40, 'S', "price"));
	cr_assert(has(&fd, TG_SETTLE_CHANGED, 50, 'B', "fees"));
	cr_assert(has(&fd, TG_SETTLE_CHANGED, 60, 'S', "net"));
	cr_assert(has(&fd, TG_SETTLE_CHANGED, 70, 'B', "account"));
	cr_assert(has(&fd, TG_SETTLE_CHANGED, 75, 'S', "stock"));
	cr_assert(has(&fd, TG_SETTLE_CHANGED, 80, 'B', "trade_date"));
	cr_assert(has(&fd, TG_SETTLE_CHANGED, 90, 'S', "firm"));
	cr_assert(has(&fd, TG_SETTLE_CHANGED, 90, 'S', "gross"));
	cr_assert(has(&fd, TG_SETTLE_MISSING, 10, 'S', ""));
	cr_assert(has(&fd, TG_SETTLE_DUPLICATE, 20, 'B', ""));
	cr_assert(has(&fd, TG_SETTLE_EXTRA, 999999, 'B', ""));
	cr_assert(has(&fd, TG_SETTLE_MALFORMED, 0, 0, ""));
	cr_assert_eq(fd.n, 13, "%u breaks, 13 injected", fd.n);
	cr_assert_eq(st.breaks, 13);
	cr_assert_eq(st.changed_rows, 8);
	cr_assert_eq(st.changed_fields, 9);
	cr_assert_eq(st.missing, 1);
	cr_assert_eq(st.extra, 1);
	cr_assert_eq(st.duplicate, 1);
	cr_assert_eq(st.malformed, 1);
	cr_assert_eq(st.matched, 2 * n - 9);

	/* the file check sees what a file alone can show */
	struct tg_settle_totals t2;
	struct found ck = { 0 };
	char err[160];
	cr_assert_eq(tg_settle_check(path, &t2, collect, &ck, err, sizeof(err)), 0);
	cr_assert(!t2.reconciles);
	cr_assert(has(&ck, TG_SETTLE_ARITHMETIC, 30, 'B', "gross"));
	cr_assert(has(&ck, TG_SETTLE_ARITHMETIC, 60, 'S', "net"));
	cr_assert(has(&ck, TG_SETTLE_MALFORMED, 0, 0, ""));
	cr_assert(has(&ck, TG_SETTLE_ORDER, 20, 'B', ""));

	/* a file that is not a settlement file */
	char *other = tp_write_temp("date,firm\n");
	cr_assert_eq(tg_settle_check(other, &t2, NULL, NULL, err, sizeof(err)), -EBADMSG);
	struct tg_settle_recon *r;
	cr_assert_eq(tg_settle_recon_open(other, NULL, NULL, NULL, &r, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "header"), "%s", err);
	unlink(other);
	free(other);
	unlink(path);
	free(path);
	free(fs);
}

Test(post_settle, reconciliation_of_a_firm_file)
{
	const unsigned n = 400;
	struct tg_engine_fill *fs = tp_fills(14, n);
	char *path = temp_path("gamma");
	struct tg_settle_totals t;
	struct tg_settle_recon_stats st;
	struct found fd;

	tg_clear_free(write_day(fs, n, path, "GAMMA", &t));
	reconcile(path, "GAMMA", fs, n, &fd, &st);
	cr_assert_eq(fd.n, 0);
	cr_assert_eq(st.matched, t.rows);
	/* against all firms, every other firm's row is missing */
	reconcile(path, NULL, fs, n, &fd, &st);
	cr_assert_eq(st.missing, 2 * n - t.rows);
	unlink(path);
	free(path);
	free(fs);
}

/* A whole-day file whose rows do not balance is refused at close. */
Test(post_settle, writer_refuses_a_day_that_does_not_reconcile)
{
	char *path = temp_path("bad");
	struct tg_settle_writer *w;
	struct tg_settle_totals t;
	struct tg_settle_row r = {
		.trade_date = DAY, .firm = "ACME", .account = "alice", .stock = "AAPL",
		.side = 'B', .quantity = 100, .price = 10000, .gross = 1000000,
		.fees = 0, .net = -1000000, .match = 1,
	};

	cr_assert_eq(tg_settle_writer_open(path, NULL, &w), 0);
	cr_assert_eq(tg_settle_writer_add(w, &r), 0);
	cr_assert_eq(tg_settle_writer_close(w, &t), -EPROTO);
	cr_assert_eq(t.unbalanced, 1);
	cr_assert(!t.reconciles);
	/* aborting leaves nothing behind */
	cr_assert_eq(tg_settle_writer_open(path, NULL, &w), 0);
	tg_settle_writer_abort(w);
	char *tmp;
	cr_assert(asprintf(&tmp, "%s.tmp", path) > 0);
	cr_assert_neq(access(tmp, F_OK), 0);
	unlink(path);
	free(tmp);
	free(path);
}
