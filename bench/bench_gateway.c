/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Gateway order-to-ack latency over loopback under a bounded load: N
 * clients, each sending at a fixed rate (alternately an Enter Order and a
 * Cancel of it), for S seconds; the latency of each request is the time
 * from its send() to the arrival of its first answer (Accepted, Canceled),
 * so it includes the journal's group commit, with and without fdatasync.
 * The gateway runs in this process on its own thread, exactly as
 * `tickgate gateway` runs it; the clients share the other thread.
 *
 * usage: bench_gateway [--clients N] [--rate PER_CLIENT_PER_S] [--seconds S]
 *                      [--sync yes|no|both] [--dir DIR] [--runs R]
 */
#define _GNU_SOURCE		/* ppoll */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "gateway/tg_gw.h"
#include "ouch/tg_ouch.h"
#include "ouch/tg_soup.h"

#define MAX_CLIENTS 256

struct client {
	int fd;
	struct tg_soup_rx rx;
	uint64_t next_send;	/* ns */
	uint32_t k;		/* requests sent */
	uint64_t *sent;		/* send time of request k */
	uint32_t cap;
	int logged_in;
};

/* CLOCK_MONOTONIC in ns. */
static uint64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The gateway's own thread, as `tickgate gateway` runs it. */
static void *
gw_thread(void *arg)
{
	tg_gw_run(arg);
	return NULL;
}

/* qsort order for latencies. */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A blocking send of all n bytes (a bench client may block). */
static void
send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k <= 0) {
			perror("send");
			exit(1);
		}
		p += k;
		n -= (size_t)k;
	}
}

/* Request k of client c: even k enters order k, odd k cancels order k - 1. */
static void
request(struct client *c, unsigned ci, const char *stock)
{
	struct tg_ouch_in m;
	uint8_t msg[TG_OUCH_MAX_MSG], pkt[TG_OUCH_MAX_MSG + 3];
	char tok[16];
	uint32_t k = c->k;

	memset(&m, 0, sizeof(m));
	snprintf(tok, sizeof(tok), "%u.%u", ci, k & ~1u);
	if (k % 2 == 0) {
		m.type = 'O';
		tg_ouch_alpha(m.enter.token, TG_OUCH_TOKEN_LEN, tok);
		m.enter.side = ci % 2 ? 'S' : 'B';
		m.enter.shares = 100;
		tg_ouch_alpha(m.enter.stock, TG_OUCH_STOCK_LEN, stock);
		/* buyers below sellers: the book fills and empties, nothing trades */
		m.enter.price = ci % 2 ? 1010000 + (k % 50) * 100 : 990000 - (k % 50) * 100;
		m.enter.tif = TG_OUCH_TIF_SYSTEM_HOURS;
		tg_ouch_alpha(m.enter.firm, TG_OUCH_FIRM_LEN, "");
		m.enter.display = 'Y';
		m.enter.capacity = 'A';
		m.enter.ise = 'N';
		m.enter.cross_type = 'N';
		m.enter.customer_type = ' ';
	} else {
		m.type = 'X';
		tg_ouch_alpha(m.cancel.token, TG_OUCH_TOKEN_LEN, tok);
		m.cancel.shares = 0;
	}
	if (k == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4096;
		c->sent = realloc(c->sent, c->cap * sizeof(*c->sent));
	}
	size_t n = tg_soup_pack(pkt, TG_SOUP_UNSEQUENCED, msg, tg_ouch_in_encode(&m, msg));
	c->sent[k] = now_ns();
	send_all(c->fd, pkt, n);
	c->k++;
}

