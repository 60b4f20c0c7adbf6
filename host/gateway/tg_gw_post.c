/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Post-trade on the engine's outputs, live in the gateway and offline
 * over a journal (tickgate alerts, tickgate settle): every outbound
 * message and every fill goes to surveillance, every fill to clearing,
 * and the feed's last trade marks clearing's positions.
 *
 * The gateway and the offline commands run this same code on the same
 * sequence of engine outputs: live from the engine's sink, offline from
 * the sink of a replay (tg_gw_replay_cb.tap), which sees the outputs in
 * the order the engine produced them, fills interleaved. Surveillance
 * and clearing keep no clock and read no file, so both raise the same
 * alerts in the same order and reach the same clearing state.
 *
 * Live, an alert is a JSON line that goes to the alerts file only after
 * the journal holds, durably, the input that raised it (after the group
 * commit): the file never holds an alert that a replay of the journal
 * would not raise. At start-up the alerts raised by the journal's replay
 * are compared with the file, which is completed if a crash cut it short.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cfgfile.h>

#include "gateway/tg_gw_int.h"
#include "order/tg_engine.h"
#include "post/tg_clear.h"
#include "post/tg_money.h"
#include "post/tg_settle.h"
#include "surv/tg_surv.h"

#define TG_GW_POST_BUF_MAX	(1u << 20)	/* alert bytes kept while the file refuses them */

struct tg_gw_post {
	struct tg_clear *clear;
	struct tg_surv *surv;
	struct tg_engine_sink sink;

	tg_gw_alert_fn on_alert;
	void *on_alert_ctx;
	tg_gw_cleared_fn on_fill;
	void *on_fill_ctx;

	/* live only (tg_gw_post_file) */
	bool to_file;
	char alerts_cfg[PATH_MAX];	/* [control] alerts; "" = <journal>/alerts.jsonl */
	char alerts_path[PATH_MAX];
	char journal[PATH_MAX];
	uint64_t midnight;
	FILE *log;
	int fd;				/* the alerts file once started, else -1 */
	char *buf;			/* alert lines not yet in the file */
	size_t len, cap;
	uint64_t buf_lines;
	bool write_failed;		/* logged once until a write works again */

	struct tg_gw_post_stats st;
};

/* ---- the engine's outputs ---- */

/* Sink: one outbound message, to surveillance. */
void
tg_gw_post_out(void *ctx, unsigned user, const struct tg_ouch_out *m)
{
	struct tg_gw_post *p = ctx;

	tg_surv_order(p->surv, user, m);
}

/* Sink: one execution, to clearing then surveillance. */
void
tg_gw_post_fill(void *ctx, const struct tg_engine_fill *f)
{
	struct tg_gw_post *p = ctx;
	struct tg_clear_result r;
	int rc = tg_clear_fill(p->clear, f, &r);

	if (rc)
		p->st.fills_refused++;
	else
		p->st.fills_cleared++;
	if (p->on_fill)
		p->on_fill(p->on_fill_ctx, f, rc ? NULL : &r, rc);
	tg_surv_fill(p->surv, f);
}

/* Reference data the engine took: the last trade marks open positions. */
void
tg_gw_post_market(struct tg_gw_post *p, uint64_t ts, const struct tg_engine_market *mk)
{
	(void)ts;
	if (mk->last && !tg_clear_mark(p->clear, mk->stock, mk->last))
		p->st.marks++;
}

/* Append to the pending lines; false when they outgrew the bound (dropped, counted). */
static bool
tg_gw_post_keep(struct tg_gw_post *p, const char *line, size_t n)
{
	if (p->len + n > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		char *b;

		while (cap < p->len + n)
			cap *= 2;
		if (p->fd >= 0 && cap > TG_GW_POST_BUF_MAX)
			return false;
		if (!(b = realloc(p->buf, cap)))
			return false;
		p->buf = b;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, line, n);
	p->len += n;
	p->buf_lines++;
	return true;
}

/* Surveillance's callback: the alert as its line, to the observer and the file. */
static void
tg_gw_post_alert(void *ctx, const struct tg_surv_alert *a)
{
	struct tg_gw_post *p = ctx;
	json_t *j = tg_surv_alert_json(p->surv, a);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	size_t n;

	json_decref(j);
	p->st.alerts++;
	if (!s) {
		p->st.alerts_dropped++;
		return;
	}
	n = strlen(s);
	s[n] = '\n';	/* json_dumps' NUL becomes the line end; the length says where it stops */
	if (p->on_alert)
		p->on_alert(p->on_alert_ctx, a, s, n + 1);
	if (p->to_file && !tg_gw_post_keep(p, s, n + 1))
		p->st.alerts_dropped++;
	free(s);
}

