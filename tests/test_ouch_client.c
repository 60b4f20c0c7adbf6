/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OUCH client against a scripted SoupBinTCP peer on a real socket
 * (127.0.0.1). The peer frames and checks packets by hand and lays out
 * OUCH messages by the tables of protocols/ouch42.md, so nothing here
 * trusts host/ouch's own codecs. Client and peer take turns in one
 * thread: the client never blocks, the peer waits with generous limits.
 * Timing is checked only as liveness (a heartbeat does come while the
 * client idles), never as latency.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ouch/tg_ouch_client.h"
#include "test_ouch_util.h"

#define WAIT_MS 5000

struct conn {
	int lfd, pfd;			/* listener, the peer's end */
	struct tg_ouch_client *c;
	struct tg_ouch_event ev;
};

static struct conn k;

/* Connect a client and accept it on the peer's side. */
static void
conn_open(void)
{
	uint16_t port;
	char addr[32];

	k.lfd = opeer_listen(&port);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	cr_assert_eq(tg_ouch_client_connect(addr, WAIT_MS, &k.c), 0);
	k.pfd = opeer_accept(k.lfd, WAIT_MS);
}

/* Log in as alice and have the peer accept with next sequence seq. */
static void
conn_login(uint64_t seq)
{
	struct tg_soup_login l;
	uint8_t p[64];
	size_t len;

	tg_ouch_client_login_init(&l, "alice", "s3cret", NULL, 1);
	cr_assert_eq(tg_ouch_client_login(k.c, &l), 0);
	opeer_expect(k.pfd, 'L', p, &len, WAIT_MS);
	cr_assert_eq(len, 46);
	cr_assert_arr_eq(p, "alice s3cret                                 1", 46);
	opeer_accept_payload(p, "SESS1", seq);
	opeer_send(k.pfd, 'A', p, 30);
	cr_assert_eq(tg_ouch_client_wait(k.c, &k.ev, WAIT_MS), 1);
	cr_assert_eq(k.ev.type, TG_OUCH_EV_LOGIN_ACCEPTED);
	cr_assert_arr_eq(k.ev.session, "SESS1     ", 10);
	cr_assert_eq(k.ev.seq, seq);
	cr_assert_eq(tg_ouch_client_next_seq(k.c), seq);
}

static void
conn_close(void)
{
	tg_ouch_client_close(k.c);
	if (k.pfd >= 0)
		close(k.pfd);
	close(k.lfd);
}

static void
setup(void)
{
	ospec_load();
	memset(&k, 0, sizeof(k));
	conn_open();
}

TestSuite(ouch_client, .init = setup, .fini = conn_close);

/* The next event within WAIT_MS (asserts one comes). */
static struct tg_ouch_event *
next_event(void)
{
	int rc = tg_ouch_client_wait(k.c, &k.ev, WAIT_MS);

	cr_assert_eq(rc, 1, "no event: %d", rc);
	return &k.ev;
}

Test(ouch_client, login_orders_and_every_outbound_message)
{
	uint64_t rng = 99;
	uint8_t p[TG_SOUP_MAX_PAYLOAD], want[128];
	size_t len;
	char err[160];

	conn_login(41);

	/* sending: each inbound type, the bytes the page lays out */
	for (int t = 0; t < 256; t++) {
		if (!ospec_in[t].len)
			continue;
		json_t *j = ospec_random(&ospec_in[t], (char)t, &rng);
		struct tg_ouch_in m;

		cr_assert_eq(tg_ouch_in_from_json(j, &m, err, sizeof(err)), 0, "%s", err);
		cr_assert_eq(tg_ouch_client_send(k.c, &m), 0);
		opeer_expect(k.pfd, 'U', p, &len, WAIT_MS);
		cr_assert_eq(len, ospec_encode(&ospec_in[t], j, want));
		cr_assert_arr_eq(p, want, len, "inbound '%c' on the wire", t);
		json_decref(j);
	}

	/* receiving: every outbound type, numbered from the login's 41 */
	uint64_t seq = 41;

	for (int t = 0; t < 256; t++) {
		if (!ospec_out[t].len)
			continue;
		json_t *j = ospec_random(&ospec_out[t], (char)t, &rng);

		len = ospec_encode(&ospec_out[t], j, p);
		opeer_send(k.pfd, 'S', p, len);
		struct tg_ouch_event *ev = next_event();

		cr_assert_eq(ev->type, TG_OUCH_EV_MESSAGE, "'%c' gave event %d", t, ev->type);
		cr_assert_eq(ev->seq, seq, "'%c' numbered %lu, want %lu", t,
			     (unsigned long)ev->seq, (unsigned long)seq);
		json_t *got = tg_ouch_out_to_json(&ev->msg);

		cr_assert(json_equal(got, j), "'%c': sent %s, got %s", t,
			  json_dumps(j, JSON_COMPACT), json_dumps(got, JSON_COMPACT));
		/* the printed form: the message with "sequence" after "type" */
		json_t *line = tg_ouch_event_to_json(ev);

		cr_assert_eq(json_integer_value(json_object_get(line, "sequence")), (json_int_t)seq);
		json_object_del(line, "sequence");
		cr_assert(json_equal(line, j));
		cr_assert_str_eq(json_object_iter_key(json_object_iter(line)), "type");
		json_decref(line);
		json_decref(got);
		json_decref(j);
		seq++;
	}
	cr_assert_eq(tg_ouch_client_next_seq(k.c), seq);
	cr_assert_eq(tg_ouch_client_stats(k.c)->messages_rx, 13);
	cr_assert_eq(tg_ouch_client_stats(k.c)->messages_tx, 4);
}

