/* Blocks of strings that never move. See arena.h. */
#include <stdlib.h>

#include "arena.h"
#include "xmalloc.h"

#define ARENA_BLOCK	(64 * 1024)	/* bytes; larger requests get a block of their own */

struct arena_block {
	struct arena_block	*next;	/* older */
	size_t			 size;
	char			 data[];
};

char *
arena_alloc(struct fg_arena *a, size_t n)
{
	struct arena_block *b;
	size_t size;

	if (a->head == NULL || a->head->size - a->used < n) {
		size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = xmalloc(sizeof(*b) + size);
		b->size = size;
		b->next = a->head;
		a->head = b;
		a->used = 0;
	}
	a->used += n;
	return a->head->data + a->used - n;
}

void
arena_reset(struct fg_arena *a)
{
	struct arena_block *b, *next;

	if (a->head == NULL)
		return;
	for (b = a->head->next; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head->next = NULL;
	a->used = 0;
}

void
arena_free(struct fg_arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
	a->used = 0;
}
