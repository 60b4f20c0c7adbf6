/* SPDX-License-Identifier: BSD-3-Clause */
/* Post-trade tests: users, stocks and random fills (test_post_util.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_post_util.h"

const struct tg_clear_user tp_users[TP_USERS] = {
	{ "alice", "ACME", "alice", "alice" },
	{ "bob", "ACME", "bob", "bob" },
	{ "bob2", "ACME", "bob", "bob" },		/* a second login of bob */
	{ "carol", "ACME", "house", "acme" },
	{ "dave", "BETA", "dave", "dave" },
	{ "erin", "BETA", "erin", "erin" },
	{ "erin2", "BETA", "erin", "erin" },
	{ "frank", "GAMMA", "frank", "frank" },
	{ "grace", "GAMMA", "grace", "grace" },
	{ "heidi", "GAMMA", "house", "gamma" },		/* same account name, other firm */
};

const unsigned tp_user_acct[TP_USERS] = { 0, 1, 1, 2, 3, 4, 4, 5, 6, 7 };

const char *const tp_stocks[TP_STOCKS] = { "AAPL", "MSFT", "ZVZZT", "QQQ", "A", "BRK.B" };

uint64_t
tp_rand(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void
tp_stock(char out[TG_OUCH_STOCK_LEN], const char *name)
{
	memset(out, ' ', TG_OUCH_STOCK_LEN);
	memcpy(out, name, strlen(name));
}

struct tg_engine_fill *
tp_fills(uint64_t seed, unsigned n)
{
	struct tg_engine_fill *f = calloc(n ? n : 1, sizeof(*f));
	uint32_t px[TP_STOCKS];
	uint64_t s = seed;

	for (int i = 0; i < TP_STOCKS; i++)
		px[i] = 50000 + (uint32_t)(tp_rand(&s) % 4950000);
	for (unsigned i = 0; i < n; i++) {
		struct tg_engine_fill *x = &f[i];
		unsigned st = (unsigned)(tp_rand(&s) % TP_STOCKS);
		int64_t step = (int64_t)(tp_rand(&s) % 201) - 100;

		if ((int64_t)px[st] + step * 7 > 10000)
			px[st] = (uint32_t)((int64_t)px[st] + step * 7);
		x->ts = 34200000000000ULL + i * 1000ULL;
		x->match = i + 1;
		tp_stock(x->stock, tp_stocks[st]);
		x->price = px[st];
		x->shares = 1 + (uint32_t)(tp_rand(&s) % 2000);
		x->buy.user = (unsigned)(tp_rand(&s) % TP_USERS);
		x->sell.user = (unsigned)(tp_rand(&s) % TP_USERS);
		char tok[24];
		snprintf(tok, sizeof(tok), "B%013u", i);
		memcpy(x->buy.token, tok, TG_OUCH_TOKEN_LEN);
		tok[0] = 'S';
		memcpy(x->sell.token, tok, TG_OUCH_TOKEN_LEN);
		x->buy.order_ref = 2ULL * i + 1;
		x->sell.order_ref = 2ULL * i + 2;
		bool buy_adds = tp_rand(&s) & 1;
		x->buy.liquidity = buy_adds ? 'A' : 'R';
		x->sell.liquidity = buy_adds ? 'R' : 'A';
		if (tp_rand(&s) % 97 == 0)
			x->sell.liquidity = 'X';
	}
	return f;
}

char *
tp_write_temp(const char *text)
{
	char *path = strdup("/tmp/tg_post_XXXXXX");
	int fd = mkstemp(path);

	if (fd < 0) {
		free(path);
		return NULL;
	}
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}
