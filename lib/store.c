/*
 * State in LMDB: the environment, its schema version, every key layout, every record encoding
 * and the transaction loop that grows the map when it fills.
 *
 * Keys are "watch\0rest"; watch names hold no NUL, so the NUL ends the prefix and watch "a"
 * never sees keys of watch "ab". Times in keys are big-endian with the sign bit flipped, so
 * negative times sort before positive ones.
 *
 * Values are little-endian records with no padding, their layout fixed by FG_SCHEMA_VERSION:
 *
 *   edge     first_seen i64, last_seen i64, position u64, state u8, initial u8	(26 bytes)
 *   poll     followers_count i64, arrivals u32, fake u32, suspect u32, unfollows u32 (24)
 *   arrival  the follower id and a NUL
 *   spike    the JSON text and a NUL
 *   profile  created_at, observed_at, last_post_at, followers_count, following_count,
 *            posts_count, likes_count, listed_count (i64 each); avatar_default, bot,
 *            verified, locked, label (i8 each); score (IEEE 754 double); verdict u8;
 *            model_id u32; features.known u32; then one double for each known feature in
 *            index order (unknown ones take no space); then id, handle, display_name, bio,
 *            url, location, each as a u32 length (0xffffffff: NULL) and that many bytes and
 *            a NUL, so that decoded strings point straight into the map.
 *            Features that are exactly what features_compute() gives for the profile (as
 *            the pipeline's always are) are written as known 0 and recomputed when read:
 *            they were 40 % of a record. So known 0 reads as the profile's own features;
 *            a record whose features are empty while its profile gives some cannot be
 *            written (it reads back with the profile's).
 *   meta     "schema" -> u32 big-endian; "pos\0watch" -> u64 little-endian;
 *            "prog\0watch" -> the poll under way: t i64, seq u32, initial_fake u64, then
 *            its poll record (as above, 24 bytes), then the next page's cursor and a NUL
 *
 * Features are indexed by enum fg_feature: appending a feature keeps old records readable
 * (the new one is simply unknown there); renumbering them needs a new schema version.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "log.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

#define STORE_MAPSIZE		((size_t)64 << 20)
#define STORE_MAPSIZE_CAP	((size_t)1 << 40)
#define STORE_MAXREADERS	256
#define SPIKE_ID_MAX		256
/* Longest key: watch, NUL, a spike id; LMDB's own limit is 511. */
#define KEY_MAX			(FG_WATCH_MAX + 1 + SPIKE_ID_MAX)
#define STR_NULL		UINT32_C(0xffffffff)

#define EDGE_LEN		26
#define POLL_LEN		24
#define PROFILE_FIXED_LEN	(8 * 8 + 5 + 8 + 1 + 4 + 4)

enum {
	DB_PROFILES, DB_EDGES, DB_ARRIVALS, DB_POLLS, DB_SPIKES, DB_META,
	/* added later in schema 1: a read-only open of an older file finds them missing */
	DB_OUTBOX, DB_OUTMSG, DB_ALERTED, DB_PLANS, DB_JOBS, DB_JOURNAL, DB_ALLOWED,
	DB_TEXTS,
	NDB
};
#define DB_FIRST_ADDED	DB_OUTBOX
#define STORE_MAXDBS	16	/* room for tables to come */

static const char *const db_names[NDB] = {
	"profiles", "edges", "arrivals", "polls", "spikes", "meta",
	"outbox", "outmsg", "alerted", "plans", "jobs", "journal", "allowed", "texts"
};

struct fg_store {
	MDB_env			*env;
	MDB_dbi			 dbi[NDB];
	uint32_t		 missing;	/* bit per table not in an older read-only file */
	int			 flags;
	/*
	 * mdb_env_set_mapsize unmaps and remaps the file, which would pull the memory from under
	 * any transaction of another thread: transactions hold this shared, resizing exclusive.
	 */
	pthread_rwlock_t	 maplock;
	struct pending		*pend;	/* the write transaction's profile records */
};

/*
 * Profile records a write transaction has put, applied in key order just before it commits
 * (or before it reads a profile). Followers arrive in random key order; inserting a page of
 * them sorted walks the B-tree left to right, so each insert finds the branch pages it needs
 * where the previous one left them, instead of in a cold corner of a large map. Kept by the
 * store between transactions: its memory is that of the largest transaction, not the
 * database's. LMDB allows one write transaction at a time per environment.
 */
struct pend_rec {
	uint64_t	 hi, lo;	/* 16 key bytes after the common prefix, big-endian */
	const uint8_t	*key;		/* set when sorting */
	size_t		 off;		/* key, then value, in buf */
	size_t		 seq;		/* put order: the last put of a key wins */
	uint32_t	 klen, vlen;
};

struct pending {
	uint8_t		*buf;
	size_t		 used, cap;
	struct pend_rec	*recs;
	size_t		 n, ncap;
};

struct fg_txn {
	struct fg_store		*st;
	MDB_txn			*txn;
	int			 map_full;	/* a put hit MDB_MAP_FULL: grow and rerun */
	/*
	 * Edges are read, then written under the same key (a follower seen again): the put
	 * through the cursor the get left on the right leaf page skips a second descent from
	 * the root. LMDB closes it with the transaction.
	 */
	MDB_cursor		*edges;
	struct pending		*pend;		/* write transactions only */
};

static void
seterr(char *err, size_t errlen, const char *fmt, ...) FG_PRINTF(3, 4);

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Byte order, spelled out so that records never depend on the host or on struct padding. */

