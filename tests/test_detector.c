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

static void
arrive(struct run *r, int fake, int batch)
{
	struct fg_arrival a;
	char id[32];

	/* Genuine: ids all over; batch fakes: consecutive ids and one creation month. */
	if (batch)
		snprintf(id, sizeof(id), "%llu", (unsigned long long)(900000000 + r->next_id++));
	else
		snprintf(id, sizeof(id), "%llu", (unsigned long long)(uniform() * 1e12));
	a.id = id;
	a.created_at = batch ? T0 - 400 * 86400 + (int64_t)(uniform() * 86400) :
	    T0 - (int64_t)(uniform() * 4000 * 86400);
	a.score = fake ? 0.95 : 0.1;
	a.verdict = fake ? FG_FAKE : (uniform() < 0.08 ? FG_SUSPECT : FG_GENUINE);
	a.empty = fake && batch;
	detector_arrival(r->d, &a);
}

static void
poll(struct run *r, unsigned organic, unsigned spam, unsigned bought)
{
	const struct fg_spike *out[FG_DETECTOR_REPORTS];
	unsigned i;
	size_t n, k;

	for (i = 0; i < bought; i++)
		arrive(r, 1, 1);
	for (i = 0; i < organic; i++)
		arrive(r, 0, 0);
	for (i = 0; i < spam; i++)
		arrive(r, 1, 0);
	n = detector_poll_end(r->d, r->t, -1, out);
	for (k = 0; k < n; k++) {
		r->last = out[k];
		if (out[k]->kind == FG_SPIKE_INORGANIC) {
			if (r->inorganic_reports++ == 0)
				r->first_inorganic = r->t;
		} else {
			r->organic_reports++;
			if (out[k]->new_followers > r->largest_organic)
				r->largest_organic = out[k]->new_followers;
		}
	}
	r->t += POLL;
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
