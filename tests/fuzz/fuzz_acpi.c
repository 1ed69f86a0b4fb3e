// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI table builder (vmm/acpi.c) over any platform description and
 * buffer size, and its AML PkgLength encoder.
 *
 * Input: struct acpi_platform field by field (see read_platform()), the
 * buffer size (16 bits), then a PkgLength content length (32 bits).
 *
 * Checks: the result is -EINVAL, -ENOSPC, or the length used; the buffer
 * is an allocation of exactly its size (a write past it is caught); a
 * build that fits gives the same bytes whatever the room left, and one
 * that does not fit fails whole. The tables hang together: the RSDP's
 * checksums, the XSDT's entries and the FADT's FACS and DSDT pointers all
 * land inside the buffer on tables with the right signature, length and
 * checksum; the MADT has one local APIC per CPU; the DSDT's packages
 * nest to exactly its end. A PkgLength decodes to what was encoded, in
 * the fewest bytes.
 */
#include <errno.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/acpi.h"

#define BIG		65536
#define HDR_LEN		36

static uint8_t ref[BIG];

static void read_platform(struct fuzz_in *in, struct acpi_platform *p)
{
	p->nr_cpus = fuzz_u16(in) % 300;
	p->lapic_addr = fuzz_u64(in);
	p->ioapic_addr = fuzz_u64(in);
	p->ioapic_id = fuzz_u8(in);
	p->ecam_base = fuzz_u64(in);
	p->bus_start = fuzz_u8(in);
	p->bus_end = fuzz_u8(in);
	p->pio_base = fuzz_u16(in);
	p->pio_size = fuzz_u16(in);
	p->mmio32_base = fuzz_u64(in);
	p->mmio32_size = fuzz_u64(in);
	p->mmio64_base = fuzz_u64(in);
	p->mmio64_size = fuzz_u64(in);
	p->pm1a_evt_port = fuzz_u16(in);
	p->pm1a_cnt_port = fuzz_u16(in);
	p->pm_tmr_port = fuzz_u16(in);
	p->reset_port = fuzz_u16(in);
	p->reset_value = fuzz_u8(in);
	p->sci_irq = fuzz_u8(in);
	p->s5_slp_typ = fuzz_u8(in);
	p->uart_port = fuzz_u16(in);
	p->uart_irq = fuzz_u8(in);
	p->tables_gpa = fuzz_u64(in);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static uint64_t get(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/*
 * The table the guest finds at @gpa: inside the buffer, with signature
 * @sig, a length that fits and a zero checksum. Returns its offset.
 */
static size_t table_at(const struct acpi_platform *p, const uint8_t *buf,
		       size_t len, uint64_t gpa, const char *sig)
{
	size_t off = gpa - p->tables_gpa, tlen;

	FUZZ_CHECK(off < len && len - off >= HDR_LEN);
	FUZZ_CHECK(!memcmp(buf + off, sig, 4));
	tlen = get(buf + off + 4, 4);
	FUZZ_CHECK(tlen >= HDR_LEN && tlen <= len - off);
	FUZZ_CHECK_EQ(sum(buf + off, tlen), 0);
	FUZZ_CHECK(!((p->tables_gpa + off) % 8));
	return off;
}

/* An AML PkgLength at @p: returns the package's length, sets its size. */
static size_t pkglen(const uint8_t *p, size_t room, unsigned int *n)
{
	size_t v;

	FUZZ_CHECK(room >= 1);
	*n = 1 + (p[0] >> 6);
	FUZZ_CHECK(room >= *n);
	if (*n == 1)
		return p[0] & 0x3f;
	FUZZ_CHECK(!(p[0] & 0x30));
	v = p[0] & 0x0f;
	for (unsigned int i = 1; i < *n; i++)
		v |= (size_t)p[i] << (4 + 8 * (i - 1));
	return v;
}

/* \_S5 then one Scope (\_SB) that ends exactly where the DSDT ends. */
static void check_dsdt(const uint8_t *t, size_t tlen)
{
	size_t o = HDR_LEN, len;
	unsigned int n;

	FUZZ_CHECK(tlen > HDR_LEN + 7);
	FUZZ_CHECK(!memcmp(t + o, "\x08\\_S5_\x12", 7));
	o += 7;
	len = pkglen(t + o, tlen - o, &n);
	FUZZ_CHECK(len >= n && len <= tlen - o);
	o += len;
	FUZZ_CHECK(o < tlen && t[o] == 0x10);
	o++;
	len = pkglen(t + o, tlen - o, &n);
	FUZZ_CHECK_EQ(o + len, tlen);
}

static void check_tables(const struct acpi_platform *p, const uint8_t *buf,
			 size_t len)
{
	size_t xsdt, fadt = 0, madt = 0, mcfg = 0, dsdt, facs, tlen;
	unsigned int lapics = 0;

	FUZZ_CHECK(len >= 36);
	FUZZ_CHECK(!memcmp(buf, "RSD PTR ", 8));
	FUZZ_CHECK_EQ(sum(buf, 20), 0);
	FUZZ_CHECK_EQ(sum(buf, 36), 0);
	FUZZ_CHECK_EQ(buf[15], 2);
	FUZZ_CHECK_EQ(get(buf + 20, 4), 36);
	xsdt = table_at(p, buf, len, get(buf + 24, 8), "XSDT");
	tlen = get(buf + xsdt + 4, 4);
	FUZZ_CHECK_EQ(tlen, HDR_LEN + 3 * 8);
	for (int i = 0; i < 3; i++) {
		uint64_t gpa = get(buf + xsdt + HDR_LEN + 8 * i, 8);
		size_t off = gpa - p->tables_gpa;

		FUZZ_CHECK(off < len - 4);
		if (!memcmp(buf + off, "FACP", 4))
			fadt = table_at(p, buf, len, gpa, "FACP");
		else if (!memcmp(buf + off, "APIC", 4))
			madt = table_at(p, buf, len, gpa, "APIC");
		else
			mcfg = table_at(p, buf, len, gpa, "MCFG");
	}
	FUZZ_CHECK(fadt && madt && mcfg);

	/* FADT: the DSDT by X_DSDT, the FACS by exactly one pointer. */
	FUZZ_CHECK_EQ(get(buf + fadt + 4, 4), 276);
	dsdt = table_at(p, buf, len, get(buf + fadt + 140, 8), "DSDT");
	check_dsdt(buf + dsdt, get(buf + dsdt + 4, 4));
	FUZZ_CHECK(!get(buf + fadt + 36, 4) != !get(buf + fadt + 132, 8));
	facs = get(buf + fadt + 36, 4) ? get(buf + fadt + 36, 4) :
	       get(buf + fadt + 132, 8);
	facs -= p->tables_gpa;
	FUZZ_CHECK(facs < len && len - facs >= 64);
	FUZZ_CHECK(!memcmp(buf + facs, "FACS", 4));
	FUZZ_CHECK(!((p->tables_gpa + facs) % 64));
	FUZZ_CHECK_EQ(get(buf + fadt + 46, 2), p->sci_irq);

	/* MADT: a well-formed list of entries, one local APIC per CPU. */
	tlen = get(buf + madt + 4, 4);
	for (size_t o = HDR_LEN + 8; o < tlen; ) {
		uint8_t type = buf[madt + o], elen = buf[madt + o + 1];

		FUZZ_CHECK(elen >= 2 && o + elen <= tlen);
		if (!type)
			FUZZ_CHECK_EQ(buf[madt + o + 3], lapics++);
		o += elen;
	}
	FUZZ_CHECK_EQ(lapics, p->nr_cpus);
	FUZZ_CHECK_EQ(get(buf + mcfg + 44, 8), p->ecam_base);
}

static void check_pkglen(uint32_t content)
{
	uint8_t out[4];
	int n = acpi_aml_pkglen(out, content);
	unsigned int m;

	if (n < 0) {
		FUZZ_CHECK_EQ(n, -EINVAL);
		FUZZ_CHECK((uint64_t)content + 4 >= 1ULL << 28);
		return;
	}
	FUZZ_CHECK(n >= 1 && n <= 4);
	FUZZ_CHECK_EQ(pkglen(out, n, &m), (uint64_t)content + n);
	FUZZ_CHECK_EQ(m, n);
	/* The fewest bytes: one fewer could not hold it. */
	if (n == 2)
		FUZZ_CHECK((uint64_t)content + 1 > 0x3f);
	else if (n > 2)
		FUZZ_CHECK((uint64_t)content + n - 1 >=
			   1ULL << (4 + 8 * (n - 2)));
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acpi_platform p;
	struct fuzz_in in;
	size_t room;
	uint8_t *buf;
	int full, ret;

	fuzz_in_init(&in, data, size);
	read_platform(&in, &p);
	room = fuzz_u16(&in);
	check_pkglen(fuzz_u32(&in));

	full = acpi_build(&p, ref, sizeof(ref));
	FUZZ_CHECK(full == -EINVAL || (full > 0 && full <= BIG));
	if (full > 0)
		check_tables(&p, ref, full);

	buf = malloc(room ? room : 1);
	FUZZ_CHECK(buf);
	ret = acpi_build(&p, buf, room);
	/* Tables that would wrap are refused once built: -ENOSPC first. */
	if (full < 0)
		FUZZ_CHECK(ret == full ||
			   (ret == -ENOSPC && p.tables_gpa > UINT64_MAX - BIG));
	else if ((size_t)full > room)
		FUZZ_CHECK_EQ(ret, -ENOSPC);
	else
		FUZZ_CHECK(ret == full && !memcmp(buf, ref, full));
	free(buf);
	return 0;
}
