/*
 * The Bluesky / AT Protocol provider (docs/platforms.md 4): XRPC session login and refresh,
 * app.bsky.graph.getFollowers pages (and getFollows for the accounts we follow),
 * app.bsky.actor.getProfiles hydration for the counts a ProfileView lacks, RateLimit-*
 * headers, and removal as a persistent block record, written under a record key the caller
 * chose (putRecord), which unremove deletes again.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonin.h"
#include "log.h"
#include "provider.h"
#include "timeutil.h"
#include "xmalloc.h"

#define BSKY_PAGE_SIZE		100	/* getFollowers' maximum limit */
#define BSKY_HYDRATE_MAX	25	/* getProfiles' maximum actors */
#define BSKY_LIST_MAX		1000	/* more elements: not a page but an attack */
#define BSKY_CURSOR_MAX		512	/* goes back into a URL, encoded up to 3x */

#define W_CREATE	"login (createSession)"
#define W_REFRESH	"login (refreshSession)"
#define W_RESOLVE	"own profile (getProfile)"
#define W_PAGE		"followers page"
#define W_FOLLOWING	"following page"
#define W_HYDRATE	"follower profiles (getProfiles)"
#define W_REMOVE	"remove (block record)"
#define W_UNREMOVE	"unremove (delete block record)"

/* Wipes a secret before it goes back to the allocator. */
static void
secret_free(char **s)
{
	if (*s != NULL) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* Appends s to the NUL-terminated buf, percent-encoding all but RFC 3986 unreserved bytes. */
static int
url_append(char *buf, size_t size, const char *s, int encode)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t off = strlen(buf);
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (!encode || isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			if (off + 1 >= size)
				return -1;
			buf[off++] = (char)c;
		} else {
			if (off + 3 >= size)
				return -1;
			buf[off++] = '%';
			buf[off++] = hex[c >> 4];
			buf[off++] = hex[c & 15];
		}
	}
	buf[off] = '\0';
	return 0;
}

/* Starts a request: method, what, and the URL up to path ("nsid" or "nsid?param="). */
static int
request_start(const struct fg_account *a, struct fg_request *req, const char *method,
    const char *path, const char *what)
{
	memset(req, 0, sizeof(*req));
	snprintf(req->method, sizeof(req->method), "%s", method);
	snprintf(req->what, sizeof(req->what), "%s", what);
	if (a->base_url[0] == '\0')
		return -1;
	if (url_append(req->url, sizeof(req->url), a->base_url, 0) == -1 ||
	    url_append(req->url, sizeof(req->url), "/xrpc/", 0) == -1 ||
	    url_append(req->url, sizeof(req->url), path, 0) == -1)
		return -1;
	return 0;
}

static int
request_bearer(struct fg_request *req, const char *jwt)
{
	int n;

	if (jwt == NULL)
		return 0;	/* app.bsky.* reads also work unauthenticated on an AppView */
	n = snprintf(req->auth, sizeof(req->auth), "Authorization: Bearer %s", jwt);
	if (n < 0 || (size_t)n >= sizeof(req->auth)) {
		explicit_bzero(req->auth, sizeof(req->auth));
		return -1;
	}
	return 0;
}

/* On a failed build nothing secret stays behind in the request. */
static int
request_fail(struct fg_request *req)
{
	explicit_bzero(req->auth, sizeof(req->auth));
	if (req->body != NULL)
		explicit_bzero(req->body, strlen(req->body));
	request_clear(req);
	return -1;
}

/* The body of a POST, compact JSON; the object is consumed. */
static int
request_json(struct fg_request *req, json_t *o)
{
	if (o == NULL)
		return -1;
	req->body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return req->body == NULL ? -1 : 0;
}

/*
 * Whether s is a DID by the atproto syntax, "did:" method ":" id with id bytes from
 * [A-Za-z0-9._:%-], not ending in ':' or '%'. DIDs go into URLs and record bodies, and
 * follower lists are matched on them, so anything else is refused.
 */
