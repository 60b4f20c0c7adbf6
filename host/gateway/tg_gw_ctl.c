/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's operator side (docs/control.md, "The appliance"): the
 * control socket (tg_ctl) with the commands of tg_stats, Prometheus
 * metrics (tg_metrics), DPDK telemetry under /tickgate/..., and the
 * order-to-ack latency histogram they all show.
 *
 * Who writes what. The gateway's loop owns the engine, the journal and
 * the sockets; nothing here takes a lock on its path. It applies the
 * operators' changes in tg_gw_ctl_poll() (the control thread hands them
 * over through tg_ctl's single-producer single-consumer ring), journaling
 * each as a CONTROL input before the engine sees it; it records its own
 * latency histogram; and once per busy iteration it publishes a copy of
 * its counters under a sequence counter. The HTTP thread, the telemetry
 * threads and the control thread only read: the published copy, the
 * histograms (tg_hist is safe to read while its owner records), and the
 * feed lcores' own counter blocks, each written by its lcore alone and
 * summed on read.
 *
 * Waking the loop. The loop sleeps in epoll up to 100 ms; the hand-over
 * ring has no file descriptor. Every request is appended to the audit log
 * before any handler runs, so the loop watches the log with inotify: when
 * it grows, a change may follow within the audit record's fdatasync, and
 * the loop polls the ring at short intervals (an eighth of the time since
 * the record, 20 to 250 us) until it has applied one or 100 ms have
 * passed. An idle gateway so takes a request's change a few tens of
 * microseconds after it was queued, without spinning.
 */
#define _GNU_SOURCE		/* epoll_pwait2 */
#define ALLOW_EXPERIMENTAL_API	/* rte_seqcount: DPDK 22.11 marks it experimental */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <rte_cfgfile.h>
#include <rte_seqcount.h>
#include <rte_telemetry.h>

#include "book/tg_book.h"
#include "control/tg_ctl.h"
#include "control/tg_hist.h"
#include "control/tg_metrics.h"
#include "control/tg_stats.h"
#include "gateway/tg_gw_int.h"
#include "order/tg_engine.h"
#include "tg_card.h"
#include "tg_itch.h"

#define TG_GW_LAT_RING		64		/* reads of one user waiting for their answers to go out */
#define TG_GW_FEEDS		4		/* feed lcores with counter blocks */
#define TG_GW_NS		1000000000ull
#define TG_GW_HINT_WINDOW_NS	100000000ull	/* poll the ring this long after the audit log grew */
#define TG_GW_HINT_MIN_NS	20000ull
#define TG_GW_HINT_MAX_NS	250000ull
#define TG_GW_HINT_SLACK_NS	2000ul		/* the loop thread's timer slack */
#define TG_GW_PUB_IDLE_NS	50000000ull	/* counters published at least this often */
#define TG_GW_FEED_PUB_NS	100000000ull	/* the card's snapshot, from the feed lcore */
#define TG_GW_REJECT_CODES	"OUQXDRNLSCHacFZnKmVY"	/* docs/order-path.md, section 6 */

/* ---- the records ---- */

/* Big-endian u64. */
static void
tg_gw_ctl_put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The big-endian u64 at p. */
static uint64_t
tg_gw_ctl_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * CONTROL input: ts u64, kind u8, scope a8, name a32, key a32, value i64;
 * the text fields NUL-padded, as struct tg_engine_ctl holds them.
 */
size_t
tg_gw_rec_control(uint8_t *out, uint64_t ts, const struct tg_engine_ctl *c)
{
	tg_gw_ctl_put64(out, ts);
	out[8] = (uint8_t)c->kind;
	memset(out + 9, 0, 8 + 32 + 32);
	memcpy(out + 9, c->scope, strnlen(c->scope, sizeof(c->scope) - 1));
	memcpy(out + 17, c->name, strnlen(c->name, sizeof(c->name) - 1));
	memcpy(out + 49, c->key, strnlen(c->key, sizeof(c->key) - 1));
	tg_gw_ctl_put64(out + 81, (uint64_t)c->value);
	return TG_GW_REC_CONTROL_LEN;
}

/* A text field: printable, then NUL padding to its end (at least one NUL). */
static int
tg_gw_ctl_field(const uint8_t *p, size_t n, char *out)
{
	size_t k = 0;

	while (k < n && p[k])
		if (p[k] < 0x20 || p[k++] > 0x7e)
			return -EINVAL;
	if (k == n)
		return -EINVAL;
	for (size_t i = k; i < n; i++)
		if (p[i])
			return -EINVAL;
	memcpy(out, p, k);
	out[k] = 0;
	return 0;
}

/* The action of a CONTROL record's payload (ts is read by the caller). 0 or -EINVAL. */
int
tg_gw_rec_control_parse(const uint8_t *p, size_t len, struct tg_engine_ctl *c)
{
	memset(c, 0, sizeof(*c));
	if (len != TG_GW_REC_CONTROL_LEN || p[8] < TG_ENGINE_KILL_ACCOUNT ||
	    p[8] > TG_ENGINE_SET_LIMIT)
		return -EINVAL;
	c->kind = (enum tg_engine_ctl_kind)p[8];
	if (tg_gw_ctl_field(p + 9, 8, c->scope) || tg_gw_ctl_field(p + 17, 32, c->name) ||
	    tg_gw_ctl_field(p + 49, 32, c->key))
		return -EINVAL;
	c->value = (int64_t)tg_gw_ctl_get64(p + 81);
	return 0;
}

/* ---- state ---- */

/* What the loop publishes for the readers. */
struct tg_gw_ctl_snap {
	struct tg_gw_stats gw;
	struct tg_engine_stats engine;
	uint64_t applied;		/* operator changes applied */
	uint64_t unsampled;		/* order-to-ack samples not taken (ring full) */
	uint64_t published;		/* 0 before the first */
};

/* Reads of one user whose answers have not all been handed to a socket. */
struct tg_gw_lat {
	uint64_t conn;			/* the connection they came on */
	uint32_t head, n;
	struct {
		uint64_t t_in;		/* CLOCK_MONOTONIC ns of the read */
		uint64_t seq;		/* first answer of the read's last message */
		uint32_t count;		/* messages of the read */
	} e[TG_GW_LAT_RING];
};

/* One feed lcore's counters: written by that lcore only, summed on read. */
struct tg_gw_feed {
	uint64_t msgs[2][TG_ITCH_NTYPES] __attribute__((aligned(64)));
	uint64_t gaps[2], gap_msgs[2];
	uint64_t unknown;		/* MSG records of no ITCH type */
	/* the lcore's own */
	struct tg_gw_ctl *x;
	struct tg_card *card;		/* NULL: this lcore only counts */
	struct tg_card_config cfg;
	const struct tg_book *book;
	uint64_t next_pub;
	struct tg_stats_feed snap;
	struct tg_hist *w2b;
} __attribute__((aligned(64)));

struct tg_gw_ctl;

/* A metric family's collector context. */
struct tg_gw_ctl_mctx {
	struct tg_gw_ctl *x;
	const void *fam;
};

struct tg_gw_ctl {
	struct tg_gw *gw;
	struct tg_engine *e;
	FILE *log;
	char config[PATH_MAX];
	bool has_control, has_metrics;
	struct tg_ctl_config cfg;
	struct tg_ctl *ctl;
	struct tg_stats_ops *ops;
	struct tg_metrics *metrics;
	struct tg_gw_ctl_mctx *mctx;
	unsigned n_mctx, cap_mctx;
	int ino_fd;			/* inotify on the audit log, -1 none */
	uint64_t replayed;		/* operator actions the journal replayed */

	/* the loop's */
	struct tg_hist *o2a;		/* order to ack, ns */
	struct tg_hist *apply;		/* the audit record seen to the change applied, ns */
	const struct tg_hist *o2a_list[1];
	struct tg_gw_lat *lat;
	unsigned n_users;
	uint64_t hint_ns;		/* the audit log grew: poll window start, 0 none */
	uint64_t hint_seen;		/* when it last grew */
	uint64_t last_pub;
	bool busy;			/* a change applied this iteration */
	bool slack_set;			/* the loop thread's timer slack is TG_GW_HINT_SLACK_NS */
	uint64_t applied, unsampled;

	/* published by the loop */
	rte_seqcount_t sc __attribute__((aligned(64)));
	struct tg_gw_ctl_snap snap;

	/* the feed */
	struct tg_stats_feed_pub *feed_pub;
	pthread_mutex_t feed_lock;	/* feed lcores joining */
	struct tg_gw_feed *feeds[TG_GW_FEEDS];
	const struct tg_hist *w2b[TG_GW_FEEDS];
	unsigned n_feeds;
	bool feed_metrics;
	struct tg_hist *scratch;	/* merged histograms for a scrape */
};

