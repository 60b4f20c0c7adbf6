/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket end to end, through a real Unix socket: the test
 * process is the caller, its own user name is mapped to each role in turn
 * by the config it writes, and every command of the documented table is
 * tried with each role (the expected matrix is written out here from
 * docs/control.md, not read from the code). TOTP codes come from liboath
 * directly; the audit log is read back after every request. The hot path
 * is a thread of this test that owns the application's state and drains
 * the hand-over ring.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <liboath/oath.h>

#include "control/tg_audit.h"
#include "control/tg_ctl.h"
#include "control/tg_metrics.h"

/* base32 of "12345678901234567890" */
#define SECRET_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static char dir[32], cfgp[128], sockp[100], auditp[128], secretp[128], me[64];
static time_t fake_now;

static time_t
test_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

/* ---- the application: kill switches and limits, owned by the "hot path" ---- */

enum { K_KILL = 1, K_RESUME, K_SET };

struct change {
	int kind;
	char scope[8];
	char name[32];
	char key[32];
	long long value;
};

struct app {
	/* owned by the hot-path thread (apply) */
	int killed_all;
	char killed[16][48];	/* "firm:ACME", "account:A1" */
	long long limit[4];	/* max_order_shares of ACME, BETA, A1, A2; -1 = none */
	/* control thread */
	long long mirror[4];
	int reloads;
	/* the hot-path thread */
	pthread_t owner;
	int stop, paused;
};

static struct app app;
static struct tg_ctl *ctl;

static int
limit_index(const char *scope, const char *name)
{
	static const char *const names[] = { "firm:ACME", "firm:BETA", "account:A1", "account:A2" };
	char k[48];

	snprintf(k, sizeof(k), "%s:%s", scope, name);
	for (int i = 0; i < 4; i++)
		if (!strcmp(k, names[i]))
			return i;
	return -1;
}

static int
app_killed(const char *what)
{
	for (int i = 0; i < 16; i++)
		if (!strcmp(app.killed[i], what))
			return 1;
	return 0;
}

static int
prep_switch(void *ctx, const char *cmd, json_t *args, void *change, char *err, size_t errlen)
{
	struct change *c = change;
	const char *scope = json_string_value(json_object_get(args, "scope"));
	const char *name = json_string_value(json_object_get(args, "name"));

	(void)ctx;
	c->kind = strcmp(cmd, "kill") ? K_RESUME : K_KILL;
	snprintf(c->scope, sizeof(c->scope), "%s", scope);
	if (strcmp(scope, "all")) {
		if (!name || !*name) {
			snprintf(err, errlen, "%s %s needs a name", cmd, scope);
			return -EINVAL;
		}
		snprintf(c->name, sizeof(c->name), "%s", name);
	}
	return 0;
}

static int
prep_set(void *ctx, const char *cmd, json_t *args, void *change, char *err, size_t errlen)
{
	struct change *c = change;
	json_t *v = json_object_get(args, "value");

	(void)ctx, (void)cmd;
	c->kind = K_SET;
	snprintf(c->scope, sizeof(c->scope), "%s", json_string_value(json_object_get(args, "scope")) ?: "");
	snprintf(c->name, sizeof(c->name), "%s", json_string_value(json_object_get(args, "name")) ?: "");
	snprintf(c->key, sizeof(c->key), "%s", json_string_value(json_object_get(args, "key")) ?: "");
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "value must be an integer");
		return -EINVAL;
	}
	c->value = json_integer_value(v);
	return 0;
}

/* On the hot path: no allocation, no system call. */
static int
apply_change(void *ctx, void *change)
{
	struct change *c = change;
	char k[48];

	(void)ctx;
	if (c->kind == K_SET) {
		int i = limit_index(c->scope, c->name);
		if (i < 0 || strcmp(c->key, "max_order_shares"))
			return -ENOENT;
		app.limit[i] = c->value;
		return 0;
	}
	if (!strcmp(c->scope, "all")) {
		app.killed_all = c->kind == K_KILL;
		return 0;
	}
	if (!strcmp(c->name, "NOPE"))
		return -ENOENT;
	snprintf(k, sizeof(k), "%s:%s", c->scope, c->name);
	for (int i = 0; i < 16; i++) {
		if (c->kind == K_KILL && !app.killed[i][0]) {
			memcpy(app.killed[i], k, sizeof(k));
			return 0;
		}
		if (c->kind == K_RESUME && !strcmp(app.killed[i], k)) {
			app.killed[i][0] = 0;
			return 0;
		}
	}
	return c->kind == K_RESUME ? 0 : -ENOSPC;
}

