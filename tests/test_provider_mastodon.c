/*
 * Tests of the Mastodon provider: requests built for Mastodon-API servers and their responses
 * parsed, with bodies and headers written after the formats in docs/platforms.md. No network.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "provider.h"
#include "timeutil.h"
#include "xmalloc.h"

#define NOW		INT64_C(1767269100)	/* 2026-01-01T12:05:00Z */
#define D_2017_02_08	INT64_C(1486512000)
#define D_2019_11_17	INT64_C(1573948800)

/* Shaped like a real Mastodon token: 43 base64url characters. */
static const char TOKEN[] = "ZQ8pW3xL0s9vK2mN7bR4tY6uI1oP5aS8dF3gH0jK2lM";

static const struct fg_provider *const P = &provider_mastodon;

static void
account_init(struct fg_account *a, const char *secret)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->base_url, sizeof(a->base_url), "https://mastodon.example");
	snprintf(a->account, sizeof(a->account), "brand");
	snprintf(a->id, sizeof(a->id), "14715");
	a->secret = secret != NULL ? xstrdup(secret) : NULL;
	a->followers_count = -1;
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

static enum fg_presult
parse(const char *body, const struct fg_header *h, size_t nh, struct fg_page *page, char *err,
    size_t errlen)
{
	struct fg_account a;
	struct fg_response r = response(200, body, h, nh);
	enum fg_presult res;

	account_init(&a, TOKEN);
	res = P->parse_page(&a, &r, NOW, page, err, errlen);
	free(a.secret);
	return res;
}

/* ---- pages ------------------------------------------------------------------------- */

/* Mastodon, the Account example of Mastodon's documentation, trimmed (docs/platforms.md 1.2). */
static const char PAGE_MASTODON[] =
    "[{\"id\":\"23634\",\"username\":\"noiob\",\"acct\":\"noiob@awoo.space\","
    "\"display_name\":\"ikea shark fan account\",\"locked\":false,\"bot\":false,"
    "\"discoverable\":true,\"indexable\":true,\"group\":false,"
    "\"created_at\":\"2017-02-08T00:00:00.000Z\",\"note\":\"<p>shark fan</p>\","
    "\"url\":\"https://awoo.space/@noiob\",\"uri\":\"https://awoo.space/users/noiob\","
    "\"avatar\":\"https://files.mastodon.social/accounts/avatars/000/023/634/original/"
    "6ca8804dc46800ad.png\",\"avatar_static\":\"https://files.mastodon.social/accounts/"
    "avatars/000/023/634/original/6ca8804dc46800ad.png\","
    "\"header\":\"https://files.mastodon.social/accounts/headers/000/023/634/original/"
    "256eb8d7ac40f49a.png\",\"followers_count\":547,\"following_count\":404,"
    "\"statuses_count\":28468,\"last_status_at\":\"2019-11-17\",\"hide_collections\":false,"
    "\"emojis\":[],\"fields\":[{\"name\":\"Pronouns\",\"value\":\"they/them\","
    "\"verified_at\":null}]},"
    "{\"id\":\"109\",\"username\":\"xk29fj3\",\"acct\":\"xk29fj3\",\"display_name\":\"\","
    "\"locked\":true,\"bot\":true,\"created_at\":\"2016-03-16T00:00:00.000Z\","
    "\"note\":\"\",\"url\":\"https://mastodon.example/@xk29fj3\","
    "\"avatar\":\"https://mastodon.example/avatars/original/missing.png\","
    "\"followers_count\":0,\"following_count\":4987,\"statuses_count\":0,"
    "\"last_status_at\":null,\"emojis\":[],\"fields\":[]}]";

static const char LINK_MASTODON[] =
    "<https://mastodon.example/api/v1/accounts/14715/followers?limit=2&max_id=7486869>; "
    "rel=\"next\", <https://mastodon.example/api/v1/accounts/14715/followers?limit=2&"
    "since_id=7489740>; rel=\"prev\"";

static void
test_page_full_with_next(void **state)
{
	struct fg_header h[] = {
		{ "Content-Type", "application/json; charset=utf-8" },
		{ "Link", LINK_MASTODON },
	};
	struct fg_page page;
	char err[256];
	const struct fg_profile *p;

	(void)state;
	assert_int_equal(parse(PAGE_MASTODON, h, 2, &page, err, sizeof(err)), FG_P_OK);
	assert_int_equal(page.n, 2);
	assert_non_null(page.doc);
	assert_int_equal(page.needs_hydration, 0);
	assert_non_null(page.cursor);
	assert_string_equal(page.cursor, "7486869");

	p = &page.profiles[0];
	assert_string_equal(p->id, "23634");
	assert_string_equal(p->handle, "noiob@awoo.space");
	assert_string_equal(p->display_name, "ikea shark fan account");
	assert_string_equal(p->bio, "shark fan");
	assert_int_equal(p->created_at, D_2017_02_08);
	assert_int_equal(p->observed_at, NOW);
	assert_int_equal(p->last_post_at, D_2019_11_17);
	assert_int_equal(p->followers_count, 547);
	assert_int_equal(p->following_count, 404);
	assert_int_equal(p->posts_count, 28468);
	assert_int_equal(p->likes_count, -1);
	assert_int_equal(p->listed_count, -1);
	assert_int_equal(p->avatar_default, 0);
	assert_int_equal(p->bot, 0);
	assert_int_equal(p->locked, 0);
	/* The account page is not the user's link; "they/them" holds none. */
	assert_non_null(p->url);
	assert_string_equal(p->url, "");
	assert_int_equal(p->verified, FG_UNKNOWN);
	assert_null(p->location);
	assert_int_equal(p->label, FG_LABEL_NONE);

	p = &page.profiles[1];
	assert_string_equal(p->id, "109");
	assert_string_equal(p->handle, "xk29fj3");
	assert_string_equal(p->display_name, "");
	assert_string_equal(p->bio, "");
	assert_int_equal(p->avatar_default, 1);
	assert_int_equal(p->bot, 1);
	assert_int_equal(p->locked, 1);
	assert_int_equal(p->followers_count, 0);
	assert_int_equal(p->last_post_at, FG_TIME_UNKNOWN);
	assert_string_equal(p->url, "");
	page_free(&page);
	assert_null(page.doc);
}

