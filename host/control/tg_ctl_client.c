/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side of the control socket: one request, one reply, for the
 * `tickgate` commands that steer a running appliance.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/tg_ctl.h"

/* CLOCK_MONOTONIC in ms, for the request's deadline. */
static uint64_t
tg_ctl_client_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait until fd is ready for events or the deadline passes: 0 or -ETIMEDOUT. */
static int
tg_ctl_client_wait(int fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = tg_ctl_client_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int rc;

		if (now >= deadline)
			return -ETIMEDOUT;
		rc = poll(&p, 1, (int)(deadline - now));
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

/* Connect, send one line, read one line back, all within the deadline. */
int
tg_ctl_request(const char *path, const char *line, unsigned timeout_ms,
	       char **reply, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t deadline = tg_ctl_client_ms() + timeout_ms;
	size_t n = strlen(line), len = 0, cap = 4096;
	char *buf = NULL;
	int fd, rc = 0;

	*reply = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	if (memchr(line, '\n', n)) {
		snprintf(err, errlen, "a request is one line");
		return -EINVAL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return rc;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		snprintf(err, errlen, "cannot connect to the appliance at %s: %s%s", path,
			 strerror(errno), errno == ENOENT || errno == ECONNREFUSED ?
			 " (is it running? --config or --socket say where)" : "");
		close(fd);
		return rc;
	}
	/* the request and its newline */
	for (size_t off = 0; off <= n && !rc;) {
		const char *p = off < n ? line + off : "\n";
		size_t k = off < n ? n - off : 1;
		ssize_t w = send(fd, p, k, MSG_NOSIGNAL);

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			rc = tg_ctl_client_wait(fd, POLLOUT, deadline);
		else
			rc = w < 0 ? -errno : -EIO;
	}
	/* the reply: one line */
	if (!rc && !(buf = malloc(cap)))
		rc = -ENOMEM;
	while (!rc) {
		ssize_t r;
		char *nl;

		if (len + 1 >= cap) {
			char *q = cap >= (64u << 20) ? NULL : realloc(buf, cap * 2);
			if (!q) {
				rc = -EMSGSIZE;
				break;
			}
			buf = q;
			cap *= 2;
		}
		r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			rc = tg_ctl_client_wait(fd, POLLIN, deadline);
			continue;
		}
		if (r <= 0) {
			rc = r < 0 ? -errno : -ECONNRESET;
			break;
		}
		len += (size_t)r;
		buf[len] = 0;
		if ((nl = memchr(buf, '\n', len))) {
			*nl = 0;
			*reply = buf;
			buf = NULL;
			break;
		}
	}
	close(fd);
	free(buf);
	if (rc)
		snprintf(err, errlen, "control socket %s: %s", path,
			 rc == -ETIMEDOUT ? "no reply in time" :
			 rc == -ECONNRESET ? "the appliance closed the connection" : strerror(-rc));
	return rc;
}

/* Build the request line from its parts and parse the reply. */
int
tg_ctl_call(const char *path, const char *cmd, json_t *args, const char *totp,
	    unsigned timeout_ms, json_t **reply, char *err, size_t errlen)
{
	json_t *req = json_pack("{s:s}", "cmd", cmd);
	json_error_t jerr;
	char *line = NULL, *out = NULL;
	int rc;

	*reply = NULL;
	if (!req)
		return -ENOMEM;
	if (args)
		json_object_set(req, "args", args);
	if (totp)
		json_object_set_new(req, "totp", json_string(totp));
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!line)
		return -ENOMEM;
	rc = tg_ctl_request(path, line, timeout_ms, &out, err, errlen);
	free(line);
	if (rc)
		return rc;
	*reply = json_loads(out, 0, &jerr);
	free(out);
	if (!*reply || !json_is_object(*reply)) {
		json_decref(*reply);
		*reply = NULL;
		snprintf(err, errlen, "control socket %s: the reply is not a JSON object", path);
		return -EBADMSG;
	}
	return 0;
}