static void
put_u32le(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t
get_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put_u64le(uint8_t *p, uint64_t v)
{
	put_u32le(p, (uint32_t)v);
	put_u32le(p + 4, (uint32_t)(v >> 32));
}

static uint64_t
get_u64le(const uint8_t *p)
{
	return (uint64_t)get_u32le(p) | (uint64_t)get_u32le(p + 4) << 32;
}

static void
put_u32be(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
get_u32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	    (uint32_t)p[3];
}

static int64_t
u64_to_i64(uint64_t u)
{
	/* Two's complement without relying on implementation-defined conversion. */
	if (u <= INT64_MAX)
		return (int64_t)u;
	return -(int64_t)(~u) - 1;
}

static void
put_time(uint8_t *p, int64_t t)
{
	uint64_t u = (uint64_t)t ^ (UINT64_C(1) << 63);

	put_u32be(p, (uint32_t)(u >> 32));
	put_u32be(p + 4, (uint32_t)u);
}

static int64_t
get_time(const uint8_t *p)
{
	uint64_t u = (uint64_t)get_u32be(p) << 32 | get_u32be(p + 4);

	return u64_to_i64(u ^ (UINT64_C(1) << 63));
}

static void
put_double(uint8_t *p, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	put_u64le(p, u);
}

static double
get_double(const uint8_t *p)
{
	uint64_t u = get_u64le(p);
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* Keys. Callers validate names and ids first; these checks are the last line of defence. */

static size_t
key_watch(uint8_t *buf, const char *watch)
{
	size_t len;

	if (watch == NULL || (len = strnlen(watch, FG_WATCH_MAX + 1)) == 0 ||
	    len > FG_WATCH_MAX) {
		log_warnx("store: invalid watch name \"%.*s\"", FG_WATCH_MAX,
		    watch == NULL ? "(null)" : watch);
		return 0;
	}
	memcpy(buf, watch, len);
	buf[len] = '\0';
	return len + 1;
}

/* watch\0name, name an id of at most max bytes. Returns the key length, 0 if invalid. */
static size_t
key_watch_name(uint8_t *buf, const char *watch, const char *name, size_t max,
    const char *what)
{
	size_t plen, len;

	if ((plen = key_watch(buf, watch)) == 0)
		return 0;
	if (name == NULL || (len = strnlen(name, max + 1)) == 0 || len > max) {
		log_warnx("store: watch %s: invalid %s \"%.*s\"", watch, what, (int)max,
		    name == NULL ? "(null)" : name);
		return 0;
	}
	memcpy(buf + plen, name, len);
	return plen + len;
}

/* Transactions. */

/* Adopts a map grown by another process, or grows our own; no transaction may be active. */
static int
store_resize(struct fg_store *st, size_t size)
{
	int rc;

	pthread_rwlock_wrlock(&st->maplock);
	rc = mdb_env_set_mapsize(st->env, size);
	pthread_rwlock_unlock(&st->maplock);
	if (rc != 0) {
		log_warnx("store: resizing the map to %zu bytes: %s", size, mdb_strerror(rc));
		return -1;
	}
	return 0;
}

static size_t
store_mapsize(struct fg_store *st)
{
	MDB_envinfo info;

	mdb_env_info(st->env, &info);
	return info.me_mapsize;
}

/* Begins a transaction with st->maplock held shared; on success the caller must release it. */
static int
txn_begin(struct fg_store *st, unsigned int flags, MDB_txn **txnp)
{
	int rc;

	for (;;) {
		pthread_rwlock_rdlock(&st->maplock);
		rc = mdb_txn_begin(st->env, NULL, flags, txnp);
		if (rc == 0)
			return 0;
		pthread_rwlock_unlock(&st->maplock);
		if (rc != MDB_MAP_RESIZED)
			break;
		/* Another process grew the map: take its size and try again. */
		if (store_resize(st, 0) == -1)
			return -1;
	}
	log_warnx("store: beginning a %s transaction: %s",
	    (flags & MDB_RDONLY) ? "read" : "write", mdb_strerror(rc));
	return -1;
}

/* An LMDB call inside fn failed: note a full map for store_write, log anything else. */
static int
txn_fail(struct fg_txn *t, const char *op, const char *watch, int rc)
{
	if (rc == MDB_MAP_FULL)
		t->map_full = 1;
	else
		log_warnx("store: %s (watch %s): %s", op, watch, mdb_strerror(rc));
	return -1;
}

/* After a full map LMDB refuses further work in the txn; say nothing until the rerun. */
#define TXN_CHECK(t) do { if ((t)->map_full) return -1; } while (0)

static int
pend_cmp(const void *a, const void *b)
{
	const struct pend_rec *x = a, *y = b;
	int d;

	/*
	 * LMDB's own order for keys: bytes, then the shorter first. The 16 bytes after the
	 * prefix all keys share (the watch) nearly always decide; zero padding keeps a shorter
	 * key first, and only ties read the keys.
	 */
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	d = memcmp(x->key, y->key, x->klen < y->klen ? x->klen : y->klen);
	if (d == 0)
		d = x->klen < y->klen ? -1 : x->klen > y->klen;
	if (d == 0)
		d = x->seq < y->seq ? -1 : x->seq > y->seq;
	return d;
}

/* Room for one more record of klen + vlen bytes; returns where it goes. */
static uint8_t *
pending_add(struct pending *pd, size_t klen, size_t vlen)
{
	struct pend_rec *pr;

	if (pd->n == pd->ncap) {
		pd->ncap = pd->ncap ? pd->ncap * 2 : 1024;
		pd->recs = xreallocarray(pd->recs, pd->ncap, sizeof(*pd->recs));
	}
	if (pd->cap - pd->used < klen + vlen) {
		while (pd->cap - pd->used < klen + vlen)
			pd->cap = pd->cap ? pd->cap * 2 : 256 * 1024;
		pd->buf = xreallocarray(pd->buf, pd->cap, 1);
	}
	pr = &pd->recs[pd->n];
	pr->off = pd->used;
	pr->seq = pd->n++;
	pr->klen = (uint32_t)klen;
	pr->vlen = (uint32_t)vlen;
	pd->used += klen + vlen;
	return pd->buf + pr->off;
}

static void
pending_free(struct pending *pd)
{
	if (pd == NULL)
		return;
	free(pd->buf);
	free(pd->recs);
	free(pd);
}

/* Puts the pending profile records, in key order, and forgets them. */
static int
pending_apply(struct fg_txn *t)
{
	struct pending *pd = t->pend;
	struct pend_rec *pr;
	MDB_cursor *c;
	MDB_val k, v;
	size_t i, j, prefix;
	int rc;

	if (pd == NULL || pd->n == 0)
		return 0;
	for (i = 0; i < pd->n; i++)
		pd->recs[i].key = pd->buf + pd->recs[i].off;
	/* The prefix every key shares: usually "watch\0". */
	prefix = pd->recs[0].klen;
	for (i = 1; i < pd->n; i++)
		for (j = 0; j < prefix; j++)
			if (j == pd->recs[i].klen || pd->recs[i].key[j] != pd->recs[0].key[j]) {
				prefix = j;
				break;
			}
	for (i = 0; i < pd->n; i++) {
		pr = &pd->recs[i];
		pr->hi = pr->lo = 0;
		for (j = 0; j < 16; j++) {
			uint64_t byte = prefix + j < pr->klen ? pr->key[prefix + j] : 0;

			if (j < 8)
				pr->hi |= byte << (56 - 8 * j);
			else
				pr->lo |= byte << (56 - 8 * (j - 8));
		}
	}
	qsort(pd->recs, pd->n, sizeof(*pd->recs), pend_cmp);
	if ((rc = mdb_cursor_open(t->txn, t->st->dbi[DB_PROFILES], &c)) != 0)
		return txn_fail(t, "profile cursor", "(all)", rc);
	for (i = 0; i < pd->n; i++) {
		pr = &pd->recs[i];
		k.mv_data = (void *)pr->key;
		k.mv_size = pr->klen;
		v.mv_data = (void *)(pr->key + pr->klen);
		v.mv_size = pr->vlen;
		if ((rc = mdb_cursor_put(c, &k, &v, 0)) != 0) {
			mdb_cursor_close(c);
			/* The key starts with the watch name and its NUL. */
			return txn_fail(t, "profile put", (const char *)pr->key, rc);
		}
	}
	mdb_cursor_close(c);
	pd->n = pd->used = 0;
	return 0;
}

int
store_write(struct fg_store *st, int (*fn)(struct fg_txn *, void *), void *arg)
{
	struct fg_txn t;
	size_t size;
	int r, rc;

	for (;;) {
		if (txn_begin(st, 0, &t.txn) == -1)
			return -1;
		t.st = st;
		t.map_full = 0;
		t.edges = NULL;
		t.pend = st->pend;
		t.pend->n = t.pend->used = 0;
		size = store_mapsize(st);
		r = fn(&t, arg);
		if (r == 0 && !t.map_full && pending_apply(&t) == -1 && !t.map_full)
			r = -1;
		if (t.map_full || r != 0) {
			mdb_txn_abort(t.txn);
			rc = t.map_full ? MDB_MAP_FULL : 0;
		} else
			rc = mdb_txn_commit(t.txn);
		pthread_rwlock_unlock(&st->maplock);
		if (rc == 0)
			return r;
		if (rc != MDB_MAP_FULL) {
			log_warnx("store: commit: %s", mdb_strerror(rc));
			return -1;
		}
		/* Another thread may have grown it while we waited; then just rerun. */
		if (store_mapsize(st) > size)
			continue;
		if (size >= STORE_MAPSIZE_CAP) {
			log_warnx("store: the map is full at its limit of %zu bytes", size);
			return -1;
		}
		log_info("store: map full at %zu bytes, growing to %zu", size, size * 2);
		if (store_resize(st, size * 2) == -1)
			return -1;
	}
}

int
store_read(struct fg_store *st, int (*fn)(struct fg_txn *, void *), void *arg)
{
	struct fg_txn t;
	int r;

	if (txn_begin(st, MDB_RDONLY, &t.txn) == -1)
		return -1;
	t.st = st;
	t.map_full = 0;
	t.edges = NULL;
	t.pend = NULL;
	r = fn(&t, arg);
	if (t.edges != NULL)
		mdb_cursor_close(t.edges);	/* a read-only txn's cursors are ours to close */
	mdb_txn_abort(t.txn);
	pthread_rwlock_unlock(&st->maplock);
	return r;
}

/* Opening. */

/* mkdir -p, the last component private: it will hold every follower's profile. */
static int
mkdir_path(const char *dir, char *err, size_t errlen)
{
	char *path, *p;
	struct stat sb;

	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			seterr(err, errlen, "%s: not a directory", dir);
			return -1;
		}
		return 0;
	}
	path = xstrdup(dir);
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			seterr(err, errlen, "%s: cannot create: %s", path, strerror(errno));
			free(path);
			return -1;
		}
		*p = '/';
	}
	free(path);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		seterr(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * LMDB maps only what it is told even when the file is larger, so start at least at the
 * file's size rather than regrow a big database by doubling after every restart.
 */
static size_t
initial_mapsize(const char *dir, size_t size)
{
	char path[PATH_MAX];
	struct stat sb;

	size = (size + 4095) & ~(size_t)4095;
	if (size == 0)
		size = 4096;
	if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) >= sizeof(path))
		return size;
	if (stat(path, &sb) == 0)
		while (size < (uint64_t)sb.st_size && size < STORE_MAPSIZE_CAP)
			size *= 2;
	return size;
}

