/*
 * followguard train and eval: fitting the scoring model on labelled profiles pooled from
 * several sources (one file each), and measuring a model per file and per subset (the
 * optional "_group" key of each line): of a fixed model, by k-fold cross-validation, or
 * leaving one source out.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "features.h"
#include "jsonl.h"
#include "jsonscan.h"
#include "log.h"
#include "model.h"
#include "profile.h"
#include "strmap.h"
#include "timeutil.h"
#include "xmalloc.h"

#define MAXSRC	32	/* files */
#define MAXGRP	128	/* subsets, over all files */

/*
 * Labelled rows of several files. An id seen twice is kept once; an id labelled both ways
 * is dropped, since neither label can be trusted.
 */
struct labelled {
	struct fg_features	*x;
	int8_t			*y;
	int			*src, *grp;
	double			*w;		/* row weights */
	uint8_t			*drop;		/* label conflict */
	char			**id;
	size_t			 n, cap, pos;
	const char		*srcname[MAXSRC];
	double			 srcweight[MAXSRC];
	int			 nsrc;
	char			*grpname[MAXGRP];
	int			 grpsrc[MAXGRP];
	int			 ngrp;
	size_t			 nbad, dup, conflict;
	struct strmap		 ids;
};

static const char *
base_name(const char *path)
{
	const char *s;

	if (path == NULL || strcmp(path, "-") == 0)
		return "<stdin>";
	return (s = strrchr(path, '/')) != NULL ? s + 1 : path;
}

static int
group_of(struct labelled *l, int src, const char *name)
{
	int g;

	for (g = 0; g < l->ngrp; g++)
		if (l->grpsrc[g] == src && strcmp(l->grpname[g], name) == 0)
			return g;
	if (l->ngrp == MAXGRP)
		return -1;
	l->grpname[l->ngrp] = xstrdup(name);
	l->grpsrc[l->ngrp] = src;
	return l->ngrp++;
}

static void
row_add(struct labelled *l, const struct fg_profile *p, int src, int grp, int64_t now)
{
	size_t old;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->x = xreallocarray(l->x, l->cap, sizeof(*l->x));
		l->y = xreallocarray(l->y, l->cap, sizeof(*l->y));
		l->src = xreallocarray(l->src, l->cap, sizeof(*l->src));
		l->grp = xreallocarray(l->grp, l->cap, sizeof(*l->grp));
		l->drop = xreallocarray(l->drop, l->cap, sizeof(*l->drop));
		l->id = xreallocarray(l->id, l->cap, sizeof(*l->id));
	}
	l->id[l->n] = xstrdup(p->id);
	if (!strmap_add(&l->ids, l->id[l->n], l->n, &old)) {
		free(l->id[l->n]);
		if (l->y[old] != (p->label == FG_LABEL_FAKE)) {
			l->conflict += !l->drop[old];
			l->drop[old] = 1;
		} else
			l->dup++;
		return;
	}
	features_compute(p, now, &l->x[l->n]);
	l->y[l->n] = p->label == FG_LABEL_FAKE;
	l->src[l->n] = src;
	l->grp[l->n] = grp;
	l->drop[l->n] = 0;
	l->n++;
}

/*
 * The line's "_group" (the subset of a labelled file a row belongs to), printable bytes only;
 * -1 if it has none. The line is already known to be a valid object.
 */
static int
line_group(const char *line, size_t len, char *out, size_t outlen)
{
	char *buf = xmalloc(2 * len + 2);
	const char *key, *v;
	size_t klen, vlen, i, n = 0;
	struct jscan js;
	int rc = -1;

	jscan_init(&js, line, len, buf, 2 * len + 2);
	if (jscan_object_begin(&js) == -1)
		goto out;
	while (jscan_object_next(&js, &key, &klen) == 1) {
		if (klen != 6 || memcmp(key, "_group", 6) != 0 ||
		    jscan_peek(&js) != JS_STRING) {
			if (jscan_skip(&js) == -1)
				goto out;
			continue;
		}
		if (jscan_string(&js, &v, &vlen) == -1)
			goto out;
		for (i = 0; i < vlen && n + 1 < outlen; i++)
			if ((unsigned char)v[i] >= 0x20 && v[i] != 0x7f)
				out[n++] = v[i];
		out[n] = '\0';
		rc = n > 0 ? 0 : -1;
		break;
	}
out:
	free(buf);
	return rc;
}

