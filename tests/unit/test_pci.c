// SPDX-License-Identifier: GPL-2.0
/*
 * PCI bus 0 through configuration mechanism #1 and ECAM, as a guest reaches
 * them through the port I/O and MMIO buses; the host bridge; the emulated
 * configuration space helper.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/pci.h"
#include "tests/unit/test.h"

#define ECAM_BASE	0xb0000000ULL
#define ECAM_LEN	(1ULL << 20)	/* bus 0 only */
#define ECAM_LEN_ALL	(256ULL << 20)

#define CONF1_EN	0x80000000u
#define CONF1(bus, dev, fn, reg)					\
	(CONF1_EN | (bus) << 16 | (dev) << 11 | (fn) << 8 | ((reg) & 0xfc) | \
	 ((reg) & 0xf00) << 16)

struct fixture {
	struct bus pio;
	struct bus mmio;
	struct pci_bus pci;
	struct pci_host_bridge hb;
};

static void setup(struct fixture *f, uint64_t ecam_len)
{
	memset(f, 0, sizeof(*f));
	bus_init(&f->pio, "pio");
	bus_init(&f->mmio, "mmio");
	pci_bus_init(&f->pci);
	pci_host_bridge_init(&f->hb);
	pci_bus_add(&f->pci, &f->hb.dev, 0);
	bus_register(&f->pio, PCI_CONF1_PORT, PCI_CONF1_LEN, &pci_conf1_ops,
		     &f->pci, "pci-conf1");
	bus_register(&f->mmio, ECAM_BASE, ecam_len, &pci_ecam_ops, &f->pci,
		     "pci-ecam");
}

static uint64_t pio_in(struct fixture *f, uint16_t port, uint32_t len)
{
	uint8_t buf[8];

	bus_access(&f->pio, port, buf, len, false);
	return le_get(buf, len);
}

static int pio_out(struct fixture *f, uint16_t port, uint32_t len,
		   uint64_t v)
{
	uint8_t buf[8];

	le_put(buf, len, v);
	return bus_access(&f->pio, port, buf, len, true);
}

static uint64_t ecam_rd(struct fixture *f, uint64_t off, uint32_t len)
{
	uint8_t buf[8];

	bus_access(&f->mmio, ECAM_BASE + off, buf, len, false);
	return le_get(buf, len);
}

static int ecam_wr(struct fixture *f, uint64_t off, uint32_t len, uint64_t v)
{
	uint8_t buf[8];

	le_put(buf, len, v);
	return bus_access(&f->mmio, ECAM_BASE + off, buf, len, true);
}

/* conf1: address, then a data access at 0xcfc + (reg & 3). */
static uint32_t conf1_rd(struct fixture *f, uint32_t addr, uint32_t reg,
			 uint32_t len)
{
	pio_out(f, 0xcf8, 4, addr);
	return pio_in(f, 0xcfc + (reg & 3), len);
}

static void conf1_wr(struct fixture *f, uint32_t addr, uint32_t reg,
		     uint32_t len, uint32_t v)
{
	pio_out(f, 0xcf8, 4, addr);
	pio_out(f, 0xcfc + (reg & 3), len, v);
}

/* A device that records the accesses it is given. */
struct rec_dev {
	struct pci_device dev;
	struct pci_cfg cfg;
	unsigned int nr;
	struct { uint32_t off, len; bool write; } log[16];
};

static void rec_log(struct rec_dev *r, uint32_t off, uint32_t len, bool w)
{
	if (r->nr < 16)
		r->log[r->nr] = (typeof(r->log[0])){ off, len, w };
	r->nr++;
}

static uint32_t rec_read(struct pci_device *dev, uint32_t off, uint32_t len)
{
	struct rec_dev *r = dev->opaque;

	rec_log(r, off, len, false);
	return pci_cfg_read(&r->cfg, off, len);
}

static void rec_write(struct pci_device *dev, uint32_t off, uint32_t val,
		      uint32_t len)
{
	struct rec_dev *r = dev->opaque;

	rec_log(r, off, len, true);
	pci_cfg_write(&r->cfg, off, val, len);
}

