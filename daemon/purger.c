/*
 * The purger. See purger.h.
 *
 * Each running job is a `run`: a small state machine driven by the poller's action
 * callbacks. Every step that changes what is known is one transaction: an entry becomes
 * "sending" before its removal goes out and "done" (with the follower's edge marked removed)
 * when the platform's answer comes back. A daemon killed in between finds the entry
 * "sending" and sends it again; every removal used is idempotent on its platform (Mastodon
 * remove_from_followers, a Bluesky block record under a key fixed in the journal, an X
 * block), so the follower is removed once whatever the timing, and a done entry is never
 * sent again.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "purge.h"
#include "clock.h"
#include "purger.h"
#include "timeutil.h"
#include "xmalloc.h"

#define RETRY_AFTER	30	/* seconds after a step failed transiently */
#define FATAL_STOP	3	/* the same refusal this many times in a row ends the job */

enum phase { R_SCHEDULED, R_FOLLOWING, R_REMOVE, R_UNPURGE };

struct run {
	LIST_ENTRY(run)	 entry;
	struct purger	*pg;
	uint64_t	 job;
	char		 watch[FG_WATCH_MAX + 1];
	enum phase	 phase;
	struct fg_timer	*timer;
	int		 busy;		/* an action is queued or out */
	/* the watched account's following list, sorted once read */
	char		*cursor;
	struct fg_page	 page;
	char		**following;
	size_t		 nfollowing, capf;
	/* the entry at hand */
	uint32_t	 next;
	uint32_t	 seq;
	char		 id[256];
	char		 key[32];
	unsigned	 fatal_run;
	char		 last_fatal[256];
};

struct purger {
	struct fg_clock		*clock;
	struct poller		*poller;
	struct fg_store		*store;
	const struct fg_config	*cfg;
	LIST_HEAD(, run)	 runs;
};

static void	run_step(struct run *);

struct purger *
purger_new(struct fg_clock *clock, struct poller *poller, struct fg_store *store,
    const struct fg_config *cfg)
{
	struct purger *pg = xcalloc(1, sizeof(*pg));

	pg->clock = clock;
	pg->poller = poller;
	pg->store = store;
	pg->cfg = cfg;
	LIST_INIT(&pg->runs);
	return pg;
}

static void
run_free(struct run *r)
{
	size_t i;

	LIST_REMOVE(r, entry);
	poller_act_cancel(r->pg->poller, r);
	timer_free(r->timer);
	free(r->cursor);
	page_free(&r->page);
	for (i = 0; i < r->nfollowing; i++)
		free(r->following[i]);
	free(r->following);
	free(r);
}

void
purger_free(struct purger *pg)
{
	if (pg == NULL)
		return;
	while (!LIST_EMPTY(&pg->runs))
		run_free(LIST_FIRST(&pg->runs));
	free(pg);
}

static struct run *
run_find(struct purger *pg, uint64_t job)
{
	struct run *r;

	LIST_FOREACH(r, &pg->runs, entry)
		if (r->job == job)
			return r;
	return NULL;
}

static void
on_run_timer(void *arg)
{
	run_step(arg);
}

static void
run_later(struct run *r, int64_t seconds)
{
	timer_arm(r->timer, (double)seconds);
}

static struct run *
run_new(struct purger *pg, uint64_t job, const char *watch, enum phase phase)
{
	struct run *r = xcalloc(1, sizeof(*r));

	r->pg = pg;
	r->job = job;
	snprintf(r->watch, sizeof(r->watch), "%s", watch);
	r->phase = phase;
	r->timer = timer_new(pg->clock, on_run_timer, r);
	LIST_INSERT_HEAD(&pg->runs, r, entry);
	return r;
}

/* Transactions. */

struct mark {
	uint64_t	 job;
	uint32_t	 seq;
	const char	*state, *reason, *watch, *id;
	int		 edge;		/* the follower's edge becomes this state, or 0 */
	int64_t		 now;
};

