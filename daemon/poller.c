/*
 * The poller. See poller.h.
 *
 * A poll of one watch is a chain of requests, each sent from a timer or a completion
 * callback, never in a loop: the event loop stays free between steps, and many watches
 * interleave on one thread.
 */
#include <sys/queue.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "clock.h"
#include "poller.h"
#include "timeutil.h"
#include "xmalloc.h"

#define FIRST_DELAY_MAX	10	/* seconds: first polls spread over this */
#define BACKOFF_MAX	300	/* seconds */
#define RETRIES_MAX	5	/* transient failures in one poll before it is abandoned */
#define DEGRADED_AFTER	3	/* failed polls in a row */
#define RESUMES_MAX	3	/* attempts at an unfinished poll before it is closed as it is */
#define WAIT_MAX	3600	/* seconds: the longest wait a platform may ask for */

enum step { S_LOGIN, S_RESOLVE, S_PAGE, S_HYDRATE, S_RECONCILE };

static const char *const step_names[] = { "login", "resolve", "followers page", "hydration",
    "reconcile page" };

#define RECONCILE_PAGES	20	/* most reconcile pages read in one poll */
/*
 * Incremental paging reads on until this many followers in a row, newest first, were already
 * known (or the list ends), and ingests every unknown follower on the pages it reads, not only
 * those above the first known one: a platform that indexes late (the Bluesky AppView under
 * load) lists some new followers below known ones. Capped at the provider's page size, so a
 * poll that finds k new followers at the top reads at most ceil(k / page) + 1 pages, plus
 * those it reads again while recent arrivals may still be filling in (LATE_WINDOW).
 */
#define OVERLAP		40
/*
 * A follow indexed late is listed at its own time, below every follower who came after it and
 * was listed sooner (the AppView under a purchase of 200 accounts: a minute late, some
 * hundreds deep). Those are at most the followers stored in the last LATE_WINDOW, so paging
 * reads on until it has also seen as many known ones as that (at most LATE_MAX): a burst is
 * read again while it may still be filling in; a quiet account pages as before. Kept in memory: after a restart
 * the reconcile pass and the count check are what find a deeper one.
 */
#define LATE_WINDOW	(15 * 60)
#define LATE_MAX	1000
#define LATE_POLLS	64	/* the polls that stored followers, remembered for that */
#define SKIPS_LOGGED	5	/* unreadable followers logged per page; the rest are counted */
#define COUNT_SLACK	20	/* followers the platform's count may differ by, or 2 % */

const char *const fg_status_class[6] = { "2xx", "3xx", "4xx", "429", "5xx", "none" };

static int
status_class(const struct fg_response *resp, const char *error)
{
	if (error != NULL || resp == NULL || resp->status < 200)
		return FG_ST_NONE;
	if (resp->status == 429)
		return FG_ST_429;
	return resp->status < 300 ? FG_ST_2XX : resp->status < 400 ? FG_ST_3XX :
	    resp->status < 500 ? FG_ST_4XX : FG_ST_5XX;
}

/* A queued action and where it is: a login or resolve first, then its own request. */
enum aphase { A_LOGIN, A_RESOLVE, A_MAIN };

struct act {
	TAILQ_ENTRY(act)	 entry;
	struct poller_action	 a;
	int			 retries;
	int			 dropped;	/* cancelled while in flight */
};
TAILQ_HEAD(actq, act);

struct pwatch {
	struct poller		*p;
	struct actq		 acts;
	struct act		*act_out;	/* the action whose request is out */
	enum aphase		 aphase;
	struct fg_timer		*atimer;	/* an action waiting: budget, backoff */
	int			 poll_due;	/* the poll timer fired while an action was out */
	char			 name[FG_WATCH_MAX + 1];
	const struct fg_provider *prov;
	struct fg_account	 acct;
	struct fg_timer		*timer;
	int64_t			 interval;
	int			 inflight;	/* a request is out */
	int			 removed;	/* free when it comes back */
	/*
	 * A new secret (SIGHUP) bumps secret_gen; a refusal of a request sent under an older
	 * one says nothing about the new. relogin: the session is dropped when the watch is
	 * next idle, not under a poll or action that uses it.
	 */
	unsigned		 secret_gen, sent_gen;
	int			 relogin;
	/* the poll under way */
	int			 busy;
	enum step		 step;
	char			*cursor;
	struct fg_page		 page;
	size_t			 fresh;		/* new followers on the current page, first */
	size_t			 hydrated;	/* of which hydrated so far */
	enum step		 hfor;		/* the step hydration serves: page or reconcile */
	size_t			 run;		/* known followers in a row, this poll's paging */
	uint64_t		 known_read;	/* and in all */
	int			 initial;	/* the initial full scan: never stop early */
	int			 paged;		/* its incremental part is read (a resumed poll) */
	int64_t			 checked_count;	/* the platform's count at the last count check */
	int64_t			 resumed_t;	/* the unfinished poll last resumed, and how often */
	int			 resumes;
	int			 retries;
	int64_t			 poll_t;
	uint64_t		 poll_requests, poll_new;
	int64_t			 late_t[LATE_POLLS];	/* recent polls that stored followers */
	uint64_t		 late_n[LATE_POLLS];
	unsigned		 late_i;
	/*
	 * The reconcile pass: the whole list, a few pages after each poll's incremental part,
	 * finds unfollows (followers not seen since the pass began) and missed follows.
	 */
	int64_t			 reconcile_every;
	int			 rpass;		/* a pass is under way */
	char			*rcursor;
	int64_t			 rstart, rdone;
	unsigned		 rpages;	/* read in the current poll */
	struct watch_status	 st;
};

struct poller {
	struct fg_clock		*clock;
	struct fg_pipeline	*pl;
	struct poller_io	 io;
	fg_report_cb		*cb;
	void			*cbarg;
	struct pwatch		**w;
	size_t			 nw;
	uint64_t		 rng;
	struct poller_hooks	 hooks;
};

