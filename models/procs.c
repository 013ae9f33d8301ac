/*
 * procs - fork()ed processes, two ways:
 *
 *   one per task (default): child i runs task i and exits.
 *   --workers W: W pre-forked workers take task indices from a counter in
 *     shared memory until none are left (the C twin of multiprocessing.Pool).
 *
 * Processes share no memory by default, so results come back through one
 * pipe: each task writes a 32-byte record {index, value}. Writes of at most
 * PIPE_BUF bytes are atomic, so records from many children never interleave.
 * The parent reads records until every write end is closed (EOF), then
 * reaps every child. A child that exits non-zero marks the run failed.
 *
 * Children are forked by child_fork (lib/child.h): they die with the
 * parent, even one killed just after the fork, so none is left behind.
 *
 * If fork fails at child k, no more are started; the started ones finish,
 * are read and reaped, and the run exits with status 3.
 *
 * net: each child makes its task's request with a socket of its own (a
 * descriptor table of its own too, so procs meets pid_max long before it
 * could run out of descriptors). Failed requests are counted in a record
 * the children share with the parent (lib/net.h), which prints one line
 * for all of them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "cli.h"
#include "netserver.h"
#include "run.h"
#include "timeline.h"

struct record {
	int64_t index;
	int64_t pad;
	u128 value;
};

static void send_result(int fd, const struct wl_params *wl, long i)
{
	struct record rec = { .index = i, .value = tl_run_task(wl, i) };

	if (write(fd, &rec, sizeof rec) != (ssize_t)sizeof rec)
		_exit(1);
}

/* What child k runs: one task, or pool work until the counter passes T. */
static void child_main(int fd, const struct wl_params *wl, long k, atomic_long *next)
{
	if (next == NULL) {
		send_result(fd, wl, k);
		return;
	}
	for (;;) {
		long i = atomic_fetch_add(next, 1);
		if (i >= wl->tasks)
			return;
		send_result(fd, wl, i);
	}
}

/* Fork `want` children; return how many started (*err: fork's errno). */
static long fork_children(pid_t *pid, long want, int fd[2], const struct wl_params *wl,
			  atomic_long *next, int *err)
{
	for (long k = 0; k < want; k++) {
		pid[k] = child_fork();
		if (pid[k] < 0) {
			*err = errno;
			return k;
		}
		if (pid[k] == 0) {
			close(fd[0]);
			child_main(fd[1], wl, k, next);
			_exit(0);
		}
	}
	return want;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);
		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 1;
}

/* Read records until EOF; each index may report once. */
static void collect(int fd, struct run *run, bool *seen)
{
	struct record rec;

	while (read_full(fd, &rec, sizeof rec) == 1) {
		if (rec.index < 0 || rec.index >= run->cli->wl.tasks || seen[rec.index]) {
			run->failed = true;
			continue;
		}
		seen[rec.index] = true;
		run_task_done(run, (long)rec.index, rec.value);
	}
}

static void reap(const pid_t *pid, long started, struct run *run)
{
	for (long k = 0; k < started; k++) {
		int st;
		while (waitpid(pid[k], &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			run->failed = true;
	}
}

int main(int argc, char **argv)
{
	struct cli cli;
	struct run run;
	struct netserver server;
	int fd[2], err = 0;

	switch (cli_parse(argc, argv, "procs", NULL, &cli)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	if ((err = netserver_open(&cli, &server)) != 0)
		return err;
	long tasks = cli.wl.tasks;
	bool pool = cli.workers > 0;
	long want = pool ? (cli.workers < tasks ? cli.workers : tasks) : tasks;
	pid_t *pid = calloc((size_t)want, sizeof *pid);
	bool *seen = calloc((size_t)tasks, sizeof *seen);
	atomic_long *next = NULL;
	if (pool) {
		/* The pool's task queue: one counter every worker can see. */
		next = mmap(NULL, sizeof *next, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (next == MAP_FAILED)
			next = NULL;
	}
	if (!pid || !seen || (pool && !next)) {
		fprintf(stderr, "procs: allocating for %ld tasks: out of memory\n", tasks);
		netserver_close(&server);
		return 3;
	}
	cli.workers = pool ? want : 0;
	run_begin(&run, &cli);
	tl_begin(tasks);
	if (pipe2(fd, O_CLOEXEC) != 0) {
		fprintf(stderr, "procs: pipe2: %s\n", strerror(errno));
		netserver_close(&server);
		return 3;
	}

	long started = fork_children(pid, want, fd, &cli.wl, next, &err);
	if (started < want) {
		if (next)  /* started workers take no more tasks */
			atomic_store(next, tasks);
		run_shortfall(&run, pool ? "workers" : "tasks", started, want, err);
	}
	close(fd[1]);
	collect(fd[0], &run, seen);
	close(fd[0]);
	reap(pid, started, &run);

	tl_finish(cli.model);
	int status = run_finish(&run);
	netserver_close(&server);
	if (next)
		munmap(next, sizeof *next);
	free(pid);
	free(seen);
	return status;
}
