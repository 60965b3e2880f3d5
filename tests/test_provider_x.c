/*
 * Tests of the X API v2 provider: request urls and auth, the User mapping, pagination,
 * errors and rate-limit headers, on bodies written from docs/platforms.md 5. No network.
 */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "profile.h"
#include "provider.h"
#include "timeutil.h"
#include "xmalloc.h"

/* Distinctive, so that a leak anywhere is found by a plain substring search. */
#define TOKEN	"AAAAAAAAAAAAAAAAAAAAAsEcReTbEaReR%2Bt0k3n"
#define BASE	"https://api.x.test"
#define NOW	INT64_C(1780000000)
#define FIELDS	"user.fields=created_at,description,profile_image_url,public_metrics," \
		"verified,protected,url,location"

static const struct fg_provider *const px = &provider_x;

static void
account_init(struct fg_account *a, const char *account)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->base_url, sizeof(a->base_url), "%s", BASE);
	snprintf(a->account, sizeof(a->account), "%s", account);
	a->secret = xstrdup(TOKEN);
	snprintf(a->id, sizeof(a->id), "2244994945");
	a->followers_count = -1;
}

static void
account_free(struct fg_account *a)
{
	free(a->secret);
	a->secret = NULL;
}

/* Nothing that reaches a log, a metric or an error message holds the token. */
static void
assert_no_token(const struct fg_request *req, const char *err)
{
	if (req != NULL) {
		assert_null(strstr(req->url, TOKEN));
		assert_null(strstr(req->what, TOKEN));
		assert_null(strstr(req->url, "sEcReT"));
	}
	if (err != NULL)
		assert_null(strstr(err, "sEcReT"));
}

static struct fg_response
response(long status, const char *body, const struct fg_header *h, size_t nh)
{
	struct fg_response r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = body;
	r.len = body != NULL ? strlen(body) : 0;
	r.headers = h;
	r.nheaders = nh;
	return r;
}

/* parse_page on a 200 body. */
static enum fg_presult
parse_page(const char *body, struct fg_page *pg, char *err, size_t errlen)
{
	struct fg_account a;
	struct fg_response r = response(200, body, NULL, 0);
	enum fg_presult res;

	account_init(&a, "2244994945");
	err[0] = '\0';
	res = px->parse_page(&a, &r, NOW, pg, err, errlen);
	account_free(&a);
	assert_no_token(NULL, err);
	return res;
}

/* A page that must fail: the verdict, the page left empty, and the message. */
static void
assert_page_fails(const char *body, enum fg_presult want, const char *msg)
{
	struct fg_page pg;
	char err[512];

	assert_int_equal(parse_page(body, &pg, err, sizeof(err)), want);
	assert_null(pg.doc);
	assert_null(pg.profiles);
	assert_null(pg.cursor);
	assert_int_equal(pg.n, 0);
	if (strstr(err, msg) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, msg);
	page_free(&pg);
}

static void
test_descriptor(void **state)
{
	(void)state;
	assert_string_equal(px->name, "x");
	assert_int_equal(px->page_size, 1000);
	assert_int_equal(px->hydrate_max, 0);
	assert_null(px->login);
	assert_null(px->parse_login);
	assert_null(px->hydrate);
	assert_null(px->parse_hydrate);
	/* A kept block (Enterprise tier only; elsewhere a clear 403): see lib/provider_x.c. */
	assert_non_null(px->following);
	assert_non_null(px->remove);
	assert_non_null(px->parse_remove);
	assert_non_null(px->unremove);
	assert_non_null(px->parse_unremove);
	assert_non_null(px->resolve);
	assert_non_null(px->parse_resolve);
	assert_non_null(px->page);
	assert_non_null(px->parse_page);
	assert_non_null(px->ratelimit);
}

static void
resolve_url(const char *account, const char *want)
{
	struct fg_account a;
	struct fg_request req;

	account_init(&a, account);
	assert_int_equal(px->resolve(&a, &req), 0);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url, want);
	assert_string_equal(req.auth, "Authorization: Bearer " TOKEN);
	assert_null(req.body);
	assert_string_equal(req.what, "account lookup");
	assert_no_token(&req, NULL);
	request_clear(&req);
	account_free(&a);
}

static void
test_resolve_request(void **state)
{
	(void)state;
	resolve_url("2244994945", BASE "/2/users/2244994945?user.fields=public_metrics");
	resolve_url("XDevelopers",
	    BASE "/2/users/by/username/XDevelopers?user.fields=public_metrics");
	resolve_url("@XDevelopers",
	    BASE "/2/users/by/username/XDevelopers?user.fields=public_metrics");
	resolve_url("me", BASE "/2/users/me?user.fields=public_metrics");
	/* The @ says "a username", for one called me or made of digits. */
	resolve_url("@me", BASE "/2/users/by/username/me?user.fields=public_metrics");
	resolve_url("@12345", BASE "/2/users/by/username/12345?user.fields=public_metrics");
}

static void
test_resolve_request_refused(void **state)
{
	static const char *const bad[] = {
		"", "@", "a b", "../../2/users/me", "name?x=1", "sixteen_chars_xx",
		"12345678901234567890",	/* 20 digits: no id, and too long for a name */
		"caf\xc3\xa9",
	};
	struct fg_account a;
	struct fg_request req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		account_init(&a, bad[i]);
		assert_int_equal(px->resolve(&a, &req), -1);
		assert_string_equal(req.auth, "");
		assert_null(req.body);
		account_free(&a);
	}

	/* No token, or one that would split the header. */
	account_init(&a, "XDevelopers");
	free(a.secret);
	a.secret = NULL;
	assert_int_equal(px->resolve(&a, &req), -1);
	a.secret = xstrdup("");
	assert_int_equal(px->resolve(&a, &req), -1);
	free(a.secret);
	a.secret = xstrdup("abc\r\nX-Injected: 1");
	assert_int_equal(px->resolve(&a, &req), -1);
	assert_string_equal(req.auth, "");
	assert_string_equal(req.url, "");
	account_free(&a);

	/* A base_url with a trailing slash still gives one slash. */
	account_init(&a, "me");
	snprintf(a.base_url, sizeof(a.base_url), "%s/", BASE);
	assert_int_equal(px->resolve(&a, &req), 0);
	assert_string_equal(req.url, BASE "/2/users/me?user.fields=public_metrics");
	account_free(&a);
}