static int
load_file(struct labelled *l, const char *path, int64_t now)
{
	struct jsonl r;
	struct fg_profile p;
	char gname[128];
	FILE *in;
	int src = l->nsrc, grp;

	if (l->nsrc == MAXSRC) {
		log_warnx("%s: more than %d files", path, MAXSRC);
		return -1;
	}
	if ((in = cmd_open_input(path)) == NULL)
		return -1;
	l->srcname[l->nsrc++] = base_name(path);
	jsonl_open(&r, in, path);
	while (jsonl_next(&r, &p)) {
		if (p.label == FG_LABEL_NONE) {
			jsonl_bad(&r, "\"label\": missing (need \"fake\" or \"genuine\")");
			continue;
		}
		if (line_group(r.line, r.len, gname, sizeof(gname)) == -1)
			snprintf(gname, sizeof(gname), "%s", l->srcname[src]);
		if ((grp = group_of(l, src, gname)) == -1) {
			jsonl_bad(&r, "\"_group\": too many subsets");
			continue;
		}
		row_add(l, &p, src, grp, now);
	}
	l->nbad += r.nbad;
	jsonl_close(&r);
	if (in != stdin)
		fclose(in);
	return 0;
}

/* Drops the rows whose id was labelled both ways, then counts the fakes. */
static void
compact(struct labelled *l)
{
	size_t i, k = 0;

	for (i = 0; i < l->n; i++) {
		if (l->drop[i]) {
			free(l->id[i]);
			continue;
		}
		l->x[k] = l->x[i];
		l->y[k] = l->y[i];
		l->src[k] = l->src[i];
		l->grp[k] = l->grp[i];
		l->id[k++] = l->id[i];
	}
	l->n = k;
	l->pos = 0;
	for (i = 0; i < l->n; i++)
		l->pos += l->y[i];
	strmap_free(&l->ids);	/* its keys are the ids: moved */
}

static void
labelled_free(struct labelled *l)
{
	size_t i;
	int g;

	for (i = 0; i < l->n; i++)
		free(l->id[i]);
	for (g = 0; g < l->ngrp; g++)
		free(l->grpname[g]);
	free(l->x);
	free(l->y);
	free(l->src);
	free(l->grp);
	free(l->w);
	free(l->drop);
	free(l->id);
	strmap_free(&l->ids);
}

/* Pending --weight FILE=W options, applied once the files are known. */
struct weights {
	char	*name[MAXSRC];
	double	 w[MAXSRC];
	int	 n;
};

