// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues (virtio 1.2, 2.7) and the transport-independent part of
 * a virtio device. The driver runs on other CPUs while we walk its rings:
 * an index is read once, a descriptor is copied before it is checked, and
 * the barriers pair with the driver's (virtio 1.2, 2.7.7 and 2.7.10).
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "devices/virtio.h"
#include "vmm/log.h"

#define DESC_SIZE	sizeof(struct vring_desc)

static int vq_fail(struct virtq *vq, const char *why)
{
	vq->broken = true;
	pr_ratelimited(LOG_WARN, "virtio: the driver broke a queue: %s", why);
	return -EINVAL;
}

bool virtq_size_valid(uint32_t size, uint32_t max)
{
	return size && size <= max && !(size & (size - 1));
}

void virtq_init(struct virtq *vq, uint16_t max_size)
{
	memset(vq, 0, sizeof(*vq));
	vq->max_size = max_size;
	vq->size = max_size;
}

void virtq_reset(struct virtq *vq)
{
	virtq_init(vq, vq->max_size);
}

int virtq_set_size(struct virtq *vq, uint32_t size)
{
	if (vq->enabled)
		return -EBUSY;
	if (!virtq_size_valid(size, vq->max_size))
		return -EINVAL;
	vq->size = size;
	return 0;
}

/* Host address of a ring of @len bytes at @gpa aligned to @align. */
static void *ring_hva(const struct guest_mem *mem, uint64_t gpa,
		      uint64_t len, uint64_t align)
{
	if (gpa & (align - 1))
		return NULL;
	return gpa_to_hva(mem, gpa, len);
}

int virtq_enable(struct virtq *vq, const struct guest_mem *mem,
		 uint64_t features)
{
	uint64_t n = vq->size;
	void *desc, *avail, *used;

	if (vq->enabled)
		return -EBUSY;
	if (!virtq_size_valid(n, vq->max_size))
		return -EINVAL;
	/* The event fields are part of the rings whether used or not. */
	desc = ring_hva(mem, vq->desc_gpa, n * DESC_SIZE, VIRTQ_DESC_ALIGN);
	avail = ring_hva(mem, vq->avail_gpa, 6 + 2 * n, VIRTQ_AVAIL_ALIGN);
	used = ring_hva(mem, vq->used_gpa, 6 + 8 * n, VIRTQ_USED_ALIGN);
	if (!desc || !avail || !used)
		return -EINVAL;
	vq->mem = mem;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->indirect = features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
	vq->event_idx = features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_valid = false;
	vq->pushed = false;
	vq->in_flight = 0;
	vq->broken = false;
	vq->enabled = true;
	return 0;
}

/* Where the device tells the driver how far it has read (EVENT_IDX). */
static uint16_t *avail_event(struct virtq *vq)
{
	return (uint16_t *)&vq->used->ring[vq->size];
}

static uint16_t *used_event(struct virtq *vq)
{
	return (uint16_t *)&vq->avail->ring[vq->size];
}

/* Walking state of one chain. */
struct walk {
	const struct vring_desc *table;
	unsigned int table_len;
	bool in_indirect;
	bool seen_write;
};

static int add_segment(struct virtq *vq, struct virtq_chain *c,
		       struct walk *w, const struct vring_desc *d)
{
	uint16_t flags = le16toh(d->flags);
	uint32_t len = le32toh(d->len);
	bool writable = flags & VRING_DESC_F_WRITE;
	unsigned int n = c->nr_out + c->nr_in;
	void *p;

	if (!writable && w->seen_write)
		return vq_fail(vq, "a readable descriptor after a writable one");
	w->seen_write |= writable;
	if (!len)
		return 0;
	p = gpa_to_hva(vq->mem, le64toh(d->addr), len);
	if (!p)
		return vq_fail(vq, "a buffer outside guest RAM");
	if (n == VIRTQ_CHAIN_IOV) {
		c->truncated = true;
		return 0;
	}
	c->iov[n].base = p;
	c->iov[n].len = len;
	if (writable) {
		c->nr_in++;
		c->in_len += len;
	} else {
		c->nr_out++;
		c->out_len += len;
	}
	return 0;
}