static const struct pci_device_ops rec_ops = {
	.cfg_read = rec_read, .cfg_write = rec_write,
};

static void rec_init(struct rec_dev *r, uint16_t vendor, uint16_t device)
{
	memset(r, 0, sizeof(*r));
	pci_cfg_init(&r->cfg, vendor, device, 0x020000, 0x01);
	r->dev = (struct pci_device) {
		.ops = &rec_ops, .opaque = r, .name = "rec",
	};
}

TEST(pci_conf1_enable_bit)
{
	struct fixture f;

	setup(&f, ECAM_LEN);
	CHECK_EQ(conf1_rd(&f, CONF1(0, 0, 0, 0), 0, 4), 0x00081b36);
	CHECK_EQ(pio_in(&f, 0xcf8, 4), CONF1_EN);
	/* Enable clear: the data window goes nowhere. */
	CHECK_EQ(conf1_rd(&f, CONF1(0, 0, 0, 0) & ~CONF1_EN, 0, 4),
		 0xffffffffu);
	conf1_wr(&f, CONF1(0, 0, 0, 4) & ~CONF1_EN, 4, 2, 0x0007);
	CHECK_EQ(f.hb.cfg.data[PCI_COMMAND], 0);
	/* Reserved bits 30:28 and 1:0 read as zero. */
	pio_out(&f, 0xcf8, 4, 0xf0000003u);
	CHECK_EQ(pio_in(&f, 0xcf8, 4), CONF1_EN);
}

TEST(pci_conf1_linux_type1_probe)
{
	struct fixture f;

	setup(&f, ECAM_LEN);
	/* pci_check_type1(): a byte to 0xcfb, then the dword round trip. */
	pio_out(&f, 0xcf8, 4, 0x12345678 & 0x8ffffffc);
	CHECK_EQ(pio_out(&f, 0xcfb, 1, 0x01), 0);
	CHECK_EQ(pio_in(&f, 0xcf8, 4), 0x12345678 & 0x8ffffffc);
	pio_out(&f, 0xcf8, 4, CONF1_EN);
	CHECK_EQ(pio_in(&f, 0xcf8, 4), CONF1_EN);
	/* pci_check_type2() must fail: narrow reads of 0xcf8 are all-ones. */
	pio_out(&f, 0xcf8, 1, 0);
	CHECK_EQ(pio_in(&f, 0xcf8, 1), 0xff);
	CHECK_EQ(pio_in(&f, 0xcfa, 2), 0xffff);
	CHECK_EQ(pio_in(&f, 0xcf8, 4), CONF1_EN);
	/* pci_sanity_check(): a host bridge in the class register. */
	CHECK_EQ(conf1_rd(&f, CONF1(0, 0, 0, PCI_CLASS_DEVICE), 2, 2),
		 0x0600);
}

TEST(pci_conf1_byte_and_word_offsets)
{
	struct fixture f;

	setup(&f, ECAM_LEN);
	pio_out(&f, 0xcf8, 4, CONF1(0, 0, 0, 0));
	CHECK_EQ(pio_in(&f, 0xcfc, 1), 0x36);
	CHECK_EQ(pio_in(&f, 0xcfd, 1), 0x1b);
	CHECK_EQ(pio_in(&f, 0xcfe, 1), 0x08);
	CHECK_EQ(pio_in(&f, 0xcff, 1), 0x00);
	CHECK_EQ(pio_in(&f, 0xcfc, 2), 0x1b36);
	CHECK_EQ(pio_in(&f, 0xcfe, 2), 0x0008);
	pio_out(&f, 0xcf8, 4, CONF1(0, 0, 0, PCI_CLASS_REVISION));
	CHECK_EQ(pio_in(&f, 0xcfc, 4), 0x06000000);
	CHECK_EQ(pio_in(&f, 0xcfe, 1), 0x00);
	CHECK_EQ(pio_in(&f, 0xcff, 1), 0x06);
	CHECK_EQ(pio_in(&f, 0xcfe, 2), 0x0600);
	/* A word at 0xcfd stays inside the dword: bytes 1 and 2. */
	pio_out(&f, 0xcf8, 4, CONF1(0, 0, 0, 0));
	CHECK_EQ(pio_in(&f, 0xcfd, 2), 0x081b);
	/* A dword at 0xcfe would leave the window: refused. */
	CHECK_EQ(pio_out(&f, 0xcfe, 4, 0), -ENOENT);
}

