/*
 * mem_task - resident memory per concurrent task, per model.
 *
 *   build/bench/mem_task [--scale smoke|quick|full] [--only MODEL]
 *
 * CSV on stdout, one row per model, variant and metric:
 *   model,variant,n,bytes_per_task,total_kb,metric
 * Tasks are started and each waits (a timer, a condition variable, or a
 * read on a pipe) until it is released. Memory is read from
 * /proc/PID/smaps_rollup three times: before the first task, with N1 tasks
 * alive and waiting, and with N2 alive (the same set, grown).
 *   bytes_per_task  (mem(N2) - mem(N1)) / (N2 - N1): what one more task
 *                   costs, the slope between the two sizes;
 *   n               N2;
 *   total_kb        mem(N2) - mem(before): all that the N2 tasks added,
 *                   fixed costs included.
 * Then the tasks are released, joined or reaped.
 *
 * Why a slope, not total / N: the first tasks pay costs that later ones do
 * not, and some are paid before any task exists. The coroutine runtime
 * carves task records and saved copy stacks from 4 MiB chunks that it
 * pre-faults (coro/arena.c); the first one is resident before the baseline
 * is read, so 1,000 copy tasks fitted in it and total / N came out at 20
 * bytes, their table entries alone. Threads and processes have smaller
 * fixed costs of their own. The slope leaves all of them out (total_kb
 * keeps them). What it cannot remove: the arena grows a whole chunk at a
 * time, so the two readings may find its last chunk filled to different
 * levels, and a slope is exact only to within 4 MiB / (N2 - N1).
 * Hence the sizes below: a copy task takes a few hundred bytes of arena,
 * so a chunk holds ~12,000 and the spans are long (within ~25 bytes of
 * ~370 at quick); a guarded one takes a 192-byte record, ~21,000 to a
 * chunk, and vm.max_map_count (two mappings per stack) keeps its spans
 * short: at quick and full they cover one chunk's worth of records, at
 * smoke they may miss the records altogether.
 *
 *   coro    guarded, copy (coro/coro.h stack modes): tasks in co_sleep for
 *           an hour, as in the io fan-out; one process, metric rss. Each
 *           new task runs up to its co_sleep before memory is read, so a
 *           copy task's saved stack (its live part, copied out when another
 *           task takes the shared stack) is counted. Then they are
 *           cancelled and joined.
 *   thread  default_stack, small_stack (64 KiB): one process, metric rss.
 *   process fork: children blocked in read(). Two rows. metric rss sums the
 *           Rss of parent and children, which counts every shared page once
 *           per process that maps it, so it grows with the parent's size,
 *           not with what a child costs. metric pss sums Pss, where a page
 *           mapped by k processes counts 1/k in each: the sum is what the
 *           children really added (pages copied on write, new stacks).
 * The arrays that hold the ids are touched before the first reading, so
 * that the bench's own bookkeeping does not count as the tasks'.
 *
 * What no metric here shows: the kernel's own memory per task (a 16 KiB
 * kernel stack per thread or process, page tables, the task structure);
 * it lives outside every process's Rss and Pss.
 *
 * N1 -> N2, smoke / quick / full:
 *   coro copy     5,000 -> 50,000 / 20,000 -> 200,000 / 100,000 -> 1,000,000
 *   coro guarded  1,000 -> 10,000 / 2,000 -> 24,000 / 2,000 -> 28,000
 *   thread        50 -> 500 / 200 -> 2,000 / 1,000 -> 10,000
 *   process       20 -> 200 / 100 -> 1,000 / 500 -> 5,000 (a fork each)
 * Under ThreadSanitizer, coroutines and threads stop at 20 -> 200 (fit()).
 * One reading per size: resident memory does not jitter the way time does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "child.h"
#include "coro.h"

enum model { MODEL_CORO, MODEL_THREAD, MODEL_PROCESS, MODEL_COUNT };
static const char *const model_names[] = { "coro", "thread", "process", "all", NULL };

struct mem { long rss_kb, pss_kb; };

/* The two sizes of a run, n1 < n2; the slope between them is the figure. */
struct span { long n1, n2; };

/* Readings before the first task, with n1 and with n2 tasks alive. */
struct readings { struct mem before, at_n1, at_n2; };

/* Built with ThreadSanitizer (gcc and clang spell it differently). */
#if defined(__SANITIZE_THREAD__)
#define MEM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MEM_TSAN 1
#endif
#endif

/*
 * ThreadSanitizer gives every thread and every coroutine (a fiber to it)
 * most of a megabyte of its own state, and dies past 8,128 of them: under
 * it, in-process runs stop at 200 tasks. Its figures are its overhead's.
 */
static struct span fit(struct span s)
{
#ifdef MEM_TSAN
	if (s.n2 > 200)
		s = (struct span){ 20, 200 };
#endif
	return s;
}

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

