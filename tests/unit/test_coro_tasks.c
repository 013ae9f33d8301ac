/*
 * Unit tests for the task API (coro/task.c, offload.c), one per promise of
 * coro.h: gather keeps spawn order, as_completed yields in completion order,
 * wait_first leaves the rest pending, wait_for cancels on timeout and the
 * task's cleanup runs, cancel reaches a sleeping task, a failing task in a
 * group cancels its siblings, done callbacks run, to_thread does not stall
 * a ticker task, to_process returns the child's value, and misuse is
 * reported with a message; the edges: joining a detached task, a task
 * gathering itself or waiting for its own group, no memory for a wait, a
 * worker pool that cannot start. Tests run under CO_TEST (co_test.h), so a
 * failed assertion inside a task fails that test alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "coro.h"
#include "backends.h"
#include "co_test.h"

/*
 * qemu-user 7.2 (Debian 12) hangs in any new thread or forked child on the
 * test host, so the aarch64 flavour of scripts/test.sh sets CM_QEMU_USER and
 * the tests that need one are skipped there.
 */
static void skip_under_qemu(void)
{
	if (getenv("CM_QEMU_USER"))
		skip();
}

/* Every test runs its body as the main task, in both stack modes. */
static void run_both(co_fn body)
{
	const enum co_stack_mode modes[] = { CO_STACK_GUARDED, CO_STACK_COPY };
	for (size_t m = 0; m < 2; m++) {
		struct co_config cfg = { .stack = modes[m], .backend = backend };
		intptr_t v = 0;
		assert_int_equal(co_run(body, NULL, &v, &cfg), 0);
		assert_int_equal(v, 1);     /* the body reached its end */
	}
}

/* Sleep arg ms, then return arg as the value. */
static int sleep_ms(void *arg, intptr_t *value)
{
	int err = co_sleep(co_now() + (intptr_t)arg * CO_MS);
	*value = (intptr_t)arg;
	return err;
}

/* Sleep until arg ms after t0 (set by the spawner), then return arg. */
static int64_t t0;

static int sleep_until(void *arg, intptr_t *value)
{
	int err = co_sleep(t0 + (intptr_t)arg * CO_MS);
	*value = (intptr_t)arg;
	return err;
}

static int gather_body(void *arg, intptr_t *value)
{
	const intptr_t ms[] = { 30, 10, 20, 1 };
	co_tid id[4];
	intptr_t v[4];
	int errs[4];
	(void)arg;
	for (int i = 0; i < 4; i++)
		assert_int_equal(co_spawn(&id[i], sleep_ms, (void *)ms[i]), 0);
	assert_int_equal(co_gather(id, 4, v, errs), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(v[i], ms[i]);
		assert_int_equal(errs[i], 0);
	}
	*value = 1;
	return 0;
}

static void test_gather_keeps_spawn_order(void **state)
{
	(void)state;
	run_both(gather_body);
}

static int as_completed_body(void *arg, intptr_t *value)
{
	const intptr_t ms[] = { 40, 10, 30, 20 }, want[] = { 10, 20, 30, 40 };
	co_tid id[4], done;
	size_t n = 4;
	intptr_t v;
	(void)arg;
	t0 = co_now();
	for (int i = 0; i < 4; i++)
		assert_int_equal(co_spawn(&id[i], sleep_until, (void *)ms[i]), 0);
	for (int k = 0; k < 4; k++) {
		assert_int_equal(co_next_completed(id, &n, &done), 0);
		assert_int_equal(co_join(done, &v), 0);
		assert_int_equal(v, want[k]);
	}
	assert_int_equal(n, 0);
	*value = 1;
	return 0;
}

static void test_as_completed_in_completion_order(void **state)
{
	(void)state;
	run_both(as_completed_body);
}

static int wait_first_body(void *arg, intptr_t *value)
{
	co_tid id[3];
	intptr_t v;
	(void)arg;
	t0 = co_now();
	assert_int_equal(co_spawn(&id[0], sleep_until, (void *)300), 0);
	assert_int_equal(co_spawn(&id[1], sleep_until, (void *)5), 0);
	assert_int_equal(co_spawn(&id[2], sleep_until, (void *)200), 0);
	assert_int_equal(co_wait_first(id, 3, CO_FOREVER), 1);
	assert_int_equal(co_wait_first(id, 3, co_now() + CO_MS), 1);   /* still there */
	assert_int_equal(co_join(id[1], &v), 0);
	if (co_now() < t0 + 150 * CO_MS)        /* a loaded machine may be past it */
		assert_int_equal(co_wait_first((co_tid[]){ id[0], id[2] }, 2, co_now() + CO_MS),
				 -ETIMEDOUT);
	assert_int_equal(co_join(id[0], &v), 0);   /* the others were left running */
	assert_int_equal(v, 300);
	assert_int_equal(co_join(id[2], &v), 0);
	*value = 1;
	return 0;
}

