// SPDX-License-Identifier: GPL-2.0
/*
 * The 16550A model (devices/uart8250.c), driven through its bus ops as a
 * guest drives it, with host input and resets in between.
 *
 * Input: 3-byte operations: kind, offset and width, value (the value of
 * OP_RX is a byte count, the bytes follow).
 *
 * Checks, beside the sanitizers: the ops return 0 for an access inside
 * the 8 ports and -EINVAL otherwise; reserved bits read as zero; THRE and
 * TEMT always read set and DR exactly when the FIFO holds a byte; bytes
 * leave through tx() in the order written, and come out of RBR in the
 * order they went in (host input, or loopback), never more than the FIFO
 * holds; the scratch and divisor registers keep what was written; the
 * interrupt line changes only when its level changes, and its level is
 * always what the registers say it must be.
 */
#include <errno.h>

#include "devices/uart8250.h"
#include "tests/fuzz/fuzz.h"

#define UART_RX		0
#define UART_IER	1
#define UART_IIR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

enum op_kind { OP_READ, OP_WRITE, OP_RX, OP_RESET, NR_OPS };

struct harness {
	struct uart8250 u;
	struct irq_line line;
	int level;
	/* The bytes the model must still hand out of RBR, in order. */
	uint8_t fifo[UART8250_RX_FIFO_SIZE];
	unsigned int fifo_n;
	/* Bytes written to THR outside loopback, not yet seen in tx(). */
	uint8_t tx_want;
	bool tx_expected;
	uint8_t scr;
};

static struct harness h;

static int set_level(void *ctx, uint32_t gsi, int level)
{
	struct harness *s = ctx;

	FUZZ_CHECK_EQ(gsi, 4);
	FUZZ_CHECK(level == 0 || level == 1);
	/* The model calls only on a change. */
	FUZZ_CHECK(level != s->level);
	s->level = level;
	return 0;
}

static void tx(void *ctx, uint8_t byte)
{
	struct harness *s = ctx;

	FUZZ_CHECK(s->tx_expected);
	FUZZ_CHECK_EQ(byte, s->tx_want);
	FUZZ_CHECK(!(s->u.mcr & MCR_LOOP));
	s->tx_expected = false;
}

/* The interrupt the registers call for, in the datasheet's priority. */
static uint8_t irq_id(const struct uart8250 *u)
{
	static const unsigned int trigger[4] = { 1, 4, 8, 14 };
	bool fifo = u->fcr & FCR_ENABLE;

	if ((u->ier & IER_RLSI) && (u->lsr_err & LSR_ERR_BITS))
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count) {
		if (fifo && u->rx_count < trigger[u->fcr >> 6])
			return IIR_TIMEOUT;
		return IIR_RDI;
	}
	if ((u->ier & IER_THRI) && u->thr_pending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && u->msr_delta)
		return IIR_MSI;
	return IIR_NO_INT;
}

static bool irq_due(const struct uart8250 *u)
{
	return (u->mcr & MCR_OUT2) && irq_id(u) != IIR_NO_INT;
}

static void check_state(const struct harness *s)
{
	const struct uart8250 *u = &s->u;

	FUZZ_CHECK(!(u->ier & ~IER_MASK));
	FUZZ_CHECK(!(u->mcr & ~MCR_MASK));
	FUZZ_CHECK(!(u->fcr & ~FCR_KEEP));
	FUZZ_CHECK(!(u->msr_delta & 0xf0));
	FUZZ_CHECK(u->rx_count <= UART8250_RX_FIFO_SIZE);
	FUZZ_CHECK(u->rx_head < UART8250_RX_FIFO_SIZE);
	FUZZ_CHECK_EQ(u->rx_count, s->fifo_n);
	FUZZ_CHECK_EQ(s->level, irq_due(u));
	FUZZ_CHECK_EQ(u->irq_level, s->level);
	FUZZ_CHECK_EQ(uart8250_rx_room(u), u->mcr & MCR_LOOP ? 0 :
		      UART8250_RX_FIFO_SIZE - u->rx_count);
	FUZZ_CHECK(!s->tx_expected);
	FUZZ_CHECK_EQ(u->scr, s->scr);
}

static void fifo_pop(struct harness *s, uint8_t got)
{
	FUZZ_CHECK(s->fifo_n);
	FUZZ_CHECK_EQ(got, s->fifo[0]);
	memmove(s->fifo, s->fifo + 1, --s->fifo_n);
}

/* Follow the FIFO through a write: what the model must have done. */
static void write_byte(struct harness *s, unsigned int reg, uint8_t val)
{
	struct uart8250 *u = &s->u;
	bool dlab = u->lcr & LCR_DLAB;
	unsigned int before = u->rx_count;

	if (reg == UART_RX && !dlab) {
		if (u->mcr & MCR_LOOP) {
			FUZZ_CHECK(!uart8250_ops.write(u, reg, &val, 1));
			/* Looped back: in the FIFO, or an overrun. */
			if (u->rx_count > before) {
				FUZZ_CHECK_EQ(u->rx_count, before + 1);
				s->fifo[s->fifo_n++] = val;
			} else {
				FUZZ_CHECK(u->lsr_err & LSR_OE);
			}
			FUZZ_CHECK(u->rx_count <= (u->fcr & FCR_ENABLE ?
						   UART8250_HW_FIFO_SIZE : 1) ||
				   u->rx_count == before);
			return;
		}
		s->tx_want = val;
		s->tx_expected = true;
		FUZZ_CHECK(!uart8250_ops.write(u, reg, &val, 1));
		return;
	}
	FUZZ_CHECK(!uart8250_ops.write(u, reg, &val, 1));
	switch (reg) {
	case UART_RX:
		FUZZ_CHECK_EQ(u->dll, val);
		break;
	case UART_IER:
		if (dlab)
			FUZZ_CHECK_EQ(u->dlm, val);
		else
			FUZZ_CHECK_EQ(u->ier, val & IER_MASK);
		break;
	case UART_IIR:		/* FCR: enabling, disabling or clearing */
		if (!u->rx_count)
			s->fifo_n = 0;
		FUZZ_CHECK(u->rx_count == before || !u->rx_count);
		break;
	case UART_LCR:
		FUZZ_CHECK_EQ(u->lcr, val);
		break;
	case UART_MCR:
		FUZZ_CHECK_EQ(u->mcr, val & MCR_MASK);
		break;
	case UART_SCR:
		s->scr = val;
		break;
	}
	FUZZ_CHECK(reg == UART_IIR || u->rx_count == before);
}