/*
 * An array of n elements whose pages are all resident now, so that filling
 * it in later does not count as the tasks' memory. Filled with a non-zero
 * byte: a compiler may turn malloc plus a zeroing memset into calloc, which
 * leaves fresh pages untouched.
 */
static void *touched_array(long n, size_t size, const char *what)
{
	void *p = malloc((size_t)n * size);

	if (p == NULL) {
		fprintf(stderr, "mem_task: malloc for %ld %s: out of memory\n", n, what);
		exit(1);
	}
	memset(p, 0xff, (size_t)n * size);
	return p;
}

/* One row: the slope from n1 to n2 and the growth from before to n2, in kB. */
static void print_row(const char *model, const char *variant, struct span s, long before_kb,
		      long n1_kb, long n2_kb, const char *metric)
{
	printf("%s,%s,%ld,%.0f,%ld,%s\n", model, variant, s.n2,
	       (double)(n2_kb - n1_kb) * 1024.0 / (double)(s.n2 - s.n1), n2_kb - before_kb,
	       metric);
	fflush(stdout);
}

static void print_rss_row(const char *model, const char *variant, struct span s,
			  const struct readings *r)
{
	print_row(model, variant, s, r->before.rss_kb, r->at_n1.rss_kb, r->at_n2.rss_kb, "rss");
}

/* Threads wait here until all are measured and released. */
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

/*
 * Start threads until `to` exist (*started counts them), then wait until
 * every one is alive and waiting. 0, or pthread_create's error.
 */
static int grow_threads(pthread_t *tid, const pthread_attr_t *attr, long *started, long to)
{
	int err = 0;

	for (; *started < to; ++*started)
		if ((err = pthread_create(&tid[*started], attr, waiting_thread, NULL)) != 0)
			break;
	pthread_mutex_lock(&mu);
	while (alive < *started)
		pthread_cond_wait(&changed, &mu);
	pthread_mutex_unlock(&mu);
	return err;
}

/* n1, then n2 threads alive and waiting; a row, or a note when creation stopped. */
static void run_threads(const char *variant, long stack, struct span s)
{
	pthread_t *tid = touched_array(s.n2, sizeof *tid, "threads");
	pthread_attr_t attr;
	struct readings r;
	long started = 0;
	int err;

	pthread_attr_init(&attr);
	if (stack)
		pthread_attr_setstacksize(&attr, (size_t)stack);
	alive = 0;
	released = 0;
	self_mem(&r.before);
	if ((err = grow_threads(tid, &attr, &started, s.n1)) == 0) {
		self_mem(&r.at_n1);
		if ((err = grow_threads(tid, &attr, &started, s.n2)) == 0)
			self_mem(&r.at_n2);
	}
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
			variant, started, s.n2, strerror(err));
		return;
	}
	print_rss_row("thread", variant, s, &r);
}

/* Coroutines: measured from inside the loop's first task. */
struct coro_mem {
	struct span span;
	long started;
	int err;                /* co_spawn's negative errno, or 0 */
	co_tid *ids;
	struct readings r;
};

static int sleeping_task(void *arg, intptr_t *value)
{
	(void)arg;
	(void)value;
	return co_sleep(co_now() + 3600 * CO_S);
}

/*
 * Spawn tasks until `to` exist, then let each new one run up to its
 * co_sleep. In copy mode a task's live stack is saved when the next task
 * takes the shared stack, the last one's when this task takes it back, so
 * on return every sleeper holds its saved copy. 0, or co_spawn's error.
 */
static int grow_coros(struct coro_mem *c, long to)
{
	for (; c->started < to; c->started++)
		if ((c->err = co_spawn(&c->ids[c->started], sleeping_task, NULL)) != 0)
			return c->err;
	co_yield();
	return 0;
}

static int coro_mem_main(void *arg, intptr_t *value)
{
	struct coro_mem *c = arg;

	(void)value;
	self_mem(&c->r.before);
	if (grow_coros(c, c->span.n1) == 0) {
		self_mem(&c->r.at_n1);
		if (grow_coros(c, c->span.n2) == 0)
			self_mem(&c->r.at_n2);
	}
	for (long i = 0; i < c->started; i++)
		co_cancel(c->ids[i]);
	for (long i = 0; i < c->started; i++)
		co_join(c->ids[i], NULL);
	return 0;
}

/* n1, then n2 coroutines alive and sleeping in one stack mode; a row, or a note. */
static void run_coros(const char *variant, long mode, struct span s)
{
	struct coro_mem c = { .span = s };
	const struct co_config cfg = { .stack = (enum co_stack_mode)mode };
	int err;

	c.ids = touched_array(s.n2, sizeof *c.ids, "coroutines");
	err = co_run(coro_mem_main, &c, NULL, &cfg);
	free(c.ids);
	if (err || c.err) {
		fprintf(stderr, "mem_task: coro %s: started %ld of %ld: %s\n", variant, c.started,
			s.n2, strerror(err ? -err : -c.err));
		return;
	}
	print_rss_row("coro", variant, s, &c.r);
}

