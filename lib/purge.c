/*
 * Purge selection and journal. See purge.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "provider.h"
#include "purge.h"
#include "strmap.h"
#include "timeutil.h"
#include "xmalloc.h"

static const char *const skip_names[NSKIP] = {
	"planned", "not a known follower", "no longer following", "allowlisted", "verified",
	"followed before the spike", "follows back (mutual)", "beyond --limit", "cancelled"
};

const char *
purge_skip_name(enum purge_skip s)
{
	return (unsigned)s < NSKIP ? skip_names[s] : "?";
}

void
purge_selector_free(struct purge_selector *sel)
{
	size_t i;

	free(sel->spike_id);
	for (i = 0; i < sel->nids; i++)
		free(sel->ids[i]);
	free(sel->ids);
	memset(sel, 0, sizeof(*sel));
}

json_t *
purge_selector_json(const struct purge_selector *sel)
{
	char t[FG_RFC3339_LEN];
	json_t *o = json_pack("{s:s, s:b}", "watch", sel->watch, "include_older",
	    sel->include_older), *a;
	size_t i;

	if (sel->spike_id != NULL)
		json_object_set_new(o, "spike", json_string(sel->spike_id));
	if (sel->since != FG_TIME_UNKNOWN)
		json_object_set_new(o, "since", json_string(time_format_rfc3339(sel->since, t)));
	if (sel->until != FG_TIME_UNKNOWN)
		json_object_set_new(o, "until", json_string(time_format_rfc3339(sel->until, t)));
	if (sel->min_score >= 0)
		json_object_set_new(o, "min_score", json_real(sel->min_score));
	if (sel->ids != NULL) {
		a = json_array();
		for (i = 0; i < sel->nids; i++)
			json_array_append_new(a, json_string(sel->ids[i]));
		json_object_set_new(o, "ids", a);
	}
	if (sel->limit > 0)
		json_object_set_new(o, "limit", json_integer((json_int_t)sel->limit));
	return o;
}

static int
sel_time(const json_t *o, const char *key, int64_t *t, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	*t = FG_TIME_UNKNOWN;
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || time_parse_rfc3339(json_string_value(v), t) == -1) {
		snprintf(err, errlen, "%s: expected an RFC 3339 time", key);
		return -1;
	}
	return 0;
}

int
purge_selector_from(const json_t *o, struct purge_selector *sel, char *err, size_t errlen)
{
	const json_t *v, *ids;
	const char *w;
	size_t i, kinds;

	memset(sel, 0, sizeof(*sel));
	sel->min_score = -1;
	if (!json_is_object(o) || (w = json_string_value(json_object_get(o, "watch"))) == NULL ||
	    strlen(w) == 0 || strlen(w) > FG_WATCH_MAX) {
		snprintf(err, errlen, "watch: expected a watch name");
		return -1;
	}
	snprintf(sel->watch, sizeof(sel->watch), "%s", w);
	if (sel_time(o, "since", &sel->since, err, errlen) == -1 ||
	    sel_time(o, "until", &sel->until, err, errlen) == -1)
		return -1;
	if ((v = json_object_get(o, "spike")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) == 0) {
			snprintf(err, errlen, "spike: expected a spike id");
			return -1;
		}
		sel->spike_id = xstrdup(json_string_value(v));
	}
	if ((v = json_object_get(o, "min_score")) != NULL) {
		if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1) {
			snprintf(err, errlen, "min_score: expected a number from 0 to 1");
			purge_selector_free(sel);
			return -1;
		}
		sel->min_score = json_number_value(v);
	}
	if ((ids = json_object_get(o, "ids")) != NULL) {
		if (!json_is_array(ids)) {
			snprintf(err, errlen, "ids: expected a list of account ids");
			purge_selector_free(sel);
			return -1;
		}
		sel->ids = xcalloc(json_array_size(ids) + 1, sizeof(*sel->ids));
		for (i = 0; i < json_array_size(ids); i++) {
			v = json_array_get(ids, i);
			if (!json_is_string(v) || json_string_length(v) == 0 ||
			    json_string_length(v) > 255) {
				snprintf(err, errlen, "ids[%zu]: expected an account id", i);
				purge_selector_free(sel);
				return -1;
			}
			sel->ids[sel->nids++] = xstrdup(json_string_value(v));
		}
	}
	sel->include_older = json_is_true(json_object_get(o, "include_older"));
	if ((v = json_object_get(o, "limit")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			snprintf(err, errlen, "limit: expected a positive whole number");
			purge_selector_free(sel);
			return -1;
		}
		sel->limit = (uint64_t)json_integer_value(v);
	}
	kinds = (sel->spike_id != NULL) + (sel->since != FG_TIME_UNKNOWN) + (sel->ids != NULL);
	if (kinds != 1) {
		snprintf(err, errlen, "expected exactly one of --spike, --since or --from-file");
		purge_selector_free(sel);
		return -1;
	}
	if (sel->until != FG_TIME_UNKNOWN && sel->since == FG_TIME_UNKNOWN) {
		snprintf(err, errlen, "--until needs --since");
		purge_selector_free(sel);
		return -1;
	}
	return 0;
}

/* Selection. */

