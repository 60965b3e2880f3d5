/*
 * Tests of the daemon's HTTP client against servers on the same event base: libevent's evhttp
 * for well-formed answers (headers, 429, slow, huge, chunked, redirects) and a raw socket server
 * for broken ones (closed, truncated). Every callback must fire exactly once with the right
 * outcome, the auth header must reach the server and never an error or a log line.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "http.h"
#include "log.h"
#include "provider.h"
#include "xmalloc.h"

#define SECRET		"s3cr3t-T0ken-4f9a"
#define BODY_SECRET	"hunter2-app-password"
#define MAX_BODY	65536
#define MAX_CALLS	128
#define MAX_RAW		16

/* A reply the server sends later (slow endpoint). */
struct delayed {
	LIST_ENTRY(delayed)	 entry;
	struct server		*srv;
	struct evhttp_request	*req;
	struct event		*ev;
	char			 uri[128];
};

struct server {
	struct event_base	*base;
	struct evhttp		*http;
	int			 port;
	int			 conns;		/* connections accepted by evhttp */
	int			 requests;
	int			 unauthorised;	/* requests without the right auth header */
	int			 bad_post;	/* POSTs whose body or type was wrong */
	LIST_HEAD(, delayed)	 delayed;
	int			 pending;

	struct evconnlistener	*raw;		/* answers badly on purpose */
	int			 raw_port;
	struct bufferevent	*raw_bev[MAX_RAW];

	int			 refused_port;	/* nothing listens there */
};

struct fixture;

/* What one done callback saw. */
struct call {
	struct fixture	*f;
	int		 n;		/* times called: must end at 1 */
	long		 status;
	char		*body;
	size_t		 len;
	char		*error;
	char		*retry_after;
	char		*padded;
	char		*location;
	int		 links;
	void		(*then)(struct call *);
};

struct fixture {
	struct event_base	*base;
	struct server		 srv;
	struct http		*h;
	struct call		 calls[MAX_CALLS];
	int			 ncalls;
	int			 ndone;
	int			 leaked;	/* secrets seen in an error text */
	int			 seq;		/* sequential requests still to send */
};

/* Server side. */

static int
bound_port(evutil_socket_t fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	return ntohs(sin.sin_port);
}

/* The integer after "key=" in the uri, or def. */
static long
query_long(const char *uri, const char *key, long def)
{
	const char *p = strstr(uri, key);

	return p != NULL ? strtol(p + strlen(key), NULL, 10) : def;
}

static void
reply(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, code, code == 200 ? "OK" : "Status", b);
	evbuffer_free(b);
}

static void
srv_delayed_cb(evutil_socket_t fd, short events, void *arg)
{
	struct delayed *d = arg;
	char text[160];

	(void)fd;
	(void)events;
	snprintf(text, sizeof(text), "late %s", d->uri);
	reply(d->req, 200, text);
	d->srv->pending--;
	LIST_REMOVE(d, entry);
	event_free(d->ev);
	free(d);
}

static void
srv_bytes(struct evhttp_request *req, size_t n, int chunked)
{
	struct evbuffer *b = evbuffer_new();
	char chunk[16384];
	size_t k;

	memset(chunk, 'x', sizeof(chunk));
	if (!chunked) {
		for (k = 0; k < n; k += sizeof(chunk))
			evbuffer_add(b, chunk, n - k < sizeof(chunk) ? n - k : sizeof(chunk));
		evhttp_send_reply(req, 200, "OK", b);
		evbuffer_free(b);
		return;
	}
	evhttp_send_reply_start(req, 200, "OK");
	for (k = 0; k < n; k += sizeof(chunk)) {
		evbuffer_add(b, chunk, n - k < sizeof(chunk) ? n - k : sizeof(chunk));
		evhttp_send_reply_chunk(req, b);
	}
	evhttp_send_reply_end(req);
	evbuffer_free(b);
}

