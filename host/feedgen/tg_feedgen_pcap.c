/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing of the generated day: messages packed into MoldUDP64 datagrams
 * the way a sender does (up to per_packet messages, within the MTU,
 * flushed when the flow pauses), in UDP/IPv4 multicast over Ethernet,
 * written to a pcap with nanosecond timestamps.
 *
 * Frames wait in a small time-ordered heap before they are written, so
 * the second copy of an A/B datagram, or a repeated one, can land after
 * later datagrams. The first copy of each datagram always goes out in
 * sequence order (a receiver takes the first copy it sees).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_ip.h>


#include "feedgen/tg_feedgen.h"
#include "feedgen/tg_feedgen_rng.h"

#define FG_MOLD_HDR	20
#define FG_MAX_PAYLOAD	(TG_FEEDGEN_MTU - 20 - 8)	/* UDP payload in one MTU */
#define FG_FLUSH_NS	1000		/* a datagram goes when the flow pauses this long */
#define FG_SEND_NS	800		/* from the last message's timestamp to the wire */
#define FG_SECOND	1000000000ull
#define FG_EPOCH	1704171600ull	/* 2024-01-02 00:00 US Eastern (EST), in Unix time */
#define FG_INFLIGHT	4096		/* frames held for time ordering */
#define FG_FRAME_MAX	(18 + TG_FEEDGEN_MTU)
#define FG_SPORT	26400

struct fg_frame {
	uint64_t t;		/* ns since midnight */
	uint64_t order;		/* tie break: insertion order */
	uint32_t len;
	uint8_t data[FG_FRAME_MAX];
};

struct fg_writer {
	const struct tg_feedgen_opts *o;
	struct tg_feedgen_result *res;
	pcap_dumper_t *dump;
	struct tg_feedgen_rng rng;
	struct fg_frame *pool;
	uint32_t *heap;		/* pool indices, min (t, order) on top */
	uint32_t nheap;
	uint32_t *free;
	uint32_t nfree;
	uint64_t order;
	uint64_t last_first;	/* time of the last in-order frame */
	uint64_t last_written;
	uint64_t index;		/* data datagrams so far */
	uint16_t ip_id[2];
};

/* A big-endian integer of n bytes. */
static void
fg_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		p[k] = (uint8_t)(v >> (8 * (n - 1 - k)));
}

/*
 * Ethernet (VLAN-tagged if asked), IPv4 and UDP around a MoldUDP64
 * payload, for line 0 (A) or 1 (B). Returns the frame length.
 */
static uint32_t
fg_build(struct fg_writer *w, int line, const uint8_t *payload, uint32_t plen,
	 uint8_t *f)
{
	const struct tg_feedgen_opts *o = w->o;
	uint32_t dst = o->dst_ip[line];
	uint8_t *ip, *udp;
	uint32_t off = 12;

	f[0] = 0x01;		/* IPv4 multicast MAC: 01:00:5e + low 23 bits */
	f[1] = 0x00;
	f[2] = 0x5e;
	f[3] = (dst >> 16) & 0x7f;
	f[4] = (dst >> 8) & 0xff;
	f[5] = dst & 0xff;
	f[6] = 0x02;		/* locally administered sender MAC */
	f[7] = 0x54;
	f[8] = 0x47;
	f[9] = 0x00;
	f[10] = 0x00;
	f[11] = (uint8_t)(0x0a + line);
	if (o->vlan >= 0) {
		fg_be(f + 12, 0x8100, 2);
		fg_be(f + 14, line ? o->vlan % 4094 + 1 : o->vlan, 2);
		off = 16;
	}
	fg_be(f + off, 0x0800, 2);
	ip = f + off + 2;
	udp = ip + 20;
	ip[0] = 0x45;
	ip[1] = 0;
	fg_be(ip + 2, 20 + 8 + plen, 2);
	fg_be(ip + 4, w->ip_id[line]++, 2);
	fg_be(ip + 6, 0, 2);	/* no fragments */
	ip[8] = 32;		/* TTL: crosses a few multicast routers */
	ip[9] = 17;
	fg_be(ip + 10, 0, 2);
	fg_be(ip + 12, o->src_ip, 4);
	fg_be(ip + 16, dst, 4);
	/* DPDK's checksums return host order: byte-swap into the field */
	fg_be(ip + 10, rte_be_to_cpu_16(rte_ipv4_cksum((const struct rte_ipv4_hdr *)ip)), 2);

	fg_be(udp, FG_SPORT + line, 2);
	fg_be(udp + 2, o->dst_port[line], 2);
	fg_be(udp + 4, 8 + plen, 2);
	fg_be(udp + 6, 0, 2);
	memcpy(udp + 8, payload, plen);
	fg_be(udp + 6, rte_be_to_cpu_16(rte_ipv4_udptcp_cksum(
		(const struct rte_ipv4_hdr *)ip, udp)), 2);
	return (uint32_t)(udp + 8 + plen - f);
}

