/*
 * void co_switch(struct co_ctx *from, struct co_ctx *to);
 *
 * Save what AAPCS64 makes callee-saved (x19-x28, the frame pointer x29, the
 * link register x30 and the low halves d8-d15 of v8-v15), FPCR (rounding
 * mode, flush-to-zero) and FPSR (the sticky exception flags) on the current
 * stack, store sp in from->sp, load to->sp, restore the same set and return
 * through the restored x30. Each context has its own floating-point control
 * and status, as each thread has (switch_x86_64.S says why the flags too).
 * FPCR and FPSR are written only when they differ from the values in force
 * (a write to FPCR may serialise the pipeline; a compare is cheap).
 * The frame, lowest address first, is struct co_frame (switch_frame.h):
 *   x19..x28, x29, x30, d8..d15, fpcr, fpsr (176 bytes, 16-aligned).
 */
#include "switch_frame.h"

.if CO_FRAME_X29 != CO_FRAME_X19 + 10 * 8 || CO_FRAME_D8 != CO_FRAME_X29 + 16 || CO_FRAME_FPCR != CO_FRAME_D8 + 8 * 8 || CO_FRAME_FPSR != CO_FRAME_FPCR + 8 || CO_FRAME_SIZE != CO_FRAME_FPSR + 8
.error "switch_aarch64.S: struct co_frame (switch_frame.h) does not match the stores"
.endif

	.text
	.globl	co_switch
	.type	co_switch, %function
co_switch:
	// Save old callee-saved registers, FPCR and FPSR (x10, x11 keep them: the values in force)
	sub	sp, sp, #CO_FRAME_SIZE
	stp	x19, x20, [sp, #CO_FRAME_X19]
	stp	x21, x22, [sp, #CO_FRAME_X19 + 16]
	stp	x23, x24, [sp, #CO_FRAME_X19 + 32]
	stp	x25, x26, [sp, #CO_FRAME_X19 + 48]
	stp	x27, x28, [sp, #CO_FRAME_X19 + 64]
	stp	x29, x30, [sp, #CO_FRAME_X29]
	stp	d8, d9, [sp, #CO_FRAME_D8]
	stp	d10, d11, [sp, #CO_FRAME_D8 + 16]
	stp	d12, d13, [sp, #CO_FRAME_D8 + 32]
	stp	d14, d15, [sp, #CO_FRAME_D8 + 48]
	mrs	x10, fpcr
	mrs	x11, fpsr
	stp	x10, x11, [sp, #CO_FRAME_FPCR]

	// Switch stacks
	mov	x9, sp
	str	x9, [x0]
	ldr	x9, [x1]
	mov	sp, x9

	// Load new callee-saved registers; FPCR and FPSR where they differ
	ldp	x19, x20, [sp, #CO_FRAME_X19]
	ldp	x21, x22, [sp, #CO_FRAME_X19 + 16]
	ldp	x23, x24, [sp, #CO_FRAME_X19 + 32]
	ldp	x25, x26, [sp, #CO_FRAME_X19 + 48]
	ldp	x27, x28, [sp, #CO_FRAME_X19 + 64]
	ldp	x29, x30, [sp, #CO_FRAME_X29]
	ldp	d8, d9, [sp, #CO_FRAME_D8]
	ldp	d10, d11, [sp, #CO_FRAME_D8 + 16]
	ldp	d12, d13, [sp, #CO_FRAME_D8 + 32]
	ldp	d14, d15, [sp, #CO_FRAME_D8 + 48]
	ldp	x9, x12, [sp, #CO_FRAME_FPCR]
	cmp	x9, x10
	b.eq	1f
	msr	fpcr, x9
1:	cmp	x12, x11
	b.eq	2f
	msr	fpsr, x12
2:	add	sp, sp, #CO_FRAME_SIZE
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
