/*
 * The embedded demo platform. See demo.h and docs/demo.md.
 *
 * The followers come from the simulator's own output (the replay format, parsed back), so the
 * demo shows exactly the populations the detector is tested on: the initial audience and a
 * purchased "fresh" order from one run starting now, organic arrivals from a second run that
 * ends now (so no account is created after it follows). Every follower's Account object is
 * built once, with jansson, when the follower is generated, and kept as text: a page is then
 * the concatenation of up to 80 strings, and memory stays about 1 KB per follower.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "demo.h"
#include "log.h"
#include "simulate.h"
#include "timeutil.h"
#include "xmalloc.h"

#define DEMO_HANDLE		"demo"
#define DEMO_ID			"109000000000000001"
#define DEMO_CREATED		"2017-04-02T10:11:12Z"
#define DEFAULT_CREATED		INT64_C(1577836800)	/* 2020-01-01, as the fixture */
#define FIRST_FOLLOW_ID		INT64_C(104000)
#define PURCHASE_SPREAD		30.0	/* seconds over which the burst is released */
#define TICK_MS			500
#define RATE_LIMIT		300
#define RATE_WINDOW		300	/* seconds, windows aligned to the epoch */
#define LIMIT_DEFAULT		40
#define LIMIT_MAX		80
#define ORGANIC_AUDIENCE	2000	/* of the organic pool's run: its rate scales with it */
#define ORGANIC_DAYS		365
#define ORGANIC_MAX		6000.0	/* per minute */
#define REFILLS_MAX		3	/* empty organic refills in a row before giving up */
#define JSON_TYPE		"application/json; charset=utf-8"

struct row {
	int64_t	 fid;		/* follow-row id, increasing with the follow's time */
	char	*account;	/* the follower's Account object, JSON text */
};

/* A stack of Account texts waiting to follow. */
struct pool {
	char	**v;
	size_t	  n, cap, next;	/* next: first not taken (purchase pool) */
};

struct demo {
	struct event_base	*base;
	struct evhttp		*http;
	struct event		*timer;
	struct demo_opts	 o;
	int			 port;
	char			 token[48];
	char			 base_url[32];
	json_t			*me;		/* the demo account's profile */
	int64_t			 start;		/* wall clock at the start */

	struct row		*rows;		/* followers, oldest follow first */
	size_t			 nrows, caprows;
	int64_t			 next_fid;

	/* Every id ever generated: a follower cannot follow twice, runs may collide. */
	char			**ids;
	size_t			 idcap, nids;

	struct pool		 organic;	/* taken from the end: most recent first */
	struct pool		 purchase;	/* taken from the front */
	unsigned		 refills;	/* organic runs so far */
	unsigned		 empty_refills;
	int			 organic_off;

	double			 t;		/* demo seconds since the start */
	double			 next_organic;	/* demo time of the next organic */
	struct timespec		 last;		/* monotonic time of the last tick */
	uint64_t		 rng;

	int64_t			 norganic, npurchased;
	uint64_t		 requests, throttled;
	int64_t			 rl_window;	/* current rate-limit window */
	int64_t			 rl_count;
};

/* A string being built. */
struct sbuf {
	char	*p;
	size_t	 len, cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* html.escape: &, <, > always, quotes only in attribute values. */
static void
sb_html(struct sbuf *b, const char *s, size_t n, int quote)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			sb_str(b, "&amp;");
			break;
		case '<':
			sb_str(b, "&lt;");
			break;
		case '>':
			sb_str(b, "&gt;");
			break;
		case '"':
			sb_str(b, quote ? "&quot;" : "\"");
			break;
		case '\'':
			sb_str(b, quote ? "&#x27;" : "'");
			break;
		case '\n':
			/* Only inside a paragraph of a bio: line breaks stay visible. */
			sb_str(b, quote ? "\n" : "<br />");
			break;
		default:
			sb_add(b, s + i, 1);
		}
	}
}

/*
 * The demo's own generator, for the organic arrival times only (the followers themselves come
 * from the simulator): splitmix64, seeded from the options.
 */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double
rng_unif(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

/* FNV-1a: stable names for avatars and handle-less accounts, not security. */
static uint64_t
fnv(const char *s, const char *salt)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	if (salt != NULL) {
		h *= UINT64_C(0x100000001b3);	/* the '\0' between */
		for (p = (const unsigned char *)salt; *p != '\0'; p++)
			h = (h ^ *p) * UINT64_C(0x100000001b3);
	}
	return h;
}

/* ---- ids ----------------------------------------------------------------------------- */

