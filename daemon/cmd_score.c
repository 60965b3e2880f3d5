/*
 * followguard score and explain: the scorer over JSONL files of normalized
 * profiles (docs/contracts.md 3).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "escape.h"
#include "jsonl.h"
#include "features.h"
#include "jsonout.h"
#include "jsonscan.h"
#include "log.h"
#include "model.h"
#include "profile.h"
#include "timeutil.h"
#include "xmalloc.h"

/* A score with 4 decimals and no trailing zeros, without printf's cost. */
static void
put_score(FILE *out, double score)
{
	long v = lround(score * 10000);
	char buf[8];
	int n = 6;

	if (v <= 0) {
		putc_unlocked('0', out);
		return;
	}
	if (v >= 10000) {
		putc_unlocked('1', out);
		return;
	}
	buf[0] = '0';
	buf[1] = '.';
	buf[2] = '0' + (char)(v / 1000);
	buf[3] = '0' + (char)(v / 100 % 10);
	buf[4] = '0' + (char)(v / 10 % 10);
	buf[5] = '0' + (char)(v % 10);
	while (buf[n - 1] == '0')
		n--;
	fwrite(buf, 1, (size_t)n, out);
}

static const struct option score_opts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "now", required_argument, NULL, 'n' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct common {
	const char	*model_path;
	int64_t		 now;
	int		 json;
	const char	*input;
	struct fg_model	 model;
};

