/*
 * Text of the simulated history: the output buffer, JSON strings, and the hostile texts real
 * platforms serve (control characters, escapes that look wrong but are valid JSON, bios of
 * many kilobytes). Every hostile text is drawn from the account's own seed, so the same seed
 * gives the same bytes, and every line stays valid JSON. docs/simulator.md describes them.
 */
#include <stdio.h>
#include <string.h>

#include "simulate_int.h"

/* Escapes inserted into a text: the first of an account from `core`, more from `extra`. */
static const char *const core[] = {
	"\\u0000", "\\u0001", "\\u001b[31m", "\\u0085", "\\u007f",
};

static const char *const extra[] = {
	"\\u0000", "\\u0001", "\\u001b[31m", "\\u001b[0m", "\\u0085", "\xc2\x85", "\\u007f",
	"\x7f", "\\u0007", "\\b", "\\f", "\\r\\n", "\\t", "\\u009b", "\\u200b", "\\u202e",
	"\\ufeff", "\\u2028", "\\u0000\\u0000",
};

/* Filler of long texts, each a whole number of UTF-8 characters. */
static const char *const emoji[] = {
	"🔥", "💯", "🚀", "✨", "❤️", "🙏", "😂", "👉", "📈", "🌍", "🏳️‍🌈", "👩🏽‍💻",
};

static const char *const hashtags[] = {
	"#followback", "#f4f", "#l4l", "#instagood", "#photooftheday", "#love", "#tbt",
	"#crypto", "#nft", "#giveaway", "#music", "#art", "#travel", "#fitness", "#food",
};

static const char *const sentences[] = {
	"I love my family and my dog.", "Coffee first, then everything else.",
	"Living one day at a time.", "Dreamer, doer, believer.",
	"Ich mag Bücher und lange Spaziergänge.", "La vida es bella.",
	"Всё будет хорошо.", "人生は旅だ。", "Sharing what I learn on the way.",
};

void
simout_flush(struct simout *w)
{
	if (w->len > 0 && fwrite(w->buf, 1, w->len, w->f) != w->len)
		w->err = 1;
	w->len = 0;
}

size_t
sim_json_escape(char *dst, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const char *end = p + n;
	char *d = dst;
	unsigned char c;

	for (; p < end; p++) {
		c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			*d++ = '\\';
			*d++ = (char)c;
		} else if (c < 0x20) {
			memcpy(d, "\\u00", 4);
			d[4] = hex[c >> 4];
			d[5] = hex[c & 15];
			d += 6;
		} else
			*d++ = (char)c;
	}
	return (size_t)(d - dst);
}

/* The body of a JSON string, in pieces that fit the buffer. */
static void
put_escaped(struct simout *w, const char *p, size_t n)
{
	size_t k;

	while (n > 0) {
		k = n < 1024 ? n : 1024;
		while (k < n && ((unsigned char)p[k] & 0xc0) == 0x80)
			k++;	/* never split a character */
		simout_reserve(w, k * 6);
		w->len += sim_json_escape(w->buf + w->len, p, k);
		p += k;
		n -= k;
	}
}

void
simout_json(struct simout *w, const char *p)
{
	simout_mem(w, "\"", 1);
	put_escaped(w, p, strlen(p));
	simout_mem(w, "\"", 1);
}

static void
put_str(struct simout *w, const char *p)
{
	simout_mem(w, p, strlen(p));
}

void
sim_hostile_pick(struct sprof *p, uint64_t h, int newest)
{
	double u = hunif(h, 1), v = hunif(h, 2);

	p->hseed = mix64(h, 3);
	if (newest)	/* what breaks a page's parser at its top */
		p->hostile = u < 0.6 ? SIM_H_CTRL : SIM_H_LONG;
	else
		p->hostile = u < 0.55 ? SIM_H_CTRL : u < 0.8 ? SIM_H_ESCAPES : SIM_H_LONG;
	switch (p->hostile) {
	case SIM_H_CTRL:
		p->hfield = v < 0.4 ? SIM_T_NAME : v < 0.9 ? SIM_T_BIO : SIM_T_LOC;
		break;
	case SIM_H_ESCAPES:
		p->hfield = v < 0.5 ? SIM_T_NAME : SIM_T_BIO;
		break;
	default:
		p->hfield = v < 0.8 ? SIM_T_BIO : SIM_T_NAME;
		break;
	}
}

/* The text with 1-3 control characters or escape sequences at character boundaries. */
static void
text_ctrl(struct simout *w, const char *s, uint64_t seed)
{
	size_t len = strlen(s), pos[3], at = 0, x;
	int n = 1 + (int)(mix64(seed, 1) % 3), k, m;

	for (k = 0; k < n; k++) {
		pos[k] = (size_t)(mix64(seed, 2 + (uint64_t)k) % (len + 1));
		while (pos[k] < len && ((unsigned char)s[pos[k]] & 0xc0) == 0x80)
			pos[k]++;
		for (m = k; m > 0 && pos[m - 1] > pos[m]; m--) {
			x = pos[m];
			pos[m] = pos[m - 1];
			pos[m - 1] = x;
		}
	}
	simout_mem(w, "\"", 1);
	for (k = 0; k < n; k++) {
		put_escaped(w, s + at, pos[k] - at);
		at = pos[k];
		put_str(w, k == 0 ? core[mix64(seed, 10) % NELEM(core)] :
		    extra[mix64(seed, 10 + (uint64_t)k) % NELEM(extra)]);
	}
	put_escaped(w, s + at, len - at);
	simout_mem(w, "\"", 1);
}

