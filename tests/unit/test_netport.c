// SPDX-License-Identifier: GPL-2.0
/*
 * Two domains on one network, in one process: each guest a virtio-net
 * device over fake rings (as Linux drives it), each port a netport, and
 * a pair of frame rings between them: what A's guest sends, B's receives.
 */
#include <errno.h>
#include <stdlib.h>

#include "devices/netport.h"
#include "tests/unit/fake_vring.h"
#include "tests/unit/test.h"

#define QSIZE		64
#define RX_RING		0x1000ULL
#define TX_RING		0x4000ULL
#define RX_BUFS		0x10000ULL
#define TX_BUFS		0x80000ULL
#define DATA_SIZE	NETRING_MIN_DATA
#define FEATURES	((1ULL << VIRTIO_F_VERSION_1) |			\
			 (1ULL << VIRTIO_NET_F_MAC) |			\
			 (1ULL << VIRTIO_NET_F_STATUS) |		\
			 (1ULL << VIRTIO_NET_F_MRG_RXBUF))

static const struct netsw_port ports[] = {
	{ .mac = { 0x02, 0, 0, 0, 0, 0xa }, .bridge = true },
	{ .mac = { 0x02, 0, 0, 0, 0, 0xb } },
};

struct guest {
	struct guest_mem mem;
	struct fake_vring rx, tx;
	struct virtio_net *dev;
	struct netport np;
	uint64_t rx_next;
};

struct ring {
	struct netring_tx_page txp;
	struct netring_rx_page rxp;
	uint8_t *data;
};

struct net2 {
	struct guest g[2];
	struct ring r[2];	/* r[i]: from port i to the other */
};

static void enable_q(struct guest *g, struct fake_vring *r, unsigned int q,
		     uint64_t base)
{
	struct virtq *vq = &g->dev->vqs[q];

	fake_vring_init(r, &g->mem, base, QSIZE);
	if (virtq_set_size(vq, QSIZE))
		abort();
	vq->desc_gpa = r->desc_gpa;
	vq->avail_gpa = r->avail_gpa;
	vq->used_gpa = r->used_gpa;
	if (virtq_enable(vq, &g->mem, FEATURES))
		abort();
}

/* Guest @i's driver up: features, queues, DRIVER_OK. */
static void driver_up(struct guest *g)
{
	g->dev->vdev.driver_features = FEATURES;
	g->dev->vdev.status = VIRTIO_CONFIG_S_ACKNOWLEDGE |
			      VIRTIO_CONFIG_S_DRIVER |
			      VIRTIO_CONFIG_S_FEATURES_OK |
			      VIRTIO_CONFIG_S_DRIVER_OK;
	enable_q(g, &g->rx, VNET_Q_RX, RX_RING);
	enable_q(g, &g->tx, VNET_Q_TX, TX_RING);
	g->rx_next = RX_BUFS;
}

/*
 * Each port says whether its guest takes frames, then reads the other's:
 * twice round, as a VMM does when the other's doorbell rings.
 */
static void link_both(struct net2 *n)
{
	for (int round = 0; round < 2; round++) {
		netport_update_link(&n->g[0].np);
		netport_update_link(&n->g[1].np);
	}
}

static struct net2 *net2_setup(bool drivers)
{
	struct net2 *n = calloc(1, sizeof(*n));

	if (!n)
		abort();
	for (int i = 0; i < 2; i++) {
		struct guest *g = &n->g[i];
		struct virtio_net_backend be = {
			.send = netport_send, .opaque = &g->np,
		};

		n->r[i].data = calloc(1, DATA_SIZE);
		g->dev = malloc(sizeof(*g->dev));
		if (!n->r[i].data || !g->dev)
			abort();
		fake_mem_init(&g->mem);
		virtio_net_init(g->dev, &g->mem, ports[i].mac, 1500, &be);
		if (netport_init(&g->np, g->dev, ports, 2, i, 1000))
			abort();
	}
	for (int i = 0; i < 2; i++) {
		int o = 1 - i;

		if (netport_attach_peer(&n->g[i].np, o, &n->r[i].txp,
					&n->r[i].rxp, n->r[i].data,
					&n->r[o].rxp, &n->r[o].txp,
					n->r[o].data, DATA_SIZE))
			abort();
	}
	if (drivers) {
		driver_up(&n->g[0]);
		driver_up(&n->g[1]);
	}
	link_both(n);
	return n;
}

