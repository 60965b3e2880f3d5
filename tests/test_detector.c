/* Spike detector: quiet on seasonal organic arrivals, fast on bursts, organic vs inorganic. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "detector.h"
#include "model.h"
#include "timeutil.h"

#define T0	INT64_C(1772323200)	/* 2026-03-01T00:00:00Z */
#define POLL	300

static uint64_t rng_state;

static double
uniform(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

static unsigned
poisson(double lam)
{
	double l = exp(-lam), p = 1;
	unsigned k = 0;

	if (lam > 50)	/* normal approximation is plenty here */
		return (unsigned)fmax(0, lam + sqrt(lam) * (uniform() + uniform() +
		    uniform() - 1.5) * 2);
	do {
		k++;
		p *= uniform();
	} while (p > l);
	return k - 1;
}

/* Seasonal organic rate per poll: night trough, weekend lift. */
static double
organic_rate(int64_t t, double per_day)
{
	double hour = (double)(t % 86400) / 3600, day = (double)((t / 86400 + 3) % 7);
	double season = 1 + 0.6 * sin((hour - 9) / 24 * 2 * M_PI);

	if (day >= 5)
		season *= 1.2;
	return per_day / 288 * season;
}

struct run {
	struct fg_detector	*d;
	int64_t			 t;
	uint64_t		 next_id;
	int			 inorganic_reports, organic_reports;
	int64_t			 first_inorganic;
	const struct fg_spike	*last;
	uint64_t		 largest_organic;
};

/* Who arrives. */
enum who {
	PERSON,		/* created at any time over 11 years, scored genuine (8 % suspect) */
	SPAM,		/* a person-like spam account: any creation time, scored fake */
	BOUGHT,		/* vendor stock: consecutive ids, created within a day, scored fake */
	LOOKALIKE,	/* vendor stock that scores genuine: created within a day, 2 years ago */
	COPY,		/* scores genuine, any creation time, with an earlier follower's text */
	NEWCOMER,	/* joined the platform minutes ago: empty, scored fake */
	NWHO
};

static void
arrive(struct run *r, enum who who)
{
	struct fg_arrival a = { .t = r->t };
	char id[32];

	/* Genuine: ids all over; batch fakes: consecutive ids and one creation month. */
	if (who == BOUGHT || who == LOOKALIKE)
		snprintf(id, sizeof(id), "%llu", (unsigned long long)(900000000 + r->next_id++));
	else
		snprintf(id, sizeof(id), "%llu", (unsigned long long)(uniform() * 1e12));
	a.id = id;
	switch (who) {
	case BOUGHT:
		a.created_at = T0 - 400 * 86400 + (int64_t)(uniform() * 86400);
		break;
	case LOOKALIKE:
		a.created_at = T0 - 730 * 86400 + (int64_t)(uniform() * 86400);
		break;
	case NEWCOMER:
		a.created_at = r->t - 60 - (int64_t)(uniform() * 1200);
		break;
	default:
		a.created_at = T0 - (int64_t)(uniform() * 4000 * 86400);
		break;
	}
	if (who == SPAM || who == BOUGHT || who == NEWCOMER) {
		a.score = 0.95;
		a.verdict = FG_FAKE;
	} else {
		a.score = 0.1;
		a.verdict = uniform() < 0.08 ? FG_SUSPECT : FG_GENUINE;
	}
	a.empty = who == BOUGHT || who == NEWCOMER;
	a.copy = who == COPY;
	detector_arrival(r->d, &a);
}

/* One poll: arrivals of each kind, the purchase's first (the newest in the list). */
static void
poll_mix(struct run *r, const unsigned *n)
{
	const struct fg_spike *out[FG_DETECTOR_REPORTS];
	static const enum who order[] = { BOUGHT, LOOKALIKE, COPY, PERSON, SPAM, NEWCOMER };
	unsigned i, k;
	size_t nr, j;

	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (i = 0; i < n[order[k]]; i++)
			arrive(r, order[k]);
	nr = detector_poll_end(r->d, r->t, -1, out);
	for (j = 0; j < nr; j++) {
		r->last = out[j];
		if (out[j]->kind == FG_SPIKE_INORGANIC) {
			if (r->inorganic_reports++ == 0)
				r->first_inorganic = r->t;
		} else {
			r->organic_reports++;
			if (out[j]->new_followers > r->largest_organic)
				r->largest_organic = out[j]->new_followers;
		}
	}
	r->t += POLL;
}

static void
poll(struct run *r, unsigned organic, unsigned spam, unsigned bought)
{
	unsigned n[NWHO] = { 0 };

	n[PERSON] = organic;
	n[SPAM] = spam;
	n[BOUGHT] = bought;
	poll_mix(r, n);
}

static void
run_init(struct run *r, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	rng_state = seed;
	r->d = detector_new("brand", NULL);
	r->t = T0;
	detector_initial(r->d, r->t, 20000, 100);
	r->t += POLL;
}

/* Organic polls for days; spam accounts at 2 % of arrivals. */
static void
organic_days(struct run *r, int days, double per_day)
{
	int64_t end = r->t + (int64_t)days * 86400;

	while (r->t < end) {
		unsigned n = poisson(organic_rate(r->t, per_day));
		unsigned spam = poisson(organic_rate(r->t, per_day) * 0.02);

		poll(r, n, spam, 0);
	}
}

static void
test_organic_is_quiet(void **state)
{
	struct run r;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 5; seed++) {
		run_init(&r, seed);
		organic_days(&r, 30, 60 + 40 * (double)seed);
		assert_int_equal(r.inorganic_reports, 0);
		detector_free(r.d);
	}
}

