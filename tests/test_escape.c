/* The one way text from outside is shown: on a terminal, in the log, in CSV. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"

/* Controls, DEL, C1 and broken UTF-8 as \xNN, one per byte; text as it is. */
static void
test_escape_controls(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(escape_text(out, sizeof(out), "a\0b\n\x1b[1m\x7f", 9), 9);
	assert_string_equal(out, "a\\x00b\\x0a\\x1b[1m\\x7f");
	escape_text(out, sizeof(out), "\xc2\x9b" "x\xff\xc3\xa9", 6);
	assert_string_equal(out, "\\xc2\\x9bx\\xff\xc3\xa9");
	/* TAB and CR too: a cell, a column or a record never ends inside a text. */
	assert_string_equal(escape_str(out, sizeof(out), "\tx\r"), "\\x09x\\x0d");
	/* An overlong "/" and a surrogate are no characters. */
	assert_string_equal(escape_str(out, sizeof(out), "\xc0\xaf\xed\xa0\x80"),
	    "\\xc0\\xaf\\xed\\xa0\\x80");
}

/* Bidirectional overrides and isolates reorder a screen line: shown, not obeyed. */
static void
test_escape_bidi(void **state)
{
	char out[128];

	(void)state;
	/* U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 PDI */
	assert_string_equal(escape_str(out, sizeof(out), "a\xe2\x80\xae" "b\xe2\x81\xa6\xe2\x81\xa9"),
	    "a\\xe2\\x80\\xaeb\\xe2\\x81\\xa6\\xe2\\x81\\xa9");
	/* Their neighbours are text: U+2029, U+202F, U+2065 (unassigned), U+206A, U+FFFD. */
	assert_string_equal(escape_str(out, sizeof(out),
	    "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xef\xbf\xbd"),
	    "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xef\xbf\xbd");
}

/* Cut between characters and never inside an escape; what fits is said. */
static void
test_escape_cut(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(escape_text(out, 6, "ab\x01" "cd", 5), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(escape_text(out, 3, "a\xc3\xa9", 3), 1);
	assert_string_equal(out, "a");
	assert_int_equal(escape_text(out, 0, "a", 1), 0);
	assert_string_equal(escape_str(out, sizeof(out), NULL), "");
}

/* Escaping what is escaped changes nothing: layers may each escape without doubling. */
static void
test_escape_idempotent(void **state)
{
	static const char *const vec[] = { "a\nb", "\x1b]0;pwned\x07", "\xff\xfe",
	    "x\xe2\x80\xaey", "\\x41 stays" };
	char once[ESCAPE_ROOM(32)], twice[ESCAPE_ROOM(ESCAPE_ROOM(32))];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		escape_str(once, sizeof(once), vec[i]);
		escape_str(twice, sizeof(twice), once);
		assert_string_equal(once, twice);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_bidi),
		cmocka_unit_test(test_escape_cut),
		cmocka_unit_test(test_escape_idempotent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