static void test_wait_first_leaves_the_rest_pending(void **state)
{
	(void)state;
	run_both(wait_first_body);
}

/* Sleeps long; on cancellation, records that its cleanup ran. */
static int cleanup_ran;

static int slow_with_cleanup(void *arg, intptr_t *value)
{
	int err = co_sleep(co_now() + 10 * CO_S);
	(void)arg;
	(void)value;
	if (err == -ECANCELED)
		cleanup_ran++;
	return err;
}

static int wait_for_body(void *arg, intptr_t *value)
{
	co_tid id;
	intptr_t v = 0;
	int64_t t0 = co_now();
	(void)arg;
	cleanup_ran = 0;
	assert_int_equal(co_spawn(&id, slow_with_cleanup, NULL), 0);
	assert_int_equal(co_wait_for(id, t0 + 20 * CO_MS, NULL), -ETIMEDOUT);
	assert_true(co_now() - t0 >= 20 * CO_MS);
	assert_true(co_now() - t0 < 5 * CO_S);
	assert_int_equal(cleanup_ran, 1);
	/* A task that finishes in time gives its value. */
	assert_int_equal(co_spawn(&id, sleep_ms, (void *)2), 0);
	assert_int_equal(co_wait_for(id, co_now() + 5 * CO_S, &v), 0);
	assert_int_equal(v, 2);
	*value = 1;
	return 0;
}

static void test_wait_for_cancels_on_timeout(void **state)
{
	(void)state;
	run_both(wait_for_body);
}

static int cancel_body(void *arg, intptr_t *value)
{
	co_tid id;
	(void)arg;
	cleanup_ran = 0;
	assert_int_equal(co_spawn(&id, slow_with_cleanup, NULL), 0);
	assert_int_equal(co_sleep(co_now() + CO_MS), 0);     /* let it fall asleep */
	int64_t t0 = co_now();
	assert_int_equal(co_cancel(id), 0);
	assert_int_equal(co_join(id, NULL), -ECANCELED);
	assert_true(co_now() - t0 < 5 * CO_S);
	assert_int_equal(cleanup_ran, 1);
	/* Cancelled before it ever ran: it finishes without running. */
	assert_int_equal(co_spawn(&id, slow_with_cleanup, NULL), 0);
	assert_int_equal(co_cancel(id), 0);
	assert_int_equal(co_join(id, NULL), -ECANCELED);
	assert_int_equal(cleanup_ran, 1);
	*value = 1;
	return 0;
}

static void test_cancel_reaches_a_sleeping_task(void **state)
{
	(void)state;
	run_both(cancel_body);
}

static int fail_after(void *arg, intptr_t *value)
{
	(void)value;
	co_sleep(co_now() + (intptr_t)arg * CO_MS);
	return -EIO;
}

static int group_body(void *arg, intptr_t *value)
{
	struct co_group *g;
	int64_t t0 = co_now();
	(void)arg;
	cleanup_ran = 0;
	assert_int_equal(co_group_new(&g), 0);
	assert_int_equal(co_group_spawn(g, NULL, slow_with_cleanup, NULL), 0);
	assert_int_equal(co_group_spawn(g, NULL, fail_after, (void *)5), 0);
	assert_int_equal(co_group_spawn(g, NULL, slow_with_cleanup, NULL), 0);
	assert_int_equal(co_group_wait(g), -EIO);
	assert_int_equal(cleanup_ran, 2);
	assert_true(co_now() - t0 < 5 * CO_S);
	/* A group whose tasks all succeed waits for all of them. */
	assert_int_equal(co_group_new(&g), 0);
	for (intptr_t ms = 1; ms <= 3; ms++)
		assert_int_equal(co_group_spawn(g, NULL, sleep_ms, (void *)ms), 0);
	assert_int_equal(co_group_wait(g), 0);
	assert_true(co_now() - t0 >= 3 * CO_MS);
	*value = 1;
	return 0;
}

static void test_failing_task_in_group_cancels_siblings(void **state)
{
	(void)state;
	run_both(group_body);
}

