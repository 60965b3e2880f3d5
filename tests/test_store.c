/* Tests of the LMDB store: record round trips, scans, map growth, schema checks, corruption. */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

/* A fresh database directory per test, removed afterwards. */
struct fixture {
	char		 dir[PATH_MAX];
	struct fg_store	*st;
};

static void
rm_db(const char *dir)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "%s/store-XXXXXX", FG_TEST_TMP);
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	rm_db(f->dir);
	free(f);
	return 0;
}

static void
open_store(struct fixture *f, int flags)
{
	char err[512];

	err[0] = '\0';
	if (store_open(&f->st, f->dir, flags, err, sizeof(err)) != 0)
		fail_msg("store_open: %s", err);
}

static void
reopen(struct fixture *f, int flags)
{
	store_close(f->st);
	f->st = NULL;
	open_store(f, flags);
}

/* Raw LMDB access, to plant what followguard itself would never write. */
static void
raw_put(const char *dir, const char *db, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_set_mapsize(env, (size_t)256 << 20), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, db == NULL ? 0 : MDB_CREATE, &dbi), 0);
	k.mv_data = (void *)key;
	k.mv_size = klen;
	if (val == NULL)
		assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
	else {
		v.mv_data = (void *)val;
		v.mv_size = vlen;
		assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
raw_schema(const char *dir, uint32_t version)
{
	uint8_t b[4] = { version >> 24, version >> 16, version >> 8, version };

	raw_put(dir, "meta", "schema", 6, b, sizeof(b));
}

static void
assert_str_or_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void
assert_rec_equal(const struct fg_profile_rec *a, const struct fg_profile_rec *b)
{
	int i;

	assert_str_or_null(a->profile.id, b->profile.id);
	assert_str_or_null(a->profile.handle, b->profile.handle);
	assert_str_or_null(a->profile.display_name, b->profile.display_name);
	assert_str_or_null(a->profile.bio, b->profile.bio);
	assert_str_or_null(a->profile.url, b->profile.url);
	assert_str_or_null(a->profile.location, b->profile.location);
	assert_true(a->profile.created_at == b->profile.created_at);
	assert_true(a->profile.observed_at == b->profile.observed_at);
	assert_true(a->profile.last_post_at == b->profile.last_post_at);
	assert_true(a->profile.followers_count == b->profile.followers_count);
	assert_true(a->profile.following_count == b->profile.following_count);
	assert_true(a->profile.posts_count == b->profile.posts_count);
	assert_true(a->profile.likes_count == b->profile.likes_count);
	assert_true(a->profile.listed_count == b->profile.listed_count);
	assert_int_equal(a->profile.avatar_default, b->profile.avatar_default);
	assert_int_equal(a->profile.bot, b->profile.bot);
	assert_int_equal(a->profile.verified, b->profile.verified);
	assert_int_equal(a->profile.locked, b->profile.locked);
	assert_int_equal(a->profile.label, b->profile.label);
	assert_int_equal(a->features.known, b->features.known);
	for (i = 0; i < FG_NFEATURES; i++)
		if (FEATURE_KNOWN(&a->features, i))
			assert_true(a->features.x[i] == b->features.x[i]);
	assert_true(a->score == b->score);
	assert_int_equal(a->verdict, b->verdict);
	assert_int_equal(a->model_id, b->model_id);
}

/* Profiles. */

struct profiles_arg {
	const char			*watch;
	const struct fg_profile_rec	*recs;
	size_t				 n;
	int				 calls;
};

static int
put_profiles(struct fg_txn *txn, void *arg)
{
	struct profiles_arg *a = arg;
	size_t i;

	a->calls++;
	for (i = 0; i < a->n; i++)
		if (store_profile_put(txn, a->watch, &a->recs[i]) != 0)
			return -1;
	return 0;
}

static int
check_profiles(struct fg_txn *txn, void *arg)
{
	struct profiles_arg *a = arg;
	struct fg_profile_rec got;
	size_t i;

	for (i = 0; i < a->n; i++) {
		assert_int_equal(store_profile_get(txn, a->watch, a->recs[i].profile.id, &got), 0);
		assert_rec_equal(&got, &a->recs[i]);
	}
	return 0;
}

static void
rec_full(struct fg_profile_rec *r, const char *id, char *bio)
{
	int i;

	memset(r, 0, sizeof(*r));
	profile_init(&r->profile);
	r->profile.id = id;
	r->profile.handle = "jane_doe1984";
	r->profile.display_name = "Jane \xc3\x89. Doe";
	r->profile.bio = bio;
	r->profile.url = "";
	r->profile.location = "Lyon";
	r->profile.created_at = -86400 * 365;	/* before the epoch */
	r->profile.observed_at = 1772323500;
	r->profile.last_post_at = 0;
	r->profile.followers_count = 0;
	r->profile.following_count = 7501;
	r->profile.posts_count = FG_COUNT_MAX;
	r->profile.likes_count = 3;
	r->profile.listed_count = -1;
	r->profile.avatar_default = 1;
	r->profile.bot = 0;
	r->profile.verified = FG_UNKNOWN;
	r->profile.locked = 1;
	r->profile.label = FG_LABEL_FAKE;
	for (i = 0; i < FG_NFEATURES; i += 2) {
		r->features.x[i] = -1.0 / (i + 3) + i * 1e10;
		r->features.known |= 1u << i;
	}
	r->score = 0.9312345678901234;
	r->verdict = FG_FAKE;
	r->model_id = 0xdeadbeef;
}

static void
test_profile_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct fg_profile_rec recs[3], got;
	struct profiles_arg a;
	char *bio, longid[FG_ID_MAX + 2];

	open_store(f, 0);
	bio = xmalloc(100001);
	memset(bio, 'b', 100000);
	bio[100000] = '\0';
	rec_full(&recs[0], "109876543210", bio);
	rec_full(&recs[1], "short-bio", "hi");
	recs[1].features.known = (1u << FG_NFEATURES) - 1;
	recs[1].verdict = FG_GENUINE;
	recs[1].score = 0;
	/* Everything unknown. */
	memset(&recs[2], 0, sizeof(recs[2]));
	profile_init(&recs[2].profile);
	recs[2].profile.id = "u";
	recs[2].score = 0.5;
	recs[2].verdict = FG_SUSPECT;

	a.watch = "brand";
	a.recs = recs;
	a.n = 3;
	a.calls = 0;
	assert_int_equal(store_write(f->st, put_profiles, &a), 0);
	assert_int_equal(store_read(f->st, check_profiles, &a), 0);
	reopen(f, 0);
	assert_int_equal(store_read(f->st, check_profiles, &a), 0);

	/* The same id under a watch whose name is a prefix of this one stays apart. */
	got = recs[1];
	got.score = 0.25;
	got.profile.bio = NULL;
	assert_int_equal(store_write(f->st, put_profiles,
	    &(struct profiles_arg){ "bran", &got, 1, 0 }), 0);
	assert_int_equal(store_read(f->st, check_profiles,
	    &(struct profiles_arg){ "bran", &got, 1, 0 }), 0);
	a.watch = "brand";
	assert_int_equal(store_read(f->st, check_profiles, &a), 0);

	/* Key defence: bad watch names and ids are refused. */
	memset(longid, '9', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	recs[2].profile.id = longid;
	a.watch = "brand";
	a.recs = recs + 2;
	a.n = 1;
	assert_int_equal(store_write(f->st, put_profiles, &a), -1);
	recs[2].profile.id = "";
	assert_int_equal(store_write(f->st, put_profiles, &a), -1);
	recs[2].profile.id = "u";
	a.watch = "";
	assert_int_equal(store_write(f->st, put_profiles, &a), -1);
	a.watch = "0123456789012345678901234567890123456789012345678901234567890123x";
	assert_int_equal(store_write(f->st, put_profiles, &a), -1);
	a.watch = "0123456789012345678901234567890123456789012345678901234567890123";
	assert_int_equal(store_write(f->st, put_profiles, &a), 0);
	/* An id of exactly FG_ID_MAX bytes is fine. */
	longid[FG_ID_MAX] = '\0';
	recs[2].profile.id = longid;
	a.watch = "brand";
	assert_int_equal(store_write(f->st, put_profiles, &a), 0);
	assert_int_equal(store_read(f->st, check_profiles, &a), 0);
	free(bio);
}

struct lookup {
	const char	*watch;
	const char	*id;
	int		 rc;
	struct fg_profile_rec rec;
};

static int
get_profile(struct fg_txn *txn, void *arg)
{
	struct lookup *l = arg;

	l->rc = store_profile_get(txn, l->watch, l->id, &l->rec);
	return 0;
}

/* The size of the profile record of watch\0id, read with LMDB itself. */
static size_t
raw_profile_size(const char *dir, const char *watch, const char *id)
{
	char key[256];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	size_t n;

	n = (size_t)snprintf(key, sizeof(key), "%s%c%s", watch, '\0', id);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "profiles", 0, &dbi), 0);
	k.mv_data = key;
	k.mv_size = n;
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	n = v.mv_size;
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return n;
}

