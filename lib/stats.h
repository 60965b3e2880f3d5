/* Small order statistics shared by the detector and the trainer. */
#ifndef FG_STATS_H
#define FG_STATS_H

#include <stddef.h>

/* qsort comparator for doubles, ascending. */
int	stats_cmp_double(const void *, const void *);
/* Median of v[0..n), n > 0; sorts v. */
double	stats_median(double *v, size_t n);

#endif
