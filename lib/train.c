/*
 * Fitting the scoring model: L2-regularized logistic regression on standardized features,
 * with sign constraints, by projected Newton steps; thresholds from cross-validation.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "stats.h"
#include "xmalloc.h"

/*
 * The direction each feature may push a score. A fitted weight only says what separated one
 * data set; a constraint says what we believe about fake accounts in general, so that a
 * quirk of the training data (fakes there almost never have the default avatar) cannot
 * teach the model that a default avatar is a sign of a real person.
 *   +1: may only push towards fake (weight >= 0)
 *   -1: may only push towards genuine (weight <= 0)
 *    0: free
 */
static const int feature_sign[FG_NFEATURES] = {
	[F_DEFAULT_AVATAR] = +1,	/* nobody bought keeps the default on purpose */
	[F_EMPTY_BIO] = +1,
	[F_NO_DISPLAY_NAME] = +1,
	[F_ACCOUNT_AGE] = -1,		/* age is earned; but see the default exclusions */
	[F_POSTS] = -1,			/* people talk; bought accounts mostly do not */
	[F_POSTS_PER_DAY] = -1,
	[F_FOLLOWERS] = -1,		/* nobody follows a fake back */
	[F_FOLLOWING] = +1,		/* fakes exist to follow */
	[F_FOLLOWING_RATIO] = +1,
	[F_FOLLOWING_RATIO2] = +1,
	[F_LIKES] = -1,
	[F_LISTED] = -1,		/* someone put this account in a list */
	[F_DAYS_SINCE_POST] = +1,	/* dormant */
	[F_NO_URL] = +1,
	[F_NO_LOCATION] = +1,
	[F_HANDLE_DIGITS] = +1,		/* generated names: "maria83412" */
	[F_HANDLE_LENGTH] = 0,
	[F_HANDLE_ENTROPY] = 0,
	[F_BOT] = +1,
	[F_FOLLOWING_PER_POST] = +1,	/* bought accounts follow; people also talk */
};

/*
 * Features left out of the shipped model by default, because what they say on the
 * training data (Cresci et al. 2015) does not carry over to other vendors and platforms:
 * - account_age: the 2013 fakes were created months before the crawl, while vendors now
 *   sell aged accounts, and on young platforms (Bluesky) every real person is young too;
 *   posts_per_day keeps what is general about age (an old account that never posts).
 * - handle_length, handle_entropy, handle_digits: they separate Italian volunteers from
 *   three vendors' name generators, not people from fakes in general.
 */
#define DEFAULT_EXCLUDE	((1u << F_ACCOUNT_AGE) | (1u << F_HANDLE_LENGTH) | \
			 (1u << F_HANDLE_ENTROPY) | (1u << F_HANDLE_DIGITS))
#define DEFAULT_L2		1.0
#define DEFAULT_ITERATIONS	100
#define DEFAULT_FOLDS		5

/*
 * The fake threshold is the balanced operating point: the score with the highest
 * cross-validated MCC (each source class-balanced), never below the suspect threshold.
 * Removal does not rest on it: purge plans have their own minimum score and cohort evidence.
 */
#define FAKE_MIN		0.5
#define FAKE_NONE		0.99	/* when cross-validation is not possible */
#define SUSPECT_THRESHOLD	0.5

#define DEFAULT_KNOTS		3

/* Columns of the design matrix: one per segment of each fitted feature. */
#define MAXCOLS	(FG_NFEATURES * (FG_MAXKNOTS + 1))

struct design {
	size_t		 n;
	int		 ncols;
	double		*Z;			/* n x ncols, standardized; unknown: 0 */
	int		 feat[MAXCOLS];
	int		 seg[MAXCOLS];
	int		 sign[MAXCOLS];
};

void
model_train_defaults(struct fg_train_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->l2 = DEFAULT_L2;
	o->iterations = DEFAULT_ITERATIONS;
	o->exclude = DEFAULT_EXCLUDE;
	o->folds = DEFAULT_FOLDS;
	o->knots = DEFAULT_KNOTS;
}

int
model_feature_sign(enum fg_feature f)
{
	if ((unsigned)f >= FG_NFEATURES)
		return 0;
	return feature_sign[f];
}