static void
srv_request_cb(struct evhttp_request *req, void *arg)
{
	struct server *s = arg;
	const char *uri = evhttp_request_get_uri(req);
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *auth = evhttp_find_header(in, "Authorization");
	const char *type = evhttp_find_header(in, "Content-Type");
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	struct delayed *d;
	struct timeval tv;
	char text[256];
	size_t n;

	s->requests++;
	if (auth == NULL || strcmp(auth, "Bearer " SECRET) != 0) {
		s->unauthorised++;
		reply(req, 401, "{\"error\":\"The access token is invalid\"}");
		return;
	}
	if (strncmp(uri, "/ok", 3) == 0) {
		evhttp_add_header(out, "Content-Type", "application/json");
		evhttp_add_header(out, "X-Padded", "  spaced value\t ");
		evhttp_add_header(out, "Link", "<http://x/?max_id=1>; rel=\"next\"");
		evhttp_add_header(out, "Link", "<http://x/?min_id=9>; rel=\"prev\"");
		snprintf(text, sizeof(text), "ok %s", uri);
		reply(req, 200, text);
	} else if (strncmp(uri, "/post", 5) == 0) {
		n = evbuffer_get_length(body);
		if (evhttp_request_get_command(req) != EVHTTP_REQ_POST || type == NULL ||
		    strcmp(type, "application/json") != 0 ||
		    n != strlen("{\"password\":\"" BODY_SECRET "\"}") ||
		    memcmp(evbuffer_pullup(body, -1), "{\"password\":\"" BODY_SECRET "\"}",
		    n) != 0)
			s->bad_post++;
		snprintf(text, sizeof(text), "got %zu bytes", n);
		reply(req, 201, text);
	} else if (strncmp(uri, "/slow", 5) == 0) {
		d = xcalloc(1, sizeof(*d));
		d->srv = s;
		d->req = req;
		snprintf(d->uri, sizeof(d->uri), "%s", uri);
		d->ev = evtimer_new(s->base, srv_delayed_cb, d);
		tv.tv_sec = query_long(uri, "ms=", 1000) / 1000;
		tv.tv_usec = query_long(uri, "ms=", 1000) % 1000 * 1000;
		evtimer_add(d->ev, &tv);
		LIST_INSERT_HEAD(&s->delayed, d, entry);
		s->pending++;
	} else if (strncmp(uri, "/huge", 5) == 0)
		srv_bytes(req, query_long(uri, "n=", 0), 0);
	else if (strncmp(uri, "/chunked", 8) == 0)
		srv_bytes(req, query_long(uri, "n=", 0), 1);
	else if (strncmp(uri, "/429", 4) == 0) {
		evhttp_add_header(out, "Retry-After", "30");
		evhttp_add_header(out, "X-RateLimit-Remaining", "0");
		reply(req, 429, "{\"error\":\"Too many requests\"}");
	} else if (strncmp(uri, "/redirect", 9) == 0) {
		evhttp_add_header(out, "Location", "/ok?redirected");
		reply(req, 302, "moved");
	} else
		reply(req, 404, "not here");
}

/* One bufferevent per connection, so the count is of connections, not requests. */
static struct bufferevent *
srv_bev_cb(struct event_base *base, void *arg)
{
	struct server *s = arg;

	s->conns++;
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

static void
raw_forget(struct server *s, struct bufferevent *bev)
{
	int i;

	for (i = 0; i < MAX_RAW; i++)
		if (s->raw_bev[i] == bev)
			s->raw_bev[i] = NULL;
	bufferevent_free(bev);
}

static int
raw_open(const struct server *s)
{
	int i, n = 0;

	for (i = 0; i < MAX_RAW; i++)
		n += s->raw_bev[i] != NULL;
	return n;
}

static void
raw_write_cb(struct bufferevent *bev, void *arg)
{
	raw_forget(arg, bev);	/* the partial answer is out: hang up */
}

static void
raw_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	raw_forget(arg, bev);
}

static void
raw_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	const char *partial = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part";
	struct evbuffer_ptr end;
	char line[32];

	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1)
		return;
	memset(line, 0, sizeof(line));
	evbuffer_copyout(in, line, sizeof(line) - 1);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (strncmp(line, "GET /truncated", 14) == 0) {
		bufferevent_setcb(bev, NULL, raw_write_cb, raw_event_cb, arg);
		bufferevent_write(bev, partial, strlen(partial));
	} else
		raw_forget(arg, bev);	/* close without a word */
}

static void
raw_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
    void *arg)
{
	struct server *s = arg;
	struct bufferevent *bev;
	int i;

	(void)l;
	(void)sa;
	(void)len;
	bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	for (i = 0; i < MAX_RAW && s->raw_bev[i] != NULL; i++)
		;
	assert_true(i < MAX_RAW);
	s->raw_bev[i] = bev;
	bufferevent_setcb(bev, raw_read_cb, NULL, raw_event_cb, s);
	bufferevent_enable(bev, EV_READ);
}

