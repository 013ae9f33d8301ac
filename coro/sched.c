/*
 * sched.c - the M:N scheduler: tasks on every core (co_config.loops = W > 1),
 * the model of Go's runtime and Tokio, cut down to what a reader can hold.
 *
 * Actors.
 *   loop   one per scheduler thread: thread 0 is the one that called
 *          co_run, threads 1..W-1 are started by it. Each is the whole
 *          one-loop runtime of loop.c, owned by its thread: a run queue,
 *          timers, a backend (epoll set or ring), guarded-stack pool, one
 *          shared copy stack, arena, offload pool, counters. A task parked
 *          on a loop (in co_sleep, a descriptor call, a join with a
 *          deadline) has its timer and its descriptor watch there, and
 *          only that thread touches them.
 *   task   runs on one loop at a time, and after any suspension point may
 *          resume on another (a migration): its home is the loop it ran on
 *          last, where it parked.
 *   rt     what the loops of one co_run share (struct co_rt): the task
 *          table, the unfinished count, the done order, and the runtime
 *          lock rt->mu.
 *
 * Who guards what.
 *   rt->mu (the runtime lock) guards the task table and every task's state
 *          that another thread may read or write: park, wake, done,
 *          detached, cancel_pending, waking, watchers, callbacks, groups,
 *          and the timer fields of a parked task. Every task-API entry
 *          point holds it; so does a loop while it fires timers or drains
 *          its inbox and its offload completions. It is counted per thread
 *          (lock_depth) so that nested entries (a done callback that
 *          cancels) do not deadlock. One lock, not one per task: a wait on
 *          several tasks (gather, as_completed) would otherwise take many;
 *          uncontended it costs two atomic operations, and W = 1 skips it.
 *   l->mu  (one per loop) guards its run queues (runq: stealable; pinq:
 *          pinned) and its inbox. Order: rt->mu before l->mu, never two
 *          l->mu at once.
 *
 * Stealing. A loop that has nothing to run takes half of another loop's
 * runq, from the head (the oldest), under the victim's l->mu, trying the
 * others in turn from its right-hand neighbour: the simplest correct queue,
 * a mutex-protected list. (A Chase-Lev deque would make the owner's push
 * and pop lock-free; the measurement did not ask for it: see the figures.)
 * Not everything may be stolen:
 *   - A copy-mode task runs on its loop's shared stack, and its saved stack
 *     holds addresses into that stack, so once started it is pinned: it
 *     goes on its loop's pinq, which nobody steals from. A copy task that
 *     has not started yet has no stack at all and is stolen freely. This
 *     is the price of a million tasks: vm.max_map_count (65530) allows
 *     about 30,000 guarded stacks, so 1,000,000 sleepers must be copy
 *     tasks, and they cannot move once they sleep; they spread at spawn
 *     time, while they are still unstarted.
 *   - A task woken from a descriptor wait resumes on the loop that watched
 *     the descriptor: the backends' frames that span the park (epoll's
 *     retry loop, io_uring's unstage) use that thread's backend state.
 *   A guarded task woken from anything else may run anywhere.
 * co_config.no_steal turns stealing off (to measure what it buys).
 *
 * Waking across threads. co_ready(t) from a thread that is not t's home
 * (a task on B finishing what t on A awaits; a cancel) does not touch t's
 * timer or descriptor: it marks t waking, pushes it on the home loop's
 * inbox under that loop's l->mu, and wakes that loop if it sleeps. The
 * home loop drains its inbox at every turn, under rt->mu: unpark (timer,
 * descriptor), then its run queue. A second wake-up for the same park
 * finds t waking and does nothing, as a second co_ready always did.
 *
 * How idle loops sleep. A loop with nothing to run, nothing in its inbox
 * and nothing to steal sets l->sleeping and rt->idle, looks once more
 * (its own queues and inbox, the others' runq lengths), and only then
 * blocks in its backend's poll, until its earliest timer. Its eventfd is
 * watched by that poll. A thread that gives it work (an inbox push, or any
 * stealable push while rt->idle > 0) exchanges l->sleeping for 0 and
 * writes the eventfd only if it was 1: one write per sleep, no write at all
 * while the loops are busy, and never polling. The flag and the queue
 * lengths are sequentially consistent atomics, so of "set sleeping, then
 * look" and "push, then look at sleeping" one side always sees the other:
 * no lost wake-up.
 *
 * The park race. Task t on A parks (registers a watch, a timer, under
 * rt->mu) and switches to A's scheduler; B may finish what t waits for
 * before t has finished switching out, and must not resume t on a stack
 * A is still on. Go closes it by unlocking on g0, after the switch
 * (park_m). Here the inbox closes it instead: B never makes t runnable, it
 * only hands t to A, and only A's thread puts a task parked on A on a run
 * queue, which it can do only from its scheduler, after co_switch_in has
 * returned. So t drops rt->mu before it switches (no lock changes hands
 * between a task and a scheduler: TSan, which sees each as a fibre of its
 * own, reported the Go-style hand-over as an unlock by the wrong thread).
 * A yielding task is put back on the run queue by its scheduler, after the
 * switch, for the same reason. A task that ends runs its done callbacks on
 * its own stack, then its scheduler, after the switch, marks it done and
 * wakes its joiners (co_task_finished): a joiner on another thread cannot
 * free a stack that is still in use.
 * Invariants: a task on a run queue or in an inbox has switched out; a
 * task parked on loop A is made runnable by A's thread alone; a task is
 * done (collectable) only once it is off its stack for good.
 *
 * Memory. An arena block (a task record, a watch) may be freed on another
 * loop than the one it came from: it goes on the freeing loop's free list
 * and is reused there. Chunks go back only when co_run ends, after every
 * loop has stopped, so a block never outlives its chunk. Guarded stacks go
 * back to the pool of the loop that ran the task last, likewise; their
 * live count (auto mode's limit, vm.max_map_count's) is one for all loops.
 *
 * Termination. Loop 0 runs until main has finished, cancels what is left
 * and runs until no task is unfinished; the task that finishes main or the
 * last task wakes it. Then rt->stop sends the others out of their loops,
 * loop 0 frees the task table, and every loop closes its own.
 * Tasks that wait for each other with nothing left to wake them: one loop
 * notices when it has nothing to run and no timer, descriptor or job to
 * wait for (loop.c). W loops notice together: a loop about to sleep with
 * none of those counts itself in rt->stuck; the one that finds every loop
 * so (rt->stuck == W) and no run queue or inbox holding anything is the
 * only thread left running, the others blocked in a poll that only a loop
 * could end. Nothing can wake anyone: it reports and cancels them all, as
 * one loop does. The count alone is not proof: a loop counted a moment ago
 * may be leaving with a task it took from its inbox, in no queue yet. So
 * each loop that stops counting itself bumps rt->unstuck, and the last one
 * trusts what it read only if that has not moved since before it counted.
 *
 * What one loop does not pay: with W = 1 rt->mt is false, every lock is a
 * test of l->mt, the run queue is loop.c's own, and the frames a sleeping
 * task keeps are the same (96 bytes saved at co_sleep, bench/mem_task
 * --report parts); bench/coro_scale --scale smoke and bench/lat_switch
 * read the same before and after (10,000 copy sleepers 0.103 s, 299-313
 * bytes a task; a coro switch 7.0 ns).
 *
 * Figures (this 2-vCPU VM, shared; ratios from one run each, three runs):
 *   cpu, 8 tasks of n = 10^8:     seq 0.33-0.35 s; threads --workers 2
 *                                 0.20-0.22 s (1.60-1.64x); mn --workers 2
 *                                 0.18-0.19 s (1.82-1.89x, tasks 4 + 5 per
 *                                 loop counting main, 5-6 steals)
 *   cpu, 64 tasks of n = 2*10^7:  steal on 0.30-0.32 s, off 0.56 s (every
 *                                 task on loop 0): 1.76-1.88x; 32-35 steals
 *   io, 1,000,000 x 1 s:          one loop 1.24-1.31 s, 288 MB; 2 loops
 *                                 1.39-1.43 s (1.08-1.12x), 289 MB (1.00x);
 *                                 about 750,000 steals: unstarted tasks are
 *                                 taken half a queue at a time while main
 *                                 still spawns
 *   net, 10,000 x 100 ms:         one loop 0.70-0.77 s, 2 loops 0.63-0.69 s
 * The mutex-protected queue costs a lock per enqueue and dequeue; at
 * these figures (cpu within 2x of seq on 2 cores, io at one loop's
 * memory and 1.1x its wall) the measurement did not ask for Chase-Lev.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "coro_impl.h"

#define LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

/* ---- The runtime lock ---- */