/*
 * Features the profile itself gives (what the pipeline stores) are not written but
 * recomputed when read: the record is smaller and reads back the same. Other features are
 * written as they are.
 */
static void
test_profile_derived_features(void **state)
{
	struct fixture *f = *state;
	struct fg_profile_rec recs[2];
	struct profiles_arg a;
	size_t derived, stored;

	open_store(f, 0);
	rec_full(&recs[0], "derived", "a bio");
	features_compute(&recs[0].profile, FG_TIME_UNKNOWN, &recs[0].features);
	assert_true(recs[0].features.known != 0);
	rec_full(&recs[1], "stored", "a bio");	/* features of its own, not the profile's */
	a = (struct profiles_arg){ "brand", recs, 2, 0 };
	assert_int_equal(store_write(f->st, put_profiles, &a), 0);
	assert_int_equal(store_read(f->st, check_profiles, &a), 0);
	store_close(f->st);
	f->st = NULL;
	derived = raw_profile_size(f->dir, "brand", "derived");
	stored = raw_profile_size(f->dir, "brand", "stored");
	/* The stored one carries its 10 features, 8 bytes each; its id is 1 byte shorter. */
	assert_int_equal(stored, derived + 10 * 8 - 1);
	open_store(f, 0);
	assert_int_equal(store_read(f->st, check_profiles, &a), 0);
}

/*
 * Profiles put in a transaction are written in key order at its end; until then they are
 * still found, and the last put of a key wins.
 */
