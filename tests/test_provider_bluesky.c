/*
 * Tests of the Bluesky provider against bodies written from docs/platforms.md 4: requests,
 * pages, hydration, session handling, errors, rate limits and the block record. No network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "provider.h"
#include "timeutil.h"
#include "xmalloc.h"

#define BASE		"http://127.0.0.1:2583"
#define PASSWORD	"apppass-wxyz-1234-abcd"
#define ACCESS1		"eyJhbGciOiJIUzI1NiJ9.YWNjZXNzLW9uZQ.access-one-sig"
#define REFRESH1	"eyJhbGciOiJIUzI1NiJ9.cmVmcmVzaC1vbmU.refresh-one-sig"
#define ACCESS2		"eyJhbGciOiJIUzI1NiJ9.YWNjZXNzLXR3bw.access-two-sig"
#define REFRESH2	"eyJhbGciOiJIUzI1NiJ9.cmVmcmVzaC10d28.refresh-two-sig"
#define NOW		INT64_C(1767225600)	/* 2026-01-01T00:00:00Z */
#define KEY		"3mbd3542k222b"		/* provider_tid(NOW * 1000000, 7) */

static const struct fg_provider *const bp = &provider_bluesky;

/* No secret, nor a recognizable piece of one, in what may reach a log. */
static void
assert_clean(const char *s)
{
	static const char *const secrets[] = {
		PASSWORD, "apppass", ACCESS1, ACCESS2, REFRESH1, REFRESH2, "eyJhbGci",
		"access-one", "access-two", "refresh-one", "refresh-two",
	};
	size_t i;

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(s, secrets[i]) != NULL)
			fail_msg("secret \"%s\" leaked into \"%s\"", secrets[i], s);
}

static void
assert_request_clean(const struct fg_request *req)
{
	assert_clean(req->url);
	assert_clean(req->what);
}

static void
acct_init(struct fg_account *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->base_url, sizeof(a->base_url), "%s", BASE);
	snprintf(a->account, sizeof(a->account), "me.bsky.social");
	a->secret = xstrdup(PASSWORD);
	a->followers_count = -1;
}

/* A watched account with a session, as after a successful login. */
static void
acct_session(struct fg_account *a)
{
	acct_init(a);
	snprintf(a->id, sizeof(a->id), "did:plc:me111");
	a->access_jwt = xstrdup(ACCESS1);
	a->refresh_jwt = xstrdup(REFRESH1);
}

static void
acct_free(struct fg_account *a)
{
	free(a->secret);
	free(a->access_jwt);
	free(a->refresh_jwt);
}

static struct fg_response
resp(long status, const char *body)
{
	struct fg_response r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = body;
	r.len = body != NULL ? strlen(body) : 0;
	return r;
}

static struct fg_response
resp_headers(long status, const char *body, const struct fg_header *h, size_t n)
{
	struct fg_response r = resp(status, body);

	r.headers = h;
	r.nheaders = n;
	return r;
}

/* A getFollowers page (docs/platforms.md 4.2) and a second follower with every optional member. */
static const char page1[] =
    "{\"subject\": {\"did\": \"did:plc:me111\", \"handle\": \"me.bsky.social\","
    " \"displayName\": \"Me\","
    " \"avatar\": \"https://cdn.bsky.app/img/avatar/plain/did:plc:me111/bafkreiabc@jpeg\","
    " \"indexedAt\": \"2024-01-01T00:00:00.000Z\", \"createdAt\": \"2023-05-01T10:00:00.000Z\","
    " \"associated\": {\"activitySubscription\": {\"allowSubscriptions\": \"followers\"}},"
    " \"labels\": []},"
    " \"followers\": ["
    "  {\"did\": \"did:plc:abc123\", \"handle\": \"xk29fj3.bsky.social\","
    "   \"indexedAt\": \"2025-06-01T12:00:00.000Z\", \"createdAt\": \"2025-06-01T11:59:00.000Z\","
    "   \"associated\": {\"activitySubscription\": {\"allowSubscriptions\": \"followers\"}},"
    "   \"viewer\": {\"muted\": false, \"blockedBy\": false,"
    "    \"followedBy\": \"at://did:plc:abc123/app.bsky.graph.follow/3kxyzabc22\"},"
    "   \"labels\": []},"
    "  {\"did\": \"did:plc:real456\", \"handle\": \"alice.example.com\","
    "   \"displayName\": \"Alice\", \"description\": \"I post things\","
    "   \"avatar\": \"https://cdn.bsky.app/img/avatar/plain/did:plc:real456/bafkreixyz@jpeg\","
    "   \"createdAt\": \"2023-04-02T08:30:00.000Z\","
    "   \"labels\": [{\"src\": \"did:plc:real456\","
    "    \"uri\": \"at://did:plc:real456/app.bsky.actor.profile/self\","
    "    \"val\": \"!no-unauthenticated\", \"cts\": \"2023-04-02T08:30:00.000Z\"}]}"
    " ],"
    " \"cursor\": \"1717243140000__bafyreihcid\"}";

static void
test_provider(void **state)
{
	(void)state;
	assert_string_equal(bp->name, "bluesky");
	assert_int_equal(bp->page_size, 100);
	assert_int_equal(bp->hydrate_max, 25);
	assert_non_null(bp->login);
	assert_non_null(bp->parse_login);
	assert_non_null(bp->resolve);
	assert_non_null(bp->parse_resolve);
	assert_non_null(bp->page);
	assert_non_null(bp->parse_page);
	assert_non_null(bp->hydrate);
	assert_non_null(bp->parse_hydrate);
	assert_non_null(bp->following);
	assert_non_null(bp->remove);
	assert_non_null(bp->parse_remove);
	assert_non_null(bp->unremove);
	assert_non_null(bp->parse_unremove);
	assert_non_null(bp->ratelimit);
}

static void
test_page_with_cursor(void **state)
{
	struct fg_account a;
	struct fg_page pg;
	struct fg_response r = resp(200, page1);
	const struct fg_profile *p;
	char err[256];
	int64_t t;

	(void)state;
	acct_session(&a);
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 2);
	assert_non_null(pg.cursor);
	assert_string_equal(pg.cursor, "1717243140000__bafyreihcid");
	assert_int_equal(pg.needs_hydration, 1);

	/* Newest first, as listed; no avatar key means the default avatar. */
	p = &pg.profiles[0];
	assert_string_equal(p->id, "did:plc:abc123");
	assert_string_equal(p->handle, "xk29fj3.bsky.social");
	assert_null(p->display_name);
	assert_null(p->bio);
	assert_int_equal(p->avatar_default, 1);
	assert_int_equal(time_parse_rfc3339("2025-06-01T11:59:00Z", &t), 0);
	assert_true(p->created_at == t);
	assert_true(p->observed_at == NOW);
	/* No counts in a ProfileView: unknown until hydration, never zero. */
	assert_true(p->followers_count == -1);
	assert_true(p->following_count == -1);
	assert_true(p->posts_count == -1);
	assert_int_equal(p->bot, FG_UNKNOWN);
	assert_int_equal(p->verified, FG_UNKNOWN);

	p = &pg.profiles[1];
	assert_string_equal(p->id, "did:plc:real456");
	assert_string_equal(p->handle, "alice.example.com");
	assert_string_equal(p->display_name, "Alice");
	assert_string_equal(p->bio, "I post things");
	assert_int_equal(p->avatar_default, 0);
	assert_int_equal(time_parse_rfc3339("2023-04-02T08:30:00Z", &t), 0);
	assert_true(p->created_at == t);
	assert_int_equal(p->bot, FG_UNKNOWN);
	page_free(&pg);
	acct_free(&a);
}

