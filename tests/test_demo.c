/*
 * Tests of the embedded demo platform (daemon/demo.c): the demo and an evhttp client share one
 * event base, as the demo shares the daemon's, and every request runs the loop until its
 * callback fires. The demo's clock is manual where releases are asserted, so the counts do
 * not depend on the machine's speed; one test lets the real timer run.
 */
#include <sys/queue.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "demo.h"
#include "log.h"
#include "provider.h"
#include "timeutil.h"
#include "xmalloc.h"

#define TIMEOUT_S	10
#define DEMO_ID		"109000000000000001"
#define MAX_HEADERS	32

struct fixture {
	struct event_base		*base;
	struct demo			*demo;
	struct evhttp_connection	*conn;
	struct event			*timeout;
	int				 timed_out;
};

/* One response. */
struct resp {
	int	 done;
	int	 status;
	char	*body;
	char	*link;		/* NULL if no Link header */
	char	*rl_limit, *rl_remaining, *rl_reset;
	struct fg_header hdr[MAX_HEADERS];	/* all of them, for the provider */
	size_t	 nhdr;
};

static void
resp_clear(struct resp *r)
{
	size_t i;

	for (i = 0; i < r->nhdr; i++) {
		free((char *)r->hdr[i].name);
		free((char *)r->hdr[i].value);
	}
	free(r->body);
	free(r->link);
	free(r->rl_limit);
	free(r->rl_remaining);
	free(r->rl_reset);
	memset(r, 0, sizeof(*r));
}

static char *
header_dup(struct evhttp_request *req, const char *name)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), name);

	return v != NULL ? xstrdup(v) : NULL;
}

static void
on_response(struct evhttp_request *req, void *arg)
{
	struct resp *r = arg;
	struct evkeyval *kv;
	struct evbuffer *in;
	size_t n;

	r->done = 1;
	if (req == NULL)
		return;
	r->status = evhttp_request_get_response_code(req);
	in = evhttp_request_get_input_buffer(req);
	n = evbuffer_get_length(in);
	r->body = xmalloc(n + 1);
	evbuffer_remove(in, r->body, n);
	r->body[n] = '\0';
	r->link = header_dup(req, "Link");
	r->rl_limit = header_dup(req, "X-RateLimit-Limit");
	r->rl_remaining = header_dup(req, "X-RateLimit-Remaining");
	r->rl_reset = header_dup(req, "X-RateLimit-Reset");
	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next) {
		if (r->nhdr == MAX_HEADERS)
			break;
		r->hdr[r->nhdr].name = xstrdup(kv->key);
		r->hdr[r->nhdr].value = xstrdup(kv->value);
		r->nhdr++;
	}
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct fixture *f = arg;

	(void)fd;
	(void)what;
	f->timed_out = 1;
}

/* Runs the loop until done is set, or fails the test after TIMEOUT_S. */
static void
loop_until(struct fixture *f, const int *done)
{
	struct timeval tv = { TIMEOUT_S, 0 };

	f->timed_out = 0;
	evtimer_add(f->timeout, &tv);
	while (!*done && !f->timed_out)
		event_base_loop(f->base, EVLOOP_ONCE);
	evtimer_del(f->timeout);
	assert_false(f->timed_out);
}

/* GET uri with an Authorization header unless auth is NULL. */
static void
get(struct fixture *f, const char *uri, const char *auth, struct resp *r)
{
	struct evhttp_request *req;
	struct evkeyvalq *h;

	resp_clear(r);
	req = evhttp_request_new(on_response, r);
	assert_non_null(req);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", "127.0.0.1");
	if (auth != NULL)
		evhttp_add_header(h, "Authorization", auth);
	assert_int_equal(evhttp_make_request(f->conn, req, EVHTTP_REQ_GET, uri), 0);
	loop_until(f, &r->done);
	assert_int_not_equal(r->status, 0);
}

