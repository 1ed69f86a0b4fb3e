/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The switch of one network, as one of its ports runs it. There is no
 * switch process: each VMM decides where its own guest's frames go and
 * writes them straight into the ring of each port they go to (one ring per
 * ordered pair of ports, devices/netring.h), and checks the frames that
 * arrive from each peer before its guest sees them. So a frame is copied
 * twice (guest to ring, ring to guest), and no third process wakes up.
 *
 * A port is a domain's interface. Its MACs are known from the
 * configuration; a bridge port (a driver domain that bridges the machine's
 * NIC onto the network) may also send from other MACs, which the switch
 * learns as it sees them arrive, and forgets after the aging time. What a
 * port may send from: its own MACs, and for a bridge port any unicast MAC
 * that is not another port's. Broadcast, multicast and unknown unicast go
 * to every other port that is up, within a budget of flooded frames per
 * second for each sender, so that a storm from one guest cannot fill the
 * others' rings.
 *
 * Pure logic: frames are bytes, time is milliseconds given by the caller.
 */
#ifndef SLIMHV_DEVICES_NETSWITCH_H
#define SLIMHV_DEVICES_NETSWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/if_ether.h>

#define NETSW_MAX_PORTS		16
#define NETSW_FDB_SIZE		256	/* learned MACs, a power of two */
#define NETSW_FDB_PROBE		8
#define NETSW_AGING_MS		300000u
#define NETSW_FLOOD_PER_S	2000u	/* flooded frames a second, each port */
#define NETSW_FLOOD_BURST	256u

/* Why a frame went nowhere (netsw_route) or was refused (netsw_accept). */
enum netsw_drop {
	NETSW_OK = 0,
	NETSW_RUNT,		/* shorter than an Ethernet header */
	NETSW_BAD_SOURCE,	/* a source the port may not use */
	NETSW_FLOOD_LIMIT,	/* over the port's budget of flooded frames */
	NETSW_NO_PORT,		/* no port up to take it */
	NETSW_NR_DROPS,
};

struct netsw_port {
	uint8_t mac[ETH_ALEN];
	bool bridge;		/* may send from learned MACs */
	bool up;		/* its guest takes frames */
};

struct netsw_fdb_entry {
	uint8_t mac[ETH_ALEN];
	uint8_t port;
	bool used;
	uint64_t seen_ms;
};

struct netsw {
	unsigned int nr_ports;
	unsigned int self;	/* the port this VMM runs */
	struct netsw_port ports[NETSW_MAX_PORTS];
	struct netsw_fdb_entry fdb[NETSW_FDB_SIZE];
	/* The token bucket of this port's flooded frames. */
	uint32_t flood_tokens;
	uint64_t flood_ms;
	uint64_t drops[NETSW_NR_DROPS];
	uint64_t learned;
};

/*
 * @nr ports, this VMM's being @self. 0, or -EINVAL (too many ports, self
 * out of range, a MAC that is multicast or zero, two ports with one MAC).
 */
int netsw_init(struct netsw *sw, const struct netsw_port *ports,
	       unsigned int nr, unsigned int self, uint64_t now_ms);

/*
 * Where a frame that this port's guest sent goes: a mask of ports (never
 * this one), or 0 with @why set.
 */
uint32_t netsw_route(struct netsw *sw, const uint8_t *frame, size_t len,
		     uint64_t now_ms, enum netsw_drop *why);

/*
 * A frame arrived from @port: NETSW_OK if this port's guest may see it
 * (and its source is learned where @port is a bridge), else why not.
 */
enum netsw_drop netsw_accept(struct netsw *sw, unsigned int port,
			     const uint8_t *frame, size_t len,
			     uint64_t now_ms);

void netsw_set_up(struct netsw *sw, unsigned int port, bool up);

/*
 * A stable, locally administered unicast MAC for @domain's interface on
 * @network, where the configuration gives none.
 */
void netsw_derive_mac(const char *domain, const char *network,
		      uint8_t mac[ETH_ALEN]);

bool netsw_mac_multicast(const uint8_t *mac);
bool netsw_mac_zero(const uint8_t *mac);

#endif /* SLIMHV_DEVICES_NETSWITCH_H */
