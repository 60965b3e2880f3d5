/* Configuration loader: YAML (libyaml document API) checked against a table-driven schema. */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#define CONFIG_MAX_SIZE		(1024 * 1024)	/* a config bigger than this is a mistake */
#define CONFIG_MAX_FIELDS	16
#define CONFIG_NAME_MAX		64
#define CONFIG_DURATION_MAX	(366 * 86400)	/* keeps time arithmetic far from overflow */
#define CONFIG_KEY_MAX		256

enum ftype {
	F_STR,		/* scalar string */
	F_DURATION,	/* time_parse_duration, bounded by min/max */
	F_BOOL,
	F_UNIT,		/* number in [0, 1] */
	F_COUNT,	/* whole number, bounded by min/max */
	F_STRLIST,	/* sequence of strings, or a single string */
	F_MAP,		/* nested mapping described by sub */
	F_WATCHES	/* the watch sequence */
};

/* Field flags. */
#define F_REQUIRED	0x01	/* must be present when its mapping is */
#define F_NULLABLE	0x02	/* "key:" or "key: null" unsets it */
#define F_TRIMSLASH	0x04	/* URLs: drop trailing slashes so paths can be appended */
#define F_STRIPAT	0x08	/* handles: "@alice" and "alice" mean the same account */

struct field {
	const char		*name;
	enum ftype		 type;
	size_t			 off;		/* into the object being filled */
	size_t			 countoff;	/* F_STRLIST: where the count goes */
	int			 flags;
	const char		*expect;	/* completes "expected ..." */
	/* NULL if acceptable, "" for the generic message, or a specific reason. */
	const char		*(*check)(const char *);
	const struct field	*sub;		/* F_MAP */
	int64_t			 min, max;	/* F_DURATION */
};

struct loader {
	const char		*path;
	yaml_document_t		*doc;
	struct fg_config	*cfg;
	int			 nerr;
};

static const char	*check_nonempty(const char *);
static const char	*check_name(const char *);
static const char	*check_provider(const char *);
static const char	*check_base_url(const char *);
static const char	*check_http_url(const char *);
static const char	*check_smtp_url(const char *);
static const char	*check_email(const char *);
static const char	*check_use_ssl(const char *);
static const char	*check_listen(const char *);
static const char	*check_socket(const char *);

#define CFG(m)	offsetof(struct fg_config, m)
#define WCF(m)	offsetof(struct fg_watch_conf, m)

static const struct field watch_fields[] = {
	{ "name", F_STR, WCF(name), 0, F_REQUIRED,
	    "1 to 64 characters from A-Z a-z 0-9 _ . -", check_name, NULL, 0, 0 },
	{ "provider", F_STR, WCF(provider), 0, F_REQUIRED,
	    "one of mastodon, bluesky, x", check_provider, NULL, 0, 0 },
	{ "base_url", F_STR, WCF(base_url), 0, F_REQUIRED | F_TRIMSLASH,
	    "the API root as an https:// URL (http:// only for loopback hosts)",
	    check_base_url, NULL, 0, 0 },
	{ "account", F_STR, WCF(account), 0, F_REQUIRED | F_STRIPAT,
	    "the handle or id of the watched account", check_nonempty, NULL, 0, 0 },
	{ "token_file", F_STR, WCF(token_file), 0, F_NULLABLE,
	    "the path of a file holding the access token", check_nonempty, NULL, 0, 0 },
	{ "alert_to", F_STRLIST, WCF(alert_to), WCF(nalert_to), 0,
	    "an email address or a list of them", check_email, NULL, 0, 0 },
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0 }
};

static const struct field email_fields[] = {
	{ "smtp_url", F_STR, CFG(email.smtp_url), 0, F_REQUIRED,
	    "an smtp:// or smtps:// URL", check_smtp_url, NULL, 0, 0 },
	{ "from", F_STR, CFG(email.from), 0, F_REQUIRED,
	    "an email address", check_email, NULL, 0, 0 },
	{ "to", F_STRLIST, CFG(email.to), CFG(email.nto), F_REQUIRED,
	    "an email address or a list of them", check_email, NULL, 0, 0 },
	{ "user", F_STR, CFG(email.user), 0, F_NULLABLE,
	    "the SMTP AUTH user name", check_nonempty, NULL, 0, 0 },
	{ "password_file", F_STR, CFG(email.password_file), 0, F_NULLABLE,
	    "the path of a file holding the SMTP password", check_nonempty, NULL, 0, 0 },
	{ "use_ssl", F_STR, CFG(email.use_ssl), 0, 0,
	    "try or require", check_use_ssl, NULL, 0, 0 },
	{ "allow_plaintext_auth", F_BOOL, CFG(email.allow_plaintext_auth), 0, 0,
	    "a boolean (true/false, yes/no, on/off)", NULL, NULL, 0, 0 },
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0 }
};

