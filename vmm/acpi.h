/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI tables for an x86_64 slimhv guest: RSDP, XSDT, FADT, FACS, DSDT,
 * MADT and MCFG, generated into one buffer that the guest sees at a fixed
 * guest-physical address. Pure logic: no ioctls, no file I/O.
 *
 * The DSDT is AML encoded here: \_S5_, \_SB_.PCI0 (a PCIe host bridge with
 * its bus range, I/O and memory windows and a _PRT for INTx), \_SB_.MRES
 * (a PNP0C02 motherboard resource reserving the ECAM region) and, when the
 * platform has one, \_SB_.COM1.
 */
#ifndef SLIMHV_VMM_ACPI_H
#define SLIMHV_VMM_ACPI_H

#include <stddef.h>
#include <stdint.h>

struct acpi_platform {
	unsigned int nr_cpus;		/* local APIC IDs 0 .. nr_cpus-1 */
	uint64_t lapic_addr;		/* 0xfee00000 */
	uint64_t ioapic_addr;		/* 0xfec00000 */
	uint8_t ioapic_id;
	uint64_t ecam_base;		/* PCIe ECAM (MMCONFIG), for bus 0 */
	uint8_t bus_start, bus_end;	/* PCI buses covered by ECAM (0..255) */
	uint16_t pio_base, pio_size;	/* PCI I/O window, e.g. 0x1000 size 0xf000 */
	uint64_t mmio32_base, mmio32_size;	/* below 4 GiB */
	uint64_t mmio64_base, mmio64_size;	/* above 4 GiB (size 0: none) */
	uint16_t pm1a_evt_port;		/* 4 bytes: PM1 status (2) + enable (2) */
	uint16_t pm1a_cnt_port;		/* 2 bytes: PM1 control (SLP_TYP, SLP_EN) */
	uint16_t pm_tmr_port;		/* 4 bytes: 24-bit ACPI PM timer (0: none) */
	uint16_t reset_port;		/* 1 byte: FADT reset register (0: none) */
	uint8_t reset_value;
	uint8_t sci_irq;		/* 9: ISA IRQ, level, active high */
	uint8_t s5_slp_typ;		/* SLP_TYP value for S5 in \_S5 */
	uint16_t uart_port;		/* 0x3f8, described in the DSDT (0: none) */
	uint8_t uart_irq;		/* 4 */
	uint64_t tables_gpa;		/* guest-physical address of the buffer */
};

/* PCI INTx routing described by the DSDT's _PRT: slots 1..31, pins A..D. */
#define ACPI_PRT_GSI_BASE	16
#define ACPI_PRT_GSI_COUNT	8

static inline unsigned int acpi_prt_gsi(unsigned int slot, unsigned int pin)
{
	return ACPI_PRT_GSI_BASE + (slot + pin) % ACPI_PRT_GSI_COUNT;
}

/*
 * Build RSDP (at offset 0 of @buf, ACPI 2.0+ with XSDT), XSDT, FADT
 * (revision 6, not hardware-reduced), FACS, DSDT, MADT and MCFG into @buf,
 * which the guest sees at p->tables_gpa. Returns the bytes used, -ENOSPC if
 * @size is too small, -EINVAL for a bad platform (0 CPUs, > 255 CPUs,
 * tables that would run past the top of the address space, ...).
 * p->tables_gpa must be 16-byte aligned (the RSDP's alignment).
 */
int acpi_build(const struct acpi_platform *p, void *buf, size_t size);

/*
 * Encode an AML PkgLength for a package whose contents (after the
 * PkgLength) are @content_len bytes, in the fewest bytes. Writes 1 to 4
 * bytes to @out and returns how many, or -EINVAL if it cannot be encoded.
 */
int acpi_aml_pkglen(uint8_t out[4], size_t content_len);

#endif /* SLIMHV_VMM_ACPI_H */
