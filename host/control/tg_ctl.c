/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket server: identity, roles, TOTP, audit, and the
 * hand-over of changes to the hot path (protocol in tg_ctl.h and
 * docs/control.md).
 */
#define _GNU_SOURCE		/* accept4, struct ucred, pthread_setname_np */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <inttypes.h>
#include <libgen.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_ring.h>

#include "control/tg_audit.h"
#include "control/tg_ctl.h"
#include "control/tg_metrics.h"

#define TG_CTL_SLOTS		16	/* changes in flight to the hot path */
#define TG_CTL_RING		32	/* > TG_CTL_SLOTS: enqueue never fails */
#define TG_CTL_MAX_CLIENTS	16
#define TG_CTL_MAX_CMDS		16
#define TG_CTL_SEND_TIMEOUT_S	2
#define TG_CTL_RAW_MAX		256	/* bytes of an unparseable request kept in the audit */

enum {
	TG_CTL_SLOT_FREE = 0,
	TG_CTL_SLOT_QUEUED,
	TG_CTL_SLOT_DONE,
};

struct tg_ctl_reg {
	const char *cmd;
	int set;
	struct tg_ctl_handler h;
};

/* One change on its way to the hot path and back. */
struct tg_ctl_slot {
	uint32_t state;			/* TG_CTL_SLOT_*, atomics */
	int status;			/* apply's result */
	int abandoned;			/* the control thread stopped waiting */
	uint64_t audit_seq;		/* the request's record */
	const struct tg_ctl_handler *h;
	char cmd[16];
	char user[TG_CTL_NAME_MAX + 1];
	uint8_t change[TG_CTL_CHANGE_MAX] __attribute__((aligned(16)));
};

struct tg_ctl_mfa {
	char name[TG_CTL_NAME_MAX + 1];
	struct tg_totp_state st;
};

struct tg_ctl_conn {
	int fd;
	uid_t uid;
	pid_t pid;
	int named;			/* user found in the password database */
	char user[256];
	size_t len;
	char *buf;			/* TG_CTL_MAX_LINE + 1 */
};

struct tg_ctl_metric_ctx;

struct tg_ctl {
	struct tg_ctl_config cfg;	/* operators: under lock */
	struct tg_ctl_opts opts;
	char *config_path;
	pthread_mutex_t lock;
	struct tg_audit *audit;
	struct rte_ring *ring;
	struct tg_ctl_slot slots[TG_CTL_SLOTS];
	struct tg_ctl_reg regs[TG_CTL_MAX_CMDS];
	unsigned n_regs;
	struct tg_ctl_mfa *mfa;
	unsigned n_mfa;
	int listen_fd;
	int wake_fd;
	int started;
	pthread_t thread;
	char bound[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct tg_ctl_conn conns[TG_CTL_MAX_CLIENTS];
	struct tg_ctl_counters counters;	/* atomics */
	struct tg_ctl_metric_ctx *metric_ctx;
};

#define TG_CTL_COUNT(c, field) __atomic_fetch_add(&(c)->counters.field, 1, __ATOMIC_RELAXED)

/* The TOTP state of operator name, created on first use. */
static struct tg_totp_state *
tg_ctl_mfa_state(struct tg_ctl *c, const char *name)
{
	struct tg_ctl_mfa *m;

	for (unsigned i = 0; i < c->n_mfa; i++)
		if (!strcmp(c->mfa[i].name, name))
			return &c->mfa[i].st;
	m = realloc(c->mfa, (c->n_mfa + 1) * sizeof(*m));
	if (!m)
		return NULL;
	c->mfa = m;
	m = &c->mfa[c->n_mfa++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	return &m->st;
}

/* While the audit log is opened: each operator's last accepted TOTP step. */
static void
tg_ctl_recover_mfa(void *ctx, uint64_t seq, json_t *rec)
{
	struct tg_ctl *c = ctx;
	json_t *step = json_object_get(rec, "mfa_step");
	json_t *user = json_object_get(rec, "user");
	struct tg_totp_state *st;

	(void)seq;
	if (!json_is_integer(step) || !json_is_string(user) || json_integer_value(step) < 0 ||
	    strlen(json_string_value(user)) > TG_CTL_NAME_MAX)
		return;
	if ((st = tg_ctl_mfa_state(c, json_string_value(user))) &&
	    (uint64_t)json_integer_value(step) > st->last_step)
		st->last_step = (uint64_t)json_integer_value(step);
}

/* Copy the settings, set up the hand-over ring, open (verify) the audit log. */
int
tg_ctl_new(const struct tg_ctl_config *cfg, const struct tg_ctl_opts *o,
	   struct tg_ctl **out, char *err, size_t errlen)
{
	struct tg_audit_verify_opts vo = { 0 };
	struct tg_audit_report rep;
	struct tg_ctl *c;
	ssize_t rsz;
	int rc;

	*out = NULL;
	err[0] = 0;
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	c->listen_fd = -1;
	c->wake_fd = -1;
	for (unsigned i = 0; i < TG_CTL_MAX_CLIENTS; i++)
		c->conns[i].fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	c->cfg = *cfg;
	c->cfg.operators = NULL;
	c->cfg.n_operators = 0;
	if (cfg->n_operators) {
		c->cfg.operators = malloc(cfg->n_operators * sizeof(*cfg->operators));
		if (!c->cfg.operators) {
			rc = -ENOMEM;
			goto fail;
		}
		memcpy(c->cfg.operators, cfg->operators, cfg->n_operators * sizeof(*cfg->operators));
		c->cfg.n_operators = cfg->n_operators;
	}
	if (o)
		c->opts = *o;
	if (o && o->config_path && !(c->config_path = strdup(o->config_path))) {
		rc = -ENOMEM;
		goto fail;
	}
	c->opts.config_path = c->config_path;

	/* the commands of the table, each once */
	for (const struct tg_ctl_rule *r = tg_ctl_rules(); r->cmd; r++) {
		unsigned i;

		for (i = 0; i < c->n_regs && strcmp(c->regs[i].cmd, r->cmd); i++)
			;
		if (i == c->n_regs && c->n_regs < TG_CTL_MAX_CMDS)
			c->regs[c->n_regs++].cmd = r->cmd;
	}

	rsz = rte_ring_get_memsize(TG_CTL_RING);
	if (rsz < 0) {
		rc = (int)rsz;
		goto fail;
	}
	/* no EAL: the ring lives in ordinary memory, cache-line aligned */
	c->ring = aligned_alloc(RTE_CACHE_LINE_SIZE,
				((size_t)rsz + RTE_CACHE_LINE_SIZE - 1) & ~(size_t)(RTE_CACHE_LINE_SIZE - 1));
	if (!c->ring) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = rte_ring_init(c->ring, "tg_ctl", TG_CTL_RING, RING_F_SP_ENQ | RING_F_SC_DEQ)))
		goto fail;

