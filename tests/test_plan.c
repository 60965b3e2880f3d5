/*
 * Purge plans through the pipeline, on histories made here: purchases that look like people
 * are planned on cohort evidence, people are not, newcomers never.
 *
 * The model is a one-line stand-in, so the plans depend on the cohort evidence and not on
 * the shipped model's weights: a default avatar scores 0.99, a photo 0.02.
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

#include "pipeline.h"
#include "timeutil.h"
#include "xmalloc.h"

#define T0	INT64_C(1772323200)	/* 2026-03-01T00:00:00Z */
#define POLL	300
#define DAY	86400
#define W	"brand"
#define MAXP	2048

static const char model_json[] =
    "{\"version\":\"avatar-only\",\"bias\":0,\"fake_threshold\":0.8,\"suspect_threshold\":0.5,"
    "\"features\":{\"default_avatar\":{\"mean\":0.5,\"scale\":0.1085,\"weight\":1}}}";

static uint64_t rng = 1;

static double
uniform(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* Who follows. */
enum kind {
	PERSON,		/* created any time 2010-2025, a photo, own words */
	YOUNG_PERSON,	/* a few days old, no photo yet, a bio and a few posts */
	NEWCOMER,	/* joined minutes ago, no photo */
	LOOKALIKE,	/* vendor stock: a photo, a bio, made within a day in 2019 */
	COPY,		/* a photo and an initial follower's name and bio, any creation time */
	FRESH,		/* no photo, made one after another two days ago */
};

struct follower {
	char		id[24], name[48], bio[96];
	enum kind	kind;
	struct fg_profile p;
};

struct fixture {
	char			 dir[PATH_MAX];
	struct fg_store		*st;
	struct fg_model		 model;
	struct fg_policy	 policy;
	struct fg_pipeline	*pl;
	int64_t			 t;
	uint64_t		 next_id;
	uint64_t		 fresh_made;	/* stock made so far */
	struct follower		*initial;	/* to copy from */
	size_t			 ninitial;
	/* the last report of the last inorganic spike, its plan's ids and their kinds */
	char			 spike_id[FG_SPIKE_ID_MAX];
	int			 inorganic, organic;
	char			**plan;
	unsigned		*plan_evidence;
	size_t			 nplan;
	uint64_t		 newcomers_left_out;
};

static void
make(struct fixture *f, struct follower *x, enum kind k, int64_t t)
{
	static const char *const words[] = { "teacher", "runner", "cook", "nurse", "poet",
	    "cyclist", "gardener", "engineer", "painter", "reader", "chess", "jazz" };
	struct fg_profile *p = &x->p;

	memset(x, 0, sizeof(*x));
	x->kind = k;
	snprintf(x->id, sizeof(x->id), "%llu", (unsigned long long)++f->next_id);
	snprintf(x->name, sizeof(x->name), "Person %llu", (unsigned long long)f->next_id);
	snprintf(x->bio, sizeof(x->bio), "%s, %s and %s #%llu", words[f->next_id % 12],
	    words[(f->next_id / 12) % 12], words[(f->next_id / 144) % 12],
	    (unsigned long long)f->next_id);
	profile_init(p);
	p->id = x->id;
	p->display_name = x->name;
	p->bio = x->bio;
	p->observed_at = t;
	p->avatar_default = 0;
	switch (k) {
	case PERSON:
		p->created_at = INT64_C(1262304000) + (int64_t)(uniform() * 15 * 365 * DAY);
		break;
	case YOUNG_PERSON:
		p->created_at = t - 2 * DAY - (int64_t)(uniform() * 3 * DAY);
		p->avatar_default = 1;
		break;
	case NEWCOMER:
		p->created_at = t - 60 - (int64_t)(uniform() * 1200);
		p->avatar_default = 1;
		p->bio = "";
		break;
	case LOOKALIKE:
		p->created_at = INT64_C(1552003200) + (int64_t)(uniform() * DAY);	/* 2019-03-08 */
		break;
	case COPY:
		p->created_at = INT64_C(1262304000) + (int64_t)(uniform() * 15 * 365 * DAY);
		memcpy(x->name, f->initial[f->next_id % f->ninitial].name, sizeof(x->name));
		memcpy(x->bio, f->initial[f->next_id % f->ninitial].bio, sizeof(x->bio));
		break;
	case FRESH:
		p->created_at = T0 - 2 * DAY + (int64_t)(f->fresh_made++ * 40);
		p->avatar_default = 1;
		p->bio = "";
		break;
	}
}

static void
on_report(void *arg, const struct fg_report *r)
{
	struct fixture *f = arg;
	size_t i;

	if (r->spike->kind != FG_SPIKE_INORGANIC) {
		f->organic++;
		return;
	}
	f->inorganic++;
	snprintf(f->spike_id, sizeof(f->spike_id), "%s", r->spike->id);
	for (i = 0; i < f->nplan; i++)
		free(f->plan[i]);
	f->nplan = r->plan->n;
	f->plan = xreallocarray(f->plan, f->nplan ? f->nplan : 1, sizeof(*f->plan));
	f->plan_evidence = xreallocarray(f->plan_evidence, f->nplan ? f->nplan : 1,
	    sizeof(*f->plan_evidence));
	for (i = 0; i < f->nplan; i++) {
		f->plan[i] = xstrdup(r->plan->ids[i]);
		f->plan_evidence[i] = r->plan->why[i].evidence;
	}
	f->newcomers_left_out = r->plan->newcomers;
}

/* One poll: the followers given, newest first, then its end. */
static void
poll(struct fixture *f, struct follower *x, size_t n)
{
	struct fg_profile *ps = xcalloc(n ? n : 1, sizeof(*ps));
	size_t i;

	for (i = 0; i < n; i++)
		ps[i] = x[i].p;
	assert_int_equal(pipeline_page(f->pl, W, f->t, ps, n, NULL, 0, 0), 0);
	assert_int_equal(pipeline_poll_end(f->pl, W, f->t, -1, on_report, f), 0);
	free(ps);
	f->t += POLL;
}

/* Days of ordinary arrivals: a person or two a poll, now and then a young one. */
static void
ordinary(struct fixture *f, int days)
{
	struct follower x[4];
	int64_t end = f->t + days * DAY;
	size_t n, i;

	while (f->t < end) {
		n = (size_t)(uniform() * 3);
		for (i = 0; i < n; i++)
			make(f, &x[i], uniform() < 0.05 ? YOUNG_PERSON : PERSON, f->t);
		poll(f, x, n);
	}
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char err[512];
	json_t *j;
	size_t i;

	snprintf(f->dir, sizeof(f->dir), "%s/plan-XXXXXX", FG_TEST_TMP);
	if (mkdtemp(f->dir) == NULL || store_open(&f->st, f->dir, FG_STORE_NOSYNC, err, sizeof(err)) != 0)
		return -1;
	j = json_loads(model_json, 0, NULL);
	if (j == NULL || model_from_json(&f->model, j, err, sizeof(err)) != 0)
		return -1;
	json_decref(j);
	f->policy.min_score = 0.8;
	f->pl = pipeline_new(f->st, &f->model, &f->policy, NULL);
	f->t = T0;
	rng = 7;
	/* The initial scan: 1,500 people. */
	f->ninitial = 1500;
	f->initial = xcalloc(f->ninitial, sizeof(*f->initial));
	for (i = 0; i < f->ninitial; i++)
		make(f, &f->initial[i], PERSON, f->t);
	poll(f, f->initial, f->ninitial);
	ordinary(f, 4);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 32];
	size_t i;

	pipeline_free(f->pl);
	store_close(f->st);
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", f->dir);
	unlink(path);
	rmdir(f->dir);
	for (i = 0; i < f->nplan; i++)
		free(f->plan[i]);
	free(f->plan);
	free(f->plan_evidence);
	free(f->initial);
	free(f);
	return 0;
}

