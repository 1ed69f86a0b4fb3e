/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI bus 0 as a guest reaches it: configuration mechanism #1 (ports
 * 0xcf8/0xcfc) and ECAM (the MMIO window MCFG describes). Emulated and
 * passed-through functions plug in alike, through struct pci_device_ops;
 * emulated ones usually keep their registers in a struct pci_cfg, which
 * applies writable and write-1-to-clear masks so that a device is described
 * by data rather than by a switch statement. Pure logic: no ioctls.
 */
#ifndef SLIMHV_DEVICES_PCI_H
#define SLIMHV_DEVICES_PCI_H

#include <stdint.h>
#include <linux/pci.h>		/* PCI_DEVFN, PCI_SLOT, PCI_FUNC */
#include <linux/pci_regs.h>	/* register offsets and bits */

#include "devices/bus.h"

#define PCI_CONF1_PORT		0xcf8
#define PCI_CONF1_LEN		8
#define PCI_ECAM_BUS_SHIFT	20	/* 1 MiB of ECAM per bus */
#define PCI_ECAM_MAX_LEN	(256ULL << PCI_ECAM_BUS_SHIFT)
#define PCI_ECAM_OFFSET(bus, devfn, reg)				\
	(((uint64_t)(bus) << PCI_ECAM_BUS_SHIFT) |			\
	 ((uint64_t)(devfn) << 12) | (reg))

#define PCI_NR_DEVFN		256	/* 32 slots x 8 functions */
#define PCI_NR_SLOTS		32

struct pci_device;

struct pci_device_ops {
	/*
	 * @off < 4096, naturally aligned, @len 1/2/4. The bus splits a guest
	 * access that is not naturally aligned (but stays within a dword)
	 * into byte accesses. Reads return the value in the low @len bytes.
	 */
	uint32_t (*cfg_read)(struct pci_device *dev, uint32_t off,
			     uint32_t len);
	void (*cfg_write)(struct pci_device *dev, uint32_t off, uint32_t val,
			  uint32_t len);
};

struct pci_device {
	const struct pci_device_ops *ops;
	void *opaque;		/* the device model's own state */
	const char *name;
	uint8_t devfn;		/* set by pci_bus_add() */
};

/* Bus 0 only. */
struct pci_bus {
	struct pci_device *devs[PCI_NR_DEVFN];
	uint32_t conf1_addr;	/* the latched CONFIG_ADDRESS (0xcf8) */
};

void pci_bus_init(struct pci_bus *bus);
/*
 * Plug @dev in at @devfn, or with @devfn -1 at function 0 of the first
 * slot that has no function in use; sets dev->devfn. Returns -EBUSY when
 * @devfn is taken or @dev is already on the bus, -ENOSPC when no slot is
 * free, -EINVAL for a bad @devfn or a @dev without ops.
 */
int pci_bus_add(struct pci_bus *bus, struct pci_device *dev, int devfn);
struct pci_device *pci_bus_get(const struct pci_bus *bus, unsigned int devfn);

/*
 * A configuration access to bus 0 (what both mechanisms end in): an absent
 * function reads all-ones and ignores writes. (@off & 3) + @len must not
 * pass 4; an access that is not naturally aligned goes to the device as
 * byte accesses.
 */
uint32_t pci_bus_cfg_read(struct pci_bus *bus, uint8_t devfn, uint32_t off,
			  uint32_t len);
void pci_bus_cfg_write(struct pci_bus *bus, uint8_t devfn, uint32_t off,
		       uint32_t val, uint32_t len);

/* At PCI_CONF1_PORT, PCI_CONF1_LEN ports; opaque = struct pci_bus *. */
extern const struct dev_ops pci_conf1_ops;
/* At the ECAM base, up to PCI_ECAM_MAX_LEN; opaque = struct pci_bus *. */
extern const struct dev_ops pci_ecam_ops;

/*
 * Emulated configuration space. A guest write changes only the bits set in
 * @wmask, and clears the bits set in @w1cmask where it writes a one; a bit
 * belongs in at most one of the two. A BAR of size S (a power of two) is
 * sized for free: with its address bits, ~(S - 1), in @wmask, the guest's
 * all-ones write reads back as the size mask plus the type bits.
 */
struct pci_cfg {
	uint8_t data[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t wmask[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t w1cmask[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t cap_last;	/* offset of the last capability, 0: none */
	uint16_t cap_free;	/* where the next capability may go */
};

/*
 * Clear @cfg and fill a type 0 header: IDs, class code (base class in bits
 * 23:16), revision; the error bits of the status register are RW1C.
 * Everything else is read-only zero until the device sets it.
 */
void pci_cfg_init(struct pci_cfg *cfg, uint16_t vendor, uint16_t device,
		  uint32_t class_code, uint8_t revision);

/* Guest-side accesses: @len 1, 2 or 4; out of range reads all-ones. */
uint32_t pci_cfg_read(const struct pci_cfg *cfg, uint32_t off, uint32_t len);
void pci_cfg_write(struct pci_cfg *cfg, uint32_t off, uint32_t val,
		   uint32_t len);

/* Device-side setters of the value and the masks (not masked). */
void pci_cfg_set(struct pci_cfg *cfg, uint32_t off, uint32_t val,
		 uint32_t len);
void pci_cfg_set_wmask(struct pci_cfg *cfg, uint32_t off, uint32_t mask,
		       uint32_t len);
void pci_cfg_set_w1cmask(struct pci_cfg *cfg, uint32_t off, uint32_t mask,
			 uint32_t len);

static inline void pci_cfg_set8(struct pci_cfg *cfg, uint32_t off,
				uint8_t val)
{
	pci_cfg_set(cfg, off, val, 1);
}

static inline void pci_cfg_set16(struct pci_cfg *cfg, uint32_t off,
				 uint16_t val)
{
	pci_cfg_set(cfg, off, val, 2);
}

static inline void pci_cfg_set32(struct pci_cfg *cfg, uint32_t off,
				 uint32_t val)
{
	pci_cfg_set(cfg, off, val, 4);
}

/*
 * Append a capability of @len bytes (header included) with ID @id to the
 * list in the standard space; sets the status capability bit. Returns its
 * offset (dword-aligned, >= 0x40), or -ENOSPC / -EINVAL.
 */
int pci_cfg_add_cap(struct pci_cfg *cfg, uint8_t id, uint32_t len);

/* Ops for a device whose whole state is a struct pci_cfg (= opaque). */
extern const struct pci_device_ops pci_cfg_dev_ops;

/* The host bridge at 00:00.0: 1b36:0008, class 060000, no BARs. */
#define PCI_HOST_BRIDGE_VENDOR	0x1b36
#define PCI_HOST_BRIDGE_DEVICE	0x0008

struct pci_host_bridge {
	struct pci_device dev;
	struct pci_cfg cfg;
};

/* Fill @hb; the caller plugs hb->dev in with pci_bus_add(bus, &hb->dev, 0). */
int pci_host_bridge_init(struct pci_host_bridge *hb);

#endif /* SLIMHV_DEVICES_PCI_H */
