/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Card records as text: JSON lines with the field names of the ITCH 5.0
 * specification (the `tickgate decode` contract), or one readable line.
 */
#ifndef TG_EVENT_PRINT_H
#define TG_EVENT_PRINT_H

#include <stdio.h>

#include "tg_card_abi.h"

/*
 * One JSON object for a MSG record: "seq", "type", the header fields,
 * then every field of its type in wire order (alpha right-trimmed, prices
 * as raw integers). Other record kinds print nothing. Returns bytes written.
 */
int tg_event_print_json(FILE *out, const struct tg_event *ev);

/* One human-readable line for any record (messages, gaps, end of session). */
int tg_event_print_text(FILE *out, const struct tg_event *ev);

#endif /* TG_EVENT_PRINT_H */
