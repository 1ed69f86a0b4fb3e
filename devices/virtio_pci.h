/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The modern virtio-pci transport (virtio 1.2, 4.1), virtio 1.x only: no
 * legacy I/O BAR. One 32-bit memory BAR0 holds the common, ISR, device and
 * notify structures, which the vendor-specific capabilities point at, and
 * the MSI-X table and PBA: a vector for configuration changes and one per
 * queue as the driver assigns them, sent through a struct msi_sender;
 * INTx through a struct irq_line while MSI-X is off. BAR0 is on the MMIO
 * bus while the guest has memory decoding on and the BAR programmed; it
 * follows the BAR when the guest moves it. Queue notifications are MMIO
 * writes (the VMM may route them to an ioeventfd instead: see
 * virtio_pci_notify_addr()). Pure logic: no ioctls.
 */
#ifndef SLIMHV_DEVICES_VIRTIO_PCI_H
#define SLIMHV_DEVICES_VIRTIO_PCI_H

#include <stdint.h>
#include <linux/virtio_pci.h>

#include "devices/bus.h"
#include "devices/irq.h"
#include "devices/msix.h"
#include "devices/pci.h"
#include "devices/virtio.h"

#define VIRTIO_PCI_VENDOR_ID		0x1af4
#define VIRTIO_PCI_DEVICE_ID_BASE	0x1040	/* + the virtio device ID */
#define VIRTIO_PCI_SUBSYS_ID		0x1100	/* >= 0x40: not transitional */
#define VIRTIO_PCI_REVISION		1

/* BAR0 */
#define VIRTIO_PCI_BAR_SIZE		0x8000
#define VIRTIO_PCI_COMMON_OFF		0x0000
#define VIRTIO_PCI_COMMON_LEN		0x38	/* struct virtio_pci_common_cfg */
#define VIRTIO_PCI_ISR_OFF		0x1000
#define VIRTIO_PCI_ISR_LEN		4
#define VIRTIO_PCI_DEVICE_OFF		0x2000
#define VIRTIO_PCI_DEVICE_MAX		0x1000
#define VIRTIO_PCI_NOTIFY_OFF		0x3000
#define VIRTIO_PCI_NOTIFY_MULT		4
#define VIRTIO_PCI_MAX_QUEUES		(0x1000 / VIRTIO_PCI_NOTIFY_MULT)
#define VIRTIO_PCI_MSIX_TABLE_OFF	0x4000
#define VIRTIO_PCI_MSIX_PBA_OFF		0x6000
#define VIRTIO_PCI_MSIX_MAX		64	/* config + queues, at most */
#define VIRTIO_PCI_NO_VECTOR		0xffff

#define VIRTIO_PCI_ISR_QUEUE		0x1
#define VIRTIO_PCI_UNMAPPED		(~0ULL)

struct virtio_pci {
	struct pci_device pdev;		/* opaque = this */
	struct pci_cfg cfg;
	struct virtio_device *vdev;
	struct bus *mmio;		/* where BAR0 goes; NULL: nowhere */
	struct irq_line irq;
	const char *name;
	uint64_t mapped_gpa;		/* BAR0 on the bus, or UNMAPPED */
	uint8_t cfg_cap;		/* offset of the PCI_CFG capability */
	uint8_t isr;
	int irq_level;
	uint32_t dfselect;		/* device_feature_select */
	uint32_t gfselect;		/* driver_feature_select */
	uint16_t queue_select;
	/* MSI-X */
	uint8_t msix_cap;
	struct msi_sender msi;
	struct msix_table msix;
	struct msix_entry msix_entries[VIRTIO_PCI_MSIX_MAX];
	uint64_t msix_pending[MSIX_PBA_WORDS(VIRTIO_PCI_MSIX_MAX)];
	uint16_t config_vector;
	uint16_t queue_vector[VIRTIO_PCI_MAX_QUEUES];
	uint64_t msi_sent;	/* messages, and vectors found masked */
	uint64_t msi_pended;
};

/*
 * Make @vp the PCI function of @vdev (its queues initialized), with PCI
 * class @class_code; BAR0 goes on @mmio once the guest enables it. Plug
 * vp->pdev in with pci_bus_add(), then call virtio_pci_set_irq(). Returns
 * -EINVAL when the device has more queues or config than BAR0 holds.
 */
int virtio_pci_init(struct virtio_pci *vp, struct virtio_device *vdev,
		    uint32_t class_code, struct bus *mmio, const char *name);
/* INTA is wired to @irq: the interrupt line register shows its GSI. */
void virtio_pci_set_irq(struct virtio_pci *vp, const struct irq_line *irq);
/*
 * MSI-X messages go to @msi. Without one (unit tests aside, the VMM always
 * gives one) a vector the guest enabled is counted as sent and dropped.
 */
void virtio_pci_set_msi(struct virtio_pci *vp, const struct msi_sender *msi);
/* Where queue @q's notification lands while BAR0 is mapped, or UNMAPPED. */
uint64_t virtio_pci_notify_addr(const struct virtio_pci *vp, unsigned int q);
/* Program BAR0 as firmware would (decoding stays off until the guest). */
void virtio_pci_place_bar(struct virtio_pci *vp, uint64_t gpa);
/* Take BAR0 off the bus. */
void virtio_pci_destroy(struct virtio_pci *vp);

/* BAR0's accesses; opaque = struct virtio_pci *. */
extern const struct dev_ops virtio_pci_bar_ops;

#endif /* SLIMHV_DEVICES_VIRTIO_PCI_H */
