/*
 * The purger on the poller's I/O seam and a virtual clock: an automatic purge waits out its
 * grace period to the second and removes nothing before; a cancel during the grace period
 * removes nothing ever; a removal the platform fails transiently is sent again later, and
 * every planned follower is removed once; a purger stopped half-way (the daemon killed) is
 * resumed by a new one from the journal without removing anyone twice. Milliseconds, and no
 * assertion depends on how fast the machine is.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include "clock.h"
#include "pipeline.h"
#include "poller.h"
#include "purge.h"
#include "purger.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

#define T0	INT64_C(1796083200)	/* 2026-12-01T00:00:00Z: the virtual clock's start */
#define W	"brand"
#define GRACE	600
#define SENT_MAX 64

/* The followers: the first three are in the spike's plan, the last two are real people. */
static const char *const ids[] = { "11", "12", "13", "21", "22" };
#define NIDS	(sizeof(ids) / sizeof(ids[0]))
#define NPLAN	3

struct fixture {
	char			 dir[PATH_MAX];
	struct fg_store		*st;
	struct fg_config	 cfg;
	struct fg_model		 model;
	struct fg_policy	 policy;
	struct fg_pipeline	*pl;
	struct event_base	*base;
	struct fg_clock		*clock;
	struct poller		*p;
	struct purger		*pg;
	int			 fail_removals;	/* answer the next ones 503 */
	int			 hold_at;	/* leave removal number hold_at unanswered */
	char			 removed[SENT_MAX][16];	/* removal requests, in order */
	int64_t			 removed_t[SENT_MAX];
	int			 nremoved;
	/* the reply being delivered */
	fg_send_done		*done;
	void			*arg;
	long			 status;
	char			*body;
};

static void
deliver(evutil_socket_t fd, short what, void *a)
{
	struct fixture *f = a;
	char *body = f->body;
	struct fg_response r = { f->status, body, strlen(body), NULL, 0 };

	(void)fd;
	(void)what;
	f->body = NULL;
	f->done(f->arg, &r, NULL);
	free(body);
}

/* Mastodon: the account, its followers (all known), its following list (nobody), removals. */
static int
io_send(void *ctx, const struct fg_request *req, fg_send_done *done, void *arg)
{
	struct fixture *f = ctx;
	struct timeval now = { 0, 0 };
	const char *m;
	json_t *a;
	size_t i;

	f->done = done;
	f->arg = arg;
	f->status = 200;
	if ((m = strstr(req->url, "/remove_from_followers")) != NULL) {
		const char *id = strstr(req->url, "/accounts/") + strlen("/accounts/");

		assert_true(f->nremoved < SENT_MAX);
		snprintf(f->removed[f->nremoved], sizeof(f->removed[0]), "%.*s", (int)(m - id), id);
		f->removed_t[f->nremoved++] = clock_now(f->clock);
		if (f->nremoved == f->hold_at) {
			f->body = NULL;
			return 0;	/* out, and never answered: the daemon dies first */
		}
		if (f->fail_removals > 0) {
			f->fail_removals--;
			f->status = 503;
			f->body = xstrdup("{\"error\":\"try later\"}");
		} else
			f->body = xstrdup("{\"id\":\"1\",\"followed_by\":false}");
	} else if (strstr(req->url, "/following") != NULL) {
		f->body = xstrdup("[]");
	} else if (strstr(req->url, "/followers") != NULL) {
		a = json_array();
		for (i = 0; i < NIDS; i++)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "id", ids[i],
			    "acct", ids[i], "username", ids[i], "created_at",
			    "2020-01-01T00:00:00Z"));
		f->body = json_dumps(a, JSON_COMPACT);
		json_decref(a);
	} else
		f->body = xstrdup("{\"id\":\"7\",\"acct\":\"brand\",\"username\":\"brand\","
		    "\"followers_count\":5}");
	event_base_once(f->base, -1, EV_TIMEOUT, deliver, f, &now);
	return 0;
}