static void
test_final_page(void **state)
{
	struct fg_account a;
	struct fg_page pg;
	struct fg_response r;
	char err[256];

	(void)state;
	acct_session(&a);
	memset(&pg, 0, sizeof(pg));
	r = resp(200, "{\"subject\":{\"did\":\"did:plc:me111\",\"handle\":\"me.bsky.social\"},"
	    "\"followers\":[{\"did\":\"did:plc:old1\",\"handle\":\"old.bsky.social\"}]}");
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 1);
	assert_null(pg.cursor);
	assert_string_equal(pg.profiles[0].id, "did:plc:old1");
	assert_true(pg.profiles[0].created_at == FG_TIME_UNKNOWN);

	/* A new page replaces the old one; an empty cursor ends the list too. */
	r = resp(200, "{\"followers\":[],\"cursor\":\"\"}");
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 0);
	assert_null(pg.cursor);
	page_free(&pg);
	acct_free(&a);
}

static void
test_page_request(void **state)
{
	struct fg_account a;
	struct fg_request req;
	char cursor[1200];

	(void)state;
	acct_session(&a);
	memset(&req, 0, sizeof(req));
	assert_int_equal(bp->page(&a, NULL, &req), 0);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url,
	    BASE "/xrpc/app.bsky.graph.getFollowers?actor=did%3Aplc%3Ame111&limit=100");
	assert_string_equal(req.auth, "Authorization: Bearer " ACCESS1);
	assert_null(req.body);
	assert_string_equal(req.what, "followers page");
	assert_request_clean(&req);
	request_clear(&req);

	/* The opaque cursor is percent-encoded, bytes beyond ASCII included. */
	assert_int_equal(bp->page(&a, "1717243140000__bafy+/=&?# \xc3\xa9%~.-", &req), 0);
	assert_string_equal(req.url,
	    BASE "/xrpc/app.bsky.graph.getFollowers?actor=did%3Aplc%3Ame111&limit=100"
	    "&cursor=1717243140000__bafy%2B%2F%3D%26%3F%23%20%C3%A9%25~.-");
	request_clear(&req);

	/* Before resolve the configured handle is the actor; no session, no auth line. */
	a.id[0] = '\0';
	free(a.access_jwt);
	a.access_jwt = NULL;
	assert_int_equal(bp->page(&a, "", &req), 0);
	assert_string_equal(req.url,
	    BASE "/xrpc/app.bsky.graph.getFollowers?actor=me.bsky.social&limit=100");
	assert_string_equal(req.auth, "");
	request_clear(&req);

	/* A cursor that cannot fit in a URL is refused, leaving nothing behind. */
	memset(cursor, '/', sizeof(cursor) - 1);
	cursor[sizeof(cursor) - 1] = '\0';
	assert_int_equal(bp->page(&a, cursor, &req), -1);
	assert_null(req.body);
	acct_free(&a);
}

/* Three followers, the first two without createdAt and displayName. */
static const char page3[] =
    "{\"followers\":["
    "{\"did\":\"did:plc:aaa\",\"handle\":\"a.bsky.social\"},"
    "{\"did\":\"did:plc:bbb\",\"handle\":\"b.bsky.social\"},"
    "{\"did\":\"did:web:c.example.com\",\"handle\":\"c.example.com\","
    "\"createdAt\":\"2024-02-02T00:00:00.000Z\"}],\"cursor\":\"1__c\"}";

