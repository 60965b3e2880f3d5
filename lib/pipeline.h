/*
 * The detection pipeline shared by the daemon and `followguard replay`: a page of followers
 * is scored and written to LMDB in one transaction; at the end of each poll the spike detector
 * runs, spikes are recorded and purge plans drawn up. One pipeline serves many watches.
 */
#ifndef FG_PIPELINE_H
#define FG_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "detector.h"
#include "model.h"
#include "plan.h"
#include "profile.h"
#include "store.h"

#define FG_PAGE_MAX	1000	/* follows or unfollows written per transaction */

/* One spike report, with its purge plan when inorganic. */
struct fg_report {
	const char		*watch;
	int64_t			 t;
	const struct fg_spike	*spike;
	const struct fg_plan	*plan;	/* NULL for organic spikes */
};

typedef void fg_report_cb(void *arg, const struct fg_report *);
/*
 * Called for each report inside the transaction that records the spike, so that what it
 * writes through txn (an alert) commits or vanishes with the spike. It may run more than
 * once for one report (the transaction reruns when the map grows); -1 aborts the poll's
 * transaction.
 */
typedef int fg_record_cb(void *arg, struct fg_txn *txn, const struct fg_report *);

struct fg_pipeline;

struct fg_pipeline *pipeline_new(struct fg_store *, const struct fg_model *,
		    const struct fg_policy *, const struct fg_detector_params *);
void		 pipeline_free(struct fg_pipeline *);
void		 pipeline_set_recorder(struct fg_pipeline *, fg_record_cb *, void *arg);
/* A new purge policy (after a configuration reload); it must outlive the pipeline's use. */
void		 pipeline_set_policy(struct fg_pipeline *, const struct fg_policy *);
/*
 * One page of a poll of watch at time t: followers in platform order (newest first) and ids
 * that unfollowed. Written in one transaction. 0, or -1 on a store error.
 */
int		 pipeline_page(struct fg_pipeline *, const char *watch, int64_t t,
		    const struct fg_profile *follows, size_t nfollows,
		    const char *const *unfollows, size_t nunfollows, int flags);
/*
 * FG_PAGE_SEEN: a reconcile page. Followers already known only have their last sighting
 * updated (their stored profile stays: a reconcile page may lack what hydration adds).
 */
#define FG_PAGE_SEEN	0x1
/*
 * The ids of the watch's followers not seen since `since` (a reconcile pass's start): they
 * unfollowed. Returns how many (ids malloc'd, the caller frees each and the array), -1.
 */
long		 pipeline_unseen(struct fg_pipeline *, const char *watch, int64_t since,
		    char ***ids);
/*
 * Closes the poll: records it, runs the detector, records spikes and calls cb for each report.
 * followers_count is the platform's own count, -1 if unknown. 0, or -1 on a store error.
 */
int		 pipeline_poll_end(struct fg_pipeline *, const char *watch, int64_t t,
		    int64_t followers_count, fg_report_cb *cb, void *arg);
/*
 * Which of n followers are already known to follow the watch: known[i] is set to 1 or 0.
 * Returns how many are not known, or -1 on a store error. The poller ingests the others
 * wherever they are on a page: a platform may list a new follower below known ones.
 */
long		 pipeline_known(struct fg_pipeline *, const char *watch,
		    const struct fg_profile *follows, size_t n, uint8_t *known);
/*
 * Progress kept for a poller: the cursor of the page after the one pipeline_page is about to
 * write ("" when the incremental part ends there) goes into the same transaction, with the
 * poll's time and counts, until pipeline_poll_end. Replay keeps none.
 */
void		 pipeline_set_cursor(struct fg_pipeline *, const char *watch, const char *cursor);
/*
 * A poll left unfinished (by a crash, or by failures in this process): 1 with its time and
 * the next page's cursor (malloc'd; "" if only its end is missing), its followers so far fed
 * to the detector again; 0 if none; -1 on a store error. The poll goes on at *t: one cohort.
 */
int		 pipeline_resume(struct fg_pipeline *, const char *watch, int64_t *t,
		    char **cursor);
/* Polls recorded for the watch so far: 0 means the next poll is its initial full scan. */
int		 pipeline_polls_done(struct fg_pipeline *, const char *watch, uint64_t *);
/* Draws up the purge plan of a spike from the store. 0 or -1. */
int		 pipeline_plan(struct fg_pipeline *, const char *watch, const struct fg_spike *,
		    struct fg_plan *);

#endif
