// SPDX-License-Identifier: GPL-2.0
/* virtio-net (devices/virtio_net.c) driven as Linux's driver drives it. */
#include <errno.h>
#include <stdlib.h>

#include "devices/virtio_net.h"
#include "tests/unit/fake_vring.h"
#include "tests/unit/test.h"

#define QSIZE		64
#define RX_RING		0x1000ULL
#define TX_RING		0x4000ULL
#define RX_BUFS		0x10000ULL
#define TX_BUFS		0x80000ULL

#define F_BASE		((1ULL << VIRTIO_F_VERSION_1) |			\
			 (1ULL << VIRTIO_NET_F_MAC) |			\
			 (1ULL << VIRTIO_NET_F_STATUS) |		\
			 (1ULL << VIRTIO_NET_F_MTU))
#define F_MRG		(1ULL << VIRTIO_NET_F_MRG_RXBUF)
#define F_OFFLOADS	((1ULL << VIRTIO_NET_F_CSUM) |			\
			 (1ULL << VIRTIO_NET_F_GUEST_CSUM) |		\
			 (1ULL << VIRTIO_NET_F_HOST_TSO4) |		\
			 (1ULL << VIRTIO_NET_F_GUEST_TSO4))

static const uint8_t our_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

struct net_fixture {
	struct guest_mem mem;
	struct fake_vring rx, tx;
	struct virtio_net *n;
	unsigned int irqs, config_irqs;
	/* What the backend was given. */
	unsigned int sent;
	unsigned int tx_runs;	/* tx_done calls */
	struct netoff_hdr h;
	uint8_t frame[VIRTIO_NET_MAX_FRAME];
	size_t len;
	uint64_t rx_next;	/* where the next receive buffer goes */
};

static int be_send(void *opaque, const struct netoff_hdr *h,
		   const uint8_t *frame, size_t len)
{
	struct net_fixture *f = opaque;

	f->sent++;
	f->h = *h;
	memcpy(f->frame, frame, len);
	f->len = len;
	return 0;
}

static void be_tx_done(void *opaque)
{
	((struct net_fixture *)opaque)->tx_runs++;
}

static void irq(struct virtio_device *vdev, int queue)
{
	struct net_fixture *f = vdev->transport;

	if (queue == VIRTIO_INTR_CONFIG)
		f->config_irqs++;
	else
		f->irqs++;
}

static void enable(struct net_fixture *f, struct fake_vring *r,
		   unsigned int q, uint64_t base, uint64_t features)
{
	struct virtq *vq = &f->n->vqs[q];

	fake_vring_init(r, &f->mem, base, QSIZE);
	if (virtq_set_size(vq, QSIZE))
		abort();
	vq->desc_gpa = r->desc_gpa;
	vq->avail_gpa = r->avail_gpa;
	vq->used_gpa = r->used_gpa;
	if (virtq_enable(vq, &f->mem, features))
		abort();
}

static struct net_fixture *net_setup(uint64_t features)
{
	struct net_fixture *f = calloc(1, sizeof(*f));
	struct virtio_net_backend be = {
		.send = be_send, .tx_done = be_tx_done,
	};

	if (!f)
		abort();
	be.opaque = f;
	fake_mem_init(&f->mem);
	f->n = malloc(sizeof(*f->n));
	if (!f->n)
		abort();
	virtio_net_init(f->n, &f->mem, our_mac, 1500, &be);
	f->n->vdev.interrupt = irq;
	f->n->vdev.transport = f;
	f->n->vdev.driver_features = features;
	f->n->vdev.status = VIRTIO_CONFIG_S_ACKNOWLEDGE |
			    VIRTIO_CONFIG_S_DRIVER |
			    VIRTIO_CONFIG_S_FEATURES_OK |
			    VIRTIO_CONFIG_S_DRIVER_OK;
	enable(f, &f->rx, VNET_Q_RX, RX_RING, features);
	enable(f, &f->tx, VNET_Q_TX, TX_RING, features);
	f->rx_next = RX_BUFS;
	virtio_net_set_link(f->n, true);
	return f;
}

static void net_free(struct net_fixture *f)
{
	fake_mem_free(&f->mem);
	free(f->n);
	free(f);
}

/* @nr receive buffers of @size bytes each, as MRG_RXBUF's page buffers. */
static void post_rx(struct net_fixture *f, unsigned int nr, uint32_t size)
{
	for (unsigned int i = 0; i < nr; i++) {
		struct fake_buf b = { f->rx_next, size, true };

		fake_vring_add(&f->rx, &b, 1);
		f->rx_next += size;
	}
}