/* log(1 + exp(z)) without overflow. */
static inline double
softplus(double z)
{
	return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/*
 * The penalty: each feature's first slope is shrunk towards 0 and every later slope towards
 * the one before it, so that where data is thin a term keeps its trend instead of flattening
 * (a piecewise term extrapolates like its neighbour, a linear term is plain ridge).
 */
static inline double
penalty_diff(const struct design *d, const double *w, int c)
{
	return d->seg[c] == 0 ? w[c] : w[c] - w[c - 1];
}

static double
objective(const struct design *d, const int8_t *y, const double *wt, const double *w,
    double l2)
{
	double loss = 0, z, dif;
	const double *zi;
	size_t i;
	int c, P = d->ncols;

	for (i = 0; i < d->n; i++) {
		zi = d->Z + i * P;
		z = w[P];
		for (c = 0; c < P; c++)
			z += w[c] * zi[c];
		/* -log p(y|z) for y in {0,1}, weighted */
		loss += (wt != NULL ? wt[i] : 1) * (softplus(z) - (y[i] ? z : 0));
	}
	for (c = 0; c < P; c++) {
		dif = penalty_diff(d, w, c);
		loss += 0.5 * l2 * dif * dif;
	}
	return loss;
}

/* Solves A x = b in place for the k x k symmetric positive definite A. -1 if not SPD. */
static int
cholesky_solve(double *A, double *b, int k)
{
	int i, j, l;
	double s;

	for (j = 0; j < k; j++) {
		s = A[j * k + j];
		for (l = 0; l < j; l++)
			s -= A[j * k + l] * A[j * k + l];
		if (s <= 0)
			return -1;
		A[j * k + j] = sqrt(s);
		for (i = j + 1; i < k; i++) {
			s = A[i * k + j];
			for (l = 0; l < j; l++)
				s -= A[i * k + l] * A[j * k + l];
			A[i * k + j] = s / A[j * k + j];
		}
	}
	for (i = 0; i < k; i++) {
		s = b[i];
		for (l = 0; l < i; l++)
			s -= A[i * k + l] * b[l];
		b[i] = s / A[i * k + i];
	}
	for (i = k - 1; i >= 0; i--) {
		s = b[i];
		for (l = i + 1; l < k; l++)
			s -= A[l * k + i] * b[l];
		b[i] = s / A[i * k + i];
	}
	return 0;
}

static inline double
project(double w, int sign)
{
	if (sign > 0 && w < 0)
		return 0;
	if (sign < 0 && w > 0)
		return 0;
	return w;
}

/*
 * Projected Newton (Bertsekas): a parameter held at its bound by a gradient pointing out of
 * the feasible set is fixed for the step; the others take a Newton step, projected, with
 * backtracking until the objective decreases enough. w has ncols + 1 entries, the bias last.
 */
static void
fit(const struct design *d, const int8_t *y, const double *wt, double l2, unsigned iterations,
    double *w)
{
	int P = d->ncols, NP = P + 1, k, a, b, j, ok, nz, r1, c1;
	double *g, *H, *A, *dir, *wn, p, r, h, z, loss, nloss = 0, t, dec, step, dif, pos = 0,
	    tot = 0, wi;
	int *freev, *nzc;
	const double *zi;
	size_t i;
	unsigned it;

	g = xcalloc(NP, sizeof(*g));
	H = xcalloc((size_t)NP * NP, sizeof(*H));
	A = xcalloc((size_t)NP * NP, sizeof(*A));
	dir = xcalloc(NP, sizeof(*dir));
	wn = xcalloc(NP, sizeof(*wn));
	freev = xcalloc(NP, sizeof(*freev));
	nzc = xcalloc(NP, sizeof(*nzc));
	for (i = 0; i < d->n; i++) {
		wi = wt != NULL ? wt[i] : 1;
		pos += y[i] != 0 ? wi : 0;
		tot += wi;
	}
	memset(w, 0, NP * sizeof(*w));
	/* Start from the base rate; smoothed so that one class alone stays finite. */
	w[P] = log((pos + 0.5) / (tot - pos + 0.5));
	loss = objective(d, y, wt, w, l2);
	for (it = 0; it < iterations; it++) {
		memset(g, 0, NP * sizeof(*g));
		memset(H, 0, (size_t)NP * NP * sizeof(*H));
		for (i = 0; i < d->n; i++) {
			zi = d->Z + i * P;
			z = w[P];
			nz = 0;
			for (j = 0; j < P; j++)
				if (zi[j] != 0) {
					z += w[j] * zi[j];
					nzc[nz++] = j;
				}
			wi = wt != NULL ? wt[i] : 1;
			p = 1 / (1 + exp(-z));
			r = wi * (p - (y[i] ? 1 : 0));
			h = wi * p * (1 - p);
			/* Lower triangle only; most entries are zero (unknown or clamped). */
			for (a = 0; a < nz; a++) {
				j = nzc[a];
				g[j] += r * zi[j];
				for (b = 0; b <= a; b++)
					H[j * NP + nzc[b]] += h * zi[j] * zi[nzc[b]];
				H[P * NP + j] += h * zi[j];
			}
			g[P] += r;
			H[P * NP + P] += h;
		}
		for (j = 0; j < P; j++) {
			dif = penalty_diff(d, w, j);
			g[j] += l2 * dif;
			H[j * NP + j] += l2;
			if (d->seg[j] > 0) {	/* (w_j - w_j-1)^2 couples the two */
				g[j - 1] -= l2 * dif;
				H[(j - 1) * NP + j - 1] += l2;
				H[j * NP + j - 1] -= l2;
			}
		}
		/* The free parameters of this step. */
		k = 0;
		for (j = 0; j < NP; j++) {
			if (j < P && d->sign[j] != 0 && w[j] == 0 && d->sign[j] * g[j] > 0)
				continue;
			freev[k++] = j;
		}
		for (a = 0; a < k; a++) {
			for (b = 0; b < k; b++) {
				r1 = freev[a] > freev[b] ? freev[a] : freev[b];
				c1 = freev[a] > freev[b] ? freev[b] : freev[a];
				A[a * k + b] = H[r1 * NP + c1];
			}
			dir[a] = -g[freev[a]];
		}
		if (cholesky_solve(A, dir, k) == -1)
			break;
		ok = 0;
		for (t = 1; t > 1e-10; t /= 2) {
			memcpy(wn, w, NP * sizeof(*w));
			for (a = 0; a < k; a++) {
				j = freev[a];
				wn[j] = w[j] + t * dir[a];
				if (j < P)
					wn[j] = project(wn[j], d->sign[j]);
			}
			dec = 0;
			for (j = 0; j < NP; j++)
				dec += g[j] * (wn[j] - w[j]);
			nloss = objective(d, y, wt, wn, l2);
			if (nloss <= loss + 1e-4 * dec) {
				ok = 1;
				break;
			}
		}
		if (!ok)
			break;
		step = 0;
		for (j = 0; j < NP; j++)
			if (fabs(wn[j] - w[j]) > step)
				step = fabs(wn[j] - w[j]);
		memcpy(w, wn, NP * sizeof(*w));
		loss = nloss;
		if (step < 1e-10)
			break;
	}
	free(g);
	free(H);
	free(A);
	free(dir);
	free(wn);
	free(freev);
	free(nzc);
}

/* Segment s of a feature with knots k[0..n-1]: x clamped to [k[s-1], k[s]]. */
static inline double
ramp(const double *k, unsigned n, unsigned s, double x)
{
	if (s > 0 && x < k[s - 1])
		x = k[s - 1];
	if (s < n && x > k[s])
		x = k[s];
	return x;
}

/*
 * Knots at the quantiles of the known values, so that each segment holds data; repeated
 * values (counts of 0) and knots at the extremes, which would bound empty segments, go.
 */
static unsigned
place_knots(const double *v, size_t cnt, unsigned want, double *k)
{
	double *s, q;
	unsigned j, n = 0;

	if (cnt < 4 * (size_t)(want + 1))
		return 0;
	s = xcalloc(cnt, sizeof(*s));
	memcpy(s, v, cnt * sizeof(*s));
	qsort(s, cnt, sizeof(*s), stats_cmp_double);
	for (j = 1; j <= want; j++) {
		q = s[(cnt - 1) * j / (want + 1)];
		if (q <= s[0] || q >= s[cnt - 1] || (n > 0 && q <= k[n - 1]))
			continue;
		k[n++] = q;
	}
	free(s);
	return n;
}

/* Standardizes X into the design matrix; sets m's means, scales and knots. */
static void
build_design(struct fg_model *m, const struct fg_features *X, size_t n,
    const struct fg_train_opts *o, struct design *d)
{
	double *vals, s, ss, dev, base;
	size_t i, cnt;
	unsigned knots = o->knots > FG_MAXKNOTS ? FG_MAXKNOTS : o->knots, sgm;
	int j, c, P;

	memset(d, 0, sizeof(*d));
	d->n = n;
	vals = xcalloc(n ? n : 1, sizeof(*vals));
	for (j = 0; j < FG_NFEATURES; j++) {
		s = 0;
		cnt = 0;
		for (i = 0; i < n; i++)
			if (FEATURE_KNOWN(&X[i], j)) {
				vals[cnt++] = X[i].x[j];
				s += X[i].x[j];
			}
		m->mean[j] = cnt > 0 ? s / cnt : 0;
		ss = 0;
		for (i = 0; i < cnt; i++) {
			dev = vals[i] - m->mean[j];
			ss += dev * dev;
		}
		m->scale[j] = cnt > 1 ? sqrt(ss / cnt) : 0;
		/* Constant or never known: nothing to learn, and no division by zero later. */
		if ((o->exclude >> j & 1) || m->scale[j] < 1e-9) {
			if (m->scale[j] < 1e-9)
				m->scale[j] = 1;
			continue;
		}
		m->nknots[j] = feature_is_flag(j) || knots == 0 ? 0 :
		    place_knots(vals, cnt, knots, m->knots[j]);
		for (sgm = 0; sgm <= m->nknots[j]; sgm++) {
			d->feat[d->ncols] = j;
			d->seg[d->ncols] = (int)sgm;
			d->sign[d->ncols] = o->unconstrained ? 0 : feature_sign[j];
			d->ncols++;
		}
	}
	free(vals);
	P = d->ncols;
	d->Z = xcalloc(n * (size_t)(P ? P : 1), sizeof(*d->Z));
	for (c = 0; c < P; c++) {
		j = d->feat[c];
		sgm = (unsigned)d->seg[c];
		base = ramp(m->knots[j], m->nknots[j], sgm, m->mean[j]);
		for (i = 0; i < n; i++)
			if (FEATURE_KNOWN(&X[i], j))
				d->Z[i * P + c] = (ramp(m->knots[j], m->nknots[j], sgm,
				    X[i].x[j]) - base) / m->scale[j];
	}
}

static void
fit_model(struct fg_model *m, const struct fg_features *X, const int8_t *y, const double *wt,
    size_t n, const struct fg_train_opts *o)
{
	struct design d;
	double *w;
	int c, j;

	build_design(m, X, n, o, &d);
	w = xcalloc((size_t)d.ncols + 1, sizeof(*w));
	fit(&d, y, wt, o->l2, o->iterations ? o->iterations : DEFAULT_ITERATIONS, w);
	for (c = 0; c < d.ncols; c++) {
		j = d.feat[c];
		if (d.seg[c] == 0)
			m->weight[j] = w[c];
		else
			m->slopes[j][d.seg[c] - 1] = w[c];
	}
	m->bias = w[d.ncols];
	free(w);
	free(d.Z);
}

void
model_crossval(const struct fg_features *X, const int8_t *y, const double *wt, size_t n,
    const struct fg_train_opts *o, unsigned k, double *scores)
{
	struct fg_features *tx;
	struct fg_model m;
	struct fg_score s;
	double *tw = NULL;
	int8_t *ty;
	size_t i, tn;
	unsigned fold;

	if (k < 2)
		k = 2;
	tx = xcalloc(n, sizeof(*tx));
	ty = xcalloc(n, sizeof(*ty));
	if (wt != NULL)
		tw = xcalloc(n, sizeof(*tw));
	for (fold = 0; fold < k; fold++) {
		tn = 0;
		for (i = 0; i < n; i++)
			if (i % k != fold) {
				tx[tn] = X[i];
				if (tw != NULL)
					tw[tn] = wt[i];
				ty[tn++] = y[i];
			}
		memset(&m, 0, sizeof(m));
		fit_model(&m, tx, ty, tw, tn, o);
		m.fake_threshold = 1;
		m.suspect_threshold = SUSPECT_THRESHOLD;
		for (i = fold; i < n; i += k) {
			model_score(&m, &X[i], &s);
			scores[i] = s.score;
		}
	}
	free(tx);
	free(ty);
	free(tw);
}

struct ranked {
	double	score;
	double	w;
	int8_t	y;
};

static int
by_score_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	return (x->score < y->score) - (x->score > y->score);
}

