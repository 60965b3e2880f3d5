/*
 * Wall and virtual time behind one interface (clock.h). A real timer is a libevent timer; a
 * virtual one is a due time on its clock's list, fired by clock_advance.
 */
#include <math.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>

#include "clock.h"
#include "log.h"
#include "xmalloc.h"

struct fg_clock {
	struct event_base	*base;		/* NULL: virtual */
	double			 now;		/* virtual time */
	TAILQ_HEAD(, fg_timer)	 timers;	/* virtual, every one */
};

struct fg_timer {
	struct fg_clock		*c;
	fg_timer_cb		*cb;
	void			*arg;
	struct event		*ev;		/* real */
	int			 armed;		/* virtual */
	double			 due;
	TAILQ_ENTRY(fg_timer)	 entry;
};

struct fg_clock *
clock_real(struct event_base *base)
{
	struct fg_clock *c = xcalloc(1, sizeof(*c));

	c->base = base;
	TAILQ_INIT(&c->timers);
	return c;
}

struct fg_clock *
clock_virtual(int64_t start)
{
	struct fg_clock *c = xcalloc(1, sizeof(*c));

	c->now = (double)start;
	TAILQ_INIT(&c->timers);
	return c;
}

void
clock_free(struct fg_clock *c)
{
	if (c != NULL && !TAILQ_EMPTY(&c->timers))
		fatalx("clock_free: a timer is still alive");
	free(c);
}

int64_t
clock_now(const struct fg_clock *c)
{
	return c->base != NULL ? (int64_t)time(NULL) : (int64_t)floor(c->now);
}

static void
on_event(evutil_socket_t fd, short what, void *arg)
{
	struct fg_timer *t = arg;

	(void)fd;
	(void)what;
	t->cb(t->arg);
}

struct fg_timer *
timer_new(struct fg_clock *c, fg_timer_cb *cb, void *arg)
{
	struct fg_timer *t = xcalloc(1, sizeof(*t));

	t->c = c;
	t->cb = cb;
	t->arg = arg;
	if (c->base == NULL)
		TAILQ_INSERT_TAIL(&c->timers, t, entry);
	else if ((t->ev = evtimer_new(c->base, on_event, t)) == NULL)
		fatalx("evtimer_new");
	return t;
}

void
timer_arm(struct fg_timer *t, double seconds)
{
	struct timeval tv;

	if (!(seconds > 0))	/* negative and NaN alike */
		seconds = 0;
	if (t->ev == NULL) {
		t->armed = 1;
		t->due = t->c->now + seconds;
		return;
	}
	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	/*
	 * libevent counts a timer from the time it cached when the loop last woke; after a long
	 * callback that is in the past, and the timer would fire early: a purge's grace period
	 * would end before its second. Counted from now instead.
	 */
	event_base_update_cache_time(t->c->base);
	evtimer_add(t->ev, &tv);
}

void
timer_disarm(struct fg_timer *t)
{
	if (t->ev != NULL)
		evtimer_del(t->ev);
	t->armed = 0;
}

int
timer_pending(const struct fg_timer *t)
{
	return t->ev != NULL ? evtimer_pending(t->ev, NULL) != 0 : t->armed;
}

void
timer_free(struct fg_timer *t)
{
	if (t == NULL)
		return;
	if (t->ev != NULL)
		event_free(t->ev);
	else
		TAILQ_REMOVE(&t->c->timers, t, entry);
	free(t);
}

static struct fg_timer *
earliest(const struct fg_clock *c)
{
	struct fg_timer *t, *first = NULL;

	TAILQ_FOREACH(t, &c->timers, entry)
		if (t->armed && (first == NULL || t->due < first->due))
			first = t;
	return first;
}

size_t
clock_advance(struct fg_clock *c, double seconds)
{
	double end = c->now + (seconds > 0 ? seconds : 0);
	struct fg_timer *t;
	size_t fired = 0;

	if (c->base != NULL)
		fatalx("clock_advance: the wall clock moves by itself");
	while ((t = earliest(c)) != NULL && t->due <= end) {
		if (t->due > c->now)
			c->now = t->due;
		t->armed = 0;
		fired++;
		t->cb(t->arg);	/* may free or re-arm any timer */
	}
	c->now = end;
	return fired;
}

double
clock_next(const struct fg_clock *c)
{
	const struct fg_timer *t = earliest(c);

	if (t == NULL)
		return -1;
	return t->due > c->now ? t->due - c->now : 0;
}

void
clock_run(struct fg_clock *c, double seconds, void (*settle)(void *), void *arg)
{
	double left = seconds, next;

	settle(arg);
	while ((next = clock_next(c)) >= 0 && next <= left) {
		clock_advance(c, next);
		left -= next;
		settle(arg);
	}
	clock_advance(c, left);
	settle(arg);
}
