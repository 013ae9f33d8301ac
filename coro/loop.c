/*
 * loop.c - the scheduler: a FIFO run queue, timers of absolute
 * CLOCK_MONOTONIC deadlines (timer.c; the backend waits until the earliest
 * one, never waking early), and co_run, which owns it all. How the kernel is
 * asked about descriptors and time is the backend's business alone
 * (loop_epoll.c, loop_uring.c, behind struct co_backend).
 *
 * Tasks switch only to the scheduler and back (as in libtask): the
 * scheduler runs on co_run's own stack, which is what lets copy-mode tasks
 * share one stack. This file is one loop; with co_config.loops > 1 there is
 * one per scheduler thread and sched.c joins them (the locks below are
 * no-ops with one loop: l->mt is false).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coro_impl.h"

_Thread_local struct co_loop co_loop;

/*
 * This thread's loop. A task may resume on another thread (sched.c), and
 * the compiler may keep the address of a thread-local variable in a
 * register across a call, so code on a task's stack that runs after a
 * suspension reads its loop through here: an opaque call each time.
 */
__attribute__((noinline)) struct co_loop *co_me(void)
{
	struct co_loop *l = &co_loop;

	__asm__ volatile("" : "+r"(l));
	return l;
}

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
	if (co_loop.mt) {
		co_sched_enqueue(&co_loop, t, false);
		return;
	}
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

/* ---- Parking and waking ---- */

/*
 * Take t off its timer and, if it waits in a descriptor call, off that:
 * false while the kernel still holds the call (the backend wakes t later).
 */
static bool unpark(struct co_task *t)
{
	if (t->timed)
		co_timer_del(t);
	if (t->park == CO_PARK_FD && !co_loop.backend->release(t))
		return false;
	t->park = CO_PARK_NONE;
	return true;
}

/*
 * Make parked task t runnable (t->wake set). A task woken from a
 * descriptor wait stays on this loop: the backend's frames that span its
 * park use this thread's backend state (sched.c).
 */
void co_ready_here(struct co_task *t)
{
	bool pin = t->park == CO_PARK_FD;

	if (!unpark(t))
		return;
	if (co_loop.mt)
		co_sched_enqueue(&co_loop, t, pin);
	else
		co_enqueue(t);
}

/*
 * Make parked task t runnable; its suspension point returns wake. A task
 * parked on another loop is handed to it (sched.c): its timer and
 * descriptor belong to that thread.
 */
void co_ready(struct co_task *t, int wake)
{
	struct co_loop *l = &co_loop;

	co_lock(l);
	if (t->park != CO_PARK_NONE && !t->waking) {
		if (l->mt && t->home != l->index) {
			co_remote_ready(l, t, wake);
		} else {
			t->wake = wake;
			co_ready_here(t);
		}
	}
	co_unlock(l);
}

/* A cancel was pending at co_park: undo what the caller registered. */
static __attribute__((noinline, cold)) int park_cancelled(struct co_task *t, enum co_park why)
{
	t->park = why;
	t->cancel_pending = false;
	unpark(t);
	return -ECANCELED;
}

/*
 * Suspend the running task until co_ready (or the deadline: 0 for a sleep,
 * -ETIMEDOUT otherwise). A pending cancel is delivered instead, at once (a
 * backend undoes a call not yet handed to the kernel at once).
 * The caller has registered whatever will wake it. The cancel path is a
 * function of its own so that this frame, which every parked task keeps
 * (and a copy task saves), holds one register.
 */
/*
 * With other loops about: park under the runtime lock, drop it whole for
 * the switch (only this thread can make t runnable again, sched.c), and
 * take it back as the caller held it, perhaps on another thread, so the
 * loop is read afresh. Three functions so that the frame a parked task
 * keeps (and a copy task saves) holds one register, the depth: 1,000,000
 * sleepers saved 48 bytes more each with all of it in one.
 */
static __attribute__((noinline)) int park_begin(enum co_park why, int64_t deadline)
{
	struct co_loop *l = co_me();
	struct co_task *t = l->current;
	int depth = co_lock_hold(l);

	if (t->cancel_pending) {
		park_cancelled(t, why);
		co_lock_restore(l, depth);
		return -1;
	}
	t->park = why;
	t->deadline = deadline;
	if (deadline != CO_FOREVER)
		co_timer_add(t);
	co_lock_drop(l);
	return depth;
}

static __attribute__((noinline)) void park_switch(void)
{
	co_switch_out(co_me()->current, false);
}

static __attribute__((noinline)) int park_mt(enum co_park why, int64_t deadline)
{
	int depth = park_begin(why, deadline);

	if (depth < 0)
		return -ECANCELED;
	park_switch();
	co_lock_resume(depth);
	return co_me()->current->wake;
}

