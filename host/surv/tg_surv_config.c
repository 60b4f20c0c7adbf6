/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Surveillance thresholds: defaults, the [surveillance] section of the
 * configuration, kind names and the JSON form of an alert.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "surv/tg_surv.h"

#define TG_SURV_SEC	1000000000ull

static const char *const tg_surv_names[TG_SURV_NKINDS] = {
	[TG_SURV_WASH_TRADE] = "wash_trade",
	[TG_SURV_SPOOFING] = "spoofing",
	[TG_SURV_LAYERING] = "layering",
	[TG_SURV_CANCEL_RATIO] = "cancel_ratio",
	[TG_SURV_ORDER_TO_TRADE] = "order_to_trade",
	[TG_SURV_MARKING_CLOSE] = "marking_close",
	[TG_SURV_MOMENTUM_IGNITION] = "momentum_ignition",
	[TG_SURV_LARGE_TRADE] = "large_trade",
	[TG_SURV_CONCENTRATION] = "concentration",
};

/* The name design.md gives the kind ("?" for a value out of range). */
const char *
tg_surv_kind_name(enum tg_surv_kind k)
{
	return (unsigned)k < TG_SURV_NKINDS ? tg_surv_names[k] : "?";
}

/*
 * Defaults that suit a US equities day: they are a starting point that
 * each firm tunes, and docs/surveillance.md says why each one is where
 * it is.
 */
void
tg_surv_config_defaults(struct tg_surv_config *c)
{
	*c = (struct tg_surv_config){
		.wash_min_shares = 1,
		.spoof_window_ns = 2 * TG_SURV_SEC,
		.spoof_min_shares = 1000,
		.spoof_size_ratio = 5,
		.layer_min_orders = 3,
		.cancel_min_orders = 50,
		.cancel_ratio_pct = 95,
		.otr_min_orders = 100,
		.otr_ratio = 50,
		.close_ns = 16ull * 3600 * TG_SURV_SEC,
		.close_window_ns = 600 * TG_SURV_SEC,
		.marking_move_bps = 50,
		.marking_share_pct = 50,
		.momentum_window_ns = 10 * TG_SURV_SEC,
		.momentum_min_trades = 3,
		.momentum_move_bps = 100,
		.momentum_reverse_ns = 60 * TG_SURV_SEC,
		.large_shares = 100000,
		.large_notional = 5000000,
		.conc_pct = 40,
		.conc_min_volume = 100000,
	};
}

/* One key: its config name, where it goes, its width and unit scale. */
struct tg_surv_key {
	const char *name;
	size_t off;
	unsigned bytes;		/* 4 or 8 */
	uint64_t scale;		/* value in the file times scale */
	uint64_t max;		/* largest value accepted in the file */
};

#define TG_SURV_K4(n, f, max) { n, offsetof(struct tg_surv_config, f), 4, 1, max }
#define TG_SURV_K8(n, f, sc, max) { n, offsetof(struct tg_surv_config, f), 8, sc, max }

static const struct tg_surv_key tg_surv_keys[] = {
	TG_SURV_K4("wash_min_shares", wash_min_shares, 1000000000),
	TG_SURV_K8("spoof_window_ms", spoof_window_ns, 1000000, 86400000),
	TG_SURV_K4("spoof_min_shares", spoof_min_shares, 1000000000),
	TG_SURV_K4("spoof_size_ratio", spoof_size_ratio, 1000000),
	TG_SURV_K4("layering_min_orders", layer_min_orders, 1000),
	TG_SURV_K4("cancel_min_orders", cancel_min_orders, 1000000000),
	TG_SURV_K4("cancel_ratio_pct", cancel_ratio_pct, 100),
	TG_SURV_K4("otr_min_orders", otr_min_orders, 1000000000),
	TG_SURV_K4("otr_ratio", otr_ratio, 1000000),
	TG_SURV_K8("close_time_s", close_ns, 1000000000, 86400),
	TG_SURV_K8("close_window_s", close_window_ns, 1000000000, 86400),
	TG_SURV_K4("marking_move_bps", marking_move_bps, 100000),
	TG_SURV_K4("marking_share_pct", marking_share_pct, 100),
	TG_SURV_K8("momentum_window_ms", momentum_window_ns, 1000000, 86400000),
	TG_SURV_K4("momentum_min_trades", momentum_min_trades, 1000000),
	TG_SURV_K4("momentum_move_bps", momentum_move_bps, 100000),
	TG_SURV_K8("momentum_reverse_ms", momentum_reverse_ns, 1000000, 86400000),
	TG_SURV_K4("large_trade_shares", large_shares, 4000000000u),
	TG_SURV_K8("large_trade_notional", large_notional, 1, 1000000000000ull),
	TG_SURV_K4("concentration_pct", conc_pct, 100),
	TG_SURV_K8("concentration_min_volume", conc_min_volume, 1, 1000000000000ull),
};

/*
 * Read [surveillance] over the defaults. Every key is a non-negative
 * decimal integer in the unit its name says; an unknown key is an error,
 * so a misspelt threshold never silently stays at its default.
 */
int
tg_surv_config_load(struct rte_cfgfile *cfg, struct tg_surv_config *c,
		    char *err, size_t errlen)
{
	const char *sec = "surveillance";
	struct rte_cfgfile_entry *ents;
	int n;

	tg_surv_config_defaults(c);
	if (!cfg || !rte_cfgfile_has_section(cfg, sec))
		return 0;
	n = rte_cfgfile_section_num_entries(cfg, sec);
	if (n <= 0)
		return 0;
	ents = calloc((size_t)n, sizeof(*ents));
	if (!ents)
		return -ENOMEM;
	n = rte_cfgfile_section_entries(cfg, sec, ents, n);
	for (int i = 0; i < n; i++) {
		const struct tg_surv_key *k = NULL;
		unsigned long long v;
		char *end;

		for (size_t j = 0; j < sizeof(tg_surv_keys) / sizeof(tg_surv_keys[0]); j++)
			if (!strcmp(ents[i].name, tg_surv_keys[j].name))
				k = &tg_surv_keys[j];
		if (!k) {
			snprintf(err, errlen, "[surveillance] %s: unknown key", ents[i].name);
			free(ents);
			return -EINVAL;
		}
		errno = 0;
		v = strtoull(ents[i].value, &end, 10);
		if (errno || end == ents[i].value || *end || ents[i].value[0] == '-' ||
		    v > k->max) {
			snprintf(err, errlen, "[surveillance] %s: '%s' is not an integer 0..%" PRIu64,
				 k->name, ents[i].value, k->max);
			free(ents);
			return -EINVAL;
		}
		if (k->bytes == 4)
			*(uint32_t *)((char *)c + k->off) = (uint32_t)v;
		else
			*(uint64_t *)((char *)c + k->off) = v * k->scale;
	}
	free(ents);
	return 0;
}