static const char *
bearer(struct fixture *f)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "Bearer %s", demo_token(f->demo));
	return buf;
}

static json_t *
body_json(const struct resp *r)
{
	json_error_t e;
	json_t *j = json_loads(r->body, 0, &e);

	if (j == NULL)
		fail_msg("not JSON (%s): %.200s", e.text, r->body);
	return j;
}

static struct fixture *
fixture_new(const struct demo_opts *o)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char err[256];

	f->base = event_base_new();
	assert_non_null(f->base);
	f->demo = demo_start(f->base, o, err, sizeof(err));
	if (f->demo == NULL)
		fail_msg("demo_start: %s", err);
	f->conn = evhttp_connection_base_new(f->base, NULL, "127.0.0.1",
	    (unsigned short)demo_port(f->demo));
	assert_non_null(f->conn);
	evhttp_connection_set_timeout(f->conn, TIMEOUT_S);
	f->timeout = evtimer_new(f->base, on_timeout, f);
	return f;
}

static void
fixture_free(struct fixture *f)
{
	evhttp_connection_free(f->conn);
	demo_free(f->demo);
	event_free(f->timeout);
	event_base_free(f->base);
	free(f);
}

static struct demo_opts
manual_opts(int64_t audience, double organic, double after, int64_t size)
{
	struct demo_opts o;

	demo_defaults(&o);
	o.audience = audience;
	o.organic_per_min = organic;
	o.purchase_after = after;
	o.purchase_size = size;
	o.seed = 7;
	o.manual_clock = 1;
	return o;
}

static int64_t
credentials_count(struct fixture *f)
{
	struct resp r = { 0 };
	json_int_t n;
	json_t *j;

	get(f, "/api/v1/accounts/verify_credentials", bearer(f), &r);
	assert_int_equal(r.status, 200);
	j = body_json(&r);
	assert_true(json_is_integer(json_object_get(j, "followers_count")));
	n = json_integer_value(json_object_get(j, "followers_count"));
	json_decref(j);
	resp_clear(&r);
	return n;
}

/* The value of key=NUMBER> in the link of that rel, or -1. */
static long long
link_param(const char *link, const char *rel, const char *key)
{
	char relstr[32], keystr[32];
	const char *end, *start, *p;

	if (link == NULL)
		return -1;
	snprintf(relstr, sizeof(relstr), ">; rel=\"%s\"", rel);
	snprintf(keystr, sizeof(keystr), "%s=", key);
	if ((end = strstr(link, relstr)) == NULL)
		return -1;
	for (start = end; start > link && start[-1] != '<'; start--)
		;
	for (p = start; p < end; p++)
		if (strncmp(p, keystr, strlen(keystr)) == 0)
			return strtoll(p + strlen(keystr), NULL, 10);
	return -1;
}

