/* mime: base64, quoted-printable, folded and encoded headers, dates and CSV fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime.h"

static uint64_t rng = 88172645463325252ULL;

static uint8_t
rand8(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)(rng >> 24);
}

/* Every line ends in CRLF, no bare CR or LF, none longer than max. */
static void
check_lines(const char *s, size_t len, size_t max)
{
	const char *p = s, *end = s + len, *crlf;

	assert_true(len >= 2 && memcmp(end - 2, "\r\n", 2) == 0);
	for (; p < end; p = crlf + 2) {
		crlf = strstr(p, "\r\n");
		assert_non_null(crlf);
		assert_in_range(crlf - p, 0, max);
		assert_null(memchr(p, '\r', (size_t)(crlf - p)));
		assert_null(memchr(p, '\n', (size_t)(crlf - p)));
	}
}

static int
b64_value(char c)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(alphabet, c);

	return c != '\0' && p != NULL ? (int)(p - alphabet) : -1;
}

/* Decodes base64, skipping CRLF; returns the length written to out. */
static size_t
b64_decode(const char *s, size_t len, uint8_t *out)
{
	uint32_t v = 0;
	size_t o = 0, i, bits = 0;
	int x;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '=')
			continue;
		x = b64_value(s[i]);
		assert_true(x >= 0);
		v = v << 6 | (uint32_t)x;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(v >> bits);
		}
	}
	return o;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes quoted-printable: soft breaks vanish, =XX is a byte, CRLF is "\n". */
static size_t
qp_decode(const char *s, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '=' && i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n')
			i += 2;
		else if (s[i] == '=') {
			assert_true(i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0);
			out[o++] = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
		} else if (s[i] == '\r') {
			assert_true(i + 1 < len && s[i + 1] == '\n');
			out[o++] = '\n';
			i++;
		} else
			out[o++] = s[i];
	}
	return o;
}

static void
test_base64(void **state)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==\r\n" }, { "fo", "Zm8=\r\n" }, { "foo", "Zm9v\r\n" },
		{ "foob", "Zm9vYg==\r\n" }, { "fooba", "Zm9vYmE=\r\n" },
		{ "foobar", "Zm9vYmFy\r\n" },
	};
	struct buf b = { 0 };
	uint8_t in[1000], out[1000];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		b.len = 0;
		mime_base64(&b, vec[i][0], strlen(vec[i][0]));
		assert_int_equal(b.len, strlen(vec[i][1]));
		assert_memory_equal(b.len > 0 ? b.s : "", vec[i][1], b.len);
	}

	/* 200 bytes: 57 + 57 + 57 + 29 bytes, three full lines of 76 and one of 40. */
	memset(in, 'x', 200);
	b.len = 0;
	mime_base64(&b, in, 200);
	check_lines(b.s, b.len, 76);
	assert_int_equal(b.len, 3 * 78 + 40 + 2);
	assert_memory_equal(b.s + 76, "\r\n", 2);

	for (i = 0; i < sizeof(in); i++)
		in[i] = rand8();
	b.len = 0;
	mime_base64(&b, in, sizeof(in));
	check_lines(b.s, b.len, 76);
	assert_int_equal(b64_decode(b.s, b.len, out), sizeof(in));
	assert_memory_equal(in, out, sizeof(in));
	buf_free(&b);
	assert_null(b.s);
}

/* Encodes text, checks the line rules and that decoding restores it. */
static void
qp_round_trip(struct buf *b, const char *text)
{
	char out[4096];
	size_t n = strlen(text);

	b->len = 0;
	mime_qp(b, text, n);
	check_lines(b->s, b->len, 76);
	assert_int_equal(qp_decode(b->s, b->len, out), n);
	assert_memory_equal(out, text, n);
}

static void
test_qp(void **state)
{
	struct buf b = { 0 };
	char line[201], text[1200];
	size_t i;

	(void)state;
	qp_round_trip(&b, "a=b\n");
	assert_string_equal(b.s, "a=3Db\r\n");
	qp_round_trip(&b, "caf\xc3\xa9\n");
	assert_string_equal(b.s, "caf=C3=A9\r\n");
	qp_round_trip(&b, "trailing \nand tab\t\nkept inside\n");
	assert_string_equal(b.s, "trailing=20\r\nand tab=09\r\nkept inside\r\n");
	qp_round_trip(&b, ".\n..x\nFrom me\nFromage\n");
	assert_string_equal(b.s, "=2E\r\n=2E.x\r\n=46rom me\r\nFromage\r\n");
	qp_round_trip(&b, "no newline at the end");
	assert_string_equal(b.s, "no newline at the end=\r\n");
	qp_round_trip(&b, "\n\nctl\x01\x7f\rx\n");
	assert_string_equal(b.s, "\r\n\r\nctl=01=7F=0Dx\r\n");
	b.len = 0;
	mime_qp(&b, "crlf\r\nin\r\n", 10);
	assert_string_equal(b.s, "crlf\r\nin\r\n");

	for (i = 0; i < 200; i++)
		line[i] = (char)('a' + i % 26);
	line[200] = '\0';
	qp_round_trip(&b, line);
	assert_non_null(strstr(b.s, "=\r\n"));

	/* Long lines of mixed text, =XX runs and dots at every possible break. */
	for (i = 0; i < sizeof(text) - 1; i++) {
		static const char pick[] = "ab .=\t\xc3\xa9\xff\n";

		text[i] = pick[rand8() % (sizeof(pick) - 1)];
		if (text[i] == '\n' && rand8() % 4 != 0)
			text[i] = '.';
	}
	text[sizeof(text) - 1] = '\0';
	qp_round_trip(&b, text);
	for (i = 0; i + 2 < b.len; i++)
		if (b.s[i] == '\n')
			assert_true(b.s[i + 1] != '.');
	buf_free(&b);
}

