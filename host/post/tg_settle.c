/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The settlement file (tg_settle.h): rows from cleared fills, the CSV
 * writer, the file check and the reconciliation against fills.
 */
#define _GNU_SOURCE	/* getline */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "post/tg_money.h"
#include "post/tg_settle.h"

#define NFIELDS	11

static void
set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

/* ---- dates ---- */

static bool
leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
date_valid(unsigned y, unsigned m, unsigned d)
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= mdays[m - 1] + (unsigned)(m == 2 && leap(y));
}

int
tg_settle_date_parse(const char *s, uint32_t *date)
{
	unsigned v[3] = { 0 };
	static const int len[3] = { 4, 2, 2 };

	for (int f = 0; f < 3; f++) {
		for (int i = 0; i < len[f]; i++, s++) {
			if (*s < '0' || *s > '9')
				return -EINVAL;
			v[f] = v[f] * 10 + (unsigned)(*s - '0');
		}
		if (*s != (f < 2 ? '-' : '\0'))
			return -EINVAL;
		s++;
	}
	if (!date_valid(v[0], v[1], v[2]))
		return -EINVAL;
	*date = v[0] * 10000 + v[1] * 100 + v[2];
	return 0;
}

int
tg_settle_date_format(uint32_t date, char buf[11])
{
	unsigned y = date / 10000, m = date / 100 % 100, d = date % 100;

	if (!date_valid(y, m, d))
		return -EINVAL;
	/* by hand: every settlement row formats one */
	const unsigned v[8] = { y / 1000, y / 100 % 10, y / 10 % 10, y % 10,
				m / 10, m % 10, d / 10, d % 10 };
	char *p = buf;
	for (int i = 0; i < 8; i++) {
		*p++ = (char)('0' + v[i]);
		if (i == 3 || i == 5)
			*p++ = '-';
	}
	*p = '\0';
	return 0;
}

/* ---- rows ---- */

