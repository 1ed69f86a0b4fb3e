/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An interrupt line as a device model sees it: a callback, so that device
 * logic stays free of ioctls (the VMM wires it to KVM_IRQ_LINE, unit tests
 * to a recorder).
 */
#ifndef SLIMHV_DEVICES_IRQ_H
#define SLIMHV_DEVICES_IRQ_H

#include <stdint.h>

struct irq_line {
	int (*set_level)(void *ctx, uint32_t gsi, int level);
	void *ctx;
	uint32_t gsi;
};

static inline int irq_line_set(const struct irq_line *l, int level)
{
	if (!l || !l->set_level)
		return 0;
	return l->set_level(l->ctx, l->gsi, level);
}

#endif /* SLIMHV_DEVICES_IRQ_H */
