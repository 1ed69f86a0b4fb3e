// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/bootparams.h"

#define BOOT_FLAG_MAGIC		0xaa55
#define HDR_MAGIC		0x53726448	/* "HdrS" */
#define HDR_OFFSET		0x1f1
#define LOADER_TYPE_UNKNOWN	0xff
/* Where the decompressor of a relocatable kernel puts itself at least. */
#define LOAD_PHYSICAL_MIN	0x1000000ULL

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)

#define errf(...)	snprintf(err, errlen, __VA_ARGS__)

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

int bzimage_parse(const void *data, size_t size, struct bzimage *bz,
		  char *err, size_t errlen)
{
	const uint8_t *p = data;
	const struct setup_header *h;
	size_t setup_size, hdr_end;

	memset(bz, 0, sizeof(*bz));
	if (size < HDR_OFFSET + sizeof(*h)) {
		errf("not a bzImage: %zu bytes is too small", size);
		return -ENOEXEC;
	}
	memcpy(&bz->hdr, p + HDR_OFFSET, sizeof(bz->hdr));
	h = &bz->hdr;
	/*
	 * The header extends to 0x202 + the jump's displacement byte. Only
	 * that part is meaningful, and only that part is checked.
	 */
	hdr_end = 0x202 + p[0x201];
	if (hdr_end > HDR_OFFSET + sizeof(*h))
		hdr_end = HDR_OFFSET + sizeof(*h);
	memset((uint8_t *)&bz->hdr + (hdr_end - HDR_OFFSET), 0,
	       HDR_OFFSET + sizeof(*h) - hdr_end);
	if (h->boot_flag != BOOT_FLAG_MAGIC || h->header != HDR_MAGIC) {
		errf("not a bzImage: no boot sector signature or \"HdrS\" header");
		return -ENOEXEC;
	}
	if (h->version < BOOT_PROTO_MIN) {
		errf("boot protocol %u.%02u is too old: 64-bit entry needs 2.12 or later",
		     h->version >> 8, h->version & 0xff);
		return -ENOEXEC;
	}
	if (!(h->xloadflags & XLF_KERNEL_64)) {
		errf("the kernel has no 64-bit entry point (not an x86_64 kernel?)");
		return -ENOEXEC;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		errf("the kernel cannot be loaded at 1 MiB (a zImage?)");
		return -ENOEXEC;
	}
	setup_size = ((size_t)(h->setup_sects ? h->setup_sects : 4) + 1) * 512;
	if (setup_size >= size) {
		errf("truncated bzImage: setup is %zu bytes, the file %zu",
		     setup_size, size);
		return -ENOEXEC;
	}
	if ((uint64_t)h->syssize * 16 > size - setup_size) {
		errf("truncated bzImage: the kernel declares %llu bytes, the file has %zu",
		     (unsigned long long)h->syssize * 16, size - setup_size);
		return -ENOEXEC;
	}
	bz->data = p;
	bz->size = size;
	bz->kernel_offset = setup_size;
	bz->kernel_size = size - setup_size;
	return 0;
}

int boot_plan(const struct guest_mem *m, const struct bzimage *bz,
	      size_t cmdline_len, uint64_t initrd_size,
	      struct boot_layout *bl, char *err, size_t errlen)
{
	const struct setup_header *h = &bz->hdr;
	uint64_t decomp_base, top;

	memset(bl, 0, sizeof(*bl));
	bl->kernel_gpa = KERNEL_LOAD_GPA;
	bl->entry_gpa = KERNEL_LOAD_GPA + BOOT_ENTRY64_OFFSET;
	bl->cmdline_gpa = BOOT_CMDLINE_GPA;
	bl->acpi_gpa = ACPI_TABLES_GPA;

	if (cmdline_len + 1 > h->cmdline_size ||
	    cmdline_len + 1 > BOOT_CMDLINE_MAX) {
		errf("command line of %zu bytes is longer than the kernel's limit of %u",
		     cmdline_len, h->cmdline_size - 1);
		return -E2BIG;
	}
	/* The decompressor runs in place and moves the kernel up to 16 MiB. */
	decomp_base = h->relocatable_kernel ?
		max_u64(h->pref_address, LOAD_PHYSICAL_MIN) : h->pref_address;
	if (decomp_base > UINT64_MAX - h->init_size) {
		errf("the kernel asks for memory at 0x%llx, past any guest memory",
		     (unsigned long long)decomp_base);
		return -ENOMEM;
	}
	bl->kernel_end = max_u64(KERNEL_LOAD_GPA + bz->kernel_size,
				 decomp_base + h->init_size);
	if (bl->kernel_end > m->low_size) {
		errf("guest memory of %llu MiB is too small for the kernel (needs %llu MiB)",
		     (unsigned long long)(m->size >> 20),
		     (unsigned long long)((bl->kernel_end + SZ_1M - 1) >> 20));
		return -ENOMEM;
	}
	if (!initrd_size)
		return 0;

	top = m->low_size;
	if (h->initrd_addr_max && (uint64_t)h->initrd_addr_max + 1 < top)
		top = (uint64_t)h->initrd_addr_max + 1;
	if (initrd_size > top || ((top - initrd_size) & ~0xfffULL) <
	    bl->kernel_end) {
		errf("initrd of %llu MiB does not fit in guest memory beside the kernel: give the guest more memory",
		     (unsigned long long)((initrd_size + SZ_1M - 1) >> 20));
		return -ENOMEM;
	}
	bl->initrd_gpa = (top - initrd_size) & ~0xfffULL;
	bl->initrd_size = initrd_size;
	return 0;
}

