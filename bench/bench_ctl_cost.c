/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control plane costs the order path: the gateway (in this
 * process, on its own thread, as `tickgate gateway` runs it, with
 * [control] and [metrics]) under OUCH clients, measured quiet and then
 * with a Prometheus scrape loop and a `stats` polling loop running against
 * it; and how long a kill switch takes to cancel resting orders.
 *
 * Each client keeps W requests outstanding (an Enter Order, then a Cancel
 * of it once accepted, alternately); a request's latency is from its send
 * to its answer (Accepted, Canceled) arriving. W = 1 measures latency, a
 * larger W throughput. A kill round rests N orders of one account, sends
 * `kill account` on the control socket and times the first Canceled 'S'
 * (and the reply) from the request's send; the gateway's own log line
 * says how long after the request's audit record it applied the kill.
 *
 * usage: bench_ctl_cost [--clients C] [--window W] [--seconds S] [--runs R]
 *                       [--scrape-ms MS] [--stats-ms MS] [--kills K] [--dir DIR]
 * (--scrape-ms 0 or --stats-ms 0: that poller off)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "control/tg_ctl.h"
#include "gateway/tg_gw.h"
#include "ouch/tg_ouch_client.h"

#define MAX_CLIENTS	16
#define MAX_WINDOW	256

static unsigned opt_clients = 2, opt_window = 1, opt_runs = 3, opt_kills = 20;
static double opt_seconds = 3;
static unsigned opt_scrape_ms = 10, opt_stats_ms = 10;
static const char *opt_dir = "/tmp";

static char dir[256], config[300], plain_config[300], sock_path[300], logpath[300];
static uint16_t metrics_port;

/* CLOCK_MONOTONIC in ns. */
static uint64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* qsort order for latencies. */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile of sorted v (nearest rank). */
static uint64_t
pct(const uint64_t *v, size_t n, double p)
{
	size_t k;

	if (!n)
		return 0;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	return v[k ? k - 1 : 0];
}

/* qsort order for doubles. */
static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n doubles (sorts them). */
static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The config: users u0.., one firm, the control plane with this user as admin. */
static void
write_config(void)
{
	struct passwd *pw = getpwuid(getuid());
	char hash[TG_GW_HASH_MAX], secret[320];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/tg-bench-ctl-XXXXXX", opt_dir);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(config, sizeof(config), "%s/gw.ini", dir);
	snprintf(sock_path, sizeof(sock_path), "%s/control.sock", dir);
	snprintf(logpath, sizeof(logpath), "%s/gw.log", dir);
	snprintf(secret, sizeof(secret), "%s/op.totp", dir);
	f = fopen(secret, "w");
	fputs("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n", f);
	fclose(f);
	chmod(secret, 0600);
	if (tg_gw_passwd_hash("pw", 2, TG_GW_SCRYPT_LN_MIN, hash, sizeof(hash))) {
		fprintf(stderr, "password hash failed\n");
		exit(1);
	}
	/* the same order path without a control plane: the baseline */
	snprintf(plain_config, sizeof(plain_config), "%s/plain.ini", dir);
	f = fopen(plain_config, "w");
	fprintf(f, "[gateway]\nlisten = 127.0.0.1:0\njournal = %s/journal-plain\nstocks = AAPL\n"
		"sync = no\njournal_segment_mb = 64\n\n", dir);
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		fprintf(f, "[user.u%u]\npassword = %s\nfirm = ACME\n\n", i, hash);
	fclose(f);
	f = fopen(config, "w");
	fprintf(f, "[gateway]\nlisten = 127.0.0.1:0\njournal = %s/journal\nstocks = AAPL\n"
		"sync = no\njournal_segment_mb = 64\n\n", dir);
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		fprintf(f, "[user.u%u]\npassword = %s\nfirm = ACME\n\n", i, hash);
	fprintf(f, "[control]\nsocket = %s\naudit = %s/audit.log\ntimeout_ms = 5000\n\n"
		"[metrics]\nlisten = 127.0.0.1:0\n\n[operator.%s]\nrole = admin\n"
		"totp_secret_file = %s\n", sock_path, dir, pw ? pw->pw_name : "root", secret);
	fclose(f);
}

