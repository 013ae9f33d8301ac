/*
 * fpu_words.h - what the switch tests set before a switch and check after
 * it (test_coro_switch.c across one switch, test_coro_mn.c across a move
 * to another thread): the callee-saved register values want[NREGS] that
 * each test's own asm loads, and the FPU rounding mode, rounding() and
 * set_rounding(m) (0 nearest, 1 down, 2 up, 3 zero): MXCSR's and the x87
 * control word's on x86-64 (BOTH(m): both set to m), FPCR's on aarch64.
 */
#ifndef CM_FPU_WORDS_H
#define CM_FPU_WORDS_H

#include <stdint.h>

#if defined(__x86_64__)
#define NREGS 6                 /* rbx, rbp, r12-r15 */

static const uint64_t want[NREGS] = {
	0x1111111111111111, 0x2222222222222222, 0x3333333333333333,
	0x4444444444444444, 0x5555555555555555, 0x6666666666666666,
};

/* Rounding mode bits of MXCSR (13-14) and of the x87 control word (10-11). */
static inline unsigned rounding(void)
{
	uint32_t mxcsr;
	uint16_t cw;
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(cw));
	return (mxcsr >> 13 & 3) | (cw >> 10 & 3) << 2;
}

/* Set both units' rounding mode to m. */
static inline void set_rounding(unsigned m)
{
	uint32_t mxcsr;
	uint16_t cw;
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(cw));
	mxcsr = (mxcsr & ~(3u << 13)) | m << 13;
	cw = (uint16_t)((cw & ~(3u << 10)) | m << 10);
	__asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(mxcsr), "m"(cw));
}
#define BOTH(m) ((m) | (m) << 2)

#elif defined(__aarch64__)
#define NREGS 14                /* x19-x28, x29, d8, d9, d15 */

static const uint64_t want[NREGS] = {
	0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777, 0x8888, 0x9999, 0xaaaa,
	0xbbbb, 0xcccc, 0xdddd, 0xeeee,
};

/* FPCR's rounding mode field, RMode (bits 22-23). */
static inline unsigned rounding(void)
{
	uint64_t fpcr;
	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
	return (unsigned)(fpcr >> 22 & 3);
}

static inline void set_rounding(unsigned m)
{
	uint64_t fpcr;
	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
	fpcr = (fpcr & ~(UINT64_C(3) << 22)) | (uint64_t)m << 22;
	__asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
}
#define BOTH(m) (m)
#endif

#endif
