// SPDX-License-Identifier: GPL-2.0
/* The switch of one network, as one of its ports runs it (netswitch.h). */
#include <errno.h>
#include <string.h>

#include "devices/netswitch.h"

bool netsw_mac_multicast(const uint8_t *mac)
{
	return mac[0] & 1;
}

bool netsw_mac_zero(const uint8_t *mac)
{
	static const uint8_t zero[ETH_ALEN];

	return !memcmp(mac, zero, ETH_ALEN);
}

int netsw_init(struct netsw *sw, const struct netsw_port *ports,
	       unsigned int nr, unsigned int self, uint64_t now_ms)
{
	if (!nr || nr > NETSW_MAX_PORTS || self >= nr)
		return -EINVAL;
	for (unsigned int i = 0; i < nr; i++) {
		if (netsw_mac_multicast(ports[i].mac) ||
		    netsw_mac_zero(ports[i].mac))
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++)
			if (!memcmp(ports[i].mac, ports[j].mac, ETH_ALEN))
				return -EINVAL;
	}
	memset(sw, 0, sizeof(*sw));
	sw->nr_ports = nr;
	sw->self = self;
	memcpy(sw->ports, ports, nr * sizeof(*ports));
	sw->flood_tokens = NETSW_FLOOD_BURST;
	sw->flood_ms = now_ms;
	return 0;
}

void netsw_set_up(struct netsw *sw, unsigned int port, bool up)
{
	if (port < sw->nr_ports)
		sw->ports[port].up = up;
}

/* The port whose own MAC @mac is, or -1. */
static int static_port(const struct netsw *sw, const uint8_t *mac)
{
	for (unsigned int i = 0; i < sw->nr_ports; i++)
		if (!memcmp(sw->ports[i].mac, mac, ETH_ALEN))
			return (int)i;
	return -1;
}

static unsigned int fdb_hash(const uint8_t *mac)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < ETH_ALEN; i++)
		h = (h ^ mac[i]) * 16777619u;
	return h & (NETSW_FDB_SIZE - 1);
}

static bool fresh(const struct netsw_fdb_entry *e, uint64_t now_ms)
{
	return e->used && now_ms - e->seen_ms < NETSW_AGING_MS;
}

/* The learned port of @mac, or -1 if unknown or aged out. */
static int fdb_port(const struct netsw *sw, const uint8_t *mac,
		    uint64_t now_ms)
{
	unsigned int h = fdb_hash(mac);

	for (unsigned int i = 0; i < NETSW_FDB_PROBE; i++) {
		const struct netsw_fdb_entry *e =
			&sw->fdb[(h + i) & (NETSW_FDB_SIZE - 1)];

		if (e->used && !memcmp(e->mac, mac, ETH_ALEN))
			return fresh(e, now_ms) ? e->port : -1;
	}
	return -1;
}

/* @mac seen behind @port: its entry, else a stale or the oldest one. */
static void fdb_learn(struct netsw *sw, const uint8_t *mac,
		      unsigned int port, uint64_t now_ms)
{
	unsigned int h = fdb_hash(mac);
	struct netsw_fdb_entry *victim = NULL;

	for (unsigned int i = 0; i < NETSW_FDB_PROBE; i++) {
		struct netsw_fdb_entry *e =
			&sw->fdb[(h + i) & (NETSW_FDB_SIZE - 1)];

		if (e->used && !memcmp(e->mac, mac, ETH_ALEN)) {
			victim = e;
			break;
		}
		if (!victim || (fresh(victim, now_ms) &&
				(!fresh(e, now_ms) ||
				 e->seen_ms < victim->seen_ms)))
			victim = e;
	}
	if (!victim->used || memcmp(victim->mac, mac, ETH_ALEN) ||
	    victim->port != port)
		sw->learned++;
	memcpy(victim->mac, mac, ETH_ALEN);
	victim->port = (uint8_t)port;
	victim->used = true;
	victim->seen_ms = now_ms;
}

