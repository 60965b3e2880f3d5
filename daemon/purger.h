/*
 * The purger: runs purge jobs (lib/purge.h) in the daemon, one account at a time through the
 * poller's actions, so that removals share the watch's rate budget and session with polling.
 * A job first reads the watched account's following list (mutuals are never removed), then
 * removes each planned follower, recording each answer in the journal. Jobs resume after a
 * restart; automatic jobs wait for their grace period.
 */
#ifndef FG_PURGER_H
#define FG_PURGER_H

#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "pipeline.h"
#include "poller.h"
#include "store.h"

struct fg_clock;
struct purger;

struct purger	*purger_new(struct fg_clock *, struct poller *, struct fg_store *,
		    const struct fg_config *);
void		 purger_free(struct purger *);
/* Starts what the journal says is running or scheduled and not started yet. */
void		 purger_sync(struct purger *);
/*
 * Inside a poll's transaction: schedules the automatic purge of an inorganic spike when
 * purge.auto and the policy allow, once per spike. *job names the spike's automatic job
 * while it waits for its grace period (the alerts announce it), else 0.
 */
int		 purger_schedule(struct purger *, struct fg_txn *, const struct fg_report *,
		    uint64_t *job, int64_t *not_before);
/* Control socket commands. NULL with err on refusal. */
json_t		*purger_start(struct purger *, const json_t *req, char *err, size_t errlen);
json_t		*purger_status(struct purger *, const json_t *req, char *err, size_t errlen);
json_t		*purger_cancel(struct purger *, const json_t *req, char *err, size_t errlen);
json_t		*purger_unpurge(struct purger *, const json_t *req, char *err, size_t errlen);

#endif