static int
server_start(struct server *s, struct event_base *base)
{
	struct evhttp_bound_socket *bound;
	struct sockaddr_in sin;
	int fd;

	memset(s, 0, sizeof(*s));
	s->base = base;
	LIST_INIT(&s->delayed);
	if ((s->http = evhttp_new(base)) == NULL ||
	    (bound = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0)) == NULL)
		return -1;
	s->port = bound_port(evhttp_bound_socket_get_fd(bound));
	evhttp_set_gencb(s->http, srv_request_cb, s);
	evhttp_set_bevcb(s->http, srv_bev_cb, s);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->raw = evconnlistener_new_bind(base, raw_accept_cb, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, (struct sockaddr *)&sin, sizeof(sin));
	if (s->raw == NULL)
		return -1;
	s->raw_port = bound_port(evconnlistener_get_fd(s->raw));

	/* A port that was free a moment ago and has no listener now. */
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return -1;
	s->refused_port = bound_port(fd);
	close(fd);
	return s->port > 0 && s->raw_port > 0 && s->refused_port > 0 ? 0 : -1;
}

static void
server_stop(struct server *s)
{
	struct delayed *d;
	int i;

	while ((d = LIST_FIRST(&s->delayed)) != NULL) {
		LIST_REMOVE(d, entry);
		event_free(d->ev);
		free(d);
	}
	for (i = 0; i < MAX_RAW; i++)
		if (s->raw_bev[i] != NULL)
			bufferevent_free(s->raw_bev[i]);
	if (s->raw != NULL)
		evconnlistener_free(s->raw);
	if (s->http != NULL)
		evhttp_free(s->http);
}

/* Client side. */

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
done_cb(void *arg, const struct fg_response *r, const char *error)
{
	struct call *c = arg;
	size_t i;

	c->n++;
	c->f->ndone++;
	if (error != NULL && (strstr(error, SECRET) != NULL || strstr(error, "s3cr3t") != NULL ||
	    strstr(error, BODY_SECRET) != NULL))
		c->f->leaked++;
	if (c->n > 1)
		return;
	c->status = r->status;
	c->len = r->len;
	c->body = xmalloc(r->len + 1);
	memcpy(c->body, r->body, r->len + 1);	/* includes the promised NUL */
	c->error = dup_or_null(error);
	c->retry_after = dup_or_null(response_header(r, "retry-after"));
	c->padded = dup_or_null(response_header(r, "X-Padded"));
	c->location = dup_or_null(response_header(r, "Location"));
	for (i = 0; i < r->nheaders; i++)
		c->links += strcmp(r->headers[i].name, "Link") == 0;
	if (c->then != NULL)
		c->then(c);
}

static void
mkreq(struct fg_request *r, const char *method, const char *scheme, int port,
    const char *path)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->url, sizeof(r->url), "%s://127.0.0.1:%d%s", scheme, port, path);
	snprintf(r->auth, sizeof(r->auth), "Authorization: Bearer %s", SECRET);
	snprintf(r->what, sizeof(r->what), "followers page");
}

static struct call *
send_req(struct fixture *f, const struct fg_request *r, void (*then)(struct call *))
{
	struct call *c;

	assert_true(f->ncalls < MAX_CALLS);
	c = &f->calls[f->ncalls++];
	c->f = f;
	c->then = then;
	assert_int_equal(http_send(f->h, r, done_cb, c), 0);
	return c;
}

static struct call *
get(struct fixture *f, int port, const char *path)
{
	struct fg_request r;

	mkreq(&r, "GET", "http", port, path);
	return send_req(f, &r, NULL);
}

static void
tick_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Runs the loop until `want` callbacks have fired and the servers are quiet, then `settle`
 * ms more to catch a second callback. Fails after 20 s.
 */
static void
run(struct fixture *f, int want, int settle)
{
	struct event *tick = event_new(f->base, -1, EV_PERSIST, tick_cb, NULL);
	struct timeval tv = { 0, 10000 };
	int64_t deadline = now_ms() + 20000, until = -1;

	event_add(tick, &tv);
	for (;;) {
		if (until == -1 && f->ndone >= want && f->srv.pending == 0 &&
		    raw_open(&f->srv) == 0)
			until = now_ms() + settle;
		if (until != -1 && now_ms() >= until)
			break;
		if (now_ms() > deadline)
			fail_msg("timed out: %d of %d callbacks, %d replies pending", f->ndone,
			    want, f->srv.pending);
		event_base_loop(f->base, EVLOOP_ONCE);
	}
	event_free(tick);
}

