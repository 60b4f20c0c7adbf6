/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's event loop: one epoll over the listening socket, every
 * connection, the password verifier and the stop signal. One iteration
 * reads what every ready socket has, journals and runs each input through
 * the engine, expires orders that ran out, syncs the journal once for all
 * of it, and only then lets the new outbound messages go to the sockets.
 *
 * A connection's sequenced data are not copied into its send buffer when
 * the engine produces them: the connection keeps a cursor into its
 * user's stream and the buffer is refilled from there as the socket
 * drains. Replaying a day to a late login and sending live traffic are
 * the same code, a slow reader holds only its own bounded buffer, and a
 * reader that takes nothing for timeout_ms is disconnected.
 */
#define _GNU_SOURCE		/* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <rte_cfgfile.h>

#include "gateway/tg_gw_int.h"
#include "journal/tg_journal.h"
#include "order/tg_engine.h"
#include "ouch/tg_ouch.h"
#include "ouch/tg_soup.h"

#define TG_GW_EV_LISTEN		0
#define TG_GW_EV_AUTH		1
#define TG_GW_EV_STOP		2
#define TG_GW_EV_LISTEN_SEALED	3
#define TG_GW_EV_CTL		8	/* the control plane's wake-up (tg_gw_ctl.c) */
#define TG_GW_EV_CONN		16	/* + slot */
#define TG_GW_EVENTS		64
#define TG_GW_CLOSE_LINGER_NS	1000000000ull	/* a closing link gets this long to drain */
#define TG_GW_NS		1000000000ull
#define TG_GW_MAX_STEP_NS	250000000ull	/* longest step of the loop clock */

enum tg_gw_conn_state {
	TG_GW_FREE = 0,
	TG_GW_NEW,		/* connected, no login yet */
	TG_GW_VERIFYING,	/* login handed to the verifier */
	TG_GW_LIVE,		/* logged in */
	TG_GW_CLOSING,		/* last packets going out, input discarded */
};

struct tg_gw_conn {
	int fd;
	uint32_t gen;			/* bumped each time the slot is reused */
	enum tg_gw_conn_state state;
	int user;			/* LIVE: engine index, else -1 */
	bool in_flush;			/* on the flush list */
	bool wr_shut;			/* CLOSING: FIN sent */
	bool sealed;			/* accepted on the sealed port */
	bool seal_failed;		/* the card failed to seal: close */
	bool seal_on;			/* sealed: the hello is done, every packet is sealed */
	char seal_user[TG_GW_USER_LEN];	/* sealed: the login name of the hello */
	struct tg_gw_seal_session ss;
	uint32_t events;		/* what epoll watches */
	uint64_t want_seq;		/* VERIFYING: the requested sequence number */
	char want_session[TG_SOUP_SESSION_LEN];
	uint64_t next_seq;		/* LIVE: next message of the stream to queue */
	uint64_t live_from;		/* LIVE: first message that was not a replay */
	uint64_t last_rx, last_tx;	/* monotonic ns of the last traffic each way */
	uint64_t stall_since;		/* monotonic ns since output waits with no progress; 0 = none */
	uint64_t close_at;		/* CLOSING: deadline */
	uint8_t *tx;			/* send_buffer bytes: [tx_off, tx_off + tx_len) unsent */
	size_t tx_off, tx_len;
	char peer[64];
	struct tg_soup_rx rx;
};

struct tg_gw {
	struct tg_gw_config cfg;
	struct tg_engine *e;
	struct tg_journal *j;
	struct tg_engine_sink sink;
	FILE *log;
	char address[128];
	char session[TG_SOUP_SESSION_LEN + 1];
	uint64_t midnight;		/* s since the epoch: ts 0 */
	uint64_t last_ts;		/* the latest input timestamp */
	uint64_t clock;			/* the loop clock: monotonic, the loop's own stalls capped */
	uint64_t next_scan;		/* loop clock of the next heartbeat and timeout scan */
	uint64_t scan_ns;		/* between scans: heartbeat_ns / 4, at most 100 ms */
	uint64_t prev_mono;
	int fatal;			/* -errno once the journal failed: stop serving */

	int lfd, slfd, epfd, stopfd, authfd;
	char sealed_address[128];
	struct tg_gw_sealer *sealer;	/* the card's crypto engine, with sealed_listen */
	struct tg_gw_auth *auth;
	const char *decoy;		/* the hash unknown users are checked against */

	unsigned n_users;
	char (*ufield)[TG_GW_USER_LEN];	/* login names as a6 fields */
	struct tg_gw_stream *streams;
	int *user_conn;			/* slot of the user's LIVE connection, -1 none */
	unsigned *dirty_users;		/* streams that grew this iteration */
	uint8_t *udirty;
	unsigned n_dirty_users;

	struct tg_gw_conn *conns;
	unsigned *free_slots, n_free;
	unsigned *flush, n_flush;	/* connections with output to push */

	struct tg_gw_stats st;

	struct tg_gw_post *post;	/* clearing and surveillance of the engine's outputs */
	struct tg_gw_mkt *mkt;		/* market data for the next iteration */
	bool stopping;			/* a stop was asked: tg_gw_poll() returns 0 */
	struct tg_gw_ctl *ctl;		/* control socket, metrics, telemetry (tg_gw_ctl.c); NULL none */
	uint64_t rx_ns;			/* CLOCK_MONOTONIC of the last read, for order-to-ack */
};

/* ---- clocks ---- */

/* CLOCK_MONOTONIC in ns. */
static uint64_t
tg_gw_mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * TG_GW_NS + (uint64_t)t.tv_nsec;
}

/*
 * The clock of heartbeats and timeouts. It follows CLOCK_MONOTONIC but
 * advances at most TG_GW_MAX_STEP_NS per loop iteration (which never
 * sleeps longer than 100 ms): when the gateway itself stalls (a slow
 * fdatasync, the machine swapping), a client did not go silent, and it
 * must not be dropped for the time the gateway was not reading.
 */
static uint64_t
tg_gw_tick_clock(struct tg_gw *gw)
{
	uint64_t m = tg_gw_mono(), d = m - gw->prev_mono;

	gw->prev_mono = m;
	gw->clock += d < TG_GW_MAX_STEP_NS ? d : TG_GW_MAX_STEP_NS;
	return gw->clock;
}

/*
 * The timestamp of the next input: ns since the journal's midnight, never
 * below the last one (also across a restart, and if the wall clock steps
 * back).
 */
static uint64_t
tg_gw_ts(struct tg_gw *gw)
{
	struct timespec t;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &t);
	now = (uint64_t)t.tv_sec >= gw->midnight ?
		((uint64_t)t.tv_sec - gw->midnight) * TG_GW_NS + (uint64_t)t.tv_nsec : 0;
	if (now < gw->last_ts)
		now = gw->last_ts;
	gw->last_ts = now;
	return now;
}

/* ---- logging ---- */

