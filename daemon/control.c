/* The control socket, server and client. See control.h. */
#define _GNU_SOURCE	/* struct ucred */
#include <sys/queue.h>
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

#include "control.h"
#include "jsonin.h"
#include "listen.h"
#include "log.h"
#include "xmalloc.h"

#define LINE_MAX_BYTES	(8 << 20)	/* a request longer than this is refused (a purge --from-file list fits) */
#define IDLE_S		30		/* a connection silent this long is closed (the CLI waits 10 s) */
#define REFUSED_IDLE_S	2		/* a refused one: it only waits for the request to answer it */
#define REFUSED_MAX	4096		/* bytes of a refused request waited for, unread */

struct conn {
	LIST_ENTRY(conn)	 entry;
	struct control		*c;
	struct bufferevent	*bev;
	struct control_peer	 peer;
};

struct control {
	struct event_base	*base;
	struct listener		*listener;
	LIST_HEAD(, conn)	 conns;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t			 dev;		/* the socket file we bound, to unlink only ours */
	ino_t			 ino;
	uid_t			 self;
	gid_t			 gid;		/* the socket's group */
	struct ratelog		 log_refused;
	fg_control_fn		*fn;
	void			*arg;
};

static void	on_event(struct bufferevent *, short, void *);

enum control_access
control_access(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, uid_t self,
    gid_t sock_gid)
{
	size_t i;

	if (uid == 0 || uid == self)
		return CONTROL_OPERATOR;
	if (gid == sock_gid)
		return CONTROL_MEMBER;
	for (i = 0; i < ngroups; i++)
		if (groups[i] == sock_gid)
			return CONTROL_MEMBER;
	return CONTROL_REFUSED;
}

static void
conn_free(struct conn *k)
{
	LIST_REMOVE(k, entry);
	bufferevent_free(k->bev);
	listener_done(k->c->listener);
	free(k);
}

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
on_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_free(arg);
}

/* The last word: nothing more is read, and the connection closes once o is out. */
static void
reply_and_close(struct conn *k, json_t *o)
{
	bufferevent_disable(k->bev, EV_READ);
	reply(k->bev, o);
	bufferevent_setcb(k->bev, NULL, on_written, on_event, k);
}

/*
 * A refused peer gets its answer after its request, as a client expects (one answered before
 * it would meet a closed socket when it writes); the request itself is never parsed.
 */
static void
refuse(struct conn *k)
{
	struct evbuffer *in = bufferevent_get_input(k->bev);
	char msg[256];

	if (evbuffer_search(in, "\n", 1, NULL).pos == -1 && evbuffer_get_length(in) < REFUSED_MAX)
		return;
	evbuffer_drain(in, evbuffer_get_length(in));
	snprintf(msg, sizeof(msg), "permission denied: uid %lu is not root, the daemon's user "
	    "(uid %lu) or in the control socket's group (gid %lu)", (unsigned long)k->peer.uid,
	    (unsigned long)k->c->self, (unsigned long)k->c->gid);
	reply_and_close(k, failure(msg));
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct conn *k = arg;
	struct control *c = k->c;
	struct evbuffer *in = bufferevent_get_input(bev);
	json_t *req, *res;
	const char *cmd;
	char err[256], *line;
	size_t len;

	if (k->peer.access == CONTROL_REFUSED) {
		refuse(k);
		return;
	}
	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		req = control_parse(line, len, &cmd, err, sizeof(err));
		free(line);
		if (req == NULL) {
			reply(bev, failure(err));
			continue;
		}
		if ((res = c->fn(c->arg, &k->peer, cmd, req, err, sizeof(err))) == NULL) {
			reply(bev, failure(err));
		} else {
			json_object_set_new(res, "ok", json_true());
			reply(bev, res);
		}
		json_decref(req);
	}
	if (evbuffer_get_length(in) > LINE_MAX_BYTES)
		reply_and_close(k, failure("request too long"));
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		conn_free(arg);
}

