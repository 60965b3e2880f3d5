/* JSON written as it goes. See jsonout.h. */
#include <stdio.h>

#include "jsonout.h"

/* Writes s as a JSON string: quotes, backslashes and control characters escaped. */
void
jsonout_string(FILE *out, const char *s)
{
	const char *run = s;
	unsigned char c;

	putc_unlocked('"', out);
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		fwrite(run, 1, (size_t)(s - run), out);
		run = s + 1;
		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		default:
			fprintf(out, "\\u%04x", c);
			break;
		}
	}
	fwrite(run, 1, (size_t)(s - run), out);
	putc_unlocked('"', out);
}
