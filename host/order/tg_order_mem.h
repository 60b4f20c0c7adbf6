/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory for the order engine's big tables (order and level pools, the
 * token table, exposure per stock): zeroed, 2 MiB aligned and advised
 * for transparent huge pages, so random access over hundreds of MB does
 * not pay a TLB miss (a two-level page walk under a hypervisor) each time.
 * With prefault every page is touched up front, so no page fault is ever
 * taken on the order path; without it pages come as they are first used.
 */
#ifndef TG_ORDER_MEM_H
#define TG_ORDER_MEM_H

#include <stdbool.h>
#include <stddef.h>

/* bytes of zeroed memory, or NULL. */
void *tg_order_map(size_t bytes, bool prefault);
void tg_order_unmap(void *p, size_t bytes);

#endif /* TG_ORDER_MEM_H */
