/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control-plane wiring tests share: `tickgate gateway` started
 * with [control], [metrics] and this process's user as an operator (with
 * a root-only TOTP secret file) in a temp directory; OUCH clients through
 * the client library; requests over the control socket; TOTP codes
 * computed here from RFC 4226/6238 with OpenSSL's HMAC (independent of
 * the liboath the appliance checks them with); scrapes of /metrics over a
 * plain TCP socket.
 */
#ifndef TEST_CTLWIRE_UTIL_H
#define TEST_CTLWIRE_UTIL_H

#include <stdint.h>

#include <jansson.h>

#include "ouch/tg_ouch_client.h"
#include "test_gateway_util.h"

struct cw {
	struct gwt_gw g;
	char sock[128], audit[128], secret[128];
	char me[64];			/* this process's user: the operator */
	uint8_t key[20];		/* the TOTP secret */
	uint16_t metrics_port;
	int64_t step0;			/* the TOTP step the test's codes count from */
	int next_code;			/* offset of the next fresh code from step0 */
};

/*
 * A temp directory and a config for role (viewer, risk, admin; NULL: not
 * an operator), with gateway_extra lines in [gateway] and extra sections;
 * then start the gateway. 0, or its exit status when it did not start.
 */
void cw_setup(struct cw *w, const char *role, const char *gateway_extra, const char *extra);
int cw_start(struct cw *w);
void cw_teardown(struct cw *w);

/* One control request (args as JSON text, NULL for none): the reply. */
json_t *cw_call(struct cw *w, const char *cmd, const char *args, const char *totp);
/* As cw_call, asserting "ok" is true. */
json_t *cw_ok(struct cw *w, const char *cmd, const char *args, const char *totp);
/* As cw_call, asserting "ok" is false and "error" contains what. */
void cw_refused(struct cw *w, const char *cmd, const char *args, const char *totp,
		const char *what);

/* RFC 6238 code for TOTP step (SHA-1, 6 digits) of w's secret. */
const char *cw_code(const struct cw *w, int64_t step, char out[7]);
/*
 * A code the appliance has not seen yet: steps step0 - 1, step0, step0 + 1
 * in turn (the window it accepts), so three destructive requests need no
 * wait for the clock.
 */
const char *cw_fresh_code(struct cw *w, char out[7]);
/* A 6-digit code that is none of the three the window accepts now. */
const char *cw_wrong_code(const struct cw *w, char out[7]);

/* A client of user logged in (asserted). */
struct tg_ouch_client *cw_login(struct cw *w, const char *user);
/* Send an Enter Order (day order). */
void cw_enter(struct tg_ouch_client *c, const char *token, char side, uint32_t shares,
	      const char *stock, uint32_t price);
/* The next OUCH message within timeout_ms: 1, or 0 on timeout (other events fail). */
int cw_msg(struct tg_ouch_client *c, struct tg_ouch_out *m, int timeout_ms);
/* Expect the next message to be of type (and, for C and J, reason); returns it. */
struct tg_ouch_out cw_expect(struct tg_ouch_client *c, char type, char reason);
/* Nothing within ms. */
void cw_quiet(struct tg_ouch_client *c, int ms);

/* GET /metrics: the body (malloc'd). */
char *cw_scrape(struct cw *w);
/* The value of the sample written exactly as `sample` (name and labels), or -1. */
double cw_sample(const char *body, const char *sample);
/* promtool check metrics on body: its exit status (its output on stderr when not 0). */
int cw_promtool(const char *body);

/* Run `tickgate ARGS`: its exit status; stdout and stderr into out/err (malloc'd) when not NULL. */
int cw_tickgate(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Read a whole file (malloc'd), NULL if it cannot be read. */
char *cw_slurp(const char *path);

/* Milliseconds / microseconds on a monotonic clock. */
uint64_t cw_us(void);

#endif /* TEST_CTLWIRE_UTIL_H */
