/*
 * State in LMDB. This module owns every key layout and every transaction; nothing else sees
 * an MDB_val. Keys start with the watch name and a NUL; times in keys are big-endian so that
 * ranges scan in time order.
 *
 *   profiles  watch\0id                 -> profile, features, score, verdict, model id
 *   edges     watch\0id                 -> first/last seen, follow position, state, initial
 *   arrivals  watch\0 t(be64) seq(be32) -> follower id
 *   polls     watch\0 t(be64)           -> follower count, new/fake/suspect arrivals, unfollows
 *   spikes    watch\0 spike_id          -> spike document (JSON text)
 *   meta      key                       -> value ("schema" -> version, "pos\0watch" -> counter,
 *                                          "seq\0name" -> last number handed out)
 *   outbox    id(be64)                  -> alert delivery record (JSON text)
 *   outmsg    id(be64)                  -> the alert's rendered message, until delivered
 *   alerted   watch\0 spike_id          -> alert levels already raised for the spike (JSON)
 *   plans     watch\0 spike_id          -> the spike's latest purge plan (ids, one per line)
 *   jobs      id(be64)                  -> purge job (JSON)
 *   journal   job(be64) seq(be32)       -> one account of a purge job and its fate (JSON)
 *   allowed   watch\0 account           -> never purged (`followguard allow`; a note)
 *   texts     watch\0 key(be64)          -> when a follower with that profile text (the
 *                                          cohort text key) was first seen (be64)
 */
#ifndef FG_STORE_H
#define FG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "features.h"
#include "model.h"
#include "profile.h"

#define FG_SCHEMA_VERSION	1
#define FG_WATCH_MAX		64	/* bytes in a watch name */
#define FG_NOTFOUND		1

struct fg_store;
struct fg_txn;

enum {
	FG_STORE_RDONLY	= 1 << 0,
	FG_STORE_NOSYNC	= 1 << 1,	/* replay: durability at close, not per commit;
					   a system crash before close may damage the db */
};

/* Creates dir if needed. A database of another schema version is refused with a message. */
int	store_open(struct fg_store **, const char *dir, int flags, char *err, size_t errlen);
/*
 * As store_open, with the initial map size in bytes (0: the default, 64 MiB). The map grows by
 * doubling as needed, so this matters only for tests of growth and for very small systems.
 */
int	store_open_sized(struct fg_store **, const char *dir, int flags, size_t mapsize,
	    char *err, size_t errlen);
void	store_close(struct fg_store *);

#define FG_STORE_LOCKFILE	"followguardd.lock"

/*
 * Claims dir for one daemon: an exclusive flock on dir/followguardd.lock (dir created as by
 * store_open), held while *fdp stays open, with this process's pid written in it. LMDB lets
 * any number of processes write one environment; two daemons polling the same accounts into it
 * would double every request and race on the control socket. -1 with err (naming the holder's
 * pid when the file tells it) if another process holds the directory, or on an error.
 */
int	store_lock(const char *dir, int *fdp, char *err, size_t errlen);

/*
 * Runs fn in one write transaction and commits. If the map fills, the transaction is aborted,
 * the map grown and fn run again from the start: fn must act only through txn. Returns 0 once
 * committed, fn's own nonzero return (the transaction then aborted), or -1 on a store error
 * (logged).
 */
int	store_write(struct fg_store *, int (*fn)(struct fg_txn *, void *), void *arg);
/*
 * Runs fn in a read transaction. Values seen through txn die with it. Any thread may read;
 * store_write must not be called from inside either kind of fn (LMDB has one writer).
 */
int	store_read(struct fg_store *, int (*fn)(struct fg_txn *, void *), void *arg);

enum fg_edge_state { FG_EDGE_FOLLOWING = 1, FG_EDGE_UNFOLLOWED = 2, FG_EDGE_REMOVED = 3 };

struct fg_edge {
	int64_t		first_seen;
	int64_t		last_seen;
	uint64_t	position;	/* in follow order; larger is newer */
	uint8_t		state;		/* enum fg_edge_state */
	uint8_t		initial;	/* seen in the watch's first full scan */
};

/* Get functions return 0, FG_NOTFOUND or -1. */
int	store_edge_get(struct fg_txn *, const char *watch, const char *id, struct fg_edge *);
int	store_edge_put(struct fg_txn *, const char *watch, const char *id, const struct fg_edge *);
/* Every edge of a watch, in id order; a nonzero cb return stops and is returned. */
int	store_edges_scan(struct fg_txn *, const char *watch,
	    int (*cb)(void *, const char *id, const struct fg_edge *), void *arg);

struct fg_profile_rec {
	struct fg_profile	profile;	/* strings point into the txn's memory */
	struct fg_features	features;
	double			score;
	uint8_t			verdict;	/* enum fg_verdict */
	uint8_t			derived;	/* put: features computed from the profile alone */
	uint32_t		model_id;
};

int	store_profile_put(struct fg_txn *, const char *watch, const struct fg_profile_rec *);
int	store_profile_get(struct fg_txn *, const char *watch, const char *id,
	    struct fg_profile_rec *);
/* The same, without the features when the record does not hold them (they are computed). */
int	store_profile_peek(struct fg_txn *, const char *watch, const char *id,
	    struct fg_profile_rec *);

