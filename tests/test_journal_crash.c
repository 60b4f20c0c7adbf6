/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kill -9 loses nothing acknowledged. A child appends groups of records
 * and syncs, then writes the durable LSN to a pipe (its acknowledgement);
 * the parent kills it with SIGKILL at a seeded random moment (during
 * open, an append, a write, a sync or a segment rollover), then reopens:
 * every LSN the child acknowledged must be there, every record from 1 on
 * intact (contents are a function of the LSN), and after the cut the
 * tail clean. While the child runs, a read-only reader opens the live
 * journal and must never see damage, only a tail where reading stops.
 * Every other round the child skips fdatasync: against a killed process
 * the page cache is as durable as the disk, and the child then spends its
 * time inside write(), where SIGKILL leaves torn records behind.
 *
 * TG_JOURNAL_CRASH_ROUNDS sets the number of rounds (default 20, five in
 * a row on each journal) for longer soaks; TG_JOURNAL_SEED replays a run.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_journal_util.h"

#define SEG	(256 << 10)
#define MAXLEN	8192

static char dir[64];

static void
setup(void)
{
	tju_mkdtemp(dir);
}

static void
teardown(void)
{
	tju_rmrf(dir);
}

TestSuite(journal_crash, .init = setup, .fini = teardown, .timeout = 280);

/* The child: append and sync forever, acknowledging each durable LSN. */
static void __attribute__((noreturn))
writer(const char *jdir, int ack, uint64_t salt, uint64_t seed, bool no_sync)
{
	struct tg_journal_opts o = { .segment_bytes = SEG, .no_sync = no_sync };
	struct tg_journal_report rep;
	struct tg_journal *j = NULL;
	static uint8_t p[MAXLEN + 8];

	if (tg_journal_open(jdir, &o, &j, &rep) < 0)
		_exit(10);
	for (;;) {
		uint32_t group = 1 + tju_below(&seed, 32);
		for (uint32_t k = 0; k < group; k++) {
			uint64_t n = tg_journal_last_lsn(j) + 1, lsn;
			struct tju_rec w = tju_payload(salt, n, MAXLEN, p);
			if (tg_journal_append(j, w.type, p, w.len, &lsn) < 0 || lsn != n)
				_exit(11);
		}
		if (tg_journal_sync(j) < 0)
			_exit(12);
		uint64_t d = tg_journal_durable_lsn(j);
		if (write(ack, &d, sizeof(d)) != sizeof(d))
			_exit(13);
	}
}

/* The highest LSN acknowledged so far (reads what is in the pipe). */
static uint64_t
drain(int fd, uint64_t acked)
{
	uint64_t v;
	ssize_t r;

	while ((r = read(fd, &v, sizeof(v))) == sizeof(v)) {
		cr_assert_geq(v, acked, "acknowledgements went backwards");
		acked = v;
	}
	cr_assert(r == 0 || (r < 0 && errno == EAGAIN), "short read from the pipe");
	return acked;
}

static void
sleep_us(uint32_t us)
{
	struct timespec t = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/*
 * The rounds of one journal (5 crashes in a row), the whole journal
 * checked at the end; a journal per epoch keeps each reopen's scan short.
 */
static void
crash_epoch(const char *jdir, int rounds, uint64_t *s, int *cuts, int *files)
{
	uint64_t salt = tju_seed(), acked = 0, last = 0;
	struct tg_journal_report rep;
	struct tg_journal *j;

	for (int round = 0; round < rounds; round++) {
		int fds[2];
		cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
		uint64_t child_seed = tju_next(s);
		pid_t pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			close(fds[0]);
			writer(jdir, fds[1], salt, child_seed, round % 2);
		}
		close(fds[1]);
		cr_assert_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);

		/* a live read-only look half way */
		uint32_t total = 1000 + tju_below(s, 60000);
		sleep_us(total / 2);
		acked = drain(fds[0], acked);
		if (acked) {
			struct tg_journal *r = tju_open(jdir, SEG, true, &rep);
			cr_assert_geq(rep.last_lsn, acked, "%s round %d: a live reader sees LSN %"
				      PRIu64 ", %" PRIu64 " was acknowledged", jdir, round,
				      rep.last_lsn, acked);
			tju_check_replay_from(r, salt, last + 1, rep.last_lsn, MAXLEN);
			tg_journal_close(r);
		}

		sleep_us(total / 2);
		cr_assert_eq(kill(pid, SIGKILL), 0);
		int st;
		cr_assert_eq(waitpid(pid, &st, 0), pid);
		cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
			  "round %d: the writer ended by itself (status %d)", round, st);
		acked = drain(fds[0], acked);
		close(fds[0]);

		j = tju_open(jdir, SEG, false, &rep);
		cr_assert_geq(rep.last_lsn, acked, "%s round %d: LSN %" PRIu64 " acknowledged, "
			      "only %" PRIu64 " found (%s)", jdir, round, acked, rep.last_lsn,
			      rep.what);
		cr_assert_geq(rep.last_lsn, last, "round %d: records disappeared", round);
		if (rep.cut_bytes) {
			(*cuts)++;
			cr_log_info("%s round %d: %s", jdir, round, rep.what);
		}
		/* every LSN in order; contents of what earlier rounds have not checked */
		tju_check_replay_from(j, salt, last + 1, rep.last_lsn, MAXLEN);
		last = rep.last_lsn;
		tg_journal_close(j);

		j = tju_open(jdir, SEG, true, &rep);
		cr_assert_eq(rep.last_lsn, last);
		cr_assert_eq(rep.cut_bytes, 0, "round %d: tail still damaged: %s", round, rep.what);
		cr_assert_str_eq(rep.what, "");
		tg_journal_close(j);
	}
	j = tju_open(jdir, SEG, true, &rep);
	tju_check_replay(j, salt, last, MAXLEN);
	tg_journal_close(j);
	struct tju_journal r;
	tju_read(jdir, &r);
	cr_assert_eq(r.nrecs, last);
	*files += (int)r.nfiles;
	tju_read_free(&r);
	cr_log_info("%s: %d rounds, %" PRIu64 " records", jdir, rounds, last);
}

