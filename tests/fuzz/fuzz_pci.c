// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's PCI bus (devices/pci.c): configuration mechanism #1, ECAM,
 * the host bridge and an emulated function described by struct pci_cfg.
 *
 * Input: a setup (the emulated function's slot, capabilities, BARs and
 * masks), then 8-byte operations: kind, width, offset (16 bits), value
 * (32 bits).
 *
 * Checks: the ops return 0, or -EINVAL exactly for the widths and
 * alignments they refuse; CONFIG_ADDRESS reads back as written less its
 * reserved bits; an absent function, another bus or a disabled address
 * reads all-ones and a write there changes nothing; a write changes only
 * writable bits and only clears write-1-to-clear ones; conf1 and ECAM
 * reach the same register; the capability list stays a list.
 */
#include <errno.h>

#include "devices/pci.h"
#include "tests/fuzz/fuzz.h"

enum op_kind {
	OP_CONF1_ADDR,
	OP_CONF1_READ,
	OP_CONF1_WRITE,
	OP_ECAM_READ,
	OP_ECAM_WRITE,
	OP_BUS_READ,
	OP_BUS_WRITE,
	OP_ADD,
	NR_OPS
};

struct harness {
	struct pci_bus bus;
	struct pci_host_bridge hb;
	struct pci_cfg fn;	/* the emulated function */
	struct pci_device fn_dev;
	struct pci_device extra[4];
	unsigned int nr_extra;
	struct pci_cfg before;
};

static struct harness h;

static uint32_t ones(uint32_t len)
{
	return len >= 4 ? 0xffffffff : (1u << (8 * len)) - 1;
}

static bool valid_len(uint32_t len)
{
	return len == 1 || len == 2 || len == 4;
}

/* Only writable bits change; write-1-to-clear bits only clear. */
static void check_cfg(const struct pci_cfg *now, const struct pci_cfg *was)
{
	for (int i = 0; i < PCI_CFG_SPACE_EXP_SIZE; i++) {
		uint8_t changed = now->data[i] ^ was->data[i];

		FUZZ_CHECK(!(changed & ~(now->wmask[i] | now->w1cmask[i])));
		FUZZ_CHECK(!(changed & now->w1cmask[i] & now->data[i]));
	}
	FUZZ_CHECK(!memcmp(now->wmask, was->wmask, sizeof(now->wmask)));
	FUZZ_CHECK(!memcmp(now->w1cmask, was->w1cmask, sizeof(now->w1cmask)));
}

/* What the read of @len bytes at @off of @devfn on bus 0 must return. */
static uint32_t expect(struct harness *s, uint8_t devfn, uint32_t off,
		       uint32_t len)
{
	struct pci_device *dev = pci_bus_get(&s->bus, devfn);
	uint32_t v = 0;

	if (!dev || off >= PCI_CFG_SPACE_EXP_SIZE || (off & 3) + len > 4)
		return ones(len);
	/* Our functions are plain pci_cfg: bytes are independent. */
	for (uint32_t i = 0; i < len; i++)
		v |= pci_cfg_read(dev->opaque, off + i, 1) << (8 * i);
	return v;
}

static void conf1_access(struct harness *s, bool write, uint32_t port,
			 uint32_t len, uint32_t val)
{
	uint32_t a = s->bus.conf1_addr, reg, v;
	uint8_t buf[8];
	bool to_dev;
	int ret;

	memset(buf, 0x5a, sizeof(buf));
	le_put(buf, 4, val);
	ret = write ? pci_conf1_ops.write(&s->bus, port, buf, len) :
		pci_conf1_ops.read(&s->bus, port, buf, len);
	if (port < 4) {
		FUZZ_CHECK_EQ(ret, 0);
		if (write && port == 0 && len == 4)
			FUZZ_CHECK_EQ(s->bus.conf1_addr, val & 0x8ffffffc);
		else
			FUZZ_CHECK_EQ(s->bus.conf1_addr, a);
		if (!write)
			FUZZ_CHECK_EQ(le_get(buf, len), port == 0 && len == 4 ?
				      a : ones(len));
		return;
	}
	if (!valid_len(len) || port - 4 + len > 4) {
		FUZZ_CHECK_EQ(ret, -EINVAL);
		return;
	}
	FUZZ_CHECK_EQ(ret, 0);
	to_dev = (a & 0x80000000) && !((a >> 16) & 0xff);
	reg = (a & 0xfc) | ((a >> 16) & 0xf00);
	if (write || !to_dev) {
		if (!write)
			FUZZ_CHECK_EQ(le_get(buf, len), ones(len));
		return;
	}
	v = expect(s, a >> 8, reg + port - 4, len);
	FUZZ_CHECK_EQ(le_get(buf, len), v);
}

