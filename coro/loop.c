/*
 * loop.c - the scheduler: a FIFO run queue, timers in a min-heap keyed by
 * absolute CLOCK_MONOTONIC deadlines (the backend waits until the earliest
 * one, never waking early), and co_run, which owns it all. How the kernel is
 * asked about descriptors and time is the backend's business alone
 * (loop_epoll.c, loop_uring.c, behind struct co_backend).
 *
 * Tasks switch only to the scheduler and back (as in libtask): the
 * scheduler runs on co_run's own stack, which is what lets copy-mode tasks
 * share one stack.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coro_impl.h"

_Thread_local struct co_loop co_loop;

const char *const co_stack_names[] = { "auto", "guarded", "copy", NULL };
const char *const co_backend_names[] = { "epoll", "uring", NULL };
const char *const co_sys_names[] = {
	"epoll_wait", "epoll_ctl", "io_uring_enter", "read", "write", "accept", "connect",
	"close", "other", NULL,
};

static const struct co_backend *const backends[] = { &co_epoll_backend, &co_uring_backend };

int64_t co_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * CO_S + ts.tv_nsec;
}

/* Misuse check at every entry point: the loop must run on this thread. */
bool co_usable(const char *call)
{
	if (co_loop.state == CO_LOOP_RUNNING && co_loop.current)
		return true;
	if (co_loop.state == CO_LOOP_DONE)
		fprintf(stderr, "%s: the loop has shut down (called after co_run returned)\n", call);
	else if (co_loop.state == CO_LOOP_NONE)
		fprintf(stderr, "%s: no loop runs on this thread (called from another thread, "
			"or before co_run)\n", call);
	else
		fprintf(stderr, "%s: called outside a task\n", call);
	return false;
}

/* ---- Run queue ---- */

void co_enqueue(struct co_task *t)
{
	t->next = NULL;
	if (co_loop.runq_tail)
		co_loop.runq_tail->next = t;
	else
		co_loop.runq_head = t;
	co_loop.runq_tail = t;
	co_loop.runnable++;
}

static struct co_task *dequeue(void)
{
	struct co_task *t = co_loop.runq_head;

	co_loop.runq_head = t->next;
	if (co_loop.runq_head == NULL)
		co_loop.runq_tail = NULL;
	co_loop.runnable--;
	return t;
}

/* ---- Timer heap: earliest deadline first, ties in id order ---- */

static bool earlier(const struct co_task *a, const struct co_task *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->id < b->id);
}

static void heap_set(long i, struct co_task *t)
{
	co_loop.heap[i] = t;
	t->heap_index = i;
}

