/*
 * The alert outbox: alert levels, retry backoff, recording alerts with their spike, preparing
 * work (retries, expiry, digests, in-flight sends, pruning) and recording results, against a
 * real LMDB store.
 */
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "alert.h"
#include "config.h"
#include "detector.h"
#include "model.h"
#include "outbox.h"
#include "pipeline.h"
#include "profile.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

#define T0	INT64_C(1772329500)	/* 2026-03-01T01:45:00Z */
#define SPIKE	"brand-20260301T014500Z"
#define NREC	64

/* A fresh database directory and configuration per test, removed afterwards. */
struct fixture {
	char		 dir[PATH_MAX];
	struct fg_store	*st;
	struct fg_config cfg;
};

static char **
strv(size_t n, const char *const *v)
{
	char **r = xcalloc(n + 1, sizeof(*r));
	size_t i;

	for (i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return r;
}

static void
add_watch(struct fg_config *cfg, const char *name, const char *const *alert_to, size_t nto)
{
	struct fg_watch_conf *w;

	cfg->watches = xreallocarray(cfg->watches, cfg->nwatches + 1, sizeof(*cfg->watches));
	w = &cfg->watches[cfg->nwatches++];
	memset(w, 0, sizeof(*w));
	w->name = xstrdup(name);
	w->provider = xstrdup("mastodon");
	w->base_url = xstrdup("https://mastodon.example");
	w->account = xstrdup(name);
	if (nto > 0) {
		w->alert_to = strv(nto, alert_to);
		w->nalert_to = nto;
	}
	w->line = (int)cfg->nwatches;
}

static void
no_webhook(struct fg_config *cfg)
{
	free(cfg->webhook.url);
	cfg->webhook.url = NULL;
}

static void
no_email(struct fg_config *cfg)
{
	free(cfg->email.smtp_url);
	cfg->email.smtp_url = NULL;
}

static void
rm_db(const char *dir)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

static int
setup(void **state)
{
	static const char *const to[] = { "ops@example.org", "security@example.org" };
	struct fixture *f = xcalloc(1, sizeof(*f));
	char err[512];

	snprintf(f->dir, sizeof(f->dir), "%s/outbox-XXXXXX", FG_TEST_TMP);
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	err[0] = '\0';
	if (store_open(&f->st, f->dir, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "store_open: %s\n", err);
		rmdir(f->dir);
		free(f);
		return -1;
	}
	config_defaults(&f->cfg);
	f->cfg.email.smtp_url = xstrdup("smtp://mail.example.org:587");
	f->cfg.email.from = xstrdup("followguard@example.org");
	f->cfg.email.to = strv(2, to);
	f->cfg.email.nto = 2;
	f->cfg.webhook.url = xstrdup("https://hooks.example.org/followguard");
	add_watch(&f->cfg, "brand", NULL, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	config_free(&f->cfg);
	store_close(f->st);
	rm_db(f->dir);
	free(f);
	return 0;
}

/* Reports. */

static void
spike_init(struct fg_spike *s, const char *id, int64_t t)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->kind = FG_SPIKE_INORGANIC;
	s->severity = FG_WARNING;
	s->pattern = FG_BURST;
	s->open = 1;
	s->start = t - 3600;
	s->last = t;
	s->detected = t;
	s->new_followers = 500;
	s->fake = 450;
	s->suspect = 20;
	s->empty = 350;
	s->fake_share = 0.9;
	s->suspect_share = 0.04;
	s->empty_share = 0.7;
	s->baseline_per_hour = 4.5;
	s->baseline_fake = 0.05;
	s->cluster_share = 0.8;
	s->cluster_year = 2026;
	s->cluster_month = 2;
	s->run_share = 0.6;
	s->id_share = 0.3;
	s->followers_before = 1000;
	s->followers_after = 1500;
}

struct record_arg {
	const struct fg_config	*cfg;
	const struct fg_report	*r;
	uint64_t		 auto_job;
	int64_t			 auto_at;
};

static int
record_write(struct fg_txn *txn, void *arg)
{
	struct record_arg *a = arg;

	return outbox_record(a->cfg, txn, a->r, a->auto_job, a->auto_at);
}

/* Records the alerts of a report, announcing automatic purge job auto_job (0: none). */
static void
record_auto(struct fixture *f, const char *watch, const struct fg_spike *s,
    const struct fg_plan *plan, int64_t t, uint64_t auto_job, int64_t auto_at)
{
	struct fg_report r = { watch, t, s, plan };
	struct record_arg a = { &f->cfg, &r, auto_job, auto_at };

	assert_int_equal(store_write(f->st, record_write, &a), 0);
}

static void
record(struct fixture *f, const char *watch, const struct fg_spike *s,
    const struct fg_plan *plan, int64_t t)
{
	record_auto(f, watch, s, plan, t, 0, 0);
}

/* Reading the outbox back. */

struct rec_list {
	uint64_t	 ids[NREC];
	json_t		*recs[NREC];
	size_t		 n;
};

static int
list_one(void *arg, uint64_t id, const char *text)
{
	struct rec_list *l = arg;

	assert_true(l->n < NREC);
	l->ids[l->n] = id;
	assert_non_null(l->recs[l->n] = json_loads(text, 0, NULL));
	assert_true(json_is_object(l->recs[l->n]));
	l->n++;
	return 0;
}

static int
list_read(struct fg_txn *txn, void *arg)
{
	return store_outbox_scan(txn, 1, list_one, arg);
}

static void
list_load(struct fixture *f, struct rec_list *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(store_read(f->st, list_read, l), 0);
}

static void
list_free(struct rec_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		json_decref(l->recs[i]);
	memset(l, 0, sizeof(*l));
}

static size_t
rec_count(struct fixture *f)
{
	struct rec_list l;
	size_t n;

	list_load(f, &l);
	n = l.n;
	list_free(&l);
	return n;
}

struct get_arg {
	uint64_t	 id;
	int		 rc;
	char		*text;
	int		 msg;	/* store_outmsg_get instead of the record */
};

static int
get_read(struct fg_txn *txn, void *arg)
{
	struct get_arg *a = arg;
	const char *s;

	a->rc = a->msg ? store_outmsg_get(txn, a->id, &s) : store_outbox_get(txn, a->id, &s);
	a->text = a->rc == 0 ? xstrdup(s) : NULL;
	return 0;
}

/* The record of id, NULL if there is none. */
static json_t *
rec_get(struct fixture *f, uint64_t id)
{
	struct get_arg a = { id, -1, NULL, 0 };
	json_t *o;

	assert_int_equal(store_read(f->st, get_read, &a), 0);
	if (a.rc == FG_NOTFOUND)
		return NULL;
	assert_int_equal(a.rc, 0);
	assert_non_null(o = json_loads(a.text, 0, NULL));
	free(a.text);
	return o;
}

/* The stored message of id (caller frees), NULL with *rc FG_NOTFOUND if there is none. */
static char *
msg_get(struct fixture *f, uint64_t id, int *rc)
{
	struct get_arg a = { id, -1, NULL, 1 };

	assert_int_equal(store_read(f->st, get_read, &a), 0);
	*rc = a.rc;
	return a.text;
}

static const char *
jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static int64_t
jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void
assert_state(struct fixture *f, uint64_t id, const char *state)
{
	json_t *o = rec_get(f, id);

	assert_non_null(o);
	assert_string_equal(jstr(o, "state"), state);
	json_decref(o);
}

static void
assert_to(const json_t *o, const char *const *want, size_t n)
{
	const json_t *to = json_object_get(o, "to");
	size_t i;

	assert_true(json_is_array(to));
	assert_int_equal(json_array_size(to), n);
	for (i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(to, i)), want[i]);
}

/* Preparing and recording results. */

