/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OUCH 4.2 / SoupBinTCP 3.0 client: one non-blocking TCP connection,
 * a receive reassembler, an output buffer and the two SoupBinTCP timers
 * (heartbeat after 1 s without sending, give up after 15 s without
 * receiving). See tg_ouch_client.h for how it is driven.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ouch/tg_ouch_client.h"

enum tg_ouch_client_state {
	TG_OUCH_CL_CONNECTED,		/* no Login Request yet */
	TG_OUCH_CL_LOGIN_SENT,
	TG_OUCH_CL_LOGGED_IN,
	TG_OUCH_CL_LOGOUT_SENT,		/* the server will close */
	TG_OUCH_CL_ENDED,		/* End of Session or Login Rejected: the server will close */
	TG_OUCH_CL_CLOSED,		/* nothing more to do */
};

struct tg_ouch_client {
	int fd;
	int state;			/* enum tg_ouch_client_state */
	uint64_t next_seq;
	uint64_t last_tx_ns;		/* monotonic time of the last packet queued */
	uint64_t last_rx_ns;		/* monotonic time of the last bytes read */
	struct tg_ouch_client_stats st;
	size_t tx_len;
	struct tg_soup_rx rx;
	uint8_t tx[TG_OUCH_CLIENT_TXBUF];
};

/* Monotonic nanoseconds: the clock both SoupBinTCP timers run on. */
static uint64_t
tg_ouch_client_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Split "HOST:PORT" or "[ADDR]:PORT" into host and port (copied into h, p). */
static int
tg_ouch_client_split(const char *hostport, char *h, size_t hlen, char *p, size_t plen)
{
	const char *colon, *host = hostport;
	size_t n;

	if (hostport[0] == '[') {
		const char *close = strchr(hostport, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		host = hostport + 1;
		n = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(hostport, ':');
		if (!colon)
			return -EINVAL;
		n = (size_t)(colon - hostport);
	}
	if (!n || n >= hlen || !colon[1] || strlen(colon + 1) >= plen)
		return -EINVAL;
	memcpy(h, host, n);
	h[n] = 0;
	strcpy(p, colon + 1);
	if (strspn(p, "0123456789") != strlen(p))
		return -EINVAL;
	return 0;
}

/* One connect attempt to ai, waiting at most timeout_ms. The socket or -errno. */
static int
tg_ouch_client_try(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	int one = 1, err = 0;
	socklen_t elen = sizeof(err);

	if (fd < 0)
		return -errno;
	/* an order leaves at once, not when Nagle has gathered a segment */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int rc;

		if (errno != EINPROGRESS) {
			err = errno;
			goto fail;
		}
		do
			rc = poll(&pfd, 1, timeout_ms);
		while (rc < 0 && errno == EINTR);
		if (rc == 0) {
			err = ETIMEDOUT;
			goto fail;
		}
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
			err = errno;
			goto fail;
		}
		if (err)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -err;
}

/* Resolve, connect to the first address that answers, and set the timers going. */
int
tg_ouch_client_connect(const char *hostport, int timeout_ms, struct tg_ouch_client **out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	char host[256], port[16];
	struct tg_ouch_client *c;
	int fd = -EHOSTUNREACH;

	*out = NULL;
	if (tg_ouch_client_split(hostport, host, sizeof(host), port, sizeof(port)))
		return -EINVAL;
	if (getaddrinfo(host, port, &hints, &res))
		return -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = tg_ouch_client_try(ai, timeout_ms);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return fd;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->state = TG_OUCH_CL_CONNECTED;
	c->last_tx_ns = c->last_rx_ns = tg_ouch_client_now();
	*out = c;
	return 0;
}

/* Close without a logout (the server sees the link drop) and wipe the client. */
void
tg_ouch_client_close(struct tg_ouch_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	/* the password went through tx */
	explicit_bzero(c, sizeof(*c));
	free(c);
}

/* Space-pad C strings into a Login Request. */
void
tg_ouch_client_login_init(struct tg_soup_login *l, const char *user, const char *password,
			  const char *session, uint64_t seq)
{
	tg_ouch_alpha(l->user, TG_SOUP_USER_LEN, user);
	tg_ouch_alpha(l->password, TG_SOUP_PASSWORD_LEN, password);
	tg_ouch_alpha(l->session, TG_SOUP_SESSION_LEN, session);
	l->seq = seq;
}

