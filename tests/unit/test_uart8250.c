// SPDX-License-Identifier: GPL-2.0
/*
 * The 16550A model, driven through a port I/O bus as a guest drives it,
 * including the probes of Linux's 8250 driver.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/uart8250.h"
#include "tests/unit/test.h"

#define COM1	0x3f8

/* Register offsets and bits, spelled out here independently of the model. */
#define RX	0
#define TX	0
#define DLL	0
#define IER	1
#define DLM	1
#define IIR	2
#define FCR	2
#define LCR	3
#define MCR	4
#define LSR	5
#define MSR	6
#define SCR	7

#define LCR_CONF_B	0xbf

struct irq_rec {
	int level;
	int calls;
	int rises;
	int bad_calls;		/* calls that did not change the level */
	uint32_t gsi;
};

static int rec_set_level(void *ctx, uint32_t gsi, int level)
{
	struct irq_rec *r = ctx;

	if (level == r->level)
		r->bad_calls++;
	if (level && !r->level)
		r->rises++;
	r->level = level;
	r->calls++;
	r->gsi = gsi;
	return 0;
}

struct tx_rec {
	uint8_t buf[512];
	unsigned int n;
};

static void rec_tx(void *ctx, uint8_t byte)
{
	struct tx_rec *t = ctx;

	if (t->n < sizeof(t->buf))
		t->buf[t->n] = byte;
	t->n++;
}

struct fixture {
	struct bus bus;
	struct uart8250 uart;
	struct irq_rec irq;
	struct irq_line line;
	struct tx_rec tx;
};

static void setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->line = (struct irq_line) {
		.set_level = rec_set_level, .ctx = &f->irq, .gsi = 4,
	};
	uart8250_init(&f->uart, &f->line, rec_tx, &f->tx);
	bus_init(&f->bus, "pio");
	bus_register(&f->bus, COM1, UART8250_NR_PORTS, &uart8250_ops,
		     &f->uart, "ttyS0");
}

static uint8_t in(struct fixture *f, unsigned int reg)
{
	uint8_t v = 0;

	bus_access(&f->bus, COM1 + reg, &v, 1, false);
	return v;
}

static void out(struct fixture *f, unsigned int reg, uint8_t v)
{
	bus_access(&f->bus, COM1 + reg, &v, 1, true);
}

/*
 * The decisions of Linux's autoconfig(), autoconfig_16550a() with the
 * 16550A variants probed, and size_fifo(), as a guest would run them.
 * Returns a type name.
 */
static unsigned int probe_fifo_size(struct fixture *f)
{
	uint8_t old_lcr = in(f, LCR), old_mcr, old_fcr;
	unsigned int count;

	out(f, LCR, 0);
	old_fcr = in(f, FCR);
	old_mcr = in(f, MCR);
	out(f, FCR, 0x07);
	out(f, MCR, MCR_LOOP);
	out(f, LCR, LCR_DLAB);
	out(f, DLL, 1);
	out(f, DLM, 0);
	out(f, LCR, 0x03);
	for (count = 0; count < 256; count++)
		out(f, TX, count);
	for (count = 0; (in(f, LSR) & LSR_DR) && count < 256; count++)
		in(f, RX);
	out(f, FCR, old_fcr);
	out(f, MCR, old_mcr);
	out(f, LCR, old_lcr);
	return count;
}

