/* Tests of features_compute: each feature's value and the unknown handling. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "features.h"
#include "model.h"
#include "profile.h"
#include "timeutil.h"

#define DAY	INT64_C(86400)
#define T0	INT64_C(1700000000)

static void
compute(const char *json, int64_t now, struct fg_features *f)
{
	struct fg_profile p;
	struct fg_arena a = { NULL, 0 };
	json_error_t jerr;
	char err[256];
	json_t *o;

	o = json_loads(json, JSON_ALLOW_NUL, &jerr);
	assert_non_null(o);
	assert_int_equal(profile_from_json(o, &p, &a, err, sizeof(err)), 0);
	features_compute(&p, now, f);
	json_decref(o);
	arena_free(&a);
}

static void
test_only_id(void **state)
{
	struct fg_features f;
	struct fg_model m;
	struct fg_score s;
	char err[256];
	int i;

	(void)state;
	compute("{\"id\":\"1\"}", T0, &f);
	assert_int_equal(f.known, 0);
	/* Every model scores such a profile at exactly sigmoid(bias). */
	assert_int_equal(model_load(&m, NULL, err, sizeof(err)), 0);
	model_score(&m, &f, &s);
	assert_true(fabs(s.score - 1 / (1 + exp(-m.bias))) < 1e-12);
	for (i = 0; i < FG_NFEATURES; i++)
		assert_true(s.contrib[i] == 0);
}

static void
test_counts(void **state)
{
	struct fg_features f;

	(void)state;
	compute("{\"id\":\"1\",\"followers_count\":9,\"following_count\":99,\"posts_count\":30,"
	    "\"likes_count\":0,\"listed_count\":2,\"created_at\":\"2023-11-04T22:13:20Z\","
	    "\"observed_at\":\"2023-11-14T22:13:20Z\"}", T0, &f);
	assert_true(FEATURE_KNOWN(&f, F_FOLLOWERS));
	assert_true(fabs(f.x[F_FOLLOWERS] - log(10)) < 1e-12);
	assert_true(fabs(f.x[F_FOLLOWING] - log(100)) < 1e-12);
	assert_true(fabs(f.x[F_FOLLOWING_RATIO] - log(10)) < 1e-12);
	assert_true(fabs(f.x[F_FOLLOWING_RATIO2] - log1p(99.0 / 100)) < 1e-12);
	assert_true(fabs(f.x[F_POSTS] - log(31)) < 1e-12);
	assert_true(FEATURE_KNOWN(&f, F_LIKES));
	assert_true(f.x[F_LIKES] == 0);
	assert_true(fabs(f.x[F_LISTED] - log(3)) < 1e-12);
	/* 10 days between created_at and observed_at, not now */
	assert_true(fabs(f.x[F_ACCOUNT_AGE] - log(11)) < 1e-12);
	assert_true(fabs(f.x[F_POSTS_PER_DAY] - log1p(3)) < 1e-12);
	assert_false(FEATURE_KNOWN(&f, F_DAYS_SINCE_POST));
	assert_false(FEATURE_KNOWN(&f, F_HANDLE_LENGTH));
	assert_false(FEATURE_KNOWN(&f, F_BOT));
	assert_false(FEATURE_KNOWN(&f, F_DEFAULT_AVATAR));
}

static void
test_partial_counts(void **state)
{
	struct fg_features f;

	(void)state;
	/* One count of a ratio missing: the ratios are unknown, never computed from 0. */
	compute("{\"id\":\"1\",\"followers_count\":5,\"posts_count\":7}", T0, &f);
	assert_true(FEATURE_KNOWN(&f, F_FOLLOWERS));
	assert_false(FEATURE_KNOWN(&f, F_FOLLOWING));
	assert_false(FEATURE_KNOWN(&f, F_FOLLOWING_RATIO));
	assert_false(FEATURE_KNOWN(&f, F_FOLLOWING_RATIO2));
	/* No created_at: no age, no rate. */
	assert_true(FEATURE_KNOWN(&f, F_POSTS));
	assert_false(FEATURE_KNOWN(&f, F_ACCOUNT_AGE));
	assert_false(FEATURE_KNOWN(&f, F_POSTS_PER_DAY));
}

