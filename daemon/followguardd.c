/*
 * followguardd: the polling daemon. One libevent loop runs the HTTP layer, one timer per
 * watched account (poller.c), the control socket, signals and the systemd watchdog; every
 * follower goes through the same pipeline as `followguard replay`.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "config.h"
#include "control.h"
#include "deliver.h"
#include "demo.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "model.h"
#include "outbox.h"
#include "pipeline.h"
#include "poller.h"
#include "purger.h"
#include "report.h"
#include "sdnotify.h"
#include "secret.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

/*
 * Descriptors under RLIMIT_NOFILE (LimitNOFILE= in the unit) that the listeners can never take:
 * LMDB, the event loop, libcurl's connections to the platforms and the alert channels, the
 * log. Each listener has its own cap on top, so a flood of the metrics port leaves the control
 * socket its connections, and neither starves the polls.
 */
#define FD_RESERVE		128
#define CONTROL_CONNS_MAX	32
#define METRICS_CONNS_MAX	16

struct daemon {
	const char		*cfgpath;
	struct fg_config	 cfg;
	struct fg_model		 model;
	struct fg_store		*store;
	struct fg_pipeline	*pl;
	struct event_base	*base;
	struct fg_clock		*clock;		/* the workers' time: the wall clock */
	struct http		*http;
	struct poller		*poller;
	struct deliver		*deliver;
	struct purger		*purger;
	struct control		*control;
	struct metrics		*metrics;
	int			 lock_fd;	/* the state directory's, held while running */
	/* --demo: a simulated Mastodon inside the loop, state in a temporary directory */
	int			 demo_mode;
	int64_t			 demo_seconds;
	struct demo		*demo;
	char			 demo_dir[256];
	struct event		*demo_end;
	uint64_t		 spikes_by_kind[2];	/* spike reports, organic and inorganic */
	struct event		*ev_hup, *ev_term, *ev_int, *watchdog;
	uint64_t		 spikes;
};

static void
usage(void)
{
	fprintf(stderr, "usage: followguardd [-c FILE] [-f|--foreground] [-v] "
	    "[--check-config [FILE]]\n"
	    "       followguardd --demo [SECONDS]\n");
	exit(2);
}

static void
on_report(void *arg, const struct fg_report *r)
{
	struct daemon *d = arg;
	const struct fg_spike *s = r->spike;
	char plan[64] = "";

	d->spikes++;
	d->spikes_by_kind[s->kind == FG_SPIKE_INORGANIC]++;
	if (d->demo_mode) {
		report_write_text(stdout, r, d->cfg.purge.min_score, 1);
		fflush(stdout);
	}
	if (r->plan != NULL)
		snprintf(plan, sizeof(plan), "; purge plan of %zu followers", r->plan->n);
	log_warnx("watch %s: %s %s spike %s (%s, %s): %llu new followers, %.0f%% scored fake%s",
	    r->watch, spike_kind_name(s->kind), spike_pattern_name(s->pattern), s->id,
	    spike_severity_name(s->severity), s->open ? "growing" : "over",
	    (unsigned long long)s->new_followers, 100 * s->fake_share, plan);
	deliver_kick(d->deliver);	/* the poll may have recorded alerts */
	purger_sync(d->purger);		/* and scheduled an automatic purge */
}

/* In the transaction of each spike report: an automatic purge, and the alerts. */
static int
on_record(void *arg, struct fg_txn *txn, const struct fg_report *r)
{
	struct daemon *d = arg;
	uint64_t job;
	int64_t at = 0;

	if (purger_schedule(d->purger, txn, r, &job, &at) == -1)
		return -1;
	return outbox_record(&d->cfg, txn, r, job, at);
}

struct degraded_ctx {
	struct daemon	*d;
	const char	*watch, *reason;
};

static int
degraded_record(struct fg_txn *txn, void *arg)
{
	struct degraded_ctx *c = arg;

	return outbox_record_degraded(&c->d->cfg, txn, c->watch, c->reason, clock_now(c->d->clock));
}