static void
new_client(struct fixture *f, long timeout_ms)
{
	struct http_opts o;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = timeout_ms;
	o.connect_timeout_ms = 5000;
	o.max_body = MAX_BODY;
	o.user_agent = "followguard-test";
	f->h = http_new(f->base, &o);
	assert_non_null(f->h);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	if ((f->base = event_base_new()) == NULL || server_start(&f->srv, f->base) == -1)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	http_free(f->h);	/* before the base, as in production */
	server_stop(&f->srv);
	event_base_free(f->base);
	for (i = 0; i < f->ncalls; i++) {
		free(f->calls[i].body);
		free(f->calls[i].error);
		free(f->calls[i].retry_after);
		free(f->calls[i].padded);
		free(f->calls[i].location);
	}
	free(f);
	return 0;
}

static void
assert_each_once(struct fixture *f)
{
	int i;

	for (i = 0; i < f->ncalls; i++)
		if (f->calls[i].n != 1)
			fail_msg("request %d: %d callbacks", i, f->calls[i].n);
	assert_int_equal(f->ndone, f->ncalls);
	assert_int_equal(f->leaked, 0);
}

static void
assert_failed(const struct call *c, const char *error_part)
{
	assert_non_null(c->error);
	assert_int_equal(c->status, 0);
	assert_int_equal(c->len, 0);
	assert_string_equal(c->body, "");
	assert_null(c->padded);
	if (error_part != NULL && strstr(c->error, error_part) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", c->error, error_part);
}

/* Many requests at once, every kind of answer: each callback once, with its own result. */
static void
test_concurrent(void **state)
{
	struct fixture *f = *state;
	struct server *s = &f->srv;
	struct call *ok[24], *slow[3], *c429, *huge, *chunked, *exact, *closed, *trunc;
	struct call *exact2, *refused, *ftp, *post, *redirect, *noauth, *missing;
	struct fg_request r;
	struct http_stats st;
	char path[64];
	int i;

	new_client(f, 10000);
	for (i = 0; i < 24; i++) {
		snprintf(path, sizeof(path), "/ok?n=%d", i);
		ok[i] = get(f, s->port, path);
		if (i % 8 == 0) {
			snprintf(path, sizeof(path), "/slow?ms=%d&n=%d", 100 + 50 * i / 8, i);
			slow[i / 8] = get(f, s->port, path);
		}
	}
	c429 = get(f, s->port, "/429");
	huge = get(f, s->port, "/huge?n=200000");
	chunked = get(f, s->port, "/chunked?n=200000");
	exact = get(f, s->port, "/chunked?n=65536");
	exact2 = get(f, s->port, "/huge?n=65536");
	closed = get(f, s->raw_port, "/close");
	trunc = get(f, s->raw_port, "/truncated");
	refused = get(f, s->refused_port, "/ok");
	missing = get(f, s->port, "/nowhere");
	redirect = get(f, s->port, "/redirect");
	mkreq(&r, "GET", "ftp", s->port, "/ok");
	ftp = send_req(f, &r, NULL);
	mkreq(&r, "POST", "http", s->port, "/post");
	r.body = xstrdup("{\"password\":\"" BODY_SECRET "\"}");
	post = send_req(f, &r, NULL);
	free(r.body);
	mkreq(&r, "GET", "http", s->port, "/ok?noauth");
	r.auth[0] = '\0';
	noauth = send_req(f, &r, NULL);

	http_stats(f->h, &st);
	assert_int_equal(st.requests, f->ncalls);
	assert_int_equal(st.inflight, f->ncalls);
	assert_int_equal(f->ndone, 0);	/* never from inside http_send */
	run(f, f->ncalls, 100);
	assert_each_once(f);

	for (i = 0; i < 24; i++) {
		snprintf(path, sizeof(path), "ok /ok?n=%d", i);
		assert_null(ok[i]->error);
		assert_int_equal(ok[i]->status, 200);
		assert_string_equal(ok[i]->body, path);
		assert_int_equal(ok[i]->len, strlen(path));
		assert_string_equal(ok[i]->padded, "spaced value");
		assert_int_equal(ok[i]->links, 2);
	}
	for (i = 0; i < 3; i++) {
		assert_null(slow[i]->error);
		assert_int_equal(slow[i]->status, 200);
		assert_true(strncmp(slow[i]->body, "late /slow", 10) == 0);
	}
	assert_null(c429->error);
	assert_int_equal(c429->status, 429);
	assert_string_equal(c429->retry_after, "30");
	assert_non_null(strstr(c429->body, "Too many"));
	assert_failed(huge, "response body larger than 65536 bytes");
	assert_failed(chunked, "response body larger than 65536 bytes");
	assert_null(exact->error);	/* exactly the cap is allowed */
	assert_int_equal(exact->status, 200);
	assert_int_equal(exact->len, MAX_BODY);
	assert_null(exact2->error);
	assert_int_equal(exact2->len, MAX_BODY);
	assert_failed(closed, NULL);
	assert_failed(trunc, NULL);
	assert_failed(refused, NULL);
	assert_failed(ftp, NULL);	/* http and https only */
	assert_int_equal(missing->status, 404);
	assert_int_equal(redirect->status, 302);	/* reported, not followed */
	assert_string_equal(redirect->location, "/ok?redirected");
	assert_string_equal(redirect->body, "moved");
	assert_null(post->error);
	assert_int_equal(post->status, 201);
	snprintf(path, sizeof(path), "got %zu bytes", strlen("{\"password\":\"" BODY_SECRET "\"}"));
	assert_string_equal(post->body, path);
	assert_int_equal(s->bad_post, 0);
	assert_int_equal(noauth->status, 401);	/* the server does check... */
	assert_int_equal(s->unauthorised, 1);	/* ...and every other request had it */

	http_stats(f->h, &st);
	assert_int_equal(st.requests, f->ncalls);
	assert_int_equal(st.inflight, 0);
	assert_int_equal(st.errors, 6);	/* huge, chunked, closed, truncated, refused, ftp */
	assert_int_equal(st.responses, f->ncalls - 6);
	assert_int_equal(st.cancelled, 0);
}

static void
test_timeout(void **state)
{
	struct fixture *f = *state;
	struct call *slow, *fast;
	struct http_stats st;

	new_client(f, 250);
	slow = get(f, f->srv.port, "/slow?ms=1200");
	fast = get(f, f->srv.port, "/slow?ms=10");
	run(f, 2, 50);
	assert_each_once(f);
	assert_failed(slow, NULL);
	assert_string_equal(slow->error, "timeout after 250 ms");
	assert_null(fast->error);
	assert_int_equal(fast->status, 200);
	http_stats(f->h, &st);
	assert_int_equal(st.errors, 1);
}

/* Sends the next of a chain from the previous one's callback. */
static void
send_next(struct call *c)
{
	struct fixture *f = c->f;
	struct fg_request r;
	char path[32];

	if (f->seq == 0)
		return;
	f->seq--;
	snprintf(path, sizeof(path), "/ok?seq=%d", f->seq);
	mkreq(&r, "GET", "http", f->srv.port, path);
	send_req(f, &r, send_next);
}

/* One connection carries a chain of requests. */
static void
test_reuse(void **state)
{
	struct fixture *f = *state;
	struct fg_request r;
	int i;

	new_client(f, 10000);
	f->seq = 9;
	mkreq(&r, "GET", "http", f->srv.port, "/ok?seq=first");
	send_req(f, &r, send_next);
	run(f, 10, 20);
	assert_int_equal(f->ncalls, 10);
	assert_each_once(f);
	for (i = 0; i < 10; i++)
		assert_int_equal(f->calls[i].status, 200);
	assert_int_equal(f->srv.requests, 10);
	assert_int_equal(f->srv.conns, 1);
}

static void
cancel_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	http_cancel_all(arg);
}