	vo.record = tg_ctl_recover_mfa;
	vo.ctx = c;
	rc = tg_audit_open(c->cfg.audit, &vo, &c->audit, &rep);
	if (rc == -EBADMSG) {
		snprintf(err, errlen, "audit log %s does not verify: %s (move it aside to start a"
			 " new one)", c->cfg.audit, rep.why);
		goto fail;
	}
	if (rc) {
		snprintf(err, errlen, "audit log %s: %s", c->cfg.audit, strerror(-rc));
		goto fail;
	}
	*out = c;
	return 0;
fail:
	if (rc != -EBADMSG && !err[0])
		snprintf(err, errlen, "control plane: %s", strerror(-rc));
	tg_ctl_free(c);
	return rc;
}

/* The application's handler for one command of the table. */
int
tg_ctl_register(struct tg_ctl *c, const char *cmd, const struct tg_ctl_handler *h)
{
	for (unsigned i = 0; i < c->n_regs; i++) {
		if (strcmp(c->regs[i].cmd, cmd))
			continue;
		if (c->regs[i].set)
			return -EEXIST;
		if (!strcmp(cmd, "audit.head"))
			return -EEXIST;		/* the control plane's own */
		c->regs[i].h = *h;
		c->regs[i].set = 1;
		return 0;
	}
	return -ENOENT;
}

/* The registration slot of cmd, or NULL. */
static struct tg_ctl_reg *
tg_ctl_reg_find(struct tg_ctl *c, const char *cmd)
{
	for (unsigned i = 0; i < c->n_regs; i++)
		if (!strcmp(c->regs[i].cmd, cmd))
			return &c->regs[i];
	return NULL;
}

/* The hot path's side: apply what is queued, publish each result. */
unsigned
tg_ctl_poll(struct tg_ctl *c, unsigned max)
{
	void *objs[8];
	unsigned n;

	if (max > 8)
		max = 8;
	n = rte_ring_sc_dequeue_burst(c->ring, objs, max, NULL);
	for (unsigned i = 0; i < n; i++) {
		struct tg_ctl_slot *s = objs[i];

		s->status = s->h->apply(s->h->ctx, s->change);
		__atomic_store_n(&s->state, TG_CTL_SLOT_DONE, __ATOMIC_RELEASE);
	}
	return n;
}

/* Swap in the operators (and timeout) of a freshly read config. */
int
tg_ctl_reload(struct tg_ctl *c, char *err, size_t errlen)
{
	struct tg_ctl_config fresh;
	int rc;

	if (!c->config_path) {
		snprintf(err, errlen, "no config file to reload from");
		return -ENOENT;
	}
	rc = tg_ctl_config_load(c->config_path, TG_CTL_CONFIG_SECRETS, &fresh, err, errlen);
	if (rc)
		return rc;
	pthread_mutex_lock(&c->lock);
	tg_ctl_config_free(&c->cfg);
	c->cfg.operators = fresh.operators;
	c->cfg.n_operators = fresh.n_operators;
	c->cfg.timeout_ms = fresh.timeout_ms;
	pthread_mutex_unlock(&c->lock);
	/* socket, audit and metrics addresses take a restart */
	return 0;
}

