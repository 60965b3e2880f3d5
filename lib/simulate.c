/*
 * The simulator: a generative model of one account's followers over time (organic growth with
 * seasonality and noise, churn, viral bursts, purchased orders of several speeds and vendor
 * styles), written as a replay history (docs/contracts.md 4) with ground truth.
 * docs/simulator.md describes the model; the people and the vendors' accounts are made in
 * simulate_people.c and simulate_vendor.c, texts are written by simulate_text.c, options
 * parsed by simulate_opts.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "simulate.h"
#include "simulate_int.h"
#include "timeutil.h"
#include "xmalloc.h"

#define RESERVOIR_MAX	100000			/* follower ids remembered for unfollows */
#define NBUMP_MAX	16
#define HOSTILE_SHARE	0.005	/* of all accounts: control characters, odd escapes, long */
#define HOSTILE_NEWEST	0.5	/* of orders: the newest account of the first poll */

/* ---- events and the history's state ---- */

/* An injected event: a viral burst, a newcomer wave or a purchased order. */
struct sevent {
	unsigned	kind;		/* FG_SIM_VIRAL, FG_SIM_WAVE, FG_SIM_PURCHASE or FG_SIM_DRIP */
	int		num;		/* N in "viral:N", numbered by start time */
	int		speed, style;
	double		pct;		/* size, % of the count at the start; < 0: drawn */
	int64_t		t0;		/* scheduled start */
	int		started, done;
	uint64_t	seed;
	/* viral and waves: a main wave and maybe a second one (reshares, time zones) */
	int		nwave;
	double		vsize[2], vt[2], vtr[2], vtd[2];
	double		newshare;
	struct wavepack	pack;
	/* orders */
	int64_t		target, delivered;
	double		acc, dur, cap, rate, w[24], wsum;
	int		nslot, run_min, run_max;
	struct stock	stock;
	int64_t		copied;		/* accounts that copy a follower of the watch */
	int		delivering;	/* a poll has listed its accounts */
	/* ground truth */
	double		first, last;
	int64_t		arrived;
	double		expected;
};

/* A small organic bump (a mention, a repost): part of the noise, not an event. */
struct bump {
	double	t0, size, tr, td;
};

/* One arrival, or one run of a vendor's accounts, within a poll. */
struct item {
	double		t;
	uint64_t	seed;	/* profile seed; runs: index of the first account */
	uint32_t	n;	/* run length */
	int32_t		ev;	/* index into events, -1 organic */
	uint32_t	ord;
};

struct sim {
	const struct fg_sim_opts *o;
	struct simout	 w;
	uint64_t	 hseed;		/* hostile text: which accounts, how */
	char		*watch;		/* JSON-escaped, quoted */
	char		 pre[128];	/* {"t":"…","watch":"…","type":" */
	size_t		 prelen;
	unsigned	 fields;
	struct rng	 g;
	/* per-history parameters of the organic process */
	double		 base_frac, amp1, amp2, ph2, peak, tz, weekend, wkday, churn, spam,
			 newshare, settle;
	double		 nrho, nsig, z, drho, dsig, zd;
	int64_t		 zhour, zday;
	double		 gcount;
	int64_t		 count;
	uint64_t	*res;
	size_t		 nres;
	uint64_t	*unf;
	struct textres	 tres;		/* followers whose texts a vendor could copy */
	struct sevent	*ev;
	size_t		 nev;
	struct bump	 bumps[NBUMP_MAX];
	size_t		 nbump;
	double		 next_bump;
	struct item	*items;
	size_t		 nitems, capitems;
};

/* Fields the platform exposes (enum fg_sim_platform). */
enum {
	F_LIKES = 1 << 0, F_LISTED = 1 << 1, F_LOC = 1 << 2, F_URL = 1 << 3, F_BOT = 1 << 4,
	F_VERIFIED = 1 << 5, F_LOCKED = 1 << 6, F_LASTPOST = 1 << 7,
};

static const unsigned platform_fields[] = {
	[FG_SIM_GENERIC] = F_LIKES | F_LOC | F_URL | F_BOT | F_VERIFIED | F_LOCKED | F_LASTPOST,
	[FG_SIM_MASTODON] = F_URL | F_BOT | F_LOCKED | F_LASTPOST,
	[FG_SIM_X] = F_LIKES | F_LISTED | F_LOC | F_URL | F_VERIFIED | F_LOCKED | F_LASTPOST,
	[FG_SIM_BLUESKY] = 0,
};


/* ---- output (the buffer and JSON strings are in simulate_text.c) ---- */

static inline void
out_mem(struct sim *s, const char *p, size_t n)
{
	simout_mem(&s->w, p, n);
}

#define out_lit(s, lit)	out_mem((s), (lit), sizeof(lit) - 1)

static void
out_str(struct sim *s, const char *p)
{
	out_mem(s, p, strlen(p));
}

