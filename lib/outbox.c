/*
 * The alert outbox. See outbox.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alert.h"
#include "log.h"
#include "mime.h"
#include "outbox.h"
#include "timeutil.h"
#include "xmalloc.h"

#define BACKOFF_MAX	3600
#define UPDATE_MIN	100	/* an update needs this many more followers, and twice as many */

const char *
outbox_level(const struct fg_spike *s, int organic, unsigned *mask, uint64_t *last_size)
{
	const char *level = NULL;

	if (s->kind == FG_SPIKE_ORGANIC) {
		if (organic && !(*mask & ALERTED_ORGANIC)) {
			*mask |= ALERTED_ORGANIC;
			level = ALERT_ORGANIC;
		}
	} else if (!(*mask & (ALERTED_WARNING | ALERTED_CRITICAL))) {
		*mask |= ALERTED_WARNING;
		level = ALERT_WARNING;
		if (s->severity == FG_CRITICAL) {
			*mask |= ALERTED_CRITICAL;
			level = ALERT_CRITICAL;
		}
	} else if (s->severity == FG_CRITICAL && !(*mask & ALERTED_CRITICAL)) {
		*mask |= ALERTED_CRITICAL;
		level = ALERT_CRITICAL;
	} else if (!(*mask & ALERTED_UPDATE) && s->new_followers >= 2 * *last_size &&
	    s->new_followers >= *last_size + UPDATE_MIN) {
		*mask |= ALERTED_UPDATE;
		level = ALERT_UPDATE;
	}
	if (level != NULL)
		*last_size = s->new_followers;
	return level;
}

int64_t
outbox_backoff(int64_t base, uint64_t id, unsigned attempts)
{
	int64_t d = base;
	unsigned i;
	uint64_t h;

	for (i = 1; i < attempts && d < BACKOFF_MAX; i++)
		d *= 2;
	if (d > BACKOFF_MAX)
		d = BACKOFF_MAX;
	/* +-10 %, fixed per alert and attempt: receivers coming back are not hit all at once. */
	h = (id * UINT64_C(0x9e3779b97f4a7c15) + attempts) >> 40;
	return d + d * (int64_t)(h % 21 - 10) / 100;
}

/* Records. */

static json_t *
record_load(struct fg_txn *txn, uint64_t id)
{
	const char *text;
	json_t *o;

	if (store_outbox_get(txn, id, &text) != 0)
		return NULL;
	if ((o = json_loads(text, 0, NULL)) == NULL || !json_is_object(o)) {
		log_warnx("outbox: alert %" PRIu64 ": unreadable record", id);
		json_decref(o);
		return NULL;
	}
	return o;
}

static int
record_save(struct fg_txn *txn, uint64_t id, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);
	int rc;

	if (text == NULL)
		fatalx("outbox: json_dumps failed");
	rc = store_outbox_put(txn, id, text);
	free(text);
	return rc;
}

