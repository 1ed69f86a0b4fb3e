// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net's offloads completed for a guest that did not negotiate them
 * (devices/netoffload.c): checksums checked by summing the result, as a
 * receiver does, and segments put back together.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "devices/netoffload.h"
#include "tests/unit/test.h"

static uint8_t big[NETOFF_MAX_SEG];
static uint8_t scratch[NETOFF_MAX_SEG];

/* An Ethernet + IPv4/IPv6 + TCP frame with @payload bytes, as a TSO skb. */
static size_t tcp_frame(uint8_t *f, bool v6, bool vlan, size_t payload,
			struct netoff_hdr *h, uint16_t mss)
{
	size_t l3 = vlan ? 18 : 14, l4 = l3 + (v6 ? 40 : 20), len;

	memset(f, 0, l4 + 32);
	memset(f, 0x02, 12);
	if (vlan) {
		f[12] = 0x81;
		f[14] = 0x00;
		f[15] = 0x05;
	}
	f[l3 - 2] = v6 ? 0x86 : 0x08;
	f[l3 - 1] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[l3] = 0x60;
		f[l3 + 6] = 6;
		f[l3 + 7] = 64;
		for (int i = 0; i < 32; i++)
			f[l3 + 8 + i] = (uint8_t)(0x20 + i);
	} else {
		f[l3] = 0x45;
		f[l3 + 4] = 0x12;
		f[l3 + 5] = 0x34;
		f[l3 + 6] = 0x40;	/* DF */
		f[l3 + 8] = 64;
		f[l3 + 9] = 6;
		memcpy(f + l3 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	}
	/* Ports, sequence 0xfffff000 (it wraps), data offset 32, ACK|PSH|FIN|CWR. */
	f[l4] = 0x30;
	f[l4 + 1] = 0x39;
	f[l4 + 2] = 0x00;
	f[l4 + 3] = 0x50;
	memcpy(f + l4 + 4, "\xff\xff\xf0\x00", 4);
	f[l4 + 12] = 0x80;
	f[l4 + 13] = 0x10 | 0x08 | 0x01 | 0x80;
	f[l4 + 14] = 0xff;
	len = l4 + 32 + payload;
	for (size_t i = 0; i < payload; i++)
		f[l4 + 32 + i] = (uint8_t)(i * 7 + (i >> 8));
	memset(h, 0, sizeof(*h));
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	h->gso_size = mss;
	h->hdr_len = (uint16_t)(l4 + 32);
	h->csum_start = (uint16_t)l4;
	h->csum_offset = 16;
	return len;
}

struct collected {
	uint8_t payload[70000];
	size_t got;
	int frames;
	bool v6, vlan;
	bool bad;
	uint16_t mss;
	size_t total;		/* payload bytes in all */
};

/* Each segment as a receiver checks it. */
static int collect(void *ctx, const uint8_t *s, size_t len)
{
	struct collected *c = ctx;
	size_t l3 = c->vlan ? 18 : 14, l4 = l3 + (c->v6 ? 40 : 20);
	size_t plen = len - l4 - 32, tcp_len = len - l4;
	uint32_t sum, seq;

	if (c->v6) {
		if ((size_t)(s[l3 + 4] << 8 | s[l3 + 5]) != len - l3 - 40)
			c->bad = true;
		sum = netoff_sum(s + l3 + 8, 32, 0);
	} else {
		uint16_t id = (uint16_t)(s[l3 + 4] << 8 | s[l3 + 5]);

		if ((size_t)(s[l3 + 2] << 8 | s[l3 + 3]) != len - l3 ||
		    netoff_fold(netoff_sum(s + l3, 20, 0)) != 0xffff ||
		    id != (uint16_t)(0x1234 + c->frames))
			c->bad = true;
		sum = netoff_sum(s + l3 + 12, 8, 0);
	}
	sum = netoff_sum(s + l4, tcp_len, sum + 6 + (uint32_t)tcp_len);
	if (netoff_fold(sum) != 0xffff)
		c->bad = true;
	seq = (uint32_t)s[l4 + 4] << 24 | (uint32_t)s[l4 + 5] << 16 |
	      (uint32_t)s[l4 + 6] << 8 | s[l4 + 7];
	if (seq != 0xfffff000u + (uint32_t)c->got)
		c->bad = true;
	/* CWR on the first only; FIN and PSH on the last only. */
	if (!!(s[l4 + 13] & 0x80) != !c->frames)
		c->bad = true;
	if ((s[l4 + 13] & 0x09) != (c->got + plen < c->total ? 0 : 0x09))
		c->bad = true;
	if (plen > c->mss || c->got + plen > sizeof(c->payload))
		return -E2BIG;
	memcpy(c->payload + c->got, s + l4 + 32, plen);
	c->got += plen;
	c->frames++;
	return 0;
}

