/* RFC 3339 timestamps <-> seconds since the epoch (UTC), without the C library's time zone state. */
#ifndef FG_TIMEUTIL_H
#define FG_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define FG_TIME_UNKNOWN	INT64_MIN
#define FG_RFC3339_LEN	21	/* "2026-03-01T00:05:00Z" + NUL */
/*
 * Times read from outside (profiles, poll times of a history) are taken from 2000-01-01 to
 * 2200-01-01: outside that they are data errors, not accounts or polls, and the arithmetic
 * that follows (hours and days since 1970 as ring indexes) may assume them sane.
 */
#define FG_TIME_MIN	INT64_C(946684800)	/* 2000-01-01T00:00:00Z */
#define FG_TIME_MAX	INT64_C(7258118400)	/* 2200-01-01T00:00:00Z */

/* Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"; fractions are dropped. 0 or -1. */
int	time_parse_rfc3339(const char *, int64_t *);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" into buf (FG_RFC3339_LEN bytes). Returns buf. */
char	*time_format_rfc3339(int64_t, char *buf);
/* Days since 1970-01-01 for a civil date, and the inverse. */
int64_t	time_days_from_civil(int64_t y, unsigned m, unsigned d);
void	time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Parses a duration: "90", "90s", "5m", "2h", "1d". 0 or -1. */
int	time_parse_duration(const char *, int64_t *seconds);
int64_t	time_now(void);

#endif
