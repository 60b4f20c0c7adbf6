/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the wiring tests share: files and commands, the users of their
 * configs, and OUCH clients that wait for the answer to what they sent.
 */
#ifndef TEST_WIRE_UTIL_H
#define TEST_WIRE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "test_gateway_util.h"

/* A file's bytes, NUL-terminated (*len without the NUL); NULL when it cannot be read. */
char *wt_read(const char *path, size_t *len);

/* Run a shell command; its stdout (malloc'd, NUL-terminated), its exit status in *status. */
char *wt_run(const char *cmd, int *status);

/* One login of a test config. */
struct wt_user {
	const char *name, *pw, *firm, *account, *owner;
	struct gwt_c c;
	int up;			/* logged in on c */
};

/* Write [user.NAME] with a hashed password, firm, account and owner. */
void wt_user_section(FILE *f, const struct wt_user *u);

/* Connect and log in with sequence number seq (0: from now on). */
void wt_login(struct wt_user *u, const char *addr, uint64_t seq);
void wt_logout(struct wt_user *u);

/*
 * Read u's messages until one of type `type` (or `alt`, 0 for none) names
 * token; the others are dropped. Returns the type found; fails after 10 s.
 */
char wt_wait(struct wt_user *u, char type, char alt, const char *token,
	     struct tg_ouch_out *out);

/* Enter an order (day) and wait for its Accepted or Rejected: the type, and the reason if 'J'. */
char wt_order(struct wt_user *u, const char *token, char side, uint32_t shares,
	      const char *stock, uint32_t price, char *reason);

/* A token as a C string. */
const char *wt_tok(const char t[14], char out[15]);

#endif /* TEST_WIRE_UTIL_H */
