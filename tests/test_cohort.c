/* Cohort evidence: newcomers, neighbours in the follow order, profile text keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cohort.h"
#include "timeutil.h"

#define T	INT64_C(1772323200)	/* 2026-03-01T00:00:00Z, a poll */
#define DAY	86400

static void
test_newcomer(void **state)
{
	(void)state;
	/* Full precision: created within the interval or the hour before it. */
	assert_true(cohort_newcomer(T - 60, T, 300));
	assert_true(cohort_newcomer(T - 300 - 3600, T, 300));
	assert_false(cohort_newcomer(T - 300 - 3601, T, 300));
	assert_false(cohort_newcomer(T - 3 * DAY, T, 300));
	assert_false(cohort_newcomer(FG_TIME_UNKNOWN, T, 300));
	/* Created "after" the poll: clock skew, still a newcomer. */
	assert_true(cohort_newcomer(T + 30, T, 300));
	/* A long gap between polls widens the window, up to a day. */
	assert_true(cohort_newcomer(T - 5 * 3600, T, 6 * 3600));
	assert_false(cohort_newcomer(T - 2 * DAY - 100, T, 7 * DAY));
	/* Date only (Mastodon): created that day or the day the interval began. */
	assert_true(cohort_newcomer(T, T + 15 * 3600, 300));
	assert_true(cohort_newcomer(T - DAY, T + 600, 300 + 3600));	/* began before midnight */
	assert_false(cohort_newcomer(T - DAY, T + 15 * 3600, 300));
}

static int
feed(struct fg_neighbours *nb, int64_t created, int64_t t)
{
	return cohort_neighbours_next(nb, created, t);
}

static void
test_neighbours(void **state)
{
	struct fg_neighbours nb;
	int64_t c;
	int i, marked;

	(void)state;
	/* A vendor's run: created seconds apart two years ago; all but the first three marked. */
	cohort_neighbours_reset(&nb);
	for (i = marked = 0; i < 20; i++)
		marked += feed(&nb, T - 730 * DAY + i * 40, T);
	assert_int_equal(marked, 17);
	/* People: created days to years apart; none marked. */
	cohort_neighbours_reset(&nb);
	for (i = marked = 0; i < 40; i++) {
		c = T - (int64_t)(((uint64_t)i * 2654435761u) % 4000) * DAY - 17 * i;
		marked += feed(&nb, c, T);
	}
	assert_int_equal(marked, 0);
	/* A person inside a run of stock made at another time is not marked. */
	cohort_neighbours_reset(&nb);
	for (i = 0; i < 10; i++)
		feed(&nb, T - 730 * DAY + i * 40, T);
	assert_false(feed(&nb, T - 100 * DAY, T));
	assert_true(feed(&nb, T - 730 * DAY + 500, T));
	/* Young accounts need to be an hour apart, not a day. */
	cohort_neighbours_reset(&nb);
	for (i = marked = 0; i < 10; i++)
		marked += feed(&nb, T - 3 * DAY + i * 7200, T);
	assert_int_equal(marked, 0);
	cohort_neighbours_reset(&nb);
	for (i = marked = 0; i < 10; i++)
		marked += feed(&nb, T - 3 * DAY + i * 60, T);
	assert_int_equal(marked, 7);
}

static uint64_t
key(const char *name, const char *bio)
{
	struct fg_profile p;

	profile_init(&p);
	p.id = "1";
	p.display_name = name;
	p.bio = bio;
	return cohort_text_key(&p);
}

static void
test_text_key(void **state)
{
	(void)state;
	/* Case and white space do not make a copy original. */
	assert_int_not_equal(key("Anna Smith", "Runner, reader, cat person."), 0);
	assert_int_equal(key("Anna Smith", "Runner, reader, cat person."),
	    key("  anna   SMITH ", "runner,\treader,\n cat   person. "));
	assert_int_not_equal(key("Anna Smith", "Runner, reader, cat person."),
	    key("Anna Smith", "Runner, reader, dog person."));
	assert_int_not_equal(key("Anna Smith", "Runner, reader, cat person."),
	    key("Anna Smyth", "Runner, reader, cat person."));
	/* Too little to tell people apart: no key. */
	assert_int_equal(key("Anna Smith", "Student"), 0);
	assert_int_equal(key("", "Runner, reader, cat person."), 0);
	assert_int_equal(key(NULL, "Runner, reader, cat person."), 0);
	assert_int_equal(key("Anna", NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newcomer),
		cmocka_unit_test(test_neighbours),
		cmocka_unit_test(test_text_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