struct seen { co_tid id; int status; intptr_t value; int calls; };

static void on_done(co_tid id, int status, intptr_t value, void *data)
{
	struct seen *s = data;
	s->id = id;
	s->status = status;
	s->value = value;
	s->calls++;
}

static int callback_body(void *arg, intptr_t *value)
{
	struct seen *s = calloc(2, sizeof *s);
	co_tid id;
	(void)arg;
	assert_int_equal(co_spawn(&id, sleep_ms, (void *)3), 0);
	assert_int_equal(co_on_done(id, on_done, &s[0]), 0);
	assert_int_equal(co_join(id, NULL), 0);
	assert_int_equal(s[0].calls, 1);
	assert_int_equal(s[0].id, id);
	assert_int_equal(s[0].value, 3);
	assert_int_equal(co_spawn(&id, fail_after, (void *)1), 0);
	assert_int_equal(co_detach(id), 0);
	assert_int_equal(co_on_done(id, on_done, &s[1]), 0);
	for (int64_t give_up = co_now() + 5 * CO_S; s[1].calls == 0 && co_now() < give_up;)
		assert_int_equal(co_sleep(co_now() + CO_MS), 0);
	assert_int_equal(s[1].calls, 1);
	assert_int_equal(s[1].status, -EIO);
	free(s);
	*value = 1;
	return 0;
}

static void test_done_callbacks_run_once(void **state)
{
	(void)state;
	run_both(callback_body);
}

/* ---- Offload ---- */

static int blocking_sleep(void *arg, intptr_t *value)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	(void)arg;
	nanosleep(&ts, NULL);
	*value = 7;
	return 0;
}

static int ticker(void *arg, intptr_t *value)
{
	int ticks = 0;
	(void)arg;
	while (co_sleep(co_now() + 10 * CO_MS) == 0)
		ticks++;
	*value = ticks;
	return 0;
}

/* Other programs on a shared machine may hold every pid: then skip. */
static bool out_of_threads;

static int to_thread_body(void *arg, intptr_t *value)
{
	co_tid tick;
	intptr_t v = 0, ticks = 0;
	(void)arg;
	assert_int_equal(co_spawn(&tick, ticker, NULL), 0);
	int err = co_to_thread(blocking_sleep, NULL, &v);
	assert_int_equal(co_cancel(tick), 0);
	assert_int_equal(co_join(tick, &ticks), 0);
	if (err == -EAGAIN) {           /* no thread to be had: skip */
		*value = 1;
		out_of_threads = true;
		return 0;
	}
	assert_int_equal(err, 0);
	assert_int_equal(v, 7);
	/* 200 ms of blocking work: about 20 ticks of 10 ms went on meanwhile;
	 * a stalled loop would give 0 (generous bound for a loaded machine). */
	assert_true(ticks >= 3);
	*value = 1;
	return 0;
}

static void test_to_thread_does_not_stall_a_ticker(void **state)
{
	(void)state;
	skip_under_qemu();
	out_of_threads = false;
	run_both(to_thread_body);
	if (out_of_threads)
		skip();
}

static int child_work(void *arg, intptr_t *value)
{
	*value = (intptr_t)getpid() == (intptr_t)arg ? -1 : 1234;
	return -EDOM;
}

static int to_process_body(void *arg, intptr_t *value)
{
	intptr_t v = 0;
	(void)arg;
	int err = co_to_process(child_work, (void *)(intptr_t)getpid(), &v);
	*value = 1;
	if (err == -EAGAIN) {
		out_of_threads = true;
		return 0;
	}
	assert_int_equal(err, -EDOM);
	assert_int_equal(v, 1234);
	*value = 1;
	return 0;
}

static void test_to_process_returns_child_outcome(void **state)
{
	(void)state;
	skip_under_qemu();
	out_of_threads = false;
	run_both(to_process_body);
	if (out_of_threads)
		skip();
}

/* ---- Misuse ---- */

/* Run fn with stderr going to a buffer; returns fn's result. */
static int capture_stderr(int (*fn)(void), char *buf, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(2), r;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	r = fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return r;
}

static int spawn_now(void)
{
	co_tid id;
	return co_spawn(&id, sleep_ms, NULL);
}

static co_tid collected;

static int join_collected(void)
{
	return co_join(collected, NULL);
}

static char msg[512];