struct selecting {
	struct fg_txn		*txn;
	const struct fg_config	*cfg;
	const struct fg_model	*model;
	const struct purge_selector *sel;
	struct purge_plan	*plan;
	struct strmap		 seen;		/* each account once */
	size_t			 cap;
	double			 min_score;
	const char		*spike;		/* looking for this spike's record */
	const unsigned		*evidence;	/* of the ids selected, from the spike's plan */
	int			 found, organic;
	uint64_t		 following;
};

static int
allowed(struct selecting *s, const char *id, const char *handle)
{
	const struct fg_config *cfg = s->cfg;
	const char *note;
	size_t i;

	for (i = 0; i < cfg->purge.nallowlist; i++)
		if (strcmp(cfg->purge.allowlist[i], id) == 0 ||
		    (handle != NULL && strcasecmp(cfg->purge.allowlist[i], handle) == 0))
			return 1;
	if (store_allowed_get(s->txn, s->sel->watch, id, &note) == 0)
		return 1;
	return handle != NULL && store_allowed_get(s->txn, s->sel->watch, handle, &note) == 0;
}

/* One candidate: what protects it, if anything. -1 on a store error. */
static int
consider(struct selecting *s, const char *id)
{
	struct purge_plan *p = s->plan;
	struct purge_entry *e;
	struct fg_profile_rec rec;
	struct fg_edge edge;
	struct fg_score sc;
	int rp, re;

	if ((rp = store_profile_get(s->txn, s->sel->watch, id, &rec)) == -1 ||
	    (re = store_edge_get(s->txn, s->sel->watch, id, &edge)) == -1)
		return -1;
	if (s->sel->since != FG_TIME_UNKNOWN && (rp != 0 || rec.score < s->min_score))
		return 0;	/* not selected at all */
	if (p->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		p->e = xreallocarray(p->e, s->cap, sizeof(*p->e));
	}
	e = &p->e[p->n++];
	memset(e, 0, sizeof(*e));
	e->id = xstrdup(id);
	e->score = rp == 0 ? rec.score : -1;
	if (rp == 0 && rec.profile.handle != NULL) {
		/* Stored texts are normalized; those of older stores are made so here. */
		struct fg_arena a = { NULL, 0 };

		e->handle = xstrdup(profile_text(&a, rec.profile.handle,
		    strlen(rec.profile.handle), FG_HANDLE_MAX));
		arena_free(&a);
	}
	if (rp == 0 && s->model != NULL) {
		model_score(s->model, &rec.features, &sc);
		e->nreasons = model_reasons(&sc, e->reasons, PURGE_REASONS);
	}
	if (re != 0)
		e->skip = SKIP_UNKNOWN;
	else if (edge.state != FG_EDGE_FOLLOWING)
		e->skip = SKIP_NOT_FOLLOWING;
	else if (allowed(s, id, e->handle))
		e->skip = SKIP_ALLOWLISTED;
	else if (rp == 0 && rec.profile.verified == 1)
		e->skip = SKIP_VERIFIED;
	else if (!s->sel->include_older && p->spike_start != FG_TIME_UNKNOWN &&
	    (edge.initial || edge.first_seen < p->spike_start))
		e->skip = SKIP_OLDER;
	else if (s->sel->limit > 0 && p->planned >= s->sel->limit)
		e->skip = SKIP_LIMIT;
	if (e->skip == SKIP_NONE)
		p->planned++;
	p->skipped[e->skip]++;
	return 0;
}

