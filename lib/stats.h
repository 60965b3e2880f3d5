/* Small order statistics shared by the detector, the planner and the trainer. */
#ifndef FG_STATS_H
#define FG_STATS_H

#include <stddef.h>
#include <stdint.h>

/* qsort comparators, ascending. */
int	stats_cmp_double(const void *, const void *);
int	stats_cmp_i64(const void *, const void *);
int	stats_cmp_u64(const void *, const void *);
/* Median of v[0..n), n > 0; sorts v. */
double	stats_median(double *v, size_t n);

#endif
