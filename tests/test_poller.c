/*
 * The poller on its I/O seam: a scripted Mastodon or Bluesky answers every request from
 * memory, through the event loop, so a whole poll runs in milliseconds. Checked: a platform's
 * absurd wait is capped and shown as degraded; a poll that fails half-way goes on where it
 * stopped; followers listed late, below known ones, are found by the next poll; a reconcile
 * pass hydrates the followers it finds before storing them; a refused token backs off,
 * degrades the watch once, and a new secret ends it. The arithmetic of the login backoff and
 * of the follower-count check.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include "clock.h"
#include "pipeline.h"
#include "poller.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

#define NFOLLOWERS	200	/* three pages of 80 (Mastodon), two of 100 (Bluesky) */
#define LIST_MAX	400
#define HYDRATED_MAX	400
#define T0		1796083200	/* 2026-12-01T00:00:00Z, the virtual clock's start */

static const char model_json[] =
    "{\"version\":\"avatar-only\",\"bias\":0,\"fake_threshold\":0.8,\"suspect_threshold\":0.5,"
    "\"features\":{\"default_avatar\":{\"mean\":0.5,\"scale\":0.1085,\"weight\":1}}}";

/*
 * What the scripted platform does with the followers page requests: F_429, F_5XX and
 * F_EXPIRED refuse the next `times` of them (a 429 with Retry-After: 120, a 503, Bluesky's
 * ExpiredToken); F_DRAINED answers each with a budget of 0 left until 300 s later.
 */
enum fault { F_NONE, F_FAR_429, F_FATAL_SECOND_PAGE, F_TOKEN, F_429, F_5XX, F_EXPIRED,
    F_DRAINED };
#define PAGES_LOGGED	64

struct fixture {
	char			 dir[PATH_MAX];
	struct fg_store		*st;
	struct fg_model		 model;
	struct fg_policy	 policy;
	struct fg_pipeline	*pl;
	struct event_base	*base;		/* the replies come through it */
	struct fg_clock		*clock;		/* virtual: the poller's timers */
	struct poller		*p;
	enum fault		 fault;
	int			 times;		/* how often the fault is still to happen */
	int			 bsky;		/* Bluesky, else Mastodon */
	int			 pages;		/* followers page requests answered */
	int64_t			 page_t[PAGES_LOGGED];	/* when each was sent (virtual) */
	int			 logins;	/* createSession and refreshSession requests */
	int			 sent;		/* requests of any kind */
	int			 degraded;	/* degraded hook calls */
	char			 reason[256];
	char			 last_url[FG_URL_MAX];
	/* the list, newest first: follower numbers (Mastodon id "N", Bluesky did:plc:fN) */
	long			 list[LIST_MAX];
	size_t			 nlist;
	long			 hydrated[HYDRATED_MAX];	/* asked of getProfiles, in order */
	size_t			 nhydrated;
	/* the reply being delivered */
	struct event		*ev;
	fg_send_done		*done;
	void			*arg;
	long			 status;
	char			*body;
	char			 link[256], retry[64], reset[64];
};

static void
deliver(evutil_socket_t fd, short what, void *a)
{
	struct fixture *f = a;
	struct fg_header h[4];
	char *body = f->body, link[sizeof(f->link)], retry[sizeof(f->retry)];
	char reset[sizeof(f->reset)];
	struct fg_response r = { f->status, body, strlen(body), h, 0 };

	(void)fd;
	(void)what;
	/* The callback may send the next request, which sets up the next reply. */
	f->body = NULL;
	memcpy(link, f->link, sizeof(link));
	memcpy(retry, f->retry, sizeof(retry));
	memcpy(reset, f->reset, sizeof(reset));
	if (reset[0] != '\0') {
		h[r.nheaders++] = (struct fg_header){ "X-RateLimit-Remaining", "0" };
		h[r.nheaders++] = (struct fg_header){ "X-RateLimit-Reset", reset };
	}
	if (link[0] != '\0')
		h[r.nheaders++] = (struct fg_header){ "Link", link };
	if (retry[0] != '\0')
		h[r.nheaders++] = (struct fg_header){ "Retry-After", retry };
	f->done(f->arg, &r, NULL);
	free(body);
}

