/*
 * await_gather - demo 1: awaiting tasks one after another vs spawning them
 * all, then gathering.
 *
 *   build/demos/await_gather seq|spawn MS...
 *
 * Task i waits MS[i] milliseconds. seq runs each to completion before
 * starting the next ("await a; await b"): the total is the sum of the waits.
 * spawn starts a thread per task, then joins them all ("gather"): the total
 * is the longest wait. Prints one line, "<mode>: <T> tasks, <wall> s".
 * With CM_TIMELINE=FILE each task's start and end go to FILE (timeline.h).
 * Bad input: one line on stderr, exit 2; a failed pthread_create: exit 3.
 */
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "measure.h"
#include "timeline.h"

#define MAX_TASKS 64

struct wait_task {
	long i, ms;
};

static void *wait_one(void *arg)
{
	struct wait_task *t = arg;

	tl_task_start(t->i);
	wl_sleep_ms(t->ms);
	tl_task_end(t->i);
	return NULL;
}

/* Run every task; return 0, or pthread_create's error after joining the started. */
static int run_tasks(struct wait_task *t, long n, int spawn)
{
	pthread_t tid[MAX_TASKS];
	long started = 0;
	int err = 0;

	for (long i = 0; i < n; i++) {
		if (!spawn) {
			wait_one(&t[i]);
			continue;
		}
		err = pthread_create(&tid[i], NULL, wait_one, &t[i]);
		if (err != 0)
			break;
		started++;
	}
	for (long i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	return err;
}

int main(int argc, char **argv)
{
	struct wait_task t[MAX_TASKS];
	long long ms;
	int spawn;

	if (argc < 3 || argc - 2 > MAX_TASKS ||
	    (strcmp(argv[1], "seq") != 0 && strcmp(argv[1], "spawn") != 0)) {
		fprintf(stderr, "usage: await_gather seq|spawn MS... (1..%d waits)\n", MAX_TASKS);
		return 2;
	}
	spawn = strcmp(argv[1], "spawn") == 0;
	long n = argc - 2;
	for (long i = 0; i < n; i++) {
		if (cli_number(argv[i + 2], 0, CLI_MAX_MS, &ms) != 0) {
			fprintf(stderr, "await_gather: MS: invalid value '%s' (accepted: 0..%ld)\n",
				argv[i + 2], CLI_MAX_MS);
			return 2;
		}
		t[i] = (struct wait_task){ i, (long)ms };
	}
	uint64_t t0 = now_ns();
	tl_begin(n);
	int err = run_tasks(t, n, spawn);
	int written = tl_finish("await_gather") == 0;   /* or it said why */
	if (err != 0) {
		fprintf(stderr, "await_gather: pthread_create: %s\n", strerror(err));
		return 3;
	}
	printf("%s: %ld tasks, %.3f s\n", argv[1], n, (double)(now_ns() - t0) / 1e9);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "await_gather: writing the report: %s\n", strerror(errno));
		return 1;
	}
	return written ? 0 : 1;
}
