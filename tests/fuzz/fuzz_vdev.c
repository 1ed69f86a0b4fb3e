// SPDX-License-Identifier: GPL-2.0
/*
 * Config-space virtualization of a passed-through PCI function
 * (passthrough/vdev.c), against a fake VFIO device, driven as a hostile
 * guest and a broken device could drive it: through the vdev's config
 * ops directly and through the guest's PCI bus (ECAM), the MSI-X table
 * and PBA, BAR placement, and a device that changes its own registers
 * or stops answering.
 *
 * Input:
 *   1 byte	FAKE_* flags
 *   7 x 2	BAR info as VFIO reports it (BAR0-5, ROM): flags, log2 size
 *   256	the device's config space, then 64 bytes at 0x100
 *   8 each	operations: kind, size, offset (16 bits), value (32 bits)
 *
 * Checks after every operation: bits that are not guest-writable never
 * change (IDs, header, capability chain, BAR type bits, the hidden ROM);
 * BARs stay aligned to their size and are decoded only where the command
 * register allows, and the VMM's view (from the bar_moved hook) matches;
 * every change of MSI, MSI-X and INTx state reached the VMM through its
 * hook; writes reach the device only at the command, status and PMCSR
 * registers; accesses return 0 or -EINVAL exactly as specified, bad ones
 * change nothing, and reads through the bus match direct reads.
 */
#include <errno.h>

#include "passthrough/vdev.h"
#include "tests/fuzz/fuzz.h"

#define FAKE_EXT		0x01	/* 4096 bytes of config readable */
#define FAKE_FAIL_INIT_EXT	0x02	/* the 4096-byte read fails */

#define ECAM_DEVFN		PCI_DEVFN(1, 0)
#define DEV_EXT_SEEDED		64

enum op_kind {
	OP_CFG_READ,
	OP_CFG_WRITE,
	OP_ECAM_READ,
	OP_ECAM_WRITE,
	OP_TABLE_READ,
	OP_TABLE_WRITE,
	OP_PBA_READ,
	OP_PLACE_BAR,
	OP_DEV_POKE,
	OP_PENDING,
	OP_FAULTS,
	OP_VECTOR,
	NR_OPS
};

struct fake_dev {
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];
	bool ext_ok;
	bool fail_read, fail_write;
	bool fail_init_ext;
};

/* What the VMM was told through the hooks. */
struct told {
	uint64_t bar_gpa[VDEV_NR_BARS];
	bool msix_enabled, msix_fmask;
	struct msix_entry entries[VDEV_MSIX_MAX];
	struct vdev_msi msi;
	bool intx_disabled;
};