/* Where a page starts: after the follower the cursor names (max_id=N, cursor=N), or at the top. */
static size_t
list_from(const struct fixture *f, const char *url)
{
	const char *m = strstr(url, f->bsky ? "cursor=" : "max_id=");
	long after;
	size_t i;

	if (m == NULL)
		return 0;
	after = strtol(strchr(m, '=') + 1, NULL, 10);
	for (i = 0; i < f->nlist; i++)
		if (f->list[i] == after)
			return i + 1;
	fail_msg("cursor %ld is on no page", after);
	return f->nlist;
}

/* A page of the list: Mastodon's accounts with a Link, or Bluesky's ProfileViews (no counts). */
static char *
followers_page(struct fixture *f, const char *url)
{
	size_t i = list_from(f, url), size = f->bsky ? 100 : 80;
	json_t *a = json_array(), *doc;
	long last = 0;
	char *s;

	for (; i < f->nlist && json_array_size(a) < size; i++) {
		char sid[40], handle[40];

		last = f->list[i];
		snprintf(handle, sizeof(handle), "f%ld.test", last);
		if (f->bsky) {
			snprintf(sid, sizeof(sid), "did:plc:f%ld", last);
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "did", sid,
			    "handle", handle, "createdAt", "2020-01-01T00:00:00Z", "avatar",
			    "https://x.example/a.png"));
			continue;
		}
		snprintf(sid, sizeof(sid), "%ld", last);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s}",
		    "id", sid, "acct", handle, "username", handle, "created_at",
		    "2020-01-01T00:00:00Z", "followers_count", 10, "following_count", 10,
		    "statuses_count", 10, "avatar", "https://x.example/a.png"));
	}
	f->link[0] = '\0';
	if (f->bsky) {
		doc = json_pack("{s:o}", "followers", a);
		if (i < f->nlist)
			json_object_set_new(doc, "cursor", json_sprintf("%ld", last));
		s = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
		return s;
	}
	if (i < f->nlist)
		snprintf(f->link, sizeof(f->link), "<http://127.0.0.1/api/v1/accounts/7/followers?"
		    "max_id=%ld>; rel=\"next\"", last);
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* getProfiles?actors=did%3Aplc%3AfN&...: the counts a ProfileView lacks, recorded. */
static char *
profiles_answer(struct fixture *f, const char *url)
{
	json_t *a = json_array(), *doc;
	const char *m = url;
	char *s;

	while ((m = strstr(m, "actors=")) != NULL) {
		const char *e = strchr(m, '&'), *k = m;
		char sid[40];
		long n = -1;

		/* The number after the last 'f' of this actor (the DID arrives escaped). */
		for (; *k != '\0' && k != e; k++)
			if (*k == 'f')
				n = strtol(k + 1, NULL, 10);
		m += 7;
		assert_true(n > 0 && f->nhydrated < HYDRATED_MAX);
		f->hydrated[f->nhydrated++] = n;
		snprintf(sid, sizeof(sid), "did:plc:f%ld", n);
		json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:i, s:i}", "did", sid,
		    "handle", "h.test", "followersCount", 10, "followsCount", 12, "postsCount", 14));
	}
	doc = json_pack("{s:o}", "profiles", a);
	s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return s;
}

/* Bluesky's session and own profile; NULL for what is not one of them. */
static char *
bsky_answer(struct fixture *f, const char *url)
{
	if (strstr(url, "createSession") != NULL || strstr(url, "refreshSession") != NULL)
		return xstrdup("{\"accessJwt\":\"eyJhbGciOiJIUzI1NiJ9.YQ.sig-a\","
		    "\"refreshJwt\":\"eyJhbGciOiJIUzI1NiJ9.cg.sig-r\",\"did\":\"did:plc:brand\","
		    "\"handle\":\"brand.test\"}");
	if (strstr(url, "getProfiles") != NULL)
		return profiles_answer(f, url);
	if (strstr(url, "getProfile") != NULL)
		return xstrdup("{\"did\":\"did:plc:brand\",\"handle\":\"brand.test\","
		    "\"followersCount\":200}");
	return NULL;
}

