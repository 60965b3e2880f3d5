/* Listeners with limits. See listen.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/listener.h>

#include "listen.h"
#include "log.h"
#include "xmalloc.h"

#define BACKOFF_FIRST_MS	100
#define BACKOFF_MAX_MS		5000

struct listener {
	struct evconnlistener	*lev;
	struct event		*resume;	/* the end of an accept-error pause */
	char			*name;
	int			 max, conns;
	int			 full;		/* not accepting: max connections open */
	int			 paused;	/* not accepting: backing off after an error */
	int			 backoff_ms;	/* the last pause; 0 after an accept that worked */
	uint64_t		 errors;
	struct ratelog		 log_full, log_err;
	listen_accept_fn	*fn;
	void			*arg;
};

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ratelog_due(struct ratelog *r, int64_t now, unsigned *held)
{
	if (r->last != 0 && now - r->last < FG_RATELOG_PERIOD_MS) {
		r->held++;
		return 0;
	}
	*held = r->held;
	r->held = 0;
	r->last = now != 0 ? now : 1;
	return 1;
}

static void
resume_if_free(struct listener *l)
{
	if (!l->full && !l->paused)
		evconnlistener_enable(l->lev);
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int len,
    void *arg)
{
	struct listener *l = arg;
	unsigned held;

	(void)lev;
	l->backoff_ms = 0;
	if (++l->conns >= l->max) {
		/* Connections past the limit wait in the kernel's backlog, not in our table. */
		evconnlistener_disable(l->lev);
		l->full = 1;
		if (ratelog_due(&l->log_full, mono_ms(), &held))
			log_warnx("%s: %d connections open, the limit; new ones wait until one "
			    "closes (%u such notices held back)", l->name, l->max, held);
	}
	l->fn(l->arg, fd, sa, len);
}

static void
on_error(struct evconnlistener *lev, void *arg)
{
	struct listener *l = arg;
	struct timeval tv;
	unsigned held;
	int err = EVUTIL_SOCKET_ERROR();

	(void)lev;
	l->errors++;
	/* Level-triggered, a failing accept() would fire again at once: a busy loop and a log flood. */
	evconnlistener_disable(l->lev);
	l->paused = 1;
	l->backoff_ms = l->backoff_ms == 0 ? BACKOFF_FIRST_MS :
	    l->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : l->backoff_ms * 2;
	if (ratelog_due(&l->log_err, mono_ms(), &held))
		log_warnx("%s: accept: %s; accepting again in %d ms (%u such errors held back)",
		    l->name, strerror(err), l->backoff_ms, held);
	tv.tv_sec = l->backoff_ms / 1000;
	tv.tv_usec = (l->backoff_ms % 1000) * 1000;
	evtimer_add(l->resume, &tv);
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;

	(void)fd;
	(void)what;
	l->paused = 0;
	resume_if_free(l);
}

struct listener *
listener_new(struct event_base *base, const char *name, const struct sockaddr *sa,
    socklen_t salen, int max_conns, listen_accept_fn *fn, void *arg, char *err, size_t errlen)
{
	struct listener *l;
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;

	if (sa->sa_family != AF_UNIX)
		flags |= LEV_OPT_REUSEABLE;	/* a restart must not wait for TIME_WAIT */
	l = xcalloc(1, sizeof(*l));
	l->name = xstrdup(name);
	l->max = max_conns > 0 ? max_conns : 1;
	l->fn = fn;
	l->arg = arg;
	l->lev = evconnlistener_new_bind(base, on_accept, l, flags, -1, sa, (int)salen);
	if (l->lev == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		free(l->name);
		free(l);
		return NULL;
	}
	evconnlistener_set_error_cb(l->lev, on_error);
	l->resume = evtimer_new(base, on_resume, l);
	return l;
}

void
listener_done(struct listener *l)
{
	if (l->conns > 0)
		l->conns--;
	if (l->full && l->conns < l->max) {
		l->full = 0;
		resume_if_free(l);
	}
}

int
listener_conns(const struct listener *l)
{
	return l->conns;
}

uint64_t
listener_errors(const struct listener *l)
{
	return l->errors;
}

void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	evconnlistener_free(l->lev);
	event_free(l->resume);
	free(l->name);
	free(l);
}
