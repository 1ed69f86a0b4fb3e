// SPDX-License-Identifier: GPL-2.0
/* Checksum completion and TCP segmentation for virtio-net (netoffload.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

#include "devices/netoffload.h"

#define VLAN_HDR	4
#define TCP_FIN		0x01
#define TCP_PSH		0x08
#define TCP_CWR		0x80

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

uint32_t netoff_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t s = sum;

	for (; len > 1; p += 2, len -= 2)
		s += get16(p);
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t netoff_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static unsigned int gso_kind(const struct netoff_hdr *h)
{
	return h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
}

int netoff_check(const struct netoff_hdr *h, size_t len, unsigned int caps)
{
	unsigned int kind = gso_kind(h);

	if (len < ETH_HLEN)
		return -EINVAL;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (!(caps & NETOFF_CSUM) || h->csum_start < ETH_HLEN ||
		    (h->csum_offset & 1) ||
		    (size_t)h->csum_start + h->csum_offset + 2 > len)
			return -EINVAL;
	}
	if (kind == VIRTIO_NET_HDR_GSO_NONE)
		return h->gso_type ? -EINVAL : 0;
	if ((kind == VIRTIO_NET_HDR_GSO_TCPV4 && !(caps & NETOFF_TSO4)) ||
	    (kind == VIRTIO_NET_HDR_GSO_TCPV6 && !(caps & NETOFF_TSO6)) ||
	    (kind != VIRTIO_NET_HDR_GSO_TCPV4 &&
	     kind != VIRTIO_NET_HDR_GSO_TCPV6))
		return -EINVAL;
	if ((h->gso_type & VIRTIO_NET_HDR_GSO_ECN) && !(caps & NETOFF_ECN))
		return -EINVAL;
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
	    h->gso_size < NETOFF_MIN_GSO)
		return -EINVAL;
	return 0;
}

int netoff_needs(const struct netoff_hdr *h, unsigned int caps)
{
	switch (gso_kind(h)) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
		if (!(caps & NETOFF_TSO4))
			return NETOFF_NEED_SEGMENT;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (!(caps & NETOFF_TSO6))
			return NETOFF_NEED_SEGMENT;
		break;
	}
	if ((h->gso_type & VIRTIO_NET_HDR_GSO_ECN) && !(caps & NETOFF_ECN))
		return NETOFF_NEED_SEGMENT;
	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !(caps & NETOFF_CSUM))
		return NETOFF_NEED_CSUM;
	return 0;
}

int netoff_fill_csum(uint8_t *frame, size_t len, const struct netoff_hdr *h)
{
	size_t at = (size_t)h->csum_start + h->csum_offset;

	/* An odd offset is no 16-bit word of the sum: no protocol has one. */
	if (h->csum_start < ETH_HLEN || (h->csum_offset & 1) || at + 2 > len)
		return -EINVAL;
	/* The field holds the pseudo-header's sum: it is summed too. */
	put16(frame + at, (uint16_t)~netoff_fold(netoff_sum(frame +
		h->csum_start, len - h->csum_start, 0)));
	return 0;
}

/* Where the headers are in a TSO frame, checked against @len. */
struct tso_layout {
	size_t l3, l4, hlen;
	bool v6;
};