/* Checks the schema version and opens the sub-databases; creates them in a new database. */
static int
store_setup(struct fg_store *st, const char *dir, char *err, size_t errlen)
{
	static const char schema_key[] = "schema";
	int rdonly = (st->flags & FG_STORE_RDONLY) != 0;
	MDB_txn *txn;
	MDB_dbi main_dbi;
	MDB_stat ms;
	MDB_val k, v;
	uint8_t vbuf[4];
	uint32_t version;
	const char *op;
	int i, rc;

	if (txn_begin(st, rdonly ? MDB_RDONLY : 0, &txn) == -1) {
		seterr(err, errlen, "%s: cannot begin a transaction", dir);
		return -1;
	}
	op = "reading the main table";
	if ((rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) != 0 ||
	    (rc = mdb_stat(txn, main_dbi, &ms)) != 0)
		goto lmdb;
	k.mv_data = (void *)schema_key;
	k.mv_size = sizeof(schema_key) - 1;
	if (ms.ms_entries == 0) {
		if (rdonly) {
			seterr(err, errlen, "%s: the database is empty (followguardd has not "
			    "initialized it yet)", dir);
			goto fail;
		}
		op = "creating the tables";
		for (i = 0; i < NDB; i++)
			if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &st->dbi[i])) != 0)
				goto lmdb;
		put_u32be(vbuf, FG_SCHEMA_VERSION);
		v.mv_data = vbuf;
		v.mv_size = sizeof(vbuf);
		op = "writing the schema version";
		if ((rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0)) != 0)
			goto lmdb;
	} else {
		/* Read the version before touching anything: never create tables in a refused db. */
		rc = mdb_dbi_open(txn, db_names[DB_META], 0, &st->dbi[DB_META]);
		if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)
			goto foreign;
		op = "reading the schema version";
		if (rc != 0)
			goto lmdb;
		rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
		if (rc == MDB_NOTFOUND)
			goto foreign;
		if (rc != 0)
			goto lmdb;
		if (v.mv_size != 4) {
			seterr(err, errlen, "%s: malformed schema version record (%zu bytes); "
			    "not a followguard database?", dir, v.mv_size);
			goto fail;
		}
		version = get_u32be(v.mv_data);
		if (version < FG_SCHEMA_VERSION) {
			seterr(err, errlen, "%s: database schema version %u is older than this "
			    "followguard (%u) and cannot be migrated; move the directory aside "
			    "and let followguardd start a new one", dir, (unsigned)version,
			    (unsigned)FG_SCHEMA_VERSION);
			goto fail;
		}
		if (version > FG_SCHEMA_VERSION) {
			seterr(err, errlen, "%s: database schema version %u is newer than this "
			    "followguard (%u), refusing to read it; upgrade followguard", dir,
			    (unsigned)version, (unsigned)FG_SCHEMA_VERSION);
			goto fail;
		}
		for (i = 0; i < NDB; i++) {
			if (i == DB_META)
				continue;
			rc = mdb_dbi_open(txn, db_names[i], rdonly ? 0 : MDB_CREATE,
			    &st->dbi[i]);
			if (rc == MDB_NOTFOUND && i >= DB_FIRST_ADDED) {
				st->missing |= 1u << i;	/* read as empty */
				continue;
			}
			if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
				seterr(err, errlen, "%s: damaged followguard database: no %s table",
				    dir, db_names[i]);
				goto fail;
			}
			op = "opening the tables";
			if (rc != 0)
				goto lmdb;
		}
	}
	/* Committing, even read-only, is what keeps the table handles for later transactions. */
	rc = mdb_txn_commit(txn);
	pthread_rwlock_unlock(&st->maplock);
	if (rc != 0) {
		seterr(err, errlen, "%s: committing the schema: %s", dir, mdb_strerror(rc));
		return -1;
	}
	return 0;

foreign:
	seterr(err, errlen, "%s: not a followguard database (it holds data but no schema "
	    "version)", dir);
	goto fail;
lmdb:
	seterr(err, errlen, "%s: %s: %s", dir, op, mdb_strerror(rc));
fail:
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&st->maplock);
	return -1;
}

int
store_open_sized(struct fg_store **stp, const char *dir, int flags, size_t mapsize,
    char *err, size_t errlen)
{
	struct fg_store *st;
	char path[PATH_MAX];
	struct stat sb;
	unsigned int envflags = MDB_NOTLS;
	int rc, dead;

	*stp = NULL;
	if (dir == NULL || *dir == '\0') {
		seterr(err, errlen, "no state directory given");
		return -1;
	}
	if (mapsize == 0)
		mapsize = STORE_MAPSIZE;
	if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) >= sizeof(path)) {
		seterr(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if (flags & FG_STORE_RDONLY) {
		/* Checked first: LMDB would create the lock file before failing on the data. */
		if (stat(path, &sb) == -1) {
			seterr(err, errlen, "%s: no followguard database here: %s", dir,
			    strerror(errno));
			return -1;
		}
		envflags |= MDB_RDONLY;
	} else if (mkdir_path(dir, err, errlen) == -1)
		return -1;
	/*
	 * Replay wants speed and is durable only at close anyway: writing through the map
	 * skips a copy and a pwrite per dirty page, about twice the throughput. A system crash
	 * before close may then leave a damaged database, which replay simply rebuilds.
	 */
	if (flags & FG_STORE_NOSYNC)
		envflags |= MDB_NOSYNC | MDB_WRITEMAP;

	st = xcalloc(1, sizeof(*st));
	st->flags = flags;
	if ((rc = pthread_rwlock_init(&st->maplock, NULL)) != 0) {
		seterr(err, errlen, "%s: lock: %s", dir, strerror(rc));
		free(st);
		return -1;
	}
	if ((rc = mdb_env_create(&st->env)) != 0) {
		seterr(err, errlen, "%s: %s", dir, mdb_strerror(rc));
		pthread_rwlock_destroy(&st->maplock);
		free(st);
		return -1;
	}
	st->pend = xcalloc(1, sizeof(*st->pend));
	if ((rc = mdb_env_set_maxdbs(st->env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env, STORE_MAXREADERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, initial_mapsize(dir, mapsize))) != 0 ||
	    (rc = mdb_env_open(st->env, dir, envflags, 0600)) != 0) {
		seterr(err, errlen, "%s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	/* Readers of processes that died without ending their transactions pin old pages. */
	if ((rc = mdb_reader_check(st->env, &dead)) != 0)
		log_warnx("store: %s: checking for stale readers: %s", dir, mdb_strerror(rc));
	else if (dead > 0)
		log_info("store: %s: cleared %d stale reader%s", dir, dead, dead == 1 ? "" : "s");
	if (store_setup(st, dir, err, errlen) == -1)
		goto fail;
	*stp = st;
	return 0;

fail:
	mdb_env_close(st->env);
	pthread_rwlock_destroy(&st->maplock);
	pending_free(st->pend);
	free(st);
	return -1;
}

int
store_open(struct fg_store **stp, const char *dir, int flags, char *err, size_t errlen)
{
	return store_open_sized(stp, dir, flags, 0, err, errlen);
}

int
store_lock(const char *dir, int *fdp, char *err, size_t errlen)
{
	char path[PATH_MAX], pid[32];
	ssize_t n;
	int fd;

	if (dir == NULL || *dir == '\0') {
		seterr(err, errlen, "no state directory given");
		return -1;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/" FG_STORE_LOCKFILE, dir) >= sizeof(path)) {
		seterr(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if (mkdir_path(dir, err, errlen) == -1)
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* flock, not fcntl: the lock belongs to this open file, released however the process ends. */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK) {
			seterr(err, errlen, "%s: lock: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		/* The holder's pid, if it got to write it: a message to act on. */
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (pid[0] != '\0' && pid[strspn(pid, "0123456789")] == '\0')
			seterr(err, errlen, "state directory %s is in use by another followguardd "
			    "(pid %s holds %s)", dir, pid, path);
		else
			seterr(err, errlen, "state directory %s is in use by another followguardd "
			    "(it holds %s)", dir, path);
		close(fd);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, pid, (size_t)n, 0) != n)
		log_warn("%s: writing the pid", path);	/* the lock holds all the same */
	*fdp = fd;
	return 0;
}

void
store_close(struct fg_store *st)
{
	int rc;

	if (st == NULL)
		return;
	if ((st->flags & (FG_STORE_NOSYNC | FG_STORE_RDONLY)) == FG_STORE_NOSYNC &&
	    (rc = mdb_env_sync(st->env, 1)) != 0)
		log_warnx("store: sync at close: %s", mdb_strerror(rc));
	mdb_env_close(st->env);
	pthread_rwlock_destroy(&st->maplock);
	pending_free(st->pend);
	free(st);
}

static int	scan(struct fg_txn *, int, const char *, const uint8_t *, size_t, size_t,
		    int (*)(void *, const uint8_t *, size_t, const MDB_val *), void *);

/* The value under watch\0id in db: 0, FG_NOTFOUND or -1. */
static int
get_by_id(struct fg_txn *t, int db, const char *watch, const char *id, MDB_val *v,
    const char *what)
{
	uint8_t kbuf[KEY_MAX];
	MDB_val k;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_watch_name(kbuf, watch, id, FG_ID_MAX, "id")) == 0)
		return -1;
	k.mv_data = kbuf;
	rc = mdb_get(t->txn, t->st->dbi[db], &k, v);
	if (rc == MDB_NOTFOUND)
		return FG_NOTFOUND;
	if (rc != 0)
		return txn_fail(t, what, watch, rc);
	return 0;
}

/* Edges. */

static int
edge_decode(const MDB_val *v, const char *watch, const char *id, struct fg_edge *e)
{
	const uint8_t *p = v->mv_data;

	if (v->mv_size != EDGE_LEN || p[24] < FG_EDGE_FOLLOWING || p[24] > FG_EDGE_REMOVED ||
	    p[25] > 1) {
		log_warnx("store: watch %s: edge of %s: corrupt record", watch, id);
		return -1;
	}
	e->first_seen = u64_to_i64(get_u64le(p));
	e->last_seen = u64_to_i64(get_u64le(p + 8));
	e->position = get_u64le(p + 16);
	e->state = p[24];
	e->initial = p[25];
	return 0;
}

/* The transaction's cursor on the edges, opened on first use. */
static MDB_cursor *
edges_cursor(struct fg_txn *t, const char *watch)
{
	int rc;

	if (t->edges == NULL && (rc = mdb_cursor_open(t->txn, t->st->dbi[DB_EDGES],
	    &t->edges)) != 0) {
		t->edges = NULL;
		txn_fail(t, "edge cursor", watch, rc);
	}
	return t->edges;
}

int
store_edge_get(struct fg_txn *t, const char *watch, const char *id, struct fg_edge *e)
{
	uint8_t kbuf[KEY_MAX];
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_watch_name(kbuf, watch, id, FG_ID_MAX, "id")) == 0)
		return -1;
	k.mv_data = kbuf;
	if ((c = edges_cursor(t, watch)) == NULL)
		return -1;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET);
	if (rc == MDB_NOTFOUND)
		return FG_NOTFOUND;
	if (rc != 0)
		return txn_fail(t, "edge get", watch, rc);
	return edge_decode(&v, watch, id, e);
}