static int
load_all(char **paths, int npaths, const struct weights *ws, int64_t now,
    struct labelled *l)
{
	int i, s, found;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < npaths; i++)
		if (load_file(l, paths[i], now) == -1) {
			labelled_free(l);
			return -1;
		}
	compact(l);
	for (s = 0; s < l->nsrc; s++)
		l->srcweight[s] = 1;
	for (i = 0; i < ws->n; i++) {
		found = 0;
		for (s = 0; s < l->nsrc; s++)
			if (strcmp(ws->name[i], l->srcname[s]) == 0 ||
			    strcmp(ws->name[i], paths[s]) == 0) {
				l->srcweight[s] = ws->w[i];
				found = 1;
			}
		if (!found) {
			log_warnx("--weight: \"%s\" is none of the files given", ws->name[i]);
			labelled_free(l);
			return -1;
		}
	}
	l->w = xcalloc(l->n ? l->n : 1, sizeof(*l->w));
	model_source_weights(l->src, l->y, l->n, l->srcweight, l->nsrc, l->w);
	if (l->dup > 0 || l->conflict > 0)
		log_warnx("%zu ids seen twice kept once; %zu labelled both ways dropped", l->dup,
		    l->conflict);
	return 0;
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
	{ "knots", required_argument, NULL, 'K' },
	{ "weight", required_argument, NULL, 'w' },
	{ "folds", required_argument, NULL, 'k' },
	{ "loso", no_argument, NULL, 'L' },
	{ "model", required_argument, NULL, 'm' },
	{ "json", no_argument, NULL, 'j' },
	{ "now", required_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Parses the fitting options shared by train and eval --folds/--loso. */
static int
train_option(int ch, struct fg_train_opts *o, struct weights *ws)
{
	char *end, *eq;

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
	case 'w':
		eq = strrchr(optarg, '=');
		if (eq == NULL || eq == optarg || ws->n == MAXSRC) {
			log_warnx("--weight: expected FILE=WEIGHT");
			return -1;
		}
		errno = 0;
		ws->w[ws->n] = strtod(eq + 1, &end);
		if (errno != 0 || *end != '\0' || end == eq + 1 || !(ws->w[ws->n] >= 0) ||
		    !isfinite(ws->w[ws->n])) {
			log_warnx("--weight: %s: expected a number >= 0 after '='", optarg);
			return -1;
		}
		*eq = '\0';
		ws->name[ws->n++] = optarg;
		return 0;
	}
	return -1;
}

static void
usage_error(const char *usage)
{
	fprintf(stderr, "usage: followguard %s\n", usage);
}

int
cmd_train(int argc, char **argv)
{
	static const char usage[] = "train [--l2 X] [--knots N] "
	    "[--exclude FEATURE,...|none] [--unconstrained] [--weight FILE=W ...] "
	    "LABELLED.jsonl ... > model.json";
	struct fg_train_opts o;
	struct weights ws = { .n = 0 };
	struct labelled l;
	struct fg_model m;
	json_t *j;
	char excl[300];
	size_t len = 0, pos;
	int ch, i, s;

	model_train_defaults(&o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "l:x:uK:w:h", train_opts, NULL)) != -1) {
		if (ch == 'h') {
			printf("usage: followguard %s\n", usage);
			return 0;
		}
		if (train_option(ch, &o, &ws) == -1) {
			usage_error(usage);
			return 2;
		}
	}
	if (argc - optind < 1) {
		usage_error(usage);
		return 2;
	}
	/* Labelled files carry observed_at; "now" only matters for rows without it. */
	if (load_all(argv + optind, argc - optind, &ws, time_now(), &l) == -1)
		return 2;
	if (l.pos == 0 || l.pos == l.n) {
		log_warnx("need both fake and genuine accounts (%zu fake of %zu)", l.pos, l.n);
		labelled_free(&l);
		return 1;
	}
	model_train(&m, l.x, l.y, l.w, l.n, &o);
	excl[0] = '\0';
	for (i = 0; i < FG_NFEATURES; i++)
		if (o.exclude >> i & 1)
			len += (size_t)snprintf(excl + len, sizeof(excl) - len, "%s%s",
			    len ? "," : "", feature_name(i));
	len = 0;
	for (s = 0; s < l.nsrc; s++) {
		pos = 0;
		for (i = 0; i < (int)l.n; i++)
			pos += l.src[i] == s && l.y[i];
		len += (size_t)snprintf(m.trained_on + len, sizeof(m.trained_on) - len,
		    "%.48s (%zu fake, weight %g); ", l.srcname[s], pos, l.srcweight[s]);
		if (len >= sizeof(m.trained_on))
			len = sizeof(m.trained_on) - 1;
	}
	snprintf(m.trained_on + len, sizeof(m.trained_on) - len,
	    "%zu accounts; l2 %g, %u knots%s; excluded: %s", l.n, o.l2, o.knots,
	    o.unconstrained ? ", unconstrained" : "", excl[0] ? excl : "none");
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

/* What each row got: its score, and the verdicts of the model that scored it. */
struct scored {
	double	*score, *isfake, *issuspect;
	double	 fake_threshold;	/* the model's, or the mean of the fold models' */
	int	 nmodels;
};