Test(ouch_client, soup_events_and_odd_packets)
{
	uint8_t p[64];

	conn_login(1);
	/* a server heartbeat is counted, not reported */
	opeer_send(k.pfd, 'H', NULL, 0);
	opeer_send(k.pfd, '+', "debug text", 10);
	struct tg_ouch_event *ev = next_event();

	cr_assert_eq(ev->type, TG_OUCH_EV_DEBUG);
	cr_assert_eq(ev->len, 10);
	cr_assert_arr_eq(ev->data, "debug text", 10);
	cr_assert_eq(tg_ouch_client_stats(k.c)->heartbeats_rx, 1);

	/* Sequenced Data that is no OUCH message: shown, numbered, counted */
	opeer_send(k.pfd, 'S', "Q123", 4);
	ev = next_event();
	cr_assert_eq(ev->type, TG_OUCH_EV_UNDECODED);
	cr_assert_eq(ev->error, -EBADMSG);
	cr_assert_eq(ev->seq, 1);
	cr_assert_arr_eq(ev->data, "Q123", 4);
	json_t *j = tg_ouch_event_to_json(ev);

	cr_assert_str_eq(json_string_value(json_object_get(j, "bytes")), "51313233");
	cr_assert_str_eq(json_string_value(json_object_get(j, "type")), "undecoded");
	json_decref(j);
	memset(p, 0, sizeof(p));
	p[0] = 'J';
	opeer_send(k.pfd, 'S', p, 23);	/* Rejected is 24 */
	ev = next_event();
	cr_assert_eq(ev->type, TG_OUCH_EV_UNDECODED);
	cr_assert_eq(ev->error, -EMSGSIZE);
	cr_assert_eq(ev->seq, 2);

	/* a type no server sends */
	opeer_send(k.pfd, 'L', "xyz", 3);
	ev = next_event();
	cr_assert_eq(ev->type, TG_OUCH_EV_UNKNOWN_PACKET);
	cr_assert_eq(ev->packet_type, 'L');
	cr_assert_eq(tg_ouch_client_stats(k.c)->unknown_rx, 1);

	/* a packet split over several writes comes out whole */
	uint8_t msg[10 + 3];

	memcpy(msg, "\x00\x0bSS", 4);
	memset(msg + 4, 0, 8);
	msg[12] = 'S';		/* System Event: start of day */
	for (int i = 0; i < 13; i++) {
		cr_assert_eq(send(k.pfd, msg + i, 1, 0), 1);
		struct tg_ouch_event e2;

		if (i < 12)
			cr_assert_eq(tg_ouch_client_wait(k.c, &e2, 20), 0);
	}
	ev = next_event();
	cr_assert_eq(ev->type, TG_OUCH_EV_MESSAGE);
	cr_assert_eq(ev->msg.type, 'S');
	cr_assert_eq(ev->msg.system.event_code, 'S');
	cr_assert_eq(ev->seq, 3);
}