static int misuse_body(void *arg, intptr_t *value)
{
	(void)arg;
	assert_int_equal(co_spawn(&collected, sleep_ms, (void *)1), 0);
	assert_int_equal(co_join(collected, NULL), 0);
	assert_int_equal(capture_stderr(join_collected, msg, sizeof msg), -ESRCH);
	assert_non_null(strstr(msg, "co_join: task"));
	assert_non_null(strstr(msg, "already collected"));
	*value = 1;
	return 0;
}

static co_tid detached;

static int join_detached(void)
{
	return co_join(detached, NULL);
}

/* Joining a detached task is -ESRCH, as coro.h says. */
static int join_detached_body(void *arg, intptr_t *value)
{
	(void)arg;
	assert_int_equal(co_spawn(&detached, sleep_ms, (void *)5), 0);
	assert_int_equal(co_detach(detached), 0);
	assert_int_equal(capture_stderr(join_detached, msg, sizeof msg), -ESRCH);
	assert_non_null(strstr(msg, "is detached"));
	*value = 1;
	return 0;
}

static void test_join_of_a_detached_task_is_esrch(void **state)
{
	(void)state;
	run_both(join_detached_body);
}

/*
 * A task that gathers itself or waits for its own group would wait
 * forever: -EDEADLK, at once, with a message; the others are still
 * collected (gather), the group is left to its owner (group).
 */
static co_tid gathered[2];
static int gathered_errs[2];

static int join_gathered(void)
{
	return co_join(gathered[0], NULL);
}

static int gather_with_self(void)
{
	intptr_t values[2];
	return co_gather(gathered, 2, values, gathered_errs);
}

static struct co_group *own_group;
static int member_got;

static int wait_own_group(void)
{
	return co_group_wait(own_group);
}

static int member_waits_for_its_group(void *arg, intptr_t *value)
{
	(void)arg;
	(void)value;
	member_got = capture_stderr(wait_own_group, msg, sizeof msg);
	return 0;
}

static int waits_for_itself_body(void *arg, intptr_t *value)
{
	(void)arg;
	assert_int_equal(co_spawn(&gathered[0], sleep_ms, (void *)5), 0);
	gathered[1] = co_self();
	assert_int_equal(capture_stderr(gather_with_self, msg, sizeof msg), -EDEADLK);
	assert_int_equal(gathered_errs[0], 0);
	assert_int_equal(gathered_errs[1], -EDEADLK);
	assert_non_null(strstr(msg, "co_gather: task"));
	assert_non_null(strstr(msg, "waits for itself"));
	assert_int_equal(capture_stderr(join_gathered, msg, sizeof msg), -ESRCH);  /* collected */

	member_got = 0;
	assert_int_equal(co_group_new(&own_group), 0);
	assert_int_equal(co_group_spawn(own_group, NULL, member_waits_for_its_group, NULL), 0);
	assert_int_equal(co_group_spawn(own_group, NULL, sleep_ms, (void *)5), 0);
	assert_int_equal(co_group_wait(own_group), 0);
	assert_int_equal(member_got, -EDEADLK);
	assert_non_null(strstr(msg, "co_group_wait: task"));
	*value = 1;
	return 0;
}

static void test_waiting_for_itself_is_edeadlk(void **state)
{
	(void)state;
	run_both(waits_for_itself_body);
}

/*
 * Out of memory for a watch (the record a waiting task leaves on the one it
 * waits for). The test links with --wrap=co_alloc: while small_allocs_fail
 * is set, blocks of up to 64 bytes (a watch; tasks and saved stacks are
 * larger) are refused. The waiter must still suspend, so that the task it
 * waits for runs, finishes and lets memory come back; a waiter that spun
 * instead would fail a million times and the test would see it.
 */
void *__real_co_alloc(size_t n);
void *__wrap_co_alloc(size_t n);
static bool small_allocs_fail;
static long failed_allocs;

void *__wrap_co_alloc(size_t n)
{
	if (small_allocs_fail && n <= 64) {
		if (++failed_allocs >= 1000000)
			small_allocs_fail = false;      /* it never let anyone run */
		return NULL;
	}
	return __real_co_alloc(n);
}

/* Sleep arg ms, then let allocations succeed again; its value is 7. */
static int sleep_then_heal(void *arg, intptr_t *value)
{
	int err = co_sleep(co_now() + (intptr_t)arg * CO_MS);
	small_allocs_fail = false;
	*value = 7;
	return err;
}

