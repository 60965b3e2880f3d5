/*
 * Evidence that followers came as one batch rather than one by one, without asking whether
 * each looks fake: the spike detector asks it whether a burst was bought, the purge planner
 * which of the burst's followers were.
 *
 * A vendor's stock is made before it is sold: accounts created together, long before they
 * follow, delivered in runs, sometimes with profiles copied from real people (the watched
 * account's own followers among them). People arrive one by one: created at unrelated times,
 * with their own words. People who have just joined a platform (a surge, a starter pack) are
 * created minutes before they follow; they are newcomers, never evidence of a purchase.
 */
#ifndef FG_COHORT_H
#define FG_COHORT_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* Created at most this long before the poll interval in which it followed: a newcomer. */
#define FG_NEWCOMER_SLACK	3600
/* Younger than this at its follow: a young account; its counts are no evidence yet. */
#define FG_YOUNG		(14 * 86400)

/*
 * Whether an account created at `created`, first seen following by a poll at t that covered
 * (t - dt, t], was created minutes before it followed. A creation time at exactly midnight
 * UTC is read as a date only (Mastodon truncates it): then created that day or the day the
 * interval began.
 */
int		cohort_newcomer(int64_t created, int64_t t, int64_t dt);

/*
 * Neighbours in the follow order: fed every counted arrival (dated, not a newcomer) in the
 * order the platform listed them, poll after poll, it tells whether each was created close
 * to at least FG_NEIGH_MIN of the FG_NEIGH_WIDTH counted arrivals before it: within a day,
 * or within an hour for a young account (same date for date-only times). People who follow
 * one after another were created years apart; a vendor's run of accounts was created
 * together.
 */
#define FG_NEIGH_WIDTH	10
#define FG_NEIGH_MIN	3
struct fg_neighbours {
	int64_t		created[FG_NEIGH_WIDTH];
	size_t		n;	/* fed so far, capped at FG_NEIGH_WIDTH */
	size_t		next;	/* ring position */
};

void		cohort_neighbours_reset(struct fg_neighbours *);
int		cohort_neighbours_next(struct fg_neighbours *, int64_t created, int64_t t);

/*
 * The key of a profile's own words: display name and bio, case and white space folded. 0
 * when they are too short to tell people apart (no display name, a bio under
 * FG_TEXT_KEY_MIN bytes): only such texts can be called copies.
 */
#define FG_TEXT_KEY_MIN	12
uint64_t	cohort_text_key(const struct fg_profile *);

#endif
