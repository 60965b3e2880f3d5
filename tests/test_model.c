/*
 * Tests of the model: JSON round trip and validation, scoring and reasons, training on a
 * synthetic labelled set, and the evaluation metrics on hand-computed cases.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "features.h"
#include "model.h"
#include "profile.h"

#define T0	INT64_C(1700000000)

static uint64_t rng_state;

static double
uniform(void)
{
	/* splitmix64: the same sequence everywhere */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

static int64_t
lexp(double lo, double hi)
{
	return (int64_t)exp(lo + (hi - lo) * uniform());
}

/*
 * Fakes: few followers, many following, few posts and likes. Genuine: the opposite, with
 * wide overlap. A quirk: only genuine accounts have the default avatar, which a
 * sign-constrained model must not learn as evidence of being real.
 */
static void
synth(uint64_t seed, size_t n, struct fg_features *X, int8_t *y)
{
	struct fg_profile p;
	size_t i;
	int fake;

	rng_state = seed;
	for (i = 0; i < n; i++) {
		fake = i % 2;
		profile_init(&p);
		p.id = "x";
		p.observed_at = T0;
		p.created_at = T0 - 86400 * lexp(3, 8);
		if (fake) {
			p.followers_count = lexp(0, 4);
			p.following_count = lexp(4, 7.5);
			p.posts_count = lexp(0, 5);
			p.likes_count = lexp(0, 3);
			p.avatar_default = 0;
		} else {
			p.followers_count = lexp(2, 8);
			p.following_count = lexp(2, 7);
			p.posts_count = lexp(3, 9);
			p.likes_count = lexp(1, 8);
			p.avatar_default = uniform() < 0.2;
		}
		/* Some fields missing at random: unknown, never zero. */
		if (uniform() < 0.1)
			p.likes_count = -1;
		if (uniform() < 0.1)
			p.created_at = INT64_MIN;
		features_compute(&p, T0, &X[i]);
		y[i] = (int8_t)fake;
	}
}

#define NTRAIN	2000
#define NTEST	1000

static void
test_train(void **state)
{
	static struct fg_features X[NTRAIN], T[NTEST];
	static int8_t y[NTRAIN], ty[NTEST];
	static double sc[NTEST];
	struct fg_train_opts o;
	struct fg_model m1, m2, mu;
	struct fg_score s;
	struct fg_eval e;
	char *a, *b;
	json_t *j;
	size_t i;
	unsigned k;
	int f, sign;

	(void)state;
	synth(1, NTRAIN, X, y);
	synth(2, NTEST, T, ty);
	model_train(&m1, X, y, NULL, NTRAIN, NULL);
	model_train(&m2, X, y, NULL, NTRAIN, NULL);
	a = json_dumps(j = model_to_json(&m1), JSON_SORT_KEYS);
	json_decref(j);
	b = json_dumps(j = model_to_json(&m2), JSON_SORT_KEYS);
	json_decref(j);
	assert_string_equal(a, b);
	free(a);
	free(b);
	assert_string_equal(m1.version, m2.version);
	assert_true(m1.fake_threshold >= 0.5 && m1.fake_threshold <= 1);
	assert_true(m1.suspect_threshold == 0.5);

	for (i = 0; i < NTEST; i++) {
		model_score(&m1, &T[i], &s);
		sc[i] = s.score;
	}
	eval_compute(sc, ty, NTEST, 0.5, &e);
	assert_true(e.auc > 0.95);
	assert_true(e.mcc > 0.7);

	/* Sign constraints hold for every segment of every feature. */
	for (f = 0; f < FG_NFEATURES; f++) {
		sign = model_feature_sign(f);
		assert_true(sign * m1.weight[f] >= 0);
		for (k = 0; k < m1.nknots[f]; k++)
			assert_true(sign * m1.slopes[f][k] >= 0);
	}
	assert_true(model_feature_sign(F_DEFAULT_AVATAR) == 1);
	assert_true(m1.weight[F_DEFAULT_AVATAR] == 0);
	assert_true(model_feature_sign(F_FOLLOWERS) == -1);
	assert_true(m1.weight[F_FOLLOWERS] < 0 || m1.slopes[F_FOLLOWERS][0] < 0);
	/* Default exclusions get no weight. */
	assert_true(m1.weight[F_ACCOUNT_AGE] == 0 && m1.nknots[F_ACCOUNT_AGE] == 0);

	/* Without the constraints the quirk is learned: the constraint is what stops it. */
	model_train_defaults(&o);
	o.unconstrained = 1;
	o.folds = 0;
	model_train(&mu, X, y, NULL, NTRAIN, &o);
	assert_true(mu.weight[F_DEFAULT_AVATAR] < 0);
	assert_true(mu.fake_threshold == 0.99);	/* no cross-validation: the fallback */

	/* Linear, with everything allowed: still separates. */
	o.knots = 0;
	o.exclude = 0;
	model_train(&mu, X, y, NULL, NTRAIN, &o);
	for (f = 0; f < FG_NFEATURES; f++)
		assert_int_equal(mu.nknots[f], 0);
	for (i = 0; i < NTEST; i++) {
		model_score(&mu, &T[i], &s);
		sc[i] = s.score;
	}
	eval_compute(sc, ty, NTEST, 0.5, &e);
	assert_true(e.auc > 0.95);
}

