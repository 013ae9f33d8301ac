/*
 * void co_switch(struct co_ctx *from, struct co_ctx *to);
 *
 * Save what the SysV x86-64 ABI makes callee-saved (rbx, rbp, r12-r15), the
 * x87 control word and MXCSR on the current stack, store the stack pointer in
 * from->sp, load to->sp and restore the same set from there; then it pops
 * the return address saved by the call that suspended `to` and jumps to it.
 * Caller-saved registers need no saving: the compiler assumes this call
 * clobbers them (rcx carries the return address).
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
 * must not change it for the task that runs next. stmxcsr is the one
 * costly instruction here (about 1 ns); loading the words back costs less
 * than comparing them first would.
 * The frame, lowest address first, is struct co_frame in context.c:
 *   mxcsr (4 bytes), x87 control word (2), padding (2), r15, r14, r13, r12,
 *   rbx, rbp, return address.
 */
	.text
	# On a cache line of its own: where the linker happens to put it moved
	# its time by 1.5x (lat_switch coro, same code, two libcm.a layouts).
	.p2align 6
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
	popq	%rcx
	jmp	*%rcx
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