/* A frame from the guest: the header, then the frame in two pieces. */
static void guest_send(struct net_fixture *f, const struct virtio_net_hdr_v1 *h,
		       size_t len, uint8_t fill, bool writable)
{
	struct fake_buf b[3] = {
		{ TX_BUFS, VIRTIO_NET_HDR_LEN, false },
		{ TX_BUFS + 0x100, (uint32_t)(len / 2), false },
		{ TX_BUFS + 0x100 + len / 2, (uint32_t)(len - len / 2),
		  writable },
	};
	uint8_t *p = f->mem.host + TX_BUFS + 0x100;

	memcpy(f->mem.host + TX_BUFS, h, sizeof(*h));
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(fill + i);
	memcpy(p, "\x02\x99\x99\x99\x99\x99", 6);
	memcpy(p + 6, our_mac, 6);
	fake_vring_add(&f->tx, b, 3);
	f->n->vdev.ops->queue_notify(&f->n->vdev, VNET_Q_TX);
}

static uint8_t frame_buf[VIRTIO_NET_MAX_FRAME];

static const uint8_t *a_frame(size_t len, uint8_t fill)
{
	for (size_t i = 0; i < len; i++)
		frame_buf[i] = (uint8_t)(fill + i);
	return frame_buf;
}

TEST(virtio_net_config)
{
	struct net_fixture *f = net_setup(F_BASE);
	struct virtio_net_config cfg;

	f->n->vdev.ops->config_read(&f->n->vdev, 0, &cfg,
				    f->n->vdev.ops->config_len);
	CHECK(!memcmp(cfg.mac, our_mac, 6));
	CHECK_EQ(le16toh(cfg.status), VIRTIO_NET_S_LINK_UP);
	CHECK_EQ(le16toh(cfg.mtu), 1500);
	CHECK_EQ(f->n->vdev.ops->config_len, 12);
	/* The link goes down: a config change interrupt, a new generation. */
	CHECK_EQ(f->config_irqs, 1);	/* it came up in net_setup() */
	virtio_net_set_link(f->n, false);
	CHECK_EQ(f->config_irqs, 2);
	CHECK_EQ(f->n->vdev.config_generation, 2);
	f->n->vdev.ops->config_read(&f->n->vdev, 6, &cfg.status, 2);
	CHECK_EQ(cfg.status, 0);
	virtio_net_set_link(f->n, false);
	CHECK_EQ(f->config_irqs, 2);
	CHECK_EQ(virtio_net_receive(f->n, &(struct netoff_hdr){ 0 },
				    a_frame(60, 0), 60), -ENETDOWN);
	net_free(f);
}