static int
io_send(void *ctx, const struct fg_request *req, fg_send_done *done, void *arg)
{
	struct fixture *f = ctx;
	struct timeval now = { 0, 0 };

	snprintf(f->last_url, sizeof(f->last_url), "%s", req->url);
	f->done = done;
	f->arg = arg;
	f->status = 200;
	f->link[0] = f->retry[0] = f->reset[0] = '\0';
	f->sent++;
	if (strstr(req->url, "Session") != NULL)
		f->logins++;
	if (f->fault == F_TOKEN && strstr(req->auth, "Bearer good") == NULL) {
		/* Only the token "good" is accepted: the one configured was revoked. */
		f->status = 401;
		f->body = xstrdup("{\"error\":\"The access token was revoked\"}");
	} else if (f->bsky && (f->body = bsky_answer(f, req->url)) != NULL) {
		/* session, own profile or hydration */
	} else if (strstr(req->url, "/followers") == NULL && strstr(req->url, "getFollowers") ==
	    NULL) {
		f->body = xstrdup("{\"id\":\"7\",\"acct\":\"brand\",\"username\":\"brand\","
		    "\"followers_count\":200}");
	} else {
		if (f->pages < PAGES_LOGGED)
			f->page_t[f->pages] = clock_now(f->clock);
		f->pages++;
		if (f->times > 0 && (f->fault == F_429 || f->fault == F_5XX ||
		    f->fault == F_EXPIRED)) {
			f->times--;
			f->status = f->fault == F_429 ? 429 : f->fault == F_5XX ? 503 : 400;
			if (f->fault == F_429)
				snprintf(f->retry, sizeof(f->retry), "120");
			f->body = xstrdup(f->fault == F_EXPIRED ? "{\"error\":\"ExpiredToken\","
			    "\"message\":\"Token has expired\"}" : "{\"error\":\"not now\"}");
		} else if (f->fault == F_FAR_429) {
			f->status = 429;
			snprintf(f->retry, sizeof(f->retry), "%s", "100000000000000000");
			f->body = xstrdup("{\"error\":\"Too many requests\"}");
		} else if (f->fault == F_FATAL_SECOND_PAGE && list_from(f, req->url) > 0) {
			f->fault = F_NONE;
			f->status = 400;
			f->body = xstrdup("{\"error\":\"not now\"}");
		} else
			f->body = followers_page(f, req->url);
		if (f->fault == F_DRAINED)
			snprintf(f->reset, sizeof(f->reset), "%lld",
			    (long long)clock_now(f->clock) + 300);
	}
	event_base_once(f->base, -1, EV_TIMEOUT, deliver, f, &now);
	return 0;
}

static void
run_until_idle(struct fixture *f)
{
	/* A poll is a chain of callbacks; it is over when nothing is in flight or busy. */
	struct watch_status st;
	int i;

	for (i = 0; i < 1000; i++) {
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		clock_advance(f->clock, 0);
		poller_status(f->p, 0, &st);
		if (!poller_busy(f->p) && !st.busy)
			return;
		if (st.busy && !poller_busy(f->p) && clock_next(f->clock) > 0)
			return;	/* waiting for a timer: as far as this step goes */
	}
	fail_msg("the poll never settled");
}

static void
on_degraded(void *arg, const char *watch, const char *reason)
{
	struct fixture *f = arg;

	assert_string_equal(watch, "brand");
	f->degraded++;
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
}

/* A watch on a scripted platform with NFOLLOWERS followers, numbered down from the newest. */
static int
setup_on(void **state, int bsky, int64_t reconcile)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct fg_watch_conf wc = { "brand", bsky ? "bluesky" : "mastodon", "http://127.0.0.1",
	    "brand", NULL, NULL, 0, 1 };
	struct poller_io io = { io_send, f };
	struct poller_hooks hooks = { 0 };
	char err[512];
	json_t *j;
	size_t i;

	f->bsky = bsky;
	for (i = 0; i < NFOLLOWERS; i++)
		f->list[f->nlist++] = NFOLLOWERS - (long)i;

	snprintf(f->dir, sizeof(f->dir), "%s/poller-XXXXXX", FG_TEST_TMP);
	if (mkdtemp(f->dir) == NULL || store_open(&f->st, f->dir, FG_STORE_NOSYNC, err,
	    sizeof(err)) != 0)
		return -1;
	j = json_loads(model_json, 0, NULL);
	if (j == NULL || model_from_json(&f->model, j, err, sizeof(err)) != 0)
		return -1;
	json_decref(j);
	f->policy.min_score = 0.8;
	f->pl = pipeline_new(f->st, &f->model, &f->policy, NULL);
	f->base = event_base_new();
	f->clock = clock_virtual(T0);
	f->p = poller_new(f->clock, f->pl, &io, NULL, NULL);
	hooks.degraded = on_degraded;
	hooks.arg = f;
	poller_set_hooks(f->p, &hooks);
	if (poller_add(f->p, &wc, xstrdup("token"), 3600, reconcile, err, sizeof(err)) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_on(state, 0, 86400);
}

