/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 16550A UART as a PC has it at 0x3f8: eight byte-wide registers, a
 * receive FIFO, the THR-empty interrupt, loopback, and an interrupt output
 * gated by MCR.OUT2. Transmission is instant (THRE and TEMT always read
 * set), so there is no transmit FIFO to model. Pure logic: bytes leave
 * through the tx() callback, the interrupt through an irq_line. The caller
 * serializes all calls (the bus lock).
 */
#ifndef SLIMHV_DEVICES_UART8250_H
#define SLIMHV_DEVICES_UART8250_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/irq.h"

#define UART8250_NR_PORTS	8	/* the length of the register range */
#define UART8250_RX_FIFO_SIZE	64	/* bytes the host may queue for RX */
#define UART8250_HW_FIFO_SIZE	16	/* a 16550A's FIFO, seen in loopback */

struct uart8250 {
	struct irq_line irq;		/* a copy of the caller's line */
	void (*tx)(void *ctx, uint8_t byte);
	void *tx_ctx;

	uint8_t ier;
	uint8_t fcr;			/* last accepted FCR, FIFO enable in bit 0 */
	uint8_t lcr;
	uint8_t mcr;
	uint8_t lsr_err;		/* sticky LSR error bits (OE) */
	uint8_t msr_delta;		/* MSR bits 3:0, cleared on MSR read */
	uint8_t msr_lines;		/* MSR bits 7:4 as last computed */
	uint8_t scr;
	uint8_t dll;
	uint8_t dlm;
	uint8_t rbr;			/* the last byte read from the FIFO */
	bool thr_pending;		/* THR-empty interrupt latched */
	int irq_level;			/* the level last sent to @irq */

	uint8_t rx_fifo[UART8250_RX_FIFO_SIZE];
	unsigned int rx_head;
	unsigned int rx_count;
};

/*
 * Put @u in its power-on state. @irq is copied (NULL: no interrupt);
 * @tx receives each transmitted byte (NULL: discard).
 */
void uart8250_init(struct uart8250 *u, const struct irq_line *irq,
		   void (*tx)(void *ctx, uint8_t byte), void *tx_ctx);
/* A hardware reset (guest reboot): registers and FIFO, keeping the wiring. */
void uart8250_reset(struct uart8250 *u);

/* UART8250_NR_PORTS ports; opaque = struct uart8250 *. */
extern const struct dev_ops uart8250_ops;

/*
 * Feed host input; returns how many bytes fit in the RX FIFO (the caller
 * keeps the rest and offers it again later). Updates the IRQ. In loopback
 * the receiver is cut off from the line: nothing fits.
 */
size_t uart8250_rx(struct uart8250 *u, const uint8_t *buf, size_t len);
size_t uart8250_rx_room(const struct uart8250 *u);

#endif /* SLIMHV_DEVICES_UART8250_H */
