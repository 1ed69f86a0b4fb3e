// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI table generator. Tables are written in order into one buffer that
 * the guest sees at p->tables_gpa:
 *
 *   RSDP (offset 0), FACS (64-byte aligned), DSDT, FADT, MADT, MCFG, XSDT
 *
 * Each table starts 8-byte aligned and is emitted field by field, little
 * endian, so nothing depends on the host's structure layout. Writes go
 * through a bounded buffer: the first write that does not fit turns every
 * later write into a no-op and the build fails with -ENOSPC.
 *
 * The DSDT's AML is encoded here too. A package (Scope, Device, Package,
 * Buffer) is written with its contents first; its PkgLength is inserted in
 * front once the contents' size is known, in the fewest bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "vmm/acpi.h"

#define ACPI_OEM_ID		"SLIMHV"
#define ACPI_OEM_TABLE_ID	"SLIMHV  "
#define ACPI_CREATOR_ID		"SLHV"

#define ACPI_4G			0x100000000ULL
#define RSDP_LEN		36
#define GAS_LEN			12
#define PM1_EVT_LEN		4
#define PM1_CNT_LEN		2
#define PM_TMR_LEN		4
#define ECAM_BUS_SHIFT		20
#define UART_PORTS		8
#define PCI_SLOTS		32
#define PCI_PINS		4

/* AML opcodes and prefixes (ACPI 6.5, 20.2) */
#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_QWORD_PREFIX	0x0e
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12
#define AML_DUAL_NAME_PREFIX	0x2e
#define AML_MULTI_NAME_PREFIX	0x2f
#define AML_EXT_OP_PREFIX	0x5b
#define AML_ROOT_CHAR		0x5c
#define AML_EXT_DEVICE_OP	0x82

/* Resource descriptors (ACPI 6.5, 6.4) */
#define RD_IRQ_NOFLAGS		0x22	/* small, type 0x04, 2 bytes */
#define RD_IO			0x47	/* small, type 0x08, 7 bytes */
#define RD_END_TAG		0x79	/* small, type 0x0f, 1 byte */
#define RD_MEM32_FIXED		0x86
#define RD_DWORD_ADDR		0x87
#define RD_WORD_ADDR		0x88
#define RD_QWORD_ADDR		0x8a
#define RD_ADDR_MEM		0
#define RD_ADDR_IO		1
#define RD_ADDR_BUS		2
/* general flags: min and max fixed, positive decode, producer/consumer */
#define RD_ADDR_PRODUCER	0x0c
#define RD_ADDR_CONSUMER	0x0d
#define RD_MEM_RW		0x01
#define RD_MEM_CACHEABLE	0x02
#define RD_IO_ENTIRE_RANGE	0x03

/* A bounded output buffer. */
struct obuf {
	uint8_t *base;
	size_t cap;
	size_t len;
	int err;
};

static bool ob_room(struct obuf *b, size_t n)
{
	if (b->err)
		return false;
	if (n > b->cap - b->len) {
		b->err = -ENOSPC;
		return false;
	}
	return true;
}

static void put_bytes(struct obuf *b, const void *data, size_t n)
{
	if (!ob_room(b, n))
		return;
	memcpy(b->base + b->len, data, n);
	b->len += n;
}

static void put_zeros(struct obuf *b, size_t n)
{
	if (!ob_room(b, n))
		return;
	memset(b->base + b->len, 0, n);
	b->len += n;
}

/* @n bytes of @v, little endian */
static void put_le(struct obuf *b, uint64_t v, unsigned int n)
{
	uint8_t tmp[8];

	for (unsigned int i = 0; i < n; i++)
		tmp[i] = v >> (8 * i);
	put_bytes(b, tmp, n);
}

#define put8(b, v)	put_le(b, v, 1)
#define put16(b, v)	put_le(b, v, 2)
#define put32(b, v)	put_le(b, v, 4)
#define put64(b, v)	put_le(b, v, 8)

/* Pad with zeros until the guest-physical address of the end is aligned. */
static void pad_to(struct obuf *b, uint64_t gpa, size_t align)
{
	size_t rem = (gpa + b->len) % align;

	if (rem)
		put_zeros(b, align - rem);
}

/* Insert @n bytes at @off, moving what follows. */
static void insert_bytes(struct obuf *b, size_t off, const void *data,
			 size_t n)
{
	if (!ob_room(b, n))
		return;
	memmove(b->base + off + n, b->base + off, b->len - off);
	memcpy(b->base + off, data, n);
	b->len += n;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum += *p++;
	return sum;
}