/* Bluesky, a reconcile pass at every poll after the initial scan. */
static int
setup_bsky(void **state)
{
	return setup_on(state, 1, 0);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX + 16];

	poller_free(f->p);
	clock_free(f->clock);
	event_base_free(f->base);
	pipeline_free(f->pl);
	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static uint64_t
stored(struct fixture *f)
{
	uint64_t done;

	assert_int_equal(pipeline_polls_done(f->pl, "brand", &done), 0);
	return done;
}

static void
far_wait_is_capped(void **state)
{
	struct fixture *f = *state;
	struct watch_status st;
	int64_t t0 = clock_now(f->clock);

	f->fault = F_FAR_429;
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	run_until_idle(f);
	poller_status(f->p, 0, &st);
	assert_int_equal(st.degraded, 1);
	assert_non_null(strstr(st.last_error, "asked to wait 100000000000000000 s"));
	/* An hour and a second from when it was asked, however slow this machine: not 10^17 s. */
	assert_true(st.next_poll >= t0 + 3601);
	assert_true(st.next_poll <= clock_now(f->clock) + 3601);
}

static void
failed_poll_goes_on(void **state)
{
	struct fixture *f = *state;
	struct watch_status st;

	/* The initial scan: the first page is read, the second fails for good. */
	f->fault = F_FATAL_SECOND_PAGE;
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	run_until_idle(f);
	poller_status(f->p, 0, &st);
	assert_int_equal(st.polls, 0);
	assert_int_equal(stored(f), 0);
	assert_int_equal(f->pages, 2);
	/* The next poll asks for the second page, not the first again, and ends the scan. */
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	run_until_idle(f);
	poller_status(f->p, 0, &st);
	assert_int_equal(st.polls, 1);
	assert_int_equal(stored(f), 1);
	assert_int_equal(st.last_new + 80, NFOLLOWERS);	/* 80 came with the failed one */
	assert_int_equal(f->pages, 2 + 2);
}

/* Follower n joins the list at index at (0 is the top): listed late, below newer ones. */
static void
insert(struct fixture *f, long n, size_t at)
{
	assert_true(f->nlist < LIST_MAX && at <= f->nlist);
	memmove(f->list + at + 1, f->list + at, (f->nlist - at) * sizeof(*f->list));
	f->list[at] = n;
	f->nlist++;
}

/* The id the provider gives follower n. */
static const char *
fid(const struct fixture *f, long n)
{
	static char id[40];

	snprintf(id, sizeof(id), f->bsky ? "did:plc:f%ld" : "%ld", n);
	return id;
}

struct lookup {
	const char		*id;
	struct fg_edge		 e;
	int			 found;
	int64_t			 followers_count;
	int			 arrival;	/* recorded as an arrival (fed to the detector) */
};

static int
lookup_arrival(void *arg, int64_t t, uint32_t seq, const char *id)
{
	struct lookup *lk = arg;

	(void)t;
	(void)seq;
	lk->arrival |= strcmp(id, lk->id) == 0;
	return 0;
}

static int
lookup_read(struct fg_txn *txn, void *arg)
{
	struct lookup *lk = arg;
	struct fg_profile_rec rec;
	int r;

	if ((r = store_edge_get(txn, "brand", lk->id, &lk->e)) == -1)
		return -1;
	lk->found = r == 0 && lk->e.state == FG_EDGE_FOLLOWING;
	if (!lk->found)
		return 0;
	if (store_profile_get(txn, "brand", lk->id, &rec) != 0)
		return -1;
	lk->followers_count = rec.profile.followers_count;
	return store_arrivals_scan(txn, "brand", INT64_MIN, INT64_MAX, lookup_arrival, lk);
}