static int
reply_change(void *ctx, const char *cmd, json_t *args, const void *change, int status,
	     json_t *reply, char *err, size_t errlen)
{
	const struct change *c = change;

	(void)ctx, (void)args;
	if (status == -ENOENT) {
		snprintf(err, errlen, "%s: no such %s '%s'", cmd, c->scope, c->name);
		return status;
	}
	if (c->kind == K_SET && !status)
		app.mirror[limit_index(c->scope, c->name)] = c->value;
	json_object_set_new(reply, "applied", json_string(cmd));
	return 0;
}

/* Raising: a higher value, or no limit (-1), where there was a limit or a lower one. */
static int
raises(void *ctx, json_t *args, char *err, size_t errlen)
{
	const char *scope = json_string_value(json_object_get(args, "scope"));
	const char *name = json_string_value(json_object_get(args, "name"));
	json_t *v = json_object_get(args, "value");
	int i;

	(void)ctx;
	if (!scope || !name || !json_is_integer(v) || (i = limit_index(scope, name)) < 0) {
		snprintf(err, errlen, "risk.set wants scope, name, key and an integer value");
		return -EINVAL;
	}
	long long now = app.mirror[i], want = json_integer_value(v);
	if (now < 0)
		return 0;
	return want < 0 || want > now;
}

static int
reply_stats(void *ctx, const char *cmd, json_t *args, const void *change, int status,
	    json_t *reply, char *err, size_t errlen)
{
	(void)ctx, (void)change, (void)status, (void)err, (void)errlen;
	json_object_set_new(reply, "cmd", json_string(cmd));
	if (json_object_get(args, "stock"))
		json_object_set(reply, "stock", json_object_get(args, "stock"));
	json_object_set_new(reply, "orders", json_integer(42));
	/* a handler cannot turn a reply into a success by itself */
	json_object_set_new(reply, "ok", json_false());
	return 0;
}

static int
reply_reload(void *ctx, const char *cmd, json_t *args, const void *change, int status,
	     json_t *reply, char *err, size_t errlen)
{
	(void)ctx, (void)cmd, (void)args, (void)change, (void)status, (void)err, (void)errlen;
	app.reloads++;
	json_object_set_new(reply, "reloaded", json_true());
	return 0;
}

static void *
owner_loop(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&app.stop, __ATOMIC_ACQUIRE)) {
		if (!__atomic_load_n(&app.paused, __ATOMIC_ACQUIRE))
			tg_ctl_poll(ctl, 8);
		usleep(100);
	}
	return NULL;
}

/* ---- set-up ---- */

static void
write_config(const char *role, int with_totp, unsigned timeout_ms)
{
	FILE *f = fopen(cfgp, "w");

	cr_assert(f);
	fprintf(f, "[control]\nsocket = %s ; a comment\naudit = %s\ntimeout_ms = %u\n\n",
		sockp, auditp, timeout_ms);
	fprintf(f, "[metrics]\nlisten = 127.0.0.1:0\n\n");
	/* someone else, so that a missing section for us is not an empty table */
	fprintf(f, "[operator.tg_nobody_here]\nrole = admin\n\n");
	if (role) {
		fprintf(f, "[operator.%s]\nrole = %s\n", me, role);
		if (with_totp)
			fprintf(f, "totp_secret_file = %s\n", secretp);
	}
	fclose(f);
}

static void
setup(void)
{
	struct passwd *pw = getpwuid(getuid());
	int fd;

	cr_assert(pw, "this uid has no user name");
	snprintf(me, sizeof(me), "%s", pw->pw_name);
	snprintf(dir, sizeof(dir), "/tmp/tg-ctl-XXXXXX");
	cr_assert(mkdtemp(dir));
	snprintf(cfgp, sizeof(cfgp), "%s/tickgate.ini", dir);
	snprintf(sockp, sizeof(sockp), "%s/run/ctl/control.sock", dir);
	snprintf(auditp, sizeof(auditp), "%s/lib/audit.log", dir);
	snprintf(secretp, sizeof(secretp), "%s/me.totp", dir);
	fd = open(secretp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, SECRET_B32 "\n", 33), 33);
	close(fd);
	cr_assert_eq(oath_init(), OATH_OK);
	fake_now = 1700000000;
	memset(&app, 0, sizeof(app));
	for (int i = 0; i < 4; i++)
		app.limit[i] = app.mirror[i] = 1000;
}

