/*
 * Replay: JSONL events -> polls -> pipeline. Events sharing a time stamp and watch form one
 * poll; a count event closes its poll; a later time stamp closes every open poll. Follows
 * are written a page at a time, so memory is bounded by the page, not the history.
 *
 * Event lines are read with jsonscan, straight into a profile, because building a jansson
 * tree per line cost most of replay's time. Profile fields are validated by profile.c, as
 * for every other reader.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "linereader.h"
#include "log.h"
#include "replay.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

#define ARENA_SIZE	(2 * FG_LINE_MAX + 4096)	/* a page's strings; one line always fits */

struct rwatch {
	char			 name[FG_WATCH_MAX + 1];
	int			 open;
	int64_t			 t;
	char			*arena;		/* strings of the page's events */
	size_t			 used;
	struct fg_profile	 follows[FG_PAGE_MAX];
	size_t			 nfollows;
	const char		*unfollows[FG_PAGE_MAX];
	size_t			 nunfollows;
};

enum etype { E_NONE, E_FOLLOW, E_UNFOLLOW, E_COUNT };

/* One event line, its strings in the scanner's buffer. */
struct event {
	int64_t			 t;
	const char		*ts;
	const char		*watch;
	size_t			 watchlen;
	const char		*type;
	enum etype		 etype;
	struct fg_profile	 profile;
	int			 has_profile;
	const char		*id;
	size_t			 idlen;
	int			 id_ok;
	int64_t			 count;
	int			 count_ok;
	char			 sem[256];	/* first problem other than JSON syntax */
};

struct replay {
	struct fg_pipeline	*pl;
	const char		*name;
	unsigned long		 lineno;
	fg_report_cb		*cb;
	void			*arg;
	struct fg_replay_stats	*st;
	struct rwatch		**watches;
	size_t			 nwatches;
	int64_t			 last_t;
	char			*buf;		/* scanner's string buffer */
	size_t			 bufcap;
};

static void reject(struct replay *, const char *, ...) FG_PRINTF(2, 3);

static void
reject(struct replay *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%lu: ", r->name, r->lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	r->st->rejected++;
}

static void semantic(struct event *, const char *, ...) FG_PRINTF(2, 3);

