/* Quality of scores against labels: the confusion matrix at a threshold, and ROC AUC. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "xmalloc.h"

struct pair {
	double	score;
	int8_t	label;
};

static int
by_score(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	return (x->score > y->score) - (x->score < y->score);
}

/*
 * Mann-Whitney: AUC is the chance a random fake outscores a random genuine account, ties
 * counting half; average ranks over runs of equal scores give exactly that.
 */
static double
auc(const double *scores, const int8_t *labels, size_t n)
{
	struct pair *p;
	size_t i, j, pos = 0, neg = 0;
	double ranksum = 0, avg;

	p = xcalloc(n ? n : 1, sizeof(*p));
	for (i = 0; i < n; i++) {
		p[i].score = scores[i];
		p[i].label = labels[i] != 0;
	}
	qsort(p, n, sizeof(*p), by_score);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && p[j].score == p[i].score; j++)
			;
		/* Ranks i+1 .. j share their average. */
		avg = (double)(i + 1 + j) / 2;
		for (; i < j; i++)
			if (p[i].label) {
				ranksum += avg;
				pos++;
			} else
				neg++;
	}
	free(p);
	if (pos == 0 || neg == 0)
		return NAN;
	return (ranksum - (double)pos * (pos + 1) / 2) / ((double)pos * neg);
}

void
eval_compute(const double *scores, const int8_t *labels, size_t n, double threshold,
    struct fg_eval *e)
{
	double tp, fp, tn, fn, d;
	size_t i;

	memset(e, 0, sizeof(*e));
	e->threshold = threshold;
	for (i = 0; i < n; i++) {
		if (scores[i] >= threshold) {
			if (labels[i])
				e->tp++;
			else
				e->fp++;
		} else {
			if (labels[i])
				e->fn++;
			else
				e->tn++;
		}
	}
	tp = e->tp, fp = e->fp, tn = e->tn, fn = e->fn;
	e->accuracy = n > 0 ? (tp + tn) / n : 0;
	e->precision = tp + fp > 0 ? tp / (tp + fp) : 0;
	e->recall = tp + fn > 0 ? tp / (tp + fn) : 0;
	e->f1 = e->precision + e->recall > 0 ?
	    2 * e->precision * e->recall / (e->precision + e->recall) : 0;
	/* Undefined when a row or column of the matrix is empty: 0, no information. */
	d = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
	e->mcc = d > 0 ? (tp * tn - fp * fn) / sqrt(d) : 0;
	e->auc = auc(scores, labels, n);
}