static void
test_round_trip(void **state)
{
	static struct fg_features X[400];
	static int8_t y[400];
	struct fg_model m, r;
	struct fg_score s1, s2;
	char err[256], path[512];
	json_t *j;
	size_t i;
	int f;

	(void)state;
	synth(7, 400, X, y);
	model_train(&m, X, y, NULL, 400, NULL);
	snprintf(m.trained_on, sizeof(m.trained_on), "synthetic");
	j = model_to_json(&m);
	snprintf(path, sizeof(path), "%s/test_model.json", FG_TEST_TMP);
	assert_int_equal(json_dump_file(j, path, JSON_INDENT(2)), 0);
	json_decref(j);
	assert_int_equal(model_load(&r, path, err, sizeof(err)), 0);
	assert_string_equal(r.version, m.version);
	assert_string_equal(r.trained_on, "synthetic");
	assert_int_equal(r.id, m.id);
	assert_true(r.bias == m.bias && r.fake_threshold == m.fake_threshold);
	for (f = 0; f < FG_NFEATURES; f++) {
		assert_true(r.weight[f] == m.weight[f]);
		assert_int_equal(r.nknots[f], m.nknots[f]);
	}
	for (i = 0; i < 400; i++) {
		model_score(&m, &X[i], &s1);
		model_score(&r, &X[i], &s2);
		assert_true(s1.score == s2.score);
	}
	remove(path);
	assert_int_equal(model_load(&r, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "test_model.json"));
	/* The shipped model (installed or embedded) loads. */
	assert_int_equal(model_load(&r, NULL, err, sizeof(err)), 0);
}

static void
expect_reject(const char *text, const char *needle)
{
	struct fg_model m;
	json_error_t jerr;
	char err[256];
	json_t *o;

	o = json_loads(text, 0, &jerr);
	assert_non_null(o);
	err[0] = '\0';
	assert_int_equal(model_from_json(&m, o, err, sizeof(err)), -1);
	if (strstr(err, needle) == NULL)
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, err, needle);
	json_decref(o);
}

#define HEAD "\"version\":\"v\",\"bias\":0,\"fake_threshold\":0.9,\"suspect_threshold\":0.5"

