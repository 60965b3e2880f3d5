/*
 * The detection pipeline: score, store, detect, plan. See pipeline.h.
 *
 * Scores are computed before the write transaction so that the transaction only does LMDB
 * work; the detector is fed after the commit, because store_write may run its function twice
 * (map growth) and the detector must see each follower once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cohort.h"
#include "log.h"
#include "pipeline.h"
#include "report.h"
#include "timeutil.h"
#include "xmalloc.h"

/* Follow-order position: poll number, then place in the poll (seq 0 is the newest). */
#define SEQ_BITS	24
#define SEQ_MAX		((1u << SEQ_BITS) - 1)

struct watch_state {
	char			*name;
	struct fg_detector	*det;
	uint64_t		 poll_no;	/* polls recorded before this one */
	int			 loaded;	/* poll_no read from the store */
	int			 in_poll;
	uint32_t		 seq;		/* next place in the current poll */
	struct fg_poll		 poll;		/* the current poll's tallies */
	uint64_t		 initial_fake;
	int64_t			 kept_hour;	/* open spikes last stored in this hour */
	char			 plan_spike[FG_SPIKE_ID_MAX];	/* the burst whose plan was */
	uint64_t		 plan_n;			/* drawn at this size */
	char			*cursor;	/* progress kept: the next page's (see below) */
};

struct byid {
	const char	*id;
	size_t		 i;
};

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct byid *)a)->id, ((const struct byid *)b)->id);
}

struct bykey {
	uint64_t	key;
	size_t		i;
};

static int
by_key(const void *a, const void *b)
{
	uint64_t x = ((const struct bykey *)a)->key, y = ((const struct bykey *)b)->key;

	return (x > y) - (x < y);
}

struct fg_pipeline {
	struct fg_store			*store;
	fg_record_cb			*record;
	void				*record_arg;
	const struct fg_model		*model;
	struct fg_policy		 policy;
	struct fg_detector_params	 dparams;
	struct watch_state		*watches;
	size_t				 nwatches;
	/* per-page scratch, reused */
	struct fg_profile_rec		*recs;
	uint8_t				*isnew;
	uint8_t				*copy;	/* its text was an earlier follower's */
	struct byid			*order;	/* the page's follows in id order */
	struct bykey			*texts;	/* and in text key order */
	size_t				 cap;
};

struct fg_pipeline *
pipeline_new(struct fg_store *store, const struct fg_model *model,
    const struct fg_policy *policy, const struct fg_detector_params *dp)
{
	struct fg_pipeline *pl = xcalloc(1, sizeof(*pl));

	pl->store = store;
	pl->model = model;
	pl->policy = *policy;
	if (dp != NULL)
		pl->dparams = *dp;
	else
		detector_defaults(&pl->dparams);
	return pl;
}

void
pipeline_set_policy(struct fg_pipeline *pl, const struct fg_policy *policy)
{
	pl->policy = *policy;
}

void
pipeline_free(struct fg_pipeline *pl)
{
	size_t i;

	if (pl == NULL)
		return;
	for (i = 0; i < pl->nwatches; i++) {
		free(pl->watches[i].name);
		free(pl->watches[i].cursor);
		detector_free(pl->watches[i].det);
	}
	free(pl->watches);
	free(pl->recs);
	free(pl->isnew);
	free(pl->copy);
	free(pl->order);
	free(pl->texts);
	free(pl);
}

/*
 * The detector lives in memory; a daemon that starts again rebuilds it from the store: the
 * initial scan, then the polls and arrivals of the detector's memory, fed again in order
 * (their reports were made the first time and are dropped).
 */
struct rebuild {
	struct fg_txn		*txn;
	struct watch_state	*ws;
	int64_t			 from;	/* polls fed from this time on */
	int64_t			 last;
	uint64_t		 n;
};

static int
rebuild_last(void *arg, const struct fg_poll *p)
{
	((struct rebuild *)arg)->last = p->t;
	return 0;
}