struct tally {
	size_t	bought, planned_bought, people, planned_people;
};

/*
 * A purchase of `n` followers of kind k over `polls` polls in runs, with `people` young real
 * people following in between, and ordinary arrivals. Tallies what the plan holds.
 */
static void
purchase(struct fixture *f, enum kind k, size_t n, int polls, size_t people,
    struct tally *ty)
{
	struct follower *all = xcalloc(n + people + 8 * (size_t)polls, sizeof(*all));
	size_t total = 0, i, j, per = n / (size_t)polls, start, took;
	int p;

	memset(ty, 0, sizeof(*ty));
	for (p = 0; p < polls; p++) {
		start = total;
		for (i = 0; i < per; i++) {
			make(f, &all[total++], k, f->t);
			/* a real person standing inside the run */
			if (people > 0 && i == per / 2) {
				make(f, &all[total++], YOUNG_PERSON, f->t);
				people--;
			}
		}
		took = (size_t)(uniform() * 3);
		for (i = 0; i < took; i++)
			make(f, &all[total++], PERSON, f->t);
		poll(f, all + start, total - start);
	}
	ordinary(f, 1);
	for (i = 0; i < total; i++) {
		int bought = all[i].kind == k, planned = 0;

		for (j = 0; j < f->nplan; j++)
			if (strcmp(f->plan[j], all[i].id) == 0)
				planned = 1;
		if (bought) {
			ty->bought++;
			ty->planned_bought += planned;
		} else {
			ty->people++;
			ty->planned_people += planned;
		}
	}
	free(all);
}

