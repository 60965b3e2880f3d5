/*
 * followguard score, explain, train and eval: the scorer over JSONL files of normalized
 * profiles (DESIGN.md contract 3).
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
#include "features.h"
#include "jsonscan.h"
#include "log.h"
#include "model.h"
#include "profile.h"
#include "timeutil.h"
#include "xmalloc.h"

#define LINE_MAX_BYTES	(1024 * 1024)	/* longer lines are reported, not parsed */
#define READ_CHUNK	(64 * 1024)

/*
 * Reads input lines into one buffer that is reused for the whole run, so memory does not
 * grow with the input, and parses each into a profile (jsonscan, as replay does: no tree).
 * read(2) rather than stdio so that a line is processed as soon as it arrives on a pipe.
 */
struct reader {
	int		 fd;
	const char	*name;
	char		*buf;
	size_t		 cap, start, end;
	int		 eof;
	size_t		 lineno;
	size_t		 nbad;
	char		*strs;		/* the line's decoded strings: the profile borrows them */
	size_t		 strscap;
	struct fg_arena	 text;		/* the line's normalized texts, likewise */
};

enum { LINE_OK, LINE_EOF, LINE_TOOLONG };

static void
reader_open(struct reader *r, FILE *f, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->fd = fileno(f);
	r->name = path == NULL || strcmp(path, "-") == 0 ? "<stdin>" : path;
	r->cap = LINE_MAX_BYTES + 1 + READ_CHUNK;
	r->buf = xmalloc(r->cap);
	r->strscap = 2 * LINE_MAX_BYTES + 2;
	r->strs = xmalloc(r->strscap);
}

static void
reader_close(struct reader *r)
{
	free(r->buf);
	r->buf = NULL;
	free(r->strs);
	r->strs = NULL;
	arena_free(&r->text);
}

/* Fills more of the buffer; 0 at end of input. */
static ssize_t
reader_fill(struct reader *r)
{
	ssize_t got;

	/* Whoever feeds a pipe line by line gets the answers before we wait for more. */
	fflush(stdout);
	do
		got = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (got == -1 && errno == EINTR);
	if (got == -1) {
		log_warn("%s: read", r->name);
		r->nbad++;
		got = 0;
	}
	if (got == 0)
		r->eof = 1;
	r->end += (size_t)got;
	return got;
}

static int
reader_line(struct reader *r, char **line, size_t *len)
{
	char *nl;

	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl != NULL) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->start = (size_t)(nl - r->buf) + 1;
			r->lineno++;
			return *len > LINE_MAX_BYTES ? LINE_TOOLONG : LINE_OK;
		}
		if (r->end - r->start > LINE_MAX_BYTES) {
			/* Skip to the end of the line without keeping it. */
			r->lineno++;
			for (;;) {
				r->start = r->end = 0;
				if (reader_fill(r) == 0)
					return LINE_TOOLONG;
				if ((nl = memchr(r->buf, '\n', r->end)) != NULL) {
					r->start = (size_t)(nl - r->buf) + 1;
					return LINE_TOOLONG;
				}
			}
		}
		if (r->eof) {
			if (r->end == r->start)
				return LINE_EOF;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->end;
			r->lineno++;
			return LINE_OK;
		}
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		reader_fill(r);
	}
}

static void
reader_bad(struct reader *r, const char *msg)
{
	log_warnx("%s:%zu: %s", r->name, r->lineno, msg);
	r->nbad++;
}

/*
 * The next valid profile. Bad lines are reported with their number and skipped; blank
 * lines are skipped silently. 1, or 0 at the end of input.
 */
static int
reader_next(struct reader *r, struct fg_profile *p)
{
	struct jscan js;
	char *line, err[256], msg[200];
	size_t len, i;
	int rc;

	for (;;) {
		if ((rc = reader_line(r, &line, &len)) == LINE_EOF)
			return 0;
		if (rc == LINE_TOOLONG) {
			snprintf(err, sizeof(err), "line longer than %d bytes", LINE_MAX_BYTES);
			reader_bad(r, err);
			continue;
		}
		for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
			;
		if (i == len)
			continue;
		jscan_init(&js, line, len, r->strs, r->strscap);
		arena_reset(&r->text);
		if (jscan_peek(&js) == JS_OBJECT) {
			rc = profile_scan(&js, p, &r->text, msg, sizeof(msg));
			if (rc != -1 && jscan_end(&js) == -1)
				rc = -1;
		} else
			rc = jscan_skip(&js) == -1 || jscan_end(&js) == -1 ? -1 : 2;
		if (rc == -1) {
			snprintf(err, sizeof(err), "invalid JSON at %s", js.err);
			reader_bad(r, err);
			continue;
		}
		if (rc == 2)
			reader_bad(r, "profile is not a JSON object");
		else if (rc == 1)
			reader_bad(r, msg);
		else
			return 1;
	}
}