static const char *linux_probe(struct fixture *f, bool variants)
{
	uint8_t scratch, s2, s3, save_mcr, save_lcr, st1, st2;

	/* The IER existence test. */
	scratch = in(f, IER);
	out(f, IER, 0);
	s2 = in(f, IER) & 0x0f;
	out(f, IER, 0x0f);
	s3 = in(f, IER) & 0x0f;
	out(f, IER, scratch);
	if (s2 != 0 || s3 != 0x0f)
		return "none (IER)";

	/* The loopback test. */
	save_mcr = in(f, MCR);
	save_lcr = in(f, LCR);
	out(f, MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
	st1 = in(f, MSR) & 0xf0;
	out(f, MCR, save_mcr);
	if (st1 != (MSR_DCD | MSR_CTS))
		return "none (LOOP)";

	/* EFR (at FCR's offset) to zero, then the FIFO bits of IIR. */
	out(f, LCR, LCR_CONF_B);
	out(f, FCR, 0);
	out(f, LCR, 0);
	out(f, FCR, 0x01);
	switch (in(f, IIR) & 0xc0) {
	case 0x00:
		return "8250/16450";
	case 0x80:
		return "16550";
	case 0xc0:
		break;
	default:
		return "unknown";
	}
	if (!variants)
		goto out;

	out(f, LCR, LCR_DLAB);
	if (in(f, IIR) == 0)
		return "16650 (EFR at DLAB)";
	out(f, LCR, LCR_CONF_B);
	if (in(f, IIR) == 0)
		return "EFR (0xbf)";

	/* National SuperIO: LOOP visible in EXCR1 at LCR=0xe0. */
	out(f, LCR, 0);
	st1 = in(f, MCR);
	out(f, LCR, 0xe0);
	st2 = in(f, IIR);
	if (!((st1 ^ st2) & MCR_LOOP)) {
		out(f, LCR, 0);
		out(f, MCR, st1 ^ MCR_LOOP);
		out(f, LCR, 0xe0);
		st2 = in(f, IIR);
		out(f, LCR, 0);
		out(f, MCR, st1);
		if ((st2 ^ st1) & MCR_LOOP)
			return "NS16550A";
	}

	/* TI16750: IIR bit 5 with the 64-byte FIFO bit, under DLAB. */
	out(f, LCR, 0);
	out(f, FCR, 0x21);
	st1 = in(f, IIR) & 0xe0;
	out(f, FCR, 0x01);
	out(f, LCR, LCR_DLAB);
	out(f, FCR, 0x21);
	st2 = in(f, IIR) & 0xe0;
	out(f, FCR, 0x01);
	out(f, LCR, 0);
	if (st1 == 0xc0 && st2 == 0xe0)
		return "16750";

	/* XScale: IER bit 6 writable. */
	scratch = in(f, IER);
	out(f, IER, scratch & ~0x40);
	if (!(in(f, IER) & 0x40)) {
		out(f, IER, scratch | 0x40);
		if (in(f, IER) & 0x40)
			return "XScale";
	}
	out(f, IER, scratch);

	if (probe_fifo_size(f) == 64)
		return "U6_16550A";
out:
	out(f, LCR, save_lcr);
	out(f, MCR, save_mcr);
	out(f, FCR, 0x07);	/* serial8250_clear_fifos() */
	out(f, FCR, 0);
	in(f, RX);
	out(f, IER, 0);
	return "16550A";
}

TEST(uart_linux_autoconfig_16550a)
{
	struct fixture f;

	setup(&f);
	CHECK_STR(linux_probe(&f, false), "16550A");
	setup(&f);
	CHECK_STR(linux_probe(&f, true), "16550A");
	/* The probe leaves no interrupt and no stray input behind. */
	CHECK_EQ(f.irq.level, 0);
	CHECK_EQ(in(&f, LSR) & LSR_DR, 0);
	CHECK_EQ(f.tx.n, 0);
}

TEST(uart_fifo_bits_in_iir)
{
	struct fixture f;

	setup(&f);
	CHECK_EQ(in(&f, IIR), 0x01);
	out(&f, FCR, 0x01);
	CHECK_EQ(in(&f, IIR), 0xc1);
	out(&f, FCR, 0xc1);		/* trigger level does not show */
	CHECK_EQ(in(&f, IIR), 0xc1);
	out(&f, FCR, 0x00);
	CHECK_EQ(in(&f, IIR), 0x01);

	/* Disabling the FIFOs, or the clear bit, empties the receiver. */
	out(&f, FCR, 0x01);
	CHECK_EQ(uart8250_rx(&f.uart, (const uint8_t *)"ab", 2), 2);
	out(&f, FCR, 0x03);
	CHECK_EQ(in(&f, LSR) & LSR_DR, 0);
	CHECK_EQ(in(&f, IIR), 0xc1);	/* FIFO stays on */
	CHECK_EQ(uart8250_rx(&f.uart, (const uint8_t *)"ab", 2), 2);
	out(&f, FCR, 0x00);
	CHECK_EQ(in(&f, LSR) & LSR_DR, 0);
	CHECK_EQ(uart8250_rx_room(&f.uart), UART8250_RX_FIFO_SIZE);
}

TEST(uart_linux_thre_and_txen_tests)
{
	struct fixture f;
	uint8_t iir1, iir, lsr;

	setup(&f);
	/* serial8250_do_startup(): THRE must re-assert after re-enable. */
	out(&f, IER, 0x02);
	iir1 = in(&f, IIR);
	out(&f, IER, 0);
	out(&f, IER, 0x02);
	iir = in(&f, IIR);
	out(&f, IER, 0);
	CHECK(!(iir1 & 0x01));
	CHECK(!(iir & 0x01));	/* else Linux sets UART_BUG_THRE */

	/* The TXEN test: enabling THRI with TEMT set must interrupt. */
	out(&f, LCR, 0x03);
	out(&f, MCR, MCR_OUT2 | MCR_DTR | MCR_RTS);
	out(&f, IER, 0x02);
	lsr = in(&f, LSR);
	iir = in(&f, IIR);
	out(&f, IER, 0);
	CHECK(lsr & LSR_TEMT);
	CHECK_EQ(iir & 0x0f, 0x02);
	CHECK_EQ(f.irq.level, 0);
	CHECK_EQ(f.irq.bad_calls, 0);
}

TEST(uart_dlab_divisor_latch)
{
	struct fixture f;

	setup(&f);
	out(&f, IER, 0x05);
	out(&f, LCR, LCR_DLAB | 0x03);
	out(&f, DLL, 0x01);
	out(&f, DLM, 0x02);
	CHECK_EQ(in(&f, DLL), 0x01);
	CHECK_EQ(in(&f, DLM), 0x02);
	CHECK_EQ(f.tx.n, 0);		/* not a THR write */
	CHECK_EQ(in(&f, LCR), LCR_DLAB | 0x03);

	out(&f, LCR, 0x03);
	CHECK_EQ(in(&f, IER), 0x05);	/* IER kept its value */
	out(&f, TX, 'x');
	CHECK_EQ(f.tx.n, 1);
	out(&f, LCR, LCR_DLAB | 0x03);
	CHECK_EQ(in(&f, DLL), 0x01);	/* the THR write did not touch DLL */
	/* IIR and the registers above 2 do not move with DLAB. */
	CHECK_EQ(in(&f, IIR) & 0x01, 0x01);
	out(&f, SCR, 0x33);
	out(&f, LCR, 0x03);
	CHECK_EQ(in(&f, SCR), 0x33);
}

TEST(uart_scratch_register)
{
	struct fixture f;

	setup(&f);
	out(&f, SCR, 0xa5);
	CHECK_EQ(in(&f, SCR), 0xa5);
	out(&f, SCR, 0x5a);
	CHECK_EQ(in(&f, SCR), 0x5a);
}

TEST(uart_ier_and_mcr_reserved_bits)
{
	struct fixture f;

	setup(&f);
	out(&f, IER, 0xff);
	CHECK_EQ(in(&f, IER), 0x0f);
	out(&f, MCR, 0xff);
	CHECK_EQ(in(&f, MCR), 0x1f);
}

TEST(uart_thre_interrupt_raise_and_clear)
{
	struct fixture f;

	setup(&f);
	out(&f, MCR, MCR_OUT2);
	CHECK_EQ(f.irq.calls, 0);
	out(&f, IER, 0x02);
	CHECK_EQ(f.irq.level, 1);
	CHECK_EQ(f.irq.gsi, 4);
	CHECK_EQ(in(&f, IIR), 0x02);	/* reading it acknowledges it */
	CHECK_EQ(f.irq.level, 0);
	CHECK_EQ(in(&f, IIR), 0x01);

	out(&f, TX, 'a');		/* the byte left: THR empty again */
	CHECK_EQ(f.irq.level, 1);
	out(&f, TX, 'b');		/* clears and re-raises: no edge */
	CHECK_EQ(f.irq.level, 1);
	CHECK_EQ(f.irq.rises, 2);
	out(&f, IER, 0);		/* masked */
	CHECK_EQ(f.irq.level, 0);
	CHECK_EQ(in(&f, IIR), 0x01);
	CHECK_EQ(in(&f, LSR) & (LSR_THRE | LSR_TEMT), LSR_THRE | LSR_TEMT);
	CHECK_EQ(f.irq.bad_calls, 0);
}

TEST(uart_rx_data_interrupt_and_overflow)
{
	struct fixture f;
	uint8_t buf[100];

	setup(&f);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = i;
	out(&f, MCR, MCR_OUT2);
	out(&f, IER, 0x01);
	CHECK_EQ(f.irq.level, 0);
	CHECK_EQ(uart8250_rx_room(&f.uart), 64);
	CHECK_EQ(uart8250_rx(&f.uart, buf, sizeof(buf)), 64);
	CHECK_EQ(uart8250_rx_room(&f.uart), 0);
	CHECK_EQ(uart8250_rx(&f.uart, buf + 64, 36), 0);
	CHECK_EQ(f.irq.level, 1);
	CHECK_EQ(in(&f, IIR), 0x04);
	/* No overrun: the caller kept the rest. */
	CHECK_EQ(in(&f, LSR), LSR_DR | LSR_THRE | LSR_TEMT);
	for (unsigned int i = 0; i < 64; i++)
		CHECK_EQ(in(&f, RX), i);
	CHECK_EQ(f.irq.level, 0);
	CHECK_EQ(in(&f, LSR) & LSR_DR, 0);
	CHECK_EQ(in(&f, IIR), 0x01);
	CHECK_EQ(uart8250_rx(&f.uart, buf + 64, 36), 36);
	CHECK_EQ(in(&f, RX), 64);
	CHECK_EQ(f.irq.rises, 2);
	CHECK_EQ(f.irq.bad_calls, 0);
}

TEST(uart_rx_fifo_trigger_and_timeout)
{
	struct fixture f;

	setup(&f);
	out(&f, MCR, MCR_OUT2);
	out(&f, FCR, 0x81);		/* FIFO on, trigger at 8 */
	out(&f, IER, 0x01);
	CHECK_EQ(uart8250_rx(&f.uart, (const uint8_t *)"abc", 3), 3);
	CHECK_EQ(in(&f, IIR), 0xcc);	/* below trigger: timeout */
	CHECK_EQ(f.irq.level, 1);
	CHECK_EQ(uart8250_rx(&f.uart, (const uint8_t *)"defgh", 5), 5);
	CHECK_EQ(in(&f, IIR), 0xc4);	/* at trigger: data available */
	CHECK_EQ(in(&f, RX), 'a');
	CHECK_EQ(in(&f, IIR), 0xcc);
}

TEST(uart_out2_gates_the_line)
{
	struct fixture f;

	setup(&f);
	out(&f, IER, 0x03);
	CHECK_EQ(uart8250_rx(&f.uart, (const uint8_t *)"z", 1), 1);
	CHECK_EQ(f.irq.calls, 0);	/* pending, but OUT2 is clear */
	CHECK_EQ(in(&f, IIR), 0x04);
	out(&f, MCR, MCR_OUT2 | MCR_DTR);
	CHECK_EQ(f.irq.level, 1);
	out(&f, MCR, MCR_DTR);
	CHECK_EQ(f.irq.level, 0);
	out(&f, MCR, MCR_OUT2);
	CHECK_EQ(f.irq.level, 1);
	in(&f, RX);			/* THRE still pending */
	CHECK_EQ(f.irq.level, 1);
	CHECK_EQ(in(&f, IIR), 0x02);
	CHECK_EQ(f.irq.level, 0);
	CHECK_EQ(f.irq.calls, 4);
	CHECK_EQ(f.irq.bad_calls, 0);
}

TEST(uart_interrupt_priority)
{
	struct fixture f;

	setup(&f);
	out(&f, FCR, 0x01);
	out(&f, IER, 0x0f);
	out(&f, MCR, MCR_OUT2 | MCR_LOOP);	/* modem lines change */
	for (int i = 0; i < 17; i++)		/* one more than fits: OE */
		out(&f, TX, 'a' + i);
	CHECK_EQ(in(&f, IIR), 0xc6);	/* line status first */
	CHECK_EQ(in(&f, LSR), LSR_OE | LSR_DR | LSR_THRE | LSR_TEMT);
	CHECK_EQ(in(&f, LSR) & LSR_OE, 0);	/* cleared by the read */
	CHECK_EQ(in(&f, IIR), 0xc4);	/* then received data */
	for (int i = 0; i < 16; i++)
		CHECK_EQ(in(&f, RX), 'a' + i);
	CHECK_EQ(in(&f, IIR), 0xc2);	/* then THR empty */
	CHECK_EQ(in(&f, IIR), 0xc0);	/* then modem status */
	CHECK_EQ(f.irq.level, 1);
	CHECK(in(&f, MSR) & 0x0f);
	CHECK_EQ(in(&f, IIR), 0xc1);
	CHECK_EQ(f.irq.level, 0);
	CHECK_EQ(f.tx.n, 0);
}

TEST(uart_loopback)
{
	struct fixture f;

	setup(&f);
	CHECK_EQ(in(&f, MSR), MSR_DCD | MSR_DSR | MSR_CTS);
	out(&f, MCR, MCR_LOOP);
	CHECK_EQ(in(&f, MSR), MSR_DDCD | MSR_DDSR | MSR_DCTS);
	CHECK_EQ(in(&f, MSR), 0);
	out(&f, MCR, MCR_LOOP | MCR_DTR);
	CHECK_EQ(in(&f, MSR), MSR_DSR | MSR_DDSR);
	out(&f, MCR, MCR_LOOP | MCR_RTS);
	CHECK_EQ(in(&f, MSR), MSR_CTS | MSR_DCTS | MSR_DDSR);
	out(&f, MCR, MCR_LOOP | MCR_OUT1);
	CHECK_EQ(in(&f, MSR), MSR_RI | MSR_DCTS);
	out(&f, MCR, MCR_LOOP | MCR_OUT2);
	CHECK_EQ(in(&f, MSR), MSR_DCD | MSR_DDCD | MSR_TERI);

	/* Bytes come back instead of leaving. */
	out(&f, FCR, 0x01);
	out(&f, TX, 'L');
	out(&f, TX, 'B');
	CHECK_EQ(f.tx.n, 0);
	CHECK_EQ(in(&f, LSR) & LSR_DR, LSR_DR);
	CHECK_EQ(in(&f, RX), 'L');
	CHECK_EQ(in(&f, RX), 'B');
	/* Without the FIFO the receiver holds one byte: then overrun. */
	out(&f, FCR, 0x00);
	out(&f, TX, '1');
	out(&f, TX, '2');
	CHECK_EQ(in(&f, LSR), LSR_OE | LSR_DR | LSR_THRE | LSR_TEMT);
	CHECK_EQ(in(&f, RX), '1');
	CHECK_EQ(in(&f, LSR) & (LSR_OE | LSR_DR), 0);
	/* The receiver is off the line. */
	CHECK_EQ(uart8250_rx_room(&f.uart), 0);
	CHECK_EQ(uart8250_rx(&f.uart, (const uint8_t *)"x", 1), 0);

	out(&f, MCR, 0);
	CHECK_EQ(in(&f, MSR) & 0xf0, MSR_DCD | MSR_DSR | MSR_CTS);
	out(&f, TX, 'o');
	CHECK_EQ(f.tx.n, 1);
	CHECK_EQ(in(&f, LSR) & LSR_DR, 0);
	CHECK_EQ(uart8250_rx(&f.uart, (const uint8_t *)"x", 1), 1);
}

TEST(uart_modem_status_interrupt)
{
	struct fixture f;

	setup(&f);
	out(&f, MCR, MCR_LOOP | MCR_OUT2);
	in(&f, MSR);
	out(&f, IER, 0x08);
	CHECK_EQ(f.irq.level, 0);
	out(&f, MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
	CHECK_EQ(f.irq.level, 1);
	CHECK_EQ(in(&f, IIR), 0x00);
	CHECK_EQ(in(&f, MSR), MSR_DCD | MSR_CTS | MSR_DCTS);
	CHECK_EQ(f.irq.level, 0);
	CHECK_EQ(in(&f, IIR), 0x01);
}

TEST(uart_tx_output)
{
	struct fixture f;
	const char *msg = "hello\n";

	setup(&f);
	out(&f, LCR, 0x03);
	for (const char *p = msg; *p; p++) {
		while (!(in(&f, LSR) & LSR_THRE))
			;
		out(&f, TX, *p);
	}
	CHECK_EQ(f.tx.n, 6);
	CHECK(!memcmp(f.tx.buf, msg, 6));
	/* Whole bytes leave even with LCR at its 5-bit reset value. */
	out(&f, LCR, 0x00);
	out(&f, TX, 0xc1);
	CHECK_EQ(f.tx.n, 7);
	CHECK_EQ(f.tx.buf[6], 0xc1);
}

TEST(uart_wide_access_is_split)
{
	struct fixture f;
	uint16_t w = 0x0b03;	/* LCR = 3, MCR = 0x0b */
	uint32_t d = 0;

	setup(&f);
	CHECK_EQ(bus_access(&f.bus, COM1 + LCR, &w, 2, true), 0);
	CHECK_EQ(in(&f, LCR), 0x03);
	CHECK_EQ(in(&f, MCR), 0x0b);
	out(&f, SCR, 0x77);
	CHECK_EQ(bus_access(&f.bus, COM1 + 4, &d, 4, false), 0);
	CHECK_EQ(d, 0x77b0600bu);	/* SCR, MSR, LSR, MCR */
	/* Past the end of the range: the bus refuses it. */
	CHECK_EQ(bus_access(&f.bus, COM1 + 6, &d, 4, false), -ENOENT);
	CHECK_EQ(d, 0xffffffffu);
}

TEST(uart_reset)
{
	struct fixture f;

	setup(&f);
	out(&f, MCR, MCR_OUT2);
	out(&f, IER, 0x02);
	out(&f, LCR, 0x1b);
	CHECK_EQ(uart8250_rx(&f.uart, (const uint8_t *)"q", 1), 1);
	CHECK_EQ(f.irq.level, 1);
	uart8250_reset(&f.uart);
	CHECK_EQ(f.irq.level, 0);
	CHECK_EQ(in(&f, LCR), 0);
	CHECK_EQ(in(&f, IER), 0);
	CHECK_EQ(in(&f, IIR), 0x01);
	CHECK_EQ(in(&f, LSR), LSR_THRE | LSR_TEMT);
	CHECK_EQ(uart8250_rx_room(&f.uart), 64);
}

TEST(uart_without_irq_or_tx)
{
	struct uart8250 u;
	uint8_t v = 'k';

	uart8250_init(&u, NULL, NULL, NULL);
	CHECK_EQ(uart8250_ops.write(&u, MCR, &(uint8_t){ MCR_OUT2 }, 1), 0);
	CHECK_EQ(uart8250_ops.write(&u, IER, &(uint8_t){ 0x02 }, 1), 0);
	CHECK_EQ(uart8250_ops.write(&u, TX, &v, 1), 0);
	CHECK_EQ(u.irq_level, 1);
	CHECK_EQ(uart8250_ops.read(&u, 8, &v, 1), -EINVAL);
}
