/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's settings from the config file: the [gateway] keys with
 * their defaults (docs/gateway.md) and the password hash of every user
 * the engine knows. A user without a well-formed hash is an error at
 * start-up rather than a login that can never succeed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <rte_cfgfile.h>

#include "gateway/tg_gw_int.h"
#include "order/tg_engine.h"

/* Format a message into err; returns -EINVAL. */
static int
tg_gw_config_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* An unsigned decimal key within [lo, hi]; absent keeps *v. 0 or -EINVAL. */
static int
tg_gw_config_uint(struct rte_cfgfile *cf, const char *key, uint64_t lo,
		  uint64_t hi, uint64_t *v, char *err, size_t errlen)
{
	const char *s = rte_cfgfile_get_entry(cf, "gateway", key);
	unsigned long long x;
	char *end;

	if (!s)
		return 0;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || x < lo || x > hi)
		return tg_gw_config_err(err, errlen,
					"[gateway] %s: '%s' is not a whole number in %llu..%llu",
					key, s, (unsigned long long)lo,
					(unsigned long long)hi);
	*v = x;
	return 0;
}

/* A login name as the space-padded a6 field of the wire and the journal. */
void
tg_gw_user_field(char out[TG_GW_USER_LEN], const char *name)
{
	size_t n = strlen(name);

	memset(out, ' ', TG_GW_USER_LEN);
	memcpy(out, name, n < TG_GW_USER_LEN ? n : TG_GW_USER_LEN);
}

/* Settings with their defaults, then every user's hash, checked for shape. */
int
tg_gw_config_load(struct rte_cfgfile *cf, const struct tg_engine *e,
		  struct tg_gw_config *c, char *err, size_t errlen)
{
	uint64_t hb = 1000, to = 15000, maxs = TG_GW_DEFAULT_MAX_SESSIONS;
	uint64_t sb = TG_GW_DEFAULT_SEND_BUFFER, seg = 256, ssb = 0;
	const char *s;
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "%s",
		 (s = rte_cfgfile_get_entry(cf, "gateway", "listen")) ? s : TG_GW_DEFAULT_LISTEN);
	snprintf(c->sealed_listen, sizeof(c->sealed_listen), "%s",
		 (s = rte_cfgfile_get_entry(cf, "gateway", "sealed_listen")) ? s : "");
	snprintf(c->journal, sizeof(c->journal), "%s",
		 (s = rte_cfgfile_get_entry(cf, "gateway", "journal")) ? s : TG_GW_DEFAULT_JOURNAL);
	c->sync = 1;
	if ((s = rte_cfgfile_get_entry(cf, "gateway", "sync"))) {
		if (!strcmp(s, "yes") || !strcmp(s, "1") || !strcmp(s, "true"))
			c->sync = 1;
		else if (!strcmp(s, "no") || !strcmp(s, "0") || !strcmp(s, "false"))
			c->sync = 0;
		else
			return tg_gw_config_err(err, errlen,
						"[gateway] sync: '%s' is not yes or no", s);
	}
	if ((rc = tg_gw_config_uint(cf, "heartbeat_ms", 10, 60000, &hb, err, errlen)) ||
	    (rc = tg_gw_config_uint(cf, "timeout_ms", 50, 3600000, &to, err, errlen)) ||
	    (rc = tg_gw_config_uint(cf, "max_sessions", 1, 65536, &maxs, err, errlen)) ||
	    (rc = tg_gw_config_uint(cf, "send_buffer", 4096, 1u << 30, &sb, err, errlen)) ||
	    (rc = tg_gw_config_uint(cf, "socket_sndbuf", 0, 1u << 30, &ssb, err, errlen)) ||
	    (rc = tg_gw_config_uint(cf, "journal_segment_mb", 1, 65536, &seg, err, errlen)))
		return rc;
	if (to <= hb)
		return tg_gw_config_err(err, errlen,
					"[gateway] timeout_ms (%llu) must exceed heartbeat_ms (%llu)",
					(unsigned long long)to, (unsigned long long)hb);
	c->heartbeat_ns = hb * 1000000ull;
	c->timeout_ns = to * 1000000ull;
	c->max_sessions = (unsigned)maxs;
	c->send_buffer = sb;
	c->segment_bytes = (size_t)seg << 20;
	c->socket_sndbuf = (int)ssb;

	c->n_users = tg_engine_users(e);
	c->users = calloc(c->n_users ? c->n_users : 1, sizeof(*c->users));
	if (!c->users)
		return -ENOMEM;
	for (unsigned i = 0; i < c->n_users; i++) {
		const char *name = tg_engine_user_name(e, i);
		struct tg_gw_user *u = &c->users[i];
		char sec[CFG_NAME_LEN];

		if (!name || !*name || strlen(name) > TG_GW_USER_LEN || strchr(name, ' '))
			return tg_gw_config_err(err, errlen,
						"[user.%s]: a login name is 1 to 6 characters without spaces",
						name ? name : "");
		snprintf(u->name, sizeof(u->name), "%s", name);
		snprintf(sec, sizeof(sec), "user.%s", name);
		s = rte_cfgfile_get_entry(cf, sec, "password");
		if (!s)
			return tg_gw_config_err(err, errlen,
						"[%s] password: missing (the output of `tickgate passwd`)",
						sec);
		if (tg_gw_passwd_check(s))
			return tg_gw_config_err(err, errlen,
						"[%s] password: not a hash from `tickgate passwd`",
						sec);
		snprintf(u->hash, sizeof(u->hash), "%s", s);
	}
	return 0;
}

/* Free what tg_gw_config_load() allocated. */
void
tg_gw_config_free(struct tg_gw_config *c)
{
	if (c->users)
		OPENSSL_cleanse(c->users, c->n_users * sizeof(*c->users));
	free(c->users);
	c->users = NULL;
}