static const char *
rstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static int64_t
rnum(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static int
is_state(const json_t *o, const char *state)
{
	return strcmp(rstr(o, "state"), state) == 0;
}

/* A new pending record with its message, under an id from store_seq_next. */
static int
enqueue(struct fg_txn *txn, const struct fg_config *cfg, json_t *rec, const char *message,
    int64_t now, uint64_t id)
{
	json_object_set_new(rec, "id", json_integer((json_int_t)id));
	json_object_set_new(rec, "created", json_integer(now));
	json_object_set_new(rec, "expires", json_integer(now + cfg->alerts.expire));
	json_object_set_new(rec, "state", json_string("pending"));
	json_object_set_new(rec, "attempts", json_integer(0));
	json_object_set_new(rec, "next", json_integer(now));
	if (record_save(txn, id, rec) == -1)
		return -1;
	return store_outmsg_put(txn, id, message);
}

static json_t *
strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* The e-mail and webhook records of one spike alert. */
static int
record_alert(struct fg_txn *txn, const struct fg_config *cfg, const struct fg_watch_conf *w,
    const struct fg_report *r, const char *level, uint64_t auto_job, int64_t auto_at)
{
	struct alert_text at;
	struct alert_mail m;
	char *csv = NULL, *msg, name[FG_SPIKE_ID_MAX + 8];
	json_t *rec;
	uint64_t id;
	int rc = 0;

	if (alert_spike_text(txn, w, r, level, auto_job, auto_at, &at) == -1)
		return -1;
	if (cfg->email.smtp_url != NULL) {
		if (r->plan != NULL && alert_cohort_csv(txn, w->name, r->plan, &csv) == -1) {
			alert_text_free(&at);
			return -1;
		}
		rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "channel", "email",
		    "event", "spike", "watch", w->name, "spike_id", r->spike->id, "level", level,
		    "subject", at.subject, "summary", at.summary);
		memset(&m, 0, sizeof(m));
		m.from = cfg->email.from;
		m.to = (const char *const *)(w->nalert_to > 0 ? w->alert_to : cfg->email.to);
		m.nto = w->nalert_to > 0 ? w->nalert_to : cfg->email.nto;
		json_object_set_new(rec, "to", strv_json((char *const *)m.to, m.nto));
		m.date = r->t;
		m.subject = at.subject;
		m.body = at.body;
		if (csv != NULL) {
			snprintf(name, sizeof(name), "%s.csv", r->spike->id);
			m.attach_name = name;
			m.attach = csv;
		}
		/* The id is part of the Message-ID: take it first. */
		if (store_seq_next(txn, "outbox", &id) == -1)
			rc = -1;
		m.id = id;
		if (rc == 0 && (msg = alert_mail_render(&m)) != NULL) {
			rc = enqueue(txn, cfg, rec, msg, r->t, id);
			free(msg);
		} else if (rc == 0) {
			log_warnx("outbox: %s: spike %s: the alert mail cannot be built (bad "
			    "header)", w->name, r->spike->id);
		}
		json_decref(rec);
		free(csv);
	}
	if (rc == 0 && cfg->webhook.url != NULL) {
		rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "channel", "webhook",
		    "event", "spike", "watch", w->name, "spike_id", r->spike->id, "level", level,
		    "subject", at.subject, "summary", at.summary);
		if (store_seq_next(txn, "outbox", &id) == -1)
			rc = -1;
		else {
			msg = alert_webhook_render("spike", w, r, level, id, at.subject);
			rc = enqueue(txn, cfg, rec, msg, r->t, id);
			free(msg);
		}
		json_decref(rec);
	}
	alert_text_free(&at);
	return rc;
}

int
outbox_record(const struct fg_config *cfg, struct fg_txn *txn, const struct fg_report *r,
    uint64_t auto_job, int64_t auto_at)
{
	const struct fg_watch_conf *w;
	const char *text, *level;
	unsigned mask = 0;
	uint64_t last = 0;
	char buf[64];
	json_t *o;
	int rc;

	if ((cfg->email.smtp_url == NULL && cfg->webhook.url == NULL) ||
	    (w = config_watch(cfg, r->watch)) == NULL)
		return 0;
	if ((rc = store_alerted_get(txn, r->watch, r->spike->id, &text)) == -1)
		return -1;
	if (rc == 0 && (o = json_loads(text, 0, NULL)) != NULL) {
		mask = (unsigned)rnum(o, "mask");
		last = (uint64_t)rnum(o, "size");
		json_decref(o);
	}
	if ((level = outbox_level(r->spike, cfg->alerts.organic, &mask, &last)) == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "{\"mask\":%u,\"size\":%" PRIu64 "}", mask, last);
	if (store_alerted_put(txn, r->watch, r->spike->id, buf) == -1)
		return -1;
	return record_alert(txn, cfg, w, r, level, auto_job, auto_at);
}

