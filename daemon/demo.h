/*
 * The embedded demo platform behind `followguardd --demo`: a simulated Mastodon-compatible
 * server on 127.0.0.1, served by libevent's evhttp on the daemon's own event base, so that a
 * new user sees polling, scoring and a detected purchased burst within two minutes with no
 * account anywhere, no Python and nothing installed beside the binary.
 *
 * The account "demo" starts with `audience` followers made by the simulator (lib/simulate).
 * Then, in real time, organic followers trickle in, and `purchase_after` seconds in a
 * purchased order of `purchase_size` fake accounts arrives within about 30 seconds. Every new
 * follower is the newest follow (a new, higher follow-row id), as on Mastodon.
 *
 * Endpoints, in Mastodon's shapes (docs/platforms.md 1):
 *   GET /api/v1/accounts/verify_credentials	 needs the demo's bearer token
 *   GET /api/v1/accounts/lookup?acct=demo
 *   GET /api/v1/accounts/ID
 *   GET /api/v1/accounts/ID/followers?limit=N&max_id=M&since_id=S
 * with X-RateLimit-* headers (300 requests per 5-minute window, 429 beyond), 401 for a wrong
 * token, 404 for anything else. See docs/demo.md.
 */
#ifndef FG_DEMO_H
#define FG_DEMO_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct demo;

struct demo_opts {
	int64_t		 audience;		/* followers at the start */
	double		 organic_per_min;	/* mean arrivals a minute, 0: none */
	double		 purchase_after;	/* seconds before the purchased burst */
	/* Accounts in the burst, 0: none, DEMO_PURCHASE_AUTO: 25 % of audience. */
	int64_t		 purchase_size;
	uint64_t	 seed;			/* the simulator's seed */
	/*
	 * Tests: no timer; demo time passes only through demo_tick, so releases are exact and
	 * independent of the machine's speed.
	 */
	int		 manual_clock;
};

struct demo_stats {
	double		 elapsed;	/* demo seconds since the start */
	int64_t		 followers;	/* current followers */
	int64_t		 organic;	/* organic followers released so far */
	int64_t		 purchased;	/* purchased followers released so far */
	int64_t		 purchase_size;	/* purchased followers the burst will bring */
	uint64_t	 requests;	/* HTTP requests answered */
	uint64_t	 throttled;	/* of which 429 */
};

#define DEMO_AUDIENCE_MAX	200000
#define DEMO_PURCHASE_AUTO	(-1)

/*
 * audience 2000, 4 organic followers per minute, after 60 s a purchase of 25 % of the
 * audience (DEMO_PURCHASE_AUTO, so it follows a changed audience), seed 1.
 */
void		 demo_defaults(struct demo_opts *);
/*
 * Generates the followers and starts serving on 127.0.0.1 at a free port. opts may be NULL
 * for the defaults. NULL with a message in err if the options are bad or the socket cannot
 * be bound.
 */
struct demo	*demo_start(struct event_base *, const struct demo_opts *, char *err,
		    size_t errlen);
int		 demo_port(const struct demo *);
/* The bearer token the demo accepts (43 base64url characters, random per start). */
const char	*demo_token(const struct demo *);
/* The demo account's handle: "demo". */
const char	*demo_account(const struct demo *);
/* "http://127.0.0.1:PORT", the base_url a watch of the demo uses. */
const char	*demo_base_url(const struct demo *);
/* Releases the followers due as if that many more seconds had passed. */
void		 demo_tick(struct demo *, double seconds);
void		 demo_stats(const struct demo *, struct demo_stats *);
/* Closes the socket (and open connections) and frees everything. NULL is a no-op. */
void		 demo_free(struct demo *);

#endif
