// SPDX-License-Identifier: GPL-2.0
/*
 * Config space virtualization of a passed-through function, against fake
 * devices shaped like QEMU's emulated NVMe and e1000e: IDs, BAR sizing and
 * decoding, the command and status registers, the filtered capability
 * list, extended space, power management and PCI Express, broken devices.
 * MSI and MSI-X are in test_vdev_msix.c, with fakes of its own.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "passthrough/vdev.h"
#include "tests/unit/test.h"

struct vdev_fake {
	uint8_t cfg[4096];
	bool ext_ok;		/* 4096 bytes readable, else 256 */
	bool fail_read, fail_write;
	uint8_t pm_cap;		/* PMCSR's PME status is RW1C */
	int reads, writes;
	uint32_t last_off, last_len, last_val;
};

struct vdev_move {
	int bar;
	uint64_t old_gpa, new_gpa;
};

struct vdev_rec {
	struct vdev_move moves[16];
	unsigned int nr_moves;
	int msix_calls, last_vector;
	int msi_calls;
	int intx_calls;
	bool intx_disabled;
};

struct vdev_fixture {
	struct vdev d;
	struct vdev_fake fake;
	struct vdev_rec rec;
	struct vdev_bar_info bars[VDEV_NR_BARS + 1];
	char err[128];
};

static struct vdev_fixture fixture;

/* The fake device behind struct vdev_io. */

static int fake_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	struct vdev_fake *f = ctx;
	uint32_t size = f->ext_ok ? 4096 : 256;

	f->reads++;
	if (f->fail_read || off >= size || len > size - off)
		return -EIO;
	memcpy(buf, &f->cfg[off], len);
	return len;
}

static int fake_write(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
	struct vdev_fake *f = ctx;
	uint32_t v = le_get(buf, len);

	if (f->fail_write || off >= 256 || len > 256 - off)
		return -EIO;
	f->writes++;
	f->last_off = off;
	f->last_len = len;
	f->last_val = v;
	if (off == PCI_STATUS && len == 2) {
		/* The error bits are RW1C. */
		le_put(&f->cfg[off], 2, le_get(&f->cfg[off], 2) & ~v);
		return len;
	}
	if (f->pm_cap && off == f->pm_cap + PCI_PM_CTRL + 0u && len == 2) {
		uint32_t cur = le_get(&f->cfg[off], 2);

		cur &= ~(v & PCI_PM_CTRL_PME_STATUS);
		cur = (cur & PCI_PM_CTRL_PME_STATUS) |
		      (v & ~PCI_PM_CTRL_PME_STATUS);
		le_put(&f->cfg[off], 2, cur);
		return len;
	}
	memcpy(&f->cfg[off], buf, len);
	return len;
}

/* The hooks: record what the VMM is asked. */

static void rec_bar_moved(void *ctx, int bar, uint64_t old_gpa,
			  uint64_t new_gpa)
{
	struct vdev_rec *r = ctx;

	if (r->nr_moves < ARRAY_SIZE(r->moves))
		r->moves[r->nr_moves] = (struct vdev_move){ bar, old_gpa,
							    new_gpa };
	r->nr_moves++;
}

static void rec_msix_changed(void *ctx, int vector)
{
	struct vdev_rec *r = ctx;

	r->msix_calls++;
	r->last_vector = vector;
}

static void rec_msi_changed(void *ctx)
{
	struct vdev_rec *r = ctx;

	r->msi_calls++;
}

static void rec_intx_changed(void *ctx, bool disabled)
{
	struct vdev_rec *r = ctx;

	r->intx_calls++;
	r->intx_disabled = disabled;
}

static void put16(uint8_t *cfg, uint32_t off, uint16_t v)
{
	le_put(&cfg[off], 2, v);
}

static void put32(uint8_t *cfg, uint32_t off, uint32_t v)
{
	le_put(&cfg[off], 4, v);
}

static void fake_header(struct vdev_fixture *fx, uint16_t vendor,
			uint16_t device, uint32_t class_rev)
{
	uint8_t *c = fx->fake.cfg;

	put16(c, PCI_VENDOR_ID, vendor);
	put16(c, PCI_DEVICE_ID, device);
	put32(c, PCI_CLASS_REVISION, class_rev);
	put16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_INTERRUPT_PIN] = 1;
	c[PCI_INTERRUPT_LINE] = 11;
	c[PCI_CACHE_LINE_SIZE] = 0x10;
	c[PCI_LATENCY_TIMER] = 0x20;
}

/*
 * QEMU's nvme: 1b36:0010, class 010802, BAR0 64-bit 16 KiB with the MSI-X
 * table (65 vectors) at 0x2000 and the PBA at 0x3000. Capabilities:
 * [40] MSI-X -> [50] vendor -> [80] PCIe v2 -> [60] PM; AER at 0x100.
 */
static struct vdev_fixture *vdev_fake_nvme(void)
{
	struct vdev_fixture *fx = &fixture;
	uint8_t *c = fx->fake.cfg;

