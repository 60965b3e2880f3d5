/*
 * Vendors of followers: a stock per order (how its accounts were made) and the accounts of
 * each style. docs/simulator.md describes the styles.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "simulate.h"
#include "simulate_int.h"
#include "timeutil.h"

int
sim_style_pick(struct rng *r, unsigned styles, int except)
{
	int i, n = 0, k;

	for (i = 0; i < FG_SIM_NSTYLES; i++)
		n += (styles >> i & 1) && i != except;
	if (n == 0)
		return except >= 0 ? except : FG_SIM_FRESH;
	k = rng_int(r, 0, n - 1);
	for (i = 0; i < FG_SIM_NSTYLES; i++)
		if ((styles >> i & 1) && i != except && k-- == 0)
			break;
	return i;
}

void
sim_stock_init(struct stock *s, struct rng *r, int style, unsigned styles, int64_t t0,
    int64_t size)
{
	struct rng r2;
	int i;

	memset(s, 0, sizeof(*s));
	s->seed = rng_next(r);
	s->style = style;
	/* Vendors pad orders with whatever they have: a minority of another style. */
	s->style2 = sim_style_pick(r, styles, style);
	s->mix = rng_bern(r, 0.5) ? rng_range(r, 0, 0.2) : 0;
	s->seq0 = rng_next(r);
	switch (style) {
	case FG_SIM_FRESH:
		s->p_avd = rng_range(r, 0.5, 0.95);
		s->p_nobio = rng_range(r, 0.75, 0.98);
		s->p_name = rng_range(r, 0.3, 0.9);
		s->win_span = rng_range(r, 0.3, 3) * DAY;
		s->fresh_ms = (t0 - (int64_t)(rng_logunif(r, 0.05, 20) * DAY) -
		    (int64_t)s->win_span) * 1000;
		s->fresh_gap_ms = s->win_span * 1000 / (double)(size > 0 ? size : 1);
		break;
	case FG_SIM_AGED:
		s->p_avd = rng_range(r, 0.05, 0.25);
		s->p_nobio = rng_range(r, 0.15, 0.5);
		s->nwin = rng_int(r, 1, 3);
		s->win_span = rng_range(r, 1, 3) * DAY;
		for (i = 0; i < s->nwin; i++)
			s->win[i] = t0 - (int64_t)(rng_range(r, 2, 12) * YEAR);
		break;
	case FG_SIM_EMPTY:
		s->p_avd = rng_range(r, 0.9, 1.0);
		break;
	case FG_SIM_COPYCAT:
		s->p_avd = rng_range(r, 0, 0.05);
		s->nwin = rng_int(r, 2, 5);
		s->win_span = rng_range(r, 2.0 / 24, 2) * DAY;
		for (i = 0; i < s->nwin; i++)
			s->win[i] = t0 - (int64_t)(rng_range(r, 30, 730) * DAY);
		break;
	}

	/* Lived and copied accounts, also when they only pad an order of another style. */
	rng_seed(&r2, s->seed ^ UINT64_C(0x11fed));
	s->farm = rng_unif(&r2);
	s->l_avd = rng_range(&r2, 0.02, 0.08);
	s->l_nobio = rng_range(&r2, 0.03, 0.15);
	s->nlwin = rng_int(&r2, 1, 4);
	s->lwin_span = rng_range(&r2, 1, 10) * DAY;
	for (i = 0; i < s->nlwin; i++) {
		s->lwin[i] = t0 - (int64_t)(rng_range(&r2, 1.5, 10) * YEAR);
		s->lfol[i] = rng_logunif(&r2, 30, 300);
		s->lfing[i] = rng_logunif(&r2, 200, 1500);
		s->lposts[i] = rng_logunif(&r2, 20, 300);
	}
	/* Targeted orders copy the client's own followers; clones are made for the order. */
	s->targeted = rng_bern(&r2, 0.5) ? rng_range(&r2, 0.5, 1.0) : 0;
	/* Cheap clones follow many and post little; full ones repost the person's posts. */
	s->full = rng_bern(&r2, 0.5) ? rng_range(&r2, 0.6, 1.0) : rng_range(&r2, 0, 0.2);
	s->ncwin = rng_int(&r2, 1, 4);
	s->cwin_span = rng_range(&r2, 1, 12) * 3600;
	for (i = 0; i < s->ncwin; i++)
		s->cwin[i] = t0 - (int64_t)((s->targeted > 0 ? rng_range(&r2, 1, 30) :
		    rng_range(&r2, 3, 180)) * DAY);
}