static void
stock_name(char dst[TG_CLEAR_STOCK_MAX], const char src[TG_OUCH_STOCK_LEN])
{
	int n = 0;

	for (int i = 0; i < TG_OUCH_STOCK_LEN && src[i]; i++)
		dst[i] = src[i], n = i + 1;
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

void
tg_settle_rows(const struct tg_clear *c, uint32_t date,
	       const struct tg_engine_fill *f, const struct tg_clear_result *r,
	       struct tg_settle_row rows[2])
{
	const struct tg_clear_side *sd[2] = { &r->buy, &r->sell };

	for (int i = 0; i < 2; i++) {
		struct tg_settle_row *x = &rows[i];

		x->trade_date = date;
		/* both bounded by TG_CLEAR_NAME_MAX in tg_clear */
		strcpy(x->firm, tg_clear_account_firm(c, sd[i]->account));
		strcpy(x->account, tg_clear_account_name(c, sd[i]->account));
		stock_name(x->stock, f->stock);
		x->side = i ? 'S' : 'B';
		x->quantity = f->shares;
		x->price = f->price;
		x->gross = sd[i]->gross;
		x->fees = sd[i]->fees.total;
		x->net = sd[i]->net;
		x->match = f->match;
	}
}

/* Append a text field, quoted when it holds a comma or a quote. */
static char *
put_field(char *p, const char *s)
{
	if (!strpbrk(s, ",\"")) {
		size_t n = strlen(s);
		memcpy(p, s, n);
		return p + n;
	}
	*p++ = '"';
	for (; *s; s++) {
		if (*s == '"')
			*p++ = '"';
		*p++ = *s;
	}
	*p++ = '"';
	return p;
}

static char *
put_u64(char *p, uint64_t v)
{
	char t[24];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

static char *
put_money(char *p, int64_t v)
{
	return p + tg_money_format(v, TG_MONEY_SCALE, p, TG_MONEY_STR_MAX);
}

/*
 * Hand-rolled rather than snprintf: a day of ten million fills is twenty
 * million of these.
 */
int
tg_settle_format(const struct tg_settle_row *r, char *buf, size_t len)
{
	char tmp[TG_SETTLE_LINE_MAX + 64], *p = tmp;

	if (tg_settle_date_format(r->trade_date, p))
		return -EINVAL;
	p += 10;
	*p++ = ',';
	p = put_field(p, r->firm);
	*p++ = ',';
	p = put_field(p, r->account);
	*p++ = ',';
	p = put_field(p, r->stock);
	*p++ = ',';
	*p++ = r->side;
	*p++ = ',';
	p = put_u64(p, r->quantity);
	*p++ = ',';
	p = put_money(p, r->price);
	*p++ = ',';
	p = put_money(p, r->gross);
	*p++ = ',';
	p = put_money(p, r->fees);
	*p++ = ',';
	p = put_money(p, r->net);
	*p++ = ',';
	p = put_u64(p, r->match);
	*p++ = '\n';
	size_t n = (size_t)(p - tmp);
	if (n + 1 > len)
		return -ENOSPC;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return (int)n;
}

/*
 * Split a line into NFIELDS fields (RFC 4180 quoting, no line breaks
 * inside quotes). The fields are written into store, NUL-terminated.
 */
static int
split(const char *line, char *store, size_t cap, char *f[NFIELDS], const char **why)
{
	const char *s = line;
	char *o = store, *end = store + cap;
	int n = 0;

	for (;;) {
		if (n == NFIELDS) {
			*why = "more than 11 fields";
			return -EINVAL;
		}
		f[n++] = o;
		if (*s == '"') {
			s++;
			for (;;) {
				if (!*s) {
					*why = "unterminated quote";
					return -EINVAL;
				}
				if (*s == '"' && s[1] != '"')
					break;
				if (*s == '"')
					s++;
				if (o + 1 >= end) {
					*why = "field too long";
					return -EINVAL;
				}
				*o++ = *s++;
			}
			s++;
			if (*s && *s != ',') {
				*why = "text after a closing quote";
				return -EINVAL;
			}
		} else {
			for (; *s && *s != ','; s++) {
				if (*s == '"') {
					*why = "quote inside an unquoted field";
					return -EINVAL;
				}
				if (o + 1 >= end) {
					*why = "field too long";
					return -EINVAL;
				}
				*o++ = *s;
			}
		}
		if (o >= end) {
			*why = "line too long";
			return -EINVAL;
		}
		*o++ = '\0';
		if (!*s)
			break;
		s++;	/* the comma */
	}
	if (n != NFIELDS) {
		*why = "fewer than 11 fields";
		return -EINVAL;
	}
	return 0;
}

/* Digits only, no sign, no leading zero (but "0"), within max. */
static int
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int
copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (!n || n >= cap)
		return -EINVAL;
	memcpy(dst, src, n + 1);
	return 0;
}

int
tg_settle_parse(const char *line, struct tg_settle_row *r, char *err, size_t errlen)
{
	char store[TG_SETTLE_LINE_MAX];
	char *f[NFIELDS];
	const char *why = NULL;
	uint64_t u;
	int64_t m;

	if (split(line, store, sizeof(store), f, &why)) {
		set_err(err, errlen, why);
		return -EINVAL;
	}
	memset(r, 0, sizeof(*r));
	if (tg_settle_date_parse(f[0], &r->trade_date))
		why = "trade_date is not YYYY-MM-DD";
	else if (copy_text(r->firm, sizeof(r->firm), f[1]))
		why = "firm is empty or longer than 31 characters";
	else if (copy_text(r->account, sizeof(r->account), f[2]))
		why = "account is empty or longer than 31 characters";
	else if (copy_text(r->stock, sizeof(r->stock), f[3]) || strchr(r->stock, ' '))
		why = "stock is not 1 to 8 characters without spaces";
	else if ((f[4][0] != 'B' && f[4][0] != 'S') || f[4][1])
		why = "side is not B or S";
	else if (parse_uint(f[5], UINT32_MAX, &u) || !u)
		why = "quantity is not a positive integer";
	else if ((r->quantity = (uint32_t)u),
		 tg_money_parse(f[6], TG_MONEY_SCALE, true, &m) || m <= 0 || m > UINT32_MAX)
		why = "price is not a positive amount with 4 decimals";
	else if ((r->price = (uint32_t)m),
		 tg_money_parse(f[7], TG_MONEY_SCALE, true, &r->gross))
		why = "gross is not an amount with 4 decimals";
	else if (tg_money_parse(f[8], TG_MONEY_SCALE, true, &r->fees))
		why = "fees is not an amount with 4 decimals";
	else if (tg_money_parse(f[9], TG_MONEY_SCALE, true, &r->net))
		why = "net is not an amount with 4 decimals";
	else if (parse_uint(f[10], UINT64_MAX, &r->match))
		why = "match_number is not an integer";
	if (why) {
		set_err(err, errlen, why);
		return -EINVAL;
	}
	r->side = f[4][0];
	return 0;
}

/* ---- per-stock tally: shares bought minus shares sold ---- */

struct tally {
	uint64_t *key;		/* stock name, NUL padded; 0 = empty slot */
	int64_t *net;
	unsigned cap, n;
};

static uint64_t
tally_key(const char *stock)
{
	uint64_t k = 0;

	memcpy(&k, stock, strnlen(stock, 8));
	return k;
}

static int
tally_add(struct tally *t, const char *stock, int64_t d)
{
	uint64_t k = tally_key(stock);

	if (2 * (t->n + 1) > t->cap) {
		struct tally g = { .cap = t->cap ? 2 * t->cap : 256 };
		g.key = calloc(g.cap, sizeof(*g.key));
		g.net = calloc(g.cap, sizeof(*g.net));
		if (!g.key || !g.net) {
			free(g.key);
			free(g.net);
			return -ENOMEM;
		}
		for (unsigned i = 0; i < t->cap; i++) {
			if (!t->key[i])
				continue;
			unsigned s = (unsigned)((t->key[i] * 0x9E3779B97F4A7C15ULL) >> 32) & (g.cap - 1);
			while (g.key[s])
				s = (s + 1) & (g.cap - 1);
			g.key[s] = t->key[i];
			g.net[s] = t->net[i];
		}
		g.n = t->n;
		free(t->key);
		free(t->net);
		*t = g;
	}
	unsigned s = (unsigned)((k * 0x9E3779B97F4A7C15ULL) >> 32) & (t->cap - 1);
	while (t->key[s] && t->key[s] != k)
		s = (s + 1) & (t->cap - 1);
	if (!t->key[s]) {
		t->key[s] = k;
		t->n++;
	}
	t->net[s] += d;
	return 0;
}

static void
tally_finish(struct tally *t, struct tg_settle_totals *tot)
{
	tot->stocks = t->n;
	tot->unbalanced = 0;
	for (unsigned i = 0; i < t->cap; i++)
		if (t->key[i] && t->net[i])
			tot->unbalanced++;
	free(t->key);
	free(t->net);
	memset(t, 0, sizeof(*t));
}

static int
totals_add(struct tg_settle_totals *t, struct tally *ty, const struct tg_settle_row *r)
{
	t->rows++;
	t->fees += r->fees;
	t->net += r->net;
	if (r->side == 'B') {
		t->buys++;
		t->shares_bought += r->quantity;
		t->gross_bought += r->gross;
	} else {
		t->sells++;
		t->shares_sold += r->quantity;
		t->gross_sold += r->gross;
	}
	return tally_add(ty, r->stock, r->side == 'B' ? (int64_t)r->quantity :
			 -(int64_t)r->quantity);
}

static void
totals_verdict(struct tg_settle_totals *t)
{
	t->reconciles = !t->unbalanced && t->net == -t->fees && !t->bad_rows;
}

/* ---- writer ---- */

struct tg_settle_writer {
	FILE *f;
	char *path, *tmp;	/* NULL for stdout */
	char firm[TG_CLEAR_NAME_MAX];
	bool filtered;
	int err;
	struct tg_settle_totals t;
	struct tally ty;
};

int
tg_settle_writer_open(const char *path, const char *firm,
		      struct tg_settle_writer **out)
{
	struct tg_settle_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	if (firm) {
		if (copy_text(w->firm, sizeof(w->firm), firm)) {
			free(w);
			return -EINVAL;
		}
		w->filtered = true;
	}
	if (!strcmp(path, "-")) {
		w->f = stdout;
	} else {
		if (!(w->path = strdup(path)) || asprintf(&w->tmp, "%s.tmp", path) < 0) {
			free(w->path);
			free(w);
			return -ENOMEM;
		}
		if (!(w->f = fopen(w->tmp, "w"))) {
			int rc = -errno;
			free(w->path);
			free(w->tmp);
			free(w);
			return rc;
		}
		setvbuf(w->f, NULL, _IOFBF, 1 << 20);
	}
	if (fputs(TG_SETTLE_HEADER "\n", w->f) == EOF)
		w->err = -EIO;
	*out = w;
	return 0;
}

int
tg_settle_writer_add(struct tg_settle_writer *w, const struct tg_settle_row *r)
{
	char line[TG_SETTLE_LINE_MAX];
	int n, rc;

	if (w->filtered && strcmp(w->firm, r->firm))
		return 0;
	if ((n = tg_settle_format(r, line, sizeof(line))) < 0)
		return n;
	if (fwrite(line, 1, (size_t)n, w->f) != (size_t)n) {
		w->err = errno ? -errno : -EIO;
		return w->err;
	}
	if ((rc = totals_add(&w->t, &w->ty, r)))
		w->err = rc;
	return rc;
}

void
tg_settle_writer_abort(struct tg_settle_writer *w)
{
	if (!w)
		return;
	if (w->tmp) {
		fclose(w->f);
		unlink(w->tmp);
	}
	free(w->path);
	free(w->tmp);
	free(w->ty.key);
	free(w->ty.net);
	free(w);
}

int
tg_settle_writer_close(struct tg_settle_writer *w, struct tg_settle_totals *t)
{
	int rc = w->err;

	if (!rc && fflush(w->f))
		rc = -errno;
	if (!rc && w->tmp && fsync(fileno(w->f)))
		rc = -errno;
	if (w->tmp) {
		if (fclose(w->f) && !rc)
			rc = -errno;
		if (!rc && rename(w->tmp, w->path))
			rc = -errno;
		if (rc)
			unlink(w->tmp);
	}
	tally_finish(&w->ty, &w->t);
	totals_verdict(&w->t);
	if (t)
		*t = w->t;
	if (!rc && !w->filtered && !w->t.reconciles)
		rc = -EPROTO;
	free(w->path);
	free(w->tmp);
	free(w);
	return rc;
}

/* ---- breaks ---- */

const char *
tg_settle_break_kind_name(enum tg_settle_break_kind k)
{
	switch (k) {
	case TG_SETTLE_MISSING: return "missing";
	case TG_SETTLE_EXTRA: return "extra";
	case TG_SETTLE_CHANGED: return "changed";
	case TG_SETTLE_DUPLICATE: return "duplicate";
	case TG_SETTLE_MALFORMED: return "malformed";
	case TG_SETTLE_ARITHMETIC: return "arithmetic";
	case TG_SETTLE_ORDER: return "order";
	}
	return "?";
}

int
tg_settle_break_format(const struct tg_settle_break *b, char *buf, size_t len)
{
	char where[32] = "";

	if (b->line)
		snprintf(where, sizeof(where), " (line %lu)", b->line);
	switch (b->kind) {
	case TG_SETTLE_MALFORMED:
		return snprintf(buf, len, "malformed%s: %s", where, b->found);
	case TG_SETTLE_CHANGED:
	case TG_SETTLE_ARITHMETIC:
		return snprintf(buf, len, "%s: match %" PRIu64 " %c %s: expected %s, found %s%s",
				tg_settle_break_kind_name(b->kind), b->match, b->side,
				b->field, b->expected, b->found, where);
	default:
		return snprintf(buf, len, "%s: match %" PRIu64 " %c%s",
				tg_settle_break_kind_name(b->kind), b->match, b->side, where);
	}
}

static void
report(tg_settle_break_fn fn, void *ctx, const struct tg_settle_break *b)
{
	if (fn)
		fn(ctx, b);
}

static void
malformed(tg_settle_break_fn fn, void *ctx, unsigned long line, const char *why)
{
	struct tg_settle_break b = { .kind = TG_SETTLE_MALFORMED, .line = line };

	snprintf(b.found, sizeof(b.found), "%s", why);
	report(fn, ctx, &b);
}

/*
 * Read the next line into *buf without its line end. 1 = a line, 0 = end
 * of file, -errno.
 */
static int
next_line(FILE *f, char **buf, size_t *cap, size_t *len)
{
	errno = 0;
	ssize_t n = getline(buf, cap, f);

	if (n < 0)
		return errno ? -errno : 0;
	if (n && (*buf)[n - 1] == '\n')
		(*buf)[--n] = '\0';
	if (n && (*buf)[n - 1] == '\r')
		(*buf)[--n] = '\0';
	*len = (size_t)n;
	return 1;
}

/* Open a settlement file and consume its header. */
static FILE *
open_file(const char *path, int *rc, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, len;

	if (!f) {
		*rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	int n = next_line(f, &line, &cap, &len);
	if (n <= 0 || strcmp(line, TG_SETTLE_HEADER)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: the first line is not the header \"%s\"",
				 path, TG_SETTLE_HEADER);
		*rc = n < 0 ? n : -EBADMSG;
		free(line);
		fclose(f);
		return NULL;
	}
	free(line);
	*rc = 0;
	return f;
}

static void
arithmetic(tg_settle_break_fn fn, void *ctx, const struct tg_settle_row *r,
	   unsigned long line, const char *field, int64_t want, int64_t got)
{
	struct tg_settle_break b = {
		.kind = TG_SETTLE_ARITHMETIC, .match = r->match, .side = r->side,
		.line = line, .field = field,
	};

	tg_money_format(want, TG_MONEY_SCALE, b.expected, sizeof(b.expected));
	tg_money_format(got, TG_MONEY_SCALE, b.found, sizeof(b.found));
	report(fn, ctx, &b);
}

int
tg_settle_check(const char *path, struct tg_settle_totals *t,
		tg_settle_break_fn fn, void *ctx, char *err, size_t errlen)
{
	struct tally ty = { 0 };
	char *line = NULL, why[96];
	size_t cap = 0, len;
	unsigned long ln = 1;
	uint64_t last_match = 0;
	char last_side = 0;
	int rc, n;
	FILE *f = open_file(path, &rc, err, errlen);

	if (!f)
		return rc;
	memset(t, 0, sizeof(*t));
	while ((n = next_line(f, &line, &cap, &len)) > 0) {
		struct tg_settle_row r;

		ln++;
		if (tg_settle_parse(line, &r, why, sizeof(why))) {
			malformed(fn, ctx, ln, why);
			t->bad_rows++;
			continue;
		}
		bool bad = false;
		int64_t gross = (int64_t)r.quantity * r.price;
		int64_t net = (r.side == 'S' ? gross : -gross) - r.fees;
		if (r.gross != gross) {
			arithmetic(fn, ctx, &r, ln, "gross", gross, r.gross);
			bad = true;
		}
		if (r.net != (r.side == 'S' ? r.gross : -r.gross) - r.fees) {
			arithmetic(fn, ctx, &r, ln, "net", net, r.net);
			bad = true;
		}
		if (t->rows && (r.match < last_match ||
				(r.match == last_match && r.side <= last_side))) {
			struct tg_settle_break b = {
				.kind = TG_SETTLE_ORDER, .match = r.match, .side = r.side, .line = ln,
			};
			report(fn, ctx, &b);
			bad = true;
		}
		last_match = r.match;
		last_side = r.side;
		t->bad_rows += bad;
		if ((rc = totals_add(t, &ty, &r)))
			break;
	}
	if (n < 0)
		rc = n;
	free(line);
	fclose(f);
	tally_finish(&ty, t);
	totals_verdict(t);
	return rc;
}

/* ---- reconciliation ---- */

/* A file row, compact: names interned, stock as 8 NUL-padded bytes. */
struct frow {
	uint64_t match;
	uint64_t stock;
	int64_t gross, fees, net;
	uint32_t firm, account;
	uint32_t date, quantity, price;
	uint32_t line;
	char side;
	uint8_t seen, dup;
};

struct tg_settle_recon {
	tg_settle_break_fn fn;
	void *ctx;
	char firm[TG_CLEAR_NAME_MAX];
	bool filtered;
	struct frow *rows;
	size_t n, cap;
	/* interned names: ids index names[]; the hash holds id + 1 */
	char (*names)[TG_CLEAR_NAME_MAX];
	uint32_t n_names, names_cap;
	uint32_t *hash;
	uint32_t hash_cap;
	struct tg_settle_recon_stats st;
};

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

static int
intern_find(const struct tg_settle_recon *r, const char *s)
{
	if (!r->hash_cap)
		return -ENOENT;
	for (uint32_t i = (uint32_t)str_hash(s) & (r->hash_cap - 1);; i = (i + 1) & (r->hash_cap - 1)) {
		if (!r->hash[i])
			return -ENOENT;
		if (!strcmp(r->names[r->hash[i] - 1], s))
			return (int)(r->hash[i] - 1);
	}
}

static int
intern(struct tg_settle_recon *r, const char *s, uint32_t *id)
{
	int i = intern_find(r, s);

	if (i >= 0) {
		*id = (uint32_t)i;
		return 0;
	}
	if (r->n_names == r->names_cap) {
		uint32_t nc = r->names_cap ? 2 * r->names_cap : 64;
		void *p = realloc(r->names, (size_t)nc * sizeof(*r->names));
		uint32_t *h = calloc(2 * (size_t)nc, sizeof(*h));
		if (!p || !h) {
			if (p)
				r->names = p;
			free(h);
			return -ENOMEM;
		}
		r->names = p;
		r->names_cap = nc;
		free(r->hash);
		r->hash = h;
		r->hash_cap = 2 * nc;
		for (uint32_t k = 0; k < r->n_names; k++) {
			uint32_t j = (uint32_t)str_hash(r->names[k]) & (r->hash_cap - 1);
			while (r->hash[j])
				j = (j + 1) & (r->hash_cap - 1);
			r->hash[j] = k + 1;
		}
	}
	uint32_t k = r->n_names++;
	snprintf(r->names[k], TG_CLEAR_NAME_MAX, "%s", s);
	uint32_t j = (uint32_t)str_hash(s) & (r->hash_cap - 1);
	while (r->hash[j])
		j = (j + 1) & (r->hash_cap - 1);
	r->hash[j] = k + 1;
	*id = k;
	return 0;
}

static int
frow_cmp(const void *x, const void *y)
{
	const struct frow *a = x, *b = y;

	if (a->match != b->match)
		return a->match < b->match ? -1 : 1;
	if (a->side != b->side)
		return a->side < b->side ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

static void
recon_free(struct tg_settle_recon *r)
{
	free(r->rows);
	free(r->names);
	free(r->hash);
	free(r);
}

int
tg_settle_recon_open(const char *path, const char *firm,
		     tg_settle_break_fn fn, void *ctx,
		     struct tg_settle_recon **out, char *err, size_t errlen)
{
	struct tg_settle_recon *r = calloc(1, sizeof(*r));
	char *line = NULL, why[96];
	size_t cap = 0, len;
	unsigned long ln = 1;
	int rc, n;
	FILE *f;

	if (!r)
		return -ENOMEM;
	r->fn = fn;
	r->ctx = ctx;
	if (firm) {
		if (copy_text(r->firm, sizeof(r->firm), firm)) {
			free(r);
			return -EINVAL;
		}
		r->filtered = true;
	}
	if (!(f = open_file(path, &rc, err, errlen))) {
		free(r);
		return rc;
	}
	while ((n = next_line(f, &line, &cap, &len)) > 0) {
		struct tg_settle_row x;
		struct frow *w;

		if (++ln > UINT32_MAX) {
			rc = -EFBIG;
			break;
		}
		if (tg_settle_parse(line, &x, why, sizeof(why))) {
			malformed(fn, ctx, ln, why);
			r->st.malformed++;
			r->st.breaks++;
			continue;
		}
		if (r->n == r->cap) {
			size_t nc = r->cap ? 2 * r->cap : 1024;
			void *p = realloc(r->rows, nc * sizeof(*r->rows));
			if (!p) {
				rc = -ENOMEM;
				break;
			}
			r->rows = p;
			r->cap = nc;
		}
		w = &r->rows[r->n];
		memset(w, 0, sizeof(*w));
		if ((rc = intern(r, x.firm, &w->firm)) || (rc = intern(r, x.account, &w->account)))
			break;
		w->match = x.match;
		w->stock = tally_key(x.stock);
		w->gross = x.gross;
		w->fees = x.fees;
		w->net = x.net;
		w->date = x.trade_date;
		w->quantity = x.quantity;
		w->price = x.price;
		w->line = (uint32_t)ln;
		w->side = x.side;
		r->n++;
	}
	if (n < 0)
		rc = n;
	free(line);
	fclose(f);
	if (rc) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		recon_free(r);
		return rc;
	}
	r->st.file_rows = r->n;
	qsort(r->rows, r->n, sizeof(*r->rows), frow_cmp);
	for (size_t i = 1; i < r->n; i++) {
		struct frow *a = &r->rows[i - 1], *b = &r->rows[i];
		if (a->match == b->match && a->side == b->side) {
			struct tg_settle_break br = {
				.kind = TG_SETTLE_DUPLICATE, .match = b->match,
				.side = b->side, .line = b->line,
			};
			b->dup = 1;
			r->st.duplicate++;
			r->st.breaks++;
			report(fn, ctx, &br);
		}
	}
	*out = r;
	return 0;
}

/* The first file row of (match, side), or NULL. */
static struct frow *
recon_lookup(struct tg_settle_recon *r, uint64_t match, char side)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct frow *m = &r->rows[mid];
		if (m->match < match || (m->match == match && m->side < side))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->n && r->rows[lo].match == match && r->rows[lo].side == side)
		return &r->rows[lo];
	return NULL;
}