static int
mark_write(struct fg_txn *txn, void *arg)
{
	struct mark *m = arg;
	struct fg_edge e;
	int rc;

	if (m->edge != 0) {
		if ((rc = store_edge_get(txn, m->watch, m->id, &e)) == -1)
			return -1;
		if (rc == 0) {
			e.state = (uint8_t)m->edge;
			e.last_seen = m->now;
			if (store_edge_put(txn, m->watch, m->id, &e) == -1)
				return -1;
		}
	}
	return purge_entry_mark(txn, m->job, m->seq, m->state, m->reason, m->now);
}

static int
mark(struct run *r, const char *state, const char *reason, int edge)
{
	struct mark m = { r->job, r->seq, state, reason, r->watch, r->id, edge, clock_now(r->pg->clock) };

	if (store_write(r->pg->store, mark_write, &m) != 0) {
		log_warnx("purge job %" PRIu64 ": cannot record entry %u (%s)", r->job, r->seq,
		    state);
		return -1;
	}
	return 0;
}

struct ending {
	uint64_t	 job;
	const char	*state, *reason;
	int64_t		 now;
};

static int
end_write(struct fg_txn *txn, void *arg)
{
	struct ending *e = arg;

	return purge_job_end(txn, e->job, e->state, e->reason, e->now);
}

/* The job ends (failed or cancelled); its run goes. */
static void
run_end(struct run *r, const char *state, const char *reason)
{
	struct ending e = { r->job, state, reason, clock_now(r->pg->clock) };

	if (store_write(r->pg->store, end_write, &e) != 0)
		log_warnx("purge job %" PRIu64 ": cannot record its end", r->job);
	if (reason != NULL)
		log_warnx("purge job %" PRIu64 " (watch %s) %s: %s", r->job, r->watch, state,
		    reason);
	else
		log_warnx("purge job %" PRIu64 " (watch %s) %s", r->job, r->watch, state);
	run_free(r);
}

/* The following list: mutuals are never removed. */

static int
following_build(void *arg, const struct fg_provider *prov, const struct fg_account *a,
    struct fg_request *req)
{
	struct run *r = arg;

	return prov->following(a, r->cursor, req);
}

