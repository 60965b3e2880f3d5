/*
 * The normalized profile (DESIGN.md contract 2): one platform account as every provider maps it.
 * Unknown is distinct from false or zero: strings are NULL, times FG_TIME_UNKNOWN, counts -1,
 * booleans FG_UNKNOWN.
 */
#ifndef FG_PROFILE_H
#define FG_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define FG_UNKNOWN		(-1)
#define FG_ID_MAX		128	/* bytes */
#define FG_HANDLE_MAX		256
#define FG_TEXT_MAX		4096	/* display name, bio, url, location */
#define FG_COUNT_MAX		INT64_C(1000000000000)

enum fg_label { FG_LABEL_NONE = -1, FG_LABEL_GENUINE = 0, FG_LABEL_FAKE = 1 };

struct fg_profile {
	const char *id;		/* required */
	const char *handle;
	const char *display_name;
	const char *bio;
	const char *url;
	const char *location;
	int64_t	 created_at;	/* FG_TIME_UNKNOWN if unknown */
	int64_t	 observed_at;
	int64_t	 last_post_at;
	int64_t	 followers_count;	/* -1 if unknown */
	int64_t	 following_count;
	int64_t	 posts_count;
	int64_t	 likes_count;
	int64_t	 listed_count;
	int8_t	 avatar_default;	/* 0, 1 or FG_UNKNOWN */
	int8_t	 bot;
	int8_t	 verified;
	int8_t	 locked;
	int8_t	 label;		/* enum fg_label */
};

void	profile_init(struct fg_profile *);	/* all unknown */
/*
 * Fills p from a JSON object. Strings are borrowed: they point into the object and live as
 * long as it does. On error returns -1 with a message in err naming the key and the problem.
 */
int	profile_from_json(const json_t *, struct fg_profile *p, char *err, size_t errlen);
json_t	*profile_to_json(const struct fg_profile *);

/*
 * One key of the profile at a time, for readers that build no JSON tree. profile_field
 * returns NULL for keys that are not part of the profile (they are ignored). A setter
 * validates a value of that JSON type and stores it (strings are borrowed), or returns -1
 * with the message; null values mean unknown and are simply not set. profile_check tells
 * whether the required id was given.
 */
struct profile_field;
const struct profile_field *profile_field(const char *key, size_t len);
int	profile_field_string(struct fg_profile *, const struct profile_field *, const char *s,
	    size_t len, char *err, size_t errlen);
int	profile_field_integer(struct fg_profile *, const struct profile_field *, int64_t,
	    char *err, size_t errlen);
int	profile_field_bool(struct fg_profile *, const struct profile_field *, int,
	    char *err, size_t errlen);
/* A value of another JSON type ("a number" for non-integers, "an array", ...). */
int	profile_field_other(const struct profile_field *, const char *what, char *err,
	    size_t errlen);
int	profile_check(const struct fg_profile *, char *err, size_t errlen);

#endif
