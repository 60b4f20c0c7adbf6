/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Huge-page friendly anonymous mappings for the order engine.
 */
#include <stdint.h>
#include <sys/mman.h>

#include "order/tg_order_mem.h"

#define TG_ORDER_HUGE	(2u << 20)

static size_t
tg_order_round(size_t bytes)
{
	return (bytes + TG_ORDER_HUGE - 1) & ~(size_t)(TG_ORDER_HUGE - 1);
}

void *
tg_order_map(size_t bytes, bool prefault)
{
	size_t len = tg_order_round(bytes ? bytes : 1), head;
	uint8_t *raw, *p;

	/* map one huge page more and cut it off so the region starts aligned */
	raw = mmap(NULL, len + TG_ORDER_HUGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	head = (TG_ORDER_HUGE - ((uintptr_t)raw & (TG_ORDER_HUGE - 1))) & (TG_ORDER_HUGE - 1);
	p = raw + head;
	if (head)
		munmap(raw, head);
	munmap(p + len, TG_ORDER_HUGE - head);
	madvise(p, len, MADV_HUGEPAGE);
	if (prefault)
		for (size_t off = 0; off < len; off += 4096)
			((volatile uint8_t *)p)[off] = 0;
	return p;
}

void
tg_order_unmap(void *p, size_t bytes)
{
	if (p)
		munmap(p, tg_order_round(bytes ? bytes : 1));
}
