// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console over virtio-pci (devices/virtio_{console,pci}.c), driven
 * as a hostile guest would: config-space and BAR0 accesses (including
 * queue notifies, so the device walks rings in fake guest RAM with
 * inaccessible pages on both sides), RAM writes, and host input.
 *
 * Input: 1-byte operations with their operands: config read/write, BAR0
 * read/write through the MMIO bus, a RAM write, host input (deliver), and
 * a "driver" op that brings the device up with rings at fuzzed addresses
 * (to reach the queues quickly).
 *
 * Checks, beside the sanitizers: the interrupt line changes only when its
 * level changes, and is up exactly when the ISR has a bit, INTx is not
 * disabled and MSI-X is off; an MSI-X message goes out only for a vector
 * that exists, is unmasked and has the message the table holds; no vector
 * stays pending once it can be sent; the driver's vectors are NO_VECTOR or
 * in the table; FEATURES_OK is never set with features not offered or without
 * VERSION_1; queue sizes stay valid powers of two; nothing is left in
 * flight after an access; deliver() takes at most what it is given, and
 * nothing while the port is closed; the bytes the backend got are those
 * counted; BAR0 is on the bus exactly where the device says; the control
 * message queue stays bounded.
 */
#include <errno.h>

#include "devices/virtio_console.h"
#include "devices/virtio_pci.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE	0x20000ULL
#define GUARD		0x10000ULL
#define GSI		18

enum op_kind {
	OP_CFG_READ, OP_CFG_WRITE, OP_BAR_READ, OP_BAR_WRITE, OP_RAM,
	OP_DELIVER, OP_DRIVER, OP_NOTIFY, NR_OPS
};

struct harness {
	struct bus mmio;
	struct virtio_console con;
	struct virtio_pci vp;
	int level;
	uint64_t msis;
	uint64_t backend_bytes;
	int backend_ret;	/* 0: take it all */
};

static uint8_t *ram;
static struct guest_mem mem;
static struct harness h;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	fuzz_guest_ram(&mem, RAM_SIZE, GUARD);
	ram = mem.host;
	return 0;
}

static int set_level(void *ctx, uint32_t gsi, int level)
{
	struct harness *s = ctx;

	FUZZ_CHECK_EQ(gsi, GSI);
	FUZZ_CHECK(level == 0 || level == 1);
	FUZZ_CHECK(level != s->level);
	s->level = level;
	return 0;
}

static int send_msi(void *ctx, unsigned int vector, uint64_t addr,
		    uint32_t data)
{
	struct harness *s = ctx;
	uint64_t a;
	uint32_t d;

	FUZZ_CHECK(vector < s->vp.msix.nr);
	FUZZ_CHECK(msix_vector(&s->vp.msix, vector, &a, &d));
	FUZZ_CHECK_EQ(addr, a);
	FUZZ_CHECK_EQ(data, d);
	s->msis++;
	return 0;
}

static ssize_t be_write(void *opaque, const void *buf, size_t len)
{
	static uint8_t sink[RAM_SIZE];
	struct harness *s = opaque;

	/* Touch it all: a buffer outside RAM faults here. */
	FUZZ_CHECK(len <= RAM_SIZE);
	memcpy(sink, buf, len);
	if (s->backend_ret < 0)
		return s->backend_ret;
	if (s->backend_ret && (size_t)s->backend_ret < len)
		len = s->backend_ret;
	s->backend_bytes += len;
	return len;
}

