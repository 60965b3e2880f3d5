/* A map from strings to numbers. See strmap.h. */
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xmalloc.h"

uint64_t
fnv1a64(const void *p, size_t len, uint64_t h)
{
	const unsigned char *s = p;

	while (len-- > 0)
		h = (h ^ *s++) * UINT64_C(0x100000001b3);
	return h;
}

static size_t
slot_of(const struct strmap *m, const char *key)
{
	size_t i = fnv1a64(key, strlen(key), FG_FNV64_BASIS) & (m->cap - 1);

	while (m->key[i] != NULL && strcmp(m->key[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

int
strmap_add(struct strmap *m, const char *key, size_t val, size_t *old)
{
	const char **okey = m->key;
	size_t *oval = m->val, ocap = m->cap, i;

	if (2 * (m->n + 1) > m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->key = xcalloc(m->cap, sizeof(*m->key));
		m->val = xcalloc(m->cap, sizeof(*m->val));
		for (i = 0; i < ocap; i++)
			if (okey[i] != NULL) {
				size_t s = slot_of(m, okey[i]);

				m->key[s] = okey[i];
				m->val[s] = oval[i];
			}
		free(okey);
		free(oval);
	}
	i = slot_of(m, key);
	if (m->key[i] != NULL) {
		if (old != NULL)
			*old = m->val[i];
		return 0;
	}
	m->key[i] = key;
	m->val[i] = val;
	m->n++;
	return 1;
}

int
strmap_get(const struct strmap *m, const char *key, size_t *val)
{
	size_t i;

	if (m->cap == 0)
		return -1;
	i = slot_of(m, key);
	if (m->key[i] == NULL)
		return -1;
	*val = m->val[i];
	return 0;
}

void
strmap_free(struct strmap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}
