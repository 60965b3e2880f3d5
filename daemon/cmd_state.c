/*
 * followguard status, followers and spikes: reports over the daemon's state. Followers and
 * spikes are read from LMDB directly (many readers may sit beside the daemon's writer);
 * status asks the daemon over the control socket and falls back to LMDB when it is not
 * running.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "control.h"
#include "csv.h"
#include "escape.h"
#include "log.h"
#include "model.h"
#include "store.h"
#include "timeutil.h"

struct state_opts {
	const char	*cfgpath;
	int		 json, csv;
	int64_t		 since;
	double		 min_score;
};

/* Common options; returns optind or -1 on a usage error. */
static int
parse_opts(int argc, char **argv, struct state_opts *o, const char *usage)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'C' },
		{ "since", required_argument, NULL, 's' },
		{ "min-score", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->since = FG_TIME_UNKNOWN;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->cfgpath = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'C':
			o->csv = 1;
			break;
		case 's':
			if (time_parse_rfc3339(optarg, &o->since) == -1) {
				log_warnx("--since: expected an RFC 3339 time");
				return -1;
			}
			break;
		case 'm':
			o->min_score = strtod(optarg, &end);
			if (*end != '\0' || o->min_score < 0 || o->min_score > 1) {
				log_warnx("--min-score: expected a number from 0 to 1");
				return -1;
			}
			break;
		case 'h':
			printf("usage: %s\n", usage);
			exit(0);
		default:
			return -1;
		}
	}
	return optind;
}

