/* UTF-8 decoding shared by the readers of outside text. */
#ifndef FG_UTF8_H
#define FG_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The length of the well-formed UTF-8 sequence at s (n > 0 bytes left), its code point in
 * *cp; 0 if s does not start one (a stray continuation byte, an overlong form, a surrogate,
 * beyond U+10FFFF, or cut short). ASCII is a sequence of length 1.
 */
static inline size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], v;
	size_t k, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2 || c > 0xf4)
		return 0;
	k = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (n < k)
		return 0;
	v = c & (0x7fu >> k);
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && v < 0x800) || (v >= 0xd800 && v <= 0xdfff) ||
	    (k == 4 && (v < 0x10000 || v > 0x10ffff)))
		return 0;
	*cp = v;
	return k;
}

#endif
