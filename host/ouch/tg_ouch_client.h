/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An OUCH 4.2 client over SoupBinTCP 3.0: what `tickgate ouch`, the
 * tests and users drive a gateway with.
 *
 * One client is one TCP connection. It can be driven two ways:
 *   - blocking: tg_ouch_client_wait() returns the next event or times out;
 *   - from a caller's own loop: poll tg_ouch_client_fd() for
 *     tg_ouch_client_events() with at most tg_ouch_client_timeout_ms(),
 *     then call tg_ouch_client_process() until it returns 0.
 * Either way the client sends a Client Heartbeat after 1 s without
 * sending anything (once logged in) and gives up on the link after 15 s
 * without receiving anything, as SoupBinTCP asks; both happen inside
 * process/wait, so a caller that stops calling them stops heartbeating.
 *
 * Sending never blocks: packets go to an output buffer that is written
 * as the socket takes it (process flushes it; POLLOUT in the events says
 * there is something to flush). A client is not thread-safe.
 */
#ifndef TG_OUCH_CLIENT_H
#define TG_OUCH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ouch/tg_ouch.h"
#include "ouch/tg_soup.h"

#define TG_OUCH_CLIENT_TXBUF	65536	/* bytes of output that may wait for the socket */

struct tg_ouch_client;

/* What tg_ouch_client_process / wait hand back. */
enum tg_ouch_event_type {
	TG_OUCH_EV_LOGIN_ACCEPTED = 1,	/* session, seq = next sequence number */
	TG_OUCH_EV_LOGIN_REJECTED,	/* reject_code: 'A' not authorized, 'S' session not available */
	TG_OUCH_EV_MESSAGE,		/* Sequenced Data: msg, seq = its sequence number */
	TG_OUCH_EV_UNDECODED,		/* Sequenced Data that is no OUCH 4.2 outbound message:
					   data/len, seq, error (-EBADMSG unknown type,
					   -EMSGSIZE wrong length for its type) */
	TG_OUCH_EV_DEBUG,		/* Debug packet: data/len, the text */
	TG_OUCH_EV_END_OF_SESSION,	/* End of Session: the server will close */
	TG_OUCH_EV_UNKNOWN_PACKET,	/* a packet type a server does not send: packet_type, data/len */
	TG_OUCH_EV_CLOSED,		/* the server closed the link after an end of session,
					   a logout or a login reject: a normal end */
};

struct tg_ouch_event {
	int type;			/* enum tg_ouch_event_type */
	uint64_t seq;
	char session[TG_SOUP_SESSION_LEN];	/* LOGIN_ACCEPTED, space padded */
	char reject_code;		/* LOGIN_REJECTED */
	char packet_type;		/* UNKNOWN_PACKET */
	int error;			/* UNDECODED */
	struct tg_ouch_out msg;		/* MESSAGE */
	size_t len;			/* bytes in data */
	uint8_t data[TG_SOUP_MAX_PAYLOAD];
};

/* Counters since the connection was made. */
struct tg_ouch_client_stats {
	uint64_t packets_rx;		/* every whole SoupBinTCP packet received */
	uint64_t messages_rx;		/* Sequenced Data decoded */
	uint64_t undecoded_rx;		/* Sequenced Data not decoded */
	uint64_t unknown_rx;		/* packets of a type a server does not send */
	uint64_t debug_rx;
	uint64_t heartbeats_rx;		/* Server Heartbeats */
	uint64_t packets_tx;		/* every packet queued for sending */
	uint64_t messages_tx;		/* Unsequenced Data (OUCH messages) */
	uint64_t heartbeats_tx;		/* Client Heartbeats sent on silence */
	uint64_t bytes_rx, bytes_tx;
};

/*
 * Connect to "HOST:PORT" ("[ADDR]:PORT" for IPv6), waiting at most
 * timeout_ms (< 0: the system's own limit). 0 and *out, or -EINVAL for a
 * malformed address, -EHOSTUNREACH when the name does not resolve,
 * -ETIMEDOUT, or the connect error (-ECONNREFUSED ...).
 */
