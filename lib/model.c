/*
 * The scoring model: reading and writing its JSON file, scoring a feature vector and naming
 * the features that pushed a score up.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jsonin.h"
#include "model.h"
#include "profile.h"

#ifndef FG_MODEL_DEFAULT
#define FG_MODEL_DEFAULT "/usr/local/share/followguard/model.json"
#endif

/* config/model.json, compiled in by scripts/embed.cmake. */
extern const char fg_model_embedded[];

static uint32_t
fnv1a32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/*
 * Bounds on a model's numbers. Finite is not enough: a weight of 1e308 overflows to infinity
 * on the first profile, two such contributions of opposite signs add up to NaN, and a NaN
 * score is below every threshold, so every account would be called genuine. Within these
 * bounds every contribution stays finite for any feature value. model_train never writes a
 * scale below MODEL_SCALE_MIN (it sets such a feature's scale to 1) nor numbers near 1e9.
 */
#define MODEL_NUMBER_MAX	1e9
#define MODEL_SCALE_MIN		1e-9

static int
in_bounds(const json_t *v)
{
	return json_is_number(v) && isfinite(json_number_value(v)) &&
	    fabs(json_number_value(v)) <= MODEL_NUMBER_MAX;
}

static int
get_number(const json_t *o, const char *key, const char *where, double *out, char *err,
    size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL) {
		snprintf(err, errlen, "%s\"%s\": missing", where, key);
		return -1;
	}
	if (!in_bounds(v)) {
		snprintf(err, errlen, "%s\"%s\": expected a number from -1e9 to 1e9", where,
		    key);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

/* The optional "knots" and "slopes" of a feature: equal lengths, knots increasing. */
static int
shape_from_json(struct fg_model *m, int i, const json_t *fv, const char *where, char *err,
    size_t errlen)
{
	const json_t *k = json_object_get(fv, "knots"), *s = json_object_get(fv, "slopes"), *v;
	size_t j, n;

	if (k == NULL && s == NULL)
		return 0;
	if (!json_is_array(k) || !json_is_array(s) || json_array_size(k) != json_array_size(s) ||
	    json_array_size(k) > FG_MAXKNOTS) {
		snprintf(err, errlen, "%s\"knots\", \"slopes\": expected two arrays of equal "
		    "length, at most %d", where, FG_MAXKNOTS);
		return -1;
	}
	n = json_array_size(k);
	for (j = 0; j < n; j++) {
		v = json_array_get(k, j);
		if (!in_bounds(v) || (j > 0 && json_number_value(v) <= m->knots[i][j - 1])) {
			snprintf(err, errlen, "%s\"knots\": expected increasing numbers from -1e9 "
			    "to 1e9", where);
			return -1;
		}
		m->knots[i][j] = json_number_value(v);
		v = json_array_get(s, j);
		if (!in_bounds(v)) {
			snprintf(err, errlen, "%s\"slopes\": expected numbers from -1e9 to 1e9",
			    where);
			return -1;
		}
		m->slopes[i][j] = json_number_value(v);
	}
	m->nknots[i] = (unsigned)n;
	return 0;
}

int
model_from_json(struct fg_model *m, const json_t *o, char *err, size_t errlen)
{
	const json_t *v, *feats, *fv;
	const char *key;
	char where[96];
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < FG_NFEATURES; i++)
		m->scale[i] = 1;
	if (!json_is_object(o)) {
		snprintf(err, errlen, "model is not a JSON object");
		return -1;
	}
	/* The version names the model in output: an id's rules, no control characters. */
	v = json_object_get(o, "version");
	if (!json_is_string(v) || json_string_length(v) >= sizeof(m->version) ||
	    profile_id_check(json_string_value(v), json_string_length(v), NULL, 0) == -1) {
		snprintf(err, errlen, "\"version\": expected a string of 1 to %zu bytes "
		    "without control characters", sizeof(m->version) - 1);
		return -1;
	}
	snprintf(m->version, sizeof(m->version), "%s", json_string_value(v));
	m->id = fnv1a32(m->version);
	if ((v = json_object_get(o, "trained_on")) != NULL) {
		struct fg_arena a = { NULL, 0 };

		if (!json_is_string(v)) {
			snprintf(err, errlen, "\"trained_on\": expected a string");
			return -1;
		}
		snprintf(m->trained_on, sizeof(m->trained_on), "%s", profile_text(&a,
		    json_string_value(v), json_string_length(v), sizeof(m->trained_on) - 1));
		arena_free(&a);
	}
	if (get_number(o, "bias", "", &m->bias, err, errlen) == -1 ||
	    get_number(o, "fake_threshold", "", &m->fake_threshold, err, errlen) == -1 ||
	    get_number(o, "suspect_threshold", "", &m->suspect_threshold, err, errlen) == -1)
		return -1;
	if (m->fake_threshold <= 0 || m->fake_threshold > 1) {
		snprintf(err, errlen, "\"fake_threshold\": must be in (0,1]");
		return -1;
	}
	if (m->suspect_threshold <= 0 || m->suspect_threshold > m->fake_threshold) {
		snprintf(err, errlen, "\"suspect_threshold\": must be in (0,fake_threshold]");
		return -1;
	}
	feats = json_object_get(o, "features");
	if (!json_is_object(feats)) {
		snprintf(err, errlen, "\"features\": expected an object");
		return -1;
	}
	json_object_foreach((json_t *)feats, key, fv) {
		/* A model written for features this binary lacks would score differently. */
		if ((i = feature_lookup(key)) == -1) {
			snprintf(err, errlen, "\"features\": unknown feature \"%s\"", key);
			return -1;
		}
		if (!json_is_object(fv)) {
			snprintf(err, errlen, "\"features.%s\": expected an object", key);
			return -1;
		}
		snprintf(where, sizeof(where), "\"features.%s\": ", key);
		if (get_number(fv, "mean", where, &m->mean[i], err, errlen) == -1 ||
		    get_number(fv, "scale", where, &m->scale[i], err, errlen) == -1 ||
		    get_number(fv, "weight", where, &m->weight[i], err, errlen) == -1)
			return -1;
		if (m->scale[i] < MODEL_SCALE_MIN) {
			snprintf(err, errlen, "%s\"scale\": must be at least 1e-9", where);
			return -1;
		}
		if (shape_from_json(m, i, fv, where, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static int
load_text(struct fg_model *m, const char *text, const char *name, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o;
	char msg[200];
	int rc;

	if ((o = json_loads(text, FG_JSON_IN, &jerr)) == NULL) {
		snprintf(err, errlen, "%s:%d: %s", name, jerr.line, jerr.text);
		return -1;
	}
	rc = model_from_json(m, o, msg, sizeof(msg));
	json_decref(o);
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", name, msg);
	return rc;
}

int
model_load(struct fg_model *m, const char *path, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o;
	char msg[200];
	int rc;

	if (path == NULL) {
		/* A broken installed model is an error, not a reason to use another. */
		if (access(FG_MODEL_DEFAULT, F_OK) == 0)
			path = FG_MODEL_DEFAULT;
		else
			return load_text(m, fg_model_embedded, "embedded model", err, errlen);
	}
	if ((o = json_load_file(path, FG_JSON_IN, &jerr)) == NULL) {
		if (jerr.line <= 0)
			snprintf(err, errlen, "%s: %s", path, jerr.text);
		else
			snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
		return -1;
	}
	rc = model_from_json(m, o, msg, sizeof(msg));
	json_decref(o);
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, msg);
	return rc;
}

json_t *
model_to_json(const struct fg_model *m)
{
	json_t *o = json_object(), *feats = json_object(), *f;
	int i;

	json_object_set_new(o, "version", json_string(m->version));
	if (m->trained_on[0] != '\0')
		json_object_set_new(o, "trained_on", json_string(m->trained_on));
	json_object_set_new(o, "bias", json_real(m->bias));
	json_object_set_new(o, "fake_threshold", json_real(m->fake_threshold));
	json_object_set_new(o, "suspect_threshold", json_real(m->suspect_threshold));
	for (i = 0; i < FG_NFEATURES; i++) {
		f = json_object();
		json_object_set_new(f, "mean", json_real(m->mean[i]));
		json_object_set_new(f, "scale", json_real(m->scale[i]));
		json_object_set_new(f, "weight", json_real(m->weight[i]));
		if (m->nknots[i] > 0) {
			json_t *k = json_array(), *sl = json_array();
			unsigned j;

			for (j = 0; j < m->nknots[i]; j++) {
				json_array_append_new(k, json_real(m->knots[i][j]));
				json_array_append_new(sl, json_real(m->slopes[i][j]));
			}
			json_object_set_new(f, "knots", k);
			json_object_set_new(f, "slopes", sl);
		}
		json_object_set_new(feats, feature_name(i), f);
	}
	json_object_set_new(o, "features", feats);
	return o;
}

/* The piecewise linear f of a shaped feature, up to a constant. */
static double
shape(const struct fg_model *m, int i, double x)
{
	const double *k = m->knots[i];
	double v, lo, hi;
	unsigned j, n = m->nknots[i];

	v = m->weight[i] * (x < k[0] ? x : k[0]);
	for (j = 0; j < n; j++) {
		lo = k[j];
		hi = j + 1 < n ? k[j + 1] : INFINITY;
		v += m->slopes[i][j] * (x < lo ? lo : x > hi ? hi : x);
	}
	return v;
}

void
model_score(const struct fg_model *m, const struct fg_features *f, struct fg_score *s)
{
	double logit = m->bias, c;
	int i;

	for (i = 0; i < FG_NFEATURES; i++) {
		c = 0;
		if (!FEATURE_KNOWN(f, i))
			;
		else if (m->nknots[i] > 0)
			c = (shape(m, i, f->x[i]) - shape(m, i, m->mean[i])) / m->scale[i];
		else if (m->weight[i] != 0)
			c = m->weight[i] * (f->x[i] - m->mean[i]) / m->scale[i];
		s->contrib[i] = c;
		logit += c;
	}
	s->score = 1 / (1 + exp(-logit));
	if (s->score >= m->fake_threshold)
		s->verdict = FG_FAKE;
	else if (s->score >= m->suspect_threshold)
		s->verdict = FG_SUSPECT;
	else
		s->verdict = FG_GENUINE;
}

size_t
model_reasons(const struct fg_score *s, enum fg_feature *out, size_t max)
{
	size_t n = 0, j;
	int i;

	/* Insertion into a short sorted list: at most 19 features. */
	for (i = 0; i < FG_NFEATURES; i++) {
		if (!(s->contrib[i] > 0))
			continue;
		for (j = n; j > 0 && s->contrib[out[j - 1]] < s->contrib[i]; j--)
			if (j < max)
				out[j] = out[j - 1];
		if (j < max) {
			out[j] = i;
			if (n < max)
				n++;
		}
	}
	return n;
}

const char *
verdict_name(enum fg_verdict v)
{
	switch (v) {
	case FG_GENUINE:
		return "genuine";
	case FG_SUSPECT:
		return "suspect";
	case FG_FAKE:
		return "fake";
	}
	return "unknown";
}
