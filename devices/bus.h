/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An address bus (port I/O or MMIO): devices register a range and an ops
 * struct, and see only offsets into their range. Two devices may not
 * overlap. Pure logic: no ioctls, so unit tests drive it directly.
 */
#ifndef SLIMHV_DEVICES_BUS_H
#define SLIMHV_DEVICES_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A device's callbacks. @off is the offset into the device's range; @len is
 * 1, 2, 4 or 8 and the access never crosses the end of the range. Data is
 * little-endian. Return 0, or -errno for an access the device refuses (the
 * bus then reads all-ones / drops the write and logs, rate-limited).
 */
struct dev_ops {
	int (*read)(void *opaque, uint64_t off, void *data, uint32_t len);
	int (*write)(void *opaque, uint64_t off, const void *data,
		     uint32_t len);
};

struct bus_range {
	uint64_t base;
	uint64_t len;
	const struct dev_ops *ops;
	void *opaque;
	const char *name;
};

#define BUS_MAX_RANGES 64

struct bus {
	const char *name;
	/*
	 * Serializes device callbacks and changes to the ranges. A VM shares
	 * one recursive lock between its buses, so a device callback may
	 * (un)register ranges, on either bus.
	 */
	pthread_mutex_t *lock;
	pthread_mutex_t own_lock;
	unsigned int nr;
	struct bus_range ranges[BUS_MAX_RANGES];	/* sorted by base */
};

void bus_init(struct bus *bus, const char *name);
/* Use @lock (recursive) instead of the bus's own. */
void bus_share_lock(struct bus *bus, pthread_mutex_t *lock);
void bus_lock(struct bus *bus);
void bus_unlock(struct bus *bus);
/* Returns -EEXIST when the range overlaps another, -EINVAL or -ENOSPC. */
int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 const struct dev_ops *ops, void *opaque, const char *name);
/* Remove the range that starts at @base: -ENOENT if there is none. */
int bus_unregister(struct bus *bus, uint64_t base);
/* Call with the lock held; the range may go away once it is dropped. */
const struct bus_range *bus_find(const struct bus *bus, uint64_t addr,
				 uint32_t len);
/*
 * Dispatch one access. Returns -ENOENT when no device claims it (reads
 * then see all-ones), or the device's error.
 */
int bus_access(struct bus *bus, uint64_t addr, void *data, uint32_t len,
	       bool is_write);

/* Little-endian helpers for device models. */
static inline uint64_t le_get(const void *data, uint32_t len)
{
	const uint8_t *p = data;
	uint64_t v = 0;

	for (uint32_t i = 0; i < len && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void le_put(void *data, uint32_t len, uint64_t v)
{
	uint8_t *p = data;

	for (uint32_t i = 0; i < len && i < 8; i++)
		p[i] = v >> (8 * i);
}

#endif /* SLIMHV_DEVICES_BUS_H */
