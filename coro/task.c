/*
 * task.c - the task API of coro.h: the task table, spawning, finishing, and
 * the waits built on one primitive, wait_any (park until one of a set of
 * tasks finishes). Everything a waiter leaves behind lives on the heap, not
 * on its stack, because a copy-mode stack is elsewhere while it sleeps.
 *
 * With more than one loop (sched.c) the table and every task's state are
 * the runtime lock's: each entry point holds it (co_lock), a wait gives it
 * up while parked, and a task may come back on another thread, so the
 * loop is always read afresh through co_me(), never kept across a wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coro_impl.h"

struct co_watch {                   /* "wake waiter when I finish" */
	co_tid waiter;
	uint64_t epoch;             /* the waiter's wait_epoch when added */
	struct co_watch *next;
};

struct co_callback {
	co_done_fn fn;
	void *data;
	struct co_callback *next;
};

struct co_group {
	co_tid *ids;
	size_t n, cap;
	int failure;                /* the first failing status, or 0 */
};

/* ---- The task table: id = generation << 32 | slot, slot 0 unused ---- */

static struct co_rt *rt(void)
{
	return co_me()->rt;
}

struct co_task *co_task_lookup(co_tid id)
{
	struct co_rt *r = rt();
	uint64_t slot = id & 0xffffffffu;

	if (slot == 0 || slot >= (uint64_t)r->nslots || r->gens[slot] != id >> 32)
		return NULL;
	return r->slots[slot];
}

/* The task behind id, or NULL after a message naming call and id. */
static struct co_task *find(const char *call, co_tid id)
{
	struct co_task *t = co_task_lookup(id);

	if (t == NULL)
		fprintf(stderr, "%s: task %llu does not exist (never spawned, or already "
			"collected)\n", call, (unsigned long long)id);
	return t;
}

static int slot_new(void)
{
	struct co_rt *r = rt();

	if (r->nfree)
		return (int)r->free_slots[--r->nfree];
	if (r->nslots == r->slots_cap) {
		long cap = r->slots_cap ? 2 * r->slots_cap : 1024;
		struct co_task **s = realloc(r->slots, (size_t)cap * sizeof *s);
		if (s)
			r->slots = s;
		uint32_t *g = realloc(r->gens, (size_t)cap * sizeof *g);
		if (g)
			r->gens = g;
		long *f = realloc(r->free_slots, (size_t)cap * sizeof *f);
		if (f)
			r->free_slots = f;
		if (!s || !g || !f)
			return -ENOMEM;
		r->slots_cap = cap;
		if (r->nslots == 0)
			r->nslots = 1;
	}
	r->gens[r->nslots] = 0;
	return (int)r->nslots++;
}

void co_task_free(struct co_task *t)
{
	uint64_t slot = t->id & 0xffffffffu;

	while (t->watchers) {
		struct co_watch *w = t->watchers;
		t->watchers = w->next;
		co_free(w, sizeof *w);
	}
	while (t->callbacks) {
		struct co_callback *c = t->callbacks;
		t->callbacks = c->next;
		free(c);
	}
	co_task_unstack(t);
	struct co_rt *r = rt();
	r->slots[slot] = NULL;
	r->gens[slot]++;
	r->free_slots[r->nfree++] = (long)slot;
	co_free(t, sizeof *t);
}

/* ---- Spawning and finishing ---- */

static int spawn(co_tid *id, co_fn fn, void *arg, struct co_group *g)
{
	struct co_rt *r = rt();
	struct co_task *t = co_alloc(sizeof *t);
	int slot = t ? slot_new() : -ENOMEM;
	int err;

	if (slot < 0) {
		co_free(t, sizeof *t);
		return -ENOMEM;
	}
	t->id = (uint64_t)r->gens[slot] << 32 | (uint64_t)slot;
	t->fn = fn;
	t->arg = arg;
	t->group = g;
	t->fd = -1;
	t->home = (uint8_t)co_me()->index;
	r->slots[slot] = t;
	err = co_task_stack(t);
	if (err) {
		co_task_free(t);
		return err;
	}
	__atomic_store_n(&r->unfinished, r->unfinished + 1, __ATOMIC_RELAXED);
	co_me()->stats.spawned++;
	co_enqueue(t);
	*id = t->id;
	return 0;
}