/* A snapshot of the counters, word by word. */
void
tg_ctl_get_counters(struct tg_ctl *c, struct tg_ctl_counters *out)
{
	const uint64_t *src = (const uint64_t *)&c->counters;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* Printable ASCII of at most TG_CTL_RAW_MAX bytes of a bad request. */
static json_t *
tg_ctl_raw(const char *p, size_t n)
{
	char s[TG_CTL_RAW_MAX + 4];
	size_t k = n < TG_CTL_RAW_MAX ? n : TG_CTL_RAW_MAX;

	for (size_t i = 0; i < k; i++)
		s[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
	if (k < n)
		memcpy(s + k, "...", 4);
	else
		s[k] = 0;
	return json_string(s);
}

/* Append one record, counting a failure. */
static int
tg_ctl_audit(struct tg_ctl *c, json_t *rec, uint64_t *seq)
{
	int rc = tg_audit_append(c->audit, rec, seq);

	if (rc)
		TG_CTL_COUNT(c, audit_errors);
	return rc;
}

/* The outcome record of a change. */
static void
tg_ctl_audit_outcome(struct tg_ctl *c, uint64_t request, const char *user, const char *cmd,
		     const char *result, const char *error, int late)
{
	json_t *rec = json_pack("{s:s, s:I, s:s, s:s, s:s}", "event", "outcome",
				"request", (json_int_t)request, "user", user, "cmd", cmd,
				"result", result);

	if (!rec) {
		TG_CTL_COUNT(c, audit_errors);
		return;
	}
	if (error && *error)
		json_object_set_new(rec, "error", json_string(error));
	if (late)
		json_object_set_new(rec, "late", json_true());
	tg_ctl_audit(c, rec, NULL);
	json_decref(rec);
}

/* Free the slots whose late completion came in, auditing each outcome. */
static unsigned
tg_ctl_reap(struct tg_ctl *c)
{
	unsigned waiting = 0;

	for (unsigned i = 0; i < TG_CTL_SLOTS; i++) {
		struct tg_ctl_slot *s = &c->slots[i];

		if (!s->abandoned)
			continue;
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != TG_CTL_SLOT_DONE) {
			waiting++;
			continue;
		}
		tg_ctl_audit_outcome(c, s->audit_seq, s->user, s->cmd,
				     s->status ? "failed" : "ok",
				     s->status ? strerror(-s->status) : NULL, 1);
		s->abandoned = 0;
		__atomic_store_n(&s->state, TG_CTL_SLOT_FREE, __ATOMIC_RELAXED);
		if (tg_audit_flush(c->audit))
			TG_CTL_COUNT(c, audit_errors);
	}
	return waiting;
}

/* A free hand-over slot (late completions reaped first), or NULL. */
static struct tg_ctl_slot *
tg_ctl_slot_get(struct tg_ctl *c)
{
	tg_ctl_reap(c);
	for (unsigned i = 0; i < TG_CTL_SLOTS; i++)
		if (__atomic_load_n(&c->slots[i].state, __ATOMIC_ACQUIRE) == TG_CTL_SLOT_FREE &&
		    !c->slots[i].abandoned)
			return &c->slots[i];
	return NULL;
}

/* CLOCK_MONOTONIC in ns, for the hand-over deadline. */
static uint64_t
tg_ctl_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Hand s to the hot path and wait for it, sleeping in growing steps so an
 * idle wait costs little and a quick owner is seen quickly. 0, or
 * -ETIMEDOUT (s is then abandoned: tg_ctl_reap() audits it later).
 */
static int
tg_ctl_hand_over(struct tg_ctl *c, struct tg_ctl_slot *s, unsigned timeout_ms)
{
	uint64_t deadline = tg_ctl_mono_ns() + (uint64_t)timeout_ms * 1000000u;
	long nap = 2000;

	__atomic_store_n(&s->state, TG_CTL_SLOT_QUEUED, __ATOMIC_RELEASE);
	if (rte_ring_sp_enqueue(c->ring, s)) {
		/* cannot happen: more ring entries than slots */
		__atomic_store_n(&s->state, TG_CTL_SLOT_FREE, __ATOMIC_RELAXED);
		return -ENOBUFS;
	}
	while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != TG_CTL_SLOT_DONE) {
		struct timespec ts = { 0, nap };

		if (tg_ctl_mono_ns() >= deadline) {
			s->abandoned = 1;
			return -ETIMEDOUT;
		}
		nanosleep(&ts, NULL);
		if (nap < 1000000)
			nap *= 2;
	}
	__atomic_store_n(&s->state, TG_CTL_SLOT_FREE, __ATOMIC_RELAXED);
	return 0;
}