static int
spike_find(void *arg, const char *spike_id, const char *doc)
{
	struct selecting *s = arg;
	json_t *o;
	const char *start, *kind;

	if (strcmp(spike_id, s->spike) != 0)
		return 0;
	s->found = 1;
	if ((o = json_loads(doc, 0, NULL)) == NULL)
		return -1;
	kind = json_string_value(json_object_get(o, "kind"));
	start = json_string_value(json_object_get(o, "start"));
	s->organic = kind == NULL || strcmp(kind, "inorganic") != 0;
	if (start == NULL || time_parse_rfc3339(start, &s->plan->spike_start) == -1)
		s->plan->spike_start = FG_TIME_UNKNOWN;
	json_decref(o);
	return 1;
}

static int
arrival_one(void *arg, int64_t t, uint32_t seq, const char *id)
{
	struct selecting *s = arg;
	char *dup = xstrdup(id);

	(void)t;
	(void)seq;
	if (!strmap_add(&s->seen, dup, 0, NULL)) {
		free(dup);
		return 0;
	}
	return consider(s, id) == -1 ? -1 : 0;
}

static int
count_following(void *arg, const char *id, const struct fg_edge *e)
{
	struct selecting *s = arg;

	(void)id;
	s->following += e->state == FG_EDGE_FOLLOWING;
	return 0;
}

static int
select_ids(struct selecting *s, char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strmap_add(&s->seen, ids[i], 0, NULL))
			continue;
		if (consider(s, ids[i]) == -1)
			return -1;
		if (s->evidence != NULL)
			s->plan->e[s->plan->n - 1].evidence = s->evidence[i];
	}
	return 0;
}

