/*
 * Spike detection for one watched account. See detector.h for the contract.
 *
 * Baseline: arrivals are bucketed by hour in a ring of the last baseline_days days. The
 * expected arrival rate for a poll is the median rate of the same hour of day (+-1 h) on
 * earlier days, its spread the MAD; hours inside a spike are left out so a burst never
 * becomes its own baseline. Until a day of history exists, the median of all past hours is
 * used with a wider spread.
 *
 * Opening a burst: over the last 1..36 polls, either total arrivals far above the expected
 * count (robust z, ratio and absolute excess all required), or fake-scored arrivals far above
 * the account's usual fake share (binomial z). The cohort of a burst is every arrival from the
 * first poll of the firing window on; per-poll accumulators of the last polls make that
 * backfill possible without remembering followers.
 *
 * Classifying: inorganic only when the cohort is much more fake than the account's normal
 * arrivals; suspect-scored cohorts need a second sign too (creation-month clustering,
 * contiguous runs in the follow order, or near-consecutive ids). Viral growth brings people
 * who look like the usual arrivals, so it stays organic.
 *
 * Drip: once a day, the fake share of the last 7 days' arrivals against the 21 days before.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort.h"
#include "detector.h"
#include "model.h"
#include "stats.h"
#include "timeutil.h"
#include "xmalloc.h"

#define HOURS		(FG_DETECTOR_MEMORY / 3600)	/* hourly ring: longest baseline + drip window */
#define WINDOW		36		/* polls kept for backfill: 3 hours at 5 minutes */
#define MONTH0		2000		/* creation months are counted from 2000-01 */
#define MONTHS		(12 * 40)
#define RUN_MIN		5		/* fake-ish arrivals in a row that make a run */
#define DRIP_DAYS	7
#define DRIP_BASE_DAYS	21
#define PRIOR_FAKE	0.25		/* fake share assumed before any history: the most believed */
#define PRIOR_WEIGHT	50.0
#define BASE_FAKE_MAX	0.25		/* highest usual fake share believed */
#define PRIOR_BATCH	0.01		/* share in batches assumed before any history */
#define BATCH_MARGIN	0.25		/* batch share above usual for inorganic */

struct hour {
	int64_t		hour;		/* t / 3600, or -1 if unused */
	double		seconds;	/* poll time covered */
	double		arrivals, fake, fakeish, batch;
	int		spiky;		/* inside a burst: not baseline */
};

/* What a cohort is made of; one per recent poll, one per open spike. */
struct cohort {
	uint64_t	n, fake, suspect, empty;
	uint64_t	newcomers, batch, copies;
	uint64_t	in_runs, id_pairs, dated;
	uint32_t	month[MONTHS];
};

struct pollrec {
	int64_t		t;
	double		dt;
	double		expected;	/* arrivals expected at baseline, -1 if unknown */
	double		expected_fake;	/* fake-scored arrivals expected, -1 if unknown */
	double		cv;		/* relative spread of the baseline */
	struct cohort	c;
	int64_t		*days;		/* creation days of the poll's arrivals old enough */
	size_t		 ndays, capdays;
};

struct spike_state {
	struct fg_spike	pub;
	struct cohort	c;
	double		expected, expected_fake;	/* of the cohort's polls */
	double		fake_rate;	/* usual fake arrivals per second at the last poll */
	int64_t		last_excess;	/* last poll that was above baseline */
	uint64_t	reported_n;	/* new_followers at the last report */
	int		reported;	/* reported at least once */
	enum fg_spike_kind reported_kind;
	enum fg_severity reported_sev;
	double		drip_base;	/* drip: baseline fake share, frozen at opening */
};