/* Mastodon's last page: shorter than the limit, only a prev link. */
static void
test_page_last_without_next(void **state)
{
	struct fg_header h[] = {
		{ "Link", "<https://mastodon.example/api/v1/accounts/14715/followers?limit=80&"
		    "since_id=7489740>; rel=\"prev\"" },
	};
	struct fg_page page;
	char err[256];

	(void)state;
	assert_int_equal(parse(PAGE_MASTODON, h, 1, &page, err, sizeof(err)), FG_P_OK);
	assert_int_equal(page.n, 2);
	assert_null(page.cursor);
	page_free(&page);
	/* No Link header at all. */
	assert_int_equal(parse(PAGE_MASTODON, NULL, 0, &page, err, sizeof(err)), FG_P_OK);
	assert_int_equal(page.n, 2);
	assert_null(page.cursor);
	page_free(&page);
}

/* GoToSocial: a next link on a short page, ULID cursors, lower-case header name. */
static void
test_page_gotosocial(void **state)
{
	static const char body[] =
	    "[{\"id\":\"01FC0SKW5JK2Q4EVAV2B462YY0\",\"username\":\"walrus\","
	    "\"acct\":\"walrus@gts.example\",\"display_name\":\"Walrus\",\"locked\":false,"
	    "\"discoverable\":true,\"bot\":false,\"created_at\":\"2021-07-30T09:20:01.000Z\","
	    "\"note\":\"<p>tusks</p>\",\"url\":\"https://gts.example/@walrus\","
	    "\"avatar\":\"https://gts.example/assets/default_avatars/GoToSocial_icon4.webp\","
	    "\"avatar_static\":\"https://gts.example/assets/default_avatars/"
	    "GoToSocial_icon4.webp\",\"header\":\"https://gts.example/assets/"
	    "default_header.webp\",\"followers_count\":3,\"following_count\":7,"
	    "\"statuses_count\":12,\"last_status_at\":\"2025-10-01T00:00:00.000Z\","
	    "\"emojis\":[],\"fields\":[],\"group\":false}]";
	struct fg_header h[] = {
		{ "x-ratelimit-limit", "300" },
		{ "link", "<https://example.org/api/v1/accounts/0657WMDEC3KQDTD6NZ4XJZBK4M/"
		    "followers?limit=80&max_id=01FC0SKA48HNSVR6YKZCQGS2V8>; rel=\"next\", "
		    "<https://example.org/api/v1/accounts/0657WMDEC3KQDTD6NZ4XJZBK4M/followers?"
		    "limit=80&min_id=01FC0SKW5JK2Q4EVAV2B462YY0>; rel=\"prev\"" },
	};
	struct fg_page page;
	char err[256];

	(void)state;
	assert_int_equal(parse(body, h, 2, &page, err, sizeof(err)), FG_P_OK);
	assert_int_equal(page.n, 1);
	assert_string_equal(page.cursor, "01FC0SKA48HNSVR6YKZCQGS2V8");
	assert_int_equal(page.profiles[0].avatar_default, 1);
	assert_string_equal(page.profiles[0].bio, "tusks");
	/* GoToSocial's last_status_at may be a full time. */
	assert_int_equal(page.profiles[0].last_post_at, INT64_C(1759276800));
	page_free(&page);
}

/* GoToSocial and Akkoma link onwards from any non-empty page; an empty one is the end. */
static void
test_page_empty_is_end(void **state)
{
	struct fg_header h[] = { { "Link", LINK_MASTODON } };
	struct fg_page page;
	char err[256];

	(void)state;
	assert_int_equal(parse("[]", h, 1, &page, err, sizeof(err)), FG_P_OK);
	assert_int_equal(page.n, 0);
	assert_null(page.cursor);
	page_free(&page);
	assert_int_equal(parse(" [ ] ", NULL, 0, &page, err, sizeof(err)), FG_P_OK);
	assert_int_equal(page.n, 0);
	assert_null(page.cursor);
	page_free(&page);
}

/* Akkoma's default avatar; absent and null keys stay unknown, never 0 or false. */
static void
test_page_akkoma_and_unknowns(void **state)
{
	static const char body[] =
	    "[{\"id\":\"AbC9xYz\",\"acct\":\"fox@akkoma.example\","
	    "\"avatar\":\"https://akkoma.example/images/avi.png\",\"fqn\":\"fox@akkoma.example\","
	    "\"pleroma\":{\"is_admin\":false},\"last_status_at\":null,\"statuses_count\":-3},"
	    "{\"id\":\"2\",\"avatar\":null,\"bot\":null,\"fields\":null,\"note\":null},"
	    "{\"id\":\"3\",\"avatar\":\"https://cdn.example/avatars/original/missing.png?v=2\"},"
	    "{\"id\":\"4\",\"avatar\":\"https://cdn.example/images/avi.png.jpg\"},"
	    "{\"id\":\"5\",\"avatar\":\"https://e.example/system/missing.png\"},"
	    "{\"id\":\"6\",\"avatar\":\"\",\"created_at\":\"1970-01-01T00:00:00Z\"}]";
	struct fg_page page;
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(parse(body, NULL, 0, &page, err, sizeof(err)), FG_P_OK);
	assert_int_equal(page.n, 6);
	assert_int_equal(page.profiles[0].avatar_default, 1);
	/* A negative count is a server's counter bug: unknown, not a type error. */
	assert_int_equal(page.profiles[0].posts_count, -1);
	for (i = 1; i < 2; i++) {
		const struct fg_profile *p = &page.profiles[i];

		assert_string_equal(p->id, "2");
		assert_null(p->handle);
		assert_null(p->display_name);
		assert_null(p->bio);
		assert_null(p->url);
		assert_null(p->location);
		assert_int_equal(p->avatar_default, FG_UNKNOWN);
		assert_int_equal(p->bot, FG_UNKNOWN);
		assert_int_equal(p->locked, FG_UNKNOWN);
		assert_int_equal(p->verified, FG_UNKNOWN);
		assert_int_equal(p->followers_count, -1);
		assert_int_equal(p->following_count, -1);
		assert_int_equal(p->posts_count, -1);
		assert_int_equal(p->created_at, FG_TIME_UNKNOWN);
		assert_int_equal(p->last_post_at, FG_TIME_UNKNOWN);
		assert_int_equal(p->observed_at, NOW);
	}
	assert_int_equal(page.profiles[2].avatar_default, 1);
	assert_int_equal(page.profiles[3].avatar_default, 0);
	assert_int_equal(page.profiles[4].avatar_default, 0);
	assert_int_equal(page.profiles[5].avatar_default, FG_UNKNOWN);
	/* 1970 is no account's creation: unknown rather than a failed page. */
	assert_int_equal(page.profiles[5].created_at, FG_TIME_UNKNOWN);
	page_free(&page);
}

static const char *
one_bio(const char *note_json, struct fg_page *page)
{
	char body[2048], err[256];

	snprintf(body, sizeof(body), "[{\"id\":\"1\",\"note\":%s}]", note_json);
	if (parse(body, NULL, 0, page, err, sizeof(err)) != FG_P_OK) {
		print_error("%s\n", err);
		return NULL;
	}
	return page->profiles[0].bio;
}

