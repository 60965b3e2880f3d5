/*
 * The simulator's insides, shared by its files: random numbers, one generated profile, a
 * vendor's stock and the generators of people (simulate_people.c) and of purchased accounts
 * (simulate_vendor.c). Not an API: lib/simulate.h is.
 */
#ifndef FG_SIMULATE_INT_H
#define FG_SIMULATE_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DAY		86400.0
#define YEAR		(365.25 * DAY)
#define PLATFORM_EPOCH	INT64_C(1199145600)	/* 2008-01-01: oldest account */

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define PICK(r, a)	((a)[rng_below((r), NELEM(a))])

/* ---- random numbers: xoshiro256** seeded by splitmix64, plus counter-based hashes ---- */

struct rng {
	uint64_t	s[4];
};

static inline uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* A hash of (seed, counter): lets schedules be evaluated in any order, statelessly. */
static inline uint64_t
mix64(uint64_t seed, uint64_t n)
{
	uint64_t x = seed ^ (n * UINT64_C(0xd1b54a32d192ed03));

	return splitmix64(&x);
}

static inline double
hunif(uint64_t seed, uint64_t n)
{
	return (double)(mix64(seed, n) >> 11) * 0x1.0p-53;
}

static inline void
rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

static inline double
rng_unif(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static inline double
rng_range(struct rng *r, double a, double b)
{
	return a + (b - a) * rng_unif(r);
}

static inline double
rng_logunif(struct rng *r, double a, double b)
{
	return exp(rng_range(r, log(a), log(b)));
}

/* Uniform integer in [0, n). */
static inline uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return n == 0 ? 0 : (uint64_t)(rng_unif(r) * (double)n) % n;
}

static inline int
rng_int(struct rng *r, int lo, int hi)
{
	return lo + (int)rng_below(r, (uint64_t)(hi - lo + 1));
}

static inline int
rng_bern(struct rng *r, double p)
{
	return rng_unif(r) < p;
}

