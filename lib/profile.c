/* The normalized profile: the text policy, validation, and mapping from and to JSON. */
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "timeutil.h"
#include "utf8.h"

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

/* ---- text -------------------------------------------------------------------------- */

enum { C_KEEP, C_SPACE, C_FFFD };

/*
 * What the character at s (n > 0 bytes left) becomes under the policy in profile.h, and in
 * *used how many bytes it takes: a valid UTF-8 sequence is one character, a byte that starts
 * none is one on its own.
 */
static int
char_class(const unsigned char *s, size_t n, size_t *used)
{
	uint32_t cp;

	if ((*used = utf8_decode(s, n, &cp)) == 0) {
		*used = 1;
		return C_FFFD;
	}
	if (cp >= 0x20 && cp != 0x7f && (cp < 0x80 || cp >= 0xa0))
		return C_KEEP;
	return cp >= '\t' && cp <= '\r' ? C_SPACE : C_FFFD;	/* TAB LF VT FF CR */
}

const char *
profile_text(struct fg_arena *a, const char *s, size_t len, size_t max)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o, used, cap, n;
	char *out;
	int cl;

	/* Most text needs nothing: printable ASCII or sound UTF-8, within the bound. */
	while (i < len) {
		if (u[i] >= 0x20 && u[i] < 0x7f)
			used = 1;
		else if (char_class(u + i, len - i, &used) != C_KEEP)
			break;
		if (i + used > max)
			break;
		i += used;
	}
	if (i == len && s[len] == '\0')
		return s;
	/* The rest grows at most threefold (a byte becomes U+FFFD) and stops at max. */
	cap = len - i > (max - i) / 3 ? max : i + 3 * (len - i);
	out = arena_alloc(a, cap + 1);
	memcpy(out, s, i);
	for (o = i; i < len; i += used, o += n) {
		cl = char_class(u + i, len - i, &used);
		n = cl == C_KEEP ? used : cl == C_SPACE ? 1 : 3;
		if (o + n > max)
			break;
		if (cl == C_KEEP)
			memcpy(out + o, s + i, used);
		else if (cl == C_SPACE)
			out[o] = ' ';
		else
			memcpy(out + o, fffd, 3);
	}
	out[o] = '\0';
	return out;
}

int
profile_id_check(const char *s, size_t len, char *err, size_t errlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, used;

	if (len == 0) {
		snprintf(err, errlen, "empty");
		return -1;
	}
	if (len > FG_ID_MAX) {
		snprintf(err, errlen, "%zu bytes, more than %d", len, FG_ID_MAX);
		return -1;
	}
	for (i = 0; i < len; i += used)
		if (char_class(u + i, len - i, &used) != C_KEEP) {
			snprintf(err, errlen, "holds a control character or invalid UTF-8 at "
			    "byte %zu", i);
			return -1;
		}
	return 0;
}

int
profile_blank(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
			continue;
		/* Short-circuit order: never past the NUL. */
		if ((unsigned char)s[0] != 0xef || (unsigned char)s[1] != 0xbf ||
		    (unsigned char)s[2] != 0xbd)
			return 0;
		s += 2;
	}
	return 1;
}

/* ---- fields ------------------------------------------------------------------------ */

enum kind { K_STR, K_TIME, K_COUNT, K_BOOL, K_ID, K_LABEL };

struct profile_field {
	const char	*key;
	size_t		 klen;
	enum kind	 kind;
	size_t		 off;
	size_t		 max;	/* texts: their bound in bytes */
};

#define F(key, kind, member, max) \
	{ key, sizeof(key) - 1, kind, offsetof(struct fg_profile, member), max }
static const struct profile_field fields[] = {
	F("id", K_ID, id, FG_ID_MAX),
	F("handle", K_STR, handle, FG_HANDLE_MAX),
	F("display_name", K_STR, display_name, FG_TEXT_MAX),
	F("bio", K_STR, bio, FG_TEXT_MAX),
	F("url", K_STR, url, FG_TEXT_MAX),
	F("location", K_STR, location, FG_TEXT_MAX),
	F("created_at", K_TIME, created_at, 0),
	F("observed_at", K_TIME, observed_at, 0),
	F("last_post_at", K_TIME, last_post_at, 0),
	F("followers_count", K_COUNT, followers_count, 0),
	F("following_count", K_COUNT, following_count, 0),
	F("posts_count", K_COUNT, posts_count, 0),
	F("likes_count", K_COUNT, likes_count, 0),
	F("listed_count", K_COUNT, listed_count, 0),
	F("avatar_default", K_BOOL, avatar_default, 0),
	F("bot", K_BOOL, bot, 0),
	F("verified", K_BOOL, verified, 0),
	F("locked", K_BOOL, locked, 0),
	F("label", K_LABEL, label, 0),
};
#undef F
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

