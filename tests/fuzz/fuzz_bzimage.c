// SPDX-License-Identifier: GPL-2.0
/*
 * The bzImage loader and boot_params builder (vmm/bootparams.c): parse an
 * untrusted bzImage, plan the guest's memory, and write kernel, command
 * line, initrd, ACPI tables, zero page, page tables and GDT into fake
 * guest RAM.
 *
 * Input: a control block (struct ctl: guest memory size, command line,
 * initrd and ACPI lengths), then the bzImage. Guest RAM is an anonymous
 * mapping with inaccessible pages around it, so a write outside guest
 * memory faults. Checks: return codes; a parsed image's fields; a plan
 * that keeps the kernel (with its decompression area), command line and
 * initrd inside RAM and apart; and after loading, that every piece reads
 * back intact (nothing clobbered another) and the e820 map is sorted,
 * disjoint and covers them.
 */
#include <errno.h>
#include <sys/mman.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/bootparams.h"

#define GUARD		(2 * SZ_1M)
#define INITRD_MAX	(2 * SZ_1M)
#define CMDLINE_MAX	(BOOT_CMDLINE_MAX + 0x1000)
#define ACPI_MAX	(ACPI_TABLES_MAX + 0x1000)
#define PAGE		4096ULL

#define E820_RAM	1

struct ctl {
	uint32_t mem_pages;	/* guest RAM: 64 MiB plus this many 4K pages */
	uint32_t cmdline_len;
	uint32_t initrd_len;	/* loaded for real, at most INITRD_MAX */
	uint64_t plan_initrd;	/* only planned: any size */
	uint32_t acpi_len;
	uint8_t flags;
};

#define CTL_NO_CMDLINE	0x01

static uint8_t *ram_base;	/* MEM_LOW_RAM_MAX bytes between guards */
static uint8_t initrd[INITRD_MAX];
static uint8_t acpi[ACPI_MAX];
static char cmdline[CMDLINE_MAX + 1];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t *p;

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	p = mmap(NULL, GUARD + MEM_LOW_RAM_MAX + GUARD, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	FUZZ_CHECK(p != MAP_FAILED);
	ram_base = p + GUARD;
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = i * 31 + 7;
	for (size_t i = 0; i < sizeof(acpi); i++)
		acpi[i] = i * 13 + 5;
	for (size_t i = 0; i < sizeof(cmdline); i++)
		cmdline[i] = 'a' + i % 26;
	return 0;
}

static void read_ctl(struct fuzz_in *in, struct ctl *c)
{
	c->mem_pages = fuzz_u32(in) & 0xfffff;
	c->cmdline_len = fuzz_u32(in) % (CMDLINE_MAX + 1);
	c->initrd_len = fuzz_u32(in) % (INITRD_MAX + 1);
	c->plan_initrd = fuzz_u64(in);
	c->acpi_len = fuzz_u32(in) % (ACPI_MAX + 1);
	c->flags = fuzz_u8(in);
}

/* What the header promises after a successful parse. */
static void check_parsed(const struct bzimage *bz, const uint8_t *img,
			 size_t size)
{
	const struct setup_header *h = &bz->hdr;
	size_t setup = ((size_t)(h->setup_sects ? h->setup_sects : 4) + 1) *
		       512;

	FUZZ_CHECK(bz->data == img && bz->size == size);
	FUZZ_CHECK_EQ(h->boot_flag, 0xaa55);
	FUZZ_CHECK_EQ(h->header, 0x53726448);
	FUZZ_CHECK(h->version >= BOOT_PROTO_MIN);
	FUZZ_CHECK(h->xloadflags & XLF_KERNEL_64);
	FUZZ_CHECK(h->loadflags & LOADED_HIGH);
	FUZZ_CHECK_EQ(bz->kernel_offset, setup);
	FUZZ_CHECK(bz->kernel_offset < size);
	FUZZ_CHECK_EQ(bz->kernel_offset + bz->kernel_size, size);
	FUZZ_CHECK((uint64_t)h->syssize * 16 <= bz->kernel_size);
}

