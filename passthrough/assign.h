/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Passed-through devices in one VM: each VFIO device is opened and reset,
 * put on the guest's PCI bus with a virtualized config space, its MMIO
 * BARs mapped as KVM memory slots (the MSI-X table and PBA pages trapped),
 * its interrupts routed by irqfd; guest RAM is DMA-mapped before the guest
 * runs. The VMM is woken only by vectors the guest has masked.
 */
#ifndef SLIMHV_PASSTHROUGH_ASSIGN_H
#define SLIMHV_PASSTHROUGH_ASSIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "passthrough/host.h"
#include "passthrough/vdev.h"
#include "passthrough/vfio.h"

struct vm;
struct assigned_dev;

/* An eventfd the VMM polls while its vector is masked. */
struct masked_vector {
	struct assigned_dev *ad;
	unsigned int vector;
	bool polled;
};

struct bar_map {
	unsigned int nr;
	struct {
		int slot;
		void *hva;
		uint64_t off;
		uint64_t size;
	} pieces[2 * VFIO_MAX_SPARSE + 2];
	bool trapped;
};

struct assigned_dev {
	struct vm *vm;
	struct vfio_device vfio;
	struct vdev vdev;
	struct bar_map bars[VDEV_NR_BARS];
	/* MSI-X */
	bool msix_on;
	unsigned int nr_msix;
	int *msix_efd;
	int *msix_gsi;
	bool *msix_irqfd;
	struct masked_vector *msix_masked;
	/* MSI */
	bool msi_on;
	unsigned int nr_msi;
	int msi_efd[32];
	int msi_gsi[32];
	/* INTx */
	int intx_efd;
	int intx_resample;
	int intx_gsi;
	bool intx_on;
	uint64_t wakeups;	/* times a masked vector woke the VMM */
};

/* Open, reset and plug in the devices of @a; map guest RAM for DMA. */
int assign_devices(struct vm *vm, const struct host_assignment *a,
		   char *err, size_t errlen);
/* Reset and release every device of @vm. */
void assign_release(struct vm *vm);
/* A masked vector's eventfd fired (called by the VMM's poll loop). */
void assign_masked_fired(struct masked_vector *mv);

#endif /* SLIMHV_PASSTHROUGH_ASSIGN_H */