int co_park(enum co_park why, int64_t deadline)
{
	struct co_task *t = co_loop.current;

	if (co_loop.mt)
		return park_mt(why, deadline);
	if (t->cancel_pending)
		return park_cancelled(t, why);
	t->park = why;
	t->deadline = deadline;
	if (deadline != CO_FOREVER)
		co_timer_add(t);
	co_switch_out(t, false);
	return t->wake;
}

/* ---- One turn of the loop ---- */

static void fire_timers(void)
{
	int64_t now = co_now();

	struct co_task *t;

	co_lock(&co_loop);
	while ((t = co_timer_first()) != NULL && t->deadline <= now) {
		/* Another loop has woken it since this one drained its inbox:
		 * that wake-up stands, the inbox makes t runnable; only the
		 * timer goes (co_ready would leave it, and this would spin). */
		if (t->waking)
			co_timer_del(t);
		else
			co_ready(t, t->park == CO_PARK_SLEEP ? 0 : -ETIMEDOUT);
	}
	co_unlock(&co_loop);
}

/* Wait for descriptors, timers or offload completions (block: as long as needed). */
void co_poll(bool block)
{
	struct co_task *first = block ? co_timer_first() : NULL;
	int64_t until = !block ? 0 : first ? first->deadline : CO_FOREVER;
	int fds[16];
	int n = co_loop.backend->poll(fds, 16, until);

	for (int i = 0; i < n; i++)
		if (co_offload_fd(fds[i]))
			co_offload_drain();
		else if (co_loop.mt)
			co_sched_wake_fd(&co_loop, fds[i]);
	fire_timers();
}

/* Run each task that is runnable now once (new arrivals wait a turn). */
static void run_ready(void)
{
	for (long n = co_loop.runnable; n > 0; n--) {
		struct co_task *t = dequeue();
		co_switch_in(t);
		if (co_loop.requeue) {
			co_loop.requeue = false;
			co_enqueue(t);
		}
		if (t->done) {
			co_task_unstack(t);
			if (t->detached)
				co_task_free(t);
		}
	}
}

/* The same with other loops about: queues locked, t handed back by sched.c. */
static void run_ready_mt(void)
{
	long n = __atomic_load_n(&co_loop.runnable, __ATOMIC_RELAXED) +
		 __atomic_load_n(&co_loop.pinned, __ATOMIC_RELAXED);

	for (; n > 0; n--) {
		struct co_task *t = co_sched_dequeue(&co_loop);
		if (t == NULL)
			break;
		co_switch_in(t);
		co_sched_after(&co_loop, t);
	}
}

/* One turn: run what is runnable, then poll (waiting only if nothing is). */
void co_run_turn(void)
{
	if (co_loop.mt) {
		run_ready_mt();
		co_sched_turn(&co_loop);
		return;
	}
	run_ready();
	if (co_loop.rt->unfinished == 0)
		return;
	if (co_loop.runnable == 0 && co_loop.timers.live == 0 && co_loop.fd_waits == 0 &&
	    co_loop.jobs == 0) {
		co_cancel_stuck();
		return;
	}
	co_poll(co_loop.runnable == 0);
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

int co_loop_open(const struct co_config *cfg)
{
	char why[200];
	int err;

	memset(&co_loop, 0, sizeof co_loop);
	co_loop.wake_fd = -1;
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

void co_loop_close(bool tasks)
{
	if (tasks)
		co_tasks_teardown();
	co_offload_teardown();
	co_stack_teardown();
	co_arena_teardown();
	co_loop.backend->close();
	co_timers_teardown();
	co_loop.state = CO_LOOP_DONE;
}

int co_run(co_fn main, void *arg, intptr_t *value, const struct co_config *cfg)
{
	struct co_rt rt = { .nloops = 1 };
	co_tid id;
	int err;

	if (co_loop.state == CO_LOOP_RUNNING) {
		fprintf(stderr, "co_run: a loop already runs on this thread\n");
		return -EPERM;
	}
	if (cfg && cfg->loops > 1)
		return co_run_mt(main, arg, value, cfg);
	err = co_loop_open(cfg);
	if (err)
		return err;
	co_loop.rt = &rt;
	rt.loops[0] = &co_loop;
	err = co_spawn_main(&id, main, arg);
	if (err) {
		co_loop_close(true);
		return err;
	}
	struct co_task *m = co_task_lookup(id);
	while (!m->done)
		co_run_turn();
	err = m->status;
	if (value)
		*value = m->value;
	co_cancel_all();
	while (rt.unfinished > 0)
		co_run_turn();
	co_loop_close(true);
	co_loop.rt = NULL;
	co_loop.stats.loops = 1;
	co_loop.stats.tasks_per_loop[0] = co_loop.stats.spawned;
	return err;
}

void co_stats(struct co_stats *out)
{
	*out = co_loop.stats;
}
