// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (devices/virtio_net.c) driven by a hostile guest: descriptor
 * chains of any shape on both queues, frames from the network with any
 * header, the link going up and down, resets mid-traffic. Guest RAM has
 * inaccessible pages on both sides.
 *
 * Input: the features the driver takes (u32, masked to those offered),
 * then 1-byte operations with their operands: a RAM write, a receive
 * chain posted, a transmit chain posted and notified, a frame delivered
 * (header and bytes, or a TCPv4 TSO frame grown from a few bytes), the
 * link set, a device reset and the driver back up.
 *
 * Checks, beside the sanitizers: no chain is left in flight after any
 * call; what reaches the backend has a header netoff_check() takes for
 * the features negotiated and is no longer than the MTU allows; a receive
 * returns 0, -ENOSPC or -ENETDOWN; the counters only grow.
 */
#include <errno.h>

#include "devices/virtio_net.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE	0x40000ULL
#define GUARD		0x10000ULL
#define QSIZE		16
#define RX_RING		0x0000ULL
#define TX_RING		0x1000ULL
#define MTU		1500

enum op_kind {
	OP_RAM, OP_RX_CHAIN, OP_TX_CHAIN, OP_RECEIVE, OP_TSO, OP_LINK,
	OP_RESET, NR_OPS
};

static uint8_t *ram;
static struct guest_mem mem;
static struct virtio_net *net;
static uint8_t frame[VIRTIO_NET_MAX_FRAME];
static uint16_t avail_idx[2];
static uint64_t features;

static unsigned int host_caps(void)
{
	unsigned int caps = 0;

	if (features & (1ULL << VIRTIO_NET_F_CSUM)) {
		caps |= NETOFF_CSUM;
		if (features & (1ULL << VIRTIO_NET_F_HOST_TSO4))
			caps |= NETOFF_TSO4;
		if (features & (1ULL << VIRTIO_NET_F_HOST_TSO6))
			caps |= NETOFF_TSO6;
	}
	return caps;
}

static int be_send(void *opaque, const struct netoff_hdr *h,
		   const uint8_t *f, size_t len)
{
	(void)opaque;
	(void)f;
	FUZZ_CHECK(!netoff_check(h, len, host_caps()));
	FUZZ_CHECK(len >= ETH_HLEN);
	if (h->gso_type == VIRTIO_NET_HDR_GSO_NONE)
		FUZZ_CHECK(len <= MTU + ETH_HLEN + 4);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	fuzz_guest_ram(&mem, RAM_SIZE, GUARD);
	ram = mem.host;
	net = malloc(sizeof(*net));
	FUZZ_CHECK(net);
	return 0;
}

static void queue_up(unsigned int q, uint64_t base)
{
	struct virtq *vq = &net->vqs[q];

	FUZZ_CHECK(!virtq_set_size(vq, QSIZE));
	vq->desc_gpa = base;
	vq->avail_gpa = base + 16 * QSIZE;
	vq->used_gpa = base + 0x800;
	FUZZ_CHECK(!virtq_enable(vq, &mem, features));
	avail_idx[q] = 0;
}

static void driver_up(void)
{
	memset(ram, 0, 0x2000);
	net->vdev.driver_features = features;
	net->vdev.status = VIRTIO_CONFIG_S_ACKNOWLEDGE |
			   VIRTIO_CONFIG_S_DRIVER |
			   VIRTIO_CONFIG_S_FEATURES_OK |
			   VIRTIO_CONFIG_S_DRIVER_OK;
	queue_up(VNET_Q_RX, RX_RING);
	queue_up(VNET_Q_TX, TX_RING);
}