static int
put_get_same_txn(struct fg_txn *txn, void *arg)
{
	struct fg_profile_rec *recs = arg, got;

	(void)arg;
	assert_int_equal(store_profile_put(txn, "brand", &recs[0]), 0);	/* "z9" */
	assert_int_equal(store_profile_put(txn, "brand", &recs[1]), 0);	/* "a1" */
	assert_int_equal(store_profile_get(txn, "brand", "z9", &got), 0);
	assert_rec_equal(&got, &recs[0]);
	assert_int_equal(store_profile_get(txn, "brand", "a1", &got), 0);
	assert_rec_equal(&got, &recs[1]);
	recs[1].score = 0.125;
	assert_int_equal(store_profile_put(txn, "brand", &recs[1]), 0);
	recs[1].score = 0.25;
	assert_int_equal(store_profile_put(txn, "brand", &recs[1]), 0);
	assert_int_equal(store_profile_put(txn, "brand", &recs[2]), 0);	/* "m5" */
	/* Keys alike in their first 16 bytes after the watch: the put order still decides. */
	recs[3].score = 0.5;
	assert_int_equal(store_profile_put(txn, "brand", &recs[3]), 0);
	assert_int_equal(store_profile_put(txn, "brand", &recs[4]), 0);
	recs[3].score = 0.75;
	assert_int_equal(store_profile_put(txn, "brand", &recs[3]), 0);
	assert_int_equal(store_profile_put(txn, "brand", &recs[5]), 0);
	return 0;
}

static void
test_profile_put_then_get(void **state)
{
	struct fixture *f = *state;
	struct fg_profile_rec recs[6];
	struct profiles_arg a;

	open_store(f, 0);
	rec_full(&recs[0], "z9", "zed");
	rec_full(&recs[1], "a1", "ay");
	rec_full(&recs[2], "m5", "em");
	rec_full(&recs[3], "1234567890123456789-b", "b");
	rec_full(&recs[4], "1234567890123456789-a", "a");
	rec_full(&recs[5], "1234567890123456", "short");
	assert_int_equal(store_write(f->st, put_get_same_txn, recs), 0);
	assert_true(recs[1].score == 0.25 && recs[3].score == 0.75);
	a = (struct profiles_arg){ "brand", recs, 6, 0 };
	assert_int_equal(store_read(f->st, check_profiles, &a), 0);
}

static void
test_profile_watch_prefix(void **state)
{
	struct fixture *f = *state;
	struct fg_profile_rec rec;
	struct profiles_arg a = { "ab", &rec, 1, 0 };
	struct lookup l;

	open_store(f, 0);
	rec_full(&rec, "42", "bio");
	assert_int_equal(store_write(f->st, put_profiles, &a), 0);
	l = (struct lookup){ .watch = "ab", .id = "42" };
	assert_int_equal(store_read(f->st, get_profile, &l), 0);
	assert_int_equal(l.rc, 0);
	assert_string_equal(l.rec.profile.bio, "bio");
	l = (struct lookup){ .watch = "a", .id = "42" };
	assert_int_equal(store_read(f->st, get_profile, &l), 0);
	assert_int_equal(l.rc, FG_NOTFOUND);
	l = (struct lookup){ .watch = "ab", .id = "4" };
	assert_int_equal(store_read(f->st, get_profile, &l), 0);
	assert_int_equal(l.rc, FG_NOTFOUND);
}

/* Edges and position counters. */

struct edge_arg {
	const char	*watch;
	const char	*id;
	struct fg_edge	 e;
	int		 rc;
	uint64_t	 pos;
};

static int
put_edge(struct fg_txn *txn, void *arg)
{
	struct edge_arg *a = arg;

	if (store_edge_put(txn, a->watch, a->id, &a->e) != 0)
		return -1;
	return store_position_put(txn, a->watch, a->pos);
}

static int
get_edge(struct fg_txn *txn, void *arg)
{
	struct edge_arg *a = arg;

	memset(&a->e, 0, sizeof(a->e));
	a->rc = store_edge_get(txn, a->watch, a->id, &a->e);
	if (store_position_get(txn, a->watch, &a->pos) != 0)
		return -1;
	return 0;
}

static void
test_edge_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct edge_arg a;

	open_store(f, 0);
	a = (struct edge_arg){ "a", "1", { FG_TIME_UNKNOWN, -5, UINT64_MAX - 1,
	    FG_EDGE_REMOVED, 1 }, 0, UINT64_C(1) << 40 };
	assert_int_equal(store_write(f->st, put_edge, &a), 0);
	a = (struct edge_arg){ "ab", "1", { -1, INT64_MAX, 7, FG_EDGE_FOLLOWING, 0 }, 0, 3 };
	assert_int_equal(store_write(f->st, put_edge, &a), 0);

	a = (struct edge_arg){ .watch = "a", .id = "1", .pos = 99 };
	assert_int_equal(store_read(f->st, get_edge, &a), 0);
	assert_int_equal(a.rc, 0);
	assert_true(a.e.first_seen == FG_TIME_UNKNOWN);
	assert_true(a.e.last_seen == -5);
	assert_true(a.e.position == UINT64_MAX - 1);
	assert_int_equal(a.e.state, FG_EDGE_REMOVED);
	assert_int_equal(a.e.initial, 1);
	assert_true(a.pos == UINT64_C(1) << 40);

	a = (struct edge_arg){ .watch = "ab", .id = "1" };
	assert_int_equal(store_read(f->st, get_edge, &a), 0);
	assert_int_equal(a.rc, 0);
	assert_true(a.e.first_seen == -1);
	assert_true(a.e.last_seen == INT64_MAX);
	assert_true(a.e.position == 7);
	assert_int_equal(a.e.state, FG_EDGE_FOLLOWING);
	assert_int_equal(a.e.initial, 0);
	assert_true(a.pos == 3);

	/* Absent edge; absent counter reads as 0. */
	a = (struct edge_arg){ .watch = "b", .id = "1", .pos = 99 };
	assert_int_equal(store_read(f->st, get_edge, &a), 0);
	assert_int_equal(a.rc, FG_NOTFOUND);
	assert_true(a.pos == 0);

	/* Puts through a read transaction fail cleanly. */
	a = (struct edge_arg){ "a", "2", { 1, 1, 1, FG_EDGE_FOLLOWING, 0 }, 0, 1 };
	assert_int_equal(store_read(f->st, put_edge, &a), -1);
}

