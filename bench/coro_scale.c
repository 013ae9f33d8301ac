/*
 * coro_scale - how many concurrent coroutines one loop holds, and at what
 * cost, beside libuv: T tasks each sleeping d ms, all at once, run as the
 * models themselves run them, one process per case:
 *
 *   build/coro io --tasks T --ms d --stack MODE --json   (each stack mode)
 *   build/uv io --tasks T --ms d --json                  (the libuv model)
 *
 *   build/bench/coro_scale [--scale smoke|quick|full]
 *
 * CSV on stdout: tasks,stack_mode,ms,wall_s,max_rss_kb,bytes_per_task,minflt,model
 *   stack_mode     guarded, copy or auto; "-" for uv
 *   wall_s         the model's own wall_s (its JSON: start to the last
 *                  task collected), median of the repetitions
 *   max_rss_kb     peak RSS of the process (wait4), median
 *   bytes_per_task (max_rss_kb - the same model's with 1 task) * 1024 / T
 *   minflt         its minor page faults (wait4), median: at a million
 *                  tasks, touching fresh pages is a good part of the time
 *   model          coro, or uv (rows only when build/uv is built; a note
 *                  on stderr otherwise)
 * (model and minflt came last, so that the older columns kept their places.)
 * A model's cases follow each other with libuv's right after, so that the
 * ratios between them come from the same minute of a noisy machine.
 * Cases: smoke, 10,000 tasks of 100 ms in each mode, once; quick, the same,
 * then 100,000 and 1,000,000 with copy and auto stacks (guarded stacks stop
 * near vm.max_map_count / 2), d = 1 s, once each; full, the same after a
 * warm-up case, 3 repetitions each. At quick and full the 10,000 x 100 ms
 * cases run SHORT_REPS times. wall_s is a median to 0.1 ms.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "child.h"

#define MAX_REPS 5
/* The 10,000 x 100 ms cases at quick and full: their time beyond d is a few
 * ms, about the spread of one run, so the median of five. */
#define SHORT_REPS 5
#define UV "-"                  /* the stack mode of a uv row */

struct scase {
	long tasks, ms;
	const char *mode;       /* a coro stack mode, or UV */
};

struct outcome { double wall_s, rss_kb, minflt; };

static char coro_path[4096], uv_path[4096];
static bool have_uv;

/* The number after "wall_s": in a model's JSON, or -1. */
static double json_wall(const char *json)
{
	const char *p = strstr(json, "\"wall_s\":");

	return p ? strtod(p + strlen("\"wall_s\":"), NULL) : -1;
}

