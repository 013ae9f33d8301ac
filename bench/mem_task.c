/*
 * mem_task - resident memory per concurrent task, per model.
 *
 *   build/bench/mem_task [--scale smoke|quick|full] [--only MODEL]
 *
 * CSV on stdout, one row per model, variant and metric:
 *   model,variant,n,bytes_per_task,total_kb,metric
 * N tasks are started and each waits (a condition variable, or a read on a
 * pipe) until all N are alive; then memory is read from
 * /proc/PID/smaps_rollup and compared with the same reading taken just
 * before the first task started: total_kb is the growth, bytes_per_task
 * the growth / N. Then the tasks are released, joined or reaped.
 *
 *   coro    guarded, copy (coro/coro.h stack modes): N tasks in co_sleep
 *           for an hour, as in the io fan-out; one process, metric rss;
 *           then they are cancelled and joined.
 *   thread  default_stack, small_stack (64 KiB): one process, metric rss.
 *   process fork: children blocked in read(). Two rows. metric rss sums the
 *           Rss of parent and children, which counts every shared page once
 *           per process that maps it, so it grows with the parent's size,
 *           not with what a child costs. metric pss sums Pss, where a page
 *           mapped by k processes counts 1/k in each: the sum is what the
 *           children really added (pages copied on write, new stacks).
 *
 * What no metric here shows: the kernel's own memory per task (a 16 KiB
 * kernel stack per thread or process, page tables, the task structure);
 * it lives outside every process's Rss and Pss.
 *
 * N: 100 (smoke), 1,000 (quick), 10,000 (full; processes 5,000). One
 * reading per row: resident memory does not jitter the way time does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "coro.h"

enum model { MODEL_CORO, MODEL_THREAD, MODEL_PROCESS, MODEL_COUNT };
static const char *const model_names[] = { "coro", "thread", "process", "all", NULL };

struct mem { long rss_kb, pss_kb; };

/*
 * Rss and Pss of a process (pid 0: this one) from smaps_rollup, in kB.
 * 0, or -1 when the file cannot be read (the process is gone).
 */
static int read_mem(pid_t pid, struct mem *m)
{
	char path[64], line[256];
	FILE *f;

	if (pid == 0)
		snprintf(path, sizeof path, "/proc/self/smaps_rollup");
	else
		snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	m->rss_kb = m->pss_kb = -1;
	while (fgets(line, sizeof line, f)) {
		sscanf(line, "Rss: %ld kB", &m->rss_kb);
		sscanf(line, "Pss: %ld kB", &m->pss_kb);
	}
	fclose(f);
	return m->rss_kb < 0 || m->pss_kb < 0 ? -1 : 0;
}

static void self_mem(struct mem *m)
{
	if (read_mem(0, m) != 0) {
		fprintf(stderr, "mem_task: read /proc/self/smaps_rollup: %s\n", strerror(errno));
		exit(1);
	}
}

static void print_row(const char *model, const char *variant, long n, long grew_kb,
		      const char *metric)
{
	printf("%s,%s,%ld,%.0f,%ld,%s\n", model, variant, n, (double)grew_kb * 1024.0 / (double)n,
	       grew_kb, metric);
	fflush(stdout);
}

/* Threads wait here until all are alive and measured. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static long alive;
static int released;

static void *waiting_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	alive++;
	pthread_cond_broadcast(&changed);
	while (!released)
		pthread_cond_wait(&changed, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* N threads alive and waiting; a row, or a note when creation stopped. */
static void run_threads(const char *variant, long stack, long n)
{
	pthread_t *tid = calloc((size_t)n, sizeof *tid);
	pthread_attr_t attr;
	struct mem before, after;
	long started;
	int err = 0;

	if (tid == NULL) {
		fprintf(stderr, "mem_task: calloc for %ld threads: out of memory\n", n);
		exit(1);
	}
	pthread_attr_init(&attr);
	if (stack)
		pthread_attr_setstacksize(&attr, (size_t)stack);
	alive = 0;
	released = 0;
	self_mem(&before);
	for (started = 0; started < n; started++)
		if ((err = pthread_create(&tid[started], &attr, waiting_thread, NULL)) != 0)
			break;
	pthread_mutex_lock(&mu);
	while (alive < started)
		pthread_cond_wait(&changed, &mu);
	pthread_mutex_unlock(&mu);
	self_mem(&after);
	pthread_mutex_lock(&mu);
	released = 1;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&mu);
	for (long i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_attr_destroy(&attr);
	free(tid);
	if (err) {
		fprintf(stderr, "mem_task: thread %s: pthread_create: started %ld of %ld: %s\n",
			variant, started, n, strerror(err));
		return;
	}
	print_row("thread", variant, n, after.rss_kb - before.rss_kb, "rss");
}

/* Coroutines: measured from inside the loop's first task. */
struct coro_mem {
	long n, started;
	int err;                /* co_spawn's negative errno, or 0 */
	co_tid *ids;
	struct mem before, after;
};

static int sleeping_task(void *arg, intptr_t *value)
{
	(void)arg;
	(void)value;
	return co_sleep(co_now() + 3600 * CO_S);
}

static int coro_mem_main(void *arg, intptr_t *value)
{
	struct coro_mem *c = arg;

	(void)value;
	self_mem(&c->before);
	for (c->started = 0; c->started < c->n; c->started++)
		if ((c->err = co_spawn(&c->ids[c->started], sleeping_task, NULL)) != 0)
			break;
	co_yield();   /* each new task runs once, up to its co_sleep */
	self_mem(&c->after);
	for (long i = 0; i < c->started; i++)
		co_cancel(c->ids[i]);
	for (long i = 0; i < c->started; i++)
		co_join(c->ids[i], NULL);
	return 0;
}

