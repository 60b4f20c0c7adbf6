/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus metrics of `tickgate gateway` scraped while orders flow:
 * every scrape passes `promtool check metrics`, counters never go back,
 * and once the flow stops the samples equal what the test did, counted
 * on the client side (messages sent, Accepted, Rejected by reason,
 * Executed, what is left resting, messages received), and what `stats`
 * and `tickgate stats` say over the control socket.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_ctlwire_util.h"

#define P(d)	((uint32_t)((d) * 10000))
#define PAIRS	1500

struct flow_counts {
	uint64_t sent, accepted, rejected_z, executions_a, received, resting;
};

struct scraper {
	struct cw *w;
	volatile int stop;
	unsigned scrapes, promtool_runs, promtool_fails, went_back, stats_calls;
	double last_in, last_out;
	char why[256];
};

/* Scrape (and ask `stats`) over and over while the flow runs. */
static void *
scrape_loop(void *arg)
{
	struct scraper *s = arg;

	while (!s->stop) {
		char *body = cw_scrape(s->w);
		double in = cw_sample(body, "tickgate_gateway_messages_total{direction=\"in\"}");
		double out = cw_sample(body, "tickgate_gateway_messages_total{direction=\"out\"}");

		if (in < s->last_in || out < s->last_out) {
			s->went_back++;
			snprintf(s->why, sizeof(s->why), "in %g after %g, out %g after %g", in,
				 s->last_in, out, s->last_out);
		}
		s->last_in = in;
		s->last_out = out;
		if (s->scrapes % 8 == 0) {
			s->promtool_runs++;
			if (cw_promtool(body))
				s->promtool_fails++;
		}
		free(body);
		s->scrapes++;
		json_decref(cw_ok(s->w, "stats", NULL, NULL));
		s->stats_calls++;
		usleep(5000);
	}
	return NULL;
}

/* Take every message waiting on c without blocking; count what the test checks. */
static void
drain(struct tg_ouch_client *c, struct flow_counts *k, int is_alice, int wait_ms)
{
	struct tg_ouch_out m;

	while (cw_msg(c, &m, wait_ms) == 1) {
		k->received++;
		if (m.type == 'A')
			k->accepted++;
		else if (m.type == 'J') {
			cr_assert_eq(m.rejected.reason, 'Z', "rejected '%c'", m.rejected.reason);
			k->rejected_z++;
		} else if (m.type == 'E' && is_alice) {
			k->executions_a++;
		}
		wait_ms = 0;
	}
}