/* Heap order: earlier time first, then insertion order. */
static int
fg_before(const struct fg_writer *w, uint32_t a, uint32_t b)
{
	const struct fg_frame *x = &w->pool[a], *y = &w->pool[b];

	return x->t < y->t || (x->t == y->t && x->order < y->order);
}

/* Insert a pool index into the time-ordered heap. */
static void
fg_heap_push(struct fg_writer *w, uint32_t i)
{
	uint32_t k = w->nheap++;

	while (k > 0) {
		uint32_t p = (k - 1) / 2;

		if (!fg_before(w, i, w->heap[p]))
			break;
		w->heap[k] = w->heap[p];
		k = p;
	}
	w->heap[k] = i;
}

/* Remove and return the earliest frame. */
static uint32_t
fg_heap_pop(struct fg_writer *w)
{
	uint32_t top = w->heap[0], last = w->heap[--w->nheap], k = 0;

	for (;;) {
		uint32_t c = 2 * k + 1;

		if (c >= w->nheap)
			break;
		if (c + 1 < w->nheap && fg_before(w, w->heap[c + 1], w->heap[c]))
			c++;
		if (!fg_before(w, w->heap[c], last))
			break;
		w->heap[k] = w->heap[c];
		k = c;
	}
	if (w->nheap)
		w->heap[k] = last;
	return top;
}

/* Write the earliest waiting frame. */
static void
fg_write_one(struct fg_writer *w)
{
	uint32_t i = fg_heap_pop(w);
	struct fg_frame *f = &w->pool[i];
	struct pcap_pkthdr h;
	uint64_t t = f->t > w->last_written ? f->t : w->last_written;

	w->last_written = t;
	h.ts.tv_sec = (time_t)(FG_EPOCH + t / FG_SECOND);
	h.ts.tv_usec = (suseconds_t)(t % FG_SECOND);	/* ns: nanosecond pcap */
	h.caplen = h.len = f->len;
	pcap_dump((u_char *)w->dump, &h, f->data);
	w->res->frames++;
	w->res->bytes += f->len;
	w->free[w->nfree++] = i;
}

/*
 * Queue a frame at time t. An in-order frame (first copies, heartbeats,
 * end of session) is later than everything queued after it, so every
 * waiting frame before it can be written now.
 */
static void
fg_send(struct fg_writer *w, int line, const uint8_t *payload, uint32_t plen,
	uint64_t t, int in_order)
{
	uint32_t i;

	if (in_order) {
		while (w->nheap && w->pool[w->heap[0]].t < t)
			fg_write_one(w);
		w->last_first = t;
	}
	if (!w->nfree)
		fg_write_one(w);
	i = w->free[--w->nfree];
	w->pool[i].t = t;
	w->pool[i].order = w->order++;
	w->pool[i].len = fg_build(w, line, payload, plen, w->pool[i].data);
	fg_heap_push(w, i);
}