static void step_run(struct pwatch *);
static void on_timer(void *);
static void act_kick(struct pwatch *);
static void on_atimer(void *);

int64_t
poller_login_backoff(int64_t interval, unsigned refusals)
{
	int64_t d = interval > 0 ? interval : 1;
	unsigned i;

	for (i = 1; i < refusals && d < POLLER_LOGIN_BACKOFF_MAX; i++)
		d *= 2;
	return d < POLLER_LOGIN_BACKOFF_MAX ? d : POLLER_LOGIN_BACKOFF_MAX;
}

int
poller_count_mismatch(int64_t platform, int64_t stored)
{
	int64_t diff = platform > stored ? platform - stored : stored - platform;
	int64_t tol = platform / 50 > COUNT_SLACK ? platform / 50 : COUNT_SLACK;

	return platform >= 0 && stored >= 0 && diff > tol;
}

static double
uniform(struct poller *p)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return (double)(p->rng >> 11) / 9007199254740992.0;
}

static int64_t
wnow(const struct pwatch *w)
{
	return clock_now(w->p->clock);
}

static void
arm(struct pwatch *w, double seconds)
{
	if (seconds < 0)
		seconds = 0;
	timer_arm(w->timer, seconds);
	w->st.next_poll = wnow(w) + (int64_t)seconds;
}

struct poller *
poller_new(struct fg_clock *clock, struct fg_pipeline *pl, const struct poller_io *io,
    fg_report_cb *cb, void *cbarg)
{
	struct poller *p = xcalloc(1, sizeof(*p));

	p->clock = clock;
	p->pl = pl;
	p->io = *io;
	p->cb = cb;
	p->cbarg = cbarg;
	p->rng = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid() << 32 ^ 0x9e3779b97f4a7c15ULL;
	return p;
}