/*
 * An aged, lived-in account: years old, a photo, a bio, tens to hundreds of posts up to the
 * last days, tens to hundreds of followers. Farmed ones were made in batches and share the
 * batch's habits; bought ones belonged to people who left and have their own circle.
 */
static void
lived(const struct stock *s, struct rng *r, const struct name *f, const struct name *l,
    struct sprof *p, double tf, int64_t obs)
{
	double w, age;
	int b;

	if (rng_bern(r, s->farm)) {
		b = (int)rng_below(r, (uint64_t)s->nlwin);
		w = (double)s->lwin[b] + rng_unif(r) * s->lwin_span;
		p->created = sim_clamp_created(r, w, tf);
		p->followers = clampi(rng_lognormal(r, s->lfol[b], 0.35), 5, 5000);
		p->following = clampi(rng_lognormal(r, s->lfing[b], 0.3), 20, 7500);
		p->posts = clampi(rng_lognormal(r, s->lposts[b], 0.5), 10, 5000);
		if (rng_bern(r, 0.65))
			sim_handle_genuine(r, f, l, p->handle, sizeof(p->handle));
		else
			sim_handle_fake(r, f, l, p->handle, sizeof(p->handle));
	} else {
		age = rng_lognormal(r, 5 * YEAR, 0.5);
		if (age < YEAR)
			age = YEAR + rng_unif(r) * YEAR;
		p->created = sim_clamp_created(r, tf - age, tf);
		p->followers = clampi(rng_lognormal(r, 120, 0.8), 10, 5000);
		p->following = clampi(rng_lognormal(r, 450, 0.8), 20, 7500);
		p->posts = clampi(rng_lognormal(r, 150, 1.0), 10, 10000);
		sim_handle_genuine(r, f, l, p->handle, sizeof(p->handle));
	}
	p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
	p->avatar_default = rng_bern(r, s->l_avd);
	sim_display_name(r, f, l, p->name, sizeof(p->name));
	if (!rng_bern(r, s->l_nobio)) {
		if (rng_bern(r, 0.2))
			snprintf(p->bio, sizeof(p->bio), "%s", sim_word(r, SIM_W_FOREIGN));
		else
			sim_bio_genuine(r, p->bio, sizeof(p->bio));
	}
	if (rng_bern(r, 0.4))
		snprintf(p->loc, sizeof(p->loc), "%s", sim_word(r, SIM_W_CITIES));
	if (rng_bern(r, 0.15))
		sim_url(r, p->handle, p->url, sizeof(p->url));
	p->likes = clampi((double)p->posts * rng_lognormal(r, 3, 0.8), 0, 1000000);
	p->listed = clampi((double)p->followers * 0.01 * rng_lognormal(r, 1, 0.8), 0, 10000);
	p->locked = rng_bern(r, 0.01);
	/* Kept looking alive: reposts and quotes in the last days. */
	p->last_post = obs - (int64_t)(rng_bern(r, 0.8) ? -log(1 - rng_unif(r)) * 3 * DAY :
	    rng_logunif(r, DAY, 60 * DAY));
	if (p->last_post < p->created)
		p->last_post = p->created;
	if (p->last_post > obs)
		p->last_post = obs;
}

/*
 * A handle close to a copied person's, since the platform wants it unique: digits or
 * underscores added, two letters swapped, one doubled, or a look-alike letter.
 */
