/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The operator control plane: a Unix domain socket on which local
 * operators send JSON requests, one a line,
 *     {"cmd":"kill","args":{"scope":"firm","name":"ACME"},"totp":"123456"}
 * and get one JSON reply a line, {"ok":true,...} or {"ok":false,"error":...}.
 *
 * Who asks is known from the socket (SO_PEERCRED: the peer's uid, its
 * user name from the password database), never from the request, and
 * [operator.NAME] of the config gives that user a role. Each command
 * needs a least role, and the destructive ones a TOTP code (tg_totp.h),
 * as the table tg_ctl_rules() says. Every request, refused or not, is
 * written to the audit log (tg_audit.h) before anything acts on it; a
 * request that changes something gets a second record with its outcome.
 *
 * Threads. The server runs on its own thread. A command's handler has up
 * to three parts: prepare (control thread: check the arguments, fill a
 * fixed-size change), apply (the hot path's owner: make the change), reply
 * (control thread: describe the result). The change goes from one to the
 * other through a single-producer single-consumer rte_ring; the owner
 * drains it with tg_ctl_poll() in its loop, which costs a load or two
 * when the ring is empty and never blocks, allocates or makes a system
 * call. The control thread waits for the completion, up to [control]
 * timeout_ms; a change the owner applies later is audited as late.
 */
#ifndef TG_CTL_H
#define TG_CTL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "control/tg_totp.h"

#define TG_CTL_DEFAULT_SOCKET	"/run/tickgate/control.sock"
#define TG_CTL_DEFAULT_AUDIT	"/var/lib/tickgate/audit.log"
#define TG_CTL_DEFAULT_METRICS	"127.0.0.1:9464"
#define TG_CTL_DEFAULT_TIMEOUT_MS 1000
#define TG_CTL_MAX_LINE		65536	/* bytes of one request */
#define TG_CTL_CHANGE_MAX	256	/* bytes of one handed-over change */
#define TG_CTL_NAME_MAX		32	/* operator (Unix user) name */

enum tg_ctl_role {
	TG_CTL_ROLE_NONE = 0,	/* not an operator */
	TG_CTL_ROLE_VIEWER,	/* read only */
	TG_CTL_ROLE_RISK,	/* limits, kill and resume of accounts and firms */
	TG_CTL_ROLE_ADMIN,	/* everything */
};

/* "viewer", "risk", "admin" ("none" for TG_CTL_ROLE_NONE). */
const char *tg_ctl_role_name(enum tg_ctl_role r);

/*
 * One row of the command table: cmd (and, for kill and resume, the
 * scope in args) needs role at least, and a TOTP code if mfa says so
 * (TG_CTL_MFA_RAISE: when the handler's raises() says the request raises
 * a limit). changes: the command changes state (its outcome is audited).
 */
enum { TG_CTL_MFA_NO = 0, TG_CTL_MFA_YES = 1, TG_CTL_MFA_RAISE = 2 };
struct tg_ctl_rule {
	const char *cmd;
	const char *scope;	/* NULL: any (no scope) */
	enum tg_ctl_role role;
	int mfa;
	int changes;
	const char *summary;
};

/* The table, ending with a zeroed row. */
const struct tg_ctl_rule *tg_ctl_rules(void);

/* The row for cmd and scope (scope may be NULL), or NULL. */
const struct tg_ctl_rule *tg_ctl_rule_find(const char *cmd, const char *scope);

struct tg_ctl_operator {
	char name[TG_CTL_NAME_MAX + 1];
	enum tg_ctl_role role;
	int has_totp;			/* totp_secret_file given */
	char totp_file[PATH_MAX];
	struct tg_totp_secret totp;	/* loaded with TG_CTL_CONFIG_SECRETS */
};

/* The control plane's part of the config file. */
struct tg_ctl_config {
	char socket[PATH_MAX];		/* [control] socket */
	char audit[PATH_MAX];		/* [control] audit */
	unsigned timeout_ms;		/* [control] timeout_ms */
	char metrics_listen[128];	/* [metrics] listen */
	unsigned n_operators;
	struct tg_ctl_operator *operators;	/* [operator.NAME] */
};

#define TG_CTL_CONFIG_SECRETS	1	/* also read every TOTP secret file */

/*
 * Read [control], [metrics] and [operator.*] of the INI file at path
 * (absent keys: the defaults above). With TG_CTL_CONFIG_SECRETS, every
 * totp_secret_file is read and must be root-only. 0, or -errno with a
 * one-line message naming the section, key or file in err.
 */
int tg_ctl_config_load(const char *path, unsigned flags, struct tg_ctl_config *c,
		       char *err, size_t errlen);
/* Defaults alone (no file). */
void tg_ctl_config_default(struct tg_ctl_config *c);
void tg_ctl_config_free(struct tg_ctl_config *c);
const struct tg_ctl_operator *tg_ctl_config_operator(const struct tg_ctl_config *c,
						     const char *name);

/*
 * What the application does for one command. Every part may be NULL.
 *
 * prepare   control thread: check args, fill change (TG_CTL_CHANGE_MAX
 *           bytes, zeroed); 0 or -errno with a message in err.
 * apply     the hot path's owner, inside tg_ctl_poll(): make the change;
 *           0 or -errno. It may write results back into change. NULL: the
 *           command is answered on the control thread alone.
 * reply     control thread, last: set members of reply (the "ok" member
 *           is the control plane's). status is apply's result (0 without
 *           apply); return 0, or -errno with err to fail the request.
 * raises    control thread, before the audit record: 1 if args raise a
 *           limit (TOTP needed), 0 if not, -errno with err for bad args.
 */
struct tg_ctl_handler {
	int (*prepare)(void *ctx, const char *cmd, json_t *args, void *change,
		       char *err, size_t errlen);
	int (*apply)(void *ctx, void *change);
	int (*reply)(void *ctx, const char *cmd, json_t *args, const void *change,
		     int status, json_t *reply, char *err, size_t errlen);
	int (*raises)(void *ctx, json_t *args, char *err, size_t errlen);
	void *ctx;
};

struct tg_ctl;

/* Settings that are not in the config file. */
struct tg_ctl_opts {
	const char *config_path;	/* re-read by reload; NULL: reload refuses */
	/* Unix time for TOTP (NULL: the real clock) */
	time_t (*now)(void *ctx);
	void *now_ctx;
};

/*
 * A control plane for cfg (copied): the audit log is opened (and
 * verified: a log that does not verify is refused, err says which record),
 * each operator's last TOTP step is recovered from it. 0 or -errno.
 */
int tg_ctl_new(const struct tg_ctl_config *cfg, const struct tg_ctl_opts *o,
	       struct tg_ctl **out, char *err, size_t errlen);

/*
 * The application's handler for cmd, a command of the table (kill and
 * resume: one handler for every scope; reload: run after the control
 * plane has re-read its own part of the config). Before tg_ctl_start().
 * 0, -ENOENT (no such command) or -EEXIST.
 */
int tg_ctl_register(struct tg_ctl *c, const char *cmd, const struct tg_ctl_handler *h);

/*
 * Create the socket (its directory too; a stale socket is replaced, a
 * live one is -EADDRINUSE) with mode 0666, so any local user can connect
 * and be told by the role table what they may do, and start the control
 * thread. 0 or -errno with err.
 */
int tg_ctl_start(struct tg_ctl *c, char *err, size_t errlen);

/*
 * The hot path's side: apply up to max queued changes, return how many.
 * Exactly one thread (the owner of the state the handlers change) calls
 * it, in its poll loop.
 */
unsigned tg_ctl_poll(struct tg_ctl *c, unsigned max);

/*
 * Re-read the operators from the config file (the same as an admin's
 * "reload", minus the application's handler). Safe from any thread.
 * 0, or -errno with err; on error the old table stays.
 */
int tg_ctl_reload(struct tg_ctl *c, char *err, size_t errlen);

/* Counters of the control plane (racy reads are fine: for stats). */
struct tg_ctl_counters {
	uint64_t requests;	/* lines received */
	uint64_t refused;	/* requests refused (any reason) */
	uint64_t bad_requests;	/* unparseable, unknown command, bad scope, too long */
	uint64_t mfa_failures;	/* wrong, replayed or missing codes, lock-outs */
	uint64_t failed;	/* authorized requests whose handler failed */
	uint64_t timeouts;	/* changes the hot path did not apply in time */
	uint64_t audit_errors;	/* audit records that could not be written */
};
void tg_ctl_get_counters(struct tg_ctl *c, struct tg_ctl_counters *out);

struct tg_metrics;
/*
 * Register the counters above with a metrics endpoint, as
 * tickgate_control_requests_total, tickgate_control_refused_total,
 * tickgate_control_bad_requests_total, tickgate_control_mfa_failures_total,
 * tickgate_control_failed_total, tickgate_control_timeouts_total and
 * tickgate_control_audit_errors_total. c must outlive m's server.
 */
int tg_ctl_register_metrics(struct tg_ctl *c, struct tg_metrics *m);

/*
 * Stop the thread, close the socket (and remove it), close the audit log.
 * The hot path must have stopped calling tg_ctl_poll() first.
 */
void tg_ctl_free(struct tg_ctl *c);

/*
 * Client side. Send one request line (a JSON object, no newline) to the
 * socket at path and read the one-line reply (malloc'd, without its
 * newline) within timeout_ms. 0 or -errno with a message in err.
 */
int tg_ctl_request(const char *path, const char *line, unsigned timeout_ms,
		   char **reply, char *err, size_t errlen);

/*
 * The same with the request built from cmd, args (may be NULL) and totp
 * (may be NULL), and the reply parsed: 0 with *reply set (check its
 * "ok"), or -errno with err.
 */
int tg_ctl_call(const char *path, const char *cmd, json_t *args, const char *totp,
		unsigned timeout_ms, json_t **reply, char *err, size_t errlen);

#endif /* TG_CTL_H */
