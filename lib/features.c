/*
 * Features of one profile. A feature whose inputs are unknown stays unknown (its bit clear):
 * an absent key is not evidence, so it must never be read as zero or false.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "features.h"
#include "timeutil.h"

/*
 * log1p of small counts and log2 of the byte shares of short handles, from tables filled
 * once by the very libm calls they replace: the values are the same to the bit, and the
 * features of every follower read (twice: when scored and when stored) cost far less.
 */
#define COUNT_TABLED	4096
#define HANDLE_TABLED	64
static double log1p_count[COUNT_TABLED];
static double log2_share[HANDLE_TABLED + 1][HANDLE_TABLED + 1];	/* [n][c]: log2(c / n) */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void
tables_fill(void)
{
	int n, c;

	for (n = 0; n < COUNT_TABLED; n++)
		log1p_count[n] = log1p((double)n);
	for (n = 1; n <= HANDLE_TABLED; n++)
		for (c = 1; c <= n; c++)
			log2_share[n][c] = log2((double)c / (double)n);
}

static inline double
count_log1p(int64_t n)
{
	return n < COUNT_TABLED ? log1p_count[n] : log1p((double)n);
}

static const char *const names[FG_NFEATURES] = {
	[F_DEFAULT_AVATAR] = "default_avatar",
	[F_EMPTY_BIO] = "empty_bio",
	[F_NO_DISPLAY_NAME] = "no_display_name",
	[F_ACCOUNT_AGE] = "account_age",
	[F_POSTS] = "posts",
	[F_POSTS_PER_DAY] = "posts_per_day",
	[F_FOLLOWERS] = "followers",
	[F_FOLLOWING] = "following",
	[F_FOLLOWING_RATIO] = "following_ratio",
	[F_FOLLOWING_RATIO2] = "following_ratio2",
	[F_LIKES] = "likes",
	[F_LISTED] = "listed",
	[F_DAYS_SINCE_POST] = "days_since_post",
	[F_NO_URL] = "no_url",
	[F_NO_LOCATION] = "no_location",
	[F_HANDLE_DIGITS] = "handle_digits",
	[F_HANDLE_LENGTH] = "handle_length",
	[F_HANDLE_ENTROPY] = "handle_entropy",
	[F_BOT] = "bot",
	[F_FOLLOWING_PER_POST] = "following_per_post",
};

const char *
feature_name(enum fg_feature f)
{
	if ((unsigned)f >= FG_NFEATURES)
		return "unknown";
	return names[f];
}

