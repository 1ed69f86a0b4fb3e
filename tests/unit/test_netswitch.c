// SPDX-License-Identifier: GPL-2.0
/* The switch of a network as one port runs it (devices/netswitch.c). */
#include <errno.h>
#include <stdlib.h>

#include "devices/netswitch.h"
#include "tests/unit/test.h"

/* Port 0 bridges (a driver domain); 1 and 2 are clients. */
static const struct netsw_port three_ports[] = {
	{ .mac = { 0x02, 0, 0, 0, 0, 0x10 }, .bridge = true, .up = true },
	{ .mac = { 0x02, 0, 0, 0, 0, 0x11 }, .up = true },
	{ .mac = { 0x02, 0, 0, 0, 0, 0x12 }, .up = true },
};

static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t outside[ETH_ALEN] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

static uint8_t frame[64];

static const uint8_t *eth(const uint8_t *dst, const uint8_t *src)
{
	memset(frame, 0, sizeof(frame));
	memcpy(frame, dst, ETH_ALEN);
	memcpy(frame + ETH_ALEN, src, ETH_ALEN);
	frame[12] = 0x08;
	return frame;
}

static void sw_setup(struct netsw *sw, unsigned int self)
{
	if (netsw_init(sw, three_ports, 3, self, 1000))
		abort();
}

TEST(netswitch_init_refusals)
{
	struct netsw sw;
	struct netsw_port p[2] = { three_ports[1], three_ports[1] };

	CHECK_EQ(netsw_init(&sw, p, 2, 0, 0), -EINVAL);
	p[1].mac[5] = 0x99;
	CHECK_EQ(netsw_init(&sw, p, 2, 0, 0), 0);
	CHECK_EQ(netsw_init(&sw, p, 2, 2, 0), -EINVAL);
	CHECK_EQ(netsw_init(&sw, p, 0, 0, 0), -EINVAL);
	CHECK_EQ(netsw_init(&sw, p, NETSW_MAX_PORTS + 1, 0, 0), -EINVAL);
	p[1].mac[0] = 0x03;	/* multicast */
	CHECK_EQ(netsw_init(&sw, p, 2, 0, 0), -EINVAL);
	memset(p[1].mac, 0, ETH_ALEN);
	CHECK_EQ(netsw_init(&sw, p, 2, 0, 0), -EINVAL);
}

TEST(netswitch_unicast_to_a_known_port)
{
	struct netsw sw;
	enum netsw_drop why;

	sw_setup(&sw, 1);
	CHECK_EQ(netsw_route(&sw, eth(three_ports[2].mac, three_ports[1].mac),
			     60, 1000, &why), 1u << 2);
	CHECK_EQ(why, NETSW_OK);
	/* Down: nowhere, not flooded. */
	netsw_set_up(&sw, 2, false);
	CHECK_EQ(netsw_route(&sw, eth(three_ports[2].mac, three_ports[1].mac),
			     60, 1000, &why), 0);
	CHECK_EQ(why, NETSW_NO_PORT);
	/* To itself: nowhere. */
	CHECK_EQ(netsw_route(&sw, eth(three_ports[1].mac, three_ports[1].mac),
			     60, 1000, &why), 0);
	CHECK_EQ(sw.drops[NETSW_NO_PORT], 2);
}

TEST(netswitch_floods_broadcast_and_unknown)
{
	struct netsw sw;

	sw_setup(&sw, 1);
	CHECK_EQ(netsw_route(&sw, eth(bcast, three_ports[1].mac), 60, 1000,
			     NULL), (1u << 0) | (1u << 2));
	CHECK_EQ(netsw_route(&sw, eth(outside, three_ports[1].mac), 60, 1000,
			     NULL), (1u << 0) | (1u << 2));
	netsw_set_up(&sw, 0, false);
	CHECK_EQ(netsw_route(&sw, eth(bcast, three_ports[1].mac), 60, 1000,
			     NULL), 1u << 2);
	netsw_set_up(&sw, 2, false);
	CHECK_EQ(netsw_route(&sw, eth(bcast, three_ports[1].mac), 60, 1000,
			     NULL), 0);
}

TEST(netswitch_source_checks)
{
	struct netsw sw;
	enum netsw_drop why;

	/* A client sends from its own MAC only. */
	sw_setup(&sw, 1);
	CHECK_EQ(netsw_route(&sw, eth(bcast, outside), 60, 1000, &why), 0);
	CHECK_EQ(why, NETSW_BAD_SOURCE);
	CHECK_EQ(netsw_route(&sw, eth(bcast, three_ports[2].mac), 60, 1000,
			     &why), 0);
	CHECK_EQ(why, NETSW_BAD_SOURCE);
	CHECK_EQ(netsw_route(&sw, eth(bcast, bcast), 60, 1000, &why), 0);
	CHECK_EQ(netsw_route(&sw, eth(bcast, three_ports[1].mac), 10, 1000,
			     &why), 0);
	CHECK_EQ(why, NETSW_RUNT);
	/* And what arrives from a client is checked the same way. */
	CHECK_EQ(netsw_accept(&sw, 2, eth(bcast, outside), 60, 1000),
		 NETSW_BAD_SOURCE);
	CHECK_EQ(netsw_accept(&sw, 2, eth(bcast, three_ports[0].mac), 60,
			      1000), NETSW_BAD_SOURCE);
	CHECK_EQ(netsw_accept(&sw, 2, eth(bcast, three_ports[2].mac), 60,
			      1000), NETSW_OK);
	/* A port is never its own peer; out of range is refused. */
	CHECK_EQ(netsw_accept(&sw, 1, eth(bcast, three_ports[1].mac), 60,
			      1000), NETSW_BAD_SOURCE);
	CHECK_EQ(netsw_accept(&sw, 7, eth(bcast, three_ports[1].mac), 60,
			      1000), NETSW_BAD_SOURCE);
	CHECK_EQ(netsw_accept(&sw, 2, frame, 13, 1000), NETSW_RUNT);
	/* A bridge may send from others' MACs, but not from a port's. */
	CHECK_EQ(netsw_accept(&sw, 0, eth(bcast, outside), 60, 1000),
		 NETSW_OK);
	CHECK_EQ(netsw_accept(&sw, 0, eth(bcast, three_ports[2].mac), 60,
			      1000), NETSW_BAD_SOURCE);
}

