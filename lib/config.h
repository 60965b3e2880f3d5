/* Configuration (DESIGN.md contract 5): YAML, every error reported with file, line and key. */
#ifndef FG_CONFIG_H
#define FG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define FG_CONFIG_DEFAULT	"/etc/followguard/followguard.yaml"

struct fg_watch_conf {
	char		*name;
	char		*provider;	/* mastodon | bluesky | x */
	char		*base_url;
	char		*account;
	char		*token_file;
	int		 line;		/* where it was defined */
};

struct fg_config {
	char			*path;
	char			*state_dir;
	char			*control_socket;
	char			*metrics_listen;	/* NULL: no metrics */
	char			*model;			/* NULL: the shipped model */
	int64_t			 poll_interval;		/* seconds */
	struct fg_watch_conf	*watches;
	size_t			 nwatches;
	struct {
		char		*smtp_url;
		char		*from;
		char		**to;
		size_t		 nto;
	} email;
	struct {
		char		*url;
	} webhook;
	struct {
		int		 auto_remove;	/* purge.auto */
		double		 min_score;
		int64_t		 grace;		/* seconds before automatic removal */
		char		**allowlist;	/* ids or handles never removed */
		size_t		 nallowlist;
	} purge;
};

/* Built-in defaults, as if from an empty file. */
void	config_defaults(struct fg_config *);
/*
 * Loads path over the defaults. Every problem is reported to stderr as "file:line: key: what
 * was expected"; returns -1 if there was any, and then cfg is left with defaults only.
 */
int	config_load(struct fg_config *, const char *path);
void	config_free(struct fg_config *);
/* The path to use: explicit, else $FOLLOWGUARD_CONFIG, else FG_CONFIG_DEFAULT. */
const char *config_path(const char *explicit_path);

#endif
