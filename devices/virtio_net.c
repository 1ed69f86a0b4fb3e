// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (virtio_net.h). Linux's drivers/net/virtio_net.c drives it:
 * with MRG_RXBUF it posts receive buffers of a page or so, each chain one
 * writable segment, and a frame may span several (num_buffers says how
 * many); without it, each chain takes a whole frame. It sends each skb as
 * one chain: the header, then the frame in up to MAX_SKB_FRAGS + 1 pieces.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <linux/virtio_ids.h>

#include "devices/virtio_net.h"
#include "vmm/log.h"

#define VNET_FEATURES							\
	((1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS) |	\
	 (1ULL << VIRTIO_NET_F_MTU) | (1ULL << VIRTIO_NET_F_MRG_RXBUF) |\
	 (1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |\
	 (1ULL << VIRTIO_NET_F_HOST_TSO4) |				\
	 (1ULL << VIRTIO_NET_F_HOST_TSO6) |				\
	 (1ULL << VIRTIO_NET_F_GUEST_TSO4) |				\
	 (1ULL << VIRTIO_NET_F_GUEST_TSO6))

static struct virtio_net *to_net(struct virtio_device *vdev)
{
	return vdev->priv;
}

static bool has(const struct virtio_net *n, unsigned int bit)
{
	return n->vdev.driver_features & (1ULL << bit);
}

/* The offloads the driver may hand the device (its frames out). */
static unsigned int host_caps(const struct virtio_net *n)
{
	unsigned int caps = 0;

	if (has(n, VIRTIO_NET_F_CSUM)) {
		caps |= NETOFF_CSUM;
		if (has(n, VIRTIO_NET_F_HOST_TSO4))
			caps |= NETOFF_TSO4;
		if (has(n, VIRTIO_NET_F_HOST_TSO6))
			caps |= NETOFF_TSO6;
	}
	return caps;
}

unsigned int virtio_net_guest_caps(const struct virtio_net *n)
{
	unsigned int caps = 0;

	if (has(n, VIRTIO_NET_F_GUEST_CSUM)) {
		caps |= NETOFF_CSUM;
		if (has(n, VIRTIO_NET_F_GUEST_TSO4))
			caps |= NETOFF_TSO4;
		if (has(n, VIRTIO_NET_F_GUEST_TSO6))
			caps |= NETOFF_TSO6;
	}
	return caps;
}

/* The next chain of @vq: 1, or 0 when there is none or the queue broke. */
static int vnet_pop(struct virtio_net *n, struct virtq *vq,
		    struct virtq_chain *ch)
{
	int ret = virtq_pop(vq, ch);

	if (ret < 0) {
		virtio_device_broken(&n->vdev, "a bad descriptor chain");
		return 0;
	}
	return ret;
}

/* Guest -> network */

static void tx_drop(struct virtio_net *n, const char *why)
{
	n->st.tx_dropped++;
	pr_ratelimited(LOG_WARN, "virtio-net: a frame from the guest dropped: %s",
		       why);
}

static void tx_one(struct virtio_net *n, const struct virtq_chain *ch)
{
	const struct virtio_net_hdr_v1 *vh = (const void *)n->txbuf;
	size_t got, len;
	struct netoff_hdr h;
	int ret;

	if (ch->nr_in || ch->truncated ||
	    ch->out_len < VIRTIO_NET_HDR_LEN + ETH_HLEN ||
	    ch->out_len > sizeof(n->txbuf))
		return tx_drop(n, "a chain that is not a frame");
	got = virtq_chain_read(ch, n->txbuf, sizeof(n->txbuf));
	len = got - VIRTIO_NET_HDR_LEN;
	h = (struct netoff_hdr){
		.flags = vh->flags,
		.gso_type = vh->gso_type,
		.hdr_len = le16toh(vh->hdr_len),
		.gso_size = le16toh(vh->gso_size),
		.csum_start = le16toh(vh->csum_start),
		.csum_offset = le16toh(vh->csum_offset),
	};
	h.flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM;
	if (netoff_check(&h, len, host_caps(n)))
		return tx_drop(n, "a header that does not hold");
	if (h.gso_type == VIRTIO_NET_HDR_GSO_NONE &&
	    len > (size_t)n->mtu + ETH_HLEN + 4)
		return tx_drop(n, "longer than the MTU");
	if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE && h.gso_size > n->mtu)
		return tx_drop(n, "segments longer than the MTU");
	ret = n->be.send ? n->be.send(n->be.opaque, &h,
				      n->txbuf + VIRTIO_NET_HDR_LEN, len) :
			   -ENODEV;
	if (ret) {
		n->st.tx_dropped++;
		return;
	}
	n->st.tx_frames++;
	n->st.tx_bytes += len;
}