static void
secret_free(char *s)
{
	if (s != NULL) {
		/* Tokens are not left lying in freed memory. */
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void
watch_free(struct pwatch *w)
{
	struct act *a;

	if (w->act_out != NULL && w->act_out->dropped)
		free(w->act_out);	/* out of the queue, its request in flight */
	while ((a = TAILQ_FIRST(&w->acts)) != NULL) {
		TAILQ_REMOVE(&w->acts, a, entry);
		free(a);
	}
	timer_free(w->atimer);
	timer_free(w->timer);
	free(w->cursor);
	free(w->rcursor);
	page_free(&w->page);
	secret_free(w->acct.secret);
	secret_free(w->acct.access_jwt);
	secret_free(w->acct.refresh_jwt);
	free(w);
}

void
poller_free(struct poller *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nw; i++)
		watch_free(p->w[i]);
	free(p->w);
	free(p);
}

static struct pwatch *
find(const struct poller *p, const char *name, size_t *at)
{
	size_t i;

	for (i = 0; i < p->nw; i++)
		if (strcmp(p->w[i]->name, name) == 0) {
			if (at != NULL)
				*at = i;
			return p->w[i];
		}
	return NULL;
}

int
poller_has(const struct poller *p, const char *name)
{
	return find(p, name, NULL) != NULL;
}

void
poller_set_hooks(struct poller *p, const struct poller_hooks *h)
{
	p->hooks = *h;
}

int
poller_set_secret(struct poller *p, const char *name, char *secret)
{
	struct pwatch *w = find(p, name, NULL);
	int refused;

	if (w == NULL || (w->acct.secret == NULL && secret == NULL) ||
	    (w->acct.secret != NULL && secret != NULL && strcmp(w->acct.secret, secret) == 0)) {
		secret_free(secret);
		return w == NULL ? -1 : 0;
	}
	secret_free(w->acct.secret);
	w->acct.secret = secret;
	w->secret_gen++;
	w->relogin = 1;
	refused = w->st.login_retry != 0;
	w->st.refusals = 0;
	w->st.login_retry = 0;
	log_info("watch %s: a new secret from its token_file; the next login uses it", w->name);
	/* A watch that waited out a refusal tries the new secret soon, not hours later. */
	if (refused && !w->busy && !w->inflight)
		arm(w, uniform(p) * FIRST_DELAY_MAX);
	return 1;
}

int
poller_add(struct poller *p, const struct fg_watch_conf *wc, char *secret, int64_t interval,
    int64_t reconcile, char *err, size_t errlen)
{
	const struct fg_provider *prov = provider_find(wc->provider);
	struct pwatch *w;

	if (prov == NULL) {
		snprintf(err, errlen, "watch %s: unknown provider %s", wc->name, wc->provider);
		secret_free(secret);
		return -1;
	}
	if (find(p, wc->name, NULL) != NULL) {
		snprintf(err, errlen, "watch %s: already watched", wc->name);
		secret_free(secret);
		return -1;
	}
	w = xcalloc(1, sizeof(*w));
	w->p = p;
	snprintf(w->name, sizeof(w->name), "%s", wc->name);
	w->prov = prov;
	snprintf(w->acct.base_url, sizeof(w->acct.base_url), "%s", wc->base_url);
	snprintf(w->acct.account, sizeof(w->acct.account), "%s", wc->account);
	w->acct.secret = secret;
	w->acct.followers_count = -1;
	w->interval = interval;
	w->reconcile_every = reconcile;
	w->rdone = wnow(w);	/* the first pass after one interval (or the initial scan) */
	w->timer = timer_new(p->clock, on_timer, w);
	w->atimer = timer_new(p->clock, on_atimer, w);
	TAILQ_INIT(&w->acts);
	w->st.name = w->name;
	w->st.provider = prov->name;
	w->st.followers = -1;
	w->st.stored = -1;
	p->w = xreallocarray(p->w, p->nw + 1, sizeof(*p->w));
	p->w[p->nw++] = w;
	arm(w, uniform(p) * (double)(interval < FIRST_DELAY_MAX ? interval : FIRST_DELAY_MAX));
	return 0;
}

void
poller_remove(struct poller *p, const char *name)
{
	struct pwatch *w;
	struct act *a;
	size_t at;

	if ((w = find(p, name, &at)) == NULL)
		return;
	memmove(p->w + at, p->w + at + 1, (p->nw - at - 1) * sizeof(*p->w));
	p->nw--;
	timer_disarm(w->timer);
	timer_disarm(w->atimer);
	/* Whoever queued actions learns that they will not happen. */
	while ((a = TAILQ_FIRST(&w->acts)) != NULL) {
		TAILQ_REMOVE(&w->acts, a, entry);
		if (a != w->act_out) {
			a->a.done(a->a.arg, FG_P_FATAL, "the watch is no longer configured");
			free(a);
		} else
			a->dropped = 1;
	}
	if (w->inflight)
		w->removed = 1;
	else
		watch_free(w);
}

size_t
poller_count(const struct poller *p)
{
	return p->nw;
}

void
poller_status(const struct poller *p, size_t i, struct watch_status *st)
{
	*st = p->w[i]->st;
}

int
poller_busy(const struct poller *p)
{
	size_t i;

	for (i = 0; i < p->nw; i++)
		if (p->w[i]->inflight)
			return 1;
	return 0;
}

static void	poll_close(struct pwatch *);
static void	poll_end(struct pwatch *, int ok);
static void	fail(struct pwatch *, const char *);

/* Marks the watch degraded for reason; the daemon hears of it once per degradation. */
static void
degrade(struct pwatch *w, const char *reason)
{
	snprintf(w->st.last_error, sizeof(w->st.last_error), "%.255s", reason);
	if (w->st.degraded)
		return;
	w->st.degraded = 1;
	log_warnx("watch %s: degraded: %s", w->name, w->st.last_error);
	if (w->p->hooks.degraded != NULL)
		w->p->hooks.degraded(w->p->hooks.arg, w->name, w->st.last_error);
}

/*
 * The platform refused the login or the token: the same secret will be refused again, and
 * each attempt spends a login budget that is small (createSession: 30 per 5 min, 300 a
 * day). No login before the backoff is over or a new secret comes; the watch is degraded.
 */
static void
credentials_refused(struct pwatch *w, const char *err)
{
	char reason[512];
	int64_t wait;

	wait = poller_login_backoff(w->interval, ++w->st.refusals);
	w->st.login_retry = wnow(w) + wait;
	snprintf(reason, sizeof(reason), "%s refused: %.300s; next attempt in %lld s",
	    w->prov->login != NULL ? "login" : "token", err, (long long)wait);
	if (w->st.degraded) {
		snprintf(w->st.last_error, sizeof(w->st.last_error), "%.255s", reason);
		log_warnx("watch %s: %s", w->name, reason);
	} else
		degrade(w, reason);
}

/* Whether the watch must not log in (or, without a login step, send) yet. */
static int
login_barred(const struct pwatch *w, int64_t now)
{
	return w->st.login_retry > now;
}

/*
 * A poll left unfinished (the daemon was killed, or the poll failed) goes on where it stopped,
 * at its own time: its followers stay one cohort, and the pages it had not read yet are read
 * before anything newer. A cursor the platform keeps refusing does not block the watch: after
 * RESUMES_MAX attempts the poll is closed with what it has, and a reconcile pass, which reads
 * the whole list, brings the rest. 0, or -1 if the poll was ended here.
 */
static int
resume(struct pwatch *w)
{
	int64_t t;
	char *cursor, when[FG_RFC3339_LEN];
	int r;

	if ((r = pipeline_resume(w->p->pl, w->name, &t, &cursor)) == -1) {
		fail(w, "store read failed; poll abandoned");
		poll_end(w, 0);
		return -1;
	}
	if (r == 0)
		return 0;
	w->resumes = w->resumed_t == t ? w->resumes + 1 : 1;
	w->resumed_t = t;
	w->poll_t = t;
	if (w->resumes > RESUMES_MAX) {
		log_warnx("watch %s: the poll of %s cannot be finished; closed as it is, a "
		    "reconcile pass brings the rest", w->name, time_format_rfc3339(t, when));
		free(cursor);
		w->initial = 0;			/* even an initial scan's rest comes that way */
		w->rdone = INT64_MIN / 2;	/* a pass at the next poll */
		poll_close(w);
		return -1;
	}
	log_info("watch %s: resuming the unfinished poll of %s", w->name,
	    time_format_rfc3339(t, when));
	if (cursor[0] == '\0') {
		w->paged = 1;
		free(cursor);
	} else
		w->cursor = cursor;
	return 0;
}

static void
poll_start(struct pwatch *w)
{
	uint64_t done;

	if (pipeline_polls_done(w->p->pl, w->name, &done) == -1) {
		log_warnx("watch %s: cannot read its state; poll skipped", w->name);
		arm(w, (double)w->interval);
		return;
	}
	if (login_barred(w, wnow(w))) {
		arm(w, (double)(w->st.login_retry - wnow(w)));
		return;
	}
	if (w->relogin) {
		/* A new secret: the session of the old one ends here. */
		secret_free(w->acct.access_jwt);
		secret_free(w->acct.refresh_jwt);
		w->acct.access_jwt = w->acct.refresh_jwt = NULL;
		w->relogin = 0;
	}
	w->busy = w->st.busy = 1;
	w->initial = done == 0;
	w->poll_t = wnow(w);
	w->poll_requests = w->poll_new = 0;
	w->retries = 0;
	w->rpages = 0;
	w->paged = 0;
	w->run = 0;
	w->known_read = 0;
	free(w->cursor);
	w->cursor = NULL;
	page_free(&w->page);
	w->step = w->prov->login != NULL && w->acct.access_jwt == NULL ? S_LOGIN : S_RESOLVE;
	if (resume(w) == -1)
		return;
	if (w->initial && w->cursor == NULL)
		log_info("watch %s: initial full scan", w->name);
	step_run(w);
}

int
poller_poll_now(struct poller *p, const char *name)
{
	struct pwatch *w = find(p, name, NULL);

	if (w == NULL)
		return -1;
	if (!w->busy && login_barred(w, wnow(w)))
		return 1;	/* the refused secret is not tried again before its time */
	if (!w->busy) {
		timer_disarm(w->timer);
		if (w->inflight)
			w->poll_due = 1;
		else
			poll_start(w);
	}
	return 0;
}

/* Ends the poll (done or abandoned) and arms the next one, interval +-10 %. */
static void
poll_end(struct pwatch *w, int ok)
{
	char reason[256];
	double next;

	w->busy = w->st.busy = 0;
	free(w->cursor);
	w->cursor = NULL;
	page_free(&w->page);
	if (!w->initial && w->poll_new > 0) {	/* arrivals, for late_depth() */
		w->late_t[w->late_i] = w->poll_t;
		w->late_n[w->late_i] = w->poll_new;
		w->late_i = (w->late_i + 1) % LATE_POLLS;
	}
	if (ok) {
		w->st.polls++;
		w->st.last_poll = wnow(w);
		w->st.last_requests = w->poll_requests;
		w->st.last_new = w->poll_new;
		w->st.failures = 0;
		if (w->st.degraded)
			log_warnx("watch %s: healthy again", w->name);
		w->st.degraded = 0;
	} else if (++w->st.failures >= DEGRADED_AFTER && !w->st.degraded) {
		snprintf(reason, sizeof(reason), "%d failed polls in a row; the last: %.200s",
		    w->st.failures, w->st.last_error);
		degrade(w, reason);
	}
	next = (double)w->interval * (0.9 + 0.2 * uniform(w->p));
	if (login_barred(w, wnow(w)))
		next = (double)(w->st.login_retry - wnow(w));
	arm(w, next);
	act_kick(w);
}

static void
fail(struct pwatch *w, const char *err)
{
	snprintf(w->st.last_error, sizeof(w->st.last_error), "%.255s", err);
	log_warnx("watch %s: %s", w->name, err);
}

/*
 * After a complete poll: the followers stored as following against the platform's own
 * count. Followers the polls missed (a cursor that skipped, a page lost) show here first; a
 * reconcile pass, which reads the whole list, finds them, so one starts at the next poll
 * rather than after reconcile_interval. Said once per disagreement, not at every poll: a
 * count that stays apart after a pass (accounts the platform counts but does not list) does
 * not start pass after pass.
 */
static void
count_check(struct pwatch *w)
{
	int64_t platform = w->acct.followers_count;
	long stored;

	/*
	 * Counting what is stored reads every edge of the watch: skipped while nothing moved (no
	 * new follower, the same platform count, and the two agreed last time).
	 */
	if (w->poll_new == 0 && platform == w->checked_count && w->st.stored > 0 &&
	    !w->st.count_mismatch)
		return;
	if (w->p->hooks.stored_following == NULL || platform < 0 ||
	    (stored = w->p->hooks.stored_following(w->p->hooks.arg, w->name)) < 0)
		return;
	w->checked_count = platform;
	w->st.stored = stored;
	if (!poller_count_mismatch(platform, stored)) {
		if (w->st.count_mismatch)
			log_info("watch %s: %ld followers stored, the platform counts %lld: they "
			    "agree again", w->name, stored, (long long)platform);
		w->st.count_mismatch = 0;
		return;
	}
	if (w->st.count_mismatch)
		return;
	w->st.count_mismatch = 1;
	log_warnx("watch %s: %ld followers stored as following, but the platform counts %lld%s",
	    w->name, stored, (long long)platform, w->rpass ? "; the reconcile pass under way "
	    "will tell" : "; a reconcile pass starts at the next poll");
	if (!w->rpass)
		w->rdone = INT64_MIN / 2;
}

static void
poll_close(struct pwatch *w)
{
	if (w->initial) {
		w->rdone = wnow(w);	/* the initial scan was a full pass */
		w->rpass = 0;
	}
	if (pipeline_poll_end(w->p->pl, w->name, w->poll_t, w->acct.followers_count,
	    w->p->cb, w->p->cbarg) == -1) {
		fail(w, "store write failed at the end of the poll");
		poll_end(w, 0);
		return;
	}
	w->st.followers = w->acct.followers_count;
	count_check(w);
	poll_end(w, 1);
}

/* Reconcile pages this poll may still read: what the rate budget spares, a quarter kept. */
static unsigned
reconcile_allowance(const struct pwatch *w)
{
	int64_t spare;

	if (w->rpages >= RECONCILE_PAGES)
		return 0;
	if (!w->st.rl.known)
		return RECONCILE_PAGES - w->rpages;
	spare = w->st.rl.remaining - w->st.rl.limit / 4;
	return spare <= 0 ? 0 : (unsigned)(spare < RECONCILE_PAGES - w->rpages ? spare :
	    RECONCILE_PAGES - w->rpages);
}

/* After the incremental part: a few pages of the reconcile pass, or the end of the poll. */
static void
reconcile_or_close(struct pwatch *w)
{
	if (!w->rpass && !w->initial && wnow(w) - w->rdone >= w->reconcile_every) {
		w->rpass = 1;
		w->rstart = w->poll_t;
		free(w->rcursor);
		w->rcursor = NULL;
		log_info("watch %s: reconcile pass started", w->name);
	}
	if (w->rpass && reconcile_allowance(w) > 0) {
		w->step = S_RECONCILE;
		step_run(w);
		return;
	}
	poll_close(w);
}

/*
 * Followers a reconcile page left out (their object could not be read) that are known to
 * follow were still listed: seen, so that the pass does not take them for unfollows.
 */
static int
reconcile_skips_seen(struct pwatch *w)
{
	const struct fg_page *pg = &w->page;
	struct fg_profile *seen;
	uint8_t known;
	size_t i, n = 0;
	int rc = 0;

	seen = xcalloc(pg->nskips > 0 ? pg->nskips : 1, sizeof(*seen));
	for (i = 0; i < pg->nskips && rc == 0; i++) {
		if (pg->skips[i].id == NULL)
			continue;
		profile_init(&seen[n]);
		seen[n].id = pg->skips[i].id;
		if (pipeline_known(w->p->pl, w->name, &seen[n], 1, &known) < 0)
			rc = -1;
		else if (known)
			n++;
	}
	if (rc == 0 && n > 0)
		rc = pipeline_page(w->p->pl, w->name, w->poll_t, seen, n, NULL, 0, FG_PAGE_SEEN);
	free(seen);
	return rc;
}

/* The pass read the whole list: whoever was not seen since it began has unfollowed. */
static int
reconcile_finish(struct pwatch *w)
{
	char **ids;
	long n, i, k;
	int rc = 0;

	if ((n = pipeline_unseen(w->p->pl, w->name, w->rstart, &ids)) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i += FG_PAGE_MAX) {
		k = n - i < FG_PAGE_MAX ? n - i : FG_PAGE_MAX;
		rc = pipeline_page(w->p->pl, w->name, w->poll_t, NULL, 0,
		    (const char *const *)ids + i, (size_t)k, 0);
	}
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	w->rpass = 0;
	w->rdone = wnow(w);
	log_info("watch %s: reconcile pass done, %ld unfollowed", w->name, n);
	return rc;
}

/* A reconcile page, its new followers hydrated: every follower on it seen. */
static void
reconcile_store(struct pwatch *w)
{
	struct fg_page *pg = &w->page;

	if ((pg->n > 0 && pipeline_page(w->p->pl, w->name, w->poll_t, pg->profiles, pg->n,
	    NULL, 0, FG_PAGE_SEEN) == -1) || reconcile_skips_seen(w) == -1) {
		fail(w, "store write failed; poll abandoned");
		poll_end(w, 0);
		return;
	}
	free(w->rcursor);
	/* A page of unreadable followers only is not the end of the list. */
	w->rcursor = pg->cursor != NULL && pg->n + pg->nskips > 0 ? xstrdup(pg->cursor) : NULL;
	page_free(pg);
	if (w->rcursor == NULL && reconcile_finish(w) == -1) {
		fail(w, "store write failed at the end of a reconcile pass");
		poll_end(w, 0);
		return;
	}
	reconcile_or_close(w);
}

static long	page_partition(struct pwatch *, size_t *run);

/* Followers stored by earlier polls in the last LATE_WINDOW, at most LATE_MAX. */
static uint64_t
late_depth(const struct pwatch *w)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < LATE_POLLS; i++)
		if (w->late_n[i] > 0 && w->late_t[i] >= w->poll_t - LATE_WINDOW)
			n += w->late_n[i];
	return n < LATE_MAX ? n : LATE_MAX;
}