static int
is_did(const char *s, size_t len)
{
	size_t i = 4;

	if (len > FG_ID_MAX || len < 7 || strncmp(s, "did:", 4) != 0)
		return 0;
	while (i < len && s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i == 4 || i + 1 >= len || s[i++] != ':')
		return 0;
	for (; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    (s[i] == '\0' || strchr("._:%-", s[i]) == NULL))
			return 0;
	return s[len - 1] != ':' && s[len - 1] != '%';
}

/* A JWT goes into an Authorization line: printable ASCII, no spaces, no CR/LF smuggling. */
static int
is_token(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len + sizeof("Authorization: Bearer ") > FG_AUTH_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * Whether s is a TID (atproto record key syntax "tid"): 13 characters of the base32-sortable
 * alphabet, the first one from 2-7 or a-j (the top bit of the 64-bit value is 0).
 */
static int
is_tid(const char *s)
{
	static const char s32[] = "234567abcdefghijklmnopqrstuvwxyz";
	size_t i;

	if (s == NULL || strlen(s) != 13)
		return 0;
	for (i = 0; i < 13; i++)
		if (memchr(s32, s[i], i == 0 ? 16 : 32) == NULL)
			return 0;
	return 1;
}

/* The XRPC error name of a response body, {"error":"Name","message":"..."}, or "". */
static void
xrpc_error(const struct fg_response *r, char *name, size_t len)
{
	json_t *o;
	const char *s;

	name[0] = '\0';
	if (r->body == NULL || r->len == 0)
		return;
	o = json_loadb(r->body, r->len, FG_JSON_IN, NULL);
	if ((s = jsonin_str(json_object_get(o, "error"))) != NULL)
		snprintf(name, len, "%s", s);
	json_decref(o);
}

/*
 * The verdict from the status. Bluesky answers an expired or unverifiable access token with
 * HTTP 400, not 401 (docs/platforms.md 4.1), so those two error names mean "log in again".
 */
static enum fg_presult
status_verdict(const struct fg_response *r, const struct fg_account *a, const char *what,
    char *err, size_t errlen)
{
	char name[64];

	if (r->status == 400) {
		xrpc_error(r, name, sizeof(name));
		if (strcmp(name, "ExpiredToken") == 0 || strcmp(name, "InvalidToken") == 0) {
			snprintf(err, errlen, "%s: HTTP 400 %s", what, name);
			return FG_P_AUTH;
		}
	}
	return response_classify(r, a, what, err, errlen);
}

/*
 * The body as a JSON object. A body cut short is a transfer problem (retry); anything else
 * that is not an object is the server's fault (fatal). jansson's own error text quotes the
 * input near the error, which in a session answer is a JWT, so only the position is given.
 */
static json_t *
body_object(const struct fg_response *r, const char *what, enum fg_presult *res, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *o;

	o = json_loadb(r->body != NULL ? r->body : "", r->body != NULL ? r->len : 0,
	    FG_JSON_IN, &je);
	if (o == NULL) {
		if (json_error_code(&je) == json_error_premature_end_of_input) {
			snprintf(err, errlen, "%s: body truncated at byte %d", what, je.position);
			*res = FG_P_RETRY;
		} else {
			snprintf(err, errlen, "%s: invalid JSON at byte %d", what, je.position);
			*res = FG_P_FATAL;
		}
		return NULL;
	}
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: body is not a JSON object", what);
		json_decref(o);
		*res = FG_P_FATAL;
		return NULL;
	}
	*res = FG_P_OK;
	return o;
}

static const char *
json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/*
 * One string member of a Bluesky object into a normalized profile key, through the profile
 * module (ids checked, texts normalized into a). Absent or null leaves the key unknown;
 * required says absent is an error. ctx names the element ("followers page: followers[3]").
 */
static int
take_string(const json_t *o, const char *wire, const char *key, int required,
    struct fg_profile *p, struct fg_arena *a, const char *ctx, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, wire);
	char msg[160];

	if (v == NULL || json_is_null(v)) {
		if (!required)
			return 0;
		snprintf(err, errlen, "%s.%s: required string missing", ctx, wire);
		return -1;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s.%s: expected a string, not %s", ctx, wire, json_kind(v));
		return -1;
	}
	if (profile_field_string(p, profile_field(key, strlen(key)), json_string_value(v),
	    json_string_length(v), a, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s.%s: %s", ctx, wire, msg);
		return -1;
	}
	return 0;
}

