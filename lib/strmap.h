/*
 * A map from strings to numbers (open addressing, FNV-1a): to take each id once, or to find a
 * row by id. Keys are borrowed: they must outlive the map.
 */
#ifndef FG_STRMAP_H
#define FG_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#define FG_FNV64_BASIS	UINT64_C(0xcbf29ce484222325)

/* FNV-1a over len bytes, continuing from h (start with FG_FNV64_BASIS). */
uint64_t	fnv1a64(const void *, size_t len, uint64_t h);

struct strmap {
	const char	**key;
	size_t		 *val;
	size_t		  cap, n;
};

/*
 * Adds key with val if absent: returns 1. If present, returns 0 and leaves its value in
 * *old (when old is not NULL).
 */
int	strmap_add(struct strmap *, const char *key, size_t val, size_t *old);
/* 0 and the value in *val if present, -1 if not. */
int	strmap_get(const struct strmap *, const char *key, size_t *val);
void	strmap_free(struct strmap *);

#endif
