/* The normalized profile: validation and mapping from and to JSON. */
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "timeutil.h"

void
profile_init(struct fg_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->created_at = p->observed_at = p->last_post_at = FG_TIME_UNKNOWN;
	p->followers_count = p->following_count = p->posts_count = -1;
	p->likes_count = p->listed_count = -1;
	p->avatar_default = p->bot = p->verified = p->locked = FG_UNKNOWN;
	p->label = FG_LABEL_NONE;
}

enum kind { K_STR, K_TIME, K_COUNT, K_BOOL, K_ID, K_LABEL };

struct profile_field {
	const char	*key;
	enum kind	 kind;
	size_t		 off;
	size_t		 max;	/* strings: longest accepted length in bytes */
};

static const struct profile_field fields[] = {
	{ "id", K_ID, offsetof(struct fg_profile, id), FG_ID_MAX },
	{ "handle", K_STR, offsetof(struct fg_profile, handle), FG_HANDLE_MAX },
	{ "display_name", K_STR, offsetof(struct fg_profile, display_name), FG_TEXT_MAX },
	{ "bio", K_STR, offsetof(struct fg_profile, bio), FG_TEXT_MAX },
	{ "url", K_STR, offsetof(struct fg_profile, url), FG_TEXT_MAX },
	{ "location", K_STR, offsetof(struct fg_profile, location), FG_TEXT_MAX },
	{ "created_at", K_TIME, offsetof(struct fg_profile, created_at), 0 },
	{ "observed_at", K_TIME, offsetof(struct fg_profile, observed_at), 0 },
	{ "last_post_at", K_TIME, offsetof(struct fg_profile, last_post_at), 0 },
	{ "followers_count", K_COUNT, offsetof(struct fg_profile, followers_count), 0 },
	{ "following_count", K_COUNT, offsetof(struct fg_profile, following_count), 0 },
	{ "posts_count", K_COUNT, offsetof(struct fg_profile, posts_count), 0 },
	{ "likes_count", K_COUNT, offsetof(struct fg_profile, likes_count), 0 },
	{ "listed_count", K_COUNT, offsetof(struct fg_profile, listed_count), 0 },
	{ "avatar_default", K_BOOL, offsetof(struct fg_profile, avatar_default), 0 },
	{ "bot", K_BOOL, offsetof(struct fg_profile, bot), 0 },
	{ "verified", K_BOOL, offsetof(struct fg_profile, verified), 0 },
	{ "locked", K_BOOL, offsetof(struct fg_profile, locked), 0 },
	{ "label", K_LABEL, offsetof(struct fg_profile, label), 0 },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* Time stamps before 2000 or after 2200 are data errors, not accounts. */
#define TIME_MIN INT64_C(946684800)
#define TIME_MAX INT64_C(7258118400)

const struct profile_field *
profile_field(const char *key, size_t len)
{
	size_t i;

	/* Called for every key of every follower read: first byte, then the rest. */
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].key[0] == key[0] && strncmp(fields[i].key, key, len) == 0 &&
		    fields[i].key[len] == '\0')
			return &fields[i];
	return NULL;
}

int
profile_field_other(const struct profile_field *f, const char *what, char *err, size_t errlen)
{
	static const char *const expected[] = {
		[K_STR] = "a string", [K_TIME] = "an RFC 3339 time string",
		[K_COUNT] = "a non-negative integer", [K_BOOL] = "true or false",
		[K_ID] = "a non-empty string", [K_LABEL] = "\"fake\" or \"genuine\"",
	};

	if (f->kind == K_ID && strcmp(what, "a number") == 0)
		snprintf(err, errlen, "\"id\": expected a string (ids are strings, not numbers)");
	else
		snprintf(err, errlen, "\"%s\": expected %s, not %s", f->key, expected[f->kind],
		    what);
	return -1;
}