/* One count member (followersCount ...): absent leaves it unknown, else a sane integer. */
static int
take_count(const json_t *o, const char *wire, const char *key, struct fg_profile *p,
    const char *ctx, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, wire);
	char msg[160];

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "%s.%s: expected an integer, not %s", ctx, wire,
		    json_kind(v));
		return -1;
	}
	if (profile_field_integer(p, profile_field(key, strlen(key)), json_integer_value(v),
	    msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s.%s: %s", ctx, wire, msg);
		return -1;
	}
	return 0;
}

/*
 * Maps the members that ProfileView and ProfileViewDetailed share. createdAt is written by
 * the account's own client, so an odd date (1970, 2999) is a property of that one account,
 * not a broken server: it stays unknown rather than failing the account. On failure p->id is
 * the account's DID if that much could be read, else NULL.
 */
static int
view_map(const json_t *o, struct fg_profile *p, struct fg_arena *a, const char *ctx, char *err,
    size_t errlen)
{
	const json_t *v;
	char msg[160];

	profile_init(p);
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: expected an object, not %s", ctx, json_kind(o));
		return -1;
	}
	if (take_string(o, "did", "id", 1, p, a, ctx, err, errlen) == -1)
		return -1;
	if (!is_did(p->id, strlen(p->id))) {
		p->id = NULL;
		snprintf(err, errlen, "%s.did: not a DID", ctx);
		return -1;
	}
	if (take_string(o, "handle", "handle", 1, p, a, ctx, err, errlen) == -1 ||
	    take_string(o, "displayName", "display_name", 0, p, a, ctx, err, errlen) == -1 ||
	    take_string(o, "description", "bio", 0, p, a, ctx, err, errlen) == -1)
		return -1;
	/* No avatar blob means no avatar key at all; there is no placeholder URL (4.2). */
	v = json_object_get(o, "avatar");
	if (v == NULL || json_is_null(v))
		p->avatar_default = 1;
	else if (json_is_string(v))
		p->avatar_default = 0;
	else {
		snprintf(err, errlen, "%s.avatar: expected a string, not %s", ctx, json_kind(v));
		return -1;
	}
	v = json_object_get(o, "createdAt");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v)) {
			snprintf(err, errlen, "%s.createdAt: expected a string, not %s", ctx,
			    json_kind(v));
			return -1;
		}
		/* On error it stays unknown, see above. */
		(void)profile_field_string(p, profile_field("created_at", 10),
		    json_string_value(v), json_string_length(v), a, msg, sizeof(msg));
	}
	/*
	 * Bluesky has no self-declared bot flag in ProfileView (docs/platforms.md 4.2): bot stays
	 * unknown; labels are moderation output, not the account's own statement.
	 */
	return 0;
}

/* The array member key of the body, at most BSKY_LIST_MAX elements. */
static const json_t *
body_list(const json_t *doc, const char *key, const char *what, char *err, size_t errlen)
{
	const json_t *v = json_object_get(doc, key);

	if (v == NULL) {
		snprintf(err, errlen, "%s: %s: required array missing", what, key);
		return NULL;
	}
	if (!json_is_array(v)) {
		snprintf(err, errlen, "%s: %s: expected an array, not %s", what, key, json_kind(v));
		return NULL;
	}
	if (json_array_size(v) > BSKY_LIST_MAX) {
		snprintf(err, errlen, "%s: %s: %zu elements, more than %d", what, key,
		    json_array_size(v), BSKY_LIST_MAX);
		return NULL;
	}
	return v;
}

/* login: refresh the session when there is one, else create one with the app password. */
static int
bsky_login(const struct fg_account *a, struct fg_request *req)
{
	memset(req, 0, sizeof(*req));
	if (a->refresh_jwt != NULL) {
		if (request_start(a, req, "POST", "com.atproto.server.refreshSession",
		    W_REFRESH) == -1 || request_bearer(req, a->refresh_jwt) == -1)
			return request_fail(req);
		return 0;
	}
	if (a->secret == NULL || a->account[0] == '\0')
		return request_fail(req);
	if (request_start(a, req, "POST", "com.atproto.server.createSession", W_CREATE) == -1 ||
	    request_json(req, json_pack("{s:s, s:s}", "identifier", a->account,
	    "password", a->secret)) == -1)
		return request_fail(req);
	return 0;
}

