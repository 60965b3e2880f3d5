/*
 * The text policy (profile_text, profile_id_check, profile_blank) and the profile readers
 * that apply it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "features.h"
#include "jsonin.h"
#include "profile.h"

#define FFFD	"\xef\xbf\xbd"

/* profile_text of len bytes at s, bound max, as a NUL-terminated copy the test owns. */
static const char *
norm(struct fg_arena *a, const char *s, size_t len, size_t max)
{
	return profile_text(a, s, len, max);
}

/* Whether s has any byte the policy never lets through. */
static int
has_control(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	for (; *u != '\0'; u++)
		if (*u < 0x20 || *u == 0x7f || (u[0] == 0xc2 && u[1] >= 0x80 && u[1] < 0xa0))
			return 1;
	return 0;
}

static void
test_controls(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
	} cases[] = {
		{ "plain text", 10, "plain text" },
		{ "a\0b", 3, "a" FFFD "b" },
		{ "\0", 1, FFFD },
		{ "\0\0", 2, FFFD FFFD },
		{ "a\tb\nc\vd\fe\rf", 11, "a b c d e f" },
		{ "\x01\x08\x0e\x1b[2J\x1f", 8, FFFD FFFD FFFD FFFD "[2J" FFFD },
		{ "del\x7f", 4, "del" FFFD },
		{ "c1 \xc2\x80 \xc2\x85 \xc2\x9b \xc2\x9f", 14,
		  "c1 " FFFD " " FFFD " " FFFD " " FFFD },
		/* U+00A0 and later are characters, not controls. */
		{ "nbsp\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 15,
		  "nbsp\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
		{ FFFD, 3, FFFD },
	};
	struct fg_arena a = { NULL, 0 };
	const char *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = norm(&a, cases[i].in, cases[i].len, FG_TEXT_MAX);
		if (strcmp(r, cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\"", i, r);
		assert_false(has_control(r));
	}
	arena_free(&a);
}

/* Every byte that starts no well-formed UTF-8 sequence is one U+FFFD. */
static void
test_invalid_utf8(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "a\xff" "b", "a" FFFD "b" },
		{ "\xc0\xaf", FFFD FFFD },			/* overlong '/' */
		{ "\xe0\x80\xaf", FFFD FFFD FFFD },		/* overlong, three bytes */
		{ "\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD },	/* overlong, four bytes */
		{ "\xed\xa0\x80", FFFD FFFD FFFD },		/* a surrogate */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD },	/* beyond U+10FFFF */
		{ "\x80x", FFFD "x" },				/* stray continuation */
		{ "\xe2\x82", FFFD FFFD },			/* cut short */
		{ "\xc3", FFFD },
	};
	struct fg_arena a = { NULL, 0 };
	const char *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = norm(&a, cases[i].in, strlen(cases[i].in), FG_TEXT_MAX);
		if (strcmp(r, cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\"", i, r);
	}
	arena_free(&a);
}

