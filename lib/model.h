/*
 * The scoring model: logistic regression over standardized features, weights in a small JSON
 * file. An unknown feature contributes nothing (it is read as the training mean).
 */
#ifndef FG_MODEL_H
#define FG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "features.h"

#define FG_MAXKNOTS	4

enum fg_verdict { FG_GENUINE = 0, FG_SUSPECT = 1, FG_FAKE = 2 };

struct fg_model {
	char		version[64];
	char		trained_on[512];	/* provenance, free text; may be empty */
	uint32_t	id;		/* hash of version, stored beside each score */
	double		bias;
	double		mean[FG_NFEATURES];
	double		scale[FG_NFEATURES];	/* standard deviation; > 0 */
	double		weight[FG_NFEATURES];	/* per standardized unit */
	/*
	 * Optional shape: with nknots[i] > 0 a feature's contribution is piecewise linear,
	 * slope weight[i] below knots[i][0] and slopes[i][k] from knots[i][k] on, so that
	 * it is f(x) - f(mean) for a continuous f. nknots 0 is the plain linear term.
	 */
	unsigned	nknots[FG_NFEATURES];
	double		knots[FG_NFEATURES][FG_MAXKNOTS];
	double		slopes[FG_NFEATURES][FG_MAXKNOTS];
	double		fake_threshold;		/* score >= this: fake */
	double		suspect_threshold;	/* score >= this: suspect */
};

struct fg_score {
	double		score;			/* [0,1], higher is more likely fake */
	enum fg_verdict	verdict;
	double		contrib[FG_NFEATURES];	/* log-odds contribution of each feature */
};

/*
 * Loads path, or with path NULL the installed model (FG_MODEL_DEFAULT), falling back to the
 * copy compiled into the binary. -1 with a message in err.
 */
int		 model_load(struct fg_model *, const char *path, char *err, size_t errlen);
int		 model_from_json(struct fg_model *, const json_t *, char *err, size_t errlen);
json_t		*model_to_json(const struct fg_model *);
void		 model_score(const struct fg_model *, const struct fg_features *, struct fg_score *);
/* Features that pushed the score up, strongest first; returns how many (<= max). */
size_t		 model_reasons(const struct fg_score *, enum fg_feature *out, size_t max);
const char	*verdict_name(enum fg_verdict);

struct fg_train_opts {
	double		l2;		/* ridge penalty on standardized weights */
	unsigned	iterations;	/* Newton steps at most; 0: the default */
	uint32_t	exclude;	/* bit i set: feature i gets weight 0 */
	int		unconstrained;	/* 1: ignore the sign constraints */
	unsigned	folds;		/* cross-validation folds for the fake threshold; 0/1: none */
	unsigned	knots;		/* knots per count-like feature, <= FG_MAXKNOTS; 0: linear */
};

/* The shipped model's settings: l2, iterations, exclusions, folds, knots. */
void		 model_train_defaults(struct fg_train_opts *);
/* Sign a feature's weight may take: +1 only towards fake, -1 only towards genuine, 0 free. */
int		 model_feature_sign(enum fg_feature);

/*
 * Fits m on n labelled rows (y: 1 fake, 0 genuine), row i weighing wt[i] (wt NULL: all 1);
 * deterministic. Thresholds are set too. opts NULL: model_train_defaults. The version is
 * derived from the fitted weights.
 */
void		 model_train(struct fg_model *m, const struct fg_features *X, const int8_t *y,
		    const double *wt, size_t n, const struct fg_train_opts *);
/* Out-of-fold scores of k-fold cross-validation (row i in fold i % k) into scores[n]. */
void		 model_crossval(const struct fg_features *X, const int8_t *y, const double *wt,
		    size_t n, const struct fg_train_opts *, unsigned k, double *scores);
/*
 * Row weights for data pooled from several sources: every (source, label) group weighs
 * source_weight[src[i]] in all, so each source is class-balanced and no source counts by
 * its size alone. Normalized to a mean of 1.
 */
void		 model_source_weights(const int *src, const int8_t *y, size_t n,
		    const double *source_weight, int nsources, double *wt);

struct fg_eval {
	size_t		tp, fp, tn, fn;
	double		threshold;
	double		accuracy, precision, recall, f1, mcc;	/* 0 where undefined */
	double		auc;		/* NaN when one class is absent */
};

/* Metrics of scores against labels at a threshold (score >= threshold is predicted fake). */
void		 eval_compute(const double *scores, const int8_t *labels, size_t n,
		    double threshold, struct fg_eval *);

#endif