struct fg_detector {
	char		watch[65];
	struct fg_detector_params p;
	struct hour	hours[HOURS];
	struct pollrec	polls[WINDOW];	/* ring; polls[npolls % WINDOW] is next */
	uint64_t	npolls;
	struct cohort	cur;		/* arrivals of the poll being read */
	int64_t		last_t;
	int64_t		followers;	/* latest known count, -1 unknown */
	uint64_t	audience;
	int64_t		last_day;	/* day of the last drip check */
	int64_t		burst_end;	/* last poll of the previous burst */
	/* run and id-adjacency tracking inside the current poll */
	unsigned	run_len;
	uint64_t	prev_id;
	int		prev_id_ok;
	struct fg_neighbours nb;	/* recent arrivals in follow order */
	/* creation days: of the current poll's arrivals, and of the open burst's cohort */
	int64_t		*cur_days, *bdays;
	size_t		 ncur, capcur, nbdays, capbdays;
	size_t		 win_at;	/* cohort size when its windows were last found */
	size_t		 win_members;	/* members created in them */
	struct spike_state burst, drip;
	struct fg_spike	ended;		/* a surge cut short by a purchase, reported once */
	/* baselines use complete past hours only: computed once an hour */
	int64_t		cache_hour;
	int		cache_ok;
	uint32_t	cache_hours;
	double		cache_rate, cache_cv, cache_fake, cache_fakeish, cache_fake_rate;
	double		cache_batch;
	double		cache_seen;	/* baseline arrivals behind those shares */
};

void
detector_defaults(struct fg_detector_params *p)
{
	p->baseline_days = 14;
	p->rate_z = 6.0;
	p->rate_ratio = 3.0;
	p->min_excess = 10.0;
	p->comp_z = 6.0;
	p->inorganic_margin = 0.30;
	p->quiet = 3600;
	p->critical_share = 0.10;
}

struct fg_detector *
detector_new(const char *watch, const struct fg_detector_params *p)
{
	struct fg_detector *d = xcalloc(1, sizeof(*d));
	size_t i;

	snprintf(d->watch, sizeof(d->watch), "%s", watch);
	if (p != NULL)
		d->p = *p;
	else
		detector_defaults(&d->p);
	for (i = 0; i < HOURS; i++)
		d->hours[i].hour = -1;
	d->last_t = FG_TIME_UNKNOWN;
	d->followers = -1;
	d->last_day = -1;
	d->burst_end = FG_TIME_UNKNOWN;
	d->cache_hour = -1;
	return d;
}

void
detector_free(struct fg_detector *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < WINDOW; i++)
		free(d->polls[i].days);
	free(d->cur_days);
	free(d->bdays);
	free(d);
}

static void
days_push(int64_t **v, size_t *n, size_t *cap, int64_t day)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = day;
}

void
detector_initial(struct fg_detector *d, int64_t t, uint64_t followers, uint64_t fake)
{
	(void)fake;
	d->audience = followers;
	d->followers = (int64_t)followers;
	d->last_t = t;
	d->last_day = t / 86400;
}

static int
parse_numeric(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 19)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static void
run_end(struct fg_detector *d)
{
	if (d->run_len >= RUN_MIN)
		d->cur.in_runs += d->run_len;
	d->run_len = 0;
}

void
detector_arrival(struct fg_detector *d, const struct fg_arrival *a)
{
	struct cohort *c = &d->cur;
	uint64_t id, gap, tol;
	int64_t y, dt;
	unsigned m, dd;
	int newcomer, fakeish, near;

	dt = d->last_t == FG_TIME_UNKNOWN || a->t <= d->last_t ? 300 : a->t - d->last_t;
	newcomer = cohort_newcomer(a->created_at, a->t, dt);
	/*
	 * Someone who joined the platform minutes ago looks empty to the scorer: no photo, no
	 * bio, no posts. That is a person starting out, not a bought account; newcomers are
	 * counted apart and are evidence of nothing.
	 */
	fakeish = !newcomer && a->verdict != FG_GENUINE;
	c->n++;
	c->newcomers += newcomer;
	c->fake += !newcomer && a->verdict == FG_FAKE;
	c->suspect += !newcomer && a->verdict == FG_SUSPECT;
	c->empty += !newcomer && a->empty;
	/*
	 * A batch: created together with the arrivals just before it in the follow order, or
	 * with the name and bio of an earlier follower.
	 */
	near = !newcomer && a->created_at != FG_TIME_UNKNOWN &&
	    cohort_neighbours_next(&d->nb, a->created_at, a->t);
	c->batch += !newcomer && (a->copy || near);
	c->copies += !newcomer && a->copy;
	if (!newcomer && a->created_at != FG_TIME_UNKNOWN &&
	    a->t - a->created_at >= FG_WINDOW_MIN_AGE)
		days_push(&d->cur_days, &d->ncur, &d->capcur, a->created_at / 86400);
	if (fakeish)
		d->run_len++;
	else
		run_end(d);
	if (a->created_at != FG_TIME_UNKNOWN && !newcomer) {
		time_civil_from_days(a->created_at / 86400, &y, &m, &dd);
		if (y >= MONTH0 && y < MONTH0 + MONTHS / 12) {
			c->month[(y - MONTH0) * 12 + (m - 1)]++;
			c->dated++;
		}
	}
	/* Accounts created in one batch get near-consecutive ids on sequential id schemes. */
	if (parse_numeric(a->id, &id) == 0) {
		if (d->prev_id_ok) {
			gap = id > d->prev_id ? id - d->prev_id : d->prev_id - id;
			tol = id / 1000000 > 1000 ? id / 1000000 : 1000;
			c->id_pairs += gap <= tol;
		}
		d->prev_id = id;
		d->prev_id_ok = 1;
	} else
		d->prev_id_ok = 0;
}

