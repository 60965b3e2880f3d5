/* Tests of the simulator: determinism, the replay format, ground truth and event shapes. */
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
		o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &jerr);
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
			    strncmp(src, "drip:", 5) == 0);
			if (strncmp(src, "order:", 6) == 0 || strncmp(src, "drip:", 5) == 0)
				assert_int_equal(p.label, FG_LABEL_FAKE);
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
	assert_int_equal(simulate_parse_order("5:fast:empty", &in, err, sizeof(err)), -1);
	assert_int_equal(simulate_parse_order("5:hour:weird", &in, err, sizeof(err)), -1);
	assert_int_equal(simulate_parse_order("x:hour:aged", &in, err, sizeof(err)), -1);
	assert_int_equal(simulate_parse_order("5:hour", &in, err, sizeof(err)), -1);
	assert_int_equal(simulate_parse_viral("30@4", &in, err, sizeof(err)), 0);
	assert_int_equal(in.kind, FG_SIM_VIRAL);
	assert_int_equal(simulate_parse_viral("30@", &in, err, sizeof(err)), -1);
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
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
