/*
 * void co_switch(struct co_ctx *from, struct co_ctx *to);
 *
 * Save what the SysV x86-64 ABI makes callee-saved (rbx, rbp, r12-r15), the
 * x87 control word and MXCSR on the current stack, store the stack pointer in
 * from->sp, load to->sp and restore the same set from there; `ret` then pops
 * the return address saved by the call that suspended `to`. Caller-saved
 * registers need no saving: the compiler assumes this call clobbers them.
 * The frame, lowest address first, is struct co_frame in context.c:
 *   mxcsr (4 bytes), x87 control word (2), padding (2), r15, r14, r13, r12,
 *   rbx, rbp, return address.
 */
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
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)

	# Switch stacks
	movq	%rsp, (%rdi)
	movq	(%rsi), %rsp

	# Load new callee-saved registers and FPU control state
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
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
