// SPDX-License-Identifier: GPL-2.0
/*
 * MSI and MSI-X of a passed-through function: the emulated MSI capability,
 * MSI-X message control, table and PBA, against the fake NVMe and e1000e
 * devices.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "passthrough/vdev.h"
#include "tests/unit/test.h"

/*
 * The fake devices (test_vdev.c has fuller ones): config space in memory,
 * writes counted; the hooks count MSI and MSI-X calls.
 */
struct vdev_fixture {
	struct vdev d;
	uint8_t cfg[256];
	int writes;
	int msi_calls, msix_calls, last_vector;
	struct vdev_bar_info bars[VDEV_NR_BARS + 1];
};

static struct vdev_fixture fixture;

static int fake_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	struct vdev_fixture *fx = ctx;

	if (off >= sizeof(fx->cfg) || len > sizeof(fx->cfg) - off)
		return -EIO;
	memcpy(buf, &fx->cfg[off], len);
	return len;
}

static int fake_write(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
	struct vdev_fixture *fx = ctx;

	if (off >= sizeof(fx->cfg) || len > sizeof(fx->cfg) - off)
		return -EIO;
	fx->writes++;
	memcpy(&fx->cfg[off], buf, len);
	return len;
}

static void rec_msix_changed(void *ctx, int vector)
{
	struct vdev_fixture *fx = ctx;

	fx->msix_calls++;
	fx->last_vector = vector;
}

static void rec_msi_changed(void *ctx)
{
	struct vdev_fixture *fx = ctx;

	fx->msi_calls++;
}

static struct vdev_fixture *vdev_fake_nvme(void)
{
	struct vdev_fixture *fx = &fixture;
	uint8_t *c = fx->cfg;

	memset(fx, 0, sizeof(*fx));
	le_put(&c[PCI_VENDOR_ID], 4, 0x00101b36);
	le_put(&c[PCI_CLASS_REVISION], 4, 0x01080202);
	le_put(&c[PCI_STATUS], 2, PCI_STATUS_CAP_LIST);
	c[PCI_CAPABILITY_LIST] = 0x40;
	c[0x40] = PCI_CAP_ID_MSIX;
	c[0x41] = 0x60;
	le_put(&c[0x42], 2, 64 | PCI_MSIX_FLAGS_MASKALL);
	le_put(&c[0x44], 4, 0x2000 | 0);
	le_put(&c[0x48], 4, 0x3000 | 0);
	c[0x60] = PCI_CAP_ID_PM;
	le_put(&c[0x62], 2, 3);
	fx->bars[0] = (struct vdev_bar_info){ .size = 0x4000, .is_64 = true };
	return fx;
}

static struct vdev_fixture *vdev_fake_e1000e(void)
{
	struct vdev_fixture *fx = &fixture;
	uint8_t *c = fx->cfg;

	memset(fx, 0, sizeof(*fx));
	le_put(&c[PCI_VENDOR_ID], 4, 0x10d38086);
	le_put(&c[PCI_CLASS_REVISION], 4, 0x02000000);
	le_put(&c[PCI_STATUS], 2, PCI_STATUS_CAP_LIST);
	c[PCI_CAPABILITY_LIST] = 0xc8;
	c[0xc8] = PCI_CAP_ID_PM;
	c[0xc9] = 0xd0;
	c[0xd0] = PCI_CAP_ID_MSI;
	c[0xd1] = 0xe0;
	le_put(&c[0xd2], 2, PCI_MSI_FLAGS_64BIT);
	c[0xe0] = PCI_CAP_ID_EXP;
	c[0xe1] = 0xa0;
	le_put(&c[0xe2], 2, 1);
	c[0xa0] = PCI_CAP_ID_MSIX;
	le_put(&c[0xa2], 2, 4);
	le_put(&c[0xa4], 4, 0x0000 | 3);
	le_put(&c[0xa8], 4, 0x2000 | 3);
	fx->bars[0] = (struct vdev_bar_info){ .size = 0x20000 };
	fx->bars[1] = (struct vdev_bar_info){ .size = 0x20000 };
	fx->bars[2] = (struct vdev_bar_info){ .size = 32, .is_io = true };
	fx->bars[3] = (struct vdev_bar_info){ .size = 0x4000 };
	return fx;
}

