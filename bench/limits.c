/*
 * limits - how many tasks each model keeps alive at once on this machine,
 * and what stops it.
 *
 *   build/bench/limits [--scale smoke|quick|full] [--only MODEL]
 *
 * CSV on stdout, one row per model and variant:
 *   model,variant,max_n,stopped_by,detail
 * stopped_by: pid_max | max_map_count | open_files | memory | none (the
 * search reached its cap) | other; detail says what the failing attempt
 * saw (no commas).
 *
 * An attempt at N is the io fan-out with every task waiting: N coroutines
 * (guarded or copy stacks) in co_sleep, cancelled and joined after the
 * peak; N threads (default stack, or 64 KiB) or N forked children, each
 * blocked in read() on one pipe, so that all N are alive at the same
 * moment; closing the pipe's write end releases them, and every one is
 * joined or reaped before the attempt reports. Each attempt runs in a child process of its own, so
 * that running out of memory (the OOM killer) ends the attempt, not this
 * program.
 *
 * The search doubles N from a start to a cap (smoke: 8 to 64, below every
 * limit; quick: coroutines 4,096 to 1,048,576 and threads 16,384 to 131,072
 * (default stacks only: 64 KiB ones meet the same pid_max),
 * so that both meet their limits (threads meet pid_max in a few seconds),
 * processes 128 to 1,024; full: the same, and processes from 32,768 to
 * 131,072: a fork costs milliseconds on some virtual machines, and the
 * failing attempt counts the edge anyway). The first attempt that
 * fails ends it: when creation failed at task k, those k were alive
 * together, so max_n is k (or the last N that succeeded, if larger) and the
 * errno together with the machine's state at that moment names the limit
 * (lib/limit_cause.h): EAGAIN/ENOMEM with this process's mappings near
 * vm.max_map_count -> max_map_count (a thread or guarded coroutine stack
 * is two mappings); EAGAIN with the machine's tasks near kernel.pid_max ->
 * pid_max; ENOMEM otherwise -> memory; EMFILE/ENFILE -> open_files.
 * Guarded coroutines count as near the mapping limit CO_MAPS_SPARE
 * mappings earlier, where the runtime stops making their stacks.
 * An attempt killed by a signal (the OOM killer, or an abort where a
 * library cannot cope with the shortage) cannot count; then up to four
 * bisection steps between the last success and the failure find the edge,
 * and the limit is named by projecting the last success's peak mappings and
 * tasks to the failing N (memory when neither limit is near).
 *
 * WARNING: at quick and full scale the thread search (and at full the
 * process search) runs the machine out of pids for a moment, and fork fails
 * for everyone meanwhile: run it on a quiet machine, not in a loop. smoke
 * stays far below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "child.h"
#include "coro.h"
#include "limit_cause.h"

enum model { MODEL_CORO, MODEL_THREAD, MODEL_PROCESS, MODEL_COUNT };
static const char *const model_names[] = { "coro", "thread", "process", "all", NULL };

struct variant {
	enum model model;
	const char *name;
	size_t stack;           /* thread stack size; 0: the default */
	enum co_stack_mode mode;   /* coroutines: the stack mode */
	bool not_quick;         /* the row before's limit again: left out of the short scale */
};

static const struct variant variants[] = {
	{ MODEL_CORO, "guarded", 0, CO_STACK_GUARDED, false },
	{ MODEL_CORO, "copy", 0, CO_STACK_COPY, false },
	{ MODEL_THREAD, "default_stack", 0, 0, false },
	{ MODEL_THREAD, "small_stack", 64 * 1024, 0, true },   /* pid_max again, not memory */
	{ MODEL_PROCESS, "fork", 0, 0, false },
};

/* What an attempt reports to the search, through a pipe. */
struct outcome {
	long started;           /* tasks alive together at the peak */
	int err;                /* 0: all N started; else the creating call's errno */
	long maps;              /* this attempt's mappings when creation failed */
	long tasks;             /* tasks on the machine when creation failed */
	int signal;             /* set by the search: the attempt was killed */
};

/* The machine's limits, read once. */
static struct machine_limits machine;
static long nofile, nproc;

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static long count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int c;

	if (f == NULL)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Tasks (threads and processes) on the whole machine: /proc/loadavg's
 * "running/total" field. */
static long machine_tasks(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	long running, total = -1;

	if (f) {
		if (fscanf(f, "%*f %*f %*f %ld/%ld", &running, &total) != 2)
			total = -1;
		fclose(f);
	}
	return total;
}

static int release_fd = -1;   /* tasks block reading this until it closes */
static int report_fd = -1;    /* the attempt's report to the search */