/* The standard 36-byte header; length and checksum are set by table_end. */
static size_t table_begin(struct obuf *b, const struct acpi_platform *p,
			  const char *sig, uint8_t revision)
{
	size_t off;

	pad_to(b, p->tables_gpa, 8);
	off = b->len;
	put_bytes(b, sig, 4);
	put32(b, 0);				/* Length */
	put8(b, revision);
	put8(b, 0);				/* Checksum */
	put_bytes(b, ACPI_OEM_ID, 6);
	put_bytes(b, ACPI_OEM_TABLE_ID, 8);
	put32(b, 1);				/* OEM revision */
	put_bytes(b, ACPI_CREATOR_ID, 4);
	put32(b, 1);				/* creator revision */
	return off;
}

static void table_end(struct obuf *b, size_t off)
{
	size_t len = b->len - off;

	if (b->err)
		return;
	for (unsigned int i = 0; i < 4; i++)
		b->base[off + 4 + i] = len >> (8 * i);
	b->base[off + 9] = -sum8(b->base + off, len);
}

/* ---- AML ---- */

int acpi_aml_pkglen(uint8_t out[4], size_t content_len)
{
	for (unsigned int n = 1; n <= 4; n++) {
		uint64_t total = (uint64_t)content_len + n;

		if (n == 1 && total <= 0x3f) {
			out[0] = total;
			return 1;
		}
		if (n > 1 && total < 1ULL << (4 + 8 * (n - 1))) {
			out[0] = (n - 1) << 6 | (total & 0xf);
			for (unsigned int i = 1; i < n; i++)
				out[i] = total >> (4 + 8 * (i - 1));
			return n;
		}
	}
	return -EINVAL;
}

/* Close a package whose contents start at @start: insert its PkgLength. */
static void aml_pkg_end(struct obuf *b, size_t start)
{
	uint8_t enc[4];
	int n;

	if (b->err)
		return;
	n = acpi_aml_pkglen(enc, b->len - start);
	if (n < 0) {
		b->err = -ENOSPC;
		return;
	}
	insert_bytes(b, start, enc, n);
}

/* The smallest encoding of an integer: ZeroOp, OneOp or a prefix. */
static unsigned int aml_int_encode(uint8_t out[9], uint64_t v)
{
	unsigned int n;

	if (v <= 1) {
		out[0] = v ? AML_ONE_OP : AML_ZERO_OP;
		return 1;
	}
	if (v <= 0xff) {
		out[0] = AML_BYTE_PREFIX;
		n = 1;
	} else if (v <= 0xffff) {
		out[0] = AML_WORD_PREFIX;
		n = 2;
	} else if (v <= 0xffffffff) {
		out[0] = AML_DWORD_PREFIX;
		n = 4;
	} else {
		out[0] = AML_QWORD_PREFIX;
		n = 8;
	}
	for (unsigned int i = 0; i < n; i++)
		out[1 + i] = v >> (8 * i);
	return 1 + n;
}

static void aml_integer(struct obuf *b, uint64_t v)
{
	uint8_t enc[9];

	put_bytes(b, enc, aml_int_encode(enc, v));
}

static bool aml_name_char(char c, bool lead)
{
	return (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!lead && c >= '0' && c <= '9');
}

/*
 * A NameString from "\_SB.PCI0", "_S5" or "PCI0": an optional root prefix,
 * then dot-separated segments of 1 to 4 characters, padded with '_'.
 */
static void aml_namestring(struct obuf *b, const char *path)
{
	unsigned int nseg = 1;
	const char *s;

	if (*path == '\\') {
		put8(b, AML_ROOT_CHAR);
		path++;
	}
	for (s = path; *s; s++)
		nseg += *s == '.';
	if (nseg == 2) {
		put8(b, AML_DUAL_NAME_PREFIX);
	} else if (nseg > 2) {
		put8(b, AML_MULTI_NAME_PREFIX);
		put8(b, nseg);
	}
	for (s = path; nseg--; s++) {
		char seg[4] = { '_', '_', '_', '_' };
		unsigned int i;

		for (i = 0; *s && *s != '.'; i++, s++) {
			if (i == 4 || !aml_name_char(*s, i == 0))
				break;
			seg[i] = *s;
		}
		if (!i || (*s && *s != '.')) {
			b->err = b->err ?: -EINVAL;
			return;
		}
		put_bytes(b, seg, 4);
	}
}