/* Adds id; 0 if it was new, 1 if already seen. */
static int
ids_add(struct demo *d, const char *id)
{
	char **old;
	size_t i, k, oldcap;

	if ((d->nids + 1) * 2 > d->idcap) {
		old = d->ids;
		oldcap = d->idcap;
		d->idcap = oldcap ? oldcap * 2 : 1024;
		d->ids = xcalloc(d->idcap, sizeof(*d->ids));
		for (k = 0; k < oldcap; k++) {
			if (old[k] == NULL)
				continue;
			i = fnv(old[k], NULL) & (d->idcap - 1);
			while (d->ids[i] != NULL)
				i = (i + 1) & (d->idcap - 1);
			d->ids[i] = old[k];
		}
		free(old);
	}
	i = fnv(id, NULL) & (d->idcap - 1);
	while (d->ids[i] != NULL) {
		if (strcmp(d->ids[i], id) == 0)
			return 1;
		i = (i + 1) & (d->idcap - 1);
	}
	d->ids[i] = xstrdup(id);
	d->nids++;
	return 0;
}

/* ---- Account objects --------------------------------------------------------------- */

/* "YYYY-MM-DD" followed by suffix. */
static void
format_day(int64_t t, const char *suffix, char *buf, size_t len)
{
	int64_t days = t / 86400, y;
	unsigned m, dd;

	if (t % 86400 < 0)
		days--;
	time_civil_from_days(days, &y, &m, &dd);
	snprintf(buf, len, "%04lld-%02u-%02u%s", (long long)y, m, dd, suffix);
}

static const char *
pstring(const json_t *p, const char *key)
{
	const char *s = json_string_value(json_object_get(p, key));

	return s != NULL ? s : "";
}

static json_int_t
pcount(const json_t *p, const char *key)
{
	const json_t *v = json_object_get(p, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : 0;
}

static int64_t
ptime(const json_t *p, const char *key)
{
	const char *s = json_string_value(json_object_get(p, key));
	int64_t t;

	if (s == NULL || time_parse_rfc3339(s, &t) == -1)
		return FG_TIME_UNKNOWN;
	return t;
}

/* Mastodon usernames are [A-Za-z0-9_]; the fixture maps handles the same way. */
static char *
username(const char *pid, const char *handle)
{
	const unsigned char *p;
	char *u, buf[32];
	size_t i;

	if (*handle == '\0') {
		snprintf(buf, sizeof(buf), "user%08llx",
		    (unsigned long long)(fnv(pid, NULL) & 0xffffffffu));
		return xstrdup(buf);
	}
	/* One '_' per character, as the fixture's regex: UTF-8 continuation bytes are dropped. */
	u = xmalloc(strlen(handle) + 1);
	for (i = 0, p = (const unsigned char *)handle; *p != '\0'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;
		u[i++] = *p < 0x80 && (isalnum(*p) || *p == '_') ? (char)*p : '_';
	}
	u[i] = '\0';
	return u;
}

/* Paperclip's layout: the id's digits in groups of three, then a digest as the name. */
static void
avatar_url(const struct demo *d, const char *pid, int is_default, struct sbuf *b)
{
	char digits[32], padded[40];
	size_t i, n, pad;
	const char *p;

	sb_str(b, d->base_url);
	if (is_default) {
		sb_str(b, "/avatars/original/missing.png");
		return;
	}
	for (p = pid; *p != '\0' && isdigit((unsigned char)*p); p++)
		;
	if (*pid != '\0' && *p == '\0' && strlen(pid) < sizeof(digits))
		snprintf(digits, sizeof(digits), "%s", pid);
	else
		snprintf(digits, sizeof(digits), "%llu",
		    (unsigned long long)(fnv(pid, NULL) >> 16));
	n = strlen(digits);
	pad = (n + 2) / 3 * 3 - n;
	memset(padded, '0', pad);
	memcpy(padded + pad, digits, n + 1);
	sb_str(b, "/system/accounts/avatars/");
	for (i = 0; i < n + pad; i += 3) {
		if (i > 0)
			sb_str(b, "/");
		sb_add(b, padded + i, 3);
	}
	snprintf(digits, sizeof(digits), "/original/%016llx.png",
	    (unsigned long long)fnv(pid, "a"));
	sb_str(b, digits);
}

/* The bio as Mastodon's note: paragraphs on blank lines, <br /> within, text escaped. */
static char *
note_html(const char *bio)
{
	struct sbuf b = { NULL, 0, 0 };
	const char *p = bio, *e;

	sb_str(&b, "");
	if (*bio == '\0')
		return b.p;
	for (;;) {
		e = strstr(p, "\n\n");
		sb_str(&b, "<p>");
		sb_html(&b, p, e != NULL ? (size_t)(e - p) : strlen(p), 0);
		sb_str(&b, "</p>");
		if (e == NULL)
			break;
		p = e + 2;
	}
	return b.p;
}

static json_t *
account_fields(const json_t *p, int64_t created)
{
	json_t *fields = json_array();
	const char *url = pstring(p, "url"), *loc = pstring(p, "location");
	struct sbuf b = { NULL, 0, 0 };
	char when[40];

	if (*url != '\0') {
		sb_str(&b, "<a href=\"");
		sb_html(&b, url, strlen(url), 1);
		sb_str(&b, "\" target=\"_blank\" rel=\"nofollow noopener me\" translate=\"no\">");
		sb_html(&b, url, strlen(url), 1);
		sb_str(&b, "</a>");
		format_day(created, "T00:00:00.000Z", when, sizeof(when));
		json_array_append_new(fields, json_pack("{s:s, s:s, s:o}", "name", "Website",
		    "value", b.p, "verified_at", json_is_true(json_object_get(p, "verified")) ?
		    json_string(when) : json_null()));
		b.len = 0;
	}
	if (*loc != '\0') {
		sb_str(&b, "");
		sb_html(&b, loc, strlen(loc), 1);
		json_array_append_new(fields, json_pack("{s:s, s:s, s:n}", "name", "Location",
		    "value", b.p, "verified_at"));
	}
	free(b.p);
	return fields;
}

/*
 * A normalized profile as a Mastodon Account, mapped as tests/fixture/platforms.py maps it
 * (the attributes in the serializer's order). followers < 0: the profile's own count.
 */
static json_t *
account_build(const struct demo *d, const json_t *p, int64_t followers)
{
	const char *pid = pstring(p, "id");
	int64_t created = ptime(p, "created_at"), last = ptime(p, "last_post_at");
	json_int_t posts = pcount(p, "posts_count");
	struct sbuf avatar = { NULL, 0, 0 }, url = { NULL, 0, 0 }, uri = { NULL, 0, 0 },
	    header = { NULL, 0, 0 };
	char *user, *note, created_s[40], last_s[16];
	json_t *a;

	if (created == FG_TIME_UNKNOWN)
		created = DEFAULT_CREATED;
	format_day(created, "T00:00:00.000Z", created_s, sizeof(created_s));
	if (last != FG_TIME_UNKNOWN)
		format_day(last, "", last_s, sizeof(last_s));
	user = username(pid, pstring(p, "handle"));
	note = note_html(pstring(p, "bio"));
	avatar_url(d, pid, json_is_true(json_object_get(p, "avatar_default")), &avatar);
	sb_str(&url, d->base_url);
	sb_str(&url, "/@");
	sb_str(&url, user);
	sb_str(&uri, d->base_url);
	sb_str(&uri, "/users/");
	sb_str(&uri, user);
	sb_str(&header, d->base_url);
	sb_str(&header, "/headers/original/missing.png");

	a = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:s, s:s, s:s, s:s,"
	    " s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:b, s:b, s:[], s:[], s:o}",
	    "id", pid, "username", user, "acct", user,
	    "display_name", pstring(p, "display_name"),
	    "locked", json_is_true(json_object_get(p, "locked")),
	    "bot", json_is_true(json_object_get(p, "bot")),
	    "discoverable", 1, "indexable", 0, "group", 0,
	    "created_at", created_s, "note", note, "url", url.p, "uri", uri.p,
	    "avatar", avatar.p, "avatar_static", avatar.p, "avatar_description", "",
	    "header", header.p, "header_static", header.p, "header_description", "",
	    "followers_count", (json_int_t)(followers >= 0 ? followers :
	    pcount(p, "followers_count")),
	    "following_count", pcount(p, "following_count"),
	    "statuses_count", posts,
	    "last_status_at", last != FG_TIME_UNKNOWN && posts > 0 ? json_string(last_s) :
	    json_null(),
	    "hide_collections", 0, "noindex", 0, "emojis", "roles",
	    "fields", account_fields(p, created));
	if (a == NULL)
		fatalx("demo: cannot build an account");
	free(user);
	free(note);
	free(avatar.p);
	free(url.p);
	free(uri.p);
	free(header.p);
	return a;
}

