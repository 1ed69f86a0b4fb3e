/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which host CPUs each domain owns and which the host keeps (issue 14).
 * PID 1 makes the plan once, from the configuration and the CPUs it found
 * at boot: a domain whose dedicated-cpus are not all on this host, or
 * would leave the host no CPU of its own, is refused alone (in boot order:
 * the earlier domain keeps its CPUs). PID 1, every VMM's own thread, the
 * vCPUs of the domains with no dedicated CPUs and the host's interrupts
 * run on the CPUs the host keeps. Pure logic: the unit tests cover it.
 */
#ifndef SLIMHV_VMM_CPUPLAN_H
#define SLIMHV_VMM_CPUPLAN_H

#include "vmm/config.h"
#include "vmm/cpulist.h"

struct cpu_plan {
	struct cpulist online;		/* the CPUs PID 1 found at boot */
	struct cpulist host;		/* the CPUs no domain owns */
	unsigned int nr_dedicated;	/* domains that own CPUs */
	/* "" or why the domain (index in the configuration) is refused */
	char refused[CONFIG_MAX_DOMAINS][200];
};

void cpu_plan_make(const struct slimhv_config *cfg,
		   const struct cpulist *online, struct cpu_plan *plan);

/*
 * For a VMM: whether @d's dedicated CPUs are all in @online (else -EINVAL
 * and the reason in @err), and in @vmm the CPUs its own thread may use:
 * @allowed without the domain's CPUs (-EINVAL when none is left).
 */
int cpu_plan_vmm(const struct domain_config *d, const struct cpulist *online,
		 const struct cpulist *allowed, struct cpulist *vmm,
		 char *err, size_t errlen);

/*
 * A line of /proc/interrupts ("  24:  0  3  IR-PCI-MSIX-0000:00:03.0
 * 0-edge  vfio-msix[0](0000:00:03.0)"): the interrupt's number when VFIO
 * requested it for device @bdf, else -1; *@name then points at VFIO's
 * name for it in @line.
 */
int cpu_plan_irq_of(const char *line, const char *bdf, const char **name);

/*
 * The vCPU an MSI message's address aims at (the VMM gives vCPU N APIC ID
 * N): the destination ID in bits 19:12, or in logical mode (bit 2) the
 * lowest CPU of its flat bitmask; -1 when it names none of @nr_vcpus.
 */
int cpu_plan_msi_vcpu(uint64_t addr, unsigned int nr_vcpus);

/*
 * The host CPUs for a device interrupt of a domain that owns @cpus: the
 * CPU of the vCPU it aims at (@vcpu_plus1 - 1; 0 when not known), else
 * all of @cpus.
 */
void cpu_plan_irq_cpus(const struct cpulist *cpus, unsigned int vcpu_plus1,
		       struct cpulist *out);

/* The vector of VFIO's "vfio-msix[N](...)" or "vfio-msi[N](...)", or -1. */
int cpu_plan_irq_vector(const char *name);

#endif /* SLIMHV_VMM_CPUPLAN_H */
