/*
 * Tests of purge selection and the journal: every protection (unknown, gone, allowlisted in
 * the configuration and in the store, verified, older than the spike), --limit, the cap and
 * the sanity stop, the plan's hash, and entries moving state with the job's counters.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "purge.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

#define T0	INT64_C(1790000000)	/* the spike's start */
#define W	"brand"

struct fixture {
	char			 dir[PATH_MAX];
	struct fg_store		*st;
	struct fg_config	 cfg;
};

/* Followers: id, handle, score, verified, state, first seen, initial. */
struct who {
	const char	*id, *handle;
	double		 score;
	int		 verified, state;
	int64_t		 first_seen;
	int		 initial;
};

static const struct who people[] = {
	{ "1", "bot_one", 0.97, 0, FG_EDGE_FOLLOWING, T0 + 60, 0 },	/* planned */
	{ "2", "bot_two", 0.95, 0, FG_EDGE_FOLLOWING, T0 + 60, 0 },	/* planned */
	{ "3", "Alice", 0.99, 0, FG_EDGE_FOLLOWING, T0 + 60, 0 },	/* allowlisted (config) */
	{ "4", "carol", 0.99, 0, FG_EDGE_FOLLOWING, T0 + 60, 0 },	/* allowed in the store */
	{ "5", "star", 0.99, 1, FG_EDGE_FOLLOWING, T0 + 60, 0 },	/* verified */
	{ "6", "old", 0.99, 0, FG_EDGE_FOLLOWING, T0 - 3600, 0 },	/* older than the spike */
	{ "7", "first", 0.99, 0, FG_EDGE_FOLLOWING, T0 + 60, 1 },	/* initial scan */
	{ "8", "gone", 0.99, 0, FG_EDGE_UNFOLLOWED, T0 + 60, 0 },	/* no longer follows */
	{ "9", "human", 0.10, 0, FG_EDGE_FOLLOWING, T0 - 86400, 1 },	/* audience */
	{ "10", "human2", 0.10, 0, FG_EDGE_FOLLOWING, T0 - 86400, 1 },	/* audience */
};
#define NPEOPLE	(sizeof(people) / sizeof(people[0]))

static int
fill(struct fg_txn *txn, void *arg)
{
	struct fg_profile_rec rec;
	struct fg_edge e;
	size_t i;

	(void)arg;
	for (i = 0; i < NPEOPLE; i++) {
		memset(&rec, 0, sizeof(rec));
		profile_init(&rec.profile);
		rec.profile.id = people[i].id;
		rec.profile.handle = people[i].handle;
		rec.profile.verified = (int8_t)people[i].verified;
		rec.score = people[i].score;
		memset(&e, 0, sizeof(e));
		e.state = (uint8_t)people[i].state;
		e.first_seen = e.last_seen = people[i].first_seen;
		e.initial = (uint8_t)people[i].initial;
		if (store_profile_put(txn, W, &rec) != 0 || store_edge_put(txn, W, people[i].id, &e) != 0 ||
		    store_arrival_put(txn, W, people[i].first_seen, (uint32_t)i, people[i].id) != 0)
			return -1;
	}
	if (store_spike_put(txn, W, "brand-s1", "{\"kind\":\"inorganic\",\"start\":"
	    "\"2026-09-21T14:13:20Z\"}") != 0 ||
	    store_spike_put(txn, W, "brand-organic", "{\"kind\":\"organic\",\"start\":"
	    "\"2026-09-21T14:13:20Z\"}") != 0 ||
	    store_plan_put(txn, W, "brand-s1", "1\n2\n3\n4\n5\n6\n7\n8\n11\n1\n") != 0 ||
	    store_allowed_put(txn, W, "carol", "a friend") != 0)
		return -1;
	return 0;
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char err[512];

	snprintf(f->dir, sizeof(f->dir), "%s/purge-XXXXXX", FG_TEST_TMP);
	if (mkdtemp(f->dir) == NULL || store_open(&f->st, f->dir, 0, err, sizeof(err)) != 0) {
		free(f);
		return -1;
	}
	config_defaults(&f->cfg);
	f->cfg.purge.allowlist = xcalloc(1, sizeof(char *));
	f->cfg.purge.allowlist[0] = xstrdup("alice");	/* handles match in any case */
	f->cfg.purge.nallowlist = 1;
	f->cfg.purge.max_share = 1;
	assert_int_equal(store_write(f->st, fill, NULL), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 32];

	store_close(f->st);
	config_free(&f->cfg);
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

struct selecting {
	struct fixture			*f;
	const struct purge_selector	*sel;
	struct purge_plan		 plan;
	char				 err[256];
	int				 rc;
};

static int
select_read(struct fg_txn *txn, void *arg)
{
	struct selecting *s = arg;

	s->rc = purge_select(txn, &s->f->cfg, NULL, s->sel, &s->plan, s->err, sizeof(s->err));
	return 0;
}

static int
run_select(struct fixture *f, const struct purge_selector *sel, struct purge_plan *plan,
    char *err)
{
	struct selecting s;

	memset(&s, 0, sizeof(s));
	s.f = f;
	s.sel = sel;
	assert_int_equal(store_read(f->st, select_read, &s), 0);
	*plan = s.plan;
	strcpy(err, s.err);
	return s.rc;
}

static void
selector(struct purge_selector *sel, const char *spike)
{
	memset(sel, 0, sizeof(*sel));
	snprintf(sel->watch, sizeof(sel->watch), W);
	sel->spike_id = spike != NULL ? xstrdup(spike) : NULL;
	sel->since = sel->until = FG_TIME_UNKNOWN;
	sel->min_score = -1;
}

static enum purge_skip
skip_of(const struct purge_plan *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->e[i].id, id) == 0)
			return p->e[i].skip;
	fail_msg("%s not in the plan", id);
	return NSKIP;
}