/* A request as far as the control plane needs to know it. */
struct tg_ctl_req {
	json_t *json;
	const char *cmd;
	json_t *args;		/* owned */
	const char *totp;
	const char *scope;
	char bad[256];		/* why it is not a valid request */
};

/* Parse line into r; r->bad says what is wrong with it, if anything. */
static void
tg_ctl_parse(const char *line, size_t len, struct tg_ctl_req *r)
{
	json_error_t jerr;
	const char *k;
	json_t *v;

	memset(r, 0, sizeof(*r));
	r->json = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!r->json) {
		snprintf(r->bad, sizeof(r->bad), "not JSON: %s", jerr.text);
		return;
	}
	if (!json_is_object(r->json)) {
		snprintf(r->bad, sizeof(r->bad), "a request is a JSON object");
		return;
	}
	json_object_foreach(r->json, k, v) {
		if (!strcmp(k, "cmd")) {
			if (!json_is_string(v)) {
				snprintf(r->bad, sizeof(r->bad), "\"cmd\" must be a string");
				return;
			}
			r->cmd = json_string_value(v);
		} else if (!strcmp(k, "args")) {
			if (!json_is_object(v)) {
				snprintf(r->bad, sizeof(r->bad), "\"args\" must be an object");
				return;
			}
			r->args = json_incref(v);
		} else if (!strcmp(k, "totp")) {
			if (!json_is_string(v)) {
				snprintf(r->bad, sizeof(r->bad), "\"totp\" must be a string");
				return;
			}
			r->totp = json_string_value(v);
		} else {
			snprintf(r->bad, sizeof(r->bad), "unknown member \"%.64s\" (cmd, args, totp)", k);
			return;
		}
	}
	if (!r->cmd) {
		snprintf(r->bad, sizeof(r->bad), "no \"cmd\"");
		return;
	}
	if (!r->args && !(r->args = json_object())) {
		snprintf(r->bad, sizeof(r->bad), "out of memory");
		return;
	}
	v = json_object_get(r->args, "scope");
	if (v && !json_is_string(v)) {
		snprintf(r->bad, sizeof(r->bad), "\"scope\" must be a string");
		return;
	}
	r->scope = json_string_value(v);
}

/* What tg_totp_check()'s refusal means to an operator. */
static const char *
tg_ctl_totp_why(int rc)
{
	switch (rc) {
	case -EINVAL:
		return "the TOTP code must be 6 digits";
	case -EACCES:
		return "wrong TOTP code";
	case -EALREADY:
		return "TOTP code already used (a replay): wait for the next one";
	case -EBUSY:
		return "too many wrong TOTP codes: try again later";
	default:
		return "TOTP check failed";
	}
}

/* Built-in: the audit log's head. */
static int
tg_ctl_audit_head_reply(void *ctx, const char *cmd, json_t *args, const void *change,
			int status, json_t *reply, char *err, size_t errlen)
{
	struct tg_ctl *c = ctx;
	uint8_t h[TG_AUDIT_HASH_LEN];
	char hex[2 * TG_AUDIT_HASH_LEN + 1];
	uint64_t seq = tg_audit_head(c->audit, h);

	(void)cmd, (void)args, (void)change, (void)status, (void)err, (void)errlen;
	tg_audit_hash_hex(h, hex);
	json_object_set_new(reply, "seq", json_integer((json_int_t)seq));
	json_object_set_new(reply, "hash", json_string(hex));
	return 0;
}

/*
 * Run an authorized request: prepare, hand-over and apply, reply. 0, or
 * -errno with err; *timed_out set when the hot path did not answer.
 */
static int
tg_ctl_run(struct tg_ctl *c, const struct tg_ctl_handler *h, struct tg_ctl_req *r,
	   uint64_t seq, const char *user, json_t *reply, char *err, size_t errlen,
	   int *timed_out)
{
	uint8_t local[TG_CTL_CHANGE_MAX] __attribute__((aligned(16)));
	struct tg_ctl_slot *s = NULL;
	void *change = local;
	int rc = 0, status = 0;

	memset(local, 0, sizeof(local));
	if (h->apply) {
		if (!(s = tg_ctl_slot_get(c))) {
			snprintf(err, errlen, "the hot path has %d changes it has not taken yet:"
				 " try again later", TG_CTL_SLOTS);
			return -EBUSY;
		}
		memset(s->change, 0, sizeof(s->change));
		change = s->change;
	}
	if (h->prepare && (rc = h->prepare(h->ctx, r->cmd, r->args, change, err, errlen)))
		return rc;
	if (s) {
		unsigned timeout_ms;

		s->h = h;
		s->audit_seq = seq;
		s->status = 0;
		snprintf(s->cmd, sizeof(s->cmd), "%s", r->cmd);
		snprintf(s->user, sizeof(s->user), "%s", user);
		pthread_mutex_lock(&c->lock);
		timeout_ms = c->cfg.timeout_ms;
		pthread_mutex_unlock(&c->lock);
		if ((rc = tg_ctl_hand_over(c, s, timeout_ms))) {
			if (rc == -ETIMEDOUT) {
				*timed_out = 1;
				TG_CTL_COUNT(c, timeouts);
				snprintf(err, errlen, "the hot path did not apply the change within %u ms"
					 " (it may still: the audit log will say)", timeout_ms);
			}
			return rc;
		}
		status = s->status;
	}
	if (h->reply)
		rc = h->reply(h->ctx, r->cmd, r->args, change, status, reply, err, errlen);
	if (!rc && status) {
		rc = status;
		if (!err[0])
			snprintf(err, errlen, "%s", strerror(-status));
	}
	if (rc && !err[0])
		snprintf(err, errlen, "%s", strerror(-rc));
	return rc;
}

