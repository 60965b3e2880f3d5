/*
 * The poller: one self-re-arming, jittered timer per watched account, and a small state
 * machine per poll that walks the provider's steps (login, resolve, pages newest first,
 * hydration) until it reaches a follower already known, then closes the poll through the
 * pipeline. Rate limits from the response headers are respected before every request; 429
 * waits for the reset, transient failures back off exponentially with jitter, and repeated
 * failures mark the watch degraded without stopping the others. Credentials the platform
 * refuses (a revoked app password or token) are not retried every poll: the next attempt
 * waits poller_login_backoff(), until a new secret comes (poller_set_secret, on SIGHUP).
 */
#ifndef FG_POLLER_H
#define FG_POLLER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "pipeline.h"
#include "provider.h"

/* How the poller sends a request: the daemon gives it the HTTP layer; tests a fake. */
typedef void fg_send_done(void *arg, const struct fg_response *, const char *error);
struct poller_io {
	int	(*send)(void *ctx, const struct fg_request *, fg_send_done *, void *arg);
	void	 *ctx;
};

enum { FG_ST_2XX, FG_ST_3XX, FG_ST_4XX, FG_ST_429, FG_ST_5XX, FG_ST_NONE };
extern const char *const fg_status_class[6];

struct watch_status {
	const char	*name;
	const char	*provider;
	int		 busy;		/* a poll is under way */
	int		 degraded;	/* repeated failures, refused credentials; why: last_error */
	int		 failures;	/* in a row */
	unsigned	 refusals;	/* logins (credentials) refused in a row */
	int64_t		 login_retry;	/* refused: no login before this time; 0 none */
	int64_t		 last_poll;	/* end of the last complete poll, 0 never */
	int64_t		 next_poll;	/* when the timer fires next */
	int64_t		 followers;	/* the platform's own count, -1 unknown */
	uint64_t	 polls;
	uint64_t	 requests;	/* sent, all steps */
	uint64_t	 by_status[6];	/* responses: 2xx, 3xx, 4xx, 429, 5xx, no response */
	uint64_t	 last_requests;	/* requests of the last complete poll */
	uint64_t	 last_new;	/* new followers found by the last complete poll */
	uint64_t	 unreadable;	/* followers left out of pages: their object was unreadable */
	int64_t		 stored;	/* followers stored as following after the last poll, -1 */
	int		 count_mismatch;	/* stored and the platform's count disagree */
	struct fg_ratelimit rl;		/* the polling budget (followers, profiles) */
	struct fg_ratelimit login_rl;	/* the login endpoint's own (createSession) */
	char		 last_error[256];	/* never holds a secret */
};

/* Seconds before login attempt number refusals + 1: interval doubling, at most 6 h. */
#define POLLER_LOGIN_BACKOFF_MAX	(6 * 3600)
int64_t		 poller_login_backoff(int64_t interval, unsigned refusals);
/*
 * Whether the platform's follower count and the followers stored as following disagree by
 * more than max(2 %, 20): followers the polls missed (or unfollows not seen yet).
 */
int		 poller_count_mismatch(int64_t platform, int64_t stored);

/*
 * What the poller tells the daemon, and asks it. degraded: the watch became degraded (once
 * per degradation, not per poll), reason as in last_error. stored_following: how many
 * followers of the watch are stored as following, -1 on error; NULL skips the check of the
 * platform's count against it.
 */
struct poller_hooks {
	void	(*degraded)(void *arg, const char *watch, const char *reason);
	long	(*stored_following)(void *arg, const char *watch);
	void	 *arg;
};

struct fg_clock;
struct poller;

/* The poller reads time and arms its timers only through the clock (clock.h). */
struct poller	*poller_new(struct fg_clock *, struct fg_pipeline *, const struct poller_io *,
		    fg_report_cb *, void *cbarg);
void		 poller_free(struct poller *);
/*
 * Starts watching (first poll after a short jittered delay); a full reconcile pass starts
 * every `reconcile` seconds. The secret is read from token_file by the caller and handed
 * over (the poller frees it). -1 with err on failure.
 */
int		 poller_add(struct poller *, const struct fg_watch_conf *, char *secret,
		    int64_t interval, int64_t reconcile, char *err, size_t errlen);
void		 poller_set_hooks(struct poller *, const struct poller_hooks *);
/*
 * A watch's secret as read again from its token_file (SIGHUP); the poller takes it. A new
 * secret drops the session, ends a login backoff and logs in again soon; the old one is
 * wiped. 1 if it changed, 0 if it was the same, -1 if there is no such watch.
 */
int		 poller_set_secret(struct poller *, const char *name, char *secret);
/* Stops watching: an in-flight request finishes into the void. */
void		 poller_remove(struct poller *, const char *name);
int		 poller_has(const struct poller *, const char *name);
/*
 * Polls now unless a poll is under way. -1 if no such watch; 1 if its credentials were
 * refused and the login backoff is not over (a new token_file and SIGHUP end it).
 */
int		 poller_poll_now(struct poller *, const char *name);
size_t		 poller_count(const struct poller *);
/* Status of the i-th watch; pointers valid until the poller changes. */
void		 poller_status(const struct poller *, size_t i, struct watch_status *);
/*
 * An action on a watched account besides polling: a removal, a page of its following list.
 * Actions queue per watch and go out between polls, one request at a time, within the same
 * rate budget and session (login and resolve happen first if the watch has not polled yet).
 * Transient failures are retried with backoff, a 429 waits for the reset, an expired session
 * is renewed; done gets the final verdict once (never from inside poller_act).
 */
struct poller_action {
	int		(*build)(void *arg, const struct fg_provider *, const struct fg_account *,
			    struct fg_request *);
	enum fg_presult	(*parse)(void *arg, const struct fg_provider *, const struct fg_account *,
			    const struct fg_response *, char *err, size_t errlen);
	void		(*done)(void *arg, enum fg_presult, const char *err);
	void		 *arg;
};

/* Queues an action. -1 if there is no such watch. */
int		 poller_act(struct poller *, const char *watch, const struct poller_action *);
/* Drops the queued actions whose arg is arg (done is not called); one in flight ends unseen. */
void		 poller_act_cancel(struct poller *, void *arg);
/* The watch's provider, or NULL. */
const struct fg_provider *poller_provider(const struct poller *, const char *watch);
/* Whether any request is in flight (for a graceful stop). */
int		 poller_busy(const struct poller *);

#endif
