/* How a log line shows bytes from outside. */
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

/* How a log line shows bytes: controls, DEL, C1 and broken UTF-8 as \xNN, cut to fit. */
static void
test_log_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(log_escape(out, sizeof(out), "a\0b\n\x1b[1m\x7f", 9), 9);
	assert_string_equal(out, "a\\x00b\\x0a\\x1b[1m\\x7f");
	log_escape(out, sizeof(out), "\xc2\x9b" "x\xff\xc3\xa9", 6);
	assert_string_equal(out, "\\xc2\\x9bx\\xff\xc3\xa9");
	/* Cut between characters, never inside an escape. */
	assert_int_equal(log_escape(out, 6, "ab\x01" "cd", 5), 2);
	assert_string_equal(out, "ab");
}

/* Whatever a message quotes, the line written is one line with no control byte. */
static void
test_log_line(void **state)
{
	char path[] = FG_TEST_TMP "/test_log.XXXXXX", buf[256];
	FILE *f;
	int fd, saved;
	size_t n;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	fflush(stderr);
	saved = dup(2);
	assert_true(dup2(fd, 2) == 2);
	log_init("t", 0);
	log_warnx("bio \"%s\" skipped", "a\x1b[2Jb\nc\r\xc2\x85");
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	assert_non_null(f = fdopen(fd, "r"));
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	assert_string_equal(buf, "t: bio \"a\\x1b[2Jb\\x0ac\\x0d\\xc2\\x85\" skipped\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_escape),
		cmocka_unit_test(test_log_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