/* Cut at the last whole character that fits; exactly the bound is kept whole. */
static void
test_bound(void **state)
{
	struct fg_arena a = { NULL, 0 };
	char *big = malloc(FG_TEXT_MAX * 3 + 16);
	const char *r;
	size_t i;

	(void)state;
	/* Exactly the bound: itself, not a copy. */
	memset(big, 'x', FG_TEXT_MAX);
	big[FG_TEXT_MAX] = '\0';
	assert_ptr_equal(norm(&a, big, FG_TEXT_MAX, FG_TEXT_MAX), big);
	/* One byte over: cut to the bound. */
	memset(big, 'x', FG_TEXT_MAX + 1);
	big[FG_TEXT_MAX + 1] = '\0';
	r = norm(&a, big, FG_TEXT_MAX + 1, FG_TEXT_MAX);
	assert_int_equal(strlen(r), FG_TEXT_MAX);
	/* "x" then 2-byte characters: the one across the bound goes whole. */
	big[0] = 'x';
	for (i = 1; i + 1 < FG_TEXT_MAX + 4; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	r = norm(&a, big, i, FG_TEXT_MAX);
	assert_int_equal(strlen(r), FG_TEXT_MAX - 1);
	assert_memory_equal(r + strlen(r) - 2, "\xc3\xa9", 2);
	/* A 4-byte character that would end one byte past the bound. */
	memset(big, 'x', 5);
	memcpy(big + 5, "\xf0\x9f\x98\x80", 4);
	r = norm(&a, big, 9, 8);
	assert_string_equal(r, "xxxxx");
	/* Controls that grow (1 byte to 3): the bound holds, and no U+FFFD is cut. */
	memset(big, 0x7f, FG_TEXT_MAX);
	r = norm(&a, big, FG_TEXT_MAX, FG_TEXT_MAX);
	assert_int_equal(strlen(r), FG_TEXT_MAX / 3 * 3);
	for (i = 0; i < strlen(r); i += 3)
		assert_memory_equal(r + i, FFFD, 3);
	/* 10 KB of NUL: bounded output, bounded work. */
	memset(big, 0, FG_TEXT_MAX * 3);
	r = norm(&a, big, FG_TEXT_MAX * 3, FG_TEXT_MAX);
	assert_true(strlen(r) <= FG_TEXT_MAX);
	free(big);
	arena_free(&a);
}

/* Normal text is borrowed: nothing copied, the arena untouched. */
static void
test_borrowed(void **state)
{
	struct fg_arena a = { NULL, 0 };
	static const char s[] = "caf\xc3\xa9 ok";
	char notz[4] = { 'a', 'b', 'c', 'd' };
	const char *r;

	(void)state;
	assert_ptr_equal(norm(&a, s, sizeof(s) - 1, FG_TEXT_MAX), s);
	assert_null(a.head);
	/* Without its NUL at len it must be copied. */
	r = norm(&a, notz, 3, FG_TEXT_MAX);
	assert_string_equal(r, "abc");
	assert_ptr_not_equal(r, notz);
	assert_non_null(a.head);
	arena_free(&a);
}

/* Copies live until reset; resetting keeps one block, so a loop stays flat. */
static void
test_arena(void **state)
{
	struct fg_arena a = { NULL, 0 };
	const char *p1, *p2;
	char *big;
	size_t i;

	(void)state;
	p1 = norm(&a, "a\0b", 3, 16);
	p2 = norm(&a, "c\x01" "d", 3, 16);
	assert_string_equal(p1, "a" FFFD "b");
	assert_string_equal(p2, "c" FFFD "d");
	big = arena_alloc(&a, 200000);	/* a block of its own */
	memset(big, 1, 200000);
	assert_string_equal(p1, "a" FFFD "b");
	for (i = 0; i < 1000; i++) {
		arena_reset(&a);
		norm(&a, "\x01", 1, 16);
	}
	assert_non_null(a.head);
	arena_free(&a);
	assert_null(a.head);
}

static void
test_id_check(void **state)
{
	char err[128], id[FG_ID_MAX + 2];

	(void)state;
	assert_int_equal(profile_id_check("12345", 5, err, sizeof(err)), 0);
	assert_int_equal(profile_id_check("did:plc:ab", 10, err, sizeof(err)), 0);
	assert_int_equal(profile_id_check("caf\xc3\xa9", 5, err, sizeof(err)), 0);
	assert_int_equal(profile_id_check("", 0, err, sizeof(err)), -1);
	assert_string_equal(err, "empty");
	assert_int_equal(profile_id_check("1\0" "2", 3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control character"));
	assert_int_equal(profile_id_check("1\t2", 3, err, sizeof(err)), -1);
	assert_int_equal(profile_id_check("1\xc2\x85", 3, err, sizeof(err)), -1);
	assert_int_equal(profile_id_check("1\x7f", 2, err, sizeof(err)), -1);
	assert_int_equal(profile_id_check("1\xff", 2, err, sizeof(err)), -1);
	memset(id, '7', sizeof(id));
	assert_int_equal(profile_id_check(id, FG_ID_MAX, err, sizeof(err)), 0);
	assert_int_equal(profile_id_check(id, FG_ID_MAX + 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
}

/* Shows nothing: white space and U+FFFD only. */
static void
test_blank(void **state)
{
	(void)state;
	assert_true(profile_blank(""));
	assert_true(profile_blank(" \t\n"));
	assert_true(profile_blank(FFFD));
	assert_true(profile_blank(" " FFFD " " FFFD));
	assert_false(profile_blank("x"));
	assert_false(profile_blank(FFFD "x"));
	assert_false(profile_blank("\xc3\xa9"));
	assert_false(profile_blank("\xef"));	/* never read past the NUL */
	assert_false(profile_blank("\xef\xbf"));
}

/* A bio of "\u0000" is an empty bio; a display name of controls is no display name. */
static void
test_features_blank(void **state)
{
	static const char text[] = "{\"id\":\"1\",\"bio\":\"\\u0000\",\"display_name\":"
	    "\"\\u0001\\t\\u0085\",\"url\":\"\\u007f\",\"location\":\"x\\u0000\"}";
	struct fg_arena a = { NULL, 0 };
	struct fg_features f;
	struct fg_profile p;
	json_error_t je;
	char err[128];
	json_t *o;

	(void)state;
	assert_non_null(o = json_loads(text, FG_JSON_IN, &je));
	assert_int_equal(profile_from_json(o, &p, &a, err, sizeof(err)), 0);
	features_compute(&p, 1700000000, &f);
	assert_true(FEATURE_KNOWN(&f, F_EMPTY_BIO) && f.x[F_EMPTY_BIO] == 1);
	assert_true(FEATURE_KNOWN(&f, F_NO_DISPLAY_NAME) && f.x[F_NO_DISPLAY_NAME] == 1);
	assert_true(FEATURE_KNOWN(&f, F_NO_URL) && f.x[F_NO_URL] == 1);
	assert_true(FEATURE_KNOWN(&f, F_NO_LOCATION) && f.x[F_NO_LOCATION] == 0);
	assert_string_equal(p.location, "x" FFFD);
	json_decref(o);
	arena_free(&a);
}

/* Every key lands in its own member; near misses are no key at all. */
static void
test_fields(void **state)
{
	static const char *const texts[] = { "handle", "display_name", "bio", "url",
	    "location" };
	static const char *const counts[] = { "followers_count", "following_count",
	    "posts_count", "likes_count", "listed_count" };
	static const char *const times[] = { "created_at", "observed_at", "last_post_at" };
	static const char *const stamps[] = { "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z",
	    "2020-01-03T00:00:00Z" };
	static const char *const flags[] = { "avatar_default", "bot", "verified", "locked" };
	static const char *const none[] = { "", "i", "ids", "Id", "bix", "uri", "bat",
	    "labels", "handlE", "lockeD", "locatio", "verified_", "created_on",
	    "observed_on", "posts_coun", "likes_countX", "display_nam", "last_post_on",
	    "listed_coun", "avatar_defaulT", "followers_coun", "followingXcount",
	    "followers\0count" };
	struct fg_arena a = { NULL, 0 };
	struct fg_profile p;
	char err[128];
	size_t i;

	(void)state;
	profile_init(&p);
	for (i = 0; i < 5; i++)
		assert_int_equal(profile_field_string(&p, profile_field(texts[i],
		    strlen(texts[i])), texts[i], strlen(texts[i]), &a, err, sizeof(err)), 0);
	assert_string_equal(p.handle, "handle");
	assert_string_equal(p.display_name, "display_name");
	assert_string_equal(p.bio, "bio");
	assert_string_equal(p.url, "url");
	assert_string_equal(p.location, "location");
	for (i = 0; i < 5; i++)
		assert_int_equal(profile_field_integer(&p, profile_field(counts[i],
		    strlen(counts[i])), (int64_t)i + 1, err, sizeof(err)), 0);
	assert_true(p.followers_count == 1 && p.following_count == 2 && p.posts_count == 3 &&
	    p.likes_count == 4 && p.listed_count == 5);
	for (i = 0; i < 3; i++)
		assert_int_equal(profile_field_string(&p, profile_field(times[i],
		    strlen(times[i])), stamps[i], strlen(stamps[i]), &a, err, sizeof(err)), 0);
	assert_true(p.created_at == 1577836800 && p.observed_at == 1577923200 &&
	    p.last_post_at == 1578009600);
	for (i = 0; i < 4; i++)
		assert_int_equal(profile_field_bool(&p, profile_field(flags[i], strlen(flags[i])),
		    (int)(i % 2), err, sizeof(err)), 0);
	assert_true(p.avatar_default == 0 && p.bot == 1 && p.verified == 0 && p.locked == 1);
	assert_int_equal(profile_field_string(&p, profile_field("id", 2), "7", 1, &a, err,
	    sizeof(err)), 0);
	assert_string_equal(p.id, "7");
	assert_int_equal(profile_field_string(&p, profile_field("label", 5), "genuine", 7, &a,
	    err, sizeof(err)), 0);
	assert_int_equal(p.label, FG_LABEL_GENUINE);
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		if (profile_field(none[i], i + 1 == sizeof(none) / sizeof(none[0]) ? 15 :
		    strlen(none[i])) != NULL)
			fail_msg("\"%s\" taken for a key", none[i]);
	arena_free(&a);
}

/* The streaming reader: \u0000 anywhere, in keys too; problems reported, syntax first. */
static void
test_scan(void **state)
{
	static const char ok[] = "{\"id\":\"7\",\"bio\":\"a\\u0000b\",\"x\\u0000\":1,"
	    "\"handle\":\"h\\u001b\",\"label\":\"fake\",\"created_at\":\"2020-01-01T00:00:00Z\"}";
	static const char bad[][96] = {
		"{\"id\":\"7\\u0000\"}",
		"{\"id\":\"7\",\"label\":\"fake\\u0000x\"}",
		"{\"id\":\"7\",\"created_at\":\"2020-01-01T00:00:00Z\\u0000x\"}",
		"{\"bio\":\"x\"}",
		/* An unknown key that shares a prefix with a field, NUL after it. */
		"{\"id\\u0000\":\"7\"}",
	};
	struct fg_arena a = { NULL, 0 };
	struct fg_profile p;
	struct jscan js;
	char buf[512], err[200];
	size_t i;

	(void)state;
	jscan_init(&js, ok, sizeof(ok) - 1, buf, sizeof(buf));
	assert_int_equal(profile_scan(&js, &p, &a, err, sizeof(err)), 0);
	assert_int_equal(jscan_end(&js), 0);
	assert_string_equal(p.id, "7");
	assert_string_equal(p.bio, "a" FFFD "b");
	assert_string_equal(p.handle, "h" FFFD);
	assert_int_equal(p.label, FG_LABEL_FAKE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		jscan_init(&js, bad[i], strlen(bad[i]), buf, sizeof(buf));
		if (profile_scan(&js, &p, &a, err, sizeof(err)) != 1)
			fail_msg("case %zu accepted", i);
		assert_int_equal(jscan_end(&js), 0);
	}
	/* A syntax error after a bad value is still a syntax error. */
	jscan_init(&js, "{\"id\":5,", 8, buf, sizeof(buf));
	assert_int_equal(profile_scan(&js, &p, &a, err, sizeof(err)), -1);
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_borrowed),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_id_check),
		cmocka_unit_test(test_blank),
		cmocka_unit_test(test_features_blank),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
