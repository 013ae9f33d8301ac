/* Unit tests for lib/timeline.c: records from threads and fork()ed children. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timeline.h"

static char path[64];

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof path, "/tmp/test_timeline_%d.csv", (int)getpid());
	return setenv("CM_TIMELINE", path, 1);
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return unsetenv("CM_TIMELINE");
}

struct row {
	long task;
	double start, end;
	int worker, cpu;
};

/* Read the CSV back: the number of rows, after checking the header. */
static int read_rows(struct row *rows, int max)
{
	char line[256];
	int n = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "task,start_s,end_s,worker,cpu\n");
	while (n < max && fscanf(f, "%ld,%lf,%lf,%d,%d\n", &rows[n].task, &rows[n].start,
				 &rows[n].end, &rows[n].worker, &rows[n].cpu) == 5)
		n++;
	fclose(f);
	return n;
}

static void *one_task(void *arg)
{
	struct wl_params p = { .kind = WL_IO, .tasks = 3, .ms = 20 };
	tl_run_task(&p, (long)(intptr_t)arg);
	return NULL;
}

/*
 * Tasks 0 and 2 on threads, task 1 in a child: every record reaches the file.
 * qemu-user 7.2 hangs in new threads and forked children on the test host,
 * so the aarch64 flavour of scripts/test.sh (CM_QEMU_USER) skips this one.
 */
static void test_threads_and_children(void **state)
{
	pthread_t t0, t2;
	struct row r[4];
	(void)state;

	if (getenv("CM_QEMU_USER"))
		skip();

	assert_int_equal(tl_begin(3), 0);
	assert_int_equal(pthread_create(&t0, NULL, one_task, (void *)0), 0);
	assert_int_equal(pthread_create(&t2, NULL, one_task, (void *)2), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		one_task((void *)1);
		_exit(0);
	}
	pthread_join(t0, NULL);
	pthread_join(t2, NULL);
	waitpid(pid, NULL, 0);
	assert_int_equal(tl_finish("test"), 0);

	assert_int_equal(read_rows(r, 4), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i].task, i);
		assert_true(r[i].start >= 0 && r[i].end >= r[i].start + 0.019);
		assert_true(r[i].cpu >= 0);
	}
	assert_int_equal(r[1].worker, pid);
	assert_true(r[0].worker != r[2].worker && r[0].worker != getpid());
}

/* A task that never ended leaves no row; without CM_TIMELINE nothing is written. */
static void test_unfinished_and_off(void **state)
{
	struct row r[4];
	(void)state;

	assert_int_equal(tl_begin(2), 0);
	tl_task_start(0);
	tl_task_start(1);
	tl_task_end(1);
	tl_task_end(7);   /* out of range: ignored */
	assert_int_equal(tl_finish("test"), 0);
	assert_int_equal(read_rows(r, 4), 1);
	assert_int_equal(r[0].task, 1);

	unlink(path);
	unsetenv("CM_TIMELINE");
	assert_int_equal(tl_begin(2), 0);
	tl_task_start(0);
	tl_task_end(0);
	assert_int_equal(tl_finish("test"), 0);
	assert_int_equal(access(path, F_OK), -1);
	setenv("CM_TIMELINE", path, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_threads_and_children, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unfinished_and_off, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