/* The score s at which {score >= s} has the highest MCC, rows counted by their weights. */
static double
mcc_threshold(const double *scores, const int8_t *y, const double *wt, size_t n)
{
	struct ranked *r = xcalloc(n ? n : 1, sizeof(*r));
	double best = -1, bestm = -2, tp = 0, fp = 0, P = 0, N = 0, fn, tn, d, mcc;
	size_t i;

	for (i = 0; i < n; i++) {
		r[i].score = scores[i];
		r[i].w = wt != NULL ? wt[i] : 1;
		r[i].y = y[i];
		if (y[i])
			P += r[i].w;
		else
			N += r[i].w;
	}
	qsort(r, n, sizeof(*r), by_score_desc);
	for (i = 0; i < n; i++) {
		if (r[i].y)
			tp += r[i].w;
		else
			fp += r[i].w;
		if (i + 1 < n && r[i + 1].score == r[i].score)
			continue;
		fn = P - tp;
		tn = N - fp;
		d = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
		mcc = d > 0 ? (tp * tn - fp * fn) / sqrt(d) : 0;
		if (mcc > bestm + 1e-12) {
			bestm = mcc;
			best = r[i].score;
		}
	}
	free(r);
	return best;
}

static uint32_t
fnv1a32(uint32_t h, const void *p, size_t len)
{
	const unsigned char *s = p;

	while (len-- > 0) {
		h ^= *s++;
		h *= 16777619u;
	}
	return h;
}