Test(ouch_client, end_of_session_then_close_is_normal)
{
	conn_login(1);
	opeer_send(k.pfd, 'Z', NULL, 0);
	close(k.pfd);
	k.pfd = -1;
	cr_assert_eq(next_event()->type, TG_OUCH_EV_END_OF_SESSION);
	json_t *j = tg_ouch_event_to_json(&k.ev);

	json_t *want = json_pack("{s:s}", "type", "end_of_session");

	cr_assert(json_equal(j, want));
	json_decref(want);
	json_decref(j);
	cr_assert_eq(next_event()->type, TG_OUCH_EV_CLOSED);
	cr_assert_eq(tg_ouch_client_process(k.c, &k.ev), -ENOTCONN);
}

Test(ouch_client, login_rejected)
{
	struct tg_soup_login l;
	uint8_t p[64];
	size_t len;

	/* nothing can be sent before the login is accepted */
	struct tg_ouch_in m = { .type = 'X' };

	cr_assert_eq(tg_ouch_client_send(k.c, &m), -ENOTCONN);
	tg_ouch_client_login_init(&l, "bob", "wrong", "S2", 0);
	cr_assert_eq(tg_ouch_client_login(k.c, &l), 0);
	cr_assert_eq(tg_ouch_client_login(k.c, &l), -EALREADY);
	opeer_expect(k.pfd, 'L', p, &len, WAIT_MS);
	cr_assert_arr_eq(p, "bob   wrong     S2                           0", 46);
	opeer_send(k.pfd, 'J', "A", 1);
	close(k.pfd);
	k.pfd = -1;
	cr_assert_eq(next_event()->type, TG_OUCH_EV_LOGIN_REJECTED);
	cr_assert_eq(k.ev.reject_code, 'A');
	json_t *j = tg_ouch_event_to_json(&k.ev);

	json_t *want = json_pack("{s:s,s:s}", "type", "login_rejected", "reason", "A");

	cr_assert(json_equal(j, want));
	json_decref(want);
	json_decref(j);
	cr_assert_eq(next_event()->type, TG_OUCH_EV_CLOSED);
}

Test(ouch_client, dropped_link_is_an_error)
{
	conn_login(1);
	close(k.pfd);
	k.pfd = -1;
	cr_assert_eq(tg_ouch_client_wait(k.c, &k.ev, WAIT_MS), -ECONNRESET);
	cr_assert_eq(tg_ouch_client_process(k.c, &k.ev), -ENOTCONN);
	struct tg_ouch_in m = { .type = 'X' };

	cr_assert_eq(tg_ouch_client_send(k.c, &m), -ENOTCONN);
}

Test(ouch_client, bad_length_is_a_protocol_error)
{
	conn_login(1);
	cr_assert_eq(send(k.pfd, "\x00\x00H", 3, 0), 3);
	cr_assert_eq(tg_ouch_client_wait(k.c, &k.ev, WAIT_MS), -EPROTO);
}

Test(ouch_client, logout_then_close_is_normal)
{
	uint8_t p[8];
	size_t len;

	conn_login(1);
	cr_assert_eq(tg_ouch_client_logout(k.c), 0);
	opeer_expect(k.pfd, 'O', p, &len, WAIT_MS);
	cr_assert_eq(len, 0);
	close(k.pfd);
	k.pfd = -1;
	cr_assert_eq(next_event()->type, TG_OUCH_EV_CLOSED);
}

/* Liveness only: while the client idles, heartbeats do reach the peer. */
Test(ouch_client, heartbeats_while_idle)
{
	char type;
	uint8_t p[8];
	size_t len;
	int seen = 0;

	conn_login(1);
	for (int round = 0; round < 40 && seen < 2; round++) {
		cr_assert_eq(tg_ouch_client_wait(k.c, &k.ev, 500), 0);
		while (opeer_read(k.pfd, &type, p, &len, 0) == 1) {
			cr_assert_eq(type, 'R', "only heartbeats, got '%c'", type);
			cr_assert_eq(len, 0);
			seen++;
		}
		/* the server side talks too, so the client never gives up */
		opeer_send(k.pfd, 'H', NULL, 0);
	}
	cr_assert_geq(seen, 2, "no Client Heartbeat in 20 s of idling");
	cr_assert_geq(tg_ouch_client_stats(k.c)->heartbeats_tx, 2);
}

/* Sending keeps the client from heartbeating: traffic is the proof of life. */
Test(ouch_client, no_heartbeat_before_login)
{
	char type;
	uint8_t p[64];
	size_t len;
	struct tg_soup_login l;

	tg_ouch_client_login_init(&l, "alice", "", NULL, 1);
	cr_assert_eq(tg_ouch_client_login(k.c, &l), 0);
	opeer_expect(k.pfd, 'L', p, &len, WAIT_MS);
	/* 2.5 s without an answer: the client waits, and says nothing */
	cr_assert_eq(tg_ouch_client_wait(k.c, &k.ev, 2500), 0);
	cr_assert_eq(opeer_read(k.pfd, &type, p, &len, 0), -1, "sent '%c' before login", type);
	cr_assert_eq(tg_ouch_client_stats(k.c)->heartbeats_tx, 0);
}

