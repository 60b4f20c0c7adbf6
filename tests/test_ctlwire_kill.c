/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kill switches end to end through `tickgate gateway`: resting orders of a
 * firm, an account, everyone, canceled with reason 'S' to their owners and
 * nobody else; new orders rejected 'a' until a resume; TOTP right, wrong,
 * missing and replayed; roles; every request in the audit log, which
 * `tickgate audit verify` passes and, once a record is edited, fails at
 * that record (and the gateway then refuses to start on it). The expected
 * answers are those docs/order-path.md and docs/control.md give; the codes
 * come from RFC 6238 computed here.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "test_ctlwire_util.h"

#define P(d)	((uint32_t)((d) * 10000))	/* dollars to p4 */

/* A token as a C string. */
static const char *
tok(const char t[14], char out[15])
{
	return gwt_tok(t, out);
}

/* The audit log's records, one JSON object each, in order. */
static json_t *
audit_records(const char *path)
{
	char *s = cw_slurp(path), *line, *save;
	json_t *a = json_array();

	cr_assert(s, "no audit log at %s", path);
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *r = json_loads(line, 0, &je);

		cr_assert(r, "audit line is not JSON: %s", line);
		json_array_append_new(a, r);
	}
	free(s);
	return a;
}

/* Record i (0-based) is a request for cmd with this result (and, if set, mfa). */
static void
audit_is(json_t *recs, size_t i, const char *event, const char *cmd, const char *result,
	 const char *mfa)
{
	json_t *r = json_array_get(recs, i);
	char *t = json_dumps(r, JSON_COMPACT);

	cr_assert(r, "audit record %zu missing", i + 1);
	cr_assert_eq(json_integer_value(json_object_get(r, "seq")), (json_int_t)(i + 1), "%s", t);
	cr_assert_str_eq(json_string_value(json_object_get(r, "event")), event, "%s", t);
	cr_assert_str_eq(json_string_value(json_object_get(r, "cmd")), cmd, "%s", t);
	cr_assert_str_eq(json_string_value(json_object_get(r, "result")), result, "%s", t);
	if (mfa)
		cr_assert_str_eq(json_string_value(json_object_get(r, "mfa")), mfa, "%s", t);
	free(t);
}

/*
 * The kill as an operator sends it, timed: the request goes out on the
 * control socket while the owners' connections are watched, so the first
 * Canceled is timed from the request, as is the reply.
 */
static json_t *
timed_kill(struct cw *w, const char *args, const char *totp, struct tg_ouch_client *owner,
	   struct tg_ouch_out *first, uint64_t *cancel_us, uint64_t *reply_us)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[512], buf[4096];
	size_t have = 0;
	json_t *reply = NULL;
	uint64_t t0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(strlen(w->sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, w->sock, strlen(w->sock) + 1);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(line, sizeof(line), "{\"cmd\":\"kill\",\"args\":%s,\"totp\":\"%s\"}\n", args, totp);
	*cancel_us = *reply_us = 0;
	t0 = cw_us();
	cr_assert_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	while ((!reply || !*cancel_us) && cw_us() - t0 < 10000000) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = tg_ouch_client_fd(owner), .events = tg_ouch_client_events(owner) },
		};
		struct tg_ouch_event ev;

		poll(p, 2, 100);
		if (p[0].revents & POLLIN) {
			ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
			char *nl;

			cr_assert(n > 0);
			have += (size_t)n;
			buf[have] = 0;
			if ((nl = strchr(buf, '\n'))) {
				json_error_t je;

				*nl = 0;
				*reply_us = cw_us() - t0;
				reply = json_loads(buf, 0, &je);
				cr_assert(reply, "reply: %s", buf);
			}
		}
		while (!*cancel_us && tg_ouch_client_process(owner, &ev) == 1) {
			cr_assert_eq(ev.type, TG_OUCH_EV_MESSAGE);
			*first = ev.msg;
			*cancel_us = cw_us() - t0;
		}
	}
	close(fd);
	cr_assert(reply, "no reply to the kill");
	cr_assert(*cancel_us, "no Canceled after the kill");
	return reply;
}