int co_spawn_main(co_tid *id, co_fn fn, void *arg)
{
	return spawn(id, fn, arg, NULL);
}

int co_spawn(co_tid *id, co_fn fn, void *arg)
{
	int err;

	if (!co_usable("co_spawn"))
		return -EPERM;
	co_lock(co_me());
	err = spawn(id, fn, arg, NULL);
	co_unlock(co_me());
	return err;
}

static void cancel_task(struct co_task *t)
{
	if (t->done)
		return;
	/* A task waiting for a worker thread hears of it when the job ends. */
	if (t->park != CO_PARK_NONE && t->park != CO_PARK_JOB)
		co_ready(t, -ECANCELED);
	else
		t->cancel_pending = true;
}

static void group_failed(struct co_group *g, struct co_task *t)
{
	if (g->failure || t->status == 0 || t->status == -ECANCELED)
		return;
	g->failure = t->status;
	for (size_t i = 0; i < g->n; i++) {
		struct co_task *s = co_task_lookup(g->ids[i]);
		if (s && s != t)
			cancel_task(s);
	}
}

/*
 * t is over: mark it done, wake its waiters. With one loop finish() does
 * it at once; with more, the scheduler does once t has switched out for
 * good (sched.c), so that a joiner on another thread cannot free the
 * stack t still runs on. Under the runtime lock.
 */
void co_task_finished(struct co_task *t)
{
	struct co_rt *r = rt();

	t->done = true;
	t->cancel_pending = false;
	t->done_seq = ++r->done_seq;
	__atomic_store_n(&r->unfinished, r->unfinished - 1, __ATOMIC_RELAXED);
	if (t->id == r->main_id)
		__atomic_store_n(&r->main_done, true, __ATOMIC_RELAXED);
	if (t->group)
		group_failed(t->group, t);
	while (t->watchers) {
		struct co_watch *w = t->watchers;
		struct co_task *waiter = co_task_lookup(w->waiter);
		if (waiter && waiter->park == CO_PARK_TASKS && waiter->wait_epoch == w->epoch)
			co_ready(waiter, 0);
		t->watchers = w->next;
		co_free(w, sizeof *w);
	}
	if (r->mt && (t->id == r->main_id || r->unfinished == 0))
		co_sched_notify(r);
}

/*
 * t's function has returned: run its callbacks (on its own stack), then
 * finish it (now, or with other loops about once it has switched out). Not
 * inlined: co_task_main's frame lies under every suspended task's, and a
 * copy task saves it at each switch; without this it needs four registers.
 */
static __attribute__((noinline)) void finish(struct co_task *t)
{
	struct co_loop *l = co_me();

	co_lock(l);
	for (struct co_callback *c = t->callbacks; c; c = c->next)
		c->fn(t->id, t->status, t->value, c->data);
	t->ending = true;           /* a callback added from now on runs at once */
	if (l->mt)
		l->ended = true;    /* the scheduler finishes it (sched.c) */
	else
		co_task_finished(t);
	co_unlock(l);
}

/* Every task starts here (co_ctx_make's fn) and never returns. */
void co_task_main(void *task)
{
	struct co_task *t = task;

	co_fiber_started();
	if (co_take_cancel())           /* cancelled before it ever ran */
		t->status = -ECANCELED;
	else
		t->status = t->fn(t->arg, &t->value);
	finish(t);
	co_switch_out(t, true);
}

co_tid co_self(void)
{
	struct co_loop *l = co_me();

	return l->current ? l->current->id : 0;
}

/* Take the running task's pending cancel, if any. Not inlined: co_task_main
 * lies under every suspended task, and its frame must stay one register. */
