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
 */
	.text
	.globl	bare_switch
	.type	bare_switch, @function
bare_switch:
	/* Save the old context's callee-saved registers. */
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	/* Switch stacks. */
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	/* Restore the new context's registers and return into it. */
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	bare_switch, .-bare_switch

	.section .note.GNU-stack, "", @progbits