/* EISAID("PNP0A08"): three letters of 5 bits, four hex digits, big endian */
static uint32_t aml_eisaid(const char *id)
{
	uint32_t v = 0;

	for (int i = 0; i < 3; i++)
		v = v << 5 | ((id[i] - 0x40) & 0x1f);
	for (int i = 3; i < 7; i++)
		v = v << 4 | (id[i] <= '9' ? id[i] - '0' : id[i] - 'A' + 10);
	return __builtin_bswap32(v);
}

/* Name (name, integer) */
static void aml_name_integer(struct obuf *b, const char *name, uint64_t v)
{
	put8(b, AML_NAME_OP);
	aml_namestring(b, name);
	aml_integer(b, v);
}

/*
 * Scope (name) { or Device (name) { (after AML_EXT_OP_PREFIX): returns
 * where the PkgLength goes, for aml_pkg_end().
 */
static size_t aml_named_begin(struct obuf *b, uint8_t op, const char *name)
{
	size_t start;

	put8(b, op);
	start = b->len;
	aml_namestring(b, name);
	return start;
}

static size_t aml_device_begin(struct obuf *b, const char *name)
{
	put8(b, AML_EXT_OP_PREFIX);
	return aml_named_begin(b, AML_EXT_DEVICE_OP, name);
}

/* Package (count) { ... } */
static size_t aml_package_begin(struct obuf *b, uint8_t count)
{
	size_t start;

	put8(b, AML_PACKAGE_OP);
	start = b->len;
	put8(b, count);
	return start;
}

/* Name (name, ResourceTemplate () { ... }) */
static size_t aml_name_rt_begin(struct obuf *b, const char *name)
{
	put8(b, AML_NAME_OP);
	aml_namestring(b, name);
	put8(b, AML_BUFFER_OP);
	return b->len;
}

/*
 * End the template with an EndTag whose checksum makes its bytes sum to
 * zero, then insert the BufferSize and the PkgLength in front.
 */
static void aml_rt_end(struct obuf *b, size_t start)
{
	uint8_t enc[9];

	put8(b, RD_END_TAG);
	if (b->err)
		return;
	put8(b, -sum8(b->base + start, b->len - start));
	insert_bytes(b, start, enc, aml_int_encode(enc, b->len - start));
	aml_pkg_end(b, start);
}

/* IO (Decode16, port, port, 1, len) */
static void rd_io(struct obuf *b, uint16_t port, uint8_t len)
{
	put8(b, RD_IO);
	put8(b, 0x01);			/* decodes 16 address bits */
	put16(b, port);			/* minimum base */
	put16(b, port);			/* maximum base */
	put8(b, 1);			/* alignment */
	put8(b, len);
}

/*
 * Word, DWord or QWord address space descriptor (@width bytes) with fixed
 * minimum and maximum, positive decode, granularity and translation 0.
 */
static void rd_addr(struct obuf *b, uint8_t tag, unsigned int width,
		    uint8_t type, uint8_t gflags, uint8_t tflags,
		    uint64_t min, uint64_t len)
{
	put8(b, tag);
	put16(b, 3 + 5 * width);
	put8(b, type);
	put8(b, gflags);
	put8(b, tflags);
	put_le(b, 0, width);			/* granularity */
	put_le(b, min, width);
	put_le(b, min + len - 1, width);	/* maximum */
	put_le(b, 0, width);			/* translation offset */
	put_le(b, len, width);
}

/* Name (\_S5, Package (4) { typ, typ, 0, 0 }) */
static void dsdt_s5(struct obuf *b, const struct acpi_platform *p)
{
	size_t pkg;

	put8(b, AML_NAME_OP);
	aml_namestring(b, "\\_S5");
	pkg = aml_package_begin(b, 4);
	aml_integer(b, p->s5_slp_typ);		/* SLP_TYPa */
	aml_integer(b, p->s5_slp_typ);		/* SLP_TYPb */
	aml_integer(b, 0);
	aml_integer(b, 0);
	aml_pkg_end(b, pkg);
}