/* The Mastodon Account shape the daemon's provider and the fixture agree on. */
static void
check_account(struct fixture *f, json_t *a)
{
	static const char *const keys[] = { "id", "username", "acct", "display_name", "locked",
	    "bot", "discoverable", "indexable", "group", "created_at", "note", "url", "uri",
	    "avatar", "avatar_static", "avatar_description", "header", "header_static",
	    "header_description", "followers_count", "following_count", "statuses_count",
	    "last_status_at", "hide_collections", "noindex", "emojis", "roles", "fields" };
	const char *key, *created, *note, *avatar, *user;
	char want[256];
	json_t *v, *last;
	size_t i = 0, n;

	assert_true(json_is_object(a));
	/* Attributes in the serializer's order. */
	json_object_foreach(a, key, v) {
		assert_true(i < sizeof(keys) / sizeof(keys[0]));
		assert_string_equal(key, keys[i]);
		i++;
	}
	assert_int_equal(i, sizeof(keys) / sizeof(keys[0]));
	assert_true(json_is_string(json_object_get(a, "id")));
	user = json_string_value(json_object_get(a, "username"));
	assert_non_null(user);
	assert_true(strlen(user) > 0);
	assert_int_equal(strspn(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_"), strlen(user));
	assert_string_equal(user, json_string_value(json_object_get(a, "acct")));
	snprintf(want, sizeof(want), "%s/@%s", demo_base_url(f->demo), user);
	assert_string_equal(want, json_string_value(json_object_get(a, "url")));
	assert_true(json_is_boolean(json_object_get(a, "locked")));
	assert_true(json_is_boolean(json_object_get(a, "bot")));
	created = json_string_value(json_object_get(a, "created_at"));
	assert_non_null(created);
	assert_int_equal(strlen(created), 24);
	assert_string_equal(created + 10, "T00:00:00.000Z");
	note = json_string_value(json_object_get(a, "note"));
	assert_non_null(note);
	if (*note != '\0') {
		assert_memory_equal(note, "<p>", 3);
		n = strlen(note);
		assert_true(n >= 7 && strcmp(note + n - 4, "</p>") == 0);
		assert_null(strchr(note, '\n'));
	}
	avatar = json_string_value(json_object_get(a, "avatar"));
	assert_non_null(avatar);
	assert_memory_equal(avatar, demo_base_url(f->demo), strlen(demo_base_url(f->demo)));
	assert_true(strstr(avatar, "/avatars/original/missing.png") != NULL ||
	    strstr(avatar, "/system/accounts/avatars/") != NULL);
	assert_true(json_integer_value(json_object_get(a, "followers_count")) >= 0);
	assert_true(json_is_integer(json_object_get(a, "following_count")));
	assert_true(json_is_integer(json_object_get(a, "statuses_count")));
	last = json_object_get(a, "last_status_at");
	assert_true(json_is_null(last) || (json_is_string(last) &&
	    strlen(json_string_value(last)) == 10));
	assert_true(json_is_array(json_object_get(a, "fields")));
}

/* Ids of the whole list, newest follow first, paged with limit; checks the links. */
static char **
list_all(struct fixture *f, const char *limit, size_t *np, size_t *pagesp, int check)
{
	struct resp r = { 0 };
	char uri[256], want[512], **ids = NULL;
	long long max_id = -1, since, next, prev_next = -1;
	size_t n = 0, pages = 0, i, lim = (size_t)atoi(limit);
	json_t *j;

	for (;;) {
		if (max_id < 0)
			snprintf(uri, sizeof(uri), "/api/v1/accounts/" DEMO_ID
			    "/followers?limit=%s", limit);
		else
			snprintf(uri, sizeof(uri), "/api/v1/accounts/" DEMO_ID
			    "/followers?limit=%s&max_id=%lld", limit, max_id);
		get(f, uri, bearer(f), &r);
		assert_int_equal(r.status, 200);
		assert_non_null(r.rl_limit);
		j = body_json(&r);
		assert_true(json_is_array(j));
		pages++;
		ids = xreallocarray(ids, n + json_array_size(j) + 1, sizeof(*ids));
		for (i = 0; i < json_array_size(j); i++) {
			if (check)
				check_account(f, json_array_get(j, i));
			ids[n++] = xstrdup(json_string_value(json_object_get(json_array_get(j, i),
			    "id")));
		}
		next = link_param(r.link, "next", "max_id");
		since = link_param(r.link, "prev", "since_id");
		if (json_array_size(j) == 0)
			assert_null(r.link);
		else {
			/* prev with the first row, next with the last, only on a full page. */
			assert_true(since > 0);
			if (prev_next >= 0)
				assert_int_equal(since, prev_next - 1);
			if (json_array_size(j) == lim) {
				assert_int_equal(next, since - (long long)lim + 1);
				snprintf(want, sizeof(want), "<%s/api/v1/accounts/" DEMO_ID
				    "/followers?limit=%s&max_id=%lld>; rel=\"next\", <%s"
				    "/api/v1/accounts/" DEMO_ID
				    "/followers?limit=%s&since_id=%lld>; rel=\"prev\"",
				    demo_base_url(f->demo), limit, next,
				    demo_base_url(f->demo), limit, since);
				assert_string_equal(r.link, want);
			} else
				assert_int_equal(next, -1);
		}
		json_decref(j);
		if (next < 0)
			break;
		prev_next = max_id = next;
	}
	resp_clear(&r);
	*np = n;
	*pagesp = pages;
	return ids;
}

static void
ids_free(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
assert_unique(char **ids, size_t n)
{
	char **s = xreallocarray(NULL, n + 1, sizeof(*s));
	size_t i;

	memcpy(s, ids, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_str);
	for (i = 1; i < n; i++)
		if (strcmp(s[i - 1], s[i]) == 0)
			fail_msg("follower %s listed twice", s[i]);
	free(s);
}

static int
contains(char **ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

/* ---- tests --------------------------------------------------------------------------- */

static void
test_auth(void **state)
{
	struct demo_opts o = manual_opts(300, 4, 60, DEMO_PURCHASE_AUTO);
	struct fixture *f = fixture_new(&o);
	struct resp r = { 0 };
	const char *tok = demo_token(f->demo);
	struct demo_stats st;
	json_t *j;

	(void)state;
	demo_stats(f->demo, &st);
	assert_int_equal(st.purchase_size, 75);		/* 25 % of the audience */
	assert_int_equal(strlen(tok), 43);
	assert_int_equal(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_"), 43);
	assert_string_equal(demo_account(f->demo), "demo");
	assert_true(demo_port(f->demo) > 0);

	get(f, "/api/v1/accounts/verify_credentials", NULL, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.body, "{\"error\":\"The access token is invalid\"}");
	assert_string_equal(r.rl_limit, "300");
	assert_non_null(r.rl_remaining);
	assert_non_null(r.rl_reset);
	assert_int_equal(strlen(r.rl_reset), 27);	/* 2026-01-01T12:05:00.000000Z */
	assert_string_equal(r.rl_reset + 19, ".000000Z");
	get(f, "/api/v1/accounts/verify_credentials", "Bearer wrong", &r);
	assert_int_equal(r.status, 401);
	get(f, "/api/v1/accounts/verify_credentials", "Basic Zm9vOmJhcg==", &r);
	assert_int_equal(r.status, 401);
	/* A token sent to a public endpoint must be valid too. */
	get(f, "/api/v1/accounts/" DEMO_ID "/followers", "Bearer wrong", &r);
	assert_int_equal(r.status, 401);

	get(f, "/api/v1/accounts/verify_credentials", bearer(f), &r);
	assert_int_equal(r.status, 200);
	j = body_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "id")), DEMO_ID);
	assert_string_equal(json_string_value(json_object_get(j, "username")), "demo");
	assert_int_equal(json_integer_value(json_object_get(j, "followers_count")), 300);
	assert_true(json_is_object(json_object_get(j, "source")));
	assert_true(json_is_object(json_object_get(j, "role")));
	json_decref(j);

	get(f, "/api/v1/accounts/lookup?acct=demo", NULL, &r);
	assert_int_equal(r.status, 200);
	j = body_json(&r);
	check_account(f, j);
	assert_string_equal(json_string_value(json_object_get(j, "id")), DEMO_ID);
	assert_int_equal(json_integer_value(json_object_get(j, "followers_count")), 300);
	json_decref(j);
	get(f, "/api/v1/accounts/lookup?acct=%40demo%40127.0.0.1", bearer(f), &r);
	assert_int_equal(r.status, 200);
	get(f, "/api/v1/accounts/lookup?acct=someone", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, "{\"error\":\"Record not found\"}");
	get(f, "/api/v1/accounts/" DEMO_ID, NULL, &r);
	assert_int_equal(r.status, 200);
	get(f, "/api/v1/accounts/12345/followers", NULL, &r);
	assert_int_equal(r.status, 404);
	get(f, "/api/v1/instance", NULL, &r);
	assert_int_equal(r.status, 404);
	get(f, "/", bearer(f), &r);
	assert_int_equal(r.status, 404);
	resp_clear(&r);
	fixture_free(f);
}

static void
test_paging(void **state)
{
	struct demo_opts o = manual_opts(1000, 4, 60, 250);
	struct fixture *f = fixture_new(&o);
	struct resp r = { 0 };
	size_t n, pages;
	char **ids, want[512];
	json_t *j;

	(void)state;
	assert_int_equal(credentials_count(f), 1000);
	ids = list_all(f, "80", &n, &pages, 1);
	assert_int_equal(n, 1000);
	assert_int_equal(pages, 13);	/* 12 full pages with next, then 40 without */
	assert_unique(ids, n);

	/* Default 40, capped at 80, only limit carried into the links. */
	get(f, "/api/v1/accounts/" DEMO_ID "/followers", NULL, &r);
	j = body_json(&r);
	assert_int_equal(json_array_size(j), 40);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "id")),
	    ids[0]);
	json_decref(j);
	snprintf(want, sizeof(want), "<%s/api/v1/accounts/" DEMO_ID "/followers?max_id=%lld>; "
	    "rel=\"next\"", demo_base_url(f->demo), link_param(r.link, "next", "max_id"));
	assert_memory_equal(r.link, want, strlen(want));
	get(f, "/api/v1/accounts/" DEMO_ID "/followers?limit=500", NULL, &r);
	j = body_json(&r);
	assert_int_equal(json_array_size(j), 80);
	json_decref(j);
	assert_true(link_param(r.link, "next", "max_id") > 0);
	get(f, "/api/v1/accounts/" DEMO_ID "/followers?limit=0", NULL, &r);
	assert_string_equal(r.body, "[]");
	assert_null(r.link);
	/* since_id: only follows newer than that row (here the third). */
	get(f, "/api/v1/accounts/" DEMO_ID "/followers?limit=3", NULL, &r);
	snprintf(want, sizeof(want), "/api/v1/accounts/" DEMO_ID
	    "/followers?limit=80&since_id=%lld", link_param(r.link, "next", "max_id"));
	get(f, want, NULL, &r);
	j = body_json(&r);
	assert_int_equal(json_array_size(j), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "id")),
	    ids[1]);
	json_decref(j);
	assert_int_equal(link_param(r.link, "next", "max_id"), -1);
	resp_clear(&r);
	ids_free(ids, n);
	fixture_free(f);
}

