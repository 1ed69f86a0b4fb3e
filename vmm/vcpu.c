// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/bootparams.h"
#include "vmm/hostcpus.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/stats.h"
#include "vmm/vm.h"

#define SIG_VCPU_KICK		SIGUSR1

#define X86_CR0_PE		(1ULL << 0)
#define X86_CR0_ET		(1ULL << 4)
#define X86_CR0_PG		(1ULL << 31)
#define X86_CR4_PAE		(1ULL << 5)
#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)

#define APIC_LVT0		0x350
#define APIC_LVT1		0x360
#define APIC_MODE_NMI		0x4
#define APIC_MODE_EXTINT	0x7

#define CPUID_1_EDX_HTT		(1U << 28)
#define CPUID_1_ECX_HYPERVISOR	(1U << 31)
#define CPUID_7_ECX_PKU		(1U << 3)
#define CPUID_7_ECX_OSPKE	(1U << 4)
#define XFEATURE_MASK_PKRU	(1U << 9)
#define XSAVE_LEGACY_SIZE	576	/* FXSAVE area + XSAVE header */

/* Size of a standard-format XSAVE area holding the @xfeatures. */
static uint32_t xsave_size(const struct kvm_cpuid2 *c, uint32_t xfeatures)
{
	uint32_t size = XSAVE_LEGACY_SIZE;

	for (unsigned int i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 0xd && e->index >= 2 && e->index < 32 &&
		    (xfeatures & (1U << e->index)) && e->ebx + e->eax > size)
			size = e->ebx + e->eax;
	}
	return size;
}

bool cpuid_hide_xsave;

#define CPUID_1_ECX_FMA		(1U << 12)
#define CPUID_1_ECX_XSAVE	(1U << 26)
#define CPUID_1_ECX_OSXSAVE	(1U << 27)
#define CPUID_1_ECX_AVX		(1U << 28)
#define CPUID_1_ECX_F16C	(1U << 29)
#define CPUID_7_EBX_AVX2	(1U << 5)
#define CPUID_7_EBX_AVX512F	(1U << 16)

/*
 * Some hosts run KVM without trapping the guest's XSETBV (a nested KVM
 * on an emulated CPU: the lab): KVM then restores a stale XCR0 on every
 * entry and the guest's extended state breaks. Such hosts get a guest CPU
 * without XSAVE and AVX.
 */
static void hide_xsave(struct kvm_cpuid_entry2 *e)
{
	if (e->function == 1)
		e->ecx &= ~(CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE |
			    CPUID_1_ECX_AVX | CPUID_1_ECX_FMA |
			    CPUID_1_ECX_F16C);
	if (e->function == 7 && e->index == 0)
		e->ebx &= ~(CPUID_7_EBX_AVX2 | CPUID_7_EBX_AVX512F);
	if (e->function == 0xd)
		e->eax = e->ebx = e->ecx = e->edx = 0;
}

static void vcpu_fix_cpuid(struct kvm_cpuid2 *c, unsigned int id,
				    unsigned int nr)
{
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			/* Initial APIC ID, logical processor count, HTT. */
			e->ebx = (e->ebx & 0x0000ffff) | (id << 24) |
				 ((nr & 0xff) << 16);
			e->edx |= nr > 1 ? CPUID_1_EDX_HTT : 0;
			/* KVM leaves this to us: it enables kvmclock & co. */
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
			break;
		case 7:
			/* No protection keys: their XSAVE state is not sized. */
			if (e->index == 0)
				e->ecx &= ~(CPUID_7_ECX_PKU | CPUID_7_ECX_OSPKE);
			break;
		case 0xd:
			if (e->index == 0) {
				e->eax &= ~XFEATURE_MASK_PKRU;
				e->ebx = e->ecx = xsave_size(c, e->eax);
			}
			break;
		case 0xb:
		case 0x1f:
			/* x2APIC ID in every level of the topology leaves. */
			e->edx = id;
			break;
		}
		if (cpuid_hide_xsave)
			hide_xsave(e);
	}
}

