/*
 * Unit tests for the raw context switch (coro/switch_<arch>.S, context.c):
 * a ping-pong between two contexts, every callee-saved register surviving a
 * round trip through a context that overwrites them all, and the FPU
 * control and status (rounding mode, exception flags) kept per context and
 * inherited by a new one. On x86-64 every FPU test runs on both of
 * co_switch's MXCSR paths (compare first, load always), whichever the CPU
 * picked.
 */
#include <fenv.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "coro.h"
#include "fpu_words.h"

static struct co_ctx main_ctx, other_ctx;
static char other_stack[64 * 1024] __attribute__((aligned(16)));

static void ping(void *arg)
{
	long *count = arg;

	for (;;) {
		(*count)++;
		co_switch(&other_ctx, &main_ctx);
	}
}

static void test_ping_pong(void **state)
{
	long count = 0;
	(void)state;
	co_ctx_make(&other_ctx, other_stack, sizeof other_stack, ping, &count);
	for (long i = 1; i <= 1000; i++) {
		co_switch(&main_ctx, &other_ctx);
		assert_int_equal(count, i);
	}
}

#if defined(__x86_64__)
/*
 * Load rbx, rbp, r12-r15 from in[0..5], switch to `to` (which loads other
 * values into them), and store what they hold after the switch back in
 * out[0..5]. The red zone is stepped over: this asm pushes below rsp.
 */
