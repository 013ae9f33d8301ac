/*
 * cost_create - what it costs to create a task and see it finish, per model.
 *
 *   build/bench/cost_create [--scale smoke|quick|full] [--only MODEL]
 *
 * CSV on stdout, one row per model, variant and batch size N:
 *   model,variant,n,median_ns,p10_ns,p90_ns,min_ns,max_ns
 * Times are ns per task: one sample starts a batch of N tasks that do
 * nothing (a counter increment, or exit 0), then waits for all N (join,
 * waitpid), and divides the time by N. The median and spread are over the
 * samples; a warm-up batch comes first.
 *
 *   coro    guarded         co_spawn, then co_join, in one co_run with
 *                           each task on its own mmap'd stack (coro/coro.h)
 *           copy            the same, all tasks on the one copy stack
 *   thread  default_stack   pthread_create with default attributes (8 MiB)
 *           small_stack     pthread_attr_setstacksize 64 KiB
 *   process fork            fork, the child _exits at once
 *           posix_spawn     posix_spawn of true_prog, a static program that
 *                           exits 0, looked up next to this executable
 *                           (the Makefile builds both into build/bench/)
 *
 * N runs 1, 10, 100, ... up to a cap per scale (smoke, quick, full):
 * coroutines 100, 10,000, 100,000; threads 100, 1,000, 100,000; processes
 * 10, 100, 1,000 (a fork costs milliseconds on some virtual machines, and
 * 100,000 zombies would exhaust pid_max for the whole machine; bench/limits
 * finds that edge with care). A batch keeps every task it started until its
 * end (finished threads keep their stacks until joined, children stay
 * zombies until reaped, coroutines keep their stacks until joined), so a
 * model can run out of something: creation then stops, the started tasks
 * are joined or reaped, a note goes to stderr, and that variant gets no
 * rows for this N or larger ones.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "coro.h"

extern char **environ;

enum model { MODEL_CORO, MODEL_THREAD, MODEL_PROCESS, MODEL_COUNT };
static const char *const model_names[] = { "coro", "thread", "process", "all", NULL };

struct variant {
	enum model model;
	const char *name;
	/* Start task i of the batch; 0 or an errno value. */
	int (*start)(long i);
	/* Wait for task i, started; 0 or -1 when it did not finish cleanly. */
	int (*finish)(long i);
	enum co_stack_mode stack;   /* coroutines: the stack mode */
};

static co_tid *ctids;
static pthread_t *tids;
static pid_t *pids;
static pthread_attr_t small_attr;
static atomic_long finished;   /* tasks that ran to their end: the sink */
static char true_prog[4096];

static void *thread_task(void *arg)
{
	(void)arg;
	atomic_fetch_add(&finished, 1);
	return NULL;
}

static int thread_default_start(long i)
{
	return pthread_create(&tids[i], NULL, thread_task, NULL);
}

static int thread_small_start(long i)
{
	return pthread_create(&tids[i], &small_attr, thread_task, NULL);
}

static int thread_finish(long i)
{
	return pthread_join(tids[i], NULL) == 0 ? 0 : -1;
}

static int fork_start(long i)
{
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	pids[i] = pid;
	return 0;
}

static int spawn_start(long i)
{
	char *argv[] = { true_prog, NULL };

	return posix_spawn(&pids[i], true_prog, NULL, NULL, argv, environ);
}

static int process_finish(long i)
{
	int status;

	if (waitpid(pids[i], &status, 0) != pids[i])
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	atomic_fetch_add(&finished, 1);
	return 0;
}

/*
 * Coroutines: every batch of a variant runs inside one co_run (see
 * coro_rows), so that the loop's set-up (epoll, timerfd, signal stack) is
 * paid once, and its pool of free guarded stacks stays warm from batch to
 * batch, as in a long-running program (threads keep glibc's stack cache the
 * same way).
 */
static int coro_task(void *arg, intptr_t *value)
{
	(void)arg;
	(void)value;
	atomic_fetch_add(&finished, 1);
	return 0;
}

/* Spawn n tasks, then join them: 0 or co_spawn's errno (positive). */
static int coro_batch(long n, long *started)
{
	int err = 0;

	for (*started = 0; *started < n; ++*started)
		if ((err = co_spawn(&ctids[*started], coro_task, NULL)) != 0)
			break;
	for (long i = 0; i < *started; i++)
		co_join(ctids[i], NULL);
	return -err;
}

static const struct variant variants[] = {
	{ MODEL_CORO, "guarded", NULL, NULL, CO_STACK_GUARDED },
	{ MODEL_CORO, "copy", NULL, NULL, CO_STACK_COPY },
	{ MODEL_THREAD, "default_stack", thread_default_start, thread_finish, 0 },
	{ MODEL_THREAD, "small_stack", thread_small_start, thread_finish, 0 },
	{ MODEL_PROCESS, "fork", fork_start, process_finish, 0 },
	{ MODEL_PROCESS, "posix_spawn", spawn_start, process_finish, 0 },
};

/*
 * One batch of n tasks: ns per task, or -1 when creation stopped early
 * (everything started is waited for first; the note names the call).
 */
