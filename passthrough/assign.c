// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "passthrough/assign.h"
#include "vmm/acpi.h"
#include "vmm/cpuplan.h"
#include "vmm/log.h"
#include "vmm/stats.h"
#include "vmm/vm.h"

#define errf(...)	snprintf(err, errlen, __VA_ARGS__)
#define PAGE_SIZE_4K	4096ULL
#define PAGE_MASK_4K	(~(PAGE_SIZE_4K - 1))

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* --- the device's BARs in the guest ------------------------------------ */

static int cfg_read_io(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	struct assigned_dev *ad = ctx;

	return vfio_region_read(ad->vfio, VFIO_PCI_CONFIG_REGION_INDEX, off,
				buf, len);
}

static int cfg_write_io(void *ctx, uint32_t off, const void *buf,
			uint32_t len)
{
	struct assigned_dev *ad = ctx;

	return vfio_region_write(ad->vfio, VFIO_PCI_CONFIG_REGION_INDEX, off,
				 buf, len);
}

struct bar_trap {
	struct assigned_dev *ad;
	int bar;
};

static struct bar_trap *bar_trap_of(struct assigned_dev *ad, int bar);

static bool in_range(uint64_t off, uint32_t len, uint64_t start,
		     uint64_t size)
{
	return off >= start && off + len <= start + size;
}

/* Accesses to the parts of a BAR that are not mapped into the guest. */
static int bar_access(void *opaque, uint64_t off, void *data, uint32_t len,
		      bool is_write)
{
	struct bar_trap *t = opaque;
	struct assigned_dev *ad = t->ad;
	struct vdev_msix *x = &ad->vdev.msix;
	int ret;

	if (x->cap && t->bar == x->table_bar &&
	    in_range(off, len, x->table_off, (uint64_t)MSIX_TABLE_SIZE(x->tab.nr)))
		return is_write ?
			vdev_msix_table_write(&ad->vdev, off - x->table_off,
					      data, len) :
			vdev_msix_table_read(&ad->vdev, off - x->table_off,
					     data, len);
	if (x->cap && t->bar == x->pba_bar &&
	    in_range(off, len, x->pba_off, MSIX_PBA_SIZE(x->tab.nr))) {
		if (is_write)
			return 0;
		return vdev_msix_pba_read(&ad->vdev, off - x->pba_off, data,
					  len);
	}
	ret = is_write ?
		vfio_region_write(ad->vfio, t->bar, off, data, len) :
		vfio_region_read(ad->vfio, t->bar, off, data, len);
	if (ret)
		pr_ratelimited(LOG_WARN, "%s: BAR%d+0x%llx: %s", ad->vfio->bdf,
			       t->bar, (unsigned long long)off, strerror(-ret));
	return ret;
}

static int bar_read(void *opaque, uint64_t off, void *data, uint32_t len)
{
	return bar_access(opaque, off, data, len, false);
}

static int bar_write(void *opaque, uint64_t off, const void *data,
		     uint32_t len)
{
	return bar_access(opaque, off, (void *)data, len, true);
}

static const struct dev_ops bar_trap_ops = {
	.read = bar_read,
	.write = bar_write,
};

/* [start, end) of the MSI-X structures in @bar, page-aligned, or 0/0. */
static void msix_hole(const struct assigned_dev *ad, int bar, int which,
		      uint64_t *start, uint64_t *end)
{
	const struct vdev_msix *x = &ad->vdev.msix;
	uint64_t off, size;

	*start = *end = 0;
	if (!x->cap)
		return;
	if (which == 0 && x->table_bar == bar) {
		off = x->table_off;
		size = (uint64_t)MSIX_TABLE_SIZE(x->tab.nr);
	} else if (which == 1 && x->pba_bar == bar) {
		off = x->pba_off;
		size = MSIX_PBA_SIZE(x->tab.nr);
	} else {
		return;
	}
	*start = off & PAGE_MASK_4K;
	*end = align_up(off + size, PAGE_SIZE_4K);
}