/*
 * createSession and refreshSession both answer {accessJwt, refreshJwt, did, handle, ...}.
 * A refresh that is refused (the refresh token expired after 90 days, was revoked, or the
 * server wants something else) ends the session: both tokens are dropped so that the next
 * login creates a new session instead of repeating a refresh that cannot work. A refused
 * createSession is FG_P_FATAL, not FG_P_AUTH: a wrong app password stays wrong, and every
 * attempt spends the createSession budget of 30 per 5 minutes (docs/platforms.md 4.5).
 */
static enum fg_presult
bsky_parse_login(struct fg_account *a, const struct fg_response *r, char *err, size_t errlen)
{
	int refreshing = a->refresh_jwt != NULL;
	const char *what = refreshing ? W_REFRESH : W_CREATE;
	const json_t *acc, *ref, *did;
	enum fg_presult res;
	json_t *doc;
	size_t len;

	err[0] = '\0';
	res = status_verdict(r, a, what, err, errlen);
	if (refreshing && r->status >= 400 && r->status < 500 && r->status != 429) {
		secret_free(&a->refresh_jwt);
		secret_free(&a->access_jwt);
		len = strlen(err);
		snprintf(err + len, errlen - len, "; session dropped, next login creates one");
		return res == FG_P_AUTH ? FG_P_AUTH : FG_P_FATAL;
	}
	if (res == FG_P_AUTH)
		return FG_P_FATAL;
	if (res != FG_P_OK)
		return res;
	if ((doc = body_object(r, what, &res, err, errlen)) == NULL)
		return res;
	acc = json_object_get(doc, "accessJwt");
	ref = json_object_get(doc, "refreshJwt");
	did = json_object_get(doc, "did");
	/* Messages name the member only: its value is a secret. */
	res = FG_P_FATAL;
	if (!json_is_string(acc) || !is_token(json_string_value(acc), json_string_length(acc)))
		snprintf(err, errlen, "%s: accessJwt: expected a token string", what);
	else if (!json_is_string(ref) ||
	    !is_token(json_string_value(ref), json_string_length(ref)))
		snprintf(err, errlen, "%s: refreshJwt: expected a token string", what);
	else if (!json_is_string(did) ||
	    !is_did(json_string_value(did), json_string_length(did)) ||
	    json_string_length(did) >= sizeof(a->id))
		snprintf(err, errlen, "%s: did: expected a DID string", what);
	else {
		secret_free(&a->access_jwt);
		secret_free(&a->refresh_jwt);
		a->access_jwt = xstrdup(json_string_value(acc));
		a->refresh_jwt = xstrdup(json_string_value(ref));
		snprintf(a->id, sizeof(a->id), "%s", json_string_value(did));
		res = FG_P_OK;
	}
	/* The document held the tokens too. */
	if (json_is_string(acc))
		explicit_bzero((char *)json_string_value(acc), json_string_length(acc));
	if (json_is_string(ref))
		explicit_bzero((char *)json_string_value(ref), json_string_length(ref));
	json_decref(doc);
	return res;
}

/* The watched account's own id and follower count: getProfile on the DID or handle. */
static int
bsky_resolve(const struct fg_account *a, struct fg_request *req)
{
	const char *actor = a->id[0] != '\0' ? a->id : a->account;

	memset(req, 0, sizeof(*req));
	if (actor[0] == '\0' ||
	    request_start(a, req, "GET", "app.bsky.actor.getProfile?actor=", W_RESOLVE) == -1 ||
	    url_append(req->url, sizeof(req->url), actor, 1) == -1 ||
	    request_bearer(req, a->access_jwt) == -1)
		return request_fail(req);
	return 0;
}

