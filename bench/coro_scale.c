/*
 * coro_scale - how many concurrent coroutines one loop holds, and at what
 * cost: T tasks each sleeping d ms (co_sleep), all at once, per stack mode.
 *
 *   build/bench/coro_scale [--scale smoke|quick|full]
 *
 * CSV on stdout: tasks,stack_mode,ms,wall_s,max_rss_kb,bytes_per_task
 *   wall_s        from the first spawn to the last task collected (median
 *                 of the repetitions)
 *   max_rss_kb    peak RSS of the child process that ran the case (median)
 *   bytes_per_task (max_rss_kb - that of the same child running 1 task)
 *                 * 1024 / tasks
 * Every case runs in a fresh child process, so each peak RSS is its own.
 * Cases: smoke, 10,000 tasks of 100 ms in each mode, once; quick, 10,000
 * in each mode, then 100,000 and 1,000,000 with copy and auto stacks
 * (guarded stacks stop near vm.max_map_count / 2), d = 1 s, once each;
 * full, the same after a warm-up case, 3 repetitions each.
 * The targets: 1,000,000 under 2 s and 1.2 GB, 100,000 under 1.3 s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "coro.h"
#include "measure.h"

struct scase {
	long tasks;
	enum co_stack_mode mode;
};

static long sleep_ms;

static int sleeper(void *arg, intptr_t *value)
{
	(void)arg;
	*value = 1;
	return co_sleep(co_now() + sleep_ms * CO_MS);
}

/* The main task: spawn every sleeper, gather them, check each slept. */
static int fan_out(void *arg, intptr_t *ok)
{
	long tasks = (long)(intptr_t)arg;
	co_tid *id = calloc((size_t)tasks, sizeof *id);
	intptr_t *v = calloc((size_t)tasks, sizeof *v);
	int err = id && v ? 0 : -ENOMEM;

	for (long i = 0; i < tasks && err == 0; i++)
		if ((err = co_spawn(&id[i], sleeper, NULL)) != 0)
			fprintf(stderr, "coro_scale: co_spawn of task %ld: %s\n", i, strerror(-err));
	if (err == 0)
		err = co_gather(id, (size_t)tasks, v, NULL);
	*ok = err == 0;
	for (long i = 0; i < tasks && *ok; i++)
		*ok = v[i] == 1;
	free(id);
	free(v);
	return err;
}

/* Run one case in a child; its wall time in *wall_s, its peak RSS in *rss_kb. */
static int run_case(const struct scase *c, double *wall_s, long *rss_kb)
{
	int pfd[2], status;
	struct rusage ru;
	pid_t pid;

	if (pipe(pfd) != 0)
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct co_config cfg = { .stack = c->mode };
		intptr_t ok = 0;
		uint64_t t0 = now_ns();
		int err = co_run(fan_out, (void *)(intptr_t)c->tasks, &ok, &cfg);
		double s = (double)(now_ns() - t0) / 1e9;
		_exit(err == 0 && ok && write(pfd[1], &s, sizeof s) == sizeof s ? 0 : 1);
	}
	close(pfd[1]);
	ssize_t n = read(pfd[0], wall_s, sizeof *wall_s);
	close(pfd[0]);
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || n != (ssize_t)sizeof *wall_s) {
		fprintf(stderr, "coro_scale: %ld tasks, %s stacks: the child failed (status %#x)\n",
			c->tasks, co_stack_names[c->mode], status);
		return -EIO;
	}
	*rss_kb = ru.ru_maxrss;
	return 0;
}

/* Median wall time and RSS over reps runs of c; 0 or a negative errno. */
static int measure(const struct scase *c, int reps, double *wall_s, double *rss_kb)
{
	double walls[8], rss[8];
	struct summary sw, sr;

	for (int r = 0; r < reps; r++) {
		long kb = 0;
		int err = run_case(c, &walls[r], &kb);
		if (err)
			return err;
		rss[r] = (double)kb;
	}
	summarize(walls, (size_t)reps, &sw);
	summarize(rss, (size_t)reps, &sr);
	*wall_s = sw.median;
	*rss_kb = sr.median;
	return 0;
}

static const struct scase smoke_cases[] = {
	{ 10000, CO_STACK_GUARDED }, { 10000, CO_STACK_COPY }, { 10000, CO_STACK_AUTO }, { 0 },
};
static const struct scase quick_cases[] = {
	{ 10000, CO_STACK_GUARDED }, { 10000, CO_STACK_COPY }, { 10000, CO_STACK_AUTO },
	{ 100000, CO_STACK_COPY }, { 100000, CO_STACK_AUTO },
	{ 1000000, CO_STACK_COPY }, { 1000000, CO_STACK_AUTO }, { 0 },
};

int main(int argc, char **argv)
{
	enum bench_scale scale;

	switch (bench_parse(argc, argv, "coro_scale",
			    "usage: coro_scale [--scale smoke|quick|full]\n\n"
			    "T coroutines sleeping d ms at once, per stack mode; CSV on stdout:\n"
			    "tasks,stack_mode,ms,wall_s,max_rss_kb,bytes_per_task", NULL, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	bool smoke = scale == SCALE_SMOKE, full = scale == SCALE_FULL;
	const struct scase *cases = smoke ? smoke_cases : quick_cases;
	int reps = full ? 3 : 1;
	double wall, base_rss, rss;
	sleep_ms = smoke ? 100 : 1000;

	printf("tasks,stack_mode,ms,wall_s,max_rss_kb,bytes_per_task\n");
	struct scase one = { 1, CO_STACK_GUARDED };
	if ((full && measure(&quick_cases[0], 1, &wall, &rss) != 0) ||   /* warm-up */
	    measure(&one, 1, &wall, &base_rss) != 0)
		return 1;
	for (const struct scase *c = cases; c->tasks; c++) {
		if (measure(c, reps, &wall, &rss) != 0)
			return 1;
		printf("%ld,%s,%ld,%.3f,%.0f,%.0f\n", c->tasks, co_stack_names[c->mode], sleep_ms,
		       wall, rss, (rss - base_rss) * 1024 / (double)c->tasks);
		fflush(stdout);
	}
	return 0;
}