/* Writes s as a JSON string: quotes, backslashes and control characters escaped. */
static void
put_json_string(FILE *out, const char *s)
{
	const char *run = s;
	unsigned char c;

	putc_unlocked('"', out);
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		fwrite(run, 1, (size_t)(s - run), out);
		run = s + 1;
		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		default:
			fprintf(out, "\\u%04x", c);
			break;
		}
	}
	fwrite(run, 1, (size_t)(s - run), out);
	putc_unlocked('"', out);
}

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
	struct reader r;
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
	reader_open(&r, in, c.input);
	while (reader_next(&r, &p)) {
		features_compute(&p, c.now, &f);
		model_score(&c.model, &f, &s);
		n = model_reasons(&s, why, FG_NFEATURES);
		fputs("{\"id\":", out);
		put_json_string(out, p.id);
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
	reader_close(&r);
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
	char val[64];
	size_t nknown, i;
	int k;

	nknown = explain_order(f, s, order);
	printf("account %s", p->id);
	if (p->handle != NULL)
		printf(" (@%s)", p->handle);
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
	struct reader r;
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
	reader_open(&r, in, c.input);
	while (reader_next(&r, &p)) {
		features_compute(&p, c.now, &f);
		model_score(&c.model, &f, &s);
		if (c.json)
			explain_json(&c, &p, &f, &s);
		else
			explain_text(&c, &p, &f, &s);
	}
	reader_close(&r);
	if (in != stdin)
		fclose(in);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		return 1;
	}
	return r.nbad > 0 ? 1 : 0;
}

/* Labelled rows of a file, as features; lines without a label are bad lines. */
struct labelled {
	struct fg_features	*x;
	int8_t			*y;
	size_t			 n, cap, pos;
	size_t			 nbad;
};

static int
load_labelled(const char *path, int64_t now, struct labelled *l)
{
	struct reader r;
	struct fg_profile p;
	FILE *in;

	memset(l, 0, sizeof(*l));
	if ((in = cmd_open_input(path)) == NULL)
		return -1;
	reader_open(&r, in, path);
	while (reader_next(&r, &p)) {
		if (p.label == FG_LABEL_NONE) {
			reader_bad(&r, "\"label\": missing (need \"fake\" or \"genuine\")");
			continue;
		}
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 1024;
			l->x = xreallocarray(l->x, l->cap, sizeof(*l->x));
			l->y = xreallocarray(l->y, l->cap, sizeof(*l->y));
		}
		features_compute(&p, now, &l->x[l->n]);
		l->y[l->n] = p.label == FG_LABEL_FAKE;
		l->pos += l->y[l->n];
		l->n++;
	}
	l->nbad = r.nbad;
	reader_close(&r);
	if (in != stdin)
		fclose(in);
	return 0;
}

static void
labelled_free(struct labelled *l)
{
	free(l->x);
	free(l->y);
}

/* "a,b,c" into a feature mask; "none" or "" is the empty set. -1 on an unknown name. */
static int
parse_features(const char *list, uint32_t *mask)
{
	char *copy, *tok, *save = NULL;
	int i, rc = 0;

	*mask = 0;
	if (strcmp(list, "none") == 0)
		return 0;
	copy = xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if ((i = feature_lookup(tok)) == -1) {
			log_warnx("--exclude: unknown feature \"%s\"", tok);
			rc = -1;
			break;
		}
		*mask |= 1u << i;
	}
	free(copy);
	return rc;
}