static enum fg_presult
bsky_parse_resolve(struct fg_account *a, const struct fg_response *r, char *err,
    size_t errlen)
{
	struct fg_profile p;
	enum fg_presult res;
	json_t *doc;

	err[0] = '\0';
	if ((res = status_verdict(r, a, W_RESOLVE, err, errlen)) != FG_P_OK)
		return res;
	if ((doc = body_object(r, W_RESOLVE, &res, err, errlen)) == NULL)
		return res;
	profile_init(&p);
	if (take_string(doc, "did", "id", 1, &p, NULL, W_RESOLVE, err, errlen) == -1 ||
	    take_count(doc, "followersCount", "followers_count", &p, W_RESOLVE, err,
	    errlen) == -1)
		res = FG_P_FATAL;
	else if (!is_did(p.id, strlen(p.id)) || strlen(p.id) >= sizeof(a->id)) {
		snprintf(err, errlen, "%s: did: not a DID", W_RESOLVE);
		res = FG_P_FATAL;
	} else {
		snprintf(a->id, sizeof(a->id), "%s", p.id);
		a->followers_count = p.followers_count;
	}
	json_decref(doc);
	return res;
}

/* One page of getFollowers or getFollows (path "nsid?actor="): the same paging. */
static int
list_page(const struct fg_account *a, const char *path, const char *what, const char *cursor,
    struct fg_request *req)
{
	const char *actor = a->id[0] != '\0' ? a->id : a->account;

	memset(req, 0, sizeof(*req));
	if (actor[0] == '\0' || request_start(a, req, "GET", path, what) == -1 ||
	    url_append(req->url, sizeof(req->url), actor, 1) == -1 ||
	    url_append(req->url, sizeof(req->url), "&limit=100", 0) == -1)
		return request_fail(req);
	if (cursor != NULL && cursor[0] != '\0' &&
	    (url_append(req->url, sizeof(req->url), "&cursor=", 0) == -1 ||
	    url_append(req->url, sizeof(req->url), cursor, 1) == -1))
		return request_fail(req);
	if (request_bearer(req, a->access_jwt) == -1)
		return request_fail(req);
	return 0;
}

static int
bsky_page(const struct fg_account *a, const char *cursor, struct fg_request *req)
{
	return list_page(a, "app.bsky.graph.getFollowers?actor=", W_PAGE, cursor, req);
}

/* The accounts the watched account follows: {"subject", "follows": [...], "cursor"?}. */
static int
bsky_following(const struct fg_account *a, const char *cursor, struct fg_request *req)
{
	return list_page(a, "app.bsky.graph.getFollows?actor=", W_FOLLOWING, cursor, req);
}

/*
 * {"subject": ProfileView, "followers": [ProfileView...], "cursor"?: string}, or getFollows'
 * answer, the same with "follows" for "followers". A ProfileView that cannot be read is left
 * out (page_skip); the page is replaced only when the body around them is valid, so a bad
 * page never leaves half a list.
 */
static enum fg_presult
bsky_parse_page(const struct fg_account *a, const struct fg_response *r, int64_t now,
    struct fg_page *page, char *err, size_t errlen)
{
	struct fg_profile *profiles = NULL;
	struct fg_page pg;
	const json_t *list, *v, *e;
	const char *cursor = NULL, *key = "followers", *what = W_PAGE;
	enum fg_presult res;
	char ctx[64], why[240];
	json_t *doc;
	size_t i, k, n = 0;

