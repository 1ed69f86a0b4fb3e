/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Passed-through devices. A domain's VMM opens its VFIO context and
 * devices once, before its jail, and keeps them for its life
 * (assign_open()); each VM it builds (a guest reboot builds a new one)
 * resets each device and puts it
 * on the guest's PCI bus with a virtualized config space, its MMIO
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

#define ASSIGN_MAX_DEVICES	16

/* What a VMM keeps of its devices from its start to its end. */
struct assign_host {
	struct vfio_ctx ctx;
	bool open;
	const struct host_assignment *a;	/* the devices, as resolved */
	struct vfio_device devs[ASSIGN_MAX_DEVICES];
	unsigned int nr;			/* devices opened */
};

struct assigned_dev {
	struct vm *vm;
	unsigned int index;		/* in the domain's assignment */
	struct vfio_device *vfio;	/* kept in the assign_host */
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

/*
 * Open the VFIO context (iommufd, or the legacy container) and each
 * device of @a (bound to it, attached to its IOAS): once per VMM, before
 * its jail. A VMM with no devices opens nothing. 0, or -errno and a line
 * in @err.
 */
int assign_open(struct assign_host *h, const struct host_assignment *a,
		char *err, size_t errlen);
void assign_close(struct assign_host *h);
/* Interrupt vectors of @h's devices in all: the eventfds a VM may make. */
unsigned int assign_irq_vectors(const struct assign_host *h);

/* Reset and plug in @h's devices in @vm; map guest RAM for DMA. */
int assign_devices(struct vm *vm, struct assign_host *h, char *err,
		   size_t errlen);
/*
 * Take every device out of @vm: interrupts off, reset, guest RAM out of
 * the IOMMU. The devices stay open for the next VM.
 */
void assign_release(struct vm *vm);
/* A masked vector's eventfd fired (called by the VMM's poll loop). */
void assign_masked_fired(struct masked_vector *mv);

#endif /* SLIMHV_PASSTHROUGH_ASSIGN_H */
