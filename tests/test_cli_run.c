/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance through DPDK: `tickgate run` takes frames from net_pcap
 * ports with the EAL arguments of DEVELOPERS.md, and every frame and
 * message of the capture reaches the card and the books. Frame counts come
 * from tshark, message counts from the generator's own report.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg_wire.h"

#define TICKGATE TG_BUILD_DIR "/tickgate"

TestSuite(cli_run, .init = tmpdir_make, .fini = tmpdir_remove, .timeout = 600);

/* Run cmd, return its stdout (malloc'd), asserting exit status 0. */
static char *
capture(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *out = NULL;
	size_t cap = 0;

	cr_assert(p);
	FILE *m = open_memstream(&out, &cap);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, m);
	fclose(m);
	int rc = pclose(p);
	cr_assert_eq(rc, 0, "%s: exit %d\n%s", cmd, rc, out);
	return out;
}

/* The number after `label` in the run report. */
static uint64_t
figure(const char *out, const char *label)
{
	const char *p = strstr(out, label);
	cr_assert(p, "no '%s' in the report:\n%s", label, out);
	return strtoull(p + strlen(label), NULL, 10);
}

static uint64_t
count_frames(const char *pcap, const char *filter)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' %s%s%s 2>/dev/null | wc -l", pcap,
		 filter ? "-Y '" : "", filter ? filter : "", filter ? "'" : "");
	char *out = capture(cmd);
	uint64_t n = strtoull(out, NULL, 10);
	free(out);
	return n;
}

/* Lines A and B on one port, told apart by destination (--line-b). */
Test(cli_run, one_port_both_lines)
{
	char pcap[128], cmd[1024];

	snprintf(pcap, sizeof(pcap), "%s/feed.pcap", tmpdir);
	snprintf(cmd, sizeof(cmd), TICKGATE " feedgen --out '%s' --seed 3 --stocks 10 "
		 "--messages 20000 --ab", pcap);
	run_ok(cmd);
	uint64_t fa = count_frames(pcap, "ip.dst==233.54.12.111");
	uint64_t fb = count_frames(pcap, "ip.dst==233.54.12.112");
	cr_assert_gt(fa, 1000);
	snprintf(cmd, sizeof(cmd), TICKGATE " run --card model --idle-ms 300 "
		 "--line-b 233.54.12.112 -- --no-huge --no-pci --no-shconf "
		 "--file-prefix=tgtest%d -m 256 -l 0 --vdev net_pcap0,rx_pcap=%s,tx_pcap=/dev/null "
		 "2>&1", (int)getpid(), pcap);
	char *out = capture(cmd);
	cr_assert_eq(figure(out, "line A "), fa, "%s", out);
	cr_assert_eq(figure(out, "line B "), fb, "%s", out);
	cr_assert_eq(figure(out, "messages   "), 20000, "%s", out);
	cr_assert_eq(figure(out, "decoded, "), 20000, "every message twice: %s", out);
	cr_assert(strstr(out, " 0 gaps (0 messages missing)"), "%s", out);
	cr_assert(strstr(out, ", 0 messages refused"), "%s", out);
	free(out);
}

/* Two ports: net_pcap0 is line A, net_pcap1 line B, through the Verilated card. */
Test(cli_run, two_ports_sim)
{
	char pcap[128], pa[128], pb[128], cmd[1024];

	snprintf(pcap, sizeof(pcap), "%s/feed.pcap", tmpdir);
	snprintf(pa, sizeof(pa), "%s/a.pcap", tmpdir);
	snprintf(pb, sizeof(pb), "%s/b.pcap", tmpdir);
	snprintf(cmd, sizeof(cmd), TICKGATE " feedgen --out '%s' --seed 4 --stocks 5 "
		 "--messages 5000 --ab --gap-every 40", pcap);
	run_ok(cmd);
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -Y ip.dst==233.54.12.111 -w '%s' 2>/dev/null && "
		 "tshark -r '%s' -Y ip.dst==233.54.12.112 -w '%s' 2>/dev/null", pcap, pa, pcap, pb);
	run_ok(cmd);
	uint64_t fa = count_frames(pa, NULL), fb = count_frames(pb, NULL);
	snprintf(cmd, sizeof(cmd), TICKGATE " run --card sim --idle-ms 300 -- --no-huge --no-pci "
		 "--no-shconf --file-prefix=tgtest2%d -m 256 -l 0 "
		 "--vdev net_pcap0,rx_pcap=%s,tx_pcap=/dev/null "
		 "--vdev net_pcap1,rx_pcap=%s,tx_pcap=/dev/null 2>&1", (int)getpid(), pa, pb);
	char *out = capture(cmd);
	cr_assert(strstr(out, "card sim, 2 port(s)"), "%s", out);
	cr_assert_eq(figure(out, "line A "), fa, "%s", out);
	cr_assert_eq(figure(out, "line B "), fb, "%s", out);
	/* every 40th datagram lost on both lines: gaps, and the rest decoded once */
	cr_assert_gt(figure(out, "duplicates dropped (A/B), "), 0, "%s", out);
	uint64_t missing = figure(out, "gaps (");
	cr_assert_eq(figure(out, "messages   ") + missing, 5000, "%s", out);
	free(out);
}

/* The README's main job: no arguments at all. */
Test(cli_run, embedded_default)
{
	char *out = capture("cd /tmp && " TICKGATE " run 2>&1");
	cr_assert(strstr(out, "card sim"), "%s", out);
	cr_assert_eq(figure(out, "messages   "), 200000, "%s", out);
	cr_assert(strstr(out, ", 0 messages refused"), "%s", out);
	free(out);
}

Test(cli_run, bad_usage)
{
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " run --card fpga 2>/dev/null")), 2);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " run --bogus 2>/dev/null")), 2);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " run --help >/dev/null")), 0);
	cr_assert_eq(WEXITSTATUS(system(TICKGATE " run --config /nonexistent.ini 2>/dev/null")), 1);
}