TEST(pci_absent_functions_read_all_ones)
{
	struct fixture f;

	setup(&f, ECAM_LEN_ALL);
	CHECK_EQ(conf1_rd(&f, CONF1(0, 1, 0, 0), 0, 4), 0xffffffffu);
	CHECK_EQ(conf1_rd(&f, CONF1(0, 0, 1, 0), 0, 2), 0xffff);
	CHECK_EQ(conf1_rd(&f, CONF1(0, 31, 7, 0), 0, 1), 0xff);
	CHECK_EQ(conf1_rd(&f, CONF1(1, 0, 0, 0), 0, 4), 0xffffffffu);
	CHECK_EQ(conf1_rd(&f, CONF1(255, 0, 0, 0), 0, 4), 0xffffffffu);
	conf1_wr(&f, CONF1(0, 5, 0, 4), 4, 4, 0x7);	/* dropped */
	CHECK_EQ(ecam_rd(&f, PCI_ECAM_OFFSET(0, PCI_DEVFN(1, 0), 0), 4),
		 0xffffffffu);
	CHECK_EQ(ecam_rd(&f, PCI_ECAM_OFFSET(1, 0, 0), 4), 0xffffffffu);
	CHECK_EQ(ecam_rd(&f, PCI_ECAM_OFFSET(255, 0xff, 0xffc), 4),
		 0xffffffffu);
	CHECK_EQ(ecam_wr(&f, PCI_ECAM_OFFSET(1, 0, 4), 4, 7), 0);
	CHECK_EQ(f.hb.cfg.data[PCI_COMMAND], 0);
	/* Past the ECAM window: nothing there, the bus answers. */
	CHECK_EQ(ecam_rd(&f, ECAM_LEN_ALL, 4), 0xffffffffu);
}

