/*
 * followguard purge, unpurge and allow. The plan is drawn up here from LMDB and always
 * shown first; removing is the daemon's (one process owns the rate limits), asked over the
 * control socket with the plan's hash, so that it removes exactly what was shown or
 * nothing. Progress is read back from the daemon; the journal is read from LMDB.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "control.h"
#include "csv.h"
#include "escape.h"
#include "linereader.h"
#include "log.h"
#include "model.h"
#include "purge.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

static const char usage_purge[] =
    "followguard purge --watch W (--spike ID | --since T [--until T] [--min-score X] |\n"
    "                  --from-file IDS) [--include-older] [--limit N] [--dry-run | --yes]\n"
    "                  [--json] [-c FILE]\n"
    "       followguard purge --status JOB | --cancel JOB | --report JOB [--csv|--json]";

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* One request to the daemon: its answer, or NULL with the reason logged. */
static json_t *
daemon_call(const struct fg_config *cfg, json_t *req)
{
	json_t *res;
	char err[512];

	json_object_set_new(req, "v", json_integer(FG_CONTROL_VERSION));
	res = control_call(cfg->control_socket, req, err, sizeof(err));
	json_decref(req);
	if (res == NULL) {
		log_warnx("cannot reach followguardd: %s; nothing was removed", err);
		return NULL;
	}
	if (!json_is_true(json_object_get(res, "ok"))) {
		log_warnx("%s", json_string_value(json_object_get(res, "error")) != NULL ?
		    json_string_value(json_object_get(res, "error")) : "refused");
		json_decref(res);
		return NULL;
	}
	return res;
}

static int
parse_job(const char *s, uint64_t *job)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0) {
		log_warnx("expected a job number, not \"%s\"", s);
		return -1;
	}
	*job = v;
	return 0;
}

/* The plan, for people. */

static void
print_plan(const struct purge_plan *p, const struct purge_selector *sel, int dry)
{
	static const double edges[] = { 0.0, 0.5, 0.8, 0.9, 0.95, 1.01 };
	size_t hist[5] = { 0 }, evn[FG_EV_COUNT] = { 0 }, i, k, shown = 0;
	const struct purge_entry *e;
	char ev[160], who[ESCAPE_ROOM(FG_HANDLE_MAX)];
	int b;

	printf("Purge plan for watch %s", sel->watch);
	if (sel->spike_id != NULL)
		printf(", spike %s", sel->spike_id);
	printf(":\n  %zu followers to remove", p->planned);
	if (p->audience > 0)
		printf(" (of %" PRIu64 " followers, %.1f%%)", p->audience,
		    100.0 * (double)p->planned / (double)p->audience);
	printf("\n");
	for (k = 1; k < NSKIP; k++)
		if (p->skipped[k] > 0)
			printf("  kept: %zu %s\n", p->skipped[k], purge_skip_name((enum purge_skip)k));
	for (i = 0; i < p->n; i++) {
		e = &p->e[i];
		if (e->skip != SKIP_NONE || e->score < 0)
			continue;
		for (b = 4; b > 0 && e->score < edges[b]; b--)
			;
		hist[b]++;
		for (b = 0; b < FG_EV_COUNT; b++)
			evn[b] += (e->evidence >> b) & 1;
	}
	if (p->planned > 0) {
		printf("  scores:");
		for (b = 4; b >= 0; b--)
			printf("  %.2f-%.2f: %zu", edges[b], b == 4 ? 1.0 : edges[b + 1], hist[b]);
		printf("\n  evidence:");
		for (b = 0; b < FG_EV_COUNT; b++)
			if (evn[b] > 0)
				printf("  %s %zu", plan_evidence_name(b), evn[b]);
		printf("\n  sample:\n");
	}
	for (i = 0; i < p->n && shown < 10; i++) {
		e = &p->e[i];
		if (e->skip != SKIP_NONE)
			continue;
		printf("    %-30s %5.2f  ", escape_str(who, sizeof(who), e->handle != NULL ?
		    e->handle : e->id), e->score);
		if (e->evidence != 0)
			printf("%s; ", plan_evidence_format(e->evidence, ", ", ev, sizeof(ev)));
		for (k = 0; k < e->nreasons; k++)
			printf("%s%s", k ? ", " : "", feature_name(e->reasons[k]));
		printf("\n");
		shown++;
	}
	printf("  Accounts the watched account follows back are looked up and kept when the "
	    "purge runs.\n");
	if (dry)
		printf("Dry run: nothing was removed. To remove them, run the same command with "
		    "--yes.\n");
}