void co_lock_slow(struct co_loop *l)
{
	if (l->lock_depth++ == 0)
		pthread_mutex_lock(&l->rt->mu);
}

void co_unlock_slow(struct co_loop *l)
{
	if (--l->lock_depth == 0)
		pthread_mutex_unlock(&l->rt->mu);
}

/* Hold the lock (a park, a yield); the depth the caller held it at. */
int co_lock_hold(struct co_loop *l)
{
	int depth = l->lock_depth;

	if (l->mt && depth == 0)
		co_lock_slow(l);
	return depth;
}

/* The switch did not happen after all (a cancel was pending): back to depth. */
void co_lock_restore(struct co_loop *l, int depth)
{
	if (l->mt && depth == 0)
		co_unlock_slow(l);
}

/* Before the switch: let go of every hold (the task may resume elsewhere). */
void co_lock_drop(struct co_loop *l)
{
	if (l->mt && l->lock_depth > 0) {
		l->lock_depth = 0;
		pthread_mutex_unlock(&l->rt->mu);
	}
}

/* After the park, on whatever thread: hold it again if the caller did. */
void co_lock_resume(int depth)
{
	struct co_loop *l = co_me();

	if (l->mt && depth > 0) {
		pthread_mutex_lock(&l->rt->mu);
		l->lock_depth = depth;
	}
}