/* ---- clients ---- */

struct client {
	struct tg_ouch_client *c;
	unsigned id;
	uint64_t next_tok;
	/* one slot per outstanding request: its token number, phase and send time */
	struct {
		uint64_t tok;
		int cancel;	/* 0: the enter is out, 1: its cancel is out */
		uint64_t sent;
	} w[MAX_WINDOW];
};

/* Request n of a client as an order token (at most 14 characters). */
static void
token(char out[15], unsigned client, uint64_t n)
{
	snprintf(out, 15, "c%u-%llu", client, (unsigned long long)n);
}

/* Log in user u<id> (blocking). */
static struct tg_ouch_client *
login(const char *addr, unsigned id)
{
	struct tg_ouch_client *c;
	struct tg_soup_login l;
	struct tg_ouch_event ev;
	char user[8];

	snprintf(user, sizeof(user), "u%u", id);
	if (tg_ouch_client_connect(addr, 5000, &c)) {
		fprintf(stderr, "connect %s failed\n", addr);
		exit(1);
	}
	tg_ouch_client_login_init(&l, user, "pw", NULL, 0);
	tg_ouch_client_login(c, &l);
	if (tg_ouch_client_wait(c, &ev, 10000) != 1 || ev.type != TG_OUCH_EV_LOGIN_ACCEPTED) {
		fprintf(stderr, "login %s failed\n", user);
		exit(1);
	}
	return c;
}

/* A day buy order of shares at price (p4) in AAPL. */
static void
send_enter(struct tg_ouch_client *c, const char *tok, uint32_t shares, uint32_t price)
{
	struct tg_ouch_in m = { .type = 'O' };

	tg_ouch_alpha(m.enter.token, TG_OUCH_TOKEN_LEN, tok);
	m.enter.side = 'B';
	m.enter.shares = shares;
	tg_ouch_alpha(m.enter.stock, TG_OUCH_STOCK_LEN, "AAPL");
	m.enter.price = price;
	m.enter.tif = 99999;
	tg_ouch_alpha(m.enter.firm, TG_OUCH_FIRM_LEN, "");
	m.enter.display = 'Y';
	m.enter.capacity = 'A';
	m.enter.ise = 'N';
	m.enter.cross_type = 'N';
	m.enter.customer_type = ' ';
	tg_ouch_client_send(c, &m);
}

/* Cancel the whole of an order. */
static void
send_cancel(struct tg_ouch_client *c, const char *tok)
{
	struct tg_ouch_in m = { .type = 'X' };

	tg_ouch_alpha(m.cancel.token, TG_OUCH_TOKEN_LEN, tok);
	m.cancel.shares = 0;
	tg_ouch_client_send(c, &m);
}

/* Issue the next request of slot k. */
static void
issue(struct client *cl, unsigned k)
{
	char t[15];

	token(t, cl->id, cl->w[k].tok);
	cl->w[k].sent = now_ns();
	if (cl->w[k].cancel)
		send_cancel(cl->c, t);
	else
		send_enter(cl->c, t, 100, 10000);
}

struct result {
	double rate;		/* requests answered per second */
	uint64_t p50, p99, p999;	/* ns */
	double cpu_ns;		/* the gateway thread's CPU time per request */
	unsigned scrapes, stats;
};

/* ---- the pollers ---- */

static volatile int pollers_stop;
static unsigned n_scrapes, n_stats;

/* Sleep ms, in slices, so a stop is seen soon. */
static void
nap_ms(unsigned ms)
{
	for (unsigned slept = 0; slept < ms && !pollers_stop; slept += 10) {
		struct timespec t = { 0, (long)(ms - slept < 10 ? ms - slept : 10) * 1000000L };

		nanosleep(&t, NULL);
	}
}

/* GET /metrics every opt_scrape_ms. */
static void *
scrape_loop(void *arg)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	char buf[65536];

	(void)arg;
	while (!pollers_stop) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(metrics_port) };
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    write(fd, req, sizeof(req) - 1) == sizeof(req) - 1) {
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			n_scrapes++;
		}
		close(fd);
		nap_ms(opt_scrape_ms);
	}
	return NULL;
}