/* Sends what a provider built: the demo's URL without its base, the auth header as is. */
static void
send_request(struct fixture *f, const struct fg_request *req, struct resp *r,
    struct fg_response *out)
{
	const char *base = demo_base_url(f->demo), *auth = NULL;

	assert_string_equal(req->method, "GET");
	assert_memory_equal(req->url, base, strlen(base));
	if (req->auth[0] != '\0') {
		assert_memory_equal(req->auth, "Authorization: ", 15);
		auth = req->auth + 15;
	}
	get(f, req->url + strlen(base), auth, r);
	memset(out, 0, sizeof(*out));
	out->status = r->status;
	out->body = r->body;
	out->len = strlen(r->body);
	out->headers = r->hdr;
	out->nheaders = r->nhdr;
}

/* The daemon's own Mastodon provider reads the demo end to end. */
static void
test_provider(void **state)
{
	struct demo_opts o = manual_opts(500, 4, 60, 125);
	struct fixture *f = fixture_new(&o);
	const struct fg_provider *p = &provider_mastodon;
	struct fg_account a;
	struct fg_request req;
	struct fg_response resp;
	struct fg_ratelimit rl;
	struct fg_page page;
	struct resp r = { 0 };
	char err[512], *cursor = NULL;
	size_t total = 0, defaults = 0, i, pages = 0;

	(void)state;
	memset(&a, 0, sizeof(a));
	snprintf(a.base_url, sizeof(a.base_url), "%s", demo_base_url(f->demo));
	snprintf(a.account, sizeof(a.account), "%s", demo_account(f->demo));
	a.secret = xstrdup(demo_token(f->demo));
	a.followers_count = -1;
	memset(&req, 0, sizeof(req));
	assert_int_equal(p->resolve(&a, &req), 0);
	send_request(f, &req, &r, &resp);
	if (p->parse_resolve(&a, &resp, err, sizeof(err)) != FG_P_OK)
		fail_msg("resolve: %s", err);
	assert_string_equal(a.id, DEMO_ID);
	assert_int_equal(a.followers_count, 500);
	p->ratelimit(&resp, time_now(), &rl);
	assert_true(rl.known);
	assert_int_equal(rl.limit, 300);
	assert_true(rl.reset > time_now() - 1 && rl.reset <= time_now() + 300);
	request_clear(&req);

	do {
		assert_int_equal(p->page(&a, cursor, &req), 0);
		send_request(f, &req, &r, &resp);
		if (p->parse_page(&a, &resp, time_now(), &page, err, sizeof(err)) != FG_P_OK)
			fail_msg("page: %s", err);
		pages++;
		total += page.n;
		for (i = 0; i < page.n; i++) {
			assert_non_null(page.profiles[i].id);
			assert_int_not_equal(page.profiles[i].created_at, FG_TIME_UNKNOWN);
			defaults += page.profiles[i].avatar_default == 1;
		}
		free(cursor);
		cursor = page.cursor != NULL ? xstrdup(page.cursor) : NULL;
		page_free(&page);
		request_clear(&req);
	} while (cursor != NULL);
	assert_int_equal(total, 500);
	assert_int_equal(pages, (500 + p->page_size - 1) / p->page_size +
	    (500 % p->page_size == 0));
	/* Default avatars are recognised, and not every account has one. */
	assert_true(defaults > 0 && defaults < total);
	resp_clear(&r);
	free(a.secret);
	fixture_free(f);
}