/*
 * Handle one request line from conn (too_long: the first bytes of a line
 * that did not fit); the reply object.
 */
static json_t *
tg_ctl_handle(struct tg_ctl *c, struct tg_ctl_conn *conn, const char *line, size_t len,
	      int too_long)
{
	struct tg_ctl_req r;
	const struct tg_ctl_operator *op = NULL;
	const struct tg_ctl_rule *rule = NULL;
	const struct tg_ctl_handler *h = NULL;
	struct tg_ctl_handler builtin;
	struct tg_ctl_reg *reg = NULL;
	enum tg_ctl_role role = TG_CTL_ROLE_NONE;
	char refused[320] = "", err[320] = "", user[TG_CTL_NAME_MAX + 1] = "";
	const char *mfa = "not needed";
	uint64_t seq = 0, step = 0;
	int bad = 0, rc;
	json_t *rec, *reply = json_object();

	TG_CTL_COUNT(c, requests);
	if (too_long) {
		memset(&r, 0, sizeof(r));
		snprintf(r.bad, sizeof(r.bad), "a request is one line of at most %d bytes",
			 TG_CTL_MAX_LINE - 1);
	} else {
		tg_ctl_parse(line, len, &r);
	}

	pthread_mutex_lock(&c->lock);
	if (conn->named && (op = tg_ctl_config_operator(&c->cfg, conn->user))) {
		role = op->role;
		snprintf(user, sizeof(user), "%s", op->name);
	}
	if (r.bad[0]) {
		bad = 1;
	} else if (!(rule = tg_ctl_rule_find(r.cmd, r.scope))) {
		bad = 1;
		if (tg_ctl_rule_find(r.cmd, "account"))
			snprintf(r.bad, sizeof(r.bad), "%s needs \"scope\": account, firm or all", r.cmd);
		else
			snprintf(r.bad, sizeof(r.bad), "unknown command '%.64s'", r.cmd);
	}

	if (!op) {
		if (conn->named)
			snprintf(refused, sizeof(refused), "user '%s' (uid %u) is not an operator",
				 conn->user, (unsigned)conn->uid);
		else
			snprintf(refused, sizeof(refused), "uid %u has no user name and is not an operator",
				 (unsigned)conn->uid);
	} else if (bad) {
		snprintf(refused, sizeof(refused), "bad request: %s", r.bad);
	} else if (role < rule->role) {
		snprintf(refused, sizeof(refused), "role %s may not %s%s%s: it needs %s",
			 tg_ctl_role_name(role), r.cmd, rule->scope ? " " : "",
			 rule->scope ? rule->scope : "", tg_ctl_role_name(rule->role));
	} else {
		reg = tg_ctl_reg_find(c, r.cmd);
		if (!strcmp(r.cmd, "audit.head")) {
			builtin = (struct tg_ctl_handler){ .reply = tg_ctl_audit_head_reply, .ctx = c };
			h = &builtin;
		} else if (reg && reg->set) {
			h = &reg->h;
		} else if (!strcmp(r.cmd, "reload")) {
			builtin = (struct tg_ctl_handler){ 0 };
			h = &builtin;
		}
		if (!h)
			snprintf(refused, sizeof(refused), "'%s' is not served by this process", r.cmd);
	}

	/* a second factor, where the table asks for one */
	if (!refused[0]) {
		int need = rule->mfa == TG_CTL_MFA_YES;

		if (rule->mfa == TG_CTL_MFA_RAISE) {
			need = 1;	/* without a way to tell, assume it raises */
			if (h->raises) {
				need = h->raises(h->ctx, r.args, err, sizeof(err));
				if (need < 0) {
					bad = 1;
					snprintf(refused, sizeof(refused), "bad request: %s",
						 err[0] ? err : strerror(-need));
				}
			}
		}
		if (need > 0 && !refused[0]) {
			struct tg_totp_state *st = tg_ctl_mfa_state(c, op->name);
			time_t now = c->opts.now ? c->opts.now(c->opts.now_ctx) : time(NULL);

			mfa = "refused";
			if (!op->has_totp) {
				snprintf(refused, sizeof(refused), "%s needs a TOTP code and operator '%s'"
					 " has no totp_secret_file", r.cmd, op->name);
			} else if (!r.totp) {
				snprintf(refused, sizeof(refused), "%s%s%s needs a TOTP code (\"totp\")",
					 r.cmd, rule->scope ? " " : "", rule->scope ? rule->scope : "");
			} else if (!st) {
				snprintf(refused, sizeof(refused), "out of memory");
			} else if ((rc = tg_totp_check(&op->totp, st, r.totp, now, &step))) {
				snprintf(refused, sizeof(refused), "%s", tg_ctl_totp_why(rc));
			} else {
				mfa = "ok";
			}
			if (refused[0])
				TG_CTL_COUNT(c, mfa_failures);
		}
	}

	/* the record, before anything acts on the request */
	rec = json_pack("{s:s, s:o, s:I, s:I, s:s, s:o, s:O}",
			"event", "request",
			"user", conn->named ? json_string(conn->user) : json_null(),
			"uid", (json_int_t)conn->uid, "pid", (json_int_t)conn->pid,
			"role", tg_ctl_role_name(role),
			"cmd", r.cmd ? json_string(r.cmd) : json_null(),
			"args", r.args ? r.args : json_null());
	if (rec && !r.json)
		json_object_set_new(rec, "raw", tg_ctl_raw(line, len > TG_CTL_RAW_MAX ?
							   TG_CTL_RAW_MAX + 1 : len));
	if (rec) {
		json_object_set_new(rec, "mfa", json_string(mfa));
		if (step)
			json_object_set_new(rec, "mfa_step", json_integer((json_int_t)step));
		json_object_set_new(rec, "result", json_string(refused[0] ? "refused" : "authorized"));
		if (refused[0])
			json_object_set_new(rec, "error", json_string(refused));
	}
	rc = rec ? tg_ctl_audit(c, rec, &seq) : -ENOMEM;
	json_decref(rec);
	pthread_mutex_unlock(&c->lock);
	if (rc) {
		if (!refused[0])
			snprintf(refused, sizeof(refused), "the audit log cannot be written (%s):"
				 " nothing is done until it can", strerror(-rc));
		if (rec == NULL)
			TG_CTL_COUNT(c, audit_errors);
	}

	if (refused[0]) {
		TG_CTL_COUNT(c, refused);
		if (bad)
			TG_CTL_COUNT(c, bad_requests);
		json_object_clear(reply);
		json_object_set_new(reply, "ok", json_false());
		json_object_set_new(reply, "error", json_string(refused));
		if (seq)
			json_object_set_new(reply, "audit", json_integer((json_int_t)seq));
		goto out;
	}

	/* authorized: act, then record the outcome of a change */
	{
		int timed_out = 0;

		err[0] = 0;
		json_object_set_new(reply, "ok", json_true());
		if (!strcmp(r.cmd, "reload"))
			rc = tg_ctl_reload(c, err, sizeof(err));
		else
			rc = 0;
		if (!rc)
			rc = tg_ctl_run(c, h, &r, seq, user, reply, err, sizeof(err), &timed_out);
		if (rule->changes)
			tg_ctl_audit_outcome(c, seq, user, r.cmd,
					     timed_out ? "timeout" : rc ? "failed" : "ok",
					     rc ? err : NULL, 0);
		if (rc) {
			if (!timed_out)
				TG_CTL_COUNT(c, failed);
			json_object_clear(reply);
			json_object_set_new(reply, "ok", json_false());
			json_object_set_new(reply, "error", json_string(err));
		} else {
			/* the handler's members may not take "ok" */
			json_object_set_new(reply, "ok", json_true());
		}
		json_object_set_new(reply, "audit", json_integer((json_int_t)seq));
	}
out:
	/* the anchor catches up once the change has been handed over */
	if (tg_audit_flush(c->audit))
		TG_CTL_COUNT(c, audit_errors);
	json_decref(r.args);
	json_decref(r.json);
	return reply;
}