/* ---- Waking a sleeping loop ---- */

static void wake_loop(struct co_loop *v)
{
	const uint64_t one = 1;

	if (__atomic_exchange_n(&v->sleeping, 0, __ATOMIC_SEQ_CST) &&
	    write(v->wake_fd, &one, sizeof one) < 0)
		perror("coro: write to a loop's eventfd");
}

/* New stealable work on l: wake one sleeping loop to take it. */
static void wake_idle(struct co_loop *l)
{
	struct co_rt *rt = l->rt;

	for (int k = 1; k < rt->nloops && LOAD(&rt->idle) > 0; k++) {
		struct co_loop *v = rt->loops[(l->index + k) % rt->nloops];
		if (LOAD(&v->sleeping)) {
			wake_loop(v);
			return;
		}
	}
}

bool co_sched_wake_fd(struct co_loop *l, int fd)
{
	uint64_t count;

	if (fd != l->wake_fd)
		return false;
	if (read(fd, &count, sizeof count) < 0 && errno != EAGAIN)
		perror("coro: read from a loop's eventfd");
	return true;
}

void co_sched_notify(struct co_rt *rt)
{
	wake_loop(rt->loops[0]);
}

/* ---- Run queues ---- */

static void append(struct co_task **head, struct co_task **tail, struct co_task *t)
{
	t->next = NULL;
	if (*tail)
		(*tail)->next = t;
	else
		*head = t;
	*tail = t;
}

void co_sched_enqueue(struct co_loop *l, struct co_task *t, bool pin)
{
	pin = pin || (t->copy_mode && t->started) || !l->rt->steal;
	pthread_mutex_lock(&l->mu);
	if (pin) {
		append(&l->pinq_head, &l->pinq_tail, t);
		STORE(&l->pinned, l->pinned + 1);
	} else {
		append(&l->runq_head, &l->runq_tail, t);
		STORE(&l->runnable, l->runnable + 1);
	}
	pthread_mutex_unlock(&l->mu);
	if (!pin && LOAD(&l->rt->idle) > 0)
		wake_idle(l);
}

static struct co_task *pop(struct co_task **head, struct co_task **tail, long *count)
{
	struct co_task *t = *head;

	*head = t->next;
	if (*head == NULL)
		*tail = NULL;
	STORE(count, *count - 1);
	return t;
}

/* The next task to run here, pinned ones first, or NULL. */
struct co_task *co_sched_dequeue(struct co_loop *l)
{
	struct co_task *t = NULL;

	pthread_mutex_lock(&l->mu);
	if (l->pinq_head)
		t = pop(&l->pinq_head, &l->pinq_tail, &l->pinned);
	else if (l->runq_head)
		t = pop(&l->runq_head, &l->runq_tail, &l->runnable);
	pthread_mutex_unlock(&l->mu);
	if (t == NULL)
		return NULL;
	if (!t->started)
		l->stats.tasks_per_loop[l->index]++;
	else if (t->home != l->index)
		l->stats.migrations++;
	t->home = (uint8_t)l->index;
	return t;
}

