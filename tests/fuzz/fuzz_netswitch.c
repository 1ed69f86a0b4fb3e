// SPDX-License-Identifier: GPL-2.0
/*
 * The switch of a network as one port runs it (devices/netswitch.c), fed
 * frames from its own guest and from every peer with any source and
 * destination, ports going up and down, and time running forward by
 * leaps: what hostile guests, a bridging driver domain and a storm do.
 *
 * Input: the number of ports, which is this one, which are bridges; then
 * 1-byte operations with their arguments: a frame from this port's guest,
 * a frame from a peer, a port up or down, time passing.
 *
 * Checks, beside the sanitizers: a frame never goes back to its sender's
 * port nor to a port that is down; a frame to a port's own MAC goes to
 * that port alone (when it is up) or nowhere; a frame from a port that is
 * not a bridge with a source other than its MAC goes nowhere, and is
 * refused when it arrives from such a peer; a source that is another
 * port's MAC is always refused; flooded frames stay within the burst plus
 * the rate for the time that passed; only unicast MACs that are no port's
 * are learned, and only behind bridge ports.
 */
#include <errno.h>

#include "devices/netswitch.h"
#include "tests/fuzz/fuzz.h"

enum op_kind { OP_SEND, OP_ARRIVE, OP_LINK, OP_TIME, NR_OPS };

/* A few MACs, so that sources and destinations meet again. */
static void pick_mac(const struct netsw *sw, uint8_t sel, uint8_t mac[6])
{
	static const uint8_t others[4][6] = {
		{ 0x02, 0, 0, 0, 0, 0x01 }, { 0x02, 0, 0, 0, 0, 0x02 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
	};

	if (sel % 2 == 0 && sel / 2 % 32 < sw->nr_ports)
		memcpy(mac, sw->ports[sel / 2 % 32].mac, 6);
	else
		memcpy(mac, others[sel / 2 % 4], 6);
}

static int port_of(const struct netsw *sw, const uint8_t *mac)
{
	for (unsigned int i = 0; i < sw->nr_ports; i++)
		if (!memcmp(sw->ports[i].mac, mac, 6))
			return i;
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct netsw sw;
	struct netsw_port ports[NETSW_MAX_PORTS] = { 0 };
	uint64_t now = 1000, start = 1000, flooded = 0;
	unsigned int nr, self;
	struct fuzz_in in;
	uint16_t bridges;

	fuzz_in_init(&in, data, size);
	nr = 2 + fuzz_u8(&in) % (NETSW_MAX_PORTS - 1);
	self = fuzz_u8(&in) % nr;
	bridges = fuzz_u16(&in);
	for (unsigned int i = 0; i < nr; i++) {
		ports[i].mac[0] = 0x06;
		ports[i].mac[5] = 0x10 + i;
		ports[i].bridge = bridges & (1u << i);
		ports[i].up = true;
	}
	FUZZ_CHECK(!netsw_init(&sw, ports, nr, self, now));
	while (!fuzz_done(&in)) {
		uint8_t kind = fuzz_u8(&in) % NR_OPS;
		uint8_t frame[64] = { 0 };
		enum netsw_drop why;
		size_t len;
		int to, src_port;

		switch (kind) {
		case OP_SEND:
		case OP_ARRIVE: {
			unsigned int from = fuzz_u8(&in) % nr;
			uint32_t mask;

			pick_mac(&sw, fuzz_u8(&in), frame);
			pick_mac(&sw, fuzz_u8(&in), frame + 6);
			len = fuzz_u8(&in) % sizeof(frame);
			to = port_of(&sw, frame);
			src_port = port_of(&sw, frame + 6);
			if (kind == OP_ARRIVE) {
				if (from == self)
					break;
				why = netsw_accept(&sw, from, frame, len, now);
				if (src_port >= 0 && (unsigned int)src_port != from)
					FUZZ_CHECK(why != NETSW_OK);
				if (!sw.ports[from].bridge && src_port != (int)from)
					FUZZ_CHECK(why != NETSW_OK);
				break;
			}
			mask = netsw_route(&sw, frame, len, now, &why);
			FUZZ_CHECK(!(mask & (1u << self)));
			FUZZ_CHECK(!(mask & ~((1u << nr) - 1)));
			for (unsigned int i = 0; i < nr; i++)
				if (mask & (1u << i))
					FUZZ_CHECK(sw.ports[i].up);
			if (mask && src_port != (int)self)
				FUZZ_CHECK(sw.ports[self].bridge && src_port < 0 &&
					   !netsw_mac_multicast(frame + 6));
			if (mask && to >= 0)
				FUZZ_CHECK_EQ(mask, 1u << to);
			if (mask && to < 0 && __builtin_popcount(mask) > 1)
				flooded++;
			FUZZ_CHECK(mask || why != NETSW_OK);
			break;
		}
		case OP_LINK: {
			uint8_t b = fuzz_u8(&in);

			netsw_set_up(&sw, b % nr, b & 0x80);
			break;
		}
		case OP_TIME:
			now += fuzz_u16(&in) * (fuzz_u8(&in) & 1 ? 1000ULL : 1);
			break;
		}
		/* A flood to one port up looks like a unicast: not counted. */
		FUZZ_CHECK(flooded <= NETSW_FLOOD_BURST +
			   (now - start) * NETSW_FLOOD_PER_S / 1000 + 1);
		/* Only MACs behind bridge ports, never a port's own. */
		for (unsigned int i = 0; i < NETSW_FDB_SIZE; i++) {
			const struct netsw_fdb_entry *e = &sw.fdb[i];

			if (!e->used)
				continue;
			FUZZ_CHECK(e->port < nr && e->port != self);
			FUZZ_CHECK(sw.ports[e->port].bridge);
			FUZZ_CHECK(port_of(&sw, e->mac) < 0);
			FUZZ_CHECK(!netsw_mac_multicast(e->mac));
		}
	}
	return 0;
}
