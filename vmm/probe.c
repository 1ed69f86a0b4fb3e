// SPDX-License-Identifier: GPL-2.0
/*
 * Probes of what this host's KVM really does, by running tiny real-mode
 * payloads before any guest boots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define PROBE_GPA		0x1000
#define PROBE_PORT		0x10
#define CPUID_1_ECX_XSAVE_BIT	(1U << 26)

/*
 * Set CR4.OSXSAVE, XSETBV 3 (x87 | SSE), then OUT to PROBE_PORT.
 * 16-bit code: 0x66 selects 32-bit operands.
 */
static const uint8_t xsetbv_payload[] = {
	0x0f, 0x20, 0xe0,			/* mov eax, cr4 */
	0x66, 0x0d, 0x00, 0x00, 0x04, 0x00,	/* or eax, 1 << 18 */
	0x0f, 0x22, 0xe0,			/* mov cr4, eax */
	0x66, 0x31, 0xc9,			/* xor ecx, ecx */
	0x66, 0x31, 0xd2,			/* xor edx, edx */
	0x66, 0xb8, 0x03, 0x00, 0x00, 0x00,	/* mov eax, 3 */
	0x0f, 0x01, 0xd1,			/* xsetbv */
	0xe6, PROBE_PORT,			/* out PROBE_PORT, al */
	0xf4,					/* hlt */
};

static bool cpuid_has_xsave(const struct kvm_cpuid2 *c)
{
	for (unsigned int i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			return c->entries[i].ecx & CPUID_1_ECX_XSAVE_BIT;
	return false;
}

/*
 * Returns 1 when KVM sees the guest's XSETBV (XCR0 reads back as written),
 * 0 when it does not (the guest's XCR0 would be lost on every entry), or
 * -errno when the probe cannot run.
 */
int kvm_probe_xsetbv(int kvm_fd)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = 0x2000,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = PROBE_GPA, .rflags = 0x2 };
	struct kvm_xcrs xcrs = { 0 };
	struct kvm_run *run = NULL;
	int vm_fd, vcpu_fd = -1, ret, run_size = 0;
	uint8_t *mem;

	cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = 256;
	ret = kvm_ioctl_val(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
	if (ret || !cpuid_has_xsave(cpuid)) {
		free(cpuid);
		return ret ? ret : 1;	/* no XSAVE: nothing to lose */
	}
	mem = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vm_fd = kvm_ioctl_val(kvm_fd, KVM_CREATE_VM, 0);
	if (mem == MAP_FAILED || vm_fd < 0) {
		ret = vm_fd < 0 ? vm_fd : -ENOMEM;
		goto out;
	}
	memcpy(mem + PROBE_GPA, xsetbv_payload, sizeof(xsetbv_payload));
	region.userspace_addr = (uintptr_t)mem;
	ret = kvm_ioctl_ptr(vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (ret)
		goto out;
	vcpu_fd = kvm_ioctl_val(vm_fd, KVM_CREATE_VCPU, 0);
	run_size = kvm_ioctl_val(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu_fd < 0 || run_size <= 0) {
		ret = vcpu_fd < 0 ? vcpu_fd : -EINVAL;
		goto out;
	}
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu_fd, 0);
	if (run == MAP_FAILED) {
		run = NULL;
		ret = -errno;
		goto out;
	}
	ret = kvm_ioctl_val(vcpu_fd, KVM_SET_CPUID2, cpuid);
	if (!ret)
		ret = kvm_ioctl_ptr(vcpu_fd, KVM_GET_SREGS, &sregs);
	if (ret)
		goto out;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ret = kvm_ioctl_ptr(vcpu_fd, KVM_SET_SREGS, &sregs);
	if (!ret)
		ret = kvm_ioctl_ptr(vcpu_fd, KVM_SET_REGS, &regs);
	if (!ret)
		ret = kvm_ioctl_val(vcpu_fd, KVM_RUN, 0);
	if (ret)
		goto out;
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != PROBE_PORT) {
		pr_debug("probe: XSETBV payload ended with exit %u",
			 run->exit_reason);
		ret = -EIO;
		goto out;
	}
	ret = kvm_ioctl_ptr(vcpu_fd, KVM_GET_XCRS, &xcrs);
	if (ret)
		goto out;
	ret = 0;
	for (unsigned int i = 0; i < xcrs.nr_xcrs; i++)
		if (xcrs.xcrs[i].xcr == 0 && xcrs.xcrs[i].value == 3)
			ret = 1;
out:
	if (run)
		munmap(run, run_size);
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	if (vm_fd >= 0)
		close(vm_fd);
	if (mem != MAP_FAILED)
		munmap(mem, 0x2000);
	free(cpuid);
	return ret;
}