/* The 20-byte MoldUDP64 header: session (space padded), sequence, count. */
static void
fg_mold_header(const struct tg_feedgen_opts *o, uint8_t *p, uint64_t seq,
	       uint16_t count)
{
	size_t n = strlen(o->session);

	memset(p, ' ', 10);
	memcpy(p, o->session, n);
	fg_be(p + 10, seq, 8);
	fg_be(p + 18, count, 2);
}

/* A heartbeat (count 0) or end of session (0xFFFF) on every line. */
static void
fg_control(struct fg_writer *w, uint64_t next_seq, uint16_t count, uint64_t t)
{
	uint8_t p[FG_MOLD_HDR];

	fg_mold_header(w->o, p, next_seq, count);
	fg_send(w, 0, p, sizeof(p), t, 1);
	if (w->o->ab)
		fg_send(w, 1, p, sizeof(p), t + 100 + tg_feedgen_rng_below(&w->rng, 2000), 0);
}

/*
 * One data datagram whose last message carries timestamp t: heartbeats
 * for the idle seconds before it, then the gap/duplicate/A-B treatment.
 */
static void
fg_datagram(struct fg_writer *w, const uint8_t *p, uint32_t plen,
	    uint64_t seq, uint16_t count, uint64_t t)
{
	const struct tg_feedgen_opts *o = w->o;
	uint64_t tf = t + FG_SEND_NS;
	int first;

	if (tf <= w->last_first)
		tf = w->last_first + 1;
	if (o->heartbeats && w->index > 0)
		while (tf - w->last_first > FG_SECOND) {
			fg_control(w, seq, 0, w->last_first + FG_SECOND);
			w->res->heartbeats++;
		}
	w->index++;
	w->res->datagrams++;
	if (o->gap_every && w->index % o->gap_every == 0) {
		/* lost on the way: sent (so no heartbeat is due), never seen */
		w->res->dropped_datagrams++;
		w->res->dropped_messages += count;
		w->last_first = tf;
		return;
	}
	first = o->ab ? (int)tg_feedgen_rng_below(&w->rng, 2) : 0;
	fg_send(w, first, p, plen, tf, 1);
	if (o->ab)
		fg_send(w, !first, p, plen,
			tf + 100 + tg_feedgen_rng_below(&w->rng, 4000), 0);
	if (o->dup_every && w->index % o->dup_every == 0) {
		fg_send(w, first, p, plen,
			tf + 20000 + tg_feedgen_rng_below(&w->rng, 30000), 0);
		w->res->duplicated_datagrams++;
	}
}

/* Timestamp of a message (bytes 5-10). */
static uint64_t
fg_msg_ts(const struct tg_feedgen_msg *m)
{
	uint64_t t = 0;

	for (int k = 5; k < 11; k++)
		t = t << 8 | m->data[k];
	return t;
}

/* Seconds since t0. */
static double
fg_elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Redraw the progress bar on stderr. */
static void
fg_progress(uint64_t done, uint64_t total, double secs)
{
	unsigned width = 40, fill = (unsigned)(done * width / (total ? total : 1));
	char bar[41];

	memset(bar, '#', fill);
	memset(bar + fill, '.', width - fill);
	bar[width] = 0;
	fprintf(stderr, "\rfeedgen [%s] %3u%% %llu/%llu messages %.1fs", bar,
		(unsigned)(done * 100 / (total ? total : 1)),
		(unsigned long long)done, (unsigned long long)total, secs);
	fflush(stderr);
}

/*
 * Pack and write the whole day. The framing has its own random stream
 * (seeded from the same seed), so framing options never change the
 * messages themselves.
 */