/* risk: kill firm with MFA, refusals of every kind, resume; audit and tampering. */
Test(ctlwire, kill_firm_mfa_audit, .timeout = 120)
{
	struct cw w;
	struct tg_ouch_client *a, *b, *c;
	struct tg_ouch_out m;
	char code[7], used[7], bad[7], t[15];
	uint64_t cancel_us, reply_us;
	json_t *r, *recs;
	char *out, *err, *log;
	int seen_a = 0, seen_c1 = 0, seen_c2 = 0;

	cw_setup(&w, "risk", NULL, NULL);
	cr_assert_eq(cw_start(&w), 0);
	a = cw_login(&w, "alice");
	b = cw_login(&w, "bob");
	c = cw_login(&w, "carol");

	/* resting orders: alice and carol (ACME), bob (BETA), none crossing */
	cw_enter(a, "A1", 'B', 100, "AAPL", P(100));
	cw_expect(a, 'A', 0);
	cw_enter(c, "C1", 'B', 200, "AAPL", P(99));
	cw_expect(c, 'A', 0);
	cw_enter(c, "C2", 'S', 50, "MSFT", P(300));
	cw_expect(c, 'A', 0);
	cw_enter(b, "B1", 'S', 100, "AAPL", P(101));
	cw_expect(b, 'A', 0);

	/* 1-3: refused before anything happens */
	cw_refused(&w, "kill", "{\"scope\":\"firm\",\"name\":\"ACME\"}", NULL, "needs a TOTP code");
	cw_refused(&w, "kill", "{\"scope\":\"firm\",\"name\":\"ACME\"}", cw_wrong_code(&w, bad),
		   "wrong TOTP code");
	cw_refused(&w, "kill", "{\"scope\":\"all\"}", cw_fresh_code(&w, code),
		   "role risk may not kill all: it needs admin");
	cw_quiet(a, 200);
	cw_quiet(c, 50);
	cw_enter(a, "A1b", 'B', 10, "AAPL", P(98));
	cw_expect(a, 'A', 0);

	/* 4-5: the kill, timed */
	cw_fresh_code(&w, used);
	r = timed_kill(&w, "{\"scope\":\"firm\",\"name\":\"ACME\"}", used, a, &m, &cancel_us,
		       &reply_us);
	cr_assert(json_is_true(json_object_get(r, "ok")), "%s", json_dumps(r, 0));
	cr_assert_str_eq(json_string_value(json_object_get(r, "applied")), "kill");
	cr_assert_eq(json_integer_value(json_object_get(r, "canceled")), 4);
	json_decref(r);
	cr_assert_eq(m.type, 'C');
	cr_assert_eq(m.canceled.reason, 'S');
	seen_a += !strcmp(tok(m.canceled.token, t), "A1") && m.canceled.decrement == 100;
	seen_a += !strcmp(tok(m.canceled.token, t), "A1b") && m.canceled.decrement == 10;
	cr_log_info("kill firm: first Canceled %llu us, reply %llu us after the request",
		    (unsigned long long)cancel_us, (unsigned long long)reply_us);
	fprintf(stderr, "kill firm ACME: first Canceled 'S' %llu us, reply %llu us after the request\n",
		(unsigned long long)cancel_us, (unsigned long long)reply_us);
	m = cw_expect(a, 'C', 'S');
	seen_a += !strcmp(tok(m.canceled.token, t), "A1") && m.canceled.decrement == 100;
	seen_a += !strcmp(tok(m.canceled.token, t), "A1b") && m.canceled.decrement == 10;
	cr_assert_eq(seen_a, 2, "alice's two orders canceled once each");
	for (int k = 0; k < 2; k++) {
		m = cw_expect(c, 'C', 'S');
		seen_c1 += !strcmp(tok(m.canceled.token, t), "C1") && m.canceled.decrement == 200;
		seen_c2 += !strcmp(tok(m.canceled.token, t), "C2") && m.canceled.decrement == 50;
	}
	cr_assert(seen_c1 == 1 && seen_c2 == 1, "carol's two orders canceled once each");
	cw_quiet(b, 200);

	/* new orders: ACME rejected 'a', BETA as before */
	cw_enter(a, "A2", 'B', 10, "AAPL", P(100));
	cw_expect(a, 'J', 'a');
	cw_enter(c, "C3", 'S', 10, "MSFT", P(300));
	cw_expect(c, 'J', 'a');
	cw_enter(b, "B2", 'B', 10, "MSFT", P(1));
	cw_expect(b, 'A', 0);

	/* 6: the code just used, again: a replay */
	cw_refused(&w, "kill", "{\"scope\":\"firm\",\"name\":\"BETA\"}", used, "already used");
	cw_enter(b, "B3", 'B', 10, "MSFT", P(1));
	cw_expect(b, 'A', 0);

	/* 7-8: resume needs no code; ACME trades again */
	r = cw_ok(&w, "resume", "{\"scope\":\"firm\",\"name\":\"ACME\"}", NULL);
	cr_assert_str_eq(json_string_value(json_object_get(r, "applied")), "resume");
	json_decref(r);
	cw_enter(a, "A3", 'B', 10, "AAPL", P(100));
	cw_expect(a, 'A', 0);

	/* 9-10: read-only */
	r = cw_ok(&w, "risk.show", "{\"scope\":\"firm\",\"name\":\"ACME\"}", NULL);
	cr_assert(json_is_false(json_object_get(json_array_get(json_object_get(r, "firms"), 0),
						"killed")));
	json_decref(r);
	r = cw_ok(&w, "stats", NULL, NULL);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(r, "engine"),
									 "rejects"), "a")), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "engine"), "canceled")), 4);
	cr_assert_eq(json_array_size(json_object_get(json_object_get(json_object_get(r, "risk"),
								      "killed"), "firms")), 0);
	json_decref(r);

	log = gwt_log(&w.g);
	cr_assert(strstr(log, "operator: kill firm ACME: 4 resting orders canceled; applied in "), "%s", log);
	cr_assert(strstr(log, "operator: resume firm ACME: 0 resting orders canceled"), "%s", log);
	fprintf(stderr, "%s", strstr(log, "operator: kill firm ACME"));
	free(log);

	tg_ouch_client_close(a);
	tg_ouch_client_close(b);
	tg_ouch_client_close(c);
	cr_assert_eq(gwt_stop(&w.g), 0);

	/* every request in order, an outcome after each change that ran */
	recs = audit_records(w.audit);
	cr_assert_eq(json_array_size(recs), 10, "%zu audit records", json_array_size(recs));
	audit_is(recs, 0, "request", "kill", "refused", "refused");
	audit_is(recs, 1, "request", "kill", "refused", "refused");
	audit_is(recs, 2, "request", "kill", "refused", "not needed");
	audit_is(recs, 3, "request", "kill", "authorized", "ok");
	audit_is(recs, 4, "outcome", "kill", "ok", NULL);
	audit_is(recs, 5, "request", "kill", "refused", "refused");
	audit_is(recs, 6, "request", "resume", "authorized", "not needed");
	audit_is(recs, 7, "outcome", "resume", "ok", NULL);
	audit_is(recs, 8, "request", "risk.show", "authorized", NULL);
	audit_is(recs, 9, "request", "stats", "authorized", NULL);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(recs, 3), "user")), w.me);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(recs, 3), "role")), "risk");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(recs, 3),
									   "args"), "name")), "ACME");
	json_decref(recs);
	cr_assert_eq(cw_tickgate(&out, &err, "audit verify --log %s", w.audit), 0, "%s", err);
	cr_assert(strstr(out, ": 10 records, intact; head 10 "), "%s", out);
	free(out);
	free(err);
	cw_teardown(&w);
}