/* Keeps the first problem; reading goes on so that a JSON syntax error wins. */
static void
semantic(struct event *ev, const char *fmt, ...)
{
	va_list ap;

	if (ev->sem[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(ev->sem, sizeof(ev->sem), fmt, ap);
	va_end(ap);
}

static int
valid_watch(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > FG_WATCH_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

/* Reads the profile object into ev->profile. -1 only on JSON syntax errors. */
static int
scan_profile(struct jscan *js, struct event *ev)
{
	const struct profile_field *f;
	struct fg_profile *p = &ev->profile;
	char err[200];
	const char *key, *s;
	size_t klen, len;
	enum jscan_type type;
	int64_t n;
	int r, integer, rc;

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
		rc = 0;
		switch (type) {
		case JS_ERROR:
			return -1;
		case JS_STRING:
			if (jscan_string(js, &s, &len) == -1)
				return -1;
			rc = profile_field_string(p, f, s, len, err, sizeof(err));
			break;
		case JS_NUMBER:
			if (jscan_number(js, &integer, &n) == -1)
				return -1;
			rc = integer ? profile_field_integer(p, f, n, err, sizeof(err)) :
			    profile_field_other(f, "a number", err, sizeof(err));
			break;
		case JS_TRUE:
		case JS_FALSE:
			if (jscan_literal(js) == -1)
				return -1;
			rc = profile_field_bool(p, f, type == JS_TRUE, err, sizeof(err));
			break;
		default:
			if (jscan_skip(js) == -1)
				return -1;
			rc = profile_field_other(f, jscan_type_name(type), err, sizeof(err));
			break;
		}
		if (rc == -1)
			semantic(ev, "profile: %s", err);
	}
	if (r == -1)
		return -1;
	if (profile_check(p, err, sizeof(err)) == -1)
		semantic(ev, "profile: %s", err);
	return 0;
}

/* Reads one event line. -1 on a JSON syntax error (message in js->err). */
static int
scan_event(struct jscan *js, struct event *ev)
{
	static const char *const keys[] = { "t", "watch", "type", "profile", "id",
	    "followers_count" };
	const char *key, *s;
	size_t klen, len, k;
	unsigned seen = 0;
	enum jscan_type type;
	int64_t n;
	int r, integer;

	memset(ev, 0, sizeof(*ev));
	profile_init(&ev->profile);
	if (jscan_peek(js) != JS_OBJECT) {
		if (jscan_skip(js) == -1 || jscan_end(js) == -1)
			return -1;
		semantic(ev, "event is not a JSON object");
		return 0;
	}
	jscan_object_begin(js);
	while ((r = jscan_object_next(js, &key, &klen)) == 1) {
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strlen(keys[k]) == klen && memcmp(keys[k], key, klen) == 0)
				break;
		if (k < sizeof(keys) / sizeof(keys[0])) {
			if (seen & (1u << k))
				semantic(ev, "duplicate key \"%s\"", keys[k]);
			seen |= 1u << k;
		}
		if ((type = jscan_peek(js)) == JS_ERROR)
			return -1;
		if (k == 3 && type == JS_OBJECT) {
			if (scan_profile(js, ev) == -1)
				return -1;
			ev->has_profile = 1;
			continue;
		}
		if (type == JS_STRING && k <= 4) {
			if (jscan_string(js, &s, &len) == -1)
				return -1;
			switch (k) {
			case 0:
				ev->ts = s;
				break;
			case 1:
				ev->watch = s;
				ev->watchlen = len;
				break;
			case 2:
				ev->type = s;
				break;
			case 4:
				ev->id = s;
				ev->idlen = len;
				ev->id_ok = len > 0 && len <= FG_ID_MAX && strlen(s) == len;
				break;
			}
			continue;
		}
		if (type == JS_NUMBER && k == 5) {
			if (jscan_number(js, &integer, &n) == -1)
				return -1;
			ev->count = n;
			ev->count_ok = integer && n >= 0 && n <= FG_COUNT_MAX;
			continue;
		}
		if (jscan_skip(js) == -1)
			return -1;
	}
	if (r == -1 || jscan_end(js) == -1)
		return -1;
	return 0;
}

static struct rwatch *
rwatch_get(struct replay *r, const char *name)
{
	struct rwatch *w;
	size_t i;

	for (i = 0; i < r->nwatches; i++)
		if (strcmp(r->watches[i]->name, name) == 0)
			return r->watches[i];
	r->watches = xreallocarray(r->watches, r->nwatches + 1, sizeof(*r->watches));
	w = xcalloc(1, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->arena = xmalloc(ARENA_SIZE);
	r->watches[r->nwatches++] = w;
	return w;
}

static int
flush(struct replay *r, struct rwatch *w)
{
	int rc = 0;

	if (w->nfollows > 0 || w->nunfollows > 0)
		rc = pipeline_page(r->pl, w->name, w->t, w->follows, w->nfollows,
		    w->unfollows, w->nunfollows, 0);
	w->nfollows = w->nunfollows = 0;
	w->used = 0;
	return rc;
}

static int
poll_close(struct replay *r, struct rwatch *w, int64_t count)
{
	if (!w->open)
		return 0;
	w->open = 0;
	r->st->polls++;
	if (flush(r, w) == -1)
		return -1;
	return pipeline_poll_end(r->pl, w->name, w->t, count, r->cb, r->arg);
}

static int
close_all(struct replay *r)
{
	size_t i;

	for (i = 0; i < r->nwatches; i++)
		if (poll_close(r, r->watches[i], -1) == -1)
			return -1;
	return 0;
}

/* Copies a string into the watch's page arena (there is room: see keep()). */
static const char *
arena_copy(struct rwatch *w, const char *s)
{
	size_t n;
	char *d;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	d = w->arena + w->used;
	memcpy(d, s, n);
	w->used += n;
	return d;
}

/* Adds the event to its watch's page, flushing the page first when it is full. */
static int
keep(struct replay *r, struct rwatch *w, struct event *ev, size_t linelen)
{
	struct fg_profile *p;

	if (w->nfollows == FG_PAGE_MAX || w->nunfollows == FG_PAGE_MAX ||
	    ARENA_SIZE - w->used < linelen + 8)
		if (flush(r, w) == -1)
			return -1;
	if (ev->etype == E_UNFOLLOW) {
		w->unfollows[w->nunfollows++] = arena_copy(w, ev->id);
		r->st->unfollows++;
		return 0;
	}
	p = &w->follows[w->nfollows++];
	*p = ev->profile;
	p->id = arena_copy(w, p->id);
	p->handle = arena_copy(w, p->handle);
	p->display_name = arena_copy(w, p->display_name);
	p->bio = arena_copy(w, p->bio);
	p->url = arena_copy(w, p->url);
	p->location = arena_copy(w, p->location);
	r->st->follows++;
	return 0;
}

/* Checks and applies one event. Returns 0, 1 if rejected, -1 on a store error. */
static int
apply(struct replay *r, struct event *ev, size_t linelen)
{
	struct rwatch *w;

	if (ev->sem[0] != '\0')
		return reject(r, "%s", ev->sem), 1;
	if (ev->ts == NULL)
		return reject(r, "%s", "\"t\": required RFC 3339 time string missing"), 1;
	if (time_parse_rfc3339(ev->ts, &ev->t) == -1)
		return reject(r, "\"t\": \"%.40s\" is not an RFC 3339 time", ev->ts), 1;
	if (ev->watch == NULL || !valid_watch(ev->watch, ev->watchlen))
		return reject(r, "%s", "\"watch\": expected a name of 1-64 letters, digits, "
		    "'_', '-' or '.'"), 1;
	if (ev->type == NULL)
		return reject(r, "%s", "\"type\": expected \"follow\", \"unfollow\" or \"count\""), 1;
	if (strcmp(ev->type, "follow") == 0) {
		ev->etype = E_FOLLOW;
		if (!ev->has_profile)
			return reject(r, "%s", "\"profile\": expected the follower's profile "
			    "object"), 1;
		if (ev->profile.observed_at == FG_TIME_UNKNOWN)
			ev->profile.observed_at = ev->t;
	} else if (strcmp(ev->type, "unfollow") == 0) {
		ev->etype = E_UNFOLLOW;
		if (!ev->id_ok)
			return reject(r, "%s", "\"id\": expected the follower's id string"), 1;
	} else if (strcmp(ev->type, "count") == 0) {
		ev->etype = E_COUNT;
		if (!ev->count_ok)
			return reject(r, "%s", "\"followers_count\": expected a non-negative "
			    "integer"), 1;
	} else
		return reject(r, "\"type\": unknown event type \"%.40s\"", ev->type), 1;
	if (r->last_t != FG_TIME_UNKNOWN && ev->t < r->last_t)
		return reject(r, "\"t\": %s is earlier than the event before it (events must be "
		    "in time order)", ev->ts), 1;

	/* Accepted: a later time closes every poll still open. */
	if (r->last_t != FG_TIME_UNKNOWN && ev->t > r->last_t && close_all(r) == -1)
		return -1;
	r->last_t = ev->t;
	w = rwatch_get(r, ev->watch);
	if (!w->open) {
		w->open = 1;
		w->t = ev->t;
	}
	if (ev->etype == E_COUNT)
		return poll_close(r, w, ev->count) == -1 ? -1 : 0;
	return keep(r, w, ev, linelen) == -1 ? -1 : 0;
}

int
replay_stream(struct fg_pipeline *pl, FILE *in, const char *name, fg_report_cb *cb,
    void *arg, struct fg_replay_stats *st)
{
	struct replay r;
	struct fg_linereader lr;
	struct jscan js;
	struct event ev;
	const char *line;
	long len;
	size_t i;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	memset(&r, 0, sizeof(r));
	r.pl = pl;
	r.name = name;
	r.cb = cb;
	r.arg = arg;
	r.st = st;
	r.last_t = FG_TIME_UNKNOWN;
	r.bufcap = 2 * FG_LINE_MAX + 16;
	r.buf = xmalloc(r.bufcap);
	linereader_init(&lr, in, FG_LINE_MAX);
	while ((len = linereader_next(&lr, &line)) != -1) {
		r.lineno = lr.lineno;
		st->lines++;
		if (len == -2) {
			reject(&r, "line longer than %d bytes", FG_LINE_MAX);
			continue;
		}
		if (len == 0)
			continue;
		jscan_init(&js, line, (size_t)len, r.buf, r.bufcap);
		if (scan_event(&js, &ev) == -1) {
			reject(&r, "invalid JSON: %s", js.err);
			continue;
		}
		if ((rc = apply(&r, &ev, (size_t)len)) == -1)
			break;
		rc = 0;
	}
	if (ferror(in)) {
		log_warn("%s: read error", name);
		rc = -1;
	}
	if (rc == 0)
		rc = close_all(&r);
	for (i = 0; i < r.nwatches; i++) {
		free(r.watches[i]->arena);
		free(r.watches[i]);
	}
	free(r.watches);
	free(r.buf);
	linereader_free(&lr);
	return rc;
}