static int tso_parse(const struct netoff_hdr *h, const uint8_t *f,
		     size_t len, struct tso_layout *t)
{
	uint16_t type;
	size_t doff;

	if (len < ETH_HLEN + VLAN_HDR)
		return -EINVAL;
	t->l3 = ETH_HLEN;
	type = get16(f + 12);
	if (type == ETH_P_8021Q) {
		t->l3 += VLAN_HDR;
		type = get16(f + 16);
	}
	t->v6 = gso_kind(h) == VIRTIO_NET_HDR_GSO_TCPV6;
	if (!t->v6) {
		size_t ihl;

		if (type != ETH_P_IP || len < t->l3 + 20 ||
		    f[t->l3] >> 4 != 4 || f[t->l3 + 9] != IPPROTO_TCP ||
		    (get16(f + t->l3 + 6) & 0x3fff))	/* a fragment */
			return -EINVAL;
		ihl = (size_t)(f[t->l3] & 0xf) * 4;
		if (ihl < 20)
			return -EINVAL;
		t->l4 = t->l3 + ihl;
	} else {
		if (type != ETH_P_IPV6 || len < t->l3 + 40 ||
		    f[t->l3] >> 4 != 6 || f[t->l3 + 6] != IPPROTO_TCP)
			return -EINVAL;
		t->l4 = t->l3 + 40;
	}
	if (t->l4 != h->csum_start || h->csum_offset != 16 ||
	    len < t->l4 + 20)
		return -EINVAL;
	doff = (size_t)(f[t->l4 + 12] >> 4) * 4;
	if (doff < 20 || len < t->l4 + doff)
		return -EINVAL;
	t->hlen = t->l4 + doff;
	return 0;
}

/* The TCP checksum of the segment in @s (@len bytes). */
static void tcp_csum(uint8_t *s, size_t len, const struct tso_layout *t)
{
	uint32_t tcp_len = (uint32_t)(len - t->l4), sum;

	put16(s + t->l4 + 16, 0);
	if (t->v6)
		sum = netoff_sum(s + t->l3 + 8, 32, 0);
	else
		sum = netoff_sum(s + t->l3 + 12, 8, 0);
	sum = netoff_sum(s + t->l4, tcp_len, sum + IPPROTO_TCP +
			 (tcp_len >> 16) + (tcp_len & 0xffff));
	put16(s + t->l4 + 16, (uint16_t)~netoff_fold(sum));
}

int netoff_segment(const struct netoff_hdr *h, const uint8_t *frame,
		   size_t len, uint8_t *scratch,
		   int (*emit)(void *ctx, const uint8_t *seg, size_t len),
		   void *ctx)
{
	struct tso_layout t;
	size_t payload, mss = h->gso_size, off;
	uint32_t seq;
	uint16_t id;
	int n = 0, ret;

	if (gso_kind(h) != VIRTIO_NET_HDR_GSO_TCPV4 &&
	    gso_kind(h) != VIRTIO_NET_HDR_GSO_TCPV6)
		return -EINVAL;
	if (mss < NETOFF_MIN_GSO || len > NETOFF_MAX_SEG ||
	    tso_parse(h, frame, len, &t))
		return -EINVAL;
	payload = len - t.hlen;
	seq = get32(frame + t.l4 + 4);
	id = get16(frame + t.l3 + 4);
	off = 0;
	do {
		size_t plen = payload - off < mss ? payload - off : mss;
		size_t slen = t.hlen + plen;
		bool first = !off, last = off + plen == payload;
		uint8_t *fl = scratch + t.l4 + 13;

		memcpy(scratch, frame, t.hlen);
		memcpy(scratch + t.hlen, frame + t.hlen + off, plen);
		if (t.v6) {
			put16(scratch + t.l3 + 4, (uint16_t)(slen - t.l3 - 40));
		} else {
			put16(scratch + t.l3 + 2, (uint16_t)(slen - t.l3));
			put16(scratch + t.l3 + 4, (uint16_t)(id + n));
			put16(scratch + t.l3 + 10, 0);
			put16(scratch + t.l3 + 10, (uint16_t)~netoff_fold(
				netoff_sum(scratch + t.l3, t.l4 - t.l3, 0)));
		}
		put32(scratch + t.l4 + 4, seq + (uint32_t)off);
		if (!last)
			*fl &= ~(TCP_FIN | TCP_PSH);
		if (!first)
			*fl &= ~TCP_CWR;
		tcp_csum(scratch, slen, &t);
		ret = emit(ctx, scratch, slen);
		if (ret < 0)
			return ret;
		n++;
		off += plen;
	} while (off < payload);
	return n;
}