/*
 * t has switched out to this scheduler: it parked, yielded, or ended.
 * Only now may anyone run it again, or (ended) free its stack.
 */
void co_sched_after(struct co_loop *l, struct co_task *t)
{
	bool requeue = l->requeue, ended = l->ended;

	l->requeue = l->ended = false;
	if (ended) {
		co_lock(l);
		co_task_finished(t);
		co_task_unstack(t);
		if (t->detached)
			co_task_free(t);
		co_unlock(l);
	} else if (requeue) {
		co_sched_enqueue(l, t, false);
	}
}

/* Half of another loop's runq onto ours: how many were taken. */
static long steal(struct co_loop *l)
{
	struct co_rt *rt = l->rt;

	for (int k = 1; k < rt->nloops; k++) {
		struct co_loop *v = rt->loops[(l->index + k) % rt->nloops];
		struct co_task *first, *last;
		long take;

		if (LOAD(&v->runnable) == 0)
			continue;
		pthread_mutex_lock(&v->mu);
		take = (v->runnable + 1) / 2;
		first = last = v->runq_head;
		for (long i = 1; i < take; i++)
			last = last->next;
		if (take > 0) {
			v->runq_head = last->next;
			if (v->runq_head == NULL)
				v->runq_tail = NULL;
			STORE(&v->runnable, v->runnable - take);
		}
		pthread_mutex_unlock(&v->mu);
		if (take == 0)
			continue;
		last->next = NULL;
		pthread_mutex_lock(&l->mu);
		if (l->runq_tail)
			l->runq_tail->next = first;
		else
			l->runq_head = first;
		l->runq_tail = last;
		STORE(&l->runnable, l->runnable + take);
		pthread_mutex_unlock(&l->mu);
		l->stats.steals += (uint64_t)take;
		return take;
	}
	return 0;
}

/* ---- Cross-thread wake-ups ---- */

/* Under rt->mu: t is parked on another loop; hand it over. */
void co_remote_ready(struct co_loop *l, struct co_task *t, int wake)
{
	struct co_loop *home = l->rt->loops[t->home];

	t->wake = wake;
	t->waking = true;
	pthread_mutex_lock(&home->mu);
	t->next = home->inbox;
	STORE(&home->inbox, t);
	pthread_mutex_unlock(&home->mu);
	l->stats.xwakeups++;
	wake_loop(home);
}