int	store_arrival_put(struct fg_txn *, const char *watch, int64_t t, uint32_t seq,
	    const char *id);
/* Calls cb for arrivals with from <= t < to in order; a nonzero cb return stops and is returned. */
int	store_arrivals_scan(struct fg_txn *, const char *watch, int64_t from, int64_t to,
	    int (*cb)(void *, int64_t t, uint32_t seq, const char *id), void *arg);

struct fg_poll {
	int64_t		t;
	int64_t		followers_count;	/* -1 if the poll had no count */
	uint32_t	arrivals;		/* new followers */
	uint32_t	fake;			/* of which scored fake */
	uint32_t	suspect;		/* of which scored suspect */
	uint32_t	unfollows;
};

int	store_poll_put(struct fg_txn *, const char *watch, const struct fg_poll *);
int	store_polls_scan(struct fg_txn *, const char *watch, int64_t from, int64_t to,
	    int (*cb)(void *, const struct fg_poll *), void *arg);

int	store_spike_put(struct fg_txn *, const char *watch, const char *spike_id,
	    const char *json);
int	store_spikes_scan(struct fg_txn *, const char *watch,
	    int (*cb)(void *, const char *spike_id, const char *json), void *arg);

/*
 * Profile texts already seen among a watch's followers, by their cohort text key: when the
 * first follower with that text was seen. Copied profiles show as keys seen before.
 */
int	store_text_get(struct fg_txn *, const char *watch, uint64_t key, int64_t *first_seen);
int	store_text_put(struct fg_txn *, const char *watch, uint64_t key, int64_t first_seen);

/* Next follow-order position counter of a watch (0 if none yet). */
int	store_position_get(struct fg_txn *, const char *watch, uint64_t *);
int	store_position_put(struct fg_txn *, const char *watch, uint64_t);

/*
 * The poll under way, committed with each of its pages so that a daemon killed in the middle
 * resumes it: the same poll time (one cohort, one spike), the next page, the counts so far.
 * cursor "" once the incremental part is read; it points into the map (valid in the txn).
 * Get returns 0, FG_NOTFOUND or -1.
 */
struct fg_progress {
	int64_t		 t;
	uint32_t	 seq;		/* followers read so far, in the platform's order */
	uint64_t	 initial_fake;	/* of the initial scan */
	struct fg_poll	 poll;		/* its counts so far */
	const char	*cursor;
};

int	store_progress_get(struct fg_txn *, const char *watch, struct fg_progress *);
int	store_progress_put(struct fg_txn *, const char *watch, const struct fg_progress *);
int	store_progress_del(struct fg_txn *, const char *watch);

/* Numbers handed out once, never again (ids of alerts, jobs): *id is the next one, from 1. */
int	store_seq_next(struct fg_txn *, const char *name, uint64_t *id);

/* The alert outbox. Get functions return 0, FG_NOTFOUND or -1; scans run in id order. */
int	store_outbox_put(struct fg_txn *, uint64_t id, const char *json);
int	store_outbox_get(struct fg_txn *, uint64_t id, const char **json);
/* Deletes the record and its message. */
int	store_outbox_del(struct fg_txn *, uint64_t id);
int	store_outbox_scan(struct fg_txn *, uint64_t from,
	    int (*cb)(void *, uint64_t id, const char *json), void *arg);
int	store_outmsg_put(struct fg_txn *, uint64_t id, const char *msg);
int	store_outmsg_get(struct fg_txn *, uint64_t id, const char **msg);
int	store_outmsg_del(struct fg_txn *, uint64_t id);
int	store_alerted_get(struct fg_txn *, const char *watch, const char *spike_id,
	    const char **json);
int	store_alerted_put(struct fg_txn *, const char *watch, const char *spike_id,
	    const char *json);

/* Purges. Get functions return 0, FG_NOTFOUND or -1; text lives as long as the txn. */
int	store_plan_put(struct fg_txn *, const char *watch, const char *spike_id, const char *ids);
int	store_plan_get(struct fg_txn *, const char *watch, const char *spike_id, const char **ids);
int	store_allowed_put(struct fg_txn *, const char *watch, const char *account,
	    const char *note);
int	store_allowed_get(struct fg_txn *, const char *watch, const char *account,
	    const char **note);
int	store_allowed_del(struct fg_txn *, const char *watch, const char *account);
int	store_allowed_scan(struct fg_txn *, const char *watch,
	    int (*cb)(void *, const char *account, const char *note), void *arg);
int	store_job_put(struct fg_txn *, uint64_t id, const char *json);
int	store_job_get(struct fg_txn *, uint64_t id, const char **json);
int	store_jobs_scan(struct fg_txn *, uint64_t from,
	    int (*cb)(void *, uint64_t id, const char *json), void *arg);
int	store_entry_put(struct fg_txn *, uint64_t job, uint32_t seq, const char *json);
int	store_entry_get(struct fg_txn *, uint64_t job, uint32_t seq, const char **json);
int	store_entries_scan(struct fg_txn *, uint64_t job, uint32_t from,
	    int (*cb)(void *, uint32_t seq, const char *json), void *arg);

#endif