int tg_ouch_client_connect(const char *hostport, int timeout_ms,
			   struct tg_ouch_client **out);

/* Close the connection (without a logout) and free the client. NULL is fine. */
void tg_ouch_client_close(struct tg_ouch_client *c);

/*
 * Fill a Login Request from C strings (cut and space padded to their
 * fields; NULL = blank): session blank asks for the current session,
 * seq is the requested sequence number (0 = from the end, 1 = all).
 */
void tg_ouch_client_login_init(struct tg_soup_login *l, const char *user,
			       const char *password, const char *session,
			       uint64_t seq);

/* Send a Login Request. 0 or -errno (-EALREADY when one was sent). */
int tg_ouch_client_login(struct tg_ouch_client *c, const struct tg_soup_login *l);

/*
 * Send one OUCH inbound message as Unsequenced Data. 0, or -ENOTCONN
 * before Login Accepted or after the session ended, -EINVAL for an
 * unknown message type, -ENOBUFS when the output buffer is full (poll
 * for POLLOUT and process), -EPIPE/-ECONNRESET when the link is gone.
 */
int tg_ouch_client_send(struct tg_ouch_client *c, const struct tg_ouch_in *m);

/*
 * Send any packet, as it is: for tests that must send what a
 * well-behaved client never would (bad lengths, unknown types, data
 * before login). Errors as tg_ouch_client_send but for -ENOTCONN, and
 * -EMSGSIZE past TG_SOUP_MAX_PAYLOAD.
 */
int tg_ouch_client_send_packet(struct tg_ouch_client *c, char type,
			       const void *payload, size_t len);

/* Send a Logout Request; the server then closes the link. */
int tg_ouch_client_logout(struct tg_ouch_client *c);

/* The socket, to poll. */
int tg_ouch_client_fd(const struct tg_ouch_client *c);

/* POLLIN, plus POLLOUT while output waits for the socket. */
short tg_ouch_client_events(const struct tg_ouch_client *c);

/*
 * Milliseconds until the client needs a call even if nothing arrives
 * (the next heartbeat, or the 15 s silence limit): the poll timeout.
 */
int tg_ouch_client_timeout_ms(const struct tg_ouch_client *c);

/*
 * Do what is due without blocking: flush output, send a heartbeat after
 * 1 s of silence, read what arrived. 1 with *ev filled when an event is
 * ready (call again: more may be), 0 when nothing is, or:
 *   -ECONNRESET  the server closed the link without an end of session,
 *                logout or reject (or reset it)
 *   -ETIMEDOUT   nothing received for 15 s
 *   -EPROTO      a packet length SoupBinTCP does not allow
 *   -ENOTCONN    the link was already closed (after CLOSED or an error)
 * Server Heartbeats are counted, not reported.
 */
int tg_ouch_client_process(struct tg_ouch_client *c, struct tg_ouch_event *ev);

/*
 * Block until the next event, at most timeout_ms (< 0: no limit),
 * heartbeating meanwhile. 1 with *ev, 0 on timeout, or process's errors.
 */
int tg_ouch_client_wait(struct tg_ouch_client *c, struct tg_ouch_event *ev,
			int timeout_ms);

/* The sequence number the next Sequenced Data will carry (0 before login). */
uint64_t tg_ouch_client_next_seq(const struct tg_ouch_client *c);

const struct tg_ouch_client_stats *tg_ouch_client_stats(const struct tg_ouch_client *c);

/*
 * An event as the JSON line `tickgate ouch` prints (docs/ouch-client.md):
 * OUCH messages as tg_ouch_out_to_json with "sequence" after "type";
 * SoupBinTCP events as {"type":"login_accepted","session":..,"sequence":..},
 * {"type":"login_rejected","reason":"A"}, {"type":"end_of_session"},
 * {"type":"debug","text":..}, {"type":"undecoded","sequence":..,
 * "error":..,"bytes":HEX}, {"type":"unknown_packet","packet_type":..,
 * "bytes":HEX}, {"type":"closed"}. NULL only when out of memory.
 */
json_t *tg_ouch_event_to_json(const struct tg_ouch_event *ev);

#endif /* TG_OUCH_CLIENT_H */