static void sift_up(long i)
{
	struct co_task *t = co_loop.heap[i];

	while (i > 0 && earlier(t, co_loop.heap[(i - 1) / 2])) {
		heap_set(i, co_loop.heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(i, t);
}

static void sift_down(long i)
{
	struct co_task *t = co_loop.heap[i];

	for (;;) {
		long c = 2 * i + 1;
		if (c >= co_loop.heap_len)
			break;
		if (c + 1 < co_loop.heap_len && earlier(co_loop.heap[c + 1], co_loop.heap[c]))
			c++;
		if (!earlier(co_loop.heap[c], t))
			break;
		heap_set(i, co_loop.heap[c]);
		i = c;
	}
	heap_set(i, t);
}

void co_timer_add(struct co_task *t)
{
	if (co_loop.heap_len == co_loop.heap_cap) {
		long cap = co_loop.heap_cap ? 2 * co_loop.heap_cap : 1024;
		struct co_task **h = realloc(co_loop.heap, (size_t)cap * sizeof *h);
		if (h == NULL) {
			fprintf(stderr, "coro: realloc of the timer heap to %ld entries failed\n", cap);
			abort();
		}
		co_loop.heap = h;
		co_loop.heap_cap = cap;
	}
	heap_set(co_loop.heap_len++, t);
	sift_up(t->heap_index);
}

void co_timer_del(struct co_task *t)
{
	long i = t->heap_index;
	struct co_task *last = co_loop.heap[--co_loop.heap_len];

	t->heap_index = -1;
	if (i == co_loop.heap_len)
		return;
	heap_set(i, last);
	sift_up(i);
	sift_down(last->heap_index);
}

/* ---- Parking and waking ---- */

/*
 * Take t off its timer and, if it waits in a descriptor call, off that:
 * false while the kernel still holds the call (the backend wakes t later).
 */
static bool unpark(struct co_task *t)
{
	if (t->heap_index >= 0)
		co_timer_del(t);
	if (t->park == CO_PARK_FD && !co_loop.backend->release(t))
		return false;
	t->park = CO_PARK_NONE;
	return true;
}

/* Make parked task t runnable; its suspension point returns wake. */
void co_ready(struct co_task *t, int wake)
{
	if (t->park == CO_PARK_NONE)
		return;
	t->wake = wake;
	if (unpark(t))
		co_enqueue(t);
}

/*
 * Suspend the running task until co_ready (or the deadline: 0 for a sleep,
 * -ETIMEDOUT otherwise). A pending cancel is delivered instead, at once (a
 * backend undoes a call not yet handed to the kernel at once).
 * The caller has registered whatever will wake it.
 */
int co_park(enum co_park why, int64_t deadline)
{
	struct co_task *t = co_loop.current;

	t->park = why;
	t->deadline = deadline;
	if (t->cancel_pending) {
		t->cancel_pending = false;
		unpark(t);
		return -ECANCELED;
	}
	if (deadline != CO_FOREVER)
		co_timer_add(t);
	co_switch_out(t, false);
	return t->wake;
}

/* ---- One turn of the loop ---- */

static void fire_timers(void)
{
	int64_t now = co_now();

	while (co_loop.heap_len && co_loop.heap[0]->deadline <= now) {
		struct co_task *t = co_loop.heap[0];
		co_ready(t, t->park == CO_PARK_SLEEP ? 0 : -ETIMEDOUT);
	}
}

/* Wait for descriptors, timers or offload completions (block: as long as needed). */
static void poll_once(bool block)
{
	int64_t until = !block ? 0 : co_loop.heap_len ? co_loop.heap[0]->deadline : CO_FOREVER;
	int fds[16];
	int n = co_loop.backend->poll(fds, 16, until);

	for (int i = 0; i < n; i++)
		if (co_offload_fd(fds[i]))
			co_offload_drain();
	fire_timers();
}

/* Run each task that is runnable now once (new arrivals wait a turn). */
static void run_ready(void)
{
	for (long n = co_loop.runnable; n > 0; n--) {
		struct co_task *t = dequeue();
		co_switch_in(t);
		if (t->done) {
			co_task_unstack(t);
			if (t->detached)
				co_task_free(t);
		}
	}
}

static void turn(void)
{
	run_ready();
	if (co_loop.unfinished == 0)
		return;
	if (co_loop.runnable == 0 && co_loop.heap_len == 0 && co_loop.fd_waits == 0 &&
	    co_loop.jobs == 0) {
		fprintf(stderr, "co_run: %ld tasks wait for each other and nothing can wake "
			"them; cancelling them\n", co_loop.unfinished);
		co_cancel_all();
		return;
	}
	poll_once(co_loop.runnable == 0);
}

/* ---- co_run ---- */

static const struct co_backend *backend_of(enum co_backend_kind k)
{
	return (unsigned)k < sizeof backends / sizeof *backends ? backends[k] : NULL;
}

int co_backend_usable(enum co_backend_kind k, const char *prog)
{
	const struct co_backend *b = backend_of(k);
	char why[200] = "no such backend";
	int err = b ? b->open(why, sizeof why) : -EINVAL;

	if (err == 0) {
		b->close();
		return 0;
	}
	fprintf(stderr, "%s: --backend %s: not available here: %s; use --backend epoll\n", prog,
		b ? co_backend_names[k] : "?", why);
	return err;
}

static int loop_open(const struct co_config *cfg)
{
	char why[200];
	int err;

	memset(&co_loop, 0, sizeof co_loop);
	if (cfg)
		co_loop.cfg = *cfg;
	co_loop.backend = backend_of(co_loop.cfg.backend);
	if (co_loop.backend == NULL) {
		fprintf(stderr, "co_run: backend %d: no such backend\n", (int)co_loop.cfg.backend);
		return -EINVAL;
	}
	if ((err = co_loop.backend->open(why, sizeof why)) != 0) {
		fprintf(stderr, "co_run: %s\n", why);
		return err;
	}
	if ((err = co_stack_setup()) != 0) {
		co_loop.backend->close();
		return err;
	}
	co_loop.state = CO_LOOP_RUNNING;
	return 0;
}

static void loop_close(void)
{
	co_tasks_teardown();
	co_offload_teardown();
	co_stack_teardown();
	co_arena_teardown();
	co_loop.backend->close();
	free(co_loop.heap);
	co_loop.state = CO_LOOP_DONE;
}

int co_run(co_fn main, void *arg, intptr_t *value, const struct co_config *cfg)
{
	co_tid id;
	int err;

	if (co_loop.state == CO_LOOP_RUNNING) {
		fprintf(stderr, "co_run: a loop already runs on this thread\n");
		return -EPERM;
	}
	err = loop_open(cfg);
	if (err)
		return err;
	err = co_spawn_main(&id, main, arg);
	if (err) {
		loop_close();
		return err;
	}
	struct co_task *m = co_task_lookup(id);
	while (!m->done)
		turn();
	err = m->status;
	if (value)
		*value = m->value;
	co_cancel_all();
	while (co_loop.unfinished > 0)
		turn();
	loop_close();
	return err;
}

void co_stats(struct co_stats *out)
{
	*out = co_loop.stats;
}