static enum fg_presult
following_parse(void *arg, const struct fg_provider *prov, const struct fg_account *a,
    const struct fg_response *resp, char *err, size_t errlen)
{
	struct run *r = arg;

	page_free(&r->page);
	return prov->parse_page(a, resp, clock_now(r->pg->clock), &r->page, err, errlen);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_following(const struct run *r, const char *id)
{
	return r->nfollowing > 0 && bsearch(&id, r->following, r->nfollowing,
	    sizeof(*r->following), cmp_str) != NULL;
}

static void
following_done(void *arg, enum fg_presult res, const char *err)
{
	struct run *r = arg;
	size_t i;

	r->busy = 0;
	if (res == FG_P_RETRY) {
		log_warnx("purge job %" PRIu64 ": reading the following list: %s; again in %d s",
		    r->job, err, RETRY_AFTER);
		run_later(r, RETRY_AFTER);
		return;
	}
	if (res != FG_P_OK) {
		run_end(r, JOB_FAILED, "cannot read the accounts the watched account follows, "
		    "which protect mutuals from removal");
		return;
	}
	for (i = 0; i < r->page.n; i++) {
		if (r->nfollowing == r->capf) {
			r->capf = r->capf ? r->capf * 2 : 256;
			r->following = xreallocarray(r->following, r->capf, sizeof(char *));
		}
		r->following[r->nfollowing++] = xstrdup(r->page.profiles[i].id);
	}
	free(r->cursor);
	r->cursor = r->page.cursor != NULL && r->page.n > 0 ? xstrdup(r->page.cursor) : NULL;
	page_free(&r->page);
	if (r->cursor == NULL) {
		if (r->nfollowing > 0)
			qsort(r->following, r->nfollowing, sizeof(char *), cmp_str);
		log_info("purge job %" PRIu64 ": the watched account follows %zu accounts; "
		    "they are kept", r->job, r->nfollowing);
		r->phase = R_REMOVE;
	}
	run_step(r);
}

/* Removals (and their undoing). */

static int
remove_build(void *arg, const struct fg_provider *prov, const struct fg_account *a,
    struct fg_request *req)
{
	struct run *r = arg;

	if (r->phase == R_UNPURGE)
		return prov->unremove(a, r->id, r->key, req);
	return prov->remove(a, r->id, r->key[0] != '\0' ? r->key : NULL, req);
}

static enum fg_presult
remove_parse(void *arg, const struct fg_provider *prov, const struct fg_account *a,
    const struct fg_response *resp, char *err, size_t errlen)
{
	struct run *r = arg;

	(void)a;
	if (r->phase == R_UNPURGE)
		return prov->parse_unremove(resp, err, errlen);
	return prov->parse_remove(resp, err, errlen);
}

static void
remove_done(void *arg, enum fg_presult res, const char *err)
{
	struct run *r = arg;
	int undo = r->phase == R_UNPURGE;

	r->busy = 0;
	switch (res) {
	case FG_P_OK:
		r->fatal_run = 0;
		if (mark(r, undo ? "restored" : "done", NULL, !undo ? FG_EDGE_REMOVED :
		    poller_provider(r->pg->poller, r->watch)->unremove_restores ?
		    FG_EDGE_FOLLOWING : 0) == -1) {
			run_later(r, RETRY_AFTER);
			return;
		}
		r->next = r->seq + 1;
		break;
	case FG_P_RETRY:
		log_warnx("purge job %" PRIu64 ": %s of %s: %s; again in %d s", r->job,
		    undo ? "unblocking" : "removal", r->id, err, RETRY_AFTER);
		run_later(r, RETRY_AFTER);
		return;
	case FG_P_AUTH:
		run_end(r, JOB_FAILED, err);
		return;
	case FG_P_FATAL:
	default:
		log_warnx("purge job %" PRIu64 ": %s of %s refused: %s", r->job,
		    undo ? "unblocking" : "removal", r->id, err);
		if (strcmp(err, r->last_fatal) == 0)
			r->fatal_run++;
		else {
			r->fatal_run = 1;
			snprintf(r->last_fatal, sizeof(r->last_fatal), "%s", err);
		}
		if (!undo && mark(r, "failed", err, 0) == -1) {
			run_later(r, RETRY_AFTER);
			return;
		}
		if (r->fatal_run >= FATAL_STOP) {
			run_end(r, JOB_FAILED, err);
			return;
		}
		r->next = r->seq + 1;
		break;
	}
	run_step(r);
}

/* The next entry to work on: planned or sending (purge), done with a key (unpurge). */
struct pick {
	int		 undo;
	int		 found;
	uint32_t	 seq;
	char		 id[256], key[32], state[16];
};

static int
pick_one(void *arg, uint32_t seq, const char *text)
{
	struct pick *p = arg;
	json_t *o = json_loads(text, 0, NULL);
	const char *st, *id, *key;

	if (o == NULL)
		return -1;
	st = json_string_value(json_object_get(o, "state"));
	id = json_string_value(json_object_get(o, "id"));
	key = json_string_value(json_object_get(o, "key"));
	if (st != NULL && id != NULL && (p->undo ? strcmp(st, "done") == 0 :
	    strcmp(st, "planned") == 0 || strcmp(st, "sending") == 0)) {
		p->found = 1;
		p->seq = seq;
		snprintf(p->id, sizeof(p->id), "%s", id);
		snprintf(p->key, sizeof(p->key), "%s", key != NULL ? key : "");
		snprintf(p->state, sizeof(p->state), "%s", st);
	}
	json_decref(o);
	return p->found;
}

struct pick_arg {
	uint64_t	 job;
	uint32_t	 from;
	struct pick	*p;
};

static int
pick_read(struct fg_txn *txn, void *arg)
{
	struct pick_arg *pa = arg;

	return store_entries_scan(txn, pa->job, pa->from, pick_one, pa->p) == -1 ? -1 : 0;
}

/*
 * A job's plan, drawn up in the daemon's own transaction: on demand (the selector from the
 * CLI, checked against the hash the CLI showed) or when a scheduled job's grace period ends
 * (the selector from its record). Either way the same checks run.
 */
struct starting {
	const struct fg_config	*cfg;
	int			 scheduled;
	struct purge_selector	 sel;
	const char		*expect;	/* on demand: the plan's hash as shown; else NULL */
	uint64_t		 job;		/* scheduled: given; on demand: created */
	size_t			 planned;
	char			 err[512];
	int			 refused;
	int64_t			 now;
};

static int
start_write(struct fg_txn *txn, void *arg)
{
	struct starting *st = arg;
	struct purge_plan plan;
	char hash[20];
	json_t *o;
	int rc;

	st->refused = 0;
	if (st->scheduled) {
		if ((o = purge_job_load(txn, st->job, &rc)) == NULL)
			return -1;
		purge_selector_free(&st->sel);
		rc = purge_selector_from(json_object_get(o, "selector"), &st->sel, st->err,
		    sizeof(st->err));
		json_decref(o);
		if (rc == -1) {
			st->refused = 1;
			return 0;
		}
	}
	if ((rc = purge_select(txn, st->cfg, NULL, &st->sel, &plan, st->err,
	    sizeof(st->err))) != 0) {
		st->refused = rc == 1;
		return rc == 1 ? 0 : -1;
	}
	snprintf(hash, sizeof(hash), "%016" PRIx64, plan.hash);
	if (st->expect != NULL && strcmp(st->expect, hash) != 0) {
		snprintf(st->err, sizeof(st->err), "the plan changed since it was shown (it now "
		    "removes %zu followers); run the command again to see it", plan.planned);
		st->refused = 1;
	} else if (purge_check(st->cfg, &plan, st->err, sizeof(st->err)) == -1)
		st->refused = 1;
	else if (plan.planned == 0 && !st->scheduled) {
		snprintf(st->err, sizeof(st->err), "nothing to remove");
		st->refused = 1;
	} else {
		st->planned = plan.planned;
		rc = st->scheduled ? purge_job_start(txn, st->job, &plan, st->now) :
		    purge_job_create(txn, &st->sel, &plan, st->now, 0, &st->job);
	}
	purge_plan_free(&plan);
	return rc;
}

static int
unpurged_write(struct fg_txn *txn, void *arg)
{
	const struct run *r = arg;
	uint64_t job = r->job;
	json_t *o;
	int rc;

	if ((o = purge_job_load(txn, job, &rc)) == NULL)
		return -1;
	json_object_del(o, "unpurging");
	json_object_set_new(o, "unpurged", json_integer(clock_now(r->pg->clock)));
	rc = purge_job_save(txn, job, o);
	json_decref(o);
	return rc;
}

static int
provider_usable(struct run *r)
{
	const struct fg_provider *prov = poller_provider(r->pg->poller, r->watch);
	char why[160];

	if (prov == NULL)
		snprintf(why, sizeof(why), "watch %s is not being polled (not configured, or "
		    "its token is unreadable)", r->watch);
	else if (r->phase == R_UNPURGE && prov->unremove == NULL)
		snprintf(why, sizeof(why), "%s cannot restore a removed follower", prov->name);
	else if (prov->remove == NULL)
		snprintf(why, sizeof(why), "%s offers no removal", prov->name);
	else
		return 1;
	run_end(r, JOB_FAILED, why);
	return 0;
}

static void
run_step(struct run *r)
{
	struct poller_action pa;
	struct starting st;
	struct pick p;
	struct pick_arg pka;
	const struct fg_provider *prov;
	int rc;

	if (r->busy)
		return;
	if (r->phase == R_SCHEDULED) {
		memset(&st, 0, sizeof(st));
		st.cfg = r->pg->cfg;
		st.scheduled = 1;
		st.job = r->job;
		st.now = clock_now(r->pg->clock);
		rc = store_write(r->pg->store, start_write, &st);
		purge_selector_free(&st.sel);
		if (rc != 0) {
			run_later(r, RETRY_AFTER);
			return;
		}
		if (st.refused) {
			run_end(r, JOB_FAILED, st.err);
			return;
		}
		log_warnx("purge job %" PRIu64 " (watch %s): grace period over, removing",
		    r->job, r->watch);
		r->phase = R_FOLLOWING;
	}
	if (!provider_usable(r))
		return;
	prov = poller_provider(r->pg->poller, r->watch);
	pa.arg = r;
	if (r->phase == R_FOLLOWING) {
		if (prov->following == NULL) {
			r->phase = R_REMOVE;
		} else {
			pa.build = following_build;
			pa.parse = following_parse;
			pa.done = following_done;
			r->busy = 1;
			poller_act(r->pg->poller, r->watch, &pa);
			return;
		}
	}
	for (;;) {
		memset(&p, 0, sizeof(p));
		p.undo = r->phase == R_UNPURGE;
		pka.job = r->job;
		pka.from = r->next;
		pka.p = &p;
		if (store_read(r->pg->store, pick_read, &pka) != 0) {
			run_later(r, RETRY_AFTER);
			return;
		}
		if (!p.found) {
			if (p.undo && store_write(r->pg->store, unpurged_write, r) != 0) {
				run_later(r, RETRY_AFTER);
				return;
			}
			log_warnx("purge job %" PRIu64 " (watch %s): %s", r->job, r->watch,
			    p.undo ? "blocks lifted" : "done");
			run_free(r);
			return;
		}
		r->seq = p.seq;
		snprintf(r->id, sizeof(r->id), "%s", p.id);
		snprintf(r->key, sizeof(r->key), "%s", p.key);
		if (p.undo || !is_following(r, p.id))
			break;
		if (mark(r, "skipped", purge_skip_name(SKIP_MUTUAL), 0) == -1) {
			run_later(r, RETRY_AFTER);
			return;
		}
		r->next = p.seq + 1;
	}
	if (!p.undo && strcmp(p.state, "planned") == 0 && mark(r, "sending", NULL, 0) == -1) {
		run_later(r, RETRY_AFTER);
		return;
	}
	pa.build = remove_build;
	pa.parse = remove_parse;
	pa.done = remove_done;
	r->busy = 1;
	poller_act(r->pg->poller, r->watch, &pa);
}

/* Jobs that should run. */

struct syncing {
	struct purger	*pg;
	uint64_t	 jobs[64];
	char		 watches[64][FG_WATCH_MAX + 1];
	int64_t		 not_before[64];
	int		 kind[64];	/* 0 purge, 1 scheduled, 2 unpurge */
	size_t		 n;
};

static int
sync_one(void *arg, uint64_t id, const char *text)
{
	struct syncing *sy = arg;
	json_t *o = json_loads(text, 0, NULL);
	const char *state, *watch;
	int kind = -1;

	if (o == NULL)
		return 0;
	state = json_string_value(json_object_get(o, "state"));
	watch = json_string_value(json_object_get(o, "watch"));
	if (state != NULL && watch != NULL && run_find(sy->pg, id) == NULL &&
	    sy->n < sizeof(sy->jobs) / sizeof(sy->jobs[0])) {
		if (json_is_true(json_object_get(o, "unpurging")))
			kind = 2;
		else if (strcmp(state, JOB_RUNNING) == 0)
			kind = 0;
		else if (strcmp(state, JOB_SCHEDULED) == 0)
			kind = 1;
	}
	if (kind >= 0) {
		sy->jobs[sy->n] = id;
		sy->kind[sy->n] = kind;
		sy->not_before[sy->n] = json_integer_value(json_object_get(o, "not_before"));
		snprintf(sy->watches[sy->n], sizeof(sy->watches[0]), "%s", watch);
		sy->n++;
	}
	json_decref(o);
	return 0;
}

static int
sync_read(struct fg_txn *txn, void *arg)
{
	return store_jobs_scan(txn, 1, sync_one, arg);
}

void
purger_sync(struct purger *pg)
{
	static const enum phase phases[] = { R_FOLLOWING, R_SCHEDULED, R_UNPURGE };
	struct syncing sy;
	struct run *r;
	size_t i;

	memset(&sy, 0, sizeof(sy));
	sy.pg = pg;
	if (store_read(pg->store, sync_read, &sy) != 0) {
		log_warnx("purger: cannot read the purge jobs");
		return;
	}
	for (i = 0; i < sy.n; i++) {
		r = run_new(pg, sy.jobs[i], sy.watches[i], phases[sy.kind[i]]);
		if (r->phase == R_SCHEDULED) {
			log_info("purge job %" PRIu64 " (watch %s): automatic removal in %" PRId64
			    " s unless cancelled", r->job, r->watch,
			    sy.not_before[i] - clock_now(pg->clock));
			run_later(r, sy.not_before[i] - clock_now(pg->clock));
		} else {
			log_info("purge job %" PRIu64 " (watch %s): %s", r->job, r->watch,
			    r->phase == R_UNPURGE ? "lifting blocks" : "resuming");
			run_later(r, 0);
		}
	}
}

/* Automatic purges. */

struct auto_find {
	const char	*watch, *spike;
	int		 found;
	uint64_t	 job;
	int64_t		 not_before;
	int		 scheduled;
};

static int
auto_one(void *arg, uint64_t id, const char *text)
{
	struct auto_find *af = arg;
	json_t *o = json_loads(text, 0, NULL), *sel;

	if (o == NULL)
		return 0;
	sel = json_object_get(o, "selector");
	if (json_is_true(json_object_get(o, "automatic")) &&
	    json_string_value(json_object_get(o, "watch")) != NULL &&
	    strcmp(json_string_value(json_object_get(o, "watch")), af->watch) == 0 &&
	    json_string_value(json_object_get(sel, "spike")) != NULL &&
	    strcmp(json_string_value(json_object_get(sel, "spike")), af->spike) == 0) {
		af->found = 1;
		af->job = id;
		af->not_before = json_integer_value(json_object_get(o, "not_before"));
		af->scheduled = json_string_value(json_object_get(o, "state")) != NULL &&
		    strcmp(json_string_value(json_object_get(o, "state")), JOB_SCHEDULED) == 0;
	}
	json_decref(o);
	return af->found;
}

int
purger_schedule(struct purger *pg, struct fg_txn *txn, const struct fg_report *rep,
    uint64_t *job, int64_t *not_before)
{
	const struct fg_config *cfg = pg->cfg;
	const struct fg_spike *s = rep->spike;
	struct auto_find af = { rep->watch, s->id, 0, 0, 0, 0 };
	struct purge_selector sel;
	int rc;

	*job = 0;
	if (!cfg->purge.auto_remove || s->kind != FG_SPIKE_INORGANIC || rep->plan == NULL ||
	    s->fake_share < cfg->purge.min_fake_share ||
	    (cfg->purge.critical_only && s->severity != FG_CRITICAL))
		return 0;
	if (store_jobs_scan(txn, 1, auto_one, &af) == -1)
		return -1;
	if (af.found) {
		if (af.scheduled) {	/* later alerts of the spike still say how to stop it */
			*job = af.job;
			*not_before = af.not_before;
		}
		return 0;
	}
	memset(&sel, 0, sizeof(sel));
	snprintf(sel.watch, sizeof(sel.watch), "%s", rep->watch);
	sel.spike_id = (char *)s->id;
	sel.since = sel.until = FG_TIME_UNKNOWN;
	sel.min_score = -1;
	*not_before = rep->t + cfg->purge.grace;
	rc = purge_job_schedule(txn, &sel, rep->t, *not_before, job);
	return rc;
}

/* Control commands. */

static int
job_of(const json_t *req, uint64_t *job, char *err, size_t errlen)
{
	const json_t *v = json_object_get(req, "job");

	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		snprintf(err, errlen, "job: expected a job number");
		return -1;
	}
	*job = (uint64_t)json_integer_value(v);
	return 0;
}

