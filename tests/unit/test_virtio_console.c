// SPDX-License-Identifier: GPL-2.0
/* virtio-console (devices/virtio_console.c) over virtio-pci. */
#include "tests/unit/fake_virtio_pci.h"
#include "tests/unit/test.h"

#define F_CONSOLE	((1ULL << VIRTIO_F_VERSION_1) |			\
			 (1ULL << VIRTIO_CONSOLE_F_MULTIPORT) |		\
			 (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |	\
			 (1ULL << VIRTIO_RING_F_EVENT_IDX))

static bool expect_ctrl(struct fvp *f, uint16_t event, uint16_t value,
			const char *name)
{
	struct virtio_console_control m;
	char got[64];

	if (!fvp_recv_ctrl(f, &m, got, sizeof(got)))
		return false;
	return m.id == 0 && m.event == event && m.value == value &&
	       (!name || !strcmp(got, name));
}

/* Linux's probe and port setup, up to the point a program opens it. */
static void handshake(struct fvp *f, uint64_t features)
{
	fvp_init(f);
	if (fvp_driver_up(f, features) != FVP_DRIVER_OK)
		abort();
	fvp_fill(f, VCON_Q_CTRL_RX, 8);
	fvp_send_ctrl(f, VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY,
		      1);
	if (!expect_ctrl(f, VIRTIO_CONSOLE_PORT_ADD, 0, NULL))
		abort();
	fvp_fill(f, VCON_Q_RX, 4);
	fvp_send_ctrl(f, 0, VIRTIO_CONSOLE_PORT_READY, 1);
	if (!expect_ctrl(f, VIRTIO_CONSOLE_PORT_NAME, 1,
			 VIRTIO_CONSOLE_CONTROL_NAME) ||
	    !expect_ctrl(f, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL))
		abort();
}

TEST(virtio_console_config)
{
	struct fvp f;

	fvp_init(&f);
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_DEVICE_OFF + 4, 4), 1);	/* ports */
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_DEVICE_OFF, 4), 0);	/* size */
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_DEVICE_OFF + 10, 4), 0);	/* past end */
	CHECK_EQ(fvp_w(&f, VIRTIO_PCI_DEVICE_OFF + 8, 'x', 4), 0);
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_DEVICE_OFF + 4, 4), 1);
	fvp_free(&f);
}

TEST(virtio_console_linux_handshake)
{
	struct virtio_console_control m;
	struct fvp f;
	uint32_t id, len;
	struct fake_buf tx = { fvp_buf(VCON_Q_TX, 0), 4, false };

	fvp_init(&f);
	CHECK_EQ(fvp_driver_up(&f, F_CONSOLE), FVP_DRIVER_OK);
	fvp_fill(&f, VCON_Q_CTRL_RX, 8);
	/* DEVICE_READY -> PORT_ADD 0, with an interrupt. */
	fvp_send_ctrl(&f, VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY,
		      1);
	CHECK(fake_vring_used(&f.r[VCON_Q_CTRL_TX], &id, &len));
	CHECK_EQ(f.level, 1);
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_ISR_OFF, 1), VIRTIO_PCI_ISR_QUEUE);
	CHECK_EQ(f.level, 0);
	CHECK(expect_ctrl(&f, VIRTIO_CONSOLE_PORT_ADD, 0, NULL));
	CHECK(!fvp_recv_ctrl(&f, &m, NULL, 0));
	CHECK(!f.con.port_ready);

	/* PORT_READY -> PORT_NAME, PORT_OPEN 1. */
	fvp_fill(&f, VCON_Q_RX, 4);
	fvp_send_ctrl(&f, 0, VIRTIO_CONSOLE_PORT_READY, 1);
	CHECK(f.con.port_ready);
	CHECK(expect_ctrl(&f, VIRTIO_CONSOLE_PORT_NAME, 1,
			  "org.slimhv.control"));
	CHECK(expect_ctrl(&f, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL));
	CHECK_EQ(f.level, 1);
	fvp_r(&f, VIRTIO_PCI_ISR_OFF, 1);

	/* Nobody has the port open in the guest yet. */
	CHECK(!virtio_console_guest_open(&f.con));
	CHECK_EQ(virtio_console_deliver(&f.con, "hi", 2), 0);
	fvp_send_ctrl(&f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	CHECK(virtio_console_guest_open(&f.con));
	CHECK_EQ(f.rx_ready, 1);

	/* Host -> guest. */
	CHECK_EQ(f.level, 0);
	CHECK_EQ(virtio_console_deliver(&f.con, "hello", 5), 5);
	CHECK_EQ(f.level, 1);
	CHECK(fake_vring_used(&f.r[VCON_Q_RX], &id, &len));
	CHECK_EQ(id, 0);
	CHECK_EQ(len, 5);
	CHECK(!memcmp(f.mem.host + fvp_buf(VCON_Q_RX, 0), "hello", 5));
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_ISR_OFF, 1), VIRTIO_PCI_ISR_QUEUE);

	/* Guest -> host. */
	memcpy(f.mem.host + tx.gpa, "ping", 4);
	fake_vring_add(&f.r[VCON_Q_TX], &tx, 1);
	fvp_notify(&f, VCON_Q_TX);
	CHECK_EQ(f.out_len, 4);
	CHECK(!memcmp(f.out, "ping", 4));
	CHECK(fake_vring_used(&f.r[VCON_Q_TX], &id, &len));
	CHECK_EQ(len, 0);
	CHECK_EQ(f.con.tx_bytes, 4);

	/* The guest closes the port. */
	fvp_send_ctrl(&f, 0, VIRTIO_CONSOLE_PORT_OPEN, 0);
	CHECK(!virtio_console_guest_open(&f.con));
	CHECK_EQ(virtio_console_deliver(&f.con, "x", 1), 0);
	fvp_free(&f);
}