/* One stored arrival, as pipeline_page gave it (its text a copy if seen at an earlier poll). */
static int
rebuild_arrival(void *arg, int64_t t, uint32_t seq, const char *id)
{
	struct rebuild *rb = arg;
	struct fg_profile_rec rec;
	struct fg_arrival a;
	uint64_t key;
	int64_t first;
	int r;

	(void)seq;
	if ((r = store_profile_peek(rb->txn, rb->ws->name, id, &rec)) == -1)
		return -1;
	if (r == FG_NOTFOUND)
		return 0;
	a.id = id;
	a.t = t;
	a.created_at = rec.profile.created_at;
	a.score = rec.score;
	a.verdict = rec.verdict;
	a.empty = report_profile_empty(&rec.profile);
	key = cohort_text_key(&rec.profile);
	if (key != 0 && (r = store_text_get(rb->txn, rb->ws->name, key, &first)) == -1)
		return -1;
	a.copy = key != 0 && r == 0 && first < t;
	detector_arrival(rb->ws->det, &a);
	return 0;
}

static int
rebuild_poll(void *arg, const struct fg_poll *p)
{
	struct rebuild *rb = arg;
	const struct fg_spike *out[FG_DETECTOR_REPORTS];

	if (rb->n++ == 0) {
		detector_initial(rb->ws->det, p->t, p->followers_count >= 0 ?
		    (uint64_t)p->followers_count : p->arrivals, p->fake);
		return 0;
	}
	if (p->t < rb->from)
		return 0;
	if (store_arrivals_scan(rb->txn, rb->ws->name, p->t, p->t + 1, rebuild_arrival, rb) != 0)
		return -1;
	detector_poll_end(rb->ws->det, p->t, p->followers_count, out);
	return 0;
}

static int
watch_read(struct fg_txn *txn, void *arg)
{
	struct rebuild rb = { txn, arg, 0, 0, 0 };
	struct watch_state *ws = arg;

	if (store_position_get(txn, ws->name, &ws->poll_no) == -1)
		return -1;
	if (ws->poll_no == 0)
		return 0;
	if (store_polls_scan(txn, ws->name, INT64_MIN, INT64_MAX, rebuild_last, &rb) != 0)
		return -1;
	rb.from = rb.last - FG_DETECTOR_MEMORY;
	return store_polls_scan(txn, ws->name, INT64_MIN, INT64_MAX, rebuild_poll, &rb);
}

/* The watch's state from the store, once: its poll count and its detector. */
static int
watch_load(struct fg_pipeline *pl, struct watch_state *ws)
{
	if (ws->loaded)
		return 0;
	if (store_read(pl->store, watch_read, ws) != 0) {
		/* Not half-fed: a later load starts again from scratch. */
		detector_free(ws->det);
		ws->det = detector_new(ws->name, &pl->dparams);
		return -1;
	}
	ws->loaded = 1;
	return 0;
}

static struct watch_state *
watch_get(struct fg_pipeline *pl, const char *name)
{
	struct watch_state *ws;
	size_t i;

	for (i = 0; i < pl->nwatches; i++)
		if (strcmp(pl->watches[i].name, name) == 0)
			return &pl->watches[i];
	pl->watches = xreallocarray(pl->watches, pl->nwatches + 1, sizeof(*pl->watches));
	ws = &pl->watches[pl->nwatches++];
	memset(ws, 0, sizeof(*ws));
	ws->name = xstrdup(name);
	ws->det = detector_new(name, &pl->dparams);
	return ws;
}

struct page {
	struct fg_pipeline	*pl;
	struct watch_state	*ws;
	int64_t			 t;
	const struct fg_profile	*follows;
	size_t			 nfollows;
	const char *const	*unfollows;
	size_t			 nunfollows;
	int			 flags;
	uint32_t		 unfollowed;	/* result: edges that were following */
};

/*
 * Whether a new follower's profile text (cohort_text_key) was seen on an earlier follower, or
 * earlier in this poll; a text not seen before is remembered. 1, 0, or -1 on a store error.
 */
static int
text_seen(struct fg_txn *txn, const char *watch, uint64_t key, int64_t t)
{
	int64_t first;
	int r;

	if ((r = store_text_get(txn, watch, key, &first)) == -1)
		return -1;
	if (r == 0)
		return 1;
	return store_text_put(txn, watch, key, t) == -1 ? -1 : 0;
}

