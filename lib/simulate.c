/*
 * The simulator: a generative model of one account's followers over time (organic growth with
 * seasonality and noise, churn, viral bursts, purchased orders of several speeds and vendor
 * styles), written as a replay history (DESIGN.md contract 4) with ground truth.
 * docs/simulator.md describes the model.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "simulate.h"
#include "timeutil.h"
#include "xmalloc.h"

#define DAY		86400.0
#define YEAR		(365.25 * DAY)
#define PLATFORM_EPOCH	INT64_C(1199145600)	/* 2008-01-01: oldest account */
#define RESERVOIR_MAX	100000			/* follower ids remembered for unfollows */
#define NBUMP_MAX	16
#define OUTBUF_SIZE	(1 << 16)
#define LINE_MAX_EST	4096			/* a profile line is always shorter */

/* ---- random numbers: xoshiro256** seeded by splitmix64, plus counter-based hashes ---- */

struct rng {
	uint64_t	s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* A hash of (seed, counter): lets schedules be evaluated in any order, statelessly. */
static uint64_t
mix64(uint64_t seed, uint64_t n)
{
	uint64_t x = seed ^ (n * UINT64_C(0xd1b54a32d192ed03));

	return splitmix64(&x);
}

static double
hunif(uint64_t seed, uint64_t n)
{
	return (double)(mix64(seed, n) >> 11) * 0x1.0p-53;
}

static void
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

static uint64_t
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

static double
rng_unif(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double
rng_range(struct rng *r, double a, double b)
{
	return a + (b - a) * rng_unif(r);
}

static double
rng_logunif(struct rng *r, double a, double b)
{
	return exp(rng_range(r, log(a), log(b)));
}

/* Uniform integer in [0, n). */
static uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return n == 0 ? 0 : (uint64_t)(rng_unif(r) * (double)n) % n;
}

static int
rng_int(struct rng *r, int lo, int hi)
{
	return lo + (int)rng_below(r, (uint64_t)(hi - lo + 1));
}

static int
rng_bern(struct rng *r, double p)
{
	return rng_unif(r) < p;
}

static double
rng_normal(struct rng *r)
{
	double u1 = 1.0 - rng_unif(r), u2 = rng_unif(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static double
rng_lognormal(struct rng *r, double median, double sigma)
{
	return median * exp(sigma * rng_normal(r));
}

static int64_t
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

/* ---- word lists ---- */

struct name {
	const char	*disp;	/* may be UTF-8 */
	const char	*ascii;	/* lower case, for handles */
};

static const struct name firsts[] = {
	{ "Anna", "anna" }, { "James", "james" }, { "Maria", "maria" }, { "David", "david" },
	{ "Sarah", "sarah" }, { "Michael", "michael" }, { "Laura", "laura" }, { "Daniel", "daniel" },
	{ "Emma", "emma" }, { "Lucas", "lucas" }, { "Sophie", "sophie" }, { "Tom", "tom" },
	{ "Julia", "julia" }, { "Ben", "ben" }, { "Chloé", "chloe" }, { "José", "jose" },
	{ "Zoë", "zoe" }, { "Łukasz", "lukasz" }, { "Søren", "soren" }, { "Ahmed", "ahmed" },
	{ "Fatima", "fatima" }, { "Priya", "priya" }, { "Rahul", "rahul" }, { "Wei", "wei" },
	{ "Yuki", "yuki" }, { "Kenji", "kenji" }, { "Olga", "olga" }, { "Ivan", "ivan" },
	{ "Chris", "chris" }, { "Alex", "alex" }, { "Sam", "sam" }, { "Nina", "nina" },
	{ "Marco", "marco" }, { "Giulia", "giulia" }, { "Pierre", "pierre" }, { "Léa", "lea" },
	{ "Jonas", "jonas" }, { "Lena", "lena" }, { "Mateo", "mateo" }, { "Lucía", "lucia" },
	{ "Kwame", "kwame" }, { "Amara", "amara" }, { "Hannah", "hannah" }, { "Noah", "noah" },
	{ "Olivia", "olivia" }, { "Liam", "liam" }, { "Mia", "mia" }, { "Ethan", "ethan" },
	{ "Grace", "grace" }, { "Jack", "jack" }, { "Ines", "ines" }, { "Tiago", "tiago" },
	{ "Mehmet", "mehmet" }, { "Elif", "elif" }, { "Andrea", "andrea" }, { "Rosa", "rosa" },
	{ "Kim", "kim" }, { "Jordan", "jordan" }, { "Robin", "robin" }, { "Pat", "pat" },
	{ "Björn", "bjorn" }, { "Anja", "anja" }, { "Mikko", "mikko" }, { "Aino", "aino" },
	{ "さくら", "sakura" }, { "Дмитрий", "dmitri" }, { "Kateřina", "katerina" },
	{ "Nguyen", "nguyen" }, { "Ravi", "ravi" }, { "Ana", "ana" }, { "Paul", "paul" },
};

static const struct name lasts[] = {
	{ "Smith", "smith" }, { "Johnson", "johnson" }, { "Müller", "mueller" },
	{ "García", "garcia" }, { "Kowalski", "kowalski" }, { "Rossi", "rossi" },
	{ "Martin", "martin" }, { "Dubois", "dubois" }, { "Schmidt", "schmidt" },
	{ "Jensen", "jensen" }, { "Nowak", "nowak" }, { "Silva", "silva" }, { "Santos", "santos" },
	{ "Tanaka", "tanaka" }, { "Suzuki", "suzuki" }, { "Chen", "chen" }, { "Wang", "wang" },
	{ "Kim", "kim" }, { "Patel", "patel" }, { "Singh", "singh" }, { "Okafor", "okafor" },
	{ "Mensah", "mensah" }, { "Brown", "brown" }, { "Taylor", "taylor" }, { "Wilson", "wilson" },
	{ "Moore", "moore" }, { "Clark", "clark" }, { "Lewis", "lewis" }, { "Walker", "walker" },
	{ "Young", "young" }, { "Hall", "hall" }, { "Novák", "novak" }, { "Horváth", "horvath" },
	{ "Yılmaz", "yilmaz" }, { "Demir", "demir" }, { "Ivanova", "ivanova" },
	{ "Petrov", "petrov" }, { "Larsen", "larsen" }, { "Virtanen", "virtanen" },
	{ "O'Brien", "obrien" }, { "Murphy", "murphy" }, { "Costa", "costa" },
	{ "Fernández", "fernandez" }, { "López", "lopez" }, { "Bianchi", "bianchi" },
	{ "De Vries", "devries" }, { "Bakker", "bakker" }, { "Weber", "weber" },
	{ "Fischer", "fischer" }, { "Nakamura", "nakamura" }, { "Ali", "ali" }, { "Khan", "khan" },
};

static const char *const words[] = {
	"quiet", "fox", "coffee", "pixel", "river", "moon", "urban", "wild", "blue", "night",
	"owl", "retro", "maple", "cloud", "salty", "sunny", "paper", "tiny", "lazy", "bear",
	"tea", "wolf", "jazz", "code", "star", "leaf", "stone", "bird", "cat", "dog", "byte",
	"hike", "rain", "iron", "ghost", "happy", "grumpy", "green", "red", "atlas", "nova",
};

static const char *const roles[] = {
	"Software engineer", "Nurse", "Teacher", "Student", "Designer", "Photographer",
	"Dad of two", "Mum of three", "Writer", "Data scientist", "PhD student", "Musician",
	"Chef", "Journalist", "Product manager", "Retired engineer", "Researcher", "Lawyer",
	"Barista", "Web developer", "Illustrator", "Historian", "Physician", "Librarian",
	"Sysadmin", "Architect", "Farmer", "Firefighter", "Translator", "Small business owner",
};

static const char *const interests[] = {
	"coffee", "cycling", "open source", "birds", "football", "jazz", "hiking", "books",
	"cats", "gardening", "climate", "retro games", "photography", "running", "cooking",
	"linux", "astronomy", "politics", "film", "knitting", "board games", "sourdough",
	"urbanism", "rust", "history", "tea", "music", "travel", "dogs", "science",
};

static const char *const tails[] = {
	"Opinions my own.", "Views are my own.", "she/her", "he/him", "they/them",
	"Just here to read.", "Mostly lurking.", "Posting about whatever.", "☕", "🌱", "🚲",
	"📷", "🎶", "Be kind.", "No DMs please.", "Here for the links.", "🏳️‍🌈",
};

static const char *const cities[] = {
	"London", "Berlin", "Paris", "New York", "Toronto", "São Paulo", "München", "Kraków",
	"Tokyo", "Lagos", "Nairobi", "Mumbai", "Melbourne", "Madrid", "Lisboa", "Amsterdam",
	"Stockholm", "Helsinki", "Seattle", "Austin", "Mexico City", "Istanbul", "Praha",
	"Wien", "Zürich", "Dublin", "Glasgow", "Oslo", "Seoul", "Manila", "Earth", "Internet",
	"somewhere cold", "Bay Area", "Brooklyn, NY", "Leeds, UK",
};

static const char *const spam_bios[] = {
	"Follow back 100% ✅", "DM for promo 📩", "Crypto signals daily 🚀🚀",
	"Get 10k followers fast ➜ link below", "Make $500/day from home 💰",
	"NFT drops | WL giveaways", "Forex trader | free signals", "Best deals every day 🔥",
	"Promoting small accounts 💯 #followback", "Investor. Entrepreneur. Mindset 📈",
	"Selling shoutouts, cheap", "Giveaways every week 🎁 RT + follow",
};

static const char *const foreign_bios[] = {
	"Amo a música e a vida", "Hidup adalah perjalanan", "Люблю путешествия",
	"Vivir es soñar", "Kahve ve kitap", "La vita è bella", "Cinta damai",
	"Seja feliz", "Sonríe siempre", "Сила в правде",
};

static const char *const url_fmts[][2] = {
	{ "https://", ".net" }, { "https://github.com/", "" }, { "https://linktr.ee/", "" },
	{ "https://", ".blog" }, { "https://www.instagram.com/", "" },
	{ "https://", ".example.org" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define PICK(r, a)	((a)[rng_below((r), NELEM(a))])

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
};

/* Account classes of the genuine population, from lurkers to creators. */
enum { C_LURKER, C_CASUAL, C_ACTIVE, C_CREATOR };

static void
scat(char *dst, size_t size, const char *s)
{
	size_t n = strlen(dst);

	if (n + 1 < size)
		snprintf(dst + n, size - n, "%s", s);
}

static int64_t
clampi(double v, int64_t lo, int64_t hi)
{
	if (!(v >= (double)lo))
		return lo;
	if (v > (double)hi)
		return hi;
	return (int64_t)v;
}

/* Snowflake-style id: creation time in ms above 16 low bits, so ids sort by creation. */
static uint64_t
make_id(int64_t created_ms, uint64_t low)
{
	return ((uint64_t)created_ms << 16) | (low & 0xffff);
}

static void
random_string(struct rng *r, char *out, int n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	int i;

	out[0] = "abcdefghijklmnopqrstuvwxyz"[rng_below(r, 26)];
	for (i = 1; i < n; i++)
		out[i] = set[rng_below(r, sizeof(set) - 1)];
	out[n] = '\0';
}

static void
handle_genuine(struct rng *r, const struct name *f, const struct name *l, char *out, size_t sz)
{
	double u = rng_unif(r);

	if (u < 0.22)
		snprintf(out, sz, "%s%s", f->ascii, l->ascii);
	else if (u < 0.36)
		snprintf(out, sz, "%s_%s", f->ascii, l->ascii);
	else if (u < 0.46)
		snprintf(out, sz, "%s%c", f->ascii, l->ascii[0]);
	else if (u < 0.56)
		snprintf(out, sz, "%c%s", f->ascii[0], l->ascii);
	else if (u < 0.70)	/* birth years */
		snprintf(out, sz, "%s%s%d", f->ascii, rng_bern(r, 0.5) ? l->ascii : "",
		    rng_bern(r, 0.5) ? rng_int(r, 60, 99) : rng_int(r, 1965, 2008));
	else if (u < 0.84)
		snprintf(out, sz, "%s%s", PICK(r, words), PICK(r, words));
	else if (u < 0.92)
		snprintf(out, sz, "%s_%s", f->ascii, PICK(r, words));
	else if (u < 0.97)
		snprintf(out, sz, "%s%s%d", PICK(r, words), PICK(r, words), rng_int(r, 1, 999));
	else
		random_string(r, out, rng_int(r, 5, 9));	/* some people pick noise */
}

static void
handle_fake(struct rng *r, const struct name *f, const struct name *l, char *out, size_t sz)
{
	double u = rng_unif(r);
	char rs[20];

	if (u < 0.35)
		snprintf(out, sz, "%s%s%0*d", f->ascii, rng_bern(r, 0.5) ? l->ascii : "",
		    rng_int(r, 4, 8), rng_int(r, 0, 99999999));
	else if (u < 0.55) {
		random_string(r, rs, rng_int(r, 8, 14));
		snprintf(out, sz, "%s", rs);
	} else if (u < 0.75) {
		random_string(r, rs, rng_int(r, 2, 4));
		snprintf(out, sz, "%s%s%d", f->ascii, rs, rng_int(r, 10, 9999));
	} else if (u < 0.88)
		snprintf(out, sz, "%s_%s%d", f->ascii, l->ascii, rng_int(r, 1, 999));
	else	/* indistinguishable from a person's */
		handle_genuine(r, f, l, out, sz);
}

static void
display_name(struct rng *r, const struct name *f, const struct name *l, char *out, size_t sz)
{
	double u = rng_unif(r);

	if (u < 0.68)
		snprintf(out, sz, "%s %s", f->disp, l->disp);
	else if (u < 0.84)
		snprintf(out, sz, "%s", f->disp);
	else if (u < 0.90)
		snprintf(out, sz, "%s %c.", f->disp, l->ascii[0] - 'a' + 'A');
	else if (u < 0.95)
		snprintf(out, sz, "%s %s %s", f->disp, l->disp, tails[8 + rng_below(r, NELEM(tails) - 8)]);
	else
		snprintf(out, sz, "%s%s", PICK(r, words), PICK(r, words));
}

static void
bio_genuine(struct rng *r, char *out, size_t sz)
{
	const char *role;
	int n = rng_int(r, 1, 4), i;
	char tmp[160];

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		switch (rng_int(r, 0, 5)) {
		case 0:
			snprintf(tmp, sizeof(tmp), "%s.", PICK(r, roles));
			break;
		case 1:
			snprintf(tmp, sizeof(tmp), "Into %s and %s.", PICK(r, interests),
			    PICK(r, interests));
			break;
		case 2:
			snprintf(tmp, sizeof(tmp), "%s, %s, %s.", PICK(r, interests),
			    PICK(r, interests), PICK(r, interests));
			break;
		case 3:
			snprintf(tmp, sizeof(tmp), "Living in %s.", PICK(r, cities));
			break;
		case 4:
			role = PICK(r, roles);
			snprintf(tmp, sizeof(tmp), "Former %c%s.",
			    tolower((unsigned char)role[0]), role + 1);
			break;
		default:
			snprintf(tmp, sizeof(tmp), "%s", PICK(r, tails));
			break;
		}
		if (i > 0)
			scat(out, sz, " ");
		scat(out, sz, tmp);
	}
}

static void
url_for(struct rng *r, const char *handle, char *out, size_t sz)
{
	size_t i = rng_below(r, NELEM(url_fmts));

	snprintf(out, sz, "%s%s%s", url_fmts[i][0], handle, url_fmts[i][1]);
}

static int64_t
last_post_for(struct rng *r, int64_t posts, int64_t created, int64_t obs, double p_dormant,
    double mean_gap)
{
	double gap, age = (double)(obs - created);

	if (posts <= 0 || age <= 0)
		return FG_TIME_UNKNOWN;
	if (rng_bern(r, p_dormant) && age > 40 * DAY)
		gap = rng_logunif(r, 30 * DAY, age);
	else
		gap = -log(1.0 - rng_unif(r)) * mean_gap;
	if (gap > age)
		gap = age * rng_unif(r);
	return obs - (int64_t)gap;
}


static int64_t
clamp_created(struct rng *r, double created, double tf)
{
	/* Nobody is older than the platform, and an account exists before it follows. */
	if (created < (double)PLATFORM_EPOCH)
		created = (double)PLATFORM_EPOCH + rng_unif(r) * 180 * DAY;
	if (created > tf - 60)
		created = tf - 60 - rng_unif(r) * 60;
	return (int64_t)created;
}

static void
pick_names(struct rng *r, const struct name **f, const struct name **l)
{
	*f = &firsts[rng_below(r, NELEM(firsts))];
	*l = &lasts[rng_below(r, NELEM(lasts))];
}

/*
 * A real person who follows at time tf. newshare: the chance that the account was made only
 * days or minutes ago (higher during a viral burst: people join the platform for it).
 */
static void
gen_genuine(struct rng *r, struct sprof *p, double tf, int64_t obs, double newshare)
{
	static const double cls_cut[] = { 0.40, 0.76, 0.96, 1.0 };
	static const double posts_med[] = { 4, 90, 900, 6000 };
	static const double posts_day[] = { 3, 15, 60, 200 };
	static const double fol_med[] = { 12, 70, 350, 4000 };
	static const double fg_med[] = { 90, 220, 450, 700 };
	static const double like_mul[] = { 4.0, 2.5, 2.0, 1.5 };
	static const double p_avd[] = { 0.20, 0.07, 0.02, 0.005 };
	static const double p_nobio[] = { 0.50, 0.25, 0.10, 0.03 };
	static const double p_dorm[] = { 0.60, 0.30, 0.08, 0.03 };
	static const double gap_mean[] = { 25 * DAY, 6 * DAY, 1.2 * DAY, 0.3 * DAY };
	static const double p_url[] = { 0.05, 0.12, 0.30, 0.60 };
	static const double p_loc[] = { 0.20, 0.33, 0.45, 0.55 };
	const struct name *f, *l;
	double u = rng_unif(r), age, years, zp, zf, zg, agedays;
	int c, newbie = rng_bern(r, newshare);

	for (c = 0; u > cls_cut[c]; c++)
		;
	if (newbie) {
		age = rng_logunif(r, 300, 30 * DAY);
		if (c > C_CASUAL)
			c = rng_bern(r, 0.8) ? C_CASUAL : c;
	} else
		age = rng_lognormal(r, 4 * YEAR, 0.8);
	if (!newbie && age < 30 * DAY)
		age = 30 * DAY + rng_unif(r) * 60 * DAY;
	memset(p, 0, sizeof(*p));
	p->created = clamp_created(r, tf - age, tf);
	age = (double)obs - (double)p->created;
	agedays = age / DAY;
	years = age / YEAR;

	zp = rng_normal(r);
	p->posts = c == C_LURKER && rng_bern(r, 0.3) ? 0 :
	    clampi(posts_med[c] * exp(1.1 * zp + 0.4 * log(years + 0.1)), 0,
	    (int64_t)(agedays * posts_day[c]) + 1);
	zf = 0.5 * zp + 0.87 * rng_normal(r);
	p->followers = clampi(fol_med[c] * exp(1.0 * zf + 0.25 * log(years + 0.25)), 0,
	    (int64_t)(agedays * 30) + 3);
	zg = 0.45 * zf + 0.89 * rng_normal(r);
	p->following = clampi(fg_med[c] * exp(0.8 * zg + 0.15 * log(years + 0.25)), 0,
	    (int64_t)(agedays * 60) + 5);
	p->likes = clampi((double)(p->posts + 3) * like_mul[c] * exp(1.1 * rng_normal(r)), 0,
	    (int64_t)(agedays * 400) + 1);
	p->listed = clampi((double)p->followers * 0.01 * exp(0.8 * rng_normal(r)), 0,
	    INT64_C(100000000));
	p->avatar_default = rng_bern(r, p_avd[c] + (newbie ? 0.30 : 0));
	p->last_post = last_post_for(r, p->posts, p->created, obs, p_dorm[c], gap_mean[c]);
	p->verified = rng_bern(r, c == C_CREATOR ? 0.10 : c == C_ACTIVE ? 0.01 : 0.001);
	p->locked = rng_bern(r, c == C_LURKER ? 0.08 : c == C_CASUAL ? 0.05 : 0.01);
	p->bot = rng_bern(r, 0.002);	/* a self-declared news or art bot is no fake */

	pick_names(r, &f, &l);
	handle_genuine(r, f, l, p->handle, sizeof(p->handle));
	if (rng_bern(r, c == C_LURKER ? 0.06 : 0.02))
		p->name[0] = '\0';
	else
		display_name(r, f, l, p->name, sizeof(p->name));
	if (rng_bern(r, p_nobio[c] + (newbie ? 0.30 : 0)))
		p->bio[0] = '\0';
	else
		bio_genuine(r, p->bio, sizeof(p->bio));
	if (rng_bern(r, p_url[c]))
		url_for(r, p->handle, p->url, sizeof(p->url));
	if (rng_bern(r, p_loc[c]))
		snprintf(p->loc, sizeof(p->loc), "%s", PICK(r, cities));
	p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
}

/* A spam or follow-back account that follows everyone: it arrives with organic traffic. */
static void
gen_spam(struct rng *r, struct sprof *p, double tf, int64_t obs)
{
	const struct name *f, *l;

	memset(p, 0, sizeof(*p));
	p->fake = 1;
	p->created = clamp_created(r, tf - rng_lognormal(r, 1.5 * YEAR, 1.0), tf);
	p->following = clampi(rng_lognormal(r, 6000, 0.9), 300, 1000000);
	p->followers = clampi(rng_lognormal(r, 700, 1.5), 0, 1000000);
	p->posts = rng_bern(r, 0.3) ? clampi(rng_lognormal(r, 5, 1.0), 0, 100000) :
	    clampi(rng_lognormal(r, 2500, 1.3), 0, 1000000);
	p->likes = clampi(rng_lognormal(r, 300, 1.5), 0, 10000000);
	p->listed = clampi(rng_lognormal(r, 3, 1.2), 0, 100000);
	p->avatar_default = rng_bern(r, 0.15);
	p->last_post = last_post_for(r, p->posts, p->created, obs, 0.3, 1 * DAY);
	p->locked = rng_bern(r, 0.01);
	pick_names(r, &f, &l);
	handle_fake(r, f, l, p->handle, sizeof(p->handle));
	if (rng_bern(r, 0.6))
		display_name(r, f, l, p->name, sizeof(p->name));
	else
		snprintf(p->name, sizeof(p->name), "%s %s", PICK(r, words), "💯");
	if (rng_bern(r, 0.7))
		snprintf(p->bio, sizeof(p->bio), "%s", PICK(r, spam_bios));
	else if (rng_bern(r, 0.5))
		bio_genuine(r, p->bio, sizeof(p->bio));
	if (rng_bern(r, 0.5)) {
		char rs[12];

		random_string(r, rs, 7);
		snprintf(p->url, sizeof(p->url), "https://bit.ly/%s", rs);
	}
	p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
}

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
};

static void
stock_init(struct stock *s, struct rng *r, int style, int64_t t0, int64_t size)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->seed = rng_next(r);
	s->style = style;
	/* Vendors pad orders with whatever they have: a minority of another style. */
	s->style2 = (style + rng_int(r, 1, 3)) % 4;
	s->mix = rng_bern(r, 0.5) ? rng_range(r, 0, 0.2) : 0;
	s->seq0 = rng_next(r);
	switch (style) {
	case FG_SIM_FRESH:
		s->p_avd = rng_range(r, 0.5, 0.95);
		s->p_nobio = rng_range(r, 0.75, 0.98);
		s->p_name = rng_range(r, 0.3, 0.9);
		s->win_span = rng_range(r, 0.3, 3) * DAY;
		s->fresh_ms = (t0 - (int64_t)(rng_logunif(r, 0.05, 20) * DAY) -
		    (int64_t)s->win_span) * 1000;
		s->fresh_gap_ms = s->win_span * 1000 / (double)(size > 0 ? size : 1);
		break;
	case FG_SIM_AGED:
		s->p_avd = rng_range(r, 0.05, 0.25);
		s->p_nobio = rng_range(r, 0.15, 0.5);
		s->nwin = rng_int(r, 1, 3);
		s->win_span = rng_range(r, 1, 3) * DAY;
		for (i = 0; i < s->nwin; i++)
			s->win[i] = t0 - (int64_t)(rng_range(r, 2, 12) * YEAR);
		break;
	case FG_SIM_EMPTY:
		s->p_avd = rng_range(r, 0.9, 1.0);
		break;
	case FG_SIM_COPYCAT:
		s->p_avd = rng_range(r, 0, 0.05);
		s->nwin = rng_int(r, 2, 5);
		s->win_span = rng_range(r, 2.0 / 24, 2) * DAY;
		for (i = 0; i < s->nwin; i++)
			s->win[i] = t0 - (int64_t)(rng_range(r, 30, 730) * DAY);
		break;
	}
}

/* Account j of an order from stock s, delivered at tf. */
static void
gen_purchased(const struct stock *s, uint64_t j, struct sprof *p, double tf, int64_t obs)
{
	const struct name *f, *l;
	struct rng rr, *r = &rr;
	int64_t cms;
	int style = hunif(s->seed, 2 * j + 1) < s->mix ? s->style2 : s->style;
	double w;

	rng_seed(r, mix64(s->seed, 2 * j));
	memset(p, 0, sizeof(*p));
	p->fake = 1;
	pick_names(r, &f, &l);
	p->avatar_default = rng_bern(r, s->style == style ? s->p_avd :
	    style == FG_SIM_EMPTY ? 0.95 : style == FG_SIM_FRESH ? 0.7 : 0.1);
	switch (style) {
	case FG_SIM_FRESH:
		if (s->style == FG_SIM_FRESH) {
			cms = s->fresh_ms + (int64_t)((double)j * s->fresh_gap_ms +
			    rng_unif(r) * s->fresh_gap_ms * 0.5);
			p->created = clamp_created(r, (double)(cms / 1000), tf);
			p->id = make_id(p->created * 1000 + cms % 1000, s->seq0 + j);
		} else {
			p->created = clamp_created(r, tf - rng_logunif(r, 0.1, 20) * DAY, tf);
			p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000),
			    rng_next(r));
		}
		p->posts = rng_bern(r, 0.6) ? 0 : rng_int(r, 1, 10);
		p->followers = clampi(rng_lognormal(r, 3, 1.2) - 1, 0, 100000);
		p->following = clampi(rng_lognormal(r, 600, 0.8), 20, 7500);
		p->likes = p->posts > 0 ? rng_int(r, 0, 40) : rng_int(r, 0, 3);
		p->listed = 0;
		handle_fake(r, f, l, p->handle, sizeof(p->handle));
		if (rng_bern(r, s->style == style ? s->p_name : 0.6))
			display_name(r, f, l, p->name, sizeof(p->name));
		if (!rng_bern(r, s->style == style ? s->p_nobio : 0.9))
			snprintf(p->bio, sizeof(p->bio), "%s", rng_bern(r, 0.5) ?
			    PICK(r, tails) : PICK(r, interests));
		p->last_post = last_post_for(r, p->posts, p->created, obs, 0, 2 * DAY);
		break;
	case FG_SIM_AGED:
		if (s->nwin > 0 && s->style == FG_SIM_AGED) {
			w = (double)s->win[rng_below(r, (uint64_t)s->nwin)] +
			    rng_unif(r) * s->win_span;
			p->created = clamp_created(r, w, tf);
		} else
			p->created = clamp_created(r, tf - rng_range(r, 2, 12) * YEAR, tf);
		p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
		p->posts = clampi(rng_lognormal(r, 40, 1.2), 0, 100000);
		p->followers = clampi(rng_lognormal(r, 60, 1.1), 0, 100000);
		p->following = clampi(rng_lognormal(r, 1500, 0.7), 50, 7500);
		p->likes = clampi(rng_lognormal(r, 100, 1.5), 0, 1000000);
		p->listed = clampi(rng_lognormal(r, 0.5, 1.0), 0, 1000);
		if (rng_bern(r, 0.5))
			handle_genuine(r, f, l, p->handle, sizeof(p->handle));
		else
			handle_fake(r, f, l, p->handle, sizeof(p->handle));
		display_name(r, f, l, p->name, sizeof(p->name));
		if (!rng_bern(r, s->style == style ? s->p_nobio : 0.3)) {
			if (rng_bern(r, 0.3))
				snprintf(p->bio, sizeof(p->bio), "%s",
				    PICK(r, foreign_bios));
			else
				bio_genuine(r, p->bio, sizeof(p->bio));
		}
		if (rng_bern(r, 0.25))
			snprintf(p->loc, sizeof(p->loc), "%s", PICK(r, cities));
		/* Mostly dormant since sold; some vendors post to look alive. */
		if (p->posts > 0) {
			if (rng_bern(r, 0.7))
				p->last_post = p->created + (int64_t)(rng_range(r, 0.05, 1.0) *
				    (double)(obs - p->created) * 0.5);
			else
				p->last_post = obs - (int64_t)rng_logunif(r, 3600, 60 * DAY);
			if (p->last_post > obs)
				p->last_post = obs;
			if (p->last_post < p->created)
				p->last_post = p->created;
		} else
			p->last_post = FG_TIME_UNKNOWN;
		break;
	case FG_SIM_EMPTY:
		p->created = clamp_created(r, tf - rng_logunif(r, 7, 730) * DAY, tf);
		p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
		p->posts = rng_bern(r, 0.95) ? 0 : 1;
		p->followers = clampi(rng_lognormal(r, 1.5, 1.0) - 1, 0, 1000);
		p->following = clampi(rng_lognormal(r, 300, 1.0), 1, 7500);
		p->likes = rng_bern(r, 0.9) ? 0 : rng_int(r, 1, 5);
		p->listed = 0;
		handle_fake(r, f, l, p->handle, sizeof(p->handle));
		if (rng_bern(r, 0.1))
			snprintf(p->name, sizeof(p->name), "%s", p->handle);
		p->last_post = last_post_for(r, p->posts, p->created, obs, 0.5, 30 * DAY);
		break;
	case FG_SIM_COPYCAT: {
		struct sprof real;
		struct rng rc;

		/* The name, bio, photo, place and link of a real person... */
		rng_seed(&rc, mix64(s->seed ^ UINT64_C(0x5eed), j));
		gen_genuine(&rc, &real, tf, obs, 0);
		memcpy(p->name, real.name, sizeof(p->name));
		memcpy(p->bio, real.bio, sizeof(p->bio));
		memcpy(p->loc, real.loc, sizeof(p->loc));
		if (real.url[0] != '\0' && rng_bern(r, 0.5))
			memcpy(p->url, real.url, sizeof(p->url));
		if (real.name[0] == '\0')
			display_name(r, f, l, p->name, sizeof(p->name));
		/* ...on an account made in a batch, that follows many and posts little. */
		if (s->nwin > 0 && s->style == FG_SIM_COPYCAT)
			w = (double)s->win[rng_below(r, (uint64_t)s->nwin)] +
			    rng_unif(r) * s->win_span;
		else
			w = tf - rng_range(r, 30, 730) * DAY;
		p->created = clamp_created(r, w, tf);
		p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
		snprintf(p->handle, sizeof(p->handle), "%.60s%s", real.handle,
		    rng_bern(r, 0.5) ? "_" : rng_bern(r, 0.5) ? "x" : "1");
		if (rng_bern(r, 0.3))
			handle_fake(r, f, l, p->handle, sizeof(p->handle));
		p->posts = rng_bern(r, 0.3) ? 0 : clampi(rng_lognormal(r, 4, 1.2), 0, 10000);
		p->followers = clampi(rng_lognormal(r, 25, 1.0), 0, 100000);
		p->following = clampi(rng_lognormal(r, 900, 0.8), 30, 7500);
		p->likes = clampi(rng_lognormal(r, 20, 1.5), 0, 100000);
		p->listed = 0;
		p->avatar_default = rng_bern(r, s->style == style ? s->p_avd : 0.03);
		p->last_post = last_post_for(r, p->posts, p->created, obs, 0.4, 10 * DAY);
		break;
	}
	}
}