static const struct field webhook_fields[] = {
	{ "url", F_STR, CFG(webhook.url), 0, F_REQUIRED,
	    "an http:// or https:// URL", check_http_url, NULL, 0, 0 },
	{ "secret_file", F_STR, CFG(webhook.secret_file), 0, F_NULLABLE,
	    "the path of a file holding the signing secret", check_nonempty, NULL, 0, 0 },
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0 }
};

static const struct field alerts_fields[] = {
	{ "email", F_MAP, 0, 0, 0,
	    "a mapping with smtp_url, from and to", NULL, email_fields, 0, 0 },
	{ "webhook", F_MAP, 0, 0, 0,
	    "a mapping with url", NULL, webhook_fields, 0, 0 },
	{ "expire", F_DURATION, CFG(alerts.expire), 0, 0,
	    "a duration such as 7d (from 1m to 366d)", NULL, NULL, 60, CONFIG_DURATION_MAX },
	{ "retry", F_DURATION, CFG(alerts.retry), 0, 0,
	    "a duration such as 30s (from 1s to 1h)", NULL, NULL, 1, 3600 },
	{ "organic", F_BOOL, CFG(alerts.organic), 0, 0,
	    "a boolean (true/false, yes/no, on/off)", NULL, NULL, 0, 0 },
	{ "digest_after", F_COUNT, CFG(alerts.digest_after), 0, 0,
	    "a whole number from 1 to 1000", NULL, NULL, 1, 1000 },
	{ "digest_interval", F_DURATION, CFG(alerts.digest_interval), 0, 0,
	    "a duration such as 15m (from 1s to 1d)", NULL, NULL, 1, 86400 },
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0 }
};

static const struct field purge_fields[] = {
	{ "auto", F_BOOL, CFG(purge.auto_remove), 0, 0,
	    "a boolean (true/false, yes/no, on/off)", NULL, NULL, 0, 0 },
	{ "min_score", F_UNIT, CFG(purge.min_score), 0, 0,
	    "a number from 0 to 1", NULL, NULL, 0, 0 },
	{ "grace", F_DURATION, CFG(purge.grace), 0, 0,
	    "a duration such as 30m or 1h (a bare number means seconds; at most 366d)",
	    NULL, NULL, 0, CONFIG_DURATION_MAX },
	{ "min_fake_share", F_UNIT, CFG(purge.min_fake_share), 0, 0,
	    "a number from 0 to 1", NULL, NULL, 0, 0 },
	{ "critical_only", F_BOOL, CFG(purge.critical_only), 0, 0,
	    "a boolean (true/false, yes/no, on/off)", NULL, NULL, 0, 0 },
	{ "max_removals", F_COUNT, CFG(purge.max_removals), 0, 0,
	    "a whole number from 1 to 10000000", NULL, NULL, 1, 10000000 },
	{ "max_share", F_UNIT, CFG(purge.max_share), 0, 0,
	    "a number from 0 to 1", NULL, NULL, 0, 0 },
	{ "allowlist", F_STRLIST, CFG(purge.allowlist), CFG(purge.nallowlist), F_STRIPAT,
	    "an account id or handle, or a list of them", check_nonempty, NULL, 0, 0 },
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0 }
};

static const struct field root_fields[] = {
	{ "state_dir", F_STR, CFG(state_dir), 0, 0,
	    "a directory path", check_nonempty, NULL, 0, 0 },
	{ "control_socket", F_STR, CFG(control_socket), 0, 0,
	    "a socket path", check_socket, NULL, 0, 0 },
	{ "poll_interval", F_DURATION, CFG(poll_interval), 0, 0,
	    "a duration such as 90s, 5m or 1h (a bare number means seconds; from 1s to 366d)",
	    NULL, NULL, 1, CONFIG_DURATION_MAX },
	{ "reconcile_interval", F_DURATION, CFG(reconcile_interval), 0, 0,
	    "a duration such as 12h or 1d (from 1s to 366d)",
	    NULL, NULL, 1, CONFIG_DURATION_MAX },
	{ "metrics_listen", F_STR, CFG(metrics_listen), 0, F_NULLABLE,
	    "HOST:PORT such as 127.0.0.1:9464 or [::1]:9464, port 1-65535",
	    check_listen, NULL, 0, 0 },
	{ "model", F_STR, CFG(model), 0, F_NULLABLE,
	    "the path of a model JSON file", check_nonempty, NULL, 0, 0 },
	{ "ca_file", F_STR, CFG(ca_file), 0, F_NULLABLE,
	    "the path of a PEM file of CA certificates", check_nonempty, NULL, 0, 0 },
	{ "watch", F_WATCHES, 0, 0, 0,
	    "a list of watches, each a mapping with name, provider, base_url and account",
	    NULL, NULL, 0, 0 },
	{ "alerts", F_MAP, 0, 0, 0,
	    "a mapping with email and/or webhook", NULL, alerts_fields, 0, 0 },
	{ "purge", F_MAP, 0, 0, 0,
	    "a mapping with auto, min_score, grace, allowlist and the purge limits", NULL,
	    purge_fields, 0, 0 },
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0 }
};

