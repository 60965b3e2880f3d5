/* How spikes and purge plans are written: JSON for machines and the store, text for people. */
#ifndef FG_REPORT_H
#define FG_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "detector.h"
#include "pipeline.h"
#include "profile.h"

/* No bio, no name or picture, no posts: known to be empty, not merely unknown. */
int	 report_profile_empty(const struct fg_profile *);
/* The spike document stored in LMDB and printed by replay (without "t" and "event"). */
json_t	*report_spike_object(const char *watch, const struct fg_spike *);
char	*report_spike_json(const char *watch, const struct fg_spike *);
/* A plan's creation windows as [["YYYY-MM-DD","YYYY-MM-DD"], ...]. */
json_t	*report_windows(const struct fg_plan *);
/* docs/contracts.md 4.5 lines: one "spike" object and, for inorganic spikes, one "purge_plan". */
void	 report_write_jsonl(FILE *, const struct fg_report *);
/* The same for a person reading a terminal: full, or one line for a spike that only grew. */
void	 report_write_text(FILE *, const struct fg_report *, double min_score, int full);

#endif
