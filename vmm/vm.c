// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "vmm/acpi.h"
#include "vmm/bootparams.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/net.h"
#include "vmm/stats.h"
#include "vmm/vm.h"

#define KVM_TSS_GPA		0xfffbd000ULL
#define KVM_IDENTITY_MAP_GPA	0xfffbc000ULL
#define CPUID_MAX_ENTRIES	256

#define errf(...)	snprintf(err, errlen, __VA_ARGS__)

#define HUGE_2M		(2ULL << 20)
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << 26)
#endif

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int map_file(const char *path, const char *what,
		    struct mapped_file *f, char *err, size_t errlen)
{
	struct stat st;
	int fd, ret = 0;

	f->data = NULL;
	f->size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		errf("%s %s: %s", what, path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		errf("%s %s: not a regular file", what, path);
		goto out_close;
	}
	if (st.st_size == 0) {
		ret = -ENOEXEC;
		errf("%s %s: the file is empty", what, path);
		goto out_close;
	}
	f->data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (f->data == MAP_FAILED) {
		ret = -errno;
		f->data = NULL;
		errf("%s %s: cannot map: %s", what, path, strerror(errno));
		goto out_close;
	}
	f->size = st.st_size;
out_close:
	close(fd);
	return ret;
}

static void unmap_file(struct mapped_file *f)
{
	if (f->data)
		munmap(f->data, f->size);
	f->data = NULL;
}

int vm_irq_set(void *ctx, uint32_t gsi, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	return kvm_ioctl_ptr(vm->vm_fd, KVM_IRQ_LINE, &irq);
}

static int vm_commit_routes(struct vm *vm)
{
	size_t sz = sizeof(struct kvm_irq_routing) +
		    vm->nr_routes * sizeof(struct kvm_irq_routing_entry);
	struct kvm_irq_routing *r = calloc(1, sz);
	int ret;

	if (!r)
		return -ENOMEM;
	r->nr = vm->nr_routes;
	memcpy(r->entries, vm->routes, vm->nr_routes * sizeof(vm->routes[0]));
	ret = kvm_ioctl_val(vm->vm_fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	return ret;
}

static void vm_add_irqchip_route(struct vm *vm, uint32_t gsi, uint32_t chip,
				 uint32_t pin)
{
	struct kvm_irq_routing_entry *e = &vm->routes[vm->nr_routes++];

	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

/*
 * GSI 0 (the PIT) reaches the I/O APIC on pin 2, as the MADT's interrupt
 * source override says; the other ISA IRQs go to the PIC and the same I/O
 * APIC pin; GSIs 16..23 (PCI INTx) to the I/O APIC alone.
 */
static int vm_setup_gsi_routing(struct vm *vm)
{
	vm->nr_routes = 0;
	for (uint32_t gsi = 0; gsi < IOAPIC_PINS; gsi++) {
		if (gsi == 2)
			continue;
		if (gsi < 16)
			vm_add_irqchip_route(vm, gsi, gsi < 8 ?
					     KVM_IRQCHIP_PIC_MASTER :
					     KVM_IRQCHIP_PIC_SLAVE, gsi % 8);
		vm_add_irqchip_route(vm, gsi, KVM_IRQCHIP_IOAPIC,
				     gsi == 0 ? 2 : gsi);
	}
	vm->next_gsi = VM_FIRST_MSI_GSI;
	return vm_commit_routes(vm);
}

int vm_alloc_gsi(struct vm *vm)
{
	if (vm->next_gsi >= VM_FIRST_MSI_GSI + (VM_MAX_ROUTES - 64))
		return -ENOSPC;
	return vm->next_gsi++;
}

int vm_set_msi_route(struct vm *vm, uint32_t gsi, uint64_t addr,
		     uint32_t data)
{
	struct kvm_irq_routing_entry *e = NULL;

	for (unsigned int i = 0; i < vm->nr_routes; i++)
		if (vm->routes[i].gsi == gsi &&
		    vm->routes[i].type == KVM_IRQ_ROUTING_MSI)
			e = &vm->routes[i];
	if (!e) {
		if (vm->nr_routes == VM_MAX_ROUTES)
			return -ENOSPC;
		e = &vm->routes[vm->nr_routes++];
		memset(e, 0, sizeof(*e));
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
	} else if (e->u.msi.address_lo == (uint32_t)addr &&
		   e->u.msi.address_hi == addr >> 32 && e->u.msi.data == data) {
		return 0;
	}
	e->u.msi.address_lo = (uint32_t)addr;
	e->u.msi.address_hi = addr >> 32;
	e->u.msi.data = data;
	return vm_commit_routes(vm);
}

int vm_irqfd(struct vm *vm, int fd, uint32_t gsi, int resample_fd,
	     bool assign)
{
	struct kvm_irqfd irqfd = { .fd = fd, .gsi = gsi };

	if (!assign)
		irqfd.flags |= KVM_IRQFD_FLAG_DEASSIGN;
	else if (resample_fd >= 0) {
		irqfd.flags |= KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = resample_fd;
	}
	return kvm_ioctl_ptr(vm->vm_fd, KVM_IRQFD, &irqfd);
}

int vm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr, .address_hi = addr >> 32,
		.data = data,
	};

	return kvm_ioctl_ptr(vm->vm_fd, KVM_SIGNAL_MSI, &msi);
}