void
config_defaults(struct fg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = NULL;
	cfg->state_dir = xstrdup("/var/lib/followguard");
	cfg->control_socket = xstrdup("/run/followguard/followguard.sock");
	cfg->metrics_listen = NULL;
	cfg->model = NULL;
	cfg->poll_interval = 5 * 60;
	cfg->reconcile_interval = 24 * 3600;
	cfg->purge.auto_remove = 0;
	cfg->purge.min_score = 0.8;
	cfg->purge.grace = 30 * 60;
	cfg->purge.min_fake_share = 0.5;
	cfg->purge.critical_only = 1;
	cfg->purge.max_removals = 10000;
	cfg->purge.max_share = 0.5;
	cfg->alerts.expire = 7 * 86400;
	cfg->alerts.retry = 30;
	cfg->alerts.organic = 1;
	cfg->alerts.digest_after = 5;
	cfg->alerts.digest_interval = 15 * 60;
	cfg->email.use_ssl = xstrdup("try");
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
config_free(struct fg_config *cfg)
{
	size_t i;

	free(cfg->path);
	free(cfg->state_dir);
	free(cfg->control_socket);
	free(cfg->metrics_listen);
	free(cfg->model);
	free(cfg->ca_file);
	for (i = 0; i < cfg->nwatches; i++) {
		free(cfg->watches[i].name);
		free(cfg->watches[i].provider);
		free(cfg->watches[i].base_url);
		free(cfg->watches[i].account);
		free(cfg->watches[i].token_file);
		strv_free(cfg->watches[i].alert_to, cfg->watches[i].nalert_to);
	}
	free(cfg->watches);
	free(cfg->email.smtp_url);
	free(cfg->email.from);
	strv_free(cfg->email.to, cfg->email.nto);
	free(cfg->email.user);
	free(cfg->email.password_file);
	free(cfg->email.use_ssl);
	free(cfg->webhook.url);
	free(cfg->webhook.secret_file);
	strv_free(cfg->purge.allowlist, cfg->purge.nallowlist);
	memset(cfg, 0, sizeof(*cfg));
}

const char *
config_path(const char *explicit_path)
{
	const char *env;

	if (explicit_path != NULL)
		return explicit_path;
	env = getenv("FOLLOWGUARD_CONFIG");
	if (env != NULL && *env != '\0')
		return env;
	return FG_CONFIG_DEFAULT;
}

int
config_smtp_require_tls(const struct fg_config *cfg)
{
	if (cfg->email.use_ssl != NULL && strcmp(cfg->email.use_ssl, "require") == 0)
		return 1;
	return (cfg->email.user != NULL || cfg->email.password_file != NULL) &&
	    !cfg->email.allow_plaintext_auth;
}

const struct fg_watch_conf *
config_watch(const struct fg_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nwatches; i++)
		if (cfg->watches[i].name != NULL && strcmp(cfg->watches[i].name, name) == 0)
			return &cfg->watches[i];
	return NULL;
}

/*
 * User text echoed in messages: bounded and with control bytes replaced, so that a
 * stray newline or escape sequence in the file cannot forge log lines; a URL's
 * user:password@ shown as ***@, since a message must not carry the password.
 */
static const char *
show(const char *s, char *buf, size_t len)
{
	const char *auth = strstr(s, "://"), *at = NULL, *p;
	size_t i = 0;

	if (auth != NULL) {
		auth += 3;
		for (p = auth; *p != '\0' && strchr("/?#", *p) == NULL; p++)
			if (*p == '@')
				at = p;
	}
	for (p = s; *p != '\0' && i + 4 < len; p++) {
		if (at != NULL && p == auth) {
			if (i + 7 >= len)
				break;	/* no room for "***" and "..." */
			memcpy(buf + i, "***", 3);
			i += 3;
			p = at - 1;
			continue;
		}
		buf[i++] = iscntrl((unsigned char)*p) ? '?' : *p;
	}
	if (*p != '\0') {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static void
lerr(struct loader *L, const yaml_node_t *at, const char *key, const char *fmt, ...)
    FG_PRINTF(4, 5);

static void
lerr(struct loader *L, const yaml_node_t *at, const char *key, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key != NULL && *key != '\0')
		log_warnx("%s:%zu: %s: %s", L->path, at->start_mark.line + 1, key, msg);
	else
		log_warnx("%s:%zu: %s", L->path, at->start_mark.line + 1, msg);
	L->nerr++;
}

/*
 * The dotted path of a key for messages: prefix.name, or prefix[idx] if name is NULL.
 * Absurdly deep or long paths are cut with "..." rather than overflow.
 */
static void
key_path(char *dst, size_t len, const char *prefix, const char *name, size_t idx)
{
	int n;

	if (name != NULL)
		n = snprintf(dst, len, "%s%s%s", prefix, *prefix ? "." : "", name);
	else
		n = snprintf(dst, len, "%s[%zu]", prefix, idx);
	if (n < 0 || (size_t)n >= len)
		memcpy(dst + len - 4, "...", 4);
}

static const char *
node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a scalar";
	}
}

