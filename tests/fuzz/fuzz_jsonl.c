/*
 * Fuzzes the JSONL profile reader of the scoring commands (daemon/jsonl.c: its own read(2)
 * line framing over profile_scan). Every profile it returns must keep profile.h's promises
 * and its line must lie in the input.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "jsonl.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_profile p;
	struct jsonl r;
	size_t got = 0;
	FILE *in;

	if ((in = fdopen(fuzz_memfd(data, size), "r")) == NULL)
		fuzz_fail("fdopen failed");
	jsonl_open(&r, in, "fuzz");
	while (jsonl_next(&r, &p) == 1) {
		fuzz_check_profile(&p, "jsonl");
		if (r.len > size || memmem(data, size, r.line, r.len) == NULL)
			fuzz_fail("line %zu is not a line of the input", r.lineno);
		got++;
	}
	if (got + r.nbad > r.lineno)
		fuzz_fail("%zu profiles and %zu bad lines from %zu lines", got, r.nbad, r.lineno);
	jsonl_close(&r);
	fclose(in);
	return 0;
}