static void
test_hydrate(void **state)
{
	struct fg_account a;
	struct fg_page pg;
	struct fg_request req;
	struct fg_response r;
	char err[256];
	int64_t t;
	json_t *o;

	(void)state;
	acct_session(&a);
	memset(&pg, 0, sizeof(pg));
	memset(&req, 0, sizeof(req));
	r = resp(200, page3);
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 3);

	assert_int_equal(bp->hydrate(&a, &pg, 0, 3, &req), 0);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url, BASE "/xrpc/app.bsky.actor.getProfiles"
	    "?actors=did%3Aplc%3Aaaa&actors=did%3Aplc%3Abbb&actors=did%3Aweb%3Ac.example.com");
	assert_string_equal(req.auth, "Authorization: Bearer " ACCESS1);
	assert_request_clean(&req);
	request_clear(&req);
	assert_int_equal(bp->hydrate(&a, &pg, 1, 2, &req), 0);
	assert_string_equal(req.url, BASE "/xrpc/app.bsky.actor.getProfiles"
	    "?actors=did%3Aplc%3Abbb&actors=did%3Aweb%3Ac.example.com");
	request_clear(&req);
	/* Outside the page, empty, or more than getProfiles takes. */
	assert_int_equal(bp->hydrate(&a, &pg, 2, 2, &req), -1);
	assert_int_equal(bp->hydrate(&a, &pg, 4, 0, &req), -1);
	assert_int_equal(bp->hydrate(&a, &pg, 0, 0, &req), -1);
	assert_int_equal(bp->hydrate(&a, &pg, 0, 26, &req), -1);

	/* bbb is gone (taken down): not in the answer, so its counts stay unknown. */
	r = resp(200, "{\"profiles\":["
	    "{\"did\":\"did:web:c.example.com\",\"handle\":\"c.example.com\","
	    "\"createdAt\":\"2020-01-01T00:00:00.000Z\",\"followersCount\":0,"
	    "\"followsCount\":4999,\"postsCount\":0},"
	    "{\"did\":\"did:plc:aaa\",\"handle\":\"a.bsky.social\",\"displayName\":\"Real Person\","
	    "\"description\":\"I post things\",\"createdAt\":\"2026-11-22T01:51:12.526Z\","
	    "\"associated\":{\"lists\":0,\"feedgens\":0,\"starterPacks\":0,\"labeler\":false},"
	    "\"labels\":[],\"followersCount\":120,\"followsCount\":80,\"postsCount\":3500}]}");
	assert_int_equal(bp->parse_hydrate(&r, &pg, 0, 3, err, sizeof(err)), FG_P_OK);
	assert_true(pg.profiles[0].followers_count == 120);
	assert_true(pg.profiles[0].following_count == 80);
	assert_true(pg.profiles[0].posts_count == 3500);
	assert_int_equal(time_parse_rfc3339("2026-11-22T01:51:12Z", &t), 0);
	assert_true(pg.profiles[0].created_at == t);
	assert_string_equal(pg.profiles[0].display_name, "Real Person");
	assert_string_equal(pg.profiles[0].bio, "I post things");
	assert_true(pg.profiles[1].followers_count == -1);
	assert_true(pg.profiles[1].following_count == -1);
	assert_true(pg.profiles[1].posts_count == -1);
	assert_true(pg.profiles[1].created_at == FG_TIME_UNKNOWN);
	assert_true(pg.profiles[2].followers_count == 0);
	assert_true(pg.profiles[2].following_count == 4999);
	/* The list's createdAt is kept: hydration only fills what is missing. */
	assert_int_equal(time_parse_rfc3339("2024-02-02T00:00:00Z", &t), 0);
	assert_true(pg.profiles[2].created_at == t);
	assert_true(json_is_array(pg.extra));
	assert_int_equal(json_array_size(pg.extra), 1);

	/*
	 * A detailed view that cannot be read is as good as left out: nothing of it is taken,
	 * whatever it would have filled before the error, and the others still count.
	 */
	r = resp(200, "{\"profiles\":[{\"did\":\"did:plc:bbb\",\"handle\":\"b.bsky.social\","
	    "\"followersCount\":7,\"followsCount\":\"12\"},{\"did\":\"did:web:c.example.com\","
	    "\"handle\":\"c.example.com\",\"followersCount\":3,\"followsCount\":4}]}");
	assert_int_equal(bp->parse_hydrate(&r, &pg, 1, 2, err, sizeof(err)), FG_P_OK);
	assert_true(pg.profiles[1].followers_count == -1);
	assert_true(pg.profiles[2].followers_count == 3);
	assert_int_equal(json_array_size(pg.extra), 2);
	r = resp(200, "{\"profiles\":[{\"did\":\"did:plc:bbb\",\"handle\":\"b.bsky.social\","
	    "\"followersCount\":-5}]}");
	assert_int_equal(bp->parse_hydrate(&r, &pg, 1, 1, err, sizeof(err)), FG_P_OK);
	assert_true(pg.profiles[1].followers_count == -1);
	r = resp(200, "{\"profiles\":{}}");
	assert_int_equal(bp->parse_hydrate(&r, &pg, 1, 1, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "profiles: expected an array"));
	r = resp(200, "{\"profiles\":[]}");
	assert_int_equal(bp->parse_hydrate(&r, &pg, 2, 2, err, sizeof(err)), FG_P_FATAL);
	r = resp(400, "{\"error\":\"ExpiredToken\",\"message\":\"Token has expired\"}");
	assert_int_equal(bp->parse_hydrate(&r, &pg, 1, 1, err, sizeof(err)), FG_P_AUTH);

	/* A second hydration appends its document; the strings of both stay valid. */
	r = resp(200, "{\"profiles\":[{\"did\":\"did:plc:bbb\",\"handle\":\"b.bsky.social\","
	    "\"displayName\":\"Bee\",\"followersCount\":7,\"followsCount\":12,\"postsCount\":1}]}");
	assert_int_equal(bp->parse_hydrate(&r, &pg, 1, 1, err, sizeof(err)), FG_P_OK);
	assert_true(pg.profiles[1].followers_count == 7);
	assert_true(pg.profiles[1].following_count == 12);
	assert_true(pg.profiles[1].posts_count == 1);
	assert_int_equal(json_array_size(pg.extra), 4);
	assert_string_equal(pg.profiles[1].display_name, "Bee");
	assert_string_equal(pg.profiles[0].display_name, "Real Person");

	/* The hydrated profile is a valid normalized profile (docs/contracts.md 2). */
	o = profile_to_json(&pg.profiles[0]);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "followers_count")), 120);
	assert_true(json_is_true(json_object_get(o, "avatar_default")));
	json_decref(o);
	page_free(&pg);
	acct_free(&a);
}

static void
test_login_create_and_refresh(void **state)
{
	struct fg_account a;
	struct fg_request req;
	struct fg_response r;
	char err[256], body[1024];
	json_t *o;

	(void)state;
	acct_init(&a);
	memset(&req, 0, sizeof(req));
	assert_int_equal(bp->login(&a, &req), 0);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.url, BASE "/xrpc/com.atproto.server.createSession");
	assert_string_equal(req.auth, "");
	assert_request_clean(&req);
	assert_non_null(req.body);
	o = json_loads(req.body, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), 2);
	assert_string_equal(json_string_value(json_object_get(o, "identifier")), "me.bsky.social");
	assert_string_equal(json_string_value(json_object_get(o, "password")), PASSWORD);
	json_decref(o);
	request_clear(&req);

	snprintf(body, sizeof(body), "{\"accessJwt\":\"%s\",\"refreshJwt\":\"%s\","
	    "\"handle\":\"me.bsky.social\",\"did\":\"did:plc:me111\",\"email\":\"me@example.com\","
	    "\"emailConfirmed\":true,\"active\":true}", ACCESS1, REFRESH1);
	r = resp(200, body);
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_OK);
	assert_string_equal(a.access_jwt, ACCESS1);
	assert_string_equal(a.refresh_jwt, REFRESH1);
	assert_string_equal(a.id, "did:plc:me111");
	assert_clean(err);

	/* With a session the next login refreshes it: the refresh token as bearer, no body. */
	assert_int_equal(bp->login(&a, &req), 0);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.url, BASE "/xrpc/com.atproto.server.refreshSession");
	assert_string_equal(req.auth, "Authorization: Bearer " REFRESH1);
	assert_null(req.body);
	assert_request_clean(&req);
	request_clear(&req);
	snprintf(body, sizeof(body), "{\"accessJwt\":\"%s\",\"refreshJwt\":\"%s\","
	    "\"handle\":\"me.bsky.social\",\"did\":\"did:plc:me111\"}", ACCESS2, REFRESH2);
	r = resp(200, body);
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_OK);
	assert_string_equal(a.access_jwt, ACCESS2);
	assert_string_equal(a.refresh_jwt, REFRESH2);
	assert_clean(err);
	acct_free(&a);
}

static void
test_login_refresh_refused(void **state)
{
	struct fg_account a;
	struct fg_request req;
	struct fg_response r;
	char err[256];

	(void)state;
	acct_session(&a);
	memset(&req, 0, sizeof(req));
	r = resp(400, "{\"error\":\"ExpiredToken\",\"message\":\"Token has expired\"}");
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_AUTH);
	assert_null(a.refresh_jwt);
	assert_null(a.access_jwt);
	assert_non_null(strstr(err, "refreshSession"));
	assert_non_null(strstr(err, "ExpiredToken"));
	assert_clean(err);
	/* So the next login creates a new session with the app password. */
	assert_int_equal(bp->login(&a, &req), 0);
	assert_string_equal(req.url, BASE "/xrpc/com.atproto.server.createSession");
	assert_non_null(req.body);
	request_clear(&req);

	a.refresh_jwt = xstrdup(REFRESH1);
	r = resp(400, "{\"error\":\"InvalidToken\",\"message\":\"Token could not be verified\"}");
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_AUTH);
	assert_null(a.refresh_jwt);

	/* Another refusal also drops the session, but is not a reason to log in right away. */
	a.refresh_jwt = xstrdup(REFRESH1);
	r = resp(400, "{\"error\":\"AccountTakedown\","
	    "\"message\":\"Account has been taken down\"}");
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_null(a.refresh_jwt);
	assert_non_null(strstr(err, "taken down"));

	/* Server trouble keeps the session for the retry. */
	a.refresh_jwt = xstrdup(REFRESH1);
	r = resp(502, "{\"error\":\"UpstreamFailure\",\"message\":\"Upstream Failure\"}");
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_RETRY);
	assert_string_equal(a.refresh_jwt, REFRESH1);
	r = resp(429, "{\"error\":\"RateLimitExceeded\",\"message\":\"Rate Limit Exceeded\"}");
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_RATELIMITED);
	assert_string_equal(a.refresh_jwt, REFRESH1);
	acct_free(&a);
}

