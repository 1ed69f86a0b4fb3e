/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A passed-through PCI function as the guest sees it: config space
 * virtualization (BARs placed and sized by slimhv, the command register,
 * a filtered capability list, MSI and MSI-X emulated) and the MSI-X table
 * and PBA. Pure logic: the real device is reached through struct vdev_io
 * (VFIO regions in the VMM, a fake in the unit tests), and what the VMM
 * must do in KVM and VFIO is asked for through struct vdev_hooks.
 */
#ifndef SLIMHV_PASSTHROUGH_VDEV_H
#define SLIMHV_PASSTHROUGH_VDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/msix.h"
#include "devices/pci.h"

#define VDEV_NR_BARS		6
#define VDEV_ROM		6	/* index of the option ROM in bar info */
#define VDEV_MSIX_MAX		MSIX_MAX_VECTORS
#define VDEV_UNMAPPED		(~0ULL)

/* The real device: config space and BAR regions, by offset. */
struct vdev_io {
	int (*cfg_read)(void *ctx, uint32_t off, void *buf, uint32_t len);
	int (*cfg_write)(void *ctx, uint32_t off, const void *buf,
			 uint32_t len);
	void *ctx;
};

/* What the VMM does when the guest changes the device's setup. */
struct vdev_hooks {
	/*
	 * BAR @bar's decoding changed: it was at @old_gpa and is now at
	 * @new_gpa (either may be VDEV_UNMAPPED: memory or I/O decode off,
	 * or not yet placed).
	 */
	void (*bar_moved)(void *ctx, int bar, uint64_t old_gpa,
			  uint64_t new_gpa);
	/*
	 * MSI-X: the enable bit, the function mask or table entry @vector
	 * changed (@vector is -1 for enable/function-mask changes). The VMM
	 * reads the state with vdev_msix_vector().
	 */
	void (*msix_changed)(void *ctx, int vector);
	/* MSI: enable, vector count, address, data or mask changed. */
	void (*msi_changed)(void *ctx);
	/* The INTx disable bit of the command register changed. */
	void (*intx_changed)(void *ctx, bool disabled);
	void *ctx;
};

/* A BAR as VFIO describes it (VFIO_DEVICE_GET_REGION_INFO). */
struct vdev_bar_info {
	/*
	 * 0: no BAR here (or the upper half of a 64-bit one). vdev_init()
	 * keeps it rounded up to a power of two (16 bytes at least for
	 * memory, 4 for I/O).
	 */
	uint64_t size;
	bool is_io;
	bool is_64;
	bool prefetch;
};

struct vdev_bar {
	struct vdev_bar_info info;
	uint64_t gpa;		/* the address the guest programmed */
	uint64_t mapped_gpa;	/* where it is decoded now, or VDEV_UNMAPPED */
};

struct vdev_msix {
	uint8_t cap;		/* 0: the device has no MSI-X */
	uint8_t table_bar;
	uint32_t table_off;
	uint8_t pba_bar;
	uint32_t pba_off;
	struct msix_table tab;	/* its entries and pending bits: below */
	struct msix_entry entries[VDEV_MSIX_MAX];
	uint64_t pending[MSIX_PBA_WORDS(VDEV_MSIX_MAX)];
};

struct vdev_msi {
	uint8_t cap;		/* 0: no MSI */
	bool is_64;
	bool maskable;
	bool enabled;
	uint8_t nr_log2;	/* vectors enabled, log2 (multiple message enable) */
	uint64_t addr;
	uint16_t data;
	uint32_t mask;
};

struct vdev {
	struct pci_device pdev;	/* on the guest's PCI bus */
	char name[16];		/* "0000:00:03.0", for log lines */
	struct vdev_io io;
	struct vdev_hooks hooks;
	struct vdev_bar bars[VDEV_NR_BARS];
	uint16_t command;	/* what the guest wrote */
	/* The virtualized config space: what the guest reads. */
	uint8_t cfg[4096];
	uint8_t wmask[4096];	/* bits emulated as guest-writable */
	/*
	 * Per byte, a mask of the bits read live from the device at each
	 * guest read (the rest come from cfg). Writes reach the device only
	 * for the command register, the RW1C status bits and the power
	 * management control register.
	 */
	uint8_t passthru[4096];
	uint8_t pm_cap;		/* power management capability, 0: none */
	uint8_t exp_cap;	/* PCI Express capability, 0: none */
	uint8_t exp_len;	/* its bytes shown (read from the device) */
	struct vdev_msix msix;
	struct vdev_msi msi;
	bool broken;		/* the device misbehaved: further access ignored */
};

/*
 * Read the device's config space through @io and build the guest's view:
 * BARs from @bars (VFIO's region info; index VDEV_ROM is the ROM, hidden),
 * the capability chain limited to power management, MSI, MSI-X and PCI
 * Express, no extended capabilities. Returns 0, or -errno with a reason
 * in @err: an unreadable config space or one that reads all-ones, a
 * header type other than 0 (-ENOTSUP), BAR info that cannot be (a 64-bit
 * BAR5, an oversized BAR). A malformed capability chain (a loop, a
 * pointer into the header, more than 48 entries) is cut short there with
 * a warning; a shown capability that overlaps the next one, a second one
 * of the same ID, or an MSI-X table/PBA outside a memory BAR is hidden
 * with a warning. @hooks may be NULL, and any hook.
 */
int vdev_init(struct vdev *d, const char *name, const struct vdev_io *io,
	      const struct vdev_hooks *hooks,
	      const struct vdev_bar_info bars[VDEV_NR_BARS + 1],
	      char *err, size_t errlen);

/*
 * Place BAR @bar at @gpa (masked to the BAR's alignment), as firmware would
 * before the guest boots. With decode off (at reset) no hook is called; if
 * the guest already enabled decode, bar_moved is called as for its writes.
 */
void vdev_place_bar(struct vdev *d, int bar, uint64_t gpa);

/*
 * Guest accesses to the MSI-X table and PBA; @off is from their start.
 * 4- or 8-byte naturally aligned accesses within the table (PBA) only:
 * others return -EINVAL, reads then fill @data with zeros and writes are
 * dropped; the guest need not be stopped for it. A broken device reads
 * all-ones. A table write that changes an entry calls msix_changed with
 * its vector number (the VMM then delivers a pending vector unmasked).
 */
int vdev_msix_table_read(struct vdev *d, uint64_t off, void *data,
			 uint32_t len);
int vdev_msix_table_write(struct vdev *d, uint64_t off, const void *data,
			  uint32_t len);
int vdev_msix_pba_read(struct vdev *d, uint64_t off, void *data,
		       uint32_t len);

/*
 * Whether vector @v should be delivered now (MSI-X enabled, not function-
 * masked, entry unmasked), and its message.
 */
bool vdev_msix_vector(const struct vdev *d, unsigned int v, uint64_t *addr,
		      uint32_t *data);
/* A vector fired while masked: remember it in the PBA. */
void vdev_msix_set_pending(struct vdev *d, unsigned int v);
/* Returns and clears the pending bit of @v. */
bool vdev_msix_take_pending(struct vdev *d, unsigned int v);

/* The guest's config accesses (through the PCI bus). */
extern const struct pci_device_ops vdev_pci_ops;

#endif /* SLIMHV_PASSTHROUGH_VDEV_H */
