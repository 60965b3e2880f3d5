/* Evidence that followers came as one batch. See cohort.h. */
#include <math.h>
#include <string.h>

#include "cohort.h"
#include "strmap.h"
#include "timeutil.h"
#include "xmalloc.h"

#define DAY		86400
#define MAX_INTERVAL	DAY	/* a longer gap between polls says nothing more */

static int
date_only(int64_t t)
{
	return t % DAY == 0;
}

int
cohort_newcomer(int64_t created, int64_t t, int64_t dt)
{
	int64_t from;

	if (created == FG_TIME_UNKNOWN)
		return 0;
	if (dt < 0)
		dt = 0;
	if (dt > MAX_INTERVAL)
		dt = MAX_INTERVAL;
	from = t - dt - FG_NEWCOMER_SLACK;
	if (date_only(created))
		from -= (from % DAY + DAY) % DAY;	/* the date the interval began */
	return created >= from;
}

void
cohort_neighbours_reset(struct fg_neighbours *nb)
{
	memset(nb, 0, sizeof(*nb));
}

int
cohort_neighbours_next(struct fg_neighbours *nb, int64_t created, int64_t t)
{
	int64_t d, age = t - created, tol = age < FG_YOUNG ? 3600 : age < 60 * DAY ? DAY : 3 * DAY;
	unsigned close = 0;
	size_t i;

	for (i = 0; i < nb->n; i++) {
		d = nb->created[i] - created;
		close += (d < 0 ? -d : d) <= tol;
	}
	nb->created[nb->next] = created;
	nb->next = (nb->next + 1) % FG_NEIGH_WIDTH;
	if (nb->n < FG_NEIGH_WIDTH)
		nb->n++;
	return close >= FG_NEIGH_MIN;
}

#define WINDOW_P	1e-6
#define WINDOW_SPREAD	(20 * 365.0)

/* log P(X >= k) for X ~ Poisson(lambda), k > lambda: the first term and a geometric tail. */
static double
poisson_log_sf(double k, double lambda)
{
	double r = lambda / (k + 1);

	return k * log(lambda) - lambda - lgamma(k + 1) - log1p(-(r < 0.999 ? r : 0.999));
}

/* How many of the sorted days[] fall in [from, to]. */
static size_t
count_between(const int64_t *days, size_t n, int64_t from, int64_t to)
{
	size_t lo = 0, hi = n, a, b;

	while (lo < hi) {
		a = (lo + hi) / 2;
		if (days[a] < from)
			lo = a + 1;
		else
			hi = a;
	}
	a = lo;
	hi = n;
	while (lo < hi) {
		b = (lo + hi) / 2;
		if (days[b] <= to)
			lo = b + 1;
		else
			hi = b;
	}
	return lo - a;
}

size_t
cohort_windows(const int64_t *days, size_t n, struct fg_window *w, size_t max)
{
	int64_t d, *sig = xcalloc(n ? n : 1, sizeof(*sig));
	size_t i, j, distinct = 0, nsig = 0, nw = 0;
	double k, around, lambda, floor, limit, width;

	for (i = 0; i < n; i++)
		distinct += i == 0 || days[i] != days[i - 1];
	limit = log(WINDOW_P) - log(distinct > 0 ? (double)distinct : 1);
	floor = (double)n / WINDOW_SPREAD;	/* members a day, spread over twenty years */
	for (i = 0; i < n; i++) {
		if (i > 0 && days[i] == days[i - 1])
			continue;
		d = days[i];
		/* the window centred on d, and the days around it */
		k = (double)count_between(days, n, d - FG_WINDOW_DAYS / 2, d + FG_WINDOW_DAYS / 2);
		if (k < FG_WINDOW_MIN)
			continue;
		around = (double)count_between(days, n, d - FG_WINDOW_AROUND,
		    d + FG_WINDOW_AROUND) - k;
		lambda = FG_WINDOW_DAYS * fmax(around / (2.0 * FG_WINDOW_AROUND + 1 -
		    FG_WINDOW_DAYS), floor);
		if (k > lambda && poisson_log_sf(k, lambda) <= limit)
			sig[nsig++] = d;
	}
	/* Merged into spans of days, each with its members and those expected by chance. */
	for (i = 0; i < nsig && nw < max; i = j) {
		for (j = i + 1; j < nsig && sig[j] - sig[j - 1] <= FG_WINDOW_DAYS; j++)
			;
		w[nw].first = sig[i] - FG_WINDOW_DAYS / 2;
		w[nw].last = sig[j - 1] + FG_WINDOW_DAYS / 2;
		width = (double)(w[nw].last - w[nw].first + 1);
		w[nw].members = (double)count_between(days, n, w[nw].first, w[nw].last);
		around = (double)count_between(days, n, w[nw].first - FG_WINDOW_AROUND,
		    w[nw].last + FG_WINDOW_AROUND) - w[nw].members;
		w[nw].chance = width * fmax(around / (2.0 * FG_WINDOW_AROUND), floor);
		nw++;
	}
	free(sig);
	return nw;
}

static int
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' &&
		    *s != '\v')
			return 0;
	return 1;
}

unsigned
cohort_look(const struct fg_profile *p)
{
	return (p->avatar_default == 1) | (p->bio != NULL && blank(p->bio)) << 1 |
	    (p->display_name != NULL && blank(p->display_name)) << 2 |
	    (p->posts_count == 0) << 3;
}

/* Appends s folded (ASCII case, runs of white space as one space, trimmed); its length. */
static size_t
fold(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	int space = 0;
	unsigned char c;

	for (; *s != '\0' && n < cap; s++) {
		c = (unsigned char)*s;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			space = n > 0;
			continue;
		}
		if (space && n < cap)
			out[n++] = ' ';
		space = 0;
		if (n < cap)
			out[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	return n;
}

uint64_t
cohort_text_key(const struct fg_profile *p)
{
	char name[FG_TEXT_MAX], bio[FG_TEXT_MAX];
	size_t nl, bl;
	uint64_t h;

	if (p->display_name == NULL || p->bio == NULL)
		return 0;
	nl = fold(p->display_name, name, sizeof(name));
	bl = fold(p->bio, bio, sizeof(bio));
	if (nl == 0 || bl < FG_TEXT_KEY_MIN)
		return 0;
	h = fnv1a64(name, nl, FG_FNV64_BASIS);
	h = fnv1a64("\n", 1, h);
	h = fnv1a64(bio, bl, h);
	return h != 0 ? h : 1;
}
