/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bzImage of a test payload (tests/guest/*.S): the x86 boot
 * protocol's header (Documentation/arch/x86/boot.rst), its setup sectors
 * empty, and the protected-mode kernel at 0x400 in the file (loaded at
 * 1 MiB) whose 64-bit entry, entry64, is 0x200 bytes in. The including
 * file defines entry64 right after this and ends with pm_end.
 */
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