static json_t *
plan_json(const struct purge_plan *p, const struct purge_selector *sel)
{
	json_t *o, *ids = json_array(), *sample = json_array(), *kept = json_object(), *s, *r;
	const struct purge_entry *e;
	char hash[20];
	size_t i, k;
	int b;

	for (i = 0; i < p->n; i++) {
		e = &p->e[i];
		if (e->skip != SKIP_NONE)
			continue;
		json_array_append_new(ids, json_string(e->id));
		if (json_array_size(sample) >= 10)
			continue;
		r = json_array();
		for (k = 0; k < e->nreasons; k++)
			json_array_append_new(r, json_string(feature_name(e->reasons[k])));
		s = json_pack("{s:s, s:f, s:o}", "id", e->id, "score", e->score, "reasons", r);
		if (e->evidence != 0) {
			r = json_array();
			for (b = 0; b < FG_EV_COUNT; b++)
				if (e->evidence & (1u << b))
					json_array_append_new(r, json_string(plan_evidence_name(b)));
			json_object_set_new(s, "evidence", r);
		}
		if (e->handle != NULL)
			json_object_set_new(s, "handle", json_string(e->handle));
		json_array_append_new(sample, s);
	}
	for (k = 1; k < NSKIP; k++)
		if (p->skipped[k] > 0)
			json_object_set_new(kept, purge_skip_name((enum purge_skip)k),
			    json_integer((json_int_t)p->skipped[k]));
	snprintf(hash, sizeof(hash), "%016" PRIx64, p->hash);
	o = json_pack("{s:o, s:I, s:I, s:o, s:o, s:o, s:s}", "selector",
	    purge_selector_json(sel), "planned", (json_int_t)p->planned, "audience",
	    (json_int_t)p->audience, "kept", kept, "sample", sample, "ids", ids, "hash", hash);
	return o;
}

/* Following a job: a progress bar on a terminal, lines otherwise. */

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static json_int_t
jcount(const json_t *job, const char *k)
{
	return json_integer_value(json_object_get(json_object_get(job, "counts"), k));
}

static int
attach(const struct fg_config *cfg, uint64_t job, int json)
{
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	json_t *res, *st;
	char line[256], last[256] = "", err[1024];
	int tty = isatty(STDOUT_FILENO) && !json, width = 30, fill, live, rc;
	json_int_t total, done, restored;

	signal(SIGINT, on_sigint);
	for (;;) {
		res = daemon_call(cfg, json_pack("{s:s, s:I}", "cmd", "purge-status", "job",
		    (json_int_t)job));
		if (res == NULL)
			return 1;
		st = json_object_get(res, "job_status");
		live = strcmp(jstr(st, "state"), JOB_RUNNING) == 0 ||
		    strcmp(jstr(st, "state"), JOB_SCHEDULED) == 0 ||
		    json_is_true(json_object_get(st, "unpurging"));
		total = jcount(st, "planned") + jcount(st, "sending") + jcount(st, "done") +
		    jcount(st, "failed") + jcount(st, "restored");
		done = jcount(st, "done") + jcount(st, "failed") + jcount(st, "restored");
		restored = jcount(st, "restored");
		snprintf(line, sizeof(line), "%lld/%lld %s, %lld failed, %lld kept%s%s",
		    (long long)done, (long long)total, restored > 0 ? "handled" : "removed",
		    (long long)jcount(st, "failed"), (long long)jcount(st, "skipped"),
		    *jstr(st, "phase") != '\0' ? "  - " : "", jstr(st, "phase"));
		if (tty) {
			fill = total > 0 ? (int)(done * width / total) : 0;
			printf("\r[%.*s%.*s] %s\033[K", fill,
			    "##############################", width - fill,
			    "------------------------------", line);
			fflush(stdout);
		} else if (!json && strcmp(line, last) != 0) {
			printf("job %" PRIu64 ": %s\n", job, line);
			fflush(stdout);
			snprintf(last, sizeof(last), "%s", line);
		}
		if (!live) {
			if (tty)
				printf("\n");
			if (json) {
				json_dumpf(st, stdout, JSON_COMPACT);
				printf("\n");
			} else
				printf("job %" PRIu64 " %s: %lld removed, %lld failed, %lld kept%s%s%s\n",
				    job, jstr(st, "state"), (long long)jcount(st, "done"),
				    (long long)jcount(st, "failed"), (long long)jcount(st, "skipped"),
				    restored > 0 ? ", blocks lifted for the rest" : "",
				    *jstr(st, "error") != '\0' ? "; " : "",
				    escape_str(err, sizeof(err), jstr(st, "error")));
			rc = strcmp(jstr(st, "state"), JOB_DONE) == 0 &&
			    jcount(st, "failed") == 0 ? 0 : 1;
			json_decref(res);
			return rc;
		}
		json_decref(res);
		if (interrupted) {
			if (tty)
				printf("\n");
			fprintf(stderr, "detached: job %" PRIu64 " goes on in followguardd; "
			    "followguard purge --status %" PRIu64 " shows it again\n", job, job);
			return 0;
		}
		nanosleep(&ts, NULL);
	}
}

