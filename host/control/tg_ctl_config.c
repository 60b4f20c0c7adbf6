/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's command table and its part of the config file:
 * [control], [metrics] and [operator.NAME].
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cfgfile.h>

#include "control/tg_ctl.h"

/*
 * Who may do what. viewer reads; risk changes limits and stops or
 * resumes accounts and firms; admin does everything. A TOTP code is asked
 * for what stops a whole firm or everything, and for raising a limit.
 */
static const struct tg_ctl_rule tg_ctl_rule_table[] = {
	{ "stats", NULL, TG_CTL_ROLE_VIEWER, TG_CTL_MFA_NO, 0,
	  "counters and latency percentiles" },
	{ "book", NULL, TG_CTL_ROLE_VIEWER, TG_CTL_MFA_NO, 0,
	  "one stock's live book" },
	{ "risk.show", NULL, TG_CTL_ROLE_VIEWER, TG_CTL_MFA_NO, 0,
	  "limits and kill-switch state" },
	{ "audit.head", NULL, TG_CTL_ROLE_VIEWER, TG_CTL_MFA_NO, 0,
	  "the audit log's last record: seq and hash" },
	{ "risk.set", NULL, TG_CTL_ROLE_RISK, TG_CTL_MFA_RAISE, 1,
	  "set a limit of a firm or account (TOTP when it raises the limit)" },
	{ "kill", "account", TG_CTL_ROLE_RISK, TG_CTL_MFA_NO, 1,
	  "cancel an account's orders and refuse new ones" },
	{ "kill", "firm", TG_CTL_ROLE_RISK, TG_CTL_MFA_YES, 1,
	  "cancel a firm's orders and refuse new ones" },
	{ "kill", "all", TG_CTL_ROLE_ADMIN, TG_CTL_MFA_YES, 1,
	  "cancel every order and refuse new ones" },
	{ "resume", "account", TG_CTL_ROLE_RISK, TG_CTL_MFA_NO, 1,
	  "accept an account's orders again" },
	{ "resume", "firm", TG_CTL_ROLE_RISK, TG_CTL_MFA_NO, 1,
	  "accept a firm's orders again" },
	{ "resume", "all", TG_CTL_ROLE_ADMIN, TG_CTL_MFA_NO, 1,
	  "accept orders again after kill all" },
	{ "reload", NULL, TG_CTL_ROLE_ADMIN, TG_CTL_MFA_NO, 1,
	  "re-read the operators (and what the application reloads)" },
	{ NULL, NULL, TG_CTL_ROLE_NONE, 0, 0, NULL },
};

/* The command table. */
const struct tg_ctl_rule *
tg_ctl_rules(void)
{
	return tg_ctl_rule_table;
}

/* The row for cmd and scope; rows without a scope match any. */
const struct tg_ctl_rule *
tg_ctl_rule_find(const char *cmd, const char *scope)
{
	for (const struct tg_ctl_rule *r = tg_ctl_rule_table; r->cmd; r++) {
		if (strcmp(r->cmd, cmd))
			continue;
		if (!r->scope || (scope && !strcmp(r->scope, scope)))
			return r;
	}
	return NULL;
}

/* A role as the config and the audit log spell it. */
const char *
tg_ctl_role_name(enum tg_ctl_role r)
{
	switch (r) {
	case TG_CTL_ROLE_VIEWER:
		return "viewer";
	case TG_CTL_ROLE_RISK:
		return "risk";
	case TG_CTL_ROLE_ADMIN:
		return "admin";
	default:
		return "none";
	}
}

/* Every key at its default, no operators. */
void
tg_ctl_config_default(struct tg_ctl_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket, sizeof(c->socket), "%s", TG_CTL_DEFAULT_SOCKET);
	snprintf(c->audit, sizeof(c->audit), "%s", TG_CTL_DEFAULT_AUDIT);
	snprintf(c->metrics_listen, sizeof(c->metrics_listen), "%s", TG_CTL_DEFAULT_METRICS);
	c->timeout_ms = TG_CTL_DEFAULT_TIMEOUT_MS;
}

/* Free (and wipe: TOTP secrets) the operators. */
void
tg_ctl_config_free(struct tg_ctl_config *c)
{
	if (c->operators) {
		/* the TOTP secrets */
		memset(c->operators, 0, c->n_operators * sizeof(*c->operators));
		free(c->operators);
	}
	c->operators = NULL;
	c->n_operators = 0;
}

/* The operator section of a user name, or NULL. */
const struct tg_ctl_operator *
tg_ctl_config_operator(const struct tg_ctl_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_operators; i++)
		if (!strcmp(c->operators[i].name, name))
			return &c->operators[i];
	return NULL;
}

/* A string key into dst; -EINVAL if empty or too long. */
static int
tg_ctl_config_str(struct rte_cfgfile *cf, const char *sec, const char *key,
		  char *dst, size_t n, char *err, size_t errlen)
{
	const char *v = rte_cfgfile_get_entry(cf, sec, key);

	if (!v)
		return 0;
	if (!*v || strlen(v) >= n) {
		snprintf(err, errlen, "[%s] %s: %s", sec, key, *v ? "too long" : "empty");
		return -EINVAL;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* Unix user names: letters, digits, '.', '_', '-' (and a final '$'). */
static int
tg_ctl_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TG_CTL_NAME_MAX || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' ||
		      (ch == '$' && i == n - 1)))
			return 0;
	}
	return 1;
}

