/*
 * An arena for short-lived strings: allocations are carved from blocks that never move, so a
 * pointer stays valid until arena_reset or arena_free. A zeroed struct is an empty arena.
 * arena_reset keeps one block, so a loop that resets once per item allocates nothing after
 * its first items and runs in constant memory.
 */
#ifndef FG_ARENA_H
#define FG_ARENA_H

#include <stddef.h>

struct arena_block;

struct fg_arena {
	struct arena_block	*head;	/* the block being filled; older ones behind it */
	size_t			 used;	/* bytes of head in use */
};

/* n bytes, never NULL (out of memory is fatal); not aligned for anything but char. */
char	*arena_alloc(struct fg_arena *, size_t n);
/* Everything allocated is gone; the newest block stays for reuse. */
void	 arena_reset(struct fg_arena *);
void	 arena_free(struct fg_arena *);

#endif
