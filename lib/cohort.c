/* Evidence that followers came as one batch. See cohort.h. */
#include <string.h>

#include "cohort.h"
#include "strmap.h"
#include "timeutil.h"

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
	int64_t d, tol = t - created < FG_YOUNG ? 3600 : DAY;
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
