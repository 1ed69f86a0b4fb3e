/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dedicated CPUs on the host (issue 14). PID 1 keeps itself, every VMM's
 * own thread, the vCPUs of domains with no CPUs of their own and the
 * host's interrupts off the CPUs that domains own; each vCPU of a domain
 * with dedicated-cpus runs on its CPU alone, and the interrupts of the
 * domain's passed-through devices are steered to its CPUs. The plan is
 * pure logic (vmm/cpuplan.h); this file applies it.
 *
 * What it does not do: wall a compromised VMM in. Without cpuset cgroups
 * (not in the host kernel), a VMM may move its own threads with
 * sched_setaffinity(2) like any process; dedicated CPUs keep honest
 * neighbours apart, and the jail (vmm/sandbox.h) keeps a hostile VMM from
 * everything but CPU time.
 */
#ifndef SLIMHV_VMM_HOSTCPUS_H
#define SLIMHV_VMM_HOSTCPUS_H

#include <sys/types.h>

#include "passthrough/host.h"
#include "vmm/cpuplan.h"
#include "vmm/ctl.h"
#include "vmm/stats.h"

/* PID 1's plan (a VMM inherits it); slimhv run fills online alone. */
extern struct cpu_plan hostcpus_plan;

/* The CPUs the calling thread may run on: 0 or -errno. */
int hostcpus_read(struct cpulist *c);

/*
 * PID 1, once, with the configuration: makes the plan from the CPUs it may
 * use and, when a domain owns CPUs, moves itself and the host's
 * interrupts to the others. Logs what it did; never fails the host.
 */
void hostcpus_boot(const struct slimhv_config *cfg);

/*
 * A VMM, before its jail: checks @d's CPUs against hostcpus_plan.online
 * and moves its own thread off them. 0, or -EINVAL with the reason.
 */
int hostcpus_vmm(const struct domain_config *d, char *err, size_t errlen);

/* The calling thread onto host CPU @cpu alone: 0 or -errno. */
int hostcpus_pin(unsigned int cpu);

/* A domain whose device interrupts PID 1 steers or shows. */
struct hostcpus_dom {
	const char *name;
	const struct cpulist *cpus;		/* its dedicated CPUs */
	const struct host_assignment *a;	/* its devices */
	struct domain_stats *stats;	/* where its VMM says its vectors aim */
	int moved;			/* hostcpus_steer(): how many it moved */
};

/*
 * PID 1: steers the host interrupts of the @n domains' devices (VFIO
 * names them "vfio-msix[N](BDF)", "vfio-msi[N](BDF)", "vfio-intx(BDF)"),
 * each to the CPU of the vCPU it aims at, as the domain's VMM wrote in its
 * stats, else to all of the domain's CPUs; one read of /proc/interrupts
 * for all. Returns 0 with each domain's count in moved, or -errno.
 */
int hostcpus_steer(struct hostcpus_dom *doms, unsigned int n);

/* The `cpus` command: the host's CPUs and interrupts. */
void hostcpus_report_host(struct ctl_text *t);

/*
 * The `cpus` command, one domain: its dedicated CPUs, the CPUs each
 * thread of its VMM (@pid, 0 when down) may run on and last ran on, and
 * where its devices' interrupts go (and the vCPU each aims at), read back
 * from /proc.
 */
void hostcpus_report_domain(struct ctl_text *t, struct hostcpus_dom *dom,
			    pid_t pid);

#endif /* SLIMHV_VMM_HOSTCPUS_H */