static void net2_free(struct net2 *n)
{
	for (int i = 0; i < 2; i++) {
		fake_mem_free(&n->g[i].mem);
		free(n->g[i].dev);
		free(n->r[i].data);
	}
	free(n);
}

static void post_rx(struct guest *g, unsigned int nr, uint32_t size)
{
	for (unsigned int i = 0; i < nr; i++) {
		struct fake_buf b = { g->rx_next, size, true };

		fake_vring_add(&g->rx, &b, 1);
		g->rx_next += size;
	}
}

/* Guest @g sends a frame of @len bytes to @dst from @src. */
static void guest_send(struct guest *g, const uint8_t *dst,
		       const uint8_t *src, size_t len, uint8_t fill)
{
	struct virtio_net_hdr_v1 h = { 0 };
	uint8_t *p = g->mem.host + TX_BUFS + 0x100;
	struct fake_buf b[2] = {
		{ TX_BUFS, VIRTIO_NET_HDR_LEN, false },
		{ TX_BUFS + 0x100, (uint32_t)len, false },
	};

	memcpy(g->mem.host + TX_BUFS, &h, sizeof(h));
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(fill + i);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	fake_vring_add(&g->tx, b, 2);
	g->dev->vdev.ops->queue_notify(&g->dev->vdev, VNET_Q_TX);
}

