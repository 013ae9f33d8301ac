/* gil_pool.c - a task list on threads under a GIL (see gil_pool.h). */
#include "gil_pool.h"
#include "timeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct shared {
	struct gil_pool *p;
	atomic_long next;      /* pool: the next task index to take */
	atomic_bool stop;      /* pool: creation failed, take no more tasks */
};

struct worker {
	struct shared *s;
	long first;            /* one per task: the task to run */
	struct gil_thread t;
};

/* Task i, run by a thread that holds the lock; it still holds it after. */
static u128 run_task_locked(struct gil_thread *t, const struct wl_params *wl, long i)
{
	u128 v;

	tl_task_start(i);
	if (wl->kind == WL_CPU) {
		v = gil_sum_squares(t, 0, wl->n + (uint64_t)i);
	} else {
		gil_drop(t);
		v = wl_run_task(wl, i);
		gil_take(t);
	}
	tl_task_end(i);
	return v;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct gil_pool *p = w->s->p;
	bool pool = p->workers > 0;

	gil_take(&w->t);
	if (!pool) {
		p->value[w->first] = run_task_locked(&w->t, p->wl, w->first);
		p->done[w->first] = true;
	}
	while (pool && !atomic_load(&w->s->stop)) {
		long i = atomic_fetch_add(&w->s->next, 1);
		if (i >= p->wl->tasks)
			break;
		p->value[i] = run_task_locked(&w->t, p->wl, i);
		p->done[i] = true;
	}
	gil_drop(&w->t);
	return NULL;
}

/* Start p->wanted workers; return how many started (p->err on failure). */
static long start_workers(pthread_t *tid, struct worker *w, struct shared *s)
{
	struct gil_pool *p = s->p;

	for (long k = 0; k < p->wanted; k++) {
		w[k].s = s;
		w[k].first = k;
		gil_thread_init(&w[k].t, p->gil);
		p->err = pthread_create(&tid[k], NULL, worker_main, &w[k]);
		if (p->err != 0)
			return k;
	}
	return p->wanted;
}

int gil_pool_run(struct gil_pool *p)
{
	long tasks = p->wl->tasks;
	struct shared s = { .p = p };

	p->wanted = p->workers > 0 ? (p->workers < tasks ? p->workers : tasks) : tasks;
	p->started = 0;
	p->err = 0;
	p->wait_ns = p->wait_max_ns = 0;
	p->takes = 0;
	pthread_t *tid = calloc((size_t)p->wanted, sizeof *tid);
	struct worker *w = calloc((size_t)p->wanted, sizeof *w);
	if (!tid || !w) {
		free(tid);
		free(w);
		return p->err = ENOMEM;
	}
	p->started = start_workers(tid, w, &s);
	if (p->started < p->wanted)
		atomic_store(&s.stop, true);
	for (long k = 0; k < p->started; k++) {
		pthread_join(tid[k], NULL);
		p->wait_ns += w[k].t.wait_ns;
		if (w[k].t.wait_ns > p->wait_max_ns)
			p->wait_max_ns = w[k].t.wait_ns;
		p->takes += w[k].t.takes;
	}
	free(tid);
	free(w);
	return p->err;
}

u128 gil_pool_total(const struct gil_pool *p, long *done)
{
	u128 total = 0;

	*done = 0;
	for (long i = 0; i < p->wl->tasks; i++)
		if (p->done[i]) {
			total += p->value[i];
			(*done)++;
		}
	return total;
}
