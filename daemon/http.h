/*
 * HTTP client of the daemon: one libcurl multi handle driven by the daemon's libevent base, so
 * every request runs concurrently on the loop's thread and none blocks it (resolution, TLS,
 * slow servers, large pages). Connections are kept and reused between requests.
 *
 * A request is a struct fg_request (provider.h); http_send copies it, so the caller may free or
 * reuse it at once. Its auth header and body are secrets: they go to the server and nowhere else
 * (no log line, no error text).
 */
#ifndef FG_HTTP_H
#define FG_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "provider.h"

struct event_base;
struct http;

struct http_opts {
	const char	*user_agent;		/* NULL: "followguard/VERSION" */
	long		 timeout_ms;		/* whole request; 0: 30000 */
	long		 connect_timeout_ms;	/* 0: 10000 */
	size_t		 max_body;		/* bigger bodies fail; 0: 16 MiB */
	const char	*ca_file;		/* CA bundle, NULL: the system's; always verified */
};

struct http_stats {
	uint64_t	requests;	/* accepted by http_send */
	uint64_t	responses;	/* complete responses, any status */
	uint64_t	errors;		/* no usable response: timeout, connection, cap */
	uint64_t	cancelled;
	uint64_t	inflight;
};

/*
 * Called exactly once per request, never from inside http_send. With error NULL the response
 * is complete (any status: a 429 or 500 is a response, not an error). Otherwise error is a
 * short text without secrets ("timeout after 10000 ms", "cancelled", ...) and the response has
 * status 0, no body and no headers. The response and its strings live until the callback
 * returns; body is NUL-terminated. The callback may send new requests and may call
 * http_cancel_all, but not http_free.
 */
typedef void	(*http_done_cb)(void *arg, const struct fg_response *, const char *error);

/* NULL (with a warning) if libcurl cannot be set up. opts may be NULL for the defaults. */
struct http	*http_new(struct event_base *, const struct http_opts *);
/* 0 when started; -1 (nothing sent, done never called): malformed, or http_free running. */
int		 http_send(struct http *, const struct fg_request *, http_done_cb, void *arg);
/* An e-mail for SMTP (smtp:// with STARTTLS, or smtps://). */
struct http_mail {
	const char	  *url;
	const char	  *from;	/* "a@b" or "Name <a@b>" */
	const char *const *to;
	size_t		   nto;
	const char	  *message;	/* RFC 5322 text with CRLF line ends */
	const char	  *user;	/* NULL: no AUTH */
	const char	  *password;	/* secret */
	int		   require_tls;	/* else STARTTLS when the server offers it */
	const char	  *what;	/* for logs */
};

/*
 * Sends a mail like http_send sends a request; done gets the server's last reply code as
 * the status (250), or an error. Every recipient must be accepted for success.
 */
int		 http_send_mail(struct http *, const struct http_mail *, http_done_cb, void *arg);
/* The error a request gets when it is cancelled. */
#define HTTP_CANCELLED	"cancelled"
/* Ends every request in flight now; their callbacks get error "cancelled". */
void		 http_cancel_all(struct http *);
void		 http_stats(const struct http *, struct http_stats *);
/* Cancels what is in flight, then frees; call before event_base_free. NULL is a no-op. */
void		 http_free(struct http *);

#endif
