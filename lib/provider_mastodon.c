/*
 * The Mastodon provider: requests and response parsing for Mastodon and the servers that speak
 * its client API (GoToSocial, Akkoma, Pleroma). docs/platforms.md sections 1-3 and 7 are the
 * spec.
 *
 * Mapping choices (docs/contracts.md 2), where the platform has no exact equivalent:
 * - handle is `acct`: "user" for accounts local to the server, "user@domain" for remote ones.
 * - bio is `note` with its HTML stripped (tags removed, <br> a newline, paragraphs a blank
 *   line, entities decoded); display_name is plain text on the wire and kept as is.
 * - url: Mastodon has no website field; people put their links in the profile `fields`. url
 *   is the first field link that the server verified (rel="me", `verified_at` set), else the
 *   first field whose value holds an http(s) link, else "" (the user shows no link). Without a
 *   `fields` array it stays unknown. The profile's own `url` is the account page, never used.
 * - verified: Mastodon has no badge. A verified field link is the closest thing (the person
 *   controls that site), so it means true; its absence means unknown, not false.
 * - location, likes_count, listed_count: the platform has none, unknown.
 * - created_at: Mastodon truncates it to midnight, Akkoma reports when *that server* first saw
 *   the account; both are taken as given (the provider cannot tell the servers apart).
 * - Counts below zero (counter cache bugs on some servers) and times outside the years
 *   2000-2200 become unknown rather than failing the page: they are bad values, not a
 *   misunderstood format. Texts go through profile_text (normalized, cut to their bound).
 *
 * An Account that cannot be read (its id missing or unusable, a member of the wrong type) is
 * left out of the page (page_skip): the daemon stores nothing it half understood, and one
 * account cannot hide the others. A page that is not an array of objects fails whole
 * (FG_P_FATAL); a truncated body is FG_P_RETRY: it is nearly always a transfer problem.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonin.h"
#include "log.h"
#include "provider.h"
#include "timeutil.h"
#include "xmalloc.h"

#define MASTODON_PAGE_SIZE	80	/* Mastodon's and GoToSocial's maximum */
#define MASTODON_PAGE_CAP	1000	/* elements; more is a broken or hostile server */
#define MASTODON_CURSOR_MAX	256

#define W_RESOLVE_TOKEN		"verify_credentials"
#define W_RESOLVE_LOOKUP	"account lookup"
#define W_PAGE			"followers page"
#define W_FOLLOWING		"following page"
#define W_REMOVE		"remove follower"

/* ---- requests ---------------------------------------------------------------------- */

static int
unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Appends s to req->url, percent-encoded if enc. -1 when it does not fit. */
static int
url_add(struct fg_request *req, size_t *off, const char *s, int enc)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (!enc || unreserved(*p)) {
			if (*off + 1 >= sizeof(req->url))
				return -1;
			req->url[(*off)++] = (char)*p;
		} else {
			if (*off + 3 >= sizeof(req->url))
				return -1;
			req->url[(*off)++] = '%';
			req->url[(*off)++] = hex[*p >> 4];
			req->url[(*off)++] = hex[*p & 15];
		}
	}
	req->url[*off] = '\0';
	return 0;
}

/* Starts a request at the API root; refuses a root that could not be a URL. */
static int
request_start(const struct fg_account *a, struct fg_request *req, const char *method,
    const char *what, size_t *off)
{
	size_t len = strnlen(a->base_url, sizeof(a->base_url));
	size_t i;

	memset(req, 0, sizeof(*req));
	snprintf(req->method, sizeof(req->method), "%s", method);
	snprintf(req->what, sizeof(req->what), "%s", what);
	if (len == sizeof(a->base_url) || (strncasecmp(a->base_url, "https://", 8) != 0 &&
	    strncasecmp(a->base_url, "http://", 7) != 0)) {
		log_warnx("mastodon: %s: base_url is not an http(s) URL", what);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)a->base_url[i];

		if (c <= ' ' || c == 0x7f || c == '?' || c == '#') {
			log_warnx("mastodon: %s: base_url holds a space, control, ? or #",
			    what);
			return -1;
		}
	}
	/* "No trailing slash" is the contract; one slash too many is forgiven. */
	while (len > 0 && a->base_url[len - 1] == '/')
		len--;
	if (len >= sizeof(req->url))
		return -1;
	memcpy(req->url, a->base_url, len);
	req->url[len] = '\0';
	*off = len;
	return 0;
}