static const char *
scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain empty, "~" or "null" scalar: YAML's null, which a quoted "null" is not. */
static int
is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = scalar(n);
	return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/*
 * A decimal number, all of it: no leading blanks, trailing garbage, hex, nan or inf,
 * which strtod alone would accept. Parsed in the C locale so that a comma locale set
 * by a caller does not make "0.8" invalid.
 */
static int
parse_number(const char *s, double *out)
{
	const char *p = s;
	char *end;
	locale_t c, old = (locale_t)0;
	double v;
	int ndig = 0;

	if (*p == '+' || *p == '-')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		ndig++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			ndig++;
	if (ndig == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p != '\0')
		return -1;

	c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (c != (locale_t)0)
		old = uselocale(c);
	errno = 0;
	v = strtod(s, &end);
	if (c != (locale_t)0) {
		uselocale(old);
		freelocale(c);
	}
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static int
port_ok(const char *p)
{
	size_t n = strspn(p, "0123456789");
	long v;

	if (n == 0 || n > 5 || p[n] != '\0')
		return 0;
	v = strtol(p, NULL, 10);
	return v >= 1 && v <= 65535;
}

static int
hostname_ok(const char *h)
{
	return *h != '\0' && h[strspn(h, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")] == '\0';
}

/*
 * Splits "host[:port]" or "[v6]:port" (hostport, modified in place) into the host
 * without brackets and the port text (NULL if none). -1 if malformed.
 */
static int
split_hostport(char *hp, char **host, char **port)
{
	struct in6_addr a6;
	char *p;

	*port = NULL;
	if (*hp == '[') {
		if ((p = strchr(hp, ']')) == NULL)
			return -1;
		*p++ = '\0';
		*host = hp + 1;
		if (inet_pton(AF_INET6, *host, &a6) != 1)
			return -1;
		if (*p == ':')
			*port = p + 1;
		else if (*p != '\0')
			return -1;
	} else {
		*host = hp;
		if ((p = strchr(hp, ':')) != NULL) {
			*p = '\0';
			*port = p + 1;
		}
		if (!hostname_ok(*host))
			return -1;
	}
	if (*port != NULL && !port_ok(*port))
		return -1;
	return 0;
}

/* Tokens go to these hosts over plain http without leaving the machine. */
static int
host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

struct url {
	char	 scheme[8];
	char	 host[256 + 1];
	int	 has_userinfo;
	int	 has_query;	/* '?' or '#' */
};

/* Parses scheme://[userinfo@]host[:port][/path][?query][#frag]; the scheme is lowercased. */
static int
url_parse(const char *s, struct url *u)
{
	const char *p, *auth, *end;
	char hp[256], *host, *port;
	size_t n;

	memset(u, 0, sizeof(*u));
	if ((p = strstr(s, "://")) == NULL || p == s || (size_t)(p - s) >= sizeof(u->scheme))
		return -1;
	for (n = 0; s + n < p; n++)
		u->scheme[n] = (char)tolower((unsigned char)s[n]);
	auth = p + 3;
	end = auth + strcspn(auth, "/?#");
	u->has_query = strpbrk(auth, "?#") != NULL;
	for (p = auth; p < end; p++)
		if (*p == '@') {
			u->has_userinfo = 1;
			auth = p + 1;
		}
	n = (size_t)(end - auth);
	if (n == 0 || n >= sizeof(hp))
		return -1;
	memcpy(hp, auth, n);
	hp[n] = '\0';
	if (strpbrk(s, " \t") != NULL || split_hostport(hp, &host, &port) == -1)
		return -1;
	snprintf(u->host, sizeof(u->host), "%s", host);
	return 0;
}

static const char *
check_nonempty(const char *v)
{
	return *v == '\0' ? "" : NULL;
}

static const char *
check_name(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > CONFIG_NAME_MAX)
		return "";
	if (v[strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")]
	    != '\0')
		return "";
	return NULL;
}

static const char *
check_provider(const char *v)
{
	if (strcmp(v, "mastodon") == 0 || strcmp(v, "bluesky") == 0 || strcmp(v, "x") == 0)
		return NULL;
	return "";
}

static const char *
check_base_url(const char *v)
{
	struct url u;

	if (url_parse(v, &u) == -1)
		return "";
	if (u.has_userinfo)
		return "credentials do not belong in base_url; put the token in token_file";
	if (u.has_query)
		return "expected the API root, without a query or fragment";
	if (strcmp(u.scheme, "https") == 0)
		return NULL;
	if (strcmp(u.scheme, "http") != 0)
		return "";
	if (!host_is_loopback(u.host))
		return "plain http:// is refused for hosts other than 127.0.0.0/8, localhost "
		    "and [::1], because the access token would travel in clear; use https://";
	return NULL;
}

/* NULL if v is a URL of one of the two schemes, else "" (the caller says what was expected). */
static const char *
check_url_scheme(const char *v, const char *a, const char *b)
{
	struct url u;

	if (url_parse(v, &u) == -1 || (strcmp(u.scheme, a) != 0 && strcmp(u.scheme, b) != 0))
		return "";
	return NULL;
}

static const char *
check_http_url(const char *v)
{
	return check_url_scheme(v, "http", "https");
}

static const char *
check_smtp_url(const char *v)
{
	struct url u;

	if (check_url_scheme(v, "smtp", "smtps") != NULL)
		return "";
	url_parse(v, &u);
	if (u.has_userinfo)
		return "credentials do not belong in smtp_url; use user and password_file";
	return NULL;
}

/* addr@domain, nothing that SMTP commands or headers would read differently. */
static int
addr_ok(const char *v, size_t n)
{
	size_t i, at = n;

	for (i = 0; i < n; i++)
		if (v[i] == '@')
			at = i;
	if (at == n || at == 0 || at == n - 1)
		return 0;
	for (i = 0; i < n; i++)
		if (v[i] <= ' ' || (unsigned char)v[i] >= 0x7f || strchr("<>,;:\"()[]\\", v[i]))
			return 0;
	return 1;
}

/* "addr@domain" or "Display Name <addr@domain>", the name in plain ASCII words. */
static const char *
check_email(const char *v)
{
	const char *lt = strchr(v, '<');
	size_t n = strlen(v), i;

	if (lt == NULL)
		return addr_ok(v, n) ? NULL : "";
	if (n < 2 || v[n - 1] != '>' || !addr_ok(lt + 1, (size_t)(v + n - 1 - (lt + 1))))
		return "";
	for (i = 0; v + i < lt; i++)
		if ((unsigned char)v[i] < ' ' || (unsigned char)v[i] >= 0x7f ||
		    strchr("<>,;:\"()[]\\@", v[i]))
			return "";
	return NULL;
}

static const char *
check_use_ssl(const char *v)
{
	return strcmp(v, "try") == 0 || strcmp(v, "require") == 0 ? NULL : "";
}

static const char *
check_listen(const char *v)
{
	char buf[300], *host, *port;

	if (strlen(v) >= sizeof(buf))
		return "";
	memcpy(buf, v, strlen(v) + 1);
	if (split_hostport(buf, &host, &port) == -1 || port == NULL)
		return "";
	return NULL;
}

static const char *
check_socket(const char *v)
{
	struct sockaddr_un sa;

	if (*v == '\0')
		return "";
	if (strlen(v) >= sizeof(sa.sun_path))
		return "expected a path shorter than 108 bytes, the limit of Unix sockets";
	return NULL;
}

/* Levenshtein distance, for "did you mean". Keys are short; longer ones just don't match. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[CONFIG_KEY_MAX];

	if (lb >= CONFIG_KEY_MAX || la >= CONFIG_KEY_MAX)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

static void
unknown_key(struct loader *L, const yaml_node_t *k, const char *key, const struct field *fields)
{
	const struct field *f, *best = NULL;
	size_t d, bestd = SIZE_MAX;
	char known[512];
	size_t len = 0;
	int n;

	known[0] = '\0';
	for (f = fields; f->name != NULL; f++) {
		d = edit_distance(scalar(k), f->name);
		if (d < bestd) {
			bestd = d;
			best = f;
		}
		n = snprintf(known + len, sizeof(known) - len, "%s%s", len == 0 ? "" : ", ",
		    f->name);
		if (n > 0)
			len += (size_t)n;
		if (len >= sizeof(known))
			len = sizeof(known) - 1;
	}
	if (best != NULL && bestd <= 2 && bestd < strlen(best->name))
		lerr(L, k, key, "unknown key; did you mean %s?", best->name);
	else
		lerr(L, k, key, "unknown key; expected one of %s", known);
}

/* A scalar as a string value, or NULL after reporting why it is not one. */
static const char *
want_string(struct loader *L, const yaml_node_t *v, const char *key, const struct field *f)
{
	char sbuf[80];
	const char *s, *why;
	size_t i;

	if (v->type != YAML_SCALAR_NODE) {
		lerr(L, v, key, "expected %s, not %s", f->expect, node_kind(v));
		return NULL;
	}
	s = scalar(v);
	if (is_null(v)) {
		lerr(L, v, key, "expected %s, got nothing", f->expect);
		return NULL;
	}
	/* Control bytes (and an escaped NUL, which would cut the string short) are never meant. */
	for (i = 0; i < v->data.scalar.length; i++)
		if (s[i] == '\0' || (iscntrl((unsigned char)s[i]) && s[i] != '\t')) {
			lerr(L, v, key, "control characters are not allowed; expected %s",
			    f->expect);
			return NULL;
		}
	if (f->check != NULL && (why = f->check(s)) != NULL) {
		if (*why == '\0')
			lerr(L, v, key, "expected %s (got \"%s\")", f->expect,
			    show(s, sbuf, sizeof(sbuf)));
		else
			lerr(L, v, key, "%s (got \"%s\")", why, show(s, sbuf, sizeof(sbuf)));
		return NULL;
	}
	return s;
}

static char *
string_value(const char *s, int flags)
{
	char *r;
	size_t n;

	if ((flags & F_STRIPAT) && s[0] == '@' && s[1] != '\0')
		s++;
	r = xstrdup(s);
	if (flags & F_TRIMSLASH) {
		/* Only the path's slashes: "https://h/" becomes "https://h", never "https:". */
		n = strlen(r);
		while (n > 0 && r[n - 1] == '/' && (n < 2 || r[n - 2] != '/'))
			r[--n] = '\0';
	}
	return r;
}

static void	load_mapping(struct loader *, yaml_node_t *, const char *,
		    const struct field *, void *, yaml_node_t **);

static void
load_strlist(struct loader *L, yaml_node_t *v, const char *key, const struct field *f,
    void *obj)
{
	char ***vp = (char ***)((char *)obj + f->off);
	size_t *np = (size_t *)((char *)obj + f->countoff);
	char ikey[CONFIG_KEY_MAX];
	yaml_node_item_t *it;
	yaml_node_t *item;
	const char *s;
	size_t i, n;

	strv_free(*vp, *np);
	*vp = NULL;
	*np = 0;
	if (is_null(v))
		return;
	if (v->type == YAML_SCALAR_NODE) {
		if ((s = want_string(L, v, key, f)) != NULL) {
			*vp = xcalloc(1, sizeof(char *));
			(*vp)[0] = string_value(s, f->flags);
			*np = 1;
		}
		return;
	}
	if (v->type != YAML_SEQUENCE_NODE) {
		lerr(L, v, key, "expected %s, not %s", f->expect, node_kind(v));
		return;
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n == 0)
		return;
	*vp = xcalloc(n, sizeof(char *));
	for (i = 0, it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	    it++, i++) {
		item = yaml_document_get_node(L->doc, *it);
		key_path(ikey, sizeof(ikey), key, NULL, i);
		if ((s = want_string(L, item, ikey, f)) != NULL)
			(*vp)[(*np)++] = string_value(s, f->flags);
	}
}

static void
load_watches(struct loader *L, yaml_node_t *v, const char *key, const struct field *f)
{
	struct fg_config *cfg = L->cfg;
	yaml_node_t *seen[CONFIG_MAX_FIELDS];
	yaml_node_t **name_nodes, *item;
	yaml_node_item_t *it;
	char ikey[CONFIG_KEY_MAX], nkey[CONFIG_KEY_MAX], sbuf[80];
	size_t i, j, n;

	if (is_null(v))
		return;
	if (v->type != YAML_SEQUENCE_NODE) {
		lerr(L, v, key, "expected %s, not %s", f->expect, node_kind(v));
		return;
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n == 0)
		return;
	cfg->watches = xcalloc(n, sizeof(*cfg->watches));
	cfg->nwatches = n;
	name_nodes = xcalloc(n, sizeof(*name_nodes));
	for (i = 0, it = v->data.sequence.items.start; i < n; it++, i++) {
		item = yaml_document_get_node(L->doc, *it);
		key_path(ikey, sizeof(ikey), key, NULL, i);
		cfg->watches[i].line = (int)item->start_mark.line + 1;
		if (item->type != YAML_MAPPING_NODE) {
			lerr(L, item, ikey, "expected a mapping with name, provider, base_url "
			    "and account, not %s", is_null(item) ? "nothing" : node_kind(item));
			continue;
		}
		load_mapping(L, item, ikey, watch_fields, &cfg->watches[i], seen);
		name_nodes[i] = seen[0];	/* watch_fields[0] is name */
	}
	/* Names identify watches in logs, the CLI and replay files: they must be unique. */
	for (i = 0; i < n; i++) {
		if (cfg->watches[i].name == NULL)
			continue;
		for (j = 0; j < i; j++)
			if (cfg->watches[j].name != NULL &&
			    strcmp(cfg->watches[i].name, cfg->watches[j].name) == 0)
				break;
		if (j < i) {
			key_path(ikey, sizeof(ikey), key, NULL, i);
			key_path(nkey, sizeof(nkey), ikey, "name", 0);
			lerr(L, name_nodes[i], nkey,
			    "duplicate watch name \"%s\" (first used by watch[%zu] on line %zu)",
			    show(cfg->watches[i].name, sbuf, sizeof(sbuf)), j,
			    name_nodes[j]->start_mark.line + 1);
		}
	}
	free(name_nodes);
}

/* The index of a field in its table, for seen[]. */
static size_t
field_index(const struct field *fields, const char *name)
{
	size_t i;

	for (i = 0; strcmp(fields[i].name, name) != 0; i++)
		;
	return i;
}

/*
 * AUTH over smtp:// with use_ssl "try" sends the password in clear to a server that does
 * not offer STARTTLS, or to whoever sits in between and strips the offer: refused unless
 * allow_plaintext_auth says that is meant. Reported at use_ssl if given, else smtp_url.
 */
static void
check_smtp_auth(struct loader *L, yaml_node_t *map, const char *prefix, yaml_node_t **seen)
{
	const struct fg_config *cfg = L->cfg;
	yaml_node_t *at;
	char key[CONFIG_KEY_MAX];
	const char *name;
	struct url u;

	if (cfg->email.smtp_url == NULL || strcmp(cfg->email.use_ssl, "require") == 0 ||
	    (cfg->email.user == NULL && cfg->email.password_file == NULL) ||
	    cfg->email.allow_plaintext_auth)
		return;
	if (url_parse(cfg->email.smtp_url, &u) == -1 || strcmp(u.scheme, "smtps") == 0)
		return;
	name = seen[field_index(email_fields, "use_ssl")] != NULL ? "use_ssl" : "smtp_url";
	if ((at = seen[field_index(email_fields, name)]) == NULL)
		at = map;
	key_path(key, sizeof(key), prefix, name, 0);
	lerr(L, at, key, "AUTH (user, password_file) over smtp:// with use_ssl: try would send "
	    "the password in clear to a server that does not offer STARTTLS; set use_ssl: "
	    "require, or use smtps://, or set allow_plaintext_auth: true if that is meant");
}

static void
load_value(struct loader *L, yaml_node_t *v, const char *key, const struct field *f,
    void *obj)
{
	yaml_node_t *seen[CONFIG_MAX_FIELDS];
	char **sp, sbuf[80];
	const char *s;
	int64_t d;
	double num;
	int b;

	switch (f->type) {
	case F_STR:
		sp = (char **)((char *)obj + f->off);
		if ((f->flags & F_NULLABLE) && is_null(v)) {
			free(*sp);
			*sp = NULL;
		} else if ((s = want_string(L, v, key, f)) != NULL) {
			free(*sp);
			*sp = string_value(s, f->flags);
		}
		break;
	case F_STRLIST:
		load_strlist(L, v, key, f, obj);
		break;
	case F_DURATION:
		if ((s = want_string(L, v, key, f)) == NULL)
			break;
		if (time_parse_duration(s, &d) == -1 || d < f->min || d > f->max) {
			lerr(L, v, key, "expected %s (got \"%s\")", f->expect,
			    show(s, sbuf, sizeof(sbuf)));
			break;
		}
		*(int64_t *)((char *)obj + f->off) = d;
		break;
	case F_BOOL:
		if ((s = want_string(L, v, key, f)) == NULL)
			break;
		if (parse_bool(s, &b) == -1) {
			lerr(L, v, key, "expected %s (got \"%s\")", f->expect,
			    show(s, sbuf, sizeof(sbuf)));
			break;
		}
		*(int *)((char *)obj + f->off) = b;
		break;
	case F_UNIT:
		if ((s = want_string(L, v, key, f)) == NULL)
			break;
		if (parse_number(s, &num) == -1 || num < 0.0 || num > 1.0) {
			lerr(L, v, key, "expected %s (got \"%s\")", f->expect,
			    show(s, sbuf, sizeof(sbuf)));
			break;
		}
		*(double *)((char *)obj + f->off) = num;
		break;
	case F_COUNT:
		if ((s = want_string(L, v, key, f)) == NULL)
			break;
		if (parse_number(s, &num) == -1 || num != floor(num) || num < (double)f->min ||
		    num > (double)f->max) {
			lerr(L, v, key, "expected %s (got \"%s\")", f->expect,
			    show(s, sbuf, sizeof(sbuf)));
			break;
		}
		*(int64_t *)((char *)obj + f->off) = (int64_t)num;
		break;
	case F_MAP:
		/* An empty section ("alerts:") is the same as none. */
		if (is_null(v))
			break;
		if (v->type != YAML_MAPPING_NODE) {
			lerr(L, v, key, "expected %s, not %s", f->expect, node_kind(v));
			break;
		}
		load_mapping(L, v, key, f->sub, obj, seen);
		if (f->sub == email_fields)
			check_smtp_auth(L, v, key, seen);
		break;
	case F_WATCHES:
		load_watches(L, v, key, f);
		break;
	}
}

/*
 * Fills obj from a mapping node by the fields table. seen[i] is set to the value node of
 * fields[i], or NULL if the key was absent; required keys that are absent are reported.
 */
static void
load_mapping(struct loader *L, yaml_node_t *map, const char *prefix, const struct field *fields,
    void *obj, yaml_node_t **seen)
{
	yaml_node_pair_t *pair, *prev;
	yaml_node_t *k, *v, *pk = NULL;
	char key[CONFIG_KEY_MAX], sbuf[80];
	const struct field *f;
	size_t i;

	for (i = 0; fields[i].name != NULL; i++)
		seen[i] = NULL;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(L->doc, pair->key);
		v = yaml_document_get_node(L->doc, pair->value);
		if (k->type != YAML_SCALAR_NODE) {
			lerr(L, k, prefix, "expected a plain key, not %s", node_kind(k));
			continue;
		}
		key_path(key, sizeof(key), prefix, show(scalar(k), sbuf, sizeof(sbuf)), 0);
		for (prev = map->data.mapping.pairs.start; prev < pair; prev++) {
			pk = yaml_document_get_node(L->doc, prev->key);
			if (pk->type == YAML_SCALAR_NODE &&
			    pk->data.scalar.length == k->data.scalar.length &&
			    memcmp(scalar(pk), scalar(k), k->data.scalar.length) == 0)
				break;
		}
		if (prev < pair) {
			lerr(L, k, key, "duplicate key (first on line %zu)",
			    pk->start_mark.line + 1);
			continue;
		}
		for (f = fields; f->name != NULL; f++)
			if (strcmp(f->name, scalar(k)) == 0)
				break;
		if (f->name == NULL) {
			unknown_key(L, k, key, fields);
			continue;
		}
		seen[f - fields] = v;
		load_value(L, v, key, f, obj);
	}
	for (f = fields; f->name != NULL; f++)
		if ((f->flags & F_REQUIRED) && seen[f - fields] == NULL) {
			key_path(key, sizeof(key), prefix, f->name, 0);
			lerr(L, map, key, "missing; expected %s", f->expect);
		}
}

/* Whole file into memory, so read errors have an errno and reader errors a line. */
static char *
read_file(const char *path, size_t *lenp)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		goto fail;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= CONFIG_MAX_SIZE) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 8192;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	free(buf);
	errno = saved;
	return NULL;
}