static bool ecam_ok(uint64_t off, uint32_t len)
{
	if (len == 8)
		return !(off & 7);
	return valid_len(len) && (off & 3) + len <= 4;
}

static void ecam_access(struct harness *s, bool write, uint64_t off,
			uint32_t len, uint32_t val)
{
	uint8_t buf[8];
	int ret;

	le_put(buf, 4, val);
	le_put(buf + 4, 4, val ^ 0xffffffff);
	ret = write ? pci_ecam_ops.write(&s->bus, off, buf, len) :
		pci_ecam_ops.read(&s->bus, off, buf, len);
	if (!ecam_ok(off, len)) {
		FUZZ_CHECK_EQ(ret, -EINVAL);
		return;
	}
	FUZZ_CHECK_EQ(ret, 0);
	if (write)
		return;
	for (uint32_t i = 0; i < len; i += 4) {
		uint32_t n = len < 4 ? len : 4;
		uint64_t o = off + i;
		uint32_t want = o >> 20 ? ones(n) :
			expect(s, o >> 12, o & 0xfff, n);

		FUZZ_CHECK_EQ(le_get(buf + i, n), want);
	}
}

static void cfg_access(struct harness *s, bool write, uint8_t devfn,
		       uint32_t off, uint32_t len, uint32_t val)
{
	uint32_t v;

	if (write) {
		pci_bus_cfg_write(&s->bus, devfn, off, val, len);
		return;
	}
	v = pci_bus_cfg_read(&s->bus, devfn, off, len);
	if (!valid_len(len))
		return;
	FUZZ_CHECK_EQ(v, expect(s, devfn, off, len));
}

/* The capability list: in the standard space, acyclic, dword-aligned. */
static void check_caps(const struct pci_cfg *c)
{
	uint32_t ptr = c->data[PCI_CAPABILITY_LIST];
	int n = 0;

	FUZZ_CHECK(c->cap_free <= PCI_CFG_SPACE_SIZE);
	while (ptr) {
		FUZZ_CHECK(ptr >= PCI_STD_HEADER_SIZEOF &&
			   ptr < PCI_CFG_SPACE_SIZE && !(ptr & 3));
		FUZZ_CHECK(++n <= 48);
		ptr = c->data[ptr + PCI_CAP_LIST_NEXT];
	}
}

/* The capability list of a device is read-only, whatever else is not. */
static void lock_caps(struct pci_cfg *c)
{
	uint32_t ptr = c->data[PCI_CAPABILITY_LIST];

	c->wmask[PCI_CAPABILITY_LIST] = 0;
	c->w1cmask[PCI_CAPABILITY_LIST] = 0;
	for (int n = 0; ptr && n < 48; n++) {
		memset(&c->wmask[ptr], 0, 2);
		memset(&c->w1cmask[ptr], 0, 2);
		ptr = c->data[ptr + PCI_CAP_LIST_NEXT];
	}
}

