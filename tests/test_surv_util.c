/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "test_surv_util.h"

static void
sv_collect(void *ctx, const struct tg_surv_alert *a)
{
	struct sv_test *t = ctx;

	cr_assert_lt(t->nalerts, sizeof(t->alerts) / sizeof(t->alerts[0]),
		     "more alerts than the test expects");
	t->alerts[t->nalerts++] = *a;
	if (getenv("SV_DEBUG")) {	/* SV_DEBUG=1 prints every alert */
		json_t *j = tg_surv_alert_json(t->s, a);
		char *txt = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

		fprintf(stderr, "alert %s\n", txt);
		free(txt);
		json_decref(j);
	}
}

void
sv_test_open(struct sv_test *t, const struct tg_surv_config *c,
	     const char *const *users, unsigned n)
{
	struct tg_surv_user *u = calloc(n, sizeof(*u));

	memset(t, 0, sizeof(*t));
	cr_assert_not_null(u);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(sscanf(users[i], "%15[^/]/%31[^/]/%31s", u[i].firm,
				    u[i].account, u[i].owner), 3);
	t->s = tg_surv_new(c, u, n, sv_collect, t);
	cr_assert_not_null(t->s);
	free(u);
}

void
sv_test_close(struct sv_test *t)
{
	tg_surv_free(t->s);
	t->s = NULL;
}

static void
sv_pad(char *field, size_t n, const char *s)
{
	size_t l = strlen(s);

	memset(field, ' ', n);
	memcpy(field, s, l < n ? l : n);
}

void
sv_accept(struct sv_test *t, uint64_t ts, unsigned user, const char *token,
	  const char *stock, char side, uint32_t shares, uint32_t price)
{
	struct tg_ouch_out m = { .type = 'A', .ts = ts };

	sv_pad(m.order.token, TG_OUCH_TOKEN_LEN, token);
	sv_pad(m.order.stock, TG_OUCH_STOCK_LEN, stock);
	sv_pad(m.order.firm, TG_OUCH_FIRM_LEN, "");
	m.order.side = side;
	m.order.shares = shares;
	m.order.price = price;
	m.order.tif = TG_OUCH_TIF_SYSTEM_HOURS;
	m.order.order_state = 'L';
	m.order.order_ref = ++t->token_seq;
	tg_surv_order(t->s, user, &m);
}

void
sv_cancel(struct sv_test *t, uint64_t ts, unsigned user, const char *token,
	  uint32_t shares, char reason)
{
	struct tg_ouch_out m = { .type = 'C', .ts = ts };

	sv_pad(m.canceled.token, TG_OUCH_TOKEN_LEN, token);
	m.canceled.decrement = shares;
	m.canceled.reason = reason;
	tg_surv_order(t->s, user, &m);
}

void
sv_trade(struct sv_test *t, uint64_t ts, const char *stock, uint32_t price,
	 uint32_t shares, unsigned buyer, const char *btoken,
	 unsigned seller, const char *stoken, char aggr)
{
	struct tg_engine_fill f = { .ts = ts, .match = ++t->match, .price = price,
				    .shares = shares };
	struct tg_ouch_out e = { .type = 'E', .ts = ts };

	sv_pad(f.stock, TG_OUCH_STOCK_LEN, stock);
	f.buy.user = buyer;
	f.sell.user = seller;
	sv_pad(f.buy.token, TG_OUCH_TOKEN_LEN, btoken);
	sv_pad(f.sell.token, TG_OUCH_TOKEN_LEN, stoken);
	f.buy.liquidity = aggr == 'B' ? 'R' : 'A';
	f.sell.liquidity = aggr == 'S' ? 'R' : 'A';
	e.executed.shares = shares;
	e.executed.price = price;
	e.executed.match = f.match;
	memcpy(e.executed.token, f.buy.token, TG_OUCH_TOKEN_LEN);
	e.executed.liquidity = f.buy.liquidity;
	tg_surv_order(t->s, buyer, &e);
	memcpy(e.executed.token, f.sell.token, TG_OUCH_TOKEN_LEN);
	e.executed.liquidity = f.sell.liquidity;
	tg_surv_order(t->s, seller, &e);
	tg_surv_fill(t->s, &f);
}

unsigned
sv_count(const struct sv_test *t, enum tg_surv_kind k)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->nalerts; i++)
		n += t->alerts[i].kind == k;
	cr_assert_eq(n, tg_surv_count(t->s, k), "the counter agrees with the alerts delivered");
	return n;
}

const struct tg_surv_alert *
sv_first(const struct sv_test *t, enum tg_surv_kind k)
{
	for (unsigned i = 0; i < t->nalerts; i++)
		if (t->alerts[i].kind == k)
			return &t->alerts[i];
	return NULL;
}