static void
test_needs_encoding(void **state)
{
	char line[80];

	(void)state;
	assert_false(mime_needs_encoding("plain\r\ntext\tok\n", 15));
	assert_true(mime_needs_encoding("caf\xc3\xa9", 5));
	assert_true(mime_needs_encoding("bell\a", 5));
	memset(line, 'x', sizeof(line));
	assert_false(mime_needs_encoding(line, 78));
	assert_true(mime_needs_encoding(line, 79));
}

/* Removes CRLF before white space (RFC 5322 2.2.3). */
static void
unfold(char *s)
{
	char *r, *w;

	for (r = w = s; *r != '\0'; r++) {
		if (r[0] == '\r' && r[1] == '\n' && (r[2] == ' ' || r[2] == '\t'))
			r++;
		else
			*w++ = *r;
	}
	*w = '\0';
}

static void
test_header_fold(void **state)
{
	struct buf b = { 0 }, want = { 0 };
	char *line, *next;
	int i;

	(void)state;
	assert_int_equal(mime_header(&b, "Subject", "short"), 0);
	assert_string_equal(b.s, "Subject: short\r\n");

	for (i = 0; i < 12; i++)
		buf_printf(&want, "%sUser Number %d <user%d@example.org>", i ? ", " : "", i, i);
	b.len = 0;
	assert_int_equal(mime_header(&b, "To", want.s), 0);
	check_lines(b.s, b.len, 78);
	for (line = b.s; *line != '\0'; line = next) {
		next = strstr(line, "\r\n") + 2;
		if (line != b.s)
			assert_int_equal(line[0], ' ');
		if (*next != '\0')
			assert_int_equal(next[-3], ',');
	}
	assert_true(b.len > 3 * 80);
	unfold(b.s);
	assert_memory_equal(b.s, "To: ", 4);
	assert_memory_equal(b.s + 4, want.s, want.len);
	assert_string_equal(b.s + 4 + want.len, "\r\n");

	/* A word too long for any line stays whole. */
	want.len = 0;
	buf_puts(&want, "see ");
	for (i = 0; i < 100; i++)
		buf_add(&want, "x", 1);
	buf_puts(&want, " end");
	b.len = 0;
	assert_int_equal(mime_header(&b, "Subject", want.s), 0);
	assert_memory_equal(b.s, "Subject: see\r\n x", 16);
	assert_string_equal(b.s + 115, "\r\n end\r\n");
	unfold(b.s);
	assert_string_equal(b.s + strlen("Subject: "), strcat(want.s, "\r\n"));

	b.len = 0;
	assert_int_equal(mime_header(&b, "Subject", "evil\r\nBcc: x@example.org"), -1);
	assert_int_equal(mime_header(&b, "Subject", "evil\nBcc: x@example.org"), -1);
	assert_int_equal(mime_header(&b, "Subject", "evil\r"), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	buf_free(&want);
}

static int
utf8_continuation(uint8_t c)
{
	return (c & 0xc0) == 0x80;
}

static void
test_header_encoded(void **state)
{
	struct buf b = { 0 }, want = { 0 };
	uint8_t dec[4096];
	char *line, *next, *word, *q;
	size_t n = 0, k;
	int i;

	(void)state;
	for (i = 0; i < 20; i++)
		buf_puts(&want, "Caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 ");
	assert_int_equal(mime_header(&b, "Subject", want.s), 0);
	check_lines(b.s, b.len, 78);
	assert_memory_equal(b.s, "Subject: =?UTF-8?B?", 19);
	for (line = b.s; *line != '\0'; line = next) {
		next = strstr(line, "\r\n") + 2;
		word = strstr(line, " =?UTF-8?B?") + 1;
		assert_true(word == line + 1 || (line == b.s && word == line + 9));
		q = strstr(word, "?=\r\n");
		assert_ptr_equal(q + 4, next);
		assert_in_range(q + 2 - word, 1, 75);
		k = b64_decode(word + 10, (size_t)(q - word - 10), dec + n);
		/* Each word holds whole characters. */
		assert_false(utf8_continuation(dec[n]));
		n += k;
		assert_true(n == want.len || !utf8_continuation((uint8_t)want.s[n]));
	}
	assert_int_equal(n, want.len);
	assert_memory_equal(dec, want.s, n);

	b.len = 0;
	assert_int_equal(mime_header(&b, "Subject", "\xc3\xa9"), 0);
	assert_string_equal(b.s, "Subject: =?UTF-8?B?w6k=?=\r\n");
	buf_free(&b);
	buf_free(&want);
}

static void
test_date(void **state)
{
	char out[MIME_DATE_LEN];

	(void)state;
	mime_date(0, out, sizeof(out));
	assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 +0000");
	mime_date(1795314338, out, sizeof(out));
	assert_string_equal(out, "Sun, 22 Nov 2026 02:25:38 +0000");
	mime_date(951782400, out, sizeof(out));
	assert_string_equal(out, "Tue, 29 Feb 2000 00:00:00 +0000");
	mime_date(-1, out, sizeof(out));
	assert_string_equal(out, "Wed, 31 Dec 1969 23:59:59 +0000");
	mime_date(INT64_MIN, out, sizeof(out));
	mime_date(INT64_MAX, out, sizeof(out));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_needs_encoding),
		cmocka_unit_test(test_header_fold),
		cmocka_unit_test(test_header_encoded),
		cmocka_unit_test(test_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
