/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A throwaway PostgreSQL server for tests and benchmarks, from Debian's
 * postgresql package: initdb into a fresh temp dir, the server on a Unix
 * socket inside that dir (no TCP port, so parallel runs never collide),
 * stopped and the dir removed at the end.
 *
 * PostgreSQL refuses to run as root, and tests here run as root, so when
 * root the server's programs run as the `postgres` user (set in the
 * child before exec, as runuser would) and the dir belongs to it.
 *
 * Cleanup does not depend on the caller ending well: a watcher process,
 * started before initdb, waits on a pipe that only the caller holds; when
 * the caller exits, stops normally or dies, the pipe closes and the
 * watcher stops the server and removes the dir.
 *
 * Header-only (static functions) so the benchmark can share it.
 */
#ifndef TEST_POST_PGSRV_H
#define TEST_POST_PGSRV_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct tp_pg {
	char dir[64];		/* the temp dir: data/, the socket, logs */
	char bindir[256];
	char url[256];		/* postgresql:// URL of database "postgres" */
	pid_t watcher;
	int watch_fd;		/* write end: closing it stops everything */
	uid_t uid;
	gid_t gid;
	int drop;		/* run the server's programs as uid/gid */
};

/* The newest installed server's bindir (TG_PG_BINDIR overrides). */
static int
tp_pg_bindir(char *out, size_t len)
{
	const char *env = getenv("TG_PG_BINDIR");
	glob_t g;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return 0;
	}
	if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) || !g.gl_pathc)
		return -ENOENT;
	/* versions sort as strings within one digit count; prefer the longest, then last */
	const char *best = g.gl_pathv[0];
	for (size_t i = 1; i < g.gl_pathc; i++)
		if (strlen(g.gl_pathv[i]) >= strlen(best))
			best = g.gl_pathv[i];
	snprintf(out, len, "%s", best);
	*strrchr(out, '/') = '\0';
	globfree(&g);
	return 0;
}

/*
 * Fork and exec argv with stdin from in_fd (or /dev/null), stdout and
 * stderr to log (or /dev/null), no other descriptor, as the server user
 * when dropping. Returns the pid or -errno.
 */
static pid_t
tp_pg_spawn(const struct tp_pg *s, char *const argv[], int in_fd, const char *log)
{
	static char *const envp[] = { "LC_ALL=C", "LANG=C", "PATH=/usr/bin:/bin", "TZ=UTC", NULL };
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid)
		return pid;
	int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
	int out = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	/* out of the caller's process group: a kill aimed at the test run
	 * must not take the watcher before it has cleaned up */
	setsid();
	if (s->drop && (setgroups(0, NULL) || setgid(s->gid) || setuid(s->uid)))
		_exit(126);
	if (chdir(s->dir[0] ? s->dir : "/"))
		_exit(126);
	execve(argv[0], argv, envp);
	_exit(127);
}

static int
tp_pg_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int
tp_pg_err(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}

/* Stop the server and remove everything; safe to call twice. */
static void
tp_pg_stop(struct tp_pg *s)
{
	if (s->watch_fd >= 0) {
		close(s->watch_fd);
		s->watch_fd = -1;
	}
	if (s->watcher > 0) {
		tp_pg_wait(s->watcher);
		s->watcher = 0;
	}
}

static int
tp_pg_start(struct tp_pg *s, char *err, size_t errlen)
{
	char data[128], log[128], cmd[1024], opts[256];
	int fds[2], rc;

	memset(s, 0, sizeof(*s));
	s->watch_fd = -1;
	if (tp_pg_bindir(s->bindir, sizeof(s->bindir)))
		return tp_pg_err(err, errlen, -ENOENT,
				 "no PostgreSQL server under /usr/lib/postgresql (Debian package postgresql)");
	snprintf(s->dir, sizeof(s->dir), "/tmp/tg_pg_XXXXXX");
	if (!mkdtemp(s->dir))
		return tp_pg_err(err, errlen, -errno, "mkdtemp: %s", strerror(errno));
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("postgres");
		if (!pw) {
			rmdir(s->dir);
			return tp_pg_err(err, errlen, -ENOENT, "running as root and no user postgres");
		}
		s->uid = pw->pw_uid;
		s->gid = pw->pw_gid;
		s->drop = 1;
		if (chown(s->dir, s->uid, s->gid)) {
			rc = -errno;
			rmdir(s->dir);
			return tp_pg_err(err, errlen, rc, "chown %s: %s", s->dir, strerror(-rc));
		}
	}
	snprintf(data, sizeof(data), "%s/data", s->dir);
	snprintf(log, sizeof(log), "%s/server.log", s->dir);

	/* the watcher: waits for EOF, then stops the server and removes the dir */
	if (pipe2(fds, O_CLOEXEC)) {
		rmdir(s->dir);
		return tp_pg_err(err, errlen, -errno, "pipe: %s", strerror(errno));
	}
	snprintf(cmd, sizeof(cmd),
		 "cat >/dev/null; [ -f %s/postmaster.pid ] && %s/pg_ctl -D %s -m immediate -w stop;"
		 " rm -rf %s", data, s->bindir, data, s->dir);
	char *wargv[] = { "/bin/sh", "-c", cmd, NULL };
	pid_t w = tp_pg_spawn(s, wargv, fds[0], NULL);
	close(fds[0]);
	if (w < 0) {
		close(fds[1]);
		rmdir(s->dir);
		return tp_pg_err(err, errlen, (int)w, "cannot start the watcher");
	}
	s->watcher = w;
	s->watch_fd = fds[1];

	char initdb[300], pg_ctl[300];
	snprintf(initdb, sizeof(initdb), "%s/initdb", s->bindir);
	snprintf(pg_ctl, sizeof(pg_ctl), "%s/pg_ctl", s->bindir);
	char *iargv[] = { initdb, "-D", data, "-A", "trust", "-U", "tg", "-E", "UTF8",
			  "--locale=C", "--no-sync", NULL };
	snprintf(log, sizeof(log), "%s/initdb.log", s->dir);
	pid_t p = tp_pg_spawn(s, iargv, -1, log);
	if (p < 0 || (rc = tp_pg_wait(p))) {
		tp_pg_stop(s);
		return tp_pg_err(err, errlen, -EIO, "initdb failed (exit %d)", p < 0 ? -1 : rc);
	}
	/* no TCP: the socket lives in the temp dir; durability is not the point */
	snprintf(opts, sizeof(opts),
		 "-k %s -c listen_addresses='' -p 5432 -c fsync=off -c full_page_writes=off"
		 " -c synchronous_commit=off", s->dir);
	snprintf(log, sizeof(log), "%s/server.log", s->dir);
	char *sargv[] = { pg_ctl, "-D", data, "-l", log, "-w", "-t", "60", "-o", opts,
			  "start", NULL };
	p = tp_pg_spawn(s, sargv, -1, NULL);
	if (p < 0 || (rc = tp_pg_wait(p))) {
		char tail[512] = "";
		FILE *f = fopen(log, "r");
		if (f) {
			size_t n = fread(tail, 1, sizeof(tail) - 1, f);
			tail[n] = '\0';
			fclose(f);
		}
		tp_pg_stop(s);
		return tp_pg_err(err, errlen, -EIO, "pg_ctl start failed (exit %d): %s",
				 p < 0 ? -1 : rc, tail);
	}
	snprintf(s->url, sizeof(s->url), "postgresql://tg@/postgres?host=%s&port=5432", s->dir);
	return 0;
}

#endif /* TEST_POST_PGSRV_H */
