// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the ACPI table generator: every table is found the way a
 * guest finds it (RSDP -> XSDT -> FADT -> DSDT/FACS), checksummed, and
 * decoded field by field at the offsets the ACPI specification gives. The
 * DSDT is walked by a small AML parser that accepts only what a correct
 * encoder emits: exact PkgLengths in the fewest bytes, known opcodes, and
 * resource templates that end with a checksummed EndTag.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test.h"
#include "vmm/acpi.h"

#define GPA		0xe0000ULL
#define BUF_SIZE	0x10000
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static uint8_t tbuf[BUF_SIZE];
static const uint8_t zeros[64];

static struct acpi_platform platform(unsigned int cpus)
{
	return (struct acpi_platform) {
		.nr_cpus = cpus, .tables_gpa = GPA,
		.lapic_addr = 0xfee00000, .ioapic_addr = 0xfec00000,
		.ioapic_id = 3, .ecam_base = 0xe0000000, .bus_end = 255,
		.pio_base = 0x1000, .pio_size = 0xf000,
		.mmio32_base = 0xc0000000, .mmio32_size = 0x20000000,
		.mmio64_base = 0x1000000000ULL, .mmio64_size = 0x800000000ULL,
		.pm1a_evt_port = 0x600, .pm1a_cnt_port = 0x604,
		.pm_tmr_port = 0x608, .reset_port = 0x60c, .reset_value = 0x0e,
		.sci_irq = 9, .s5_slp_typ = 5, .uart_port = 0x3f8, .uart_irq = 4,
	};
}

