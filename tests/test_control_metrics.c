/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus exposition, scraped over HTTP from libmicrohttpd: the body
 * must pass `promtool check metrics` (its exit status is the oracle; a
 * broken body is shown to fail it), the registered counters must read
 * back exactly, the histogram's buckets must match counting the samples,
 * and scrapes taken while writer threads count on their own lcores see
 * values that only grow and end exact.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/tg_hist.h"
#include "control/tg_metrics.h"

#define LCORES 2

/* What one lcore counts: its own cache lines. */
struct lcore_stats {
	uint64_t msgs[2][3];	/* line A/B x type A, E, P */
	uint64_t drops;
	struct tg_hist lat;	/* wire to book, ns */
} __attribute__((aligned(64)));

static struct lcore_stats *lc;
static struct tg_metrics *m;
static char dir[32], body_path[64];

static void
setup(void)
{
	lc = aligned_alloc(64, LCORES * sizeof(*lc));
	memset(lc, 0, LCORES * sizeof(*lc));
	for (int i = 0; i < LCORES; i++)
		tg_hist_init(&lc[i].lat);
	snprintf(dir, sizeof(dir), "/tmp/tg-metrics-XXXXXX");
	cr_assert(mkdtemp(dir));
	snprintf(body_path, sizeof(body_path), "%s/body.txt", dir);
}

