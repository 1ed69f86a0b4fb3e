// SPDX-License-Identifier: GPL-2.0
/*
 * PCI bus 0: configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2),
 * with AMD's extended register bits, and ECAM (PCIe base spec, 7.2.2).
 * Whatever a guest sends, the worst it gets is all-ones.
 */
#include <errno.h>
#include <string.h>

#include "devices/pci.h"
#include "vmm/log.h"

/* CONFIG_ADDRESS (0xcf8) fields. */
#define CONF1_ENABLE		0x80000000u
#define CONF1_EXT_REG_MASK	0x0f000000u	/* AMD: register bits 11:8 */
#define CONF1_BUS_SHIFT		16
#define CONF1_DEVFN_SHIFT	8
#define CONF1_REG_MASK		0xfcu
/* Bits 30:28 are reserved and bits 1:0 read as zero. */
#define CONF1_ADDR_MASK		0x8ffffffcu

#define CONF1_DATA_OFF		4	/* 0xcfc in the 0xcf8 range */

#define ECAM_REG_MASK		0xfffu
#define ECAM_DEVFN_SHIFT	12

#define PCI_CLASS_HOST_BRIDGE	0x060000	/* bridge, host, prog-if 0 */

/* Status bits a guest clears by writing one (the error bits). */
#define PCI_STATUS_W1C_BITS						\
	(PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |		\
	 PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |	\
	 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

static uint32_t len_mask(uint32_t len)
{
	return len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
}

static bool valid_len(uint32_t len)
{
	return len == 1 || len == 2 || len == 4;
}

/* Emulated configuration space. */

void pci_cfg_init(struct pci_cfg *cfg, uint16_t vendor, uint16_t device,
		  uint32_t class_code, uint8_t revision)
{
	memset(cfg, 0, sizeof(*cfg));
	pci_cfg_set16(cfg, PCI_VENDOR_ID, vendor);
	pci_cfg_set16(cfg, PCI_DEVICE_ID, device);
	pci_cfg_set32(cfg, PCI_CLASS_REVISION, class_code << 8 | revision);
	pci_cfg_set8(cfg, PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL);
	pci_cfg_set_w1cmask(cfg, PCI_STATUS, PCI_STATUS_W1C_BITS, 2);
	cfg->cap_last = 0;
	cfg->cap_free = PCI_STD_HEADER_SIZEOF;
}

static bool cfg_range_ok(uint32_t off, uint32_t len)
{
	return valid_len(len) && off < PCI_CFG_SPACE_EXP_SIZE &&
	       len <= PCI_CFG_SPACE_EXP_SIZE - off;
}

uint32_t pci_cfg_read(const struct pci_cfg *cfg, uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	if (!cfg_range_ok(off, len))
		return len_mask(len);
	for (uint32_t i = 0; i < len; i++)
		v |= (uint32_t)cfg->data[off + i] << (8 * i);
	return v;
}

void pci_cfg_write(struct pci_cfg *cfg, uint32_t off, uint32_t val,
		   uint32_t len)
{
	if (!cfg_range_ok(off, len))
		return;
	for (uint32_t i = 0; i < len; i++) {
		uint32_t o = off + i;
		uint8_t b = val >> (8 * i);

		cfg->data[o] = (cfg->data[o] & ~cfg->wmask[o]) |
			       (b & cfg->wmask[o]);
		cfg->data[o] &= ~(b & cfg->w1cmask[o]);
	}
}

static void cfg_set_bytes(uint8_t *arr, uint32_t off, uint32_t val,
			  uint32_t len, const char *what)
{
	if (!cfg_range_ok(off, len)) {
		pr_err("pci: bad %s of %u bytes at 0x%x", what, len, off);
		return;
	}
	for (uint32_t i = 0; i < len; i++)
		arr[off + i] = val >> (8 * i);
}

void pci_cfg_set(struct pci_cfg *cfg, uint32_t off, uint32_t val,
		 uint32_t len)
{
	cfg_set_bytes(cfg->data, off, val, len, "config value");
}

void pci_cfg_set_wmask(struct pci_cfg *cfg, uint32_t off, uint32_t mask,
		       uint32_t len)
{
	cfg_set_bytes(cfg->wmask, off, mask, len, "writable mask");
}

void pci_cfg_set_w1cmask(struct pci_cfg *cfg, uint32_t off, uint32_t mask,
			 uint32_t len)
{
	cfg_set_bytes(cfg->w1cmask, off, mask, len, "w1c mask");
}

int pci_cfg_add_cap(struct pci_cfg *cfg, uint8_t id, uint32_t len)
{
	uint32_t off = (cfg->cap_free + 3) & ~3u;

	if (len < 2)
		return -EINVAL;
	if (off < PCI_STD_HEADER_SIZEOF || off >= PCI_CFG_SPACE_SIZE ||
	    len > PCI_CFG_SPACE_SIZE - off)
		return -ENOSPC;
	memset(&cfg->data[off], 0, len);
	memset(&cfg->wmask[off], 0, len);
	memset(&cfg->w1cmask[off], 0, len);
	pci_cfg_set8(cfg, off + PCI_CAP_LIST_ID, id);
	pci_cfg_set8(cfg, off + PCI_CAP_LIST_NEXT, 0);
	if (cfg->cap_last)
		pci_cfg_set8(cfg, cfg->cap_last + PCI_CAP_LIST_NEXT, off);
	else
		pci_cfg_set8(cfg, PCI_CAPABILITY_LIST, off);
	cfg->data[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	cfg->cap_last = off;
	cfg->cap_free = off + len;
	return off;
}

static uint32_t pci_cfg_dev_read(struct pci_device *dev, uint32_t off,
				 uint32_t len)
{
	return pci_cfg_read(dev->opaque, off, len);
}

static void pci_cfg_dev_write(struct pci_device *dev, uint32_t off,
			      uint32_t val, uint32_t len)
{
	pci_cfg_write(dev->opaque, off, val, len);
}

const struct pci_device_ops pci_cfg_dev_ops = {
	.cfg_read = pci_cfg_dev_read,
	.cfg_write = pci_cfg_dev_write,
};

/* The bus. */

void pci_bus_init(struct pci_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

static bool slot_free(const struct pci_bus *bus, unsigned int slot)
{
	for (unsigned int fn = 0; fn < 8; fn++)
		if (bus->devs[PCI_DEVFN(slot, fn)])
			return false;
	return true;
}

int pci_bus_add(struct pci_bus *bus, struct pci_device *dev, int devfn)
{
	if (!dev || !dev->ops || !dev->ops->cfg_read || !dev->ops->cfg_write)
		return -EINVAL;
	if (devfn < -1 || devfn >= PCI_NR_DEVFN)
		return -EINVAL;
	for (unsigned int i = 0; i < PCI_NR_DEVFN; i++)
		if (bus->devs[i] == dev)
			return -EBUSY;
	if (devfn == -1) {
		unsigned int slot;

		for (slot = 0; slot < PCI_NR_SLOTS; slot++)
			if (slot_free(bus, slot))
				break;
		if (slot == PCI_NR_SLOTS)
			return -ENOSPC;
		devfn = PCI_DEVFN(slot, 0);
	} else if (bus->devs[devfn]) {
		return -EBUSY;
	}
	bus->devs[devfn] = dev;
	dev->devfn = devfn;
	return 0;
}

struct pci_device *pci_bus_get(const struct pci_bus *bus, unsigned int devfn)
{
	return devfn < PCI_NR_DEVFN ? bus->devs[devfn] : NULL;
}

uint32_t pci_bus_cfg_read(struct pci_bus *bus, uint8_t devfn, uint32_t off,
			  uint32_t len)
{
	struct pci_device *dev = bus->devs[devfn];
	uint32_t v = 0;

	if (!dev || !valid_len(len) || off >= PCI_CFG_SPACE_EXP_SIZE ||
	    (off & 3) + len > 4)
		return len_mask(len);
	if (!(off & (len - 1)))
		return dev->ops->cfg_read(dev, off, len) & len_mask(len);
	for (uint32_t i = 0; i < len; i++)
		v |= (dev->ops->cfg_read(dev, off + i, 1) & 0xff) << (8 * i);
	return v;
}

void pci_bus_cfg_write(struct pci_bus *bus, uint8_t devfn, uint32_t off,
		       uint32_t val, uint32_t len)
{
	struct pci_device *dev = bus->devs[devfn];

	if (!dev || !valid_len(len) || off >= PCI_CFG_SPACE_EXP_SIZE ||
	    (off & 3) + len > 4)
		return;
	val &= len_mask(len);
	if (!(off & (len - 1))) {
		dev->ops->cfg_write(dev, off, val, len);
		return;
	}
	for (uint32_t i = 0; i < len; i++)
		dev->ops->cfg_write(dev, off + i, (val >> (8 * i)) & 0xff, 1);
}

/* Configuration mechanism #1. */

/*
 * Resolve the data window access at @port_off (0..3) against the latched
 * address; false when it goes nowhere (disabled, or a bus other than 0).
 */
static bool conf1_target(const struct pci_bus *bus, uint32_t port_off,
			 uint8_t *devfn, uint32_t *reg)
{
	uint32_t a = bus->conf1_addr;

	if (!(a & CONF1_ENABLE) || ((a >> CONF1_BUS_SHIFT) & 0xff))
		return false;
	*devfn = a >> CONF1_DEVFN_SHIFT;
	*reg = (a & CONF1_REG_MASK) | ((a & CONF1_EXT_REG_MASK) >> 16);
	*reg += port_off;
	return true;
}

static int pci_conf1_read(void *opaque, uint64_t off, void *data,
			  uint32_t len)
{
	struct pci_bus *bus = opaque;
	uint32_t v = len_mask(len), reg;
	uint8_t devfn;

	if (off < CONF1_DATA_OFF) {
		/*
		 * CONFIG_ADDRESS answers dword accesses only; Linux's probe
		 * pokes bytes at 0xcfb on purpose, so this is not logged.
		 */
		if (off == 0 && len == 4)
			v = bus->conf1_addr;
	} else if (!valid_len(len) || off - CONF1_DATA_OFF + len > 4) {
		pr_ratelimited(LOG_WARN, "pci: conf1: bad %u-byte read at 0x%llx",
			       len, (unsigned long long)(PCI_CONF1_PORT + off));
		return -EINVAL;
	} else if (conf1_target(bus, off - CONF1_DATA_OFF, &devfn, &reg)) {
		v = pci_bus_cfg_read(bus, devfn, reg, len);
	}
	le_put(data, len, v);
	return 0;
}

static int pci_conf1_write(void *opaque, uint64_t off, const void *data,
			   uint32_t len)
{
	struct pci_bus *bus = opaque;
	uint32_t v = le_get(data, len), reg;
	uint8_t devfn;

	if (off < CONF1_DATA_OFF) {
		if (off == 0 && len == 4)
			bus->conf1_addr = v & CONF1_ADDR_MASK;
	} else if (!valid_len(len) || off - CONF1_DATA_OFF + len > 4) {
		pr_ratelimited(LOG_WARN, "pci: conf1: bad %u-byte write at 0x%llx",
			       len, (unsigned long long)(PCI_CONF1_PORT + off));
		return -EINVAL;
	} else if (conf1_target(bus, off - CONF1_DATA_OFF, &devfn, &reg)) {
		pci_bus_cfg_write(bus, devfn, reg, v, len);
	}
	return 0;
}

const struct dev_ops pci_conf1_ops = {
	.read = pci_conf1_read,
	.write = pci_conf1_write,
};

/* ECAM. */

/*
 * Check one ECAM access; false (after logging) for one that crosses a
 * dword, or an 8-byte one that is not 8-byte aligned.
 */
static bool ecam_access_ok(uint64_t off, uint32_t len, const char *what)
{
	bool ok;

	if (len == 8)
		ok = !(off & 7);
	else
		ok = valid_len(len) && (off & 3) + len <= 4;
	if (!ok)
		pr_ratelimited(LOG_WARN,
			       "pci: ecam: bad %u-byte %s at %02x:%02x.%x+0x%03x",
			       len, what, (unsigned int)(off >> 20) & 0xff,
			       (unsigned int)(off >> 15) & 0x1f,
			       (unsigned int)(off >> 12) & 7,
			       (unsigned int)off & ECAM_REG_MASK);
	return ok;
}

static uint32_t ecam_read32(struct pci_bus *bus, uint64_t off, uint32_t len)
{
	if (off >> PCI_ECAM_BUS_SHIFT)
		return len_mask(len);	/* bus 0 only */
	return pci_bus_cfg_read(bus, off >> ECAM_DEVFN_SHIFT,
				off & ECAM_REG_MASK, len);
}

static void ecam_write32(struct pci_bus *bus, uint64_t off, uint32_t val,
			 uint32_t len)
{
	if (off >> PCI_ECAM_BUS_SHIFT)
		return;
	pci_bus_cfg_write(bus, off >> ECAM_DEVFN_SHIFT, off & ECAM_REG_MASK,
			  val, len);
}

static int pci_ecam_read(void *opaque, uint64_t off, void *data,
			 uint32_t len)
{
	struct pci_bus *bus = opaque;
	uint8_t *p = data;

	if (!ecam_access_ok(off, len, "read"))
		return -EINVAL;
	if (len == 8) {
		/* Two dword reads, low dword first. */
		le_put(p, 4, ecam_read32(bus, off, 4));
		le_put(p + 4, 4, ecam_read32(bus, off + 4, 4));
	} else {
		le_put(p, len, ecam_read32(bus, off, len));
	}
	return 0;
}

static int pci_ecam_write(void *opaque, uint64_t off, const void *data,
			  uint32_t len)
{
	struct pci_bus *bus = opaque;
	const uint8_t *p = data;

	if (!ecam_access_ok(off, len, "write"))
		return -EINVAL;
	if (len == 8) {
		ecam_write32(bus, off, le_get(p, 4), 4);
		ecam_write32(bus, off + 4, le_get(p + 4, 4), 4);
	} else {
		ecam_write32(bus, off, le_get(p, len), len);
	}
	return 0;
}

const struct dev_ops pci_ecam_ops = {
	.read = pci_ecam_read,
	.write = pci_ecam_write,
};

/* The host bridge. */

int pci_host_bridge_init(struct pci_host_bridge *hb)
{
	memset(hb, 0, sizeof(*hb));
	pci_cfg_init(&hb->cfg, PCI_HOST_BRIDGE_VENDOR, PCI_HOST_BRIDGE_DEVICE,
		     PCI_CLASS_HOST_BRIDGE, 0);
	pci_cfg_set_wmask(&hb->cfg, PCI_COMMAND, PCI_COMMAND_IO |
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	hb->dev = (struct pci_device) {
		.ops = &pci_cfg_dev_ops,
		.opaque = &hb->cfg,
		.name = "host-bridge",
		.devfn = 0,
	};
	return 0;
}