/* _PRT: INTx of slots 1..31, pins INTA..INTD, straight to IOAPIC GSIs. */
static void dsdt_prt(struct obuf *b)
{
	size_t prt;

	put8(b, AML_NAME_OP);
	aml_namestring(b, "_PRT");
	prt = aml_package_begin(b, (PCI_SLOTS - 1) * PCI_PINS);
	for (unsigned int slot = 1; slot < PCI_SLOTS; slot++) {
		for (unsigned int pin = 0; pin < PCI_PINS; pin++) {
			size_t e = aml_package_begin(b, 4);

			aml_integer(b, slot << 16 | 0xffff);	/* Address */
			aml_integer(b, pin);
			aml_integer(b, 0);	/* Source: a GSI, no link */
			aml_integer(b, acpi_prt_gsi(slot, pin));
			aml_pkg_end(b, e);
		}
	}
	aml_pkg_end(b, prt);
}

static void dsdt_pci0(struct obuf *b, const struct acpi_platform *p)
{
	size_t dev, crs;

	dev = aml_device_begin(b, "PCI0");
	aml_name_integer(b, "_HID", aml_eisaid("PNP0A08"));
	aml_name_integer(b, "_CID", aml_eisaid("PNP0A03"));
	aml_name_integer(b, "_SEG", 0);
	aml_name_integer(b, "_BBN", p->bus_start);
	aml_name_integer(b, "_UID", 0);

	crs = aml_name_rt_begin(b, "_CRS");
	rd_addr(b, RD_WORD_ADDR, 2, RD_ADDR_BUS, RD_ADDR_PRODUCER, 0,
		p->bus_start, p->bus_end - p->bus_start + 1);
	rd_io(b, 0xcf8, 8);			/* PCI configuration mechanism 1 */
	rd_addr(b, RD_WORD_ADDR, 2, RD_ADDR_IO, RD_ADDR_PRODUCER,
		RD_IO_ENTIRE_RANGE, p->pio_base, p->pio_size);
	rd_addr(b, RD_DWORD_ADDR, 4, RD_ADDR_MEM, RD_ADDR_PRODUCER,
		RD_MEM_RW, p->mmio32_base, p->mmio32_size);
	if (p->mmio64_size)
		rd_addr(b, RD_QWORD_ADDR, 8, RD_ADDR_MEM, RD_ADDR_PRODUCER,
			RD_MEM_RW | RD_MEM_CACHEABLE,
			p->mmio64_base, p->mmio64_size);
	aml_rt_end(b, crs);

	dsdt_prt(b);
	aml_pkg_end(b, dev);
}

/*
 * The ECAM region reserved as a motherboard resource (PCI Firmware 3.3,
 * 4.1.2): Linux looks for it before it trusts the MCFG.
 */
static void dsdt_mres(struct obuf *b, const struct acpi_platform *p)
{
	uint64_t base, len;
	size_t dev, crs;

	base = p->ecam_base + ((uint64_t)p->bus_start << ECAM_BUS_SHIFT);
	len = (uint64_t)(p->bus_end - p->bus_start + 1) << ECAM_BUS_SHIFT;

	dev = aml_device_begin(b, "MRES");
	aml_name_integer(b, "_HID", aml_eisaid("PNP0C02"));
	aml_name_integer(b, "_UID", 0);
	crs = aml_name_rt_begin(b, "_CRS");
	if (base + len <= ACPI_4G) {
		put8(b, RD_MEM32_FIXED);	/* Memory32Fixed (ReadWrite) */
		put16(b, 9);
		put8(b, RD_MEM_RW);
		put32(b, base);
		put32(b, len);
	} else {
		rd_addr(b, RD_QWORD_ADDR, 8, RD_ADDR_MEM, RD_ADDR_CONSUMER,
			RD_MEM_RW, base, len);
	}
	aml_rt_end(b, crs);
	aml_pkg_end(b, dev);
}

static void dsdt_com1(struct obuf *b, const struct acpi_platform *p)
{
	size_t dev, crs;

	dev = aml_device_begin(b, "COM1");
	aml_name_integer(b, "_HID", aml_eisaid("PNP0501"));
	aml_name_integer(b, "_UID", 0);
	crs = aml_name_rt_begin(b, "_CRS");
	rd_io(b, p->uart_port, UART_PORTS);
	put8(b, RD_IRQ_NOFLAGS);	/* IRQNoFlags: edge, high, exclusive */
	put16(b, 1u << p->uart_irq);
	aml_rt_end(b, crs);
	aml_pkg_end(b, dev);
}

