/* Reading JSONL input a line at a time with a bound on line length and constant memory. */
#include <stdlib.h>
#include <string.h>

#include "linereader.h"
#include "xmalloc.h"

#define READ_SIZE	65536

void
linereader_init(struct fg_linereader *lr, FILE *f, size_t max)
{
	memset(lr, 0, sizeof(*lr));
	lr->f = f;
	lr->max = max;
	lr->in = xmalloc(READ_SIZE);
	lr->cap = 4096;
	lr->line = xmalloc(lr->cap);
}

void
linereader_free(struct fg_linereader *lr)
{
	free(lr->in);
	free(lr->line);
	lr->in = lr->line = NULL;
}

/* Appends n bytes to the line unless it is already too long. Returns 0, or -1 if too long. */
static int
append(struct fg_linereader *lr, const char *p, size_t n)
{
	if (lr->len + n > lr->max)
		return -1;
	if (lr->len + n + 1 > lr->cap) {
		while (lr->len + n + 1 > lr->cap)
			lr->cap *= 2;
		lr->line = xreallocarray(lr->line, lr->cap, 1);
	}
	memcpy(lr->line + lr->len, p, n);
	lr->len += n;
	return 0;
}

long
linereader_next(struct fg_linereader *lr, const char **line)
{
	const char *nl;
	size_t n;
	int toolong = 0, any = 0;

	lr->len = 0;
	for (;;) {
		if (lr->pos == lr->end) {
			lr->pos = 0;
			lr->end = fread(lr->in, 1, READ_SIZE, lr->f);
			if (lr->end == 0) {
				if (!any)
					return -1;
				break;
			}
		}
		any = 1;
		nl = memchr(lr->in + lr->pos, '\n', lr->end - lr->pos);
		n = (nl != NULL ? (size_t)(nl - lr->in) : lr->end) - lr->pos;
		if (!toolong && append(lr, lr->in + lr->pos, n) == -1)
			toolong = 1;
		lr->pos += n;
		if (nl != NULL) {
			lr->pos++;
			break;
		}
	}
	lr->lineno++;
	if (toolong)
		return -2;
	if (lr->len > 0 && lr->line[lr->len - 1] == '\r')
		lr->len--;
	lr->line[lr->len] = '\0';
	*line = lr->line;
	return (long)lr->len;
}
