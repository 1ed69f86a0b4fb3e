// SPDX-License-Identifier: GPL-2.0
/* The split virtqueue (devices/virtio.c) against fake guest memory. */
#include <endian.h>
#include <errno.h>

#include "devices/virtio.h"
#include "tests/unit/fake_vring.h"
#include "tests/unit/test.h"

#define QSIZE		16
#define RING_GPA	0x10000ULL
#define DATA_GPA	0x40000ULL
#define TABLE_GPA	0x80000ULL
#define ALL_FEATURES	VIRTIO_CORE_FEATURES

struct vq_fixture {
	struct guest_mem mem;
	struct fake_vring r;
	struct virtq vq;
	struct virtq_chain c;
};

static void setup_features(struct vq_fixture *f, uint64_t features)
{
	fake_mem_init(&f->mem);
	fake_vring_init(&f->r, &f->mem, RING_GPA, QSIZE);
	virtq_init(&f->vq, QSIZE);
	f->vq.desc_gpa = f->r.desc_gpa;
	f->vq.avail_gpa = f->r.avail_gpa;
	f->vq.used_gpa = f->r.used_gpa;
	if (virtq_enable(&f->vq, &f->mem, features))
		abort();
}

static void setup(struct vq_fixture *f)
{
	setup_features(f, ALL_FEATURES);
}

static void teardown(struct vq_fixture *f)
{
	fake_mem_free(&f->mem);
}

/* Pop once more and expect the queue broken. */
static int pop_fails(struct vq_fixture *f)
{
	int ret = virtq_pop(&f->vq, &f->c);

	return ret == -EINVAL && f->vq.broken &&
	       virtq_pop(&f->vq, &f->c) == -EIO;
}

TEST(virtq_sizes)
{
	struct virtq vq;

	CHECK(!virtq_size_valid(0, 256));
	CHECK(!virtq_size_valid(3, 256));
	CHECK(!virtq_size_valid(512, 256));
	CHECK(virtq_size_valid(1, 256));
	CHECK(virtq_size_valid(256, 256));
	virtq_init(&vq, 64);
	CHECK_EQ(vq.size, 64);
	CHECK_EQ(virtq_set_size(&vq, 0), -EINVAL);
	CHECK_EQ(virtq_set_size(&vq, 48), -EINVAL);
	CHECK_EQ(virtq_set_size(&vq, 128), -EINVAL);
	CHECK_EQ(virtq_set_size(&vq, 65536), -EINVAL);
	CHECK_EQ(virtq_set_size(&vq, 8), 0);
	CHECK_EQ(vq.size, 8);
	vq.enabled = true;
	CHECK_EQ(virtq_set_size(&vq, 16), -EBUSY);
	CHECK_EQ(vq.size, 8);
}

TEST(virtq_enable_checks_rings)
{
	struct guest_mem mem;
	struct fake_vring r;
	struct virtq vq;
	const struct {
		uint64_t desc, avail, used;
	} bad[] = {
		{ RING_GPA + 8, 0, 0 },		/* desc not 16-aligned */
		{ 0, RING_GPA + 0x801, 0 },	/* avail not 2-aligned */
		{ 0, 0, RING_GPA + 0x802 },	/* used not 4-aligned */
		{ FAKE_RAM_SIZE - 16 * 4, 0, 0 },	/* past RAM */
		{ 0, FAKE_RAM_SIZE - 8, 0 },
		{ 0, 0, FAKE_RAM_SIZE - 64 },
		{ ~0ULL - 15, 0, 0 },		/* wraps */
		{ 0, ~0ULL - 1, 0 },
		{ 0, 0, ~0ULL - 3 },
		{ 0xc0000000ULL, 0, 0 },	/* a hole */
	};

	fake_mem_init(&mem);
	fake_vring_init(&r, &mem, RING_GPA, QSIZE);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		virtq_init(&vq, QSIZE);
		vq.desc_gpa = bad[i].desc ? bad[i].desc : r.desc_gpa;
		vq.avail_gpa = bad[i].avail ? bad[i].avail : r.avail_gpa;
		vq.used_gpa = bad[i].used ? bad[i].used : r.used_gpa;
		CHECK_EQ(virtq_enable(&vq, &mem, ALL_FEATURES), -EINVAL);
		CHECK(!vq.enabled);
		CHECK_EQ(virtq_pop(&vq, &(struct virtq_chain){ 0 }), -EIO);
	}
	virtq_init(&vq, QSIZE);
	vq.desc_gpa = r.desc_gpa;
	vq.avail_gpa = r.avail_gpa;
	vq.used_gpa = r.used_gpa;
	vq.size = 12;			/* set behind virtq_set_size's back */
	CHECK_EQ(virtq_enable(&vq, &mem, ALL_FEATURES), -EINVAL);
	vq.size = QSIZE;
	CHECK_EQ(virtq_enable(&vq, &mem, ALL_FEATURES), 0);
	CHECK_EQ(virtq_enable(&vq, &mem, ALL_FEATURES), -EBUSY);
	CHECK_EQ(virtq_set_size(&vq, 8), -EBUSY);
	fake_mem_free(&mem);
}