/*
 * A reconcile page. The followers on it not known yet were missed by incremental polling:
 * they are arrivals like any other, so where the page lacks counts (Bluesky) they are
 * hydrated first, or they would be scored on half a profile. Known ones are only seen.
 */
static void
reconcile_page_done(struct pwatch *w)
{
	long k;

	w->rpages++;
	if ((k = page_partition(w, NULL)) < 0) {
		fail(w, "store read failed; poll abandoned");
		poll_end(w, 0);
		return;
	}
	if (w->page.needs_hydration && k > 0 && w->prov->hydrate != NULL) {
		w->fresh = (size_t)k;
		w->hydrated = 0;
		w->hfor = S_RECONCILE;
		w->step = S_HYDRATE;
		step_run(w);
		return;
	}
	reconcile_store(w);
}

/* Ingests the fresh followers of the page; pages on, or goes on to reconcile and close. */
static void
ingest(struct pwatch *w)
{
	struct fg_page *pg = &w->page;
	uint64_t overlap;
	int more;

	/*
	 * On until OVERLAP known followers in a row were seen, and as many as arrived lately
	 * besides (late_depth()) (the initial scan reads it all).
	 * Unreadable followers are not on pg->profiles, so they neither stop the paging nor end
	 * it: a page of them only still leads on.
	 */
	overlap = OVERLAP < w->prov->page_size ? OVERLAP : w->prov->page_size;
	more = pg->cursor != NULL && pg->n + pg->nskips > 0 && (w->initial ||
	    w->run < overlap || w->known_read < overlap + late_depth(w));
	if (w->fresh > 0) {
		pipeline_set_cursor(w->p->pl, w->name, more ? pg->cursor : "");
		if (pipeline_page(w->p->pl, w->name, w->poll_t, pg->profiles, w->fresh, NULL,
		    0, 0) == -1) {
			fail(w, "store write failed; poll abandoned");
			poll_end(w, 0);
			return;
		}
	}
	w->poll_new += w->fresh;
	free(w->cursor);
	w->cursor = more ? xstrdup(pg->cursor) : NULL;
	page_free(pg);
	if (more) {
		w->step = S_PAGE;
		step_run(w);
		return;
	}
	reconcile_or_close(w);
}

