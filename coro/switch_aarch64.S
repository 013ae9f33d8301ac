/*
 * void co_switch(struct co_ctx *from, struct co_ctx *to);
 *
 * Save what AAPCS64 makes callee-saved (x19-x28, the frame pointer x29, the
 * link register x30 and the low halves d8-d15 of v8-v15) and FPCR (rounding
 * mode, flush-to-zero) on the current stack, store sp in from->sp, load
 * to->sp, restore the same set and return through the restored x30.
 * The frame, lowest address first, is struct co_frame in context.c:
 *   x19..x28, x29, x30, d8..d15, fpcr, padding (176 bytes, 16-aligned).
 */
	.text
	.globl	co_switch
	.type	co_switch, %function
co_switch:
	// Save old callee-saved registers and FPCR
	sub	sp, sp, #176
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mrs	x9, fpcr
	str	x9, [sp, #160]

	// Switch stacks
	mov	x9, sp
	str	x9, [x0]
	ldr	x9, [x1]
	mov	sp, x9

	// Load new callee-saved registers and FPCR
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	ldr	x9, [sp, #160]
	msr	fpcr, x9
	add	sp, sp, #176
	ret
	.size	co_switch, .-co_switch

/*
 * The first co_switch into a context made by co_ctx_make returns here with
 * x19 = fn and x20 = arg on a 16-byte aligned stack. fn must not return; if
 * it does, co_ctx_returned reports it and aborts.
 */
	.globl	co_entry
	.type	co_entry, %function
co_entry:
	.cfi_startproc
	.cfi_undefined x30
	mov	x0, x20
	blr	x19
	bl	co_ctx_returned
	brk	#0
	.cfi_endproc
	.size	co_entry, .-co_entry

	.section .note.GNU-stack,"",%progbits
