/*
 * Fuzzes replay (lib/replay.c): JSONL history events read with jsonscan and profile_scan,
 * grouped into polls and fed through the whole pipeline (store, detector, plans). Each input
 * gets a fresh store in a temporary directory, so that a crash replays alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "model.h"
#include "pipeline.h"
#include "replay.h"
#include "store.h"

static struct fg_model model;
static char dir[256];

static void
cleanup(void)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base;
	char err[256];

	(void)argc;
	(void)argv;
	fuzz_quiet();
	if (model_load(&model, NULL, err, sizeof(err)) == -1)
		fuzz_fail("model_load: %s", err);
	/*
	 * The store is synced when it closes, once per input: in memory (/dev/shm) that costs
	 * nothing, on a disk it would be most of the time.
	 */
	if ((base = getenv("TMPDIR")) == NULL)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/fg-fuzz-replay.XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		fuzz_fail("mkdtemp %s failed", dir);
	atexit(cleanup);
	return 0;
}

static void
on_report(void *arg, const struct fg_report *rep)
{
	size_t *n = arg;

	if (rep->watch == NULL || rep->spike == NULL)
		fuzz_fail("a report without its watch or spike");
	(*n)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_policy policy = { 0.5, NULL, 0 };
	struct fg_replay_stats st;
	struct fg_pipeline *pl;
	struct fg_store *store;
	char err[256], path[300];
	size_t reports = 0;
	FILE *in;

	if (store_open_sized(&store, dir, FG_STORE_NOSYNC, 1 << 20, err, sizeof(err)) == -1)
		fuzz_fail("store_open: %s", err);
	if ((in = fdopen(fuzz_memfd(data, size), "r")) == NULL)
		fuzz_fail("fdopen failed");
	pl = pipeline_new(store, &model, &policy, NULL);
	(void)replay_stream(pl, in, "fuzz", on_report, &reports, &st);
	pipeline_free(pl);
	store_close(store);
	fclose(in);
	/* The next input starts from an empty store. */
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (unlink(path) == -1 && errno != ENOENT)
		fuzz_fail("unlink %s failed", path);
	return 0;
}
