// SPDX-License-Identifier: GPL-2.0
/*
 * The frame ring between two VMMs (devices/netring.c): both views over one
 * buffer, and a hostile side writing what it should not.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "devices/netring.h"
#include "tests/unit/test.h"

#define DATA_SIZE	NETRING_MIN_DATA

struct ring_fixture {
	struct netring_tx_page txp;
	struct netring_rx_page rxp;
	uint8_t *data;
	struct netring_tx tx;
	struct netring_rx rx;
};

static void ring_setup(struct ring_fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->data = calloc(1, DATA_SIZE);
	if (!f->data)
		abort();
	if (netring_tx_attach(&f->tx, &f->txp, &f->rxp, f->data, DATA_SIZE) ||
	    netring_rx_attach(&f->rx, &f->rxp, &f->txp, f->data, DATA_SIZE))
		abort();
}

/* A frame of @len bytes, each byte @seed + its index. */
static int send(struct ring_fixture *f, uint32_t len, uint8_t seed)
{
	int err;
	uint8_t *p = netring_tx_begin(&f->tx, len, seed, &err);

	if (!p)
		return err;
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i);
	netring_tx_commit(&f->tx);
	return 0;
}

/* The next frame is @len bytes from @seed; 0, or why not. */
static int recv(struct ring_fixture *f, uint32_t len, uint8_t seed)
{
	const uint8_t *p;
	uint32_t n, flags;
	int ret = netring_rx_peek(&f->rx, &p, &n, &flags);

	if (ret)
		return ret;
	if (n != len || flags != seed)
		return -EBADMSG;
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i))
			return -EBADMSG;
	netring_rx_next(&f->rx);
	return 0;
}

TEST(netring_sizes)
{
	CHECK_EQ(netring_file_size(NETRING_MIN_DATA),
		 NETRING_CTL_SIZE + NETRING_MIN_DATA);
	CHECK_EQ(netring_file_size(NETRING_MIN_DATA + 4096), 0);
	CHECK_EQ(netring_file_size(NETRING_MIN_DATA / 2), 0);
	CHECK_EQ(netring_file_size(NETRING_MAX_DATA * 2), 0);
	CHECK_EQ(netring_file_size(0), 0);
}

TEST(netring_frames_in_order)
{
	struct ring_fixture f;

	ring_setup(&f);
	CHECK_EQ(recv(&f, 1, 0), -EAGAIN);
	CHECK_EQ(send(&f, 60, 1), 0);
	CHECK_EQ(send(&f, 1514, 2), 0);
	CHECK_EQ(send(&f, 0, 3), 0);
	/* Nothing is seen before it is published. */
	CHECK_EQ(recv(&f, 60, 1), -EAGAIN);
	netring_tx_publish(&f.tx);
	CHECK_EQ(recv(&f, 60, 1), 0);
	CHECK_EQ(recv(&f, 1514, 2), 0);
	CHECK_EQ(recv(&f, 0, 3), 0);
	CHECK_EQ(recv(&f, 1, 0), -EAGAIN);
	netring_rx_done(&f.rx);
	CHECK_EQ(f.rxp.cons, f.txp.prod);
	free(f.data);
}

TEST(netring_wraps_with_a_pad)
{
	struct ring_fixture f;
	unsigned int sent = 0, got = 0;

	ring_setup(&f);
	/* Frames of odd sizes, many times round the ring. */
	for (int round = 0; round < 2000; round++) {
		uint32_t len = 1 + (uint32_t)(round * 7919) % 9000;

		if (send(&f, len, (uint8_t)round)) {
			REQUIRE(got < sent);
			netring_tx_publish(&f.tx);
			while (got < sent) {
				uint32_t l = 1 + (got * 7919) % 9000;

				REQUIRE(recv(&f, l, (uint8_t)got) == 0);
				got++;
			}
			netring_rx_done(&f.rx);
			REQUIRE(send(&f, len, (uint8_t)round) == 0);
		}
		sent++;
	}
	netring_tx_publish(&f.tx);
	while (got < sent) {
		REQUIRE(recv(&f, 1 + (got * 7919) % 9000, (uint8_t)got) == 0);
		got++;
	}
	CHECK_EQ(recv(&f, 1, 0), -EAGAIN);
	CHECK(f.txp.prod > 4 * DATA_SIZE);
	free(f.data);
}