static void
test_times_against_now(void **state)
{
	struct fg_features f;
	char c[FG_RFC3339_LEN], l[FG_RFC3339_LEN], json[256];

	(void)state;
	time_format_rfc3339(T0 - 99 * DAY, c);
	time_format_rfc3339(T0 - 4 * DAY, l);
	snprintf(json, sizeof(json), "{\"id\":\"1\",\"created_at\":\"%s\",\"last_post_at\":\"%s\","
	    "\"posts_count\":0}", c, l);
	compute(json, T0, &f);
	assert_true(fabs(f.x[F_ACCOUNT_AGE] - log(100)) < 1e-9);
	assert_true(fabs(f.x[F_DAYS_SINCE_POST] - log(5)) < 1e-9);
	assert_true(FEATURE_KNOWN(&f, F_POSTS_PER_DAY));
	assert_true(f.x[F_POSTS_PER_DAY] == 0);
	/* Created after it was observed (clock skew): age 0, not negative. */
	snprintf(json, sizeof(json), "{\"id\":\"1\",\"created_at\":\"%s\"}", c);
	compute(json, T0 - 200 * DAY, &f);
	assert_true(f.x[F_ACCOUNT_AGE] == 0);
}

static void
test_strings(void **state)
{
	struct fg_features f;

	(void)state;
	compute("{\"id\":\"1\",\"bio\":\" \\t\",\"display_name\":\"\",\"url\":\"\","
	    "\"location\":\"Rome\"}", T0, &f);
	assert_true(FEATURE_KNOWN(&f, F_EMPTY_BIO) && f.x[F_EMPTY_BIO] == 1);
	assert_true(FEATURE_KNOWN(&f, F_NO_DISPLAY_NAME) && f.x[F_NO_DISPLAY_NAME] == 1);
	assert_true(FEATURE_KNOWN(&f, F_NO_URL) && f.x[F_NO_URL] == 1);
	assert_true(FEATURE_KNOWN(&f, F_NO_LOCATION) && f.x[F_NO_LOCATION] == 0);
	compute("{\"id\":\"1\",\"display_name\":\"Ann\",\"bio\":null,"
	    "\"location\":null}", T0, &f);
	/* null, like an absent key, says nothing. */
	assert_false(FEATURE_KNOWN(&f, F_EMPTY_BIO));
	assert_true(FEATURE_KNOWN(&f, F_NO_DISPLAY_NAME) && f.x[F_NO_DISPLAY_NAME] == 0);
	assert_false(FEATURE_KNOWN(&f, F_NO_URL));
	assert_false(FEATURE_KNOWN(&f, F_NO_LOCATION));
}

static void
test_booleans(void **state)
{
	struct fg_features f;

	(void)state;
	compute("{\"id\":\"1\",\"avatar_default\":false,\"bot\":true}", T0, &f);
	assert_true(FEATURE_KNOWN(&f, F_DEFAULT_AVATAR) && f.x[F_DEFAULT_AVATAR] == 0);
	assert_true(FEATURE_KNOWN(&f, F_BOT) && f.x[F_BOT] == 1);
	compute("{\"id\":\"1\",\"avatar_default\":true,\"bot\":false}", T0, &f);
	assert_true(f.x[F_DEFAULT_AVATAR] == 1 && f.x[F_BOT] == 0);
}

static void
test_handle(void **state)
{
	struct fg_features f;

	(void)state;
	compute("{\"id\":\"1\",\"handle\":\"ab12cd34567\"}", T0, &f);
	assert_true(f.x[F_HANDLE_DIGITS] == 5);
	assert_true(f.x[F_HANDLE_LENGTH] == 11);
	/* 11 distinct bytes: log2 11 bits */
	assert_true(fabs(f.x[F_HANDLE_ENTROPY] - log2(11)) < 1e-12);
	compute("{\"id\":\"1\",\"handle\":\"aab1\"}", T0, &f);
	/* p = 1/2, 1/4, 1/4: 0.5 + 0.5 + 0.5 */
	assert_true(fabs(f.x[F_HANDLE_ENTROPY] - 1.5) < 1e-12);
	assert_true(f.x[F_HANDLE_DIGITS] == 1);
	compute("{\"id\":\"1\",\"handle\":\"aaaa\"}", T0, &f);
	assert_true(f.x[F_HANDLE_DIGITS] == 0);
	assert_true(f.x[F_HANDLE_ENTROPY] == 0);
	compute("{\"id\":\"1\",\"handle\":\"abcd\"}", T0, &f);
	assert_true(fabs(f.x[F_HANDLE_ENTROPY] - 2) < 1e-12);
	/* Length in characters: "jos\u00e9" is 4 characters, 5 bytes. */
	compute("{\"id\":\"1\",\"handle\":\"jos\\u00e9\"}", T0, &f);
	assert_true(f.x[F_HANDLE_LENGTH] == 4);
	compute("{\"id\":\"1\",\"handle\":\"\"}", T0, &f);
	assert_true(FEATURE_KNOWN(&f, F_HANDLE_LENGTH) && f.x[F_HANDLE_LENGTH] == 0);
}