static void
cancel_from_callback(struct call *c)
{
	http_cancel_all(c->f->h);
}

static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	struct timeval tv = { 0, 50000 };
	struct http_stats st;
	struct call *after, *trigger, *victim;
	int i;

	new_client(f, 10000);
	http_cancel_all(f->h);	/* nothing in flight: nothing happens */
	for (i = 0; i < 5; i++)
		get(f, f->srv.port, "/slow?ms=400");
	event_base_once(f->base, -1, EV_TIMEOUT, cancel_cb, f->h, &tv);
	run(f, 5, 20);
	assert_each_once(f);
	for (i = 0; i < 5; i++) {
		assert_failed(&f->calls[i], NULL);
		assert_string_equal(f->calls[i].error, "cancelled");
	}
	http_stats(f->h, &st);
	assert_int_equal(st.cancelled, 5);
	assert_int_equal(st.inflight, 0);
	assert_int_equal(st.errors, 0);

	/* Still usable afterwards. */
	after = get(f, f->srv.port, "/ok?after");
	run(f, 6, 0);
	assert_int_equal(after->status, 200);

	/* A callback may cancel the others. */
	victim = get(f, f->srv.port, "/slow?ms=300");
	trigger = get(f, f->srv.port, "/ok?trigger");
	trigger->then = cancel_from_callback;
	run(f, 8, 20);
	assert_each_once(f);
	assert_int_equal(trigger->status, 200);
	assert_string_equal(victim->error, "cancelled");
}