static char *
account_text(const struct demo *d, const json_t *p)
{
	json_t *a = account_build(d, p, -1);
	char *s = json_dumps(a, JSON_COMPACT);

	json_decref(a);
	if (s == NULL)
		fatalx("demo: cannot serialize an account");
	return s;
}

/* ---- the simulator's output ---------------------------------------------------------- */

enum sim_use { USE_INITIAL = 1 << 0, USE_ORDER = 1 << 1, USE_ORGANIC = 1 << 2 };

static void
pool_push(struct pool *p, char *s)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->v = xreallocarray(p->v, p->cap, sizeof(*p->v));
	}
	p->v[p->n++] = s;
}

static void
pool_clear(struct pool *p)
{
	size_t i;

	for (i = p->next; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static void
follow_add(struct demo *d, char *account)
{
	if (d->nrows == d->caprows) {
		d->caprows = d->caprows ? d->caprows * 2 : 1024;
		d->rows = xreallocarray(d->rows, d->caprows, sizeof(*d->rows));
	}
	d->rows[d->nrows].fid = d->next_fid++;
	d->rows[d->nrows].account = account;
	d->nrows++;
}

/* One poll's follows, held until the poll ends: the simulator lists them newest first. */
struct pending {
	char		 t[40];
	struct {
		char	*account;
		int	 use;
	}		*v;
	size_t		 n, cap;
};

static void
pending_flush(struct demo *d, struct pending *pe, int64_t *norder, int64_t maxorder)
{
	size_t i;

	for (i = pe->n; i-- > 0; ) {
		if (pe->v[i].use == USE_INITIAL)
			follow_add(d, pe->v[i].account);
		else if (pe->v[i].use == USE_ORDER && *norder < maxorder) {
			pool_push(&d->purchase, pe->v[i].account);
			(*norder)++;
		} else if (pe->v[i].use == USE_ORGANIC)
			pool_push(&d->organic, pe->v[i].account);
		else
			free(pe->v[i].account);
	}
	pe->n = 0;
}

/*
 * Runs the simulator into memory and keeps the follows of the kinds in `use`, oldest first:
 * initial followers become followers at once, order and organic follows go to their pools.
 */
static int
sim_collect(struct demo *d, const struct fg_sim_opts *so, int use, int64_t maxorder,
    char *err, size_t errlen)
{
	struct pending pe;
	json_error_t jerr;
	char *text = NULL, *line, *nl, *end;
	const char *type, *src, *t, *id;
	size_t len = 0;
	int64_t norder = 0;
	json_t *ev, *prof;
	FILE *f;
	int u, rc;

	if ((f = open_memstream(&text, &len)) == NULL) {
		snprintf(err, errlen, "open_memstream: %s", strerror(errno));
		return -1;
	}
	rc = simulate_run(so, f);
	if (fclose(f) == EOF)
		rc = -1;
	if (rc == -1) {
		snprintf(err, errlen, "the simulator failed");
		free(text);
		return -1;
	}
	memset(&pe, 0, sizeof(pe));
	end = text + len;
	for (line = text; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		if ((ev = json_loadb(line, (size_t)(nl - line), 0, &jerr)) == NULL)
			continue;
		type = json_string_value(json_object_get(ev, "type"));
		src = json_string_value(json_object_get(ev, "src"));
		t = json_string_value(json_object_get(ev, "t"));
		prof = json_object_get(ev, "profile");
		id = json_string_value(json_object_get(prof, "id"));
		if (type == NULL || strcmp(type, "follow") != 0 || src == NULL || t == NULL ||
		    id == NULL || *id == '\0') {
			json_decref(ev);
			continue;
		}
		if (strcmp(src, "initial") == 0)
			u = USE_INITIAL;
		else if (strncmp(src, "order:", 6) == 0)
			u = USE_ORDER;
		else if (strcmp(src, "organic") == 0)
			u = USE_ORGANIC;
		else
			u = 0;
		if ((u & use) == 0 || ids_add(d, id) == 1) {
			json_decref(ev);
			continue;
		}
		if (strcmp(t, pe.t) != 0) {
			pending_flush(d, &pe, &norder, maxorder);
			snprintf(pe.t, sizeof(pe.t), "%s", t);
		}
		if (pe.n == pe.cap) {
			pe.cap = pe.cap ? pe.cap * 2 : 256;
			pe.v = xreallocarray(pe.v, pe.cap, sizeof(*pe.v));
		}
		pe.v[pe.n].account = account_text(d, prof);
		pe.v[pe.n].use = u;
		pe.n++;
		json_decref(ev);
	}
	pending_flush(d, &pe, &norder, maxorder);
	free(pe.v);
	free(text);
	return 0;
}

/* The initial audience and the purchased order: one history starting now. */
static int
sim_initial(struct demo *d, char *err, size_t errlen)
{
	struct fg_sim_opts so;
	struct fg_sim_inject order;
	int64_t base;

	if (d->o.audience == 0 && d->o.purchase_size == 0)
		return 0;
	base = d->o.audience > 0 ? d->o.audience : d->o.purchase_size;
	simulate_defaults(&so);
	so.seed = d->o.seed;
	so.audience = base;
	so.start = d->start;
	so.events = 0;
	so.force = 0;
	so.watch = DEMO_HANDLE;
	so.platform = FG_SIM_MASTODON;
	so.plain_text = 1;	/* the quick start shows a purchase, not hostile text */
	so.days = 0;
	if (d->o.purchase_size > 0) {
		/*
		 * A fresh batch delivered within the hour: the most common purchase, and the one
		 * the quick start should show. A little extra is asked for because the vendor's
		 * size is rounded; only purchase_size are kept.
		 */
		memset(&order, 0, sizeof(order));
		order.kind = FG_SIM_PURCHASE;
		order.speed = FG_SIM_HOUR;
		order.style = FG_SIM_FRESH;
		order.day = 0;
		order.size_pct = 100.0 * (double)(d->o.purchase_size + 2) / (double)base;
		so.inject = &order;
		so.ninject = 1;
		so.days = 1;
	}
	if (sim_collect(d, &so, (d->o.audience > 0 ? USE_INITIAL : 0) | USE_ORDER,
	    d->o.purchase_size, err, errlen) == -1)
		return -1;
	if (d->purchase.n < (size_t)d->o.purchase_size)
		log_warnx("demo: the purchased burst has %zu accounts, not %lld",
		    d->purchase.n, (long long)d->o.purchase_size);
	return 0;
}

/*
 * A year of organic arrivals ending now, so every account exists before it follows. The run's
 * own audience is fixed: only the profiles are used, the pace is the demo's.
 */
static void
sim_organic(struct demo *d)
{
	struct fg_sim_opts so;
	char err[256];

	pool_clear(&d->organic);
	simulate_defaults(&so);
	so.seed = d->o.seed ^ (UINT64_C(0x6f7267616e696300) + d->refills++);
	so.audience = ORGANIC_AUDIENCE;
	so.days = ORGANIC_DAYS;
	so.poll_interval = 86400;
	so.start = d->start - (int64_t)ORGANIC_DAYS * 86400;
	so.events = FG_SIM_ORGANIC;
	so.force = 0;
	so.watch = DEMO_HANDLE;
	so.platform = FG_SIM_MASTODON;
	so.plain_text = 1;
	if (sim_collect(d, &so, USE_ORGANIC, 0, err, sizeof(err)) == -1)
		log_warnx("demo: organic followers: %s", err);
}

/* ---- release ------------------------------------------------------------------------- */

static double
organic_gap(struct demo *d)
{
	/* 0.5 to 1.5 times the mean gap: steady like organic growth, never in lockstep. */
	return 60.0 / d->o.organic_per_min * (0.5 + rng_unif(&d->rng));
}

static int
organic_take(struct demo *d)
{
	if (d->organic_off)
		return -1;
	if (d->organic.n == 0) {
		sim_organic(d);
		if (d->organic.n == 0) {
			if (++d->empty_refills >= REFILLS_MAX) {
				log_warnx("demo: no more organic followers");
				d->organic_off = 1;
			}
			return -1;
		}
		d->empty_refills = 0;
	}
	follow_add(d, d->organic.v[--d->organic.n]);
	d->norganic++;
	return 0;
}

/* When the k-th purchased follower is due: spread evenly over PURCHASE_SPREAD seconds. */
static double
purchase_due(const struct demo *d, size_t k)
{
	return d->o.purchase_after + PURCHASE_SPREAD * (double)k / (double)d->purchase.n;
}

/* Advances demo time, releasing follows in the order they are due. */
static void
demo_advance(struct demo *d, double dt)
{
	double tp;

	if (!(dt > 0))
		return;
	d->t += dt;
	for (;;) {
		tp = d->purchase.next < d->purchase.n ?
		    purchase_due(d, d->purchase.next) : HUGE_VAL;
		if (!d->organic_off && d->o.organic_per_min > 0 && d->next_organic <= d->t &&
		    d->next_organic <= tp) {
			organic_take(d);
			d->next_organic += organic_gap(d);
		} else if (tp <= d->t) {
			if (d->purchase.next == 0)
				log_info("demo: the purchased burst of %zu followers starts",
				    d->purchase.n);
			follow_add(d, d->purchase.v[d->purchase.next]);
			d->purchase.v[d->purchase.next++] = NULL;
			d->npurchased++;
		} else
			break;
	}
}

static void
demo_timer(evutil_socket_t fd, short what, void *arg)
{
	struct demo *d = arg;
	struct timespec now;
	double dt;

	(void)fd;
	(void)what;
	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - d->last.tv_sec) + (double)(now.tv_nsec - d->last.tv_nsec) /
	    1e9;
	d->last = now;
	demo_advance(d, dt);
}

/* ---- HTTP ---------------------------------------------------------------------------- */

static void
reply_text(struct evhttp_request *req, int status, const char *reason, const char *body)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", JSON_TYPE);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	evhttp_send_reply(req, status, reason, NULL);
}