/* Start c's program with its stdout on a pipe; its pid (*fd: the read end), or -1. */
static pid_t start(const struct scase *c, int *fd)
{
	char tasks[24], ms[24];
	bool uv = strcmp(c->mode, UV) == 0;
	const char *prog = uv ? uv_path : coro_path;
	char *argv[] = { (char *)prog, "io", "--tasks", tasks, "--ms", ms, "--json",
			 uv ? NULL : "--stack", (char *)c->mode, NULL };
	int pfd[2];
	pid_t pid;

	snprintf(tasks, sizeof tasks, "%ld", c->tasks);
	snprintf(ms, sizeof ms, "%ld", c->ms);
	if (pipe(pfd) != 0)
		return -1;
	if ((pid = child_fork()) == 0) {     /* the model dies with us: the signal outlives exec */
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		execv(prog, argv);
		fprintf(stderr, "coro_scale: exec %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0)
		close(pfd[0]);
	*fd = pfd[0];
	return pid;
}

/* Read fd to its end, keeping the first len - 1 bytes in buf (a string). */
static void read_all(int fd, char *buf, size_t len)
{
	char scratch[4096];
	size_t have = 0;
	ssize_t n;

	while ((n = read(fd, have < len - 1 ? buf + have : scratch,
			 have < len - 1 ? len - 1 - have : sizeof scratch)) > 0)
		if (have < len - 1)
			have += (size_t)n;
	buf[have] = '\0';
	close(fd);
}

/* Run one case's program to its end; 0, or -1 after a message. */
static int run_once(const struct scase *c, struct outcome *o)
{
	char out[8192];         /* the JSON is one short line */
	struct rusage ru;
	int fd, status = 0;
	pid_t pid = start(c, &fd);

	if (pid < 0) {
		fprintf(stderr, "coro_scale: pipe or fork: %s\n", strerror(errno));
		return -1;
	}
	read_all(fd, out, sizeof out);
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    (o->wall_s = json_wall(out)) < 0) {
		fprintf(stderr, "coro_scale: %s io --tasks %ld --ms %ld: failed, status %#x\n",
			strcmp(c->mode, UV) ? "coro" : "uv", c->tasks, c->ms, status);
		return -1;
	}
	o->rss_kb = (double)ru.ru_maxrss;
	o->minflt = (double)ru.ru_minflt;
	return 0;
}

/* Medians over reps runs of c; 0 or -1. */
static int measure(const struct scase *c, int reps, struct outcome *med)
{
	double wall[MAX_REPS], rss[MAX_REPS], flt[MAX_REPS];
	struct summary s;

	for (int r = 0; r < reps; r++) {
		struct outcome o;
		if (run_once(c, &o) != 0)
			return -1;
		wall[r] = o.wall_s;
		rss[r] = o.rss_kb;
		flt[r] = o.minflt;
	}
	summarize(wall, (size_t)reps, &s);
	med->wall_s = s.median;
	summarize(rss, (size_t)reps, &s);
	med->rss_kb = s.median;
	summarize(flt, (size_t)reps, &s);
	med->minflt = s.median;
	return 0;
}

/* One row: c's medians over reps runs, its bytes per task over its model's 1-task run. */
static int run_row(const struct scase *c, int reps, const struct outcome *base)
{
	struct outcome o;
	bool uv = strcmp(c->mode, UV) == 0;

	if (measure(c, reps, &o) != 0)
		return -1;
	printf("%ld,%s,%ld,%.4f,%.0f,%.0f,%.0f,%s\n", c->tasks, c->mode, c->ms, o.wall_s,
	       o.rss_kb, (o.rss_kb - base[uv].rss_kb) * 1024 / (double)c->tasks, o.minflt,
	       uv ? "uv" : "coro");
	fflush(stdout);
	return 0;
}

static const struct scase smoke_cases[] = {
	{ 10000, 100, "guarded" }, { 10000, 100, "copy" }, { 10000, 100, "auto" },
	{ 10000, 100, UV }, { 0, 0, NULL },
};
static const struct scase quick_cases[] = {
	{ 10000, 100, "guarded" }, { 10000, 100, "copy" }, { 10000, 100, "auto" },
	{ 10000, 100, UV },
	{ 100000, 1000, "copy" }, { 100000, 1000, "auto" }, { 100000, 1000, UV },
	{ 1000000, 1000, "copy" }, { 1000000, 1000, "auto" }, { 1000000, 1000, UV },
	{ 0, 0, NULL },
};

/* build/coro and build/uv beside build/bench/; 0, or -1 if coro is missing. */
static int find_models(void)
{
	char dir[4000];

	if (bench_self_dir(dir, sizeof dir) != 0) {
		fprintf(stderr, "coro_scale: where am I: %s\n", strerror(errno));
		return -1;
	}
	snprintf(coro_path, sizeof coro_path, "%s/../coro", dir);
	snprintf(uv_path, sizeof uv_path, "%s/../uv", dir);
	if (access(coro_path, X_OK) != 0) {
		fprintf(stderr, "coro_scale: %s: %s\n", coro_path, strerror(errno));
		return -1;
	}
	have_uv = access(uv_path, X_OK) == 0;
	if (!have_uv)
		fprintf(stderr, "coro_scale: %s is not built: no libuv rows\n", uv_path);
	return 0;
}

int main(int argc, char **argv)
{
	enum bench_scale scale;

	switch (bench_parse(argc, argv, "coro_scale",
			    "usage: coro_scale [--scale smoke|quick|full]\n\n"
			    "T tasks sleeping d ms at once: build/coro io per stack mode and\n"
			    "build/uv io (libuv) when built; CSV on stdout:\n"
			    "tasks,stack_mode,ms,wall_s,max_rss_kb,bytes_per_task,minflt,model",
			    NULL, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	const struct scase *cases = scale == SCALE_SMOKE ? smoke_cases : quick_cases;
	const struct scase one[2] = { { 1, 100, "guarded" }, { 1, 100, UV } };
	int reps = scale == SCALE_FULL ? 3 : 1;
	struct outcome base[2], warm;

	if (find_models() != 0)
		return 1;
	printf("tasks,stack_mode,ms,wall_s,max_rss_kb,bytes_per_task,minflt,model\n");
	if ((scale == SCALE_FULL && measure(&quick_cases[0], 1, &warm) != 0) ||
	    measure(&one[0], 1, &base[0]) != 0 || (have_uv && measure(&one[1], 1, &base[1]) != 0))
		return 1;
	for (const struct scase *c = cases; c->tasks; c++)
		if ((have_uv || strcmp(c->mode, UV) != 0) &&
		    run_row(c, scale != SCALE_SMOKE && c->ms <= 100 ? SHORT_REPS : reps, base) != 0)
			return 1;
	return 0;
}