	memset(fx, 0, sizeof(*fx));
	fx->fake.ext_ok = true;
	fake_header(fx, 0x1b36, 0x0010, 0x01080202);
	c[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_MFD;	/* to be cleared */
	put16(c, PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
	put16(c, PCI_SUBSYSTEM_ID, 0x1100);
	put32(c, PCI_BASE_ADDRESS_0, 0xfebf0004);	/* not used */
	put32(c, PCI_ROM_ADDRESS, 0xfeb80000);
	c[PCI_CAPABILITY_LIST] = 0x40;

	c[0x40] = PCI_CAP_ID_MSIX;
	c[0x41] = 0x50;
	put16(c, 0x42, 64 | PCI_MSIX_FLAGS_MASKALL);
	put32(c, 0x44, 0x2000 | 0);
	put32(c, 0x48, 0x3000 | 0);

	c[0x50] = PCI_CAP_ID_VNDR;
	c[0x51] = 0x80;
	c[0x52] = 8;
	put32(c, 0x54, 0xdeadbeef);

	c[0x80] = PCI_CAP_ID_EXP;
	c[0x81] = 0x60;
	put16(c, 0x80 + PCI_EXP_FLAGS, 2);	/* v2 endpoint */
	put32(c, 0x80 + PCI_EXP_DEVCAP, 0x10008000);
	put16(c, 0x80 + PCI_EXP_DEVCTL, 0x2810);

	c[0x60] = PCI_CAP_ID_PM;
	c[0x61] = 0;
	put16(c, 0x60 + PCI_PM_PMC, 0x0003);
	put16(c, 0x60 + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET);
	fx->fake.pm_cap = 0x60;

	put32(c, 0x100, 0x00010001);	/* AER v1, last */

	fx->bars[0] = (struct vdev_bar_info){ .size = 0x4000, .is_64 = true };
	fx->bars[VDEV_ROM] = (struct vdev_bar_info){ .size = 0x40000 };
	return fx;
}

/*
 * QEMU's e1000e: 8086:10d3, class 020000; BAR0 and BAR1 128 KiB memory,
 * BAR2 32 bytes of I/O, BAR3 16 KiB with the MSI-X table (5 vectors) at 0
 * and the PBA at 0x2000. [c8] PM -> [d0] MSI (64-bit) -> [e0] PCIe v1 ->
 * [a0] MSI-X.
 */
static struct vdev_fixture *vdev_fake_e1000e(void)
{
	struct vdev_fixture *fx = &fixture;
	uint8_t *c = fx->fake.cfg;

	memset(fx, 0, sizeof(*fx));
	fake_header(fx, 0x8086, 0x10d3, 0x02000000);
	c[PCI_CAPABILITY_LIST] = 0xc8;

	c[0xc8] = PCI_CAP_ID_PM;
	c[0xc9] = 0xd0;
	put16(c, 0xc8 + PCI_PM_PMC, 0x0022);
	fx->fake.pm_cap = 0xc8;

	c[0xd0] = PCI_CAP_ID_MSI;
	c[0xd1] = 0xe0;
	put16(c, 0xd0 + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);

	c[0xe0] = PCI_CAP_ID_EXP;
	c[0xe1] = 0xa0;
	put16(c, 0xe0 + PCI_EXP_FLAGS, 1);	/* v1 endpoint */

	c[0xa0] = PCI_CAP_ID_MSIX;
	c[0xa1] = 0;
	put16(c, 0xa2, 4);
	put32(c, 0xa4, 0x0000 | 3);
	put32(c, 0xa8, 0x2000 | 3);

	fx->bars[0] = (struct vdev_bar_info){ .size = 0x20000 };
	fx->bars[1] = (struct vdev_bar_info){ .size = 0x20000 };
	fx->bars[2] = (struct vdev_bar_info){ .size = 32, .is_io = true };
	fx->bars[3] = (struct vdev_bar_info){ .size = 0x4000 };
	return fx;
}

static int vdev_fake_init(struct vdev_fixture *fx)
{
	struct vdev_io io = {
		.cfg_read = fake_read, .cfg_write = fake_write,
		.ctx = &fx->fake,
	};
	struct vdev_hooks hooks = {
		.bar_moved = rec_bar_moved,
		.msix_changed = rec_msix_changed,
		.msi_changed = rec_msi_changed,
		.intx_changed = rec_intx_changed,
		.ctx = &fx->rec,
	};

	fx->err[0] = 0;
	return vdev_init(&fx->d, "0000:00:03.0", &io, &hooks, fx->bars,
			 fx->err, sizeof(fx->err));
}

static uint32_t vdev_rd(struct vdev_fixture *fx, uint32_t off, uint32_t len)
{
	return fx->d.pdev.ops->cfg_read(&fx->d.pdev, off, len);
}

static void vdev_wr(struct vdev_fixture *fx, uint32_t off, uint32_t len,
		    uint32_t val)
{
	fx->d.pdev.ops->cfg_write(&fx->d.pdev, off, val, len);
}

/* IDs and header */

TEST(vdev_nvme_ids_and_class)
{
	struct vdev_fixture *fx = vdev_fake_nvme();

	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_rd(fx, PCI_VENDOR_ID, 2), 0x1b36);
	CHECK_EQ(vdev_rd(fx, PCI_DEVICE_ID, 2), 0x0010);
	CHECK_EQ(vdev_rd(fx, PCI_VENDOR_ID, 4), 0x00101b36);
	CHECK_EQ(vdev_rd(fx, PCI_CLASS_REVISION, 4), 0x01080202);
	CHECK_EQ(vdev_rd(fx, PCI_REVISION_ID, 1), 0x02);
	CHECK_EQ(vdev_rd(fx, PCI_CLASS_PROG, 1), 0x02);
	CHECK_EQ(vdev_rd(fx, PCI_CLASS_DEVICE, 2), 0x0108);
	CHECK_EQ(vdev_rd(fx, PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	CHECK_EQ(vdev_rd(fx, PCI_SUBSYSTEM_ID, 2), 0x1100);
	CHECK_EQ(vdev_rd(fx, PCI_HEADER_TYPE, 1), 0);	/* MFD cleared */
	CHECK_EQ(vdev_rd(fx, PCI_INTERRUPT_PIN, 1), 1);
	/* Emulated: reset values, not the device's. */
	CHECK_EQ(vdev_rd(fx, PCI_INTERRUPT_LINE, 1), 0);
	CHECK_EQ(vdev_rd(fx, PCI_CACHE_LINE_SIZE, 1), 0);
	CHECK_EQ(vdev_rd(fx, PCI_LATENCY_TIMER, 1), 0);
	CHECK_EQ(vdev_rd(fx, PCI_BIST, 1), 0);
	CHECK_EQ(vdev_rd(fx, PCI_COMMAND, 2), 0);
	CHECK_EQ(fx->d.pdev.opaque, &fx->d);
	CHECK_STR(fx->d.name, "0000:00:03.0");
}

TEST(vdev_e1000e_ids_through_pci_bus)
{
	struct vdev_fixture *fx = vdev_fake_e1000e();
	struct pci_bus bus;

	REQUIRE(vdev_fake_init(fx) == 0);
	pci_bus_init(&bus);
	REQUIRE(pci_bus_add(&bus, &fx->d.pdev, PCI_DEVFN(2, 0)) == 0);
	CHECK_EQ(pci_bus_cfg_read(&bus, PCI_DEVFN(2, 0), 0, 4), 0x10d38086);
	CHECK_EQ(pci_bus_cfg_read(&bus, PCI_DEVFN(2, 0), 8, 4), 0x02000000);
	/* An unaligned access the bus splits into bytes. */
	CHECK_EQ(pci_bus_cfg_read(&bus, PCI_DEVFN(2, 0), 1, 2), 0xd380);
}

TEST(vdev_emulated_bytes_writable_not_forwarded)
{
	struct vdev_fixture *fx = vdev_fake_nvme();

	REQUIRE(vdev_fake_init(fx) == 0);
	vdev_wr(fx, PCI_INTERRUPT_LINE, 1, 10);
	vdev_wr(fx, PCI_CACHE_LINE_SIZE, 2, 0x4010);
	CHECK_EQ(vdev_rd(fx, PCI_INTERRUPT_LINE, 1), 10);
	CHECK_EQ(vdev_rd(fx, PCI_CACHE_LINE_SIZE, 1), 0x10);
	CHECK_EQ(vdev_rd(fx, PCI_LATENCY_TIMER, 1), 0x40);
	CHECK_EQ(vdev_rd(fx, PCI_INTERRUPT_PIN, 1), 1);	/* read-only */
	CHECK_EQ(fx->fake.writes, 0);
	CHECK_EQ(fx->fake.cfg[PCI_INTERRUPT_LINE], 11);
}

TEST(vdev_readonly_header_writes_dropped)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	static const uint32_t regs[] = {
		PCI_VENDOR_ID, PCI_CLASS_REVISION, PCI_CACHE_LINE_SIZE & ~3u,
		PCI_CARDBUS_CIS, PCI_SUBSYSTEM_VENDOR_ID, PCI_CAPABILITY_LIST,
		0x38, PCI_INTERRUPT_LINE,
	};
	uint32_t before[ARRAY_SIZE(regs)];

	REQUIRE(vdev_fake_init(fx) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
		before[i] = vdev_rd(fx, regs[i], 4);
	for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
		uint32_t keep = regs[i] == PCI_CACHE_LINE_SIZE ? 0x0000ffff :
			regs[i] == PCI_INTERRUPT_LINE ? 0x000000ff : 0;

		vdev_wr(fx, regs[i], 4, 0x5a5a5a5a);
		CHECK_EQ(vdev_rd(fx, regs[i], 4) & ~keep, before[i] & ~keep);
	}
	vdev_wr(fx, PCI_HEADER_TYPE, 1, 0x81);
	CHECK_EQ(vdev_rd(fx, PCI_HEADER_TYPE, 1), 0);
	vdev_wr(fx, PCI_BIST, 1, PCI_BIST_START);
	CHECK_EQ(vdev_rd(fx, PCI_BIST, 1), 0);
	CHECK_EQ(fx->fake.writes, 0);
	CHECK_EQ(le_get(&fx->fake.cfg[PCI_VENDOR_ID], 2), 0x1b36);
}

/* BARs */

TEST(vdev_bar_sizing_64bit)
{
	struct vdev_fixture *fx = vdev_fake_nvme();

	REQUIRE(vdev_fake_init(fx) == 0);
	/* Not from the device's registers. */
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_0, 4),
		 PCI_BASE_ADDRESS_MEM_TYPE_64);
	vdev_wr(fx, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	vdev_wr(fx, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_0, 4), 0xffffc004);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_1, 4), 0xffffffff);
	/* Program it, above 4 GiB. */
	vdev_wr(fx, PCI_BASE_ADDRESS_0, 4, 0xc0004000);
	vdev_wr(fx, PCI_BASE_ADDRESS_1, 4, 0x1);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_0, 4), 0xc0004004);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_1, 4), 1);
	CHECK_EQ(fx->d.bars[0].gpa, 0x1c0004000ULL);
	/* Unaligned low bits are dropped. */
	vdev_wr(fx, PCI_BASE_ADDRESS_0, 4, 0xc0005678);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_0, 4), 0xc0004004);
	/* Absent BARs. */
	for (int i = 2; i < VDEV_NR_BARS; i++) {
		vdev_wr(fx, PCI_BASE_ADDRESS_0 + 4 * i, 4, 0xffffffff);
		CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_0 + 4 * i, 4), 0);
	}
	CHECK_EQ(fx->rec.nr_moves, 0);	/* decode is off */
	CHECK_EQ(fx->fake.writes, 0);
}