/* May @port send from @src? */
static bool source_ok(const struct netsw *sw, unsigned int port,
		      const uint8_t *src)
{
	int owner;

	if (netsw_mac_multicast(src) || netsw_mac_zero(src))
		return false;
	owner = static_port(sw, src);
	if (owner >= 0)
		return (unsigned int)owner == port;
	return sw->ports[port].bridge;
}

/* One flooded frame off this port's bucket, refilled with time. */
static bool flood_budget(struct netsw *sw, uint64_t now_ms)
{
	uint64_t elapsed = now_ms > sw->flood_ms ? now_ms - sw->flood_ms : 0;
	uint64_t gained, tokens;

	if (elapsed > 1000)
		elapsed = 1000;
	gained = elapsed * NETSW_FLOOD_PER_S / 1000;
	if (gained) {
		tokens = sw->flood_tokens + gained;
		sw->flood_tokens = tokens > NETSW_FLOOD_BURST ?
				   NETSW_FLOOD_BURST : (uint32_t)tokens;
		sw->flood_ms = now_ms;
	}
	if (!sw->flood_tokens)
		return false;
	sw->flood_tokens--;
	return true;
}

static uint32_t drop(struct netsw *sw, enum netsw_drop why,
		     enum netsw_drop *out)
{
	sw->drops[why]++;
	if (out)
		*out = why;
	return 0;
}

uint32_t netsw_route(struct netsw *sw, const uint8_t *frame, size_t len,
		     uint64_t now_ms, enum netsw_drop *why)
{
	const uint8_t *dst = frame, *src = frame + ETH_ALEN;
	uint32_t mask = 0;
	int port;

	if (why)
		*why = NETSW_OK;
	if (len < ETH_HLEN)
		return drop(sw, NETSW_RUNT, why);
	if (!source_ok(sw, sw->self, src))
		return drop(sw, NETSW_BAD_SOURCE, why);
	if (!netsw_mac_multicast(dst)) {
		port = static_port(sw, dst);
		if (port < 0)
			port = fdb_port(sw, dst, now_ms);
		if (port >= 0) {
			if ((unsigned int)port == sw->self ||
			    !sw->ports[port].up)
				return drop(sw, NETSW_NO_PORT, why);
			return 1u << port;
		}
	}
	for (unsigned int i = 0; i < sw->nr_ports; i++)
		if (i != sw->self && sw->ports[i].up)
			mask |= 1u << i;
	if (!mask)
		return drop(sw, NETSW_NO_PORT, why);
	if (!flood_budget(sw, now_ms))
		return drop(sw, NETSW_FLOOD_LIMIT, why);
	return mask;
}

enum netsw_drop netsw_accept(struct netsw *sw, unsigned int port,
			     const uint8_t *frame, size_t len,
			     uint64_t now_ms)
{
	const uint8_t *src = frame + ETH_ALEN;

	if (len < ETH_HLEN) {
		drop(sw, NETSW_RUNT, NULL);
		return NETSW_RUNT;
	}
	if (port >= sw->nr_ports || port == sw->self ||
	    !source_ok(sw, port, src)) {
		drop(sw, NETSW_BAD_SOURCE, NULL);
		return NETSW_BAD_SOURCE;
	}
	if (sw->ports[port].bridge && static_port(sw, src) < 0)
		fdb_learn(sw, src, port, now_ms);
	return NETSW_OK;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

void netsw_derive_mac(const char *domain, const char *network,
		      uint8_t mac[ETH_ALEN])
{
	uint64_t h = 14695981039346656037ull;

	h = fnv1a(fnv1a(fnv1a(h, domain), "/"), network);
	for (int i = 0; i < ETH_ALEN; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	/* Locally administered, unicast. */
	mac[0] = (mac[0] & 0xfc) | 0x02;
}