/* CLOCK_MONOTONIC in ns. */
uint64_t
tg_gw_ctl_clock(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * TG_GW_NS + (uint64_t)t.tv_nsec;
}

/* CLOCK_MONOTONIC_COARSE in ns: a few ns to read, a few ms of resolution. */
static uint64_t
tg_gw_ctl_coarse(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (uint64_t)t.tv_sec * TG_GW_NS + (uint64_t)t.tv_nsec;
}

static void
tg_gw_ctl_log(struct tg_gw_ctl *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line for the operator, as the gateway's own. */
static void
tg_gw_ctl_log(struct tg_gw_ctl *x, const char *fmt, ...)
{
	va_list ap;

	fprintf(x->log, "tickgate gateway: ");
	va_start(ap, fmt);
	vfprintf(x->log, fmt, ap);
	va_end(ap);
	fputc('\n', x->log);
	fflush(x->log);
}

/* A zeroed histogram on its own cache lines. */
static struct tg_hist *
tg_gw_ctl_hist_new(void)
{
	struct tg_hist *h = aligned_alloc(64, sizeof(*h));

	if (h)
		tg_hist_init(h);
	return h;
}

/* The latest published counters (a consistent copy); false before the first. */
static bool
tg_gw_ctl_snap_read(const struct tg_gw_ctl *x, struct tg_gw_ctl_snap *s)
{
	uint32_t sn;

	do {
		sn = rte_seqcount_read_begin(&x->sc);
		memcpy(s, &x->snap, sizeof(*s));
	} while (rte_seqcount_read_retry(&x->sc, sn));
	return s->published != 0;
}

/* ---- the loop's side ---- */

/* Publish the counters (the loop's thread only). */
static void
tg_gw_ctl_publish(struct tg_gw_ctl *x)
{
	rte_seqcount_write_begin(&x->sc);
	tg_gw_get_stats(x->gw, &x->snap.gw);
	tg_engine_get_stats(x->e, &x->snap.engine);
	x->snap.applied = x->applied;
	x->snap.unsampled = x->unsampled;
	x->snap.published++;
	rte_seqcount_write_end(&x->sc);
}

/*
 * Wait for the loop's events as epoll_wait(ms) would, but while a change
 * may be on its way (the audit log grew) only for a fraction of the time
 * since, so the change is taken soon after it is queued.
 */
int
tg_gw_ctl_wait(struct tg_gw_ctl *x, int epfd, struct epoll_event *ev, int max, int ms)
{
	if (x->hint_ns && ms != 0) {
		uint64_t el = tg_gw_ctl_clock() - x->hint_ns, t = el / 8;

		if (el >= TG_GW_HINT_WINDOW_NS) {
			x->hint_ns = 0;
		} else {
			if (t < TG_GW_HINT_MIN_NS)
				t = TG_GW_HINT_MIN_NS;
			if (t > TG_GW_HINT_MAX_NS)
				t = TG_GW_HINT_MAX_NS;
			if (ms < 0 || (uint64_t)ms * 1000000u > t) {
				struct timespec ts = { 0, (long)t };

				if (!x->slack_set) {
					/* the default 50 us of timer slack would dwarf these waits */
					prctl(PR_SET_TIMERSLACK, TG_GW_HINT_SLACK_NS);
					x->slack_set = true;
				}
				return epoll_pwait2(epfd, ev, max, &ts, NULL);
			}
		}
	}
	return epoll_wait(epfd, ev, max, ms);
}

/* The audit log grew: a request is being handled, a change may follow. */
void
tg_gw_ctl_event(struct tg_gw_ctl *x)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(x->ino_fd, buf, sizeof(buf)) > 0)
		;
	x->hint_ns = x->hint_seen = tg_gw_ctl_clock();
}

/* Apply what the control thread handed over (the loop's thread). */
unsigned
tg_gw_ctl_poll(struct tg_gw_ctl *x)
{
	unsigned n;

	if (!x->ctl || !(n = tg_ctl_poll(x->ctl, 8)))
		return 0;
	x->hint_ns = 0;
	x->busy = true;
	return n;
}

/* End of an iteration: publish the counters if anything moved (or now and then). */
void
tg_gw_ctl_end(struct tg_gw_ctl *x, int busy)
{
	uint64_t now = tg_gw_ctl_coarse();

	if (busy || x->busy || now - x->last_pub >= TG_GW_PUB_IDLE_NS) {
		tg_gw_ctl_publish(x);
		x->last_pub = now;
		x->busy = false;
	}
}

/*
 * An inbound message of user, read at t_in on connection conn, gave the
 * user's stream messages n0 + 1 .. n1: remember when its first answer
 * (n0 + 1) was read for, merging the messages of one read.
 */
void
tg_gw_ctl_ordered(struct tg_gw_ctl *x, unsigned user, uint64_t conn, uint64_t n0,
		  uint64_t n1, uint64_t t_in)
{
	struct tg_gw_lat *l;

	if (n1 <= n0 || user >= x->n_users)
		return;
	l = &x->lat[user];
	if (l->conn != conn) {
		l->conn = conn;
		l->head = l->n = 0;
	}
	if (l->n) {
		unsigned last = (l->head + l->n - 1) % TG_GW_LAT_RING;

		if (l->e[last].t_in == t_in) {
			l->e[last].seq = n0 + 1;
			l->e[last].count++;
			return;
		}
	}
	if (l->n == TG_GW_LAT_RING) {
		x->unsampled++;
		return;
	}
	unsigned k = (l->head + l->n++) % TG_GW_LAT_RING;

	l->e[k].t_in = t_in;
	l->e[k].seq = n0 + 1;
	l->e[k].count = 1;
}

/*
 * Connection conn of user has handed every byte up to message next_seq - 1
 * to its socket: each read whose answers are all among them is done.
 */
void
tg_gw_ctl_sent(struct tg_gw_ctl *x, unsigned user, uint64_t conn, uint64_t next_seq)
{
	struct tg_gw_lat *l;
	uint64_t now = 0;

	if (user >= x->n_users)
		return;
	l = &x->lat[user];
	if (!l->n)
		return;
	if (l->conn != conn) {
		l->conn = conn;
		l->head = l->n = 0;
		return;
	}
	while (l->n && l->e[l->head].seq < next_seq) {
		uint64_t d;

		if (!now)
			now = tg_gw_ctl_clock();
		d = now - l->e[l->head].t_in;
		for (uint32_t i = 0; i < l->e[l->head].count; i++)
			tg_hist_record(x->o2a, d);
		l->head = (l->head + 1) % TG_GW_LAT_RING;
		l->n--;
	}
}

/* A journaled operator action replayed at start-up: the switches it left. */
void
tg_gw_ctl_replayed(struct tg_gw_ctl *x, const struct tg_engine_ctl *c)
{
	x->replayed++;
	if (x->ops)
		tg_stats_ops_control(x->ops, c);
}

/* Clearing booked an execution (live or replayed): count it against its stock. */
static void
tg_gw_ctl_on_fill(void *ctx, const struct tg_engine_fill *f, const struct tg_clear_result *r,
		  int rc)
{
	struct tg_gw_ctl *x = ctx;

	(void)r, (void)rc;
	tg_stats_ops_fill(x->ops, f);
}

/* Surveillance raised an alert: keep it for the overview. */
static void
tg_gw_ctl_on_alert(void *ctx, const struct tg_surv_alert *a, const char *line, size_t len)
{
	struct tg_gw_ctl *x = ctx;

	(void)line, (void)len;
	tg_stats_ops_alert(x->ops, a);
}

/* The action in words, for the log. */
static void
tg_gw_ctl_what(const struct tg_engine_ctl *c, char *out, size_t n)
{
	switch (c->kind) {
	case TG_ENGINE_KILL_ACCOUNT:
		snprintf(out, n, "kill account %s", c->name);
		break;
	case TG_ENGINE_KILL_FIRM:
		snprintf(out, n, "kill firm %s", c->name);
		break;
	case TG_ENGINE_KILL_ALL:
		snprintf(out, n, "kill all");
		break;
	case TG_ENGINE_RESUME_ACCOUNT:
		snprintf(out, n, "resume account %s", c->name);
		break;
	case TG_ENGINE_RESUME_FIRM:
		snprintf(out, n, "resume firm %s", c->name);
		break;
	case TG_ENGINE_RESUME_ALL:
		snprintf(out, n, "resume all");
		break;
	default:
		snprintf(out, n, "set %s %s %s to %lld", c->scope, c->name, c->key,
			 (long long)c->value);
		break;
	}
}