/* The journal of a job. */

struct report {
	int		 csv, json;
	json_t		*all;
	struct csv	 out;
};

static int
report_one(void *arg, uint32_t seq, const char *text)
{
	struct report *r = arg;
	json_t *o = json_loads(text, 0, NULL);
	char t[FG_RFC3339_LEN] = "", id[ESCAPE_ROOM(FG_ID_MAX)], state[64];
	char handle[ESCAPE_ROOM(FG_HANDLE_MAX)], reason[1024];

	if (o == NULL)
		return 0;
	if (json_is_integer(json_object_get(o, "t")))
		time_format_rfc3339(json_integer_value(json_object_get(o, "t")), t);
	if (r->json) {
		json_object_set_new(o, "seq", json_integer(seq));
		if (t[0] != '\0')
			json_object_set_new(o, "t", json_string(t));
		json_array_append_new(r->all, o);
		return 0;
	}
	if (r->csv) {
		csv_cellf(&r->out, "%u", seq);
		csv_cell(&r->out, jstr(o, "id"));
		csv_cell(&r->out, jstr(o, "handle"));
		csv_cellf(&r->out, "%.3f", json_number_value(json_object_get(o, "score")));
		csv_cell(&r->out, jstr(o, "state"));
		csv_cell(&r->out, jstr(o, "reason"));
		csv_cellf(&r->out, "%s", t);
		csv_row_end(&r->out);
		csv_flush(&r->out, stdout);
	} else {
		/* Ids, handles and the platforms' reasons are shown, never obeyed. */
		escape_str(id, sizeof(id), jstr(o, "id"));
		escape_str(handle, sizeof(handle), jstr(o, "handle"));
		escape_str(reason, sizeof(reason), jstr(o, "reason"));
		printf("%6u  %-24s %-24s %5.2f  %-9s %s\n", seq, id, handle,
		    json_number_value(json_object_get(o, "score")),
		    escape_str(state, sizeof(state), jstr(o, "state")), reason);
	}
	json_decref(o);
	return 0;
}

struct report_read {
	uint64_t	 job;
	struct report	*r;
	json_t		*jobrec;
	int		 rc;
};

static int
report_read(struct fg_txn *txn, void *arg)
{
	struct report_read *rr = arg;

	if ((rr->jobrec = purge_job_load(txn, rr->job, &rr->rc)) == NULL)
		return rr->rc == -1 ? -1 : 0;
	if (!rr->r->json && !rr->r->csv)
		printf("job %" PRIu64 ", watch %s, %s: %lld removed, %lld failed, %lld kept\n",
		    rr->job, jstr(rr->jobrec, "watch"), jstr(rr->jobrec, "state"),
		    (long long)jcount(rr->jobrec, "done"), (long long)jcount(rr->jobrec, "failed"),
		    (long long)jcount(rr->jobrec, "skipped"));
	if (rr->r->csv) {
		csv_header(&rr->r->out, "seq,id,handle,score,state,reason,time");
		csv_flush(&rr->r->out, stdout);
	}
	return store_entries_scan(txn, rr->job, 0, report_one, rr->r) == -1 ? -1 : 0;
}

