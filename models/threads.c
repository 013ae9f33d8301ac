/*
 * threads - POSIX threads, two ways:
 *
 *   one per task (default): thread i runs task i. Creating T threads costs
 *     T stacks (8 MiB of address space and two mappings each) and T kernel
 *     tasks, which is where this model stops: pid_max or vm.max_map_count.
 *   --workers W: a fixed pool. W threads take task indices from a shared
 *     counter until none are left (the C twin of a ThreadPoolExecutor).
 *
 * Each task writes its value into its own slot, so no lock is needed; the
 * main thread adds the slots up after joining every thread.
 *
 * If pthread_create fails at thread k, no more are started, the started
 * ones finish and are joined, and the run exits with status 3.
 *
 * net, one per task: the main thread opens task k's socket before it starts
 * thread k, and the thread connects, makes the request and closes. So
 * running out of descriptors is met where threads are created, and is
 * reported the same way: "started k of T tasks: Too many open files".
 * A pool worker makes whole requests (net_request), one socket at a time.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "net.h"
#include "netserver.h"
#include "run.h"
#include "timeline.h"

struct shared {
	const struct wl_params *wl;
	u128 *value;           /* value[i]: task i's result */
	bool *done;            /* done[i]: task i finished */
	atomic_long next;      /* pool: the next task index to take */
	atomic_bool stop;      /* pool: creation failed, take no more tasks */
};

struct one_task {
	struct shared *s;
	long i;
	int fd;                /* net: task i's socket, opened by the main thread */
};

static void *run_one(void *arg)
{
	struct one_task *t = arg;
	const struct wl_params *wl = t->s->wl;

	tl_task_start(t->i);
	if (wl->kind == WL_NET) {
		t->s->value[t->i] = net_exchange(t->fd, &wl->server, t->i, wl->ms) == 0;
		close(t->fd);
	} else {
		t->s->value[t->i] = wl_run_task(wl, t->i);
	}
	tl_task_end(t->i);
	t->s->done[t->i] = true;
	return NULL;
}

static void *pool_worker(void *arg)
{
	struct shared *s = arg;

	while (!atomic_load(&s->stop)) {
		long i = atomic_fetch_add(&s->next, 1);
		if (i >= s->wl->tasks)
			break;
		s->value[i] = tl_run_task(s->wl, i);
		s->done[i] = true;
	}
	return NULL;
}

/* Fill task k's slot (opening its socket for net); 0 or an errno value. */
static int prepare_slot(struct one_task *slot, struct shared *s, long k)
{
	*slot = (struct one_task){ s, k, -1 };
	if (s->wl->kind == WL_NET) {
		slot->fd = net_socket();
		if (slot->fd < 0)
			return -slot->fd;
	}
	return 0;
}

/*
 * Start `want` threads running fn(arg_of(i)); return how many started.
 * On failure *err holds pthread_create's (or the socket's) error.
 */
static long start_threads(pthread_t *tid, long want, void *(*fn)(void *),
			  struct shared *s, struct one_task *slots, int *err)
{
	for (long k = 0; k < want; k++) {
		void *arg = s;
		if (slots) {
			if ((*err = prepare_slot(&slots[k], s, k)) != 0)
				return k;
			arg = &slots[k];
		}
		*err = pthread_create(&tid[k], NULL, fn, arg);
		if (*err != 0) {
			if (slots && slots[k].fd >= 0)
				close(slots[k].fd);
			return k;
		}
	}
	return want;
}

int main(int argc, char **argv)
{
	struct cli cli;
	struct run run;
	struct netserver server;
	int err = 0;

	switch (cli_parse(argc, argv, "threads", NULL, &cli)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	if ((err = netserver_open(&cli, &server)) != 0)
		return err;
	long tasks = cli.wl.tasks;
	bool pool = cli.workers > 0;
	long want = pool ? (cli.workers < tasks ? cli.workers : tasks) : tasks;
	struct shared s = { .wl = &cli.wl };
	s.value = calloc((size_t)tasks, sizeof *s.value);
	s.done = calloc((size_t)tasks, sizeof *s.done);
	pthread_t *tid = calloc((size_t)want, sizeof *tid);
	struct one_task *slots = pool ? NULL : calloc((size_t)tasks, sizeof *slots);
	if (!s.value || !s.done || !tid || (!pool && !slots)) {
		fprintf(stderr, "threads: calloc for %ld tasks: out of memory\n", tasks);
		netserver_close(&server);
		return 3;
	}
	cli.workers = pool ? want : 0;
	run_begin(&run, &cli);
	tl_begin(tasks);

	long started = start_threads(tid, want, pool ? pool_worker : run_one, &s, slots, &err);
	if (started < want) {
		/* Pool workers stop taking tasks; one-per-task threads just finish. */
		atomic_store(&s.stop, true);
		run_shortfall(&run, pool ? "workers" : "tasks", started, want, err);
	}
	for (long k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	for (long i = 0; i < tasks; i++)
		if (s.done[i])
			run_task_done(&run, i, s.value[i]);

	tl_finish(cli.model);
	int status = run_finish(&run);
	netserver_close(&server);
	free(s.value);
	free(s.done);
	free(tid);
	free(slots);
	return status;
}