/* A chain of 1 to 4 descriptors written and published on queue @q. */
static void post_chain(struct fuzz_in *in, unsigned int q, bool writable)
{
	uint64_t base = q == VNET_Q_RX ? RX_RING : TX_RING;
	struct vring_desc *desc = (void *)(ram + base);
	struct vring_avail *avail = (void *)(ram + base + 16 * QSIZE);
	unsigned int n = 1 + fuzz_u8(in) % 4;
	uint16_t head = fuzz_u8(in) % QSIZE;

	for (unsigned int i = 0; i < n; i++) {
		struct vring_desc *d = &desc[(head + i) % QSIZE];
		uint8_t fl = fuzz_u8(in);

		d->addr = 0x2000 + fuzz_u32(in) % (RAM_SIZE - 0x2000);
		d->len = fuzz_u16(in);
		d->flags = (writable ? VRING_DESC_F_WRITE : 0) |
			   (fl & 1 ? VRING_DESC_F_WRITE : 0) |
			   (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		d->next = (head + i + 1) % QSIZE;
	}
	avail->ring[avail_idx[q] % QSIZE] = head;
	avail_idx[q]++;
	__atomic_store_n(&avail->idx, avail_idx[q], __ATOMIC_RELEASE);
}

static void check_idle(void)
{
	FUZZ_CHECK_EQ(net->vqs[VNET_Q_RX].in_flight, 0);
	FUZZ_CHECK_EQ(net->vqs[VNET_Q_TX].in_flight, 0);
}

static void receive(const struct netoff_hdr *h, size_t len)
{
	struct virtio_net_stats before = net->st;
	int ret = virtio_net_receive(net, h, frame, len);

	FUZZ_CHECK(ret == 0 || ret == -ENOSPC || ret == -ENETDOWN);
	FUZZ_CHECK(net->st.rx_frames >= before.rx_frames &&
		   net->st.rx_dropped >= before.rx_dropped);
	virtio_net_rx_flush(net);
}

/* A TCPv4 TSO frame: headers from the input, payload of @payload bytes. */
static void tso(struct fuzz_in *in)
{
	struct netoff_hdr h = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.csum_start = 34, .csum_offset = 16,
	};
	size_t payload = fuzz_u16(in) % 20000;

	memset(frame, 0, 54);
	frame[12] = 0x08;
	frame[14] = 0x45;
	frame[23] = 6;
	frame[46] = 0x50;
	fuzz_bytes(in, frame, 12);
	h.gso_size = fuzz_u16(in);
	fuzz_bytes(in, frame + 54, payload);
	receive(&h, 54 + payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	struct virtio_net_backend be = { .send = be_send };
	struct fuzz_in in;

	fuzz_in_init(&in, data, size);
	virtio_net_init(net, &mem, mac, MTU, &be);
	features = (fuzz_u32(&in) & net->vdev.features) |
		   (1ULL << VIRTIO_F_VERSION_1);
	driver_up();
	virtio_net_set_link(net, true);
	while (!fuzz_done(&in)) {
		uint64_t tx_before = net->st.tx_frames + net->st.tx_dropped;

		switch (fuzz_u8(&in) % NR_OPS) {
		case OP_RAM: {
			uint32_t off = 0x2000 + fuzz_u32(&in) %
				       (RAM_SIZE - 0x2000);
			uint32_t n = fuzz_u8(&in);

			if (n > RAM_SIZE - off)
				n = RAM_SIZE - off;
			fuzz_bytes(&in, ram + off, n);
			break;
		}
		case OP_RX_CHAIN:
			post_chain(&in, VNET_Q_RX, true);
			break;
		case OP_TX_CHAIN:
			post_chain(&in, VNET_Q_TX, false);
			net->vdev.ops->queue_notify(&net->vdev, VNET_Q_TX);
			FUZZ_CHECK(net->st.tx_frames + net->st.tx_dropped >=
				   tx_before);
			break;
		case OP_RECEIVE: {
			struct netoff_hdr h;
			size_t len = fuzz_u16(&in) % 4096;

			h.flags = fuzz_u8(&in);
			h.gso_type = fuzz_u8(&in);
			h.gso_size = fuzz_u16(&in);
			h.csum_start = fuzz_u16(&in);
			h.csum_offset = fuzz_u16(&in);
			h.hdr_len = 0;
			fuzz_bytes(&in, frame, len);
			receive(&h, len);
			break;
		}
		case OP_TSO:
			tso(&in);
			break;
		case OP_LINK:
			virtio_net_set_link(net, fuzz_u8(&in) & 1);
			break;
		case OP_RESET:
			virtio_device_reset(&net->vdev);
			driver_up();
			break;
		}
		check_idle();
	}
	return 0;
}