/*
 * tg_stats' control hook, inside tg_ctl_poll() on the loop's thread: the
 * gateway journals the action and hands it to the engine, whose cancels
 * go out after this iteration's journal sync like any other output.
 */
static int
tg_gw_ctl_control(void *ctx, const struct tg_engine_ctl *c)
{
	struct tg_gw_ctl *x = ctx;
	struct tg_engine_stats b, a;
	uint64_t t0 = tg_gw_ctl_clock(), t1;
	char what[128];
	int rc;

	tg_engine_get_stats(x->e, &b);
	rc = tg_gw_control(x->gw, c);
	t1 = tg_gw_ctl_clock();
	tg_engine_get_stats(x->e, &a);
	tg_gw_ctl_what(c, what, sizeof(what));
	if (rc) {
		tg_gw_ctl_log(x, "operator: %s: refused: %s", what, strerror(-rc));
		return rc;
	}
	x->applied++;
	if (x->hint_seen && t1 >= x->hint_seen)
		tg_hist_record(x->apply, t1 - x->hint_seen);
	tg_gw_ctl_log(x, "operator: %s: %llu resting orders canceled; applied in %llu us, %llu us after its audit record",
		      what, (unsigned long long)(a.canceled - b.canceled),
		      (unsigned long long)((t1 - t0) / 1000),
		      (unsigned long long)(x->hint_seen && t1 >= x->hint_seen ?
					   (t1 - x->hint_seen) / 1000 : 0));
	return 0;
}

/* ---- metrics ---- */

enum { TG_GW_SRC_GW, TG_GW_SRC_ENGINE, TG_GW_SRC_SNAP };

/* A family of counters (or a gauge) read from the published copy. */
struct tg_gw_fam {
	const char *name;
	enum tg_metric_type type;
	const char *help;
	int src;
	const char *label;		/* NULL: one sample */
	unsigned n;
	struct {
		const char *value;	/* the label's value */
		size_t off;		/* in the source struct */
	} item[10];
};

#define GW(f)	offsetof(struct tg_gw_stats, f)
#define EN(f)	offsetof(struct tg_engine_stats, f)
#define SN(f)	offsetof(struct tg_gw_ctl_snap, f)

static const struct tg_gw_fam tg_gw_fams[] = {
	{ "tickgate_gateway_connections_total", TG_METRIC_COUNTER,
	  "TCP connections accepted", TG_GW_SRC_GW, NULL, 1, { { NULL, GW(connections) } } },
	{ "tickgate_gateway_connections_refused_total", TG_METRIC_COUNTER,
	  "connections closed at once: max_sessions reached", TG_GW_SRC_GW, NULL, 1,
	  { { NULL, GW(refused_full) } } },
	{ "tickgate_gateway_logins_total", TG_METRIC_COUNTER, "Login Accepted",
	  TG_GW_SRC_GW, NULL, 1, { { NULL, GW(logins) } } },
	{ "tickgate_gateway_login_rejects_total", TG_METRIC_COUNTER,
	  "Login Rejected, by reason", TG_GW_SRC_GW, "reason", 4,
	  { { "unknown_user", GW(login_unknown_user) }, { "bad_password", GW(login_bad_password) },
	    { "in_use", GW(login_in_use) }, { "bad_session", GW(login_bad_session) } } },
	{ "tickgate_gateway_logouts_total", TG_METRIC_COUNTER, "Logout Requests",
	  TG_GW_SRC_GW, NULL, 1, { { NULL, GW(logouts) } } },
	{ "tickgate_gateway_disconnects_total", TG_METRIC_COUNTER,
	  "connections ended other than by a logout, by reason", TG_GW_SRC_GW, "reason", 10,
	  { { "closed_by_peer", GW(closed_by_peer) }, { "bad_length", GW(bad_length) },
	    { "bad_type", GW(bad_type) }, { "not_logged_in", GW(not_logged_in) },
	    { "bad_login", GW(bad_login) }, { "bad_ouch", GW(bad_ouch) },
	    { "timeout", GW(timeouts) }, { "slow_reader", GW(slow_readers) },
	    { "seal_bad", GW(seal_bad) }, { "seal_replay", GW(seal_replay) } } },
	{ "tickgate_gateway_heartbeats_total", TG_METRIC_COUNTER, "Server Heartbeats sent",
	  TG_GW_SRC_GW, NULL, 1, { { NULL, GW(heartbeats) } } },
	{ "tickgate_gateway_messages_total", TG_METRIC_COUNTER,
	  "OUCH messages processed (in) and sequenced for the users (out)", TG_GW_SRC_GW,
	  "direction", 2, { { "in", GW(messages_in) }, { "out", GW(messages_out) } } },
	{ "tickgate_gateway_replayed_total", TG_METRIC_COUNTER,
	  "sequenced messages sent from before a login", TG_GW_SRC_GW, NULL, 1,
	  { { NULL, GW(replayed) } } },
	{ "tickgate_gateway_expiry_ticks_total", TG_METRIC_COUNTER,
	  "order expiry ticks journaled", TG_GW_SRC_GW, NULL, 1, { { NULL, GW(ticks) } } },
	{ "tickgate_gateway_journal_syncs_total", TG_METRIC_COUNTER,
	  "journal group commits", TG_GW_SRC_GW, NULL, 1, { { NULL, GW(syncs) } } },
	{ "tickgate_gateway_sealed_hellos_total", TG_METRIC_COUNTER,
	  "sealed sessions whose keys were set up", TG_GW_SRC_GW, NULL, 1,
	  { { NULL, GW(sealed_hellos) } } },
	{ "tickgate_gateway_sessions", TG_METRIC_GAUGE, "connections open now",
	  TG_GW_SRC_GW, NULL, 1, { { NULL, GW(sessions_now) } } },
	{ "tickgate_orders_total", TG_METRIC_COUNTER,
	  "inbound OUCH messages the engine processed", TG_GW_SRC_ENGINE, NULL, 1,
	  { { NULL, EN(orders) } } },
	{ "tickgate_orders_accepted_total", TG_METRIC_COUNTER, "orders accepted",
	  TG_GW_SRC_ENGINE, NULL, 1, { { NULL, EN(accepted) } } },
	{ "tickgate_executions_total", TG_METRIC_COUNTER, "executions (one per match)",
	  TG_GW_SRC_ENGINE, NULL, 1, { { NULL, EN(executions) } } },
	{ "tickgate_orders_canceled_total", TG_METRIC_COUNTER,
	  "orders canceled, for any reason", TG_GW_SRC_ENGINE, NULL, 1, { { NULL, EN(canceled) } } },
	{ "tickgate_cancel_rejects_total", TG_METRIC_COUNTER,
	  "Cancel Reject answers", TG_GW_SRC_ENGINE, NULL, 1, { { NULL, EN(cancel_rejects) } } },
	{ "tickgate_engine_bad_input_total", TG_METRIC_COUNTER,
	  "engine inputs with unknown users, types or garbage fields", TG_GW_SRC_ENGINE, NULL, 1,
	  { { NULL, EN(bad_input) } } },
	{ "tickgate_engine_market_ignored_total", TG_METRIC_COUNTER,
	  "market data for stocks the engine does not know", TG_GW_SRC_ENGINE, NULL, 1,
	  { { NULL, EN(market_ignored) } } },
	{ "tickgate_orders_resting", TG_METRIC_GAUGE, "orders resting in the books now",
	  TG_GW_SRC_ENGINE, NULL, 1, { { NULL, EN(resting) } } },
	{ "tickgate_control_applied_total", TG_METRIC_COUNTER,
	  "operator changes the order path applied", TG_GW_SRC_SNAP, NULL, 1,
	  { { NULL, SN(applied) } } },
	{ "tickgate_order_to_ack_unsampled_total", TG_METRIC_COUNTER,
	  "inbound messages left out of the order-to-ack histogram", TG_GW_SRC_SNAP, NULL, 1,
	  { { NULL, SN(unsampled) } } },
};

#undef GW
#undef EN
#undef SN

/* A context for one collector (kept until the control plane is freed). */
static struct tg_gw_ctl_mctx *
tg_gw_ctl_mctx_new(struct tg_gw_ctl *x, const void *fam)
{
	struct tg_gw_ctl_mctx *m;

	if (x->n_mctx == x->cap_mctx)
		return NULL;
	m = &x->mctx[x->n_mctx++];
	m->x = x;
	m->fam = fam;
	return m;
}

