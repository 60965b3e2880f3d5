/*
 * Replay: JSONL events -> polls -> pipeline. Events sharing a time stamp and watch form one
 * poll; a count event closes its poll; a later time stamp closes every open poll. Follows
 * are written a batch at a time, so memory is bounded by the batch, not the history.
 *
 * Event lines are read with jsonscan, straight into a profile, because building a jansson
 * tree per line cost most of replay's time. Profile fields are validated and their texts
 * normalized by profile.c, as for every other reader.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "linereader.h"
#include "log.h"
#include "replay.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

/*
 * Events written per transaction. The daemon writes a platform's page at a time; replay
 * reads whole polls from a file, and a larger transaction copies each B-tree page it
 * changes once for more followers, and sorts more profiles into one pass over the tree
 * (store.c): an initial scan of 2M followers commits 66 times instead of 2,146. A batch
 * dirties at most a few pages per follower plus its records (at most STRS_SIZE of text),
 * well under the 128k dirty pages LMDB allows a transaction.
 */
#define BATCH		32768
/* A batch's strings; one event's always fit (ids and texts are bounded). */
#define STRS_SIZE	(4 * 1024 * 1024)

struct rwatch {
	char			 name[FG_WATCH_MAX + 1];
	int			 open;
	int64_t			 t;
	char			*strs;		/* strings of the batch's events */
	size_t			 used;
	struct fg_profile	 follows[BATCH];
	size_t			 nfollows;
	const char		*unfollows[BATCH];
	size_t			 nunfollows;
};

enum etype { E_NONE, E_FOLLOW, E_UNFOLLOW, E_COUNT };

/* One event line, its strings in the scanner's buffer. */
struct event {
	int64_t			 t;
	const char		*ts;
	size_t			 tslen;
	const char		*watch;
	size_t			 watchlen;
	const char		*type;
	size_t			 typelen;
	enum etype		 etype;
	struct fg_profile	 profile;
	int			 has_profile;
	const char		*id;
	size_t			 idlen;
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
	char			 ts[40];	/* the last "t" parsed, and its time: */
	size_t			 tslen;		/* the events of a poll share it */
	int64_t			 tsval;
	char			*buf;		/* scanner's string buffer */
	size_t			 bufcap;
	struct fg_arena		 text;		/* the line's normalized texts */
};

static void reject(struct replay *, const char *, ...) FG_PRINTF(2, 3);