/* What the store holds of follower n; fails the test if it does not follow. */
static struct lookup
follower(struct fixture *f, long n)
{
	struct lookup lk;

	memset(&lk, 0, sizeof(lk));
	lk.id = fid(f, n);
	assert_int_equal(store_read(f->st, lookup_read, &lk), 0);
	if (!lk.found)
		fail_msg("follower %s is not stored", lk.id);
	return lk;
}

static void
poll_once(struct fixture *f)
{
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	run_until_idle(f);
}

/*
 * The AppView under load lists some new followers below ones already known. Incremental
 * polling ingests every unknown follower on the pages it reads and reads on until OVERLAP
 * (40) known followers in a row: here five new ones, three of them late, in two pages.
 */
static void
late_followers_found(void **state)
{
	struct fixture *f = *state;
	struct watch_status st;
	static const long order[] = { 301, 300, 302, 303, 304 };	/* as listed */
	uint64_t old;
	size_t i;
	int pages;

	poll_once(f);
	poller_status(f->p, 0, &st);
	assert_int_equal(st.polls, 1);
	insert(f, 300, 0);
	insert(f, 301, 0);
	insert(f, 302, 30);	/* below 28 known ones */
	insert(f, 303, 75);	/* 4 known below it on page one: the run is too short */
	insert(f, 304, 100);	/* on page two, then 59 known in a row: the end */
	pages = f->pages;
	poll_once(f);
	poller_status(f->p, 0, &st);
	assert_int_equal(st.polls, 2);
	assert_int_equal(st.last_new, 5);
	assert_int_equal(f->pages - pages, 2);
	/* Follow order is the order listed, all newer than what the initial scan found. */
	old = follower(f, NFOLLOWERS).e.position;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct lookup lk = follower(f, order[i]);

		assert_true(lk.arrival);
		assert_true(lk.e.position > old);
		if (i > 0)
			assert_true(lk.e.position < follower(f, order[i - 1]).e.position);
	}
	/*
	 * One deeper than OVERLAP known ones in a row is the reconcile pass's to find: a poll
	 * that finds nothing new costs one page.
	 */
	insert(f, 305, 150);
	pages = f->pages;
	poll_once(f);
	poller_status(f->p, 0, &st);
	assert_int_equal(st.polls, 3);
	assert_int_equal(st.last_new, 0);
	assert_int_equal(f->pages - pages, 1);
}

/*
 * Bluesky pages lack counts. A follower the reconcile pass finds is hydrated before it is
 * stored, like one found by incremental polling; known followers are not hydrated again.
 */
static void
reconcile_hydrates(void **state)
{
	struct fixture *f = *state;
	struct watch_status st;
	struct lookup lk;

	poll_once(f);
	poller_status(f->p, 0, &st);
	assert_int_equal(st.polls, 1);
	assert_int_equal(f->nhydrated, NFOLLOWERS);
	assert_int_equal(follower(f, 1).followers_count, 10);
	insert(f, 306, 20);	/* late, found by the incremental part */
	insert(f, 305, 150);	/* too deep for it: the reconcile pass's */
	f->nhydrated = 0;
	poll_once(f);
	poller_status(f->p, 0, &st);
	assert_int_equal(st.polls, 2);
	assert_int_equal(st.last_new, 1);
	assert_int_equal(f->nhydrated, 2);
	assert_int_equal(f->hydrated[0], 306);
	assert_int_equal(f->hydrated[1], 305);
	lk = follower(f, 305);
	assert_int_equal(lk.followers_count, 10);
	assert_true(lk.arrival);
	assert_int_equal(follower(f, 306).followers_count, 10);
}

