/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the order engine's tests: configurations from INI text, OUCH
 * messages built as structs, outputs written as one line of text each,
 * and a small script language for scenarios:
 *
 *   > alice O t1 B 100 AAPL 10.00 tif=0 min=50   an input
 *   < alice A t1 B 100 AAPL 10.00 ref=1 L          an output it must give
 *   ? book AAPL B 10.00:300:2 9.99:100:1           a check of the book
 *
 * Every input's outputs must be exactly the '<' lines that follow it, in
 * order. docs/order-path.md is where the expected lines come from.
 */
#ifndef TEST_ORDER_UTIL_H
#define TEST_ORDER_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "order/tg_engine.h"

struct rte_cfgfile;

/* Load INI text as rte_cfgfile would load the file (NULL on failure). */
struct rte_cfgfile *tord_cfg(const char *ini);

/* An engine from INI text; the test fails if it cannot be built. */
struct tg_engine *tord_engine(const char *ini);

/* tg_engine_new on INI text: its return value, err filled. */
int tord_engine_try(const char *ini, struct tg_engine **e, char *err, size_t errlen);

/* Captured outputs as text lines ("alice A t1 ..."), reset by tord_take. */
struct tord_cap {
	const struct tg_engine *e;
	char *buf;
	size_t len, cap;
	uint64_t msgs;
};

void tord_cap_init(struct tord_cap *c, const struct tg_engine *e);
void tord_cap_free(struct tord_cap *c);
/* A sink writing into c. */
struct tg_engine_sink tord_sink(struct tord_cap *c);
/* The text captured since the last take (owned by c until the next call). */
const char *tord_take(struct tord_cap *c);

/* One message or fill as text (no newline). */
void tord_fmt_out(const struct tg_engine *e, unsigned user, const struct tg_ouch_out *m,
		  char *buf, size_t n);
void tord_fmt_fill(const struct tg_engine *e, const struct tg_engine_fill *f,
		   char *buf, size_t n);
/* p4 price as text: 10.00, 0.1234, MKT. */
void tord_fmt_price(uint32_t p, char *buf, size_t n);
/* "10.00" -> 100000, "MKT" -> market, "#123" -> 123. */
uint32_t tord_price(const char *s);

/* Messages with the defaults a plain client sends. */
struct tg_ouch_in tord_enter(const char *token, char side, uint32_t shares,
			     const char *stock, uint32_t price, uint32_t tif);
struct tg_ouch_in tord_cancel(const char *token, uint32_t shares);
struct tg_ouch_in tord_replace(const char *old, const char *new_token, uint32_t shares,
			       uint32_t price, uint32_t tif);
struct tg_ouch_in tord_modify(const char *token, char side, uint32_t shares);
void tord_alpha(char *field, size_t n, const char *s);

/*
 * Run a scenario script on a new engine from ini; any difference fails
 * the test with the input, what was expected and what came.
 */
void tord_run(const char *ini, const char *script);

/* The configuration most scenarios use (docs in test_order_scenarios.c). */
extern const char tord_base_ini[];

#endif /* TEST_ORDER_UTIL_H */