/* The `stats` command every opt_stats_ms. */
static void *
stats_loop(void *arg)
{
	(void)arg;
	while (!pollers_stop) {
		json_t *r = NULL;
		char err[256];

		if (!tg_ctl_call(sock_path, "stats", NULL, NULL, 5000, &r, err, sizeof(err)) &&
		    json_is_true(json_object_get(r, "ok")))
			n_stats++;
		json_decref(r);
		nap_ms(opt_stats_ms);
	}
	return NULL;
}

/* ---- one measurement ---- */

/*
 * One measurement of opt_seconds against the gateway at addr (its loop's
 * CPU clock gw_cpu), with the pollers when polled.
 */
static void
run(const char *addr, clockid_t gw_cpu, int polled, struct result *res)
{
	struct timespec c0, c1;
	struct client *cl = calloc(opt_clients, sizeof(*cl));
	static unsigned round;
	size_t cap = 1 << 22, n = 0;
	uint64_t *lat = malloc(cap * sizeof(*lat)), t0, end;
	pthread_t ts, tt;
	unsigned done = 0;

	for (unsigned i = 0; i < opt_clients; i++) {
		cl[i].id = i;
		cl[i].c = login(addr, i);
		cl[i].next_tok = (uint64_t)round * 100000000ull;	/* tokens stay within 14 characters */
	}
	round++;
	pollers_stop = 0;
	n_scrapes = n_stats = 0;
	if (polled) {
		if (opt_scrape_ms)
			pthread_create(&ts, NULL, scrape_loop, NULL);
		if (opt_stats_ms)
			pthread_create(&tt, NULL, stats_loop, NULL);
		usleep(50000);
	}
	for (unsigned i = 0; i < opt_clients; i++)
		for (unsigned k = 0; k < opt_window; k++) {
			cl[i].w[k].tok = cl[i].next_tok++;
			cl[i].w[k].cancel = 0;
			issue(&cl[i], k);
		}
	t0 = now_ns();
	clock_gettime(gw_cpu, &c0);
	end = t0 + (uint64_t)(opt_seconds * 1e9);
	while (now_ns() < end) {
		struct pollfd p[MAX_CLIENTS];

		for (unsigned i = 0; i < opt_clients; i++)
			p[i] = (struct pollfd){ .fd = tg_ouch_client_fd(cl[i].c),
						.events = tg_ouch_client_events(cl[i].c) };
		poll(p, opt_clients, 10);
		for (unsigned i = 0; i < opt_clients; i++) {
			struct tg_ouch_event ev;

			while (tg_ouch_client_process(cl[i].c, &ev) == 1) {
				char t[15];
				uint64_t now;

				if (ev.type != TG_OUCH_EV_MESSAGE ||
				    (ev.msg.type != 'A' && ev.msg.type != 'C'))
					continue;
				now = now_ns();
				memcpy(t, ev.msg.type == 'A' ? ev.msg.order.token : ev.msg.canceled.token, 14);
				t[14] = 0;
				for (unsigned k = 0; k < opt_window; k++) {
					char w[15];

					token(w, i, cl[i].w[k].tok);
					if (strncmp(t, w, strlen(w)) || (t[strlen(w)] && t[strlen(w)] != ' '))
						continue;
					if (n < cap)
						lat[n++] = now - cl[i].w[k].sent;
					done++;
					if (cl[i].w[k].cancel) {
						cl[i].w[k].tok = cl[i].next_tok++;
						cl[i].w[k].cancel = 0;
					} else {
						cl[i].w[k].cancel = 1;
					}
					issue(&cl[i], k);
					break;
				}
			}
		}
	}
	res->rate = done / ((double)(now_ns() - t0) / 1e9);
	clock_gettime(gw_cpu, &c1);
	res->cpu_ns = ((double)(c1.tv_sec - c0.tv_sec) * 1e9 + (double)(c1.tv_nsec - c0.tv_nsec)) /
		      (done ? done : 1);
	pollers_stop = 1;
	if (polled && opt_scrape_ms)
		pthread_join(ts, NULL);
	if (polled && opt_stats_ms)
		pthread_join(tt, NULL);
	res->scrapes = n_scrapes;
	res->stats = n_stats;
	qsort(lat, n, sizeof(*lat), cmp_u64);
	res->p50 = pct(lat, n, 50);
	res->p99 = pct(lat, n, 99);
	res->p999 = pct(lat, n, 99.9);
	for (unsigned i = 0; i < opt_clients; i++)
		tg_ouch_client_close(cl[i].c);
	usleep(100000);	/* the gateway sees the closes before the next run logs in */
	free(lat);
	free(cl);
}

