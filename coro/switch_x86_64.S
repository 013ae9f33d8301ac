/*
 * void co_switch(struct co_ctx *from, struct co_ctx *to);
 *
 * Save what the SysV x86-64 ABI makes callee-saved (rbx, rbp, r12-r15), the
 * x87 control word and MXCSR on the current stack, store the stack pointer in
 * from->sp, load to->sp and restore the same set from there; then it pops
 * the return address saved by the call that suspended `to` and jumps to it.
 * Caller-saved registers need no saving: the compiler assumes this call
 * clobbers them (rax, rdx and r8 carry values across, rcx the return address).
 *
 * Why to->sp is loaded first: the pops wait for the new stack pointer, and
 * that load waits for the other side's store of it. Started before the
 * pushes, it is done when they are; loaded after them it cost 2 ns a switch
 * on an AMD EPYC host (bench/lat_switch coro, 4.5 ns against 2.5 ns with no
 * FPU words, as fast as its bare_jmp row, which gets the pointer in a
 * register).
 *
 * Why `pop; jmp` and not `ret`: the CPU predicts a `ret` from its return
 * stack buffer, which holds the caller of THIS co_switch, in `from`; the
 * real target is in `to`, so every `ret` across stacks is mispredicted
 * (about 5 ns here: bench/lat_switch's bare row, which returns with `ret`,
 * against its bare_jmp row). An indirect jump is predicted from the branch
 * history instead, which learns the alternation of a ping-pong or of a
 * scheduler loop. Boost.Context's jump_fcontext ends the same way.
 *
 * The FPU words: each context has its own MXCSR, the whole register (the
 * rounding mode and masks, and the sticky exception flags), and its own x87
 * control word, as each thread has (POSIX gives a thread its own floating
 * point environment) and as Boost.Context's contexts have. A new context
 * starts with the words of the thread that makes it (co_ctx_make), as a new
 * thread does. The ABI makes the control bits callee-saved; keeping the
 * flags per context too means a task's fetestexcept sees its own
 * arithmetic, not that of the tasks that ran in between.
 *
 * Which instruction costs depends on the CPU, so co_switch takes one of two
 * paths with the same effect, chosen once at start-up (context.c sets
 * co_switch_load_always):
 *   compare (Intel): load MXCSR only when the word saved for `to` differs
 *     from the one just stored. On the Xeon development host ldmxcsr and
 *     fldcw cost 6-10 ns each in a loop against 2-3 ns for a store, and a
 *     load that changes MXCSR about 50 ns a switch: comparing first, co_switch
 *     took 4.6 ns against Boost's 5.3 ns, which loads both words always.
 *   load (AMD): load MXCSR always. On the AMD EPYC host stmxcsr itself costs
 *     about 3 ns (2.5 ns a switch with no FPU words, 5.4 ns with stmxcsr),
 *     reading back the word it stored 2 ns more (7.2 ns comparing), and an
 *     ldmxcsr, changing or not, almost nothing.
 * The x87 word is compared on both paths (fnstcw's word reads back at no
 * cost on either host): an equal one is not loaded.
 * The frame, lowest address first, is struct co_frame (switch_frame.h):
 *   mxcsr (4 bytes), x87 control word (2), padding (2), r15, r14, r13, r12,
 *   rbx, rbp, return address.
 */
#include "switch_frame.h"

/* Six registers pushed between the FPU words and the return address. */
.if CO_FRAME_RET - CO_FRAME_R15 != 6 * 8 || CO_FRAME_SIZE != CO_FRAME_RET + 8
.error "switch_x86_64.S: struct co_frame (switch_frame.h) does not match the pushes"
.endif

	.text
	# On a cache line of its own: where the linker happens to put it moved
	# its time by 1.5x (lat_switch coro, same code, two libcm.a layouts).
	.p2align 6
	.globl	co_switch
	.type	co_switch, @function
co_switch:
	movq	(%rsi), %r8                     # to->sp, early (see above)

	# Save the callee-saved registers and the FPU words
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
	movq	%r8, %rsp

	# MXCSR: always (load path) or where it differs (compare path)
	cmpb	$0, co_switch_load_always(%rip)
	jne	3f
	movl	CO_FRAME_MXCSR(%rax), %edx
	cmpl	CO_FRAME_MXCSR(%rsp), %edx
	je	4f
3:	ldmxcsr	CO_FRAME_MXCSR(%rsp)
	# The x87 control word where it differs, then the registers
4:	movzwl	CO_FRAME_X87_CW(%rax), %edx
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
2:	fldcw	CO_FRAME_X87_CW(%rsp)
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