static void
cohort_add(struct cohort *to, const struct cohort *from)
{
	size_t i;

	to->n += from->n;
	to->fake += from->fake;
	to->suspect += from->suspect;
	to->empty += from->empty;
	to->newcomers += from->newcomers;
	to->batch += from->batch;
	to->copies += from->copies;
	to->in_runs += from->in_runs;
	to->id_pairs += from->id_pairs;
	to->dated += from->dated;
	for (i = 0; i < MONTHS; i++)
		to->month[i] += from->month[i];
}

/*
 * The slot of the hour holding t. Callers keep times from 1970 on (replay refuses others,
 * the daemon uses its clock); the index is taken modulo anyway, so that no time at all can
 * reach outside the ring.
 */
static struct hour *
hour_slot(struct fg_detector *d, int64_t t)
{
	int64_t h = t / 3600;
	struct hour *s = &d->hours[(h % HOURS + HOURS) % HOURS];

	if (s->hour != h) {
		memset(s, 0, sizeof(*s));
		s->hour = h;
	}
	return s;
}

/*
 * Expected arrivals per second at time t and their relative spread, from complete past
 * hours. Returns -1 when there is no history at all.
 */
static int
baseline(struct fg_detector *d, int64_t t, double *rate, double *cv, uint32_t *hours)
{
	double v[HOURS], dev[HOURS], m, mad;
	int64_t now_h = t / 3600, hod = now_h % 24, diff;
	size_t i, n = 0, nall = 0;
	int64_t oldest = now_h - (int64_t)d->p.baseline_days * 24;
	int seasonal;

	/* Same hour of day +-1 on earlier days first; any past hour while warming up. */
	for (seasonal = 1; seasonal >= 0 && n < 5; seasonal--) {
		n = nall = 0;
		for (i = 0; i < HOURS; i++) {
			const struct hour *h = &d->hours[i];

			if (h->hour < 0 || h->hour >= now_h || h->hour < oldest ||
			    h->spiky || h->seconds < 600)
				continue;
			nall++;
			diff = (h->hour % 24 - hod + 24) % 24;
			if (seasonal && !(diff <= 1 || diff == 23))
				continue;
			v[n++] = h->arrivals / h->seconds;
		}
	}
	*hours = 0;
	if (n == 0)
		return -1;
	*hours = (uint32_t)nall;
	m = stats_median(v, n);
	for (i = 0; i < n; i++)
		dev[i] = fabs(v[i] - m);
	mad = 1.4826 * stats_median(dev, n);
	*rate = m;
	*cv = m > 0 ? mad / m : 1.0;
	/* Little history: be wary of the estimate. */
	if (nall < 24)
		*cv = fmax(*cv, 1.0);
	*cv = fmax(*cv, 0.25);
	return 0;
}

/*
 * Fake share (and batch share) of baseline arrivals, shrunk towards a prior while history is
 * thin.
 */