static double batch(const struct variant *v, long n)
{
	long started = 0, bad = 0;
	int err = 0;

	uint64_t ns;

	atomic_store(&finished, 0);
	uint64_t t0 = now_ns();
	if (v->model == MODEL_CORO) {
		err = coro_batch(n, &started);
	} else {
		for (; started < n; started++)
			if ((err = v->start(started)) != 0)
				break;
		for (long i = 0; i < started; i++)
			bad += v->finish(i) != 0;
	}
	ns = now_ns() - t0;
	if (err) {
		fprintf(stderr, "cost_create: %s %s: n=%ld: started %ld: %s\n",
			model_names[v->model], v->name, n, started, strerror(err));
		return -1;
	}
	if (bad || atomic_load(&finished) != n) {
		fprintf(stderr, "cost_create: %s %s: n=%ld: %ld of %ld tasks failed\n",
			model_names[v->model], v->name, n, n - atomic_load(&finished), n);
		exit(1);
	}
	return (double)ns / (double)n;
}

/* Samples for a batch of n: fewer for big batches, which average a lot. */
static int samples_for(long n)
{
	return n <= 100 ? 11 : n <= 1000 ? 5 : 3;
}

/* Rows for one variant, N = 1, 10, ... max_n; stops at the first failure. */
static void run_variant(const struct variant *v, long max_n)
{
	double ns[11];

	for (long n = 1; n <= max_n; n *= 10) {
		int samples = samples_for(n);
		struct summary s;

		/* Warm up with a batch of at most 100: enough to fault in the code
		 * and the arrays, cheap next to the samples of a big batch. */
		if (batch(v, n < 100 ? n : 100) < 0)
			return;
		for (int k = 0; k < samples; k++)
			if ((ns[k] = batch(v, n)) < 0)
				return;
		summarize(ns, (size_t)samples, &s);
		printf("%s,%s,%ld", model_names[v->model], v->name, n);
		bench_print_spread(stdout, &s);
		printf("\n");
		fflush(stdout);
	}
}

/* Coroutine rows: run_variant as the first task of a loop in v's stack mode. */
struct coro_rows {
	const struct variant *v;
	long max_n;
};

static int coro_rows_main(void *arg, intptr_t *value)
{
	struct coro_rows *r = arg;

	(void)value;
	run_variant(r->v, r->max_n);
	return 0;
}

static void coro_rows(const struct variant *v, long max_n)
{
	struct coro_rows r = { v, max_n };
	const struct co_config cfg = { .stack = v->stack };
	int err = co_run(coro_rows_main, &r, NULL, &cfg);

	if (err) {
		fprintf(stderr, "cost_create: co_run: %s\n", strerror(-err));
		exit(1);
	}
}

static const char usage_text[] =
	"usage: cost_create [--scale smoke|quick|full] [--only MODEL]\n"
	"\n"
	"Nanoseconds per task created and finished, in batches of N = 1, 10, ...,\n"
	"for coroutines (guarded and copy stacks), threads (default and 64 KiB\n"
	"stacks) and processes (fork, posix_spawn).\n"
	"CSV on stdout: model,variant,n,median_ns,p10_ns,p90_ns,min_ns,max_ns\n";

int main(int argc, char **argv)
{
	static const long max_n[] = { 100, 10000, 100000 };
	static const long max_threads[] = { 100, 1000, 100000 };
	static const long max_procs[] = { 10, 100, 1000 };
	long long only = MODEL_COUNT;
	const struct cli_extra extras[] = {
		{ "only", "one model, or all (default)", 0, 0, model_names, &only },
		{ NULL, NULL, 0, 0, NULL, NULL },
	};
	enum bench_scale scale;

	switch (bench_parse(argc, argv, "cost_create", usage_text, extras, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	ctids = calloc((size_t)max_n[scale], sizeof *ctids);
	tids = calloc((size_t)max_n[scale], sizeof *tids);
	pids = calloc((size_t)max_n[scale], sizeof *pids);
	if (!ctids || !tids || !pids) {
		fprintf(stderr, "cost_create: calloc for %ld tasks: out of memory\n", max_n[scale]);
		return 1;
	}
	pthread_attr_init(&small_attr);
	pthread_attr_setstacksize(&small_attr, 64 * 1024);
	if (bench_self_dir(true_prog, sizeof true_prog - 16) != 0) {
		fprintf(stderr, "cost_create: readlink /proc/self/exe: %s\n", strerror(errno));
		return 1;
	}
	strcat(true_prog, "/true_prog");

	printf("model,variant,n,median_ns,p10_ns,p90_ns,min_ns,max_ns\n");
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
		const struct variant *v = &variants[i];
		if (only != MODEL_COUNT && only != v->model)
			continue;
		if (v->start == spawn_start && access(true_prog, X_OK) != 0) {
			fprintf(stderr, "cost_create: %s: %s; posix_spawn rows left out\n",
				true_prog, strerror(errno));
			continue;
		}
		if (v->model == MODEL_CORO)
			coro_rows(v, max_n[scale]);
		else
			run_variant(v, v->model == MODEL_PROCESS ? max_procs[scale]
								  : max_threads[scale]);
	}
	pthread_attr_destroy(&small_attr);
	free(ctids);
	free(tids);
	free(pids);
	return 0;
}