TEST(netring_full_and_too_big)
{
	struct ring_fixture f;
	int err, n = 0;

	ring_setup(&f);
	CHECK(!netring_tx_begin(&f.tx, NETRING_MAX_FRAME + 1, 0, &err));
	CHECK_EQ(err, -EMSGSIZE);
	while (send(&f, NETRING_MAX_FRAME, 0) == 0)
		n++;
	CHECK_EQ(n, DATA_SIZE / (NETRING_MAX_FRAME + NETRING_REC_HDR));
	CHECK(!netring_tx_begin(&f.tx, NETRING_MAX_FRAME, 0, &err));
	CHECK_EQ(err, -ENOSPC);
	/* A small one still fits at the end. */
	CHECK_EQ(send(&f, 100, 9), 0);
	/* The sender waits: no room yet, so it must not go on. */
	CHECK(!netring_tx_wait_space(&f.tx, NETRING_MAX_FRAME));
	CHECK_EQ(f.txp.want_space, 1);
	netring_tx_publish(&f.tx);
	CHECK_EQ(recv(&f, NETRING_MAX_FRAME, 0), 0);
	/* The receiver made room: it is asked to kick. */
	CHECK(netring_rx_done(&f.rx));
	CHECK(netring_tx_wait_space(&f.tx, NETRING_MAX_FRAME));
	CHECK_EQ(f.txp.want_space, 0);
	CHECK_EQ(send(&f, NETRING_MAX_FRAME, 0), 0);
	free(f.data);
}

TEST(netring_kicks_only_a_waiting_receiver)
{
	struct ring_fixture f;

	ring_setup(&f);
	CHECK_EQ(send(&f, 64, 1), 0);
	CHECK(!netring_tx_publish(&f.tx));
	/* Frames are there: the receiver must not sleep. */
	CHECK(netring_rx_wait_data(&f.rx));
	CHECK_EQ(f.rxp.want_data, 0);
	CHECK_EQ(recv(&f, 64, 1), 0);
	CHECK(!netring_rx_done(&f.rx));
	CHECK(!netring_rx_wait_data(&f.rx));
	CHECK_EQ(f.rxp.want_data, 1);
	CHECK_EQ(send(&f, 64, 2), 0);
	CHECK(netring_tx_publish(&f.tx));
	/* Nothing new: no kick. */
	CHECK(!netring_tx_publish(&f.tx));
	free(f.data);
}

TEST(netring_link_state)
{
	struct ring_fixture f;

	ring_setup(&f);
	CHECK(!netring_tx_peer_up(&f.tx));
	CHECK(!netring_rx_peer_up(&f.rx));
	netring_rx_set_up(&f.rx, true);
	netring_tx_set_up(&f.tx, true);
	CHECK(netring_tx_peer_up(&f.tx));
	CHECK(netring_rx_peer_up(&f.rx));
	f.rxp.up = 7;	/* anything but 1 is down */
	CHECK(!netring_tx_peer_up(&f.tx));
	free(f.data);
}

TEST(netring_attach_refusals)
{
	struct ring_fixture f;
	struct netring_tx tx;
	struct netring_rx rx;

	ring_setup(&f);
	CHECK_EQ(netring_tx_attach(&tx, &f.txp, &f.rxp, f.data, 3 << 16),
		 -EINVAL);
	CHECK_EQ(netring_tx_attach(&tx, NULL, &f.rxp, f.data, DATA_SIZE),
		 -EINVAL);
	CHECK_EQ(netring_rx_attach(&rx, &f.rxp, &f.txp, NULL, DATA_SIZE),
		 -EINVAL);
	free(f.data);
}

