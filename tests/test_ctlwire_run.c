/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane inside `tickgate run`: the appliance started on the
 * embedded default feed (model card) with [gateway], [control] and
 * [metrics] serves the control socket and /metrics while the feed plays
 * and its market data goes through the gateway's journal; an operator's
 * kill cancels a resting order there as in `tickgate gateway`.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_ctlwire_util.h"

#define P(d)	((uint32_t)((d) * 10000))

/* Start `tickgate run` and wait for its "listening on" line; the pid. */
static pid_t
run_start(struct cw *w)
{
	char line[4096];
	size_t n = 0;
	uint64_t t0 = cw_us();
	int pfd[2];
	pid_t pid;

	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int e = open(w->g.errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(pfd[1], 1);
		dup2(e, 2);
		close(pfd[0]);
		close(pfd[1]);
		execl(GWT_TICKGATE, "tickgate", "run", "--config", w->g.config, "--card", "model",
		      "--idle-ms", "0", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	w->g.out_fd = pfd[0];
	while (cw_us() - t0 < 60000000) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		char *l;
		ssize_t k;

		if (poll(&p, 1, 200) <= 0)
			continue;
		k = read(pfd[0], line + n, sizeof(line) - 1 - n);
		cr_assert(k > 0, "tickgate run exited before listening: %s", gwt_log(&w->g));
		n += (size_t)k;
		line[n] = 0;
		if ((l = strstr(line, "listening on "))) {
			char *nl = strchr(l, '\n');

			if (!nl)
				continue;
			*nl = 0;
			snprintf(w->g.addr, sizeof(w->g.addr), "%s", l + 13);
			return pid;
		}
	}
	kill(pid, SIGKILL);
	cr_assert_fail("tickgate run printed no listening line");
	return -1;
}

Test(ctlwire, control_plane_in_run, .timeout = 180)
{
	struct cw w;
	struct tg_ouch_client *a;
	char *log, *p, *body;
	json_t *r;
	pid_t pid;
	int st;

	cw_setup(&w, "risk", NULL, NULL);
	{
		/* a stock the generated feed does not carry: no reference price, no collar */
		char *c = cw_slurp(w.g.config), *s = strstr(c, "stocks = AAPL MSFT\n");
		FILE *f;

		cr_assert(s);
		f = fopen(w.g.config, "w");
		fprintf(f, "%.*sstocks = AAPL MSFT TGTEST\n%s", (int)(s - c), c,
			s + strlen("stocks = AAPL MSFT\n"));
		fclose(f);
		free(c);
	}
	pid = run_start(&w);
	log = gwt_log(&w.g);
	p = strstr(log, "metrics on http://127.0.0.1:");
	cr_assert(p, "%s", log);
	w.metrics_port = (uint16_t)atoi(p + strlen("metrics on http://127.0.0.1:"));
	cr_assert(strstr(log, "control socket "), "%s", log);
	free(log);

	/* an order on a stock the feed does not carry, then the kill */
	a = cw_login(&w, "alice");
	cw_enter(a, "A1", 'B', 100, "TGTEST", P(10));
	cw_expect(a, 'A', 0);
	r = cw_ok(&w, "kill", "{\"scope\":\"account\",\"name\":\"alice\"}", NULL);
	cr_assert_eq(json_integer_value(json_object_get(r, "canceled")), 1);
	json_decref(r);
	cw_expect(a, 'C', 'S');
	cw_enter(a, "A2", 'B', 100, "TGTEST", P(10));
	cw_expect(a, 'J', 'a');

	/* the order path's figures, while the feed's market data is journaled beside them */
	r = cw_ok(&w, "stats", NULL, NULL);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "gateway"), "messages_in")), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "engine"), "canceled")), 1);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(
		json_object_get(r, "risk"), "killed"), "accounts"), 0)), "alice");
	json_decref(r);
	body = cw_scrape(&w);
	cr_assert_eq(cw_promtool(body), 0);
	cr_assert_eq(cw_sample(body, "tickgate_orders_total"), 2);
	cr_assert_eq(cw_sample(body, "tickgate_rejects_total{reason=\"a\"}"), 1);
	cr_assert_eq(cw_sample(body, "tickgate_control_applied_total"), 1);
	cr_assert_eq(cw_sample(body, "tickgate_order_to_ack_seconds_count"), 2);
	cr_assert(cw_sample(body, "tickgate_gateway_journal_syncs_total") >= 1);
	free(body);

	/* the feed lcore publishes the card's figures too (every 100 ms) */
	for (int k = 0; k < 100; k++) {
		body = cw_scrape(&w);
		if (cw_sample(body, "tickgate_feed_frames_total{line=\"A\"}") > 0)
			break;
		free(body);
		body = NULL;
		usleep(100000);
	}
	cr_assert_not_null(body, "no feed frames in the metrics of tickgate run");
	cr_assert_eq(cw_promtool(body), 0);
	free(body);

	tg_ouch_client_close(a);
	kill(pid, SIGTERM);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tickgate run: status %d", st);
	close(w.g.out_fd);
	cw_teardown(&w);
}
