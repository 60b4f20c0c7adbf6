/* SPDX-License-Identifier: BSD-3-Clause */
/* What the driver's tests on the model and the Verilated card share. */
#ifndef TEST_DRIVER_UTIL_H
#define TEST_DRIVER_UTIL_H

#include <stdint.h>

/* Two datagrams, 1 + 38 messages, a gap between them: real NASDAQ bytes. */
#define CAPTURE TG_SHARED_DIR "/data/itch50-real/omi-data-packets/Nasdaq/" \
	"Nasdaq.Equities.TotalView.Itch.v5.0/Multiple.Packets.pcap"

struct frame {
	uint8_t *data;
	uint16_t len;
};

/* Every frame of a capture, each in its own buffer. */
unsigned load_pcap(const char *path, struct frame *out, unsigned max);

#endif /* TEST_DRIVER_UTIL_H */
