/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decimal text to and from scaled integers, for the fee schedule, the
 * settlement file and the database's dollar views.
 */
#include <errno.h>
#include <string.h>

#include "post/tg_money.h"

/*
 * Strict decimal parser: the settlement reconciliation relies on it to
 * refuse anything that is not the contract's format, so it accepts
 * exactly one spelling per value shape and never skips characters.
 */
int
tg_money_parse(const char *s, unsigned scale, bool exact, int64_t *out)
{
	bool neg = false;
	unsigned __int128 v = 0;
	unsigned digits = 0, decimals = 0;

	if (!s || scale > 12)
		return -EINVAL;
	if (*s == '-') {
		neg = true;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > (unsigned __int128)INT64_MAX + 1)
			return -ERANGE;
	}
	if (!digits)
		return -EINVAL;
	if (*s == '.') {
		s++;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (++decimals > scale)
				return -EINVAL;
			v = v * 10 + (unsigned)(*s - '0');
			if (v > (unsigned __int128)INT64_MAX + 1)
				return -ERANGE;
		}
		if (!decimals)
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	if (exact && decimals != scale)
		return -EINVAL;
	for (; decimals < scale; decimals++) {
		v *= 10;
		if (v > (unsigned __int128)INT64_MAX + 1)
			return -ERANGE;
	}
	if (!neg && v > INT64_MAX)
		return -ERANGE;
	*out = neg ? (int64_t)-v : (int64_t)v;
	return 0;
}

/*
 * The inverse of tg_money_parse with exact decimals; written by hand
 * because the settlement file is produced 20 million rows at a time.
 */
int
tg_money_format(int64_t v, unsigned scale, char *buf, size_t len)
{
	char tmp[48];
	int n = 0;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	unsigned i;

	if (scale > 18)
		return -EINVAL;
	for (i = 0; i < scale; i++) {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	}
	if (scale)
		tmp[n++] = '.';
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[n++] = '-';
	if ((size_t)n + 1 > len)
		return -ENOSPC;
	for (i = 0; i < (unsigned)n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}
