/*
 * The one CSV writer (RFC 4180): followers --csv, purge --report --csv and the cohort
 * attached to alerts all write through it, so every CSV followguard writes is read back
 * the same way by a spreadsheet or a CSV parser (docs/text.md, "Output").
 */
#ifndef FG_CSV_H
#define FG_CSV_H

#include <stdio.h>

#include "mime.h"

/*
 * Rows collected in a buffer; zero-initialise, with eol "\n" (files read by people and
 * Unix tools) or "\r\n" (RFC 4180 proper: e-mail attachments). NULL eol is "\n".
 */
struct csv {
	struct buf	 b;
	const char	*eol;
	size_t		 cells;		/* in the current row */
};

/*
 * A cell of text from outside (an id, a handle, a platform's error): escaped as for a
 * terminal (escape.h), so a row is one line and holds no control character; quoted with
 * doubled quotes when it holds , or " or starts or ends with a space; and, against formula
 * injection (OWASP), a cell starting with = + - @ TAB or CR is quoted and prefixed with '
 * so that spreadsheets show it as text. NULL and "" are an empty cell.
 */
void	csv_cell(struct csv *, const char *s);
/* A cell followguard formats itself (numbers, times, names of states): written as it is. */
void	csv_cellf(struct csv *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The header row, names already separated by commas ("id,handle,score"). */
void	csv_header(struct csv *, const char *names);
/* Ends the row. */
void	csv_row_end(struct csv *);
/* Writes out and forgets what was collected; -1 on a write error. */
int	csv_flush(struct csv *, FILE *);
void	csv_free(struct csv *);

#endif
