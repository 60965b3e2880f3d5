/*
 * Files of normalized profiles, one JSON object per line (JSONL), as the scoring commands
 * read them: bad lines are reported with their number and skipped, memory does not grow with
 * the input.
 */
#ifndef FG_JSONL_H
#define FG_JSONL_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "arena.h"
#include "profile.h"

/*
 * Reads input lines into one buffer that is reused for the whole run, so memory does not
 * grow with the input, and parses each into a profile (jsonscan, as replay does: no tree).
 * read(2) rather than stdio so that a line is processed as soon as it arrives on a pipe.
 */
struct jsonl {
	int		 fd;
	const char	*name;
	char		*buf;
	size_t		 cap, start, end;
	int		 eof;
	size_t		 lineno;
	size_t		 nbad;
	char		*strs;		/* the line's decoded strings: the profile borrows them */
	size_t		 strscap;
	struct fg_arena	 text;		/* the line's normalized texts, likewise */
	const char	*line;		/* the current line, as read */
	size_t		 len;
};

void	jsonl_open(struct jsonl *, FILE *, const char *path);	/* path "-"/NULL: stdin */
void	jsonl_close(struct jsonl *);
/*
 * The next valid profile (its strings live in the reader until the next call; r->line is its
 * line). Bad lines are reported and counted in nbad; blank lines are skipped silently. 1, or
 * 0 at the end.
 */
int	jsonl_next(struct jsonl *, struct fg_profile *);
/* Reports a problem with the current line: "NAME:LINE: msg". */
void	jsonl_bad(struct jsonl *, const char *msg);

#endif