/* One family of the published counters. */
static void
tg_gw_ctl_collect(void *ctx, struct tg_metrics_out *o)
{
	const struct tg_gw_ctl_mctx *m = ctx;
	const struct tg_gw_fam *f = m->fam;
	struct tg_gw_ctl_snap s;
	const char *base;

	if (!tg_gw_ctl_snap_read(m->x, &s))
		return;
	base = f->src == TG_GW_SRC_GW ? (const char *)&s.gw :
	       f->src == TG_GW_SRC_ENGINE ? (const char *)&s.engine : (const char *)&s;
	for (unsigned i = 0; i < f->n; i++) {
		uint64_t v = *(const uint64_t *)(base + f->item[i].off);

		if (f->label)
			tg_metrics_u64(o, v, f->label, f->item[i].value, NULL);
		else
			tg_metrics_u64(o, v, NULL);
	}
}

/* Rejects by reason code: every code of the engine's table, and any other seen. */
static void
tg_gw_ctl_collect_rejects(void *ctx, struct tg_metrics_out *o)
{
	const struct tg_gw_ctl_mctx *m = ctx;
	struct tg_gw_ctl_snap s;

	if (!tg_gw_ctl_snap_read(m->x, &s))
		return;
	for (unsigned c = 0x21; c < 0x7f; c++) {
		char code[2] = { (char)c, 0 };

		if (s.engine.rejects[c] || strchr(TG_GW_REJECT_CODES, (int)c))
			tg_metrics_u64(o, s.engine.rejects[c], "reason", code, NULL);
	}
}

/* Order to ack: the loop's own histogram, read live. */
static void
tg_gw_ctl_collect_o2a(void *ctx, struct tg_metrics_out *o)
{
	const struct tg_gw_ctl_mctx *m = ctx;

	tg_metrics_hist(o, m->x->o2a, NULL);
}

/* Request to change applied. */
static void
tg_gw_ctl_collect_apply(void *ctx, struct tg_metrics_out *o)
{
	const struct tg_gw_ctl_mctx *m = ctx;

	tg_metrics_hist(o, m->x->apply, NULL);
}

/* The families of the order path, and the control plane's own. */
static int
tg_gw_ctl_metrics_register(struct tg_gw_ctl *x, char *err, size_t errlen)
{
	struct tg_gw_ctl_mctx *m;
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof(tg_gw_fams) / sizeof(tg_gw_fams[0]); i++) {
		if (!(m = tg_gw_ctl_mctx_new(x, &tg_gw_fams[i])))
			rc = -ENOMEM;
		else
			rc = tg_metrics_register(x->metrics, tg_gw_fams[i].name, tg_gw_fams[i].type,
						 tg_gw_fams[i].help, tg_gw_ctl_collect, m);
	}
	if (!rc)
		rc = (m = tg_gw_ctl_mctx_new(x, NULL)) ?
		     tg_metrics_register(x->metrics, "tickgate_rejects_total", TG_METRIC_COUNTER,
					 "orders rejected, by reason code (docs/order-path.md)",
					 tg_gw_ctl_collect_rejects, m) : -ENOMEM;
	if (!rc)
		rc = (m = tg_gw_ctl_mctx_new(x, NULL)) ?
		     tg_metrics_register_hist(x->metrics, "tickgate_order_to_ack_seconds",
					      "from reading an inbound message to handing its first answer to the socket",
					      tg_metrics_latency_ns, tg_metrics_latency_ns_n, 9,
					      tg_gw_ctl_collect_o2a, m) : -ENOMEM;
	if (!rc)
		rc = (m = tg_gw_ctl_mctx_new(x, NULL)) ?
		     tg_metrics_register_hist(x->metrics, "tickgate_control_apply_seconds",
					      "from the order path seeing a change's audit record to the change applied",
					      tg_metrics_latency_ns, tg_metrics_latency_ns_n, 9,
					      tg_gw_ctl_collect_apply, m) : -ENOMEM;
	if (!rc && x->ctl)
		rc = tg_ctl_register_metrics(x->ctl, x->metrics);
	if (rc)
		snprintf(err, errlen, "metrics: %s", strerror(-rc));
	return rc;
}

/* ---- the feed (tickgate run) ---- */

/* A counter of every feed lcore, added up. */
static uint64_t
tg_gw_ctl_feed_sum(const struct tg_gw_ctl *x, size_t off)
{
	unsigned n = __atomic_load_n(&x->n_feeds, __ATOMIC_ACQUIRE);
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v += tg_metrics_read((const uint64_t *)((const char *)x->feeds[i] + off));
	return v;
}

/* MSG records by line and type, from the lcores' counters. */
static void
tg_gw_ctl_collect_feed_msgs(void *ctx, struct tg_metrics_out *o)
{
	const struct tg_gw_ctl_mctx *m = ctx;

	for (unsigned l = 0; l < 2; l++)
		for (unsigned t = 0; t < TG_ITCH_NTYPES; t++) {
			char type[2] = { tg_itch_types[t].type, 0 };

			tg_metrics_u64(o, tg_gw_ctl_feed_sum(m->x, offsetof(struct tg_gw_feed, msgs) +
							      (l * TG_ITCH_NTYPES + t) * sizeof(uint64_t)),
				       "line", l ? "B" : "A", "type", type, NULL);
		}
}

/* GAP records and the messages they missed, by the line that showed them. */
static void
tg_gw_ctl_collect_feed_gaps(void *ctx, struct tg_metrics_out *o)
{
	const struct tg_gw_ctl_mctx *m = ctx;
	size_t base = m->fam ? offsetof(struct tg_gw_feed, gap_msgs) : offsetof(struct tg_gw_feed, gaps);

	for (unsigned l = 0; l < 2; l++)
		tg_metrics_u64(o, tg_gw_ctl_feed_sum(m->x, base + l * sizeof(uint64_t)),
			       "line", l ? "B" : "A", NULL);
}

/* What the feed lcore published of the card and its books. */
enum {
	TG_GW_FEED_FRAMES, TG_GW_FEED_PACKETS, TG_GW_FEED_HEARTBEATS, TG_GW_FEED_EOS,
	TG_GW_FEED_DUPLICATES, TG_GW_FEED_DROPS, TG_GW_FEED_RING, TG_GW_FEED_RING_SIZE,
	TG_GW_FEED_CRYPTO_JOBS, TG_GW_FEED_CRYPTO_BYTES, TG_GW_FEED_CRYPTO_TAG,
	TG_GW_FEED_BOOK_ORDERS, TG_GW_FEED_BOOK_LEVELS, TG_GW_FEED_BOOK_STOCKS,
	TG_GW_FEED_BOOK_ERRORS, TG_GW_FEED_NFAMS
};

static const struct {
	const char *name;
	enum tg_metric_type type;
	const char *help;
} tg_gw_feed_fams[TG_GW_FEED_NFAMS] = {
	[TG_GW_FEED_FRAMES] = { "tickgate_feed_frames_total", TG_METRIC_COUNTER,
				"frames the card received, by line" },
	[TG_GW_FEED_PACKETS] = { "tickgate_feed_packets_total", TG_METRIC_COUNTER,
				 "MoldUDP64 packets accepted" },
	[TG_GW_FEED_HEARTBEATS] = { "tickgate_feed_heartbeats_total", TG_METRIC_COUNTER,
				    "MoldUDP64 heartbeats" },
	[TG_GW_FEED_EOS] = { "tickgate_feed_end_of_session_total", TG_METRIC_COUNTER,
			     "MoldUDP64 End of Session packets" },
	[TG_GW_FEED_DUPLICATES] = { "tickgate_feed_duplicates_total", TG_METRIC_COUNTER,
				    "messages dropped as already seen (the other line)" },
	[TG_GW_FEED_DROPS] = { "tickgate_feed_drops_total", TG_METRIC_COUNTER,
			       "frames or messages the card did not turn into records, by reason" },
	[TG_GW_FEED_RING] = { "tickgate_ring_occupancy", TG_METRIC_GAUGE,
			      "H2C descriptors not yet reclaimed; C2H records polled and not released" },
	[TG_GW_FEED_RING_SIZE] = { "tickgate_ring_size", TG_METRIC_GAUGE, "ring entries" },
	[TG_GW_FEED_CRYPTO_JOBS] = { "tickgate_crypto_jobs_total", TG_METRIC_COUNTER,
				     "SM4 jobs the card finished" },
	[TG_GW_FEED_CRYPTO_BYTES] = { "tickgate_crypto_bytes_total", TG_METRIC_COUNTER,
				      "bytes the card's SM4 jobs processed" },
	[TG_GW_FEED_CRYPTO_TAG] = { "tickgate_crypto_tag_failures_total", TG_METRIC_COUNTER,
				    "GCM decrypts whose tag did not verify" },
	[TG_GW_FEED_BOOK_ORDERS] = { "tickgate_book_orders", TG_METRIC_GAUGE,
				     "orders resting in the feed's books" },
	[TG_GW_FEED_BOOK_LEVELS] = { "tickgate_book_levels", TG_METRIC_GAUGE,
				     "price levels in the feed's books" },
	[TG_GW_FEED_BOOK_STOCKS] = { "tickgate_book_stocks", TG_METRIC_GAUGE,
				     "stocks in the feed's books" },
	[TG_GW_FEED_BOOK_ERRORS] = { "tickgate_book_errors_total", TG_METRIC_COUNTER,
				     "feed messages the books could not apply, by reason" },
};

