/* An optional Prometheus text endpoint on loopback: GET /metrics, rendered by the daemon. */
#ifndef FG_METRICS_H
#define FG_METRICS_H

#include <event2/buffer.h>
#include <event2/event.h>

typedef void fg_metrics_fn(void *arg, struct evbuffer *out);

struct metrics;

/* Listens on "HOST:PORT" or "[V6]:PORT". NULL with a logged error. */
struct metrics	*metrics_open(struct event_base *, const char *listen, fg_metrics_fn *, void *);
void		 metrics_close(struct metrics *);

#endif