static void
score_rows(const struct fg_model *m, const struct labelled *l, const uint8_t *which,
    struct scored *sc)
{
	struct fg_score s;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (which != NULL && !which[i])
			continue;
		model_score(m, &l->x[i], &s);
		sc->score[i] = s.score;
		sc->isfake[i] = s.verdict == FG_FAKE;
		sc->issuspect[i] = s.verdict != FG_GENUINE;
	}
	sc->fake_threshold += m->fake_threshold;
	sc->nmodels++;
}

/*
 * Trains on the rows not in `test` and scores those in it. -1 when the training rows lack
 * a class.
 */
static int
train_and_score(const struct labelled *l, const uint8_t *test, const struct fg_train_opts *o,
    struct scored *sc)
{
	struct fg_features *tx = xcalloc(l->n ? l->n : 1, sizeof(*tx));
	int8_t *ty = xcalloc(l->n ? l->n : 1, sizeof(*ty));
	double *tw = xcalloc(l->n ? l->n : 1, sizeof(*tw));
	struct fg_model m;
	size_t i, tn = 0, tpos = 0;
	int rc = -1;

	for (i = 0; i < l->n; i++)
		if (!test[i]) {
			tx[tn] = l->x[i];
			tw[tn] = l->w[i];
			tpos += (size_t)(ty[tn++] = l->y[i]);
		}
	if (tpos > 0 && tpos < tn) {
		model_train(&m, tx, ty, tw, tn, o);
		score_rows(&m, l, test, sc);
		rc = 0;
	}
	free(tx);
	free(ty);
	free(tw);
	return rc;
}

/* One line of the report: the rows of a file, of a subset, or all. */
struct set {
	const char	*file, *group;	/* group NULL: the whole file; file NULL: all */
	size_t		 n, fake;
	struct fg_eval	 at_fake, at_suspect;
	double		 auc;
};

static void
set_measure(const struct labelled *l, const struct scored *sc, int src, int grp,
    struct set *st)
{
	double *s = xcalloc(l->n ? l->n : 1, sizeof(*s));
	double *f = xcalloc(l->n ? l->n : 1, sizeof(*f));
	double *u = xcalloc(l->n ? l->n : 1, sizeof(*u));
	int8_t *y = xcalloc(l->n ? l->n : 1, sizeof(*y));
	struct fg_eval ea;
	size_t i, k = 0;

	for (i = 0; i < l->n; i++) {
		if ((src >= 0 && l->src[i] != src) || (grp >= 0 && l->grp[i] != grp) ||
		    isnan(sc->score[i]))
			continue;
		s[k] = sc->score[i];
		f[k] = sc->isfake[i];
		u[k] = sc->issuspect[i];
		y[k++] = l->y[i];
	}
	st->n = k;
	st->fake = 0;
	for (i = 0; i < k; i++)
		st->fake += (size_t)y[i];
	/* The matrices are of the verdicts (the fold models' thresholds differ). */
	eval_compute(s, y, k, 0.5, &ea);
	eval_compute(f, y, k, 0.5, &st->at_fake);
	eval_compute(u, y, k, 0.5, &st->at_suspect);
	st->auc = ea.auc;
	free(s);
	free(f);
	free(u);
	free(y);
}

static double
rate(size_t a, size_t b)
{
	return a + b > 0 ? (double)a / (double)(a + b) : NAN;
}

static json_t *
num_or_null(double x)
{
	return isnan(x) ? json_null() : json_real(x);
}

static json_t *
eval_json(const struct fg_eval *e, double threshold)
{
	return json_pack("{s:f,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:o,s:f,s:f}",
	    "threshold", threshold, "tp", (json_int_t)e->tp, "fp", (json_int_t)e->fp,
	    "tn", (json_int_t)e->tn, "fn", (json_int_t)e->fn, "accuracy", e->accuracy,
	    "precision", e->precision, "recall", e->recall,
	    "false_positive_rate", num_or_null(rate(e->fp, e->tn)), "f1", e->f1, "mcc", e->mcc);
}

