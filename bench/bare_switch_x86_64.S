/*
 * void bare_switch(void **save_sp, void *next_sp);
 *
 * The floor under every user-space context switch, for bench/lat_switch:
 * push the callee-saved registers (rbp, rbx, r12-r15) on the current stack,
 * store the stack pointer in *save_sp, load next_sp, pop the other
 * context's registers and return into it. Nothing else is saved: not the
 * signal mask (swapcontext does that, with a system call), not the MXCSR or
 * x87 control words, so both sides must run with the same FP settings.
 * The C side (lat_switch.c, bare_start) lays out a fresh stack to match:
 * six register slots, then the address to return to.
 *
 * void bare_jmp_switch(void **save_sp, void *next_sp);
 *
 * The same, but it leaves by popping the return address and jumping to it,
 * as co_switch does, instead of `ret`. A `ret` that lands on another stack
 * is mispredicted every time (the return stack buffer holds this stack's
 * caller); the jump is predicted from branch history. Against this floor
 * the difference to co_switch is only the FPU control words.
 *
 * void bare_jmp_fpu_switch(void **save_sp, void *next_sp);
 *
 * bare_jmp_switch plus the FPU words as Boost.Context's jump_fcontext
 * handles them: stmxcsr and fnstcw into a slot below the registers, then
 * ldmxcsr and fldcw from the other side's, always. What those four
 * instructions cost on this CPU, without co_switch's choices. Its fresh
 * stack (bare_start) has the slot: MXCSR, then the x87 word, 8 bytes.
 */
/*
 * All three share one body: save the callee-saved registers (and with
 * fpu=1 the FPU words, in an 8-byte slot below them), swap stacks, restore
 * the other context's. Only the way out differs.
 */
	.macro	swap_stacks fpu=0
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	.if \fpu
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	.endif
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	.if \fpu
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	.endif
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	.endm

	.text
	.globl	bare_switch
	.type	bare_switch, @function
bare_switch:
	swap_stacks
	ret
	.size	bare_switch, .-bare_switch

	.globl	bare_jmp_switch
	.type	bare_jmp_switch, @function
bare_jmp_switch:
	swap_stacks
	popq	%rcx
	jmp	*%rcx
	.size	bare_jmp_switch, .-bare_jmp_switch

	.globl	bare_jmp_fpu_switch
	.type	bare_jmp_fpu_switch, @function
bare_jmp_fpu_switch:
	swap_stacks fpu=1
	popq	%rcx
	jmp	*%rcx
	.size	bare_jmp_fpu_switch, .-bare_jmp_fpu_switch

	.section .note.GNU-stack, "", @progbits
