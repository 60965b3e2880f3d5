/* How a log line shows bytes from outside. */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* Logs msg with stderr in a file (as the journal's stream if journal); the file's text in buf. */
static void
capture(const char *journal, const char *msg, char *buf, size_t len)
{
	char path[] = FG_TEST_TMP "/test_log.XXXXXX", env[64];
	struct stat sb;
	FILE *f;
	int fd, saved;
	size_t n;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(fstat(fd, &sb), 0);
	if (journal != NULL) {
		snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)sb.st_dev,
		    (unsigned long long)sb.st_ino);
		setenv("JOURNAL_STREAM", env, 1);
	} else
		unsetenv("JOURNAL_STREAM");
	fflush(stderr);
	saved = dup(2);
	assert_true(dup2(fd, 2) == 2);
	log_init("t", 0);
	log_warnx("%s", msg);
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	log_init("t", 0);
	assert_non_null(f = fdopen(fd, "r"));
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
}

/* Whatever a message quotes, the line written is one line with no control byte. */
static void
test_log_line(void **state)
{
	char buf[256];

	(void)state;
	capture(NULL, "bio \"a\x1b[2Jb\nc\r\xc2\x85\" skipped", buf, sizeof(buf));
	assert_string_equal(buf, "t: bio \"a\\x1b[2Jb\\x0ac\\x0d\\xc2\\x85\" skipped\n");
}

/*
 * Under systemd each line is one journal record, its priority in a "<N>" prefix: a platform's
 * error text with a line break and "<3>" stays inside the warning, never a record of its own.
 */
static void
test_log_journal(void **state)
{
	char buf[256];

	(void)state;
	capture("journal", "unfollow: HTTP 500: oops\n<3>disk on fire\r\n<2>x", buf, sizeof(buf));
	assert_string_equal(buf, "<4>unfollow: HTTP 500: oops\\x0a<3>disk on fire\\x0d\\x0a<2>x\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_line),
		cmocka_unit_test(test_log_journal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
