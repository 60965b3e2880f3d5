/*
 * Alert delivery. See deliver.h.
 *
 * A round asks the outbox what is due (in one write transaction, which also expires and
 * batches), starts each send, and arms the timer for the next due time. Each result is
 * written back in a transaction of its own. A send cut short by the daemon stopping leaves
 * its alert pending, so the next start sends it: delivery is at least once (a crash between
 * the server's acceptance and that commit sends it twice), and every attempt carries the
 * same message, and for webhooks the same Idempotency-Key, for receivers to dedupe by.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "clock.h"
#include "deliver.h"
#include "http.h"
#include "log.h"
#include "outbox.h"
#include "secret.h"
#include "timeutil.h"
#include "xmalloc.h"

struct job {
	LIST_ENTRY(job)	 entry;
	struct deliver	*dl;		/* NULL once the worker is gone */
	uint64_t	 id;
	int		 webhook;
	char		 what[96];
};

struct deliver {
	struct fg_clock		*clock;
	struct http		*http;
	struct fg_store		*store;
	const struct fg_config	*cfg;
	struct fg_timer		*timer;
	char			*password;	/* SMTP AUTH */
	char			*secret;	/* webhook signing key */
	LIST_HEAD(, job)	 jobs;
};

static void	deliver_round(void *);

struct deliver *
deliver_new(struct fg_clock *clock, struct http *http, struct fg_store *store,
    const struct fg_config *cfg)
{
	struct deliver *dl = xcalloc(1, sizeof(*dl));

	dl->clock = clock;
	dl->http = http;
	dl->store = store;
	dl->cfg = cfg;
	LIST_INIT(&dl->jobs);
	dl->timer = timer_new(clock, deliver_round, dl);
	deliver_reload(dl);
	deliver_kick(dl);
	return dl;
}

