/* followguard: the command-line tool over lib/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

static const struct command {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*usage;
} commands[] = {
	{ "score", cmd_score, "score [--model FILE] [--now RFC3339] [FILE|-]" },
	{ "explain", cmd_explain, "explain [--model FILE] [--now RFC3339] [--json] [FILE|-]" },
	{ "train", cmd_train, "train [--l2 X] [--knots N] [--exclude F,...|none] [--unconstrained] "
	    "[--weight FILE=W] LABELLED.jsonl ... > model.json" },
	{ "eval", cmd_eval, "eval [--model FILE] [--json] [--folds K | --loso] LABELLED.jsonl ..." },
	{ "simulate", cmd_simulate, "simulate [--seed N] [--days N] [--audience N] "
	    "[--events LIST] [--truth FILE] ..." },
	{ "replay", cmd_replay, "replay [-c FILE] [--db DIR] [--format jsonl|text] SCENARIO.jsonl|-" },
	{ "status", cmd_status, "status [-c FILE] [--json]" },
	{ "followers", cmd_followers, "followers WATCH [-c FILE] [--since T] [--min-score X] "
	    "[--json|--csv]" },
	{ "spikes", cmd_spikes, "spikes [WATCH] [-c FILE] [--json]" },
	{ "poll-now", cmd_poll_now, "poll-now WATCH [-c FILE]" },
	{ "alerts", cmd_alerts, "alerts [-c FILE] [--json]" },
	{ "test-alert", cmd_test_alert, "test-alert [-c FILE] [--watch WATCH]" },
	{ "purge", cmd_purge, "purge --watch W (--spike ID | --since T [--until T] "
	    "[--min-score X] | --from-file IDS) [--include-older] [--limit N] [--dry-run|--yes] "
	    "[--json] | purge --status|--cancel|--report JOB" },
	{ "unpurge", cmd_unpurge, "unpurge [-c FILE] JOB" },
	{ "allow", cmd_allow, "allow [-c FILE] [--remove] [--note TEXT] WATCH [ACCOUNT]" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: followguard COMMAND [ARGS]\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "       followguard %s\n", commands[i].usage);
}

FILE *
cmd_open_input(const char *path)
{
	FILE *f;

	if (path == NULL || strcmp(path, "-") == 0)
		return stdin;
	if ((f = fopen(path, "r")) == NULL)
		log_warn("%s", path);
	return f;
}

int
cmd_fit(const char *s, int max)
{
	int n = (int)strnlen(s, (size_t)max + 1);

	if (n <= max)
		return n;
	/* Back off continuation bytes: the cut falls before a character, not inside it. */
	while (n > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

int
main(int argc, char **argv)
{
	size_t i;

	log_init("followguard", 0);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	log_warnx("unknown command \"%s\"", argv[1]);
	usage(stderr);
	return 2;
}
