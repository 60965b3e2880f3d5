/*
 * Purge plans: which followers of an inorganic spike were bought. Precision comes first: a
 * follower is planned only on evidence that it belongs to the purchase, and every planned
 * follower keeps that evidence so that a person reviewing the plan sees why.
 */
#ifndef FG_PLAN_H
#define FG_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "cohort.h"
#include "detector.h"
#include "features.h"
#include "model.h"
#include "store.h"

struct fg_policy {
	double		 min_score;	/* purge only at or above this score */
	char *const	*allowlist;	/* ids or handles never purged */
	size_t		 nallowlist;
};

/* What puts a follower in a plan (bits of fg_plan_sample.evidence). */
enum fg_evidence {
	FG_EV_SCORE	= 1 << 0,	/* scored at least purge.min_score on its own */
	FG_EV_BLOCK	= 1 << 1,	/* in a run of fake-looking arrivals */
	FG_EV_PRIOR	= 1 << 2,	/* in a poll the purchase dominated */
	FG_EV_WINDOW	= 1 << 3,	/* created in one of the cohort's creation windows */
	FG_EV_NEIGHBOURS = 1 << 4,	/* created together with its follow-order neighbours */
	FG_EV_COPY	= 1 << 5,	/* its name and bio are another follower's */
};
#define FG_EV_COUNT	6
/* "score", "block", "cohort_prior", "creation_window", "created_with_neighbours", "copied_profile" */
const char	*plan_evidence_name(int bit);
/* Names joined by sep into buf (strongest first); returns buf. */
char		*plan_evidence_format(unsigned evidence, const char *sep, char *buf, size_t len);
/* Parses "name,name": the bits; unknown names are ignored (older or newer versions). */
unsigned	 plan_evidence_parse(const char *);

#define FG_PLAN_WINDOWS	8
#define FG_PLAN_SAMPLE	10	/* planned followers shown to people */
#define FG_PLAN_REASONS	3

/* A planned follower shown to people: its score, what pushed it up, and why it is planned. */
struct fg_plan_sample {
	const char	*id;		/* points into the plan's ids */
	double		 score;
	size_t		 nreasons;
	enum fg_feature	 reasons[FG_PLAN_REASONS];
	unsigned	 evidence;	/* enum fg_evidence bits */
};

struct fg_plan {
	char		**ids;
	size_t		 n;
	size_t		 skipped_allowlist;
	size_t		 below_score;	/* cohort members without enough evidence */
	size_t		 newcomers;	/* created minutes before they followed: never planned */
	/*
	 * Creation windows: spans of days in which far more of the cohort was created than
	 * the days around make likely (cohort_windows). Members created in a window long before
	 * they followed are planned whatever their scores, if the window holds at most 1 % people
	 * by chance; in a window among many people (a viral burst over a purchase), they need
	 * other evidence too.
	 */
	size_t		 nwindows;
	struct fg_window windows[FG_PLAN_WINDOWS];
	struct fg_plan_sample *why;	/* n entries, one per id, in follow order */
};

/* Draws up the purge plan of a spike, reading the store through txn. 0 or -1. */
int		 plan_draw(struct fg_txn *, const struct fg_model *, const struct fg_policy *,
		    const char *watch, const struct fg_spike *, struct fg_plan *);
/* The plan as the store keeps it: "id\tevidence\n" per follower. malloc'd. */
char		*plan_text(const struct fg_plan *);
void		 plan_free(struct fg_plan *);

#endif