static int map_piece(struct assigned_dev *ad, int bar, uint64_t gpa,
		     uint64_t off, uint64_t size)
{
	struct bar_map *bm = &ad->bars[bar];
	struct vfio_region *r = &ad->vfio->regions[bar];
	void *hva;
	int slot, ret;

	if (!size || bm->nr == ARRAY_SIZE(bm->pieces))
		return 0;
	hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   ad->vfio->fd, r->offset + off);
	if (hva == MAP_FAILED)
		return -errno;
	slot = vm_alloc_slot(ad->vm);
	if (slot < 0) {
		munmap(hva, size);
		return slot;
	}
	ret = vm_set_slot(ad->vm, slot, gpa + off, size, hva);
	if (ret) {
		vm_free_slot(ad->vm, slot);
		munmap(hva, size);
		return ret;
	}
	bm->pieces[bm->nr].slot = slot;
	bm->pieces[bm->nr].hva = hva;
	bm->pieces[bm->nr].off = off;
	bm->pieces[bm->nr].size = size;
	bm->nr++;
	return 0;
}

/* Map one mmappable area minus the MSI-X table and PBA pages. */
static int map_area(struct assigned_dev *ad, int bar, uint64_t gpa,
		    uint64_t start, uint64_t end)
{
	uint64_t h[2][2];

	msix_hole(ad, bar, 0, &h[0][0], &h[0][1]);
	msix_hole(ad, bar, 1, &h[1][0], &h[1][1]);
	if (h[0][0] > h[1][0] || (h[0][0] == h[1][0] && h[0][1] > h[1][1])) {
		uint64_t t0 = h[0][0], t1 = h[0][1];

		h[0][0] = h[1][0];
		h[0][1] = h[1][1];
		h[1][0] = t0;
		h[1][1] = t1;
	}
	for (int i = 0; i < 2 && start < end; i++) {
		if (h[i][0] == h[i][1] || h[i][1] <= start || h[i][0] >= end)
			continue;
		if (h[i][0] > start) {
			int ret = map_piece(ad, bar, gpa, start,
					    h[i][0] - start);

			if (ret)
				return ret;
		}
		start = h[i][1];
	}
	return start < end ? map_piece(ad, bar, gpa, start, end - start) : 0;
}

static void bar_unmap(struct assigned_dev *ad, int bar, uint64_t gpa)
{
	struct bar_map *bm = &ad->bars[bar];
	struct vm *vm = ad->vm;

	for (unsigned int i = 0; i < bm->nr; i++) {
		vm_free_slot(vm, bm->pieces[i].slot);
		munmap(bm->pieces[i].hva, bm->pieces[i].size);
	}
	bm->nr = 0;
	if (bm->trapped)
		bus_unregister(ad->vdev.bars[bar].info.is_io ? &vm->pio :
			       &vm->mmio, gpa);
	bm->trapped = false;
}

static int bar_map(struct assigned_dev *ad, int bar, uint64_t gpa)
{
	const struct vdev_bar_info *info = &ad->vdev.bars[bar].info;
	struct vfio_region *r = &ad->vfio->regions[bar];
	struct vm *vm = ad->vm;
	int ret;

	ret = bus_register(info->is_io ? &vm->pio : &vm->mmio, gpa, info->size,
			   &bar_trap_ops, bar_trap_of(ad, bar), ad->vfio->bdf);
	if (ret)
		return ret;
	ad->bars[bar].trapped = true;
	/* Sub-page or unaligned BARs stay trapped: a slot maps pages. */
	if (info->is_io || info->size < PAGE_SIZE_4K || (gpa & ~PAGE_MASK_4K))
		return 0;
	for (unsigned int i = 0; i < r->nr_mmap; i++) {
		uint64_t start = align_up(r->mmap[i].off, PAGE_SIZE_4K);
		uint64_t end = (r->mmap[i].off + r->mmap[i].size) &
			       PAGE_MASK_4K;

		if (end > info->size)
			end = info->size & PAGE_MASK_4K;
		if (start >= end)
			continue;
		ret = map_area(ad, bar, gpa, start, end);
		if (ret) {
			/*
			 * Still correct, only slower: all of it trapped. The
			 * guest picks the address (one past its physical
			 * address width fails), as often as it likes.
			 */
			pr_ratelimited(LOG_WARN, "%s: BAR%d at 0x%llx: cannot map it into the guest (%s): trapping every access",
				       ad->vfio->bdf, bar,
				       (unsigned long long)gpa, strerror(-ret));
			for (unsigned int j = 0; j < ad->bars[bar].nr; j++) {
				vm_free_slot(vm, ad->bars[bar].pieces[j].slot);
				munmap(ad->bars[bar].pieces[j].hva,
				       ad->bars[bar].pieces[j].size);
			}
			ad->bars[bar].nr = 0;
			return 0;
		}
	}
	return 0;
}