static void
test_malformed(void **state)
{
	struct fg_model m;
	json_error_t jerr;
	char err[256];
	json_t *o;

	(void)state;
	expect_reject("[]", "not a JSON object");
	expect_reject("{\"bias\":0,\"fake_threshold\":0.9,\"suspect_threshold\":0.5,"
	    "\"features\":{}}", "\"version\"");
	expect_reject("{\"version\":\"v\",\"fake_threshold\":0.9,\"suspect_threshold\":0.5,"
	    "\"features\":{}}", "\"bias\": missing");
	expect_reject("{\"version\":\"v\",\"bias\":\"x\",\"fake_threshold\":0.9,"
	    "\"suspect_threshold\":0.5,\"features\":{}}", "\"bias\": expected a number");
	expect_reject("{\"version\":\"v\",\"bias\":0,\"fake_threshold\":1.5,"
	    "\"suspect_threshold\":0.5,\"features\":{}}", "\"fake_threshold\"");
	expect_reject("{\"version\":\"v\",\"bias\":0,\"fake_threshold\":0.5,"
	    "\"suspect_threshold\":0.7,\"features\":{}}", "\"suspect_threshold\"");
	expect_reject("{" HEAD "}", "\"features\"");
	expect_reject("{" HEAD ",\"features\":{\"shoe_size\":{\"mean\":0,\"scale\":1,"
	    "\"weight\":1}}}", "unknown feature \"shoe_size\"");
	expect_reject("{" HEAD ",\"features\":{\"posts\":{\"mean\":0,\"weight\":1}}}",
	    "\"features.posts\": \"scale\": missing");
	expect_reject("{" HEAD ",\"features\":{\"posts\":{\"mean\":0,\"scale\":0,"
	    "\"weight\":1}}}", "\"scale\": must be at least 1e-9");
	expect_reject("{" HEAD ",\"features\":{\"posts\":{\"mean\":0,\"scale\":1,"
	    "\"weight\":1,\"knots\":[2,1],\"slopes\":[1,1]}}}", "\"knots\"");
	expect_reject("{" HEAD ",\"features\":{\"posts\":{\"mean\":0,\"scale\":1,"
	    "\"weight\":1,\"knots\":[1],\"slopes\":[]}}}", "\"slopes\"");
	/*
	 * Finite but huge numbers (found by tests/fuzz/fuzz_model): two weights of 1e308 made
	 * +inf and -inf contributions, a NaN score, and every account "genuine".
	 */
	expect_reject("{" HEAD ",\"features\":{\"default_avatar\":{\"mean\":0,\"scale\":1,"
	    "\"weight\":1e308},\"empty_bio\":{\"mean\":0,\"scale\":1,\"weight\":1e308}}}",
	    "\"features.default_avatar\": \"weight\": expected a number from -1e9 to 1e9");
	expect_reject("{\"version\":\"v\",\"bias\":-2e9,\"fake_threshold\":0.9,"
	    "\"suspect_threshold\":0.5,\"features\":{}}", "\"bias\": expected a number");
	expect_reject("{" HEAD ",\"features\":{\"posts\":{\"mean\":1e300,\"scale\":1,"
	    "\"weight\":1}}}", "\"mean\": expected a number from -1e9 to 1e9");
	expect_reject("{" HEAD ",\"features\":{\"posts\":{\"mean\":0,\"scale\":1e-300,"
	    "\"weight\":1}}}", "\"scale\": must be at least 1e-9");
	expect_reject("{" HEAD ",\"features\":{\"posts\":{\"mean\":0,\"scale\":1,"
	    "\"weight\":1,\"knots\":[1e10],\"slopes\":[1]}}}", "\"knots\"");
	expect_reject("{" HEAD ",\"features\":{\"posts\":{\"mean\":0,\"scale\":1,"
	    "\"weight\":1,\"knots\":[1],\"slopes\":[-1e308]}}}", "\"slopes\"");

	/* Absent features weigh nothing; id is FNV-1a of the version. */
	o = json_loads("{" HEAD ",\"features\":{\"followers\":{\"mean\":1,\"scale\":2,"
	    "\"weight\":-0.5}}}", 0, &jerr);
	assert_int_equal(model_from_json(&m, o, err, sizeof(err)), 0);
	json_decref(o);
	assert_true(m.weight[F_FOLLOWERS] == -0.5 && m.weight[F_POSTS] == 0);
	assert_int_equal(m.id, (uint32_t)((2166136261u ^ 'v') * 16777619u));
}

