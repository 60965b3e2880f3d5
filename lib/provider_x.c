/*
 * The X API v2 provider (docs/platforms.md sections 5 to 7): builds the account lookup, followers
 * and following page requests, maps X's User objects onto the normalized profile, reads the
 * x-rate-limit-* headers and turns problem+json errors into verdicts.
 *
 * Removal is a kept block, where the access tier allows it:
 * - v2 has no "remove follower" endpoint (docs/platforms.md 5.4); X's UI has one, its API does not.
 *   A block ends the blocked account's follow, and keeping the block in place makes that the
 *   removal: one request, POST /2/users/:id/blocking, like Bluesky's kept block record.
 * - X offers the block endpoints only on the Enterprise access tier (they have been absent
 *   from the public OpenAPI spec since 2025). Elsewhere X answers 403 (client-forbidden,
 *   reason client-not-enrolled); parse_remove turns that into FG_P_FATAL with a message that
 *   names the missing access, so the daemon reports suspected fakes but removes nothing.
 *   Blocking also needs a user-context token (block.write); an app-only bearer gets a 403
 *   unsupported-authentication, said as such.
 * - unremove lifts the block (DELETE /2/users/:id/blocking/:target_user_id). The follow does
 *   not come back by itself: the account has to follow again.
 * - The v1.1 soft block (blocks/create then blocks/destroy, section 6) is not used: it needs
 *   OAuth 1.0a request signing with consumer and user secrets we do not hold (the account
 *   carries one bearer token) and is unavailable to most apps created after 2023.
 *
 * The bearer token is copied into the request's auth line only; urls, `what` and error
 * messages are built from the configuration's account, the resolved id and the server's
 * replies, never from the token.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "jsonin.h"
#include "log.h"
#include "provider.h"
#include "timeutil.h"
#include "xmalloc.h"

#define X_PAGE_SIZE	1000	/* max_results maximum for GET /2/users/:id/followers */
#define X_ID_DIGITS	19	/* user ids match ^[0-9]{1,19}$ */
#define X_NAME_MAX	15	/* usernames match ^[A-Za-z0-9_]{1,15}$ */
#define X_TOKEN_MAX	512	/* the longest next_token carried into the next url */
/* Literal commas, as in X's own examples; the list is fixed, so the url always reads alike. */
#define X_USER_FIELDS	"created_at,description,profile_image_url,public_metrics," \
			"verified,protected,url,location"

#define WHAT_LOOKUP	"account lookup"
#define WHAT_PAGE	"followers page"
#define WHAT_FOLLOWING	"following page"
#define WHAT_REMOVE	"remove (block)"
#define WHAT_UNREMOVE	"unremove (unblock)"

/* How a field of X's User object lands in the normalized profile. */
enum x_type { XT_STR, XT_INT, XT_BOOL };

struct x_map {
	const char	*x;	/* key in the User object (or in public_metrics) */
	const char	*fg;	/* key of the normalized profile */
	enum x_type	 type;
};

static const struct x_map user_map[] = {
	{ "username", "handle", XT_STR },
	{ "name", "display_name", XT_STR },
	{ "description", "bio", XT_STR },
	{ "created_at", "created_at", XT_STR },
	{ "url", "url", XT_STR },	/* often a t.co link: kept as the profile shows it */
	{ "location", "location", XT_STR },
	{ "verified", "verified", XT_BOOL },
	{ "protected", "locked", XT_BOOL },
};

static const struct x_map metrics_map[] = {
	{ "followers_count", "followers_count", XT_INT },
	{ "following_count", "following_count", XT_INT },
	{ "listed_count", "listed_count", XT_INT },
	{ "like_count", "likes_count", XT_INT },
	/* The live API says tweet_count; spec 2.167 renamed it post_count. */
	{ "tweet_count", "posts_count", XT_INT },
	{ "post_count", "posts_count", XT_INT },
};

static int
is_digits(const char *s, size_t max)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= max && s[n] == '\0';
}