/* One [operator.NAME] section into op. */
static int
tg_ctl_config_operator_load(struct rte_cfgfile *cf, const char *sec, unsigned flags,
			    struct tg_ctl_operator *op, char *err, size_t errlen)
{
	int n = rte_cfgfile_section_num_entries(cf, sec);
	struct rte_cfgfile_entry *e;
	const char *name = sec + strlen("operator.");
	const char *role = NULL;
	int rc = 0;

	if (!tg_ctl_name_ok(name)) {
		snprintf(err, errlen, "[%s]: '%s' is not a Unix user name", sec, name);
		return -EINVAL;
	}
	snprintf(op->name, sizeof(op->name), "%s", name);
	if (n < 0 || !(e = calloc((size_t)n + 1, sizeof(*e))))
		return -ENOMEM;
	n = rte_cfgfile_section_entries(cf, sec, e, n);
	for (int i = 0; i < n && !rc; i++) {
		if (!strcmp(e[i].name, "role")) {
			role = rte_cfgfile_get_entry(cf, sec, "role");
		} else if (!strcmp(e[i].name, "totp_secret_file")) {
			if (!e[i].value[0] || strlen(e[i].value) >= sizeof(op->totp_file)) {
				snprintf(err, errlen, "[%s] totp_secret_file: empty or too long", sec);
				rc = -EINVAL;
			} else {
				snprintf(op->totp_file, sizeof(op->totp_file), "%s", e[i].value);
				op->has_totp = 1;
			}
		} else {
			snprintf(err, errlen, "[%s]: unknown key '%s' (role, totp_secret_file)",
				 sec, e[i].name);
			rc = -EINVAL;
		}
	}
	free(e);
	if (rc)
		return rc;
	if (!role) {
		snprintf(err, errlen, "[%s]: no role (viewer, risk or admin)", sec);
		return -EINVAL;
	}
	if (!strcmp(role, "viewer"))
		op->role = TG_CTL_ROLE_VIEWER;
	else if (!strcmp(role, "risk"))
		op->role = TG_CTL_ROLE_RISK;
	else if (!strcmp(role, "admin"))
		op->role = TG_CTL_ROLE_ADMIN;
	else {
		snprintf(err, errlen, "[%s] role: '%s' is not viewer, risk or admin", sec, role);
		return -EINVAL;
	}
	if (op->has_totp && (flags & TG_CTL_CONFIG_SECRETS)) {
		char why[PATH_MAX + 128];

		if ((rc = tg_totp_load(op->totp_file, &op->totp, why, sizeof(why)))) {
			snprintf(err, errlen, "[%s] %s", sec, why);
			return rc;
		}
	}
	return 0;
}

/* Read [control], [metrics] and every [operator.NAME]. */
int
tg_ctl_config_load(const char *path, unsigned flags, struct tg_ctl_config *c,
		   char *err, size_t errlen)
{
	struct rte_cfgfile *cf;
	char **every = NULL;
	const char *v;
	int n, total = 0, rc = 0;

	tg_ctl_config_default(c);
	if (access(path, R_OK)) {
		rc = -errno;
		snprintf(err, errlen, "cannot read config %s: %s", path, strerror(errno));
		return rc;
	}
	if (!(cf = rte_cfgfile_load(path, 0))) {
		snprintf(err, errlen, "cannot parse config %s", path);
		return -EINVAL;
	}
	if ((rc = tg_ctl_config_str(cf, "control", "socket", c->socket, sizeof(c->socket), err, errlen)) ||
	    (rc = tg_ctl_config_str(cf, "control", "audit", c->audit, sizeof(c->audit), err, errlen)) ||
	    (rc = tg_ctl_config_str(cf, "metrics", "listen", c->metrics_listen,
				    sizeof(c->metrics_listen), err, errlen)))
		goto out;
	if ((v = rte_cfgfile_get_entry(cf, "control", "timeout_ms"))) {
		char *end;
		unsigned long t = strtoul(v, &end, 10);

		if (*end || end == v || t < 1 || t > 60000) {
			snprintf(err, errlen, "[control] timeout_ms: '%s' is not 1 to 60000", v);
			rc = -EINVAL;
			goto out;
		}
		c->timeout_ms = (unsigned)t;
	}
	n = rte_cfgfile_num_sections(cf, "operator.", strlen("operator."));
	if (n <= 0)
		goto out;
	/* rte_cfgfile_sections() lists every section: pick ours by prefix */
	total = rte_cfgfile_num_sections(cf, "", 0);
	c->operators = calloc((size_t)n, sizeof(*c->operators));
	every = calloc((size_t)total, sizeof(*every));
	if (!c->operators || !every) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < total; i++)
		if (!(every[i] = malloc(CFG_NAME_LEN)))
			rc = -ENOMEM;
	if (!rc && rte_cfgfile_sections(cf, every, total) != total)
		rc = -EIO;
	for (int i = 0; i < total && !rc; i++) {
		if (strncmp(every[i], "operator.", strlen("operator.")))
			continue;
		struct tg_ctl_operator *op = &c->operators[c->n_operators];

		rc = tg_ctl_config_operator_load(cf, every[i], flags, op, err, errlen);
		if (!rc && tg_ctl_config_operator(c, op->name)) {
			snprintf(err, errlen, "[%s]: appears twice", every[i]);
			rc = -EINVAL;
		}
		if (!rc)
			c->n_operators++;
	}
out:
	for (int i = 0; every && i < total; i++)
		free(every[i]);
	free(every);
	rte_cfgfile_close(cf);
	if (rc)
		tg_ctl_config_free(c);
	return rc;
}