__attribute__((noinline)) bool co_take_cancel(void)
{
	struct co_loop *l = co_me();
	struct co_task *t = l->current;
	bool c;

	co_lock(l);
	c = t->cancel_pending;
	t->cancel_pending = false;
	co_unlock(l);
	return c;
}

/* The scheduler puts the task back on the run queue once it has switched out. */
int co_yield(void)
{
	struct co_loop *l = co_me();
	struct co_task *t = l->current;
	int depth;

	if (!co_usable("co_yield"))
		return -EPERM;
	depth = co_lock_hold(l);
	if (t->cancel_pending) {
		t->cancel_pending = false;
		co_lock_restore(l, depth);
		return -ECANCELED;
	}
	co_lock_drop(l);
	l->requeue = true;
	co_switch_out(t, false);
	co_lock_resume(depth);
	return 0;
}

int co_sleep(int64_t deadline)
{
	if (!co_usable("co_sleep"))
		return -EPERM;
	return co_park(CO_PARK_SLEEP, deadline);
}

static int cancel(co_tid id)
{
	struct co_task *t;

	if ((t = find("co_cancel", id)) == NULL)
		return -ESRCH;
	cancel_task(t);
	return 0;
}

void co_cancel_all(void)
{
	struct co_rt *r = rt();

	co_lock(co_me());
	for (long s = 1; s < r->nslots; s++)
		if (r->slots[s])
			cancel_task(r->slots[s]);
	co_unlock(co_me());
}

/* Tasks wait for each other and nothing can wake them (loop.c, sched.c). */
void co_cancel_stuck(void)
{
	fprintf(stderr, "co_run: %ld tasks wait for each other and nothing can wake "
		"them; cancelling them\n", __atomic_load_n(&rt()->unfinished, __ATOMIC_SEQ_CST));
	co_cancel_all();
}

void co_tasks_teardown(void)
{
	struct co_rt *r = rt();

	for (long s = 1; s < r->nslots; s++)
		if (r->slots[s])
			co_task_free(r->slots[s]);
	free(r->slots);
	free(r->gens);
	free(r->free_slots);
}

/* ---- Waiting ---- */

/* Add a watch on t for the running task's current wait; drop its stale ones. */
static int watch(struct co_task *t, struct co_task *self)
{
	struct co_watch **p = &t->watchers, *w;

	while ((w = *p) != NULL) {
		if (w->waiter == self->id && w->epoch != self->wait_epoch) {
			*p = w->next;
			co_free(w, sizeof *w);
		} else {
			p = &w->next;
		}
	}
	w = co_alloc(sizeof *w);
	if (w == NULL)
		return -ENOMEM;
	*w = (struct co_watch){ self->id, self->wait_epoch, t->watchers };
	t->watchers = w;
	return 0;
}

/*
 * No memory to watch a task: let the others run once and report no news;
 * the caller looks again (a poll, until memory comes back).
 */
static int wait_unwatched(int64_t deadline)
{
	if (deadline != CO_FOREVER && co_now() >= deadline)
		return -ETIMEDOUT;
	return co_yield();
}

/*
 * Park until one of ids[0..n) has finished: 0 at once if one has, else what
 * the wait returns (0, -ETIMEDOUT at deadline, -ECANCELED, -ESRCH). A wait
 * that could never end is -EDEADLK (the running task is among ids). Every
 * other return means "look again": callers loop until the task is done.
 */
static int wait_any(const char *call, const co_tid *ids, size_t n, int64_t deadline)
{
	struct co_task *self = co_me()->current;

	for (size_t i = 0; i < n; i++) {
		struct co_task *t = find(call, ids[i]);
		if (t == NULL)
			return -ESRCH;
		if (t->done)
			return 0;
		if (t == self) {
			fprintf(stderr, "%s: task %llu waits for itself\n", call,
				(unsigned long long)self->id);
			return -EDEADLK;
		}
	}
	self->wait_epoch++;
	for (size_t i = 0; i < n; i++)
		if (watch(co_task_lookup(ids[i]), self) != 0)
			return wait_unwatched(deadline);
	return co_park(CO_PARK_TASKS, deadline);
}