/* ASCII only, whatever locale the daemon runs in. */
static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
is_username(const char *s)
{
	size_t n = 0;

	while (is_alnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return n > 0 && n <= X_NAME_MAX && s[n] == '\0';
}

/* Printable ASCII only: the value goes into a header or a url and must not split either. */
static int
is_token_text(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static void
request_init(struct fg_request *req, const char *method, const char *what)
{
	memset(req, 0, sizeof(*req));
	snprintf(req->method, sizeof(req->method), "%s", method);
	snprintf(req->what, sizeof(req->what), "%s", what);
}

/* A failed build leaves nothing behind, least of all the token. */
static int
request_fail(struct fg_request *req)
{
	request_clear(req);
	memset(req, 0, sizeof(*req));
	return -1;
}

static int url_append(struct fg_request *, const char *, ...) FG_PRINTF(2, 3);

static int
url_append(struct fg_request *req, const char *fmt, ...)
{
	size_t used = strlen(req->url);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(req->url + used, sizeof(req->url) - used, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= sizeof(req->url) - used ? -1 : 0;
}

/* The API root without a trailing slash, whatever the configuration wrote. */
static int
url_base(struct fg_request *req, const struct fg_account *a)
{
	size_t len = strnlen(a->base_url, sizeof(a->base_url));

	while (len > 0 && a->base_url[len - 1] == '/')
		len--;
	if (len == 0) {
		log_warnx("x: no base_url");
		return -1;
	}
	return url_append(req, "%.*s", (int)len, a->base_url);
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static int
url_append_encoded(struct fg_request *req, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t used = strlen(req->url);
	unsigned char c;

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (used + 4 > sizeof(req->url))
			return -1;
		if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			req->url[used++] = (char)c;
		else {
			req->url[used++] = '%';
			req->url[used++] = hex[c >> 4];
			req->url[used++] = hex[c & 15];
		}
	}
	req->url[used] = '\0';
	return 0;
}

static int
request_auth(struct fg_request *req, const struct fg_account *a)
{
	int n;

	if (a->secret == NULL || a->secret[0] == '\0') {
		log_warnx("x: %s: no bearer token", req->what);
		return -1;
	}
	if (!is_token_text(a->secret)) {
		log_warnx("x: %s: the bearer token contains spaces or control characters",
		    req->what);
		return -1;
	}
	n = snprintf(req->auth, sizeof(req->auth), "Authorization: Bearer %s", a->secret);
	if (n < 0 || (size_t)n >= sizeof(req->auth)) {
		explicit_bzero(req->auth, sizeof(req->auth));	/* a cut token is still secret */
		return -1;
	}
	return 0;
}

/*
 * GET /2/users/me for "me" (user-context tokens only), /2/users/:id for an all-digit
 * account, else /2/users/by/username/:username. A username made only of digits is
 * written with its @ ("@12345"), as is a user literally called "me".
 */
static int
x_resolve(const struct fg_account *a, struct fg_request *req)
{
	const char *acct = a->account;

	request_init(req, "GET", WHAT_LOOKUP);
	if (url_base(req, a) == -1)
		return request_fail(req);
	if (strcmp(acct, "me") == 0) {
		if (url_append(req, "/2/users/me") == -1)
			return request_fail(req);
	} else if (is_digits(acct, X_ID_DIGITS)) {
		if (url_append(req, "/2/users/%s", acct) == -1)
			return request_fail(req);
	} else {
		if (acct[0] == '@')
			acct++;
		if (!is_username(acct)) {
			log_warnx("x: account \"%.64s\" is neither a user id nor a username "
			    "(1 to 15 letters, digits or _)", a->account);
			return request_fail(req);
		}
		if (url_append(req, "/2/users/by/username/%s", acct) == -1)
			return request_fail(req);
	}
	if (url_append(req, "?user.fields=public_metrics") == -1 ||
	    request_auth(req, a) == -1)
		return request_fail(req);
	return 0;
}

/* One page of /2/users/:id/followers or /following: the same parameters and paging. */
static int
list_page(const struct fg_account *a, const char *list, const char *what, const char *cursor,
    struct fg_request *req)
{
	request_init(req, "GET", what);
	if (!is_digits(a->id, X_ID_DIGITS)) {
		log_warnx("x: %s: account id not resolved", req->what);
		return request_fail(req);
	}
	if (url_base(req, a) == -1 ||
	    url_append(req, "/2/users/%s/%s?max_results=%d&user.fields=%s", a->id, list,
	    X_PAGE_SIZE, X_USER_FIELDS) == -1)
		return request_fail(req);
	if (cursor != NULL) {
		if (cursor[0] == '\0' || url_append(req, "&pagination_token=") == -1 ||
		    url_append_encoded(req, cursor) == -1)
			return request_fail(req);
	}
	if (request_auth(req, a) == -1)
		return request_fail(req);
	return 0;
}

static int
x_page(const struct fg_account *a, const char *cursor, struct fg_request *req)
{
	return list_page(a, "followers", WHAT_PAGE, cursor, req);
}

/* The accounts the watched account follows (GET /2/users/:id/following). */
static int
x_following(const struct fg_account *a, const char *cursor, struct fg_request *req)
{
	return list_page(a, "following", WHAT_FOLLOWING, cursor, req);
}

/* The watched account's id and the follower's, both resolved X ids; logs what is wrong. */
static int
block_ids(const struct fg_account *a, const char *target, const char *what)
{
	if (!is_digits(a->id, X_ID_DIGITS)) {
		log_warnx("x: %s: account id not resolved", what);
		return -1;
	}
	if (target == NULL || !is_digits(target, X_ID_DIGITS)) {
		log_warnx("x: %s: the follower id is not an X user id", what);
		return -1;
	}
	return 0;
}

/*
 * POST /2/users/:id/blocking {"target_user_id":"..."}: the block ends the follow and stays.
 * The key is not used: blocking an account already blocked answers the same.
 */
static int
x_remove(const struct fg_account *a, const char *follower_id, const char *key,
    struct fg_request *req)
{
	json_t *o;

	(void)key;
	request_init(req, "POST", WHAT_REMOVE);
	if (block_ids(a, follower_id, req->what) == -1 || url_base(req, a) == -1 ||
	    url_append(req, "/2/users/%s/blocking", a->id) == -1 ||
	    request_auth(req, a) == -1)
		return request_fail(req);
	if ((o = json_pack("{s:s}", "target_user_id", follower_id)) == NULL)
		return request_fail(req);
	req->body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (req->body == NULL)
		return request_fail(req);
	return 0;
}

/*
 * DELETE /2/users/:id/blocking/:target_user_id lifts the block. Unlike Bluesky, the account
 * does not follow again: X ended the follow when it blocked, and unblocking restores nothing.
 */
static int
x_unremove(const struct fg_account *a, const char *follower_id, const char *key,
    struct fg_request *req)
{
	(void)key;
	request_init(req, "DELETE", WHAT_UNREMOVE);
	if (block_ids(a, follower_id, req->what) == -1 || url_base(req, a) == -1 ||
	    url_append(req, "/2/users/%s/blocking/%s", a->id, follower_id) == -1 ||
	    request_auth(req, a) == -1)
		return request_fail(req);
	return 0;
}

/*
 * Copies server text for a log line: without secrets (redacted whole, before it is cut;
 * a may be NULL), bounded, escaped (escape.h).
 */
static void
text_copy(char *buf, size_t len, const char *s, const struct fg_account *a)
{
	char *t = xstrdup(s);

	provider_redact(t, a);
	escape_str(buf, len, t);
	explicit_bzero(t, strlen(t));
	free(t);
}

/*
 * The text of one X error object: problem+json {"title","detail","type"}, a partial error
 * (the same keys plus resource_id) or the legacy {"code","message"}. kind gets the last
 * segment of the problem type ("client-forbidden"), or "". Both escaped (escape.h).
 */
static void
error_object_text(const json_t *e, const struct fg_account *a, char *buf, size_t len,
    char *kind, size_t kindlen)
{
	const char *s, *type, *slash;

	buf[0] = '\0';
	if (kind != NULL)
		kind[0] = '\0';
	if (!json_is_object(e))
		return;
	if ((s = jsonin_str(json_object_get(e, "detail"))) == NULL &&
	    (s = jsonin_str(json_object_get(e, "message"))) == NULL)
		s = jsonin_str(json_object_get(e, "title"));
	if (s != NULL)
		text_copy(buf, len, s, a);
	type = jsonin_str(json_object_get(e, "type"));
	if (kind != NULL && type != NULL) {
		slash = strrchr(type, '/');
		text_copy(kind, kindlen, slash != NULL ? slash + 1 : type, NULL);
	}
}

/* The error text of a whole response: problem+json, or the first of a v1.1 errors array. */
static void
response_error_text(const struct fg_response *r, const struct fg_account *a, char *buf,
    size_t len, char *kind, size_t kindlen)
{
	json_t *o = json_loadb(r->body != NULL ? r->body : "", r->len, FG_JSON_IN, NULL);
	json_t *errors;

	buf[0] = kind[0] = '\0';
	if (json_is_object(o)) {
		error_object_text(o, a, buf, len, kind, kindlen);
		errors = json_object_get(o, "errors");
		if (buf[0] == '\0' && json_is_array(errors))
			error_object_text(json_array_get(errors, 0), a, buf, len, kind, kindlen);
	}
	json_decref(o);
}

/*
 * The verdict from the status (response_classify), with X's error text and, where the
 * status alone misleads, the likely cause.
 */
static enum fg_presult
x_status(const struct fg_response *r, const struct fg_account *a, const char *what, char *err,
    size_t errlen)
{
	enum fg_presult res;
	char text[160], kind[64];
	const char *hint = "";

	res = response_classify(r, a, what, err, errlen);
	if (res == FG_P_OK || r->status == 0)
		return res;
	response_error_text(r, a, text, sizeof(text), kind, sizeof(kind));
	if (r->status == 403) {
		/* A protected account's list is a 403 too, and no tier changes that. */
		if (strcmp(kind, "not-authorized-for-resource") == 0)
			hint = " (not authorized to see this account's followers)";
		else
			hint = " (the API tier may not include this endpoint)";
	} else if (r->status == 429 && strcmp(kind, "usage-capped") == 0)
		hint = " (usage cap: the app's credits are spent, not a 15-minute window)";
	snprintf(err, errlen, "%s: HTTP %ld%s%s%s", what, r->status,
	    text[0] != '\0' ? ": " : "", text, hint);
	return res;
}

/*
 * Parses the body. A body cut short (a dropped connection) is worth retrying; anything else
 * that is not a JSON object will not get better.
 */
static enum fg_presult
x_load(const struct fg_response *r, const struct fg_account *a, const char *what,
    json_t **out, char *err, size_t errlen)
{
	json_error_t e;
	enum json_error_code code;
	json_t *doc;
	char reason[JSON_ERROR_TEXT_LENGTH];

	*out = NULL;
	doc = json_loadb(r->body != NULL ? r->body : "", r->len, FG_JSON_IN, &e);
	if (doc == NULL) {
		code = json_error_code(&e);
		/*
		 * Cut inside a literal ("tru") or a number the parser calls a bad token, and
		 * inside a UTF-8 sequence a bad byte (reported up to 3 bytes early): both
		 * at the very end of the body are truncation too.
		 */
		if (code == json_error_premature_end_of_input ||
		    (code == json_error_invalid_syntax && e.position >= 0 &&
		    (size_t)e.position >= r->len) ||
		    (code == json_error_invalid_utf8 && e.position >= 0 &&
		    (size_t)e.position + 4 >= r->len)) {
			snprintf(err, errlen, "%s: truncated JSON body (%zu bytes)", what, r->len);
			return FG_P_RETRY;
		}
		provider_json_reason(&e, reason, sizeof(reason));
		text_copy(reason, sizeof(reason), reason, a);
		snprintf(err, errlen, "%s: not JSON: %s at byte %d", what, reason, e.position);
		return FG_P_FATAL;
	}
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "%s: expected a JSON object", what);
		json_decref(doc);
		return FG_P_FATAL;
	}
	*out = doc;
	return FG_P_OK;
}

/* The profile setters' messages start with the normalized key; the X path replaces it. */
static const char *
setter_reason(const char *msg)
{
	const char *p;

	if (msg[0] == '"' && (p = strstr(msg + 1, "\": ")) != NULL)
		return p + 3;
	return msg;
}

static const char *
x_type_name(enum x_type t)
{
	switch (t) {
	case XT_STR:
		return "a string";
	case XT_INT:
		return "an integer";
	case XT_BOOL:
		return "true or false";
	}
	return "?";
}

/*
 * One value of a User object into p (texts normalized into a); null means unknown. prefix is
 * "data[3]." and the like.
 */
static int
x_field(struct fg_profile *p, const struct x_map *m, const json_t *v, struct fg_arena *a,
    const char *what, const char *prefix, char *err, size_t errlen)
{
	const struct profile_field *f;
	char sub[160];
	int ok, r;

	if (v == NULL || json_is_null(v))
		return 0;
	if ((f = profile_field(m->fg, strlen(m->fg))) == NULL) {
		snprintf(err, errlen, "%s: %s%s: no profile key %s", what, prefix, m->x, m->fg);
		return -1;
	}
	switch (m->type) {
	case XT_STR:
		ok = json_is_string(v);
		break;
	case XT_INT:
		ok = json_is_integer(v);
		break;
	default:
		ok = json_is_boolean(v);
		break;
	}
	if (!ok) {
		snprintf(err, errlen, "%s: %s%s: expected %s", what, prefix, m->x,
		    x_type_name(m->type));
		return -1;
	}
	if (m->type == XT_STR)
		r = profile_field_string(p, f, json_string_value(v), json_string_length(v), a,
		    sub, sizeof(sub));
	else if (m->type == XT_INT)
		r = profile_field_integer(p, f, json_integer_value(v), sub, sizeof(sub));
	else
		r = profile_field_bool(p, f, json_is_true(v), sub, sizeof(sub));
	if (r == -1) {
		snprintf(err, errlen, "%s: %s%s: %s", what, prefix, m->x, setter_reason(sub));
		return -1;
	}
	return 0;
}

/* An id as X spells them: a string of 1 to 19 digits. */
static int
x_id(const json_t *v, const char **id, const char *what, const char *path, char *err,
    size_t errlen)
{
	const char *s = json_string_value(v);

	if (v == NULL || json_is_null(v)) {
		snprintf(err, errlen, "%s: %s: missing", what, path);
		return -1;
	}
	if (s == NULL || strlen(s) != json_string_length(v) || !is_digits(s, X_ID_DIGITS)) {
		snprintf(err, errlen, "%s: %s: expected a string of 1 to %d digits", what, path,
		    X_ID_DIGITS);
		return -1;
	}
	*id = s;
	return 0;
}

/*
 * One User object of data[] into p; its strings stay in the document or, normalized, in a.
 * On failure p->id is the user's id if that much could be read, else NULL.
 */
static int
x_user(const json_t *u, size_t i, int64_t now, struct fg_profile *p, struct fg_arena *a,
    const char *what, char *err, size_t errlen)
{
	const json_t *pm, *img;
	char prefix[48], path[64];
	size_t k;

	profile_init(p);
	snprintf(prefix, sizeof(prefix), "data[%zu]", i);
	if (!json_is_object(u)) {
		snprintf(err, errlen, "%s: %s: expected an object", what, prefix);
		return -1;
	}
	snprintf(path, sizeof(path), "%s.id", prefix);
	if (x_id(json_object_get(u, "id"), &p->id, what, path, err, errlen) == -1)
		return -1;
	snprintf(prefix, sizeof(prefix), "data[%zu].", i);
	for (k = 0; k < sizeof(user_map) / sizeof(user_map[0]); k++)
		if (x_field(p, &user_map[k], json_object_get(u, user_map[k].x), a, what,
		    prefix, err, errlen) == -1)
			return -1;

	/* v2 has no default_profile_image flag; the untouched image has a telling path. */
	img = json_object_get(u, "profile_image_url");
	if (img != NULL && !json_is_null(img)) {
		if (!json_is_string(img)) {
			snprintf(err, errlen, "%s: %sprofile_image_url: expected a string", what,
			    prefix);
			return -1;
		}
		if (jsonin_str(img) != NULL)
			p->avatar_default = strstr(json_string_value(img),
			    "/default_profile_images/") != NULL;
	}

	pm = json_object_get(u, "public_metrics");
	if (pm != NULL && !json_is_null(pm)) {
		if (!json_is_object(pm)) {
			snprintf(err, errlen, "%s: %spublic_metrics: expected an object", what,
			    prefix);
			return -1;
		}
		snprintf(prefix, sizeof(prefix), "data[%zu].public_metrics.", i);
		for (k = 0; k < sizeof(metrics_map) / sizeof(metrics_map[0]); k++)
			if (x_field(p, &metrics_map[k], json_object_get(pm, metrics_map[k].x), a,
			    what, prefix, err, errlen) == -1)
				return -1;
	}
	p->observed_at = now;
	return 0;
}

/* "errors" beside (or instead of) "data": NULL if absent, -1 if not an array. */
static int
x_errors(const json_t *doc, const json_t **errors, const char *what, char *err,
    size_t errlen)
{
	const json_t *e = json_object_get(doc, "errors");

	*errors = NULL;
	if (e == NULL || json_is_null(e))
		return 0;
	if (!json_is_array(e)) {
		snprintf(err, errlen, "%s: errors: expected an array", what);
		return -1;
	}
	*errors = e;
	return 0;
}

static enum fg_presult
x_parse_resolve(struct fg_account *a, const struct fg_response *r, char *err,
    size_t errlen)
{
	const char *what = WHAT_LOOKUP, *id;
	const json_t *data, *pm, *errors, *v;
	enum fg_presult res;
	json_t *doc;
	char text[160];
	int64_t count = -1;

	if ((res = x_status(r, a, what, err, errlen)) != FG_P_OK)
		return res;
	if ((res = x_load(r, a, what, &doc, err, errlen)) != FG_P_OK)
		return res;
	res = FG_P_FATAL;
	if (x_errors(doc, &errors, what, err, errlen) == -1)
		goto out;
	data = json_object_get(doc, "data");
	if (data == NULL || json_is_null(data)) {
		/* An unknown or suspended user is a 200 that carries only errors. */
		error_object_text(json_array_get(errors, 0), a, text, sizeof(text), NULL, 0);
		snprintf(err, errlen, "%s: no user in the reply%s%s", what,
		    text[0] != '\0' ? ": " : "", text);
		goto out;
	}
	if (!json_is_object(data)) {
		snprintf(err, errlen, "%s: data: expected an object", what);
		goto out;
	}
	if (x_id(json_object_get(data, "id"), &id, what, "data.id", err, errlen) == -1)
		goto out;
	pm = json_object_get(data, "public_metrics");
	if (pm != NULL && !json_is_null(pm)) {
		if (!json_is_object(pm)) {
			snprintf(err, errlen, "%s: data.public_metrics: expected an object", what);
			goto out;
		}
		v = json_object_get(pm, "followers_count");
		if (v != NULL && !json_is_null(v)) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > FG_COUNT_MAX) {
				snprintf(err, errlen, "%s: data.public_metrics.followers_count: "
				    "expected a non-negative integer", what);
				goto out;
			}
			count = json_integer_value(v);
		}
	}
	snprintf(a->id, sizeof(a->id), "%s", id);
	a->followers_count = count;
	res = FG_P_OK;