static void hook_bar_moved(void *ctx, int bar, uint64_t old_gpa,
			   uint64_t new_gpa)
{
	struct assigned_dev *ad = ctx;
	int ret;

	if (bar < 0 || bar >= VDEV_NR_BARS)
		return;
	if (old_gpa != VDEV_UNMAPPED)
		bar_unmap(ad, bar, old_gpa);
	if (new_gpa == VDEV_UNMAPPED)
		return;
	ret = bar_map(ad, bar, new_gpa);
	if (ret)
		pr_ratelimited(LOG_WARN, "%s: BAR%d at 0x%llx: %s (overlaps another device?)",
			       ad->vfio->bdf, bar, (unsigned long long)new_gpa,
			       strerror(-ret));
}

/* --- interrupts --------------------------------------------------------- */

/*
 * INTx is on while neither MSI nor MSI-X is: VFIO refuses to enable
 * either while INTx is set up, as the device itself would not use both.
 */
static int intx_enable(struct assigned_dev *ad)
{
	int ret;

	if (ad->intx_efd < 0 || ad->intx_on)
		return 0;
	ret = vfio_set_irqs(ad->vfio, VFIO_PCI_INTX_IRQ_INDEX,
			    VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &ad->intx_efd);
	if (!ret)
		ret = vfio_set_irqs(ad->vfio, VFIO_PCI_INTX_IRQ_INDEX,
				    VFIO_IRQ_SET_ACTION_UNMASK, 0, 1,
				    &ad->intx_resample);
	if (!ret)
		ret = vm_irqfd(ad->vm, ad->intx_efd, ad->intx_gsi,
			       ad->intx_resample, true);
	if (ret)
		pr_ratelimited(LOG_ERR, "%s: cannot enable INTx: %s",
			       ad->vfio->bdf, strerror(-ret));
	else
		ad->intx_on = true;
	return ret;
}

static void intx_disable(struct assigned_dev *ad)
{
	if (!ad->intx_on)
		return;
	vm_irqfd(ad->vm, ad->intx_efd, ad->intx_gsi, -1, false);
	vfio_set_irqs(ad->vfio, VFIO_PCI_INTX_IRQ_INDEX,
		      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL);
	ad->intx_on = false;
}

static int setup_intx(struct assigned_dev *ad, unsigned int slot)
{
	uint8_t pin = ad->vdev.cfg[PCI_INTERRUPT_PIN];

	ad->intx_efd = ad->intx_resample = -1;
	if (!pin || pin > 4 || !ad->vfio->num_irqs[VFIO_PCI_INTX_IRQ_INDEX])
		return 0;
	ad->intx_gsi = acpi_prt_gsi(slot, pin - 1);
	ad->vdev.cfg[PCI_INTERRUPT_LINE] = ad->intx_gsi;
	ad->intx_efd = eventfd(0, EFD_CLOEXEC);
	ad->intx_resample = eventfd(0, EFD_CLOEXEC);
	if (ad->intx_efd < 0 || ad->intx_resample < 0)
		return -errno;
	return intx_enable(ad);
}

static void poll_masked(struct assigned_dev *ad, struct masked_vector *mv,
			int fd, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = mv };

	if (on == mv->polled)
		return;
	if (epoll_ctl(ad->vm->epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		      fd, &ev) == 0)
		mv->polled = on;
}

/*
 * Tell PID 1 which vCPU vector @v of @ad now aims at (none when it is
 * masked), so that it can steer the host interrupt to that vCPU's CPU.
 */
