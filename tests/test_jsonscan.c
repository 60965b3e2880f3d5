/* jsonscan: decodes what JSON allows, rejects what it does not, and agrees with jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jsonscan.h"

static char buf[65536];

static int
valid(const char *text, size_t len)
{
	struct jscan js;

	jscan_init(&js, text, len, buf, sizeof(buf));
	return jscan_skip(&js) == 0 && jscan_end(&js) == 0;
}

static void
test_strings(void **state)
{
	struct jscan js;
	const char *s;
	size_t len;
	static const char text[] = "\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00 \xc3\xa9\"";

	(void)state;
	jscan_init(&js, text, sizeof(text) - 1, buf, sizeof(buf));
	assert_int_equal(jscan_string(&js, &s, &len), 0);
	assert_string_equal(s, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80 \xc3\xa9");
	assert_int_equal(len, strlen(s));
	assert_int_equal(jscan_end(&js), 0);
}

static void
test_objects_and_numbers(void **state)
{
	struct jscan js;
	const char *key, *s;
	size_t len;
	int64_t v;
	int integer;
	static const char text[] = " { \"n\" : -12 , \"x\":1.5e3,\"s\":\"v\", \"o\":{\"a\":[1,{}]} } ";

	(void)state;
	jscan_init(&js, text, sizeof(text) - 1, buf, sizeof(buf));
	assert_int_equal(jscan_object_begin(&js), 0);
	assert_int_equal(jscan_object_next(&js, &key, &len), 1);
	assert_int_equal(len, 1);
	assert_memory_equal(key, "n", 1);
	assert_int_equal(jscan_number(&js, &integer, &v), 0);
	assert_true(integer);
	assert_int_equal(v, -12);
	assert_int_equal(jscan_object_next(&js, &key, &len), 1);
	assert_int_equal(jscan_number(&js, &integer, &v), 0);
	assert_false(integer);
	assert_int_equal(jscan_object_next(&js, &key, &len), 1);
	assert_int_equal(jscan_string(&js, &s, &len), 0);
	assert_string_equal(s, "v");
	assert_int_equal(jscan_object_next(&js, &key, &len), 1);
	assert_int_equal(jscan_peek(&js), JS_OBJECT);
	assert_int_equal(jscan_skip(&js), 0);
	assert_int_equal(jscan_object_next(&js, &key, &len), 0);
	assert_int_equal(jscan_end(&js), 0);
}

/* Long plain runs, read eight bytes at a time, end exactly where they should. */
static void
test_runs(void **state)
{
	char text[96], want[96];
	const char *key, *s;
	struct jscan js;
	size_t n, len, klen, cut;
	static const char stops[] = { '\\', '\x01', '\x7f', '\xc3' };
	size_t k;

	(void)state;
	for (n = 0; n < 40; n++) {
		/* A name of n plain bytes: found where it is, with its length. */
		memset(want, 'k', n);
		len = (size_t)snprintf(text, sizeof(text), "{\"%.*s\":\"%.*s\"}", (int)n, want,
		    (int)n, want);
		jscan_init(&js, text, len, buf, sizeof(buf));
		assert_int_equal(jscan_object_begin(&js), 0);
		assert_int_equal(jscan_object_next(&js, &key, &klen), 1);
		assert_int_equal(klen, n);
		assert_memory_equal(key, want, n);
		assert_int_equal(jscan_string(&js, &s, &len), 0);
		assert_int_equal(len, n);
		assert_memory_equal(s, want, n);
		assert_int_equal(jscan_object_next(&js, &key, &klen), 0);
		/* A byte that ends the run at every place in the first 16. */
		for (cut = 0; cut < 16 && cut + 1 < n; cut++)
			for (k = 0; k < sizeof(stops); k++) {
				/* "\a" (invalid escape), a control, DEL, C3 'a' (invalid UTF-8) */
				memset(text, 'a', n + 2);
				text[0] = '"';
				text[1 + cut] = stops[k];
				text[1 + n] = '"';
				jscan_init(&js, text, n + 2, buf, sizeof(buf));
				if (stops[k] == '\x7f') {
					/* DEL may stand in a string as it is. */
					assert_int_equal(jscan_string(&js, &s, &len), 0);
					assert_int_equal(len, n);
					continue;
				}
				assert_int_equal(jscan_string(&js, &s, &len), -1);
				if ((size_t)(js.p - text) != 1 + cut)
					fail_msg("n %zu cut %zu stop %zu: %s", n, cut, k, js.err);
			}
	}
}

