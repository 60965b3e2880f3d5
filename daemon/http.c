/*
 * HTTP requests over one libcurl multi handle driven by a libevent base: curl tells us which
 * sockets to watch and when to wake it (socket and timer callbacks), libevent tells curl when
 * a socket is ready or the timer expired (curl_multi_socket_action). The wiring follows curl's
 * docs/examples/multi-event.c; HACKING.md ("HTTP: libcurl on the event loop") lists the
 * pitfalls avoided here.
 */
#include <sys/queue.h>
#include <sys/time.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "alert.h"
#include "http.h"
#include "log.h"
#include "xmalloc.h"

#ifndef FG_VERSION
#define FG_VERSION	"0"
#endif

#define HTTP_TIMEOUT_MS		30000
#define HTTP_CONNECT_TIMEOUT_MS	10000
#define HTTP_MAX_BODY		(16 * 1024 * 1024)
#define HTTP_MAX_HEADERS	(256 * 1024)	/* header bytes of one response */

/* Why a callback of ours stopped the transfer (curl only sees a write error). */
enum xfer_stop {
	STOP_NONE = 0,
	STOP_BODY,
	STOP_HEADERS,
};

struct xfer {
	TAILQ_ENTRY(xfer)	 entry;
	struct http		*http;
	CURL			*easy;
	struct curl_slist	*slist;
	const char		*secret;	/* inside slist: the auth value's last word */
	char			*password;	/* a mail's: a copy, the caller's may go first */
	http_done_cb		 done;
	void			*arg;
	char			 what[64];

	char			*upload;	/* a mail being sent, and how much of it went */
	size_t			 upload_len, upload_off;
	char			*body;		/* NUL-terminated, len bytes */
	size_t			 len;
	size_t			 cap;
	struct fg_header	*headers;	/* name and value share one allocation */
	size_t			 nheaders;
	size_t			 hbytes;
	enum xfer_stop		 stop;
	char			 errbuf[CURL_ERROR_SIZE];
};
TAILQ_HEAD(xferq, xfer);

/* A socket curl asked us to watch. */
struct sock {
	LIST_ENTRY(sock)	 entry;
	struct http		*http;
	curl_socket_t		 fd;
	struct event		*ev;
};

struct http {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct xferq		 xfers;
	LIST_HEAD(, sock)	 socks;
	char			*user_agent;
	char			*ca_file;
	long			 timeout_ms;
	long			 connect_timeout_ms;
	size_t			 max_body;
	int			 closing;
	struct http_stats	 stats;
};

static void	http_check_done(struct http *);

static void
sock_free(struct sock *s)
{
	if (s->ev != NULL)
		event_free(s->ev);
	LIST_REMOVE(s, entry);
	free(s);
}

static void
xfer_clear_headers(struct xfer *x)
{
	size_t i;

	for (i = 0; i < x->nheaders; i++)
		free((char *)x->headers[i].name);
	free(x->headers);
	x->headers = NULL;
	x->nheaders = 0;
}