/* An edited record fails verification at that record, and the gateway will not start on it. */
Test(ctlwire, audit_tamper_stops_start, .timeout = 120)
{
	struct cw w;
	char *s, *p, *out, *err, path[256];
	json_t *r;
	FILE *f;

	cw_setup(&w, "risk", NULL, NULL);
	cr_assert_eq(cw_start(&w), 0);
	json_decref(cw_ok(&w, "kill", "{\"scope\":\"account\",\"name\":\"alice\"}", NULL));
	json_decref(cw_ok(&w, "resume", "{\"scope\":\"account\",\"name\":\"alice\"}", NULL));
	r = cw_ok(&w, "audit.head", NULL, NULL);
	/* its own request record is the head */
	cr_assert_eq(json_integer_value(json_object_get(r, "seq")), 5);
	json_decref(r);
	cr_assert_eq(gwt_stop(&w.g), 0);
	cr_assert_eq(cw_tickgate(&out, &err, "audit verify --log %s", w.audit), 0, "%s", err);
	cr_assert(strstr(out, ": 5 records, intact"), "%s", out);
	free(out);
	free(err);

	/* edit record 3 (the resume's request): "alice" becomes "alicf" */
	s = cw_slurp(w.audit);
	p = s;
	for (int i = 0; i < 2; i++)
		p = strchr(p, '\n') + 1;
	p = strstr(p, "\"alice\"");
	cr_assert(p);
	p[5] = 'f';
	snprintf(path, sizeof(path), "%s", w.audit);
	f = fopen(path, "w");
	fputs(s, f);
	fclose(f);
	free(s);
	cr_assert_eq(cw_tickgate(&out, &err, "audit verify --log %s", w.audit), 1, "%s", out);
	cr_assert(strstr(err, "record 3: its hash does not chain"), "%s", err);
	free(out);
	free(err);

	/* the appliance does not chain onto a log that does not verify */
	cr_assert_eq(cw_start(&w), 1);
	s = gwt_log(&w.g);
	cr_assert(strstr(s, "does not verify"), "%s", s);
	free(s);
	cw_teardown(&w);
}