/* Polls and arrivals: time order across the sign, watch prefixes kept apart. */

struct seen {
	int64_t		t[64];
	uint32_t	seq[64];
	char		id[64][16];
	struct fg_poll	poll[64];
	size_t		n;
	size_t		stop_at;	/* return 5 from the callback at this count */
};

static int
poll_cb(void *arg, const struct fg_poll *p)
{
	struct seen *s = arg;

	assert_true(s->n < 64);
	s->poll[s->n++] = *p;
	return s->n == s->stop_at ? 5 : 0;
}

static int
arrival_cb(void *arg, int64_t t, uint32_t seq, const char *id)
{
	struct seen *s = arg;

	assert_true(s->n < 64);
	s->t[s->n] = t;
	s->seq[s->n] = seq;
	snprintf(s->id[s->n], sizeof(s->id[0]), "%s", id);
	s->n++;
	return s->n == s->stop_at ? 5 : 0;
}

static const int64_t times[] = { 100, -1, INT64_MIN, 0, 1, -100, INT64_MAX, -(INT64_C(1) << 40),
    INT64_C(1) << 40 };
#define NTIMES (sizeof(times) / sizeof(times[0]))

static int
put_series(struct fg_txn *txn, void *arg)
{
	static const char *watches[] = { "ab", "a", "b", "a\x01" };
	struct fg_poll p;
	char id[16];
	size_t i, w;
	uint32_t seq;

	(void)arg;
	/* Out of order on purpose: the keys, not insertion, must order the scan. */
	for (w = 0; w < 4; w++)
		for (i = 0; i < NTIMES; i++) {
			p.t = times[i];
			p.followers_count = times[i] == 0 ? -1 : (int64_t)(w * 1000 + i);
			p.arrivals = (uint32_t)i;
			p.fake = (uint32_t)w;
			p.suspect = 0xffffffff;
			p.unfollows = 3;
			if (store_poll_put(txn, watches[w], &p) != 0)
				return -1;
			for (seq = 3; seq-- > 0;) {
				snprintf(id, sizeof(id), "%zu-%zu-%u", w, i, seq);
				if (store_arrival_put(txn, watches[w], times[i], seq, id) != 0)
					return -1;
			}
		}
	return 0;
}

struct scan_arg {
	const char	*watch;
	int64_t		 from, to;
	struct seen	 s;
	int		 rc;
	int		 arrivals;
};

static int
do_scan(struct fg_txn *txn, void *arg)
{
	struct scan_arg *a = arg;

	if (a->arrivals)
		a->rc = store_arrivals_scan(txn, a->watch, a->from, a->to, arrival_cb, &a->s);
	else
		a->rc = store_polls_scan(txn, a->watch, a->from, a->to, poll_cb, &a->s);
	return 0;
}

static void
test_polls_scan(void **state)
{
	struct fixture *f = *state;
	struct scan_arg a;
	size_t i;

	open_store(f, 0);
	assert_int_equal(store_write(f->st, put_series, NULL), 0);

	memset(&a, 0, sizeof(a));
	a.watch = "a";
	a.from = INT64_MIN;
	a.to = INT64_MAX;
	assert_int_equal(store_read(f->st, do_scan, &a), 0);
	assert_int_equal(a.rc, 0);
	/* All but INT64_MAX (the end is exclusive), in time order, only watch "a" (w == 1). */
	assert_int_equal(a.s.n, NTIMES - 1);
	for (i = 1; i < a.s.n; i++)
		assert_true(a.s.poll[i - 1].t < a.s.poll[i].t);
	assert_true(a.s.poll[0].t == INT64_MIN);
	for (i = 0; i < a.s.n; i++) {
		assert_int_equal(a.s.poll[i].fake, 1);
		assert_int_equal(a.s.poll[i].suspect, 0xffffffff);
		assert_int_equal(a.s.poll[i].unfollows, 3);
		if (a.s.poll[i].t == 0)
			assert_true(a.s.poll[i].followers_count == -1);
		else
			assert_true(a.s.poll[i].followers_count ==
			    1000 + (int64_t)a.s.poll[i].arrivals);
		assert_true(times[a.s.poll[i].arrivals] == a.s.poll[i].t);
	}

	/* A window across zero. */
	memset(&a.s, 0, sizeof(a.s));
	a.from = -100;
	a.to = 100;
	assert_int_equal(store_read(f->st, do_scan, &a), 0);
	assert_int_equal(a.s.n, 4);
	assert_true(a.s.poll[0].t == -100);
	assert_true(a.s.poll[1].t == -1);
	assert_true(a.s.poll[2].t == 0);
	assert_true(a.s.poll[3].t == 1);

	/* The callback stops the scan and its value comes back. */
	memset(&a.s, 0, sizeof(a.s));
	a.s.stop_at = 2;
	a.from = INT64_MIN;
	a.to = INT64_MAX;
	assert_int_equal(store_read(f->st, do_scan, &a), 0);
	assert_int_equal(a.rc, 5);
	assert_int_equal(a.s.n, 2);

	/* A watch with no polls; an empty range. */
	memset(&a.s, 0, sizeof(a.s));
	a.watch = "c";
	assert_int_equal(store_read(f->st, do_scan, &a), 0);
	assert_int_equal(a.rc, 0);
	assert_int_equal(a.s.n, 0);
	a.watch = "ab";
	a.from = a.to = 5;
	assert_int_equal(store_read(f->st, do_scan, &a), 0);
	assert_int_equal(a.s.n, 0);

	/* "ab" sees its own, whole: including the INT64_MAX poll up to an unreachable end. */
	a.from = 1;
	a.to = INT64_MAX;
	assert_int_equal(store_read(f->st, do_scan, &a), 0);
	assert_int_equal(a.s.n, 3);	/* 1, 100, 1<<40 */
	for (i = 0; i < a.s.n; i++)
		assert_int_equal(a.s.poll[i].fake, 0);
}