static void segment_case(int *__failures, bool v6, bool vlan, size_t payload,
			 uint16_t mss)
{
	struct netoff_hdr h;
	struct collected *c = calloc(1, sizeof(*c));
	size_t len = tcp_frame(big, v6, vlan, payload, &h, mss);
	size_t l4 = h.csum_start;
	int n;

	REQUIRE(c);
	c->v6 = v6;
	c->vlan = vlan;
	c->mss = mss;
	c->total = payload;
	CHECK_EQ(netoff_check(&h, len, NETOFF_CSUM | NETOFF_TSO4 |
			      NETOFF_TSO6), 0);
	n = netoff_segment(&h, big, len, scratch, collect, c);
	CHECK_EQ(n, payload ? (payload + mss - 1) / mss : 1);
	CHECK_EQ(c->frames, n);
	CHECK(!c->bad);
	CHECK_EQ(c->got, payload);
	CHECK(!memcmp(c->payload, big + l4 + 32, payload));
	free(c);
}

TEST(netoffload_segments_tcp4)
{
	segment_case(__failures, false, false, 65000, 1448);
	segment_case(__failures, false, false, 1448 * 3, 1448);
	segment_case(__failures, false, false, 100, 1448);
	segment_case(__failures, false, false, 0, 1448);
	segment_case(__failures, false, true, 20000, 1460);
}

TEST(netoffload_segments_tcp6)
{
	segment_case(__failures, true, false, 65000, 1428);
	segment_case(__failures, true, true, 3001, 1000);
}

TEST(netoffload_fin_and_psh_on_the_last_only)
{
	struct netoff_hdr h;
	struct collected *c = calloc(1, sizeof(*c));
	size_t len = tcp_frame(big, false, false, 3000, &h, 1000);
	uint8_t last_flags = 0;

	REQUIRE(c);
	c->mss = 1000;
	c->total = 3000;
	/* Re-run with a collector that keeps the flags of each. */
	CHECK_EQ(netoff_segment(&h, big, len, scratch, collect, c), 3);
	CHECK(!c->bad);
	last_flags = scratch[34 + 13];
	CHECK_EQ(last_flags & 0x09, 0x09);
	free(c);
}

TEST(netoffload_fill_csum_udp)
{
	uint8_t f[14 + 20 + 8 + 13] = { 0 };
	struct netoff_hdr h = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = 34, .csum_offset = 6,
	};
	uint32_t sum;

	f[12] = 0x08;
	f[14] = 0x45;
	f[23] = 17;
	memcpy(f + 26, "\xc0\xa8\x00\x01\xc0\xa8\x00\x02", 8);
	f[34] = 0x12;
	f[36] = 0x00;
	f[37] = 0x35;
	f[39] = 8 + 13;
	memcpy(f + 42, "hello, world!", 13);
	/* The guest left the pseudo-header's sum in the field. */
	sum = netoff_sum(f + 26, 8, 17 + 21);
	f[40] = (uint8_t)(netoff_fold(sum) >> 8);
	f[41] = (uint8_t)netoff_fold(sum);
	CHECK_EQ(netoff_fill_csum(f, sizeof(f), &h), 0);
	/* What a receiver checks: pseudo-header plus datagram sum to ~0. */
	sum = netoff_sum(f + 34, 21, netoff_sum(f + 26, 8, 17 + 21));
	CHECK_EQ(netoff_fold(sum), 0xffff);
	h.csum_offset = 20;
	CHECK_EQ(netoff_fill_csum(f, sizeof(f), &h), -EINVAL);
	/* Found by fuzz_netoffload: an odd offset is no word of the sum. */
	h.csum_offset = 5;
	CHECK_EQ(netoff_fill_csum(f, sizeof(f), &h), -EINVAL);
	h.csum_start = 2;
	h.csum_offset = 0;
	CHECK_EQ(netoff_fill_csum(f, sizeof(f), &h), -EINVAL);
}

TEST(netoffload_check_refusals)
{
	struct netoff_hdr h;
	const unsigned int all = NETOFF_CSUM | NETOFF_TSO4 | NETOFF_TSO6;
	size_t len = tcp_frame(big, false, false, 5000, &h, 1448);

	CHECK_EQ(netoff_check(&h, len, all), 0);
	CHECK_EQ(netoff_check(&h, len, NETOFF_CSUM), -EINVAL);
	CHECK_EQ(netoff_check(&h, len, NETOFF_TSO4), -EINVAL);
	CHECK_EQ(netoff_check(&h, 10, all), -EINVAL);
	h.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	CHECK_EQ(netoff_check(&h, len, all), -EINVAL);
	CHECK_EQ(netoff_check(&h, len, all | NETOFF_ECN), 0);
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	CHECK_EQ(netoff_check(&h, len, all), -EINVAL);
	h.gso_type = VIRTIO_NET_HDR_GSO_ECN;
	CHECK_EQ(netoff_check(&h, len, all), -EINVAL);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 4;
	CHECK_EQ(netoff_check(&h, len, all), -EINVAL);
	h.gso_size = 1448;
	h.flags = 0;
	CHECK_EQ(netoff_check(&h, len, all), -EINVAL);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = (uint16_t)len;
	CHECK_EQ(netoff_check(&h, len, all), -EINVAL);
	h.csum_start = 10;
	CHECK_EQ(netoff_check(&h, len, all), -EINVAL);
	h.csum_start = 34;
	h.csum_offset = 15;
	CHECK_EQ(netoff_check(&h, len, all), -EINVAL);
	/* A plain frame with no offload is always fine. */
	memset(&h, 0, sizeof(h));
	CHECK_EQ(netoff_check(&h, 60, 0), 0);
}