static void
baseline_fake_share(const struct fg_detector *d, int64_t t, double *fake, double *fakeish,
    double *fake_rate, double *batch, double *seen)
{
	double a = 0, f = 0, fs = 0, secs = 0, b = 0;
	int64_t now_h = t / 3600, oldest = now_h - (int64_t)d->p.baseline_days * 24;
	size_t i;

	for (i = 0; i < HOURS; i++) {
		const struct hour *h = &d->hours[i];

		if (h->hour < oldest || h->hour >= now_h || h->spiky)
			continue;
		a += h->arrivals;
		f += h->fake;
		fs += h->fakeish;
		b += h->batch;
		secs += h->seconds;
	}
	*batch = fmin((b + PRIOR_BATCH * PRIOR_WEIGHT) / (a + PRIOR_WEIGHT), BASE_FAKE_MAX);
	*seen = a;
	/* Fake arrivals per second, a drip's included: what a burst must add to. */
	*fake_rate = secs >= 6 * 3600 ? f / secs : -1;
	*fake = (f + PRIOR_FAKE * PRIOR_WEIGHT) / (a + PRIOR_WEIGHT);
	*fakeish = (fs + 3 * PRIOR_FAKE * PRIOR_WEIGHT) / (a + PRIOR_WEIGHT);
	/*
	 * A purchase drip-fed for weeks must not become the account's normal: while one is
	 * open the share from before it holds, and no account's normal is mostly fake.
	 */
	if (d->drip.pub.open)
		*fake = fmin(*fake, d->drip.drip_base);
	*fake = fmin(*fake, BASE_FAKE_MAX);
	*fakeish = fmin(*fakeish, *fake + BASE_FAKE_MAX);
}

static double
binomial_z(double k, double n, double p)
{
	return (k - n * p) / sqrt(n * p * (1 - p) + 1);
}

/* Whether w polls with k arrivals, kf of them fake-scored, are a purchase by composition. */
static int
composition_fires(const struct fg_detector *d, double k, double kf, double bfake, size_t w)
{
	return !d->drip.pub.open &&
	    kf >= fmax(fmax(8, 1.5 * (double)w), 0.0005 * (double)d->audience) &&
	    kf / k >= bfake + 0.25 && binomial_z(kf, k, bfake) >= d->p.comp_z;
}

/*
 * Looks at the last 1, 2, 3, 6, 12 and 36 polls for a window far above baseline. Returns the
 * number of polls in the firing window, 0 if none fired.
 */
static size_t
burst_window(struct fg_detector *d, double bfake)
{
	static const size_t widths[] = { 1, 2, 3, 6, 12, 36 };
	double k, kf, lam, var, cv, min_excess;
	size_t wi, i, w, avail = d->npolls < WINDOW ? d->npolls : WINDOW;

	/* A window never reaches back into the previous burst. */
	while (avail > 0 && d->polls[(d->npolls - avail) % WINDOW].t <= d->burst_end)
		avail--;

	min_excess = fmax(d->p.min_excess, 0.001 * (double)d->audience);
	for (wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) {
		w = widths[wi];
		if (w > avail)
			break;
		k = kf = lam = cv = 0;
		for (i = 0; i < w; i++) {
			const struct pollrec *r = &d->polls[(d->npolls - 1 - i) % WINDOW];

			k += (double)r->c.n;
			kf += (double)r->c.fake;
			lam += r->expected;
			cv = fmax(cv, r->cv);
		}
		if (lam >= 0) {
			var = lam + cv * cv * lam * lam;
			if ((k - lam) / sqrt(var + 1) >= d->p.rate_z &&
			    k >= d->p.rate_ratio * lam && k - lam >= min_excess)
				return w;
		}
		/*
		 * Fake arrivals alone open a burst only within the hour and at a pace no drip
		 * keeps up (1.5 a poll); while a drip is open its fakes are explained already.
		 */
		if (w <= 12 && composition_fires(d, k, kf, bfake, w))
			return w;
	}
	return 0;
}

static void
spike_add_poll(struct fg_detector *d, struct spike_state *s, const struct pollrec *r)
{
	size_t i;

	cohort_add(&s->c, &r->c);
	if (s == &d->burst)
		for (i = 0; i < r->ndays; i++)
			days_push(&d->bdays, &d->nbdays, &d->capbdays, r->days[i]);
	s->fake_rate = r->expected_fake >= 0 && r->dt > 0 ? r->expected_fake / r->dt : 0;
	s->expected += r->expected > 0 ? r->expected : 0;
	/* Without history, the usual share of whatever arrived. */
	s->expected_fake += r->expected_fake >= 0 ? r->expected_fake :
	    PRIOR_FAKE * (double)r->c.n;
}

#define FG_DETECTOR_WINDOWS	8

/*
 * The usual fake share as high as it may be: two standard errors above the estimate, which
 * rests on the baseline's arrivals and the prior's weight. A watch a day old has seen too few
 * followers to know its usual share; a bump of lurkers on its second day is no purchase.
 */