static void
test_score_and_reasons(void **state)
{
	struct fg_model m;
	struct fg_features f;
	struct fg_score s;
	enum fg_feature why[FG_NFEATURES];
	json_error_t jerr;
	char err[256];
	json_t *o;

	(void)state;
	o = json_loads("{\"version\":\"t\",\"bias\":-1,\"fake_threshold\":0.9,"
	    "\"suspect_threshold\":0.5,\"features\":{"
	    "\"followers\":{\"mean\":3,\"scale\":2,\"weight\":-1},"
	    "\"posts\":{\"mean\":0,\"scale\":1,\"weight\":0.5},"
	    "\"likes\":{\"mean\":0,\"scale\":1,\"weight\":1},"
	    "\"listed\":{\"mean\":0,\"scale\":1,\"weight\":2,\"knots\":[1],\"slopes\":[0]}}}",
	    0, &jerr);
	assert_int_equal(model_from_json(&m, o, err, sizeof(err)), 0);
	json_decref(o);
	memset(&f, 0, sizeof(f));
	f.known = 1u << F_FOLLOWERS | 1u << F_POSTS | 1u << F_LISTED;
	f.x[F_FOLLOWERS] = 1;		/* -1 * (1 - 3) / 2 = +1 */
	f.x[F_POSTS] = 4;		/* +2 */
	f.x[F_LIKES] = 100;		/* unknown: nothing */
	f.x[F_LISTED] = 5;		/* flat beyond the knot at 1: 2 * 1 = +2, tie with posts */
	model_score(&m, &f, &s);
	assert_true(fabs(s.contrib[F_FOLLOWERS] - 1) < 1e-12);
	assert_true(fabs(s.contrib[F_POSTS] - 2) < 1e-12);
	assert_true(fabs(s.contrib[F_LISTED] - 2) < 1e-12);
	assert_true(s.contrib[F_LIKES] == 0);
	assert_true(fabs(s.score - 1 / (1 + exp(-4))) < 1e-12);
	assert_int_equal(s.verdict, FG_FAKE);
	assert_int_equal(model_reasons(&s, why, FG_NFEATURES), 3);
	/* Strongest first; equal contributions in table order. */
	assert_int_equal(why[0], F_POSTS);
	assert_int_equal(why[1], F_LISTED);
	assert_int_equal(why[2], F_FOLLOWERS);
	assert_int_equal(model_reasons(&s, why, 1), 1);
	assert_int_equal(why[0], F_POSTS);
	f.x[F_POSTS] = 0;
	f.x[F_LISTED] = 0;		/* 2 * (0 - 0) = 0 */
	model_score(&m, &f, &s);	/* logit -1 + 1 = 0 */
	assert_int_equal(s.verdict, FG_SUSPECT);
	f.x[F_FOLLOWERS] = 5;
	model_score(&m, &f, &s);
	assert_int_equal(s.verdict, FG_GENUINE);
	assert_int_equal(model_reasons(&s, why, FG_NFEATURES), 0);
	assert_string_equal(verdict_name(FG_FAKE), "fake");
	assert_string_equal(verdict_name(FG_SUSPECT), "suspect");
	assert_string_equal(verdict_name(FG_GENUINE), "genuine");
}

static void
test_eval(void **state)
{
	const double sc[] = { 0.9, 0.8, 0.8, 0.3, 0.1 };
	const int8_t lb[] = { 1, 1, 0, 0, 1 };
	const double one[] = { 0.2, 0.4 };
	const int8_t pos[] = { 1, 1 };
	struct fg_eval e;

	(void)state;
	eval_compute(sc, lb, 5, 0.5, &e);
	assert_int_equal(e.tp, 2);
	assert_int_equal(e.fp, 1);
	assert_int_equal(e.tn, 1);
	assert_int_equal(e.fn, 1);
	assert_true(fabs(e.accuracy - 0.6) < 1e-12);
	assert_true(fabs(e.precision - 2.0 / 3) < 1e-12);
	assert_true(fabs(e.recall - 2.0 / 3) < 1e-12);
	assert_true(fabs(e.f1 - 2.0 / 3) < 1e-12);
	assert_true(fabs(e.mcc - 1.0 / 6) < 1e-12);
	/* pairs: 0.9 beats both, 0.8 ties one and beats one, 0.1 beats none: 3.5 / 6 */
	assert_true(fabs(e.auc - 3.5 / 6) < 1e-12);
	/* At 0.95 nothing is predicted fake: MCC undefined, reported 0. */
	eval_compute(sc, lb, 5, 0.95, &e);
	assert_int_equal(e.tp + e.fp, 0);
	assert_true(e.mcc == 0 && e.precision == 0);
	/* One class only: no AUC. */
	eval_compute(one, pos, 2, 0.5, &e);
	assert_true(isnan(e.auc));
	/* All tied: 0.5. */
	eval_compute((const double[]){ 0.5, 0.5, 0.5, 0.5 }, (const int8_t[]){ 1, 0, 1, 0 }, 4,
	    0.5, &e);
	assert_true(fabs(e.auc - 0.5) < 1e-12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_score_and_reasons),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_train),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