/*
 * Puts the page's followers not known to follow first, each part in platform order (the
 * new ones' follow-order positions keep it), and returns how many they are, -1 on a store
 * error. With run, counts on the known followers in a row, newest first, across pages.
 */
static long
page_partition(struct pwatch *w, size_t *run)
{
	struct fg_page *pg = &w->page;
	struct fg_profile *tmp;
	uint8_t *known;
	size_t i, a = 0, b;
	long k;

	if (pg->n == 0)
		return 0;
	known = xcalloc(pg->n, 1);
	if ((k = pipeline_known(w->p->pl, w->name, pg->profiles, pg->n, known)) < 0) {
		free(known);
		return -1;
	}
	tmp = xreallocarray(NULL, pg->n, sizeof(*tmp));
	for (i = 0, b = (size_t)k; i < pg->n; i++) {
		if (known[i])
			tmp[b++] = pg->profiles[i];
		else
			tmp[a++] = pg->profiles[i];
		if (run != NULL)
			*run = known[i] ? *run + 1 : 0;
	}
	memcpy(pg->profiles, tmp, pg->n * sizeof(*tmp));
	free(tmp);
	free(known);
	return k;
}

/* The page was parsed: which of it is new, then hydration or ingestion. */
static void
page_done(struct pwatch *w)
{
	long k;

	if ((k = page_partition(w, &w->run)) < 0) {
		fail(w, "store read failed; poll abandoned");
		poll_end(w, 0);
		return;
	}
	w->fresh = (size_t)k;
	w->known_read += w->page.n - (size_t)k;
	w->hydrated = 0;
	w->hfor = S_PAGE;
	if (w->page.needs_hydration && w->fresh > 0 && w->prov->hydrate != NULL) {
		w->step = S_HYDRATE;
		step_run(w);
	} else
		ingest(w);
}