/* A list of exactly two full pages: the second still has next, the third is empty. */
static void
test_paging_exact(void **state)
{
	struct demo_opts o = manual_opts(160, 0, 60, 0);
	struct fixture *f = fixture_new(&o);
	size_t n, pages;
	char **ids;

	(void)state;
	ids = list_all(f, "80", &n, &pages, 0);
	assert_int_equal(n, 160);
	assert_int_equal(pages, 3);
	assert_unique(ids, n);
	ids_free(ids, n);
	fixture_free(f);
}

static void
test_growth(void **state)
{
	struct demo_opts o = manual_opts(200, 30, 60, 50);
	struct fixture *f = fixture_new(&o);
	struct demo_stats st;
	char **ids0, **ids1, **ids2;
	size_t n0, n1, n2, pages, i, nnew;

	(void)state;
	ids0 = list_all(f, "80", &n0, &pages, 0);
	assert_int_equal(n0, 200);
	demo_stats(f->demo, &st);
	assert_int_equal(st.followers, 200);
	assert_int_equal(st.purchase_size, 50);

	/* Half a minute of organic growth: new followers come first, nothing purchased. */
	demo_tick(f->demo, 30);
	demo_stats(f->demo, &st);
	assert_int_equal(st.purchased, 0);
	assert_true(st.organic >= 8 && st.organic <= 30);	/* 30 a minute, jittered */
	assert_int_equal(credentials_count(f), 200 + st.organic);
	ids1 = list_all(f, "80", &n1, &pages, 1);
	assert_int_equal(n1, 200 + (size_t)st.organic);
	assert_unique(ids1, n1);
	nnew = (size_t)st.organic;
	for (i = 0; i < n1; i++) {
		if (i < nnew)
			assert_false(contains(ids0, n0, ids1[i]));
		else
			assert_string_equal(ids1[i], ids0[i - nnew]);
	}

	/* Still before purchase_after: no purchase. */
	demo_tick(f->demo, 29);
	demo_stats(f->demo, &st);
	assert_int_equal(st.purchased, 0);

	/* The burst starts at 60 s and is delivered within 30 s. */
	demo_tick(f->demo, 6);
	demo_stats(f->demo, &st);
	assert_true(st.purchased > 0 && st.purchased < 50);
	demo_tick(f->demo, 30);
	demo_stats(f->demo, &st);
	assert_int_equal(st.purchased, 50);
	assert_int_equal(credentials_count(f), 200 + st.organic + 50);
	ids2 = list_all(f, "80", &n2, &pages, 1);
	assert_int_equal(n2, 200 + (size_t)st.organic + 50);
	assert_unique(ids2, n2);
	/* Everything since the last listing is on top, the older list unchanged below it. */
	nnew = n2 - n1;
	for (i = 0; i < n2; i++) {
		if (i < nnew)
			assert_false(contains(ids1, n1, ids2[i]));
		else
			assert_string_equal(ids2[i], ids1[i - nnew]);
	}
	ids_free(ids0, n0);
	ids_free(ids1, n1);
	ids_free(ids2, n2);
	fixture_free(f);
}

