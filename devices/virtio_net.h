/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net (virtio 1.2, 5.1): one receive and one transmit queue, no
 * control queue. Offered: MAC, STATUS, MTU, MRG_RXBUF, CSUM, GUEST_CSUM,
 * HOST_TSO4/6 and GUEST_TSO4/6. A frame the guest sends goes to the
 * backend with its virtio-net header checked (netoffload.h); a frame for
 * the guest comes with the header its sender gave it, and is completed
 * here for the offloads this guest did not negotiate.
 *
 *   queue 0  receiveq    network -> guest
 *   queue 1  transmitq   guest -> network
 *
 * Pure logic, transport-independent (virtio_pci wires up net->vdev);
 * callers serialize calls.
 */
#ifndef SLIMHV_DEVICES_VIRTIO_NET_H
#define SLIMHV_DEVICES_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_net.h>

#include "devices/netoffload.h"
#include "devices/virtio.h"

#define VIRTIO_NET_PCI_CLASS	0x020000	/* network, Ethernet */
#define VIRTIO_NET_NR_QUEUES	2
#define VIRTIO_NET_QUEUE_SIZE	256
#define VIRTIO_NET_HDR_LEN	sizeof(struct virtio_net_hdr_v1)
/* The largest frame either way: a 64 KiB TCP segment with its headers. */
#define VIRTIO_NET_MAX_FRAME	NETOFF_MAX_SEG
#define VIRTIO_NET_MIN_MTU	68
#define VIRTIO_NET_MAX_MTU	65535

enum {
	VNET_Q_RX,
	VNET_Q_TX,
};

struct virtio_net_backend {
	/*
	 * A frame from the guest, its header checked: 0, or -errno (the
	 * frame is dropped and counted).
	 */
	int (*send)(void *opaque, const struct netoff_hdr *h,
		    const uint8_t *frame, size_t len);
	/* Optional: the guest posted receive buffers. */
	void (*rx_ready)(void *opaque);
	/* Optional: the end of a run of sends (one notify's frames). */
	void (*tx_done)(void *opaque);
	void *opaque;
};

struct virtio_net_stats {
	uint64_t tx_frames, tx_bytes, tx_dropped;
	uint64_t rx_frames, rx_bytes, rx_dropped;
};

struct virtio_net {
	struct virtio_device vdev;
	struct virtq vqs[VIRTIO_NET_NR_QUEUES];
	struct virtio_net_backend be;
	uint8_t mac[6];
	uint16_t mtu;
	bool link_up;
	struct virtio_net_stats st;
	/* A frame from the guest in one piece. */
	uint8_t txbuf[VIRTIO_NET_HDR_LEN + VIRTIO_NET_MAX_FRAME];
	/* A frame for the guest, completed (checksum, a segment). */
	uint8_t rxbuf[VIRTIO_NET_MAX_FRAME];
};

/* The device over @mem, link down until virtio_net_set_link(). */
void virtio_net_init(struct virtio_net *n, const struct guest_mem *mem,
		     const uint8_t mac[6], uint16_t mtu,
		     const struct virtio_net_backend *be);
/* The link as the guest sees it (a config change interrupt when it moves). */
void virtio_net_set_link(struct virtio_net *n, bool up);
/* The offloads the driver took, as NETOFF_* flags, for frames to it. */
unsigned int virtio_net_guest_caps(const struct virtio_net *n);
/* Whether the driver is running with its receive queue enabled. */
bool virtio_net_rx_running(struct virtio_net *n);

/*
 * A frame for the guest, with its sender's header: 0 (delivered, or
 * dropped and counted: too big for the guest's buffers, a header that does
 * not hold), -ENOSPC (no receive buffer now: try again after rx_ready) or
 * -ENETDOWN (no driver, or the link is down). virtio_net_rx_flush()
 * interrupts the guest once for a batch.
 */
int virtio_net_receive(struct virtio_net *n, const struct netoff_hdr *h,
		       const uint8_t *frame, size_t len);
void virtio_net_rx_flush(struct virtio_net *n);
/*
 * After -ENOSPC: ask the driver to notify (rx_ready) when it posts the
 * next receive buffer. True when buffers came meanwhile: try again now.
 */
bool virtio_net_rx_wait(struct virtio_net *n);

#endif /* SLIMHV_DEVICES_VIRTIO_NET_H */
