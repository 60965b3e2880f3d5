/*
 * The simulator: synthetic follower histories in the replay format (DESIGN.md contract 4),
 * with ground truth, for tests, benchmarks and the quick start.
 */
#ifndef FG_SIMULATE_H
#define FG_SIMULATE_H

#include <stdint.h>
#include <stdio.h>

enum {
	FG_SIM_ORGANIC	= 1 << 0,	/* daily/weekly seasonal organic growth with noise */
	FG_SIM_CHURN	= 1 << 1,	/* unfollows */
	FG_SIM_VIRAL	= 1 << 2,	/* organic viral bursts, small and huge */
	FG_SIM_PURCHASE	= 1 << 3,	/* purchased orders delivered within an hour or a day */
	FG_SIM_DRIP	= 1 << 4,	/* purchased orders drip-fed over weeks */
	FG_SIM_ALL	= 0x1f,
};

struct fg_sim_opts {
	uint64_t	seed;
	int		days;		/* length of the history */
	int64_t		audience;	/* followers at the start (initial full scan) */
	int64_t		start;		/* time of the first poll, epoch seconds */
	int		poll_interval;	/* seconds */
	unsigned	events;		/* FG_SIM_* */
	const char	*watch;		/* watch name */
	FILE		*truth;		/* optional: one JSON line per injected event */
};

void	simulate_defaults(struct fg_sim_opts *);
/* Writes the history to out. 0, or -1 on a write error. */
int	simulate_run(const struct fg_sim_opts *, FILE *out);

#endif