static void
test_arrivals_scan(void **state)
{
	struct fixture *f = *state;
	struct scan_arg a;
	char want[16];
	size_t i;

	open_store(f, 0);
	assert_int_equal(store_write(f->st, put_series, NULL), 0);

	memset(&a, 0, sizeof(a));
	a.arrivals = 1;
	a.watch = "a";
	a.from = -(INT64_C(1) << 40);
	a.to = 1;
	assert_int_equal(store_read(f->st, do_scan, &a), 0);
	assert_int_equal(a.rc, 0);
	/* -2^40, -100, -1, 0, three arrivals each, seq ascending. */
	assert_int_equal(a.s.n, 12);
	for (i = 0; i < a.s.n; i++) {
		assert_int_equal(a.s.seq[i], i % 3);
		if (i > 0)
			assert_true(a.s.t[i - 1] < a.s.t[i] ||
			    (a.s.t[i - 1] == a.s.t[i] && a.s.seq[i - 1] < a.s.seq[i]));
	}
	assert_true(a.s.t[0] == -(INT64_C(1) << 40));
	assert_true(a.s.t[11] == 0);
	/* Watch "a" is the second in put_series; time 0 is times[3]. */
	snprintf(want, sizeof(want), "1-3-2");
	assert_string_equal(a.s.id[11], want);

	/* "a\x01" sorts right after "a" but is a different watch. */
	memset(&a.s, 0, sizeof(a.s));
	a.watch = "a\x01";
	a.from = INT64_MIN;
	a.to = INT64_MAX;
	assert_int_equal(store_read(f->st, do_scan, &a), 0);
	assert_int_equal(a.s.n, 3 * (NTIMES - 1));
	for (i = 0; i < a.s.n; i++)
		assert_true(strncmp(a.s.id[i], "3-", 2) == 0);

	/* Stop after one. */
	memset(&a.s, 0, sizeof(a.s));
	a.s.stop_at = 1;
	a.watch = "b";
	assert_int_equal(store_read(f->st, do_scan, &a), 0);
	assert_int_equal(a.rc, 5);
	assert_int_equal(a.s.n, 1);
	assert_string_equal(a.s.id[0], "2-2-0");
}

/* Spikes. */

struct spikes_seen {
	char	id[8][32];
	char	json[8][64];
	size_t	n;
};

static int
spike_cb(void *arg, const char *id, const char *json)
{
	struct spikes_seen *s = arg;

	assert_true(s->n < 8);
	snprintf(s->id[s->n], sizeof(s->id[0]), "%s", id);
	snprintf(s->json[s->n], sizeof(s->json[0]), "%s", json);
	s->n++;
	return 0;
}

static int
put_spikes(struct fg_txn *txn, void *arg)
{
	(void)arg;
	if (store_spike_put(txn, "a", "s2", "{\"n\":2}") != 0 ||
	    store_spike_put(txn, "a", "s1", "{\"n\":1}") != 0 ||
	    store_spike_put(txn, "ab", "s0", "{\"n\":0}") != 0 ||
	    store_spike_put(txn, "a", "s2", "{\"n\":22}") != 0)
		return -1;
	return 0;
}

struct spikes_arg {
	const char		*watch;
	struct spikes_seen	 s;
};

static int
scan_spikes(struct fg_txn *txn, void *arg)
{
	struct spikes_arg *a = arg;

	return store_spikes_scan(txn, a->watch, spike_cb, &a->s);
}

static void
test_spikes(void **state)
{
	struct fixture *f = *state;
	struct spikes_arg a;

	open_store(f, 0);
	assert_int_equal(store_write(f->st, put_spikes, NULL), 0);
	memset(&a, 0, sizeof(a));
	a.watch = "a";
	assert_int_equal(store_read(f->st, scan_spikes, &a), 0);
	assert_int_equal(a.s.n, 2);
	assert_string_equal(a.s.id[0], "s1");
	assert_string_equal(a.s.json[0], "{\"n\":1}");
	assert_string_equal(a.s.id[1], "s2");
	assert_string_equal(a.s.json[1], "{\"n\":22}");	/* replaced */
	memset(&a, 0, sizeof(a));
	a.watch = "ab";
	assert_int_equal(store_read(f->st, scan_spikes, &a), 0);
	assert_int_equal(a.s.n, 1);
	assert_string_equal(a.s.id[0], "s0");
	memset(&a, 0, sizeof(a));
	a.watch = "";
	assert_int_equal(store_read(f->st, scan_spikes, &a), -1);
}

/* Transactions. */

static int
put_then_fail(struct fg_txn *txn, void *arg)
{
	struct fg_edge e = { 1, 2, 3, FG_EDGE_FOLLOWING, 0 };

	(void)arg;
	if (store_edge_put(txn, "w", "x", &e) != 0 || store_position_put(txn, "w", 9) != 0 ||
	    store_spike_put(txn, "w", "s", "{}") != 0)
		return -1;
	return 7;
}