/* ---- set-up ---- */

/*
 * Clearing and surveillance for the users of e, configured from cf as
 * docs/post-trade.md and docs/surveillance.md say. The users' firm,
 * account and owner come from [user.*] in the order the engine numbers
 * them (checked).
 */
int
tg_gw_post_new(struct rte_cfgfile *cf, const struct tg_engine *e, struct tg_gw_post **out,
	       char *err, size_t errlen)
{
	struct tg_clear_user *users = NULL;
	struct tg_surv_user *su = NULL;
	struct tg_surv_config sc;
	struct tg_gw_post *p;
	unsigned n = 0;
	int rc;

	*out = NULL;
	if (!(p = calloc(1, sizeof(*p))))
		return -ENOMEM;
	p->fd = -1;
	p->sink = (struct tg_engine_sink){ .out = tg_gw_post_out, .fill = tg_gw_post_fill, .ctx = p };
	if ((rc = tg_clear_users_from_cfg(cf, &users, &n, err, errlen)))
		goto fail;
	if (n != tg_engine_users(e)) {
		snprintf(err, errlen, "clearing sees %u users, the engine %u", n, tg_engine_users(e));
		rc = -EINVAL;
		goto fail;
	}
	rc = -ENOMEM;
	if (!(su = calloc(n ? n : 1, sizeof(*su))))
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(users[i].name, tg_engine_user_name(e, i))) {
			snprintf(err, errlen, "user %u is %s for clearing and %s for the engine", i,
				 users[i].name, tg_engine_user_name(e, i));
			rc = -EINVAL;
			goto fail;
		}
		if (strlen(users[i].firm) >= sizeof(su[i].firm)) {
			snprintf(err, errlen, "[user.%s] firm: longer than %zu characters",
				 users[i].name, sizeof(su[i].firm) - 1);
			rc = -EINVAL;
			goto fail;
		}
		snprintf(su[i].firm, sizeof(su[i].firm), "%s", users[i].firm);
		snprintf(su[i].account, sizeof(su[i].account), "%s", users[i].account);
		snprintf(su[i].owner, sizeof(su[i].owner), "%s", users[i].owner);
	}
	if ((rc = tg_clear_new(users, n, NULL, &p->clear, err, errlen)) ||
	    (rc = tg_clear_configure(p->clear, cf, err, errlen)) ||
	    (rc = tg_surv_config_load(cf, &sc, err, errlen)))
		goto fail;
	if (!(p->surv = tg_surv_new(&sc, su, n, tg_gw_post_alert, p))) {
		rc = -ENOMEM;
		goto fail;
	}
	free(users);
	free(su);
	*out = p;
	return 0;
fail:
	if (rc == -ENOMEM && errlen && !err[0])
		snprintf(err, errlen, "post-trade: out of memory");
	free(users);
	free(su);
	tg_gw_post_free(p);
	return rc;
}

/* Close the alerts file and free everything; NULL is fine. */
void
tg_gw_post_free(struct tg_gw_post *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	tg_surv_free(p->surv);
	tg_clear_free(p->clear);
	free(p->buf);
	free(p);
}

/* The sink that feeds clearing and surveillance (for a replay's tap). */
const struct tg_engine_sink *
tg_gw_post_sink(struct tg_gw_post *p)
{
	return &p->sink;
}

/* One observer of every alert line (the control plane's, or a command's output). */
void
tg_gw_post_on_alert(struct tg_gw_post *p, tg_gw_alert_fn fn, void *ctx)
{
	p->on_alert = fn;
	p->on_alert_ctx = ctx;
}

/* One observer of every fill with what clearing made of it. */
void
tg_gw_post_on_fill(struct tg_gw_post *p, tg_gw_cleared_fn fn, void *ctx)
{
	p->on_fill = fn;
	p->on_fill_ctx = ctx;
}

/* The clearing, for reads on the owner's thread (or after it stopped). */
struct tg_clear *
tg_gw_post_clear(struct tg_gw_post *p)
{
	return p->clear;
}

/* The surveillance, likewise. */
struct tg_surv *
tg_gw_post_surv(struct tg_gw_post *p)
{
	return p->surv;
}

/* A copy of the counters. */
void
tg_gw_post_get_stats(const struct tg_gw_post *p, struct tg_gw_post_stats *s)
{
	*s = p->st;
}