/* The poll so far, this page included, with the page: a crash loses neither or both. */
static int
progress_write(struct fg_txn *txn, const struct page *pg)
{
	const struct fg_pipeline *pl = pg->pl;
	const struct watch_state *ws = pg->ws;
	struct fg_progress pr;
	size_t i;

	pr.t = pg->t;
	pr.seq = ws->seq + (uint32_t)pg->nfollows;
	pr.initial_fake = ws->initial_fake;
	pr.poll = ws->poll;
	pr.cursor = ws->cursor;
	for (i = 0; i < pg->nfollows; i++) {
		if (!pl->isnew[i])
			continue;
		pr.poll.arrivals++;
		pr.poll.fake += pl->recs[i].verdict == FG_FAKE;
		pr.poll.suspect += pl->recs[i].verdict == FG_SUSPECT;
		if (ws->poll_no == 0)
			pr.initial_fake += pl->recs[i].verdict == FG_FAKE;
	}
	pr.poll.unfollows += pg->unfollowed;
	return store_progress_put(txn, ws->name, &pr);
}

static int
page_write(struct fg_txn *txn, void *arg)
{
	struct page *pg = arg;
	struct fg_pipeline *pl = pg->pl;
	struct watch_state *ws = pg->ws;
	int initial = ws->poll_no == 0;
	struct fg_edge e;
	size_t k, i;
	int r;

	/*
	 * In id order: the edges' B-tree is then walked forwards, page after page, instead of
	 * jumping about it (a third of a large initial scan's time). Positions and arrivals keep
	 * the platform's order.
	 */
	for (k = 0; k < pg->nfollows; k++) {
		const char *id;
		uint32_t seq;

		i = pl->order[k].i;
		id = pg->follows[i].id;
		seq = ws->seq + (uint32_t)i;

		if ((r = store_edge_get(txn, ws->name, id, &e)) == -1)
			return -1;
		pl->isnew[i] = r == FG_NOTFOUND || e.state != FG_EDGE_FOLLOWING;
		pl->copy[i] = 0;
		if (r == FG_NOTFOUND) {
			e.first_seen = pg->t;
			e.position = (ws->poll_no << SEQ_BITS) |
			    (SEQ_MAX - (seq < SEQ_MAX ? seq : SEQ_MAX));
			e.initial = initial;
			pl->copy[i] = 2;	/* a first follow: its text is looked up below */
		}
		e.last_seen = pg->t;
		e.state = FG_EDGE_FOLLOWING;
		if (store_edge_put(txn, ws->name, id, &e) == -1)
			return -1;
		if ((pl->isnew[i] || !(pg->flags & FG_PAGE_SEEN)) &&
		    store_profile_put(txn, ws->name, &pl->recs[i]) == -1)
			return -1;
		if (pl->isnew[i] && !initial &&
		    store_arrival_put(txn, ws->name, pg->t, seq, id) == -1)
			return -1;
	}
	/*
	 * Texts of first follows, in key order for the same reason (a follower who comes back
	 * is no copy of itself).
	 */
	for (k = 0; k < pg->nfollows; k++) {
		i = pl->texts[k].i;
		if (pl->copy[i] != 2)
			continue;
		pl->copy[i] = 0;
		if (pl->texts[k].key == 0)
			continue;
		if ((r = text_seen(txn, ws->name, pl->texts[k].key, pg->t)) == -1)
			return -1;
		pl->copy[i] = r == 1 && !initial;
	}
	pg->unfollowed = 0;
	for (i = 0; i < pg->nunfollows; i++) {
		if ((r = store_edge_get(txn, ws->name, pg->unfollows[i], &e)) == -1)
			return -1;
		if (r == FG_NOTFOUND || e.state != FG_EDGE_FOLLOWING)
			continue;
		e.state = FG_EDGE_UNFOLLOWED;
		e.last_seen = pg->t;
		if (store_edge_put(txn, ws->name, pg->unfollows[i], &e) == -1)
			return -1;
		pg->unfollowed++;
	}
	return ws->cursor != NULL ? progress_write(txn, pg) : 0;
}

static int
poll_begin(struct fg_pipeline *pl, struct watch_state *ws, int64_t t)
{
	if (watch_load(pl, ws) == -1)
		return -1;
	ws->in_poll = 1;
	ws->seq = 0;
	memset(&ws->poll, 0, sizeof(ws->poll));
	ws->poll.t = t;
	ws->poll.followers_count = -1;
	return 0;
}

