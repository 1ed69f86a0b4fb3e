// SPDX-License-Identifier: GPL-2.0
/* The modern virtio-pci transport (devices/virtio_pci.c). */
#include "tests/unit/fake_virtio_pci.h"
#include "tests/unit/test.h"

#define F_VERSION_1	(1ULL << VIRTIO_F_VERSION_1)
#define F_MULTIPORT	(1ULL << VIRTIO_CONSOLE_F_MULTIPORT)
#define F_ALL		(F_VERSION_1 | F_MULTIPORT |			\
			 (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |	\
			 (1ULL << VIRTIO_RING_F_EVENT_IDX))

/* The offset of the vendor capability of @type, 0 if there is none. */
static uint32_t find_cap(struct fvp *f, uint8_t type)
{
	uint32_t pos = fvp_cfg_r(f, PCI_CAPABILITY_LIST, 1);

	for (int n = 0; pos && n < 48; n++) {
		if (fvp_cfg_r(f, pos, 1) == PCI_CAP_ID_VNDR &&
		    fvp_cfg_r(f, pos + VIRTIO_PCI_CAP_CFG_TYPE, 1) == type)
			return pos;
		pos = fvp_cfg_r(f, pos + PCI_CAP_LIST_NEXT, 1);
	}
	return 0;
}

static uint32_t find_msix(struct fvp *f)
{
	uint32_t pos = fvp_cfg_r(f, PCI_CAPABILITY_LIST, 1);

	for (int n = 0; pos && n < 48; n++) {
		if (fvp_cfg_r(f, pos, 1) == PCI_CAP_ID_MSIX)
			return pos;
		pos = fvp_cfg_r(f, pos + PCI_CAP_LIST_NEXT, 1);
	}
	return 0;
}