static void
test_page_note_html(void **state)
{
	static const struct {
		const char	*note;	/* as JSON */
		const char	*bio;
	} cases[] = {
		{ "\"<p>Hello &amp; welcome<br />line two &lt;3 &gt; &quot;q&quot; &#39;s&#39;"
		  "</p><p>second</p>\"",
		  "Hello & welcome line two <3 > \"q\" 's'  second" },
		{ "\"<p>&#233;t&#xE9; &#x1F600; &#128512;</p>\"",
		  "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80 \xf0\x9f\x98\x80" },
		/* Mastodon's mention and link markup: the text comes back whole. */
		{ "\"<p><span class=\\\"h-card\\\"><a href=\\\"https://m.example/@bob\\\" "
		  "class=\\\"u-url mention\\\">@<span>bob</span></a></span> see <a href=\\\""
		  "https://example.com/very/long/path\\\" rel=\\\"nofollow noopener\\\" "
		  "target=\\\"_blank\\\"><span class=\\\"invisible\\\">https://</span><span "
		  "class=\\\"ellipsis\\\">example.com/very/lon</span><span class=\\\"invisible"
		  "\\\">g/path</span></a></p>\"",
		  "@bob see https://example.com/very/long/path" },
		/* Broken references and a lone '<' stay text; bad code points become U+FFFD. */
		{ "\"a &unknown; b &amp c &#; d &#0; e &#xD800; f &#99999999; 1 < 2\"",
		  "a &unknown; b &amp c &#; d \xef\xbf\xbd e \xef\xbf\xbd f \xef\xbf\xbd 1 < 2" },
		{ "\"<p></p>\"", "" },
		{ "\"<br><br><br><br>x<br>\"", "x" },
		{ "\"<p>a</p><p></p><p></p><p>b</p>\"", "a  b" },
		/* Text is normalized as everywhere: controls never reach the profile. */
		{ "\"a\\u0000b\\u0001c\\td\\u007fe\\u0085f\"",
		  "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c d\xef\xbf\xbd" "e\xef\xbf\xbd" "f" },
		{ "\"x<img alt=\\\"a > b\\\" src=\\\"y\\\">y\"", "xy" },
		{ "\"caf\\u00e9 &nbsp;ok\"", "caf\xc3\xa9  ok" },
	};
	struct fg_page page;
	const char *bio;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bio = one_bio(cases[i].note, &page);
		assert_non_null(bio);
		if (strcmp(bio, cases[i].bio) != 0)
			print_error("case %zu: got \"%s\"\n", i, bio);
		assert_string_equal(bio, cases[i].bio);
		page_free(&page);
	}
}

/* url: the first verified field link, else the first link; verified from verified_at. */
static void
test_page_fields(void **state)
{
	static const char body[] =
	    "[{\"id\":\"1\",\"fields\":["
	    "{\"name\":\"Pronouns\",\"value\":\"she/her\",\"verified_at\":null},"
	    "{\"name\":\"Blog\",\"value\":\"<a href=\\\"https://blog.example/?a=1&amp;b=2\\\" "
	    "rel=\\\"nofollow noopener me\\\"><span class=\\\"invisible\\\">https://</span>"
	    "<span>blog.example/?a=1&amp;b=2</span></a>\",\"verified_at\":null},"
	    "{\"name\":\"Home\",\"value\":\"<a href='https://home.example/'>home</a>\","
	    "\"verified_at\":\"2019-08-29T04:14:55.571+00:00\"}]},"
	    "{\"id\":\"2\",\"fields\":[{\"name\":\"Web\",\"value\":\"see http://plain.example/x "
	    "and more\",\"verified_at\":null},{\"name\":\"Mail\",\"value\":\"<a href=\\\""
	    "mailto:a@b.example\\\">a@b</a>\"}]},"
	    "{\"id\":\"3\",\"fields\":[{\"name\":\"Mail\",\"value\":\"<a href=\\\""
	    "mailto:a@b.example\\\">mail</a>\"}]},"
	    "{\"id\":\"4\"}]";
	struct fg_page page;
	char err[256];

	(void)state;
	assert_int_equal(parse(body, NULL, 0, &page, err, sizeof(err)), FG_P_OK);
	assert_int_equal(page.n, 4);
	assert_string_equal(page.profiles[0].url, "https://home.example/");
	assert_int_equal(page.profiles[0].verified, 1);
	assert_string_equal(page.profiles[1].url, "http://plain.example/x");
	assert_int_equal(page.profiles[1].verified, FG_UNKNOWN);
	assert_string_equal(page.profiles[2].url, "");
	assert_null(page.profiles[3].url);
	page_free(&page);

	/* Without a verified one, the first link, entities decoded. */
	assert_int_equal(parse("[{\"id\":\"1\",\"fields\":[{\"name\":\"Blog\",\"value\":"
	    "\"<a href=\\\"https://blog.example/?a=1&amp;b=2\\\">blog</a>\"},{\"name\":\"X\","
	    "\"value\":\"https://second.example\"}]}]", NULL, 0, &page, err, sizeof(err)),
	    FG_P_OK);
	assert_string_equal(page.profiles[0].url, "https://blog.example/?a=1&b=2");
	page_free(&page);
}

/* Texts longer than the contract allows are cut on a character boundary, not refused. */
static void
test_page_long_text(void **state)
{
	size_t i, len, blen = 3 * 4000 + 64;
	char *body = xmalloc(blen), err[256];
	struct fg_page page;
	const char *s;

	(void)state;
	len = (size_t)snprintf(body, blen, "[{\"id\":\"1\",\"display_name\":\"x");
	for (i = 0; i < 2500; i++) {	/* 1 + 5000 bytes of two-byte characters */
		body[len++] = '\xc3';
		body[len++] = '\xa9';
	}
	snprintf(body + len, blen - len, "\"}]");
	assert_int_equal(parse(body, NULL, 0, &page, err, sizeof(err)), FG_P_OK);
	s = page.profiles[0].display_name;
	assert_true(strlen(s) <= FG_TEXT_MAX);
	assert_true(strlen(s) >= FG_TEXT_MAX - 1);
	/* "x" then whole characters: an odd length. */
	assert_int_equal(strlen(s) % 2, 1);
	page_free(&page);
	free(body);
}