/* Take a finished task's outcome and free it. */
static int collect(struct co_task *t, intptr_t *value)
{
	int status = t->status;

	if (value)
		*value = t->value;
	co_task_free(t);
	return status;
}

static int join_locked(co_tid id, intptr_t *value)
{
	struct co_task *t;

	while ((t = find("co_join", id)) != NULL && !t->done) {
		if (t->detached) {
			fprintf(stderr, "co_join: task %llu is detached\n", (unsigned long long)id);
			return -ESRCH;
		}
		int err = wait_any("co_join", &id, 1, CO_FOREVER);
		if (err)
			return err;
	}
	return t ? collect(t, value) : -ESRCH;
}

static int detach_locked(co_tid id)
{
	struct co_task *t;

	if ((t = find("co_detach", id)) == NULL)
		return -ESRCH;
	if (t->done)
		co_task_free(t);
	else
		t->detached = true;
	return 0;
}

/*
 * co_gather's and co_group_wait's wait for member ids[i]: until it has
 * finished; then it is returned. The first time the waiter is cancelled,
 * ids[i..n) are cancelled and the wait goes on (*cancelled = -ECANCELED).
 * NULL with *err set when there is nothing to wait for: -ESRCH (no such
 * task) or -EDEADLK (the waiter is ids[i]; it is left alone).
 */
static struct co_task *await_member(const char *call, const co_tid *ids, size_t i, size_t n,
				    int *cancelled, int *err)
{
	struct co_task *t;

	*err = 0;
	while ((t = find(call, ids[i])) != NULL && !t->done) {
		int e = wait_any(call, &ids[i], 1, CO_FOREVER);
		if (e == -ECANCELED && !*cancelled) {
			*cancelled = -ECANCELED;
			for (size_t k = i; k < n; k++)
				if (co_task_lookup(ids[k]))
					cancel_task(co_task_lookup(ids[k]));
		} else if (e == -EDEADLK || e == -ESRCH) {
			*err = e;
			return NULL;
		}
	}
	if (t == NULL)
		*err = -ESRCH;
	return t;
}

static int gather_locked(const co_tid *ids, size_t n, intptr_t *values, int *errs)
{
	int first = 0, cancelled = 0;

	for (size_t i = 0; i < n; i++) {
		int st;
		struct co_task *t = await_member("co_gather", ids, i, n, &cancelled, &st);
		if (t)
			st = collect(t, values ? &values[i] : NULL);
		if (errs)
			errs[i] = st;
		if (first == 0)
			first = st;
	}
	return cancelled ? cancelled : first;
}

/* Index of the task in ids[0..n) that finished first, or -1 if none has. */
static long first_done(const co_tid *ids, size_t n)
{
	long best = -1;
	uint64_t seq = UINT64_MAX;

	for (size_t i = 0; i < n; i++) {
		struct co_task *t = co_task_lookup(ids[i]);
		if (t && t->done && t->done_seq < seq) {
			seq = t->done_seq;
			best = (long)i;
		}
	}
	return best;
}

static int wait_first_locked(const co_tid *ids, size_t n, int64_t deadline)
{
	long i;

	if (n == 0)
		return -EINVAL;
	while ((i = first_done(ids, n)) < 0) {
		int err = wait_any("co_wait_first", ids, n, deadline);
		if (err)
			return err;
	}
	return (int)i;
}

int co_next_completed(co_tid *ids, size_t *n, co_tid *done)
{
	int i = co_wait_first(ids, *n, CO_FOREVER);

	if (i < 0)
		return i;
	*done = ids[i];
	memmove(&ids[i], &ids[i + 1], (*n - (size_t)i - 1) * sizeof *ids);
	(*n)--;
	return 0;
}

