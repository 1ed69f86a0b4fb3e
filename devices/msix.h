/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An MSI-X table and its pending bits as the guest programs them (PCI
 * Local Bus 3.0, 6.8.2), shared by the emulated devices and the passed-
 * through ones: entries, per-vector masks, the function mask, the enable
 * bit, and a vector that fires while masked kept pending until the guest
 * unmasks it. The owner keeps the storage and says where the table and the
 * PBA sit in its BARs; this sees offsets into them. Pure logic: delivering
 * a message is the owner's job.
 */
#ifndef SLIMHV_DEVICES_MSIX_H
#define SLIMHV_DEVICES_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/pci.h"

struct msix_entry {
	uint64_t addr;
	uint32_t data;
	uint32_t ctrl;		/* PCI_MSIX_ENTRY_CTRL_MASKBIT, nothing else */
};

struct msix_table {
	uint16_t nr;		/* vectors, 1..2048 */
	bool enabled;
	bool fmask;		/* the function mask */
	struct msix_entry *entries;	/* @nr of them */
	uint64_t *pending;		/* MSIX_PBA_WORDS(@nr) */
};

#define MSIX_MAX_VECTORS	2048
#define MSIX_PBA_WORDS(nr)	(((nr) + 63) / 64)
#define MSIX_TABLE_SIZE(nr)	((uint32_t)(nr) * PCI_MSIX_ENTRY_SIZE)
#define MSIX_PBA_SIZE(nr)	(MSIX_PBA_WORDS(nr) * 8)

/*
 * Every entry masked with a zero message, nothing pending, MSI-X off.
 * Returns -EINVAL for @nr 0 or over MSIX_MAX_VECTORS.
 */
int msix_table_init(struct msix_table *t, struct msix_entry *entries,
		    uint64_t *pending, unsigned int nr);

/*
 * Guest accesses, @off from the start of the table (PBA): 4- or 8-byte
 * naturally aligned accesses inside it only. Anything else returns
 * -EINVAL: a read then fills @data with zeros, a write changes nothing.
 * A table write sets *@changed when the entry it hits changed (its vector
 * is @off / PCI_MSIX_ENTRY_SIZE); only the mask bit of the vector control
 * word is kept. The PBA is read-only: its writes are the owner's to drop.
 */
int msix_table_read(const struct msix_table *t, uint64_t off, void *data,
		    uint32_t len);
int msix_table_write(struct msix_table *t, uint64_t off, const void *data,
		     uint32_t len, bool *changed);
int msix_pba_read(const struct msix_table *t, uint64_t off, void *data,
		  uint32_t len);

/*
 * The capability's Message Control word as the guest wrote it: takes the
 * enable and function-mask bits. Returns whether either changed.
 */
bool msix_set_control(struct msix_table *t, uint16_t flags);

/*
 * Whether vector @v is to be delivered now (MSI-X on, the function and
 * the entry unmasked), and its message in @addr and @data (either may be
 * NULL; they are filled for a masked vector too).
 */
bool msix_vector(const struct msix_table *t, unsigned int v, uint64_t *addr,
		 uint32_t *data);
/* Vector @v fired while masked. Out of range: nothing. */
void msix_set_pending(struct msix_table *t, unsigned int v);
/* Returns and clears @v's pending bit. */
bool msix_take_pending(struct msix_table *t, unsigned int v);

/*
 * Add an MSI-X capability for @nr vectors to an emulated @cfg, the table
 * at @table_off and the PBA at @pba_off of BAR @bar (offsets 8-byte
 * aligned); the enable and function-mask bits guest-writable. Returns its
 * offset in @cfg, or -errno.
 */
int msix_add_cap(struct pci_cfg *cfg, unsigned int nr, uint8_t bar,
		 uint32_t table_off, uint32_t pba_off);

#endif /* SLIMHV_DEVICES_MSIX_H */