/* A watch became degraded: one alert, through the outbox like a spike's. */
static void
on_degraded(void *arg, const char *watch, const char *reason)
{
	struct degraded_ctx c = { arg, watch, reason };

	if (store_write(c.d->store, degraded_record, &c) != 0)
		log_warnx("watch %s: the degraded alert cannot be recorded", watch);
	deliver_kick(c.d->deliver);
}

struct count_ctx {
	const char	*watch;
	long		 n;
};

static int
count_one(void *arg, const char *id, const struct fg_edge *e)
{
	(void)id;
	if (e->state == FG_EDGE_FOLLOWING)
		((struct count_ctx *)arg)->n++;
	return 0;
}

static int
count_read(struct fg_txn *txn, void *arg)
{
	struct count_ctx *c = arg;

	return store_edges_scan(txn, c->watch, count_one, c);
}

/* Followers stored as following, for the poller's check against the platform's count. */
static long
stored_following(void *arg, const char *watch)
{
	struct daemon *d = arg;
	struct count_ctx c = { watch, 0 };

	return store_read(d->store, count_read, &c) == 0 ? c.n : -1;
}

static int
send_adapter(void *ctx, const struct fg_request *req, fg_send_done *done, void *arg)
{
	return http_send(ctx, req, done, arg);
}

/* Starts watching what cfg lists and is not watched yet. Errors are logged per watch. */
static void
watches_add(struct daemon *d, const struct fg_config *cfg)
{
	char err[512], *secret;
	size_t i;

	for (i = 0; i < cfg->nwatches; i++) {
		const struct fg_watch_conf *wc = &cfg->watches[i];

		if (poller_has(d->poller, wc->name))
			continue;
		secret = NULL;
		if (wc->token_file != NULL &&
		    (secret = secret_read(wc->token_file, err, sizeof(err))) == NULL) {
			log_warnx("watch %s: %s; not watched", wc->name, err);
			continue;
		}
		if (poller_add(d->poller, wc, secret, cfg->poll_interval, cfg->reconcile_interval,
		    err, sizeof(err)) == -1)
			log_warnx("%s", err);
	}
}

/*
 * SIGHUP: a watch that stays reads its token_file again (the usual way to rotate an app
 * password or token); a new secret goes to the poller, which logs in again with it. A file
 * that cannot be read leaves the secret in use.
 */
static void
secrets_reread(struct daemon *d, const struct fg_config *cfg)
{
	char err[512], *secret;
	size_t i;

	for (i = 0; i < cfg->nwatches; i++) {
		const struct fg_watch_conf *wc = &cfg->watches[i];

		if (wc->token_file == NULL || !poller_has(d->poller, wc->name))
			continue;
		if ((secret = secret_read(wc->token_file, err, sizeof(err))) == NULL) {
			log_warnx("watch %s: %s; keeping the secret read before", wc->name, err);
			continue;
		}
		if (poller_set_secret(d->poller, wc->name, secret) == 1)
			log_warnx("reload: watch %s: %s holds a new secret", wc->name,
			    wc->token_file);
	}
}

static int
watch_same(const struct fg_watch_conf *a, const struct fg_watch_conf *b)
{
	return strcmp(a->provider, b->provider) == 0 && strcmp(a->base_url, b->base_url) == 0 &&
	    strcmp(a->account, b->account) == 0 &&
	    (a->token_file == NULL) == (b->token_file == NULL) &&
	    (a->token_file == NULL || strcmp(a->token_file, b->token_file) == 0);
}

static void
policy_from(const struct fg_config *cfg, struct fg_policy *p)
{
	p->min_score = cfg->purge.min_score;
	p->allowlist = cfg->purge.allowlist;
	p->nallowlist = cfg->purge.nallowlist;
}