static void
xfer_free(struct xfer *x)
{
	struct curl_slist *l;

	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	/* The Authorization header, and a login's answer (session JWTs), are secrets. */
	for (l = x->slist; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(x->slist);
	if (x->password != NULL)
		explicit_bzero(x->password, strlen(x->password));
	free(x->password);
	xfer_clear_headers(x);
	if (x->body != NULL)
		explicit_bzero(x->body, x->len);
	free(x->body);
	free(x->upload);
	free(x);
}

/* A socket is ready: let curl do its work on it. */
static void
http_event_cb(evutil_socket_t fd, short events, void *arg)
{
	struct sock *s = arg;
	struct http *h = s->http;	/* s may be gone after socket_action */
	CURLMcode mc;
	int flags = 0, running;

	if (events & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (events & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	mc = curl_multi_socket_action(h->multi, fd, flags, &running);
	if (mc != CURLM_OK)
		log_warnx("http: socket action: %s", curl_multi_strerror(mc));
	http_check_done(h);
}

/* curl's timer expired; it runs here, on the loop, never inside http_timer_cb. */
static void
http_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct http *h = arg;
	CURLMcode mc;
	int running;

	(void)fd;
	(void)events;
	mc = curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	if (mc != CURLM_OK)
		log_warnx("http: timeout action: %s", curl_multi_strerror(mc));
	http_check_done(h);
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what curl asks, or stop watching it. */
static int
http_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http *h = userp;
	struct sock *s = socketp;
	short events = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			curl_multi_assign(h->multi, fd, NULL);
			sock_free(s);
		}
		return 0;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->http = h;
		s->fd = fd;
		LIST_INSERT_HEAD(&h->socks, s, entry);
		curl_multi_assign(h->multi, fd, s);
	} else if (s->ev != NULL) {
		event_free(s->ev);
		s->ev = NULL;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if ((s->ev = event_new(h->base, fd, events, http_event_cb, s)) == NULL)
		fatalx("http: event_new");
	if (event_add(s->ev, NULL) == -1) {
		log_warnx("http: cannot watch socket %d", (int)fd);
		return -1;
	}
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: (re)arm the one timer; -1 disarms it. */
static int
http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *h = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(h->timer, &tv) == 0 ? 0 : -1;
}

static size_t
http_write_cb(char *data, size_t size, size_t n, void *userp)
{
	struct xfer *x = userp;
	size_t len = size * n, need, max = x->http->max_body;

	if (len > max - x->len) {
		x->stop = STOP_BODY;
		return 0;
	}
	need = x->len + len + 1;
	if (need > x->cap) {
		x->cap = x->cap == 0 ? 16384 : x->cap * 2;
		if (x->cap < need)
			x->cap = need;
		if (x->cap > max + 1)
			x->cap = max + 1;
		x->body = xreallocarray(x->body, x->cap, 1);
	}
	memcpy(x->body + x->len, data, len);
	x->len += len;
	x->body[x->len] = '\0';
	return len;
}

/* One header line: "Name: value\r\n", split and trimmed. */
static size_t
http_header_cb(char *data, size_t size, size_t n, void *userp)
{
	struct xfer *x = userp;
	size_t len = size * n, nlen, vlen;
	const char *colon, *name, *value, *end;
	char *copy;

	if (len > HTTP_MAX_HEADERS - x->hbytes) {
		x->stop = STOP_HEADERS;
		return 0;
	}
	x->hbytes += len;
	/* A new status line starts a new response (1xx interim): drop the previous headers. */
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		xfer_clear_headers(x);
		return len;
	}
	if ((colon = memchr(data, ':', len)) == NULL)
		return len;	/* the blank line ending the headers */
	name = data;
	end = colon;
	while (name < end && isspace((unsigned char)*name))
		name++;
	while (end > name && isspace((unsigned char)end[-1]))
		end--;
	if ((nlen = end - name) == 0)
		return len;
	value = colon + 1;
	end = data + len;
	while (value < end && isspace((unsigned char)*value))
		value++;
	while (end > value && isspace((unsigned char)end[-1]))
		end--;
	vlen = end - value;

	copy = xmalloc(nlen + vlen + 2);
	memcpy(copy, name, nlen);
	copy[nlen] = '\0';
	memcpy(copy + nlen + 1, value, vlen);
	copy[nlen + 1 + vlen] = '\0';
	x->headers = xreallocarray(x->headers, x->nheaders + 1, sizeof(*x->headers));
	x->headers[x->nheaders].name = copy;
	x->headers[x->nheaders].value = copy + nlen + 1;
	x->nheaders++;
	return len;
}

/* A short text for a failed transfer; never the request's secrets. */
static void
xfer_error(struct xfer *x, CURLcode code, char *buf, size_t len)
{
	struct http *h = x->http;
	curl_off_t pretransfer = 0;
	size_t n;

	if (x->stop == STOP_BODY || code == CURLE_FILESIZE_EXCEEDED) {
		snprintf(buf, len, "response body larger than %zu bytes", h->max_body);
		return;
	}
	if (x->stop == STOP_HEADERS) {
		snprintf(buf, len, "response headers larger than %d bytes", HTTP_MAX_HEADERS);
		return;
	}
	if (code == CURLE_OPERATION_TIMEDOUT) {
		/* Nothing sent yet and the connect limit is the tighter one: it fired. */
		curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
		if (pretransfer == 0 && h->connect_timeout_ms < h->timeout_ms)
			snprintf(buf, len, "connect timeout after %ld ms", h->connect_timeout_ms);
		else
			snprintf(buf, len, "timeout after %ld ms", h->timeout_ms);
		return;
	}
	snprintf(buf, len, "%s", x->errbuf[0] != '\0' ? x->errbuf :
	    curl_easy_strerror(code));
	n = strlen(buf);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	/* curl's texts carry host names, not headers; make sure of it. */
	if (x->secret != NULL && strstr(buf, x->secret) != NULL)
		snprintf(buf, len, "%s", curl_easy_strerror(code));
}