static int no_memory_to_wait_body(void *arg, intptr_t *value)
{
	co_tid id;
	intptr_t v = 0;
	struct co_group *g;
	(void)arg;

	assert_int_equal(co_spawn(&id, sleep_then_heal, (void *)20), 0);
	failed_allocs = 0;
	small_allocs_fail = true;
	assert_int_equal(co_gather(&id, 1, &v, NULL), 0);
	assert_int_equal(v, 7);
	assert_true(failed_allocs > 0);
	assert_true(failed_allocs < 1000000);

	assert_int_equal(co_group_new(&g), 0);
	assert_int_equal(co_group_spawn(g, NULL, sleep_then_heal, (void *)20), 0);
	failed_allocs = 0;
	small_allocs_fail = true;
	assert_int_equal(co_group_wait(g), 0);
	assert_true(failed_allocs > 0);
	assert_true(failed_allocs < 1000000);
	*value = 1;
	return 0;
}

static void test_no_memory_to_wait_still_suspends(void **state)
{
	(void)state;
	run_both(no_memory_to_wait_body);
}

/*
 * The worker pool cannot start (pthread_cond_init fails: the test also
 * links with --wrap=pthread_cond_init): co_to_thread says so and returns
 * the error; the next call, with the failure gone, starts the pool.
 */
int __real_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a);
int __wrap_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a);
static int cond_init_error;

int __wrap_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
	return cond_init_error ? cond_init_error : __real_pthread_cond_init(c, a);
}

static int return_five(void *arg, intptr_t *value)
{
	(void)arg;
	*value = 5;
	return 0;
}

static int offload_now(void)
{
	intptr_t v = 0;
	int err = co_to_thread(return_five, NULL, &v);
	return err ? err : (int)v;
}

static int pool_fails_to_start_body(void *arg, intptr_t *value)
{
	(void)arg;
	cond_init_error = EAGAIN;
	assert_int_equal(capture_stderr(offload_now, msg, sizeof msg), -EAGAIN);
	cond_init_error = 0;
	assert_non_null(strstr(msg, "co_to_thread: pthread_cond_init: "));
	assert_int_equal(offload_now(), 5);
	*value = 1;
	return 0;
}

static void test_pool_that_cannot_start_is_an_error(void **state)
{
	(void)state;
	skip_under_qemu();
	run_both(pool_fails_to_start_body);
}

static void *spawn_from_thread(void *arg)
{
	*(int *)arg = capture_stderr(spawn_now, msg, sizeof msg);
	return NULL;
}

static int other_thread_body(void *arg, intptr_t *value)
{
	pthread_t th;
	int r = 0;
	(void)arg;
	*value = 1;
	if (pthread_create(&th, NULL, spawn_from_thread, &r) != 0) {
		out_of_threads = true;
		return 0;
	}
	pthread_join(th, NULL);
	assert_int_equal(r, -EPERM);
	assert_non_null(strstr(msg, "co_spawn: no loop runs on this thread"));
	return 0;
}

static void test_misuse_is_reported(void **state)
{
	(void)state;
	run_both(misuse_body);
	/* After co_run has returned, the loop is shut down. */
	assert_int_equal(capture_stderr(spawn_now, msg, sizeof msg), -EPERM);
	assert_non_null(strstr(msg, "co_spawn: the loop has shut down"));
}

static void test_calls_from_another_thread_are_refused(void **state)
{
	(void)state;
	skip_under_qemu();
	out_of_threads = false;
	run_both(other_thread_body);
	if (out_of_threads)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		CO_TEST(test_gather_keeps_spawn_order),
		CO_TEST(test_as_completed_in_completion_order),
		CO_TEST(test_wait_first_leaves_the_rest_pending),
		CO_TEST(test_wait_for_cancels_on_timeout),
		CO_TEST(test_cancel_reaches_a_sleeping_task),
		CO_TEST(test_failing_task_in_group_cancels_siblings),
		CO_TEST(test_done_callbacks_run_once),
		CO_TEST(test_to_thread_does_not_stall_a_ticker),
		CO_TEST(test_to_process_returns_child_outcome),
		CO_TEST(test_misuse_is_reported),
		CO_TEST(test_join_of_a_detached_task_is_esrch),
		CO_TEST(test_waiting_for_itself_is_edeadlk),
		CO_TEST(test_no_memory_to_wait_still_suspends),
		CO_TEST(test_pool_that_cannot_start_is_an_error),
		CO_TEST(test_calls_from_another_thread_are_refused),
	};
	return run_on_each_backend("test_coro_tasks", tests);
}
