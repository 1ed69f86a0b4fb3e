// SPDX-License-Identifier: GPL-2.0
/*
 * Config space virtualization of a passed-through PCI function.
 *
 * The guest's view is kept in d->cfg. Bits set in d->wmask are emulated
 * and guest-writable; bits set in d->passthru are read live from the device
 * at each access (the status register, the power management and PCI Express
 * capabilities). Everything else is a snapshot taken by vdev_init() or is
 * computed here (BARs, MSI, MSI-X message control). Guest writes reach the
 * device only through the few handlers below: the command register, the
 * RW1C bits of the status register and the power management control
 * register.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "passthrough/vdev.h"
#include "vmm/log.h"

#define VDEV_CAP_TTL		48	/* as the kernel's PCI_FIND_CAP_TTL */
#define VDEV_IO_LIMIT		0x10000ULL

/* Command bits the guest owns and that are mirrored to the device. */
#define VDEV_CMD_FWD	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY |		\
			 PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |	\
			 PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
#define VDEV_STATUS_RW1C (PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
			  PCI_STATUS_REC_TARGET_ABORT |			\
			  PCI_STATUS_REC_MASTER_ABORT |			\
			  PCI_STATUS_SIG_SYSTEM_ERROR |			\
			  PCI_STATUS_DETECTED_PARITY)
#define VDEV_PMCSR_FWD	(PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_STATUS)

struct vdev_cap {
	uint8_t off;
	uint8_t id;
	uint8_t len;		/* bytes shown; 0: hidden */
};

static uint32_t cfg_get(const struct vdev *d, uint32_t off, uint32_t len)
{
	return le_get(&d->cfg[off], len);
}

static void cfg_set(struct vdev *d, uint32_t off, uint32_t val, uint32_t len)
{
	le_put(&d->cfg[off], len, val);
}

static void wmask_set(struct vdev *d, uint32_t off, uint32_t mask,
		      uint32_t len)
{
	le_put(&d->wmask[off], len, mask);
}

static bool overlaps(uint32_t off, uint32_t len, uint32_t reg, uint32_t rlen)
{
	return off < reg + rlen && reg < off + len;
}

/*
 * The part of a guest access (@off, @val, @len) that falls in register
 * (@reg, @rlen): its bytes in place, and in *@bm a mask of those bytes.
 */
static uint32_t access_part(uint32_t off, uint32_t val, uint32_t len,
			    uint32_t reg, uint32_t rlen, uint32_t *bm)
{
	uint32_t v = 0, m = 0;

	for (uint32_t i = 0; i < rlen; i++) {
		uint32_t b = reg + i;

		if (b < off || b >= off + len)
			continue;
		v |= ((val >> (8 * (b - off))) & 0xff) << (8 * i);
		m |= 0xffu << (8 * i);
	}
	*bm = m;
	return v;
}

static int dev_read(struct vdev *d, uint32_t off, void *buf, uint32_t len)
{
	int r = d->io.cfg_read ? d->io.cfg_read(d->io.ctx, off, buf, len) :
		-ENODEV;

	if (r < 0)
		pr_ratelimited(LOG_WARN, "%s: config read at 0x%x (%u bytes) failed: %s",
			       d->name, off, len, strerror(-r));
	return r < 0 ? r : 0;
}

static int dev_write(struct vdev *d, uint32_t off, uint32_t val,
		     uint32_t len)
{
	uint8_t buf[4];
	int r;

	le_put(buf, len, val);
	r = d->io.cfg_write ? d->io.cfg_write(d->io.ctx, off, buf, len) :
		-ENODEV;
	if (r < 0)
		pr_ratelimited(LOG_WARN, "%s: config write at 0x%x (%u bytes) failed: %s",
			       d->name, off, len, strerror(-r));
	return r < 0 ? r : 0;
}

/* BARs */

static uint32_t bar_reg(int bar)
{
	return PCI_BASE_ADDRESS_0 + 4 * bar;
}

static uint64_t bar_addr(const struct vdev *d, int bar)
{
	const struct vdev_bar *b = &d->bars[bar];
	uint32_t reg = bar_reg(bar);
	uint64_t lo = cfg_get(d, reg, 4);

	if (b->info.is_io)
		return lo & PCI_BASE_ADDRESS_IO_MASK & 0xffffffffULL;
	lo &= PCI_BASE_ADDRESS_MEM_MASK & 0xffffffffULL;
	if (b->info.is_64)
		lo |= (uint64_t)cfg_get(d, reg + 4, 4) << 32;
	return lo;
}