/* Each bad body: its verdict and what the message must name. Nothing is handed out. */
static void
test_page_malformed(void **state)
{
	static const struct {
		const char	*body;
		enum fg_presult	 res;
		const char	*want1, *want2;
	} cases[] = {
		{ "<html>502 Bad Gateway</html>", FG_P_FATAL, "followers page", "malformed" },
		{ "[{\"id\":\"1\",\"acct\":\"a\"},{\"id\":\"2\",\"ac", FG_P_RETRY, "followers page",
		  "truncated" },
		{ "", FG_P_RETRY, "followers page", "truncated" },
		{ "{\"error\":\"nope\"}", FG_P_FATAL, "followers page", "not an object" },
		{ "[{\"id\":\"1\",\"followers_count\":99999999999999999999999}]", FG_P_FATAL,
		  "followers page", "malformed" },
	};
	struct fg_page page;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&page, 0xa5, sizeof(page));
		if (parse(cases[i].body, NULL, 0, &page, err, sizeof(err)) != cases[i].res ||
		    strstr(err, cases[i].want1) == NULL || strstr(err, cases[i].want2) == NULL)
			print_error("case %zu: \"%s\"\n", i, err);
		assert_int_equal(parse(cases[i].body, NULL, 0, &page, err, sizeof(err)),
		    cases[i].res);
		assert_non_null(strstr(err, cases[i].want1));
		assert_non_null(strstr(err, cases[i].want2));
		/* Nothing half-understood is handed out, and nothing leaks. */
		assert_null(page.doc);
		assert_null(page.extra);
		assert_null(page.profiles);
		assert_null(page.skips);
		assert_null(page.cursor);
		assert_int_equal(page.n, 0);
	}
}

/*
 * An Account that cannot be read, between two good ones: only it is left out, with a message
 * that names its place, the problem and its id (quoted as a log shows bytes); its id is kept
 * when usable, so a reconcile pass can still count it as seen.
 */
static void
test_page_bad_account_skipped(void **state)
{
	static const struct {
		const char	*account;
		const char	*want1, *want2;
		const char	*id;	/* the usable id, or NULL */
	} cases[] = {
		{ "{\"id\":\"4\",\"followers_count\":\"12\"}", "element 1",
		  "followers_count: expected an integer, not a string (id \"4\")", "4" },
		{ "7", "element 1", "not an integer (no usable id)", NULL },
		{ "{\"id\":23634}", "element 1", "id: expected a string", NULL },
		{ "{\"acct\":\"a\"}", "element 1", "id: missing", NULL },
		{ "{\"id\":\"\"}", "element 1", "id: empty", NULL },
		{ "{\"id\":\"a\\u0000b\"}", "id: holds a control", "(id \"a\\x00b\")", NULL },
		{ "{\"id\":\"a\\u001b[2Jb\"}", "id: holds a control", "(id \"a\\x1b[2Jb\")", NULL },
		{ "{\"id\":\"1\",\"following_count\":1.5}", "following_count", "not a number",
		  "1" },
		{ "{\"id\":\"1\",\"statuses_count\":true}", "statuses_count",
		  "expected an integer", "1" },
		{ "{\"id\":\"1\",\"bot\":\"false\"}", "bot", "expected a boolean", "1" },
		{ "{\"id\":\"1\",\"locked\":0}", "locked", "expected a boolean", "1" },
		{ "{\"id\":\"1\",\"note\":[\"x\"]}", "note", "not an array", "1" },
		{ "{\"id\":\"1\",\"acct\":{}}", "acct", "not an object", "1" },
		{ "{\"id\":\"1\",\"avatar\":5}", "avatar", "expected a string", "1" },
		{ "{\"id\":\"1\",\"created_at\":\"yesterday\"}", "created_at", "ISO 8601", "1" },
		{ "{\"id\":\"1\",\"created_at\":\"2019-11-17\"}", "created_at", "ISO 8601", "1" },
		{ "{\"id\":\"1\",\"created_at\":\"2019-11-17T00:00:00Z\\u0000x\"}", "created_at",
		  "ISO 8601", "1" },
		{ "{\"id\":\"1\",\"last_status_at\":\"2019-02-30\"}", "last_status_at",
		  "ISO 8601", "1" },
		{ "{\"id\":\"1\",\"last_status_at\":20191117}", "last_status_at",
		  "expected a time string", "1" },
		{ "{\"id\":\"1\",\"fields\":{}}", "fields", "expected an array", "1" },
		{ "{\"id\":\"1\",\"fields\":[{\"name\":\"a\",\"value\":3}]}",
		  "fields[0]: value", "not an integer", "1" },
		{ "{\"id\":\"1\",\"fields\":[{\"value\":\"x\",\"verified_at\":1}]}",
		  "fields[0]: verified_at", "not an integer", "1" },
		{ "{\"id\":\"1\",\"fields\":[\"x\"]}", "fields[0]", "expected an object", "1" },
	};
	struct fg_page page;
	char body[512], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "[{\"id\":\"g1\",\"acct\":\"good\"},%s,"
		    "{\"id\":\"g2\",\"note\":\"<p>fine</p>\"}]", cases[i].account);
		assert_int_equal(parse(body, NULL, 0, &page, err, sizeof(err)), FG_P_OK);
		assert_int_equal(page.n, 2);
		assert_string_equal(page.profiles[0].id, "g1");
		assert_string_equal(page.profiles[0].handle, "good");
		assert_string_equal(page.profiles[1].id, "g2");
		assert_string_equal(page.profiles[1].bio, "fine");
		assert_int_equal(page.nskips, 1);
		if (strstr(page.skips[0].why, cases[i].want1) == NULL ||
		    strstr(page.skips[0].why, cases[i].want2) == NULL)
			print_error("case %zu: \"%s\"\n", i, page.skips[0].why);
		assert_non_null(strstr(page.skips[0].why, "followers page: "));
		assert_non_null(strstr(page.skips[0].why, cases[i].want1));
		assert_non_null(strstr(page.skips[0].why, cases[i].want2));
		if (cases[i].id == NULL)
			assert_null(page.skips[0].id);
		else
			assert_string_equal(page.skips[0].id, cases[i].id);
		page_free(&page);
	}
}

/* A page of unreadable accounts only is still a page: its Link leads on. */
static void
test_page_all_skipped(void **state)
{
	static const struct fg_header link[] = { { "Link", LINK_MASTODON } };
	struct fg_page page;
	char err[256];

	(void)state;
	assert_int_equal(parse("[{\"id\":1},{\"id\":2}]", link, 1, &page, err, sizeof(err)),
	    FG_P_OK);
	assert_int_equal(page.n, 0);
	assert_int_equal(page.nskips, 2);
	assert_string_equal(page.cursor, "7486869");
	page_free(&page);
}

static char *
page_of(size_t n)
{
	size_t i, len = 0, cap = n * 16 + 8;
	char *s = xmalloc(cap);

	s[len++] = '[';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s{\"id\":\"%zu\"}",
		    i > 0 ? "," : "", i + 1);
	snprintf(s + len, cap - len, "]");
	return s;
}

