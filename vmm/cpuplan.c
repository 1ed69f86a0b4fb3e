// SPDX-License-Identifier: GPL-2.0
/*
 * The plan of dedicated CPUs (see cpuplan.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cpuplan.h"

void cpu_plan_make(const struct slimhv_config *cfg,
		   const struct cpulist *online, struct cpu_plan *plan)
{
	struct cpulist claimed, with;
	char list[64], all[64];
	int cpu;

	memset(plan, 0, sizeof(*plan));
	plan->online = *online;
	cpulist_clear(&claimed);
	cpulist_text(online, all, sizeof(all));
	for (unsigned int i = 0; cfg && i < cfg->nr_domains; i++) {
		const struct domain_config *d = &cfg->domains[i];
		char *why = plan->refused[i];

		if (!cpulist_count(&d->dedicated))
			continue;
		cpulist_text(&d->dedicated, list, sizeof(list));
		cpu = cpulist_first_missing(&d->dedicated, online);
		if (cpu >= 0) {
			snprintf(why, sizeof(plan->refused[i]),
				 "dedicated-cpus %s: this host has no CPU %d (it has %s)",
				 list, cpu, all);
			continue;
		}
		with = claimed;
		cpulist_or(&with, &d->dedicated);
		if (cpulist_first_missing(online, &with) < 0) {
			snprintf(why, sizeof(plan->refused[i]),
				 "dedicated-cpus %s would leave the host none of its CPUs (%s) for itself",
				 list, all);
			continue;
		}
		claimed = with;
		plan->nr_dedicated++;
	}
	plan->host = *online;
	cpulist_andnot(&plan->host, &claimed);
}

int cpu_plan_vmm(const struct domain_config *d, const struct cpulist *online,
		 const struct cpulist *allowed, struct cpulist *vmm,
		 char *err, size_t errlen)
{
	char list[64], all[64];
	int cpu;

	*vmm = *allowed;
	if (!cpulist_count(&d->dedicated))
		return 0;
	cpulist_text(&d->dedicated, list, sizeof(list));
	cpu = cpulist_first_missing(&d->dedicated, online);
	if (cpu >= 0) {
		cpulist_text(online, all, sizeof(all));
		snprintf(err, errlen, "dedicated-cpus %s: this host has no CPU %d that slimhv may use (it may use %s)",
			 list, cpu, all);
		return -EINVAL;
	}
	cpulist_andnot(vmm, &d->dedicated);
	if (!cpulist_count(vmm)) {
		cpulist_text(allowed, all, sizeof(all));
		snprintf(err, errlen, "dedicated-cpus %s would leave the VMM's own thread none of the CPUs it may use (%s)",
			 list, all);
		return -EINVAL;
	}
	return 0;
}

int cpu_plan_irq_of(const char *line, const char *bdf, const char **name)
{
	const char *p = line, *vfio, *dev;
	size_t n = strlen(bdf);
	int irq = 0;

	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		irq = irq * 10 + (*p - '0');
		if (irq > 1 << 20)
			return -1;
	}
	if (*p != ':' || !n)
		return -1;
	vfio = strstr(p, " vfio-");
	if (!vfio)
		return -1;
	vfio++;
	dev = strchr(vfio, '(');
	if (!dev || strncmp(dev + 1, bdf, n) || dev[n + 1] != ')')
		return -1;
	if (name)
		*name = vfio;
	return irq;
}

int cpu_plan_msi_vcpu(uint64_t addr, unsigned int nr_vcpus)
{
	unsigned int dest = (addr >> 12) & 0xff;

	if ((addr & 0xfff00000ULL) != 0xfee00000ULL)
		return -1;
	if (addr & 4) {
		if (!dest)
			return -1;
		dest = __builtin_ctz(dest);
	}
	return dest < nr_vcpus ? (int)dest : -1;
}

int cpu_plan_irq_vector(const char *name)
{
	const char *p;
	int v = 0;

	if (!strncmp(name, "vfio-msix[", 10))
		p = name + 10;
	else if (!strncmp(name, "vfio-msi[", 9))
		p = name + 9;
	else
		return -1;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 4096)
			return -1;
	}
	return *p == ']' ? v : -1;
}

void cpu_plan_irq_cpus(const struct cpulist *cpus, unsigned int vcpu_plus1,
		       struct cpulist *out)
{
	int cpu = vcpu_plus1 ? cpulist_nth(cpus, vcpu_plus1 - 1) : -1;

	if (cpu < 0) {
		*out = *cpus;
		return;
	}
	cpulist_clear(out);
	cpulist_set(out, cpu);
}