static void
test_login_create_refused(void **state)
{
	struct fg_account a;
	struct fg_request req;
	struct fg_response r;
	char err[256], body[1024];

	(void)state;
	acct_init(&a);
	memset(&req, 0, sizeof(req));
	/* A wrong app password is final: logging in again would only burn the budget. */
	r = resp(401, "{\"error\":\"AuthenticationRequired\","
	    "\"message\":\"Invalid identifier or password\"}");
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err,
	    "login (createSession): HTTP 401: Invalid identifier or password"));
	assert_clean(err);
	r = resp(429, "{\"error\":\"RateLimitExceeded\",\"message\":\"Rate Limit Exceeded\"}");
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_RATELIMITED);

	/* A session answer cut short: retry, and jansson's "near '...'" must not quote it. */
	snprintf(body, sizeof(body), "{\"accessJwt\":\"%s\",\"refreshJwt\":\"%.30s", ACCESS1,
	    REFRESH1);
	r = resp(200, body);
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_RETRY);
	assert_non_null(strstr(err, "truncated"));
	assert_clean(err);
	assert_null(a.access_jwt);
	snprintf(body, sizeof(body), "{\"accessJwt\":\"%s\" \"refreshJwt\":\"%s\"}", ACCESS1,
	    REFRESH1);
	r = resp(200, body);
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_clean(err);

	/* Wrong members: named, never quoted, and nothing stored. */
	snprintf(body, sizeof(body), "{\"accessJwt\":\"%s\",\"refreshJwt\":42,"
	    "\"did\":\"did:plc:me111\"}", ACCESS1);
	r = resp(200, body);
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "refreshJwt"));
	assert_clean(err);
	assert_null(a.access_jwt);
	assert_null(a.refresh_jwt);
	snprintf(body, sizeof(body), "{\"accessJwt\":\"%s\\r\\nX-Evil: 1\",\"refreshJwt\":\"%s\","
	    "\"did\":\"did:plc:me111\"}", ACCESS1, REFRESH1);
	r = resp(200, body);
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "accessJwt"));
	assert_clean(err);
	snprintf(body, sizeof(body), "{\"accessJwt\":\"%s\",\"refreshJwt\":\"%s\","
	    "\"handle\":\"me.bsky.social\"}", ACCESS1, REFRESH1);
	r = resp(200, body);
	assert_int_equal(bp->parse_login(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "did"));
	assert_null(a.access_jwt);
	assert_string_equal(a.id, "");

	/* Nothing to log in with. */
	free(a.secret);
	a.secret = NULL;
	assert_int_equal(bp->login(&a, &req), -1);
	assert_null(req.body);
	acct_free(&a);
}

/*
 * A server that echoes secrets in its error text: the app password, the session's own JWTs
 * and a JWT it made up, in every step's error path, also where the step is not given the
 * account (then the token's shape is enough) and where the text is cut short.
 */
static void
test_errors_redacted(void **state)
{
	static const char other[] = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJvdGhlciJ9.b3RoZXItc2ln";
	struct fg_account a;
	struct fg_response r;
	struct fg_page pg;
	char err[512], body[1024], filler[200];
	const long statuses[] = { 400, 401, 403, 500 };
	size_t i;

	(void)state;
	memset(filler, 0, sizeof(filler));
	memset(filler, ' ', 110);	/* puts the secret where a 120-byte cut would split it */
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		snprintf(body, sizeof(body), "{\"error\":\"Oops\",\"message\":\"password %s, "
		    "session %s, refresh %s, other %s\"}", PASSWORD, ACCESS1, REFRESH1, other);
		r = resp(statuses[i], body);
		acct_session(&a);
		bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err));
		assert_clean(err);
		assert_null(strstr(err, "b3RoZXI"));
		assert_non_null(strstr(err, "[redacted]"));
		bp->parse_resolve(&a, &r, err, sizeof(err));
		assert_clean(err);
		assert_null(strstr(err, "b3RoZXI"));
		/* A refused refresh drops the session it echoed: still not in the text. */
		bp->parse_login(&a, &r, err, sizeof(err));
		assert_clean(err);
		acct_free(&a);
		acct_init(&a);
		bp->parse_login(&a, &r, err, sizeof(err));
		assert_clean(err);
		acct_free(&a);
		/* No account given: the JWTs go by their shape. */
		bp->parse_remove(&r, err, sizeof(err));
		assert_null(strstr(err, "eyJ"));
		assert_null(strstr(err, "b3RoZXI"));
		bp->parse_unremove(&r, err, sizeof(err));
		assert_null(strstr(err, "eyJ"));
		assert_null(strstr(err, "access-one"));

		/* Cut short after the redaction, not before: no piece of a secret is left. */
		snprintf(body, sizeof(body), "{\"message\":\"%s%s %s\"}", filler, PASSWORD,
		    ACCESS1);
		r = resp(statuses[i], body);
		acct_session(&a);
		bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err));
		assert_clean(err);
		assert_null(strstr(err, "wxyz"));
		acct_free(&a);
	}
}

static void
test_errors(void **state)
{
	static const struct {
		long		 status;
		const char	*body;
		enum fg_presult	 want;
		const char	*text;
	} cases[] = {
		{ 400, "{\"error\":\"ExpiredToken\",\"message\":\"Token has expired\"}", FG_P_AUTH,
		  "followers page: HTTP 400 ExpiredToken" },
		{ 400, "{\"error\":\"InvalidToken\",\"message\":\"Token could not be verified\"}",
		  FG_P_AUTH, "InvalidToken" },
		{ 401, "{\"error\":\"AuthenticationRequired\","
		  "\"message\":\"Authentication Required\"}",
		  FG_P_AUTH, "HTTP 401" },
		{ 400, "{\"error\":\"InvalidRequest\","
		  "\"message\":\"Actor not found: nobody.test\"}",
		  FG_P_FATAL, "Actor not found" },
		{ 403, "{\"error\":\"Forbidden\",\"message\":\"nope\"}", FG_P_FATAL, "HTTP 403" },
		{ 429, "{\"error\":\"RateLimitExceeded\",\"message\":\"Rate Limit Exceeded\"}",
		  FG_P_RATELIMITED, "HTTP 429" },
		{ 500, "{\"error\":\"InternalServerError\",\"message\":\"Internal Server Error\"}",
		  FG_P_RETRY, "HTTP 500" },
		{ 502, "<html>bad gateway</html>", FG_P_RETRY, "HTTP 502" },
		{ 0, NULL, FG_P_RETRY, "no response" },
	};
	struct fg_account a;
	struct fg_page pg;
	struct fg_response r;
	char err[256];
	size_t i;

	(void)state;
	acct_session(&a);
	memset(&pg, 0, sizeof(pg));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = resp(cases[i].status, cases[i].body);
		if (bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)) != cases[i].want)
			fail_msg("case %zu: status %ld: wrong verdict (%s)", i,
			    cases[i].status, err);
		if (strstr(err, cases[i].text) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].text);
		assert_null(pg.doc);
	}
	/* Every step reads the expired token the same way. */
	r = resp(400, "{\"error\":\"ExpiredToken\",\"message\":\"Token has expired\"}");
	assert_int_equal(bp->parse_resolve(&a, &r, err, sizeof(err)), FG_P_AUTH);
	assert_int_equal(bp->parse_remove(&r, err, sizeof(err)), FG_P_AUTH);
	assert_non_null(strstr(err, "block"));
	acct_free(&a);
}