static void
teardown(void)
{
	char cmd[128];

	if (ctl) {
		__atomic_store_n(&app.stop, 1, __ATOMIC_RELEASE);
		pthread_join(app.owner, NULL);
		tg_ctl_free(ctl);
		ctl = NULL;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(control_ctl, .init = setup, .fini = teardown, .timeout = 120);

static void
start_ctl(void)
{
	struct tg_ctl_config cfg;
	struct tg_ctl_opts o = { .config_path = cfgp, .now = test_clock };
	char err[512] = "";
	static const struct tg_ctl_handler sw = {
		.prepare = prep_switch, .apply = apply_change, .reply = reply_change,
	};
	static const struct tg_ctl_handler set = {
		.prepare = prep_set, .apply = apply_change, .reply = reply_change, .raises = raises,
	};
	static const struct tg_ctl_handler stats = { .reply = reply_stats };
	static const struct tg_ctl_handler rel = { .reply = reply_reload };

	cr_assert_eq(tg_ctl_config_load(cfgp, TG_CTL_CONFIG_SECRETS, &cfg, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(tg_ctl_new(&cfg, &o, &ctl, err, sizeof(err)), 0, "%s", err);
	tg_ctl_config_free(&cfg);
	cr_assert_eq(tg_ctl_register(ctl, "kill", &sw), 0);
	cr_assert_eq(tg_ctl_register(ctl, "resume", &sw), 0);
	cr_assert_eq(tg_ctl_register(ctl, "risk.set", &set), 0);
	cr_assert_eq(tg_ctl_register(ctl, "stats", &stats), 0);
	cr_assert_eq(tg_ctl_register(ctl, "book", &stats), 0);
	cr_assert_eq(tg_ctl_register(ctl, "risk.show", &stats), 0);
	cr_assert_eq(tg_ctl_register(ctl, "reload", &rel), 0);
	cr_assert_eq(tg_ctl_register(ctl, "launch", &rel), -ENOENT);
	cr_assert_eq(tg_ctl_register(ctl, "stats", &rel), -EEXIST);
	cr_assert_eq(tg_ctl_start(ctl, err, sizeof(err)), 0, "%s", err);
	app.stop = 0;
	cr_assert_eq(pthread_create(&app.owner, NULL, owner_loop, NULL), 0);
}

static void
stop_ctl(void)
{
	__atomic_store_n(&app.stop, 1, __ATOMIC_RELEASE);
	pthread_join(app.owner, NULL);
	tg_ctl_free(ctl);
	ctl = NULL;
}

static void
reload(void)
{
	char err[512] = "";

	cr_assert_eq(tg_ctl_reload(ctl, err, sizeof(err)), 0, "%s", err);
}

/* The code for the fake clock's time, by liboath itself. */
static void
code_now(char out[7])
{
	cr_assert_eq(oath_totp_generate("12345678901234567890", 20, fake_now, 30, 0, 6, out), OATH_OK);
}

/* Send a raw line, return the parsed reply. */
static json_t *
send_line(const char *line)
{
	char err[512], *out = NULL;
	json_error_t e;
	int rc = tg_ctl_request(sockp, line, 5000, &out, err, sizeof(err));

	cr_assert_eq(rc, 0, "%s", err);
	json_t *j = json_loads(out, 0, &e);
	cr_assert(j, "reply is not JSON: %s", out);
	free(out);
	return j;
}

static json_t *
call(const char *cmd, const char *args_json, const char *totp)
{
	char line[1024];

	if (totp)
		snprintf(line, sizeof(line), "{\"cmd\":\"%s\",\"args\":%s,\"totp\":\"%s\"}", cmd,
			 args_json, totp);
	else
		snprintf(line, sizeof(line), "{\"cmd\":\"%s\",\"args\":%s}", cmd, args_json);
	return send_line(line);
}

static int
is_ok(json_t *r)
{
	return json_is_true(json_object_get(r, "ok"));
}

static const char *
error_of(json_t *r)
{
	const char *e = json_string_value(json_object_get(r, "error"));

	return e ? e : "";
}

/* The last n records of the audit log (array, oldest first). */
static json_t *
audit_tail(size_t n)
{
	FILE *f = fopen(auditp, "r");
	char *line = NULL;
	size_t cap = 0;
	json_t *all = json_array();

	cr_assert(f);
	while (getline(&line, &cap, f) > 0) {
		json_error_t e;
		json_t *j = json_loads(line, 0, &e);
		cr_assert(j, "audit line is not JSON: %s", line);
		json_array_append_new(all, j);
	}
	free(line);
	fclose(f);
	size_t total = json_array_size(all);
	cr_assert_geq(total, n);
	json_t *tail = json_array();
	for (size_t i = total - n; i < total; i++)
		json_array_append(tail, json_array_get(all, i));
	json_decref(all);
	return tail;
}

static const char *
str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "(none)";
}

/* ---- roles on every command ---- */

struct row {
	const char *cmd;
	const char *args;
	int mfa;		/* the request carries a fresh code */
	int changes;		/* an outcome record follows the request record */
	int allowed[4];		/* none, viewer, risk, admin: from docs/control.md */
};

static const struct row matrix[] = {
	{ "stats", "{}", 0, 0, { 0, 1, 1, 1 } },
	{ "book", "{\"stock\":\"AAPL\"}", 0, 0, { 0, 1, 1, 1 } },
	{ "risk.show", "{}", 0, 0, { 0, 1, 1, 1 } },
	{ "audit.head", "{}", 0, 0, { 0, 1, 1, 1 } },
	{ "risk.set", "{\"scope\":\"firm\",\"name\":\"ACME\",\"key\":\"max_order_shares\",\"value\":900}",
	  0, 1, { 0, 0, 1, 1 } },
	{ "risk.set", "{\"scope\":\"firm\",\"name\":\"BETA\",\"key\":\"max_order_shares\",\"value\":5000}",
	  1, 1, { 0, 0, 1, 1 } },
	{ "kill", "{\"scope\":\"account\",\"name\":\"A1\"}", 0, 1, { 0, 0, 1, 1 } },
	{ "kill", "{\"scope\":\"firm\",\"name\":\"ACME\"}", 1, 1, { 0, 0, 1, 1 } },
	{ "kill", "{\"scope\":\"all\"}", 1, 1, { 0, 0, 0, 1 } },
	{ "resume", "{\"scope\":\"account\",\"name\":\"A1\"}", 0, 1, { 0, 0, 1, 1 } },
	{ "resume", "{\"scope\":\"firm\",\"name\":\"ACME\"}", 0, 1, { 0, 0, 1, 1 } },
	{ "resume", "{\"scope\":\"all\"}", 0, 1, { 0, 0, 0, 1 } },
	{ "reload", "{}", 0, 1, { 0, 0, 0, 1 } },
};

static const char *const roles[] = { NULL, "viewer", "risk", "admin" };

Test(control_ctl, every_role_on_every_command)
{
	write_config(NULL, 1, 2000);
	start_ctl();
	for (int ri = 0; ri < 4; ri++) {
		write_config(roles[ri], 1, 2000);
		reload();
		for (size_t k = 0; k < sizeof(matrix) / sizeof(matrix[0]); k++) {
			const struct row *m = &matrix[k];
			char code[7], what[96];
			int kills_before = app_killed("firm:ACME") + app_killed("account:A1");
			int all_before = app.killed_all;
			long long beta_before = app.limit[1];

			snprintf(what, sizeof(what), "role %s, %s %s", roles[ri] ? roles[ri] : "none",
				 m->cmd, m->args);
			if (m->mfa) {
				fake_now += 30;	/* a fresh step, so the code is not a replay */
				code_now(code);
			}
			json_t *r = call(m->cmd, m->args, m->mfa ? code : NULL);
			int want = m->allowed[ri];

			cr_assert_eq(is_ok(r), want, "%s: %s", what, json_dumps(r, 0));
			if (!want && ri == 0)
				cr_assert(strstr(error_of(r), "is not an operator"), "%s: %s", what, error_of(r));
			else if (!want)
				cr_assert(strstr(error_of(r), "may not"), "%s: %s", what, error_of(r));
			/* the audit log says the same, before and after */
			json_t *tail = audit_tail(want && m->changes ? 2 : 1);
			json_t *req = json_array_get(tail, 0);
			cr_assert_str_eq(str(req, "event"), "request", "%s", what);
			cr_assert_str_eq(str(req, "user"), me);
			cr_assert_str_eq(str(req, "role"), roles[ri] ? roles[ri] : "none");
			cr_assert_str_eq(str(req, "cmd"), m->cmd);
			cr_assert_str_eq(str(req, "result"), want ? "authorized" : "refused", "%s", what);
			cr_assert_eq(json_integer_value(json_object_get(req, "uid")), (json_int_t)getuid());
			cr_assert_eq(json_integer_value(json_object_get(r, "audit")),
				     json_integer_value(json_object_get(req, "seq")), "%s", what);
			if (want && m->changes) {
				json_t *out = json_array_get(tail, 1);
				cr_assert_str_eq(str(out, "event"), "outcome");
				cr_assert_str_eq(str(out, "result"), "ok", "%s", what);
				cr_assert_eq(json_integer_value(json_object_get(out, "request")),
					     json_integer_value(json_object_get(req, "seq")));
			}
			/* and a refused request changed nothing */
			if (!want) {
				cr_assert_eq(app_killed("firm:ACME") + app_killed("account:A1"), kills_before,
					     "%s", what);
				cr_assert_eq(app.killed_all, all_before, "%s", what);
				cr_assert_eq(app.limit[1], beta_before, "%s", what);
			}
			json_decref(tail);
			json_decref(r);
		}
		/* the allowed changes happened: kill then resume leaves nothing killed */
		if (ri >= 2) {
			cr_assert_eq(app.limit[0], 900);
			cr_assert_eq(app.limit[1], 5000);
			cr_assert(!app_killed("firm:ACME") && !app_killed("account:A1"));
			cr_assert_eq(app.killed_all, 0);
			app.limit[1] = app.mirror[1] = 1000;	/* so raising is raising again */
		}
	}
	cr_assert_eq(app.reloads, 1);
	struct tg_audit_report rep;
	cr_assert_eq(tg_audit_verify(auditp, &rep), 0, "%s", rep.why);
	struct tg_ctl_counters cn;
	tg_ctl_get_counters(ctl, &cn);
	cr_assert_eq(cn.requests, 4 * sizeof(matrix) / sizeof(matrix[0]));
	cr_assert_eq(cn.refused, 13 + 9 + 3);
}

/* A handler's members come through, but "ok" stays the control plane's. */
Test(control_ctl, reply_members)
{
	write_config("viewer", 0, 2000);
	start_ctl();
	json_t *r = call("book", "{\"stock\":\"MSFT\"}", NULL);
	cr_assert(is_ok(r));
	cr_assert_str_eq(str(r, "stock"), "MSFT");
	cr_assert_eq(json_integer_value(json_object_get(r, "orders")), 42);
	json_decref(r);
	r = call("audit.head", "{}", NULL);
	cr_assert(is_ok(r));
	cr_assert_eq(json_integer_value(json_object_get(r, "seq")), 2);
	struct tg_audit_report rep;
	char hex[65];
	cr_assert_eq(tg_audit_verify(auditp, &rep), 0);
	tg_audit_hash_hex(rep.head, hex);
	cr_assert_str_eq(str(r, "hash"), hex);
	json_decref(r);
}

/* ---- MFA ---- */

Test(control_ctl, mfa_right_wrong_replayed)
{
	char code[7], wrong[16];

	write_config("risk", 1, 2000);
	start_ctl();
	code_now(code);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 500000) % 1000000);

	json_t *r = call("kill", "{\"scope\":\"firm\",\"name\":\"ACME\"}", NULL);
	cr_assert(!is_ok(r));
	cr_assert(strstr(error_of(r), "needs a TOTP code"), "%s", error_of(r));
	json_decref(r);
	r = call("kill", "{\"scope\":\"firm\",\"name\":\"ACME\"}", wrong);
	cr_assert(!is_ok(r));
	cr_assert(strstr(error_of(r), "wrong TOTP code"), "%s", error_of(r));
	json_t *t = audit_tail(1);
	cr_assert_str_eq(str(json_array_get(t, 0), "mfa"), "refused");
	cr_assert_str_eq(str(json_array_get(t, 0), "result"), "refused");
	json_decref(t);
	json_decref(r);
	r = call("kill", "{\"scope\":\"firm\",\"name\":\"ACME\"}", "12345");
	cr_assert(strstr(error_of(r), "6 digits"), "%s", error_of(r));
	json_decref(r);
	cr_assert(!app_killed("firm:ACME"));

	r = call("kill", "{\"scope\":\"firm\",\"name\":\"ACME\"}", code);
	cr_assert(is_ok(r), "%s", error_of(r));
	cr_assert(app_killed("firm:ACME"));
	t = audit_tail(2);
	cr_assert_str_eq(str(json_array_get(t, 0), "mfa"), "ok");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(t, 0), "mfa_step")),
		     fake_now / 30);
	json_decref(t);
	json_decref(r);

	/* the same code again: refused, even 20 s later and for another firm */
	fake_now += 20;
	r = call("kill", "{\"scope\":\"firm\",\"name\":\"BETA\"}", code);
	cr_assert(!is_ok(r));
	cr_assert(strstr(error_of(r), "replay"), "%s", error_of(r));
	json_decref(r);
	cr_assert(!app_killed("firm:BETA"));

	/* kill account needs none; resume firm neither */
	r = call("kill", "{\"scope\":\"account\",\"name\":\"A2\"}", NULL);
	cr_assert(is_ok(r), "%s", error_of(r));
	json_decref(r);
	r = call("resume", "{\"scope\":\"firm\",\"name\":\"ACME\"}", NULL);
	cr_assert(is_ok(r), "%s", error_of(r));
	json_decref(r);

	/* raising a limit needs a code, lowering does not */
	r = call("risk.set", "{\"scope\":\"account\",\"name\":\"A1\",\"key\":\"max_order_shares\",\"value\":2000}", NULL);
	cr_assert(!is_ok(r));
	cr_assert(strstr(error_of(r), "needs a TOTP code"), "%s", error_of(r));
	json_decref(r);
	r = call("risk.set", "{\"scope\":\"account\",\"name\":\"A1\",\"key\":\"max_order_shares\",\"value\":-1}", NULL);
	cr_assert(!is_ok(r), "removing a limit raises it");
	json_decref(r);
	r = call("risk.set", "{\"scope\":\"account\",\"name\":\"A1\",\"key\":\"max_order_shares\",\"value\":10}", NULL);
	cr_assert(is_ok(r), "%s", error_of(r));
	json_decref(r);
	cr_assert_eq(app.limit[2], 10);
	fake_now += 30;
	code_now(code);
	r = call("risk.set", "{\"scope\":\"account\",\"name\":\"A1\",\"key\":\"max_order_shares\",\"value\":2000}", code);
	cr_assert(is_ok(r), "%s", error_of(r));
	json_decref(r);
	cr_assert_eq(app.limit[2], 2000);
	/* bad arguments to raises(): a bad request, audited */
	r = call("risk.set", "{\"scope\":\"firm\",\"name\":\"ZED\",\"key\":\"max_order_shares\",\"value\":1}", NULL);
	cr_assert(!is_ok(r));
	cr_assert(strstr(error_of(r), "bad request"), "%s", error_of(r));
	json_decref(r);

	/* the replay rule survives a restart: the steps are in the audit log */
	stop_ctl();
	start_ctl();
	r = call("kill", "{\"scope\":\"firm\",\"name\":\"BETA\"}", code);
	cr_assert(!is_ok(r));
	cr_assert(strstr(error_of(r), "replay"), "%s", error_of(r));
	json_decref(r);
	struct tg_ctl_counters cn;
	tg_ctl_get_counters(ctl, &cn);
	cr_assert_eq(cn.mfa_failures, 1);
}