int
tg_feedgen_write(const struct tg_feedgen_opts *o, const char *path,
		 struct tg_feedgen_result *res)
{
	struct tg_feedgen_result local;
	struct fg_writer w;
	struct tg_feedgen *g = NULL;
	struct tg_feedgen_msg m;
	struct timespec t0;
	pcap_t *pd = NULL;
	uint8_t p[FG_MAX_PAYLOAD];
	uint64_t last_ts = 0, eos;
	int have, rc = 0, shown = 0;

	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	memset(&w, 0, sizeof(w));
	w.o = o;
	w.res = res;
	if (tg_feedgen_check(o, res->error, sizeof(res->error)) < 0)
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tg_feedgen_rng_seed(&w.rng, o->seed ^ 0x5447464752414d45ull);
	w.ip_id[0] = (uint16_t)tg_feedgen_rng_next(&w.rng);
	w.ip_id[1] = (uint16_t)tg_feedgen_rng_next(&w.rng);
	w.pool = malloc(FG_INFLIGHT * sizeof(*w.pool));
	w.heap = malloc(FG_INFLIGHT * sizeof(*w.heap));
	w.free = malloc(FG_INFLIGHT * sizeof(*w.free));
	g = tg_feedgen_new(o);
	if (!w.pool || !w.heap || !w.free || !g) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t k = 0; k < FG_INFLIGHT; k++)
		w.free[w.nfree++] = FG_INFLIGHT - 1 - k;
	pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
						  PCAP_TSTAMP_PRECISION_NANO);
	if (!pd) {
		snprintf(res->error, sizeof(res->error), "pcap_open_dead failed");
		rc = -ENOMEM;
		goto out;
	}
	w.dump = pcap_dump_open(pd, path);
	if (!w.dump) {
		snprintf(res->error, sizeof(res->error), "%s", pcap_geterr(pd));
		rc = -EIO;
		goto out;
	}

	have = tg_feedgen_next(g, &m);
	if (have > 0)
		res->first_ts = fg_msg_ts(&m);
	while (have > 0) {
		uint64_t seq = m.seq, t;
		uint32_t plen = FG_MOLD_HDR;
		uint16_t count = 0;

		do {
			fg_be(p + plen, m.len, 2);
			memcpy(p + plen + 2, m.data, m.len);
			plen += 2 + m.len;
			count++;
			t = fg_msg_ts(&m);
			have = tg_feedgen_next(g, &m);
		} while (have > 0 && count < o->per_packet &&
			 plen + 2 + m.len <= FG_MAX_PAYLOAD &&
			 fg_msg_ts(&m) - t <= FG_FLUSH_NS);
		fg_mold_header(o, p, seq, count);
		fg_datagram(&w, p, plen, seq, count, t);
		last_ts = t;
		res->messages += count;
		if (o->progress && (res->datagrams & 1023) == 0 &&
		    fg_elapsed(&t0) > 1.0) {
			fg_progress(res->messages, o->messages, fg_elapsed(&t0));
			shown = 1;
		}
	}
	if (have < 0) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		rc = have;
		goto out;
	}
	res->last_ts = last_ts;
	eos = last_ts + FG_SEND_NS + 1000000;
	fg_control(&w, res->messages + 1, 0xffff,
		   eos > w.last_first ? eos : w.last_first + 1);
	while (w.nheap)
		fg_write_one(&w);
	tg_feedgen_type_counts(g, res->msg_type);
	if (shown) {
		fg_progress(res->messages, o->messages, fg_elapsed(&t0));
		fputc('\n', stderr);
	}
	if (pcap_dump_flush(w.dump) < 0 || ferror(pcap_dump_file(w.dump))) {
		snprintf(res->error, sizeof(res->error), "write error");
		rc = -EIO;
	}
out:
	if (w.dump) {
		pcap_dump_close(w.dump);
		if (rc < 0 && strcmp(path, "-") != 0)
			unlink(path);
	}
	if (pd)
		pcap_close(pd);
	tg_feedgen_free(g);
	free(w.pool);
	free(w.heap);
	free(w.free);
	return rc;
}