static void
test_rejects(void **state)
{
	static const char *const bad[] = {
		"{", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "[1 2]", "01", "1.", "-",
		"1e", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00x\"",
		"\"a\nb\"", "\"a\x01b\"", "\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "tru", "nul",
		"{} x", "\"abc", "9223372036854775808", "{\"a\":1}}", "",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (valid(bad[i], strlen(bad[i])))
			fail_msg("accepted invalid JSON: %s", bad[i]);
	assert_true(valid("-9223372036854775808", 20));
	{
		static const char ok[] = "[[],{},\"\",0,-0,1e-5,true,false,null]";

		assert_true(valid(ok, strlen(ok)));
	}
}

/* \u0000 is valid JSON: it decodes to a NUL byte inside the string, keys included. */
static void
test_nul(void **state)
{
	static const char text[] = "{\"b\\u0000x\":\"a\\u0000b\\u0000\"}";
	struct jscan js;
	const char *key, *s;
	size_t klen, len;

	(void)state;
	jscan_init(&js, text, sizeof(text) - 1, buf, sizeof(buf));
	assert_int_equal(jscan_object_begin(&js), 0);
	assert_int_equal(jscan_object_next(&js, &key, &klen), 1);
	assert_int_equal(klen, 3);
	assert_memory_equal(key, "b\0x", 3);
	assert_int_equal(jscan_string(&js, &s, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(s, "a\0b\0", 5);
	assert_int_equal(jscan_object_next(&js, &key, &klen), 0);
	assert_int_equal(jscan_end(&js), 0);
	assert_true(valid("\"\\u0000\"", 8));
}

/*
 * Mutations of valid texts: jsonscan accepts exactly what jansson accepts with NUL allowed
 * in strings (jansson alone refuses it in member names).
 */
static void
test_agrees_with_jansson(void **state)
{
	static const char *const seeds[] = {
		"{\"id\":\"12\",\"bio\":\"caf\\u00e9 \xc3\xa9\",\"n\":[1,2.5,-3e2],\"b\":true}",
		"{\"a\":{\"b\":[null,false,{\"c\":\"\\ud83d\\ude00\"}]},\"d\":-0.0}",
	};
	/* No NUL: jansson takes it for the end of input, jsonscan rejects it. */
	static const char alphabet[] = "{}[]\":,\\u0123456789abcdefe.-+ \xc3\xa9\xfftnl";
	uint64_t x = 88172645463325252ULL;
	char text[256];
	size_t i, n, k, pos;
	json_error_t err;
	json_t *j;
	int mism = 0, ours, theirs;

	(void)state;
	for (i = 0; i < 200000; i++) {
		const char *seed = seeds[i % 2];

		n = strlen(seed);
		memcpy(text, seed, n);
		for (k = 0; k < 1 + i % 3; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			pos = (size_t)(x % n);
			switch ((x >> 20) % 3) {
			case 0:	/* replace */
				text[pos] = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
				break;
			case 1:	/* delete */
				memmove(text + pos, text + pos + 1, n - pos - 1);
				n--;
				break;
			default:	/* insert */
				if (n + 1 < sizeof(text)) {
					memmove(text + pos + 1, text + pos, n - pos);
					text[pos] = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
					n++;
				}
			}
		}
		ours = valid(text, n);
		j = json_loadb(text, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		theirs = j != NULL || json_error_code(&err) == json_error_null_byte_in_key;
		json_decref(j);
		if (ours != theirs && mism++ < 5)
			print_message("disagree (ours %d): %.*s\n", ours, (int)n, text);
	}
	assert_int_equal(mism, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_objects_and_numbers),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_agrees_with_jansson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
