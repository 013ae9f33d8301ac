/*
 * task.c - the task API of coro.h: the task table, spawning, finishing, and
 * the waits built on one primitive, wait_any (park until one of a set of
 * tasks finishes). Everything a waiter leaves behind lives on the heap, not
 * on its stack, because a copy-mode stack is elsewhere while it sleeps.
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

struct co_task *co_task_lookup(co_tid id)
{
	uint64_t slot = id & 0xffffffffu;

	if (slot == 0 || slot >= (uint64_t)co_loop.nslots || co_loop.gens[slot] != id >> 32)
		return NULL;
	return co_loop.slots[slot];
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
	if (co_loop.nfree)
		return (int)co_loop.free_slots[--co_loop.nfree];
	if (co_loop.nslots == co_loop.slots_cap) {
		long cap = co_loop.slots_cap ? 2 * co_loop.slots_cap : 1024;
		struct co_task **s = realloc(co_loop.slots, (size_t)cap * sizeof *s);
		if (s)
			co_loop.slots = s;
		uint32_t *g = realloc(co_loop.gens, (size_t)cap * sizeof *g);
		if (g)
			co_loop.gens = g;
		long *f = realloc(co_loop.free_slots, (size_t)cap * sizeof *f);
		if (f)
			co_loop.free_slots = f;
		if (!s || !g || !f)
			return -ENOMEM;
		co_loop.slots_cap = cap;
		if (co_loop.nslots == 0)
			co_loop.nslots = 1;
	}
	co_loop.gens[co_loop.nslots] = 0;
	return (int)co_loop.nslots++;
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
	co_loop.slots[slot] = NULL;
	co_loop.gens[slot]++;
	co_loop.free_slots[co_loop.nfree++] = (long)slot;
	co_free(t, sizeof *t);
}

/* ---- Spawning and finishing ---- */

static int spawn(co_tid *id, co_fn fn, void *arg, struct co_group *g)
{
	struct co_task *t = co_alloc(sizeof *t);
	int slot = t ? slot_new() : -ENOMEM;
	int err;

	if (slot < 0) {
		co_free(t, sizeof *t);
		return -ENOMEM;
	}
	t->id = (uint64_t)co_loop.gens[slot] << 32 | (uint64_t)slot;
	t->fn = fn;
	t->arg = arg;
	t->group = g;
	t->heap_index = -1;
	t->fd = -1;
	co_loop.slots[slot] = t;
	err = co_task_stack(t);
	if (err) {
		co_task_free(t);
		return err;
	}
	co_loop.unfinished++;
	co_loop.stats.spawned++;
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
	if (!co_usable("co_spawn"))
		return -EPERM;
	return spawn(id, fn, arg, NULL);
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

/* t's function has returned: run its callbacks, wake its waiters. */
static void finish(struct co_task *t)
{
	for (struct co_callback *c = t->callbacks; c; c = c->next)
		c->fn(t->id, t->status, t->value, c->data);
	t->done = true;
	t->cancel_pending = false;
	t->done_seq = ++co_loop.done_seq;
	co_loop.unfinished--;
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
}

/* Every task starts here (co_ctx_make's fn) and never returns. */
void co_task_main(void *task)
{
	struct co_task *t = task;

	co_fiber_started();
	if (t->cancel_pending)          /* cancelled before it ever ran */
		t->status = -ECANCELED;
	else
		t->status = t->fn(t->arg, &t->value);
	finish(t);
	co_switch_out(t, true);
}

co_tid co_self(void)
{
	return co_loop.current ? co_loop.current->id : 0;
}

int co_yield(void)
{
	struct co_task *t = co_loop.current;

	if (!co_usable("co_yield"))
		return -EPERM;
	if (t->cancel_pending) {
		t->cancel_pending = false;
		return -ECANCELED;
	}
	co_enqueue(t);
	co_switch_out(t, false);
	return 0;
}

int co_sleep(int64_t deadline)
{
	if (!co_usable("co_sleep"))
		return -EPERM;
	return co_park(CO_PARK_SLEEP, deadline);
}

int co_cancel(co_tid id)
{
	struct co_task *t;

	if (!co_usable("co_cancel"))
		return -EPERM;
	if ((t = find("co_cancel", id)) == NULL)
		return -ESRCH;
	cancel_task(t);
	return 0;
}

void co_cancel_all(void)
{
	for (long s = 1; s < co_loop.nslots; s++)
		if (co_loop.slots[s])
			cancel_task(co_loop.slots[s]);
}

void co_tasks_teardown(void)
{
	for (long s = 1; s < co_loop.nslots; s++)
		if (co_loop.slots[s])
			co_task_free(co_loop.slots[s]);
	free(co_loop.slots);
	free(co_loop.gens);
	free(co_loop.free_slots);
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
	struct co_task *self = co_loop.current;

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

int co_join(co_tid id, intptr_t *value)
{
	struct co_task *t;

	if (!co_usable("co_join"))
		return -EPERM;
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

int co_detach(co_tid id)
{
	struct co_task *t;

	if (!co_usable("co_detach"))
		return -EPERM;
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

int co_gather(const co_tid *ids, size_t n, intptr_t *values, int *errs)
{
	int first = 0, cancelled = 0;

	if (!co_usable("co_gather"))
		return -EPERM;
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

int co_wait_first(const co_tid *ids, size_t n, int64_t deadline)
{
	long i;

	if (!co_usable("co_wait_first"))
		return -EPERM;
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

int co_wait_for(co_tid id, int64_t deadline, intptr_t *value)
{
	struct co_task *t;
	int err = 0;

	if (!co_usable("co_wait_for"))
		return -EPERM;
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
	co_join(id, NULL);
	return err;
}

int co_on_done(co_tid id, co_done_fn fn, void *data)
{
	struct co_task *t;
	struct co_callback *c, **p;

	if (!co_usable("co_on_done"))
		return -EPERM;
	if ((t = find("co_on_done", id)) == NULL)
		return -ESRCH;
	if (t->done) {
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

int co_group_spawn(struct co_group *g, co_tid *id, co_fn fn, void *arg)
{
	int err;

	if (!co_usable("co_group_spawn"))
		return -EPERM;
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
	if (id)
		*id = g->ids[g->n];
	g->n++;
	return 0;
}

int co_group_wait(struct co_group *g)
{
	int cancelled = 0, failure, err;

	if (!co_usable("co_group_wait"))
		return -EPERM;
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