static void
test_write_abort(void **state)
{
	struct fixture *f = *state;
	struct edge_arg a;
	struct spikes_arg s;

	open_store(f, 0);
	assert_int_equal(store_write(f->st, put_then_fail, NULL), 7);
	a = (struct edge_arg){ .watch = "w", .id = "x", .pos = 1 };
	assert_int_equal(store_read(f->st, get_edge, &a), 0);
	assert_int_equal(a.rc, FG_NOTFOUND);
	assert_true(a.pos == 0);
	memset(&s, 0, sizeof(s));
	s.watch = "w";
	assert_int_equal(store_read(f->st, scan_spikes, &s), 0);
	assert_int_equal(s.s.n, 0);
}

/* Growth: a 64 KiB map must grow, inside one store_write, to hold tens of megabytes. */

#define BIG_N		8000
#define BIG_BATCH	1000
#define BIG_BIO		4000

struct big_arg {
	char		*bio;
	size_t		 from, n;
	int		 calls;
	int		 check;
};

static void
big_rec(struct fg_profile_rec *r, char *id, size_t i, char *bio)
{
	snprintf(id, 24, "id%zu", i);
	rec_full(r, id, bio);
	r->profile.followers_count = (int64_t)i;
	/* Vary the bio so a mixed-up record would show. */
	memset(bio, 'a' + (int)(i % 26), BIG_BIO);
	bio[BIG_BIO] = '\0';
}

static int
big_write(struct fg_txn *txn, void *arg)
{
	struct big_arg *a = arg;
	struct fg_profile_rec r;
	struct fg_edge e;
	char id[24];
	size_t i;

	a->calls++;
	for (i = a->from; i < a->from + a->n; i++) {
		big_rec(&r, id, i, a->bio);
		e = (struct fg_edge){ (int64_t)i, (int64_t)i, i, FG_EDGE_FOLLOWING, 0 };
		if (store_profile_put(txn, "big", &r) != 0 ||
		    store_edge_put(txn, "big", id, &e) != 0 ||
		    store_arrival_put(txn, "big", (int64_t)i, 0, id) != 0)
			return -1;
	}
	return 0;
}

static int
big_check(struct fg_txn *txn, void *arg)
{
	struct big_arg *a = arg;
	struct fg_profile_rec want, got;
	struct fg_edge e;
	char id[24];
	size_t i;

	for (i = 0; i < a->n; i++) {
		big_rec(&want, id, i, a->bio);
		if (store_profile_get(txn, "big", id, &got) != 0)
			return -1;
		assert_rec_equal(&got, &want);
		if (store_edge_get(txn, "big", id, &e) != 0 || e.position != i)
			return -1;
	}
	return 0;
}

static int
count_arrival(void *arg, int64_t t, uint32_t seq, const char *id)
{
	size_t *n = arg;
	char want[24];

	(void)seq;
	snprintf(want, sizeof(want), "id%zu", *n);
	assert_true(t == (int64_t)*n);
	assert_string_equal(id, want);
	(*n)++;
	return 0;
}

static int
big_count(struct fg_txn *txn, void *arg)
{
	return store_arrivals_scan(txn, "big", INT64_MIN, INT64_MAX, count_arrival, arg);
}

static void
test_map_growth(void **state)
{
	struct fixture *f = *state;
	struct big_arg a;
	char err[512];
	size_t n;

	assert_int_equal(store_open_sized(&f->st, f->dir, FG_STORE_NOSYNC, 64 << 10, err,
	    sizeof(err)), 0);
	memset(&a, 0, sizeof(a));
	a.bio = xmalloc(BIG_BIO + 1);
	for (a.from = 0; a.from < BIG_N; a.from += BIG_BATCH) {
		a.n = BIG_BATCH;
		a.calls = 0;
		assert_int_equal(store_write(f->st, big_write, &a), 0);
		/* The first batch (4 MB) cannot fit 64 KiB: fn was rerun after growing. */
		if (a.from == 0)
			assert_true(a.calls > 1);
	}
	a.n = BIG_N;
	assert_int_equal(store_read(f->st, big_check, &a), 0);
	n = 0;
	assert_int_equal(store_read(f->st, big_count, &n), 0);
	assert_int_equal(n, BIG_N);

	/* Durable at close despite NOSYNC, and a reopen with a tiny map still reads it all. */
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open_sized(&f->st, f->dir, FG_STORE_RDONLY, 64 << 10, err,
	    sizeof(err)), 0);
	assert_int_equal(store_read(f->st, big_check, &a), 0);
	free(a.bio);
}

/* Schema version. */

static void
expect_refusal(struct fixture *f, int flags, const char *needle)
{
	struct fg_store *st = NULL;
	char err[512];

	err[0] = '\0';
	assert_int_equal(store_open(&st, f->dir, flags, err, sizeof(err)), -1);
	assert_null(st);
	if (strstr(err, needle) == NULL || strstr(err, f->dir) == NULL)
		fail_msg("unexpected message: %s", err);
}