static uint64_t rd(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* The tables of one build, found through the pointers the guest follows */
struct tables {
	const uint8_t *buf;
	size_t used;
	uint64_t gpa;
	const uint8_t *rsdp, *xsdt, *fadt, *madt, *mcfg, *dsdt, *facs;
};

/* A table at guest-physical @addr whose length field fits the buffer */
static const uint8_t *table_at(const struct tables *t, uint64_t addr)
{
	uint64_t off = addr - t->gpa;

	if (addr < t->gpa || off + 8 > t->used ||
	    rd(t->buf + off + 4, 4) < 36 ||
	    off + rd(t->buf + off + 4, 4) > t->used)
		return NULL;
	return t->buf + off;
}

static uint64_t gpa_of(const struct tables *t, const uint8_t *tbl)
{
	return t->gpa + (tbl - t->buf);
}

static bool find_tables(struct tables *t, const uint8_t *buf, int used,
			uint64_t gpa)
{
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->used = used;
	t->gpa = gpa;
	t->rsdp = buf;
	t->xsdt = table_at(t, rd(buf + 24, 8));
	if (!t->xsdt)
		return false;
	for (uint32_t off = 36; off + 8 <= rd(t->xsdt + 4, 4); off += 8) {
		const uint8_t *tbl = table_at(t, rd(t->xsdt + off, 8));

		if (!tbl)
			return false;
		if (!memcmp(tbl, "FACP", 4))
			t->fadt = tbl;
		else if (!memcmp(tbl, "APIC", 4))
			t->madt = tbl;
		else if (!memcmp(tbl, "MCFG", 4))
			t->mcfg = tbl;
	}
	if (!t->fadt || rd(t->fadt + 4, 4) < 148)
		return false;
	t->dsdt = table_at(t, rd(t->fadt + 140, 8));
	t->facs = table_at(t, rd(t->fadt + 36, 4) ?: rd(t->fadt + 132, 8));
	return t->madt && t->mcfg && t->dsdt && t->facs;
}

static int build(const struct acpi_platform *p, struct tables *t)
{
	int n = acpi_build(p, tbuf, sizeof(tbuf));

	if (n > 0 && !find_tables(t, tbuf, n, p->tables_gpa))
		return -1;
	return n;
}

/* ---- A small AML walker ---- */

#define MAX_NAMES	32

struct aml_names {
	unsigned int n;
	unsigned int top;			/* top-level terms */
	char path[MAX_NAMES][32];
	const uint8_t *obj[MAX_NAMES];		/* NULL for Scope, Device */
};

/* A PkgLength, checked to be in the fewest bytes; returns its size or 0 */
static size_t aml_pkglen(const uint8_t *p, const uint8_t *end, size_t *len)
{
	unsigned int n;
	size_t v;

	if (p >= end)
		return 0;
	n = p[0] >> 6;
	if (p + 1 + n > end || (n && (p[0] & 0x30)))
		return 0;
	if (!n) {
		*len = p[0] & 0x3f;
		return 1;
	}
	v = p[0] & 0xf;
	for (unsigned int i = 0; i < n; i++)
		v |= (size_t)p[1 + i] << (4 + 8 * i);
	/* with one byte fewer, the length would be v - 1: did it fit? */
	if (v - 1 < (n == 1 ? 64 : 1ULL << (4 + 8 * (n - 1))))
		return 0;
	*len = v;
	return 1 + n;
}

/* A NameString into "\_SB_.PCI0" form; returns its size or 0 */
static size_t aml_namestr(const uint8_t *p, const uint8_t *end, char *out,
			  size_t size)
{
	const uint8_t *s = p;
	unsigned int nseg = 1;
	size_t o = 0;

	if (s < end && *s == '\\')
		out[o++] = *s++;
	if (s < end && *s == 0x2e) {		/* DualNamePrefix */
		nseg = 2;
		s++;
	}
	if (s + 4 * nseg > end || o + 5 * nseg + 1 > size)
		return 0;
	for (unsigned int i = 0; i < 4 * nseg; i++) {
		char c = s[i];

		if (i && !(i % 4))
			out[o++] = '.';
		if (!((c >= 'A' && c <= 'Z') || c == '_' ||
		      (i % 4 && c >= '0' && c <= '9')))
			return 0;
		out[o++] = c;
	}
	out[o] = 0;
	return s + 4 * nseg - p;
}

/* An integer data object into @v; returns its size or 0 */
static size_t aml_int(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	static const unsigned int sizes[16] = {
		[0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8,
	};
	unsigned int n;

	if (p >= end)
		return 0;
	if (p[0] <= 1) {
		*v = p[0];
		return 1;
	}
	n = p[0] < 16 ? sizes[p[0]] : 0;
	if (!n || p + 1 + n > end)
		return 0;
	*v = rd(p + 1, n);
	return 1 + n;
}

static size_t aml_data(const uint8_t *p, const uint8_t *end);

/*
 * The elements of a Package at @p, which must exactly fill it, into
 * @elem (up to @max); returns how many, or -1.
 */
static int aml_elems(const uint8_t *p, const uint8_t *end,
		     const uint8_t **elem, int max)
{
	const uint8_t *q, *pend;
	size_t n, len, m;
	int count = 0;

	if (p >= end || p[0] != 0x12)
		return -1;
	n = aml_pkglen(p + 1, end, &len);
	if (!n || len <= n || p + 1 + len > end)
		return -1;
	pend = p + 1 + len;
	for (q = p + 2 + n; q < pend; q += m, count++) {
		m = aml_data(q, pend);
		if (!m)
			return -1;
		if (count < max)
			elem[count] = q;
	}
	return count == p[1 + n] ? count : -1;
}

/* The bytes of a Buffer at @p, whose size must match; or NULL */
static const uint8_t *aml_buffer(const uint8_t *p, const uint8_t *end,
				 size_t *size, size_t *total)
{
	size_t n, m, len;
	uint64_t v;

	if (p >= end || p[0] != 0x11)
		return NULL;
	n = aml_pkglen(p + 1, end, &len);
	if (!n || len < n || p + 1 + len > end)
		return NULL;
	m = aml_int(p + 1 + n, p + 1 + len, &v);
	if (!m || v != len - n - m)
		return NULL;
	*size = v;
	*total = 1 + len;
	return p + 1 + n + m;
}

/* Size of a data object (integer, buffer, package), or 0 */
static size_t aml_data(const uint8_t *p, const uint8_t *end)
{
	size_t size, total;
	uint64_t v;

	if (p < end && p[0] == 0x11)
		return aml_buffer(p, end, &size, &total) ? total : 0;
	if (p < end && p[0] == 0x12) {
		size_t len, n = aml_pkglen(p + 1, end, &len);

		return n && aml_elems(p, end, NULL, 0) >= 0 ? 1 + len : 0;
	}
	return aml_int(p, end, &v);
}

/* Record @scope.@name (or an absolute @name) declaring @obj */
static bool aml_record(struct aml_names *w, const char *scope,
		       const char *name, const uint8_t *obj)
{
	if (w->n == MAX_NAMES)
		return false;
	snprintf(w->path[w->n], sizeof(w->path[0]), "%s%s%s",
		 name[0] == '\\' ? "" : scope,
		 name[0] == '\\' || !strcmp(scope, "\\") ? "" : ".", name);
	w->obj[w->n++] = obj;
	return true;
}

/* A TermList of Name, Scope and Device terms that exactly fills [p, end) */
static bool aml_terms(struct aml_names *w, const uint8_t *p,
		      const uint8_t *end, const char *scope, bool top)
{
	while (p < end) {
		size_t n, m, len, op;
		const uint8_t *pend;
		char name[32];

		w->top += top;
		if (p[0] == 0x08) {			/* Name */
			n = aml_namestr(p + 1, end, name, sizeof(name));
			if (!n || !aml_record(w, scope, name, p + 1 + n))
				return false;
			m = aml_data(p + 1 + n, end);
			if (!m)
				return false;
			p += 1 + n + m;
			continue;
		}
		if (p[0] == 0x10)			/* Scope */
			op = 1;
		else if (p + 1 < end && p[0] == 0x5b && p[1] == 0x82)
			op = 2;				/* Device */
		else
			return false;
		n = aml_pkglen(p + op, end, &len);
		if (!n || len < n || p + op + len > end)
			return false;
		pend = p + op + len;
		m = aml_namestr(p + op + n, pend, name, sizeof(name));
		if (!m || !aml_record(w, scope, name, NULL))
			return false;
		if (!aml_terms(w, p + op + n + m, pend, w->path[w->n - 1],
			       false))
			return false;
		p = pend;
	}
	return true;
}

static const uint8_t *dsdt_end(const uint8_t *dsdt)
{
	return dsdt + rd(dsdt + 4, 4);
}

static bool aml_walk(struct aml_names *w, const uint8_t *dsdt)
{
	memset(w, 0, sizeof(*w));
	return aml_terms(w, dsdt + 36, dsdt_end(dsdt), "\\", true);
}

/* Whether @path was declared; its Name's data object into @obj */
static bool aml_find(const struct aml_names *w, const char *path,
		     const uint8_t **obj)
{
	for (unsigned int i = 0; i < w->n; i++) {
		if (!strcmp(w->path[i], path)) {
			if (obj)
				*obj = w->obj[i];
			return true;
		}
	}
	return false;
}

static bool name_int(const struct aml_names *w, const uint8_t *dsdt,
		     const char *path, uint64_t want)
{
	const uint8_t *obj = NULL;
	uint64_t v;

	return aml_find(w, path, &obj) && obj &&
	       aml_int(obj, dsdt_end(dsdt), &v) && v == want;
}

/* Integer elements of a Package into @v; returns how many, or -1 */
static int pkg_ints(const uint8_t *p, const uint8_t *end, uint64_t *v,
		    int max)
{
	const uint8_t *elem[8];
	int n = aml_elems(p, end, elem, 8);

	if (n < 0 || n > max || n > 8)
		return -1;
	for (int i = 0; i < n; i++)
		if (!aml_int(elem[i], end, &v[i]))
			return -1;
	return n;
}

struct rdesc {
	uint8_t tag;
	const uint8_t *body;		/* after the tag (and length) */
	size_t len;
};

/*
 * The descriptors of a Name's resource template; the EndTag must end it
 * and make it sum to 0 (or have a 0 checksum). Returns how many, or -1.
 */
static int crs_of(const struct aml_names *w, const uint8_t *dsdt,
		  const char *path, struct rdesc *d, int max)
{
	const uint8_t *p = NULL;
	size_t size, total, off = 0;
	int n = 0;

	if (!aml_find(w, path, &p) || !p)
		return -1;
	p = aml_buffer(p, dsdt_end(dsdt), &size, &total);
	while (p && off < size && n < max) {
		uint8_t tag = p[off];
		size_t hdr = tag & 0x80 ? 3 : 1, len;

		if (off + hdr > size)
			return -1;
		len = tag & 0x80 ? rd(p + off + 1, 2) : (tag & 7u);
		if (off + hdr + len > size)
			return -1;
		if (tag == 0x79)
			return off + 2 == size &&
			       (!p[off + 1] || !sum8(p, size)) ? n : -1;
		d[n++] = (struct rdesc){ tag, p + off + hdr, len };
		off += hdr + len;
	}
	return -1;
}

/* A Word (2), DWord (4) or QWord (8) address space descriptor */
static bool addr_desc(const struct rdesc *d, unsigned int w, uint8_t type,
		      uint64_t min, uint64_t len)
{
	return d->tag == (w == 2 ? 0x88 : w == 4 ? 0x87 : 0x8a) &&
	       d->len == 3 + 5 * w && d->body[0] == type &&
	       (d->body[1] & 0x0c) == 0x0c &&		/* min, max fixed */
	       rd(d->body + 3 + w, w) == min &&
	       rd(d->body + 3 + 2 * w, w) == min + len - 1 &&
	       rd(d->body + 3 + 4 * w, w) == len;
}

/* IO (Decode16, port, port, _, len) */
static bool io_desc(const struct rdesc *d, uint16_t port, uint8_t len)
{
	return d->tag == 0x47 && d->body[0] == 1 &&
	       rd(d->body + 1, 2) == port && rd(d->body + 3, 2) == port &&
	       d->body[6] == len;
}

/* A system I/O Generic Address Structure */
static bool gas_io(const uint8_t *g, unsigned int bits, uint64_t port)
{
	return g[0] == 1 && g[1] == bits && g[2] == 0 && rd(g + 4, 8) == port;
}

/* ---- Tests ---- */

TEST(acpi_tables_checksummed)
{
	struct acpi_platform p = platform(4);
	const uint8_t *tables[5];
	struct tables t;
	int n = build(&p, &t);

	REQUIRE(n > 0);
	/* RSDP: ACPI 2.0+, both checksums, the XSDT */
	CHECK(!memcmp(t.rsdp, "RSD PTR ", 8));
	CHECK_EQ(sum8(t.rsdp, 20), 0);
	CHECK_EQ(sum8(t.rsdp, 36), 0);
	CHECK(!memcmp(t.rsdp + 9, "SLIMHV", 6));
	CHECK_EQ(t.rsdp[15], 2);
	CHECK_EQ(rd(t.rsdp + 20, 4), 36);
	CHECK(!memcmp(t.xsdt, "XSDT", 4));
	REQUIRE(rd(t.xsdt + 4, 4) == 36 + 3 * 8);	/* FACP, APIC, MCFG */
	CHECK(rd(t.xsdt + 36, 8) == gpa_of(&t, t.fadt) &&
	      rd(t.xsdt + 44, 8) == gpa_of(&t, t.madt) &&
	      rd(t.xsdt + 52, 8) == gpa_of(&t, t.mcfg));
	memcpy(tables, (const uint8_t *[]){ t.xsdt, t.fadt, t.madt, t.mcfg,
					     t.dsdt }, sizeof(tables));
	for (int i = 0; i < 5; i++) {
		const uint8_t *tbl = tables[i];
		uint32_t len = rd(tbl + 4, 4);

		CHECK_EQ(sum8(tbl, len), 0);
		CHECK((size_t)(tbl - tbuf) + len <= (size_t)n);
		CHECK_EQ(gpa_of(&t, tbl) % 8, 0);
		CHECK(!memcmp(tbl + 10, "SLIMHVSLIMHV  ", 14));	/* OEM IDs */
		CHECK(!memcmp(tbl + 28, "SLHV", 4));
	}
	CHECK_EQ(rd(t.fadt + 4, 4), 276);
	CHECK_EQ(rd(t.madt + 4, 4), 44 + 4 * 8 + 12 + 2 * 10 + 6);
	CHECK_EQ(rd(t.mcfg + 4, 4), 60);
	CHECK(!memcmp(t.dsdt, "DSDT", 4));
	CHECK_EQ(t.dsdt[8], 2);				/* 64-bit integers */
	CHECK(!memcmp(t.facs, "FACS", 4));
	CHECK(rd(t.facs + 4, 4) == 64 && t.facs[32] == 2);	/* version 2 */
	CHECK_EQ(gpa_of(&t, t.facs) % 64, 0);
}

TEST(acpi_fadt)
{
	struct acpi_platform p = platform(2);
	const uint8_t *f;
	struct tables t;

	REQUIRE(build(&p, &t) > 0);
	f = t.fadt;
	CHECK_EQ(f[8], 6);				/* revision */
	CHECK_EQ(f[131] & 0xf, 3);			/* minor: 6.3 */
	CHECK_EQ(rd(f + 36, 4), gpa_of(&t, t.facs));	/* FIRMWARE_CTRL */
	CHECK_EQ(rd(f + 132, 8), 0);			/* X_FIRMWARE_CTRL */
	CHECK_EQ(rd(f + 40, 4), gpa_of(&t, t.dsdt));	/* DSDT */
	CHECK_EQ(rd(f + 140, 8), gpa_of(&t, t.dsdt));	/* X_DSDT */
	CHECK_EQ(rd(f + 46, 2), 9);			/* SCI_INT */
	CHECK_EQ(rd(f + 48, 4), 0);			/* SMI_CMD */
	/* PM1a_EVT_BLK, PM1b_EVT_BLK, PM1a_CNT_BLK, PM_TMR_BLK, GPE0_BLK */
	CHECK(rd(f + 56, 4) == 0x600 && rd(f + 60, 4) == 0);
	CHECK(rd(f + 64, 4) == 0x604 && rd(f + 76, 4) == 0x608);
	CHECK_EQ(rd(f + 80, 4), 0);
	CHECK(f[88] == 4 && f[89] == 2 && f[91] == 4);	/* their lengths */
	CHECK(rd(f + 96, 2) > 100 && rd(f + 98, 2) > 1000);	/* no C2, C3 */
	/* IAPC_BOOT_ARCH: VGA not present, no CMOS RTC; 8042, MSI clear */
	CHECK_EQ(rd(f + 109, 2), 1 << 2 | 1 << 5);
	/* WBINVD, PROC_C1, SLP_BUTTON, RESET_REG_SUP; not PWR_BUTTON */
	CHECK_EQ(rd(f + 112, 4), 1 << 0 | 1 << 2 | 1 << 5 | 1 << 10);
	CHECK(gas_io(f + 116, 8, 0x60c));		/* RESET_REG */
	CHECK_EQ(f[128], 0x0e);				/* RESET_VALUE */
	CHECK(gas_io(f + 148, 32, 0x600));		/* X_PM1a_EVT_BLK */
	CHECK(gas_io(f + 172, 16, 0x604));		/* X_PM1a_CNT_BLK */
	CHECK(gas_io(f + 208, 32, 0x608));		/* X_PM_TMR_BLK */
	CHECK(!memcmp(f + 220, zeros, 276 - 220));	/* GPEs, sleep regs */
}

TEST(acpi_fadt_variants)
{
	struct acpi_platform p = platform(1);
	struct tables t;

	p.pm_tmr_port = 0;
	p.reset_port = 0;
	REQUIRE(build(&p, &t) > 0);
	CHECK_EQ(rd(t.fadt + 76, 4), 0);
	CHECK_EQ(t.fadt[91], 0);
	CHECK(!memcmp(t.fadt + 208, zeros, 12));	/* X_PM_TMR_BLK */
	CHECK(!memcmp(t.fadt + 116, zeros, 13));	/* RESET_REG, value */
	CHECK_EQ(rd(t.fadt + 112, 4) & 1 << 10, 0);

	/* above 4 GiB, 16- but not 64-byte aligned: only the X_ pointers */
	p = platform(2);
	p.tables_gpa = 0x100000030ULL;
	REQUIRE(build(&p, &t) > 0);
	CHECK_EQ(gpa_of(&t, t.facs) % 64, 0);
	CHECK_EQ(rd(t.fadt + 36, 4), 0);
	CHECK_EQ(rd(t.fadt + 132, 8), gpa_of(&t, t.facs));
	CHECK_EQ(rd(t.fadt + 40, 4), 0);
	CHECK_EQ(rd(t.fadt + 140, 8), gpa_of(&t, t.dsdt));
	CHECK_EQ(rd(t.rsdp + 24, 8), gpa_of(&t, t.xsdt));
	CHECK_EQ(sum8(t.fadt, 276), 0);
}

TEST(acpi_madt)
{
	static const uint8_t tail[] = {
		1, 12, 3, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0, /* I/O APIC */
		2, 10, 0, 0, 2, 0, 0, 0, 0x00, 0,	/* IRQ 0 -> GSI 2 */
		2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0,	/* SCI: level, high */
		4, 6, 0xff, 0, 0, 1,			/* NMI on LINT1 */
	};
	struct acpi_platform p = platform(5);
	const uint8_t *m;
	struct tables t;

	REQUIRE(build(&p, &t) > 0);
	m = t.madt;
	REQUIRE(rd(m + 4, 4) == 44 + 5 * 8 + sizeof(tail));
	CHECK_EQ(rd(m + 36, 4), 0xfee00000);
	CHECK_EQ(rd(m + 40, 4), 1);			/* PCAT_COMPAT */
	for (unsigned int i = 0; i < 5; i++) {
		const uint8_t *e = m + 44 + 8 * i;

		CHECK(e[0] == 0 && e[1] == 8);		/* local APIC */
		CHECK(e[2] == i && e[3] == i);		/* UID, APIC ID */
		CHECK_EQ(rd(e + 4, 4), 1);		/* enabled */
	}
	CHECK(!memcmp(m + 44 + 5 * 8, tail, sizeof(tail)));
}

TEST(acpi_dsdt_walk)
{
	static const char *const names[] = {
		"_S5_", "PCI0", "_PRT", "_CRS", "COM1",
	};
	static const char *const paths[] = {
		"\\_S5_", "\\_SB_", "\\_SB_.PCI0", "\\_SB_.PCI0._HID",
		"\\_SB_.PCI0._CID", "\\_SB_.PCI0._SEG", "\\_SB_.PCI0._BBN",
		"\\_SB_.PCI0._UID", "\\_SB_.PCI0._CRS", "\\_SB_.PCI0._PRT",
		"\\_SB_.MRES._HID", "\\_SB_.MRES._CRS", "\\_SB_.COM1._HID",
		"\\_SB_.COM1._UID", "\\_SB_.COM1._CRS",
	};
	struct acpi_platform p = platform(8);
	struct aml_names w;
	struct tables t;

	REQUIRE(build(&p, &t) > 0);
	for (unsigned int i = 0; i < ARRAY_LEN(names); i++)
		CHECK(memmem(t.dsdt, rd(t.dsdt + 4, 4), names[i], 4));
	/* every PkgLength exactly fills its parent, down to the table end */
	REQUIRE(aml_walk(&w, t.dsdt));
	CHECK_EQ(w.top, 2);			/* Name (\_S5), Scope (\_SB) */
	for (unsigned int i = 0; i < ARRAY_LEN(paths); i++) {
		if (!aml_find(&w, paths[i], NULL)) {
			fprintf(stderr, "    missing %s\n", paths[i]);
			CHECK(!paths[i]);
		}
	}
	CHECK(!aml_find(&w, "\\_SB_.PWRB", NULL));
}

TEST(acpi_dsdt_objects)
{
	struct acpi_platform p = platform(2);
	const uint8_t *s5 = NULL;
	struct aml_names w;
	struct tables t;
	uint64_t v[4];

	p.bus_start = 1;
	p.s5_slp_typ = 7;
	REQUIRE(build(&p, &t) > 0);
	REQUIRE(aml_walk(&w, t.dsdt));
	CHECK(name_int(&w, t.dsdt, "\\_SB_.PCI0._HID", 0x080ad041));
	CHECK(name_int(&w, t.dsdt, "\\_SB_.PCI0._CID", 0x030ad041));
	CHECK(name_int(&w, t.dsdt, "\\_SB_.PCI0._SEG", 0));
	CHECK(name_int(&w, t.dsdt, "\\_SB_.PCI0._BBN", 1));
	CHECK(name_int(&w, t.dsdt, "\\_SB_.PCI0._UID", 0));
	CHECK(name_int(&w, t.dsdt, "\\_SB_.COM1._HID", 0x0105d041));
	CHECK(name_int(&w, t.dsdt, "\\_SB_.COM1._UID", 0));
	CHECK(name_int(&w, t.dsdt, "\\_SB_.MRES._HID", 0x020cd041));
	REQUIRE(aml_find(&w, "\\_S5_", &s5) && s5);
	REQUIRE(pkg_ints(s5, dsdt_end(t.dsdt), v, 4) == 4);
	CHECK(v[0] == 7 && v[1] == 7 && v[2] == 0 && v[3] == 0);
}

TEST(acpi_dsdt_pci_crs)
{
	struct acpi_platform p = platform(2);
	struct aml_names w;
	struct rdesc d[8];
	struct tables t;

	p.bus_end = 31;
	REQUIRE(build(&p, &t) > 0);
	REQUIRE(aml_walk(&w, t.dsdt));
	REQUIRE(crs_of(&w, t.dsdt, "\\_SB_.PCI0._CRS", d, 8) == 5);
	CHECK(addr_desc(&d[0], 2, 2, 0, 32));		/* WordBusNumber */
	CHECK(io_desc(&d[1], 0xcf8, 8));
	CHECK(addr_desc(&d[2], 2, 1, 0x1000, 0xf000));	/* WordIO */
	CHECK(addr_desc(&d[3], 4, 0, 0xc0000000, 0x20000000));
	CHECK(addr_desc(&d[4], 8, 0, 0x1000000000ULL, 0x800000000ULL));
	for (int i = 0; i < 5; i++)
		CHECK(d[i].tag == 0x47 || !(d[i].body[1] & 1)); /* producer */

	p.mmio64_size = 0;
	REQUIRE(build(&p, &t) > 0);
	REQUIRE(aml_walk(&w, t.dsdt));
	REQUIRE(crs_of(&w, t.dsdt, "\\_SB_.PCI0._CRS", d, 8) == 4);
	CHECK(d[3].tag == 0x87);
}

TEST(acpi_dsdt_prt)
{
	struct acpi_platform p = platform(2);
	const uint8_t *prt = NULL, *elem[124], *end;
	struct aml_names w;
	struct tables t;

	REQUIRE(build(&p, &t) > 0);
	REQUIRE(aml_walk(&w, t.dsdt));
	end = dsdt_end(t.dsdt);
	REQUIRE(aml_find(&w, "\\_SB_.PCI0._PRT", &prt) && prt);
	REQUIRE(aml_elems(prt, end, elem, 124) == 31 * 4);
	for (unsigned int i = 0; i < 124; i++) {
		unsigned int slot = 1 + i / 4, pin = i % 4;
		uint64_t v[4];

		REQUIRE(pkg_ints(elem[i], end, v, 4) == 4);
		CHECK_EQ(v[0], (uint64_t)slot << 16 | 0xffff);
		CHECK(v[1] == pin && v[2] == 0);
		CHECK_EQ(v[3], 16 + (slot + pin) % 8);
		CHECK_EQ(v[3], acpi_prt_gsi(slot, pin));
	}
}

TEST(acpi_dsdt_com1)
{
	struct acpi_platform p = platform(2);
	struct aml_names w;
	struct rdesc d[4];
	struct tables t;

	p.uart_port = 0x2f8;
	p.uart_irq = 3;
	REQUIRE(build(&p, &t) > 0);
	REQUIRE(aml_walk(&w, t.dsdt));
	REQUIRE(crs_of(&w, t.dsdt, "\\_SB_.COM1._CRS", d, 4) == 2);
	CHECK(io_desc(&d[0], 0x2f8, 8));
	CHECK_EQ(d[1].tag & 0xf8, 0x20);		/* IRQ descriptor */
	CHECK_EQ(rd(d[1].body, 2), 1 << 3);

	p.uart_port = 0;
	REQUIRE(build(&p, &t) > 0);
	REQUIRE(aml_walk(&w, t.dsdt));
	CHECK(!aml_find(&w, "\\_SB_.COM1", NULL));
	CHECK(!memmem(t.dsdt, rd(t.dsdt + 4, 4), "COM1", 4));
}

TEST(acpi_mcfg_ecam_reserved)
{
	struct acpi_platform p = platform(2);
	struct aml_names w;
	struct rdesc d[4];
	struct tables t;

	p.bus_start = 1;
	p.bus_end = 64;
	REQUIRE(build(&p, &t) > 0);
	REQUIRE(aml_walk(&w, t.dsdt));
	CHECK_EQ(rd(t.mcfg + 44, 8), 0xe0000000);	/* bus 0's ECAM */
	CHECK_EQ(rd(t.mcfg + 52, 2), 0);		/* segment */
	CHECK(t.mcfg[54] == 1 && t.mcfg[55] == 64);
	REQUIRE(crs_of(&w, t.dsdt, "\\_SB_.MRES._CRS", d, 4) == 1);
	CHECK_EQ(d[0].tag, 0x86);			/* Memory32Fixed */
	CHECK_EQ(rd(d[0].body + 1, 4), 0xe0000000 + (1 << 20));
	CHECK_EQ(rd(d[0].body + 5, 4), 64 << 20);

	p.ecam_base = 0x4000000000ULL;
	REQUIRE(build(&p, &t) > 0);
	REQUIRE(aml_walk(&w, t.dsdt));
	REQUIRE(crs_of(&w, t.dsdt, "\\_SB_.MRES._CRS", d, 4) == 1);
	CHECK(addr_desc(&d[0], 8, 0, 0x4000000000ULL + (1 << 20), 64 << 20));
	CHECK_EQ(rd(t.mcfg + 44, 8), 0x4000000000ULL);
}

TEST(acpi_enospc)
{
	struct acpi_platform p = platform(4);
	size_t past = 0;
	int n;

	memset(tbuf, 0xaa, sizeof(tbuf));
	n = acpi_build(&p, tbuf, sizeof(tbuf));
	REQUIRE(n > 0);
	for (size_t i = n; i < sizeof(tbuf); i++)
		past += tbuf[i] != 0xaa;
	CHECK_EQ(past, 0);			/* nothing past what it reports */
	CHECK_EQ(acpi_build(&p, tbuf, n), n);
	/* every shorter buffer, exactly sized so ASan sees any overrun */
	for (int size = 0; size < n; size++) {
		uint8_t *buf = malloc(size ? size : 1);

		REQUIRE(buf);
		CHECK_EQ(acpi_build(&p, buf, size), -ENOSPC);
		free(buf);
	}
}

TEST(acpi_einval)
{
	struct acpi_platform p;

#define BAD(field, value)						\
	do {								\
		p = platform(2);					\
		p.field = value;					\
		if (acpi_build(&p, tbuf, sizeof(tbuf)) != -EINVAL)	\
			CHECK(!"accepted " #field " = " #value);	\
	} while (0)

	BAD(nr_cpus, 0);
	BAD(nr_cpus, 256);
	BAD(tables_gpa, GPA + 8);
	BAD(lapic_addr, 0);
	BAD(ioapic_addr, 0x100000000ULL);
	BAD(pm1a_evt_port, 0);
	BAD(pm1a_cnt_port, 0);
	BAD(sci_irq, 0);
	BAD(sci_irq, 2);
	BAD(sci_irq, 16);
	BAD(s5_slp_typ, 8);
	BAD(uart_irq, 0);
	BAD(uart_irq, 16);
	BAD(uart_port, 0xfffc);
	BAD(ecam_base, 0);
	BAD(ecam_base, 0xe0001000);
	BAD(ecam_base, 0xd0000000);		/* overlaps the 32-bit window */
	BAD(pio_size, 0);
	BAD(pio_base, 0x2000);			/* 0x2000 + 0xf000 > 64 KiB */
	BAD(mmio32_size, 0);
	BAD(mmio32_base, 0xf0000000);		/* crosses 4 GiB */
	BAD(mmio64_base, 0x80000000);		/* below 4 GiB */
	BAD(mmio64_size, UINT64_MAX);		/* wraps */
#undef BAD
	p = platform(2);
	p.bus_start = 200;
	p.bus_end = 100;
	CHECK_EQ(acpi_build(&p, tbuf, sizeof(tbuf)), -EINVAL);
	/*
	 * Found by fuzzing (tests/fuzz/fuzz_acpi.c): tables placed so near
	 * 2^64 that their addresses wrap were built, with the FACS pointer
	 * wrapped to 0 or the XSDT pointing into low memory.
	 */
	p = platform(2);
	p.tables_gpa = 0xfffffffffffff800ULL;
	CHECK_EQ(acpi_build(&p, tbuf, sizeof(tbuf)), -EINVAL);
	p.tables_gpa = 0xffffffffffffffd0ULL;
	CHECK_EQ(acpi_build(&p, tbuf, sizeof(tbuf)), -EINVAL);
	p = platform(2);
	CHECK_EQ(acpi_build(NULL, tbuf, sizeof(tbuf)), -EINVAL);
	CHECK_EQ(acpi_build(&p, NULL, sizeof(tbuf)), -EINVAL);
	p.uart_port = 0;
	p.uart_irq = 0;				/* ignored without a UART */
	CHECK(acpi_build(&p, tbuf, sizeof(tbuf)) > 0);
}

TEST(acpi_many_cpus_fit)
{
	struct acpi_platform p = platform(64);
	unsigned int ids = 0;
	struct aml_names w;
	struct tables t;
	int n = build(&p, &t);

	REQUIRE(n > 0);
	CHECK(n <= 64 * 1024);
	CHECK_EQ(rd(t.madt + 4, 4), 44 + 64 * 8 + 12 + 2 * 10 + 6);
	for (unsigned int i = 0; i < 64; i++)
		ids += t.madt[44 + 8 * i] == 0 && t.madt[47 + 8 * i] == i;
	CHECK_EQ(ids, 64);
	CHECK(aml_walk(&w, t.dsdt));

	p.nr_cpus = 255;
	n = build(&p, &t);
	REQUIRE(n > 0);
	CHECK(n <= 64 * 1024);
	CHECK_EQ(t.madt[44 + 8 * 254 + 3], 254);
	CHECK_EQ(sum8(t.madt, rd(t.madt + 4, 4)), 0);
}

TEST(acpi_pkglen_encoding)
{
	uint8_t e[4];

	CHECK_EQ(acpi_aml_pkglen(e, 0), 1);
	CHECK_EQ(e[0], 1);
	CHECK_EQ(acpi_aml_pkglen(e, 62), 1);
	CHECK_EQ(e[0], 63);
	CHECK_EQ(acpi_aml_pkglen(e, 63), 2);		/* 65 = 0x41 */
	CHECK_EQ(e[0] << 8 | e[1], 0x4104);
	CHECK_EQ(acpi_aml_pkglen(e, 4093), 2);		/* 4095 */
	CHECK_EQ(e[0] << 8 | e[1], 0x4fff);
	CHECK_EQ(acpi_aml_pkglen(e, 4094), 3);		/* 4097 = 0x1001 */
	CHECK_EQ(e[0] << 16 | e[1] << 8 | e[2], 0x810001);
	CHECK_EQ(acpi_aml_pkglen(e, (1 << 20) - 4), 3);
	CHECK_EQ(acpi_aml_pkglen(e, (1 << 20) - 3), 4);	/* 0x100001 */
	CHECK_EQ(rd(e, 4), 0x010000c1);
	CHECK_EQ(acpi_aml_pkglen(e, (1 << 28) - 5), 4);
	CHECK_EQ(acpi_aml_pkglen(e, (1 << 28) - 4), -EINVAL);
}
