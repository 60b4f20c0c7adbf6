/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `tickgate feedgen`: write a synthetic ITCH 5.0 / MoldUDP64 day to a pcap.
 * Exit 0 on success, 2 on bad usage, 1 on failure; one line on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tg_cli.h"
#include "feedgen/tg_feedgen.h"

static const char tg_feedgen_usage[] =
	"usage: tickgate feedgen --out FILE.pcap [options]\n"
	"\n"
	"Write a synthetic but consistent NASDAQ TotalView-ITCH 5.0 day (all 23\n"
	"message types, books that never cross) as MoldUDP64 over UDP multicast.\n"
	"\n"
	"  --out FILE        pcap file to write (\"-\" for stdout)\n"
	"  --seed N          PRNG seed; the same seed writes the same bytes (default 1)\n"
	"  --stocks N        stocks, stock_locate 1..N, 1..65535 (default 8)\n"
	"  --messages N      ITCH messages in the session (default 100000;\n"
	"                    at least 10 x stocks + 53)\n"
	"  --per-packet N    most messages per datagram, within the 1500-byte MTU\n"
	"                    (default 16)\n"
	"  --gap-every N     drop every N-th datagram: receivers see gaps\n"
	"  --dup-every N     send every N-th datagram again, a little later\n"
	"  --ab              send every datagram on line A and line B (line B: next\n"
	"                    group address, port + 1, VLAN + 1)\n"
	"  --vlan ID         802.1Q tag of line A, 1..4094 (default untagged)\n"
	"  --session NAME    MoldUDP64 session, 1-10 characters (default TGSESSION1)\n"
	"  --dst IP:PORT     line A destination (default 233.54.12.111:26477)\n"
	"  --heartbeats      a heartbeat datagram for every idle second\n"
	"  --quiet           no progress bar, no summary\n"
	"  --help            this text\n";

/* Bad usage: one line on stderr, exit status 2. */
static int
tg_feedgen_bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "tickgate feedgen: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return TG_EXIT_USAGE;
}

/* A decimal number in [lo, hi]; -1 if it is not one. */
static int
tg_feedgen_num(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* "a.b.c.d:port" into host-order address and port. */
static int
tg_feedgen_dst(const char *s, uint32_t *ip, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char host[INET_ADDRSTRLEN];
	struct in_addr a;
	uint64_t p;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	if (inet_pton(AF_INET, host, &a) != 1 ||
	    tg_feedgen_num(colon + 1, 1, 65535, &p) < 0)
		return -1;
	*ip = ntohl(a.s_addr);
	*port = (uint16_t)p;
	return 0;
}

/* Parse the options, generate, report. */
int
tg_cmd_feedgen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "stocks", required_argument, NULL, 'k' },
		{ "messages", required_argument, NULL, 'm' },
		{ "per-packet", required_argument, NULL, 'p' },
		{ "gap-every", required_argument, NULL, 'g' },
		{ "dup-every", required_argument, NULL, 'd' },
		{ "ab", no_argument, NULL, 'a' },
		{ "vlan", required_argument, NULL, 'v' },
		{ "session", required_argument, NULL, 'S' },
		{ "dst", required_argument, NULL, 't' },
		{ "heartbeats", no_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tg_feedgen_opts o;
	struct tg_feedgen_result res;
	const char *out = NULL;
	char err[160];
	uint64_t v;
	int c, quiet = 0, rc;

	tg_feedgen_opts_init(&o);
	optind = 0;		/* a fresh scan, whatever parsed argv before */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			if (tg_feedgen_num(optarg, 0, UINT64_MAX, &v) < 0)
				return tg_feedgen_bad("bad --seed: %s", optarg);
			o.seed = v;
			break;
		case 'k':
			if (tg_feedgen_num(optarg, 1, TG_FEEDGEN_MAX_STOCKS, &v) < 0)
				return tg_feedgen_bad("bad --stocks (1..65535): %s", optarg);
			o.stocks = (uint32_t)v;
			break;
		case 'm':
			if (tg_feedgen_num(optarg, 1, TG_FEEDGEN_MAX_MESSAGES, &v) < 0)
				return tg_feedgen_bad("bad --messages: %s", optarg);
			o.messages = v;
			break;
		case 'p':
			if (tg_feedgen_num(optarg, 1, TG_FEEDGEN_MAX_PER_PACKET, &v) < 0)
				return tg_feedgen_bad("bad --per-packet (1..1024): %s", optarg);
			o.per_packet = (uint32_t)v;
			break;
		case 'g':
			if (tg_feedgen_num(optarg, 1, UINT32_MAX, &v) < 0)
				return tg_feedgen_bad("bad --gap-every: %s", optarg);
			o.gap_every = (uint32_t)v;
			break;
		case 'd':
			if (tg_feedgen_num(optarg, 1, UINT32_MAX, &v) < 0)
				return tg_feedgen_bad("bad --dup-every: %s", optarg);
			o.dup_every = (uint32_t)v;
			break;
		case 'a':
			o.ab = 1;
			break;
		case 'v':
			if (tg_feedgen_num(optarg, 1, 4094, &v) < 0)
				return tg_feedgen_bad("bad --vlan (1..4094): %s", optarg);
			o.vlan = (int)v;
			break;
		case 'S':
			if (strlen(optarg) < 1 || strlen(optarg) > 10)
				return tg_feedgen_bad("bad --session (1-10 characters): %s", optarg);
			strcpy(o.session, optarg);
			break;
		case 't':
			if (tg_feedgen_dst(optarg, &o.dst_ip[0], &o.dst_port[0]) < 0)
				return tg_feedgen_bad("bad --dst (IP:PORT): %s", optarg);
			/* line B: the next group, the next port */
			o.dst_ip[1] = o.dst_ip[0] + 1;
			o.dst_port[1] = o.dst_port[0] == 65535 ? 65534 : o.dst_port[0] + 1;
			break;
		case 'H':
			o.heartbeats = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(tg_feedgen_usage, stdout);
			return TG_EXIT_OK;
		case ':':
			return tg_feedgen_bad("%s needs a value", argv[optind - 1]);
		default:
			return tg_feedgen_bad("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return tg_feedgen_bad("unexpected argument %s", argv[optind]);
	if (!out)
		return tg_feedgen_bad("%s", "--out FILE is required (see --help)");
	if (tg_feedgen_check(&o, err, sizeof(err)) < 0)
		return tg_feedgen_bad("%s", err);
	o.progress = !quiet && isatty(STDERR_FILENO);

	rc = tg_feedgen_write(&o, out, &res);
	if (rc < 0) {
		fprintf(stderr, "tickgate feedgen: %s: %s\n", out, res.error);
		return TG_EXIT_FAIL;
	}
	if (!quiet)
		fprintf(stderr,
			"tickgate feedgen: %s: %llu messages in %llu datagrams "
			"(%llu dropped, %llu repeated, %llu heartbeats), %llu frames\n",
			out, (unsigned long long)res.messages,
			(unsigned long long)res.datagrams,
			(unsigned long long)res.dropped_datagrams,
			(unsigned long long)res.duplicated_datagrams,
			(unsigned long long)res.heartbeats,
			(unsigned long long)res.frames);
	return TG_EXIT_OK;
}