Test(ctlwire, metrics_while_orders_flow, .timeout = 240)
{
	struct cw w;
	struct tg_ouch_client *a, *b;
	struct flow_counts k = { 0 };
	struct scraper s = { .w = &w };
	pthread_t th;
	char *body, *out, *err;
	double v;
	json_t *r;

	cw_setup(&w, "viewer", NULL, "[firm.ACME]\nmax_order_shares = 1000\n");
	cr_assert_eq(cw_start(&w), 0);
	a = cw_login(&w, "alice");
	b = cw_login(&w, "bob");
	pthread_create(&th, NULL, scrape_loop, &s);

	for (unsigned i = 0; i < PAIRS; i++) {
		char t[16];
		uint32_t px = P(100);	/* one price: whatever order the sides arrive in, all match */

		snprintf(t, sizeof(t), "a%u", i);
		cw_enter(a, t, 'B', 100, "AAPL", px);
		snprintf(t, sizeof(t), "b%u", i);
		cw_enter(b, t, 'S', 100, "AAPL", px);
		k.sent += 2;
		if (i % 10 == 0) {
			snprintf(t, sizeof(t), "z%u", i);
			cw_enter(a, t, 'B', 2000, "MSFT", P(10));
			k.sent++;
		}
		if (i % 20 == 0) {
			snprintf(t, sizeof(t), "r%u", i);
			cw_enter(a, t, 'B', 1, "MSFT", P(5));
			k.sent++;
			k.resting++;
		}
		if (i % 25 == 24) {
			drain(a, &k, 1, 0);
			drain(b, &k, 0, 0);
		}
	}
	/* every answer: one Accepted or Rejected per order, one Executed per side of a match */
	{
		uint64_t want = k.sent + 2 * PAIRS, t0 = cw_us();

		while (k.received < want && cw_us() - t0 < 30000000) {
			drain(a, &k, 1, 20);
			drain(b, &k, 0, 20);
		}
		cr_assert_eq(k.received, want, "received %llu of %llu answers (%llu accepted, %llu rejected, %llu executions of alice)",
			     (unsigned long long)k.received, (unsigned long long)want,
			     (unsigned long long)k.accepted, (unsigned long long)k.rejected_z,
			     (unsigned long long)k.executions_a);
	}
	s.stop = 1;
	pthread_join(th, NULL);
	cr_assert_eq(s.went_back, 0, "a counter went back: %s", s.why);
	cr_assert(s.scrapes >= 4 && s.promtool_runs >= 1, "%u scrapes", s.scrapes);
	cr_assert_eq(s.promtool_fails, 0, "promtool refused %u of %u scrapes", s.promtool_fails,
		     s.promtool_runs);
	fprintf(stderr, "%u scrapes and %u stats requests while %llu orders flowed\n", s.scrapes,
		s.stats_calls, (unsigned long long)k.sent);

	body = cw_scrape(&w);
	cr_assert_eq(cw_promtool(body), 0);
	cr_assert_eq(cw_sample(body, "tickgate_gateway_messages_total{direction=\"in\"}"), k.sent);
	cr_assert_eq(cw_sample(body, "tickgate_orders_total"), k.sent);
	cr_assert_eq(cw_sample(body, "tickgate_orders_accepted_total"), k.accepted);
	cr_assert_eq(cw_sample(body, "tickgate_rejects_total{reason=\"Z\"}"), k.rejected_z);
	cr_assert_eq(cw_sample(body, "tickgate_rejects_total{reason=\"a\"}"), 0);
	cr_assert_eq(cw_sample(body, "tickgate_executions_total"), k.executions_a);
	cr_assert_eq(k.executions_a, PAIRS);
	cr_assert_eq(cw_sample(body, "tickgate_orders_resting"), k.resting);
	/* the start of day went into each of the three users' streams too */
	cr_assert_eq(cw_sample(body, "tickgate_gateway_messages_total{direction=\"out\"}"),
		     k.received + 3);
	cr_assert_eq(cw_sample(body, "tickgate_gateway_logins_total"), 2);
	cr_assert_eq(cw_sample(body, "tickgate_gateway_sessions"), 2);
	cr_assert_eq(cw_sample(body, "tickgate_gateway_login_rejects_total{reason=\"bad_password\"}"), 0);
	v = cw_sample(body, "tickgate_gateway_journal_syncs_total");
	cr_assert(v >= 1 && v <= k.sent, "journal syncs %g", v);
	/* every inbound message had its first answer handed to its socket */
	cr_assert_eq(cw_sample(body, "tickgate_order_to_ack_seconds_count"), k.sent);
	cr_assert_eq(cw_sample(body, "tickgate_order_to_ack_seconds_bucket{le=\"+Inf\"}"), k.sent);
	cr_assert(cw_sample(body, "tickgate_order_to_ack_seconds_sum") > 0);
	cr_assert(cw_sample(body, "tickgate_order_to_ack_seconds_bucket{le=\"1\"}") <= k.sent);
	cr_assert_eq(cw_sample(body, "tickgate_control_requests_total"), s.stats_calls);
	cr_assert_eq(cw_sample(body, "tickgate_control_refused_total"), 0);
	cr_assert_eq(cw_sample(body, "tickgate_control_applied_total"), 0);
	free(body);

	/* the control socket says the same */
	r = cw_ok(&w, "stats", NULL, NULL);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "gateway"), "messages_in")),
		     (json_int_t)k.sent);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "engine"), "executions")),
		     PAIRS);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(r, "latency"),
									 "order_to_ack"), "count")),
		     (json_int_t)k.sent);
	json_decref(r);

	/* and so does the operator's command */
	cr_assert_eq(cw_tickgate(&out, &err, "stats --config %s --format json", w.g.config), 0, "%s", err);
	r = json_loads(out, 0, NULL);
	cr_assert(r, "tickgate stats --format json: %s", out);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "engine"), "orders")),
		     (json_int_t)k.sent);
	json_decref(r);
	free(out);
	free(err);

	tg_ouch_client_close(a);
	tg_ouch_client_close(b);
	cr_assert_eq(gwt_stop(&w.g), 0);
	cw_teardown(&w);
}

/* A gateway with [metrics] and no [control]: metrics alone, and no socket. */
Test(ctlwire, metrics_without_control, .timeout = 60)
{
	struct cw w;
	char *body;
	FILE *f;

	cw_setup(&w, NULL, NULL, NULL);
	/* the same config without [control] */
	f = fopen(w.g.config, "r");
	{
		char *s = cw_slurp(w.g.config), *p = strstr(s, "[control]"), *q = strstr(s, "[metrics]");

		cr_assert(p && q && q > p);
		memmove(p, q, strlen(q) + 1);
		fclose(f);
		f = fopen(w.g.config, "w");
		fputs(s, f);
		free(s);
	}
	fclose(f);
	cr_assert_eq(cw_start(&w), 0);
	body = cw_scrape(&w);
	cr_assert_eq(cw_promtool(body), 0);
	cr_assert_eq(cw_sample(body, "tickgate_orders_total"), 0);
	cr_assert_eq(cw_sample(body, "tickgate_control_requests_total"), -1);
	free(body);
	cr_assert_neq(access(w.sock, F_OK), 0);
	cr_assert_eq(gwt_stop(&w.g), 0);
	cw_teardown(&w);
}