	err[0] = '\0';
	if ((res = status_verdict(r, a, W_PAGE, err, errlen)) != FG_P_OK)
		return res;
	if ((doc = body_object(r, W_PAGE, &res, err, errlen)) == NULL)
		return res;
	res = FG_P_FATAL;
	if (json_object_get(doc, "followers") == NULL &&
	    json_object_get(doc, "follows") != NULL) {
		key = "follows";
		what = W_FOLLOWING;
	}
	if ((list = body_list(doc, key, what, err, errlen)) == NULL)
		goto out;
	v = json_object_get(doc, "subject");
	if (v != NULL && !json_is_null(v) && !json_is_object(v)) {
		snprintf(err, errlen, "%s: subject: expected an object, not %s", what,
		    json_kind(v));
		goto out;
	}
	v = json_object_get(doc, "cursor");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v)) {
			snprintf(err, errlen, "%s: cursor: expected a string, not %s", what,
			    json_kind(v));
			goto out;
		}
		if (json_string_length(v) > BSKY_CURSOR_MAX || jsonin_str(v) == NULL) {
			snprintf(err, errlen, "%s: cursor: longer than %d bytes or holding NUL",
			    what, BSKY_CURSOR_MAX);
			goto out;
		}
		/* An empty cursor would ask for the first page again: the list has ended. */
		if (json_string_length(v) > 0)
			cursor = json_string_value(v);
	}
	memset(&pg, 0, sizeof(pg));
	n = json_array_size(list);
	profiles = xcalloc(n, sizeof(*profiles));
	for (i = k = 0; i < n; i++) {
		e = json_array_get(list, i);
		snprintf(ctx, sizeof(ctx), "%s: %s[%zu]", what, key, i);
		if (view_map(e, &profiles[k], &pg.text, ctx, why, sizeof(why)) == -1) {
			page_skip(&pg, profiles[k].id, json_object_get(e, "did"), why);
			provider_redact(pg.skips[pg.nskips - 1].why, a);
			continue;
		}
		profiles[k++].observed_at = now;
	}
	page_free(page);
	*page = pg;
	page->doc = doc;
	page->profiles = profiles;
	page->n = k;
	page->cursor = cursor != NULL ? xstrdup(cursor) : NULL;
	/* ProfileView carries no counts: getProfiles supplies them (4.2). */
	page->needs_hydration = 1;
	return FG_P_OK;
out:
	free(profiles);
	json_decref(doc);
	return res;
}

/* getProfiles for page->profiles[from .. from+n), the key repeated per actor (4.1). */
static int
bsky_hydrate(const struct fg_account *a, const struct fg_page *page, size_t from, size_t n,
    struct fg_request *req)
{
	size_t i;

	memset(req, 0, sizeof(*req));
	if (n == 0 || n > BSKY_HYDRATE_MAX || from > page->n || n > page->n - from ||
	    request_start(a, req, "GET", "app.bsky.actor.getProfiles", W_HYDRATE) == -1)
		return request_fail(req);
	for (i = from; i < from + n; i++)
		if (url_append(req->url, sizeof(req->url), i == from ? "?actors=" : "&actors=",
		    0) == -1 ||
		    url_append(req->url, sizeof(req->url), page->profiles[i].id, 1) == -1)
			return request_fail(req);
	if (request_bearer(req, a->access_jwt) == -1)
		return request_fail(req);
	return 0;
}

/* What a ProfileViewDetailed adds to the ProfileView of the same account. */
static void
hydrate_merge(struct fg_profile *p, const struct fg_profile *d)
{
	if (d->followers_count != -1)
		p->followers_count = d->followers_count;
	if (d->following_count != -1)
		p->following_count = d->following_count;
	if (d->posts_count != -1)
		p->posts_count = d->posts_count;
	if (p->created_at == FG_TIME_UNKNOWN)
		p->created_at = d->created_at;
	if (p->display_name == NULL)
		p->display_name = d->display_name;
	if (p->bio == NULL)
		p->bio = d->bio;
}

/*
 * {"profiles": [ProfileViewDetailed...]}, matched to the page by DID. An account the server
 * leaves out (deleted, taken down, deactivated) keeps unknown counts: unknown, not zero; so
 * does one whose detailed view cannot be read (it is logged, and its follower kept as listed).
 * The document joins page->extra, since the profiles now borrow its strings; the profiles are
 * changed only when the answer around them is valid.
 */
