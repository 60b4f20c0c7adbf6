/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "gateway/tg_gw.h"
#include "test_wire_util.h"

char *
wt_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t cap = 0;
	FILE *m;
	char buf[8192];
	size_t n;

	if (!f)
		return NULL;
	m = open_memstream(&s, &cap);
	cr_assert(m);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(f);
	fclose(m);
	if (len)
		*len = cap;
	return s;
}

char *
wt_run(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	char *s = NULL;
	size_t cap = 0;
	FILE *m;
	char buf[8192];
	size_t n;
	int st;

	cr_assert(p, "popen %s", cmd);
	m = open_memstream(&s, &cap);
	cr_assert(m);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, m);
	fclose(m);
	st = pclose(p);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return s;
}

void
wt_user_section(FILE *f, const struct wt_user *u)
{
	char hash[TG_GW_HASH_MAX];

	cr_assert_eq(tg_gw_passwd_hash(u->pw, strlen(u->pw), TG_GW_SCRYPT_LN_MIN, hash,
				       sizeof(hash)), 0);
	fprintf(f, "[user.%s]\npassword = %s\nfirm = %s\naccount = %s\nowner = %s\n\n", u->name,
		hash, u->firm, u->account, u->owner);
}

void
wt_login(struct wt_user *u, const char *addr, uint64_t seq)
{
	gwt_connect(&u->c, addr);
	cr_assert_eq(gwt_login(&u->c, u->name, u->pw, NULL, seq, NULL, NULL), 1,
		     "login of %s", u->name);
	u->up = 1;
}

void
wt_logout(struct wt_user *u)
{
	if (u->up)
		gwt_close(&u->c);
	u->up = 0;
}

const char *
wt_tok(const char t[14], char out[15])
{
	return gwt_tok(t, out);
}

/* The token an outbound message names, if any. */
static const char *
wt_msg_token(const struct tg_ouch_out *m)
{
	switch (m->type) {
	case 'A':
		return m->order.token;
	case 'J':
		return m->rejected.token;
	case 'C':
		return m->canceled.token;
	case 'I':
		return m->pending.token;
	case 'E':
		return m->executed.token;
	default:
		return NULL;
	}
}

char
wt_wait(struct wt_user *u, char type, char alt, const char *token, struct tg_ouch_out *out)
{
	uint64_t end = gwt_ms() + 10000;
	struct tg_ouch_out m;
	char t[15];

	while (gwt_ms() < end) {
		int rc = gwt_msg(&u->c, &m, NULL, NULL, 200);
		const char *tk;

		cr_assert(rc >= 0, "%s: the link closed while waiting for '%c' %s", u->name, type,
			  token);
		if (rc == 0 || (m.type != type && m.type != alt))
			continue;
		tk = wt_msg_token(&m);
		if (tk && !strcmp(wt_tok(tk, t), token)) {
			if (out)
				*out = m;
			return m.type;
		}
	}
	cr_assert_fail("%s: no '%c' for %s within 10 s", u->name, type, token);
	return 0;
}

char
wt_order(struct wt_user *u, const char *token, char side, uint32_t shares, const char *stock,
	 uint32_t price, char *reason)
{
	struct tg_ouch_out m;
	char k;

	gwt_enter(&u->c, token, side, shares, stock, price, 99999);
	k = wt_wait(u, 'A', 'J', token, &m);
	if (reason)
		*reason = k == 'J' ? m.rejected.reason : 0;
	return k;
}