static double
usual_high(const struct fg_detector *d, double b)
{
	return b + 2 * sqrt(b * (1 - b) / (d->cache_seen + PRIOR_WEIGHT));
}

static void
spike_publish(struct fg_detector *d, struct spike_state *s, double bfake, double bfakeish,
    double bbatch, double rate)
{
	struct fg_spike *p = &s->pub;
	const struct cohort *c = &s->c;
	double n = c->n > 0 ? (double)c->n : 1, fakeish, excess, fake_excess, batch_excess;
	size_t i, top = 0;
	int excess_fake, batch, windows;

	p->new_followers = c->n;
	p->fake = c->fake;
	p->suspect = c->suspect;
	p->empty = c->empty;
	p->newcomers = c->newcomers;
	p->batch = c->batch;
	p->copies = c->copies;
	p->fake_share = c->fake / n;
	p->suspect_share = c->suspect / n;
	p->empty_share = c->empty / n;
	p->newcomer_share = c->newcomers / n;
	p->batch_share = c->batch / n;
	p->copy_share = c->copies / n;
	p->baseline_batch = bbatch;
	p->run_share = (c->fake + c->suspect) > 0 ?
	    (double)c->in_runs / (double)(c->fake + c->suspect) : 0;
	p->id_share = c->n > 1 ? (double)c->id_pairs / (double)(c->n - 1) : 0;
	for (i = 1; i < MONTHS; i++)
		if (c->month[i] > c->month[top])
			top = i;
	p->cluster_share = c->dated > 0 ? (double)c->month[top] / (double)c->dated : 0;
	p->cluster_year = MONTH0 + (int)(top / 12);
	p->cluster_month = (int)(top % 12) + 1;
	if (rate >= 0)
		p->baseline_per_hour = rate * 3600;
	p->baseline_hours = rate >= 0 ? d->cache_hours : 0;
	p->baseline_fake = bfake;
	p->baseline_fakeish = bfakeish;
	p->followers_after = d->followers;

	/*
	 * Inorganic needs a cohort clearly more fake than the account's usual arrivals. A
	 * cohort that is mostly suspect rather than fake needs a second, independent sign.
	 */
	/*
	 * And the arrivals beyond the baseline must be mostly fake-scored ones beyond the
	 * usual fake arrivals (a drip's included): a viral burst beside a drip is organic.
	 */
	fakeish = (double)(c->fake + c->suspect) / n;
	excess = (double)(c->n - c->newcomers) - s->expected;
	fake_excess = (double)c->fake - s->expected_fake;
	excess_fake = fake_excess >= 8 && fake_excess >= 0.4 * excess;
	/* While a drip is open, its bursty deliveries are not new purchases: ask a day's worth. */
	if (d->drip.pub.open && s != &d->drip && s->fake_rate > 0)
		excess_fake = excess_fake && fake_excess >= s->fake_rate * 86400;
	/*
	 * Or, whatever the scores say, the arrivals beyond the baseline are mostly a batch:
	 * accounts created together with their neighbours in the follow order, or with a profile
	 * text an earlier follower had. Purchases of real-looking (aged, copied) accounts show
	 * here; viral growth brings people created at unrelated times, newcomer waves are not
	 * counted at all.
	 */
	batch_excess = (double)c->batch - bbatch * fmax(s->expected, 0);
	/*
	 * Or a large part of the excess was created in a few days of its own (creation windows,
	 * cohort_windows): found again whenever the cohort has grown by a tenth.
	 */
	if (s == &d->burst && d->nbdays >= FG_WINDOW_MIN &&
	    d->nbdays >= d->win_at + (d->win_at / 10 > 8 ? d->win_at / 10 : 8)) {
		struct fg_window w[FG_DETECTOR_WINDOWS];
		double m = 0;
		size_t k, nw;

		qsort(d->bdays, d->nbdays, sizeof(*d->bdays), stats_cmp_i64);
		nw = cohort_windows(d->bdays, d->nbdays, w, FG_DETECTOR_WINDOWS);
		for (k = 0; k < nw; k++)	/* beyond what people would give by chance */
			m += w[k].members - w[k].chance;
		d->win_members = m > 0 ? (size_t)m : 0;
		d->win_at = d->nbdays;
	}
	p->made_together = s == &d->burst ? d->win_members : 0;
	p->made_together_share = (double)p->made_together / n;
	windows = p->made_together >= 8 && (double)p->made_together >= 0.4 * excess &&
	    p->made_together_share >= BATCH_MARGIN;
	batch = c->batch >= 8 && p->batch_share >= bbatch + BATCH_MARGIN &&
	    binomial_z((double)c->batch, n, bbatch) >= 4 && batch_excess >= 0.4 * excess &&
	    s != &d->drip;
	if (s->reported && s->reported_kind == FG_SPIKE_INORGANIC)
		p->kind = FG_SPIKE_INORGANIC;	/* a purchase stays one as organic arrivals dilute it */
	else if (c->fake >= 8 && p->fake_share >= usual_high(d, bfake) + d->p.inorganic_margin &&
	    binomial_z((double)c->fake, n, bfake) >= 4 && excess_fake)
		p->kind = FG_SPIKE_INORGANIC;
	else if (c->fake + c->suspect >= 10 && c->fake >= 3 && excess_fake &&
	    fakeish >= bfakeish + d->p.inorganic_margin + 0.1 &&
	    (p->cluster_share >= 0.3 || p->run_share >= 0.5 || p->id_share >= 0.3))
		p->kind = FG_SPIKE_INORGANIC;
	else if (batch || windows)
		p->kind = FG_SPIKE_INORGANIC;
	else
		p->kind = FG_SPIKE_ORGANIC;
	p->severity = (d->audience > 0 &&
	    (double)c->n >= d->p.critical_share * (double)d->audience) ||
	    c->n >= 10000 ? FG_CRITICAL : FG_WARNING;
}