static void
refused_token_backs_off(void **state)
{
	struct fixture *f = *state;
	struct watch_status st;
	int64_t t0 = clock_now(f->clock);

	f->fault = F_TOKEN;
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	run_until_idle(f);
	poller_status(f->p, 0, &st);
	assert_int_equal(f->sent, 1);
	assert_int_equal(st.degraded, 1);
	assert_int_equal(st.refusals, 1);
	assert_non_null(strstr(st.last_error, "token refused: "));
	assert_non_null(strstr(st.last_error, "next attempt in 3600 s"));
	assert_int_equal(f->degraded, 1);
	assert_string_equal(f->reason, st.last_error);
	/* Not again before the backoff is over: neither the timer nor poll-now sends it. */
	assert_true(st.login_retry >= t0 + 3600 && st.next_poll >= t0 + 3600);
	assert_int_equal(poller_poll_now(f->p, "brand"), 1);
	run_until_idle(f);
	assert_int_equal(f->sent, 1);
	/* The same secret read again changes nothing; a new one is used at once. */
	assert_int_equal(poller_set_secret(f->p, "brand", xstrdup("token")), 0);
	assert_int_equal(poller_poll_now(f->p, "brand"), 1);
	assert_int_equal(poller_set_secret(f->p, "brand", xstrdup("good")), 1);
	assert_int_equal(poller_set_secret(f->p, "nosuch", xstrdup("good")), -1);
	poller_status(f->p, 0, &st);
	assert_true(st.next_poll <= clock_now(f->clock) + 10);	/* soon, not in an hour */
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	run_until_idle(f);
	poller_status(f->p, 0, &st);
	assert_int_equal(st.polls, 1);
	assert_int_equal(st.degraded, 0);
	assert_int_equal(st.refusals, 0);
	assert_int_equal(st.login_retry, 0);
	assert_int_equal(f->degraded, 1);	/* once per degradation */
	assert_int_equal(f->pages, 3);
}

static void
settle(void *f)
{
	run_until_idle(f);
}

/* Runs the loop and the virtual clock for seconds: every timer due on the way fires. */
static void
run_for(struct fixture *f, double seconds)
{
	clock_run(f->clock, seconds, settle, f);
}

static struct watch_status
status(struct fixture *f)
{
	struct watch_status st;

	poller_status(f->p, 0, &st);
	return st;
}

/* The watch polls by itself: the first poll within 10 s, the next after the interval +-10 %. */
static void
polls_on_its_timer(void **state)
{
	struct fixture *f = *state;

	run_for(f, 10);
	assert_int_equal(status(f).polls, 1);
	assert_int_equal(status(f).last_poll, f->page_t[0]);
	run_for(f, 3600 * 0.9 - 11);
	assert_int_equal(status(f).polls, 1);
	run_for(f, 3600 * 0.2 + 2);
	assert_int_equal(status(f).polls, 2);
	assert_true(f->page_t[3] - f->page_t[0] >= 3240 && f->page_t[3] - f->page_t[0] <= 3960);
}

/* A 429 waits for the Retry-After it names, not a second less, and the poll then completes. */
static void
rate_limited_waits(void **state)
{
	struct fixture *f = *state;

	f->fault = F_429;
	f->times = 1;
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	run_for(f, 119);
	assert_int_equal(f->pages, 1);
	assert_int_equal(status(f).busy, 1);
	assert_int_equal(status(f).by_status[FG_ST_429], 1);
	run_for(f, 3);
	assert_int_equal(status(f).polls, 1);
	assert_int_equal(status(f).degraded, 0);
	assert_int_equal(f->pages, 1 + 3);
	assert_true(f->page_t[1] - f->page_t[0] >= 120);
}

/* A budget spent to 0 is waited out before the next request: no 429 is ever asked for. */
static void
drained_budget_waits_for_reset(void **state)
{
	struct fixture *f = *state;
	int i;

	f->fault = F_DRAINED;
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	run_for(f, 1000);
	assert_int_equal(status(f).polls, 1);
	assert_int_equal(f->pages, 3);
	for (i = 1; i < 3; i++)
		assert_true(f->page_t[i] - f->page_t[i - 1] >= 300);
	assert_int_equal(status(f).by_status[FG_ST_429], 0);
}

/*
 * Transient failures are retried with a growing, jittered backoff inside the poll; five
 * in a row abandon it, three abandoned polls degrade the watch, one good poll heals it.
 */
