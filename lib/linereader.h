/* Reading JSONL input a line at a time with a bound on line length and constant memory. */
#ifndef FG_LINEREADER_H
#define FG_LINEREADER_H

#include <stddef.h>
#include <stdio.h>

#define FG_LINE_MAX	(1024 * 1024)

struct fg_linereader {
	FILE		*f;
	char		*in;		/* read buffer */
	size_t		 pos, end;
	char		*line;		/* the line being returned */
	size_t		 len, cap;
	size_t		 max;
	unsigned long	 lineno;
};

void	linereader_init(struct fg_linereader *, FILE *, size_t max);
void	linereader_free(struct fg_linereader *);
/*
 * Reads the next line without its newline (and NUL-terminated; it may hold NUL bytes).
 * Returns its length, -1 at end of input or on a read error (ferror tells), or -2 if the line
 * was longer than max: it is skipped whole, and lineno still counts it.
 */
long	linereader_next(struct fg_linereader *, const char **line);

#endif
