/*
 * coro_lessons - demos 1 to 4 on the suite's own coroutine loop (coro/coro.h),
 * the C twins of the asyncio lessons.
 *
 *   build/demos/coro_lessons await|gather|wait_for|blocking DIR [PERCENT]
 *
 * Times are scaled by PERCENT (default 100; make demo DEMO_FAST=1 gives 10).
 *   await     two tasks sleeping 1 s and 2 s, spawned then gathered
 *             (DIR/await.csv);
 *   gather    tasks A, B, C sleeping 1.5, 0.5, 1.0 s: co_gather hands back
 *             spawn order (DIR/gather.csv), co_next_completed completion
 *             order (DIR/as_completed.csv);
 *   wait_for  a 2 s task given 1 s by co_wait_for: -ETIMEDOUT, the task sees
 *             -ECANCELED and cleans up (DIR/wait_for.csv); co_wait_first on
 *             0.5, 1, 1.5 s leaves two pending (DIR/first_completed.csv);
 *   blocking  three tasks computing 100 ms sums without suspending, beside a
 *             task sleeping 10 ms: they all run back to back (DIR/blocking.csv).
 * Each CSV is a timeline (task,start_s,end_s,worker,cpu; tasks by label, as
 * the Python lessons write them); findings go to stdout as "key: value"
 * lines. Exit status: 0, 1 if a loop call failed (message printed), 2 usage.
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

#define MAX_ROWS 16

/* One section's timeline; every task runs on the loop's thread. */
static struct row {
	char label[40];
	int64_t start, end;
} rows[MAX_ROWS];
static int nrows;
static int64_t t0, unit;        /* unit: one scaled second, in ns */
static const char *dir;

static void add_row(const char *label, int64_t start, int64_t end)
{
	if (nrows < MAX_ROWS) {
		snprintf(rows[nrows].label, sizeof rows[nrows].label, "%s", label);
		rows[nrows].start = start;
		rows[nrows++].end = end;
	}
}

static void mark(const char *label)
{
	int64_t now = co_now();
	add_row(label, now, now);
}

/* Write the rows as DIR/name.csv, in order of their start, and start afresh. */
static int write_section(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.csv", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "coro_lessons: fopen %s: %s\n", path, strerror(errno));
		return 1;
	}
	fprintf(f, "task,start_s,end_s,worker,cpu\n");
	for (int64_t after = -1, next; ; after = next) {
		next = INT64_MAX;
		for (int i = 0; i < nrows; i++)
			if (rows[i].start > after && rows[i].start < next)
				next = rows[i].start;
		if (next == INT64_MAX)
			break;
		for (int i = 0; i < nrows; i++)
			if (rows[i].start == next)
				fprintf(f, "%s,%.6f,%.6f,%d,%d\n", rows[i].label,
					(double)(rows[i].start - t0) / 1e9,
					(double)(rows[i].end - t0) / 1e9, (int)gettid(), sched_getcpu());
	}
	nrows = 0;
	t0 = co_now();
	return fclose(f) == 0 ? 0 : 1;
}

static int check(const char *call, int err)
{
	if (err < 0 && err != -ETIMEDOUT)
		fprintf(stderr, "coro_lessons: %s: %s\n", call, strerror(-err));
	return err;
}

/* A task that sleeps arg/10 units (tenths, so 1.5 s is 15) and reports its name. */
struct sleeper {
	const char *name;
	long tenths;
};

static int sleep_task(void *arg, intptr_t *value)
{
	struct sleeper *s = arg;
	int64_t start = co_now();
	char label[40];
	int err = co_sleep(start + unit * s->tenths / 10);

	snprintf(label, sizeof label, "%s (%.2g s)%s", s->name,
		 (double)(unit * s->tenths / 10) / 1e9, err == -ECANCELED ? " cancelled" : "");
	add_row(label, start, co_now());   /* on cancellation too: the cleanup */
	*value = (intptr_t)s->name;
	return err;
}

static int spawn_all(co_tid *ids, struct sleeper *s, int n)
{
	for (int i = 0; i < n; i++)
		if (check("co_spawn", co_spawn(&ids[i], sleep_task, &s[i])) < 0)
			return -1;
	return 0;
}

static int lesson_await(void)
{
	struct sleeper s[] = { { "task 0", 10 }, { "task 1", 20 } };
	co_tid ids[2];

	if (spawn_all(ids, s, 2) || check("co_gather", co_gather(ids, 2, NULL, NULL)) < 0)
		return 1;
	printf("await: spawned then gathered, %.3f s\n", (double)(co_now() - t0) / 1e9);
	return write_section("await");
}

