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

#endif