static void *waiting_thread(void *arg)
{
	char c;

	(void)arg;
	while (read(release_fd, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* Note the state at the peak: this attempt's mappings, the machine's tasks. */
static void note_peak(struct outcome *o)
{
	o->maps = count_lines("/proc/self/maps");
	o->tasks = machine_tasks();
}

/* Start up to n threads waiting on release; join them all after the peak. */
static void attempt_threads(const struct variant *v, long n, int release_w, struct outcome *o)
{
	pthread_t *tid = calloc((size_t)n, sizeof *tid);
	pthread_attr_t attr;

	if (tid == NULL) {
		o->err = ENOMEM;
		return;
	}
	pthread_attr_init(&attr);
	if (v->stack)
		pthread_attr_setstacksize(&attr, v->stack);
	for (o->started = 0; o->started < n; o->started++) {
		int err = pthread_create(&tid[o->started], &attr, waiting_thread, NULL);
		if (err) {
			o->err = err;
			break;
		}
	}
	note_peak(o);
	close(release_w);
	for (long i = 0; i < o->started; i++)
		pthread_join(tid[i], NULL);
	pthread_attr_destroy(&attr);
	free(tid);
}

/* Fork up to n children waiting on release; reap them all after the peak. */
static void attempt_processes(long n, int release_w, struct outcome *o)
{
	pid_t *pid = calloc((size_t)n, sizeof *pid);
	char c;

	if (pid == NULL) {
		o->err = ENOMEM;
		return;
	}
	for (o->started = 0; o->started < n; o->started++) {
		pid[o->started] = fork();
		if (pid[o->started] < 0) {
			o->err = errno;
			break;
		}
		if (pid[o->started] == 0) {
			close(release_w);
			close(report_fd);
			while (read(release_fd, &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
	}
	note_peak(o);
	close(release_w);
	for (long i = 0; i < o->started; i++)
		while (waitpid(pid[i], NULL, 0) < 0 && errno == EINTR)
			;
	free(pid);
}

/* Coroutines: spawn up to n sleepers from the loop's first task. */
struct coro_attempt {
	long n;
	struct outcome *o;
};

static int sleeping_task(void *arg, intptr_t *value)
{
	(void)arg;
	(void)value;
	return co_sleep(co_now() + 3600 * CO_S);
}

static int coro_attempt_main(void *arg, intptr_t *value)
{
	struct coro_attempt *a = arg;
	struct outcome *o = a->o;
	co_tid *ids = calloc((size_t)a->n, sizeof *ids);

	(void)value;
	if (ids == NULL) {
		o->err = ENOMEM;
		return 0;
	}
	for (o->started = 0; o->started < a->n; o->started++) {
		int err = co_spawn(&ids[o->started], sleeping_task, NULL);
		if (err) {
			o->err = -err;
			break;
		}
	}
	co_yield();   /* the peak: each task runs up to its co_sleep */
	note_peak(o);
	for (long i = 0; i < o->started; i++)
		co_cancel(ids[i]);
	for (long i = 0; i < o->started; i++)
		co_join(ids[i], NULL);
	free(ids);
	return 0;
}

static void attempt_coros(const struct variant *v, long n, struct outcome *o)
{
	struct coro_attempt a = { n, o };
	const struct co_config cfg = { .stack = v->mode };
	int err = co_run(coro_attempt_main, &a, NULL, &cfg);

	if (err && o->err == 0)
		o->err = -err;
}

/*
 * One attempt at n tasks, in a child process of its own. A child killed by
 * a signal (out of memory) comes back as o->signal, started unknown (0).
 */
static void attempt(const struct variant *v, long n, struct outcome *o)
{
	int report[2], release[2], status;

	memset(o, 0, sizeof *o);
	if (pipe(report) != 0 || pipe(release) != 0) {
		fprintf(stderr, "limits: pipe: %s\n", strerror(errno));
		exit(1);
	}
	pid_t child = child_fork();
	if (child < 0) {
		fprintf(stderr, "limits: fork of the attempt at %ld: %s\n", n, strerror(errno));
		exit(1);
	}
	if (child == 0) {
		close(report[0]);
		release_fd = release[0];
		report_fd = report[1];
		if (v->model == MODEL_CORO)
			attempt_coros(v, n, o);
		else if (v->model == MODEL_THREAD)
			attempt_threads(v, n, release[1], o);
		else
			attempt_processes(n, release[1], o);
		_exit(write(report_fd, o, sizeof *o) == sizeof *o ? 0 : 1);
	}
	close(report[1]);
	close(release[0]);
	close(release[1]);
	ssize_t got = read(report[0], o, sizeof *o);
	close(report[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status) || got != (ssize_t)sizeof *o) {
		memset(o, 0, sizeof *o);
		o->signal = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
	}
}

/*
 * The limit behind a failed attempt. Guarded coroutines meet the mapping
 * limit CO_MAPS_SPARE mappings early: the runtime refuses a stack (ENOMEM)
 * there, to leave mappings for malloc and threads.
 */
static const char *cause(const struct variant *v, const struct outcome *o)
{
	struct machine_limits m = machine;

	if (v->model == MODEL_CORO && v->mode == CO_STACK_GUARDED && m.max_map_count > 0)
		m.max_map_count -= CO_MAPS_SPARE;
	return limit_cause(&m, o->err, o->maps, o->tasks);
}

static void print_row(const struct variant *v, long max_n, const char *by, long n,
		      const struct outcome *o)
{
	printf("%s,%s,%ld,%s,", model_names[v->model], v->name, max_n, by);
	if (o == NULL)
		printf("reached the search cap of %ld", n);
	else
		printf("attempt at %ld started %ld: %s; machine tasks %ld of pid_max %ld; "
		       "mappings %ld of max_map_count %ld; open files limit %ld; "
		       "process limit %ld%s",
		       n, o->started, strerror(o->err), o->tasks, machine.pid_max, o->maps,
		       machine.max_map_count, nofile, nproc, geteuid() == 0 ? " (root: not enforced)" : "");
	if (o && v->model == MODEL_CORO && v->mode == CO_STACK_GUARDED)
		printf("; guarded stacks stop %d mappings short of max_map_count", CO_MAPS_SPARE);
	printf("\n");
	fflush(stdout);
}

static void print_killed(const struct variant *v, long ok, long bad, int sig,
			 const struct outcome *best)
{
	long proj;
	const char *by = limit_cause_projected(&machine, ok, best->maps, best->tasks, bad, &proj);

	printf("%s,%s,%ld,%s,attempt at %ld killed by signal %d; the success at %ld peaked at "
	       "%ld mappings (about %ld at %ld) of max_map_count %ld and machine tasks %ld of "
	       "pid_max %ld\n", model_names[v->model], v->name, ok, by, bad, sig, ok,
	       best->maps, proj, bad, machine.max_map_count, best->tasks, machine.pid_max);
	fflush(stdout);
}

/* The search for one variant (see the header); one row. */
static void search(const struct variant *v, long start, long cap)
{
	struct outcome o, best = { 0 };
	long ok = 0, bad = 0;
	int sig = 0;

	for (long n = start; n <= cap && bad == 0; n *= 2) {
		attempt(v, n, &o);
		if (!o.signal && o.err == 0) {
			ok = n;
			best = o;
		} else if (!o.signal) {
			print_row(v, o.started > ok ? o.started : ok, cause(v, &o), n, &o);
			return;
		} else {
			bad = n;
			sig = o.signal;
		}
	}
	if (bad == 0) {
		print_row(v, ok, "none", cap, NULL);
		return;
	}
	/* Killed: bisect between ok and bad for at most four steps. */
	for (int step = 0; step < 4 && bad - ok > 1; step++) {
		long mid = ok + (bad - ok) / 2;
		attempt(v, mid, &o);
		if (!o.signal && o.err == 0) {
			ok = mid;
			best = o;
		} else if (!o.signal) {
			print_row(v, o.started > ok ? o.started : ok, cause(v, &o), mid, &o);
			return;
		} else {
			bad = mid;
			sig = o.signal;
		}
	}
	print_killed(v, ok, bad, sig, &best);
}

static const char usage_text[] =
	"usage: limits [--scale smoke|quick|full] [--only MODEL]\n"
	"\n"
	"The largest number of waiting coroutines (guarded and copy stacks),\n"
	"threads (default and 64 KiB stacks) and processes alive at once, and the\n"
	"limit that stopped them, by doubling N.\n"
	"quick and full run this machine out of pids for a moment: not on a busy machine.\n"
	"CSV on stdout: model,variant,max_n,stopped_by,detail\n";

int main(int argc, char **argv)
{
	/* [model][scale]: where the doubling starts and where it stops. */
	static const long start[MODEL_COUNT][3] = {
		{ 8, 4096, 4096 }, { 8, 16384, 4096 }, { 8, 128, 32768 },
	};
	static const long cap[MODEL_COUNT][3] = {
		{ 64, 1048576, 1048576 }, { 64, 131072, 131072 }, { 64, 1024, 131072 },
	};
	long long only = MODEL_COUNT;
	const struct cli_extra extras[] = {
		{ "only", "one model, or all (default)", 0, 0, model_names, &only },
		{ NULL, NULL, 0, 0, NULL, NULL },
	};
	enum bench_scale scale;
	struct rlimit rl;

	switch (bench_parse(argc, argv, "limits", usage_text, extras, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	machine.pid_max = read_long("/proc/sys/kernel/pid_max");
	machine.max_map_count = read_long("/proc/sys/vm/max_map_count");
	nofile = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long)rl.rlim_cur : -1;
	nproc = getrlimit(RLIMIT_NPROC, &rl) == 0 ? (long)rl.rlim_cur : -1;

	printf("model,variant,max_n,stopped_by,detail\n");
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
		if ((only == MODEL_COUNT || only == variants[i].model) &&
		    (!variants[i].not_quick || scale != SCALE_QUICK))
			search(&variants[i], start[variants[i].model][scale],
			       cap[variants[i].model][scale]);
	return 0;
}