static int lesson_gather(void)
{
	struct sleeper s[] = { { "A", 15 }, { "B", 5 }, { "C", 10 } };
	co_tid ids[3], done;
	intptr_t v[3];
	size_t n = 3;

	if (spawn_all(ids, s, 3) || check("co_gather", co_gather(ids, 3, v, NULL)) < 0)
		return 1;
	printf("gather order: %s,%s,%s\n", (char *)v[0], (char *)v[1], (char *)v[2]);
	for (int i = 0; i < 3; i++)
		mark(i == 0 ? "got A" : i == 1 ? "got B" : "got C");
	if (write_section("gather") || spawn_all(ids, s, 3))
		return 1;
	printf("as_completed order: ");
	while (n > 0) {
		char got[40];
		if (check("co_next_completed", co_next_completed(ids, &n, &done)) < 0 ||
		    check("co_join", co_join(done, &v[0])) < 0)
			return 1;
		snprintf(got, sizeof got, "got %s", (char *)v[0]);
		mark(got);
		printf("%s%s", (char *)v[0], n ? "," : "\n");
	}
	return write_section("as_completed");
}

static int lesson_wait_for(void)
{
	struct sleeper slow = { "slow", 20 };
	struct sleeper s[] = { { "A", 5 }, { "B", 10 }, { "C", 15 } };
	co_tid id, ids[3];

	if (check("co_spawn", co_spawn(&id, sleep_task, &slow)) < 0)
		return 1;
	int err = check("co_wait_for", co_wait_for(id, co_now() + unit, NULL));
	mark(err == -ETIMEDOUT ? "caller: ETIMEDOUT" : "caller: no timeout");
	printf("wait_for: %s after %.3f s\n", err == -ETIMEDOUT ? "ETIMEDOUT" : "no timeout",
	       (double)(co_now() - t0) / 1e9);
	if (write_section("wait_for") || spawn_all(ids, s, 3))
		return 1;
	int first = check("co_wait_first", co_wait_first(ids, 3, CO_FOREVER));
	if (first < 0)
		return 1;
	mark("caller: wait returned");
	printf("first_completed: first %s, 2 pending at %.3f s\n", s[first].name,
	       (double)(co_now() - t0) / 1e9);
	if (check("co_gather", co_gather(ids, 3, NULL, NULL)) < 0)
		return 1;
	return write_section("first_completed");
}

/* Sum squares for about 100 ms scaled, without one suspension point. */
static int compute_task(void *arg, intptr_t *value)
{
	int64_t start = co_now();
	char label[16];

	*value = (intptr_t)wl_sum_squares_range(0, (uint64_t)(unit / 5));
	snprintf(label, sizeof label, "compute %ld", (long)(intptr_t)arg);
	add_row(label, start, co_now());
	return 0;
}

static int ticker_task(void *arg, intptr_t *value)
{
	(void)arg;
	(void)value;
	int64_t start = co_now();
	int err = co_sleep(start + 10 * CO_MS);
	add_row("sleep 10 ms", start, co_now());
	return err;
}

static int lesson_blocking(void)
{
	co_tid ids[4];
	int err = co_spawn(&ids[0], ticker_task, NULL);

	for (long i = 1; i < 4 && err == 0; i++)
		err = co_spawn(&ids[i], compute_task, (void *)i);
	if (check("co_spawn", err) < 0 || check("co_gather", co_gather(ids, 4, NULL, NULL)) < 0)
		return 1;
	for (int i = 0; i < nrows; i++)
		if (strcmp(rows[i].label, "sleep 10 ms") == 0)
			printf("blocking: the 10 ms sleep ended after %.3f s\n",
			       (double)(rows[i].end - rows[i].start) / 1e9);
	return write_section("blocking");
}

static int lesson_main(void *arg, intptr_t *value)
{
	const char *name = arg;
	(void)value;
	t0 = co_now();
	if (strcmp(name, "await") == 0)
		return lesson_await();
	if (strcmp(name, "gather") == 0)
		return lesson_gather();
	if (strcmp(name, "wait_for") == 0)
		return lesson_wait_for();
	return lesson_blocking();
}

int main(int argc, char **argv)
{
	long long percent = 100;
	const char *lessons[] = { "await", "gather", "wait_for", "blocking" };
	int known = 0;

	for (int i = 0; argc >= 3 && i < 4; i++)
		known |= strcmp(argv[1], lessons[i]) == 0;
	if (!known || argc > 4 || (argc == 4 && cli_number(argv[3], 1, 1000, &percent) != 0)) {
		fprintf(stderr, "usage: coro_lessons await|gather|wait_for|blocking DIR "
			"[PERCENT 1..1000]\n");
		return 2;
	}
	dir = argv[2];
	unit = CO_S * percent / 100;
	int status = co_run(lesson_main, argv[1], NULL, NULL);
	return status == 0 ? 0 : 1;
}
