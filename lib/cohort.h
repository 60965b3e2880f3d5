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
#define FG_YOUNG		(7 * 86400)

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
 * to at least FG_NEIGH_MIN of the FG_NEIGH_WIDTH counted arrivals before it: within three
 * days for an account older than two months, a day for a younger one, an hour for a young
 * one (FG_YOUNG), where people are more often created close together. People who follow one
 * after another were created years apart; a vendor's run of accounts was created together.
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
 * Creation windows: spans of days in which far more of a cohort was created than the days
 * around make likely. days[] are creation days (since 1970) of the cohort's members old
 * enough to count (FG_WINDOW_MIN_AGE at their follow), sorted. A window is FG_WINDOW_DAYS days
 * holding at least FG_WINDOW_MIN members, a sharp peak over the FG_WINDOW_AROUND days on each
 * side: the chance of it, were the creation dates as smooth there as around, is below 1e-6
 * over all the windows tried (Poisson), the days around never taken as emptier than the
 * cohort spread over twenty years. People's creation dates spread over years; a vendor makes
 * its stock in a day or a few. Windows that touch are merged. For each: its first and last
 * day, how many members it holds, and how many of them the days around would have given
 * anyway (the people a window holds by chance). Returns how many windows (at most max).
 */
#define FG_WINDOW_MIN_AGE	(60 * 86400)
#define FG_WINDOW_DAYS		3
#define FG_WINDOW_MIN		5
#define FG_WINDOW_AROUND	90
struct fg_window {
	int64_t		first, last;	/* days since 1970 */
	double		members;
	double		chance;		/* members expected from the days around */
};
size_t		cohort_windows(const int64_t *days, size_t n, struct fg_window *, size_t max);

/*
 * The key of a profile's own words: display name and bio, case and white space folded. 0
 * when they are too short to tell people apart (no display name, a bio under
 * FG_TEXT_KEY_MIN bytes): only such texts can be called copies.
 */
#define FG_TEXT_KEY_MIN	12
uint64_t	cohort_text_key(const struct fg_profile *);

/*
 * What a profile looks like at a glance, as a number below FG_LOOKS: default avatar, empty
 * bio, no display name, no posts (each bit set when known and so). A vendor's batch shares
 * its look; a person who happens to follow in the middle of it mostly does not.
 */
#define FG_LOOKS	16
unsigned	cohort_look(const struct fg_profile *);

#endif