Test(journal_crash, kill_9_loses_nothing_acknowledged)
{
	const char *e = getenv("TG_JOURNAL_CRASH_ROUNDS");
	int rounds = e ? atoi(e) : 20, cuts = 0, files = 0, epochs = 0;
	uint64_t s = tju_seed() ^ 0xc4a54;
	char jdir[128];

	for (int done = 0; done < rounds; done += 5, epochs++) {
		snprintf(jdir, sizeof(jdir), "%s/epoch%d", dir, epochs);
		crash_epoch(jdir, rounds - done < 5 ? rounds - done : 5, &s, &cuts, &files);
	}
	cr_log_info("%d rounds, %d torn tails cut", rounds, cuts);
	cr_assert_gt(files, 2 * epochs, "hardly any rollover happened");
}

/*
 * Readers of a live journal (tickgate settle on a running appliance) must
 * never refuse it: while a writer appends small groups and syncs as fast
 * as it can, read-only opens follow one another; each sees a prefix of
 * the records, growing, never damage. A reader can catch the writer in
 * the middle of a write and see the next write after it in the same page,
 * which looks like a lost record unless the reader looks again.
 */
Test(journal_crash, live_readers_never_refuse)
{
	const uint64_t total = 100000, salt = tju_seed() ^ 0x11fe;
	uint64_t seen = 0;
	int opens = 0, st;

	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct tg_journal_opts o = { .segment_bytes = SEG, .no_sync = true };
		struct tg_journal_report rep;
		struct tg_journal *j = NULL;
		uint8_t p[256];

		if (tg_journal_open(dir, &o, &j, &rep) < 0)
			_exit(10);
		for (uint64_t n = 1; n <= total; n++) {
			struct tju_rec w = tju_payload(salt, n, 200, p);
			if (tg_journal_append(j, w.type, p, w.len, NULL) < 0)
				_exit(11);
			if (n % (1 + n % 3) == 0 && tg_journal_sync(j) < 0)
				_exit(12);
			if (n % 8 == 0)
				sleep_us(20);
		}
		tg_journal_close(j);
		_exit(0);
	}
	while (waitpid(pid, &st, WNOHANG) == 0) {
		struct tg_journal_opts ro = { .read_only = true };
		struct tg_journal_report rep;
		struct tg_journal *r = NULL;
		int rc = tg_journal_open(dir, &ro, &r, &rep);

		if (rc == -ENOENT && seen == 0)
			continue;	/* the writer has not made the directory yet */
		cr_assert_eq(rc, 0, "open %d of a live journal: %s", opens, rep.what);
		cr_assert_geq(rep.last_lsn, seen, "records went away");
		seen = rep.last_lsn;
		if (opens++ % 16 == 0)
			tju_check_replay(r, salt, seen, 200);
		tg_journal_close(r);
	}
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer failed: %d", st);
	cr_log_info("%d live opens, up to LSN %" PRIu64, opens, seen);
	cr_assert_gt(opens, 20);
}