/* admin: kill account and all, resume each; limits with and without a code; the book. */
Test(ctlwire, kill_all_account_limits, .timeout = 120)
{
	struct cw w;
	struct tg_ouch_client *a, *b;
	struct tg_ouch_out m;
	char code[7], t[15];
	json_t *r, *bids;
	int seen = 0;

	cw_setup(&w, "admin", NULL, NULL);
	cr_assert_eq(cw_start(&w), 0);
	a = cw_login(&w, "alice");
	b = cw_login(&w, "bob");
	cw_enter(a, "A1", 'B', 100, "AAPL", P(100));
	cw_expect(a, 'A', 0);
	cw_enter(a, "A2", 'B', 300, "AAPL", P(100));
	cw_expect(a, 'A', 0);
	cw_enter(b, "B1", 'S', 70, "AAPL", P(101.5));
	cw_expect(b, 'A', 0);

	/* the live book, as the engine holds it */
	r = cw_ok(&w, "book", "{\"stock\":\"AAPL\"}", NULL);
	bids = json_object_get(r, "bids");
	cr_assert_eq(json_array_size(bids), 1);
	cr_assert_eq(json_integer_value(json_array_get(json_array_get(bids, 0), 0)), P(100));
	cr_assert_eq(json_integer_value(json_array_get(json_array_get(bids, 0), 1)), 400);
	cr_assert_eq(json_integer_value(json_array_get(json_array_get(bids, 0), 2)), 2);
	cr_assert_eq(json_integer_value(json_array_get(json_array_get(json_object_get(r, "asks"), 0), 1)), 70);
	json_decref(r);

	/* kill account alice: no code needed */
	r = cw_ok(&w, "kill", "{\"scope\":\"account\",\"name\":\"alice\"}", NULL);
	cr_assert_eq(json_integer_value(json_object_get(r, "canceled")), 2);
	json_decref(r);
	for (int k = 0; k < 2; k++) {
		m = cw_expect(a, 'C', 'S');
		seen += !strcmp(tok(m.canceled.token, t), "A1") && m.canceled.decrement == 100;
		seen += !strcmp(tok(m.canceled.token, t), "A2") && m.canceled.decrement == 300;
	}
	cr_assert_eq(seen, 2, "alice's two orders canceled once each");
	cw_quiet(b, 100);

	/* kill all: a code, bob's order goes */
	cw_refused(&w, "kill", "{\"scope\":\"all\"}", NULL, "needs a TOTP code");
	r = cw_ok(&w, "kill", "{\"scope\":\"all\"}", cw_fresh_code(&w, code));
	cr_assert_eq(json_integer_value(json_object_get(r, "canceled")), 1);
	json_decref(r);
	m = cw_expect(b, 'C', 'S');
	cr_assert_str_eq(tok(m.canceled.token, t), "B1");
	cw_enter(b, "B2", 'S', 10, "AAPL", P(102));
	cw_expect(b, 'J', 'a');

	/* resume all: bob trades, alice's own switch stays */
	json_decref(cw_ok(&w, "resume", "{\"scope\":\"all\"}", NULL));
	cw_enter(b, "B3", 'S', 10, "AAPL", P(102));
	cw_expect(b, 'A', 0);
	cw_enter(a, "A3", 'B', 10, "AAPL", P(100));
	cw_expect(a, 'J', 'a');
	r = cw_ok(&w, "stats", NULL, NULL);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(
		json_object_get(r, "risk"), "killed"), "accounts"), 0)), "alice");
	json_decref(r);
	json_decref(cw_ok(&w, "resume", "{\"scope\":\"account\",\"name\":\"alice\"}", NULL));
	cw_enter(a, "A4", 'B', 10, "AAPL", P(100));
	cw_expect(a, 'A', 0);

	/* a limit where there was none: no code; raising it: a code */
	json_decref(cw_ok(&w, "risk.set", "{\"scope\":\"firm\",\"name\":\"ACME\","
			  "\"key\":\"max_order_shares\",\"value\":500}", NULL));
	cw_enter(a, "A5", 'B', 600, "AAPL", P(100));
	cw_expect(a, 'J', 'Z');
	cw_refused(&w, "risk.set", "{\"scope\":\"firm\",\"name\":\"ACME\","
		   "\"key\":\"max_order_shares\",\"value\":1000}", NULL, "needs a TOTP code");
	json_decref(cw_ok(&w, "risk.set", "{\"scope\":\"firm\",\"name\":\"ACME\","
			  "\"key\":\"max_order_shares\",\"value\":1000}", cw_fresh_code(&w, code)));
	cw_enter(a, "A6", 'B', 600, "AAPL", P(100));
	cw_expect(a, 'A', 0);
	r = cw_ok(&w, "risk.show", "{\"scope\":\"firm\",\"name\":\"ACME\"}", NULL);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_array_get(
		json_object_get(r, "firms"), 0), "limits"), "max_order_shares")), 1000);
	json_decref(r);

	/* reload re-reads the operators only; an admin may */
	json_decref(cw_ok(&w, "reload", NULL, NULL));

	tg_ouch_client_close(a);
	tg_ouch_client_close(b);
	cr_assert_eq(gwt_stop(&w.g), 0);
	cw_teardown(&w);
}

