/* Tests of the simulator: determinism, the replay format, ground truth and event shapes. */
#define _GNU_SOURCE	/* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "profile.h"
#include "simulate.h"
#include "timeutil.h"

struct hist {
	char	*buf;
	size_t	 len;
	char	*truth;
	size_t	 tlen;
};

static void
run(struct fg_sim_opts *o, struct hist *h)
{
	FILE *f = open_memstream(&h->buf, &h->len), *t = open_memstream(&h->truth, &h->tlen);

	assert_non_null(f);
	assert_non_null(t);
	o->truth = t;
	assert_int_equal(simulate_run(o, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(fclose(t), 0);
	o->truth = NULL;
}

static void
hist_free(struct hist *h)
{
	free(h->buf);
	free(h->truth);
}

static void
small_opts(struct fg_sim_opts *o)
{
	simulate_defaults(o);
	o->audience = 3000;
	o->days = 12;
}

/* Calls fn for each line of the history as a parsed JSON object. */
static void
each_line(const struct hist *h, void (*fn)(json_t *, void *), void *arg)
{
	const char *p = h->buf, *nl;
	json_error_t jerr;
	json_t *o;

	assert_true(h->len > 0 && h->buf[h->len - 1] == '\n');
	while (p < h->buf + h->len) {
		nl = memchr(p, '\n', (size_t)(h->buf + h->len - p));
		assert_non_null(nl);
		/* Hostile texts carry \u0000: valid JSON that jansson takes only when asked. */
		o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
		if (o == NULL)
			fail_msg("bad JSON line: %s: %.200s", jerr.text, p);
		fn(o, arg);
		json_decref(o);
		p = nl + 1;
	}
}

static void
test_determinism(void **state)
{
	struct fg_sim_opts o;
	struct hist a = { 0 }, b = { 0 }, c = { 0 };

	(void)state;
	small_opts(&o);
	run(&o, &a);
	run(&o, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.buf, b.buf, a.len);
	assert_int_equal(a.tlen, b.tlen);
	assert_memory_equal(a.truth, b.truth, a.tlen);
	o.seed = 2;
	run(&o, &c);
	assert_true(a.len != c.len || memcmp(a.buf, c.buf, a.len) != 0);
	hist_free(&a);
	hist_free(&b);
	hist_free(&c);
}

struct check {
	int64_t	 audience;
	int64_t	 last_t, first_t;
	int64_t	 count;		/* initial + follows - unfollows */
	int64_t	 initial, follows, unfollows, counts, fakes;
	const char *watch;
	struct fg_arena text;
};


static void
check_line(json_t *o, void *arg)
{
	struct check *c = arg;
	struct fg_profile p;
	const char *type, *src, *ts;
	char err[256];
	json_t *prof;
	int64_t t;

	ts = json_string_value(json_object_get(o, "t"));
	assert_non_null(ts);
	assert_int_equal(time_parse_rfc3339(ts, &t), 0);
	if (c->first_t == INT64_MIN)
		c->first_t = t;
	assert_true(t >= c->last_t);
	c->last_t = t;
	assert_string_equal(json_string_value(json_object_get(o, "watch")), c->watch);
	type = json_string_value(json_object_get(o, "type"));
	assert_non_null(type);
	if (strcmp(type, "follow") == 0) {
		prof = json_object_get(o, "profile");
		if (profile_from_json(prof, &p, &c->text, err, sizeof(err)) == -1)
			fail_msg("bad profile: %s", err);
		assert_true(p.label == FG_LABEL_FAKE || p.label == FG_LABEL_GENUINE);
		assert_int_equal(p.observed_at, t);
		assert_true(p.created_at != FG_TIME_UNKNOWN && p.created_at < t);
		assert_true(p.last_post_at == FG_TIME_UNKNOWN || p.last_post_at <= t);
		assert_true(p.followers_count >= 0 && p.following_count >= 0);
		assert_null(json_object_get(prof, "listed_count"));	/* generic platform */
		src = json_string_value(json_object_get(o, "src"));
		assert_non_null(src);
		if (strcmp(src, "initial") == 0) {
			assert_int_equal(t, c->first_t);
			c->initial++;
		} else {
			assert_true(t > c->first_t);
			assert_true(strcmp(src, "organic") == 0 ||
			    strncmp(src, "viral:", 6) == 0 || strncmp(src, "order:", 6) == 0 ||
			    strncmp(src, "drip:", 5) == 0 || strncmp(src, "wave:", 5) == 0);
			if (strncmp(src, "order:", 6) == 0 || strncmp(src, "drip:", 5) == 0)
				assert_int_equal(p.label, FG_LABEL_FAKE);
			if (strncmp(src, "wave:", 5) == 0)
				assert_int_equal(p.label, FG_LABEL_GENUINE);
			c->follows++;
		}
		c->fakes += p.label == FG_LABEL_FAKE;
		c->count++;
	} else if (strcmp(type, "unfollow") == 0) {
		assert_true(json_is_string(json_object_get(o, "id")));
		c->unfollows++;
		c->count--;
	} else {
		assert_string_equal(type, "count");
		assert_int_equal(json_integer_value(json_object_get(o, "followers_count")),
		    c->count);
		if (c->counts++ == 0)
			assert_int_equal(c->initial, c->audience);
	}
}

static void
test_format(void **state)
{
	struct fg_sim_opts o;
	struct hist h = { 0 };
	struct check c = { 0 };

	(void)state;
	small_opts(&o);
	o.watch = "brand \"x\"";
	run(&o, &h);
	c.audience = o.audience;
	c.first_t = c.last_t = INT64_MIN;
	c.watch = o.watch;
	each_line(&h, check_line, &c);
	assert_int_equal(c.initial, o.audience);
	assert_int_equal(c.counts, 1 + o.days * 86400 / o.poll_interval);
	assert_int_equal(c.first_t, o.start);
	assert_int_equal(c.last_t, o.start + (int64_t)o.days * 86400);
	assert_true(c.follows > 0);
	assert_true(c.unfollows > 0);
	assert_true(c.fakes > 0);
	arena_free(&c.text);
	/* At least one of each random kind is forced by default. */
	assert_non_null(strstr(h.truth, "\"kind\":\"viral\""));
	assert_non_null(strstr(h.truth, "\"kind\":\"order\""));
	assert_non_null(strstr(h.truth, "\"kind\":\"drip\""));
	hist_free(&h);
}

struct count_src {
	const char	*src;
	int64_t		 n, fake, tmin, tmax, avd;
	int64_t		 per_poll_max, cur_t, cur_n;
	int64_t		 days[64];
};

static void
count_line(json_t *o, void *arg)
{
	struct count_src *cs = arg;
	const char *src = json_string_value(json_object_get(o, "src"));
	json_t *prof = json_object_get(o, "profile");
	int64_t t;

	if (src == NULL || strcmp(src, cs->src) != 0)
		return;
	assert_int_equal(time_parse_rfc3339(json_string_value(json_object_get(o, "t")), &t), 0);
	cs->n++;
	cs->fake += strcmp(json_string_value(json_object_get(prof, "label")), "fake") == 0;
	cs->avd += json_is_true(json_object_get(prof, "avatar_default"));
	if (cs->tmin == 0 || t < cs->tmin)
		cs->tmin = t;
	if (t > cs->tmax)
		cs->tmax = t;
	if (t != cs->cur_t) {
		cs->cur_t = t;
		cs->cur_n = 0;
	}
	if (++cs->cur_n > cs->per_poll_max)
		cs->per_poll_max = cs->cur_n;
}

static void
test_order_hour_fresh(void **state)
{
	struct fg_sim_opts o;
	struct fg_sim_inject in;
	struct hist h = { 0 };
	struct count_src cs = { .src = "order:1" };
	char err[128];

	(void)state;
	simulate_defaults(&o);
	o.audience = 10000;
	o.days = 5;
	o.events = FG_SIM_ORGANIC | FG_SIM_CHURN;
	assert_int_equal(simulate_parse_order("20:hour:fresh@3", &in, err, sizeof(err)), 0);
	o.inject = &in;
	o.ninject = 1;
	run(&o, &h);
	each_line(&h, count_line, &cs);
	assert_true(cs.n >= 1900 && cs.n <= 2200);	/* 20 % of ~10000 */
	assert_int_equal(cs.fake, cs.n);
	assert_true(cs.tmin > o.start + 3 * 86400);
	assert_true(cs.tmax - o.start - 3 * 86400 <= 75 * 60);
	assert_true(cs.avd * 100 > cs.n * 30);	/* fresh batches mostly keep the default */
	assert_non_null(strstr(h.truth, "\"event\":1,\"kind\":\"order\""));
	assert_non_null(strstr(h.truth, "\"speed\":\"hour\",\"style\":\"fresh\""));
	hist_free(&h);
}

static void
test_viral_genuine(void **state)
{
	struct fg_sim_opts o;
	struct fg_sim_inject in;
	struct hist h = { 0 };
	struct count_src cs = { .src = "viral:1" };
	char err[128];

	(void)state;
	simulate_defaults(&o);
	o.audience = 10000;
	o.days = 6;
	o.events = FG_SIM_ORGANIC;
	assert_int_equal(simulate_parse_viral("15@2.5", &in, err, sizeof(err)), 0);
	o.inject = &in;
	o.ninject = 1;
	run(&o, &h);
	each_line(&h, count_line, &cs);
	assert_true(cs.n > 800);
	assert_true(cs.fake * 100 < cs.n * 6);	/* only the spam share is fake */
	assert_true(cs.tmin >= o.start + 2 * 86400 + 43200);
	hist_free(&h);
}

static void
test_drip_spread(void **state)
{
	struct fg_sim_opts o;
	struct fg_sim_inject in;
	struct hist h = { 0 };
	struct count_src cs = { .src = "drip:1" };
	char err[128];

	(void)state;
	simulate_defaults(&o);
	o.audience = 20000;
	o.days = 50;
	o.events = FG_SIM_ORGANIC | FG_SIM_CHURN;
	assert_int_equal(simulate_parse_order("10:weeks:aged@1", &in, err, sizeof(err)), 0);
	o.inject = &in;
	o.ninject = 1;
	run(&o, &h);
	each_line(&h, count_line, &cs);
	assert_true(cs.n >= 1800 && cs.n <= 2300);	/* 10 % of ~20000, all delivered */
	assert_int_equal(cs.fake, cs.n);
	assert_true(cs.tmax - cs.tmin >= 13 * 86400);	/* over weeks */
	assert_true(cs.per_poll_max <= 12);		/* never a spike */
	assert_non_null(strstr(h.truth, "\"kind\":\"drip\""));
	hist_free(&h);
}

/* Follows of one source, with their profiles, in history order. */
struct prof_list {
	const char	*src;		/* exact src, or a prefix ending in ':' */
	json_t		**v;
	int64_t		*t;
	size_t		 n;
};

static void
collect_line(json_t *o, void *arg)
{
	struct prof_list *pl = arg;
	const char *src = json_string_value(json_object_get(o, "src"));
	int64_t t;

	if (src == NULL || strcmp(src, pl->src) != 0)
		return;
	assert_int_equal(time_parse_rfc3339(json_string_value(json_object_get(o, "t")), &t), 0);
	pl->v = realloc(pl->v, (pl->n + 1) * sizeof(*pl->v));
	pl->t = realloc(pl->t, (pl->n + 1) * sizeof(*pl->t));
	assert_non_null(pl->v);
	assert_non_null(pl->t);
	pl->v[pl->n] = json_incref(json_object_get(o, "profile"));
	pl->t[pl->n++] = t;
}

static void
prof_list_free(struct prof_list *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		json_decref(pl->v[i]);
	free(pl->v);
	free(pl->t);
}

static int64_t
ptime(json_t *prof, const char *key)
{
	int64_t t;

	if (json_object_get(prof, key) == NULL)
		return INT64_MIN;
	assert_int_equal(time_parse_rfc3339(json_string_value(json_object_get(prof, key)), &t), 0);
	return t;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of a count over the list. */
static int64_t
median_count(const struct prof_list *pl, const char *key)
{
	int64_t *v = calloc(pl->n, sizeof(*v)), m;
	size_t i;

	assert_non_null(v);
	for (i = 0; i < pl->n; i++)
		v[i] = json_integer_value(json_object_get(pl->v[i], key));
	qsort(v, pl->n, sizeof(*v), cmp_i64);
	m = v[pl->n / 2];
	free(v);
	return m;
}

/* An order of a style, alone beside organic growth and churn. */
static void
run_order(const char *spec, uint64_t seed, struct hist *h, struct prof_list *pl)
{
	struct fg_sim_opts o;
	struct fg_sim_inject in;
	char err[128];

	simulate_defaults(&o);
	o.seed = seed;
	o.audience = 5000;
	o.days = 10;
	o.events = FG_SIM_ORGANIC | FG_SIM_CHURN;
	assert_int_equal(simulate_parse_order(spec, &in, err, sizeof(err)), 0);
	o.inject = &in;
	o.ninject = 1;
	run(&o, h);
	pl->src = "order:1";
	each_line(h, collect_line, pl);
}

static void
test_order_lived(void **state)
{
	struct hist h = { 0 };
	struct prof_list pl = { 0 };
	size_t i, photo = 0, bio = 0, old = 0, recent = 0;
	int64_t fol;
	json_t *p;

	(void)state;
	run_order("20:day:lived@8", 7, &h, &pl);
	assert_true(pl.n >= 900 && pl.n <= 1200);
	for (i = 0; i < pl.n; i++) {
		p = pl.v[i];
		assert_string_equal(json_string_value(json_object_get(p, "label")), "fake");
		photo += json_is_false(json_object_get(p, "avatar_default"));
		bio += json_string_length(json_object_get(p, "bio")) > 0;
		old += pl.t[i] - ptime(p, "created_at") > 365 * 86400;
		/* Lived in: posts, some of them in the last weeks. */
		assert_true(json_integer_value(json_object_get(p, "posts_count")) >= 10);
		assert_true(ptime(p, "last_post_at") != INT64_MIN);
		recent += pl.t[i] - ptime(p, "last_post_at") < 14 * 86400;
		assert_true(json_string_length(json_object_get(p, "display_name")) > 0 ||
		    json_string_length(json_object_get(p, "handle")) > 0);
	}
	/* Up to 20 % of the order may be another style padding it. */
	assert_true(photo * 100 >= pl.n * 75);
	assert_true(bio * 100 >= pl.n * 70);
	assert_true(old * 100 >= pl.n * 75);
	assert_true(recent * 100 >= pl.n * 60);
	fol = median_count(&pl, "followers_count");
	assert_true(fol >= 20 && fol <= 500);
	assert_non_null(strstr(h.truth, "\"style\":\"lived\""));
	assert_non_null(strstr(h.truth, "\"farmed\":"));
	prof_list_free(&pl);
	hist_free(&h);
}

/* Texts of the followers before the order, to find what its clones copied. */
struct texts {
	char	**v;
	size_t	  n;
	int64_t	  before;
};

static void
texts_line(json_t *o, void *arg)
{
	struct texts *tx = arg;
	const char *src = json_string_value(json_object_get(o, "src"));
	json_t *p = json_object_get(o, "profile");
	int64_t t;
	size_t n;

	if (src == NULL || strncmp(src, "order:", 6) == 0)
		return;
	assert_int_equal(time_parse_rfc3339(json_string_value(json_object_get(o, "t")), &t), 0);
	if (t >= tx->before || json_is_true(json_object_get(p, "avatar_default")))
		return;
	tx->v = realloc(tx->v, (tx->n + 1) * sizeof(*tx->v));
	assert_non_null(tx->v);
	n = json_string_length(json_object_get(p, "display_name")) +
	    json_string_length(json_object_get(p, "bio")) +
	    json_string_length(json_object_get(p, "handle")) + 3;
	assert_non_null(tx->v[tx->n] = malloc(n));
	snprintf(tx->v[tx->n++], n, "%s\n%s\n%s",
	    json_string_value(json_object_get(p, "display_name")),
	    json_string_value(json_object_get(p, "bio")),
	    json_string_value(json_object_get(p, "handle")));
}

static void
test_order_copied(void **state)
{
	struct hist h = { 0 };
	struct prof_list pl = { 0 };
	struct texts tx = { 0 };
	const char *name, *bio, *handle, *q;
	char key[2048], *c;
	size_t i, k, hits = 0, klen;
	long long copied;
	uint64_t seed;
	json_t *p;

	(void)state;
	/* A targeted order: the first seed whose vendor copies the watch's followers. */
	for (seed = 1;; seed++) {
		run_order("10:hour:copied@8", seed, &h, &pl);
		if ((q = strstr(h.truth, "\"copied_followers\":")) != NULL &&
		    atoll(q + 19) > 50)
			break;
		assert_true(seed < 20);
		prof_list_free(&pl);
		memset(&pl, 0, sizeof(pl));
		hist_free(&h);
		memset(&h, 0, sizeof(h));
	}
	copied = atoll(q + 19);
	tx.before = pl.t[0];
	each_line(&h, texts_line, &tx);
	for (i = 0; i < pl.n; i++) {
		p = pl.v[i];
		name = json_string_value(json_object_get(p, "display_name"));
		bio = json_string_value(json_object_get(p, "bio"));
		handle = json_string_value(json_object_get(p, "handle"));
		klen = (size_t)snprintf(key, sizeof(key), "%s\n%s\n", name, bio);
		for (k = 0; k < tx.n; k++) {
			if (strncmp(tx.v[k], key, klen) != 0)
				continue;
			/* The same texts under a handle made from the person's. */
			c = tx.v[k] + klen;
			assert_string_not_equal(c, handle);
			hits++;
			break;
		}
	}
	/* Every clone of a follower copies an earlier follower's name and bio. */
	assert_true((long long)hits >= copied);
	assert_true(copied * 10 >= (long long)pl.n * 4);
	for (k = 0; k < tx.n; k++)
		free(tx.v[k]);
	free(tx.v);
	prof_list_free(&pl);
	hist_free(&h);
}

static void
test_wave(void **state)
{
	struct fg_sim_opts o;
	struct fg_sim_inject in;
	struct hist h = { 0 };
	struct prof_list pl = { .src = "wave:1" };
	size_t i, nobio = 0, avd = 0, noposts = 0, day = 0;
	int64_t age, fing;
	char err[128];
	json_t *p;

	(void)state;
	simulate_defaults(&o);
	o.audience = 10000;
	o.days = 6;
	o.events = FG_SIM_ORGANIC | FG_SIM_CHURN;
	assert_int_equal(simulate_parse_wave("20@3", &in, err, sizeof(err)), 0);
	o.inject = &in;
	o.ninject = 1;
	run(&o, &h);
	each_line(&h, collect_line, &pl);
	/* +20 % of the audience, most of it within the day. */
	assert_true(pl.n >= 1500 && pl.n <= 2600);
	for (i = 0; i < pl.n; i++) {
		p = pl.v[i];
		assert_string_equal(json_string_value(json_object_get(p, "label")), "genuine");
		/* Signed up minutes before the follow (a poll is 5 minutes). */
		age = pl.t[i] - ptime(p, "created_at");
		assert_true(age >= 60 && age <= 35 * 60);
		assert_true(pl.t[i] > o.start + 3 * 86400);
		day += pl.t[i] <= o.start + 4 * 86400;
		assert_true(json_integer_value(json_object_get(p, "followers_count")) <= 5);
		fing = json_integer_value(json_object_get(p, "following_count"));
		assert_true(fing >= 20 && fing <= 505);
		nobio += json_string_length(json_object_get(p, "bio")) == 0;
		avd += json_is_true(json_object_get(p, "avatar_default"));
		noposts += json_integer_value(json_object_get(p, "posts_count")) == 0;
	}
	assert_true(nobio * 100 >= pl.n * 75);
	assert_true(avd * 100 >= pl.n * 75);
	assert_true(noposts * 100 >= pl.n * 80);
	assert_true(day * 100 >= pl.n * 85);
	assert_non_null(strstr(h.truth, "\"event\":1,\"kind\":\"wave\""));
	prof_list_free(&pl);
	hist_free(&h);
}

/* Organic arrivals seen during an order's delivery, and newcomers a few days old among them. */
struct inside {
	int64_t	 first, last;		/* the order's first and last poll */
	int64_t	 organic, settlers, settlers_inside;
	int	 pass;
};

static void
inside_line(json_t *o, void *arg)
{
	struct inside *in = arg;
	const char *src = json_string_value(json_object_get(o, "src"));
	json_t *p = json_object_get(o, "profile");
	int64_t t, age;
	int settler;

	if (src == NULL)
		return;
	assert_int_equal(time_parse_rfc3339(json_string_value(json_object_get(o, "t")), &t), 0);
	if (in->pass == 0) {
		if (strcmp(src, "order:1") == 0) {
			if (in->first == 0)
				in->first = t;
			in->last = t;
		}
		return;
	}
	if (strcmp(src, "organic") != 0 ||
	    strcmp(json_string_value(json_object_get(p, "label")), "genuine") != 0)
		return;
	age = t - ptime(p, "created_at");
	settler = age >= 86400 && age <= 10 * 86400 + 300 &&
	    json_is_true(json_object_get(p, "avatar_default")) &&
	    json_string_length(json_object_get(p, "bio")) > 0 &&
	    json_integer_value(json_object_get(p, "posts_count")) >= 1;
	in->settlers += settler;
	if (t >= in->first && t <= in->last) {
		in->organic++;
		in->settlers_inside += settler;
	}
}

static void
test_interleave(void **state)
{
	struct fg_sim_opts o;
	struct fg_sim_inject in;
	struct hist h = { 0 };
	struct inside ins = { 0 };
	char err[128];

	(void)state;
	simulate_defaults(&o);
	o.audience = 20000;
	o.days = 10;
	o.events = FG_SIM_ORGANIC | FG_SIM_CHURN;
	assert_int_equal(simulate_parse_order("3:capped:fresh@2", &in, err, sizeof(err)), 0);
	o.inject = &in;
	o.ninject = 1;
	run(&o, &h);
	each_line(&h, inside_line, &ins);
	ins.pass = 1;
	each_line(&h, inside_line, &ins);
	/* Real people keep following while a vendor delivers, a few days-old newcomers too. */
	assert_true(ins.first > 0 && ins.last > ins.first);
	assert_true(ins.organic >= 20);
	assert_true(ins.settlers >= 5);
	assert_true(ins.settlers_inside >= 1);
	hist_free(&h);
}

/* Hostile texts in a history: what kinds, and where. */
struct hostile {
	int64_t	 profiles, nul, esc, c1, del, escaped, longbio, longname, fake, genuine;
};

static void
hostile_line(json_t *o, void *arg)
{
	struct hostile *hs = arg;
	json_t *p = json_object_get(o, "profile"), *v;
	const char *s;
	size_t n;
	int any = 0, k;

	if (p == NULL)
		return;
	hs->profiles++;
	for (k = 0; k < 3; k++) {
		v = json_object_get(p, k == 0 ? "display_name" : k == 1 ? "bio" : "location");
		if (v == NULL)
			continue;
		s = json_string_value(v);
		n = json_string_length(v);
		any |= memchr(s, '\0', n) != NULL;
		hs->nul += memchr(s, '\0', n) != NULL;
		hs->esc += memchr(s, 0x1b, n) != NULL;
		hs->c1 += memmem(s, n, "\xc2\x85", 2) != NULL;
		hs->del += memchr(s, 0x7f, n) != NULL;
		any |= memchr(s, 0x1b, n) != NULL || memmem(s, n, "\xc2\x85", 2) != NULL ||
		    memchr(s, 0x7f, n) != NULL;
		if (n > 2048) {
			any = 1;
			if (k == 1) {
				assert_true(n >= 5120 && n <= 21000);
				hs->longbio++;
			} else
				hs->longname++;
		}
	}
	if (any) {
		if (strcmp(json_string_value(json_object_get(p, "label")), "fake") == 0)
			hs->fake++;
		else
			hs->genuine++;
	}
}

static void
test_hostile_text(void **state)
{
	struct fg_sim_opts o;
	struct hist h = { 0 }, plain = { 0 };
	struct hostile hs = { 0 }, hp = { 0 };
	const char *a, *b, *ea, *eb;
	size_t diff = 0;

	(void)state;
	simulate_defaults(&o);
	o.audience = 20000;
	o.days = 3;
	run(&o, &h);
	/* Every line is valid JSON (each_line fails on any other) and some texts misbehave. */
	each_line(&h, hostile_line, &hs);
	assert_true(hs.nul > 0 && hs.esc > 0 && hs.c1 > 0 && hs.del > 0);
	assert_true(hs.longbio > 0);
	assert_non_null(strstr(h.buf, "\\/"));		/* "\/" and \uXXXX */
	assert_true(strstr(h.buf, "\\ud83d\\ude80") != NULL ||
	    strstr(h.buf, "\\uD83D\\uDE80") != NULL);
	/* About 0.5 % of the accounts, genuine and bought alike. */
	assert_true((hs.fake + hs.genuine) * 1000 >= hs.profiles * 2);
	assert_true((hs.fake + hs.genuine) * 1000 <= hs.profiles * 8);
	assert_true(hs.genuine > 0 && hs.fake > 0);

	/* --plain-text: the same history line for line, only the hostile texts differ. */
	o.plain_text = 1;
	run(&o, &plain);
	each_line(&plain, hostile_line, &hp);
	assert_int_equal(hp.nul + hp.esc + hp.c1 + hp.del + hp.longbio + hp.longname, 0);
	assert_int_equal(hp.profiles, hs.profiles);
	assert_null(strstr(plain.buf, "\\u"));
	assert_int_equal(h.tlen, plain.tlen);
	assert_memory_equal(h.truth, plain.truth, h.tlen);
	for (a = h.buf, b = plain.buf; a < h.buf + h.len; a = ea + 1, b = eb + 1) {
		ea = memchr(a, '\n', (size_t)(h.buf + h.len - a));
		eb = memchr(b, '\n', (size_t)(plain.buf + plain.len - b));
		assert_non_null(ea);
		assert_non_null(eb);
		if (ea - a != eb - b || memcmp(a, b, (size_t)(ea - a)) != 0) {
			/* Same id, same src: the same account. */
			assert_memory_equal(a, b, 100);
			assert_memory_equal(ea - 30, eb - 30, 30);
			diff++;
		}
	}
	assert_int_equal(b, plain.buf + plain.len);
	assert_true(diff >= (size_t)(hs.fake + hs.genuine));
	assert_true(diff * 1000 <= (size_t)hs.profiles * 8);
	hist_free(&h);
	hist_free(&plain);
}

static void
test_styles(void **state)
{
	struct fg_sim_opts o;
	struct hist h = { 0 };
	const char *p;
	char err[128];
	int n = 0;

	(void)state;
	simulate_defaults(&o);
	o.audience = 2000;
	o.days = 40;
	o.plain_text = 1;
	assert_int_equal(simulate_parse_styles("empty,lived", &o.styles, err, sizeof(err)), 0);
	run(&o, &h);
	/* Random orders, drips and their padding only of the styles asked for. */
	for (p = h.truth; (p = strstr(p, "style\":\"")) != NULL; p++, n++)
		assert_true(strncmp(p + 8, "empty\"", 6) == 0 || strncmp(p + 8, "lived\"", 6) == 0);
	assert_true(n >= 4);
	hist_free(&h);
}

static void
test_none(void **state)
{
	struct fg_sim_opts o;
	struct hist h = { 0 };
	struct check c = { 0 };

	(void)state;
	simulate_defaults(&o);
	o.audience = 500;
	o.days = 2;
	o.events = 0;
	run(&o, &h);
	c.audience = o.audience;
	c.first_t = c.last_t = INT64_MIN;
	c.watch = "brand";
	each_line(&h, check_line, &c);
	assert_int_equal(c.follows, 0);
	assert_int_equal(c.unfollows, 0);
	assert_int_equal(h.tlen, 0);
	hist_free(&h);
}

static void
test_parse(void **state)
{
	struct fg_sim_inject in;
	unsigned ev;
	char err[128];

	(void)state;
	assert_int_equal(simulate_parse_events("organic,churn", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev, FG_SIM_ORGANIC | FG_SIM_CHURN);
	assert_int_equal(simulate_parse_events("none", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev, 0);
	assert_int_equal(simulate_parse_events("all", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev, FG_SIM_ALL);
	assert_int_equal(simulate_parse_events("wave,viral", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev, FG_SIM_WAVE | FG_SIM_VIRAL);
	assert_int_equal(simulate_parse_events("organic,bogus", &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(simulate_parse_order("2.5:capped:copycat@7.25", &in, err,
	    sizeof(err)), 0);
	assert_true(in.size_pct == 2.5 && in.day == 7.25);
	assert_int_equal(in.speed, FG_SIM_CAPPED);
	assert_int_equal(in.style, FG_SIM_COPYCAT);
	assert_int_equal(in.kind, FG_SIM_PURCHASE);
	assert_int_equal(simulate_parse_order("5:weeks:empty", &in, err, sizeof(err)), 0);
	assert_int_equal(in.kind, FG_SIM_DRIP);
	assert_true(in.day < 0);
	assert_int_equal(simulate_parse_order("5:day:lived@3", &in, err, sizeof(err)), 0);
	assert_int_equal(in.style, FG_SIM_LIVED);
	assert_int_equal(simulate_parse_order("5:hour:copied", &in, err, sizeof(err)), 0);
	assert_int_equal(in.style, FG_SIM_COPIED);
	assert_int_equal(simulate_parse_order("5:hour:copy", &in, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "copied"));
	assert_int_equal(simulate_parse_order("5:fast:empty", &in, err, sizeof(err)), -1);
	assert_int_equal(simulate_parse_order("5:hour:weird", &in, err, sizeof(err)), -1);
	assert_int_equal(simulate_parse_order("x:hour:aged", &in, err, sizeof(err)), -1);
	assert_int_equal(simulate_parse_order("5:hour", &in, err, sizeof(err)), -1);
	assert_int_equal(simulate_parse_viral("30@4", &in, err, sizeof(err)), 0);
	assert_int_equal(in.kind, FG_SIM_VIRAL);
	assert_int_equal(simulate_parse_viral("30@", &in, err, sizeof(err)), -1);
	assert_int_equal(simulate_parse_wave("12.5@9.25", &in, err, sizeof(err)), 0);
	assert_int_equal(in.kind, FG_SIM_WAVE);
	assert_true(in.size_pct == 12.5 && in.day == 9.25);
	assert_int_equal(simulate_parse_wave("-3", &in, err, sizeof(err)), -1);
	assert_int_equal(simulate_parse_styles("all", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev, FG_SIM_ALL_STYLES);
	assert_int_equal(simulate_parse_styles("copied,fresh", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev, 1u << FG_SIM_COPIED | 1u << FG_SIM_FRESH);
	assert_int_equal(simulate_parse_styles("fresh,", &ev, err, sizeof(err)), -1);
	assert_int_equal(simulate_parse_styles("bogus", &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bogus"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_order_hour_fresh),
		cmocka_unit_test(test_viral_genuine),
		cmocka_unit_test(test_drip_spread),
		cmocka_unit_test(test_order_lived),
		cmocka_unit_test(test_order_copied),
		cmocka_unit_test(test_wave),
		cmocka_unit_test(test_interleave),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_styles),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
