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

file_start:
	/* The boot sector: nothing but the header's first fields. */
	.org	0x1f1
	.byte	1			/* setup_sects: setup is 2 sectors */
	.word	0			/* root_flags */
	.long	(pm_end - pm_start) / 16 /* syssize, in 16-byte units */
	.word	0, 0, 0			/* ram_size, vid_mode, root_dev */
	.word	0xaa55			/* boot_flag */
	/* 0x200: a jump over the header, whose length it gives */
	.byte	0xeb, hdr_end - 0x202 - file_start
	.ascii	"HdrS"			/* header */
	.word	0x020f			/* version 2.15 */
	.long	0			/* realmode_swtch */
	.word	0, 0			/* start_sys_seg, kernel_version */
	.byte	0			/* type_of_loader */
	.byte	0x01			/* loadflags: LOADED_HIGH */
	.word	0			/* setup_move_size */
	.long	0x100000		/* code32_start */
	.long	0, 0, 0			/* ramdisk_image, _size, bootsect_kludge */
	.word	0			/* heap_end_ptr */
	.byte	0, 0			/* ext_loader_ver, ext_loader_type */
	.long	0			/* cmd_line_ptr */
	.long	0x7fffffff		/* initrd_addr_max */
	.long	0x200000		/* kernel_alignment */
	.byte	0			/* relocatable_kernel: no */
	.byte	0			/* min_alignment */
	.word	0x0001			/* xloadflags: XLF_KERNEL_64 */
	.long	255			/* cmdline_size */
	.long	0			/* hardware_subarch */
	.quad	0			/* hardware_subarch_data */
	.long	0, 0			/* payload_offset, payload_length */
	.quad	0			/* setup_data */
	.quad	0x1000000		/* pref_address: 16 MiB */
	.long	0x1000			/* init_size */
	.long	0			/* handover_offset */
	.long	0			/* kernel_info_offset */
hdr_end:

	/* The protected-mode kernel: loaded at 1 MiB. */
	.org	0x400
pm_start:
	/* The 64-bit entry is 0x200 bytes in (boot.rst, 64-bit boot). */
	.org	0x600
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
