/* The one way text from outside is shown to people (escape.h, docs/text.md). */
#include <stdint.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"

/* Whether the character cp is shown as it is. */
static int
shown(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
		return 0;
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return 1;
}

size_t
escape_text(char *out, size_t outlen, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, k, j;
	uint32_t cp;

	if (outlen == 0)
		return 0;
	while (i < len) {
		k = utf8_decode(u + i, len - i, &cp);
		if (k > 0 && shown(cp)) {
			if (o + k >= outlen)
				break;
			memcpy(out + o, u + i, k);
			o += k;
			i += k;
			continue;
		}
		/* A control or a byte that starts no character: each byte as \xNN. */
		if (k == 0)
			k = 1;
		if (o + 4 * k >= outlen)
			break;
		for (j = 0; j < k; j++, o += 4) {
			out[o] = '\\';
			out[o + 1] = 'x';
			out[o + 2] = hex[u[i + j] >> 4];
			out[o + 3] = hex[u[i + j] & 15];
		}
		i += k;
	}
	out[o] = '\0';
	return i;
}

const char *
escape_str(char *out, size_t outlen, const char *s)
{
	if (s == NULL)
		s = "";
	escape_text(out, outlen, s, strlen(s));
	return out;
}
