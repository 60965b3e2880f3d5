/*
 * Time as the daemon's workers (poller, purger, deliverer) see it: "now" in Unix seconds and
 * one-shot timers, nothing else. The daemon runs them on the wall clock and libevent's timers;
 * tests run them on a virtual clock they move by hand, so a six-hour login backoff, a purge's
 * grace period or a rate-limit reset passes in microseconds, and no test depends on how fast
 * the machine is.
 */
#ifndef FG_CLOCK_H
#define FG_CLOCK_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct fg_clock;
struct fg_timer;

typedef void fg_timer_cb(void *arg);

/* The wall clock; timers are libevent timers on base. */
struct fg_clock	*clock_real(struct event_base *);
/* A virtual clock at Unix time start; its timers fire only in clock_advance(). */
struct fg_clock	*clock_virtual(int64_t start);
/* Every timer of the clock must be freed first. */
void		 clock_free(struct fg_clock *);
int64_t		 clock_now(const struct fg_clock *);

struct fg_timer	*timer_new(struct fg_clock *, fg_timer_cb *, void *arg);
/* (Re-)arms the timer to fire once, seconds from now (negative: now). */
void		 timer_arm(struct fg_timer *, double seconds);
void		 timer_disarm(struct fg_timer *);
int		 timer_pending(const struct fg_timer *);
void		 timer_free(struct fg_timer *);

/*
 * Virtual clocks only. clock_advance moves time forward by seconds (0: fire only what is due),
 * firing every timer that falls due on the way, in order, with the clock set to its due time;
 * a timer armed by a callback fires too if it falls inside the step. The number fired.
 * clock_next: seconds until the earliest armed timer, -1 if none is armed.
 */
size_t		 clock_advance(struct fg_clock *, double seconds);
double		 clock_next(const struct fg_clock *);
/*
 * Like clock_advance, but settle(arg) runs first, after each timer's step and at the end:
 * what a timer set going outside the clock (a reply through the event loop) is done before
 * time moves on.
 */
void		 clock_run(struct fg_clock *, double seconds, void (*settle)(void *), void *arg);

#endif