/* One code point of valid UTF-8 at p; *n gets its length. */
static uint32_t
utf8_next(const unsigned char *p, size_t *n)
{
	if (p[0] < 0x80) {
		*n = 1;
		return p[0];
	}
	if (p[0] < 0xe0) {
		*n = 2;
		return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	}
	if (p[0] < 0xf0) {
		*n = 3;
		return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	}
	*n = 4;
	return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

static void
put_u(struct simout *w, uint32_t cp, const char *hex)
{
	char b[6] = { '\\', 'u', hex[cp >> 12 & 15], hex[cp >> 8 & 15], hex[cp >> 4 & 15],
	    hex[cp & 15] };

	simout_mem(w, b, sizeof(b));
}

/*
 * The text as some servers write it: every non-ASCII character as \uXXXX (surrogate pairs
 * beyond the BMP), "\/" for slashes, now and then an ASCII letter escaped too; hex digits in
 * upper or lower case. Valid JSON that naive readers get wrong.
 */
static void
text_escapes(struct simout *w, const char *s, uint64_t seed)
{
	const char *hex = seed & 1 ? "0123456789ABCDEF" : "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n;
	uint64_t i = 0;

	simout_mem(w, "\"", 1);
	if (seed & 2) {		/* a rocket and a space in front */
		put_u(w, 0xd83d, hex);
		put_u(w, 0xde80, hex);
		put_u(w, 0x20, hex);
	}
	for (; *p != '\0'; p += n, i++) {
		cp = utf8_next(p, &n);
		if (cp == '/')
			put_str(w, "\\/");
		else if (cp >= 0x10000) {
			put_u(w, 0xd800 + ((cp - 0x10000) >> 10), hex);
			put_u(w, 0xdc00 + ((cp - 0x10000) & 0x3ff), hex);
		} else if (cp >= 0x80 || cp < 0x20 || cp == '"' || cp == '\\' ||
		    hunif(seed, i) < 0.1)
			put_u(w, cp, hex);
		else
			simout_mem(w, (const char *)p, 1);
	}
	if (seed & 4) {		/* a heart with its variation selector */
		put_u(w, 0x2764, hex);
		put_u(w, 0xfe0f, hex);
	}
	simout_mem(w, "\"", 1);
}

/*
 * A text of many kilobytes: the account's own text, then the same sentence over and over,
 * emoji, letters buried in combining marks, hashtags, or numbered lines.
 */
static void
text_long(struct simout *w, const char *s, uint64_t seed, int field)
{
	size_t target = field == SIM_T_BIO ? 5120 + (size_t)(mix64(seed, 1) % 15361) :
	    2048 + (size_t)(mix64(seed, 1) % 10241), done = 0, n;
	const char *base = s[0] != '\0' ? s : sentences[mix64(seed, 2) % NELEM(sentences)];
	int kind = (int)(mix64(seed, 3) % 5);
	char chunk[1024];
	uint64_t i = 0;

	simout_mem(w, "\"", 1);
	put_escaped(w, s, strlen(s));
	done = strlen(s);
	while (done < target) {
		switch (kind) {
		case 0:
			/* Bios are shorter than 512 bytes: never cut. */
			n = (size_t)snprintf(chunk, sizeof(chunk), " %s", base);
			break;
		case 1:
			n = (size_t)snprintf(chunk, sizeof(chunk), "%s",
			    emoji[mix64(seed, 100 + i) % NELEM(emoji)]);
			break;
		case 2: {
			int k, m = 3 + (int)(mix64(seed, 100 + i) % 6);

			chunk[0] = "ZALGOzalgo"[i % 10];
			for (k = 0, n = 1; k < m; k++) {
				/* U+0300..U+036F, two bytes each */
				unsigned cm = 0x300 + (unsigned)(mix64(seed, 1000 + i * 8 +
				    (uint64_t)k) % 0x70);

				chunk[n++] = (char)(0xc0 | cm >> 6);
				chunk[n++] = (char)(0x80 | (cm & 0x3f));
			}
			break;
		}
		case 3:
			n = (size_t)snprintf(chunk, sizeof(chunk), "%s ",
			    hashtags[mix64(seed, 100 + i) % NELEM(hashtags)]);
			break;
		default:
			n = (size_t)snprintf(chunk, sizeof(chunk), "%llu. %s\n",
			    (unsigned long long)i + 1,
			    sentences[mix64(seed, 100 + i) % NELEM(sentences)]);
			break;
		}
		put_escaped(w, chunk, n);
		done += n;
		i++;
	}
	simout_mem(w, "\"", 1);
}

void
simout_text(struct simout *w, const char *s, const struct sprof *p, int field)
{
	if (p->hostile == SIM_H_NONE || p->hfield != field) {
		simout_json(w, s);
		return;
	}
	switch (p->hostile) {
	case SIM_H_CTRL:
		text_ctrl(w, s, p->hseed);
		break;
	case SIM_H_ESCAPES:
		text_escapes(w, s, p->hseed);
		break;
	default:
		text_long(w, s, p->hseed, field);
		break;
	}
}
