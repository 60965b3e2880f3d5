/* An optional Prometheus text endpoint on loopback. See metrics.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

struct metrics {
	struct evhttp	*http;
	fg_metrics_fn	*fn;
	void		*arg;
};

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	struct evbuffer *out;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
	    strcmp(evhttp_request_get_uri(req), "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "only GET /metrics here");
		return;
	}
	out = evbuffer_new();
	m->fn(m->arg, out);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
}

struct metrics *
metrics_open(struct event_base *base, const char *listen, fg_metrics_fn *fn, void *arg)
{
	struct metrics *m;
	char host[256];
	const char *colon;
	size_t hl;
	long port;

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
	m = xcalloc(1, sizeof(*m));
	m->fn = fn;
	m->arg = arg;
	if ((m->http = evhttp_new(base)) == NULL ||
	    evhttp_bind_socket(m->http, host, (uint16_t)port) != 0) {
		log_warnx("metrics: cannot listen on %s port %ld", host, port);
		if (m->http != NULL)
			evhttp_free(m->http);
		free(m);
		return NULL;
	}
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET);
	evhttp_set_gencb(m->http, on_request, m);
	return m;
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	evhttp_free(m->http);
	free(m);
}
