/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Operator actions are journal inputs: kill switches and limits set over
 * the control socket survive kill -9 of `tickgate gateway`, because the
 * restart replays the journal's CONTROL records into the engine (and the
 * Canceled messages they produced come back byte for byte in the users'
 * streams); what an operator undoes after the restart stays undone
 * across the next one.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "test_ctlwire_util.h"

#define P(d)	((uint32_t)((d) * 10000))

/* Log user in asking for its whole stream (sequence 1). */
static struct tg_ouch_client *
login_from_start(struct cw *w, const char *user, const char *pw)
{
	struct tg_ouch_client *c;
	struct tg_soup_login l;
	struct tg_ouch_event ev;

	cr_assert_eq(tg_ouch_client_connect(w->g.addr, 5000, &c), 0);
	tg_ouch_client_login_init(&l, user, pw, NULL, 1);
	cr_assert_eq(tg_ouch_client_login(c, &l), 0);
	cr_assert_eq(tg_ouch_client_wait(c, &ev, 10000), 1);
	cr_assert_eq(ev.type, TG_OUCH_EV_LOGIN_ACCEPTED);
	return c;
}

/* The killed flag of firm or account name in a risk.show reply. */
static int
killed(json_t *show, const char *list, const char *name)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(show, list), i, e)
		if (!strcmp(json_string_value(json_object_get(e, "name")), name))
			return json_is_true(json_object_get(e, "killed"));
	cr_assert_fail("%s has no %s", list, name);
	return -1;
}

Test(ctlwire, kill_state_survives_kill_9, .timeout = 120)
{
	struct cw w;
	struct tg_ouch_client *a, *b, *c;
	struct tg_ouch_out m;
	char code[7], t[15];
	json_t *r, *lim;
	char *log;

	cw_setup(&w, "risk", NULL, NULL);
	cr_assert_eq(cw_start(&w), 0);
	a = cw_login(&w, "alice");
	b = cw_login(&w, "bob");
	c = cw_login(&w, "carol");
	cw_enter(a, "A1", 'B', 100, "AAPL", P(100));
	cw_expect(a, 'A', 0);
	cw_enter(b, "B1", 'S', 100, "MSFT", P(300));
	cw_expect(b, 'A', 0);
	cw_enter(c, "C1", 'B', 50, "AAPL", P(99));
	cw_expect(c, 'A', 0);

	/* account alice, firm BETA, and a limit for carol */
	r = cw_ok(&w, "kill", "{\"scope\":\"account\",\"name\":\"alice\"}", NULL);
	cr_assert_eq(json_integer_value(json_object_get(r, "canceled")), 1);
	json_decref(r);
	cw_expect(a, 'C', 'S');
	r = cw_ok(&w, "kill", "{\"scope\":\"firm\",\"name\":\"BETA\"}", cw_fresh_code(&w, code));
	cr_assert_eq(json_integer_value(json_object_get(r, "canceled")), 1);
	json_decref(r);
	cw_expect(b, 'C', 'S');
	json_decref(cw_ok(&w, "risk.set", "{\"scope\":\"account\",\"name\":\"carol\","
			  "\"key\":\"max_order_shares\",\"value\":100}", NULL));
	cw_quiet(c, 100);
	tg_ouch_client_close(a);
	tg_ouch_client_close(b);
	tg_ouch_client_close(c);

	/* kill -9: nothing is shut down, the journal alone remembers */
	gwt_kill(&w.g);
	cr_assert_eq(cw_start(&w), 0);
	log = gwt_log(&w.g);
	cr_assert(strstr(log, "kill switches and limits replayed from the journal"), "%s", log);
	free(log);

	r = cw_ok(&w, "risk.show", NULL, NULL);
	cr_assert_eq(killed(r, "accounts", "alice"), 1);
	cr_assert_eq(killed(r, "accounts", "carol"), 0);
	cr_assert_eq(killed(r, "firms", "BETA"), 1);
	cr_assert_eq(killed(r, "firms", "ACME"), 0);
	{
		json_t *e;
		size_t i;

		lim = NULL;
		json_array_foreach(json_object_get(r, "accounts"), i, e)
			if (!strcmp(json_string_value(json_object_get(e, "name")), "carol"))
				lim = json_object_get(json_object_get(e, "limits"), "max_order_shares");
		cr_assert_eq(json_integer_value(lim), 100);
	}
	json_decref(r);
	r = cw_ok(&w, "stats", NULL, NULL);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(
		json_object_get(r, "risk"), "killed"), "firms"), 0)), "BETA");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(
		json_object_get(r, "risk"), "killed"), "accounts"), 0)), "alice");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "engine"), "resting")), 1);
	json_decref(r);

	/* alice's day as the journal kept it: start of day, Accepted, Canceled 'S' */
	a = login_from_start(&w, "alice", gwt_passwords[0]);
	cw_expect(a, 'S', 0);
	m = cw_expect(a, 'A', 0);
	cr_assert_str_eq(gwt_tok(m.order.token, t), "A1");
	m = cw_expect(a, 'C', 'S');
	cr_assert_str_eq(gwt_tok(m.canceled.token, t), "A1");
	b = cw_login(&w, "bob");
	c = cw_login(&w, "carol");
	cw_enter(a, "A2", 'B', 10, "AAPL", P(100));
	cw_expect(a, 'J', 'a');
	cw_enter(b, "B2", 'S', 10, "MSFT", P(300));
	cw_expect(b, 'J', 'a');
	cw_enter(c, "C2", 'B', 200, "AAPL", P(99));
	cw_expect(c, 'J', 'Z');
	cw_enter(c, "C3", 'B', 100, "AAPL", P(99));
	cw_expect(c, 'A', 0);

	/* undone after the restart, and still undone after the next kill -9 */
	json_decref(cw_ok(&w, "resume", "{\"scope\":\"account\",\"name\":\"alice\"}", NULL));
	json_decref(cw_ok(&w, "resume", "{\"scope\":\"firm\",\"name\":\"BETA\"}", NULL));
	tg_ouch_client_close(a);
	tg_ouch_client_close(b);
	tg_ouch_client_close(c);
	gwt_kill(&w.g);
	cr_assert_eq(cw_start(&w), 0);
	a = cw_login(&w, "alice");
	b = cw_login(&w, "bob");
	cw_enter(a, "A3", 'B', 10, "AAPL", P(100));
	cw_expect(a, 'A', 0);
	cw_enter(b, "B3", 'S', 10, "MSFT", P(300));
	cw_expect(b, 'A', 0);
	r = cw_ok(&w, "risk.show", NULL, NULL);
	cr_assert_eq(killed(r, "accounts", "alice"), 0);
	cr_assert_eq(killed(r, "firms", "BETA"), 0);
	json_decref(r);
	tg_ouch_client_close(a);
	tg_ouch_client_close(b);
	cr_assert_eq(gwt_stop(&w.g), 0);

	/* the audit log went through two kill -9s and still verifies */
	{
		char *out, *err;

		cr_assert_eq(cw_tickgate(&out, &err, "audit verify --log %s", w.audit), 0, "%s", err);
		free(out);
		free(err);
	}
	cw_teardown(&w);
}