TEST(virtio_pci_config_space)
{
	static const struct {
		uint8_t type;
		uint32_t off, len;
	} caps[] = {
		{ VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFF, 0x38 },
		{ VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFF, 4 },
		{ VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_OFF, 12 },
		{ VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFF, 16 },
	};
	struct fvp f;
	uint32_t pos;

	fvp_init(&f);
	CHECK_EQ(fvp_cfg_r(&f, PCI_VENDOR_ID, 2), 0x1af4);
	CHECK_EQ(fvp_cfg_r(&f, PCI_DEVICE_ID, 2), 0x1043);
	CHECK_EQ(fvp_cfg_r(&f, PCI_CLASS_REVISION, 4), 0x07800001);
	CHECK_EQ(fvp_cfg_r(&f, PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	CHECK(fvp_cfg_r(&f, PCI_SUBSYSTEM_ID, 2) >= 0x40);
	CHECK_EQ(fvp_cfg_r(&f, PCI_INTERRUPT_PIN, 1), 1);
	CHECK_EQ(fvp_cfg_r(&f, PCI_INTERRUPT_LINE, 1), FVP_GSI);
	CHECK(fvp_cfg_r(&f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (unsigned int i = 0; i < ARRAY_SIZE(caps); i++) {
		pos = find_cap(&f, caps[i].type);
		REQUIRE(pos);
		CHECK_EQ(fvp_cfg_r(&f, pos + VIRTIO_PCI_CAP_BAR, 1), 0);
		CHECK_EQ(fvp_cfg_r(&f, pos + VIRTIO_PCI_CAP_OFFSET, 4),
			 caps[i].off);
		CHECK_EQ(fvp_cfg_r(&f, pos + VIRTIO_PCI_CAP_LENGTH, 4),
			 caps[i].len);
	}
	pos = find_cap(&f, VIRTIO_PCI_CAP_NOTIFY_CFG);
	CHECK_EQ(fvp_cfg_r(&f, pos + VIRTIO_PCI_NOTIFY_CAP_MULT, 4), 4);
	CHECK(find_cap(&f, VIRTIO_PCI_CAP_PCI_CFG));
	/* MSI-X: a vector for config changes and one per queue, in BAR0. */
	pos = find_msix(&f);
	CHECK_EQ(pos, 0x98);	/* tests/fuzz/mkseeds.py's VP_MSIX_CAP */
	REQUIRE(pos);
	CHECK_EQ(fvp_cfg_r(&f, pos + PCI_MSIX_FLAGS, 2), 4);
	CHECK_EQ(fvp_cfg_r(&f, pos + PCI_MSIX_TABLE, 4), 0x4000);
	CHECK_EQ(fvp_cfg_r(&f, pos + PCI_MSIX_PBA, 4), 0x6000);
	fvp_free(&f);
}

TEST(virtio_pci_bar_sizing_and_moves)
{
	struct fvp f;

	fvp_init(&f);
	CHECK_EQ(fvp_r(&f, COMMON(NUMQ), 2), 4);
	/* Sizing: decoding stays off while the BAR reads all-ones. */
	fvp_cfg_w(&f, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	CHECK_EQ(fvp_cfg_r(&f, PCI_BASE_ADDRESS_0, 4), 0xffff8000);
	CHECK(!bus_find(&f.mmio, FVP_BAR_GPA, 4));
	CHECK(!bus_find(&f.mmio, 0xffff8000, 4));
	fvp_cfg_w(&f, PCI_BASE_ADDRESS_0, FVP_BAR_GPA, 4);
	CHECK_EQ(fvp_r(&f, COMMON(NUMQ), 2), 4);
	/* A move. */
	fvp_cfg_w(&f, PCI_BASE_ADDRESS_0, FVP_BAR_GPA + 0x10000, 4);
	CHECK(!bus_find(&f.mmio, FVP_BAR_GPA, 4));
	CHECK(bus_find(&f.mmio, FVP_BAR_GPA + 0x10000 + 0x7fff, 1));
	CHECK(!bus_find(&f.mmio, FVP_BAR_GPA + 0x10000 + 0x8000, 1));
	/* Decoding off. */
	fvp_cfg_w(&f, PCI_COMMAND, 0, 2);
	CHECK_EQ(f.mmio.nr, 0);
	fvp_cfg_w(&f, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	CHECK_EQ(f.mmio.nr, 1);
	/* A BAR on top of another device stays off the bus. */
	fvp_cfg_w(&f, PCI_COMMAND, 0, 2);
	CHECK_EQ(bus_register(&f.mmio, FVP_BAR_GPA, 0x1000, &virtio_pci_bar_ops,
			      &f.vp, "other"), 0);
	fvp_cfg_w(&f, PCI_BASE_ADDRESS_0, FVP_BAR_GPA, 4);
	fvp_cfg_w(&f, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	CHECK_EQ(f.mmio.nr, 1);
	CHECK_EQ(f.vp.mapped_gpa, VIRTIO_PCI_UNMAPPED);
	bus_unregister(&f.mmio, FVP_BAR_GPA);
	fvp_free(&f);
}

TEST(virtio_pci_features_ok_refusal)
{
	struct fvp f;

	fvp_init(&f);
	CHECK_EQ(fvp_features(&f), F_ALL);
	/* A bit that is not offered. */
	CHECK(!(fvp_negotiate(&f, F_VERSION_1 | (1ULL << 5)) &
		VIRTIO_CONFIG_S_FEATURES_OK));
	/* No VERSION_1: this device is not transitional. */
	CHECK(!(fvp_negotiate(&f, F_MULTIPORT) & VIRTIO_CONFIG_S_FEATURES_OK));
	/* A bit in the third word. */
	fvp_negotiate(&f, 0);
	fvp_w(&f, COMMON(STATUS), 0, 1);
	fvp_w(&f, COMMON(GFSELECT), 0, 4);
	fvp_w(&f, COMMON(GF), 0, 4);
	fvp_w(&f, COMMON(GFSELECT), 1, 4);
	fvp_w(&f, COMMON(GF), 1, 4);
	fvp_w(&f, COMMON(GFSELECT), 2, 4);
	fvp_w(&f, COMMON(GF), 1, 4);
	CHECK_EQ(f.con.vdev.driver_features, F_VERSION_1);
	/* Accepted; then the features are frozen. */
	CHECK(fvp_negotiate(&f, F_VERSION_1 | F_MULTIPORT) &
	      VIRTIO_CONFIG_S_FEATURES_OK);
	fvp_w(&f, COMMON(GFSELECT), 0, 4);
	fvp_w(&f, COMMON(GF), 0, 4);
	CHECK_EQ(f.con.vdev.driver_features, F_VERSION_1 | F_MULTIPORT);
	CHECK_EQ(fvp_r(&f, COMMON(GF), 4), F_MULTIPORT);
	fvp_free(&f);
}

TEST(virtio_pci_status_rules)
{
	struct fvp f;

	fvp_init(&f);
	/* DRIVER_OK before FEATURES_OK is ignored. */
	fvp_w(&f, COMMON(STATUS), VIRTIO_CONFIG_S_ACKNOWLEDGE |
	      VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK, 1);
	CHECK_EQ(fvp_status(&f), VIRTIO_CONFIG_S_ACKNOWLEDGE |
		 VIRTIO_CONFIG_S_DRIVER);
	/* Clearing a bit without a reset is ignored. */
	fvp_w(&f, COMMON(STATUS), VIRTIO_CONFIG_S_ACKNOWLEDGE, 1);
	CHECK_EQ(fvp_status(&f), VIRTIO_CONFIG_S_ACKNOWLEDGE |
		 VIRTIO_CONFIG_S_DRIVER);
	/* The driver cannot set NEEDS_RESET. */
	fvp_w(&f, COMMON(STATUS), VIRTIO_CONFIG_S_ACKNOWLEDGE |
	      VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_NEEDS_RESET, 1);
	CHECK(!(fvp_status(&f) & VIRTIO_CONFIG_S_NEEDS_RESET));
	CHECK_EQ(fvp_driver_up(&f, F_ALL), FVP_DRIVER_OK);
	/* Read-only registers and bad widths. */
	CHECK_EQ(fvp_w(&f, COMMON(NUMQ), 9, 2), -EINVAL);
	CHECK_EQ(fvp_w(&f, COMMON(STATUS), 0, 2), -EINVAL);
	CHECK_EQ(fvp_w(&f, COMMON(DF), 0, 4), -EINVAL);
	CHECK_EQ(fvp_w(&f, COMMON(Q_SELECT) + 1, 0, 1), -EINVAL);
	CHECK_EQ(fvp_r(&f, COMMON(NUMQ), 2), 4);
	CHECK_EQ(fvp_status(&f), FVP_DRIVER_OK);
	fvp_free(&f);
}

TEST(virtio_pci_queue_rules)
{
	struct fvp f;

	fvp_init(&f);
	fvp_negotiate(&f, F_ALL);
	fvp_w(&f, COMMON(Q_SELECT), 0, 2);
	CHECK_EQ(fvp_r(&f, COMMON(Q_SIZE), 2), VIRTIO_CONSOLE_QUEUE_SIZE);
	CHECK_EQ(fvp_r(&f, COMMON(Q_NOFF), 2), 0);
	CHECK_EQ(fvp_r(&f, COMMON(Q_MSIX), 2), 0xffff);
	/* Bad sizes are refused. */
	fvp_w(&f, COMMON(Q_SIZE), 0, 2);
	fvp_w(&f, COMMON(Q_SIZE), 24, 2);
	fvp_w(&f, COMMON(Q_SIZE), 128, 2);
	CHECK_EQ(fvp_r(&f, COMMON(Q_SIZE), 2), VIRTIO_CONSOLE_QUEUE_SIZE);
	fvp_w(&f, COMMON(Q_SIZE), 16, 2);
	CHECK_EQ(fvp_r(&f, COMMON(Q_SIZE), 2), 16);
	fvp_w(&f, COMMON(Q_SIZE), VIRTIO_CONSOLE_QUEUE_SIZE, 2);
	/* A queue that does not exist. */
	fvp_w(&f, COMMON(Q_SELECT), 4, 2);
	CHECK_EQ(fvp_r(&f, COMMON(Q_SIZE), 2), 0);
	fvp_w(&f, COMMON(Q_ENABLE), 1, 2);
	CHECK_EQ(fvp_r(&f, COMMON(Q_ENABLE), 2), 0);
	/* 64-bit addresses, in halves or whole. */
	fvp_w(&f, COMMON(Q_SELECT), 1, 2);
	fvp_w(&f, COMMON(Q_DESCLO), 0x12345000, 4);
	fvp_w(&f, COMMON(Q_DESCHI), 0x1, 4);
	CHECK_EQ(fvp_r(&f, COMMON(Q_DESCLO), 8), 0x112345000ULL);
	fvp_w(&f, COMMON(Q_USEDLO), 0xabcd000, 8);
	CHECK_EQ(fvp_r(&f, COMMON(Q_USEDLO), 4), 0xabcd000);
	CHECK_EQ(fvp_r(&f, COMMON(Q_USEDHI), 4), 0);
	for (unsigned int q = 0; q < 4; q++)
		fvp_setup_queue(&f, q);
	fvp_w(&f, COMMON(STATUS), FVP_DRIVER_OK, 1);
	CHECK_EQ(fvp_status(&f), FVP_DRIVER_OK);
	/* After DRIVER_OK: no size or address changes. */
	fvp_w(&f, COMMON(Q_SELECT), 2, 2);
	fvp_w(&f, COMMON(Q_SIZE), 16, 2);
	CHECK_EQ(fvp_r(&f, COMMON(Q_SIZE), 2), VIRTIO_CONSOLE_QUEUE_SIZE);
	CHECK_EQ(f.con.vqs[2].size, VIRTIO_CONSOLE_QUEUE_SIZE);
	fvp_w(&f, COMMON(Q_DESCLO), 0x5000, 4);
	CHECK_EQ(f.con.vqs[2].desc_gpa, f.r[2].desc_gpa);
	CHECK_EQ(fvp_r(&f, COMMON(Q_ENABLE), 2), 1);
	fvp_free(&f);
}

TEST(virtio_pci_queue_enable_checks)
{
	struct fvp f;

	/* Before FEATURES_OK: ignored. */
	fvp_init(&f);
	fvp_w(&f, COMMON(STATUS), VIRTIO_CONFIG_S_ACKNOWLEDGE |
	      VIRTIO_CONFIG_S_DRIVER, 1);
	fvp_setup_queue(&f, 0);
	CHECK(!f.con.vqs[0].enabled);
	fvp_free(&f);

	/* Rings outside RAM: the device needs a reset. */
	fvp_init(&f);
	fvp_negotiate(&f, F_ALL);
	fvp_w(&f, COMMON(Q_SELECT), 0, 2);
	fvp_w(&f, COMMON(Q_DESCLO), FAKE_RAM_SIZE - 0x100, 8);
	fvp_w(&f, COMMON(Q_AVAILLO), f.r[0].avail_gpa, 8);
	fvp_w(&f, COMMON(Q_USEDLO), f.r[0].used_gpa, 8);
	fvp_w(&f, COMMON(Q_ENABLE), 1, 2);
	CHECK(!f.con.vqs[0].enabled);
	CHECK(fvp_status(&f) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* Not running: no interrupt for it yet. */
	CHECK_EQ(f.level, 0);
	/* A reset recovers. */
	CHECK_EQ(fvp_driver_up(&f, F_ALL), FVP_DRIVER_OK);
	fvp_free(&f);
}

/* Up, with a used buffer on queue 2 and the interrupt raised for it. */
static bool queue_interrupt(struct fvp *f)
{
	fvp_init(f);
	if (fvp_driver_up(f, F_ALL) != FVP_DRIVER_OK)
		return false;
	fvp_fill(f, VCON_Q_CTRL_RX, 4);
	fvp_send_ctrl(f, VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY,
		      1);
	return f->level == 1;
}

TEST(virtio_pci_reset)
{
	struct fvp f;

	REQUIRE(queue_interrupt(&f));
	fvp_w(&f, COMMON(Q_SELECT), 3, 2);
	fvp_w(&f, COMMON(STATUS), 0, 1);
	CHECK_EQ(fvp_status(&f), 0);
	CHECK_EQ(f.level, 0);
	CHECK_EQ(f.con.vdev.driver_features, 0);
	CHECK_EQ(fvp_r(&f, COMMON(Q_SELECT), 2), 0);
	for (unsigned int q = 0; q < 4; q++) {
		CHECK(!f.con.vqs[q].enabled);
		CHECK_EQ(f.con.vqs[q].size, VIRTIO_CONSOLE_QUEUE_SIZE);
		CHECK_EQ(f.con.vqs[q].desc_gpa, 0);
	}
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_ISR_OFF, 1), 0);
	CHECK(!f.con.port_added);
	fvp_free(&f);
}

TEST(virtio_pci_isr_and_intx)
{
	struct fvp f;

	REQUIRE(queue_interrupt(&f));
	CHECK(fvp_cfg_r(&f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* INTx disabled: the line drops, the status bit stays. */
	fvp_cfg_w(&f, PCI_COMMAND, PCI_COMMAND_MEMORY |
		  PCI_COMMAND_INTX_DISABLE, 2);
	CHECK_EQ(f.level, 0);
	CHECK(fvp_cfg_r(&f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	fvp_cfg_w(&f, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	CHECK_EQ(f.level, 1);
	/* Reading the ISR returns and clears it and lowers the line. */
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_ISR_OFF, 1), VIRTIO_PCI_ISR_QUEUE);
	CHECK_EQ(f.level, 0);
	CHECK(!(fvp_cfg_r(&f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT));
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_ISR_OFF, 1), 0);
	CHECK_EQ(f.level_changes, 4);
	fvp_free(&f);
}

TEST(virtio_pci_cfg_window)
{
	struct fvp f;
	uint32_t cap;

	fvp_init(&f);
	cap = find_cap(&f, VIRTIO_PCI_CAP_PCI_CFG);
	REQUIRE(cap);
	fvp_cfg_w(&f, cap + VIRTIO_PCI_CAP_BAR, 0, 1);
	fvp_cfg_w(&f, cap + VIRTIO_PCI_CAP_OFFSET, COMMON(NUMQ), 4);
	fvp_cfg_w(&f, cap + VIRTIO_PCI_CAP_LENGTH, 2, 4);
	CHECK_EQ(fvp_cfg_r(&f, cap + 16, 4) & 0xffff, 4);
	/* A write through it. */
	fvp_cfg_w(&f, cap + VIRTIO_PCI_CAP_OFFSET, COMMON(STATUS), 4);
	fvp_cfg_w(&f, cap + VIRTIO_PCI_CAP_LENGTH, 1, 4);
	fvp_cfg_w(&f, cap + 16, VIRTIO_CONFIG_S_ACKNOWLEDGE, 4);
	CHECK_EQ(fvp_status(&f), VIRTIO_CONFIG_S_ACKNOWLEDGE);
	/* Bad windows do nothing. */
	fvp_cfg_w(&f, cap + VIRTIO_PCI_CAP_LENGTH, 3, 4);
	fvp_cfg_w(&f, cap + 16, 0, 4);
	fvp_cfg_w(&f, cap + VIRTIO_PCI_CAP_LENGTH, 4, 4);
	fvp_cfg_w(&f, cap + VIRTIO_PCI_CAP_OFFSET, 0xfffffffc, 4);
	fvp_cfg_w(&f, cap + 16, 0, 4);
	fvp_cfg_w(&f, cap + VIRTIO_PCI_CAP_BAR, 1, 1);
	fvp_cfg_w(&f, cap + VIRTIO_PCI_CAP_OFFSET, COMMON(STATUS), 4);
	fvp_cfg_w(&f, cap + 16, 0, 4);
	CHECK_EQ(fvp_status(&f), VIRTIO_CONFIG_S_ACKNOWLEDGE);
	fvp_free(&f);
}

/* MSI-X table entry @v's dword @dw (0 addr lo, 1 addr hi, 2 data, 3 ctrl). */
#define MSIX_ENTRY(v, dw)	(VIRTIO_PCI_MSIX_TABLE_OFF + 16 * (v) + 4 * (dw))

static void msix_program(struct fvp *f, unsigned int v, uint32_t data)
{
	fvp_w(f, MSIX_ENTRY(v, 0), 0xfee00000 + 0x1000 * v, 4);
	fvp_w(f, MSIX_ENTRY(v, 1), 0, 4);
	fvp_w(f, MSIX_ENTRY(v, 2), data, 4);
	fvp_w(f, MSIX_ENTRY(v, 3), 0, 4);
}

TEST(virtio_pci_msix_vectors)
{
	uint32_t cap;
	struct fvp f;

	fvp_init(&f);
	cap = find_msix(&f);
	REQUIRE(cap);
	/* Every entry starts masked; the PBA is clear. */
	for (unsigned int v = 0; v < 5; v++)
		CHECK_EQ(fvp_r(&f, MSIX_ENTRY(v, 3), 4), 1);
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_MSIX_PBA_OFF, 8), 0);
	msix_program(&f, 0, 0x41);
	msix_program(&f, 1, 0x42);
	CHECK_EQ(fvp_r(&f, MSIX_ENTRY(1, 0), 8), 0xfee01000);
	CHECK_EQ(fvp_r(&f, MSIX_ENTRY(1, 2), 4), 0x42);
	fvp_cfg_w(&f, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	REQUIRE(fvp_driver_up(&f, F_ALL) == FVP_DRIVER_OK);
	/* The driver's vectors read back; one past the table reads none. */
	CHECK_EQ(fvp_r(&f, COMMON(MSIX), 2), VIRTIO_PCI_NO_VECTOR);
	fvp_w(&f, COMMON(MSIX), 0, 2);
	CHECK_EQ(fvp_r(&f, COMMON(MSIX), 2), 0);
	fvp_w(&f, COMMON(Q_SELECT), VCON_Q_CTRL_RX, 2);
	fvp_w(&f, COMMON(Q_MSIX), 5, 2);
	CHECK_EQ(fvp_r(&f, COMMON(Q_MSIX), 2), VIRTIO_PCI_NO_VECTOR);
	fvp_w(&f, COMMON(Q_MSIX), 1, 2);
	CHECK_EQ(fvp_r(&f, COMMON(Q_MSIX), 2), 1);
	fvp_w(&f, COMMON(Q_SELECT), 9, 2);
	CHECK_EQ(fvp_r(&f, COMMON(Q_MSIX), 2), VIRTIO_PCI_NO_VECTOR);
	/* A used buffer on the control receiveq: its vector, no INTx. */
	fvp_fill(&f, VCON_Q_CTRL_RX, 4);
	fvp_send_ctrl(&f, VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY,
		      1);
	CHECK_EQ(f.msis, 1);
	CHECK_EQ(f.msi_vector, 1);
	CHECK_EQ(f.msi_addr, 0xfee01000);
	CHECK_EQ(f.msi_data, 0x42);
	CHECK_EQ(f.level, 0);
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_ISR_OFF, 1), 0);
	/* A config change goes to vector 0. */
	f.con.vdev.interrupt(&f.con.vdev, VIRTIO_INTR_CONFIG);
	CHECK_EQ(f.msis, 2);
	CHECK_EQ(f.msi_vector, 0);
	CHECK_EQ(f.msi_data, 0x41);
	/* A queue without a vector: nothing at all. */
	f.con.vdev.interrupt(&f.con.vdev, VCON_Q_RX);
	CHECK_EQ(f.msis, 2);
	CHECK_EQ(f.level, 0);
	/* A reset takes the driver's vectors back. */
	fvp_w(&f, COMMON(STATUS), 0, 1);
	CHECK_EQ(fvp_r(&f, COMMON(MSIX), 2), VIRTIO_PCI_NO_VECTOR);
	fvp_w(&f, COMMON(Q_SELECT), VCON_Q_CTRL_RX, 2);
	CHECK_EQ(fvp_r(&f, COMMON(Q_MSIX), 2), VIRTIO_PCI_NO_VECTOR);
	fvp_free(&f);
}

TEST(virtio_pci_msix_masks_and_pending)
{
	uint32_t cap;
	struct fvp f;

	fvp_init(&f);
	cap = find_msix(&f);
	REQUIRE(cap);
	msix_program(&f, 2, 0x43);
	fvp_cfg_w(&f, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	REQUIRE(fvp_driver_up(&f, F_ALL) == FVP_DRIVER_OK);
	fvp_w(&f, COMMON(Q_SELECT), VCON_Q_TX, 2);
	fvp_w(&f, COMMON(Q_MSIX), 2, 2);
	/* The entry masked: pending, then sent when unmasked. */
	fvp_w(&f, MSIX_ENTRY(2, 3), 1, 4);
	f.con.vdev.interrupt(&f.con.vdev, VCON_Q_TX);
	CHECK_EQ(f.msis, 0);
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_MSIX_PBA_OFF, 4), 1 << 2);
	fvp_w(&f, MSIX_ENTRY(2, 3), 0, 4);
	CHECK_EQ(f.msis, 1);
	CHECK_EQ(f.msi_data, 0x43);
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_MSIX_PBA_OFF, 4), 0);
	/* The function masked: the same. */
	fvp_cfg_w(&f, cap + PCI_MSIX_FLAGS,
		  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
	f.con.vdev.interrupt(&f.con.vdev, VCON_Q_TX);
	f.con.vdev.interrupt(&f.con.vdev, VCON_Q_TX);
	CHECK_EQ(f.msis, 1);
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_MSIX_PBA_OFF, 4), 1 << 2);
	fvp_cfg_w(&f, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	CHECK_EQ(f.msis, 2);
	/* Bad table accesses change nothing; the PBA is read-only. */
	fvp_w(&f, MSIX_ENTRY(2, 2) + 1, 0x99, 1);
	fvp_w(&f, MSIX_ENTRY(2, 2), 0x99, 2);
	fvp_w(&f, VIRTIO_PCI_MSIX_PBA_OFF, ~0u, 4);
	CHECK_EQ(fvp_r(&f, MSIX_ENTRY(2, 2), 4), 0x43);
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_MSIX_PBA_OFF, 4), 0);
	CHECK_EQ(fvp_r(&f, MSIX_ENTRY(5, 0), 4), 0);	/* past the table */
	/* MSI-X off again: back to the ISR and INTx. */
	fvp_cfg_w(&f, cap + PCI_MSIX_FLAGS, 0, 2);
	f.con.vdev.interrupt(&f.con.vdev, VCON_Q_TX);
	CHECK_EQ(f.msis, 2);
	CHECK_EQ(f.level, 1);
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_ISR_OFF, 1), VIRTIO_PCI_ISR_QUEUE);
	CHECK_EQ(f.level, 0);
	/* INTx goes quiet the moment MSI-X comes on. */
	f.con.vdev.interrupt(&f.con.vdev, VCON_Q_TX);
	CHECK_EQ(f.level, 1);
	fvp_cfg_w(&f, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	CHECK_EQ(f.level, 0);
	fvp_free(&f);
}

TEST(virtio_pci_notify_addr)
{
	struct fvp f;

	fvp_init(&f);
	CHECK_EQ(virtio_pci_notify_addr(&f.vp, 0),
		 FVP_BAR_GPA + VIRTIO_PCI_NOTIFY_OFF);
	CHECK_EQ(virtio_pci_notify_addr(&f.vp, 3),
		 FVP_BAR_GPA + VIRTIO_PCI_NOTIFY_OFF + 12);
	CHECK_EQ(virtio_pci_notify_addr(&f.vp, 4), VIRTIO_PCI_UNMAPPED);
	fvp_cfg_w(&f, PCI_COMMAND, 0, 2);
	CHECK_EQ(virtio_pci_notify_addr(&f.vp, 0), VIRTIO_PCI_UNMAPPED);
	fvp_free(&f);
}