/* ---- events and the history's state ---- */

/* An injected event: a viral burst or a purchased order. */
struct sevent {
	unsigned	kind;		/* FG_SIM_VIRAL, FG_SIM_PURCHASE or FG_SIM_DRIP */
	int		num;		/* N in "viral:N", numbered by start time */
	int		speed, style;
	double		pct;		/* size, % of the count at the start; < 0: drawn */
	int64_t		t0;		/* scheduled start */
	int		started, done;
	uint64_t	seed;
	/* viral: a main wave and maybe a second one (reshares) */
	int		nwave;
	double		vsize[2], vt[2], vtr[2], vtd[2];
	double		newshare;
	/* orders */
	int64_t		target, delivered;
	double		acc, dur, cap, rate, w[24], wsum;
	int		nslot, run_min, run_max;
	struct stock	stock;
	/* ground truth */
	double		first, last;
	int64_t		arrived;
	double		expected;
};

/* A small organic bump (a mention, a repost): part of the noise, not an event. */
struct bump {
	double	t0, size, tr, td;
};

/* One arrival, or one run of a vendor's accounts, within a poll. */
struct item {
	double		t;
	uint64_t	seed;	/* profile seed; runs: index of the first account */
	uint32_t	n;	/* run length */
	int32_t		ev;	/* index into events, -1 organic */
	uint32_t	ord;
};

