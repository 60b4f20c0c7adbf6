/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The small appliance the operator commands are tested against
 * (test_ops_util.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <rte_cfgfile.h>

#include "test_ops_util.h"

/* base32 of "12345678901234567890", the RFC 6238 test secret */
#define TOPS_SECRET_B32	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define TOPS_SECRET	"12345678901234567890"

struct tops T;

static time_t
tops_clock(void *ctx)
{
	(void)ctx;
	return __atomic_load_n(&T.now, __ATOMIC_RELAXED);
}

/* The engine's clock: every input a microsecond after the one before. */
static uint64_t
tops_ts(void *ctx)
{
	(void)ctx;
	return T.ts += 1000;
}

/* Outputs go to the capture and to surveillance, fills to both and the stats. */
static void
tops_out(void *ctx, unsigned user, const struct tg_ouch_out *m)
{
	struct tg_engine_sink cap = tord_sink(&T.cap);

	(void)ctx;
	cap.out(cap.ctx, user, m);
	tg_surv_order(T.surv, user, m);
}

static void
tops_fill(void *ctx, const struct tg_engine_fill *f)
{
	struct tg_engine_sink cap = tord_sink(&T.cap);

	(void)ctx;
	cap.fill(cap.ctx, f);
	tg_surv_fill(T.surv, f);
	tg_stats_ops_fill(T.ops, f);
}

static void
tops_alert(void *ctx, const struct tg_surv_alert *a)
{
	(void)ctx;
	T.alerts++;
	tg_stats_ops_alert(T.ops, a);
}

/* The hot path: drain the control ring and run the test's jobs. */
static void *
tops_owner(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&T.lock);
	while (!T.stop) {
		if (!T.paused)
			tg_ctl_poll(T.ctl, 8);
		if (T.job) {
			T.job(T.job_arg);
			T.job = NULL;
			pthread_cond_broadcast(&T.cond);
		}
		pthread_mutex_unlock(&T.lock);
		usleep(100);
		pthread_mutex_lock(&T.lock);
	}
	pthread_mutex_unlock(&T.lock);
	return NULL;
}

/* The whole config: the engine's part, then the control plane's. */
static void
tops_write_ini(const char *role)
{
	FILE *f = fopen(T.ini, "w");

	cr_assert_not_null(f);
	fprintf(f, "%s\n[control]\nsocket = %s\naudit = %s\ntimeout_ms = 2000\n", T.engine_ini,
		T.sock, T.audit);
	if (role)
		fprintf(f, "[operator.%s]\nrole = %s\ntotp_secret_file = %s\n", T.me, role,
			T.secret);
	cr_assert_eq(fclose(f), 0);
}

