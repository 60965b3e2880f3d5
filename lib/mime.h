/* Building blocks for RFC 5322 / MIME e-mail, appended to a growable buffer. */
#ifndef FG_MIME_H
#define FG_MIME_H

#include <stddef.h>
#include <stdint.h>

/* Zero-initialise; s is NUL-terminated once anything was added. */
struct buf {
	char	*s;
	size_t	 len, cap;
};

void	buf_add(struct buf *, const char *s, size_t n);
void	buf_puts(struct buf *, const char *s);
void	buf_printf(struct buf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_free(struct buf *);

/* Base64 (RFC 2045): lines of at most 76 characters, each ended by CRLF (also the last). */
void	mime_base64(struct buf *, const void *data, size_t n);
/*
 * Quoted-printable (RFC 2045) of text whose lines are separated by "\n" or "\r\n".
 * Output lines end in CRLF and hold at most 76 characters including a soft break "=".
 * "=", bytes >= 0x80, control characters but TAB, white space before a line end, a "."
 * or the "F" of "From " starting an output line are written as =XX. Text not ending in
 * a newline ends in a soft break, so decoding gives back exactly the input.
 */
void	mime_qp(struct buf *, const char *text, size_t n);
/* Whether text has a byte >= 0x80, a control character but \t \n \r, or a line over 78 bytes. */
int	mime_needs_encoding(const char *text, size_t n);
/*
 * "Name: value" folded (RFC 5322 2.2.3) at white space, in address lists (From, To, Cc,
 * Bcc, Reply-To) only after commas, so no line exceeds 78 characters when possible;
 * every line ends in CRLF. A value with bytes >= 0x80 is written as RFC 2047
 * encoded-words "=?UTF-8?B?...?=", one per line, each at most 75 characters and never
 * splitting a UTF-8 sequence (so address lists must be ASCII). A name or value holding
 * CR or LF is refused: -1, nothing appended. Otherwise 0.
 */
int	mime_header(struct buf *, const char *name, const char *value);
/* RFC 5322 date-time of epoch seconds in UTC: "Sun, 22 Nov 2026 02:25:38 +0000". */
#define MIME_DATE_LEN	40
void	mime_date(int64_t t, char *out, size_t len);
#endif