/* Unpark every task other loops have woken for us. */
static void drain_inbox(struct co_loop *l)
{
	struct co_task *t, *next;

	if (LOAD(&l->inbox) == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	t = l->inbox;
	STORE(&l->inbox, NULL);
	pthread_mutex_unlock(&l->mu);
	co_lock(l);
	for (; t; t = next) {
		next = t->next;
		t->waking = false;
		co_ready_here(t);
	}
	co_unlock(l);
}

/* ---- A turn's end: poll, steal or sleep ---- */

static bool has_work(struct co_loop *l)
{
	return LOAD(&l->runnable) + LOAD(&l->pinned) > 0 || LOAD(&l->inbox) != NULL;
}

static bool others_have_work(struct co_loop *l)
{
	struct co_rt *rt = l->rt;

	if (!rt->steal)
		return false;
	for (int k = 1; k < rt->nloops; k++)
		if (LOAD(&rt->loops[(l->index + k) % rt->nloops]->runnable) > 0)
			return true;
	return false;
}

/* Has this loop's reason to run out? Loop 0 waits for main, then for all. */
static bool loop_done(struct co_loop *l)
{
	struct co_rt *rt = l->rt;

	if (l->index != 0)
		return LOAD(&rt->stop);
	return rt->draining ? LOAD(&rt->unfinished) == 0 : LOAD(&rt->main_done);
}

/*
 * Every loop stuck (this one the last), no queue or inbox with a task, and
 * no loop has stopped counting itself stuck since this one read epoch,
 * before it counted itself: so all of them were stuck the whole time the
 * queues were read, and none could take a task out of sight meanwhile (a
 * loop leaving its count may hold a task it drained from its inbox, in
 * neither queue).
 */
static bool all_stuck(struct co_rt *rt, int stuck, long epoch)
{
	if (stuck < rt->nloops || LOAD(&rt->unfinished) == 0)
		return false;
	for (int k = 0; k < rt->nloops; k++)
		if (has_work(rt->loops[k]))
			return false;
	return LOAD(&rt->unstuck) == epoch;
}

/*
 * This loop no longer counts itself stuck. Uncount, then bump the epoch: a
 * loop that read the epoch between the two would count this one and never
 * see it leave.
 */
static void unstick(struct co_rt *rt)
{
	__atomic_sub_fetch(&rt->stuck, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&rt->unstuck, 1, __ATOMIC_SEQ_CST);
}

void co_sched_turn(struct co_loop *l)
{
	struct co_rt *rt = l->rt;
	bool stuck;
	int nstuck = 0;
	long epoch = 0;

	drain_inbox(l);
	if (has_work(l)) {
		co_poll(false);
		return;
	}
	if (rt->steal && steal(l) > 0)
		return;
	if (loop_done(l))
		return;
	stuck = l->timers.live == 0 && l->fd_waits == 0 && l->jobs == 0;
	STORE(&l->sleeping, 1);
	__atomic_add_fetch(&rt->idle, 1, __ATOMIC_SEQ_CST);
	if (stuck) {
		epoch = LOAD(&rt->unstuck);
		nstuck = __atomic_add_fetch(&rt->stuck, 1, __ATOMIC_SEQ_CST);
	}
	if (has_work(l) || others_have_work(l) || loop_done(l)) {
		__atomic_exchange_n(&l->sleeping, 0, __ATOMIC_SEQ_CST);
	} else if (stuck && all_stuck(rt, nstuck, epoch)) {
		/* Not stuck from here on: the tasks it cancels run, maybe on a
		 * loop that will count itself stuck again before this one is done. */
		__atomic_exchange_n(&l->sleeping, 0, __ATOMIC_SEQ_CST);
		unstick(rt);
		stuck = false;
		co_cancel_stuck();
	} else {
		co_poll(true);
	}
	if (stuck)
		unstick(rt);
	STORE(&l->sleeping, 0);
	__atomic_sub_fetch(&rt->idle, 1, __ATOMIC_SEQ_CST);
}

/* ---- Starting and stopping the loops ---- */

/*
 * A gate: every thread of the run waits at it until all of them (the
 * count loop 0 sets once it knows how many threads started) have come.
 */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int arrived, expected;       /* expected 0: not known yet */
};

static void gate_init(struct gate *g)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->arrived = g->expected = 0;
}

