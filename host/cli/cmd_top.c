/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate top: a full-screen view of a running appliance in the manner
 * of top(1), refreshed from its `stats` command over the control socket.
 * Rates are the difference of two successive polls over the time between
 * them. Views are switched by keys; q (or SIGINT, SIGTERM, SIGHUP) leaves
 * with the terminal as it was, and so does an appliance that goes away
 * (with a message, exit status 1).
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>
#include <jansson.h>

#include "cli/tg_cli.h"
#include "control/tg_ctl.h"

#define TG_TOP_MIN_INTERVAL	0.2
#define TG_TOP_MAX_INTERVAL	60.0
#define TG_TOP_TIMEOUT_MS	5000

static const char tg_top_help[] =
"usage: tickgate top [--config FILE | --socket PATH] [--interval SECONDS]\n"
"\n"
"A refreshing full-screen view of a running appliance (viewer role): rates of\n"
"every stage computed from successive polls of its stats, latency\n"
"percentiles, the busiest stocks, the limits nearest to being reached, the\n"
"kill switches and recent surveillance alerts. Usable from 80x24 up.\n"
"\n"
"  --config FILE       the appliance's config: the socket is [control] socket\n"
"  --socket PATH       the control socket (default " TG_CTL_DEFAULT_SOCKET ")\n"
"  --interval SECONDS  time between polls (default 1, 0.2 to 60)\n"
"\n"
"Keys:\n"
"  1 o  overview          4 r  risk: kill switches, nearest limits\n"
"  2 f  feed              5 a  surveillance alerts\n"
"  3 e  engine, gateway   6 l  latency and the control plane\n"
"  + -  poll less or more often    space  poll now    p  pause\n"
"  h ?  this help                  q  quit (also Esc, Ctrl-C)\n"
"\n"
"Each poll is a `stats` request, which the control plane writes to its audit\n"
"log like any other.\n"
"\n"
"Exit status: 0 quit, 1 the appliance cannot be reached, went away or refused,\n"
"or there is no terminal; 2 bad usage.\n";

enum tg_top_view {
	TG_TOP_OVERVIEW,
	TG_TOP_FEED,
	TG_TOP_ENGINE,
	TG_TOP_RISK,
	TG_TOP_ALERTS,
	TG_TOP_LATENCY,
	TG_TOP_NVIEWS
};

static const char *const tg_top_view_names[TG_TOP_NVIEWS] = {
	"overview", "feed", "engine", "risk", "alerts", "latency",
};

struct tg_top {
	struct tg_cli_ctl ctl;
	double interval;
	enum tg_top_view view;
	int help, paused;
	json_t *cur, *prev;		/* the last two polls */
	double cur_t, prev_t;		/* their CLOCK_MONOTONIC times, s */
	int y;				/* next row to draw */
	int color;
};

static volatile sig_atomic_t tg_top_stop;

/* SIGINT, SIGTERM, SIGHUP: leave the loop, which restores the terminal. */
static void
tg_top_signal(int sig)
{
	(void)sig;
	tg_top_stop = 1;
}

/* CLOCK_MONOTONIC in seconds, for rates and the poll schedule. */
static double
tg_top_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- reading the stats ---- */

/* The member at a dotted path ("engine.rejects.a"), or NULL. */
static json_t *
tg_top_get(json_t *root, const char *path)
{
	char buf[128], *save, *k;
	json_t *v = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	return v;
}

/* The number at a dotted path (0 when absent). */
static double
tg_top_num(json_t *root, const char *path)
{
	return json_number_value(tg_top_get(root, path));
}

/* Sum of the numbers of an object's members. */
static double
tg_top_sum(json_t *o)
{
	const char *k;
	json_t *v;
	double s = 0;

	json_object_foreach(o, k, v)
		s += json_number_value(v);
	return s;
}

/* Per-second change of a value between the two polls; NAN before two. */
static double
tg_top_rate_of(const struct tg_top *t, double cur, double prev)
{
	if (!t->prev || t->cur_t <= t->prev_t)
		return NAN;
	return cur >= prev ? (cur - prev) / (t->cur_t - t->prev_t) : NAN;
}