static void
test_page_cap(void **state)
{
	struct fg_page page;
	char err[256], *body;

	(void)state;
	body = page_of(1000);
	assert_int_equal(parse(body, NULL, 0, &page, err, sizeof(err)), FG_P_OK);
	assert_int_equal(page.n, 1000);
	assert_string_equal(page.profiles[999].id, "1000");
	page_free(&page);
	free(body);
	body = page_of(1001);
	assert_int_equal(parse(body, NULL, 0, &page, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "1001"));
	assert_null(page.profiles);
	free(body);
}

/* Link parsing: encoded cursors, unquoted and multi-valued rel, bad next links. */
static void
test_page_link_forms(void **state)
{
	static const struct {
		const char	*link;
		enum fg_presult	 res;
		const char	*cursor;
	} cases[] = {
		{ "<https://m.example/api/v1/accounts/1/followers?limit=80&max_id=ab%2Bc%2Fd>; "
		  "rel=\"next\"", FG_P_OK, "ab+c/d" },
		{ "<https://m.example/x?max_id=77>;rel=next", FG_P_OK, "77" },
		{ "<https://m.example/x?since_id=9>; rel=\"prev\", <https://m.example/x?"
		  "limit=80&max_id=42#frag>; title=\"a, b\"; rel=\"next last\"", FG_P_OK, "42" },
		{ "<https://m.example/x?xmax_id=5&max_id=6>; rel=\"next\"", FG_P_OK, "6" },
		{ "<https://m.example/x?limit=80&since_id=9>; rel=\"prev\"", FG_P_OK, NULL },
		{ "<https://m.example/x?max_id=5>; rel=\"nextish\"", FG_P_OK, NULL },
		{ "garbage", FG_P_OK, NULL },
		{ "<https://m.example/x?limit=80>; rel=\"next\"", FG_P_FATAL, NULL },
		{ "<https://m.example/x>; rel=\"next\"", FG_P_FATAL, NULL },
		{ "<https://m.example/x?max_id=>; rel=\"next\"", FG_P_FATAL, NULL },
		{ "<https://m.example/x?max_id=a%0Ab>; rel=\"next\"", FG_P_FATAL, NULL },
		{ "<https://m.example/x?max_id=a%zz>; rel=\"next\"", FG_P_FATAL, NULL },
		{ "<https://m.example/x?max_id=a%2>; rel=\"next\"", FG_P_FATAL, NULL },
	};
	struct fg_header h[1];
	struct fg_page page;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h[0].name = "Link";
		h[0].value = cases[i].link;
		assert_int_equal(parse("[{\"id\":\"1\"}]", h, 1, &page, err, sizeof(err)),
		    cases[i].res);
		if (cases[i].res != FG_P_OK) {
			assert_non_null(strstr(err, "max_id"));
			continue;
		}
		if (cases[i].cursor == NULL)
			assert_null(page.cursor);
		else
			assert_string_equal(page.cursor, cases[i].cursor);
		page_free(&page);
	}
}

/* ---- rate limits ------------------------------------------------------------------- */

static void
test_ratelimit(void **state)
{
	struct fg_header masto[] = {
		{ "X-RateLimit-Limit", "300" },
		{ "X-RateLimit-Remaining", "299" },
		{ "X-RateLimit-Reset", "2026-01-01T12:10:00.000000Z" },
	};
	struct fg_header gts[] = {
		{ "x-ratelimit-limit", "300" },
		{ "x-ratelimit-remaining", "0" },
		{ "x-ratelimit-reset", "2026-01-01T12:07:30.123Z" },
	};
	struct fg_header retry_s[] = { { "Retry-After", "120" } };
	struct fg_header retry_d[] = {
		{ "Retry-After", "Thu, 01 Jan 2026 12:06:40 GMT" },
		{ "X-RateLimit-Remaining", "5" },
	};
	struct fg_header bad[] = {
		{ "X-RateLimit-Limit", "300" },
		{ "X-RateLimit-Remaining", "lots" },
		{ "X-RateLimit-Reset", "2026-01-01T12:10:00.000000Z" },
		{ "Retry-After", "soon" },
	};
	struct fg_ratelimit rl;
	struct fg_response r;

	(void)state;
	r = response(200, "[]", masto, 3);
	P->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 1);
	assert_int_equal(rl.limit, 300);
	assert_int_equal(rl.remaining, 299);
	assert_int_equal(rl.reset, NOW + 300);
	assert_int_equal(rl.retry_after, 0);

	r = response(429, "{\"error\":\"rate limit reached\"}", gts, 3);
	P->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 1);
	assert_int_equal(rl.remaining, 0);
	assert_int_equal(rl.reset, NOW + 150);

	/* Akkoma: no headers at all. */
	r = response(200, "[]", NULL, 0);
	P->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 0);
	assert_int_equal(rl.retry_after, 0);

	r = response(429, "{\"error\":\"Throttled\"}", retry_s, 1);
	P->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 0);
	assert_int_equal(rl.retry_after, NOW + 120);

	r = response(429, NULL, retry_d, 2);
	P->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 0);	/* Remaining without Reset says too little */
	assert_int_equal(rl.retry_after, NOW + 100);

	r = response(200, "[]", bad, 4);
	P->ratelimit(&r, NOW, &rl);
	assert_int_equal(rl.known, 0);
	assert_int_equal(rl.retry_after, 0);
}

/* ---- statuses ---------------------------------------------------------------------- */

static void
test_classification(void **state)
{
	static const struct {
		long		 status;
		const char	*body;
		enum fg_presult	 res;
	} cases[] = {
		{ 429, "{\"error\":\"Too many requests\"}", FG_P_RATELIMITED },
		{ 401, "{\"error\":\"The access token is invalid\"}", FG_P_AUTH },
		{ 500, "<html>oops</html>", FG_P_RETRY },
		{ 503, "{\"error\":\"Remote data could not be fetched\"}", FG_P_RETRY },
		{ 0, NULL, FG_P_RETRY },
		{ 403, "{\"error\":\"This action is outside the authorized scopes\"}",
		  FG_P_FATAL },
		{ 422, "{\"error\":\"This method requires an authenticated user\"}",
		  FG_P_FATAL },
	};
	struct fg_account a;
	struct fg_response r;
	struct fg_page page;
	char err[256];
	size_t i;

	(void)state;
	account_init(&a, TOKEN);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = response(cases[i].status, cases[i].body, NULL, 0);
		assert_int_equal(P->parse_page(&a, &r, NOW, &page, err, sizeof(err)),
		    cases[i].res);
		assert_non_null(strstr(err, "followers page"));
		assert_null(page.doc);
		assert_int_equal(P->parse_resolve(&a, &r, err, sizeof(err)), cases[i].res);
		assert_non_null(strstr(err, "verify_credentials"));
		assert_int_equal(P->parse_remove(&r, err, sizeof(err)), cases[i].res);
		assert_non_null(strstr(err, "remove follower"));
	}
	r = response(429, "{\"error\":\"Too many requests\"}", NULL, 0);
	P->parse_page(&a, &r, NOW, &page, err, sizeof(err));
	assert_non_null(strstr(err, "429"));
	assert_non_null(strstr(err, "Too many requests"));
	free(a.secret);
}