int
purge_select(struct fg_txn *txn, const struct fg_config *cfg, const struct fg_model *m,
    const struct purge_selector *sel, struct purge_plan *plan, char *err, size_t errlen)
{
	struct selecting s;
	const char *text;
	char **ids = NULL, *copy = NULL, *line, *save, *tab;
	unsigned *ev = NULL;
	size_t nids = 0, cap = 0, i;
	uint64_t h = FG_FNV64_BASIS;
	int rc = 0;

	memset(plan, 0, sizeof(*plan));
	plan->spike_start = FG_TIME_UNKNOWN;
	memset(&s, 0, sizeof(s));
	s.txn = txn;
	s.cfg = cfg;
	s.model = m;
	s.sel = sel;
	s.plan = plan;
	s.min_score = sel->min_score >= 0 ? sel->min_score : cfg->purge.min_score;
	if (store_edges_scan(txn, sel->watch, count_following, &s) != 0)
		return -1;
	plan->audience = s.following;
	if (sel->spike_id != NULL) {
		s.spike = sel->spike_id;
		if (store_spikes_scan(txn, sel->watch, spike_find, &s) == -1)
			return -1;
		if (!s.found) {
			snprintf(err, errlen, "watch %s has no spike %s (see followguard spikes %s)",
			    sel->watch, sel->spike_id, sel->watch);
			return 1;
		}
		if (s.organic) {
			snprintf(err, errlen, "spike %s is organic: its new followers look like "
			    "people, and it has no purge plan", sel->spike_id);
			return 1;
		}
		if ((rc = store_plan_get(txn, sel->watch, sel->spike_id, &text)) == -1)
			return -1;
		if (rc == FG_NOTFOUND) {
			snprintf(err, errlen, "no purge plan was recorded for spike %s",
			    sel->spike_id);
			return 1;
		}
		/* One line per follower: its id, then a tab and what put it in the plan. */
		copy = xstrdup(text);
		for (line = strtok_r(copy, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			if (nids == cap) {
				cap = cap ? cap * 2 : 256;
				ids = xreallocarray(ids, cap, sizeof(*ids));
				ev = xreallocarray(ev, cap, sizeof(*ev));
			}
			if ((tab = strchr(line, '\t')) != NULL)
				*tab++ = '\0';
			ev[nids] = tab != NULL ? plan_evidence_parse(tab) : 0;
			ids[nids++] = line;
		}
		s.evidence = ev;
		rc = select_ids(&s, ids, nids);
	} else if (sel->since != FG_TIME_UNKNOWN) {
		plan->spike_start = sel->since;
		rc = store_arrivals_scan(txn, sel->watch, sel->since,
		    sel->until != FG_TIME_UNKNOWN ? sel->until : INT64_MAX, arrival_one, &s);
		for (i = 0; i < s.seen.cap; i++)
			free((char *)s.seen.key[i]);
	} else
		rc = select_ids(&s, sel->ids, sel->nids);
	strmap_free(&s.seen);
	free(ids);
	free(ev);
	free(copy);
	if (rc != 0) {
		purge_plan_free(plan);
		return -1;
	}
	for (i = 0; i < plan->n; i++)
		if (plan->e[i].skip == SKIP_NONE)
			h = fnv1a64("\n", 1, fnv1a64(plan->e[i].id, strlen(plan->e[i].id), h));
	plan->hash = h;
	return 0;
}

int
purge_check(const struct fg_config *cfg, const struct purge_plan *p, char *err, size_t errlen)
{
	if (p->planned > (uint64_t)cfg->purge.max_removals) {
		snprintf(err, errlen, "the plan removes %zu followers, more than purge.max_removals "
		    "(%" PRId64 ") allows; use --limit, or raise the setting", p->planned,
		    cfg->purge.max_removals);
		return -1;
	}
	if (p->audience > 0 && (double)p->planned > cfg->purge.max_share * (double)p->audience) {
		snprintf(err, errlen, "sanity stop: the plan removes %zu of %" PRIu64 " followers "
		    "(%.0f%%), more than purge.max_share (%.0f%%); check the selection, or raise "
		    "the setting", p->planned, p->audience,
		    100.0 * (double)p->planned / (double)p->audience, 100 * cfg->purge.max_share);
		return -1;
	}
	return 0;
}

void
purge_plan_free(struct purge_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->e[i].id);
		free(p->e[i].handle);
	}
	free(p->e);
	memset(p, 0, sizeof(*p));
}

/* Jobs and their journal. */

static const char *const counters[] = { "planned", "sending", "done", "failed", "skipped",
    "restored" };

json_t *
purge_job_load(struct fg_txn *txn, uint64_t job, int *rc)
{
	const char *text;
	json_t *o;

	if ((*rc = store_job_get(txn, job, &text)) != 0)
		return NULL;
	if ((o = json_loads(text, 0, NULL)) == NULL || !json_is_object(o)) {
		log_warnx("purge: job %" PRIu64 ": unreadable record", job);
		json_decref(o);
		*rc = -1;
		return NULL;
	}
	return o;
}

int
purge_job_save(struct fg_txn *txn, uint64_t job, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);
	int rc;

	if (text == NULL)
		fatalx("purge: json_dumps failed");
	rc = store_job_put(txn, job, text);
	free(text);
	return rc;
}

