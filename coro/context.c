/*
 * context.c - making contexts, task stacks (guarded and copy, see coro.h),
 * the stack-overflow report, and the sanitizer/valgrind annotations that
 * tell those tools which stack a switch lands on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "coro_impl.h"
#include "switch_frame.h"

#ifdef CO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef CO_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_STACK_REGISTER(lo, hi) 0u
#define VALGRIND_STACK_DEREGISTER(id) ((void)(id))
#define VALGRIND_MAKE_MEM_UNDEFINED(p, n) ((void)(p), (void)(n))
#endif

#define SHARED_MIN_KIB 256         /* the copy stack is at least this big */

/*
 * What co_switch leaves at the saved sp is struct co_frame (switch_frame.h,
 * checked against switch_<arch>.S). co_ctx_make writes one by hand so that
 * the first switch "returns" into co_entry, which calls fn(arg).
 */
extern void co_entry(void);

/* co_entry calls this if a context's fn returns: there is nowhere to go. */
void co_ctx_returned(void) __attribute__((noreturn));
void co_ctx_returned(void)
{
	fprintf(stderr, "co_ctx_make: a context's function returned; it must switch away instead\n");
	abort();
}

void co_ctx_make(struct co_ctx *ctx, void *stack, size_t size,
		 void (*fn)(void *), void *arg)
{
	/* The frame sits right under the 16-aligned top: after it is popped
	 * the stack pointer is aligned, as the ABI wants before a call. */
	uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
	struct co_frame *f = (struct co_frame *)(top - sizeof *f);

	/* A reused stack still carries the poisoned redzones of dead frames
	 * (ASan) and, below its last stack pointer, no-access marks (valgrind). */
#ifdef CO_ASAN
	__asan_unpoison_memory_region(stack, size);
#endif
	VALGRIND_MAKE_MEM_UNDEFINED(stack, size);
	memset(f, 0, sizeof *f);
#if defined(__x86_64__)
	f->mxcsr = 0x1f80;          /* all exceptions masked, round to nearest */
	f->x87_cw = 0x037f;         /* the same for x87, extended precision */
	f->r12 = (uintptr_t)fn;
	f->r13 = (uintptr_t)arg;
	f->ret = (void *)co_entry;
#else
	f->x19 = (uintptr_t)fn;
	f->x20 = (uintptr_t)arg;
	f->x30 = (uintptr_t)co_entry;
#endif
	ctx->sp = f;
}

/* ---- Guarded stacks ---- */

static size_t page_size(void)
{
	static size_t page;
	if (page == 0)
		page = (size_t)sysconf(_SC_PAGESIZE);
	return page;
}

static char *stack_lo(const struct co_stack *s)
{
	return s->map + page_size();
}

/*
 * Stacks are carved from chunks of CHUNK_STACKS, each stack above its own
 * PROT_NONE page, and a finished task's stack goes back to the pool. None is
 * unmapped before co_run returns: in a VM every munmap is a TLB flush that
 * costs more than the rest of a task's life, so chunks go back whole.
 */
#define CHUNK_STACKS 64

struct co_chunk {
	char *map;
	size_t len;
	struct co_chunk *next;
	struct co_stack stacks[CHUNK_STACKS];
};

/*
 * Map len bytes of stack memory; NULL on failure (errno set). No huge
 * pages: a task touches a page or two of its stack, and a transparent huge
 * page would have the first touch zero 2 MiB.
 */