/* Shannon entropy of a handle's bytes, as the formula says, term by term. */
static double
entropy(const char *h)
{
	size_t counts[256] = { 0 }, n = strlen(h), i;
	double e = 0, p;

	for (i = 0; i < n; i++)
		counts[(unsigned char)h[i]]++;
	for (i = 0; i < n; i++) {
		if (counts[(unsigned char)h[i]] == 0)
			continue;
		p = (double)counts[(unsigned char)h[i]] / (double)n;
		e -= p * log2(p);
		counts[(unsigned char)h[i]] = 0;
	}
	return e > 0 ? e : 0;
}

/*
 * The values are libm's to the bit, whichever way features_compute gets them: counts on
 * both sides of its tables' end, handles on both sides of theirs.
 */
static void
test_exact_values(void **state)
{
	static const int64_t counts[] = { 0, 1, 2, 77, 4094, 4095, 4096, 4097, 123456789 };
	struct fg_profile p;
	struct fg_features f;
	char h[80];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		profile_init(&p);
		p.id = "1";
		p.followers_count = p.following_count = p.posts_count = counts[i];
		p.likes_count = p.listed_count = counts[i];
		features_compute(&p, T0, &f);
		assert_true(f.x[F_FOLLOWERS] == log1p((double)counts[i]));
		assert_true(f.x[F_FOLLOWING] == log1p((double)counts[i]));
		assert_true(f.x[F_POSTS] == log1p((double)counts[i]));
		assert_true(f.x[F_LIKES] == log1p((double)counts[i]));
		assert_true(f.x[F_LISTED] == log1p((double)counts[i]));
	}
	for (n = 1; n < sizeof(h); n++) {
		for (i = 0; i < n; i++)
			h[i] = "ab1_zzq9"[(i * 7 + i / 3) % 8];
		h[n] = '\0';
		profile_init(&p);
		p.id = "1";
		p.handle = h;
		features_compute(&p, T0, &f);
		if (f.x[F_HANDLE_ENTROPY] != entropy(h))
			fail_msg("handle of %zu bytes: %.17g, want %.17g", n,
			    f.x[F_HANDLE_ENTROPY], entropy(h));
	}
}

static void
test_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < FG_NFEATURES; i++) {
		assert_string_not_equal(feature_name(i), "unknown");
		assert_int_equal(feature_lookup(feature_name(i)), i);
	}
	assert_int_equal(feature_lookup("nope"), -1);
	assert_string_equal(feature_name(F_FOLLOWING_RATIO2), "following_ratio2");
}

static void
test_format(void **state)
{
	struct fg_features f;
	char buf[64];

	(void)state;
	compute("{\"id\":\"1\",\"followers_count\":9,\"following_count\":99,"
	    "\"created_at\":\"2023-11-04T22:13:20Z\",\"observed_at\":\"2023-11-14T22:13:20Z\"}",
	    T0, &f);
	assert_string_equal(feature_format(&f, F_ACCOUNT_AGE, buf, sizeof(buf)), "10 days");
	assert_string_equal(feature_format(&f, F_FOLLOWERS, buf, sizeof(buf)), "9");
	assert_string_equal(feature_format(&f, F_FOLLOWING_RATIO, buf, sizeof(buf)), "10.00");
	assert_string_equal(feature_format(&f, F_BOT, buf, sizeof(buf)), "unknown");
	assert_true(fabs(feature_human(&f, F_FOLLOWING) - 99) < 1e-9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_id),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_partial_counts),
		cmocka_unit_test(test_times_against_now),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_handle),
		cmocka_unit_test(test_exact_values),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