static void note_vector_vcpu(struct assigned_dev *ad, unsigned int v,
			     bool live, uint64_t addr)
{
	struct domain_stats *s = ad->vm->stats;
	int vcpu = live ? cpu_plan_msi_vcpu(addr, ad->vm->nr_vcpus) : -1;

	if (!s || ad->index >= STATS_MAX_DEVS || v >= STATS_MAX_VECTORS)
		return;
	atomic_store_explicit(&s->msi_vcpu[ad->index][v], vcpu + 1,
			      memory_order_relaxed);
}

/*
 * Point vector @v where the guest's table entry says. A live vector goes
 * to KVM by irqfd and never wakes the VMM; a masked one is watched by the
 * VMM, which records it in the PBA. Should KVM refuse the irqfd, the VMM
 * watches the vector and relays it: slower, but nothing is lost.
 */
static void msix_update_vector(struct assigned_dev *ad, unsigned int v)
{
	struct vm *vm = ad->vm;
	uint64_t addr = 0;
	uint32_t data = 0;
	bool live;
	int ret;

	if (v >= ad->nr_msix)
		return;
	live = ad->msix_on && vdev_msix_vector(&ad->vdev, v, &addr, &data);
	note_vector_vcpu(ad, v, live, addr);
	pr_debug("%s: MSI-X %u: %s, message 0x%llx/0x%x", ad->vfio->bdf, v,
		 live ? "live" : "masked", (unsigned long long)addr, data);
	if (live) {
		if (ad->msix_gsi[v] < 0)
			ad->msix_gsi[v] = vm_alloc_gsi(vm);
		ret = ad->msix_gsi[v] < 0 ? ad->msix_gsi[v] :
		      vm_set_msi_route(vm, ad->msix_gsi[v], addr, data);
		if (!ret && !ad->msix_irqfd[v]) {
			ret = vm_irqfd(vm, ad->msix_efd[v], ad->msix_gsi[v], -1,
				       true);
			ad->msix_irqfd[v] = !ret;
		}
		if (ret)
			pr_ratelimited(LOG_WARN, "%s: MSI-X vector %u: %s: relaying it through the VMM",
				       ad->vfio->bdf, v, strerror(-ret));
		poll_masked(ad, &ad->msix_masked[v], ad->msix_efd[v], !!ret);
		/* A message that came while masked is delivered now. */
		if (vdev_msix_take_pending(&ad->vdev, v))
			vm_signal_msi(vm, addr, data);
		return;
	}
	if (ad->msix_irqfd[v]) {
		vm_irqfd(vm, ad->msix_efd[v], ad->msix_gsi[v], -1, false);
		ad->msix_irqfd[v] = false;
	}
	poll_masked(ad, &ad->msix_masked[v], ad->msix_efd[v], ad->msix_on);
}

static int msix_enable(struct assigned_dev *ad)
{
	int ret;

	intx_disable(ad);
	ret = vfio_set_irqs(ad->vfio, VFIO_PCI_MSIX_IRQ_INDEX,
			    VFIO_IRQ_SET_ACTION_TRIGGER, 0, ad->nr_msix,
			    ad->msix_efd);
	if (ret) {
		intx_enable(ad);
		pr_ratelimited(LOG_ERR, "%s: cannot enable MSI-X: %s",
			       ad->vfio->bdf, strerror(-ret));
		return ret;
	}
	ad->msix_on = true;
	return 0;
}

static void msix_disable(struct assigned_dev *ad)
{
	ad->msix_on = false;
	for (unsigned int v = 0; v < ad->nr_msix; v++)
		msix_update_vector(ad, v);
	vfio_set_irqs(ad->vfio, VFIO_PCI_MSIX_IRQ_INDEX,
		      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL);
	intx_enable(ad);
}

