/*
 * Platform providers: one module per platform (provider_mastodon.c, provider_bluesky.c,
 * provider_x.c) behind this interface. A provider does no I/O: it builds the requests of each
 * step and parses their responses into normalized profiles, cursors, rate-limit state and
 * verdicts; the daemon sends them and drives the steps:
 *
 *   login (Bluesky only: createSession / refreshSession)
 *   resolve (own account id and follower count)
 *   page (followers, newest first) -> hydrate (Bluesky: counts, 25 at a time) -> page ...
 *   following (the accounts the watched account follows, to spare mutuals) -> following ...
 *   remove (one follower), and unremove (lift what remove did, where the platform can)
 *
 * How remove works differs by platform, and so does what unremove can undo:
 *   Mastodon  remove_from_followers: the follow is gone for good; no unremove.
 *   Bluesky   a block record kept in our repository hides the follower (docs/platforms.md 4.4);
 *             deleting the record (unremove) brings the follower back.
 *   X         a block kept in place (Enterprise access tier only, docs/platforms.md 5.4) ends
 *             the follow; unremove lifts the block, but the follow does not come back.
 *
 * Secrets (tokens, app passwords, session JWTs) live in struct fg_account and in the request's
 * auth/body only; nothing a provider puts in an error message, a request's `what` or its url
 * may contain them.
 */
#ifndef FG_PROVIDER_H
#define FG_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "arena.h"
#include "profile.h"

#define FG_URL_MAX	2048
#define FG_AUTH_MAX	4096

struct fg_header {
	const char	*name;
	const char	*value;
};

struct fg_request {
	char		 method[8];		/* "GET", "POST" or "DELETE" */
	char		 url[FG_URL_MAX];
	char		 auth[FG_AUTH_MAX];	/* "Authorization: Bearer ..." or "" (secret) */
	char		*body;			/* POST body (JSON), malloc'd, or NULL (may be secret) */
	char		 extra[2][192];		/* more header lines, or "" */
	char		 what[64];		/* endpoint for logs and metrics: "followers page" */
};

struct fg_response {
	long			 status;	/* HTTP status */
	const char		*body;
	size_t			 len;
	const struct fg_header	*headers;	/* as received; names case-insensitive */
	size_t			 nheaders;
};

struct fg_ratelimit {
	int		known;		/* the response carried rate-limit headers */
	int64_t		limit;
	int64_t		remaining;
	int64_t		reset;		/* epoch seconds when the window resets */
	int64_t		retry_after;	/* epoch seconds from Retry-After, 0 if none */
};

/* What a parse function concluded. */
enum fg_presult {
	FG_P_OK = 0,
	FG_P_AUTH,		/* credentials expired or missing: log in (again), then retry */
	FG_P_RATELIMITED,	/* 429: wait for the reset */
	FG_P_RETRY,		/* 5xx, truncated or transient: back off and retry */
	FG_P_FATAL,		/* other 4xx, malformed body: log, give up this step */
};

/* One watched account's platform state; the daemon owns it, providers fill it in. */
struct fg_account {
	char		 base_url[512];		/* API root, no trailing slash */
	char		 account[256];		/* handle or id from the configuration */
	char		*secret;		/* token (Mastodon, X) or app password (Bluesky) */
	char		 id[256];		/* resolved account id (Bluesky: DID) */
	int64_t		 followers_count;	/* from resolve, -1 unknown */
	char		*access_jwt;		/* Bluesky session, secret */
	char		*refresh_jwt;		/* Bluesky session, secret */
};

/*
 * A follower left out of a page because its own object could not be read (an id that is
 * missing, not an id or not usable as one, a member of the wrong type, ...): only that
 * follower is lost, never the page. Texts are never a reason (profile_text takes any).
 */
struct fg_skip {
	const char	*id;		/* its id when that was usable (borrowed), else NULL */
	char		 why[240];	/* where and what, the id quoted as a log shows bytes */
};

struct fg_page {
	json_t			*doc;		/* owns the strings the profiles borrow */
	json_t			*extra;		/* hydration documents, likewise */
	struct fg_arena		 text;		/* normalized texts the profiles point at */
	struct fg_profile	*profiles;	/* newest follower first */
	size_t			 n;
	struct fg_skip		*skips;		/* followers left out, in page order */
	size_t			 nskips;
	char			*cursor;	/* the next page, NULL at the end of the list */
	int			 needs_hydration;	/* counts come from hydrate steps */
};