static void
reply_json(struct evhttp_request *req, int status, const char *reason, json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT);

	json_decref(obj);
	if (s == NULL)
		fatalx("demo: cannot serialize a reply");
	reply_text(req, status, reason, s);
	free(s);
}

static void
reply_error(struct evhttp_request *req, int status)
{
	const char *reason, *msg;

	switch (status) {
	case 401:
		reason = "Unauthorized";
		msg = "The access token is invalid";
		break;
	case 429:
		reason = "Too Many Requests";
		msg = "Too many requests";
		break;
	default:
		status = 404;
		reason = "Not Found";
		msg = "Record not found";
	}
	reply_json(req, status, reason, json_pack("{s:s}", "error", msg));
}

/*
 * Fixed windows aligned to the epoch, as rack-attack counts; every request counts. 1 if this
 * one is over the limit.
 */
static int
rate_hit(struct demo *d, struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	int64_t now = time_now(), w = now / RATE_WINDOW;
	char buf[64], reset[FG_RFC3339_LEN];

	if (w != d->rl_window) {
		d->rl_window = w;
		d->rl_count = 0;
	}
	d->rl_count++;
	snprintf(buf, sizeof(buf), "%d", RATE_LIMIT);
	evhttp_add_header(h, "X-RateLimit-Limit", buf);
	snprintf(buf, sizeof(buf), "%lld", (long long)(d->rl_count >= RATE_LIMIT ? 0 :
	    RATE_LIMIT - d->rl_count));
	evhttp_add_header(h, "X-RateLimit-Remaining", buf);
	time_format_rfc3339((w + 1) * RATE_WINDOW, reset);
	reset[strlen(reset) - 1] = '\0';	/* Mastodon's ISO 8601 has microseconds */
	snprintf(buf, sizeof(buf), "%s.000000Z", reset);
	evhttp_add_header(h, "X-RateLimit-Reset", buf);
	return d->rl_count > RATE_LIMIT;
}