static void hook_msix_changed(void *ctx, int vector)
{
	struct assigned_dev *ad = ctx;
	bool enabled = ad->vdev.msix.tab.enabled;

	if (!ad->nr_msix)
		return;
	if (enabled && !ad->msix_on) {
		if (msix_enable(ad))
			return;
		vector = -1;
	} else if (!enabled && ad->msix_on) {
		msix_disable(ad);
		return;
	}
	if (vector >= 0) {
		msix_update_vector(ad, vector);
		return;
	}
	for (unsigned int v = 0; v < ad->nr_msix; v++)
		msix_update_vector(ad, v);
}

static void hook_msi_changed(void *ctx)
{
	struct assigned_dev *ad = ctx;
	const struct vdev_msi *m = &ad->vdev.msi;
	unsigned int nr = m->enabled ? 1U << m->nr_log2 : 0;
	struct vm *vm = ad->vm;

	if (nr > ARRAY_SIZE(ad->msi_efd))
		nr = ARRAY_SIZE(ad->msi_efd);
	if (nr > ad->vfio->num_irqs[VFIO_PCI_MSI_IRQ_INDEX])
		nr = ad->vfio->num_irqs[VFIO_PCI_MSI_IRQ_INDEX];
	pr_debug("%s: MSI: %u vector%s, mask 0x%x, message 0x%llx/0x%x",
		 ad->vfio->bdf, nr, nr == 1 ? "" : "s", m->mask,
		 (unsigned long long)m->addr, m->data);
	/* Route every enabled vector; drop the irqfds of the others. */
	for (unsigned int v = 0; v < ARRAY_SIZE(ad->msi_efd); v++) {
		bool live = v < nr && !(m->maskable && (m->mask & (1U << v)));

		note_vector_vcpu(ad, v, live, m->addr);
		if (live) {
			if (ad->msi_gsi[v] < 0)
				ad->msi_gsi[v] = vm_alloc_gsi(vm);
			if (ad->msi_gsi[v] < 0 ||
			    vm_set_msi_route(vm, ad->msi_gsi[v], m->addr,
					     m->data | v))
				continue;
			vm_irqfd(vm, ad->msi_efd[v], ad->msi_gsi[v], -1, true);
		} else if (ad->msi_gsi[v] >= 0) {
			vm_irqfd(vm, ad->msi_efd[v], ad->msi_gsi[v], -1, false);
		}
	}
	if (nr && !ad->msi_on) {
		intx_disable(ad);
		if (vfio_set_irqs(ad->vfio, VFIO_PCI_MSI_IRQ_INDEX,
				  VFIO_IRQ_SET_ACTION_TRIGGER, 0, nr,
				  ad->msi_efd) == 0)
			ad->msi_on = true;
		else
			pr_ratelimited(LOG_ERR, "%s: cannot enable MSI",
				       ad->vfio->bdf);
		if (!ad->msi_on)
			intx_enable(ad);
		ad->nr_msi = nr;
	} else if (!nr && ad->msi_on) {
		vfio_set_irqs(ad->vfio, VFIO_PCI_MSI_IRQ_INDEX,
			      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL);
		ad->msi_on = false;
		ad->nr_msi = 0;
		intx_enable(ad);
	}
}

static void hook_intx_changed(void *ctx, bool disabled)
{
	/* The device itself honours INTx disable: the write reached it. */
	(void)ctx;
	(void)disabled;
}

void assign_masked_fired(struct masked_vector *mv)
{
	struct assigned_dev *ad = mv->ad;
	uint64_t count, addr;
	uint32_t data;

	if (read(ad->msix_efd[mv->vector], &count, sizeof(count)) !=
	    sizeof(count))
		return;
	ad->wakeups++;
	bus_lock(&ad->vm->mmio);
	if (vdev_msix_vector(&ad->vdev, mv->vector, &addr, &data))
		vm_signal_msi(ad->vm, addr, data);	/* relayed */
	else
		vdev_msix_set_pending(&ad->vdev, mv->vector);
	bus_unlock(&ad->vm->mmio);
}

/* --- assignment ---------------------------------------------------------- */

static struct bar_trap traps[VM_MAX_ASSIGNED][VDEV_NR_BARS];

static struct bar_trap *bar_trap_of(struct assigned_dev *ad, int bar)
{
	for (unsigned int i = 0; i < ad->vm->nr_assigned; i++)
		if (ad->vm->assigned[i] == ad) {
			traps[i][bar] = (struct bar_trap) { .ad = ad, .bar = bar };
			return &traps[i][bar];
		}
	return NULL;
}

