/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "test_driver_util.h"

/* Every frame of a capture, each in its own buffer. */
unsigned
load_pcap(const char *path, struct frame *out, unsigned max)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *bytes;
	unsigned n = 0;
	pcap_t *p;

	p = pcap_open_offline(path, err);
	cr_assert_not_null(p, "%s: %s", path, err);
	while (pcap_next_ex(p, &h, &bytes) == 1) {
		cr_assert_lt(n, max);
		cr_assert_eq(h->caplen, h->len, "frame %u truncated in the capture", n);
		out[n].data = malloc(h->caplen);
		memcpy(out[n].data, bytes, h->caplen);
		out[n].len = (uint16_t)h->caplen;
		n++;
	}
	pcap_close(p);
	return n;
}