static const struct {
	const char *name;
	unsigned idx;
} tg_gw_drops[] = {
	{ "non_feed", TG_CNT_NON_FEED }, { "filtered", TG_CNT_FILTERED },
	{ "truncated", TG_CNT_ERR_TRUNCATED }, { "ip_header", TG_CNT_ERR_IP_HEADER },
	{ "ip_checksum", TG_CNT_ERR_IP_CHECKSUM }, { "udp_length", TG_CNT_ERR_UDP_LENGTH },
	{ "mold_header", TG_CNT_ERR_MOLD_HEADER }, { "session_full", TG_CNT_ERR_SESSION_FULL },
	{ "msg_overrun", TG_CNT_ERR_MSG_OVERRUN }, { "unknown_type", TG_CNT_ERR_UNKNOWN_TYPE },
	{ "msg_length", TG_CNT_ERR_MSG_LENGTH }, { "short_packet", TG_CNT_ERR_SHORT_PACKET },
	{ "c2h_full", TG_CNT_C2H_DROPS }, { "bad_descriptor", TG_CNT_ERR_DESC },
};

/* One family of the card's snapshot; nothing before the feed published one. */
static void
tg_gw_ctl_collect_card(void *ctx, struct tg_metrics_out *o)
{
	const struct tg_gw_ctl_mctx *m = ctx;
	unsigned fam = (unsigned)(uintptr_t)m->fam;
	struct tg_stats_feed *f = malloc(sizeof(*f));
	const uint64_t *c;

	if (!f)
		return;
	if (tg_stats_feed_read(m->x->feed_pub, f)) {
		free(f);
		return;
	}
	c = f->counters;
	switch (fam) {
	case TG_GW_FEED_FRAMES:
		tg_metrics_u64(o, c[TG_CNT_FRAMES_A], "line", "A", NULL);
		tg_metrics_u64(o, c[TG_CNT_FRAMES_B], "line", "B", NULL);
		break;
	case TG_GW_FEED_PACKETS:
		tg_metrics_u64(o, c[TG_CNT_MOLD_PACKETS], NULL);
		break;
	case TG_GW_FEED_HEARTBEATS:
		tg_metrics_u64(o, c[TG_CNT_HEARTBEATS], NULL);
		break;
	case TG_GW_FEED_EOS:
		tg_metrics_u64(o, c[TG_CNT_END_OF_SESSION], NULL);
		break;
	case TG_GW_FEED_DUPLICATES:
		tg_metrics_u64(o, c[TG_CNT_DUPLICATES], NULL);
		break;
	case TG_GW_FEED_DROPS:
		for (size_t i = 0; i < sizeof(tg_gw_drops) / sizeof(tg_gw_drops[0]); i++)
			tg_metrics_u64(o, c[tg_gw_drops[i].idx], "reason", tg_gw_drops[i].name, NULL);
		break;
	case TG_GW_FEED_RING:
		tg_metrics_u64(o, f->h2c_used, "ring", "h2c", NULL);
		tg_metrics_u64(o, f->c2h_held, "ring", "c2h", NULL);
		break;
	case TG_GW_FEED_RING_SIZE:
		tg_metrics_u64(o, f->h2c_size, "ring", "h2c", NULL);
		tg_metrics_u64(o, f->c2h_size, "ring", "c2h", NULL);
		break;
	case TG_GW_FEED_CRYPTO_JOBS:
		tg_metrics_u64(o, c[TG_CNT_CRYPTO_JOBS], NULL);
		break;
	case TG_GW_FEED_CRYPTO_BYTES:
		tg_metrics_u64(o, c[TG_CNT_CRYPTO_BYTES], NULL);
		break;
	case TG_GW_FEED_CRYPTO_TAG:
		tg_metrics_u64(o, c[TG_CNT_CRYPTO_TAG_FAIL], NULL);
		break;
	case TG_GW_FEED_BOOK_ORDERS:
		if (f->has_book)
			tg_metrics_u64(o, f->book.orders, NULL);
		break;
	case TG_GW_FEED_BOOK_LEVELS:
		if (f->has_book)
			tg_metrics_u64(o, f->book.levels, NULL);
		break;
	case TG_GW_FEED_BOOK_STOCKS:
		if (f->has_book)
			tg_metrics_u64(o, f->book.stocks, NULL);
		break;
	case TG_GW_FEED_BOOK_ERRORS:
		for (unsigned e = 0; f->has_book && e < TG_BOOK_ERR_NUM; e++)
			tg_metrics_u64(o, f->book.err[e], "reason", tg_book_err_name(e), NULL);
		break;
	}
	free(f);
}

/* Wire to book: the feed lcores' histograms merged. */
static void
tg_gw_ctl_collect_w2b(void *ctx, struct tg_metrics_out *o)
{
	const struct tg_gw_ctl_mctx *m = ctx;
	struct tg_gw_ctl *x = m->x;
	unsigned n = __atomic_load_n(&x->n_feeds, __ATOMIC_ACQUIRE);

	/* scrapes are serialised: the scratch histogram is the HTTP thread's */
	tg_hist_init(x->scratch);
	for (unsigned i = 0; i < n; i++)
		tg_hist_merge(x->scratch, x->feeds[i]->w2b);
	tg_metrics_hist(o, x->scratch, NULL);
}

/* The feed's families, once, when the first feed lcore joins. */
static int
tg_gw_ctl_feed_metrics(struct tg_gw_ctl *x)
{
	struct tg_gw_ctl_mctx *m;
	int rc = 0;

	if (!x->metrics || x->feed_metrics)
		return 0;
	rc = (m = tg_gw_ctl_mctx_new(x, NULL)) ?
	     tg_metrics_register(x->metrics, "tickgate_feed_messages_total", TG_METRIC_COUNTER,
				 "ITCH messages decoded, by the line that delivered them and their type",
				 tg_gw_ctl_collect_feed_msgs, m) : -ENOMEM;
	if (!rc)
		rc = (m = tg_gw_ctl_mctx_new(x, NULL)) ?
		     tg_metrics_register(x->metrics, "tickgate_feed_gaps_total", TG_METRIC_COUNTER,
					 "sequence gaps, by the line that showed them",
					 tg_gw_ctl_collect_feed_gaps, m) : -ENOMEM;
	if (!rc)
		rc = (m = tg_gw_ctl_mctx_new(x, (const void *)1)) ?
		     tg_metrics_register(x->metrics, "tickgate_feed_gap_messages_total",
					 TG_METRIC_COUNTER,
					 "messages the gaps missed, by the line that showed them",
					 tg_gw_ctl_collect_feed_gaps, m) : -ENOMEM;
	for (unsigned i = 0; !rc && i < TG_GW_FEED_NFAMS; i++)
		rc = (m = tg_gw_ctl_mctx_new(x, (const void *)(uintptr_t)i)) ?
		     tg_metrics_register(x->metrics, tg_gw_feed_fams[i].name, tg_gw_feed_fams[i].type,
					 tg_gw_feed_fams[i].help, tg_gw_ctl_collect_card, m) : -ENOMEM;
	if (!rc)
		rc = (m = tg_gw_ctl_mctx_new(x, NULL)) ?
		     tg_metrics_register_hist(x->metrics, "tickgate_wire_to_book_seconds",
					      "from a frame's arrival to its messages applied to the books",
					      tg_metrics_latency_ns, tg_metrics_latency_ns_n, 9,
					      tg_gw_ctl_collect_w2b, m) : -ENOMEM;
	if (!rc)
		x->feed_metrics = true;
	return rc;
}

