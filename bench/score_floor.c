/* bench_score_floor: the bare floor of a jansson-based scorer (bench/README.md).
 *
 * Reads JSONL on stdin line by line, parses each line with json_loadb and prints a
 * tiny object {"id":"..."} with the id taken from the parsed object. No features, no
 * model: the least work any jansson-based `followguard score` has to do per profile.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L	/* getline */
#endif
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long bad = 0;

	while ((len = getline(&line, &cap, stdin)) != -1) {
		json_error_t err;
		json_t *obj;
		const char *id;

		if (len <= 1)
			continue;
		obj = json_loadb(line, (size_t)len, 0, &err);
		if (!obj) {
			bad++;
			continue;
		}
		id = json_string_value(json_object_get(obj, "id"));
		printf("{\"id\":\"%s\"}\n", id ? id : "");
		json_decref(obj);
	}
	free(line);
	if (bad)
		fprintf(stderr, "bench_score_floor: %lu unparsable lines\n", bad);
	return ferror(stdout) ? 1 : 0;
}
