// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net's offloads completed for a receiving guest (devices/
 * netoffload.c), over headers and frames a hostile sender wrote.
 *
 * Input: caps (u8), the header (flags u8, gso_type u8, gso_size u16,
 * csum_start u16, csum_offset u16), the frame's length (u16), its bytes.
 *
 * Checks, beside the sanitizers: a checksum filled in makes the frame
 * check as a receiver checks it; each segment is at most the frame's
 * length, has a valid IPv4 header checksum (TCPv4) and TCP checksum, and
 * the segments' payloads put together are the frame's payload.
 */
#include <errno.h>

#include "devices/netoffload.h"
#include "tests/fuzz/fuzz.h"

static uint8_t *frame, *copy, *scratch, *joined;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	frame = fuzz_guarded_alloc(NETOFF_MAX_SEG, 4096);
	copy = fuzz_guarded_alloc(NETOFF_MAX_SEG, 4096);
	scratch = fuzz_guarded_alloc(NETOFF_MAX_SEG, 4096);
	joined = fuzz_guarded_alloc(NETOFF_MAX_SEG, 4096);
	return 0;
}

struct seg_state {
	const struct netoff_hdr *h;
	size_t len, hlen, l3, got;
	int frames;
	bool v6;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int check_segment(void *ctx, const uint8_t *s, size_t len)
{
	struct seg_state *st = ctx;
	size_t l4 = st->h->csum_start, tcp_len = len - l4;
	uint32_t sum;

	FUZZ_CHECK(s == scratch);
	FUZZ_CHECK(len <= st->len && len >= st->hlen);
	if (st->v6) {
		FUZZ_CHECK_EQ(get16(s + st->l3 + 4), len - st->l3 - 40);
		sum = netoff_sum(s + st->l3 + 8, 32, 0);
	} else {
		FUZZ_CHECK_EQ(get16(s + st->l3 + 2), len - st->l3);
		FUZZ_CHECK_EQ(netoff_fold(netoff_sum(s + st->l3, l4 - st->l3,
						     0)), 0xffff);
		sum = netoff_sum(s + st->l3 + 12, 8, 0);
	}
	sum = netoff_sum(s + l4, tcp_len, sum + 6 + (uint32_t)tcp_len);
	FUZZ_CHECK_EQ(netoff_fold(sum), 0xffff);
	FUZZ_CHECK(st->got + (len - st->hlen) <= st->len);
	memcpy(joined + st->got, s + st->hlen, len - st->hlen);
	st->got += len - st->hlen;
	st->frames++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct netoff_hdr h;
	unsigned int caps;
	size_t len;
	int ret;

	fuzz_in_init(&in, data, size);
	caps = fuzz_u8(&in) & 0xf;
	h.flags = fuzz_u8(&in);
	h.gso_type = fuzz_u8(&in);
	h.gso_size = fuzz_u16(&in);
	h.csum_start = fuzz_u16(&in);
	h.csum_offset = fuzz_u16(&in);
	h.hdr_len = 0;
	len = fuzz_u16(&in);
	if (len > NETOFF_MAX_SEG)
		len = NETOFF_MAX_SEG;
	fuzz_bytes(&in, frame, len);

	ret = netoff_check(&h, len, caps);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	ret = netoff_needs(&h, caps);
	FUZZ_CHECK(ret >= 0 && ret <= NETOFF_NEED_SEGMENT);

	memcpy(copy, frame, len);
	if (!netoff_fill_csum(copy, len, &h)) {
		size_t at = (size_t)h.csum_start + h.csum_offset;
		uint16_t orig = get16(frame + at);

		FUZZ_CHECK_EQ(netoff_fold(netoff_sum(copy + h.csum_start,
						     len - h.csum_start,
						     orig)), 0xffff);
	}

	if (len > (size_t)h.csum_start + 12) {
		struct seg_state st = {
			.h = &h, .len = len,
			.v6 = (h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) ==
			      VIRTIO_NET_HDR_GSO_TCPV6,
		};
		size_t payload;

		st.l3 = len > 14 && get16(frame + 12) == 0x8100 ? 18 : 14;
		st.hlen = h.csum_start + (size_t)(frame[h.csum_start + 12] >> 4) * 4;
		ret = netoff_segment(&h, frame, len, scratch, check_segment,
				     &st);
		if (ret >= 0) {
			FUZZ_CHECK(st.hlen <= len);
			payload = len - st.hlen;
			FUZZ_CHECK_EQ(ret, st.frames);
			FUZZ_CHECK_EQ(st.got, payload);
			FUZZ_CHECK(!memcmp(joined, frame + st.hlen, payload));
			FUZZ_CHECK_EQ(ret, payload ? (payload + h.gso_size - 1) /
					   h.gso_size : 1);
		} else {
			FUZZ_CHECK_EQ(ret, -EINVAL);
			FUZZ_CHECK_EQ(st.frames, 0);
		}
	} else {
		FUZZ_CHECK_EQ(netoff_segment(&h, frame, len, scratch,
					     check_segment, NULL), -EINVAL);
	}
	return 0;
}
