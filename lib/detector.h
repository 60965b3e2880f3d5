/*
 * Spike detection for one watched account, in virtual time: fed every new follower of every
 * poll, it keeps an hour-of-day aware robust baseline of arrivals, opens a spike when arrivals
 * (or fake-scored arrivals) jump well above it, and classifies the spike's cohort as organic or
 * inorganic by who the new followers are. It also watches for purchases drip-fed over weeks.
 * It owns no storage: memory is constant per watch, and the caller persists what it reports.
 */
#ifndef FG_DETECTOR_H
#define FG_DETECTOR_H

#include <stddef.h>
#include <stdint.h>

#define FG_SPIKE_ID_MAX	96

struct fg_arrival {
	const char	*id;
	int64_t		 t;		/* the poll that saw it follow */
	int64_t		 created_at;	/* FG_TIME_UNKNOWN if unknown */
	double		 score;
	uint8_t		 verdict;	/* enum fg_verdict */
	uint8_t		 empty;		/* no bio, no display name or default avatar, no posts */
	uint8_t		 copy;		/* its profile text was seen on an earlier follower */
};

enum fg_spike_kind { FG_SPIKE_ORGANIC = 0, FG_SPIKE_INORGANIC = 1 };
enum fg_severity { FG_WARNING = 0, FG_CRITICAL = 1 };
enum fg_pattern { FG_BURST = 0, FG_DRIP = 1 };

struct fg_spike {
	char		id[FG_SPIKE_ID_MAX];
	enum fg_spike_kind kind;
	enum fg_severity severity;
	enum fg_pattern	pattern;
	int		open;
	int64_t		start;		/* first poll of the cohort */
	int64_t		last;		/* latest poll seen */
	int64_t		detected;	/* poll at which it was first reported */
	uint64_t	new_followers;
	uint64_t	fake, suspect, empty;	/* newcomers are counted in none */
	uint64_t	newcomers;	/* created minutes before they followed */
	uint64_t	batch;		/* created with their neighbours, or copied */
	uint64_t	copies;
	uint64_t	made_together;	/* created in the cohort's creation windows */
	double		fake_share, suspect_share, empty_share;
	double		newcomer_share, batch_share, copy_share, made_together_share;
	double		baseline_batch;	/* share of usual arrivals in batches */
	double		baseline_per_hour;	/* expected organic arrivals */
	uint32_t	baseline_hours;		/* complete past hours it comes from, 0 none */
	double		baseline_fake;		/* share of usual arrivals scored fake */
	double		baseline_fakeish;	/* scored fake or suspect */
	double		cluster_share;		/* share created in the top month */
	int		cluster_year, cluster_month;
	double		run_share;	/* fake-ish arrivals in contiguous runs */
	double		id_share;	/* arrivals next to a near-consecutive id */
	int64_t		followers_before;	/* -1 if unknown */
	int64_t		followers_after;
};

struct fg_detector_params {
	int		baseline_days;		/* history of the seasonal baseline */
	double		rate_z;			/* robust z-score that opens a burst */
	double		rate_ratio;		/* and at least this many times the baseline */
	double		min_excess;		/* and at least this many extra followers */
	double		comp_z;			/* binomial z of fake arrivals that opens a burst */
	double		inorganic_margin;	/* fake share above baseline for inorganic */
	int64_t		quiet;			/* seconds without excess that close a burst */
	double		critical_share;		/* cohort/audience above which critical */
};

struct fg_detector;

void		 detector_defaults(struct fg_detector_params *);
struct fg_detector *detector_new(const char *watch, const struct fg_detector_params *);
void		 detector_free(struct fg_detector *);
/* The initial full scan: sets the audience; never a spike. */
void		 detector_initial(struct fg_detector *, int64_t t, uint64_t followers,
		    uint64_t fake);
/* One new follower of the current poll, in the platform's order (newest first). */
void		 detector_arrival(struct fg_detector *, const struct fg_arrival *);
/*
 * Closes the poll at t (followers_count -1 if unknown). Fills out with the spikes whose
 * report changed (opened, grew, reclassified, escalated or closed): at most
 * FG_DETECTOR_REPORTS. The pointers stay valid until the next call.
 */
#define FG_DETECTOR_REPORTS	3
/* How far back a detector's state reaches (its hourly ring), in seconds. */
#define FG_DETECTOR_MEMORY	(28 * 86400)
size_t		 detector_poll_end(struct fg_detector *, int64_t t, int64_t followers_count,
		    const struct fg_spike **out);

/* The spikes still open after the last poll (at most 2), to be kept up to date in the store. */
size_t		 detector_open_spikes(const struct fg_detector *, const struct fg_spike **out);

const char	*spike_kind_name(enum fg_spike_kind);
const char	*spike_severity_name(enum fg_severity);
const char	*spike_pattern_name(enum fg_pattern);

#endif
