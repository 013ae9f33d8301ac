/*
 * mem.c - where a running loop's memory goes, part by part (co_mem in
 * coro.h): counted from the runtime's own structures, so that a benchmark
 * can set each part beside the resident memory it measures.
 */
#include <string.h>

#include "coro_impl.h"

void co_mem(struct co_mem *out)
{
	const struct co_timers *tm = &co_loop.timers;
	const struct co_rt *rt = co_loop.rt;

	memset(out, 0, sizeof *out);
	if (co_loop.state != CO_LOOP_RUNNING || rt == NULL || rt->nslots == 0)
		return;
	long slots = rt->nslots;
	out->tasks = slots - 1 - rt->nfree;
	out->records = (size_t)out->tasks * co_block_size(sizeof(struct co_task));
	out->saved_stacks = co_loop.saved_bytes;
	out->timers = ((size_t)(tm->tail - tm->head) + tm->heap_len) * sizeof *tm->heap;
	/* Slots and generations up to nslots; the free list up to its length. */
	out->task_table = (size_t)slots * (sizeof *rt->slots + sizeof *rt->gens) +
			  (size_t)rt->nfree * sizeof *rt->free_slots;
}
