/*
 * overflow.c - the stack-overflow report. A task that runs off its stack
 * faults in the guard page below it; the SIGSEGV handler runs on an
 * alternate stack (the faulting one is full) and names the task.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coro_impl.h"

static stack_t alt_stack, old_alt_stack;
static struct sigaction old_segv;

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
 * SIGSEGV, on the alternate stack (the faulting one is full). A fault in the
 * running task's guard page is reported in one line, then abort(); any other
 * fault gets the default action back and happens again, as without us.
 */
static void on_segv(int sig, siginfo_t *si, void *uc)
{
	struct co_task *t = co_loop.current;
	struct co_stack *s = t ? (t->copy_mode ? co_loop.shared : t->stack) : NULL;
	char *addr = si->si_addr, line[128], *p = line;

	(void)uc;
	if (s == NULL || addr < s->map || addr >= co_stack_lo(s)) {
		signal(sig, SIG_DFL);
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

int co_overflow_setup(void)
{
	struct sigaction sa;

	alt_stack.ss_size = 64 * 1024;
	alt_stack.ss_sp = malloc(alt_stack.ss_size);
	if (alt_stack.ss_sp == NULL)
		return -ENOMEM;
	if (sigaltstack(&alt_stack, &old_alt_stack) != 0) {
		fprintf(stderr, "co_run: sigaltstack: %s\n", strerror(errno));
		free(alt_stack.ss_sp);
		return -errno;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	return 0;
}

void co_overflow_teardown(void)
{
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaltstack(&old_alt_stack, NULL);
	free(alt_stack.ss_sp);
}
