/*
 * People of the simulator: the genuine population, newcomers, and the spam accounts that follow
 * everyone, with the names, handles and bios they choose. docs/simulator.md describes the model.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "simulate_int.h"
#include "timeutil.h"

/* ---- word lists ---- */


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

/* One entry of a list the vendors use too. */
const char *
sim_word(struct rng *r, enum sim_words w)
{
	switch (w) {
	case SIM_W_TAILS:
		return PICK(r, tails);
	case SIM_W_INTERESTS:
		return PICK(r, interests);
	case SIM_W_FOREIGN:
		return PICK(r, foreign_bios);
	case SIM_W_CITIES:
		break;
	}
	return PICK(r, cities);
}

/* Account classes of the genuine population, from lurkers to creators. */
enum { C_LURKER, C_CASUAL, C_ACTIVE, C_CREATOR };

static void
scat(char *dst, size_t size, const char *s)
{
	size_t n = strlen(dst);

	if (n + 1 < size)
		snprintf(dst + n, size - n, "%s", s);
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

void
sim_handle_genuine(struct rng *r, const struct name *f, const struct name *l, char *out,
    size_t sz)
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

void
sim_handle_fake(struct rng *r, const struct name *f, const struct name *l, char *out,
    size_t sz)
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
		sim_handle_genuine(r, f, l, out, sz);
}

void
sim_display_name(struct rng *r, const struct name *f, const struct name *l, char *out,
    size_t sz)
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

void
sim_bio_genuine(struct rng *r, char *out, size_t sz)
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

void
sim_url(struct rng *r, const char *handle, char *out, size_t sz)
{
	size_t i = rng_below(r, NELEM(url_fmts));

	snprintf(out, sz, "%s%s%s", url_fmts[i][0], handle, url_fmts[i][1]);
}

int64_t
sim_last_post(struct rng *r, int64_t posts, int64_t created, int64_t obs, double p_dormant,
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


int64_t
sim_clamp_created(struct rng *r, double created, double tf)
{
	/* Nobody is older than the platform, and an account exists before it follows. */
	if (created < (double)PLATFORM_EPOCH)
		created = (double)PLATFORM_EPOCH + rng_unif(r) * 180 * DAY;
	if (created > tf - 60)
		created = tf - 60 - rng_unif(r) * 60;
	return (int64_t)created;
}

void
sim_pick_names(struct rng *r, const struct name **f, const struct name **l)
{
	*f = &firsts[rng_below(r, NELEM(firsts))];
	*l = &lasts[rng_below(r, NELEM(lasts))];
}

/*
 * A real person who follows at time tf. newshare: the chance that the account was made only
 * days or minutes ago (higher during a viral burst: people join the platform for it).
 */
void
sim_genuine(struct rng *r, struct sprof *p, double tf, int64_t obs, double newshare)
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
	p->created = sim_clamp_created(r, tf - age, tf);
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
	p->last_post = sim_last_post(r, p->posts, p->created, obs, p_dorm[c], gap_mean[c]);
	p->verified = rng_bern(r, c == C_CREATOR ? 0.10 : c == C_ACTIVE ? 0.01 : 0.001);
	p->locked = rng_bern(r, c == C_LURKER ? 0.08 : c == C_CASUAL ? 0.05 : 0.01);
	p->bot = rng_bern(r, 0.002);	/* a self-declared news or art bot is no fake */

	sim_pick_names(r, &f, &l);
	sim_handle_genuine(r, f, l, p->handle, sizeof(p->handle));
	if (rng_bern(r, c == C_LURKER ? 0.06 : 0.02))
		p->name[0] = '\0';
	else
		sim_display_name(r, f, l, p->name, sizeof(p->name));
	if (rng_bern(r, p_nobio[c] + (newbie ? 0.30 : 0)))
		p->bio[0] = '\0';
	else
		sim_bio_genuine(r, p->bio, sizeof(p->bio));
	if (rng_bern(r, p_url[c]))
		sim_url(r, p->handle, p->url, sizeof(p->url));
	if (rng_bern(r, p_loc[c]))
		snprintf(p->loc, sizeof(p->loc), "%s", PICK(r, cities));
	p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
}

