/*
 * Purge plans. See plan.h.
 *
 * The cohort is every follower who first arrived during the spike, still follows, was not in
 * the initial scan and is not allowlisted. Newcomers (created minutes before they followed)
 * are never planned: they are people joining the platform. Each remaining follower is
 * planned on evidence of the purchase:
 *
 * - batch evidence, whatever its score: created in one of the cohort's creation windows (days
 *   in which far more of the cohort was created than the account's usual followers make
 *   likely), created together with its neighbours in the follow order, or carrying the name
 *   and bio of another follower. Vendors make their stock in runs and copy real profiles;
 *   people were created at unrelated times and write their own words.
 * - its own score at or above purge.min_score, if it is not young (an account a few days
 *   old has had no time to post or be followed: its counts say nothing) and, in a cohort
 *   diluted by organic arrivals, if it stands in a block of fake-looking arrivals.
 * - the cohort prior: in a poll that the purchase dominated, a lower score suffices for an
 *   established account standing in a block.
 * Drips, delivered one or two at a time among weeks of organic arrivals, are planned on batch
 * evidence only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cohort.h"
#include "plan.h"
#include "stats.h"
#include "timeutil.h"
#include "xmalloc.h"

#define DAY		86400
#define MONTHS_SPAN	(12 * 60)	/* creation months counted from 2000-01 */
#define REF_WINDOW	(21 * DAY)	/* usual arrivals the cohort is compared with */
/*
 * Purchased followers arrive in blocks: all but one of W neighbours in one poll's follow order
 * fake-looking. W is the smallest width (at least BLOCK_MIN_WIDTH) at which the account's
 * usual arrivals, as fake-looking as they were in the three weeks before, would make such a
 * block less than BLOCK_CHANCE times in a cohort of the spike's size: a viral burst of
 * thousands needs longer blocks than a quiet account's purchase.
 */
#define BLOCK_MIN_WIDTH	10
#define BLOCK_MAX_WIDTH	64
#define BLOCK_CHANCE	0.01
#define USUAL_FAKEISH	0.3	/* assumed when the spike does not say */
#define LOOK_SHARE	0.05
/*
 * In a poll where arrivals beyond the baseline outnumber the expected ones a hundred to one
 * and are as fake-scored as the cohort, odds are raised 19:1 (as if 95 % of the poll were
 * bought, a conservative reading of 99 %). Only against a baseline of a day of complete hours
 * at least: a cold start (or a watch that has just begun) expects nothing, and every poll
 * would look bought.
 */
#define DOMINATED	0.01
#define COHORT_ODDS	19.0
#define TRUSTED_HOURS	24
static const char *const evidence_names[FG_EV_COUNT] = {
	"score", "block", "cohort_prior", "creation_window", "created_with_neighbours",
	"copied_profile",
};
/* Strongest first, for people. */
static const int evidence_order[FG_EV_COUNT] = { 5, 3, 4, 0, 2, 1 };

const char *
plan_evidence_name(int bit)
{
	return bit >= 0 && bit < FG_EV_COUNT ? evidence_names[bit] : "unknown";
}

char *
plan_evidence_format(unsigned ev, const char *sep, char *buf, size_t len)
{
	size_t i, n = 0, sl = strlen(sep), w;
	int b;

	if (len == 0)
		return buf;
	for (i = 0; i < FG_EV_COUNT; i++) {
		b = evidence_order[i];
		if (!(ev & (1u << b)))
			continue;
		w = strlen(evidence_names[b]);
		if (n > 0 && n + sl < len) {
			memcpy(buf + n, sep, sl);
			n += sl;
		}
		if (n + w >= len)
			break;
		memcpy(buf + n, evidence_names[b], w);
		n += w;
	}
	buf[n] = '\0';
	return buf;
}