/* SIGHUP: a new configuration replaces the old only if it loads without error. */
static void
reload(struct daemon *d)
{
	struct fg_config next;
	struct fg_policy policy;
	const struct fg_watch_conf *nw;
	size_t i;

	config_defaults(&next);
	if (config_load(&next, d->cfgpath) == -1) {
		log_warnx("reload: %s has errors; keeping the running configuration", d->cfgpath);
		config_free(&next);
		return;
	}
	/* Watches gone or changed stop; new and changed ones start; state stays in LMDB. */
	for (i = 0; i < d->cfg.nwatches; i++) {
		nw = config_watch(&next, d->cfg.watches[i].name);
		if (nw == NULL || !watch_same(nw, &d->cfg.watches[i]) ||
		    next.poll_interval != d->cfg.poll_interval ||
		    next.reconcile_interval != d->cfg.reconcile_interval)
			poller_remove(d->poller, d->cfg.watches[i].name);
	}
	secrets_reread(d, &next);
	watches_add(d, &next);
	config_free(&d->cfg);
	d->cfg = next;
	policy_from(&d->cfg, &policy);
	pipeline_set_policy(d->pl, &policy);
	deliver_reload(d->deliver);
	log_warnx("reload: %s loaded, %zu watches", d->cfgpath, poller_count(d->poller));
	sdnotify_status("watching %zu accounts", poller_count(d->poller));
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		sdnotify("RELOADING=1");
		reload(d);
		sdnotify("READY=1");
		return;
	}
	log_warnx("stopping on signal %d", (int)sig);
	sdnotify("STOPPING=1");
	/* In-flight requests are abandoned; every committed transaction is already durable. */
	http_cancel_all(d->http);
	event_base_loopexit(d->base, NULL);
}

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sdnotify("WATCHDOG=1");
}

static int64_t get_polls(const struct watch_status *s) { return (int64_t)s->polls; }
static int64_t get_followers(const struct watch_status *s) { return s->followers; }
static int64_t get_new(const struct watch_status *s) { return (int64_t)s->last_new; }
static int64_t get_failures(const struct watch_status *s) { return s->failures; }
static int64_t get_degraded(const struct watch_status *s) { return s->degraded; }
static int64_t get_unreadable(const struct watch_status *s) { return (int64_t)s->unreadable; }
static int64_t get_refusals(const struct watch_status *s) { return s->refusals; }
static int64_t get_stored(const struct watch_status *s) { return s->stored; }
static int64_t get_mismatch(const struct watch_status *s) { return s->count_mismatch; }
static int64_t
get_remaining(const struct watch_status *s)
{
	return s->rl.known ? s->rl.remaining : -1;
}

/* The per-watch families: name, type, help, and the status field they show. */
static const struct family {
	const char	*name, *type, *help;
	int64_t		(*get)(const struct watch_status *);
} families[] = {
	{ "followguard_polls_total", "counter", "Completed polls.", get_polls },
	{ "followguard_followers", "gauge",
	    "Followers by the platform's own count (-1 unknown).", get_followers },
	{ "followguard_new_followers_last_poll", "gauge",
	    "New followers found by the last complete poll.", get_new },
	{ "followguard_poll_failures", "gauge", "Failed polls in a row.", get_failures },
	{ "followguard_watch_degraded", "gauge",
	    "1 when repeated failures marked the watch degraded.", get_degraded },
	{ "followguard_ratelimit_remaining", "gauge",
	    "Requests left in the platform's window (-1 unknown).", get_remaining },
	{ "followguard_unreadable_followers_total", "counter",
	    "Followers left out of pages because their object could not be read.",
	    get_unreadable },
	{ "followguard_login_refusals", "gauge",
	    "Logins the platform refused in a row (revoked or wrong secret).", get_refusals },
	{ "followguard_followers_stored", "gauge",
	    "Followers stored as following after the last poll (-1 unknown).", get_stored },
	{ "followguard_followers_mismatch", "gauge",
	    "1 when the stored followers and the platform's count disagree.", get_mismatch },
};

/* One metric family's header and one sample per watch. */
static void
metric_family(struct evbuffer *out, struct daemon *d, const struct family *f)
{
	struct watch_status st;
	size_t i;

	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
	    f->type);
	for (i = 0; i < poller_count(d->poller); i++) {
		poller_status(d->poller, i, &st);
		evbuffer_add_printf(out, "%s{watch=\"%s\",platform=\"%s\"} %lld\n", f->name,
		    st.name, st.provider, (long long)f->get(&st));
	}
}

