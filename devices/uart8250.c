// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A UART model. Register semantics follow the National PC16550D
 * datasheet; the probes it must pass are those of Linux's 8250 driver
 * (autoconfig(), the THRE re-assert test and the TXEN test in
 * serial8250_do_startup()).
 */
#include <errno.h>
#include <string.h>

#include "devices/uart8250.h"

/* Register offsets. */
#define UART_RX		0	/* in: receive buffer (DLAB=0) */
#define UART_TX		0	/* out: transmit holding (DLAB=0) */
#define UART_DLL	0	/* divisor latch low (DLAB=1) */
#define UART_IER	1	/* interrupt enable (DLAB=0) */
#define UART_DLM	1	/* divisor latch high (DLAB=1) */
#define UART_IIR	2	/* in: interrupt identification */
#define UART_FCR	2	/* out: FIFO control */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

static bool fifo_enabled(const struct uart8250 *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned int rx_trigger(const struct uart8250 *u)
{
	static const unsigned int level[4] = { 1, 4, 8, 14 };

	return fifo_enabled(u) ? level[u->fcr >> 6] : 1;
}

/*
 * The modem status inputs: a host console is always connected and ready;
 * in loopback they are wired to the modem control outputs.
 */
static uint8_t modem_lines(const struct uart8250 *u)
{
	uint8_t m = 0;

	if (!(u->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	if (u->mcr & MCR_RTS)
		m |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		m |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		m |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		m |= MSR_DCD;
	return m;
}

/* Latch the delta bits for a change of the modem status inputs. */
static void update_modem_lines(struct uart8250 *u)
{
	uint8_t now = modem_lines(u), changed = now ^ u->msr_lines;

	if (changed & MSR_CTS)
		u->msr_delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		u->msr_delta |= MSR_DDSR;
	if (changed & MSR_DCD)
		u->msr_delta |= MSR_DDCD;
	if ((changed & MSR_RI) && !(now & MSR_RI))
		u->msr_delta |= MSR_TERI;	/* trailing edge only */
	u->msr_lines = now;
}

/* The highest-priority enabled interrupt, as IIR bits 3:0 report it. */
static uint8_t pending_id(const struct uart8250 *u)
{
	if ((u->ier & IER_RLSI) && (u->lsr_err & LSR_ERR_BITS))
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count) {
		/*
		 * Below the trigger level a real FIFO reports a character
		 * timeout after four character times; time does not pass
		 * here, so it is reported at once.
		 */
		if (fifo_enabled(u) && u->rx_count < rx_trigger(u))
			return IIR_TIMEOUT;
		return IIR_RDI;
	}
	if ((u->ier & IER_THRI) && u->thr_pending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && u->msr_delta)
		return IIR_MSI;
	return IIR_NO_INT;
}

static void update_irq(struct uart8250 *u)
{
	int level = pending_id(u) != IIR_NO_INT && (u->mcr & MCR_OUT2);

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	irq_line_set(&u->irq, level);
}

static bool rx_push(struct uart8250 *u, uint8_t byte)
{
	if (u->rx_count == UART8250_RX_FIFO_SIZE)
		return false;
	u->rx_fifo[(u->rx_head + u->rx_count) % UART8250_RX_FIFO_SIZE] = byte;
	u->rx_count++;
	return true;
}

static void rx_clear(struct uart8250 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

static uint8_t rx_pop(struct uart8250 *u)
{
	if (u->rx_count) {
		u->rbr = u->rx_fifo[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART8250_RX_FIFO_SIZE;
		u->rx_count--;
	}
	return u->rbr;	/* an empty RBR keeps its last byte */
}

/*
 * The word length in LCR is not applied: a guest that writes to the port
 * without programming it (LCR resets to 5-bit words) still gets its text
 * out, as on QEMU and kvmtool.
 */
static void transmit(struct uart8250 *u, uint8_t byte)
{
	if (u->mcr & MCR_LOOP) {
		/* The serial output is wired back to the receiver. */
		unsigned int depth = fifo_enabled(u) ?
				     UART8250_HW_FIFO_SIZE : 1;

		if (u->rx_count >= depth || !rx_push(u, byte))
			u->lsr_err |= LSR_OE;
	} else if (u->tx) {
		u->tx(u->tx_ctx, byte);
	}
	/* The byte left at once: THR is empty again. */
	u->thr_pending = true;
}

static void write_fcr(struct uart8250 *u, uint8_t val)
{
	/* Turning the FIFOs on or off empties them. */
	if ((val ^ u->fcr) & FCR_ENABLE)
		rx_clear(u);
	if (!(val & FCR_ENABLE)) {
		u->fcr = 0;
		return;
	}
	if (val & FCR_CLEAR_RX)
		rx_clear(u);
	/* FCR_CLEAR_TX: the transmit FIFO is always empty. */
	u->fcr = val & FCR_KEEP;
}

static void write_ier(struct uart8250 *u, uint8_t val)
{
	uint8_t old = u->ier;

	u->ier = val & IER_MASK;
	/* THR is always empty: enabling its interrupt raises it. */
	if ((u->ier & ~old) & IER_THRI)
		u->thr_pending = true;
	else if (!(u->ier & IER_THRI))
		u->thr_pending = false;
}

static void uart_write(struct uart8250 *u, unsigned int reg, uint8_t val)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab)
			u->dll = val;
		else
			transmit(u, val);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			write_ier(u, val);
		break;
	case UART_FCR:
		write_fcr(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & MCR_MASK;
		update_modem_lines(u);
		break;
	case UART_LSR:
	case UART_MSR:
		break;	/* read-only (factory test on some parts) */
	case UART_SCR:
		u->scr = val;
		break;
	}
	update_irq(u);
}

static uint8_t read_iir(struct uart8250 *u)
{
	uint8_t id = pending_id(u);

	/* Reading IIR acknowledges a THR-empty interrupt it reports. */
	if (id == IIR_THRI)
		u->thr_pending = false;
	return id | (fifo_enabled(u) ? IIR_FIFO_BITS : 0);
}

static uint8_t read_lsr(struct uart8250 *u)
{
	uint8_t v = LSR_THRE | LSR_TEMT | u->lsr_err;

	if (u->rx_count)
		v |= LSR_DR;
	/* The error bits clear on read. */
	u->lsr_err = 0;
	return v;
}

static uint8_t read_msr(struct uart8250 *u)
{
	uint8_t v = u->msr_lines | u->msr_delta;

	u->msr_delta = 0;
	return v;
}

static uint8_t uart_read(struct uart8250 *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v = 0xff;

	switch (reg) {
	case UART_RX:
		v = dlab ? u->dll : rx_pop(u);
		break;
	case UART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		v = read_iir(u);
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = read_lsr(u);
		break;
	case UART_MSR:
		v = read_msr(u);
		break;
	case UART_SCR:
		v = u->scr;
		break;
	}
	update_irq(u);
	return v;
}

/*
 * The registers are a byte wide. A wider access is split into byte
 * accesses to consecutive registers, as an ISA bus does it.
 */
static int uart8250_bus_read(void *opaque, uint64_t off, void *data,
			     uint32_t len)
{
	struct uart8250 *u = opaque;
	uint8_t *p = data;

	if (off >= UART8250_NR_PORTS || len > UART8250_NR_PORTS - off)
		return -EINVAL;
	for (uint32_t i = 0; i < len; i++)
		p[i] = uart_read(u, off + i);
	return 0;
}

static int uart8250_bus_write(void *opaque, uint64_t off, const void *data,
			      uint32_t len)
{
	struct uart8250 *u = opaque;
	const uint8_t *p = data;

	if (off >= UART8250_NR_PORTS || len > UART8250_NR_PORTS - off)
		return -EINVAL;
	for (uint32_t i = 0; i < len; i++)
		uart_write(u, off + i, p[i]);
	return 0;
}

const struct dev_ops uart8250_ops = {
	.read = uart8250_bus_read,
	.write = uart8250_bus_write,
};

void uart8250_reset(struct uart8250 *u)
{
	u->ier = 0;
	u->fcr = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->lsr_err = 0;
	u->msr_delta = 0;
	u->msr_lines = modem_lines(u);
	u->dll = 12;	/* 9600 baud from 1.8432 MHz; firmware sets its own */
	u->dlm = 0;
	u->rbr = 0;
	u->thr_pending = false;
	rx_clear(u);
	update_irq(u);
}

void uart8250_init(struct uart8250 *u, const struct irq_line *irq,
		   void (*tx)(void *ctx, uint8_t byte), void *tx_ctx)
{
	memset(u, 0, sizeof(*u));
	if (irq)
		u->irq = *irq;
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->irq_level = 0;	/* the line starts low: no call needed */
	uart8250_reset(u);
}

size_t uart8250_rx_room(const struct uart8250 *u)
{
	if (u->mcr & MCR_LOOP)
		return 0;
	return UART8250_RX_FIFO_SIZE - u->rx_count;
}

size_t uart8250_rx(struct uart8250 *u, const uint8_t *buf, size_t len)
{
	size_t n = uart8250_rx_room(u);

	if (n > len)
		n = len;
	for (size_t i = 0; i < n; i++)
		rx_push(u, buf[i]);
	if (n)
		update_irq(u);
	return n;
}