static int
open_state(const struct state_opts *o, struct fg_config *cfg, struct fg_store **st)
{
	char err[512];

	config_defaults(cfg);
	if (config_load(cfg, config_path(o->cfgpath)) == -1)
		return -1;
	if (store_open(st, cfg->state_dir, FG_STORE_RDONLY, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

/* Followers. */

struct followers_walk {
	const struct state_opts	*o;
	const char		*watch;
	struct fg_txn		*txn;
	size_t			 n;
	struct fg_arena		 text;	/* handles of older stores, normalized */
	struct csv		 csv;	/* the row being written */
};

static void
json_str(const char *s)
{
	json_t *j = json_string(s != NULL ? s : "");

	json_dumpf(j, stdout, JSON_ENCODE_ANY);
	json_decref(j);
}

static int
follower_one(void *arg, const char *id, const struct fg_edge *e)
{
	struct followers_walk *fw = arg;
	struct fg_profile_rec rec;
	char t[FG_RFC3339_LEN], eid[ESCAPE_ROOM(FG_ID_MAX)];
	char ehandle[ESCAPE_ROOM(FG_HANDLE_MAX)];
	const char *verdict;
	int r;

	if (e->state != FG_EDGE_FOLLOWING || (fw->o->since != FG_TIME_UNKNOWN &&
	    e->first_seen < fw->o->since))
		return 0;
	if ((r = store_profile_get(fw->txn, fw->watch, id, &rec)) == -1)
		return -1;
	if (r == FG_NOTFOUND || rec.score < fw->o->min_score)
		return 0;
	verdict = verdict_name(rec.verdict);
	time_format_rfc3339(e->first_seen, t);
	/* Stored texts are normalized already (a no-op then); older stores' are made so. */
	arena_reset(&fw->text);
	if (rec.profile.handle != NULL)
		rec.profile.handle = profile_text(&fw->text, rec.profile.handle,
		    strlen(rec.profile.handle), FG_HANDLE_MAX);
	if (fw->o->json) {
		printf("%s{\"id\":", fw->n ? ",\n" : "");
		json_str(id);
		printf(",\"handle\":");
		json_str(rec.profile.handle);
		printf(",\"score\":%.4f,\"verdict\":\"%s\",\"first_seen\":\"%s\",\"initial\":%s}",
		    rec.score, verdict, t, e->initial ? "true" : "false");
	} else if (fw->o->csv) {
		csv_cell(&fw->csv, id);
		csv_cell(&fw->csv, rec.profile.handle);
		csv_cellf(&fw->csv, "%.4f", rec.score);
		csv_cellf(&fw->csv, "%s", verdict);
		csv_cellf(&fw->csv, "%s", t);
		csv_cellf(&fw->csv, "%d", e->initial);
		csv_row_end(&fw->csv);
		csv_flush(&fw->csv, stdout);
	} else {
		escape_str(eid, sizeof(eid), id);
		escape_str(ehandle, sizeof(ehandle), rec.profile.handle != NULL ?
		    rec.profile.handle : "-");
		printf("%-22s %-30.*s %6.3f %-8s %s%s\n", eid, cmd_fit(ehandle, 30), ehandle,
		    rec.score, verdict, t, e->initial ? " (initial scan)" : "");
	}
	fw->n++;
	return 0;
}

static int
followers_read(struct fg_txn *txn, void *arg)
{
	struct followers_walk *fw = arg;

	fw->txn = txn;
	return store_edges_scan(txn, fw->watch, follower_one, fw);
}

int
cmd_followers(int argc, char **argv)
{
	struct state_opts o;
	struct fg_config cfg;
	struct fg_store *st;
	struct followers_walk fw;
	int i, rc;

	if ((i = parse_opts(argc, argv, &o, "followguard followers WATCH [-c FILE] [--since T] "
	    "[--min-score X] [--json|--csv]")) == -1)
		return 2;
	if (i + 1 != argc) {
		log_warnx("followers: expected one watch name");
		return 2;
	}
	if (open_state(&o, &cfg, &st) == -1) {
		config_free(&cfg);
		return 1;
	}
	memset(&fw, 0, sizeof(fw));
	fw.o = &o;
	fw.watch = argv[i];
	if (o.json)
		printf("{\"watch\":\"%s\",\"followers\":[\n", fw.watch);
	else if (o.csv) {
		csv_header(&fw.csv, "id,handle,score,verdict,first_seen,initial");
		csv_flush(&fw.csv, stdout);
	}
	rc = store_read(st, followers_read, &fw);
	arena_free(&fw.text);
	csv_free(&fw.csv);
	if (o.json)
		printf("]}\n");
	store_close(st);
	config_free(&cfg);
	return rc != 0;
}

/* Spikes. */

struct spikes_walk {
	int		 json;
	json_t		*all;
	size_t		 n;
};

static int
spike_one(void *arg, const char *spike_id, const char *doc)
{
	struct spikes_walk *sw = arg;
	json_t *o = json_loads(doc, 0, NULL);

	(void)spike_id;
	if (o == NULL)
		return 0;
	if (sw->json)
		json_array_append(sw->all, o);
	else
		printf("%-34s %-9s %-8s %-6s %s %8lld  %3.0f%% fake\n",
		    json_string_value(json_object_get(o, "spike_id")),
		    json_string_value(json_object_get(o, "kind")),
		    json_string_value(json_object_get(o, "severity")),
		    json_string_value(json_object_get(o, "status")),
		    json_string_value(json_object_get(o, "start")),
		    (long long)json_integer_value(json_object_get(o, "new_followers")),
		    100 * json_number_value(json_object_get(o, "fake_share")));
	json_decref(o);
	sw->n++;
	return 0;
}

struct spikes_read_arg {
	struct spikes_walk	*sw;
	const char		*watch;
};

static int
spikes_read(struct fg_txn *txn, void *arg)
{
	struct spikes_read_arg *a = arg;

	return store_spikes_scan(txn, a->watch, spike_one, a->sw);
}

int
cmd_spikes(int argc, char **argv)
{
	struct state_opts o;
	struct fg_config cfg;
	struct fg_store *st;
	struct spikes_walk sw = { 0, NULL, 0 };
	struct spikes_read_arg a;
	size_t k;
	int i, rc = 0;

	if ((i = parse_opts(argc, argv, &o, "followguard spikes [WATCH] [-c FILE] [--json]")) ==
	    -1)
		return 2;
	if (i + 1 < argc) {
		log_warnx("spikes: at most one watch name");
		return 2;
	}
	if (open_state(&o, &cfg, &st) == -1) {
		config_free(&cfg);
		return 1;
	}
	sw.json = o.json;
	sw.all = json_array();
	a.sw = &sw;
	if (!o.json)
		printf("%-34s %-9s %-8s %-6s %-20s %8s  %s\n", "SPIKE", "KIND", "SEVERITY",
		    "STATUS", "START", "NEW", "FAKE");
	for (k = 0; k < cfg.nwatches && rc == 0; k++) {
		if (i < argc && strcmp(argv[i], cfg.watches[k].name) != 0)
			continue;
		a.watch = cfg.watches[k].name;
		rc = store_read(st, spikes_read, &a);
	}
	if (i < argc && config_watch(&cfg, argv[i]) == NULL) {
		a.watch = argv[i];	/* a watch no longer configured: its history stays */
		rc = store_read(st, spikes_read, &a);
	}
	if (o.json) {
		json_t *doc = json_pack("{s:o}", "spikes", sw.all);

		json_dumpf(doc, stdout, JSON_COMPACT | JSON_REAL_PRECISION(6));
		putchar('\n');
		json_decref(doc);
	} else
		json_decref(sw.all);
	store_close(st);
	config_free(&cfg);
	return rc != 0;
}

/* Alerts: the outbox and its delivery history. */

struct alerts_walk {
	int	 json;
	json_t	*all;
};

static int
alert_one(void *arg, uint64_t id, const char *text)
{
	static const char *const times[] = { "created", "expires", "next", "delivered_at",
	    "finished" };
	struct alerts_walk *aw = arg;
	char t[FG_RFC3339_LEN], detail[160];
	const char *state, *err;
	json_t *o = json_loads(text, 0, NULL), *v;
	size_t i;

	if (o == NULL)
		return 0;
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		if ((v = json_object_get(o, times[i])) != NULL && json_is_integer(v))
			json_object_set_new(o, times[i], json_string(
			    time_format_rfc3339(json_integer_value(v), t)));
	if (aw->json) {
		json_array_append_new(aw->all, o);
		return 0;
	}
	state = json_string_value(json_object_get(o, "state"));
	err = json_string_value(json_object_get(o, "error"));
	if (state != NULL && strcmp(state, "delivered") == 0)
		snprintf(detail, sizeof(detail), "at %s",
		    json_string_value(json_object_get(o, "delivered_at")));
	else if (state != NULL && strcmp(state, "digested") == 0)
		snprintf(detail, sizeof(detail), "in digest %lld",
		    (long long)json_integer_value(json_object_get(o, "digest")));
	else if (err != NULL)
		escape_str(detail, sizeof(detail), err);	/* a mail or web server's words */
	else
		detail[0] = '\0';
	printf("%6llu %-20s %-7s %-16s %-8s %-9s %3lld  %s\n", (unsigned long long)id,
	    json_string_value(json_object_get(o, "created")),
	    json_string_value(json_object_get(o, "channel")),
	    json_object_get(o, "watch") != NULL ?
	    json_string_value(json_object_get(o, "watch")) : "-",
	    json_string_value(json_object_get(o, "level")), state,
	    (long long)json_integer_value(json_object_get(o, "attempts")), detail);
	json_decref(o);
	return 0;
}

static int
alerts_read(struct fg_txn *txn, void *arg)
{
	return store_outbox_scan(txn, 1, alert_one, arg);
}

int
cmd_alerts(int argc, char **argv)
{
	struct state_opts o;
	struct fg_config cfg;
	struct fg_store *st;
	struct alerts_walk aw;
	json_t *doc;
	int i, rc;

	if ((i = parse_opts(argc, argv, &o, "followguard alerts [-c FILE] [--json]")) == -1)
		return 2;
	if (i < argc) {
		log_warnx("alerts: unexpected argument \"%s\"", argv[i]);
		return 2;
	}
	if (open_state(&o, &cfg, &st) == -1) {
		config_free(&cfg);
		return 1;
	}
	aw.json = o.json;
	aw.all = json_array();
	if (!o.json)
		printf("%6s %-20s %-7s %-16s %-8s %-9s %3s  %s\n", "ID", "CREATED", "CHANNEL",
		    "WATCH", "LEVEL", "STATE", "TRY", "DETAIL");
	rc = store_read(st, alerts_read, &aw);
	if (o.json) {
		doc = json_pack("{s:o}", "alerts", aw.all);
		json_dumpf(doc, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(doc);
	} else
		json_decref(aw.all);
	store_close(st);
	config_free(&cfg);
	return rc != 0;
}

/* Asks the daemon one thing over the control socket; the response, or NULL (logged). */
static json_t *
ask(const char *cfgpath, json_t *req)
{
	struct fg_config cfg;
	json_t *res;
	char err[512];

	config_defaults(&cfg);
	if (config_load(&cfg, config_path(cfgpath)) == -1) {
		config_free(&cfg);
		json_decref(req);
		return NULL;
	}
	res = control_call(cfg.control_socket, req, err, sizeof(err));
	json_decref(req);
	config_free(&cfg);
	if (res == NULL || !json_is_true(json_object_get(res, "ok"))) {
		log_warnx("%s", res == NULL ? err :
		    json_string_value(json_object_get(res, "error")));
		json_decref(res);
		return NULL;
	}
	return res;
}

int
cmd_poll_now(int argc, char **argv)
{
	struct state_opts o;
	json_t *res;
	int i;

	if ((i = parse_opts(argc, argv, &o, "followguard poll-now WATCH [-c FILE]")) == -1)
		return 2;
	if (i + 1 != argc) {
		log_warnx("poll-now: expected one watch name");
		return 2;
	}
	res = ask(o.cfgpath, json_pack("{s:i, s:s, s:s}", "v", FG_CONTROL_VERSION,
	    "cmd", "poll-now", "watch", argv[i]));
	json_decref(res);
	return res == NULL;
}

/* Status. */

int
cmd_status(int argc, char **argv)
{
	struct state_opts o;
	json_t *res, *w;
	size_t k;

	if (parse_opts(argc, argv, &o, "followguard status [-c FILE] [--json]") == -1)
		return 2;
	if ((res = ask(o.cfgpath, json_pack("{s:i, s:s}", "v", FG_CONTROL_VERSION, "cmd",
	    "status"))) == NULL)
		return 1;
	if (o.json) {
		json_dumpf(res, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		printf("%-16s %-9s %-8s %10s %-20s %-20s %s\n", "WATCH", "PLATFORM", "HEALTH",
		    "FOLLOWERS", "LAST POLL", "NEXT POLL", "REQUESTS (last poll / budget left)");
		json_array_foreach(json_object_get(res, "watches"), k, w) {
			json_t *rl = json_object_get(w, "rate_limit");

			printf("%-16s %-9s %-8s %10lld %-20s %-20s %lld",
			    json_string_value(json_object_get(w, "watch")),
			    json_string_value(json_object_get(w, "provider")),
			    json_string_value(json_object_get(w, "health")),
			    (long long)json_integer_value(json_object_get(w, "followers")),
			    json_object_get(w, "last_poll") != NULL ?
			    json_string_value(json_object_get(w, "last_poll")) : "never",
			    json_object_get(w, "next_poll") != NULL ?
			    json_string_value(json_object_get(w, "next_poll")) : "-",
			    (long long)json_integer_value(json_object_get(w,
			    "last_poll_requests")));
			if (rl != NULL)
				printf(" / %lld of %lld",
				    (long long)json_integer_value(json_object_get(rl, "remaining")),
				    (long long)json_integer_value(json_object_get(rl, "limit")));
			putchar('\n');
			if (json_integer_value(json_object_get(w, "unreadable_followers")) > 0)
				printf("%-16s %lld unreadable followers left out (the daemon's log "
				    "names them)\n", "", (long long)json_integer_value(
				    json_object_get(w, "unreadable_followers")));
			if (strcmp(json_string_value(json_object_get(w, "health")),
			    "degraded") == 0 && json_object_get(w, "last_error") != NULL)
				printf("%-16s degraded: %s\n", "", json_string_value(
				    json_object_get(w, "last_error")));
			if (json_is_true(json_object_get(w, "followers_mismatch")))
				printf("%-16s %lld followers stored as following, the platform "
				    "counts %lld: a reconcile pass looks\n", "",
				    (long long)json_integer_value(json_object_get(w,
				    "followers_stored")), (long long)json_integer_value(
				    json_object_get(w, "followers")));
		}
	}
	json_decref(res);
	return 0;
}