enum auth { AUTH_NONE, AUTH_OK, AUTH_BAD };

static enum auth
auth_check(const struct demo *d, struct evhttp_request *req)
{
	const char *a, *e;
	size_t n, i, tl = strlen(d->token);
	unsigned char diff = 0;

	a = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (a == NULL)
		return AUTH_NONE;
	if (strncasecmp(a, "Bearer ", 7) != 0)
		return AUTH_BAD;
	for (a += 7; *a == ' ' || *a == '\t'; a++)
		;
	for (e = a + strlen(a); e > a && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	n = (size_t)(e - a);
	if (n != tl)
		return AUTH_BAD;
	/* In constant time: the demo's token is a token like any other. */
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ d->token[i]);
	return diff == 0 ? AUTH_OK : AUTH_BAD;
}

static json_t *
demo_me(const struct demo *d)
{
	return account_build(d, d->me, (int64_t)d->nrows);
}

static void
serve_credentials(struct demo *d, struct evhttp_request *req)
{
	json_t *a = demo_me(d);

	json_object_set_new(a, "source", json_pack("{s:s, s:b, s:s, s:s, s:[], s:i, s:b, s:b,"
	    " s:b, s:[]}", "privacy", "public", "sensitive", 0, "language", "",
	    "note", pstring(d->me, "bio"), "fields", "follow_requests_count", 0,
	    "hide_collections", 0, "discoverable", 1, "indexable", 0, "attribution_domains"));
	json_object_set_new(a, "role", json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", "-99",
	    "name", "", "permissions", "65536", "color", "", "highlighted", 0));
	reply_json(req, 200, "OK", a);
}