static void
test_protections(void **state)
{
	struct fixture *f = *state;
	struct purge_selector sel;
	struct purge_plan p;
	char err[256];

	selector(&sel, "brand-s1");
	assert_int_equal(run_select(f, &sel, &p, err), 0);
	assert_int_equal(p.n, 9);		/* "1" listed twice counts once */
	assert_int_equal(p.planned, 2);
	assert_int_equal(skip_of(&p, "1"), SKIP_NONE);
	assert_int_equal(skip_of(&p, "2"), SKIP_NONE);
	assert_int_equal(skip_of(&p, "3"), SKIP_ALLOWLISTED);
	assert_int_equal(skip_of(&p, "4"), SKIP_ALLOWLISTED);
	assert_int_equal(skip_of(&p, "5"), SKIP_VERIFIED);
	assert_int_equal(skip_of(&p, "6"), SKIP_OLDER);
	assert_int_equal(skip_of(&p, "7"), SKIP_OLDER);
	assert_int_equal(skip_of(&p, "8"), SKIP_NOT_FOLLOWING);
	assert_int_equal(skip_of(&p, "11"), SKIP_UNKNOWN);
	assert_int_equal(p.audience, 9);	/* all but the one who left */
	purge_plan_free(&p);

	/* --include-older takes the older followers too, never the protected ones. */
	sel.include_older = 1;
	assert_int_equal(run_select(f, &sel, &p, err), 0);
	assert_int_equal(p.planned, 4);
	assert_int_equal(skip_of(&p, "5"), SKIP_VERIFIED);
	purge_plan_free(&p);

	/* --limit keeps the first N. */
	sel.limit = 3;
	assert_int_equal(run_select(f, &sel, &p, err), 0);
	assert_int_equal(p.planned, 3);
	assert_int_equal(skip_of(&p, "7"), SKIP_LIMIT);
	purge_plan_free(&p);
	purge_selector_free(&sel);
}

static void
test_selectors(void **state)
{
	struct fixture *f = *state;
	struct purge_selector sel;
	struct purge_plan p;
	char err[256];

	selector(&sel, "brand-nope");
	assert_int_equal(run_select(f, &sel, &p, err), 1);
	assert_non_null(strstr(err, "has no spike brand-nope"));
	purge_selector_free(&sel);

	selector(&sel, "brand-organic");
	assert_int_equal(run_select(f, &sel, &p, err), 1);
	assert_non_null(strstr(err, "is organic"));
	purge_selector_free(&sel);

	/* --since with the score: arrivals from then on, at or above it. */
	selector(&sel, NULL);
	sel.since = T0;
	sel.min_score = 0.96;
	assert_int_equal(run_select(f, &sel, &p, err), 0);
	assert_int_equal(p.planned, 1);		/* "1"; "2" is under the score */
	assert_int_equal(skip_of(&p, "1"), SKIP_NONE);
	purge_plan_free(&p);
	purge_selector_free(&sel);
}

