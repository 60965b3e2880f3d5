/* Reading JSONL files of normalized profiles. See jsonl.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonl.h"
#include "jsonscan.h"
#include "log.h"
#include "xmalloc.h"

#define LINE_MAX_BYTES	(1024 * 1024)	/* longer lines are reported, not parsed */
#define READ_CHUNK	(64 * 1024)

enum { LINE_OK, LINE_EOF, LINE_TOOLONG };

void
jsonl_open(struct jsonl *r, FILE *f, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->fd = fileno(f);
	r->name = path == NULL || strcmp(path, "-") == 0 ? "<stdin>" : path;
	r->cap = LINE_MAX_BYTES + 1 + READ_CHUNK;
	r->buf = xmalloc(r->cap);
	r->strscap = 2 * LINE_MAX_BYTES + 2;
	r->strs = xmalloc(r->strscap);
}

void
jsonl_close(struct jsonl *r)
{
	free(r->buf);
	r->buf = NULL;
	free(r->strs);
	r->strs = NULL;
	arena_free(&r->text);
}

/* Fills more of the buffer; 0 at end of input. */
static ssize_t
fill(struct jsonl *r)
{
	ssize_t got;

	/* Whoever feeds a pipe line by line gets the answers before we wait for more. */
	fflush(stdout);
	do
		got = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (got == -1 && errno == EINTR);
	if (got == -1) {
		log_warn("%s: read", r->name);
		r->nbad++;
		got = 0;
	}
	if (got == 0)
		r->eof = 1;
	r->end += (size_t)got;
	return got;
}

static int
next_line(struct jsonl *r, char **line, size_t *len)
{
	char *nl;

	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl != NULL) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->start = (size_t)(nl - r->buf) + 1;
			r->lineno++;
			return *len > LINE_MAX_BYTES ? LINE_TOOLONG : LINE_OK;
		}
		if (r->end - r->start > LINE_MAX_BYTES) {
			/* Skip to the end of the line without keeping it. */
			r->lineno++;
			for (;;) {
				r->start = r->end = 0;
				if (fill(r) == 0)
					return LINE_TOOLONG;
				if ((nl = memchr(r->buf, '\n', r->end)) != NULL) {
					r->start = (size_t)(nl - r->buf) + 1;
					return LINE_TOOLONG;
				}
			}
		}
		if (r->eof) {
			if (r->end == r->start)
				return LINE_EOF;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->end;
			r->lineno++;
			return LINE_OK;
		}
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		fill(r);
	}
}

void
jsonl_bad(struct jsonl *r, const char *msg)
{
	log_warnx("%s:%zu: %s", r->name, r->lineno, msg);
	r->nbad++;
}

/*
 * The next valid profile. Bad lines are reported with their number and skipped; blank
 * lines are skipped silently. 1, or 0 at the end of input.
 */
int
jsonl_next(struct jsonl *r, struct fg_profile *p)
{
	struct jscan js;
	char *line, err[256], msg[200];
	size_t len, i;
	int rc;

	for (;;) {
		if ((rc = next_line(r, &line, &len)) == LINE_EOF)
			return 0;
		if (rc == LINE_TOOLONG) {
			snprintf(err, sizeof(err), "line longer than %d bytes", LINE_MAX_BYTES);
			jsonl_bad(r, err);
			continue;
		}
		for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
			;
		if (i == len)
			continue;
		r->line = line;
		r->len = len;
		jscan_init(&js, line, len, r->strs, r->strscap);
		arena_reset(&r->text);
		if (jscan_peek(&js) == JS_OBJECT) {
			rc = profile_scan(&js, p, &r->text, msg, sizeof(msg));
			if (rc != -1 && jscan_end(&js) == -1)
				rc = -1;
		} else
			rc = jscan_skip(&js) == -1 || jscan_end(&js) == -1 ? -1 : 2;
		if (rc == -1) {
			snprintf(err, sizeof(err), "invalid JSON at %s", js.err);
			jsonl_bad(r, err);
			continue;
		}
		if (rc == 2)
			jsonl_bad(r, "profile is not a JSON object");
		else if (rc == 1)
			jsonl_bad(r, msg);
		else
			return 1;
	}
}

