/*
 * timer.c - the parked tasks' deadlines, earliest first, in two places:
 *
 *   the ring  deadlines that arrive in order (each no earlier than the last
 *             one added), which is how a fan-out sleeps: every task asks
 *             for now + d. Added at the tail, taken at the head, both O(1);
 *             a task that leaves early (woken, cancelled) leaves a hole
 *             that the head skips when it gets there.
 *   the heap  every other deadline: a binary min-heap on (deadline, id).
 *
 * The earliest timer is the earlier of the ring's head and the heap's top.
 * Why both: with a heap alone, the million sleepers of a fan-out cost a
 * sift-down of twenty levels each as they fire, every level a cache miss
 * into another task's record: 40% of the run's CPU time at 1,000,000 x 1 s
 * (perf), against a few percent with the ring. The price is the holes: a
 * ring slot (8 bytes) stays until the head passes it, so a long deadline at
 * the head keeps the slots of every shorter one added after it.
 *
 * A task's timer_pos is its heap index, or its ring position (a counter
 * that wraps; the slot is pos & (cap - 1)); t->timed says it has a timer,
 * t->in_ring which of the two holds it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "coro_impl.h"

static bool earlier(const struct co_task *a, const struct co_task *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->id < b->id);
}

/* Grow an array of task pointers to cap entries, or abort: a timer cannot wait. */
static struct co_task **grow(struct co_task **a, uint32_t cap, const char *what)
{
	struct co_task **p = realloc(a, (size_t)cap * sizeof *p);

	if (p == NULL) {
		fprintf(stderr, "coro: realloc of the timer %s to %u entries failed\n", what, cap);
		abort();
	}
	return p;
}

/* ---- The heap ---- */

static void heap_set(uint32_t i, struct co_task *t)
{
	co_loop.timers.heap[i] = t;
	t->timer_pos = i;
}

static void sift_up(uint32_t i)
{
	struct co_task **h = co_loop.timers.heap, *t = h[i];

	while (i > 0 && earlier(t, h[(i - 1) / 2])) {
		heap_set(i, h[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(i, t);
}

static void sift_down(uint32_t i)
{
	struct co_task **h = co_loop.timers.heap, *t = h[i];
	uint32_t n = co_loop.timers.heap_len;

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && earlier(h[c + 1], h[c]))
			c++;
		if (!earlier(h[c], t))
			break;
		heap_set(i, h[c]);
		i = c;
	}
	heap_set(i, t);
}

static void heap_add(struct co_task *t)
{
	struct co_timers *tm = &co_loop.timers;

	if (tm->heap_len == tm->heap_cap) {
		tm->heap_cap = tm->heap_cap ? 2 * tm->heap_cap : 256;
		tm->heap = grow(tm->heap, tm->heap_cap, "heap");
	}
	heap_set(tm->heap_len++, t);
	sift_up(t->timer_pos);
}

static void heap_del(struct co_task *t)
{
	struct co_timers *tm = &co_loop.timers;
	uint32_t i = t->timer_pos;
	struct co_task *last = tm->heap[--tm->heap_len];

	if (i == tm->heap_len)
		return;
	heap_set(i, last);
	sift_up(i);
	sift_down(last->timer_pos);
}

/* ---- The ring ---- */

static struct co_task **ring_slot(uint32_t pos)
{
	return &co_loop.timers.ring[pos & (co_loop.timers.ring_cap - 1)];
}

/* Double the ring: each entry moves to its slot under the new mask. */
static void ring_grow(void)
{
	struct co_timers *tm = &co_loop.timers;
	uint32_t old_cap = tm->ring_cap, cap = old_cap ? 2 * old_cap : 256;
	struct co_task **old = tm->ring;

	tm->ring = grow(NULL, cap, "ring");
	tm->ring_cap = cap;
	for (uint32_t pos = tm->head; pos != tm->tail; pos++)
		*ring_slot(pos) = old[pos & (old_cap - 1)];
	free(old);
}

/* Skip the holes at the head. */
static void ring_trim(void)
{
	struct co_timers *tm = &co_loop.timers;

	while (tm->head != tm->tail && *ring_slot(tm->head) == NULL)
		tm->head++;
}

static bool ring_takes(const struct co_task *t)
{
	const struct co_timers *tm = &co_loop.timers;

	return tm->head == tm->tail || t->deadline >= tm->ring_last;
}

static void ring_add(struct co_task *t)
{
	struct co_timers *tm = &co_loop.timers;

	if (tm->tail - tm->head == tm->ring_cap)
		ring_grow();
	*ring_slot(tm->tail) = t;
	t->timer_pos = tm->tail++;
	tm->ring_last = t->deadline;
}

static void ring_del(struct co_task *t)
{
	*ring_slot(t->timer_pos) = NULL;
	ring_trim();
}

/* ---- The loop's view ---- */

void co_timer_add(struct co_task *t)
{
	t->in_ring = ring_takes(t);
	if (t->in_ring)
		ring_add(t);
	else
		heap_add(t);
	t->timed = true;
	co_loop.timers.live++;
}

void co_timer_del(struct co_task *t)
{
	if (t->in_ring)
		ring_del(t);
	else
		heap_del(t);
	t->timed = false;
	co_loop.timers.live--;
}

struct co_task *co_timer_first(void)
{
	struct co_timers *tm = &co_loop.timers;
	struct co_task *r = tm->head != tm->tail ? *ring_slot(tm->head) : NULL;
	struct co_task *h = tm->heap_len ? tm->heap[0] : NULL;

	if (r == NULL || (h && earlier(h, r)))
		return h;
	return r;
}

void co_timers_teardown(void)
{
	free(co_loop.timers.heap);
	free(co_loop.timers.ring);
}
