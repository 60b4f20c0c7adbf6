/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact decimal money for post-trade. Every amount is an int64 count of a
 * fixed fraction of a dollar: money and prices in 1e-4 dollars (the ITCH
 * and OUCH "p4" unit), per-share rates in 1e-6 dollars, rates of notional
 * in 1e-4 basis points. Nothing goes through floating point, so a result
 * is the same on every machine and in every replay.
 *
 * Rounding is always half away from zero, done once where a finer unit
 * meets a coarser one (docs/post-trade.md lists each place).
 */
#ifndef TG_MONEY_H
#define TG_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TG_MONEY_SCALE		4	/* decimals of money and prices */
#define TG_MONEY_ONE		10000	/* 1 dollar in money units */
#define TG_MONEY_STR_MAX	24	/* "-922337203685477.5808" and a NUL */

/*
 * n / d rounded half away from zero; d > 0. The numerator is 128-bit so
 * a product of two int64 fits before the division.
 */
static inline int64_t
tg_money_div_round(__int128 n, int64_t d)
{
	__int128 h = d / 2;

	/* 64-bit division when it fits: a 128-bit one is a library call */
	if (n > -((__int128)1 << 62) && n < ((__int128)1 << 62) && d < ((int64_t)1 << 61)) {
		int64_t m = (int64_t)n, hh = d / 2;
		return m >= 0 ? (m + hh) / d : -((-m + hh) / d);
	}
	if (n >= 0)
		return (int64_t)((n + h) / d);
	return (int64_t)-((-n + h) / d);
}

/*
 * Parse "[-]digits[.digits]" into an integer scaled by 10^scale. exact
 * demands exactly scale decimals (file formats); otherwise up to scale
 * (configuration). No spaces, no exponent, no '+'. 0, -EINVAL (syntax or
 * too many decimals) or -ERANGE.
 */
int tg_money_parse(const char *s, unsigned scale, bool exact, int64_t *out);

/*
 * Format v (scaled by 10^scale) as "[-]digits.dddd" with exactly scale
 * decimals. Returns the length written (NUL not counted), or -ENOSPC.
 */
int tg_money_format(int64_t v, unsigned scale, char *buf, size_t len);

#endif /* TG_MONEY_H */
