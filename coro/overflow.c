/*
 * overflow.c - the stack-overflow report. A task that runs off its stack
 * faults in the guard page below it; the SIGSEGV handler runs on an
 * alternate stack (the faulting one is full) and names the task.
 *
 * sigaltstack is per thread, so each loop's thread gets its own alternate
 * stack. sigaction is per process: the first loop to start installs the
 * handler and keeps the one it replaced, the last loop to end puts that one
 * back, so loops on several threads cannot undo each other's. The handler
 * reads only its own thread's loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coro_impl.h"

#define ALT_STACK_SIZE (64 * 1024)

static _Thread_local stack_t alt_stack, old_alt_stack;

static pthread_mutex_t installed_mu = PTHREAD_MUTEX_INITIALIZER;
static int loops_installed;         /* loops running with the handler */
static struct sigaction old_segv;   /* what the first of them replaced */

static char *put_num(char *p, unsigned long long v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = digits[--n];
	return p;
}

/*
 * SIGSEGV, on the alternate stack. A fault in the running task's guard page
 * is reported in one line, then abort(); any other fault gets the replaced
 * handler back and happens again, as without us.
 */
static void on_segv(int sig, siginfo_t *si, void *uc)
{
	struct co_task *t = co_loop.current;
	struct co_stack *s = t ? (t->copy_mode ? co_loop.shared : t->stack) : NULL;
	char *addr = si->si_addr, line[128], *p = line;

	(void)uc;
	if (s == NULL || addr < s->map || addr >= co_stack_lo(s)) {
		sigaction(sig, &old_segv, NULL);
		return;
	}
	p = stpcpy(p, "coroutine stack overflow in task ");
	p = put_num(p, t->id);
	p = stpcpy(p, " (stack ");
	p = put_num(p, s->size / 1024);
	p = stpcpy(p, " KiB)\n");
	if (write(STDERR_FILENO, line, (size_t)(p - line)) < 0)
		abort();
	abort();
}

/* Install the handler if no loop has; count this loop. */
static void handler_hold(void)
{
	struct sigaction sa;

	pthread_mutex_lock(&installed_mu);
	if (loops_installed++ == 0) {
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, &old_segv);
	}
	pthread_mutex_unlock(&installed_mu);
}

/* Uncount this loop; the last one out restores the replaced handler. */
static void handler_release(void)
{
	pthread_mutex_lock(&installed_mu);
	if (--loops_installed == 0)
		sigaction(SIGSEGV, &old_segv, NULL);
	pthread_mutex_unlock(&installed_mu);
}

int co_overflow_setup(void)
{
	alt_stack.ss_size = ALT_STACK_SIZE;
	alt_stack.ss_flags = 0;
	alt_stack.ss_sp = malloc(alt_stack.ss_size);
	if (alt_stack.ss_sp == NULL)
		return -ENOMEM;
	if (sigaltstack(&alt_stack, &old_alt_stack) != 0) {
		int err = errno;
		fprintf(stderr, "co_run: sigaltstack: %s\n", strerror(err));
		free(alt_stack.ss_sp);
		return -err;
	}
	handler_hold();
	return 0;
}

void co_overflow_teardown(void)
{
	handler_release();
	sigaltstack(&old_alt_stack, NULL);
	free(alt_stack.ss_sp);
	alt_stack.ss_sp = NULL;
}
