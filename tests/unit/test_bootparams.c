// SPDX-License-Identifier: GPL-2.0
/* The bzImage header check, boot placement, e820 map and zero page. */
#include <errno.h>
#include <stdlib.h>

#include "tests/unit/test.h"
#include "vmm/bootparams.h"

#define FAKE_SETUP_SECTS	4
#define FAKE_KERNEL_SIZE	(64 * 1024)

/* A minimal bzImage: a setup header and a protected-mode part. */
static uint8_t *fake_bzimage(size_t *size)
{
	size_t setup = (FAKE_SETUP_SECTS + 1) * 512;
	uint8_t *img = calloc(1, setup + FAKE_KERNEL_SIZE);
	struct setup_header h = {
		.setup_sects = FAKE_SETUP_SECTS,
		.syssize = FAKE_KERNEL_SIZE / 16,
		.boot_flag = 0xaa55,
		.jump = 0x66eb,	/* the header extends to 0x268 */
		.header = 0x53726448,
		.version = 0x020f,
		.loadflags = LOADED_HIGH,
		.initrd_addr_max = 0x7fffffff,
		.kernel_alignment = 0x200000,
		.relocatable_kernel = 1,
		.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G,
		.cmdline_size = 2047,
		.pref_address = 0x1000000,
		.init_size = 0x800000,
	};

	memcpy(img + 0x1f1, &h, sizeof(h));
	for (size_t i = 0; i < FAKE_KERNEL_SIZE; i++)
		img[setup + i] = (uint8_t)(i * 7);
	*size = setup + FAKE_KERNEL_SIZE;
	return img;
}

static void fake_mem(struct guest_mem *m, uint64_t size)
{
	guest_mem_layout(m, size);
	m->host = calloc(1, m->low_size);
}

TEST(bzimage_parse_valid)
{
	struct bzimage bz;
	char err[256];
	size_t size;
	uint8_t *img = fake_bzimage(&size);

	CHECK_EQ(bzimage_parse(img, size, &bz, err, sizeof(err)), 0);
	CHECK_EQ(bz.kernel_offset, (FAKE_SETUP_SECTS + 1) * 512);
	CHECK_EQ(bz.kernel_size, FAKE_KERNEL_SIZE);
	CHECK_EQ(bz.hdr.cmdline_size, 2047);
	free(img);
}

TEST(bzimage_parse_rejects)
{
	struct bzimage bz;
	char err[256];
	size_t size;
	uint8_t *img = fake_bzimage(&size);
	struct setup_header *h = (void *)(img + 0x1f1);

	CHECK_EQ(bzimage_parse(img, 100, &bz, err, sizeof(err)), -ENOEXEC);
	CHECK(strstr(err, "too small"));

	h->header = 0x12345678;
	CHECK_EQ(bzimage_parse(img, size, &bz, err, sizeof(err)), -ENOEXEC);
	CHECK(strstr(err, "not a bzImage"));
	h->header = 0x53726448;

	h->version = 0x0204;
	CHECK_EQ(bzimage_parse(img, size, &bz, err, sizeof(err)), -ENOEXEC);
	CHECK(strstr(err, "too old"));
	h->version = 0x020f;

	h->xloadflags = 0;
	CHECK_EQ(bzimage_parse(img, size, &bz, err, sizeof(err)), -ENOEXEC);
	CHECK(strstr(err, "64-bit"));
	h->xloadflags = XLF_KERNEL_64;

	/* syssize larger than the file: truncated */
	CHECK_EQ(bzimage_parse(img, size - 4096, &bz, err, sizeof(err)),
		 -ENOEXEC);
	CHECK(strstr(err, "truncated"));

	/* a setup_sects that points past the end */
	h->setup_sects = 255;
	CHECK_EQ(bzimage_parse(img, size, &bz, err, sizeof(err)), -ENOEXEC);
	free(img);
}

/*
 * Found by fuzzing (tests/fuzz/fuzz_bzimage.c): the header was checked
 * before it was cut to the length the kernel declares, so a flag past its
 * end was believed. A header that ends before xloadflags has no 64-bit
 * entry point.
 */