static void
test_parse_resolve(void **state)
{
	static const char ok[] =
	    "{\"data\":{\"id\":\"2244994945\",\"name\":\"Developers\","
	    "\"username\":\"XDevelopers\",\"public_metrics\":{\"followers_count\":48176,"
	    "\"following_count\":2033,\"tweet_count\":3961,\"listed_count\":1672,"
	    "\"like_count\":1230}}}";
	static const char nometrics[] =
	    "{\"data\":{\"id\":\"783214\",\"name\":\"X\",\"username\":\"X\"}}";
	static const char notfound[] =
	    "{\"errors\":[{\"value\":\"nosuchuser_1\",\"detail\":\"Could not find user with "
	    "username: [nosuchuser_1].\",\"title\":\"Not Found Error\",\"resource_type\":"
	    "\"user\",\"parameter\":\"username\",\"resource_id\":\"nosuchuser_1\",\"type\":"
	    "\"https://api.twitter.com/2/problems/resource-not-found\"}]}";
	static const char badcount[] =
	    "{\"data\":{\"id\":\"2244994945\",\"public_metrics\":{\"followers_count\":\"48176\"}}}";
	static const char badid[] = "{\"data\":{\"id\":2244994945}}";
	struct fg_account a;
	struct fg_response r;
	char err[512];

	(void)state;
	account_init(&a, "XDevelopers");
	a.id[0] = '\0';
	r = response(200, ok, NULL, 0);
	assert_int_equal(px->parse_resolve(&a, &r, err, sizeof(err)), FG_P_OK);
	assert_string_equal(a.id, "2244994945");
	assert_int_equal(a.followers_count, 48176);

	r = response(200, nometrics, NULL, 0);
	assert_int_equal(px->parse_resolve(&a, &r, err, sizeof(err)), FG_P_OK);
	assert_string_equal(a.id, "783214");
	assert_int_equal(a.followers_count, -1);

	/* An unknown user is a 200 with errors only; the account is left alone. */
	r = response(200, notfound, NULL, 0);
	assert_int_equal(px->parse_resolve(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "account lookup"));
	assert_non_null(strstr(err, "Could not find user"));
	assert_string_equal(a.id, "783214");

	r = response(200, badcount, NULL, 0);
	assert_int_equal(px->parse_resolve(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_string_equal(err, "account lookup: data.public_metrics.followers_count: "
	    "expected a non-negative integer");
	r = response(200, badid, NULL, 0);
	assert_int_equal(px->parse_resolve(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "data.id"));
	r = response(200, "{\"data\":{\"id\":\"1\"", NULL, 0);
	assert_int_equal(px->parse_resolve(&a, &r, err, sizeof(err)), FG_P_RETRY);
	r = response(401, "{\"title\":\"Unauthorized\",\"type\":\"about:blank\",\"status\":401,"
	    "\"detail\":\"Unauthorized\"}", NULL, 0);
	assert_int_equal(px->parse_resolve(&a, &r, err, sizeof(err)), FG_P_AUTH);
	assert_no_token(NULL, err);
	assert_string_equal(a.id, "783214");
	account_free(&a);
}

static void
test_page_request(void **state)
{
	struct fg_account a;
	struct fg_request req;

	(void)state;
	account_init(&a, "XDevelopers");
	assert_int_equal(px->page(&a, NULL, &req), 0);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url, BASE "/2/users/2244994945/followers?max_results=1000&"
	    FIELDS);
	assert_string_equal(req.auth, "Authorization: Bearer " TOKEN);
	assert_string_equal(req.what, "followers page");
	assert_null(req.body);
	assert_no_token(&req, NULL);
	request_clear(&req);

	assert_int_equal(px->page(&a, "DFEDBNRFT3MHCZZZ", &req), 0);
	assert_string_equal(req.url, BASE "/2/users/2244994945/followers?max_results=1000&"
	    FIELDS "&pagination_token=DFEDBNRFT3MHCZZZ");
	assert_no_token(&req, NULL);

	/* Whatever the server hands out goes back encoded, never able to add parameters. */
	assert_int_equal(px->page(&a, "a b/c+d=e&f~g_h.i-j%\xc3\xa9", &req), 0);
	assert_string_equal(req.url, BASE "/2/users/2244994945/followers?max_results=1000&"
	    FIELDS "&pagination_token=a%20b%2Fc%2Bd%3De%26f~g_h.i-j%25%C3%A9");

	assert_int_equal(px->page(&a, "", &req), -1);
	assert_string_equal(req.auth, "");

	/* The id must have been resolved, and be an X id. */
	a.id[0] = '\0';
	assert_int_equal(px->page(&a, NULL, &req), -1);
	snprintf(a.id, sizeof(a.id), "12/../me");
	assert_int_equal(px->page(&a, NULL, &req), -1);
	assert_string_equal(req.auth, "");
	account_free(&a);
}

/* A followers page (docs/platforms.md 5.2) after X's documentation example, grown to three. */
static const char page_full[] =
    "{\"data\":["
    "{\"id\":\"1780000000000000001\",\"name\":\"jdh38fh\",\"username\":\"jdh38fh22931\","
    "\"created_at\":\"2024-04-16T03:12:44.000Z\",\"description\":\"\",\"location\":\"\","
    "\"url\":\"\",\"profile_image_url\":"
    "\"https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png\","
    "\"protected\":false,\"verified\":false,\"verified_type\":\"none\","
    "\"public_metrics\":{\"followers_count\":0,\"following_count\":4987,\"tweet_count\":0,"
    "\"listed_count\":0,\"like_count\":0}},"
    "{\"id\":\"14171401\",\"name\":\"Ada \\u00e9 Lovelace\",\"username\":\"ada\","
    "\"created_at\":\"2008-03-19T10:00:00.000Z\",\"description\":\"Engines & notes\","
    "\"location\":\"London\",\"url\":\"https://t.co/abc123\",\"profile_image_url\":"
    "\"https://pbs.twimg.com/profile_images/1/ada_normal.jpg\",\"protected\":true,"
    "\"verified\":true,\"public_metrics\":{\"followers_count\":91234,\"following_count\":"
    "310,\"post_count\":15022,\"listed_count\":77,\"like_count\":4410,\"media_count\":3}},"
    "{\"id\":\"99\",\"username\":\"bare\",\"name\":\"Bare\"}"
    "],\"meta\":{\"result_count\":3,\"next_token\":\"DFEDBNRFT3MHCZZZ\"}}";

static void
test_page_full(void **state)
{
	struct fg_page pg;
	const struct fg_profile *p;
	char err[256];
	int64_t t;

	(void)state;
	assert_int_equal(parse_page(page_full, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 3);
	assert_string_equal(pg.cursor, "DFEDBNRFT3MHCZZZ");
	assert_int_equal(pg.needs_hydration, 0);
	assert_non_null(pg.doc);

	/* Newest follower first, as listed. */
	p = &pg.profiles[0];
	assert_string_equal(p->id, "1780000000000000001");
	assert_string_equal(p->handle, "jdh38fh22931");
	assert_string_equal(p->display_name, "jdh38fh");
	assert_string_equal(p->bio, "");
	assert_string_equal(p->url, "");
	assert_string_equal(p->location, "");
	assert_int_equal(time_parse_rfc3339("2024-04-16T03:12:44Z", &t), 0);
	assert_int_equal(p->created_at, t);
	assert_int_equal(p->observed_at, NOW);
	assert_int_equal(p->avatar_default, 1);
	assert_int_equal(p->followers_count, 0);
	assert_int_equal(p->following_count, 4987);
	assert_int_equal(p->posts_count, 0);
	assert_int_equal(p->listed_count, 0);
	assert_int_equal(p->likes_count, 0);
	assert_int_equal(p->verified, 0);
	assert_int_equal(p->locked, 0);
	assert_int_equal(p->bot, FG_UNKNOWN);
	assert_int_equal(p->last_post_at, FG_TIME_UNKNOWN);

	p = &pg.profiles[1];
	assert_string_equal(p->id, "14171401");
	assert_string_equal(p->handle, "ada");
	assert_string_equal(p->display_name, "Ada \xc3\xa9 Lovelace");
	assert_string_equal(p->bio, "Engines & notes");
	assert_string_equal(p->url, "https://t.co/abc123");
	assert_string_equal(p->location, "London");
	assert_int_equal(p->avatar_default, 0);
	assert_int_equal(p->followers_count, 91234);
	assert_int_equal(p->following_count, 310);
	assert_int_equal(p->posts_count, 15022);	/* post_count, spec 2.167 */
	assert_int_equal(p->listed_count, 77);
	assert_int_equal(p->likes_count, 4410);
	assert_int_equal(p->verified, 1);
	assert_int_equal(p->locked, 1);

	/* Only the default fields: everything else unknown, not zero or false. */
	p = &pg.profiles[2];
	assert_string_equal(p->id, "99");
	assert_string_equal(p->handle, "bare");
	assert_null(p->bio);
	assert_null(p->url);
	assert_int_equal(p->created_at, FG_TIME_UNKNOWN);
	assert_int_equal(p->avatar_default, FG_UNKNOWN);
	assert_int_equal(p->followers_count, -1);
	assert_int_equal(p->following_count, -1);
	assert_int_equal(p->posts_count, -1);
	assert_int_equal(p->likes_count, -1);
	assert_int_equal(p->listed_count, -1);
	assert_int_equal(p->verified, FG_UNKNOWN);
	assert_int_equal(p->locked, FG_UNKNOWN);
	assert_int_equal(p->observed_at, NOW);
	page_free(&pg);
	assert_null(pg.doc);
}

/* The profiles survive as the contract's JSON, so the rest of the pipeline reads them. */
static void
test_page_profile_json(void **state)
{
	struct fg_page pg;
	struct fg_profile back;
	char err[256];
	json_t *o;

	(void)state;
	assert_int_equal(parse_page(page_full, &pg, err, sizeof(err)), FG_P_OK);
	o = profile_to_json(&pg.profiles[1]);
	assert_string_equal(json_string_value(json_object_get(o, "handle")), "ada");
	assert_int_equal(json_integer_value(json_object_get(o, "posts_count")), 15022);
	assert_true(json_is_true(json_object_get(o, "locked")));
	assert_int_equal(profile_from_json(o, &back, &pg.text, err, sizeof(err)), 0);
	assert_int_equal(back.created_at, pg.profiles[1].created_at);
	json_decref(o);
	page_free(&pg);
}

static void
test_page_last(void **state)
{
	static const char body[] =
	    "{\"data\":[{\"id\":\"5\",\"name\":\"E\",\"username\":\"e\",\"public_metrics\":"
	    "{\"followers_count\":1,\"following_count\":2,\"tweet_count\":3,\"listed_count\":4,"
	    "\"like_count\":5}}],\"meta\":{\"result_count\":1,\"previous_token\":"
	    "\"77qp8ah1uf5h0ap5\"}}";
	struct fg_page pg;
	char err[256];

	(void)state;
	assert_int_equal(parse_page(body, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 1);
	assert_null(pg.cursor);
	assert_int_equal(pg.profiles[0].posts_count, 3);	/* tweet_count, the live name */
	assert_int_equal(pg.profiles[0].likes_count, 5);
	page_free(&pg);

	/* An explicit null next_token is the end too. */
	assert_int_equal(parse_page("{\"data\":[],\"meta\":{\"result_count\":0,"
	    "\"next_token\":null}}", &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 0);
	assert_null(pg.cursor);
	page_free(&pg);
}

static void
test_page_empty(void **state)
{
	struct fg_page pg;
	char err[256];

	(void)state;
	assert_int_equal(parse_page("{\"meta\":{\"result_count\":0}}", &pg, err, sizeof(err)),
	    FG_P_OK);
	assert_int_equal(pg.n, 0);
	assert_null(pg.profiles);
	assert_null(pg.cursor);
	page_free(&pg);

	/* No data is only an empty list when the count says so. */
	assert_page_fails("{\"meta\":{\"result_count\":2}}", FG_P_FATAL,
	    "followers page: data: missing");
	assert_page_fails("{\"meta\":{}}", FG_P_FATAL, "followers page: data: missing");
	assert_page_fails("{}", FG_P_FATAL, "followers page: meta: missing");
}

static void
test_page_avatar(void **state)
{
	static const char body[] =
	    "{\"data\":["
	    "{\"id\":\"1\",\"profile_image_url\":\"https://abs.twimg.com/sticky/"
	    "default_profile_images/default_profile_normal.png\"},"
	    "{\"id\":\"2\",\"profile_image_url\":\"https://abs.twimg.com/sticky/"
	    "default_profile_images/default_profile_400x400.png\"},"
	    "{\"id\":\"3\",\"profile_image_url\":\"https://pbs.twimg.com/profile_images/"
	    "1683325380441128960/yRsRRjGO_normal.jpg\"},"
	    "{\"id\":\"4\",\"profile_image_url\":null},"
	    "{\"id\":\"5\"}"
	    "],\"meta\":{\"result_count\":5}}";
	struct fg_page pg;
	char err[256];

	(void)state;
	assert_int_equal(parse_page(body, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 5);
	assert_int_equal(pg.profiles[0].avatar_default, 1);
	assert_int_equal(pg.profiles[1].avatar_default, 1);
	assert_int_equal(pg.profiles[2].avatar_default, 0);
	assert_int_equal(pg.profiles[3].avatar_default, FG_UNKNOWN);
	assert_int_equal(pg.profiles[4].avatar_default, FG_UNKNOWN);
	page_free(&pg);
}

static void
test_page_metrics(void **state)
{
	static const char body[] =
	    "{\"data\":["
	    "{\"id\":\"1\",\"public_metrics\":{\"followers_count\":10,\"tweet_count\":7}},"
	    "{\"id\":\"2\",\"public_metrics\":{\"followers_count\":10,\"post_count\":8}},"
	    "{\"id\":\"3\",\"public_metrics\":{}},"
	    "{\"id\":\"4\",\"public_metrics\":null},"
	    "{\"id\":\"5\",\"public_metrics\":{\"followers_count\":null,\"tweet_count\":null,"
	    "\"post_count\":9}}"
	    "],\"meta\":{\"result_count\":5}}";
	struct fg_page pg;
	char err[256];

	(void)state;
	assert_int_equal(parse_page(body, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.profiles[0].posts_count, 7);
	assert_int_equal(pg.profiles[0].following_count, -1);
	assert_int_equal(pg.profiles[1].posts_count, 8);
	assert_int_equal(pg.profiles[1].followers_count, 10);
	assert_int_equal(pg.profiles[2].followers_count, -1);
	assert_int_equal(pg.profiles[2].posts_count, -1);
	assert_int_equal(pg.profiles[3].followers_count, -1);
	assert_int_equal(pg.profiles[3].likes_count, -1);
	assert_int_equal(pg.profiles[4].followers_count, -1);
	assert_int_equal(pg.profiles[4].posts_count, 9);
	page_free(&pg);
}

/* Runs parse_page with stderr captured, so the warning it logs can be read. */
static enum fg_presult
parse_page_logged(const char *body, struct fg_page *pg, char *err, size_t errlen,
    char *log, size_t loglen)
{
	char path[PATH_MAX];
	enum fg_presult res;
	ssize_t n;
	int fd, saved;

	snprintf(path, sizeof(path), "%s/test_provider_x.%ld.stderr", FG_TEST_TMP,
	    (long)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	res = parse_page(body, pg, err, errlen);
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	n = pread(fd, log, loglen - 1, 0);
	assert_true(n >= 0);
	log[n] = '\0';
	close(fd);
	unlink(path);
	return res;
}

static void
test_page_partial_errors(void **state)
{
	static const char body[] =
	    "{\"data\":[{\"id\":\"7\",\"username\":\"seven\"},{\"id\":\"8\",\"username\":"
	    "\"eight\"}],\"errors\":[{\"resource_id\":\"1293593516040269825\",\"parameter\":"
	    "\"pinned_tweet_id\",\"resource_type\":\"tweet\",\"section\":\"includes\","
	    "\"title\":\"Authorization Error\",\"value\":\"1293593516040269825\",\"detail\":"
	    "\"Sorry, you are not authorized to see the Tweet with pinned_tweet_id: "
	    "[1293593516040269825].\",\"type\":\"https://api.twitter.com/2/problems/"
	    "not-authorized-for-resource\"}],\"meta\":{\"result_count\":2,\"next_token\":"
	    "\"QAV8P9BKJUAUUZZZ\"}}";
	static const char only_errors[] =
	    "{\"errors\":[{\"resource_id\":\"2244994945\",\"title\":\"Forbidden\",\"detail\":"
	    "\"User has been suspended: [2244994945].\",\"type\":\"https://api.twitter.com/2/"
	    "problems/resource-not-found\"}]}";
	struct fg_page pg;
	char err[512], log[4096];

	(void)state;
	assert_int_equal(parse_page_logged(body, &pg, err, sizeof(err), log, sizeof(log)),
	    FG_P_OK);
	assert_int_equal(pg.n, 2);
	assert_string_equal(pg.profiles[1].handle, "eight");
	assert_string_equal(pg.cursor, "QAV8P9BKJUAUUZZZ");
	assert_non_null(strstr(log, "followers page"));
	assert_non_null(strstr(log, "1 partial error"));
	assert_null(strstr(log, "sEcReT"));
	page_free(&pg);

	/* Errors and no data is a failed request, never "no followers left". */
	assert_page_fails(only_errors, FG_P_FATAL, "User has been suspended");
	assert_page_fails("{\"errors\":[{\"title\":\"Forbidden\",\"detail\":\"User has been "
	    "suspended: [2244994945].\"}],\"meta\":{\"result_count\":0}}", FG_P_FATAL,
	    "followers page: no followers in the reply, only errors: User has been suspended");
	assert_page_fails("{\"errors\":{\"title\":\"x\"},\"meta\":{\"result_count\":0}}",
	    FG_P_FATAL, "followers page: errors: expected an array");
}

/*
 * A server that echoes the bearer token or a JWT in its error text, in any of X's error
 * shapes: neither reaches the message, also where the step is not given the account (the
 * shape is enough), in a 200 that carries only errors, in jansson's "near '...'" and where
 * the text is cut short.
 */
#define JWT	"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIyMjQ0In0.c2lnbmF0dXJlLXgtand0"

static void
assert_redacted(const char *err)
{
	assert_no_token(NULL, err);
	if (strstr(err, "AAAAAAAAAAAA") != NULL || strstr(err, "eyJ") != NULL ||
	    strstr(err, "c2lnbmF0dXJl") != NULL || strstr(err, "t0k3n") != NULL)
		fail_msg("a secret leaked into \"%s\"", err);
}

/* X's error shapes: problem+json, a v1.1 errors array, a bare error; pad goes first. */
static void
error_body(char *body, size_t len, size_t shape, const char *pad)
{
	if (shape == 0)
		snprintf(body, len, "{\"title\":\"Unauthorized\",\"type\":\"about:blank\","
		    "\"detail\":\"%sbearer %s, session " JWT "\"}", pad, TOKEN);
	else if (shape == 1)
		snprintf(body, len, "{\"errors\":[{\"code\":89,\"message\":\"%sInvalid or "
		    "expired token %s, " JWT "\"}]}", pad, TOKEN);
	else
		snprintf(body, len, "{\"error\":\"%sbad token %s " JWT "\"}", pad, TOKEN);
}

static void
test_errors_redacted(void **state)
{
	const long statuses[] = { 400, 401, 403, 429, 500 };
	struct fg_account a;
	struct fg_response r;
	struct fg_page pg;
	char err[512], body[1024], filler[200];
	size_t i, j, f;

	(void)state;
	memset(filler, 0, sizeof(filler));
	for (f = 0; f < 2; f++) {
		/* Then with 130 spaces first, so that a 160-byte cut would split the token. */
		memset(filler, ' ', f * 130);
		for (i = 0; i < 3; i++)
			for (j = 0; j < sizeof(statuses) / sizeof(statuses[0]); j++) {
				error_body(body, sizeof(body), i, filler);
				r = response(statuses[j], body, NULL, 0);
				account_init(&a, "2244994945");
				px->parse_page(&a, &r, NOW, &pg, err, sizeof(err));
				assert_redacted(err);
				px->parse_resolve(&a, &r, err, sizeof(err));
				assert_redacted(err);
				account_free(&a);
				px->parse_remove(&r, err, sizeof(err));
				assert_redacted(err);
				px->parse_unremove(&r, err, sizeof(err));
				assert_redacted(err);
			}
	}

	/* A 200 with only errors, in resolve and in a page. */
	snprintf(body, sizeof(body), "{\"errors\":[{\"title\":\"Not Found Error\","
	    "\"detail\":\"Could not find user with token %s " JWT "\","
	    "\"type\":\"https://api.twitter.com/2/problems/resource-not-found\"}]}", TOKEN);
	r = response(200, body, NULL, 0);
	account_init(&a, "2244994945");
	assert_int_equal(px->parse_resolve(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "no user in the reply"));
	assert_redacted(err);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "only errors"));
	assert_non_null(strstr(err, "[redacted]"));
	assert_redacted(err);

	/* Not JSON: jansson quotes the text near the error. */
	r = response(200, "{\"data\": " JWT "}", NULL, 0);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_FATAL);
	assert_redacted(err);
	r = response(200, "{\"data\": " TOKEN "}", NULL, 0);
	assert_int_equal(px->parse_resolve(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_redacted(err);
	account_free(&a);
}

static void
test_page_status(void **state)
{
	static const struct fg_header h429[] = {
		{ "x-rate-limit-limit", "15" },
		{ "x-rate-limit-remaining", "0" },
		{ "x-rate-limit-reset", "1780000900" },
		{ "content-type", "application/problem+json" },
	};
	static const char body429[] = "{\"title\":\"Too Many Requests\",\"type\":"
	    "\"about:blank\",\"status\":429,\"detail\":\"Too Many Requests\"}";
	static const char body401[] = "{\"title\":\"Unauthorized\",\"type\":\"about:blank\","
	    "\"status\":401,\"detail\":\"Unauthorized\"}";
	static const char body403[] = "{\"title\":\"Forbidden\",\"type\":\"about:blank\","
	    "\"status\":403,\"detail\":\"Forbidden\"}";
	static const char body403client[] = "{\"client_id\":\"123\",\"detail\":\"When "
	    "authenticating requests to the Twitter API v2 endpoints, you must use keys and "
	    "tokens from a Twitter developer App that is attached to a Project.\",\"title\":"
	    "\"Client Forbidden\",\"required_enrollment\":\"Appropriate Level of API Access\","
	    "\"reason\":\"client-not-enrolled\",\"type\":"
	    "\"https://api.twitter.com/2/problems/client-forbidden\"}";
	static const char body403protected[] = "{\"title\":\"Authorization Error\",\"detail\":"
	    "\"Sorry, you are not authorized to see the user with id: [1].\",\"type\":"
	    "\"https://api.twitter.com/2/problems/not-authorized-for-resource\"}";
	static const char capped[] = "{\"title\":\"UsageCapExceeded\",\"detail\":\"Usage cap "
	    "exceeded: Monthly product cap\",\"type\":"
	    "\"https://api.twitter.com/2/problems/usage-capped\",\"period\":\"Monthly\"}";
	struct fg_account a;
	struct fg_response r;
	struct fg_ratelimit rl;
	struct fg_page pg;
	char err[512];

	(void)state;
	account_init(&a, "2244994945");

	r = response(429, body429, h429, 4);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)),
	    FG_P_RATELIMITED);
	assert_string_equal(err, "followers page: HTTP 429: Too Many Requests");
	assert_null(pg.doc);
	px->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 1);
	assert_int_equal(rl.limit, 15);
	assert_int_equal(rl.remaining, 0);
	assert_int_equal(rl.reset, 1780000900);
	assert_int_equal(rl.retry_after, 0);

	/* v1.1-style 429 body, which X's docs still show. */
	r = response(429, "{\"errors\":[{\"code\":88,\"message\":\"Rate limit exceeded\"}]}",
	    NULL, 0);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)),
	    FG_P_RATELIMITED);
	assert_string_equal(err, "followers page: HTTP 429: Rate limit exceeded");

	r = response(429, capped, NULL, 0);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)),
	    FG_P_RATELIMITED);
	assert_non_null(strstr(err, "credits"));

	r = response(401, body401, NULL, 0);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_AUTH);
	assert_string_equal(err, "followers page: HTTP 401: Unauthorized");
	assert_no_token(NULL, err);

	r = response(403, body403, NULL, 0);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_FATAL);
	assert_string_equal(err, "followers page: HTTP 403: Forbidden "
	    "(the API tier may not include this endpoint)");
	r = response(403, body403client, NULL, 0);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "followers page: HTTP 403: When authenticating"));
	assert_non_null(strstr(err, "(the API tier may not include this endpoint)"));
	r = response(403, body403protected, NULL, 0);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "not authorized to see this account's followers"));
	assert_null(strstr(err, "tier"));

	r = response(503, "{\"title\":\"Service Unavailable\",\"detail\":\"Service "
	    "Unavailable\",\"type\":\"about:blank\",\"status\":503}", NULL, 0);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_RETRY);
	r = response(502, "<html>Bad Gateway</html>", NULL, 0);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_RETRY);
	assert_string_equal(err, "followers page: HTTP 502");
	r = response(0, NULL, NULL, 0);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_RETRY);
	assert_string_equal(err, "followers page: no response");
	r = response(404, "{\"title\":\"Not Found Error\",\"detail\":\"line\\nbreak\","
	    "\"type\":\"https://api.x.com/2/problems/resource-not-found\"}", NULL, 0);
	assert_int_equal(px->parse_page(&a, &r, NOW, &pg, err, sizeof(err)), FG_P_FATAL);
	assert_string_equal(err, "followers page: HTTP 404: line\\x0abreak");
	account_free(&a);
}

