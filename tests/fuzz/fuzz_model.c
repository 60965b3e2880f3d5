/*
 * Fuzzes the model file reader (model_from_json, behind model_load and --model). A model it
 * accepts must score every profile with a number in [0,1]: a NaN would compare below every
 * threshold and call any account genuine.
 */
#include <math.h>
#include <string.h>

#include <jansson.h>

#include "features.h"
#include "fuzz.h"
#include "jsonin.h"
#include "model.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

/* Feature vectors at the corners: all unknown, all zero, all large, alternating signs. */
static void
check_scores(const struct fg_model *m)
{
	static const double values[] = { 0, 1, -1, 50, 1e6, -1e6 };
	struct fg_features f;
	struct fg_score s;
	enum fg_feature why[FG_NFEATURES];
	size_t v;
	int i;

	for (v = 0; v <= sizeof(values) / sizeof(values[0]); v++) {
		memset(&f, 0, sizeof(f));
		if (v < sizeof(values) / sizeof(values[0])) {
			f.known = (1u << FG_NFEATURES) - 1;
			for (i = 0; i < FG_NFEATURES; i++)
				f.x[i] = i % 2 ? values[v] : -values[v];
		}
		model_score(m, &f, &s);
		if (!(s.score >= 0 && s.score <= 1))
			fuzz_fail("model %s: score %g", m->version, s.score);
		(void)model_reasons(&s, why, FG_NFEATURES);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_model m;
	json_error_t jerr;
	json_t *o, *back;
	char err[256];

	if ((o = json_loadb((const char *)data, size, FG_JSON_IN, &jerr)) == NULL)
		return 0;
	if (model_from_json(&m, o, err, sizeof(err)) == 0) {
		check_scores(&m);
		/* What was read is written back (followguard train --model shows it). */
		if ((back = model_to_json(&m)) == NULL)
			fuzz_fail("model_to_json failed on an accepted model");
		json_decref(back);
	}
	json_decref(o);
	return 0;
}