/* Followers the page left out: counted, and the first few logged with their reasons. */
static void
skips_note(struct pwatch *w)
{
	const struct fg_page *pg = &w->page;
	size_t i;

	w->st.unreadable += pg->nskips;
	for (i = 0; i < pg->nskips && i < SKIPS_LOGGED; i++)
		log_warnx("watch %s: follower skipped, its object cannot be read: %s", w->name,
		    pg->skips[i].why);
	if (pg->nskips > SKIPS_LOGGED)
		log_warnx("watch %s: %zu more unreadable followers skipped on that page",
		    w->name, pg->nskips - SKIPS_LOGGED);
}

static void
advance(struct pwatch *w)
{
	switch (w->step) {
	case S_LOGIN:
		w->step = S_RESOLVE;
		step_run(w);
		return;
	case S_RESOLVE:
		if (w->paged) {
			reconcile_or_close(w);
			return;
		}
		w->step = S_PAGE;
		step_run(w);
		return;
	case S_PAGE:
		page_done(w);
		return;
	case S_HYDRATE:
		w->hydrated += w->prov->hydrate_max;
		if (w->hydrated < w->fresh)
			step_run(w);
		else if (w->hfor == S_RECONCILE)
			reconcile_store(w);
		else
			ingest(w);
		return;
	case S_RECONCILE:
		reconcile_page_done(w);
		return;
	}
}

/*
 * Seconds to wait before the next request when the platform asks for `wait`: at most
 * WAIT_MAX, so that an absurd Retry-After or reset parks no watch for good; a longer demand
 * makes the watch degraded, with the reason, until a poll succeeds.
 */
static double
platform_wait(struct pwatch *w, int64_t wait)
{
	char reason[256];

	if (wait > WAIT_MAX) {
		snprintf(reason, sizeof(reason), "the platform asked to wait %lld s; waiting %d s "
		    "at most", (long long)wait, WAIT_MAX);
		degrade(w, reason);
		wait = WAIT_MAX;
	}
	return (double)wait + 1;
}

/*
 * The budget a request spends: the login endpoint's is its own (createSession allows 30 per
 * 5 min) and says nothing about the followers and profiles a poll reads.
 */
static struct fg_ratelimit *
budget(struct pwatch *w, int login)
{
	return login ? &w->st.login_rl : &w->st.rl;
}

/*
 * Whether an answer refuses the watch's secret: a created session (not a refresh, whose
 * refusal only ends the session) refused with a 4xx, or a token refused where there is no
 * login step.
 */
static int
refusal(const struct pwatch *w, int login, int refreshing, const struct fg_response *resp,
    enum fg_presult r)
{
	if (w->prov->login == NULL)
		return r == FG_P_AUTH;
	return login && !refreshing && (r == FG_P_AUTH || r == FG_P_FATAL) && resp != NULL &&
	    resp->status >= 400 && resp->status < 500;
}

static void
on_done(void *arg, const struct fg_response *resp, const char *error)
{
	struct pwatch *w = arg;
	const struct fg_provider *prov = w->prov;
	struct fg_ratelimit rl, *rlp;
	enum fg_presult r;
	char err[512];
	int64_t now = wnow(w), wait;
	size_t n;
	int refreshing = 0;

	w->inflight = 0;
	if (w->removed) {
		watch_free(w);
		return;
	}
	w->st.by_status[status_class(resp, error)]++;
	err[0] = '\0';
	if (error != NULL || resp == NULL || resp->status == 0) {
		snprintf(err, sizeof(err), "%s: %s", step_names[w->step],
		    error != NULL ? error : "no response");
		r = FG_P_RETRY;
	} else {
		memset(&rl, 0, sizeof(rl));
		prov->ratelimit(resp, now, &rl);
		if (rl.known || rl.retry_after > 0)
			*budget(w, w->step == S_LOGIN) = rl;
		switch (w->step) {
		case S_LOGIN:
			refreshing = w->acct.refresh_jwt != NULL;
			r = prov->parse_login(&w->acct, resp, err, sizeof(err));
			break;
		case S_RESOLVE:
			r = prov->parse_resolve(&w->acct, resp, err, sizeof(err));
			break;
		case S_PAGE:
		case S_RECONCILE:
			page_free(&w->page);
			r = prov->parse_page(&w->acct, resp, w->poll_t, &w->page, err, sizeof(err));
			break;
		case S_HYDRATE:
		default:
			n = w->fresh - w->hydrated;
			if (n > prov->hydrate_max)
				n = prov->hydrate_max;
			r = prov->parse_hydrate(resp, &w->page, w->hydrated, n, err, sizeof(err));
			break;
		}
	}
	if (r == FG_P_OK) {
		w->st.refusals = 0;
		w->st.login_retry = 0;
	}
	if (w->step == S_LOGIN && refreshing && w->acct.refresh_jwt == NULL &&
	    (r == FG_P_AUTH || r == FG_P_FATAL)) {
		/* The session ended (its refresh was refused): a new one from the secret, now. */
		log_info("watch %s: %s", w->name, err);
		step_run(w);
		return;
	}
	if (refusal(w, w->step == S_LOGIN, refreshing, resp, r)) {
		if (w->sent_gen != w->secret_gen) {
			/* Refused under the old secret: the new one is tried at once. */
			fail(w, err);
			poll_end(w, 0);
			arm(w, 1 + uniform(w->p));
			return;
		}
		credentials_refused(w, err);
		poll_end(w, 0);
		return;
	}
	switch (r) {
	case FG_P_OK:
		w->retries = 0;
		if (w->step == S_PAGE || w->step == S_RECONCILE)
			skips_note(w);
		advance(w);
		return;
	case FG_P_AUTH:
		if (prov->login != NULL && w->step != S_LOGIN) {
			/* The session expired: log in again (refresh first), then redo the step. */
			secret_free(w->acct.access_jwt);
			w->acct.access_jwt = NULL;
			w->step = S_LOGIN;
			step_run(w);
			return;
		}
		fail(w, err);
		poll_end(w, 0);
		return;
	case FG_P_RATELIMITED:
		rlp = budget(w, w->step == S_LOGIN);
		wait = rlp->retry_after > now ? rlp->retry_after - now :
		    rlp->reset > now ? rlp->reset - now : 60;
		log_info("watch %s: rate limited; waiting %lld s", w->name, (long long)wait);
		snprintf(w->st.last_error, sizeof(w->st.last_error), "%.255s", err);
		rlp->remaining = 0;
		arm(w, platform_wait(w, wait));
		return;
	case FG_P_RETRY:
		fail(w, err);
		if (++w->retries > RETRIES_MAX) {
			poll_end(w, 0);
			return;
		}
		/* Exponential, with jitter so that watches do not retry in lockstep. */
		arm(w, fmin(BACKOFF_MAX, pow(2, w->retries)) * (0.5 + uniform(w->p)));
		return;
	case FG_P_FATAL:
	default:
		fail(w, err);
		poll_end(w, 0);
		return;
	}
}

