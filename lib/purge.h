/*
 * Purges: which followers a purge removes (the selection and its protections), and the
 * journal that makes it crash-safe. A job is written with one entry per account before the
 * first removal; each entry then moves planned -> sending -> done / failed(reason), or is
 * skipped(reason), in the transaction that records the platform's answer, together with the
 * job's counters. Sending is the daemon's (daemon/purger.c); the CLI plans and reports.
 */
#ifndef FG_PURGE_H
#define FG_PURGE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "features.h"
#include "model.h"
#include "plan.h"
#include "store.h"

/* Why an account is not removed. */
enum purge_skip {
	SKIP_NONE = 0,
	SKIP_UNKNOWN,		/* not a follower followguard knows */
	SKIP_NOT_FOLLOWING,	/* no longer follows */
	SKIP_ALLOWLISTED,	/* purge.allowlist or `followguard allow` */
	SKIP_VERIFIED,
	SKIP_OLDER,		/* followed before the spike (or the --since time) */
	SKIP_MUTUAL,		/* the watched account follows it back (found at execution) */
	SKIP_LIMIT,		/* beyond --limit */
	SKIP_CANCELLED,		/* the job was cancelled first */
	NSKIP
};

/* What to purge: exactly one of spike_id, since, ids. */
struct purge_selector {
	char		 watch[FG_WATCH_MAX + 1];
	char		*spike_id;
	int64_t		 since, until;	/* FG_TIME_UNKNOWN if unset */
	double		 min_score;	/* with since; < 0: purge.min_score */
	char		**ids;		/* --from-file */
	size_t		 nids;
	int		 include_older;
	uint64_t	 limit;		/* 0: none */
};

#define PURGE_REASONS	3

struct purge_entry {
	char		*id;
	char		*handle;	/* NULL if unknown */
	double		 score;		/* -1 if never scored */
	enum purge_skip	 skip;
	size_t		 nreasons;
	enum fg_feature	 reasons[PURGE_REASONS];
	unsigned	 evidence;	/* what put it in the spike's plan (enum fg_evidence) */
};

struct purge_plan {
	struct purge_entry *e;		/* every account considered, in plan order */
	size_t		 n;
	size_t		 planned;	/* entries with SKIP_NONE */
	size_t		 skipped[NSKIP];
	uint64_t	 audience;	/* followers now */
	int64_t		 spike_start;	/* FG_TIME_UNKNOWN without a spike */
	uint64_t	 hash;		/* of the planned ids in order: the plan's identity */
};

void		 purge_selector_free(struct purge_selector *);
/* A selector as JSON and back (the control socket, the job record). NULL/-1 if malformed. */
json_t		*purge_selector_json(const struct purge_selector *);
int		 purge_selector_from(const json_t *, struct purge_selector *, char *err,
		    size_t errlen);
/*
 * Draws up the plan. m (may be NULL) gives each entry its reasons. Returns 0; 1 with a
 * message in err for a selector that names nothing (unknown watch history, unknown or
 * organic spike); -1 on a store error.
 */
int		 purge_select(struct fg_txn *, const struct fg_config *, const struct fg_model *,
		    const struct purge_selector *, struct purge_plan *, char *err, size_t errlen);
/* The cap and the sanity stop: -1 with a message if the plan may not run. */
int		 purge_check(const struct fg_config *, const struct purge_plan *, char *err,
		    size_t errlen);
void		 purge_plan_free(struct purge_plan *);
const char	*purge_skip_name(enum purge_skip);

/* Jobs. */
#define JOB_SCHEDULED	"scheduled"	/* automatic, waiting for its grace period */
#define JOB_RUNNING	"running"
#define JOB_DONE	"done"
#define JOB_CANCELLED	"cancelled"
#define JOB_FAILED	"failed"	/* stopped by an error that retrying cannot cure */

/*
 * A job with its plan: one journal entry per account (the skipped ones with their reason),
 * state running. *job gets its id. 0 or -1.
 */
int		 purge_job_create(struct fg_txn *, const struct purge_selector *,
		    const struct purge_plan *, int64_t now, int automatic, uint64_t *job);
/* An automatic job waiting until not_before, without entries yet. */
int		 purge_job_schedule(struct fg_txn *, const struct purge_selector *, int64_t now,
		    int64_t not_before, uint64_t *job);
/* Gives a scheduled job its plan and starts it. */
int		 purge_job_start(struct fg_txn *, uint64_t job, const struct purge_plan *,
		    int64_t now);
/* The job record (caller json_decref's), or NULL (FG_NOTFOUND in *rc, or -1). */
json_t		*purge_job_load(struct fg_txn *, uint64_t job, int *rc);
int		 purge_job_save(struct fg_txn *, uint64_t job, json_t *);
/*
 * An entry's new state ("sending", "done", "failed", "skipped", "restored"), with a reason
 * (failed, skipped) and extra fields to keep (obj or NULL); the job's counters follow, and a
 * job with nothing left planned or sending becomes done. 0 or -1.
 */
int		 purge_entry_mark(struct fg_txn *, uint64_t job, uint32_t seq, const char *state,
		    const char *reason, int64_t now);
/* Ends a job: cancelled (planned entries skipped as cancelled) or failed(reason). */
int		 purge_job_end(struct fg_txn *, uint64_t job, const char *state,
		    const char *reason, int64_t now);

#endif
