/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The operator commands' tests share one small appliance: this test
 * process runs a real control plane (tg_ctl) whose commands are the real
 * ones of tg_stats.h over a real order engine (and surveillance, and
 * latency histograms, and optionally a feed snapshot), with a thread of
 * its own as the engine's owner (the hot path). The built `tickgate` is
 * then run against its socket, as an operator would run it; the test's
 * own user is the operator, with the role the test gives it.
 */
#ifndef TEST_OPS_UTIL_H
#define TEST_OPS_UTIL_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "control/tg_ctl.h"
#include "control/tg_hist.h"
#include "control/tg_stats.h"
#include "order/tg_engine.h"
#include "surv/tg_surv.h"
#include "test_order_util.h"

#define TICKGATE TG_BUILD_DIR "/tickgate"

struct tops {
	char dir[64], ini[128], sock[128], audit[128], secret[128], out[128], err[128];
	char me[64];			/* this process's user: the operator */
	const char *engine_ini;		/* the engine's part of the config */
	struct tg_engine *e;
	struct tg_surv *surv;
	struct tg_ctl *ctl;
	struct tg_stats_ops *ops;
	struct tg_stats_feed_pub *feed;	/* NULL unless the test publishes one */
	struct tg_hist *w2b[2];		/* two "lcores" */
	struct tg_hist *o2a[1];
	struct tord_cap cap;		/* every output and fill, as text */
	struct tg_engine_sink sink;
	uint64_t alerts;		/* surveillance alerts raised */

	/* the owner thread */
	pthread_t owner;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void (*job)(void *);
	void *job_arg;
	int stop;
	int paused;			/* the owner stops draining the control ring */
	uint64_t ts;			/* the engine's clock, ns since midnight */
	time_t now;			/* the control plane's TOTP clock */
};

extern struct tops T;

/*
 * Start the appliance for the engine configuration ini (kept by pointer)
 * with this process's user as an operator of role (NULL: not one).
 */
void tops_start(const char *ini, const char *role);
void tops_stop(void);
/* Give the operator another role (NULL: none) and reload the control plane. */
void tops_role(const char *role);

/* Run `tickgate ARGS` and return its exit status; stdout and stderr kept. */
int tops_tg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What the last tops_tg printed (static, until the next call). */
const char *tops_stdout(void);
const char *tops_stderr(void);

/* Run fn(arg) on the owner thread, between its polls. */
void tops_job(void (*fn)(void *), void *arg);
/* One inbound OUCH message of user through the engine (owner thread). */
void tops_order(const char *user, struct tg_ouch_in m);
/* The outputs since the last take (malloc'd). */
char *tops_take(void);
/* A valid TOTP code for a fresh 30 s step (the control plane's clock moves on). */
const char *tops_totp(void);
/* Read a file whole (malloc'd, NUL-terminated), or NULL. */
char *tops_slurp(const char *path);

#endif /* TEST_OPS_UTIL_H */
