/* The one CSV writer: RFC 4180 cells, the formula guard, one line per row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "csv.h"

/* One cell alone in a row is written as want, then the line end. */
static void
check_cell(const char *in, const char *want)
{
	struct csv c = { 0 };
	char row[128];

	csv_cell(&c, in);
	csv_row_end(&c);
	snprintf(row, sizeof(row), "%s\n", want);
	assert_string_equal(c.b.s, row);
	csv_free(&c);
}

static void
test_csv_cells(void **state)
{
	static const char *const vec[][2] = {
		{ "plain", "plain" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ " padded", "\" padded\"" },
		{ "padded ", "\"padded \"" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		/* formula guard (OWASP): quoted, a leading ' */
		{ "=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"" },
		{ "+1", "\"'+1\"" },
		{ "-1", "\"'-1\"" },
		{ "@SUM(A1)", "\"'@SUM(A1)\"" },
		{ "=a,\"b\"", "\"'=a,\"\"b\"\"\"" },
		/* controls escaped: a row is one line, no ESC reaches a terminal */
		{ "two\nlines", "two\\x0alines" },
		{ "\tx", "\\x09x" },
		{ "\rx", "\\x0dx" },
		{ "\x1b[31mred", "\\x1b[31mred" },
		{ "a,\x1b", "\"a,\\x1b\"" },
		{ "x\xe2\x80\xaey", "x\\xe2\\x80\\xaey" },
		/* a guard character later in the cell is text */
		{ "a=b", "a=b" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
		check_cell(vec[i][0], vec[i][1]);
	check_cell(NULL, "");
}

/* Cells are separated, empty ones kept in place; rows end with the chosen line end. */
static void
test_csv_rows(void **state)
{
	struct csv c = { 0 }, crlf = { .eol = "\r\n" };

	(void)state;
	csv_header(&c, "id,handle,score");
	csv_cell(&c, NULL);
	csv_cell(&c, "");
	csv_cellf(&c, "%.2f", 0.5);
	csv_row_end(&c);
	csv_cell(&c, "7");
	csv_cell(&c, "a\nb,c");
	csv_cellf(&c, "%d", -1);	/* our own values are not guarded */
	csv_row_end(&c);
	assert_string_equal(c.b.s, "id,handle,score\n,,0.50\n7,\"a\\x0ab,c\",-1\n");
	csv_free(&c);
	csv_cell(&crlf, "x");
	csv_row_end(&crlf);
	assert_string_equal(crlf.b.s, "x\r\n");
	csv_free(&crlf);
}

/* Flushing writes what was collected and starts over. */
static void
test_csv_flush(void **state)
{
	char path[] = FG_TEST_TMP "/test_csv.XXXXXX", buf[64];
	struct csv c = { 0 };
	FILE *f;
	int fd;
	size_t n;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w+"));
	csv_cell(&c, "a");
	csv_row_end(&c);
	assert_int_equal(csv_flush(&c, f), 0);
	assert_int_equal(c.b.len, 0);
	csv_cell(&c, "b");
	csv_row_end(&c);
	assert_int_equal(csv_flush(&c, f), 0);
	assert_int_equal(csv_flush(&c, f), 0);	/* nothing collected: nothing written */
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	assert_string_equal(buf, "a\nb\n");
	fclose(f);
	unlink(path);
	csv_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_cells),
		cmocka_unit_test(test_csv_rows),
		cmocka_unit_test(test_csv_flush),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