TEST(pci_host_bridge_ids_and_class)
{
	struct fixture f;
	struct pci_host_bridge hb;

	setup(&f, ECAM_LEN);
	CHECK_EQ(pci_host_bridge_init(&hb), 0);
	CHECK_EQ(hb.dev.devfn, 0);
	CHECK(hb.dev.ops && hb.dev.name);

	/* Through conf1. */
	CHECK_EQ(conf1_rd(&f, CONF1(0, 0, 0, PCI_VENDOR_ID), 0, 2), 0x1b36);
	CHECK_EQ(conf1_rd(&f, CONF1(0, 0, 0, PCI_DEVICE_ID), 2, 2), 0x0008);
	CHECK_EQ(conf1_rd(&f, CONF1(0, 0, 0, 8), 0, 4) >> 8, 0x060000);
	CHECK_EQ(conf1_rd(&f, CONF1(0, 0, 0, 0xc), 2, 1), 0);	/* header 0 */
	/* Through ECAM. */
	CHECK_EQ(ecam_rd(&f, PCI_VENDOR_ID, 2), 0x1b36);
	CHECK_EQ(ecam_rd(&f, PCI_DEVICE_ID, 2), 0x0008);
	CHECK_EQ(ecam_rd(&f, PCI_CLASS_REVISION, 4), 0x06000000);
	CHECK_EQ(ecam_rd(&f, PCI_CLASS_DEVICE, 2), 0x0600);
	CHECK_EQ(ecam_rd(&f, PCI_HEADER_TYPE, 1), 0);
	/* No capabilities, no BARs, no interrupt pin. */
	CHECK_EQ(ecam_rd(&f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	CHECK_EQ(ecam_rd(&f, PCI_CAPABILITY_LIST, 1), 0);
	for (uint32_t bar = PCI_BASE_ADDRESS_0; bar <= PCI_BASE_ADDRESS_5;
	     bar += 4) {
		CHECK_EQ(ecam_wr(&f, bar, 4, 0xffffffff), 0);
		CHECK_EQ(ecam_rd(&f, bar, 4), 0);
	}
	CHECK_EQ(ecam_rd(&f, PCI_INTERRUPT_PIN, 1), 0);
}

TEST(pci_command_kept_read_only_dropped)
{
	struct fixture f;

	setup(&f, ECAM_LEN);
	conf1_wr(&f, CONF1(0, 0, 0, PCI_COMMAND), 0, 2, 0xffff);
	CHECK_EQ(conf1_rd(&f, CONF1(0, 0, 0, PCI_COMMAND), 0, 2),
		 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	ecam_wr(&f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK_EQ(ecam_rd(&f, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
	/* A dword write to command/status: status is unaffected. */
	ecam_wr(&f, PCI_COMMAND, 4, 0xffff0006);
	CHECK_EQ(ecam_rd(&f, PCI_COMMAND, 4), 0x00000006);

	/* IDs, class and header type ignore writes. */
	conf1_wr(&f, CONF1(0, 0, 0, 0), 0, 4, 0x12345678);
	ecam_wr(&f, PCI_CLASS_REVISION, 4, 0xffffffff);
	ecam_wr(&f, PCI_HEADER_TYPE, 1, 0x80);
	ecam_wr(&f, 0x100, 4, 0xffffffff);
	CHECK_EQ(ecam_rd(&f, 0, 4), 0x00081b36);
	CHECK_EQ(ecam_rd(&f, PCI_CLASS_REVISION, 4), 0x06000000);
	CHECK_EQ(ecam_rd(&f, PCI_HEADER_TYPE, 1), 0);
	CHECK_EQ(ecam_rd(&f, 0x100, 4), 0);
}

TEST(pci_ecam_slot3_function0)
{
	struct fixture f;
	struct rec_dev r;
	uint64_t base = 3 << 15;

	setup(&f, ECAM_LEN);
	rec_init(&r, 0x8086, 0x10d3);
	REQUIRE(pci_bus_add(&f.pci, &r.dev, PCI_DEVFN(3, 0)) == 0);
	CHECK_EQ(r.dev.devfn, 0x18);
	CHECK_EQ(PCI_ECAM_OFFSET(0, PCI_DEVFN(3, 0), 0), base);

	CHECK_EQ(ecam_rd(&f, base, 4), 0x10d38086);
	CHECK_EQ(ecam_rd(&f, base + PCI_CLASS_REVISION, 4), 0x02000001);
	REQUIRE(r.nr == 2);
	CHECK_EQ(r.log[0].off, 0);
	CHECK_EQ(r.log[0].len, 4);
	CHECK_EQ(r.log[1].off, PCI_CLASS_REVISION);
	/* The neighbours are empty. */
	CHECK_EQ(ecam_rd(&f, base + (1 << 12), 4), 0xffffffffu);
	CHECK_EQ(ecam_rd(&f, base - (1 << 15), 4), 0xffffffffu);
	/* conf1 reaches the same function. */
	CHECK_EQ(conf1_rd(&f, CONF1(0, 3, 0, 0), 0, 4), 0x10d38086);
	CHECK_EQ(r.nr, 3);
}

TEST(pci_extended_config_space)
{
	struct fixture f;
	struct rec_dev r;
	uint64_t base = PCI_ECAM_OFFSET(0, PCI_DEVFN(3, 0), 0);

	setup(&f, ECAM_LEN);
	rec_init(&r, 0x1234, 0x5678);
	/* An AER extended capability header at 0x100, a value at 0xffc. */
	pci_cfg_set32(&r.cfg, 0x100, 0x00010001);
	pci_cfg_set32(&r.cfg, 0xffc, 0xcafef00d);
	pci_cfg_set_wmask(&r.cfg, 0x104, 0xff, 4);
	REQUIRE(pci_bus_add(&f.pci, &r.dev, PCI_DEVFN(3, 0)) == 0);

	CHECK_EQ(ecam_rd(&f, base + 0x100, 4), 0x00010001);
	CHECK_EQ(ecam_rd(&f, base + 0x102, 2), 0x0001);
	CHECK_EQ(ecam_rd(&f, base + 0xffc, 4), 0xcafef00d);
	CHECK_EQ(ecam_rd(&f, base + 0xfff, 1), 0xca);
	ecam_wr(&f, base + 0x104, 4, 0xabcd);
	CHECK_EQ(ecam_rd(&f, base + 0x104, 4), 0xcd);
	/* conf1 with AMD's extended register bits 27:24. */
	CHECK_EQ(conf1_rd(&f, CONF1(0, 3, 0, 0x100), 0x100, 4), 0x00010001);
	CHECK_EQ(conf1_rd(&f, CONF1(0, 3, 0, 0xffc), 0xffc, 2), 0xf00d);
	CHECK_EQ(conf1_rd(&f, CONF1(0, 3, 0, 0xffc), 0xfff, 1), 0xca);
	/* Without them, the same low bits name the standard space. */
	CHECK_EQ(conf1_rd(&f, CONF1(0, 3, 0, 0), 0, 4), 0x56781234);
	/* The host bridge has no extended capabilities: zero at 0x100. */
	CHECK_EQ(ecam_rd(&f, 0x100, 4), 0);
}

TEST(pci_ecam_access_sizes)
{
	struct fixture f;
	struct rec_dev r;
	uint64_t base = PCI_ECAM_OFFSET(0, PCI_DEVFN(3, 0), 0);
	uint8_t buf[8];

	setup(&f, ECAM_LEN);
	rec_init(&r, 0x1234, 0x5678);
	pci_cfg_set_wmask(&r.cfg, PCI_BASE_ADDRESS_0, 0xfffff000, 4);
	pci_cfg_set_wmask(&r.cfg, PCI_BASE_ADDRESS_1, 0xffffffff, 4);
	REQUIRE(pci_bus_add(&f.pci, &r.dev, PCI_DEVFN(3, 0)) == 0);

	/* 8 bytes: two dwords, low first. */
	CHECK_EQ(ecam_rd(&f, base + 0, 8), 0x0000000056781234ULL);
	CHECK_EQ(ecam_wr(&f, base + PCI_BASE_ADDRESS_0, 8,
			 0x00000001fee00000ULL), 0);
	CHECK_EQ(ecam_rd(&f, base + PCI_BASE_ADDRESS_0, 4), 0xfee00000);
	CHECK_EQ(ecam_rd(&f, base + PCI_BASE_ADDRESS_1, 4), 1);
	REQUIRE(r.nr >= 4);
	CHECK_EQ(r.log[2].off, PCI_BASE_ADDRESS_0);
	CHECK_EQ(r.log[2].len, 4);
	CHECK(r.log[2].write);
	CHECK_EQ(r.log[3].off, PCI_BASE_ADDRESS_1);

	/* Unaligned inside a dword: byte accesses to the device. */
	r.nr = 0;
	CHECK_EQ(ecam_rd(&f, base + 1, 2), 0x7812);
	REQUIRE(r.nr == 2);
	CHECK_EQ(r.log[0].off, 1);
	CHECK_EQ(r.log[0].len, 1);
	CHECK_EQ(r.log[1].off, 2);
	CHECK_EQ(r.log[1].len, 1);

	/* Crossing a dword, or 8 bytes unaligned: refused, all-ones. */
	r.nr = 0;
	CHECK_EQ(bus_access(&f.mmio, ECAM_BASE + base + 2, buf, 4, false),
		 -EINVAL);
	CHECK_EQ(le_get(buf, 4), 0xffffffffu);
	CHECK_EQ(bus_access(&f.mmio, ECAM_BASE + base + 3, buf, 2, false),
		 -EINVAL);
	CHECK_EQ(bus_access(&f.mmio, ECAM_BASE + base + 4, buf, 8, false),
		 -EINVAL);
	CHECK_EQ(le_get(buf, 8), ~0ULL);
	CHECK_EQ(ecam_wr(&f, base + PCI_BASE_ADDRESS_0 + 2, 4, 0), -EINVAL);
	CHECK_EQ(r.nr, 0);
	CHECK_EQ(ecam_rd(&f, base + PCI_BASE_ADDRESS_0, 4), 0xfee00000);
}

TEST(pci_bus_add_conflicts)
{
	struct pci_bus bus;
	struct rec_dev d[34];
	struct pci_device bad = { .name = "no-ops" };

	pci_bus_init(&bus);
	for (int i = 0; i < 34; i++)
		rec_init(&d[i], 0x1af4, 0x1000 + i);

	CHECK_EQ(pci_bus_add(&bus, &d[0].dev, 0), 0);
	CHECK_EQ(pci_bus_add(&bus, &d[1].dev, 0), -EBUSY);
	CHECK_EQ(pci_bus_add(&bus, &d[0].dev, 8), -EBUSY);	/* twice */
	CHECK_EQ(pci_bus_add(&bus, &d[1].dev, 256), -EINVAL);
	CHECK_EQ(pci_bus_add(&bus, &d[1].dev, -2), -EINVAL);
	CHECK_EQ(pci_bus_add(&bus, &bad, 8), -EINVAL);
	CHECK_EQ(pci_bus_add(&bus, NULL, 8), -EINVAL);
	CHECK(pci_bus_get(&bus, 8) == NULL);
	CHECK(pci_bus_get(&bus, 999) == NULL);

	/* A function in slot 1 makes the slot used: -1 picks slot 2. */
	CHECK_EQ(pci_bus_add(&bus, &d[1].dev, PCI_DEVFN(1, 5)), 0);
	CHECK_EQ(pci_bus_add(&bus, &d[2].dev, -1), 0);
	CHECK_EQ(d[2].dev.devfn, PCI_DEVFN(2, 0));
	CHECK(pci_bus_get(&bus, PCI_DEVFN(2, 0)) == &d[2].dev);
	CHECK_EQ(pci_bus_add(&bus, &d[3].dev, PCI_DEVFN(31, 7)), 0);
	for (int i = 4; i < 33; i++) {
		int ret = pci_bus_add(&bus, &d[i].dev, -1);

		if (i < 32)	/* slots 3..30 */
			CHECK_EQ(ret, 0);
		else
			CHECK_EQ(ret, -ENOSPC);
	}
	CHECK_EQ(d[4].dev.devfn, PCI_DEVFN(3, 0));
	CHECK_EQ(d[31].dev.devfn, PCI_DEVFN(30, 0));
	/* An explicit free function in a used slot still works. */
	CHECK_EQ(pci_bus_add(&bus, &d[33].dev, PCI_DEVFN(2, 1)), 0);
}

TEST(pci_cfg_w1c_semantics)
{
	struct pci_cfg cfg;

	pci_cfg_init(&cfg, 0x1af4, 0x1041, 0x078000, 1);
	/* The device latches errors; the guest clears them by writing one. */
	pci_cfg_set16(&cfg, PCI_STATUS, PCI_STATUS_CAP_LIST |
		      PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_DETECTED_PARITY);
	pci_cfg_write(&cfg, PCI_STATUS, 0, 2);
	CHECK_EQ(pci_cfg_read(&cfg, PCI_STATUS, 2), 0xa010);
	pci_cfg_write(&cfg, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT, 2);
	CHECK_EQ(pci_cfg_read(&cfg, PCI_STATUS, 2), 0x8010);
	/* Writing one to a clear RW1C bit or to a read-only bit: nothing. */
	pci_cfg_write(&cfg, PCI_STATUS, 0x4000 | PCI_STATUS_CAP_LIST, 2);
	CHECK_EQ(pci_cfg_read(&cfg, PCI_STATUS, 2), 0x8010);
	/* A dword write to command/status clears status bits alongside. */
	pci_cfg_set_wmask(&cfg, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	pci_cfg_write(&cfg, PCI_COMMAND, 0xffff0000u | PCI_COMMAND_MEMORY, 4);
	CHECK_EQ(pci_cfg_read(&cfg, PCI_COMMAND, 4), 0x00100002);
	/* A plain writable byte and a mixed one. */
	pci_cfg_set_wmask(&cfg, 0x40, 0xf0, 1);
	pci_cfg_set_w1cmask(&cfg, 0x40, 0x0c, 1);
	pci_cfg_set8(&cfg, 0x40, 0x0f);
	pci_cfg_write(&cfg, 0x40, 0xa4, 1);
	CHECK_EQ(pci_cfg_read(&cfg, 0x40, 1), 0xab);
	/* IDs and class set by init; out of range reads all-ones. */
	CHECK_EQ(pci_cfg_read(&cfg, 0, 4), 0x10411af4);
	CHECK_EQ(pci_cfg_read(&cfg, 8, 4), 0x07800001);
	CHECK_EQ(pci_cfg_read(&cfg, 4095, 2), 0xffff);
	CHECK_EQ(pci_cfg_read(&cfg, 0, 3), 0xffffff);
	pci_cfg_write(&cfg, 4094, 0, 4);	/* ignored, no overflow */
}

TEST(pci_cfg_bar_sizing_by_wmask)
{
	struct pci_cfg cfg;

	pci_cfg_init(&cfg, 0x1af4, 0x1041, 0x020000, 1);
	/* A 16 KiB 64-bit memory BAR. */
	pci_cfg_set32(&cfg, PCI_BASE_ADDRESS_0,
		      PCI_BASE_ADDRESS_MEM_TYPE_64);
	pci_cfg_set_wmask(&cfg, PCI_BASE_ADDRESS_0, ~(16384u - 1), 4);
	pci_cfg_set_wmask(&cfg, PCI_BASE_ADDRESS_1, 0xffffffff, 4);
	pci_cfg_write(&cfg, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	CHECK_EQ(pci_cfg_read(&cfg, PCI_BASE_ADDRESS_0, 4), 0xffffc004);
	pci_cfg_write(&cfg, PCI_BASE_ADDRESS_0, 0xfebf0000, 4);
	CHECK_EQ(pci_cfg_read(&cfg, PCI_BASE_ADDRESS_0, 4), 0xfebf0004);
}

TEST(pci_cfg_capability_list)
{
	struct pci_cfg cfg;
	int a, b;

	pci_cfg_init(&cfg, 0x1af4, 0x1041, 0x020000, 1);
	CHECK_EQ(pci_cfg_read(&cfg, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	a = pci_cfg_add_cap(&cfg, PCI_CAP_ID_VNDR, 14);
	b = pci_cfg_add_cap(&cfg, PCI_CAP_ID_MSIX, 12);
	CHECK_EQ(a, 0x40);
	CHECK_EQ(b, 0x50);
	CHECK(pci_cfg_read(&cfg, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	CHECK_EQ(pci_cfg_read(&cfg, PCI_CAPABILITY_LIST, 1), 0x40);
	CHECK_EQ(pci_cfg_read(&cfg, 0x40, 2), 0x5000 | PCI_CAP_ID_VNDR);
	CHECK_EQ(pci_cfg_read(&cfg, 0x50, 2), PCI_CAP_ID_MSIX);
	CHECK_EQ(pci_cfg_add_cap(&cfg, PCI_CAP_ID_VNDR, 200), -ENOSPC);
	CHECK_EQ(pci_cfg_add_cap(&cfg, PCI_CAP_ID_VNDR, 1), -EINVAL);
	/* The links are read-only to the guest. */
	pci_cfg_write(&cfg, 0x40, 0xffff, 2);
	pci_cfg_write(&cfg, PCI_CAPABILITY_LIST, 0xff, 1);
	CHECK_EQ(pci_cfg_read(&cfg, 0x40, 2), 0x5000 | PCI_CAP_ID_VNDR);
	CHECK_EQ(pci_cfg_read(&cfg, PCI_CAPABILITY_LIST, 1), 0x40);
}