TEST(virtq_pop_push_roundtrip)
{
	struct vq_fixture f;
	struct fake_buf b[3] = {
		{ DATA_GPA, 10, false }, { DATA_GPA + 0x100, 0, false },
		{ DATA_GPA + 0x1000, 100, true },
	};
	uint32_t id, len;
	uint8_t buf[16];
	uint16_t head;

	setup(&f);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 0);
	memcpy(f.mem.host + DATA_GPA, "hello, dev", 10);
	head = fake_vring_add(&f.r, b, 3);
	REQUIRE(virtq_pop(&f.vq, &f.c) == 1);
	CHECK_EQ(f.c.head, head);
	CHECK_EQ(f.c.nr_out, 1);	/* the empty segment is skipped */
	CHECK_EQ(f.c.nr_in, 1);
	CHECK_EQ(f.c.out_len, 10);
	CHECK_EQ(f.c.in_len, 100);
	CHECK(!f.c.truncated);
	CHECK_EQ(virtq_chain_read(&f.c, buf, sizeof(buf)), 10);
	CHECK(!memcmp(buf, "hello, dev", 10));
	CHECK_EQ(virtq_chain_write(&f.c, "reply", 5), 5);
	CHECK(!memcmp(f.mem.host + DATA_GPA + 0x1000, "reply", 5));
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 0);
	/* The avail_event field follows what was popped (EVENT_IDX). */
	CHECK_EQ(*(uint16_t *)&f.r.used->ring[QSIZE], 1);

	CHECK(!virtq_should_notify(&f.vq));	/* nothing pushed yet */
	CHECK_EQ(virtq_push(&f.vq, head, 5), 0);
	CHECK_EQ(virtq_push(&f.vq, head, 5), -EINVAL);	/* not in flight */
	CHECK(fake_vring_used(&f.r, &id, &len));
	CHECK_EQ(id, head);
	CHECK_EQ(len, 5);
	CHECK(virtq_should_notify(&f.vq));	/* the first one always */
	CHECK(!virtq_should_notify(&f.vq));	/* counted once */
	teardown(&f);
}

TEST(virtq_push_checks_head)
{
	struct vq_fixture f;
	struct fake_buf b = { DATA_GPA, 8, true };

	setup(&f);
	CHECK_EQ(virtq_push(&f.vq, 0, 0), -EINVAL);	/* nothing popped */
	fake_vring_add(&f.r, &b, 1);
	REQUIRE(virtq_pop(&f.vq, &f.c) == 1);
	CHECK_EQ(virtq_push(&f.vq, QSIZE, 0), -EINVAL);
	CHECK_EQ(virtq_push(&f.vq, f.c.head, 0), 0);
	teardown(&f);
}

TEST(virtq_event_idx_notifications)
{
	struct vq_fixture f;
	struct fake_buf b = { DATA_GPA, 8, true };
	uint16_t *used_event;

	setup(&f);
	used_event = (uint16_t *)&f.r.avail->ring[QSIZE];
	for (int i = 0; i < 4; i++)
		fake_vring_add(&f.r, &b, 1);
	/* The driver wants an interrupt when used->idx passes 2. */
	*used_event = 2;
	for (int i = 0; i < 4; i++) {
		REQUIRE(virtq_pop(&f.vq, &f.c) == 1);
		CHECK_EQ(virtq_push(&f.vq, f.c.head, 0), 0);
		CHECK_EQ(virtq_should_notify(&f.vq), i == 0 || i == 2);
	}
	teardown(&f);
}