/* One measured run; the latencies in *lat (count *nlat). */
static int
run(const char *dir, int sync, unsigned nclients, double rate, double seconds,
    uint64_t **lat, size_t *nlat, double *achieved)
{
	char cfgpath[512], jdir[512], err[512], cmd[1100];
	struct client cl[MAX_CLIENTS];
	struct tg_gw_opts o = { 0 };
	struct tg_gw *gw;
	pthread_t th;
	FILE *f;
	uint64_t answered = 0;

	snprintf(jdir, sizeof(jdir), "%s/journal", dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", jdir);
	if (system(cmd)) {
		/* nothing to remove */
	}
	snprintf(cfgpath, sizeof(cfgpath), "%s/bench.ini", dir);
	f = fopen(cfgpath, "w");
	if (!f)
		return -errno;
	fprintf(f, "[gateway]\nlisten = 127.0.0.1:0\njournal = %s\nsync = %s\nstocks = AAPL MSFT\n"
		"journal_segment_mb = 64\n", jdir, sync ? "yes" : "no");
	for (unsigned i = 0; i < nclients; i++) {
		char pw[16], hash[TG_GW_HASH_MAX];

		snprintf(pw, sizeof(pw), "pw%u", i);
		if (tg_gw_passwd_hash(pw, strlen(pw), TG_GW_SCRYPT_LN_MIN, hash, sizeof(hash)))
			return -EIO;
		fprintf(f, "[user.b%u]\npassword = %s\nfirm = F%u\n", i, hash, i);
	}
	fclose(f);
	o.config = cfgpath;
	o.log = fopen("/dev/null", "w");
	if (tg_gw_new(&o, &gw, err, sizeof(err))) {
		fprintf(stderr, "bench_gateway: %s\n", err);
		return -EINVAL;
	}
	pthread_create(&th, NULL, gw_thread, gw);

	const char *addr = tg_gw_address(gw);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_port = htons((uint16_t)atoi(strrchr(addr, ':') + 1));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	memset(cl, 0, sizeof(cl));
	for (unsigned i = 0; i < nclients; i++) {
		struct tg_soup_login l;
		uint8_t p[64], pkt[80];
		char user[8], pw[16];
		int one = 1;

		cl[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(cl[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(cl[i].fd, (struct sockaddr *)&sa, sizeof(sa))) {
			perror("connect");
			return -errno;
		}
		snprintf(user, sizeof(user), "b%u", i);
		snprintf(pw, sizeof(pw), "pw%u", i);
		memset(&l, 0, sizeof(l));
		tg_ouch_alpha(l.user, sizeof(l.user), user);
		tg_ouch_alpha(l.password, sizeof(l.password), pw);
		tg_ouch_alpha(l.session, sizeof(l.session), "");
		l.seq = 0;
		send_all(cl[i].fd, pkt, tg_soup_pack(pkt, TG_SOUP_LOGIN_REQUEST, p,
						      tg_soup_login_pack(&l, p)));
	}

	size_t cap = (size_t)(nclients * rate * seconds) + 1024, n = 0;
	uint64_t *L = malloc(cap * sizeof(*L));
	uint64_t interval = (uint64_t)(1e9 / rate), t_start = 0, t_end = 0;
	unsigned live = 0;
	struct pollfd pfd[MAX_CLIENTS];

	for (;;) {
		uint64_t t = now_ns();

		if (live == nclients && !t_start) {
			t_start = t;
			t_end = t + (uint64_t)(seconds * 1e9);
			for (unsigned i = 0; i < nclients; i++)
				cl[i].next_send = t + interval * i / nclients;
		}
		if (t_start && t >= t_end + 500000000ull)
			break;
		uint64_t wake = t + 1000000;
		if (t_start && t < t_end) {
			for (unsigned i = 0; i < nclients; i++) {
				if (cl[i].next_send <= t) {
					request(&cl[i], i, i % 4 < 2 ? "AAPL" : "MSFT");
					cl[i].next_send += interval;
				}
				if (cl[i].next_send < wake)
					wake = cl[i].next_send;
			}
		}
		for (unsigned i = 0; i < nclients; i++)
			pfd[i] = (struct pollfd){ .fd = cl[i].fd, .events = POLLIN };
		uint64_t d = wake > t ? wake - t : 0;
		struct timespec to = { .tv_sec = (time_t)(d / 1000000000ull),
				       .tv_nsec = (long)(d % 1000000000ull) };
		if (ppoll(pfd, nclients, &to, NULL) <= 0)
			continue;
		t = now_ns();
		for (unsigned i = 0; i < nclients; i++) {
			uint8_t *room;
			size_t r;
			ssize_t k;

			if (!(pfd[i].revents & POLLIN))
				continue;
			r = tg_soup_rx_room(&cl[i].rx, &room);
			k = recv(cl[i].fd, room, r, MSG_DONTWAIT);
			if (k <= 0)
				continue;
			tg_soup_rx_commit(&cl[i].rx, (size_t)k);
			for (;;) {
				const uint8_t *p;
				size_t len;
				char type;
				struct tg_ouch_out m;
				char tok[15];
				unsigned ci, kk;

				if (tg_soup_rx_next(&cl[i].rx, &type, &p, &len) != 1)
					break;
				if (type == TG_SOUP_LOGIN_ACCEPTED) {
					cl[i].logged_in = 1;
					live++;
					continue;
				}
				if (type != TG_SOUP_SEQUENCED || tg_ouch_out_decode(p, len, &m))
					continue;
				const char *tk = m.type == 'A' ? m.order.token :
						 m.type == 'C' ? m.canceled.token :
						 m.type == 'J' ? m.rejected.token : NULL;
				if (!tk)
					continue;
				memcpy(tok, tk, 14);
				tok[14] = 0;
				if (sscanf(tok, "%u.%u", &ci, &kk) != 2 || ci != i)
					continue;
				kk += m.type == 'C';	/* the cancel is request k + 1 */
				if (kk < cl[i].k && n < cap) {
					L[n++] = t - cl[i].sent[kk];
					answered++;
				}
			}
		}
	}
	*achieved = (double)answered / seconds;
	tg_gw_stop(gw);
	pthread_join(th, NULL);
	for (unsigned i = 0; i < nclients; i++) {
		close(cl[i].fd);
		free(cl[i].sent);
	}
	tg_gw_free(gw);
	fclose(o.log);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", jdir, cfgpath);
	if (system(cmd)) {
		/* leftovers in a temp dir */
	}
	*lat = L;
	*nlat = n;
	return 0;
}

/* The p-th percentile of sorted v (nearest rank). */
static uint64_t
pct(const uint64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

/* Run the sync modes asked for, print each run and the medians. */
int
main(int argc, char **argv)
{
	unsigned nclients = 8, runs = 3;
	double rate = 2000, seconds = 5;
	const char *syncs = "both", *base = "/tmp";
	char dir[256];
	struct statfs sf;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--clients"))
			nclients = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--rate"))
			rate = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--sync"))
			syncs = argv[i + 1];
		else if (!strcmp(argv[i], "--dir"))
			base = argv[i + 1];
		else if (!strcmp(argv[i], "--runs"))
			runs = (unsigned)atoi(argv[i + 1]);
		else {
			fprintf(stderr, "usage: bench_gateway [--clients N] [--rate R] [--seconds S] "
				"[--sync yes|no|both] [--dir DIR] [--runs R]\n");
			return 2;
		}
	}
	if (!nclients || nclients > MAX_CLIENTS || rate <= 0 || seconds <= 0 || !runs) {
		fprintf(stderr, "bench_gateway: bad arguments\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/tg-bench-gw-XXXXXX", base);
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	statfs(dir, &sf);
	printf("# %u clients x %.0f requests/s for %.0f s (%.0f/s in all), %u runs, journal on %s (fs magic 0x%lx)\n",
	       nclients, rate, seconds, nclients * rate, runs, dir, (unsigned long)sf.f_type);
	printf("# bench_gateway --clients %u --rate %.0f --seconds %.0f --sync %s --dir %s --runs %u\n",
	       nclients, rate, seconds, syncs, base, runs);
	for (int s = 1; s >= 0; s--) {
		if ((s && !strcmp(syncs, "no")) || (!s && !strcmp(syncs, "yes")))
			continue;
		double p50[16], p99[16], p999[16], mx[16], thr[16];

		for (unsigned r = 0; r < runs && r < 16; r++) {
			uint64_t *lat;
			size_t n;

			if (run(dir, s, nclients, rate, seconds, &lat, &n, &thr[r]) || !n) {
				fprintf(stderr, "bench_gateway: run failed\n");
				return 1;
			}
			qsort(lat, n, sizeof(*lat), cmp_u64);
			p50[r] = pct(lat, n, 50) / 1e3;
			p99[r] = pct(lat, n, 99) / 1e3;
			p999[r] = pct(lat, n, 99.9) / 1e3;
			mx[r] = lat[n - 1] / 1e3;
			printf("  sync=%s run %u: %zu acks, %.0f/s, p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n",
			       s ? "yes" : "no", r + 1, n, thr[r], p50[r], p99[r], p999[r], mx[r]);
			free(lat);
		}
		/* medians of the runs */
		unsigned k = runs < 16 ? runs : 16;
		double *v[] = { p50, p99, p999, mx };
		for (int j = 0; j < 4; j++)
			for (unsigned a = 0; a < k; a++)
				for (unsigned b = a + 1; b < k; b++)
					if (v[j][b] < v[j][a]) {
						double t = v[j][a];
						v[j][a] = v[j][b];
						v[j][b] = t;
					}
		printf("sync=%s median of %u runs: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n",
		       s ? "yes" : "no", k, p50[k / 2], p99[k / 2], p999[k / 2], mx[k / 2]);
	}
	rmdir(dir);
	return 0;
}
