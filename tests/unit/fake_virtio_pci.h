/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio-console behind virtio-pci, on an MMIO bus, over fake guest
 * memory, and a fake driver that sets it up the way Linux's virtio_pci
 * and virtio_console drivers do.
 */
#ifndef SLIMHV_TESTS_UNIT_FAKE_VIRTIO_PCI_H
#define SLIMHV_TESTS_UNIT_FAKE_VIRTIO_PCI_H

#include <errno.h>

#include "devices/virtio_console.h"
#include "devices/virtio_pci.h"
#include "tests/unit/fake_vring.h"

#define FVP_BAR_GPA	0xc0000000ULL
#define FVP_GSI		17
#define FVP_RING_GPA	0x10000ULL	/* queue q at + q * 0x4000 */
#define FVP_BUF_GPA	0x80000ULL	/* buffer i of queue q: 256 bytes */

struct fvp {
	struct guest_mem mem;
	struct bus mmio;
	struct virtio_console con;
	struct virtio_pci vp;
	struct fake_vring r[VIRTIO_CONSOLE_NR_QUEUES];
	int level;
	unsigned int level_changes;
	char out[4096];
	size_t out_len;
	ssize_t be_ret;		/* 0: take everything; else return this */
	unsigned int rx_ready;
	unsigned int msis;	/* MSI-X messages sent, and the last one */
	unsigned int msi_vector;
	uint64_t msi_addr;
	uint32_t msi_data;
};

static inline int fvp_send_msi(void *ctx, unsigned int vector,
			       uint64_t addr, uint32_t data)
{
	struct fvp *f = ctx;

	f->msis++;
	f->msi_vector = vector;
	f->msi_addr = addr;
	f->msi_data = data;
	return 0;
}

static inline int fvp_set_level(void *ctx, uint32_t gsi, int level)
{
	struct fvp *f = ctx;

	if (gsi == FVP_GSI) {
		f->level = level;
		f->level_changes++;
	}
	return 0;
}

static inline ssize_t fvp_write(void *opaque, const void *buf, size_t len)
{
	struct fvp *f = opaque;

	if (f->be_ret)
		return f->be_ret;
	if (len > sizeof(f->out) - f->out_len)
		len = sizeof(f->out) - f->out_len;
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	return len;
}

static inline void fvp_rx_ready(void *opaque)
{
	((struct fvp *)opaque)->rx_ready++;
}

static inline uint32_t fvp_cfg_r(struct fvp *f, uint32_t off, uint32_t len)
{
	return f->vp.pdev.ops->cfg_read(&f->vp.pdev, off, len);
}

static inline void fvp_cfg_w(struct fvp *f, uint32_t off, uint32_t val,
			     uint32_t len)
{
	f->vp.pdev.ops->cfg_write(&f->vp.pdev, off, val, len);
}

static inline uint64_t fvp_r(struct fvp *f, uint64_t off, uint32_t len)
{
	uint8_t d[8];

	bus_access(&f->mmio, FVP_BAR_GPA + off, d, len, false);
	return le_get(d, len);
}

static inline int fvp_w(struct fvp *f, uint64_t off, uint64_t val,
			uint32_t len)
{
	uint8_t d[8];

	le_put(d, len, val);
	return bus_access(&f->mmio, FVP_BAR_GPA + off, d, len, true);
}

#define COMMON(reg)	(VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_##reg)

static inline uint8_t fvp_status(struct fvp *f)
{
	return fvp_r(f, COMMON(STATUS), 1);
}

