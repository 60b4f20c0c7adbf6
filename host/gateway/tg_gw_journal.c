/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's journal records and their replay. Replay feeds the
 * journaled inputs to a fresh engine in their order and checks that it
 * regenerates, byte for byte, the outputs journaled after each input: the
 * engine is deterministic, so a difference means the configuration
 * changed under the journal or the engine is not, and serving from such a
 * state would contradict what clients were already told.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/tg_gw_int.h"
#include "journal/tg_journal.h"
#include "order/tg_engine.h"
#include "ouch/tg_ouch.h"

/* Big-endian stores and loads. */
static void
tg_gw_put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The big-endian u64 at p. */
static uint64_t
tg_gw_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* DAY: who wrote the journal, its session name and its midnight. */
size_t
tg_gw_rec_day(uint8_t *out, const char session[10], uint64_t midnight)
{
	memcpy(out, "TGGW", 4);
	out[4] = TG_GW_JOURNAL_VERSION >> 8;
	out[5] = TG_GW_JOURNAL_VERSION & 0xff;
	memcpy(out + 6, session, 10);
	tg_gw_put64(out + 16, midnight);
	return 24;
}

/* SYSTEM input: a system event for every user. */
size_t
tg_gw_rec_system(uint8_t *out, uint64_t ts, char event)
{
	tg_gw_put64(out, ts);
	out[8] = (uint8_t)event;
	return 9;
}

/* ORDER input: one inbound OUCH message, exactly as received. */
size_t
tg_gw_rec_order(uint8_t *out, uint64_t ts, const char user[6], const uint8_t *msg,
		size_t len)
{
	tg_gw_put64(out, ts);
	memcpy(out + 8, user, 6);
	memcpy(out + 14, msg, len);
	return 14 + len;
}

/* TICK input: time passes, orders whose time ran out expire. */
size_t
tg_gw_rec_tick(uint8_t *out, uint64_t ts)
{
	tg_gw_put64(out, ts);
	return 8;
}

/* OUT: one outbound message with its place in the user's stream. */
size_t
tg_gw_rec_out(uint8_t *out, const char user[6], uint64_t seq, const uint8_t *msg,
	      size_t len)
{
	memcpy(out, user, 6);
	tg_gw_put64(out + 6, seq);
	memcpy(out + 14, msg, len);
	return 14 + len;
}

/* ---- replay ---- */

struct tg_gw_regen {
	unsigned user;
	uint8_t len;
	uint8_t msg[TG_OUCH_MAX_MSG];
};

struct tg_gw_replay_st {
	struct tg_engine *e;
	const struct tg_gw_replay_cb *cb;
	struct tg_gw_replay_result *res;
	char *err;
	size_t errlen;
	uint64_t *seq;			/* per user: messages so far */
	struct tg_gw_regen *fifo;	/* engine outputs not yet matched */
	size_t head, n, cap;
	int nomem;
};