struct prepare_arg {
	const struct fg_config	*cfg;
	int64_t			 now;
	int			 (*busy)(void *, uint64_t);
	void			*busyarg;
	struct outbox_work	*work;
};

static int
prepare_write(struct fg_txn *txn, void *arg)
{
	struct prepare_arg *a = arg;

	return outbox_prepare(txn, a->cfg, a->now, a->busy, a->busyarg, a->work);
}

static void
prepare_busy(struct fixture *f, int64_t now, int (*busy)(void *, uint64_t), void *busyarg,
    struct outbox_work *w)
{
	struct prepare_arg a = { &f->cfg, now, busy, busyarg, w };

	memset(w, 0xa5, sizeof(*w));	/* prepare must clear it */
	assert_int_equal(store_write(f->st, prepare_write, &a), 0);
	assert_true(w->nsend <= OUTBOX_BATCH);
}

static void
prepare(struct fixture *f, int64_t now, struct outbox_work *w)
{
	prepare_busy(f, now, NULL, NULL, w);
}

static int
work_has(const struct outbox_work *w, uint64_t id)
{
	size_t i;

	for (i = 0; i < w->nsend; i++)
		if (w->send[i] == id)
			return 1;
	return 0;
}

struct result_arg {
	const struct fg_config	*cfg;
	uint64_t		 id;
	const char		*error;
	int64_t			 now;
};

static int
result_write(struct fg_txn *txn, void *arg)
{
	struct result_arg *a = arg;

	return outbox_result(txn, a->cfg, a->id, a->error, a->now);
}

static int
result(struct fixture *f, uint64_t id, const char *error, int64_t now)
{
	struct result_arg a = { &f->cfg, id, error, now };

	return store_write(f->st, result_write, &a);
}

struct message_arg {
	uint64_t		 id;
	int			 rc;
	struct outbox_msg	*m;
};

static int
message_read(struct fg_txn *txn, void *arg)
{
	struct message_arg *a = arg;

	a->rc = outbox_message(txn, a->id, a->m);
	return 0;
}

static int
message(struct fixture *f, uint64_t id, struct outbox_msg *m)
{
	struct message_arg a = { id, -2, m };

	assert_int_equal(store_read(f->st, message_read, &a), 0);
	return a.rc;
}

/* Taking messages apart. */

/* The header section with folding undone (malloc'd), "\r\n" between fields. */
static char *
headers(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	char *h;
	size_t i, o = 0;

	assert_non_null(end);
	h = xmalloc((size_t)(end - msg) + 3);
	for (i = 0; msg + i < end; i++) {
		if (msg[i] == '\r' && msg[i + 1] == '\n' && (msg[i + 2] == ' ' ||
		    msg[i + 2] == '\t')) {
			i++;
			continue;
		}
		h[o++] = msg[i];
	}
	memcpy(h + o, "\r\n", 3);
	return h;
}