static void vnet_transmit(struct virtio_net *n, struct virtq *vq)
{
	struct virtq_chain ch;

	while (vnet_pop(n, vq, &ch)) {
		tx_one(n, &ch);
		virtq_push(vq, ch.head, 0);
	}
	if (n->be.tx_done)
		n->be.tx_done(n->be.opaque);
	virtio_queue_notify_driver(&n->vdev, vq);
}

/* Network -> guest */

/* Write @len bytes at @off of a chain's writable segments. */
static size_t chain_write_at(const struct virtq_chain *c, size_t off,
			     const void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned int i = c->nr_out; i < c->nr_out + c->nr_in &&
	     done < len; i++) {
		size_t seg = c->iov[i].len, n;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		n = seg - off;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)c->iov[i].base + off,
		       (const uint8_t *)buf + done, n);
		done += n;
		off = 0;
	}
	return done;
}

/*
 * One frame into the receive queue, @vh before it. Buffers are popped until
 * the frame fits (one with MRG_RXBUF off), then all pushed; if they run out
 * first, they go back to the queue untouched.
 */
static int rx_one(struct virtio_net *n, struct virtq *vq,
		  struct virtio_net_hdr_v1 *vh, const uint8_t *frame,
		  size_t len)
{
	struct {
		uint16_t head;
		uint32_t len;
	} used[VIRTIO_NET_QUEUE_SIZE];
	bool mrg = has(n, VIRTIO_NET_F_MRG_RXBUF);
	size_t total = VIRTIO_NET_HDR_LEN + len, done = 0;
	unsigned int nr = 0;
	struct virtq_chain ch, first = { 0 };

	while (done < total) {
		size_t room, put, off = 0;

		if (nr == vq->size) {
			/* The whole queue would not hold it: it never will. */
			virtq_unpop(vq, nr);
			n->st.rx_dropped++;
			return 0;
		}
		if (!vnet_pop(n, vq, &ch)) {
			virtq_unpop(vq, nr);
			return n->vdev.status & VIRTIO_CONFIG_S_NEEDS_RESET ?
			       -ENETDOWN : -ENOSPC;
		}
		if (!nr) {
			if (ch.in_len < VIRTIO_NET_HDR_LEN ||
			    (!mrg && ch.in_len < total)) {
				/* Too small for this frame: keep it for the next. */
				virtq_unpop(vq, 1);
				n->st.rx_dropped++;
				pr_ratelimited(LOG_WARN, "virtio-net: a %zu-byte frame dropped: the guest's receive buffer holds %llu",
					       len,
					       (unsigned long long)ch.in_len);
				return 0;
			}
			first = ch;
			off = VIRTIO_NET_HDR_LEN;
			done = VIRTIO_NET_HDR_LEN;
		}
		room = ch.in_len - off;
		put = total - done < room ? total - done : room;
		chain_write_at(&ch, off, frame + (done - VIRTIO_NET_HDR_LEN),
			       put);
		done += put;
		used[nr].head = ch.head;
		used[nr].len = (uint32_t)(off + put);
		nr++;
	}
	vh->num_buffers = htole16(mrg ? nr : 0);
	chain_write_at(&first, 0, vh, VIRTIO_NET_HDR_LEN);
	for (unsigned int i = 0; i < nr; i++)
		virtq_push(vq, used[i].head, used[i].len);
	n->st.rx_frames++;
	n->st.rx_bytes += len;
	return 0;
}

struct seg_ctx {
	struct virtio_net *n;
	struct virtq *vq;
	int ret;
	unsigned int done;	/* segments delivered */
};

static int rx_segment(void *opaque, const uint8_t *seg, size_t len)
{
	struct seg_ctx *s = opaque;
	struct virtio_net_hdr_v1 vh = { 0 };
	int ret = rx_one(s->n, s->vq, &vh, seg, len);

	if (ret)
		s->ret = ret;
	else
		s->done++;
	return ret;
}

bool virtio_net_rx_running(struct virtio_net *n)
{
	return virtio_queue(&n->vdev, VNET_Q_RX) != NULL;
}

int virtio_net_receive(struct virtio_net *n, const struct netoff_hdr *h,
		       const uint8_t *frame, size_t len)
{
	struct virtq *vq = virtio_queue(&n->vdev, VNET_Q_RX);
	struct virtio_net_hdr_v1 vh = { 0 };
	struct seg_ctx s;
	int ret;

	if (!vq || !n->link_up)
		return -ENETDOWN;
	if (len < ETH_HLEN || len > VIRTIO_NET_MAX_FRAME)
		goto bad;
	switch (netoff_needs(h, virtio_net_guest_caps(n))) {
	case NETOFF_NEED_SEGMENT:
		s = (struct seg_ctx){ .n = n, .vq = vq };
		ret = netoff_segment(h, frame, len, n->rxbuf, rx_segment, &s);
		if (ret == -ENOSPC && s.ret == -ENOSPC) {
			/* None fitted: the frame waits for buffers, whole. */
			if (!s.done)
				return -ENOSPC;
			/* The segments that did not fit are lost: TCP resends. */
			n->st.rx_dropped++;
			return 0;
		}
		if (ret < 0 && !s.ret)
			goto bad;
		return ret < 0 ? s.ret : 0;
	case NETOFF_NEED_CSUM:
		memcpy(n->rxbuf, frame, len);
		if (netoff_fill_csum(n->rxbuf, len, h))
			goto bad;
		return rx_one(n, vq, &vh, n->rxbuf, len);
	}
	vh.flags = h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.gso_type = h->gso_type;
	vh.hdr_len = htole16(h->hdr_len);
	vh.gso_size = htole16(h->gso_size);
	vh.csum_start = htole16(h->csum_start);
	vh.csum_offset = htole16(h->csum_offset);
	return rx_one(n, vq, &vh, frame, len);
bad:
	n->st.rx_dropped++;
	pr_ratelimited(LOG_WARN, "virtio-net: a frame for the guest dropped: its header does not hold");
	return 0;
}

void virtio_net_rx_flush(struct virtio_net *n)
{
	struct virtq *vq = virtio_queue(&n->vdev, VNET_Q_RX);

	if (vq)
		virtio_queue_notify_driver(&n->vdev, vq);
}

bool virtio_net_rx_wait(struct virtio_net *n)
{
	struct virtq *vq = virtio_queue(&n->vdev, VNET_Q_RX);

	return vq && virtq_want_more(vq);
}

void virtio_net_set_link(struct virtio_net *n, bool up)
{
	if (n->link_up == up)
		return;
	n->link_up = up;
	n->vdev.config_generation++;
	if (virtio_device_running(&n->vdev) && n->vdev.interrupt)
		n->vdev.interrupt(&n->vdev, VIRTIO_INTR_CONFIG);
}

/* Device ops */

static void vnet_config_read(struct virtio_device *vdev, uint32_t off,
			     void *data, uint32_t len)
{
	struct virtio_net *n = to_net(vdev);
	struct virtio_net_config cfg = { 0 };

	memcpy(cfg.mac, n->mac, sizeof(cfg.mac));
	cfg.status = htole16(n->link_up ? VIRTIO_NET_S_LINK_UP : 0);
	cfg.max_virtqueue_pairs = htole16(1);
	cfg.mtu = htole16(n->mtu);
	memcpy(data, (uint8_t *)&cfg + off, len);
}

static void vnet_queue_notify(struct virtio_device *vdev, unsigned int q)
{
	struct virtio_net *n = to_net(vdev);

	if (q == VNET_Q_TX)
		vnet_transmit(n, &vdev->vqs[q]);
	else if (q == VNET_Q_RX && n->be.rx_ready)
		n->be.rx_ready(n->be.opaque);
}

static const struct virtio_device_ops virtio_net_ops = {
	.features = VNET_FEATURES,
	.config_len = offsetof(struct virtio_net_config, mtu) +
		      sizeof(uint16_t),
	.config_read = vnet_config_read,
	.queue_notify = vnet_queue_notify,
};

void virtio_net_init(struct virtio_net *n, const struct guest_mem *mem,
		     const uint8_t mac[6], uint16_t mtu,
		     const struct virtio_net_backend *be)
{
	memset(n, 0, offsetof(struct virtio_net, txbuf));
	memcpy(n->mac, mac, sizeof(n->mac));
	n->mtu = mtu < VIRTIO_NET_MIN_MTU ? VIRTIO_NET_MIN_MTU : mtu;
	if (be)
		n->be = *be;
	virtio_device_init(&n->vdev, VIRTIO_ID_NET, &virtio_net_ops, n, mem,
			   n->vqs, VIRTIO_NET_NR_QUEUES,
			   VIRTIO_NET_QUEUE_SIZE);
}