/* Whether the guest left all-ones in a dword of the BAR (sizing it). */
static bool bar_sizing(const struct vdev *d, int bar)
{
	int n = d->bars[bar].info.is_64 ? 2 : 1;

	for (int i = 0; i < n; i++) {
		uint32_t reg = bar_reg(bar) + 4 * i;
		uint32_t wm = le_get(&d->wmask[reg], 4);

		if (wm && (cfg_get(d, reg, 4) & wm) == wm)
			return true;
	}
	return false;
}

/* Where BAR @bar should be decoded now. */
static uint64_t bar_target(const struct vdev *d, int bar)
{
	const struct vdev_bar *b = &d->bars[bar];
	uint16_t decode = b->info.is_io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	uint64_t gpa = b->gpa;

	if (!b->info.size || !(d->command & decode))
		return VDEV_UNMAPPED;
	if (!gpa || bar_sizing(d, bar))
		return VDEV_UNMAPPED;
	if (gpa + b->info.size - 1 < gpa)
		return VDEV_UNMAPPED;
	if (b->info.is_io && gpa + b->info.size > VDEV_IO_LIMIT)
		return VDEV_UNMAPPED;
	return gpa;
}

/* Recompute every BAR's address and decoding; tell the VMM what moved. */
static void bars_update(struct vdev *d)
{
	for (int i = 0; i < VDEV_NR_BARS; i++) {
		struct vdev_bar *b = &d->bars[i];
		uint64_t old, target;

		if (!b->info.size)
			continue;
		b->gpa = bar_addr(d, i);
		target = bar_target(d, i);
		if (target == b->mapped_gpa)
			continue;
		old = b->mapped_gpa;
		b->mapped_gpa = target;
		if (d->hooks.bar_moved)
			d->hooks.bar_moved(d->hooks.ctx, i, old, target);
	}
}

static uint64_t roundup_pow2(uint64_t v)
{
	uint64_t p = 1;

	while (p && p < v)
		p <<= 1;
	return p;
}

/* Error reporting for vdev_init(). */
__printf(4, 5)
static int init_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int init_bars(struct vdev *d, const struct vdev_bar_info *bars,
		     char *err, size_t errlen)
{
	for (int i = 0; i < VDEV_NR_BARS; i++) {
		struct vdev_bar_info info = bars[i];
		uint32_t reg = bar_reg(i), flags;
		uint64_t mask;

		d->bars[i].mapped_gpa = VDEV_UNMAPPED;
		if (!info.size)
			continue;
		if (info.is_io) {
			info.is_64 = false;
			info.prefetch = false;
			if (info.size > VDEV_IO_LIMIT)
				return init_fail(err, errlen, -EINVAL,
						 "I/O BAR%d is too large (0x%llx bytes)",
						 i, (unsigned long long)info.size);
			info.size = roundup_pow2(info.size < 4 ? 4 : info.size);
			flags = PCI_BASE_ADDRESS_SPACE_IO;
		} else {
			if (info.is_64 && i == VDEV_NR_BARS - 1)
				return init_fail(err, errlen, -EINVAL,
						 "BAR5 claims to be 64-bit");
			if (!info.is_64 && info.size > (1ULL << 32))
				return init_fail(err, errlen, -EINVAL,
						 "32-bit BAR%d is too large (0x%llx bytes)",
						 i, (unsigned long long)info.size);
			if (info.size > (1ULL << 63))
				return init_fail(err, errlen, -EINVAL,
						 "BAR%d is too large", i);
			info.size = roundup_pow2(info.size < 16 ? 16 :
						 info.size);
			flags = info.is_64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0;
			if (info.prefetch)
				flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
		}
		mask = ~(info.size - 1);
		d->bars[i].info = info;
		cfg_set(d, reg, flags, 4);
		wmask_set(d, reg, (uint32_t)mask & ~(info.is_io ? 3u : 0xfu),
			  4);
		if (info.is_64) {
			/* The upper half: no BAR of its own. */
			i++;
			d->bars[i].mapped_gpa = VDEV_UNMAPPED;
			wmask_set(d, bar_reg(i), mask >> 32, 4);
		}
	}
	return 0;
}

