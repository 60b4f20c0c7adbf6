/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The card's ABI said three times must say the same thing: the C header
 * (drivers/tg_card_abi.h), the Verilog header (rtl/tg_card_abi.vh) and
 * the contract (docs/card-interface.md). Every `define of the Verilog
 * header is checked against the C constant of the same name; the register
 * and counter tables of the contract are parsed and checked against the
 * C header; the record and descriptor layouts are checked field by field
 * against the contract's tables, transcribed here; the crypto job block
 * and result record tables of section 9 are parsed and checked against
 * the C structs.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_card_abi.h"

struct abi_const {
	const char *name;
	unsigned long long value;
};

#define C(x) { #x, (unsigned long long)(x) }

/* Every C constant that has, or may have, a Verilog twin of the same name. */
static const struct abi_const abi_c[] = {
	C(TG_CARD_ID), C(TG_CARD_VERSION), C(TG_CARD_N_FILTERS), C(TG_CARD_N_SESSIONS),
	C(TG_REG_ID), C(TG_REG_VERSION), C(TG_REG_CAPS), C(TG_REG_SCRATCH),
	C(TG_REG_CTRL), C(TG_REG_STATUS),
	C(TG_REG_H2C_BASE_LO), C(TG_REG_H2C_BASE_HI), C(TG_REG_H2C_SIZE),
	C(TG_REG_H2C_TAIL), C(TG_REG_H2C_HEAD), C(TG_REG_H2C_WB_LO), C(TG_REG_H2C_WB_HI),
	C(TG_REG_C2H_BASE_LO), C(TG_REG_C2H_BASE_HI), C(TG_REG_C2H_SIZE),
	C(TG_REG_C2H_HEAD), C(TG_REG_C2H_TAIL),
	{ "TG_REG_FILTER_BASE", TG_REG_FILTER(0) },
	{ "TG_REG_SESSION_BASE", TG_REG_SESSION(0) },
	{ "TG_REG_COUNTER_BASE", TG_REG_COUNTER(0) },
	C(TG_CTRL_ENABLE), C(TG_CTRL_RESET), C(TG_STATUS_IDLE),
	C(TG_FILTER_VALID), C(TG_FILTER_ANY_IP), C(TG_FILTER_ANY_PORT),
	C(TG_CNT_FRAMES_A), C(TG_CNT_FRAMES_B), C(TG_CNT_NON_FEED), C(TG_CNT_FILTERED),
	C(TG_CNT_ERR_TRUNCATED), C(TG_CNT_ERR_IP_HEADER), C(TG_CNT_ERR_IP_CHECKSUM),
	C(TG_CNT_ERR_UDP_LENGTH), C(TG_CNT_ERR_MOLD_HEADER), C(TG_CNT_ERR_SESSION_FULL),
	C(TG_CNT_MOLD_PACKETS), C(TG_CNT_HEARTBEATS), C(TG_CNT_END_OF_SESSION),
	C(TG_CNT_MESSAGES), C(TG_CNT_DUPLICATES), C(TG_CNT_GAPS), C(TG_CNT_GAP_MESSAGES),
	C(TG_CNT_ERR_MSG_OVERRUN), C(TG_CNT_ERR_UNKNOWN_TYPE), C(TG_CNT_ERR_MSG_LENGTH),
	C(TG_CNT_ERR_SHORT_PACKET), C(TG_CNT_C2H_DROPS), C(TG_CNT_H2C_DESCS),
	C(TG_CNT_ERR_DESC), C(TG_CNT_MSG_TYPE0), C(TG_CNT_NUM),
	C(TG_DESC_FEED_FRAME), C(TG_DESC_LINE_B), C(TG_MAX_FRAME),
	C(TG_H2C_SIZE_MIN), C(TG_H2C_SIZE_MAX), C(TG_C2H_SIZE_MIN), C(TG_C2H_SIZE_MAX),
	C(TG_EV_MSG), C(TG_EV_GAP), C(TG_EV_EOS),
	C(TG_EV_FLAG_LINE_B), C(TG_EV_FLAG_PHASE), C(TG_EV_BODY_OFF),
	/* section 9: crypto jobs */
	C(TG_REG_KEY_CMD), C(TG_REG_KEY_STATUS),
	{ "TG_REG_KEY_DATA_BASE", TG_REG_KEY_DATA(0) },
	{ "TG_REG_KEY_DATA0", TG_REG_KEY_DATA(0) }, { "TG_REG_KEY_DATA1", TG_REG_KEY_DATA(1) },
	{ "TG_REG_KEY_DATA2", TG_REG_KEY_DATA(2) }, { "TG_REG_KEY_DATA3", TG_REG_KEY_DATA(3) },
	C(TG_KEY_CMD_LOAD), C(TG_KEY_CMD_UNLOAD), C(TG_KEY_STATUS_BUSY),
	C(TG_KEY_STATUS_LOADED_SHIFT), C(TG_KEY_SLOTS),
	C(TG_CNT_CRYPTO_JOBS), C(TG_CNT_CRYPTO_BYTES), C(TG_CNT_CRYPTO_TAG_FAIL),
	C(TG_CNT_CRYPTO_BAD_JOB), C(TG_CNT_CRYPTO_WAITS),
	C(TG_DESC_CRYPTO_JOB), C(TG_EV_CRYPTO),
	C(TG_SM4_ECB), C(TG_SM4_CTR), C(TG_SM4_GCM),
	C(TG_CRYPTO_JOB_BLOCK_LEN), C(TG_CRYPTO_MAX_LEN), C(TG_CRYPTO_MAX_AAD),
	C(TG_CRYPTO_ST_OK), C(TG_CRYPTO_ST_TAG_FAIL), C(TG_CRYPTO_ST_BAD_JOB),
	C(TG_CRYPTO_FLAG_DECRYPT),
};

/*
 * Single-bit flags: the Verilog header gives the bit's index (it indexes
 * a vector with it), the C header the mask.
 */
static const char *const abi_bit_index[] = {
	"TG_CTRL_ENABLE", "TG_CTRL_RESET", "TG_FILTER_VALID", "TG_FILTER_ANY_IP",
	"TG_FILTER_ANY_PORT", "TG_EV_FLAG_LINE_B", "TG_EV_FLAG_PHASE",
	"TG_KEY_CMD_LOAD", "TG_KEY_CMD_UNLOAD", "TG_KEY_STATUS_BUSY", "TG_CRYPTO_FLAG_DECRYPT",
};

/* Names the Verilog header must define: the registers and counters at least. */
static const char *const abi_vh_required[] = {
	"TG_CARD_ID", "TG_CARD_VERSION", "TG_REG_ID", "TG_REG_VERSION", "TG_REG_CAPS",
	"TG_REG_SCRATCH", "TG_REG_CTRL", "TG_REG_STATUS", "TG_REG_H2C_BASE_LO",
	"TG_REG_H2C_BASE_HI", "TG_REG_H2C_SIZE", "TG_REG_H2C_TAIL", "TG_REG_H2C_HEAD",
	"TG_REG_H2C_WB_LO", "TG_REG_H2C_WB_HI", "TG_REG_C2H_BASE_LO", "TG_REG_C2H_BASE_HI",
	"TG_REG_C2H_SIZE", "TG_REG_C2H_HEAD", "TG_REG_C2H_TAIL", "TG_REG_FILTER_BASE",
	"TG_REG_SESSION_BASE", "TG_REG_COUNTER_BASE", "TG_CNT_FRAMES_A", "TG_CNT_ERR_DESC",
	"TG_CNT_MSG_TYPE0", "TG_CNT_NUM", "TG_EV_MSG", "TG_EV_GAP", "TG_EV_EOS",
	"TG_EV_FLAG_PHASE", "TG_EV_BODY_OFF",
};

static const struct abi_const *
abi_find(const char *name)
{
	for (size_t i = 0; i < sizeof(abi_c) / sizeof(abi_c[0]); i++)
		if (!strcmp(abi_c[i].name, name))
			return &abi_c[i];
	return NULL;
}

static int
abi_is_bit_index(const char *name)
{
	for (size_t i = 0; i < sizeof(abi_bit_index) / sizeof(abi_bit_index[0]); i++)
		if (!strcmp(abi_bit_index[i], name))
			return 1;
	return 0;
}

/*
 * A Verilog number: decimal, or [width]'[bhd]digits, '_' allowed.
 * Returns 0 if the text is not a plain number.
 */
static int
vh_number(const char *s, unsigned long long *out)
{
	const char *q = strchr(s, '\'');
	int base = 10;
	unsigned long long v = 0;
	int digits = 0;

	if (q) {
		switch (tolower((unsigned char)q[1])) {
		case 'h': base = 16; break;
		case 'd': base = 10; break;
		case 'b': base = 2; break;
		case 'o': base = 8; break;
		default: return 0;
		}
		s = q + 2;
	}
	for (; *s && !isspace((unsigned char)*s); s++) {
		int d;

		if (*s == '_')
			continue;
		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			return 0;
		if (d >= base)
			return 0;
		v = v * base + d;
		digits++;
	}
	*out = v;
	return digits > 0;
}

struct vh_define {
	char name[64];
	unsigned long long value;
};

/* Every valued `define in rtl/tg_card_abi.vh. */
static size_t
vh_parse(struct vh_define *defs, size_t max)
{
	char path[4096], line[512];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/rtl/tg_card_abi.vh", TG_SOURCE_DIR);
	f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		char name[64], value[128];
		char *c = strstr(line, "//");

		if (c)
			*c = 0;
		if (sscanf(line, " `define %63s %127s", name, value) != 2)
			continue;
		cr_assert_lt(n, max);
		cr_assert(vh_number(value, &defs[n].value),
			  "%s: value '%s' is not a number", name, value);
		strcpy(defs[n].name, name);
		n++;
	}
	fclose(f);
	return n;
}