static enum fg_presult
bsky_parse_hydrate(const struct fg_response *r, struct fg_page *page, size_t from, size_t n,
    char *err, size_t errlen)
{
	struct fg_profile *tmp = NULL, d;
	const json_t *list;
	enum fg_presult res;
	char ctx[80], why[240];
	json_t *doc;
	size_t i, j;

	err[0] = '\0';
	if (from > page->n || n > page->n - from || n > BSKY_HYDRATE_MAX) {
		snprintf(err, errlen, "%s: profiles %zu..%zu not on the page", W_HYDRATE, from,
		    from + n);
		return FG_P_FATAL;
	}
	if ((res = status_verdict(r, NULL, W_HYDRATE, err, errlen)) != FG_P_OK)
		return res;
	if ((doc = body_object(r, W_HYDRATE, &res, err, errlen)) == NULL)
		return res;
	res = FG_P_FATAL;
	if ((list = body_list(doc, "profiles", W_HYDRATE, err, errlen)) == NULL)
		goto out;
	tmp = xreallocarray(NULL, n, sizeof(*tmp));
	if (n > 0)
		memcpy(tmp, page->profiles + from, n * sizeof(*tmp));
	for (i = 0; i < json_array_size(list); i++) {
		snprintf(ctx, sizeof(ctx), "%s: profiles[%zu]", W_HYDRATE, i);
		if (view_map(json_array_get(list, i), &d, &page->text, ctx, why,
		    sizeof(why)) == -1 ||
		    take_count(json_array_get(list, i), "followersCount", "followers_count", &d,
		    ctx, why, sizeof(why)) == -1 ||
		    take_count(json_array_get(list, i), "followsCount", "following_count", &d,
		    ctx, why, sizeof(why)) == -1 ||
		    take_count(json_array_get(list, i), "postsCount", "posts_count", &d,
		    ctx, why, sizeof(why)) == -1) {
			log_warnx("bluesky: %s (%s); its counts stay unknown", why,
			    d.id != NULL ? d.id : "no usable DID");
			continue;
		}
		for (j = 0; j < n; j++)
			if (strcmp(tmp[j].id, d.id) == 0)
				hydrate_merge(&tmp[j], &d);
	}
	if (n > 0)
		memcpy(page->profiles + from, tmp, n * sizeof(*tmp));
	if (page->extra == NULL)
		page->extra = json_array();
	json_array_append_new(page->extra, doc);
	free(tmp);
	return FG_P_OK;
out:
	free(tmp);
	json_decref(doc);
	return res;
}

/*
 * Bluesky has no "remove follower": the follow record lives in the follower's repository.
 * The only durable removal is a block record in ours, and it stays: a block and unblock
 * ("soft block") brings the follower back (docs/platforms.md 4.4). The record is written with
 * putRecord under the caller's key (a TID), not createRecord under one the server picks, so
 * a retry after a lost answer writes the same record again instead of a second block, and
 * unremove can delete it by that key. No swapRecord: an existing record is replaced. The
 * procedure's body is JSON, so the HTTP layer sends it with Content-Type: application/json.
 */
static int
bsky_remove(const struct fg_account *a, const char *follower_id, const char *key,
    struct fg_request *req)
{
	char now[FG_RFC3339_LEN], stamp[32];

	memset(req, 0, sizeof(*req));
	if (a->access_jwt == NULL || !is_did(a->id, strlen(a->id)) || follower_id == NULL ||
	    !is_did(follower_id, strlen(follower_id)) || !is_tid(key))
		return request_fail(req);
	/* The atproto datetime's canonical form has milliseconds. */
	time_format_rfc3339(time_now(), now);
	snprintf(stamp, sizeof(stamp), "%.19s.000Z", now);
	if (request_start(a, req, "POST", "com.atproto.repo.putRecord", W_REMOVE) == -1 ||
	    request_bearer(req, a->access_jwt) == -1 ||
	    request_json(req, json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "repo", a->id,
	    "collection", "app.bsky.graph.block", "rkey", key, "record",
	    "$type", "app.bsky.graph.block", "subject", follower_id, "createdAt", stamp)) == -1)
		return request_fail(req);
	return 0;
}

/*
 * {"uri":"at://<my did>/app.bsky.graph.block/<rkey>","cid":...}: the block exists, so the
 * follower is hidden; it does not matter whether it was still following.
 */
