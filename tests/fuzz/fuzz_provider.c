/*
 * Fuzzes one platform provider's response parsers (FUZZ_PROVIDER names it: provider_mastodon,
 * provider_bluesky or provider_x) with what a server could send: any status, any headers,
 * any body. What a parser took from the answer (cursors, ids, the resolved account) is then
 * fed to the request builders, as the poller would on the next step.
 *
 * Input: byte 0 picks the step (page, resolve, login, hydrate, remove, unremove), byte 1 the
 * status; the rest is header lines "Name: value" up to an empty line, then the body. For the
 * hydrate step the body is a followers page, an empty line, and the hydration answer.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "provider.h"
#include "xmalloc.h"

#ifndef FUZZ_PROVIDER
#error "FUZZ_PROVIDER must name a provider"
#endif

#define NOW		INT64_C(1767269100)	/* 2026-01-01T12:05:00Z */
#define MAXHEADERS	16

enum step { S_PAGE, S_RESOLVE, S_LOGIN, S_HYDRATE, S_REMOVE, S_UNREMOVE, NSTEPS };

static const long statuses[] = { 200, 201, 204, 400, 401, 403, 404, 429, 500, 503, 0, 302 };

static const struct fg_provider *const P = &FUZZ_PROVIDER;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

static void
account_init(struct fg_account *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->base_url, sizeof(a->base_url), "https://%s.example", P->name);
	snprintf(a->account, sizeof(a->account), "brand.example");
	snprintf(a->id, sizeof(a->id), "did:plc:ewvi7nxzyoun6zhxrhs64oiz");
	a->secret = xstrdup("ZQ8pW3xL0s9vK2mN7bR4tY6uI1oP5aS8dF3gH0jK2lM");
	a->access_jwt = xstrdup("eyJhbGciOiJIUzI1NiJ9.access.sig");
	a->refresh_jwt = xstrdup("eyJhbGciOiJIUzI1NiJ9.refresh.sig");
	a->followers_count = -1;
}

static void
account_free(struct fg_account *a)
{
	free(a->secret);
	free(a->access_jwt);
	free(a->refresh_jwt);
}

/* Builds a request with fields the server chose: it must fit or be refused, never overflow. */
static void
built(int rc, struct fg_request *req)
{
	if (rc == 0 && (memchr(req->url, '\0', sizeof(req->url)) == NULL || req->url[0] == '\0'))
		fuzz_fail("%s: a request was built without a url", P->name);
	request_clear(req);
}

/* The next steps the poller takes with what a page gave. */
static void
follow_page(const struct fg_account *a, struct fg_page *pg)
{
	struct fg_request req;
	char key[14];
	size_t i;

	for (i = 0; i < pg->n; i++)
		fuzz_check_profile(&pg->profiles[i], P->name);
	memset(&req, 0, sizeof(req));
	if (pg->cursor != NULL) {
		built(P->page(a, pg->cursor, &req), &req);
		if (P->following != NULL)
			built(P->following(a, pg->cursor, &req), &req);
	}
	if (P->hydrate != NULL && pg->n > 0)
		built(P->hydrate(a, pg, 0, pg->n < P->hydrate_max ? pg->n : P->hydrate_max, &req),
		    &req);
	for (i = 0; i < pg->n && i < 3; i++) {
		provider_tid(INT64_C(1767269100000000) + (int64_t)i, 7, key);
		built(P->remove(a, pg->profiles[i].id, key, &req), &req);
		if (P->unremove != NULL)
			built(P->unremove(a, pg->profiles[i].id, key, &req), &req);
	}
}