/* Every line ends in CRLF and none is longer than 78 characters. */
static void
check_lines(const char *s)
{
	const char *p, *crlf;

	assert_true(strlen(s) >= 2 && strcmp(s + strlen(s) - 2, "\r\n") == 0);
	for (p = s; *p != '\0'; p = crlf + 2) {
		crlf = strstr(p, "\r\n");
		assert_non_null(crlf);
		assert_in_range(crlf - p, 0, 78);
		assert_null(memchr(p, '\n', (size_t)(crlf - p)));
		assert_null(memchr(p, '\r', (size_t)(crlf - p)));
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The text part after a "Content-Transfer-Encoding: quoted-printable" header, decoded. */
static char *
text_part(const char *msg)
{
	static const char hdr[] = "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
	const char *s = strstr(msg, hdr), *end;
	char *out;
	size_t o = 0;

	assert_non_null(s);
	s += sizeof(hdr) - 1;
	if ((end = strstr(s, "\r\n--=_followguard_")) == NULL)
		end = s + strlen(s);
	out = xmalloc((size_t)(end - s) + 1);
	while (s < end) {
		if (s[0] == '=' && end - s >= 3 && s[1] == '\r' && s[2] == '\n')
			s += 3;
		else if (s[0] == '=') {
			assert_true(hexval(s[1]) >= 0 && hexval(s[2]) >= 0);
			out[o++] = (char)(hexval(s[1]) << 4 | hexval(s[2]));
			s += 3;
		} else if (s[0] == '\r' && s[1] == '\n') {
			out[o++] = '\n';
			s += 2;
		} else
			out[o++] = *s++;
	}
	out[o] = '\0';
	return out;
}

/* The base64 attachment, decoded. */
static char *
attachment(const char *msg)
{
	static const char hdr[] = "Content-Transfer-Encoding: base64\r\n\r\n";
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *s = strstr(msg, hdr), *end, *p;
	uint32_t v = 0;
	size_t o = 0, bits = 0;
	char *out;

	assert_non_null(s);
	s += sizeof(hdr) - 1;
	assert_non_null(end = strstr(s, "--=_followguard_"));
	out = xmalloc((size_t)(end - s) + 1);
	for (; s < end; s++) {
		if (*s == '\r' || *s == '\n' || *s == '=')
			continue;
		assert_non_null(p = strchr(alphabet, *s));
		v = v << 6 | (uint32_t)(p - alphabet);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (char)(v >> bits & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

/* 1. Alert levels. */

static void
test_level(void **state)
{
	struct fg_spike s;
	unsigned mask = 0;
	uint64_t last = 0;

	(void)state;
	/* Inorganic: a warning once, then escalation, then one update at twice the size. */
	spike_init(&s, SPIKE, T0);
	assert_string_equal(outbox_level(&s, 1, &mask, &last), ALERT_WARNING);
	assert_int_equal(mask, ALERTED_WARNING);
	assert_int_equal(last, 500);
	assert_null(outbox_level(&s, 1, &mask, &last));
	s.new_followers = 900;		/* grown, not doubled */
	assert_null(outbox_level(&s, 1, &mask, &last));
	assert_int_equal(last, 500);
	s.new_followers = 500;
	s.severity = FG_CRITICAL;
	assert_string_equal(outbox_level(&s, 1, &mask, &last), ALERT_CRITICAL);
	assert_int_equal(mask, ALERTED_WARNING | ALERTED_CRITICAL);
	assert_null(outbox_level(&s, 1, &mask, &last));
	s.new_followers = 999;
	assert_null(outbox_level(&s, 1, &mask, &last));
	s.new_followers = 1000;		/* 2x and +500 */
	assert_string_equal(outbox_level(&s, 1, &mask, &last), ALERT_UPDATE);
	assert_int_equal(mask, ALERTED_WARNING | ALERTED_CRITICAL | ALERTED_UPDATE);
	assert_int_equal(last, 1000);
	s.new_followers = 100000;	/* one update only */
	assert_null(outbox_level(&s, 1, &mask, &last));
	s.severity = FG_WARNING;
	assert_null(outbox_level(&s, 1, &mask, &last));
	assert_int_equal(last, 1000);

	/* Doubled but by less than 100 is no update; by 100 it is. */
	mask = 0;
	last = 0;
	spike_init(&s, SPIKE, T0);
	s.new_followers = 50;
	assert_string_equal(outbox_level(&s, 1, &mask, &last), ALERT_WARNING);
	s.new_followers = 149;
	assert_null(outbox_level(&s, 1, &mask, &last));
	s.new_followers = 150;
	assert_string_equal(outbox_level(&s, 1, &mask, &last), ALERT_UPDATE);
	assert_int_equal(last, 150);
	/* Escalation still comes after an update. */
	s.severity = FG_CRITICAL;
	assert_string_equal(outbox_level(&s, 1, &mask, &last), ALERT_CRITICAL);
	assert_null(outbox_level(&s, 1, &mask, &last));

	/* Critical from the first report: one alert, never a warning afterwards. */
	mask = 0;
	last = 0;
	spike_init(&s, SPIKE, T0);
	s.severity = FG_CRITICAL;
	assert_string_equal(outbox_level(&s, 1, &mask, &last), ALERT_CRITICAL);
	assert_int_equal(mask, ALERTED_WARNING | ALERTED_CRITICAL);
	assert_null(outbox_level(&s, 1, &mask, &last));
	s.severity = FG_WARNING;
	assert_null(outbox_level(&s, 1, &mask, &last));
	s.new_followers = 700;
	assert_null(outbox_level(&s, 1, &mask, &last));

	/* Organic surges: only when asked for, once. */
	mask = 0;
	last = 0;
	spike_init(&s, SPIKE, T0);
	s.kind = FG_SPIKE_ORGANIC;
	assert_null(outbox_level(&s, 0, &mask, &last));
	assert_int_equal(mask, 0);
	assert_int_equal(last, 0);
	assert_string_equal(outbox_level(&s, 1, &mask, &last), ALERT_ORGANIC);
	assert_int_equal(mask, ALERTED_ORGANIC);
	assert_int_equal(last, 500);
	assert_null(outbox_level(&s, 1, &mask, &last));
	s.new_followers = 5000;
	assert_null(outbox_level(&s, 1, &mask, &last));
	/* Reclassified inorganic: that is news. */
	s.kind = FG_SPIKE_INORGANIC;
	assert_string_equal(outbox_level(&s, 1, &mask, &last), ALERT_WARNING);
	assert_int_equal(mask, ALERTED_ORGANIC | ALERTED_WARNING);
}

/* 2. Retry backoff. */

static void
test_backoff(void **state)
{
	int64_t d, prev = 0;
	uint64_t id;
	unsigned a;
	int seen[7] = { 0 }, distinct = 0, i;

	(void)state;
	for (id = 1; id <= 200; id++) {
		assert_in_range(outbox_backoff(30, id, 1), 27, 33);
		assert_in_range(outbox_backoff(30, id, 2), 54, 66);
		assert_in_range(outbox_backoff(30, id, 3), 108, 132);
		assert_in_range(outbox_backoff(30, id, 20), 3240, 3960);
		assert_in_range(outbox_backoff(30, id, UINT_MAX), 3240, 3960);
		assert_in_range(outbox_backoff(3600, id, 1), 3240, 3960);
		assert_in_range(outbox_backoff(1, id, 1), 1, 1);
		/* Doubling to the cap, then staying under it. */
		prev = 0;
		for (a = 1; a <= 40; a++) {
			d = outbox_backoff(30, id, a);
			assert_true(d == outbox_backoff(30, id, a));	/* fixed */
			if (a <= 7)
				assert_true(d > prev);
			else
				assert_in_range(d, 3240, 3960);
			prev = d;
		}
		/* The jitter spreads retries out. */
		d = outbox_backoff(30, id, 1);
		if (!seen[d - 27]++)
			distinct++;
	}
	for (i = 0; i < 7; i++)
		assert_true(seen[i] > 0);
	assert_int_equal(distinct, 7);
}

/* 3. Recording alerts. */

static const char *const plan_ids[] = { "p1", "p2", "p3" };

struct profiles_arg {
	const char	*watch;
};

static int
put_profiles(struct fg_txn *txn, void *arg)
{
	struct profiles_arg *a = arg;
	struct fg_profile_rec rec;
	struct fg_edge e;

	memset(&rec, 0, sizeof(rec));
	profile_init(&rec.profile);
	rec.profile.id = "p1";
	rec.profile.handle = "spam_bot_0001";
	rec.profile.display_name = "Bot One";
	rec.profile.created_at = 1771027200;	/* 2026-02-14 */
	rec.score = 0.97;
	rec.verdict = FG_FAKE;
	if (store_profile_put(txn, a->watch, &rec) != 0)
		return -1;
	rec.profile.id = "p2";
	rec.profile.handle = "cheap.followers42";
	rec.profile.display_name = "=cmd, \"quoted\"";
	rec.profile.created_at = FG_TIME_UNKNOWN;
	rec.score = 0.85;
	rec.verdict = FG_SUSPECT;
	if (store_profile_put(txn, a->watch, &rec) != 0)
		return -1;
	/* p3 has no profile and no edge. */
	memset(&e, 0, sizeof(e));
	e.first_seen = T0 - 900;		/* 2026-03-01T01:30:00Z */
	e.last_seen = T0;
	e.position = 7;
	e.state = FG_EDGE_FOLLOWING;
	return store_edge_put(txn, a->watch, "p1", &e);
}

static void
plan_init(struct fg_plan *p, struct fg_plan_sample *why)
{
	memset(p, 0, sizeof(*p));
	memset(why, 0, 3 * sizeof(*why));
	p->ids = (char **)plan_ids;
	p->n = 3;
	p->why = why;
	why[0].id = plan_ids[0];
	why[0].score = 0.97;
	why[0].nreasons = 2;
	why[0].reasons[0] = F_DEFAULT_AVATAR;
	why[0].reasons[1] = F_EMPTY_BIO;
	why[0].evidence = FG_EV_SCORE | FG_EV_WINDOW;
	why[1].id = plan_ids[1];
	why[1].score = 0.85;
	why[1].nreasons = 1;
	why[1].reasons[0] = F_HANDLE_DIGITS;
	why[1].evidence = FG_EV_COPY;
	why[2].id = plan_ids[2];
	why[2].score = 0.91;
	why[2].nreasons = 1;
	why[2].reasons[0] = F_POSTS;
	why[2].evidence = FG_EV_SCORE;
}

static void
test_record(void **state)
{
	static const char *const to[] = { "ops@example.org", "security@example.org" };
	struct fixture *f = *state;
	struct profiles_arg pa = { "brand" };
	struct fg_plan_sample why[3];
	struct fg_plan plan;
	struct fg_spike s;
	struct rec_list l;
	const json_t *sp;
	json_t *o, *email, *hook;
	char *msg, *h, *body, *csv;
	int rc;

	assert_int_equal(store_write(f->st, put_profiles, &pa), 0);
	plan_init(&plan, why);
	spike_init(&s, SPIKE, T0);
	record(f, "brand", &s, &plan, T0);

	/* One pending record per channel, the e-mail's id taken first. */
	list_load(f, &l);
	assert_int_equal(l.n, 2);
	assert_true(l.ids[0] == 1 && l.ids[1] == 2);
	email = l.recs[0];
	hook = l.recs[1];
	assert_string_equal(jstr(email, "channel"), "email");
	assert_string_equal(jstr(hook, "channel"), "webhook");
	for (o = email; o != NULL; o = o == email ? hook : NULL) {
		assert_string_equal(jstr(o, "event"), "spike");
		assert_string_equal(jstr(o, "state"), "pending");
		assert_string_equal(jstr(o, "level"), "warning");
		assert_string_equal(jstr(o, "watch"), "brand");
		assert_string_equal(jstr(o, "spike_id"), SPIKE);
		assert_string_equal(jstr(o, "subject"), "[followguard] brand (mastodon): "
		    "inorganic spike, +500 followers, 90% fake (warning)");
		assert_non_null(strstr(jstr(o, "summary"), "Watched account:  brand (@brand on "
		    "mastodon, https://mastodon.example)\n"));
		assert_non_null(strstr(jstr(o, "summary"), "Review:           followguard purge "
		    "--watch brand --spike " SPIKE " --dry-run\n"));
		assert_true(jint(o, "created") == T0);
		assert_true(jint(o, "next") == T0);
		assert_true(jint(o, "expires") == T0 + f->cfg.alerts.expire);
		assert_int_equal(jint(o, "attempts"), 0);
	}
	assert_true(jint(email, "id") == 1);
	assert_true(jint(hook, "id") == 2);
	assert_to(email, to, 2);
	assert_null(json_object_get(hook, "to"));
	list_free(&l);

	/* The e-mail: RFC 5322, headers first, the text, then the cohort as CSV. */
	msg = msg_get(f, 1, &rc);
	assert_int_equal(rc, 0);
	check_lines(msg);
	assert_true(strncmp(msg, "From: followguard@example.org\r\n", 31) == 0);
	assert_non_null(strstr(msg, "\r\nSubject: [followguard] brand"));
	h = headers(msg);
	assert_non_null(strstr(h, "\r\nTo: ops@example.org, security@example.org\r\n"));
	assert_non_null(strstr(h, "\r\nSubject: [followguard] brand (mastodon): inorganic spike, "
	    "+500 followers, 90% fake (warning)\r\n"));
	assert_non_null(strstr(h, "\r\nDate: Sun, 01 Mar 2026 01:45:00 +0000\r\n"));
	assert_non_null(strstr(h, "\r\nMessage-ID: <followguard.1.1772329500@example.org>\r\n"));
	assert_non_null(strstr(h, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(h, "\r\nAuto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(h, "\r\nContent-Type: multipart/mixed; boundary="
	    "\"=_followguard_1\"\r\n"));
	free(h);
	assert_non_null(strstr(msg, "Content-Disposition: attachment; filename=\""
	    SPIKE ".csv\"\r\n"));
	body = text_part(msg);
	assert_non_null(strstr(body, "followguard detected an inorganic follower spike on "
	    "brand"));
	assert_non_null(strstr(body, "Followers:        1,000 \xe2\x86\x92 1,500\n"));
	assert_non_null(strstr(body, "Creation dates:   80% created in 2026-02\n"));
	assert_non_null(strstr(body, "Purge plan:       3 followers\n"));
	assert_non_null(strstr(body, "  @spam_bot_0001"));
	assert_non_null(strstr(body, " 0.97  creation_window, score (default_avatar, "
	    "empty_bio)\n"));
	assert_non_null(strstr(body, "  @cheap.followers42"));
	assert_non_null(strstr(body, "  id p3 "));
	assert_non_null(strstr(body, " 0.91  score (posts)\n"));
	assert_non_null(strstr(body, " 0.85  copied_profile (handle_digits)\n"));
	assert_non_null(strstr(body, "followguard purge --watch brand --spike " SPIKE
	    " --yes\n"));
	assert_null(strstr(body, "Automatic removal"));
	free(body);
	csv = attachment(msg);
	assert_string_equal(csv,
	    "id,handle,display_name,score,verdict,created_at,followed_at,reasons,evidence\r\n"
	    "p1,spam_bot_0001,Bot One,0.970,fake,2026-02-14T00:00:00Z,2026-03-01T01:30:00Z,"
	    "default_avatar;empty_bio,creation_window;score\r\n"
	    "p2,cheap.followers42,\"'=cmd, \"\"quoted\"\"\",0.850,suspect,,,handle_digits,"
	    "copied_profile\r\n"
	    "p3,,,0.910,,,,posts,score\r\n");
	free(csv);
	free(msg);

	/* The webhook document. */
	msg = msg_get(f, 2, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(msg, "\"event\":\"spike\""));
	assert_non_null(o = json_loads(msg, 0, NULL));
	assert_string_equal(jstr(o, "event"), "spike");
	assert_int_equal(jint(o, "alert_id"), 2);
	assert_string_equal(jstr(o, "watch"), "brand");
	assert_string_equal(jstr(o, "platform"), "mastodon");
	assert_string_equal(jstr(o, "account"), "brand");
	assert_string_equal(jstr(o, "level"), "warning");
	assert_int_equal(jint(o, "purge_plan_size"), 3);
	assert_string_equal(jstr(o, "command"), "followguard purge --watch brand --spike "
	    SPIKE " --dry-run");
	assert_string_equal(jstr(o, "text"), "[followguard] brand (mastodon): inorganic spike, "
	    "+500 followers, 90% fake (warning)");
	sp = json_object_get(o, "spike");
	assert_true(json_is_object(sp));
	assert_string_equal(jstr(sp, "spike_id"), SPIKE);
	assert_string_equal(jstr(sp, "kind"), "inorganic");
	assert_int_equal(jint(sp, "new_followers"), 500);
	json_decref(o);
	free(msg);

	/* The same report again: already alerted, nothing new. */
	record(f, "brand", &s, &plan, T0 + 300);
	assert_int_equal(rec_count(f), 2);
	/* Grown, but not doubled: nothing either. */
	s.new_followers = 800;
	record(f, "brand", &s, &plan, T0 + 600);
	assert_int_equal(rec_count(f), 2);

	/* Turned critical: a new alert on both channels, worded as an update. */
	s.severity = FG_CRITICAL;
	s.last = T0 + 900;
	record(f, "brand", &s, &plan, T0 + 900);
	list_load(f, &l);
	assert_int_equal(l.n, 4);
	assert_true(l.ids[2] == 3 && l.ids[3] == 4);
	assert_string_equal(jstr(l.recs[2], "channel"), "email");
	assert_string_equal(jstr(l.recs[3], "channel"), "webhook");
	assert_string_equal(jstr(l.recs[2], "level"), "critical");
	assert_string_equal(jstr(l.recs[3], "level"), "critical");
	assert_string_equal(jstr(l.recs[2], "subject"), "[followguard] brand (mastodon): "
	    "update: inorganic spike, +800 followers, 90% fake (critical)");
	assert_true(jint(l.recs[2], "created") == T0 + 900);
	list_free(&l);
	record(f, "brand", &s, &plan, T0 + 1200);
	assert_int_equal(rec_count(f), 4);
}

static void
test_record_alert_to(void **state)
{
	static const char *const shop_to[] = { "owner@shop.example", "agency@example.net" };
	static const char *const to[] = { "ops@example.org", "security@example.org" };
	struct fixture *f = *state;
	struct outbox_msg m;
	struct fg_spike s;
	struct rec_list l;
	char *msg, *h;
	int rc;

	add_watch(&f->cfg, "shop", shop_to, 2);
	spike_init(&s, "shop-20260301T014500Z", T0);
	record(f, "shop", &s, NULL, T0);
	spike_init(&s, SPIKE, T0);
	record(f, "brand", &s, NULL, T0);

	list_load(f, &l);
	assert_int_equal(l.n, 4);
	assert_string_equal(jstr(l.recs[0], "channel"), "email");
	assert_string_equal(jstr(l.recs[0], "watch"), "shop");
	assert_to(l.recs[0], shop_to, 2);
	assert_string_equal(jstr(l.recs[2], "channel"), "email");
	assert_string_equal(jstr(l.recs[2], "watch"), "brand");
	assert_to(l.recs[2], to, 2);
	list_free(&l);

	msg = msg_get(f, 1, &rc);
	assert_int_equal(rc, 0);
	h = headers(msg);
	assert_non_null(strstr(h, "\r\nTo: owner@shop.example, agency@example.net\r\n"));
	assert_non_null(strstr(h, "\r\nSubject: [followguard] shop (mastodon): "));
	/* Without a plan: a single text part, no attachment. */
	assert_null(strstr(h, "multipart"));
	free(h);
	assert_null(strstr(msg, "base64"));
	free(msg);

	/* What the sender gets: the watch's recipients. */
	assert_int_equal(message(f, 1, &m), 0);
	assert_string_equal(m.channel, "email");
	assert_int_equal(m.nto, 2);
	assert_string_equal(m.to[0], "owner@shop.example");
	assert_string_equal(m.to[1], "agency@example.net");
	assert_string_equal(m.what, "alert 1 (shop warning, email)");
	outbox_msg_free(&m);
	assert_int_equal(message(f, 3, &m), 0);
	assert_int_equal(m.nto, 2);
	assert_string_equal(m.to[0], "ops@example.org");
	outbox_msg_free(&m);
}

/* An automatic purge scheduled with the spike is announced, with how to cancel it. */
static void
test_record_auto(void **state)
{
	struct fixture *f = *state;
	struct profiles_arg pa = { "brand" };
	struct fg_plan_sample why[3];
	struct fg_plan plan;
	struct fg_spike s;
	json_t *o;
	char *msg, *body;
	int rc;

	assert_int_equal(store_write(f->st, put_profiles, &pa), 0);
	plan_init(&plan, why);
	spike_init(&s, SPIKE, T0);
	record_auto(f, "brand", &s, &plan, T0, 42, T0 + 1800);
	assert_int_equal(rec_count(f), 2);
	assert_non_null(o = rec_get(f, 1));
	assert_non_null(strstr(jstr(o, "summary"), "Automatic removal at 2026-03-01 02:15 UTC "
	    "(job 42); cancel with followguard purge --cancel 42\n"));
	json_decref(o);
	msg = msg_get(f, 1, &rc);
	assert_int_equal(rc, 0);
	check_lines(msg);
	body = text_part(msg);
	assert_non_null(strstr(body, "\nAutomatic removal (purge.auto) is scheduled for "
	    "2026-03-01 02:15 UTC as purge job 42.\nTo stop it:\n  followguard purge "
	    "--cancel 42\n"));
	free(body);
	free(msg);

	/* Without a plan there is nothing to remove, and nothing to announce. */
	spike_init(&s, "brand-20260302T000000Z", T0 + 86400);
	s.kind = FG_SPIKE_ORGANIC;
	record_auto(f, "brand", &s, NULL, T0 + 86400, 43, T0 + 86400 + 1800);
	assert_int_equal(rec_count(f), 4);
	assert_non_null(o = rec_get(f, 3));
	assert_null(strstr(jstr(o, "summary"), "Automatic removal"));
	json_decref(o);
	msg = msg_get(f, 3, &rc);
	assert_int_equal(rc, 0);
	body = text_part(msg);
	assert_null(strstr(body, "Automatic removal"));
	assert_null(strstr(body, "--cancel"));
	free(body);
	free(msg);
}

static void
test_record_channels(void **state)
{
	struct fixture *f = *state;
	struct fg_spike s;
	struct rec_list l;
	char *msg;
	int rc;

	/* Nothing configured: nothing recorded, and nothing marked as alerted. */
	no_email(&f->cfg);
	no_webhook(&f->cfg);
	spike_init(&s, SPIKE, T0);
	record(f, "brand", &s, NULL, T0);
	assert_int_equal(rec_count(f), 0);

	/* A watch that is not configured (any more). */
	f->cfg.webhook.url = xstrdup("https://hooks.example.org/followguard");
	record(f, "gone", &s, NULL, T0);
	assert_int_equal(rec_count(f), 0);

	/* Webhook only: the spike above still earns its first alert. */
	record(f, "brand", &s, NULL, T0 + 60);
	list_load(f, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(jstr(l.recs[0], "channel"), "webhook");
	assert_string_equal(jstr(l.recs[0], "level"), "warning");
	list_free(&l);
	msg = msg_get(f, 1, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(msg, "\"purge_plan_size\":0"));
	assert_non_null(strstr(msg, "\"command\":null"));
	free(msg);

	/* Organic surges: not told of with alerts.organic off; once with it on. */
	f->cfg.email.smtp_url = xstrdup("smtp://mail.example.org:587");
	spike_init(&s, "brand-20260302T120000Z", T0 + 86400);
	s.kind = FG_SPIKE_ORGANIC;
	s.fake_share = 0.02;
	f->cfg.alerts.organic = 0;
	record(f, "brand", &s, NULL, T0 + 86400);
	assert_int_equal(rec_count(f), 1);
	f->cfg.alerts.organic = 1;
	record(f, "brand", &s, NULL, T0 + 86400 + 300);
	list_load(f, &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(jstr(l.recs[1], "channel"), "email");
	assert_string_equal(jstr(l.recs[1], "level"), "organic");
	assert_string_equal(jstr(l.recs[1], "subject"), "[followguard] brand (mastodon): "
	    "organic surge, +500 followers");
	assert_string_equal(jstr(l.recs[2], "channel"), "webhook");
	assert_string_equal(jstr(l.recs[2], "level"), "organic");
	list_free(&l);
	record(f, "brand", &s, NULL, T0 + 86400 + 600);
	assert_int_equal(rec_count(f), 3);
}

/* 4. Delivery, retries and results. */

static void
test_delivery(void **state)
{
	struct fixture *f = *state;
	struct outbox_work w;
	struct outbox_msg m;
	struct fg_spike s;
	json_t *o, *doc;
	int64_t next, next2;
	char *msg;
	int rc;

	spike_init(&s, SPIKE, T0);
	record(f, "brand", &s, NULL, T0);

	/* Nothing is due before it was recorded... */
	prepare(f, T0 - 1, &w);
	assert_int_equal(w.nsend, 0);
	assert_true(w.next == T0);
	/* ...both at once. */
	prepare(f, T0, &w);
	assert_int_equal(w.nsend, 2);
	assert_true(work_has(&w, 1));
	assert_true(work_has(&w, 2));
	assert_true(w.next == 0);

	assert_int_equal(message(f, 1, &m), 0);
	assert_string_equal(m.channel, "email");
	assert_string_equal(m.what, "alert 1 (brand warning, email)");
	assert_int_equal(m.nto, 2);
	assert_string_equal(m.to[0], "ops@example.org");
	assert_string_equal(m.to[1], "security@example.org");
	assert_null(m.to[2]);
	assert_non_null(strstr(m.message, "\r\nSubject: [followguard] brand"));
	msg = msg_get(f, 1, &rc);
	assert_string_equal(m.message, msg);
	free(msg);
	outbox_msg_free(&m);

	assert_int_equal(message(f, 2, &m), 0);
	assert_string_equal(m.channel, "webhook");
	assert_string_equal(m.what, "alert 2 (brand warning, webhook)");
	assert_int_equal(m.nto, 0);
	assert_non_null(doc = json_loads(m.message, 0, NULL));
	assert_string_equal(jstr(doc, "event"), "spike");
	json_decref(doc);
	outbox_msg_free(&m);

	/* The webhook went through. */
	assert_int_equal(result(f, 2, NULL, T0 + 2), 0);
	assert_non_null(o = rec_get(f, 2));
	assert_string_equal(jstr(o, "state"), "delivered");
	assert_int_equal(jint(o, "attempts"), 1);
	assert_true(jint(o, "delivered_at") == T0 + 2);
	assert_true(jint(o, "finished") == T0 + 2);
	json_decref(o);
	assert_null(msg_get(f, 2, &rc));
	assert_int_equal(rc, FG_NOTFOUND);
	assert_int_equal(message(f, 2, &m), FG_NOTFOUND);
	/* A late second result changes nothing. */
	assert_int_equal(result(f, 2, "timeout", T0 + 3), 0);
	assert_state(f, 2, "delivered");

	/* The mail failed: retried after the backoff. */
	assert_int_equal(result(f, 1, "SMTP 451 4.3.0 try again later", T0 + 3), 0);
	next = T0 + 3 + outbox_backoff(f->cfg.alerts.retry, 1, 1);
	assert_non_null(o = rec_get(f, 1));
	assert_string_equal(jstr(o, "state"), "pending");
	assert_int_equal(jint(o, "attempts"), 1);
	assert_string_equal(jstr(o, "error"), "SMTP 451 4.3.0 try again later");
	assert_true(jint(o, "next") == next);
	json_decref(o);
	msg = msg_get(f, 1, &rc);
	assert_int_equal(rc, 0);
	free(msg);

	prepare(f, T0 + 4, &w);
	assert_int_equal(w.nsend, 0);
	assert_true(w.next == next);
	prepare(f, next - 1, &w);
	assert_int_equal(w.nsend, 0);
	assert_true(w.next == next);
	prepare(f, next, &w);
	assert_int_equal(w.nsend, 1);
	assert_true(w.send[0] == 1);
	assert_true(w.next == 0);

	/* Failed again: twice the delay. */
	assert_int_equal(result(f, 1, "connection refused", next), 0);
	next2 = next + outbox_backoff(f->cfg.alerts.retry, 1, 2);
	assert_true(next2 - next >= 54);
	assert_non_null(o = rec_get(f, 1));
	assert_int_equal(jint(o, "attempts"), 2);
	assert_string_equal(jstr(o, "error"), "connection refused");
	assert_true(jint(o, "next") == next2);
	json_decref(o);
	prepare(f, next2 - 1, &w);
	assert_int_equal(w.nsend, 0);
	assert_true(w.next == next2);

	/* Delivered on the third attempt: its message goes. */
	assert_int_equal(result(f, 1, NULL, next2), 0);
	assert_non_null(o = rec_get(f, 1));
	assert_string_equal(jstr(o, "state"), "delivered");
	assert_int_equal(jint(o, "attempts"), 3);
	assert_true(jint(o, "delivered_at") == next2);
	json_decref(o);
	assert_null(msg_get(f, 1, &rc));
	assert_int_equal(rc, FG_NOTFOUND);
	assert_int_equal(message(f, 1, &m), FG_NOTFOUND);
	prepare(f, next2 + 1, &w);
	assert_int_equal(w.nsend, 0);
	assert_true(w.next == 0);

	/* Ids that were never handed out. */
	assert_int_equal(message(f, 99, &m), -1);
	assert_int_equal(result(f, 99, NULL, next2), -1);
}

/* 5. Expiry. */

static void
test_expiry(void **state)
{
	struct fixture *f = *state;
	struct outbox_work w;
	struct outbox_msg m;
	struct fg_spike s;
	json_t *o;
	int rc;

	f->cfg.alerts.expire = 3600;
	spike_init(&s, SPIKE, T0);
	record(f, "brand", &s, NULL, T0);
	assert_int_equal(result(f, 1, "SMTP 550 no such user", T0 + 10), 0);

	/* Still in time. */
	prepare(f, T0 + 3599, &w);
	assert_int_equal(w.nsend, 2);
	assert_state(f, 1, "pending");
	assert_state(f, 2, "pending");

	/* Too late: both expire, their messages are dropped, nothing is sent. */
	prepare(f, T0 + 3600, &w);
	assert_int_equal(w.nsend, 0);
	assert_true(w.next == 0);
	assert_non_null(o = rec_get(f, 1));
	assert_string_equal(jstr(o, "state"), "expired");
	assert_true(jint(o, "finished") == T0 + 3600);
	assert_int_equal(jint(o, "attempts"), 1);
	assert_string_equal(jstr(o, "error"), "SMTP 550 no such user");
	json_decref(o);
	assert_state(f, 2, "expired");
	assert_null(msg_get(f, 1, &rc));
	assert_int_equal(rc, FG_NOTFOUND);
	assert_null(msg_get(f, 2, &rc));
	assert_int_equal(rc, FG_NOTFOUND);
	assert_int_equal(message(f, 1, &m), FG_NOTFOUND);
	/* A result arriving afterwards is ignored. */
	assert_int_equal(result(f, 1, NULL, T0 + 3601), 0);
	assert_state(f, 1, "expired");
	/* And the records stay listed. */
	prepare(f, T0 + 7200, &w);
	assert_int_equal(rec_count(f), 2);
}

/* 6. Digests. */

static void
test_digest(void **state)
{
	static const char *const names[] = { "w1", "w2", "w3", "w4", "w5" };
	static const char *const to[] = { "ops@example.org", "security@example.org" };
	struct fixture *f = *state;
	struct outbox_work w;
	struct outbox_msg m;
	struct fg_spike s;
	const json_t *members;
	json_t *o;
	char id[FG_SPIKE_ID_MAX], *h, *body;
	size_t i;
	int rc;

	no_webhook(&f->cfg);
	f->cfg.alerts.digest_after = 2;
	for (i = 0; i < 5; i++) {
		add_watch(&f->cfg, names[i], NULL, 0);
		snprintf(id, sizeof(id), "%s-20260301T014500Z", names[i]);
		spike_init(&s, id, T0);
		record(f, names[i], &s, NULL, T0);
	}
	assert_int_equal(rec_count(f), 5);

	/* Five due at once, more than two an hour: one digest instead. */
	prepare(f, T0, &w);
	assert_int_equal(w.nsend, 1);
	assert_true(w.send[0] == 6);
	assert_true(w.next == 0);
	assert_int_equal(rec_count(f), 6);
	assert_non_null(o = rec_get(f, 6));
	assert_string_equal(jstr(o, "channel"), "email");
	assert_string_equal(jstr(o, "event"), "digest");
	assert_string_equal(jstr(o, "level"), "digest");
	assert_string_equal(jstr(o, "state"), "pending");
	assert_string_equal(jstr(o, "subject"), "[followguard] digest: 5 alerts");
	assert_true(jint(o, "created") == T0);
	assert_to(o, to, 2);
	members = json_object_get(o, "members");
	assert_true(json_is_array(members));
	assert_int_equal(json_array_size(members), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(json_integer_value(json_array_get(members, i)), i + 1);
	json_decref(o);
	for (i = 1; i <= 5; i++) {
		assert_non_null(o = rec_get(f, i));
		assert_string_equal(jstr(o, "state"), "digested");
		assert_int_equal(jint(o, "digest"), 6);
		assert_true(jint(o, "finished") == T0);
		json_decref(o);
		assert_null(msg_get(f, i, &rc));
		assert_int_equal(rc, FG_NOTFOUND);
		assert_int_equal(message(f, i, &m), FG_NOTFOUND);
	}

	/* The digest's message. */
	assert_int_equal(message(f, 6, &m), 0);
	assert_string_equal(m.channel, "email");
	assert_string_equal(m.what, "alert 6 (digest of 5, email)");
	assert_int_equal(m.nto, 2);
	assert_string_equal(m.to[1], "security@example.org");
	check_lines(m.message);
	assert_non_null(strstr(m.message, "\r\nSubject: [followguard] digest: 5 alerts\r\n"));
	h = headers(m.message);
	assert_non_null(strstr(h, "\r\nTo: ops@example.org, security@example.org\r\n"));
	assert_non_null(strstr(h, "\r\nMessage-ID: <followguard.6.1772329500@example.org>\r\n"));
	free(h);
	body = text_part(m.message);
	assert_non_null(strstr(body, "More than 2 alert mails went out in the past hour, so "
	    "these 5 alerts come together.\n"));
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "\n%zu. [followguard] %s (mastodon): inorganic spike",
		    i + 1, names[i]);
		assert_non_null(strstr(body, id));
		snprintf(id, sizeof(id), "Spike:            %s-20260301T014500Z", names[i]);
		assert_non_null(strstr(body, id));
	}
	free(body);
	outbox_msg_free(&m);

	/* Delivered. A new spike a minute later. */
	assert_int_equal(result(f, 6, NULL, T0 + 5), 0);
	assert_state(f, 6, "delivered");
	spike_init(&s, "w1-20260301T014600Z", T0 + 60);
	record(f, "w1", &s, NULL, T0 + 60);
	assert_non_null(o = rec_get(f, 7));
	assert_string_equal(jstr(o, "event"), "spike");
	json_decref(o);

	/* The digest counts as one mail: with one an hour allowed, the next digest waits. */
	f->cfg.alerts.digest_after = 1;
	prepare(f, T0 + 60, &w);
	assert_int_equal(w.nsend, 0);
	assert_true(w.next == T0 + f->cfg.alerts.digest_interval);
	assert_state(f, 7, "pending");
	prepare(f, T0 + 899, &w);
	assert_int_equal(w.nsend, 0);
	assert_true(w.next == T0 + 900);
	/* With two or five allowed, it goes alone. */
	f->cfg.alerts.digest_after = 2;
	prepare(f, T0 + 60, &w);
	assert_int_equal(w.nsend, 1);
	assert_true(w.send[0] == 7);
	f->cfg.alerts.digest_after = 5;
	prepare(f, T0 + 60, &w);
	assert_int_equal(w.nsend, 1);
	assert_true(w.send[0] == 7);
	assert_int_equal(rec_count(f), 7);
	assert_state(f, 7, "pending");

	/* Once the interval is over, a digest of one. */
	f->cfg.alerts.digest_after = 1;
	prepare(f, T0 + 900, &w);
	assert_int_equal(w.nsend, 1);
	assert_true(w.send[0] == 8);
	assert_non_null(o = rec_get(f, 8));
	assert_string_equal(jstr(o, "event"), "digest");
	assert_string_equal(jstr(o, "subject"), "[followguard] digest: 1 alerts");
	members = json_object_get(o, "members");
	assert_int_equal(json_array_size(members), 1);
	assert_int_equal(json_integer_value(json_array_get(members, 0)), 7);
	json_decref(o);
	assert_state(f, 7, "digested");

	/* An hour after the last digest went out, it no longer counts. */
	assert_int_equal(result(f, 8, NULL, T0 + 901), 0);
	spike_init(&s, "w2-20260301T030000Z", T0 + 4501);
	record(f, "w2", &s, NULL, T0 + 4501);
	prepare(f, T0 + 4500, &w);
	assert_int_equal(w.nsend, 0);
	assert_true(w.next == T0 + 4501);
	prepare(f, T0 + 4501, &w);
	assert_int_equal(w.nsend, 1);
	assert_true(w.send[0] == 9);
	assert_state(f, 9, "pending");
}

/* Digests go one per set of recipients; webhooks are never batched. */
static void
test_digest_groups(void **state)
{
	static const char *const shop_to[] = { "owner@shop.example" };
	static const char *const names[] = { "a1", "b1", "a2", "b2", "a3" };
	struct fixture *f = *state;
	struct outbox_work w;
	struct fg_spike s;
	const json_t *members;
	json_t *o;
	char id[FG_SPIKE_ID_MAX];
	uint64_t dig[2], mem;
	size_t i, j, k;
	int seen[11] = { 0 };

	f->cfg.alerts.digest_after = 3;
	for (i = 0; i < 5; i++) {
		if (names[i][0] == 'b')
			add_watch(&f->cfg, names[i], shop_to, 1);
		else
			add_watch(&f->cfg, names[i], NULL, 0);
		snprintf(id, sizeof(id), "%s-20260301T014500Z", names[i]);
		spike_init(&s, id, T0);
		record(f, names[i], &s, NULL, T0);
	}
	/* Ids: mails 1 3 5 7 9, webhooks 2 4 6 8 10; a* to the global list, b* to the shop. */
	assert_int_equal(rec_count(f), 10);
	prepare(f, T0, &w);
	assert_int_equal(w.nsend, 7);
	for (i = 2; i <= 10; i += 2)
		assert_true(work_has(&w, i));
	dig[0] = 11;
	dig[1] = 12;
	assert_true(work_has(&w, dig[0]));
	assert_true(work_has(&w, dig[1]));
	for (k = 0; k < 2; k++) {
		assert_non_null(o = rec_get(f, dig[k]));
		assert_string_equal(jstr(o, "event"), "digest");
		members = json_object_get(o, "members");
		if (k == 0) {
			assert_int_equal(json_array_size(members), 3);
			assert_to(o, (const char *const[]){ "ops@example.org",
			    "security@example.org" }, 2);
		} else {
			assert_int_equal(json_array_size(members), 2);
			assert_to(o, shop_to, 1);
		}
		for (j = 0; j < json_array_size(members); j++) {
			mem = (uint64_t)json_integer_value(json_array_get(members, j));
			assert_true(mem >= 1 && mem <= 9 && mem % 2 == 1);
			assert_int_equal(seen[mem]++, 0);
			/* a* are 1, 5, 9; b* are 3, 7. */
			assert_int_equal(k, mem == 3 || mem == 7);
		}
		json_decref(o);
	}
	for (i = 1; i <= 9; i += 2) {
		assert_non_null(o = rec_get(f, i));
		assert_string_equal(jstr(o, "state"), "digested");
		assert_true(jint(o, "digest") == (i == 3 || i == 7 ? 12 : 11));
		json_decref(o);
	}
	for (i = 2; i <= 10; i += 2)
		assert_state(f, i, "pending");
}

/* A test mail, delivered just before T0. */
static int
plant_test_mail(struct fg_txn *txn, void *arg)
{
	char buf[256];

	(void)arg;
	snprintf(buf, sizeof(buf), "{\"id\":100,\"channel\":\"email\",\"event\":\"test\","
	    "\"state\":\"delivered\",\"delivered_at\":%" PRId64 ",\"finished\":%" PRId64 "}",
	    T0 - 10, T0 - 10);
	return store_outbox_put(txn, 100, buf);
}

/* Only alert mails delivered count toward the hourly allowance: not tests, not webhooks. */
static void
test_digest_allowance(void **state)
{
	struct fixture *f = *state;
	struct outbox_work w;
	struct fg_spike s;
	const json_t *members;
	json_t *o;
	int64_t next1;

	f->cfg.alerts.digest_after = 1;
	assert_int_equal(store_write(f->st, plant_test_mail, NULL), 0);
	spike_init(&s, SPIKE, T0);
	record(f, "brand", &s, NULL, T0);
	prepare(f, T0, &w);
	assert_int_equal(w.nsend, 2);
	assert_true(work_has(&w, 1) && work_has(&w, 2));
	/* The webhook went through, the mail is to be retried. */
	assert_int_equal(result(f, 2, NULL, T0 + 1), 0);
	assert_int_equal(result(f, 1, "timeout", T0 + 1), 0);
	next1 = T0 + 1 + outbox_backoff(f->cfg.alerts.retry, 1, 1);

	spike_init(&s, "brand-20260301T015500Z", T0 + 10);
	record(f, "brand", &s, NULL, T0 + 10);
	prepare(f, T0 + 10, &w);
	assert_int_equal(w.nsend, 2);
	assert_true(work_has(&w, 3) && work_has(&w, 4));
	assert_true(w.next == next1);
	assert_int_equal(result(f, 3, NULL, T0 + 11), 0);
	assert_int_equal(result(f, 4, NULL, T0 + 11), 0);

	/* One alert mail went out: the retried one and a new one come as a digest. */
	spike_init(&s, "brand-20260301T020000Z", T0 + 900);
	record(f, "brand", &s, NULL, T0 + 900);
	prepare(f, T0 + 900, &w);
	assert_int_equal(w.nsend, 2);
	assert_true(work_has(&w, 6));	/* the webhook */
	assert_true(work_has(&w, 7));	/* the digest */
	assert_non_null(o = rec_get(f, 7));
	assert_string_equal(jstr(o, "event"), "digest");
	members = json_object_get(o, "members");
	assert_int_equal(json_array_size(members), 2);
	assert_int_equal(json_integer_value(json_array_get(members, 0)), 1);
	assert_int_equal(json_integer_value(json_array_get(members, 1)), 5);
	json_decref(o);
	assert_non_null(o = rec_get(f, 1));
	assert_string_equal(jstr(o, "state"), "digested");
	assert_int_equal(jint(o, "attempts"), 1);
	json_decref(o);
	assert_state(f, 5, "digested");
	assert_state(f, 6, "pending");
	assert_state(f, 100, "delivered");
}

/* 7. Sends in flight. */

struct busy_arg {
	uint64_t	 id[2];
	int		 calls;
};

static int
busy(void *arg, uint64_t id)
{
	struct busy_arg *b = arg;

	b->calls++;
	return id == b->id[0] || id == b->id[1];
}

static void
test_busy(void **state)
{
	struct fixture *f = *state;
	struct busy_arg b;
	struct outbox_work w;
	struct fg_spike s;

	spike_init(&s, SPIKE, T0);
	record(f, "brand", &s, NULL, T0);

	b = (struct busy_arg){ { 2, 0 }, 0 };
	prepare_busy(f, T0, busy, &b, &w);
	assert_true(b.calls > 0);
	assert_int_equal(w.nsend, 1);
	assert_true(w.send[0] == 1);
	assert_true(w.next == 0);

	b = (struct busy_arg){ { 1, 0 }, 0 };
	prepare_busy(f, T0, busy, &b, &w);
	assert_int_equal(w.nsend, 1);
	assert_true(w.send[0] == 2);

	b = (struct busy_arg){ { 1, 2 }, 0 };
	prepare_busy(f, T0, busy, &b, &w);
	assert_int_equal(w.nsend, 0);
	assert_true(w.next == 0);	/* their results will wake the worker */
	assert_state(f, 1, "pending");
	assert_state(f, 2, "pending");

	/* A record waiting for its retry is not sent; the other is. */
	assert_int_equal(result(f, 1, "timeout", T0 + 1), 0);
	b = (struct busy_arg){ { 0, 0 }, 0 };
	prepare_busy(f, T0 + 2, busy, &b, &w);
	assert_int_equal(w.nsend, 1);
	assert_true(w.send[0] == 2);
	assert_true(w.next > T0 + 2);
}

/* A full batch leaves the rest for an immediate next round. */
static void
test_batch(void **state)
{
	struct fixture *f = *state;
	struct outbox_work w;
	struct fg_spike s;
	json_t *o;
	char id[FG_SPIKE_ID_MAX];
	uint64_t n, dig;
	size_t i;

	/* Webhooks only. */
	no_email(&f->cfg);
	for (i = 0; i < OUTBOX_BATCH + 3; i++) {
		snprintf(id, sizeof(id), "brand-202603%02zuT000000Z", i + 1);
		spike_init(&s, id, T0);
		record(f, "brand", &s, NULL, T0);
	}
	prepare(f, T0 + 1, &w);
	assert_int_equal(w.nsend, OUTBOX_BATCH);
	for (i = 0; i < OUTBOX_BATCH; i++)
		assert_true(w.send[i] == i + 1);
	assert_true(w.next == T0 + 1);
	for (i = 0; i < OUTBOX_BATCH; i++)
		assert_int_equal(result(f, i + 1, NULL, T0 + 2), 0);
	prepare(f, T0 + 3, &w);
	assert_int_equal(w.nsend, 3);
	assert_true(w.next == 0);
	for (i = 0; i < w.nsend; i++)
		assert_int_equal(result(f, w.send[i], NULL, T0 + 4), 0);
	n = OUTBOX_BATCH + 3;

	/* Both channels: the webhooks fill the batch, the mails wait for the next round. */
	f->cfg.email.smtp_url = xstrdup("smtp://mail.example.org:587");
	f->cfg.alerts.digest_after = 100;
	for (i = 0; i < OUTBOX_BATCH; i++) {
		snprintf(id, sizeof(id), "brand-202604%02zuT000000Z", i + 1);
		spike_init(&s, id, T0 + 10);
		record(f, "brand", &s, NULL, T0 + 10);
	}
	prepare(f, T0 + 10, &w);
	assert_int_equal(w.nsend, OUTBOX_BATCH);
	for (i = 0; i < OUTBOX_BATCH; i++)
		assert_true(w.send[i] > n && (w.send[i] - n) % 2 == 0);	/* webhooks */
	assert_true(w.next == T0 + 10);
	/* So does a digest made in a full round. */
	f->cfg.alerts.digest_after = 1;
	prepare(f, T0 + 10, &w);
	assert_int_equal(w.nsend, OUTBOX_BATCH);
	dig = n + 2 * OUTBOX_BATCH + 1;
	assert_false(work_has(&w, dig));
	assert_true(w.next == T0 + 10);
	assert_non_null(o = rec_get(f, dig));
	assert_string_equal(jstr(o, "event"), "digest");
	assert_int_equal(json_array_size(json_object_get(o, "members")), OUTBOX_BATCH);
	json_decref(o);
	for (i = 0; i < w.nsend; i++)
		assert_int_equal(result(f, w.send[i], NULL, T0 + 11), 0);
	prepare(f, T0 + 12, &w);
	assert_int_equal(w.nsend, 1);
	assert_true(w.send[0] == dig);
	assert_true(w.next == 0);
}

/* 8. Pruning. */

static void
test_prune(void **state)
{
	struct fixture *f = *state;
	struct outbox_work w;
	struct fg_spike s;
	int64_t t1 = T0 + 10, texp = T0 + f->cfg.alerts.expire;
	int rc;

	spike_init(&s, SPIKE, T0);
	record(f, "brand", &s, NULL, T0);
	assert_int_equal(result(f, 1, NULL, t1), 0);	/* the mail goes, the webhook fails */
	assert_int_equal(result(f, 2, "HTTP 503", t1), 0);
	prepare(f, texp, &w);
	assert_state(f, 2, "expired");

	/* Kept OUTBOX_KEEP after it finished... */
	prepare(f, t1 + OUTBOX_KEEP, &w);
	assert_int_equal(rec_count(f), 2);
	assert_state(f, 1, "delivered");
	/* ...then forgotten. */
	prepare(f, t1 + OUTBOX_KEEP + 1, &w);
	assert_int_equal(rec_count(f), 1);
	assert_null(rec_get(f, 1));
	assert_state(f, 2, "expired");
	prepare(f, texp + OUTBOX_KEEP, &w);
	assert_int_equal(rec_count(f), 1);
	prepare(f, texp + OUTBOX_KEEP + 1, &w);
	assert_int_equal(rec_count(f), 0);
	assert_null(msg_get(f, 2, &rc));
	assert_int_equal(rc, FG_NOTFOUND);
	assert_int_equal(w.nsend, 0);
	assert_true(w.next == 0);

	/* Ids are never handed out again. */
	spike_init(&s, "brand-20260501T000000Z", texp + OUTBOX_KEEP + 2);
	record(f, "brand", &s, NULL, texp + OUTBOX_KEEP + 2);
	assert_int_equal(rec_count(f), 2);
	assert_null(rec_get(f, 1));
	assert_state(f, 3, "pending");
	assert_state(f, 4, "pending");
}

/* The webhook's Idempotency-Key: the same for the same alert, apart for any other. */
static void
test_idempotency_key(void **state)
{
	char a[64], b[64];

	(void)state;
	alert_idempotency_key(12, "{\"alert_id\":12}", a, sizeof(a));
	alert_idempotency_key(12, "{\"alert_id\":12}", b, sizeof(b));
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 3 + 16);
	assert_memory_equal(a, "12-", 3);
	assert_int_equal(strspn(a + 3, "0123456789abcdef"), 16);
	/* A new state directory counts from 1 again: the body keeps the keys apart. */
	alert_idempotency_key(12, "{\"alert_id\":12,\"watch\":\"other\"}", b, sizeof(b));
	assert_string_not_equal(a, b);
	alert_idempotency_key(13, "{\"alert_id\":12}", b, sizeof(b));
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_idempotency_key),
		cmocka_unit_test_setup_teardown(test_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_alert_to, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_auto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_channels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_allowance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
