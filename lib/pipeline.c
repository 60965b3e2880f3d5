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
};

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
		detector_free(pl->watches[i].det);
	}
	free(pl->watches);
	free(pl->recs);
	free(pl->isnew);
	free(pl);
}

static int
read_poll_no(struct fg_txn *txn, void *arg)
{
	struct watch_state *ws = arg;

	return store_position_get(txn, ws->name, &ws->poll_no) == -1 ? -1 : 0;
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

static int
page_write(struct fg_txn *txn, void *arg)
{
	struct page *pg = arg;
	struct fg_pipeline *pl = pg->pl;
	struct watch_state *ws = pg->ws;
	int initial = ws->poll_no == 0;
	struct fg_edge e;
	size_t i;
	int r;

	for (i = 0; i < pg->nfollows; i++) {
		const char *id = pg->follows[i].id;
		uint32_t seq = ws->seq + (uint32_t)i;

		if ((r = store_edge_get(txn, ws->name, id, &e)) == -1)
			return -1;
		pl->isnew[i] = r == FG_NOTFOUND || e.state != FG_EDGE_FOLLOWING;
		if (r == FG_NOTFOUND) {
			e.first_seen = pg->t;
			e.position = (ws->poll_no << SEQ_BITS) |
			    (SEQ_MAX - (seq < SEQ_MAX ? seq : SEQ_MAX));
			e.initial = initial;
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
	return 0;
}

static void
poll_begin(struct fg_pipeline *pl, struct watch_state *ws, int64_t t)
{
	if (!ws->loaded) {
		if (store_read(pl->store, read_poll_no, ws) != 0)
			ws->poll_no = 0;
		ws->loaded = 1;
	}
	ws->in_poll = 1;
	ws->seq = 0;
	memset(&ws->poll, 0, sizeof(ws->poll));
	ws->poll.t = t;
	ws->poll.followers_count = -1;
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

	if (!ws->in_poll)
		poll_begin(pl, ws, t);
	if (nfollows > pl->cap) {
		pl->cap = nfollows;
		pl->recs = xreallocarray(pl->recs, pl->cap, sizeof(*pl->recs));
		pl->isnew = xreallocarray(pl->isnew, pl->cap, 1);
	}
	for (i = 0; i < nfollows; i++) {
		struct fg_profile_rec *rec = &pl->recs[i];

		rec->profile = follows[i];
		features_compute(&follows[i], t, &rec->features);
		model_score(pl->model, &rec->features, &sc);
		rec->score = sc.score;
		rec->verdict = (uint8_t)sc.verdict;
		rec->model_id = pl->model->id;
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
	size_t i, len = 1;
	char *text, *p;
	int rc;

	for (i = 0; i < plan->n; i++)
		len += strlen(plan->ids[i]) + 1;
	p = text = xmalloc(len);
	for (i = 0; i < plan->n; i++) {
		len = strlen(plan->ids[i]);
		memcpy(p, plan->ids[i], len);
		p[len] = '\n';
		p += len + 1;
	}
	*p = '\0';
	rc = store_plan_put(txn, watch, spike_id, text);
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
	    store_position_put(txn, pe->ws->name, pe->ws->poll_no + 1) == -1)
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
	return 0;
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
	size_t open_n;
	struct fg_report rep;
	size_t i;
	int rc = 0;

	if (!ws->in_poll)
		poll_begin(pl, ws, t);
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
	open_n = detector_open_spikes(ws->det, open);
	for (i = 0; i < open_n; i++)
		if (!reported(&pe, open[i]))
			pe.kept[pe.nkept++] = open[i];
	for (i = 0; i < pe.nkept; i++)
		pe.docs[i] = report_spike_json(watch, pe.kept[i]);
	if (store_write(pl->store, poll_write, &pe) != 0)
		rc = -1;
	ws->poll_no++;
	ws->in_poll = 0;
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

#define MONTHS_SPAN	(12 * 60)	/* creation months counted from 2000-01 */
#define REF_WINDOW	(21 * 86400)	/* usual arrivals the signature is compared with */

struct candidate {
	char	*id;
	int	 month;		/* index from 2000-01, -1 if unknown */
	int	 in_block;	/* in a block of fake-ish arrivals in follow order */
	int	 by_prior;	/* under min_score on its own: needs the cohort prior and a block */
	struct fg_plan_sample why;	/* id filled in when it is planned */
};

/*
 * Purchased followers arrive in blocks: BLOCK_MIN fake-ish of BLOCK_WIDTH neighbours in one
 * poll's follow order. An organic surge, a fifth fake-ish, makes such a block about once in
 * 14,000 positions, while real-looking purchased accounts that score genuine do not break it.
 */
#define BLOCK_WIDTH	10
#define BLOCK_MIN	8
/*
 * In a poll where arrivals beyond the baseline outnumber the expected ones a hundred to one,
 * and are as fake-scored as the cohort (so not an organic surge), a
 * follower's odds of being fake are raised by a cohort prior of 19:1 (as if 95 % of such a
 * poll were bought, a conservative reading of 99 %). Organic arrivals are then at most 1 % of
 * the poll, so the plan stays precise while purchased accounts that look real at a glance
 * are still caught.
 */
#define DOMINATED	0.01
#define COHORT_ODDS	19.0
#define MAX_POLLS	4096

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

struct prefix_scan {
	const char		*watch;
	const struct fg_profile	*follows;
	size_t			 n, known_at;
};

static int
prefix_read(struct fg_txn *txn, void *arg)
{
	struct prefix_scan *ps = arg;
	struct fg_edge e;
	size_t i;
	int r;

	for (i = 0; i < ps->n; i++) {
		if ((r = store_edge_get(txn, ps->watch, ps->follows[i].id, &e)) == -1)
			return -1;
		if (r == 0 && e.state == FG_EDGE_FOLLOWING)
			break;
	}
	ps->known_at = i;
	return 0;
}

long
pipeline_new_prefix(struct fg_pipeline *pl, const char *watch, const struct fg_profile *follows,
    size_t n)
{
	struct prefix_scan ps = { watch, follows, n, 0 };

	if (store_read(pl->store, prefix_read, &ps) != 0)
		return -1;
	return (long)ps.known_at;
}

int
pipeline_polls_done(struct fg_pipeline *pl, const char *watch, uint64_t *n)
{
	struct watch_state *ws = watch_get(pl, watch);

	if (!ws->loaded) {
		if (store_read(pl->store, read_poll_no, ws) != 0)
			return -1;
		ws->loaded = 1;
	}
	*n = ws->poll_no;
	return 0;
}

struct plan_scan {
	struct fg_pipeline	*pl;
	const char		*watch;
	const struct fg_spike	*spike;
	struct fg_plan		*plan;
	struct fg_txn		*txn;
	struct candidate	*cand;
	size_t			 ncand, cap;
	/* reference: fake-scored usual arrivals before the cohort, by creation month */
	uint32_t		*ref;
	int64_t			 ref_first;
	int			 in_ref;
	/* the current poll's arrivals in follow order: fake-ish, candidate index or -1 */
	int64_t			 blk_t;
	uint8_t			*blk_fake;
	long			*blk_cand;
	size_t			 blk_n, blk_cap;
	/* burst polls dominated by the purchase, by time stamp */
	int64_t			 dominated[MAX_POLLS];
	size_t			 ndominated;
	int64_t			 prev_poll;
	double			 min_logit;	/* adjusted threshold, in dominated polls */
	/* a drip's plan leaves out the bursts inside it */
	int64_t			(*organic)[2];
	size_t			 norganic;
};

static int
allowlisted(const struct fg_policy *p, const struct fg_profile *prof)
{
	size_t i;

	for (i = 0; i < p->nallowlist; i++)
		if (strcmp(p->allowlist[i], prof->id) == 0 ||
		    (prof->handle != NULL && strcasecmp(p->allowlist[i], prof->handle) == 0))
			return 1;
	return 0;
}

static int
creation_month(int64_t created_at)
{
	int64_t y;
	unsigned m, d;

	if (created_at == FG_TIME_UNKNOWN)
		return -1;
	time_civil_from_days(created_at / 86400, &y, &m, &d);
	if (y < 2000 || (y - 2000) * 12 >= MONTHS_SPAN)
		return -1;
	return (int)((y - 2000) * 12 + (m - 1));
}

static double
logit(double p)
{
	p = p < 1e-9 ? 1e-9 : p > 1 - 1e-9 ? 1 - 1e-9 : p;
	return log(p / (1 - p));
}

static int
poll_dominated(const struct plan_scan *ps, int64_t t)
{
	size_t i;

	for (i = 0; i < ps->ndominated; i++)
		if (ps->dominated[i] == t)
			return 1;
	return 0;
}

/* Notes the burst's polls whose arrivals were at least 99 % beyond the baseline. */
static int
poll_scan(void *arg, const struct fg_poll *p)
{
	struct plan_scan *ps = arg;
	double dt, expected;

	dt = ps->prev_poll != FG_TIME_UNKNOWN ? (double)(p->t - ps->prev_poll) : 300;
	ps->prev_poll = p->t;
	expected = ps->spike->baseline_per_hour * dt / 3600;
	/* Organic surges are beyond the baseline too: the poll must look like the cohort. */
	if (p->t >= ps->spike->start && p->arrivals > 0 &&
	    expected <= DOMINATED * p->arrivals &&
	    p->fake >= 0.4 * p->arrivals && p->fake >= 0.8 * ps->spike->fake_share * p->arrivals &&
	    ps->ndominated < MAX_POLLS)
		ps->dominated[ps->ndominated++] = p->t;
	return 0;
}

/* Marks the candidates of the poll just read that stand in a block. */
static void
block_close(struct plan_scan *ps)
{
	size_t i, j, cnt = 0;

	for (i = 0; i < ps->blk_n; i++) {
		cnt += ps->blk_fake[i];
		if (i >= BLOCK_WIDTH)
			cnt -= ps->blk_fake[i - BLOCK_WIDTH];
		if (i + 1 < BLOCK_WIDTH || cnt < BLOCK_MIN)
			continue;
		for (j = i + 1 - BLOCK_WIDTH; j <= i; j++)	/* the window ending at i */
			if (ps->blk_cand[j] >= 0)
				ps->cand[ps->blk_cand[j]].in_block = 1;
	}
	ps->blk_n = 0;
}

static void
block_push(struct plan_scan *ps, int64_t t, int fakeish, long cand)
{
	if (t != ps->blk_t)
		block_close(ps);
	ps->blk_t = t;
	if (ps->blk_n == ps->blk_cap) {
		ps->blk_cap = ps->blk_cap ? ps->blk_cap * 2 : 1024;
		ps->blk_fake = xreallocarray(ps->blk_fake, ps->blk_cap, 1);
		ps->blk_cand = xreallocarray(ps->blk_cand, ps->blk_cap, sizeof(long));
	}
	ps->blk_fake[ps->blk_n] = (uint8_t)fakeish;
	ps->blk_cand[ps->blk_n++] = cand;
}

static void
plan_explain(const struct fg_model *m, const struct fg_profile_rec *rec,
    struct fg_plan_sample *why)
{
	struct fg_score sc;

	model_score(m, &rec->features, &sc);
	why->score = rec->score;
	why->nreasons = model_reasons(&sc, why->reasons, FG_PLAN_REASONS);
}

/* Whether an arrival of the cohort is to be planned: its candidate index, -1 if not, -2. */
static long
plan_consider(struct plan_scan *ps, int64_t t, const char *id,
    const struct fg_profile_rec *rp)
{
	const struct fg_profile_rec rec = *rp;
	struct fg_edge e;
	size_t i;
	int r, month, by_prior;

	month = creation_month(rec.profile.created_at);
	for (i = 0; i < ps->norganic; i++)
		if (t >= ps->organic[i][0] && t <= ps->organic[i][1])
			return -1;
	if (ps->in_ref) {
		if (rec.score >= ps->pl->policy.min_score && month >= 0)
			ps->ref[month]++;
		if (ps->ref_first == FG_TIME_UNKNOWN)
			ps->ref_first = t;
		return -1;
	}
	/* Only followers who first arrived in the cohort and still follow. */
	if ((r = store_edge_get(ps->txn, ps->watch, id, &e)) == -1)
		return -2;
	if (r == FG_NOTFOUND || e.state != FG_EDGE_FOLLOWING || e.initial ||
	    e.first_seen < ps->spike->start)
		return -1;
	by_prior = rec.score < ps->pl->policy.min_score;
	if (by_prior && !(poll_dominated(ps, t) && logit(rec.score) >= ps->min_logit)) {
		ps->plan->below_score++;
		return -1;
	}
	if (allowlisted(&ps->pl->policy, &rec.profile)) {
		ps->plan->skipped_allowlist++;
		return -1;
	}
	if (ps->ncand == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 256;
		ps->cand = xreallocarray(ps->cand, ps->cap, sizeof(*ps->cand));
	}
	ps->cand[ps->ncand].id = xstrdup(id);
	ps->cand[ps->ncand].in_block = 0;
	ps->cand[ps->ncand].by_prior = by_prior;
	plan_explain(ps->pl->model, &rec, &ps->cand[ps->ncand].why);
	ps->cand[ps->ncand].month = month;
	return (long)ps->ncand++;
}

static int
plan_one(void *arg, int64_t t, uint32_t seq, const char *id)
{
	struct plan_scan *ps = arg;
	struct fg_profile_rec rec;
	long cand;
	int r;

	(void)seq;	/* the scan is in follow order already */
	if ((r = store_profile_get(ps->txn, ps->watch, id, &rec)) == -1)
		return -1;
	if (r == FG_NOTFOUND)
		return 0;
	if ((cand = plan_consider(ps, t, id, &rec)) == -2)
		return -1;
	if (!ps->in_ref)
		block_push(ps, t, rec.verdict != FG_GENUINE, cand);
	return 0;
}

/*
 * Collects the bursts that overlap a drip: organic ones are people, inorganic ones have
 * plans of their own, and either would blur the drip's creation-month signature.
 */
static int
organic_burst(void *arg, const char *spike_id, const char *doc)
{
	struct plan_scan *ps = arg;
	json_t *o = json_loads(doc, 0, NULL);
	const char *pattern, *start, *last;
	int64_t a, b;

	(void)spike_id;
	pattern = json_string_value(json_object_get(o, "pattern"));
	start = json_string_value(json_object_get(o, "start"));
	last = json_string_value(json_object_get(o, "last"));
	if (pattern != NULL && start != NULL && last != NULL &&
	    strcmp(pattern, "burst") == 0 &&
	    time_parse_rfc3339(start, &a) == 0 && time_parse_rfc3339(last, &b) == 0 &&
	    b >= ps->spike->start - REF_WINDOW && a <= ps->spike->last) {
		ps->organic = xreallocarray(ps->organic, ps->norganic + 1,
		    sizeof(*ps->organic));
		ps->organic[ps->norganic][0] = a;
		ps->organic[ps->norganic++][1] = b;
	}
	json_decref(o);
	return 0;
}

static int
plan_read(struct fg_txn *txn, void *arg)
{
	struct plan_scan *ps = arg;
	const struct fg_spike *s = ps->spike;

	ps->txn = txn;
	ps->norganic = 0;
	ps->ndominated = 0;
	ps->prev_poll = FG_TIME_UNKNOWN;
	if (s->pattern == FG_BURST && store_polls_scan(txn, ps->watch, s->start - 86400,
	    s->last + 1, poll_scan, ps) != 0)
		return -1;
	if (s->pattern == FG_DRIP &&
	    store_spikes_scan(txn, ps->watch, organic_burst, ps) != 0)
		return -1;
	ps->in_ref = 0;
	if (store_arrivals_scan(txn, ps->watch, s->start, s->last + 1, plan_one, ps) != 0)
		return -1;
	block_close(ps);
	if (s->pattern != FG_DRIP)
		return 0;
	/* Only a drip's signature months need the usual arrivals before it. */
	ps->in_ref = 1;
	return store_arrivals_scan(txn, ps->watch, s->start - REF_WINDOW, s->start, plan_one,
	    ps) != 0 ? -1 : 0;
}

/*
 * Organic false positives expected among the candidates: the cohort's arrivals beyond the
 * purchased excess, at the account's usual fake share.
 */
static double
plan_expected_fp(const struct fg_spike *s)
{
	double n = (double)s->new_followers, b = s->baseline_fake, bought;

	bought = b < 1 ? ((double)s->fake - b * n) / (1 - b) : 0;
	if (bought < 0)
		bought = 0;
	if (s->pattern == FG_DRIP)	/* the cohort counts only part of the drip's span */
		return b * s->baseline_per_hour * (double)(s->last - s->start) / 3600;
	return b * (n - bought);
}

/* Signature months of a drip: at least three times the candidates usual arrivals give. */
static void
plan_signature(struct plan_scan *ps, uint32_t *cand_months, uint8_t *signature)
{
	const struct fg_spike *s = ps->spike;
	double span, scale;
	size_t i;
	int m;

	span = (double)(s->start - ps->ref_first);
	if (ps->ref_first == FG_TIME_UNKNOWN || span < 86400)
		return;		/* too little usual history to compare with */
	scale = (double)(s->last - s->start + 1) / span;
	for (i = 0; i < ps->ncand; i++)
		if (ps->cand[i].month >= 0)
			cand_months[ps->cand[i].month]++;
	for (m = 0; m < MONTHS_SPAN; m++) {
		signature[m] = cand_months[m] >= 3 * scale * ps->ref[m] + 3;
		if (signature[m] && ps->plan->nmonths < FG_PLAN_MONTHS)
			ps->plan->months[ps->plan->nmonths++] = m + 2000 * 12;
	}
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
	struct plan_scan ps;
	uint32_t *cand_months;
	uint8_t signature[MONTHS_SPAN + 1];
	size_t i;
	int rc = 0, m, diluted, keep;

	memset(plan, 0, sizeof(*plan));
	memset(&ps, 0, sizeof(ps));
	ps.min_logit = logit(pl->policy.min_score) - log(COHORT_ODDS);
	ps.pl = pl;
	ps.watch = watch;
	ps.spike = spike;
	ps.plan = plan;
	ps.ref_first = FG_TIME_UNKNOWN;
	ps.ref = xcalloc(MONTHS_SPAN, sizeof(*ps.ref));
	cand_months = xcalloc(MONTHS_SPAN, sizeof(*cand_months));
	if ((txn != NULL ? plan_read(txn, &ps) : store_read(pl->store, plan_read, &ps)) != 0)
		rc = -1;

	/*
	 * A cohort diluted by organic arrivals (more than 1 % false positives expected) keeps
	 * only what marks a purchase: for a burst, contiguous runs in the follow order; for a
	 * drip, which comes one or two at a time, the signature creation months.
	 */
	diluted = plan_expected_fp(spike) > 0.01 * (double)ps.ncand;
	memset(signature, 0, sizeof(signature));
	if (rc == 0 && diluted && spike->pattern == FG_DRIP)
		plan_signature(&ps, cand_months, signature);
	plan->ids = xreallocarray(NULL, ps.ncand, sizeof(char *));
	plan->why = xreallocarray(NULL, ps.ncand, sizeof(*plan->why));
	for (i = 0; i < ps.ncand; i++) {
		m = ps.cand[i].month;
		if (ps.cand[i].by_prior)
			keep = ps.cand[i].in_block;
		else if (!diluted)
			keep = 1;
		else if (spike->pattern == FG_DRIP)
			keep = m >= 0 && signature[m];
		else
			keep = ps.cand[i].in_block;
		if (rc == 0 && keep) {
			plan->why[plan->n] = ps.cand[i].why;
			plan->why[plan->n].id = ps.cand[i].id;
			plan->ids[plan->n++] = ps.cand[i].id;
		} else {
			if (ps.cand[i].by_prior)
				plan->below_score++;
			else
				plan->outside_months += rc == 0;
			free(ps.cand[i].id);
		}
	}
	free(ps.cand);
	free(ps.blk_fake);
	free(ps.blk_cand);
	free(ps.organic);
	free(ps.ref);
	free(cand_months);
	if (rc == -1)
		plan_free(plan);
	return rc;
}

void
plan_free(struct fg_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++)
		free(plan->ids[i]);
	free(plan->ids);
	free(plan->why);
	memset(plan, 0, sizeof(*plan));
}
