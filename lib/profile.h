/*
 * The normalized profile (docs/contracts.md 2): one platform account as every provider maps it.
 * Unknown is distinct from false or zero: strings are NULL, times FG_TIME_UNKNOWN, counts -1,
 * booleans FG_UNKNOWN.
 *
 * Text. A platform may send any JSON string: NUL and other control characters, at any length.
 * profile_text() decides, in this one place, what such text becomes inside the program
 * (docs/text.md), and every reader of profiles applies it, so that the texts of a profile
 * (handle, display_name, bio, url, location) are always valid UTF-8 NUL-terminated strings
 * with no control character, cut to their bound:
 *   - TAB, LF, VT, FF and CR become a space;
 *   - every other C0 control (NUL included), DEL, every C1 control (U+0080-U+009F) and every
 *     byte that does not start a valid UTF-8 sequence become U+FFFD;
 *   - text longer than its bound is cut at the last whole character that fits.
 * This normalized copy is what is scored, stored and shown. An id is not text: it must match
 * the platform's byte for byte, so an id that is empty, longer than FG_ID_MAX or would be
 * changed by the policy is refused (profile_id_check) and only that account is unreadable.
 */
#ifndef FG_PROFILE_H
#define FG_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "arena.h"
#include "jsonscan.h"

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
 * The text policy above, applied to the len bytes at s (any bytes; s[len] must be readable):
 * returns the normalized text of at most max bytes, NUL-terminated. That is s itself when s
 * already is normal and s[len] is its NUL (the usual case: nothing is copied), else a copy
 * allocated in a. Never NULL.
 */
const char *profile_text(struct fg_arena *a, const char *s, size_t len, size_t max);
/* 0 if s (len bytes) is usable as an id, else -1 with the reason in err. */
int	profile_id_check(const char *s, size_t len, char *err, size_t errlen);
/*
 * Whether normalized text shows nothing: only white space and U+FFFD, which stands for
 * characters the platform would not show either (a bio of "\u0000" is an empty bio).
 */
int	profile_blank(const char *);

/*
 * Fills p from a JSON object (loaded with FG_JSON_IN, jsonin.h). Strings are borrowed from
 * the object, or normalized copies in a: they live as long as both. On error returns -1 with
 * a message in err naming the key and the problem.
 */
int	profile_from_json(const json_t *, struct fg_profile *p, struct fg_arena *a, char *err,
	    size_t errlen);
json_t	*profile_to_json(const struct fg_profile *);
/*
 * Reads the profile object at the scanner's position into p (texts normalized into a, or
 * borrowed from the scanner's buffer). Returns -1 on a JSON syntax error (js->err), 1 when
 * the JSON is sound but the profile is not (the first problem in err; the object is still
 * read to its end), 0 when p is a valid profile.
 */
int	profile_scan(struct jscan *, struct fg_profile *p, struct fg_arena *a, char *err,
	    size_t errlen);

/*
 * One key of the profile at a time, for readers that build their own mapping. profile_field
 * returns NULL for keys that are not part of the profile (they are ignored). A setter
 * validates a value of that JSON type and stores it (texts through profile_text, into a; an
 * id is borrowed, so s must end with a NUL at s[len], as jansson and jsonscan leave strings),
 * or returns -1 with the message; null values mean unknown and are simply not set.
 * profile_check tells whether the required id was given.
 */
struct profile_field;
const struct profile_field *profile_field(const char *key, size_t len);
int	profile_field_string(struct fg_profile *, const struct profile_field *, const char *s,
	    size_t len, struct fg_arena *a, char *err, size_t errlen);
int	profile_field_integer(struct fg_profile *, const struct profile_field *, int64_t,
	    char *err, size_t errlen);
int	profile_field_bool(struct fg_profile *, const struct profile_field *, int,
	    char *err, size_t errlen);
/* A value of another JSON type ("a number" for non-integers, "an array", ...). */
int	profile_field_other(const struct profile_field *, const char *what, char *err,
	    size_t errlen);
int	profile_check(const struct fg_profile *, char *err, size_t errlen);

#endif