TEST(virtio_net_transmit)
{
	struct net_fixture *f = net_setup(F_BASE | F_OFFLOADS);
	struct virtio_net_hdr_v1 h = { 0 };
	uint32_t id, len;

	guest_send(f, &h, 1000, 7, false);
	CHECK_EQ(f->sent, 1);
	CHECK_EQ(f->tx_runs, 1);	/* the run of sends ended */
	CHECK_EQ(f->len, 1000);
	CHECK_EQ(f->frame[999], (uint8_t)(7 + 999));
	CHECK(fake_vring_used(&f->tx, &id, &len));
	CHECK_EQ(len, 0);
	CHECK_EQ(f->irqs, 1);
	CHECK_EQ(f->n->st.tx_frames, 1);
	CHECK_EQ(f->n->st.tx_bytes, 1000);

	/* A checksum left to the device goes along with its header. */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = htole16(34);
	h.csum_offset = htole16(6);
	guest_send(f, &h, 100, 1, false);
	CHECK_EQ(f->sent, 2);
	CHECK_EQ(f->h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(f->h.csum_start, 34);
	net_free(f);
}

TEST(virtio_net_transmit_drops)
{
	struct net_fixture *f = net_setup(F_BASE);
	struct virtio_net_hdr_v1 h = { 0 };
	uint32_t id, len;

	/* An offload it did not negotiate. */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = htole16(34);
	h.csum_offset = htole16(6);
	guest_send(f, &h, 100, 1, false);
	memset(&h, 0, sizeof(h));
	/* Longer than the MTU allows. */
	guest_send(f, &h, 1500 + 14 + 5, 1, false);
	/* A writable segment. */
	guest_send(f, &h, 100, 1, true);
	/* Shorter than an Ethernet header. */
	guest_send(f, &h, 10, 1, false);
	CHECK_EQ(f->sent, 0);
	CHECK_EQ(f->n->st.tx_dropped, 4);
	/* Each chain still goes back to the driver. */
	for (int i = 0; i < 4; i++)
		CHECK(fake_vring_used(&f->tx, &id, &len));
	CHECK(!(f->n->vdev.status & VIRTIO_CONFIG_S_NEEDS_RESET));
	net_free(f);
}

/* The receive buffers' bytes, after the header, put back together. */
static bool rx_matches(struct net_fixture *f, uint64_t gpa, uint32_t bufsz,
		       size_t len, uint8_t fill, uint16_t buffers)
{
	const struct virtio_net_hdr_v1 *h = (void *)(f->mem.host + gpa);
	size_t done = 0, off = VIRTIO_NET_HDR_LEN;

	if (le16toh(h->num_buffers) != buffers)
		return false;
	while (done < len) {
		size_t n = bufsz - off < len - done ? bufsz - off : len - done;

		for (size_t i = 0; i < n; i++)
			if (f->mem.host[gpa + off + i] !=
			    (uint8_t)(fill + done + i))
				return false;
		done += n;
		gpa += bufsz;
		off = 0;
	}
	return true;
}

/* The same, against @data. */
static bool rx_equals(struct net_fixture *f, uint64_t gpa, uint32_t bufsz,
		      const uint8_t *data, size_t len)
{
	size_t done = 0, off = VIRTIO_NET_HDR_LEN;

	while (done < len) {
		size_t n = bufsz - off < len - done ? bufsz - off : len - done;

		if (memcmp(f->mem.host + gpa + off, data + done, n))
			return false;
		done += n;
		gpa += bufsz;
		off = 0;
	}
	return true;
}

TEST(virtio_net_receive_mergeable)
{
	struct net_fixture *f = net_setup(F_BASE | F_MRG);
	struct netoff_hdr h = { 0 };
	uint32_t id, len, lens = 0;
	unsigned int used = 0;

	post_rx(f, 4, 1024);
	CHECK_EQ(virtio_net_receive(f->n, &h, a_frame(3000, 3), 3000), 0);
	virtio_net_rx_flush(f->n);
	while (fake_vring_used(&f->rx, &id, &len)) {
		used++;
		lens += len;
	}
	CHECK_EQ(used, 3);
	CHECK_EQ(lens, VIRTIO_NET_HDR_LEN + 3000);
	CHECK(rx_matches(f, RX_BUFS, 1024, 3000, 3, 3));
	CHECK_EQ(f->irqs, 1);
	CHECK_EQ(f->n->st.rx_frames, 1);
	net_free(f);
}

TEST(virtio_net_receive_waits_for_buffers)
{
	struct net_fixture *f = net_setup(F_BASE | F_MRG);
	struct netoff_hdr h = { 0 };
	uint32_t id, len;

	CHECK_EQ(virtio_net_receive(f->n, &h, a_frame(100, 0), 100), -ENOSPC);
	/* Two buffers are not enough: both stay the driver's, untouched. */
	post_rx(f, 2, 1024);
	CHECK_EQ(virtio_net_receive(f->n, &h, a_frame(3000, 5), 3000),
		 -ENOSPC);
	CHECK(!fake_vring_used(&f->rx, &id, &len));
	post_rx(f, 1, 1024);
	CHECK_EQ(virtio_net_receive(f->n, &h, a_frame(3000, 5), 3000), 0);
	CHECK(rx_matches(f, RX_BUFS, 1024, 3000, 5, 3));
	CHECK_EQ(f->n->st.rx_dropped, 0);
	net_free(f);
}

TEST(virtio_net_receive_one_buffer_a_frame)
{
	struct net_fixture *f = net_setup(F_BASE);
	struct netoff_hdr h = { 0 };
	uint32_t id, len;

	post_rx(f, 1, 1526);
	/* Too big for the buffer: dropped, the buffer kept for the next. */
	CHECK_EQ(virtio_net_receive(f->n, &h, a_frame(2000, 0), 2000), 0);
	CHECK_EQ(f->n->st.rx_dropped, 1);
	CHECK(!fake_vring_used(&f->rx, &id, &len));
	CHECK_EQ(virtio_net_receive(f->n, &h, a_frame(1514, 9), 1514), 0);
	CHECK(fake_vring_used(&f->rx, &id, &len));
	CHECK_EQ(len, VIRTIO_NET_HDR_LEN + 1514);
	CHECK(rx_matches(f, RX_BUFS, 1526, 1514, 9, 0));
	net_free(f);
}

TEST(virtio_net_receive_more_than_the_queue_holds)
{
	struct net_fixture *f = net_setup(F_BASE | F_MRG);
	struct netoff_hdr h = { 0 };
	uint32_t id, len;

	/* 64 buffers of 64 bytes never hold 5000: dropped, not waited for. */
	post_rx(f, QSIZE, 64);
	CHECK_EQ(virtio_net_receive(f->n, &h, a_frame(5000, 0), 5000), 0);
	CHECK_EQ(f->n->st.rx_dropped, 1);
	CHECK(!fake_vring_used(&f->rx, &id, &len));
	CHECK_EQ(virtio_net_receive(f->n, &h, a_frame(60, 0), 60), 0);
	CHECK(fake_vring_used(&f->rx, &id, &len));
	net_free(f);
}

/* A TCP/IPv4 TSO frame of @payload bytes. */
static size_t tso_frame(uint8_t *p, size_t payload, struct netoff_hdr *h)
{
	memset(p, 0, 66);
	p[12] = 0x08;
	p[14] = 0x45;
	p[23] = 6;
	memcpy(p + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	p[46] = 0x50;
	p[47] = 0x18;
	for (size_t i = 0; i < payload; i++)
		p[54 + i] = (uint8_t)i;
	*h = (struct netoff_hdr){
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 1448,
		.hdr_len = 54, .csum_start = 34, .csum_offset = 16,
	};
	return 54 + payload;
}

TEST(virtio_net_receive_completes_offloads)
{
	struct net_fixture *f = net_setup(F_BASE | F_MRG);
	struct netoff_hdr h;
	size_t len = tso_frame(frame_buf, 10000, &h);
	uint32_t id, l;
	unsigned int frames = 0;
	uint16_t pseudo;
	const uint8_t *got;

	/* No buffer at all: the frame waits, whole. */
	CHECK_EQ(virtio_net_receive(f->n, &h, frame_buf, len), -ENOSPC);
	CHECK_EQ(f->n->st.rx_dropped, 0);
	/* No GUEST_TSO4: seven segments, each a frame with its own header. */
	post_rx(f, 16, 2048);
	CHECK_EQ(virtio_net_receive(f->n, &h, frame_buf, len), 0);
	while (fake_vring_used(&f->rx, &id, &l)) {
		const struct virtio_net_hdr_v1 *vh =
			(void *)(f->mem.host + RX_BUFS + 2048ULL * frames);

		CHECK_EQ(vh->gso_type, 0);
		CHECK_EQ(vh->flags, 0);
		CHECK(l <= VIRTIO_NET_HDR_LEN + 54 + 1448);
		frames++;
	}
	CHECK_EQ(frames, 7);
	CHECK_EQ(f->n->st.rx_frames, 7);

	/*
	 * No GUEST_CSUM: the checksum is filled in. The sender left the
	 * pseudo-header's sum in the field, as Linux does.
	 */
	len = tso_frame(frame_buf, 100, &h);
	h.gso_type = 0;
	h.gso_size = 0;
	pseudo = netoff_fold(netoff_sum(frame_buf + 26, 8, 6 + 120));
	frame_buf[50] = (uint8_t)(pseudo >> 8);
	frame_buf[51] = (uint8_t)pseudo;
	CHECK_EQ(virtio_net_receive(f->n, &h, frame_buf, len), 0);
	CHECK(fake_vring_used(&f->rx, &id, &l));
	got = f->mem.host + RX_BUFS + 2048ULL * 7;
	CHECK_EQ(got[0], 0);	/* flags: nothing left to do */
	got += VIRTIO_NET_HDR_LEN;
	CHECK_EQ(netoff_fold(netoff_sum(got + 34, 120,
					netoff_sum(got + 26, 8, 6 + 120))),
		 0xffff);
	net_free(f);
}

TEST(virtio_net_receive_passes_offloads_along)
{
	struct net_fixture *f = net_setup(F_BASE | F_MRG | F_OFFLOADS);
	struct netoff_hdr h;
	size_t len = tso_frame(frame_buf, 10000, &h);
	const struct virtio_net_hdr_v1 *vh = (void *)(f->mem.host + RX_BUFS);
	uint32_t id, l;
	unsigned int used = 0;

	post_rx(f, 16, 4096);
	CHECK_EQ(virtio_net_receive(f->n, &h, frame_buf, len), 0);
	while (fake_vring_used(&f->rx, &id, &l))
		used++;
	CHECK_EQ(used, 3);
	CHECK_EQ(vh->gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	CHECK_EQ(le16toh(vh->gso_size), 1448);
	CHECK_EQ(vh->flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(le16toh(vh->csum_start), 34);
	CHECK_EQ(le16toh(vh->num_buffers), 3);
	CHECK(rx_equals(f, RX_BUFS, 4096, frame_buf, len));
	net_free(f);
}
