/*
 * The one way text from outside is shown to people: on a terminal, in the log and in CSV.
 * Platforms and files may send any bytes; what they send is shown, never obeyed
 * (docs/text.md, "Output").
 */
#ifndef FG_ESCAPE_H
#define FG_ESCAPE_H

#include <stddef.h>

/*
 * Writes the len bytes of s (NUL included) into out, cut to fit outlen and NUL-terminated.
 * Each byte of these is written as \xNN (lower-case hex), everything else as it is:
 *   - C0 controls (TAB, LF and CR included) and DEL: they end lines and drive terminals;
 *   - C1 controls U+0080-U+009F: 8-bit terminals read U+009B as CSI;
 *   - the bidirectional embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069:
 *     they reorder what follows them on the screen;
 *   - bytes that start no well-formed UTF-8 character.
 * A line escaped so is one line, shows every byte it carries and starts no control
 * sequence. The cut falls between characters, never inside an escape. Returns how many
 * bytes of s were written. Escaping is for showing: a backslash is left as it is.
 */
size_t		 escape_text(char *out, size_t outlen, const char *s, size_t len);

/* escape_text of a NUL-terminated string, NULL as ""; returns out, for printf. */
const char	*escape_str(char *out, size_t outlen, const char *s);

/* Room for n bytes escaped whole. */
#define ESCAPE_ROOM(n)	(4 * (n) + 1)

#endif