static void
secret_drop(char **s)
{
	if (*s != NULL) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void
deliver_reload(struct deliver *dl)
{
	const struct fg_config *cfg = dl->cfg;
	char err[512];

	secret_drop(&dl->password);
	secret_drop(&dl->secret);
	if (cfg->email.smtp_url != NULL && cfg->email.password_file != NULL &&
	    (dl->password = secret_read(cfg->email.password_file, err, sizeof(err))) == NULL)
		log_warnx("alerts: e-mail password: %s; mail will fail until it is fixed", err);
	if (cfg->webhook.url != NULL && cfg->webhook.secret_file != NULL &&
	    (dl->secret = secret_read(cfg->webhook.secret_file, err, sizeof(err))) == NULL)
		log_warnx("alerts: webhook secret: %s; webhooks will fail until it is fixed",
		    err);
	deliver_kick(dl);
}

static void
arm(struct deliver *dl, int64_t at, int64_t now)
{
	timer_arm(dl->timer, (double)(at - now));
}

void
deliver_kick(struct deliver *dl)
{
	timer_arm(dl->timer, 0);
}

static int
busy(void *arg, uint64_t id)
{
	struct deliver *dl = arg;
	struct job *j;

	LIST_FOREACH(j, &dl->jobs, entry)
		if (j->id == id)
			return 1;
	return 0;
}

struct prepare {
	struct deliver		*dl;
	int64_t			 now;
	struct outbox_work	 work;
};

static int
prepare_write(struct fg_txn *txn, void *arg)
{
	struct prepare *p = arg;

	return outbox_prepare(txn, p->dl->cfg, p->now, busy, p->dl, &p->work);
}

struct result {
	const struct fg_config	*cfg;
	uint64_t		 id;
	const char		*error;
	int64_t			 now;
};

static int
result_write(struct fg_txn *txn, void *arg)
{
	struct result *r = arg;

	return outbox_result(txn, r->cfg, r->id, r->error, r->now);
}

static void
record_result(struct deliver *dl, uint64_t id, const char *error)
{
	struct result r = { dl->cfg, id, error, clock_now(dl->clock) };

	if (store_write(dl->store, result_write, &r) != 0)
		log_warnx("alert %" PRIu64 ": cannot record the result of its delivery", id);
}

static void
job_done(void *arg, const struct fg_response *resp, const char *error)
{
	struct job *j = arg;
	struct deliver *dl = j->dl;
	char why[128];

	if (dl == NULL) {
		free(j);	/* the worker is gone: the alert stays pending */
		return;
	}
	LIST_REMOVE(j, entry);
	if (error != NULL && strcmp(error, HTTP_CANCELLED) == 0) {
		free(j);	/* stopping: the alert stays pending */
		return;
	}
	if (error == NULL && j->webhook && (resp->status < 200 || resp->status > 299)) {
		snprintf(why, sizeof(why), "HTTP %ld", resp->status);
		error = why;
	}
	record_result(dl, j->id, error);
	free(j);
	deliver_kick(dl);
}

static int
send_mail(struct deliver *dl, struct job *j, const struct outbox_msg *m)
{
	const struct fg_config *cfg = dl->cfg;
	struct http_mail hm;

	if (cfg->email.smtp_url == NULL)
		return -1;
	memset(&hm, 0, sizeof(hm));
	hm.url = cfg->email.smtp_url;
	hm.from = cfg->email.from;
	hm.to = (const char *const *)m->to;
	hm.nto = m->nto;
	hm.message = m->message;
	hm.user = cfg->email.user;
	hm.password = dl->password;
	hm.require_tls = config_smtp_require_tls(cfg);
	hm.what = j->what;
	if (hm.user != NULL && hm.password == NULL)
		return -1;
	return http_send_mail(dl->http, &hm, job_done, j);
}

static int
send_webhook(struct deliver *dl, struct job *j, const struct outbox_msg *m)
{
	const struct fg_config *cfg = dl->cfg;
	struct fg_request req;
	char sig[128], key[64];
	int rc;

	if (cfg->webhook.url == NULL || (cfg->webhook.secret_file != NULL && dl->secret == NULL))
		return -1;
	memset(&req, 0, sizeof(req));
	snprintf(req.method, sizeof(req.method), "POST");
	if ((size_t)snprintf(req.url, sizeof(req.url), "%s", cfg->webhook.url) >= sizeof(req.url))
		return -1;
	snprintf(req.what, sizeof(req.what), "%.63s", j->what);
	if (dl->secret != NULL) {
		alert_signature(dl->secret, strlen(dl->secret), m->message, clock_now(dl->clock), sig,
		    sizeof(sig));
		snprintf(req.extra[0], sizeof(req.extra[0]), "X-Followguard-Signature: %s", sig);
	}
	/* The same on every attempt: a receiver drops a repeat by it (at-least-once). */
	alert_idempotency_key(j->id, m->message, key, sizeof(key));
	snprintf(req.extra[1], sizeof(req.extra[1]), "Idempotency-Key: %s", key);
	req.body = m->message;
	rc = http_send(dl->http, &req, job_done, j);
	explicit_bzero(req.extra, sizeof(req.extra));
	return rc;
}

struct load {
	uint64_t		 id;
	struct outbox_msg	 msg;
};

static int
load_read(struct fg_txn *txn, void *arg)
{
	struct load *l = arg;

	return outbox_message(txn, l->id, &l->msg);
}

static void
start(struct deliver *dl, uint64_t id)
{
	struct load l;
	struct job *j;
	int rc;

	memset(&l, 0, sizeof(l));
	l.id = id;
	if ((rc = store_read(dl->store, load_read, &l)) != 0) {
		if (rc == -1)
			log_warnx("alert %" PRIu64 ": cannot read it from the outbox", id);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->dl = dl;
	j->id = id;
	j->webhook = strcmp(l.msg.channel, "webhook") == 0;
	snprintf(j->what, sizeof(j->what), "%s", l.msg.what);
	LIST_INSERT_HEAD(&dl->jobs, j, entry);
	rc = j->webhook ? send_webhook(dl, j, &l.msg) : send_mail(dl, j, &l.msg);
	if (rc == -1) {
		record_result(dl, id, j->webhook ? "the webhook is not configured, or its "
		    "secret is unreadable" : "e-mail is not configured, or its password is "
		    "unreadable");
		LIST_REMOVE(j, entry);
		free(j);
	}
	outbox_msg_free(&l.msg);
}

static void
deliver_round(void *arg)
{
	struct deliver *dl = arg;
	struct prepare p;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.dl = dl;
	p.now = clock_now(dl->clock);
	if (store_write(dl->store, prepare_write, &p) != 0) {
		log_warnx("alerts: cannot read the outbox; trying again in a minute");
		arm(dl, p.now + 60, p.now);
		return;
	}
	for (i = 0; i < p.work.nsend; i++)
		start(dl, p.work.send[i]);
	if (p.work.next != 0)
		arm(dl, p.work.next, clock_now(dl->clock));
}

void
deliver_free(struct deliver *dl)
{
	struct job *j;

	if (dl == NULL)
		return;
	while ((j = LIST_FIRST(&dl->jobs)) != NULL) {
		j->dl = NULL;	/* http_free's cancellation frees it */
		LIST_REMOVE(j, entry);
	}
	timer_free(dl->timer);
	secret_drop(&dl->password);
	secret_drop(&dl->secret);
	free(dl);
}