static int e820_add(struct boot_e820_entry *tbl, unsigned int max,
		    unsigned int *n, uint64_t addr, uint64_t size,
		    uint32_t type)
{
	if (!size)
		return 0;
	if (*n == max)
		return -ENOSPC;
	tbl[*n] = (struct boot_e820_entry) {
		.addr = addr, .size = size, .type = type,
	};
	(*n)++;
	return 0;
}

#define E820_RAM	1
#define E820_RESERVED	2

int e820_build(const struct guest_mem *m, struct boot_e820_entry *tbl,
	       unsigned int max)
{
	unsigned int n = 0;
	int ret = 0;

	ret |= e820_add(tbl, max, &n, 0, MEM_EBDA_START, E820_RAM);
	ret |= e820_add(tbl, max, &n, MEM_EBDA_START, 0xa0000 - MEM_EBDA_START,
			E820_RESERVED);
	ret |= e820_add(tbl, max, &n, ACPI_TABLES_GPA, ACPI_TABLES_MAX,
			E820_RESERVED);
	ret |= e820_add(tbl, max, &n, MEM_HIGH_RAM_START,
			m->low_size - MEM_HIGH_RAM_START, E820_RAM);
	/* ECAM must be reserved, or Linux refuses MMCONFIG. */
	ret |= e820_add(tbl, max, &n, PCI_ECAM_BASE, PCI_ECAM_SIZE,
			E820_RESERVED);
	ret |= e820_add(tbl, max, &n, MEM_4G, m->high_size, E820_RAM);
	return ret ? -ENOSPC : (int)n;
}

int boot_params_fill(struct boot_params *bp, const struct bzimage *bz,
		     const struct guest_mem *m, const struct boot_layout *bl)
{
	int n;

	memset(bp, 0, sizeof(*bp));
	bp->hdr = bz->hdr;
	bp->hdr.type_of_loader = LOADER_TYPE_UNKNOWN;
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.loadflags &= ~KASLR_FLAG;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.cmd_line_ptr = (uint32_t)bl->cmdline_gpa;
	bp->ext_cmd_line_ptr = (uint32_t)(bl->cmdline_gpa >> 32);
	bp->hdr.ramdisk_image = (uint32_t)bl->initrd_gpa;
	bp->ext_ramdisk_image = (uint32_t)(bl->initrd_gpa >> 32);
	bp->hdr.ramdisk_size = (uint32_t)bl->initrd_size;
	bp->ext_ramdisk_size = (uint32_t)(bl->initrd_size >> 32);
	bp->hdr.code32_start = (uint32_t)bl->kernel_gpa;
	bp->acpi_rsdp_addr = bl->acpi_gpa;
	n = e820_build(m, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
	if (n < 0)
		return n;
	bp->e820_entries = n;
	return 0;
}

static void boot_pagetables(const struct guest_mem *m)
{
	uint64_t *pml4 = gpa_to_hva(m, BOOT_PML4_GPA, 4096);
	uint64_t *pdpt = gpa_to_hva(m, BOOT_PDPT_GPA, 4096);
	uint64_t *pd = gpa_to_hva(m, BOOT_PD_GPA, 4 * 4096);

	/* Identity-map the first 4 GiB with 2 MiB pages. */
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT_GPA | PTE_P | PTE_RW;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_GPA + i * 4096ULL) | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
}

static void boot_gdt(const struct guest_mem *m)
{
	uint64_t *gdt = gpa_to_hva(m, BOOT_GDT_GPA, 4 * sizeof(uint64_t));

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[BOOT_GDT_CS / 8] = 0x00af9b000000ffffULL;	/* 64-bit code */
	gdt[BOOT_GDT_DS / 8] = 0x00cf93000000ffffULL;	/* flat data */
}

int boot_load(const struct guest_mem *m, const struct bzimage *bz,
	      const char *cmdline, const void *initrd, uint64_t initrd_size,
	      const void *acpi, size_t acpi_len, struct boot_layout *bl,
	      char *err, size_t errlen)
{
	size_t cmdline_len = cmdline ? strlen(cmdline) : 0;
	void *dst;
	int ret;

	ret = boot_plan(m, bz, cmdline_len, initrd_size, bl, err, errlen);
	if (ret)
		return ret;
	if (acpi_len > ACPI_TABLES_MAX) {
		errf("ACPI tables of %zu bytes do not fit", acpi_len);
		return -E2BIG;
	}

	dst = gpa_to_hva(m, bl->kernel_gpa, bz->kernel_size);
	memcpy(dst, bz->data + bz->kernel_offset, bz->kernel_size);
	dst = gpa_to_hva(m, bl->cmdline_gpa, cmdline_len + 1);
	memcpy(dst, cmdline ? cmdline : "", cmdline_len + 1);
	if (initrd_size) {
		dst = gpa_to_hva(m, bl->initrd_gpa, initrd_size);
		memcpy(dst, initrd, initrd_size);
	}
	dst = gpa_to_hva(m, bl->acpi_gpa, acpi_len);
	memcpy(dst, acpi, acpi_len);

	dst = gpa_to_hva(m, BOOT_PARAMS_GPA, sizeof(struct boot_params));
	ret = boot_params_fill(dst, bz, m, bl);
	if (ret) {
		errf("cannot build the e820 map");
		return ret;
	}
	boot_pagetables(m);
	boot_gdt(m);
	return 0;
}
