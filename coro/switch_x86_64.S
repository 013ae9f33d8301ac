/*
 * void co_switch(struct co_ctx *from, struct co_ctx *to);
 *
 * Save what the SysV x86-64 ABI makes callee-saved (rbx, rbp, r12-r15), the
 * x87 control word and MXCSR on the current stack, store the stack pointer in
 * from->sp, load to->sp and restore the same set from there; then it pops
 * the return address saved by the call that suspended `to` and jumps to it.
 * Caller-saved registers need no saving: the compiler assumes this call
 * clobbers them (rax and rdx compare the FPU words, rcx carries the return
 * address).
 *
 * Why `pop; jmp` and not `ret`: the CPU predicts a `ret` from its return
 * stack buffer, which holds the caller of THIS co_switch, in `from`; the
 * real target is in `to`, so every `ret` across stacks is mispredicted
 * (about 5 ns here: bench/lat_switch's bare row, which returns with `ret`,
 * against its bare_jmp row). An indirect jump is predicted from the branch
 * history instead, which learns the alternation of a ping-pong or of a
 * scheduler loop. Boost.Context's jump_fcontext ends the same way.
 *
 * Why both FPU control words: the ABI makes MXCSR's control bits and the
 * x87 control word callee-saved, so a task that changes the rounding mode
 * must not change it for the task that runs next. They are saved at every
 * switch but loaded only when they differ from the ones in force: ldmxcsr
 * and fldcw are the costly instructions (measured here: 6-10 ns each in a
 * loop, against 2-3 ns for a store; co_switch took 4.8-5.6 ns comparing
 * first, 5.9-8.7 ns loading always, 4.2-4.5 ns with no FPU words at all).
 * Each word is compared with a load of its own size, so that the load is
 * forwarded from the store just made. MXCSR is compared without its
 * exception flags, which the ABI leaves caller-saved: they are sticky, a
 * task that did any inexact arithmetic has PE set, a new context has not,
 * and comparing them made every switch load MXCSR. A load that changes
 * MXCSR is what costs (50 ns a switch on the development VM, against 4 ns
 * with equal words); the flags are simply carried over.
 * The frame, lowest address first, is struct co_frame (switch_frame.h):
 *   mxcsr (4 bytes), x87 control word (2), padding (2), r15, r14, r13, r12,
 *   rbx, rbp, return address.
 */
#include "switch_frame.h"

/* MXCSR's exception flags (bits 0-5): status, caller-saved, not compared. */
#define MXCSR_STATUS 0x3f

/* Six registers pushed between the FPU words and the return address. */
.if CO_FRAME_RET - CO_FRAME_R15 != 6 * 8 || CO_FRAME_SIZE != CO_FRAME_RET + 8
.error "switch_x86_64.S: struct co_frame (switch_frame.h) does not match the pushes"
.endif

	.text
	.globl	co_switch
	.type	co_switch, @function
co_switch:
	# Save old callee-saved registers and FPU control state
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$CO_FRAME_R15, %rsp
	stmxcsr	CO_FRAME_MXCSR(%rsp)
	fnstcw	CO_FRAME_X87_CW(%rsp)

	# Switch stacks (rax keeps the old frame: the words in force)
	movq	%rsp, (%rdi)
	movq	%rsp, %rax
	movq	(%rsi), %rsp

	# Load new FPU control state where it differs, then the registers
	movl	CO_FRAME_MXCSR(%rax), %edx
	xorl	CO_FRAME_MXCSR(%rsp), %edx
	testl	$~MXCSR_STATUS, %edx
	jnz	2f
	movzwl	CO_FRAME_X87_CW(%rax), %edx
	cmpw	CO_FRAME_X87_CW(%rsp), %dx
	jne	2f
1:	addq	$CO_FRAME_R15, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	popq	%rcx
	jmp	*%rcx
2:	ldmxcsr	CO_FRAME_MXCSR(%rsp)
	fldcw	CO_FRAME_X87_CW(%rsp)
	jmp	1b
	.size	co_switch, .-co_switch

/*
 * The first co_switch into a context made by co_ctx_make returns here with
 * r12 = fn and r13 = arg on a 16-byte aligned stack. fn must not return; if
 * it does, co_ctx_returned reports it and aborts.
 */
	.globl	co_entry
	.type	co_entry, @function
co_entry:
	.cfi_startproc
	.cfi_undefined rip
	movq	%r13, %rdi
	callq	*%r12
	callq	co_ctx_returned@PLT
	ud2
	.cfi_endproc
	.size	co_entry, .-co_entry

	.section .note.GNU-stack,"",@progbits
