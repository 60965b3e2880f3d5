/* Building blocks for RFC 5322 / MIME e-mail. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mime.h"
#include "timeutil.h"
#include "xmalloc.h"

#define MIME_LINE	76	/* RFC 2045 encoded line, without CRLF */
#define HDR_LINE	78	/* RFC 5322 recommended line, without CRLF */
#define WSP(c)		((c) == ' ' || (c) == '\t')

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Room for n more bytes and the NUL. */
static void
buf_reserve(struct buf *b, size_t n)
{
	size_t need, cap;

	if (n >= SIZE_MAX - b->len)
		fatalx("buf: %zu + %zu bytes overflows", b->len, n);
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap > 0 ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->s = xreallocarray(b->s, cap, 1);
	b->cap = cap;
}

void
buf_add(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	if (n > 0)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("buf_printf: %s", fmt);
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* Base64 of n bytes without line breaks into out (4 per started 3 bytes); returns its length. */
static size_t
b64_encode(const uint8_t *p, size_t n, char *out)
{
	size_t o = 0, k;
	uint32_t v;

	for (; n > 0; p += k, n -= k) {
		k = n < 3 ? n : 3;
		v = (uint32_t)p[0] << 16 | (k > 1 ? (uint32_t)p[1] << 8 : 0) | (k > 2 ? p[2] : 0);
		out[o++] = b64[v >> 18];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = k > 1 ? b64[v >> 6 & 63] : '=';
		out[o++] = k > 2 ? b64[v & 63] : '=';
	}
	return o;
}

void
mime_base64(struct buf *b, const void *data, size_t n)
{
	const uint8_t *p = data;
	char line[MIME_LINE + 2];
	size_t k, o;

	for (; n > 0; p += k, n -= k) {
		k = n < MIME_LINE / 4 * 3 ? n : MIME_LINE / 4 * 3;
		o = b64_encode(p, k, line);
		line[o++] = '\r';
		line[o++] = '\n';
		buf_add(b, line, o);
	}
}

void
mime_qp(struct buf *b, const char *text, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)text, *end = p + n, *eol, *next;
	char line[MIME_LINE + 3];
	size_t col, k, limit;
	int enc, newline;

	while (p < end) {
		if ((next = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			eol = next > p && next[-1] == '\r' ? next - 1 : next;
			next++;
			newline = 1;
		} else {
			eol = next = end;
			newline = 0;
		}
		col = 0;
		while (p < eol) {
			/* "=", controls, 8-bit, white space before a line end, SMTP dot, mbox From. */
			enc = *p == '=' || *p >= 0x7f || (*p < 0x20 && *p != '\t') ||
			    (p + 1 == eol && WSP(*p)) ||
			    (col == 0 && (*p == '.' || ((size_t)(eol - p) >= 5 &&
			    memcmp(p, "From ", 5) == 0)));
			k = enc ? 3 : 1;
			/* Leave room for a soft break unless a hard one follows. */
			limit = p + 1 == eol && newline ? MIME_LINE : MIME_LINE - 1;
			if (col + k > limit) {
				memcpy(line + col, "=\r\n", 3);
				buf_add(b, line, col + 3);
				col = 0;
				continue;
			}
			if (enc) {
				line[col++] = '=';
				line[col++] = hex[*p >> 4];
				line[col++] = hex[*p & 0xf];
			} else
				line[col++] = (char)*p;
			p++;
		}
		memcpy(line + col, newline ? "\r\n" : "=\r\n", newline ? 2 : 3);
		buf_add(b, line, col + (newline ? 2 : 3));
		p = next;
	}
}

int
mime_needs_encoding(const char *text, size_t n)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i, col = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n')
			col = 0;
		else if (p[i] >= 0x7f || (p[i] < 0x20 && p[i] != '\t' && p[i] != '\r'))
			return 1;
		else if (p[i] != '\r' && ++col > HDR_LINE)
			return 1;
	}
	return 0;
}

/* The end of the UTF-8 character at p; a stray or truncated byte counts alone. */
static const char *
utf8_next(const char *p, const char *end)
{
	unsigned char c = (unsigned char)*p;
	size_t k = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	return (size_t)(end - p) < k ? p + 1 : p + k;
}

/* The value as encoded-words, one per line; col is the length of "Name:". */
static void
header_encoded(struct buf *b, size_t col, const char *p, const char *end)
{
	char word[MIME_LINE + 4];
	const char *q, *r;
	size_t max, o;

	while (p < end) {
		/* " =?UTF-8?B?" base64 "?=" on this line, base64 in whole quanta. */
		max = col + 1 + 12 + 4 <= HDR_LINE ? (HDR_LINE - col - 1 - 12) / 4 * 3 : 0;
		if (max > 45)
			max = 45;	/* 60 characters of base64: words of 72 */
		for (q = p; q < end && (size_t)((r = utf8_next(q, end)) - p) <= max; q = r)
			;
		if (q == p)
			q = utf8_next(p, end);
		memcpy(word, " =?UTF-8?B?", 11);
		o = 11 + b64_encode((const uint8_t *)p, (size_t)(q - p), word + 11);
		memcpy(word + o, "?=\r\n", 4);
		buf_add(b, word, o + 4);
		p = q;
		col = 0;
	}
}

/*
 * The value folded before white space that follows a non-space (in address lists, a
 * comma), the last such point that keeps the line within HDR_LINE, else the first.
 * No break leaves a line of only white space. col is the length of "Name: ".
 */
static void
header_fold(struct buf *b, size_t col, const char *p, const char *end, int addr)
{
	const char *last = end, *q, *brk;
	int fits;

	while (last > p && WSP(last[-1]))
		last--;
	while (col + (size_t)(end - p) > HDR_LINE) {
		brk = NULL;
		for (q = p + 1; q < last; q++) {
			if (!WSP(*q) || WSP(q[-1]) || (addr && q[-1] != ','))
				continue;
			fits = col + (size_t)(q - p) <= HDR_LINE;
			if (fits || brk == NULL)
				brk = q;
			if (!fits)
				break;
		}
		if (brk == NULL)
			break;
		buf_add(b, p, (size_t)(brk - p));
		buf_add(b, "\r\n", 2);
		p = brk;
		col = 0;
	}
	buf_add(b, p, (size_t)(end - p));
	buf_add(b, "\r\n", 2);
}

int
mime_header(struct buf *b, const char *name, const char *value)
{
	static const char *const addrs[] = { "From", "To", "Cc", "Bcc", "Reply-To" };
	const char *end = value + strlen(value), *p;
	size_t i, col = strlen(name) + 1;
	int addr = 0;

	if (strpbrk(name, "\r\n") != NULL || strpbrk(value, "\r\n") != NULL)
		return -1;
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		if (strcasecmp(name, addrs[i]) == 0)
			addr = 1;
	buf_puts(b, name);
	buf_add(b, ":", 1);
	for (p = value; p < end && (unsigned char)*p < 0x80; p++)
		;
	if (p < end)
		header_encoded(b, col, value, end);
	else {
		buf_add(b, " ", 1);
		header_fold(b, col + 1, value, end, addr);
	}
	return 0;
}

void
mime_date(int64_t t, char *out, size_t len)
{
	static const char wdays[7][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t days = t / 86400, secs = t % 86400, y;
	unsigned m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	time_civil_from_days(days, &y, &m, &d);
	snprintf(out, len, "%s, %02u %s %04lld %02d:%02d:%02d +0000",
	    wdays[(days % 7 + 7) % 7], d, months[m - 1], (long long)y,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}