Test(control_ctl, mfa_without_a_secret)
{
	char code[7];

	write_config("admin", 0, 2000);
	start_ctl();
	code_now(code);
	json_t *r = call("kill", "{\"scope\":\"all\"}", code);
	cr_assert(!is_ok(r));
	cr_assert(strstr(error_of(r), "no totp_secret_file"), "%s", error_of(r));
	json_decref(r);
	cr_assert_eq(app.killed_all, 0);
}

/* A secret file others can read is refused at load, and a reload that meets one keeps the old table. */
Test(control_ctl, secret_file_must_be_root_only)
{
	struct tg_ctl_config cfg;
	char err[512], code[7];

	write_config("admin", 1, 2000);
	start_ctl();
	cr_assert_eq(chmod(secretp, 0644), 0);
	cr_assert_eq(tg_ctl_config_load(cfgp, TG_CTL_CONFIG_SECRETS, &cfg, err, sizeof(err)), -EPERM);
	cr_assert(strstr(err, secretp) && strstr(err, "group or others"), "%s", err);
	/* without secrets (as `tickgate audit verify` reads it) the file is fine */
	cr_assert_eq(tg_ctl_config_load(cfgp, 0, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(cfg.audit, auditp);
	cr_assert_str_eq(cfg.socket, sockp);
	tg_ctl_config_free(&cfg);
	cr_assert_eq(tg_ctl_reload(ctl, err, sizeof(err)), -EPERM);
	json_t *r = call("reload", "{}", NULL);
	cr_assert(!is_ok(r));
	cr_assert(strstr(error_of(r), "group or others"), "%s", error_of(r));
	json_decref(r);
	json_t *t = audit_tail(2);
	cr_assert_str_eq(str(json_array_get(t, 1), "result"), "failed");
	json_decref(t);
	/* the old table still holds the secret */
	fake_now += 30;
	code_now(code);
	r = call("kill", "{\"scope\":\"all\"}", code);
	cr_assert(is_ok(r), "%s", error_of(r));
	json_decref(r);
}

/* ---- bad input ---- */

Test(control_ctl, bad_requests_are_refused_and_audited)
{
	static const struct {
		const char *line;
		const char *why;
	} bad[] = {
		{ "this is not json", "not JSON" },
		{ "[1,2]", "a request is a JSON object" },
		{ "{\"args\":{}}", "no \"cmd\"" },
		{ "{\"cmd\":7}", "\"cmd\" must be a string" },
		{ "{\"cmd\":\"launch\"}", "unknown command 'launch'" },
		{ "{\"cmd\":\"kill\",\"args\":{\"name\":\"ACME\"}}", "needs \"scope\"" },
		{ "{\"cmd\":\"kill\",\"args\":{\"scope\":\"planet\"}}", "needs \"scope\"" },
		{ "{\"cmd\":\"kill\",\"args\":{\"scope\":3}}", "\"scope\" must be a string" },
		{ "{\"cmd\":\"stats\",\"totp\":123456}", "\"totp\" must be a string" },
		{ "{\"cmd\":\"stats\",\"args\":[]}", "\"args\" must be an object" },
		{ "{\"cmd\":\"stats\",\"who\":\"root\"}", "unknown member" },
		{ "{\"cmd\":\"stats\",\"cmd\":\"reload\"}", "not JSON" },
	};

	write_config("admin", 1, 2000);
	start_ctl();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *r = send_line(bad[i].line);

		cr_assert(!is_ok(r), "%s", bad[i].line);
		cr_assert(strstr(error_of(r), "bad request") && strstr(error_of(r), bad[i].why),
			  "%s: %s", bad[i].line, error_of(r));
		json_t *t = audit_tail(1);
		cr_assert_str_eq(str(json_array_get(t, 0), "result"), "refused");
		json_decref(t);
		json_decref(r);
	}
	json_t *t = audit_tail(sizeof(bad) / sizeof(bad[0]));
	cr_assert_str_eq(str(json_array_get(t, 0), "raw"), "this is not json");
	json_decref(t);
	struct tg_ctl_counters cn;
	tg_ctl_get_counters(ctl, &cn);
	cr_assert_eq(cn.bad_requests, sizeof(bad) / sizeof(bad[0]));
	/* the same counters through the metrics endpoint's text */
	struct tg_metrics *m;
	char *text, want[128];
	cr_assert_eq(tg_metrics_new(&m), 0);
	cr_assert_eq(tg_ctl_register_metrics(ctl, m), 0);
	cr_assert_eq(tg_metrics_render(m, &text, NULL), 0);
	snprintf(want, sizeof(want), "\ntickgate_control_bad_requests_total %zu\n", sizeof(bad) / sizeof(bad[0]));
	cr_assert(strstr(text, want), "%s", text);
	snprintf(want, sizeof(want), "\ntickgate_control_requests_total %zu\n", sizeof(bad) / sizeof(bad[0]));
	cr_assert(strstr(text, want), "%s", text);
	cr_assert(strstr(text, "# TYPE tickgate_control_refused_total counter\n"), "%s", text);
	free(text);
	tg_metrics_free(m);
	/* a name the handler refuses: authorized, then failed */
	json_t *r = call("kill", "{\"scope\":\"account\"}", NULL);
	cr_assert(!is_ok(r));
	cr_assert(strstr(error_of(r), "needs a name"), "%s", error_of(r));
	json_decref(r);
	t = audit_tail(2);
	cr_assert_str_eq(str(json_array_get(t, 0), "result"), "authorized");
	cr_assert_str_eq(str(json_array_get(t, 1), "result"), "failed");
	json_decref(t);
	/* the hot path says no such account */
	r = call("kill", "{\"scope\":\"account\",\"name\":\"NOPE\"}", NULL);
	cr_assert(!is_ok(r));
	cr_assert(strstr(error_of(r), "no such account 'NOPE'"), "%s", error_of(r));
	json_decref(r);
}

/* Raw socket: pipelined lines get their replies in order; an endless line is cut off. */
Test(control_ctl, pipelining_and_overlong_lines)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	size_t got = 0;

	write_config("viewer", 0, 2000);
	start_ctl();
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockp);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	const char *two = "{\"cmd\":\"stats\"}\n{\"cmd\":\"kill\",\"args\":{\"scope\":\"all\"}}\r\n";
	cr_assert_eq(write(fd, two, strlen(two)), (ssize_t)strlen(two));
	while (got < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		cr_assert_gt(n, 0);
		got += (size_t)n;
		buf[got] = 0;
		char *nl = strchr(buf, '\n');
		if (nl && strchr(nl + 1, '\n'))
			break;
	}
	cr_assert(strncmp(buf, "{\"cmd\":\"stats\"", 14) == 0 || strstr(buf, "\"ok\":true"), "%s", buf);
	char *second = strchr(buf, '\n') + 1;
	cr_assert(strstr(second, "\"ok\":false") && strstr(second, "may not kill all"), "%s", second);
	close(fd);

	/* 70 KiB without a newline */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	char *big = malloc(70000);
	memset(big, 'x', 70000);
	size_t off = 0;
	while (off < 70000) {
		ssize_t n = write(fd, big + off, 70000 - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	got = 0;
	ssize_t n;
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = 0;
	cr_assert(strstr(buf, "bad request: a request is one line of at most 65535 bytes"), "%s", buf);
	close(fd);
	free(big);
	json_t *t = audit_tail(1);
	cr_assert_str_eq(str(json_array_get(t, 0), "result"), "refused");
	json_decref(t);
}

/* ---- the hand-over ---- */

Test(control_ctl, hot_path_timeout_then_late_outcome)
{
	write_config("risk", 0, 200);
	start_ctl();
	__atomic_store_n(&app.paused, 1, __ATOMIC_RELEASE);
	json_t *r = call("kill", "{\"scope\":\"account\",\"name\":\"A2\"}", NULL);
	cr_assert(!is_ok(r));
	cr_assert(strstr(error_of(r), "within 200 ms"), "%s", error_of(r));
	json_decref(r);
	json_t *t = audit_tail(2);
	cr_assert_str_eq(str(json_array_get(t, 1), "result"), "timeout");
	json_decref(t);
	cr_assert(!app_killed("account:A2"));
	/* the hot path catches up: the change happens and the log says so */
	__atomic_store_n(&app.paused, 0, __ATOMIC_RELEASE);
	int late = 0;
	for (int i = 0; i < 100 && !late; i++) {
		usleep(50000);
		t = audit_tail(1);
		late = json_is_true(json_object_get(json_array_get(t, 0), "late"));
		if (late)
			cr_assert_str_eq(str(json_array_get(t, 0), "result"), "ok");
		json_decref(t);
	}
	cr_assert(late, "no late outcome record");
	cr_assert(app_killed("account:A2"));
	struct tg_ctl_counters cn;
	tg_ctl_get_counters(ctl, &cn);
	cr_assert_eq(cn.timeouts, 1);
	struct tg_audit_report rep;
	cr_assert_eq(tg_audit_verify(auditp, &rep), 0, "%s", rep.why);
}

/* ---- the socket ---- */

Test(control_ctl, socket_placement_and_exclusivity)
{
	struct stat st;
	char err[512] = "";
	struct tg_ctl *second = NULL;
	struct tg_ctl_config cfg;

	write_config("viewer", 0, 2000);
	start_ctl();
	cr_assert_eq(stat(sockp, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0666);
	/* a second control plane on the same socket is refused */
	char audit2[160];
	snprintf(audit2, sizeof(audit2), "%s/lib/second.log", dir);
	tg_ctl_config_load(cfgp, 0, &cfg, err, sizeof(err));
	snprintf(cfg.audit, sizeof(cfg.audit), "%s", audit2);
	cr_assert_eq(tg_ctl_new(&cfg, NULL, &second, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(tg_ctl_start(second, err, sizeof(err)), -EADDRINUSE);
	cr_assert(strstr(err, "another process is listening"), "%s", err);
	tg_ctl_free(second);
	cr_assert_eq(stat(sockp, &st), 0, "the loser removed the winner's socket");
	stop_ctl();
	cr_assert_neq(stat(sockp, &st), 0, "socket left behind");

	/* a stale socket (nobody listening) is replaced */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockp);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	start_ctl();
	json_t *r = call("stats", "{}", NULL);
	cr_assert(is_ok(r));
	json_decref(r);
	stop_ctl();

	/* a file that is not a socket is left alone */
	FILE *f = fopen(sockp, "w");
	fclose(f);
	tg_ctl_config_load(cfgp, 0, &cfg, err, sizeof(err));
	cr_assert_eq(tg_ctl_new(&cfg, NULL, &second, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(tg_ctl_start(second, err, sizeof(err)), -EEXIST);
	tg_ctl_free(second);
	tg_ctl_config_free(&cfg);
	cr_assert_eq(stat(sockp, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
}

/* A control plane does not start on an audit log that does not verify. */
Test(control_ctl, tampered_audit_log_is_refused)
{
	struct tg_ctl_config cfg;
	char err[512] = "";
	struct tg_ctl *c = NULL;

	write_config("viewer", 0, 2000);
	start_ctl();
	for (int i = 0; i < 3; i++) {
		json_t *r = call("stats", "{}", NULL);
		json_decref(r);
	}
	stop_ctl();
	/* drop record 2 */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "sed -i 2d '%s'", auditp);
	cr_assert_eq(system(cmd), 0);
	tg_ctl_config_load(cfgp, 0, &cfg, err, sizeof(err));
	cr_assert_eq(tg_ctl_new(&cfg, NULL, &c, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "does not verify") && strstr(err, "record 2 is missing"), "%s", err);
	cr_assert_null(c);
	tg_ctl_config_free(&cfg);
}

Test(control_ctl, config_errors)
{
	struct tg_ctl_config cfg;
	char err[512];
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{ "[operator.bob]\n", "no role" },
		{ "[operator.bob]\nrole = god\n", "is not viewer, risk or admin" },
		{ "[operator.bob]\nrole = admin\nshell = /bin/sh\n", "unknown key 'shell'" },
		{ "[operator.b/b]\nrole = admin\n", "not a Unix user name" },
		{ "[control]\ntimeout_ms = 0\n", "timeout_ms" },
		{ "[control]\ntimeout_ms = 10s\n", "timeout_ms" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fopen(cfgp, "w");
		fputs(bad[i].text, f);
		fclose(f);
		cr_assert_eq(tg_ctl_config_load(cfgp, 0, &cfg, err, sizeof(err)), -EINVAL, "%s", bad[i].text);
		cr_assert(strstr(err, bad[i].why), "%s: %s", bad[i].text, err);
	}
	/* defaults */
	FILE *f = fopen(cfgp, "w");
	fputs("[gateway]\nlisten = 127.0.0.1:15000\n", f);
	fclose(f);
	cr_assert_eq(tg_ctl_config_load(cfgp, 0, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(cfg.socket, "/run/tickgate/control.sock");
	cr_assert_str_eq(cfg.audit, "/var/lib/tickgate/audit.log");
	cr_assert_str_eq(cfg.metrics_listen, "127.0.0.1:9464");
	cr_assert_eq(cfg.timeout_ms, 1000);
	cr_assert_eq(cfg.n_operators, 0);
	tg_ctl_config_free(&cfg);
	cr_assert_eq(tg_ctl_config_load("/nonexistent/tickgate.ini", 0, &cfg, err, sizeof(err)), -ENOENT);
}