/* Splits "Name: value" lines up to an empty line; returns where the body starts. */
static char *
split_headers(char *s, char *end, struct fg_header *h, size_t *nh)
{
	char *nl, *colon, *v;

	*nh = 0;
	/* No empty line: the whole input is a body without headers. */
	if (s == end || (*s != '\n' && memmem(s, (size_t)(end - s), "\n\n", 2) == NULL))
		return s;
	while (s < end && *s != '\n') {
		nl = memchr(s, '\n', (size_t)(end - s));
		*nl = '\0';
		if ((colon = strchr(s, ':')) != NULL && *nh < MAXHEADERS) {
			*colon = '\0';
			for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
				;
			h[*nh].name = s;
			h[*nh].value = v;
			(*nh)++;
		}
		s = nl + 1;
	}
	return s < end ? s + 1 : s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_header h[MAXHEADERS];
	struct fg_account a;
	struct fg_response r;
	struct fg_ratelimit rl;
	struct fg_request req;
	struct fg_page pg;
	enum fg_presult res;
	enum step step;
	char err[512], *copy, *body, *end, *second;
	size_t nh, from, n;

	if (size < 2)
		return 0;
	err[0] = '\0';
	step = (enum step)(data[0] % NSTEPS);
	/* The input is copied so that the body ends with a NUL, as http.c leaves it. */
	copy = xmalloc(size - 2 + 1);
	memcpy(copy, data + 2, size - 2);
	copy[size - 2] = '\0';
	end = copy + size - 2;
	body = split_headers(copy, end, h, &nh);

	memset(&r, 0, sizeof(r));
	r.status = statuses[data[1] % (sizeof(statuses) / sizeof(statuses[0]))];
	r.body = body;
	r.len = (size_t)(end - body);
	r.headers = h;
	r.nheaders = nh;
	account_init(&a);
	memset(&pg, 0, sizeof(pg));
	memset(&req, 0, sizeof(req));

	P->ratelimit(&r, NOW, &rl);
	(void)response_retry_after(&r, NOW);
	(void)response_classify(&r, &a, "fuzz", err, sizeof(err));

	switch (step) {
	case S_PAGE:
		if (P->parse_page(&a, &r, NOW, &pg, err, sizeof(err)) == FG_P_OK)
			follow_page(&a, &pg);
		break;
	case S_RESOLVE:
		if (P->parse_resolve(&a, &r, err, sizeof(err)) == FG_P_OK) {
			if (memchr(a.id, '\0', sizeof(a.id)) == NULL)
				fuzz_fail("%s: resolve left an id without its NUL", P->name);
			built(P->page(&a, NULL, &req), &req);
		}
		break;
	case S_LOGIN:
		if (P->parse_login != NULL && P->parse_login(&a, &r, err, sizeof(err)) == FG_P_OK)
			built(P->resolve(&a, &req), &req);
		break;
	case S_HYDRATE:
		if (P->parse_hydrate == NULL)
			break;
		/* The page's answer up to an empty line, the hydration's after it. */
		if ((second = memmem(body, r.len, "\n\n", 2)) == NULL)
			break;
		*second = '\0';
		r.len = (size_t)(second - body);
		r.status = 200;
		res = P->parse_page(&a, &r, NOW, &pg, err, sizeof(err));
		if (res != FG_P_OK || pg.n == 0)
			break;
		r.body = second + 2;
		r.len = (size_t)(end - r.body);
		r.status = statuses[data[1] % (sizeof(statuses) / sizeof(statuses[0]))];
		from = (size_t)(data[0] / NSTEPS) % pg.n;
		n = pg.n - from < P->hydrate_max ? pg.n - from : P->hydrate_max;
		if (P->parse_hydrate(&r, &pg, from, n, err, sizeof(err)) == FG_P_OK)
			follow_page(&a, &pg);
		break;
	case S_REMOVE:
		(void)P->parse_remove(&r, err, sizeof(err));
		break;
	case S_UNREMOVE:
		if (P->parse_unremove != NULL)
			(void)P->parse_unremove(&r, err, sizeof(err));
		break;
	case NSTEPS:
		break;
	}
	if (memchr(err, '\0', sizeof(err)) == NULL)
		fuzz_fail("%s: an error message without its NUL", P->name);
	page_free(&pg);
	account_free(&a);
	free(copy);
	return 0;
}