static int alloc_vectors(struct assigned_dev *ad)
{
	unsigned int n = ad->vdev.msix.cap ? ad->vdev.msix.tab.nr : 0;

	if (n > ad->vfio->num_irqs[VFIO_PCI_MSIX_IRQ_INDEX])
		n = ad->vfio->num_irqs[VFIO_PCI_MSIX_IRQ_INDEX];
	ad->nr_msix = n;
	ad->msix_efd = calloc(n + 1, sizeof(int));
	ad->msix_gsi = calloc(n + 1, sizeof(int));
	ad->msix_irqfd = calloc(n + 1, sizeof(bool));
	ad->msix_masked = calloc(n + 1, sizeof(*ad->msix_masked));
	if (!ad->msix_efd || !ad->msix_gsi || !ad->msix_irqfd ||
	    !ad->msix_masked)
		return -ENOMEM;
	for (unsigned int v = 0; v < n; v++) {
		ad->msix_gsi[v] = -1;
		ad->msix_masked[v] = (struct masked_vector) {
			.ad = ad, .vector = v,
		};
		ad->msix_efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (ad->msix_efd[v] < 0)
			return -errno;
	}
	for (unsigned int v = 0; v < ARRAY_SIZE(ad->msi_efd); v++) {
		ad->msi_gsi[v] = -1;
		ad->msi_efd[v] = eventfd(0, EFD_CLOEXEC);
		if (ad->msi_efd[v] < 0)
			return -errno;
	}
	return 0;
}

/* Firmware's job: give each BAR an address in the right window. */
static int place_bars(struct assigned_dev *ad, char *err, size_t errlen)
{
	struct vm *vm = ad->vm;

	for (int b = 0; b < VDEV_NR_BARS; b++) {
		const struct vdev_bar_info *bi = &ad->vdev.bars[b].info;
		uint64_t align = bi->size < PAGE_SIZE_4K && !bi->is_io ?
				 PAGE_SIZE_4K : bi->size;
		uint64_t *next, limit, gpa;

		if (!bi->size)
			continue;
		if (bi->is_io) {
			uint64_t io = align_up(vm->pci_pio_next, bi->size);

			if (io + bi->size > PCI_PIO_BASE + PCI_PIO_SIZE) {
				errf("device %s: no room for its I/O BAR%d",
				     ad->vfio->bdf, b);
				return -ENOSPC;
			}
			vdev_place_bar(&ad->vdev, b, io);
			vm->pci_pio_next = io + bi->size;
			continue;
		}
		/*
		 * 64-bit prefetchable BARs, and any 64-bit BAR too large for
		 * the window below 4 GiB to hold comfortably, go above 4 GiB
		 * (as firmware places them); the rest below.
		 */
		if (bi->is_64 && (bi->prefetch || bi->size >= 256 * SZ_1M)) {
			next = &vm->pci_mmio64_next;
			limit = guest_mmio64_base(&vm->mem) + PCI_MMIO64_SIZE;
		} else {
			next = &vm->pci_mmio32_next;
			limit = PCI_MMIO32_BASE + PCI_MMIO32_SIZE;
		}
		gpa = align_up(*next, align);
		if (gpa + bi->size > limit) {
			errf("device %s: no room for BAR%d (%llu MiB) in the PCI window",
			     ad->vfio->bdf, b,
			     (unsigned long long)(bi->size >> 20));
			return -ENOSPC;
		}
		vdev_place_bar(&ad->vdev, b, gpa);
		*next = gpa + align_up(bi->size, PAGE_SIZE_4K);
	}
	return 0;
}

