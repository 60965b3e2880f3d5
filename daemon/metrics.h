/* An optional Prometheus text endpoint on loopback: GET /metrics, rendered by the daemon. */
#ifndef FG_METRICS_H
#define FG_METRICS_H

#include <event2/buffer.h>
#include <event2/event.h>

typedef void fg_metrics_fn(void *arg, struct evbuffer *out);

struct metrics;

/*
 * Listens on "HOST:PORT" or "[V6]:PORT", holding at most max_conns connections, each given
 * 10 s to send its request. NULL with a logged error.
 */
struct metrics	*metrics_open(struct event_base *, const char *listen, int max_conns,
		    fg_metrics_fn *, void *);
void		 metrics_close(struct metrics *);

#endif