TEST(vdev_bar_sizing_32bit_io_prefetch)
{
	struct vdev_fixture *fx = vdev_fake_e1000e();

	fx->bars[4] = (struct vdev_bar_info){ .size = 0x100000000ULL,
					      .is_64 = true,
					      .prefetch = true };
	REQUIRE(vdev_fake_init(fx) == 0);
	for (int i = 0; i < VDEV_NR_BARS; i++)
		vdev_wr(fx, PCI_BASE_ADDRESS_0 + 4 * i, 4, 0xffffffff);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_0, 4), 0xfffe0000);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_1, 4), 0xfffe0000);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_2, 4), 0xffffffe1);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_3, 4), 0xffffc000);
	/* 4 GiB, 64-bit prefetchable: the low half has no address bits. */
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_4, 4), 0x0000000c);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_5, 4), 0xffffffff);
	/* 16-bit sizing of the I/O BAR's low word. */
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_2, 2), 0xffe1);
	vdev_wr(fx, PCI_BASE_ADDRESS_2, 4, 0xc040);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_2, 4), 0xc041);
	CHECK_EQ(fx->d.bars[2].gpa, 0xc040);
}

TEST(vdev_rom_hidden)
{
	struct vdev_fixture *fx = vdev_fake_nvme();

	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_rd(fx, PCI_ROM_ADDRESS, 4), 0);
	vdev_wr(fx, PCI_ROM_ADDRESS, 4, 0xfffff801);
	CHECK_EQ(vdev_rd(fx, PCI_ROM_ADDRESS, 4), 0);
	vdev_wr(fx, PCI_ROM_ADDRESS, 1, PCI_ROM_ADDRESS_ENABLE);
	CHECK_EQ(vdev_rd(fx, PCI_ROM_ADDRESS, 1), 0);
	CHECK_EQ(fx->fake.writes, 0);
	CHECK_EQ(le_get(&fx->fake.cfg[PCI_ROM_ADDRESS], 4), 0xfeb80000);
}

