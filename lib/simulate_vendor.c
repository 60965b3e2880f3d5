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

void
sim_stock_init(struct stock *s, struct rng *r, int style, int64_t t0, int64_t size)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->seed = rng_next(r);
	s->style = style;
	/* Vendors pad orders with whatever they have: a minority of another style. */
	s->style2 = (style + rng_int(r, 1, 3)) % 4;
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
}

/* Account j of an order from stock s, delivered at tf. */
void
sim_purchased(const struct stock *s, uint64_t j, struct sprof *p, double tf, int64_t obs)
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
}