static int vdev_fake_init(struct vdev_fixture *fx)
{
	struct vdev_io io = {
		.cfg_read = fake_read, .cfg_write = fake_write, .ctx = fx,
	};
	struct vdev_hooks hooks = {
		.msix_changed = rec_msix_changed,
		.msi_changed = rec_msi_changed,
		.ctx = fx,
	};
	char err[128];

	return vdev_init(&fx->d, "0000:00:04.0", &io, &hooks, fx->bars, err,
			 sizeof(err));
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

static struct vdev *vdev_fx_dev(struct vdev_fixture *fx)
{
	return &fx->d;
}

static uint8_t *vdev_fx_devcfg(struct vdev_fixture *fx)
{
	return fx->cfg;
}

static int vdev_fx_msix_calls(struct vdev_fixture *fx, int *last_vector)
{
	if (last_vector)
		*last_vector = fx->last_vector;
	return fx->msix_calls;
}

#define E1000E_MSI	0xd0
#define E1000E_MSIX	0xa0
#define NVME_MSIX	0x40

static uint32_t tbl_rd(struct vdev *d, uint64_t off, uint32_t len)
{
	uint8_t buf[8];

	memset(buf, 0xaa, sizeof(buf));
	vdev_msix_table_read(d, off, buf, len);
	return le_get(buf, len < 4 ? len : 4);
}

static uint64_t tbl_rd64(struct vdev *d, uint64_t off)
{
	uint8_t buf[8];

	vdev_msix_table_read(d, off, buf, 8);
	return le_get(buf, 8);
}

static int tbl_wr(struct vdev *d, uint64_t off, uint32_t len, uint64_t v)
{
	uint8_t buf[8];

	le_put(buf, len < 8 ? len : 8, v);
	return vdev_msix_table_write(d, off, buf, len);
}

/* MSI */

TEST(vdev_msi_emulated)
{
	struct vdev_fixture *fx = vdev_fake_e1000e();
	struct vdev *d;
	uint8_t before[24];

	memcpy(before, vdev_fx_devcfg(fx) + E1000E_MSI, sizeof(before));
	REQUIRE(vdev_fake_init(fx) == 0);
	d = vdev_fx_dev(fx);
	REQUIRE(d->msi.cap == E1000E_MSI);
	CHECK(d->msi.is_64);
	CHECK(!d->msi.maskable);
	CHECK_EQ(vdev_rd(fx, E1000E_MSI + PCI_MSI_FLAGS, 2),
		 PCI_MSI_FLAGS_64BIT);

	vdev_wr(fx, E1000E_MSI + PCI_MSI_ADDRESS_LO, 4, 0xfee01003);
	CHECK_EQ(fx->msi_calls, 1);
	vdev_wr(fx, E1000E_MSI + PCI_MSI_ADDRESS_HI, 4, 0x1);
	vdev_wr(fx, E1000E_MSI + PCI_MSI_DATA_64, 2, 0x4041);
	CHECK_EQ(fx->msi_calls, 3);
	CHECK_EQ(vdev_rd(fx, E1000E_MSI + PCI_MSI_ADDRESS_LO, 4), 0xfee01000);
	CHECK_EQ(vdev_rd(fx, E1000E_MSI + PCI_MSI_ADDRESS_HI, 4), 1);
	CHECK_EQ(vdev_rd(fx, E1000E_MSI + PCI_MSI_DATA_64, 4), 0x4041);
	CHECK_EQ(d->msi.addr, 0x1fee01000ULL);
	CHECK_EQ(d->msi.data, 0x4041);
	CHECK(!d->msi.enabled);

	/* Enable, asking for more vectors than the one it has. */
	vdev_wr(fx, E1000E_MSI + PCI_MSI_FLAGS, 2,
		PCI_MSI_FLAGS_ENABLE | 0x30 | PCI_MSI_FLAGS_MASKBIT);
	CHECK_EQ(fx->msi_calls, 4);
	CHECK(d->msi.enabled);
	CHECK_EQ(d->msi.nr_log2, 0);
	CHECK_EQ(vdev_rd(fx, E1000E_MSI + PCI_MSI_FLAGS, 2),
		 PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_ENABLE);
	/* The same again: no change, no call. */
	vdev_wr(fx, E1000E_MSI + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	vdev_wr(fx, E1000E_MSI + PCI_MSI_DATA_64, 2, 0x4041);
	CHECK_EQ(fx->msi_calls, 4);
	/* The header is read-only. */
	vdev_wr(fx, E1000E_MSI, 2, 0xffff);
	CHECK_EQ(vdev_rd(fx, E1000E_MSI, 2), 0xe000 | PCI_CAP_ID_MSI);

	/* Nothing reached the device. */
	CHECK_EQ(fx->writes, 0);
	CHECK(!memcmp(before, vdev_fx_devcfg(fx) + E1000E_MSI,
		      sizeof(before)));
	vdev_wr(fx, E1000E_MSI + PCI_MSI_FLAGS, 2, 0);
	CHECK_EQ(fx->msi_calls, 5);
	CHECK(!d->msi.enabled);
}

TEST(vdev_msi_32bit_maskable)
{
	struct vdev_fixture *fx = vdev_fake_e1000e();
	uint8_t *c = vdev_fx_devcfg(fx);
	struct vdev *d;

	/* Move PCIe out of the way: 32-bit maskable MSI needs 20 bytes. */
	c[0xd1] = 0xa0;
	le_put(&c[0xd0 + PCI_MSI_FLAGS], 2, PCI_MSI_FLAGS_MASKBIT | 2 << 1);
	REQUIRE(vdev_fake_init(fx) == 0);
	d = vdev_fx_dev(fx);
	REQUIRE(d->msi.cap == E1000E_MSI);
	CHECK(!d->msi.is_64);
	CHECK(d->msi.maskable);
	vdev_wr(fx, E1000E_MSI + PCI_MSI_ADDRESS_LO, 4, 0xfee00000);
	vdev_wr(fx, E1000E_MSI + PCI_MSI_DATA_32, 2, 0x31);
	vdev_wr(fx, E1000E_MSI + PCI_MSI_MASK_32, 4, 0xffffffff);
	CHECK_EQ(d->msi.addr, 0xfee00000);
	CHECK_EQ(d->msi.data, 0x31);
	CHECK_EQ(d->msi.mask, 0xf);	/* 4 vectors */
	CHECK_EQ(vdev_rd(fx, E1000E_MSI + PCI_MSI_MASK_32, 4), 0xf);
	CHECK_EQ(vdev_rd(fx, E1000E_MSI + PCI_MSI_PENDING_32, 4), 0);
	vdev_wr(fx, E1000E_MSI + PCI_MSI_FLAGS, 2,
		PCI_MSI_FLAGS_ENABLE | 2 << 4);
	CHECK_EQ(d->msi.nr_log2, 2);
	CHECK_EQ(fx->msi_calls, 4);
	CHECK_EQ(fx->writes, 0);
}

/* MSI-X message control */

TEST(vdev_msix_control)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint32_t ctrl = NVME_MSIX + PCI_MSIX_FLAGS;
	struct vdev *d;
	int vec = 0;

	REQUIRE(vdev_fake_init(fx) == 0);
	d = vdev_fx_dev(fx);
	CHECK_EQ(d->msix.tab.nr, 65);
	CHECK_EQ(d->msix.table_bar, 0);
	CHECK_EQ(d->msix.table_off, 0x2000);
	CHECK_EQ(d->msix.pba_bar, 0);
	CHECK_EQ(d->msix.pba_off, 0x3000);
	/* The device's function mask is not shown. */
	CHECK_EQ(vdev_rd(fx, ctrl, 2), 64);
	CHECK_EQ(vdev_rd(fx, NVME_MSIX + PCI_MSIX_TABLE, 4), 0x2000);
	CHECK_EQ(vdev_rd(fx, NVME_MSIX + PCI_MSIX_PBA, 4), 0x3000);

	vdev_wr(fx, ctrl, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	CHECK_EQ(vdev_fx_msix_calls(fx, &vec), 1);
	CHECK_EQ(vec, -1);
	CHECK(d->msix.tab.enabled);
	CHECK(d->msix.tab.fmask);
	CHECK_EQ(vdev_rd(fx, ctrl, 2), 64 | PCI_MSIX_FLAGS_ENABLE |
		 PCI_MSIX_FLAGS_MASKALL);
	/* The high byte alone, function mask off. */
	vdev_wr(fx, ctrl + 1, 1, PCI_MSIX_FLAGS_ENABLE >> 8);
	CHECK_EQ(vdev_fx_msix_calls(fx, &vec), 2);
	CHECK(!d->msix.tab.fmask);
	/* Table size, offsets: read-only. */
	vdev_wr(fx, ctrl, 2, PCI_MSIX_FLAGS_ENABLE | 0x7ff);
	vdev_wr(fx, NVME_MSIX + PCI_MSIX_TABLE, 4, 0x1003);
	vdev_wr(fx, NVME_MSIX + PCI_MSIX_PBA, 4, 0);
	CHECK_EQ(vdev_fx_msix_calls(fx, &vec), 2);
	CHECK_EQ(vdev_rd(fx, ctrl, 2), 64 | PCI_MSIX_FLAGS_ENABLE);
	CHECK_EQ(vdev_rd(fx, NVME_MSIX + PCI_MSIX_TABLE, 4), 0x2000);
	CHECK_EQ(vdev_rd(fx, NVME_MSIX + PCI_MSIX_PBA, 4), 0x3000);
	CHECK_EQ(d->msix.tab.nr, 65);
	/* The device is not touched: the VMM enables MSI-X through VFIO. */
	CHECK_EQ(fx->writes, 0);
	CHECK_EQ(le_get(vdev_fx_devcfg(fx) + ctrl, 2),
		 64 | PCI_MSIX_FLAGS_MASKALL);
	vdev_wr(fx, ctrl, 2, 0);
	CHECK_EQ(vdev_fx_msix_calls(fx, &vec), 3);
	CHECK(!d->msix.tab.enabled);
}

TEST(vdev_msix_e1000e_bar3)
{
	struct vdev_fixture *fx = vdev_fake_e1000e();
	struct vdev *d;

	REQUIRE(vdev_fake_init(fx) == 0);
	d = vdev_fx_dev(fx);
	CHECK_EQ(d->msix.cap, E1000E_MSIX);
	CHECK_EQ(d->msix.tab.nr, 5);
	CHECK_EQ(d->msix.table_bar, 3);
	CHECK_EQ(d->msix.table_off, 0);
	CHECK_EQ(d->msix.pba_bar, 3);
	CHECK_EQ(d->msix.pba_off, 0x2000);
	CHECK_EQ(vdev_rd(fx, E1000E_MSIX + PCI_MSIX_FLAGS, 2), 4);
}

TEST(vdev_msix_table_outside_bar_hidden)
{
	struct vdev_fixture *fx = vdev_fake_e1000e();
	struct vdev *d;

	fx->bars[3].size = 0;
	REQUIRE(vdev_fake_init(fx) == 0);
	d = vdev_fx_dev(fx);
	CHECK_EQ(d->msix.cap, 0);
	CHECK_EQ(vdev_rd(fx, 0xe0 + PCI_CAP_LIST_NEXT, 1), 0);
	CHECK_EQ(vdev_rd(fx, E1000E_MSIX, 4), 0);
	CHECK(!vdev_msix_vector(d, 0, NULL, NULL));
	CHECK_EQ(tbl_rd(d, 0, 4), 0);
	/* The PBA past the BAR's end. */
	fx = vdev_fake_e1000e();
	le_put(vdev_fx_devcfg(fx) + E1000E_MSIX + PCI_MSIX_PBA, 4,
	       0x4000 | 3);
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_fx_dev(fx)->msix.cap, 0);
	/* A table in an I/O BAR. */
	fx = vdev_fake_e1000e();
	le_put(vdev_fx_devcfg(fx) + E1000E_MSIX + PCI_MSIX_TABLE, 4, 2);
	REQUIRE(vdev_fake_init(fx) == 0);
	CHECK_EQ(vdev_fx_dev(fx)->msix.cap, 0);
}

/* MSI-X table */

TEST(vdev_msix_table_writes)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	struct vdev *d;
	int vec = 0;

	REQUIRE(vdev_fake_init(fx) == 0);
	d = vdev_fx_dev(fx);
	/* All entries start masked. */
	for (unsigned int v = 0; v < 65; v++)
		CHECK_EQ(tbl_rd(d, v * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 1);
	CHECK_EQ(tbl_rd(d, 0, 4), 0);

	CHECK_EQ(tbl_wr(d, 3 * 16 + PCI_MSIX_ENTRY_LOWER_ADDR, 4,
			0xfee02000), 0);
	CHECK_EQ(vdev_fx_msix_calls(fx, &vec), 1);
	CHECK_EQ(vec, 3);
	CHECK_EQ(tbl_wr(d, 3 * 16 + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0x2), 0);
	CHECK_EQ(tbl_wr(d, 3 * 16 + PCI_MSIX_ENTRY_DATA, 4, 0x4055), 0);
	CHECK_EQ(tbl_wr(d, 3 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4,
			0xfffffffe), 0);
	CHECK_EQ(vdev_fx_msix_calls(fx, &vec), 4);
	CHECK_EQ(d->msix.entries[3].addr, 0x2fee02000ULL);
	CHECK_EQ(d->msix.entries[3].data, 0x4055);
	CHECK_EQ(d->msix.entries[3].ctrl, 0);
	CHECK_EQ(tbl_rd(d, 3 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 0);
	CHECK_EQ(tbl_rd(d, 3 * 16 + PCI_MSIX_ENTRY_DATA, 4), 0x4055);
	CHECK_EQ(tbl_rd64(d, 3 * 16), 0x2fee02000ULL);

	/* The same value again: no call. */
	CHECK_EQ(tbl_wr(d, 3 * 16 + PCI_MSIX_ENTRY_DATA, 4, 0x4055), 0);
	CHECK_EQ(vdev_fx_msix_calls(fx, &vec), 4);

	/* 8-byte writes: address; data and control together. */
	CHECK_EQ(tbl_wr(d, 64 * 16, 8, 0x00000000fee0f00cULL), 0);
	CHECK_EQ(vdev_fx_msix_calls(fx, &vec), 5);
	CHECK_EQ(vec, 64);
	CHECK_EQ(tbl_wr(d, 64 * 16 + 8, 8, 0x0000000000004066ULL), 0);
	CHECK_EQ(vdev_fx_msix_calls(fx, &vec), 6);
	CHECK_EQ(d->msix.entries[64].addr, 0xfee0f00cULL);
	CHECK_EQ(d->msix.entries[64].data, 0x4066);
	CHECK_EQ(d->msix.entries[64].ctrl, 0);
	CHECK_EQ(tbl_rd64(d, 64 * 16 + 8), 0x4066);
	CHECK_EQ(fx->writes, 0);
}

TEST(vdev_msix_vector_gating)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint32_t ctrl = NVME_MSIX + PCI_MSIX_FLAGS;
	uint64_t addr = 0;
	uint32_t data = 0;
	struct vdev *d;

	REQUIRE(vdev_fake_init(fx) == 0);
	d = vdev_fx_dev(fx);
	tbl_wr(d, 16, 8, 0xfee00000);
	tbl_wr(d, 16 + 8, 4, 0x41);
	/* Disabled, entry masked. */
	CHECK(!vdev_msix_vector(d, 1, &addr, &data));
	CHECK_EQ(addr, 0xfee00000);
	CHECK_EQ(data, 0x41);
	tbl_wr(d, 16 + 12, 4, 0);
	CHECK(!vdev_msix_vector(d, 1, &addr, &data));	/* disabled */
	vdev_wr(fx, ctrl, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	CHECK(!vdev_msix_vector(d, 1, &addr, &data));	/* function mask */
	vdev_wr(fx, ctrl, 2, PCI_MSIX_FLAGS_ENABLE);
	CHECK(vdev_msix_vector(d, 1, &addr, &data));
	CHECK(!vdev_msix_vector(d, 0, &addr, &data));	/* entry masked */
	tbl_wr(d, 16 + 12, 4, 1);
	CHECK(!vdev_msix_vector(d, 1, &addr, &data));
	tbl_wr(d, 16 + 12, 4, 0);
	CHECK(vdev_msix_vector(d, 1, NULL, NULL));
	/* Out of range. */
	addr = 7;
	CHECK(!vdev_msix_vector(d, 65, &addr, &data));
	CHECK(!vdev_msix_vector(d, VDEV_MSIX_MAX, &addr, &data));
	CHECK(!vdev_msix_vector(d, ~0u, &addr, &data));
	CHECK_EQ(addr, 7);
}

TEST(vdev_msix_pba)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint8_t buf[8];
	struct vdev *d;

	REQUIRE(vdev_fake_init(fx) == 0);
	d = vdev_fx_dev(fx);
	vdev_msix_set_pending(d, 0);
	vdev_msix_set_pending(d, 33);
	vdev_msix_set_pending(d, 64);
	vdev_msix_set_pending(d, 65);		/* out of range */
	vdev_msix_set_pending(d, ~0u);
	CHECK_EQ(vdev_msix_pba_read(d, 0, buf, 8), 0);
	CHECK_EQ(le_get(buf, 8), 0x200000001ULL);
	CHECK_EQ(vdev_msix_pba_read(d, 4, buf, 4), 0);
	CHECK_EQ(le_get(buf, 4), 2);
	CHECK_EQ(vdev_msix_pba_read(d, 8, buf, 8), 0);
	CHECK_EQ(le_get(buf, 8), 1);

	CHECK(vdev_msix_take_pending(d, 33));
	CHECK(!vdev_msix_take_pending(d, 33));
	CHECK(!vdev_msix_take_pending(d, 1));
	CHECK(!vdev_msix_take_pending(d, 65));
	CHECK(!vdev_msix_take_pending(d, ~0u));
	CHECK_EQ(vdev_msix_pba_read(d, 0, buf, 4), 0);
	CHECK_EQ(le_get(buf, 4), 1);
	CHECK(vdev_msix_take_pending(d, 64));
	CHECK(vdev_msix_take_pending(d, 0));
	CHECK_EQ(vdev_msix_pba_read(d, 8, buf, 4), 0);
	CHECK_EQ(le_get(buf, 4), 0);

	/* Past the PBA (2 qwords for 65 vectors), odd sizes. */
	vdev_msix_set_pending(d, 64);
	memset(buf, 0xaa, sizeof(buf));
	CHECK_EQ(vdev_msix_pba_read(d, 16, buf, 4), -EINVAL);
	CHECK_EQ(le_get(buf, 4), 0);
	CHECK_EQ(vdev_msix_pba_read(d, 0x1000, buf, 8), -EINVAL);
	CHECK_EQ(vdev_msix_pba_read(d, ~0ULL - 3, buf, 4), -EINVAL);
	CHECK_EQ(vdev_msix_pba_read(d, 8, buf, 2), -EINVAL);
	CHECK_EQ(vdev_msix_pba_read(d, 8, buf, 1), -EINVAL);
	CHECK_EQ(vdev_msix_pba_read(d, 12, buf, 8), -EINVAL);
	CHECK_EQ(vdev_msix_pba_read(d, 2, buf, 4), -EINVAL);
	CHECK_EQ(le_get(buf, 4), 0);
}

TEST(vdev_msix_table_bad_accesses)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint8_t big[16];
	struct vdev *d;
	int vec = 0;

	REQUIRE(vdev_fake_init(fx) == 0);
	d = vdev_fx_dev(fx);
	/* Past the 65th entry. */
	CHECK_EQ(tbl_wr(d, 65 * 16, 4, 0), -EINVAL);
	CHECK_EQ(tbl_wr(d, 65 * 16 + 12, 4, 0), -EINVAL);
	CHECK_EQ(tbl_wr(d, 0x1000, 8, 0), -EINVAL);
	CHECK_EQ(tbl_wr(d, ~0ULL - 7, 8, 0), -EINVAL);
	CHECK_EQ(tbl_wr(d, ~0ULL - 3, 4, 0), -EINVAL);
	CHECK_EQ(tbl_rd(d, 65 * 16 + 12, 4), 0);
	CHECK_EQ(tbl_rd(d, ~0ULL - 3, 4), 0);
	/* Odd sizes and misaligned. */
	CHECK_EQ(tbl_wr(d, 12, 1, 0), -EINVAL);
	CHECK_EQ(tbl_wr(d, 12, 2, 0), -EINVAL);
	CHECK_EQ(tbl_wr(d, 13, 4, 0), -EINVAL);
	CHECK_EQ(tbl_wr(d, 4, 8, 0), -EINVAL);	/* not qword-aligned */
	CHECK_EQ(tbl_wr(d, 12, 8, 0), -EINVAL);	/* across entries */
	CHECK_EQ(tbl_wr(d, 12, 0, 0), -EINVAL);
	CHECK_EQ(tbl_rd(d, 12, 2), 0);
	CHECK_EQ(tbl_rd(d, 12, 1), 0);
	CHECK_EQ(tbl_rd(d, 14, 4), 0);
	memset(big, 0, sizeof(big));
	CHECK_EQ(vdev_msix_table_write(d, 0, big, 16), -EINVAL);
	memset(big, 0xaa, sizeof(big));
	CHECK_EQ(vdev_msix_table_read(d, 0, big, 16), -EINVAL);
	for (size_t i = 0; i < sizeof(big); i++)
		CHECK_EQ(big[i], 0);
	CHECK_EQ(vdev_msix_table_read(d, 0, NULL, 4), -EINVAL);
	CHECK_EQ(vdev_msix_table_write(d, 0, NULL, 4), -EINVAL);
	/* Nothing changed. */
	CHECK_EQ(vdev_fx_msix_calls(fx, &vec), 0);
	for (unsigned int v = 0; v < 65; v++)
		CHECK_EQ(d->msix.entries[v].ctrl, 1);
	CHECK_EQ(d->msix.entries[65].ctrl, 1);
}

TEST(vdev_msix_broken)
{
	struct vdev_fixture *fx = vdev_fake_nvme();
	uint8_t buf[8];
	struct vdev *d;
	int vec = 0;

	REQUIRE(vdev_fake_init(fx) == 0);
	d = vdev_fx_dev(fx);
	d->broken = true;
	CHECK_EQ(tbl_wr(d, 12, 4, 0), 0);
	CHECK_EQ(vdev_fx_msix_calls(fx, &vec), 0);
	CHECK_EQ(d->msix.entries[0].ctrl, 1);
	CHECK_EQ(vdev_msix_pba_read(d, 0, buf, 8), 0);
	CHECK_EQ(le_get(buf, 8), ~0ULL);
}
