/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the gateway tests share: a temp directory with a config and a
 * journal, `tickgate gateway` started as a child process on a free
 * loopback port, and a SoupBinTCP client on a raw socket that frames
 * packets by hand (so tests can also send what no real client would).
 */
#ifndef TEST_GATEWAY_UTIL_H
#define TEST_GATEWAY_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ouch/tg_ouch.h"

#define GWT_TICKGATE TG_BUILD_DIR "/tickgate"

struct gwt_gw {
	char dir[64];		/* temp directory, removed by gwt_dir_remove */
	char config[128];
	char journal[128];
	char errlog[128];	/* the gateway's stderr, appended across restarts */
	char addr[256];		/* "127.0.0.1:PORT" once started */
	char sealed_addr[256];	/* the sealed port, when the config has sealed_listen */
	const char *card;	/* --card for the gateway, NULL: none */
	pid_t pid;		/* 0 when not running */
	int out_fd;		/* the gateway's stdout */
};

/* The test users: alice and carol (firm ACME), bob (firm BETA). */
extern const char *const gwt_users[3];
extern const char *const gwt_passwords[3];

void gwt_dir_make(struct gwt_gw *g);
void gwt_dir_remove(struct gwt_gw *g);

/*
 * Write the config: [gateway] with the journal in the temp directory,
 * sync = yes, stocks AAPL MSFT, plus the lines of gateway_extra; the
 * three users with hashed passwords; then extra (more sections).
 */
void gwt_config(struct gwt_gw *g, const char *gateway_extra, const char *extra);

/*
 * Start `tickgate gateway --config ... --listen 127.0.0.1:0` and wait for
 * its "listening on" line. 0, or the exit status (>0) when it exited
 * before that.
 */
int gwt_start(struct gwt_gw *g);
/* Start it without waiting for anything (to kill it mid start-up). */
void gwt_spawn(struct gwt_gw *g);
/* SIGTERM and wait: the exit status (-1 when killed by a signal). */
int gwt_stop(struct gwt_gw *g);
/* SIGKILL and reap. */
void gwt_kill(struct gwt_gw *g);
/* The gateway's stderr so far (malloc'd, NUL-terminated). */
char *gwt_log(const struct gwt_gw *g);
/* The value of counter "name" in the last stats block of log, 0 if absent. */
uint64_t gwt_stat(const char *log, const char *name);

/* ---- a raw SoupBinTCP client ---- */

struct gwt_c {
	int fd;
	uint8_t buf[8192];
	size_t have;
};

struct gwt_pkt {
	char type;
	size_t len;
	uint8_t p[1100];
};

/*
 * When set, called with every chunk a client sends (dir 0) or receives
 * (dir 1), in the order it happened: for captures.
 */
extern void (*gwt_tap)(struct gwt_c *c, int dir, const uint8_t *p, size_t n);

void gwt_connect(struct gwt_c *c, const char *addr);
void gwt_close(struct gwt_c *c);
/* Send bytes as they are (asserts they all went). */
void gwt_send_raw(struct gwt_c *c, const void *p, size_t n);
/* Send one packet. */
void gwt_send(struct gwt_c *c, char type, const void *p, size_t n);
/*
 * The next packet within timeout_ms: 1, 0 on timeout, -1 when the server
 * closed (EOF or reset), -2 when the framing is broken.
 */
int gwt_recv(struct gwt_c *c, struct gwt_pkt *k, int timeout_ms);
/* As gwt_recv, skipping Server Heartbeats. */
int gwt_recv_nohb(struct gwt_c *c, struct gwt_pkt *k, int timeout_ms);

/*
 * Log in; returns 1 when accepted (*session and *next set when not
 * NULL), the reject code ('A' or 'S') when rejected, or -1 when the link
 * closed or nothing came within 10 s.
 */
int gwt_login(struct gwt_c *c, const char *user, const char *pw,
	      const char *session, uint64_t seq, char session_out[11],
	      uint64_t *next);

/* Send an Enter Order (day order unless tif says otherwise). */
void gwt_enter(struct gwt_c *c, const char *token, char side, uint32_t shares,
	       const char *stock, uint32_t price, uint32_t tif);
/* Send a Cancel Order down to shares (0: all). */
void gwt_cancel(struct gwt_c *c, const char *token, uint32_t shares);

/*
 * The next Sequenced Data within timeout_ms, decoded (raw bytes too when
 * raw is not NULL): 1, 0 on timeout, -1 closed; any other packet fails.
 */
int gwt_msg(struct gwt_c *c, struct tg_ouch_out *m, uint8_t *raw, size_t *rawlen,
	    int timeout_ms);

/* Milliseconds on a monotonic clock. */
uint64_t gwt_ms(void);

/* A token as a C string (right-trimmed copy of a 14-byte field). */
const char *gwt_tok(const char t[14], char out[15]);

#endif /* TEST_GATEWAY_UTIL_H */
