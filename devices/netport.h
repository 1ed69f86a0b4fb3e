/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One domain's port on a network: its virtio-net device, the switch as
 * this port runs it (netswitch.h), and a pair of rings (netring.h) with
 * each other port, one each way. A frame the guest sends is switched here
 * and written into the ring of each port it goes to; frames from the
 * other ports are read from their rings in turn, a bounded batch from
 * each, checked by the switch and handed to the device. A ring that is
 * full, or a port that is down, drops the frame and counts it: no sender
 * ever waits for a receiver.
 *
 * Doorbells stay outside: netport_flush() says which ports to kick for
 * data, netport_poll() which for space (their eventfds, in the VMM).
 * Pure logic: no syscalls.
 */
#ifndef SLIMHV_DEVICES_NETPORT_H
#define SLIMHV_DEVICES_NETPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/netoffload.h"
#include "devices/netring.h"
#include "devices/netswitch.h"
#include "devices/virtio_net.h"

struct netport_stats {
	uint64_t tx_ring_full;		/* frames a full ring dropped */
	uint64_t tx_peer_down;		/* frames for a port that is down */
	uint64_t rx_refused;		/* frames the switch refused */
	uint64_t rx_bad;		/* records that are no frame */
	uint64_t rx_down;		/* frames for a guest not taking any */
};

struct netport_peer {
	bool present;			/* a port of the network */
	struct netring_tx out;		/* to it */
	struct netring_rx in;		/* from it */
};

struct netport {
	struct netsw sw;
	struct virtio_net *dev;
	struct netport_peer peers[NETSW_MAX_PORTS];
	uint32_t kick_data;		/* ports with frames published */
	uint32_t kick_space;		/* ports that wait for room we made */
	unsigned int next_rx;		/* where the round of rings starts */
	uint64_t now_ms;		/* the caller's clock, for the switch */
	bool rx_pending;		/* a ring had more than a batch */
	bool guest_full;		/* frames wait for the guest's buffers */
	struct netport_stats st;
};

/*
 * The port @self of a network with @nr ports (@ports: their MACs and
 * bridge flags) for the device @dev; each peer's rings are attached with
 * netport_attach_peer(). 0 or -EINVAL.
 */
int netport_init(struct netport *np, struct virtio_net *dev,
		 const struct netsw_port *ports, unsigned int nr,
		 unsigned int self, uint64_t now_ms);
int netport_attach_peer(struct netport *np, unsigned int port,
			struct netring_tx_page *out_own,
			const struct netring_rx_page *out_peer,
			uint8_t *out_data, struct netring_rx_page *in_own,
			const struct netring_tx_page *in_peer,
			const uint8_t *in_data, uint32_t data_size);

/* The virtio-net backend's send (opaque: the netport). */
int netport_send(void *opaque, const struct netoff_hdr *h,
		 const uint8_t *frame, size_t len);
/* Show the frames sent to their receivers: the ports to kick, a mask. */
uint32_t netport_flush(struct netport *np);
/*
 * One round over the other ports' rings, at most @budget frames from
 * each to the guest: the frames delivered. rx_pending says a ring had
 * more (poll again); when the guest has no receive buffer left, the rest
 * wait until it posts some: guest_full says so, and the device has asked
 * the guest to notify when it does (rx_pending if it already did). Sets
 * kick_space.
 */
unsigned int netport_poll(struct netport *np, unsigned int budget,
			  uint64_t now_ms);
/*
 * This port's link as the other ports see it (its guest's driver running
 * its receive queue), and the guest's link (some other port up).
 */
void netport_update_link(struct netport *np);

#endif /* SLIMHV_DEVICES_NETPORT_H */
