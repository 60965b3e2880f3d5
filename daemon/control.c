/* The control socket, server and client. See control.h. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "control.h"
#include "jsonin.h"
#include "log.h"
#include "xmalloc.h"

#define LINE_MAX_BYTES	(8 << 20)	/* a request longer than this is refused (a purge --from-file list fits) */

struct control {
	struct evconnlistener	*listener;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	fg_control_fn		*fn;
	void			*arg;
};

static void
reply(struct bufferevent *bev, json_t *o)
{
	char *s;

	json_object_set_new(o, "v", json_integer(FG_CONTROL_VERSION));
	if ((s = json_dumps(o, JSON_COMPACT)) != NULL) {
		bufferevent_write(bev, s, strlen(s));
		bufferevent_write(bev, "\n", 1);
		free(s);
	}
	json_decref(o);
}

static json_t *
failure(const char *msg)
{
	json_t *o = json_pack("{s:b, s:s}", "ok", 0, "error", msg);

	/* A message that is not UTF-8 must still get the client an answer. */
	return o != NULL ? o : json_pack("{s:b, s:s}", "ok", 0, "error", "request refused");
}

json_t *
control_parse(const char *line, size_t len, const char **cmd, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *req;
	const char *why;

	/* Any JSON text is read; names and ids are C strings, so none may hold NUL. */
	req = json_loadb(line, len, FG_JSON_IN, &jerr);
	if (!json_is_object(req))
		why = "request is not a JSON object";
	else if (jsonin_has_nul(req))
		why = "a string in the request holds \\u0000";
	else if (json_integer_value(json_object_get(req, "v")) != FG_CONTROL_VERSION)
		why = "unsupported protocol version (this daemon speaks 1)";
	else if ((*cmd = json_string_value(json_object_get(req, "cmd"))) == NULL)
		why = "\"cmd\" missing";
	else
		return req;
	snprintf(err, errlen, "%s", why);
	json_decref(req);
	return NULL;
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct control *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	json_t *req, *res;
	const char *cmd;
	char err[256], *line;
	size_t len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		req = control_parse(line, len, &cmd, err, sizeof(err));
		free(line);
		if (req == NULL) {
			reply(bev, failure(err));
			continue;
		}
		if ((res = c->fn(c->arg, cmd, req, err, sizeof(err))) == NULL) {
			reply(bev, failure(err));
		} else {
			json_object_set_new(res, "ok", json_true());
			reply(bev, res);
		}
		json_decref(req);
	}
	if (evbuffer_get_length(in) > LINE_MAX_BYTES) {
		reply(bev, failure("request too long"));
		bufferevent_disable(bev, EV_READ);
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
    void *arg)
{
	struct bufferevent *bev;

	(void)sa;
	(void)len;
	bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, on_read, NULL, on_event, arg);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct control *
control_open(struct event_base *base, const char *path, fg_control_fn *fn, void *arg)
{
	struct control *c;
	struct sockaddr_un sun;
	mode_t old;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->fn = fn;
	c->arg = arg;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("control socket %s: unlink", path);
	/* The owner and its group (the CLI's users) only. */
	old = umask(0117);
	c->listener = evconnlistener_new_bind(base, on_accept, c,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, (struct sockaddr *)&sun,
	    sizeof(sun));
	umask(old);
	if (c->listener == NULL) {
		log_warn("control socket %s", path);
		free(c);
		return NULL;
	}
	return c;
}

void
control_close(struct control *c)
{
	if (c == NULL)
		return;
	evconnlistener_free(c->listener);
	unlink(c->path);
	free(c);
}

json_t *
control_call(const char *path, const json_t *req, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	json_error_t jerr;
	json_t *res = NULL;
	char *out, buf[65536];
	size_t got = 0;
	ssize_t n;
	int fd;
	struct timeval tmo = { 10, 0 };

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return NULL;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "%s: %s (is followguardd running?)", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	/* A daemon that hangs must not hang the CLI with it. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	out = json_dumps(req, JSON_COMPACT);
	if (out == NULL || write(fd, out, strlen(out)) == -1 || write(fd, "\n", 1) == -1) {
		snprintf(err, errlen, "%s: write: %s", path, strerror(errno));
		goto done;
	}
	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += (size_t)n;
		if (memchr(buf, '\n', got) != NULL)
			break;
	}
	buf[got] = '\0';
	if ((res = json_loads(buf, JSON_DISABLE_EOF_CHECK, &jerr)) == NULL)
		snprintf(err, errlen, "%s: bad response: %s", path, jerr.text);
done:
	free(out);
	close(fd);
	return res;
}