/* One line for the operator, prefixed with the command's name. */
static void
tg_gw_log(struct tg_gw *gw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
tg_gw_log(struct tg_gw *gw, const char *fmt, ...)
{
	va_list ap;

	fprintf(gw->log, "tickgate gateway: ");
	va_start(ap, fmt);
	vfprintf(gw->log, fmt, ap);
	va_end(ap);
	fputc('\n', gw->log);
	fflush(gw->log);
}

/* A login name from the wire, printable and trimmed, for messages. */
static void
tg_gw_printable(const char *p, size_t n, char *out)
{
	size_t k = n;

	while (k > 0 && p[k - 1] == ' ')
		k--;
	for (size_t i = 0; i < k; i++)
		out[i] = p[i] >= 0x21 && p[i] <= 0x7e ? p[i] : '?';
	out[k] = 0;
}

/* ---- the engine's outputs ---- */

/* The journal failed: remember the first error; the loop stops serving. */
static void
tg_gw_fail(struct tg_gw *gw, int rc, const char *what)
{
	if (!gw->fatal) {
		gw->fatal = rc ? rc : -EIO;
		tg_gw_log(gw, "%s: %s; serving stops", what, strerror(-gw->fatal));
	}
}

/*
 * Engine sink: journal the message after its input, add it to the user's
 * stream; it becomes sendable when the iteration's sync returns.
 */
static void
tg_gw_sink_out(void *ctx, unsigned user, const struct tg_ouch_out *m)
{
	struct tg_gw *gw = ctx;
	uint8_t msg[TG_OUCH_MAX_MSG], rec[TG_GW_REC_MAX];
	struct tg_gw_stream *s;
	size_t len, rl;
	int rc;

	if (gw->fatal)
		return;
	if (user >= gw->n_users || !(len = tg_ouch_out_encode(m, msg))) {
		tg_gw_fail(gw, -EPROTO, "engine output for an unknown user or of an unknown type");
		return;
	}
	s = &gw->streams[user];
	rl = tg_gw_rec_out(rec, gw->ufield[user], s->n + 1, msg, len);
	if ((rc = tg_journal_append(gw->j, TG_GW_REC_OUT, rec, (uint32_t)rl, NULL))) {
		tg_gw_fail(gw, rc, "journal append");
		return;
	}
	if ((rc = tg_gw_stream_append(s, msg, len))) {
		tg_gw_fail(gw, rc, "outbound stream");
		return;
	}
	gw->st.messages_out++;
	if (!gw->udirty[user]) {
		gw->udirty[user] = 1;
		gw->dirty_users[gw->n_dirty_users++] = user;
	}
	tg_gw_post_out(gw->post, user, m);
}

/* Engine sink: an execution, to clearing and surveillance (tg_gw_post.c). */
static void
tg_gw_sink_fill(void *ctx, const struct tg_engine_fill *f)
{
	struct tg_gw *gw = ctx;

	if (!gw->fatal)
		tg_gw_post_fill(gw->post, f);
}

/* Journal an input record. 0, or the journal's error (now fatal). */
static int
tg_gw_journal_input(struct tg_gw *gw, uint16_t type, const uint8_t *rec, size_t len)
{
	int rc = tg_journal_append(gw->j, type, rec, (uint32_t)len, NULL);

	if (rc)
		tg_gw_fail(gw, rc, "journal append");
	return rc;
}

/* ---- connections: output ---- */

/* Put c on this iteration's list of connections to write to. */
static void
tg_gw_want_flush(struct tg_gw *gw, struct tg_gw_conn *c)
{
	if (!c->in_flush) {
		c->in_flush = true;
		gw->flush[gw->n_flush++] = (unsigned)(c - gw->conns);
	}
}

/* Room for n more bytes at the end of the send buffer (compacting if that helps). */
static bool
tg_gw_tx_room(struct tg_gw *gw, struct tg_gw_conn *c, size_t n)
{
	if (c->tx_off + c->tx_len + n <= gw->cfg.send_buffer)
		return true;
	if (c->tx_len + n > gw->cfg.send_buffer)
		return false;
	memmove(c->tx, c->tx + c->tx_off, c->tx_len);
	c->tx_off = 0;
	return true;
}

/*
 * Put one packet at the end of the send buffer, sealed into a frame on a
 * sealed connection; false when there is no room for it (or the card
 * failed to seal: the connection is then closed by the caller's flush).
 */
static bool
tg_gw_put(struct tg_gw *gw, struct tg_gw_conn *c, char type, const void *p, size_t n)
{
	uint8_t inner[3 + TG_SOUP_MAX_PAYLOAD], *dst;
	size_t il;
	long sl;

	if (!c->seal_on) {
		if (!tg_gw_tx_room(gw, c, 3 + n))
			return false;
		c->tx_len += tg_soup_pack(c->tx + c->tx_off + c->tx_len, type, p, n);
		return true;
	}
	il = tg_soup_pack(inner, type, p, n);
	if (!il || 3 + il + TG_GW_SEAL_OVERHEAD > 3 + TG_SOUP_MAX_PAYLOAD ||
	    !tg_gw_tx_room(gw, c, 3 + il + TG_GW_SEAL_OVERHEAD))
		return false;
	dst = c->tx + c->tx_off + c->tx_len;
	sl = tg_gw_seal(gw->sealer, &c->ss, c->seal_user, inner, il, dst + 3,
			gw->cfg.send_buffer - c->tx_off - c->tx_len - 3);
	OPENSSL_cleanse(inner, il);
	if (sl < 0) {
		tg_gw_log(gw, "%s: sealing failed: %s", c->peer, strerror((int)-sl));
		c->seal_failed = true;
		return false;
	}
	dst[0] = (uint8_t)((sl + 1) >> 8);
	dst[1] = (uint8_t)(sl + 1);
	dst[2] = TG_GW_SEAL_FRAME;
	c->tx_len += 3 + (size_t)sl;
	return true;
}

/* Queue one packet; false when the buffer has no room for it. */
static bool
tg_gw_queue(struct tg_gw *gw, struct tg_gw_conn *c, char type, const void *p, size_t n)
{
	if (!tg_gw_put(gw, c, type, p, n))
		return false;
	tg_gw_want_flush(gw, c);
	return true;
}

/* Fill the send buffer from the user's stream, up to what is durable. */
static void
tg_gw_pump(struct tg_gw *gw, struct tg_gw_conn *c)
{
	const struct tg_gw_stream *s;

	if (c->state != TG_GW_LIVE)
		return;
	s = &gw->streams[c->user];
	while (c->next_seq <= s->durable) {
		size_t len;
		const uint8_t *m = tg_gw_stream_get(s, c->next_seq, &len);

		if (!tg_gw_put(gw, c, TG_SOUP_SEQUENCED, m, len))
			break;
		if (c->next_seq < c->live_from)
			gw->st.replayed++;
		c->next_seq++;
	}
}

/* Whether c has output waiting (in its buffer or its stream). */
static bool
tg_gw_pending(const struct tg_gw *gw, const struct tg_gw_conn *c)
{
	return c->tx_len ||
	       (c->state == TG_GW_LIVE && c->next_seq <= gw->streams[c->user].durable);
}

/* Watch c for these events (a syscall only when they change). */
static void
tg_gw_epoll_mod(struct tg_gw *gw, struct tg_gw_conn *c, uint32_t events)
{
	struct epoll_event ev = {
		.events = events,
		.data.u64 = (uint64_t)c->gen << 32 | (uint64_t)(c - gw->conns + TG_GW_EV_CONN),
	};

	if (events != c->events && epoll_ctl(gw->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = events;
}

static void tg_gw_conn_close(struct tg_gw *gw, struct tg_gw_conn *c);

/*
 * Write what the socket takes, refilling from the stream between writes;
 * watch for writability only while something is left. A failed write
 * closes the connection.
 */
static void
tg_gw_flush(struct tg_gw *gw, struct tg_gw_conn *c, uint64_t now)
{
	for (;;) {
		ssize_t n;

		tg_gw_pump(gw, c);
		if (c->seal_failed) {
			tg_gw_conn_close(gw, c);
			return;
		}
		if (!c->tx_len)
			break;
		n = send(c->fd, c->tx + c->tx_off, c->tx_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (c->state == TG_GW_LIVE)
				gw->st.closed_by_peer++;
			tg_gw_conn_close(gw, c);
			return;
		}
		c->tx_off += (size_t)n;
		c->tx_len -= (size_t)n;
		if (!c->tx_len) {
			c->tx_off = 0;
			if (gw->ctl && c->state == TG_GW_LIVE)
				tg_gw_ctl_sent(gw->ctl, (unsigned)c->user, (uint64_t)c->gen << 32 |
					       (uint64_t)(c - gw->conns), c->next_seq);
		}
		c->last_tx = now;
		c->stall_since = 0;
	}
	if (tg_gw_pending(gw, c)) {
		if (!c->stall_since)
			c->stall_since = now;
		tg_gw_epoll_mod(gw, c, EPOLLIN | EPOLLOUT);
	} else {
		c->stall_since = 0;
		tg_gw_epoll_mod(gw, c, EPOLLIN);
		if (c->state == TG_GW_CLOSING && !c->wr_shut) {
			/* all said: FIN, then wait for the peer's (or the deadline) */
			shutdown(c->fd, SHUT_WR);
			c->wr_shut = true;
		}
	}
}

/* ---- connections: life cycle ---- */

/* The user of c may log in again. */
static void
tg_gw_conn_release_user(struct tg_gw *gw, struct tg_gw_conn *c)
{
	if (c->user >= 0 && gw->user_conn[c->user] == (int)(c - gw->conns))
		gw->user_conn[c->user] = -1;
	c->user = -1;
}

/* Close at once and free the slot. */
static void
tg_gw_conn_close(struct tg_gw *gw, struct tg_gw_conn *c)
{
	if (c->state == TG_GW_FREE)
		return;
	tg_gw_conn_release_user(gw, c);
	if (c->ss.active)
		tg_gw_seal_end(gw->sealer, &c->ss);
	epoll_ctl(gw->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->tx);
	c->tx = NULL;
	c->fd = -1;
	c->state = TG_GW_FREE;
	c->gen++;
	gw->free_slots[gw->n_free++] = (unsigned)(c - gw->conns);
	gw->st.sessions_now--;
}

/*
 * End a connection politely: an optional packet (Debug with the reason,
 * Login Rejected, End of Session) goes out after what is queued, then FIN;
 * whatever the peer still sends is read and dropped until it closes or
 * the linger deadline passes. The user is free to log in again at once.
 */
static void
tg_gw_conn_end(struct tg_gw *gw, struct tg_gw_conn *c, char type, const void *p,
	       size_t n, uint64_t now)
{
	if (c->state == TG_GW_CLOSING || c->state == TG_GW_FREE)
		return;
	tg_gw_conn_release_user(gw, c);
	c->state = TG_GW_CLOSING;
	c->close_at = now + TG_GW_CLOSE_LINGER_NS;
	if (type)
		tg_gw_queue(gw, c, type, p, n);
	tg_gw_want_flush(gw, c);
}

/* Disconnect with a Debug packet saying why; count it under *counter. */
static void
tg_gw_drop(struct tg_gw *gw, struct tg_gw_conn *c, uint64_t *counter, uint64_t now,
	   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void
tg_gw_drop(struct tg_gw *gw, struct tg_gw_conn *c, uint64_t *counter, uint64_t now,
	   const char *fmt, ...)
{
	char why[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(why))
		n = sizeof(why) - 1;
	(*counter)++;
	tg_gw_log(gw, "%s: disconnected: %s", c->peer, why);
	tg_gw_conn_end(gw, c, TG_SOUP_DEBUG, why, (size_t)n, now);
}

/* Accept every waiting connection (a bounded number per iteration). */
static void
tg_gw_accept(struct tg_gw *gw, int lfd, bool sealed, uint64_t now)
{
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		struct tg_gw_conn *c;
		struct epoll_event ev;
		char host[INET6_ADDRSTRLEN] = "?", port[8] = "?";
		int one = 1;
		int fd = accept4(lfd, (struct sockaddr *)&sa, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				tg_gw_log(gw, "accept: %s", strerror(errno));
			return;
		}
		gw->st.connections++;
		if (!gw->n_free) {
			gw->st.refused_full++;
			close(fd);
			continue;
		}
		c = &gw->conns[gw->free_slots[gw->n_free - 1]];
		c->tx = malloc(gw->cfg.send_buffer);
		if (!c->tx) {
			gw->st.refused_full++;
			close(fd);
			continue;
		}
		gw->n_free--;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (gw->cfg.socket_sndbuf)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &gw->cfg.socket_sndbuf,
				   sizeof(gw->cfg.socket_sndbuf));
		getnameinfo((struct sockaddr *)&sa, sl, host, sizeof(host), port,
			    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
		snprintf(c->peer, sizeof(c->peer), "%s:%s", host, port);
		c->fd = fd;
		c->state = TG_GW_NEW;
		c->user = -1;
		c->in_flush = false;
		c->wr_shut = false;
		c->sealed = sealed;
		c->seal_on = false;
		c->seal_failed = false;
		memset(&c->ss, 0, sizeof(c->ss));
		c->tx_off = c->tx_len = 0;
		c->last_rx = c->last_tx = now;
		c->stall_since = 0;
		memset(&c->rx, 0, sizeof(c->rx));
		c->events = EPOLLIN;
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)c->gen << 32 | (uint64_t)(c - gw->conns + TG_GW_EV_CONN);
		if (epoll_ctl(gw->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			tg_gw_log(gw, "epoll: %s", strerror(errno));
			gw->st.sessions_now++;
			tg_gw_conn_close(gw, c);
			continue;
		}
		gw->st.sessions_now++;
	}
}

/* ---- connections: input ---- */

/* A Login Request: parse it and hand the password to the verifier. */
static void
tg_gw_login_request(struct tg_gw *gw, struct tg_gw_conn *c, const uint8_t *p,
		    size_t len, uint64_t now)
{
	struct tg_soup_login l;
	struct tg_gw_auth_job job = { 0 };
	char name[TG_GW_USER_LEN + 1];
	int rc;

	if (c->state != TG_GW_NEW) {
		tg_gw_drop(gw, c, &gw->st.bad_login, now, "a second Login Request on one connection");
		return;
	}
	if (tg_soup_login_parse(p, len, &l)) {
		tg_gw_drop(gw, c, &gw->st.bad_login, now, "malformed Login Request (%zu bytes)", len);
		return;
	}
	if (c->sealed && memcmp(l.user, c->seal_user, TG_GW_USER_LEN)) {
		OPENSSL_cleanse(&l.password, sizeof(l.password));
		tg_gw_drop(gw, c, &gw->st.bad_login, now, "the login names another user than the sealed hello");
		return;
	}
	tg_gw_printable(l.user, TG_SOUP_USER_LEN, name);
	job.user = -1;
	if (name[0]) {
		rc = tg_engine_user_find(gw->e, name);
		/* the wire name must be exactly the configured one, padding aside */
		if (rc >= 0 && !memcmp(gw->ufield[rc], l.user, TG_GW_USER_LEN))
			job.user = rc;
	}
	job.conn = (uint32_t)(c - gw->conns);
	job.gen = c->gen;
	job.hash = job.user >= 0 ? gw->cfg.users[job.user].hash : gw->decoy;
	job.pwlen = TG_SOUP_PASSWORD_LEN;
	while (job.pwlen > 0 && l.password[job.pwlen - 1] == ' ')
		job.pwlen--;
	memcpy(job.pw, l.password, TG_SOUP_PASSWORD_LEN);
	OPENSSL_cleanse(&l.password, sizeof(l.password));
	memcpy(c->want_session, l.session, TG_SOUP_SESSION_LEN);
	c->want_seq = l.seq;
	rc = tg_gw_auth_submit(gw->auth, &job);
	OPENSSL_cleanse(job.pw, sizeof(job.pw));
	if (rc) {
		tg_gw_drop(gw, c, &gw->st.refused_full, now, "too many logins in progress");
		return;
	}
	c->state = TG_GW_VERIFYING;
}

/* A verdict from the verifier: Login Accepted or Login Rejected. */
static void
tg_gw_login_verdict(struct tg_gw *gw, const struct tg_gw_auth_job *job, uint64_t now)
{
	struct tg_gw_conn *c = &gw->conns[job->conn];
	const char *who, *why = NULL;
	char reject = 'A';
	uint8_t acc[32];
	uint64_t start;
	bool blank = true;

	if (c->gen != job->gen || c->state != TG_GW_VERIFYING)
		return;		/* the connection went away meanwhile */
	who = job->user >= 0 ? gw->cfg.users[job->user].name : "(unknown)";
	for (int i = 0; i < TG_SOUP_SESSION_LEN; i++)
		blank &= c->want_session[i] == ' ';
	if (job->user < 0) {
		gw->st.login_unknown_user++;
		why = "unknown user";
	} else if (job->result != 1) {
		gw->st.login_bad_password++;
		why = job->result < 0 ? "password check failed" : "wrong password";
	} else if (gw->user_conn[job->user] >= 0) {
		gw->st.login_in_use++;
		why = "already logged in";
	} else if (!blank && memcmp(c->want_session, gw->session, TG_SOUP_SESSION_LEN)) {
		gw->st.login_bad_session++;
		why = "session not available";
		reject = 'S';
	}
	if (why) {
		tg_gw_log(gw, "%s: login refused ('%c'): user %s: %s", c->peer, reject, who, why);
		tg_gw_conn_end(gw, c, TG_SOUP_LOGIN_REJECTED, &reject, 1, now);
		return;
	}
	/*
	 * 1 replays the whole stream, 0 means from the end; a number past the
	 * end starts there too (the Login Accepted says where).
	 */
	start = c->want_seq;
	if (start == 0 || start > gw->streams[job->user].durable + 1)
		start = gw->streams[job->user].durable + 1;
	c->state = TG_GW_LIVE;
	c->user = job->user;
	c->next_seq = start;
	c->live_from = gw->streams[job->user].durable + 1;
	gw->user_conn[job->user] = (int)job->conn;
	gw->st.logins++;
	tg_gw_queue(gw, c, TG_SOUP_LOGIN_ACCEPTED, acc,
		    tg_soup_accept_pack(gw->session, start, acc));
	tg_gw_log(gw, "%s: login %s, next sequence %llu of %llu", c->peer, who,
		  (unsigned long long)start,
		  (unsigned long long)gw->streams[job->user].durable);
}

/* One inbound OUCH message of a logged-in user: journal it, then the engine. */
static void
tg_gw_order(struct tg_gw *gw, struct tg_gw_conn *c, const uint8_t *p, size_t len,
	    uint64_t now)
{
	uint8_t rec[TG_GW_REC_MAX];
	struct tg_ouch_in m;
	uint64_t ts, n0;
	int rc = tg_ouch_in_decode(p, len, &m);

	if (rc == -EBADMSG) {
		tg_gw_drop(gw, c, &gw->st.bad_ouch, now,
			   "unknown OUCH message type 0x%02x", len ? p[0] : 0);
		return;
	}
	if (rc) {
		tg_gw_drop(gw, c, &gw->st.bad_ouch, now,
			   "OUCH '%c' of %zu bytes (it has %zu)", len ? p[0] : '?', len,
			   len ? tg_ouch_in_len((char)p[0]) : 0);
		return;
	}
	ts = tg_gw_ts(gw);
	if (tg_gw_journal_input(gw, TG_GW_REC_ORDER, rec,
				tg_gw_rec_order(rec, ts, gw->ufield[c->user], p, len)))
		return;
	gw->st.messages_in++;
	n0 = gw->streams[c->user].n;
	tg_engine_order(gw->e, ts, (unsigned)c->user, &m, &gw->sink);
	if (gw->ctl)
		tg_gw_ctl_ordered(gw->ctl, (unsigned)c->user, (uint64_t)c->gen << 32 |
				  (uint64_t)(c - gw->conns), n0, gw->streams[c->user].n, gw->rx_ns);
}

/* Handle one packet from a client. */
static void
tg_gw_packet(struct tg_gw *gw, struct tg_gw_conn *c, char type, const uint8_t *p,
	     size_t len, uint64_t now)
{
	switch (type) {
	case TG_SOUP_LOGIN_REQUEST:
		tg_gw_login_request(gw, c, p, len, now);
		break;
	case TG_SOUP_UNSEQUENCED:
		if (c->state != TG_GW_LIVE)
			tg_gw_drop(gw, c, &gw->st.not_logged_in, now,
				   "Unsequenced Data before Login Accepted");
		else
			tg_gw_order(gw, c, p, len, now);
		break;
	case TG_SOUP_CLIENT_HB:
		if (len)
			tg_gw_drop(gw, c, &gw->st.bad_length, now,
				   "Client Heartbeat with %zu bytes of payload", len);
		break;
	case TG_SOUP_LOGOUT:
		if (len) {
			tg_gw_drop(gw, c, &gw->st.bad_length, now,
				   "Logout Request with %zu bytes of payload", len);
			break;
		}
		gw->st.logouts++;
		tg_gw_conn_end(gw, c, 0, NULL, 0, now);
		break;
	case TG_SOUP_DEBUG:
		break;
	default:
		tg_gw_drop(gw, c, &gw->st.bad_type, now, "unknown packet type 0x%02x",
			   (uint8_t)type);
		break;
	}
}

/*
 * The clear hello of a sealed connection: derive the session keys from
 * the firm's key and both randoms, put them in the card's slots, answer
 * with the server's random, and seal everything from then on. A user
 * without a firm key gets a random key instead, so that the hello looks
 * the same and the first frame fails to open.
 */
static void
tg_gw_seal_hello(struct tg_gw *gw, struct tg_gw_conn *c, const uint8_t *p, size_t len,
		 uint64_t now)
{
	uint8_t salt[2 * TG_GW_SEAL_RANDOM], key[16], c2s[16], s2c[16];
	char name[TG_GW_USER_LEN + 1];
	int user = -1, rc;

	if (len != TG_GW_USER_LEN + TG_GW_SEAL_RANDOM) {
		tg_gw_drop(gw, c, &gw->st.bad_length, now, "sealed hello of %zu bytes", len);
		return;
	}
	memcpy(c->seal_user, p, TG_GW_USER_LEN);
	tg_gw_printable((const char *)p, TG_GW_USER_LEN, name);
	if (name[0]) {
		rc = tg_engine_user_find(gw->e, name);
		if (rc >= 0 && !memcmp(gw->ufield[rc], p, TG_GW_USER_LEN))
			user = rc;
	}
	memcpy(salt, p + TG_GW_USER_LEN, TG_GW_SEAL_RANDOM);
	if (RAND_bytes(salt + TG_GW_SEAL_RANDOM, TG_GW_SEAL_RANDOM) != 1 ||
	    (user < 0 || !gw->cfg.users[user].has_seal_key ?
	     RAND_bytes(key, sizeof(key)) != 1 :
	     (memcpy(key, gw->cfg.users[user].seal_key, sizeof(key)), 0)) ||
	    tg_gw_seal_derive(key, salt, c->seal_user, c2s, s2c)) {
		OPENSSL_cleanse(key, sizeof(key));
		tg_gw_drop(gw, c, &gw->st.refused_full, now, "no randomness or key derivation");
		return;
	}
	OPENSSL_cleanse(key, sizeof(key));
	rc = tg_gw_seal_start(gw->sealer, &c->ss, c2s, s2c);
	OPENSSL_cleanse(c2s, sizeof(c2s));
	OPENSSL_cleanse(s2c, sizeof(s2c));
	if (rc) {
		tg_gw_drop(gw, c, &gw->st.refused_full, now, "%s",
			   rc == -ENOSPC ? "no free key slot on the card" : "the card refused the keys");
		return;
	}
	tg_gw_queue(gw, c, TG_GW_SEAL_HELLO, salt + TG_GW_SEAL_RANDOM, TG_GW_SEAL_RANDOM);
	c->seal_on = true;
	gw->st.sealed_hellos++;
}

/*
 * One packet off the wire: as it is on the plain port; on the sealed port
 * the hello first, then only sealed frames, each opened (authenticated,
 * checked against replay) into the packet it carries.
 */
static void
tg_gw_packet_in(struct tg_gw *gw, struct tg_gw_conn *c, char type, const uint8_t *p,
		size_t len, uint64_t now)
{
	uint8_t inner[3 + TG_SOUP_MAX_PAYLOAD];
	long n;

	if (!c->sealed) {
		tg_gw_packet(gw, c, type, p, len, now);
		return;
	}
	if (!c->seal_on) {
		if (type == TG_GW_SEAL_HELLO)
			tg_gw_seal_hello(gw, c, p, len, now);
		else
			tg_gw_drop(gw, c, &gw->st.bad_type, now,
				   "packet type 0x%02x before the sealed hello", (uint8_t)type);
		return;
	}
	if (type != TG_GW_SEAL_FRAME) {
		tg_gw_drop(gw, c, &gw->st.bad_type, now,
			   "packet type 0x%02x on a sealed session", (uint8_t)type);
		return;
	}
	n = tg_gw_unseal(gw->sealer, &c->ss, c->seal_user, p, len, inner, sizeof(inner));
	if (n == -EALREADY) {
		tg_gw_drop(gw, c, &gw->st.seal_replay, now, "replayed sealed frame");
		return;
	}
	if (n < 0) {
		tg_gw_drop(gw, c, &gw->st.seal_bad, now, "sealed frame failed authentication");
		return;
	}
	if (n < 3 || (size_t)n != 2 + ((size_t)inner[0] << 8 | inner[1])) {
		OPENSSL_cleanse(inner, sizeof(inner));
		tg_gw_drop(gw, c, &gw->st.bad_length, now, "sealed frame holding %ld bytes", n);
		return;
	}
	tg_gw_packet(gw, c, (char)inner[2], inner + 3, (size_t)n - 3, now);
	OPENSSL_cleanse(inner, (size_t)n);
}

/* Read once from a readable socket and handle every whole packet. */
static void
tg_gw_read(struct tg_gw *gw, struct tg_gw_conn *c, uint64_t now)
{
	uint8_t *room, sink[4096];
	size_t cap = tg_soup_rx_room(&c->rx, &room);
	ssize_t n;

	if (c->state == TG_GW_CLOSING) {
		/* drain and drop until the peer closes */
		n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			tg_gw_conn_close(gw, c);
		return;
	}
	if (!cap) {
		/* cannot happen with whole packets consumed; refuse to spin */
		tg_gw_drop(gw, c, &gw->st.bad_length, now, "receive buffer full");
		return;
	}
	n = recv(c->fd, room, cap, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		n = 0;
	}
	if (n == 0) {
		if (c->state == TG_GW_LIVE)
			gw->st.closed_by_peer++;
		tg_gw_conn_close(gw, c);
		return;
	}
	c->last_rx = now;
	if (gw->ctl)
		gw->rx_ns = tg_gw_mono();
	tg_soup_rx_commit(&c->rx, (size_t)n);
	while (c->state != TG_GW_CLOSING && !gw->fatal) {
		const uint8_t *p;
		size_t len;
		char type;
		int rc = tg_soup_rx_next(&c->rx, &type, &p, &len);

		if (rc == 0)
			break;
		if (rc < 0) {
			tg_gw_drop(gw, c, &gw->st.bad_length, now,
				   "packet length 0 or over %d", TG_SOUP_MAX_PAYLOAD + 1);
			break;
		}
		tg_gw_packet_in(gw, c, type, p, len, now);
	}
}

/* ---- timers ---- */

/* Heartbeats, traffic timeouts, stalled readers and lingering closes. */
static void
tg_gw_timers(struct tg_gw *gw, uint64_t now)
{
	for (unsigned i = 0; i < gw->cfg.max_sessions; i++) {
		struct tg_gw_conn *c = &gw->conns[i];

		switch (c->state) {
		case TG_GW_FREE:
			break;
		case TG_GW_CLOSING:
			if (now >= c->close_at)
				tg_gw_conn_close(gw, c);
			break;
		default:
			if (now - c->last_rx >= gw->cfg.timeout_ns) {
				tg_gw_drop(gw, c, &gw->st.timeouts, now,
					   "nothing received for %llu ms",
					   (unsigned long long)(gw->cfg.timeout_ns / 1000000));
			} else if (c->stall_since && now - c->stall_since >= gw->cfg.timeout_ns) {
				gw->st.slow_readers++;
				tg_gw_log(gw, "%s: disconnected: took nothing for %llu ms with %zu bytes waiting",
					  c->peer,
					  (unsigned long long)(gw->cfg.timeout_ns / 1000000),
					  c->tx_len);
				tg_gw_conn_close(gw, c);
			} else if (c->state == TG_GW_LIVE && !tg_gw_pending(gw, c) &&
				   now - c->last_tx >= gw->cfg.heartbeat_ns) {
				if (tg_gw_queue(gw, c, TG_SOUP_SERVER_HB, NULL, 0))
					gw->st.heartbeats++;
			}
			break;
		}
	}
}

/* Expire orders whose time ran out: journal the tick, then the engine. */
static void
tg_gw_expire(struct tg_gw *gw)
{
	uint8_t rec[16];
	uint64_t ts;

	if (tg_engine_next_expiry(gw->e) == UINT64_MAX)
		return;
	ts = tg_gw_ts(gw);
	if (tg_engine_next_expiry(gw->e) > ts)
		return;
	if (tg_gw_journal_input(gw, TG_GW_REC_TICK, rec, tg_gw_rec_tick(rec, ts)))
		return;
	gw->st.ticks++;
	tg_engine_tick(gw->e, ts, &gw->sink);
}

/*
 * Group commit: one sync for everything this iteration journaled, then
 * the grown streams become sendable and their connections are flushed.
 */
static void
tg_gw_commit(struct tg_gw *gw)
{
	int rc;

	if (tg_journal_last_lsn(gw->j) != tg_journal_durable_lsn(gw->j)) {
		if ((rc = tg_journal_sync(gw->j))) {
			tg_gw_fail(gw, rc, "journal sync");
			return;
		}
		gw->st.syncs++;
	}
	tg_gw_post_commit(gw->post);
	for (unsigned k = 0; k < gw->n_dirty_users; k++) {
		unsigned u = gw->dirty_users[k];

		gw->udirty[u] = 0;
		gw->streams[u].durable = gw->streams[u].n;
		if (gw->user_conn[u] >= 0)
			tg_gw_want_flush(gw, &gw->conns[gw->user_conn[u]]);
	}
	gw->n_dirty_users = 0;
}

/* Push the output of every connection that has some. */
static void
tg_gw_flush_all(struct tg_gw *gw, uint64_t now)
{
	for (unsigned k = 0; k < gw->n_flush; k++) {
		struct tg_gw_conn *c = &gw->conns[gw->flush[k]];

		c->in_flush = false;
		if (c->state != TG_GW_FREE)
			tg_gw_flush(gw, c, now);
	}
	gw->n_flush = 0;
}

/* How long epoll may sleep: until the next timer scan or order expiry. */
static int
tg_gw_wait_ms(struct tg_gw *gw)
{
	uint64_t scan = gw->next_scan > gw->clock ? gw->next_scan - gw->clock : 0;
	uint64_t exp = tg_engine_next_expiry(gw->e);

	if (exp != UINT64_MAX) {
		uint64_t ts = tg_gw_ts(gw);
		uint64_t d = exp > ts ? exp - ts : 0;

		if (d < scan)
			scan = d;
	}
	return (int)((scan + 999999) / 1000000);
}

/* One pass of the loop over whatever epoll reported. */
static void
tg_gw_dispatch(struct tg_gw *gw, const struct epoll_event *ev, int n, uint64_t now,
	       bool *stop)
{
	for (int i = 0; i < n && !gw->fatal; i++) {
		uint64_t id = ev[i].data.u64 & 0xffffffffu;
		uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
		struct tg_gw_auth_job job;
		struct tg_gw_conn *c;

		if (id == TG_GW_EV_LISTEN) {
			tg_gw_accept(gw, gw->lfd, false, now);
		} else if (id == TG_GW_EV_LISTEN_SEALED) {
			tg_gw_accept(gw, gw->slfd, true, now);
		} else if (id == TG_GW_EV_AUTH) {
			while (tg_gw_auth_take(gw->auth, &job))
				tg_gw_login_verdict(gw, &job, now);
		} else if (id == TG_GW_EV_STOP) {
			*stop = true;
		} else if (id == TG_GW_EV_CTL) {
			if (gw->ctl)
				tg_gw_ctl_event(gw->ctl);
		} else {
			c = &gw->conns[id - TG_GW_EV_CONN];
			if (c->state == TG_GW_FREE || c->gen != gen)
				continue;	/* closed earlier in this batch */
			if (ev[i].events & EPOLLOUT)
				tg_gw_want_flush(gw, c);
			if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				tg_gw_read(gw, c, now);
		}
	}
}

/* Say End of Session to every logged-in client and let them drain. */
static void
tg_gw_end_of_session(struct tg_gw *gw)
{
	struct epoll_event ev[TG_GW_EVENTS];
	uint64_t now = tg_gw_tick_clock(gw), deadline = now + TG_GW_CLOSE_LINGER_NS;

	for (unsigned i = 0; i < gw->cfg.max_sessions; i++) {
		struct tg_gw_conn *c = &gw->conns[i];

		if (c->state == TG_GW_LIVE) {
			/* everything durable first, then the end */
			while (c->next_seq <= gw->streams[c->user].durable && !gw->fatal) {
				tg_gw_flush(gw, c, now);
				if (c->state != TG_GW_LIVE || c->stall_since)
					break;
			}
			if (c->state == TG_GW_LIVE)
				tg_gw_conn_end(gw, c, TG_SOUP_END_OF_SESSION, NULL, 0, now);
		} else if (c->state != TG_GW_FREE && c->state != TG_GW_CLOSING) {
			tg_gw_conn_close(gw, c);
		}
	}
	while (gw->st.sessions_now && now < deadline) {
		int n;

		tg_gw_flush_all(gw, now);
		n = epoll_wait(gw->epfd, ev, TG_GW_EVENTS, 20);
		now = tg_gw_tick_clock(gw);
		for (int i = 0; i < n; i++) {
			uint64_t id = ev[i].data.u64 & 0xffffffffu;
			struct tg_gw_conn *c;

			if (id < TG_GW_EV_CONN)
				continue;
			c = &gw->conns[id - TG_GW_EV_CONN];
			if (c->state == TG_GW_FREE || c->gen != (uint32_t)(ev[i].data.u64 >> 32))
				continue;
			if (ev[i].events & EPOLLOUT)
				tg_gw_want_flush(gw, c);
			if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				tg_gw_read(gw, c, now);
		}
	}
	for (unsigned i = 0; i < gw->cfg.max_sessions; i++)
		tg_gw_conn_close(gw, &gw->conns[i]);
}

/*
 * Market data given since the last iteration: each stock that changed is
 * journaled (MARKET) before the engine takes it, like any input.
 */
static void
tg_gw_feed_market(struct tg_gw *gw)
{
	struct tg_engine_market mk;
	uint8_t rec[TG_GW_REC_MAX];

	while (!gw->fatal && tg_gw_mkt_take(gw->mkt, &mk)) {
		uint64_t ts = tg_gw_ts(gw);

		if (tg_gw_journal_input(gw, TG_GW_REC_MARKET, rec, tg_gw_rec_market(rec, ts, &mk)))
			return;
		tg_engine_market(gw->e, ts, &mk, &gw->sink);
		tg_gw_post_market(gw->post, ts, &mk);
	}
}

/* An operator action on the loop's thread (tg_gw_ctl.c): journaled, then the engine. */
int
tg_gw_control(struct tg_gw *gw, const struct tg_engine_ctl *c)
{
	uint8_t rec[TG_GW_REC_MAX];
	uint64_t ts;
	int rc;

	if (gw->fatal)
		return gw->fatal;
	ts = tg_gw_ts(gw);
	if ((rc = tg_gw_journal_input(gw, TG_GW_REC_CONTROL, rec, tg_gw_rec_control(rec, ts, c))))
		return rc;
	return tg_engine_control(gw->e, ts, c, &gw->sink);
}

/* The control plane of gw, or NULL. */
struct tg_gw_ctl *
tg_gw_ctl_get(const struct tg_gw *gw)
{
	return gw->ctl;
}

/* Keep a stock's reference data for the next iteration (see tg_gw.h). */
int
tg_gw_market(struct tg_gw *gw, const struct tg_engine_market *mk)
{
	return tg_gw_mkt_offer(gw->mkt, mk);
}

/* One iteration of the loop (see the top of this file). */
int
tg_gw_poll(struct tg_gw *gw, int timeout_ms)
{
	struct epoll_event ev[TG_GW_EVENTS];
	int n, wait;
	uint64_t now;

	if (gw->fatal)
		return gw->fatal;
	if (gw->stopping)
		return 0;
	wait = tg_gw_wait_ms(gw);
	if (timeout_ms >= 0 && timeout_ms < wait)
		wait = timeout_ms;
	n = gw->ctl ? tg_gw_ctl_wait(gw->ctl, gw->epfd, ev, TG_GW_EVENTS, wait) :
		      epoll_wait(gw->epfd, ev, TG_GW_EVENTS, wait);
	now = tg_gw_tick_clock(gw);
	if (n < 0 && errno != EINTR) {
		tg_gw_fail(gw, -errno, "epoll_wait");
		return gw->fatal;
	}
	tg_gw_feed_market(gw);
	tg_gw_dispatch(gw, ev, n > 0 ? n : 0, now, &gw->stopping);
	if (!gw->fatal)
		tg_gw_expire(gw);
	if (gw->ctl && !gw->fatal)
		tg_gw_ctl_poll(gw->ctl);
	if (now >= gw->next_scan) {
		/* a scan of every slot a few times a second, not every iteration */
		tg_gw_timers(gw, now);
		gw->next_scan = now + gw->scan_ns;
	}
	if (!gw->fatal)
		tg_gw_commit(gw);
	if (!gw->fatal)
		tg_gw_flush_all(gw, now);
	if (gw->ctl && !gw->fatal)
		tg_gw_ctl_end(gw->ctl, n > 0);
	if (gw->fatal)
		return gw->fatal;
	return gw->stopping ? 0 : 1;
}

/* End of Session for everyone, the clearing summary; or, after a failure, just close. */
int
tg_gw_shutdown(struct tg_gw *gw)
{
	if (gw->fatal) {
		/* nothing more may go out: what is not synced is not acknowledged */
		for (unsigned i = 0; i < gw->cfg.max_sessions; i++)
			tg_gw_conn_close(gw, &gw->conns[i]);
		return gw->fatal;
	}
	tg_gw_end_of_session(gw);
	tg_gw_post_finish(gw->post);
	return 0;
}

/* The loop (see the top of this file) until a stop or a journal failure. */
int
tg_gw_run(struct tg_gw *gw)
{
	while (tg_gw_poll(gw, -1) > 0)
		;
	return tg_gw_shutdown(gw);
}

/* Wake the loop through its eventfd: a write is async-signal-safe. */
void
tg_gw_stop(struct tg_gw *gw)
{
	uint64_t one = 1;

	if (write(gw->stopfd, &one, sizeof(one)) < 0) {
		/* the counter is already set: a stop is pending */
	}
}

/* ---- start-up ---- */

/* Replay callback: the DAY record. */
static int
tg_gw_on_day(void *ctx, const char session[10], uint64_t midnight)
{
	struct tg_gw *gw = ctx;

	memcpy(gw->session, session, TG_SOUP_SESSION_LEN);
	gw->session[TG_SOUP_SESSION_LEN] = 0;
	gw->midnight = midnight;
	return 0;
}

/* Replay callback: an operator action, for the kill switches the control plane shows. */
static void
tg_gw_on_control(void *ctx, const struct tg_engine_ctl *c, int rc)
{
	struct tg_gw *gw = ctx;

	if (gw->ctl && !rc)
		tg_gw_ctl_replayed(gw->ctl, c);
}

/* Replay callback: market data the engine took, to clearing. */
static void
tg_gw_on_market(void *ctx, uint64_t ts, const struct tg_engine_market *mk)
{
	struct tg_gw *gw = ctx;

	tg_gw_post_market(gw->post, ts, mk);
}

/* Replay callback: rebuild a stream; journal what the engine regenerated at the tail. */
static int
tg_gw_on_out(void *ctx, unsigned user, uint64_t seq, const uint8_t *msg, size_t len,
	     int journaled)
{
	struct tg_gw *gw = ctx;
	struct tg_gw_stream *s = &gw->streams[user];
	uint8_t rec[TG_GW_REC_MAX];
	int rc;

	if (seq != s->n + 1)
		return -EPROTO;
	if (!journaled &&
	    (rc = tg_journal_append(gw->j, TG_GW_REC_OUT, rec,
				    (uint32_t)tg_gw_rec_out(rec, gw->ufield[user], seq, msg, len),
				    NULL)))
		return rc;
	return tg_gw_stream_append(s, msg, len);
}

/*
 * A new journal: the day record with a new session name, then the start
 * of day as the first input.
 */
static int
tg_gw_new_day(struct tg_gw *gw, char *err, size_t errlen)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t rec[TG_GW_REC_MAX], rnd[2];
	struct tm tm;
	time_t now = time(NULL);
	uint64_t ts;
	int rc;

	gw->midnight = (uint64_t)now - (uint64_t)now % 86400;
	gmtime_r(&now, &tm);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		snprintf(err, errlen, "no random bytes for the session name");
		return -EIO;
	}
	if (strftime(gw->session, sizeof(gw->session), "%Y%m%d", &tm) != 8) {
		snprintf(err, errlen, "the clock is not in years 0..9999");
		return -ERANGE;
	}
	gw->session[8] = alnum[rnd[0] % 36];
	gw->session[9] = alnum[rnd[1] % 36];
	gw->session[10] = 0;
	gw->last_ts = 0;
	ts = tg_gw_ts(gw);
	if ((rc = tg_journal_append(gw->j, TG_GW_REC_DAY, rec,
				    (uint32_t)tg_gw_rec_day(rec, gw->session, gw->midnight), NULL)) ||
	    (rc = tg_journal_append(gw->j, TG_GW_REC_SYSTEM, rec,
				    (uint32_t)tg_gw_rec_system(rec, ts, 'S'), NULL))) {
		snprintf(err, errlen, "journal append: %s", strerror(-rc));
		return rc;
	}
	tg_engine_system(gw->e, ts, 'S', &gw->sink);
	if (gw->fatal) {
		snprintf(err, errlen, "journal append: %s", strerror(-gw->fatal));
		return gw->fatal;
	}
	tg_gw_log(gw, "journal %s: new, session %s", gw->cfg.journal, gw->session);
	return 0;
}

/* Rebuild engine and streams from an existing journal. */
static int
tg_gw_restore(struct tg_gw *gw, char *err, size_t errlen)
{
	const struct tg_gw_replay_cb cb = {
		.day = tg_gw_on_day, .out = tg_gw_on_out, .ctx = gw,
		.tap = tg_gw_post_sink(gw->post), .market = tg_gw_on_market,
		.control = tg_gw_on_control,
	};
	struct tg_gw_replay_result res;
	int rc = tg_gw_replay(gw->j, gw->e, &cb, &res, err, errlen);

	if (rc == -EPROTO) {
		char why[400];

		snprintf(why, sizeof(why), "%s", err[0] ? err : "outbound stream out of order");
		snprintf(err, errlen,
			 "the engine does not regenerate the journal (the configuration changed since it was written, or the engine is not deterministic): %s",
			 why);
	}
	if (rc)
		return rc;
	gw->last_ts = res.last_ts;
	for (unsigned u = 0; u < gw->n_users; u++)
		gw->st.messages_out += gw->streams[u].n;
	if (!res.inputs) {
		/* a crash between the day record and the start of day: start the day now */
		uint8_t rec[TG_GW_REC_MAX];
		uint64_t ts = tg_gw_ts(gw);

		if ((rc = tg_journal_append(gw->j, TG_GW_REC_SYSTEM, rec,
					    (uint32_t)tg_gw_rec_system(rec, ts, 'S'), NULL))) {
			snprintf(err, errlen, "journal append: %s", strerror(-rc));
			return rc;
		}
		tg_engine_system(gw->e, ts, 'S', &gw->sink);
		if (gw->fatal) {
			snprintf(err, errlen, "journal append: %s", strerror(-gw->fatal));
			return gw->fatal;
		}
	}
	tg_gw_log(gw, "journal %s: replayed %llu inputs, %llu outbound messages checked%s, session %s",
		  gw->cfg.journal, (unsigned long long)res.inputs,
		  (unsigned long long)res.outputs,
		  res.regenerated ? " (and the missing tail regenerated)" : "", gw->session);
	if (res.regenerated)
		tg_gw_log(gw, "journal: %llu outbound messages regenerated after a cut tail",
			  (unsigned long long)res.regenerated);
	return 0;
}

/* Split "host:port" (host may be [v6]) and bind a listening socket: *fd, and its address. */
static int
tg_gw_listen(const char *spec, int *lfd, char *address, size_t addrlen, char *err,
	     size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai = NULL, *a;
	char host[128], *port;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char h[INET6_ADDRSTRLEN], p[8];
	int rc, one = 1;

	snprintf(host, sizeof(host), "%s", spec);
	port = strrchr(host, ':');
	if (!port || port == host || !port[1]) {
		snprintf(err, errlen, "listen: '%s' is not host:port", spec);
		return -EINVAL;
	}
	*port++ = 0;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "listen: %s: %s", spec, gai_strerror(rc));
		return -EINVAL;
	}
	rc = -EADDRNOTAVAIL;
	for (a = ai; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				a->ai_protocol);

		if (fd < 0) {
			rc = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) || listen(fd, 1024)) {
			rc = -errno;
			close(fd);
			continue;
		}
		*lfd = fd;
		rc = 0;
		break;
	}
	freeaddrinfo(ai);
	if (rc) {
		snprintf(err, errlen, "listen: %s: %s", spec, strerror(-rc));
		return rc;
	}
	getsockname(*lfd, (struct sockaddr *)&ss, &sl);
	getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), p, sizeof(p),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(address, addrlen, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
	return 0;
}