out:
	json_decref(doc);
	return res;
}

/*
 * {"data":[User...],"meta":{"result_count":N,"next_token":"..."},"errors":[...]}. The list
 * is empty when data is absent and result_count is 0. A reply with errors and no data is a
 * failure, not an empty list: read as "no followers left" it would make a reconcile pass
 * drop the whole audience. A User that cannot be read is left out (page_skip). A following
 * page has the same shape and is parsed here too; the messages then still say "followers
 * page" (the two answers cannot be told apart).
 */
static enum fg_presult
x_parse_page(const struct fg_account *a, const struct fg_response *r, int64_t now,
    struct fg_page *pg, char *err, size_t errlen)
{
	const char *what = WHAT_PAGE, *tok;
	const json_t *data, *meta, *errors, *count, *next, *u;
	enum fg_presult res;
	char text[160], why[240];
	size_t i, k, n;

	memset(pg, 0, sizeof(*pg));
	if ((res = x_status(r, a, what, err, errlen)) != FG_P_OK)
		return res;
	if ((res = x_load(r, a, what, &pg->doc, err, errlen)) != FG_P_OK)
		return res;
	if (x_errors(pg->doc, &errors, what, err, errlen) == -1)
		goto fatal;
	error_object_text(json_array_get(errors, 0), a, text, sizeof(text), NULL, 0);