/* A restarted receiver drops what was waiting for the guest before it. */
TEST(netring_receiver_restart_drops_stale_frames)
{
	struct ring_fixture f;
	uint32_t gen;

	ring_setup(&f);
	gen = f.rxp.gen;
	CHECK_EQ(send(&f, 100, 1), 0);
	netring_tx_publish(&f.tx);
	REQUIRE(netring_rx_attach(&f.rx, &f.rxp, &f.txp, f.data,
				  DATA_SIZE) == 0);
	CHECK_EQ(f.rxp.gen, gen + 1);
	CHECK_EQ(recv(&f, 1, 0), -EAGAIN);
	CHECK_EQ(send(&f, 200, 2), 0);
	netring_tx_publish(&f.tx);
	CHECK_EQ(recv(&f, 200, 2), 0);
	free(f.data);
}

/* A restarted sender goes on where it was; a mad index is put right. */
TEST(netring_sender_restart)
{
	struct ring_fixture f;

	ring_setup(&f);
	CHECK_EQ(send(&f, 100, 1), 0);
	netring_tx_publish(&f.tx);
	REQUIRE(netring_tx_attach(&f.tx, &f.txp, &f.rxp, f.data,
				  DATA_SIZE) == 0);
	CHECK_EQ(send(&f, 50, 2), 0);
	netring_tx_publish(&f.tx);
	CHECK_EQ(recv(&f, 100, 1), 0);
	CHECK_EQ(recv(&f, 50, 2), 0);
	netring_rx_done(&f.rx);
	f.txp.prod = f.rxp.cons + 3 * DATA_SIZE;
	REQUIRE(netring_tx_attach(&f.tx, &f.txp, &f.rxp, f.data,
				  DATA_SIZE) == 0);
	CHECK_EQ(f.txp.prod, f.rxp.cons);
	CHECK_EQ(send(&f, 10, 3), 0);
	netring_tx_publish(&f.tx);
	CHECK_EQ(recv(&f, 10, 3), 0);
	free(f.data);
}

/* The sender attaches anew; the receiver sees it and comes back empty. */
static void reattach_sender(struct ring_fixture *f)
{
	const uint8_t *p;
	uint32_t n, fl;

	if (netring_tx_attach(&f->tx, &f->txp, &f->rxp, f->data, DATA_SIZE) ||
	    netring_rx_peek(&f->rx, &p, &n, &fl) != -EAGAIN || f->rx.broken)
		abort();
}

/* What a hostile sender can write breaks the ring for the receiver only. */
TEST(netring_hostile_sender)
{
	struct ring_fixture f;
	const uint8_t *p;
	uint32_t n, fl, *hdr;

	ring_setup(&f);
	/* More published than the ring holds. */
	f.txp.prod = f.rx.cons + DATA_SIZE + 8;
	CHECK_EQ(netring_rx_peek(&f.rx, &p, &n, &fl), -EIO);
	CHECK(f.rx.broken);
	CHECK_EQ(f.rx.breaks, 1);
	/* Broken until the sender attaches anew. */
	f.txp.prod = f.rx.cons;
	CHECK_EQ(netring_rx_peek(&f.rx, &p, &n, &fl), -EIO);
	REQUIRE(netring_tx_attach(&f.tx, &f.txp, &f.rxp, f.data,
				  DATA_SIZE) == 0);
	CHECK_EQ(netring_rx_peek(&f.rx, &p, &n, &fl), -EAGAIN);
	CHECK(!f.rx.broken);

	/* A record longer than what was published. */
	CHECK_EQ(send(&f, 100, 1), 0);
	netring_tx_publish(&f.tx);
	hdr = (uint32_t *)(f.data + (f.rx.cons & (DATA_SIZE - 1)));
	hdr[0] = 5000;
	CHECK_EQ(netring_rx_peek(&f.rx, &p, &n, &fl), -EIO);
	reattach_sender(&f);

	/* A frame over the largest. */
	CHECK_EQ(send(&f, 100, 1), 0);
	netring_tx_publish(&f.tx);
	hdr = (uint32_t *)(f.data + (f.rx.cons & (DATA_SIZE - 1)));
	hdr[0] = NETRING_MAX_FRAME + 1;
	CHECK_EQ(netring_rx_peek(&f.rx, &p, &n, &fl), -EIO);
	reattach_sender(&f);

	/* A pad where it does not reach the end of what was published. */
	CHECK_EQ(send(&f, 100, 1), 0);
	netring_tx_publish(&f.tx);
	hdr = (uint32_t *)(f.data + (f.rx.cons & (DATA_SIZE - 1)));
	hdr[0] = NETRING_PAD_LEN;
	CHECK_EQ(netring_rx_peek(&f.rx, &p, &n, &fl), -EIO);
	reattach_sender(&f);

	/* Less than a record header. */
	f.txp.prod = f.rx.cons + 4;
	CHECK_EQ(netring_rx_peek(&f.rx, &p, &n, &fl), -EIO);
	CHECK_EQ(f.rx.breaks, 5);

	/* The length changed after peek(): next() keeps what was checked. */
	reattach_sender(&f);
	CHECK_EQ(send(&f, 16, 1), 0);
	CHECK_EQ(send(&f, 16, 2), 0);
	netring_tx_publish(&f.tx);
	CHECK_EQ(netring_rx_peek(&f.rx, &p, &n, &fl), 0);
	hdr = (uint32_t *)(f.data + (f.rx.cons & (DATA_SIZE - 1)));
	hdr[0] = 100000;
	netring_rx_next(&f.rx);
	CHECK_EQ(recv(&f, 16, 2), 0);
	free(f.data);
}