/* Switch @w to the indirect table that @d points at. */
static int enter_indirect(struct virtq *vq, struct walk *w,
			  const struct vring_desc *d)
{
	uint16_t flags = le16toh(d->flags);
	uint32_t len = le32toh(d->len);

	if (!vq->indirect)
		return vq_fail(vq, "an indirect descriptor, not negotiated");
	if (w->in_indirect)
		return vq_fail(vq, "a nested indirect descriptor");
	if (flags & VRING_DESC_F_NEXT)
		return vq_fail(vq, "an indirect descriptor with NEXT set");
	if (!len || len % DESC_SIZE || len / DESC_SIZE > vq->size)
		return vq_fail(vq, "a bad indirect table length");
	w->table = gpa_to_hva(vq->mem, le64toh(d->addr), len);
	if (!w->table)
		return vq_fail(vq, "an indirect table outside guest RAM");
	w->table_len = len / DESC_SIZE;
	w->in_indirect = true;
	return 0;
}

static int walk_chain(struct virtq *vq, struct virtq_chain *c, uint16_t head)
{
	struct walk w = { .table = vq->desc, .table_len = vq->size };
	unsigned int idx = head, count = 0;
	struct vring_desc d;
	uint16_t flags;
	int ret;

	for (;;) {
		/* Each table has table_len entries: one more is a loop. */
		if (++count > w.table_len)
			return vq_fail(vq, "a chain longer than its table (a loop?)");
		memcpy(&d, &w.table[idx], sizeof(d));
		flags = le16toh(d.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			ret = enter_indirect(vq, &w, &d);
			if (ret)
				return ret;
			idx = 0;
			count = 0;
			continue;
		}
		ret = add_segment(vq, c, &w, &d);
		if (ret)
			return ret;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		idx = le16toh(d.next);
		if (idx >= w.table_len)
			return vq_fail(vq, "a next index out of range");
	}
}