/* ---- secrets ----------------------------------------------------------------------- */

static void
assert_no_secret(const char *s, const char *secret)
{
	if (strstr(s, secret) != NULL)
		print_error("secret found in \"%s\"\n", s);
	assert_null(strstr(s, secret));
}

/* Runs every builder and parser with a token, stderr captured; the token shows up nowhere. */
static void
test_token_never_leaks(void **state)
{
	char echo[512], err[512], path[512], logbuf[8192];
	struct fg_account a, shorty;
	struct fg_request req;
	struct fg_response r;
	struct fg_page page;
	int fd, saved;
	ssize_t n;

	(void)state;
	snprintf(path, sizeof(path), "%s/provider_mastodon_stderr.txt", FG_TEST_TMP);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);

	account_init(&a, TOKEN);
	assert_int_equal(P->resolve(&a, &req), 0);
	assert_no_secret(req.url, TOKEN);
	assert_no_secret(req.what, TOKEN);
	assert_non_null(strstr(req.auth, TOKEN));
	request_clear(&req);
	assert_int_equal(P->page(&a, "7486869", &req), 0);
	assert_no_secret(req.url, TOKEN);
	assert_no_secret(req.what, TOKEN);
	request_clear(&req);
	assert_int_equal(P->remove(&a, "23634", NULL, &req), 0);
	assert_no_secret(req.url, TOKEN);
	assert_no_secret(req.what, TOKEN);
	request_clear(&req);

	/* A server that echoes the token back in its error text. */
	snprintf(echo, sizeof(echo), "{\"error\":\"The access token %s was revoked\"}",
	    TOKEN);
	r = response(401, echo, NULL, 0);
	assert_int_equal(P->parse_page(&a, &r, NOW, &page, err, sizeof(err)), FG_P_AUTH);
	assert_no_secret(err, TOKEN);
	assert_non_null(strstr(err, "redacted"));
	assert_int_equal(P->parse_resolve(&a, &r, err, sizeof(err)), FG_P_AUTH);
	assert_no_secret(err, TOKEN);
	/* parse_remove is not given the account: the token's shape is enough. */
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_AUTH);
	assert_no_secret(err, TOKEN);
	snprintf(echo, sizeof(echo), "{\"error\":\"bad token %s\"}", TOKEN);
	r = response(500, echo, NULL, 0);
	assert_int_equal(P->parse_page(&a, &r, NOW, &page, err, sizeof(err)), FG_P_RETRY);
	assert_no_secret(err, TOKEN);
	r = response(404, echo, NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_no_secret(err, TOKEN);

	/* A short, odd token is removed by value where the account is known. */
	account_init(&shorty, "hunter2!");
	r = response(401, "{\"error\":\"token hunter2! unknown\"}", NULL, 0);
	assert_int_equal(P->parse_page(&shorty, &r, NOW, &page, err, sizeof(err)),
	    FG_P_AUTH);
	assert_no_secret(err, "hunter2!");
	assert_int_equal(P->parse_resolve(&shorty, &r, err, sizeof(err)), FG_P_AUTH);
	assert_no_secret(err, "hunter2!");
	free(shorty.secret);

	/* Refused tokens are refused without being printed. */
	free(a.secret);
	a.secret = xstrdup("abc\r\nX-Evil: ZQ8pW3xL0s9vK2mN7bR4tY6uI1oP5aS8dF3gH0jK2lM");
	assert_int_equal(P->resolve(&a, &req), -1);
	assert_int_equal(P->remove(&a, "1", NULL, &req), -1);
	assert_no_secret(req.auth, "X-Evil");
	free(a.secret);
	a.secret = xmalloc(FG_AUTH_MAX + 1);
	memset(a.secret, 'Q', FG_AUTH_MAX);
	a.secret[FG_AUTH_MAX] = '\0';
	assert_int_equal(P->page(&a, NULL, &req), -1);
	assert_null(strstr(req.auth, "QQQQ"));
	free(a.secret);

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	n = read(fd, logbuf, sizeof(logbuf) - 1);
	close(fd);
	unlink(path);
	assert_true(n >= 0);
	logbuf[n] = '\0';
	assert_no_secret(logbuf, TOKEN);
	assert_no_secret(logbuf, "X-Evil");
	assert_no_secret(logbuf, "QQQQ");
	/* The refusals were logged, though. */
	assert_non_null(strstr(logbuf, "token"));
}

/* ---- requests ---------------------------------------------------------------------- */

