// SPDX-License-Identifier: BSD-3-Clause
// Reference of the feed pipeline for the tg_feed test bench, written from
// sections 4-6 of docs/card-interface.md and nothing else: one frame in,
// its records out, counters and session table updated.
#ifndef TG_FEED_REF_H
#define TG_FEED_REF_H

#include <cstdint>
#include <cstddef>
#include <vector>

struct tg_ref_rec {
	uint8_t b[64];
	int frame;		// id of the frame that produced it
	int last_off;		// MSG: frame offset of the message's last byte;
				// GAP, EOS: of the MoldUDP64 header's last byte
};

struct tg_feed_ref {
	uint32_t fip[8];
	uint16_t fport[8];
	uint8_t fctrl[8];
	bool sv[8];
	bool se[8];
	uint8_t sn[8][10];
	uint64_t sx[8];
	unsigned nval;
	uint64_t cnt[56];

	tg_feed_ref();
	// CTRL.RESET: counters and sessions; filters stay
	void reset();
	// One frame from line 0 (A) or 1 (B), in the order the card takes them
	void frame(const uint8_t *p, size_t len, unsigned line, int id,
		   std::vector<tg_ref_rec> &out);
};

#endif
