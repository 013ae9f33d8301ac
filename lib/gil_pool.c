/* gil_pool.c - threads under a GIL, started as CPython starts them (see gil_pool.h). */
#include "gil_pool.h"
#include "timeline.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>

/* What the threads of one run share. */
struct gil_start {
	sem_t started;         /* posted by a new thread once it holds the lock */
	atomic_long next;      /* pool: the next task index to take */
	atomic_bool stop;      /* pool: a start failed, take no more tasks */
};

void gil_worker_started(struct gil_worker *w)
{
	sem_post(&w->start->started);
}

long gil_worker_next(struct gil_worker *w)
{
	struct gil_pool *p = w->p;

	if (p->workers == 0) {
		if (w->ran_first)
			return -1;
		w->ran_first = true;
		return w->first;
	}
	if (atomic_load(&w->start->stop))
		return -1;
	long i = atomic_fetch_add(&w->start->next, 1);
	return i < p->wl->tasks ? i : -1;
}

void gil_worker_run(struct gil_worker *w, long i)
{
	const struct wl_params *wl = w->p->wl;
	u128 v;

	tl_task_start(i);
	if (wl->kind == WL_CPU) {
		v = gil_sum_squares(&w->t, 0, wl->n + (uint64_t)i);
	} else {
		gil_drop(&w->t);
		v = wl_run_task(wl, i);
		gil_take(&w->t);
	}
	tl_task_end(i);
	w->p->value[i] = v;
	w->p->done[i] = true;
}

void *gil_pool_thread(void *arg)
{
	struct gil_worker *w = arg;
	long i;

	gil_take(&w->t);
	gil_worker_started(w);
	while ((i = gil_worker_next(w)) >= 0)
		gil_worker_run(w, i);
	gil_drop(&w->t);
	return NULL;
}

/* Wait for a new thread's word that it runs, without the lock (sem_wait is
 * the lock acquire that Event.wait blocks in, with the GIL released). */
static void wait_started(struct gil_start *s, struct gil_thread *main_t)
{
	gil_drop(main_t);
	while (sem_wait(&s->started) != 0 && errno == EINTR)
		;
	gil_take(main_t);
}

/*
 * Start p->wanted threads, one at a time, holding the lock as Python's main
 * thread does; return how many started (p->err on failure).
 */
static long start_workers(pthread_t *tid, struct gil_worker *w, struct gil_start *s,
			  struct gil_thread *main_t, void *(*body)(void *))
{
	struct gil_pool *p = w[0].p;
	long k;

	gil_take(main_t);
	for (k = 0; k < p->wanted; k++) {
		w[k] = (struct gil_worker){ .p = p, .first = k, .start = s };
		gil_thread_init(&w[k].t, p->gil);
		if ((p->err = pthread_create(&tid[k], NULL, body, &w[k])) != 0)
			break;
		wait_started(s, main_t);
	}
	gil_drop(main_t);
	return k;
}

static void add_wait(struct gil_pool *p, const struct gil_thread *t)
{
	p->wait_ns += t->wait_ns;
	if (t->wait_ns > p->wait_max_ns)
		p->wait_max_ns = t->wait_ns;
	p->takes += t->takes;
}

int gil_pool_run(struct gil_pool *p, void *(*body)(void *))
{
	long tasks = p->wl->tasks;
	struct gil_start s;
	struct gil_thread main_t;

	p->wanted = p->workers > 0 ? (p->workers < tasks ? p->workers : tasks) : tasks;
	p->started = 0;
	p->wait_ns = p->wait_max_ns = 0;
	p->takes = 0;
	if (sem_init(&s.started, 0, 0) != 0)
		return p->err = errno;
	atomic_init(&s.next, 0);
	atomic_init(&s.stop, false);
	pthread_t *tid = calloc((size_t)p->wanted, sizeof *tid);
	struct gil_worker *w = calloc((size_t)p->wanted, sizeof *w);
	if (!tid || !w) {
		p->err = ENOMEM;
		goto out;
	}
	w[0].p = p;
	gil_thread_init(&main_t, p->gil);
	p->err = 0;
	p->started = start_workers(tid, w, &s, &main_t, body);
	if (p->started < p->wanted)
		atomic_store(&s.stop, true);
	for (long k = 0; k < p->started; k++) {
		pthread_join(tid[k], NULL);
		add_wait(p, &w[k].t);
	}
	add_wait(p, &main_t);
out:
	free(tid);
	free(w);
	sem_destroy(&s.started);
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