static json_t *
set_json(const struct set *st, double fake_t, double suspect_t)
{
	return json_pack("{s:o,s:o,s:I,s:I,s:o,s:o,s:o}",
	    "file", st->file ? json_string(st->file) : json_null(),
	    "group", st->group ? json_string(st->group) : json_null(),
	    "n", (json_int_t)st->n, "fake", (json_int_t)st->fake, "auc", num_or_null(st->auc),
	    "at_fake_threshold", eval_json(&st->at_fake, fake_t),
	    "at_suspect_threshold", eval_json(&st->at_suspect, suspect_t));
}

static void
fmt(char *buf, size_t len, double x)
{
	if (isnan(x))
		snprintf(buf, len, "%6s", "-");
	else
		snprintf(buf, len, "%6.3f", x);
}

static void
set_print(const struct set *st)
{
	const struct fg_eval *f = &st->at_fake, *u = &st->at_suspect;
	char name[64], a[16], p[16], r[16], fp[16], m[16], r2[16], fp2[16];
	int two = st->fake > 0 && st->fake < st->n;

	snprintf(name, sizeof(name), "%s%.*s", st->group ? "  " : "", st->group ? 38 : 40,
	    st->group ? st->group : st->file ? st->file : "all");
	fmt(a, sizeof(a), st->auc);
	fmt(p, sizeof(p), f->tp + f->fp > 0 ? f->precision : NAN);
	fmt(r, sizeof(r), st->fake > 0 ? f->recall : NAN);
	fmt(fp, sizeof(fp), rate(f->fp, f->tn));
	fmt(m, sizeof(m), two ? f->mcc : NAN);
	fmt(r2, sizeof(r2), st->fake > 0 ? u->recall : NAN);
	fmt(fp2, sizeof(fp2), rate(u->fp, u->tn));
	printf("%-40s %6zu %6zu %s  %s %s %s %s  %s %s\n", name, st->n, st->fake, a, p, r, fp,
	    m, r2, fp2);
}