TEST(netoffload_segment_refusals)
{
	struct netoff_hdr h;
	struct collected *c = calloc(1, sizeof(*c));
	size_t len;

	REQUIRE(c);
	c->mss = 1448;
	len = tcp_frame(big, false, false, 5000, &h, 1448);
	/* Not IPv4 where the header says TCPv4. */
	big[12] = 0x86;
	big[13] = 0xdd;
	CHECK_EQ(netoff_segment(&h, big, len, scratch, collect, c), -EINVAL);
	len = tcp_frame(big, false, false, 5000, &h, 1448);
	big[14] = 0x44;		/* IHL 4 */
	CHECK_EQ(netoff_segment(&h, big, len, scratch, collect, c), -EINVAL);
	len = tcp_frame(big, false, false, 5000, &h, 1448);
	big[14 + 9] = 17;	/* UDP */
	CHECK_EQ(netoff_segment(&h, big, len, scratch, collect, c), -EINVAL);
	len = tcp_frame(big, false, false, 5000, &h, 1448);
	big[14 + 6] = 0x20;	/* more fragments */
	CHECK_EQ(netoff_segment(&h, big, len, scratch, collect, c), -EINVAL);
	len = tcp_frame(big, false, false, 5000, &h, 1448);
	big[34 + 12] = 0xf0;	/* TCP header past the frame's end */
	CHECK_EQ(netoff_segment(&h, big, 34 + 40, scratch, collect, c),
		 -EINVAL);
	len = tcp_frame(big, false, false, 5000, &h, 1448);
	h.csum_start = 30;	/* not where TCP starts */
	CHECK_EQ(netoff_segment(&h, big, len, scratch, collect, c), -EINVAL);
	len = tcp_frame(big, false, false, 5000, &h, 1448);
	CHECK_EQ(netoff_segment(&h, big, sizeof(big) + 1, scratch, collect,
				c), -EINVAL);
	CHECK_EQ(c->frames, 0);
	free(c);
}

static int refuse(void *ctx, const uint8_t *s, size_t len)
{
	(void)ctx;
	(void)s;
	(void)len;
	return -ENOSPC;
}

TEST(netoffload_emit_error_stops)
{
	struct netoff_hdr h;
	size_t len = tcp_frame(big, false, false, 5000, &h, 1448);

	CHECK_EQ(netoff_segment(&h, big, len, scratch, refuse, NULL), -ENOSPC);
}

TEST(netoffload_needs)
{
	struct netoff_hdr h = { 0 };

	CHECK_EQ(netoff_needs(&h, 0), 0);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	CHECK_EQ(netoff_needs(&h, 0), NETOFF_NEED_CSUM);
	CHECK_EQ(netoff_needs(&h, NETOFF_CSUM), 0);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	CHECK_EQ(netoff_needs(&h, NETOFF_CSUM), NETOFF_NEED_SEGMENT);
	CHECK_EQ(netoff_needs(&h, NETOFF_CSUM | NETOFF_TSO4), 0);
	CHECK_EQ(netoff_needs(&h, NETOFF_CSUM | NETOFF_TSO6),
		 NETOFF_NEED_SEGMENT);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN;
	CHECK_EQ(netoff_needs(&h, NETOFF_CSUM | NETOFF_TSO6),
		 NETOFF_NEED_SEGMENT);
	CHECK_EQ(netoff_needs(&h, NETOFF_CSUM | NETOFF_TSO6 | NETOFF_ECN), 0);
}

/* A known answer, so that the sum is not only checked against itself. */
TEST(netoffload_sum_known_answer)
{
	static const uint8_t ip[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};
	static const uint8_t odd[3] = { 0x01, 0x02, 0x03 };

	CHECK_EQ((uint16_t)~netoff_fold(netoff_sum(ip, sizeof(ip), 0)),
		 0xb861);
	/* An odd byte counts as the high half of a last word. */
	CHECK_EQ(netoff_fold(netoff_sum(odd, 3, 0)), 0x0102 + 0x0300);
	CHECK_EQ(netoff_fold(0x1fffe), 0xffff);
}
