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

/* Register bits, shared with the unit tests. */
#define IER_RDI		0x01	/* received data available */
#define IER_THRI	0x02	/* THR empty */
#define IER_RLSI	0x04	/* receiver line status */
#define IER_MSI		0x08	/* modem status */
#define IER_MASK	0x0f	/* bits 7:4 read as zero on a 16550A */

#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_TIMEOUT	0x0c	/* character timeout, FIFO mode only */
#define IIR_FIFO_BITS	0xc0

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_CLEAR_TX	0x04
#define FCR_KEEP	0xc9	/* trigger level, DMA mode, enable */

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define MCR_MASK	0x1f	/* bits 7:5 read as zero on a 16550A */

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_PE		0x04
#define LSR_FE		0x08
#define LSR_BI		0x10
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define LSR_ERR_BITS	(LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

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
