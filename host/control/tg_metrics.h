/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metrics for monitoring systems: the Prometheus text exposition format
 * (version 0.0.4) served over HTTP by libmicrohttpd at /metrics.
 *
 * Parts of the appliance register metric families, each with a collector
 * that the scrape calls to emit the family's samples:
 *
 *   counter    tickgate_feed_messages_total{line="A",type="A"} 1234
 *   gauge      tickgate_ring_occupancy{ring="c2h"} 17
 *   histogram  tickgate_wire_to_book_seconds_bucket{le="0.000001"} 8 ...
 *              (from a tg_hist in integer units, shown scaled: ns as
 *              seconds, cumulative buckets at the family's bounds, +Inf,
 *              _sum and _count)
 *
 * The hot path never takes a lock for this: each lcore writes its own
 * counters (tg_metrics_add() below: a relaxed store, no lock prefix, on
 * cache lines no other lcore writes) and its own tg_hist, and the
 * collector, on the HTTP thread, reads and adds them up. A scrape is a
 * snapshot of each counter at some moment during the scrape.
 */
#ifndef TG_METRICS_H
#define TG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "control/tg_hist.h"

enum tg_metric_type {
	TG_METRIC_COUNTER = 1,	/* name must end in _total */
	TG_METRIC_GAUGE,
	TG_METRIC_HISTOGRAM,
};

struct tg_metrics;
struct tg_metrics_out;

/* Emit this family's samples into out (called once per scrape). */
typedef void (*tg_metrics_collect_fn)(void *ctx, struct tg_metrics_out *out);

/* Latency bounds in ns: 100 ns to 1 s in 1-2.5-5 steps (22 bounds). */
extern const uint64_t tg_metrics_latency_ns[];
extern const unsigned tg_metrics_latency_ns_n;

int tg_metrics_new(struct tg_metrics **out);
/* Stops the server if it runs. */
void tg_metrics_free(struct tg_metrics *m);

/*
 * Register a counter or gauge family. name: [a-zA-Z_:][a-zA-Z0-9_:]*,
 * unique; a counter's ends in _total. 0, -EINVAL or -EEXIST.
 */
int tg_metrics_register(struct tg_metrics *m, const char *name, enum tg_metric_type type,
			const char *help, tg_metrics_collect_fn fn, void *ctx);

/*
 * Register a histogram family: samples come from tg_hist in integer
 * units; bounds (n, increasing, in those units) become the le labels,
 * shown divided by 10^exp10 (9: ns shown as seconds, the Prometheus
 * convention). A bucket's count is tg_hist_count_le(): exact when bound + 1
 * starts a histogram bucket (every bound below 256, and bounds like 999
 * or 1023), and otherwise it leaves out the samples of the one histogram
 * bucket that straddles the bound, all within 1/128 below it.
 */
int tg_metrics_register_hist(struct tg_metrics *m, const char *name, const char *help,
			     const uint64_t *bounds, unsigned n, unsigned exp10,
			     tg_metrics_collect_fn fn, void *ctx);

/*
 * For collectors: one sample of the family being collected, labels as
 * name, value pairs ending with NULL (none: just NULL). Label values are
 * escaped; a bad label name drops the sample.
 */
void tg_metrics_u64(struct tg_metrics_out *o, uint64_t v, ...)
	__attribute__((sentinel));
void tg_metrics_double(struct tg_metrics_out *o, double v, ...)
	__attribute__((sentinel));
void tg_metrics_hist(struct tg_metrics_out *o, const struct tg_hist *h, ...)
	__attribute__((sentinel));

/* The whole exposition text (malloc'd, NUL-terminated): 0 or -ENOMEM. */
int tg_metrics_render(struct tg_metrics *m, char **text, size_t *len);

/*
 * Serve /metrics on listen ("127.0.0.1:9464", "[::1]:9464"; port 0 picks
 * one, tg_metrics_port() says which) from libmicrohttpd's own thread.
 * 0 or -errno with err.
 */
int tg_metrics_start(struct tg_metrics *m, const char *listen, char *err, size_t errlen);
uint16_t tg_metrics_port(const struct tg_metrics *m);

/* Per-lcore counters: written by their lcore only, read by any thread. */
static inline void
tg_metrics_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline uint64_t
tg_metrics_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

#endif /* TG_METRICS_H */
