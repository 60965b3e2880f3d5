/*
 * Shared by the fuzz harnesses (docs/fuzzing.md): libFuzzer's entry point, checks of the
 * invariants the parsers promise, and quiet logging.
 *
 * A harness aborts through fuzz_fail() when a documented promise is broken (a profile text
 * with a control character, a score that is not a number), so libFuzzer reports it like a
 * crash; memory errors and undefined behaviour are caught by ASan and UBSan.
 */
#ifndef FG_FUZZ_H
#define FG_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* Writes the message to file descriptor 2 (even when stdio's stderr is muted) and aborts. */
_Noreturn void	fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * The program's warnings go to stderr for every rejected input, which would bury libFuzzer's
 * own output and slow it down: they are sent to /dev/null unless FG_FUZZ_VERBOSE is set.
 * Sanitizer reports and fuzz_fail() write to descriptor 2 and are not affected.
 */
void		fuzz_quiet(void);
/*
 * profile.h's promise for a profile a reader accepted: an id of 1 to FG_ID_MAX bytes, texts
 * that are valid UTF-8 without control characters within their bounds, counts in range,
 * and a profile_to_json() that succeeds. where names the harness in the message.
 */
void		fuzz_check_profile(const struct fg_profile *, const char *where);
/* The input as a file descriptor (an anonymous memory file) positioned at its start. */
int		fuzz_memfd(const uint8_t *data, size_t size);

#endif
