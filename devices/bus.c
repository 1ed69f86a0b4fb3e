// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "devices/bus.h"

void bus_init(struct bus *bus, const char *name)
{
	pthread_mutexattr_t attr;

	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&bus->own_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	bus->lock = &bus->own_lock;
}

void bus_share_lock(struct bus *bus, pthread_mutex_t *lock)
{
	bus->lock = lock;
}

void bus_lock(struct bus *bus)
{
	pthread_mutex_lock(bus->lock);
}

void bus_unlock(struct bus *bus)
{
	pthread_mutex_unlock(bus->lock);
}

int bus_unregister(struct bus *bus, uint64_t base)
{
	int ret = -ENOENT;

	bus_lock(bus);
	for (unsigned int i = 0; i < bus->nr; i++) {
		if (bus->ranges[i].base != base)
			continue;
		memmove(&bus->ranges[i], &bus->ranges[i + 1],
			(bus->nr - i - 1) * sizeof(bus->ranges[0]));
		bus->nr--;
		ret = 0;
		break;
	}
	bus_unlock(bus);
	return ret;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 const struct dev_ops *ops, void *opaque, const char *name)
{
	unsigned int i;
	int ret = 0;

	if (!len || !ops || base + len - 1 < base)
		return -EINVAL;
	bus_lock(bus);
	if (bus->nr == BUS_MAX_RANGES) {
		ret = -ENOSPC;
		goto out;
	}
	/* Overlaps are checked against every range, not only the neighbours. */
	for (i = 0; i < bus->nr; i++) {
		const struct bus_range *r = &bus->ranges[i];

		if (base <= r->base + r->len - 1 && r->base <= base + len - 1) {
			ret = -EEXIST;
			goto out;
		}
	}
	for (i = 0; i < bus->nr && bus->ranges[i].base < base; i++)
		;
	memmove(&bus->ranges[i + 1], &bus->ranges[i],
		(bus->nr - i) * sizeof(bus->ranges[0]));
	bus->ranges[i] = (struct bus_range) {
		.base = base, .len = len, .ops = ops, .opaque = opaque,
		.name = name,
	};
	bus->nr++;
out:
	bus_unlock(bus);
	return ret;
}

const struct bus_range *bus_find(const struct bus *bus, uint64_t addr,
				 uint32_t len)
{
	unsigned int lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct bus_range *r = &bus->ranges[mid];

		if (addr < r->base) {
			hi = mid;
		} else if (addr - r->base >= r->len) {
			lo = mid + 1;
		} else {
			/* The whole access must fit in the range. */
			if (len > r->len - (addr - r->base))
				return NULL;
			return r;
		}
	}
	return NULL;
}

int bus_access(struct bus *bus, uint64_t addr, void *data, uint32_t len,
	       bool is_write)
{
	const struct bus_range *r;
	int ret;

	bus_lock(bus);
	r = bus_find(bus, addr, len);
	if (!r) {
		bus_unlock(bus);
		if (!is_write)
			memset(data, 0xff, len);
		return -ENOENT;
	}
	if (is_write)
		ret = r->ops->write ? r->ops->write(r->opaque, addr - r->base,
						    data, len) : 0;
	else if (r->ops->read)
		ret = r->ops->read(r->opaque, addr - r->base, data, len);
	else
		ret = (memset(data, 0xff, len), 0);
	bus_unlock(bus);
	if (ret && !is_write)
		memset(data, 0xff, len);
	return ret;
}
