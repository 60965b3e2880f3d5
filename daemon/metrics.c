/*
 * An optional Prometheus text endpoint on loopback. See metrics.h.
 *
 * A minimal HTTP/1.1 server of its own rather than evhttp: libevent 2.1's evhttp can cap
 * neither its connections nor the time a client may take to send a request, so a flood of idle
 * connections to it would take every descriptor of the daemon. Here each connection is one
 * request with a deadline, answered with Connection: close.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define REQUEST_MAX_BYTES	8192	/* request line and headers; a scrape sends a few hundred */
#define DEADLINE_S		10	/* from accept to the response written */

struct conn {
	LIST_ENTRY(conn)	 entry;
	struct metrics		*m;
	struct bufferevent	*bev;
	struct event		*deadline;
};

struct metrics {
	struct event_base	*base;
	struct listener		*listener;
	LIST_HEAD(, conn)	 conns;
	fg_metrics_fn		*fn;
	void			*arg;
};

static void	on_event(struct bufferevent *, short, void *);

static void
conn_free(struct conn *c)
{
	LIST_REMOVE(c, entry);
	bufferevent_free(c->bev);
	event_free(c->deadline);
	listener_done(c->m->listener);
	free(c);
}

static void
on_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_free(arg);
}

/* Sends a response and closes the connection once it is out. */
static void
respond(struct conn *c, const char *status, const char *ctype, struct evbuffer *body,
    const char *extra)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	bufferevent_disable(c->bev, EV_READ);
	evbuffer_add_printf(out, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "%sConnection: close\r\n\r\n", status, ctype, evbuffer_get_length(body), extra);
	evbuffer_add_buffer(out, body);
	bufferevent_setcb(c->bev, NULL, on_written, on_event, c);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
respond_text(struct conn *c, const char *status, const char *text, const char *extra)
{
	struct evbuffer *body = evbuffer_new();

	evbuffer_add_printf(body, "%s\n", text);
	respond(c, status, "text/plain; charset=utf-8", body, extra);
	evbuffer_free(body);
}

/* "GET /metrics HTTP/1.1": method and path checked, the headers ignored. */
static void
handle(struct conn *c, const char *line)
{
	struct evbuffer *body;
	const char *target, *end;
	size_t n;

	if ((target = strchr(line, ' ')) == NULL) {
		respond_text(c, "400 Bad Request", "bad request line", "");
		return;
	}
	if ((size_t)(target - line) != 3 || memcmp(line, "GET", 3) != 0) {
		respond_text(c, "405 Method Not Allowed", "only GET /metrics here", "Allow: GET\r\n");
		return;
	}
	target++;
	end = strchr(target, ' ');
	n = end != NULL ? (size_t)(end - target) : strlen(target);
	if (strncmp(target, "/metrics", 8) != 0 || (n != 8 && target[8] != '?')) {
		respond_text(c, "404 Not Found", "only GET /metrics here", "");
		return;
	}
	body = evbuffer_new();
	c->m->fn(c->m->arg, body);
	respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, "");
	evbuffer_free(body);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;
	char *line;

	/* Answered once the headers are complete: a blank line, CRLF or bare LF. */
	p = evbuffer_search(in, "\n\r\n", 3, NULL);
	if (p.pos == -1)
		p = evbuffer_search(in, "\n\n", 2, NULL);
	if (p.pos == -1) {
		if (evbuffer_get_length(in) > REQUEST_MAX_BYTES)
			respond_text(c, "431 Request Header Fields Too Large", "request too large",
			    "");
		return;
	}
	if ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF)) == NULL) {
		respond_text(c, "400 Bad Request", "bad request", "");
		return;
	}
	handle(c, line);
	free(line);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_free(arg);
}

static void
on_accept(void *arg, evutil_socket_t fd, struct sockaddr *sa, int len)
{
	struct metrics *m = arg;
	struct conn *c;
	struct timeval tv = { DEADLINE_S, 0 };

	(void)sa;
	(void)len;
	c = xcalloc(1, sizeof(*c));
	c->m = m;
	if ((c->bev = bufferevent_socket_new(m->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		free(c);
		listener_done(m->listener);
		return;
	}
	LIST_INSERT_HEAD(&m->conns, c, entry);
	c->deadline = evtimer_new(m->base, on_deadline, c);
	evtimer_add(c->deadline, &tv);
	bufferevent_setwatermark(c->bev, EV_READ, 0, REQUEST_MAX_BYTES + 1);
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ);
}

struct metrics *
metrics_open(struct event_base *base, const char *listen, int max_conns, fg_metrics_fn *fn,
    void *arg)
{
	struct metrics *m;
	struct addrinfo hints, *ai;
	char host[256], name[300], err[512];
	const char *colon;
	size_t hl;
	long port;
	int rc;

	/* HOST:PORT, the host possibly in brackets (IPv6); the config loader checked the form. */
	if ((colon = strrchr(listen, ':')) == NULL || (port = strtol(colon + 1, NULL, 10)) <= 0 ||
	    port > 65535) {
		log_warnx("metrics_listen %s: expected HOST:PORT", listen);
		return NULL;
	}
	hl = (size_t)(colon - listen);
	if (hl >= 2 && listen[0] == '[' && listen[hl - 1] == ']') {
		listen++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host)) {
		log_warnx("metrics_listen %s: bad host", listen);
		return NULL;
	}
	memcpy(host, listen, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(name, sizeof(name), "%ld", port);
	if ((rc = getaddrinfo(host, name, &hints, &ai)) != 0) {
		log_warnx("metrics: %s: %s", host, gai_strerror(rc));
		return NULL;
	}
	snprintf(name, sizeof(name), "metrics %s port %ld", host, port);
	m = xcalloc(1, sizeof(*m));
	m->base = base;
	m->fn = fn;
	m->arg = arg;
	LIST_INIT(&m->conns);
	m->listener = listener_new(base, name, ai->ai_addr, ai->ai_addrlen, max_conns, on_accept,
	    m, err, sizeof(err));
	freeaddrinfo(ai);
	if (m->listener == NULL) {
		log_warnx("cannot listen: %s", err);
		free(m);
		return NULL;
	}
	return m;
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	while (!LIST_EMPTY(&m->conns))
		conn_free(LIST_FIRST(&m->conns));
	listener_free(m->listener);
	free(m);
}