static void
xfer_fail(struct xfer *x, const char *error)
{
	struct fg_response r;

	memset(&r, 0, sizeof(r));
	r.body = "";
	x->done(x->arg, &r, error);
	xfer_free(x);
}

/* A transfer ended: hand its response or error to the caller, then free it. */
static void
xfer_finish(struct xfer *x, CURLcode code)
{
	struct http *h = x->http;
	struct fg_response r;
	curl_off_t us = 0;
	char error[CURL_ERROR_SIZE + 64];
	long status = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &us);
	curl_multi_remove_handle(h->multi, x->easy);
	TAILQ_REMOVE(&h->xfers, x, entry);
	h->stats.inflight--;

	if (code != CURLE_OK || status == 0) {
		if (code == CURLE_OK)
			snprintf(error, sizeof(error), "no HTTP status");
		else
			xfer_error(x, code, error, sizeof(error));
		h->stats.errors++;
		log_debug("http: %s: %s", x->what, error);
		xfer_fail(x, error);
		return;
	}
	h->stats.responses++;
	log_debug("http: %s: HTTP %ld, %zu bytes in %lld ms", x->what, status, x->len,
	    (long long)(us / 1000));
	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = x->body != NULL ? x->body : "";
	r.len = x->len;
	r.headers = x->headers;
	r.nheaders = x->nheaders;
	x->done(x->arg, &r, NULL);
	xfer_free(x);
}

/*
 * Finished transfers. A callback may cancel the others; curl_multi_remove_handle drops
 * their pending messages, so the loop never sees a freed transfer.
 */
static void
http_check_done(struct http *h)
{
	CURLMsg *msg;
	CURLcode code;
	char *p;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		code = msg->data.result;	/* msg dies with the handle's removal */
		p = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
		if (p == NULL)
			continue;
		xfer_finish((struct xfer *)(void *)p, code);
	}
}

struct http *
http_new(struct event_base *base, const struct http_opts *opts)
{
	const curl_version_info_data *vi;
	struct http *h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("http: cannot initialise libcurl");
		return NULL;
	}
	vi = curl_version_info(CURLVERSION_NOW);
	if (!(vi->features & CURL_VERSION_ASYNCHDNS))
		log_warnx("http: libcurl %s resolves names synchronously: a slow DNS "
		    "server will stall the daemon", vi->version);

	h = xcalloc(1, sizeof(*h));
	h->base = base;
	TAILQ_INIT(&h->xfers);
	LIST_INIT(&h->socks);
	h->user_agent = xstrdup(opts != NULL && opts->user_agent != NULL ?
	    opts->user_agent : "followguard/" FG_VERSION);
	if (opts != NULL && opts->ca_file != NULL)
		h->ca_file = xstrdup(opts->ca_file);
	h->timeout_ms = opts != NULL && opts->timeout_ms > 0 ? opts->timeout_ms :
	    HTTP_TIMEOUT_MS;
	h->connect_timeout_ms = opts != NULL && opts->connect_timeout_ms > 0 ?
	    opts->connect_timeout_ms : HTTP_CONNECT_TIMEOUT_MS;
	h->max_body = opts != NULL && opts->max_body > 0 ? opts->max_body : HTTP_MAX_BODY;

	if ((h->timer = evtimer_new(base, http_timeout_cb, h)) == NULL)
		fatalx("http: evtimer_new");
	if ((h->multi = curl_multi_init()) == NULL) {
		log_warnx("http: curl_multi_init failed");
		goto fail;
	}
	if (curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h) != CURLM_OK) {
		log_warnx("http: cannot set up the multi handle");
		goto fail;
	}
	return h;

fail:
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	event_free(h->timer);
	free(h->user_agent);
	free(h->ca_file);
	free(h);
	curl_global_cleanup();
	return NULL;
}

/* The request's fields are fixed-size arrays: insist on their terminators. */
static int
request_valid(const struct fg_request *req)
{
	const char *p;
	size_t i;

	if (memchr(req->method, '\0', sizeof(req->method)) == NULL || req->method[0] == '\0')
		return 0;
	for (p = req->method; *p != '\0'; p++)
		if (!isupper((unsigned char)*p))
			return 0;
	if (memchr(req->url, '\0', sizeof(req->url)) == NULL || req->url[0] == '\0')
		return 0;
	if (memchr(req->auth, '\0', sizeof(req->auth)) == NULL ||
	    strpbrk(req->auth, "\r\n") != NULL)
		return 0;
	if (req->auth[0] != '\0' && strchr(req->auth, ':') == NULL)
		return 0;
	for (i = 0; i < sizeof(req->extra) / sizeof(req->extra[0]); i++)
		if (memchr(req->extra[i], '\0', sizeof(req->extra[i])) == NULL ||
		    strpbrk(req->extra[i], "\r\n") != NULL ||
		    (req->extra[i][0] != '\0' && strchr(req->extra[i], ':') == NULL))
			return 0;
	if (req->body != NULL && (strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0))
		return 0;
	return 1;
}