static void gate_expect(struct gate *g, int n)
{
	pthread_mutex_lock(&g->mu);
	g->expected = n;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static void gate_pass(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->arrived++;
	pthread_cond_broadcast(&g->cv);
	while (g->expected == 0 || g->arrived < g->expected)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

static void gate_destroy(struct gate *g)
{
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
}

struct run_mt {
	struct co_rt *rt;
	const struct co_config *cfg;
	struct gate opened;          /* every loop open (or failed) */
	struct gate stopped;         /* every loop out of its turns */
	struct gate freed;           /* the task table freed: close */
};

struct helper {
	struct run_mt *run;
	int index;
	int err;
	pthread_t thread;
};

/* Make this thread's loop one of rt's. */
static int mt_open(struct co_rt *rt, int index, const struct co_config *cfg)
{
	int err = co_loop_open(cfg);

	if (err)
		return err;
	co_loop.rt = rt;
	co_loop.mt = true;
	co_loop.index = index;
	pthread_mutex_init(&co_loop.mu, NULL);
	co_loop.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (co_loop.wake_fd < 0 || (err = co_loop.backend->watch(co_loop.wake_fd)) != 0) {
		err = co_loop.wake_fd < 0 ? -errno : err;
		fprintf(stderr, "co_run: loop %d: eventfd: %s\n", index, strerror(-err));
		if (co_loop.wake_fd >= 0)
			close(co_loop.wake_fd);
		co_loop_close(false);
		pthread_mutex_destroy(&co_loop.mu);
		return err;
	}
	rt->loops[index] = &co_loop;
	return 0;
}

static void mt_close(void)
{
	co_loop_close(false);
	close(co_loop.wake_fd);
	pthread_mutex_destroy(&co_loop.mu);
	co_loop.rt = NULL;
	co_loop.mt = false;
}

static void *helper_main(void *arg)
{
	struct helper *h = arg;
	struct run_mt *r = h->run;

	h->err = mt_open(r->rt, h->index, r->cfg);
	gate_pass(&r->opened);
	if (h->err == 0)
		while (!LOAD(&r->rt->stop))
			co_run_turn();
	gate_pass(&r->stopped);
	gate_pass(&r->freed);
	if (h->err == 0)
		mt_close();
	return NULL;
}

static void add_stats(struct co_stats *sum, const struct co_stats *s, int index)
{
	sum->switches += s->switches;
	sum->spawned += s->spawned;
	sum->copy_bytes += s->copy_bytes;
	sum->guarded_live_max += s->guarded_live_max;
	sum->copy_live_max += s->copy_live_max;
	for (int k = 0; k < CO_SYS_KINDS; k++)
		sum->syscalls[k] += s->syscalls[k];
	sum->steals += s->steals;
	sum->migrations += s->migrations;
	sum->xwakeups += s->xwakeups;
	sum->tasks_per_loop[index] = s->tasks_per_loop[index];
}

/* Loop 0's part, once every loop is open: main, then everything. */
static int drive(struct co_rt *rt, co_fn main, void *arg, intptr_t *value)
{
	struct co_task *m;
	int err;

	co_lock(&co_loop);
	err = co_spawn_main(&rt->main_id, main, arg);
	co_unlock(&co_loop);
	if (err)
		return err;
	while (!LOAD(&rt->main_done))
		co_run_turn();
	co_lock(&co_loop);
	m = co_task_lookup(rt->main_id);
	err = m->status;
	if (value)
		*value = m->value;
	co_unlock(&co_loop);
	co_cancel_all();
	rt->draining = true;
	while (LOAD(&rt->unfinished) > 0)
		co_run_turn();
	return err;
}

/* Send every loop out of its turns. */
static void stop_all(struct co_rt *rt, struct helper *h, int started)
{
	const uint64_t one = 1;

	STORE(&rt->stop, true);
	for (int k = 1; k < started; k++)
		if (h[k].err == 0 && write(rt->loops[k]->wake_fd, &one, sizeof one) < 0)
			perror("coro: write to a loop's eventfd");
}

int co_run_mt(co_fn main, void *arg, intptr_t *value, const struct co_config *cfg)
{
	int n = cfg->loops, started = 1, err;
	struct co_rt *rt;
	struct helper *h;
	struct run_mt r;
	struct co_stats sum;

	if (n > CO_LOOPS_MAX) {
		fprintf(stderr, "co_run: %d loops: at most %d\n", n, CO_LOOPS_MAX);
		return -EINVAL;
	}
	rt = calloc(1, sizeof *rt);
	h = calloc((size_t)n, sizeof *h);
	if (rt == NULL || h == NULL) {
		free(rt);
		free(h);
		return -ENOMEM;
	}
	*rt = (struct co_rt){ .mt = true, .steal = !cfg->no_steal, .nloops = n };
	pthread_mutex_init(&rt->mu, NULL);
	r = (struct run_mt){ .rt = rt, .cfg = cfg };
	gate_init(&r.opened);
	gate_init(&r.stopped);
	gate_init(&r.freed);
	if ((err = mt_open(rt, 0, cfg)) != 0)
		goto out;
	for (; started < n; started++) {
		h[started] = (struct helper){ .run = &r, .index = started };
		err = -pthread_create(&h[started].thread, NULL, helper_main, &h[started]);
		if (err) {
			fprintf(stderr, "co_run: pthread_create for loop %d of %d: %s; running %d\n",
				started, n, strerror(-err), started);
			break;
		}
	}
	rt->nloops = started;       /* before the gate: the others read it after */
	gate_expect(&r.opened, started);
	gate_expect(&r.stopped, started);
	gate_expect(&r.freed, started);
	gate_pass(&r.opened);
	err = 0;
	for (int k = 1; k < started; k++)
		if (h[k].err && !err)
			err = h[k].err;
	if (err == 0)
		err = drive(rt, main, arg, value);
	stop_all(rt, h, started);
	gate_pass(&r.stopped);
	sum = (struct co_stats){ .loops = started };
	for (int k = 0; k < started; k++)
		if (k == 0 || h[k].err == 0)
			add_stats(&sum, &rt->loops[k]->stats, k);
	co_tasks_teardown();
	gate_pass(&r.freed);
	for (int k = 1; k < started; k++)
		pthread_join(h[k].thread, NULL);
	mt_close();
	co_loop.stats = sum;
out:
	gate_destroy(&r.opened);
	gate_destroy(&r.stopped);
	gate_destroy(&r.freed);
	pthread_mutex_destroy(&rt->mu);
	free(rt);
	free(h);
	return err;
}
