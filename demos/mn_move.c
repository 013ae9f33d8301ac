/*
 * mn_move - a coroutine that goes to sleep on one scheduler thread and wakes
 * up on another: the M:N scheduler's migration (coro/sched.c), shown.
 *
 *   build/demos/mn_move DIR [PERCENT]
 *
 * On 2 loops, the mover (the main task) spawns X1 and parks in co_sleep on
 * its loop A, which then computes X1. A loop's turn runs what was runnable
 * when it began, then fires its timers (coro/loop.c): X1 spawns X2 as it
 * ends, so when A fires the mover's timer, the mover goes on A's run queue
 * behind X2, which A runs next. Loop B, done with its own task Y, has
 * nothing left and steals the mover from A's queue: the mover resumes on
 * B's thread. For B to be busy while X1 and X2 are queued (else it steals
 * those instead), the mover first waits, yielding, until Y runs on the
 * other thread, then starts Y's computation (Y 1.5 units, X1 and
 * X2 1 unit each; the mover computes 0.2 unit, sleeps 0.1 unit, computes
 * 0.2 unit; a unit is 100 ms x PERCENT / 100).
 *
 * Which thread runs what is still the scheduler's choice (Y may settle
 * late, a neighbour may hold a CPU), so an attempt in which the mover
 * stayed is repeated, up to 8 times; the last attempt is the one written.
 * DIR/move.csv: a timeline (task,start_s,end_s,worker,cpu), the mover's two
 * parts under one label, each with the thread that ran it. stdout:
 * "mover: thread T1 -> thread T2 (moved|stayed)" and "attempts: k".
 * Exit status: 0, 1 if the runtime failed (message printed), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "coro.h"
#include "workload.h"

#define ATTEMPTS 8

struct row {
	const char *label;
	int64_t start, end;
	int tid, cpu;
};

/* What one attempt's tasks record; they run on two threads: atomics. */
static struct row rows[5];
static int go, y_tid;
static int64_t unit, t0;

static void begin(struct row *r, const char *label)
{
	r->label = label;
	r->start = co_now();
	r->tid = (int)gettid();
	r->cpu = sched_getcpu();
}

/* Compute, without suspending, for tenths/10 units. */
static void compute(long tenths)
{
	int64_t end = co_now() + unit * tenths / 10;

	while (co_now() < end)
		wl_sum_squares_range(0, 100000);
}

/* Y: yield until told to go (so that it settles on a thread of its own), then compute. */
static int task_y(void *arg, intptr_t *value)
{
	(void)arg;
	(void)value;
	while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&y_tid, (int)gettid(), __ATOMIC_SEQ_CST);
		if (co_yield() != 0)
			return -ECANCELED;
	}
	begin(&rows[1], "Y (1.5 units)");
	compute(15);
	rows[1].end = co_now();
	return 0;
}

static co_tid x2;

/* X1 computes, then spawns X2 (so that X2 arrives in the turn after the one
 * that ran X1, behind the mover's timer); X2 computes. */
static int task_x(void *arg, intptr_t *value)
{
	struct row *r = arg;

	(void)value;
	begin(r, r == &rows[2] ? "X1 (1 unit)" : "X2 (1 unit)");
	compute(10);
	r->end = co_now();
	return r == &rows[2] ? co_spawn(&x2, task_x, &rows[3]) : 0;
}

/* One attempt: the mover is this task. 1 if it moved, 0 if not, < 0 on error. */
static int attempt(void *arg, intptr_t *value)
{
	co_tid y, x1;
	int err;

	(void)arg;
	(void)value;
	go = y_tid = 0;
	memset(rows, 0, sizeof rows);
	t0 = co_now();
	if ((err = co_spawn(&y, task_y, NULL)) != 0)
		return err;
	while (err == 0 && (__atomic_load_n(&y_tid, __ATOMIC_SEQ_CST) == 0 ||
			    __atomic_load_n(&y_tid, __ATOMIC_SEQ_CST) == (int)gettid()))
		err = co_yield();
	__atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
	x2 = 0;
	if (err == 0)
		err = co_spawn(&x1, task_x, &rows[2]);
	if (err != 0) {
		co_join(y, NULL);
		return err;
	}
	begin(&rows[0], "mover (sleeps midway)");
	compute(2);
	rows[0].end = co_now();
	err = co_sleep(co_now() + unit / 10);
	begin(&rows[4], "mover (sleeps midway)");
	compute(2);
	rows[4].end = co_now();
	int gathered = co_join(x1, NULL);
	if (gathered == 0)
		gathered = co_join(x2, NULL);
	int joined = co_join(y, NULL);
	if (err != 0 || gathered != 0 || joined != 0)
		return err ? err : gathered ? gathered : joined;
	*value = rows[4].tid != rows[0].tid;
	return 0;
}

static int write_csv(const char *dir)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/move.csv", dir);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "mn_move: fopen %s: %s\n", path, strerror(errno));
		return 1;
	}
	fprintf(f, "task,start_s,end_s,worker,cpu\n");
	for (int i = 0; i < 5; i++)
		if (rows[i].label)
			fprintf(f, "%s,%.6f,%.6f,%d,%d\n", rows[i].label,
				(double)(rows[i].start - t0) / 1e9, (double)(rows[i].end - t0) / 1e9,
				rows[i].tid, rows[i].cpu);
	return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	long long percent = 100;
	struct co_config cfg = { .loops = 2 };
	intptr_t moved = 0;
	int k;

	if (argc < 2 || argc > 3 || (argc == 3 && cli_number(argv[2], 1, 1000, &percent) != 0)) {
		fprintf(stderr, "usage: mn_move DIR [PERCENT 1..1000]\n");
		return 2;
	}
	unit = 100 * CO_MS * percent / 100;
	for (k = 1; k <= ATTEMPTS && !moved; k++) {
		int err = co_run(attempt, NULL, &moved, &cfg);
		if (err != 0) {
			fprintf(stderr, "mn_move: attempt %d: %s\n", k, strerror(-err));
			return 1;
		}
	}
	printf("mover: thread %d -> thread %d (%s)\nattempts: %d\n", rows[0].tid, rows[4].tid,
	       moved ? "moved" : "stayed", k - 1);
	return write_csv(argv[1]);
}