static void
on_metrics(void *arg, struct evbuffer *out)
{
	struct daemon *d = arg;
	struct watch_status st;
	struct http_stats hs;
	size_t i, k;

	for (k = 0; k < sizeof(families) / sizeof(families[0]); k++)
		metric_family(out, d, &families[k]);
	evbuffer_add_printf(out, "# HELP followguard_requests_total Platform requests by "
	    "response class.\n# TYPE followguard_requests_total counter\n");
	for (i = 0; i < poller_count(d->poller); i++) {
		poller_status(d->poller, i, &st);
		for (k = 0; k < 6; k++)
			evbuffer_add_printf(out, "followguard_requests_total{watch=\"%s\","
			    "platform=\"%s\",status=\"%s\"} %llu\n", st.name, st.provider,
			    fg_status_class[k], (unsigned long long)st.by_status[k]);
	}
	evbuffer_add_printf(out, "# HELP followguard_spike_reports_total Spike reports.\n"
	    "# TYPE followguard_spike_reports_total counter\n"
	    "followguard_spike_reports_total{kind=\"organic\"} %llu\n"
	    "followguard_spike_reports_total{kind=\"inorganic\"} %llu\n",
	    (unsigned long long)d->spikes_by_kind[0], (unsigned long long)d->spikes_by_kind[1]);
	http_stats(d->http, &hs);
	evbuffer_add_printf(out, "# HELP followguard_http_errors_total Requests without a "
	    "usable response.\n# TYPE followguard_http_errors_total counter\n"
	    "followguard_http_errors_total %llu\n", (unsigned long long)hs.errors);
}

static json_t *
status_json(struct daemon *d)
{
	struct watch_status st;
	json_t *arr = json_array(), *o, *rl;
	char t1[FG_RFC3339_LEN], t2[FG_RFC3339_LEN];
	size_t i;

	for (i = 0; i < poller_count(d->poller); i++) {
		poller_status(d->poller, i, &st);
		o = json_pack("{s:s, s:s, s:s, s:b, s:i, s:I, s:I, s:I, s:I, s:I}",
		    "watch", st.name, "provider", st.provider,
		    "health", st.degraded ? "degraded" : "ok", "polling", st.busy,
		    "failures", st.failures, "polls", (json_int_t)st.polls,
		    "requests", (json_int_t)st.requests,
		    "last_poll_requests", (json_int_t)st.last_requests,
		    "last_poll_new", (json_int_t)st.last_new,
		    "followers", (json_int_t)st.followers);
		json_object_set_new(o, "unreadable_followers",
		    json_integer((json_int_t)st.unreadable));
		if (st.stored >= 0) {
			json_object_set_new(o, "followers_stored", json_integer(st.stored));
			json_object_set_new(o, "followers_mismatch",
			    json_boolean(st.count_mismatch));
		}
		if (st.refusals > 0) {
			json_object_set_new(o, "login_refusals", json_integer(st.refusals));
			json_object_set_new(o, "next_login",
			    json_string(time_format_rfc3339(st.login_retry, t1)));
		}
		if (st.last_poll > 0)
			json_object_set_new(o, "last_poll",
			    json_string(time_format_rfc3339(st.last_poll, t1)));
		if (st.next_poll > 0)
			json_object_set_new(o, "next_poll",
			    json_string(time_format_rfc3339(st.next_poll, t2)));
		if (st.rl.known) {
			rl = json_pack("{s:I, s:I, s:s}", "limit", (json_int_t)st.rl.limit,
			    "remaining", (json_int_t)st.rl.remaining, "reset",
			    time_format_rfc3339(st.rl.reset, t1));
			json_object_set_new(o, "rate_limit", rl);
		}
		if (st.login_rl.known) {
			rl = json_pack("{s:I, s:I, s:s}", "limit", (json_int_t)st.login_rl.limit,
			    "remaining", (json_int_t)st.login_rl.remaining, "reset",
			    time_format_rfc3339(st.login_rl.reset, t1));
			json_object_set_new(o, "login_rate_limit", rl);
		}
		if (st.last_error[0] != '\0')
			json_object_set_new(o, "last_error", json_string(st.last_error));
		json_array_append_new(arr, o);
	}
	return json_pack("{s:o, s:I}", "watches", arr, "spikes", (json_int_t)d->spikes);
}