/* A successful plan keeps everything in low RAM, apart and aligned. */
static void check_plan(const struct guest_mem *m, const struct bzimage *bz,
		       size_t cmdline_len, uint64_t initrd_size,
		       const struct boot_layout *bl)
{
	const struct setup_header *h = &bz->hdr;
	uint64_t base = h->pref_address, end;

	if (h->relocatable_kernel && base < 0x1000000)
		base = 0x1000000;
	FUZZ_CHECK(cmdline_len + 1 <= h->cmdline_size);
	FUZZ_CHECK(cmdline_len + 1 <= BOOT_CMDLINE_MAX);
	FUZZ_CHECK_EQ(bl->kernel_gpa, KERNEL_LOAD_GPA);
	FUZZ_CHECK_EQ(bl->entry_gpa, KERNEL_LOAD_GPA + BOOT_ENTRY64_OFFSET);
	FUZZ_CHECK(bl->kernel_end <= m->low_size);
	FUZZ_CHECK(bl->kernel_end >= KERNEL_LOAD_GPA + bz->kernel_size);
	/* The decompressor's area, without wrapping around, is inside. */
	FUZZ_CHECK(!__builtin_add_overflow(base, h->init_size, &end));
	FUZZ_CHECK(bl->kernel_end >= end);
	if (!initrd_size) {
		FUZZ_CHECK(!bl->initrd_gpa && !bl->initrd_size);
		return;
	}
	FUZZ_CHECK_EQ(bl->initrd_size, initrd_size);
	FUZZ_CHECK(!(bl->initrd_gpa % PAGE));
	FUZZ_CHECK(bl->initrd_gpa >= bl->kernel_end);
	FUZZ_CHECK(bl->initrd_gpa + initrd_size <= m->low_size);
	if (h->initrd_addr_max)
		FUZZ_CHECK(bl->initrd_gpa + initrd_size - 1 <=
			   h->initrd_addr_max);
}

static bool in_ram(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	return gpa + len <= m->low_size ||
	       (gpa >= MEM_4G && gpa - MEM_4G + len <= m->high_size);
}

/* True if [gpa, gpa + len) lies inside one RAM entry of the map. */
static bool e820_covers(const struct boot_params *bp, uint64_t gpa,
			uint64_t len)
{
	for (unsigned int i = 0; i < bp->e820_entries; i++) {
		const struct boot_e820_entry *e = &bp->e820_table[i];

		if (e->type == E820_RAM && gpa >= e->addr &&
		    gpa + len <= e->addr + e->size)
			return true;
	}
	return false;
}

static void check_e820(const struct guest_mem *m, const struct boot_params *bp)
{
	uint64_t ram = 0;

	FUZZ_CHECK(bp->e820_entries <= E820_MAX_ENTRIES_ZEROPAGE);
	for (unsigned int i = 0; i < bp->e820_entries; i++) {
		const struct boot_e820_entry *e = &bp->e820_table[i];

		FUZZ_CHECK(e->size);
		FUZZ_CHECK(e->addr + e->size > e->addr);
		if (i)
			FUZZ_CHECK(e->addr >= bp->e820_table[i - 1].addr +
					      bp->e820_table[i - 1].size);
		if (e->type == E820_RAM) {
			FUZZ_CHECK(in_ram(m, e->addr, e->size));
			ram += e->size;
		}
	}
	FUZZ_CHECK(ram <= m->size);
}

/* After boot_load(): every piece is where the layout says, intact. */
static void check_loaded(const struct guest_mem *m, const struct bzimage *bz,
			 const char *cmd, size_t cmd_len, uint64_t initrd_len,
			 size_t acpi_len, const struct boot_layout *bl)
{
	const struct boot_params *bp = (void *)(ram_base + BOOT_PARAMS_GPA);
	const uint64_t *pml4 = (void *)(ram_base + BOOT_PML4_GPA);
	const uint64_t *pdpt = (void *)(ram_base + BOOT_PDPT_GPA);
	const uint64_t *pd = (void *)(ram_base + BOOT_PD_GPA);
	const uint64_t *gdt = (void *)(ram_base + BOOT_GDT_GPA);

	FUZZ_CHECK(!memcmp(ram_base + bl->kernel_gpa,
			   bz->data + bz->kernel_offset, bz->kernel_size));
	FUZZ_CHECK(!memcmp(ram_base + bl->cmdline_gpa, cmd ? cmd : "",
			   cmd_len));
	FUZZ_CHECK(!ram_base[bl->cmdline_gpa + cmd_len]);
	if (initrd_len)
		FUZZ_CHECK(!memcmp(ram_base + bl->initrd_gpa, initrd,
				   initrd_len));
	FUZZ_CHECK(!memcmp(ram_base + bl->acpi_gpa, acpi, acpi_len));

	FUZZ_CHECK_EQ(bp->hdr.boot_flag, 0xaa55);
	FUZZ_CHECK_EQ(bp->hdr.header, 0x53726448);
	FUZZ_CHECK_EQ(bp->hdr.type_of_loader, 0xff);
	FUZZ_CHECK(!(bp->hdr.loadflags & KASLR_FLAG));
	FUZZ_CHECK_EQ(bp->hdr.cmd_line_ptr |
		      (uint64_t)bp->ext_cmd_line_ptr << 32, bl->cmdline_gpa);
	FUZZ_CHECK_EQ(bp->hdr.ramdisk_image |
		      (uint64_t)bp->ext_ramdisk_image << 32, bl->initrd_gpa);
	FUZZ_CHECK_EQ(bp->hdr.ramdisk_size |
		      (uint64_t)bp->ext_ramdisk_size << 32, initrd_len);
	FUZZ_CHECK_EQ(bp->hdr.code32_start, KERNEL_LOAD_GPA);
	FUZZ_CHECK_EQ(bp->acpi_rsdp_addr, ACPI_TABLES_GPA);
	check_e820(m, bp);
	FUZZ_CHECK(e820_covers(bp, bl->kernel_gpa,
			       bl->kernel_end - bl->kernel_gpa));
	FUZZ_CHECK(e820_covers(bp, bl->cmdline_gpa, cmd_len + 1));
	if (initrd_len)
		FUZZ_CHECK(e820_covers(bp, bl->initrd_gpa, initrd_len));
	FUZZ_CHECK(!e820_covers(bp, bl->acpi_gpa, 1));

	FUZZ_CHECK_EQ(pml4[0], BOOT_PDPT_GPA | 3);
	for (int i = 0; i < 4; i++)
		FUZZ_CHECK_EQ(pdpt[i], (BOOT_PD_GPA + i * PAGE) | 3);
	for (uint64_t i = 0; i < 4 * 512; i++)
		FUZZ_CHECK_EQ(pd[i], (i << 21) | 0x83);
	FUZZ_CHECK_EQ(gdt[BOOT_GDT_CS / 8], 0x00af9b000000ffffULL);
	FUZZ_CHECK_EQ(gdt[BOOT_GDT_DS / 8], 0x00cf93000000ffffULL);
}