static int assign_one(struct vm *vm, const struct host_pci_dev *hd,
		      struct vfio_device *dev, unsigned int slot, char *err,
		      size_t errlen)
{
	struct vdev_bar_info bars[VDEV_NR_BARS + 1] = { 0 };
	struct vdev_io io = {
		.cfg_read = cfg_read_io, .cfg_write = cfg_write_io,
	};
	struct vdev_hooks hooks = {
		.bar_moved = hook_bar_moved,
		.msix_changed = hook_msix_changed,
		.msi_changed = hook_msi_changed,
		.intx_changed = hook_intx_changed,
	};
	struct assigned_dev *ad;
	char why[256];
	int ret;

	ad = calloc(1, sizeof(*ad));
	if (!ad)
		return -ENOMEM;
	ad->vm = vm;
	ad->index = slot - 1;
	ad->vfio = dev;
	ad->intx_efd = ad->intx_resample = -1;
	vm->assigned[vm->nr_assigned++] = ad;
	io.ctx = ad;
	hooks.ctx = ad;

	ret = vfio_device_reset(ad->vfio);
	if (ret)
		pr_warn("%s: cannot be reset (%s): it keeps its state between guests",
			hd->bdf, strerror(-ret));
	for (int b = 0; b <= VDEV_ROM; b++) {
		const struct vfio_region *r = &ad->vfio->regions[b];

		bars[b].size = r->size;
	}
	/* Kind of each BAR from the device's own config space. */
	for (int b = 0; b < VDEV_NR_BARS; b++) {
		uint32_t v = 0;

		if (!bars[b].size ||
		    vfio_region_read(ad->vfio, VFIO_PCI_CONFIG_REGION_INDEX,
				     PCI_BASE_ADDRESS_0 + 4 * b, &v, 4))
			continue;
		bars[b].is_io = v & PCI_BASE_ADDRESS_SPACE_IO;
		if (!bars[b].is_io) {
			bars[b].is_64 = (v & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
					PCI_BASE_ADDRESS_MEM_TYPE_64;
			bars[b].prefetch = v & PCI_BASE_ADDRESS_MEM_PREFETCH;
		}
		if (bars[b].is_64 && b + 1 < VDEV_NR_BARS)
			bars[++b].size = 0;
	}
	ret = vdev_init(&ad->vdev, hd->bdf, &io, &hooks, bars, why,
			sizeof(why));
	if (ret) {
		errf("device %s: %s", hd->bdf, why);
		return ret;
	}
	ret = place_bars(ad, err, errlen);
	if (ret)
		return ret;
	ret = alloc_vectors(ad);
	if (!ret)
		ret = pci_bus_add(&vm->pci, &ad->vdev.pdev, PCI_DEVFN(slot, 0));
	if (!ret)
		ret = setup_intx(ad, slot);
	if (ret) {
		errf("device %s: cannot plug it in: %s", hd->bdf,
		     strerror(-ret));
		return ret;
	}
	pr_info("%s [%04x:%04x] assigned as guest 00:%02x.0", hd->bdf,
		hd->vendor, hd->device, slot);
	return 0;
}

int assign_open(struct assign_host *h, const struct host_assignment *a,
		char *err, size_t errlen)
{
	int ret;

	memset(h, 0, sizeof(*h));
	h->a = a;
	if (!a || !a->nr)
		return 0;
	if (a->nr > ASSIGN_MAX_DEVICES) {
		errf("%u devices: at most %d per domain", a->nr,
		     ASSIGN_MAX_DEVICES);
		return -E2BIG;
	}
	ret = vfio_ctx_open(&h->ctx, err, errlen);
	if (ret)
		return ret;
	h->open = true;
	for (h->nr = 0; h->nr < a->nr; h->nr++) {
		ret = vfio_device_open(&h->ctx, a->devs[h->nr].bdf,
				       &h->devs[h->nr], err, errlen);
		if (ret) {
			assign_close(h);
			return ret;
		}
	}
	return 0;
}

void assign_close(struct assign_host *h)
{
	for (unsigned int i = 0; i < h->nr; i++)
		vfio_device_close(&h->devs[i]);
	h->nr = 0;
	if (h->open)
		vfio_ctx_close(&h->ctx);
	h->open = false;
}

unsigned int assign_irq_vectors(const struct assign_host *h)
{
	unsigned int n = 0;

	/*
	 * What plugging a device in opens: an eventfd for each MSI-X vector
	 * the device has, one for each MSI vector slot, and INTx's two.
	 */
	for (unsigned int i = 0; i < h->nr; i++)
		n += h->devs[i].num_irqs[VFIO_PCI_MSIX_IRQ_INDEX] +
		     ARRAY_SIZE(((struct assigned_dev *)0)->msi_efd) + 2;
	return n;
}

int assign_devices(struct vm *vm, struct assign_host *h, char *err,
		   size_t errlen)
{
	int ret;

	vm->pt = h;
	pr_info("%s: VFIO through %s", vm->cfg->name, h->ctx.legacy ?
		"the legacy type1 container (/dev/vfio/vfio)" :
		"iommufd (/dev/iommu) and the device cdevs");
	vm->pci_mmio32_next = PCI_MMIO32_BASE;
	vm->pci_mmio64_next = guest_mmio64_base(&vm->mem);
	vm->pci_pio_next = PCI_PIO_BASE;
	for (unsigned int i = 0; i < h->nr; i++) {
		ret = assign_one(vm, &h->a->devs[i], &h->devs[i], 1 + i, err,
				 errlen);
		if (ret)
			return ret;
	}
	/* All guest RAM, IOVA = GPA, before the guest runs. */
	vm->dma_mapped = true;
	ret = vfio_dma_map(&h->ctx, 0, vm->mem.host, vm->mem.low_size);
	if (!ret && vm->mem.high_size)
		ret = vfio_dma_map(&h->ctx, MEM_4G,
				   vm->mem.host + vm->mem.low_size,
				   vm->mem.high_size);
	if (ret) {
		errf("cannot map %llu MiB of guest memory for DMA: %s%s",
		     (unsigned long long)(vm->mem.size >> 20), strerror(-ret),
		     ret == -ENOSPC ? " (the kernel's DMA entry limit?)" :
		     ret == -ENOMEM ? " (locked memory limit?)" : "");
		return ret;
	}
	return 0;
}

static void release_one(struct assigned_dev *ad)
{
	if (ad->vdev.pdev.ops) {
		for (int b = 0; b < VDEV_NR_BARS; b++)
			if (ad->vdev.bars[b].mapped_gpa != VDEV_UNMAPPED)
				bar_unmap(ad, b, ad->vdev.bars[b].mapped_gpa);
	}
	pr_info("%s: released; its interrupts woke the VMM %llu times (only vectors the guest had masked do)",
		ad->vfio->bdf, (unsigned long long)ad->wakeups);
	/* Its interrupts off before their eventfds go, then a reset. */
	for (uint32_t i = 0; i < VFIO_PCI_NUM_IRQS; i++)
		if (ad->vfio->num_irqs[i])
			vfio_set_irqs(ad->vfio, i, VFIO_IRQ_SET_ACTION_TRIGGER,
				      0, 0, NULL);
	vfio_device_reset(ad->vfio);
	for (unsigned int v = 0; ad->msix_efd && v < ad->nr_msix; v++)
		if (ad->msix_efd[v] > 0)
			close(ad->msix_efd[v]);
	for (unsigned int v = 0; v < ARRAY_SIZE(ad->msi_efd); v++)
		if (ad->msi_efd[v] > 0)
			close(ad->msi_efd[v]);
	if (ad->intx_efd >= 0)
		close(ad->intx_efd);
	if (ad->intx_resample >= 0)
		close(ad->intx_resample);
	free(ad->msix_efd);
	free(ad->msix_gsi);
	free(ad->msix_irqfd);
	free(ad->msix_masked);
	free(ad);
}

void assign_release(struct vm *vm)
{
	int ret;

	for (unsigned int i = 0; i < vm->nr_assigned; i++)
		release_one(vm->assigned[i]);
	vm->nr_assigned = 0;
	/* The devices are quiet: the IOMMU may forget this VM's RAM. */
	if (vm->dma_mapped) {
		ret = vfio_dma_unmap_all(&vm->pt->ctx);
		if (ret)
			pr_warn("%s: cannot unmap guest memory from the IOMMU: %s",
				vm->cfg->name, strerror(-ret));
	}
	vm->dma_mapped = false;
}