TEST(virtio_console_without_event_idx)
{
	struct fvp f;

	handshake(&f, (1ULL << VIRTIO_F_VERSION_1) |
		  (1ULL << VIRTIO_CONSOLE_F_MULTIPORT));
	fvp_send_ctrl(&f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	fvp_r(&f, VIRTIO_PCI_ISR_OFF, 1);
	f.r[VCON_Q_RX].avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	CHECK_EQ(virtio_console_deliver(&f.con, "a", 1), 1);
	CHECK_EQ(f.level, 0);
	f.r[VCON_Q_RX].avail->flags = 0;
	CHECK_EQ(virtio_console_deliver(&f.con, "b", 1), 1);
	CHECK_EQ(f.level, 1);
	fvp_free(&f);
}

TEST(virtio_console_deliver_limits)
{
	char big[1000];
	struct fvp f;
	uint32_t id, len;

	memset(big, 'z', sizeof(big));
	handshake(&f, F_CONSOLE);
	fvp_send_ctrl(&f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	/* Four 256-byte buffers posted. */
	CHECK_EQ(virtio_console_deliver(&f.con, big, sizeof(big)), 1000);
	for (int i = 0; i < 4; i++) {
		CHECK(fake_vring_used(&f.r[VCON_Q_RX], &id, &len));
		CHECK_EQ(len, i < 3 ? 256 : 1000 - 768);
	}
	CHECK_EQ(virtio_console_deliver(&f.con, big, sizeof(big)), 0);
	fvp_fill(&f, VCON_Q_RX, 1);
	CHECK_EQ(virtio_console_deliver(&f.con, big, sizeof(big)), 256);
	CHECK_EQ(f.con.rx_bytes, 1256);
	fvp_free(&f);
}

TEST(virtio_console_tx_backend_full)
{
	struct fvp f;
	struct fake_buf tx[2] = {
		{ fvp_buf(VCON_Q_TX, 0), 100, false },
		{ fvp_buf(VCON_Q_TX, 1), 50, false },
	};
	uint32_t id, len;

	handshake(&f, F_CONSOLE);
	f.be_ret = -EAGAIN;
	fake_vring_add(&f.r[VCON_Q_TX], tx, 2);
	fvp_notify(&f, VCON_Q_TX);
	/* Consumed all the same, and counted. */
	CHECK(fake_vring_used(&f.r[VCON_Q_TX], &id, &len));
	CHECK_EQ(f.con.tx_dropped, 150);
	CHECK_EQ(f.con.tx_bytes, 0);
	f.be_ret = 30;		/* short */
	fake_vring_add(&f.r[VCON_Q_TX], tx, 1);
	fvp_notify(&f, VCON_Q_TX);
	CHECK_EQ(f.con.tx_dropped, 220);
	CHECK_EQ(f.con.tx_bytes, 30);
	fvp_free(&f);
}

TEST(virtio_console_control_waits_for_buffers)
{
	struct fvp f;
	struct virtio_console_control m;

	fvp_init(&f);
	CHECK_EQ(fvp_driver_up(&f, F_CONSOLE), FVP_DRIVER_OK);
	/* No control receive buffers yet: PORT_ADD waits. */
	fvp_send_ctrl(&f, VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY,
		      1);
	CHECK_EQ(f.con.nr_pending, 1);
	/* A second DEVICE_READY adds nothing. */
	fvp_send_ctrl(&f, VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY,
		      1);
	CHECK_EQ(f.con.nr_pending, 1);
	/* Bounded: PORT_READY four times more fills it, then drops. */
	for (int i = 0; i < 5; i++)
		fvp_send_ctrl(&f, 0, VIRTIO_CONSOLE_PORT_READY, 1);
	CHECK_EQ(f.con.nr_pending, VIRTIO_CONSOLE_CTRL_PENDING);
	CHECK_EQ(f.con.ctrl_dropped, 3);
	/* One buffer, then the rest: they come in order. */
	fvp_fill(&f, VCON_Q_CTRL_RX, 1);
	fvp_notify(&f, VCON_Q_CTRL_RX);
	CHECK(expect_ctrl(&f, VIRTIO_CONSOLE_PORT_ADD, 0, NULL));
	CHECK(!fvp_recv_ctrl(&f, &m, NULL, 0));
	CHECK_EQ(f.con.nr_pending, VIRTIO_CONSOLE_CTRL_PENDING - 1);
	fvp_fill(&f, VCON_Q_CTRL_RX, 16);
	fvp_notify(&f, VCON_Q_CTRL_RX);
	CHECK(expect_ctrl(&f, VIRTIO_CONSOLE_PORT_NAME, 1,
			  VIRTIO_CONSOLE_CONTROL_NAME));
	CHECK(expect_ctrl(&f, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL));
	CHECK_EQ(f.con.nr_pending, 0);
	fvp_free(&f);
}

TEST(virtio_console_ignores_other_ports)
{
	struct fvp f;
	struct virtio_console_control m;

	fvp_init(&f);
	CHECK_EQ(fvp_driver_up(&f, F_CONSOLE), FVP_DRIVER_OK);
	fvp_fill(&f, VCON_Q_CTRL_RX, 8);
	fvp_send_ctrl(&f, 5, VIRTIO_CONSOLE_PORT_READY, 1);
	fvp_send_ctrl(&f, 0, VIRTIO_CONSOLE_PORT_READY, 0);
	fvp_send_ctrl(&f, 3, VIRTIO_CONSOLE_PORT_OPEN, 1);
	fvp_send_ctrl(&f, 0, 99, 1);
	CHECK(!fvp_recv_ctrl(&f, &m, NULL, 0));
	CHECK(!f.con.port_ready);
	CHECK(!f.con.guest_open);
	/* A short message is consumed and ignored. */
	{
		struct fake_buf b = { fvp_buf(VCON_Q_CTRL_TX, 20), 4, false };
		uint32_t id, len;

		while (fake_vring_used(&f.r[VCON_Q_CTRL_TX], &id, &len))
			;
		fake_vring_add(&f.r[VCON_Q_CTRL_TX], &b, 1);
		fvp_notify(&f, VCON_Q_CTRL_TX);
		CHECK(fake_vring_used(&f.r[VCON_Q_CTRL_TX], &id, &len));
	}
	CHECK_EQ(fvp_status(&f), FVP_DRIVER_OK);
	fvp_free(&f);
}

TEST(virtio_console_broken_chain_needs_reset)
{
	struct fvp f;
	struct fake_buf bad = { FAKE_RAM_SIZE - 2, 16, false };

	handshake(&f, F_CONSOLE);
	fvp_r(&f, VIRTIO_PCI_ISR_OFF, 1);
	fake_vring_add(&f.r[VCON_Q_TX], &bad, 1);
	fvp_notify(&f, VCON_Q_TX);
	CHECK(fvp_status(&f) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK_EQ(f.level, 1);
	CHECK_EQ(fvp_r(&f, VIRTIO_PCI_ISR_OFF, 1), VIRTIO_PCI_ISR_CONFIG);
	CHECK_EQ(f.out_len, 0);
	/* Broken: nothing more moves until the driver resets. */
	fvp_send_ctrl(&f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	CHECK(!virtio_console_guest_open(&f.con));
	CHECK_EQ(virtio_console_deliver(&f.con, "x", 1), 0);
	/* Reset and set up again: it works. */
	fvp_free(&f);
	handshake(&f, F_CONSOLE);
	fvp_send_ctrl(&f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	CHECK_EQ(virtio_console_deliver(&f.con, "x", 1), 1);
	fvp_free(&f);
}

TEST(virtio_console_reset_forgets_the_port)
{
	struct fvp f;

	handshake(&f, F_CONSOLE);
	fvp_send_ctrl(&f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	CHECK(virtio_console_guest_open(&f.con));
	fvp_w(&f, COMMON(STATUS), 0, 1);
	CHECK(!virtio_console_guest_open(&f.con));
	CHECK(!f.con.port_added);
	CHECK(!f.con.port_ready);
	CHECK_EQ(virtio_console_deliver(&f.con, "x", 1), 0);
	/* Brought up again, PORT_ADD comes again. */
	memset(f.mem.host, 0, FAKE_RAM_SIZE);
	for (unsigned int q = 0; q < VIRTIO_CONSOLE_NR_QUEUES; q++)
		fake_vring_init(&f.r[q], &f.mem, FVP_RING_GPA + q * 0x4000,
				VIRTIO_CONSOLE_QUEUE_SIZE);
	CHECK_EQ(fvp_driver_up(&f, F_CONSOLE), FVP_DRIVER_OK);
	fvp_fill(&f, VCON_Q_CTRL_RX, 2);
	fvp_send_ctrl(&f, VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY,
		      1);
	CHECK(expect_ctrl(&f, VIRTIO_CONSOLE_PORT_ADD, 0, NULL));
	fvp_free(&f);
}