int
outbox_record_degraded(const struct fg_config *cfg, struct fg_txn *txn, const char *watch,
    const char *reason, int64_t now)
{
	const struct fg_watch_conf *w;
	struct alert_text at;
	struct alert_mail m;
	struct buf text = { 0 };
	char *msg;
	json_t *rec;
	uint64_t id;
	int rc = 0;

	if ((cfg->email.smtp_url == NULL && cfg->webhook.url == NULL) ||
	    (w = config_watch(cfg, watch)) == NULL)
		return 0;
	alert_degraded_text(w, reason, now, &at);
	if (cfg->email.smtp_url != NULL) {
		rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "channel", "email", "event",
		    "degraded", "watch", w->name, "level", ALERT_DEGRADED, "subject", at.subject,
		    "summary", at.summary);
		memset(&m, 0, sizeof(m));
		m.from = cfg->email.from;
		m.to = (const char *const *)(w->nalert_to > 0 ? w->alert_to : cfg->email.to);
		m.nto = w->nalert_to > 0 ? w->nalert_to : cfg->email.nto;
		json_object_set_new(rec, "to", strv_json((char *const *)m.to, m.nto));
		m.date = now;
		m.subject = at.subject;
		m.body = at.body;
		if (store_seq_next(txn, "outbox", &id) == -1)
			rc = -1;
		m.id = id;
		if (rc == 0 && (msg = alert_mail_render(&m)) != NULL) {
			rc = enqueue(txn, cfg, rec, msg, now, id);
			free(msg);
		} else if (rc == 0)
			log_warnx("outbox: %s: the degraded alert mail cannot be built (bad header)",
			    w->name);
		json_decref(rec);
	}
	if (rc == 0 && cfg->webhook.url != NULL) {
		rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "channel", "webhook", "event",
		    "degraded", "watch", w->name, "level", ALERT_DEGRADED, "subject", at.subject,
		    "summary", at.summary);
		buf_printf(&text, "%s: %s", at.subject, reason);
		if (store_seq_next(txn, "outbox", &id) == -1)
			rc = -1;
		else {
			msg = alert_webhook_render("degraded", w, NULL, ALERT_DEGRADED, id, text.s);
			rc = enqueue(txn, cfg, rec, msg, now, id);
			free(msg);
		}
		json_decref(rec);
		buf_free(&text);
	}
	alert_text_free(&at);
	return rc;
}

/* Preparing work. */

struct scan {
	const struct fg_config	*cfg;
	int64_t			 now;
	int			 (*busy)(void *, uint64_t);
	void			*busyarg;
	struct outbox_work	*work;
	/* e-mail */
	unsigned		 sent_hour;	/* alert mails delivered in the past hour */
	int64_t			 last_digest;	/* when the latest digest was made */
	uint64_t		*due;		/* spike mails due now */
	size_t			 ndue, cap;
	/* changes, made after the scan */
	uint64_t		*expired, *gone;
	size_t			 nexpired, ngone, xcap, gcap;
};

static void
ids_push(uint64_t **v, size_t *n, size_t *cap, uint64_t id)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = id;
}

static void
wake_at(struct outbox_work *w, int64_t t)
{
	if (w->next == 0 || t < w->next)
		w->next = t;
}