static void check_state(struct harness *s)
{
	const struct virtio_device *vdev = &s->con.vdev;
	uint16_t cmd = pci_cfg_read(&s->vp.cfg, PCI_COMMAND, 2);
	const struct bus_range *r;

	FUZZ_CHECK_EQ(s->level, s->vp.isr && !(cmd & PCI_COMMAND_INTX_DISABLE) &&
		      !s->vp.msix.enabled);
	FUZZ_CHECK_EQ(s->msis, s->vp.msi_sent);
	for (unsigned int v = 0; v < s->vp.msix.nr; v++)
		FUZZ_CHECK(!(s->vp.msix_pending[v / 64] & (1ULL << v % 64)) ||
			   !msix_vector(&s->vp.msix, v, NULL, NULL));
	FUZZ_CHECK(s->vp.config_vector == VIRTIO_PCI_NO_VECTOR ||
		   s->vp.config_vector < s->vp.msix.nr);
	for (unsigned int q = 0; q < VIRTIO_CONSOLE_NR_QUEUES; q++)
		FUZZ_CHECK(s->vp.queue_vector[q] == VIRTIO_PCI_NO_VECTOR ||
			   s->vp.queue_vector[q] < s->vp.msix.nr);
	FUZZ_CHECK(!(s->vp.isr & ~(VIRTIO_PCI_ISR_QUEUE |
				   VIRTIO_PCI_ISR_CONFIG)));
	if (vdev->status & VIRTIO_CONFIG_S_FEATURES_OK) {
		FUZZ_CHECK(!(vdev->driver_features & ~vdev->features));
		FUZZ_CHECK(vdev->driver_features &
			   (1ULL << VIRTIO_F_VERSION_1));
	}
	if ((vdev->status & VIRTIO_CONFIG_S_DRIVER_OK))
		FUZZ_CHECK(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK);
	for (unsigned int q = 0; q < VIRTIO_CONSOLE_NR_QUEUES; q++) {
		const struct virtq *vq = &s->con.vqs[q];

		FUZZ_CHECK(virtq_size_valid(vq->size, vq->max_size));
		FUZZ_CHECK_EQ(vq->in_flight, 0);
		FUZZ_CHECK(!vq->enabled || vq->desc);
	}
	FUZZ_CHECK(s->con.nr_pending <= VIRTIO_CONSOLE_CTRL_PENDING);
	FUZZ_CHECK_EQ(s->backend_bytes, s->con.tx_bytes);
	if (s->vp.mapped_gpa == VIRTIO_PCI_UNMAPPED) {
		FUZZ_CHECK_EQ(s->mmio.nr, 0);
	} else {
		FUZZ_CHECK_EQ(s->mmio.nr, 1);
		r = bus_find(&s->mmio, s->vp.mapped_gpa, 1);
		FUZZ_CHECK(r && r->opaque == &s->vp);
		FUZZ_CHECK_EQ(r->len, VIRTIO_PCI_BAR_SIZE);
		FUZZ_CHECK(cmd & PCI_COMMAND_MEMORY);
	}
}

static int bar_access(struct harness *s, uint64_t off, uint64_t *v,
		      uint32_t len, bool write)
{
	uint8_t d[8];
	int ret;

	le_put(d, len, *v);
	if (s->vp.mapped_gpa == VIRTIO_PCI_UNMAPPED)
		return write ? virtio_pci_bar_ops.write(&s->vp, off, d, len) :
			virtio_pci_bar_ops.read(&s->vp, off, d, len);
	ret = bus_access(&s->mmio, s->vp.mapped_gpa + off, d, len, write);
	*v = le_get(d, len);
	return ret;
}

/* A driver that sets the device up, with rings wherever it is told. */
static void driver(struct harness *s, struct fuzz_in *in)
{
	uint64_t features = fuzz_u64(in), v;
	uint8_t sizes = fuzz_u8(in);

	v = 0;
	bar_access(s, VIRTIO_PCI_COMMON_STATUS, &v, 1, true);
	v = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	bar_access(s, VIRTIO_PCI_COMMON_STATUS, &v, 1, true);
	for (uint64_t i = 0; i < 2; i++) {
		v = i;
		bar_access(s, VIRTIO_PCI_COMMON_GFSELECT, &v, 4, true);
		v = features >> (32 * i);
		bar_access(s, VIRTIO_PCI_COMMON_GF, &v, 4, true);
	}
	v = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
	    VIRTIO_CONFIG_S_FEATURES_OK;
	bar_access(s, VIRTIO_PCI_COMMON_STATUS, &v, 1, true);
	for (uint64_t q = 0; q < VIRTIO_CONSOLE_NR_QUEUES; q++) {
		v = q;
		bar_access(s, VIRTIO_PCI_COMMON_Q_SELECT, &v, 2, true);
		v = 1u << ((sizes >> (2 * q)) & 3) * 2;
		bar_access(s, VIRTIO_PCI_COMMON_Q_SIZE, &v, 2, true);
		v = fuzz_u16(in) * 16ULL;
		bar_access(s, VIRTIO_PCI_COMMON_Q_DESCLO, &v, 8, true);
		v = fuzz_u16(in) * 2ULL;
		bar_access(s, VIRTIO_PCI_COMMON_Q_AVAILLO, &v, 8, true);
		v = fuzz_u16(in) * 4ULL;
		bar_access(s, VIRTIO_PCI_COMMON_Q_USEDLO, &v, 8, true);
		v = 1;
		bar_access(s, VIRTIO_PCI_COMMON_Q_ENABLE, &v, 2, true);
	}
	v = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
	    VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;
	bar_access(s, VIRTIO_PCI_COMMON_STATUS, &v, 1, true);
}