/* A feed lcore joins the gateway's stats, metrics and telemetry (tg_gw.h). */
int
tg_gw_feed_new(struct tg_gw *gw, struct tg_card *card, const struct tg_card_config *cfg,
	       const struct tg_book *book, struct tg_gw_feed **out)
{
	struct tg_gw_ctl *x = tg_gw_ctl_get(gw);
	struct tg_gw_feed *f;
	int rc;

	*out = NULL;
	if (!x)
		return -ENODEV;
	pthread_mutex_lock(&x->feed_lock);
	if (x->n_feeds == TG_GW_FEEDS) {
		rc = -ENOSPC;
		goto out;
	}
	if (card)
		for (unsigned i = 0; i < x->n_feeds; i++)
			if (x->feeds[i]->card) {
				rc = -EEXIST;	/* one lcore publishes the card's snapshot */
				goto out;
			}
	if (!(f = aligned_alloc(64, sizeof(*f)))) {
		rc = -ENOMEM;
		goto out;
	}
	memset(f, 0, sizeof(*f));
	f->x = x;
	f->card = card;
	if (cfg)
		f->cfg = *cfg;
	f->book = book;
	if (!(f->w2b = tg_gw_ctl_hist_new())) {
		free(f);
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = tg_gw_ctl_feed_metrics(x))) {
		free(f->w2b);
		free(f);
		goto out;
	}
	x->feeds[x->n_feeds] = f;
	__atomic_store_n(&x->w2b[x->n_feeds], f->w2b, __ATOMIC_RELEASE);
	__atomic_store_n(&x->n_feeds, x->n_feeds + 1, __ATOMIC_RELEASE);
	*out = f;
	rc = 0;
out:
	pthread_mutex_unlock(&x->feed_lock);
	return rc;
}

/* Count a burst of records by kind, line and type (the feed lcore). */
void
tg_gw_feed_burst(struct tg_gw_feed *f, const struct tg_event *const *ev, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct tg_event *e = ev[i];
		unsigned line = e->flags & TG_EV_FLAG_LINE_B;

		if (e->kind == TG_EV_MSG) {
			int t = tg_itch_index(e->msg_type);

			tg_metrics_add(t >= 0 ? &f->msgs[line][t] : &f->unknown, 1);
		} else if (e->kind == TG_EV_GAP) {
			tg_metrics_add(&f->gaps[line], 1);
			tg_metrics_add(&f->gap_msgs[line], e->ts);
		}
	}
}

/*
 * Now and then (every 100 ms, or at once with force) publish the card's
 * counters, rings and the books' busiest stocks (the feed lcore).
 */
void
tg_gw_feed_poll(struct tg_gw_feed *f, unsigned c2h_held, int force)
{
	uint64_t now;

	if (!f->card)
		return;
	now = tg_gw_ctl_coarse();
	if (!force && now < f->next_pub)
		return;
	f->next_pub = now + TG_GW_FEED_PUB_NS;
	tg_stats_feed_fill(&f->snap, f->card, &f->cfg, f->book);
	f->snap.c2h_held = c2h_held;
	tg_stats_feed_publish(f->x->feed_pub, &f->snap);
}

/* The lcore's wire-to-book histogram (ns), for it to record into. */
struct tg_hist *
tg_gw_feed_wire_to_book(struct tg_gw_feed *f)
{
	return f->w2b;
}

/* ---- DPDK telemetry ---- */

static pthread_mutex_t tg_gw_tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tg_gw_ctl *tg_gw_tel;
static bool tg_gw_tel_registered;

static const struct {
	const char *name;
	size_t off;
} tg_gw_tel_gw[] = {
#define TG_GW_TEL(f) { #f, offsetof(struct tg_gw_stats, f) }
	TG_GW_TEL(connections), TG_GW_TEL(refused_full), TG_GW_TEL(logins),
	TG_GW_TEL(login_unknown_user), TG_GW_TEL(login_bad_password), TG_GW_TEL(login_in_use),
	TG_GW_TEL(login_bad_session), TG_GW_TEL(logouts), TG_GW_TEL(closed_by_peer),
	TG_GW_TEL(bad_length), TG_GW_TEL(bad_type), TG_GW_TEL(not_logged_in),
	TG_GW_TEL(bad_login), TG_GW_TEL(bad_ouch), TG_GW_TEL(timeouts), TG_GW_TEL(slow_readers),
	TG_GW_TEL(heartbeats), TG_GW_TEL(messages_in), TG_GW_TEL(messages_out),
	TG_GW_TEL(replayed), TG_GW_TEL(ticks), TG_GW_TEL(syncs), TG_GW_TEL(sealed_hellos),
	TG_GW_TEL(seal_bad), TG_GW_TEL(seal_replay), TG_GW_TEL(sessions_now),
#undef TG_GW_TEL
};

/* Rejects of every reason. */
static uint64_t
tg_gw_ctl_rejected(const struct tg_engine_stats *e)
{
	uint64_t n = 0;

	for (unsigned c = 0; c < 128; c++)
		n += e->rejects[c];
	return n;
}

/* count, min, percentiles, max and mean of h under prefix_. */
static void
tg_gw_tel_hist(struct rte_tel_data *d, const char *prefix, const struct tg_hist *h)
{
	static const struct {
		const char *name;
		double p;
	} pc[] = { { "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p99_9", 99.9 } };
	uint64_t n = tg_hist_total(h);
	char k[64];

	snprintf(k, sizeof(k), "%s_count", prefix);
	rte_tel_data_add_dict_u64(d, k, n);
	snprintf(k, sizeof(k), "%s_min_ns", prefix);
	rte_tel_data_add_dict_u64(d, k, n ? tg_hist_percentile(h, 0) : 0);
	for (size_t i = 0; i < sizeof(pc) / sizeof(pc[0]); i++) {
		snprintf(k, sizeof(k), "%s_%s_ns", prefix, pc[i].name);
		rte_tel_data_add_dict_u64(d, k, tg_hist_percentile(h, pc[i].p));
	}
	snprintf(k, sizeof(k), "%s_max_ns", prefix);
	rte_tel_data_add_dict_u64(d, k, n ? tg_hist_percentile(h, 100) : 0);
	snprintf(k, sizeof(k), "%s_mean_ns", prefix);
	rte_tel_data_add_dict_u64(d, k, n ? __atomic_load_n(&h->sum, __ATOMIC_RELAXED) / n : 0);
}

/* /tickgate/gateway: every counter of struct tg_gw_stats under its name. */
static void
tg_gw_tel_gateway(struct tg_gw_ctl *x, struct rte_tel_data *d)
{
	struct tg_gw_ctl_snap s;

	tg_gw_ctl_snap_read(x, &s);
	for (size_t i = 0; i < sizeof(tg_gw_tel_gw) / sizeof(tg_gw_tel_gw[0]); i++)
		rte_tel_data_add_dict_u64(d, tg_gw_tel_gw[i].name,
					  *(const uint64_t *)((const char *)&s.gw + tg_gw_tel_gw[i].off));
}

/* /tickgate/engine: struct tg_engine_stats, rejects as rejects_CODE. */
static void
tg_gw_tel_engine(struct tg_gw_ctl *x, struct rte_tel_data *d)
{
	struct tg_gw_ctl_snap s;
	char k[16];

	tg_gw_ctl_snap_read(x, &s);
	rte_tel_data_add_dict_u64(d, "orders", s.engine.orders);
	rte_tel_data_add_dict_u64(d, "accepted", s.engine.accepted);
	rte_tel_data_add_dict_u64(d, "executions", s.engine.executions);
	rte_tel_data_add_dict_u64(d, "canceled", s.engine.canceled);
	rte_tel_data_add_dict_u64(d, "resting", s.engine.resting);
	rte_tel_data_add_dict_u64(d, "cancel_rejects", s.engine.cancel_rejects);
	rte_tel_data_add_dict_u64(d, "market_ignored", s.engine.market_ignored);
	rte_tel_data_add_dict_u64(d, "bad_input", s.engine.bad_input);
	rte_tel_data_add_dict_u64(d, "rejected", tg_gw_ctl_rejected(&s.engine));
	for (unsigned c = '0'; c <= 'z'; c++) {
		if (!s.engine.rejects[c] || !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
					      (c >= 'a' && c <= 'z')))
			continue;
		snprintf(k, sizeof(k), "rejects_%c", (char)c);
		rte_tel_data_add_dict_u64(d, k, s.engine.rejects[c]);
	}
	rte_tel_data_add_dict_u64(d, "operator_changes", s.applied);
}