TEST(bzimage_parse_checks_declared_header_only)
{
	struct bzimage bz;
	char err[256];
	size_t size;
	uint8_t *img = fake_bzimage(&size);

	/* jmp short to 0x236: the header ends where xloadflags starts */
	img[0x201] = 0x236 - 0x202;
	CHECK_EQ(bzimage_parse(img, size, &bz, err, sizeof(err)), -ENOEXEC);
	CHECK(strstr(err, "64-bit"));
	/* to 0x238: xloadflags is in, cmdline_size is not */
	img[0x201] = 0x238 - 0x202;
	CHECK_EQ(bzimage_parse(img, size, &bz, err, sizeof(err)), 0);
	CHECK_EQ(bz.hdr.xloadflags, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	CHECK_EQ(bz.hdr.cmdline_size, 0);
	/* to 0x204: not even the "HdrS" magic */
	img[0x201] = 2;
	CHECK_EQ(bzimage_parse(img, size, &bz, err, sizeof(err)), -ENOEXEC);
	CHECK(strstr(err, "not a bzImage"));
	free(img);
}

TEST(bzimage_parse_garbage_never_crashes)
{
	struct bzimage bz;
	char err[256];
	uint8_t buf[4096];

	srand(1);
	for (int round = 0; round < 2000; round++) {
		size_t n = rand() % sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = rand();
		if (round & 1) {	/* make the magic pass sometimes */
			buf[0x1fe] = 0x55;
			buf[0x1ff] = 0xaa;
			memcpy(buf + 0x202, "HdrS", 4);
		}
		bzimage_parse(buf, n, &bz, err, sizeof(err));
	}
	CHECK(1);
}

TEST(boot_plan_places_initrd_high)
{
	struct guest_mem m;
	struct bzimage bz;
	struct boot_layout bl;
	char err[256];
	size_t size;
	uint8_t *img = fake_bzimage(&size);

	fake_mem(&m, 256 * SZ_1M);
	REQUIRE(bzimage_parse(img, size, &bz, err, sizeof(err)) == 0);
	CHECK_EQ(boot_plan(&m, &bz, 10, 5 * SZ_1M + 3, &bl, err,
			   sizeof(err)), 0);
	CHECK_EQ(bl.entry_gpa, KERNEL_LOAD_GPA + 0x200);
	CHECK_EQ(bl.kernel_end, 0x1000000 + 0x800000);
	CHECK_EQ(bl.initrd_gpa & 0xfff, 0);
	CHECK(bl.initrd_gpa >= bl.kernel_end);
	CHECK(bl.initrd_gpa + bl.initrd_size <= m.low_size);

	/* An initrd that does not fit beside the kernel. */
	CHECK_EQ(boot_plan(&m, &bz, 10, 250 * SZ_1M, &bl, err, sizeof(err)),
		 -ENOMEM);
	CHECK(strstr(err, "initrd"));

	/* A command line longer than the kernel takes. */
	CHECK_EQ(boot_plan(&m, &bz, 4096, 0, &bl, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err, "command line"));
	free(m.host);
	free(img);
}

TEST(boot_plan_memory_too_small_for_kernel)
{
	struct guest_mem m;
	struct bzimage bz;
	struct boot_layout bl;
	char err[256];
	size_t size;
	uint8_t *img = fake_bzimage(&size);
	struct setup_header *h = (void *)(img + 0x1f1);

	h->init_size = 100 * SZ_1M;
	fake_mem(&m, 64 * SZ_1M);
	REQUIRE(bzimage_parse(img, size, &bz, err, sizeof(err)) == 0);
	CHECK_EQ(boot_plan(&m, &bz, 0, 0, &bl, err, sizeof(err)), -ENOMEM);
	CHECK(strstr(err, "too small for the kernel"));
	free(m.host);
	free(img);
}

/*
 * Found by fuzzing (tests/fuzz/fuzz_bzimage.c): a preferred address near
 * 2^64 plus init_size wrapped around, and the plan took the kernel's
 * decompression area for a few MiB at the bottom of RAM.
 */
TEST(boot_plan_kernel_address_wraps)
{
	struct guest_mem m;
	struct bzimage bz;
	struct boot_layout bl;
	char err[256];
	size_t size;
	uint8_t *img = fake_bzimage(&size);
	struct setup_header *h = (void *)(img + 0x1f1);

	h->relocatable_kernel = 0;
	h->pref_address = 0xffffffffffe00000ULL;
	fake_mem(&m, 256 * SZ_1M);
	REQUIRE(bzimage_parse(img, size, &bz, err, sizeof(err)) == 0);
	CHECK_EQ(boot_plan(&m, &bz, 0, 0, &bl, err, sizeof(err)), -ENOMEM);
	CHECK(strstr(err, "past any guest memory"));
	/* the last address that does not wrap: simply too large */
	h->pref_address = UINT64_MAX - h->init_size;
	REQUIRE(bzimage_parse(img, size, &bz, err, sizeof(err)) == 0);
	CHECK_EQ(boot_plan(&m, &bz, 0, 0, &bl, err, sizeof(err)), -ENOMEM);
	CHECK(strstr(err, "too small for the kernel"));
	free(m.host);
	free(img);
}

TEST(e820_layout_low_only)
{
	struct guest_mem m = { 0 };
	struct boot_e820_entry t[16];
	int n;

	guest_mem_layout(&m, 512 * SZ_1M);
	n = e820_build(&m, t, 16);
	REQUIRE(n == 5);
	CHECK_EQ(t[0].addr, 0);
	CHECK_EQ(t[0].size, 0x9fc00);
	CHECK_EQ(t[0].type, 1);
	CHECK_EQ(t[1].type, 2);
	CHECK_EQ(t[2].addr, 0xe0000);
	CHECK_EQ(t[2].type, 2);
	CHECK_EQ(t[3].addr, 0x100000);
	CHECK_EQ(t[3].addr + t[3].size, 512 * SZ_1M);
	CHECK_EQ(t[3].type, 1);
	CHECK_EQ(t[4].addr, PCI_ECAM_BASE);
	CHECK_EQ(t[4].type, 2);
	/* Sorted, no overlap. */
	for (int i = 1; i < n; i++)
		CHECK(t[i - 1].addr + t[i - 1].size <= t[i].addr);
}

TEST(e820_layout_above_4g)
{
	struct guest_mem m = { 0 };
	struct boot_e820_entry t[16];
	int n;

	guest_mem_layout(&m, 5 * SZ_1G);
	CHECK_EQ(m.low_size, 3 * SZ_1G);
	CHECK_EQ(m.high_size, 2 * SZ_1G);
	n = e820_build(&m, t, 16);
	REQUIRE(n == 6);
	CHECK_EQ(t[3].addr + t[3].size, 3 * SZ_1G);
	CHECK_EQ(t[5].addr, MEM_4G);
	CHECK_EQ(t[5].size, 2 * SZ_1G);
	CHECK_EQ(t[5].type, 1);
	CHECK_EQ(e820_build(&m, t, 3), -ENOSPC);
}

TEST(gpa_translation)
{
	struct guest_mem m = { 0 };
	static uint8_t fake[1];

	guest_mem_layout(&m, 5 * SZ_1G);
	m.host = fake;	/* never dereferenced */
	CHECK(gpa_to_hva(&m, 0, 16) == fake);
	CHECK(gpa_to_hva(&m, 3 * SZ_1G - 8, 8) == fake + 3 * SZ_1G - 8);
	CHECK(gpa_to_hva(&m, 3 * SZ_1G - 8, 9) == NULL);	/* into the hole */
	CHECK(gpa_to_hva(&m, PCI_ECAM_BASE, 4) == NULL);
	CHECK(gpa_to_hva(&m, MEM_4G, 4) == fake + 3 * SZ_1G);
	CHECK(gpa_to_hva(&m, MEM_4G + 2 * SZ_1G - 4, 4) != NULL);
	CHECK(gpa_to_hva(&m, MEM_4G + 2 * SZ_1G - 4, 5) == NULL);
	CHECK(gpa_to_hva(&m, ~0ULL - 2, 8) == NULL);	/* wraps */
	CHECK_EQ(guest_mmio64_base(&m) % PCI_MMIO64_SIZE, 0);
	CHECK(guest_mmio64_base(&m) >= MEM_4G + 2 * SZ_1G);
	CHECK_EQ(guest_mem_layout(&m, SZ_1M), -EINVAL);
}

TEST(boot_load_writes_zero_page_and_page_tables)
{
	struct guest_mem m;
	struct bzimage bz;
	struct boot_layout bl;
	struct boot_params *bp;
	uint8_t initrd[5000], acpi[64];
	uint64_t *pml4, *pd, *gdt;
	char err[256];
	size_t size;
	uint8_t *img = fake_bzimage(&size);

	memset(initrd, 0xab, sizeof(initrd));
	memset(acpi, 0xcd, sizeof(acpi));
	fake_mem(&m, 128 * SZ_1M);
	REQUIRE(bzimage_parse(img, size, &bz, err, sizeof(err)) == 0);
	REQUIRE(boot_load(&m, &bz, "console=ttyS0", initrd, sizeof(initrd),
			  acpi, sizeof(acpi), &bl, err, sizeof(err)) == 0);

	bp = gpa_to_hva(&m, BOOT_PARAMS_GPA, sizeof(*bp));
	CHECK_EQ(bp->hdr.type_of_loader, 0xff);
	CHECK(bp->hdr.loadflags & CAN_USE_HEAP);
	CHECK(bp->hdr.loadflags & LOADED_HIGH);
	CHECK_EQ(bp->hdr.cmd_line_ptr, BOOT_CMDLINE_GPA);
	CHECK_STR((char *)gpa_to_hva(&m, BOOT_CMDLINE_GPA, 1), "console=ttyS0");
	CHECK_EQ(bp->hdr.ramdisk_image, bl.initrd_gpa);
	CHECK_EQ(bp->hdr.ramdisk_size, sizeof(initrd));
	CHECK_EQ(*(uint8_t *)gpa_to_hva(&m, bl.initrd_gpa + 4999, 1), 0xab);
	CHECK_EQ(bp->acpi_rsdp_addr, ACPI_TABLES_GPA);
	CHECK_EQ(*(uint8_t *)gpa_to_hva(&m, ACPI_TABLES_GPA, 1), 0xcd);
	CHECK_EQ(bp->e820_entries, 5);
	CHECK_EQ(bp->hdr.setup_sects, FAKE_SETUP_SECTS);
	/* The protected-mode kernel lands at 1 MiB, byte for byte. */
	CHECK(!memcmp(gpa_to_hva(&m, KERNEL_LOAD_GPA, FAKE_KERNEL_SIZE),
		      img + bz.kernel_offset, FAKE_KERNEL_SIZE));
	/* Identity map: PML4 -> PDPT -> 2 MiB pages. */
	pml4 = gpa_to_hva(&m, BOOT_PML4_GPA, 8);
	pd = gpa_to_hva(&m, BOOT_PD_GPA, 4 * 4096);
	CHECK_EQ(pml4[0] & ~0xfffULL, BOOT_PDPT_GPA);
	CHECK_EQ(pd[0], 0x83);
	CHECK_EQ(pd[2047] & ~0xfffULL, 2047ULL << 21);
	gdt = gpa_to_hva(&m, BOOT_GDT_GPA, 32);
	CHECK_EQ(gdt[BOOT_GDT_CS / 8] >> 40 & 0xff, 0x9b);	/* present code */
	CHECK(gdt[BOOT_GDT_CS / 8] & (1ULL << 53));		/* L bit */
	free(m.host);
	free(img);
}