static int
scan_one(void *arg, uint64_t id, const char *text)
{
	struct scan *sc = arg;
	json_t *o;
	int email;

	if ((o = json_loads(text, 0, NULL)) == NULL)
		return 0;	/* reported when it is sent */
	email = strcmp(rstr(o, "channel"), "email") == 0;
	/* A digest holds back the next one, delivered or not. */
	if (strcmp(rstr(o, "event"), "digest") == 0 && rnum(o, "created") > sc->last_digest)
		sc->last_digest = rnum(o, "created");
	if (!is_state(o, "pending")) {
		if (email && is_state(o, "delivered") && strcmp(rstr(o, "event"), "test") != 0 &&
		    rnum(o, "delivered_at") > sc->now - 3600)
			sc->sent_hour++;
		if (rnum(o, "finished") < sc->now - OUTBOX_KEEP)
			ids_push(&sc->gone, &sc->ngone, &sc->gcap, id);
	} else if (sc->busy != NULL && sc->busy(sc->busyarg, id))
		;	/* in flight, even past its expiry: its result will wake us */
	else if (rnum(o, "expires") <= sc->now)
		ids_push(&sc->expired, &sc->nexpired, &sc->xcap, id);
	else if (rnum(o, "next") > sc->now)
		wake_at(sc->work, rnum(o, "next"));
	else if (email && strcmp(rstr(o, "event"), "spike") == 0)
		ids_push(&sc->due, &sc->ndue, &sc->cap, id);
	else if (sc->work->nsend < OUTBOX_BATCH)
		sc->work->send[sc->work->nsend++] = id;
	else
		wake_at(sc->work, sc->now);
	json_decref(o);
	return 0;
}

static void
finish(json_t *o, const char *state, int64_t now)
{
	json_object_set_new(o, "state", json_string(state));
	json_object_set_new(o, "finished", json_integer(now));
}

static int
expire(struct fg_txn *txn, uint64_t id, int64_t now)
{
	json_t *o;
	int rc;

	if ((o = record_load(txn, id)) == NULL)
		return -1;
	log_warnx("alert %" PRIu64 " (%s, %s %s %s) expired undelivered after %" PRId64
	    " attempts; last error: %s", id, rstr(o, "channel"), rstr(o, "watch"),
	    rstr(o, "spike_id"), rstr(o, "level"), rnum(o, "attempts"),
	    *rstr(o, "error") != '\0' ? rstr(o, "error") : "none");
	finish(o, "expired", now);
	rc = record_save(txn, id, o);
	json_decref(o);
	return rc == 0 ? store_outmsg_del(txn, id) : -1;
}

/* The recipients of a record, as one string to group by. */
static char *
to_key(const json_t *o)
{
	return json_dumps(json_object_get(o, "to"), JSON_COMPACT | JSON_ENCODE_ANY);
}

/* One digest mail for members (pending spike mails to the same recipients). */
static int
make_digest(struct fg_txn *txn, const struct fg_config *cfg, json_t **members, size_t n,
    int64_t now, uint64_t *idp)
{
	struct buf body = { 0 }, subj = { 0 };
	struct alert_mail m;
	const json_t *to;
	const char **tov;
	json_t *rec, *ids;
	char *msg;
	size_t i;
	uint64_t id;
	int rc;

	if (store_seq_next(txn, "outbox", &id) == -1)
		return -1;
	buf_printf(&subj, "[followguard] digest: %zu alerts", n);
	buf_printf(&body, "More than %" PRId64 " alert mails went out in the past hour, so "
	    "these %zu alerts come together.\nEach names the command to review its spike.\n",
	    cfg->alerts.digest_after, n);
	ids = json_array();
	for (i = 0; i < n; i++) {
		buf_printf(&body, "\n%zu. %s\n%s", i + 1, rstr(members[i], "subject"),
		    rstr(members[i], "summary"));
		json_array_append_new(ids, json_integer(rnum(members[i], "id")));
	}
	buf_puts(&body, "\n-- \nfollowguard, fake-follower detection\n");
	to = json_object_get(members[0], "to");
	tov = xcalloc(json_array_size(to) + 1, sizeof(*tov));
	for (i = 0; i < json_array_size(to); i++)
		tov[i] = json_string_value(json_array_get(to, i));
	memset(&m, 0, sizeof(m));
	m.from = cfg->email.from;
	m.to = tov;
	m.nto = json_array_size(to);
	m.id = id;
	m.date = now;
	m.subject = subj.s;
	m.body = body.s;
	msg = alert_mail_render(&m);
	rec = json_pack("{s:s, s:s, s:s, s:s, s:O, s:o}", "channel", "email", "event", "digest",
	    "level", "digest", "subject", subj.s, "to", to, "members", ids);
	rc = msg != NULL ? enqueue(txn, cfg, rec, msg, now, id) : -1;
	json_decref(rec);
	free(msg);
	free(tov);
	buf_free(&body);
	buf_free(&subj);
	*idp = id;
	return rc;
}