Test(abi, verilog_defines_match_c)
{
	struct vh_define defs[256];
	size_t n = vh_parse(defs, 256);

	cr_assert_gt(n, 60, "only %zu defines parsed", n);
	for (size_t i = 0; i < n; i++) {
		const struct abi_const *c = abi_find(defs[i].name);

		cr_assert_not_null(c, "`%s has no C constant to check against", defs[i].name);
		if (abi_is_bit_index(defs[i].name))
			cr_expect_eq(1ull << defs[i].value, c->value,
				     "%s: bit %llu in Verilog, mask 0x%llx in C",
				     defs[i].name, defs[i].value, c->value);
		else
			cr_expect_eq(defs[i].value, c->value, "%s: 0x%llx in Verilog, 0x%llx in C",
				     defs[i].name, defs[i].value, c->value);
	}
	for (size_t r = 0; r < sizeof(abi_vh_required) / sizeof(abi_vh_required[0]); r++) {
		int found = 0;

		for (size_t i = 0; i < n; i++)
			found |= !strcmp(defs[i].name, abi_vh_required[r]);
		cr_expect(found, "`%s missing from rtl/tg_card_abi.vh", abi_vh_required[r]);
	}
	/* All 29 named counters are in the Verilog header. */
	for (size_t i = 0; i < sizeof(abi_c) / sizeof(abi_c[0]); i++) {
		int found = 0;

		if (strncmp(abi_c[i].name, "TG_CNT_", 7))
			continue;
		for (size_t k = 0; k < n; k++)
			found |= !strcmp(defs[k].name, abi_c[i].name);
		cr_expect(found, "`%s missing from rtl/tg_card_abi.vh", abi_c[i].name);
	}
}