	meta = json_object_get(pg->doc, "meta");
	if (meta == NULL || json_is_null(meta)) {
		if (json_array_size(errors) > 0)
			snprintf(err, errlen, "%s: no followers in the reply, only errors: %s",
			    what, text);
		else
			snprintf(err, errlen, "%s: meta: missing", what);
		goto fatal;
	}
	if (!json_is_object(meta)) {
		snprintf(err, errlen, "%s: meta: expected an object", what);
		goto fatal;
	}
	count = json_object_get(meta, "result_count");
	if (count != NULL && (!json_is_integer(count) || json_integer_value(count) < 0)) {
		snprintf(err, errlen, "%s: meta.result_count: expected a non-negative integer",
		    what);
		goto fatal;
	}
	next = json_object_get(meta, "next_token");
	if (next != NULL && !json_is_null(next)) {
		tok = json_string_value(next);
		if (tok == NULL) {
			snprintf(err, errlen, "%s: meta.next_token: expected a string", what);
			goto fatal;
		}
		if (tok[0] == '\0' || json_string_length(next) > X_TOKEN_MAX ||
		    strlen(tok) != json_string_length(next) || !is_token_text(tok)) {
			snprintf(err, errlen, "%s: meta.next_token: expected 1 to %d printable "
			    "characters", what, X_TOKEN_MAX);
			goto fatal;
		}
	}