/* Options of score and explain. 0, or the exit status of a usage error. */
static int
parse_common(int argc, char **argv, const char *usage, int allow_json, struct common *c)
{
	char err[256];
	int ch;

	memset(c, 0, sizeof(*c));
	c->now = time_now();
	optind = 1;
	while ((ch = getopt_long(argc, argv, "m:n:jh", score_opts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			c->model_path = optarg;
			break;
		case 'n':
			if (time_parse_rfc3339(optarg, &c->now) == -1) {
				log_warnx("--now: \"%s\" is not an RFC 3339 time", optarg);
				return 2;
			}
			break;
		case 'j':
			if (allow_json) {
				c->json = 1;
				break;
			}
			/* FALLTHROUGH */
		case 'h':
		default:
			fprintf(ch == 'h' ? stdout : stderr, "usage: followguard %s\n", usage);
			return ch == 'h' ? -1 : 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "usage: followguard %s\n", usage);
		return 2;
	}
	c->input = optind < argc ? argv[optind] : NULL;
	if (model_load(&c->model, c->model_path, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return 2;
	}
	return 0;
}

int
cmd_score(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct common c;
	struct jsonl r;
	struct fg_profile p;
	struct fg_features f;
	struct fg_score s;
	enum fg_feature why[FG_NFEATURES];
	FILE *in, *out = stdout;
	size_t n, i;
	int rc;

	if ((rc = parse_common(argc, argv, "score [--model FILE] [--now RFC3339] [FILE|-]", 0,
	    &c)) != 0)
		return rc == -1 ? 0 : rc;
	if ((in = cmd_open_input(c.input)) == NULL)
		return 2;
	setvbuf(out, outbuf, _IOFBF, sizeof(outbuf));
	jsonl_open(&r, in, c.input);
	while (jsonl_next(&r, &p)) {
		features_compute(&p, c.now, &f);
		model_score(&c.model, &f, &s);
		n = model_reasons(&s, why, FG_NFEATURES);
		fputs("{\"id\":", out);
		jsonout_string(out, p.id);
		fputs(",\"score\":", out);
		put_score(out, s.score);
		fputs(",\"verdict\":\"", out);
		fputs(verdict_name(s.verdict), out);
		fputs("\",\"reasons\":[", out);
		for (i = 0; i < n; i++) {
			if (i > 0)
				putc_unlocked(',', out);
			putc_unlocked('"', out);
			fputs(feature_name(why[i]), out);
			putc_unlocked('"', out);
		}
		fputs("]}\n", out);
	}
	jsonl_close(&r);
	if (in != stdin)
		fclose(in);
	if (fflush(out) == EOF || ferror(out)) {
		log_warn("stdout");
		return 1;
	}
	return r.nbad > 0 ? 1 : 0;
}

/* Known features by decreasing |contribution|, then the unknown ones in table order. */
static size_t
explain_order(const struct fg_features *f, const struct fg_score *s, int *order)
{
	size_t n = 0, j, nknown;
	int i, k;

	for (i = 0; i < FG_NFEATURES; i++) {
		if (!FEATURE_KNOWN(f, i))
			continue;
		for (j = n; j > 0 && fabs(s->contrib[order[j - 1]]) < fabs(s->contrib[i]); j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	nknown = n;
	for (k = 0; k < FG_NFEATURES; k++)
		if (!FEATURE_KNOWN(f, k))
			order[n++] = k;
	return nknown;
}

static void
explain_text(const struct common *c, const struct fg_profile *p, const struct fg_features *f,
    const struct fg_score *s)
{
	int order[FG_NFEATURES];
	char val[64], text[ESCAPE_ROOM(FG_HANDLE_MAX)];
	size_t nknown, i;
	int k;

	nknown = explain_order(f, s, order);
	printf("account %s", escape_str(text, sizeof(text), p->id));
	if (p->handle != NULL)
		printf(" (@%s)", escape_str(text, sizeof(text), p->handle));
	printf("\n%-18s %-16s %s\n", "feature", "value", "contribution (log-odds)");
	for (i = 0; i < FG_NFEATURES; i++) {
		k = order[i];
		if (i < nknown)
			printf("%-18s %-16s %+.3f\n", feature_name(k),
			    feature_format(f, k, val, sizeof(val)), s->contrib[k]);
		else
			printf("%-18s %s\n", feature_name(k), "unknown (no contribution)");
	}
	printf("%-18s %-16s %+.3f\n", "bias", "", c->model.bias);
	printf("score %.4f, verdict %s (model %s: fake >= %.4f, suspect >= %.4f)\n\n",
	    s->score, verdict_name(s->verdict), c->model.version, c->model.fake_threshold,
	    c->model.suspect_threshold);
}

static void
explain_json(const struct common *c, const struct fg_profile *p, const struct fg_features *f,
    const struct fg_score *s)
{
	int order[FG_NFEATURES];
	json_t *o, *arr, *e;
	char val[64];
	size_t nknown, i;
	int k;

	nknown = explain_order(f, s, order);
	o = json_object();
	json_object_set_new(o, "id", json_string(p->id));
	json_object_set_new(o, "score", json_real(s->score));
	json_object_set_new(o, "verdict", json_string(verdict_name(s->verdict)));
	json_object_set_new(o, "model", json_string(c->model.version));
	json_object_set_new(o, "fake_threshold", json_real(c->model.fake_threshold));
	json_object_set_new(o, "suspect_threshold", json_real(c->model.suspect_threshold));
	json_object_set_new(o, "bias", json_real(c->model.bias));
	arr = json_array();
	for (i = 0; i < FG_NFEATURES; i++) {
		k = order[i];
		e = json_object();
		json_object_set_new(e, "name", json_string(feature_name(k)));
		json_object_set_new(e, "known", json_boolean(i < nknown));
		if (i < nknown) {
			json_object_set_new(e, "value", json_real(feature_human(f, k)));
			json_object_set_new(e, "text", json_string(feature_format(f, k, val,
			    sizeof(val))));
			json_object_set_new(e, "x", json_real(f->x[k]));
		} else
			json_object_set_new(e, "value", json_null());
		json_object_set_new(e, "contribution", json_real(s->contrib[k]));
		json_array_append_new(arr, e);
	}
	json_object_set_new(o, "features", arr);
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
}

int
cmd_explain(int argc, char **argv)
{
	struct common c;
	struct jsonl r;
	struct fg_profile p;
	struct fg_features f;
	struct fg_score s;
	FILE *in;
	int rc;

	if ((rc = parse_common(argc, argv,
	    "explain [--model FILE] [--now RFC3339] [--json] [FILE|-]", 1, &c)) != 0)
		return rc == -1 ? 0 : rc;
	if ((in = cmd_open_input(c.input)) == NULL)
		return 2;
	jsonl_open(&r, in, c.input);
	while (jsonl_next(&r, &p)) {
		features_compute(&p, c.now, &f);
		model_score(&c.model, &f, &s);
		if (c.json)
			explain_json(&c, &p, &f, &s);
		else
			explain_text(&c, &p, &f, &s);
	}
	jsonl_close(&r);
	if (in != stdin)
		fclose(in);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		return 1;
	}
	return r.nbad > 0 ? 1 : 0;
}
