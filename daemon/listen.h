/*
 * Listeners with limits, for the control socket and the metrics port. Anyone who can connect
 * must not be able to take the daemon's descriptors: each listener holds at most max_conns
 * connections (beyond that the kernel's backlog keeps them waiting, at no descriptor of ours),
 * and when accept() fails (EMFILE, ENFILE, ENOBUFS...) it pauses with a growing backoff
 * instead of spinning, logging once per minute however often it fails.
 */
#ifndef FG_LISTEN_H
#define FG_LISTEN_H

#include <sys/socket.h>

#include <stdint.h>

#include <event2/event.h>

/* A new connection (non-blocking, close-on-exec); its owner calls listener_done when it closes. */
typedef void listen_accept_fn(void *arg, evutil_socket_t fd, struct sockaddr *, int socklen);

struct listener;

/*
 * Binds and listens (name: what the log calls it, e.g. "metrics 127.0.0.1:9100"). NULL with err
 * set on failure.
 */
struct listener	*listener_new(struct event_base *, const char *name, const struct sockaddr *,
		    socklen_t, int max_conns, listen_accept_fn *, void *arg, char *err,
		    size_t errlen);
void		 listener_done(struct listener *);	/* one accepted connection closed */
int		 listener_conns(const struct listener *);
uint64_t	 listener_errors(const struct listener *);	/* failed accept() calls */
void		 listener_free(struct listener *);

/*
 * A log line at most once per period: ratelog_due says whether to write one now and how many
 * were held back since the last (to append to it).
 */
struct ratelog {
	int64_t		last;		/* monotonic ms of the last line written; 0: none yet */
	unsigned	held;
};

#define FG_RATELOG_PERIOD_MS	60000

int		 ratelog_due(struct ratelog *, int64_t now_ms, unsigned *held);
int64_t		 mono_ms(void);

#endif
