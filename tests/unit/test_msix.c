// SPDX-License-Identifier: GPL-2.0
/* The MSI-X table shared by emulated and passed-through devices. */
#include <errno.h>

#include "devices/msix.h"
#include "tests/unit/test.h"

struct tab {
	struct msix_table t;
	struct msix_entry e[70];
	uint64_t pending[MSIX_PBA_WORDS(70)];
};

static int wr(struct tab *x, uint64_t off, uint64_t v, uint32_t len,
	      bool *changed)
{
	uint8_t d[8];

	le_put(d, len, v);
	return msix_table_write(&x->t, off, d, len, changed);
}

static uint64_t rd(struct tab *x, uint64_t off, uint32_t len, int *ret)
{
	uint8_t d[8];

	*ret = msix_table_read(&x->t, off, d, len);
	return le_get(d, len);
}

TEST(msix_table_init_bounds)
{
	struct tab x;

	CHECK_EQ(msix_table_init(&x.t, x.e, x.pending, 0), -EINVAL);
	CHECK_EQ(msix_table_init(&x.t, x.e, x.pending, 2049), -EINVAL);
	REQUIRE(msix_table_init(&x.t, x.e, x.pending, 70) == 0);
	for (unsigned int v = 0; v < 70; v++)
		CHECK_EQ(x.e[v].ctrl, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	CHECK(!x.t.enabled);
	CHECK_EQ(MSIX_PBA_SIZE(70), 16);
}

TEST(msix_table_accesses)
{
	bool changed;
	struct tab x;
	int ret;

	REQUIRE(msix_table_init(&x.t, x.e, x.pending, 70) == 0);
	/* data and control in one 8-byte write; reserved control bits go. */
	CHECK_EQ(wr(&x, 16 * 69 + 8, 0xffff0000000000aaULL, 8, &changed), 0);
	CHECK(changed);
	CHECK_EQ(x.e[69].data, 0xaa);
	CHECK_EQ(x.e[69].ctrl, 0);
	CHECK_EQ(rd(&x, 16 * 69 + 8, 8, &ret), 0xaa);
	CHECK_EQ(ret, 0);
	/* The same again changes nothing. */
	CHECK_EQ(wr(&x, 16 * 69 + 8, 0xaa, 4, &changed), 0);
	CHECK(!changed);
	/* Misaligned, odd sizes, past the end: refused, reads zero. */
	CHECK_EQ(wr(&x, 16 * 69 + 4, 1, 8, &changed), -EINVAL);
	CHECK(!changed);
	CHECK_EQ(wr(&x, 2, 1, 2, &changed), -EINVAL);
	CHECK_EQ(wr(&x, 16 * 70, 1, 4, &changed), -EINVAL);
	CHECK_EQ(wr(&x, ~0ULL - 3, 1, 4, &changed), -EINVAL);
	CHECK_EQ(rd(&x, 16 * 70, 4, &ret), 0);
	CHECK_EQ(ret, -EINVAL);
	CHECK_EQ(rd(&x, 1, 1, &ret), 0);
	CHECK_EQ(ret, -EINVAL);
}

TEST(msix_gating_and_pending)
{
	uint64_t addr = 0;
	uint32_t data = 0;
	uint8_t pba[8];
	bool changed;
	struct tab x;

	REQUIRE(msix_table_init(&x.t, x.e, x.pending, 70) == 0);
	wr(&x, 16 * 65, 0xfee00000, 4, &changed);
	wr(&x, 16 * 65 + 8, 0x31, 4, &changed);
	wr(&x, 16 * 65 + 12, 0, 4, &changed);
	CHECK(!msix_vector(&x.t, 65, &addr, &data));	/* MSI-X off */
	CHECK_EQ(addr, 0xfee00000);
	CHECK_EQ(data, 0x31);
	CHECK(msix_set_control(&x.t, PCI_MSIX_FLAGS_ENABLE |
			       PCI_MSIX_FLAGS_MASKALL));
	CHECK(!msix_set_control(&x.t, PCI_MSIX_FLAGS_ENABLE |
				PCI_MSIX_FLAGS_MASKALL | 0x7ff));
	CHECK(!msix_vector(&x.t, 65, NULL, NULL));	/* function mask */
	CHECK(msix_set_control(&x.t, PCI_MSIX_FLAGS_ENABLE));
	CHECK(msix_vector(&x.t, 65, NULL, NULL));
	CHECK(!msix_vector(&x.t, 64, NULL, NULL));	/* entry masked */
	CHECK(!msix_vector(&x.t, 70, NULL, NULL));
	msix_set_pending(&x.t, 65);
	msix_set_pending(&x.t, 70);			/* ignored */
	msix_set_pending(&x.t, ~0u);
	CHECK_EQ(msix_pba_read(&x.t, 8, pba, 8), 0);
	CHECK_EQ(le_get(pba, 8), 2);
	CHECK_EQ(msix_pba_read(&x.t, 16, pba, 4), -EINVAL);
	CHECK(msix_take_pending(&x.t, 65));
	CHECK(!msix_take_pending(&x.t, 65));
	CHECK(!msix_take_pending(&x.t, 70));
}

TEST(msix_cap_in_emulated_config)
{
	struct pci_cfg cfg;
	int pos;

	pci_cfg_init(&cfg, 0x1af4, 0x1041, 0x020000, 1);
	CHECK_EQ(msix_add_cap(&cfg, 0, 0, 0, 0), -EINVAL);
	CHECK_EQ(msix_add_cap(&cfg, 3, 6, 0, 0), -EINVAL);
	CHECK_EQ(msix_add_cap(&cfg, 3, 0, 4, 0), -EINVAL);
	pos = msix_add_cap(&cfg, 3, 2, 0x1000, 0x1800);
	REQUIRE(pos >= 0x40);
	CHECK_EQ(pci_cfg_read(&cfg, pos, 1), PCI_CAP_ID_MSIX);
	CHECK_EQ(pci_cfg_read(&cfg, pos + PCI_MSIX_FLAGS, 2), 2);
	CHECK_EQ(pci_cfg_read(&cfg, pos + PCI_MSIX_TABLE, 4), 0x1002);
	CHECK_EQ(pci_cfg_read(&cfg, pos + PCI_MSIX_PBA, 4), 0x1802);
	/* Only enable and function mask are the guest's to write. */
	pci_cfg_write(&cfg, pos + PCI_MSIX_FLAGS, 0xffff, 2);
	CHECK_EQ(pci_cfg_read(&cfg, pos + PCI_MSIX_FLAGS, 2),
		 PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 2);
	pci_cfg_write(&cfg, pos + PCI_MSIX_TABLE, 0, 4);
	CHECK_EQ(pci_cfg_read(&cfg, pos + PCI_MSIX_TABLE, 4), 0x1002);
}
