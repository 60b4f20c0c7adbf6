/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's state, shared by tg_engine.c (the order path) and
 * tg_engine_config.c (building it from the configuration). Not a public
 * header: everything outside host/order goes through tg_engine.h.
 */
#ifndef TG_ENGINE_INT_H
#define TG_ENGINE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "order/tg_engine.h"
#include "order/tg_match.h"
#include "order/tg_risk.h"
#include "order/tg_stocks.h"
#include "order/tg_tokens.h"

#define TG_ENGINE_NAME_LEN	32	/* accounts and firms, with the NUL */
#define TG_ENGINE_USER_LEN	7	/* SoupBinTCP username a6, with the NUL */

/* sizing defaults ([engine] section) */
#define TG_ENGINE_DEF_MAX_ORDERS	(1u << 20)
#define TG_ENGINE_DEF_MAX_TOKENS	(1u << 22)
#define TG_ENGINE_DEF_MAX_STOCKS	8192u

struct tg_engine_user {
	char name[TG_ENGINE_USER_LEN];
	uint16_t account;
	uint16_t firm;
};

struct tg_engine_firm {
	char name[TG_ENGINE_NAME_LEN];
	char field[TG_OUCH_FIRM_LEN];	/* as OUCH carries it: space padded */
};

struct tg_engine {
	struct tg_match *match;
	struct tg_risk *risk;
	struct tg_tokens *tokens;
	struct tg_stocks *stocks;

	struct tg_engine_user *users;
	unsigned nusers;
	char (*accounts)[TG_ENGINE_NAME_LEN];
	unsigned naccounts;
	struct tg_engine_firm *firms;
	unsigned nfirms;

	bool fixed_stocks;	/* [gateway] stocks lists every tradable symbol */
	bool cancel_on_halt;	/* a halt cancels the stock's resting orders ('H') */
	bool closed;		/* after end of day, until start of day */

	uint64_t now;		/* latest input time */
	uint64_t next_ref;	/* order reference numbers, from 1 */
	uint64_t next_match;	/* match numbers, from 1 */

	const struct tg_engine_sink *sink;	/* of the call in progress */
	struct tg_engine_stats stats;
};

int tg_engine_account_find(const struct tg_engine *e, const char *name);
int tg_engine_firm_find(const struct tg_engine *e, const char *name);

#endif /* TG_ENGINE_INT_H */