static char *map_stack_memory(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/* Turn the memory at map into a stack of size bytes above a guard page. */
static int guard(struct co_stack *s, char *map, size_t size)
{
	if (mprotect(map, page_size(), PROT_NONE) != 0)
		return -errno;
	s->map = map;
	s->size = size;
	s->valgrind_id = VALGRIND_STACK_REGISTER(stack_lo(s), stack_lo(s) + size);
	return 0;
}

/* A guarded stack for a task: from the pool, the current chunk, or a new chunk. */
static struct co_stack *stack_get(size_t size)
{
	struct co_chunk *c = co_loop.chunks;
	struct co_stack *s = co_loop.pool;
	size_t span = size + page_size();

	if (s) {
		co_loop.pool = s->next;
		return s;
	}
	if (co_loop.guarded_live >= co_loop.guarded_limit) {
		errno = ENOMEM;         /* leave mappings for malloc and threads */
		return NULL;
	}
	if (c == NULL || co_loop.chunk_used == CHUNK_STACKS) {
		if ((c = calloc(1, sizeof *c)) == NULL)
			return NULL;
		c->len = span * CHUNK_STACKS;
		if ((c->map = map_stack_memory(c->len)) == NULL) {
			free(c);
			return NULL;
		}
		c->next = co_loop.chunks;
		co_loop.chunks = c;
		co_loop.chunk_used = 0;
	}
	s = &c->stacks[co_loop.chunk_used];
	if (guard(s, c->map + span * (size_t)co_loop.chunk_used, size) != 0)
		return NULL;
	co_loop.chunk_used++;
	return s;
}

static void stack_put(struct co_stack *s)
{
	s->next = co_loop.pool;
	co_loop.pool = s;
}

static void unmap_all_stacks(void)
{
	while (co_loop.chunks) {
		struct co_chunk *c = co_loop.chunks;
		co_loop.chunks = c->next;
		for (int i = 0; i < CHUNK_STACKS; i++)
			if (c->stacks[i].map)
				VALGRIND_STACK_DEREGISTER(c->stacks[i].valgrind_id);
		munmap(c->map, c->len);
		free(c);
	}
	co_loop.pool = NULL;
	if (co_loop.shared) {
		VALGRIND_STACK_DEREGISTER(co_loop.shared->valgrind_id);
		munmap(co_loop.shared->map, co_loop.shared->size + page_size());
		free(co_loop.shared);
		co_loop.shared = NULL;
	}
}

/* The shared copy stack: one mapping of its own. */
static struct co_stack *shared_stack_new(size_t size)
{
	struct co_stack *s = calloc(1, sizeof *s);
	char *map = s ? map_stack_memory(size + page_size()) : NULL;

	if (map && guard(s, map, size) == 0)
		return s;
	if (map)
		munmap(map, size + page_size());
	free(s);
	return NULL;
}

/* Guarded stacks allowed: two mappings each, keeping CO_MAPS_SPARE spare. */
static long guarded_limit(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long maps = 65530;

	if (f) {
		if (fscanf(f, "%ld", &maps) != 1)
			maps = 65530;
		fclose(f);
	}
	return maps > 2 * CO_MAPS_SPARE ? (maps - CO_MAPS_SPARE) / 2 : maps / 4;
}

/* ---- Overflow report ---- */

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
	if (s == NULL || addr < s->map || addr >= stack_lo(s)) {
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

int co_stack_setup(void)
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
	co_loop.guarded_limit = guarded_limit();
#ifdef CO_TSAN
	co_loop.sched_tsan_fiber = __tsan_get_current_fiber();
#endif
	return 0;
}

void co_stack_teardown(void)
{
	unmap_all_stacks();
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaltstack(&old_alt_stack, NULL);
	free(alt_stack.ss_sp);
}

/* ---- Choosing a task's stack ---- */

static size_t guarded_size(void)
{
	return (co_loop.cfg.stack_kib ? co_loop.cfg.stack_kib : 64) * 1024;
}

static int use_copy(struct co_task *t)
{
	if (co_loop.shared == NULL) {
		size_t kib = co_loop.cfg.stack_kib > SHARED_MIN_KIB ? co_loop.cfg.stack_kib
								    : SHARED_MIN_KIB;
		co_loop.shared = shared_stack_new(kib * 1024);
		if (co_loop.shared == NULL)
			return -ENOMEM;
	}
	t->copy_mode = true;
	if (++co_loop.copy_live > co_loop.stats.copy_live_max)
		co_loop.stats.copy_live_max = co_loop.copy_live;
	return 0;
}

/* Give a new task a stack per the configured mode; 0 or -ENOMEM. */
int co_task_stack(struct co_task *t)
{
	enum co_stack_mode mode = co_loop.cfg.stack;
	long max = co_loop.cfg.guarded_max ? co_loop.cfg.guarded_max : 1024;

	if (mode == CO_STACK_COPY || (mode == CO_STACK_AUTO && co_loop.guarded_live >= max))
		return use_copy(t);
	t->stack = stack_get(guarded_size());
	if (t->stack == NULL)
		return mode == CO_STACK_AUTO ? use_copy(t) : -ENOMEM;
	if (++co_loop.guarded_live > co_loop.stats.guarded_live_max)
		co_loop.stats.guarded_live_max = co_loop.guarded_live;
	co_ctx_make(&t->ctx, stack_lo(t->stack), t->stack->size, co_task_main, t);
#ifdef CO_TSAN
	t->tsan_fiber = __tsan_create_fiber(0);
#endif
	return 0;
}

/* Return a finished (or never started) task's stack. */
void co_task_unstack(struct co_task *t)
{
	if (t->stack) {
		stack_put(t->stack);
		co_loop.guarded_live--;
	} else if (t->copy_mode) {
		if (co_loop.shared_owner == t)
			co_loop.shared_owner = NULL;
		co_loop.copy_live--;
	}
	co_free(t->saved, t->saved_cap);
#ifdef CO_TSAN
	if (t->tsan_fiber)
		__tsan_destroy_fiber(t->tsan_fiber);
#endif
	t->stack = NULL;
	t->saved = NULL;
	t->tsan_fiber = NULL;
}

/* ---- Copy stacks ---- */

static char *shared_top(void)
{
	return stack_lo(co_loop.shared) + co_loop.shared->size;
}

/* Copy the live part [sp, top) of the suspended owner to its heap buffer. */
static void copy_out(struct co_task *o)
{
	size_t len = (size_t)(shared_top() - (char *)o->ctx.sp);

	if (len > o->saved_cap) {
		char *p = co_alloc(len);
		if (p == NULL) {
			fprintf(stderr, "coro: co_alloc of %zu bytes to save task %llu's stack failed\n",
				len, (unsigned long long)o->id);
			abort();
		}
		co_free(o->saved, o->saved_cap);
		o->saved = p;
		o->saved_cap = co_block_size(len);
	}
#ifdef CO_ASAN
	/* Its frames' redzones are poisoned; the copy is a plain save. */
	__asan_unpoison_memory_region(o->ctx.sp, len);
#endif
	memcpy(o->saved, o->ctx.sp, len);
	o->saved_len = len;
	co_loop.stats.copy_bytes += len;
}

/* Make the shared stack t's: save the owner's live part, restore t's. */
static void copy_in(struct co_task *t)
{
	struct co_task *o = co_loop.shared_owner;

	if (o == t)
		return;
	if (o)
		copy_out(o);
#ifdef CO_ASAN
	__asan_unpoison_memory_region(stack_lo(co_loop.shared), co_loop.shared->size);
#endif
	if (t->started) {
		VALGRIND_MAKE_MEM_UNDEFINED(shared_top() - t->saved_len, t->saved_len);
		memcpy(shared_top() - t->saved_len, t->saved, t->saved_len);
		co_loop.stats.copy_bytes += t->saved_len;
	} else {
		co_ctx_make(&t->ctx, stack_lo(co_loop.shared), co_loop.shared->size,
			    co_task_main, t);
#ifdef CO_TSAN
		t->tsan_fiber = __tsan_create_fiber(0);
#endif
	}
	co_loop.shared_owner = t;
}

/* ---- Switching, with the tools told ---- */

void co_switch_in(struct co_task *t)
{
	struct co_stack *s = t->copy_mode ? co_loop.shared : t->stack;
#ifdef CO_ASAN
	void *fake = NULL;
#endif

	if (t->copy_mode)
		copy_in(t);
	t->started = true;
	co_loop.current = t;
	co_loop.stats.switches++;
#ifdef CO_ASAN
	__sanitizer_start_switch_fiber(&fake, stack_lo(s), s->size);
#else
	(void)s;
#endif
#ifdef CO_TSAN
	__tsan_switch_to_fiber(t->tsan_fiber, 0);
#endif
	co_switch(&co_loop.sched, &t->ctx);
#ifdef CO_ASAN
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
	co_loop.current = NULL;
}

void co_switch_out(struct co_task *t, bool exiting)
{
#ifdef CO_ASAN
	void *fake = NULL;
	__sanitizer_start_switch_fiber(exiting ? NULL : &fake, co_loop.sched_fiber_bottom,
				       co_loop.sched_fiber_size);
#else
	(void)exiting;
#endif
#ifdef CO_TSAN
	__tsan_switch_to_fiber(co_loop.sched_tsan_fiber, 0);
#endif
	co_switch(&t->ctx, &co_loop.sched);
#ifdef CO_ASAN
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
}

/* The first thing a task does: learn (for ASan) the stack it came from. */
void co_fiber_started(void)
{
#ifdef CO_ASAN
	__sanitizer_finish_switch_fiber(NULL, (const void **)&co_loop.sched_fiber_bottom,
					&co_loop.sched_fiber_size);
#endif
}