/* Spike mails due now: each on its own while under the hourly allowance, else digests. */
static int
route_mail(struct fg_txn *txn, struct scan *sc)
{
	const struct fg_config *cfg = sc->cfg;
	struct outbox_work *w = sc->work;
	json_t **recs;
	char **keys;
	size_t i, j, n, grouped;
	uint64_t did;
	int rc = 0;

	if (sc->ndue == 0)
		return 0;
	if (sc->sent_hour + sc->ndue <= (uint64_t)cfg->alerts.digest_after) {
		for (i = 0; i < sc->ndue; i++)
			if (w->nsend < OUTBOX_BATCH)
				w->send[w->nsend++] = sc->due[i];
			else
				wake_at(w, sc->now);
		return 0;
	}
	if (sc->last_digest + cfg->alerts.digest_interval > sc->now) {
		wake_at(w, sc->last_digest + cfg->alerts.digest_interval);
		return 0;
	}
	recs = xcalloc(sc->ndue, sizeof(*recs));
	keys = xcalloc(sc->ndue, sizeof(*keys));
	for (i = 0; i < sc->ndue; i++)
		if ((recs[i] = record_load(txn, sc->due[i])) == NULL ||
		    (keys[i] = to_key(recs[i])) == NULL)
			rc = -1;
	for (i = 0; rc == 0 && i < sc->ndue; i++) {
		if (recs[i] == NULL)
			continue;
		/* Gather the records to the same recipients at the front of what is left. */
		grouped = i + 1;
		for (j = i + 1; j < sc->ndue; j++)
			if (recs[j] != NULL && strcmp(keys[i], keys[j]) == 0) {
				json_t *tr = recs[grouped];
				char *tk = keys[grouped];
				uint64_t tid = sc->due[grouped];

				recs[grouped] = recs[j];
				keys[grouped] = keys[j];
				sc->due[grouped] = sc->due[j];
				recs[j] = tr;
				keys[j] = tk;
				sc->due[j] = tid;
				grouped++;
			}
		n = grouped - i;
		if (make_digest(txn, cfg, recs + i, n, sc->now, &did) == -1) {
			rc = -1;
			break;
		}
		for (j = i; j < grouped; j++) {
			finish(recs[j], "digested", sc->now);
			json_object_set_new(recs[j], "digest", json_integer((json_int_t)did));
			if (record_save(txn, sc->due[j], recs[j]) == -1 ||
			    store_outmsg_del(txn, sc->due[j]) == -1)
				rc = -1;
			json_decref(recs[j]);
			recs[j] = NULL;
		}
		if (w->nsend < OUTBOX_BATCH)
			w->send[w->nsend++] = did;
		else
			wake_at(w, sc->now);
		log_info("alerts: %zu alert mails batched into digest %" PRIu64, n, did);
		i = grouped - 1;
	}
	for (i = 0; i < sc->ndue; i++) {
		json_decref(recs[i]);
		free(keys[i]);
	}
	free(recs);
	free(keys);
	return rc;
}

int
outbox_prepare(struct fg_txn *txn, const struct fg_config *cfg, int64_t now,
    int (*busy)(void *, uint64_t), void *busyarg, struct outbox_work *work)
{
	struct scan sc;
	size_t i;
	int rc;

	memset(work, 0, sizeof(*work));
	memset(&sc, 0, sizeof(sc));
	sc.cfg = cfg;
	sc.now = now;
	sc.busy = busy;
	sc.busyarg = busyarg;
	sc.work = work;
	sc.last_digest = INT64_MIN / 2;
	rc = store_outbox_scan(txn, 1, scan_one, &sc);
	for (i = 0; rc == 0 && i < sc.nexpired; i++)
		rc = expire(txn, sc.expired[i], now);
	for (i = 0; rc == 0 && i < sc.ngone; i++)
		rc = store_outbox_del(txn, sc.gone[i]);
	if (rc == 0)
		rc = route_mail(txn, &sc);
	free(sc.due);
	free(sc.expired);
	free(sc.gone);
	return rc;
}