int virtq_pop(struct virtq *vq, struct virtq_chain *c)
{
	uint16_t avail_idx, pending, head;
	int ret;

	if (!vq->enabled || vq->broken)
		return -EIO;
	/* Acquire: the ring entries and descriptors are read after. */
	avail_idx = le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
	pending = avail_idx - vq->last_avail;
	if (!pending)
		return 0;
	if (pending > vq->size)
		return vq_fail(vq, "avail->idx more than a queue ahead");
	head = le16toh(__atomic_load_n(&vq->avail->ring[vq->last_avail &
							(vq->size - 1)],
				       __ATOMIC_RELAXED));
	if (head >= vq->size)
		return vq_fail(vq, "a head index out of range");
	memset(c, 0, sizeof(*c));
	c->head = head;
	ret = walk_chain(vq, c, head);
	if (ret)
		return ret;
	vq->last_avail++;
	vq->in_flight++;
	if (vq->event_idx) {
		__atomic_store_n(avail_event(vq), htole16(vq->last_avail),
				 __ATOMIC_RELAXED);
		/* Published before the next read of avail->idx. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	return 1;
}

void virtq_unpop(struct virtq *vq, unsigned int n)
{
	if (n > vq->in_flight)
		n = vq->in_flight;
	vq->last_avail -= (uint16_t)n;
	vq->in_flight -= n;
	if (vq->event_idx && vq->enabled && !vq->broken)
		__atomic_store_n(avail_event(vq), htole16(vq->last_avail),
				 __ATOMIC_RELAXED);
}

bool virtq_want_more(struct virtq *vq)
{
	uint16_t idx;

	if (!vq->enabled || vq->broken || !vq->event_idx)
		return false;
	idx = le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
	/*
	 * avail_event at last_avail would ask for a notify only when the
	 * index passes it, which it already has when some chains wait
	 * unused: ask for the next one after the index we saw.
	 */
	__atomic_store_n(avail_event(vq), htole16(idx), __ATOMIC_RELAXED);
	/* Published before the index is read again (the driver's mirror). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE)) !=
	       idx;
}

int virtq_push(struct virtq *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;

	if (!vq->enabled || vq->broken)
		return -EIO;
	if (head >= vq->size || !vq->in_flight)
		return -EINVAL;
	e = &vq->used->ring[vq->used_idx & (vq->size - 1)];
	e->id = htole32(head);
	e->len = htole32(len);
	vq->used_idx++;
	/* Release: the element is visible before the index that covers it. */
	__atomic_store_n(&vq->used->idx, htole16(vq->used_idx),
			 __ATOMIC_RELEASE);
	vq->in_flight--;
	vq->pushed = true;
	return 0;
}

bool virtq_should_notify(struct virtq *vq)
{
	uint16_t old, event, flags;
	bool valid;

	if (!vq->enabled || !vq->pushed)
		return false;
	vq->pushed = false;
	/* used->idx is visible before we read what the driver asked for. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx) {
		flags = le16toh(__atomic_load_n(&vq->avail->flags,
						__ATOMIC_RELAXED));
		return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	}
	valid = vq->signalled_valid;
	old = vq->signalled_used;
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	event = le16toh(__atomic_load_n(used_event(vq), __ATOMIC_RELAXED));
	return !valid || vring_need_event(event, vq->used_idx, old);
}

size_t virtq_chain_read(const struct virtq_chain *c, void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < c->nr_out && done < len; i++) {
		size_t n = c->iov[i].len;

		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)buf + done, c->iov[i].base, n);
		done += n;
	}
	return done;
}

size_t virtq_chain_write(const struct virtq_chain *c, const void *buf,
			 size_t len)
{
	size_t done = 0;

	for (unsigned int i = c->nr_out; i < c->nr_out + c->nr_in &&
	     done < len; i++) {
		size_t n = c->iov[i].len;

		if (n > len - done)
			n = len - done;
		memcpy(c->iov[i].base, (const uint8_t *)buf + done, n);
		done += n;
	}
	return done;
}

/* The device. */

void virtio_device_init(struct virtio_device *vdev, uint16_t device_id,
			const struct virtio_device_ops *ops, void *priv,
			const struct guest_mem *mem, struct virtq *vqs,
			unsigned int nr_queues, uint16_t queue_max)
{
	memset(vdev, 0, sizeof(*vdev));
	vdev->ops = ops;
	vdev->priv = priv;
	vdev->mem = mem;
	vdev->device_id = device_id;
	vdev->features = ops->features | VIRTIO_CORE_FEATURES;
	vdev->vqs = vqs;
	vdev->nr_queues = nr_queues;
	for (unsigned int i = 0; i < nr_queues; i++)
		virtq_init(&vqs[i], queue_max);
}

void virtio_device_reset(struct virtio_device *vdev)
{
	vdev->status = 0;
	vdev->driver_features = 0;
	for (unsigned int i = 0; i < vdev->nr_queues; i++)
		virtq_reset(&vdev->vqs[i]);
	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
}

bool virtio_device_running(const struct virtio_device *vdev)
{
	return (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

struct virtq *virtio_queue(struct virtio_device *vdev, unsigned int q)
{
	struct virtq *vq;

	if (q >= vdev->nr_queues || !virtio_device_running(vdev))
		return NULL;
	vq = &vdev->vqs[q];
	return vq->enabled && !vq->broken ? vq : NULL;
}

void virtio_queue_notify_driver(struct virtio_device *vdev, struct virtq *vq)
{
	if (virtq_should_notify(vq) && vdev->interrupt)
		vdev->interrupt(vdev, vq - vdev->vqs);
}

void virtio_device_broken(struct virtio_device *vdev, const char *why)
{
	if (vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	pr_ratelimited(LOG_WARN, "virtio: device %u needs a reset: %s",
		       vdev->device_id, why);
	if ((vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) && vdev->interrupt)
		vdev->interrupt(vdev, VIRTIO_INTR_CONFIG);
}