static void setup(struct harness *s, struct fuzz_in *in)
{
	uint8_t slot = fuzz_u8(in), nr_caps = fuzz_u8(in) % 8;

	pci_bus_init(&s->bus);
	FUZZ_CHECK(!pci_host_bridge_init(&s->hb));
	FUZZ_CHECK(!pci_bus_add(&s->bus, &s->hb.dev, 0));
	pci_cfg_init(&s->fn, fuzz_u16(in), fuzz_u16(in), fuzz_u32(in),
		     fuzz_u8(in));
	for (int i = 0; i < nr_caps; i++) {
		uint8_t id = fuzz_u8(in), len = fuzz_u8(in);
		int off = pci_cfg_add_cap(&s->fn, id, len);

		FUZZ_CHECK(off == -EINVAL || off == -ENOSPC ||
			   (off >= PCI_STD_HEADER_SIZEOF && !(off & 3) &&
			    off + len <= PCI_CFG_SPACE_SIZE));
		FUZZ_CHECK(off != -EINVAL || len < 2);
		check_caps(&s->fn);
	}
	/* BARs of a power-of-two size, and a few writable registers. */
	for (int i = 0; i < 6; i++) {
		uint8_t shift = fuzz_u8(in) % 33;

		if (shift >= 4)
			pci_cfg_set_wmask(&s->fn, PCI_BASE_ADDRESS_0 + 4 * i,
					  (uint32_t)(~0ULL << shift), 4);
	}
	for (int i = 0; i < 4; i++) {
		uint16_t off = fuzz_u16(in);
		uint32_t mask = fuzz_u32(in);

		/* A byte is writable or write-1-to-clear, not both. */
		if (off & 0x8000)
			pci_cfg_set_w1cmask(&s->fn, off & 0xfff, mask,
					    1 << (off >> 13 & 3));
		else
			pci_cfg_set_wmask(&s->fn, off & 0xfff, mask,
					  1 << (off >> 13 & 3));
	}
	for (int i = 0; i < PCI_CFG_SPACE_EXP_SIZE; i++)
		s->fn.wmask[i] &= ~s->fn.w1cmask[i];
	lock_caps(&s->fn);
	pci_cfg_set16(&s->fn, PCI_STATUS, 0xffff);
	s->fn_dev = (struct pci_device) {
		.ops = &pci_cfg_dev_ops, .opaque = &s->fn, .name = "fn",
	};
	/* At a devfn of the input's choice, or the first free slot. */
	if (slot % 2) {
		FUZZ_CHECK_EQ(pci_bus_add(&s->bus, &s->fn_dev, -1), 0);
	} else if (pci_bus_add(&s->bus, &s->fn_dev, slot >> 1)) {
		/* Only 00:00.0, the host bridge's, is taken. */
		FUZZ_CHECK_EQ(slot >> 1, 0);
		FUZZ_CHECK_EQ(pci_bus_add(&s->bus, &s->fn_dev, -1), 0);
	}
	FUZZ_CHECK(pci_bus_get(&s->bus, s->fn_dev.devfn) == &s->fn_dev);
	FUZZ_CHECK_EQ(pci_bus_add(&s->bus, &s->fn_dev, -1), -EBUSY);
}

static void add_device(struct harness *s, int devfn)
{
	struct pci_device *d;
	int ret, expect_ret;

	if (s->nr_extra == ARRAY_SIZE(s->extra))
		return;
	d = &s->extra[s->nr_extra];
	*d = (struct pci_device) { .ops = &pci_cfg_dev_ops,
				   .opaque = &s->hb.cfg, .name = "extra" };
	if (devfn < -1 || devfn >= PCI_NR_DEVFN)
		expect_ret = -EINVAL;
	else if (devfn >= 0 && pci_bus_get(&s->bus, devfn))
		expect_ret = -EBUSY;
	else
		expect_ret = 0;
	ret = pci_bus_add(&s->bus, d, devfn);
	if (devfn == -1 && ret == -ENOSPC)
		return;
	FUZZ_CHECK_EQ(ret, expect_ret);
	if (ret)
		return;
	FUZZ_CHECK(pci_bus_get(&s->bus, d->devfn) == d);
	if (devfn == -1)
		FUZZ_CHECK(!(d->devfn & 7));
	s->nr_extra++;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t lens[8] = { 1, 2, 4, 4, 8, 3, 0, 1 };
	struct harness *s = &h;
	struct fuzz_in in;

	memset(s, 0, sizeof(*s));
	fuzz_in_init(&in, data, size);
	setup(s, &in);
	while (!fuzz_done(&in)) {
		uint8_t kind = fuzz_u8(&in) % NR_OPS, w = fuzz_u8(&in);
		uint16_t off = fuzz_u16(&in);
		uint32_t val = fuzz_u32(&in), len = lens[w & 7];
		/* ECAM: bus 0 mostly, slots 0-3; sometimes anywhere. */
		uint64_t ecam = w & 0x80 ? (uint64_t)val << 4 | (off & 0xf) :
				(uint64_t)(w >> 3 & 3) << 15 | (off & 0x7fff);

		memcpy(&s->before, &s->fn, sizeof(s->before));
		switch (kind) {
		case OP_CONF1_ADDR:
			conf1_access(s, true, 0, 4, val);
			break;
		case OP_CONF1_READ:
			conf1_access(s, false, off % 8, len, val);
			break;
		case OP_CONF1_WRITE:
			conf1_access(s, true, off % 8, len, val);
			break;
		case OP_ECAM_READ:
			ecam_access(s, false, ecam, len, val);
			break;
		case OP_ECAM_WRITE:
			ecam_access(s, true, ecam, len, val);
			break;
		case OP_BUS_READ:
			cfg_access(s, false, w, off % 0x1100, len, val);
			break;
		case OP_BUS_WRITE:
			cfg_access(s, true, w, off % 0x1100, len, val);
			break;
		case OP_ADD:
			add_device(s, (int)(int16_t)off % 300);
			break;
		}
		check_cfg(&s->fn, &s->before);
		check_caps(&s->fn);
		check_caps(&s->hb.cfg);
	}
	return 0;
}
