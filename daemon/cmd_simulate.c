/* followguard simulate: writes a synthetic follower history for replay, with ground truth. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "simulate.h"
#include "timeutil.h"
#include "xmalloc.h"

static void
simulate_usage(FILE *f)
{
	fprintf(f,
"usage: followguard simulate [options] > HISTORY.jsonl\n"
"\n"
"Writes a synthetic follower history of one watched account in the replay format\n"
"(one JSON event per line, in time order): the initial full scan, then every poll's\n"
"new followers (newest first), unfollows and a closing follower count. Follow events\n"
"carry ground truth: \"src\" (initial, organic, viral:N, wave:N, order:N, drip:N) and the\n"
"profile's \"label\" (fake or genuine). The same seed and options give the same bytes.\n"
"\n"
"  --seed N            random seed (default 1)\n"
"  --days N            length of the history in days (default 30)\n"
"  --audience N        followers at the start, listed by the initial scan (default 20000)\n"
"  --start RFC3339     time of the first poll (default 2026-03-01T00:00:00Z)\n"
"  --interval DURATION poll interval: 90s, 5m, 1h (default 5m)\n"
"  --watch NAME        watch name in every event (default brand)\n"
"  --events LIST       comma-separated: organic, churn, viral, purchase, drip, wave,\n"
"                      all, none (default all). Random events of each enabled kind are\n"
"                      scheduled after day 7 (30 %% into shorter histories), at least\n"
"                      one of each kind but wave unless --no-force\n"
"  --no-force          random event counts may be zero\n"
"  --order SIZE_PCT:SPEED:STYLE[@DAY]\n"
"                      inject a purchased order (repeatable): SIZE_PCT of the follower\n"
"                      count, SPEED hour|day|capped|weeks (weeks is a drip order),\n"
"                      STYLE fresh|aged|empty|copycat|lived|copied, starting DAY days\n"
"                      after the start (fractions allowed; random if omitted). Replaces\n"
"                      the random orders (or drips) and works even if the kind is not\n"
"                      in --events\n"
"  --viral SIZE_PCT[@DAY]\n"
"                      inject a viral burst (repeatable); replaces the random ones\n"
"  --wave SIZE_PCT[@DAY]\n"
"                      inject a newcomer wave (repeatable): brand-new real accounts of a\n"
"                      platform surge follow within hours; replaces the random ones\n"
"  --styles LIST       vendor styles of random orders and drips, of the padding of\n"
"                      orders and of old purchases in the audience: comma-separated\n"
"                      styles or all (default all)\n"
"  --platform NAME     fields the platform exposes: generic (default), mastodon, x,\n"
"                      bluesky\n"
"  --plain-text        no hostile text: by default 0.5 %% of the accounts have control\n"
"                      characters (\\u0000, ESC, C1), odd but valid escapes or texts of\n"
"                      5-20 KB, as real platforms serve them\n"
"  --truth FILE        write one JSON line per injected event: event, kind, start, end,\n"
"                      size, speed, style and more (see docs/simulator.md)\n"
"  -o, --output FILE   write the history to FILE instead of standard output\n"
"  -h, --help          this help\n"
"\n"
"example: followguard simulate --days 14 --order 20:hour:fresh@9.5 --truth t.jsonl > h.jsonl\n");
}

static int
parse_int(const char *opt, const char *s, long long lo, long long hi, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *v < lo || *v > hi) {
		log_warnx("%s: \"%s\" is not an integer in [%lld, %lld]", opt, s, lo, hi);
		return -1;
	}
	return 0;
}

int
cmd_simulate(int argc, char **argv)
{
	enum { O_SEED = 256, O_DAYS, O_AUDIENCE, O_START, O_INTERVAL, O_WATCH, O_EVENTS,
	    O_TRUTH, O_ORDER, O_VIRAL, O_WAVE, O_NOFORCE, O_PLATFORM, O_PLAIN,
	    O_STYLES };
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, O_SEED },
		{ "days", required_argument, NULL, O_DAYS },
		{ "audience", required_argument, NULL, O_AUDIENCE },
		{ "start", required_argument, NULL, O_START },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "watch", required_argument, NULL, O_WATCH },
		{ "events", required_argument, NULL, O_EVENTS },
		{ "truth", required_argument, NULL, O_TRUTH },
		{ "order", required_argument, NULL, O_ORDER },
		{ "viral", required_argument, NULL, O_VIRAL },
		{ "wave", required_argument, NULL, O_WAVE },
		{ "no-force", no_argument, NULL, O_NOFORCE },
		{ "platform", required_argument, NULL, O_PLATFORM },
		{ "plain-text", no_argument, NULL, O_PLAIN },
		{ "styles", required_argument, NULL, O_STYLES },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fg_sim_opts o;
	struct fg_sim_inject *inj = NULL;
	size_t ninj = 0;
	const char *truth = NULL, *output = NULL;
	char err[256];
	long long v;
	int64_t secs;
	FILE *out = stdout, *tf = NULL;
	int ch, rc = 1;

	simulate_defaults(&o);
	optind = 0;	/* glibc: a full reset, argv is ours from argv[0] = "simulate" */
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case O_SEED:
			if (parse_int("--seed", optarg, 0, LLONG_MAX, &v) == -1)
				goto usage;
			o.seed = (uint64_t)v;
			break;
		case O_DAYS:
			if (parse_int("--days", optarg, 0, 3650, &v) == -1)
				goto usage;
			o.days = (int)v;
			break;
		case O_AUDIENCE:
			if (parse_int("--audience", optarg, 0, 1000000000, &v) == -1)
				goto usage;
			o.audience = v;
			break;
		case O_START:
			if (time_parse_rfc3339(optarg, &o.start) == -1) {
				log_warnx("--start: \"%s\" is not an RFC 3339 time", optarg);
				goto usage;
			}
			break;
		case O_INTERVAL:
			if (time_parse_duration(optarg, &secs) == -1 || secs <= 0 ||
			    secs > 86400) {
				log_warnx("--interval: \"%s\" is not a duration from 1s to 1d",
				    optarg);
				goto usage;
			}
			o.poll_interval = (int)secs;
			break;
		case O_WATCH:
			if (*optarg == '\0') {
				log_warnx("--watch: empty name");
				goto usage;
			}
			o.watch = optarg;
			break;
		case O_EVENTS:
			if (simulate_parse_events(optarg, &o.events, err, sizeof(err)) == -1) {
				log_warnx("--events: %s", err);
				goto usage;
			}
			break;
		case O_NOFORCE:
			o.force = 0;
			break;
		case O_TRUTH:
			truth = optarg;
			break;
		case O_ORDER:
		case O_VIRAL:
		case O_WAVE:
			inj = xreallocarray(inj, ninj + 1, sizeof(*inj));
			if ((ch == O_ORDER ? simulate_parse_order : ch == O_VIRAL ?
			    simulate_parse_viral : simulate_parse_wave)(optarg, &inj[ninj], err,
			    sizeof(err)) == -1) {
				log_warnx("%s: %s", ch == O_ORDER ? "--order" : ch == O_VIRAL ?
				    "--viral" : "--wave", err);
				goto usage;
			}
			ninj++;
			break;
		case O_PLATFORM:
			if (simulate_parse_platform(optarg, &o.platform) == -1) {
				log_warnx("--platform: \"%s\" is not generic, mastodon, x or "
				    "bluesky", optarg);
				goto usage;
			}
			break;
		case O_PLAIN:
			o.plain_text = 1;
			break;
		case O_STYLES:
			if (simulate_parse_styles(optarg, &o.styles, err, sizeof(err)) == -1) {
				log_warnx("--styles: %s", err);
				goto usage;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			simulate_usage(stdout);
			free(inj);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc) {
		log_warnx("unexpected argument \"%s\"", argv[optind]);
		goto usage;
	}
	o.inject = inj;
	o.ninject = ninj;
	if (output != NULL && strcmp(output, "-") != 0 && (out = fopen(output, "w")) == NULL) {
		log_warn("%s", output);
		goto done;
	}
	if (truth != NULL && (tf = fopen(truth, "w")) == NULL) {
		log_warn("%s", truth);
		goto done;
	}
	o.truth = tf;
	/* Large writes: the simulator produces hundreds of megabytes for benchmarks. */
	if (out == stdout)
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	rc = simulate_run(&o, out) == 0 ? 0 : 1;
done:
	if (tf != NULL && fclose(tf) == EOF) {
		log_warn("%s", truth);
		rc = 1;
	}
	if (out != stdout && out != NULL && fclose(out) == EOF) {
		log_warn("%s", output);
		rc = 1;
	}
	free(inj);
	return rc;
usage:
	free(inj);
	fprintf(stderr, "run \"followguard simulate --help\" for the options\n");
	return 2;
}