static void
test_ratelimit(void **state)
{
	static const struct fg_header ok[] = {
		{ "X-Rate-Limit-Limit", " 300" },
		{ "x-rate-limit-remaining", "297 " },
		{ "X-RATE-LIMIT-RESET", "1705420800" },
		{ "Retry-After", "60" },
	};
	static const struct fg_header partial[] = {
		{ "x-rate-limit-remaining", "3" },
		{ "x-rate-limit-reset", "1705420800" },
	};
	static const struct fg_header garbage[] = {
		{ "x-rate-limit-limit", "300" },
		{ "x-rate-limit-remaining", "-1" },
		{ "x-rate-limit-reset", "1705420800" },
		{ "retry-after", "soon" },
	};
	static const struct fg_header date[] = {
		{ "retry-after", "Wed, 21 Oct 2015 07:28:00 GMT" },
	};
	static const struct fg_header day[] = {
		{ "x-rate-limit-limit", "300" },
		{ "x-rate-limit-remaining", "200" },
		{ "x-rate-limit-reset", "1705420800" },
		{ "x-user-limit-24hour-limit", "1000" },
		{ "x-user-limit-24hour-remaining", "0" },
		{ "x-user-limit-24hour-reset", "1705480000" },
	};
	static const struct fg_header day_left[] = {
		{ "x-rate-limit-limit", "300" },
		{ "x-rate-limit-remaining", "200" },
		{ "x-rate-limit-reset", "1705420800" },
		{ "x-user-limit-24hour-limit", "1000" },
		{ "x-user-limit-24hour-remaining", "10" },
		{ "x-user-limit-24hour-reset", "1705480000" },
	};
	struct fg_response r;
	struct fg_ratelimit rl;
	int64_t t;

	(void)state;
	r = response(200, "{}", ok, 4);
	px->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 1);
	assert_int_equal(rl.limit, 300);
	assert_int_equal(rl.remaining, 297);
	assert_int_equal(rl.reset, 1705420800);
	assert_int_equal(rl.retry_after, NOW + 60);

	r = response(200, "{}", NULL, 0);
	px->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 0);
	assert_int_equal(rl.retry_after, 0);

	r = response(200, "{}", partial, 2);
	px->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 0);

	r = response(200, "{}", garbage, 4);
	px->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 0);
	assert_int_equal(rl.retry_after, 0);

	r = response(429, "{}", date, 1);
	px->ratelimit(&r, NOW, &rl);
	assert_int_equal(time_parse_rfc3339("2015-10-21T07:28:00Z", &t), 0);
	assert_int_equal(rl.retry_after, t);

	/* A spent 24-hour budget binds, whatever the 15-minute window says. */
	r = response(429, "{}", day, 6);
	px->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 1);
	assert_int_equal(rl.remaining, 0);
	assert_int_equal(rl.reset, 1705480000);
	assert_int_equal(rl.limit, 1000);
	r = response(200, "{}", day_left, 6);
	px->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.remaining, 200);
	assert_int_equal(rl.reset, 1705420800);
}