/* Builds and sends the current step's request, unless the rate limit says wait. */
static void
step_run(struct pwatch *w)
{
	const struct fg_provider *prov = w->prov;
	struct fg_ratelimit *rl = budget(w, w->step == S_LOGIN);
	struct fg_request req;
	int64_t now = wnow(w);
	size_t n;
	int rc;

	/* Never send what the budget does not allow: wait for the window to reset. */
	if (rl->known && rl->remaining <= 0 && rl->reset > now) {
		arm(w, platform_wait(w, rl->reset - now));
		return;
	}
	memset(&req, 0, sizeof(req));
	switch (w->step) {
	case S_LOGIN:
		rc = prov->login(&w->acct, &req);
		break;
	case S_RESOLVE:
		rc = prov->resolve(&w->acct, &req);
		break;
	case S_PAGE:
		rc = prov->page(&w->acct, w->cursor, &req);
		break;
	case S_RECONCILE:
		rc = prov->page(&w->acct, w->rcursor, &req);
		break;
	case S_HYDRATE:
	default:
		n = w->fresh - w->hydrated;
		if (n > prov->hydrate_max)
			n = prov->hydrate_max;
		rc = prov->hydrate(&w->acct, &w->page, w->hydrated, n, &req);
		break;
	}
	if (rc == -1) {
		fail(w, "cannot build the request");
		request_clear(&req);
		poll_end(w, 0);
		return;
	}
	if (rl->known && rl->remaining > 0)
		rl->remaining--;
	w->inflight = 1;
	w->sent_gen = w->secret_gen;
	w->poll_requests++;
	w->st.requests++;
	if (w->p->io.send(w->p->io.ctx, &req, on_done, w) == -1) {
		w->inflight = 0;
		fail(w, "cannot send the request");
		poll_end(w, 0);
	}
	explicit_bzero(req.auth, sizeof(req.auth));
	request_clear(&req);
}

static void
on_timer(void *arg)
{
	struct pwatch *w = arg;

	if (w->busy)
		step_run(w);	/* resuming after a wait */
	else if (w->inflight)
		w->poll_due = 1;	/* an action's request is out: poll when it is back */
	else
		poll_start(w);
}

/* Actions. */

int
poller_act(struct poller *p, const char *watch, const struct poller_action *pa)
{
	struct pwatch *w = find(p, watch, NULL);
	struct act *a;

	if (w == NULL)
		return -1;
	a = xcalloc(1, sizeof(*a));
	a->a = *pa;
	TAILQ_INSERT_TAIL(&w->acts, a, entry);
	if (!timer_pending(w->atimer))
		timer_arm(w->atimer, 0);	/* from the loop, never from here */
	return 0;
}

void
poller_act_cancel(struct poller *p, void *arg)
{
	struct act *a, *next;
	size_t i;

	for (i = 0; i < p->nw; i++)
		for (a = TAILQ_FIRST(&p->w[i]->acts); a != NULL; a = next) {
			next = TAILQ_NEXT(a, entry);
			if (a->a.arg != arg)
				continue;
			TAILQ_REMOVE(&p->w[i]->acts, a, entry);
			if (a == p->w[i]->act_out)
				a->dropped = 1;
			else
				free(a);
		}
}

const struct fg_provider *
poller_provider(const struct poller *p, const char *watch)
{
	struct pwatch *w = find(p, watch, NULL);

	return w != NULL ? w->prov : NULL;
}

static void
act_arm(struct pwatch *w, double seconds)
{
	timer_arm(w->atimer, seconds);
}

static void
on_atimer(void *arg)
{
	act_kick(arg);
}

/* After an action: the poll that waited for it, or the next action. */
static void
act_next(struct pwatch *w)
{
	if (w->poll_due && !w->busy) {
		w->poll_due = 0;
		timer_disarm(w->timer);
		poll_start(w);
		return;
	}
	act_kick(w);
}

/* Ends the head action with a verdict. */
static void
act_finish(struct pwatch *w, struct act *a, enum fg_presult r, const char *err)
{
	struct poller_action pa = a->a;

	TAILQ_REMOVE(&w->acts, a, entry);
	free(a);
	pa.done(pa.arg, r, err);
}