/* Whether a report is due: first report, new kind or severity, 50 % growth, or closing. */
static int
spike_report_due(struct spike_state *s, int closing)
{
	struct fg_spike *p = &s->pub;

	if (!s->reported || closing || p->kind != s->reported_kind ||
	    p->severity != s->reported_sev ||
	    (double)p->new_followers >= 1.5 * (double)s->reported_n) {
		if (!s->reported)
			p->detected = p->last;
		s->reported = 1;
		s->reported_kind = p->kind;
		s->reported_sev = p->severity;
		s->reported_n = p->new_followers;
		return 1;
	}
	return 0;
}

static void
spike_open(struct fg_detector *d, struct spike_state *s, enum fg_pattern pattern,
    int64_t start, int64_t t)
{
	char ts[FG_RFC3339_LEN];

	memset(s, 0, sizeof(*s));
	if (s == &d->burst) {
		d->nbdays = 0;
		d->win_at = 0;
		d->win_members = 0;
	}
	s->pub.open = 1;
	s->pub.pattern = pattern;
	s->pub.start = start;
	s->pub.last = t;
	s->pub.followers_before = -1;
	s->last_excess = t;
	time_format_rfc3339(start, ts);
	/* brand-20260301T014500Z: readable, sortable, unique per watch and start. */
	snprintf(s->pub.id, sizeof(s->pub.id), "%s-%.4s%.2s%.2sT%.2s%.2s%.2sZ%s", d->watch,
	    ts, ts + 5, ts + 8, ts + 11, ts + 14, ts + 17, pattern == FG_DRIP ? "-drip" : "");
}

/* A poll that is mostly newcomers, far above the baseline: a platform surge reaching us. */
static int
newcomer_surge(const struct pollrec *r)
{
	return r->c.newcomers >= 10 && 2 * r->c.newcomers >= r->c.n &&
	    (r->expected < 0 || (double)r->c.n >= 3 * r->expected + 10);
}

