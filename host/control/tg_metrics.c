/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition of registered metric families, served by
 * libmicrohttpd (format notes in tg_metrics.h and docs/control.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "control/tg_metrics.h"

#define TG_METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

const uint64_t tg_metrics_latency_ns[] = {
	100, 250, 500,
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 25000000, 50000000, 100000000,
	250000000, 500000000, 1000000000,
};
const unsigned tg_metrics_latency_ns_n =
	sizeof(tg_metrics_latency_ns) / sizeof(tg_metrics_latency_ns[0]);

struct tg_metrics_family {
	char *name;
	char *help;
	enum tg_metric_type type;
	tg_metrics_collect_fn fn;
	void *ctx;
	uint64_t *bounds;	/* histogram */
	unsigned n_bounds;
	unsigned exp10;
};

struct tg_metrics {
	pthread_mutex_t lock;	/* the registry; one scrape at a time */
	struct tg_metrics_family *fam;
	unsigned n_fam;
	struct MHD_Daemon *httpd;
	uint16_t port;
};

/* The text being built, and the family whose collector is running. */
struct tg_metrics_out {
	FILE *f;
	const struct tg_metrics_family *fam;
};

/* An empty registry, not serving yet. */
int
tg_metrics_new(struct tg_metrics **out)
{
	struct tg_metrics *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	*out = m;
	return 0;
}

/* Stop serving and free the registry. */
void
tg_metrics_free(struct tg_metrics *m)
{
	if (!m)
		return;
	if (m->httpd)
		MHD_stop_daemon(m->httpd);
	for (unsigned i = 0; i < m->n_fam; i++) {
		free(m->fam[i].name);
		free(m->fam[i].help);
		free(m->fam[i].bounds);
	}
	free(m->fam);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* (colons: metric names only) */
static int
tg_metrics_name_ok(const char *s, int colons)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || (colons && *s == ':')))
			return 0;
	return 1;
}