TEST(vdev_bar_decode_moves)
{
	struct vdev_fixture *fx = vdev_fake_e1000e();
	struct vdev_rec *r = &fx->rec;

	REQUIRE(vdev_fake_init(fx) == 0);
	vdev_place_bar(&fx->d, 0, 0xfe000000);
	vdev_place_bar(&fx->d, 2, 0xc000);
	vdev_place_bar(&fx->d, 3, 0xfe040000);
	CHECK_EQ(r->nr_moves, 0);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_0, 4), 0xfe000000);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_2, 4), 0xc001);

	/* Memory decode on: the placed memory BARs; BAR1 is not placed. */
	vdev_wr(fx, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	REQUIRE(r->nr_moves == 2);
	CHECK_EQ(r->moves[0].bar, 0);
	CHECK_EQ(r->moves[0].old_gpa, VDEV_UNMAPPED);
	CHECK_EQ(r->moves[0].new_gpa, 0xfe000000);
	CHECK_EQ(r->moves[1].bar, 3);
	CHECK_EQ(r->moves[1].new_gpa, 0xfe040000);
	CHECK_EQ(fx->d.bars[0].mapped_gpa, 0xfe000000);

	/* Moving BAR0 while decoding. */
	r->nr_moves = 0;
	vdev_wr(fx, PCI_BASE_ADDRESS_0, 4, 0xfd000000);
	REQUIRE(r->nr_moves == 1);
	CHECK_EQ(r->moves[0].old_gpa, 0xfe000000);
	CHECK_EQ(r->moves[0].new_gpa, 0xfd000000);

	/* Sizing while decoding: unmapped, then back. */
	r->nr_moves = 0;
	vdev_wr(fx, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	REQUIRE(r->nr_moves == 1);
	CHECK_EQ(r->moves[0].old_gpa, 0xfd000000);
	CHECK_EQ(r->moves[0].new_gpa, VDEV_UNMAPPED);
	vdev_wr(fx, PCI_BASE_ADDRESS_0, 4, 0xfd000000);
	REQUIRE(r->nr_moves == 2);
	CHECK_EQ(r->moves[1].old_gpa, VDEV_UNMAPPED);
	CHECK_EQ(r->moves[1].new_gpa, 0xfd000000);

	/* I/O decode too; then the same value again: no call. */
	r->nr_moves = 0;
	vdev_wr(fx, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	REQUIRE(r->nr_moves == 1);
	CHECK_EQ(r->moves[0].bar, 2);
	CHECK_EQ(r->moves[0].new_gpa, 0xc000);
	vdev_wr(fx, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	CHECK_EQ(r->nr_moves, 1);

	/* Memory decode off. */
	r->nr_moves = 0;
	vdev_wr(fx, PCI_COMMAND, 1, PCI_COMMAND_IO);
	REQUIRE(r->nr_moves == 2);
	CHECK_EQ(r->moves[0].bar, 0);
	CHECK_EQ(r->moves[0].old_gpa, 0xfd000000);
	CHECK_EQ(r->moves[0].new_gpa, VDEV_UNMAPPED);
	CHECK_EQ(r->moves[1].bar, 3);
	CHECK_EQ(fx->d.bars[0].mapped_gpa, VDEV_UNMAPPED);
	CHECK_EQ(fx->d.bars[2].mapped_gpa, 0xc000);

	/* Moving a BAR with decode off: no call. */
	r->nr_moves = 0;
	vdev_wr(fx, PCI_BASE_ADDRESS_0, 4, 0xfc000000);
	CHECK_EQ(r->nr_moves, 0);
	CHECK_EQ(fx->d.bars[0].gpa, 0xfc000000);
}

TEST(vdev_bar_64bit_halves_move)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	struct vdev_rec *r = &fx->rec;

	REQUIRE(vdev_fake_init(fx) == 0);
	vdev_place_bar(&fx->d, 0, 0x800000000ULL);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_1, 4), 8);
	vdev_wr(fx, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	REQUIRE(r->nr_moves == 1);
	CHECK_EQ(r->moves[0].new_gpa, 0x800000000ULL);
	/* Low half, then high half. */
	vdev_wr(fx, PCI_BASE_ADDRESS_0, 4, 0x10000000);
	vdev_wr(fx, PCI_BASE_ADDRESS_1, 4, 0);
	REQUIRE(r->nr_moves == 3);
	CHECK_EQ(r->moves[1].new_gpa, 0x810000000ULL);
	CHECK_EQ(r->moves[2].old_gpa, 0x810000000ULL);
	CHECK_EQ(r->moves[2].new_gpa, 0x10000000);
	/* High half all-ones: sizing, unmapped. */
	vdev_wr(fx, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	REQUIRE(r->nr_moves == 4);
	CHECK_EQ(r->moves[3].new_gpa, VDEV_UNMAPPED);
	/* Placing while decoding calls the hook. */
	vdev_place_bar(&fx->d, 0, 0xe0000000);
	REQUIRE(r->nr_moves == 5);
	CHECK_EQ(r->moves[4].new_gpa, 0xe0000000);
	/* A bad index is ignored. */
	vdev_place_bar(&fx->d, 1, 0x1000);
	vdev_place_bar(&fx->d, 7, 0x1000);
	vdev_place_bar(&fx->d, -1, 0x1000);
	CHECK_EQ(r->nr_moves, 5);
}

TEST(vdev_bar_info_rejected)
{
	struct vdev_fixture *fx = vdev_fake_e1000e();

	fx->bars[5] = (struct vdev_bar_info){ .size = 0x1000, .is_64 = true };
	CHECK_EQ(vdev_fake_init(fx), -EINVAL);
	CHECK(strstr(fx->err, "BAR5"));
	fx = vdev_fake_e1000e();
	fx->bars[1] = (struct vdev_bar_info){ .size = 0x200000000ULL };
	CHECK_EQ(vdev_fake_init(fx), -EINVAL);
	/* A size that is not a power of two is rounded up. */
	fx = vdev_fake_e1000e();
	fx->bars[1] = (struct vdev_bar_info){ .size = 0x3000 };
	REQUIRE(vdev_fake_init(fx) == 0);
	vdev_wr(fx, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	CHECK_EQ(vdev_rd(fx, PCI_BASE_ADDRESS_1, 4), 0xffffc000);
}

/* Command and status */

TEST(vdev_command_forwarded)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint16_t all = PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
		PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
		PCI_COMMAND_INTX_DISABLE;

	put16(fx->fake.cfg, PCI_COMMAND, PCI_COMMAND_FAST_BACK);
	REQUIRE(vdev_fake_init(fx) == 0);
	vdev_wr(fx, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK_EQ(fx->fake.writes, 1);
	CHECK_EQ(fx->fake.last_off, PCI_COMMAND);
	CHECK_EQ(le_get(&fx->fake.cfg[PCI_COMMAND], 2),
		 PCI_COMMAND_FAST_BACK | PCI_COMMAND_MEMORY |
		 PCI_COMMAND_MASTER);
	CHECK_EQ(vdev_rd(fx, PCI_COMMAND, 2),
		 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK_EQ(fx->d.command, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK_EQ(fx->rec.intx_calls, 0);

	/* Everything: only the bits we own stick and are forwarded. */
	vdev_wr(fx, PCI_COMMAND, 2, 0xffff);
	CHECK_EQ(vdev_rd(fx, PCI_COMMAND, 2), all);
	CHECK_EQ(le_get(&fx->fake.cfg[PCI_COMMAND], 2),
		 all | PCI_COMMAND_FAST_BACK);
	CHECK_EQ(fx->rec.intx_calls, 1);
	CHECK(fx->rec.intx_disabled);

	/* The high byte alone: INTx back on. */
	vdev_wr(fx, PCI_COMMAND + 1, 1, 0);
	CHECK_EQ(fx->rec.intx_calls, 2);
	CHECK(!fx->rec.intx_disabled);
	CHECK_EQ(vdev_rd(fx, PCI_COMMAND, 2), all & 0xff);
	CHECK_EQ(le_get(&fx->fake.cfg[PCI_COMMAND], 2),
		 (all & 0xff) | PCI_COMMAND_FAST_BACK);
}

TEST(vdev_status_live_and_rw1c)
{
	struct vdev_fixture *fx = vdev_fake_nvme();

	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_rd(fx, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	put16(fx->fake.cfg, PCI_STATUS, PCI_STATUS_INTERRUPT |
	      PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_DETECTED_PARITY);
	CHECK_EQ(vdev_rd(fx, PCI_STATUS, 2), PCI_STATUS_CAP_LIST |
		 PCI_STATUS_INTERRUPT | PCI_STATUS_REC_MASTER_ABORT |
		 PCI_STATUS_DETECTED_PARITY);
	/* A dword write of command and status. */
	vdev_wr(fx, PCI_COMMAND, 4, PCI_STATUS_REC_MASTER_ABORT << 16 |
		PCI_STATUS_INTERRUPT << 16 | PCI_COMMAND_MEMORY);
	CHECK_EQ(fx->fake.writes, 2);
	CHECK_EQ(vdev_rd(fx, PCI_STATUS, 2), PCI_STATUS_CAP_LIST |
		 PCI_STATUS_INTERRUPT | PCI_STATUS_DETECTED_PARITY);
	vdev_wr(fx, PCI_STATUS + 1, 1, PCI_STATUS_DETECTED_PARITY >> 8);
	CHECK_EQ(vdev_rd(fx, PCI_STATUS, 2), PCI_STATUS_CAP_LIST |
		 PCI_STATUS_INTERRUPT);
	/* Nothing to clear: nothing written. */
	vdev_wr(fx, PCI_STATUS, 2, PCI_STATUS_INTERRUPT);
	CHECK_EQ(fx->fake.writes, 3);
}

TEST(vdev_status_cap_bit_follows_filtered_chain)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint8_t *c = fx->fake.cfg;

	/* Only the vendor capability. */
	c[PCI_CAPABILITY_LIST] = 0x50;
	c[0x51] = 0;
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_rd(fx, PCI_STATUS, 2), 0);
	CHECK_EQ(vdev_rd(fx, PCI_CAPABILITY_LIST, 1), 0);
	CHECK_EQ(vdev_rd(fx, 0x50, 4), 0);
	CHECK_EQ(fx->d.msix.cap, 0);
	/* No capabilities flagged: the pointer is not followed. */
	fx = vdev_fake_nvme();
	put16(fx->fake.cfg, PCI_STATUS, 0);
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_rd(fx, PCI_CAPABILITY_LIST, 1), 0);
	CHECK_EQ(vdev_rd(fx, 0x40, 4), 0);
}

/* Capabilities */

static int walk(struct vdev_fixture *fx, uint8_t *ids, uint8_t *offs,
		int max)
{
	uint32_t p = vdev_rd(fx, PCI_CAPABILITY_LIST, 1);
	int n = 0;

	while (p && n < max) {
		offs[n] = p;
		ids[n++] = vdev_rd(fx, p, 1);
		p = vdev_rd(fx, p + 1, 1);
	}
	return p ? -1 : n;
}

TEST(vdev_nvme_cap_chain_filtered)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint8_t ids[8], offs[8];

	REQUIRE(vdev_fake_init(fx) == 0);
	REQUIRE(walk(fx, ids, offs, 8) == 3);
	CHECK_EQ(ids[0], PCI_CAP_ID_MSIX);
	CHECK_EQ(offs[0], 0x40);
	CHECK_EQ(ids[1], PCI_CAP_ID_EXP);
	CHECK_EQ(offs[1], 0x80);
	CHECK_EQ(ids[2], PCI_CAP_ID_PM);
	CHECK_EQ(offs[2], 0x60);
	CHECK_EQ(vdev_rd(fx, 0x40 + PCI_CAP_LIST_NEXT, 1), 0x80);
	/* The vendor capability's bytes are gone. */
	for (uint32_t off = 0x50; off < 0x58; off += 4)
		CHECK_EQ(vdev_rd(fx, off, 4), 0);
	CHECK_EQ(vdev_rd(fx, 0x50, 1), 0);
	/* Between and after capabilities. */
	CHECK_EQ(vdev_rd(fx, 0x4c, 4), 0);
	CHECK_EQ(vdev_rd(fx, 0x68, 4), 0);
	CHECK_EQ(vdev_rd(fx, 0xfc, 4), 0);
	CHECK_EQ(fx->d.pm_cap, 0x60);
	CHECK_EQ(fx->d.exp_cap, 0x80);
	CHECK_EQ(fx->d.msix.cap, 0x40);
	CHECK_EQ(fx->d.msi.cap, 0);
}

TEST(vdev_e1000e_cap_chain)
{
	struct vdev_fixture *fx = vdev_fake_e1000e();
	uint8_t ids[8], offs[8];

	REQUIRE(vdev_fake_init(fx) == 0);
	REQUIRE(walk(fx, ids, offs, 8) == 4);
	CHECK_EQ(ids[0], PCI_CAP_ID_PM);
	CHECK_EQ(ids[1], PCI_CAP_ID_MSI);
	CHECK_EQ(ids[2], PCI_CAP_ID_EXP);
	CHECK_EQ(ids[3], PCI_CAP_ID_MSIX);
	CHECK_EQ(offs[3], 0xa0);
	CHECK_EQ(fx->d.exp_len, PCI_CAP_EXP_ENDPOINT_SIZEOF_V1);
	CHECK_EQ(vdev_rd(fx, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST,
		 PCI_STATUS_CAP_LIST);
}

TEST(vdev_cap_chain_garbage)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint8_t ids[64], offs[64];
	uint8_t *c = fx->fake.cfg;

	/* A loop back to the first capability. */
	c[0x61] = 0x40;
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(walk(fx, ids, offs, 64), 3);

	/* Pointing to itself, with the low bits set. */
	fx = vdev_fake_nvme();
	c = fx->fake.cfg;
	c[0x41] = 0x43;
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(walk(fx, ids, offs, 64), 1);

	/* Into the header. */
	fx = vdev_fake_nvme();
	c = fx->fake.cfg;
	c[PCI_CAPABILITY_LIST] = 0x10;
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(walk(fx, ids, offs, 64), 0);
	CHECK_EQ(vdev_rd(fx, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);

	/* Into the header further down; an ID of 0xff. */
	fx = vdev_fake_nvme();
	c = fx->fake.cfg;
	c[0x81] = 0x3c;
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(walk(fx, ids, offs, 64), 2);
	fx = vdev_fake_nvme();
	c = fx->fake.cfg;
	c[0x80] = 0xff;
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(walk(fx, ids, offs, 64), 1);

	/* At the very end of the space. */
	fx = vdev_fake_nvme();
	c = fx->fake.cfg;
	c[0x61] = 0xff;
	c[0xfc] = PCI_CAP_ID_VNDR;
	c[0xfd] = 0xfc;
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(walk(fx, ids, offs, 64), 3);

	/*
	 * A capability in each of the 48 dwords; the last one, PM at 0xfc,
	 * would run past 0x100 and is hidden.
	 */
	fx = vdev_fake_nvme();
	c = fx->fake.cfg;
	memset(&c[0x40], 0, 0xc0);
	c[PCI_CAPABILITY_LIST] = 0x40;
	for (uint32_t p = 0x40; p < 0x100; p += 4) {
		c[p] = p == 0xfc ? PCI_CAP_ID_PM : PCI_CAP_ID_VNDR;
		c[p + 1] = p == 0xfc ? 0 : p + 4;
	}
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(walk(fx, ids, offs, 64), 0);
	CHECK_EQ(fx->d.pm_cap, 0);
}

TEST(vdev_cap_overlap_hidden)
{
	struct vdev_fixture *fx = vdev_fake_e1000e();
	uint8_t ids[8], offs[8];

	/* Maskable MSI needs 24 bytes: it would run into PCIe at 0xe0. */
	put16(fx->fake.cfg, 0xd0 + PCI_MSI_FLAGS,
	      PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
	REQUIRE(vdev_fake_init(fx) == 0);
	REQUIRE(walk(fx, ids, offs, 8) == 3);
	CHECK_EQ(ids[1], PCI_CAP_ID_EXP);
	CHECK_EQ(fx->d.msi.cap, 0);
	CHECK_EQ(vdev_rd(fx, 0xd0, 4), 0);

	/* A PCIe v2 capability at 0xe0 is cut at 0x100. */
	fx = vdev_fake_e1000e();
	put16(fx->fake.cfg, 0xe0 + PCI_EXP_FLAGS, 2);
	fx->fake.cfg[0xe1] = 0;
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(fx->d.exp_len, 0x20);
	REQUIRE(walk(fx, ids, offs, 8) == 3);
	CHECK_EQ(ids[2], PCI_CAP_ID_EXP);
}

TEST(vdev_extended_space_hidden)
{
	struct vdev_fixture *fx = vdev_fake_nvme();

	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_rd(fx, 0x100, 4), 0);
	CHECK_EQ(vdev_rd(fx, 0x100, 2), 0);
	CHECK_EQ(vdev_rd(fx, 0xffc, 4), 0);
	CHECK_EQ(vdev_rd(fx, 0xfff, 1), 0);
	vdev_wr(fx, 0x100, 4, 0xffffffff);
	vdev_wr(fx, 0x104, 4, 0xffffffff);
	CHECK_EQ(vdev_rd(fx, 0x100, 4), 0);
	CHECK_EQ(fx->fake.writes, 0);
	CHECK_EQ(le_get(&fx->fake.cfg[0x100], 4), 0x00010001);
	/* A device whose extended space cannot be read still works. */
	fx = vdev_fake_nvme();
	fx->fake.ext_ok = false;
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_rd(fx, 0x100, 4), 0);
	CHECK_EQ(fx->d.msix.tab.nr, 65);
}

TEST(vdev_pm_forwarded)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint32_t pmcsr = 0x60 + PCI_PM_CTRL;

	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_rd(fx, 0x60 + PCI_PM_PMC, 2), 3);
	CHECK_EQ(vdev_rd(fx, pmcsr, 2), PCI_PM_CTRL_NO_SOFT_RESET);
	vdev_wr(fx, pmcsr, 2, 3);	/* D3hot */
	CHECK_EQ(fx->fake.writes, 1);
	CHECK_EQ(le_get(&fx->fake.cfg[pmcsr], 2),
		 PCI_PM_CTRL_NO_SOFT_RESET | 3);
	CHECK_EQ(vdev_rd(fx, pmcsr, 2), PCI_PM_CTRL_NO_SOFT_RESET | 3);
	/* PME status is RW1C: a write of the state alone keeps it. */
	put16(fx->fake.cfg, pmcsr, PCI_PM_CTRL_PME_STATUS |
	      PCI_PM_CTRL_NO_SOFT_RESET | 3);
	vdev_wr(fx, pmcsr, 1, 0);	/* D0 */
	CHECK_EQ(le_get(&fx->fake.cfg[pmcsr], 2),
		 PCI_PM_CTRL_PME_STATUS | PCI_PM_CTRL_NO_SOFT_RESET);
	vdev_wr(fx, pmcsr, 4, PCI_PM_CTRL_PME_STATUS |
		PCI_PM_CTRL_PME_ENABLE | 0xff0000);
	CHECK_EQ(le_get(&fx->fake.cfg[pmcsr], 2), PCI_PM_CTRL_NO_SOFT_RESET);
	CHECK_EQ(fx->fake.writes, 3);
	/* The PMC is read-only. */
	vdev_wr(fx, 0x60 + PCI_PM_PMC, 2, 0xffff);
	CHECK_EQ(fx->fake.writes, 3);
	CHECK_EQ(vdev_rd(fx, 0x60, 2), PCI_CAP_ID_PM);	/* last */
}