static json_t *
job_new(uint64_t id, const struct purge_selector *sel, int64_t now, const char *state,
    int automatic)
{
	json_t *o, *c;
	size_t i;

	c = json_object();
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		json_object_set_new(c, counters[i], json_integer(0));
	o = json_pack("{s:I, s:s, s:s, s:o, s:I, s:s, s:b, s:o, s:I}", "id", (json_int_t)id,
	    "kind", "purge", "watch", sel->watch, "selector", purge_selector_json(sel),
	    "created", (json_int_t)now, "state", state, "automatic", automatic, "counts", c,
	    "total", (json_int_t)0);
	if (o == NULL)
		fatalx("purge: json_pack failed");
	return o;
}

static void
count_add(json_t *job, const char *state, int d)
{
	json_t *c = json_object_get(job, "counts");

	json_object_set_new(c, state, json_integer(json_integer_value(
	    json_object_get(c, state)) + d));
}

/* The entries of a plan, under the job's id. */
static int
entries_write(struct fg_txn *txn, uint64_t job, json_t *o, const struct purge_plan *p,
    int64_t now)
{
	const struct purge_entry *e;
	char key[14], hash[20];
	json_t *ent;
	char *text;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < p->n; i++) {
		e = &p->e[i];
		ent = json_pack("{s:s, s:s}", "id", e->id, "state", e->skip == SKIP_NONE ?
		    "planned" : "skipped");
		if (e->handle != NULL)
			json_object_set_new(ent, "handle", json_string(e->handle));
		if (e->score >= 0)
			json_object_set_new(ent, "score", json_real(round(e->score * 1000) / 1000));
		if (e->skip != SKIP_NONE)
			json_object_set_new(ent, "reason", json_string(purge_skip_name(e->skip)));
		else {
			/* A record key fixed now: a removal sent again writes the same record. */
			provider_tid(now * 1000000 + (int64_t)i, (unsigned)(job & 1023), key);
			json_object_set_new(ent, "key", json_string(key));
		}
		count_add(o, e->skip == SKIP_NONE ? "planned" : "skipped", 1);
		text = json_dumps(ent, JSON_COMPACT);
		json_decref(ent);
		rc = store_entry_put(txn, job, (uint32_t)i, text);
		free(text);
	}
	snprintf(hash, sizeof(hash), "%016" PRIx64, p->hash);
	json_object_set_new(o, "total", json_integer((json_int_t)p->n));
	json_object_set_new(o, "hash", json_string(hash));
	json_object_set_new(o, "started", json_integer(now));
	if (p->planned == 0) {
		json_object_set_new(o, "state", json_string(JOB_DONE));
		json_object_set_new(o, "finished", json_integer(now));
	}
	return rc;
}

int
purge_job_create(struct fg_txn *txn, const struct purge_selector *sel,
    const struct purge_plan *p, int64_t now, int automatic, uint64_t *job)
{
	json_t *o;
	int rc;

	if (store_seq_next(txn, "job", job) == -1)
		return -1;
	o = job_new(*job, sel, now, JOB_RUNNING, automatic);
	rc = entries_write(txn, *job, o, p, now);
	if (rc == 0)
		rc = purge_job_save(txn, *job, o);
	json_decref(o);
	return rc;
}

int
purge_job_schedule(struct fg_txn *txn, const struct purge_selector *sel, int64_t now,
    int64_t not_before, uint64_t *job)
{
	json_t *o;
	int rc;

	if (store_seq_next(txn, "job", job) == -1)
		return -1;
	o = job_new(*job, sel, now, JOB_SCHEDULED, 1);
	json_object_set_new(o, "not_before", json_integer(not_before));
	rc = purge_job_save(txn, *job, o);
	json_decref(o);
	return rc;
}