unsigned
plan_evidence_parse(const char *s)
{
	unsigned ev = 0;
	size_t len;
	int b;

	while (*s != '\0') {
		len = strcspn(s, ",");
		for (b = 0; b < FG_EV_COUNT; b++)
			if (strlen(evidence_names[b]) == len &&
			    strncmp(evidence_names[b], s, len) == 0)
				ev |= 1u << b;
		s += len;
		if (*s == ',')
			s++;
	}
	return ev;
}

/* A cohort member that passed the protections, and what speaks for its purchase. */
struct member {
	const char	*id;		/* the store's: the transaction writes nothing meanwhile */
	int64_t		 t;		/* the poll that saw it follow */
	int64_t		 created;
	double		 score;
	uint64_t	 text;		/* cohort_text_key, 0 if none */
	int		 month;		/* creation month from 2000-01, -1 if unknown */
	int		 young;		/* created less than FG_YOUNG before it followed */
	int		 prior_ok;	/* in a dominated poll, above the lowered threshold */
	unsigned	 look;		/* cohort_look */
	unsigned	 ev;
};

/* One poll's arrivals in follow order, for the block evidence. */
struct pollbuf {
	int64_t		 t;
	size_t		 n, cap;
	uint8_t		*fakeish;
	long		*member;	/* index in members, -1 if not one */
};

struct drafting {
	struct fg_txn		*txn;
	const struct fg_model	*model;
	const struct fg_policy	*policy;
	const char		*watch;
	const struct fg_spike	*spike;
	struct fg_plan		*plan;
	struct member		*m;
	size_t			 nm, cap;
	/* poll times from a day before the spike, and those the purchase dominated */
	int64_t			*polls;
	uint8_t			*dominated;
	size_t			 npolls, pollcap;
	double			 min_logit;
	struct pollbuf		 pb;
	struct fg_neighbours	 nb;
	/* the usual arrivals before the spike: how many, how many fake-looking */
	size_t			 block_width;
	/* how the members a score or the prior would plan look (cohort_look) */
	double			 looks[FG_LOOKS], nlooks;
	/* a drip's plan leaves out the bursts inside it */
	int64_t			(*bursts)[2];
	size_t			 nbursts;
};