/*
 * A device that popped chains, found them too few and put them back must
 * still hear of the next one the driver adds: the driver's rule
 * (vring_need_event) says whether it notifies.
 */
TEST(virtq_want_more_after_too_few)
{
	struct vq_fixture f;
	struct fake_buf b = { DATA_GPA, 8, true };
	uint16_t *avail_ev;

	setup(&f);
	avail_ev = (uint16_t *)&f.r.used->ring[QSIZE];
	for (int i = 0; i < 3; i++)
		fake_vring_add(&f.r, &b, 1);
	REQUIRE(virtq_pop(&f.vq, &f.c) == 1);
	REQUIRE(virtq_pop(&f.vq, &f.c) == 1);
	virtq_unpop(&f.vq, 2);
	/* As unpop leaves it, adding a 4th would not notify. */
	CHECK(!vring_need_event(le16toh(*avail_ev), 4, 3));
	CHECK(!virtq_want_more(&f.vq));
	CHECK_EQ(le16toh(*avail_ev), 3);
	CHECK(vring_need_event(le16toh(*avail_ev), 4, 3));
	/* The three are still there to pop. */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 0);
	teardown(&f);

	/* Without EVENT_IDX the driver notifies anyway: nothing to move. */
	setup_features(&f, 1ULL << VIRTIO_F_VERSION_1);
	avail_ev = (uint16_t *)&f.r.used->ring[QSIZE];
	fake_vring_add(&f.r, &b, 1);
	CHECK(!virtq_want_more(&f.vq));
	CHECK_EQ(*avail_ev, 0);
	teardown(&f);
}

TEST(virtq_no_interrupt_flag)
{
	struct vq_fixture f;
	struct fake_buf b = { DATA_GPA, 8, true };

	setup_features(&f, 1ULL << VIRTIO_F_VERSION_1);
	f.r.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	fake_vring_add(&f.r, &b, 1);
	fake_vring_add(&f.r, &b, 1);
	REQUIRE(virtq_pop(&f.vq, &f.c) == 1);
	CHECK_EQ(virtq_push(&f.vq, f.c.head, 0), 0);
	CHECK(!virtq_should_notify(&f.vq));
	/* Without EVENT_IDX, avail_event is left alone. */
	CHECK_EQ(*(uint16_t *)&f.r.used->ring[QSIZE], 0);
	f.r.avail->flags = 0;
	REQUIRE(virtq_pop(&f.vq, &f.c) == 1);
	CHECK_EQ(virtq_push(&f.vq, f.c.head, 0), 0);
	CHECK(virtq_should_notify(&f.vq));
	teardown(&f);
}

TEST(virtq_loop_is_an_error)
{
	struct vq_fixture f;
	struct fake_buf b[2] = { { DATA_GPA, 8, false }, { DATA_GPA, 8, false } };
	uint16_t head;

	setup(&f);
	head = fake_vring_chain(&f.r, b, 2);
	f.r.desc[head + 1].flags |= VRING_DESC_F_NEXT;
	f.r.desc[head + 1].next = head;
	fake_vring_publish(&f.r, head);
	CHECK(pop_fails(&f));
	teardown(&f);

	/* A descriptor pointing at itself. */
	setup(&f);
	head = fake_vring_chain(&f.r, b, 1);
	f.r.desc[head].flags |= VRING_DESC_F_NEXT;
	f.r.desc[head].next = head;
	fake_vring_publish(&f.r, head);
	CHECK(pop_fails(&f));
	teardown(&f);
}

TEST(virtq_longest_chain_is_the_queue)
{
	struct vq_fixture f;
	struct fake_buf b[QSIZE];

	for (unsigned int i = 0; i < QSIZE; i++)
		b[i] = (struct fake_buf){ DATA_GPA + i, 1, i >= QSIZE / 2 };
	setup(&f);
	fake_vring_add(&f.r, b, QSIZE);
	REQUIRE(virtq_pop(&f.vq, &f.c) == 1);
	CHECK_EQ(f.c.nr_out, QSIZE / 2);
	CHECK_EQ(f.c.nr_in, QSIZE / 2);
	CHECK(!f.c.truncated);
	teardown(&f);
}