/* An id or cursor that may go into a path segment or a query value. */
static int
id_ok(const char *s)
{
	/* "." and ".." would be resolved as path segments by the HTTP client. */
	return s != NULL && s[0] != '\0' && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static int
param_ok(const char *s, const char *what, const char *name)
{
	if (!id_ok(s)) {
		log_warnx("mastodon: %s: %s is empty or not an id", what, name);
		return -1;
	}
	return 0;
}

/* "Authorization: Bearer <token>", refusing tokens that would break the header. */
static int
request_auth(const struct fg_account *a, struct fg_request *req)
{
	const unsigned char *p;
	int n;

	if (a->secret == NULL || a->secret[0] == '\0') {
		log_warnx("mastodon: %s: no token", req->what);
		return -1;
	}
	for (p = (const unsigned char *)a->secret; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f) {
			/* Never say which character: that is part of the secret. */
			log_warnx("mastodon: %s: the token holds a space or control character",
			    req->what);
			return -1;
		}
	n = snprintf(req->auth, sizeof(req->auth), "Authorization: Bearer %s", a->secret);
	if (n < 0 || (size_t)n >= sizeof(req->auth)) {
		explicit_bzero(req->auth, sizeof(req->auth));
		log_warnx("mastodon: %s: the token is too long", req->what);
		return -1;
	}
	return 0;
}

static int
too_long(struct fg_request *req)
{
	log_warnx("mastodon: %s: URL longer than %d bytes", req->what, FG_URL_MAX - 1);
	return -1;
}

/*
 * With a token, the token's own account (verify_credentials); without one, the configured
 * handle looked up publicly.
 */
static int
mastodon_resolve(const struct fg_account *a, struct fg_request *req)
{
	const char *acct = a->account;
	size_t off;

	if (a->secret != NULL) {
		if (request_start(a, req, "GET", W_RESOLVE_TOKEN, &off) == -1)
			return -1;
		if (url_add(req, &off, "/api/v1/accounts/verify_credentials", 0) == -1)
			return too_long(req);
		return request_auth(a, req);
	}
	if (request_start(a, req, "GET", W_RESOLVE_LOOKUP, &off) == -1)
		return -1;
	if (acct[0] == '@')
		acct++;
	if (param_ok(acct, req->what, "account") == -1)
		return -1;
	if (url_add(req, &off, "/api/v1/accounts/lookup?acct=", 0) == -1 ||
	    url_add(req, &off, acct, 1) == -1)
		return too_long(req);
	return 0;
}

/* One page of an account list, followers or following: the same paging, the same answer. */
static int
list_page(const struct fg_account *a, const char *list, const char *what, const char *cursor,
    struct fg_request *req)
{
	char limit[48];
	size_t off;

	if (request_start(a, req, "GET", what, &off) == -1)
		return -1;
	if (param_ok(a->id, req->what, "the account id (not resolved?)") == -1)
		return -1;
	if (cursor != NULL && param_ok(cursor, req->what, "the cursor") == -1)
		return -1;
	snprintf(limit, sizeof(limit), "/%s?limit=%d", list, MASTODON_PAGE_SIZE);
	if (url_add(req, &off, "/api/v1/accounts/", 0) == -1 ||
	    url_add(req, &off, a->id, 1) == -1 || url_add(req, &off, limit, 0) == -1)
		return too_long(req);
	if (cursor != NULL && (url_add(req, &off, "&max_id=", 0) == -1 ||
	    url_add(req, &off, cursor, 1) == -1))
		return too_long(req);
	/* Mastodon lists publicly, GoToSocial wants a token: send it when there is one. */
	if (a->secret != NULL)
		return request_auth(a, req);
	return 0;
}

static int
mastodon_page(const struct fg_account *a, const char *cursor, struct fg_request *req)
{
	return list_page(a, "followers", W_PAGE, cursor, req);
}

/* The accounts the watched account follows; the Link header pages it like followers. */
static int
mastodon_following(const struct fg_account *a, const char *cursor, struct fg_request *req)
{
	return list_page(a, "following", W_FOLLOWING, cursor, req);
}

/*
 * POST with an empty body; only the account's owner may remove its followers. The key is not
 * used: a second request for the same follower is harmless (200, followed_by false).
 */
static int
mastodon_remove(const struct fg_account *a, const char *follower_id, const char *key,
    struct fg_request *req)
{
	size_t off;

	(void)key;

	if (request_start(a, req, "POST", W_REMOVE, &off) == -1)
		return -1;
	if (param_ok(follower_id, req->what, "the follower id") == -1)
		return -1;
	if (url_add(req, &off, "/api/v1/accounts/", 0) == -1 ||
	    url_add(req, &off, follower_id, 1) == -1 ||
	    url_add(req, &off, "/remove_from_followers", 0) == -1)
		return too_long(req);
	return request_auth(a, req);
}

/* ---- errors ------------------------------------------------------------------------ */

/* Parses a JSON body: a truncated one is worth retrying, anything else malformed is not. */
static json_t *
body_load(const struct fg_response *r, const char *what, enum fg_presult *res, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *doc;
	char reason[JSON_ERROR_TEXT_LENGTH];

	doc = json_loadb(r->body != NULL ? r->body : "", r->body != NULL ? r->len : 0,
	    FG_JSON_IN, &je);
	if (doc != NULL)
		return doc;
	if (json_error_code(&je) == json_error_premature_end_of_input) {
		snprintf(err, errlen, "%s: truncated JSON body (%zu bytes)", what, r->len);
		*res = FG_P_RETRY;
	} else {
		provider_json_reason(&je, reason, sizeof(reason));
		snprintf(err, errlen, "%s: malformed JSON at byte %d: %.80s", what,
		    je.position, reason);
		*res = FG_P_FATAL;
	}
	return NULL;
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
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* ---- text -------------------------------------------------------------------------- */

/* Output buffer for derived text, in the page's arena; sized so it never needs to grow. */
struct text {
	char	*s;
	size_t	 len, cap;
};

static void
text_put(struct text *t, const char *s, size_t n)
{
	if (t->len + n >= t->cap)	/* cannot happen with the caller's sizing; stay safe */
		n = t->cap - t->len - 1;
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void
text_put_cp(struct text *t, unsigned long cp)
{
	char b[4];

	/* What no UTF-8 can say becomes U+FFFD; controls are profile_text's to decide. */
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		b[0] = (char)cp;
		text_put(t, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		text_put(t, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		text_put(t, b, 3);
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		text_put(t, b, 4);
	}
}

/*
 * Decodes the character reference at s (s[0] == '&') into t; returns the bytes consumed, 0 if
 * it is no reference we know (the '&' is then literal text). A reference needs its ';'.
 */
static size_t
entity(const char *s, size_t n, struct text *t)
{
	static const struct {
		const char	*name;
		const char	*text;
	} named[] = {
		{ "amp;", "&" }, { "lt;", "<" }, { "gt;", ">" }, { "quot;", "\"" },
		{ "apos;", "'" }, { "nbsp;", " " },
	};
	unsigned long cp = 0;
	size_t i, k, digits = 0;
	int hex;

	if (n >= 3 && s[1] == '#') {
		hex = s[2] == 'x' || s[2] == 'X';
		for (i = hex ? 3 : 2; i < n && digits < 8; i++, digits++) {
			int c = (unsigned char)s[i];

			if (hex && isxdigit(c))
				cp = cp * 16 + (unsigned long)(isdigit(c) ? c - '0' :
				    tolower(c) - 'a' + 10);
			else if (!hex && isdigit(c))
				cp = cp * 10 + (unsigned long)(c - '0');
			else
				break;
		}
		if (digits == 0 || i >= n || s[i] != ';')
			return 0;
		text_put_cp(t, cp);
		return i + 1;
	}
	for (k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		size_t l = strlen(named[k].name);

		if (n > l && memcmp(s + 1, named[k].name, l) == 0) {
			text_put(t, named[k].text, strlen(named[k].text));
			return l + 1;
		}
	}
	return 0;
}

/* Where the tag starting at s[0] == '<' ends (index of '>'), or 0 if it is not a tag. */
static size_t
tag_end(const char *s, size_t n)
{
	size_t i;
	char q = 0;

	if (n < 2 || !(isalpha((unsigned char)s[1]) || s[1] == '/' || s[1] == '!' ||
	    s[1] == '?'))
		return 0;
	for (i = 1; i < n; i++) {
		if (q != 0) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'')
			q = s[i];
		else if (s[i] == '>')
			return i;
	}
	return 0;
}

/* Newlines a tag stands for: 1 for a line break or list item, 2 for a paragraph. */
static int
tag_breaks(const char *s, size_t n)
{
	static const struct {
		const char	*name;
		int		 breaks;
	} blocks[] = {
		{ "br", 1 }, { "p", 2 }, { "div", 1 }, { "li", 1 }, { "ul", 1 }, { "ol", 1 },
		{ "blockquote", 2 }, { "pre", 2 }, { "h1", 2 }, { "h2", 2 }, { "h3", 2 },
		{ "h4", 2 }, { "h5", 2 }, { "h6", 2 }, { "tr", 1 },
	};
	size_t i = 1, l, k;

	if (i < n && s[i] == '/')
		i++;
	for (l = 0; i + l < n && isalnum((unsigned char)s[i + l]); l++)
		;
	for (k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++)
		if (strlen(blocks[k].name) == l && strncasecmp(s + i, blocks[k].name, l) == 0)
			return blocks[k].breaks;
	return 0;
}

/*
 * HTML to plain text: tags dropped (their text kept, so Mastodon's split link spans come back
 * whole), line breaks and paragraphs as newlines (none leading or trailing, at most one blank
 * line), entities decoded. The input is valid UTF-8 (jansson checked it) and tags are cut at
 * ASCII '<' and '>', so the output is valid UTF-8 too. The string is in a; *outlen its length.
 */
static char *
html_text(struct fg_arena *a, const char *in, size_t n, size_t *outlen)
{
	struct text t;
	size_t i, e, used;
	int pending = 0, b;

	/* Every construct writes at most as many bytes as it reads, plus one. */
	t.cap = n + 8;
	t.s = arena_alloc(a, t.cap);
	t.len = 0;
	t.s[0] = '\0';
	for (i = 0; i < n;) {
		if (in[i] == '<' && (e = tag_end(in + i, n - i)) != 0) {
			if ((b = tag_breaks(in + i, e)) > 0) {
				pending += b;
				if (pending > 2)
					pending = 2;
			}
			i += e + 1;
			continue;
		}
		if (pending > 0 && t.len > 0)
			text_put(&t, "\n\n", (size_t)pending);
		pending = 0;
		if (in[i] == '&' && (used = entity(in + i, n - i, &t)) != 0)
			i += used;
		else
			text_put(&t, in + i++, 1);
	}
	*outlen = t.len;
	return t.s;
}

/* Case-insensitive memmem for an ASCII needle. */
static const char *
find_ci(const char *h, const char *end, const char *needle)
{
	size_t nl = strlen(needle);

	for (; h != NULL && (size_t)(end - h) >= nl; h++)
		if (strncasecmp(h, needle, nl) == 0)
			return h;
	return NULL;
}

static int
has_http_prefix(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/*
 * The http(s) link in a field's HTML value: the first <a href> pointing at http(s), else a
 * bare "http://..." in its text. Returns a string in a, or NULL.
 */
static const char *
field_link(struct fg_arena *a, const char *html, size_t n)
{
	const char *p = html, *end = html + n, *v, *ve;
	char *text, *link, *s;
	size_t len;

	while ((p = find_ci(p, end, "href=")) != NULL) {
		v = p + 5;
		if (v < end && (*v == '"' || *v == '\'')) {
			ve = memchr(v + 1, *v, (size_t)(end - v - 1));
			v++;
		} else {
			for (ve = v; ve < end && *ve != ' ' && *ve != '>'; ve++)
				;
		}
		if (ve == NULL)
			break;
		link = html_text(a, v, (size_t)(ve - v), &len);
		/* A NUL (from &#0; or \u0000) would end the link early: not a link. */
		if (has_http_prefix(link) && strcspn(link, " \t\r\n") == len && len > 8)
			return link;
		p = ve;
	}
	text = html_text(a, html, n, &len);
	for (s = text; *s != '\0'; s++) {
		if (has_http_prefix(s)) {
			s[strcspn(s, " \t\r\n")] = '\0';
			return s;
		}
	}
	return NULL;
}

/* ---- one Account object -------------------------------------------------------------- */

struct elem {
	json_t		*obj;
	struct fg_arena	*text;	/* the page's: derived and normalized texts */
	char		*msg;	/* the problem, without the page and element prefix */
	size_t		 msglen;
};

static int
wrong(struct elem *e, const char *key, const char *expected, const json_t *v)
{
	snprintf(e->msg, e->msglen, "%s: expected %s, not %s", key, expected, json_kind(v));
	return -1;
}

/* A text field; absent or null leaves *out NULL, anything else is normalized. */
static int
get_text(struct elem *e, const char *key, size_t max, const char **out)
{
	json_t *v = json_object_get(e->obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return wrong(e, key, "a string", v);
	*out = profile_text(e->text, json_string_value(v), json_string_length(v), max);
	return 0;
}

/* A count; absent, null, negative or absurd leaves it unknown (-1). */
static int
get_count(struct elem *e, const char *key, int64_t *out)
{
	json_t *v = json_object_get(e->obj, key);
	json_int_t n;

	*out = -1;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return wrong(e, key, "an integer", v);
	n = json_integer_value(v);
	if (n >= 0 && n <= FG_COUNT_MAX)
		*out = n;
	return 0;
}

static int
get_bool(struct elem *e, const char *key, int8_t *out)
{
	json_t *v = json_object_get(e->obj, key);

	*out = FG_UNKNOWN;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return wrong(e, key, "a boolean", v);
	*out = json_is_true(v) ? 1 : 0;
	return 0;
}

/* "YYYY-MM-DD" (last_status_at since Mastodon 3.1) as that day's midnight UTC. */
static int
parse_date(const char *s, int64_t *t)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int i, y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > dim[m - 1] + (m == 2 &&
	    (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return -1;
	*t = time_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
	return 0;
}

/* A time: RFC 3339, or a bare date where allowed. Out-of-range times stay unknown. */
static int
get_time(struct elem *e, const char *key, int date_ok, int64_t *out)
{
	json_t *v = json_object_get(e->obj, key);
	int64_t t;

	*out = FG_TIME_UNKNOWN;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return wrong(e, key, "a time string", v);
	if (jsonin_str(v) == NULL || (time_parse_rfc3339(json_string_value(v), &t) == -1 &&
	    (!date_ok || parse_date(json_string_value(v), &t) == -1))) {
		snprintf(e->msg, e->msglen, "%s: not an ISO 8601 %s", key,
		    date_ok ? "date or time" : "time");
		return -1;
	}
	/* The range of profiles read from files (timeutil.h), so stored profiles read back. */
	if (t >= FG_TIME_MIN && t <= FG_TIME_MAX)
		*out = t;
	return 0;
}

/* Whether the avatar URL's path is one of the servers' stock pictures. */
static int
avatar_is_default(const char *url)
{
	const char *path = url, *q;
	size_t len;

	if ((q = strstr(url, "://")) != NULL && (path = strchr(q + 3, '/')) == NULL)
		return 0;
	len = strcspn(path, "?#");
#define ENDS(suffix) (len >= sizeof(suffix) - 1 && \
	strncmp(path + len - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) == 0)
	if (ENDS("/avatars/original/missing.png") || ENDS("/images/avi.png"))
		return 1;
	/* GoToSocial: /assets/default_avatars/GoToSocial_icon[1-6].webp */
	q = strstr(path, "/assets/default_avatars/GoToSocial_icon");
	return q != NULL && q < path + len && ENDS(".webp");
#undef ENDS
}

/* url and verified from `fields`: see the mapping notes atop this file. */
static int
get_fields(struct elem *e, struct fg_profile *p)
{
	json_t *fields = json_object_get(e->obj, "fields"), *f, *v, *va;
	const char *link, *first = NULL, *verified = NULL;
	size_t i;
	int rc = 0;

	if (fields == NULL || json_is_null(fields))
		return 0;
	if (!json_is_array(fields))
		return wrong(e, "fields", "an array", fields);
	json_array_foreach(fields, i, f) {
		if (!json_is_object(f)) {
			snprintf(e->msg, e->msglen, "fields[%zu]: expected an object, not %s",
			    i, json_kind(f));
			rc = -1;
			break;
		}
		v = json_object_get(f, "value");
		va = json_object_get(f, "verified_at");
		if (v != NULL && !json_is_null(v) && !json_is_string(v)) {
			snprintf(e->msg, e->msglen, "fields[%zu]: value: expected a string, "
			    "not %s", i, json_kind(v));
			rc = -1;
			break;
		}
		if (va != NULL && !json_is_null(va) && !json_is_string(va)) {
			snprintf(e->msg, e->msglen, "fields[%zu]: verified_at: expected a "
			    "string, not %s", i, json_kind(va));
			rc = -1;
			break;
		}
		if (!json_is_string(v) || verified != NULL)
			continue;
		if ((link = field_link(e->text, json_string_value(v),
		    json_string_length(v))) == NULL)
			continue;
		if (json_is_string(va))
			verified = link;
		else if (first == NULL)
			first = link;
	}
	if (rc == 0) {
		const char *u = verified != NULL ? verified : first != NULL ? first : "";

		p->url = profile_text(e->text, u, strlen(u), FG_TEXT_MAX);
		if (verified != NULL)
			p->verified = 1;
	}
	return rc;
}

static int
account_map(struct elem *e, int64_t now, struct fg_profile *p)
{
	json_t *id, *note, *avatar;
	char *bio, why[96] = "";
	size_t len;

	profile_init(p);
	if (!json_is_object(e->obj)) {
		snprintf(e->msg, e->msglen, "expected an Account object, not %s",
		    json_kind(e->obj));
		return -1;
	}
	id = json_object_get(e->obj, "id");
	if (id == NULL) {
		snprintf(e->msg, e->msglen, "id: missing");
		return -1;
	}
	if (!json_is_string(id))
		return wrong(e, "id", "a string", id);
	if (profile_id_check(json_string_value(id), json_string_length(id), why,
	    sizeof(why)) == -1 || !id_ok(json_string_value(id))) {
		snprintf(e->msg, e->msglen, "id: %s", why[0] != '\0' ? why : "not an id");
		return -1;
	}
	p->id = json_string_value(id);
	p->observed_at = now;
	if (get_text(e, "acct", FG_HANDLE_MAX, &p->handle) == -1 ||
	    get_text(e, "display_name", FG_TEXT_MAX, &p->display_name) == -1 ||
	    get_time(e, "created_at", 0, &p->created_at) == -1 ||
	    get_time(e, "last_status_at", 1, &p->last_post_at) == -1 ||
	    get_count(e, "followers_count", &p->followers_count) == -1 ||
	    get_count(e, "following_count", &p->following_count) == -1 ||
	    get_count(e, "statuses_count", &p->posts_count) == -1 ||
	    get_bool(e, "bot", &p->bot) == -1 ||
	    get_bool(e, "locked", &p->locked) == -1 ||
	    get_fields(e, p) == -1)
		return -1;
	note = json_object_get(e->obj, "note");
	if (note != NULL && !json_is_null(note)) {
		if (!json_is_string(note))
			return wrong(e, "note", "a string", note);
		bio = html_text(e->text, json_string_value(note), json_string_length(note), &len);
		p->bio = profile_text(e->text, bio, len, FG_TEXT_MAX);
	}
	avatar = json_object_get(e->obj, "avatar");
	if (avatar != NULL && !json_is_null(avatar)) {
		if (!json_is_string(avatar))
			return wrong(e, "avatar", "a string", avatar);
		if (json_string_length(avatar) > 0 && jsonin_str(avatar) != NULL)
			p->avatar_default = (int8_t)avatar_is_default(json_string_value(avatar));
	}
	return 0;
}

/* ---- pagination -------------------------------------------------------------------- */

static int
hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/*
 * The max_id of a next link's URL, percent-decoded. Only that parameter is taken: the link's
 * host is never contacted, so a hostile server cannot point the daemon elsewhere.
 * 1 found, 0 none, -1 unusable (message in err).
 */
static int
link_max_id(const char *uri, size_t n, char **out, char *err, size_t errlen)
{
	const char *p, *end = uri + n, *v, *ve;
	char *s;
	size_t k;

	if ((p = memchr(uri, '?', n)) == NULL)
		goto bad;
	if ((v = memchr(p, '#', (size_t)(end - p))) != NULL)
		end = v;
	for (p++; p < end; p = ve + 1) {
		ve = memchr(p, '&', (size_t)(end - p));
		if (ve == NULL)
			ve = end;
		if (ve - p < 7 || memcmp(p, "max_id=", 7) != 0)
			continue;
		v = p + 7;
		if (ve - v == 0 || ve - v > MASTODON_CURSOR_MAX * 3)
			break;
		s = xmalloc((size_t)(ve - v) + 1);
		for (k = 0; v < ve; v++) {
			if (*v == '%') {
				if (ve - v < 3 || !isxdigit((unsigned char)v[1]) ||
				    !isxdigit((unsigned char)v[2])) {
					free(s);
					goto bad;
				}
				s[k++] = (char)(hexval((unsigned char)v[1]) * 16 +
				    hexval((unsigned char)v[2]));
				v += 2;
			} else
				s[k++] = *v;
			if ((unsigned char)s[k - 1] < ' ' || s[k - 1] == 0x7f) {
				free(s);
				goto bad;
			}
		}
		s[k] = '\0';
		if (k > MASTODON_CURSOR_MAX) {
			free(s);
			break;
		}
		*out = s;
		return 1;
	}
bad:
	snprintf(err, errlen, "Link rel=\"next\" has no usable max_id");
	return -1;
}

/* Whether the link-params after a URI (";rel=...;...") name rel "next". */
static int
link_is_next(const char *s, size_t n)
{
	size_t i = 0, vs, ve;

	while (i < n) {
		while (i < n && (s[i] == ';' || s[i] == ' ' || s[i] == '\t'))
			i++;
		if (n - i > 3 && strncasecmp(s + i, "rel", 3) == 0 &&
		    (s[i + 3] == '=' || s[i + 3] == ' ')) {
			i += 3;
			while (i < n && (s[i] == ' ' || s[i] == '='))
				i++;
			if (i < n && s[i] == '"') {
				vs = ++i;
				while (i < n && s[i] != '"')
					i++;
				ve = i;
			} else {
				vs = i;
				while (i < n && s[i] != ';')
					i++;
				ve = i;
			}
			/* rel may list several types: rel="next last". */
			for (i = vs; i < ve;) {
				size_t w = i;

				while (w < ve && s[w] != ' ')
					w++;
				if (w - i == 4 && strncasecmp(s + i, "next", 4) == 0)
					return 1;
				i = w + 1;
			}
			return 0;
		}
		while (i < n && s[i] != ';')
			i++;
	}
	return 0;
}

/* The cursor from the Link headers; 1 found, 0 none (the end), -1 unusable. */
static int
link_cursor(const struct fg_response *r, char **cursor, char *err, size_t errlen)
{
	const char *h, *p, *gt, *pe;
	size_t k;
	char q;

	for (k = 0; k < r->nheaders; k++) {
		if (strcasecmp(r->headers[k].name, "Link") != 0)
			continue;
		for (h = r->headers[k].value; (p = strchr(h, '<')) != NULL; h = pe) {
			if ((gt = strchr(p, '>')) == NULL)
				break;
			/* The params run to the next comma outside quotes. */
			for (pe = gt + 1, q = 0; *pe != '\0' && (q != 0 || *pe != ','); pe++)
				if (*pe == '"')
					q = !q;
			if (link_is_next(gt + 1, (size_t)(pe - gt - 1)))
				return link_max_id(p + 1, (size_t)(gt - p - 1), cursor, err,
				    errlen);
		}
	}
	return 0;
}

/* ---- parsers ----------------------------------------------------------------------- */

static int
account_matches(const struct fg_account *a, const char *id, const char *username)
{
	const char *want = a->account[0] == '@' ? a->account + 1 : a->account;
	size_t local = strcspn(want, "@");

	if (want[0] == '\0' || strcmp(want, id) == 0)
		return 1;
	/* The domain part cannot be checked: the web domain may differ from the API's. */
	return username != NULL && strlen(username) == local &&
	    strncasecmp(want, username, local) == 0;
}

/*
 * Fills the account's id and follower count. With a token this is the token's own account,
 * which must be the configured one: watching (and purging) someone else is a configuration
 * error, never silently done.
 */
static enum fg_presult
mastodon_parse_resolve(struct fg_account *a, const struct fg_response *r, char *err,
    size_t errlen)
{
	const char *what = a->secret != NULL ? W_RESOLVE_TOKEN : W_RESOLVE_LOOKUP;
	enum fg_presult res;
	json_t *doc, *id, *fc, *un;
	int64_t count = -1;

	err[0] = '\0';
	if ((res = response_classify(r, a, what, err, errlen)) != FG_P_OK)
		return res;
	if ((doc = body_load(r, what, &res, err, errlen)) == NULL)
		return res;
	res = FG_P_FATAL;
	id = json_object_get(doc, "id");
	fc = json_object_get(doc, "followers_count");
	un = json_object_get(doc, "username");
	if (!json_is_object(doc))
		snprintf(err, errlen, "%s: expected an Account object, not %s", what,
		    json_kind(doc));
	else if (!json_is_string(id) || json_string_length(id) >= sizeof(a->id) ||
	    profile_id_check(json_string_value(id), json_string_length(id), NULL, 0) == -1 ||
	    !id_ok(json_string_value(id)))
		snprintf(err, errlen, "%s: id: expected a string of 1 to %d bytes and no "
		    "control characters", what, FG_ID_MAX);
	else if (fc != NULL && !json_is_null(fc) && !json_is_integer(fc))
		snprintf(err, errlen, "%s: followers_count: expected an integer, not %s", what,
		    json_kind(fc));
	else if (un != NULL && !json_is_null(un) && jsonin_str(un) == NULL)
		snprintf(err, errlen, "%s: username: expected a string without NUL, not %s",
		    what, json_kind(un));
	else if (a->secret != NULL && !account_matches(a, json_string_value(id),
	    json_string_value(un)))
		snprintf(err, errlen, "%s: the token belongs to account %s (\"%.64s\"), not the "
		    "configured \"%.64s\"", what, json_string_value(id),
		    json_is_string(un) ? json_string_value(un) : "?", a->account);
	else {
		if (json_is_integer(fc) && json_integer_value(fc) >= 0 &&
		    json_integer_value(fc) <= FG_COUNT_MAX)
			count = json_integer_value(fc);
		snprintf(a->id, sizeof(a->id), "%s", json_string_value(id));
		a->followers_count = count;
		res = FG_P_OK;
	}
	json_decref(doc);
	return res;
}

/*
 * A followers or a following page: both are an array of Accounts paged by Link. The two
 * answers cannot be told apart, so the messages say "followers page" for either; the
 * request's `what` names the list.
 */
static enum fg_presult
mastodon_parse_page(const struct fg_account *a, const struct fg_response *r, int64_t now,
    struct fg_page *page, char *err, size_t errlen)
{
	struct fg_profile *profiles = NULL;
	struct elem e;
	enum fg_presult res;
	json_t *doc;
	char *cursor = NULL, msg[200], why[240];
	size_t i, n, k;

	err[0] = '\0';
	memset(page, 0, sizeof(*page));
	if ((res = response_classify(r, a, W_PAGE, err, errlen)) != FG_P_OK)
		return res;
	if ((doc = body_load(r, W_PAGE, &res, err, errlen)) == NULL)
		return res;
	if (!json_is_array(doc)) {
		snprintf(err, errlen, "%s: expected an array of accounts, not %s", W_PAGE,
		    json_kind(doc));
		goto fail;
	}
	if ((n = json_array_size(doc)) > MASTODON_PAGE_CAP) {
		snprintf(err, errlen, "%s: %zu accounts, more than the %d accepted", W_PAGE, n,
		    MASTODON_PAGE_CAP);
		goto fail;
	}
	profiles = xcalloc(n > 0 ? n : 1, sizeof(*profiles));
	e.text = &page->text;
	e.msg = msg;
	e.msglen = sizeof(msg);
	for (i = k = 0; i < n; i++) {
		e.obj = json_array_get(doc, i);
		if (account_map(&e, now, &profiles[k]) == 0) {
			k++;
			continue;
		}
		/* Indexes count from 0, as in the JSON array. */
		snprintf(why, sizeof(why), "%s: element %zu: %s", W_PAGE, i, msg);
		page_skip(page, profiles[k].id, json_object_get(e.obj, "id"), why);
		provider_redact(page->skips[page->nskips - 1].why, a);
	}
	/* GoToSocial and Akkoma link onwards from any non-empty page: an empty one ends it. */
	if (n > 0 && link_cursor(r, &cursor, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", W_PAGE, msg);
		goto fail;
	}
	page->doc = doc;
	page->profiles = profiles;
	page->n = k;
	page->cursor = cursor;
	page->needs_hydration = 0;
	return FG_P_OK;
fail:
	provider_redact(err, a);
	free(profiles);
	page_free(page);
	json_decref(doc);
	return FG_P_FATAL;
}

/*
 * 200 with a Relationship whose followed_by is false: removed, or it was not following to
 * begin with (Mastodon answers 200 then too), which is just as done. 404 "Record not found":
 * the account no longer exists, so it follows no one: also done, with a note in err. Any
 * other 404 (GoToSocial has no such endpoint) is an error: a removal is never assumed done.
 */
static enum fg_presult
mastodon_parse_remove(const struct fg_response *r, char *err, size_t errlen)
{
	enum fg_presult res;
	json_t *doc, *fb;
	size_t len;

	err[0] = '\0';
	if (r->status == 404) {
		doc = json_loadb(r->body != NULL ? r->body : "", r->body != NULL ? r->len : 0,
		    FG_JSON_IN, NULL);
		fb = json_object_get(doc, "error");
		res = jsonin_str(fb) != NULL &&
		    strcmp(json_string_value(fb), "Record not found") == 0 ? FG_P_OK : FG_P_FATAL;
		json_decref(doc);
		if (res == FG_P_OK) {
			snprintf(err, errlen, "%s: account not found; nothing left to remove",
			    W_REMOVE);
			return FG_P_OK;
		}
		response_classify(r, NULL, W_REMOVE, err, errlen);
		len = strlen(err);
		snprintf(err + len, errlen - len, " (does this server remove followers?)");
		return FG_P_FATAL;
	}
	if ((res = response_classify(r, NULL, W_REMOVE, err, errlen)) != FG_P_OK)
		return res;
	if ((doc = body_load(r, W_REMOVE, &res, err, errlen)) == NULL)
		return res;
	fb = json_object_get(doc, "followed_by");
	res = FG_P_FATAL;
	if (!json_is_object(doc))
		snprintf(err, errlen, "%s: expected a Relationship object, not %s", W_REMOVE,
		    json_kind(doc));
	else if (!json_is_boolean(fb))
		snprintf(err, errlen, "%s: followed_by: expected a boolean, not %s", W_REMOVE,
		    fb == NULL ? "nothing" : json_kind(fb));
	else if (json_is_true(fb))
		snprintf(err, errlen, "%s: the server answered, but the account still follows",
		    W_REMOVE);
	else
		res = FG_P_OK;
	json_decref(doc);
	return res;
}

/* ---- rate limits ------------------------------------------------------------------- */

/*
 * X-RateLimit-* on every response from Mastodon and GoToSocial (reset as ISO 8601 with
 * micro- or milliseconds), none from Akkoma. Retry-After is read too, though Mastodon sends
 * none, for servers and proxies that do.
 */
static void
mastodon_ratelimit(const struct fg_response *r, int64_t now, struct fg_ratelimit *rl)
{
	const char *rst;
	int64_t v;

	memset(rl, 0, sizeof(*rl));
	rl->limit = rl->remaining = rl->reset = -1;
	rst = response_header(r, "X-RateLimit-Reset");
	if (rst != NULL &&
	    response_header_int(r, "X-RateLimit-Remaining", &rl->remaining) == 0) {
		if (time_parse_rfc3339(rst, &rl->reset) == 0)
			rl->known = 1;
		else if (response_header_int(r, "X-RateLimit-Reset", &v) == 0) {
			/* Not Mastodon's form: epoch seconds, or seconds from now if small. */
			rl->reset = v >= INT64_C(1000000000) ? v : now + v;
			rl->known = 1;
		}
		if (rl->known && response_header_int(r, "X-RateLimit-Limit", &rl->limit) == -1)
			rl->limit = -1;
	}
	if (!rl->known)
		rl->limit = rl->remaining = rl->reset = -1;
	rl->retry_after = response_retry_after(r, now);
}

const struct fg_provider provider_mastodon = {
	.name = "mastodon",
	.page_size = MASTODON_PAGE_SIZE,
	.hydrate_max = 0,
	.login = NULL,
	.parse_login = NULL,
	.resolve = mastodon_resolve,
	.parse_resolve = mastodon_parse_resolve,
	.page = mastodon_page,
	.parse_page = mastodon_parse_page,
	.hydrate = NULL,
	.parse_hydrate = NULL,
	.following = mastodon_following,
	.remove = mastodon_remove,
	.parse_remove = mastodon_parse_remove,
	.unremove = NULL,		/* a removed follower cannot be brought back */
	.parse_unremove = NULL,
	.ratelimit = mastodon_ratelimit,
};