static void
test_page_malformed(void **state)
{
	char *big;
	size_t i, off;

	(void)state;
	assert_page_fails("<html>Service down</html>", FG_P_FATAL, "followers page: not JSON");
	assert_page_fails("{\"data\":[]} trailing", FG_P_FATAL, "followers page: not JSON");
	assert_page_fails("[]", FG_P_FATAL, "followers page: expected a JSON object");
	assert_page_fails("{\"data\":{\"id\":\"1\"},\"meta\":{\"result_count\":1}}",
	    FG_P_FATAL, "followers page: data: expected an array");
	assert_page_fails("{\"data\":[],\"meta\":{\"result_count\":0,\"next_token\":7}}",
	    FG_P_FATAL, "followers page: meta.next_token: expected a string");
	assert_page_fails("{\"data\":[],\"meta\":{\"result_count\":0,\"next_token\":\"\"}}",
	    FG_P_FATAL, "followers page: meta.next_token: expected 1 to");
	assert_page_fails("{\"data\":[],\"meta\":{\"result_count\":\"0\"}}", FG_P_FATAL,
	    "followers page: meta.result_count: expected a non-negative integer");
	assert_page_fails("{\"data\":[],\"meta\":[]}", FG_P_FATAL,
	    "followers page: meta: expected an object");

	/* Cut short: worth another try. */
	assert_page_fails("", FG_P_RETRY, "followers page: truncated JSON body (0 bytes)");
	assert_page_fails("{\"data\":[{\"id\":\"1\",\"name\":\"jd", FG_P_RETRY, "truncated");
	assert_page_fails("{\"data\":[{\"id\":\"1\",\"protected\":tr", FG_P_RETRY, "truncated");
	assert_page_fails("{\"data\":[{\"id\":\"1\",\"public_metrics\":{\"followers_count\":12",
	    FG_P_RETRY, "truncated");
	assert_page_fails("{\"data\":[{\"id\":\"1\",\"name\":\"\xc3", FG_P_RETRY, "truncated");

	/* More users than the API ever sends on one page. */
	big = xmalloc(1001 * 16 + 64);
	off = (size_t)sprintf(big, "{\"data\":[");
	for (i = 0; i < 1001; i++)
		off += (size_t)sprintf(big + off, "%s{\"id\":\"%zu\"}", i > 0 ? "," : "", i + 1);
	sprintf(big + off, "],\"meta\":{\"result_count\":1001}}");
	assert_page_fails(big, FG_P_FATAL, "followers page: data: 1001 users, more than");
	free(big);
}

