/*
 * JSON written as it goes, without building a tree: for the long lines (a purge plan of
 * a hundred thousand ids, a score per input line) where a jansson tree costs more than the
 * rest of the work.
 */
#ifndef FG_JSONOUT_H
#define FG_JSONOUT_H

#include <stdio.h>

/* s as a JSON string: quotes, backslashes and control characters escaped. */
void	jsonout_string(FILE *, const char *s);

#endif
