/*
 * Alert rendering. See alert.h.
 *
 * The e-mail is multipart/mixed: a quoted-printable UTF-8 text part, then the cohort as a
 * base64 CSV attachment. Every header is folded and refuses CR/LF, so nothing from a profile
 * or the configuration can add a header.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alert.h"
#include "csv.h"
#include "log.h"
#include "mime.h"
#include "model.h"
#include "report.h"
#include "sha256.h"
#include "timeutil.h"
#include "xmalloc.h"

#define ALERT_SAMPLE	FG_PLAN_SAMPLE

/* 48176 -> "48,176" */
static const char *
count(char *buf, size_t len, int64_t n)
{
	char digits[32];
	size_t nd, i, o = 0;
	int neg = n < 0;

	snprintf(digits, sizeof(digits), "%" PRIu64, neg ? (uint64_t)0 - (uint64_t)n :
	    (uint64_t)n);
	nd = strlen(digits);
	if (neg && o + 1 < len)
		buf[o++] = '-';
	for (i = 0; i < nd && o + 1 < len; i++) {
		if (i > 0 && (nd - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* "2019-03-04", of a day counted from 1970-01-01 */
static const char *
day(char *buf, size_t len, int64_t d)
{
	char r[FG_RFC3339_LEN];

	time_format_rfc3339(d * 86400, r);
	snprintf(buf, len, "%.10s", r);
	return buf;
}

/* "2026-03-01 01:45 UTC" */
static const char *
when(char *buf, size_t len, int64_t t)
{
	char r[FG_RFC3339_LEN];

	time_format_rfc3339(t, r);
	snprintf(buf, len, "%.10s %.5s UTC", r, r + 11);
	return buf;
}

void
alert_command(char *buf, size_t len, const char *watch, const char *spike_id)
{
	snprintf(buf, len, "followguard purge --watch %s --spike %s --dry-run", watch, spike_id);
}

static void
reasons_list(struct buf *b, const struct fg_plan_sample *why, const char *sep)
{
	size_t k;

	for (k = 0; k < why->nreasons; k++)
		buf_printf(b, "%s%s", k ? sep : "", feature_name(why->reasons[k]));
}

/* Ten planned followers: handle, score and what made them look bought. */
static int
examples(struct fg_txn *txn, const char *watch, const struct fg_plan *p, struct buf *b)
{
	struct fg_profile_rec rec;
	char ev[160];
	size_t i;
	int r;

	for (i = 0; i < p->n && i < ALERT_SAMPLE; i++) {
		if ((r = store_profile_get(txn, watch, p->why[i].id, &rec)) == -1)
			return -1;
		if (r == 0 && rec.profile.handle != NULL)
			buf_printf(b, "  @%-28s", rec.profile.handle);
		else
			buf_printf(b, "  id %-27s", p->why[i].id);
		buf_printf(b, " %.2f  %s", p->why[i].score, plan_evidence_format(
		    p->why[i].evidence, ", ", ev, sizeof(ev)));
		if (p->why[i].nreasons > 0) {
			buf_puts(b, " (");
			reasons_list(b, &p->why[i], ", ");
			buf_puts(b, ")");
		}
		buf_puts(b, "\n");
	}
	if (p->n > ALERT_SAMPLE)
		buf_printf(b, "  ... and %zu more (all of them in the attached CSV)\n",
		    p->n - ALERT_SAMPLE);
	return 0;
}

/* The facts, shared by the body and a digest's summary. */
static void
facts(struct buf *b, const struct fg_watch_conf *w, const struct fg_report *r)
{
	const struct fg_spike *s = r->spike;
	char n1[32], n2[32], t1[40], t2[40];
	size_t i;

	buf_printf(b, "Watched account:  %s (@%s on %s, %s)\n", w->name, w->account,
	    w->provider, w->base_url);
	buf_printf(b, "Spike:            %s (%s %s, %s)\n", s->id, spike_kind_name(s->kind),
	    spike_pattern_name(s->pattern), s->open ? "still growing" : "over");
	buf_printf(b, "Severity:         %s\n", spike_severity_name(s->severity));
	buf_printf(b, "Started:          %s (detected %s)\n", when(t1, sizeof(t1), s->start),
	    when(t2, sizeof(t2), s->detected));
	if (s->followers_before >= 0 && s->followers_after >= 0)
		buf_printf(b, "Followers:        %s \xe2\x86\x92 %s\n",
		    count(n1, sizeof(n1), s->followers_before),
		    count(n2, sizeof(n2), s->followers_after));
	buf_printf(b, "New followers:    %s in the burst (usually %.1f an hour)\n",
	    count(n1, sizeof(n1), (int64_t)s->new_followers), s->baseline_per_hour);
	buf_printf(b, "Scored fake:      %.0f%% of them (usually %.0f%%); %.0f%% with empty "
	    "profiles\n", 100 * s->fake_share, 100 * s->baseline_fake, 100 * s->empty_share);
	if (s->pattern == FG_BURST && s->cluster_year > 0)
		buf_printf(b, "Creation dates:   %.0f%% created in %04d-%02d\n",
		    100 * s->cluster_share, s->cluster_year, s->cluster_month);
	buf_printf(b, "Batches:          %.0f%% created with their neighbours or copied "
	    "(usually %.0f%%); %.0f%% newcomers to the platform\n", 100 * s->batch_share,
	    100 * s->baseline_batch, 100 * s->newcomer_share);
	if (r->plan != NULL && r->plan->nwindows > 0) {
		buf_puts(b, "Made together:    ");
		for (i = 0; i < r->plan->nwindows; i++)
			buf_printf(b, "%s%s to %s", i ? ", " : "",
			    day(t1, sizeof(t1), r->plan->windows[i].first),
			    day(t2, sizeof(t2), r->plan->windows[i].last));
		buf_puts(b, "\n");
	}
	if (r->plan != NULL)
		buf_printf(b, "Purge plan:       %s followers%s\n", count(n1, sizeof(n1),
		    (int64_t)r->plan->n), r->plan->skipped_allowlist > 0 ?
		    " (allowlisted accounts left out)" : "");
}

int
alert_spike_text(struct fg_txn *txn, const struct fg_watch_conf *w, const struct fg_report *r,
    const char *level, uint64_t auto_job, int64_t auto_at, struct alert_text *at)
{
	const struct fg_spike *s = r->spike;
	struct buf b = { 0 }, sum = { 0 }, subj = { 0 };
	char n[32], cmd[256];
	int update = strcmp(level, ALERT_UPDATE) == 0 ||
	    (strcmp(level, ALERT_CRITICAL) == 0 && s->detected < r->t);

	memset(at, 0, sizeof(*at));
	alert_command(cmd, sizeof(cmd), w->name, s->id);
	count(n, sizeof(n), (int64_t)s->new_followers);
	if (s->kind == FG_SPIKE_ORGANIC) {
		buf_printf(&subj, "[followguard] %s (%s): organic surge, +%s followers",
		    w->name, w->provider, n);
		buf_printf(&b, "followguard saw an organic surge of followers on %s: the new "
		    "followers look like people.\nNothing needs to be done; this is for your "
		    "information.\n\n", w->name);
	} else {
		buf_printf(&subj, "[followguard] %s (%s): %sinorganic spike, +%s "
		    "followers, %.0f%% fake (%s)", w->name, w->provider, update ? "update: " : "",
		    n, 100 * s->fake_share, spike_severity_name(s->severity));
		buf_printf(&b, "followguard %s an inorganic follower spike on %s: %s.\n\n",
		    update ? "reports that the" : "detected", w->name,
		    update ? "it has grown or turned critical since the last alert" :
		    "new followers arrived in a burst that does not look organic");
	}
	at->subject = subj.s;
	facts(&b, w, r);
	facts(&sum, w, r);
	if (r->plan != NULL) {
		buf_puts(&b, "\nExamples (score, top reasons):\n");
		if (examples(txn, w->name, r->plan, &b) == -1) {
			buf_free(&b);
			buf_free(&sum);
			free(at->subject);
			at->subject = NULL;
			return -1;
		}
		if (auto_job != 0) {
			buf_printf(&b, "\nAutomatic removal (purge.auto) is scheduled for %s as "
			    "purge job %" PRIu64 ".\nTo stop it:\n  followguard purge --cancel %"
			    PRIu64 "\n", when(n, sizeof(n), auto_at), auto_job, auto_job);
			buf_printf(&sum, "Automatic removal at %s (job %" PRIu64 "); cancel with "
			    "followguard purge --cancel %" PRIu64 "\n", when(n, sizeof(n), auto_at),
			    auto_job, auto_job);
		}
		buf_printf(&b, "\nTo review the plan, then remove them:\n  %s\n  "
		    "followguard purge --watch %s --spike %s --yes\n", cmd, w->name, s->id);
		buf_printf(&sum, "Review:           %s\n", cmd);
		buf_printf(&b, "\nThe whole cohort is attached as %s.csv.\n", s->id);
	}
	buf_puts(&b, "\n-- \nfollowguard, fake-follower detection\n");
	at->body = b.s;
	at->summary = sum.s;
	return 0;
}

void
alert_degraded_text(const struct fg_watch_conf *w, const char *reason, int64_t t,
    struct alert_text *at)
{
	struct buf b = { 0 }, sum = { 0 }, subj = { 0 };
	char when[FG_RFC3339_LEN];

	memset(at, 0, sizeof(*at));
	buf_printf(&subj, "[followguard] %s (%s): watch degraded", w->name, w->provider);
	buf_printf(&b, "followguard cannot watch %s (%s, account %s) as it should since %s:\n\n"
	    "  %s\n\n", w->name, w->provider, w->account, time_format_rfc3339(t, when), reason);
	buf_puts(&b, "Until this is fixed, new followers and spikes go unseen. If the login or "
	    "token was\nrefused, put a new app password or token into the watch's token_file "
	    "and reload the\ndaemon (systemctl reload followguardd, or SIGHUP); `followguard "
	    "status` shows the\nwatch's health. No further alert comes while it stays "
	    "degraded.\n");
	buf_puts(&b, "\n-- \nfollowguard, fake-follower detection\n");
	buf_printf(&sum, "Watch degraded: %s\n", reason);
	at->subject = subj.s;
	at->body = b.s;
	at->summary = sum.s;
}

void
alert_text_free(struct alert_text *at)
{
	free(at->subject);
	free(at->body);
	free(at->summary);
	memset(at, 0, sizeof(*at));
}

int
alert_cohort_csv(struct fg_txn *txn, const char *watch, const struct fg_plan *p, char **csv)
{
	struct fg_profile_rec rec;
	struct fg_edge e;
	struct csv c = { .eol = "\r\n" };
	struct buf why = { 0 };
	char t[FG_RFC3339_LEN], ev[160];
	size_t i;
	int r, re;

	csv_header(&c, "id,handle,display_name,score,verdict,created_at,followed_at,reasons,"
	    "evidence");
	for (i = 0; i < p->n; i++) {
		if ((r = store_profile_get(txn, watch, p->ids[i], &rec)) == -1 ||
		    (re = store_edge_get(txn, watch, p->ids[i], &e)) == -1) {
			csv_free(&c);
			buf_free(&why);
			return -1;
		}
		csv_cell(&c, p->ids[i]);
		csv_cell(&c, r == 0 ? rec.profile.handle : NULL);
		csv_cell(&c, r == 0 ? rec.profile.display_name : NULL);
		csv_cellf(&c, "%.3f", p->why[i].score);
		csv_cellf(&c, "%s", r == 0 ? verdict_name(rec.verdict) : "");
		csv_cellf(&c, "%s", r == 0 && rec.profile.created_at != FG_TIME_UNKNOWN ?
		    time_format_rfc3339(rec.profile.created_at, t) : "");
		csv_cellf(&c, "%s", re == 0 ? time_format_rfc3339(e.first_seen, t) : "");
		why.len = 0;
		reasons_list(&why, &p->why[i], ";");
		csv_cell(&c, why.len > 0 ? why.s : NULL);
		csv_cell(&c, plan_evidence_format(p->why[i].evidence, ";", ev, sizeof(ev)));
		csv_row_end(&c);
	}
	buf_free(&why);
	*csv = c.b.s;
	return 0;
}

const char *
alert_envelope(const char *mailbox, char *buf, size_t len)
{
	const char *lt = strrchr(mailbox, '<'), *gt;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		snprintf(buf, len, "%.*s", (int)(gt - lt - 1), lt + 1);
	else
		snprintf(buf, len, "%s", mailbox);
	return buf;
}

/* The part of an address after '@', for the Message-ID. */
static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL && at[1] != '\0' && at[1] != '>' ? at + 1 : "followguard.invalid";
}

char *
alert_mail_render(const struct alert_mail *m)
{
	struct buf b = { 0 }, to = { 0 };
	char date[64], mid[400], boundary[64], env[256];
	size_t i;
	int bad = 0;

	mime_date(m->date, date, sizeof(date));
	snprintf(mid, sizeof(mid), "<followguard.%" PRIu64 ".%" PRId64 "@%s>", m->id, m->date,
	    domain_of(alert_envelope(m->from, env, sizeof(env))));
	for (i = 0; i < m->nto; i++)
		buf_printf(&to, "%s%s", i ? ", " : "", m->to[i]);
	bad |= mime_header(&b, "From", m->from);
	bad |= mime_header(&b, "To", to.s != NULL ? to.s : "");
	bad |= mime_header(&b, "Subject", m->subject);
	bad |= mime_header(&b, "Date", date);
	bad |= mime_header(&b, "Message-ID", mid);
	bad |= mime_header(&b, "MIME-Version", "1.0");
	bad |= mime_header(&b, "Auto-Submitted", "auto-generated");
	buf_free(&to);
	if (bad) {
		buf_free(&b);
		return NULL;
	}
	if (m->attach_name != NULL) {
		/* The boundary cannot occur in base64 or quoted-printable text ("=_" never does). */
		snprintf(boundary, sizeof(boundary), "=_followguard_%" PRIu64, m->id);
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
		    "This is a MIME message.\r\n\r\n--%s\r\n", boundary, boundary);
	}
	buf_puts(&b, "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mime_qp(&b, m->body, strlen(m->body));
	if (m->attach_name != NULL) {
		buf_printf(&b, "\r\n--%s\r\nContent-Type: text/csv; charset=utf-8; name=\"%s\"\r\n"
		    "Content-Disposition: attachment; filename=\"%s\"\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n", boundary, m->attach_name,
		    m->attach_name);
		mime_base64(&b, m->attach, strlen(m->attach));
		buf_printf(&b, "--%s--\r\n", boundary);
	}
	return b.s;
}

char *
alert_webhook_render(const char *event, const struct fg_watch_conf *w, const struct fg_report *r,
    const char *level, uint64_t id, const char *text)
{
	char cmd[256];
	json_t *o;
	char *s;

	o = json_pack("{s:s, s:I, s:s}", "event", event, "alert_id", (json_int_t)id,
	    "text", text);
	if (o == NULL)
		fatalx("alert_webhook_render: json_pack failed");
	if (w != NULL) {
		json_object_set_new(o, "watch", json_string(w->name));
		json_object_set_new(o, "platform", json_string(w->provider));
		json_object_set_new(o, "account", json_string(w->account));
	}
	if (level != NULL)
		json_object_set_new(o, "level", json_string(level));
	if (r != NULL) {
		json_object_set_new(o, "spike", report_spike_object(r->watch, r->spike));
		json_object_set_new(o, "purge_plan_size",
		    json_integer(r->plan != NULL ? (json_int_t)r->plan->n : 0));
		if (r->plan != NULL) {
			alert_command(cmd, sizeof(cmd), r->watch, r->spike->id);
			json_object_set_new(o, "command", json_string(cmd));
		} else
			json_object_set_new(o, "command", json_null());
	}
	s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(o);
	if (s == NULL)
		fatalx("alert_webhook_render: json_dumps failed");
	return s;
}

void
alert_idempotency_key(uint64_t id, const char *body, char *out, size_t len)
{
	struct sha256 c;
	uint8_t d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	sha256_init(&c);
	sha256_update(&c, body, strlen(body));
	sha256_final(&c, d);
	hex_encode(d, sizeof(d), hex);
	snprintf(out, len, "%" PRIu64 "-%.16s", id, hex);
}

void
alert_signature(const char *secret, size_t secretlen, const char *body, int64_t now, char *out,
    size_t len)
{
	uint8_t mac[SHA256_LEN];
	char ts[32], hex[2 * SHA256_LEN + 1];
	struct buf msg = { 0 };

	snprintf(ts, sizeof(ts), "%" PRId64, now);
	buf_printf(&msg, "%s.", ts);
	buf_puts(&msg, body);
	hmac_sha256(secret, secretlen, msg.s, msg.len, mac);
	buf_free(&msg);
	hex_encode(mac, sizeof(mac), hex);
	snprintf(out, len, "t=%s,sha256=%s", ts, hex);
}