/* ---- the clearing summary ---- */

/* p4 money as dollars. */
static const char *
tg_gw_money(int64_t v, char buf[TG_MONEY_STR_MAX])
{
	if (tg_money_format(v, TG_MONEY_SCALE, buf, TG_MONEY_STR_MAX) < 0)
		snprintf(buf, TG_MONEY_STR_MAX, "?");
	return buf;
}

/* tg_clear_foreach_position callback: one "position" line. */
static int
tg_gw_summary_pos(void *ctx, const struct tg_clear_position *x)
{
	char a[TG_MONEY_STR_MAX], b[TG_MONEY_STR_MAX], c[TG_MONEY_STR_MAX],
	     d[TG_MONEY_STR_MAX], e[TG_MONEY_STR_MAX], f[TG_MONEY_STR_MAX];

	return fprintf(ctx, "position %s %s %s shares %lld cost %s average %s mark %s"
		       " realised %s unrealised %s bought %lld sold %lld fees %s fills %llu\n",
		       x->firm, x->account, x->stock, (long long)x->shares, tg_gw_money(x->cost, a),
		       tg_gw_money(x->avg_price, b), tg_gw_money(x->mark, c),
		       tg_gw_money(x->realised, d), tg_gw_money(x->unrealised, e),
		       (long long)x->bought, (long long)x->sold, tg_gw_money(x->fees, f),
		       (unsigned long long)x->fills) < 0 ? -EIO : 0;
}

/* One balance line: an account's or a firm's. */
static void
tg_gw_summary_bal(FILE *f, const char *what, const struct tg_clear_balance *b)
{
	char a[TG_MONEY_STR_MAX], c[TG_MONEY_STR_MAX], d[TG_MONEY_STR_MAX],
	     e[TG_MONEY_STR_MAX], g[TG_MONEY_STR_MAX], h[TG_MONEY_STR_MAX];

	fprintf(f, "%s %s%s%s cash %s fees %s realised %s unrealised %s bought %lld (%s)"
		" sold %lld (%s) fills %llu\n",
		what, b->firm, b->account[0] ? " " : "", b->account, tg_gw_money(b->cash, a),
		tg_gw_money(b->fees, c), tg_gw_money(b->realised, d),
		tg_gw_money(b->unrealised, e), (long long)b->bought_shares,
		tg_gw_money(b->bought_notional, g), (long long)b->sold_shares,
		tg_gw_money(b->sold_notional, h), (unsigned long long)b->fills);
}

/*
 * The clearing state as text (docs/post-trade.md, "The clearing
 * summary"): a header with the digest, every account, every position,
 * every firm. 0 or -EIO.
 */
int
tg_gw_post_summary(struct tg_gw_post *p, uint32_t trade_date, FILE *f)
{
	struct tg_clear_stats cs;
	char date[11];
	int rc;

	tg_clear_get_stats(p->clear, &cs);
	if (tg_settle_date_format(trade_date, date))
		snprintf(date, sizeof(date), "%u", trade_date);
	fprintf(f, "clearing %s fills %llu refused %llu marks %llu digest %016llx\n", date,
		(unsigned long long)cs.fills,
		(unsigned long long)(cs.bad_user + cs.bad_fill + cs.full),
		(unsigned long long)cs.marks, (unsigned long long)tg_clear_digest(p->clear));
	for (unsigned i = 0; i < tg_clear_accounts(p->clear); i++) {
		struct tg_clear_balance b;

		if (!tg_clear_account_get(p->clear, i, &b))
			tg_gw_summary_bal(f, "account", &b);
	}
	if ((rc = tg_clear_foreach_position(p->clear, tg_gw_summary_pos, f)))
		return rc;
	for (unsigned i = 0; i < tg_clear_firms(p->clear); i++) {
		struct tg_clear_balance b;

		if (!tg_clear_firm_get(p->clear, i, &b)) {
			b.account[0] = 0;
			tg_gw_summary_bal(f, "firm", &b);
		}
	}
	return ferror(f) ? -EIO : 0;
}

/* YYYYMMDD of the UTC day that starts at midnight (s since the epoch). */
uint32_t
tg_gw_trade_date(uint64_t midnight)
{
	time_t t = (time_t)midnight;
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return 0;
	return (uint32_t)(tm.tm_year + 1900) * 10000 + (uint32_t)(tm.tm_mon + 1) * 100 +
	       (uint32_t)tm.tm_mday;
}

/* ---- live: the alerts file and the files beside the journal ---- */

