/*
 * stack.c - the guarded-stack allocator: stacks of mmap'd memory, each above
 * a PROT_NONE guard page, carved from chunks and reused from a pool.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "annotate.h"

/* getpagesize, not a cached sysconf: loops on several threads call it. */
size_t co_page_size(void)
{
	return (size_t)getpagesize();
}

char *co_stack_lo(const struct co_stack *s)
{
	return s->map + co_page_size();
}

/*
 * Stacks are carved from chunks of CHUNK_STACKS, each stack above its own
 * PROT_NONE page, and a finished task's stack goes back to the pool. None is
 * unmapped before co_run returns: in a VM every munmap is a TLB flush that
 * costs more than the rest of a task's life, so chunks go back whole.
 */
#define CHUNK_STACKS 64

struct co_chunk {
	char *map;
	size_t len;
	struct co_chunk *next;
	struct co_stack stacks[CHUNK_STACKS];
};

/*
 * Map len bytes of stack memory; NULL on failure (errno set). No huge
 * pages: a task touches a page or two of its stack, and a transparent huge
 * page would have the first touch zero 2 MiB.
 */
static char *map_stack_memory(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/* Turn the memory at map into a stack of size bytes above a guard page. */
static int guard(struct co_stack *s, char *map, size_t size)
{
	if (mprotect(map, co_page_size(), PROT_NONE) != 0)
		return -errno;
	s->map = map;
	s->size = size;
	s->valgrind_id = VALGRIND_STACK_REGISTER(co_stack_lo(s), co_stack_lo(s) + size);
	return 0;
}

struct co_stack *co_stack_get(size_t size)
{
	struct co_chunk *c = co_loop.chunks;
	struct co_stack *s = co_loop.pool;
	size_t span = size + co_page_size();

	if (s) {
		co_loop.pool = s->next;
		return s;
	}
	if (__atomic_load_n(co_guarded_count(), __ATOMIC_RELAXED) >= co_loop.guarded_limit) {
		errno = ENOMEM;         /* leave mappings for malloc and threads */
		return NULL;
	}
	if (c == NULL || co_loop.chunk_used == CHUNK_STACKS) {
		if ((c = calloc(1, sizeof *c)) == NULL)
			return NULL;
		c->len = span * CHUNK_STACKS;
		if ((c->map = map_stack_memory(c->len)) == NULL) {
			free(c);
			return NULL;
		}
		c->next = co_loop.chunks;
		co_loop.chunks = c;
		co_loop.chunk_used = 0;
	}
	s = &c->stacks[co_loop.chunk_used];
	if (guard(s, c->map + span * (size_t)co_loop.chunk_used, size) != 0)
		return NULL;
	co_loop.chunk_used++;
	return s;
}

void co_stack_put(struct co_stack *s)
{
	s->next = co_loop.pool;
	co_loop.pool = s;
}

struct co_stack *co_stack_alone(size_t size)
{
	struct co_stack *s = calloc(1, sizeof *s);
	char *map = s ? map_stack_memory(size + co_page_size()) : NULL;

	if (map && guard(s, map, size) == 0)
		return s;
	if (map)
		munmap(map, size + co_page_size());
	free(s);
	return NULL;
}

void co_stack_free_alone(struct co_stack *s)
{
	VALGRIND_STACK_DEREGISTER(s->valgrind_id);
	munmap(s->map, s->size + co_page_size());
	free(s);
}

void co_stacks_unmap(void)
{
	while (co_loop.chunks) {
		struct co_chunk *c = co_loop.chunks;
		co_loop.chunks = c->next;
		for (int i = 0; i < CHUNK_STACKS; i++)
			if (c->stacks[i].map)
				VALGRIND_STACK_DEREGISTER(c->stacks[i].valgrind_id);
		munmap(c->map, c->len);
		free(c);
	}
	co_loop.pool = NULL;
}

long co_guarded_limit(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long maps = 65530;

	if (f) {
		if (fscanf(f, "%ld", &maps) != 1)
			maps = 65530;
		fclose(f);
	}
	return maps > 2 * CO_MAPS_SPARE ? (maps - CO_MAPS_SPARE) / 2 : maps / 4;
}