static void
test_purchase_detected_fast(void **state)
{
	struct run r;
	int64_t first;
	int i;

	(void)state;
	run_init(&r, 42);
	organic_days(&r, 10, 100);
	/* +5 % of 20,000 delivered over a day: about 3.5 per poll beside organic arrivals. */
	first = r.t;
	for (i = 0; i < 288; i++)
		poll(&r, poisson(organic_rate(r.t, 100)), 0, poisson(1000.0 / 288));
	assert_true(r.inorganic_reports > 0);
	assert_true(r.first_inorganic - first <= 3 * POLL);
	assert_int_equal(r.last->kind, FG_SPIKE_INORGANIC);
	assert_true(r.last->start >= first - POLL);
	assert_true(r.last->fake_share > 0.8);
	assert_true(r.last->id_share > 0.5);
	assert_true(r.last->cluster_share > 0.5);
	detector_free(r.d);
}

static void
test_viral_is_organic(void **state)
{
	struct run r;
	double extra;
	int i;

	(void)state;
	run_init(&r, 7);
	organic_days(&r, 10, 100);
	/* +30 %: 6,000 real people over a day, decaying from a peak. */
	for (i = 0; i < 288; i++) {
		extra = 6000.0 / 288 * 4 * exp(-(double)i / 72);
		poll(&r, poisson(organic_rate(r.t, 100) + extra),
		    poisson((organic_rate(r.t, 100) + extra) * 0.02), 0);
	}
	organic_days(&r, 3, 100);
	assert_true(r.organic_reports > 0);
	assert_int_equal(r.inorganic_reports, 0);
	assert_true(r.largest_organic > 4000);
	detector_free(r.d);
}

/* A platform surge: 4,000 people who joined minutes ago follow within hours. */
static void
test_newcomer_wave_is_organic(void **state)
{
	unsigned n[NWHO] = { 0 };
	struct run r;
	int i;

	(void)state;
	run_init(&r, 11);
	organic_days(&r, 10, 100);
	for (i = 0; i < 72; i++) {
		n[PERSON] = poisson(organic_rate(r.t, 100));
		n[SPAM] = poisson(organic_rate(r.t, 100) * 0.02);
		n[NEWCOMER] = poisson(4000.0 / 72 * 3 * exp(-(double)i / 24));
		poll_mix(&r, n);
	}
	organic_days(&r, 2, 100);
	assert_true(r.organic_reports > 0);
	assert_int_equal(r.inorganic_reports, 0);
	assert_true(r.largest_organic > 2000);
	assert_true(r.last->newcomer_share > 0.5);
	assert_true(r.last->fake_share < 0.1);
	detector_free(r.d);
}

/*
 * Purchases that score genuine one by one: aged accounts made together, or accounts carrying
 * earlier followers' names and bios. +10 % within a day is inorganic all the same.
 */
static void
lookalike_purchase(enum who who, uint64_t seed)
{
	unsigned n[NWHO] = { 0 };
	struct run r;
	int64_t first;
	int i;

	run_init(&r, seed);
	organic_days(&r, 10, 100);
	first = r.t;
	for (i = 0; i < 288; i++) {
		n[PERSON] = poisson(organic_rate(r.t, 100));
		n[SPAM] = poisson(organic_rate(r.t, 100) * 0.02);
		n[who] = poisson(2000.0 / 288);
		poll_mix(&r, n);
	}
	assert_true(r.inorganic_reports > 0);
	assert_true(r.first_inorganic - first <= 36 * POLL);
	assert_int_equal(r.last->kind, FG_SPIKE_INORGANIC);
	assert_true(r.last->fake_share < 0.2);
	assert_true(r.last->batch_share > 0.5);
	if (who == COPY)
		assert_true(r.last->copy_share > 0.5);
	detector_free(r.d);
}

static void
test_aged_lookalikes_are_inorganic(void **state)
{
	(void)state;
	lookalike_purchase(LOOKALIKE, 12);
}

static void
test_copied_profiles_are_inorganic(void **state)
{
	(void)state;
	lookalike_purchase(COPY, 13);
}

static void
test_drip_detected(void **state)
{
	struct run r;
	int64_t end;

	(void)state;
	run_init(&r, 9);
	organic_days(&r, 21, 100);
	/* 60 purchased a day, one or two at a time: never a rate spike. */
	end = r.t + 21 * 86400;
	while (r.t < end)
		poll(&r, poisson(organic_rate(r.t, 100)), 0, poisson(60.0 / 288));
	assert_true(r.inorganic_reports > 0);
	detector_free(r.d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_organic_is_quiet),
		cmocka_unit_test(test_purchase_detected_fast),
		cmocka_unit_test(test_viral_is_organic),
		cmocka_unit_test(test_drip_detected),
		cmocka_unit_test(test_newcomer_wave_is_organic),
		cmocka_unit_test(test_aged_lookalikes_are_inorganic),
		cmocka_unit_test(test_copied_profiles_are_inorganic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