static const struct option train_opts[] = {
	{ "l2", required_argument, NULL, 'l' },
	{ "exclude", required_argument, NULL, 'x' },
	{ "unconstrained", no_argument, NULL, 'u' },
	{ "folds", required_argument, NULL, 'k' },
	{ "knots", required_argument, NULL, 'K' },
	{ "model", required_argument, NULL, 'm' },
	{ "json", no_argument, NULL, 'j' },
	{ "now", required_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Parses the fitting options shared by train and eval --folds. */
static int
train_option(int ch, struct fg_train_opts *o)
{
	char *end;

	switch (ch) {
	case 'l':
		errno = 0;
		o->l2 = strtod(optarg, &end);
		if (errno != 0 || *end != '\0' || end == optarg || !(o->l2 >= 0)) {
			log_warnx("--l2: expected a number >= 0");
			return -1;
		}
		return 0;
	case 'x':
		return parse_features(optarg, &o->exclude);
	case 'u':
		o->unconstrained = 1;
		return 0;
	case 'K':
		o->knots = (unsigned)strtoul(optarg, &end, 10);
		if (*end != '\0' || end == optarg || o->knots > FG_MAXKNOTS) {
			log_warnx("--knots: expected 0 to %d", FG_MAXKNOTS);
			return -1;
		}
		return 0;
	}
	return -1;
}

static const char *
base_name(const char *path)
{
	const char *s;

	if (path == NULL || strcmp(path, "-") == 0)
		return "<stdin>";
	return (s = strrchr(path, '/')) != NULL ? s + 1 : path;
}

int
cmd_train(int argc, char **argv)
{
	static const char usage[] = "train [--l2 X] [--knots N] "
	    "[--exclude FEATURE,...|none] [--unconstrained] LABELLED.jsonl > model.json";
	struct fg_train_opts o;
	struct labelled l;
	struct fg_model m;
	json_t *j;
	char excl[300];
	size_t len = 0;
	int ch, i;

	model_train_defaults(&o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "l:x:uK:h", train_opts, NULL)) != -1) {
		if (ch == 'h') {
			printf("usage: followguard %s\n", usage);
			return 0;
		}
		if (train_option(ch, &o) == -1) {
			fprintf(stderr, "usage: followguard %s\n", usage);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: followguard %s\n", usage);
		return 2;
	}
	/* Labelled files carry observed_at; "now" only matters for rows without it. */
	if (load_labelled(argv[optind], time_now(), &l) == -1)
		return 2;
	if (l.pos == 0 || l.pos == l.n) {
		log_warnx("%s: need both fake and genuine accounts (%zu fake of %zu)",
		    argv[optind], l.pos, l.n);
		labelled_free(&l);
		return 1;
	}
	model_train(&m, l.x, l.y, l.n, &o);
	excl[0] = '\0';
	for (i = 0; i < FG_NFEATURES; i++)
		if (o.exclude >> i & 1)
			len += (size_t)snprintf(excl + len, sizeof(excl) - len, "%s%s",
			    len ? "," : "", feature_name(i));
	snprintf(m.trained_on, sizeof(m.trained_on),
	    "%.60s: %zu accounts, %zu fake; l2 %g, %u knots%s; excluded: %s",
	    base_name(argv[optind]), l.n, l.pos, o.l2, o.knots,
	    o.unconstrained ? ", unconstrained" : "", len ? excl : "none");
	j = model_to_json(&m);
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	putchar('\n');
	json_decref(j);
	labelled_free(&l);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		return 1;
	}
	if (l.nbad > 0)
		log_warnx("%zu bad lines skipped", l.nbad);
	return l.nbad > 0 ? 1 : 0;
}

static json_t *
eval_json(const struct fg_eval *e)
{
	return json_pack("{s:f,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f}",
	    "threshold", e->threshold, "tp", (json_int_t)e->tp, "fp", (json_int_t)e->fp,
	    "tn", (json_int_t)e->tn, "fn", (json_int_t)e->fn, "accuracy", e->accuracy,
	    "precision", e->precision, "recall", e->recall, "f1", e->f1, "mcc", e->mcc);
}

static void
eval_print(const char *what, const struct fg_eval *e)
{
	printf("at %s threshold %.4f:\n", what, e->threshold);
	printf("  tp %zu  fp %zu  tn %zu  fn %zu\n", e->tp, e->fp, e->tn, e->fn);
	printf("  accuracy %.4f  precision %.4f  recall %.4f  F1 %.4f  MCC %.4f\n",
	    e->accuracy, e->precision, e->recall, e->f1, e->mcc);
}

/*
 * k-fold cross-validation: each fold scored by a model trained (weights and thresholds)
 * on the other folds. The verdicts become 0/1 scores so one threshold, 0.5, applies to all.
 */
static void
eval_folds(const struct labelled *l, const struct fg_train_opts *o, unsigned k,
    double *scores, double *isfake, double *issuspect, double *mean_fake)
{
	struct fg_features *tx = xcalloc(l->n, sizeof(*tx));
	int8_t *ty = xcalloc(l->n, sizeof(*ty));
	struct fg_model m;
	struct fg_score s;
	size_t i, tn;
	unsigned fold;

	*mean_fake = 0;
	for (fold = 0; fold < k; fold++) {
		tn = 0;
		for (i = 0; i < l->n; i++)
			if (i % k != fold) {
				tx[tn] = l->x[i];
				ty[tn++] = l->y[i];
			}
		model_train(&m, tx, ty, tn, o);
		*mean_fake += m.fake_threshold / k;
		for (i = fold; i < l->n; i += k) {
			model_score(&m, &l->x[i], &s);
			scores[i] = s.score;
			isfake[i] = s.verdict == FG_FAKE;
			issuspect[i] = s.verdict != FG_GENUINE;
		}
	}
	free(tx);
	free(ty);
}