struct edges_scan {
	const char	*watch;
	int		 (*cb)(void *, const char *, const struct fg_edge *);
	void		*arg;
};

static int
edges_step(void *arg, const uint8_t *rest, size_t restlen, const MDB_val *v)
{
	struct edges_scan *a = arg;
	struct fg_edge e;
	char id[FG_ID_MAX + 1];

	if (restlen == 0 || restlen > FG_ID_MAX || memchr(rest, '\0', restlen) != NULL) {
		log_warnx("store: watch %s: corrupt edge key", a->watch);
		return -1;
	}
	memcpy(id, rest, restlen);
	id[restlen] = '\0';
	if (edge_decode(v, a->watch, id, &e) == -1)
		return -1;
	return a->cb(a->arg, id, &e);
}

int
store_edges_scan(struct fg_txn *t, const char *watch,
    int (*cb)(void *, const char *id, const struct fg_edge *), void *arg)
{
	struct edges_scan a = { watch, cb, arg };
	uint8_t kbuf[KEY_MAX];
	size_t plen;

	TXN_CHECK(t);
	if ((plen = key_watch(kbuf, watch)) == 0)
		return -1;
	return scan(t, DB_EDGES, watch, kbuf, plen, plen, edges_step, &a);
}

int
store_edge_put(struct fg_txn *t, const char *watch, const char *id, const struct fg_edge *e)
{
	uint8_t kbuf[KEY_MAX], vbuf[EDGE_LEN];
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_watch_name(kbuf, watch, id, FG_ID_MAX, "id")) == 0)
		return -1;
	k.mv_data = kbuf;
	put_u64le(vbuf, (uint64_t)e->first_seen);
	put_u64le(vbuf + 8, (uint64_t)e->last_seen);
	put_u64le(vbuf + 16, e->position);
	vbuf[24] = e->state;
	vbuf[25] = e->initial;
	v.mv_data = vbuf;
	v.mv_size = sizeof(vbuf);
	if ((c = edges_cursor(t, watch)) == NULL)
		return -1;
	if ((rc = mdb_cursor_put(c, &k, &v, 0)) != 0)
		return txn_fail(t, "edge put", watch, rc);
	return 0;
}

/* Profiles. */

/* The six strings in record order. */
#define PROFILE_NSTR	6

static void
profile_strings(const struct fg_profile *p, const char *s[PROFILE_NSTR])
{
	s[0] = p->id;
	s[1] = p->handle;
	s[2] = p->display_name;
	s[3] = p->bio;
	s[4] = p->url;
	s[5] = p->location;
}

static unsigned
popcount32(uint32_t x)
{
	unsigned n;

	for (n = 0; x != 0; x &= x - 1)
		n++;
	return n;
}

/* Whether the record's features are the profile's own, so need not be stored. */
static int
features_derived(const struct fg_profile_rec *r)
{
	struct fg_features f;
	int i;

	features_compute(&r->profile, FG_TIME_UNKNOWN, &f);
	if (f.known != r->features.known)
		return 0;
	for (i = 0; i < FG_NFEATURES; i++)
		if (FEATURE_KNOWN(&f, i) && memcmp(&f.x[i], &r->features.x[i], sizeof(f.x[i])) != 0)
			return 0;
	return 1;
}

int
store_profile_put(struct fg_txn *t, const char *watch, const struct fg_profile_rec *r)
{
	const struct fg_profile *p = &r->profile;
	const char *s[PROFILE_NSTR];
	size_t slen[PROFILE_NSTR];
	uint8_t kbuf[KEY_MAX], *o;
	uint32_t known;
	MDB_val k, v;
	size_t len;
	int i, rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_watch_name(kbuf, watch, p->id, FG_ID_MAX, "id")) == 0)
		return -1;
	k.mv_data = kbuf;
	memset(slen, 0, sizeof(slen));
	known = r->derived || features_derived(r) ? 0 : r->features.known;
	if (FG_NFEATURES < 32)
		known &= (UINT32_C(1) << FG_NFEATURES) - 1;
	len = PROFILE_FIXED_LEN + 8 * (size_t)popcount32(known);
	profile_strings(p, s);
	for (i = 0; i < PROFILE_NSTR; i++) {
		len += 4;
		if (s[i] == NULL)
			continue;
		slen[i] = strlen(s[i]);
		if (slen[i] >= STR_NULL - 1) {
			log_warnx("store: watch %s: profile %s: string too long", watch, p->id);
			return -1;
		}
		len += slen[i] + 1;
	}

	if (t->pend != NULL) {
		/* Put in key order with the others at commit: see struct pending. */
		o = pending_add(t->pend, k.mv_size, len);
		memcpy(o, kbuf, k.mv_size);
		o += k.mv_size;
	} else {
		/* A read-only transaction: LMDB refuses it. */
		v.mv_size = len;
		if ((rc = mdb_put(t->txn, t->st->dbi[DB_PROFILES], &k, &v, MDB_RESERVE)) != 0)
			return txn_fail(t, "profile put", watch, rc);
		o = v.mv_data;
	}
	put_u64le(o, (uint64_t)p->created_at);
	put_u64le(o + 8, (uint64_t)p->observed_at);
	put_u64le(o + 16, (uint64_t)p->last_post_at);
	put_u64le(o + 24, (uint64_t)p->followers_count);
	put_u64le(o + 32, (uint64_t)p->following_count);
	put_u64le(o + 40, (uint64_t)p->posts_count);
	put_u64le(o + 48, (uint64_t)p->likes_count);
	put_u64le(o + 56, (uint64_t)p->listed_count);
	o[64] = (uint8_t)p->avatar_default;
	o[65] = (uint8_t)p->bot;
	o[66] = (uint8_t)p->verified;
	o[67] = (uint8_t)p->locked;
	o[68] = (uint8_t)p->label;
	put_double(o + 69, r->score);
	o[77] = r->verdict;
	put_u32le(o + 78, r->model_id);
	put_u32le(o + 82, known);
	o += PROFILE_FIXED_LEN;
	for (i = 0; i < FG_NFEATURES; i++) {
		if (!((known >> i) & 1))
			continue;
		put_double(o, r->features.x[i]);
		o += 8;
	}
	for (i = 0; i < PROFILE_NSTR; i++) {
		if (s[i] == NULL) {
			put_u32le(o, STR_NULL);
			o += 4;
			continue;
		}
		put_u32le(o, (uint32_t)slen[i]);
		memcpy(o + 4, s[i], slen[i] + 1);
		o += 4 + slen[i] + 1;
	}
	return 0;
}

