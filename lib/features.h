/*
 * Explainable features of one profile. Each is known or unknown: a feature whose inputs the
 * platform did not give is unknown and contributes nothing to a score.
 */
#ifndef FG_FEATURES_H
#define FG_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

enum fg_feature {
	F_DEFAULT_AVATAR,	/* 1 if the platform's default avatar */
	F_EMPTY_BIO,
	F_NO_DISPLAY_NAME,
	F_ACCOUNT_AGE,		/* log1p(days between created_at and observed_at) */
	F_POSTS,		/* log1p(posts_count) */
	F_POSTS_PER_DAY,	/* log1p(posts per day of age) */
	F_FOLLOWERS,		/* log1p(followers_count) */
	F_FOLLOWING,		/* log1p(following_count) */
	F_FOLLOWING_RATIO,	/* log((following+1)/(followers+1)) */
	F_FOLLOWING_RATIO2,	/* log1p(following/(followers+1)^2), Cresci et al. 2015 */
	F_LIKES,		/* log1p(likes_count) */
	F_LISTED,		/* log1p(listed_count) */
	F_DAYS_SINCE_POST,	/* log1p(days since last_post_at) */
	F_NO_URL,
	F_NO_LOCATION,
	F_HANDLE_DIGITS,	/* longest run of digits in the handle */
	F_HANDLE_LENGTH,
	F_HANDLE_ENTROPY,	/* Shannon entropy of the handle's characters, bits */
	F_BOT,			/* self-declared bot */
	F_FOLLOWING_PER_POST,	/* log((following+1)/(posts+1)): follows far more than it says */
	FG_NFEATURES
};

struct fg_features {
	double		x[FG_NFEATURES];
	uint32_t	known;		/* bit i set: x[i] is known */
};

#define FEATURE_KNOWN(f, i)	(((f)->known >> (i)) & 1u)

/* now is used where the profile has no observed_at. */
void		 features_compute(const struct fg_profile *, int64_t now, struct fg_features *);
const char	*feature_name(enum fg_feature);
int		 feature_lookup(const char *name);	/* index or -1 */
/* 1 for yes/no features. */
int		 feature_is_flag(enum fg_feature);
/* The feature's value in human units (days, counts, a ratio), for explanations. */
double		 feature_human(const struct fg_features *, enum fg_feature);
/* Same, as text with its unit, or "unknown". Returns buf. */
char		*feature_format(const struct fg_features *, enum fg_feature, char *buf,
		    size_t len);

#endif
