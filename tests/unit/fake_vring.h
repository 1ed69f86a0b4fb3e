/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake virtio driver for the unit tests: guest RAM is a calloc'd buffer
 * at guest-physical 0, and split rings in it are filled the way Linux's
 * virtio_ring.c fills them.
 */
#ifndef SLIMHV_TESTS_UNIT_FAKE_VRING_H
#define SLIMHV_TESTS_UNIT_FAKE_VRING_H

#include <stdlib.h>
#include <string.h>
#include <linux/virtio_ring.h>

#include "vmm/memmap.h"

#define FAKE_RAM_SIZE	(1ULL << 20)

static inline void fake_mem_init(struct guest_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->host = aligned_alloc(4096, FAKE_RAM_SIZE);
	memset(m->host, 0, FAKE_RAM_SIZE);
	m->size = m->low_size = FAKE_RAM_SIZE;
}

static inline void fake_mem_free(struct guest_mem *m)
{
	free(m->host);
	m->host = NULL;
}

struct fake_vring {
	struct guest_mem *mem;
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t next_desc;	/* descriptors are handed out in a circle */
	uint16_t avail_idx;
	uint16_t last_used;
};

/* Rings at @base (4 KiB of room per ring). */
static inline void fake_vring_init(struct fake_vring *r, struct guest_mem *m,
				   uint64_t base, uint16_t size)
{
	memset(r, 0, sizeof(*r));
	r->mem = m;
	r->size = size;
	r->desc_gpa = base;
	r->avail_gpa = base + 16ULL * size;
	r->used_gpa = (r->avail_gpa + 6 + 2ULL * size + 3) & ~3ULL;
	r->desc = (void *)(m->host + r->desc_gpa);
	r->avail = (void *)(m->host + r->avail_gpa);
	r->used = (void *)(m->host + r->used_gpa);
}

struct fake_buf {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* Write a chain of @n descriptors without publishing it; returns head. */
static inline uint16_t fake_vring_chain(struct fake_vring *r,
					const struct fake_buf *b,
					unsigned int n)
{
	uint16_t head = r->next_desc;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t idx = (head + i) % r->size;
		struct vring_desc *d = &r->desc[idx];

		d->addr = b[i].gpa;
		d->len = b[i].len;
		d->flags = (b[i].write ? VRING_DESC_F_WRITE : 0) |
			   (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		d->next = (idx + 1) % r->size;
	}
	r->next_desc = (head + n) % r->size;
	return head;
}

static inline void fake_vring_publish(struct fake_vring *r, uint16_t head)
{
	r->avail->ring[r->avail_idx % r->size] = head;
	r->avail_idx++;
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
}

static inline uint16_t fake_vring_add(struct fake_vring *r,
				      const struct fake_buf *b, unsigned int n)
{
	uint16_t head = fake_vring_chain(r, b, n);

	fake_vring_publish(r, head);
	return head;
}

/* The next used element: false when there is none. Sets used_event. */
static inline bool fake_vring_used(struct fake_vring *r, uint32_t *id,
				   uint32_t *len)
{
	struct vring_used_elem *e;

	if (__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) == r->last_used)
		return false;
	e = &r->used->ring[r->last_used % r->size];
	*id = e->id;
	*len = e->len;
	r->last_used++;
	/* As Linux does with callbacks on: interrupt me for the next one. */
	r->avail->ring[r->size] = r->last_used;
	return true;
}

#endif /* SLIMHV_TESTS_UNIT_FAKE_VRING_H */