/* Reported through the log, which escapes what the line quoted. */
static void
reject(struct replay *r, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s:%lu: %s", r->name, r->lineno, msg);
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

/* Reads one event line. -1 on a JSON syntax error (message in js->err). */
static int
scan_event(struct jscan *js, struct event *ev, struct fg_arena *text)
{
	static const char *const keys[] = { "t", "watch", "type", "profile", "id",
	    "followers_count" };
	const char *key, *s;
	size_t klen, len, k;
	char msg[200];
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
			if ((r = profile_scan(js, &ev->profile, text, msg, sizeof(msg))) == -1)
				return -1;
			if (r == 1)
				semantic(ev, "profile: %s", msg);
			ev->has_profile = 1;
			continue;
		}
		if (type == JS_STRING && k <= 4) {
			if (jscan_string(js, &s, &len) == -1)
				return -1;
			switch (k) {
			case 0:
				ev->ts = s;
				ev->tslen = len;
				break;
			case 1:
				ev->watch = s;
				ev->watchlen = len;
				break;
			case 2:
				ev->type = s;
				ev->typelen = len;
				break;
			case 4:
				ev->id = s;
				ev->idlen = len;
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
	w->strs = xmalloc(STRS_SIZE);
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

/* Room a string takes in the page's strings. */
static size_t
room(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/* Copies a string into the page's strings (there is room: see keep()). */
static const char *
strs_copy(struct rwatch *w, const char *s, size_t n)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = w->strs + w->used;
	memcpy(d, s, n);
	w->used += n;
	return d;
}

/* Adds the event to its watch's page, flushing the page first when it is full. */
static int
keep(struct replay *r, struct rwatch *w, struct event *ev)
{
	const struct fg_profile *e = &ev->profile;
	struct fg_profile *p;
	size_t n[6] = { 0 }, need;

	if (ev->etype == E_UNFOLLOW) {
		n[0] = ev->idlen + 1;
		need = n[0];
	} else {
		n[0] = room(e->id);
		n[1] = room(e->handle);
		n[2] = room(e->display_name);
		n[3] = room(e->bio);
		n[4] = room(e->url);
		n[5] = room(e->location);
		need = n[0] + n[1] + n[2] + n[3] + n[4] + n[5];
	}
	if (w->nfollows == BATCH || w->nunfollows == BATCH ||
	    STRS_SIZE - w->used < need)
		if (flush(r, w) == -1)
			return -1;
	if (ev->etype == E_UNFOLLOW) {
		w->unfollows[w->nunfollows++] = strs_copy(w, ev->id, n[0]);
		r->st->unfollows++;
		return 0;
	}
	p = &w->follows[w->nfollows++];
	*p = *e;
	p->id = strs_copy(w, e->id, n[0]);
	p->handle = strs_copy(w, e->handle, n[1]);
	p->display_name = strs_copy(w, e->display_name, n[2]);
	p->bio = strs_copy(w, e->bio, n[3]);
	p->url = strs_copy(w, e->url, n[4]);
	p->location = strs_copy(w, e->location, n[5]);
	r->st->follows++;
	return 0;
}

/* Checks and applies one event. Returns 0, 1 if rejected, -1 on a store error. */
static int
apply(struct replay *r, struct event *ev)
{
	struct rwatch *w;
	char why[96];

	if (ev->sem[0] != '\0')
		return reject(r, "%s", ev->sem), 1;
	if (ev->ts == NULL)
		return reject(r, "%s", "\"t\": required RFC 3339 time string missing"), 1;
	if (ev->tslen > 0 && ev->tslen == r->tslen && memcmp(ev->ts, r->ts, r->tslen) == 0)
		ev->t = r->tsval;
	else if (memchr(ev->ts, '\0', ev->tslen) != NULL ||
	    time_parse_rfc3339(ev->ts, &ev->t) == -1)
		return reject(r, "\"t\": \"%.40s\" is not an RFC 3339 time", ev->ts), 1;
	else if (ev->tslen < sizeof(r->ts)) {
		memcpy(r->ts, ev->ts, ev->tslen);
		r->tslen = ev->tslen;
		r->tsval = ev->t;
	}
	/* The detector counts hours since 1970 into a ring: a 1960 poll has no place in it. */
	if (ev->t < FG_TIME_MIN || ev->t > FG_TIME_MAX)
		return reject(r, "\"t\": %.40s is out of range (2000-01-01 to 2200-01-01)",
		    ev->ts), 1;
	if (ev->watch == NULL || !valid_watch(ev->watch, ev->watchlen))
		return reject(r, "%s", "\"watch\": expected a name of 1-64 letters, digits, "
		    "'_', '-' or '.'"), 1;
	if (ev->type == NULL)
		return reject(r, "%s", "\"type\": expected \"follow\", \"unfollow\" or \"count\""), 1;
	if (ev->typelen == 6 && memcmp(ev->type, "follow", 6) == 0) {
		ev->etype = E_FOLLOW;
		if (!ev->has_profile)
			return reject(r, "%s", "\"profile\": expected the follower's profile "
			    "object"), 1;
		if (ev->profile.observed_at == FG_TIME_UNKNOWN)
			ev->profile.observed_at = ev->t;
	} else if (ev->typelen == 8 && memcmp(ev->type, "unfollow", 8) == 0) {
		ev->etype = E_UNFOLLOW;
		if (ev->id == NULL)
			return reject(r, "%s", "\"id\": expected the follower's id string"), 1;
		if (profile_id_check(ev->id, ev->idlen, why, sizeof(why)) == -1)
			return reject(r, "\"id\": %s", why), 1;
	} else if (ev->typelen == 5 && memcmp(ev->type, "count", 5) == 0) {
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
	return keep(r, w, ev) == -1 ? -1 : 0;
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
		arena_reset(&r.text);
		if (scan_event(&js, &ev, &r.text) == -1) {
			reject(&r, "invalid JSON: %s", js.err);
			continue;
		}
		if ((rc = apply(&r, &ev)) == -1)
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
		free(r.watches[i]->strs);
		free(r.watches[i]);
	}
	free(r.watches);
	free(r.buf);
	arena_free(&r.text);
	linereader_free(&lr);
	return rc;
}