static void
transient_failures_back_off(void **state)
{
	struct fixture *f = *state;
	int i;

	f->fault = F_5XX;
	f->times = 3;
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	run_for(f, 60);
	assert_int_equal(status(f).polls, 1);
	assert_int_equal(status(f).by_status[FG_ST_5XX], 3);
	/* 2^k s * [0.5, 1.5) after the k-th failure */
	for (i = 1; i <= 3; i++) {
		int64_t gap = f->page_t[i] - f->page_t[i - 1];

		assert_true(gap >= (1 << i) / 2 && gap <= (1 << i) * 3 / 2 + 1);
	}
	/* Six failures in a row end a poll; the third such poll degrades the watch. */
	f->times = 3 * 6;
	for (i = 0; i < 3; i++) {
		assert_int_equal(status(f).degraded, 0);
		assert_int_equal(poller_poll_now(f->p, "brand"), 0);
		run_for(f, 300);
		assert_int_equal(status(f).busy, 0);
	}
	assert_int_equal(f->times, 0);
	assert_int_equal(status(f).polls, 1);
	assert_int_equal(status(f).degraded, 1);
	assert_int_equal(f->degraded, 1);
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	run_for(f, 1);
	assert_int_equal(status(f).polls, 2);
	assert_int_equal(status(f).degraded, 0);
}

/* An expired session is renewed in the middle of a poll, which then goes on. */
static void
expired_session_renewed(void **state)
{
	struct fixture *f = *state;

	poll_once(f);
	assert_int_equal(status(f).polls, 1);
	assert_int_equal(f->logins, 1);
	f->fault = F_EXPIRED;
	f->times = 1;
	insert(f, 400, 0);
	run_for(f, 3600 * 1.1 + 1);
	assert_int_equal(status(f).polls, 2);
	assert_int_equal(status(f).last_new, 1);
	assert_int_equal(status(f).degraded, 0);
	assert_int_equal(f->logins, 2);
	follower(f, 400);
}

/* A refused secret is tried again when its backoff is over, and not before. */
static void
refused_token_retried_later(void **state)
{
	struct fixture *f = *state;
	int64_t t0 = clock_now(f->clock);

	f->fault = F_TOKEN;
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	run_for(f, 3600 - 1);
	assert_int_equal(f->sent, 1);
	run_for(f, 2);
	assert_int_equal(f->sent, 2);
	assert_int_equal(status(f).refusals, 2);
	assert_int_equal(status(f).login_retry, t0 + 3600 + 7200);
	run_for(f, 7200 - 2);
	assert_int_equal(f->sent, 2);
	run_for(f, 2);
	assert_int_equal(f->sent, 3);
	assert_int_equal(f->degraded, 1);
}

static void
login_backoff_doubles(void **state)
{
	(void)state;
	assert_int_equal(poller_login_backoff(300, 1), 300);
	assert_int_equal(poller_login_backoff(300, 2), 600);
	assert_int_equal(poller_login_backoff(300, 3), 1200);
	assert_int_equal(poller_login_backoff(300, 7), 19200);
	assert_int_equal(poller_login_backoff(300, 8), POLLER_LOGIN_BACKOFF_MAX);
	assert_int_equal(poller_login_backoff(300, 4000000000u), POLLER_LOGIN_BACKOFF_MAX);
	assert_int_equal(poller_login_backoff(86400, 1), POLLER_LOGIN_BACKOFF_MAX);
	assert_int_equal(poller_login_backoff(0, 3), 4);
}

static void
count_mismatch_tolerance(void **state)
{
	(void)state;
	assert_true(poller_count_mismatch(590, 490));	/* the case seen on Bluesky */
	assert_false(poller_count_mismatch(100, 80));	/* 20 apart: within the slack */
	assert_true(poller_count_mismatch(100, 79));
	assert_true(poller_count_mismatch(79, 100));
	assert_false(poller_count_mismatch(10000, 9800));	/* 2 % */
	assert_true(poller_count_mismatch(10000, 9799));
	assert_false(poller_count_mismatch(-1, 500));		/* count unknown */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(refused_token_backs_off, setup, teardown),
		cmocka_unit_test(login_backoff_doubles),
		cmocka_unit_test(count_mismatch_tolerance),
		cmocka_unit_test_setup_teardown(far_wait_is_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_poll_goes_on, setup, teardown),
		cmocka_unit_test_setup_teardown(late_followers_found, setup, teardown),
		cmocka_unit_test_setup_teardown(reconcile_hydrates, setup_bsky, teardown),
		cmocka_unit_test_setup_teardown(polls_on_its_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(rate_limited_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(drained_budget_waits_for_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(transient_failures_back_off, setup, teardown),
		cmocka_unit_test_setup_teardown(expired_session_renewed, setup_bsky, teardown),
		cmocka_unit_test_setup_teardown(refused_token_retried_later, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