static int
xfer_add_header(struct xfer *x, const char *line)
{
	struct curl_slist *l;

	if ((l = curl_slist_append(x->slist, line)) == NULL)
		return -1;
	x->slist = l;
	return 0;
}

/* The auth value's last word (the token itself), as held in the slist. */
static const char *
auth_secret(const struct curl_slist *l)
{
	const char *s, *sp;

	for (; l != NULL; l = l->next) {
		if (strncasecmp(l->data, "Authorization:", 14) != 0 &&
		    strncasecmp(l->data, "Proxy-Authorization:", 20) != 0)
			continue;
		s = strchr(l->data, ':') + 1;
		if ((sp = strrchr(s, ' ')) != NULL)
			s = sp + 1;
		return strlen(s) >= 4 ? s : NULL;
	}
	return NULL;
}

/* Sticky: the first failing option is the one reported. */
#define SETOPT(opt, val) do {						\
	if (c == CURLE_OK)						\
		c = curl_easy_setopt(x->easy, opt, val);		\
} while (0)

/* A transfer with what every kind shares: limits, TLS verification, callbacks. */
static struct xfer *
xfer_new(struct http *h, const char *what, size_t whatlen, http_done_cb done, void *arg)
{
	struct xfer *x;
	CURLcode c = CURLE_OK;

	x = xcalloc(1, sizeof(*x));
	x->http = h;
	x->done = done;
	x->arg = arg;
	if (what != NULL && what[0] != '\0')
		snprintf(x->what, sizeof(x->what), "%.*s", (int)strnlen(what, whatlen), what);
	else
		snprintf(x->what, sizeof(x->what), "request");
	if ((x->easy = curl_easy_init()) == NULL) {
		log_warnx("http: curl_easy_init failed");
		free(x);
		return NULL;
	}
	SETOPT(CURLOPT_PRIVATE, x);
	SETOPT(CURLOPT_ERRORBUFFER, x->errbuf);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_VERBOSE, 0L);		/* its trace would show the secrets */
	SETOPT(CURLOPT_TIMEOUT_MS, h->timeout_ms);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file != NULL)
		SETOPT(CURLOPT_CAINFO, h->ca_file);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(CURLOPT_WRITEFUNCTION, http_write_cb);
	SETOPT(CURLOPT_WRITEDATA, x);
	if (c != CURLE_OK) {
		log_warnx("http: %s: %s", x->what, curl_easy_strerror(c));
		xfer_free(x);
		return NULL;
	}
	return x;
}

/* Adding arms curl's timer; the transfer starts from the loop, not from here. */
static int
xfer_start(struct http *h, struct xfer *x)
{
	CURLMcode mc;

	if ((mc = curl_multi_add_handle(h->multi, x->easy)) != CURLM_OK) {
		log_warnx("http: %s: %s", x->what, curl_multi_strerror(mc));
		xfer_free(x);
		return -1;
	}
	TAILQ_INSERT_TAIL(&h->xfers, x, entry);
	h->stats.requests++;
	h->stats.inflight++;
	return 0;
}

int
http_send(struct http *h, const struct fg_request *req, http_done_cb done, void *arg)
{
	struct xfer *x;
	CURLcode c = CURLE_OK;

	if (h->closing || done == NULL || !request_valid(req))
		return -1;
	if ((x = xfer_new(h, req->what, sizeof(req->what), done, arg)) == NULL)
		return -1;
	if ((req->auth[0] != '\0' && xfer_add_header(x, req->auth) == -1) ||
	    (req->extra[0][0] != '\0' && xfer_add_header(x, req->extra[0]) == -1) ||
	    (req->extra[1][0] != '\0' && xfer_add_header(x, req->extra[1]) == -1) ||
	    xfer_add_header(x, "Accept: application/json") == -1 ||
	    xfer_add_header(x, "Expect:") == -1 ||
	    (req->body != NULL &&
	    xfer_add_header(x, "Content-Type: application/json") == -1)) {
		log_warnx("http: %s: cannot build the headers", x->what);
		xfer_free(x);
		return -1;
	}
	x->secret = auth_secret(x->slist);
	SETOPT(CURLOPT_URL, req->url);
	SETOPT(CURLOPT_USERAGENT, h->user_agent);
	SETOPT(CURLOPT_HTTPHEADER, x->slist);
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SETOPT(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	/* Aborts early when Content-Length says too much; the write callback does the rest. */
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_body);
	SETOPT(CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(CURLOPT_HEADERFUNCTION, http_header_cb);
	SETOPT(CURLOPT_HEADERDATA, x);
	if (strcmp(req->method, "GET") == 0)
		SETOPT(CURLOPT_HTTPGET, 1L);
	else if (strcmp(req->method, "HEAD") == 0)
		SETOPT(CURLOPT_NOBODY, 1L);
	else {
		/* A body-carrying method; curl copies the (possibly secret) body. */
		if (strcmp(req->method, "POST") != 0)
			SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body != NULL ? strlen(req->body) : 0));
		SETOPT(CURLOPT_COPYPOSTFIELDS, req->body != NULL ? req->body : "");
	}
	if (c != CURLE_OK) {
		log_warnx("http: %s: %s", x->what, curl_easy_strerror(c));
		xfer_free(x);
		return -1;
	}
	return xfer_start(h, x);
}