static int
valid_tristate(uint8_t b)
{
	return b == 0 || b == 1 || b == (uint8_t)FG_UNKNOWN;
}

/* Decodes a profile record; returns NULL or what is wrong with it. */
static const char *
profile_decode(const uint8_t *p, size_t n, struct fg_profile_rec *r, int features)
{
	struct fg_profile *pr = &r->profile;
	const char **sp[PROFILE_NSTR];
	uint32_t known, slen;
	int i;

	if (n < PROFILE_FIXED_LEN)
		return "short record";
	pr->created_at = u64_to_i64(get_u64le(p));
	pr->observed_at = u64_to_i64(get_u64le(p + 8));
	pr->last_post_at = u64_to_i64(get_u64le(p + 16));
	pr->followers_count = u64_to_i64(get_u64le(p + 24));
	pr->following_count = u64_to_i64(get_u64le(p + 32));
	pr->posts_count = u64_to_i64(get_u64le(p + 40));
	pr->likes_count = u64_to_i64(get_u64le(p + 48));
	pr->listed_count = u64_to_i64(get_u64le(p + 56));
	for (i = 64; i < 69; i++)
		if (!valid_tristate(p[i]))
			return "bad flag";
	pr->avatar_default = (int8_t)(p[64] == 0xff ? -1 : p[64]);
	pr->bot = (int8_t)(p[65] == 0xff ? -1 : p[65]);
	pr->verified = (int8_t)(p[66] == 0xff ? -1 : p[66]);
	pr->locked = (int8_t)(p[67] == 0xff ? -1 : p[67]);
	pr->label = (int8_t)(p[68] == 0xff ? -1 : p[68]);
	r->score = get_double(p + 69);
	if (p[77] > FG_FAKE)
		return "bad verdict";
	r->verdict = p[77];
	r->model_id = get_u32le(p + 78);
	known = get_u32le(p + 82);
	if (FG_NFEATURES < 32 && (known >> FG_NFEATURES) != 0)
		return "unknown feature";
	p += PROFILE_FIXED_LEN;
	n -= PROFILE_FIXED_LEN;
	if (n < 8 * (size_t)popcount32(known))
		return "short feature list";
	r->features.known = known;
	for (i = 0; i < FG_NFEATURES; i++) {
		if (!((known >> i) & 1)) {
			r->features.x[i] = 0;
			continue;
		}
		r->features.x[i] = get_double(p);
		p += 8;
		n -= 8;
	}
	sp[0] = &pr->id;
	sp[1] = &pr->handle;
	sp[2] = &pr->display_name;
	sp[3] = &pr->bio;
	sp[4] = &pr->url;
	sp[5] = &pr->location;
	for (i = 0; i < PROFILE_NSTR; i++) {
		if (n < 4)
			return "short string header";
		slen = get_u32le(p);
		p += 4;
		n -= 4;
		if (slen == STR_NULL) {
			*sp[i] = NULL;
			continue;
		}
		/* The NUL must be where the length says, and nowhere before. */
		if (slen >= n || p[slen] != '\0' || memchr(p, '\0', slen) != NULL)
			return "bad string";
		*sp[i] = (const char *)p;
		p += slen + 1;
		n -= slen + 1;
	}
	if (n != 0)
		return "trailing bytes";
	if (pr->id == NULL)
		return "no id";
	if (known == 0 && features)
		features_compute(pr, FG_TIME_UNKNOWN, &r->features);
	return NULL;
}

static int
profile_get(struct fg_txn *t, const char *watch, const char *id, struct fg_profile_rec *r,
    int features)
{
	const char *why;
	MDB_val v;
	int rc;

	/* A profile put earlier in this transaction must be found. */
	if (pending_apply(t) == -1)
		return -1;
	if ((rc = get_by_id(t, DB_PROFILES, watch, id, &v, "profile get")) != 0)
		return rc;
	memset(r, 0, sizeof(*r));
	if ((why = profile_decode(v.mv_data, v.mv_size, r, features)) == NULL &&
	    strcmp(r->profile.id, id) != 0)
		why = "id differs from key";
	if (why != NULL) {
		log_warnx("store: watch %s: profile %s: corrupt record (%s)", watch, id, why);
		profile_init(&r->profile);
		return -1;
	}
	return 0;
}

int
store_profile_get(struct fg_txn *t, const char *watch, const char *id,
    struct fg_profile_rec *r)
{
	return profile_get(t, watch, id, r, 1);
}

int
store_profile_peek(struct fg_txn *t, const char *watch, const char *id,
    struct fg_profile_rec *r)
{
	return profile_get(t, watch, id, r, 0);
}

/* Arrivals. */

int
store_arrival_put(struct fg_txn *t, const char *watch, int64_t tm, uint32_t seq,
    const char *id)
{
	uint8_t kbuf[KEY_MAX];
	MDB_val k, v;
	size_t plen, len;
	int rc;

	TXN_CHECK(t);
	if ((plen = key_watch(kbuf, watch)) == 0)
		return -1;
	if (id == NULL || (len = strnlen(id, FG_ID_MAX + 1)) == 0 || len > FG_ID_MAX) {
		log_warnx("store: watch %s: arrival with an invalid id", watch);
		return -1;
	}
	put_time(kbuf + plen, tm);
	put_u32be(kbuf + plen + 8, seq);
	k.mv_data = kbuf;
	k.mv_size = plen + 12;
	v.mv_data = (void *)id;
	v.mv_size = len + 1;
	if ((rc = mdb_put(t->txn, t->st->dbi[DB_ARRIVALS], &k, &v, 0)) != 0)
		return txn_fail(t, "arrival put", watch, rc);
	return 0;
}

/*
 * Walks the keys of one watch from start (a key starting with the watch prefix of plen bytes)
 * in order. For each, step gets the key's remainder and the value; its nonzero return ends the
 * walk and is returned.
 */