/*
 * Access on the control socket (control.h): members of the socket's group may look and stop —
 * status, poll-now, purge --status, purge --cancel; removing or restoring followers takes root
 * or the daemon's own user, who alone can read the store a plan is drawn from (and so know the
 * plan hash a purge request must carry).
 */
static int
operator_only(const char *cmd)
{
	return strcmp(cmd, "purge") == 0 || strcmp(cmd, "unpurge") == 0;
}

static json_t *
on_control(void *arg, const struct control_peer *peer, const char *cmd, const json_t *req,
    char *err, size_t errlen)
{
	struct daemon *d = arg;
	const char *w;
	int rc;

	if (operator_only(cmd) && peer->access != CONTROL_OPERATOR) {
		snprintf(err, errlen, "%s: permission denied: only root or the daemon's user may "
		    "remove or restore followers; the control socket's group may use status, "
		    "poll-now, purge --status and purge --cancel", cmd);
		return NULL;
	}
	if (operator_only(cmd) || strcmp(cmd, "purge-cancel") == 0)
		log_info("control: %s requested by uid %lu (pid %ld)", cmd,
		    (unsigned long)peer->uid, (long)peer->pid);

	if (strcmp(cmd, "status") == 0)
		return status_json(d);
	if (strcmp(cmd, "poll-now") == 0) {
		w = json_string_value(json_object_get(req, "watch"));
		if (w == NULL || (rc = poller_poll_now(d->poller, w)) == -1) {
			snprintf(err, errlen, "poll-now: no such watch");
			return NULL;
		}
		if (rc == 1) {
			snprintf(err, errlen, "poll-now: watch %.64s: its login was refused; the next "
			    "attempt waits (see followguard status); put a new secret into its "
			    "token_file and reload the daemon to try at once", w);
			return NULL;
		}
		return json_object();
	}
	if (strcmp(cmd, "purge") == 0)
		return purger_start(d->purger, req, err, errlen);
	if (strcmp(cmd, "purge-status") == 0)
		return purger_status(d->purger, req, err, errlen);
	if (strcmp(cmd, "purge-cancel") == 0)
		return purger_cancel(d->purger, req, err, errlen);
	if (strcmp(cmd, "unpurge") == 0)
		return purger_unpurge(d->purger, req, err, errlen);
	snprintf(err, errlen, "unknown command \"%.40s\"", cmd);
	return NULL;
}

/*
 * --demo: the embedded platform, and a configuration that watches it from a temporary state
 * directory, polling every 10 s. Returns 0, or -1 (logged).
 */