static void
test_schema_refusal(void **state)
{
	struct fixture *f = *state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	struct edge_arg a;

	open_store(f, 0);
	a = (struct edge_arg){ "w", "1", { 1, 1, 1, FG_EDGE_FOLLOWING, 0 }, 0, 1 };
	assert_int_equal(store_write(f->st, put_edge, &a), 0);
	store_close(f->st);
	f->st = NULL;

	raw_schema(f->dir, 0);
	expect_refusal(f, 0, "database schema version 0 is older than this followguard (1) "
	    "and cannot be migrated");
	expect_refusal(f, FG_STORE_RDONLY, "is older than this followguard");
	raw_schema(f->dir, 99);
	expect_refusal(f, 0, "database schema version 99 is newer than this followguard (1), "
	    "refusing to read");

	/* The refusal wrote nothing: the version is still 99, no table was added. */
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, f->dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	k.mv_data = "schema";
	k.mv_size = 6;
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_int_equal(v.mv_size, 4);
	assert_int_equal(((uint8_t *)v.mv_data)[3], 99);
	mdb_txn_abort(txn);
	mdb_env_close(env);

	raw_put(f->dir, "meta", "schema", 6, "\0\0\1", 3);
	expect_refusal(f, 0, "malformed schema version");
	raw_put(f->dir, "meta", "schema", 6, NULL, 0);
	expect_refusal(f, 0, "not a followguard database");

	raw_schema(f->dir, FG_SCHEMA_VERSION);
	open_store(f, 0);
	a = (struct edge_arg){ .watch = "w", .id = "1" };
	assert_int_equal(store_read(f->st, get_edge, &a), 0);
	assert_int_equal(a.rc, 0);
}

static void
test_foreign_database(void **state)
{
	struct fixture *f = *state;

	/* Some other program's LMDB environment, data in its main table. */
	raw_put(f->dir, NULL, "hello", 5, "world", 5);
	expect_refusal(f, 0, "not a followguard database");
	expect_refusal(f, FG_STORE_RDONLY, "not a followguard database");
}

/* Read-only use. */