static void
test_ratelimit(void **state)
{
	const struct fg_header h[] = {
		{ "ratelimit-limit", "3000" },
		{ "ratelimit-remaining", "2999" },
		{ "ratelimit-reset", "1767225900" },
		{ "ratelimit-policy", "3000;w=300" },
	};
	const struct fg_header h429[] = {
		{ "RateLimit-Limit", "30" },
		{ "RateLimit-Remaining", "0" },
		{ "RateLimit-Reset", "1767225883" },
		{ "RateLimit-Policy", "30;w=300" },
		{ "Retry-After", "283" },
	};
	const struct fg_header hdate[] = {
		{ "Retry-After", "Thu, 01 Jan 2026 00:05:00 GMT" },
	};
	const struct fg_header hbad[] = {
		{ "RateLimit-Remaining", "lots" },
		{ "RateLimit-Reset", "60" },
		{ "Retry-After", "soon" },
	};
	const struct fg_header hdelta[] = {
		{ "RateLimit-Remaining", "5" },
		{ "RateLimit-Reset", "60" },
	};
	struct fg_ratelimit rl;
	struct fg_response r;
	char err[256];

	(void)state;
	r = resp_headers(200, "{}", h, 4);
	bp->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 1);
	assert_true(rl.limit == 3000);
	assert_true(rl.remaining == 2999);
	assert_true(rl.reset == INT64_C(1767225900));
	assert_true(rl.retry_after == 0);

	r = resp_headers(429, "{\"error\":\"RateLimitExceeded\","
	    "\"message\":\"Rate Limit Exceeded\"}", h429, 5);
	bp->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 1);
	assert_true(rl.remaining == 0);
	assert_true(rl.reset == INT64_C(1767225883));
	assert_true(rl.retry_after == NOW + 283);
	assert_int_equal(bp->parse_remove(&r, err, sizeof(err)), FG_P_RATELIMITED);

	r = resp_headers(429, "{}", hdate, 1);
	bp->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 0);
	assert_true(rl.retry_after == NOW + 300);

	/* Garbage is not a budget. */
	r = resp_headers(429, "{}", hbad, 3);
	bp->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 0);
	assert_true(rl.retry_after == 0);

	/* A reset too small for an epoch time is seconds from now (the IETF draft's form). */
	r = resp_headers(200, "{}", hdelta, 2);
	bp->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 1);
	assert_true(rl.remaining == 5);
	assert_true(rl.limit == -1);
	assert_true(rl.reset == NOW + 60);

	/* The local AppView sends none at all. */
	r = resp(200, "{}");
	bp->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 0);
	assert_true(rl.retry_after == 0);
}

static void
test_malformed(void **state)
{
	static const struct {
		const char	*body;
		enum fg_presult	 want;
		const char	*text;
	} cases[] = {
		{ "not json", FG_P_FATAL, "followers page: invalid JSON" },
		{ "[1,2]", FG_P_FATAL, "followers page: body is not a JSON object" },
		{ "{\"followers\":{}}", FG_P_FATAL,
		  "followers page: followers: expected an array" },
		{ "{\"cursor\":\"1__a\"}", FG_P_FATAL, "followers: required array missing" },
		{ "{\"followers\":[],\"cursor\":5}", FG_P_FATAL, "cursor: expected a string" },
		{ "{\"followers\":[],\"cursor\":\"a\\u0000b\"}", FG_P_FATAL,
		  "cursor: longer than 512 bytes or holding NUL" },
		{ "{\"followers\":[],\"subject\":[]}", FG_P_FATAL, "subject: expected an object" },
		{ "{\"followers\":[{\"did\":\"did:plc:a\",\"han", FG_P_RETRY,
		  "followers page: body truncated" },
		{ "{\"followers\":[{\"did\":\"did:plc:a\",\"handle\":\"a\"}", FG_P_RETRY,
		  "truncated" },
		{ "", FG_P_RETRY, "truncated" },
	};
	struct fg_account a;
	struct fg_page pg;
	struct fg_response r;
	char err[256], *big;
	size_t i, off;

	(void)state;
	acct_session(&a);
	memset(&pg, 0, sizeof(pg));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = resp(200, cases[i].body);
		if (bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)) != cases[i].want)
			fail_msg("case %zu: wrong verdict (%s)", i, err);
		if (strstr(err, cases[i].text) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].text);
		assert_null(pg.doc);
		assert_null(pg.profiles);
		assert_null(pg.skips);
		assert_int_equal(pg.n, 0);
	}

	/* A failed parse leaves the previous page as it was. */
	r = resp(200, page1);
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_OK);
	r = resp(200, "{\"followers\":[{\"did\":7}],\"cursor\":[]}");
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_FATAL);
	assert_int_equal(pg.n, 2);
	assert_string_equal(pg.profiles[1].display_name, "Alice");
	assert_string_equal(pg.cursor, "1717243140000__bafyreihcid");
	page_free(&pg);

	/* An account's odd createdAt is its own business: unknown, not a broken page. */
	r = resp(200, "{\"followers\":[{\"did\":\"did:plc:a\",\"handle\":\"a\","
	    "\"createdAt\":\"0001-01-01T00:00:00.000Z\"},{\"did\":\"did:plc:b\",\"handle\":\"b\","
	    "\"createdAt\":\"yesterday\"}]}");
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_OK);
	assert_true(pg.profiles[0].created_at == FG_TIME_UNKNOWN);
	assert_true(pg.profiles[1].created_at == FG_TIME_UNKNOWN);
	page_free(&pg);

	/* More than 1000 followers in one answer. */
	big = xmalloc(1001 * 48 + 64);
	off = (size_t)sprintf(big, "{\"followers\":[");
	for (i = 0; i < 1001; i++)
		off += (size_t)sprintf(big + off, "%s{\"did\":\"did:plc:%04zu\",\"handle\":\"h\"}",
		    i == 0 ? "" : ",", i);
	sprintf(big + off, "]}");
	r = resp(200, big);
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "more than 1000"));
	assert_null(pg.doc);
	free(big);

	/* A description longer than any profile may hold is cut to the bound, not refused. */
	big = xmalloc(6000);
	off = (size_t)sprintf(big, "{\"followers\":[{\"did\":\"did:plc:a\",\"handle\":\"a\","
	    "\"description\":\"");
	memset(big + off, 'x', 5000);
	sprintf(big + off + 5000, "\"}]}");
	r = resp(200, big);
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(strlen(pg.profiles[0].bio), FG_TEXT_MAX);
	page_free(&pg);
	free(big);
	acct_free(&a);
}

