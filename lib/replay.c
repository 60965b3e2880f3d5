/*
 * Replay: JSONL events -> polls -> pipeline. Events sharing a time stamp and watch form one
 * poll; a count event closes its poll; a later time stamp closes every open poll. Follows
 * are written a page at a time, so memory is bounded by the page, not the history.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "linereader.h"
#include "log.h"
#include "replay.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

struct rwatch {
	char			 name[FG_WATCH_MAX + 1];
	int			 open;
	int64_t			 t;
	json_t			*held[FG_PAGE_MAX * 2];	/* events whose strings are borrowed */
	size_t			 nheld;
	struct fg_profile	 follows[FG_PAGE_MAX];
	size_t			 nfollows;
	const char		*unfollows[FG_PAGE_MAX];
	size_t			 nunfollows;
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
	r->watches[r->nwatches++] = w;
	return w;
}

static int
flush(struct replay *r, struct rwatch *w)
{
	size_t i;
	int rc = 0;

	if (w->nfollows > 0 || w->nunfollows > 0)
		rc = pipeline_page(r->pl, w->name, w->t, w->follows, w->nfollows,
		    w->unfollows, w->nunfollows);
	for (i = 0; i < w->nheld; i++)
		json_decref(w->held[i]);
	w->nheld = w->nfollows = w->nunfollows = 0;
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

/* Parses and applies one event. Returns 0, 1 if rejected, -1 on a store error. */
static int
event(struct replay *r, json_t *ev)
{
	char err[256];
	const char *type, *ts, *watch, *id;
	json_t *v, *prof;
	struct rwatch *w;
	struct fg_profile p;
	int64_t t, count = -1;

	if (!json_is_object(ev))
		return reject(r, "%s", "event is not a JSON object"), 1;
	if ((ts = json_string_value(json_object_get(ev, "t"))) == NULL)
		return reject(r, "%s", "\"t\": required RFC 3339 time string missing"), 1;
	if (time_parse_rfc3339(ts, &t) == -1)
		return reject(r, "\"t\": \"%.40s\" is not an RFC 3339 time", ts), 1;
	v = json_object_get(ev, "watch");
	if (!json_is_string(v) || !valid_watch(json_string_value(v), json_string_length(v)))
		return reject(r, "%s", "\"watch\": expected a name of 1-64 letters, digits, "
		    "'_', '-' or '.'"), 1;
	watch = json_string_value(v);
	if ((type = json_string_value(json_object_get(ev, "type"))) == NULL)
		return reject(r, "%s", "\"type\": expected \"follow\", \"unfollow\" or \"count\""), 1;
	if (r->last_t != FG_TIME_UNKNOWN && t < r->last_t)
		return reject(r, "\"t\": %s is earlier than the event before it (events must be "
		    "in time order)", ts), 1;

	if (strcmp(type, "follow") == 0) {
		prof = json_object_get(ev, "profile");
		if (profile_from_json(prof, &p, err, sizeof(err)) == -1)
			return reject(r, "profile: %s", err), 1;
		if (p.observed_at == FG_TIME_UNKNOWN)
			p.observed_at = t;
	} else if (strcmp(type, "unfollow") == 0) {
		v = json_object_get(ev, "id");
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > FG_ID_MAX ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return reject(r, "%s", "\"id\": expected the follower's id string"), 1;
	} else if (strcmp(type, "count") == 0) {
		v = json_object_get(ev, "followers_count");
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > FG_COUNT_MAX)
			return reject(r, "%s", "\"followers_count\": expected a non-negative "
			    "integer"), 1;
		count = json_integer_value(v);
	} else
		return reject(r, "\"type\": unknown event type \"%.40s\"", type), 1;

	/* Accepted: a later time closes every poll still open. */
	if (r->last_t != FG_TIME_UNKNOWN && t > r->last_t && close_all(r) == -1)
		return -1;
	r->last_t = t;
	w = rwatch_get(r, watch);
	if (!w->open) {
		w->open = 1;
		w->t = t;
	}
	if (type[0] == 'c')
		return poll_close(r, w, count) == -1 ? -1 : 0;
	if (w->nfollows == FG_PAGE_MAX || w->nunfollows == FG_PAGE_MAX)
		if (flush(r, w) == -1)
			return -1;
	json_incref(ev);
	w->held[w->nheld++] = ev;
	if (type[0] == 'f') {
		w->follows[w->nfollows++] = p;
		r->st->follows++;
	} else {
		id = json_string_value(json_object_get(ev, "id"));
		w->unfollows[w->nunfollows++] = id;
		r->st->unfollows++;
	}
	return 0;
}

int
replay_stream(struct fg_pipeline *pl, FILE *in, const char *name, fg_report_cb *cb,
    void *arg, struct fg_replay_stats *st)
{
	struct replay r;
	struct fg_linereader lr;
	json_error_t jerr;
	const char *line;
	json_t *ev;
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
		if ((ev = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
			reject(&r, "invalid JSON: %s", jerr.text);
			continue;
		}
		rc = event(&r, ev);
		json_decref(ev);
		if (rc == -1)
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
		struct rwatch *w = r.watches[i];

		while (w->nheld > 0)
			json_decref(w->held[--w->nheld]);
		free(w);
	}
	free(r.watches);
	linereader_free(&lr);
	return rc;
}
