/*
 * The simulator: synthetic follower histories in the replay format (docs/contracts.md 4),
 * with ground truth, for tests, benchmarks and the quick start.
 */
#ifndef FG_SIMULATE_H
#define FG_SIMULATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
	FG_SIM_ORGANIC	= 1 << 0,	/* daily/weekly seasonal organic growth with noise */
	FG_SIM_CHURN	= 1 << 1,	/* unfollows */
	FG_SIM_VIRAL	= 1 << 2,	/* organic viral bursts, small and huge */
	FG_SIM_PURCHASE	= 1 << 3,	/* purchased orders delivered within an hour or a day */
	FG_SIM_DRIP	= 1 << 4,	/* purchased orders drip-fed over weeks */
	FG_SIM_WAVE	= 1 << 5,	/* newcomer waves: brand-new real accounts in a surge */
	FG_SIM_ALL	= 0x3f,
};

/* How fast a purchased order is delivered. FG_SIM_WEEKS orders are drip-fed (kind "drip"). */
enum fg_sim_speed { FG_SIM_HOUR, FG_SIM_DAY, FG_SIM_CAPPED, FG_SIM_WEEKS };
/* What the vendor's accounts look like. */
enum fg_sim_style { FG_SIM_FRESH, FG_SIM_AGED, FG_SIM_EMPTY, FG_SIM_COPYCAT, FG_SIM_LIVED,
    FG_SIM_COPIED, FG_SIM_NSTYLES };
/* Which fields of the normalized profile (docs/contracts.md 2) the simulated platform exposes. */
enum fg_sim_platform { FG_SIM_GENERIC, FG_SIM_MASTODON, FG_SIM_X, FG_SIM_BLUESKY };

/* One event injected on request (--order, --viral, --wave). */
struct fg_sim_inject {
	unsigned	kind;		/* FG_SIM_VIRAL, FG_SIM_WAVE, FG_SIM_PURCHASE or FG_SIM_DRIP */
	double		size_pct;	/* % of the follower count when the event starts */
	int		speed;		/* enum fg_sim_speed; orders only */
	int		style;		/* enum fg_sim_style; orders only */
	double		day;		/* start, in days after opts.start; < 0: random */
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
	/* Extensions; simulate_defaults() sets them. */
	const struct fg_sim_inject *inject;	/* explicit events; each replaces the random
						   ones of its kind */
	size_t		ninject;
	int		force;		/* random schedule has >= 1 event of each enabled kind */
	int		platform;	/* enum fg_sim_platform */
	int		plain_text;	/* no hostile text (control characters, odd escapes,
					   texts of many kilobytes) */
	unsigned	styles;		/* 1 << enum fg_sim_style: what random orders, drips,
					   padding and old purchases are made of */
};

#define FG_SIM_ALL_STYLES	((1u << FG_SIM_NSTYLES) - 1)

void	simulate_defaults(struct fg_sim_opts *);
/* Writes the history to out. 0, or -1 on a write error or bad options. */
int	simulate_run(const struct fg_sim_opts *, FILE *out);

/* Option parsing shared by the CLI and the tests. 0, or -1 with a message in err. */
int	simulate_parse_events(const char *, unsigned *, char *err, size_t errlen);
/* "SIZE_PCT:SPEED:STYLE[@DAY]", e.g. "20:hour:fresh@10.5" */
int	simulate_parse_order(const char *, struct fg_sim_inject *, char *err, size_t errlen);
/* "SIZE_PCT[@DAY]" */
int	simulate_parse_viral(const char *, struct fg_sim_inject *, char *err, size_t errlen);
int	simulate_parse_wave(const char *, struct fg_sim_inject *, char *err, size_t errlen);
int	simulate_parse_platform(const char *, int *);
/* "fresh,aged,..." or "all" into a mask of styles. */
int	simulate_parse_styles(const char *, unsigned *, char *err, size_t errlen);

#endif
