/*
 * Fuzzes the two readers of a normalized profile (docs/contracts.md 2): profile_from_json over a
 * jansson tree, as input files and the store's neighbours read it, and profile_scan, the
 * tree-less reader of replay, score and train. An accepted profile must keep profile.h's
 * promises, and its features and score must be numbers.
 */
#include <math.h>
#include <stdlib.h>

#include <jansson.h>

#include "features.h"
#include "fuzz.h"
#include "jsonin.h"
#include "jsonscan.h"
#include "model.h"
#include "xmalloc.h"

#define NOW	INT64_C(1767269100)

static struct fg_model model;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	fuzz_quiet();
	/* The copy compiled in when no model is installed: the one the program scores with. */
	if (model_load(&model, NULL, err, sizeof(err)) == -1)
		fuzz_fail("model_load: %s", err);
	return 0;
}

static void
check_scored(const struct fg_profile *p, const char *where)
{
	struct fg_features f;
	struct fg_score s;
	int i;

	fuzz_check_profile(p, where);
	features_compute(p, NOW, &f);
	for (i = 0; i < FG_NFEATURES; i++)
		if (FEATURE_KNOWN(&f, i) && !isfinite(f.x[i]))
			fuzz_fail("%s: feature %s is %g", where, feature_name(i), f.x[i]);
	model_score(&model, &f, &s);
	if (!(s.score >= 0 && s.score <= 1))
		fuzz_fail("%s: score %g", where, s.score);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_arena a = { NULL, 0 };
	struct fg_profile p;
	struct jscan js;
	json_error_t jerr;
	json_t *o;
	char err[256], *buf;
	size_t cap = 2 * size + 2;

	if ((o = json_loadb((const char *)data, size, FG_JSON_IN, &jerr)) != NULL) {
		if (profile_from_json(o, &p, &a, err, sizeof(err)) == 0)
			check_scored(&p, "profile_from_json");
		json_decref(o);
	}
	arena_reset(&a);

	buf = xmalloc(cap);
	jscan_init(&js, (const char *)data, size, buf, cap);
	if (profile_scan(&js, &p, &a, err, sizeof(err)) == 0 && jscan_end(&js) == 0)
		check_scored(&p, "profile_scan");
	free(buf);
	arena_free(&a);
	return 0;
}
