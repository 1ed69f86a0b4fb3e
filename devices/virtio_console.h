/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-console (virtio 1.2, 5.3) as slimhv's control channel: MULTIPORT
 * with exactly one port, id 0, named VIRTIO_CONSOLE_CONTROL_NAME, which is
 * not a console port (Linux shows it as /dev/vportNp0, not as an hvc). The
 * device adds the port when the driver says DEVICE_READY, names and opens
 * it when the driver says PORT_READY, and tracks the guest's PORT_OPEN.
 *
 *   queue 0  port 0 receiveq    host -> guest data
 *   queue 1  port 0 transmitq   guest -> host data
 *   queue 2  control receiveq   device -> driver control messages
 *   queue 3  control transmitq  driver -> device control messages
 *
 * Pure logic, transport-independent: a transport (virtio_pci) wires up
 * console->vdev. Callers serialize calls (the VM's device lock).
 */
#ifndef SLIMHV_DEVICES_VIRTIO_CONSOLE_H
#define SLIMHV_DEVICES_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/virtio_console.h>

#include "devices/virtio.h"

#define VIRTIO_CONSOLE_CONTROL_NAME	"org.slimhv.control"
#define VIRTIO_CONSOLE_PCI_CLASS	0x078000	/* communication, other */
#define VIRTIO_CONSOLE_NR_QUEUES	4
#define VIRTIO_CONSOLE_QUEUE_SIZE	64
/* Control messages waiting for the driver's control receive buffers. */
#define VIRTIO_CONSOLE_CTRL_PENDING	8

enum {
	VCON_Q_RX,		/* port 0 receiveq */
	VCON_Q_TX,		/* port 0 transmitq */
	VCON_Q_CTRL_RX,		/* control receiveq */
	VCON_Q_CTRL_TX,		/* control transmitq */
};

struct virtio_console_backend {
	/*
	 * Guest -> host bytes, best effort: what it does not take (a short
	 * count, or -errno such as -EAGAIN) is dropped and counted.
	 */
	ssize_t (*write)(void *opaque, const void *buf, size_t len);
	/* Optional: the guest posted receive buffers or opened the port. */
	void (*rx_ready)(void *opaque);
	void *opaque;
};

struct virtio_console {
	struct virtio_device vdev;
	struct virtq vqs[VIRTIO_CONSOLE_NR_QUEUES];
	struct virtio_console_backend be;

	bool port_added;	/* PORT_ADD queued (after DEVICE_READY) */
	bool port_ready;	/* the driver's PORT_READY 1 */
	bool guest_open;	/* the driver's last PORT_OPEN */

	struct virtio_console_control pending[VIRTIO_CONSOLE_CTRL_PENDING];
	unsigned int pending_head;
	unsigned int nr_pending;

	uint64_t tx_bytes;	/* guest -> host, taken by the backend */
	uint64_t tx_dropped;	/* guest -> host, dropped */
	uint64_t rx_bytes;	/* host -> guest */
	uint64_t ctrl_dropped;	/* control messages lost (queue full) */
};

/* The device over @mem (the guest's RAM), before a transport is added. */
void virtio_console_init(struct virtio_console *c,
			 const struct guest_mem *mem,
			 const struct virtio_console_backend *be);
/*
 * Host -> guest: copy up to @len bytes into the receive buffers the guest
 * posted on port 0 and interrupt it. Returns the bytes accepted: 0 when the
 * guest has not opened the port, posted no buffer, or the device is not
 * running.
 */
size_t virtio_console_deliver(struct virtio_console *c, const void *buf,
			      size_t len);
/* Whether the guest has the port open. */
bool virtio_console_guest_open(const struct virtio_console *c);

#endif /* SLIMHV_DEVICES_VIRTIO_CONSOLE_H */