/* Read docs/card-interface.md into memory, one line per entry. */
static char **
doc_lines(size_t *count)
{
	char path[4096], line[1024];
	char **lines = NULL;
	size_t n = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/docs/card-interface.md", TG_SOURCE_DIR);
	f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			lines = realloc(lines, cap * sizeof(*lines));
		}
		lines[n++] = strdup(line);
	}
	fclose(f);
	*count = n;
	return lines;
}

/* Split a Markdown table row into trimmed cells; returns the number of cells. */
static int
doc_cells(const char *row, char cells[][96], int max)
{
	const char *p = row;
	int n = 0;

	while (*p == ' ')
		p++;
	if (*p != '|')
		return 0;
	p++;
	while (*p && *p != '\n' && n < max) {
		const char *e = strchr(p, '|');
		size_t len;

		if (!e)
			break;
		while (p < e && *p == ' ')
			p++;
		len = (size_t)(e - p);
		while (len && p[len - 1] == ' ')
			len--;
		if (len > 95)
			len = 95;
		memcpy(cells[n], p, len);
		cells[n][len] = 0;
		n++;
		p = e + 1;
	}
	return n;
}

/*
 * The register table of the contract: "| 0x020/0x024 | H2C_BASE_LO/HI |"
 * names two registers; rows with an index formula are the windows.
 */