	data = json_object_get(pg->doc, "data");
	if (data == NULL || json_is_null(data)) {
		if (json_array_size(errors) > 0) {
			snprintf(err, errlen, "%s: no followers in the reply, only errors: %s",
			    what, text);
			goto fatal;
		}
		if (count == NULL || json_integer_value(count) != 0) {
			snprintf(err, errlen, "%s: data: missing, and meta.result_count is not 0",
			    what);
			goto fatal;
		}
		n = 0;
	} else if (!json_is_array(data)) {
		snprintf(err, errlen, "%s: data: expected an array", what);
		goto fatal;
	} else if ((n = json_array_size(data)) > X_PAGE_SIZE) {
		snprintf(err, errlen, "%s: data: %zu users, more than the API's %d", what, n,
		    X_PAGE_SIZE);
		goto fatal;
	}

	if (n > 0)
		pg->profiles = xcalloc(n, sizeof(*pg->profiles));
	for (i = k = 0; i < n; i++) {
		u = json_array_get(data, i);
		if (x_user(u, i, now, &pg->profiles[k], &pg->text, what, why,
		    sizeof(why)) == 0)
			k++;
		else
			page_skip(pg, pg->profiles[k].id, json_object_get(u, "id"), why);
	}
	pg->n = k;
	if (next != NULL && !json_is_null(next))
		pg->cursor = xstrdup(json_string_value(next));
	pg->needs_hydration = 0;
	if (json_array_size(errors) > 0)
		log_warnx("x: %s: %zu partial error(s) beside the data, first: %s", what,
		    json_array_size(errors), text[0] != '\0' ? text : "(no detail)");
	return FG_P_OK;
fatal:
	page_free(pg);
	return FG_P_FATAL;
}