const struct profile_field *
profile_field(const char *key, size_t len)
{
	int i;

	/*
	 * Called for every key of every follower read: the length and a byte or two pick the
	 * one candidate (indexes into fields[] above), then the whole name is compared.
	 */
	switch (len) {
	case 2:
		i = 0;
		break;
	case 3:
		i = key[0] == 'u' ? 4 : key[1] == 'i' ? 3 : 15;
		break;
	case 5:
		i = 18;
		break;
	case 6:
		i = key[0] == 'h' ? 1 : 17;
		break;
	case 8:
		i = key[0] == 'l' ? 5 : 16;
		break;
	case 10:
		i = 6;
		break;
	case 11:
		i = key[0] == 'o' ? 7 : key[0] == 'p' ? 11 : 12;
		break;
	case 12:
		i = key[0] == 'd' ? 2 : key[1] == 'a' ? 8 : 13;
		break;
	case 14:
		i = 14;
		break;
	case 15:
		i = key[6] == 'e' ? 9 : 10;
		break;
	default:
		return NULL;
	}
	return memcmp(fields[i].key, key, len) == 0 ? &fields[i] : NULL;
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
    size_t len, struct fg_arena *a, char *err, size_t errlen)
{
	char *base = (char *)p, why[96];
	int64_t t;

	switch (f->kind) {
	case K_ID:
		if (profile_id_check(s, len, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "\"id\": %s", why);
			return -1;
		}
		p->id = s;
		return 0;
	case K_STR:
		*(const char **)(base + f->off) = profile_text(a, s, len, f->max);
		return 0;
	case K_TIME:
		/* A NUL would end the string early: "2020-01-01T00:00:00Z\0junk" is no time. */
		if (memchr(s, '\0', len) != NULL || time_parse_rfc3339(s, &t) == -1) {
			snprintf(err, errlen, "\"%s\": not an RFC 3339 time", f->key);
			return -1;
		}
		if (t < FG_TIME_MIN || t > FG_TIME_MAX) {
			snprintf(err, errlen, "\"%s\": time out of range", f->key);
			return -1;
		}
		*(int64_t *)(base + f->off) = t;
		return 0;
	case K_LABEL:
		if (len == 4 && memcmp(s, "fake", 4) == 0)
			p->label = FG_LABEL_FAKE;
		else if (len == 7 && memcmp(s, "genuine", 7) == 0)
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

/* ---- JSON -------------------------------------------------------------------------- */

int
profile_from_json(const json_t *o, struct fg_profile *p, struct fg_arena *a, char *err,
    size_t errlen)
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
			    json_string_length(v), a, err, errlen);
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

int
profile_scan(struct jscan *js, struct fg_profile *p, struct fg_arena *a, char *err,
    size_t errlen)
{
	const struct profile_field *f;
	const char *key, *s;
	char msg[200];
	size_t klen, len;
	enum jscan_type type;
	int64_t n;
	int r, rc, integer, bad = 0;

	profile_init(p);
	if (jscan_object_begin(js) == -1)
		return -1;
	while ((r = jscan_object_next(js, &key, &klen)) == 1) {
		f = profile_field(key, klen);
		type = jscan_peek(js);
		if (f == NULL || type == JS_NULL) {
			if (jscan_skip(js) == -1)
				return -1;
			continue;
		}
		switch (type) {
		case JS_ERROR:
			return -1;
		case JS_STRING:
			if (jscan_string(js, &s, &len) == -1)
				return -1;
			rc = profile_field_string(p, f, s, len, a, msg, sizeof(msg));
			break;
		case JS_NUMBER:
			if (jscan_number(js, &integer, &n) == -1)
				return -1;
			rc = integer ? profile_field_integer(p, f, n, msg, sizeof(msg)) :
			    profile_field_other(f, "a number", msg, sizeof(msg));
			break;
		case JS_TRUE:
		case JS_FALSE:
			if (jscan_literal(js) == -1)
				return -1;
			rc = profile_field_bool(p, f, type == JS_TRUE, msg, sizeof(msg));
			break;
		default:
			if (jscan_skip(js) == -1)
				return -1;
			rc = profile_field_other(f, jscan_type_name(type), msg, sizeof(msg));
			break;
		}
		/* The first problem is reported; reading goes on so a syntax error wins. */
		if (rc == -1 && !bad) {
			snprintf(err, errlen, "%s", msg);
			bad = 1;
		}
	}
	if (r == -1)
		return -1;
	if (!bad && profile_check(p, err, errlen) == -1)
		bad = 1;
	return bad;
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