json_t *
purger_start(struct purger *pg, const json_t *req, char *err, size_t errlen)
{
	const struct fg_provider *prov;
	struct starting c;
	struct run *r;

	memset(&c, 0, sizeof(c));
	c.cfg = pg->cfg;
	c.now = clock_now(pg->clock);
	/*
	 * A purge removes the plan its requester was shown, named by its hash, and nothing else:
	 * a request without one (a raw write to the socket) would remove whatever the selector
	 * finds at the time.
	 */
	if ((c.expect = json_string_value(json_object_get(req, "expect"))) == NULL) {
		snprintf(err, errlen, "purge: \"expect\" missing: the hash of the plan shown "
		    "(followguard purge --yes sends it)");
		return NULL;
	}
	if (purge_selector_from(json_object_get(req, "selector"), &c.sel, err, errlen) == -1)
		return NULL;
	if ((prov = poller_provider(pg->poller, c.sel.watch)) == NULL) {
		snprintf(err, errlen, "watch %s is not being polled (not configured, or its "
		    "token is unreadable)", c.sel.watch);
		purge_selector_free(&c.sel);
		return NULL;
	}
	if (prov->remove == NULL) {
		snprintf(err, errlen, "%s offers no way to remove followers", prov->name);
		purge_selector_free(&c.sel);
		return NULL;
	}
	LIST_FOREACH(r, &pg->runs, entry)
		if (strcmp(r->watch, c.sel.watch) == 0 && r->phase != R_SCHEDULED) {
			snprintf(err, errlen, "purge job %" PRIu64 " is already at work on watch "
			    "%s; wait for it (followguard purge --status %" PRIu64 ") or cancel it",
			    r->job, c.sel.watch, r->job);
			purge_selector_free(&c.sel);
			return NULL;
		}
	if (store_write(pg->store, start_write, &c) != 0)
		snprintf(c.err, sizeof(c.err), "cannot write the purge journal");
	if (c.job == 0) {
		snprintf(err, errlen, "%s", c.err);
		purge_selector_free(&c.sel);
		return NULL;
	}
	log_warnx("purge job %" PRIu64 " (watch %s): %zu followers to remove", c.job,
	    c.sel.watch, c.planned);
	r = run_new(pg, c.job, c.sel.watch, R_FOLLOWING);
	purge_selector_free(&c.sel);
	run_later(r, 0);
	return json_pack("{s:I, s:I}", "job", (json_int_t)c.job, "planned",
	    (json_int_t)c.planned);
}