/*
 * The answer to a block (want 1) or unblock (want 0): {"data":{"blocking":want}}. A 403 here
 * is about access, not about the account: X offers these endpoints on the Enterprise tier
 * only and answers client-forbidden (reason client-not-enrolled) elsewhere, or
 * unsupported-authentication to an app-only token. Either is FG_P_FATAL with a message that
 * says which access is missing; retrying cannot help.
 */
static enum fg_presult
x_parse_block(const struct fg_response *r, const char *what, const char *endpoint, int want,
    char *err, size_t errlen)
{
	const struct fg_account *a = NULL;	/* not given: token shapes are redacted */
	const char *done = want ? "removed" : "unblocked";
	const json_t *data, *b, *errors;
	enum fg_presult res;
	char text[160], kind[64];
	json_t *doc;

	err[0] = '\0';
	if (r->status == 403) {
		response_error_text(r, a, text, sizeof(text), kind, sizeof(kind));
		if (strcmp(kind, "unsupported-authentication") == 0)
			snprintf(err, errlen, "%s: %s needs a user-context token (OAuth 2.0 with "
			    "block.write, or OAuth 1.0a), not an app-only bearer token (403 %s); "
			    "nothing was %s", what, endpoint, kind, done);
		else
			snprintf(err, errlen, "%s: X allows blocking through the API only on "
			    "the Enterprise access tier; this app's access does not include %s "
			    "(403%s%s); nothing was %s", what, endpoint, kind[0] != '\0' ? " " : "",
			    kind, done);
		return FG_P_FATAL;
	}
	if ((res = x_status(r, a, what, err, errlen)) != FG_P_OK)
		return res;
	if ((res = x_load(r, a, what, &doc, err, errlen)) != FG_P_OK)
		return res;
	res = FG_P_FATAL;
	data = json_object_get(doc, "data");
	b = json_object_get(data, "blocking");
	if (json_is_object(data) && json_is_boolean(b) && json_is_true(b) == want)
		res = FG_P_OK;
	else if (json_is_object(data) && json_is_boolean(b))
		snprintf(err, errlen, "%s: the server answered, but blocking is %s", what,
		    want ? "false" : "still true");
	else if (x_errors(doc, &errors, what, err, errlen) == 0) {
		error_object_text(json_array_get(errors, 0), a, text, sizeof(text), NULL, 0);
		snprintf(err, errlen, "%s: expected data.blocking in the reply%s%s", what,
		    text[0] != '\0' ? ": " : "", text);
	}
	json_decref(doc);
	return res;
}