/* Slots 0 and 1 are guest RAM. */
int vm_alloc_slot(struct vm *vm)
{
	for (int i = 2; i < VM_MAX_SLOTS; i++) {
		if (!vm->slots_used[i]) {
			vm->slots_used[i] = 1;
			return i;
		}
	}
	return -ENOSPC;
}

int vm_set_slot(struct vm *vm, int slot, uint64_t gpa, uint64_t size,
		void *hva)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return kvm_ioctl_ptr(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
}

void vm_free_slot(struct vm *vm, int slot)
{
	if (slot < 2 || slot >= VM_MAX_SLOTS || !vm->slots_used[slot])
		return;
	vm_set_slot(vm, slot, 0, 0, NULL);
	vm->slots_used[slot] = 0;
}

/*
 * Guest RAM, in 2 MiB pages when the domain allows it and the host has
 * them (PID 1 lets the kernel take them from free memory on demand): the
 * nested page tables and the IOMMU's tables for passed-through devices
 * then use 2 MiB entries. A DMA that crosses a 4 KiB boundary is then one
 * IOMMU translation, which matters to device models that cannot split a
 * DMA in two (QEMU 7.2's e1000e drops such packets: see README "The
 * lab"). hugetlb memory is reserved here, at mmap() time, so a host that
 * runs short fails now, not with SIGBUS while the guest runs.
 */
static int vm_alloc_ram(struct vm *vm, char *err, size_t errlen)
{
	enum hugepages_mode mode = vm->cfg->hugepages;
	unsigned long long mib = vm->mem.size >> 20;
	size_t len = (vm->mem.size + HUGE_2M - 1) & ~(HUGE_2M - 1);
	int huge_errno = 0;
	void *p = MAP_FAILED;

	if (mode != HUGEPAGES_OFF) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			 MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
		if (p != MAP_FAILED) {
			vm->mem.host = p;
			vm->mem_map_size = len;
			vm->mem_huge = true;
			return 0;
		}
		huge_errno = errno;
		if (mode == HUGEPAGES_ON) {
			errf("cannot have %llu MiB of guest memory in 2 MiB pages (hugepages = \"on\"): %s",
			     mib, strerror(huge_errno));
			return -ENOMEM;
		}
	}
	len = vm->mem.size;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		errf("cannot allocate %llu MiB of guest memory: %s", mib,
		     strerror(errno));
		return -ENOMEM;
	}
	if (mode == HUGEPAGES_AUTO)
		pr_warn("%s: guest memory in 4 KiB pages: no %llu MiB of 2 MiB pages (%s)",
			vm->cfg->name, mib, strerror(huge_errno));
	vm->mem.host = p;
	vm->mem_map_size = len;
	vm->mem_huge = false;
	return 0;
}