static int
all_have(const struct fixture *f, unsigned ev)
{
	size_t i;

	for (i = 0; i < f->nplan; i++)
		if (!(f->plan_evidence[i] & ev))
			return 0;
	return 1;
}

/* Aged accounts with photos and bios, made within a day: planned by their creation window. */
static void
test_lookalikes_planned_people_kept(void **state)
{
	struct fixture *f = *state;
	struct tally ty;

	purchase(f, LOOKALIKE, 300, 12, 10, &ty);
	assert_true(f->inorganic > 0);
	assert_true(ty.planned_bought >= 0.9 * (double)ty.bought);
	/* The young people inside the delivery score 0.99 on their own, and are kept. */
	assert_int_equal(ty.planned_people, 0);
	assert_true(all_have(f, FG_EV_WINDOW | FG_EV_NEIGHBOURS));
}

/* Profiles copied from followers the account already had. */
static void
test_copies_planned(void **state)
{
	struct fixture *f = *state;
	struct tally ty;

	purchase(f, COPY, 300, 12, 10, &ty);
	assert_true(f->inorganic > 0);
	assert_true(ty.planned_bought >= 0.9 * (double)ty.bought);
	assert_int_equal(ty.planned_people, 0);
	assert_true(all_have(f, FG_EV_COPY));
}

/* Fresh stock made one after another two days ago: young, planned as a run. */
static void
test_fresh_run_planned(void **state)
{
	struct fixture *f = *state;
	struct tally ty;

	purchase(f, FRESH, 300, 12, 10, &ty);
	assert_true(f->inorganic > 0);
	assert_true(ty.planned_bought >= 0.9 * (double)ty.bought);
	assert_int_equal(ty.planned_people, 0);
	assert_true(all_have(f, FG_EV_NEIGHBOURS));
}

/* 1,200 people who joined the platform minutes ago, in two hours: organic, nobody planned. */
static void
test_newcomer_wave_not_planned(void **state)
{
	struct fixture *f = *state;
	struct follower *x = xcalloc(60, sizeof(*x));
	int p;
	size_t i;

	for (p = 0; p < 24; p++) {
		for (i = 0; i < 50; i++)
			make(f, &x[i], NEWCOMER, f->t);
		poll(f, x, 50);
	}
	ordinary(f, 1);
	assert_true(f->organic > 0);
	assert_int_equal(f->inorganic, 0);
	assert_int_equal(f->nplan, 0);
	free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookalikes_planned_people_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_copies_planned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fresh_run_planned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newcomer_wave_not_planned, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