/* The next frame guest @g received: its length, or 0. */
static size_t guest_recv(struct guest *g, uint8_t *out)
{
	uint32_t id, len;
	const uint8_t *buf;

	if (!fake_vring_used(&g->rx, &id, &len))
		return 0;
	buf = g->mem.host + g->rx.desc[id].addr;
	memcpy(out, buf + VIRTIO_NET_HDR_LEN, len - VIRTIO_NET_HDR_LEN);
	return len - VIRTIO_NET_HDR_LEN;
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

TEST(netport_a_frame_from_one_guest_to_the_other)
{
	struct net2 *n = net2_setup(true);
	uint8_t got[2048];
	size_t len;

	CHECK(n->g[0].dev->link_up);
	CHECK(n->g[1].dev->link_up);
	post_rx(&n->g[1], 4, 2048);
	guest_send(&n->g[0], ports[1].mac, ports[0].mac, 1000, 5);
	/* Published, and B asked for nothing yet: no kick needed. */
	CHECK_EQ(netport_flush(&n->g[0].np), 0);
	CHECK_EQ(netport_poll(&n->g[1].np, 64, 1000), 1);
	len = guest_recv(&n->g[1], got);
	REQUIRE(len == 1000);
	CHECK(!memcmp(got, ports[1].mac, 6));
	CHECK_EQ(got[999], (uint8_t)(5 + 999));
	CHECK_EQ(n->g[1].dev->st.rx_frames, 1);
	/* A waiting receiver is kicked. */
	CHECK(!netring_rx_wait_data(&n->g[1].np.peers[0].in));
	guest_send(&n->g[0], bcast, ports[0].mac, 60, 1);
	CHECK_EQ(netport_flush(&n->g[0].np), 1u << 1);
	CHECK_EQ(netport_poll(&n->g[1].np, 64, 1000), 1);
	net2_free(n);
}

TEST(netport_both_ways_and_learning_behind_the_bridge)
{
	struct net2 *n = net2_setup(true);
	static const uint8_t outside[6] = { 0x52, 0x54, 0, 1, 2, 3 };
	uint8_t got[2048];

	post_rx(&n->g[0], 8, 2048);
	post_rx(&n->g[1], 8, 2048);
	/* A (the bridge) forwards a frame from an outside host. */
	guest_send(&n->g[0], bcast, outside, 100, 1);
	netport_flush(&n->g[0].np);
	CHECK_EQ(netport_poll(&n->g[1].np, 64, 1000), 1);
	CHECK_EQ(guest_recv(&n->g[1], got), 100);
	/* B answers the outside host: it goes to A, not flooded. */
	guest_send(&n->g[1], outside, ports[1].mac, 200, 2);
	CHECK_EQ(n->g[1].np.sw.learned, 1);
	netport_flush(&n->g[1].np);
	CHECK_EQ(netport_poll(&n->g[0].np, 64, 1000), 1);
	CHECK_EQ(guest_recv(&n->g[0], got), 200);
	CHECK(!memcmp(got, outside, 6));
	/* B may not send from the outside host's MAC: dropped at B. */
	guest_send(&n->g[1], bcast, outside, 60, 3);
	CHECK_EQ(n->g[1].dev->st.tx_dropped, 1);
	CHECK_EQ(n->g[1].np.sw.drops[NETSW_BAD_SOURCE], 1);
	net2_free(n);
}

TEST(netport_guest_without_buffers_holds_the_ring)
{
	struct net2 *n = net2_setup(true);
	uint8_t got[2048];

	for (int i = 0; i < 5; i++)
		guest_send(&n->g[0], ports[1].mac, ports[0].mac, 500, (uint8_t)i);
	netport_flush(&n->g[0].np);
	/*
	 * No receive buffer: nothing lost, the frames wait in the ring, and
	 * the port waits for the guest's notify instead of polling again.
	 */
	CHECK_EQ(netport_poll(&n->g[1].np, 64, 1000), 0);
	CHECK(n->g[1].np.guest_full);
	CHECK(!n->g[1].np.rx_pending);
	post_rx(&n->g[1], 2, 2048);
	CHECK_EQ(netport_poll(&n->g[1].np, 64, 1000), 2);
	CHECK(n->g[1].np.guest_full);
	post_rx(&n->g[1], 8, 2048);
	CHECK_EQ(netport_poll(&n->g[1].np, 64, 1000), 3);
	CHECK(!n->g[1].np.guest_full);
	for (int i = 0; i < 5; i++) {
		REQUIRE(guest_recv(&n->g[1], got) == 500);
		CHECK_EQ(got[12], (uint8_t)(i + 12));
	}
	CHECK_EQ(n->g[1].dev->st.rx_dropped, 0);
	net2_free(n);
}

TEST(netport_a_port_down_and_a_full_ring_drop_without_waiting)
{
	struct net2 *n = net2_setup(false);

	/* B's driver is not running: A's link is down, its frames dropped. */
	driver_up(&n->g[0]);
	link_both(n);
	CHECK(!n->g[0].dev->link_up);
	CHECK(n->g[1].dev->link_up);	/* A takes frames; B's driver is not there to see it */
	guest_send(&n->g[0], ports[1].mac, ports[0].mac, 100, 1);
	CHECK_EQ(n->g[0].np.st.tx_peer_down + n->g[0].dev->st.tx_dropped, 1);
	/* B comes up; it never polls: the ring fills, A goes on dropping. */
	driver_up(&n->g[1]);
	link_both(n);
	CHECK(n->g[0].dev->link_up);
	for (int i = 0; i < 400; i++) {
		guest_send(&n->g[0], ports[1].mac, ports[0].mac, 1400, 1);
		netport_flush(&n->g[0].np);
	}
	CHECK(n->g[0].np.st.tx_ring_full > 200);
	CHECK_EQ(n->g[0].dev->st.tx_frames, 400);
	net2_free(n);
}

TEST(netport_refuses_what_the_sender_may_not_send)
{
	struct net2 *n = net2_setup(true);
	struct netring_tx *out = &n->g[1].np.peers[0].out;
	static const uint8_t spoof[6] = { 0x52, 0x54, 0, 9, 9, 9 };
	struct netoff_hdr h = { 0 };
	uint8_t *rec;
	int err;

	post_rx(&n->g[0], 4, 2048);
	/* A hostile VMM for B writes a frame from a MAC B does not own. */
	rec = netring_tx_begin(out, sizeof(h) + 60, 0, &err);
	REQUIRE(rec);
	memcpy(rec, &h, sizeof(h));
	memcpy(rec + sizeof(h), bcast, 6);
	memcpy(rec + sizeof(h) + 6, spoof, 6);
	netring_tx_commit(out);
	/* And a record too short to be a frame. */
	rec = netring_tx_begin(out, 4, 0, &err);
	REQUIRE(rec);
	netring_tx_commit(out);
	netring_tx_publish(out);
	CHECK_EQ(netport_poll(&n->g[0].np, 64, 1000), 0);
	CHECK_EQ(n->g[0].np.st.rx_refused, 1);
	CHECK_EQ(n->g[0].np.st.rx_bad, 1);
	CHECK_EQ(n->g[0].dev->st.rx_frames, 0);
	net2_free(n);
}