struct sim {
	const struct fg_sim_opts *o;
	FILE		*out;
	char		*buf;
	size_t		 len;
	int		 err;
	char		*watch;		/* JSON-escaped, quoted */
	char		 pre[128];	/* {"t":"…","watch":"…","type":" */
	size_t		 prelen;
	unsigned	 fields;
	struct rng	 g;
	/* per-history parameters of the organic process */
	double		 base_frac, amp1, amp2, ph2, peak, tz, weekend, wkday, churn, spam,
			 newshare;
	double		 nrho, nsig, z, drho, dsig, zd;
	int64_t		 zhour, zday;
	double		 gcount;
	int64_t		 count;
	uint64_t	*res;
	size_t		 nres;
	uint64_t	*unf;
	struct sevent	*ev;
	size_t		 nev;
	struct bump	 bumps[NBUMP_MAX];
	size_t		 nbump;
	double		 next_bump;
	struct item	*items;
	size_t		 nitems, capitems;
};

/* Fields the platform exposes (enum fg_sim_platform). */
enum {
	F_LIKES = 1 << 0, F_LISTED = 1 << 1, F_LOC = 1 << 2, F_URL = 1 << 3, F_BOT = 1 << 4,
	F_VERIFIED = 1 << 5, F_LOCKED = 1 << 6, F_LASTPOST = 1 << 7,
};

