/*
 * Unit tests for loops on two threads at once: each loop's overflow report
 * keeps working while the other loop starts and ends (the alternate signal
 * stack is per thread; the SIGSEGV handler, per process, stays installed
 * until the last loop ends and then the one it replaced is back).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "coro.h"

/* qemu-user hangs in new threads on the test host (see test_coro_loop.c). */
static void skip_under_qemu(void)
{
	if (getenv("CM_QEMU_USER"))
		skip();
}

/* Loop A runs, then ends while loop B still runs: the order of the tests. */
static pthread_barrier_t both_running, a_ended;

/* What loop B sees after loop A has ended, read inside B's task. */
struct seen {
	struct sigaction segv;
	stack_t alt;
	int copy_tasks_ok;
};

static int napper(void *arg, intptr_t *value)
{
	(void)arg;
	*value = 1;
	return co_sleep(co_now() + 2 * CO_MS);
}

/* A few sleeping copy tasks, so that the loop really switches stacks. */
static int nap_some(void)
{
	co_tid id[8];
	intptr_t v[8];

	for (int i = 0; i < 8; i++)
		if (co_spawn(&id[i], napper, NULL) != 0)
			return -1;
	if (co_gather(id, 8, v, NULL) != 0)
		return -1;
	for (int i = 0; i < 8; i++)
		if (v[i] != 1)
			return -1;
	return 0;
}

static int loop_a_main(void *arg, intptr_t *value)
{
	(void)arg;
	*value = nap_some();
	pthread_barrier_wait(&both_running);
	return 0;
}

static void *loop_a(void *arg)
{
	struct co_config cfg = { .stack = CO_STACK_COPY };
	intptr_t v = -1;
	int err = co_run(loop_a_main, NULL, &v, &cfg);

	(void)arg;
	pthread_barrier_wait(&a_ended);
	return (void *)(intptr_t)(err == 0 && v == 0);
}

static int loop_b_main(void *arg, intptr_t *value)
{
	struct seen *s = arg;

	pthread_barrier_wait(&both_running);
	pthread_barrier_wait(&a_ended);
	sigaction(SIGSEGV, NULL, &s->segv);
	sigaltstack(NULL, &s->alt);
	s->copy_tasks_ok = nap_some() == 0;
	*value = 0;
	return 0;
}

static void *loop_b(void *arg)
{
	struct co_config cfg = { .stack = CO_STACK_COPY };

	return (void *)(intptr_t)(co_run(loop_b_main, arg, NULL, &cfg) == 0);
}

static void test_one_loop_ending_leaves_the_other_armed(void **state)
{
	struct sigaction before, after;
	struct seen seen;
	pthread_t a, b;
	void *a_ok, *b_ok;

	(void)state;
	skip_under_qemu();
	memset(&seen, 0, sizeof seen);
	sigaction(SIGSEGV, NULL, &before);
	pthread_barrier_init(&both_running, NULL, 2);
	pthread_barrier_init(&a_ended, NULL, 2);
	assert_int_equal(pthread_create(&a, NULL, loop_a, NULL), 0);
	assert_int_equal(pthread_create(&b, NULL, loop_b, &seen), 0);
	pthread_join(a, &a_ok);
	pthread_join(b, &b_ok);
	pthread_barrier_destroy(&both_running);
	pthread_barrier_destroy(&a_ended);
	sigaction(SIGSEGV, NULL, &after);

	assert_true((intptr_t)a_ok);
	assert_true((intptr_t)b_ok);
	assert_true(seen.copy_tasks_ok);
	/* B still has the runtime's handler and its own alternate stack. */
	assert_true(seen.segv.sa_flags & SA_SIGINFO);
	assert_true(seen.segv.sa_flags & SA_ONSTACK);
	assert_true(seen.segv.sa_sigaction != before.sa_sigaction);
	assert_false(seen.alt.ss_flags & SS_DISABLE);
	/* Both ended: the handler from before is back. */
	assert_true(after.sa_sigaction == before.sa_sigaction);
	assert_int_equal(after.sa_flags, before.sa_flags);
}

/* ---- An overflow on loop B after loop A has ended, in a child ---- */

static int depth(int n)
{
	volatile char pad[256];
	pad[0] = (char)n;
	return n == 0 ? pad[0] : depth(n - 1) + pad[0];
}

static int overflow_after_a(void *arg, intptr_t *value)
{
	(void)arg;
	pthread_barrier_wait(&both_running);
	pthread_barrier_wait(&a_ended);
	*value = depth(1 << 20);
	return 0;
}

static void *loop_b_overflows(void *arg)
{
	struct co_config cfg = { .stack = CO_STACK_GUARDED, .stack_kib = 16 };

	(void)arg;
	co_run(overflow_after_a, NULL, NULL, &cfg);
	return NULL;
}

static void test_overflow_reported_after_other_loop_ended(void **state)
{
	char buf[512];
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	(void)state;
	skip_under_qemu();
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		pthread_t a, b;
		setrlimit(RLIMIT_CORE, &no_core);
		dup2(pfd[1], 2);
		pthread_barrier_init(&both_running, NULL, 2);
		pthread_barrier_init(&a_ended, NULL, 2);
		pthread_create(&a, NULL, loop_a, NULL);
		pthread_create(&b, NULL, loop_b_overflows, NULL);
		pthread_join(b, NULL);
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(buf, "coroutine stack overflow in task "));
	assert_non_null(strstr(buf, "(stack 16 KiB)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_loop_ending_leaves_the_other_armed),
		cmocka_unit_test(test_overflow_reported_after_other_loop_ended),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