/* Capabilities */

static uint32_t msi_cap_len(bool is_64, bool maskable)
{
	if (maskable)
		return is_64 ? PCI_MSI_PENDING_64 + 4 : PCI_MSI_PENDING_32 + 4;
	return is_64 ? PCI_MSI_DATA_64 + 2 : PCI_MSI_DATA_32 + 2;
}

static uint32_t msi_data_off(const struct vdev_msi *m)
{
	return m->cap + (m->is_64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32);
}

static uint32_t msi_mask_off(const struct vdev_msi *m)
{
	return m->cap + (m->is_64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
}

static uint32_t exp_cap_len(const uint8_t *raw, uint32_t off)
{
	uint16_t flags = le_get(&raw[off + PCI_EXP_FLAGS], 2);
	uint32_t type = (flags & PCI_EXP_FLAGS_TYPE) >> 4;

	if ((flags & PCI_EXP_FLAGS_VERS) <= 1)
		return type == PCI_EXP_TYPE_RC_END ?
			PCI_CAP_EXP_RC_ENDPOINT_SIZEOF_V1 :
			PCI_CAP_EXP_ENDPOINT_SIZEOF_V1;
	return PCI_EXP_SLTSTA2 + 2;
}

/* Walk the device's chain; a loop or a wild pointer ends it. */
static int walk_caps(struct vdev *d, const uint8_t *raw,
		     struct vdev_cap *caps)
{
	uint64_t seen = 0;
	uint32_t ptr;
	int n = 0;

	if (!(le_get(&raw[PCI_STATUS], 2) & PCI_STATUS_CAP_LIST))
		return 0;
	ptr = raw[PCI_CAPABILITY_LIST] & ~3u;
	while (ptr) {
		if (n == VDEV_CAP_TTL) {
			pr_warn("%s: capability list longer than %d entries, cut short",
				d->name, VDEV_CAP_TTL);
			break;
		}
		if (ptr < PCI_STD_HEADER_SIZEOF) {
			pr_warn("%s: capability pointer 0x%02x points into the header, list cut short",
				d->name, ptr);
			break;
		}
		if (seen & (1ULL << (ptr / 4))) {
			pr_warn("%s: capability list loops at 0x%02x, cut short",
				d->name, ptr);
			break;
		}
		seen |= 1ULL << (ptr / 4);
		if (raw[ptr + PCI_CAP_LIST_ID] == 0xff) {
			pr_warn("%s: capability ID 0xff at 0x%02x, list cut short",
				d->name, ptr);
			break;
		}
		caps[n].off = ptr;
		caps[n].id = raw[ptr + PCI_CAP_LIST_ID];
		caps[n].len = 0;
		n++;
		ptr = raw[ptr + PCI_CAP_LIST_NEXT] & ~3u;
	}
	return n;
}

/* The length of the capability @c if it is one we show, else 0. */
static uint32_t cap_shown_len(const uint8_t *raw, const struct vdev_cap *c)
{
	uint16_t flags = le_get(&raw[c->off + 2], 2);

	switch (c->id) {
	case PCI_CAP_ID_PM:
		return PCI_PM_SIZEOF;
	case PCI_CAP_ID_MSI:
		return msi_cap_len(flags & PCI_MSI_FLAGS_64BIT,
				   flags & PCI_MSI_FLAGS_MASKBIT);
	case PCI_CAP_ID_MSIX:
		return PCI_CAP_MSIX_SIZEOF;
	case PCI_CAP_ID_EXP:
		return exp_cap_len(raw, c->off);
	default:
		return 0;
	}
}

/* Decide which capabilities are shown and how many bytes of each. */
static void filter_caps(struct vdev *d, const uint8_t *raw,
			struct vdev_cap *caps, int n)
{
	bool have[256] = { false };

	for (int i = 0; i < n; i++) {
		struct vdev_cap *c = &caps[i];
		uint32_t len = cap_shown_len(raw, c);
		/* It must end before the next capability and within 256. */
		uint32_t end = PCI_CFG_SPACE_SIZE;

		if (!len) {
			pr_debug("%s: hiding capability 0x%02x at 0x%02x",
				 d->name, c->id, c->off);
			continue;
		}
		if (have[c->id]) {
			pr_warn("%s: second capability 0x%02x at 0x%02x hidden",
				d->name, c->id, c->off);
			continue;
		}
		for (int j = 0; j < n; j++)
			if (caps[j].off > c->off && caps[j].off < end)
				end = caps[j].off;
		if (c->off + len > end) {
			if (c->id != PCI_CAP_ID_EXP || end - c->off < 4) {
				pr_warn("%s: capability 0x%02x at 0x%02x overlaps the next one, hidden",
					d->name, c->id, c->off);
				continue;
			}
			len = end - c->off;
		}
		c->len = len;
		have[c->id] = true;
	}
}

static void init_pm(struct vdev *d, uint32_t off, uint32_t len)
{
	d->pm_cap = off;
	memset(&d->passthru[off + 2], 0xff, len - 2);
}

static void init_exp(struct vdev *d, uint32_t off, uint32_t len)
{
	d->exp_cap = off;
	d->exp_len = len;
	memset(&d->passthru[off + 2], 0xff, len - 2);
}

static void init_msi(struct vdev *d, const uint8_t *raw, uint32_t off)
{
	struct vdev_msi *m = &d->msi;
	uint16_t flags = le_get(&raw[off + PCI_MSI_FLAGS], 2);
	uint32_t mmc = (flags & PCI_MSI_FLAGS_QMASK) >> 1;

	if (mmc > 5) {
		mmc = 5;
		flags = (flags & ~PCI_MSI_FLAGS_QMASK) | (mmc << 1);
	}
	m->cap = off;
	m->is_64 = flags & PCI_MSI_FLAGS_64BIT;
	m->maskable = flags & PCI_MSI_FLAGS_MASKBIT;
	cfg_set(d, off + PCI_MSI_FLAGS, flags & (PCI_MSI_FLAGS_QMASK |
		PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT), 2);
	wmask_set(d, off + PCI_MSI_FLAGS,
		  PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 2);
	wmask_set(d, off + PCI_MSI_ADDRESS_LO, 0xfffffffc, 4);
	if (m->is_64)
		wmask_set(d, off + PCI_MSI_ADDRESS_HI, 0xffffffff, 4);
	wmask_set(d, msi_data_off(m), 0xffff, 2);
	if (m->maskable)
		wmask_set(d, msi_mask_off(m),
			  (uint32_t)((1ULL << (1u << mmc)) - 1), 4);
}

static int init_msix(struct vdev *d, const uint8_t *raw, uint32_t off)
{
	struct vdev_msix *x = &d->msix;
	uint16_t flags = le_get(&raw[off + PCI_MSIX_FLAGS], 2);
	uint32_t table = le_get(&raw[off + PCI_MSIX_TABLE], 4);
	uint32_t pba = le_get(&raw[off + PCI_MSIX_PBA], 4);
	uint32_t nr = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	uint32_t tbir = table & PCI_MSIX_TABLE_BIR;
	uint32_t pbir = pba & PCI_MSIX_PBA_BIR;
	uint64_t toff = table & PCI_MSIX_TABLE_OFFSET;
	uint64_t poff = pba & PCI_MSIX_PBA_OFFSET;

	if (tbir >= VDEV_NR_BARS || !d->bars[tbir].info.size ||
	    d->bars[tbir].info.is_io ||
	    toff + nr * PCI_MSIX_ENTRY_SIZE > d->bars[tbir].info.size) {
		pr_warn("%s: MSI-X table (BAR%u, 0x%llx, %u vectors) is not inside a memory BAR, MSI-X hidden",
			d->name, tbir, (unsigned long long)toff, nr);
		return -EINVAL;
	}
	if (pbir >= VDEV_NR_BARS || !d->bars[pbir].info.size ||
	    d->bars[pbir].info.is_io ||
	    poff + MSIX_PBA_SIZE(nr) > d->bars[pbir].info.size) {
		pr_warn("%s: MSI-X PBA (BAR%u, 0x%llx) is not inside a memory BAR, MSI-X hidden",
			d->name, pbir, (unsigned long long)poff);
		return -EINVAL;
	}
	if (msix_table_init(&x->tab, x->entries, x->pending, nr))
		return -EINVAL;
	x->cap = off;
	x->table_bar = tbir;
	x->table_off = toff;
	x->pba_bar = pbir;
	x->pba_off = poff;
	/* Past the table too, so that nothing there reads as live. */
	for (uint32_t i = nr; i < VDEV_MSIX_MAX; i++)
		x->entries[i].ctrl = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	cfg_set(d, off + PCI_MSIX_FLAGS, flags & PCI_MSIX_FLAGS_QSIZE, 2);
	wmask_set(d, off + PCI_MSIX_FLAGS,
		  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
	cfg_set(d, off + PCI_MSIX_TABLE, table, 4);
	cfg_set(d, off + PCI_MSIX_PBA, pba, 4);
	return 0;
}

static void init_caps(struct vdev *d, const uint8_t *raw)
{
	struct vdev_cap caps[VDEV_CAP_TTL];
	uint32_t first = 0, prev = 0;
	int n = walk_caps(d, raw, caps);

	filter_caps(d, raw, caps, n);
	for (int i = 0; i < n; i++) {
		struct vdev_cap *c = &caps[i];

		if (!c->len)
			continue;
		switch (c->id) {
		case PCI_CAP_ID_PM:
			init_pm(d, c->off, c->len);
			break;
		case PCI_CAP_ID_EXP:
			init_exp(d, c->off, c->len);
			break;
		case PCI_CAP_ID_MSI:
			init_msi(d, raw, c->off);
			break;
		case PCI_CAP_ID_MSIX:
			if (init_msix(d, raw, c->off) < 0)
				continue;
			break;
		}
		d->cfg[c->off + PCI_CAP_LIST_ID] = c->id;
		if (prev)
			d->cfg[prev + PCI_CAP_LIST_NEXT] = c->off;
		else
			first = c->off;
		prev = c->off;
	}
	d->cfg[PCI_CAPABILITY_LIST] = first;
	if (first)
		d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
}

/* Extended capabilities are all hidden; say which at debug level. */
static void log_ext_caps(struct vdev *d, const uint8_t *raw)
{
	uint32_t ptr = PCI_CFG_SPACE_SIZE;

	for (int n = 0; n < (PCI_CFG_SPACE_EXP_SIZE -
			     PCI_CFG_SPACE_SIZE) / 8; n++) {
		uint32_t hdr = le_get(&raw[ptr], 4);

		if (!hdr || hdr == 0xffffffff)
			break;
		pr_debug("%s: hiding extended capability 0x%04x at 0x%03x",
			 d->name, PCI_EXT_CAP_ID(hdr), ptr);
		ptr = PCI_EXT_CAP_NEXT(hdr);
		if (ptr < PCI_CFG_SPACE_SIZE || ptr > PCI_CFG_SPACE_EXP_SIZE - 4)
			break;
	}
}

int vdev_init(struct vdev *d, const char *name, const struct vdev_io *io,
	      const struct vdev_hooks *hooks,
	      const struct vdev_bar_info bars[VDEV_NR_BARS + 1],
	      char *err, size_t errlen)
{
	uint8_t raw[PCI_CFG_SPACE_EXP_SIZE];
	uint16_t vendor;
	uint8_t htype, pin;
	int r;

	if (!d || !io || !io->cfg_read || !bars)
		return init_fail(err, errlen, -EINVAL, "bad arguments");
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name ? name : "vdev");
	d->io = *io;
	if (hooks)
		d->hooks = *hooks;
	d->pdev.ops = &vdev_pci_ops;
	d->pdev.opaque = d;
	d->pdev.name = d->name;

	memset(raw, 0, sizeof(raw));
	if (io->cfg_read(io->ctx, 0, raw, PCI_CFG_SPACE_EXP_SIZE) < 0) {
		memset(raw, 0, sizeof(raw));
		r = io->cfg_read(io->ctx, 0, raw, PCI_CFG_SPACE_SIZE);
		if (r < 0)
			return init_fail(err, errlen, r,
					 "cannot read the config space: %s",
					 strerror(-r));
	}
	vendor = le_get(&raw[PCI_VENDOR_ID], 2);
	if (vendor == 0xffff || vendor == 0)
		return init_fail(err, errlen, -EIO,
				 "the device does not answer config reads (vendor ID 0x%04x)",
				 vendor);
	htype = raw[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK;
	if (htype != PCI_HEADER_TYPE_NORMAL)
		return init_fail(err, errlen, -ENOTSUP,
				 "header type %u (a bridge?): only type 0 functions can be passed through",
				 htype);
	r = init_bars(d, bars, err, errlen);
	if (r < 0)
		return r;

	/* IDs, class, revision, subsystem: read-only snapshots. */
	memcpy(&d->cfg[PCI_VENDOR_ID], &raw[PCI_VENDOR_ID], 4);
	memcpy(&d->cfg[PCI_CLASS_REVISION], &raw[PCI_CLASS_REVISION], 4);
	d->cfg[PCI_HEADER_TYPE] = htype;	/* single-function */
	memcpy(&d->cfg[PCI_SUBSYSTEM_VENDOR_ID],
	       &raw[PCI_SUBSYSTEM_VENDOR_ID], 4);
	pin = raw[PCI_INTERRUPT_PIN];
	if (pin > 4) {
		pr_warn("%s: bad interrupt pin %u, shown as none", d->name, pin);
		pin = 0;
	}
	d->cfg[PCI_INTERRUPT_PIN] = pin;
	d->cfg[PCI_MIN_GNT] = raw[PCI_MIN_GNT];
	d->cfg[PCI_MAX_LAT] = raw[PCI_MAX_LAT];

	/* Emulated, guest-writable bytes. */
	d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	d->wmask[PCI_LATENCY_TIMER] = 0xff;
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	wmask_set(d, PCI_COMMAND, VDEV_CMD_FWD, 2);

	/* Status: live, except the capability list bit. */
	d->passthru[PCI_STATUS] = 0xff & ~PCI_STATUS_CAP_LIST;
	d->passthru[PCI_STATUS + 1] = 0xff;

	init_caps(d, raw);
	log_ext_caps(d, raw);
	return 0;
}

void vdev_place_bar(struct vdev *d, int bar, uint64_t gpa)
{
	uint32_t reg, wm;

	if (!d || bar < 0 || bar >= VDEV_NR_BARS || !d->bars[bar].info.size)
		return;
	reg = bar_reg(bar);
	wm = le_get(&d->wmask[reg], 4);
	cfg_set(d, reg, (cfg_get(d, reg, 4) & ~wm) | ((uint32_t)gpa & wm), 4);
	if (d->bars[bar].info.is_64) {
		wm = le_get(&d->wmask[reg + 4], 4);
		cfg_set(d, reg + 4, (uint32_t)(gpa >> 32) & wm, 4);
	}
	/* Decode is off at reset: normally no hook is called. */
	bars_update(d);
}

/* Guest config writes with side effects */

static void write_command(struct vdev *d)
{
	uint16_t old = d->command, cmd = cfg_get(d, PCI_COMMAND, 2);
	uint8_t buf[2];

	d->command = cmd;
	if (!dev_read(d, PCI_COMMAND, buf, 2)) {
		uint16_t cur = le_get(buf, 2);

		dev_write(d, PCI_COMMAND, (cur & ~VDEV_CMD_FWD) |
			  (cmd & VDEV_CMD_FWD), 2);
	}
	bars_update(d);
	if (((old ^ cmd) & PCI_COMMAND_INTX_DISABLE) && d->hooks.intx_changed)
		d->hooks.intx_changed(d->hooks.ctx,
				      cmd & PCI_COMMAND_INTX_DISABLE);
}

static void write_status(struct vdev *d, uint32_t off, uint32_t val,
			 uint32_t len)
{
	uint32_t bm, v = access_part(off, val, len, PCI_STATUS, 2, &bm);

	if (v & VDEV_STATUS_RW1C)
		dev_write(d, PCI_STATUS, v & VDEV_STATUS_RW1C, 2);
}

static void write_pmcsr(struct vdev *d, uint32_t off, uint32_t val,
			uint32_t len)
{
	uint32_t reg = d->pm_cap + PCI_PM_CTRL, bm, v, fwd;
	uint8_t buf[2];
	uint16_t cur;

	v = access_part(off, val, len, reg, 2, &bm);
	fwd = VDEV_PMCSR_FWD & bm;
	if (!fwd || dev_read(d, reg, buf, 2))
		return;
	cur = le_get(buf, 2);
	/* Keep the rest, without writing back a set PME status. */
	dev_write(d, reg, (cur & ~(fwd | PCI_PM_CTRL_PME_STATUS)) | (v & fwd),
		  2);
}

static void msi_update(struct vdev *d)
{
	struct vdev_msi *m = &d->msi, old = *m;
	uint16_t flags = cfg_get(d, m->cap + PCI_MSI_FLAGS, 2);
	uint32_t mmc = (flags & PCI_MSI_FLAGS_QMASK) >> 1;
	uint32_t mme = (flags & PCI_MSI_FLAGS_QSIZE) >> 4;

	if (mme > mmc) {
		mme = mmc;
		flags = (flags & ~PCI_MSI_FLAGS_QSIZE) | (mme << 4);
		cfg_set(d, m->cap + PCI_MSI_FLAGS, flags, 2);
	}
	m->enabled = flags & PCI_MSI_FLAGS_ENABLE;
	m->nr_log2 = mme;
	m->addr = cfg_get(d, m->cap + PCI_MSI_ADDRESS_LO, 4);
	if (m->is_64)
		m->addr |= (uint64_t)cfg_get(d, m->cap + PCI_MSI_ADDRESS_HI,
					     4) << 32;
	m->data = cfg_get(d, msi_data_off(m), 2);
	m->mask = m->maskable ? cfg_get(d, msi_mask_off(m), 4) : 0;
	if (old.enabled == m->enabled && old.nr_log2 == m->nr_log2 &&
	    old.addr == m->addr && old.data == m->data &&
	    old.mask == m->mask)
		return;
	if (d->hooks.msi_changed)
		d->hooks.msi_changed(d->hooks.ctx);
}

static void msix_ctrl_update(struct vdev *d)
{
	struct vdev_msix *x = &d->msix;

	if (msix_set_control(&x->tab, cfg_get(d, x->cap + PCI_MSIX_FLAGS, 2)) &&
	    d->hooks.msix_changed)
		d->hooks.msix_changed(d->hooks.ctx, -1);
}

static bool access_ok(struct vdev *d, uint32_t off, uint32_t len)
{
	if ((len == 1 || len == 2 || len == 4) && !(off & (len - 1)) &&
	    off < PCI_CFG_SPACE_EXP_SIZE)
		return true;
	pr_ratelimited(LOG_WARN, "%s: bad config access at 0x%x (%u bytes)",
		       d ? d->name : "vdev", off, len);
	return false;
}

static uint32_t vdev_cfg_read(struct pci_device *pdev, uint32_t off,
			      uint32_t len)
{
	struct vdev *d = pdev ? pdev->opaque : NULL;
	uint32_t ones = len >= 4 ? 0xffffffff : (1u << (8 * len)) - 1;
	uint8_t buf[4] = { 0 };
	bool live = false;
	uint32_t val = 0;

	if (!d || !access_ok(d, off, len) || d->broken)
		return ones;
	if (off >= PCI_CFG_SPACE_SIZE)
		return 0;	/* no extended capabilities shown */
	for (uint32_t i = 0; i < len; i++)
		live |= d->passthru[off + i] != 0;
	if (live && dev_read(d, off, buf, len))
		return ones;
	for (uint32_t i = 0; i < len; i++) {
		uint8_t pt = d->passthru[off + i];
		uint8_t b = (d->cfg[off + i] & ~pt) | (buf[i] & pt);

		val |= (uint32_t)b << (8 * i);
	}
	return val;
}

static void vdev_cfg_write(struct pci_device *pdev, uint32_t off,
			   uint32_t val, uint32_t len)
{
	struct vdev *d = pdev ? pdev->opaque : NULL;
	bool handled = false;

	if (!d || !access_ok(d, off, len) || d->broken)
		return;
	if (off >= PCI_CFG_SPACE_SIZE) {
		pr_ratelimited(LOG_DEBUG, "%s: write to extended config 0x%03x dropped",
			       d->name, off);
		return;
	}
	for (uint32_t i = 0; i < len; i++) {
		uint8_t wm = d->wmask[off + i], b = val >> (8 * i);

		d->cfg[off + i] = (d->cfg[off + i] & ~wm) | (b & wm);
		handled |= wm != 0;
	}
	if (overlaps(off, len, PCI_COMMAND, 2))
		write_command(d);
	if (overlaps(off, len, PCI_STATUS, 2)) {
		write_status(d, off, val, len);
		handled = true;
	}
	if (overlaps(off, len, PCI_BASE_ADDRESS_0, 4 * VDEV_NR_BARS))
		bars_update(d);
	if (d->pm_cap && overlaps(off, len, d->pm_cap + PCI_PM_CTRL, 2)) {
		write_pmcsr(d, off, val, len);
		handled = true;
	}
	if (d->msi.cap && overlaps(off, len, d->msi.cap,
				   msi_cap_len(d->msi.is_64,
					       d->msi.maskable)))
		msi_update(d);
	if (d->msix.cap && overlaps(off, len, d->msix.cap + PCI_MSIX_FLAGS, 2))
		msix_ctrl_update(d);
	if (d->exp_cap && overlaps(off, len, d->exp_cap, d->exp_len)) {
		pr_ratelimited(LOG_DEBUG, "%s: write to PCIe capability at 0x%02x dropped",
			       d->name, off);
		handled = true;
	}
	if (!handled)
		pr_ratelimited(LOG_DEBUG, "%s: write to read-only config 0x%02x (%u bytes) dropped",
			       d->name, off, len);
}

const struct pci_device_ops vdev_pci_ops = {
	.cfg_read = vdev_cfg_read,
	.cfg_write = vdev_cfg_write,
};

/* MSI-X table and PBA: devices/msix.c, and a broken device reads all-ones */

int vdev_msix_table_read(struct vdev *d, uint64_t off, void *data,
			 uint32_t len)
{
	int ret;

	if (!d || !data)
		return -EINVAL;
	if (d->broken) {
		memset(data, 0xff, len);
		return 0;
	}
	ret = d->msix.cap ? msix_table_read(&d->msix.tab, off, data, len) :
	      -EINVAL;
	if (ret) {
		memset(data, 0, len);
		pr_ratelimited(LOG_WARN, "%s: bad MSI-X table read at 0x%llx (%u bytes)",
			       d->name, (unsigned long long)off, len);
	}
	return ret;
}

int vdev_msix_table_write(struct vdev *d, uint64_t off, const void *data,
			  uint32_t len)
{
	bool changed = false;
	int ret;

	if (!d || !data)
		return -EINVAL;
	if (d->broken)
		return 0;
	ret = d->msix.cap ? msix_table_write(&d->msix.tab, off, data, len,
					     &changed) : -EINVAL;
	if (ret)
		pr_ratelimited(LOG_WARN, "%s: bad MSI-X table write at 0x%llx (%u bytes) dropped",
			       d->name, (unsigned long long)off, len);
	else if (changed && d->hooks.msix_changed)
		d->hooks.msix_changed(d->hooks.ctx,
				      off / PCI_MSIX_ENTRY_SIZE);
	return ret;
}

int vdev_msix_pba_read(struct vdev *d, uint64_t off, void *data,
		       uint32_t len)
{
	int ret;

	if (!d || !data)
		return -EINVAL;
	if (d->broken) {
		memset(data, 0xff, len);
		return 0;
	}
	ret = d->msix.cap ? msix_pba_read(&d->msix.tab, off, data, len) :
	      -EINVAL;
	if (ret) {
		memset(data, 0, len);
		pr_ratelimited(LOG_WARN, "%s: bad MSI-X PBA read at 0x%llx (%u bytes)",
			       d->name, (unsigned long long)off, len);
	}
	return ret;
}

bool vdev_msix_vector(const struct vdev *d, unsigned int v, uint64_t *addr,
		      uint32_t *data)
{
	return d && d->msix.cap && msix_vector(&d->msix.tab, v, addr, data);
}

void vdev_msix_set_pending(struct vdev *d, unsigned int v)
{
	if (d && d->msix.cap)
		msix_set_pending(&d->msix.tab, v);
}

bool vdev_msix_take_pending(struct vdev *d, unsigned int v)
{
	return d && d->msix.cap && msix_take_pending(&d->msix.tab, v);
}
