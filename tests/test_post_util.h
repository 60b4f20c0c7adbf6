/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Post-trade tests: a fixed set of users and firms, and seeded random
 * fill streams between them, shaped like the order engine's output.
 */
#ifndef TEST_POST_UTIL_H
#define TEST_POST_UTIL_H

#include <stdint.h>

#include "order/tg_engine.h"
#include "post/tg_clear.h"

#define TP_USERS	10
#define TP_ACCOUNTS	8	/* two accounts have two logins each */
#define TP_STOCKS	6

extern const struct tg_clear_user tp_users[TP_USERS];
/* the account number (0..TP_ACCOUNTS-1) of each user, known to the tests */
extern const unsigned tp_user_acct[TP_USERS];
extern const char *const tp_stocks[TP_STOCKS];

uint64_t tp_rand(uint64_t *s);

/*
 * n fills with match numbers 1..n, random users (buyer and seller may be
 * the same account), stocks, sizes 1..2000, prices walking around $5-$500,
 * one side adding and the other removing liquidity (sometimes an odd flag).
 */
struct tg_engine_fill *tp_fills(uint64_t seed, unsigned n);

/* A space-padded 8-byte stock field from a name. */
void tp_stock(char out[TG_OUCH_STOCK_LEN], const char *name);

/* Write text to a new temp file; returns its malloc'd path. */
char *tp_write_temp(const char *text);

#endif /* TEST_POST_UTIL_H */