static void
derive_handle(struct rng *r, const char *src, char *out, size_t sz)
{
	static const char from[] = "oilse", to[] = "0li53";
	char h[57], c;
	const char *q;
	double u = rng_unif(r);
	size_t n, i;

	snprintf(h, sizeof(h), "%.56s", src);
	n = strlen(h);
	if (n < 4 || u < 0.30) {
		if (rng_bern(r, 0.5))
			snprintf(out, sz, "%s%d", h, rng_int(r, 1, 9));
		else
			snprintf(out, sz, "%s%02d", h, rng_bern(r, 0.5) ? rng_int(r, 0, 99) :
			    rng_int(r, 1960, 2010));
		return;
	}
	if (u < 0.50) {
		snprintf(out, sz, rng_bern(r, 0.7) ? "%s_" : rng_bern(r, 0.5) ? "_%s" : "%s__",
		    h);
		return;
	}
	i = 1 + (size_t)rng_below(r, n - 2);
	if (u < 0.62) {
		snprintf(out, sz, "%.*s_%s", (int)i, h, h + i);
		return;
	}
	if (u < 0.77 && h[i] != h[i + 1]) {
		c = h[i];
		h[i] = h[i + 1];
		h[i + 1] = c;
		snprintf(out, sz, "%s", h);
		return;
	}
	if (u < 0.87) {
		snprintf(out, sz, "%.*s%c%s", (int)i, h, h[i], h + i);
		return;
	}
	for (i = 0; i < n; i++)
		if ((q = strchr(from, h[i])) != NULL) {
			h[i] = to[q - from];
			snprintf(out, sz, "%s", h);
			return;
		}
	snprintf(out, sz, "%sx", h);
}

/*
 * A clone: the display name, bio, place, link and photo of a person, on an account made in
 * one of the vendor's runs. A cheap clone follows many and posts little; a full one also
 * reposts the person's posts and has followers from the vendor's network of clones. A share
 * of the order copies the watched account's own followers (tr), the rest people from
 * elsewhere.
 */
static int
copied(const struct stock *s, const struct textres *tr, uint64_t j, struct rng *r,
    const struct name *f, const struct name *l, struct sprof *p, double tf, int64_t obs)
{
	const struct sprof *src;
	struct sprof other;
	struct rng rc;
	double w;
	int fromf = 0;

	if (tr != NULL && tr->n > 0 && hunif(s->seed ^ UINT64_C(0xc09e), j) < s->targeted) {
		src = &tr->v[mix64(s->seed ^ UINT64_C(0xc09f), j) % tr->n];
		fromf = 1;
	} else {
		rng_seed(&rc, mix64(s->seed ^ UINT64_C(0x5eed), j));
		sim_genuine(&rc, &other, tf, obs, 0);
		src = &other;
	}
	memcpy(p->name, src->name, sizeof(p->name));
	memcpy(p->bio, src->bio, sizeof(p->bio));
	memcpy(p->loc, src->loc, sizeof(p->loc));
	memcpy(p->url, src->url, sizeof(p->url));
	p->avatar_default = src->avatar_default;
	p->hostile = src->hostile;	/* a text that breaks things, copied too */
	p->hfield = src->hfield;
	p->hseed = src->hseed;
	if (p->name[0] == '\0')
		sim_display_name(r, f, l, p->name, sizeof(p->name));
	derive_handle(r, src->handle, p->handle, sizeof(p->handle));
	w = (double)s->cwin[rng_below(r, (uint64_t)s->ncwin)] + rng_unif(r) * s->cwin_span;
	p->created = sim_clamp_created(r, w, tf);
	p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
	if (rng_bern(r, s->full)) {
		p->posts = clampi((double)src->posts * rng_range(r, 0.05, 0.5) +
		    rng_lognormal(r, 20, 0.8), 5, (int64_t)(((double)obs - w) / DAY * 30) + 5);
		p->followers = clampi(rng_lognormal(r, 80, 0.9), 0, 5000);
		p->following = clampi(rng_lognormal(r, 450, 0.8), 10, 7500);
		p->likes = clampi((double)p->posts * rng_lognormal(r, 2, 0.8), 0, 100000);
		p->last_post = obs - (int64_t)(-log(1 - rng_unif(r)) * 2 * DAY);
		if (p->last_post < p->created)
			p->last_post = p->created;
	} else {
		p->posts = rng_bern(r, 0.4) ? 0 : clampi(rng_lognormal(r, 6, 1.0), 1, 1000);
		p->followers = clampi(rng_lognormal(r, 20, 1.0), 0, 5000);
		p->following = clampi(rng_lognormal(r, 700, 0.8), 10, 7500);
		p->likes = clampi(rng_lognormal(r, 15, 1.3), 0, 100000);
		p->last_post = sim_last_post(r, p->posts, p->created, obs, 0.3, 7 * DAY);
	}
	return fromf;
}

