/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bad input of every kind, each on its own connection: the gateway
 * answers with a Debug packet and a disconnect, counts it by reason, and
 * keeps serving a well-behaved client throughout. Then seeded random
 * garbage, and a clean stop at the end (exit 0) proves it never fell over.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_gateway_util.h"

static struct gwt_gw gw;

static void
setup(void)
{
	gwt_dir_make(&gw);
	gwt_config(&gw, NULL, NULL);
	cr_assert_eq(gwt_start(&gw), 0, "%s", gwt_log(&gw));
}

static void
teardown(void)
{
	gwt_dir_remove(&gw);
}

TestSuite(gateway_malformed, .init = setup, .fini = teardown, .timeout = 120);

/* Read until the server closes; whether a Debug packet came first. */
static int
until_closed(struct gwt_c *c)
{
	struct gwt_pkt k;
	int debug = 0, rc;

	while ((rc = gwt_recv(c, &k, 5000)) == 1)
		if (k.type == '+')
			debug = 1;
	cr_assert_eq(rc, -1, "the connection stayed open (%d)", rc);
	return debug;
}

/* bob is served: an order gets its Accepted. */
static void
still_serving(struct gwt_c *b, int i)
{
	struct tg_ouch_out m;
	char tok[16];

	snprintf(tok, sizeof(tok), "OK%d", i);
	gwt_enter(b, tok, 'B', 1, "AAPL", 10000, 99999);
	cr_assert_eq(gwt_msg(b, &m, NULL, NULL, 5000), 1, "bob not served after case %d", i);
	cr_assert_eq(m.type, 'A');
}

static void
login_alice(struct gwt_c *c)
{
	gwt_connect(c, gw.addr);
	cr_assert_eq(gwt_login(c, "alice", "pw-alice", NULL, 0, NULL, NULL), 1);
}

Test(gateway_malformed, every_kind)
{
	struct gwt_c b, c;
	struct tg_ouch_out m;
	uint8_t buf[64];

	gwt_connect(&b, gw.addr);
	cr_assert_eq(gwt_login(&b, "bob", "bobs pass", NULL, 1, NULL, NULL), 1);
	cr_assert_eq(gwt_msg(&b, &m, NULL, NULL, 5000), 1);	/* start of day */

	/* 1. packet length 0 (bad_length) */
	gwt_connect(&c, gw.addr);
	gwt_send_raw(&c, "\0\0", 2);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 1);

	/* 2. packet length past the largest payload (bad_length) */
	gwt_connect(&c, gw.addr);
	gwt_send_raw(&c, "\xff\xffU", 3);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 2);

	/* 3. unknown packet type (bad_type) */
	gwt_connect(&c, gw.addr);
	gwt_send(&c, 'Q', "x", 1);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 3);

	/* 4. a type only servers send (bad_type) */
	login_alice(&c);
	gwt_send(&c, 'S', "x", 1);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 4);

	/* 5. Unsequenced Data before login (not_logged_in) */
	gwt_connect(&c, gw.addr);
	gwt_enter(&c, "EARLY", 'B', 1, "AAPL", 10000, 99999);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 5);

	/* 6. a Login Request of the wrong length (bad_login) */
	gwt_connect(&c, gw.addr);
	gwt_send(&c, 'L', "alice pw-alice", 14);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 6);

	/* 7. a sequence number that is not digits (bad_login) */
	gwt_connect(&c, gw.addr);
	memset(buf, ' ', 46);
	memcpy(buf, "alice", 5);
	memcpy(buf + 6, "pw-alice", 8);
	memcpy(buf + 26, "                  x1", 20);
	gwt_send(&c, 'L', buf, 46);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 7);

	/* 8. a second Login Request on a logged-in link (bad_login) */
	login_alice(&c);
	memset(buf, ' ', 46);
	memcpy(buf, "alice", 5);
	memcpy(buf + 6, "pw-alice", 8);
	memcpy(buf + 45, "1", 1);
	gwt_send(&c, 'L', buf, 46);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 8);

	/* 9. Client Heartbeat with a payload (bad_length) */
	login_alice(&c);
	gwt_send(&c, 'R', "xy", 2);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 9);

	/* 10. Logout Request with a payload (bad_length) */
	login_alice(&c);
	gwt_send(&c, 'O', "z", 1);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 10);

	/* 11. an unknown OUCH message type (bad_ouch) */
	login_alice(&c);
	memset(buf, 'q', 20);
	gwt_send(&c, 'U', buf, 20);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 11);

	/* 12. Enter Order one byte short (bad_ouch) */
	login_alice(&c);
	memset(buf, ' ', 48);
	buf[0] = 'O';
	gwt_send(&c, 'U', buf, 48);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 12);

	/* 13. Cancel Order one byte long (bad_ouch) */
	login_alice(&c);
	memset(buf, ' ', 20);
	buf[0] = 'X';
	gwt_send(&c, 'U', buf, 20);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 13);

	/* 14. empty Unsequenced Data (bad_ouch) */
	login_alice(&c);
	gwt_send(&c, 'U', NULL, 0);
	cr_assert(until_closed(&c));
	gwt_close(&c);
	still_serving(&b, 14);

	/* 15. a packet cut short by the client closing: the server just cleans up */
	gwt_connect(&c, gw.addr);
	gwt_send_raw(&c, "\0\x2fL alice", 9);
	gwt_close(&c);
	still_serving(&b, 15);

	/* alice can still log in after all of that */
	login_alice(&c);
	gwt_close(&c);
	gwt_close(&b);

	cr_assert_eq(gwt_stop(&gw), 0);
	char *log = gwt_log(&gw);
	cr_assert_eq(gwt_stat(log, "bad_length"), 4, "%s", log);
	cr_assert_eq(gwt_stat(log, "bad_type"), 2, "%s", log);
	cr_assert_eq(gwt_stat(log, "not_logged_in"), 1, "%s", log);
	cr_assert_eq(gwt_stat(log, "bad_login"), 3, "%s", log);
	cr_assert_eq(gwt_stat(log, "bad_ouch"), 4, "%s", log);
	cr_assert_eq(gwt_stat(log, "messages_in"), 15, "%s", log);
	free(log);
}

/* Seeded random bytes, before and after a login: never a crash. */
Test(gateway_malformed, random_garbage)
{
	struct gwt_c b, c;
	struct tg_ouch_out m;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	uint8_t buf[3000];

	gwt_connect(&b, gw.addr);
	cr_assert_eq(gwt_login(&b, "bob", "bobs pass", NULL, 1, NULL, NULL), 1);
	cr_assert_eq(gwt_msg(&b, &m, NULL, NULL, 5000), 1);
	for (int round = 0; round < 60; round++) {
		size_t n;

		if (round % 2)
			login_alice(&c);
		else
			gwt_connect(&c, gw.addr);
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		n = 1 + s % sizeof(buf);
		for (size_t i = 0; i < n; i++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			buf[i] = (uint8_t)s;
		}
		/* half the time, a plausible header in front of the noise */
		if (round % 4 < 2 && n > 3) {
			buf[0] = 0;
			buf[1] = (uint8_t)(n - 2 < 255 ? n - 2 : 255);
			buf[2] = "ULROR+SAZHJ"[s % 11];
		}
		gwt_send_raw(&c, buf, n);
		/* the server either hangs up or waits for more: both are fine, but not a crash */
		gwt_close(&c);
		if (round % 10 == 9)
			still_serving(&b, round);
	}
	gwt_close(&b);
	cr_assert_eq(gwt_stop(&gw), 0);
}