static void
test_requests(void **state)
{
	struct fg_account a;
	struct fg_request req;

	(void)state;
	account_init(&a, TOKEN);
	assert_int_equal(P->resolve(&a, &req), 0);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url,
	    "https://mastodon.example/api/v1/accounts/verify_credentials");
	assert_string_equal(req.auth, "Authorization: Bearer "
	    "ZQ8pW3xL0s9vK2mN7bR4tY6uI1oP5aS8dF3gH0jK2lM");
	assert_string_equal(req.what, "verify_credentials");
	assert_null(req.body);

	assert_int_equal(P->page(&a, NULL, &req), 0);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url,
	    "https://mastodon.example/api/v1/accounts/14715/followers?limit=80");
	assert_non_null(strstr(req.auth, "Bearer "));
	assert_string_equal(req.what, "followers page");
	assert_int_equal(P->page(&a, "7486869", &req), 0);
	assert_string_equal(req.url,
	    "https://mastodon.example/api/v1/accounts/14715/followers?limit=80&max_id=7486869");

	assert_int_equal(P->following(&a, NULL, &req), 0);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url,
	    "https://mastodon.example/api/v1/accounts/14715/following?limit=80");
	assert_non_null(strstr(req.auth, "Bearer "));
	assert_string_equal(req.what, "following page");
	assert_null(req.body);
	assert_int_equal(P->following(&a, "7486869", &req), 0);
	assert_string_equal(req.url,
	    "https://mastodon.example/api/v1/accounts/14715/following?limit=80&max_id=7486869");

	/* The key is Bluesky's: ignored here, given or not. */
	assert_int_equal(P->remove(&a, "23634", "3mbd3542k222b", &req), 0);
	assert_string_equal(req.url,
	    "https://mastodon.example/api/v1/accounts/23634/remove_from_followers");
	request_clear(&req);
	assert_int_equal(P->remove(&a, "23634", NULL, &req), 0);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.url,
	    "https://mastodon.example/api/v1/accounts/23634/remove_from_followers");
	assert_non_null(strstr(req.auth, "Authorization: Bearer "));
	assert_null(req.body);
	assert_string_equal(req.what, "remove follower");
	request_clear(&req);

	/* Without a token: public lookup of the handle, public pages, no removal. */
	free(a.secret);
	a.secret = NULL;
	snprintf(a.account, sizeof(a.account), "@brand@mastodon.example");
	assert_int_equal(P->resolve(&a, &req), 0);
	assert_string_equal(req.url, "https://mastodon.example/api/v1/accounts/lookup?"
	    "acct=brand%40mastodon.example");
	assert_string_equal(req.auth, "");
	assert_string_equal(req.what, "account lookup");
	assert_int_equal(P->page(&a, NULL, &req), 0);
	assert_string_equal(req.auth, "");
	snprintf(a.id, sizeof(a.id), "14715");
	assert_int_equal(P->following(&a, NULL, &req), 0);
	assert_string_equal(req.auth, "");
	assert_int_equal(P->remove(&a, "1", NULL, &req), -1);
	a.id[0] = '\0';
	assert_int_equal(P->following(&a, NULL, &req), -1);
}

/* A following page is an array of Accounts paged by Link, read by parse_page. */
static void
test_following_page(void **state)
{
	static const char link[] =
	    "<https://mastodon.example/api/v1/accounts/14715/following?limit=2&max_id=900>; "
	    "rel=\"next\", <https://mastodon.example/api/v1/accounts/14715/following?limit=2&"
	    "since_id=950>; rel=\"prev\"";
	struct fg_header h[] = { { "Link", link } };
	struct fg_page page;
	char err[256];

	(void)state;
	assert_int_equal(parse(PAGE_MASTODON, h, 1, &page, err, sizeof(err)), FG_P_OK);
	assert_int_equal(page.n, 2);
	assert_string_equal(page.profiles[0].id, "23634");
	assert_string_equal(page.profiles[1].id, "109");
	assert_string_equal(page.cursor, "900");
	page_free(&page);

	/* The last page: only prev. */
	h[0].value = "<https://mastodon.example/api/v1/accounts/14715/following?limit=80&"
	    "since_id=950>; rel=\"prev\"";
	assert_int_equal(parse(PAGE_MASTODON, h, 1, &page, err, sizeof(err)), FG_P_OK);
	assert_null(page.cursor);
	page_free(&page);
	assert_int_equal(parse("[]", NULL, 0, &page, err, sizeof(err)), FG_P_OK);
	assert_int_equal(page.n, 0);
	assert_null(page.cursor);
	page_free(&page);
}

static void
test_url_encoding(void **state)
{
	struct fg_account a;
	struct fg_request req;
	char big[FG_URL_MAX];

	(void)state;
	account_init(&a, TOKEN);
	snprintf(a.id, sizeof(a.id), "a/b c?&=%%#\xc3\xa9~_.-Z9");
	assert_int_equal(P->page(&a, "x+y/../z", &req), 0);
	assert_string_equal(req.url, "https://mastodon.example/api/v1/accounts/"
	    "a%2Fb%20c%3F%26%3D%25%23%C3%A9~_.-Z9/followers?limit=80&max_id=x%2By%2F..%2Fz");
	assert_int_equal(P->remove(&a, "../../admin", NULL, &req), 0);
	assert_string_equal(req.url, "https://mastodon.example/api/v1/accounts/"
	    "..%2F..%2Fadmin/remove_from_followers");

	/* Dot segments, empty ids, empty cursors and unresolved accounts are refused. */
	assert_int_equal(P->remove(&a, "..", NULL, &req), -1);
	assert_int_equal(P->remove(&a, ".", NULL, &req), -1);
	assert_int_equal(P->remove(&a, "", NULL, &req), -1);
	assert_int_equal(P->remove(&a, NULL, NULL, &req), -1);
	assert_int_equal(P->page(&a, "", &req), -1);
	a.id[0] = '\0';
	assert_int_equal(P->page(&a, NULL, &req), -1);

	/* A forgiven trailing slash; roots that are no URL are refused. */
	snprintf(a.id, sizeof(a.id), "1");
	snprintf(a.base_url, sizeof(a.base_url), "http://127.0.0.1:8080/");
	assert_int_equal(P->page(&a, NULL, &req), 0);
	assert_string_equal(req.url,
	    "http://127.0.0.1:8080/api/v1/accounts/1/followers?limit=80");
	snprintf(a.base_url, sizeof(a.base_url), "ftp://x.example");
	assert_int_equal(P->page(&a, NULL, &req), -1);
	snprintf(a.base_url, sizeof(a.base_url), "https://x.example/a b");
	assert_int_equal(P->page(&a, NULL, &req), -1);
	snprintf(a.base_url, sizeof(a.base_url), "https://x.example?q=1");
	assert_int_equal(P->page(&a, NULL, &req), -1);
	a.base_url[0] = '\0';
	assert_int_equal(P->page(&a, NULL, &req), -1);

	/* Too long once encoded: refused, never cut. */
	snprintf(a.base_url, sizeof(a.base_url), "https://mastodon.example");
	memset(big, '/', 700);	/* 2100 bytes encoded */
	big[700] = '\0';
	assert_int_equal(P->page(&a, big, &req), -1);
	assert_int_equal(P->remove(&a, big, NULL, &req), -1);
	memset(big, 'a', 1900);	/* fits unencoded */
	big[1900] = '\0';
	assert_int_equal(P->page(&a, big, &req), 0);
	assert_int_equal(strlen(req.url), strlen("https://mastodon.example/api/v1/accounts/1/"
	    "followers?limit=80&max_id=") + 1900);
	free(a.secret);
}

/* ---- resolve ----------------------------------------------------------------------- */