/* Per-second change of the number at a dotted path. */
static double
tg_top_rate(const struct tg_top *t, const char *path)
{
	return tg_top_rate_of(t, tg_top_num(t->cur, path),
			      t->prev ? tg_top_num(t->prev, path) : 0);
}

/* A number for a narrow column: 1234, 12.3k, 4.56M, "-" when unknown. */
static const char *
tg_top_fmt(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (v < 10 && v != floor(v))
		snprintf(buf, n, "%.1f", v);
	else if (v < 100000)
		snprintf(buf, n, "%.0f", v);
	else if (v < 1e8)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else if (v < 1e11)
		snprintf(buf, n, "%.1fM", v / 1e6);
	else
		snprintf(buf, n, "%.1fG", v / 1e9);
	return buf;
}

/* ---- drawing ---- */

enum { TG_TOP_C_HEAD = 1, TG_TOP_C_WARN, TG_TOP_C_BAD, TG_TOP_C_TITLE };

/* One row, cut at the screen's width; rows past the last but one are dropped. */
static void
tg_top_line(struct tg_top *t, int attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void
tg_top_line(struct tg_top *t, int attr, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (t->y >= LINES - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (attr)
		attron(attr);
	mvaddnstr(t->y, 0, buf, COLS);
	if (attr)
		attroff(attr);
	t->y++;
}

/* A colour pair where the terminal has colours, else fallback. */
static int
tg_top_attr(const struct tg_top *t, int pair, int fallback)
{
	if (!t->color)
		return fallback;
	return (int)(COLOR_PAIR(pair) | (pair == TG_TOP_C_TITLE ? A_BOLD : 0));
}

/* A pane's title row. */
static void
tg_top_title(struct tg_top *t, const char *s)
{
	tg_top_line(t, tg_top_attr(t, TG_TOP_C_TITLE, A_BOLD), "%s", s);
}

/* How many rows remain above the footer. */
static int
tg_top_rows_left(const struct tg_top *t)
{
	return LINES - 1 - t->y;
}

/* The per-second rates of every stage, and their totals. */
static void
tg_top_stages(struct tg_top *t)
{
	json_t *s = t->cur;
	char a[16], b[16], c[16], d[16], e[16], f[16];

	tg_top_title(t, "stage         per second                                        now / total");
	if (tg_top_get(s, "feed")) {
		double fr = tg_top_num(s, "feed.lines.A.frames") + tg_top_num(s, "feed.lines.B.frames");
		double pfr = t->prev ? tg_top_num(t->prev, "feed.lines.A.frames") +
				       tg_top_num(t->prev, "feed.lines.B.frames") : 0;
		double dr = tg_top_sum(tg_top_get(s, "feed.drops"));
		double pdr = t->prev ? tg_top_sum(tg_top_get(t->prev, "feed.drops")) : 0;

		tg_top_line(t, 0, " feed         frames %-7s msgs %-7s gaps %-5s drops %-7s msgs %s",
			    tg_top_fmt(a, sizeof(a), tg_top_rate_of(t, fr, pfr)),
			    tg_top_fmt(b, sizeof(b), tg_top_rate(t, "feed.messages")),
			    tg_top_fmt(c, sizeof(c), tg_top_rate(t, "feed.gaps")),
			    tg_top_fmt(d, sizeof(d), tg_top_rate_of(t, dr, pdr)),
			    tg_top_fmt(e, sizeof(e), tg_top_num(s, "feed.messages")));
	}
	if (tg_top_get(s, "gateway"))
		tg_top_line(t, 0, " gateway      in %-10s out %-9s logins %-26s sessions %s",
			    tg_top_fmt(a, sizeof(a), tg_top_rate(t, "gateway.messages_in")),
			    tg_top_fmt(b, sizeof(b), tg_top_rate(t, "gateway.messages_out")),
			    tg_top_fmt(c, sizeof(c), tg_top_rate(t, "gateway.logins")),
			    tg_top_fmt(d, sizeof(d), tg_top_num(s, "gateway.sessions_now")));
	if (tg_top_get(s, "engine")) {
		tg_top_line(t, 0, " engine       orders %-7s acks %-7s execs %-5s rej %-9s resting %s",
			    tg_top_fmt(a, sizeof(a), tg_top_rate(t, "engine.orders")),
			    tg_top_fmt(b, sizeof(b), tg_top_rate(t, "engine.accepted")),
			    tg_top_fmt(c, sizeof(c), tg_top_rate(t, "engine.executions")),
			    tg_top_fmt(d, sizeof(d), tg_top_rate(t, "engine.rejected")),
			    tg_top_fmt(e, sizeof(e), tg_top_num(s, "engine.resting")));
		tg_top_line(t, 0, "              canceled %-5s                                   orders %s",
			    tg_top_fmt(a, sizeof(a), tg_top_rate(t, "engine.canceled")),
			    tg_top_fmt(f, sizeof(f), tg_top_num(s, "engine.orders")));
	}
	if (tg_top_get(s, "surveillance")) {
		double al = tg_top_sum(tg_top_get(s, "surveillance.alerts"));
		double pal = t->prev ? tg_top_sum(tg_top_get(t->prev, "surveillance.alerts")) : 0;

		tg_top_line(t, 0, " surveillance alerts %-44s alerts %s",
			    tg_top_fmt(a, sizeof(a), tg_top_rate_of(t, al, pal)),
			    tg_top_fmt(b, sizeof(b), al));
	}
}

/* Latency percentiles, ns shown in the unit that fits. */
static const char *
tg_top_ns(char *buf, size_t n, double ns)
{
	if (ns < 1e4)
		snprintf(buf, n, "%.0fns", ns);
	else if (ns < 1e7)
		snprintf(buf, n, "%.1fus", ns / 1e3);
	else if (ns < 1e10)
		snprintf(buf, n, "%.1fms", ns / 1e6);
	else
		snprintf(buf, n, "%.1fs", ns / 1e9);
	return buf;
}

/* Percentiles of every latency histogram the appliance keeps. */
static void
tg_top_latency(struct tg_top *t)
{
	static const char *const names[] = { "wire_to_book", "order_to_ack" };
	static const char *const labels[] = { "wire > book", "order > ack" };
	static const char *const keys[] = { "p50", "p90", "p99", "p99_9", "max" };
	json_t *l = tg_top_get(t->cur, "latency");

	if (!l)
		return;
	tg_top_title(t, "latency          samples       p50       p90       p99     p99.9       max");
	for (int n = 0; n < 2; n++) {
		json_t *h = json_object_get(l, names[n]);
		char row[200], v[16], c[16];
		int off;

		if (!h)
			continue;
		off = snprintf(row, sizeof(row), " %-12s %11s", labels[n],
			       tg_top_fmt(c, sizeof(c), tg_top_num(h, "count")));
		for (int k = 0; k < 5; k++)
			off += snprintf(row + off, sizeof(row) - (size_t)off, " %9s",
					tg_top_ns(v, sizeof(v), tg_top_num(h, keys[k])));
		tg_top_line(t, 0, "%s", row);
	}
}

/* The previous poll's entry of a stock in list path, or NULL. */
static json_t *
tg_top_prev_stock(const struct tg_top *t, const char *path, const char *stock)
{
	json_t *v;
	size_t i;

	if (!t->prev || !stock)
		return NULL;
	json_array_foreach(tg_top_get(t->prev, path), i, v)
		if (!strcmp(json_string_value(json_object_get(v, "stock")) ?: "", stock))
			return v;
	return NULL;
}

/*
 * The busiest stocks of the engine (by executions) or, without an engine,
 * of the feed (by volume), each with its rate; at most rows.
 */
static void
tg_top_busiest(struct tg_top *t, int rows, int feed)
{
	const char *path = feed ? "feed.busiest" : "engine.busiest";
	const char *key = feed ? "volume" : "executions";
	json_t *v;
	size_t i;

	if (feed)
		tg_top_title(t, "busiest stocks (feed)   volume   volume/s  trades      bid        ask");
	else
		tg_top_title(t, "busiest stocks (orders) executions  execs/s   shares   notional $");
	json_array_foreach(tg_top_get(t->cur, path), i, v) {
		const char *stock = json_string_value(json_object_get(v, "stock"));
		json_t *p = tg_top_prev_stock(t, path, stock);
		double cur = tg_top_num(v, key);
		char a[16], b[16], c[16], d[24], e[24];

		if ((int)i >= rows)
			break;
		if (feed) {
			tg_cli_fmt_price(d, sizeof(d), (int64_t)tg_top_num(v, "bid"));
			tg_cli_fmt_price(e, sizeof(e), (int64_t)tg_top_num(v, "ask"));
			tg_top_line(t, 0, " %-9s %14s %10s %7s %10s %10s", stock ?: "?",
				    tg_top_fmt(a, sizeof(a), cur),
				    tg_top_fmt(b, sizeof(b), tg_top_rate_of(t, cur, p ? tg_top_num(p, key) : 0)),
				    tg_top_fmt(c, sizeof(c), tg_top_num(v, "trades")), d, e);
		} else {
			tg_top_line(t, 0, " %-9s %14s %10s %8s %12.2f", stock ?: "?",
				    tg_top_fmt(a, sizeof(a), cur),
				    tg_top_fmt(b, sizeof(b), tg_top_rate_of(t, cur, p ? tg_top_num(p, key) : 0)),
				    tg_top_fmt(c, sizeof(c), tg_top_num(v, "shares")),
				    tg_top_num(v, "notional"));
		}
	}
	if (!json_array_size(tg_top_get(t->cur, path)))
		tg_top_line(t, 0, " (none yet)");
}

/* Kill switches on one row. */
static void
tg_top_killed(struct tg_top *t)
{
	json_t *k = tg_top_get(t->cur, "risk.killed"), *v;
	char row[256];
	size_t i;
	int off, any = json_is_true(json_object_get(k, "all"));

	off = snprintf(row, sizeof(row), "killed: all %s", any ? "YES" : "no");
	off += snprintf(row + off, sizeof(row) - (size_t)off, "  firms");
	json_array_foreach(json_object_get(k, "firms"), i, v) {
		off += snprintf(row + off, sizeof(row) - (size_t)off, " %s", json_string_value(v));
		any = 1;
		if (off >= (int)sizeof(row) - 40)
			break;
	}
	if (!json_array_size(json_object_get(k, "firms")))
		off += snprintf(row + off, sizeof(row) - (size_t)off, " none");
	off += snprintf(row + off, sizeof(row) - (size_t)off, "  accounts");
	json_array_foreach(json_object_get(k, "accounts"), i, v) {
		off += snprintf(row + off, sizeof(row) - (size_t)off, " %s", json_string_value(v));
		any = 1;
		if (off >= (int)sizeof(row) - 20)
			break;
	}
	if (!json_array_size(json_object_get(k, "accounts")))
		snprintf(row + off, sizeof(row) - (size_t)off, " none");
	tg_top_line(t, any ? tg_top_attr(t, TG_TOP_C_BAD, A_BOLD) : 0, "%s", row);
}

/* The limits nearest to being reached; at most rows. */
static void
tg_top_near(struct tg_top *t, int rows)
{
	json_t *v;
	size_t i;

	tg_top_title(t, "nearest limits   name         limit                 used %      used / limit");
	json_array_foreach(tg_top_get(t->cur, "risk.near_limits"), i, v) {
		double pct = tg_top_num(v, "pct");
		const char *stock = json_string_value(json_object_get(v, "stock"));
		int attr = pct >= 90 ? tg_top_attr(t, TG_TOP_C_BAD, A_BOLD)
			 : pct >= 75 ? tg_top_attr(t, TG_TOP_C_WARN, 0) : 0;
		char key[40], a[16], b[16];

		if ((int)i >= rows)
			break;
		snprintf(key, sizeof(key), "%s%s%s",
			 !strcmp(json_string_value(json_object_get(v, "key")) ?: "",
				 "max_daily_notional") ? "daily notional" : "position",
			 stock && *stock ? " " : "", stock ? stock : "");
		tg_top_line(t, attr, " %-7s  %-12s %-21s %6.1f %%   %s / %s",
			    json_string_value(json_object_get(v, "scope")) ?: "?",
			    json_string_value(json_object_get(v, "name")) ?: "?", key, pct,
			    tg_top_fmt(a, sizeof(a), tg_top_num(v, "used")),
			    tg_top_fmt(b, sizeof(b), tg_top_num(v, "limit")));
	}
	if (!json_array_size(tg_top_get(t->cur, "risk.near_limits")))
		tg_top_line(t, 0, " (no daily notional or position limit set)");
}

/* The newest alerts; at most rows. */
static void
tg_top_recent(struct tg_top *t, int rows)
{
	json_t *v;
	size_t i;

	tg_top_title(t, "recent alerts");
	json_array_foreach(tg_top_get(t->cur, "surveillance.recent"), i, v) {
		long long ns = (long long)tg_top_num(v, "time");

		if ((int)i >= rows)
			break;
		tg_top_line(t, 0, " %02lld:%02lld:%02lld.%03lld  %-18s %-5s %-12s %s",
			    ns / 3600000000000LL, ns / 60000000000LL % 60, ns / 1000000000LL % 60,
			    ns / 1000000LL % 1000, json_string_value(json_object_get(v, "kind")) ?: "?",
			    json_string_value(json_object_get(v, "firm")) ?: "",
			    json_string_value(json_object_get(v, "account")) ?: "",
			    json_string_value(json_object_get(v, "stock")) ?: "");
	}
	if (!json_array_size(tg_top_get(t->cur, "surveillance.recent")))
		tg_top_line(t, 0, " (none)");
}

/* 1: stages, latency, kill switches, busiest, nearest limits, recent alerts. */
static void
tg_top_view_overview(struct tg_top *t)
{
	int rows, has_surv = tg_top_get(t->cur, "surveillance") != NULL;

	tg_top_stages(t);
	tg_top_latency(t);
	if (tg_top_get(t->cur, "risk"))
		tg_top_killed(t);
	/* what is left: busiest, nearest limits, recent alerts */
	rows = tg_top_rows_left(t) - 2 - (tg_top_get(t->cur, "risk") ? 1 : 0) -
	       (has_surv ? 1 : 0);
	if (rows < 3)
		rows = 3;
	tg_top_busiest(t, has_surv ? rows / 3 : rows / 2, !tg_top_get(t->cur, "engine"));
	if (tg_top_get(t->cur, "risk"))
		tg_top_near(t, has_surv ? rows / 3 : rows - rows / 2);
	if (has_surv)
		tg_top_recent(t, tg_top_rows_left(t) - 1);
}

/* name rate total for every member of an object (nonzero ones). */
static void
tg_top_counters(struct tg_top *t, const char *path, int rows)
{
	const char *k;
	json_t *v, *o = tg_top_get(t->cur, path);
	char p[160], a[16], b[16];
	int n = 0;

	json_object_foreach(o, k, v) {
		if (!json_is_number(v) || !json_number_value(v))
			continue;
		if (n++ >= rows)
			break;
		snprintf(p, sizeof(p), "%s.%s", path, k);
		tg_top_line(t, 0, "   %-24s %12s/s %14s", k,
			    tg_top_fmt(a, sizeof(a), tg_top_rate(t, p)),
			    tg_top_fmt(b, sizeof(b), json_number_value(v)));
	}
	if (!n)
		tg_top_line(t, 0, "   (all zero)");
}

/* 2: the market-data path. */
static void
tg_top_view_feed(struct tg_top *t)
{
	json_t *f = tg_top_get(t->cur, "feed"), *v;
	char a[16], b[16], c[16];
	size_t i;

	if (!f) {
		tg_top_line(t, 0, "this appliance has no market-data path");
		return;
	}
	tg_top_title(t, "feed                           per second          total");
	tg_top_line(t, 0, " card %s", json_string_value(json_object_get(f, "card")) ?: "?");
	tg_top_line(t, 0, "   line A frames %20s/s %14s",
		    tg_top_fmt(a, sizeof(a), tg_top_rate(t, "feed.lines.A.frames")),
		    tg_top_fmt(b, sizeof(b), tg_top_num(t->cur, "feed.lines.A.frames")));
	tg_top_line(t, 0, "   line B frames %20s/s %14s",
		    tg_top_fmt(a, sizeof(a), tg_top_rate(t, "feed.lines.B.frames")),
		    tg_top_fmt(b, sizeof(b), tg_top_num(t->cur, "feed.lines.B.frames")));
	tg_top_line(t, 0, "   messages %25s/s %14s",
		    tg_top_fmt(a, sizeof(a), tg_top_rate(t, "feed.messages")),
		    tg_top_fmt(b, sizeof(b), tg_top_num(t->cur, "feed.messages")));
	tg_top_line(t, 0, "   gaps %29s/s %14s (%s messages lost)",
		    tg_top_fmt(a, sizeof(a), tg_top_rate(t, "feed.gaps")),
		    tg_top_fmt(b, sizeof(b), tg_top_num(t->cur, "feed.gaps")),
		    tg_top_fmt(c, sizeof(c), tg_top_num(t->cur, "feed.gap_messages")));
	json_array_foreach(json_object_get(f, "sessions"), i, v)
		tg_top_line(t, 0, " session %s next %s%s",
			    json_string_value(json_object_get(v, "session")) ?: "?",
			    tg_top_fmt(a, sizeof(a), tg_top_num(v, "next_seq")),
			    json_is_true(json_object_get(v, "ended")) ? " (ended)" : "");
	tg_top_line(t, 0, " rings: h2c %.0f/%.0f used, c2h %.0f/%.0f held; crypto %.0f jobs, %.0f pending",
		    tg_top_num(f, "rings.h2c.used"), tg_top_num(f, "rings.h2c.size"),
		    tg_top_num(f, "rings.c2h.held"), tg_top_num(f, "rings.c2h.size"),
		    tg_top_num(f, "crypto.jobs"), tg_top_num(f, "crypto.pending"));
	tg_top_title(t, " drops by reason");
	tg_top_counters(t, "feed.drops", 4);
	tg_top_busiest(t, tg_top_rows_left(t) - 1, 1);
}

/* 3: the engine and the gateway, rejects by reason. */
static void
tg_top_view_engine(struct tg_top *t)
{
	if (!tg_top_get(t->cur, "engine")) {
		tg_top_line(t, 0, "this appliance has no order path");
		return;
	}
	tg_top_stages(t);
	tg_top_title(t, " rejects by reason            per second          total");
	tg_top_counters(t, "engine.rejects", 5);
	if (tg_top_get(t->cur, "gateway")) {
		tg_top_title(t, " gateway                      per second          total");
		tg_top_counters(t, "gateway", 6);
	}
	tg_top_busiest(t, tg_top_rows_left(t) - 1, 0);
}

/* 4: kill switches and every limit in use, nearest first. */
static void
tg_top_view_risk(struct tg_top *t)
{
	if (!tg_top_get(t->cur, "risk")) {
		tg_top_line(t, 0, "this appliance has no order path");
		return;
	}
	tg_top_killed(t);
	t->y++;
	tg_top_near(t, tg_top_rows_left(t) - 1);
}

/* 5: surveillance. */
static void
tg_top_view_alerts(struct tg_top *t)
{
	if (!tg_top_get(t->cur, "surveillance")) {
		tg_top_line(t, 0, "this appliance runs no surveillance");
		return;
	}
	tg_top_title(t, " alerts by kind               per second          total");
	tg_top_counters(t, "surveillance.alerts", 9);
	tg_top_recent(t, tg_top_rows_left(t) - 1);
}

/* 6: latency and the control plane's own counters. */
static void
tg_top_view_latency(struct tg_top *t)
{
	tg_top_latency(t);
	if (!tg_top_get(t->cur, "latency"))
		tg_top_line(t, 0, "this appliance records no latency");
	t->y++;
	if (tg_top_get(t->cur, "control")) {
		tg_top_title(t, " control plane                per second          total");
		tg_top_counters(t, "control", 7);
	}
}

/* The keys, in a box over the view. */
static void
tg_top_draw_help(void)
{
	static const char *const rows[] = {
		"",
		"keys",
		"",
		"  1 o   overview: stages, latency, busiest, limits, alerts",
		"  2 f   feed: lines, sessions, drops, rings, busiest stocks",
		"  3 e   engine and gateway: rates, rejects by reason",
		"  4 r   risk: kill switches, limits nearest to being reached",
		"  5 a   surveillance: alerts by kind, the newest ones",
		"  6 l   latency percentiles and the control plane",
		"  + -   poll less or more often",
		"  space poll now           p  pause / go on",
		"  h ?   this help          q  quit (also Esc, Ctrl-C)",
		"",
		"any key closes this help",
		"",
	};
	int n = (int)(sizeof(rows) / sizeof(rows[0])), w = 62;
	int y0 = (LINES - n) / 2, x0 = (COLS - w) / 2;

	if (y0 < 1)
		y0 = 1;
	if (x0 < 0)
		x0 = 0;
	if (w > COLS)
		w = COLS;
	attron(A_REVERSE);
	for (int i = 0; i < n && y0 + i < LINES - 1; i++) {
		mvhline(y0 + i, x0, ' ', w);
		mvaddnstr(y0 + i, x0 + 2, rows[i], w - 2 > 0 ? w - 2 : 0);
	}
	attroff(A_REVERSE);
}

/* The whole screen: header, the view, the footer, the help on top. */
static void
tg_top_draw(struct tg_top *t, const char *path)
{
	char hdr[256], clock[16];
	time_t now = time(NULL);
	struct tm tm;

	erase();
	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	snprintf(hdr, sizeof(hdr), "tickgate top  %s  [%d] %s  every %.1fs%s  %s", clock,
		 (int)t->view + 1, tg_top_view_names[t->view], t->interval,
		 t->paused ? "  PAUSED" : "", path);
	attron(A_REVERSE);
	mvhline(0, 0, ' ', COLS);
	mvaddnstr(0, 0, hdr, COLS);
	attroff(A_REVERSE);
	t->y = 2;
	switch (t->view) {
	case TG_TOP_OVERVIEW:
		tg_top_view_overview(t);
		break;
	case TG_TOP_FEED:
		tg_top_view_feed(t);
		break;
	case TG_TOP_ENGINE:
		tg_top_view_engine(t);
		break;
	case TG_TOP_RISK:
		tg_top_view_risk(t);
		break;
	case TG_TOP_ALERTS:
		tg_top_view_alerts(t);
		break;
	default:
		tg_top_view_latency(t);
		break;
	}
	attron(A_REVERSE);
	mvhline(LINES - 1, 0, ' ', COLS);
	mvaddnstr(LINES - 1, 0, " q quit  h help  1-6 views  +/- interval  space poll  p pause",
		  COLS);
	attroff(A_REVERSE);
	if (t->help)
		tg_top_draw_help();
	refresh();
}

/* One poll: cur becomes prev. 0, or TG_EXIT_FAIL with err filled. */
static int
tg_top_poll(struct tg_top *t, const char *path, char *err, size_t errlen)
{
	json_t *r = NULL;

	if (tg_ctl_call(path, "stats", NULL, NULL, TG_TOP_TIMEOUT_MS, &r, err, errlen))
		return TG_EXIT_FAIL;
	if (!json_is_true(json_object_get(r, "ok"))) {
		snprintf(err, errlen, "%s", json_string_value(json_object_get(r, "error")) ?:
			 "stats refused");
		json_decref(r);
		return TG_EXIT_FAIL;
	}
	json_decref(t->prev);
	t->prev = t->cur;
	t->prev_t = t->cur_t;
	t->cur = r;
	t->cur_t = tg_top_now();
	return 0;
}

/* A key: 1 to quit, 2 to poll now, 0 otherwise. */
static int
tg_top_key(struct tg_top *t, int ch)
{
	if (t->help && ch != ERR && ch != KEY_RESIZE) {
		t->help = 0;
		return ch == 'q' || ch == 'Q' || ch == 27;
	}
	switch (ch) {
	case 'q': case 'Q': case 27:
		return 1;
	case 'h': case '?':
		t->help = 1;
		return 0;
	case '1': case '2': case '3': case '4': case '5': case '6':
		t->view = (enum tg_top_view)(ch - '1');
		return 0;
	case 'o':
		t->view = TG_TOP_OVERVIEW;
		return 0;
	case 'f':
		t->view = TG_TOP_FEED;
		return 0;
	case 'e':
		t->view = TG_TOP_ENGINE;
		return 0;
	case 'r':
		t->view = TG_TOP_RISK;
		return 0;
	case 'a':
		t->view = TG_TOP_ALERTS;
		return 0;
	case 'l':
		t->view = TG_TOP_LATENCY;
		return 0;
	case '+': case '=':
		t->interval = fmin(t->interval * 2, TG_TOP_MAX_INTERVAL);
		return 0;
	case '-': case '_':
		t->interval = fmax(t->interval / 2, TG_TOP_MIN_INTERVAL);
		return 0;
	case ' ':
		return 2;
	case 'p': case 'P':
		t->paused = !t->paused;
		return 0;
	default:
		return 0;
	}
}

/* Signals end the loop; the terminal is put back before leaving. */
static void
tg_top_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tg_top_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* The screen until q, a signal, or the appliance going away. */
static int
tg_top_run(struct tg_top *t, const char *path)
{
	char err[512] = "";
	SCREEN *scr;
	double next;
	int rc = TG_EXIT_OK;

	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		fprintf(stderr, "tickgate top: cannot use the terminal (TERM=%s)\n",
			getenv("TERM") ?: "");
		return TG_EXIT_FAIL;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(100);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(TG_TOP_C_WARN, COLOR_YELLOW, -1);
		init_pair(TG_TOP_C_BAD, COLOR_RED, -1);
		init_pair(TG_TOP_C_TITLE, COLOR_CYAN, -1);
		t->color = 1;
	}
	next = tg_top_now() + t->interval;
	tg_top_draw(t, path);
	while (!tg_top_stop) {
		int ch = getch(), k, dirty = ch != ERR;

		if (tg_top_stop)
			break;
		k = tg_top_key(t, ch);
		if (k == 1)
			break;
		if (k == 2 || (!t->paused && tg_top_now() >= next)) {
			if ((rc = tg_top_poll(t, path, err, sizeof(err))))
				break;
			next = tg_top_now() + t->interval;
			dirty = 1;
		}
		if (dirty)
			tg_top_draw(t, path);
	}
	endwin();
	delscreen(scr);
	if (rc)
		fprintf(stderr, "tickgate top: the appliance went away: %s\n", err);
	return rc;
}

/* tickgate top: options, the first poll (before the screen is taken), the loop. */
int
tg_cmd_top(int argc, char **argv)
{
	struct tg_top t = { .interval = 1.0 };
	char path[PATH_MAX];
	json_t *args = NULL;
	int rc;

	for (int i = 1; i < argc; i++) {
		int r;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(tg_top_help, stdout);
			return TG_EXIT_OK;
		}
		if (!strcmp(argv[i], "--interval")) {
			char *end;

			if (i + 1 >= argc)
				return tg_cli_usage_error("top", "--interval needs a value");
			t.interval = strtod(argv[++i], &end);
			if (*end || !(t.interval >= TG_TOP_MIN_INTERVAL &&
				      t.interval <= TG_TOP_MAX_INTERVAL))
				return tg_cli_usage_error("top", "--interval is 0.2 to 60 seconds,"
							  " not '%s'", argv[i]);
			continue;
		}
		if ((r = tg_cli_ctl_option("top", &t.ctl, 0, argc, argv, &i)) < 0)
			return TG_EXIT_USAGE;
		if (!r)
			return tg_cli_usage_error("top", "unknown argument '%s'", argv[i]);
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "tickgate top: needs a terminal (tickgate stats reads the same"
			" counters for scripts)\n");
		return TG_EXIT_FAIL;
	}
	/* the socket and the first poll, before the screen is taken */
	{
		json_t *r;

		t.ctl.timeout_ms = TG_TOP_TIMEOUT_MS;
		if ((rc = tg_cli_ctl_call("top", &t.ctl, "stats", args, &r)))
			return rc;
		t.cur = r;
		t.cur_t = tg_top_now();
	}
	if (tg_cli_ctl_socket("top", &t.ctl, path, sizeof(path))) {
		json_decref(t.cur);
		return TG_EXIT_FAIL;
	}
	setlocale(LC_ALL, "");
	tg_top_signals();
	rc = tg_top_run(&t, path);
	json_decref(t.cur);
	json_decref(t.prev);
	return rc;
}