static int
creation_month(int64_t created_at)
{
	int64_t y;
	unsigned m, d;

	if (created_at == FG_TIME_UNKNOWN)
		return -1;
	time_civil_from_days(created_at / DAY, &y, &m, &d);
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
allowlisted(const struct fg_policy *p, const struct fg_profile *prof)
{
	size_t i;

	for (i = 0; i < p->nallowlist; i++)
		if (strcmp(p->allowlist[i], prof->id) == 0 ||
		    (prof->handle != NULL && strcasecmp(p->allowlist[i], prof->handle) == 0))
			return 1;
	return 0;
}

/* The poll at t: its index, or -1. Polls are in time order. */
static long
poll_index(const struct drafting *dr, int64_t t)
{
	size_t lo = 0, hi = dr->npolls, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (dr->polls[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < dr->npolls && dr->polls[lo] == t ? (long)lo : -1;
}

/* Seconds the poll at t covered; 300 when the poll before it is unknown. */
static int64_t
poll_interval(const struct drafting *dr, int64_t t)
{
	long i = poll_index(dr, t);

	return i > 0 ? t - dr->polls[i - 1] : 300;
}

/* Notes every poll, and the burst's polls whose arrivals were 99 % beyond the baseline. */
static int
poll_one(void *arg, const struct fg_poll *p)
{
	struct drafting *dr = arg;
	const struct fg_spike *s = dr->spike;
	double dt, expected;

	if (dr->npolls == dr->pollcap) {
		dr->pollcap = dr->pollcap ? dr->pollcap * 2 : 256;
		dr->polls = xreallocarray(dr->polls, dr->pollcap, sizeof(*dr->polls));
		dr->dominated = xreallocarray(dr->dominated, dr->pollcap, 1);
	}
	dt = dr->npolls > 0 ? (double)(p->t - dr->polls[dr->npolls - 1]) : 300;

	expected = s->baseline_per_hour * dt / 3600;
	/* Organic surges are beyond the baseline too: the poll must look like the cohort. */
	dr->dominated[dr->npolls] = s->pattern == FG_BURST && p->t >= s->start &&
	    s->baseline_hours >= TRUSTED_HOURS &&
	    p->arrivals > 0 && expected <= DOMINATED * p->arrivals &&
	    p->fake >= 0.4 * p->arrivals && p->fake >= 0.8 * s->fake_share * p->arrivals;
	dr->polls[dr->npolls++] = p->t;
	return 0;
}

/* Marks the members of the poll just read that stand in a block. */
static void
pollbuf_close(struct drafting *dr)
{
	struct pollbuf *b = &dr->pb;
	size_t i, j, cnt = 0;

	for (i = 0; i < b->n; i++) {
		cnt += b->fakeish[i];
		if (i >= dr->block_width)
			cnt -= b->fakeish[i - dr->block_width];
		if (i + 1 < dr->block_width || cnt + 1 < dr->block_width)
			continue;
		/*
		 * The fake-looking ones of the window ending at i: a person standing between
		 * two runs of a delivery is not part of it.
		 */
		for (j = i + 1 - dr->block_width; j <= i; j++)
			if (b->member[j] >= 0 && b->fakeish[j])
				dr->m[b->member[j]].ev |= FG_EV_BLOCK;
	}
	b->n = 0;
}

static void
pollbuf_push(struct drafting *dr, int64_t t, int fakeish, long member)
{
	struct pollbuf *b = &dr->pb;

	if (t != b->t)
		pollbuf_close(dr);
	b->t = t;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->fakeish = xreallocarray(b->fakeish, b->cap, 1);
		b->member = xreallocarray(b->member, b->cap, sizeof(*b->member));
	}
	b->fakeish[b->n] = (uint8_t)fakeish;
	b->member[b->n++] = member;
}

static void
pollbuf_free(struct pollbuf *b)
{
	free(b->fakeish);
	free(b->member);
}

/*
 * The block width: the smallest at which a cohort of the spike's size, as fake-looking as the
 * account's usual arrivals (the detector's baseline, newcomers left out), holds a block
 * (W - 1 of W) less than BLOCK_CHANCE times.
 */
static size_t
block_width(const struct drafting *dr)
{
	double q = dr->spike->baseline_fakeish, n, chance;
	size_t w;

	if (!(q > 0 && q < 1))
		q = USUAL_FAKEISH;
	n = (double)dr->spike->new_followers;
	for (w = BLOCK_MIN_WIDTH; w < BLOCK_MAX_WIDTH; w++) {
		chance = n * (pow(q, (double)w) + (double)w * pow(q, (double)w - 1) * (1 - q));
		if (chance < BLOCK_CHANCE)
			break;
	}
	return w;
}

static int
in_burst(const struct drafting *dr, int64_t t)
{
	size_t i;

	for (i = 0; i < dr->nbursts; i++)
		if (t >= dr->bursts[i][0] && t <= dr->bursts[i][1])
			return 1;
	return 0;
}

/* One arrival of the spike, in follow order: a member, or only context for its neighbours. */
static int
cohort_one(struct drafting *dr, int64_t t, const char *id, const struct fg_profile_rec *rec)
{
	const struct fg_profile *p = &rec->profile;
	struct member *m;
	struct fg_edge e;
	long idx = -1, pi;
	int r, newcomer, near;

	newcomer = cohort_newcomer(p->created_at, t, poll_interval(dr, t));
	near = !newcomer && p->created_at != FG_TIME_UNKNOWN &&
	    cohort_neighbours_next(&dr->nb, p->created_at, t);
	if ((r = store_edge_get(dr->txn, dr->watch, id, &e)) == -1)
		return -1;
	if (newcomer)
		dr->plan->newcomers++;
	else if (r == 0 && e.state == FG_EDGE_FOLLOWING && !e.initial &&
	    e.first_seen >= dr->spike->start && !in_burst(dr, t)) {
		if (allowlisted(dr->policy, p))
			dr->plan->skipped_allowlist++;
		else {
			if (dr->nm == dr->cap) {
				dr->cap = dr->cap ? dr->cap * 2 : 256;
				dr->m = xreallocarray(dr->m, dr->cap, sizeof(*dr->m));
			}
			m = &dr->m[dr->nm];
			memset(m, 0, sizeof(*m));
			m->id = id;
			m->t = t;
			m->created = p->created_at;
			m->score = rec->score;
			m->text = cohort_text_key(p);
			m->look = cohort_look(p);
			m->month = creation_month(p->created_at);
			m->young = p->created_at != FG_TIME_UNKNOWN &&
			    t - p->created_at < FG_YOUNG;
			if (rec->score >= dr->policy->min_score)
				m->ev |= FG_EV_SCORE;
			if (near)
				m->ev |= FG_EV_NEIGHBOURS;
			pi = poll_index(dr, t);
			m->prior_ok = pi >= 0 && dr->dominated[pi] &&
			    logit(rec->score) >= dr->min_logit;
			idx = (long)dr->nm++;
		}
	}
	/*
	 * Blocks are of established accounts, young ones and newcomers stand aside: how many
	 * young accounts look empty depends on the platform's growth (a viral post on a young
	 * platform brings many), not on a purchase.
	 */
	if (!newcomer && (p->created_at == FG_TIME_UNKNOWN || t - p->created_at >= FG_YOUNG))
		pollbuf_push(dr, t, rec->verdict != FG_GENUINE, idx);
	return 0;
}

static int
arrival_one(void *arg, int64_t t, uint32_t seq, const char *id)
{
	struct drafting *dr = arg;
	struct fg_profile_rec rec;
	int r;

	(void)seq;	/* the scan is in follow order already */
	if ((r = store_profile_peek(dr->txn, dr->watch, id, &rec)) == -1)
		return -1;
	if (r == FG_NOTFOUND)
		return 0;
	return cohort_one(dr, t, id, &rec);
}

/*
 * The bursts that overlap a drip: organic ones are people, inorganic ones have plans of their
 * own, and either would blur the drip's creation-month signature.
 */
static int
burst_one(void *arg, const char *spike_id, const char *doc)
{
	struct drafting *dr = arg;
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
	    b >= dr->spike->start - REF_WINDOW && a <= dr->spike->last) {
		dr->bursts = xreallocarray(dr->bursts, dr->nbursts + 1, sizeof(*dr->bursts));
		dr->bursts[dr->nbursts][0] = a;
		dr->bursts[dr->nbursts++][1] = b;
	}
	json_decref(o);
	return 0;
}

/*
 * Copied profiles: a name and bio that an earlier follower had (before the spike), or that
 * COPY_MIN members of the cohort share (two strangers may share a short, common text).
 */
#define COPY_MIN	3
static int
mark_copies(struct drafting *dr)
{
	uint64_t *keys = xcalloc(dr->nm ? dr->nm : 1, sizeof(*keys)), *hit;
	size_t i, n = 0, lo, hi;
	int64_t first;
	int r;

	for (i = 0; i < dr->nm; i++)
		if (dr->m[i].text != 0)
			keys[n++] = dr->m[i].text;
	qsort(keys, n, sizeof(*keys), stats_cmp_u64);
	for (i = 0; i < dr->nm; i++) {
		if (dr->m[i].text == 0)
			continue;
		hit = bsearch(&dr->m[i].text, keys, n, sizeof(*keys), stats_cmp_u64);
		lo = hi = (size_t)(hit - keys);
		while (lo > 0 && keys[lo - 1] == dr->m[i].text)
			lo--;
		while (hi + 1 < n && keys[hi + 1] == dr->m[i].text)
			hi++;
		if (hi + 1 - lo >= COPY_MIN) {
			dr->m[i].ev |= FG_EV_COPY;
			continue;
		}
		if ((r = store_text_get(dr->txn, dr->watch, dr->m[i].text, &first)) == -1) {
			free(keys);
			return -1;
		}
		if (r == 0 && first < dr->spike->start)
			dr->m[i].ev |= FG_EV_COPY;
	}
	free(keys);
	return 0;
}

static int
old_enough(const struct member *m)
{
	return m->month >= 0 && m->t - m->created >= FG_WINDOW_MIN_AGE;
}

/*
 * The creation windows of the cohort (cohort_windows). Members created in a window that holds
 * at most WINDOW_CHANCE people by chance are marked.
 */
#define WINDOW_CHANCE	0.01
static void
mark_windows(struct drafting *dr)
{
	struct fg_plan *plan = dr->plan;
	int64_t *days = xcalloc(dr->nm ? dr->nm : 1, sizeof(*days)), d;
	size_t i, j, n = 0;

	for (i = 0; i < dr->nm; i++)
		if (old_enough(&dr->m[i]))
			days[n++] = dr->m[i].created / DAY;
	qsort(days, n, sizeof(*days), stats_cmp_i64);
	plan->nwindows = cohort_windows(days, n, plan->windows, FG_PLAN_WINDOWS);
	for (i = 0; i < dr->nm; i++) {
		if (!old_enough(&dr->m[i]))
			continue;
		d = dr->m[i].created / DAY;
		for (j = 0; j < plan->nwindows; j++)
			if (d >= plan->windows[j].first && d <= plan->windows[j].last &&
			    plan->windows[j].chance <= WINDOW_CHANCE * plan->windows[j].members)
				dr->m[i].ev |= FG_EV_WINDOW;
	}
	free(days);
}

/*
 * Organic false positives expected among the score-planned: the cohort's arrivals beyond the
 * purchased excess, at the account's usual fake share.
 */
static double
expected_false(const struct fg_spike *s)
{
	double n = (double)s->new_followers, b = s->baseline_fake, bought;

	bought = b < 1 ? ((double)s->fake - b * n) / (1 - b) : 0;
	if (bought < 0)
		bought = 0;
	if (s->pattern == FG_DRIP)	/* the cohort counts only part of the drip's span */
		return b * s->baseline_per_hour * (double)(s->last - s->start) / 3600;
	return b * (n - bought);
}

static int
read_all(struct drafting *dr)
{
	const struct fg_spike *s = dr->spike;
	int64_t from = s->start - REF_WINDOW;

	if (store_polls_scan(dr->txn, dr->watch, from, s->last + 1, poll_one, dr) != 0)
		return -1;
	if (s->pattern == FG_DRIP &&
	    store_spikes_scan(dr->txn, dr->watch, burst_one, dr) != 0)
		return -1;
	dr->block_width = block_width(dr);
	if (store_arrivals_scan(dr->txn, dr->watch, s->start, s->last + 1, arrival_one,
	    dr) != 0)
		return -1;
	pollbuf_close(dr);
	return mark_copies(dr);
}

/* Whether a member is planned. */
static int
keep(const struct drafting *dr, const struct member *m, int diluted)
{
	const unsigned batch = FG_EV_WINDOW | FG_EV_NEIGHBOURS | FG_EV_COPY;

	if (m->ev & batch)
		return 1;
	if (m->young)
		return 0;
	/* A drip comes among weeks of organic arrivals: only batch evidence tells them apart. */
	if (dr->spike->pattern == FG_DRIP)
		return 0;
	/*
	 * On its score or the cohort prior, a member must also look like the batch it came
	 * with: a look at least LOOK_SHARE of the cohort's fake-looking members share.
	 */
	if (dr->looks[m->look] < LOOK_SHARE * dr->nlooks)
		return 0;
	if (m->ev & FG_EV_SCORE)
		return !diluted || (m->ev & FG_EV_BLOCK);
	return m->prior_ok && (m->ev & FG_EV_BLOCK);
}

#define PLANNED		(1u << 31)	/* in member.ev: keep() said yes */

/* A planned member's copy for the plan: its id, score, reasons and evidence. */
static int
explain(const struct drafting *dr, const struct member *m, struct fg_plan_sample *why)
{
	struct fg_profile_rec rec;
	struct fg_score sc;
	int r;

	memset(why, 0, sizeof(*why));
	if ((r = store_profile_get(dr->txn, dr->watch, m->id, &rec)) == -1)
		return -1;
	if (r == 0) {
		model_score(dr->model, &rec.features, &sc);
		why->nreasons = model_reasons(&sc, why->reasons, FG_PLAN_REASONS);
	}
	why->id = xstrdup(m->id);
	why->score = m->score;
	why->evidence = m->ev & ~PLANNED;
	return 0;
}

int
plan_draw(struct fg_txn *txn, const struct fg_model *model, const struct fg_policy *policy,
    const char *watch, const struct fg_spike *spike, struct fg_plan *plan)
{
	struct drafting dr;
	size_t i;
	int rc = 0, diluted;

	memset(plan, 0, sizeof(*plan));
	memset(&dr, 0, sizeof(dr));
	dr.txn = txn;
	dr.model = model;
	dr.policy = policy;
	dr.watch = watch;
	dr.spike = spike;
	dr.plan = plan;
	dr.min_logit = logit(policy->min_score) - log(COHORT_ODDS);
	dr.pb.t = FG_TIME_UNKNOWN;
	if (read_all(&dr) != 0)
		rc = -1;
	/*
	 * A cohort diluted by organic arrivals (more than 1 % false positives expected among
	 * those its scores alone would plan) keeps only what marks a purchase.
	 */
	diluted = expected_false(spike) > 0.01 * (double)dr.nm;
	if (rc == 0)
		mark_windows(&dr);
	for (i = 0; i < dr.nm; i++)
		if ((dr.m[i].ev & FG_EV_SCORE) || dr.m[i].prior_ok) {
			dr.looks[dr.m[i].look]++;
			dr.nlooks++;
		}
	for (i = 0; i < dr.nm; i++) {
		struct member *m = &dr.m[i];

		if (m->prior_ok && (m->ev & FG_EV_BLOCK) && !(m->ev & FG_EV_SCORE))
			m->ev |= FG_EV_PRIOR;
		m->ev |= keep(&dr, m, diluted) ? PLANNED : 0;
		plan->n += (m->ev & PLANNED) != 0;
		plan->below_score += (m->ev & PLANNED) == 0;
	}
	plan->ids = xreallocarray(NULL, plan->n, sizeof(char *));
	plan->why = xreallocarray(NULL, plan->n, sizeof(*plan->why));
	plan->n = 0;
	for (i = 0; i < dr.nm && rc == 0; i++) {
		if (!(dr.m[i].ev & PLANNED))
			continue;
		if (explain(&dr, &dr.m[i], &plan->why[plan->n]) == -1) {
			rc = -1;
			break;
		}
		plan->ids[plan->n] = (char *)plan->why[plan->n].id;
		plan->n++;
	}
	free(dr.m);
	free(dr.polls);
	free(dr.dominated);
	pollbuf_free(&dr.pb);
	free(dr.bursts);
	if (rc == -1)
		plan_free(plan);
	return rc;
}

char *
plan_text(const struct fg_plan *plan)
{
	char ev[160], *text;
	size_t i, len = 1, off = 0, n;

	for (i = 0; i < plan->n; i++)
		len += strlen(plan->ids[i]) + sizeof(ev) + 2;
	text = xmalloc(len);
	for (i = 0; i < plan->n; i++) {
		n = strlen(plan->ids[i]);
		memcpy(text + off, plan->ids[i], n);
		off += n;
		text[off++] = '\t';
		plan_evidence_format(plan->why[i].evidence, ",", ev, sizeof(ev));
		n = strlen(ev);
		memcpy(text + off, ev, n);
		off += n;
		text[off++] = '\n';
	}
	text[off] = '\0';
	return text;
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