TEST(vdev_pcie_reads_through_writes_dropped)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint32_t devctl = 0x80 + PCI_EXP_DEVCTL;

	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_rd(fx, 0x80 + PCI_EXP_FLAGS, 2), 2);
	CHECK_EQ(vdev_rd(fx, 0x80 + PCI_EXP_DEVCAP, 4), 0x10008000);
	CHECK_EQ(vdev_rd(fx, devctl, 2), 0x2810);
	put16(fx->fake.cfg, devctl, 0x2830);
	CHECK_EQ(vdev_rd(fx, devctl, 2), 0x2830);
	vdev_wr(fx, devctl, 2, PCI_EXP_DEVCTL_BCR_FLR);
	vdev_wr(fx, 0x80, 4, 0xffffffff);
	CHECK_EQ(fx->fake.writes, 0);
	CHECK_EQ(vdev_rd(fx, devctl, 2), 0x2830);
	CHECK_EQ(vdev_rd(fx, 0x80, 2), 0x6010);
}

/* Failures and hostile accesses */

TEST(vdev_init_refusals)
{
	struct vdev_fixture *fx = vdev_fake_nvme();

	fx->fake.cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_BRIDGE;
	CHECK_EQ(vdev_fake_init(fx), -ENOTSUP);
	CHECK(strstr(fx->err, "header type 1"));
	fx = vdev_fake_nvme();
	fx->fake.fail_read = true;
	CHECK_EQ(vdev_fake_init(fx), -EIO);
	CHECK(strstr(fx->err, "cannot read"));
	fx = vdev_fake_nvme();
	memset(fx->fake.cfg, 0xff, sizeof(fx->fake.cfg));
	CHECK_EQ(vdev_fake_init(fx), -EIO);
	CHECK(fx->err[0]);
}