/*
 * A ProfileView that cannot be read, between two good ones: only it is left out, with a
 * message naming its place and problem and its DID quoted; the DID is kept when usable.
 */
static void
test_bad_view_skipped(void **state)
{
	static const struct {
		const char	*view;
		const char	*text;
		const char	*id;	/* the usable DID, or NULL */
	} cases[] = {
		{ "1", "followers page: followers[1]: expected an object, not a number "
		  "(no usable id)", NULL },
		{ "{\"did\":42,\"handle\":\"d\"}", "followers[1].did: expected a string", NULL },
		{ "{\"did\":\"plc:abc\",\"handle\":\"a\"}",
		  "followers[1].did: not a DID (id \"plc:abc\")", NULL },
		{ "{\"did\":\"\",\"handle\":\"a\"}", "followers[1].did: \"id\": empty", NULL },
		{ "{\"did\":\"did:plc:x\\u0000y\",\"handle\":\"a\"}",
		  "holds a control character", NULL },
		{ "{\"did\":\"did:plc:x\"}", "followers[1].handle: required string missing",
		  "did:plc:x" },
		{ "{\"did\":\"did:plc:x\",\"handle\":\"a\",\"displayName\":5}",
		  "followers[1].displayName: expected a string", "did:plc:x" },
		{ "{\"did\":\"did:plc:x\",\"handle\":\"a\",\"description\":[]}",
		  "followers[1].description: expected a string", "did:plc:x" },
		{ "{\"did\":\"did:plc:x\",\"handle\":\"a\",\"avatar\":true}",
		  "followers[1].avatar: expected a string", "did:plc:x" },
		{ "{\"did\":\"did:plc:x\",\"handle\":\"a\",\"createdAt\":1}",
		  "followers[1].createdAt: expected a string, not a number (id \"did:plc:x\")",
		  "did:plc:x" },
	};
	struct fg_account a;
	struct fg_page pg;
	struct fg_response r;
	char body[512], err[256];
	size_t i;

	(void)state;
	acct_session(&a);
	memset(&pg, 0, sizeof(pg));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "{\"followers\":[{\"did\":\"did:plc:a\","
		    "\"handle\":\"a.test\"},%s,{\"did\":\"did:plc:b\",\"handle\":\"b.test\","
		    "\"description\":\"x\\u0000y\"}],\"cursor\":\"c1\"}", cases[i].view);
		r = resp(200, body);
		assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_OK);
		assert_int_equal(pg.n, 2);
		assert_string_equal(pg.profiles[0].id, "did:plc:a");
		assert_string_equal(pg.profiles[1].id, "did:plc:b");
		assert_string_equal(pg.profiles[1].bio, "x\xef\xbf\xbdy");
		assert_string_equal(pg.cursor, "c1");
		assert_int_equal(pg.nskips, 1);
		if (strstr(pg.skips[0].why, cases[i].text) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, pg.skips[0].why,
			    cases[i].text);
		if (cases[i].id == NULL)
			assert_null(pg.skips[0].id);
		else
			assert_string_equal(pg.skips[0].id, cases[i].id);
		page_free(&pg);
	}
	acct_free(&a);
}

static void
test_resolve(void **state)
{
	struct fg_account a;
	struct fg_request req;
	struct fg_response r;
	char err[256];

	(void)state;
	acct_init(&a);
	a.access_jwt = xstrdup(ACCESS1);
	memset(&req, 0, sizeof(req));
	assert_int_equal(bp->resolve(&a, &req), 0);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url, BASE "/xrpc/app.bsky.actor.getProfile?actor=me.bsky.social");
	assert_string_equal(req.auth, "Authorization: Bearer " ACCESS1);
	assert_request_clean(&req);
	request_clear(&req);

	r = resp(200, "{\"did\":\"did:plc:me111\",\"handle\":\"me.bsky.social\","
	    "\"displayName\":\"Me\",\"followersCount\":48176,\"followsCount\":12,"
	    "\"postsCount\":900}");
	assert_int_equal(bp->parse_resolve(&a, &r, err, sizeof(err)), FG_P_OK);
	assert_string_equal(a.id, "did:plc:me111");
	assert_true(a.followers_count == 48176);

	assert_int_equal(bp->resolve(&a, &req), 0);
	assert_string_equal(req.url,
	    BASE "/xrpc/app.bsky.actor.getProfile?actor=did%3Aplc%3Ame111");
	request_clear(&req);

	r = resp(200, "{\"did\":\"did:plc:me111\",\"handle\":\"me.bsky.social\","
	    "\"followersCount\":1.5}");
	assert_int_equal(bp->parse_resolve(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "followersCount"));
	assert_true(a.followers_count == 48176);
	r = resp(200, "{\"handle\":\"me.bsky.social\",\"followersCount\":3}");
	assert_int_equal(bp->parse_resolve(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "did"));
	acct_free(&a);
}

