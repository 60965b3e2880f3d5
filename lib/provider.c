/* What every platform provider shares: lookup by name, headers, status verdicts, cleanup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "provider.h"

const char *
response_header(const struct fg_response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* The platform's own error text, from {"error": ...}, {"message": ...} or problem+json. */
static void
error_text(const struct fg_response *r, char *buf, size_t len)
{
	json_t *o = json_loadb(r->body != NULL ? r->body : "", r->len, 0, NULL);
	const char *s = NULL;

	buf[0] = '\0';
	if (json_is_object(o)) {
		s = json_string_value(json_object_get(o, "message"));
		if (s == NULL)
			s = json_string_value(json_object_get(o, "detail"));
		if (s == NULL)
			s = json_string_value(json_object_get(o, "error"));
		if (s == NULL)
			s = json_string_value(json_object_get(o, "title"));
	}
	if (s != NULL)
		snprintf(buf, len, ": %.120s", s);
	json_decref(o);
}

enum fg_presult
response_classify(const struct fg_response *r, const char *what, char *err, size_t errlen)
{
	char text[160];

	if (r->status >= 200 && r->status < 300)
		return FG_P_OK;
	if (r->status == 0) {
		snprintf(err, errlen, "%s: no response", what);
		return FG_P_RETRY;
	}
	error_text(r, text, sizeof(text));
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
request_clear(struct fg_request *req)
{
	free(req->body);
	req->body = NULL;
}

void
page_free(struct fg_page *p)
{
	json_decref(p->doc);
	json_decref(p->extra);
	free(p->profiles);
	free(p->cursor);
	memset(p, 0, sizeof(*p));
}