int
pipeline_page(struct fg_pipeline *pl, const char *watch, int64_t t,
    const struct fg_profile *follows, size_t nfollows, const char *const *unfollows,
    size_t nunfollows, int flags)
{
	struct watch_state *ws = watch_get(pl, watch);
	struct fg_score sc;
	struct fg_arrival a;
	struct page pg;
	size_t i;

	if (!ws->in_poll && poll_begin(pl, ws, t) == -1)
		return -1;
	if (nfollows > pl->cap) {
		pl->cap = nfollows;
		pl->recs = xreallocarray(pl->recs, pl->cap, sizeof(*pl->recs));
		pl->isnew = xreallocarray(pl->isnew, pl->cap, 1);
		pl->copy = xreallocarray(pl->copy, pl->cap, 1);
		pl->order = xreallocarray(pl->order, pl->cap, sizeof(*pl->order));
		pl->texts = xreallocarray(pl->texts, pl->cap, sizeof(*pl->texts));
	}
	for (i = 0; i < nfollows; i++) {
		struct fg_profile_rec *rec = &pl->recs[i];

		rec->profile = follows[i];
		/* Read at the poll: the features are then the profile's own (store_profile_put). */
		if (rec->profile.observed_at == FG_TIME_UNKNOWN)
			rec->profile.observed_at = t;
		features_compute(&rec->profile, t, &rec->features);
		rec->derived = 1;
		pl->order[i].id = follows[i].id;
		pl->order[i].i = i;
		pl->texts[i].key = cohort_text_key(&rec->profile);
		pl->texts[i].i = i;
		model_score(pl->model, &rec->features, &sc);
		rec->score = sc.score;
		rec->verdict = (uint8_t)sc.verdict;
		rec->model_id = pl->model->id;
	}
	/* A page of unfollows only may come first, before these arrays exist (NULL). */
	if (nfollows > 0) {
		qsort(pl->order, nfollows, sizeof(*pl->order), by_id);
		qsort(pl->texts, nfollows, sizeof(*pl->texts), by_key);
	}
	pg = (struct page){ pl, ws, t, follows, nfollows, unfollows, nunfollows, flags, 0 };
	if (store_write(pl->store, page_write, &pg) != 0)
		return -1;

	for (i = 0; i < nfollows; i++) {
		const struct fg_profile_rec *rec = &pl->recs[i];

		if (!pl->isnew[i])
			continue;
		ws->poll.arrivals++;
		ws->poll.fake += rec->verdict == FG_FAKE;
		ws->poll.suspect += rec->verdict == FG_SUSPECT;
		if (ws->poll_no == 0) {
			ws->initial_fake += rec->verdict == FG_FAKE;
			continue;
		}
		a.id = rec->profile.id;
		a.t = t;
		a.copy = pl->copy[i];
		a.created_at = rec->profile.created_at;
		a.score = rec->score;
		a.verdict = rec->verdict;
		a.empty = report_profile_empty(&rec->profile);
		detector_arrival(ws->det, &a);
	}
	ws->seq += (uint32_t)nfollows;
	ws->poll.unfollows += pg.unfollowed;
	return 0;
}

struct poll_end {
	struct watch_state	*ws;
	const struct fg_spike	*spikes[FG_DETECTOR_REPORTS];	/* reported at this poll */
	size_t			 nspikes;
	/*
	 * Stored at this poll: the reported ones and those still open, so that the store
	 * always holds each spike's extent (a drip's plan leaves the bursts' windows out).
	 */
	const struct fg_spike	*kept[FG_DETECTOR_REPORTS + 2];
	char			*docs[FG_DETECTOR_REPORTS + 2];
	size_t			 nkept;
	const struct fg_spike	*replan[2];	/* open bursts that grew: a new plan */
	size_t			 nreplan;
	struct fg_pipeline	*pl;
	int64_t			 t;
	struct fg_plan		 plans[FG_DETECTOR_REPORTS];	/* of inorganic reports */
};

static int	plan_build(struct fg_pipeline *, struct fg_txn *, const char *,
		    const struct fg_spike *, struct fg_plan *);

