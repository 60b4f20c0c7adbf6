/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tickgate gateway: the order path alone on kernel TCP — SoupBinTCP/OUCH
 * gateway, risk, matching and journal — with no DPDK privileges. It
 * prints "listening on HOST:PORT" on stdout once it accepts logins, and
 * stops cleanly (End of Session to every client) on SIGTERM or SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/tg_cli.h"
#include "gateway/tg_gw.h"

static const char tg_gateway_help[] =
"usage: tickgate gateway --config FILE [--card sim|model] [--listen HOST:PORT]\n"
"                        [--journal DIR]\n"
"       tickgate gateway --help-config\n"
"\n"
"The order path on kernel TCP: a SoupBinTCP 3.0 server carrying OUCH 4.2,\n"
"pre-trade risk, matching and the journal (docs/gateway.md). At start-up the\n"
"journal is replayed and checked; then \"listening on HOST:PORT\" is printed\n"
"on stdout (after \"sealed listening on HOST:PORT\" with sealed_listen).\n"
"SIGTERM or SIGINT ends the session for every client and stops; the\n"
"counters are printed on stderr.\n"
"\n"
"  --config FILE       INI file: [gateway], [user.NAME], [firm.NAME] ...\n"
"  --listen HOST:PORT  overrides [gateway] listen (port 0: any free port)\n"
"  --journal DIR       overrides [gateway] journal\n"
"  --card sim|model    the card that seals and opens SM4-GCM sealed sessions\n"
"                      (with [gateway] sealed_listen; default model)\n"
"\n"
"Exit status: 0 stopped cleanly, 1 failure (config, journal, replay\n"
"mismatch, socket), 2 bad usage.\n";

static const char tg_gateway_help_config[] =
"[gateway]\n"
"listen       = 127.0.0.1:15000   ; host:port for SoupBinTCP\n"
"sealed_listen = 127.0.0.1:15001  ; host:port for SM4-GCM sealed sessions (absent: none)\n"
"journal      = /var/lib/tickgate ; journal directory (created if missing)\n"
"stocks       = AAPL MSFT         ; tradable symbols (absent: any)\n"
"sync         = yes               ; fdatasync each group commit (no: tests, benchmarks)\n"
"heartbeat_ms = 1000              ; Server Heartbeat after this much silence\n"
"timeout_ms   = 15000             ; drop a link silent, or taking nothing, this long\n"
"max_sessions = 1024              ; connections open at once\n"
"send_buffer  = 65536             ; bytes queued per connection in the gateway\n"
"socket_sndbuf = 0                ; SO_SNDBUF of each connection (0: the kernel's)\n"
"journal_segment_mb = 256         ; size of one journal file\n"
"\n"
"[firm.ACME]\n"
"seal_key_file = /etc/tickgate/acme.key ; 32 hex digits: the firm's key for sealed sessions\n"
"\n"
"[user.alice]                     ; a login (1 to 6 characters)\n"
"password = $scrypt$...           ; the output of `tickgate passwd`\n"
"firm     = ACME\n"
"account  = alice                 ; default: the login\n"
"owner    = alice                 ; default: the account\n";

static struct tg_gw *tg_gateway_gw;

/* SIGTERM, SIGINT: ask the loop to end the session and stop. */
static void
tg_gateway_signal(int sig)
{
	(void)sig;
	if (tg_gateway_gw)
		tg_gw_stop(tg_gateway_gw);
}

/* Parse the options, start, print the address, serve until a signal. */
int
tg_cmd_gateway(int argc, char **argv)
{
	struct tg_gw_opts o = { 0 };
	struct sigaction sa = { .sa_handler = tg_gateway_signal };
	struct tg_gw *gw;
	char err[512];
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			fputs(tg_gateway_help, stdout);
			return TG_EXIT_OK;
		}
		if (!strcmp(opt, "--help-config")) {
			fputs(tg_gateway_help_config, stdout);
			return TG_EXIT_OK;
		}
		if (strcmp(opt, "--config") && strcmp(opt, "--listen") &&
		    strcmp(opt, "--journal") && strcmp(opt, "--card"))
			return tg_cli_usage_error("gateway", "unknown argument '%s'", opt);
		if (i + 1 >= argc)
			return tg_cli_usage_error("gateway", "%s needs a value", opt);
		const char *val = argv[++i];

		if (!strcmp(opt, "--config"))
			o.config = val;
		else if (!strcmp(opt, "--listen"))
			o.listen = val;
		else if (!strcmp(opt, "--journal"))
			o.journal = val;
		else if (strcmp(val, "sim") && strcmp(val, "model"))
			return tg_cli_usage_error("gateway", "--card must be sim or model, not '%s'", val);
		else
			o.card = val;
	}
	if (!o.config)
		return tg_cli_usage_error("gateway", "--config FILE is required");

	rc = tg_gw_new(&o, &gw, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "tickgate gateway: %s\n", err[0] ? err : strerror(-rc));
		return TG_EXIT_FAIL;
	}
	tg_gateway_gw = gw;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (tg_gw_sealed_address(gw))
		printf("sealed listening on %s\n", tg_gw_sealed_address(gw));
	printf("listening on %s\n", tg_gw_address(gw));
	fflush(stdout);
	rc = tg_gw_run(gw);
	tg_gateway_gw = NULL;
	tg_gw_print_stats(gw, stderr);
	tg_gw_free(gw);
	if (rc) {
		fprintf(stderr, "tickgate gateway: stopped on an error: %s\n", strerror(-rc));
		return TG_EXIT_FAIL;
	}
	return TG_EXIT_OK;
}
