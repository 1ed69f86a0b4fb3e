/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest that halts for good as soon as it runs: one line on the UART,
 * then HLT with interrupts off, its vCPU asleep in KVM until the domain
 * is destroyed. The hostile-VMM test's domain (tests/e2e/e2e-jail.dts):
 * its VMM runs a guest, as a compromised one would, and costs the lab
 * nothing.
 *
 * Built as triple-fault.S is.
 */
	.code64
	.text

#include "bzimage-header.S"
entry64:
	cli
	lea	msg(%rip), %rsi
	mov	$0x3f8, %dx		/* COM1's transmit register */
1:	lodsb
	test	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	hlt
	jmp	2b

msg:
	.asciz	"slimhv-halt: halting with interrupts off\n"
	.balign	16
pm_end:
