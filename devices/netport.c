// SPDX-License-Identifier: GPL-2.0
/*
 * A domain's port on a network (netport.h). A ring record is the sender's
 * offload header (struct netoff_hdr, host order: both ends are this
 * slimhv on this host) followed by the frame.
 */
#include <errno.h>
#include <string.h>

#include "devices/netport.h"
#include "vmm/log.h"

#define REC_HDR		sizeof(struct netoff_hdr)

int netport_init(struct netport *np, struct virtio_net *dev,
		 const struct netsw_port *ports, unsigned int nr,
		 unsigned int self, uint64_t now_ms)
{
	int ret;

	memset(np, 0, sizeof(*np));
	ret = netsw_init(&np->sw, ports, nr, self, now_ms);
	if (ret)
		return ret;
	np->dev = dev;
	np->now_ms = now_ms;
	np->next_rx = (self + 1) % nr;
	return 0;
}

int netport_attach_peer(struct netport *np, unsigned int port,
			struct netring_tx_page *out_own,
			const struct netring_rx_page *out_peer,
			uint8_t *out_data, struct netring_rx_page *in_own,
			const struct netring_tx_page *in_peer,
			const uint8_t *in_data, uint32_t data_size)
{
	struct netport_peer *p;
	int ret;

	if (port >= np->sw.nr_ports || port == np->sw.self)
		return -EINVAL;
	p = &np->peers[port];
	ret = netring_tx_attach(&p->out, out_own, out_peer, out_data,
				data_size);
	if (!ret)
		ret = netring_rx_attach(&p->in, in_own, in_peer, in_data,
					data_size);
	if (ret)
		return ret;
	p->present = true;
	return 0;
}

void netport_update_link(struct netport *np)
{
	bool ours = np->dev && virtio_net_rx_running(np->dev), any = false;

	for (unsigned int i = 0; i < np->sw.nr_ports; i++) {
		struct netport_peer *p = &np->peers[i];
		bool up;

		if (!p->present)
			continue;
		netring_rx_set_up(&p->in, ours);
		up = netring_tx_peer_up(&p->out);
		netsw_set_up(&np->sw, i, up);
		any |= up;
	}
	if (np->dev)
		virtio_net_set_link(np->dev, any);
}

/* One frame into @port's ring. */
static void send_to(struct netport *np, unsigned int port,
		    const struct netoff_hdr *h, const uint8_t *frame,
		    size_t len)
{
	struct netport_peer *p = &np->peers[port];
	uint8_t *rec;
	int err;

	if (!p->present || !netring_tx_peer_up(&p->out)) {
		np->st.tx_peer_down++;
		return;
	}
	rec = netring_tx_begin(&p->out, (uint32_t)(REC_HDR + len), 0, &err);
	if (!rec) {
		np->st.tx_ring_full++;
		return;
	}
	memcpy(rec, h, REC_HDR);
	memcpy(rec + REC_HDR, frame, len);
	netring_tx_commit(&p->out);
	np->kick_data |= 1u << port;
}

int netport_send(void *opaque, const struct netoff_hdr *h,
		 const uint8_t *frame, size_t len)
{
	struct netport *np = opaque;
	enum netsw_drop why;
	uint32_t mask;

	if (len + REC_HDR > NETRING_MAX_FRAME)
		return -EMSGSIZE;
	mask = netsw_route(&np->sw, frame, len, np->now_ms, &why);
	if (!mask)
		return why == NETSW_BAD_SOURCE ? -EPERM : -ENETUNREACH;
	for (unsigned int i = 0; i < np->sw.nr_ports; i++)
		if (mask & (1u << i))
			send_to(np, i, h, frame, len);
	return 0;
}

uint32_t netport_flush(struct netport *np)
{
	uint32_t kick = 0;

	for (unsigned int i = 0; i < np->sw.nr_ports; i++) {
		if (!(np->kick_data & (1u << i)))
			continue;
		if (netring_tx_publish(&np->peers[i].out))
			kick |= 1u << i;
	}
	np->kick_data = 0;
	return kick;
}

/*
 * Up to @budget frames of @port's ring to the guest: the frames handed
 * over; @full says the guest had no room for the next.
 */
static unsigned int poll_one(struct netport *np, unsigned int port,
			     unsigned int budget, uint64_t now_ms, bool *full)
{
	struct netport_peer *p = &np->peers[port];
	unsigned int done = 0;
	const uint8_t *rec;
	struct netoff_hdr h;
	uint32_t len, flags;
	int ret = 0;

	while (done < budget &&
	       !netring_rx_peek(&p->in, &rec, &len, &flags)) {
		if (len < REC_HDR + ETH_HLEN) {
			np->st.rx_bad++;
			netring_rx_next(&p->in);
			continue;
		}
		/* Read once: the sender may change what is in the ring. */
		memcpy(&h, rec, REC_HDR);
		if (netsw_accept(&np->sw, port, rec + REC_HDR, len - REC_HDR,
				 now_ms) != NETSW_OK) {
			np->st.rx_refused++;
			netring_rx_next(&p->in);
			continue;
		}
		ret = virtio_net_receive(np->dev, &h, rec + REC_HDR,
					 len - REC_HDR);
		if (ret == -ENOSPC)
			break;
		if (ret == -ENETDOWN)
			np->st.rx_down++;
		/* Delivered, or dropped by the device (counted there). */
		netring_rx_next(&p->in);
		done++;
	}
	if (netring_rx_done(&p->in))
		np->kick_space |= 1u << port;
	*full = ret == -ENOSPC;
	return done;
}

unsigned int netport_poll(struct netport *np, unsigned int budget,
			  uint64_t now_ms)
{
	unsigned int total = 0, nr = np->sw.nr_ports, start = np->next_rx;

	np->now_ms = now_ms;
	np->rx_pending = false;
	np->guest_full = false;
	for (unsigned int k = 0; k < nr; k++) {
		unsigned int i = (start + k) % nr, n;
		bool full;

		if (i == np->sw.self || !np->peers[i].present)
			continue;
		n = poll_one(np, i, budget, now_ms, &full);
		total += n;
		if (full) {
			/*
			 * The guest is full: the rest wait for its buffers,
			 * which it notifies (rx_ready) once it posts some.
			 */
			np->next_rx = i;
			virtio_net_rx_flush(np->dev);
			np->guest_full = true;
			np->rx_pending = virtio_net_rx_wait(np->dev);
			return total;
		}
		if (n == budget)
			np->rx_pending = true;
	}
	/* The next round starts one ring further: no ring always first. */
	np->next_rx = (start + 1) % nr;
	virtio_net_rx_flush(np->dev);
	return total;
}