TEST(netswitch_learns_behind_a_bridge_and_ages)
{
	struct netsw sw;

	sw_setup(&sw, 1);
	CHECK_EQ(netsw_accept(&sw, 0, eth(bcast, outside), 60, 1000),
		 NETSW_OK);
	CHECK_EQ(sw.learned, 1);
	CHECK_EQ(netsw_route(&sw, eth(outside, three_ports[1].mac), 60, 2000,
			     NULL), 1u << 0);
	/* Seen again: fresh again. */
	CHECK_EQ(netsw_accept(&sw, 0, eth(bcast, outside), 60,
			      NETSW_AGING_MS), NETSW_OK);
	CHECK_EQ(sw.learned, 1);
	CHECK_EQ(netsw_route(&sw, eth(outside, three_ports[1].mac), 60,
			     NETSW_AGING_MS + 1000, NULL), 1u << 0);
	/* Aged out: flooded again. */
	CHECK_EQ(netsw_route(&sw, eth(outside, three_ports[1].mac), 60,
			     2 * NETSW_AGING_MS + 1, NULL),
		 (1u << 0) | (1u << 2));
}

TEST(netswitch_table_full_replaces_the_oldest)
{
	struct netsw sw;
	uint8_t mac[ETH_ALEN] = { 0x52, 0x54, 0, 0, 0, 0 };
	unsigned int found = 0;

	sw_setup(&sw, 1);
	/* Many more MACs than the table holds: it keeps the newest. */
	for (unsigned int i = 0; i < 4 * NETSW_FDB_SIZE; i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		CHECK_EQ(netsw_accept(&sw, 0, eth(bcast, mac), 60, 1000 + i),
			 NETSW_OK);
	}
	for (unsigned int i = 3 * NETSW_FDB_SIZE; i < 4 * NETSW_FDB_SIZE;
	     i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		if (netsw_route(&sw, eth(mac, three_ports[1].mac), 60, 5000,
				NULL) == 1u << 0)
			found++;
	}
	/* Most of the last table's worth is known (hash collisions aside). */
	CHECK(found > NETSW_FDB_SIZE / 2);
	CHECK_EQ(sw.learned, 4 * NETSW_FDB_SIZE);
}

TEST(netswitch_flood_budget)
{
	struct netsw sw;
	enum netsw_drop why;
	unsigned int sent = 0;

	sw_setup(&sw, 1);
	/* A storm in one millisecond: the burst, then drops. */
	for (int i = 0; i < 1000; i++)
		if (netsw_route(&sw, eth(bcast, three_ports[1].mac), 60, 1000,
				&why))
			sent++;
	CHECK_EQ(sent, NETSW_FLOOD_BURST);
	CHECK_EQ(why, NETSW_FLOOD_LIMIT);
	CHECK_EQ(sw.drops[NETSW_FLOOD_LIMIT], 1000 - NETSW_FLOOD_BURST);
	/* Unicast to a known port is never held back. */
	CHECK_EQ(netsw_route(&sw, eth(three_ports[2].mac, three_ports[1].mac),
			     60, 1000, NULL), 1u << 2);
	/* The budget comes back with time, up to the burst. */
	CHECK(netsw_route(&sw, eth(bcast, three_ports[1].mac), 60, 1001,
			  NULL));
	sent = 0;
	for (int i = 0; i < 1000; i++)
		if (netsw_route(&sw, eth(bcast, three_ports[1].mac), 60,
				900000, NULL))
			sent++;
	CHECK_EQ(sent, NETSW_FLOOD_BURST);
}

TEST(netswitch_derived_macs)
{
	uint8_t a[ETH_ALEN], b[ETH_ALEN], c[ETH_ALEN];

	netsw_derive_mac("dom0", "lan", a);
	netsw_derive_mac("dom0", "lan", b);
	CHECK(!memcmp(a, b, ETH_ALEN));
	CHECK(!netsw_mac_multicast(a));
	CHECK_EQ(a[0] & 2, 2);
	netsw_derive_mac("app", "lan", b);
	netsw_derive_mac("dom0", "dmz", c);
	CHECK(memcmp(a, b, ETH_ALEN));
	CHECK(memcmp(a, c, ETH_ALEN));
	/* Node names have no '/': "ab" on "c" is not "a" on "bc". */
	netsw_derive_mac("ab", "c", b);
	netsw_derive_mac("a", "bc", c);
	CHECK(memcmp(b, c, ETH_ALEN));
}