/* e820_build() into a table of exactly @max entries. */
static void check_e820_room(const struct guest_mem *m, unsigned int max)
{
	struct boot_e820_entry *tbl = malloc((max ? max : 1) * sizeof(*tbl));
	int n;

	FUZZ_CHECK(tbl);
	n = e820_build(m, tbl, max);
	FUZZ_CHECK(n == -ENOSPC || (n >= 0 && (unsigned int)n <= max));
	free(tbl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_mem m = { 0 };
	struct boot_layout bl;
	struct fuzz_in in;
	struct bzimage bz;
	const char *cmd;
	struct ctl c;
	char err[256];
	uint8_t *img;
	size_t img_size;
	int ret;

	fuzz_in_init(&in, data, size);
	read_ctl(&in, &c);
	img_size = in.left;
	img = malloc(img_size ? img_size : 1);
	FUZZ_CHECK(img);
	memcpy(img, in.p, img_size);

	err[0] = 0;
	ret = bzimage_parse(img, img_size, &bz, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -ENOEXEC);
	if (ret) {
		FUZZ_CHECK(err[0]);
		goto out;
	}
	check_parsed(&bz, img, img_size);

	FUZZ_CHECK(!guest_mem_layout(&m, GUEST_MEM_MIN + c.mem_pages * PAGE));
	check_e820_room(&m, c.flags >> 4);

	/* Planning alone, with an initrd of any size. */
	ret = boot_plan(&m, &bz, c.cmdline_len, c.plan_initrd, &bl, err,
			sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -E2BIG || ret == -ENOMEM);
	if (!ret)
		check_plan(&m, &bz, c.cmdline_len, c.plan_initrd, &bl);

	/* Loading into guest RAM, with everything else inaccessible. */
	FUZZ_CHECK(!mprotect(ram_base, m.low_size, PROT_READ | PROT_WRITE));
	m.host = ram_base;
	cmd = c.flags & CTL_NO_CMDLINE ? NULL : cmdline;
	if (cmd)
		cmdline[c.cmdline_len] = '\0';
	else
		c.cmdline_len = 0;
	err[0] = 0;
	ret = boot_load(&m, &bz, cmd, initrd, c.initrd_len, acpi, c.acpi_len,
			&bl, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -E2BIG || ret == -ENOMEM ||
		   ret == -ENOSPC);
	if (ret) {
		FUZZ_CHECK(err[0]);
	} else {
		check_plan(&m, &bz, c.cmdline_len, c.initrd_len, &bl);
		check_loaded(&m, &bz, cmd, c.cmdline_len, c.initrd_len,
			     c.acpi_len, &bl);
	}
	if (cmd)
		cmdline[c.cmdline_len] = 'a' + c.cmdline_len % 26;
	FUZZ_CHECK(!madvise(ram_base, m.low_size, MADV_DONTNEED));
	FUZZ_CHECK(!mprotect(ram_base, m.low_size, PROT_NONE));
out:
	free(img);
	return 0;
}