/* /tickgate/feed: the card's snapshot and the lcores' counters. */
static void
tg_gw_tel_feed(struct tg_gw_ctl *x, struct rte_tel_data *d)
{
	struct tg_stats_feed *f = malloc(sizeof(*f));
	const uint64_t *c;
	uint64_t line[2] = { 0, 0 };
	char k[64];

	for (unsigned l = 0; l < 2; l++)
		for (unsigned t = 0; t < TG_ITCH_NTYPES; t++)
			line[l] += tg_gw_ctl_feed_sum(x, offsetof(struct tg_gw_feed, msgs) +
						      (l * TG_ITCH_NTYPES + t) * sizeof(uint64_t));
	rte_tel_data_add_dict_u64(d, "messages_line_a", line[0]);
	rte_tel_data_add_dict_u64(d, "messages_line_b", line[1]);
	rte_tel_data_add_dict_u64(d, "gaps_line_a", tg_gw_ctl_feed_sum(x, offsetof(struct tg_gw_feed, gaps)));
	rte_tel_data_add_dict_u64(d, "gaps_line_b",
				  tg_gw_ctl_feed_sum(x, offsetof(struct tg_gw_feed, gaps) + sizeof(uint64_t)));
	if (!f || tg_stats_feed_read(x->feed_pub, f)) {
		rte_tel_data_add_dict_string(d, "card", "none");
		free(f);
		return;
	}
	c = f->counters;
	rte_tel_data_add_dict_string(d, "card", f->card);
	rte_tel_data_add_dict_u64(d, "frames_a", c[TG_CNT_FRAMES_A]);
	rte_tel_data_add_dict_u64(d, "frames_b", c[TG_CNT_FRAMES_B]);
	rte_tel_data_add_dict_u64(d, "packets", c[TG_CNT_MOLD_PACKETS]);
	rte_tel_data_add_dict_u64(d, "heartbeats", c[TG_CNT_HEARTBEATS]);
	rte_tel_data_add_dict_u64(d, "end_of_session", c[TG_CNT_END_OF_SESSION]);
	rte_tel_data_add_dict_u64(d, "messages", c[TG_CNT_MESSAGES]);
	rte_tel_data_add_dict_u64(d, "duplicates", c[TG_CNT_DUPLICATES]);
	rte_tel_data_add_dict_u64(d, "gaps", c[TG_CNT_GAPS]);
	rte_tel_data_add_dict_u64(d, "gap_messages", c[TG_CNT_GAP_MESSAGES]);
	for (unsigned t = 0; t < TG_ITCH_NTYPES; t++) {
		snprintf(k, sizeof(k), "messages_%c", tg_itch_types[t].type);
		rte_tel_data_add_dict_u64(d, k, c[TG_CNT_MSG_TYPE0 + t]);
	}
	for (size_t i = 0; i < sizeof(tg_gw_drops) / sizeof(tg_gw_drops[0]); i++) {
		snprintf(k, sizeof(k), "drops_%s", tg_gw_drops[i].name);
		rte_tel_data_add_dict_u64(d, k, c[tg_gw_drops[i].idx]);
	}
	rte_tel_data_add_dict_u64(d, "h2c_size", f->h2c_size);
	rte_tel_data_add_dict_u64(d, "h2c_used", f->h2c_used);
	rte_tel_data_add_dict_u64(d, "c2h_size", f->c2h_size);
	rte_tel_data_add_dict_u64(d, "c2h_held", f->c2h_held);
	rte_tel_data_add_dict_u64(d, "crypto_jobs", c[TG_CNT_CRYPTO_JOBS]);
	if (f->has_book) {
		rte_tel_data_add_dict_u64(d, "book_stocks", f->book.stocks);
		rte_tel_data_add_dict_u64(d, "book_orders", f->book.orders);
		rte_tel_data_add_dict_u64(d, "book_levels", f->book.levels);
	}
	free(f);
}

/* /tickgate/latency: order to ack, wire to book, operator changes. */
static void
tg_gw_tel_latency(struct tg_gw_ctl *x, struct rte_tel_data *d)
{
	struct tg_hist *h = aligned_alloc(64, sizeof(*h));
	unsigned n = __atomic_load_n(&x->n_feeds, __ATOMIC_ACQUIRE);

	tg_gw_tel_hist(d, "order_to_ack", x->o2a);
	tg_gw_tel_hist(d, "control_apply", x->apply);
	if (!h)
		return;
	tg_hist_init(h);
	for (unsigned i = 0; i < n; i++)
		tg_hist_merge(h, x->feeds[i]->w2b);
	tg_gw_tel_hist(d, "wire_to_book", h);
	free(h);
}

/* /tickgate/control: the control socket's counters. */
static void
tg_gw_tel_control(struct tg_gw_ctl *x, struct rte_tel_data *d)
{
	struct tg_ctl_counters c = { 0 };
	struct tg_gw_ctl_snap s;

	if (x->ctl)
		tg_ctl_get_counters(x->ctl, &c);
	tg_gw_ctl_snap_read(x, &s);
	rte_tel_data_add_dict_u64(d, "requests", c.requests);
	rte_tel_data_add_dict_u64(d, "refused", c.refused);
	rte_tel_data_add_dict_u64(d, "bad_requests", c.bad_requests);
	rte_tel_data_add_dict_u64(d, "mfa_failures", c.mfa_failures);
	rte_tel_data_add_dict_u64(d, "failed", c.failed);
	rte_tel_data_add_dict_u64(d, "timeouts", c.timeouts);
	rte_tel_data_add_dict_u64(d, "audit_errors", c.audit_errors);
	rte_tel_data_add_dict_u64(d, "applied", s.applied);
}

/* /tickgate/stats: the figures an operator looks at first. */
static void
tg_gw_tel_stats(struct tg_gw_ctl *x, struct rte_tel_data *d)
{
	struct tg_stats_feed *f = malloc(sizeof(*f));
	struct tg_gw_ctl_snap s;
	struct tg_ctl_counters c = { 0 };

	tg_gw_ctl_snap_read(x, &s);
	if (x->ctl)
		tg_ctl_get_counters(x->ctl, &c);
	rte_tel_data_add_dict_u64(d, "gateway_sessions", s.gw.sessions_now);
	rte_tel_data_add_dict_u64(d, "gateway_logins", s.gw.logins);
	rte_tel_data_add_dict_u64(d, "gateway_messages_in", s.gw.messages_in);
	rte_tel_data_add_dict_u64(d, "gateway_messages_out", s.gw.messages_out);
	rte_tel_data_add_dict_u64(d, "gateway_journal_syncs", s.gw.syncs);
	rte_tel_data_add_dict_u64(d, "engine_orders", s.engine.orders);
	rte_tel_data_add_dict_u64(d, "engine_accepted", s.engine.accepted);
	rte_tel_data_add_dict_u64(d, "engine_executions", s.engine.executions);
	rte_tel_data_add_dict_u64(d, "engine_canceled", s.engine.canceled);
	rte_tel_data_add_dict_u64(d, "engine_rejected", tg_gw_ctl_rejected(&s.engine));
	rte_tel_data_add_dict_u64(d, "engine_resting", s.engine.resting);
	if (f && !tg_stats_feed_read(x->feed_pub, f)) {
		rte_tel_data_add_dict_u64(d, "feed_messages", f->counters[TG_CNT_MESSAGES]);
		rte_tel_data_add_dict_u64(d, "feed_gaps", f->counters[TG_CNT_GAPS]);
		rte_tel_data_add_dict_u64(d, "feed_duplicates", f->counters[TG_CNT_DUPLICATES]);
	}
	free(f);
	rte_tel_data_add_dict_u64(d, "order_to_ack_count", tg_hist_total(x->o2a));
	rte_tel_data_add_dict_u64(d, "order_to_ack_p50_ns", tg_hist_percentile(x->o2a, 50));
	rte_tel_data_add_dict_u64(d, "order_to_ack_p99_ns", tg_hist_percentile(x->o2a, 99));
	rte_tel_data_add_dict_u64(d, "control_requests", c.requests);
	rte_tel_data_add_dict_u64(d, "control_refused", c.refused);
	rte_tel_data_add_dict_u64(d, "control_applied", s.applied);
}

/* One telemetry command: the registered gateway's figures, or an error without one. */
static int
tg_gw_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const struct {
		const char *cmd;
		void (*fn)(struct tg_gw_ctl *x, struct rte_tel_data *d);
	} t[] = {
		{ "/tickgate/stats", tg_gw_tel_stats }, { "/tickgate/gateway", tg_gw_tel_gateway },
		{ "/tickgate/engine", tg_gw_tel_engine }, { "/tickgate/feed", tg_gw_tel_feed },
		{ "/tickgate/latency", tg_gw_tel_latency }, { "/tickgate/control", tg_gw_tel_control },
	};
	int rc = -ENOENT;

	(void)params;
	pthread_mutex_lock(&tg_gw_tel_lock);
	for (size_t i = 0; tg_gw_tel && i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(cmd, t[i].cmd)) {
			rte_tel_data_start_dict(d);
			t[i].fn(tg_gw_tel, d);
			rc = 0;
		}
	pthread_mutex_unlock(&tg_gw_tel_lock);
	return rc;
}