/* N coroutines alive and sleeping in one stack mode; a row, or a note. */
static void run_coros(const char *variant, long mode, long n)
{
	struct coro_mem c = { .n = n, .ids = calloc((size_t)n, sizeof(co_tid)) };
	const struct co_config cfg = { .stack = (enum co_stack_mode)mode };

	if (c.ids == NULL) {
		fprintf(stderr, "mem_task: calloc for %ld coroutines: out of memory\n", n);
		exit(1);
	}
	int err = co_run(coro_mem_main, &c, NULL, &cfg);
	free(c.ids);
	if (err || c.err) {
		fprintf(stderr, "mem_task: coro %s: started %ld of %ld: %s\n", variant, c.started,
			n, strerror(err ? -err : -c.err));
		return;
	}
	print_row("coro", variant, n, c.after.rss_kb - c.before.rss_kb, "rss");
}

/* A child: say it is ready, block until the parent closes the release pipe. */
static void child_wait(int ready_fd, int release_fd)
{
	char c = 'r';

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (write(ready_fd, &c, 1) != 1)
		_exit(1);
	while (read(release_fd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* Sum Rss and Pss over the parent and its n children. */
static int sum_mem(const pid_t *pid, long n, struct mem *sum)
{
	struct mem m;

	self_mem(sum);
	for (long i = 0; i < n; i++) {
		if (read_mem(pid[i], &m) != 0)
			return -1;
		sum->rss_kb += m.rss_kb;
		sum->pss_kb += m.pss_kb;
	}
	return 0;
}

/* N children alive and blocked; two rows (rss, pss), or a note. */
static void run_processes(long n)
{
	pid_t *pid = calloc((size_t)n, sizeof *pid);
	int ready[2], release[2], err = 0, failed = 0;
	struct mem before, after;
	long started;
	char c;

	if (pid == NULL || pipe(ready) != 0 || pipe(release) != 0) {
		fprintf(stderr, "mem_task: setting up %ld processes: %s\n", n, strerror(errno));
		exit(1);
	}
	self_mem(&before);
	for (started = 0; started < n; started++) {
		if ((pid[started] = fork()) < 0) {
			err = errno;
			break;
		}
		if (pid[started] == 0) {
			close(ready[0]);
			close(release[1]);
			child_wait(ready[1], release[0]);
		}
	}
	close(ready[1]);
	close(release[0]);
	for (long i = 0; i < started; i++)
		if (read(ready[0], &c, 1) != 1)
			failed = 1;
	if (!failed && !err)
		failed = sum_mem(pid, n, &after) != 0;
	close(release[1]);   /* every child's read now returns 0 */
	for (long i = 0; i < started; i++) {
		int status;
		if (waitpid(pid[i], &status, 0) != pid[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed = 1;
	}
	close(ready[0]);
	free(pid);
	if (err) {
		fprintf(stderr, "mem_task: process fork: started %ld of %ld: %s\n", started, n,
			strerror(err));
		return;
	}
	if (failed) {
		fprintf(stderr, "mem_task: process fork: a child failed or vanished\n");
		exit(1);
	}
	print_row("process", "fork", n, after.rss_kb - before.rss_kb, "rss");
	print_row("process", "fork", n, after.pss_kb - before.pss_kb, "pss");
}

/*
 * Run one in-process measurement in a fresh child, so that memory freed by
 * an earlier one (heap pages still resident) cannot absorb its growth.
 */
static void isolated(void (*run)(const char *, long, long), const char *variant, long param,
		     long n)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "mem_task: fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		run(variant, param, n);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "mem_task: the %s measurement failed (status 0x%x)\n", variant,
			status);
		exit(1);
	}
}

static const char usage_text[] =
	"usage: mem_task [--scale smoke|quick|full] [--only MODEL]\n"
	"\n"
	"Resident memory per task with N tasks alive and waiting: coroutines\n"
	"(guarded and copy stacks), threads (default and 64 KiB stacks) and\n"
	"processes (Rss and Pss summed over the children).\n"
	"CSV on stdout: model,variant,n,bytes_per_task,total_kb,metric\n";

int main(int argc, char **argv)
{
	static const long tasks[] = { 100, 1000, 10000 };
	static const long procs[] = { 100, 1000, 5000 };
	long long only = MODEL_COUNT;
	const struct cli_extra extras[] = {
		{ "only", "one model, or all (default)", 0, 0, model_names, &only },
		{ NULL, NULL, 0, 0, NULL, NULL },
	};
	enum bench_scale scale;

	switch (bench_parse(argc, argv, "mem_task", usage_text, extras, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	printf("model,variant,n,bytes_per_task,total_kb,metric\n");
	fflush(stdout);   /* before a fork: the children flush what they inherit */
	if (only == MODEL_COUNT || only == MODEL_PROCESS)
		run_processes(procs[scale]);
	if (only == MODEL_COUNT || only == MODEL_CORO) {
		isolated(run_coros, "guarded", CO_STACK_GUARDED, tasks[scale]);
		isolated(run_coros, "copy", CO_STACK_COPY, tasks[scale]);
	}
	if (only == MODEL_COUNT || only == MODEL_THREAD) {
		isolated(run_threads, "default_stack", 0, tasks[scale]);
		isolated(run_threads, "small_stack", 64 * 1024, tasks[scale]);
	}
	return 0;
}
