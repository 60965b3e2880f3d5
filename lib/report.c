/* How spikes and purge plans are written: JSON for machines and the store, text for people. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "log.h"
#include "jsonout.h"
#include "report.h"
#include "timeutil.h"

int
report_profile_empty(const struct fg_profile *p)
{
	int no_bio = p->bio != NULL && profile_blank(p->bio);
	int no_face = p->avatar_default == 1 ||
	    (p->display_name != NULL && profile_blank(p->display_name));

	return no_bio && no_face && p->posts_count == 0;
}

static double
round4(double x)
{
	return (double)(long long)(x * 10000 + 0.5) / 10000;
}

json_t *
report_spike_object(const char *watch, const struct fg_spike *s)
{
	char start[FG_RFC3339_LEN], det[FG_RFC3339_LEN], month[16];
	json_t *o;

	time_format_rfc3339(s->start, start);
	time_format_rfc3339(s->detected, det);
	snprintf(month, sizeof(month), "%04d-%02d", s->cluster_year, s->cluster_month);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:f, s:f, s:f, s:f}",
	    "watch", watch,
	    "spike_id", s->id,
	    "kind", spike_kind_name(s->kind),
	    "severity", spike_severity_name(s->severity),
	    "pattern", spike_pattern_name(s->pattern),
	    "status", s->open ? "open" : "closed",
	    "start", start,
	    "detected", det,
	    "new_followers", (json_int_t)s->new_followers,
	    "fake_share", round4(s->fake_share),
	    "suspect_share", round4(s->suspect_share),
	    "empty_share", round4(s->empty_share),
	    "baseline_per_hour", round4(s->baseline_per_hour));
	if (o == NULL)
		fatalx("report_spike_object: json_pack failed");
	json_object_set_new(o, "baseline_hours", json_integer(s->baseline_hours));
	json_object_set_new(o, "baseline_fake_share", json_real(round4(s->baseline_fake)));
	json_object_set_new(o, "baseline_fakeish_share", json_real(round4(s->baseline_fakeish)));
	json_object_set_new(o, "newcomer_share", json_real(round4(s->newcomer_share)));
	json_object_set_new(o, "batch_share", json_real(round4(s->batch_share)));
	json_object_set_new(o, "baseline_batch_share", json_real(round4(s->baseline_batch)));
	json_object_set_new(o, "copy_share", json_real(round4(s->copy_share)));
	json_object_set_new(o, "made_together_share", json_real(round4(s->made_together_share)));
	json_object_set_new(o, "last", json_string(time_format_rfc3339(s->last, start)));
	if (s->followers_before >= 0)
		json_object_set_new(o, "followers_before", json_integer(s->followers_before));
	if (s->followers_after >= 0)
		json_object_set_new(o, "followers_after", json_integer(s->followers_after));
	if (s->pattern == FG_BURST) {
		json_object_set_new(o, "creation_cluster", json_pack("{s:s, s:f}",
		    "month", month, "share", round4(s->cluster_share)));
		json_object_set_new(o, "run_share", json_real(round4(s->run_share)));
		json_object_set_new(o, "id_share", json_real(round4(s->id_share)));
	}
	return o;
}

char *
report_spike_json(const char *watch, const struct fg_spike *s)
{
	json_t *o = report_spike_object(watch, s);
	char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));

	json_decref(o);
	if (text == NULL)
		fatalx("report_spike_json: json_dumps failed");
	return text;
}

static void
print_line(FILE *f, json_t *o)
{
	if (json_dumpf(o, f, JSON_COMPACT | JSON_REAL_PRECISION(6)) == -1)
		log_warnx("writing a report failed");
	fputc('\n', f);
}

/* A plan's creation windows as [["2019-03-04","2019-03-06"], ...]. */
json_t *
report_windows(const struct fg_plan *p)
{
	char a[FG_RFC3339_LEN], b[FG_RFC3339_LEN];
	json_t *w = json_array();
	size_t i;

	for (i = 0; i < p->nwindows; i++) {
		time_format_rfc3339(p->windows[i].first * 86400, a);
		time_format_rfc3339(p->windows[i].last * 86400, b);
		json_array_append_new(w, json_pack("[s#,s#]", a, (size_t)10, b, (size_t)10));
	}
	return w;
}

