/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio core: split virtqueues walked in guest memory, and the state a
 * virtio device shares with its transport (status, features, queues). Pure
 * logic: guest memory is a struct guest_mem, interrupts a callback.
 *
 * Every value read from guest memory is checked (virtio 1.2, 2.7): a queue
 * whose driver breaks a rule is broken, and its device needs a reset; the
 * VMM never follows a guest pointer it has not checked, and never loops
 * longer than the queue is long.
 */
#ifndef SLIMHV_DEVICES_VIRTIO_H
#define SLIMHV_DEVICES_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "vmm/memmap.h"

#define VIRTQ_MAX_SIZE		32768
#define VIRTQ_DESC_ALIGN	16
#define VIRTQ_AVAIL_ALIGN	2
#define VIRTQ_USED_ALIGN	4
/*
 * Segments of a chain a device sees; the rest are counted, not kept. A
 * Linux virtio-net skb is up to MAX_SKB_FRAGS (17) + 2.
 */
#define VIRTQ_CHAIN_IOV		32

struct virtq_iov {
	void *base;		/* host address, checked inside guest RAM */
	uint32_t len;
};

/* One chain popped off the avail ring. */
struct virtq_chain {
	uint16_t head;		/* what virtq_push() gives back */
	unsigned int nr_out;	/* device-readable segments: iov[0..nr_out) */
	unsigned int nr_in;	/* device-writable: iov[nr_out..+nr_in) */
	uint64_t out_len;	/* bytes in the readable segments kept */
	uint64_t in_len;	/* bytes in the writable segments kept */
	bool truncated;		/* more than VIRTQ_CHAIN_IOV segments */
	struct virtq_iov iov[VIRTQ_CHAIN_IOV];
};

struct virtq {
	/* What the driver set through the transport. */
	uint16_t size;
	uint16_t max_size;
	bool enabled;
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;

	/* Set by virtq_enable(). */
	const struct guest_mem *mem;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	bool indirect;		/* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool event_idx;		/* VIRTIO_RING_F_EVENT_IDX negotiated */

	uint16_t last_avail;	/* next avail ring entry to pop */
	uint16_t used_idx;	/* our copy of used->idx */
	uint16_t signalled_used;
	bool signalled_valid;
	bool pushed;		/* used entries since the last notify check */
	unsigned int in_flight;	/* popped and not yet pushed */
	bool broken;
};

/* A queue of at most @max_size entries (a power of two), disabled. */
void virtq_init(struct virtq *vq, uint16_t max_size);
/* Back to the state of virtq_init() (device reset). */
void virtq_reset(struct virtq *vq);
/* A power of two, not zero, at most @max. */
bool virtq_size_valid(uint32_t size, uint32_t max);
/* -EINVAL for a bad size, -EBUSY while the queue is enabled. */
int virtq_set_size(struct virtq *vq, uint32_t size);
/*
 * Enable the queue with the ring addresses and size set before, and the
 * negotiated @features: -EINVAL when a ring is misaligned or not wholly in
 * guest RAM, -EBUSY when the queue is enabled already.
 */
int virtq_enable(struct virtq *vq, const struct guest_mem *mem,
		 uint64_t features);
/*
 * Take the next available chain into @c. Returns 1 with a chain, 0 when
 * none is available, -EINVAL when the driver broke a rule (the queue is
 * then broken: ->broken is set), -EIO on a broken or disabled queue.
 */
int virtq_pop(struct virtq *vq, struct virtq_chain *c);
/*
 * Put back the last @n chains popped, none of them pushed: the next pops
 * take them again (a device that popped more than it could use).
 */
void virtq_unpop(struct virtq *vq, unsigned int n);
/*
 * A device that found too few chains to go on: ask the driver to notify
 * on the next one it makes available (with EVENT_IDX, avail_event moves to
 * the driver's current index; without it the driver notifies anyway).
 * True when chains came meanwhile: pop again instead of waiting.
 */
bool virtq_want_more(struct virtq *vq);
/* Give chain @head back with @len bytes written: -EINVAL if not popped. */
int virtq_push(struct virtq *vq, uint16_t head, uint32_t len);
/*
 * After pushes: whether the driver wants a used buffer notification now
 * (EVENT_IDX or the avail ring's NO_INTERRUPT flag). Each push is counted
 * once.
 */
bool virtq_should_notify(struct virtq *vq);

/* Copy out of a chain's readable segments / into its writable ones. */
size_t virtq_chain_read(const struct virtq_chain *c, void *buf, size_t len);
size_t virtq_chain_write(const struct virtq_chain *c, const void *buf,
			 size_t len);

struct virtio_device;

/* What a device model implements; the transport does the rest. */
struct virtio_device_ops {
	uint64_t features;	/* device feature bits offered */
	uint32_t config_len;	/* bytes of device configuration space */
	/* @off + @len <= config_len. */
	void (*config_read)(struct virtio_device *vdev, uint32_t off,
			    void *data, uint32_t len);
	void (*config_write)(struct virtio_device *vdev, uint32_t off,
			     const void *data, uint32_t len);
	/* The driver notified queue @q (enabled, device running). */
	void (*queue_notify)(struct virtio_device *vdev, unsigned int q);
	/* The driver reset the device: queues are reset already. */
	void (*reset)(struct virtio_device *vdev);
};

struct virtio_device {
	const struct virtio_device_ops *ops;
	void *priv;			/* the device model */
	const struct guest_mem *mem;
	uint16_t device_id;		/* VIRTIO_ID_* */
	uint8_t status;			/* VIRTIO_CONFIG_S_* */
	uint8_t config_generation;
	uint64_t features;		/* offered: device's and core's */
	uint64_t driver_features;	/* accepted by the driver */
	unsigned int nr_queues;
	struct virtq *vqs;
	/*
	 * Set by the transport: an interrupt for queue @queue's used ring,
	 * or with VIRTIO_INTR_CONFIG for a configuration change.
	 */
	void (*interrupt)(struct virtio_device *vdev, int queue);
	void *transport;
};

#define VIRTIO_INTR_CONFIG	(-1)

/* Feature bits the core offers on top of the device's. */
#define VIRTIO_CORE_FEATURES						\
	((1ULL << VIRTIO_F_VERSION_1) |					\
	 (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |			\
	 (1ULL << VIRTIO_RING_F_EVENT_IDX))

void virtio_device_init(struct virtio_device *vdev, uint16_t device_id,
			const struct virtio_device_ops *ops, void *priv,
			const struct guest_mem *mem, struct virtq *vqs,
			unsigned int nr_queues, uint16_t queue_max);
/* Driver-initiated reset: status 0, features 0, every queue reset. */
void virtio_device_reset(struct virtio_device *vdev);
/* DRIVER_OK set and NEEDS_RESET clear: the device may use its queues. */
bool virtio_device_running(const struct virtio_device *vdev);
/* Whether queue @q is usable now (running, enabled, not broken). */
struct virtq *virtio_queue(struct virtio_device *vdev, unsigned int q);
/* Raise the queue interrupt if the driver wants one for @vq. */
void virtio_queue_notify_driver(struct virtio_device *vdev, struct virtq *vq);
/*
 * The driver broke a rule: set NEEDS_RESET and tell the driver (a config
 * change interrupt) once it is running. Logs @why, rate-limited.
 */
void virtio_device_broken(struct virtio_device *vdev, const char *why);

#endif /* SLIMHV_DEVICES_VIRTIO_H */