/* Without a manual clock the demo's own timer releases followers as time passes. */
static void
test_realtime(void **state)
{
	struct demo_opts o;
	struct fixture *f;
	struct demo_stats st;
	int done = 0;
	time_t until;

	(void)state;
	demo_defaults(&o);
	o.audience = 10;
	o.organic_per_min = 1200;
	o.purchase_size = 0;
	f = fixture_new(&o);
	until = time(NULL) + TIMEOUT_S;
	while (!done && time(NULL) < until) {
		event_base_loop(f->base, EVLOOP_ONCE);
		demo_stats(f->demo, &st);
		done = st.followers > 12;
	}
	assert_true(done);
	demo_stats(f->demo, &st);
	assert_true(credentials_count(f) >= st.followers);
	fixture_free(f);
}

static void
test_rate_limit(void **state)
{
	struct demo_opts o = manual_opts(10, 0, 60, 0);
	struct fixture *f = fixture_new(&o);
	struct resp r = { 0 };
	char *reset = NULL;
	int i, tries;

	(void)state;
	/* A window boundary may fall inside the burst of requests: then count again. */
	for (tries = 0; tries < 3; tries++) {
		for (i = 0; i < 301; i++) {
			get(f, "/api/v1/accounts/lookup?acct=demo", NULL, &r);
			if (i == 0) {
				free(reset);
				reset = xstrdup(r.rl_reset);
			}
		}
		if (strcmp(reset, r.rl_reset) == 0)
			break;
	}
	assert_int_equal(r.status, 429);
	assert_string_equal(r.body, "{\"error\":\"Too many requests\"}");
	assert_string_equal(r.rl_remaining, "0");
	free(reset);
	resp_clear(&r);
	fixture_free(f);
}

static void
test_bad_opts(void **state)
{
	struct demo_opts o;
	struct event_base *base = event_base_new();
	char err[256];

	(void)state;
	demo_defaults(&o);
	o.audience = -1;
	assert_null(demo_start(base, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "audience"));
	demo_defaults(&o);
	o.organic_per_min = 0.0 / 0.0;
	assert_null(demo_start(base, &o, err, sizeof(err)));
	demo_defaults(&o);
	o.purchase_after = -5;
	assert_null(demo_start(base, &o, err, sizeof(err)));
	demo_defaults(&o);
	o.purchase_size = -5;
	assert_null(demo_start(base, &o, err, sizeof(err)));
	demo_free(NULL);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_paging_exact),
		cmocka_unit_test(test_provider),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_realtime),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_bad_opts),
	};

	log_init("test_demo", 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