/* Write as much queued output as the socket takes. 0 or -errno. */
static int
tg_ouch_client_flush(struct tg_ouch_client *c)
{
	size_t off = 0;
	int rc = 0;

	while (off < c->tx_len) {
		ssize_t n = send(c->fd, c->tx + off, c->tx_len - off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				rc = -errno;
			break;
		}
		off += (size_t)n;
		c->st.bytes_tx += (uint64_t)n;
	}
	if (off) {
		memmove(c->tx, c->tx + off, c->tx_len - off);
		c->tx_len -= off;
		/* nothing sent lingers: the Login Request held the password */
		memset(c->tx + c->tx_len, 0, off);
	}
	return rc;
}

/* Queue one packet and try to send it. */
static int
tg_ouch_client_queue(struct tg_ouch_client *c, char type, const void *payload, size_t len)
{
	if (c->state == TG_OUCH_CL_CLOSED)
		return -ENOTCONN;
	if (len > TG_SOUP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (c->tx_len + 3 + len > sizeof(c->tx)) {
		int rc = tg_ouch_client_flush(c);

		if (rc)
			return rc;
		if (c->tx_len + 3 + len > sizeof(c->tx))
			return -ENOBUFS;
	}
	c->tx_len += tg_soup_pack(c->tx + c->tx_len, type, payload, len);
	c->st.packets_tx++;
	c->last_tx_ns = tg_ouch_client_now();
	return tg_ouch_client_flush(c);
}

/* Queue the Login Request; its copy on the stack is wiped at once. */
int
tg_ouch_client_login(struct tg_ouch_client *c, const struct tg_soup_login *l)
{
	uint8_t p[TG_SOUP_USER_LEN + TG_SOUP_PASSWORD_LEN + TG_SOUP_SESSION_LEN + TG_SOUP_SEQ_LEN];
	size_t n;
	int rc;

	if (c->state != TG_OUCH_CL_CONNECTED)
		return c->state == TG_OUCH_CL_CLOSED ? -ENOTCONN : -EALREADY;
	n = tg_soup_login_pack(l, p);
	rc = tg_ouch_client_queue(c, TG_SOUP_LOGIN_REQUEST, p, n);
	explicit_bzero(p, sizeof(p));
	if (!rc)
		c->state = TG_OUCH_CL_LOGIN_SENT;
	return rc;
}

/* One OUCH message as Unsequenced Data, only once logged in. */
int
tg_ouch_client_send(struct tg_ouch_client *c, const struct tg_ouch_in *m)
{
	uint8_t p[TG_OUCH_MAX_MSG];
	size_t n;
	int rc;

	if (c->state != TG_OUCH_CL_LOGGED_IN)
		return -ENOTCONN;
	n = tg_ouch_in_encode(m, p);
	if (!n)
		return -EINVAL;
	rc = tg_ouch_client_queue(c, TG_SOUP_UNSEQUENCED, p, n);
	if (!rc)
		c->st.messages_tx++;
	return rc;
}

/* Any packet, unchecked but for its size: for tests of the server. */
int
tg_ouch_client_send_packet(struct tg_ouch_client *c, char type, const void *payload,
			   size_t len)
{
	return tg_ouch_client_queue(c, type, payload, len);
}

/* Ask the server to end the link; its close is then a normal end. */
int
tg_ouch_client_logout(struct tg_ouch_client *c)
{
	int rc = tg_ouch_client_queue(c, TG_SOUP_LOGOUT, NULL, 0);

	if (!rc && c->state != TG_OUCH_CL_ENDED)
		c->state = TG_OUCH_CL_LOGOUT_SENT;
	return rc;
}

/* The socket to poll (-1 once closed: poll ignores it). */
int
tg_ouch_client_fd(const struct tg_ouch_client *c)
{
	return c->fd;
}

/* What to poll for: always input, output only while some waits. */
short
tg_ouch_client_events(const struct tg_ouch_client *c)
{
	return (short)(POLLIN | (c->tx_len ? POLLOUT : 0));
}

/* Heartbeats only once logged in: before that the server has not said yes. */
static int
tg_ouch_client_heartbeating(const struct tg_ouch_client *c)
{
	return c->state == TG_OUCH_CL_LOGGED_IN;
}

/* Time to the nearest timer, rounded up so the poll ends after it. */
int
tg_ouch_client_timeout_ms(const struct tg_ouch_client *c)
{
	uint64_t now = tg_ouch_client_now();
	uint64_t due = c->last_rx_ns + TG_SOUP_TIMEOUT_NS;

	if (c->state == TG_OUCH_CL_CLOSED)
		return 0;
	if (tg_ouch_client_heartbeating(c) && c->last_tx_ns + TG_SOUP_HEARTBEAT_NS < due)
		due = c->last_tx_ns + TG_SOUP_HEARTBEAT_NS;
	if (due <= now)
		return 0;
	/* rounded up, so a poll that times out finds the timer due */
	return (int)((due - now + 999999) / 1000000);
}

/* The link is over: a normal end if the server was expected to close. */
static int
tg_ouch_client_eof(struct tg_ouch_client *c, struct tg_ouch_event *ev)
{
	int expected = c->state == TG_OUCH_CL_LOGOUT_SENT || c->state == TG_OUCH_CL_ENDED;

	c->state = TG_OUCH_CL_CLOSED;
	close(c->fd);
	c->fd = -1;
	c->tx_len = 0;
	if (!expected)
		return -ECONNRESET;
	ev->type = TG_OUCH_EV_CLOSED;
	return 1;
}

/* The link is unusable: close it, drop queued output, report err. */
static int
tg_ouch_client_fail(struct tg_ouch_client *c, int err)
{
	c->state = TG_OUCH_CL_CLOSED;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->tx_len = 0;
	return err;
}

/* Keep a payload in the event (it points into the receive buffer otherwise). */
static void
tg_ouch_client_copy(struct tg_ouch_event *ev, const uint8_t *p, size_t len)
{
	memcpy(ev->data, p, len);
	ev->len = len;
}

/*
 * Turn one packet into an event: 1 if it is one the caller sees, 0 if it
 * was only counted (heartbeats).
 */
static int
tg_ouch_client_packet(struct tg_ouch_client *c, char type, const uint8_t *p, size_t len,
		      struct tg_ouch_event *ev)
{
	c->st.packets_rx++;
	memset(ev, 0, offsetof(struct tg_ouch_event, data));
	switch (type) {
	case TG_SOUP_SERVER_HB:
		c->st.heartbeats_rx++;
		return 0;
	case TG_SOUP_LOGIN_ACCEPTED:
		if (c->state == TG_OUCH_CL_LOGIN_SENT &&
		    !tg_soup_accept_parse(p, len, ev->session, &ev->seq)) {
			c->next_seq = ev->seq;
			c->state = TG_OUCH_CL_LOGGED_IN;
			ev->type = TG_OUCH_EV_LOGIN_ACCEPTED;
			return 1;
		}
		break;
	case TG_SOUP_LOGIN_REJECTED:
		if (c->state == TG_OUCH_CL_LOGIN_SENT && len == 1) {
			c->state = TG_OUCH_CL_ENDED;
			ev->type = TG_OUCH_EV_LOGIN_REJECTED;
			ev->reject_code = (char)p[0];
			return 1;
		}
		break;
	case TG_SOUP_SEQUENCED:
		if (c->state != TG_OUCH_CL_LOGGED_IN && c->state != TG_OUCH_CL_LOGOUT_SENT)
			break;
		ev->seq = c->next_seq++;
		ev->error = tg_ouch_out_decode(p, len, &ev->msg);
		if (ev->error) {
			c->st.undecoded_rx++;
			ev->type = TG_OUCH_EV_UNDECODED;
			tg_ouch_client_copy(ev, p, len);
		} else {
			c->st.messages_rx++;
			ev->type = TG_OUCH_EV_MESSAGE;
		}
		return 1;
	case TG_SOUP_END_OF_SESSION:
		if (len)
			break;
		c->state = TG_OUCH_CL_ENDED;
		ev->type = TG_OUCH_EV_END_OF_SESSION;
		return 1;
	case TG_SOUP_DEBUG:
		c->st.debug_rx++;
		ev->type = TG_OUCH_EV_DEBUG;
		tg_ouch_client_copy(ev, p, len);
		return 1;
	}
	/* a type, a length or a moment SoupBinTCP does not have: shown, not obeyed */
	c->st.unknown_rx++;
	ev->type = TG_OUCH_EV_UNKNOWN_PACKET;
	ev->packet_type = type;
	tg_ouch_client_copy(ev, p, len);
	return 1;
}

/* Flush, take one packet (reading at most once), run the timers. See the header. */
int
tg_ouch_client_process(struct tg_ouch_client *c, struct tg_ouch_event *ev)
{
	uint64_t now;
	int rc, read_once = 0;

	if (c->state == TG_OUCH_CL_CLOSED)
		return -ENOTCONN;
	rc = tg_ouch_client_flush(c);
	if (rc)
		return tg_ouch_client_fail(c, rc == -EPIPE ? -ECONNRESET : rc);
	for (;;) {
		const uint8_t *p;
		size_t len, room;
		uint8_t *w;
		ssize_t n;
		char type;

		rc = tg_soup_rx_next(&c->rx, &type, &p, &len);
		if (rc < 0)
			return tg_ouch_client_fail(c, -EPROTO);
		if (rc > 0) {
			if (tg_ouch_client_packet(c, type, p, len, ev))
				return 1;
			continue;
		}
		/* one read per call: the caller's poll decides when to look again */
		if (read_once)
			break;
		read_once = 1;
		room = tg_soup_rx_room(&c->rx, &w);
		n = recv(c->fd, w, room, 0);
		if (n == 0)
			return tg_ouch_client_eof(c, ev);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			if (errno == ECONNRESET && (c->state == TG_OUCH_CL_LOGOUT_SENT ||
						    c->state == TG_OUCH_CL_ENDED))
				return tg_ouch_client_eof(c, ev);
			return tg_ouch_client_fail(c, -errno);
		}
		tg_soup_rx_commit(&c->rx, (size_t)n);
		c->st.bytes_rx += (uint64_t)n;
		c->last_rx_ns = tg_ouch_client_now();
	}

	now = tg_ouch_client_now();
	if (now - c->last_rx_ns >= TG_SOUP_TIMEOUT_NS)
		return tg_ouch_client_fail(c, -ETIMEDOUT);
	if (tg_ouch_client_heartbeating(c) && now - c->last_tx_ns >= TG_SOUP_HEARTBEAT_NS) {
		rc = tg_ouch_client_queue(c, TG_SOUP_CLIENT_HB, NULL, 0);
		if (rc && rc != -ENOBUFS)
			return tg_ouch_client_fail(c, rc == -EPIPE ? -ECONNRESET : rc);
		if (!rc)
			c->st.heartbeats_tx++;
	}
	return 0;
}

/* process, then poll until an event, an error or the deadline. */
int
tg_ouch_client_wait(struct tg_ouch_client *c, struct tg_ouch_event *ev, int timeout_ms)
{
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX :
			    tg_ouch_client_now() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		int rc = tg_ouch_client_process(c, ev), wait_ms;
		uint64_t now;
		struct pollfd pfd;

		if (rc)
			return rc;
		now = tg_ouch_client_now();
		if (now >= deadline)
			return 0;
		wait_ms = tg_ouch_client_timeout_ms(c);
		if (deadline != UINT64_MAX && (deadline - now + 999999) / 1000000 < (uint64_t)wait_ms)
			wait_ms = (int)((deadline - now + 999999) / 1000000);
		pfd.fd = c->fd;
		pfd.events = tg_ouch_client_events(c);
		pfd.revents = 0;
		if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR)
			return tg_ouch_client_fail(c, -errno);
	}
}

/* The sequence number the next Sequenced Data will carry. */
uint64_t
tg_ouch_client_next_seq(const struct tg_ouch_client *c)
{
	return c->next_seq;
}

/* Counters since connect. */
const struct tg_ouch_client_stats *
tg_ouch_client_stats(const struct tg_ouch_client *c)
{
	return &c->st;
}