/* Sending. */

int
outbox_message(struct fg_txn *txn, uint64_t id, struct outbox_msg *m)
{
	const json_t *to;
	const char *msg;
	json_t *o;
	size_t i;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((o = record_load(txn, id)) == NULL)
		return -1;
	if (!is_state(o, "pending")) {
		json_decref(o);
		return FG_NOTFOUND;
	}
	if ((rc = store_outmsg_get(txn, id, &msg)) != 0) {
		if (rc == FG_NOTFOUND)
			log_warnx("outbox: alert %" PRIu64 ": pending without a message", id);
		json_decref(o);
		return -1;
	}
	snprintf(m->channel, sizeof(m->channel), "%s", rstr(o, "channel"));
	m->message = xstrdup(msg);
	to = json_object_get(o, "to");
	m->nto = json_array_size(to);
	m->to = xcalloc(m->nto + 1, sizeof(*m->to));
	for (i = 0; i < m->nto; i++)
		m->to[i] = xstrdup(json_string_value(json_array_get(to, i)) != NULL ?
		    json_string_value(json_array_get(to, i)) : "");
	i = strlen(rstr(o, "watch")) + strlen(rstr(o, "level")) + 64;
	m->what = xmalloc(i);
	if (strcmp(rstr(o, "event"), "digest") == 0)
		snprintf(m->what, i, "alert %" PRIu64 " (digest of %zu, %s)", id,
		    json_array_size(json_object_get(o, "members")), m->channel);
	else
		snprintf(m->what, i, "alert %" PRIu64 " (%s %s, %s)", id, rstr(o, "watch"),
		    rstr(o, "level"), m->channel);
	json_decref(o);
	return 0;
}

void
outbox_msg_free(struct outbox_msg *m)
{
	size_t i;

	for (i = 0; i < m->nto; i++)
		free(m->to[i]);
	free(m->to);
	free(m->message);
	free(m->what);
	memset(m, 0, sizeof(*m));
}

int
outbox_result(struct fg_txn *txn, const struct fg_config *cfg, uint64_t id, const char *error,
    int64_t now)
{
	unsigned attempts;
	int64_t next;
	json_t *o;
	int rc;

	if ((o = record_load(txn, id)) == NULL)
		return -1;
	if (!is_state(o, "pending")) {
		json_decref(o);
		return 0;
	}
	attempts = (unsigned)rnum(o, "attempts") + 1;
	json_object_set_new(o, "attempts", json_integer(attempts));
	if (error == NULL) {
		finish(o, "delivered", now);
		json_object_set_new(o, "delivered_at", json_integer(now));
		log_info("alert %" PRIu64 " (%s, %s %s) delivered%s", id, rstr(o, "channel"),
		    *rstr(o, "watch") != '\0' ? rstr(o, "watch") : "all watches", rstr(o, "level"),
		    attempts > 1 ? " after retries" : "");
		rc = record_save(txn, id, o);
		if (rc == 0)
			rc = store_outmsg_del(txn, id);
	} else {
		next = now + outbox_backoff(cfg->alerts.retry, id, attempts);
		json_object_set_new(o, "error", json_string(error));
		json_object_set_new(o, "next", json_integer(next));
		log_warnx("alert %" PRIu64 " (%s, %s %s): attempt %u failed: %s; next in %"
		    PRId64 " s", id, rstr(o, "channel"), *rstr(o, "watch") != '\0' ?
		    rstr(o, "watch") : "all watches", rstr(o, "level"), attempts, error, next - now);
		rc = record_save(txn, id, o);
	}
	json_decref(o);
	return rc;
}