static inline double
rng_normal(struct rng *r)
{
	double u1 = 1.0 - rng_unif(r), u2 = rng_unif(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static inline double
rng_lognormal(struct rng *r, double median, double sigma)
{
	return median * exp(sigma * rng_normal(r));
}

static inline int64_t
rng_poisson(struct rng *r, double mean)
{
	double l, p;
	int64_t k;

	if (!(mean > 0))
		return 0;
	if (mean < 30) {
		l = exp(-mean);
		k = 0;
		p = rng_unif(r);
		while (p > l) {
			k++;
			p *= rng_unif(r);
		}
		return k;
	}
	/* Normal approximation: error is invisible next to the model's own noise. */
	p = floor(mean + sqrt(mean) * rng_normal(r) + 0.5);
	return p < 0 ? 0 : (int64_t)p;
}

/* ---- one generated profile ---- */

struct name {
	const char	*disp;	/* may be UTF-8 */
	const char	*ascii;	/* lower case, for handles */
};

/* ---- one generated profile ---- */

struct sprof {
	uint64_t	id;
	int64_t		created, last_post;
	int64_t		followers, following, posts, likes, listed;
	int		avatar_default, bot, verified, locked, fake;
	char		handle[64];
	char		name[128];
	char		bio[512];
	char		url[160];
	char		loc[64];
	int		hostile, hfield;	/* enum sim_hostile, enum sim_field */
	uint64_t	hseed;
};

/* Hostile text: which of an account's texts misbehaves on output, and how. */
enum sim_hostile { SIM_H_NONE, SIM_H_CTRL, SIM_H_ESCAPES, SIM_H_LONG };
enum sim_field { SIM_T_NAME = 1, SIM_T_BIO, SIM_T_LOC };

/* A vendor's stock: how one order's accounts were made. */
struct stock {
	uint64_t	seed;
	int		style, style2;	/* style2: the share mix of the order is another style */
	double		mix;
	double		p_avd, p_nobio, p_name;
	int64_t		fresh_ms;	/* fresh: creation of the batch, in sequence */
	double		fresh_gap_ms;
	uint64_t	seq0;
	int64_t		win[5];		/* aged windows, copycat clusters: creation times */
	int		nwin;
	double		win_span;
	/* lived: a share farmed in batches (look-alike counts), the rest bought old accounts */
	double		farm, l_avd, l_nobio;
	int64_t		lwin[4];
	int		nlwin;
	double		lwin_span, lfol[4], lfing[4], lposts[4];
	/* copied: clones made in runs; a share copies the watched account's followers, a share
	   also the person's posts, with followers from the vendor's network */
	double		targeted, full;
	int64_t		cwin[4];
	int		ncwin;
	double		cwin_span;
};

static inline int64_t
clampi(double v, int64_t lo, int64_t hi)
{
	if (!(v >= (double)lo))
		return lo;
	if (v > (double)hi)
		return hi;
	return (int64_t)v;
}

/* Snowflake-style id: creation time in ms above 16 low bits, so ids sort by creation. */
static inline uint64_t
make_id(int64_t created_ms, uint64_t low)
{
	return ((uint64_t)created_ms << 16) | (low & 0xffff);
}

/*
 * Followers a vendor could copy (style copied): a bounded uniform sample of the watched
 * account's followers that show a photo and a name, kept with their texts.
 */
#define TEXTRES_MAX	2048

struct textres {
	struct sprof	*v;
	size_t		 n;
	uint64_t	 seen;		/* eligible followers offered so far */
	uint64_t	 seed;
};

/* A newcomer wave's starter packs: a share of its people followed one of them whole. */
struct wavepack {
	int		n;
	int		size[3];
	double		share;
};

/* The output: one buffer, flushed in large writes (simulate_text.c). */
#define SIMOUT_SIZE	(1 << 16)

struct simout {
	FILE	*f;
	char	*buf;		/* SIMOUT_SIZE bytes */
	size_t	 len;
	int	 err;
};

void	simout_flush(struct simout *);

/* Makes room for n <= SIMOUT_SIZE bytes. */
static inline void
simout_reserve(struct simout *w, size_t n)
{
	if (w->len + n > SIMOUT_SIZE)
		simout_flush(w);
}

static inline void
simout_mem(struct simout *w, const char *p, size_t n)
{
	simout_reserve(w, n);
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* simulate_text.c */
/* The body of a JSON string for n bytes of UTF-8 (at most 6n bytes, no quotes). */
size_t	sim_json_escape(char *dst, const char *, size_t n);
/* A quoted JSON string. */
void	simout_json(struct simout *, const char *);
/* A profile's text (field SIM_T_*), hostile if the profile's text is. */
void	simout_text(struct simout *, const char *, const struct sprof *, int field);
/* Makes the profile's text hostile, drawn from hash h; newest: the top of a delivery. */
void	sim_hostile_pick(struct sprof *, uint64_t h, int newest);

/* Word lists the vendors draw from too. */
enum sim_words { SIM_W_TAILS, SIM_W_INTERESTS, SIM_W_FOREIGN, SIM_W_CITIES };

/* simulate_opts.c: names of enum fg_sim_speed, fg_sim_style and fg_sim_platform */
extern const char *const sim_speed_names[];
extern const char *const sim_style_names[];
extern const char *const sim_platform_names[];

/* simulate_people.c */
const char	*sim_word(struct rng *, enum sim_words);
void		 sim_pick_names(struct rng *, const struct name **, const struct name **);
void		 sim_handle_genuine(struct rng *, const struct name *, const struct name *,
		    char *, size_t);
void		 sim_handle_fake(struct rng *, const struct name *, const struct name *, char *,
		    size_t);
void		 sim_display_name(struct rng *, const struct name *, const struct name *, char *,
		    size_t);
void		 sim_bio_genuine(struct rng *, char *, size_t);
void		 sim_url(struct rng *, const char *handle, char *, size_t);
int64_t		 sim_last_post(struct rng *, int64_t posts, int64_t created, int64_t obs,
		    double p_dormant, double mean_gap);
int64_t		 sim_clamp_created(struct rng *, double created, double tf);
void		 sim_genuine(struct rng *, struct sprof *, double tf, int64_t obs,
		    double newshare);
void		 sim_spam(struct rng *, struct sprof *, double tf, int64_t obs);
void		 sim_settler(struct rng *, struct sprof *, double tf, int64_t obs);
void		 sim_wave_member(struct rng *, const struct wavepack *, struct sprof *,
		    double tf, int64_t obs);

/* simulate_vendor.c */
/* A style of the mask other than `except` (-1: any); `except` if there is no other. */
int		 sim_style_pick(struct rng *, unsigned styles, int except);
/* The stock of an order of a style; its padding is another style of the mask. */
void		 sim_stock_init(struct stock *, struct rng *, int style, unsigned styles,
		    int64_t t0, int64_t size);
/*
 * Account j of an order from stock s, delivered at tf and observed at obs. tr: followers to
 * copy (may be NULL). Returns 1 if the account copies one of them, else 0.
 */
int		 sim_purchased(const struct stock *, const struct textres *tr, uint64_t j,
		    struct sprof *, double tf, int64_t obs);

#endif