/* SMTP DATA from memory; curl does the dot-stuffing. */
static size_t
http_read_cb(char *dst, size_t size, size_t n, void *userp)
{
	struct xfer *x = userp;
	size_t want = size * n, left = x->upload_len - x->upload_off;

	if (want > left)
		want = left;
	memcpy(dst, x->upload + x->upload_off, want);
	x->upload_off += want;
	return want;
}

int
http_send_mail(struct http *h, const struct http_mail *m, http_done_cb done, void *arg)
{
	struct xfer *x;
	struct curl_slist *l;
	CURLcode c = CURLE_OK;
	char addr[256];
	size_t i;

	if (h->closing || done == NULL || m->nto == 0)
		return -1;
	if ((x = xfer_new(h, m->what, 64, done, arg)) == NULL)
		return -1;
	for (i = 0; i < m->nto; i++) {
		alert_envelope(m->to[i], addr, sizeof(addr));
		if ((l = curl_slist_append(x->slist, addr)) == NULL) {
			xfer_free(x);
			return -1;
		}
		x->slist = l;
	}
	x->upload_len = strlen(m->message);
	x->upload = xstrdup(m->message);
	/* Only to keep it out of error texts, which come after the caller may have freed it. */
	if (m->password != NULL)
		x->secret = x->password = xstrdup(m->password);
	SETOPT(CURLOPT_URL, m->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	SETOPT(CURLOPT_MAIL_FROM, alert_envelope(m->from, addr, sizeof(addr)));
	SETOPT(CURLOPT_MAIL_RCPT, x->slist);
	SETOPT(CURLOPT_USE_SSL, (long)(m->require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
	if (m->user != NULL) {
		SETOPT(CURLOPT_USERNAME, m->user);
		SETOPT(CURLOPT_PASSWORD, m->password != NULL ? m->password : "");
	}
	SETOPT(CURLOPT_UPLOAD, 1L);
	SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->upload_len);
	SETOPT(CURLOPT_READFUNCTION, http_read_cb);
	SETOPT(CURLOPT_READDATA, x);
	if (c != CURLE_OK) {
		log_warnx("http: %s: %s", x->what, curl_easy_strerror(c));
		xfer_free(x);
		return -1;
	}
	return xfer_start(h, x);
}
#undef SETOPT

void
http_cancel_all(struct http *h)
{
	struct xferq q;
	struct xfer *x;

	/* Only what is in flight now: requests sent by the callbacks below stay. */
	TAILQ_INIT(&q);
	TAILQ_CONCAT(&q, &h->xfers, entry);
	while ((x = TAILQ_FIRST(&q)) != NULL) {
		TAILQ_REMOVE(&q, x, entry);
		curl_multi_remove_handle(h->multi, x->easy);
		h->stats.inflight--;
		h->stats.cancelled++;
		xfer_fail(x, HTTP_CANCELLED);
	}
}

void
http_stats(const struct http *h, struct http_stats *st)
{
	*st = h->stats;
}

void
http_free(struct http *h)
{
	struct sock *s;

	if (h == NULL)
		return;
	h->closing = 1;
	http_cancel_all(h);
	/* Before the base goes: cleanup closes connections through the socket callback. */
	curl_multi_cleanup(h->multi);
	while ((s = LIST_FIRST(&h->socks)) != NULL)
		sock_free(s);
	event_free(h->timer);
	free(h->user_agent);
	free(h->ca_file);
	free(h);
	curl_global_cleanup();
}