static void switch_with(struct co_ctx *from, struct co_ctx *to, const uint64_t *in,
			uint64_t *out)
{
	__asm__ volatile(
		"lea -128(%%rsp), %%rsp\n\t"
		"push %%rbp\n\tpush %%rbx\n\tpush %%r12\n\tpush %%r13\n\tpush %%r14\n\tpush %%r15\n\t"
		"push %%rdx\n\tsub $8, %%rsp\n\t"
		"mov 0(%%rax), %%rbx\n\tmov 8(%%rax), %%rbp\n\tmov 16(%%rax), %%r12\n\t"
		"mov 24(%%rax), %%r13\n\tmov 32(%%rax), %%r14\n\tmov 40(%%rax), %%r15\n\t"
		"call co_switch\n\t"
		"mov 8(%%rsp), %%rdx\n\t"
		"mov %%rbx, 0(%%rdx)\n\tmov %%rbp, 8(%%rdx)\n\tmov %%r12, 16(%%rdx)\n\t"
		"mov %%r13, 24(%%rdx)\n\tmov %%r14, 32(%%rdx)\n\tmov %%r15, 40(%%rdx)\n\t"
		"add $16, %%rsp\n\t"
		"pop %%r15\n\tpop %%r14\n\tpop %%r13\n\tpop %%r12\n\tpop %%rbx\n\tpop %%rbp\n\t"
		"lea 128(%%rsp), %%rsp\n\t"
		: "+D"(from), "+S"(to), "+d"(out), "+a"(in)
		:
		: "rcx", "r8", "r9", "r10", "r11", "memory", "cc",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

#elif defined(__aarch64__)
/* The same for x19-x28, x29, d8, d9 and d15 (in[0..13], out[0..13]). */
static void switch_with(struct co_ctx *from, struct co_ctx *to, const uint64_t *in,
			uint64_t *out)
{
	register struct co_ctx *x0 __asm__("x0") = from;
	register struct co_ctx *x1 __asm__("x1") = to;
	register uint64_t *x2 __asm__("x2") = out;
	register const uint64_t *x3 __asm__("x3") = in;

	__asm__ volatile(
		"sub sp, sp, #160\n\t"
		"stp x19, x20, [sp, #0]\n\tstp x21, x22, [sp, #16]\n\tstp x23, x24, [sp, #32]\n\t"
		"stp x25, x26, [sp, #48]\n\tstp x27, x28, [sp, #64]\n\tstp x29, x2, [sp, #80]\n\t"
		"stp d8, d9, [sp, #96]\n\tstp d10, d11, [sp, #112]\n\tstp d12, d13, [sp, #128]\n\t"
		"stp d14, d15, [sp, #144]\n\t"
		"ldp x19, x20, [x3, #0]\n\tldp x21, x22, [x3, #16]\n\tldp x23, x24, [x3, #32]\n\t"
		"ldp x25, x26, [x3, #48]\n\tldp x27, x28, [x3, #64]\n\tldr x29, [x3, #80]\n\t"
		"ldr d8, [x3, #88]\n\tldr d9, [x3, #96]\n\tldr d15, [x3, #104]\n\t"
		"bl co_switch\n\t"
		"ldr x2, [sp, #88]\n\t"
		"stp x19, x20, [x2, #0]\n\tstp x21, x22, [x2, #16]\n\tstp x23, x24, [x2, #32]\n\t"
		"stp x25, x26, [x2, #48]\n\tstp x27, x28, [x2, #64]\n\tstr x29, [x2, #80]\n\t"
		"str d8, [x2, #88]\n\tstr d9, [x2, #96]\n\tstr d15, [x2, #104]\n\t"
		"ldp x19, x20, [sp, #0]\n\tldp x21, x22, [sp, #16]\n\tldp x23, x24, [sp, #32]\n\t"
		"ldp x25, x26, [sp, #48]\n\tldp x27, x28, [sp, #64]\n\tldr x29, [sp, #80]\n\t"
		"ldp d8, d9, [sp, #96]\n\tldp d10, d11, [sp, #112]\n\tldp d12, d13, [sp, #128]\n\t"
		"ldp d14, d15, [sp, #144]\n\t"
		"add sp, sp, #160\n\t"
		: "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
		:
		: "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
		  "x15", "x16", "x17", "x30", "memory", "cc",
		  "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17", "v18", "v19",
		  "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
}

#endif


/* The other side: load other values into every callee-saved register, switch back. */
static void clobber(void *arg)
{
	uint64_t junk[NREGS], seen[NREGS];
	(void)arg;
	for (int i = 0; i < NREGS; i++)
		junk[i] = ~(uint64_t)i;
	for (;;)
		switch_with(&other_ctx, &main_ctx, junk, seen);
}

static void test_callee_saved_registers_survive(void **state)
{
	uint64_t got[NREGS] = { 0 };
	(void)state;
	co_ctx_make(&other_ctx, other_stack, sizeof other_stack, clobber, NULL);
	switch_with(&main_ctx, &other_ctx, want, got);
	for (size_t i = 0; i < NREGS; i++)
		assert_int_equal(got[i], want[i]);
}

static unsigned other_seen;

static void upward(void *arg)
{
	(void)arg;
	set_rounding(2);
	for (;;) {
		co_switch(&other_ctx, &main_ctx);
		other_seen = rounding();
	}
}

static void test_fpu_rounding_mode_is_per_context(void **state)
{
	unsigned saved = rounding();
	(void)state;
	set_rounding(1);
	co_ctx_make(&other_ctx, other_stack, sizeof other_stack, upward, NULL);
	co_switch(&main_ctx, &other_ctx);
	assert_int_equal(rounding(), BOTH(1u));
	co_switch(&main_ctx, &other_ctx);
	assert_int_equal(other_seen, BOTH(2u));
	assert_int_equal(rounding(), BOTH(1u));
	set_rounding(saved & 3);
}

#if defined(__x86_64__)
/* Set the x87 unit's rounding mode alone, MXCSR's alone. */
static void set_x87_rounding(unsigned m)
{
	uint16_t cw;
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	cw = (uint16_t)((cw & ~(3u << 10)) | m << 10);
	__asm__ volatile("fldcw %0" : : "m"(cw));
}

static void set_sse_rounding(unsigned m)
{
	uint32_t mxcsr;
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	mxcsr = (mxcsr & ~(3u << 13)) | m << 13;
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
}

/* The other side changes one unit's mode at a time, switching back after each. */
static unsigned other_seen_x87;

static void one_unit(void *arg)
{
	(void)arg;
	for (;;) {
		set_x87_rounding(2);
		co_switch(&other_ctx, &main_ctx);
		other_seen_x87 = rounding();
		set_x87_rounding(0);
		set_sse_rounding(3);
		co_switch(&other_ctx, &main_ctx);
		other_seen = rounding();
	}
}

/*
 * co_switch loads an FPU word only where it differs from the one in force
 * (MXCSR on the compare path, the x87 word on both): a context whose MXCSR
 * matches but whose x87 word does not (and the reverse) must still get its
 * own back. The words start equal (the new context inherits them), so that
 * only one differs at each switch.
 */
static void test_fpu_words_differing_one_at_a_time(void **state)
{
	unsigned saved = rounding();
	const uint32_t mxcsr = 0x1f80;   /* co_ctx_make's words, status flags clear */
	const uint16_t cw = 0x037f;
	(void)state;
	__asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(mxcsr), "m"(cw));
	co_ctx_make(&other_ctx, other_stack, sizeof other_stack, one_unit, NULL);
	co_switch(&main_ctx, &other_ctx);          /* other: x87 up, SSE nearest */
	assert_int_equal(rounding(), 0u);
	co_switch(&main_ctx, &other_ctx);          /* other: x87 nearest, SSE zero */
	assert_int_equal(other_seen_x87, 2u << 2);  /* its x87 word came back */
	assert_int_equal(rounding(), 0u);
	co_switch(&main_ctx, &other_ctx);          /* other sees its own again */
	assert_int_equal(other_seen, 3u);
	assert_int_equal(rounding(), 0u);
	set_rounding(saved & 3);
}
#endif

/* The flags: a division by zero in one context is not seen by the other. */
static volatile double one = 1.0, zero = 0.0, sink;
static int other_flag_kept;

static void divides(void *arg)
{
	(void)arg;
	sink = one / zero;                          /* raises FE_DIVBYZERO here */
	for (;;) {
		co_switch(&other_ctx, &main_ctx);
		other_flag_kept = fetestexcept(FE_DIVBYZERO) != 0;
	}
}

static void test_fpu_exception_flags_are_per_context(void **state)
{
	(void)state;
	/* valgrind does not model the flags: then there is nothing to test. */
	sink = one / zero;
	if (fetestexcept(FE_DIVBYZERO) == 0)
		skip();
	feclearexcept(FE_ALL_EXCEPT);
	co_ctx_make(&other_ctx, other_stack, sizeof other_stack, divides, NULL);
	co_switch(&main_ctx, &other_ctx);
	assert_int_equal(fetestexcept(FE_DIVBYZERO), 0);
	co_switch(&main_ctx, &other_ctx);
	assert_int_equal(other_flag_kept, 1);
	feclearexcept(FE_ALL_EXCEPT);
}

/* A new context starts with the rounding mode of the thread that made it. */
static unsigned first_seen;

static void reports(void *arg)
{
	(void)arg;
	first_seen = rounding();
	for (;;)
		co_switch(&other_ctx, &main_ctx);
}

static void test_fpu_words_inherited_by_a_new_context(void **state)
{
	unsigned saved = rounding();
	(void)state;
	set_rounding(3);
	co_ctx_make(&other_ctx, other_stack, sizeof other_stack, reports, NULL);
	set_rounding(0);
	co_switch(&main_ctx, &other_ctx);
	assert_int_equal(first_seen, BOTH(3u));
	assert_int_equal(rounding(), 0u);
	set_rounding(saved & 3);
}

#if defined(__x86_64__)
/* Run test on the MXCSR path *state (0 compare first, 1 load always). */
static unsigned char path_compare = 0, path_load = 1;

static int on_path(void **state)
{
	co_switch_load_always = *(unsigned char *)*state;
	return 0;
}

static unsigned char picked;

static int path_back(void **state)
{
	(void)state;
	co_switch_load_always = picked;
	return 0;
}
#define ON_PATHS(test) \
	{ #test " (compare first)", test, on_path, path_back, &path_compare }, \
	{ #test " (load always)", test, on_path, path_back, &path_load }
#else
#define ON_PATHS(test) cmocka_unit_test(test)
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_pong),
		ON_PATHS(test_callee_saved_registers_survive),
		ON_PATHS(test_fpu_rounding_mode_is_per_context),
		ON_PATHS(test_fpu_exception_flags_are_per_context),
		ON_PATHS(test_fpu_words_inherited_by_a_new_context),
#if defined(__x86_64__)
		ON_PATHS(test_fpu_words_differing_one_at_a_time),
#endif
	};
#if defined(__x86_64__)
	picked = co_switch_load_always;
#endif
	return cmocka_run_group_tests(tests, NULL, NULL);
}
