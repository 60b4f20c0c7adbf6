/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SoupBinTCP 3.0 framing (../shared/protocols/ouch42.md): packets are a
 * 2-byte big-endian length (type byte + payload), a type byte and the
 * payload. Used by the gateway (server side) and the OUCH client.
 */
#ifndef TG_SOUP_H
#define TG_SOUP_H

#include <stddef.h>
#include <stdint.h>

#define TG_SOUP_MAX_PAYLOAD	1024	/* larger packets are refused */
#define TG_SOUP_USER_LEN	6
#define TG_SOUP_PASSWORD_LEN	10
#define TG_SOUP_SESSION_LEN	10
#define TG_SOUP_SEQ_LEN		20
#define TG_SOUP_HEARTBEAT_NS	1000000000ull	/* send one after 1 s of silence */
#define TG_SOUP_TIMEOUT_NS	15000000000ull	/* drop the link after 15 s without traffic */

/* Packet types */
#define TG_SOUP_LOGIN_REQUEST	'L'
#define TG_SOUP_UNSEQUENCED	'U'
#define TG_SOUP_CLIENT_HB	'R'
#define TG_SOUP_LOGOUT		'O'
#define TG_SOUP_LOGIN_ACCEPTED	'A'
#define TG_SOUP_LOGIN_REJECTED	'J'
#define TG_SOUP_SEQUENCED	'S'
#define TG_SOUP_SERVER_HB	'H'
#define TG_SOUP_END_OF_SESSION	'Z'
#define TG_SOUP_DEBUG		'+'

/*
 * Write one packet at out (room for 3 + len bytes). Returns 3 + len, or 0
 * when len exceeds TG_SOUP_MAX_PAYLOAD.
 */
size_t tg_soup_pack(uint8_t *out, char type, const void *payload, size_t len);

/*
 * A receive buffer that reassembles packets from a byte stream read in
 * arbitrary pieces. Starts zeroed (= {0} or memset); nothing to free.
 */
struct tg_soup_rx {
	uint8_t buf[2 * (3 + TG_SOUP_MAX_PAYLOAD)];
	size_t have;		/* bytes in buf */
	size_t head;		/* bytes at the front already handed out */
};

/*
 * Room to read into: [*p, *p + return value). Drops the packets already
 * handed out (so payloads from tg_soup_rx_next are valid until then).
 * After tg_soup_rx_next has returned 0 there is room for at least one
 * whole packet; 0 means packets are waiting: drain them first.
 */
size_t tg_soup_rx_room(struct tg_soup_rx *rx, uint8_t **p);
/* n bytes were read into the room. */
void tg_soup_rx_commit(struct tg_soup_rx *rx, size_t n);
/*
 * The next whole packet: 1 with *type, *payload (into rx, valid until the
 * next tg_soup_rx_room) and *len set; 0 when more bytes are needed;
 * -EMSGSIZE when a packet declares a length of 0 or above
 * TG_SOUP_MAX_PAYLOAD + 1 (the stream cannot be trusted after that:
 * close it).
 */
int tg_soup_rx_next(struct tg_soup_rx *rx, char *type, const uint8_t **payload,
		    size_t *len);

struct tg_soup_login {
	char user[TG_SOUP_USER_LEN];		/* space padded */
	char password[TG_SOUP_PASSWORD_LEN];	/* space padded */
	char session[TG_SOUP_SESSION_LEN];	/* blank = current */
	uint64_t seq;				/* requested sequence number */
};

/*
 * Login Request payload (46 bytes) to and from struct tg_soup_login.
 * Parsing is 0, or -EINVAL for a wrong length or a sequence field that is
 * not right-justified digits padded with spaces.
 */
size_t tg_soup_login_pack(const struct tg_soup_login *l, uint8_t *out);
int tg_soup_login_parse(const uint8_t *p, size_t len, struct tg_soup_login *l);

/* Login Accepted payload (30 bytes): session a10, next sequence a20. */
size_t tg_soup_accept_pack(const char session[TG_SOUP_SESSION_LEN],
			   uint64_t next_seq, uint8_t *out);
int tg_soup_accept_parse(const uint8_t *p, size_t len,
			 char session[TG_SOUP_SESSION_LEN], uint64_t *next_seq);

#endif /* TG_SOUP_H */