static size_t
burst_step(struct fg_detector *d, int64_t t, double bfake, double bfakeish, double rate,
    double bbatch, const struct fg_spike **out)
{
	struct spike_state *s = &d->burst;
	const struct pollrec *r = &d->polls[(d->npolls - 1) % WINDOW];
	size_t w, i, nout = 0;
	int excess;

	if (!s->pub.open) {
		if ((w = burst_window(d, bfake)) == 0)
			return 0;
		/* The cohort starts at the first poll of the window that was above baseline. */
		while (w > 1) {
			const struct pollrec *f = &d->polls[(d->npolls - w) % WINDOW];

			if ((double)f->c.n > f->expected + 1)
				break;
			w--;
		}
		spike_open(d, s, FG_BURST, d->polls[(d->npolls - w) % WINDOW].t, t);
		for (i = w; i > 0; i--)
			spike_add_poll(d, s, &d->polls[(d->npolls - i) % WINDOW]);
		s->pub.followers_before = d->audience > s->c.n ?
		    (int64_t)(d->audience - s->c.n) : 0;
	} else if (s->reported && ((s->pub.kind == FG_SPIKE_ORGANIC &&
	    composition_fires(d, (double)r->c.n, (double)r->c.fake, bfake, 1)) ||
	    (s->pub.kind == FG_SPIKE_INORGANIC && newcomer_surge(r)))) {
		/*
		 * A purchase delivered into an organic surge, or a wave of newcomers arriving
		 * during a purchase: the spike so far ends at the poll before, and what arrives
		 * becomes a spike of its own rather than being diluted by it (or taking its kind).
		 */
		d->ended = s->pub;
		d->ended.open = 0;
		d->burst_end = s->pub.last;
		*out++ = &d->ended;
		nout = 1;
		spike_open(d, s, FG_BURST, t, t);
		spike_add_poll(d, s, r);
		s->pub.followers_before = d->audience > s->c.n ?
		    (int64_t)(d->audience - s->c.n) : 0;
	} else
		spike_add_poll(d, s, r);
	s->pub.last = t;
	excess = (double)r->c.n > r->expected + 3 * sqrt(r->expected + 1) ||
	    (r->c.fake >= 3 && (double)r->c.fake > 3 * bfake * (double)r->c.n + 2);
	if (excess)
		s->last_excess = t;
	hour_slot(d, t)->spiky = 1;
	spike_publish(d, s, bfake, bfakeish, bbatch, rate);
	if (t - s->last_excess >= d->p.quiet) {
		s->pub.open = 0;
		d->burst_end = t;
	}
	if (spike_report_due(s, !s->pub.open)) {
		*out = &s->pub;
		return nout + 1;
	}
	return nout;
}

/*
 * Once a day: a sustained rise in the share of fake arrivals that never formed a burst. The
 * drip starts on the earliest of the last days that were all above the baseline share.
 */
static size_t
drip_step(struct fg_detector *d, int64_t t, double rate, const struct fg_spike **out)
{
	struct spike_state *s = &d->drip;
	double a[DRIP_DAYS] = { 0 }, f[DRIP_DAYS] = { 0 }, fs[DRIP_DAYS] = { 0 };
	double a7 = 0, f7 = 0, ab = 0, fb = 0, base, base_hours = 0;
	int64_t now_h = t / 3600, age;
	int day, first;
	size_t i;

	if (t / 86400 == d->last_day)
		return 0;
	d->last_day = t / 86400;
	for (i = 0; i < HOURS; i++) {
		const struct hour *h = &d->hours[i];

		age = now_h - h->hour;
		if (h->hour < 0 || h->spiky || age <= 0)
			continue;
		if (age <= DRIP_DAYS * 24) {
			day = (int)((age - 1) / 24);	/* 0 is the last 24 hours */
			a[day] += h->arrivals;
			f[day] += h->fake;
			fs[day] += h->fakeish;
		} else if (age <= (DRIP_DAYS + DRIP_BASE_DAYS) * 24) {
			ab += h->arrivals;
			fb += h->fake;
			base_hours += h->seconds / 3600;
		}
	}
	for (day = 0; day < DRIP_DAYS; day++) {
		a7 += a[day];
		f7 += f[day];
	}
	/* A rise needs a week of history before it to rise from. */
	if (!s->pub.open && base_hours < DRIP_DAYS * 24 * 0.8)
		return 0;
	base = s->pub.open ? s->drip_base :
	    (fb + PRIOR_FAKE * PRIOR_WEIGHT) / (ab + PRIOR_WEIGHT);
	if (!(f7 >= 30 && f7 / a7 >= base + 0.1 && binomial_z(f7, a7, base) >= d->p.comp_z)) {
		if (s->pub.open) {
			s->pub.open = 0;
			s->pub.last = t;
			*out = &s->pub;
			return 1;
		}
		return 0;
	}
	for (first = 0; first + 1 < DRIP_DAYS; first++)
		if (a[first + 1] == 0 || f[first + 1] / a[first + 1] < base + 0.05)
			break;
	if (!s->pub.open) {
		spike_open(d, s, FG_DRIP, (now_h - (first + 1) * 24) * 3600, t);
		s->drip_base = base;
	}
	/* Drip cohorts are counted from the hourly ring: no month or run evidence. */
	memset(&s->c, 0, sizeof(s->c));
	for (day = 0; day < DRIP_DAYS && (now_h - (day + 1) * 24) * 3600 >= s->pub.start;
	    day++) {
		s->c.n += (uint64_t)a[day];
		s->c.fake += (uint64_t)f[day];
		s->c.suspect += (uint64_t)(fs[day] - f[day]);
	}
	if (s->pub.followers_before < 0)
		s->pub.followers_before = d->audience > s->c.n ?
		    (int64_t)(d->audience - s->c.n) : 0;
	s->pub.last = t;
	spike_publish(d, s, base, base, d->cache_batch, rate);
	s->pub.kind = FG_SPIKE_INORGANIC;
	if (spike_report_due(s, 0)) {
		*out = &s->pub;
		return 1;
	}
	return 0;
}