void
tops_start(const char *ini, const char *role)
{
	struct tg_ctl_config cc;
	struct tg_ctl_opts co = { 0 };
	struct tg_surv_config sc;
	struct tg_surv_user *users;
	struct rte_cfgfile *cfg;
	struct passwd *pw = getpwuid(getuid());
	char err[512];
	FILE *f;

	memset(&T, 0, sizeof(T));
	cr_assert_not_null(pw);
	snprintf(T.me, sizeof(T.me), "%s", pw->pw_name);
	snprintf(T.dir, sizeof(T.dir), "/tmp/tg-ops-XXXXXX");
	cr_assert_not_null(mkdtemp(T.dir));
	snprintf(T.ini, sizeof(T.ini), "%s/t.ini", T.dir);
	snprintf(T.sock, sizeof(T.sock), "%s/ctl.sock", T.dir);
	snprintf(T.audit, sizeof(T.audit), "%s/audit.log", T.dir);
	snprintf(T.secret, sizeof(T.secret), "%s/op.totp", T.dir);
	snprintf(T.out, sizeof(T.out), "%s/out", T.dir);
	snprintf(T.err, sizeof(T.err), "%s/err", T.dir);
	T.engine_ini = ini;
	T.ts = 34200ull * 1000000000ull;	/* 09:30 */
	T.now = 1700000000;
	cr_assert_eq(oath_init(), OATH_OK);
	f = fopen(T.secret, "w");
	cr_assert_not_null(f);
	fprintf(f, "%s\n", TOPS_SECRET_B32);
	fclose(f);
	chmod(T.secret, 0600);
	tops_write_ini(role);

	/* the engine and surveillance, from the same file */
	cfg = rte_cfgfile_load(T.ini, 0);
	cr_assert_not_null(cfg);
	cr_assert_eq(tg_engine_new(cfg, &T.e, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(tg_surv_config_load(cfg, &sc, err, sizeof(err)), 0, "%s", err);
	rte_cfgfile_close(cfg);
	users = calloc(tg_engine_users(T.e), sizeof(*users));
	for (unsigned u = 0; u < tg_engine_users(T.e); u++) {
		snprintf(users[u].firm, sizeof(users[u].firm), "%s", tg_engine_user_firm(T.e, u));
		snprintf(users[u].account, sizeof(users[u].account), "%s",
			 tg_engine_user_account(T.e, u));
		snprintf(users[u].owner, sizeof(users[u].owner), "%s", users[u].account);
	}
	T.surv = tg_surv_new(&sc, users, tg_engine_users(T.e), tops_alert, NULL);
	free(users);
	cr_assert_not_null(T.surv);
	tord_cap_init(&T.cap, T.e);
	T.sink = (struct tg_engine_sink){ .out = tops_out, .fill = tops_fill };
	for (int i = 0; i < 2; i++) {
		T.w2b[i] = aligned_alloc(64, sizeof(struct tg_hist));
		tg_hist_init(T.w2b[i]);
	}
	T.o2a[0] = aligned_alloc(64, sizeof(struct tg_hist));
	tg_hist_init(T.o2a[0]);
	T.feed = tg_stats_feed_pub_new();
	cr_assert_not_null(T.feed);

	/* the control plane and its commands */
	cr_assert_eq(tg_ctl_config_load(T.ini, TG_CTL_CONFIG_SECRETS, &cc, err, sizeof(err)), 0,
		     "%s", err);
	co.config_path = T.ini;
	co.now = tops_clock;
	cr_assert_eq(tg_ctl_new(&cc, &co, &T.ctl, err, sizeof(err)), 0, "%s", err);
	tg_ctl_config_free(&cc);
	struct tg_stats_conf sconf = {
		.engine = T.e, .sink = &T.sink, .now = tops_ts,
		.surv = T.surv, .feed = T.feed,
		.wire_to_book = (const struct tg_hist *const *)T.w2b, .n_wire_to_book = 2,
		.order_to_ack = (const struct tg_hist *const *)T.o2a, .n_order_to_ack = 1,
		.ctl = T.ctl,
	};
	cr_assert_eq(tg_stats_ops_new(&sconf, &T.ops), 0);
	cr_assert_eq(tg_stats_ops_register(T.ops, T.ctl), 0);
	cr_assert_eq(tg_ctl_start(T.ctl, err, sizeof(err)), 0, "%s", err);
	pthread_mutex_init(&T.lock, NULL);
	pthread_cond_init(&T.cond, NULL);
	cr_assert_eq(pthread_create(&T.owner, NULL, tops_owner, NULL), 0);
}

void
tops_stop(void)
{
	char cmd[128];

	if (!T.ctl)
		return;
	pthread_mutex_lock(&T.lock);
	T.stop = 1;
	pthread_mutex_unlock(&T.lock);
	pthread_join(T.owner, NULL);
	tg_ctl_free(T.ctl);
	tg_stats_ops_free(T.ops);
	tg_stats_feed_pub_free(T.feed);
	tg_surv_free(T.surv);
	tg_engine_free(T.e);
	tord_cap_free(&T.cap);
	free(T.w2b[0]);
	free(T.w2b[1]);
	free(T.o2a[0]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T.dir);
	(void)system(cmd);
	T.ctl = NULL;
}

void
tops_role(const char *role)
{
	char err[512];

	tops_write_ini(role);
	cr_assert_eq(tg_ctl_reload(T.ctl, err, sizeof(err)), 0, "%s", err);
}

char *
tops_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = 0;
	return buf;
}

static char *tops_last_out, *tops_last_err;

int
tops_tg(const char *fmt, ...)
{
	char args[1024], cmd[1400];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), TICKGATE " %s > '%s' 2> '%s' < /dev/null", args, T.out, T.err);
	st = system(cmd);
	cr_assert(WIFEXITED(st), "%s: did not exit", cmd);
	free(tops_last_out);
	free(tops_last_err);
	tops_last_out = tops_slurp(T.out);
	tops_last_err = tops_slurp(T.err);
	return WEXITSTATUS(st);
}

const char *
tops_stdout(void)
{
	return tops_last_out ? tops_last_out : "";
}

const char *
tops_stderr(void)
{
	return tops_last_err ? tops_last_err : "";
}

void
tops_job(void (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&T.lock);
	while (T.job)
		pthread_cond_wait(&T.cond, &T.lock);
	T.job = fn;
	T.job_arg = arg;
	while (T.job == fn && T.job_arg == arg)
		pthread_cond_wait(&T.cond, &T.lock);
	pthread_mutex_unlock(&T.lock);
}

struct tops_order_job {
	int user;
	struct tg_ouch_in m;
};

static void
tops_order_job(void *arg)
{
	struct tops_order_job *j = arg;

	tg_engine_order(T.e, tops_ts(NULL), (unsigned)j->user, &j->m, &T.sink);
}

void
tops_order(const char *user, struct tg_ouch_in m)
{
	struct tops_order_job j = { .user = tg_engine_user_find(T.e, user), .m = m };

	cr_assert_geq(j.user, 0, "no user %s", user);
	tops_job(tops_order_job, &j);
}

char *
tops_take(void)
{
	char *s;

	pthread_mutex_lock(&T.lock);
	s = strdup(T.cap.buf ? T.cap.buf : "");
	free(T.cap.buf);
	T.cap.buf = NULL;
	T.cap.len = T.cap.cap = 0;
	pthread_mutex_unlock(&T.lock);
	return s;
}

const char *
tops_totp(void)
{
	static char code[8];

	time_t now = __atomic_add_fetch(&T.now, 30, __ATOMIC_RELAXED);

	cr_assert_eq(oath_totp_generate(TOPS_SECRET, 20, now, 30, 0, 6, code), OATH_OK);
	return code;
}