static void
syntax_error(struct loader *L, yaml_parser_t *p, const char *buf, size_t len)
{
	size_t line = p->problem_mark.line, col = p->problem_mark.column, i;
	const char *problem = p->problem != NULL ? p->problem : "malformed document";

	/* Reader errors (bad encoding) carry a byte offset instead of a mark. */
	if (p->error == YAML_READER_ERROR) {
		line = col = 0;
		for (i = 0; i < p->problem_offset && i < len; i++) {
			if (buf[i] == '\n') {
				line++;
				col = 0;
			} else
				col++;
		}
	}
	if (p->context != NULL)
		log_warnx("%s:%zu:%zu: YAML syntax error: %s (%s on line %zu)", L->path,
		    line + 1, col + 1, problem, p->context, p->context_mark.line + 1);
	else
		log_warnx("%s:%zu:%zu: YAML syntax error: %s", L->path, line + 1, col + 1,
		    problem);
	L->nerr++;
}

static void
load_document(struct loader *L, const char *buf, size_t len)
{
	yaml_node_t *seen[CONFIG_MAX_FIELDS], *root;
	yaml_parser_t parser;
	yaml_document_t doc, extra;

	if (!yaml_parser_initialize(&parser))
		fatalx("yaml_parser_initialize: out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(L, &parser, buf, len);
		yaml_parser_delete(&parser);
		return;
	}
	L->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	/* An empty file, or one with only comments or "---", means all defaults. */
	if (root != NULL && !is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			lerr(L, root, NULL, "expected a mapping of keys such as state_dir, "
			    "poll_interval, reconcile_interval, watch, alerts and purge, not %s",
			    node_kind(root));
		else
			load_mapping(L, root, "", root_fields, L->cfg, seen);
	}
	/* A second document would be silently ignored; say so instead. */
	if (root != NULL) {
		if (!yaml_parser_load(&parser, &extra))
			syntax_error(L, &parser, buf, len);
		else {
			if ((root = yaml_document_get_root_node(&extra)) != NULL)
				lerr(L, root, NULL, "a second YAML document is not allowed; "
				    "the configuration is one document");
			yaml_document_delete(&extra);
		}
	}
	L->doc = NULL;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

int
config_load(struct fg_config *cfg, const char *path)
{
	struct fg_config next;
	struct loader L;
	char *buf;
	size_t len;

	if ((buf = read_file(path, &len)) == NULL) {
		log_warn("%s: cannot read configuration", path);
		config_free(cfg);
		config_defaults(cfg);
		return -1;
	}
	/* Load into a fresh config, so a bad file never leaves a half-loaded one. */
	config_defaults(&next);
	next.path = xstrdup(path);
	memset(&L, 0, sizeof(L));
	L.path = path;
	L.cfg = &next;
	load_document(&L, buf, len);
	free(buf);
	config_free(cfg);
	if (L.nerr > 0) {
		config_free(&next);
		config_defaults(cfg);
		return -1;
	}
	*cfg = next;
	return 0;
}