static int
reported(const struct poll_end *pe, const struct fg_spike *s)
{
	size_t i;

	for (i = 0; i < pe->nspikes; i++)
		if (pe->spikes[i] == s)
			return 1;
	return 0;
}

/* The latest plan of each spike is kept: `followguard purge --spike` removes that one. */
static int
plan_store(struct fg_txn *txn, const char *watch, const char *spike_id,
    const struct fg_plan *plan)
{
	char *text = plan_text(plan);
	int rc = store_plan_put(txn, watch, spike_id, text);

	free(text);
	return rc;
}

static void
poll_end_report(const struct poll_end *pe, size_t i, struct fg_report *rep)
{
	*rep = (struct fg_report){ pe->ws->name, pe->t, pe->spikes[i], NULL };
	if (pe->spikes[i]->kind == FG_SPIKE_INORGANIC)
		rep->plan = &pe->plans[i];
}

/*
 * The poll, its spikes, their purge plans and what the recorder makes of them (alerts) are
 * one transaction: a spike is never recorded without its alert, nor an alert without it.
 */
static int
poll_write(struct fg_txn *txn, void *arg)
{
	struct poll_end *pe = arg;
	struct fg_pipeline *pl = pe->pl;
	struct fg_report rep;
	size_t i;

	if (store_poll_put(txn, pe->ws->name, &pe->ws->poll) == -1 ||
	    store_position_put(txn, pe->ws->name, pe->ws->poll_no + 1) == -1 ||
	    store_progress_del(txn, pe->ws->name) == -1)
		return -1;
	for (i = 0; i < pe->nkept; i++)
		if (store_spike_put(txn, pe->ws->name, pe->kept[i]->id, pe->docs[i]) == -1)
			return -1;
	for (i = 0; i < pe->nspikes; i++) {
		plan_free(&pe->plans[i]);	/* from a run before the map grew */
		if (pe->spikes[i]->kind == FG_SPIKE_INORGANIC &&
		    plan_build(pl, txn, pe->ws->name, pe->spikes[i], &pe->plans[i]) == -1)
			return -1;
		poll_end_report(pe, i, &rep);
		if (rep.plan != NULL && plan_store(txn, pe->ws->name, pe->spikes[i]->id,
		    rep.plan) == -1)
			return -1;
		if (pl->record != NULL && pl->record(pl->record_arg, txn, &rep) == -1)
			return -1;
	}
	for (i = 0; i < pe->nreplan; i++) {
		struct fg_plan plan;
		int rc;

		memset(&plan, 0, sizeof(plan));
		if (plan_build(pl, txn, pe->ws->name, pe->replan[i], &plan) == -1)
			return -1;
		rc = plan_store(txn, pe->ws->name, pe->replan[i]->id, &plan);
		plan_free(&plan);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* Whether spike s is an open inorganic burst, the kind `purge --spike` removes as it grows. */
static int
growing_burst(const struct fg_spike *s)
{
	return s->open && s->kind == FG_SPIKE_INORGANIC && s->pattern == FG_BURST;
}

void
pipeline_set_recorder(struct fg_pipeline *pl, fg_record_cb *fn, void *arg)
{
	pl->record = fn;
	pl->record_arg = arg;
}

int
pipeline_poll_end(struct fg_pipeline *pl, const char *watch, int64_t t,
    int64_t followers_count, fg_report_cb *cb, void *arg)
{
	struct watch_state *ws = watch_get(pl, watch);
	struct poll_end pe;
	const struct fg_spike *open[2];
	size_t open_n, n, k;
	struct fg_report rep;
	size_t i;
	int rc = 0;

	if (!ws->in_poll && poll_begin(pl, ws, t) == -1)
		return -1;
	ws->poll.followers_count = followers_count;
	memset(&pe, 0, sizeof(pe));
	pe.ws = ws;
	pe.pl = pl;
	pe.t = t;
	if (ws->poll_no == 0)
		detector_initial(ws->det, t, followers_count >= 0 ?
		    (uint64_t)followers_count : ws->poll.arrivals, ws->initial_fake);
	else
		pe.nspikes = detector_poll_end(ws->det, t, followers_count, pe.spikes);
	for (i = 0; i < pe.nspikes; i++)
		pe.kept[pe.nkept++] = pe.spikes[i];
	/*
	 * An open spike's extent is kept current in the store once an hour (and at every
	 * report): serializing it at every poll cost a quarter of a replay.
	 */
	open_n = ws->kept_hour != t / 3600 ? detector_open_spikes(ws->det, open) : 0;
	ws->kept_hour = t / 3600;
	for (i = 0; i < open_n; i++)
		if (!reported(&pe, open[i]))
			pe.kept[pe.nkept++] = open[i];
	/*
	 * `purge --spike` removes the plan recorded with the spike, drawn when it was last
	 * reported, at 50 % growth: a burst still arriving (or listed late) would leave up to a
	 * third of itself out of it. Against the real AppView, a plan of 118 for a spike of 200.
	 * So an open inorganic burst that grew since its plan was drawn is stored with a new one.
	 */
	n = detector_open_spikes(ws->det, open);
	for (i = 0; i < n; i++) {
		if (!growing_burst(open[i]) || reported(&pe, open[i]) ||
		    (strcmp(open[i]->id, ws->plan_spike) == 0 &&
		    open[i]->new_followers == ws->plan_n))
			continue;
		pe.replan[pe.nreplan++] = open[i];
		for (k = 0; k < pe.nkept && pe.kept[k] != open[i]; k++)
			;
		if (k == pe.nkept)
			pe.kept[pe.nkept++] = open[i];
	}
	for (i = 0; i < pe.nkept; i++)
		pe.docs[i] = report_spike_json(watch, pe.kept[i]);
	if (store_write(pl->store, poll_write, &pe) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < pe.nspikes + pe.nreplan; i++) {
		const struct fg_spike *s = i < pe.nspikes ? pe.spikes[i] :
		    pe.replan[i - pe.nspikes];

		if (s->kind == FG_SPIKE_INORGANIC && s->pattern == FG_BURST) {
			snprintf(ws->plan_spike, sizeof(ws->plan_spike), "%s", s->id);
			ws->plan_n = s->new_followers;
		}
	}
	ws->poll_no++;
	ws->in_poll = 0;
	free(ws->cursor);
	ws->cursor = NULL;
	for (i = 0; i < pe.nkept; i++)
		free(pe.docs[i]);
	for (i = 0; i < pe.nspikes; i++) {
		if (rc == 0 && cb != NULL) {
			poll_end_report(&pe, i, &rep);
			cb(arg, &rep);
		}
		plan_free(&pe.plans[i]);
	}
	return rc;
}

struct unseen_scan {
	int64_t		 since;
	const char	*watch;
	char		**ids;
	size_t		 n, cap;
};

static int
unseen_one(void *arg, const char *id, const struct fg_edge *e)
{
	struct unseen_scan *us = arg;

	if (e->state != FG_EDGE_FOLLOWING || e->last_seen >= us->since)
		return 0;
	if (us->n == us->cap) {
		us->cap = us->cap ? us->cap * 2 : 64;
		us->ids = xreallocarray(us->ids, us->cap, sizeof(*us->ids));
	}
	us->ids[us->n++] = xstrdup(id);
	return 0;
}

static int
unseen_read(struct fg_txn *txn, void *arg)
{
	struct unseen_scan *us = arg;

	return store_edges_scan(txn, us->watch, unseen_one, us);
}

long
pipeline_unseen(struct fg_pipeline *pl, const char *watch, int64_t since, char ***ids)
{
	struct unseen_scan us = { since, watch, NULL, 0, 0 };
	size_t i;

	if (store_read(pl->store, unseen_read, &us) != 0) {
		for (i = 0; i < us.n; i++)
			free(us.ids[i]);
		free(us.ids);
		return -1;
	}
	*ids = us.ids;
	return (long)us.n;
}

struct known_scan {
	const char		*watch;
	const struct fg_profile	*follows;
	size_t			 n, unknown;
	uint8_t			*known;
};

static int
known_read(struct fg_txn *txn, void *arg)
{
	struct known_scan *ks = arg;
	struct fg_edge e;
	size_t i;
	int r;

	ks->unknown = 0;
	for (i = 0; i < ks->n; i++) {
		if ((r = store_edge_get(txn, ks->watch, ks->follows[i].id, &e)) == -1)
			return -1;
		ks->known[i] = r == 0 && e.state == FG_EDGE_FOLLOWING;
		ks->unknown += !ks->known[i];
	}
	return 0;
}

long
pipeline_known(struct fg_pipeline *pl, const char *watch, const struct fg_profile *follows,
    size_t n, uint8_t *known)
{
	struct known_scan ks = { watch, follows, n, 0, known };

	if (store_read(pl->store, known_read, &ks) != 0)
		return -1;
	return (long)ks.unknown;
}

void
pipeline_set_cursor(struct fg_pipeline *pl, const char *watch, const char *cursor)
{
	struct watch_state *ws = watch_get(pl, watch);

	free(ws->cursor);
	ws->cursor = xstrdup(cursor != NULL ? cursor : "");
}

struct resume {
	struct watch_state	*ws;
	struct fg_progress	 pr;
	char			*cursor;
};

static int
progress_read(struct fg_txn *txn, void *arg)
{
	struct resume *rs = arg;
	struct rebuild rb = { txn, rs->ws, 0, 0, 0 };
	int r;

	if ((r = store_progress_get(txn, rs->ws->name, &rs->pr)) != 0)
		return r == FG_NOTFOUND ? 0 : -1;
	/* Its followers so far go to the detector again, as pipeline_page gave them. */
	if (rs->ws->poll_no > 0 && store_arrivals_scan(txn, rs->ws->name, rs->pr.t,
	    rs->pr.t + 1, rebuild_arrival, &rb) != 0)
		return -1;
	rs->cursor = xstrdup(rs->pr.cursor);
	return 0;
}

int
pipeline_resume(struct fg_pipeline *pl, const char *watch, int64_t *t, char **cursor)
{
	struct watch_state *ws = watch_get(pl, watch);
	struct resume rs = { ws, { 0 }, NULL };

	if (watch_load(pl, ws) == -1)
		return -1;
	if (ws->in_poll) {
		/* A poll that failed in this process: its state is here. */
		if (ws->cursor == NULL)
			return 0;
		*t = ws->poll.t;
		*cursor = xstrdup(ws->cursor);
		return 1;
	}
	if (store_read(pl->store, progress_read, &rs) != 0) {
		free(rs.cursor);
		return -1;
	}
	if (rs.cursor == NULL)
		return 0;
	ws->in_poll = 1;
	ws->seq = rs.pr.seq;
	ws->poll = rs.pr.poll;
	ws->poll.t = rs.pr.t;
	ws->poll.followers_count = -1;
	ws->initial_fake = rs.pr.initial_fake;
	ws->cursor = xstrdup(rs.cursor);
	*t = rs.pr.t;
	*cursor = rs.cursor;
	return 1;
}

int
pipeline_polls_done(struct fg_pipeline *pl, const char *watch, uint64_t *n)
{
	struct watch_state *ws = watch_get(pl, watch);

	if (watch_load(pl, ws) == -1)
		return -1;
	*n = ws->poll_no;
	return 0;
}

struct plan_read {
	struct fg_pipeline	*pl;
	const char		*watch;
	const struct fg_spike	*spike;
	struct fg_plan		*plan;
};

static int
plan_read(struct fg_txn *txn, void *arg)
{
	struct plan_read *pr = arg;

	return plan_draw(txn, pr->pl->model, &pr->pl->policy, pr->watch, pr->spike, pr->plan);
}

int
pipeline_plan(struct fg_pipeline *pl, const char *watch, const struct fg_spike *spike,
    struct fg_plan *plan)
{
	return plan_build(pl, NULL, watch, spike, plan);
}

/* In txn if given, else in a read transaction of its own. */
static int
plan_build(struct fg_pipeline *pl, struct fg_txn *txn, const char *watch,
    const struct fg_spike *spike, struct fg_plan *plan)
{
	struct plan_read pr = { pl, watch, spike, plan };

	if (txn != NULL)
		return plan_draw(txn, pl->model, &pl->policy, watch, spike, plan);
	memset(plan, 0, sizeof(*plan));
	return store_read(pl->store, plan_read, &pr) != 0 ? -1 : 0;
}