/* Register a descriptor with the loop. */
static int
tg_gw_watch(struct tg_gw *gw, int fd, uint64_t id)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = id };

	return epoll_ctl(gw->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* Everything the loop needs, sized from the configuration. */
static int
tg_gw_alloc(struct tg_gw *gw)
{
	unsigned n = gw->n_users ? gw->n_users : 1, m = gw->cfg.max_sessions;

	gw->ufield = calloc(n, sizeof(*gw->ufield));
	gw->streams = calloc(n, sizeof(*gw->streams));
	gw->user_conn = calloc(n, sizeof(*gw->user_conn));
	gw->dirty_users = calloc(n, sizeof(*gw->dirty_users));
	gw->udirty = calloc(n, sizeof(*gw->udirty));
	gw->conns = calloc(m, sizeof(*gw->conns));
	gw->free_slots = calloc(m, sizeof(*gw->free_slots));
	gw->flush = calloc(m, sizeof(*gw->flush));
	if (!gw->ufield || !gw->streams || !gw->user_conn || !gw->dirty_users ||
	    !gw->udirty || !gw->conns || !gw->free_slots || !gw->flush)
		return -ENOMEM;
	for (unsigned u = 0; u < gw->n_users; u++) {
		tg_gw_user_field(gw->ufield[u], gw->cfg.users[u].name);
		tg_gw_stream_init(&gw->streams[u]);
		gw->user_conn[u] = -1;
	}
	for (unsigned i = 0; i < m; i++) {
		gw->conns[i].fd = -1;
		gw->free_slots[m - 1 - i] = i;
	}
	gw->n_free = m;
	return 0;
}

/* Everything up to a bound socket (see tg_gw.h); nothing half-built survives a failure. */
int
tg_gw_new(const struct tg_gw_opts *o, struct tg_gw **out, char *err, size_t errlen)
{
	struct tg_journal_opts jo = { 0 };
	struct tg_journal_report rep = { 0 };
	struct rte_cfgfile *cf;
	struct tg_gw *gw;
	int rc;

	*out = NULL;
	err[0] = 0;
	gw = calloc(1, sizeof(*gw));
	if (!gw)
		return -ENOMEM;
	gw->log = o->log ? o->log : stderr;
	gw->lfd = gw->slfd = gw->epfd = gw->stopfd = gw->authfd = -1;
	gw->sink = (struct tg_engine_sink){ .out = tg_gw_sink_out, .fill = tg_gw_sink_fill,
					    .ctx = gw };

	cf = rte_cfgfile_load(o->config, 0);
	if (!cf) {
		snprintf(err, errlen, "cannot read config %s", o->config);
		rc = -EINVAL;
		goto fail;
	}
	rc = tg_engine_new(cf, &gw->e, err, errlen);
	if (!rc)
		rc = tg_gw_config_load(cf, gw->e, &gw->cfg, err, errlen);
	if (!rc)
		rc = tg_gw_seal_keys_load(cf, gw->e, &gw->cfg, err, errlen);
	if (!rc && !(rc = tg_gw_post_new(cf, gw->e, &gw->post, err, errlen)))
		rc = tg_gw_post_file(gw->post, cf, err, errlen);
	if (!rc && (rc = tg_gw_mkt_new(cf, gw->e, &gw->mkt)))
		snprintf(err, errlen, "out of memory");
	rte_cfgfile_close(cf);
	if (rc)
		goto fail;
	if (o->listen)
		snprintf(gw->cfg.listen, sizeof(gw->cfg.listen), "%s", o->listen);
	if (o->journal)
		snprintf(gw->cfg.journal, sizeof(gw->cfg.journal), "%s", o->journal);
	gw->n_users = gw->cfg.n_users;
	if ((rc = tg_gw_alloc(gw))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((rc = tg_gw_ctl_new(gw, gw->e, gw->post, o, gw->n_users, gw->log, &gw->ctl, err,
				errlen)))
		goto fail;

	jo.no_sync = !gw->cfg.sync;
	jo.segment_bytes = gw->cfg.segment_bytes;
	rc = tg_journal_open(gw->cfg.journal, &jo, &gw->j, &rep);
	if (rc) {
		snprintf(err, errlen, "journal %s: %s%s%s", gw->cfg.journal, strerror(-rc),
			 rep.what[0] ? ": " : "", rep.what);
		goto fail;
	}
	if (rep.cut_bytes)
		tg_gw_log(gw, "journal %s: cut %llu bytes at the tail after record %llu: %s",
			  gw->cfg.journal, (unsigned long long)rep.cut_bytes,
			  (unsigned long long)rep.last_lsn, rep.what);
	rc = rep.last_lsn ? tg_gw_restore(gw, err, errlen) : tg_gw_new_day(gw, err, errlen);
	if (rc)
		goto fail;
	if ((rc = tg_journal_sync(gw->j))) {
		snprintf(err, errlen, "journal sync: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = tg_gw_post_start(gw->post, gw->cfg.journal, o->config, gw->midnight, gw->log,
				   err, errlen)))
		goto fail;
	for (unsigned u = 0; u < gw->n_users; u++)
		gw->streams[u].durable = gw->streams[u].n;
	gw->n_dirty_users = 0;
	memset(gw->udirty, 0, gw->n_users ? gw->n_users : 1);

	gw->prev_mono = gw->clock = tg_gw_mono();
	gw->scan_ns = gw->cfg.heartbeat_ns / 4 < 100000000ull ? gw->cfg.heartbeat_ns / 4 : 100000000ull;
	gw->next_scan = gw->clock + gw->scan_ns;
	gw->decoy = gw->n_users ? gw->cfg.users[0].hash : NULL;
	if (!gw->decoy) {
		static char decoy[TG_GW_HASH_MAX];
		uint8_t r[8];
		char pw[11];

		RAND_bytes(r, sizeof(r));
		snprintf(pw, sizeof(pw), "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
		if ((rc = tg_gw_passwd_hash(pw, strlen(pw), TG_GW_SCRYPT_LN_MIN, decoy,
					    sizeof(decoy)))) {
			snprintf(err, errlen, "password hashing: %s", strerror(-rc));
			goto fail;
		}
		gw->decoy = decoy;
	}

	if ((rc = tg_gw_listen(gw->cfg.listen, &gw->lfd, gw->address, sizeof(gw->address),
			       err, errlen)))
		goto fail;
	if (gw->cfg.sealed_listen[0]) {
		const char *card = o->card ? o->card : "model";

		if ((rc = tg_gw_sealer_open(card, &gw->sealer))) {
			snprintf(err, errlen, "sealed sessions: cannot open the %s card's crypto engine: %s",
				 card, strerror(-rc));
			goto fail;
		}
		if ((rc = tg_gw_listen(gw->cfg.sealed_listen, &gw->slfd, gw->sealed_address,
				       sizeof(gw->sealed_address), err, errlen)))
			goto fail;
		tg_gw_log(gw, "sealed sessions on %s, sealed and opened by the %s card",
			  gw->sealed_address, card);
	}
	gw->epfd = epoll_create1(EPOLL_CLOEXEC);
	gw->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (gw->epfd < 0 || gw->stopfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "epoll: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = tg_gw_auth_start(&gw->auth, &gw->authfd)) ||
	    (rc = tg_gw_watch(gw, gw->lfd, TG_GW_EV_LISTEN)) ||
	    (gw->slfd >= 0 && (rc = tg_gw_watch(gw, gw->slfd, TG_GW_EV_LISTEN_SEALED))) ||
	    (rc = tg_gw_watch(gw, gw->stopfd, TG_GW_EV_STOP)) ||
	    (rc = tg_gw_watch(gw, gw->authfd, TG_GW_EV_AUTH)) ||
	    (gw->ctl && tg_gw_ctl_fd(gw->ctl) >= 0 &&
	     (rc = tg_gw_watch(gw, tg_gw_ctl_fd(gw->ctl), TG_GW_EV_CTL)))) {
		snprintf(err, errlen, "event loop: %s", strerror(-rc));
		goto fail;
	}
	if (gw->ctl && (rc = tg_gw_ctl_start(gw->ctl, err, errlen)))
		goto fail;
	*out = gw;
	return 0;
fail:
	tg_gw_free(gw);
	return rc ? rc : -EINVAL;
}

/* Close sockets, the verifier, the journal, and free everything. */
void
tg_gw_free(struct tg_gw *gw)
{
	if (!gw)
		return;
	tg_gw_ctl_free(gw->ctl);
	if (gw->conns)
		for (unsigned i = 0; i < gw->cfg.max_sessions; i++)
			if (gw->conns[i].state != TG_GW_FREE) {
				close(gw->conns[i].fd);
				free(gw->conns[i].tx);
			}
	tg_gw_auth_stop(gw->auth);
	if (gw->lfd >= 0)
		close(gw->lfd);
	if (gw->slfd >= 0)
		close(gw->slfd);
	if (gw->epfd >= 0)
		close(gw->epfd);
	if (gw->stopfd >= 0)
		close(gw->stopfd);
	tg_journal_close(gw->j);
	if (gw->e)
		tg_engine_free(gw->e);
	if (gw->streams)
		for (unsigned u = 0; u < gw->n_users; u++)
			tg_gw_stream_free(&gw->streams[u]);
	free(gw->streams);
	free(gw->ufield);
	free(gw->user_conn);
	free(gw->dirty_users);
	free(gw->udirty);
	free(gw->conns);
	free(gw->free_slots);
	free(gw->flush);
	tg_gw_sealer_close(gw->sealer);
	tg_gw_post_free(gw->post);
	tg_gw_mkt_free(gw->mkt);
	tg_gw_config_free(&gw->cfg);
	free(gw);
}

/* The bound address, host:port. */
const char *
tg_gw_address(const struct tg_gw *gw)
{
	return gw->address;
}

/* The sealed port's address, or NULL. */
const char *
tg_gw_sealed_address(const struct tg_gw *gw)
{
	return gw->slfd >= 0 ? gw->sealed_address : NULL;
}

/* The session name, space padded. */
const char *
tg_gw_session(const struct tg_gw *gw)
{
	return gw->session;
}

/* A copy of the counters (read it from the loop's thread or after it). */
void
tg_gw_get_stats(const struct tg_gw *gw, struct tg_gw_stats *s)
{
	*s = gw->st;
}

/* The nonzero counters, one "name value" line each. */
void
tg_gw_print_stats(const struct tg_gw *gw, FILE *f)
{
	static const struct {
		const char *name;
		size_t off;
	} k[] = {
#define TG_GW_STAT(x) { #x, offsetof(struct tg_gw_stats, x) }
		TG_GW_STAT(connections), TG_GW_STAT(refused_full), TG_GW_STAT(logins),
		TG_GW_STAT(login_unknown_user), TG_GW_STAT(login_bad_password),
		TG_GW_STAT(login_in_use), TG_GW_STAT(login_bad_session),
		TG_GW_STAT(logouts), TG_GW_STAT(closed_by_peer), TG_GW_STAT(bad_length),
		TG_GW_STAT(bad_type), TG_GW_STAT(not_logged_in), TG_GW_STAT(bad_login),
		TG_GW_STAT(bad_ouch), TG_GW_STAT(timeouts), TG_GW_STAT(slow_readers),
		TG_GW_STAT(heartbeats), TG_GW_STAT(messages_in), TG_GW_STAT(messages_out),
		TG_GW_STAT(replayed), TG_GW_STAT(ticks), TG_GW_STAT(syncs),
		TG_GW_STAT(sealed_hellos), TG_GW_STAT(seal_bad), TG_GW_STAT(seal_replay),
#undef TG_GW_STAT
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		uint64_t v = *(const uint64_t *)((const char *)&gw->st + k[i].off);

		if (v)
			fprintf(f, "%s %llu\n", k[i].name, (unsigned long long)v);
	}
	if (gw->post)
		tg_gw_post_print_stats(gw->post, f);
	if (gw->mkt)
		tg_gw_mkt_print_stats(gw->mkt, f);
}