/* viewer reads, may not steer; a user without a section may not even read. */
Test(ctlwire, viewer_and_stranger, .timeout = 120)
{
	struct cw w;
	json_t *r;

	cw_setup(&w, "viewer", NULL, NULL);
	cr_assert_eq(cw_start(&w), 0);
	r = cw_ok(&w, "stats", NULL, NULL);
	cr_assert(json_object_get(r, "gateway") && json_object_get(r, "engine") &&
		  json_object_get(json_object_get(r, "latency"), "order_to_ack"));
	json_decref(r);
	json_decref(cw_ok(&w, "book", "{\"stock\":\"MSFT\"}", NULL));
	json_decref(cw_ok(&w, "risk.show", NULL, NULL));
	cw_refused(&w, "kill", "{\"scope\":\"account\",\"name\":\"alice\"}", NULL,
		   "role viewer may not kill account: it needs risk");
	cw_refused(&w, "risk.set", "{\"scope\":\"account\",\"name\":\"alice\",\"key\":"
		   "\"max_order_shares\",\"value\":5}", NULL, "role viewer may not risk.set");
	cw_refused(&w, "reload", NULL, NULL, "it needs admin");
	cw_refused(&w, "book", "{\"stock\":\"ZZZZ\"}", NULL, "no stock 'ZZZZ'");
	cr_assert_eq(gwt_stop(&w.g), 0);
	cw_teardown(&w);

	cw_setup(&w, NULL, NULL, NULL);
	cr_assert_eq(cw_start(&w), 0);
	cw_refused(&w, "stats", NULL, NULL, "is not an operator");
	cr_assert_eq(gwt_stop(&w.g), 0);
	cw_teardown(&w);
}