/* ---- kill rounds ---- */

/*
 * Rest orders of u0, send `kill account u0` and time the first Canceled
 * and the reply from the send; resume. Returns the times in us.
 */
static void
kill_round(struct tg_ouch_client *c, unsigned resting, uint64_t *cancel_us, uint64_t *reply_us)
{
	static uint64_t tok = 9000000000ull;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char line[] = "{\"cmd\":\"kill\",\"args\":{\"scope\":\"account\",\"name\":\"u0\"}}\n";
	struct tg_ouch_event ev;
	unsigned accepted = 0, canceled = 0;
	char t[15], buf[4096];
	size_t have = 0;
	uint64_t t0;
	int fd, got_reply = 0;
	json_t *r = NULL;
	char err[256];

	for (unsigned i = 0; i < resting; i++) {
		token(t, 0, tok++);
		send_enter(c, t, 100, 10000);
	}
	while (accepted < resting && tg_ouch_client_wait(c, &ev, 5000) == 1)
		accepted += ev.type == TG_OUCH_EV_MESSAGE && ev.msg.type == 'A';
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("control socket");
		exit(1);
	}
	*cancel_us = *reply_us = 0;
	t0 = now_ns();
	if (write(fd, line, sizeof(line) - 1) != sizeof(line) - 1)
		exit(1);
	while ((!got_reply || canceled < resting) && now_ns() - t0 < 10000000000ull) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = tg_ouch_client_fd(c), .events = tg_ouch_client_events(c) } };

		poll(p, 2, 100);
		if (!got_reply && (p[0].revents & POLLIN)) {
			ssize_t k = read(fd, buf + have, sizeof(buf) - 1 - have);

			if (k > 0) {
				have += (size_t)k;
				buf[have] = 0;
				if (strchr(buf, '\n')) {
					got_reply = 1;
					*reply_us = (now_ns() - t0) / 1000;
				}
			}
		}
		while (tg_ouch_client_process(c, &ev) == 1)
			if (ev.type == TG_OUCH_EV_MESSAGE && ev.msg.type == 'C' && ev.msg.canceled.reason == 'S') {
				if (!canceled++)
					*cancel_us = (now_ns() - t0) / 1000;
			}
	}
	close(fd);
	if (tg_ctl_call(sock_path, "resume", json_pack("{s:s, s:s}", "scope", "account", "name", "u0"),
			NULL, 5000, &r, err, sizeof(err)) || !json_is_true(json_object_get(r, "ok"))) {
		fprintf(stderr, "resume failed: %s\n", err);
		exit(1);
	}
	json_decref(r);
}

/* The "N us after its audit record" and "applied in N us" of the log's kill lines. */
static void
kill_log(uint64_t *after, uint64_t *applied, unsigned *n, unsigned max)
{
	FILE *f = fopen(logpath, "r");
	char line[512];

	*n = 0;
	while (f && fgets(line, sizeof(line), f) && *n < max) {
		const char *p = strstr(line, "operator: kill account u0:");
		unsigned long long ap, af;

		if (!p || !(p = strstr(p, "applied in ")) ||
		    sscanf(p, "applied in %llu us, %llu us after", &ap, &af) != 2)
			continue;
		applied[*n] = ap;
		after[*n] = af;
		(*n)++;
	}
	if (f)
		fclose(f);
}

/* A gateway's loop, as `tickgate gateway` runs it. */
static void *
gw_thread(void *arg)
{
	tg_gw_run(arg);
	return NULL;
}

