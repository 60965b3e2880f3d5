/*
 * systemd notification by the plain datagram protocol (sd_notify(3), "NOTIFY_SOCKET"): a
 * connectionless AF_UNIX socket, a path or an abstract name ('@' standing for the leading NUL).
 * A fresh socket per message keeps no state to go stale across a reload or a fork.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sdnotify.h"

int
sdnotify(const char *state)
{
	struct sockaddr_un sun;
	const char *path = getenv("NOTIFY_SOCKET");
	socklen_t salen;
	size_t len;
	ssize_t n;
	int fd, saved;

	if (path == NULL || path[0] == '\0')
		return 0;
	if (path[0] != '/' && path[0] != '@') {
		errno = EAFNOSUPPORT;	/* relative paths and vsock: not for us */
		return -1;
	}
	len = strlen(path);
	if (len >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@') {
		/* Abstract names are counted, not terminated: the length is the address. */
		sun.sun_path[0] = '\0';
		salen = offsetof(struct sockaddr_un, sun_path) + len;
	} else
		salen = offsetof(struct sockaddr_un, sun_path) + len + 1;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	len = strlen(state);
	n = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sun, salen);
	saved = errno;
	close(fd);
	if (n != (ssize_t)len) {
		errno = n == -1 ? saved : EMSGSIZE;
		return -1;
	}
	return 0;
}

int
sdnotify_ready(void)
{
	return sdnotify("READY=1");
}

int
sdnotify_stopping(void)
{
	return sdnotify("STOPPING=1");
}

int
sdnotify_reloading(void)
{
	struct timespec ts;
	char buf[64];

	/* systemd matches the reload to our message by this clock, not by arrival. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	    (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
	return sdnotify(buf);
}

int
sdnotify_watchdog(void)
{
	return sdnotify("WATCHDOG=1");
}

int
sdnotify_status(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	char *p;

	memcpy(buf, "STATUS=", 7);
	va_start(ap, fmt);
	vsnprintf(buf + 7, sizeof(buf) - 7, fmt, ap);
	va_end(ap);
	/* A newline would start a new assignment. */
	for (p = buf + 7; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return sdnotify(buf);
}

/* A positive decimal number filling the whole string, or 0. */
static uint64_t
parse_u64(const char *s)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return v;
}

int64_t
sdnotify_watchdog_usec(void)
{
	const char *pid = getenv("WATCHDOG_PID");
	uint64_t usec = parse_u64(getenv("WATCHDOG_USEC"));

	if (usec == 0 || usec > INT64_MAX)
		return 0;
	if (pid != NULL && parse_u64(pid) != (uint64_t)getpid())
		return 0;
	return (int64_t)usec;
}