/* Drop a connection and its buffer. */
static void
tg_ctl_conn_close(struct tg_ctl_conn *conn)
{
	if (conn->fd >= 0)
		close(conn->fd);
	free(conn->buf);
	memset(conn, 0, sizeof(*conn));
	conn->fd = -1;
}

/* Send one reply line; -errno if the peer is gone or stuck. */
static int
tg_ctl_send(int fd, json_t *reply)
{
	char *s = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	const char *oom = "{\"ok\":false,\"error\":\"out of memory\"}";
	const char *p = s ? s : oom;
	size_t n = strlen(p);
	int rc = 0;

	while (n && !rc) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? -errno : -EIO;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	if (!rc && send(fd, "\n", 1, MSG_NOSIGNAL) != 1)
		rc = -EIO;
	free(s);
	return rc;
}

/* Take a new connection: who is it (SO_PEERCRED), and a slot for it. */
static void
tg_ctl_accept(struct tg_ctl *c)
{
	struct timeval tv = { TG_CTL_SEND_TIMEOUT_S, 0 };
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct tg_ctl_conn *conn = NULL;
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (unsigned i = 0; i < TG_CTL_MAX_CLIENTS; i++)
		if (c->conns[i].fd < 0) {
			conn = &c->conns[i];
			break;
		}
	if (!conn || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) ||
	    !(conn->buf = malloc(TG_CTL_MAX_LINE + 1))) {
		json_t *j = json_pack("{s:b, s:s}", "ok", 0, "error",
				      conn ? "cannot identify the caller" : "too many connections");
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		tg_ctl_send(fd, j);
		json_decref(j);
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	conn->fd = fd;
	conn->uid = cred.uid;
	conn->pid = cred.pid;
	conn->len = 0;
	{
		struct passwd pw, *res = NULL;
		char buf[16384];

		if (!getpwuid_r(cred.uid, &pw, buf, sizeof(buf), &res) && res &&
		    strlen(pw.pw_name) < sizeof(conn->user)) {
			snprintf(conn->user, sizeof(conn->user), "%s", pw.pw_name);
			conn->named = 1;
		}
	}
}