static enum fg_presult
bsky_parse_remove(const struct fg_response *r, char *err, size_t errlen)
{
	enum fg_presult res;
	const char *uri;
	json_t *doc;

	err[0] = '\0';
	if ((res = status_verdict(r, NULL, W_REMOVE, err, errlen)) != FG_P_OK)
		return res;
	if ((doc = body_object(r, W_REMOVE, &res, err, errlen)) == NULL)
		return res;
	uri = json_string_value(json_object_get(doc, "uri"));
	if (uri == NULL || strncmp(uri, "at://", 5) != 0) {
		snprintf(err, errlen, "%s: uri: expected an at:// URI string", W_REMOVE);
		res = FG_P_FATAL;
	}
	json_decref(doc);
	return res;
}

/*
 * Deletes the block record named by key (the one remove wrote): the follower comes back,
 * since a block hides the follow but never deleted it. deleteRecord names the record by its
 * key alone; follower_id is checked to be a DID but not sent. Deleting a record that is not
 * there is a no-op on the PDS, so a retry is harmless.
 */
static int
bsky_unremove(const struct fg_account *a, const char *follower_id, const char *key,
    struct fg_request *req)
{
	memset(req, 0, sizeof(*req));
	if (a->access_jwt == NULL || !is_did(a->id, strlen(a->id)) || follower_id == NULL ||
	    !is_did(follower_id, strlen(follower_id)) || !is_tid(key))
		return request_fail(req);
	if (request_start(a, req, "POST", "com.atproto.repo.deleteRecord", W_UNREMOVE) == -1 ||
	    request_bearer(req, a->access_jwt) == -1 ||
	    request_json(req, json_pack("{s:s, s:s, s:s}", "repo", a->id,
	    "collection", "app.bsky.graph.block", "rkey", key)) == -1)
		return request_fail(req);
	return 0;
}

/* {"commit": {"cid","rev"}}, or {} when there was nothing to delete: either way, done. */
static enum fg_presult
bsky_parse_unremove(const struct fg_response *r, char *err, size_t errlen)
{
	enum fg_presult res;
	json_t *doc;

	err[0] = '\0';
	if ((res = status_verdict(r, NULL, W_UNREMOVE, err, errlen)) != FG_P_OK)
		return res;
	if (r->body == NULL || r->len == 0)
		return FG_P_OK;
	if ((doc = body_object(r, W_UNREMOVE, &res, err, errlen)) == NULL)
		return res;
	json_decref(doc);
	return FG_P_OK;
}

/* A header holding a non-negative decimal integer; -1 if absent or anything else. */
static int64_t
header_int(const struct fg_response *r, const char *name)
{
	int64_t v;

	return response_header_int(r, name, &v) == 0 ? v : -1;
}

/*
 * RateLimit-Limit / -Remaining / -Reset (epoch seconds, docs/platforms.md 4.5); -Policy adds
 * nothing the others do not say. The IETF draft these headers come from sends Reset as
 * seconds from now instead, so a value too small to be an epoch time is read that way.
 */
static void
bsky_ratelimit(const struct fg_response *r, int64_t now, struct fg_ratelimit *rl)
{
	int64_t v;

	memset(rl, 0, sizeof(*rl));
	rl->limit = header_int(r, "RateLimit-Limit");
	rl->remaining = header_int(r, "RateLimit-Remaining");
	v = header_int(r, "RateLimit-Reset");
	if (v >= 0)
		rl->reset = v < INT64_C(1000000000) ? now + v : v;
	rl->known = rl->remaining >= 0;
	if (!rl->known)
		rl->limit = rl->remaining = -1;
	rl->retry_after = response_retry_after(r, now);
}

const struct fg_provider provider_bluesky = {
	.name = "bluesky",
	.page_size = BSKY_PAGE_SIZE,
	.hydrate_max = BSKY_HYDRATE_MAX,
	.login = bsky_login,
	.parse_login = bsky_parse_login,
	.resolve = bsky_resolve,
	.parse_resolve = bsky_parse_resolve,
	.page = bsky_page,
	.parse_page = bsky_parse_page,
	.hydrate = bsky_hydrate,
	.parse_hydrate = bsky_parse_hydrate,
	.following = bsky_following,
	.remove = bsky_remove,
	.parse_remove = bsky_parse_remove,
	.unremove = bsky_unremove,
	.parse_unremove = bsky_parse_unremove,
	.unremove_restores = 1,
	.ratelimit = bsky_ratelimit,
};
