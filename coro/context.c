/*
 * context.c - making a context: the frame a first co_switch pops, built by
 * hand so that it "returns" into co_entry, which calls fn(arg).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "annotate.h"
#include "switch_frame.h"

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

#if defined(__x86_64__)
/*
 * co_switch's MXCSR path (switch_x86_64.S says what each costs where): 1
 * loads MXCSR at every switch, 0 compares the saved words first. Both have
 * the same effect; only the time differs. Chosen by the CPU's vendor, once,
 * before main: AMD's (and Hygon's, the same cores) stmxcsr is slow to read
 * back, Intel's ldmxcsr is slow to run. Tests and bench/lat_switch set it to
 * time or check each path.
 */
unsigned char co_switch_load_always;

__attribute__((constructor)) static void pick_mxcsr_path(void)
{
	unsigned max, vendor[3];

	if (__get_cpuid(0, &max, &vendor[0], &vendor[2], &vendor[1]) == 0)
		return;
	co_switch_load_always = memcmp(vendor, "AuthenticAMD", 12) == 0 ||
				memcmp(vendor, "HygonGenuine", 12) == 0;
}
#endif

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
	/* The FPU words of the thread making it, as a new thread gets them. */
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(f->mxcsr), "=m"(f->x87_cw));
	f->r12 = (uintptr_t)fn;
	f->r13 = (uintptr_t)arg;
	f->ret = (void *)co_entry;
#else
	__asm__ volatile("mrs %0, fpcr\n\tmrs %1, fpsr" : "=r"(f->fpcr), "=r"(f->fpsr));
	f->x19 = (uintptr_t)fn;
	f->x20 = (uintptr_t)arg;
	f->x30 = (uintptr_t)co_entry;
#endif
	ctx->sp = f;
}
