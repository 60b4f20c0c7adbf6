/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Surveillance tests: a tiny stand-in for the engine's outputs (Accepted,
 * Canceled, Executed and the fill) so each test states its market as a
 * list of events, and a collector of the alerts raised.
 */
#ifndef TEST_SURV_UTIL_H
#define TEST_SURV_UTIL_H

#include <stdint.h>

#include "surv/tg_surv.h"

#define SV_SEC	1000000000ull
#define SV_HMS(h, m, s)	(((uint64_t)(h) * 3600 + (m) * 60 + (s)) * SV_SEC)

struct sv_test {
	struct tg_surv *s;
	struct tg_surv_alert alerts[4096];
	unsigned nalerts;
	uint64_t match;
	unsigned token_seq;
};

/* users: "FIRM/ACCOUNT/OWNER" strings */
void sv_test_open(struct sv_test *t, const struct tg_surv_config *c,
		  const char *const *users, unsigned n);
void sv_test_close(struct sv_test *t);

/* An order accepted and resting: returns its token (static storage per call). */
void sv_accept(struct sv_test *t, uint64_t ts, unsigned user, const char *token,
	       const char *stock, char side, uint32_t shares, uint32_t price);
void sv_cancel(struct sv_test *t, uint64_t ts, unsigned user, const char *token,
	       uint32_t shares, char reason);
/*
 * A trade: buyer and seller orders (tokens) executed for shares at price;
 * aggr 'B' or 'S' says which side removed liquidity. Both orders must have
 * been accepted with enough shares (sv_accept) by the caller, or pass
 * NULL tokens' orders are accepted here as IOC-like aggressors.
 */
void sv_trade(struct sv_test *t, uint64_t ts, const char *stock, uint32_t price,
	      uint32_t shares, unsigned buyer, const char *btoken,
	      unsigned seller, const char *stoken, char aggr);

/* Alerts of one kind raised so far. */
unsigned sv_count(const struct sv_test *t, enum tg_surv_kind k);
/* The first alert of kind k, or NULL. */
const struct tg_surv_alert *sv_first(const struct sv_test *t, enum tg_surv_kind k);

#endif /* TEST_SURV_UTIL_H */
