/*
 * Fuzzes the control socket's request reader (control_parse in daemon/control.c) with one
 * request line, and the purge selector a "purge" request carries (purge_selector_from in
 * lib/purge.c). A selector that was accepted is kept in the job record as JSON and read back
 * when the daemon restarts: that round trip must succeed.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "control.h"
#include "fuzz.h"
#include "purge.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

static void
selector(const json_t *req)
{
	struct purge_selector sel, back;
	json_t *o;
	char err[256];

	memset(&sel, 0, sizeof(sel));
	if (purge_selector_from(json_object_get(req, "selector"), &sel, err, sizeof(err)) == -1)
		return;
	if ((o = purge_selector_json(&sel)) == NULL)
		fuzz_fail("an accepted selector cannot be written as JSON");
	memset(&back, 0, sizeof(back));
	if (purge_selector_from(o, &back, err, sizeof(err)) == -1)
		fuzz_fail("an accepted selector, written, is refused: %s", err);
	if (strcmp(sel.watch, back.watch) != 0 || sel.nids != back.nids ||
	    sel.since != back.since || sel.until != back.until || sel.limit != back.limit ||
	    sel.include_older != back.include_older)
		fuzz_fail("a selector changed through its JSON");
	purge_selector_free(&back);
	json_decref(o);
	purge_selector_free(&sel);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *cmd = NULL;
	json_t *req;
	char err[256], *s;

	if ((req = control_parse((const char *)data, size, &cmd, err, sizeof(err))) == NULL) {
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
			fuzz_fail("a refused request without a reason");
		return 0;
	}
	if (cmd == NULL)
		fuzz_fail("an accepted request without its command");
	if (strcmp(cmd, "purge") == 0)
		selector(req);
	/* The daemon's answers quote parts of the request; it must still serialize. */
	if ((s = json_dumps(req, JSON_COMPACT)) == NULL)
		fuzz_fail("an accepted request cannot be written back");
	free(s);
	json_decref(req);
	return 0;
}