struct fg_provider {
	const char	*name;
	size_t		 page_size;	/* followers asked per page */
	size_t		 hydrate_max;	/* profiles per hydrate request, 0 if none */
	/* NULL where the platform has no such step. Build functions return 0 or -1. */
	int	(*login)(const struct fg_account *, struct fg_request *);
	enum fg_presult (*parse_login)(struct fg_account *, const struct fg_response *,
		    char *err, size_t errlen);
	int	(*resolve)(const struct fg_account *, struct fg_request *);
	enum fg_presult (*parse_resolve)(struct fg_account *, const struct fg_response *,
		    char *err, size_t errlen);
	int	(*page)(const struct fg_account *, const char *cursor, struct fg_request *);
	/* now is the observation time given to every profile. */
	enum fg_presult (*parse_page)(const struct fg_account *, const struct fg_response *,
		    int64_t now, struct fg_page *, char *err, size_t errlen);
	int	(*hydrate)(const struct fg_account *, const struct fg_page *, size_t from,
		    size_t n, struct fg_request *);
	enum fg_presult (*parse_hydrate)(const struct fg_response *, struct fg_page *,
		    size_t from, size_t n, char *err, size_t errlen);
	/*
	 * The accounts the watched account follows, same order and paging as page; the
	 * answer is read by parse_page (its profiles are the followed accounts). Only their
	 * ids matter to the caller, so a following page need not be hydrated. The request's
	 * `what` is "following page"; parse_page's messages say "followers page" on Mastodon
	 * and X, whose two answers look alike, so log `what` beside them.
	 */
	int	(*following)(const struct fg_account *, const char *cursor, struct fg_request *);
	/*
	 * key is a record key the caller chooses once per follower and keeps, so that a
	 * repeated request (after an answer was lost) writes the same record, and unremove can
	 * name it later. Bluesky needs it (a TID, see provider_tid) and refuses NULL or a
	 * malformed key; Mastodon and X ignore it (NULL is fine). parse_remove answers FG_P_OK
	 * when the account is no longer a follower, also when it was not one to begin with,
	 * and FG_P_FATAL (with a message naming the missing access) when X refuses the block
	 * below the Enterprise tier.
	 */
	int	(*remove)(const struct fg_account *, const char *follower_id, const char *key,
		    struct fg_request *);
	enum fg_presult (*parse_remove)(const struct fg_response *, char *err, size_t errlen);
	/* Lifts what remove did (followguard unpurge); NULL on Mastodon. */
	int	(*unremove)(const struct fg_account *, const char *follower_id, const char *key,
		    struct fg_request *);
	enum fg_presult (*parse_unremove)(const struct fg_response *, char *err, size_t errlen);
	/* Undoing a removal makes the account a follower again (Bluesky), or only lifts it. */
	int	unremove_restores;
	void	(*ratelimit)(const struct fg_response *, int64_t now, struct fg_ratelimit *);
};

extern const struct fg_provider provider_mastodon;
extern const struct fg_provider provider_bluesky;
extern const struct fg_provider provider_x;

const struct fg_provider *provider_find(const char *name);
/* The first header of that name (case-insensitive), or NULL. */
const char	*response_header(const struct fg_response *, const char *name);
/* A header holding a non-negative decimal integer (white space around allowed): 0 or -1. */
int		 response_header_int(const struct fg_response *, const char *name, int64_t *);
/* Retry-After (seconds, or an HTTP date) as epoch seconds; 0 when absent or unreadable. */
int64_t		 response_retry_after(const struct fg_response *, int64_t now);
/*
 * The verdict every platform shares from the status alone: 2xx FG_P_OK, 401 FG_P_AUTH,
 * 429 FG_P_RATELIMITED, 5xx and 0 (no response) FG_P_RETRY, other FG_P_FATAL; err gets a
 * message naming what and the status, and the platform's error text after provider_redact
 * with the account (NULL where the step has none: then token shapes only).
 */
enum fg_presult	 response_classify(const struct fg_response *, const struct fg_account *,
		    const char *what, char *err, size_t errlen);
/*
 * Removes secrets from text (in place) that came from a platform and is bound for a log line
 * or `status`: a server may echo a token, app password or session JWT in its error text.
 * Gone are the account's own secrets, exactly (a may be NULL), and everywhere anything shaped
 * like a token: a run of 32 or more of [A-Za-z0-9_%+=-] (base64, base64url, URL-encoded:
 * Mastodon's and X's tokens) or a JWT ("eyJ..." segments joined by dots) of any length. Each
 * becomes "[redacted]" (or as many '*' when shorter), so text never grows. Call it on the
 * whole platform text before cutting it short: a cut secret no longer matches.
 */
void		 provider_redact(char *text, const struct fg_account *a);
/*
 * jansson's text for a parse error without the input it quotes ("near '...'"): that is a
 * piece of the body, cut wherever jansson stopped, and may be part of a token.
 */
void		 provider_json_reason(const json_error_t *, char *buf, size_t len);
/*
 * An AT Protocol TID (record key): 13 characters of the base32-sortable alphabet
 * "234567abcdefghijklmnopqrstuvwxyz", most significant first, encoding the 64-bit integer
 * (micros & (2^53 - 1)) << 10 | (clock_id & 1023), top bit 0. TIDs sort as text the way their
 * times do. micros counts from the Unix epoch; out gets a NUL-terminated string.
 */
void		 provider_tid(int64_t micros, unsigned clock_id, char out[14]);
void		 request_clear(struct fg_request *);	/* frees the body */
/*
 * Leaves a follower out of the page: id is its usable id or NULL, raw_id the id member as
 * sent (quoted in the message whatever it holds, or NULL), why the problem with its place.
 */
void		 page_skip(struct fg_page *, const char *id, const json_t *raw_id,
		    const char *why);
void		 page_free(struct fg_page *);

#endif
