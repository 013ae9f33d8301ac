/*
 * Unit tests for the loop (coro/loop.c): spawn, yield and sleep; timers
 * firing in deadline order and never before their deadline; both stack
 * modes; the stack overflow message (in a child process).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
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

static const enum co_stack_mode modes[] = { CO_STACK_GUARDED, CO_STACK_COPY };

static int answer(void *arg, intptr_t *value)
{
	(void)arg;
	*value = 42;
	return 0;
}

static void test_run_returns_main_value(void **state)
{
	intptr_t v = 0;
	(void)state;
	assert_int_equal(co_run(answer, NULL, &v, &(struct co_config){ .backend = backend }), 0);
	assert_int_equal(v, 42);
}

/* Three tasks append their letter, yielding between rounds: ABCABCABC. */
struct trace { char buf[32]; int len; };
static struct trace trace;

static int letter(void *arg, intptr_t *value)
{
	(void)value;
	for (int i = 0; i < 3; i++) {
		trace.buf[trace.len++] = (char)(intptr_t)arg;
		co_yield();
	}
	return 0;
}

static int three_letters(void *arg, intptr_t *value)
{
	co_tid id[3];
	(void)arg;
	(void)value;
	for (int i = 0; i < 3; i++)
		assert_int_equal(co_spawn(&id[i], letter, (void *)(intptr_t)('A' + i)), 0);
	return co_gather(id, 3, NULL, NULL);
}

static void test_yield_round_robin(void **state)
{
	(void)state;
	for (size_t m = 0; m < 2; m++) {
		struct co_config cfg = { .stack = modes[m], .backend = backend };
		memset(&trace, 0, sizeof trace);
		assert_int_equal(co_run(three_letters, NULL, NULL, &cfg), 0);
		assert_string_equal(trace.buf, "ABCABCABC");
	}
}

/* Timers: tasks sleep to deadlines given in reverse spawn order. */
#define NT 8
static int64_t woke_at[NT], deadline_of[NT];
static int order[NT], norder;

static int sleeper(void *arg, intptr_t *value)
{
	int i = (int)(intptr_t)arg;
	(void)value;
	assert_int_equal(co_sleep(deadline_of[i]), 0);
	woke_at[i] = co_now();
	order[norder++] = i;
	return 0;
}

static int timers_main(void *arg, intptr_t *value)
{
	co_tid id[NT];
	int64_t t0 = co_now();
	(void)arg;
	(void)value;
	for (int i = 0; i < NT; i++) {
		/* 0.3 ms apart: sub-millisecond order must hold. */
		deadline_of[i] = t0 + 5 * CO_MS + (NT - i) * 300 * CO_US;
		assert_int_equal(co_spawn(&id[i], sleeper, (void *)(intptr_t)i), 0);
	}
	return co_gather(id, NT, NULL, NULL);
}

static void test_timers_in_deadline_order_never_early(void **state)
{
	(void)state;
	for (size_t m = 0; m < 2; m++) {
		struct co_config cfg = { .stack = modes[m], .backend = backend };
		norder = 0;
		assert_int_equal(co_run(timers_main, NULL, NULL, &cfg), 0);
		assert_int_equal(norder, NT);
		for (int k = 0; k < NT; k++) {
			assert_int_equal(order[k], NT - 1 - k);
			assert_true(woke_at[order[k]] >= deadline_of[order[k]]);
		}
	}
}

/* Many tasks at once, past the auto threshold into copy mode. */
static int nap(void *arg, intptr_t *value)
{
	(void)arg;
	*value = co_sleep(co_now() + 2 * CO_MS) == 0;
	return 0;
}

static int many_main(void *arg, intptr_t *value)
{
	long n = (long)(intptr_t)arg, sum = 0;
	co_tid *id = calloc((size_t)n, sizeof *id);
	intptr_t *v = calloc((size_t)n, sizeof *v);
	assert_non_null(id);
	assert_non_null(v);
	for (long i = 0; i < n; i++)
		assert_int_equal(co_spawn(&id[i], nap, NULL), 0);
	assert_int_equal(co_gather(id, (size_t)n, v, NULL), 0);
	for (long i = 0; i < n; i++)
		sum += v[i];
	*value = sum;
	free(id);
	free(v);
	return 0;
}

static void test_auto_mode_mixes_guarded_and_copy(void **state)
{
	struct co_config cfg = { .stack = CO_STACK_AUTO, .guarded_max = 100, .backend = backend };
	struct co_stats st;
	intptr_t sum = 0;
	(void)state;
	assert_int_equal(co_run(many_main, (void *)(intptr_t)2000, &sum, &cfg), 0);
	assert_int_equal(sum, 2000);
	co_stats(&st);
	assert_int_equal(st.spawned, 2001);
	assert_true(st.guarded_live_max == 100);
	assert_true(st.copy_live_max >= 1900);
	assert_true(st.copy_bytes > 0);
}

/* ---- Stack overflow, in a child ---- */

static int depth(int n)
{
	volatile char pad[256];
	pad[0] = (char)n;
	return n == 0 ? pad[0] : depth(n - 1) + pad[0];
}

static int overflow(void *arg, intptr_t *value)
{
	(void)arg;
	*value = depth(1 << 20);
	return 0;
}

/* Run overflow() as the main task of a child in this mode; its stderr in buf. */
static int overflow_child(enum co_stack_mode mode, char *buf, size_t len)
{
	int pfd[2], status;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct co_config cfg = { .stack = mode, .stack_kib = 16, .backend = backend };
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		dup2(pfd[1], 2);
		co_run(overflow, NULL, NULL, &cfg);
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_stack_overflow_message(void **state)
{
	char buf[512];
	(void)state;
	skip_under_qemu();
	int status = overflow_child(CO_STACK_GUARDED, buf, sizeof buf);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(buf, "coroutine stack overflow in task 1 (stack 16 KiB)"));
	status = overflow_child(CO_STACK_COPY, buf, sizeof buf);
	assert_true(WIFSIGNALED(status));
	assert_non_null(strstr(buf, "coroutine stack overflow in task 1 (stack 256 KiB)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		CO_TEST(test_run_returns_main_value),
		CO_TEST(test_yield_round_robin),
		CO_TEST(test_timers_in_deadline_order_never_early),
		CO_TEST(test_auto_mode_mixes_guarded_and_copy),
		CO_TEST(test_stack_overflow_message),
	};
	return run_on_each_backend("test_coro_loop", tests);
}