/* Options, the two gateways, the three set-ups run by run, the kill rounds. */
int
main(int argc, char **argv)
{
	struct tg_gw_opts o = { 0 };
	struct tg_gw *gw, *gw0;
	pthread_t th, th0;
	clockid_t cpu, cpu0;
	char err[512], line[512];
	FILE *lf;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v) {
			fprintf(stderr, "%s needs a value\n", a);
			return 2;
		}
		if (!strcmp(a, "--clients"))
			opt_clients = (unsigned)atoi(v);
		else if (!strcmp(a, "--window"))
			opt_window = (unsigned)atoi(v);
		else if (!strcmp(a, "--seconds"))
			opt_seconds = atof(v);
		else if (!strcmp(a, "--runs"))
			opt_runs = (unsigned)atoi(v);
		else if (!strcmp(a, "--scrape-ms"))
			opt_scrape_ms = (unsigned)atoi(v);
		else if (!strcmp(a, "--stats-ms"))
			opt_stats_ms = (unsigned)atoi(v);
		else if (!strcmp(a, "--kills"))
			opt_kills = (unsigned)atoi(v);
		else if (!strcmp(a, "--dir"))
			opt_dir = v;
		else {
			fprintf(stderr, "unknown option %s\n", a);
			return 2;
		}
		i++;
	}
	if (!opt_clients || opt_clients > MAX_CLIENTS || !opt_window || opt_window > MAX_WINDOW ||
	    !opt_runs || opt_runs > 64) {
		fprintf(stderr, "--clients 1..%d, --window 1..%d, --runs 1..64\n", MAX_CLIENTS, MAX_WINDOW);
		return 2;
	}
	write_config();
	lf = fopen(logpath, "w");
	setvbuf(lf, NULL, _IOLBF, 0);
	o.config = config;
	o.log = lf;
	if (tg_gw_new(&o, &gw, err, sizeof(err))) {
		fprintf(stderr, "gateway: %s\n", err);
		return 1;
	}
	{
		FILE *f = fopen(logpath, "r");

		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, "metrics on http://127.0.0.1:"))
				metrics_port = (uint16_t)atoi(strstr(line, "127.0.0.1:") + 10);
		if (f)
			fclose(f);
	}
	pthread_create(&th, NULL, gw_thread, gw);
	o.config = plain_config;
	o.log = fopen("/dev/null", "w");
	if (tg_gw_new(&o, &gw0, err, sizeof(err))) {
		fprintf(stderr, "gateway: %s\n", err);
		return 1;
	}
	pthread_create(&th0, NULL, gw_thread, gw0);
	pthread_getcpuclockid(th, &cpu);
	pthread_getcpuclockid(th0, &cpu0);
	{
		/*
		 * Both gateways' loops on one core, the clients on the other:
		 * where the scheduler happens to put a thread changes wake-up
		 * times on a VM more than anything measured here.
		 */
		cpu_set_t g, c;

		CPU_ZERO(&g);
		CPU_ZERO(&c);
		CPU_SET(1, &g);
		CPU_SET(0, &c);
		if (sysconf(_SC_NPROCESSORS_ONLN) >= 2 &&
		    (pthread_setaffinity_np(th, sizeof(g), &g) || pthread_setaffinity_np(th0, sizeof(g), &g) ||
		     pthread_setaffinity_np(pthread_self(), sizeof(c), &c)))
			fprintf(stderr, "could not pin the threads: figures may mix placements\n");
	}

	/*
	 * Three set-ups, interleaved and rotated run by run so the machine's
	 * drift and the order they run in hit all alike: no control plane at all; [control] and [metrics]
	 * configured but nobody asking; and the pollers running.
	 */
	static const char *const what[3] = { "no control plane (baseline)",
					     "control plane, nobody polling", NULL };
	double rate[3][64], p50[3][64], p99[3][64], p999[3][64], cpu_v[3][64];
	unsigned scrapes = 0, stats = 0;
	char polled_what[96];

	for (unsigned r = 0; r < opt_runs; r++)
		for (int j = 0; j < 3; j++) {
			/* each set-up takes each place in the order in turn */
			int k = (int)((j + r) % 3);
			struct result res;

			run(tg_gw_address(k ? gw : gw0), k ? cpu : cpu0, k == 2, &res);
			rate[k][r] = res.rate;
			p50[k][r] = (double)res.p50 / 1000;
			p99[k][r] = (double)res.p99 / 1000;
			p999[k][r] = (double)res.p999 / 1000;
			cpu_v[k][r] = res.cpu_ns / 1000;
			if (k == 2) {
				scrapes += res.scrapes;
				stats += res.stats;
			}
		}
	printf("gateway, %u client(s), window %u, %.1f s, medians of %u runs (sync = no)\n",
	       opt_clients, opt_window, opt_seconds, opt_runs);
	printf("  %-44s %11s %9s %9s %9s %12s\n", "", "requests/s", "p50 us", "p99 us", "p99.9 us",
	       "gw CPU us/req");
	if (!opt_stats_ms)
		snprintf(polled_what, sizeof(polled_what), "scrape every %u ms", opt_scrape_ms);
	else if (!opt_scrape_ms)
		snprintf(polled_what, sizeof(polled_what), "stats every %u ms", opt_stats_ms);
	else
		snprintf(polled_what, sizeof(polled_what), "scrape every %u ms + stats every %u ms",
			 opt_scrape_ms, opt_stats_ms);
	for (int k = 0; k < 3; k++)
		printf("  %-44s %11.0f %9.1f %9.1f %9.1f %12.2f\n", what[k] ? what[k] : polled_what,
		       median(rate[k], opt_runs), median(p50[k], opt_runs), median(p99[k], opt_runs),
		       median(p999[k], opt_runs), median(cpu_v[k], opt_runs));
	printf("  pollers made %.0f scrapes/s and %.0f stats requests/s\n",
	       scrapes / (opt_seconds * opt_runs), stats / (opt_seconds * opt_runs));

	/* kill switches */
	if (opt_kills) {
		struct tg_ouch_client *c = login(tg_gw_address(gw), 0);
		uint64_t *cancel = calloc(opt_kills, sizeof(uint64_t));
		uint64_t *reply = calloc(opt_kills, sizeof(uint64_t));
		uint64_t *after = calloc(opt_kills, sizeof(uint64_t));
		uint64_t *applied = calloc(opt_kills, sizeof(uint64_t));
		unsigned nl;

		for (unsigned k = 0; k < opt_kills; k++) {
			kill_round(c, 10, &cancel[k], &reply[k]);
			usleep(20000);
		}
		tg_ouch_client_close(c);
		kill_log(after, applied, &nl, opt_kills);
		qsort(cancel, opt_kills, sizeof(uint64_t), cmp_u64);
		qsort(reply, opt_kills, sizeof(uint64_t), cmp_u64);
		qsort(after, nl, sizeof(uint64_t), cmp_u64);
		qsort(applied, nl, sizeof(uint64_t), cmp_u64);
		printf("kill account (10 resting orders), %u rounds: median / max in us\n", opt_kills);
		printf("  request sent -> first Canceled 'S' at the client  %8llu / %llu\n",
		       (unsigned long long)pct(cancel, opt_kills, 50),
		       (unsigned long long)cancel[opt_kills - 1]);
		printf("  request sent -> reply                             %8llu / %llu\n",
		       (unsigned long long)pct(reply, opt_kills, 50),
		       (unsigned long long)reply[opt_kills - 1]);
		if (nl) {
			printf("  audit record seen by the loop -> kill applied     %8llu / %llu\n",
			       (unsigned long long)pct(after, nl, 50), (unsigned long long)after[nl - 1]);
			printf("  kill applied (journal + engine, 10 cancels)       %8llu / %llu\n",
			       (unsigned long long)pct(applied, nl, 50),
			       (unsigned long long)applied[nl - 1]);
		}
	}
	printf("command: build/bench/bench_ctl_cost --clients %u --window %u --seconds %g --runs %u"
	       " --scrape-ms %u --stats-ms %u --kills %u --dir %s\n", opt_clients, opt_window,
	       opt_seconds, opt_runs, opt_scrape_ms, opt_stats_ms, opt_kills, opt_dir);
	tg_gw_stop(gw);
	tg_gw_stop(gw0);
	pthread_join(th, NULL);
	pthread_join(th0, NULL);
	tg_gw_free(gw);
	tg_gw_free(gw0);
	fclose(lf);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return 0;
}
