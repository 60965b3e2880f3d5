/*
 * What every platform provider shares: lookup by name, headers, status verdicts, record keys,
 * cleanup.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "jsonin.h"
#include "log.h"
#include "provider.h"
#include "timeutil.h"
#include "xmalloc.h"

const char *
response_header(const struct fg_response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

int
response_header_int(const struct fg_response *r, const char *name, int64_t *out)
{
	const char *s = response_header(r, name);
	int64_t v = 0;
	int n = 0;

	if (s == NULL)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; isdigit((unsigned char)*s); s++, n++) {
		if (n == 18)
			return -1;
		v = v * 10 + (*s - '0');
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (n == 0 || *s != '\0')
		return -1;
	*out = v;
	return 0;
}

/* An IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 5.6.7); -1 if not one. */
static int64_t
http_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char mon[4], gmt[4];
	int d, y, h, mi, se, n = 0;
	const char *m;

	if (sscanf(s, "%*3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", &d, mon, &y, &h,
	    &mi, &se, gmt, &n) != 7 || s[n] != '\0' || strcmp(gmt, "GMT") != 0)
		return -1;
	if ((m = strstr(months, mon)) == NULL || strlen(mon) != 3 || (m - months) % 3 != 0 ||
	    d < 1 || d > 31 || y < 1970 || h > 23 || mi > 59 || se > 60)
		return -1;
	return time_days_from_civil(y, (unsigned)((m - months) / 3 + 1), (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + se;
}

int64_t
response_retry_after(const struct fg_response *r, int64_t now)
{
	const char *ra = response_header(r, "Retry-After");
	int64_t v;

	if (ra == NULL)
		return 0;
	if (response_header_int(r, "Retry-After", &v) == 0)
		return now + v;
	return (v = http_date(ra)) > 0 ? v : 0;
}

/* A character of a token: base64, base64url and URL-encoding between them. */
static int
token_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '%' || c == '+' ||
	    c == '=';
}

/* Replaces the n bytes at s with the mark (or as many '*'); the length put in their place. */
static size_t
redact_at(char *s, size_t n)
{
	static const char mark[] = "[redacted]";
	const size_t ml = sizeof(mark) - 1;

	if (n < ml) {
		memset(s, '*', n);
		return n;
	}
	memcpy(s, mark, ml);
	memmove(s + ml, s + n, strlen(s + n) + 1);
	return ml;
}

void
provider_redact(char *text, const struct fg_account *a)
{
	const char *own[3] = { NULL, NULL, NULL };
	size_t i, j, k, n;
	char *p;

	if (a != NULL) {
		own[0] = a->secret;
		own[1] = a->access_jwt;
		own[2] = a->refresh_jwt;
	}
	for (k = 0; k < 3; k++) {
		if (own[k] == NULL || (n = strlen(own[k])) == 0)
			continue;
		for (p = text; (p = strstr(p, own[k])) != NULL;)
			p += redact_at(p, n);
	}
	for (i = 0; text[i] != '\0'; i = j) {
		if (!token_char(text[i])) {
			j = i + 1;
			continue;
		}
		for (j = i; token_char(text[j]); j++)
			;
		/* A JWT: base64url of '{"', then one or two more segments after dots. */
		if (strncmp(text + i, "eyJ", 3) == 0 && text[j] == '.' && token_char(text[j + 1]))
			while (token_char(text[j]) || (text[j] == '.' && token_char(text[j + 1])))
				j++;
		else if (j - i < 32)
			continue;
		j = i + redact_at(text + i, j - i);
	}
}

void
provider_json_reason(const json_error_t *e, char *buf, size_t len)
{
	char *near;

	snprintf(buf, len, "%s", e->text);
	if ((near = strstr(buf, " near ")) != NULL)
		*near = '\0';
}

/*
 * The platform's own error text, from {"error": ...}, {"message": ...} or problem+json,
 * redacted whole before it is cut short, and escaped (escape.h): it goes on to the log, the
 * status and the purge journal, and whatever shows it shows one inert line.
 */
static void
error_text(const struct fg_response *r, const struct fg_account *a, char *buf, size_t len)
{
	json_t *o = json_loadb(r->body != NULL ? r->body : "", r->len, FG_JSON_IN, NULL);
	const char *s = NULL;
	char *t, esc[121];	/* at most 120 bytes, cut between characters */

	buf[0] = '\0';
	if (json_is_object(o)) {
		s = jsonin_str(json_object_get(o, "message"));
		if (s == NULL)
			s = jsonin_str(json_object_get(o, "detail"));
		if (s == NULL)
			s = jsonin_str(json_object_get(o, "error"));
		if (s == NULL)
			s = jsonin_str(json_object_get(o, "title"));
	}
	if (s != NULL) {
		t = xstrdup(s);
		provider_redact(t, a);
		snprintf(buf, len, ": %s", escape_str(esc, sizeof(esc), t));
		explicit_bzero(t, strlen(t));
		free(t);
	}
	json_decref(o);
}

enum fg_presult
response_classify(const struct fg_response *r, const struct fg_account *a, const char *what,
    char *err, size_t errlen)
{
	char text[160];

	if (r->status >= 200 && r->status < 300)
		return FG_P_OK;
	if (r->status == 0) {
		snprintf(err, errlen, "%s: no response", what);
		return FG_P_RETRY;
	}
	error_text(r, a, text, sizeof(text));
	snprintf(err, errlen, "%s: HTTP %ld%s", what, r->status, text);
	if (r->status == 401)
		return FG_P_AUTH;
	if (r->status == 429)
		return FG_P_RATELIMITED;
	if (r->status >= 500)
		return FG_P_RETRY;
	return FG_P_FATAL;
}

void
provider_tid(int64_t micros, unsigned clock_id, char out[14])
{
	static const char s32[] = "234567abcdefghijklmnopqrstuvwxyz";
	uint64_t v;
	int i;

	v = ((uint64_t)micros & ((UINT64_C(1) << 53) - 1)) << 10 | (clock_id & 1023);
	for (i = 12; i >= 0; i--) {
		out[i] = s32[v & 31];
		v >>= 5;
	}
	out[13] = '\0';
}

void
request_clear(struct fg_request *req)
{
	/* A login body holds a password. */
	if (req->body != NULL)
		explicit_bzero(req->body, strlen(req->body));
	free(req->body);
	req->body = NULL;
}

void
page_skip(struct fg_page *p, const char *id, const json_t *raw_id, const char *why)
{
	struct fg_skip *k;
	char q[80];
	size_t used;

	/* Rare: one allocation per skipped follower is fine. */
	p->skips = xreallocarray(p->skips, p->nskips + 1, sizeof(*p->skips));
	k = &p->skips[p->nskips++];
	k->id = id;
	if (json_is_string(raw_id)) {
		used = escape_text(q, sizeof(q), json_string_value(raw_id),
		    json_string_length(raw_id));
		snprintf(k->why, sizeof(k->why), "%s (id \"%s%s\")", why, q,
		    used < json_string_length(raw_id) ? "..." : "");
	} else
		snprintf(k->why, sizeof(k->why), "%s (no usable id)", why);
	provider_redact(k->why, NULL);
}

void
page_free(struct fg_page *p)
{
	json_decref(p->doc);
	json_decref(p->extra);
	arena_free(&p->text);
	free(p->profiles);
	free(p->skips);
	free(p->cursor);
	memset(p, 0, sizeof(*p));
}
