/*
 * switch_frame.h - the frame co_switch leaves at a suspended context's
 * saved stack pointer, lowest address first. The assembly (switch_<arch>.S)
 * includes this file for the offsets; C fills the same frame in by hand
 * (co_ctx_make, through struct co_frame). The checks at the bottom of each
 * half hold the two to one layout: _Static_assert on the C side, .error on
 * the assembly side.
 */
#ifndef CO_SWITCH_FRAME_H
#define CO_SWITCH_FRAME_H

#if defined(__x86_64__)
/* stmxcsr/fnstcw words, then the six registers pushed, then the return address. */
#define CO_FRAME_MXCSR   0
#define CO_FRAME_X87_CW  4
#define CO_FRAME_R15     8          /* r15, r14, r13, r12, rbx, rbp follow */
#define CO_FRAME_RET     56
#define CO_FRAME_SIZE    64
#elif defined(__aarch64__)
#define CO_FRAME_X19     0          /* x19..x28 in pairs */
#define CO_FRAME_X29     80         /* x29, x30 */
#define CO_FRAME_D8      96         /* d8..d15 in pairs */
#define CO_FRAME_FPCR    160
#define CO_FRAME_FPSR    168
#define CO_FRAME_SIZE    176        /* 16-aligned */
#else
#error "coro: no context switch for this architecture"
#endif

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)
struct co_frame {
	uint32_t mxcsr;
	uint16_t x87_cw;
	uint16_t pad;
	uint64_t r15, r14, r13, r12, rbx, rbp;
	void *ret;                  /* co_entry for a new context */
};
_Static_assert(offsetof(struct co_frame, mxcsr) == CO_FRAME_MXCSR, "mxcsr: switch_x86_64.S");
_Static_assert(offsetof(struct co_frame, x87_cw) == CO_FRAME_X87_CW, "x87_cw: switch_x86_64.S");
_Static_assert(offsetof(struct co_frame, r15) == CO_FRAME_R15, "r15: switch_x86_64.S");
_Static_assert(offsetof(struct co_frame, rbp) == CO_FRAME_RET - 8, "rbp: switch_x86_64.S");
_Static_assert(offsetof(struct co_frame, ret) == CO_FRAME_RET, "ret: switch_x86_64.S");
_Static_assert(sizeof(struct co_frame) == CO_FRAME_SIZE, "size: switch_x86_64.S");
#else
struct co_frame {
	uint64_t x19, x20, x21_28[8], x29, x30;
	uint64_t d8_15[8];
	uint64_t fpcr, fpsr;
};
_Static_assert(offsetof(struct co_frame, x19) == CO_FRAME_X19, "x19: switch_aarch64.S");
_Static_assert(offsetof(struct co_frame, x29) == CO_FRAME_X29, "x29: switch_aarch64.S");
_Static_assert(offsetof(struct co_frame, d8_15) == CO_FRAME_D8, "d8: switch_aarch64.S");
_Static_assert(offsetof(struct co_frame, fpcr) == CO_FRAME_FPCR, "fpcr: switch_aarch64.S");
_Static_assert(offsetof(struct co_frame, fpsr) == CO_FRAME_FPSR, "fpsr: switch_aarch64.S");
_Static_assert(sizeof(struct co_frame) == CO_FRAME_SIZE, "size: switch_aarch64.S");
#endif
#endif /* !__ASSEMBLER__ */

#endif
