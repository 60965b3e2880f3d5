/* Diagnostics: warnings to stderr (the journal under systemd), fatal exits. */
#ifndef FG_LOG_H
#define FG_LOG_H

#include <stdarg.h>
#include <stddef.h>

#define FG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void	log_init(const char *progname, int verbose);
void	log_warn(const char *, ...) FG_PRINTF(1, 2);	/* appends strerror(errno) */
void	log_warnx(const char *, ...) FG_PRINTF(1, 2);
void	log_info(const char *, ...) FG_PRINTF(1, 2);
void	log_debug(const char *, ...) FG_PRINTF(1, 2);
_Noreturn void fatal(const char *, ...) FG_PRINTF(1, 2);
_Noreturn void fatalx(const char *, ...) FG_PRINTF(1, 2);
/*
 * How a log line shows bytes from outside: len bytes of s (NUL included) into out, with C0
 * and C1 controls, DEL and bytes that start no UTF-8 character written as \xNN, cut to fit
 * outlen (NUL-terminated). Every message is passed through it; callers quote with it what
 * %s cannot carry (bytes after a NUL). Returns how many bytes of s were written.
 */
size_t	log_escape(char *out, size_t outlen, const char *s, size_t len);

#endif