TEST(virtq_more_segments_than_kept)
{
	struct guest_mem mem;
	struct fake_vring r;
	struct virtq vq;
	struct virtq_chain c;
	struct fake_buf b[VIRTQ_CHAIN_IOV + 4];

	for (unsigned int i = 0; i < ARRAY_SIZE(b); i++)
		b[i] = (struct fake_buf){ DATA_GPA + 16 * i, 16, false };
	fake_mem_init(&mem);
	fake_vring_init(&r, &mem, RING_GPA, 64);
	virtq_init(&vq, 64);
	vq.desc_gpa = r.desc_gpa;
	vq.avail_gpa = r.avail_gpa;
	vq.used_gpa = r.used_gpa;
	REQUIRE(virtq_enable(&vq, &mem, ALL_FEATURES) == 0);
	fake_vring_add(&r, b, ARRAY_SIZE(b));
	REQUIRE(virtq_pop(&vq, &c) == 1);
	CHECK(c.truncated);
	CHECK_EQ(c.nr_out, VIRTQ_CHAIN_IOV);
	CHECK_EQ(c.out_len, 16 * VIRTQ_CHAIN_IOV);
	fake_mem_free(&mem);
}

TEST(virtq_bad_indices)
{
	struct vq_fixture f;
	struct fake_buf b[2] = { { DATA_GPA, 8, false }, { DATA_GPA, 8, true } };
	uint16_t head;

	/* Head out of range. */
	setup(&f);
	fake_vring_publish(&f.r, QSIZE);
	CHECK(pop_fails(&f));
	teardown(&f);

	/* Next out of range. */
	setup(&f);
	head = fake_vring_chain(&f.r, b, 2);
	f.r.desc[head].next = 0xffff;
	fake_vring_publish(&f.r, head);
	CHECK(pop_fails(&f));
	teardown(&f);

	/* avail->idx more than a queue ahead. */
	setup(&f);
	fake_vring_add(&f.r, b, 1);
	f.r.avail->idx = QSIZE + 1;
	CHECK(pop_fails(&f));
	teardown(&f);

	/* Exactly a queue ahead is fine. */
	setup(&f);
	for (int i = 0; i < QSIZE; i++)
		fake_vring_add(&f.r, b, 1);
	for (int i = 0; i < QSIZE; i++)
		CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 0);
	teardown(&f);

	/* A readable descriptor after a writable one. */
	setup(&f);
	b[0].write = true;
	b[1].write = false;
	fake_vring_add(&f.r, b, 2);
	CHECK(pop_fails(&f));
	teardown(&f);
}

TEST(virtq_bad_buffers)
{
	const struct fake_buf bad[] = {
		{ ~0ULL - 10, 100, false },		/* wraps */
		{ FAKE_RAM_SIZE - 10, 100, true },	/* past RAM */
		{ FAKE_RAM_SIZE, 1, false },
		{ 0xffffffffULL, 0xffffffffU, false },
		{ MEM_4G, 16, false },			/* no high RAM */
	};
	struct vq_fixture f;

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		setup(&f);
		fake_vring_add(&f.r, &bad[i], 1);
		CHECK(pop_fails(&f));
		teardown(&f);
	}
	/* The last byte of RAM is fine. */
	setup(&f);
	fake_vring_add(&f.r, &(struct fake_buf){ FAKE_RAM_SIZE - 1, 1, false }, 1);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	teardown(&f);
}

/* An indirect descriptor at @head pointing at @n entries at TABLE_GPA. */
static uint16_t add_indirect(struct vq_fixture *f, uint32_t len)
{
	struct fake_buf b = { TABLE_GPA, len, false };
	uint16_t head = fake_vring_chain(&f->r, &b, 1);

	f->r.desc[head].flags = VRING_DESC_F_INDIRECT;
	return head;
}

static struct vring_desc *table(struct vq_fixture *f)
{
	return (struct vring_desc *)(f->mem.host + TABLE_GPA);
}

