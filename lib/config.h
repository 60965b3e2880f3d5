/* Configuration (docs/contracts.md 5): YAML, every error reported with file, line and key. */
#ifndef FG_CONFIG_H
#define FG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define FG_CONFIG_DEFAULT	"/etc/followguard/followguard.yaml"

struct fg_watch_conf {
	char		*name;		/* unique, [A-Za-z0-9_.-]{1,64} */
	char		*provider;	/* mastodon | bluesky | x */
	char		*base_url;	/* http(s)://host[:port][/path], no trailing slash */
	char		*account;	/* handle (leading '@' removed) or id */
	char		*token_file;	/* NULL: none configured */
	char		**alert_to;	/* e-mail recipients instead of alerts.email.to */
	size_t		 nalert_to;
	int		 line;		/* where it was defined */
};

struct fg_config {
	char			*path;			/* NULL until a file is loaded */
	char			*state_dir;
	char			*control_socket;
	char			*metrics_listen;	/* NULL: no metrics */
	char			*model;			/* NULL: the shipped model */
	char			*ca_file;		/* NULL: the system's CA bundle */
	int64_t			 poll_interval;		/* seconds */
	int64_t			 reconcile_interval;	/* seconds between full passes */
	struct fg_watch_conf	*watches;
	size_t			 nwatches;
	struct {
		int64_t		 expire;	/* undelivered alerts are dropped after this */
		int64_t		 retry;		/* first retry delay; doubles up to an hour */
		int		 organic;	/* also tell of organic surges */
		int64_t		 digest_after;	/* alert mails an hour before digests */
		int64_t		 digest_interval;
	} alerts;
	struct {
		char		*smtp_url;	/* NULL: no e-mail */
		char		*from;
		char		**to;
		size_t		 nto;
		char		*user;
		char		*password_file;
		char		*use_ssl;	/* "try" or "require"; smtps:// is always TLS */
		int		 allow_plaintext_auth;	/* AUTH may go without TLS */
	} email;
	struct {
		char		*url;		/* NULL: no webhook */
		char		*secret_file;	/* HMAC-SHA256 key; NULL: unsigned */
	} webhook;
	struct {
		int		 auto_remove;	/* purge.auto */
		double		 min_score;
		int64_t		 grace;		/* seconds before automatic removal */
		double		 min_fake_share;	/* automatic: of the spike's arrivals */
		int		 critical_only;	/* automatic: only critical spikes */
		int64_t		 max_removals;	/* cap per purge */
		double		 max_share;	/* sanity stop: of the audience */
		char		**allowlist;	/* ids or handles ('@' removed) never removed */
		size_t		 nallowlist;
	} purge;
};

/* Built-in defaults, as if from an empty file. */
void	config_defaults(struct fg_config *);
/*
 * Loads path over the defaults. cfg must hold a config (from config_defaults or an earlier
 * config_load); it is replaced as a whole. Every problem is reported to stderr as
 * "file:line: key: what was expected" (key a dotted path such as watch[1].provider; YAML
 * syntax errors as "file:line:col: YAML syntax error: ..."); returns -1 if there was any,
 * and then cfg is left with defaults only. A daemon reloading should load into a fresh
 * struct and swap it in on success.
 */
int	config_load(struct fg_config *, const char *path);
void	config_free(struct fg_config *);
/*
 * Whether mail must go over TLS (STARTTLS required; smtps:// always is): use_ssl is
 * "require", or AUTH is configured (user or password_file) and allow_plaintext_auth is not
 * set, so that the password never goes to a server, or a man in the middle, without TLS.
 */
int	config_smtp_require_tls(const struct fg_config *);
/* The watch with that name, or NULL. */
const struct fg_watch_conf *config_watch(const struct fg_config *, const char *name);
/* The path to use: explicit, else $FOLLOWGUARD_CONFIG, else FG_CONFIG_DEFAULT. */
const char *config_path(const char *explicit_path);

#endif