static const unsigned platform_fields[] = {
	[FG_SIM_GENERIC] = F_LIKES | F_LOC | F_URL | F_BOT | F_VERIFIED | F_LOCKED | F_LASTPOST,
	[FG_SIM_MASTODON] = F_URL | F_BOT | F_LOCKED | F_LASTPOST,
	[FG_SIM_X] = F_LIKES | F_LISTED | F_LOC | F_URL | F_VERIFIED | F_LOCKED | F_LASTPOST,
	[FG_SIM_BLUESKY] = 0,
};

static const char *const speed_names[] = { "hour", "day", "capped", "weeks" };
static const char *const style_names[] = { "fresh", "aged", "empty", "copycat" };
static const char *const platform_names[] = { "generic", "mastodon", "x", "bluesky" };

/* ---- output: one buffer, flushed in large writes ---- */

static void
out_flush(struct sim *s)
{
	if (s->len > 0 && fwrite(s->buf, 1, s->len, s->out) != s->len)
		s->err = 1;
	s->len = 0;
}

static inline void
out_reserve(struct sim *s, size_t n)
{
	if (s->len + n > OUTBUF_SIZE)
		out_flush(s);
}

static inline void
out_mem(struct sim *s, const char *p, size_t n)
{
	out_reserve(s, n);
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

#define out_lit(s, lit)	out_mem((s), (lit), sizeof(lit) - 1)

static void
out_str(struct sim *s, const char *p)
{
	out_mem(s, p, strlen(p));
}

/* A JSON string: quotes, backslashes and control characters escaped; UTF-8 passes. */
static size_t
json_escape(char *dst, const char *p)
{
	static const char hex[] = "0123456789abcdef";
	char *d = dst;
	unsigned char c;

	*d++ = '"';
	for (; (c = (unsigned char)*p) != '\0'; p++) {
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
	*d++ = '"';
	return (size_t)(d - dst);
}

static void
out_json(struct sim *s, const char *p)
{
	out_reserve(s, strlen(p) * 6 + 2);
	s->len += json_escape(s->buf + s->len, p);
}

static void
out_uint(struct sim *s, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	out_mem(s, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void
out_time(struct sim *s, int64_t t)
{
	char b[FG_RFC3339_LEN + 2];

	b[0] = '"';
	time_format_rfc3339(t, b + 1);
	b[FG_RFC3339_LEN] = '"';
	out_mem(s, b, FG_RFC3339_LEN + 1);
}

static void
out_bool(struct sim *s, int v)
{
	if (v)
		out_lit(s, "true");
	else
		out_lit(s, "false");
}

/* Starts the lines of the poll at time t. */
static void
poll_begin(struct sim *s, int64_t t)
{
	char ts[FG_RFC3339_LEN];

	s->prelen = (size_t)snprintf(s->pre, sizeof(s->pre), "{\"t\":\"%s\",\"watch\":",
	    time_format_rfc3339(t, ts));
}

static void
out_prefix(struct sim *s, const char *type)
{
	out_mem(s, s->pre, s->prelen);
	out_str(s, s->watch);
	out_lit(s, ",\"type\":\"");
	out_str(s, type);
	out_lit(s, "\"");
}

static void
out_follow(struct sim *s, const struct sprof *p, int64_t obs, const char *src, int num)
{
	unsigned f = s->fields;

	out_prefix(s, "follow");
	out_lit(s, ",\"profile\":{\"id\":\"");
	out_uint(s, p->id);
	out_lit(s, "\",\"handle\":");
	out_json(s, p->handle);
	out_lit(s, ",\"display_name\":");
	out_json(s, p->name);
	out_lit(s, ",\"bio\":");
	out_json(s, p->bio);
	out_lit(s, ",\"created_at\":");
	out_time(s, p->created);
	out_lit(s, ",\"observed_at\":");
	out_time(s, obs);
	out_lit(s, ",\"avatar_default\":");
	out_bool(s, p->avatar_default);
	out_lit(s, ",\"followers_count\":");
	out_uint(s, (uint64_t)p->followers);
	out_lit(s, ",\"following_count\":");
	out_uint(s, (uint64_t)p->following);
	out_lit(s, ",\"posts_count\":");
	out_uint(s, (uint64_t)p->posts);
	if (f & F_LIKES) {
		out_lit(s, ",\"likes_count\":");
		out_uint(s, (uint64_t)p->likes);
	}
	if (f & F_LISTED) {
		out_lit(s, ",\"listed_count\":");
		out_uint(s, (uint64_t)p->listed);
	}
	if ((f & F_LASTPOST) && p->last_post != FG_TIME_UNKNOWN) {
		out_lit(s, ",\"last_post_at\":");
		out_time(s, p->last_post);
	}
	if ((f & F_URL) && p->url[0] != '\0') {
		out_lit(s, ",\"url\":");
		out_json(s, p->url);
	}
	if ((f & F_LOC) && p->loc[0] != '\0') {
		out_lit(s, ",\"location\":");
		out_json(s, p->loc);
	}
	if (f & F_BOT) {
		out_lit(s, ",\"bot\":");
		out_bool(s, p->bot);
	}
	if (f & F_VERIFIED) {
		out_lit(s, ",\"verified\":");
		out_bool(s, p->verified);
	}
	if (f & F_LOCKED) {
		out_lit(s, ",\"locked\":");
		out_bool(s, p->locked);
	}
	if (p->fake)
		out_lit(s, ",\"label\":\"fake\"},\"src\":\"");
	else
		out_lit(s, ",\"label\":\"genuine\"},\"src\":\"");
	out_str(s, src);
	if (num > 0) {
		out_lit(s, ":");
		out_uint(s, (uint64_t)num);
	}
	out_lit(s, "\"}\n");
}

static void
out_unfollow(struct sim *s, uint64_t id)
{
	out_prefix(s, "unfollow");
	out_lit(s, ",\"id\":\"");
	out_uint(s, id);
	out_lit(s, "\"}\n");
}

static void
out_count(struct sim *s)
{
	out_prefix(s, "count");
	out_lit(s, ",\"followers_count\":");
	out_uint(s, (uint64_t)s->count);
	out_lit(s, "}\n");
}

/* ---- followers remembered for unfollows: a bounded uniform sample ---- */

static void
reservoir_add(struct sim *s, uint64_t id)
{
	if (s->nres < RESERVOIR_MAX)
		s->res[s->nres++] = id;
	else if (rng_below(&s->g, (uint64_t)(s->count > 0 ? s->count : 1)) < RESERVOIR_MAX)
		s->res[rng_below(&s->g, RESERVOIR_MAX)] = id;
}

static int
reservoir_take(struct sim *s, uint64_t *id)
{
	size_t i;

	if (s->nres == 0)
		return -1;
	i = (size_t)rng_below(&s->g, s->nres);
	*id = s->res[i];
	s->res[i] = s->res[--s->nres];
	return 0;
}

/* ---- the organic process ---- */

/* Time-of-day factor (mean 1): a peak in the audience's evening, a trough at night. */
static double
diurnal(const struct sim *s, double t)
{
	double h = fmod((t + s->tz) / 3600.0, 24.0), th = 2 * M_PI * (h - s->peak) / 24.0;

	return 1.0 + s->amp1 * cos(th) + s->amp2 * cos(2 * th + s->ph2);
}

static double
weekly(const struct sim *s, double t)
{
	int64_t d = (int64_t)floor((t + s->tz) / DAY);
	int dow = (int)(((d % 7) + 7) % 7);	/* 0 = Thursday 1970-01-01 */

	return dow == 2 || dow == 3 ? s->weekend * s->wkday : s->wkday;
}

/* Expected organic arrivals per second at t, before bumps. */
static double
organic_rate(const struct sim *s, double t)
{
	return s->base_frac * s->gcount / DAY * diurnal(s, t) * weekly(s, t) *
	    exp(s->nsig * s->z - s->nsig * s->nsig / 2) *
	    exp(s->dsig * s->zd - s->dsig * s->dsig / 2);
}

/* Share of a burst (rise tr, decay td) that arrived by t after its start. */
static double
burst_cdf(double t, double tr, double td)
{
	double tp;

	if (t <= 0)
		return 0;
	tp = tr * td / (tr + td);
	return (td * (1 - exp(-t / td)) - tp * (1 - exp(-t / tp))) / (td - tp);
}

static void
noise_advance(struct sim *s, double t)
{
	int64_t h = (int64_t)floor(t / 3600), d = (int64_t)floor(t / DAY);

	while (s->zhour < h) {
		s->z = s->nrho * s->z + sqrt(1 - s->nrho * s->nrho) * rng_normal(&s->g);
		s->zhour++;
	}
	while (s->zday < d) {
		s->zd = s->drho * s->zd + sqrt(1 - s->drho * s->drho) * rng_normal(&s->g);
		s->zday++;
	}
}

/* Expected arrivals from organic bumps in (a, b]; starts and retires bumps. */
static double
bumps_expected(struct sim *s, double a, double b)
{
	double e = 0;
	size_t i;

	while (s->next_bump < b) {
		if (s->nbump < NBUMP_MAX) {
			struct bump *bp = &s->bumps[s->nbump++];

			bp->t0 = s->next_bump;
			bp->size = s->gcount * rng_logunif(&s->g, 0.0005, 0.01);
			bp->tr = rng_range(&s->g, 600, 2400);
			bp->td = rng_logunif(&s->g, 3600, 8 * 3600);
		}
		s->next_bump += -log(1 - rng_unif(&s->g)) * 3 * DAY;
	}
	for (i = 0; i < s->nbump; i++) {
		struct bump *bp = &s->bumps[i];

		e += bp->size * (burst_cdf(b - bp->t0, bp->tr, bp->td) -
		    burst_cdf(a - bp->t0, bp->tr, bp->td));
		if (a - bp->t0 > 8 * bp->td + bp->tr)
			s->bumps[i--] = s->bumps[--s->nbump];
	}
	return e;
}

/* ---- items of one poll ---- */

static struct item *
item_add(struct sim *s, double t, uint64_t seed, uint32_t n, int32_t ev)
{
	struct item *it;

	if (s->nitems == s->capitems) {
		s->capitems = s->capitems ? s->capitems * 2 : 1024;
		s->items = xreallocarray(s->items, s->capitems, sizeof(*s->items));
	}
	it = &s->items[s->nitems];
	it->t = t;
	it->seed = seed;
	it->n = n;
	it->ev = ev;
	it->ord = (uint32_t)s->nitems++;
	return it;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* ---- events ---- */

static void
event_start(struct sim *s, struct sevent *e)
{
	struct rng r;
	double cnt = (double)s->count, days;
	int i, any;

	rng_seed(&r, e->seed);
	e->started = 1;
	e->first = e->last = -1;
	if (e->kind == FG_SIM_VIRAL) {
		if (e->pct < 0)
			e->pct = rng_logunif(&r, 1, 60);
		e->expected = cnt * e->pct / 100;
		e->newshare = rng_range(&r, 0.08, 0.3);
		e->nwave = rng_bern(&r, 0.35) ? 2 : 1;
		for (i = 0; i < e->nwave; i++) {
			e->vt[i] = (double)e->t0 + (i == 0 ? 0 : rng_range(&r, 2, 20) * 3600);
			e->vtr[i] = rng_range(&r, 600, 2700);
			e->vtd[i] = rng_logunif(&r, 2 * 3600, 36 * 3600);
			e->vsize[i] = e->expected;
		}
		if (e->nwave == 2) {
			e->vsize[1] = e->expected * rng_range(&r, 0.2, 0.5);
			e->vsize[0] = e->expected - e->vsize[1];
		}
		return;
	}
	if (e->speed == FG_SIM_WEEKS) {
		days = rng_range(&r, 14, 42);
		if (e->pct < 0) {
			e->rate = rng_logunif(&r, 20, 200);
			e->target = (int64_t)(e->rate * days);
			e->pct = cnt > 0 ? 100.0 * (double)e->target / cnt : 0;
		} else {
			e->target = (int64_t)(cnt * e->pct / 100);
			e->rate = (double)e->target / days;
		}
		e->run_min = 1;
		e->run_max = 3;
	} else {
		if (e->pct < 0)
			e->pct = rng_logunif(&r, 2, 60);
		e->target = (int64_t)(cnt * e->pct / 100 + 0.5);
	}
	e->expected = (double)e->target;
	switch (e->speed) {
	case FG_SIM_HOUR:
	case FG_SIM_DAY:
		/* Throughput varies from slot to slot; a day order pauses now and then. */
		if (e->speed == FG_SIM_HOUR) {
			e->dur = rng_range(&r, 20, 70) * 60;
			e->nslot = 12;
		} else {
			e->nslot = rng_int(&r, 6, 24);
			e->dur = e->nslot * 3600.0;
		}
		for (i = 0, any = 0; i < e->nslot; i++) {
			e->w[i] = e->speed == FG_SIM_HOUR || rng_bern(&r, 0.7) ?
			    rng_range(&r, 0.3, 1.7) : 0;
			e->wsum += e->w[i];
			any |= e->w[i] > 0;
		}
		if (!any) {
			e->w[0] = 1;
			e->wsum = 1;
		}
		e->run_min = e->speed == FG_SIM_HOUR ? 20 : 10;
		e->run_max = e->speed == FG_SIM_HOUR ? 250 : 120;
		break;
	case FG_SIM_CAPPED:
		e->cap = (double)e->target / rng_range(&r, 3, 8);
		e->cap = e->cap < 100 ? 100 : e->cap > 5000 ? 5000 : e->cap;
		e->run_min = 10;
		e->run_max = 120;
		break;
	}
	stock_init(&e->stock, &r, e->style, e->t0, e->target);
}

static double
overlap(double a0, double a1, double b0, double b1)
{
	double lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;

	return hi > lo ? hi - lo : 0;
}

/* The vendor's planned deliveries in (a, b]. */
static double
order_expected(const struct sevent *e, double a, double b)
{
	double t0 = (double)e->t0, x = 0, tot, wsum, w[24], ds;
	int64_t d, d0, d1;
	int h;

	switch (e->speed) {
	case FG_SIM_HOUR:
	case FG_SIM_DAY:
		ds = e->dur / e->nslot;
		for (h = 0; h < e->nslot; h++)
			x += (double)e->target * e->w[h] / e->wsum *
			    overlap(a, b, t0 + h * ds, t0 + (h + 1) * ds) / ds;
		return x;
	default:
		break;
	}
	d0 = (int64_t)floor((a - t0) / DAY);
	d1 = (int64_t)floor((b - t0) / DAY);
	for (d = d0 < 0 ? 0 : d0; d <= d1; d++) {
		ds = t0 + (double)d * DAY;
		if (e->speed == FG_SIM_WEEKS) {
			x += e->rate * (0.6 + 0.8 * hunif(e->seed, (uint64_t)d)) *
			    overlap(a, b, ds, ds + DAY) / DAY;
			continue;
		}
		/* Capped: the day's quota, run as a few jobs at random hours. */
		tot = e->cap * (0.8 + 0.2 * hunif(e->seed, (uint64_t)d * 32 + 30));
		for (h = 0, wsum = 0; h < 24; h++) {
			w[h] = hunif(e->seed, (uint64_t)d * 32 + (uint64_t)h) < 0.35 ?
			    0.5 + hunif(e->seed ^ 1, (uint64_t)d * 32 + (uint64_t)h) : 0;
			wsum += w[h];
		}
		if (wsum == 0) {
			w[mix64(e->seed, (uint64_t)d) % 24] = 1;
			wsum = 1;
		}
		for (h = 0; h < 24; h++)
			if (w[h] > 0)
				x += tot * w[h] / wsum *
				    overlap(a, b, ds + h * 3600, ds + (h + 1) * 3600) / 3600;
	}
	return x;
}

static void
event_arrivals(struct sim *s, struct sevent *e, int32_t idx, double a, double b)
{
	double x, lo, before;
	int64_t n, k, due;
	size_t first, i;
	int w;

	if (e->kind == FG_SIM_VIRAL) {
		for (w = 0, x = 0; w < e->nwave; w++)
			x += e->vsize[w] * (burst_cdf(b - e->vt[w], e->vtr[w], e->vtd[w]) -
			    burst_cdf(a - e->vt[w], e->vtr[w], e->vtd[w]));
		n = rng_poisson(&s->g, x * diurnal(s, (a + b) / 2));
		for (k = 0; k < n; k++)
			item_add(s, a + (b - a) * rng_unif(&s->g), rng_next(&s->g), 1, idx);
		for (w = 0, e->done = 1; w < e->nwave; w++)
			if (a < e->vt[w] + 6 * e->vtd[w] + e->vtr[w])
				e->done = 0;
		return;
	}
	x = order_expected(e, a, b);
	if (e->speed == FG_SIM_WEEKS)
		due = rng_poisson(&s->g, x);
	else {
		before = e->acc;
		e->acc += x;
		due = (int64_t)floor(e->acc) - (int64_t)floor(before);
		if ((e->speed == FG_SIM_HOUR || e->speed == FG_SIM_DAY) &&
		    b >= (double)e->t0 + e->dur)
			due = e->target - e->delivered;
	}
	if (due > e->target - e->delivered)
		due = e->target - e->delivered;
	lo = a > (double)e->t0 ? a : (double)e->t0;
	first = s->nitems;
	while (due > 0) {
		n = rng_int(&s->g, e->run_min, e->run_max);
		if (n > due)
			n = due;
		item_add(s, lo + (b - lo) * rng_unif(&s->g), 0, (uint32_t)n, idx);
		due -= n;
	}
	/* The vendor works through its stock in order. */
	if (s->nitems - first > 1)
		qsort(s->items + first, s->nitems - first, sizeof(*s->items), item_cmp);
	for (i = first; i < s->nitems; i++) {
		s->items[i].seed = (uint64_t)e->delivered;
		e->delivered += s->items[i].n;
	}
	if (e->delivered >= e->target)
		e->done = 1;
}

/* ---- the schedule of events ---- */

static struct sevent *
event_new(struct sim *s, unsigned kind, int speed, int style, double pct)
{
	struct sevent *e;

	s->ev = xreallocarray(s->ev, s->nev + 1, sizeof(*s->ev));
	e = &s->ev[s->nev++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->speed = speed;
	e->style = style;
	e->pct = pct;
	e->seed = rng_next(&s->g);
	e->t0 = INT64_MIN;
	return e;
}

/* A random start in [lo, hi] days, away from other bursts and orders when there is room. */
static int64_t
random_start(struct sim *s, double lo, double hi, int spread)
{
	const struct fg_sim_opts *o = s->o;
	double day = lo;
	size_t i;
	int try, ok;

	if (hi < lo)
		hi = lo;
	for (try = 0; try < 50; try++) {
		day = rng_range(&s->g, lo, hi);
		if (!spread)
			break;
		for (i = 0, ok = 1; i < s->nev; i++)
			if (s->ev[i].kind != FG_SIM_DRIP && s->ev[i].t0 != INT64_MIN &&
			    fabs((double)(s->ev[i].t0 - o->start) / DAY - day) < 1.5)
				ok = 0;
		if (ok)
			break;
	}
	return o->start + (int64_t)(day * DAY);
}

static int
event_cmp(const void *a, const void *b)
{
	const struct sevent *x = a, *y = b;

	if (x->t0 != y->t0)
		return x->t0 < y->t0 ? -1 : 1;
	return x->seed < y->seed ? -1 : x->seed > y->seed;
}

static void
schedule(struct sim *s)
{
	const struct fg_sim_opts *o = s->o;
	const struct fg_sim_inject *in;
	struct sevent *e;
	double days = o->days, lo, hi;
	int expl_viral = 0, expl_order = 0, expl_drip = 0, n, i, speed, style;
	size_t k;

	lo = days >= 10 ? 7 : days * 0.3;
	hi = days >= 10 ? days - 1.5 : days * 0.9;
	for (k = 0; k < o->ninject; k++) {
		in = &o->inject[k];
		if (in->kind == FG_SIM_VIRAL) {
			e = event_new(s, FG_SIM_VIRAL, -1, -1, in->size_pct);
			expl_viral = 1;
		} else if (in->speed == FG_SIM_WEEKS || in->kind == FG_SIM_DRIP) {
			e = event_new(s, FG_SIM_DRIP, FG_SIM_WEEKS, in->style, in->size_pct);
			expl_drip = 1;
		} else {
			e = event_new(s, FG_SIM_PURCHASE, in->speed, in->style, in->size_pct);
			expl_order = 1;
		}
		e->t0 = in->day >= 0 ? o->start + (int64_t)(in->day * DAY) :
		    random_start(s, lo, hi, 1);
	}
	if (days < 1)
		goto number;
	if ((o->events & FG_SIM_VIRAL) && !expl_viral) {
		n = (int)rng_poisson(&s->g, days / 15);
		if (o->force && n == 0)
			n = 1;
		for (i = 0; i < n; i++) {
			e = event_new(s, FG_SIM_VIRAL, -1, -1, -1);
			e->t0 = random_start(s, lo, hi, 1);
		}
	}
	if ((o->events & FG_SIM_PURCHASE) && !expl_order) {
		n = (int)rng_poisson(&s->g, days / 30 * 1.2);
		if (o->force && n == 0)
			n = 1;
		speed = rng_int(&s->g, FG_SIM_HOUR, FG_SIM_CAPPED);
		style = rng_int(&s->g, FG_SIM_FRESH, FG_SIM_COPYCAT);
		for (i = 0; i < n; i++) {
			/* Successive orders differ in speed and style. */
			e = event_new(s, FG_SIM_PURCHASE, speed, style, -1);
			e->t0 = random_start(s, lo, hi, 1);
			speed = (speed + rng_int(&s->g, 1, 2)) % 3;
			style = (style + rng_int(&s->g, 1, 3)) % 4;
		}
	}
	if ((o->events & FG_SIM_DRIP) && !expl_drip) {
		n = (int)rng_poisson(&s->g, days / 30 * 0.6);
		if (o->force && n == 0)
			n = 1;
		for (i = 0; i < n; i++) {
			e = event_new(s, FG_SIM_DRIP, FG_SIM_WEEKS,
			    rng_int(&s->g, FG_SIM_FRESH, FG_SIM_COPYCAT), -1);
			e->t0 = random_start(s, lo * 0.5, days > 20 ? days - 14 : lo * 0.5, 0);
		}
	}
number:
	if (s->nev > 0)
		qsort(s->ev, s->nev, sizeof(*s->ev), event_cmp);
	for (k = 0; k < s->nev; k++)
		s->ev[k].num = (int)k + 1;
}

/* ---- the history ---- */

static void
params_draw(struct sim *s)
{
	struct rng *r = &s->g;

	s->base_frac = rng_logunif(r, 0.0005, 0.005);
	s->amp1 = rng_range(r, 0.3, 0.7);
	s->amp2 = rng_range(r, 0, 0.12);
	s->ph2 = rng_range(r, 0, 2 * M_PI);
	s->peak = rng_range(r, 18, 22);
	s->tz = rng_range(r, -12, 12) * 3600;
	s->weekend = rng_range(r, 0.8, 1.2);
	s->wkday = 7 / (5 + 2 * s->weekend);
	s->churn = rng_range(r, 0.2, 0.7);
	s->spam = rng_range(r, 0.01, 0.03);
	s->newshare = rng_range(r, 0.03, 0.08);
	s->nrho = rng_range(r, 0.8, 0.97);
	s->nsig = rng_range(r, 0.2, 0.5);
	s->drho = rng_range(r, 0.7, 0.95);
	s->dsig = rng_range(r, 0.05, 0.25);
	s->z = rng_normal(r);
	s->zd = rng_normal(r);
}

/* The first poll: the existing audience, newest follower first. */
static void
initial_scan(struct sim *s)
{
	const struct fg_sim_opts *o = s->o;
	struct stock legacy;
	struct sprof p;
	struct rng r;
	double age = rng_logunif(&s->g, 1, 8) * YEAR, tf, spam = rng_range(&s->g, 0.01, 0.04);
	int64_t i, n = o->audience, l0 = 0, l1 = 0, t = o->start;

	/* Half of the accounts once bought followers: a contiguous block of them. */
	if (rng_bern(&s->g, 0.5) && n > 0) {
		l1 = (int64_t)((double)n * rng_range(&s->g, 0.005, 0.08));
		l0 = (int64_t)rng_below(&s->g, (uint64_t)(n - l1 + 1));
		l1 += l0;
		tf = (double)t - age * ((double)l0 + 0.5) / (double)n;
		stock_init(&legacy, &s->g, rng_int(&s->g, FG_SIM_FRESH, FG_SIM_COPYCAT),
		    (int64_t)tf, l1 - l0);
	}
	poll_begin(s, t);
	for (i = 0; i < n && !s->err; i++) {
		tf = (double)t - age * ((double)i + rng_unif(&s->g)) / (double)n;
		if (i >= l0 && i < l1) {
			/* Listed newest first: the vendor's last account comes first. */
			gen_purchased(&legacy, (uint64_t)(l1 - 1 - i), &p, tf, t);
		} else {
			rng_seed(&r, rng_next(&s->g));
			if (rng_bern(&r, spam))
				gen_spam(&r, &p, tf, t);
			else
				gen_genuine(&r, &p, tf, t, 0.01);
		}
		out_follow(s, &p, t, "initial", 0);
		s->count++;
		if (!p.fake)
			s->gcount += 1;
		reservoir_add(s, p.id);
	}
	out_count(s);
}

static void
poll_run(struct sim *s, int64_t tb)
{
	const struct fg_sim_opts *o = s->o;
	double a = (double)(tb - o->poll_interval), b = (double)tb, x, base, t;
	struct sevent *e;
	struct item *it;
	struct sprof p;
	struct rng r;
	int64_t n, k, nunf, follows = 0;
	uint32_t j;
	size_t i;

	noise_advance(s, (a + b) / 2);
	s->nitems = 0;
	base = organic_rate(s, (a + b) / 2) * (double)o->poll_interval;
	if (o->events & FG_SIM_ORGANIC) {
		x = base + bumps_expected(s, a, b);
		n = rng_poisson(&s->g, x);
		for (k = 0; k < n; k++)
			item_add(s, a + (b - a) * rng_unif(&s->g), rng_next(&s->g), 1, -1);
	}
	for (i = 0; i < s->nev; i++) {
		e = &s->ev[i];
		if (e->done || (double)e->t0 >= b)
			continue;
		if (!e->started)
			event_start(s, e);
		event_arrivals(s, e, (int32_t)i, a, b);
	}
	if (s->nitems > 1)
		qsort(s->items, s->nitems, sizeof(*s->items), item_cmp);

	/* Unfollows come from the followers before this poll. */
	nunf = 0;
	if (o->events & FG_SIM_CHURN) {
		n = rng_poisson(&s->g, base * s->churn);
		while (nunf < n && reservoir_take(s, &s->unf[nunf]) == 0)
			nunf++;
	}
	poll_begin(s, tb);
	for (i = s->nitems; i-- > 0 && !s->err;) {
		it = &s->items[i];
		e = it->ev >= 0 ? &s->ev[it->ev] : NULL;
		for (j = it->n; j-- > 0;) {
			t = it->t + 0.8 * j;
			if (t > b)
				t = b;
			if (e != NULL && e->kind != FG_SIM_VIRAL)
				gen_purchased(&e->stock, it->seed + j, &p, t, tb);
			else {
				rng_seed(&r, it->seed);
				if (rng_bern(&r, s->spam))
					gen_spam(&r, &p, t, tb);
				else
					gen_genuine(&r, &p, t, tb,
					    e != NULL ? e->newshare : s->newshare);
			}
			if (e == NULL)
				out_follow(s, &p, tb, "organic", 0);
			else {
				out_follow(s, &p, tb, e->kind == FG_SIM_VIRAL ? "viral" :
				    e->kind == FG_SIM_DRIP ? "drip" : "order", e->num);
				if (e->first < 0 || t < e->first)
					e->first = t;
				if (t > e->last)
					e->last = t;
				e->arrived++;
			}
			s->count++;
			follows++;
			if (!p.fake)
				s->gcount += 1;
			reservoir_add(s, p.id);
		}
	}
	for (k = 0; k < nunf; k++) {
		out_unfollow(s, s->unf[k]);
		if (s->count > 0)
			s->gcount -= s->gcount / (double)s->count;
		s->count--;
	}
	(void)follows;
	out_count(s);
}

/* When 90 % of a burst's expected arrivals are in (ignoring the time of day). */
static double
viral_end90(const struct sevent *e)
{
	double lo = 0, hi = 30 * DAY, mid, got;
	int it, w;

	for (it = 0; it < 60; it++) {
		mid = (lo + hi) / 2;
		for (w = 0, got = 0; w < e->nwave; w++)
			got += e->vsize[w] * burst_cdf((double)e->t0 + mid - e->vt[w],
			    e->vtr[w], e->vtd[w]);
		if (got < 0.9 * e->expected)
			lo = mid;
		else
			hi = mid;
	}
	return (double)e->t0 + hi;
}

static void
truth_write(struct sim *s, FILE *f)
{
	char t1[FG_RFC3339_LEN], t2[FG_RFC3339_LEN], t3[FG_RFC3339_LEN], t4[FG_RFC3339_LEN];
	const struct sevent *e;
	const char *kind;
	size_t i;

	for (i = 0; i < s->nev; i++) {
		e = &s->ev[i];
		kind = e->kind == FG_SIM_VIRAL ? "viral" : e->kind == FG_SIM_DRIP ? "drip" :
		    "order";
		time_format_rfc3339(e->arrived > 0 ? (int64_t)e->first : e->t0, t1);
		time_format_rfc3339(e->arrived > 0 ? (int64_t)ceil(e->last) : e->t0, t2);
		time_format_rfc3339(e->t0, t3);
		fprintf(f, "{\"event\":%d,\"kind\":\"%s\",\"start\":\"%s\",\"end\":\"%s\","
		    "\"size\":%lld,", e->num, kind, t1, t2, (long long)e->arrived);
		if (e->kind == FG_SIM_VIRAL) {
			time_format_rfc3339(e->started ? (int64_t)viral_end90(e) : e->t0, t4);
			fprintf(f, "\"speed\":null,\"style\":null,\"end90\":\"%s\","
			    "\"expected\":%.0f,\"waves\":%d,\"decay_s\":%.0f,",
			    t4, e->expected, e->nwave, e->vtd[0]);
		} else
			fprintf(f, "\"speed\":\"%s\",\"style\":\"%s\",\"ordered\":%lld,"
			    "\"mix\":%.3f,\"mix_style\":\"%s\",",
			    speed_names[e->speed], style_names[e->style], (long long)e->target,
			    e->stock.mix, style_names[e->stock.style2]);
		fprintf(f, "\"size_pct\":%.2f,\"scheduled\":\"%s\",\"started\":%s}\n",
		    e->pct < 0 ? 0 : e->pct, t3, e->started ? "true" : "false");
	}
}

void
simulate_defaults(struct fg_sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->days = 30;
	o->audience = 20000;
	o->start = INT64_C(1772323200);	/* 2026-03-01T00:00:00Z */
	o->poll_interval = 300;
	o->events = FG_SIM_ALL;
	o->watch = "brand";
	o->truth = NULL;
	o->inject = NULL;
	o->ninject = 0;
	o->force = 1;
	o->platform = FG_SIM_GENERIC;
}

int
simulate_run(const struct fg_sim_opts *o, FILE *out)
{
	struct sim s;
	int64_t k, npoll;
	size_t i;
	int rc;

	if (o->days < 0 || o->audience < 0 || o->poll_interval <= 0 ||
	    o->start < INT64_C(1262304000) || o->start > INT64_C(7000000000) ||
	    o->platform < 0 || o->platform > FG_SIM_BLUESKY || o->watch == NULL ||
	    (int64_t)o->days * 86400 > INT64_C(7000000000) - o->start) {
		log_warnx("simulate: bad options (days, audience, interval, or a start "
		    "before 2010)");
		return -1;
	}
	for (i = 0; i < o->ninject; i++)
		if (!(o->inject[i].size_pct >= 0) || o->inject[i].speed < 0 ||
		    o->inject[i].speed > FG_SIM_WEEKS || o->inject[i].style < 0 ||
		    o->inject[i].style > FG_SIM_COPYCAT) {
			log_warnx("simulate: bad injected event %zu", i + 1);
			return -1;
		}
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.out = out;
	s.buf = xmalloc(OUTBUF_SIZE);
	s.watch = xmalloc(strlen(o->watch) * 6 + 3);
	s.watch[json_escape(s.watch, o->watch)] = '\0';
	if (strlen(s.watch) > 4 * 1024) {
		log_warnx("simulate: watch name too long");
		free(s.watch);
		free(s.buf);
		return -1;
	}
	s.fields = platform_fields[o->platform];
	s.res = xreallocarray(NULL, RESERVOIR_MAX, sizeof(*s.res));
	s.unf = xreallocarray(NULL, RESERVOIR_MAX, sizeof(*s.unf));
	rng_seed(&s.g, o->seed);
	params_draw(&s);
	s.zhour = (int64_t)floor((double)o->start / 3600);
	s.zday = (int64_t)floor((double)o->start / DAY);
	s.next_bump = (double)o->start - log(1 - rng_unif(&s.g)) * 3 * DAY;
	schedule(&s);

	initial_scan(&s);
	npoll = (int64_t)o->days * 86400 / o->poll_interval;
	for (k = 1; k <= npoll && !s.err; k++)
		poll_run(&s, o->start + k * o->poll_interval);
	out_flush(&s);
	if (fflush(out) == EOF)
		s.err = 1;
	if (o->truth != NULL) {
		truth_write(&s, o->truth);
		if (fflush(o->truth) == EOF)
			s.err = 1;
	}
	rc = s.err ? -1 : 0;
	if (s.err)
		log_warnx("simulate: write error");
	free(s.items);
	free(s.ev);
	free(s.unf);
	free(s.res);
	free(s.watch);
	free(s.buf);
	return rc;
}

/* ---- option parsing ---- */

static int
name_index(const char *s, size_t n, const char *const *names, size_t nnames)
{
	size_t i;

	for (i = 0; i < nnames; i++)
		if (strlen(names[i]) == n && strncmp(s, names[i], n) == 0)
			return (int)i;
	return -1;
}

int
simulate_parse_events(const char *s, unsigned *ev, char *err, size_t errlen)
{
	static const char *const names[] = { "organic", "churn", "viral", "purchase", "drip",
	    "all", "none" };
	unsigned v = 0;
	const char *p = s, *q;
	int i;

	for (;;) {
		q = strchr(p, ',');
		if (q == NULL)
			q = p + strlen(p);
		if ((i = name_index(p, (size_t)(q - p), names, NELEM(names))) < 0) {
			snprintf(err, errlen, "unknown event kind \"%.*s\" (organic, churn, "
			    "viral, purchase, drip, all, none)", (int)(q - p), p);
			return -1;
		}
		v |= i == 5 ? FG_SIM_ALL : i == 6 ? 0 : 1u << i;
		if (*q == '\0')
			break;
		p = q + 1;
	}
	*ev = v;
	return 0;
}

/* "SIZE_PCT" then optional "@DAY" at end. */
static int
parse_size_day(const char *s, const char *end, double *pct, const char *at, double *day,
    char *err, size_t errlen)
{
	char *e;

	*pct = strtod(s, &e);
	if (e != end || e == s || !(*pct >= 0) || *pct > 1000) {
		snprintf(err, errlen, "bad size \"%.*s\" (a percentage, e.g. 20)",
		    (int)(end - s), s);
		return -1;
	}
	*day = -1;
	if (at != NULL) {
		*day = strtod(at + 1, &e);
		if (*e != '\0' || e == at + 1 || !(*day >= 0) || *day > 100000) {
			snprintf(err, errlen, "bad day \"%s\" (days after the start, e.g. 10.5)",
			    at + 1);
			return -1;
		}
	}
	return 0;
}

int
simulate_parse_order(const char *s, struct fg_sim_inject *in, char *err, size_t errlen)
{
	const char *c1, *c2, *at, *end;

	memset(in, 0, sizeof(*in));
	at = strchr(s, '@');
	end = at != NULL ? at : s + strlen(s);
	if ((c1 = memchr(s, ':', (size_t)(end - s))) == NULL ||
	    (c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1))) == NULL) {
		snprintf(err, errlen, "\"%s\": expected SIZE_PCT:SPEED:STYLE[@DAY]", s);
		return -1;
	}
	if (parse_size_day(s, c1, &in->size_pct, at, &in->day, err, errlen) == -1)
		return -1;
	in->speed = name_index(c1 + 1, (size_t)(c2 - c1 - 1), speed_names, NELEM(speed_names));
	if (in->speed < 0) {
		snprintf(err, errlen, "bad speed \"%.*s\" (hour, day, capped, weeks)",
		    (int)(c2 - c1 - 1), c1 + 1);
		return -1;
	}
	in->style = name_index(c2 + 1, (size_t)(end - c2 - 1), style_names, NELEM(style_names));
	if (in->style < 0) {
		snprintf(err, errlen, "bad style \"%.*s\" (fresh, aged, empty, copycat)",
		    (int)(end - c2 - 1), c2 + 1);
		return -1;
	}
	in->kind = in->speed == FG_SIM_WEEKS ? FG_SIM_DRIP : FG_SIM_PURCHASE;
	return 0;
}

int
simulate_parse_viral(const char *s, struct fg_sim_inject *in, char *err, size_t errlen)
{
	const char *at = strchr(s, '@');

	memset(in, 0, sizeof(*in));
	in->kind = FG_SIM_VIRAL;
	return parse_size_day(s, at != NULL ? at : s + strlen(s), &in->size_pct, at, &in->day,
	    err, errlen);
}

int
simulate_parse_platform(const char *s, int *platform)
{
	int i = name_index(s, strlen(s), platform_names, NELEM(platform_names));

	if (i < 0)
		return -1;
	*platform = i;
	return 0;
}
