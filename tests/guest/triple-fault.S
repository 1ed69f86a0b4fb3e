/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest that triple-faults as soon as it runs: a bzImage of the x86
 * boot protocol (Documentation/arch/x86/boot.rst) with a 64-bit entry
 * and nothing else. The entry prints one line on the UART, loads an
 * empty IDT and raises int3: the #BP cannot be delivered (its gate is
 * past the IDT's limit), nor the #GP that follows, nor the #DF, and the
 * CPU shuts down. A PC resets then; KVM reports KVM_EXIT_SHUTDOWN and
 * slimhv rebuilds the VM, so the guest faults again at each boot: the
 * reboot soak of the lab tests (tests/e2e/run.py).
 *
 * Built with the host's compiler and objcopy -O binary (the Makefile):
 * one section, assembled at 0, with only position-independent code.
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
2:	lidt	empty_idt(%rip)
	int3
	/* Not reached: a CPU that delivered the #BP anyway stops here. */
3:	hlt
	jmp	3b

empty_idt:
	.word	0			/* limit: no gate at all */
	.quad	0			/* base */
msg:
	.asciz	"slimhv-triple-fault: empty IDT, int3\n"
	.balign	16
pm_end:
