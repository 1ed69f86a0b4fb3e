// SPDX-License-Identifier: GPL-2.0
/*
 * The split virtqueue (devices/virtio.c): descriptor chains, indirect
 * tables, avail and used rings written by a hostile driver into fake guest
 * RAM, which has inaccessible pages on both sides (a stray access faults).
 *
 * Input: a header (queue size exponent, features, the three ring
 * addresses), then 1-byte operations: write bytes into RAM, publish an
 * avail entry, pop, push a popped chain back, check notification, reset
 * and re-enable.
 *
 * Checks, beside the sanitizers: a popped chain's head is below the queue
 * size, its segments lie inside RAM and add up to its lengths, there are
 * at most VIRTQ_CHAIN_IOV of them, readable before writable; the device
 * touches every byte of them; used->idx advances by one per push and only
 * for chains popped; pop walks at most a queue's worth of new entries; a
 * broken queue stays broken (-EIO) until reset.
 */
#include <errno.h>

#include "devices/virtio.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE	0x10000ULL
#define GUARD		0x10000ULL

enum op_kind {
	OP_WRITE, OP_AVAIL, OP_POP, OP_PUSH, OP_NOTIFY, OP_RESET, OP_DESC,
	NR_OPS
};

static uint8_t *ram;
static struct guest_mem mem;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	fuzz_guest_ram(&mem, RAM_SIZE, GUARD);
	ram = mem.host;
	return 0;
}

struct state {
	struct virtq vq;
	uint64_t features;
	uint16_t popped[VIRTQ_MAX_SIZE];
	unsigned int nr_popped;
	uint16_t used_idx;
	uint16_t avail_idx;	/* what the "driver" published */
};

static struct state s;

static void check_chain(const struct virtq_chain *c)
{
	static uint8_t sink[RAM_SIZE];
	uint64_t out = 0, in = 0;

	FUZZ_CHECK(c->head < s.vq.size);
	FUZZ_CHECK(c->nr_out + c->nr_in <= VIRTQ_CHAIN_IOV);
	for (unsigned int i = 0; i < c->nr_out + c->nr_in; i++) {
		uint8_t *b = c->iov[i].base;
		uint32_t len = c->iov[i].len;

		FUZZ_CHECK(len);
		FUZZ_CHECK(b >= ram && b + len <= ram + RAM_SIZE && b + len > b);
		if (i < c->nr_out) {
			out += len;
			memcpy(sink, b, len);
		} else {
			in += len;
			memset(b, 0xa5, len);
		}
	}
	FUZZ_CHECK_EQ(out, c->out_len);
	FUZZ_CHECK_EQ(in, c->in_len);
}

static void do_pop(void)
{
	struct virtq_chain c;
	uint16_t last = s.vq.last_avail;
	bool was_broken = s.vq.broken || !s.vq.enabled;
	int ret = virtq_pop(&s.vq, &c);

	if (was_broken) {
		FUZZ_CHECK_EQ(ret, -EIO);
		return;
	}
	if (ret == 1) {
		check_chain(&c);
		FUZZ_CHECK_EQ((uint16_t)(last + 1), s.vq.last_avail);
		FUZZ_CHECK(s.nr_popped < VIRTQ_MAX_SIZE);
		s.popped[s.nr_popped++] = c.head;
		FUZZ_CHECK_EQ(s.vq.in_flight, s.nr_popped);
	} else if (ret == 0) {
		FUZZ_CHECK_EQ(last, s.vq.last_avail);
	} else {
		FUZZ_CHECK_EQ(ret, -EINVAL);
		FUZZ_CHECK(s.vq.broken);
		FUZZ_CHECK_EQ(last, s.vq.last_avail);
	}
}