static int vcpu_set_cpuid(struct vcpu *v)
{
	struct kvm_cpuid2 *src = v->vm->cpuid;
	size_t sz = sizeof(*src) + src->nent * sizeof(src->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int ret;

	if (!c)
		return -ENOMEM;
	memcpy(c, src, sz);
	vcpu_fix_cpuid(c, v->id, v->vm->nr_vcpus);
	ret = kvm_ioctl_val(v->fd, KVM_SET_CPUID2, c);
	free(c);
	return ret;
}

/* Virtual-wire mode, as firmware leaves the local APICs. */
static int vcpu_set_lint(struct vcpu *v)
{
	struct kvm_lapic_state lapic;
	uint32_t *lvt0 = (uint32_t *)&lapic.regs[APIC_LVT0];
	uint32_t *lvt1 = (uint32_t *)&lapic.regs[APIC_LVT1];
	int ret;

	ret = kvm_ioctl_ptr(v->fd, KVM_GET_LAPIC, &lapic);
	if (ret)
		return ret;
	*lvt0 = (*lvt0 & ~0x700U) | (APIC_MODE_EXTINT << 8);
	*lvt1 = (*lvt1 & ~0x700U) | (APIC_MODE_NMI << 8);
	return kvm_ioctl_ptr(v->fd, KVM_SET_LAPIC, &lapic);
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, bool code)
{
	*s = (struct kvm_segment) {
		.base = 0, .limit = 0xffffffff, .selector = sel,
		.type = code ? 0xb : 0x3, .present = 1, .dpl = 0,
		.db = code ? 0 : 1, .s = 1, .l = code ? 1 : 0, .g = 1,
	};
}

/* The boot protocol's 64-bit entry state (boot.rst, "64-bit Boot Protocol"). */
static int vcpu_set_boot_regs(struct vcpu *v, uint64_t entry)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rflags = 0x2, .rip = entry, .rsi = BOOT_PARAMS_GPA,
	};
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	int ret;

	ret = kvm_ioctl_ptr(v->fd, KVM_GET_SREGS, &sregs);
	if (ret)
		return ret;
	seg_flat(&sregs.cs, BOOT_GDT_CS, true);
	seg_flat(&sregs.ds, BOOT_GDT_DS, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = BOOT_GDT_GPA;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
	sregs.cr3 = BOOT_PML4_GPA;
	sregs.cr4 = X86_CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	ret = kvm_ioctl_ptr(v->fd, KVM_SET_SREGS, &sregs);
	if (!ret)
		ret = kvm_ioctl_ptr(v->fd, KVM_SET_REGS, &regs);
	if (!ret)
		ret = kvm_ioctl_ptr(v->fd, KVM_SET_FPU, &fpu);
	return ret;
}

int vcpu_create(struct vm *vm, unsigned int id, uint64_t entry)
{
	struct vcpu *v = &vm->vcpus[id];
	int ret, size;

	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->id = id;
	v->host_cpu = cpulist_nth(&vm->cfg->dedicated, id);
	v->fd = kvm_ioctl_val(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		ret = v->fd;
		v->fd = -1;
		return ret;
	}
	size = kvm_ioctl_val(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(*v->run))
		return size < 0 ? size : -EINVAL;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd,
		      0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	v->run_size = size;
	ret = vcpu_set_cpuid(v);
	if (!ret)
		ret = vcpu_set_lint(v);
	/* Application processors wait for INIT/SIPI from the boot CPU. */
	if (!ret && id == 0)
		ret = vcpu_set_boot_regs(v, entry);
	return ret;
}

void vcpu_destroy(struct vcpu *v)
{
	if (!v->vm)
		return;
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
	v->vm = NULL;
}

static void vcpu_handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t i = 0; i < run->io.count; i++) {
		int ret = bus_access(&v->vm->pio, run->io.port, data,
				     run->io.size, is_write);

		if (ret && ret != -ENOENT)
			pr_ratelimited(LOG_WARN, "vcpu%u: port 0x%x: %s",
				       v->id, run->io.port, strerror(-ret));
		data += run->io.size;
	}
}

