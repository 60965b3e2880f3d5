/*
 * Tests of the listeners with limits (daemon/listen.c): the connection cap, the backoff after
 * failing accept() calls, the rate-limited log; and of who the control socket admits.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "control.h"
#include "listen.h"

struct accepted {
	int	fds[64];
	int	n;
};

static void
on_accept(void *arg, evutil_socket_t fd, struct sockaddr *sa, int len)
{
	struct accepted *a = arg;

	(void)sa;
	(void)len;
	assert_true(a->n < 64);
	a->fds[a->n++] = fd;
}

static void
socket_path(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/listen.%ld.sock", FG_TEST_TMP,
	    (long)getpid());
	unlink(sun->sun_path);
}

static int
client(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_int_not_equal(fd, -1);
	assert_int_equal(connect(fd, (const struct sockaddr *)sun, sizeof(*sun)), 0);
	return fd;
}

static void
run_for(struct event_base *base, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* Beyond max connections nothing is accepted until one closes. */
static void
test_cap(void **state)
{
	struct event_base *base = event_base_new();
	struct accepted a = { { 0 }, 0 };
	struct sockaddr_un sun;
	struct listener *l;
	char err[256];
	int c[5], i;

	(void)state;
	socket_path(&sun);
	l = listener_new(base, "test", (struct sockaddr *)&sun, sizeof(sun), 2, on_accept, &a,
	    err, sizeof(err));
	assert_non_null(l);
	for (i = 0; i < 5; i++)
		c[i] = client(&sun);
	run_for(base, 200);
	assert_int_equal(a.n, 2);
	assert_int_equal(listener_conns(l), 2);
	close(a.fds[0]);
	listener_done(l);
	for (i = 0; i < 50 && a.n < 3; i++)
		run_for(base, 100);
	assert_int_equal(a.n, 3);
	run_for(base, 200);
	assert_int_equal(a.n, 3);	/* at the cap again */
	for (i = 1; i < a.n; i++)
		close(a.fds[i]);
	for (i = 0; i < 5; i++)
		close(c[i]);
	listener_free(l);
	event_base_free(base);
	unlink(sun.sun_path);
}

/*
 * accept() failing with EMFILE: the listener pauses (100 ms, 200 ms, 400 ms...) instead of
 * being called again at once, and accepts once descriptors are free again.
 */
static void
test_emfile_backoff(void **state)
{
	struct event_base *base = event_base_new();
	struct accepted a = { { 0 }, 0 };
	struct sockaddr_un sun;
	struct listener *l;
	struct rlimit old, low;
	char err[256];
	int c[3], i, probe;

	(void)state;
	socket_path(&sun);
	l = listener_new(base, "test", (struct sockaddr *)&sun, sizeof(sun), 100, on_accept, &a,
	    err, sizeof(err));
	assert_non_null(l);
	for (i = 0; i < 3; i++)
		c[i] = client(&sun);
	/* No descriptor above those open now. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	probe = dup(0);
	assert_true(probe >= 0);
	close(probe);
	low = old;
	low.rlim_cur = (rlim_t)probe;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	run_for(base, 1000);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	printf("# %llu failed accept() calls in 1 s\n", (unsigned long long)listener_errors(l));
	assert_int_equal(a.n, 0);
	assert_true(listener_errors(l) >= 1);
	assert_true(listener_errors(l) <= 6);	/* without the backoff: a busy loop, thousands */
	for (i = 0; i < 100 && a.n < 3; i++)
		run_for(base, 100);
	assert_int_equal(a.n, 3);
	for (i = 0; i < 3; i++) {
		close(a.fds[i]);
		close(c[i]);
	}
	listener_free(l);
	event_base_free(base);
	unlink(sun.sun_path);
}

static void
test_ratelog(void **state)
{
	struct ratelog r = { 0, 0 };
	unsigned held = 99;

	(void)state;
	assert_true(ratelog_due(&r, 1000, &held));
	assert_int_equal(held, 0);
	assert_false(ratelog_due(&r, 2000, &held));
	assert_false(ratelog_due(&r, 1000 + FG_RATELOG_PERIOD_MS - 1, &held));
	assert_true(ratelog_due(&r, 1000 + FG_RATELOG_PERIOD_MS, &held));
	assert_int_equal(held, 2);
	assert_false(ratelog_due(&r, 2000 + FG_RATELOG_PERIOD_MS, &held));
}

/* Root and the daemon's user operate; the socket's group (primary or not) is admitted. */
static void
test_access(void **state)
{
	const uid_t self = 990;
	const gid_t sock = 990, some[] = { 100, 990 }, other[] = { 100, 27 };

	(void)state;
	assert_int_equal(control_access(0, 0, NULL, 0, self, sock), CONTROL_OPERATOR);
	assert_int_equal(control_access(990, 990, NULL, 0, self, sock), CONTROL_OPERATOR);
	assert_int_equal(control_access(990, 5, NULL, 0, self, sock), CONTROL_OPERATOR);
	assert_int_equal(control_access(1000, 990, NULL, 0, self, sock), CONTROL_MEMBER);
	assert_int_equal(control_access(1000, 1000, some, 2, self, sock), CONTROL_MEMBER);
	assert_int_equal(control_access(1000, 1000, other, 2, self, sock), CONTROL_REFUSED);
	assert_int_equal(control_access(1000, 1000, NULL, 0, self, sock), CONTROL_REFUSED);
	/* Under PrivateUsers=, an unmapped user is nobody: refused unless in the group. */
	assert_int_equal(control_access(65534, 65534, NULL, 0, self, sock), CONTROL_REFUSED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_emfile_backoff),
		cmocka_unit_test(test_ratelog),
		cmocka_unit_test(test_access),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