static size_t build_dsdt(struct obuf *b, const struct acpi_platform *p)
{
	size_t off, sb;

	off = table_begin(b, p, "DSDT", 2);	/* revision 2: 64-bit AML */
	dsdt_s5(b, p);
	sb = aml_named_begin(b, AML_SCOPE_OP, "\\_SB");
	dsdt_pci0(b, p);
	dsdt_mres(b, p);
	if (p->uart_port)
		dsdt_com1(b, p);
	aml_pkg_end(b, sb);
	table_end(b, off);
	return off;
}

/* ---- Fixed tables ---- */

static size_t build_facs(struct obuf *b, const struct acpi_platform *p)
{
	size_t off;

	pad_to(b, p->tables_gpa, 64);
	off = b->len;
	put_bytes(b, "FACS", 4);
	put32(b, 64);			/* length */
	/* hardware signature, waking vector, global lock, flags */
	put_zeros(b, 16);
	put64(b, 0);			/* X firmware waking vector */
	put8(b, 2);			/* version */
	put_zeros(b, 3 + 4 + 24);	/* reserved, OSPM flags, reserved */
	return off;
}

/* A system I/O register of @bytes bytes, or an all-zero GAS if @port is 0 */
static void put_gas_io(struct obuf *b, uint16_t port, uint8_t bytes,
		       uint8_t access_size)
{
	if (!port) {
		put_zeros(b, GAS_LEN);
		return;
	}
	put8(b, 1);			/* address space: system I/O */
	put8(b, bytes * 8);		/* register bit width */
	put8(b, 0);			/* bit offset */
	put8(b, access_size);		/* 1 byte, 2 word, 3 dword */
	put64(b, port);
}

static size_t build_fadt(struct obuf *b, const struct acpi_platform *p,
			 size_t facs, size_t dsdt)
{
	uint64_t facs_gpa = p->tables_gpa + facs;
	uint64_t dsdt_gpa = p->tables_gpa + dsdt;
	/* WBINVD, PROC_C1, SLP_BUTTON (none); PWR_BUTTON clear: fixed */
	uint32_t flags = 1u << 0 | 1u << 2 | 1u << 5;
	size_t off;

	if (p->reset_port)
		flags |= 1u << 10;		/* RESET_REG_SUP */

	off = table_begin(b, p, "FACP", 6);
	/* The FACS by exactly one of FIRMWARE_CTRL and X_FIRMWARE_CTRL. */
	put32(b, facs_gpa < ACPI_4G ? facs_gpa : 0);	/* FIRMWARE_CTRL */
	put32(b, dsdt_gpa < ACPI_4G ? dsdt_gpa : 0);	/* DSDT */
	put8(b, 0);			/* reserved (INT_MODEL) */
	put8(b, 0);			/* Preferred_PM_Profile: unspecified */
	put16(b, p->sci_irq);		/* SCI_INT */
	put32(b, 0);			/* SMI_CMD: already in ACPI mode */
	/* ACPI_ENABLE, ACPI_DISABLE, S4BIOS_REQ, PSTATE_CNT */
	put_zeros(b, 4);
	put32(b, p->pm1a_evt_port);	/* PM1a_EVT_BLK */
	put32(b, 0);			/* PM1b_EVT_BLK */
	put32(b, p->pm1a_cnt_port);	/* PM1a_CNT_BLK */
	put_zeros(b, 8);		/* PM1b_CNT_BLK, PM2_CNT_BLK */
	put32(b, p->pm_tmr_port);	/* PM_TMR_BLK */
	put_zeros(b, 8);		/* GPE0_BLK, GPE1_BLK */
	put8(b, PM1_EVT_LEN);
	put8(b, PM1_CNT_LEN);
	put8(b, 0);			/* PM2_CNT_LEN */
	put8(b, p->pm_tmr_port ? PM_TMR_LEN : 0);
	/* GPE0_BLK_LEN, GPE1_BLK_LEN, GPE1_BASE, CST_CNT */
	put_zeros(b, 4);
	put16(b, 0x0fff);		/* P_LVL2_LAT > 100: no C2 */
	put16(b, 0x0fff);		/* P_LVL3_LAT > 1000: no C3 */
	/* FLUSH_SIZE, FLUSH_STRIDE, DUTY_OFFSET, DUTY_WIDTH, alarms, CENTURY */
	put_zeros(b, 9);
	/* IAPC_BOOT_ARCH: no 8042, VGA not present, MSI ok, no CMOS RTC */
	put16(b, 1u << 2 | 1u << 5);
	put8(b, 0);			/* reserved */
	put32(b, flags);
	put_gas_io(b, p->reset_port, 1, 1);	/* RESET_REG */
	put8(b, p->reset_port ? p->reset_value : 0);
	put16(b, 0);			/* ARM_BOOT_ARCH */
	put8(b, 3);			/* FADT minor version: ACPI 6.3 */
	put64(b, facs_gpa < ACPI_4G ? 0 : facs_gpa);	/* X_FIRMWARE_CTRL */
	put64(b, dsdt_gpa);		/* X_DSDT */
	put_gas_io(b, p->pm1a_evt_port, PM1_EVT_LEN, 2);
	put_zeros(b, GAS_LEN);		/* X_PM1b_EVT_BLK */
	put_gas_io(b, p->pm1a_cnt_port, PM1_CNT_LEN, 2);
	put_zeros(b, 2 * GAS_LEN);	/* X_PM1b_CNT_BLK, X_PM2_CNT_BLK */
	put_gas_io(b, p->pm_tmr_port, PM_TMR_LEN, 3);
	/* X_GPE0_BLK, X_GPE1_BLK, SLEEP_CONTROL_REG, SLEEP_STATUS_REG */
	put_zeros(b, 4 * GAS_LEN);
	put64(b, 0);			/* hypervisor vendor identity */
	table_end(b, off);
	return off;
}

/* Interrupt Source Override for an ISA IRQ, with MPS INTI @flags */
static void madt_iso(struct obuf *b, uint8_t irq, uint32_t gsi,
		     uint16_t flags)
{
	put8(b, 2);			/* type */
	put8(b, 10);			/* length */
	put8(b, 0);			/* bus: ISA */
	put8(b, irq);
	put32(b, gsi);
	put16(b, flags);
}

static size_t build_madt(struct obuf *b, const struct acpi_platform *p)
{
	size_t off;

	off = table_begin(b, p, "APIC", 5);
	put32(b, p->lapic_addr);
	put32(b, 1);				/* flags: PCAT_COMPAT */

	for (unsigned int cpu = 0; cpu < p->nr_cpus; cpu++) {
		put8(b, 0);			/* type: Processor Local APIC */
		put8(b, 8);			/* length */
		put8(b, cpu);			/* ACPI processor UID */
		put8(b, cpu);			/* APIC ID */
		put32(b, 1);			/* flags: enabled */
	}

	put8(b, 1);				/* type: I/O APIC */
	put8(b, 12);				/* length */
	put8(b, p->ioapic_id);
	put8(b, 0);				/* reserved */
	put32(b, p->ioapic_addr);
	put32(b, 0);				/* GSI base */

	madt_iso(b, 0, 2, 0);			/* PIT: conforming */
	/* SCI: active high (1), level triggered (3 << 2) */
	madt_iso(b, p->sci_irq, p->sci_irq, 1 | 3 << 2);

	put8(b, 4);				/* type: Local APIC NMI */
	put8(b, 6);				/* length */
	put8(b, 0xff);				/* all processors */
	put16(b, 0);				/* flags: conforming */
	put8(b, 1);				/* LINT1 */
	table_end(b, off);
	return off;
}

static size_t build_mcfg(struct obuf *b, const struct acpi_platform *p)
{
	size_t off;

	off = table_begin(b, p, "MCFG", 1);
	put_zeros(b, 8);			/* reserved */
	put64(b, p->ecam_base);			/* ECAM of bus 0 */
	put16(b, 0);				/* PCI segment group */
	put8(b, p->bus_start);
	put8(b, p->bus_end);
	put32(b, 0);				/* reserved */
	table_end(b, off);
	return off;
}

static size_t build_xsdt(struct obuf *b, const struct acpi_platform *p,
			 const size_t *tables, unsigned int n)
{
	size_t off;

	off = table_begin(b, p, "XSDT", 1);
	for (unsigned int i = 0; i < n; i++)
		put64(b, p->tables_gpa + tables[i]);
	table_end(b, off);
	return off;
}