static int
scan(struct fg_txn *t, int db, const char *watch, const uint8_t *start, size_t startlen,
    size_t plen, int (*step)(void *, const uint8_t *, size_t, const MDB_val *), void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	int r = 0, rc;

	if ((rc = mdb_cursor_open(t->txn, t->st->dbi[db], &c)) != 0)
		return txn_fail(t, "cursor open", watch, rc);
	k.mv_data = (void *)start;
	k.mv_size = startlen;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, start, plen) != 0)
			break;
		if ((r = step(arg, (const uint8_t *)k.mv_data + plen, k.mv_size - plen,
		    &v)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return txn_fail(t, "scan", watch, rc);
	return r;
}

/* What a scan step needs besides the callback: the end time, and a flag for a bad record. */
struct arrivals_scan {
	const char	*watch;
	int64_t		 to;
	int		 (*cb)(void *, int64_t, uint32_t, const char *);
	void		*arg;
	int		 done;	/* reached to: a 'stop' that is not the callback's */
};

static int
arrivals_step(void *arg, const uint8_t *rest, size_t restlen, const MDB_val *v)
{
	struct arrivals_scan *a = arg;
	const char *id = v->mv_data;
	int64_t tm;
	int r;

	if (restlen != 12 || v->mv_size < 2 || v->mv_size > FG_ID_MAX + 1 ||
	    id[v->mv_size - 1] != '\0' || memchr(id, '\0', v->mv_size - 1) != NULL) {
		log_warnx("store: watch %s: corrupt arrival record", a->watch);
		return -1;
	}
	if ((tm = get_time(rest)) >= a->to) {
		a->done = 1;
		return 1;
	}
	r = a->cb(a->arg, tm, get_u32be(rest + 8), id);
	return r;
}

int
store_arrivals_scan(struct fg_txn *t, const char *watch, int64_t from, int64_t to,
    int (*cb)(void *, int64_t, uint32_t, const char *), void *arg)
{
	struct arrivals_scan a = { watch, to, cb, arg, 0 };
	uint8_t kbuf[KEY_MAX];
	size_t plen;
	int r;

	TXN_CHECK(t);
	if ((plen = key_watch(kbuf, watch)) == 0)
		return -1;
	if (from >= to)
		return 0;
	put_time(kbuf + plen, from);
	put_u32be(kbuf + plen + 8, 0);
	r = scan(t, DB_ARRIVALS, watch, kbuf, plen + 12, plen, arrivals_step, &a);
	return a.done ? 0 : r;
}

/* Polls. */

static void
poll_encode(uint8_t *p, const struct fg_poll *pl)
{
	put_u64le(p, (uint64_t)pl->followers_count);
	put_u32le(p + 8, pl->arrivals);
	put_u32le(p + 12, pl->fake);
	put_u32le(p + 16, pl->suspect);
	put_u32le(p + 20, pl->unfollows);
}

static void
poll_decode(const uint8_t *p, struct fg_poll *pl)
{
	pl->followers_count = u64_to_i64(get_u64le(p));
	pl->arrivals = get_u32le(p + 8);
	pl->fake = get_u32le(p + 12);
	pl->suspect = get_u32le(p + 16);
	pl->unfollows = get_u32le(p + 20);
}

int
store_poll_put(struct fg_txn *t, const char *watch, const struct fg_poll *pl)
{
	uint8_t kbuf[KEY_MAX], vbuf[POLL_LEN];
	MDB_val k, v;
	size_t plen;
	int rc;

	TXN_CHECK(t);
	if ((plen = key_watch(kbuf, watch)) == 0)
		return -1;
	put_time(kbuf + plen, pl->t);
	k.mv_data = kbuf;
	k.mv_size = plen + 8;
	poll_encode(vbuf, pl);
	v.mv_data = vbuf;
	v.mv_size = sizeof(vbuf);
	if ((rc = mdb_put(t->txn, t->st->dbi[DB_POLLS], &k, &v, 0)) != 0)
		return txn_fail(t, "poll put", watch, rc);
	return 0;
}

struct polls_scan {
	const char	*watch;
	int64_t		 to;
	int		 (*cb)(void *, const struct fg_poll *);
	void		*arg;
	int		 done;
};

static int
polls_step(void *arg, const uint8_t *rest, size_t restlen, const MDB_val *v)
{
	struct polls_scan *a = arg;
	const uint8_t *p = v->mv_data;
	struct fg_poll pl;

	if (restlen != 8 || v->mv_size != POLL_LEN) {
		log_warnx("store: watch %s: corrupt poll record", a->watch);
		return -1;
	}
	if ((pl.t = get_time(rest)) >= a->to) {
		a->done = 1;
		return 1;
	}
	poll_decode(p, &pl);
	return a->cb(a->arg, &pl);
}

int
store_polls_scan(struct fg_txn *t, const char *watch, int64_t from, int64_t to,
    int (*cb)(void *, const struct fg_poll *), void *arg)
{
	struct polls_scan a = { watch, to, cb, arg, 0 };
	uint8_t kbuf[KEY_MAX];
	size_t plen;
	int r;

	TXN_CHECK(t);
	if ((plen = key_watch(kbuf, watch)) == 0)
		return -1;
	if (from >= to)
		return 0;
	put_time(kbuf + plen, from);
	r = scan(t, DB_POLLS, watch, kbuf, plen + 8, plen, polls_step, &a);
	return a.done ? 0 : r;
}

/* Spikes. */

int
store_spike_put(struct fg_txn *t, const char *watch, const char *spike_id, const char *json)
{
	uint8_t kbuf[KEY_MAX];
	MDB_val k, v;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_watch_name(kbuf, watch, spike_id, SPIKE_ID_MAX,
	    "spike id")) == 0)
		return -1;
	if (json == NULL) {
		log_warnx("store: watch %s: spike %s without a document", watch, spike_id);
		return -1;
	}
	k.mv_data = kbuf;
	v.mv_data = (void *)json;
	v.mv_size = strlen(json) + 1;
	if ((rc = mdb_put(t->txn, t->st->dbi[DB_SPIKES], &k, &v, 0)) != 0)
		return txn_fail(t, "spike put", watch, rc);
	return 0;
}

struct spikes_scan {
	const char	*watch;
	int		 (*cb)(void *, const char *, const char *);
	void		*arg;
};

static int
spikes_step(void *arg, const uint8_t *rest, size_t restlen, const MDB_val *v)
{
	struct spikes_scan *a = arg;
	const char *json = v->mv_data;
	char id[SPIKE_ID_MAX + 1];

	/* The key's id is not NUL-terminated in the map: copy it out. */
	if (restlen == 0 || restlen > SPIKE_ID_MAX || memchr(rest, '\0', restlen) != NULL ||
	    v->mv_size == 0 || json[v->mv_size - 1] != '\0') {
		log_warnx("store: watch %s: corrupt spike record", a->watch);
		return -1;
	}
	memcpy(id, rest, restlen);
	id[restlen] = '\0';
	return a->cb(a->arg, id, json);
}

int
store_spikes_scan(struct fg_txn *t, const char *watch,
    int (*cb)(void *, const char *, const char *), void *arg)
{
	struct spikes_scan a = { watch, cb, arg };
	uint8_t kbuf[KEY_MAX];
	size_t plen;

	TXN_CHECK(t);
	if ((plen = key_watch(kbuf, watch)) == 0)
		return -1;
	return scan(t, DB_SPIKES, watch, kbuf, plen, plen, spikes_step, &a);
}

/* Per-watch meta records: "pos\0watch", "prog\0watch". */

static size_t
key_meta(uint8_t *buf, const char *what, const char *watch)
{
	size_t n = strlen(what) + 1;	/* with its NUL */

	if (key_watch(buf + n, watch) == 0)
		return 0;
	memcpy(buf, what, n);
	return n + strlen(watch);
}

int
store_text_get(struct fg_txn *t, const char *watch, uint64_t key, int64_t *first_seen)
{
	uint8_t kbuf[KEY_MAX];
	MDB_val k, v;
	size_t plen;
	int rc;

	TXN_CHECK(t);
	if (t->st->missing & (1u << DB_TEXTS))
		return FG_NOTFOUND;
	if ((plen = key_watch(kbuf, watch)) == 0)
		return -1;
	put_u32be(kbuf + plen, (uint32_t)(key >> 32));
	put_u32be(kbuf + plen + 4, (uint32_t)key);
	k.mv_data = kbuf;
	k.mv_size = plen + 8;
	if ((rc = mdb_get(t->txn, t->st->dbi[DB_TEXTS], &k, &v)) == MDB_NOTFOUND)
		return FG_NOTFOUND;
	if (rc != 0)
		return txn_fail(t, "text get", watch, rc);
	if (v.mv_size != 8) {
		log_warnx("store: watch %s: corrupt text record", watch);
		return -1;
	}
	*first_seen = get_time(v.mv_data);
	return 0;
}

int
store_text_put(struct fg_txn *t, const char *watch, uint64_t key, int64_t first_seen)
{
	uint8_t kbuf[KEY_MAX], vbuf[8];
	MDB_val k, v;
	size_t plen;
	int rc;

	TXN_CHECK(t);
	if ((plen = key_watch(kbuf, watch)) == 0)
		return -1;
	put_u32be(kbuf + plen, (uint32_t)(key >> 32));
	put_u32be(kbuf + plen + 4, (uint32_t)key);
	put_time(vbuf, first_seen);
	k.mv_data = kbuf;
	k.mv_size = plen + 8;
	v.mv_data = vbuf;
	v.mv_size = 8;
	if ((rc = mdb_put(t->txn, t->st->dbi[DB_TEXTS], &k, &v, 0)) != 0)
		return txn_fail(t, "text put", watch, rc);
	return 0;
}

int
store_position_get(struct fg_txn *t, const char *watch, uint64_t *pos)
{
	uint8_t kbuf[KEY_MAX];
	MDB_val k, v;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_meta(kbuf, "pos", watch)) == 0)
		return -1;
	k.mv_data = kbuf;
	rc = mdb_get(t->txn, t->st->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		*pos = 0;
		return 0;
	}
	if (rc != 0)
		return txn_fail(t, "position get", watch, rc);
	if (v.mv_size != 8) {
		log_warnx("store: watch %s: corrupt position counter", watch);
		return -1;
	}
	*pos = get_u64le(v.mv_data);
	return 0;
}

