/* Tests of the systemd notification datagrams: path and abstract sockets, no-op, watchdog. */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sdnotify.h"

/* A datagram socket bound where NOTIFY_SOCKET will point. */
struct fixture {
	int	fd;
	char	path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char	env[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
};

static int
bind_path(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_un sun;
	int n;

	n = snprintf(f->path, sizeof(f->path), "%s/sdn.%ld", FG_TEST_TMP, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(f->path)) {
		free(f);
		return -1;
	}
	unlink(f->path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, f->path, strlen(f->path) + 1);
	if ((f->fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(f->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		free(f);
		return -1;
	}
	snprintf(f->env, sizeof(f->env), "%s", f->path);
	setenv("NOTIFY_SOCKET", f->env, 1);
	*state = f;
	return 0;
}

static int
bind_abstract(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_un sun;
	size_t len;

	snprintf(f->env, sizeof(f->env), "@followguard-test/%ld", (long)getpid());
	len = strlen(f->env);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, f->env + 1, len - 1);	/* sun_path[0] = '\0' */
	if ((f->fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(f->fd, (struct sockaddr *)&sun,
	    offsetof(struct sockaddr_un, sun_path) + len) == -1) {
		free(f);
		return -1;
	}
	setenv("NOTIFY_SOCKET", f->env, 1);
	*state = f;
	return 0;
}

static int
unbind(void **state)
{
	struct fixture *f = *state;

	close(f->fd);
	if (f->path[0] != '\0')
		unlink(f->path);
	unsetenv("NOTIFY_SOCKET");
	free(f);
	return 0;
}

/* The next datagram, NUL-terminated; "" when none is waiting. */
static const char *
next_msg(struct fixture *f)
{
	static char buf[1024];
	ssize_t n;

	n = recv(f->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n < 0) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		n = 0;
	}
	buf[n] = '\0';
	return buf;
}

static void
lifecycle(struct fixture *f)
{
	const char *m;

	assert_int_equal(sdnotify_ready(), 0);
	assert_int_equal(sdnotify_status("polling %d watches\nnext in %ds", 3, 42), 0);
	assert_int_equal(sdnotify_watchdog(), 0);
	assert_int_equal(sdnotify_reloading(), 0);
	assert_int_equal(sdnotify_stopping(), 0);
	assert_string_equal(next_msg(f), "READY=1");
	/* One line: a newline would start a second assignment. */
	assert_string_equal(next_msg(f), "STATUS=polling 3 watches next in 42s");
	assert_string_equal(next_msg(f), "WATCHDOG=1");
	m = next_msg(f);
	assert_true(strncmp(m, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
	assert_true(strtoull(m + 27, NULL, 10) > 0);
	assert_string_equal(next_msg(f), "STOPPING=1");
	assert_string_equal(next_msg(f), "");
}

static void
test_path(void **state)
{
	lifecycle(*state);
}

static void
test_abstract(void **state)
{
	lifecycle(*state);
}

static void
test_unset_is_noop(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sdnotify_ready(), 0);
	assert_int_equal(sdnotify_status("x"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(sdnotify_stopping(), 0);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_bad_socket(void **state)
{
	char path[512];

	(void)state;
	/* Set but unusable: the caller hears of it. */
	setenv("NOTIFY_SOCKET", "relative/sock", 1);
	errno = 0;
	assert_int_equal(sdnotify_ready(), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	snprintf(path, sizeof(path), "%s/sdn-missing.%ld", FG_TEST_TMP, (long)getpid());
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(sdnotify_ready(), -1);
	assert_true(errno == ENOENT || errno == ECONNREFUSED);
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(sdnotify_ready(), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_watchdog_usec(void **state)
{
	char pid[32];

	(void)state;
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(sdnotify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "60000000", 1);
	assert_int_equal(sdnotify_watchdog_usec(), 60000000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(sdnotify_watchdog_usec(), 60000000);
	/* Meant for another process (a parent that exec'd us without clearing it). */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(sdnotify_watchdog_usec(), 0);
	setenv("WATCHDOG_PID", "12x", 1);
	assert_int_equal(sdnotify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "0", 1);
	assert_int_equal(sdnotify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "-5", 1);
	assert_int_equal(sdnotify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "30s", 1);
	assert_int_equal(sdnotify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "99999999999999999999999", 1);
	assert_int_equal(sdnotify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_USEC");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path, bind_path, unbind),
		cmocka_unit_test_setup_teardown(test_abstract, bind_abstract, unbind),
		cmocka_unit_test(test_unset_is_noop),
		cmocka_unit_test(test_bad_socket),
		cmocka_unit_test(test_watchdog_usec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