/* Read what conn sent and answer each whole line. */
static void
tg_ctl_serve(struct tg_ctl *c, struct tg_ctl_conn *conn)
{
	ssize_t n = recv(conn->fd, conn->buf + conn->len, TG_CTL_MAX_LINE - conn->len, 0);
	size_t start = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		tg_ctl_conn_close(conn);
		return;
	}
	conn->len += (size_t)n;
	for (;;) {
		char *nl = memchr(conn->buf + start, '\n', conn->len - start);
		size_t ll;

		if (!nl)
			break;
		ll = (size_t)(nl - (conn->buf + start));
		if (ll && conn->buf[start + ll - 1] == '\r')
			ll--;
		if (ll) {
			json_t *reply = tg_ctl_handle(c, conn, conn->buf + start, ll, 0);
			int rc = tg_ctl_send(conn->fd, reply);

			json_decref(reply);
			if (rc) {
				tg_ctl_conn_close(conn);
				return;
			}
		}
		start = (size_t)(nl - conn->buf) + 1;
	}
	memmove(conn->buf, conn->buf + start, conn->len - start);
	conn->len -= start;
	if (conn->len == TG_CTL_MAX_LINE) {
		/* audited like any bad request, then the connection is dropped */
		json_t *reply = tg_ctl_handle(c, conn, conn->buf, conn->len, 1);

		tg_ctl_send(conn->fd, reply);
		json_decref(reply);
		tg_ctl_conn_close(conn);
	}
}

/* The control thread: accept, read, answer, until woken to stop. */
static void *
tg_ctl_thread(void *arg)
{
	struct tg_ctl *c = arg;
	struct pollfd pfd[2 + TG_CTL_MAX_CLIENTS];
	struct tg_ctl_conn *who[2 + TG_CTL_MAX_CLIENTS];

	for (;;) {
		unsigned n = 0;
		int timeout, rc;

		pfd[n++] = (struct pollfd){ .fd = c->wake_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
		for (unsigned i = 0; i < TG_CTL_MAX_CLIENTS; i++)
			if (c->conns[i].fd >= 0) {
				who[n] = &c->conns[i];
				pfd[n++] = (struct pollfd){ .fd = c->conns[i].fd, .events = POLLIN };
			}
		/* late completions are audited within 100 ms */
		timeout = tg_ctl_reap(c) ? 100 : -1;
		rc = poll(pfd, n, timeout);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc <= 0)
			continue;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN)
			tg_ctl_accept(c);
		for (unsigned i = 2; i < n; i++)
			if (pfd[i].revents)
				tg_ctl_serve(c, who[i]);
	}
	return NULL;
}

/* A socket at path already: stale (nobody listening) or live? */
static int
tg_ctl_socket_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 1 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0)
		return -EADDRINUSE;
	return unlink(sa->sun_path) ? -errno : 1;
}

