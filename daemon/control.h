/*
 * The control socket: a Unix stream socket (mode 0660) speaking line-delimited JSON, version 1.
 * A request is {"v":1,"cmd":"status"} or {"v":1,"cmd":"poll-now","watch":"brand"}; every
 * request gets one response line {"v":1,"ok":true,...} or {"v":1,"ok":false,"error":"..."}.
 */
#ifndef FG_CONTROL_H
#define FG_CONTROL_H

#include <event2/event.h>
#include <jansson.h>

#define FG_CONTROL_VERSION	1

/* Answers one request: a new object (ok and v are added), or NULL with err set. */
typedef json_t *fg_control_fn(void *arg, const char *cmd, const json_t *req, char *err,
    size_t errlen);

struct control;

/* Listens on path (an old socket file there is replaced). NULL with a logged error. */
struct control	*control_open(struct event_base *, const char *path, fg_control_fn *, void *arg);
void		 control_close(struct control *);	/* also unlinks the socket */

/*
 * Reads one request line (len bytes, without its newline): the request object, with its
 * command in *cmd (borrowed from it), or NULL with the reason in err. The server's parsing,
 * apart from the socket, so that it can be tested and fuzzed alone (tests/fuzz).
 */
json_t		*control_parse(const char *line, size_t len, const char **cmd, char *err,
		    size_t errlen);

/* Client side, for the CLI: one request, one response. NULL with err on failure. */
json_t		*control_call(const char *path, const json_t *req, char *err, size_t errlen);

#endif