struct job_read {
	uint64_t	 job;
	json_t		*o;
	int		 rc;
};

static int
job_read(struct fg_txn *txn, void *arg)
{
	struct job_read *jr = arg;

	jr->o = purge_job_load(txn, jr->job, &jr->rc);
	return jr->o == NULL && jr->rc == -1 ? -1 : 0;
}

json_t *
purger_status(struct purger *pg, const json_t *req, char *err, size_t errlen)
{
	struct job_read jr;
	struct run *r;

	memset(&jr, 0, sizeof(jr));
	if (job_of(req, &jr.job, err, errlen) == -1)
		return NULL;
	if (store_read(pg->store, job_read, &jr) != 0 || jr.o == NULL) {
		snprintf(err, errlen, "no purge job %" PRIu64, jr.job);
		return NULL;
	}
	if ((r = run_find(pg, jr.job)) != NULL)
		json_object_set_new(jr.o, "phase", json_string(r->phase == R_SCHEDULED ?
		    "grace period" : r->phase == R_FOLLOWING ? "reading the following list" :
		    r->phase == R_UNPURGE ? "lifting blocks" : "removing"));
	return json_pack("{s:o}", "job_status", jr.o);
}

json_t *
purger_cancel(struct purger *pg, const json_t *req, char *err, size_t errlen)
{
	struct job_read jr;
	struct run *r;
	const char *state;
	int live;

	memset(&jr, 0, sizeof(jr));
	if (job_of(req, &jr.job, err, errlen) == -1)
		return NULL;
	if (store_read(pg->store, job_read, &jr) != 0 || jr.o == NULL) {
		snprintf(err, errlen, "no purge job %" PRIu64, jr.job);
		return NULL;
	}
	state = json_string_value(json_object_get(jr.o, "state"));
	live = state != NULL && (strcmp(state, JOB_RUNNING) == 0 ||
	    strcmp(state, JOB_SCHEDULED) == 0);
	if (!live)
		snprintf(err, errlen, "purge job %" PRIu64 " is %s, not running", jr.job,
		    state != NULL ? state : "unreadable");
	json_decref(jr.o);
	if (!live)
		return NULL;
	if ((r = run_find(pg, jr.job)) == NULL)
		r = run_new(pg, jr.job, "-", R_REMOVE);
	run_end(r, JOB_CANCELLED, NULL);
	return json_pack("{s:I}", "cancelled", (json_int_t)jr.job);
}

