/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building an engine from the configuration file (rte_cfgfile): users,
 * their accounts and firms, the tradable stocks, risk limits and the
 * engine's sizing. docs/order-path.md lists every key.
 *
 * [firm.*] and [user.*] sections are shared with other parts of the
 * appliance (the gateway keeps passwords and keys there), so keys this
 * file does not know are left alone in them; [account.*], [risk] and
 * [engine] belong to the engine, and an unknown key there is an error,
 * since a misspelt limit would otherwise silently be no limit.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "order/tg_engine_int.h"

#define TG_ENGINE_MAX_NAMES	65535	/* users, accounts, firms: 16-bit indexes */

struct tg_cfg_ctx {
	struct rte_cfgfile *cfg;
	struct tg_engine *e;
	char *err;
	size_t errlen;
};

static int
tg_cfg_fail(struct tg_cfg_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A whole decimal integer, or "none" (-1). */
static int
tg_cfg_int(const char *v, int64_t *out)
{
	char *end;
	long long x;

	while (isspace((unsigned char)*v))
		v++;
	if (!strcasecmp(v, "none")) {
		*out = -1;
		return 0;
	}
	errno = 0;
	x = strtoll(v, &end, 10);
	if (end == v || errno)
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	*out = x;
	return 0;
}

static int
tg_cfg_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") ||
	    !strcasecmp(v, "on")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") ||
	    !strcasecmp(v, "off")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/* A risk key's value: stp takes off/account/firm, the rest integers or none. */
static int
tg_cfg_risk_value(enum tg_risk_key k, const char *v, int64_t *out)
{
	if (k == TG_RISK_STP) {
		if (!strcasecmp(v, "off") || !strcasecmp(v, "none"))
			*out = TG_RISK_STP_OFF;
		else if (!strcasecmp(v, "account"))
			*out = TG_RISK_STP_ACCOUNT;
		else if (!strcasecmp(v, "firm"))
			*out = TG_RISK_STP_FIRM;
		else
			return tg_cfg_int(v, out);
		return 0;
	}
	return tg_cfg_int(v, out);
}

/* Names of users and accounts: printable, no blanks. */
static bool
tg_cfg_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/* Firms are OUCH's a4: 1 to 4 of A-Z 0-9. */
static bool
tg_cfg_firm_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TG_OUCH_FIRM_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

int
tg_engine_account_find(const struct tg_engine *e, const char *name)
{
	for (unsigned a = 0; a < e->naccounts; a++)
		if (!strcmp(e->accounts[a], name))
			return (int)a;
	return -ENOENT;
}

int
tg_engine_firm_find(const struct tg_engine *e, const char *name)
{
	for (unsigned f = 0; f < e->nfirms; f++)
		if (!strcmp(e->firms[f].name, name))
			return (int)f;
	return -ENOENT;
}

static int
tg_cfg_add_firm(struct tg_cfg_ctx *c, const char *name, const char *where)
{
	struct tg_engine *e = c->e;
	int f = tg_engine_firm_find(e, name);
	struct tg_engine_firm *nf;

	if (f >= 0)
		return f;
	if (!tg_cfg_firm_ok(name))
		return tg_cfg_fail(c, "[%s] firm '%s': 1 to 4 of A-Z 0-9 (OUCH firm)",
				   where, name);
	if (e->nfirms >= TG_ENGINE_MAX_NAMES)
		return tg_cfg_fail(c, "[%s]: more than %d firms", where, TG_ENGINE_MAX_NAMES);
	nf = realloc(e->firms, (e->nfirms + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	e->firms = nf;
	memset(&nf[e->nfirms], 0, sizeof(*nf));
	strcpy(nf[e->nfirms].name, name);
	memset(nf[e->nfirms].field, ' ', TG_OUCH_FIRM_LEN);
	memcpy(nf[e->nfirms].field, name, strlen(name));
	return (int)e->nfirms++;
}

static int
tg_cfg_add_account(struct tg_cfg_ctx *c, const char *name, const char *where)
{
	struct tg_engine *e = c->e;
	int a = tg_engine_account_find(e, name);
	char (*na)[TG_ENGINE_NAME_LEN];

	if (a >= 0)
		return a;
	if (!tg_cfg_name_ok(name, TG_ENGINE_NAME_LEN - 1))
		return tg_cfg_fail(c, "[%s] account '%s': 1 to %d printable characters, no blanks",
				   where, name, TG_ENGINE_NAME_LEN - 1);
	if (e->naccounts >= TG_ENGINE_MAX_NAMES)
		return tg_cfg_fail(c, "[%s]: more than %d accounts", where,
				   TG_ENGINE_MAX_NAMES);
	na = realloc(e->accounts, (e->naccounts + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM;
	e->accounts = na;
	memset(na[e->naccounts], 0, TG_ENGINE_NAME_LEN);
	strcpy(na[e->naccounts], name);
	return (int)e->naccounts++;
}

/* Every entry of a section (rte_cfgfile keeps repeated keys). */
static int
tg_cfg_entries(struct tg_cfg_ctx *c, const char *sec, struct rte_cfgfile_entry **out)
{
	int n = rte_cfgfile_section_num_entries(c->cfg, sec);

	*out = NULL;
	if (n <= 0)
		return 0;
	*out = calloc((size_t)n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	return rte_cfgfile_section_entries(c->cfg, sec, *out, n);
}

/* Copy a C-string symbol into a padded field; false if not a valid symbol. */
static bool
tg_cfg_symbol(const char *s, size_t n, char sym[TG_STOCKS_SYM_LEN])
{
	if (n == 0 || n > TG_STOCKS_SYM_LEN)
		return false;
	memset(sym, ' ', TG_STOCKS_SYM_LEN);
	memcpy(sym, s, n);
	return tg_stocks_valid(sym);
}

/*
 * Call fn on every symbol of a blank- or comma-separated list. Values
 * longer than rte_cfgfile keeps (CFG_VALUE_LEN - 1) are refused rather
 * than silently cut: repeat the key instead.
 */
static int
tg_cfg_symbols(struct tg_cfg_ctx *c, const char *where, const char *key, const char *v,
	       int (*fn)(struct tg_cfg_ctx *c, const char *where, const char sym[8],
			 void *arg), void *arg)
{
	const char *p = v;
	int rc;

	if (strlen(v) >= CFG_VALUE_LEN - 1)
		return tg_cfg_fail(c, "[%s] %s: value too long (at most %d characters; repeat the key)",
				   where, key, CFG_VALUE_LEN - 2);
	while (*p) {
		size_t n;
		char sym[TG_STOCKS_SYM_LEN];

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		n = strcspn(p, " \t,");
		if (!tg_cfg_symbol(p, n, sym))
			return tg_cfg_fail(c, "[%s] %s: '%.*s' is not a stock symbol",
					   where, key, (int)n, p);
		rc = fn(c, where, sym, arg);
		if (rc < 0)
			return rc;
		p += n;
	}
	return 0;
}

static int
tg_cfg_stock_add(struct tg_cfg_ctx *c, const char *where, const char sym[8], void *arg)
{
	(void)arg;
	if (tg_stocks_add(c->e->stocks, sym) < 0)
		return tg_cfg_fail(c, "[%s] stocks: more than max_stocks (%u) symbols", where,
				   tg_stocks_capacity(c->e->stocks));
	return 0;
}

struct tg_cfg_restrict {
	int firm;
	int who;	/* -1: everyone */
};

static int
tg_cfg_restrict_one(struct tg_cfg_ctx *c, const char *where, const char sym[8], void *arg)
{
	const struct tg_cfg_restrict *r = arg;
	int s;

	if (c->e->fixed_stocks) {
		s = tg_stocks_find(c->e->stocks, sym);
		if (s < 0) {
			int n = 0;

			while (n < TG_STOCKS_SYM_LEN && sym[n] != ' ')
				n++;
			return tg_cfg_fail(c, "[%s] restricted: '%.*s' is not in [gateway] stocks",
					   where, n, sym);
		}
	} else {
		s = tg_stocks_add(c->e->stocks, sym);
		if (s < 0)
			return tg_cfg_fail(c, "[%s] restricted: more than max_stocks symbols", where);
	}
	tg_risk_restrict(c->e->risk, r->firm, r->who, (uint16_t)s, true);
	return 0;
}

/*
 * The risk keys of one section for one account or firm (who), or for
 * every account and firm (who < 0: the [risk] defaults).
 */
static int
tg_cfg_risk_section(struct tg_cfg_ctx *c, const char *sec, int firm, int who, bool strict)
{
	struct tg_engine *e = c->e;
	struct rte_cfgfile_entry *ent;
	int n = tg_cfg_entries(c, sec, &ent), rc = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n && rc == 0; i++) {
		int k = tg_risk_key_find(ent[i].name);
		int64_t v;

		if (!strcmp(ent[i].name, "restricted")) {
			struct tg_cfg_restrict r = { .firm = firm, .who = who };

			rc = tg_cfg_symbols(c, sec, "restricted", ent[i].value,
					    tg_cfg_restrict_one, &r);
			continue;
		}
		if (k < 0) {
			if (strict)
				rc = tg_cfg_fail(c, "[%s] %s: unknown key", sec, ent[i].name);
			continue;
		}
		if (tg_cfg_risk_value(k, ent[i].value, &v) < 0) {
			rc = tg_cfg_fail(c, "[%s] %s: bad value '%s'", sec, ent[i].name,
					 ent[i].value);
			continue;
		}
		if (who >= 0) {
			if (tg_risk_set(e->risk, firm, (unsigned)who, k, v, 0) < 0)
				rc = tg_cfg_fail(c, "[%s] %s: value %lld out of range", sec,
						 ent[i].name, (long long)v);
			continue;
		}
		for (int f = 0; f < 2 && rc == 0; f++)
			for (unsigned a = 0; a < (f ? e->nfirms : e->naccounts); a++)
				if (tg_risk_set(e->risk, f, a, k, v, 0) < 0) {
					rc = tg_cfg_fail(c, "[%s] %s: value %lld out of range",
							 sec, ent[i].name, (long long)v);
					break;
				}
	}
	free(ent);
	return rc;
}

static int
tg_cfg_engine(struct tg_cfg_ctx *c, uint32_t *max_orders, uint32_t *max_tokens,
	      uint32_t *max_stocks, bool *prefault)
{
	struct rte_cfgfile_entry *ent;
	int n = tg_cfg_entries(c, "engine", &ent), rc = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n && rc == 0; i++) {
		const char *k = ent[i].name, *v = ent[i].value;
		int64_t x = 0;

		if (!strcmp(k, "cancel_on_halt")) {
			if (tg_cfg_bool(v, &c->e->cancel_on_halt) < 0)
				rc = tg_cfg_fail(c, "[engine] cancel_on_halt: yes or no, not '%s'", v);
			continue;
		}
		if (!strcmp(k, "prefault")) {
			if (tg_cfg_bool(v, prefault) < 0)
				rc = tg_cfg_fail(c, "[engine] prefault: yes or no, not '%s'", v);
			continue;
		}
		if (strcmp(k, "max_orders") && strcmp(k, "max_tokens") && strcmp(k, "max_stocks")) {
			rc = tg_cfg_fail(c, "[engine] %s: unknown key", k);
			continue;
		}
		if (tg_cfg_int(v, &x) < 0 || x < 1 ||
		    x > (!strcmp(k, "max_stocks") ? 65536 : (1 << 30))) {
			rc = tg_cfg_fail(c, "[engine] %s: bad value '%s'", k, v);
			continue;
		}
		if (!strcmp(k, "max_orders"))
			*max_orders = (uint32_t)x;
		else if (!strcmp(k, "max_tokens"))
			*max_tokens = (uint32_t)x;
		else
			*max_stocks = (uint32_t)x;
	}
	free(ent);
	return rc;
}

/* Users, in the order of their sections, with their accounts and firms. */
static int
tg_cfg_users(struct tg_cfg_ctx *c, char **secs, int nsecs)
{
	struct tg_engine *e = c->e;
	int rc;

	for (int i = 0; i < nsecs; i++) {
		const char *name, *firm, *acct;
		struct tg_engine_user *u;
		int f, a;

		if (strncmp(secs[i], "user.", 5))
			continue;
		name = secs[i] + 5;
		if (!tg_cfg_name_ok(name, TG_ENGINE_USER_LEN - 1))
			return tg_cfg_fail(c, "[%s]: a user name is 1 to 6 printable characters",
					   secs[i]);
		if (tg_engine_user_find(e, name) >= 0)
			return tg_cfg_fail(c, "[%s]: user defined twice", secs[i]);
		if (e->nusers >= TG_ENGINE_MAX_NAMES)
			return tg_cfg_fail(c, "[%s]: more than %d users", secs[i],
					   TG_ENGINE_MAX_NAMES);
		firm = rte_cfgfile_get_entry(c->cfg, secs[i], "firm");
		if (!firm || !*firm)
			return tg_cfg_fail(c, "[%s] firm: missing", secs[i]);
		acct = rte_cfgfile_get_entry(c->cfg, secs[i], "account");
		if (!acct || !*acct)
			acct = name;
		f = tg_cfg_add_firm(c, firm, secs[i]);
		if (f < 0)
			return f;
		a = tg_cfg_add_account(c, acct, secs[i]);
		if (a < 0)
			return a;
		/* an account belongs to one firm: risk sums accounts into firms */
		for (unsigned k = 0; k < e->nusers; k++)
			if (e->users[k].account == a && e->users[k].firm != f)
				return tg_cfg_fail(c, "[%s] account '%s' is already in firm %s",
						   secs[i], acct, e->firms[e->users[k].firm].name);
		u = realloc(e->users, (e->nusers + 1) * sizeof(*u));
		if (!u)
			return -ENOMEM;
		e->users = u;
		memset(&u[e->nusers], 0, sizeof(*u));
		strcpy(u[e->nusers].name, name);
		u[e->nusers].account = (uint16_t)a;
		u[e->nusers].firm = (uint16_t)f;
		e->nusers++;
	}
	for (int i = 0; i < nsecs; i++) {
		if (!strncmp(secs[i], "firm.", 5)) {
			rc = tg_cfg_add_firm(c, secs[i] + 5, secs[i]);
			if (rc < 0)
				return rc;
		} else if (!strncmp(secs[i], "account.", 8) &&
			   tg_engine_account_find(e, secs[i] + 8) < 0) {
			return tg_cfg_fail(c, "[%s]: no user trades for this account", secs[i]);
		}
	}
	return 0;
}

static int
tg_cfg_stocks(struct tg_cfg_ctx *c)
{
	struct rte_cfgfile_entry *ent;
	int n = tg_cfg_entries(c, "gateway", &ent), rc = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n && rc == 0; i++) {
		if (strcmp(ent[i].name, "stocks"))
			continue;
		c->e->fixed_stocks = true;
		rc = tg_cfg_symbols(c, "gateway", "stocks", ent[i].value, tg_cfg_stock_add, NULL);
	}
	if (rc == 0 && c->e->fixed_stocks && tg_stocks_count(c->e->stocks) == 0)
		rc = tg_cfg_fail(c, "[gateway] stocks: no symbols (leave the key out to allow any)");
	free(ent);
	return rc;
}

static int
tg_cfg_build(struct tg_cfg_ctx *c)
{
	struct tg_engine *e = c->e;
	uint32_t max_orders = TG_ENGINE_DEF_MAX_ORDERS;
	uint32_t max_tokens = TG_ENGINE_DEF_MAX_TOKENS;
	uint32_t max_stocks = TG_ENGINE_DEF_MAX_STOCKS;
	bool prefault = false;
	char **secs = NULL;
	int nsecs, rc;

	nsecs = rte_cfgfile_num_sections(c->cfg, "", 0);
	if (nsecs < 0)
		return tg_cfg_fail(c, "configuration: cannot list sections");
	secs = calloc((size_t)nsecs + 1, sizeof(*secs));
	if (!secs)
		return -ENOMEM;
	for (int i = 0; i < nsecs; i++) {
		secs[i] = calloc(1, CFG_NAME_LEN);
		if (!secs[i]) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (nsecs && rte_cfgfile_sections(c->cfg, secs, nsecs) != nsecs) {
		rc = tg_cfg_fail(c, "configuration: cannot list sections");
		goto out;
	}
	rc = tg_cfg_engine(c, &max_orders, &max_tokens, &max_stocks, &prefault);
	if (rc < 0)
		goto out;
	rc = tg_cfg_users(c, secs, nsecs);
	if (rc < 0)
		goto out;
	e->match = tg_match_new(max_orders, max_stocks, prefault);
	e->tokens = tg_tokens_new(max_tokens, prefault);
	e->stocks = tg_stocks_new(max_stocks);
	e->risk = tg_risk_new(e->naccounts, e->nfirms, max_stocks, prefault);
	if (!e->match || !e->tokens || !e->stocks || !e->risk) {
		rc = tg_cfg_fail(c, "[engine]: cannot allocate %u orders, %u tokens, %u stocks",
				 max_orders, max_tokens, max_stocks);
		goto out;
	}
	rc = tg_cfg_stocks(c);
	if (rc < 0)
		goto out;
	/* defaults first, then what each firm and account says */
	if (rte_cfgfile_has_section(c->cfg, "risk")) {
		rc = tg_cfg_risk_section(c, "risk", 0, -1, true);
		if (rc < 0)
			goto out;
	}
	for (int i = 0; i < nsecs && rc == 0; i++)
		if (!strncmp(secs[i], "firm.", 5))
			rc = tg_cfg_risk_section(c, secs[i], 1,
						 tg_engine_firm_find(e, secs[i] + 5), false);
	for (int i = 0; i < nsecs && rc == 0; i++)
		if (!strncmp(secs[i], "account.", 8))
			rc = tg_cfg_risk_section(c, secs[i], 0,
						 tg_engine_account_find(e, secs[i] + 8), true);
out:
	for (int i = 0; i < nsecs; i++)
		free(secs[i]);
	free(secs);
	return rc;
}

int
tg_engine_new(struct rte_cfgfile *cfg, struct tg_engine **out, char *err, size_t errlen)
{
	struct tg_cfg_ctx c = { .cfg = cfg, .err = err, .errlen = errlen };
	struct tg_engine *e;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	if (!cfg) {
		tg_cfg_fail(&c, "no configuration");
		return -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	c.e = e;
	e->next_ref = 1;
	e->next_match = 1;
	rc = tg_cfg_build(&c);
	if (rc < 0) {
		if (rc == -ENOMEM && err && errlen && !err[0])
			snprintf(err, errlen, "configuration: out of memory");
		tg_engine_free(e);
		return rc == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	*out = e;
	return 0;
}

void
tg_engine_free(struct tg_engine *e)
{
	if (!e)
		return;
	tg_match_free_all(e->match);
	tg_risk_free(e->risk);
	tg_tokens_free(e->tokens);
	tg_stocks_free(e->stocks);
	free(e->users);
	free(e->accounts);
	free(e->firms);
	free(e);
}

int
tg_engine_user_find(const struct tg_engine *e, const char *name)
{
	for (unsigned u = 0; u < e->nusers; u++)
		if (!strcmp(e->users[u].name, name))
			return (int)u;
	return -ENOENT;
}

unsigned
tg_engine_users(const struct tg_engine *e)
{
	return e->nusers;
}

const char *
tg_engine_user_name(const struct tg_engine *e, unsigned user)
{
	return user < e->nusers ? e->users[user].name : NULL;
}

const char *
tg_engine_user_firm(const struct tg_engine *e, unsigned user)
{
	return user < e->nusers ? e->firms[e->users[user].firm].name : NULL;
}

const char *
tg_engine_user_account(const struct tg_engine *e, unsigned user)
{
	return user < e->nusers ? e->accounts[e->users[user].account] : NULL;
}
