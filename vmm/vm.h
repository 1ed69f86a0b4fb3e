/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One guest: a KVM VM with the in-kernel irqchip, its RAM, its vCPUs and
 * its devices. Built in one straight sequence by vm_create() and torn down
 * by vm_destroy(); a guest reboot destroys and rebuilds it.
 */
#ifndef SLIMHV_VMM_VM_H
#define SLIMHV_VMM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "devices/bus.h"
#include "devices/pci.h"
#include "devices/pm.h"
#include "devices/uart8250.h"
#include "devices/virtio_console.h"
#include "devices/virtio_pci.h"
#include "passthrough/assign.h"
#include "vmm/config.h"
#include "vmm/memmap.h"

#define VM_MAX_VCPUS		64
#define GSI_UART0		4
#define GSI_SCI			9
#define IOAPIC_PINS		24
#define VM_MAX_ASSIGNED		ASSIGN_MAX_DEVICES
#define VM_MAX_ROUTES		1024
#define VM_FIRST_MSI_GSI	IOAPIC_PINS
#define VM_MAX_SLOTS		256	/* KVM memory slots we use */

enum vm_state {
	VM_RUNNING,
	VM_POWEROFF,	/* the guest powered off */
	VM_RESET,	/* the guest asked for a reboot */
	VM_CRASHED,	/* a vCPU failed: the guest cannot go on */
	VM_DESTROY,	/* the host ends the guest */
};

struct vm;
struct vmm_net;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int host_cpu;		/* its dedicated host CPU, or -1 */
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool started;
	uint64_t exits;
};

struct vm {
	const struct domain_config *cfg;
	int kvm_fd;
	int vm_fd;
	int event_fd;		/* written when the state leaves VM_RUNNING */
	int console_fd;		/* the guest's serial output */
	int control_fd;		/* guest -> host control bytes; -1: none */
	struct domain_stats *stats;	/* counters PID 1 reads, or NULL */
	uint64_t start_ns;	/* when this slimhv started (boot timer) */
	atomic_int state;

	struct guest_mem mem;
	size_t mem_map_size;		/* mem.size rounded to the page size */
	bool mem_huge;			/* guest RAM in 2 MiB pages */
	struct bus pio;
	struct bus mmio;
	struct uart8250 uart;
	struct pm_device pm;
	struct pci_bus pci;
	struct pci_host_bridge host_bridge;
	/* The control channel: privileged domains with a control_fd only. */
	struct virtio_console *control;
	struct virtio_pci *control_pci;
	struct vmm_net *net;		/* the interfaces plugged in, or NULL */
	pthread_mutex_t dev_lock;	/* shared by both buses, recursive */

	/* Passthrough */
	int epoll_fd;			/* the VMM's wake-ups */
	struct assign_host *pt;		/* the VMM's devices, or NULL */
	bool dma_mapped;		/* guest RAM is in pt's IOMMU */
	unsigned int nr_assigned;
	struct assigned_dev *assigned[VM_MAX_ASSIGNED];
	uint64_t pci_mmio32_next;	/* BAR placement */
	uint64_t pci_mmio64_next;
	uint32_t pci_pio_next;
	uint8_t slots_used[VM_MAX_SLOTS];
	unsigned int nr_routes;		/* GSI routing: base + MSI */
	struct kvm_irq_routing_entry routes[VM_MAX_ROUTES];
	uint32_t next_gsi;

	struct kvm_cpuid2 *cpuid;	/* what KVM supports, per vCPU patched */
	unsigned int nr_vcpus;
	struct vcpu vcpus[VM_MAX_VCPUS];
};

uint64_t now_ns(void);

/* A file mapped read-only, whole. */
struct mapped_file {
	void *data;
	size_t size;
};

/*
 * What a domain's VMM opens once, before its jail, and keeps for its
 * life: every VM it builds (one per guest boot) is made from these.
 */
struct vmm_res {
	int kvm_fd;
	struct mapped_file kernel;
	struct mapped_file initrd;	/* size 0: none */
	struct assign_host pt;		/* its VFIO context and devices */
	struct vmm_net *net;		/* its interfaces, or NULL */
};

/*
 * Open and map what @cfg's VMM needs: /dev/kvm, the kernel and initrd
 * (checked: a bzImage, memory that fits the host), and the devices of
 * @assign. 0, or -errno and a one-line reason in @err.
 */
int vmm_res_open(struct vmm_res *res, const struct domain_config *cfg,
		 const struct host_assignment *assign, char *err,
		 size_t errlen);
void vmm_res_close(struct vmm_res *res);

/*
 * Plug an emulated virtio device (@vdev initialized) into @vm's PCI bus
 * through @vp: the next free slot, its BAR placed after the others, INTx
 * and MSI-X wired. Unplug it before @vp goes (vm_destroy() does not).
 */
int vm_plug_virtio(struct vm *vm, struct virtio_pci *vp,
		   struct virtio_device *vdev, uint32_t class_code,
		   const char *name);
void vm_unplug_virtio(struct vm *vm, struct virtio_pci *vp);

/*
 * Build a VM for @cfg from @res with the guest's kernel, initrd and
 * command line loaded, ready for vm_start(). On error, writes a one-line
 * reason to @err. A privileged domain with @control_fd >= 0 (non-
 * blocking, still the caller's) gets the control channel: a virtio-
 * console port whose guest output is written to @control_fd.
 */
int vm_create(struct vm *vm, const struct domain_config *cfg,
	      struct vmm_res *res, int console_fd, int control_fd,
	      uint64_t start_ns, char *err, size_t errlen);
void vm_destroy(struct vm *vm);

/*
 * Host -> guest bytes on the control channel: what the guest's receive
 * buffers took (0 with no control channel, the port closed in the guest,
 * or no buffer posted). Any thread; takes the device lock.
 */
size_t vm_control_deliver(struct vm *vm, const void *buf, size_t len);

int vm_start(struct vm *vm);
/* Ask the VM to stop (first request wins) and kick every vCPU. */
void vm_request_state(struct vm *vm, enum vm_state state);
/* Wait for all vCPU threads; returns the state that stopped the VM. */
enum vm_state vm_join(struct vm *vm);

/* Memory slots for device BARs: -ENOSPC when none is free. */
int vm_alloc_slot(struct vm *vm);
int vm_set_slot(struct vm *vm, int slot, uint64_t gpa, uint64_t size,
		void *hva);
void vm_free_slot(struct vm *vm, int slot);
/* MSI routes: allocate a GSI, (re)point it at a message. */
int vm_alloc_gsi(struct vm *vm);
int vm_set_msi_route(struct vm *vm, uint32_t gsi, uint64_t addr,
		     uint32_t data);
int vm_irqfd(struct vm *vm, int fd, uint32_t gsi, int resample_fd,
	     bool assign);
int vm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data);
int vm_irq_set(void *ctx, uint32_t gsi, int level);

/* vcpu.c */
extern bool cpuid_hide_xsave;
/* probe.c: 1 if KVM traps XSETBV as it must, 0 if not, or -errno. */
int kvm_probe_xsetbv(int kvm_fd);
int vcpu_create(struct vm *vm, unsigned int id, uint64_t entry);
int vcpu_start(struct vcpu *vcpu);
void vcpu_kick(struct vcpu *vcpu);
void vcpu_destroy(struct vcpu *vcpu);

#endif /* SLIMHV_VMM_VM_H */