/* acct=demo, @demo, demo@127.0.0.1 or demo@localhost (a port may follow). */
static int
lookup_match(const char *acct)
{
	const char *at;
	size_t n;

	if (acct == NULL)
		return 0;
	if (*acct == '@')
		acct++;
	n = (at = strchr(acct, '@')) != NULL ? (size_t)(at - acct) : strlen(acct);
	if (at != NULL && strncmp(at + 1, "127.0.0.1", 9) != 0 &&
	    strncmp(at + 1, "localhost", 9) != 0)
		return 0;
	return n == strlen(DEMO_HANDLE) && strncasecmp(acct, DEMO_HANDLE, n) == 0;
}

/* Ruby's String#to_i, which Mastodon applies to limit, max_id and since_id. */
static int64_t
ruby_to_i(const char *s)
{
	int64_t v = 0;
	int neg = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; isdigit((unsigned char)*s); s++)
		v = v > (INT64_MAX - 9) / 10 ? INT64_MAX : v * 10 + (*s - '0');
	return neg ? -v : v;
}

/* The first row whose follow id is >= fid (or > fid when after is set). */
static size_t
row_bound(const struct demo *d, int64_t fid, int after)
{
	size_t lo = 0, hi = d->nrows, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (d->rows[mid].fid < fid || (after && d->rows[mid].fid == fid))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Newest follow first, rows with follow id < max_id and > since_id. Links as Mastodon's
 * LinkHeader writes them: next only on a full page, prev on any non-empty one, only limit
 * carried over.
 */
static void
serve_followers(struct demo *d, struct evhttp_request *req, struct evkeyvalq *q)
{
	const char *raw_limit = evhttp_find_header(q, "limit");
	const char *max_id = evhttp_find_header(q, "max_id");
	const char *since_id = evhttp_find_header(q, "since_id");
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct sbuf url = { NULL, 0, 0 }, link = { NULL, 0, 0 };
	int64_t limit, v;
	size_t hi, lo, i, n;
	char *enc, num[32];

	if (raw_limit == NULL || *raw_limit == '\0')
		limit = LIMIT_DEFAULT;
	else {
		v = ruby_to_i(raw_limit);
		v = v < 0 ? -v : v;
		limit = v < LIMIT_MAX ? v : LIMIT_MAX;
	}
	hi = max_id != NULL && *max_id != '\0' ? row_bound(d, ruby_to_i(max_id), 0) : d->nrows;
	lo = since_id != NULL && *since_id != '\0' ? row_bound(d, ruby_to_i(since_id), 1) : 0;
	n = hi > lo ? hi - lo : 0;
	if (n > (size_t)limit)
		n = (size_t)limit;

	evbuffer_add(out, "[", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			evbuffer_add(out, ",", 1);
		evbuffer_add(out, d->rows[hi - 1 - i].account, strlen(d->rows[hi - 1 - i].account));
	}
	evbuffer_add(out, "]", 1);

	if (n > 0) {
		sb_str(&url, "<");
		sb_str(&url, d->base_url);
		sb_str(&url, "/api/v1/accounts/" DEMO_ID "/followers?");
		if (raw_limit != NULL && *raw_limit != '\0') {
			if ((enc = evhttp_uriencode(raw_limit, -1, 0)) == NULL)
				fatalx("demo: out of memory");
			sb_str(&url, "limit=");
			sb_str(&url, enc);
			sb_str(&url, "&");
			free(enc);
		}
		if (n == (size_t)limit) {
			snprintf(num, sizeof(num), "max_id=%lld>; rel=\"next\", ",
			    (long long)d->rows[hi - n].fid);
			sb_add(&link, url.p, url.len);
			sb_str(&link, num);
		}
		snprintf(num, sizeof(num), "since_id=%lld>; rel=\"prev\"",
		    (long long)d->rows[hi - 1].fid);
		sb_add(&link, url.p, url.len);
		sb_str(&link, num);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Link", link.p);
		free(url.p);
		free(link.p);
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", JSON_TYPE);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void
demo_request(struct evhttp_request *req, void *arg)
{
	static const char prefix[] = "/api/v1/accounts/";
	struct demo *d = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct evkeyvalq q;
	enum auth auth;
	enum { R_NONE, R_CREDENTIALS, R_ME, R_FOLLOWERS } route;

	d->requests++;
	if (rate_hit(d, req)) {
		d->throttled++;
		reply_error(req, 429);
		return;
	}
	if ((cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) || path == NULL ||
	    strncmp(path, prefix, sizeof(prefix) - 1) != 0) {
		reply_error(req, 404);
		return;
	}
	path += sizeof(prefix) - 1;
	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) == -1) {
		evhttp_clear_headers(&q);
		TAILQ_INIT(&q);
	}
	/*
	 * Routes first, as Rails does: an unknown path is 404 whatever the token. The own
	 * account needs a token; elsewhere, one that is sent must be valid.
	 */
	if (strcmp(path, "verify_credentials") == 0)
		route = R_CREDENTIALS;
	else if (strcmp(path, "lookup") == 0)
		route = lookup_match(evhttp_find_header(&q, "acct")) ? R_ME : R_NONE;
	else if (strcmp(path, DEMO_ID) == 0)
		route = R_ME;
	else if (strcmp(path, DEMO_ID "/followers") == 0)
		route = R_FOLLOWERS;
	else
		route = R_NONE;
	auth = auth_check(d, req);
	if (route == R_NONE && strcmp(path, "lookup") != 0)
		reply_error(req, 404);
	else if (auth == AUTH_BAD || (auth == AUTH_NONE && route == R_CREDENTIALS))
		reply_error(req, 401);
	else if (route == R_CREDENTIALS)
		serve_credentials(d, req);
	else if (route == R_ME)
		reply_json(req, 200, "OK", demo_me(d));
	else if (route == R_FOLLOWERS)
		serve_followers(d, req, &q);
	else
		reply_error(req, 404);
	evhttp_clear_headers(&q);
}

/* ---- setup --------------------------------------------------------------------------- */

static int
token_make(char *out, size_t outlen)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char r[32];
	size_t i, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (outlen < 44 || getentropy(r, sizeof(r)) == -1)
		return -1;
	for (i = 0; i < sizeof(r); i++) {
		acc = (acc << 8) | r[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = b64[(acc << (6 - bits)) & 63];
	out[o] = '\0';
	explicit_bzero(r, sizeof(r));
	return 0;
}

static int
opts_check(const struct demo_opts *o, char *err, size_t errlen)
{
	if (o->audience < 0 || o->audience > DEMO_AUDIENCE_MAX) {
		snprintf(err, errlen, "demo audience must be 0 to %d", DEMO_AUDIENCE_MAX);
		return -1;
	}
	if ((o->purchase_size < 0 && o->purchase_size != DEMO_PURCHASE_AUTO) ||
	    o->purchase_size > DEMO_AUDIENCE_MAX) {
		snprintf(err, errlen, "demo purchase size must be 0 to %d", DEMO_AUDIENCE_MAX);
		return -1;
	}
	if (!(o->organic_per_min >= 0 && o->organic_per_min <= ORGANIC_MAX)) {
		snprintf(err, errlen, "demo organic followers per minute must be 0 to %g",
		    ORGANIC_MAX);
		return -1;
	}
	if (!(o->purchase_after >= 0 && o->purchase_after <= 1e7)) {
		snprintf(err, errlen, "demo purchase delay must be 0 to 10000000 seconds");
		return -1;
	}
	return 0;
}

void
demo_defaults(struct demo_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->audience = 2000;
	o->organic_per_min = 4;
	o->purchase_after = 60;
	o->purchase_size = DEMO_PURCHASE_AUTO;
	o->seed = 1;
}

struct demo *
demo_start(struct event_base *base, const struct demo_opts *opts, char *err, size_t errlen)
{
	struct evhttp_bound_socket *bound;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct timeval tv = { TICK_MS / 1000, (TICK_MS % 1000) * 1000 };
	struct demo *d;
	char created[40];

	d = xcalloc(1, sizeof(*d));
	if (opts != NULL)
		d->o = *opts;
	else
		demo_defaults(&d->o);
	if (opts_check(&d->o, err, errlen) == -1)
		goto fail;
	if (d->o.purchase_size == DEMO_PURCHASE_AUTO)
		d->o.purchase_size = d->o.audience / 4;
	d->base = base;
	d->next_fid = FIRST_FOLLOW_ID;
	d->rl_window = -1;
	d->rng = d->o.seed ^ UINT64_C(0x64656d6f);
	d->start = time_now();
	if (token_make(d->token, sizeof(d->token)) == -1) {
		snprintf(err, errlen, "demo token: %s", strerror(errno));
		goto fail;
	}

	if ((d->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "demo: evhttp_new failed");
		goto fail;
	}
	evhttp_set_allowed_methods(d->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_OPTIONS);
	evhttp_set_max_headers_size(d->http, 16384);
	evhttp_set_max_body_size(d->http, 65536);
	evhttp_set_timeout(d->http, 60);
	evhttp_set_gencb(d->http, demo_request, d);
	if ((bound = evhttp_bind_socket_with_handle(d->http, "127.0.0.1", 0)) == NULL) {
		snprintf(err, errlen, "demo: cannot listen on 127.0.0.1: %s", strerror(errno));
		goto fail;
	}
	memset(&sin, 0, sizeof(sin));
	if (getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&sin,
	    &slen) == -1) {
		snprintf(err, errlen, "demo: getsockname: %s", strerror(errno));
		goto fail;
	}
	d->port = ntohs(sin.sin_port);
	snprintf(d->base_url, sizeof(d->base_url), "http://127.0.0.1:%d", d->port);

	time_format_rfc3339(d->start, created);
	d->me = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:i, s:i, s:s, s:s, s:b, s:b, s:b}",
	    "id", DEMO_ID, "handle", DEMO_HANDLE, "display_name", "Demo",
	    "bio", "The watched account.\nfollowguard demo.", "created_at", DEMO_CREATED,
	    "avatar_default", 0, "following_count", 150, "posts_count", 1200,
	    "last_post_at", created, "url", "https://brand.example", "bot", 0,
	    "verified", 1, "locked", 0);
	if (d->me == NULL)
		fatalx("demo: cannot build the account");

	if (sim_initial(d, err, errlen) == -1)
		goto fail;
	if (d->o.organic_per_min > 0) {
		sim_organic(d);
		d->next_organic = organic_gap(d);
	}
	if (!d->o.manual_clock) {
		if ((d->timer = event_new(base, -1, EV_PERSIST, demo_timer, d)) == NULL ||
		    event_add(d->timer, &tv) == -1) {
			snprintf(err, errlen, "demo: cannot arm the timer");
			goto fail;
		}
		clock_gettime(CLOCK_MONOTONIC, &d->last);
	}
	return d;
