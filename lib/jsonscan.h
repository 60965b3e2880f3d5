/*
 * A strict JSON reader over one text in memory that builds no tree: the caller walks objects
 * member by member and takes each value as the type it expects. Strings are decoded (escapes,
 * surrogate pairs) into a caller's buffer, NUL-terminated; a string may hold NUL itself (from
 * \u0000, which JSON allows), so its length is the one to use. Invalid UTF-8, unescaped
 * control characters, bad numbers and trailing garbage are errors with the column. Replay and
 * score read their lines with it because building a jansson tree per line cost most of the
 * time.
 */
#ifndef FG_JSONSCAN_H
#define FG_JSONSCAN_H

#include <stddef.h>
#include <stdint.h>

#define JSCAN_DEPTH	32

enum jscan_type { JS_ERROR, JS_STRING, JS_NUMBER, JS_TRUE, JS_FALSE, JS_NULL, JS_OBJECT,
	JS_ARRAY };

struct jscan {
	const char	*start, *p, *end;
	char		*buf;		/* decoded strings, NUL-terminated */
	size_t		 used, cap;
	int		 depth;
	uint8_t		 first[JSCAN_DEPTH];	/* no member read yet at this depth */
	char		 err[160];
};

/* buf must hold at least 2 * len + 2 bytes: every decoded string fits. */
void		 jscan_init(struct jscan *, const char *text, size_t len, char *buf, size_t cap);
/* Type of the next value, JS_ERROR (with err set) if none can start here. */
enum jscan_type	 jscan_peek(struct jscan *);
int		 jscan_object_begin(struct jscan *);
/*
 * The next member's name and its length: 1, 0 at the end of the object, -1 on error. The
 * name is not NUL-terminated (it may point into the text): compare it with its length.
 */
int		 jscan_object_next(struct jscan *, const char **key, size_t *len);
int		 jscan_string(struct jscan *, const char **s, size_t *len);
/* A number; *integer is 1 and *v set when it is written as an integer that fits int64. */
int		 jscan_number(struct jscan *, int *integer, int64_t *v);
int		 jscan_literal(struct jscan *);	/* true, false or null */
int		 jscan_skip(struct jscan *);	/* any value, validated */
int		 jscan_end(struct jscan *);	/* nothing but white space is left */
const char	*jscan_type_name(enum jscan_type);

#endif