int
cmd_eval(int argc, char **argv)
{
	static const char usage[] = "eval [--model FILE] [--json] [--now RFC3339] "
	    "[--folds K | --loso] [--l2 X] [--knots N] [--exclude F,...] [--unconstrained] "
	    "[--weight FILE=W ...] LABELLED.jsonl ...";
	struct fg_train_opts o;
	struct weights ws = { .n = 0 };
	struct fg_model model;
	struct labelled l;
	struct scored sc;
	struct set *sets;
	const char *model_path = NULL;
	uint8_t *test;
	int64_t now;
	char err[256], *end, mode[96];
	unsigned long folds = 0;
	int ch, json = 0, loso = 0, s, g, nsets = 0, ok = 1;
	size_t i;
	double fake_t, suspect_t;
	json_t *j, *arr;

	model_train_defaults(&o);
	now = time_now();
	optind = 1;
	while ((ch = getopt_long(argc, argv, "m:jn:k:l:x:uK:w:Lh", train_opts, NULL)) != -1) {
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
		case 'L':
			loso = 1;
			break;
		case 'h':
			printf("usage: followguard %s\n", usage);
			return 0;
		default:
			if (train_option(ch, &o, &ws) == 0)
				break;
			usage_error(usage);
			return 2;
		}
	}
	if (argc - optind < 1 || (folds > 0 && loso) ||
	    (model_path != NULL && (folds > 0 || loso))) {
		usage_error(usage);
		return 2;
	}
	if (loso && argc - optind < 2) {
		log_warnx("--loso: needs at least two files (each one is left out in turn)");
		return 2;
	}
	if (folds == 0 && !loso && model_load(&model, model_path, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return 2;
	}
	if (load_all(argv + optind, argc - optind, &ws, now, &l) == -1)
		return 2;
	if (folds > 0 && (l.pos < folds || l.n - l.pos < folds)) {
		log_warnx("too few accounts of each class for %lu folds", folds);
		labelled_free(&l);
		return 1;
	}
	memset(&sc, 0, sizeof(sc));
	sc.score = xcalloc(l.n ? l.n : 1, sizeof(double));
	sc.isfake = xcalloc(l.n ? l.n : 1, sizeof(double));
	sc.issuspect = xcalloc(l.n ? l.n : 1, sizeof(double));
	test = xcalloc(l.n ? l.n : 1, 1);
	for (i = 0; i < l.n; i++)
		sc.score[i] = NAN;	/* not scored: left out of every set */
	if (folds > 0) {
		/* Fold i % k: each scored by a model trained, thresholds too, on the others. */
		for (s = 0; s < (int)folds; s++) {
			for (i = 0; i < l.n; i++)
				test[i] = i % folds == (unsigned long)s;
			train_and_score(&l, test, &o, &sc);
		}
		snprintf(mode, sizeof(mode), "%lu-fold cross-validation (fold: row %% %lu)",
		    folds, folds);
	} else if (loso) {
		for (s = 0; s < l.nsrc; s++) {
			for (i = 0; i < l.n; i++)
				test[i] = l.src[i] == s;
			if (train_and_score(&l, test, &o, &sc) == -1) {
				log_warnx("%s: the other files lack fake or genuine accounts; "
				    "not scored", l.srcname[s]);
				ok = 0;
			}
		}
		snprintf(mode, sizeof(mode), "leave one source out (each file scored by a "
		    "model trained on the others)");
	} else {
		score_rows(&model, &l, NULL, &sc);
		snprintf(mode, sizeof(mode), "model %s", model.version);
	}
	fake_t = sc.nmodels > 0 ? sc.fake_threshold / sc.nmodels : NAN;
	suspect_t = folds > 0 || loso ? 0.5 : model.suspect_threshold;

	/* All rows, then each file, then its subsets when it has more than its own name. */
	sets = xcalloc(1 + (size_t)l.nsrc + (size_t)l.ngrp, sizeof(*sets));
	set_measure(&l, &sc, -1, -1, &sets[nsets++]);
	for (s = 0; s < l.nsrc; s++) {
		sets[nsets].file = l.srcname[s];
		set_measure(&l, &sc, s, -1, &sets[nsets++]);
		for (g = 0; g < l.ngrp; g++) {
			if (l.grpsrc[g] != s || strcmp(l.grpname[g], l.srcname[s]) == 0)
				continue;
			sets[nsets].file = l.srcname[s];
			sets[nsets].group = l.grpname[g];
			set_measure(&l, &sc, s, g, &sets[nsets++]);
		}
	}
	if (json) {
		arr = json_array();
		for (i = 0; i < (size_t)nsets; i++)
			json_array_append_new(arr, set_json(&sets[i], fake_t, suspect_t));
		/* The whole set's figures also at the top, as before subsets existed. */
		j = json_pack("{s:s,s:I,s:I,s:I,s:o,s:o,s:o,s:o}", "model", mode,
		    "folds", (json_int_t)folds, "n", (json_int_t)sets[0].n,
		    "fake", (json_int_t)sets[0].fake, "auc", num_or_null(sets[0].auc),
		    "at_fake_threshold", eval_json(&sets[0].at_fake, fake_t),
		    "at_suspect_threshold", eval_json(&sets[0].at_suspect, suspect_t),
		    "sets", arr);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
	} else {
		printf("%s\n", mode);
		printf("fake threshold %.4f%s, suspect threshold %.4f\n", fake_t,
		    sc.nmodels > 1 ? " (mean of the models')" : "", suspect_t);
		printf("%-40s %6s %6s %6s  %6s %6s %6s %6s  %6s %6s\n", "", "n", "fake",
		    "AUC", "prec", "recall", "FPR", "MCC", "recall", "FPR");
		printf("%-40s %27s%-27s  %-13s\n", "", "", "at the fake threshold",
		    "at suspect");
		for (i = 0; i < (size_t)nsets; i++)
			set_print(&sets[i]);
	}
	free(sets);
	free(sc.score);
	free(sc.isfake);
	free(sc.issuspect);
	free(test);
	labelled_free(&l);
	if (l.nbad > 0)
		log_warnx("%zu bad lines skipped", l.nbad);
	return l.nbad > 0 || !ok ? 1 : 0;
}