static void
out_uint(struct sim *s, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	out_mem(s, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void
out_time(struct sim *s, int64_t t)
{
	char b[FG_RFC3339_LEN + 2];

	b[0] = '"';
	time_format_rfc3339(t, b + 1);
	b[FG_RFC3339_LEN] = '"';
	out_mem(s, b, FG_RFC3339_LEN + 1);
}

static void
out_bool(struct sim *s, int v)
{
	if (v)
		out_lit(s, "true");
	else
		out_lit(s, "false");
}

/* Starts the lines of the poll at time t. */
static void
poll_begin(struct sim *s, int64_t t)
{
	char ts[FG_RFC3339_LEN];

	s->prelen = (size_t)snprintf(s->pre, sizeof(s->pre), "{\"t\":\"%s\",\"watch\":",
	    time_format_rfc3339(t, ts));
}

static void
out_prefix(struct sim *s, const char *type)
{
	out_mem(s, s->pre, s->prelen);
	out_str(s, s->watch);
	out_lit(s, ",\"type\":\"");
	out_str(s, type);
	out_lit(s, "\"");
}

static void
out_follow(struct sim *s, const struct sprof *p, int64_t obs, const char *src, int num)
{
	unsigned f = s->fields;
	int showloc = (f & F_LOC) && p->loc[0] != '\0';

	out_prefix(s, "follow");
	out_lit(s, ",\"profile\":{\"id\":\"");
	out_uint(s, p->id);
	out_lit(s, "\",\"handle\":");
	simout_json(&s->w, p->handle);
	out_lit(s, ",\"display_name\":");
	simout_text(&s->w, p->name, p, SIM_T_NAME);
	out_lit(s, ",\"bio\":");
	/* A hostile place the platform does not show goes to the bio. */
	simout_text(&s->w, p->bio, p, !showloc && p->hfield == SIM_T_LOC ? SIM_T_LOC :
	    SIM_T_BIO);
	out_lit(s, ",\"created_at\":");
	out_time(s, p->created);
	out_lit(s, ",\"observed_at\":");
	out_time(s, obs);
	out_lit(s, ",\"avatar_default\":");
	out_bool(s, p->avatar_default);
	out_lit(s, ",\"followers_count\":");
	out_uint(s, (uint64_t)p->followers);
	out_lit(s, ",\"following_count\":");
	out_uint(s, (uint64_t)p->following);
	out_lit(s, ",\"posts_count\":");
	out_uint(s, (uint64_t)p->posts);
	if (f & F_LIKES) {
		out_lit(s, ",\"likes_count\":");
		out_uint(s, (uint64_t)p->likes);
	}
	if (f & F_LISTED) {
		out_lit(s, ",\"listed_count\":");
		out_uint(s, (uint64_t)p->listed);
	}
	if ((f & F_LASTPOST) && p->last_post != FG_TIME_UNKNOWN) {
		out_lit(s, ",\"last_post_at\":");
		out_time(s, p->last_post);
	}
	if ((f & F_URL) && p->url[0] != '\0') {
		out_lit(s, ",\"url\":");
		simout_json(&s->w, p->url);
	}
	if (showloc) {
		out_lit(s, ",\"location\":");
		simout_text(&s->w, p->loc, p, SIM_T_LOC);
	}
	if (f & F_BOT) {
		out_lit(s, ",\"bot\":");
		out_bool(s, p->bot);
	}
	if (f & F_VERIFIED) {
		out_lit(s, ",\"verified\":");
		out_bool(s, p->verified);
	}
	if (f & F_LOCKED) {
		out_lit(s, ",\"locked\":");
		out_bool(s, p->locked);
	}
	if (p->fake)
		out_lit(s, ",\"label\":\"fake\"},\"src\":\"");
	else
		out_lit(s, ",\"label\":\"genuine\"},\"src\":\"");
	out_str(s, src);
	if (num > 0) {
		out_lit(s, ":");
		out_uint(s, (uint64_t)num);
	}
	out_lit(s, "\"}\n");
}

static void
out_unfollow(struct sim *s, uint64_t id)
{
	out_prefix(s, "unfollow");
	out_lit(s, ",\"id\":\"");
	out_uint(s, id);
	out_lit(s, "\"}\n");
}

static void
out_count(struct sim *s)
{
	out_prefix(s, "count");
	out_lit(s, ",\"followers_count\":");
	out_uint(s, (uint64_t)s->count);
	out_lit(s, "}\n");
}

/*
 * Whether an account's text is hostile: a hash of its id, so that --plain-text changes
 * nothing else. newest: the account is the newest of an order's first poll, where a reader
 * that fails on it may lose the page. Rare enough that hostile text tells nothing about
 * who bought: about 0.5 % of either kind of account.
 */
static void
hostile_assign(struct sim *s, struct sprof *p, int newest)
{
	uint64_t h = mix64(s->hseed, p->id);

	if (s->o->plain_text || p->hostile != SIM_H_NONE)
		return;		/* a clone keeps the hostile text it copied */
	if (hunif(h, 0) < HOSTILE_SHARE)
		sim_hostile_pick(p, h, 0);
	else if (newest && hunif(h, 1) < HOSTILE_NEWEST)
		sim_hostile_pick(p, h, 1);
}

/* ---- followers remembered for unfollows: a bounded uniform sample ---- */

static void
reservoir_add(struct sim *s, uint64_t id)
{
	if (s->nres < RESERVOIR_MAX)
		s->res[s->nres++] = id;
	else if (rng_below(&s->g, (uint64_t)(s->count > 0 ? s->count : 1)) < RESERVOIR_MAX)
		s->res[rng_below(&s->g, RESERVOIR_MAX)] = id;
}

/* Offers a follower to the sample a vendor copies from: people who show a photo and a name. */
static void
textres_add(struct textres *tr, const struct sprof *p)
{
	uint64_t k;

	if (p->avatar_default || p->name[0] == '\0')
		return;
	tr->seen++;
	if (tr->n < TEXTRES_MAX)
		tr->v[tr->n++] = *p;
	else if ((k = mix64(tr->seed, tr->seen) % tr->seen) < TEXTRES_MAX)
		tr->v[k] = *p;
}

static void
textres_remove(struct textres *tr, uint64_t id)
{
	size_t i;

	for (i = 0; i < tr->n; i++)
		if (tr->v[i].id == id) {
			tr->v[i] = tr->v[--tr->n];
			return;
		}
}

static int
reservoir_take(struct sim *s, uint64_t *id)
{
	size_t i;

	if (s->nres == 0)
		return -1;
	i = (size_t)rng_below(&s->g, s->nres);
	*id = s->res[i];
	s->res[i] = s->res[--s->nres];
	return 0;
}

/* ---- the organic process ---- */

/* Time-of-day factor (mean 1): a peak in the audience's evening, a trough at night. */
static double
diurnal(const struct sim *s, double t)
{
	double h = fmod((t + s->tz) / 3600.0, 24.0), th = 2 * M_PI * (h - s->peak) / 24.0;

	return 1.0 + s->amp1 * cos(th) + s->amp2 * cos(2 * th + s->ph2);
}

static double
weekly(const struct sim *s, double t)
{
	int64_t d = (int64_t)floor((t + s->tz) / DAY);
	int dow = (int)(((d % 7) + 7) % 7);	/* 0 = Thursday 1970-01-01 */

	return dow == 2 || dow == 3 ? s->weekend * s->wkday : s->wkday;
}

/* Expected organic arrivals per second at t, before bumps. */
static double
organic_rate(const struct sim *s, double t)
{
	return s->base_frac * s->gcount / DAY * diurnal(s, t) * weekly(s, t) *
	    exp(s->nsig * s->z - s->nsig * s->nsig / 2) *
	    exp(s->dsig * s->zd - s->dsig * s->dsig / 2);
}

/* Share of a burst (rise tr, decay td) that arrived by t after its start. */
static double
burst_cdf(double t, double tr, double td)
{
	double tp;

	if (t <= 0)
		return 0;
	tp = tr * td / (tr + td);
	return (td * (1 - exp(-t / td)) - tp * (1 - exp(-t / tp))) / (td - tp);
}

static void
noise_advance(struct sim *s, double t)
{
	int64_t h = (int64_t)floor(t / 3600), d = (int64_t)floor(t / DAY);

	while (s->zhour < h) {
		s->z = s->nrho * s->z + sqrt(1 - s->nrho * s->nrho) * rng_normal(&s->g);
		s->zhour++;
	}
	while (s->zday < d) {
		s->zd = s->drho * s->zd + sqrt(1 - s->drho * s->drho) * rng_normal(&s->g);
		s->zday++;
	}
}

/* Expected arrivals from organic bumps in (a, b]; starts and retires bumps. */
static double
bumps_expected(struct sim *s, double a, double b)
{
	double e = 0;
	size_t i;

	while (s->next_bump < b) {
		if (s->nbump < NBUMP_MAX) {
			struct bump *bp = &s->bumps[s->nbump++];

			bp->t0 = s->next_bump;
			bp->size = s->gcount * rng_logunif(&s->g, 0.0005, 0.01);
			bp->tr = rng_range(&s->g, 600, 2400);
			bp->td = rng_logunif(&s->g, 3600, 8 * 3600);
		}
		s->next_bump += -log(1 - rng_unif(&s->g)) * 3 * DAY;
	}
	for (i = 0; i < s->nbump; i++) {
		struct bump *bp = &s->bumps[i];

		e += bp->size * (burst_cdf(b - bp->t0, bp->tr, bp->td) -
		    burst_cdf(a - bp->t0, bp->tr, bp->td));
		if (a - bp->t0 > 8 * bp->td + bp->tr)
			s->bumps[i--] = s->bumps[--s->nbump];
	}
	return e;
}

/* ---- items of one poll ---- */

static struct item *
item_add(struct sim *s, double t, uint64_t seed, uint32_t n, int32_t ev)
{
	struct item *it;

	if (s->nitems == s->capitems) {
		s->capitems = s->capitems ? s->capitems * 2 : 1024;
		s->items = xreallocarray(s->items, s->capitems, sizeof(*s->items));
	}
	it = &s->items[s->nitems];
	it->t = t;
	it->seed = seed;
	it->n = n;
	it->ev = ev;
	it->ord = (uint32_t)s->nitems++;
	return it;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* ---- events ---- */

static void
event_start(struct sim *s, struct sevent *e)
{
	struct rng r;
	double cnt = (double)s->count, days;
	int i, any;

	rng_seed(&r, e->seed);
	e->started = 1;
	e->first = e->last = -1;
	if (e->kind == FG_SIM_VIRAL) {
		if (e->pct < 0)
			e->pct = rng_logunif(&r, 1, 60);
		e->expected = cnt * e->pct / 100;
		e->newshare = rng_range(&r, 0.08, 0.3);
		e->nwave = rng_bern(&r, 0.35) ? 2 : 1;
		for (i = 0; i < e->nwave; i++) {
			e->vt[i] = (double)e->t0 + (i == 0 ? 0 : rng_range(&r, 2, 20) * 3600);
			e->vtr[i] = rng_range(&r, 600, 2700);
			e->vtd[i] = rng_logunif(&r, 2 * 3600, 36 * 3600);
			e->vsize[i] = e->expected;
		}
		if (e->nwave == 2) {
			e->vsize[1] = e->expected * rng_range(&r, 0.2, 0.5);
			e->vsize[0] = e->expected - e->vsize[1];
		}
		return;
	}
	if (e->kind == FG_SIM_WAVE) {
		/* The platform surges: sign-ups rise within the hour and fade over hours. */
		if (e->pct < 0)
			e->pct = rng_logunif(&r, 5, 40);
		e->expected = cnt * e->pct / 100;
		e->nwave = rng_bern(&r, 0.3) ? 2 : 1;
		for (i = 0; i < e->nwave; i++) {
			e->vt[i] = (double)e->t0 + (i == 0 ? 0 : rng_range(&r, 1, 8) * 3600);
			e->vtr[i] = rng_range(&r, 600, 2400);
			e->vtd[i] = rng_logunif(&r, 3600, 6 * 3600);
			e->vsize[i] = e->expected;
		}
		if (e->nwave == 2) {
			e->vsize[1] = e->expected * rng_range(&r, 0.2, 0.5);
			e->vsize[0] = e->expected - e->vsize[1];
		}
		e->pack.n = rng_int(&r, 0, 3);
		for (i = 0; i < e->pack.n; i++)
			e->pack.size[i] = (int)rng_logunif(&r, 20, 150);
		e->pack.share = e->pack.n > 0 ? rng_range(&r, 0.4, 0.8) : 0;
		return;
	}
	if (e->speed == FG_SIM_WEEKS) {
		days = rng_range(&r, 14, 42);
		if (e->pct < 0) {
			e->rate = rng_logunif(&r, 20, 200);
			e->target = (int64_t)(e->rate * days);
			e->pct = cnt > 0 ? 100.0 * (double)e->target / cnt : 0;
		} else {
			e->target = (int64_t)(cnt * e->pct / 100);
			e->rate = (double)e->target / days;
		}
		e->run_min = 1;
		e->run_max = 3;
	} else {
		if (e->pct < 0)
			e->pct = rng_logunif(&r, 2, 60);
		e->target = (int64_t)(cnt * e->pct / 100 + 0.5);
	}
	e->expected = (double)e->target;
	switch (e->speed) {
	case FG_SIM_HOUR:
	case FG_SIM_DAY:
		/* Throughput varies from slot to slot; a day order pauses now and then. */
		if (e->speed == FG_SIM_HOUR) {
			e->dur = rng_range(&r, 20, 70) * 60;
			e->nslot = 12;
		} else {
			e->nslot = rng_int(&r, 6, 24);
			e->dur = e->nslot * 3600.0;
		}
		for (i = 0, any = 0; i < e->nslot; i++) {
			e->w[i] = e->speed == FG_SIM_HOUR || rng_bern(&r, 0.7) ?
			    rng_range(&r, 0.3, 1.7) : 0;
			e->wsum += e->w[i];
			any |= e->w[i] > 0;
		}
		if (!any) {
			e->w[0] = 1;
			e->wsum = 1;
		}
		e->run_min = e->speed == FG_SIM_HOUR ? 20 : 10;
		e->run_max = e->speed == FG_SIM_HOUR ? 250 : 120;
		break;
	case FG_SIM_CAPPED:
		e->cap = (double)e->target / rng_range(&r, 3, 8);
		e->cap = e->cap < 100 ? 100 : e->cap > 5000 ? 5000 : e->cap;
		e->run_min = 10;
		e->run_max = 120;
		break;
	}
	sim_stock_init(&e->stock, &r, e->style, s->o->styles, e->t0, e->target);
}

static double
overlap(double a0, double a1, double b0, double b1)
{
	double lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;

	return hi > lo ? hi - lo : 0;
}

/* The vendor's planned deliveries in (a, b]. */
static double
order_expected(const struct sevent *e, double a, double b)
{
	double t0 = (double)e->t0, x = 0, tot, wsum, w[24], ds;
	int64_t d, d0, d1;
	int h;

	switch (e->speed) {
	case FG_SIM_HOUR:
	case FG_SIM_DAY:
		ds = e->dur / e->nslot;
		for (h = 0; h < e->nslot; h++)
			x += (double)e->target * e->w[h] / e->wsum *
			    overlap(a, b, t0 + h * ds, t0 + (h + 1) * ds) / ds;
		return x;
	default:
		break;
	}
	d0 = (int64_t)floor((a - t0) / DAY);
	d1 = (int64_t)floor((b - t0) / DAY);
	for (d = d0 < 0 ? 0 : d0; d <= d1; d++) {
		ds = t0 + (double)d * DAY;
		if (e->speed == FG_SIM_WEEKS) {
			x += e->rate * (0.6 + 0.8 * hunif(e->seed, (uint64_t)d)) *
			    overlap(a, b, ds, ds + DAY) / DAY;
			continue;
		}
		/* Capped: the day's quota, run as a few jobs at random hours. */
		tot = e->cap * (0.8 + 0.2 * hunif(e->seed, (uint64_t)d * 32 + 30));
		for (h = 0, wsum = 0; h < 24; h++) {
			w[h] = hunif(e->seed, (uint64_t)d * 32 + (uint64_t)h) < 0.35 ?
			    0.5 + hunif(e->seed ^ 1, (uint64_t)d * 32 + (uint64_t)h) : 0;
			wsum += w[h];
		}
		if (wsum == 0) {
			w[mix64(e->seed, (uint64_t)d) % 24] = 1;
			wsum = 1;
		}
		for (h = 0; h < 24; h++)
			if (w[h] > 0)
				x += tot * w[h] / wsum *
				    overlap(a, b, ds + h * 3600, ds + (h + 1) * 3600) / 3600;
	}
	return x;
}

static void
event_arrivals(struct sim *s, struct sevent *e, int32_t idx, double a, double b)
{
	double x, lo, before;
	int64_t n, k, due;
	size_t first, i;
	int w;

	if (e->kind == FG_SIM_VIRAL || e->kind == FG_SIM_WAVE) {
		for (w = 0, x = 0; w < e->nwave; w++)
			x += e->vsize[w] * (burst_cdf(b - e->vt[w], e->vtr[w], e->vtd[w]) -
			    burst_cdf(a - e->vt[w], e->vtr[w], e->vtd[w]));
		/* A platform's surge follows the news, not this audience's evening. */
		n = rng_poisson(&s->g, e->kind == FG_SIM_WAVE ? x : x * diurnal(s, (a + b) / 2));
		for (k = 0; k < n; k++)
			item_add(s, a + (b - a) * rng_unif(&s->g), rng_next(&s->g), 1, idx);
		for (w = 0, e->done = 1; w < e->nwave; w++)
			if (a < e->vt[w] + 6 * e->vtd[w] + e->vtr[w])
				e->done = 0;
		return;
	}
	x = order_expected(e, a, b);
	if (e->speed == FG_SIM_WEEKS)
		due = rng_poisson(&s->g, x);
	else {
		before = e->acc;
		e->acc += x;
		due = (int64_t)floor(e->acc) - (int64_t)floor(before);
		if ((e->speed == FG_SIM_HOUR || e->speed == FG_SIM_DAY) &&
		    b >= (double)e->t0 + e->dur)
			due = e->target - e->delivered;
	}
	if (due > e->target - e->delivered)
		due = e->target - e->delivered;
	lo = a > (double)e->t0 ? a : (double)e->t0;
	first = s->nitems;
	while (due > 0) {
		n = rng_int(&s->g, e->run_min, e->run_max);
		if (n > due)
			n = due;
		item_add(s, lo + (b - lo) * rng_unif(&s->g), 0, (uint32_t)n, idx);
		due -= n;
	}
	/* The vendor works through its stock in order. */
	if (s->nitems - first > 1)
		qsort(s->items + first, s->nitems - first, sizeof(*s->items), item_cmp);
	for (i = first; i < s->nitems; i++) {
		s->items[i].seed = (uint64_t)e->delivered;
		e->delivered += s->items[i].n;
	}
	if (e->delivered >= e->target)
		e->done = 1;
}

/* The event's kind as in src and truth lines. */
static const char *
event_name(const struct sevent *e)
{
	switch (e->kind) {
	case FG_SIM_VIRAL:
		return "viral";
	case FG_SIM_WAVE:
		return "wave";
	case FG_SIM_DRIP:
		return "drip";
	default:
		return "order";
	}
}

/* ---- the schedule of events ---- */

static struct sevent *
event_new(struct sim *s, unsigned kind, int speed, int style, double pct)
{
	struct sevent *e;

	s->ev = xreallocarray(s->ev, s->nev + 1, sizeof(*s->ev));
	e = &s->ev[s->nev++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->speed = speed;
	e->style = style;
	e->pct = pct;
	e->seed = rng_next(&s->g);
	e->t0 = INT64_MIN;
	return e;
}

/* A random start in [lo, hi] days, away from other bursts and orders when there is room. */
static int64_t
random_start(struct sim *s, double lo, double hi, int spread)
{
	const struct fg_sim_opts *o = s->o;
	double day = lo;
	size_t i;
	int try, ok;

	if (hi < lo)
		hi = lo;
	for (try = 0; try < 50; try++) {
		day = rng_range(&s->g, lo, hi);
		if (!spread)
			break;
		for (i = 0, ok = 1; i < s->nev; i++)
			if (s->ev[i].kind != FG_SIM_DRIP && s->ev[i].t0 != INT64_MIN &&
			    fabs((double)(s->ev[i].t0 - o->start) / DAY - day) < 1.5)
				ok = 0;
		if (ok)
			break;
	}
	return o->start + (int64_t)(day * DAY);
}

static int
event_cmp(const void *a, const void *b)
{
	const struct sevent *x = a, *y = b;

	if (x->t0 != y->t0)
		return x->t0 < y->t0 ? -1 : 1;
	return x->seed < y->seed ? -1 : x->seed > y->seed;
}

static void
schedule(struct sim *s)
{
	const struct fg_sim_opts *o = s->o;
	const struct fg_sim_inject *in;
	struct sevent *e;
	double days = o->days, lo, hi;
	int expl_viral = 0, expl_wave = 0, expl_order = 0, expl_drip = 0, n, i, speed, style;
	size_t k;

	lo = days >= 10 ? 7 : days * 0.3;
	hi = days >= 10 ? days - 1.5 : days * 0.9;
	for (k = 0; k < o->ninject; k++) {
		in = &o->inject[k];
		if (in->kind == FG_SIM_VIRAL) {
			e = event_new(s, FG_SIM_VIRAL, -1, -1, in->size_pct);
			expl_viral = 1;
		} else if (in->kind == FG_SIM_WAVE) {
			e = event_new(s, FG_SIM_WAVE, -1, -1, in->size_pct);
			expl_wave = 1;
		} else if (in->speed == FG_SIM_WEEKS || in->kind == FG_SIM_DRIP) {
			e = event_new(s, FG_SIM_DRIP, FG_SIM_WEEKS, in->style, in->size_pct);
			expl_drip = 1;
		} else {
			e = event_new(s, FG_SIM_PURCHASE, in->speed, in->style, in->size_pct);
			expl_order = 1;
		}
		e->t0 = in->day >= 0 ? o->start + (int64_t)(in->day * DAY) :
		    random_start(s, lo, hi, 1);
	}
	if (days < 1)
		goto number;
	if ((o->events & FG_SIM_VIRAL) && !expl_viral) {
		n = (int)rng_poisson(&s->g, days / 15);
		if (o->force && n == 0)
			n = 1;
		for (i = 0; i < n; i++) {
			e = event_new(s, FG_SIM_VIRAL, -1, -1, -1);
			e->t0 = random_start(s, lo, hi, 1);
		}
	}
	/* A surge of the platform is rarer, and no history is owed one. */
	if ((o->events & FG_SIM_WAVE) && !expl_wave) {
		n = (int)rng_poisson(&s->g, days / 30 * 0.5);
		for (i = 0; i < n; i++) {
			e = event_new(s, FG_SIM_WAVE, -1, -1, -1);
			e->t0 = random_start(s, lo, hi, 1);
		}
	}
	if ((o->events & FG_SIM_PURCHASE) && !expl_order) {
		n = (int)rng_poisson(&s->g, days / 30 * 1.2);
		if (o->force && n == 0)
			n = 1;
		speed = rng_int(&s->g, FG_SIM_HOUR, FG_SIM_CAPPED);
		style = sim_style_pick(&s->g, o->styles, -1);
		for (i = 0; i < n; i++) {
			/* Successive orders differ in speed and style. */
			e = event_new(s, FG_SIM_PURCHASE, speed, style, -1);
			e->t0 = random_start(s, lo, hi, 1);
			speed = (speed + rng_int(&s->g, 1, 2)) % 3;
			style = sim_style_pick(&s->g, o->styles, style);
		}
	}
	if ((o->events & FG_SIM_DRIP) && !expl_drip) {
		n = (int)rng_poisson(&s->g, days / 30 * 0.6);
		if (o->force && n == 0)
			n = 1;
		for (i = 0; i < n; i++) {
			e = event_new(s, FG_SIM_DRIP, FG_SIM_WEEKS,
			    sim_style_pick(&s->g, o->styles, -1), -1);
			e->t0 = random_start(s, lo * 0.5, days > 20 ? days - 14 : lo * 0.5, 0);
		}
	}
number:
	if (s->nev > 0)
		qsort(s->ev, s->nev, sizeof(*s->ev), event_cmp);
	for (k = 0; k < s->nev; k++)
		s->ev[k].num = (int)k + 1;
}

/* ---- the history ---- */

static void
params_draw(struct sim *s)
{
	struct rng *r = &s->g;

	s->base_frac = rng_logunif(r, 0.0005, 0.005);
	s->amp1 = rng_range(r, 0.3, 0.7);
	s->amp2 = rng_range(r, 0, 0.12);
	s->ph2 = rng_range(r, 0, 2 * M_PI);
	s->peak = rng_range(r, 18, 22);
	s->tz = rng_range(r, -12, 12) * 3600;
	s->weekend = rng_range(r, 0.8, 1.2);
	s->wkday = 7 / (5 + 2 * s->weekend);
	s->churn = rng_range(r, 0.2, 0.7);
	s->spam = rng_range(r, 0.01, 0.03);
	s->newshare = rng_range(r, 0.03, 0.08);
	s->settle = rng_range(r, 0.01, 0.03);
	s->nrho = rng_range(r, 0.8, 0.97);
	s->nsig = rng_range(r, 0.2, 0.5);
	s->drho = rng_range(r, 0.7, 0.95);
	s->dsig = rng_range(r, 0.05, 0.25);
	s->z = rng_normal(r);
	s->zd = rng_normal(r);
}

/* The first poll: the existing audience, newest follower first. */
static void
initial_scan(struct sim *s)
{
	const struct fg_sim_opts *o = s->o;
	struct stock legacy;
	struct sprof p;
	struct rng r;
	double age = rng_logunif(&s->g, 1, 8) * YEAR, tf, spam = rng_range(&s->g, 0.01, 0.04);
	int64_t i, n = o->audience, l0 = 0, l1 = 0, t = o->start;

	/* Half of the accounts once bought followers: a contiguous block of them. */
	if (rng_bern(&s->g, 0.5) && n > 0) {
		l1 = (int64_t)((double)n * rng_range(&s->g, 0.005, 0.08));
		l0 = (int64_t)rng_below(&s->g, (uint64_t)(n - l1 + 1));
		l1 += l0;
		tf = (double)t - age * ((double)l0 + 0.5) / (double)n;
		sim_stock_init(&legacy, &s->g, sim_style_pick(&s->g, o->styles, -1), o->styles,
		    (int64_t)tf, l1 - l0);
	}
	poll_begin(s, t);
	for (i = 0; i < n && !s->w.err; i++) {
		tf = (double)t - age * ((double)i + rng_unif(&s->g)) / (double)n;
		if (i >= l0 && i < l1) {
			/* Listed newest first: the vendor's last account comes first. */
			sim_purchased(&legacy, NULL, (uint64_t)(l1 - 1 - i), &p, tf, t);
			hostile_assign(s, &p, i == l0);
		} else {
			rng_seed(&r, rng_next(&s->g));
			if (rng_bern(&r, spam))
				sim_spam(&r, &p, tf, t);
			else
				sim_genuine(&r, &p, tf, t, 0.01);
		}
		if (i < l0 || i >= l1)
			hostile_assign(s, &p, 0);
		out_follow(s, &p, t, "initial", 0);
		s->count++;
		if (!p.fake)
			s->gcount += 1;
		reservoir_add(s, p.id);
		textres_add(&s->tres, &p);
	}
	out_count(s);
}

static void
poll_run(struct sim *s, int64_t tb)
{
	const struct fg_sim_opts *o = s->o;
	double a = (double)(tb - o->poll_interval), b = (double)tb, x, base, t;
	struct sevent *e;
	struct item *it;
	struct sprof p;
	struct rng r;
	int64_t n, k, nunf, follows = 0;
	int newest;
	uint32_t j;
	size_t i;

	noise_advance(s, (a + b) / 2);
	s->nitems = 0;
	base = organic_rate(s, (a + b) / 2) * (double)o->poll_interval;
	if (o->events & FG_SIM_ORGANIC) {
		x = base + bumps_expected(s, a, b);
		n = rng_poisson(&s->g, x);
		for (k = 0; k < n; k++)
			item_add(s, a + (b - a) * rng_unif(&s->g), rng_next(&s->g), 1, -1);
	}
	for (i = 0; i < s->nev; i++) {
		e = &s->ev[i];
		if (e->done || (double)e->t0 >= b)
			continue;
		if (!e->started)
			event_start(s, e);
		event_arrivals(s, e, (int32_t)i, a, b);
	}
	if (s->nitems > 1)
		qsort(s->items, s->nitems, sizeof(*s->items), item_cmp);

	/* Unfollows come from the followers before this poll. */
	nunf = 0;
	if (o->events & FG_SIM_CHURN) {
		n = rng_poisson(&s->g, base * s->churn);
		while (nunf < n && reservoir_take(s, &s->unf[nunf]) == 0)
			textres_remove(&s->tres, s->unf[nunf++]);
	}
	poll_begin(s, tb);
	for (i = s->nitems; i-- > 0 && !s->w.err;) {
		it = &s->items[i];
		e = it->ev >= 0 ? &s->ev[it->ev] : NULL;
		for (j = it->n; j-- > 0;) {
			t = it->t + 0.8 * j;
			if (t > b)
				t = b;
			rng_seed(&r, it->seed);
			if (e != NULL && e->kind == FG_SIM_WAVE)
				sim_wave_member(&r, &e->pack, &p, t, tb);
			else if (e != NULL && e->kind != FG_SIM_VIRAL)
				e->copied += sim_purchased(&e->stock, &s->tres, it->seed + j, &p,
				    t, tb);
			else if (rng_bern(&r, s->spam))
				sim_spam(&r, &p, t, tb);
			else if (e == NULL && rng_bern(&r, s->settle))
				sim_settler(&r, &p, t, tb);
			else
				sim_genuine(&r, &p, t, tb, e != NULL ? e->newshare : s->newshare);
			/* The top of the first page a delivery shows up on. */
			newest = e != NULL && e->kind != FG_SIM_VIRAL &&
			    e->kind != FG_SIM_WAVE && !e->delivering;
			if (newest)
				e->delivering = 1;
			hostile_assign(s, &p, newest);
			if (e == NULL)
				out_follow(s, &p, tb, "organic", 0);
			else {
				out_follow(s, &p, tb, event_name(e), e->num);
				if (e->first < 0 || t < e->first)
					e->first = t;
				if (t > e->last)
					e->last = t;
				e->arrived++;
			}
			s->count++;
			follows++;
			if (!p.fake)
				s->gcount += 1;
			reservoir_add(s, p.id);
			/* Vendors copy what they scraped before the order: not its own. */
			if (e == NULL || e->kind == FG_SIM_VIRAL || e->kind == FG_SIM_WAVE)
				textres_add(&s->tres, &p);
		}
	}
	for (k = 0; k < nunf; k++) {
		out_unfollow(s, s->unf[k]);
		if (s->count > 0)
			s->gcount -= s->gcount / (double)s->count;
		s->count--;
	}
	(void)follows;
	out_count(s);
}

/* When 90 % of a burst's expected arrivals are in (ignoring the time of day). */
static double
viral_end90(const struct sevent *e)
{
	double lo = 0, hi = 30 * DAY, mid, got;
	int it, w;

	for (it = 0; it < 60; it++) {
		mid = (lo + hi) / 2;
		for (w = 0, got = 0; w < e->nwave; w++)
			got += e->vsize[w] * burst_cdf((double)e->t0 + mid - e->vt[w],
			    e->vtr[w], e->vtd[w]);
		if (got < 0.9 * e->expected)
			lo = mid;
		else
			hi = mid;
	}
	return (double)e->t0 + hi;
}

/* Whether an order's accounts include some of that style. */
static int
has_style(const struct sevent *e, int style)
{
	return e->style == style || (e->stock.mix > 0 && e->stock.style2 == style);
}

static void
truth_write(struct sim *s, FILE *f)
{
	char t1[FG_RFC3339_LEN], t2[FG_RFC3339_LEN], t3[FG_RFC3339_LEN], t4[FG_RFC3339_LEN];
	const struct sevent *e;
	const char *kind;
	size_t i;
	int k;

	for (i = 0; i < s->nev; i++) {
		e = &s->ev[i];
		kind = event_name(e);
		time_format_rfc3339(e->arrived > 0 ? (int64_t)e->first : e->t0, t1);
		time_format_rfc3339(e->arrived > 0 ? (int64_t)ceil(e->last) : e->t0, t2);
		time_format_rfc3339(e->t0, t3);
		fprintf(f, "{\"event\":%d,\"kind\":\"%s\",\"start\":\"%s\",\"end\":\"%s\","
		    "\"size\":%lld,", e->num, kind, t1, t2, (long long)e->arrived);
		if (e->kind == FG_SIM_VIRAL || e->kind == FG_SIM_WAVE) {
			time_format_rfc3339(e->started ? (int64_t)viral_end90(e) : e->t0, t4);
			fprintf(f, "\"speed\":null,\"style\":null,\"end90\":\"%s\","
			    "\"expected\":%.0f,\"waves\":%d,\"decay_s\":%.0f,",
			    t4, e->expected, e->nwave, e->vtd[0]);
		} else
			fprintf(f, "\"speed\":\"%s\",\"style\":\"%s\",\"ordered\":%lld,"
			    "\"mix\":%.3f,\"mix_style\":\"%s\",",
			    sim_speed_names[e->speed], sim_style_names[e->style], (long long)e->target,
			    e->stock.mix, sim_style_names[e->stock.style2]);
		if (e->kind == FG_SIM_WAVE) {
			fprintf(f, "\"packs\":[");
			for (k = 0; k < e->pack.n; k++)
				fprintf(f, "%s%d", k > 0 ? "," : "", e->pack.size[k]);
			fprintf(f, "],\"pack_share\":%.3f,", e->pack.share);
		}
		if (e->kind != FG_SIM_VIRAL && e->kind != FG_SIM_WAVE &&
		    has_style(e, FG_SIM_LIVED))
			fprintf(f, "\"farmed\":%.3f,", e->stock.farm);
		if (e->kind != FG_SIM_VIRAL && e->kind != FG_SIM_WAVE &&
		    has_style(e, FG_SIM_COPIED))
			fprintf(f, "\"targeted\":%.3f,\"copied_followers\":%lld,\"full\":%.3f,",
			    e->stock.targeted, (long long)e->copied, e->stock.full);
		fprintf(f, "\"size_pct\":%.2f,\"scheduled\":\"%s\",\"started\":%s}\n",
		    e->pct < 0 ? 0 : e->pct, t3, e->started ? "true" : "false");
	}
}

void
simulate_defaults(struct fg_sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->days = 30;
	o->audience = 20000;
	o->start = INT64_C(1772323200);	/* 2026-03-01T00:00:00Z */
	o->poll_interval = 300;
	o->events = FG_SIM_ALL;
	o->watch = "brand";
	o->truth = NULL;
	o->inject = NULL;
	o->ninject = 0;
	o->force = 1;
	o->platform = FG_SIM_GENERIC;
	o->plain_text = 0;
	o->styles = FG_SIM_ALL_STYLES;
}

int
simulate_run(const struct fg_sim_opts *o, FILE *out)
{
	struct sim s;
	int64_t k, npoll;
	size_t i, n;
	int rc;

	if (o->days < 0 || o->audience < 0 || o->poll_interval <= 0 ||
	    o->start < INT64_C(1262304000) || o->start > INT64_C(7000000000) ||
	    o->platform < 0 || o->platform > FG_SIM_BLUESKY || o->watch == NULL ||
	    (o->styles & FG_SIM_ALL_STYLES) == 0 ||
	    (int64_t)o->days * 86400 > INT64_C(7000000000) - o->start) {
		log_warnx("simulate: bad options (days, audience, interval, styles, or a "
		    "start before 2010)");
		return -1;
	}
	for (i = 0; i < o->ninject; i++)
		if (!(o->inject[i].size_pct >= 0) || o->inject[i].speed < 0 ||
		    o->inject[i].speed > FG_SIM_WEEKS || o->inject[i].style < 0 ||
		    o->inject[i].style >= FG_SIM_NSTYLES) {
			log_warnx("simulate: bad injected event %zu", i + 1);
			return -1;
		}
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.w.f = out;
	s.w.buf = xmalloc(SIMOUT_SIZE);
	s.watch = xmalloc(strlen(o->watch) * 6 + 3);
	n = sim_json_escape(s.watch + 1, o->watch, strlen(o->watch));
	s.watch[0] = s.watch[n + 1] = '"';
	s.watch[n + 2] = '\0';
	if (strlen(s.watch) > 4 * 1024) {
		log_warnx("simulate: watch name too long");
		free(s.watch);
		free(s.w.buf);
		return -1;
	}
	s.fields = platform_fields[o->platform];
	s.res = xreallocarray(NULL, RESERVOIR_MAX, sizeof(*s.res));
	s.tres.v = xreallocarray(NULL, TEXTRES_MAX, sizeof(*s.tres.v));
	s.tres.seed = mix64(o->seed, UINT64_C(0x7e57));
	s.hseed = mix64(o->seed, UINT64_C(0x4057));
	s.unf = xreallocarray(NULL, RESERVOIR_MAX, sizeof(*s.unf));
	rng_seed(&s.g, o->seed);
	params_draw(&s);
	s.zhour = (int64_t)floor((double)o->start / 3600);
	s.zday = (int64_t)floor((double)o->start / DAY);
	s.next_bump = (double)o->start - log(1 - rng_unif(&s.g)) * 3 * DAY;
	schedule(&s);

	initial_scan(&s);
	npoll = (int64_t)o->days * 86400 / o->poll_interval;
	for (k = 1; k <= npoll && !s.w.err; k++)
		poll_run(&s, o->start + k * o->poll_interval);
	simout_flush(&s.w);
	if (fflush(out) == EOF)
		s.w.err = 1;
	if (o->truth != NULL) {
		truth_write(&s, o->truth);
		if (fflush(o->truth) == EOF)
			s.w.err = 1;
	}
	rc = s.w.err ? -1 : 0;
	if (s.w.err)
		log_warnx("simulate: write error");
	free(s.items);
	free(s.ev);
	free(s.unf);
	free(s.tres.v);
	free(s.res);
	free(s.watch);
	free(s.w.buf);
	return rc;
}
