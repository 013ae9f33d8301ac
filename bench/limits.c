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
 * An attempt at N is the io fan-out with every task waiting: N threads
 * (default stack, or 64 KiB) or N forked children, each blocked in read()
 * on one pipe, so that all N are alive at the same moment; closing the
 * pipe's write end releases them, and every one is joined or reaped before
 * the attempt reports. Each attempt runs in a child process of its own, so
 * that running out of memory (the OOM killer) ends the attempt, not this
 * program.
 *
 * The search doubles N from a start to a cap (smoke: 8 to 64; quick: 256 to
 * 4,096, below every limit; full: 4,096 to 131,072). The first attempt that
 * fails ends it: when creation failed at task k, those k were alive
 * together, so max_n is k (or the last N that succeeded, if larger) and the
 * errno together with the machine's state at that moment names the limit:
 *   EAGAIN/ENOMEM with this process's mappings near vm.max_map_count ->
 *   max_map_count (a thread stack is two mappings; glibc reports a failed
 *   stack mmap as EAGAIN); EAGAIN with the machine's tasks near
 *   kernel.pid_max (threads and processes both take a pid) -> pid_max;
 *   ENOMEM otherwise -> memory; EMFILE/ENFILE -> open_files.
 * An attempt killed by a signal (the OOM killer) cannot count; then up to
 * four bisection steps between the last success and the failure find the
 * edge (stopped_by memory).
 *
 * WARNING: at full scale the thread and process searches run the machine
 * out of pids for a moment, and fork fails for everyone meanwhile: run it
 * on a quiet machine, not in a loop. smoke and quick stay far below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

enum model { MODEL_THREAD, MODEL_PROCESS, MODEL_COUNT };
static const char *const model_names[] = { "thread", "process", "all", NULL };

struct variant {
	enum model model;
	const char *name;
	size_t stack;           /* thread stack size; 0: the default */
};

static const struct variant variants[] = {
	{ MODEL_THREAD, "default_stack", 0 },
	{ MODEL_THREAD, "small_stack", 64 * 1024 },
	{ MODEL_PROCESS, "fork", 0 },
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
static long pid_max, max_map_count, nofile, nproc;

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

/* Note the state of the machine at the moment creation failed. */
static void note_failure(struct outcome *o, int err)
{
	o->err = err;
	o->maps = count_lines("/proc/self/maps");
	o->tasks = machine_tasks();
}

/* Start up to n threads waiting on release; join them all after the peak. */
static void attempt_threads(const struct variant *v, long n, int release_w, struct outcome *o)
{
	pthread_t *tid = calloc((size_t)n, sizeof *tid);
	pthread_attr_t attr;

	if (tid == NULL) {
		note_failure(o, ENOMEM);
		return;
	}
	pthread_attr_init(&attr);
	if (v->stack)
		pthread_attr_setstacksize(&attr, v->stack);
	for (o->started = 0; o->started < n; o->started++) {
		int err = pthread_create(&tid[o->started], &attr, waiting_thread, NULL);
		if (err) {
			note_failure(o, err);
			break;
		}
	}
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
		note_failure(o, ENOMEM);
		return;
	}
	for (o->started = 0; o->started < n; o->started++) {
		pid[o->started] = fork();
		if (pid[o->started] < 0) {
			note_failure(o, errno);
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
	close(release_w);
	for (long i = 0; i < o->started; i++)
		while (waitpid(pid[i], NULL, 0) < 0 && errno == EINTR)
			;
	free(pid);
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
	pid_t child = fork();
	if (child < 0) {
		fprintf(stderr, "limits: fork of the attempt at %ld: %s\n", n, strerror(errno));
		exit(1);
	}
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(report[0]);
		release_fd = release[0];
		report_fd = report[1];
		if (v->model == MODEL_THREAD)
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

/* Which limit explains a failed attempt; see the header. */
static const char *stopped_by(const struct outcome *o)
{
	if (o->signal)
		return "memory";
	if (o->err == EMFILE || o->err == ENFILE)
		return "open_files";
	if ((o->err == EAGAIN || o->err == ENOMEM) && max_map_count > 0 &&
	    o->maps >= max_map_count - 16)
		return "max_map_count";
	if (o->err == EAGAIN && pid_max > 0 && o->tasks >= pid_max - 512)
		return "pid_max";
	if (o->err == ENOMEM)
		return "memory";
	return "other";
}

static void print_row(const struct variant *v, long max_n, const char *by, long n,
		      const struct outcome *o)
{
	printf("%s,%s,%ld,%s,", model_names[v->model], v->name, max_n, by);
	if (o == NULL)
		printf("reached the search cap of %ld", n);
	else if (o->signal)
		printf("attempt at %ld killed by signal %d", n, o->signal);
	else
		printf("attempt at %ld started %ld: %s; machine tasks %ld of pid_max %ld; "
		       "mappings %ld of max_map_count %ld; open files limit %ld; "
		       "process limit %ld%s",
		       n, o->started, strerror(o->err), o->tasks, pid_max, o->maps,
		       max_map_count, nofile, nproc, geteuid() == 0 ? " (root: not enforced)" : "");
	printf("\n");
	fflush(stdout);
}

/* The search for one variant (see the header); one row. */
static void search(const struct variant *v, long start, long cap)
{
	struct outcome o;
	long ok = 0, n;

	for (n = start; n <= cap; n *= 2) {
		attempt(v, n, &o);
		if (!o.signal && o.err == 0) {
			ok = n;
			continue;
		}
		if (!o.signal) {
			print_row(v, o.started > ok ? o.started : ok, stopped_by(&o), n, &o);
			return;
		}
		/* Killed: bisect between ok and n for at most four steps. */
		long bad = n;
		struct outcome last = o;
		for (int step = 0; step < 4 && bad - ok > 1; step++) {
			long mid = ok + (bad - ok) / 2;
			attempt(v, mid, &o);
			if (!o.signal && o.err == 0)
				ok = mid;
			else {
				bad = mid;
				last = o;
			}
		}
		print_row(v, ok, stopped_by(&last), bad, &last);
		return;
	}
	print_row(v, ok, "none", cap, NULL);
}

static const char usage_text[] =
	"usage: limits [--scale smoke|quick|full] [--only MODEL]\n"
	"\n"
	"The largest number of waiting threads (default and 64 KiB stacks) and\n"
	"processes alive at once, and the limit that stopped them, by doubling N.\n"
	"full runs this machine out of pids for a moment: not on a busy machine.\n"
	"CSV on stdout: model,variant,max_n,stopped_by,detail\n";

int main(int argc, char **argv)
{
	static const long start[] = { 8, 256, 4096 };
	static const long cap[] = { 64, 4096, 131072 };
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
	pid_max = read_long("/proc/sys/kernel/pid_max");
	max_map_count = read_long("/proc/sys/vm/max_map_count");
	nofile = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long)rl.rlim_cur : -1;
	nproc = getrlimit(RLIMIT_NPROC, &rl) == 0 ? (long)rl.rlim_cur : -1;

	printf("model,variant,max_n,stopped_by,detail\n");
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
		if (only == MODEL_COUNT || only == variants[i].model)
			search(&variants[i], start[scale], cap[scale]);
	return 0;
}