fail:
	demo_free(d);
	return NULL;
}

int
demo_port(const struct demo *d)
{
	return d->port;
}

const char *
demo_token(const struct demo *d)
{
	return d->token;
}

const char *
demo_account(const struct demo *d)
{
	(void)d;
	return DEMO_HANDLE;
}

const char *
demo_base_url(const struct demo *d)
{
	return d->base_url;
}

void
demo_tick(struct demo *d, double seconds)
{
	demo_advance(d, seconds);
}

void
demo_stats(const struct demo *d, struct demo_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->elapsed = d->t;
	s->followers = (int64_t)d->nrows;
	s->organic = d->norganic;
	s->purchased = d->npurchased;
	s->purchase_size = (int64_t)d->purchase.n;
	s->requests = d->requests;
	s->throttled = d->throttled;
}

void
demo_free(struct demo *d)
{
	size_t i;

	if (d == NULL)
		return;
	if (d->timer != NULL)
		event_free(d->timer);
	if (d->http != NULL)
		evhttp_free(d->http);
	for (i = 0; i < d->nrows; i++)
		free(d->rows[i].account);
	free(d->rows);
	for (i = 0; i < d->idcap; i++)
		free(d->ids[i]);
	free(d->ids);
	pool_clear(&d->organic);
	pool_clear(&d->purchase);
	json_decref(d->me);
	explicit_bzero(d->token, sizeof(d->token));
	free(d);
}