int
sim_purchased(const struct stock *s, const struct textres *tr, uint64_t j, struct sprof *p,
    double tf, int64_t obs)
{
	const struct name *f, *l;
	struct rng rr, *r = &rr;
	int64_t cms;
	int style = hunif(s->seed, 2 * j + 1) < s->mix ? s->style2 : s->style;
	double w;

	rng_seed(r, mix64(s->seed, 2 * j));
	memset(p, 0, sizeof(*p));
	p->fake = 1;
	sim_pick_names(r, &f, &l);
	p->avatar_default = rng_bern(r, s->style == style ? s->p_avd :
	    style == FG_SIM_EMPTY ? 0.95 : style == FG_SIM_FRESH ? 0.7 : 0.1);
	switch (style) {
	case FG_SIM_LIVED:
		lived(s, r, f, l, p, tf, obs);
		break;
	case FG_SIM_COPIED:
		return copied(s, tr, j, r, f, l, p, tf, obs);
	case FG_SIM_FRESH:
		if (s->style == FG_SIM_FRESH) {
			cms = s->fresh_ms + (int64_t)((double)j * s->fresh_gap_ms +
			    rng_unif(r) * s->fresh_gap_ms * 0.5);
			p->created = sim_clamp_created(r, (double)(cms / 1000), tf);
			p->id = make_id(p->created * 1000 + cms % 1000, s->seq0 + j);
		} else {
			p->created = sim_clamp_created(r, tf - rng_logunif(r, 0.1, 20) * DAY, tf);
			p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000),
			    rng_next(r));
		}
		p->posts = rng_bern(r, 0.6) ? 0 : rng_int(r, 1, 10);
		p->followers = clampi(rng_lognormal(r, 3, 1.2) - 1, 0, 100000);
		p->following = clampi(rng_lognormal(r, 600, 0.8), 20, 7500);
		p->likes = p->posts > 0 ? rng_int(r, 0, 40) : rng_int(r, 0, 3);
		p->listed = 0;
		sim_handle_fake(r, f, l, p->handle, sizeof(p->handle));
		if (rng_bern(r, s->style == style ? s->p_name : 0.6))
			sim_display_name(r, f, l, p->name, sizeof(p->name));
		if (!rng_bern(r, s->style == style ? s->p_nobio : 0.9))
			snprintf(p->bio, sizeof(p->bio), "%s", rng_bern(r, 0.5) ?
			    sim_word(r, SIM_W_TAILS) : sim_word(r, SIM_W_INTERESTS));
		p->last_post = sim_last_post(r, p->posts, p->created, obs, 0, 2 * DAY);
		break;
	case FG_SIM_AGED:
		if (s->nwin > 0 && s->style == FG_SIM_AGED) {
			w = (double)s->win[rng_below(r, (uint64_t)s->nwin)] +
			    rng_unif(r) * s->win_span;
			p->created = sim_clamp_created(r, w, tf);
		} else
			p->created = sim_clamp_created(r, tf - rng_range(r, 2, 12) * YEAR, tf);
		p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
		p->posts = clampi(rng_lognormal(r, 40, 1.2), 0, 100000);
		p->followers = clampi(rng_lognormal(r, 60, 1.1), 0, 100000);
		p->following = clampi(rng_lognormal(r, 1500, 0.7), 50, 7500);
		p->likes = clampi(rng_lognormal(r, 100, 1.5), 0, 1000000);
		p->listed = clampi(rng_lognormal(r, 0.5, 1.0), 0, 1000);
		if (rng_bern(r, 0.5))
			sim_handle_genuine(r, f, l, p->handle, sizeof(p->handle));
		else
			sim_handle_fake(r, f, l, p->handle, sizeof(p->handle));
		sim_display_name(r, f, l, p->name, sizeof(p->name));
		if (!rng_bern(r, s->style == style ? s->p_nobio : 0.3)) {
			if (rng_bern(r, 0.3))
				snprintf(p->bio, sizeof(p->bio), "%s",
				    sim_word(r, SIM_W_FOREIGN));
			else
				sim_bio_genuine(r, p->bio, sizeof(p->bio));
		}
		if (rng_bern(r, 0.25))
			snprintf(p->loc, sizeof(p->loc), "%s", sim_word(r, SIM_W_CITIES));
		/* Mostly dormant since sold; some vendors post to look alive. */
		if (p->posts > 0) {
			if (rng_bern(r, 0.7))
				p->last_post = p->created + (int64_t)(rng_range(r, 0.05, 1.0) *
				    (double)(obs - p->created) * 0.5);
			else
				p->last_post = obs - (int64_t)rng_logunif(r, 3600, 60 * DAY);
			if (p->last_post > obs)
				p->last_post = obs;
			if (p->last_post < p->created)
				p->last_post = p->created;
		} else
			p->last_post = FG_TIME_UNKNOWN;
		break;
	case FG_SIM_EMPTY:
		p->created = sim_clamp_created(r, tf - rng_logunif(r, 7, 730) * DAY, tf);
		p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
		p->posts = rng_bern(r, 0.95) ? 0 : 1;
		p->followers = clampi(rng_lognormal(r, 1.5, 1.0) - 1, 0, 1000);
		p->following = clampi(rng_lognormal(r, 300, 1.0), 1, 7500);
		p->likes = rng_bern(r, 0.9) ? 0 : rng_int(r, 1, 5);
		p->listed = 0;
		sim_handle_fake(r, f, l, p->handle, sizeof(p->handle));
		if (rng_bern(r, 0.1))
			snprintf(p->name, sizeof(p->name), "%s", p->handle);
		p->last_post = sim_last_post(r, p->posts, p->created, obs, 0.5, 30 * DAY);
		break;
	case FG_SIM_COPYCAT: {
		struct sprof real;
		struct rng rc;

		/* The name, bio, photo, place and link of a real person... */
		rng_seed(&rc, mix64(s->seed ^ UINT64_C(0x5eed), j));
		sim_genuine(&rc, &real, tf, obs, 0);
		memcpy(p->name, real.name, sizeof(p->name));
		memcpy(p->bio, real.bio, sizeof(p->bio));
		memcpy(p->loc, real.loc, sizeof(p->loc));
		if (real.url[0] != '\0' && rng_bern(r, 0.5))
			memcpy(p->url, real.url, sizeof(p->url));
		if (real.name[0] == '\0')
			sim_display_name(r, f, l, p->name, sizeof(p->name));
		/* ...on an account made in a batch, that follows many and posts little. */
		if (s->nwin > 0 && s->style == FG_SIM_COPYCAT)
			w = (double)s->win[rng_below(r, (uint64_t)s->nwin)] +
			    rng_unif(r) * s->win_span;
		else
			w = tf - rng_range(r, 30, 730) * DAY;
		p->created = sim_clamp_created(r, w, tf);
		p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
		snprintf(p->handle, sizeof(p->handle), "%.60s%s", real.handle,
		    rng_bern(r, 0.5) ? "_" : rng_bern(r, 0.5) ? "x" : "1");
		if (rng_bern(r, 0.3))
			sim_handle_fake(r, f, l, p->handle, sizeof(p->handle));
		p->posts = rng_bern(r, 0.3) ? 0 : clampi(rng_lognormal(r, 4, 1.2), 0, 10000);
		p->followers = clampi(rng_lognormal(r, 25, 1.0), 0, 100000);
		p->following = clampi(rng_lognormal(r, 900, 0.8), 30, 7500);
		p->likes = clampi(rng_lognormal(r, 20, 1.5), 0, 100000);
		p->listed = 0;
		p->avatar_default = rng_bern(r, s->style == style ? s->p_avd : 0.03);
		p->last_post = sim_last_post(r, p->posts, p->created, obs, 0.4, 10 * DAY);
		break;
	}
	}
	return 0;
}