static void fill_table(struct vq_fixture *f, unsigned int n)
{
	struct vring_desc *t = table(f);

	for (unsigned int i = 0; i < n; i++) {
		t[i].addr = DATA_GPA + 64 * i;
		t[i].len = 64;
		t[i].flags = (i + 1 < n ? VRING_DESC_F_NEXT : 0) |
			     (i == n - 1 ? VRING_DESC_F_WRITE : 0);
		t[i].next = i + 1;
	}
}

TEST(virtq_indirect)
{
	struct vq_fixture f;
	uint16_t head;

	setup(&f);
	fill_table(&f, 3);
	head = add_indirect(&f, 3 * 16);
	fake_vring_publish(&f.r, head);
	REQUIRE(virtq_pop(&f.vq, &f.c) == 1);
	CHECK_EQ(f.c.head, head);
	CHECK_EQ(f.c.nr_out, 2);
	CHECK_EQ(f.c.nr_in, 1);
	CHECK_EQ(f.c.in_len, 64);
	teardown(&f);

	/* The longest table is the queue size. */
	setup(&f);
	fill_table(&f, QSIZE);
	fake_vring_publish(&f.r, add_indirect(&f, QSIZE * 16));
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	teardown(&f);
}

TEST(virtq_bad_indirect)
{
	struct vq_fixture f;
	uint16_t head;

	/* Not negotiated. */
	setup_features(&f, 1ULL << VIRTIO_F_VERSION_1);
	fill_table(&f, 2);
	fake_vring_publish(&f.r, add_indirect(&f, 32));
	CHECK(pop_fails(&f));
	teardown(&f);

	/* Nested. */
	setup(&f);
	fill_table(&f, 2);
	table(&f)[1].flags = VRING_DESC_F_INDIRECT;
	table(&f)[1].addr = TABLE_GPA;
	table(&f)[1].len = 32;
	fake_vring_publish(&f.r, add_indirect(&f, 32));
	CHECK(pop_fails(&f));
	teardown(&f);

	/* Lengths: not a multiple of 16, zero, longer than the queue. */
	const uint32_t lens[] = { 24, 0, (QSIZE + 1) * 16, 0xfffffff0 };

	for (unsigned int i = 0; i < ARRAY_SIZE(lens); i++) {
		setup(&f);
		fill_table(&f, 2);
		fake_vring_publish(&f.r, add_indirect(&f, lens[i]));
		CHECK(pop_fails(&f));
		teardown(&f);
	}

	/* With NEXT set as well. */
	setup(&f);
	fill_table(&f, 2);
	head = add_indirect(&f, 32);
	f.r.desc[head].flags |= VRING_DESC_F_NEXT;
	fake_vring_publish(&f.r, head);
	CHECK(pop_fails(&f));
	teardown(&f);

	/* A loop inside the table. */
	setup(&f);
	fill_table(&f, 4);
	table(&f)[3].flags = VRING_DESC_F_NEXT;
	table(&f)[3].next = 1;
	fake_vring_publish(&f.r, add_indirect(&f, 64));
	CHECK(pop_fails(&f));
	teardown(&f);

	/* A next index past the table's end. */
	setup(&f);
	fill_table(&f, 2);
	table(&f)[0].next = 2;
	fake_vring_publish(&f.r, add_indirect(&f, 32));
	CHECK(pop_fails(&f));
	teardown(&f);

	/* The table outside RAM. */
	setup(&f);
	head = add_indirect(&f, 32);
	f.r.desc[head].addr = FAKE_RAM_SIZE - 16;
	fake_vring_publish(&f.r, head);
	CHECK(pop_fails(&f));
	teardown(&f);
}

TEST(virtq_reset_clears)
{
	struct vq_fixture f;
	struct fake_buf b = { DATA_GPA, 8, true };

	setup(&f);
	fake_vring_add(&f.r, &b, 1);
	f.r.avail->idx = 0x100;
	CHECK(pop_fails(&f));
	virtq_reset(&f.vq);
	CHECK(!f.vq.enabled);
	CHECK(!f.vq.broken);
	CHECK_EQ(f.vq.size, QSIZE);
	CHECK_EQ(f.vq.last_avail, 0);
	CHECK_EQ(f.vq.desc_gpa, 0);
	teardown(&f);
}