/* The peer's credentials as the kernel recorded them at connect(). -1 if unknown. */
static int
peer_of(evutil_socket_t fd, struct control *c, struct control_peer *p)
{
	struct ucred uc;
	gid_t groups[256];
	socklen_t len = sizeof(uc);
	size_t ngroups = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return -1;
	p->pid = uc.pid;
	p->uid = uc.uid;
	p->gid = uc.gid;
	/* Supplementary groups: Linux 4.13 and later; a peer with more than 256 has its first. */
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		ngroups = len / sizeof(groups[0]);
	else if (errno == ERANGE)
		ngroups = sizeof(groups) / sizeof(groups[0]);
	p->access = control_access(p->uid, p->gid, groups, ngroups, c->self, c->gid);
	return 0;
}

static void
on_accept(void *arg, evutil_socket_t fd, struct sockaddr *sa, int len)
{
	struct control *c = arg;
	struct conn *k;
	struct timeval idle = { IDLE_S, 0 }, brief = { REFUSED_IDLE_S, 0 };
	unsigned held;

	(void)sa;
	(void)len;
	k = xcalloc(1, sizeof(*k));
	k->c = c;
	if ((k->bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		free(k);
		listener_done(c->listener);
		return;
	}
	LIST_INSERT_HEAD(&c->conns, k, entry);
	bufferevent_set_timeouts(k->bev, &idle, &idle);
	bufferevent_setcb(k->bev, on_read, NULL, on_event, k);
	bufferevent_enable(k->bev, EV_READ | EV_WRITE);
	if (peer_of(fd, c, &k->peer) == -1)
		k->peer.access = CONTROL_REFUSED;
	if (k->peer.access != CONTROL_REFUSED)
		return;
	/* Refusals are logged, but a caller cannot flood the log with them. */
	if (ratelog_due(&c->log_refused, mono_ms(), &held))
		log_warnx("control socket: uid %lu (pid %ld) refused (%u more refusals held back)",
		    (unsigned long)k->peer.uid, (long)k->peer.pid, held);
	/* Nor hold a slot long. */
	bufferevent_set_timeouts(k->bev, &brief, &brief);
}

/* 1 if a live process accepts connections on path. */
static int
answering(const struct sockaddr_un *sun)
{
	int fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return rc;
}

struct control *
control_open(struct event_base *base, const char *path, int max_conns, fg_control_fn *fn,
    void *arg)
{
	struct control *c;
	struct sockaddr_un sun;
	struct stat sb;
	char err[512];
	mode_t old;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return NULL;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* Another daemon's socket is never taken over: its users would lose it. */
	if (answering(&sun)) {
		log_warnx("control socket %s: another followguardd answers there; not replacing it",
		    path);
		return NULL;
	}
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("control socket %s: unlink", path);
	c = xcalloc(1, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->base = base;
	c->fn = fn;
	c->arg = arg;
	c->self = geteuid();
	LIST_INIT(&c->conns);
	/* The owner and its group only; the peer check below is what decides. */
	old = umask(0117);
	c->listener = listener_new(base, "control socket", (struct sockaddr *)&sun, sizeof(sun),
	    max_conns, on_accept, c, err, sizeof(err));
	umask(old);
	if (c->listener == NULL || stat(path, &sb) == -1) {
		if (c->listener == NULL)
			log_warnx("%s %s", err, path);
		else
			log_warn("control socket %s", path);
		listener_free(c->listener);
		free(c);
		return NULL;
	}
	c->dev = sb.st_dev;
	c->ino = sb.st_ino;
	c->gid = sb.st_gid;
	return c;
}

void
control_close(struct control *c)
{
	struct stat sb;

	if (c == NULL)
		return;
	while (!LIST_EMPTY(&c->conns))
		conn_free(LIST_FIRST(&c->conns));
	listener_free(c->listener);
	/* Unlinked only if it is still the file we bound, not a successor's. */
	if (stat(c->path, &sb) == 0 && sb.st_dev == c->dev && sb.st_ino == c->ino)
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
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "%s: socket: %s", path, strerror(errno));
		return NULL;
	}
	/*
	 * A daemon that hangs must not hang the CLI with it: not in read(), nor in connect(),
	 * which on a Unix socket whose backlog is full waits as long as the send timeout allows.
	 */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "%s: %s (is followguardd running?)", path,
		    errno == EAGAIN ? "the daemon accepts no connection" : strerror(errno));
		close(fd);
		return NULL;
	}
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