void
report_write_jsonl(FILE *f, const struct fg_report *r)
{
	char t[FG_RFC3339_LEN], evbuf[160];
	json_t *o;
	size_t i;

	time_format_rfc3339(r->t, t);
	o = report_spike_object(r->watch, r->spike);
	json_object_set_new(o, "t", json_string(t));
	json_object_set_new(o, "event", json_string("spike"));
	print_line(f, o);
	json_decref(o);
	if (r->plan == NULL)
		return;
	/* Written as it goes: a plan may hold a hundred thousand ids. */
	fprintf(f, "{\"t\":\"%s\",\"watch\":", t);
	jsonout_string(f, r->watch);
	fputs(",\"event\":\"purge_plan\",\"spike_id\":", f);
	jsonout_string(f, r->spike->id);
	fprintf(f, ",\"count\":%zu,\"skipped_allowlist\":%zu,\"newcomers\":%zu,\"ids\":[",
	    r->plan->n, r->plan->skipped_allowlist, r->plan->newcomers);
	for (i = 0; i < r->plan->n; i++) {
		if (i > 0)
			putc_unlocked(',', f);
		jsonout_string(f, r->plan->ids[i]);
	}
	fputs("],\"evidence\":[", f);
	for (i = 0; i < r->plan->n; i++) {
		if (i > 0)
			putc_unlocked(',', f);
		jsonout_string(f, plan_evidence_format(r->plan->why[i].evidence, ",", evbuf,
		    sizeof(evbuf)));
	}
	putc_unlocked(']', f);
	if (r->plan->nwindows > 0) {
		fputs(",\"creation_windows\":", f);
		o = report_windows(r->plan);
		if (json_dumpf(o, f, JSON_COMPACT) == -1)
			log_warnx("writing a report failed");
		json_decref(o);
	}
	fputs("}\n", f);
}

/*
 * For people: a block when a spike is first reported, changes kind or severity, or ends;
 * one line when it only grows.
 */
void
report_write_text(FILE *f, const struct fg_report *r, double min_score, int full)
{
	const struct fg_spike *s = r->spike;
	const struct fg_plan *p = r->plan;
	char t[FG_RFC3339_LEN], start[FG_RFC3339_LEN], ev[160];
	char id[ESCAPE_ROOM(FG_ID_MAX)];
	size_t i, k;

	time_format_rfc3339(r->t, t);
	if (!full) {
		fprintf(f, "%s  %s  %s: %s so far, %llu new followers, %.0f%% scored fake", t,
		    r->watch, s->id, spike_kind_name(s->kind),
		    (unsigned long long)s->new_followers, 100 * s->fake_share);
		if (p != NULL)
			fprintf(f, ", purge plan %zu", p->n);
		fputc('\n', f);
		return;
	}
	time_format_rfc3339(s->start, start);
	fprintf(f, "%s  %s  %s %s spike (%s, %s)  %s\n", t, r->watch,
	    spike_kind_name(s->kind), spike_pattern_name(s->pattern),
	    spike_severity_name(s->severity), s->open ? "still growing" : "over", s->id);
	fprintf(f, "    started %s: %llu new followers", start,
	    (unsigned long long)s->new_followers);
	if (s->followers_before >= 0 && s->followers_after >= 0)
		fprintf(f, " (%lld -> %lld)", (long long)s->followers_before,
		    (long long)s->followers_after);
	fprintf(f, ", usual %.1f/hour\n", s->baseline_per_hour);
	fprintf(f, "    scored fake %.0f%% (usually %.0f%%), suspect %.0f%%, empty profiles %.0f%%",
	    100 * s->fake_share, 100 * s->baseline_fake, 100 * s->suspect_share,
	    100 * s->empty_share);
	if (s->pattern == FG_BURST)
		fprintf(f, "; %.0f%% created in %04d-%02d; %.0f%% in contiguous runs",
		    100 * s->cluster_share, s->cluster_year, s->cluster_month,
		    100 * s->run_share);
	fputc('\n', f);
	fprintf(f, "    created with their neighbours or copied %.0f%% (usually %.0f%%), copied "
	    "%.0f%%, newcomers %.0f%%\n", 100 * s->batch_share, 100 * s->baseline_batch,
	    100 * s->copy_share, 100 * s->newcomer_share);
	if (p == NULL) {
		fprintf(f, "    organic: new followers look like people; nothing to remove\n");
		return;
	}
	fprintf(f, "    purge plan: %zu followers would be removed (purge.min_score %.2f", p->n,
	    min_score);
	if (p->skipped_allowlist > 0)
		fprintf(f, "; %zu allowlisted kept", p->skipped_allowlist);
	fprintf(f, "; %zu without enough evidence kept; %zu newcomers never planned)\n",
	    p->below_score, p->newcomers);
	for (i = 0; i < p->nwindows; i++) {
		time_format_rfc3339(p->windows[i].first * 86400, t);
		time_format_rfc3339(p->windows[i].last * 86400, start);
		fprintf(f, "    made together: created %.10s to %.10s\n", t, start);
	}
	for (i = 0; i < p->n && i < FG_PLAN_SAMPLE; i++) {
		fprintf(f, "      %s  %.2f  %s", escape_str(id, sizeof(id), p->why[i].id),
		    p->why[i].score,
		    plan_evidence_format(p->why[i].evidence, ", ", ev, sizeof(ev)));
		for (k = 0; k < p->why[i].nreasons; k++)
			fprintf(f, "%s%s", k ? ", " : " (", feature_name(p->why[i].reasons[k]));
		fprintf(f, "%s\n", p->why[i].nreasons > 0 ? ")" : "");
	}
	fprintf(f, "    review: followguard purge --watch %s --spike %s --dry-run\n",
	    r->watch, s->id);
}