int
profile_field_string(struct fg_profile *p, const struct profile_field *f, const char *s,
    size_t len, char *err, size_t errlen)
{
	char *base = (char *)p;
	int64_t t;

	switch (f->kind) {
	case K_ID:
		if (len == 0) {
			snprintf(err, errlen, "\"id\": must not be empty");
			return -1;
		}
		/* FALLTHROUGH */
	case K_STR:
		if (len > f->max) {
			snprintf(err, errlen, "\"%s\": string longer than %zu bytes", f->key, f->max);
			return -1;
		}
		if (memchr(s, '\0', len) != NULL) {
			snprintf(err, errlen, "\"%s\": string contains NUL", f->key);
			return -1;
		}
		*(const char **)(base + f->off) = s;
		return 0;
	case K_TIME:
		if (time_parse_rfc3339(s, &t) == -1) {
			snprintf(err, errlen, "\"%s\": not an RFC 3339 time", f->key);
			return -1;
		}
		if (t < TIME_MIN || t > TIME_MAX) {
			snprintf(err, errlen, "\"%s\": time out of range", f->key);
			return -1;
		}
		*(int64_t *)(base + f->off) = t;
		return 0;
	case K_LABEL:
		if (strcmp(s, "fake") == 0)
			p->label = FG_LABEL_FAKE;
		else if (strcmp(s, "genuine") == 0)
			p->label = FG_LABEL_GENUINE;
		else
			break;
		return 0;
	default:
		break;
	}
	return profile_field_other(f, "a string", err, errlen);
}

int
profile_field_integer(struct fg_profile *p, const struct profile_field *f, int64_t n,
    char *err, size_t errlen)
{
	if (f->kind != K_COUNT)
		return profile_field_other(f, "a number", err, errlen);
	if (n < 0 || n > FG_COUNT_MAX) {
		snprintf(err, errlen, "\"%s\": count %lld out of range", f->key, (long long)n);
		return -1;
	}
	*(int64_t *)((char *)p + f->off) = n;
	return 0;
}

int
profile_field_bool(struct fg_profile *p, const struct profile_field *f, int v, char *err,
    size_t errlen)
{
	if (f->kind != K_BOOL)
		return profile_field_other(f, "a boolean", err, errlen);
	*(int8_t *)((char *)p + f->off) = (int8_t)(v != 0);
	return 0;
}

int
profile_check(const struct fg_profile *p, char *err, size_t errlen)
{
	if (p->id == NULL) {
		snprintf(err, errlen, "\"id\": required non-empty string missing");
		return -1;
	}
	return 0;
}

int
profile_from_json(const json_t *o, struct fg_profile *p, char *err, size_t errlen)
{
	const struct profile_field *f;
	const char *key;
	json_t *v;
	int r;

	profile_init(p);
	if (!json_is_object(o)) {
		snprintf(err, errlen, "profile is not a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)o, key, v) {
		if ((f = profile_field(key, strlen(key))) == NULL || json_is_null(v))
			continue;
		if (json_is_string(v))
			r = profile_field_string(p, f, json_string_value(v),
			    json_string_length(v), err, errlen);
		else if (json_is_integer(v))
			r = profile_field_integer(p, f, json_integer_value(v), err, errlen);
		else if (json_is_boolean(v))
			r = profile_field_bool(p, f, json_is_true(v), err, errlen);
		else
			r = profile_field_other(f, json_is_real(v) ? "a number" :
			    json_is_array(v) ? "an array" : "an object", err, errlen);
		if (r == -1)
			return -1;
	}
	return profile_check(p, err, errlen);
}

json_t *
profile_to_json(const struct fg_profile *p)
{
	json_t *o = json_object();
	char buf[FG_RFC3339_LEN];
	const char *base = (const char *)p;
	const char *s;
	int64_t n;
	size_t i;

	json_object_set_new(o, "id", json_string(p->id));
	for (i = 0; i < NFIELDS; i++) {
		const struct profile_field *f = &fields[i];

		switch (f->kind) {
		case K_ID:
		case K_LABEL:
			break;
		case K_STR:
			if ((s = *(const char *const *)(base + f->off)) != NULL)
				json_object_set_new(o, f->key, json_string(s));
			break;
		case K_TIME:
			if ((n = *(const int64_t *)(base + f->off)) != FG_TIME_UNKNOWN)
				json_object_set_new(o, f->key,
				    json_string(time_format_rfc3339(n, buf)));
			break;
		case K_COUNT:
			if ((n = *(const int64_t *)(base + f->off)) >= 0)
				json_object_set_new(o, f->key, json_integer(n));
			break;
		case K_BOOL:
			if ((n = *(const int8_t *)(base + f->off)) != FG_UNKNOWN)
				json_object_set_new(o, f->key, json_boolean(n));
			break;
		}
	}
	if (p->label != FG_LABEL_NONE)
		json_object_set_new(o, "label",
		    json_string(p->label == FG_LABEL_FAKE ? "fake" : "genuine"));
	return o;
}