Test(abi, doc_register_table_matches_c)
{
	size_t n, checked = 0;
	char **lines = doc_lines(&n);

	for (size_t i = 0; i < n; i++) {
		char cells[8][96], name[128];
		unsigned off[2];
		int k, noff;

		if (doc_cells(lines[i], cells, 8) < 3 || strncmp(cells[0], "0x", 2))
			continue;
		if (strstr(cells[0], "..")) {
			/*
			 * A range of key registers: "0x300..0x30C | KEY_DATA[0..3]"
			 * (the four words), or the section 2 summary
			 * "0x300..0x314 | KEY_DATA[0..3], KEY_CMD, KEY_STATUS".
			 */
			unsigned lo, hi;

			cr_assert_eq(sscanf(cells[0], "0x%x..0x%x", &lo, &hi), 2, "%s", cells[0]);
			cr_assert(!strncmp(cells[1], "KEY_DATA[0..3]", 14), "range of %s", cells[1]);
			cr_expect_eq(lo, TG_REG_KEY_DATA(0));
			if (!strcmp(cells[1], "KEY_DATA[0..3]"))
				cr_expect_eq(hi, TG_REG_KEY_DATA(3));
			else
				cr_expect_eq(hi, TG_REG_KEY_STATUS, "the window ends with KEY_STATUS");
			checked++;
			continue;
		}
		if (strchr(cells[0], '+')) {
			if (!strncmp(cells[1], "FILTER", 6))
				cr_expect_eq(strtoul(cells[0], NULL, 16), TG_REG_FILTER(0));
			else if (!strncmp(cells[1], "SESSION", 7))
				cr_expect_eq(strtoul(cells[0], NULL, 16), TG_REG_SESSION(0));
			else if (!strncmp(cells[1], "COUNTER", 7))
				cr_expect_eq(strtoul(cells[0], NULL, 16), TG_REG_COUNTER(0));
			else
				cr_expect(0, "unknown register window %s", cells[1]);
			checked++;
			continue;
		}
		noff = sscanf(cells[0], "0x%x/0x%x", &off[0], &off[1]);
		cr_assert_geq(noff, 1);
		for (k = 0; k < noff; k++) {
			const struct abi_const *c;
			char *slash = strchr(cells[1], '/');

			if (noff == 2) {
				/* "H2C_BASE_LO/HI": the prefix up to the last '_' is shared */
				cr_assert_not_null(slash, "row %s names one register", cells[0]);
				if (k == 0) {
					snprintf(name, sizeof(name), "TG_REG_%.*s",
						 (int)(slash - cells[1]), cells[1]);
				} else {
					const char *us = slash;

					while (us > cells[1] && *us != '_')
						us--;
					snprintf(name, sizeof(name), "TG_REG_%.*s_%s",
						 (int)(us - cells[1]), cells[1], slash + 1);
				}
			} else {
				snprintf(name, sizeof(name), "TG_REG_%s", cells[1]);
			}
			c = abi_find(name);
			cr_assert_not_null(c, "docs name register %s, the C header does not", name);
			cr_expect_eq(c->value, off[k], "%s: 0x%x in the docs, 0x%llx in C",
				     name, off[k], c->value);
			checked++;
		}
	}
	/* 21 of sections 2, the key window there, and the 3 rows of section 9 */
	cr_expect_eq(checked, 25, "%zu registers and windows checked", checked);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* The counter table of the contract: "| 0 | FRAMES_A | 12 | END_OF_SESSION |". */
Test(abi, doc_counter_table_matches_c)
{
	size_t n, checked = 0;
	char **lines = doc_lines(&n);
	int in_counters = 0;

	for (size_t i = 0; i < n; i++) {
		char cells[8][96];
		int nc;

		if (!strncmp(lines[i], "## ", 3))
			in_counters = strstr(lines[i], "Counters") != NULL;
		/* section 9 lists the crypto counters under a bold heading */
		if (!strncmp(lines[i], "**Counters**", 12))
			in_counters = 1;
		if (!in_counters)
			continue;
		nc = doc_cells(lines[i], cells, 8);
		for (int k = 0; k + 1 < nc; k += 2) {
			char name[128], *end;
			unsigned long idx = strtoul(cells[k], &end, 10);
			const struct abi_const *c;

			if (end == cells[k] || *end || !cells[k + 1][0])
				continue;
			snprintf(name, sizeof(name), "TG_CNT_%s", cells[k + 1]);
			c = abi_find(name);
			cr_assert_not_null(c, "docs name counter %s, the C header does not", name);
			cr_expect_eq(c->value, idx, "%s: %lu in the docs, %llu in C", name, idx,
				     c->value);
			checked++;
		}
	}
	cr_expect_eq(checked, 29, "%zu counters checked", checked);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* docs/card-interface.md section 4: the record layout. */
Test(abi, event_layout)
{
	cr_expect_eq(sizeof(struct tg_event), 64);
	cr_expect_eq(_Alignof(struct tg_event), 64);
	cr_expect_eq(offsetof(struct tg_event, kind), 0);
	cr_expect_eq(offsetof(struct tg_event, msg_type), 1);
	cr_expect_eq(offsetof(struct tg_event, session), 2);
	cr_expect_eq(offsetof(struct tg_event, flags), 3);
	cr_expect_eq(offsetof(struct tg_event, stock_locate), 4);
	cr_expect_eq(offsetof(struct tg_event, tracking_number), 6);
	cr_expect_eq(offsetof(struct tg_event, seq), 8);
	cr_expect_eq(offsetof(struct tg_event, ts), 16);
	cr_expect_eq(offsetof(struct tg_event, body), 24);
	cr_expect_eq(sizeof(((struct tg_event *)0)->body), 40);
	cr_expect_eq(offsetof(struct tg_event, body), TG_EV_BODY_OFF);
	cr_expect_eq(sizeof(((struct tg_event *)0)->seq), 8);
	cr_expect_eq(sizeof(((struct tg_event *)0)->ts), 8);
	cr_expect_eq(sizeof(((struct tg_event *)0)->stock_locate), 2);
	cr_expect_eq(sizeof(((struct tg_event *)0)->tracking_number), 2);
	cr_expect_eq(TG_EV_MSG, 1);
	cr_expect_eq(TG_EV_GAP, 2);
	cr_expect_eq(TG_EV_EOS, 3);
	cr_expect_eq(TG_EV_FLAG_LINE_B, 0x01);
	cr_expect_eq(TG_EV_FLAG_PHASE, 0x80);
}

/* docs/card-interface.md section 3: the descriptor layout. */
Test(abi, descriptor_layout)
{
	cr_expect_eq(sizeof(struct tg_h2c_desc), 16);
	cr_expect_eq(offsetof(struct tg_h2c_desc, addr), 0);
	cr_expect_eq(offsetof(struct tg_h2c_desc, len), 8);
	cr_expect_eq(offsetof(struct tg_h2c_desc, kind), 10);
	cr_expect_eq(offsetof(struct tg_h2c_desc, flags), 11);
	cr_expect_eq(offsetof(struct tg_h2c_desc, rsvd), 12);
	cr_expect_eq(sizeof(((struct tg_h2c_desc *)0)->addr), 8);
	cr_expect_eq(sizeof(((struct tg_h2c_desc *)0)->len), 2);
	cr_expect_eq(sizeof(((struct tg_h2c_desc *)0)->rsvd), 4);
	cr_expect_eq(TG_DESC_FEED_FRAME, 1);
	cr_expect_eq(TG_DESC_LINE_B, 0x01);
	cr_expect_eq(TG_MAX_FRAME, 9216);
}

/* docs/card-interface.md section 2: the fields inside the register windows. */
Test(abi, register_windows)
{
	cr_expect_eq(TG_REG_FILTER(7), 0x170);
	cr_expect_eq(TG_FILTER_DST_IP, 0x0);
	cr_expect_eq(TG_FILTER_DST_PORT, 0x4);
	cr_expect_eq(TG_FILTER_CTRL, 0x8);
	cr_expect_eq(TG_REG_SESSION(7), 0x2E0);
	cr_expect_eq(TG_SESSION_NAME0, 0x0);
	cr_expect_eq(TG_SESSION_NAME1, 0x4);
	cr_expect_eq(TG_SESSION_NAME2, 0x8);
	cr_expect_eq(TG_SESSION_STATE, 0xC);
	cr_expect_eq(TG_SESSION_NEXT_LO, 0x10);
	cr_expect_eq(TG_SESSION_NEXT_HI, 0x14);
	cr_expect_eq(TG_REG_COUNTER(TG_CNT_NUM - 1), 0x400 + 8 * 54);
	cr_expect_lt(TG_REG_COUNTER(TG_CNT_NUM - 1) + 4, TG_CARD_BAR_SIZE);
	cr_expect_eq(TG_CARD_BAR_SIZE, 4096);
	cr_expect_eq(TG_STATUS_IDLE, 0x1);
	cr_expect_eq(TG_CNT_NUM, 32 + 23);
}

struct abi_field {
	const char *name;
	size_t off, size;
};

/* The size a contract's field type says: "(u8)" .. "(u64)", "(16 bytes)". */
static size_t
doc_type_size(const char *cell)
{
	const char *p = strchr(cell, '(');

	if (!p)
		return 0;
	if (!strncmp(p, "(u8)", 4))
		return 1;
	if (!strncmp(p, "(u16)", 5))
		return 2;
	if (!strncmp(p, "(u32)", 5))
		return 4;
	if (!strncmp(p, "(u64)", 5))
		return 8;
	return strtoul(p + 1, NULL, 10);
}

/*
 * The rows "| offset | name (type) | ... |" of the table that follows the
 * first line starting with `after`, checked against fields (the C struct).
 * Returns how many rows matched a field.
 */
static size_t
doc_check_table(const char *after, const struct abi_field *fields, size_t nf,
		size_t struct_size)
{
	size_t n, checked = 0, i;
	char **lines = doc_lines(&n);
	int in_table = 0;

	for (i = 0; i < n && strncmp(lines[i], after, strlen(after)); i++)
		;
	cr_assert_lt(i, n, "no line starting with '%s' in the contract", after);
	for (; i < n; i++) {
		char cells[8][96], name[96], *end;
		unsigned long off;
		size_t len, size;
		const struct abi_field *f = NULL;

		if (doc_cells(lines[i], cells, 8) < 2) {
			if (in_table)
				break;
			continue;
		}
		in_table = 1;
		off = strtoul(cells[0], &end, 10);
		if (end == cells[0] || *end)
			continue;	/* the header and rule rows */
		len = strcspn(cells[1], " (");
		memcpy(name, cells[1], len);
		name[len] = 0;
		for (size_t k = 0; k < nf; k++)
			if (!strcmp(fields[k].name, name) && (!strcmp(name, "reserved") ?
							      fields[k].off == off : 1))
				f = &fields[k];
		cr_assert_not_null(f, "the contract names field %s at %lu", cells[1], off);
		cr_expect_eq(f->off, off, "%s: offset %lu in the contract, %zu in C", name, off, f->off);
		size = doc_type_size(cells[1]);
		if (!size)	/* untyped: the rest of the struct */
			size = struct_size - off;
		cr_expect_eq(f->size, size, "%s: %zu bytes in the contract, %zu in C", name, size,
			     f->size);
		checked++;
	}
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return checked;
}

#define F(st, doc, m) { doc, offsetof(struct st, m), sizeof(((struct st *)0)->m) }

/* docs/card-interface.md section 9: the job block, parsed from the contract. */
Test(abi, crypto_job_block_layout)
{
	static const struct abi_field f[] = {
		F(tg_crypto_job_block, "mode", mode), F(tg_crypto_job_block, "op", op),
		F(tg_crypto_job_block, "slot", slot), F(tg_crypto_job_block, "reserved", rsvd0),
		F(tg_crypto_job_block, "len", len), F(tg_crypto_job_block, "src", src),
		F(tg_crypto_job_block, "dst", dst), F(tg_crypto_job_block, "aad", aad),
		F(tg_crypto_job_block, "aad_len", aad_len), F(tg_crypto_job_block, "reserved", rsvd1),
		F(tg_crypto_job_block, "iv", iv), F(tg_crypto_job_block, "tag", tag),
		F(tg_crypto_job_block, "cookie", cookie),
	};

	cr_expect_eq(doc_check_table("**Job descriptor**", f, sizeof(f) / sizeof(f[0]),
				     sizeof(struct tg_crypto_job_block)), 13);
	cr_expect_eq(sizeof(struct tg_crypto_job_block), 80);
	cr_expect_eq(TG_CRYPTO_JOB_BLOCK_LEN, 80);
	cr_expect_eq(TG_DESC_CRYPTO_JOB, 2);
	cr_expect_eq(TG_SM4_ECB, 1);
	cr_expect_eq(TG_SM4_CTR, 2);
	cr_expect_eq(TG_SM4_GCM, 3);
	cr_expect_eq(TG_CRYPTO_MAX_LEN, 1u << 24);
	cr_expect_eq(TG_CRYPTO_MAX_AAD, 1u << 16);
}

/* docs/card-interface.md section 9: the result record, parsed from the contract. */
Test(abi, crypto_result_layout)
{
	static const struct abi_field f[] = {
		F(tg_crypto_result, "kind", kind), F(tg_crypto_result, "status", status),
		F(tg_crypto_result, "mode", mode), F(tg_crypto_result, "flags", flags),
		F(tg_crypto_result, "len", len), F(tg_crypto_result, "cookie", cookie),
		F(tg_crypto_result, "tag", tag), F(tg_crypto_result, "reserved", rsvd),
	};

	cr_expect_eq(doc_check_table("**Result record**", f, sizeof(f) / sizeof(f[0]),
				     sizeof(struct tg_crypto_result)), 8);
	cr_expect_eq(sizeof(struct tg_crypto_result), 64);
	cr_expect_eq(_Alignof(struct tg_crypto_result), 64);
	/* kind and flags sit where an event record has them: one phase check */
	cr_expect_eq(offsetof(struct tg_crypto_result, kind), offsetof(struct tg_event, kind));
	cr_expect_eq(offsetof(struct tg_crypto_result, flags), offsetof(struct tg_event, flags));
	cr_expect_eq(TG_EV_CRYPTO, 4);
	cr_expect_eq(TG_CRYPTO_ST_OK, 0);
	cr_expect_eq(TG_CRYPTO_ST_TAG_FAIL, 1);
	cr_expect_eq(TG_CRYPTO_ST_BAD_JOB, 2);
	cr_expect_eq(TG_CRYPTO_FLAG_DECRYPT, 0x01);
}

/* docs/card-interface.md section 9: the key registers' fields. */
Test(abi, key_registers)
{
	cr_expect_eq(TG_REG_KEY_DATA(0), 0x300);
	cr_expect_eq(TG_REG_KEY_DATA(3), 0x30C);
	cr_expect_eq(TG_REG_KEY_CMD, 0x310);
	cr_expect_eq(TG_REG_KEY_STATUS, 0x314);
	cr_expect_eq(TG_KEY_CMD_LOAD, 1u << 31);
	cr_expect_eq(TG_KEY_CMD_UNLOAD, 1u << 30);
	cr_expect_eq(TG_KEY_STATUS_BUSY, 1u << 0);
	cr_expect_eq(TG_KEY_STATUS_LOADED_SHIFT, 16);
	cr_expect_eq(TG_KEY_SLOTS, 16);
	cr_expect_lt(TG_REG_KEY_STATUS, TG_REG_COUNTER(0), "the key window ends before the counters");
	cr_expect_eq(TG_CNT_CRYPTO_JOBS, 24);
	cr_expect_eq(TG_CNT_CRYPTO_WAITS, 28);
}