static void
teardown(void)
{
	char cmd[128];

	tg_metrics_free(m);
	m = NULL;
	free(lc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(control_metrics, .init = setup, .fini = teardown, .timeout = 120);

static const char *const line_name[] = { "A", "B" };
static const char *const type_name[] = { "A", "E", "P" };

static void
collect_msgs(void *ctx, struct tg_metrics_out *o)
{
	(void)ctx;
	for (int l = 0; l < 2; l++)
		for (int t = 0; t < 3; t++) {
			uint64_t sum = 0;

			for (int i = 0; i < LCORES; i++)
				sum += tg_metrics_read(&lc[i].msgs[l][t]);
			tg_metrics_u64(o, sum, "line", line_name[l], "type", type_name[t], NULL);
		}
}

static void
collect_drops(void *ctx, struct tg_metrics_out *o)
{
	uint64_t sum = 0;

	(void)ctx;
	for (int i = 0; i < LCORES; i++)
		sum += tg_metrics_read(&lc[i].drops);
	/* a label value that needs every escape */
	tg_metrics_u64(o, sum, "reason", "bad \"crc\"\\\nframe", NULL);
}

static void
collect_gauge(void *ctx, struct tg_metrics_out *o)
{
	(void)ctx;
	tg_metrics_double(o, 0.25, "ring", "c2h", NULL);
	tg_metrics_u64(o, 17, "ring", "h2c", NULL);
}

static void
collect_lat(void *ctx, struct tg_metrics_out *o)
{
	struct tg_hist *h = aligned_alloc(64, sizeof(*h));

	(void)ctx;
	tg_hist_init(h);
	for (int i = 0; i < LCORES; i++)
		tg_hist_merge(h, &lc[i].lat);
	tg_metrics_hist(o, h, "stage", "wire_to_book", NULL);
	free(h);
}

static void
start(void)
{
	char err[256] = "";

	cr_assert_eq(tg_metrics_new(&m), 0);
	cr_assert_eq(tg_metrics_register(m, "tickgate_feed_messages_total", TG_METRIC_COUNTER,
					 "ITCH messages decoded, by line and message type",
					 collect_msgs, NULL), 0);
	cr_assert_eq(tg_metrics_register(m, "tickgate_feed_drops_total", TG_METRIC_COUNTER,
					 "frames dropped, by reason\nsecond line \\ of help",
					 collect_drops, NULL), 0);
	cr_assert_eq(tg_metrics_register(m, "tickgate_ring_occupancy_ratio", TG_METRIC_GAUGE,
					 "ring fill", collect_gauge, NULL), 0);
	cr_assert_eq(tg_metrics_register_hist(m, "tickgate_latency_seconds",
					      "latency from the wire to the book",
					      tg_metrics_latency_ns, tg_metrics_latency_ns_n, 9,
					      collect_lat, NULL), 0);
	cr_assert_eq(tg_metrics_start(m, "127.0.0.1:0", err, sizeof(err)), 0, "%s", err);
	cr_assert_gt(tg_metrics_port(m), 0);
}

/* GET path over a plain socket; the status code, the body in *body (malloc'd). */
static int
http_get(const char *method, const char *path, char **body)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(tg_metrics_port(m)) };
	char req[256], *resp = NULL;
	size_t cap = 0, len = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: localhost\r\n\r\n", method, path);
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (;;) {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			resp = realloc(resp, cap + 1);
		}
		ssize_t n = read(fd, resp + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	resp[len] = 0;
	cr_assert(sscanf(resp, "HTTP/1.%*d %d", &status) == 1, "%s", resp);
	char *b = strstr(resp, "\r\n\r\n");
	cr_assert(b);
	if (body)
		*body = strdup(b + 4);
	if (status == 200)
		cr_assert(strstr(resp, "text/plain; version=0.0.4"), "%s", resp);
	free(resp);
	return status;
}

/* promtool check metrics < text: its exit status. */
static int
promtool(const char *text)
{
	char cmd[256];
	FILE *f = fopen(body_path, "w");

	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' > '%s.out' 2>&1", body_path, body_path);
	int st = system(cmd);
	cr_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* The value of the sample line that starts with `sample ` exactly. */
static uint64_t
value_of(const char *text, const char *sample)
{
	char key[512];
	const char *p = text;

	snprintf(key, sizeof(key), "\n%s ", sample);
	p = strstr(text, key);
	cr_assert(p, "no sample '%s' in:\n%s", sample, text);
	return strtoull(p + strlen(key), NULL, 10);
}

Test(control_metrics, promtool_accepts_and_values_are_exact)
{
	char *body;
	uint64_t s = 42;
	/* latency samples (ns) well away from the bucket bounds, and the naive count */
	static const uint64_t lat[] = { 120, 300, 700, 1200, 3000, 7000, 12000, 30000, 70000,
					120000, 3000000, 2000000000 };
	uint64_t lat_sum = 0, n_lat = 0;

	start();
	for (int i = 0; i < LCORES; i++)
		for (int l = 0; l < 2; l++)
			for (int t = 0; t < 3; t++)
				lc[i].msgs[l][t] = 1000 * (uint64_t)(i + 1) + 100 * (uint64_t)l + (uint64_t)t;
	lc[0].drops = 3;
	lc[1].drops = 4;
	for (int k = 0; k < 5000; k++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t v = lat[(s >> 33) % 12];
		tg_hist_record(&lc[k % LCORES].lat, v);
		lat_sum += v;
		n_lat++;
	}

	cr_assert_eq(http_get("GET", "/metrics", &body), 200);
	int rc = promtool(body);
	cr_assert_eq(rc, 0, "promtool said %d on:\n%s", rc, body);

	/* counters: the sum of the two lcores */
	for (int l = 0; l < 2; l++)
		for (int t = 0; t < 3; t++) {
			char sample[128];
			snprintf(sample, sizeof(sample), "tickgate_feed_messages_total{line=\"%s\",type=\"%s\"}",
				 line_name[l], type_name[t]);
			cr_assert_eq(value_of(body, sample), 3000 + 200 * (uint64_t)l + 2 * (uint64_t)t);
		}
	cr_assert_eq(value_of(body, "tickgate_feed_drops_total{reason=\"bad \\\"crc\\\"\\\\\\nframe\"}"), 7);
	cr_assert(strstr(body, "# HELP tickgate_feed_drops_total frames dropped, by reason\\nsecond line \\\\ of help\n"),
		  "%s", body);
	cr_assert(strstr(body, "# TYPE tickgate_feed_messages_total counter\n"));
	cr_assert(strstr(body, "# TYPE tickgate_latency_seconds histogram\n"));
	cr_assert(strstr(body, "\ntickgate_ring_occupancy_ratio{ring=\"c2h\"} 0.25\n"));
	cr_assert_eq(value_of(body, "tickgate_ring_occupancy_ratio{ring=\"h2c\"}"), 17);

	/* histogram: each le against counting the samples, in seconds */
	for (unsigned b = 0; b < tg_metrics_latency_ns_n; b++) {
		char sample[160], le[32];
		uint64_t ns = tg_metrics_latency_ns[b], want = 0;
		/* the bound in seconds, written independently of the exporter */
		snprintf(le, sizeof(le), "%.9f", (double)ns / 1e9);
		char *e = le + strlen(le) - 1;
		while (*e == '0')
			*e-- = 0;
		if (*e == '.')
			*e = 0;
		s = 42;
		for (int k = 0; k < 5000; k++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			want += lat[(s >> 33) % 12] <= ns;
		}
		snprintf(sample, sizeof(sample),
			 "tickgate_latency_seconds_bucket{stage=\"wire_to_book\",le=\"%s\"}", le);
		cr_assert_eq(value_of(body, sample), want, "%s", sample);
	}
	cr_assert_eq(value_of(body, "tickgate_latency_seconds_bucket{stage=\"wire_to_book\",le=\"+Inf\"}"), n_lat);
	cr_assert_eq(value_of(body, "tickgate_latency_seconds_count{stage=\"wire_to_book\"}"), n_lat);
	const char *p = strstr(body, "\ntickgate_latency_seconds_sum{stage=\"wire_to_book\"} ");
	cr_assert(p);
	double sum = strtod(strchr(p, '}') + 2, NULL);
	cr_assert_float_eq(sum, (double)lat_sum / 1e9, 1e-9 * (double)lat_sum / 1e9);
	free(body);
}

/* The oracle can fail: promtool rejects broken and badly named expositions. */
Test(control_metrics, promtool_rejects_broken_text)
{
	cr_assert_neq(promtool("# TYPE x_total counter\nx_total{a=\"unterminated} 1\n"), 0);
	cr_assert_neq(promtool("# HELP x a counter\n# TYPE x counter\nx 1\n"), 0);
	cr_assert_eq(promtool("# HELP x_total a counter\n# TYPE x_total counter\nx_total 1\n"), 0);
}

Test(control_metrics, registration_rules)
{
	cr_assert_eq(tg_metrics_new(&m), 0);
	cr_assert_eq(tg_metrics_register(m, "tickgate_frames", TG_METRIC_COUNTER, "h",
					 collect_drops, NULL), -EINVAL);
	cr_assert_eq(tg_metrics_register(m, "9lives_total", TG_METRIC_COUNTER, "h",
					 collect_drops, NULL), -EINVAL);
	cr_assert_eq(tg_metrics_register(m, "a-b_total", TG_METRIC_COUNTER, "h",
					 collect_drops, NULL), -EINVAL);
	cr_assert_eq(tg_metrics_register(m, "tickgate_x_total", TG_METRIC_COUNTER, "h",
					 collect_drops, NULL), 0);
	cr_assert_eq(tg_metrics_register(m, "tickgate_x_total", TG_METRIC_GAUGE, "h",
					 collect_gauge, NULL), -EEXIST);
	static const uint64_t down[] = { 10, 5 };
	cr_assert_eq(tg_metrics_register_hist(m, "tickgate_h_seconds", "h", down, 2, 9,
					      collect_lat, NULL), -EINVAL);
	char err[256];
	cr_assert_eq(tg_metrics_start(m, "127.0.0.1", err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "HOST:PORT"), "%s", err);
	cr_assert_eq(tg_metrics_start(m, "nowhere:80", err, sizeof(err)), -EINVAL);
}

Test(control_metrics, other_paths_and_methods)
{
	char *body;

	start();
	cr_assert_eq(http_get("GET", "/", &body), 404);
	cr_assert(strstr(body, "/metrics"));
	free(body);
	cr_assert_eq(http_get("POST", "/metrics", NULL), 405);
	/* a second server on the same port is refused with a message */
	struct tg_metrics *m2;
	char listen[64], err[256];
	cr_assert_eq(tg_metrics_new(&m2), 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", tg_metrics_port(m));
	cr_assert_neq(tg_metrics_start(m2, listen, err, sizeof(err)), 0);
	cr_assert(strstr(err, listen), "%s", err);
	tg_metrics_free(m2);
}

struct writer {
	int lcore;
	uint64_t n;
};

static int writers_done;

/* An lcore's loop: its own counters, its own histogram, no lock, no atomic RMW. */
static void *
count_on_lcore(void *arg)
{
	struct writer *w = arg;
	struct lcore_stats *me = &lc[w->lcore];

	for (uint64_t i = 0; i < w->n; i++) {
		tg_metrics_add(&me->msgs[i & 1][i % 3], 1);
		tg_hist_record(&me->lat, 500 + (i & 1023));
	}
	__atomic_fetch_add(&writers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static uint64_t
total_msgs(const char *body)
{
	uint64_t t = 0;

	for (int l = 0; l < 2; l++)
		for (int ty = 0; ty < 3; ty++) {
			char sample[128];
			snprintf(sample, sizeof(sample), "tickgate_feed_messages_total{line=\"%s\",type=\"%s\"}",
				 line_name[l], type_name[ty]);
			t += value_of(body, sample);
		}
	return t;
}

Test(control_metrics, scrapes_while_counting)
{
	struct writer w[LCORES];
	pthread_t t[LCORES];
	uint64_t last = 0, last_count = 0;
	int scrapes = 0, checked = 0;

	start();
	writers_done = 0;
	for (int i = 0; i < LCORES; i++) {
		w[i] = (struct writer){ .lcore = i, .n = 3000000 };
		cr_assert_eq(pthread_create(&t[i], NULL, count_on_lcore, &w[i]), 0);
	}
	while (__atomic_load_n(&writers_done, __ATOMIC_ACQUIRE) < LCORES) {
		char *body;

		cr_assert_eq(http_get("GET", "/metrics", &body), 200);
		uint64_t now = total_msgs(body);
		uint64_t cnt = value_of(body, "tickgate_latency_seconds_count{stage=\"wire_to_book\"}");
		cr_assert_geq(now, last);
		cr_assert_geq(cnt, last_count);
		last = now;
		last_count = cnt;
		if (!checked && now > 0) {
			/* a scrape taken mid-run is a valid exposition too */
			int rc = promtool(body);
			cr_assert_eq(rc, 0, "promtool said %d", rc);
			checked = 1;
		}
		scrapes++;
		free(body);
	}
	for (int i = 0; i < LCORES; i++)
		pthread_join(t[i], NULL);
	char *body;
	cr_assert_eq(http_get("GET", "/metrics", &body), 200);
	cr_assert_eq(total_msgs(body), LCORES * 3000000ull);
	cr_assert_eq(value_of(body, "tickgate_latency_seconds_count{stage=\"wire_to_book\"}"),
		     LCORES * 3000000ull);
	free(body);
	cr_assert_gt(scrapes, 0);
}
