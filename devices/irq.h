/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupts as a device model sees them: callbacks, so that device logic
 * stays free of ioctls (the VMM wires them to KVM, unit tests to a
 * recorder).
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

/*
 * A message-signalled interrupt: vector @vector of the device, with the
 * address and data the guest programmed for it (the VMM sends it with
 * KVM_SIGNAL_MSI, or through an irqfd routed to the message).
 */
struct msi_sender {
	int (*send)(void *ctx, unsigned int vector, uint64_t addr,
		    uint32_t data);
	void *ctx;
};

static inline int msi_send(const struct msi_sender *s, unsigned int vector,
			   uint64_t addr, uint32_t data)
{
	if (!s || !s->send)
		return 0;
	return s->send(s->ctx, vector, addr, data);
}

#endif /* SLIMHV_DEVICES_IRQ_H */