/* A spam or follow-back account that follows everyone: it arrives with organic traffic. */
void
sim_spam(struct rng *r, struct sprof *p, double tf, int64_t obs)
{
	const struct name *f, *l;

	memset(p, 0, sizeof(*p));
	p->fake = 1;
	p->created = sim_clamp_created(r, tf - rng_lognormal(r, 1.5 * YEAR, 1.0), tf);
	p->following = clampi(rng_lognormal(r, 6000, 0.9), 300, 1000000);
	p->followers = clampi(rng_lognormal(r, 700, 1.5), 0, 1000000);
	p->posts = rng_bern(r, 0.3) ? clampi(rng_lognormal(r, 5, 1.0), 0, 100000) :
	    clampi(rng_lognormal(r, 2500, 1.3), 0, 1000000);
	p->likes = clampi(rng_lognormal(r, 300, 1.5), 0, 10000000);
	p->listed = clampi(rng_lognormal(r, 3, 1.2), 0, 100000);
	p->avatar_default = rng_bern(r, 0.15);
	p->last_post = sim_last_post(r, p->posts, p->created, obs, 0.3, 1 * DAY);
	p->locked = rng_bern(r, 0.01);
	sim_pick_names(r, &f, &l);
	sim_handle_fake(r, f, l, p->handle, sizeof(p->handle));
	if (rng_bern(r, 0.6))
		sim_display_name(r, f, l, p->name, sizeof(p->name));
	else
		snprintf(p->name, sizeof(p->name), "%s %s", PICK(r, words), "💯");
	if (rng_bern(r, 0.7))
		snprintf(p->bio, sizeof(p->bio), "%s", PICK(r, spam_bios));
	else if (rng_bern(r, 0.5))
		sim_bio_genuine(r, p->bio, sizeof(p->bio));
	if (rng_bern(r, 0.5)) {
		char rs[12];

		random_string(r, rs, 7);
		snprintf(p->url, sizeof(p->url), "https://bit.ly/%s", rs);
	}
	p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
}

/* A real person a few days in: no photo yet, a bio, a few posts, a small circle. */
void
sim_settler(struct rng *r, struct sprof *p, double tf, int64_t obs)
{
	const struct name *f, *l;

	memset(p, 0, sizeof(*p));
	p->created = sim_clamp_created(r, tf - rng_range(r, 1, 10) * DAY, tf);
	p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
	p->posts = clampi(rng_lognormal(r, 4, 0.7), 1, 30);
	p->followers = clampi(rng_lognormal(r, 6, 0.9), 0, 60);
	p->following = clampi(rng_lognormal(r, 60, 0.8), 5, 400);
	p->likes = clampi((double)p->posts * rng_lognormal(r, 3, 0.8), 0, 1000);
	p->avatar_default = rng_bern(r, 0.8);
	p->last_post = sim_last_post(r, p->posts, p->created, obs, 0, DAY);
	p->locked = rng_bern(r, 0.02);
	sim_pick_names(r, &f, &l);
	sim_handle_genuine(r, f, l, p->handle, sizeof(p->handle));
	if (rng_bern(r, 0.9))
		sim_display_name(r, f, l, p->name, sizeof(p->name));
	if (rng_bern(r, 0.85))
		sim_bio_genuine(r, p->bio, sizeof(p->bio));
	if (rng_bern(r, 0.05))
		sim_url(r, p->handle, p->url, sizeof(p->url));
	if (rng_bern(r, 0.2))
		snprintf(p->loc, sizeof(p->loc), "%s", PICK(r, cities));
}

/*
 * A newcomer of a wave: a real person who signed up minutes ago and at once followed a starter
 * pack whole, or dozens to hundreds of the suggested accounts. Mostly nothing filled in yet.
 */
void
sim_wave_member(struct rng *r, const struct wavepack *wp, struct sprof *p, double tf,
    int64_t obs)
{
	const struct name *f, *l;

	memset(p, 0, sizeof(*p));
	p->created = sim_clamp_created(r, tf - rng_range(r, 60, 30 * 60), tf);
	p->id = make_id(p->created * 1000 + (int64_t)rng_below(r, 1000), rng_next(r));
	if (wp->n > 0 && rng_bern(r, wp->share))
		p->following = wp->size[rng_below(r, (uint64_t)wp->n)] + rng_int(r, 0, 5);
	else
		p->following = clampi(rng_logunif(r, 20, 500), 20, 500);
	p->followers = rng_bern(r, 0.5) ? 0 : rng_int(r, 1, 5);
	p->posts = rng_bern(r, 0.9) ? 0 : rng_int(r, 1, 3);
	p->likes = rng_bern(r, 0.7) ? 0 : rng_int(r, 1, 10);
	p->avatar_default = rng_bern(r, 0.85);
	if (p->posts > 0)
		p->last_post = p->created + (int64_t)(rng_unif(r) * (double)(obs - p->created));
	else
		p->last_post = FG_TIME_UNKNOWN;
	p->locked = rng_bern(r, 0.005);
	sim_pick_names(r, &f, &l);
	sim_handle_genuine(r, f, l, p->handle, sizeof(p->handle));
	if (rng_bern(r, 0.6))
		sim_display_name(r, f, l, p->name, sizeof(p->name));
	if (rng_bern(r, 0.15))
		snprintf(p->bio, sizeof(p->bio), "%s", rng_bern(r, 0.5) ? PICK(r, tails) :
		    PICK(r, roles));
}