int
cmd_eval(int argc, char **argv)
{
	static const char usage[] = "eval [--model FILE] [--json] [--now RFC3339] "
	    "[--folds K [--l2 X] [--knots N] [--exclude F,...] [--unconstrained]] "
	    "LABELLED.jsonl";
	struct fg_train_opts o;
	struct fg_model model;
	struct fg_score s;
	struct fg_eval ef, es, ea;
	struct labelled l;
	const char *model_path = NULL;
	double *scores, *isfake, *issuspect, mean_fake = 0;
	int64_t now;
	char err[256], *end;
	unsigned long folds = 0;
	int ch, json = 0;
	size_t i;
	json_t *j;

	model_train_defaults(&o);
	now = time_now();
	optind = 1;
	while ((ch = getopt_long(argc, argv, "m:jn:k:l:x:uK:h", train_opts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			model_path = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'n':
			if (time_parse_rfc3339(optarg, &now) == -1) {
				log_warnx("--now: \"%s\" is not an RFC 3339 time", optarg);
				return 2;
			}
			break;
		case 'k':
			folds = strtoul(optarg, &end, 10);
			if (*end != '\0' || folds < 2 || folds > 100) {
				log_warnx("--folds: expected 2 to 100");
				return 2;
			}
			break;
		case 'h':
			printf("usage: followguard %s\n", usage);
			return 0;
		default:
			if (train_option(ch, &o) == 0)
				break;
			fprintf(stderr, "usage: followguard %s\n", usage);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: followguard %s\n", usage);
		return 2;
	}
	if (folds == 0 && model_load(&model, model_path, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return 2;
	}
	if (load_labelled(argv[optind], now, &l) == -1)
		return 2;
	if (folds > 0 && (l.pos < folds || l.n - l.pos < folds)) {
		log_warnx("%s: too few accounts of each class for %lu folds", argv[optind], folds);
		labelled_free(&l);
		return 1;
	}
	scores = xcalloc(l.n ? l.n : 1, sizeof(*scores));
	isfake = xcalloc(l.n ? l.n : 1, sizeof(*isfake));
	issuspect = xcalloc(l.n ? l.n : 1, sizeof(*issuspect));
	if (folds > 0) {
		eval_folds(&l, &o, (unsigned)folds, scores, isfake, issuspect, &mean_fake);
		/* The AUC is of the scores; the matrices are of the fold models' verdicts. */
		eval_compute(scores, l.y, l.n, 0.5, &ea);
		eval_compute(isfake, l.y, l.n, 0.5, &ef);
		eval_compute(issuspect, l.y, l.n, 0.5, &es);
		ef.auc = es.auc = ea.auc;
		ef.threshold = mean_fake;
		es.threshold = 0.5;
	} else {
		for (i = 0; i < l.n; i++) {
			model_score(&model, &l.x[i], &s);
			scores[i] = s.score;
		}
		eval_compute(scores, l.y, l.n, model.fake_threshold, &ef);
		eval_compute(scores, l.y, l.n, model.suspect_threshold, &es);
	}
	if (json) {
		j = json_pack("{s:s,s:I,s:I,s:I,s:o,s:o,s:o}",
		    "model", folds > 0 ? "cross-validation" : model.version,
		    "folds", (json_int_t)folds, "n", (json_int_t)l.n, "fake", (json_int_t)l.pos,
		    "auc", isnan(ef.auc) ? json_null() : json_real(ef.auc),
		    "at_fake_threshold", eval_json(&ef), "at_suspect_threshold", eval_json(&es));
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
	} else {
		if (folds > 0)
			printf("%lu-fold cross-validation, fold i %% %lu; fake threshold is the "
			    "mean of the fold models'\n", folds, folds);
		else
			printf("model %s\n", model.version);
		printf("n %zu (%zu fake, %zu genuine)\n", l.n, l.pos, l.n - l.pos);
		if (isnan(ef.auc))
			printf("ROC AUC n/a (one class only)\n");
		else
			printf("ROC AUC %.4f\n", ef.auc);
		eval_print("fake", &ef);
		eval_print("suspect", &es);
	}
	free(scores);
	free(isfake);
	free(issuspect);
	labelled_free(&l);
	if (l.nbad > 0)
		log_warnx("%zu bad lines skipped", l.nbad);
	return l.nbad > 0 ? 1 : 0;
}
