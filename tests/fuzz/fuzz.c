/* Helpers of the fuzz harnesses. See fuzz.h. */
#define _GNU_SOURCE	/* memfd_create */
#include <sys/mman.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz.h"
#include "utf8.h"

void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	dprintf(2, "fuzz: ");
	va_start(ap, fmt);
	vdprintf(2, fmt, ap);
	va_end(ap);
	dprintf(2, "\n");
	abort();
}

void
fuzz_quiet(void)
{
	FILE *f;

	if (getenv("FG_FUZZ_VERBOSE") != NULL)
		return;
	/* glibc's stderr is an assignable FILE *; descriptor 2 stays open for reports. */
	if ((f = fopen("/dev/null", "w")) != NULL)
		stderr = f;
}

static void
check_text(const char *s, size_t max, const char *what, const char *where)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, i, k;
	uint32_t cp;

	if (s == NULL)
		return;
	len = strlen(s);
	if (len > max)
		fuzz_fail("%s: %s is %zu bytes, more than its bound %zu", where, what, len, max);
	for (i = 0; i < len; i += k) {
		if ((k = utf8_decode(u + i, len - i, &cp)) == 0)
			fuzz_fail("%s: %s is not UTF-8 at byte %zu", where, what, i);
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			fuzz_fail("%s: %s holds control character U+%04X", where, what,
			    (unsigned)cp);
	}
}

static void
check_count(int64_t n, const char *what, const char *where)
{
	if (n != -1 && (n < 0 || n > FG_COUNT_MAX))
		fuzz_fail("%s: %s %lld out of range", where, what, (long long)n);
}

void
fuzz_check_profile(const struct fg_profile *p, const char *where)
{
	json_t *o;
	size_t len;

	if (p->id == NULL || (len = strlen(p->id)) == 0 || len > FG_ID_MAX ||
	    profile_id_check(p->id, len, NULL, 0) == -1)
		fuzz_fail("%s: a profile was accepted with an unusable id", where);
	check_text(p->handle, FG_HANDLE_MAX, "handle", where);
	check_text(p->display_name, FG_TEXT_MAX, "display_name", where);
	check_text(p->bio, FG_TEXT_MAX, "bio", where);
	check_text(p->url, FG_TEXT_MAX, "url", where);
	check_text(p->location, FG_TEXT_MAX, "location", where);
	check_count(p->followers_count, "followers_count", where);
	check_count(p->following_count, "following_count", where);
	check_count(p->posts_count, "posts_count", where);
	check_count(p->likes_count, "likes_count", where);
	check_count(p->listed_count, "listed_count", where);
	/* jansson refuses strings that are not UTF-8: a NULL here is a text the policy missed. */
	if ((o = profile_to_json(p)) == NULL)
		fuzz_fail("%s: profile_to_json failed on an accepted profile", where);
	json_decref(o);
}

int
fuzz_memfd(const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t w;
	int fd;

	if ((fd = memfd_create("fuzz-input", MFD_CLOEXEC)) == -1)
		fuzz_fail("memfd_create failed");
	while (off < size) {
		if ((w = write(fd, data + off, size - off)) <= 0)
			fuzz_fail("write to memfd failed");
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) == -1)
		fuzz_fail("lseek failed");
	return fd;
}