/* The followers as an earlier poll stored them, and a spike whose plan holds three. */
static int
fill(struct fg_txn *txn, void *arg)
{
	struct fg_profile_rec rec;
	struct fg_edge e;
	size_t i;

	(void)arg;
	for (i = 0; i < NIDS; i++) {
		memset(&rec, 0, sizeof(rec));
		profile_init(&rec.profile);
		rec.profile.id = ids[i];
		rec.profile.handle = ids[i];
		rec.score = i < NPLAN ? 0.97 : 0.05;
		memset(&e, 0, sizeof(e));
		e.state = FG_EDGE_FOLLOWING;
		e.first_seen = e.last_seen = i < NPLAN ? T0 - 60 : T0 - 86400;
		e.initial = i >= NPLAN;
		e.position = NIDS - i;
		if (store_profile_put(txn, W, &rec) != 0 ||
		    store_edge_put(txn, W, ids[i], &e) != 0 ||
		    store_arrival_put(txn, W, e.first_seen, (uint32_t)i, ids[i]) != 0)
			return -1;
	}
	return store_spike_put(txn, W, "brand-s1", "{\"kind\":\"inorganic\",\"start\":"
	    "\"2026-11-30T23:58:00Z\"}") != 0 ||
	    store_plan_put(txn, W, "brand-s1", "11\n12\n13\n") != 0 ? -1 : 0;
}

struct sched {
	uint64_t	job;
};

static int
schedule(struct fg_txn *txn, void *arg)
{
	struct sched *s = arg;
	struct purge_selector sel;

	memset(&sel, 0, sizeof(sel));
	snprintf(sel.watch, sizeof(sel.watch), W);
	sel.spike_id = (char *)"brand-s1";
	sel.since = sel.until = FG_TIME_UNKNOWN;
	sel.min_score = -1;
	return purge_job_schedule(txn, &sel, T0, T0 + GRACE, &s->job);
}

/* The daemon's workers, as it starts them: a poller watching W, a purger that syncs. */
static void
start(struct fixture *f)
{
	struct fg_watch_conf wc = { W, "mastodon", "http://127.0.0.1", W, NULL, NULL, 0, 1 };
	struct poller_io io = { io_send, f };
	char err[512];

	f->p = poller_new(f->clock, f->pl, &io, NULL, NULL);
	assert_int_equal(poller_add(f->p, &wc, xstrdup("token"), 3600, 86400, err,
	    sizeof(err)), 0);
	f->pg = purger_new(f->clock, f->p, f->st, &f->cfg);
	purger_sync(f->pg);
}