void
model_train(struct fg_model *m, const struct fg_features *X, const int8_t *y,
    const double *wt, size_t n, const struct fg_train_opts *opts)
{
	struct fg_train_opts o, inner;
	double *cv, t;
	char buf[64];
	uint32_t h = 2166136261u;
	unsigned k;
	int j, len;

	if (opts == NULL)
		model_train_defaults(&o);
	else
		o = *opts;
	memset(m, 0, sizeof(*m));
	fit_model(m, X, y, wt, n, &o);
	m->suspect_threshold = SUSPECT_THRESHOLD;
	m->fake_threshold = FAKE_NONE;
	if (o.folds >= 2 && n >= 2 * o.folds) {
		inner = o;
		inner.folds = 0;
		cv = xcalloc(n, sizeof(*cv));
		model_crossval(X, y, wt, n, &inner, o.folds, cv);
		t = mcc_threshold(cv, y, wt, n);
		free(cv);
		if (t >= 0)
			m->fake_threshold = t < FAKE_MIN ? FAKE_MIN : t;
	}
	/* The version names the weights: equal models, equal versions, on every machine. */
	for (j = 0; j < FG_NFEATURES; j++) {
		len = snprintf(buf, sizeof(buf), "%.17g %.17g %.17g;", m->mean[j], m->scale[j],
		    m->weight[j]);
		h = fnv1a32(h, buf, (size_t)len);
		for (k = 0; k < m->nknots[j]; k++) {
			len = snprintf(buf, sizeof(buf), "%.17g %.17g;", m->knots[j][k],
			    m->slopes[j][k]);
			h = fnv1a32(h, buf, (size_t)len);
		}
	}
	len = snprintf(buf, sizeof(buf), "%.17g %.17g", m->bias, m->fake_threshold);
	h = fnv1a32(h, buf, (size_t)len);
	snprintf(m->version, sizeof(m->version), "lr-%08x", h);
	m->id = fnv1a32(2166136261u, m->version, strlen(m->version));
}

void
model_source_weights(const int *src, const int8_t *y, size_t n, const double *source_weight,
    int nsources, double *wt)
{
	size_t *cnt = xcalloc(2 * (size_t)(nsources > 0 ? nsources : 1), sizeof(*cnt));
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		cnt[2 * src[i] + (y[i] != 0)]++;
	for (i = 0; i < n; i++) {
		wt[i] = source_weight[src[i]] / (double)cnt[2 * src[i] + (y[i] != 0)];
		sum += wt[i];
	}
	for (i = 0; i < n && sum > 0; i++)
		wt[i] *= (double)n / sum;
	free(cnt);
}
