/*
 * Fuzzes the strict tree-less JSON reader (lib/jsonscan.c) on its own: every value is walked
 * as the type jscan_peek announces, then the same text is validated with jscan_skip; both
 * walks must agree on whether the text is JSON, and decoded strings must fit the buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jsonscan.h"
#include "xmalloc.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int
walk(struct jscan *js)
{
	const char *s, *key;
	size_t len, klen;
	int64_t v;
	int integer, r;

	switch (jscan_peek(js)) {
	case JS_ERROR:
		return -1;
	case JS_STRING:
		if (jscan_string(js, &s, &len) == -1)
			return -1;
		if (s[len] != '\0')
			fuzz_fail("a decoded string is not NUL-terminated");
		return 0;
	case JS_NUMBER:
		return jscan_number(js, &integer, &v);
	case JS_TRUE:
	case JS_FALSE:
	case JS_NULL:
		return jscan_literal(js);
	case JS_OBJECT:
		if (jscan_object_begin(js) == -1)
			return -1;
		while ((r = jscan_object_next(js, &key, &klen)) == 1)
			if (walk(js) == -1)
				return -1;
		return r;
	case JS_ARRAY:
		/* Arrays have no walker of their own: the readers skip them. */
		return jscan_skip(js);
	}
	return -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jscan js;
	size_t cap = 2 * size + 2;
	char *buf = xmalloc(cap);
	int walked, skipped;

	jscan_init(&js, (const char *)data, size, buf, cap);
	walked = walk(&js) == 0 && jscan_end(&js) == 0;
	jscan_init(&js, (const char *)data, size, buf, cap);
	skipped = jscan_skip(&js) == 0 && jscan_end(&js) == 0;
	if (walked != skipped)
		fuzz_fail("walking says %s JSON, skipping says %s", walked ? "" : "not",
		    skipped ? "" : "not");
	free(buf);
	return 0;
}