static void
test_free_inflight(void **state)
{
	struct fixture *f = *state;
	struct timeval tv = { 0, 30000 };
	int i;

	new_client(f, 10000);
	for (i = 0; i < 3; i++)
		get(f, f->srv.port, "/slow?ms=300");
	event_base_loopexit(f->base, &tv);
	event_base_dispatch(f->base);
	assert_int_equal(f->ndone, 0);
	http_free(f->h);
	f->h = NULL;
	assert_each_once(f);
	for (i = 0; i < 3; i++)
		assert_string_equal(f->calls[i].error, "cancelled");
	run(f, 3, 0);	/* let the server answer into the void */
}

static void
test_invalid(void **state)
{
	struct fixture *f = *state;
	struct fg_request r;
	struct http_stats st;

	new_client(f, 1000);
	mkreq(&r, "GET", "http", f->srv.port, "/ok");
	assert_int_equal(http_send(f->h, &r, NULL, NULL), -1);
	r.url[0] = '\0';
	assert_int_equal(http_send(f->h, &r, done_cb, NULL), -1);
	mkreq(&r, "get", "http", f->srv.port, "/ok");
	assert_int_equal(http_send(f->h, &r, done_cb, NULL), -1);
	mkreq(&r, "GET", "http", f->srv.port, "/ok");
	snprintf(r.auth, sizeof(r.auth), "Authorization: Bearer x\r\nX-Injected: 1");
	assert_int_equal(http_send(f->h, &r, done_cb, NULL), -1);
	snprintf(r.auth, sizeof(r.auth), "Bearer no-header-name");
	assert_int_equal(http_send(f->h, &r, done_cb, NULL), -1);
	mkreq(&r, "GET", "http", f->srv.port, "/ok");
	memset(r.url, 'a', sizeof(r.url));	/* no terminator */
	assert_int_equal(http_send(f->h, &r, done_cb, NULL), -1);
	mkreq(&r, "GET", "http", f->srv.port, "/ok");
	r.body = "{}";
	assert_int_equal(http_send(f->h, &r, done_cb, NULL), -1);
	http_stats(f->h, &st);
	assert_int_equal(st.requests, 0);
	assert_int_equal(f->srv.requests, 0);
}

/* With debug logging on, neither the token nor a secret body reaches stderr. */
static void
test_secrets_not_logged(void **state)
{
	struct fixture *f = *state;
	struct fg_request r;
	char path[PATH_MAX], buf[65536];
	ssize_t n;
	int fd, saved;

	snprintf(path, sizeof(path), "%s/http-log.%ld", FG_TEST_TMP, (long)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	log_init("test_http", 2);

	new_client(f, 250);
	get(f, f->srv.port, "/ok");
	get(f, f->srv.port, "/slow?ms=600");
	get(f, f->srv.port, "/huge?n=100000");
	get(f, f->srv.raw_port, "/close");
	get(f, f->srv.refused_port, "/ok");
	mkreq(&r, "POST", "http", f->srv.port, "/post");
	r.body = xstrdup("{\"password\":\"" BODY_SECRET "\"}");
	send_req(f, &r, NULL);
	free(r.body);
	run(f, 6, 0);

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	log_init("test_http", 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_each_once(f);
	assert_non_null(strstr(buf, "followers page: HTTP 200"));
	assert_non_null(strstr(buf, "followers page: timeout after 250 ms"));
	assert_null(strstr(buf, "s3cr3t"));
	assert_null(strstr(buf, BODY_SECRET));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_inflight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secrets_not_logged, setup, teardown),
	};

	/* Hermetic: 127.0.0.1 only, never through a proxy from the environment. */
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
