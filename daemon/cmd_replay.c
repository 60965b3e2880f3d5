/* followguard replay: back-test the whole pipeline over a history file in virtual time. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "model.h"
#include "pipeline.h"
#include "replay.h"
#include "report.h"
#include "store.h"

struct output {
	FILE	*f;
	int	 text;
	double	 min_score;
	size_t	 inorganic, organic;
	/* text: what was last shown in full of the current spike */
	char	 shown_id[FG_SPIKE_ID_MAX];
	int	 shown_kind, shown_severity;
};

static void
emit(void *arg, const struct fg_report *r)
{
	struct output *o = arg;

	if (r->spike->kind == FG_SPIKE_INORGANIC)
		o->inorganic++;
	else
		o->organic++;
	if (o->text) {
		const struct fg_spike *s = r->spike;
		int first = strcmp(o->shown_id, s->id) != 0;
		int full = first || (int)s->kind != o->shown_kind ||
		    (int)s->severity != o->shown_severity || !s->open;

		/* Organic surges matter to people only when they are over: one line before. */
		if (s->kind == FG_SPIKE_ORGANIC && s->open)
			full = 0;
		if (full || first || s->kind == FG_SPIKE_INORGANIC)
			report_write_text(o->f, r, o->min_score, full);
		snprintf(o->shown_id, sizeof(o->shown_id), "%s", s->id);
		o->shown_kind = (int)s->kind;
		o->shown_severity = (int)s->severity;
	} else
		report_write_jsonl(o->f, r);
}

/* Removes the temporary environment replay made for itself. */
static void
remove_db(const char *dir)
{
	char path[4096 + 16];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	if (rmdir(dir) == -1)
		log_warn("%s", dir);
}

int
cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "model", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cfgpath = NULL, *db = NULL, *modelpath = NULL, *input;
	char tmpdir[4096], err[512];
	struct fg_config cfg;
	struct fg_model model;
	struct fg_policy policy;
	struct fg_store *store = NULL;
	struct fg_pipeline *pl;
	struct fg_replay_stats st;
	struct output out = { .f = stdout };
	FILE *in;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "c:d:f:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				out.text = 1;
			else if (strcmp(optarg, "jsonl") != 0) {
				log_warnx("--format: expected jsonl or text");
				return 2;
			}
			break;
		case 'm':
			modelpath = optarg;
			break;
		case 'h':
			printf("usage: followguard replay [-c FILE] [--db DIR] [--model FILE] "
			    "[--format jsonl|text] SCENARIO.jsonl|-\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		log_warnx("replay: expected one history file (or - for standard input)");
		return 2;
	}
	input = argv[optind];

	/* The policy comes from the configuration when there is one. */
	config_defaults(&cfg);
	if (cfgpath != NULL || getenv("FOLLOWGUARD_CONFIG") != NULL ||
	    access(FG_CONFIG_DEFAULT, R_OK) == 0) {
		if (config_load(&cfg, config_path(cfgpath)) == -1) {
			config_free(&cfg);
			return 1;
		}
	}
	if (modelpath == NULL)
		modelpath = cfg.model;
	if (model_load(&model, modelpath, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out_cfg;
	}
	policy.min_score = cfg.purge.min_score;
	policy.allowlist = cfg.purge.allowlist;
	policy.nallowlist = cfg.purge.nallowlist;
	out.min_score = policy.min_score;

	if ((in = cmd_open_input(input)) == NULL)
		goto out_cfg;
	if (db == NULL) {
		snprintf(tmpdir, sizeof(tmpdir), "%s/followguard-replay.XXXXXX",
		    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(tmpdir) == NULL) {
			log_warn("mkdtemp %s", tmpdir);
			goto out_in;
		}
	}
	if (store_open(&store, db != NULL ? db : tmpdir, FG_STORE_NOSYNC, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out_db;
	}
	pl = pipeline_new(store, &model, &policy, NULL);
	if (replay_stream(pl, in, strcmp(input, "-") == 0 ? "<stdin>" : input, emit, &out,
	    &st) == 0)
		rc = st.rejected > 0;
	pipeline_free(pl);
	store_close(store);
	if (out.text)
		printf("replayed %llu lines: %llu polls, %llu follows, %llu unfollows; "
		    "%zu inorganic and %zu organic spike reports; %llu lines rejected\n",
		    (unsigned long long)st.lines, (unsigned long long)st.polls,
		    (unsigned long long)st.follows, (unsigned long long)st.unfollows,
		    out.inorganic, out.organic, (unsigned long long)st.rejected);
	if (fflush(stdout) == EOF) {
		log_warn("stdout");
		rc = 1;
	}
out_db:
	if (db == NULL)
		remove_db(tmpdir);
out_in:
	if (in != stdin)
		fclose(in);
out_cfg:
	config_free(&cfg);
	return rc;
}