/* The device, its BAR placed and decoding on (as Linux leaves it). */
static inline void fvp_init(struct fvp *f)
{
	struct virtio_console_backend be = {
		.write = fvp_write, .rx_ready = fvp_rx_ready, .opaque = f,
	};
	struct irq_line irq = {
		.set_level = fvp_set_level, .ctx = f, .gsi = FVP_GSI,
	};
	struct msi_sender msi = { .send = fvp_send_msi, .ctx = f };

	memset(f, 0, sizeof(*f));
	fake_mem_init(&f->mem);
	bus_init(&f->mmio, "mmio");
	virtio_console_init(&f->con, &f->mem, &be);
	if (virtio_pci_init(&f->vp, &f->con.vdev, 0x078000, &f->mmio,
			    "virtio-console"))
		abort();
	virtio_pci_set_irq(&f->vp, &irq);
	virtio_pci_set_msi(&f->vp, &msi);
	virtio_pci_place_bar(&f->vp, FVP_BAR_GPA);
	fvp_cfg_w(f, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	for (unsigned int q = 0; q < VIRTIO_CONSOLE_NR_QUEUES; q++)
		fake_vring_init(&f->r[q], &f->mem, FVP_RING_GPA + q * 0x4000,
				VIRTIO_CONSOLE_QUEUE_SIZE);
}

static inline void fvp_free(struct fvp *f)
{
	virtio_pci_destroy(&f->vp);
	fake_mem_free(&f->mem);
}

static inline uint64_t fvp_features(struct fvp *f)
{
	uint64_t v;

	fvp_w(f, COMMON(DFSELECT), 0, 4);
	v = fvp_r(f, COMMON(DF), 4);
	fvp_w(f, COMMON(DFSELECT), 1, 4);
	return v | fvp_r(f, COMMON(DF), 4) << 32;
}

/* Reset, negotiate @features; returns the status read back. */
static inline uint8_t fvp_negotiate(struct fvp *f, uint64_t features)
{
	fvp_w(f, COMMON(STATUS), 0, 1);
	fvp_w(f, COMMON(STATUS), VIRTIO_CONFIG_S_ACKNOWLEDGE, 1);
	fvp_w(f, COMMON(STATUS), VIRTIO_CONFIG_S_ACKNOWLEDGE |
	      VIRTIO_CONFIG_S_DRIVER, 1);
	fvp_w(f, COMMON(GFSELECT), 0, 4);
	fvp_w(f, COMMON(GF), (uint32_t)features, 4);
	fvp_w(f, COMMON(GFSELECT), 1, 4);
	fvp_w(f, COMMON(GF), features >> 32, 4);
	fvp_w(f, COMMON(STATUS), VIRTIO_CONFIG_S_ACKNOWLEDGE |
	      VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK, 1);
	return fvp_status(f);
}

static inline void fvp_setup_queue(struct fvp *f, unsigned int q)
{
	fvp_w(f, COMMON(Q_SELECT), q, 2);
	fvp_w(f, COMMON(Q_SIZE), f->r[q].size, 2);
	fvp_w(f, COMMON(Q_DESCLO), (uint32_t)f->r[q].desc_gpa, 4);
	fvp_w(f, COMMON(Q_DESCHI), f->r[q].desc_gpa >> 32, 4);
	fvp_w(f, COMMON(Q_AVAILLO), f->r[q].avail_gpa, 8);
	fvp_w(f, COMMON(Q_USEDLO), (uint32_t)f->r[q].used_gpa, 4);
	fvp_w(f, COMMON(Q_USEDHI), 0, 4);
	fvp_w(f, COMMON(Q_ENABLE), 1, 2);
}

#define FVP_DRIVER_OK							\
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |		\
	 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK)

/* The whole setup: negotiate @features, all queues, DRIVER_OK. */
static inline uint8_t fvp_driver_up(struct fvp *f, uint64_t features)
{
	fvp_negotiate(f, features);
	for (unsigned int q = 0; q < VIRTIO_CONSOLE_NR_QUEUES; q++)
		fvp_setup_queue(f, q);
	fvp_w(f, COMMON(STATUS), FVP_DRIVER_OK, 1);
	return fvp_status(f);
}

static inline void fvp_notify(struct fvp *f, unsigned int q)
{
	fvp_w(f, VIRTIO_PCI_NOTIFY_OFF + q * VIRTIO_PCI_NOTIFY_MULT, q, 2);
}

/* Guest memory of buffer @i of queue @q. */
static inline uint64_t fvp_buf(unsigned int q, unsigned int i)
{
	return FVP_BUF_GPA + (q * VIRTIO_CONSOLE_QUEUE_SIZE + i) * 256ULL;
}

/* Post @n writable 256-byte buffers on queue @q, as fill_queue() does. */
static inline void fvp_fill(struct fvp *f, unsigned int q, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct fake_buf b = { fvp_buf(q, i), 256, true };

		fake_vring_add(&f->r[q], &b, 1);
	}
}

/* Send a control message from the driver (queue 3) and notify. */
static inline void fvp_send_ctrl(struct fvp *f, uint32_t id, uint16_t event,
				 uint16_t value)
{
	static unsigned int slot;
	struct virtio_console_control m = {
		.id = id, .event = event, .value = value,
	};
	uint64_t gpa = fvp_buf(VCON_Q_CTRL_TX, slot++ % 8);
	struct fake_buf b = { gpa, sizeof(m), false };

	memcpy(f->mem.host + gpa, &m, sizeof(m));
	fake_vring_add(&f->r[VCON_Q_CTRL_TX], &b, 1);
	fvp_notify(f, VCON_Q_CTRL_TX);
}

/* The next control message the device used on queue 2: false if none. */
static inline bool fvp_recv_ctrl(struct fvp *f,
				 struct virtio_console_control *m,
				 char *name, size_t name_size)
{
	uint32_t id, len;
	uint8_t *p;

	if (!fake_vring_used(&f->r[VCON_Q_CTRL_RX], &id, &len))
		return false;
	p = f->mem.host + f->r[VCON_Q_CTRL_RX].desc[id].addr;
	memcpy(m, p, sizeof(*m));
	if (name && name_size) {
		size_t n = len > sizeof(*m) ? len - sizeof(*m) : 0;

		if (n >= name_size)
			n = name_size - 1;
		memcpy(name, p + sizeof(*m), n);
		name[n] = 0;
	}
	return true;
}

#endif /* SLIMHV_TESTS_UNIT_FAKE_VIRTIO_PCI_H */