static int wait_for_locked(co_tid id, int64_t deadline, intptr_t *value)
{
	struct co_task *t;
	int err = 0;

	while ((t = find("co_wait_for", id)) != NULL && !t->done && err == 0)
		err = wait_any("co_wait_for", &id, 1, deadline);
	if (t == NULL)
		return -ESRCH;
	if (t->done)
		return collect(t, value);
	if (err != -ETIMEDOUT && err != -ECANCELED)
		return err;
	/* Timed out or cancelled ourselves: the task goes too, after its cleanup. */
	cancel_task(t);
	join_locked(id, NULL);
	return err;
}

static int on_done_locked(co_tid id, co_done_fn fn, void *data)
{
	struct co_task *t;
	struct co_callback *c, **p;

	if ((t = find("co_on_done", id)) == NULL)
		return -ESRCH;
	if (t->done || t->ending) {
		fn(t->id, t->status, t->value, data);
		return 0;
	}
	if ((c = malloc(sizeof *c)) == NULL)
		return -ENOMEM;
	*c = (struct co_callback){ fn, data, NULL };
	for (p = &t->callbacks; *p; p = &(*p)->next)
		;
	*p = c;
	return 0;
}

/* ---- Task groups ---- */

int co_group_new(struct co_group **g)
{
	if (!co_usable("co_group_new"))
		return -EPERM;
	*g = calloc(1, sizeof **g);
	return *g ? 0 : -ENOMEM;
}

static int group_spawn_locked(struct co_group *g, co_tid *id, co_fn fn, void *arg)
{
	int err;

	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 8;
		co_tid *ids = realloc(g->ids, cap * sizeof *ids);
		if (ids == NULL)
			return -ENOMEM;
		g->ids = ids;
		g->cap = cap;
	}
	err = spawn(&g->ids[g->n], fn, arg, g);
	if (err)
		return err;
	/* A member has failed already (on another loop, while the owner still
	 * spawns): the newcomer is one of "the rest". */
	if (g->failure)
		cancel_task(co_task_lookup(g->ids[g->n]));
	if (id)
		*id = g->ids[g->n];
	g->n++;
	return 0;
}

static int group_wait_locked(struct co_group *g)
{
	int cancelled = 0, failure, err;

	for (size_t i = 0; i < g->n; i++) {
		struct co_task *t = await_member("co_group_wait", g->ids, i, g->n, &cancelled, &err);
		if (err == -EDEADLK)
			return err;     /* a member waits for its own group: the group stays */
		if (t)
			collect(t, NULL);
	}
	failure = g->failure;
	free(g->ids);
	free(g);
	return cancelled ? cancelled : failure;
}

/* ---- The entry points: misuse checked, the runtime lock held ---- */

#define LOCKED(name, call)                              \
	do {                                            \
		int err_;                               \
		if (!co_usable(name))                   \
			return -EPERM;                  \
		co_lock(co_me());                       \
		err_ = (call);                          \
		co_unlock(co_me());                     \
		return err_;                            \
	} while (0)

int co_join(co_tid id, intptr_t *value)
{
	LOCKED("co_join", join_locked(id, value));
}

int co_detach(co_tid id)
{
	LOCKED("co_detach", detach_locked(id));
}

int co_cancel(co_tid id)
{
	LOCKED("co_cancel", cancel(id));
}

int co_gather(const co_tid *ids, size_t n, intptr_t *values, int *errs)
{
	LOCKED("co_gather", gather_locked(ids, n, values, errs));
}

int co_wait_first(const co_tid *ids, size_t n, int64_t deadline)
{
	LOCKED("co_wait_first", wait_first_locked(ids, n, deadline));
}

int co_wait_for(co_tid id, int64_t deadline, intptr_t *value)
{
	LOCKED("co_wait_for", wait_for_locked(id, deadline, value));
}

int co_on_done(co_tid id, co_done_fn fn, void *data)
{
	LOCKED("co_on_done", on_done_locked(id, fn, data));
}

int co_group_spawn(struct co_group *g, co_tid *id, co_fn fn, void *arg)
{
	LOCKED("co_group_spawn", group_spawn_locked(g, id, fn, arg));
}

int co_group_wait(struct co_group *g)
{
	LOCKED("co_group_wait", group_wait_locked(g));
}