/* Format err; returns -EPROTO. */
static int
tg_gw_replay_err(struct tg_gw_replay_st *st, uint64_t lsn, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(st->err, st->errlen, "journal record %llu: ",
			 (unsigned long long)lsn);

	if (n < 0 || (size_t)n >= st->errlen)
		return -EPROTO;
	va_start(ap, fmt);
	vsnprintf(st->err + n, st->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* Engine sink: queue what the engine regenerates until the journal's copy comes. */
static void
tg_gw_replay_sink_out(void *ctx, unsigned user, const struct tg_ouch_out *m)
{
	struct tg_gw_replay_st *st = ctx;
	struct tg_gw_regen *r;

	if (st->cb && st->cb->tap && st->cb->tap->out)
		st->cb->tap->out(st->cb->tap->ctx, user, m);
	if (st->head + st->n == st->cap) {
		if (st->head) {
			memmove(st->fifo, st->fifo + st->head, st->n * sizeof(*st->fifo));
			st->head = 0;
		} else {
			size_t cap = st->cap ? st->cap * 2 : 64;
			struct tg_gw_regen *f = realloc(st->fifo, cap * sizeof(*f));

			if (!f) {
				st->nomem = 1;
				return;
			}
			st->fifo = f;
			st->cap = cap;
		}
	}
	r = &st->fifo[st->head + st->n++];
	r->user = user;
	r->len = (uint8_t)tg_ouch_out_encode(m, r->msg);
}

/* Engine sink: fills go straight to the caller (clearing, surveillance). */
static void
tg_gw_replay_sink_fill(void *ctx, const struct tg_engine_fill *f)
{
	struct tg_gw_replay_st *st = ctx;

	if (st->cb && st->cb->tap && st->cb->tap->fill)
		st->cb->tap->fill(st->cb->tap->ctx, f);
	if (st->cb && st->cb->fill)
		st->cb->fill(st->cb->ctx, f);
}

/* The engine index of the a6 user field p, or -1. */
static int
tg_gw_replay_user(struct tg_gw_replay_st *st, const uint8_t *p)
{
	char name[TG_GW_USER_LEN + 1];
	int n = TG_GW_USER_LEN;

	memcpy(name, p, TG_GW_USER_LEN);
	while (n > 0 && name[n - 1] == ' ')
		n--;
	name[n] = 0;
	if (!n)
		return -1;
	return tg_engine_user_find(st->e, name);
}

/* One input record: the regenerated outputs of the previous one must all have matched. */
static int
tg_gw_replay_input(struct tg_gw_replay_st *st, const struct tg_journal_rec *r)
{
	const struct tg_engine_sink sink = {
		.out = tg_gw_replay_sink_out,
		.fill = tg_gw_replay_sink_fill,
		.ctx = st,
	};
	const uint8_t *p = r->payload;
	uint64_t ts;

	if (st->n) {
		const struct tg_gw_regen *g = &st->fifo[st->head];

		return tg_gw_replay_err(st, r->lsn,
					"the engine produced %zu outbound message(s) the journal lacks (first: '%c' for %s)",
					st->n, g->msg[0], tg_engine_user_name(st->e, g->user));
	}
	if (r->len < 8)
		return tg_gw_replay_err(st, r->lsn, "input of %u bytes", r->len);
	ts = tg_gw_get64(p);
	if (ts < st->res->last_ts)
		return tg_gw_replay_err(st, r->lsn, "time goes back (%llu after %llu)",
					(unsigned long long)ts,
					(unsigned long long)st->res->last_ts);
	st->res->last_ts = ts;
	st->res->inputs++;
	switch (r->type) {
	case TG_GW_REC_SYSTEM:
		if (r->len != 9)
			return tg_gw_replay_err(st, r->lsn, "system event of %u bytes", r->len);
		tg_engine_system(st->e, ts, (char)p[8], &sink);
		break;
	case TG_GW_REC_TICK:
		if (r->len != 8)
			return tg_gw_replay_err(st, r->lsn, "tick of %u bytes", r->len);
		tg_engine_tick(st->e, ts, &sink);
		break;
	case TG_GW_REC_ORDER: {
		struct tg_ouch_in m;
		int user;

		if (r->len < 15)
			return tg_gw_replay_err(st, r->lsn, "order of %u bytes", r->len);
		user = tg_gw_replay_user(st, p + 8);
		if (user < 0)
			return tg_gw_replay_err(st, r->lsn, "user '%.6s' is not in the config",
						(const char *)p + 8);
		if (tg_ouch_in_decode(p + 14, r->len - 14, &m))
			return tg_gw_replay_err(st, r->lsn, "inbound OUCH message does not decode");
		tg_engine_order(st->e, ts, (unsigned)user, &m, &sink);
		break;
	}
	case TG_GW_REC_MARKET: {
		struct tg_engine_market mk;

		if (tg_gw_rec_market_parse(p, r->len, &mk))
			return tg_gw_replay_err(st, r->lsn, "market data of %u bytes", r->len);
		tg_engine_market(st->e, ts, &mk, &sink);
		if (st->cb && st->cb->market)
			st->cb->market(st->cb->ctx, ts, &mk);
		break;
	}
	case TG_GW_REC_CONTROL: {
		struct tg_engine_ctl c;
		int rc;

		if (tg_gw_rec_control_parse(p, r->len, &c))
			return tg_gw_replay_err(st, r->lsn, "malformed operator action (%u bytes)", r->len);
		rc = tg_engine_control(st->e, ts, &c, &sink);
		if (st->cb && st->cb->control)
			st->cb->control(st->cb->ctx, &c, rc);
		break;
	}
	}
	if (st->nomem)
		return -ENOMEM;
	return 0;
}

/* One output record: it must be the engine's next regenerated message. */
static int
tg_gw_replay_output(struct tg_gw_replay_st *st, const struct tg_journal_rec *r)
{
	const uint8_t *p = r->payload;
	const struct tg_gw_regen *g;
	uint64_t seq;
	int user;

	if (r->len < 15 || r->len > 14 + TG_OUCH_MAX_MSG)
		return tg_gw_replay_err(st, r->lsn, "output of %u bytes", r->len);
	user = tg_gw_replay_user(st, p);
	if (user < 0)
		return tg_gw_replay_err(st, r->lsn, "user '%.6s' is not in the config",
					(const char *)p);
	seq = tg_gw_get64(p + 6);
	if (!st->n)
		return tg_gw_replay_err(st, r->lsn,
					"journaled message %llu of %s ('%c') was not regenerated by the engine",
					(unsigned long long)seq, tg_engine_user_name(st->e, (unsigned)user),
					p[14]);
	g = &st->fifo[st->head];
	if (g->user != (unsigned)user || g->len != r->len - 14 ||
	    memcmp(g->msg, p + 14, g->len))
		return tg_gw_replay_err(st, r->lsn,
					"journaled message %llu of %s ('%c', %u bytes) differs from the engine's ('%c' for %s, %u bytes)",
					(unsigned long long)seq,
					tg_engine_user_name(st->e, (unsigned)user), p[14],
					r->len - 14, g->msg[0],
					tg_engine_user_name(st->e, g->user), g->len);
	if (seq != st->seq[user] + 1)
		return tg_gw_replay_err(st, r->lsn, "%s: message %llu follows %llu",
					tg_engine_user_name(st->e, (unsigned)user),
					(unsigned long long)seq,
					(unsigned long long)st->seq[user]);
	st->seq[user] = seq;
	st->head++;
	st->n--;
	if (!st->n)
		st->head = 0;
	st->res->outputs++;
	if (st->cb && st->cb->out)
		return st->cb->out(st->cb->ctx, (unsigned)user, seq, p + 14, r->len - 14, 1);
	return 0;
}

/* tg_journal_replay() callback: dispatch one record. */
static int
tg_gw_replay_rec(void *ctx, const struct tg_journal_rec *r)
{
	struct tg_gw_replay_st *st = ctx;
	const uint8_t *p = r->payload;

	if (r->type == TG_GW_REC_DAY) {
		uint16_t v;

		if (r->lsn != 1 || r->len != 24 || memcmp(p, "TGGW", 4))
			return tg_gw_replay_err(st, r->lsn, "misplaced or malformed day record");
		v = (uint16_t)(p[4] << 8 | p[5]);
		if (v != TG_GW_JOURNAL_VERSION)
			return tg_gw_replay_err(st, r->lsn, "journal version %u, this gateway reads %u",
						v, TG_GW_JOURNAL_VERSION);
		memcpy(st->res->session, p + 6, 10);
		st->res->session[10] = 0;
		st->res->midnight = tg_gw_get64(p + 16);
		if (st->cb && st->cb->day)
			return st->cb->day(st->cb->ctx, st->res->session, st->res->midnight);
		return 0;
	}
	if (r->lsn == 1)
		return tg_gw_replay_err(st, r->lsn,
					"not a gateway journal (the first record is of type %u)",
					r->type);
	switch (r->type) {
	case TG_GW_REC_SYSTEM:
	case TG_GW_REC_ORDER:
	case TG_GW_REC_TICK:
	case TG_GW_REC_MARKET:
	case TG_GW_REC_CONTROL:
		return tg_gw_replay_input(st, r);
	case TG_GW_REC_OUT:
		return tg_gw_replay_output(st, r);
	default:
		return tg_gw_replay_err(st, r->lsn, "unknown record type %u", r->type);
	}
}

/* Replay and check a whole journal (see tg_gw.h). */
int
tg_gw_replay(struct tg_journal *j, struct tg_engine *e,
	     const struct tg_gw_replay_cb *cb, struct tg_gw_replay_result *res,
	     char *err, size_t errlen)
{
	struct tg_gw_replay_st st = {
		.e = e, .cb = cb, .res = res, .err = err, .errlen = errlen,
	};
	int rc;

	memset(res, 0, sizeof(*res));
	if (errlen)
		err[0] = 0;
	if (tg_journal_last_lsn(j) == 0) {
		snprintf(err, errlen, "the journal is empty");
		return -ENODATA;
	}
	st.seq = calloc(tg_engine_users(e) + 1, sizeof(*st.seq));
	if (!st.seq)
		return -ENOMEM;
	rc = tg_journal_replay(j, tg_gw_replay_rec, &st);
	if (!rc && st.nomem)
		rc = -ENOMEM;
	if (rc && errlen && !err[0])
		snprintf(err, errlen, "journal replay: %s", strerror(-rc));
	/*
	 * Outputs of the last inputs that a crash kept out of the journal:
	 * never sent (nothing is sent before its sync), so the engine's
	 * regeneration is what they are.
	 */
	while (!rc && st.n) {
		const struct tg_gw_regen *g = &st.fifo[st.head++];

		st.n--;
		res->regenerated++;
		st.seq[g->user]++;
		if (cb && cb->out)
			rc = cb->out(cb->ctx, g->user, st.seq[g->user], g->msg, g->len, 0);
	}
	free(st.fifo);
	free(st.seq);
	return rc;
}