/* The RSDP in the space reserved at offset 0. */
static void fill_rsdp(struct obuf *b, const struct acpi_platform *p,
		      size_t xsdt)
{
	struct obuf r = { .base = b->base, .cap = RSDP_LEN };

	put_bytes(&r, "RSD PTR ", 8);
	put8(&r, 0);				/* checksum of the first 20 */
	put_bytes(&r, ACPI_OEM_ID, 6);
	put8(&r, 2);				/* revision: ACPI 2.0+ */
	put32(&r, 0);				/* no RSDT */
	put32(&r, RSDP_LEN);
	put64(&r, p->tables_gpa + xsdt);
	put8(&r, 0);				/* extended checksum */
	put_zeros(&r, 3);
	r.base[8] = -sum8(r.base, 20);
	r.base[32] = -sum8(r.base, RSDP_LEN);
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
			   uint64_t blen)
{
	return alen && blen && a <= b + (blen - 1) && b <= a + (alen - 1);
}

static int check_platform(const struct acpi_platform *p)
{
	uint64_t ecam_lo, ecam_len;

	/* xAPIC IDs 0..254: 0xff is the broadcast ID */
	if (!p->nr_cpus || p->nr_cpus > 255)
		return -EINVAL;
	if (p->tables_gpa % 16)			/* the RSDP's alignment */
		return -EINVAL;
	if (!p->lapic_addr || p->lapic_addr >= ACPI_4G ||
	    !p->ioapic_addr || p->ioapic_addr >= ACPI_4G)
		return -EINVAL;
	if (!p->pm1a_evt_port || p->pm1a_evt_port > 0x10000 - PM1_EVT_LEN ||
	    !p->pm1a_cnt_port || p->pm1a_cnt_port > 0x10000 - PM1_CNT_LEN ||
	    p->pm_tmr_port > 0x10000 - PM_TMR_LEN)
		return -EINVAL;
	/* The SCI is an ISA IRQ with an override; IRQ 0 and 2 are the PIT's */
	if (!p->sci_irq || p->sci_irq == 2 || p->sci_irq >= 16)
		return -EINVAL;
	if (p->s5_slp_typ > 7)			/* SLP_TYP is 3 bits */
		return -EINVAL;
	if (p->uart_port && (p->uart_port > 0x10000 - UART_PORTS ||
			     !p->uart_irq || p->uart_irq == 2 ||
			     p->uart_irq >= 16))
		return -EINVAL;

	if (p->bus_start > p->bus_end || !p->ecam_base ||
	    p->ecam_base % (1ULL << ECAM_BUS_SHIFT) ||
	    p->ecam_base > UINT64_MAX - (256ULL << ECAM_BUS_SHIFT))
		return -EINVAL;
	ecam_lo = p->ecam_base + ((uint64_t)p->bus_start << ECAM_BUS_SHIFT);
	ecam_len = (uint64_t)(p->bus_end - p->bus_start + 1) << ECAM_BUS_SHIFT;

	if (!p->pio_size || p->pio_base + p->pio_size > 0x10000)
		return -EINVAL;
	if (!p->mmio32_size || p->mmio32_base >= ACPI_4G ||
	    p->mmio32_size > ACPI_4G - p->mmio32_base)
		return -EINVAL;
	if (p->mmio64_size && (p->mmio64_base < ACPI_4G ||
			       p->mmio64_size - 1 > UINT64_MAX - p->mmio64_base))
		return -EINVAL;
	if (ranges_overlap(ecam_lo, ecam_len, p->mmio32_base, p->mmio32_size) ||
	    ranges_overlap(ecam_lo, ecam_len, p->mmio64_base, p->mmio64_size))
		return -EINVAL;
	return 0;
}

int acpi_build(const struct acpi_platform *p, void *buf, size_t size)
{
	struct obuf b = { .base = buf, .cap = size };
	size_t tables[3], facs, dsdt, xsdt;
	int err;

	if (!p || !buf)
		return -EINVAL;
	err = check_platform(p);
	if (err)
		return err;

	put_zeros(&b, RSDP_LEN);		/* filled in last */
	facs = build_facs(&b, p);
	dsdt = build_dsdt(&b, p);
	tables[0] = build_fadt(&b, p, facs, dsdt);
	tables[1] = build_madt(&b, p);
	tables[2] = build_mcfg(&b, p);
	xsdt = build_xsdt(&b, p, tables, 3);
	if (b.err)
		return b.err;
	/* A table's address must not wrap past the top of the address space. */
	if (p->tables_gpa + b.len - 1 < p->tables_gpa)
		return -EINVAL;
	fill_rsdp(&b, p, xsdt);
	return b.len;
}
