// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "devices/bus.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	pthread_mutex_init(&bus->lock, NULL);
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 const struct dev_ops *ops, void *opaque, const char *name)
{
	unsigned int i;

	if (!len || !ops || base + len - 1 < base)
		return -EINVAL;
	if (bus->nr == BUS_MAX_RANGES)
		return -ENOSPC;
	for (i = 0; i < bus->nr; i++) {
		const struct bus_range *r = &bus->ranges[i];

		if (base <= r->base + r->len - 1 && r->base <= base + len - 1)
			return -EEXIST;
		if (r->base > base)
			break;
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i],
		(bus->nr - i) * sizeof(bus->ranges[0]));
	bus->ranges[i] = (struct bus_range) {
		.base = base, .len = len, .ops = ops, .opaque = opaque,
		.name = name,
	};
	bus->nr++;
	return 0;
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
	const struct bus_range *r = bus_find(bus, addr, len);
	int ret;

	if (!r) {
		if (!is_write)
			memset(data, 0xff, len);
		return -ENOENT;
	}
	pthread_mutex_lock(&bus->lock);
	if (is_write)
		ret = r->ops->write ? r->ops->write(r->opaque, addr - r->base,
						    data, len) : 0;
	else if (r->ops->read)
		ret = r->ops->read(r->opaque, addr - r->base, data, len);
	else
		ret = (memset(data, 0xff, len), 0);
	pthread_mutex_unlock(&bus->lock);
	if (ret && !is_write)
		memset(data, 0xff, len);
	return ret;
}