int
store_position_put(struct fg_txn *t, const char *watch, uint64_t pos)
{
	uint8_t kbuf[KEY_MAX], vbuf[8];
	MDB_val k, v;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_meta(kbuf, "pos", watch)) == 0)
		return -1;
	k.mv_data = kbuf;
	put_u64le(vbuf, pos);
	v.mv_data = vbuf;
	v.mv_size = sizeof(vbuf);
	if ((rc = mdb_put(t->txn, t->st->dbi[DB_META], &k, &v, 0)) != 0)
		return txn_fail(t, "position put", watch, rc);
	return 0;
}

/* The poll under way: meta "prog\0watch". */

#define PROGRESS_LEN	(8 + 4 + 8 + POLL_LEN)

int
store_progress_get(struct fg_txn *t, const char *watch, struct fg_progress *pr)
{
	uint8_t kbuf[KEY_MAX];
	const uint8_t *p;
	MDB_val k, v;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_meta(kbuf, "prog", watch)) == 0)
		return -1;
	k.mv_data = kbuf;
	if ((rc = mdb_get(t->txn, t->st->dbi[DB_META], &k, &v)) == MDB_NOTFOUND)
		return FG_NOTFOUND;
	if (rc != 0)
		return txn_fail(t, "progress get", watch, rc);
	p = v.mv_data;
	if (v.mv_size <= PROGRESS_LEN || p[v.mv_size - 1] != '\0') {
		log_warnx("store: watch %s: corrupt poll progress record", watch);
		return -1;
	}
	pr->poll.t = pr->t = get_time(p);
	pr->seq = get_u32le(p + 8);
	pr->initial_fake = get_u64le(p + 12);
	poll_decode(p + 20, &pr->poll);
	pr->cursor = (const char *)p + PROGRESS_LEN;
	return 0;
}

int
store_progress_put(struct fg_txn *t, const char *watch, const struct fg_progress *pr)
{
	uint8_t kbuf[KEY_MAX], *p;
	size_t clen = strlen(pr->cursor) + 1;
	MDB_val k, v;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_meta(kbuf, "prog", watch)) == 0)
		return -1;
	k.mv_data = kbuf;
	v.mv_size = PROGRESS_LEN + clen;
	if ((rc = mdb_put(t->txn, t->st->dbi[DB_META], &k, &v, MDB_RESERVE)) != 0)
		return txn_fail(t, "progress put", watch, rc);
	p = v.mv_data;
	put_time(p, pr->t);
	put_u32le(p + 8, pr->seq);
	put_u64le(p + 12, pr->initial_fake);
	poll_encode(p + 20, &pr->poll);
	memcpy(p + PROGRESS_LEN, pr->cursor, clen);
	return 0;
}

int
store_progress_del(struct fg_txn *t, const char *watch)
{
	uint8_t kbuf[KEY_MAX];
	MDB_val k;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_meta(kbuf, "prog", watch)) == 0)
		return -1;
	k.mv_data = kbuf;
	rc = mdb_del(t->txn, t->st->dbi[DB_META], &k, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return txn_fail(t, "progress del", watch, rc);
	return 0;
}

/* Records by number: big-endian ids, so that scans run in id order. */

static int
id_put(struct fg_txn *t, int db, uint64_t id, const void *data, size_t len)
{
	uint8_t kbuf[8];
	MDB_val k = { sizeof(kbuf), kbuf }, v = { len, (void *)data };
	int rc;

	TXN_CHECK(t);
	put_u32be(kbuf, (uint32_t)(id >> 32));
	put_u32be(kbuf + 4, (uint32_t)id);
	if ((rc = mdb_put(t->txn, t->st->dbi[db], &k, &v, 0)) != 0)
		return txn_fail(t, db_names[db], "-", rc);
	return 0;
}

static int
id_get(struct fg_txn *t, int db, uint64_t id, MDB_val *v)
{
	uint8_t kbuf[8];
	MDB_val k = { sizeof(kbuf), kbuf };
	int rc;

	TXN_CHECK(t);
	if (t->st->missing & (1u << db))
		return FG_NOTFOUND;
	put_u32be(kbuf, (uint32_t)(id >> 32));
	put_u32be(kbuf + 4, (uint32_t)id);
	rc = mdb_get(t->txn, t->st->dbi[db], &k, v);
	if (rc == MDB_NOTFOUND)
		return FG_NOTFOUND;
	if (rc != 0)
		return txn_fail(t, db_names[db], "-", rc);
	return 0;
}

static int
id_del(struct fg_txn *t, int db, uint64_t id)
{
	uint8_t kbuf[8];
	MDB_val k = { sizeof(kbuf), kbuf };
	int rc;

	TXN_CHECK(t);
	put_u32be(kbuf, (uint32_t)(id >> 32));
	put_u32be(kbuf + 4, (uint32_t)id);
	rc = mdb_del(t->txn, t->st->dbi[db], &k, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return txn_fail(t, db_names[db], "-", rc);
	return 0;
}

/* A JSON text record: NUL-terminated in the map. */
static int
text_ok(const MDB_val *v, const char *what)
{
	if (v->mv_size == 0 || ((const char *)v->mv_data)[v->mv_size - 1] != '\0') {
		log_warnx("store: corrupt %s record", what);
		return 0;
	}
	return 1;
}

/* A text record by number: 0, FG_NOTFOUND or -1. */
static int
id_text(struct fg_txn *t, int db, uint64_t id, const char **text)
{
	MDB_val v;
	int rc;

	if ((rc = id_get(t, db, id, &v)) != 0)
		return rc;
	if (!text_ok(&v, db_names[db]))
		return -1;
	*text = v.mv_data;
	return 0;
}

struct ids_scan {
	int	  db;
	int	(*cb)(void *, uint64_t, const char *);
	void	 *arg;
};

static int
ids_step(void *arg, const uint8_t *rest, size_t restlen, const MDB_val *v)
{
	struct ids_scan *a = arg;
	uint64_t id;

	if (restlen != 8 || !text_ok(v, db_names[a->db]))
		return -1;
	id = (uint64_t)get_u32be(rest) << 32 | get_u32be(rest + 4);
	return a->cb(a->arg, id, v->mv_data);
}

static int
ids_scan(struct fg_txn *t, int db, uint64_t from,
    int (*cb)(void *, uint64_t, const char *), void *arg)
{
	struct ids_scan a = { db, cb, arg };
	uint8_t kbuf[8];

	TXN_CHECK(t);
	if (t->st->missing & (1u << db))
		return 0;
	put_u32be(kbuf, (uint32_t)(from >> 32));
	put_u32be(kbuf + 4, (uint32_t)from);
	return scan(t, db, "-", kbuf, sizeof(kbuf), 0, ids_step, &a);
}

int
store_seq_next(struct fg_txn *t, const char *name, uint64_t *id)
{
	uint8_t kbuf[KEY_MAX], vbuf[8];
	MDB_val k, v;
	size_t len = strlen(name);
	int rc;

	TXN_CHECK(t);
	if (len == 0 || len + 4 > sizeof(kbuf))
		return -1;
	memcpy(kbuf, "seq", 4);		/* with its NUL */
	memcpy(kbuf + 4, name, len);
	k.mv_data = kbuf;
	k.mv_size = 4 + len;
	rc = mdb_get(t->txn, t->st->dbi[DB_META], &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return txn_fail(t, "sequence get", "-", rc);
	if (rc == 0 && v.mv_size != 8) {
		log_warnx("store: corrupt sequence counter %s", name);
		return -1;
	}
	*id = (rc == 0 ? get_u64le(v.mv_data) : 0) + 1;
	put_u64le(vbuf, *id);
	v.mv_data = vbuf;
	v.mv_size = sizeof(vbuf);
	if ((rc = mdb_put(t->txn, t->st->dbi[DB_META], &k, &v, 0)) != 0)
		return txn_fail(t, "sequence put", "-", rc);
	return 0;
}

/* The outbox. */

int
store_outbox_put(struct fg_txn *t, uint64_t id, const char *json)
{
	return id_put(t, DB_OUTBOX, id, json, strlen(json) + 1);
}

int
store_outbox_get(struct fg_txn *t, uint64_t id, const char **json)
{
	return id_text(t, DB_OUTBOX, id, json);
}

int
store_outbox_del(struct fg_txn *t, uint64_t id)
{
	if (id_del(t, DB_OUTBOX, id) == -1)
		return -1;
	return id_del(t, DB_OUTMSG, id);
}

int
store_outbox_scan(struct fg_txn *t, uint64_t from,
    int (*cb)(void *, uint64_t, const char *), void *arg)
{
	return ids_scan(t, DB_OUTBOX, from, cb, arg);
}

int
store_outmsg_put(struct fg_txn *t, uint64_t id, const char *msg)
{
	return id_put(t, DB_OUTMSG, id, msg, strlen(msg) + 1);
}

int
store_outmsg_get(struct fg_txn *t, uint64_t id, const char **msg)
{
	return id_text(t, DB_OUTMSG, id, msg);
}

int
store_outmsg_del(struct fg_txn *t, uint64_t id)
{
	return id_del(t, DB_OUTMSG, id);
}

/* Alert levels sent per spike. */

int
store_alerted_get(struct fg_txn *t, const char *watch, const char *spike_id, const char **json)
{
	MDB_val v;
	int rc;

	if (t->st->missing & (1u << DB_ALERTED))
		return FG_NOTFOUND;
	if ((rc = get_by_id(t, DB_ALERTED, watch, spike_id, &v, "alerted get")) != 0)
		return rc;
	if (!text_ok(&v, "alerted"))
		return -1;
	*json = v.mv_data;
	return 0;
}

int
store_alerted_put(struct fg_txn *t, const char *watch, const char *spike_id, const char *json)
{
	uint8_t kbuf[KEY_MAX];
	MDB_val k, v;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_watch_name(kbuf, watch, spike_id, SPIKE_ID_MAX,
	    "spike id")) == 0)
		return -1;
	k.mv_data = kbuf;
	v.mv_data = (void *)json;
	v.mv_size = strlen(json) + 1;
	if ((rc = mdb_put(t->txn, t->st->dbi[DB_ALERTED], &k, &v, 0)) != 0)
		return txn_fail(t, "alerted put", watch, rc);
	return 0;
}

