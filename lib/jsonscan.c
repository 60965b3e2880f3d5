/* A strict JSON reader that builds no tree. See jsonscan.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "jsonscan.h"
#include "log.h"
#include "utf8.h"

void
jscan_init(struct jscan *js, const char *text, size_t len, char *buf, size_t cap)
{
	js->start = js->p = text;
	js->end = text + len;
	js->buf = buf;
	js->used = 0;
	js->cap = cap;
	js->depth = 0;
	js->err[0] = '\0';
}

static int jscan_fail(struct jscan *, const char *, ...) FG_PRINTF(2, 3);

static int
jscan_fail(struct jscan *js, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(js->err, sizeof(js->err), "column %zu: ", (size_t)(js->p - js->start) + 1);
	va_start(ap, fmt);
	vsnprintf(js->err + n, sizeof(js->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void
ws(struct jscan *js)
{
	while (js->p < js->end && (*js->p == ' ' || *js->p == '\t' || *js->p == '\n' ||
	    *js->p == '\r'))
		js->p++;
}

enum jscan_type
jscan_peek(struct jscan *js)
{
	ws(js);
	if (js->p == js->end) {
		jscan_fail(js, "unexpected end of input");
		return JS_ERROR;
	}
	switch (*js->p) {
	case '"':
		return JS_STRING;
	case '{':
		return JS_OBJECT;
	case '[':
		return JS_ARRAY;
	case 't':
		return JS_TRUE;
	case 'f':
		return JS_FALSE;
	case 'n':
		return JS_NULL;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return JS_NUMBER;
	}
	jscan_fail(js, "'%c' cannot start a value", *js->p >= ' ' && *js->p < 127 ? *js->p : '?');
	return JS_ERROR;
}

int
jscan_object_begin(struct jscan *js)
{
	ws(js);
	if (js->p == js->end || *js->p != '{')
		return jscan_fail(js, "expected an object");
	if (js->depth == JSCAN_DEPTH)
		return jscan_fail(js, "nested too deeply");
	js->p++;
	js->first[js->depth++] = 1;
	return 0;
}

/*
 * The end of the run of bytes at p that a string holds as they are: up to the first '"',
 * '\\', control or non-ASCII byte. Eight bytes are checked at a time: most text is plain.
 */
static const unsigned char *
plain_run(const unsigned char *p, const unsigned char *end)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
	uint64_t w, q, b, m;

	while (end - p >= 8) {
		memcpy(&w, p, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		/*
		 * A zero byte in q or b, a byte below 0x20 or one from 0x80 up sets its top bit.
		 * Borrows can set a later byte's too, never an earlier one's: the lowest bit set
		 * is the first byte that ends the run (bytes load little-endian).
		 */
		m = (((q - ones) & ~q) | ((b - ones) & ~b) | (w - ones * 0x20) | w) & high;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (m != 0)
			return p + (__builtin_ctzll(m) >> 3);
#else
		if (m != 0)
			break;	/* borrows run the other way: the byte loop finds it */
#endif
		p += 8;
	}
	while (p < end && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80)
		p++;
	return p;
}

int
jscan_object_next(struct jscan *js, const char **key, size_t *len)
{
	const unsigned char *k, *q;

	ws(js);
	if (js->p < js->end && *js->p == '}' && js->first[js->depth - 1]) {
		js->p++;
		js->depth--;
		return 0;
	}
	if (!js->first[js->depth - 1]) {
		if (js->p < js->end && *js->p == '}') {
			js->p++;
			js->depth--;
			return 0;
		}
		if (js->p == js->end || *js->p != ',')
			return jscan_fail(js, "expected ',' or '}' after an object member");
		js->p++;
		ws(js);
	}
	if (js->p == js->end || *js->p != '"')
		return jscan_fail(js, "expected a member name string");
	/* A name without escapes is used where it is: no copy. */
	k = (const unsigned char *)js->p + 1;
	q = plain_run(k, (const unsigned char *)js->end);
	if (q < (const unsigned char *)js->end && *q == '"') {
		*key = (const char *)k;
		*len = (size_t)(q - k);
		js->p = (const char *)q + 1;
	} else if (jscan_string(js, key, len) == -1)
		return -1;
	ws(js);
	if (js->p == js->end || *js->p != ':')
		return jscan_fail(js, "expected ':' after a member name");
	js->p++;
	js->first[js->depth - 1] = 0;
	return 1;
}

