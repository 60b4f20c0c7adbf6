/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/tg_cli.h"

int
tg_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tickgate %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see tickgate %s --help)\n", cmd);
	return TG_EXIT_USAGE;
}

int
tg_cli_card_option(const char *cmd, struct tg_cli_card *o, int argc,
		   char **argv, int *i)
{
	const char *opt = argv[*i];
	const char *val;

	if (strcmp(opt, "--card") && strcmp(opt, "--filter") && strcmp(opt, "--line-b"))
		return 0;
	if (*i + 1 >= argc) {
		tg_cli_usage_error(cmd, "%s needs a value", opt);
		return -1;
	}
	val = argv[++*i];
	if (!strcmp(opt, "--card")) {
		if (strcmp(val, "sim") && strcmp(val, "model") && strcmp(val, "vfio")) {
			tg_cli_usage_error(cmd, "--card must be sim, model or vfio, not '%s'", val);
			return -1;
		}
		o->backend = val;
	} else if (!strcmp(opt, "--filter")) {
		if (o->n_filters == TG_CARD_N_FILTERS) {
			tg_cli_usage_error(cmd, "at most %d --filter entries", TG_CARD_N_FILTERS);
			return -1;
		}
		if (tg_parse_ip_port(val, &o->filter_ip[o->n_filters],
				     &o->filter_port[o->n_filters]) ||
		    !o->filter_port[o->n_filters]) {
			tg_cli_usage_error(cmd, "--filter wants GROUP:PORT, not '%s'", val);
			return -1;
		}
		o->n_filters++;
	} else {
		struct tg_replay_opts *r = &o->replay;
		if (r->n_line_b == TG_REPLAY_MAX_LINE_B) {
			tg_cli_usage_error(cmd, "at most %d --line-b entries", TG_REPLAY_MAX_LINE_B);
			return -1;
		}
		if (tg_parse_ip_port(val, &r->line_b_ip[r->n_line_b],
				     &r->line_b_port[r->n_line_b])) {
			tg_cli_usage_error(cmd, "--line-b wants GROUP[:PORT], not '%s'", val);
			return -1;
		}
		r->n_line_b++;
	}
	return 1;
}

int
tg_cli_card_open(const struct tg_cli_card *o, const struct tg_card_config *base,
		 struct tg_card **card)
{
	struct tg_card_config cfg = { 0 };
	int rc;

	if (base)
		cfg = *base;
	cfg.backend = o->backend ? o->backend : "model";
	rc = tg_card_open(&cfg, card);

	if (rc) {
		fprintf(stderr, "tickgate: cannot open the %s card: %s\n",
			cfg.backend, strerror(-rc));
		return rc;
	}
	if (o->n_filters == 0)
		return tg_card_set_filter(*card, 0, 0, 0,
					  TG_FILTER_VALID | TG_FILTER_ANY_IP |
					  TG_FILTER_ANY_PORT);
	for (unsigned i = 0; i < o->n_filters; i++)
		if ((rc = tg_card_set_filter(*card, i, o->filter_ip[i],
					     o->filter_port[i], TG_FILTER_VALID)))
			return rc;
	return 0;
}