/* Write all of buf to fd. 0 or -errno. */
static int
tg_gw_post_write(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t k = write(fd, buf, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The whole of a file into memory (*len bytes; empty or missing: NULL, 0). */
static int
tg_gw_post_slurp(int fd, char **out, size_t *len)
{
	struct stat sb;
	size_t got = 0;
	char *b;

	*out = NULL;
	*len = 0;
	if (fstat(fd, &sb))
		return -errno;
	if (!sb.st_size)
		return 0;
	if (!(b = malloc((size_t)sb.st_size)))
		return -ENOMEM;
	while (got < (size_t)sb.st_size) {
		ssize_t k = pread(fd, b + got, (size_t)sb.st_size - got, (off_t)got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			free(b);
			return k < 0 ? -errno : -EIO;
		}
		got += (size_t)k;
	}
	*out = b;
	*len = got;
	return 0;
}

/* Write path from its bytes as a whole (PATH.tmp, synced, renamed). 0 or -errno. */
static int
tg_gw_post_file_replace(const char *path, const char *data, size_t n, mode_t mode)
{
	char tmp[PATH_MAX + 8];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	rc = tg_gw_post_write(fd, data, n);
	if (!rc && fsync(fd))
		rc = -errno;
	close(fd);
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

/*
 * Live mode: alerts are kept until tg_gw_post_start() and then go to the
 * alerts file ([control] alerts, default <journal>/alerts.jsonl).
 */
int
tg_gw_post_file(struct tg_gw_post *p, struct rte_cfgfile *cf, char *err, size_t errlen)
{
	const char *v = rte_cfgfile_get_entry(cf, "control", "alerts");

	if (v && (!*v || strlen(v) >= sizeof(p->alerts_cfg))) {
		snprintf(err, errlen, "[control] alerts: '%s' is not a file name", v);
		return -EINVAL;
	}
	snprintf(p->alerts_cfg, sizeof(p->alerts_cfg), "%s", v ? v : "");
	p->to_file = true;
	return 0;
}

/* Create the directories above a file that are missing (0750), like the journal's own. */
static void
tg_gw_post_mkdirs(const char *path)
{
	char d[PATH_MAX];

	snprintf(d, sizeof(d), "%s", path);
	for (char *p = d + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		if (mkdir(d, 0750) && errno != EEXIST)
			return;	/* open() then says what is wrong */
		*p = '/';
	}
}

/*
 * The alerts file against the alerts the journal's replay raised (in
 * buf): a file that is a prefix of them (a crash between the journal's
 * commit and the alerts' write, or a line cut in the middle) is
 * completed; one that says anything else belongs to another journal or
 * another configuration, and is kept as PATH.prev while a new one is
 * written.
 */
static int
tg_gw_post_open_alerts(struct tg_gw_post *p, char *err, size_t errlen)
{
	char *have = NULL;
	size_t n = 0, k = 0;
	int rc;

	tg_gw_post_mkdirs(p->alerts_path);
	p->fd = open(p->alerts_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (p->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "alerts file %s: %s", p->alerts_path, strerror(-rc));
		return rc;
	}
	if ((rc = tg_gw_post_slurp(p->fd, &have, &n))) {
		snprintf(err, errlen, "alerts file %s: %s", p->alerts_path, strerror(-rc));
		return rc;
	}
	while (k < n && k < p->len && have[k] == p->buf[k])
		k++;
	free(have);
	if (k < n) {
		char prev[PATH_MAX + 8];

		snprintf(prev, sizeof(prev), "%s.prev", p->alerts_path);
		close(p->fd);
		p->fd = -1;
		if (rename(p->alerts_path, prev) ||
		    (p->fd = open(p->alerts_path, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
				  0640)) < 0) {
			rc = -errno;
			snprintf(err, errlen, "alerts file %s: %s", p->alerts_path, strerror(-rc));
			return rc;
		}
		fprintf(p->log, "tickgate gateway: alerts file %s does not hold the journal's alerts"
			" (kept as %s); written again from the journal\n", p->alerts_path, prev);
		k = 0;
	} else if (k < p->len) {
		fprintf(p->log, "tickgate gateway: alerts file %s: %zu bytes of the journal's alerts"
			" were missing; added\n", p->alerts_path, p->len - k);
	}
	if ((rc = tg_gw_post_write(p->fd, p->buf + k, p->len - k))) {
		snprintf(err, errlen, "alerts file %s: %s", p->alerts_path, strerror(-rc));
		return rc;
	}
	p->st.alerts_written += p->buf_lines;
	p->len = 0;
	p->buf_lines = 0;
	return 0;
}

/*
 * After the journal replayed (or the day began): reconcile the alerts
 * file with the replay's alerts, and keep a copy of the configuration
 * beside the journal (<journal>/config.ini), the one the offline
 * commands read by default.
 */
int
tg_gw_post_start(struct tg_gw_post *p, const char *journal, const char *config,
		 uint64_t midnight, FILE *log, char *err, size_t errlen)
{
	char copy[PATH_MAX + 16], *data = NULL;
	size_t n = 0;
	int fd, rc;

	p->log = log;
	p->midnight = midnight;
	snprintf(p->journal, sizeof(p->journal), "%s", journal);
	if (p->alerts_cfg[0])
		snprintf(p->alerts_path, sizeof(p->alerts_path), "%s", p->alerts_cfg);
	else if (snprintf(p->alerts_path, sizeof(p->alerts_path), "%s/alerts.jsonl", journal) >=
		 (int)sizeof(p->alerts_path)) {
		snprintf(err, errlen, "alerts file: the journal's path is too long");
		return -ENAMETOOLONG;
	}
	if ((rc = tg_gw_post_open_alerts(p, err, errlen)))
		return rc;
	if (!config)
		return 0;
	snprintf(copy, sizeof(copy), "%s/config.ini", journal);
	fd = open(config, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		rc = -errno;
	else if (!(rc = tg_gw_post_slurp(fd, &data, &n)))
		rc = tg_gw_post_file_replace(copy, data, n, 0600);
	if (rc)
		snprintf(err, errlen, "copy of the configuration to %s: %s", copy, strerror(-rc));
	if (fd >= 0)
		close(fd);
	free(data);
	return rc;
}

/* After a group commit: the alerts raised since go to the file. */
void
tg_gw_post_commit(struct tg_gw_post *p)
{
	int rc;

	if (p->fd < 0 || !p->len)
		return;
	rc = tg_gw_post_write(p->fd, p->buf, p->len);
	if (rc) {
		p->st.alert_write_errors++;
		if (!p->write_failed)
			fprintf(p->log, "tickgate gateway: alerts file %s: %s; alerts are kept and"
				" written again at the next restart\n", p->alerts_path, strerror(-rc));
		p->write_failed = true;
		if (p->len > TG_GW_POST_BUF_MAX / 2) {
			/* the journal keeps them: a restart writes them from its replay */
			p->st.alerts_dropped += p->buf_lines;
			p->len = 0;
			p->buf_lines = 0;
		}
		return;
	}
	p->write_failed = false;
	p->st.alerts_written += p->buf_lines;
	p->len = 0;
	p->buf_lines = 0;
}

/*
 * At a clean stop: the clearing summary beside the journal
 * (<journal>/clearing.txt), what `tickgate settle` prints for the same
 * journal. 0 or -errno (logged).
 */
int
tg_gw_post_finish(struct tg_gw_post *p)
{
	char path[PATH_MAX + 16], *text = NULL;
	size_t n = 0;
	FILE *m;
	int rc;

	if (!p->journal[0])
		return 0;
	tg_gw_post_commit(p);
	snprintf(path, sizeof(path), "%s/clearing.txt", p->journal);
	if (!(m = open_memstream(&text, &n)))
		return -ENOMEM;
	rc = tg_gw_post_summary(p, tg_gw_trade_date(p->midnight), m);
	if (fclose(m) && !rc)
		rc = -EIO;
	if (!rc)
		rc = tg_gw_post_file_replace(path, text, n, 0640);
	free(text);
	if (rc)
		fprintf(p->log, "tickgate gateway: clearing summary %s: %s\n", path, strerror(-rc));
	return rc;
}

/* The nonzero counters, "name value" lines like the gateway's own. */
void
tg_gw_post_print_stats(const struct tg_gw_post *p, FILE *f)
{
	const struct {
		const char *name;
		uint64_t v;
	} k[] = {
		{ "fills_cleared", p->st.fills_cleared },
		{ "fills_refused", p->st.fills_refused },
		{ "marks", p->st.marks },
		{ "alerts", p->st.alerts },
		{ "alerts_written", p->st.alerts_written },
		{ "alerts_dropped", p->st.alerts_dropped },
		{ "alert_write_errors", p->st.alert_write_errors },
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (k[i].v)
			fprintf(f, "%s %llu\n", k[i].name, (unsigned long long)k[i].v);
}
