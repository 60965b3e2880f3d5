/*
 * Runs a harness over files without libFuzzer, for builds with another compiler: each
 * argument is an input file or a directory of them (a corpus). ctest runs every harness over
 * its seed corpus this way in the ordinary and the ASan build, so that an input that once
 * crashed, kept in the corpus, stays a regression test. Exits 0 if every input ran.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int
run_file(const char *path)
{
	FILE *f;
	uint8_t *buf;
	long n;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) == -1 ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) == -1) {
		perror(path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* One byte more, so that an empty input is a valid pointer too. */
	if ((buf = malloc((size_t)n + 1)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	struct dirent **ents;
	struct stat sb;
	char path[4096];
	int i, j, n, ran = 0, bad = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == -1) {
			perror(argv[i]);
			bad++;
			continue;
		}
		if (!S_ISDIR(sb.st_mode)) {
			bad += run_file(argv[i]) == -1;
			ran++;
			continue;
		}
		if ((n = scandir(argv[i], &ents, NULL, alphasort)) == -1) {
			perror(argv[i]);
			bad++;
			continue;
		}
		for (j = 0; j < n; j++) {
			if (ents[j]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", argv[i], ents[j]->d_name);
				bad += run_file(path) == -1;
				ran++;
			}
			free(ents[j]);
		}
		free(ents);
	}
	printf("%d inputs run, %d unreadable\n", ran, bad);
	return bad > 0 || ran == 0;
}