static int
demo_setup(struct daemon *d)
{
	struct fg_watch_conf *w;
	struct demo_opts o;
	char err[512], path[512];
	FILE *f;
	int fd;

	snprintf(d->demo_dir, sizeof(d->demo_dir), "%s/followguard-demo.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(d->demo_dir) == NULL) {
		log_warn("mkdtemp %s", d->demo_dir);
		return -1;
	}
	demo_defaults(&o);
	if ((d->demo = demo_start(d->base, &o, err, sizeof(err))) == NULL) {
		log_warnx("demo: %s", err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/token", d->demo_dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	fputs(demo_token(d->demo), f);
	fclose(f);
	free(d->cfg.state_dir);
	free(d->cfg.control_socket);
	d->cfg.state_dir = xstrdup(d->demo_dir);
	snprintf(path, sizeof(path), "%s/followguard.sock", d->demo_dir);
	d->cfg.control_socket = xstrdup(path);
	d->cfg.poll_interval = 10;
	d->cfg.watches = xcalloc(1, sizeof(*d->cfg.watches));
	d->cfg.nwatches = 1;
	w = &d->cfg.watches[0];
	w->name = xstrdup("demo");
	w->provider = xstrdup("mastodon");
	w->base_url = xstrdup(demo_base_url(d->demo));
	w->account = xstrdup(demo_account(d->demo));
	snprintf(path, sizeof(path), "%s/token", d->demo_dir);
	w->token_file = xstrdup(path);
	printf("followguardd demo: a simulated Mastodon on %s with %lld followers; a purchased "
	    "burst of %lld accounts starts after %.0f s.\nPolling every 10 s for %lld s; spikes "
	    "are printed below (Ctrl-C to stop).\n\n", demo_base_url(d->demo),
	    (long long)o.audience, (long long)(o.audience / 4), o.purchase_after,
	    (long long)d->demo_seconds);
	fflush(stdout);
	return 0;
}

static void
demo_cleanup(struct daemon *d)
{
	static const char *const files[] = { "data.mdb", "lock.mdb", "token",
	    "followguard.sock", FG_STORE_LOCKFILE };
	char path[512];
	size_t i;

	demo_free(d->demo);
	if (d->demo_dir[0] == '\0')
		return;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", d->demo_dir, files[i]);
		unlink(path);
	}
	rmdir(d->demo_dir);
}

static void
on_demo_end(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	printf("\nfollowguardd demo: %llu spike reports in %lld s; done.\n",
	    (unsigned long long)d->spikes, (long long)d->demo_seconds);
	http_cancel_all(d->http);
	event_base_loopexit(d->base, NULL);
}

/* The listeners' caps within RLIMIT_NOFILE, FD_RESERVE kept back. */
static void
listener_caps(int *control, int *metrics)
{
	struct rlimit rl;
	long spare;

	*control = CONTROL_CONNS_MAX;
	*metrics = METRICS_CONNS_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return;
	spare = (long)rl.rlim_cur - FD_RESERVE;
	if (spare >= CONTROL_CONNS_MAX + METRICS_CONNS_MAX)
		return;
	/* A tight limit: the control socket keeps two thirds of what is left. */
	*control = spare * 2 / 3 > 1 ? (int)(spare * 2 / 3) : 1;
	*metrics = spare / 3 > 1 ? (int)(spare / 3) : 1;
	log_warnx("only %llu descriptors allowed (RLIMIT_NOFILE): at most %d control and %d "
	    "metrics connections; raise the limit (LimitNOFILE=)",
	    (unsigned long long)rl.rlim_cur, *control, *metrics);
}

static int
run(struct daemon *d)
{
	struct fg_policy policy;
	struct poller_io io;
	struct poller_hooks hooks;
	struct http_opts hopts;
	struct timeval tv;
	char err[1024];
	int64_t wd;
	int control_max, metrics_max, rc = 0;

	memset(&hopts, 0, sizeof(hopts));
	hopts.ca_file = d->cfg.ca_file;
	if ((d->base = event_base_new()) == NULL ||
	    (d->http = http_new(d->base, &hopts)) == NULL)
		fatalx("cannot set up the event loop or libcurl");
	d->clock = clock_real(d->base);
	if (d->demo_mode && demo_setup(d) == -1)
		return 1;
	if (model_load(&d->model, d->cfg.model, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return 1;
	}
	/* Before anything touches the directory: a second daemon leaves it, and the socket, be. */
	if (store_lock(d->cfg.state_dir, &d->lock_fd, err, sizeof(err)) == -1) {
		log_warnx("%s; not starting", err);
		return 1;
	}
	if (store_open(&d->store, d->cfg.state_dir, 0, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return 1;
	}
	policy_from(&d->cfg, &policy);
	d->pl = pipeline_new(d->store, &d->model, &policy, NULL);
	pipeline_set_recorder(d->pl, on_record, d);
	d->deliver = deliver_new(d->clock, d->http, d->store, &d->cfg);
	if (d->demo_mode) {
		struct timeval end = { (time_t)d->demo_seconds, 0 };

		d->demo_end = evtimer_new(d->base, on_demo_end, d);
		evtimer_add(d->demo_end, &end);
	}
	io.send = send_adapter;
	io.ctx = d->http;
	d->poller = poller_new(d->clock, d->pl, &io, on_report, d);
	hooks.degraded = on_degraded;
	hooks.stored_following = stored_following;
	hooks.arg = d;
	poller_set_hooks(d->poller, &hooks);
	d->purger = purger_new(d->clock, d->poller, d->store, &d->cfg);
	listener_caps(&control_max, &metrics_max);
	d->control = control_open(d->base, d->cfg.control_socket, control_max, on_control, d);
	if (d->control == NULL) {
		/* Unreachable, it could not be asked for status nor to cancel a purge. */
		log_warnx("no control socket; not starting");
		rc = 1;
		goto stop;
	}
	if (d->cfg.metrics_listen != NULL &&
	    (d->metrics = metrics_open(d->base, d->cfg.metrics_listen, metrics_max, on_metrics,
	    d)) == NULL)
		log_warnx("running without metrics");
	d->ev_hup = evsignal_new(d->base, SIGHUP, on_signal, d);
	d->ev_term = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->ev_int = evsignal_new(d->base, SIGINT, on_signal, d);
	evsignal_add(d->ev_hup, NULL);
	evsignal_add(d->ev_term, NULL);
	evsignal_add(d->ev_int, NULL);
	if ((wd = sdnotify_watchdog_usec()) > 0) {
		d->watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
		tv.tv_sec = (time_t)(wd / 2 / 1000000);
		tv.tv_usec = (suseconds_t)(wd / 2 % 1000000);
		event_add(d->watchdog, &tv);
	}
	watches_add(d, &d->cfg);
	purger_sync(d->purger);
	log_warnx("started: %zu watches, state in %s", poller_count(d->poller), d->cfg.state_dir);
	sdnotify("READY=1");
	sdnotify_status("watching %zu accounts", poller_count(d->poller));
	event_base_dispatch(d->base);

	if (d->watchdog != NULL)
		event_free(d->watchdog);
	event_free(d->ev_hup);
	event_free(d->ev_term);
	event_free(d->ev_int);
stop:
	control_close(d->control);
	metrics_close(d->metrics);
	if (d->demo_end != NULL)
		event_free(d->demo_end);
	deliver_free(d->deliver);
	purger_free(d->purger);
	http_free(d->http);
	poller_free(d->poller);
	pipeline_free(d->pl);
	store_close(d->store);
	close(d->lock_fd);
	if (d->demo_mode)
		demo_cleanup(d);	/* its server lives on the loop: before the base goes */
	clock_free(d->clock);
	event_base_free(d->base);
	if (rc == 0)
		log_warnx("stopped");
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "demo", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct daemon d;
	const char *explicit_path = NULL;
	int c, check = 0, verbose = 0, rc;

	(void)prctl(PR_SET_DUMPABLE, 0);	/* no core dump, no ptrace: it holds tokens */
	memset(&d, 0, sizeof(d));
	d.lock_fd = -1;
	while ((c = getopt_long(argc, argv, "c:fvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			explicit_path = optarg;
			break;
		case 'f':
			break;	/* always in the foreground: systemd and the terminal both want it */
		case 'v':
			verbose++;
			break;
		case 'C':
			check = 1;
			break;
		case 'D':
			d.demo_mode = 1;
			d.demo_seconds = 120;
			break;
		default:
			usage();
		}
	}
	if (check && optind < argc)
		explicit_path = argv[optind++];
	if (d.demo_mode && optind < argc) {
		char *end;

		d.demo_seconds = strtoll(argv[optind++], &end, 10);
		if (*end != '\0' || d.demo_seconds < 1)
			usage();
	}
	if (optind != argc)
		usage();
	log_init("followguardd", verbose);
	signal(SIGPIPE, SIG_IGN);
	d.cfgpath = config_path(explicit_path);
	config_defaults(&d.cfg);
	if (d.demo_mode) {
		rc = run(&d);	/* the demo brings its own configuration */
		config_free(&d.cfg);
		return rc;
	}
	if (config_load(&d.cfg, d.cfgpath) == -1) {
		config_free(&d.cfg);
		return 1;
	}
	if (check) {
		printf("%s: configuration OK (%zu watches)\n", d.cfgpath, d.cfg.nwatches);
		config_free(&d.cfg);
		return 0;
	}
	rc = run(&d);
	config_free(&d.cfg);
	return rc;
}