static void
test_rdonly(void **state)
{
	struct fixture *f = *state;
	struct fg_store *st = NULL;
	char err[512], missing[PATH_MAX + 16];
	struct edge_arg a;
	struct stat sb;

	/* Nothing to read: refused, and nothing created. */
	snprintf(missing, sizeof(missing), "%s/nope", f->dir);
	assert_int_equal(store_open(&st, missing, FG_STORE_RDONLY, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no followguard database"));
	assert_int_equal(stat(missing, &sb), -1);
	expect_refusal(f, FG_STORE_RDONLY, "no followguard database");

	/* A new database is created with its parents, private. */
	assert_int_equal(store_open(&st, missing, 0, err, sizeof(err)), 0);
	assert_int_equal(stat(missing, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	a = (struct edge_arg){ "w", "1", { 1, 2, 3, FG_EDGE_UNFOLLOWED, 1 }, 0, 4 };
	assert_int_equal(store_write(st, put_edge, &a), 0);
	store_close(st);

	assert_int_equal(store_open(&st, missing, FG_STORE_RDONLY, err, sizeof(err)), 0);
	a = (struct edge_arg){ .watch = "w", .id = "1" };
	assert_int_equal(store_read(st, get_edge, &a), 0);
	assert_int_equal(a.rc, 0);
	assert_int_equal(a.e.state, FG_EDGE_UNFOLLOWED);
	assert_true(a.pos == 4);
	assert_int_equal(store_write(st, put_edge, &a), -1);
	store_close(st);
	rm_db(missing);
}

/*
 * The CLI reads while the daemon writes: a child process opens the database read-only while
 * the parent holds it open for writing and grows the map past the child's.
 */
struct poll_count {
	size_t	n;
};

static int
count_poll(void *arg, const struct fg_poll *p)
{
	struct poll_count *c = arg;

	if (p->followers_count != (int64_t)c->n)
		return -1;
	c->n++;
	return 0;
}

static int
count_polls(struct fg_txn *txn, void *arg)
{
	return store_polls_scan(txn, "w", INT64_MIN, INT64_MAX, count_poll, arg);
}

struct range {
	size_t	from, to;
	char	*pad;
};

static int
put_polls(struct fg_txn *txn, void *arg)
{
	struct range *r = arg;
	struct fg_poll p;
	size_t i;

	memset(&p, 0, sizeof(p));
	for (i = r->from; i < r->to; i++) {
		p.t = (int64_t)i;
		p.followers_count = (int64_t)i;
		if (store_poll_put(txn, "w", &p) != 0)
			return -1;
	}
	return 0;
}

static int
put_padded(struct fg_txn *txn, void *arg)
{
	struct range *r = arg;
	char id[32];
	size_t i;

	if (put_polls(txn, r) != 0)
		return -1;
	/* Bulk, to push the map well past what the reader mapped. */
	for (i = 0; i < 2000; i++) {
		snprintf(id, sizeof(id), "pad%zu", i);
		if (store_spike_put(txn, "pad", id, r->pad) != 0)
			return -1;
	}
	return 0;
}

static int
child_reader(const char *dir, int rfd, int wfd)
{
	struct fg_store *st;
	struct poll_count c;
	char err[512], b;

	/* A map as small as the file, so that the writer's growth outruns it. */
	if (read(rfd, &b, 1) != 1)
		return 5;
	if (store_open_sized(&st, dir, FG_STORE_RDONLY, 64 << 10, err, sizeof(err)) != 0) {
		fprintf(stderr, "child: %s\n", err);
		return 1;
	}
	c.n = 0;
	if (store_read(st, count_polls, &c) != 0 || c.n != 100)
		return 2;
	if (write(wfd, "r", 1) != 1 || read(rfd, &b, 1) != 1)
		return 3;
	/* The writer has grown the map meanwhile: this read must adopt the new size. */
	c.n = 0;
	if (store_read(st, count_polls, &c) != 0 || c.n != 200)
		return 4;
	store_close(st);
	return 0;
}

static void
test_concurrent_reader(void **state)
{
	struct fixture *f = *state;
	int tochild[2], toparent[2], status;
	struct range r;
	char err[512], b;
	pid_t pid;

	/* Fork first: the child must not inherit the parent's environment. */
	assert_int_equal(pipe(tochild), 0);
	assert_int_equal(pipe(toparent), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(tochild[1]);
		close(toparent[0]);
		_exit(child_reader(f->dir, tochild[0], toparent[1]));
	}
	assert_true(pid > 0);
	close(tochild[0]);
	close(toparent[1]);
	assert_int_equal(store_open_sized(&f->st, f->dir, 0, 64 << 10, err, sizeof(err)), 0);
	r = (struct range){ 0, 100, NULL };
	assert_int_equal(store_write(f->st, put_polls, &r), 0);
	assert_int_equal(write(tochild[1], "o", 1), 1);
	assert_int_equal(read(toparent[0], &b, 1), 1);
	r = (struct range){ 100, 200, xmalloc(8192) };
	memset(r.pad, 'p', 8191);
	r.pad[8191] = '\0';
	assert_int_equal(store_write(f->st, put_padded, &r), 0);	/* ~16 MB */
	free(r.pad);
	assert_int_equal(write(tochild[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(tochild[1]);
	close(toparent[0]);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Corrupt records are reported, never misread. */

static void
plant_profile(struct fixture *f, const void *val, size_t len)
{
	raw_put(f->dir, "profiles", "w\0x", 3, val, len);
}

static void
expect_corrupt_profile(struct fixture *f)
{
	struct lookup l = { .watch = "w", .id = "x" };

	open_store(f, FG_STORE_RDONLY);
	assert_int_equal(store_read(f->st, get_profile, &l), 0);
	assert_int_equal(l.rc, -1);
	store_close(f->st);
	f->st = NULL;
}

static int
read_profile(struct fg_txn *txn, void *arg)
{
	struct lookup *l = arg;

	return store_profile_get(txn, l->watch, l->id, &l->rec);
}

static void
test_corrupt_records(void **state)
{
	struct fixture *f = *state;
	struct fg_profile_rec rec;
	struct profiles_arg a = { "w", &rec, 1, 0 };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	uint8_t good[512], bad[512];
	size_t len, i;
	struct edge_arg ea;
	static const uint8_t garbage[] = { 1, 2, 3, 0xff, 0xff, 0xff, 0xff };

	open_store(f, 0);
	rec_full(&rec, "x", "bio");
	assert_int_equal(store_write(f->st, put_profiles, &a), 0);
	assert_int_equal(store_read(f->st, read_profile,
	    &(struct lookup){ .watch = "w", .id = "x" }), 0);
	store_close(f->st);
	f->st = NULL;

	/* Fetch the good encoding to damage it in specific ways. */
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, f->dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "profiles", 0, &dbi), 0);
	k.mv_data = "w\0x";
	k.mv_size = 3;
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	len = v.mv_size;
	assert_true(len <= sizeof(good));
	memcpy(good, v.mv_data, len);
	mdb_txn_abort(txn);
	mdb_env_close(env);

	plant_profile(f, garbage, sizeof(garbage));
	expect_corrupt_profile(f);
	plant_profile(f, "", 0);
	expect_corrupt_profile(f);
	/* Every truncation. */
	for (i = 0; i < len; i += 7) {
		plant_profile(f, good, i);
		expect_corrupt_profile(f);
	}
	/* Trailing junk. */
	memcpy(bad, good, len);
	bad[len] = 'j';
	plant_profile(f, bad, len + 1);
	expect_corrupt_profile(f);
	/* The last string (location "Lyon") claims to run past the end. */
	memcpy(bad, good, len);
	bad[len - 9] = 0xf0;
	plant_profile(f, bad, len);
	expect_corrupt_profile(f);
	/* Its NUL replaced. */
	memcpy(bad, good, len);
	bad[len - 1] = 'X';
	plant_profile(f, bad, len);
	expect_corrupt_profile(f);
	/* A NUL inside a string. */
	memcpy(bad, good, len);
	bad[len - 3] = '\0';
	plant_profile(f, bad, len);
	expect_corrupt_profile(f);
	/* A bad boolean. */
	memcpy(bad, good, len);
	bad[64] = 7;
	plant_profile(f, bad, len);
	expect_corrupt_profile(f);
	/* The good one, under a key it does not belong to. */
	raw_put(f->dir, "profiles", "w\0y", 3, good, len);
	{
		struct lookup l = { .watch = "w", .id = "y" };

		open_store(f, 0);
		assert_int_equal(store_read(f->st, get_profile, &l), 0);
		assert_int_equal(l.rc, -1);
	}
	/* And back to the good one at its own key: read fine. */
	store_close(f->st);
	f->st = NULL;
	plant_profile(f, good, len);
	{
		struct lookup l = { .watch = "w", .id = "x" };

		open_store(f, 0);
		assert_int_equal(store_read(f->st, get_profile, &l), 0);
		assert_int_equal(l.rc, 0);
		assert_rec_equal(&l.rec, &rec);
	}
	store_close(f->st);
	f->st = NULL;

	/* A corrupt edge. */
	raw_put(f->dir, "edges", "w\0x", 3, garbage, sizeof(garbage));
	open_store(f, 0);
	ea = (struct edge_arg){ .watch = "w", .id = "x" };
	assert_int_equal(store_read(f->st, get_edge, &ea), 0);
	assert_int_equal(ea.rc, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_profile_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_derived_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_put_then_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_watch_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_polls_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arrivals_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spikes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_records, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