static void
test_hash_and_checks(void **state)
{
	struct fixture *f = *state;
	struct purge_selector sel;
	struct purge_plan p, q;
	char err[256];

	selector(&sel, "brand-s1");
	assert_int_equal(run_select(f, &sel, &p, err), 0);
	assert_int_equal(run_select(f, &sel, &q, err), 0);
	assert_true(p.hash == q.hash);		/* the same state gives the same identity */
	purge_plan_free(&q);
	sel.limit = 1;
	assert_int_equal(run_select(f, &sel, &q, err), 0);
	assert_true(p.hash != q.hash);
	purge_plan_free(&q);

	assert_int_equal(purge_check(&f->cfg, &p, err, sizeof(err)), 0);
	f->cfg.purge.max_removals = 1;
	assert_int_equal(purge_check(&f->cfg, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "purge.max_removals"));
	f->cfg.purge.max_removals = 10000;
	f->cfg.purge.max_share = 0.1;		/* 2 of 9 is 22 % */
	assert_int_equal(purge_check(&f->cfg, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sanity stop"));
	purge_plan_free(&p);
	purge_selector_free(&sel);
}

struct journal {
	struct fixture	*f;
	uint64_t	 job;
};

static int
create(struct fg_txn *txn, void *arg)
{
	struct journal *j = arg;
	struct purge_selector sel;
	struct purge_plan p;
	char err[256];
	int rc;

	selector(&sel, "brand-s1");
	assert_int_equal(purge_select(txn, &j->f->cfg, NULL, &sel, &p, err, sizeof(err)), 0);
	rc = purge_job_create(txn, &sel, &p, T0 + 600, 0, &j->job);
	purge_plan_free(&p);
	purge_selector_free(&sel);
	return rc;
}

static int
step(struct fg_txn *txn, void *arg)
{
	struct journal *j = arg;

	/* Entries 0 and 1 are the planned ones ("1", "2"), in plan order. */
	if (purge_entry_mark(txn, j->job, 0, "sending", NULL, T0 + 601) != 0 ||
	    purge_entry_mark(txn, j->job, 0, "done", NULL, T0 + 602) != 0 ||
	    purge_entry_mark(txn, j->job, 1, "sending", NULL, T0 + 603) != 0)
		return -1;
	return 0;
}

static int
finish(struct fg_txn *txn, void *arg)
{
	struct journal *j = arg;

	return purge_entry_mark(txn, j->job, 1, "failed", "HTTP 403", T0 + 604);
}

static int
read_job(struct fg_txn *txn, void *arg)
{
	void **a = arg;
	struct journal *j = a[0];
	int rc;

	a[1] = purge_job_load(txn, j->job, &rc);
	return a[1] == NULL ? -1 : 0;
}

static json_int_t
count(json_t *job, const char *state)
{
	return json_integer_value(json_object_get(json_object_get(job, "counts"), state));
}

static void
test_journal(void **state)
{
	struct fixture *f = *state;
	struct journal j = { f, 0 };
	void *a[2] = { &j, NULL };
	json_t *job;

	assert_int_equal(store_write(f->st, create, &j), 0);
	assert_true(j.job >= 1);
	assert_int_equal(store_read(f->st, read_job, a), 0);
	job = a[1];
	assert_string_equal(json_string_value(json_object_get(job, "state")), JOB_RUNNING);
	assert_int_equal(count(job, "planned"), 2);
	assert_int_equal(count(job, "skipped"), 7);
	assert_int_equal(json_integer_value(json_object_get(job, "total")), 9);
	json_decref(job);

	assert_int_equal(store_write(f->st, step, &j), 0);
	assert_int_equal(store_read(f->st, read_job, a), 0);
	job = a[1];
	assert_int_equal(count(job, "planned"), 0);
	assert_int_equal(count(job, "sending"), 1);
	assert_int_equal(count(job, "done"), 1);
	assert_string_equal(json_string_value(json_object_get(job, "state")), JOB_RUNNING);
	json_decref(job);

	/* The last answer settles the job. */
	assert_int_equal(store_write(f->st, finish, &j), 0);
	assert_int_equal(store_read(f->st, read_job, a), 0);
	job = a[1];
	assert_int_equal(count(job, "sending"), 0);
	assert_int_equal(count(job, "failed"), 1);
	assert_string_equal(json_string_value(json_object_get(job, "state")), JOB_DONE);
	json_decref(job);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_protections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_and_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