/*
 * A User that cannot be read, between two good ones: only it is left out, with a message
 * naming its place and problem and its id quoted; the id is kept when usable.
 */
static void
assert_user_skipped(const char *user, const char *msg, const char *id)
{
	struct fg_page pg;
	char body[512], err[256];

	snprintf(body, sizeof(body), "{\"data\":[{\"id\":\"11\",\"username\":\"good\"},%s,"
	    "{\"id\":\"12\",\"description\":\"a\\u0000\\u001b[31mb\"}],"
	    "\"meta\":{\"result_count\":3,\"next_token\":\"DFEDBNRFT3MHCZZZ\"}}", user);
	assert_int_equal(parse_page(body, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 2);
	assert_string_equal(pg.profiles[0].id, "11");
	assert_string_equal(pg.profiles[0].handle, "good");
	assert_string_equal(pg.profiles[1].id, "12");
	assert_string_equal(pg.profiles[1].bio, "a\xef\xbf\xbd\xef\xbf\xbd[31mb");
	assert_string_equal(pg.cursor, "DFEDBNRFT3MHCZZZ");
	assert_int_equal(pg.nskips, 1);
	if (strstr(pg.skips[0].why, msg) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", pg.skips[0].why, msg);
	if (id == NULL)
		assert_null(pg.skips[0].id);
	else
		assert_string_equal(pg.skips[0].id, id);
	page_free(&pg);
}

static void
test_page_bad_user_skipped(void **state)
{
	(void)state;
	assert_user_skipped("\"2\"", "followers page: data[1]: expected an object "
	    "(no usable id)", NULL);
	assert_user_skipped("{\"id\":\"4\",\"public_metrics\":{\"followers_count\":\"12\"}}",
	    "followers page: data[1].public_metrics.followers_count: expected an integer "
	    "(id \"4\")", "4");
	assert_user_skipped("{\"id\":\"1\",\"public_metrics\":{\"tweet_count\":1.5}}",
	    "followers page: data[1].public_metrics.tweet_count: expected an integer", "1");
	assert_user_skipped("{\"id\":\"1\",\"public_metrics\":{\"like_count\":-4}}",
	    "followers page: data[1].public_metrics.like_count: count -4 out of range", "1");
	assert_user_skipped("{\"id\":\"1\",\"public_metrics\":[]}",
	    "followers page: data[1].public_metrics: expected an object", "1");
	assert_user_skipped("{\"id\":1}",
	    "followers page: data[1].id: expected a string of 1 to 19 digits", NULL);
	assert_user_skipped("{\"id\":\"../me\"}",
	    "followers page: data[1].id: expected a string of 1 to 19 digits (id \"../me\")",
	    NULL);
	assert_user_skipped("{\"id\":\"7\\u00008\"}", "(id \"7\\x008\")", NULL);
	assert_user_skipped("{\"name\":\"no id\"}", "followers page: data[1].id: missing", NULL);
	assert_user_skipped("{\"id\":\"1\",\"protected\":\"false\"}",
	    "followers page: data[1].protected: expected true or false", "1");
	assert_user_skipped("{\"id\":\"1\",\"username\":7}",
	    "followers page: data[1].username: expected a string", "1");
	assert_user_skipped("{\"id\":\"1\",\"created_at\":\"yesterday\"}",
	    "followers page: data[1].created_at: not an RFC 3339 time", "1");
	assert_user_skipped("{\"id\":\"1\",\"profile_image_url\":false}",
	    "followers page: data[1].profile_image_url: expected a string", "1");
}

/* Exactly the API's maximum is fine. */
static void
test_page_max(void **state)
{
	struct fg_page pg;
	char err[256], *big;
	size_t i, off;

	(void)state;
	big = xmalloc(1000 * 64 + 64);
	off = (size_t)sprintf(big, "{\"data\":[");
	for (i = 0; i < 1000; i++)
		off += (size_t)sprintf(big + off, "%s{\"id\":\"%zu\",\"public_metrics\":"
		    "{\"tweet_count\":%zu}}", i > 0 ? "," : "", 5000 - i, i);
	sprintf(big + off, "],\"meta\":{\"result_count\":1000,"
	    "\"next_token\":\"7140dibdnow9c7btw3w29\"}}");
	assert_int_equal(parse_page(big, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 1000);
	assert_string_equal(pg.profiles[0].id, "5000");
	assert_string_equal(pg.profiles[999].id, "4001");
	assert_int_equal(pg.profiles[999].posts_count, 999);
	assert_string_equal(pg.cursor, "7140dibdnow9c7btw3w29");
	page_free(&pg);
	free(big);
}

/* X's answer to a block from an app not on the Enterprise tier (client-forbidden). */
static const char forbidden[] =
    "{\"client_id\":\"28917463\",\"detail\":\"When authenticating requests to the Twitter "
    "API v2 endpoints, you must use keys and tokens from a Twitter developer App that is "
    "attached to a Project. You can create a project via the developer portal.\","
    "\"registration_url\":\"https://developer.twitter.com/en/docs/projects/overview\","
    "\"title\":\"Client Forbidden\",\"required_enrollment\":\"Appropriate Level of API "
    "Access\",\"reason\":\"client-not-enrolled\","
    "\"type\":\"https://api.twitter.com/2/problems/client-forbidden\"}";

static void
test_following(void **state)
{
	struct fg_account a;
	struct fg_request req;
	struct fg_page pg;
	char err[256];

	(void)state;
	account_init(&a, "XDevelopers");
	assert_int_equal(px->following(&a, NULL, &req), 0);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url, BASE "/2/users/2244994945/following?max_results=1000&"
	    FIELDS);
	assert_string_equal(req.auth, "Authorization: Bearer " TOKEN);
	assert_string_equal(req.what, "following page");
	assert_null(req.body);
	assert_no_token(&req, NULL);
	request_clear(&req);
	assert_int_equal(px->following(&a, "DFEDBNRFT3MHCZZZ", &req), 0);
	assert_string_equal(req.url, BASE "/2/users/2244994945/following?max_results=1000&"
	    FIELDS "&pagination_token=DFEDBNRFT3MHCZZZ");
	request_clear(&req);
	assert_int_equal(px->following(&a, "", &req), -1);
	a.id[0] = '\0';
	assert_int_equal(px->following(&a, NULL, &req), -1);
	account_free(&a);

	/* The answer has the followers' shape and goes through parse_page. */
	assert_int_equal(parse_page(page_full, &pg, err, sizeof(err)), FG_P_OK);
	assert_int_equal(pg.n, 3);
	assert_string_equal(pg.profiles[1].id, "14171401");
	assert_string_equal(pg.cursor, "DFEDBNRFT3MHCZZZ");
	page_free(&pg);
	assert_int_equal(parse_page("{\"meta\":{\"result_count\":0}}", &pg, err, sizeof(err)),
	    FG_P_OK);
	assert_int_equal(pg.n, 0);
	assert_null(pg.cursor);
	page_free(&pg);
}

static void
test_remove_block(void **state)
{
	struct fg_account a;
	struct fg_request req;
	struct fg_response r;
	char err[512];
	json_t *o;

	(void)state;
	account_init(&a, "XDevelopers");
	assert_int_equal(px->remove(&a, "1780000000000000001", NULL, &req), 0);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.url, BASE "/2/users/2244994945/blocking");
	assert_string_equal(req.auth, "Authorization: Bearer " TOKEN);
	assert_string_equal(req.what, "remove (block)");
	assert_no_token(&req, NULL);
	assert_non_null(req.body);
	assert_null(strstr(req.body, "sEcReT"));
	o = json_loads(req.body, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), 1);
	assert_string_equal(json_string_value(json_object_get(o, "target_user_id")),
	    "1780000000000000001");
	json_decref(o);
	request_clear(&req);
	/* A key is ignored. */
	assert_int_equal(px->remove(&a, "99", "3mbd3542k222b", &req), 0);
	assert_string_equal(req.body, "{\"target_user_id\":\"99\"}");
	request_clear(&req);

	r = response(200, "{\"data\":{\"blocking\":true}}", NULL, 0);
	assert_int_equal(px->parse_remove(&r, err, sizeof(err)), FG_P_OK);
	r = response(200, "{\"data\":{\"blocking\":false}}", NULL, 0);
	assert_int_equal(px->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "blocking is false"));
	r = response(200, "{\"data\":{}}", NULL, 0);
	assert_int_equal(px->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "data.blocking"));
	r = response(200, "{\"errors\":[{\"title\":\"Not Found Error\",\"detail\":\"Could not "
	    "find user with target_user_id: [5].\",\"type\":"
	    "\"https://api.twitter.com/2/problems/resource-not-found\"}]}", NULL, 0);
	assert_int_equal(px->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "Could not find user"));
	r = response(200, "{\"data\":{\"blocking\":tr", NULL, 0);
	assert_int_equal(px->parse_remove(&r, err, sizeof(err)), FG_P_RETRY);

	/* Not on the Enterprise tier: fatal, and the message says what access is missing. */
	r = response(403, forbidden, NULL, 0);
	assert_int_equal(px->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	if (strstr(err, "Enterprise") == NULL || strstr(err, "client-forbidden") == NULL ||
	    strstr(err, "POST /2/users/:id/blocking") == NULL ||
	    strstr(err, "nothing was removed") == NULL)
		fail_msg("unclear: \"%s\"", err);
	assert_non_null(strstr(err, "remove (block): "));
	/* Any 403 here is about access, even without a problem document. */
	r = response(403, "Forbidden", NULL, 0);
	assert_int_equal(px->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "Enterprise"));
	/* An app-only bearer token is the other cause, and is named as such. */
	r = response(403, "{\"title\":\"Unsupported Authentication\",\"detail\":\"Authenticating "
	    "with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
	    "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].\","
	    "\"type\":\"https://api.twitter.com/2/problems/unsupported-authentication\","
	    "\"status\":403}", NULL, 0);
	assert_int_equal(px->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "user-context token"));
	assert_non_null(strstr(err, "unsupported-authentication"));

	r = response(401, "{\"title\":\"Unauthorized\",\"type\":\"about:blank\",\"status\":401,"
	    "\"detail\":\"Unauthorized\"}", NULL, 0);
	assert_int_equal(px->parse_remove(&r, err, sizeof(err)), FG_P_AUTH);
	r = response(429, "{\"title\":\"Too Many Requests\",\"type\":\"about:blank\","
	    "\"status\":429,\"detail\":\"Too Many Requests\"}", NULL, 0);
	assert_int_equal(px->parse_remove(&r, err, sizeof(err)), FG_P_RATELIMITED);
	assert_non_null(strstr(err, "remove (block): HTTP 429"));
	r = response(503, "", NULL, 0);
	assert_int_equal(px->parse_remove(&r, err, sizeof(err)), FG_P_RETRY);

	/* Only X ids, and only once the account is resolved. */
	assert_int_equal(px->remove(&a, "@someone", NULL, &req), -1);
	assert_null(req.body);
	assert_string_equal(req.auth, "");
	assert_int_equal(px->remove(&a, "1\",\"x\":\"2", NULL, &req), -1);
	assert_int_equal(px->remove(&a, NULL, NULL, &req), -1);
	assert_int_equal(px->remove(&a, "12345678901234567890", NULL, &req), -1);
	a.id[0] = '\0';
	assert_int_equal(px->remove(&a, "99", NULL, &req), -1);
	account_free(&a);
}

