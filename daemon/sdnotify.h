/*
 * systemd service notification (sd_notify(3)) without libsystemd: one datagram per state
 * change to the socket named by $NOTIFY_SOCKET. Outside systemd every call is a no-op.
 */
#ifndef FG_SDNOTIFY_H
#define FG_SDNOTIFY_H

#include <stdint.h>

#include "log.h"

/*
 * Sends state ("READY=1", several lines allowed). 0 when sent or when $NOTIFY_SOCKET is
 * unset; -1 with errno set when it is set but unusable or the send fails. Never logs: the
 * caller knows whether a failure matters.
 */
int	sdnotify(const char *state);
int	sdnotify_ready(void);		/* READY=1: the store and the sockets are open */
int	sdnotify_stopping(void);	/* STOPPING=1 */
/* RELOADING=1 with MONOTONIC_USEC, as Type=notify-reload wants; READY=1 ends the reload. */
int	sdnotify_reloading(void);
int	sdnotify_watchdog(void);	/* WATCHDOG=1 */
/* STATUS=..., one line (newlines become spaces) shown by systemctl status. */
int	sdnotify_status(const char *fmt, ...) FG_PRINTF(1, 2);
/*
 * The watchdog interval in microseconds from $WATCHDOG_USEC, or 0 when there is none or it is
 * meant for another process ($WATCHDOG_PID set to another pid). Send WATCHDOG=1 at about half
 * of it.
 */
int64_t	sdnotify_watchdog_usec(void);

#endif