/* Register the /tickgate/... commands for gw (tg_gw.h). */
int
tg_gw_telemetry_register(struct tg_gw *gw)
{
	static const struct {
		const char *cmd, *help;
	} t[] = {
		{ "/tickgate/stats", "The appliance's main figures. Takes no parameters" },
		{ "/tickgate/gateway", "The order gateway's counters. Takes no parameters" },
		{ "/tickgate/engine", "The order engine's counters, rejects by reason code. Takes no parameters" },
		{ "/tickgate/feed", "The card's feed counters, rings and books. Takes no parameters" },
		{ "/tickgate/latency", "Latency percentiles in ns. Takes no parameters" },
		{ "/tickgate/control", "The control socket's counters. Takes no parameters" },
	};
	struct tg_gw_ctl *x = tg_gw_ctl_get(gw);
	int rc = 0;

	if (!x)
		return -ENODEV;
	pthread_mutex_lock(&tg_gw_tel_lock);
	if (tg_gw_tel && tg_gw_tel != x) {
		rc = -EBUSY;
	} else {
		tg_gw_tel = x;
		for (size_t i = 0; !tg_gw_tel_registered && !rc && i < sizeof(t) / sizeof(t[0]); i++)
			rc = rte_telemetry_register_cmd(t[i].cmd, tg_gw_tel_cmd, t[i].help);
		if (!rc)
			tg_gw_tel_registered = true;
		else
			tg_gw_tel = NULL;
	}
	pthread_mutex_unlock(&tg_gw_tel_lock);
	return rc;
}

/* ---- life cycle ---- */

/*
 * The operator side of a gateway whose config is o->config, or *out NULL
 * when the config has neither [control] nor [metrics] and o->telemetry is
 * not set. The audit log is opened and verified here; nothing listens yet.
 */
int
tg_gw_ctl_new(struct tg_gw *gw, struct tg_engine *e, struct tg_gw_post *post,
	      const struct tg_gw_opts *o, unsigned n_users, FILE *log, struct tg_gw_ctl **out,
	      char *err, size_t errlen)
{
	struct rte_cfgfile *cf = rte_cfgfile_load(o->config, 0);
	struct tg_ctl_opts co = { .config_path = o->config };
	struct tg_gw_ctl *x;
	bool has_control, has_metrics;
	int rc;

	*out = NULL;
	if (!cf) {
		snprintf(err, errlen, "cannot read config %s", o->config);
		return -EINVAL;
	}
	has_control = rte_cfgfile_has_section(cf, "control");
	has_metrics = rte_cfgfile_has_section(cf, "metrics");
	rte_cfgfile_close(cf);
	if (!has_control && !has_metrics && !o->telemetry)
		return 0;

	if (!(x = calloc(1, sizeof(*x))))
		return -ENOMEM;
	x->gw = gw;
	x->e = e;
	x->log = log;
	x->ino_fd = -1;
	x->n_users = n_users;
	x->has_control = has_control;
	x->has_metrics = has_metrics;
	snprintf(x->config, sizeof(x->config), "%s", o->config);
	pthread_mutex_init(&x->feed_lock, NULL);
	rte_seqcount_init(&x->sc);
	x->cap_mctx = 64;
	x->o2a = tg_gw_ctl_hist_new();
	x->apply = tg_gw_ctl_hist_new();
	x->scratch = tg_gw_ctl_hist_new();
	x->lat = calloc(n_users ? n_users : 1, sizeof(*x->lat));
	x->mctx = calloc(x->cap_mctx, sizeof(*x->mctx));
	x->feed_pub = tg_stats_feed_pub_new();
	if (!x->o2a || !x->apply || !x->scratch || !x->lat || !x->mctx || !x->feed_pub) {
		rc = -ENOMEM;
		goto fail;
	}
	x->o2a_list[0] = x->o2a;
	tg_ctl_config_default(&x->cfg);
	if ((has_control || has_metrics) &&
	    (rc = tg_ctl_config_load(o->config, has_control ? TG_CTL_CONFIG_SECRETS : 0, &x->cfg,
				     err, errlen)))
		goto fail_quiet;

	if (has_control) {
		struct tg_stats_conf sc = {
			.engine = e, .control = tg_gw_ctl_control, .ctx = x, .gw = gw,
			.surv = post ? tg_gw_post_surv(post) : NULL, .feed = x->feed_pub,
			.wire_to_book = x->w2b, .n_wire_to_book = o->telemetry ? TG_GW_FEEDS : 0,
			.order_to_ack = x->o2a_list, .n_order_to_ack = 1,
		};

		if ((rc = tg_ctl_new(&x->cfg, &co, &x->ctl, err, errlen)))
			goto fail_quiet;
		sc.ctl = x->ctl;
		if ((rc = tg_stats_ops_new(&sc, &x->ops)))
			goto fail;
		if (post) {
			/* executions per stock and recent alerts, from the journal's replay on */
			tg_gw_post_on_fill(post, tg_gw_ctl_on_fill, x);
			tg_gw_post_on_alert(post, tg_gw_ctl_on_alert, x);
		}
		/* every request is in the audit log before anything acts on it: the loop's wake-up */
		x->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (x->ino_fd >= 0 && inotify_add_watch(x->ino_fd, x->cfg.audit, IN_MODIFY) < 0) {
			tg_gw_ctl_log(x, "control: cannot watch %s (%s): changes wait for the loop's next wake-up (at most 100 ms)",
				      x->cfg.audit, strerror(errno));
			close(x->ino_fd);
			x->ino_fd = -1;
		}
	}
	if (has_metrics) {
		if ((rc = tg_metrics_new(&x->metrics)))
			goto fail;
		if ((rc = tg_gw_ctl_metrics_register(x, err, errlen)))
			goto fail_quiet;
	}
	*out = x;
	return 0;
fail:
	snprintf(err, errlen, "control plane: %s", strerror(-rc));
fail_quiet:
	tg_gw_ctl_free(x);
	return rc;
}

/*
 * After the journal was replayed: register the commands (their limits and
 * kill switches are the replayed ones), open the socket, serve metrics.
 */
int
tg_gw_ctl_start(struct tg_gw_ctl *x, char *err, size_t errlen)
{
	int rc;

	tg_gw_ctl_publish(x);
	if (x->ctl) {
		if ((rc = tg_stats_ops_register(x->ops, x->ctl))) {
			snprintf(err, errlen, "control: %s", strerror(-rc));
			return rc;
		}
		if ((rc = tg_ctl_start(x->ctl, err, errlen)))
			return rc;
		tg_gw_ctl_log(x, "control socket %s, audit log %s, %u operator(s)%s", x->cfg.socket,
			      x->cfg.audit, x->cfg.n_operators,
			      x->replayed ? "; kill switches and limits replayed from the journal" : "");
	}
	if (x->metrics) {
		if ((rc = tg_metrics_start(x->metrics, x->cfg.metrics_listen, err, errlen)))
			return rc;
		char host[128];
		char *colon;

		snprintf(host, sizeof(host), "%s", x->cfg.metrics_listen);
		if ((colon = strrchr(host, ':')))
			*colon = 0;
		tg_gw_ctl_log(x, "metrics on http://%s:%u/metrics", host,
			      (unsigned)tg_metrics_port(x->metrics));
	}
	return 0;
}

/* The descriptor the loop watches for tg_gw_ctl_event(), or -1. */
int
tg_gw_ctl_fd(const struct tg_gw_ctl *x)
{
	return x->ino_fd;
}

/*
 * Stop serving and free everything: HTTP first (it reads the loop's
 * copies), then the control thread (it may wait for a change the loop no
 * longer takes: the change times out and is audited so), telemetry last.
 */
void
tg_gw_ctl_free(struct tg_gw_ctl *x)
{
	if (!x)
		return;
	pthread_mutex_lock(&tg_gw_tel_lock);
	if (tg_gw_tel == x)
		tg_gw_tel = NULL;
	pthread_mutex_unlock(&tg_gw_tel_lock);
	tg_metrics_free(x->metrics);
	tg_ctl_free(x->ctl);
	tg_stats_ops_free(x->ops);
	if (x->ino_fd >= 0)
		close(x->ino_fd);
	for (unsigned i = 0; i < x->n_feeds; i++) {
		free(x->feeds[i]->w2b);
		free(x->feeds[i]);
	}
	tg_stats_feed_pub_free(x->feed_pub);
	tg_ctl_config_free(&x->cfg);
	pthread_mutex_destroy(&x->feed_lock);
	free(x->o2a);
	free(x->apply);
	free(x->scratch);
	free(x->lat);
	free(x->mctx);
	free(x);
}