Test(ouch_client, silence_gives_up_after_15_s)
{
	conn_login(1);
	/* the peer says nothing more; the client heartbeats and then gives up */
	int rc;

	do
		rc = tg_ouch_client_wait(k.c, &k.ev, 30000);
	while (rc == 1);
	cr_assert_eq(rc, -ETIMEDOUT);
	cr_assert_geq(tg_ouch_client_stats(k.c)->heartbeats_tx, 1);
}

/* The output buffer fills when the peer does not read, then drains in order. */
Test(ouch_client, output_backpressure)
{
	static uint8_t in[1 << 16];
	struct tg_ouch_in m = { .type = 'X' };
	unsigned sent = 0, got = 0;
	size_t have = 0;
	int rc, bufsz = 4096;

	conn_login(1);
	/* small socket buffers, so the client's own buffer is what fills */
	setsockopt(k.pfd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(tg_ouch_client_fd(k.c), SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	for (;;) {
		char tok[16];

		snprintf(tok, sizeof(tok), "T%u", sent);
		tg_ouch_alpha(m.cancel.token, TG_OUCH_TOKEN_LEN, tok);
		m.cancel.shares = sent;
		rc = tg_ouch_client_send(k.c, &m);
		if (rc)
			break;
		sent++;
		cr_assert_lt(sent, 1000000, "the output never filled");
	}
	cr_assert_eq(rc, -ENOBUFS);
	cr_assert(tg_ouch_client_events(k.c) & POLLOUT);
	/* the peer reads what is there; the client flushes as the socket takes it */
	for (int idle = 0; got < sent; ) {
		ssize_t n;
		size_t at = 0;

		rc = tg_ouch_client_process(k.c, &k.ev);
		cr_assert_geq(rc, 0, "process: %d after %u of %u", rc, got, sent);
		n = recv(k.pfd, in + have, sizeof(in) - have, MSG_DONTWAIT);
		if (n <= 0) {
			cr_assert(n < 0 && errno == EAGAIN, "peer recv: %zd", n);
			cr_assert_lt(++idle, 5000, "stuck at %u of %u", got, sent);
			usleep(1000);
			continue;
		}
		idle = 0;
		have += (size_t)n;
		while (have - at >= 3 && have - at >= 2u + (in[at] << 8 | in[at + 1])) {
			const uint8_t *p = in + at + 3;
			unsigned plen = (unsigned)(in[at] << 8 | in[at + 1]) - 1;
			char type = (char)in[at + 2];

			at += 3 + plen;
			if (type == 'R')
				continue;
			cr_assert_eq(type, 'U');
			cr_assert_eq(plen, 19);
			cr_assert_eq(p[0], 'X');
			uint32_t sh = (uint32_t)p[15] << 24 | p[16] << 16 | p[17] << 8 | p[18];

			cr_assert_eq(sh, got, "message %u out of order (%u)", got, sh);
			got++;
		}
		memmove(in, in + at, have - at);
		have -= at;
	}
	cr_assert_eq(have, 0);
	cr_assert_eq(tg_ouch_client_events(k.c) & POLLOUT, 0);
	cr_assert_eq(tg_ouch_client_stats(k.c)->messages_tx, sent);
}

Test(ouch_client, connect_errors)
{
	struct tg_ouch_client *c;
	uint16_t port;
	char addr[32];

	cr_assert_eq(tg_ouch_client_connect("no-port", 1000, &c), -EINVAL);
	cr_assert_null(c);
	cr_assert_eq(tg_ouch_client_connect("127.0.0.1:", 1000, &c), -EINVAL);
	cr_assert_eq(tg_ouch_client_connect("127.0.0.1:http", 1000, &c), -EINVAL);
	cr_assert_eq(tg_ouch_client_connect("[::1:80", 1000, &c), -EINVAL);
	/* a port nobody listens on: take one, then close it */
	int fd = opeer_listen(&port);

	close(fd);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	cr_assert_eq(tg_ouch_client_connect(addr, 1000, &c), -ECONNREFUSED);
	cr_assert_null(c);
}