static void
test_remove_block(void **state)
{
	static const char *const bad_keys[] = {
		"3mbd3542k222", "3mbd3542k222bb", "kmbd3542k222b", "3mbd3542k2221",
		"3MBD3542K222B", "3mbd3542k222\"", "", "3mbd3542k22/b", "3mbd3542k222 ",
	};
	struct fg_account a;
	struct fg_request req;
	struct fg_response r;
	char err[256];
	const char *s;
	int64_t before, after, t;
	json_t *o, *rec;
	size_t i;

	(void)state;
	acct_session(&a);
	memset(&req, 0, sizeof(req));
	before = time_now();
	assert_int_equal(bp->remove(&a, "did:plc:abc123", KEY, &req), 0);
	after = time_now();
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.url, BASE "/xrpc/com.atproto.repo.putRecord");
	assert_string_equal(req.auth, "Authorization: Bearer " ACCESS1);
	assert_string_equal(req.what, "remove (block record)");
	assert_request_clean(&req);
	assert_non_null(req.body);
	assert_clean(req.body);
	o = json_loads(req.body, 0, NULL);
	assert_non_null(o);
	/* repo, collection, rkey, record; no swapRecord, no validate. */
	assert_int_equal(json_object_size(o), 4);
	assert_string_equal(json_string_value(json_object_get(o, "repo")), "did:plc:me111");
	assert_string_equal(json_string_value(json_object_get(o, "collection")),
	    "app.bsky.graph.block");
	assert_string_equal(json_string_value(json_object_get(o, "rkey")), KEY);
	assert_null(json_object_get(o, "swapRecord"));
	rec = json_object_get(o, "record");
	assert_true(json_is_object(rec));
	assert_int_equal(json_object_size(rec), 3);
	assert_string_equal(json_string_value(json_object_get(rec, "$type")),
	    "app.bsky.graph.block");
	assert_string_equal(json_string_value(json_object_get(rec, "subject")), "did:plc:abc123");
	s = json_string_value(json_object_get(rec, "createdAt"));
	assert_non_null(s);
	assert_int_equal(strlen(s), 24);	/* 2026-01-01T00:00:00.000Z */
	assert_int_equal(time_parse_rfc3339(s, &t), 0);
	assert_true(t >= before && t <= after);
	json_decref(o);
	request_clear(&req);

	/* The same key again: the same record, so a retry writes no second block. */
	assert_int_equal(bp->remove(&a, "did:plc:abc123", KEY, &req), 0);
	o = json_loads(req.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "rkey")), KEY);
	json_decref(o);
	request_clear(&req);

	r = resp(200, "{\"uri\":\"at://did:plc:me111/app.bsky.graph.block/" KEY "\","
	    "\"cid\":\"bafyreiabc\",\"commit\":{\"cid\":\"bafyreidef\",\"rev\":\"3l2xyz\"},"
	    "\"validationStatus\":\"valid\"}");
	assert_int_equal(bp->parse_remove(&r, err, sizeof(err)), FG_P_OK);
	r = resp(200, "{}");
	assert_int_equal(bp->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "uri"));
	r = resp(400, "{\"error\":\"InvalidSwap\",\"message\":\"Commit was at rev\"}");
	assert_int_equal(bp->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "remove (block record): HTTP 400"));
	r = resp(400, "{\"error\":\"InvalidRequest\",\"message\":\"Invalid app.bsky.graph.block "
	    "record: Record/subject must be a valid did\"}");
	assert_int_equal(bp->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	r = resp(400, "{\"error\":\"ExpiredToken\",\"message\":\"Token has expired\"}");
	assert_int_equal(bp->parse_remove(&r, err, sizeof(err)), FG_P_AUTH);
	r = resp(502, "{\"error\":\"UpstreamFailure\",\"message\":\"Upstream Failure\"}");
	assert_int_equal(bp->parse_remove(&r, err, sizeof(err)), FG_P_RETRY);

	/* Only DIDs are blocked; no session or no own DID, no request. */
	assert_int_equal(bp->remove(&a, "12345", KEY, &req), -1);
	assert_null(req.body);
	assert_int_equal(bp->remove(&a, "did:plc:x\"},\"repo\":\"did:plc:evil", KEY, &req), -1);
	assert_int_equal(bp->remove(&a, "did:plc:", KEY, &req), -1);
	assert_int_equal(bp->remove(&a, "did::abc", KEY, &req), -1);
	assert_int_equal(bp->remove(&a, "did:web:example.com", KEY, &req), 0);
	request_clear(&req);

	/* The key must be a TID: refused when missing or malformed, nothing built. */
	assert_int_equal(bp->remove(&a, "did:plc:abc123", NULL, &req), -1);
	assert_null(req.body);
	assert_string_equal(req.auth, "");
	for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		if (bp->remove(&a, "did:plc:abc123", bad_keys[i], &req) != -1)
			fail_msg("key \"%s\" accepted", bad_keys[i]);
		assert_null(req.body);
	}
	assert_int_equal(bp->remove(&a, "did:plc:abc123", "2222222222222", &req), 0);
	request_clear(&req);
	assert_int_equal(bp->remove(&a, "did:plc:abc123", "jzzzzzzzzzzzz", &req), 0);
	request_clear(&req);

	a.id[0] = '\0';
	assert_int_equal(bp->remove(&a, "did:plc:abc123", KEY, &req), -1);
	snprintf(a.id, sizeof(a.id), "did:plc:me111");
	free(a.access_jwt);
	a.access_jwt = NULL;
	assert_int_equal(bp->remove(&a, "did:plc:abc123", KEY, &req), -1);
	assert_string_equal(req.auth, "");
	acct_free(&a);
}

/* unremove deletes the block record by its key: the follower shows again. */
static void
test_unremove(void **state)
{
	struct fg_account a;
	struct fg_request req;
	struct fg_response r;
	char err[256];
	json_t *o;

	(void)state;
	acct_session(&a);
	assert_int_equal(bp->unremove(&a, "did:plc:abc123", KEY, &req), 0);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.url, BASE "/xrpc/com.atproto.repo.deleteRecord");
	assert_string_equal(req.auth, "Authorization: Bearer " ACCESS1);
	assert_string_equal(req.what, "unremove (delete block record)");
	assert_request_clean(&req);
	assert_non_null(req.body);
	o = json_loads(req.body, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), 3);
	assert_string_equal(json_string_value(json_object_get(o, "repo")), "did:plc:me111");
	assert_string_equal(json_string_value(json_object_get(o, "collection")),
	    "app.bsky.graph.block");
	assert_string_equal(json_string_value(json_object_get(o, "rkey")), KEY);
	json_decref(o);
	request_clear(&req);

	r = resp(200, "{\"commit\":{\"cid\":\"bafyreidef\",\"rev\":\"3l2xyz\"}}");
	assert_int_equal(bp->parse_unremove(&r, err, sizeof(err)), FG_P_OK);
	/* Deleting a record that is gone is a no-op, answered with {} (or nothing). */
	r = resp(200, "{}");
	assert_int_equal(bp->parse_unremove(&r, err, sizeof(err)), FG_P_OK);
	r = resp(200, NULL);
	assert_int_equal(bp->parse_unremove(&r, err, sizeof(err)), FG_P_OK);
	r = resp(200, "[1]");
	assert_int_equal(bp->parse_unremove(&r, err, sizeof(err)), FG_P_FATAL);
	r = resp(200, "{\"commit\":");
	assert_int_equal(bp->parse_unremove(&r, err, sizeof(err)), FG_P_RETRY);
	r = resp(400, "{\"error\":\"InvalidToken\",\"message\":\"Token could not be verified\"}");
	assert_int_equal(bp->parse_unremove(&r, err, sizeof(err)), FG_P_AUTH);
	r = resp(429, "{\"error\":\"RateLimitExceeded\",\"message\":\"Rate Limit Exceeded\"}");
	assert_int_equal(bp->parse_unremove(&r, err, sizeof(err)), FG_P_RATELIMITED);
	assert_non_null(strstr(err, "unremove (delete block record): HTTP 429"));

	assert_int_equal(bp->unremove(&a, "did:plc:abc123", NULL, &req), -1);
	assert_null(req.body);
	assert_int_equal(bp->unremove(&a, "did:plc:abc123", "3mbd3542k222", &req), -1);
	assert_int_equal(bp->unremove(&a, "did:plc:abc123", "self", &req), -1);
	assert_int_equal(bp->unremove(&a, "12345", KEY, &req), -1);
	assert_int_equal(bp->unremove(&a, NULL, KEY, &req), -1);
	free(a.access_jwt);
	a.access_jwt = NULL;
	assert_int_equal(bp->unremove(&a, "did:plc:abc123", KEY, &req), -1);
	acct_free(&a);
}