/* Check a family's name and add it (copies of its strings). */
static int
tg_metrics_add_family(struct tg_metrics *m, const struct tg_metrics_family *f)
{
	struct tg_metrics_family *fam;
	size_t n = strlen(f->name);

	if (!tg_metrics_name_ok(f->name, 1) || !f->fn || !f->help)
		return -EINVAL;
	if (f->type == TG_METRIC_COUNTER && (n < 7 || strcmp(f->name + n - 6, "_total")))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	for (unsigned i = 0; i < m->n_fam; i++)
		if (!strcmp(m->fam[i].name, f->name)) {
			pthread_mutex_unlock(&m->lock);
			return -EEXIST;
		}
	fam = realloc(m->fam, (m->n_fam + 1) * sizeof(*fam));
	if (!fam) {
		pthread_mutex_unlock(&m->lock);
		return -ENOMEM;
	}
	m->fam = fam;
	fam[m->n_fam] = *f;
	fam[m->n_fam].name = strdup(f->name);
	fam[m->n_fam].help = strdup(f->help);
	if (!fam[m->n_fam].name || !fam[m->n_fam].help) {
		free(fam[m->n_fam].name);
		free(fam[m->n_fam].help);
		pthread_mutex_unlock(&m->lock);
		return -ENOMEM;
	}
	m->n_fam++;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* A counter or gauge family. */
int
tg_metrics_register(struct tg_metrics *m, const char *name, enum tg_metric_type type,
		    const char *help, tg_metrics_collect_fn fn, void *ctx)
{
	struct tg_metrics_family f = {
		.name = (char *)name, .help = (char *)help, .type = type, .fn = fn, .ctx = ctx,
	};

	if (type != TG_METRIC_COUNTER && type != TG_METRIC_GAUGE)
		return -EINVAL;
	return tg_metrics_add_family(m, &f);
}

/* A histogram family with its bounds (copied) and scale. */
int
tg_metrics_register_hist(struct tg_metrics *m, const char *name, const char *help,
			 const uint64_t *bounds, unsigned n, unsigned exp10,
			 tg_metrics_collect_fn fn, void *ctx)
{
	struct tg_metrics_family f = {
		.name = (char *)name, .help = (char *)help, .type = TG_METRIC_HISTOGRAM,
		.fn = fn, .ctx = ctx, .n_bounds = n, .exp10 = exp10,
	};
	int rc;

	if (exp10 > 18 || (n && !bounds))
		return -EINVAL;
	for (unsigned i = 1; i < n; i++)
		if (bounds[i] <= bounds[i - 1])
			return -EINVAL;
	if (n && !(f.bounds = malloc(n * sizeof(*bounds))))
		return -ENOMEM;
	if (n)
		memcpy(f.bounds, bounds, n * sizeof(*bounds));
	if ((rc = tg_metrics_add_family(m, &f)))
		free(f.bounds);
	return rc;
}

/* v / 10^exp10 as an exact decimal: "0.000001", "12.5", "3". */
static void
tg_metrics_put_scaled(FILE *f, uint64_t v, unsigned exp10)
{
	char d[24], out[48];
	int n = snprintf(d, sizeof(d), "%" PRIu64, v), k = 0;
	int intlen = n - (int)exp10;

	if (intlen <= 0) {
		out[k++] = '0';
	} else {
		memcpy(out + k, d, (size_t)intlen);
		k += intlen;
	}
	if (exp10) {
		int frac_end = k;

		out[k++] = '.';
		for (int i = intlen; i < 0; i++)
			out[k++] = '0';
		for (int i = intlen < 0 ? 0 : intlen; i < n; i++)
			out[k++] = d[i];
		/* trailing zeros, and the point if nothing is left after it */
		while (k > frac_end + 1 && out[k - 1] == '0')
			k--;
		if (k == frac_end + 1)
			k = frac_end;
	}
	fwrite(out, 1, (size_t)k, f);
}

/* A gauge value, NaN and infinities spelled as Prometheus does. */
static void
tg_metrics_put_double(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else
		fprintf(f, "%.17g", v);
}

/* A label value with \, " and newline escaped. */
static void
tg_metrics_put_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* HELP text with \ and newline escaped. */
static void
tg_metrics_put_help(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/*
 * The labels of ap (name, value, ..., NULL) as {a="x",b="y"} text, with
 * le="..." added if le is not NULL. 0, or -EINVAL for a bad label name.
 */
static int
tg_metrics_labels(char **text, va_list ap, const char *le)
{
	size_t cap = 0;
	FILE *f = open_memstream(text, &cap);
	const char *k, *v;
	int n = 0, rc = 0;

	if (!f)
		return -ENOMEM;
	while ((k = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		if (!tg_metrics_name_ok(k, 0) || !strcmp(k, "le") || !strncmp(k, "__", 2) || !v)
			rc = -EINVAL;
		fputs(n++ ? "," : "{", f);
		fprintf(f, "%s=\"", k);
		tg_metrics_put_label_value(f, v ? v : "");
		fputc('"', f);
	}
	if (le) {
		fputs(n++ ? "," : "{", f);
		fprintf(f, "le=\"%s\"", le);
	}
	if (n)
		fputc('}', f);
	if (fclose(f))
		rc = -ENOMEM;
	return rc;
}

/* One integer sample of the family being collected. */
void
tg_metrics_u64(struct tg_metrics_out *o, uint64_t v, ...)
{
	char *labels = NULL;
	va_list ap;
	int rc;

	va_start(ap, v);
	rc = tg_metrics_labels(&labels, ap, NULL);
	va_end(ap);
	if (!rc && o->fam->type != TG_METRIC_HISTOGRAM)
		fprintf(o->f, "%s%s %" PRIu64 "\n", o->fam->name, labels, v);
	free(labels);
}

/* One floating-point sample of the family being collected. */
void
tg_metrics_double(struct tg_metrics_out *o, double v, ...)
{
	char *labels = NULL;
	va_list ap;
	int rc;

	va_start(ap, v);
	rc = tg_metrics_labels(&labels, ap, NULL);
	va_end(ap);
	if (!rc && o->fam->type != TG_METRIC_HISTOGRAM) {
		fprintf(o->f, "%s%s ", o->fam->name, labels);
		tg_metrics_put_double(o->f, v);
		fputc('\n', o->f);
	}
	free(labels);
}

/* One histogram: cumulative buckets at the family's bounds, +Inf, _sum, _count. */
void
tg_metrics_hist(struct tg_metrics_out *o, const struct tg_hist *h, ...)
{
	const struct tg_metrics_family *fam = o->fam;
	char *labels = NULL, le[48];
	uint64_t total;
	va_list ap;
	int rc;

	if (fam->type != TG_METRIC_HISTOGRAM)
		return;
	/* the label text is checked once, then rebuilt for each le */
	va_start(ap, h);
	rc = tg_metrics_labels(&labels, ap, NULL);
	va_end(ap);
	free(labels);
	if (rc)
		return;
	/* count from the buckets, so +Inf and _count agree with them */
	total = tg_hist_total(h);
	for (unsigned i = 0; i <= fam->n_bounds; i++) {
		uint64_t n = i < fam->n_bounds ? tg_hist_count_le(h, fam->bounds[i]) : total;

		if (i < fam->n_bounds) {
			char *p = NULL;
			size_t cap = 0;
			FILE *s = open_memstream(&p, &cap);

			if (!s)
				return;
			tg_metrics_put_scaled(s, fam->bounds[i], fam->exp10);
			fclose(s);
			snprintf(le, sizeof(le), "%s", p ? p : "0");
			free(p);
		} else {
			snprintf(le, sizeof(le), "+Inf");
		}
		if (n > total)		/* a racing writer between the two reads */
			n = total;
		va_start(ap, h);
		rc = tg_metrics_labels(&labels, ap, le);
		va_end(ap);
		if (!rc)
			fprintf(o->f, "%s_bucket%s %" PRIu64 "\n", fam->name, labels, n);
		free(labels);
	}
	va_start(ap, h);
	rc = tg_metrics_labels(&labels, ap, NULL);
	va_end(ap);
	if (!rc) {
		fprintf(o->f, "%s_sum%s ", fam->name, labels);
		tg_metrics_put_scaled(o->f, __atomic_load_n(&h->sum, __ATOMIC_RELAXED), fam->exp10);
		fprintf(o->f, "\n%s_count%s %" PRIu64 "\n", fam->name, labels, total);
	}
	free(labels);
}

/* HELP, TYPE and samples of every family, in registration order. */
int
tg_metrics_render(struct tg_metrics *m, char **text, size_t *len)
{
	static const char *const type_name[] = {
		[TG_METRIC_COUNTER] = "counter",
		[TG_METRIC_GAUGE] = "gauge",
		[TG_METRIC_HISTOGRAM] = "histogram",
	};
	struct tg_metrics_out o;
	size_t cap = 0;

	*text = NULL;
	if (!(o.f = open_memstream(text, &cap)))
		return -ENOMEM;
	pthread_mutex_lock(&m->lock);
	for (unsigned i = 0; i < m->n_fam; i++) {
		o.fam = &m->fam[i];
		fprintf(o.f, "# HELP %s ", o.fam->name);
		tg_metrics_put_help(o.f, o.fam->help);
		fprintf(o.f, "\n# TYPE %s %s\n", o.fam->name, type_name[o.fam->type]);
		o.fam->fn(o.fam->ctx, &o);
	}
	pthread_mutex_unlock(&m->lock);
	if (fclose(o.f) || !*text) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	if (len)
		*len = strlen(*text);
	return 0;
}

/* Queue a response with its content type. */
static enum MHD_Result
tg_metrics_reply(struct MHD_Connection *conn, unsigned status, const char *type,
		 char *body, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, mode);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* GET /metrics; anything else is 404 or 405. */
static enum MHD_Result
tg_metrics_http(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
		const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct tg_metrics *m = cls;
	char *text;

	(void)version, (void)upload;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return tg_metrics_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
					"only GET\n", MHD_RESPMEM_PERSISTENT);
	/* the first call announces the request; answer on the second */
	if (!*state) {
		static int seen;

		*state = &seen;
		return MHD_YES;
	}
	if (*upload_size)
		return MHD_NO;
	if (strcmp(url, "/metrics"))
		return tg_metrics_reply(conn, MHD_HTTP_NOT_FOUND, "text/plain",
					"tickgate: the metrics are at /metrics\n",
					MHD_RESPMEM_PERSISTENT);
	if (tg_metrics_render(m, &text, NULL))
		return tg_metrics_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
					"out of memory\n", MHD_RESPMEM_PERSISTENT);
	return tg_metrics_reply(conn, MHD_HTTP_OK, TG_METRICS_CONTENT_TYPE, text,
				MHD_RESPMEM_MUST_FREE);
}

/* "A.B.C.D:PORT" or "[v6]:PORT" into ss. */
static int
tg_metrics_parse_listen(const char *s, struct sockaddr_storage *ss, int *v6)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	char *end;
	unsigned long port;
	size_t hl;

	if (!colon)
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port > 65535)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(ss, 0, sizeof(*ss));
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[hl - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*v6 = 1;
		return 0;
	}
	{
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (!strcmp(host, "localhost"))
			snprintf(host, sizeof(host), "127.0.0.1");
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*v6 = 0;
	}
	return 0;
}

/* Listen on listen and serve from libmicrohttpd's own thread. */
int
tg_metrics_start(struct tg_metrics *m, const char *listen, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	int v6 = 0;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (m->httpd)
		return -EALREADY;
	if (tg_metrics_parse_listen(listen, &ss, &v6)) {
		snprintf(err, errlen, "[metrics] listen: '%s' is not HOST:PORT (an IPv4 address,"
			 " [IPv6] or localhost)", listen);
		return -EINVAL;
	}
	if (v6)
		flags |= MHD_USE_IPv6;
	/* the port is in ss; passing it too only makes MHD's messages name it */
	m->httpd = MHD_start_daemon(flags, ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
						      ((struct sockaddr_in *)&ss)->sin_port),
				    NULL, NULL, tg_metrics_http, m,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
				    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				    MHD_OPTION_END);
	if (!m->httpd) {
		snprintf(err, errlen, "metrics: cannot listen on %s (in use, or not an address"
			 " of this host)", listen);
		return -EADDRNOTAVAIL;
	}
	info = MHD_get_daemon_info(m->httpd, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info ? info->port : 0;
	return 0;
}

/* The port served (the one picked, for port 0). */
uint16_t
tg_metrics_port(const struct tg_metrics *m)
{
	return m->port;
}
