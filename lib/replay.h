/*
 * Replay (docs/contracts.md 4): a recorded or simulated history of polls, read as JSONL
 * events and fed through the pipeline in virtual time.
 */
#ifndef FG_REPLAY_H
#define FG_REPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "pipeline.h"


struct fg_replay_stats {
	uint64_t	lines;
	uint64_t	rejected;
	uint64_t	follows;
	uint64_t	unfollows;
	uint64_t	polls;
	uint64_t	reports;
};

/*
 * Reads events from in (name is used in messages: "name:line: problem"), calls cb for every
 * spike report. Bad lines are reported on stderr and skipped. Returns 0, or -1 if the store
 * failed (the history is then not finished).
 */
int	replay_stream(struct fg_pipeline *, FILE *in, const char *name, fg_report_cb *cb,
	    void *arg, struct fg_replay_stats *);

#endif