static void do_push(uint8_t which, uint32_t len)
{
	uint16_t head;
	int ret;

	if (!s.nr_popped) {
		FUZZ_CHECK(virtq_push(&s.vq, which, len) < 0);
		return;
	}
	which %= s.nr_popped;
	head = s.popped[which];
	ret = virtq_push(&s.vq, head, len);
	if (s.vq.broken) {
		FUZZ_CHECK_EQ(ret, -EIO);
		return;
	}
	FUZZ_CHECK_EQ(ret, 0);
	s.popped[which] = s.popped[--s.nr_popped];
	s.used_idx++;
	FUZZ_CHECK_EQ(s.vq.used_idx, s.used_idx);
	FUZZ_CHECK_EQ(s.vq.in_flight, s.nr_popped);
}

static void enable(struct fuzz_in *in)
{
	unsigned int shift = fuzz_u8(in) % 10;

	virtq_init(&s.vq, 256);
	/* Sizes 1..512: 512 and 0 must be refused. */
	if (virtq_set_size(&s.vq, 1u << shift))
		FUZZ_CHECK(shift > 8);
	s.vq.desc_gpa = fuzz_u32(in) % (RAM_SIZE + 0x100);
	s.vq.avail_gpa = fuzz_u32(in) % (RAM_SIZE + 0x100);
	s.vq.used_gpa = fuzz_u32(in) % (RAM_SIZE + 0x100);
	if (fuzz_u8(in) == 0xff)
		s.vq.used_gpa = ~0ULL - fuzz_u8(in);
	s.features = fuzz_u8(in) & 3 ? VIRTIO_CORE_FEATURES : 0;
	s.nr_popped = 0;
	s.used_idx = 0;
	if (virtq_enable(&s.vq, &mem, s.features))
		FUZZ_CHECK(!s.vq.enabled);
	else
		FUZZ_CHECK(s.vq.size && !(s.vq.size & (s.vq.size - 1)));
}

/* A descriptor, written as a driver would, at index @i of the table. */
static void write_desc(struct fuzz_in *in)
{
	struct vring_desc d;
	uint16_t i = fuzz_u16(in);
	uint64_t gpa;

	d.addr = fuzz_u16(in);
	d.len = fuzz_u16(in) % 0x2000;
	d.flags = fuzz_u8(in) & 7;
	d.next = fuzz_u8(in);
	gpa = s.vq.desc_gpa + (uint64_t)(i % 256) * sizeof(d);
	if (gpa + sizeof(d) <= RAM_SIZE)
		memcpy(ram + gpa, &d, sizeof(d));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;

	memset(ram, 0, RAM_SIZE);
	fuzz_in_init(&in, data, size);
	s.avail_idx = 0;
	enable(&in);
	while (!fuzz_done(&in)) {
		switch (fuzz_u8(&in) % NR_OPS) {
		case OP_WRITE: {
			uint32_t off = fuzz_u16(&in), n = fuzz_u8(&in);

			if (n > RAM_SIZE - off)
				n = RAM_SIZE - off;
			fuzz_bytes(&in, ram + off, n);
			break;
		}
		case OP_AVAIL:
			/* Publish a head: avail ring entry and idx. */
			if (s.vq.enabled) {
				s.vq.avail->ring[s.avail_idx % s.vq.size] =
					fuzz_u8(&in);
				s.avail_idx += 1 + (fuzz_u8(&in) == 0xff) * 300;
				s.vq.avail->idx = s.avail_idx;
			}
			break;
		case OP_POP:
			do_pop();
			break;
		case OP_PUSH: {
			uint8_t which = fuzz_u8(&in);

			do_push(which, fuzz_u32(&in));
			break;
		}
		case OP_NOTIFY:
			virtq_should_notify(&s.vq);
			FUZZ_CHECK(!virtq_should_notify(&s.vq));
			break;
		case OP_RESET:
			s.avail_idx = 0;
			enable(&in);
			break;
		case OP_DESC:
			if (s.vq.enabled)
				write_desc(&in);
			break;
		}
	}
	return 0;
}