static void read_byte(struct harness *s, unsigned int reg)
{
	struct uart8250 *u = &s->u;
	bool dlab = u->lcr & LCR_DLAB;
	unsigned int before = u->rx_count;
	uint8_t v = 0x5a, ier = u->ier, id = irq_id(u);

	FUZZ_CHECK(!uart8250_ops.read(u, reg, &v, 1));
	switch (reg) {
	case UART_RX:
		if (dlab)
			FUZZ_CHECK_EQ(v, u->dll);
		else if (before)
			fifo_pop(s, v);
		break;
	case UART_IER:
		FUZZ_CHECK_EQ(v, dlab ? u->dlm : ier);
		FUZZ_CHECK(dlab || !(v & ~IER_MASK));
		break;
	case UART_IIR:
		FUZZ_CHECK_EQ(v & 0x0f, id);
		FUZZ_CHECK(id != IIR_THRI || !u->thr_pending);
		FUZZ_CHECK_EQ(v & 0x30, 0);
		FUZZ_CHECK_EQ(!!(v & 0xc0), !!(u->fcr & FCR_ENABLE));
		break;
	case UART_LSR:
		FUZZ_CHECK(v & LSR_THRE);
		FUZZ_CHECK(v & LSR_TEMT);
		FUZZ_CHECK_EQ(!!(v & LSR_DR), !!before);
		FUZZ_CHECK(!u->lsr_err);
		break;
	case UART_MCR:
		FUZZ_CHECK(!(v & ~MCR_MASK));
		break;
	case UART_MSR:
		FUZZ_CHECK(!u->msr_delta);
		if (!(u->mcr & MCR_LOOP))
			FUZZ_CHECK_EQ(v & 0xf0, MSR_DCD | MSR_DSR | MSR_CTS);
		break;
	case UART_SCR:
		FUZZ_CHECK_EQ(v, s->scr);
		break;
	}
	FUZZ_CHECK((reg == UART_RX && !dlab) || u->rx_count == before);
}

/* An access of @len bytes at @off through the bus ops. */
static void port_access(struct harness *s, bool write, uint32_t off,
			uint32_t len, uint8_t val)
{
	uint8_t buf[8];
	int ret;

	if (off >= UART8250_NR_PORTS || len > UART8250_NR_PORTS - off) {
		memset(buf, val, sizeof(buf));
		ret = write ? uart8250_ops.write(&s->u, off, buf, len) :
			uart8250_ops.read(&s->u, off, buf, len);
		FUZZ_CHECK_EQ(ret, -EINVAL);
		return;
	}
	/* A wide access is byte accesses to consecutive registers. */
	for (uint32_t i = 0; i < len; i++) {
		if (write)
			write_byte(s, off + i, val + i);
		else
			read_byte(s, off + i);
	}
}

static void host_input(struct harness *s, struct fuzz_in *in, uint8_t n)
{
	uint8_t buf[256];
	size_t room = uart8250_rx_room(&s->u), got;

	n = fuzz_bytes(in, buf, n % (UART8250_RX_FIFO_SIZE + 8));
	got = uart8250_rx(&s->u, buf, n);
	FUZZ_CHECK(got <= n && got <= room);
	FUZZ_CHECK(got == n || got == room);
	memcpy(s->fifo + s->fifo_n, buf, got);
	s->fifo_n += got;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t lens[8] = { 1, 1, 1, 1, 2, 4, 8, 0 };
	struct harness *s = &h;
	struct fuzz_in in;

	memset(s, 0, sizeof(*s));
	s->line = (struct irq_line) { .set_level = set_level, .ctx = s,
				      .gsi = 4 };
	uart8250_init(&s->u, &s->line, tx, s);
	check_state(s);
	fuzz_in_init(&in, data, size);
	while (!fuzz_done(&in)) {
		uint8_t kind = fuzz_u8(&in) % NR_OPS, where = fuzz_u8(&in);
		uint8_t val = fuzz_u8(&in);
		uint32_t off = where & 0x0f, len = lens[where >> 5];

		switch (kind) {
		case OP_READ:
			port_access(s, false, off, len, val);
			break;
		case OP_WRITE:
			port_access(s, true, off, len, val);
			break;
		case OP_RX:
			host_input(s, &in, val);
			break;
		case OP_RESET:
			uart8250_reset(&s->u);
			s->fifo_n = 0;
			s->scr = s->u.scr;
			break;
		}
		check_state(s);
	}
	return 0;
}
