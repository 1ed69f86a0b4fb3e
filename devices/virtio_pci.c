// SPDX-License-Identifier: GPL-2.0
/*
 * The modern virtio-pci transport (virtio 1.2, 4.1). A guest write that
 * breaks the rules is ignored and logged (rate-limited); a queue the driver
 * sets up wrongly breaks the device (NEEDS_RESET) until the driver resets
 * it.
 */
#include <errno.h>
#include <string.h>

#include "devices/virtio_pci.h"
#include "vmm/log.h"

#define STATUS_DRIVER_BITS						\
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |		\
	 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK |	\
	 VIRTIO_CONFIG_S_FAILED)
#define CFG_DATA_OFF		offsetof(struct virtio_pci_cfg_cap, pci_cfg_data)

#define vp_warn(vp, fmt, ...)						\
	pr_ratelimited(LOG_WARN, "%s: " fmt, (vp)->name, ##__VA_ARGS__)

/* Interrupts */

static void intx_update(struct virtio_pci *vp)
{
	uint16_t cmd = pci_cfg_read(&vp->cfg, PCI_COMMAND, 2);
	uint16_t sts = pci_cfg_read(&vp->cfg, PCI_STATUS, 2);
	int level = vp->isr && !(cmd & PCI_COMMAND_INTX_DISABLE) &&
		    !vp->msix.enabled;

	/* The status bit shows the device's interrupt, masked or not. */
	if (vp->isr)
		sts |= PCI_STATUS_INTERRUPT;
	else
		sts &= ~PCI_STATUS_INTERRUPT;
	pci_cfg_set16(&vp->cfg, PCI_STATUS, sts);
	if (level != vp->irq_level) {
		vp->irq_level = level;
		irq_line_set(&vp->irq, level);
	}
}

static void msix_fire(struct virtio_pci *vp, unsigned int v)
{
	uint64_t addr;
	uint32_t data;

	if (!msix_vector(&vp->msix, v, &addr, &data)) {
		msix_set_pending(&vp->msix, v);
		vp->msi_pended++;
		return;
	}
	vp->msi_sent++;
	if (msi_send(&vp->msi, v, addr, data))
		vp_warn(vp, "MSI-X vector %u could not be sent", v);
}

/* After an unmask: what fired while masked goes out now. */
static void msix_flush(struct virtio_pci *vp)
{
	for (unsigned int v = 0; v < vp->msix.nr; v++)
		if (msix_vector(&vp->msix, v, NULL, NULL) &&
		    msix_take_pending(&vp->msix, v))
			msix_fire(vp, v);
}

static void vp_interrupt(struct virtio_device *vdev, int queue)
{
	struct virtio_pci *vp = vdev->transport;
	uint16_t v;

	if (vp->msix.enabled) {
		/* With MSI-X on, the ISR is not used (4.1.4.5). */
		if (queue == VIRTIO_INTR_CONFIG)
			v = vp->config_vector;
		else if (queue >= 0 && (unsigned int)queue < vdev->nr_queues)
			v = vp->queue_vector[queue];
		else
			return;
		if (v != VIRTIO_PCI_NO_VECTOR)
			msix_fire(vp, v);
		return;
	}
	vp->isr |= queue == VIRTIO_INTR_CONFIG ? VIRTIO_PCI_ISR_CONFIG :
		   VIRTIO_PCI_ISR_QUEUE;
	intx_update(vp);
}

/* A vector the driver asks for: NO_VECTOR when there is no such vector. */
static uint16_t vector_or_none(const struct virtio_pci *vp, uint16_t v)
{
	return v < vp->msix.nr ? v : VIRTIO_PCI_NO_VECTOR;
}

/* The common configuration structure */

static void vp_reset(struct virtio_pci *vp)
{
	virtio_device_reset(vp->vdev);
	vp->isr = 0;
	vp->config_vector = VIRTIO_PCI_NO_VECTOR;
	for (unsigned int q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
		vp->queue_vector[q] = VIRTIO_PCI_NO_VECTOR;
	vp->dfselect = 0;
	vp->gfselect = 0;
	vp->queue_select = 0;
	intx_update(vp);
}

static struct virtq *selected_queue(struct virtio_pci *vp)
{
	struct virtio_device *vdev = vp->vdev;

	return vp->queue_select < vdev->nr_queues ?
	       &vdev->vqs[vp->queue_select] : NULL;
}

static uint32_t feature_word(uint64_t features, uint32_t select)
{
	return select < 2 ? (uint32_t)(features >> (32 * select)) : 0;
}

static void common_image(struct virtio_pci *vp, uint8_t *img)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtq *vq = selected_queue(vp);

	memset(img, 0, VIRTIO_PCI_COMMON_LEN);
	le_put(img + VIRTIO_PCI_COMMON_DFSELECT, 4, vp->dfselect);
	le_put(img + VIRTIO_PCI_COMMON_DF, 4,
	       feature_word(vdev->features, vp->dfselect));
	le_put(img + VIRTIO_PCI_COMMON_GFSELECT, 4, vp->gfselect);
	le_put(img + VIRTIO_PCI_COMMON_GF, 4,
	       feature_word(vdev->driver_features, vp->gfselect));
	le_put(img + VIRTIO_PCI_COMMON_MSIX, 2, vp->config_vector);
	le_put(img + VIRTIO_PCI_COMMON_NUMQ, 2, vdev->nr_queues);
	img[VIRTIO_PCI_COMMON_STATUS] = vdev->status;
	img[VIRTIO_PCI_COMMON_CFGGENERATION] = vdev->config_generation;
	le_put(img + VIRTIO_PCI_COMMON_Q_SELECT, 2, vp->queue_select);
	le_put(img + VIRTIO_PCI_COMMON_Q_MSIX, 2, VIRTIO_PCI_NO_VECTOR);
	if (!vq)
		return;		/* queue_size 0: no such queue */
	le_put(img + VIRTIO_PCI_COMMON_Q_MSIX, 2,
	       vp->queue_vector[vp->queue_select]);
	le_put(img + VIRTIO_PCI_COMMON_Q_SIZE, 2, vq->size);
	le_put(img + VIRTIO_PCI_COMMON_Q_ENABLE, 2, vq->enabled);
	le_put(img + VIRTIO_PCI_COMMON_Q_NOFF, 2, vp->queue_select);
	le_put(img + VIRTIO_PCI_COMMON_Q_DESCLO, 8, vq->desc_gpa);
	le_put(img + VIRTIO_PCI_COMMON_Q_AVAILLO, 8, vq->avail_gpa);
	le_put(img + VIRTIO_PCI_COMMON_Q_USEDLO, 8, vq->used_gpa);
}

static void common_read(struct virtio_pci *vp, uint64_t off, void *data,
			uint32_t len)
{
	uint8_t img[VIRTIO_PCI_COMMON_LEN + 8];

	common_image(vp, img);
	memset(img + VIRTIO_PCI_COMMON_LEN, 0, 8);
	memcpy(data, img + off, len);
}

static void status_write(struct virtio_pci *vp, uint8_t v)
{
	struct virtio_device *vdev = vp->vdev;
	uint8_t old = vdev->status, set;

	if (!v) {
		vp_reset(vp);
		return;
	}
	if (old & STATUS_DRIVER_BITS & ~v) {
		vp_warn(vp, "the driver cleared status bits (0x%02x to 0x%02x) without a reset",
			old, v);
		return;
	}
	set = v & ~old & STATUS_DRIVER_BITS;
	if (set & VIRTIO_CONFIG_S_FEATURES_OK) {
		uint64_t extra = vdev->driver_features & ~vdev->features;

		if (extra || !(vdev->driver_features &
			       (1ULL << VIRTIO_F_VERSION_1))) {
			vp_warn(vp, "FEATURES_OK refused: features 0x%llx not offered%s",
				(unsigned long long)extra,
				extra ? "" : ", or no VERSION_1");
			set &= ~VIRTIO_CONFIG_S_FEATURES_OK;
		}
	}
	if ((set & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !((old | set) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		vp_warn(vp, "DRIVER_OK before FEATURES_OK: ignored");
		set &= ~VIRTIO_CONFIG_S_DRIVER_OK;
	}
	vdev->status = old | set;
}

/* Queue registers are writable before DRIVER_OK and while disabled. */
static struct virtq *writable_queue(struct virtio_pci *vp, const char *what)
{
	struct virtq *vq = selected_queue(vp);

	if (!vq)
		vp_warn(vp, "%s of queue %u, which does not exist", what,
			vp->queue_select);
	else if (vp->vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)
		vp_warn(vp, "%s of queue %u after DRIVER_OK", what,
			vp->queue_select);
	else if (vq->enabled)
		vp_warn(vp, "%s of queue %u while enabled", what,
			vp->queue_select);
	else
		return vq;
	return NULL;
}

static void queue_enable_write(struct virtio_pci *vp, uint16_t v)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtq *vq;

	if (v != 1) {
		vp_warn(vp, "queue_enable written with %u: ignored", v);
		return;
	}
	vq = writable_queue(vp, "enable");
	if (!vq)
		return;
	if (!(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		vp_warn(vp, "queue %u enabled before FEATURES_OK: ignored",
			vp->queue_select);
		return;
	}
	if (virtq_enable(vq, vdev->mem, vdev->driver_features))
		virtio_device_broken(vdev, "a queue's rings are misaligned or outside RAM");
}

/* A 4- or 8-byte write to a queue address: lo at @base, hi at @base + 4. */
static void queue_addr_write(struct virtio_pci *vp, uint64_t off,
			     uint32_t base, uint64_t v, uint32_t len)
{
	struct virtq *vq = writable_queue(vp, "address change");
	uint64_t *addr;

	if (!vq)
		return;
	if (base == VIRTIO_PCI_COMMON_Q_DESCLO)
		addr = &vq->desc_gpa;
	else if (base == VIRTIO_PCI_COMMON_Q_AVAILLO)
		addr = &vq->avail_gpa;
	else
		addr = &vq->used_gpa;
	if (len == 8)
		*addr = v;
	else if (off == base)
		*addr = (*addr & ~0xffffffffULL) | (uint32_t)v;
	else
		*addr = (*addr & 0xffffffffULL) | (uint64_t)(uint32_t)v << 32;
}

static void driver_feature_write(struct virtio_pci *vp, uint32_t v)
{
	struct virtio_device *vdev = vp->vdev;
	unsigned int shift = 32 * vp->gfselect;

	if (vdev->status & VIRTIO_CONFIG_S_FEATURES_OK) {
		vp_warn(vp, "driver features changed after FEATURES_OK");
		return;
	}
	if (vp->gfselect >= 2) {
		if (v)
			vp_warn(vp, "driver features 0x%x in word %u: none offered",
				v, vp->gfselect);
		return;
	}
	vdev->driver_features &= ~(0xffffffffULL << shift);
	vdev->driver_features |= (uint64_t)v << shift;
}

/* The size of the field at @off, 0 for none. */
static uint32_t common_field_len(uint64_t off)
{
	switch (off) {
	case VIRTIO_PCI_COMMON_STATUS:
	case VIRTIO_PCI_COMMON_CFGGENERATION:
		return 1;
	case VIRTIO_PCI_COMMON_MSIX:
	case VIRTIO_PCI_COMMON_NUMQ:
	case VIRTIO_PCI_COMMON_Q_SELECT:
	case VIRTIO_PCI_COMMON_Q_SIZE:
	case VIRTIO_PCI_COMMON_Q_MSIX:
	case VIRTIO_PCI_COMMON_Q_ENABLE:
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return 2;
	default:
		return off < VIRTIO_PCI_COMMON_LEN && !(off & 3) ? 4 : 0;
	}
}

static int common_write(struct virtio_pci *vp, uint64_t off,
			const void *data, uint32_t len)
{
	uint64_t v = le_get(data, len);
	uint32_t flen = common_field_len(off);
	struct virtq *vq;

	/* 64-bit queue addresses may also be written whole. */
	if (len == 8 && (off == VIRTIO_PCI_COMMON_Q_DESCLO ||
			 off == VIRTIO_PCI_COMMON_Q_AVAILLO ||
			 off == VIRTIO_PCI_COMMON_Q_USEDLO))
		flen = 8;
	if (!flen || len != flen) {
		vp_warn(vp, "common config: bad %u-byte write at 0x%llx", len,
			(unsigned long long)off);
		return -EINVAL;
	}
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		vp->dfselect = v;
		break;
	case VIRTIO_PCI_COMMON_GFSELECT:
		vp->gfselect = v;
		break;
	case VIRTIO_PCI_COMMON_GF:
		driver_feature_write(vp, v);
		break;
	case VIRTIO_PCI_COMMON_STATUS:
		status_write(vp, v);
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		vp->queue_select = v;
		break;
	case VIRTIO_PCI_COMMON_Q_SIZE:
		vq = writable_queue(vp, "size change");
		if (vq && virtq_set_size(vq, v))
			vp_warn(vp, "queue %u: size %llu refused (max %u)",
				vp->queue_select, (unsigned long long)v,
				vq->max_size);
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		queue_enable_write(vp, v);
		break;
	case VIRTIO_PCI_COMMON_Q_DESCLO ... VIRTIO_PCI_COMMON_Q_USEDHI:
		queue_addr_write(vp, off, off & ~7ULL, v, len);
		break;
	case VIRTIO_PCI_COMMON_MSIX:
		vp->config_vector = vector_or_none(vp, v);
		break;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		vq = selected_queue(vp);
		if (vq)
			vp->queue_vector[vp->queue_select] =
				vector_or_none(vp, v);
		else
			vp_warn(vp, "vector of queue %u, which does not exist",
				vp->queue_select);
		break;
	default:
		vp_warn(vp, "common config: write to read-only 0x%llx",
			(unsigned long long)off);
		return -EINVAL;
	}
	return 0;
}

/* The rest of BAR0 */

static uint8_t isr_read(struct virtio_pci *vp)
{
	uint8_t v = vp->isr;

	/* Reading the ISR acknowledges the interrupt. */
	vp->isr = 0;
	intx_update(vp);
	return v;
}

static void device_cfg_access(struct virtio_pci *vp, uint64_t off,
			      void *data, uint32_t len, bool write)
{
	struct virtio_device *vdev = vp->vdev;
	uint32_t clen = vdev->ops->config_len, n;

	if (off >= clen)
		return;
	n = len < clen - off ? len : clen - off;
	if (write && vdev->ops->config_write)
		vdev->ops->config_write(vdev, off, data, n);
	else if (!write && vdev->ops->config_read)
		vdev->ops->config_read(vdev, off, data, n);
}

static void notify_write(struct virtio_pci *vp, uint64_t off, uint32_t len)
{
	struct virtio_device *vdev = vp->vdev;
	uint64_t q = off / VIRTIO_PCI_NOTIFY_MULT;

	if (off % VIRTIO_PCI_NOTIFY_MULT || (len != 2 && len != 4) ||
	    q >= vdev->nr_queues) {
		vp_warn(vp, "bad %u-byte notify at 0x%llx", len,
			(unsigned long long)off);
		return;
	}
	/* Before DRIVER_OK, or on a disabled or broken queue: nothing. */
	if (virtio_queue(vdev, q) && vdev->ops->queue_notify)
		vdev->ops->queue_notify(vdev, q);
}

static bool in_region(uint64_t off, uint32_t len, uint64_t start,
		      uint64_t size)
{
	return off >= start && off - start < size && len <= size - (off - start);
}

static int vp_bar_read(void *opaque, uint64_t off, void *data, uint32_t len)
{
	struct virtio_pci *vp = opaque;
	int ret = 0;

	memset(data, 0, len);
	if (in_region(off, len, VIRTIO_PCI_COMMON_OFF, VIRTIO_PCI_COMMON_LEN))
		common_read(vp, off - VIRTIO_PCI_COMMON_OFF, data, len);
	else if (in_region(off, len, VIRTIO_PCI_ISR_OFF, VIRTIO_PCI_ISR_LEN))
		*(uint8_t *)data = off == VIRTIO_PCI_ISR_OFF ? isr_read(vp) : 0;
	else if (in_region(off, len, VIRTIO_PCI_DEVICE_OFF,
			   VIRTIO_PCI_DEVICE_MAX))
		device_cfg_access(vp, off - VIRTIO_PCI_DEVICE_OFF, data, len,
				  false);
	else if (in_region(off, len, VIRTIO_PCI_MSIX_TABLE_OFF,
			   MSIX_TABLE_SIZE(vp->msix.nr)))
		ret = msix_table_read(&vp->msix,
				      off - VIRTIO_PCI_MSIX_TABLE_OFF, data,
				      len);
	else if (in_region(off, len, VIRTIO_PCI_MSIX_PBA_OFF,
			   MSIX_PBA_SIZE(vp->msix.nr)))
		ret = msix_pba_read(&vp->msix, off - VIRTIO_PCI_MSIX_PBA_OFF,
				    data, len);
	if (ret)
		vp_warn(vp, "bad %u-byte MSI-X read at 0x%llx", len,
			(unsigned long long)off);
	return 0;
}

static void msix_table_access(struct virtio_pci *vp, uint64_t off,
			      const void *data, uint32_t len)
{
	bool changed;

	if (msix_table_write(&vp->msix, off, data, len, &changed))
		vp_warn(vp, "bad %u-byte MSI-X table write at 0x%llx", len,
			(unsigned long long)off + VIRTIO_PCI_MSIX_TABLE_OFF);
	else if (changed)
		msix_flush(vp);
}

static int vp_bar_write(void *opaque, uint64_t off, const void *data,
			uint32_t len)
{
	struct virtio_pci *vp = opaque;

	if (in_region(off, len, VIRTIO_PCI_COMMON_OFF, VIRTIO_PCI_COMMON_LEN))
		return common_write(vp, off - VIRTIO_PCI_COMMON_OFF, data, len);
	if (in_region(off, len, VIRTIO_PCI_DEVICE_OFF, VIRTIO_PCI_DEVICE_MAX))
		device_cfg_access(vp, off - VIRTIO_PCI_DEVICE_OFF,
				  (void *)data, len, true);
	else if (in_region(off, len, VIRTIO_PCI_NOTIFY_OFF,
			   VIRTIO_PCI_MSIX_TABLE_OFF - VIRTIO_PCI_NOTIFY_OFF))
		notify_write(vp, off - VIRTIO_PCI_NOTIFY_OFF, len);
	else if (in_region(off, len, VIRTIO_PCI_MSIX_TABLE_OFF,
			   MSIX_TABLE_SIZE(vp->msix.nr)))
		msix_table_access(vp, off - VIRTIO_PCI_MSIX_TABLE_OFF, data,
				  len);
	return 0;
}

const struct dev_ops virtio_pci_bar_ops = {
	.read = vp_bar_read,
	.write = vp_bar_write,
};

/* Configuration space */

static uint64_t bar_target(const struct virtio_pci *vp)
{
	uint16_t cmd = pci_cfg_read(&vp->cfg, PCI_COMMAND, 2);
	uint32_t bar = pci_cfg_read(&vp->cfg, PCI_BASE_ADDRESS_0, 4);
	uint32_t addr = bar & PCI_BASE_ADDRESS_MEM_MASK;
	uint32_t wm = le_get(&vp->cfg.wmask[PCI_BASE_ADDRESS_0], 4);

	/* Off, being sized (all-ones), or never programmed. */
	if (!(cmd & PCI_COMMAND_MEMORY) || (bar & wm) == wm || !addr)
		return VIRTIO_PCI_UNMAPPED;
	return addr;
}

static void bar_update(struct virtio_pci *vp)
{
	uint64_t target = bar_target(vp);
	int ret;

	if (target == vp->mapped_gpa)
		return;
	if (vp->mapped_gpa != VIRTIO_PCI_UNMAPPED && vp->mmio)
		bus_unregister(vp->mmio, vp->mapped_gpa);
	vp->mapped_gpa = VIRTIO_PCI_UNMAPPED;
	if (target == VIRTIO_PCI_UNMAPPED)
		return;
	ret = vp->mmio ? bus_register(vp->mmio, target, VIRTIO_PCI_BAR_SIZE,
				      &virtio_pci_bar_ops, vp, vp->name) : 0;
	if (ret) {
		vp_warn(vp, "BAR0 at 0x%llx: %s (overlaps another device?)",
			(unsigned long long)target, strerror(-ret));
		return;
	}
	vp->mapped_gpa = target;
}

/* The PCI_CFG capability: a window into BAR0 through config space. */
static bool cfg_window(const struct virtio_pci *vp, uint32_t off,
		       uint32_t len)
{
	uint32_t data = vp->cfg_cap + CFG_DATA_OFF;

	return vp->cfg_cap && off < data + 4 && off + len > data;
}

static void cfg_window_access(struct virtio_pci *vp, bool write)
{
	uint32_t cap = vp->cfg_cap;
	uint8_t bar = pci_cfg_read(&vp->cfg, cap + VIRTIO_PCI_CAP_BAR, 1);
	uint32_t off = pci_cfg_read(&vp->cfg, cap + VIRTIO_PCI_CAP_OFFSET, 4);
	uint32_t len = pci_cfg_read(&vp->cfg, cap + VIRTIO_PCI_CAP_LENGTH, 4);
	uint8_t *data = &vp->cfg.data[cap + CFG_DATA_OFF];

	if (bar != 0 || (len != 1 && len != 2 && len != 4) || off % len ||
	    off >= VIRTIO_PCI_BAR_SIZE) {
		vp_warn(vp, "PCI_CFG window: bad access (BAR%u, %u bytes at 0x%x)",
			bar, len, off);
		return;
	}
	if (write)
		vp_bar_write(vp, off, data, len);
	else
		vp_bar_read(vp, off, data, len);
}

static uint32_t vp_cfg_read(struct pci_device *dev, uint32_t off,
			    uint32_t len)
{
	struct virtio_pci *vp = dev->opaque;

	if (cfg_window(vp, off, len))
		cfg_window_access(vp, false);
	return pci_cfg_read(&vp->cfg, off, len);
}

static void vp_cfg_write(struct pci_device *dev, uint32_t off, uint32_t val,
			 uint32_t len)
{
	struct virtio_pci *vp = dev->opaque;

	pci_cfg_write(&vp->cfg, off, val, len);
	if (cfg_window(vp, off, len))
		cfg_window_access(vp, true);
	bar_update(vp);
	if (msix_set_control(&vp->msix,
			     pci_cfg_read(&vp->cfg, vp->msix_cap +
					  PCI_MSIX_FLAGS, 2)))
		msix_flush(vp);
	intx_update(vp);
}

static const struct pci_device_ops virtio_pci_cfg_ops = {
	.cfg_read = vp_cfg_read,
	.cfg_write = vp_cfg_write,
};

/* A vendor-specific capability for a structure in BAR0; its offset. */
static int add_cap(struct pci_cfg *cfg, uint8_t type, uint32_t cap_len,
		   uint32_t offset, uint32_t length)
{
	int pos = pci_cfg_add_cap(cfg, PCI_CAP_ID_VNDR, cap_len);

	if (pos < 0)
		return pos;
	pci_cfg_set8(cfg, pos + VIRTIO_PCI_CAP_LEN, cap_len);
	pci_cfg_set8(cfg, pos + VIRTIO_PCI_CAP_CFG_TYPE, type);
	pci_cfg_set8(cfg, pos + VIRTIO_PCI_CAP_BAR, 0);
	pci_cfg_set32(cfg, pos + VIRTIO_PCI_CAP_OFFSET, offset);
	pci_cfg_set32(cfg, pos + VIRTIO_PCI_CAP_LENGTH, length);
	return pos;
}

static int add_caps(struct virtio_pci *vp)
{
	struct pci_cfg *cfg = &vp->cfg;
	struct virtio_device *vdev = vp->vdev;
	int pos;

	pos = add_cap(cfg, VIRTIO_PCI_CAP_COMMON_CFG,
		      sizeof(struct virtio_pci_cap), VIRTIO_PCI_COMMON_OFF,
		      VIRTIO_PCI_COMMON_LEN);
	if (pos >= 0)
		pos = add_cap(cfg, VIRTIO_PCI_CAP_ISR_CFG,
			      sizeof(struct virtio_pci_cap),
			      VIRTIO_PCI_ISR_OFF, VIRTIO_PCI_ISR_LEN);
	if (pos >= 0 && vdev->ops->config_len)
		pos = add_cap(cfg, VIRTIO_PCI_CAP_DEVICE_CFG,
			      sizeof(struct virtio_pci_cap),
			      VIRTIO_PCI_DEVICE_OFF, vdev->ops->config_len);
	if (pos >= 0)
		pos = add_cap(cfg, VIRTIO_PCI_CAP_NOTIFY_CFG,
			      sizeof(struct virtio_pci_notify_cap),
			      VIRTIO_PCI_NOTIFY_OFF,
			      vdev->nr_queues * VIRTIO_PCI_NOTIFY_MULT);
	if (pos >= 0)
		pci_cfg_set32(cfg, pos + VIRTIO_PCI_NOTIFY_CAP_MULT,
			      VIRTIO_PCI_NOTIFY_MULT);
	if (pos >= 0)
		pos = add_cap(cfg, VIRTIO_PCI_CAP_PCI_CFG,
			      sizeof(struct virtio_pci_cfg_cap), 0, 0);
	if (pos < 0)
		return pos;
	/* The driver picks the BAR, offset and length of its accesses. */
	vp->cfg_cap = pos;
	pci_cfg_set_wmask(cfg, pos + VIRTIO_PCI_CAP_BAR, 0xff, 1);
	pci_cfg_set_wmask(cfg, pos + VIRTIO_PCI_CAP_OFFSET, 0xffffffff, 4);
	pci_cfg_set_wmask(cfg, pos + VIRTIO_PCI_CAP_LENGTH, 0xffffffff, 4);
	pci_cfg_set_wmask(cfg, pos + CFG_DATA_OFF, 0xffffffff, 4);
	pos = msix_add_cap(cfg, vp->msix.nr, 0, VIRTIO_PCI_MSIX_TABLE_OFF,
			   VIRTIO_PCI_MSIX_PBA_OFF);
	if (pos < 0)
		return pos;
	vp->msix_cap = pos;
	return 0;
}

int virtio_pci_init(struct virtio_pci *vp, struct virtio_device *vdev,
		    uint32_t class_code, struct bus *mmio, const char *name)
{
	struct pci_cfg *cfg = &vp->cfg;

	if (vdev->nr_queues > VIRTIO_PCI_MAX_QUEUES ||
	    vdev->ops->config_len > VIRTIO_PCI_DEVICE_MAX)
		return -EINVAL;
	memset(vp, 0, sizeof(*vp));
	vp->vdev = vdev;
	vp->mmio = mmio;
	vp->name = name;
	vp->mapped_gpa = VIRTIO_PCI_UNMAPPED;
	vp->config_vector = VIRTIO_PCI_NO_VECTOR;
	for (unsigned int q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
		vp->queue_vector[q] = VIRTIO_PCI_NO_VECTOR;
	/* A vector for configuration changes and one per queue. */
	msix_table_init(&vp->msix, vp->msix_entries, vp->msix_pending,
			vdev->nr_queues + 1 < VIRTIO_PCI_MSIX_MAX ?
			vdev->nr_queues + 1 : VIRTIO_PCI_MSIX_MAX);
	vdev->transport = vp;
	vdev->interrupt = vp_interrupt;
	pci_cfg_init(cfg, VIRTIO_PCI_VENDOR_ID,
		     VIRTIO_PCI_DEVICE_ID_BASE + vdev->device_id, class_code,
		     VIRTIO_PCI_REVISION);
	pci_cfg_set16(cfg, PCI_SUBSYSTEM_VENDOR_ID, VIRTIO_PCI_VENDOR_ID);
	pci_cfg_set16(cfg, PCI_SUBSYSTEM_ID, VIRTIO_PCI_SUBSYS_ID);
	pci_cfg_set_wmask(cfg, PCI_COMMAND, PCI_COMMAND_MEMORY |
			  PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE, 2);
	/* A 32-bit, non-prefetchable memory BAR, sized by its wmask. */
	pci_cfg_set32(cfg, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_MEM_TYPE_32);
	pci_cfg_set_wmask(cfg, PCI_BASE_ADDRESS_0,
			  ~(uint32_t)(VIRTIO_PCI_BAR_SIZE - 1), 4);
	pci_cfg_set8(cfg, PCI_INTERRUPT_PIN, 1);	/* INTA */
	pci_cfg_set_wmask(cfg, PCI_INTERRUPT_LINE, 0xff, 1);
	vp->pdev = (struct pci_device) {
		.ops = &virtio_pci_cfg_ops, .opaque = vp, .name = name,
	};
	return add_caps(vp);
}

void virtio_pci_set_irq(struct virtio_pci *vp, const struct irq_line *irq)
{
	vp->irq = *irq;
	vp->irq_level = 0;
	pci_cfg_set8(&vp->cfg, PCI_INTERRUPT_LINE, irq->gsi);
}

void virtio_pci_set_msi(struct virtio_pci *vp, const struct msi_sender *msi)
{
	vp->msi = *msi;
}

uint64_t virtio_pci_notify_addr(const struct virtio_pci *vp, unsigned int q)
{
	if (vp->mapped_gpa == VIRTIO_PCI_UNMAPPED || q >= vp->vdev->nr_queues)
		return VIRTIO_PCI_UNMAPPED;
	return vp->mapped_gpa + VIRTIO_PCI_NOTIFY_OFF +
	       q * VIRTIO_PCI_NOTIFY_MULT;
}

void virtio_pci_place_bar(struct virtio_pci *vp, uint64_t gpa)
{
	uint32_t wm = le_get(&vp->cfg.wmask[PCI_BASE_ADDRESS_0], 4);
	uint32_t bar = pci_cfg_read(&vp->cfg, PCI_BASE_ADDRESS_0, 4);

	pci_cfg_set32(&vp->cfg, PCI_BASE_ADDRESS_0,
		      (bar & ~wm) | ((uint32_t)gpa & wm));
	bar_update(vp);
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
	if (vp->mapped_gpa != VIRTIO_PCI_UNMAPPED && vp->mmio)
		bus_unregister(vp->mmio, vp->mapped_gpa);
	vp->mapped_gpa = VIRTIO_PCI_UNMAPPED;
}