int
purge_job_start(struct fg_txn *txn, uint64_t job, const struct purge_plan *p, int64_t now)
{
	json_t *o;
	int rc;

	if ((o = purge_job_load(txn, job, &rc)) == NULL)
		return -1;
	json_object_set_new(o, "state", json_string(JOB_RUNNING));
	rc = entries_write(txn, job, o, p, now);
	if (rc == 0)
		rc = purge_job_save(txn, job, o);
	json_decref(o);
	return rc;
}

static int
entry_set(struct fg_txn *txn, uint64_t job, uint32_t seq, json_t *o, const char *state,
    const char *reason, int64_t now, json_t *jobrec)
{
	const char *old = json_string_value(json_object_get(o, "state"));
	char *text;
	int rc;

	if (old != NULL)
		count_add(jobrec, old, -1);
	count_add(jobrec, state, 1);
	json_object_set_new(o, "state", json_string(state));
	if (reason != NULL)
		json_object_set_new(o, "reason", json_string(reason));
	else
		json_object_del(o, "reason");
	json_object_set_new(o, "t", json_integer(now));
	text = json_dumps(o, JSON_COMPACT);
	rc = store_entry_put(txn, job, seq, text);
	free(text);
	return rc;
}

static int
job_settle(json_t *jobrec, int64_t now)
{
	json_t *c = json_object_get(jobrec, "counts");
	const char *state = json_string_value(json_object_get(jobrec, "state"));

	if (state != NULL && strcmp(state, JOB_RUNNING) == 0 &&
	    json_integer_value(json_object_get(c, "planned")) == 0 &&
	    json_integer_value(json_object_get(c, "sending")) == 0) {
		json_object_set_new(jobrec, "state", json_string(JOB_DONE));
		json_object_set_new(jobrec, "finished", json_integer(now));
	}
	return 0;
}

int
purge_entry_mark(struct fg_txn *txn, uint64_t job, uint32_t seq, const char *state,
    const char *reason, int64_t now)
{
	const char *text;
	json_t *o, *jobrec;
	int rc;

	if ((jobrec = purge_job_load(txn, job, &rc)) == NULL)
		return -1;
	if ((rc = store_entry_get(txn, job, seq, &text)) != 0 ||
	    (o = json_loads(text, 0, NULL)) == NULL) {
		json_decref(jobrec);
		return -1;
	}
	rc = entry_set(txn, job, seq, o, state, reason, now, jobrec);
	json_decref(o);
	job_settle(jobrec, now);
	if (rc == 0)
		rc = purge_job_save(txn, job, jobrec);
	json_decref(jobrec);
	return rc;
}

struct ending {
	struct fg_txn	*txn;
	uint64_t	 job;
	json_t		*jobrec;
	int64_t		 now;
};

static int
end_one(void *arg, uint32_t seq, const char *text)
{
	struct ending *en = arg;
	json_t *o = json_loads(text, 0, NULL);
	const char *st;
	int rc = 0;

	if (o == NULL)
		return -1;
	st = json_string_value(json_object_get(o, "state"));
	if (st != NULL && strcmp(st, "planned") == 0)
		rc = entry_set(en->txn, en->job, seq, o, "skipped",
		    purge_skip_name(SKIP_CANCELLED), en->now, en->jobrec);
	json_decref(o);
	return rc;
}

int
purge_job_end(struct fg_txn *txn, uint64_t job, const char *state, const char *reason,
    int64_t now)
{
	struct ending en;
	int rc;

	if ((en.jobrec = purge_job_load(txn, job, &rc)) == NULL)
		return -1;
	en.txn = txn;
	en.job = job;
	en.now = now;
	rc = store_entries_scan(txn, job, 0, end_one, &en);
	json_object_set_new(en.jobrec, "state", json_string(state));
	json_object_set_new(en.jobrec, "finished", json_integer(now));
	if (reason != NULL)
		json_object_set_new(en.jobrec, "error", json_string(reason));
	if (rc == 0)
		rc = purge_job_save(txn, job, en.jobrec);
	json_decref(en.jobrec);
	return rc;
}
