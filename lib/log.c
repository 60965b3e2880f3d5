/*
 * Diagnostics: warnings to stderr (the journal under systemd), fatal exits. Messages quote
 * what platforms and files send, so each line is escaped as it is written (escape.h):
 * nothing in it can end the line early, forge a journal record ("\n<3>...") or reach a
 * terminal as a control sequence.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "log.h"

#define LOG_MSG_MAX	2048	/* bytes of a message before escaping; longer ones are cut */

static const char *log_prog = "followguard";
static int log_verbose;
static int log_journal;	/* stderr is the journal: syslog priority prefixes, no name */

/* syslog priorities, as sd-daemon(3) prefixes them */
#define PRI_ERR		3
#define PRI_WARNING	4
#define PRI_INFO	6
#define PRI_DEBUG	7

/* systemd sets JOURNAL_STREAM to the device and inode of the stream it connected. */
static int
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &sb) == -1)
		return 0;
	return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

void
log_init(const char *progname, int verbose)
{
	log_prog = progname;
	log_verbose = verbose;
	log_journal = stderr_is_journal();
}

static void vlog_pri(int, const char *, int, const char *, va_list) FG_PRINTF(4, 0);

static void
vlog_pri(int pri, const char *level, int with_errno, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX], esc[ESCAPE_ROOM(LOG_MSG_MAX)];
	int saved = errno, n;
	size_t len;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	len = n < 0 ? 0 : (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
	escape_text(esc, sizeof(esc), msg, len);
	if (log_journal)
		fprintf(stderr, "<%d>", pri);
	else
		fprintf(stderr, "%s: ", log_prog);
	if (level != NULL)
		fprintf(stderr, "%s: ", level);
	fputs(esc, stderr);
	if (n >= 0 && (size_t)n >= sizeof(msg))
		fputs("...", stderr);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}


void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_pri(PRI_WARNING, NULL, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_pri(PRI_WARNING, NULL, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog_pri(PRI_INFO, NULL, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 2)
		return;
	va_start(ap, fmt);
	vlog_pri(PRI_DEBUG, "debug", 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_pri(PRI_ERR, "fatal", 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_pri(PRI_ERR, "fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