static int vm_setup_memory(struct vm *vm, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region region;
	int ret;

	/* vmm_res_open() explained a bad size; this only refuses it. */
	ret = guest_mem_layout(&vm->mem, vm->cfg->mem_bytes);
	if (ret) {
		errf("bad guest memory size");
		return ret;
	}
	ret = vm_alloc_ram(vm, err, errlen);
	if (ret)
		return ret;

	region = (struct kvm_userspace_memory_region) {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->mem.low_size,
		.userspace_addr = (uintptr_t)vm->mem.host,
	};
	ret = kvm_ioctl_ptr(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (!ret && vm->mem.high_size) {
		region.slot = 1;
		region.guest_phys_addr = MEM_4G;
		region.memory_size = vm->mem.high_size;
		region.userspace_addr = (uintptr_t)vm->mem.host +
					vm->mem.low_size;
		ret = kvm_ioctl_ptr(vm->vm_fd, KVM_SET_USER_MEMORY_REGION,
				    &region);
	}
	if (ret)
		errf("KVM_SET_USER_MEMORY_REGION: %s", strerror(-ret));
	return ret;
}

static void uart_tx(void *ctx, uint8_t byte)
{
	struct vm *vm = ctx;

	/*
	 * Console output must never stall a vCPU: when PID 1 is behind (the
	 * pipe is full), the byte is dropped and counted.
	 */
	if (write(vm->console_fd, &byte, 1) == 1)
		return;
	if (errno == EAGAIN && vm->stats)
		stats_add(&vm->stats->console_dropped, 1);
	else
		pr_ratelimited(LOG_WARN, "console write: %s", strerror(errno));
}

static void pm_event(void *ctx, enum pm_event ev, uint64_t value)
{
	struct vm *vm = ctx;

	switch (ev) {
	case PM_EVENT_POWEROFF:
		vm_request_state(vm, VM_POWEROFF);
		break;
	case PM_EVENT_RESET:
		vm_request_state(vm, VM_RESET);
		break;
	case PM_EVENT_BOOT_MARK:
		pr_info("boot timer: guest init %llu reached %llu.%03llu ms after slimhv start",
			(unsigned long long)value,
			(unsigned long long)(now_ns() - vm->start_ns) / 1000000,
			(unsigned long long)((now_ns() - vm->start_ns) / 1000) % 1000);
		break;
	}
}

static int vm_setup_devices(struct vm *vm)
{
	struct irq_line uart_irq = {
		.set_level = vm_irq_set, .ctx = vm, .gsi = GSI_UART0,
	};
	struct irq_line sci = {
		.set_level = vm_irq_set, .ctx = vm, .gsi = GSI_SCI,
	};
	int ret;

	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	bus_share_lock(&vm->pio, &vm->dev_lock);
	bus_share_lock(&vm->mmio, &vm->dev_lock);
	uart8250_init(&vm->uart, &uart_irq, uart_tx, vm);
	pm_init(&vm->pm, &sci, now_ns, pm_event, vm);
	pci_bus_init(&vm->pci);
	ret = pci_host_bridge_init(&vm->host_bridge);
	if (!ret)
		ret = pci_bus_add(&vm->pci, &vm->host_bridge.dev, 0);
	if (!ret)
		ret = bus_register(&vm->pio, PIO_UART0, 8, &uart8250_ops,
				   &vm->uart, "uart0");
	if (!ret)
		ret = bus_register(&vm->pio, PIO_PM_BASE, PM_BLOCK_LEN,
				   &pm_ops, &vm->pm, "acpi-pm");
	if (!ret)
		ret = bus_register(&vm->pio, PIO_PCI_CONF1, 8, &pci_conf1_ops,
				   &vm->pci, "pci-conf1");
	if (!ret)
		ret = bus_register(&vm->mmio, PCI_ECAM_BASE, PCI_ECAM_SIZE,
				   &pci_ecam_ops, &vm->pci, "pci-ecam");
	if (!ret)
		ret = bus_register(&vm->mmio, BOOT_TIMER_GPA, BOOT_TIMER_SIZE,
				   &boot_timer_ops, &vm->pm, "boot-timer");
	vm->pci_mmio32_next = PCI_MMIO32_BASE;
	vm->pci_mmio64_next = guest_mmio64_base(&vm->mem);
	vm->pci_pio_next = PCI_PIO_BASE;
	return ret;
}

static ssize_t control_write(void *opaque, const void *buf, size_t len)
{
	struct vm *vm = opaque;
	ssize_t n = write(vm->control_fd, buf, len);

	return n < 0 ? -errno : n;
}

/* An MSI-X message of an emulated device, straight into KVM. */
static int vm_msi_send(void *ctx, unsigned int vector, uint64_t addr,
		       uint32_t data)
{
	int ret;

	(void)vector;
	ret = vm_signal_msi(ctx, addr, data);
	/* 0: the guest's APIC blocked it (a disabled LAPIC): not an error. */
	return ret < 0 ? ret : 0;
}

/*
 * An emulated virtio device on the guest's PCI bus: the next free slot
 * (after any assigned devices, which keep their slots), its BAR after
 * theirs, MSI-X once the guest's driver turns it on, INTA on the GSI the
 * _PRT gives the slot before that.
 */
int vm_plug_virtio(struct vm *vm, struct virtio_pci *vp,
		   struct virtio_device *vdev, uint32_t class_code,
		   const char *name)
{
	struct irq_line irq = { .set_level = vm_irq_set, .ctx = vm };
	struct msi_sender msi = { .send = vm_msi_send, .ctx = vm };
	uint64_t gpa;
	int ret;

	ret = virtio_pci_init(vp, vdev, class_code, &vm->mmio, name);
	if (!ret)
		ret = pci_bus_add(&vm->pci, &vp->pdev, -1);
	if (ret)
		return ret;
	irq.gsi = acpi_prt_gsi(PCI_SLOT(vp->pdev.devfn), 0);
	virtio_pci_set_irq(vp, &irq);
	virtio_pci_set_msi(vp, &msi);
	gpa = (vm->pci_mmio32_next + VIRTIO_PCI_BAR_SIZE - 1) &
	      ~(VIRTIO_PCI_BAR_SIZE - 1);
	if (gpa + VIRTIO_PCI_BAR_SIZE > PCI_MMIO32_BASE + PCI_MMIO32_SIZE)
		return -ENOSPC;
	virtio_pci_place_bar(vp, gpa);
	vm->pci_mmio32_next = gpa + VIRTIO_PCI_BAR_SIZE;
	pr_debug("%s: %s at 00:%02x.0, GSI %u", vm->cfg->name, name,
		 PCI_SLOT(vp->pdev.devfn), irq.gsi);
	return 0;
}

void vm_unplug_virtio(struct vm *vm, struct virtio_pci *vp)
{
	virtio_pci_destroy(vp);
	if (vm->pci.devs[vp->pdev.devfn] == &vp->pdev)
		vm->pci.devs[vp->pdev.devfn] = NULL;
}

/* The control channel: a virtio-console for a privileged domain. */
static int vm_setup_control(struct vm *vm)
{
	struct virtio_console_backend be = {
		.write = control_write, .opaque = vm,
	};

	if (!vm->cfg->privileged || vm->control_fd < 0)
		return 0;
	vm->control = calloc(1, sizeof(*vm->control));
	vm->control_pci = calloc(1, sizeof(*vm->control_pci));
	if (!vm->control || !vm->control_pci)
		return -ENOMEM;
	virtio_console_init(vm->control, &vm->mem, &be);
	return vm_plug_virtio(vm, vm->control_pci, &vm->control->vdev,
			      VIRTIO_CONSOLE_PCI_CLASS, "virtio-console");
}

static void vm_release_control(struct vm *vm)
{
	if (vm->control_pci)
		vm_unplug_virtio(vm, vm->control_pci);
	free(vm->control_pci);
	vm->control_pci = NULL;
	free(vm->control);
	vm->control = NULL;
}

size_t vm_control_deliver(struct vm *vm, const void *buf, size_t len)
{
	size_t n;

	if (!vm->control)
		return 0;
	bus_lock(&vm->mmio);
	n = virtio_console_deliver(vm->control, buf, len);
	bus_unlock(&vm->mmio);
	return n;
}

static int vm_build_acpi(struct vm *vm, void *buf, size_t size)
{
	struct acpi_platform p = {
		.nr_cpus = vm->nr_vcpus,
		.lapic_addr = LAPIC_GPA,
		.ioapic_addr = IOAPIC_GPA,
		.ioapic_id = 0,
		.ecam_base = PCI_ECAM_BASE,
		.bus_start = 0,
		.bus_end = PCI_ECAM_SIZE / SZ_1M - 1,
		.pio_base = PCI_PIO_BASE,
		.pio_size = PCI_PIO_SIZE,
		.mmio32_base = PCI_MMIO32_BASE,
		.mmio32_size = PCI_MMIO32_SIZE,
		.mmio64_base = guest_mmio64_base(&vm->mem),
		.mmio64_size = PCI_MMIO64_SIZE,
		.pm1a_evt_port = PIO_PM_BASE + PM_EVT_OFF,
		.pm1a_cnt_port = PIO_PM_BASE + PM_CNT_OFF,
		.pm_tmr_port = PIO_PM_BASE + PM_TMR_OFF,
		.reset_port = PIO_PM_BASE + PM_RESET_OFF,
		.reset_value = PM_RESET_VALUE,
		.sci_irq = GSI_SCI,
		.s5_slp_typ = PM_S5_SLP_TYP,
		.uart_port = PIO_UART0,
		.uart_irq = GSI_UART0,
		.tables_gpa = ACPI_TABLES_GPA,
	};

	return acpi_build(&p, buf, size);
}

static int vm_load_guest(struct vm *vm, const struct vmm_res *res,
			 struct boot_layout *bl, char *err, size_t errlen)
{
	const struct domain_config *cfg = vm->cfg;
	struct bzimage bz;
	void *acpi;
	int ret, len;

	/* Checked by vmm_res_open(): the layout only. */
	ret = bzimage_parse(res->kernel.data, res->kernel.size, &bz, err,
			    errlen);
	if (ret)
		return ret;
	acpi = calloc(1, ACPI_TABLES_MAX);
	if (!acpi) {
		errf("out of memory");
		return -ENOMEM;
	}
	len = vm_build_acpi(vm, acpi, ACPI_TABLES_MAX);
	if (len < 0) {
		ret = len;
		errf("cannot build the ACPI tables: %s", strerror(-len));
	} else {
		ret = boot_load(&vm->mem, &bz, cfg->cmdline, res->initrd.data,
				res->initrd.size, acpi, len, bl, err, errlen);
	}
	free(acpi);
	return ret;
}

/* The kernel (a bzImage) and the initrd of @cfg, mapped; 0 or -errno. */
static int map_guest_files(const struct domain_config *cfg,
			   struct mapped_file *kernel,
			   struct mapped_file *initrd, char *err,
			   size_t errlen)
{
	struct bzimage bz;
	int ret;

	*initrd = (struct mapped_file) { 0 };
	ret = map_file(cfg->kernel, "kernel", kernel, err, errlen);
	if (ret)
		return ret;
	ret = bzimage_parse(kernel->data, kernel->size, &bz, err, errlen);
	if (ret) {
		char why[200];

		snprintf(why, sizeof(why), "%s", err);
		errf("kernel %s: %s", cfg->kernel, why);
	} else if (cfg->initrd[0]) {
		ret = map_file(cfg->initrd, "initrd", initrd, err, errlen);
	}
	if (ret)
		unmap_file(kernel);
	return ret;
}

static int check_guest_memory(const struct domain_config *cfg, char *err,
			      size_t errlen)
{
	struct sysinfo si;
	uint64_t host_ram;

	if (cfg->mem_bytes < GUEST_MEM_MIN || cfg->mem_bytes > GUEST_MEM_MAX) {
		errf("guest memory of %llu MiB is outside %llu MiB .. %llu GiB",
		     (unsigned long long)(cfg->mem_bytes >> 20),
		     GUEST_MEM_MIN >> 20, GUEST_MEM_MAX >> 30);
		return -EINVAL;
	}
	if (sysinfo(&si) == 0) {
		host_ram = (uint64_t)si.totalram * si.mem_unit;
		if (cfg->mem_bytes > host_ram) {
			errf("guest memory of %llu MiB is more than the host's %llu MiB of RAM",
			     (unsigned long long)(cfg->mem_bytes >> 20),
			     (unsigned long long)(host_ram >> 20));
			return -ENOMEM;
		}
	}
	return 0;
}

int vmm_res_open(struct vmm_res *res, const struct domain_config *cfg,
		 const struct host_assignment *assign, char *err,
		 size_t errlen)
{
	int ret;

	memset(res, 0, sizeof(*res));
	res->kvm_fd = -1;
	ret = map_guest_files(cfg, &res->kernel, &res->initrd, err, errlen);
	if (ret)
		return ret;
	ret = check_guest_memory(cfg, err, errlen);
	if (ret)
		goto err_close;
	res->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (res->kvm_fd < 0) {
		ret = -errno;
		errf("cannot open /dev/kvm: %s (is KVM enabled in the kernel and the CPU's virtualization on in the firmware?)",
		     strerror(errno));
		goto err_close;
	}
	ret = assign_open(&res->pt, assign, err, errlen);
	if (ret)
		goto err_close;
	return 0;
err_close:
	vmm_res_close(res);
	return ret;
}

void vmm_res_close(struct vmm_res *res)
{
	assign_close(&res->pt);
	if (res->kvm_fd >= 0)
		close(res->kvm_fd);
	res->kvm_fd = -1;
	unmap_file(&res->initrd);
	unmap_file(&res->kernel);
}

static int vm_get_cpuid(struct vm *vm)
{
	size_t sz = sizeof(*vm->cpuid) +
		    CPUID_MAX_ENTRIES * sizeof(vm->cpuid->entries[0]);

	vm->cpuid = calloc(1, sz);
	if (!vm->cpuid)
		return -ENOMEM;
	vm->cpuid->nent = CPUID_MAX_ENTRIES;
	return kvm_ioctl_val(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, vm->cpuid);
}

int vm_create(struct vm *vm, const struct domain_config *cfg,
	      struct vmm_res *res, int console_fd, int control_fd,
	      uint64_t start_ns, char *err, size_t errlen)
{
	pthread_mutexattr_t attr;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct boot_layout bl;
	uint64_t ident = KVM_IDENTITY_MAP_GPA;
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = res->kvm_fd;
	vm->console_fd = console_fd;
	vm->control_fd = control_fd;
	vm->start_ns = start_ns;
	vm->vm_fd = -1;
	vm->nr_vcpus = cfg->cpus;
	vm->epoll_fd = -1;
	vm->event_fd = -1;
	atomic_store(&vm->state, VM_RUNNING);
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&vm->dev_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (!vm->nr_vcpus || vm->nr_vcpus > VM_MAX_VCPUS) {
		errf("%u vCPUs: slimhv runs 1 to %d", vm->nr_vcpus,
		     VM_MAX_VCPUS);
		return -EINVAL;
	}

	vm->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (vm->event_fd < 0 || vm->epoll_fd < 0) {
		ret = -errno;
		errf("eventfd/epoll: %s", strerror(errno));
		goto err_destroy;
	}
	ret = kvm_ioctl_val(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (ret < 0) {
		errf("KVM_CREATE_VM: %s", strerror(-ret));
		goto err_destroy;
	}
	vm->vm_fd = ret;
	ret = kvm_ioctl_val(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_GPA);
	if (!ret)
		ret = kvm_ioctl_ptr(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR,
				    &ident);
	if (ret) {
		errf("KVM_SET_TSS_ADDR: %s", strerror(-ret));
		goto err_destroy;
	}
	ret = kvm_ioctl_val(vm->vm_fd, KVM_CREATE_IRQCHIP, 0);
	if (!ret)
		ret = kvm_ioctl_ptr(vm->vm_fd, KVM_CREATE_PIT2, &pit);
	if (!ret)
		ret = vm_setup_gsi_routing(vm);
	if (ret) {
		errf("in-kernel irqchip: %s", strerror(-ret));
		goto err_destroy;
	}
	ret = vm_get_cpuid(vm);
	if (ret) {
		errf("KVM_GET_SUPPORTED_CPUID: %s", strerror(-ret));
		goto err_destroy;
	}
	ret = vm_setup_memory(vm, err, errlen);
	if (ret)
		goto err_destroy;
	ret = vm_setup_devices(vm);
	if (ret) {
		errf("device setup: %s", strerror(-ret));
		goto err_destroy;
	}
	if (res->pt.nr) {
		ret = assign_devices(vm, &res->pt, err, errlen);
		if (ret)
			goto err_destroy;
	}
	ret = vm_setup_control(vm);
	if (ret) {
		errf("control channel: %s", strerror(-ret));
		goto err_destroy;
	}
	if (res->net && res->net->nr) {
		vm->net = res->net;
		ret = vmm_net_plug(vm->net, vm);
		if (ret) {
			errf("network interfaces: %s", strerror(-ret));
			goto err_destroy;
		}
	}
	ret = vm_load_guest(vm, res, &bl, err, errlen);
	if (ret)
		goto err_destroy;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu_create(vm, i, bl.entry_gpa);
		if (ret) {
			errf("vCPU %u: %s", i, strerror(-ret));
			goto err_destroy;
		}
	}
	return 0;

err_destroy:
	vm_destroy(vm);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	assign_release(vm);
	if (vm->net)
		vmm_net_unplug(vm->net);
	vm->net = NULL;
	vm_release_control(vm);
	if (vm->mem.host)
		munmap(vm->mem.host, vm->mem_map_size);
	vm->mem.host = NULL;
	free(vm->cpuid);
	vm->cpuid = NULL;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	vm->vm_fd = -1;
	if (vm->event_fd >= 0)
		close(vm->event_fd);
	vm->event_fd = -1;
	if (vm->epoll_fd >= 0)
		close(vm->epoll_fd);
	vm->epoll_fd = -1;
}

/*
 * KVM starts a worker thread of the VM's process at the first KVM_RUN
 * (its NX huge page recovery, a user worker since Linux 6.13 and in 6.12's
 * stable releases), which takes the CPUs of the thread that made that
 * call. A domain's dedicated CPUs are its vCPUs' alone: make the first
 * call here, from the VMM's own thread on the host's CPUs, with
 * immediate_exit set, so that it returns before the guest runs.
 */
static void vm_first_run_here(struct vm *vm)
{
	struct vcpu *v = &vm->vcpus[0];
	int ret;

	if (!vm->nr_vcpus || !v->run)
		return;
	v->run->immediate_exit = 1;
	ret = kvm_ioctl_val(v->fd, KVM_RUN, 0);
	v->run->immediate_exit = 0;
	if (ret != -EINTR)
		pr_warn("vcpu0: the first KVM_RUN, from the VMM's thread: %s",
			ret ? strerror(-ret) : "ran");
}

int vm_start(struct vm *vm)
{
	if (cpulist_count(&vm->cfg->dedicated))
		vm_first_run_here(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		int ret = vcpu_start(&vm->vcpus[i]);

		if (ret) {
			vm_request_state(vm, VM_CRASHED);
			return ret;
		}
	}
	return 0;
}

void vm_request_state(struct vm *vm, enum vm_state state)
{
	int expected = VM_RUNNING;
	uint64_t one = 1;

	if (!atomic_compare_exchange_strong(&vm->state, &expected, state))
		return;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	if (write(vm->event_fd, &one, sizeof(one)) < 0)
		pr_warn("eventfd write: %s", strerror(errno));
}

enum vm_state vm_join(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->started)
			pthread_join(v->thread, NULL);
		v->started = false;
	}
	return atomic_load(&vm->state);
}