int
feature_lookup(const char *name)
{
	int i;

	for (i = 0; i < FG_NFEATURES; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static inline void
set(struct fg_features *f, enum fg_feature i, double x)
{
	f->x[i] = x;
	f->known |= 1u << i;
}

/*
 * Longest digit run, length in characters (UTF-8 continuation bytes do not count) and
 * Shannon entropy over bytes, in one pass over the handle.
 */
static void
handle_features(const char *h, struct fg_features *f)
{
	/* All zero between calls: the entropy loop clears every count it reads. */
	static _Thread_local unsigned counts[256];
	const unsigned char *s = (const unsigned char *)h;
	size_t n, i, run = 0, best = 0, chars = 0;
	double e = 0, p;

	for (n = 0; s[n] != '\0'; n++) {
		counts[s[n]]++;
		if ((s[n] & 0xc0) != 0x80)
			chars++;
		if (s[n] >= '0' && s[n] <= '9') {
			if (++run > best)
				best = run;
		} else
			run = 0;
	}
	if (n > 0) {
		/* Only bytes that occur: handles are short, the table is not. */
		for (i = 0; i < n; i++) {
			if (counts[s[i]] == 0)
				continue;
			p = (double)counts[s[i]] / (double)n;
			e -= p * (n <= HANDLE_TABLED ? log2_share[n][counts[s[i]]] : log2(p));
			counts[s[i]] = 0;
		}
	}
	set(f, F_HANDLE_DIGITS, (double)best);
	set(f, F_HANDLE_LENGTH, (double)chars);
	set(f, F_HANDLE_ENTROPY, e > 0 ? e : 0);
}

static inline double
days_between(int64_t from, int64_t to)
{
	double d = (double)(to - from) / 86400.0;

	/* Clock skew between creation and observation is not a negative age. */
	return d > 0 ? d : 0;
}

void
features_compute(const struct fg_profile *p, int64_t now, struct fg_features *f)
{
	int64_t ref = p->observed_at != FG_TIME_UNKNOWN ? p->observed_at : now;
	double age = -1, fr, fg;

	pthread_once(&tables_once, tables_fill);
	memset(f, 0, sizeof(*f));
	if (p->avatar_default != FG_UNKNOWN)
		set(f, F_DEFAULT_AVATAR, p->avatar_default ? 1 : 0);
	if (p->bio != NULL)
		set(f, F_EMPTY_BIO, profile_blank(p->bio));
	if (p->display_name != NULL)
		set(f, F_NO_DISPLAY_NAME, profile_blank(p->display_name));
	if (p->created_at != FG_TIME_UNKNOWN && ref != FG_TIME_UNKNOWN) {
		age = days_between(p->created_at, ref);
		set(f, F_ACCOUNT_AGE, log1p(age));
	}
	if (p->posts_count >= 0) {
		set(f, F_POSTS, count_log1p(p->posts_count));
		/* Under a day old, the rate is the count itself: no division by tiny ages. */
		if (age >= 0)
			set(f, F_POSTS_PER_DAY,
			    log1p((double)p->posts_count / (age > 1 ? age : 1)));
	}
	if (p->followers_count >= 0)
		set(f, F_FOLLOWERS, count_log1p(p->followers_count));
	if (p->following_count >= 0)
		set(f, F_FOLLOWING, count_log1p(p->following_count));
	if (p->followers_count >= 0 && p->following_count >= 0) {
		fr = (double)p->followers_count;
		fg = (double)p->following_count;
		set(f, F_FOLLOWING_RATIO, log((fg + 1) / (fr + 1)));
		set(f, F_FOLLOWING_RATIO2, log1p(fg / ((fr + 1) * (fr + 1))));
	}
	if (p->following_count >= 0 && p->posts_count >= 0)
		set(f, F_FOLLOWING_PER_POST, log(((double)p->following_count + 1) /
		    ((double)p->posts_count + 1)));
	if (p->likes_count >= 0)
		set(f, F_LIKES, count_log1p(p->likes_count));
	if (p->listed_count >= 0)
		set(f, F_LISTED, count_log1p(p->listed_count));
	if (p->last_post_at != FG_TIME_UNKNOWN && ref != FG_TIME_UNKNOWN)
		set(f, F_DAYS_SINCE_POST, log1p(days_between(p->last_post_at, ref)));
	if (p->url != NULL)
		set(f, F_NO_URL, profile_blank(p->url));
	if (p->location != NULL)
		set(f, F_NO_LOCATION, profile_blank(p->location));
	if (p->handle != NULL)
		handle_features(p->handle, f);
	if (p->bot != FG_UNKNOWN)
		set(f, F_BOT, p->bot ? 1 : 0);
}

int
feature_is_flag(enum fg_feature i)
{
	switch (i) {
	case F_DEFAULT_AVATAR:
	case F_EMPTY_BIO:
	case F_NO_DISPLAY_NAME:
	case F_NO_URL:
	case F_NO_LOCATION:
	case F_BOT:
		return 1;
	default:
		return 0;
	}
}

char *
feature_format(const struct fg_features *f, enum fg_feature i, char *buf, size_t len)
{
	double x = f->x[i];

	if (!FEATURE_KNOWN(f, i)) {
		snprintf(buf, len, "unknown");
		return buf;
	}
	if (feature_is_flag(i)) {
		snprintf(buf, len, "%s", x != 0 ? "yes" : "no");
		return buf;
	}
	switch (i) {
	case F_ACCOUNT_AGE:
	case F_DAYS_SINCE_POST:
		snprintf(buf, len, "%.0f days", expm1(x));
		break;
	case F_POSTS_PER_DAY:
		snprintf(buf, len, "%.3f/day", expm1(x));
		break;
	case F_FOLLOWING_RATIO:
	case F_FOLLOWING_PER_POST:
		snprintf(buf, len, "%.2f", exp(x));
		break;
	case F_FOLLOWING_RATIO2:
		snprintf(buf, len, "%.4f", expm1(x));
		break;
	case F_HANDLE_ENTROPY:
		snprintf(buf, len, "%.2f bits", x);
		break;
	case F_HANDLE_DIGITS:
	case F_HANDLE_LENGTH:
		snprintf(buf, len, "%.0f", x);
		break;
	default:
		/* The counts, stored as log1p. */
		snprintf(buf, len, "%.0f", expm1(x));
		break;
	}
	return buf;
}

double
feature_human(const struct fg_features *f, enum fg_feature i)
{
	double x = f->x[i];

	switch (i) {
	case F_FOLLOWING_RATIO:
	case F_FOLLOWING_PER_POST:
		return exp(x);
	case F_ACCOUNT_AGE:
	case F_DAYS_SINCE_POST:
	case F_POSTS_PER_DAY:
	case F_FOLLOWING_RATIO2:
	case F_POSTS:
	case F_FOLLOWERS:
	case F_FOLLOWING:
	case F_LIKES:
	case F_LISTED:
		return expm1(x);
	default:
		return x;
	}
}