static int
report(const struct fg_config *cfg, uint64_t job, int csv, int json)
{
	struct report r = { .csv = csv, .json = json, .all = json_array() };
	struct report_read rr = { job, &r, NULL, 0 };
	struct fg_store *st;
	char err[512];
	int rc;

	if (store_open(&st, cfg->state_dir, FG_STORE_RDONLY, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		json_decref(r.all);
		return 1;
	}
	rc = store_read(st, report_read, &rr);
	store_close(st);
	if (rc == 0 && rr.jobrec == NULL) {
		log_warnx("no purge job %" PRIu64, job);
		rc = 1;
	}
	if (rc == 0 && json) {
		json_object_set_new(rr.jobrec, "entries", r.all);
		r.all = NULL;
		json_dumpf(rr.jobrec, stdout, JSON_COMPACT);
		printf("\n");
	}
	json_decref(r.all);
	json_decref(rr.jobrec);
	csv_free(&r.out);
	return rc != 0;
}

/* Planning. */

static int
read_ids(const char *path, struct purge_selector *sel)
{
	struct fg_linereader lr;
	const char *line;
	char buf[300], *p;
	size_t cap = 0, len;
	long n;
	FILE *f;
	int rc = 0;

	if ((f = cmd_open_input(path)) == NULL)
		return -1;
	linereader_init(&lr, f, sizeof(buf) - 1);
	while ((n = linereader_next(&lr, &line)) != -1) {
		if (n == -2 || strlen(line) != (size_t)n) {
			log_warnx("%s:%lu: expected one account id per line", path, lr.lineno);
			rc = -1;
			continue;
		}
		memcpy(buf, line, (size_t)n + 1);
		for (p = buf; *p == ' ' || *p == '\t'; p++)
			;
		len = strlen(p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
			p[--len] = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		if (*p == '@')
			p++;
		if (sel->nids == cap) {
			cap = cap ? cap * 2 : 256;
			sel->ids = xreallocarray(sel->ids, cap, sizeof(char *));
		}
		sel->ids[sel->nids++] = xstrdup(p);
	}
	if (ferror(f)) {
		log_warnx("%s: read error", path);
		rc = -1;
	}
	if (f != stdin)
		fclose(f);
	linereader_free(&lr);
	if (rc == 0 && sel->nids == 0) {
		log_warnx("%s: no account ids", path);
		rc = -1;
	}
	if (sel->ids == NULL)
		sel->ids = xcalloc(1, sizeof(char *));
	return rc;
}

struct planning {
	const struct fg_config		*cfg;
	const struct fg_model		*model;
	const struct purge_selector	*sel;
	struct purge_plan		 plan;
	char				 err[512];
	int				 rc;
};

static int
plan_read(struct fg_txn *txn, void *arg)
{
	struct planning *pl = arg;

	pl->rc = purge_select(txn, pl->cfg, pl->model, pl->sel, &pl->plan, pl->err,
	    sizeof(pl->err));
	return pl->rc == -1 ? -1 : 0;
}

int
cmd_purge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "watch", required_argument, NULL, 'w' },
		{ "spike", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "min-score", required_argument, NULL, 'm' },
		{ "from-file", required_argument, NULL, 'f' },
		{ "include-older", no_argument, NULL, 'o' },
		{ "limit", required_argument, NULL, 'l' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'C' },
		{ "status", required_argument, NULL, 'T' },
		{ "cancel", required_argument, NULL, 'X' },
		{ "report", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct purge_selector sel;
	struct planning pl;
	struct fg_config cfg;
	struct fg_model model;
	struct fg_store *st;
	const char *cfgpath = NULL, *from_file = NULL, *watch = NULL, *jobarg = NULL;
	char err[512], *end, hash[20];
	json_t *res, *req;
	uint64_t job = 0;
	int c, yes = 0, dry = 0, json = 0, csv = 0, mode = 0, rc = 1;

	memset(&sel, 0, sizeof(sel));
	sel.since = sel.until = FG_TIME_UNKNOWN;
	sel.min_score = -1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'w':
			watch = optarg;
			break;
		case 's':
			free(sel.spike_id);
			sel.spike_id = xstrdup(optarg);
			break;
		case 'S':
		case 'U':
			if (time_parse_rfc3339(optarg, c == 'S' ? &sel.since : &sel.until) == -1) {
				log_warnx("--%s: expected an RFC 3339 time such as "
				    "2026-03-01T00:00:00Z, not \"%s\"", c == 'S' ? "since" : "until",
				    optarg);
				goto usage;
			}
			break;
		case 'm':
			sel.min_score = strtod(optarg, &end);
			if (*end != '\0' || *optarg == '\0' || sel.min_score < 0 ||
			    sel.min_score > 1) {
				log_warnx("--min-score: expected a number from 0 to 1");
				goto usage;
			}
			break;
		case 'f':
			from_file = optarg;
			break;
		case 'o':
			sel.include_older = 1;
			break;
		case 'l':
			sel.limit = strtoull(optarg, &end, 10);
			if (*end != '\0' || *optarg == '\0' || *optarg == '-' || sel.limit == 0) {
				log_warnx("--limit: expected a positive whole number");
				goto usage;
			}
			break;
		case 'n':
			dry = 1;
			break;
		case 'y':
			yes = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'C':
			csv = 1;
			break;
		case 'T':
		case 'X':
		case 'R':
			if (mode != 0) {
				log_warnx("at most one of --status, --cancel and --report");
				goto usage;
			}
			mode = c;
			jobarg = optarg;
			break;
		case 'h':
			printf("usage: %s\n", usage_purge);
			purge_selector_free(&sel);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc) {
		log_warnx("unexpected argument \"%s\"", argv[optind]);
		goto usage;
	}
	config_defaults(&cfg);
	if (config_load(&cfg, config_path(cfgpath)) == -1) {
		config_free(&cfg);
		purge_selector_free(&sel);
		return 1;
	}
	if (mode != 0) {
		if (parse_job(jobarg, &job) == -1) {
			config_free(&cfg);
			goto usage;
		}
		if (mode == 'T')
			rc = attach(&cfg, job, json);
		else if (mode == 'R')
			rc = report(&cfg, job, csv, json);
		else if ((res = daemon_call(&cfg, json_pack("{s:s, s:I}", "cmd", "purge-cancel",
		    "job", (json_int_t)job))) != NULL) {
			printf("job %" PRIu64 " cancelled; what it removed stays removed\n", job);
			json_decref(res);
			rc = 0;
		}
		config_free(&cfg);
		purge_selector_free(&sel);
		return rc;
	}
	if (watch == NULL) {
		log_warnx("--watch is required");
		config_free(&cfg);
		goto usage;
	}
	if (yes && dry) {
		log_warnx("--dry-run and --yes contradict each other");
		config_free(&cfg);
		goto usage;
	}
	if (config_watch(&cfg, watch) == NULL) {
		log_warnx("%s has no watch named \"%s\"", cfg.path, watch);
		goto out;
	}
	snprintf(sel.watch, sizeof(sel.watch), "%s", watch);
	if (from_file != NULL && read_ids(from_file, &sel) == -1)
		goto out;
	if ((sel.spike_id != NULL) + (sel.since != FG_TIME_UNKNOWN) + (sel.ids != NULL) != 1) {
		log_warnx("choose exactly one of --spike, --since and --from-file");
		config_free(&cfg);
		goto usage;
	}
	if (sel.until != FG_TIME_UNKNOWN && sel.since == FG_TIME_UNKNOWN) {
		log_warnx("--until needs --since");
		config_free(&cfg);
		goto usage;
	}
	if (sel.min_score >= 0 && sel.since == FG_TIME_UNKNOWN) {
		log_warnx("--min-score goes with --since (a spike's plan has its own)");
		config_free(&cfg);
		goto usage;
	}
	if (model_load(&model, cfg.model, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (store_open(&st, cfg.state_dir, FG_STORE_RDONLY, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	memset(&pl, 0, sizeof(pl));
	pl.cfg = &cfg;
	pl.model = &model;
	pl.sel = &sel;
	if (store_read(st, plan_read, &pl) != 0 || pl.rc != 0) {
		if (pl.rc == 1)
			log_warnx("%s", pl.err);
		store_close(st);
		goto out;
	}
	store_close(st);
	if (json && !yes) {
		res = json_pack("{s:o, s:b}", "plan", plan_json(&pl.plan, &sel), "dry_run", 1);
		json_dumpf(res, stdout, JSON_COMPACT);
		printf("\n");
		json_decref(res);
	} else if (!json)
		print_plan(&pl.plan, &sel, !yes);
	if (purge_check(&cfg, &pl.plan, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		purge_plan_free(&pl.plan);
		goto out;
	}
	if (!yes || pl.plan.planned == 0) {
		if (yes)
			printf("Nothing to remove.\n");
		purge_plan_free(&pl.plan);
		rc = 0;
		goto out;
	}
	snprintf(hash, sizeof(hash), "%016" PRIx64, pl.plan.hash);
	purge_plan_free(&pl.plan);
	req = json_pack("{s:s, s:o, s:s}", "cmd", "purge", "selector", purge_selector_json(&sel),
	    "expect", hash);
	if ((res = daemon_call(&cfg, req)) == NULL)
		goto out;
	job = (uint64_t)json_integer_value(json_object_get(res, "job"));
	json_decref(res);
	if (!json)
		printf("Purge job %" PRIu64 " started in followguardd (Ctrl-C detaches; it goes "
		    "on).\n", job);
	rc = attach(&cfg, job, json);
out:
	config_free(&cfg);
	purge_selector_free(&sel);
	return rc;
usage:
	purge_selector_free(&sel);
	fprintf(stderr, "usage: %s\n", usage_purge);
	return 2;
}

int
cmd_unpurge(int argc, char **argv)
{
	struct fg_config cfg;
	const char *cfgpath = NULL;
	json_t *res;
	uint64_t job;
	int c, rc = 1;

	while ((c = getopt(argc, argv, "c:h")) != -1) {
		if (c == 'c')
			cfgpath = optarg;
		else {
			fprintf(stderr, "usage: followguard unpurge [-c FILE] JOB\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind + 1 != argc || parse_job(argv[optind], &job) == -1) {
		fprintf(stderr, "usage: followguard unpurge [-c FILE] JOB\n");
		return 2;
	}
	config_defaults(&cfg);
	if (config_load(&cfg, config_path(cfgpath)) == -1) {
		config_free(&cfg);
		return 1;
	}
	if ((res = daemon_call(&cfg, json_pack("{s:s, s:I}", "cmd", "unpurge", "job",
	    (json_int_t)job))) != NULL) {
		json_decref(res);
		printf("Lifting the blocks of purge job %" PRIu64 "\n", job);
		rc = attach(&cfg, job, 0);
	}
	config_free(&cfg);
	return rc;
}

/* Allowlist kept in LMDB. */

static int
allowed_print(void *arg, const char *account, const char *note)
{
	(void)arg;
	printf("%s%s%s\n", account, *note != '\0' ? "  " : "", note);
	return 0;
}

struct allowing {
	const char	*watch, *account, *note;
	int		 remove, list, rc;
};

static int
allow_write(struct fg_txn *txn, void *arg)
{
	struct allowing *a = arg;

	if (a->list)
		return store_allowed_scan(txn, a->watch, allowed_print, NULL);
	if (a->remove) {
		a->rc = store_allowed_del(txn, a->watch, a->account);
		return a->rc == -1 ? -1 : 0;
	}
	return store_allowed_put(txn, a->watch, a->account, a->note);
}

int
cmd_allow(int argc, char **argv)
{
	static const char usage[] = "followguard allow [-c FILE] [--remove] [--note TEXT] WATCH "
	    "[ACCOUNT]";
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "remove", no_argument, NULL, 'r' },
		{ "note", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct allowing a = { NULL, NULL, "", 0, 0, 0 };
	struct fg_config cfg;
	struct fg_store *st;
	const char *cfgpath = NULL;
	char err[512];
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'r':
			a.remove = 1;
			break;
		case 'n':
			a.note = optarg;
			break;
		case 'h':
			printf("usage: %s\n", usage);
			return 0;
		default:
			fprintf(stderr, "usage: %s\n", usage);
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2 || (a.remove && argc - optind != 2)) {
		fprintf(stderr, "usage: %s\n", usage);
		return 2;
	}
	a.watch = argv[optind];
	a.account = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (a.account != NULL && *a.account == '@')
		a.account++;
	a.list = a.account == NULL;
	if (a.account != NULL && (*a.account == '\0' || strlen(a.account) > 255)) {
		log_warnx("expected an account id or handle");
		return 2;
	}
	config_defaults(&cfg);
	if (config_load(&cfg, config_path(cfgpath)) == -1) {
		config_free(&cfg);
		return 1;
	}
	if (config_watch(&cfg, a.watch) == NULL) {
		log_warnx("%s has no watch named \"%s\"", cfg.path, a.watch);
		config_free(&cfg);
		return 1;
	}
	if (store_open(&st, cfg.state_dir, a.list ? FG_STORE_RDONLY : 0, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		config_free(&cfg);
		return 1;
	}
	rc = a.list ? store_read(st, allow_write, &a) : store_write(st, allow_write, &a);
	store_close(st);
	if (rc == 0 && a.remove && a.rc == FG_NOTFOUND) {
		log_warnx("%s was not on the allowlist of %s", a.account, a.watch);
		rc = 1;
	} else if (rc == 0 && !a.list)
		printf("%s %s the allowlist of %s\n", a.account, a.remove ? "removed from" :
		    "added to", a.watch);
	config_free(&cfg);
	return rc != 0;
}