static void
changed(struct tg_settle_recon *r, const struct tg_settle_row *e,
	const struct frow *w, const char *field, const char *want, const char *got)
{
	struct tg_settle_break b = {
		.kind = TG_SETTLE_CHANGED, .match = e->match, .side = e->side,
		.line = w->line, .field = field,
	};

	snprintf(b.expected, sizeof(b.expected), "%s", want);
	snprintf(b.found, sizeof(b.found), "%s", got);
	r->st.changed_fields++;
	r->st.breaks++;
	report(r->fn, r->ctx, &b);
}

static void
changed_money(struct tg_settle_recon *r, const struct tg_settle_row *e,
	      const struct frow *w, const char *field, int64_t want, int64_t got)
{
	char a[TG_MONEY_STR_MAX], b[TG_MONEY_STR_MAX];

	tg_money_format(want, TG_MONEY_SCALE, a, sizeof(a));
	tg_money_format(got, TG_MONEY_SCALE, b, sizeof(b));
	changed(r, e, w, field, a, b);
}

int
tg_settle_recon_row(struct tg_settle_recon *r, const struct tg_settle_row *e)
{
	struct frow *w;
	uint64_t before;
	char a[24], b[24];

	if (r->filtered && strcmp(r->firm, e->firm))
		return 0;
	r->st.expected++;
	w = recon_lookup(r, e->match, e->side);
	if (!w || w->seen) {
		struct tg_settle_break br = {
			.kind = TG_SETTLE_MISSING, .match = e->match, .side = e->side,
		};
		r->st.missing++;
		r->st.breaks++;
		report(r->fn, r->ctx, &br);
		return 0;
	}
	w->seen = 1;
	before = r->st.changed_fields;
	if (w->date != e->trade_date) {
		tg_settle_date_format(e->trade_date, a);
		tg_settle_date_format(w->date, b);
		changed(r, e, w, "trade_date", a, b);
	}
	if (strcmp(r->names[w->firm], e->firm))
		changed(r, e, w, "firm", e->firm, r->names[w->firm]);
	if (strcmp(r->names[w->account], e->account))
		changed(r, e, w, "account", e->account, r->names[w->account]);
	if (w->stock != tally_key(e->stock)) {
		char s[9] = { 0 };
		memcpy(s, &w->stock, 8);
		changed(r, e, w, "stock", e->stock, s);
	}
	if (w->quantity != e->quantity) {
		snprintf(a, sizeof(a), "%" PRIu32, e->quantity);
		snprintf(b, sizeof(b), "%" PRIu32, w->quantity);
		changed(r, e, w, "quantity", a, b);
	}
	if (w->price != e->price)
		changed_money(r, e, w, "price", e->price, w->price);
	if (w->gross != e->gross)
		changed_money(r, e, w, "gross", e->gross, w->gross);
	if (w->fees != e->fees)
		changed_money(r, e, w, "fees", e->fees, w->fees);
	if (w->net != e->net)
		changed_money(r, e, w, "net", e->net, w->net);
	if (r->st.changed_fields != before)
		r->st.changed_rows++;
	else
		r->st.matched++;
	return 0;
}

int
tg_settle_recon_fill(struct tg_settle_recon *r, struct tg_clear *c,
		     uint32_t date, const struct tg_engine_fill *f)
{
	struct tg_clear_result res;
	struct tg_settle_row rows[2];
	int rc = tg_clear_fill(c, f, &res);

	if (rc)
		return rc;
	tg_settle_rows(c, date, f, &res, rows);
	if ((rc = tg_settle_recon_row(r, &rows[0])))
		return rc;
	return tg_settle_recon_row(r, &rows[1]);
}

void
tg_settle_recon_finish(struct tg_settle_recon *r, struct tg_settle_recon_stats *s)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct frow *w = &r->rows[i];
		if (w->seen || w->dup)
			continue;
		struct tg_settle_break b = {
			.kind = TG_SETTLE_EXTRA, .match = w->match, .side = w->side,
			.line = w->line,
		};
		r->st.extra++;
		r->st.breaks++;
		report(r->fn, r->ctx, &b);
	}
	if (s)
		*s = r->st;
	recon_free(r);
}