static enum fg_presult
x_parse_remove(const struct fg_response *r, char *err, size_t errlen)
{
	return x_parse_block(r, WHAT_REMOVE, "POST /2/users/:id/blocking", 1, err, errlen);
}

static enum fg_presult
x_parse_unremove(const struct fg_response *r, char *err, size_t errlen)
{
	return x_parse_block(r, WHAT_UNREMOVE, "DELETE /2/users/:id/blocking/:target_user_id",
	    0, err, errlen);
}

/*
 * x-rate-limit-{limit,remaining,reset} (reset in epoch seconds) describe the endpoint's
 * 15-minute window. Some endpoints add x-user-limit-24hour-*; when that budget is spent it
 * is the one that binds, so it replaces the window.
 */
static void
x_ratelimit(const struct fg_response *r, int64_t now, struct fg_ratelimit *rl)
{
	int64_t day_remaining, day_reset, day_limit;

	memset(rl, 0, sizeof(*rl));
	if (response_header_int(r, "x-rate-limit-limit", &rl->limit) == 0 &&
	    response_header_int(r, "x-rate-limit-remaining", &rl->remaining) == 0 &&
	    response_header_int(r, "x-rate-limit-reset", &rl->reset) == 0)
		rl->known = 1;
	else
		rl->limit = rl->remaining = rl->reset = 0;
	if (response_header_int(r, "x-user-limit-24hour-remaining", &day_remaining) == 0 &&
	    day_remaining == 0 &&
	    response_header_int(r, "x-user-limit-24hour-reset", &day_reset) == 0 &&
	    (!rl->known || day_reset > rl->reset)) {
		if (response_header_int(r, "x-user-limit-24hour-limit", &day_limit) == 0)
			rl->limit = day_limit;
		rl->remaining = 0;
		rl->reset = day_reset;
		rl->known = 1;
	}
	rl->retry_after = response_retry_after(r, now);
}

const struct fg_provider provider_x = {
	.name = "x",
	.page_size = X_PAGE_SIZE,
	.hydrate_max = 0,		/* public_metrics comes with every page */
	.login = NULL,			/* the bearer token is the credential */
	.parse_login = NULL,
	.resolve = x_resolve,
	.parse_resolve = x_parse_resolve,
	.page = x_page,
	.parse_page = x_parse_page,
	.hydrate = NULL,
	.parse_hydrate = NULL,
	.following = x_following,
	.remove = x_remove,		/* a kept block: see the comment atop this file */
	.parse_remove = x_parse_remove,
	.unremove = x_unremove,
	.parse_unremove = x_parse_unremove,
	.ratelimit = x_ratelimit,
};