struct unpurging {
	struct purger	*pg;
	uint64_t	 job;
	char		 watch[FG_WATCH_MAX + 1];
	char		 err[256];
};

static int
unpurge_write(struct fg_txn *txn, void *arg)
{
	struct unpurging *u = arg;
	const struct fg_provider *prov;
	const char *state, *watch;
	json_t *o;
	int rc;

	if ((o = purge_job_load(txn, u->job, &rc)) == NULL) {
		snprintf(u->err, sizeof(u->err), "no purge job %" PRIu64, u->job);
		return rc == -1 ? -1 : 1;
	}
	state = json_string_value(json_object_get(o, "state"));
	watch = json_string_value(json_object_get(o, "watch"));
	if (state == NULL || watch == NULL || strcmp(state, JOB_RUNNING) == 0 ||
	    strcmp(state, JOB_SCHEDULED) == 0) {
		snprintf(u->err, sizeof(u->err), "purge job %" PRIu64 " is still %s: cancel it "
		    "first", u->job, state != NULL ? state : "unreadable");
		json_decref(o);
		return 1;
	}
	snprintf(u->watch, sizeof(u->watch), "%s", watch);
	prov = poller_provider(u->pg->poller, watch);
	if (prov == NULL || prov->unremove == NULL) {
		snprintf(u->err, sizeof(u->err), prov == NULL ? "watch %s is not being polled" :
		    "%s cannot restore a removed follower: the follow is gone for good",
		    prov == NULL ? watch : prov->name);
		json_decref(o);
		return 1;
	}
	json_object_set_new(o, "unpurging", json_true());
	rc = purge_job_save(txn, u->job, o);
	json_decref(o);
	return rc;
}

json_t *
purger_unpurge(struct purger *pg, const json_t *req, char *err, size_t errlen)
{
	struct unpurging u;
	struct run *r;
	int rc;

	memset(&u, 0, sizeof(u));
	u.pg = pg;
	if (job_of(req, &u.job, err, errlen) == -1)
		return NULL;
	if (run_find(pg, u.job) != NULL) {
		snprintf(err, errlen, "purge job %" PRIu64 " is busy", u.job);
		return NULL;
	}
	if ((rc = store_write(pg->store, unpurge_write, &u)) != 0) {
		snprintf(err, errlen, "%s", rc == 1 ? u.err : "cannot write the purge journal");
		return NULL;
	}
	r = run_new(pg, u.job, u.watch, R_UNPURGE);
	run_later(r, 0);
	return json_pack("{s:I}", "job", (json_int_t)u.job);
}