static void
test_unremove(void **state)
{
	struct fg_account a;
	struct fg_request req;
	struct fg_response r;
	char err[512];

	(void)state;
	account_init(&a, "XDevelopers");
	assert_int_equal(px->unremove(&a, "1780000000000000001", NULL, &req), 0);
	assert_string_equal(req.method, "DELETE");
	assert_string_equal(req.url, BASE "/2/users/2244994945/blocking/1780000000000000001");
	assert_string_equal(req.auth, "Authorization: Bearer " TOKEN);
	assert_string_equal(req.what, "unremove (unblock)");
	assert_null(req.body);
	assert_no_token(&req, NULL);
	request_clear(&req);

	r = response(200, "{\"data\":{\"blocking\":false}}", NULL, 0);
	assert_int_equal(px->parse_unremove(&r, err, sizeof(err)), FG_P_OK);
	r = response(200, "{\"data\":{\"blocking\":true}}", NULL, 0);
	assert_int_equal(px->parse_unremove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "still true"));
	r = response(403, forbidden, NULL, 0);
	assert_int_equal(px->parse_unremove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "Enterprise"));
	assert_non_null(strstr(err, "DELETE /2/users/:id/blocking/:target_user_id"));
	assert_non_null(strstr(err, "nothing was unblocked"));

	assert_int_equal(px->unremove(&a, "../me", NULL, &req), -1);
	assert_int_equal(px->unremove(&a, "", NULL, &req), -1);
	assert_string_equal(req.auth, "");
	account_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_resolve_request),
		cmocka_unit_test(test_resolve_request_refused),
		cmocka_unit_test(test_parse_resolve),
		cmocka_unit_test(test_page_request),
		cmocka_unit_test(test_page_full),
		cmocka_unit_test(test_page_profile_json),
		cmocka_unit_test(test_page_last),
		cmocka_unit_test(test_page_empty),
		cmocka_unit_test(test_page_avatar),
		cmocka_unit_test(test_page_metrics),
		cmocka_unit_test(test_page_partial_errors),
		cmocka_unit_test(test_page_status),
		cmocka_unit_test(test_errors_redacted),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_page_malformed),
		cmocka_unit_test(test_page_bad_user_skipped),
		cmocka_unit_test(test_page_max),
		cmocka_unit_test(test_following),
		cmocka_unit_test(test_remove_block),
		cmocka_unit_test(test_unremove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
