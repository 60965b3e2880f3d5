/* Options of the simulator, parsed for the CLI and the tests: events, orders, bursts, styles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simulate.h"
#include "simulate_int.h"

const char *const sim_speed_names[] = { "hour", "day", "capped", "weeks" };
const char *const sim_style_names[] = { "fresh", "aged", "empty", "copycat", "lived", "copied" };
const char *const sim_platform_names[] = { "generic", "mastodon", "x", "bluesky" };

static int
name_index(const char *s, size_t n, const char *const *names, size_t nnames)
{
	size_t i;

	for (i = 0; i < nnames; i++)
		if (strlen(names[i]) == n && strncmp(s, names[i], n) == 0)
			return (int)i;
	return -1;
}

int
simulate_parse_events(const char *s, unsigned *ev, char *err, size_t errlen)
{
	static const char *const names[] = { "organic", "churn", "viral", "purchase", "drip",
	    "wave", "all", "none" };
	unsigned v = 0;
	const char *p = s, *q;
	int i;

	for (;;) {
		q = strchr(p, ',');
		if (q == NULL)
			q = p + strlen(p);
		if ((i = name_index(p, (size_t)(q - p), names, NELEM(names))) < 0) {
			snprintf(err, errlen, "unknown event kind \"%.*s\" (organic, churn, "
			    "viral, purchase, drip, wave, all, none)", (int)(q - p), p);
			return -1;
		}
		v |= i == 6 ? FG_SIM_ALL : i == 7 ? 0 : 1u << i;
		if (*q == '\0')
			break;
		p = q + 1;
	}
	*ev = v;
	return 0;
}

/* "SIZE_PCT" then optional "@DAY" at end. */
static int
parse_size_day(const char *s, const char *end, double *pct, const char *at, double *day,
    char *err, size_t errlen)
{
	char *e;

	*pct = strtod(s, &e);
	if (e != end || e == s || !(*pct >= 0) || *pct > 1000) {
		snprintf(err, errlen, "bad size \"%.*s\" (a percentage, e.g. 20)",
		    (int)(end - s), s);
		return -1;
	}
	*day = -1;
	if (at != NULL) {
		*day = strtod(at + 1, &e);
		if (*e != '\0' || e == at + 1 || !(*day >= 0) || *day > 100000) {
			snprintf(err, errlen, "bad day \"%s\" (days after the start, e.g. 10.5)",
			    at + 1);
			return -1;
		}
	}
	return 0;
}

int
simulate_parse_order(const char *s, struct fg_sim_inject *in, char *err, size_t errlen)
{
	const char *c1, *c2, *at, *end;

	memset(in, 0, sizeof(*in));
	at = strchr(s, '@');
	end = at != NULL ? at : s + strlen(s);
	if ((c1 = memchr(s, ':', (size_t)(end - s))) == NULL ||
	    (c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1))) == NULL) {
		snprintf(err, errlen, "\"%s\": expected SIZE_PCT:SPEED:STYLE[@DAY]", s);
		return -1;
	}
	if (parse_size_day(s, c1, &in->size_pct, at, &in->day, err, errlen) == -1)
		return -1;
	in->speed = name_index(c1 + 1, (size_t)(c2 - c1 - 1), sim_speed_names,
	    NELEM(sim_speed_names));
	if (in->speed < 0) {
		snprintf(err, errlen, "bad speed \"%.*s\" (hour, day, capped, weeks)",
		    (int)(c2 - c1 - 1), c1 + 1);
		return -1;
	}
	in->style = name_index(c2 + 1, (size_t)(end - c2 - 1), sim_style_names,
	    NELEM(sim_style_names));
	if (in->style < 0) {
		snprintf(err, errlen, "bad style \"%.*s\" (fresh, aged, empty, copycat, lived, "
		    "copied)",
		    (int)(end - c2 - 1), c2 + 1);
		return -1;
	}
	in->kind = in->speed == FG_SIM_WEEKS ? FG_SIM_DRIP : FG_SIM_PURCHASE;
	return 0;
}

int
simulate_parse_viral(const char *s, struct fg_sim_inject *in, char *err, size_t errlen)
{
	const char *at = strchr(s, '@');

	memset(in, 0, sizeof(*in));
	in->kind = FG_SIM_VIRAL;
	return parse_size_day(s, at != NULL ? at : s + strlen(s), &in->size_pct, at, &in->day,
	    err, errlen);
}

int
simulate_parse_wave(const char *s, struct fg_sim_inject *in, char *err, size_t errlen)
{
	int rc = simulate_parse_viral(s, in, err, errlen);

	in->kind = FG_SIM_WAVE;
	return rc;
}

int
simulate_parse_styles(const char *s, unsigned *styles, char *err, size_t errlen)
{
	const char *p = s, *q;
	unsigned v = 0;
	int i;

	for (;;) {
		q = strchr(p, ',');
		if (q == NULL)
			q = p + strlen(p);
		if ((size_t)(q - p) == 3 && strncmp(p, "all", 3) == 0)
			v |= FG_SIM_ALL_STYLES;
		else if ((i = name_index(p, (size_t)(q - p), sim_style_names,
		    NELEM(sim_style_names))) >= 0)
			v |= 1u << i;
		else {
			snprintf(err, errlen, "unknown style \"%.*s\" (fresh, aged, empty, "
			    "copycat, lived, copied, all)", (int)(q - p), p);
			return -1;
		}
		if (*q == '\0')
			break;
		p = q + 1;
	}
	*styles = v;
	return 0;
}

int
simulate_parse_platform(const char *s, int *platform)
{
	int i = name_index(s, strlen(s), sim_platform_names, NELEM(sim_platform_names));

	if (i < 0)
		return -1;
	*platform = i;
	return 0;
}