size_t
detector_poll_end(struct fg_detector *d, int64_t t, int64_t followers_count,
    const struct fg_spike **out)
{
	struct pollrec *r = &d->polls[d->npolls % WINDOW];
	struct hour *h;
	double rate = -1, cv = 1, bfake, bfakeish, fake_rate;
	int64_t *days;
	size_t n = 0, cap;

	run_end(d);
	d->prev_id_ok = 0;
	if (d->cache_hour != t / 3600) {
		d->cache_hour = t / 3600;
		baseline_fake_share(d, t, &d->cache_fake, &d->cache_fakeish,
		    &d->cache_fake_rate, &d->cache_batch, &d->cache_seen);
		d->cache_ok = baseline(d, t, &d->cache_rate, &d->cache_cv, &d->cache_hours) == 0;
	}
	bfake = d->cache_fake;
	bfakeish = d->cache_fakeish;
	fake_rate = d->cache_fake_rate;
	/* The cap on the usual fake share depends on the drip, which may open any poll. */
	if (d->drip.pub.open)
		bfake = fmin(bfake, d->drip.drip_base);
	/* The slot's day list is reused: the current poll's days go in, its old ones out. */
	days = r->days;
	cap = r->capdays;
	memset(r, 0, sizeof(*r));
	r->days = d->cur_days;
	r->ndays = d->ncur;
	r->capdays = d->capcur;
	d->cur_days = days;
	d->capcur = cap;
	d->ncur = 0;
	r->t = t;
	r->dt = d->last_t == FG_TIME_UNKNOWN || t <= d->last_t ? 300 : (double)(t - d->last_t);
	rate = d->cache_ok ? d->cache_rate : -1;
	cv = d->cache_cv;
	if (d->cache_ok) {
		r->expected = rate * r->dt;
		r->cv = cv;
	} else {
		r->expected = -1;	/* no rate history: only composition can fire */
		r->cv = 1;
	}
	r->expected_fake = fake_rate >= 0 ? fake_rate * r->dt : -1;
	r->c = d->cur;
	d->npolls++;

	h = hour_slot(d, t);
	h->seconds += r->dt;
	h->arrivals += (double)d->cur.n;
	h->fake += (double)d->cur.fake;
	h->fakeish += (double)(d->cur.fake + d->cur.suspect);
	h->batch += (double)d->cur.batch;
	d->audience += d->cur.n;
	if (followers_count >= 0) {
		d->followers = followers_count;
		d->audience = (uint64_t)followers_count;
	}
	d->last_t = t;
	memset(&d->cur, 0, sizeof(d->cur));

	n += burst_step(d, t, bfake, bfakeish, rate, d->cache_batch, out + n);
	n += drip_step(d, t, rate, out + n);
	return n;
}

size_t
detector_open_spikes(const struct fg_detector *d, const struct fg_spike **out)
{
	size_t n = 0;

	if (d->burst.pub.open)
		out[n++] = &d->burst.pub;
	if (d->drip.pub.open)
		out[n++] = &d->drip.pub;
	return n;
}

const char *
spike_kind_name(enum fg_spike_kind k)
{
	return k == FG_SPIKE_INORGANIC ? "inorganic" : "organic";
}

const char *
spike_severity_name(enum fg_severity s)
{
	return s == FG_CRITICAL ? "critical" : "warning";
}

const char *
spike_pattern_name(enum fg_pattern p)
{
	return p == FG_DRIP ? "drip" : "burst";
}