/* Create the socket and start the control thread. */
int
tg_ctl_start(struct tg_ctl *c, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	int rc;

	if (c->started)
		return -EALREADY;
	if (strlen(c->cfg.socket) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "[control] socket %s: longer than %zu bytes", c->cfg.socket,
			 sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, c->cfg.socket, strlen(c->cfg.socket) + 1);
	/* the directory: mkdir -p, searchable by the operators who connect */
	snprintf(dir, sizeof(dir), "%s", c->cfg.socket);
	{
		char *d = dirname(dir);
		size_t n = strlen(d);

		for (size_t i = 1; i <= n; i++) {
			if (d[i] != '/' && d[i] != 0)
				continue;
			char ch = d[i];
			d[i] = 0;
			if (mkdir(d, 0755) && errno != EEXIST) {
				rc = -errno;
				snprintf(err, errlen, "cannot create %s: %s", d, strerror(errno));
				return rc;
			}
			d[i] = ch;
		}
	}
	if ((rc = tg_ctl_socket_stale(&sa)) < 0) {
		snprintf(err, errlen, "control socket %s: %s", c->cfg.socket,
			 rc == -EADDRINUSE ? "another process is listening on it" :
			 rc == -EEXIST ? "exists and is not a socket" : strerror(-rc));
		return rc;
	}
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->listen_fd < 0 || c->wake_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return rc;
	}
	if (bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		snprintf(err, errlen, "control socket %s: bind: %s", c->cfg.socket, strerror(errno));
		return rc;
	}
	snprintf(c->bound, sizeof(c->bound), "%s", sa.sun_path);
	/* anyone local may connect; the role table decides what they may do */
	if (chmod(sa.sun_path, 0666) || listen(c->listen_fd, TG_CTL_MAX_CLIENTS)) {
		rc = -errno;
		snprintf(err, errlen, "control socket %s: %s", c->cfg.socket, strerror(errno));
		return rc;
	}
	if ((rc = -pthread_create(&c->thread, NULL, tg_ctl_thread, c))) {
		snprintf(err, errlen, "control thread: %s", strerror(-rc));
		return rc;
	}
	pthread_setname_np(c->thread, "tg-control");
	c->started = 1;
	return 0;
}

/* The control plane's counters as Prometheus counters, one family each. */
static const struct {
	const char *name;
	size_t off;
	const char *help;
} tg_ctl_metric_table[] = {
	{ "tickgate_control_requests_total", offsetof(struct tg_ctl_counters, requests),
	  "control socket requests received" },
	{ "tickgate_control_refused_total", offsetof(struct tg_ctl_counters, refused),
	  "control requests refused (any reason)" },
	{ "tickgate_control_bad_requests_total", offsetof(struct tg_ctl_counters, bad_requests),
	  "control requests that were not valid requests" },
	{ "tickgate_control_mfa_failures_total", offsetof(struct tg_ctl_counters, mfa_failures),
	  "control requests refused for a missing, wrong or replayed TOTP code" },
	{ "tickgate_control_failed_total", offsetof(struct tg_ctl_counters, failed),
	  "authorized control requests whose handler failed" },
	{ "tickgate_control_timeouts_total", offsetof(struct tg_ctl_counters, timeouts),
	  "changes the hot path did not apply within [control] timeout_ms" },
	{ "tickgate_control_audit_errors_total", offsetof(struct tg_ctl_counters, audit_errors),
	  "audit records that could not be written" },
};

struct tg_ctl_metric_ctx {
	struct tg_ctl *c;
	size_t off;
};

/* One counter of the control plane, for a scrape. */
static void
tg_ctl_collect(void *ctx, struct tg_metrics_out *o)
{
	struct tg_ctl_metric_ctx *mc = ctx;

	tg_metrics_u64(o, __atomic_load_n((uint64_t *)((char *)&mc->c->counters + mc->off),
					  __ATOMIC_RELAXED), NULL);
}

/* One counter family per field of struct tg_ctl_counters. */
int
tg_ctl_register_metrics(struct tg_ctl *c, struct tg_metrics *m)
{
	static const size_t n = sizeof(tg_ctl_metric_table) / sizeof(tg_ctl_metric_table[0]);
	int rc;

	if (!c->metric_ctx && !(c->metric_ctx = calloc(n, sizeof(*c->metric_ctx))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		c->metric_ctx[i] = (struct tg_ctl_metric_ctx){ c, tg_ctl_metric_table[i].off };
		rc = tg_metrics_register(m, tg_ctl_metric_table[i].name, TG_METRIC_COUNTER,
					 tg_ctl_metric_table[i].help, tg_ctl_collect,
					 &c->metric_ctx[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Stop the thread and release everything (the socket file too). */
void
tg_ctl_free(struct tg_ctl *c)
{
	if (!c)
		return;
	if (c->started) {
		uint64_t one = 1;

		if (write(c->wake_fd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(c->thread);
		pthread_join(c->thread, NULL);
	}
	for (unsigned i = 0; i < TG_CTL_MAX_CLIENTS; i++)
		if (c->conns[i].fd >= 0)
			tg_ctl_conn_close(&c->conns[i]);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	if (c->bound[0])
		unlink(c->bound);
	if (c->audit) {
		tg_ctl_reap(c);
		tg_audit_close(c->audit);
	}
	free(c->ring);
	free(c->metric_ctx);
	tg_ctl_config_free(&c->cfg);
	free(c->mfa);
	free(c->config_path);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