/* A child: say it is ready, block until the parent closes the release pipe. */
static void child_wait(int ready_fd, int release_fd)
{
	char c = 'r';

	if (write(ready_fd, &c, 1) != 1)
		_exit(1);
	while (read(release_fd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/*
 * Fork children until `to` exist (*started counts them), then wait until
 * each new one has said it is ready, through a pipe of this batch's own:
 * once the parent closes its write end, a child that died unready shows as
 * end of file instead of a hang. 0; fork's errno (a limit: a note); or -1,
 * a child vanished (a failure).
 */
static int grow_children(pid_t *pid, long *started, long to, const int release[2])
{
	int ready[2], err = 0;
	long from = *started;
	char c;

	if (pipe(ready) != 0) {
		fprintf(stderr, "mem_task: pipe: %s\n", strerror(errno));
		exit(1);
	}
	for (; *started < to; ++*started) {
		if ((pid[*started] = child_fork()) < 0) {
			err = errno;
			break;
		}
		if (pid[*started] == 0) {
			close(ready[0]);
			close(release[1]);
			child_wait(ready[1], release[0]);
		}
	}
	close(ready[1]);
	for (long i = from; i < *started; i++)
		if (read(ready[0], &c, 1) != 1) {
			err = -1;
			break;
		}
	close(ready[0]);
	return err;
}

/* Sum Rss and Pss over the parent and its n children; 0, or -1 if one is gone. */
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

/* n1, then n2 children alive and blocked; two rows (rss, pss), or a note. */
static void run_processes(struct span s)
{
	pid_t *pid = touched_array(s.n2, sizeof *pid, "processes");
	int release[2], err, failed = 0;
	struct readings r;
	long started = 0;

	if (pipe(release) != 0) {
		fprintf(stderr, "mem_task: pipe: %s\n", strerror(errno));
		exit(1);
	}
	self_mem(&r.before);
	if ((err = grow_children(pid, &started, s.n1, release)) == 0 &&
	    (err = sum_mem(pid, started, &r.at_n1)) == 0 &&
	    (err = grow_children(pid, &started, s.n2, release)) == 0)
		err = sum_mem(pid, started, &r.at_n2);
	close(release[1]);   /* every child's read now returns 0 */
	close(release[0]);
	for (long i = 0; i < started; i++) {
		int status;
		if (waitpid(pid[i], &status, 0) != pid[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed = 1;
	}
	free(pid);
	if (err < 0 || failed) {
		fprintf(stderr, "mem_task: process fork: a child failed or vanished\n");
		exit(1);
	}
	if (err) {
		fprintf(stderr, "mem_task: process fork: started %ld of %ld: %s\n", started, s.n2,
			strerror(err));
		return;
	}
	print_rss_row("process", "fork", s, &r);
	print_row("process", "fork", s, r.before.pss_kb, r.at_n1.pss_kb, r.at_n2.pss_kb, "pss");
}

/*
 * Run one in-process measurement in a fresh child, so that memory freed by
 * an earlier one (heap pages still resident) cannot absorb its growth.
 */
static void isolated(void (*run)(const char *, long, struct span), const char *variant,
		     long param, struct span s)
{
	int status;
	pid_t pid = child_fork();

	if (pid < 0) {
		fprintf(stderr, "mem_task: fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		run(variant, param, s);
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
	"processes (Rss and Pss summed over the children). bytes_per_task is\n"
	"the slope between two sizes N1 < N2, n is N2, total_kb the growth from\n"
	"no task to N2.\n"
	"CSV on stdout: model,variant,n,bytes_per_task,total_kb,metric\n";

int main(int argc, char **argv)
{
	/* Per scale (smoke, quick, full); the header says why these. */
	static const struct span copy[] = { { 5000, 50000 }, { 20000, 200000 },
					    { 100000, 1000000 } };
	static const struct span guarded[] = { { 1000, 10000 }, { 2000, 24000 }, { 2000, 28000 } };
	static const struct span threads[] = { { 50, 500 }, { 200, 2000 }, { 1000, 10000 } };
	static const struct span procs[] = { { 20, 200 }, { 100, 1000 }, { 500, 5000 } };
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
		isolated(run_coros, "guarded", CO_STACK_GUARDED, fit(guarded[scale]));
		isolated(run_coros, "copy", CO_STACK_COPY, fit(copy[scale]));
	}
	if (only == MODEL_COUNT || only == MODEL_THREAD) {
		isolated(run_threads, "default_stack", 0, fit(threads[scale]));
		isolated(run_threads, "small_stack", 64 * 1024, fit(threads[scale]));
	}
	return 0;
}
