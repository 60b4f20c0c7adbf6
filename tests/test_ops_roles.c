/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every role on every operator command, through the built `tickgate` and
 * its exit status: allowed (0) or refused (1, the control plane's reason
 * as the one line on stderr), as docs/control.md's table of commands and
 * roles says. The matrix is written out here from that table; each
 * request, refused or not, must be in the audit log.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "test_ops_util.h"

static const char ini[] =
	"[gateway]\n"
	"stocks = AAPL MSFT\n"
	"[user.alice]\n"
	"firm = ACME\n"
	"[user.bob]\n"
	"firm = BETA\n";

enum { NONE, VIEWER, RISK, ADMIN };
static const char *const roles[] = { NULL, "viewer", "risk", "admin" };

/* One command line, the least role it needs, whether it takes a code. */
static const struct {
	const char *args;
	int least;
	int totp;
	const char *what;	/* as the refusal names it */
} cmds[] = {
	{ "stats", VIEWER, 0, "stats" },
	{ "stats --format json", VIEWER, 0, "stats" },
	{ "book --live AAPL", VIEWER, 0, "book" },
	{ "risk show", VIEWER, 0, "risk.show" },
	{ "risk show firm ACME", VIEWER, 0, "risk.show" },
	{ "risk set account alice max_order_shares 10", RISK, 0, "risk.set" },
	{ "risk set account alice max_order_shares 20", RISK, 1, "risk.set" },
	{ "kill account alice", RISK, 0, "kill account" },
	{ "resume account alice", RISK, 0, "resume account" },
	{ "kill firm ACME", RISK, 1, "kill firm" },
	{ "resume firm ACME", RISK, 0, "resume firm" },
	{ "kill all", ADMIN, 1, "kill all" },
	{ "resume all", ADMIN, 0, "resume all" },
};

static void
setup(void)
{
	tops_start(ini, NULL);
}

TestSuite(ops_roles, .init = setup, .fini = tops_stop, .timeout = 60);

/* Lines of the audit log whose event is a request. */
static unsigned
audit_requests(json_t **last)
{
	char *log = tops_slurp(T.audit), *save, *line;
	unsigned n = 0;

	cr_assert_not_null(log);
	*last = NULL;
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *r = json_loads(line, 0, NULL);

		cr_assert_not_null(r, "audit line: %s", line);
		if (!strcmp(json_string_value(json_object_get(r, "event")), "request")) {
			n++;
			json_decref(*last);
			*last = r;
		} else {
			json_decref(r);
		}
	}
	free(log);
	return n;
}

Test(ops_roles, every_role_on_every_command)
{
	unsigned sent = 0;

	for (int role = NONE; role <= ADMIN; role++) {
		tops_role(roles[role]);
		for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
			int allowed = role >= cmds[c].least, rc;
			char want[256];
			json_t *last;

			if (cmds[c].totp)
				rc = tops_tg("%s --totp %s --socket %s", cmds[c].args, tops_totp(), T.sock);
			else
				rc = tops_tg("%s --socket %s", cmds[c].args, T.sock);
			sent++;
			cr_expect_eq(rc, allowed ? 0 : 1, "role %s, '%s': exit %d, stderr %s",
				     roles[role] ? roles[role] : "none", cmds[c].args, rc,
				     tops_stderr());
			if (allowed) {
				cr_expect_str_eq(tops_stderr(), "", "role %s, '%s'", roles[role],
						 cmds[c].args);
			} else {
				const char *cmd = cmds[c].args;
				size_t n = strcspn(cmd, " ");

				if (role == NONE)
					snprintf(want, sizeof(want), "tickgate %.*s: user '%s' (uid %u) is"
						 " not an operator\n", (int)n, cmd, T.me, (unsigned)getuid());
				else
					snprintf(want, sizeof(want), "tickgate %.*s: role %s may not %s:"
						 " it needs %s\n", (int)n, cmd, roles[role], cmds[c].what,
						 roles[cmds[c].least]);
				cr_expect_str_eq(tops_stderr(), want, "role %s, '%s'",
						 roles[role] ? roles[role] : "none", cmd);
				cr_expect_str_eq(tops_stdout(), "");
			}
			/* refused or not, the request is in the audit log */
			cr_expect_eq(audit_requests(&last), sent);
			cr_expect_str_eq(json_string_value(json_object_get(last, "result")),
					 allowed ? "authorized" : "refused", "'%s'", cmds[c].args);
			cr_expect_str_eq(json_string_value(json_object_get(last, "role")),
					 roles[role] ? roles[role] : "none");
			json_decref(last);
		}
	}
	/* and the log verifies */
	cr_expect_eq(tops_tg("audit verify --log %s", T.audit), 0, "%s", tops_stderr());
}

Test(ops_roles, codes_where_the_table_wants_them)
{
	tops_role("admin");
	/* no code, a wrong one, the right one, the same one again */
	cr_expect_eq(tops_tg("kill firm ACME --socket %s", T.sock), 1);
	cr_expect_str_eq(tops_stderr(), "tickgate kill: kill firm needs a TOTP code (\"totp\")\n");
	cr_expect_eq(tops_tg("kill firm ACME --totp 999999 --socket %s", T.sock), 1);
	cr_expect_str_eq(tops_stderr(), "tickgate kill: wrong TOTP code\n");
	const char *code = tops_totp();
	char again[8];

	snprintf(again, sizeof(again), "%s", code);
	cr_expect_eq(tops_tg("kill firm ACME --totp %s --socket %s", again, T.sock), 0, "%s",
		     tops_stderr());
	cr_expect_eq(tops_tg("kill firm BETA --totp %s --socket %s", again, T.sock), 1);
	cr_expect(strstr(tops_stderr(), "already used"), "%s", tops_stderr());
	/* a code that is not 6 digits never leaves the command line */
	cr_expect_eq(tops_tg("kill firm ACME --totp 12345 --socket %s", T.sock), 2);
	/* lowering a limit needs none, setting one where there was none neither */
	cr_expect_eq(tops_tg("risk set firm BETA max_position 100 --socket %s", T.sock), 0, "%s",
		     tops_stderr());
	cr_expect_eq(tops_tg("risk set firm BETA max_position 99 --socket %s", T.sock), 0, "%s",
		     tops_stderr());
	cr_expect_eq(tops_tg("risk set firm BETA max_position 101 --socket %s", T.sock), 1);
	cr_expect_str_eq(tops_stderr(), "tickgate risk: risk.set needs a TOTP code (\"totp\")\n");
	cr_expect_eq(tops_tg("risk set firm BETA max_position -1 --socket %s", T.sock), 1);
	cr_expect_eq(tops_tg("risk set firm BETA stp off --socket %s", T.sock), 0, "%s",
		     tops_stderr());
}