static void
test_parse_resolve(void **state)
{
	static const char creds[] =
	    "{\"id\":\"14715\",\"username\":\"Brand\",\"acct\":\"Brand\","
	    "\"display_name\":\"Brand\",\"followers_count\":48176,\"following_count\":12,"
	    "\"statuses_count\":900,\"source\":{\"privacy\":\"public\",\"note\":\"\"},"
	    "\"role\":{\"name\":\"\"}}";
	static const struct {
		const char	*body;
		const char	*want;
	} bad[] = {
		{ "[]", "expected an Account object" },
		{ "{\"id\":14715,\"username\":\"brand\"}", "id" },
		{ "{\"id\":\"..\",\"username\":\"brand\"}", "id" },
		{ "{\"id\":\"14715\",\"username\":\"brand\",\"followers_count\":\"9\"}",
		  "followers_count: expected an integer" },
		{ "{\"id\":\"14715\",\"username\":5}", "username" },
		{ "{\"id\":\"99\",\"username\":\"someone\",\"followers_count\":3}",
		  "belongs to account 99" },
	};
	struct fg_account a;
	struct fg_response r;
	char err[256];
	size_t i;

	(void)state;
	account_init(&a, TOKEN);
	a.id[0] = '\0';
	r = response(200, creds, NULL, 0);
	assert_int_equal(P->parse_resolve(&a, &r, err, sizeof(err)), FG_P_OK);
	assert_string_equal(a.id, "14715");
	assert_int_equal(a.followers_count, 48176);

	/* The configured account may be the id, the handle with @ and domain, any case. */
	snprintf(a.account, sizeof(a.account), "14715");
	assert_int_equal(P->parse_resolve(&a, &r, err, sizeof(err)), FG_P_OK);
	snprintf(a.account, sizeof(a.account), "@brand@social.example");
	assert_int_equal(P->parse_resolve(&a, &r, err, sizeof(err)), FG_P_OK);
	snprintf(a.account, sizeof(a.account), "bran");
	assert_int_equal(P->parse_resolve(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "not the configured"));

	snprintf(a.account, sizeof(a.account), "brand");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(a.id, sizeof(a.id), "keep");
		a.followers_count = 7;
		r = response(200, bad[i].body, NULL, 0);
		assert_int_equal(P->parse_resolve(&a, &r, err, sizeof(err)), FG_P_FATAL);
		if (strstr(err, bad[i].want) == NULL)
			print_error("case %zu: \"%s\"\n", i, err);
		assert_non_null(strstr(err, bad[i].want));
		assert_non_null(strstr(err, "verify_credentials"));
		/* A failed resolve changes nothing. */
		assert_string_equal(a.id, "keep");
		assert_int_equal(a.followers_count, 7);
	}
	r = response(200, "{\"id\":\"1", NULL, 0);
	assert_int_equal(P->parse_resolve(&a, &r, err, sizeof(err)), FG_P_RETRY);

	/* The public lookup answers for the handle asked; a missing count is unknown. */
	free(a.secret);
	a.secret = NULL;
	r = response(200, "{\"id\":\"555\",\"username\":\"other\"}", NULL, 0);
	assert_int_equal(P->parse_resolve(&a, &r, err, sizeof(err)), FG_P_OK);
	assert_string_equal(a.id, "555");
	assert_int_equal(a.followers_count, -1);
	r = response(404, "{\"error\":\"Record not found\"}", NULL, 0);
	assert_int_equal(P->parse_resolve(&a, &r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "account lookup"));
	assert_non_null(strstr(err, "404"));
}

/* ---- remove ------------------------------------------------------------------------ */

static void
test_parse_remove(void **state)
{
	static const char rel_done[] =
	    "{\"id\":\"23634\",\"following\":false,\"showing_reblogs\":false,\"notifying\":false,"
	    "\"followed_by\":false,\"blocking\":false,\"blocked_by\":false,\"muting\":false,"
	    "\"muting_notifications\":false,\"requested\":false,\"domain_blocking\":false,"
	    "\"endorsed\":false}";
	struct fg_response r;
	char err[256];

	(void)state;
	r = response(200, rel_done, NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_OK);
	assert_string_equal(err, "");
	/* It was not following to begin with: Mastodon answers the same, and it is done. */
	r = response(200, "{\"id\":\"23634\",\"following\":true,\"followed_by\":false,"
	    "\"blocking\":false,\"requested_by\":false}", NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_OK);

	r = response(200, "{\"id\":\"23634\",\"followed_by\":true}", NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "still follows"));
	r = response(200, "{\"id\":\"23634\"}", NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "followed_by"));
	r = response(200, "{\"id\":\"23634\",\"followed_by\":\"false\"}", NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	r = response(200, "[]", NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	r = response(200, "{\"id\":\"23", NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_RETRY);

	/* Mastodon and Akkoma: the account is gone, so it follows no one. */
	r = response(404, "{\"error\":\"Record not found\"}", NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_OK);
	assert_non_null(strstr(err, "not found"));
	/* GoToSocial has no such endpoint: never taken for a removal. */
	r = response(404, "{\"error\":\"Not Found\"}", NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "404"));
	r = response(404, "404 page not found", NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	r = response(422, "{\"error\":\"Can not unfollow yourself\"}", NULL, 0);
	assert_int_equal(P->parse_remove(&r, err, sizeof(err)), FG_P_FATAL);
	assert_non_null(strstr(err, "Can not unfollow yourself"));
}

static void
test_provider_table(void **state)
{
	(void)state;
	assert_string_equal(P->name, "mastodon");
	assert_int_equal(P->page_size, 80);
	assert_int_equal(P->hydrate_max, 0);
	assert_null(P->login);
	assert_null(P->parse_login);
	assert_null(P->hydrate);
	assert_null(P->parse_hydrate);
	assert_non_null(P->resolve);
	assert_non_null(P->parse_resolve);
	assert_non_null(P->page);
	assert_non_null(P->parse_page);
	assert_non_null(P->following);
	assert_non_null(P->remove);
	assert_non_null(P->parse_remove);
	/* A removed follower cannot be brought back. */
	assert_null(P->unremove);
	assert_null(P->parse_unremove);
	assert_non_null(P->ratelimit);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provider_table),
		cmocka_unit_test(test_page_full_with_next),
		cmocka_unit_test(test_page_last_without_next),
		cmocka_unit_test(test_page_gotosocial),
		cmocka_unit_test(test_page_empty_is_end),
		cmocka_unit_test(test_page_akkoma_and_unknowns),
		cmocka_unit_test(test_page_note_html),
		cmocka_unit_test(test_page_fields),
		cmocka_unit_test(test_page_long_text),
		cmocka_unit_test(test_page_malformed),
		cmocka_unit_test(test_page_bad_account_skipped),
		cmocka_unit_test(test_page_all_skipped),
		cmocka_unit_test(test_page_cap),
		cmocka_unit_test(test_page_link_forms),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_classification),
		cmocka_unit_test(test_token_never_leaks),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_url_encoding),
		cmocka_unit_test(test_parse_resolve),
		cmocka_unit_test(test_parse_remove),
		cmocka_unit_test(test_following_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