static void
on_act_done(void *arg, const struct fg_response *resp, const char *error)
{
	struct pwatch *w = arg;
	struct act *a = w->act_out;
	const struct fg_provider *prov = w->prov;
	struct fg_ratelimit rl, *rlp;
	enum fg_presult r;
	char err[512];
	int64_t now = wnow(w), wait;
	int refreshing = 0;

	w->inflight = 0;
	w->act_out = NULL;
	if (w->removed) {
		watch_free(w);
		return;
	}
	if (a->dropped) {
		free(a);
		act_next(w);
		return;
	}
	w->st.by_status[status_class(resp, error)]++;
	err[0] = '\0';
	if (error != NULL || resp == NULL || resp->status == 0) {
		snprintf(err, sizeof(err), "%s", error != NULL ? error : "no response");
		r = FG_P_RETRY;
	} else {
		memset(&rl, 0, sizeof(rl));
		prov->ratelimit(resp, now, &rl);
		if (rl.known || rl.retry_after > 0)
			*budget(w, w->aphase == A_LOGIN) = rl;
		if (w->aphase == A_LOGIN) {
			refreshing = w->acct.refresh_jwt != NULL;
			r = prov->parse_login(&w->acct, resp, err, sizeof(err));
		} else if (w->aphase == A_RESOLVE)
			r = prov->parse_resolve(&w->acct, resp, err, sizeof(err));
		else
			r = a->a.parse(a->a.arg, prov, &w->acct, resp, err, sizeof(err));
	}
	if (r == FG_P_OK) {
		w->st.refusals = 0;
		w->st.login_retry = 0;
	}
	if (w->aphase == A_LOGIN && refreshing && w->acct.refresh_jwt == NULL &&
	    (r == FG_P_AUTH || r == FG_P_FATAL)) {
		log_info("watch %s: %s", w->name, err);
		act_kick(w);	/* a new session from the secret */
		return;
	}
	/* The action fails; the watch waits out the refusal (act_kick) like its polls. */
	if (refusal(w, w->aphase == A_LOGIN, refreshing, resp, r) && w->sent_gen == w->secret_gen)
		credentials_refused(w, err);
	switch (r) {
	case FG_P_OK:
		a->retries = 0;
		if (w->aphase != A_MAIN) {
			act_kick(w);	/* on to the next phase */
			return;
		}
		act_finish(w, a, FG_P_OK, err);
		break;
	case FG_P_AUTH:
		if (prov->login != NULL && w->aphase != A_LOGIN) {
			secret_free(w->acct.access_jwt);
			w->acct.access_jwt = NULL;
			act_kick(w);
			return;
		}
		act_finish(w, a, r, err);
		break;
	case FG_P_RATELIMITED:
		rlp = budget(w, w->aphase == A_LOGIN);
		wait = rlp->retry_after > now ? rlp->retry_after - now :
		    rlp->reset > now ? rlp->reset - now : 60;
		rlp->remaining = 0;
		log_info("watch %s: rate limited; the next action in %lld s", w->name,
		    (long long)wait);
		act_arm(w, (double)wait + 1);
		return;
	case FG_P_RETRY:
		if (++a->retries <= RETRIES_MAX) {
			log_info("watch %s: %s; retrying", w->name, err);
			act_arm(w, fmin(BACKOFF_MAX, pow(2, a->retries)) * (0.5 + uniform(w->p)));
			return;
		}
		act_finish(w, a, r, err);
		break;
	case FG_P_FATAL:
	default:
		act_finish(w, a, FG_P_FATAL, err);
		break;
	}
	act_next(w);
}

/* Sends the head action's next request if the watch is idle and the budget allows. */
static void
act_kick(struct pwatch *w)
{
	const struct fg_provider *prov = w->prov;
	struct fg_ratelimit *rl;
	struct fg_request req;
	struct act *a;
	int64_t now = wnow(w);
	int rc, login;

	if (w->inflight || w->busy || (a = TAILQ_FIRST(&w->acts)) == NULL)
		return;
	if (w->relogin) {
		secret_free(w->acct.access_jwt);
		secret_free(w->acct.refresh_jwt);
		w->acct.access_jwt = w->acct.refresh_jwt = NULL;
		w->relogin = 0;
	}
	login = prov->login != NULL && w->acct.access_jwt == NULL;
	if ((login || prov->login == NULL) && login_barred(w, now)) {
		act_arm(w, (double)(w->st.login_retry - now) + 1);
		return;
	}
	rl = budget(w, login);
	if (rl->known && rl->remaining <= 0 && rl->reset > now) {
		act_arm(w, (double)(rl->reset - now) + 1);
		return;
	}
	memset(&req, 0, sizeof(req));
	if (login) {
		w->aphase = A_LOGIN;
		rc = prov->login(&w->acct, &req);
	} else if (w->acct.id[0] == '\0') {
		w->aphase = A_RESOLVE;
		rc = prov->resolve(&w->acct, &req);
	} else {
		w->aphase = A_MAIN;
		rc = a->a.build(a->a.arg, prov, &w->acct, &req);
	}
	if (rc == -1) {
		request_clear(&req);
		act_finish(w, a, FG_P_FATAL, "cannot build the request");
		act_next(w);
		return;
	}
	if (rl->known && rl->remaining > 0)
		rl->remaining--;
	w->inflight = 1;
	w->sent_gen = w->secret_gen;
	w->act_out = a;
	w->st.requests++;
	if (w->p->io.send(w->p->io.ctx, &req, on_act_done, w) == -1) {
		w->inflight = 0;
		w->act_out = NULL;
		explicit_bzero(req.auth, sizeof(req.auth));
		request_clear(&req);
		act_arm(w, 5);	/* the HTTP layer refused: try again shortly */
		return;
	}
	explicit_bzero(req.auth, sizeof(req.auth));
	request_clear(&req);
}
