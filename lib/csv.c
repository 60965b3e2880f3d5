/* The one CSV writer (RFC 4180), with the formula guard (csv.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "escape.h"

/* A cell beyond this many bytes (escaped) is cut: texts are bounded well below (profile.h). */
#define CELL_MAX	(ESCAPE_ROOM(4096))

static void
separate(struct csv *c)
{
	if (c->cells++ > 0)
		buf_add(&c->b, ",", 1);
}

void
csv_cell(struct csv *c, const char *s)
{
	char esc[CELL_MAX];
	const char *q, *p;
	size_t n;
	int formula;

	separate(c);
	if (s == NULL || *s == '\0')
		return;
	escape_text(esc, sizeof(esc), s, strlen(s));
	n = strlen(esc);
	/* TAB and CR are escaped already; kept in the guard should escaping ever change. */
	formula = strchr("=+-@\t\r", esc[0]) != NULL;
	if (!formula && strpbrk(esc, ",\"\r\n") == NULL && esc[0] != ' ' && esc[n - 1] != ' ') {
		buf_add(&c->b, esc, n);
		return;
	}
	buf_add(&c->b, "\"'", formula ? 2 : 1);
	for (p = esc; (q = strchr(p, '"')) != NULL; p = q + 1) {
		buf_add(&c->b, p, (size_t)(q - p) + 1);
		buf_add(&c->b, "\"", 1);
	}
	buf_puts(&c->b, p);
	buf_add(&c->b, "\"", 1);
}

void
csv_cellf(struct csv *c, const char *fmt, ...)
{
	char v[128];
	va_list ap;

	separate(c);
	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	buf_puts(&c->b, v);
}

void
csv_header(struct csv *c, const char *names)
{
	buf_puts(&c->b, names);
	csv_row_end(c);
}

void
csv_row_end(struct csv *c)
{
	buf_puts(&c->b, c->eol != NULL ? c->eol : "\n");
	c->cells = 0;
}

int
csv_flush(struct csv *c, FILE *f)
{
	int rc = 0;

	if (c->b.len > 0 && fwrite(c->b.s, 1, c->b.len, f) != c->b.len)
		rc = -1;
	c->b.len = 0;
	return rc;
}

void
csv_free(struct csv *c)
{
	buf_free(&c->b);
}