static void deliver(struct harness *s, struct fuzz_in *in)
{
	uint8_t buf[600];
	size_t n = fuzz_u16(in) % sizeof(buf), got;
	bool open = virtio_console_guest_open(&s->con);

	memset(buf, 'h', n);
	got = virtio_console_deliver(&s->con, buf, n);
	FUZZ_CHECK(got <= n);
	FUZZ_CHECK(open || !got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t lens[4] = { 1, 2, 4, 8 };
	static const uint32_t cfg_lens[4] = { 1, 2, 4, 4 };
	struct virtio_console_backend be = { .write = be_write, .opaque = &h };
	struct irq_line irq = { .set_level = set_level, .ctx = &h, .gsi = GSI };
	struct msi_sender msi = { .send = send_msi, .ctx = &h };
	struct harness *s = &h;
	struct fuzz_in in;

	memset(ram, 0, RAM_SIZE);
	memset(s, 0, sizeof(*s));
	bus_init(&s->mmio, "mmio");
	virtio_console_init(&s->con, &mem, &be);
	FUZZ_CHECK(!virtio_pci_init(&s->vp, &s->con.vdev,
				    VIRTIO_CONSOLE_PCI_CLASS, &s->mmio,
				    "virtio-console"));
	virtio_pci_set_irq(&s->vp, &irq);
	virtio_pci_set_msi(&s->vp, &msi);
	virtio_pci_place_bar(&s->vp, 0xc0000000);
	fuzz_in_init(&in, data, size);
	while (!fuzz_done(&in)) {
		uint8_t kind = fuzz_u8(&in) % NR_OPS;
		uint16_t where = fuzz_u16(&in);
		uint64_t v;

		switch (kind) {
		case OP_CFG_READ:
			s->vp.pdev.ops->cfg_read(&s->vp.pdev,
						 (where & 0xfff) & ~3u, 4);
			break;
		case OP_CFG_WRITE: {
			uint32_t len = cfg_lens[where >> 14];
			uint32_t off = where & 0xfff & ~(len - 1);

			s->vp.pdev.ops->cfg_write(&s->vp.pdev, off,
						  fuzz_u32(&in), len);
			break;
		}
		case OP_BAR_READ:
		case OP_BAR_WRITE: {
			uint32_t len = lens[where >> 14];
			/* The upper half: the MSI-X table and PBA. */
			uint64_t off = (where & 0x3fff) |
				       (fuzz_u8(&in) & 1ULL) << 14;

			if (off + len > VIRTIO_PCI_BAR_SIZE)
				off = VIRTIO_PCI_BAR_SIZE - len;
			v = fuzz_take(&in, len);
			bar_access(s, off, &v, len, kind == OP_BAR_WRITE);
			break;
		}
		case OP_RAM: {
			uint32_t off = fuzz_u32(&in) % RAM_SIZE;
			uint32_t n = where % 64;

			if (n > RAM_SIZE - off)
				n = RAM_SIZE - off;
			fuzz_bytes(&in, ram + off, n);
			break;
		}
		case OP_DELIVER:
			s->backend_ret = (int8_t)(where >> 8);
			deliver(s, &in);
			break;
		case OP_DRIVER:
			driver(s, &in);
			break;
		case OP_NOTIFY:
			v = where & 3;
			bar_access(s, VIRTIO_PCI_NOTIFY_OFF +
				   v * VIRTIO_PCI_NOTIFY_MULT, &v, 2, true);
			break;
		}
		check_state(s);
	}
	virtio_pci_destroy(&s->vp);
	FUZZ_CHECK_EQ(s->mmio.nr, 0);
	return 0;
}