/* The daemon killed: its workers go, with whatever was in flight; the store stays. */
static void
stop(struct fixture *f)
{
	purger_free(f->pg);
	poller_free(f->p);
	f->pg = NULL;
	f->p = NULL;
	if (f->body != NULL) {
		free(f->body);
		f->body = NULL;
	}
	event_base_free(f->base);	/* a reply on its way is lost */
	f->base = event_base_new();
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct sched s;
	char err[512];
	json_t *j;

	snprintf(f->dir, sizeof(f->dir), "%s/purger-XXXXXX", FG_TEST_TMP);
	if (mkdtemp(f->dir) == NULL || store_open(&f->st, f->dir, FG_STORE_NOSYNC, err,
	    sizeof(err)) != 0)
		return -1;
	config_defaults(&f->cfg);
	f->cfg.purge.max_share = 1;
	j = json_loads("{\"version\":\"t\",\"bias\":0,\"fake_threshold\":0.8,"
	    "\"suspect_threshold\":0.5,\"features\":{}}", 0, NULL);
	if (j == NULL || model_from_json(&f->model, j, err, sizeof(err)) != 0)
		return -1;
	json_decref(j);
	f->policy.min_score = 0.8;
	f->pl = pipeline_new(f->st, &f->model, &f->policy, NULL);
	f->base = event_base_new();
	f->clock = clock_virtual(T0);
	if (store_write(f->st, fill, NULL) != 0 || store_write(f->st, schedule, &s) != 0 ||
	    s.job != 1)
		return -1;
	start(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX + 16];

	if (f->p != NULL)
		stop(f);
	event_base_free(f->base);
	clock_free(f->clock);
	pipeline_free(f->pl);
	store_close(f->st);
	config_free(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* The replies in flight come back, and what they set going is done. */
static void
settle(void *arg)
{
	struct fixture *f = arg;
	int i;

	for (i = 0; i < 100; i++) {
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (clock_advance(f->clock, 0) == 0 && !poller_busy(f->p))
			break;
	}
}

/* Runs the loop and the virtual clock for seconds: every timer due on the way fires. */
static void
run_for(struct fixture *f, double seconds)
{
	clock_run(f->clock, seconds, settle, f);
}

static const char *
job_state(struct fixture *f, json_t **job)
{
	json_t *req = json_pack("{s:I}", "job", (json_int_t)1), *st;
	char err[256];

	st = purger_status(f->pg, req, err, sizeof(err));
	json_decref(req);
	assert_non_null(st);
	*job = st;
	return json_string_value(json_object_get(json_object_get(st, "job_status"), "state"));
}

static void
assert_state(struct fixture *f, const char *want)
{
	json_t *job;
	const char *got = job_state(f, &job);

	if (got == NULL || strcmp(got, want) != 0) {
		char *s = json_dumps(job, JSON_COMPACT);

		fail_msg("job is %s, expected %s: %s", got ? got : "?", want, s);
	}
	json_decref(job);
}

/* How often follower id was asked to be removed. */
static int
removals_of(const struct fixture *f, const char *id)
{
	int i, n = 0;

	for (i = 0; i < f->nremoved; i++)
		n += strcmp(f->removed[i], id) == 0;
	return n;
}

static void
grace_is_waited_out(void **state)
{
	struct fixture *f = *state;
	size_t i;

	run_for(f, GRACE - 1);
	assert_int_equal(f->nremoved, 0);
	assert_state(f, JOB_SCHEDULED);
	run_for(f, 60);
	assert_state(f, JOB_DONE);
	assert_int_equal(f->nremoved, NPLAN);
	assert_true(f->removed_t[0] >= T0 + GRACE);
	for (i = 0; i < NPLAN; i++)
		assert_int_equal(removals_of(f, ids[i]), 1);
	for (; i < NIDS; i++)
		assert_int_equal(removals_of(f, ids[i]), 0);
}

static void
cancelled_in_grace_removes_nothing(void **state)
{
	struct fixture *f = *state;
	json_t *req = json_pack("{s:I}", "job", (json_int_t)1), *r;
	char err[256];

	run_for(f, GRACE / 2);
	r = purger_cancel(f->pg, req, err, sizeof(err));
	assert_non_null(r);
	json_decref(r);
	json_decref(req);
	run_for(f, 86400);
	assert_state(f, JOB_CANCELLED);
	assert_int_equal(f->nremoved, 0);
}

static void
transient_failure_is_retried(void **state)
{
	struct fixture *f = *state;
	size_t i;

	f->fail_removals = 8;	/* more than one request's own retries */
	run_for(f, GRACE + 3600);
	assert_state(f, JOB_DONE);
	assert_int_equal(f->fail_removals, 0);
	assert_int_equal(removals_of(f, ids[0]), 1 + 8);
	for (i = 1; i < NPLAN; i++)
		assert_int_equal(removals_of(f, ids[i]), 1);
	for (; i < NIDS; i++)
		assert_int_equal(removals_of(f, ids[i]), 0);
	/* Each retry waited: the failures took time, not a burst of requests. */
	assert_true(f->removed_t[8] - f->removed_t[0] >= 30);
}

/* Killed after the first removal: the next daemon finishes the job, nobody twice. */
static void
killed_and_resumed(void **state)
{
	struct fixture *f = *state;
	size_t i;

	f->hold_at = 2;
	run_for(f, GRACE + 60);
	assert_int_equal(f->nremoved, 2);	/* the second one is out, unanswered */
	assert_state(f, JOB_RUNNING);
	stop(f);
	f->hold_at = 0;
	start(f);
	run_for(f, 600);
	assert_state(f, JOB_DONE);
	assert_int_equal(removals_of(f, ids[0]), 1);	/* done before the kill: not again */
	assert_int_equal(removals_of(f, ids[1]), 2);	/* in flight at the kill: sent again */
	assert_int_equal(removals_of(f, ids[2]), 1);
	for (i = NPLAN; i < NIDS; i++)
		assert_int_equal(removals_of(f, ids[i]), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(grace_is_waited_out, setup, teardown),
		cmocka_unit_test_setup_teardown(cancelled_in_grace_removes_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(transient_failure_is_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_and_resumed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
