/*
 * The poller on its I/O seam: a scripted Mastodon answers every request from memory, through
 * the event loop, so a whole poll runs in milliseconds. Checked: a platform's absurd wait is
 * capped and shown as degraded; a poll that fails half-way goes on where it stopped; a
 * refused token backs off, degrades the watch once, and a new secret ends it. The arithmetic
 * of the login backoff and of the follower-count check.
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

#include "pipeline.h"
#include "poller.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

#define NFOLLOWERS	200	/* three pages of 80 */

static const char model_json[] =
    "{\"version\":\"avatar-only\",\"bias\":0,\"fake_threshold\":0.8,\"suspect_threshold\":0.5,"
    "\"features\":{\"default_avatar\":{\"mean\":0.5,\"scale\":0.1085,\"weight\":1}}}";

/* What the scripted platform does with the next followers page requests. */
enum fault { F_NONE, F_FAR_429, F_FATAL_SECOND_PAGE, F_TOKEN };

struct fixture {
	char			 dir[PATH_MAX];
	struct fg_store		*st;
	struct fg_model		 model;
	struct fg_policy	 policy;
	struct fg_pipeline	*pl;
	struct event_base	*base;
	struct poller		*p;
	enum fault		 fault;
	int			 pages;		/* followers page requests answered */
	int			 sent;		/* requests of any kind */
	int			 degraded;	/* degraded hook calls */
	char			 reason[256];
	char			 last_url[FG_URL_MAX];
	/* the reply being delivered */
	struct event		*ev;
	fg_send_done		*done;
	void			*arg;
	long			 status;
	char			*body;
	char			 link[256], retry[64];
};

static void
deliver(evutil_socket_t fd, short what, void *a)
{
	struct fixture *f = a;
	struct fg_header h[2];
	char *body = f->body, link[sizeof(f->link)], retry[sizeof(f->retry)];
	struct fg_response r = { f->status, body, strlen(body), h, 0 };

	(void)fd;
	(void)what;
	/* The callback may send the next request, which sets up the next reply. */
	f->body = NULL;
	memcpy(link, f->link, sizeof(link));
	memcpy(retry, f->retry, sizeof(retry));
	if (link[0] != '\0')
		h[r.nheaders++] = (struct fg_header){ "Link", link };
	if (retry[0] != '\0')
		h[r.nheaders++] = (struct fg_header){ "Retry-After", retry };
	f->done(f->arg, &r, NULL);
	free(body);
}

/* Followers newest first: ids NFOLLOWERS down to 1; max_id=N lists those below N. */
static char *
followers_page(struct fixture *f, const char *url)
{
	const char *m = strstr(url, "max_id=");
	long below = m != NULL ? strtol(m + 7, NULL, 10) : NFOLLOWERS + 1, id, last = 0;
	json_t *a = json_array();
	char *s;

	for (id = below - 1; id >= 1 && json_array_size(a) < 80; id--) {
		char sid[24];

		snprintf(sid, sizeof(sid), "%ld", id);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s}",
		    "id", sid, "acct", sid, "username", sid, "created_at", "2020-01-01T00:00:00Z",
		    "followers_count", 10, "following_count", 10, "statuses_count", 10, "avatar",
		    "https://x.example/a.png"));
		last = id;
	}
	f->link[0] = '\0';
	if (last > 1)
		snprintf(f->link, sizeof(f->link), "<http://127.0.0.1/api/v1/accounts/7/followers?"
		    "max_id=%ld>; rel=\"next\"", last);
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
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
	f->link[0] = f->retry[0] = '\0';
	f->sent++;
	if (f->fault == F_TOKEN && strstr(req->auth, "Bearer good") == NULL) {
		/* Only the token "good" is accepted: the one configured was revoked. */
		f->status = 401;
		f->body = xstrdup("{\"error\":\"The access token was revoked\"}");
	} else if (strstr(req->url, "/followers") == NULL) {
		f->body = xstrdup("{\"id\":\"7\",\"acct\":\"brand\",\"username\":\"brand\","
		    "\"followers_count\":200}");
	} else {
		f->pages++;
		if (f->fault == F_FAR_429) {
			f->status = 429;
			snprintf(f->retry, sizeof(f->retry), "%s", "100000000000000000");
			f->body = xstrdup("{\"error\":\"Too many requests\"}");
		} else if (f->fault == F_FATAL_SECOND_PAGE && strstr(req->url, "max_id=") != NULL) {
			f->fault = F_NONE;
			f->status = 400;
			f->body = xstrdup("{\"error\":\"not now\"}");
		} else
			f->body = followers_page(f, req->url);
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
		poller_status(f->p, 0, &st);
		if (!poller_busy(f->p) && !st.busy)
			return;
		if (st.busy && !poller_busy(f->p) && st.next_poll > time_now() + 5)
			return;	/* waiting for a timer: as far as this test goes */
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

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct fg_watch_conf wc = { "brand", "mastodon", "http://127.0.0.1", "brand", NULL, NULL,
	    0, 1 };
	struct poller_io io = { io_send, f };
	struct poller_hooks hooks = { 0 };
	char err[512];
	json_t *j;

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
	f->p = poller_new(f->base, f->pl, &io, NULL, NULL);
	hooks.degraded = on_degraded;
	hooks.arg = f;
	poller_set_hooks(f->p, &hooks);
	if (poller_add(f->p, &wc, xstrdup("token"), 3600, 86400, err, sizeof(err)) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX + 16];

	poller_free(f->p);
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
	int64_t t0 = time_now();

	f->fault = F_FAR_429;
	assert_int_equal(poller_poll_now(f->p, "brand"), 0);
	run_until_idle(f);
	poller_status(f->p, 0, &st);
	assert_int_equal(st.degraded, 1);
	assert_non_null(strstr(st.last_error, "asked to wait 100000000000000000 s"));
	/* An hour and a second from when it was asked, however slow this machine: not 10^17 s. */
	assert_true(st.next_poll >= t0 + 3601);
	assert_true(st.next_poll <= time_now() + 3601);
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

static void
refused_token_backs_off(void **state)
{
	struct fixture *f = *state;
	struct watch_status st;
	int64_t t0 = time_now();

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
	assert_true(st.next_poll <= time_now() + 10);	/* soon, not in an hour */
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
