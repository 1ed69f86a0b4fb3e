/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading a Linux bzImage by the x86 boot protocol (the kernel's
 * Documentation/arch/x86/boot.rst), for direct 64-bit entry: the header
 * check, the placement of kernel, command line and initrd, the e820 map,
 * the zero page, and the identity page tables and GDT the entry needs.
 * Pure logic over a struct guest_mem: no ioctls.
 */
#ifndef SLIMHV_VMM_BOOTPARAMS_H
#define SLIMHV_VMM_BOOTPARAMS_H

#include <stddef.h>
#include <stdint.h>
#include <asm/bootparam.h>

#include "vmm/memmap.h"

/* Oldest protocol with the 64-bit entry point flag (xloadflags). */
#define BOOT_PROTO_MIN		0x020c
#define BOOT_ENTRY64_OFFSET	0x200

#define BOOT_GDT_CS		0x10
#define BOOT_GDT_DS		0x18

struct bzimage {
	const uint8_t *data;
	size_t size;
	struct setup_header hdr;
	size_t kernel_offset;	/* protected-mode kernel in the file */
	size_t kernel_size;
};

struct boot_layout {
	uint64_t kernel_gpa;
	uint64_t kernel_end;	/* end of what decompression may touch */
	uint64_t entry_gpa;
	uint64_t cmdline_gpa;
	uint64_t initrd_gpa;
	uint64_t initrd_size;
	uint64_t acpi_gpa;
};

int bzimage_parse(const void *data, size_t size, struct bzimage *bz,
		  char *err, size_t errlen);

int boot_plan(const struct guest_mem *m, const struct bzimage *bz,
	      size_t cmdline_len, uint64_t initrd_size,
	      struct boot_layout *bl, char *err, size_t errlen);

/* Returns the number of entries, or -ENOSPC. */
int e820_build(const struct guest_mem *m, struct boot_e820_entry *tbl,
	       unsigned int max);

int boot_params_fill(struct boot_params *bp, const struct bzimage *bz,
		     const struct guest_mem *m, const struct boot_layout *bl);

/*
 * Write everything the kernel needs into guest RAM: the kernel, the
 * command line, the initrd, the ACPI tables, the zero page, the page
 * tables and the GDT. @acpi is built for ACPI_TABLES_GPA.
 */
int boot_load(const struct guest_mem *m, const struct bzimage *bz,
	      const char *cmdline, const void *initrd, uint64_t initrd_size,
	      const void *acpi, size_t acpi_len, struct boot_layout *bl,
	      char *err, size_t errlen);

#endif /* SLIMHV_VMM_BOOTPARAMS_H */