struct state {
	struct vdev d;
	struct fake_dev dev;
	struct told told;
	struct pci_bus bus;
	struct pci_host_bridge hb;
	/* Taken after vdev_init(). */
	uint8_t cfg0[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t wmask0[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t passthru0[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t before[PCI_CFG_SPACE_EXP_SIZE];
};

static struct state st;
static const uint8_t zeros[PCI_CFG_SPACE_EXP_SIZE];

static uint32_t ones(uint32_t len)
{
	return len >= 4 ? 0xffffffff : (1u << (8 * len)) - 1;
}

/* The fake device behind struct vdev_io. */

static int fake_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	struct fake_dev *f = ctx;
	uint32_t size = f->ext_ok ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE;

	if (f->fail_read || off >= size || len > size - off)
		return -EIO;
	if (f->fail_init_ext && len == PCI_CFG_SPACE_EXP_SIZE)
		return -EIO;
	memcpy(buf, &f->cfg[off], len);
	return len;
}

/* Guest writes reach the device at the command, status and PMCSR only. */
static int fake_write(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
	struct fake_dev *f = ctx;
	const uint16_t rw1c = PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
			      PCI_STATUS_REC_TARGET_ABORT |
			      PCI_STATUS_REC_MASTER_ABORT |
			      PCI_STATUS_SIG_SYSTEM_ERROR |
			      PCI_STATUS_DETECTED_PARITY;
	uint32_t v = le_get(buf, len);

	FUZZ_CHECK_EQ(len, 2);
	if (off == PCI_STATUS) {
		FUZZ_CHECK(!(v & ~rw1c));
	} else if (off != PCI_COMMAND) {
		FUZZ_CHECK(st.d.pm_cap);
		FUZZ_CHECK_EQ(off, st.d.pm_cap + PCI_PM_CTRL);
	}
	if (f->fail_write)
		return -EIO;
	if (off == PCI_STATUS)
		le_put(&f->cfg[off], 2, le_get(&f->cfg[off], 2) & ~v);
	else
		le_put(&f->cfg[off], 2, v);
	return len;
}

/* The hooks: the VMM's side, checked against the vdev as it is told. */

static void hook_bar_moved(void *ctx, int bar, uint64_t old_gpa,
			   uint64_t new_gpa)
{
	struct state *s = ctx;

	FUZZ_CHECK(bar >= 0 && bar < VDEV_NR_BARS);
	FUZZ_CHECK(s->d.bars[bar].info.size);
	FUZZ_CHECK_EQ(old_gpa, s->told.bar_gpa[bar]);
	FUZZ_CHECK(new_gpa != old_gpa);
	FUZZ_CHECK_EQ(new_gpa, s->d.bars[bar].mapped_gpa);
	s->told.bar_gpa[bar] = new_gpa;
}

static void hook_msix_changed(void *ctx, int vector)
{
	struct state *s = ctx;
	const struct vdev_msix *x = &s->d.msix;

	FUZZ_CHECK(x->cap);
	FUZZ_CHECK(vector >= -1 && vector < (int)x->tab.nr);
	if (vector < 0) {
		s->told.msix_enabled = x->tab.enabled;
		s->told.msix_fmask = x->tab.fmask;
	} else {
		s->told.entries[vector] = x->entries[vector];
	}
}

static void hook_msi_changed(void *ctx)
{
	struct state *s = ctx;

	FUZZ_CHECK(s->d.msi.cap);
	s->told.msi = s->d.msi;
}

static void hook_intx_changed(void *ctx, bool disabled)
{
	struct state *s = ctx;

	FUZZ_CHECK(disabled != s->told.intx_disabled);
	FUZZ_CHECK_EQ(disabled, !!(s->d.command & PCI_COMMAND_INTX_DISABLE));
	s->told.intx_disabled = disabled;
}

/* Setup */

static void read_bars(struct fuzz_in *in, struct vdev_bar_info *bars)
{
	for (int i = 0; i <= VDEV_NR_BARS; i++) {
		uint8_t flags = fuzz_u8(in), shift = fuzz_u8(in) % 66;

		bars[i] = (struct vdev_bar_info) {
			.is_io = flags & 1,
			.is_64 = flags & 2,
			.prefetch = flags & 4,
		};
		if (!shift)
			continue;
		if (shift == 65)
			bars[i].size = UINT64_MAX;
		else
			bars[i].size = (1ULL << (shift - 1)) + (flags >> 3);
	}
}

/* The guest-visible capability chain is short, sane and ours. */
static void check_caps(const struct vdev *d)
{
	uint64_t used[4] = { 0 };
	bool seen[256] = { false };
	uint32_t ptr = d->cfg[PCI_CAPABILITY_LIST];
	int n = 0;

	FUZZ_CHECK_EQ(!!ptr, !!(d->cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST));
	FUZZ_CHECK(!(d->passthru[PCI_STATUS] & PCI_STATUS_CAP_LIST));
	while (ptr) {
		uint8_t id = d->cfg[ptr + PCI_CAP_LIST_ID];
		uint32_t len;

		FUZZ_CHECK(ptr >= PCI_STD_HEADER_SIZEOF && !(ptr & 3));
		FUZZ_CHECK(++n <= 4);
		FUZZ_CHECK(!seen[id]);
		seen[id] = true;
		switch (id) {
		case PCI_CAP_ID_PM:
			FUZZ_CHECK_EQ(ptr, d->pm_cap);
			len = PCI_PM_SIZEOF;
			break;
		case PCI_CAP_ID_EXP:
			FUZZ_CHECK_EQ(ptr, d->exp_cap);
			len = d->exp_len;
			FUZZ_CHECK(len >= 4);
			break;
		case PCI_CAP_ID_MSI:
			FUZZ_CHECK_EQ(ptr, d->msi.cap);
			len = d->msi.maskable ? 10 + 4 * d->msi.is_64 + 10 :
				10 + 4 * d->msi.is_64;
			break;
		case PCI_CAP_ID_MSIX:
			FUZZ_CHECK_EQ(ptr, d->msix.cap);
			len = PCI_CAP_MSIX_SIZEOF;
			break;
		default:
			FUZZ_CHECK(!"a hidden capability is shown");
			return;
		}
		FUZZ_CHECK(ptr + len <= PCI_CFG_SPACE_SIZE);
		/* No two shown capabilities share a byte. */
		for (uint32_t b = ptr; b < ptr + len; b++) {
			FUZZ_CHECK(!(used[b / 64] & (1ULL << (b % 64))));
			used[b / 64] |= 1ULL << (b % 64);
		}
		/* The header of each is ours, never the device's. */
		FUZZ_CHECK(!d->passthru[ptr] && !d->passthru[ptr + 1]);
		FUZZ_CHECK(!d->wmask[ptr] && !d->wmask[ptr + 1]);
		ptr = d->cfg[ptr + PCI_CAP_LIST_NEXT];
	}
	FUZZ_CHECK(!d->pm_cap || seen[PCI_CAP_ID_PM]);
	FUZZ_CHECK(!d->exp_cap || seen[PCI_CAP_ID_EXP]);
	FUZZ_CHECK(!d->msi.cap || seen[PCI_CAP_ID_MSI]);
	FUZZ_CHECK(!d->msix.cap || seen[PCI_CAP_ID_MSIX]);
}

/* Right after vdev_init(): the BARs and header as the guest first sees them. */
static void check_init(const struct vdev *d)
{
	for (int i = 0; i < VDEV_NR_BARS; i++) {
		const struct vdev_bar *b = &d->bars[i];
		uint32_t reg = le_get(&d->cfg[PCI_BASE_ADDRESS_0 + 4 * i], 4);

		FUZZ_CHECK_EQ(b->mapped_gpa, VDEV_UNMAPPED);
		if (!b->info.size)
			continue;
		FUZZ_CHECK(!(b->info.size & (b->info.size - 1)));
		if (b->info.is_io) {
			FUZZ_CHECK(b->info.size >= 4 && b->info.size <= 0x10000);
			FUZZ_CHECK_EQ(reg, PCI_BASE_ADDRESS_SPACE_IO);
		} else {
			FUZZ_CHECK(b->info.size >= 16);
			FUZZ_CHECK(b->info.is_64 ||
				   b->info.size <= (1ULL << 32));
			FUZZ_CHECK_EQ(reg & 0xf,
				      (b->info.is_64 ? 4u : 0u) |
				      (b->info.prefetch ? 8u : 0u));
		}
		if (b->info.is_64) {
			FUZZ_CHECK(i < VDEV_NR_BARS - 1);
			FUZZ_CHECK(!d->bars[i + 1].info.size);
			i++;
		}
	}
	/* The option ROM is hidden, the function is single, type 0. */
	FUZZ_CHECK(!memcmp(&d->cfg[PCI_ROM_ADDRESS], zeros, 4));
	FUZZ_CHECK(!memcmp(&d->wmask[PCI_ROM_ADDRESS], zeros, 4));
	FUZZ_CHECK_EQ(d->cfg[PCI_HEADER_TYPE], PCI_HEADER_TYPE_NORMAL);
	FUZZ_CHECK(d->cfg[PCI_INTERRUPT_PIN] <= 4);
	check_caps(d);
}

/* The state after every operation. */

static void check_bars(const struct state *s)
{
	const struct vdev *d = &s->d;

	for (int i = 0; i < VDEV_NR_BARS; i++) {
		const struct vdev_bar *b = &d->bars[i];
		uint32_t reg = PCI_BASE_ADDRESS_0 + 4 * i;
		uint64_t size = b->info.size, gpa;
		uint16_t decode;

		FUZZ_CHECK_EQ(b->mapped_gpa, s->told.bar_gpa[i]);
		if (!size) {
			FUZZ_CHECK_EQ(b->mapped_gpa, VDEV_UNMAPPED);
			continue;
		}
		gpa = le_get(&d->cfg[reg], 4) &
		      (b->info.is_io ? ~3u : ~0xfu);
		if (b->info.is_64)
			gpa |= (uint64_t)le_get(&d->cfg[reg + 4], 4) << 32;
		FUZZ_CHECK_EQ(b->gpa, gpa);
		/* Aligned to its size, or all-ones while it is sized. */
		FUZZ_CHECK(!(gpa & (size - 1)));
		if (b->mapped_gpa == VDEV_UNMAPPED)
			continue;
		decode = b->info.is_io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
		FUZZ_CHECK(d->command & decode);
		FUZZ_CHECK_EQ(b->mapped_gpa, gpa);
		FUZZ_CHECK(gpa);
		FUZZ_CHECK(gpa + size - 1 > gpa);
		if (b->info.is_io)
			FUZZ_CHECK(gpa + size <= 0x10000);
	}
}

static void check_msi(const struct state *s)
{
	const struct vdev_msi *m = &s->d.msi, *t = &s->told.msi;
	const uint8_t *cfg = s->d.cfg;
	uint16_t flags;
	uint32_t mmc;

	if (!m->cap)
		return;
	flags = le_get(&cfg[m->cap + PCI_MSI_FLAGS], 2);
	mmc = (flags & PCI_MSI_FLAGS_QMASK) >> 1;
	FUZZ_CHECK(mmc <= 5);
	FUZZ_CHECK(m->nr_log2 <= mmc);
	FUZZ_CHECK_EQ(m->nr_log2, (flags & PCI_MSI_FLAGS_QSIZE) >> 4);
	FUZZ_CHECK_EQ(m->enabled, !!(flags & PCI_MSI_FLAGS_ENABLE));
	FUZZ_CHECK(!(m->mask & ~(uint32_t)((1ULL << (1u << mmc)) - 1)));
	FUZZ_CHECK(m->maskable || !m->mask);
	FUZZ_CHECK(!(m->addr & 3));
	FUZZ_CHECK(m->is_64 || !(m->addr >> 32));
	/* The VMM knows the state the guest programmed. */
	FUZZ_CHECK_EQ(t->enabled, m->enabled);
	FUZZ_CHECK_EQ(t->nr_log2, m->nr_log2);
	FUZZ_CHECK_EQ(t->addr, m->addr);
	FUZZ_CHECK_EQ(t->data, m->data);
	FUZZ_CHECK_EQ(t->mask, m->mask);
}

static void check_msix(const struct state *s)
{
	const struct vdev *d = &s->d;
	const struct vdev_msix *x = &d->msix;
	uint16_t flags;

	if (!x->cap) {
		FUZZ_CHECK(!x->tab.enabled);
		return;
	}
	FUZZ_CHECK(x->tab.nr >= 1 && x->tab.nr <= VDEV_MSIX_MAX);
	FUZZ_CHECK(x->table_bar < VDEV_NR_BARS && x->pba_bar < VDEV_NR_BARS);
	FUZZ_CHECK(!d->bars[x->table_bar].info.is_io);
	FUZZ_CHECK((uint64_t)x->table_off + x->tab.nr * 16ULL <=
		   d->bars[x->table_bar].info.size);
	FUZZ_CHECK((uint64_t)x->pba_off + (x->tab.nr + 63) / 64 * 8 <=
		   d->bars[x->pba_bar].info.size);
	flags = le_get(&d->cfg[x->cap + PCI_MSIX_FLAGS], 2);
	FUZZ_CHECK_EQ(x->tab.enabled, !!(flags & PCI_MSIX_FLAGS_ENABLE));
	FUZZ_CHECK_EQ(x->tab.fmask, !!(flags & PCI_MSIX_FLAGS_MASKALL));
	FUZZ_CHECK_EQ((flags & PCI_MSIX_FLAGS_QSIZE) + 1u, x->tab.nr);
	FUZZ_CHECK_EQ(s->told.msix_enabled, x->tab.enabled);
	FUZZ_CHECK_EQ(s->told.msix_fmask, x->tab.fmask);
	for (unsigned int v = 0; v < x->tab.nr; v++) {
		FUZZ_CHECK(!(x->entries[v].ctrl & ~PCI_MSIX_ENTRY_CTRL_MASKBIT));
		FUZZ_CHECK(!memcmp(&s->told.entries[v], &x->entries[v],
				   sizeof(x->entries[v])));
	}
	/* No pending bit past the last vector. */
	for (unsigned int w = 0; w < VDEV_MSIX_MAX / 64; w++) {
		uint64_t valid = 0;

		if (x->tab.nr >= (w + 1) * 64)
			valid = ~0ULL;
		else if (x->tab.nr > w * 64)
			valid = (1ULL << (x->tab.nr - w * 64)) - 1;
		FUZZ_CHECK(!(x->pending[w] & ~valid));
	}
}

static void check_state(const struct state *s)
{
	const struct vdev *d = &s->d;

	/* Read-only bits stay as vdev_init() left them. */
	for (int i = 0; i < PCI_CFG_SPACE_SIZE; i++)
		FUZZ_CHECK_EQ(d->cfg[i] & ~d->wmask[i],
			      s->cfg0[i] & ~s->wmask0[i]);
	FUZZ_CHECK(!memcmp(d->wmask, s->wmask0, sizeof(d->wmask)));
	FUZZ_CHECK(!memcmp(d->passthru, s->passthru0, sizeof(d->passthru)));
	FUZZ_CHECK(!memcmp(&d->cfg[PCI_CFG_SPACE_SIZE], zeros,
			   PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE));
	FUZZ_CHECK_EQ(d->command, le_get(&d->cfg[PCI_COMMAND], 2));
	FUZZ_CHECK_EQ(s->told.intx_disabled,
		      !!(d->command & PCI_COMMAND_INTX_DISABLE));
	check_bars(s);
	check_msi(s);
	check_msix(s);
}

/* Operations */

static const uint32_t cfg_lens[] = { 1, 2, 4, 3, 8, 0 };
static const uint32_t mmio_lens[] = { 4, 8, 1, 2, 16, 3 };

static bool cfg_access_ok(uint32_t off, uint32_t len)
{
	return (len == 1 || len == 2 || len == 4) && !(off & (len - 1)) &&
	       off < PCI_CFG_SPACE_EXP_SIZE;
}

static void op_cfg_read(struct state *s, uint32_t off, uint32_t len)
{
	struct vdev *d = &s->d;
	uint32_t v = vdev_pci_ops.cfg_read(&d->pdev, off, len);

	if (!cfg_access_ok(off, len) || d->broken) {
		FUZZ_CHECK_EQ(v, ones(len));
		return;
	}
	if (off >= PCI_CFG_SPACE_SIZE) {
		FUZZ_CHECK_EQ(v, 0);
		return;
	}
	FUZZ_CHECK(!(v & ~ones(len)));
	for (uint32_t i = 0; i < len; i++) {
		uint8_t b = v >> (8 * i);

		/* Emulated bits read as the vdev holds them. */
		if (v != ones(len))
			FUZZ_CHECK_EQ(b & ~d->passthru[off + i],
				      d->cfg[off + i] & ~d->passthru[off + i]);
	}
}

static void op_cfg_write(struct state *s, uint32_t off, uint32_t len,
			 uint32_t val)
{
	struct vdev *d = &s->d;
	bool ok = cfg_access_ok(off, len) && !d->broken &&
		  off < PCI_CFG_SPACE_SIZE;

	memcpy(s->before, d->cfg, sizeof(s->before));
	vdev_pci_ops.cfg_write(&d->pdev, off, val, len);
	for (uint32_t i = 0; i < PCI_CFG_SPACE_EXP_SIZE; i++) {
		bool inside = ok && i >= off && i < off + len;
		uint8_t changed = d->cfg[i] ^ s->before[i];

		if (!changed)
			continue;
		/* A write changes only its own writable bits. */
		FUZZ_CHECK(inside || (d->msi.cap &&
				      i == d->msi.cap + PCI_MSI_FLAGS));
		FUZZ_CHECK(!(changed & ~d->wmask[i]));
	}
}

static bool ecam_ok(uint64_t off, uint32_t len)
{
	if (len == 8)
		return !(off & 7);
	return (len == 1 || len == 2 || len == 4) && (off & 3) + len <= 4;
}

/*
 * ECAM reads of the vdev match its direct byte reads (unless the device
 * fails reads: then a wider access reads all-ones, emulated bytes too).
 */
static void op_ecam_read(struct state *s, uint64_t off, uint32_t len)
{
	uint8_t buf[8], want[8];
	uint32_t devfn = (off >> 12) & 0xff;
	int ret;

	memset(buf, 0x5a, sizeof(buf));
	ret = pci_ecam_ops.read(&s->bus, off, buf, len);
	if (!ecam_ok(off, len)) {
		FUZZ_CHECK_EQ(ret, -EINVAL);
		return;
	}
	FUZZ_CHECK_EQ(ret, 0);
	for (uint32_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		if ((o >> 20) || !pci_bus_get(&s->bus, devfn))
			want[i] = 0xff;
		else if (devfn == ECAM_DEVFN && !s->dev.fail_read)
			want[i] = vdev_pci_ops.cfg_read(&s->d.pdev,
							o & 0xfff, 1);
		else	/* the host bridge; a failing device reads ones */
			want[i] = buf[i];
	}
	FUZZ_CHECK(!memcmp(buf, want, len));
}

static void op_ecam_write(struct state *s, uint64_t off, uint32_t len,
			  uint32_t val)
{
	uint8_t buf[8];
	int ret;

	le_put(buf, 4, val);
	le_put(buf + 4, 4, ~val);
	ret = pci_ecam_ops.write(&s->bus, off, buf, len);
	FUZZ_CHECK_EQ(ret, ecam_ok(off, len) ? 0 : -EINVAL);
}

static bool msix_ok(const struct vdev *d, uint64_t off, uint32_t len,
		    uint64_t size)
{
	return d->msix.cap && (len == 4 || len == 8) && !(off & (len - 1)) &&
	       off + len <= size;
}

static void op_table_read(struct state *s, uint64_t off, uint32_t len)
{
	struct vdev *d = &s->d;
	uint8_t buf[16];
	int ret;

	memset(buf, 0x5a, sizeof(buf));
	ret = vdev_msix_table_read(d, off, buf, len);
	if (d->broken) {
		FUZZ_CHECK_EQ(ret, 0);
		for (uint32_t i = 0; i < len; i++)
			FUZZ_CHECK_EQ(buf[i], 0xff);
		return;
	}
	if (!msix_ok(d, off, len, d->msix.tab.nr * 16ULL)) {
		FUZZ_CHECK_EQ(ret, -EINVAL);
		for (uint32_t i = 0; i < len; i++)
			FUZZ_CHECK_EQ(buf[i], 0);
		return;
	}
	FUZZ_CHECK_EQ(ret, 0);
	for (uint32_t i = 0; i < len; i += 4) {
		const struct msix_entry *e = &d->msix.entries[off / 16];
		uint32_t w = le_get(buf + i, 4), want;

		switch ((off + i) % 16 / 4) {
		case 0:
			want = e->addr;
			break;
		case 1:
			want = e->addr >> 32;
			break;
		case 2:
			want = e->data;
			break;
		default:
			want = e->ctrl;
			break;
		}
		FUZZ_CHECK_EQ(w, want);
	}
	if (len < sizeof(buf))
		FUZZ_CHECK_EQ(buf[len], 0x5a);
}

static void op_table_write(struct state *s, uint64_t off, uint32_t len,
			   uint32_t val)
{
	struct vdev *d = &s->d;
	bool ok = !d->broken && msix_ok(d, off, len, d->msix.tab.nr * 16ULL);
	const struct msix_entry *e;
	uint32_t w[4] = { 0 };
	uint8_t buf[16];
	int ret;

	for (uint32_t i = 0; i < sizeof(buf); i += 4)
		le_put(buf + i, 4, val * (i + 1));
	if (ok) {
		e = &d->msix.entries[off / 16];
		w[0] = e->addr;
		w[1] = e->addr >> 32;
		w[2] = e->data;
		w[3] = e->ctrl;
	}
	ret = vdev_msix_table_write(d, off, buf, len);
	FUZZ_CHECK_EQ(ret, ok || d->broken ? 0 : -EINVAL);
	if (!ok)
		return;
	/* The dwords written change, the rest of the entry does not. */
	for (uint32_t i = 0; i < len; i += 4)
		w[(off + i) % 16 / 4] = le_get(buf + i, 4);
	FUZZ_CHECK_EQ(e->addr, w[0] | (uint64_t)w[1] << 32);
	FUZZ_CHECK_EQ(e->data, w[2]);
	FUZZ_CHECK_EQ(e->ctrl, w[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void op_pba_read(struct state *s, uint64_t off, uint32_t len)
{
	struct vdev *d = &s->d;
	uint32_t pba = (d->msix.tab.nr + 63) / 64 * 8;
	uint8_t buf[16];
	int ret;

	ret = vdev_msix_pba_read(d, off, buf, len);
	if (d->broken) {
		FUZZ_CHECK_EQ(ret, 0);
		return;
	}
	if (!msix_ok(d, off, len, pba)) {
		FUZZ_CHECK_EQ(ret, -EINVAL);
		for (uint32_t i = 0; i < len; i++)
			FUZZ_CHECK_EQ(buf[i], 0);
		return;
	}
	FUZZ_CHECK_EQ(ret, 0);
	/* No bit past the last vector. */
	for (uint32_t i = 0; i < len * 8; i++) {
		uint64_t v = off * 8 + i;

		if (buf[i / 8] & (1u << (i % 8)))
			FUZZ_CHECK(v < d->msix.tab.nr);
	}
}

static void op_pending(struct state *s, uint32_t val)
{
	struct vdev *d = &s->d;
	unsigned int v = (val >> 1) % (VDEV_MSIX_MAX + 64);
	bool was;

	if (val & 1) {
		vdev_msix_set_pending(d, v);
		return;
	}
	was = v < VDEV_MSIX_MAX &&
	      (d->msix.pending[v / 64] & (1ULL << (v % 64)));
	FUZZ_CHECK_EQ(vdev_msix_take_pending(d, v), was);
	if (v < VDEV_MSIX_MAX)
		FUZZ_CHECK(!(d->msix.pending[v / 64] & (1ULL << (v % 64))));
}

static void op_vector(struct state *s, uint32_t val)
{
	const struct vdev *d = &s->d;
	unsigned int v = val % (VDEV_MSIX_MAX + 64);
	uint64_t addr = 1;
	uint32_t data = 1;
	bool live = vdev_msix_vector(d, v, &addr, &data);

	if (!d->msix.cap || v >= d->msix.tab.nr) {
		FUZZ_CHECK(!live);
		FUZZ_CHECK(addr == 1 && data == 1);
		return;
	}
	FUZZ_CHECK_EQ(live, d->msix.tab.enabled && !d->msix.tab.fmask &&
		      !(d->msix.entries[v].ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT));
	FUZZ_CHECK_EQ(addr, d->msix.entries[v].addr);
	FUZZ_CHECK_EQ(data, d->msix.entries[v].data);
}

static void run_op(struct state *s, struct fuzz_in *in)
{
	uint8_t kind = fuzz_u8(in) % NR_OPS, size = fuzz_u8(in);
	uint16_t off = fuzz_u16(in);
	uint32_t val = fuzz_u32(in);
	uint32_t clen = cfg_lens[size % ARRAY_SIZE(cfg_lens)];
	uint32_t mlen = mmio_lens[size % ARRAY_SIZE(mmio_lens)];
	/* ECAM: bus 0 or 1, the host bridge, the vdev or an empty slot. */
	static const uint8_t devfns[] = { 0, ECAM_DEVFN, ECAM_DEVFN + 1 };
	uint64_t ecam = ((uint64_t)((size >> 3) & 1) << 20) |
			(devfns[(size >> 4) % 3] << 12) | (off & 0xfff);

	switch (kind) {
	case OP_CFG_READ:
		op_cfg_read(s, off % (PCI_CFG_SPACE_EXP_SIZE + 256), clen);
		break;
	case OP_CFG_WRITE:
		op_cfg_write(s, off % (PCI_CFG_SPACE_EXP_SIZE + 256), clen,
			     val);
		break;
	case OP_ECAM_READ:
		op_ecam_read(s, ecam, clen == 3 ? 8 : clen);
		break;
	case OP_ECAM_WRITE:
		op_ecam_write(s, ecam, clen == 3 ? 8 : clen, val);
		break;
	case OP_TABLE_READ:
		op_table_read(s, off, mlen);
		break;
	case OP_TABLE_WRITE:
		op_table_write(s, off, mlen == 16 ? 8 : mlen, val);
		break;
	case OP_PBA_READ:
		op_pba_read(s, off, mlen);
		break;
	case OP_PLACE_BAR:
		vdev_place_bar(&s->d, (int)(size % 8) - 1,
			       (uint64_t)off << 32 | val);
		break;
	case OP_DEV_POKE:
		/* The device changes its own registers under the guest. */
		s->dev.cfg[(off + (size << 16)) % PCI_CFG_SPACE_EXP_SIZE] = val;
		break;
	case OP_PENDING:
		op_pending(s, val);
		break;
	case OP_FAULTS:
		s->dev.fail_read = val & 1;
		s->dev.fail_write = val & 2;
		s->d.broken = val & 4;
		break;
	case OP_VECTOR:
		op_vector(s, val);
		break;
	}
	check_state(s);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vdev_bar_info bars[VDEV_NR_BARS + 1];
	struct state *s = &st;
	struct vdev_io io = {
		.cfg_read = fake_read, .cfg_write = fake_write, .ctx = &s->dev,
	};
	struct vdev_hooks hooks = {
		.bar_moved = hook_bar_moved,
		.msix_changed = hook_msix_changed,
		.msi_changed = hook_msi_changed,
		.intx_changed = hook_intx_changed,
		.ctx = s,
	};
	struct fuzz_in in;
	uint8_t flags;
	char err[128];
	int ret;

	memset(s, 0, sizeof(*s));
	fuzz_in_init(&in, data, size);
	flags = fuzz_u8(&in);
	s->dev.ext_ok = flags & FAKE_EXT;
	s->dev.fail_init_ext = flags & FAKE_FAIL_INIT_EXT;
	read_bars(&in, bars);
	fuzz_bytes(&in, s->dev.cfg, PCI_CFG_SPACE_SIZE);
	fuzz_bytes(&in, &s->dev.cfg[PCI_CFG_SPACE_SIZE], DEV_EXT_SEEDED);

	err[0] = 0;
	ret = vdev_init(&s->d, "fuzz", &io, &hooks, bars, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -EIO ||
		   ret == -ENOTSUP);
	if (ret) {
		FUZZ_CHECK(err[0]);
		return 0;
	}
	s->dev.fail_init_ext = false;
	for (int i = 0; i < VDEV_NR_BARS; i++)
		s->told.bar_gpa[i] = VDEV_UNMAPPED;
	memcpy(s->told.entries, s->d.msix.entries, sizeof(s->told.entries));
	s->told.msi = s->d.msi;
	memcpy(s->cfg0, s->d.cfg, sizeof(s->cfg0));
	memcpy(s->wmask0, s->d.wmask, sizeof(s->wmask0));
	memcpy(s->passthru0, s->d.passthru, sizeof(s->passthru0));
	check_init(&s->d);
	check_state(s);

	pci_bus_init(&s->bus);
	FUZZ_CHECK(!pci_host_bridge_init(&s->hb));
	FUZZ_CHECK(!pci_bus_add(&s->bus, &s->hb.dev, 0));
	FUZZ_CHECK(!pci_bus_add(&s->bus, &s->d.pdev, ECAM_DEVFN));

	while (!fuzz_done(&in))
		run_op(s, &in);
	return 0;
}
