/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The offloads of virtio-net between guests: a sending guest may leave a
 * frame's TCP or UDP checksum to the device (VIRTIO_NET_F_CSUM) and hand
 * it a TCP segment of up to 64 KiB (HOST_TSO4/6). The frame crosses the
 * network as it is, with its virtio-net header; the receiving port's VMM
 * passes it on as it is where its guest negotiated the same offload
 * (GUEST_CSUM, GUEST_TSO4/6), and otherwise completes it here first: the
 * checksum filled in, the large segment cut into frames of gso_size bytes
 * of payload, each with its own IP and TCP headers and checksums.
 *
 * Every header is the sender's word, so checked: a frame whose offsets or
 * sizes do not hold is refused (-EINVAL), never followed.
 * Pure logic: no syscalls.
 */
#ifndef SLIMHV_DEVICES_NETOFFLOAD_H
#define SLIMHV_DEVICES_NETOFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_net.h>

/* The header as it crosses the network: host byte order. */
struct netoff_hdr {
	uint8_t flags;		/* VIRTIO_NET_HDR_F_NEEDS_CSUM or 0 */
	uint8_t gso_type;	/* VIRTIO_NET_HDR_GSO_* (ECN bit kept) */
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

/* What a guest negotiated, as flags. */
#define NETOFF_CSUM	(1u << 0)
#define NETOFF_TSO4	(1u << 1)
#define NETOFF_TSO6	(1u << 2)
#define NETOFF_ECN	(1u << 3)

/* The smallest gso_size taken: one frame turns into 8 K at most. */
#define NETOFF_MIN_GSO	8

/* The virtio-net header of a frame of @len bytes checked; 0 or -EINVAL. */
int netoff_check(const struct netoff_hdr *h, size_t len, unsigned int caps);

/* The ones' complement sum of @len bytes, not folded nor inverted. */
uint32_t netoff_sum(const uint8_t *p, size_t len, uint32_t sum);
uint16_t netoff_fold(uint32_t sum);

/* Fill in the checksum a NEEDS_CSUM frame left to the device. */
int netoff_fill_csum(uint8_t *frame, size_t len, const struct netoff_hdr *h);

/*
 * Cut a TSO frame into frames of at most gso_size bytes of payload, each
 * complete (lengths, IPv4 id, sequence numbers, flags and checksums), built
 * in @scratch (NETOFF_MAX_SEG bytes) and handed to @emit in order. Returns
 * the frames emitted, a negative errno from @emit, or -EINVAL.
 */
#define NETOFF_MAX_SEG	(65535 + 14 + 4)
int netoff_segment(const struct netoff_hdr *h, const uint8_t *frame,
		   size_t len, uint8_t *scratch,
		   int (*emit)(void *ctx, const uint8_t *seg, size_t len),
		   void *ctx);

/*
 * What a receiving guest with @caps needs done to the frame: 0 (pass it
 * on), NETOFF_NEED_CSUM or NETOFF_NEED_SEGMENT.
 */
#define NETOFF_NEED_CSUM	1
#define NETOFF_NEED_SEGMENT	2
int netoff_needs(const struct netoff_hdr *h, unsigned int caps);

#endif /* SLIMHV_DEVICES_NETOFFLOAD_H */