/* Purge plans, jobs, journal and allowed accounts. */

static int
name_put(struct fg_txn *t, int db, const char *watch, const char *name, const char *text,
    const char *what)
{
	uint8_t kbuf[KEY_MAX];
	MDB_val k, v;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_watch_name(kbuf, watch, name, SPIKE_ID_MAX, what)) == 0)
		return -1;
	k.mv_data = kbuf;
	v.mv_data = (void *)text;
	v.mv_size = strlen(text) + 1;
	if ((rc = mdb_put(t->txn, t->st->dbi[db], &k, &v, 0)) != 0)
		return txn_fail(t, what, watch, rc);
	return 0;
}

static int
name_get(struct fg_txn *t, int db, const char *watch, const char *name, const char **text,
    const char *what)
{
	MDB_val v;
	int rc;

	if (t->st->missing & (1u << db))
		return FG_NOTFOUND;
	if ((rc = get_by_id(t, db, watch, name, &v, what)) != 0)
		return rc;
	if (!text_ok(&v, what))
		return -1;
	*text = v.mv_data;
	return 0;
}

int
store_plan_put(struct fg_txn *t, const char *watch, const char *spike_id, const char *ids)
{
	return name_put(t, DB_PLANS, watch, spike_id, ids, "plan");
}

int
store_plan_get(struct fg_txn *t, const char *watch, const char *spike_id, const char **ids)
{
	return name_get(t, DB_PLANS, watch, spike_id, ids, "plan");
}

int
store_allowed_put(struct fg_txn *t, const char *watch, const char *account, const char *note)
{
	return name_put(t, DB_ALLOWED, watch, account, note, "allowed");
}

int
store_allowed_get(struct fg_txn *t, const char *watch, const char *account, const char **note)
{
	return name_get(t, DB_ALLOWED, watch, account, note, "allowed");
}

int
store_allowed_del(struct fg_txn *t, const char *watch, const char *account)
{
	uint8_t kbuf[KEY_MAX];
	MDB_val k;
	int rc;

	TXN_CHECK(t);
	if ((k.mv_size = key_watch_name(kbuf, watch, account, SPIKE_ID_MAX, "allowed")) == 0)
		return -1;
	k.mv_data = kbuf;
	rc = mdb_del(t->txn, t->st->dbi[DB_ALLOWED], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return FG_NOTFOUND;
	if (rc != 0)
		return txn_fail(t, "allowed del", watch, rc);
	return 0;
}

struct allowed_scan {
	const char	*watch;
	int		 (*cb)(void *, const char *, const char *);
	void		*arg;
};

static int
allowed_step(void *arg, const uint8_t *rest, size_t restlen, const MDB_val *v)
{
	struct allowed_scan *a = arg;
	char id[SPIKE_ID_MAX + 1];

	if (restlen == 0 || restlen > SPIKE_ID_MAX || !text_ok(v, "allowed"))
		return -1;
	memcpy(id, rest, restlen);
	id[restlen] = '\0';
	return a->cb(a->arg, id, v->mv_data);
}

int
store_allowed_scan(struct fg_txn *t, const char *watch,
    int (*cb)(void *, const char *, const char *), void *arg)
{
	struct allowed_scan a = { watch, cb, arg };
	uint8_t kbuf[KEY_MAX];
	size_t plen;

	TXN_CHECK(t);
	if (t->st->missing & (1u << DB_ALLOWED))
		return 0;
	if ((plen = key_watch(kbuf, watch)) == 0)
		return -1;
	return scan(t, DB_ALLOWED, watch, kbuf, plen, plen, allowed_step, &a);
}

int
store_job_put(struct fg_txn *t, uint64_t id, const char *json)
{
	return id_put(t, DB_JOBS, id, json, strlen(json) + 1);
}

int
store_job_get(struct fg_txn *t, uint64_t id, const char **json)
{
	return id_text(t, DB_JOBS, id, json);
}

int
store_jobs_scan(struct fg_txn *t, uint64_t from, int (*cb)(void *, uint64_t, const char *),
    void *arg)
{
	return ids_scan(t, DB_JOBS, from, cb, arg);
}

static void
key_entry(uint8_t *k, uint64_t job, uint32_t seq)
{
	put_u32be(k, (uint32_t)(job >> 32));
	put_u32be(k + 4, (uint32_t)job);
	put_u32be(k + 8, seq);
}

int
store_entry_put(struct fg_txn *t, uint64_t job, uint32_t seq, const char *json)
{
	uint8_t kbuf[12];
	MDB_val k = { sizeof(kbuf), kbuf }, v = { strlen(json) + 1, (void *)json };
	int rc;

	TXN_CHECK(t);
	key_entry(kbuf, job, seq);
	if ((rc = mdb_put(t->txn, t->st->dbi[DB_JOURNAL], &k, &v, 0)) != 0)
		return txn_fail(t, "journal put", "-", rc);
	return 0;
}

int
store_entry_get(struct fg_txn *t, uint64_t job, uint32_t seq, const char **json)
{
	uint8_t kbuf[12];
	MDB_val k = { sizeof(kbuf), kbuf }, v;
	int rc;

	TXN_CHECK(t);
	if (t->st->missing & (1u << DB_JOURNAL))
		return FG_NOTFOUND;
	key_entry(kbuf, job, seq);
	rc = mdb_get(t->txn, t->st->dbi[DB_JOURNAL], &k, &v);
	if (rc == MDB_NOTFOUND)
		return FG_NOTFOUND;
	if (rc != 0)
		return txn_fail(t, "journal get", "-", rc);
	if (!text_ok(&v, "journal"))
		return -1;
	*json = v.mv_data;
	return 0;
}

struct entries_scan {
	int	(*cb)(void *, uint32_t, const char *);
	void	 *arg;
};

static int
entries_step(void *arg, const uint8_t *rest, size_t restlen, const MDB_val *v)
{
	struct entries_scan *a = arg;

	if (restlen != 4 || !text_ok(v, "journal"))
		return -1;
	return a->cb(a->arg, get_u32be(rest), v->mv_data);
}

int
store_entries_scan(struct fg_txn *t, uint64_t job, uint32_t from,
    int (*cb)(void *, uint32_t seq, const char *json), void *arg)
{
	struct entries_scan a = { cb, arg };
	uint8_t kbuf[12];

	TXN_CHECK(t);
	if (t->st->missing & (1u << DB_JOURNAL))
		return 0;
	key_entry(kbuf, job, from);
	return scan(t, DB_JOURNAL, "-", kbuf, sizeof(kbuf), 8, entries_step, &a);
}