TEST(vdev_broken_reads_all_ones)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint32_t v = 0;

	REQUIRE(vdev_fake_init(fx) == 0);
	fx->d.broken = true;
	CHECK_EQ(vdev_rd(fx, PCI_VENDOR_ID, 4), 0xffffffff);
	CHECK_EQ(vdev_rd(fx, PCI_COMMAND, 2), 0xffff);
	CHECK_EQ(vdev_rd(fx, PCI_INTERRUPT_LINE, 1), 0xff);
	CHECK_EQ(vdev_rd(fx, 0x100, 4), 0xffffffff);
	vdev_wr(fx, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	vdev_wr(fx, PCI_INTERRUPT_LINE, 1, 5);
	CHECK_EQ(fx->fake.writes, 0);
	CHECK_EQ(fx->d.command, 0);
	CHECK_EQ(vdev_msix_table_read(&fx->d, 0, &v, 4), 0);
	CHECK_EQ(v, 0xffffffff);
	fx->d.broken = false;
	CHECK_EQ(vdev_rd(fx, PCI_INTERRUPT_LINE, 1), 0);
}

TEST(vdev_io_failures)
{
	struct vdev_fixture *fx = vdev_fake_nvme();

	REQUIRE(vdev_fake_init(fx) == 0);
	fx->fake.fail_read = true;
	/* Live registers read all-ones; snapshots still read. */
	CHECK_EQ(vdev_rd(fx, PCI_STATUS, 2), 0xffff);
	CHECK_EQ(vdev_rd(fx, PCI_COMMAND, 4), 0xffffffff);
	CHECK_EQ(vdev_rd(fx, 0x80 + PCI_EXP_DEVCTL, 2), 0xffff);
	CHECK_EQ(vdev_rd(fx, PCI_VENDOR_ID, 2), 0x1b36);
	/* The command is still emulated; the device is not written. */
	vdev_wr(fx, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK_EQ(fx->d.command, PCI_COMMAND_MEMORY);
	CHECK_EQ(fx->fake.writes, 0);
	fx->fake.fail_read = false;
	fx->fake.fail_write = true;
	vdev_wr(fx, PCI_COMMAND, 2, 0);
	vdev_wr(fx, PCI_STATUS, 2, 0xffff);
	vdev_wr(fx, 0x60 + PCI_PM_CTRL, 2, 3);
	CHECK_EQ(fx->fake.writes, 0);
	CHECK_EQ(fx->d.command, 0);
}

TEST(vdev_bad_cfg_accesses)
{
	struct vdev_fixture *fx = vdev_fake_nvme();

	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_rd(fx, 1, 2), 0xffff);		/* misaligned */
	CHECK_EQ(vdev_rd(fx, 0, 3), 0xffffff);	/* odd size */
	CHECK_EQ(vdev_rd(fx, 0, 8), 0xffffffff);
	CHECK_EQ(vdev_rd(fx, 4096, 4), 0xffffffff);
	CHECK_EQ(vdev_rd(fx, 0xfffffffc, 4), 0xffffffff);
	vdev_wr(fx, 2, 4, 0xffffffff);
	vdev_wr(fx, PCI_COMMAND, 3, 0xffffff);
	vdev_wr(fx, 0x10000, 4, 0xffffffff);
	vdev_wr(fx, PCI_COMMAND, 0, 0xffffffff);
	CHECK_EQ(fx->d.command, 0);
	CHECK_EQ(fx->fake.writes, 0);
	CHECK_EQ(vdev_rd(fx, PCI_VENDOR_ID, 2), 0x1b36);
}

TEST(vdev_null_hooks)
{
	struct vdev_fixture *fx = vdev_fake_e1000e();
	struct vdev_io io = {
		.cfg_read = fake_read, .cfg_write = fake_write,
		.ctx = &fx->fake,
	};
	uint32_t v = 1;

	REQUIRE(vdev_init(&fx->d, NULL, &io, NULL, fx->bars, NULL, 0) == 0);
	vdev_place_bar(&fx->d, 0, 0xfe000000);
	vdev_wr(fx, PCI_COMMAND, 2, 0xffff);
	vdev_wr(fx, 0xd0 + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	vdev_wr(fx, 0xa0 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	CHECK_EQ(vdev_msix_table_write(&fx->d, 12, &(uint32_t){ 0 }, 4), 0);
	CHECK(vdev_msix_vector(&fx->d, 0, NULL, NULL));
	CHECK_EQ(vdev_msix_table_read(&fx->d, 12, &v, 4), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(vdev_init(NULL, "x", &io, NULL, fx->bars, NULL, 0),
		 -EINVAL);
}