static int
hex4(const char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static char *
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80)
		*o++ = (char)cp;
	else if (cp < 0x800) {
		*o++ = (char)(0xc0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

int
jscan_string(struct jscan *js, const char **s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)js->p + 1;
	const unsigned char *end = (const unsigned char *)js->end, *q;
	char *out = js->buf + js->used, *o = out;
	unsigned cp, lo;
	uint32_t ucp;
	size_t n;

	ws(js);
	p = (const unsigned char *)js->p + 1;
	if (js->p == js->end || *js->p != '"')
		return jscan_fail(js, "expected a string");
	if (js->cap - js->used < (size_t)(end - p) + 1)
		return jscan_fail(js, "string buffer too small");
	for (;;) {
		/* Copy the plain run in one go. */
		q = plain_run(p, end);
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		p = q;
		js->p = (const char *)p;
		if (p == end)
			return jscan_fail(js, "unterminated string");
		if (*p == '"')
			break;
		if (*p < 0x20)
			return jscan_fail(js, "control character in a string");
		if (*p >= 0x80) {
			if ((n = utf8_decode(p, (size_t)(end - p), &ucp)) == 0)
				return jscan_fail(js, "invalid UTF-8 in a string");
			memcpy(o, p, n);
			o += n;
			p += n;
			continue;
		}
		/* A backslash escape. */
		if (end - p < 2)
			return jscan_fail(js, "unterminated escape");
		switch (p[1]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (end - p < 6 || hex4((const char *)p + 2, &cp) == -1)
				return jscan_fail(js, "invalid \\u escape");
			p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return jscan_fail(js, "lone low surrogate in \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (end - p < 8 || p[2] != '\\' || p[3] != 'u' ||
				    hex4((const char *)p + 4, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
					return jscan_fail(js, "unpaired surrogate in \\u escape");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			o = put_utf8(o, cp);
			break;
		default:
			return jscan_fail(js, "invalid escape '\\%c'",
			    p[1] >= ' ' && p[1] < 127 ? p[1] : '?');
		}
		p += 2;
	}
	*o = '\0';
	js->p = (const char *)p + 1;
	*s = out;
	*len = (size_t)(o - out);
	js->used += *len + 1;
	return 0;
}

static int
digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

int
jscan_number(struct jscan *js, int *integer, int64_t *v)
{
	const char *p, *end = js->end;
	int neg = 0, overflow = 0;
	uint64_t u = 0, lim;

	ws(js);
	p = js->p;
	*integer = 1;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (!digit(p, end))
		return jscan_fail(js, "invalid number");
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (*p == '0')
		p++;
	else
		for (; digit(p, end); p++) {
			unsigned d = (unsigned)(*p - '0');

			if (u > (lim - d) / 10)
				overflow = 1;
			else
				u = u * 10 + d;
		}
	if (p < end && *p == '.') {
		*integer = 0;
		if (!digit(++p, end))
			return jscan_fail(js, "invalid number: digits must follow '.'");
		while (digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		*integer = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!digit(p, end))
			return jscan_fail(js, "invalid number: bad exponent");
		while (digit(p, end))
			p++;
	}
	if (*integer && overflow)
		return jscan_fail(js, "integer too big");
	if (!*integer) {
		/* As jansson does: a real that does not fit a double is an error. */
		char tmp[512];
		double d;

		if ((size_t)(p - js->p) >= sizeof(tmp))
			return jscan_fail(js, "number too long");
		memcpy(tmp, js->p, (size_t)(p - js->p));
		tmp[p - js->p] = '\0';
		errno = 0;
		d = strtod(tmp, NULL);
		if (errno == ERANGE && d != 0)
			return jscan_fail(js, "real number overflow");
	}
	js->p = p;
	if (*integer)
		*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

int
jscan_literal(struct jscan *js)
{
	static const char *const lits[] = { "true", "false", "null" };
	size_t i, n;

	ws(js);
	for (i = 0; i < 3; i++) {
		n = strlen(lits[i]);
		if ((size_t)(js->end - js->p) >= n && memcmp(js->p, lits[i], n) == 0) {
			js->p += n;
			return 0;
		}
	}
	return jscan_fail(js, "invalid literal");
}

int
jscan_skip(struct jscan *js)
{
	const char *key, *s;
	size_t len;
	int64_t v;
	int r, integer;

	switch (jscan_peek(js)) {
	case JS_ERROR:
		return -1;
	case JS_STRING:
		return jscan_string(js, &s, &len);
	case JS_NUMBER:
		return jscan_number(js, &integer, &v);
	case JS_TRUE:
	case JS_FALSE:
	case JS_NULL:
		return jscan_literal(js);
	case JS_OBJECT:
		if (jscan_object_begin(js) == -1)
			return -1;
		while ((r = jscan_object_next(js, &key, &len)) == 1)
			if (jscan_skip(js) == -1)
				return -1;
		return r;
	case JS_ARRAY:
		if (js->depth == JSCAN_DEPTH)
			return jscan_fail(js, "nested too deeply");
		js->depth++;
		js->p++;
		ws(js);
		if (js->p < js->end && *js->p == ']') {
			js->p++;
			js->depth--;
			return 0;
		}
		for (;;) {
			if (jscan_skip(js) == -1)
				return -1;
			ws(js);
			if (js->p < js->end && *js->p == ']')
				break;
			if (js->p == js->end || *js->p != ',')
				return jscan_fail(js, "expected ',' or ']' in an array");
			js->p++;
		}
		js->p++;
		js->depth--;
		return 0;
	}
	return -1;
}

int
jscan_end(struct jscan *js)
{
	ws(js);
	if (js->p != js->end)
		return jscan_fail(js, "unexpected text after the JSON value");
	return 0;
}

const char *
jscan_type_name(enum jscan_type t)
{
	switch (t) {
	case JS_STRING:
		return "a string";
	case JS_NUMBER:
		return "a number";
	case JS_TRUE:
	case JS_FALSE:
		return "a boolean";
	case JS_NULL:
		return "null";
	case JS_OBJECT:
		return "an object";
	case JS_ARRAY:
		return "an array";
	default:
		return "nothing";
	}
}