/* What a hostile receiver can write breaks the ring for the sender only. */
TEST(netring_hostile_receiver)
{
	struct ring_fixture f;
	int err;

	ring_setup(&f);
	CHECK_EQ(send(&f, 100, 1), 0);
	netring_tx_publish(&f.tx);
	/* It claims to have read what was never sent. */
	f.rxp.cons = f.txp.prod + 64;
	CHECK(!netring_tx_begin(&f.tx, 10, 0, &err));
	CHECK_EQ(err, -EIO);
	CHECK(f.tx.broken);
	CHECK(!netring_tx_publish(&f.tx));
	CHECK(!netring_tx_peer_up(&f.tx));
	/* Until it attaches anew. */
	CHECK(!netring_tx_begin(&f.tx, 10, 0, &err));
	REQUIRE(netring_rx_attach(&f.rx, &f.rxp, &f.txp, f.data,
				  DATA_SIZE) == 0);
	CHECK_EQ(send(&f, 10, 4), 0);
	netring_tx_publish(&f.tx);
	CHECK_EQ(recv(&f, 10, 4), 0);
	free(f.data);
}

/* Two threads, as two VMMs: every frame arrives once, whole, in order. */
#define STRESS_FRAMES	200000u

static void *stress_sender(void *arg)
{
	struct ring_fixture *f = arg;

	for (uint32_t i = 0; i < STRESS_FRAMES; i++) {
		uint32_t len = 1 + (i * 2654435761u) % 3000;

		while (send(f, len, (uint8_t)i)) {
			netring_tx_publish(&f->tx);
			while (!netring_tx_wait_space(&f->tx, len))
				sched_yield();
		}
		if (!(i % 7))
			netring_tx_publish(&f->tx);
	}
	netring_tx_publish(&f->tx);
	return NULL;
}

TEST(netring_two_threads)
{
	struct ring_fixture f;
	pthread_t t;
	uint32_t got = 0;
	int ret;

	ring_setup(&f);
	REQUIRE(pthread_create(&t, NULL, stress_sender, &f) == 0);
	while (got < STRESS_FRAMES) {
		ret = recv(&f, 1 + (got * 2654435761u) % 3000, (uint8_t)got);
		if (ret == -EAGAIN) {
			netring_rx_done(&f.rx);
			if (!netring_rx_wait_data(&f.rx))
				sched_yield();
			continue;
		}
		if (ret)
			break;
		got++;
		if (!(got % 5))
			netring_rx_done(&f.rx);
	}
	pthread_join(t, NULL);
	CHECK_EQ(got, STRESS_FRAMES);
	CHECK(!f.rx.broken && !f.tx.broken);
	free(f.data);
}