/* getFollows: the accounts we follow, read by parse_page under the key "follows". */
static void
test_following(void **state)
{
	static const char follows[] =
	    "{\"subject\":{\"did\":\"did:plc:me111\",\"handle\":\"me.bsky.social\"},"
	    "\"follows\":["
	    "{\"did\":\"did:plc:friend1\",\"handle\":\"friend.bsky.social\","
	    "\"displayName\":\"Friend\",\"createdAt\":\"2023-04-02T08:30:00.000Z\","
	    "\"viewer\":{\"muted\":false,\"blockedBy\":false,"
	    "\"following\":\"at://did:plc:me111/app.bsky.graph.follow/3kabc2222222a\"},"
	    "\"labels\":[]},"
	    "{\"did\":\"did:plc:friend2\",\"handle\":\"two.example.com\"}],"
	    "\"cursor\":\"1717243140000__bafyreihcid\"}";
	struct fg_account a;
	struct fg_request req;
	struct fg_response r;
	struct fg_page pg;
	char err[256];

	(void)state;
	acct_session(&a);
	assert_int_equal(bp->following(&a, NULL, &req), 0);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url, BASE "/xrpc/app.bsky.graph.getFollows?"
	    "actor=did%3Aplc%3Ame111&limit=100");
	assert_string_equal(req.auth, "Authorization: Bearer " ACCESS1);
	assert_string_equal(req.what, "following page");
	assert_null(req.body);
	request_clear(&req);
	assert_int_equal(bp->following(&a, "1717243140000__bafyreihcid", &req), 0);
	assert_string_equal(req.url, BASE "/xrpc/app.bsky.graph.getFollows?"
	    "actor=did%3Aplc%3Ame111&limit=100&cursor=1717243140000__bafyreihcid");
	request_clear(&req);

	memset(&pg, 0, sizeof(pg));
	r = resp(200, follows);
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 2);
	assert_string_equal(pg.profiles[0].id, "did:plc:friend1");
	assert_string_equal(pg.profiles[0].handle, "friend.bsky.social");
	assert_string_equal(pg.profiles[1].id, "did:plc:friend2");
	assert_string_equal(pg.cursor, "1717243140000__bafyreihcid");
	page_free(&pg);

	/* The last page has no cursor; an empty list is a valid end. */
	r = resp(200, "{\"subject\":{\"did\":\"did:plc:me111\",\"handle\":\"me.test\"},"
	    "\"follows\":[]}");
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 0);
	assert_null(pg.cursor);
	page_free(&pg);

	/* Messages name the list and the element. */
	r = resp(200, "{\"follows\":[{\"did\":\"nope\",\"handle\":\"x.test\"}]}");
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 0);
	assert_int_equal(pg.nskips, 1);
	assert_non_null(strstr(pg.skips[0].why, "following page: follows[0].did"));
	page_free(&pg);
	r = resp(200, "{\"follows\":{}}");
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "follows: expected an array"));
	r = resp(200, "{\"subject\":{}}");
	assert_int_equal(bp->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "followers: required array missing"));

	a.id[0] = '\0';
	a.account[0] = '\0';
	assert_int_equal(bp->following(&a, NULL, &req), -1);
	acct_free(&a);
}

/* The TID's value back from its text, to check provider_tid against the spec's layout. */
static uint64_t
tid_value(const char *s)
{
	static const char s32[] = "234567abcdefghijklmnopqrstuvwxyz";
	uint64_t v = 0;
	const char *p;

	for (; *s != '\0'; s++) {
		p = strchr(s32, *s);
		assert_non_null(p);
		v = v << 5 | (uint64_t)(p - s32);
	}
	return v;
}

static void
test_tid(void **state)
{
	static const struct {
		int64_t		 micros;
		unsigned	 clock;
		const char	*tid;
	} vec[] = {
		{ 0, 0, "2222222222222" },
		{ 1, 0, "2222222222322" },		/* 1 << 10 = 1 * 32^2 */
		{ 0, 1023, "22222222222zz" },		/* 31 * 32 + 31 */
		{ 0, 1024, "2222222222222" },		/* the clock id keeps 10 bits */
		{ (INT64_C(1) << 53) - 1, 1023, "bzzzzzzzzzzzz" },	/* 2^63 - 1 */
		{ INT64_C(1) << 53, 0, "2222222222222" },	/* the time keeps 53 bits */
		/*
		 * 2026-01-01T00:00:00Z: 1767225600000000 << 10 | 7 = 0x191d211881000007,
		 * in 5-bit groups from the top 1 18 7 9 1 3 2 0 16 0 0 0 7.
		 */
		{ INT64_C(1767225600000000), 7, "3mbd3542k222b" },
		/* The example TID of the atproto spec: 2023-06-30T15:03:01.887007Z, clock 6. */
		{ INT64_C(1688137381887007), 6, "3jzfcijpj2z2a" },
	};
	char a[14], b[14];
	uint64_t v, x = UINT64_C(88172645463325252);
	int64_t us, prev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		memset(a, 'X', sizeof(a));
		provider_tid(vec[i].micros, vec[i].clock, a);
		assert_int_equal(a[13], '\0');
		if (strcmp(a, vec[i].tid) != 0)
			fail_msg("vector %zu: %s, want %s", i, a, vec[i].tid);
	}
	/* Round trip and order over pseudo-random times (xorshift) and clock ids. */
	prev = 0;
	provider_tid(prev, 0, b);
	for (i = 0; i < 2000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		us = (int64_t)(x & ((UINT64_C(1) << 53) - 1));
		provider_tid(us, (unsigned)i, a);
		assert_int_equal(strlen(a), 13);
		/* Top bit 0: the first character is one of 2-7, a, b (the spec allows 2-7, a-j). */
		assert_non_null(strchr("234567ab", a[0]));
		v = tid_value(a);
		assert_true(v >> 63 == 0);
		assert_true((int64_t)(v >> 10) == us);
		assert_true((v & 1023) == (i & 1023));
		/* As text they sort as their times do. */
		if (us != prev)
			assert_true((strcmp(b, a) < 0) == (prev < us));
		prev = us;
		memcpy(b, a, sizeof(b));
	}
	/* A later microsecond sorts later, whatever the clock ids. */
	us = INT64_C(1767225600000000);
	for (i = 0; i < 2000; i++) {
		provider_tid(us, 1023, a);
		provider_tid(us + 1, 0, b);
		assert_true(strcmp(a, b) < 0);
		us += 1 + (int64_t)(i * i);
	}
	provider_tid(INT64_C(1767225600000000), 0, a);
	provider_tid(INT64_C(1767225600000001), 0, b);
	assert_true(strcmp(a, b) < 0);
	provider_tid(INT64_C(1767225599999999), 1023, b);
	assert_true(strcmp(b, a) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provider),
		cmocka_unit_test(test_page_with_cursor),
		cmocka_unit_test(test_final_page),
		cmocka_unit_test(test_page_request),
		cmocka_unit_test(test_hydrate),
		cmocka_unit_test(test_login_create_and_refresh),
		cmocka_unit_test(test_login_refresh_refused),
		cmocka_unit_test(test_login_create_refused),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_redacted),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_view_skipped),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_remove_block),
		cmocka_unit_test(test_unremove),
		cmocka_unit_test(test_following),
		cmocka_unit_test(test_tid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
