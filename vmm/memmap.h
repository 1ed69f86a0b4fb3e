/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest-physical address map of an x86_64 slimhv guest, and the
 * translation from guest-physical to host-virtual addresses. Pure logic.
 *
 *   0x0000_0000  RAM (real-mode area; boot GDT, zero page, page tables)
 *   0x0009_fc00  reserved (EBDA) .. 0x000e_0000 ACPI tables .. 1 MiB
 *   0x0010_0000  RAM: the kernel, then the rest of low memory
 *   0xc000_0000  PCI 32-bit MMIO window (512 MiB)
 *   0xe000_0000  PCIe ECAM, 256 buses (256 MiB)
 *   0xf000_0000  slimhv's boot timer (one page)
 *   0xfec0_0000  I/O APIC, 0xfee0_0000 local APICs
 *   4 GiB        RAM above 3 GiB of guest memory, then the 64-bit window
 */
#ifndef SLIMHV_VMM_MEMMAP_H
#define SLIMHV_VMM_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SZ_1K			0x400ULL
#define SZ_1M			0x100000ULL
#define SZ_1G			0x40000000ULL

#define MEM_EBDA_START		0x9fc00ULL
#define MEM_HIGH_RAM_START	0x100000ULL
#define MEM_LOW_RAM_MAX		0xc0000000ULL	/* 3 GiB */
#define MEM_4G			0x100000000ULL

#define BOOT_GDT_GPA		0x500ULL
#define BOOT_PARAMS_GPA		0x7000ULL
#define BOOT_PML4_GPA		0x9000ULL
#define BOOT_PDPT_GPA		0xa000ULL
#define BOOT_PD_GPA		0xb000ULL	/* 4 pages: 4 GiB of 2 MiB pages */
#define BOOT_CMDLINE_GPA	0x20000ULL
#define BOOT_CMDLINE_MAX	0x10000ULL
#define ACPI_TABLES_GPA		0xe0000ULL
#define ACPI_TABLES_MAX		0x20000ULL
#define KERNEL_LOAD_GPA		0x100000ULL

#define PCI_MMIO32_BASE		0xc0000000ULL
#define PCI_MMIO32_SIZE		0x20000000ULL
#define PCI_ECAM_BASE		0xe0000000ULL
#define PCI_ECAM_SIZE		0x10000000ULL
#define BOOT_TIMER_GPA		0xf0000000ULL
#define BOOT_TIMER_SIZE		0x1000ULL
#define IOAPIC_GPA		0xfec00000ULL
#define LAPIC_GPA		0xfee00000ULL
#define PCI_MMIO64_SIZE		(32 * SZ_1G)

/* Port I/O map */
#define PIO_UART0		0x3f8
#define PIO_PM_BASE		0x600	/* ACPI PM1a event, control, timer, reset */
#define PIO_PCI_CONF1		0xcf8
#define PCI_PIO_BASE		0x1000
#define PCI_PIO_SIZE		0xf000

/* Smallest guest: the kernel decompresses above 16 MiB. */
#define GUEST_MEM_MIN		(64 * SZ_1M)
#define GUEST_MEM_MAX		(1024 * SZ_1G)

struct guest_mem {
	uint8_t *host;		/* one mapping of all guest RAM */
	uint64_t size;		/* total RAM */
	uint64_t low_size;	/* RAM at guest-physical 0 */
	uint64_t high_size;	/* RAM at 4 GiB */
};

/* Split @size bytes of RAM into the low and high regions. */
int guest_mem_layout(struct guest_mem *m, uint64_t size);

/*
 * Host address of [gpa, gpa + len) when it lies entirely inside one RAM
 * region, NULL otherwise (holes, overflow, out of range).
 */
void *gpa_to_hva(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Start of the 64-bit PCI window: above RAM, aligned to its size. */
uint64_t guest_mmio64_base(const struct guest_mem *m);

#endif /* SLIMHV_VMM_MEMMAP_H */