static void vcpu_handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	int ret = bus_access(&v->vm->mmio, run->mmio.phys_addr,
			     run->mmio.data, run->mmio.len,
			     run->mmio.is_write);

	if (ret == -ENOENT)
		pr_ratelimited(LOG_DEBUG, "vcpu%u: no device at 0x%llx",
			       v->id, (unsigned long long)run->mmio.phys_addr);
}

static void vcpu_handle_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_state(v->vm, VM_POWEROFF);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_state(v->vm, VM_RESET);
		break;
	default:
		pr_err("vcpu%u: system event %u: the guest crashed", v->id,
		       v->run->system_event.type);
		vm_request_state(v->vm, VM_CRASHED);
	}
}

/* Returns false when the vCPU must stop. */
static bool vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	v->exits++;
	if (v->vm->stats && v->id < STATS_MAX_VCPUS)
		stats_add(&v->vm->stats->vcpu_exits[v->id], 1);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_io(v);
		return true;
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(v);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		/* A triple fault: what a PC does is reset. */
		pr_info("vcpu%u: triple fault, resetting the guest", v->id);
		vm_request_state(v->vm, VM_RESET);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		vcpu_handle_system_event(v);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		pr_err("vcpu%u: VM entry failed, hardware reason 0x%llx",
		       v->id, (unsigned long long)
		       run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		pr_err("vcpu%u: KVM internal error, suberror %u", v->id,
		       run->internal.suberror);
		break;
	default:
		pr_err("vcpu%u: unexpected exit reason %u", v->id,
		       run->exit_reason);
		break;
	}
	vm_request_state(v->vm, VM_CRASHED);
	return false;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_VCPU_KICK);
	/* A blocked SIGSYS from seccomp kills even in its log mode. */
	sigaddset(&set, SIGSYS);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	if (v->host_cpu >= 0) {
		int ret = hostcpus_pin(v->host_cpu);

		if (ret) {
			pr_err("vcpu%u: cannot move to its dedicated CPU %d: %s",
			       v->id, v->host_cpu, strerror(-ret));
			vm_request_state(v->vm, VM_CRASHED);
			return NULL;
		}
	}

	while (atomic_load(&v->vm->state) == VM_RUNNING) {
		int ret = kvm_ioctl_val(v->fd, KVM_RUN, 0);

		if (ret == -EINTR || ret == -EAGAIN) {
			v->run->immediate_exit = 0;
			continue;
		}
		if (ret < 0) {
			pr_err("vcpu%u: KVM_RUN: %s", v->id, strerror(-ret));
			vm_request_state(v->vm, VM_CRASHED);
			break;
		}
		if (!vcpu_handle_exit(v))
			break;
	}
	return NULL;
}

static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

int vcpu_start(struct vcpu *v)
{
	static bool handler_installed;
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };
	sigset_t set, old;
	int ret;

	if (!handler_installed) {
		/* No SA_RESTART: the kick must interrupt KVM_RUN. */
		sigaction(SIG_VCPU_KICK, &sa, NULL);
		handler_installed = true;
	}
	/* The thread starts with every signal blocked but the kick. */
	sigfillset(&set);
	pthread_sigmask(SIG_SETMASK, &set, &old);
	/*
	 * In the jail RLIMIT_NPROC leaves room for exactly the VMM's tasks;
	 * the last boot's vCPUs and KVM worker leave that count a little
	 * after they are joined, so a guest reboot may find it full for a
	 * moment: wait for it, a second at most.
	 */
	for (int tries = 0; tries < 1000; tries++) {
		ret = -pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (ret != -EAGAIN)
			break;
		usleep(1000);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ret)
		v->started = true;
	return ret;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->started || !v->run)
		return;
	v->run->immediate_exit = 1;
	pthread_kill(v->thread, SIG_VCPU_KICK);
}
