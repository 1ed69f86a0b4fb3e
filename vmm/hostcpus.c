// SPDX-License-Identifier: GPL-2.0
/*
 * Dedicated CPUs on the host: applying the plan (see hostcpus.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/hostcpus.h"
#include "vmm/log.h"
#include "vmm/reboot.h"

struct cpu_plan hostcpus_plan;

static void to_set(const struct cpulist *c, cpu_set_t *set)
{
	CPU_ZERO(set);
	for (unsigned int cpu = 0; cpu < CPULIST_MAX && cpu < CPU_SETSIZE;
	     cpu++)
		if (cpulist_has(c, cpu))
			CPU_SET(cpu, set);
}

int hostcpus_read(struct cpulist *c)
{
	cpu_set_t set;

	cpulist_clear(c);
	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (unsigned int cpu = 0; cpu < CPULIST_MAX && cpu < CPU_SETSIZE;
	     cpu++)
		if (CPU_ISSET(cpu, &set))
			cpulist_set(c, cpu);
	return 0;
}

static int set_self(const struct cpulist *c)
{
	cpu_set_t set;

	to_set(c, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

int hostcpus_pin(unsigned int cpu)
{
	struct cpulist one;

	cpulist_clear(&one);
	cpulist_set(&one, cpu);
	return set_self(&one);
}

/* Writes @text to the /proc file @path: 0 or -errno. */
static int write_proc(const char *path, const char *text)
{
	size_t n = strlen(text);
	ssize_t w;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, text, n);
	if (w < 0)
		ret = -errno;
	else if ((size_t)w != n)
		ret = -EIO;
	close(fd);
	return ret;
}

/* The first line of the /proc file @path, without its newline. */
static int read_proc(const char *path, char *buf, size_t len)
{
	int ret = proc_read_text(path, buf, len);

	if (!ret)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

/*
 * Every interrupt the kernel lets move, to @list; per-CPU ones (the local
 * timer, IPIs) refuse and stay. Counts both.
 */
static void move_irqs(const char *list, unsigned int *moved,
		      unsigned int *stayed)
{
	char path[64];
	struct dirent *e;
	DIR *d;

	*moved = *stayed = 0;
	d = opendir("/proc/irq");
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/irq/%.8s/smp_affinity_list",
			 e->d_name);
		if (write_proc(path, list))
			(*stayed)++;
		else
			(*moved)++;
	}
	closedir(d);
}

void hostcpus_boot(const struct slimhv_config *cfg)
{
	struct cpulist online;
	char host[256], mask[300], owned[256];
	unsigned int moved, stayed;
	int ret;

	ret = hostcpus_read(&online);
	if (ret) {
		pr_warn("cpus: cannot read the CPUs PID 1 may use (%s): the domains' dedicated-cpus are refused",
			strerror(-ret));
		cpulist_clear(&online);
	}
	cpu_plan_make(cfg, &online, &hostcpus_plan);
	if (!hostcpus_plan.nr_dedicated)
		return;
	cpulist_text(&hostcpus_plan.host, host, sizeof(host));
	ret = set_self(&hostcpus_plan.host);
	if (ret)
		pr_warn("cpus: PID 1 cannot move to CPUs %s: %s", host,
			strerror(-ret));
	if (cpulist_format_mask(&hostcpus_plan.host, mask, sizeof(mask)) ||
	    write_proc("/proc/irq/default_smp_affinity", mask))
		pr_warn("cpus: cannot set the default CPUs of new interrupts to %s",
			host);
	move_irqs(host, &moved, &stayed);
	for (unsigned int i = 0; cfg && i < cfg->nr_domains; i++) {
		const struct domain_config *d = &cfg->domains[i];

		if (!cpulist_count(&d->dedicated) || hostcpus_plan.refused[i][0])
			continue;
		cpulist_text(&d->dedicated, owned, sizeof(owned));
		pr_info("cpus: %s owns CPU%s %s", d->name,
			cpulist_count(&d->dedicated) > 1 ? "s" : "", owned);
	}
	pr_info("cpus: the host keeps CPU%s %s for PID 1, the VMMs' own threads, the other domains and its interrupts (%u interrupts moved there, %u per-CPU ones stay)",
		cpulist_count(&hostcpus_plan.host) > 1 ? "s" : "", host, moved,
		stayed);
}

int hostcpus_vmm(const struct domain_config *d, char *err, size_t errlen)
{
	struct cpulist allowed, vmm;
	int ret;

	if (!cpulist_count(&d->dedicated))
		return 0;
	ret = hostcpus_read(&allowed);
	if (ret) {
		snprintf(err, errlen, "cannot read the CPUs this VMM may use: %s",
			 strerror(-ret));
		return ret;
	}
	ret = cpu_plan_vmm(d, &hostcpus_plan.online, &allowed, &vmm, err,
			   errlen);
	if (ret)
		return ret;
	ret = set_self(&vmm);
	if (ret)
		snprintf(err, errlen, "cannot move the VMM's own thread off its dedicated CPUs: %s",
			 strerror(-ret));
	return ret;
}

/*
 * Reads /proc/interrupts once and calls @fn for each VFIO interrupt of a
 * device of one of the @n domains, with the domain and the device's index
 * in its assignment.
 */
static int scan_irqs(struct hostcpus_dom *doms, unsigned int n,
		     void (*fn)(int, const char *, struct hostcpus_dom *,
				unsigned int, void *),
		     void *arg)
{
	char line[1024];
	const char *name;
	FILE *f;
	int irq;

	f = fopen("/proc/interrupts", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		irq = -1;
		for (unsigned int d = 0; d < n && irq < 0; d++) {
			const struct host_assignment *a = doms[d].a;

			for (unsigned int i = 0; i < a->nr && irq < 0; i++) {
				irq = cpu_plan_irq_of(line, a->devs[i].bdf,
						      &name);
				if (irq >= 0)
					fn(irq, name, &doms[d], i, arg);
			}
		}
	}
	fclose(f);
	return 0;
}

/* The vCPU the VMM says vector @name of device @dev aims at, plus 1. */
static unsigned int aimed_at(struct domain_stats *stats, const char *name,
			     unsigned int dev)
{
	int vec = cpu_plan_irq_vector(name);

	if (!stats || vec < 0 || vec >= STATS_MAX_VECTORS ||
	    dev >= STATS_MAX_DEVS)
		return 0;
	return atomic_load_explicit(&stats->msi_vcpu[dev][vec],
				    memory_order_relaxed);
}

static void steer_one(int irq, const char *name, struct hostcpus_dom *dom,
		      unsigned int dev, void *arg)
{
	char path[64], now[256], want[256];
	struct cpulist cpus;

	(void)arg;
	cpu_plan_irq_cpus(dom->cpus, aimed_at(dom->stats, name, dev), &cpus);
	cpulist_text(&cpus, want, sizeof(want));
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	if (!read_proc(path, now, sizeof(now)) && !strcmp(now, want))
		return;
	if (!write_proc(path, want))
		dom->moved++;
}

int hostcpus_steer(struct hostcpus_dom *doms, unsigned int n)
{
	for (unsigned int d = 0; d < n; d++)
		doms[d].moved = 0;
	return n ? scan_irqs(doms, n, steer_one, NULL) : 0;
}

void hostcpus_report_host(struct ctl_text *t)
{
	char online[256], host[256], pid1[256];
	struct cpulist self;

	cpulist_text(&hostcpus_plan.online, online, sizeof(online));
	cpulist_text(&hostcpus_plan.host, host, sizeof(host));
	if (hostcpus_read(&self))
		snprintf(pid1, sizeof(pid1), "?");
	else
		cpulist_text(&self, pid1, sizeof(pid1));
	ctl_printf(t, "host: CPUs %s; kept by the host %s; PID 1 on %s\n",
		   online, host, pid1);
}

/* Field 39 of /proc/PID/task/TID/stat: the CPU the thread last ran on. */
static int last_cpu(const char *stat)
{
	const char *p = strrchr(stat, ')');
	int field = 2;

	if (!p)
		return -1;
	for (; *p && field < 39; p++)
		if (*p == ' ')
			field++;
	return *p ? atoi(p) : -1;
}

static void report_threads(struct ctl_text *t, pid_t pid)
{
	char path[96], text[2048], comm[32], *line;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d) {
		ctl_printf(t, "  threads: cannot read %s: %s\n", path,
			   strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		int ran = -1;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat",
			 (int)pid, e->d_name);
		if (!read_proc(path, text, sizeof(text)))
			ran = last_cpu(text);
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/comm",
			 (int)pid, e->d_name);
		if (read_proc(path, comm, sizeof(comm)))
			snprintf(comm, sizeof(comm), "?");
		for (char *c = comm; *c; c++)
			if (*c == ' ')
				*c = '_';
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/status",
			 (int)pid, e->d_name);
		if (proc_read_text(path, text, sizeof(text)))
			continue;
		line = strstr(text, "Cpus_allowed_list:");
		if (!line)
			continue;
		line += strlen("Cpus_allowed_list:");
		line += strspn(line, " \t");
		line[strcspn(line, "\n")] = '\0';
		ctl_printf(t, "  thread %s %s: CPUs %s, last on %d\n", e->d_name,
			   comm, line, ran);
	}
	closedir(d);
}

static void report_irq(int irq, const char *name, struct hostcpus_dom *dom,
		       unsigned int dev, void *arg)
{
	struct ctl_text *t = arg;
	char path[80], aff[256], eff[256], aim[32] = "";
	unsigned int vcpu = aimed_at(dom->stats, name, dev);

	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	if (read_proc(path, aff, sizeof(aff)))
		snprintf(aff, sizeof(aff), "?");
	snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list",
		 irq);
	if (read_proc(path, eff, sizeof(eff)))
		snprintf(eff, sizeof(eff), "?");
	if (vcpu)
		snprintf(aim, sizeof(aim), ", aimed at vCPU %u", vcpu - 1);
	ctl_printf(t, "  interrupt %d %.48s: CPUs %s, effective %s%s\n",
		   irq, name, aff, eff, aim);
}

void hostcpus_report_domain(struct ctl_text *t, struct hostcpus_dom *dom,
			    pid_t pid)
{
	char list[256];

	if (cpulist_count(dom->cpus))
		cpulist_text(dom->cpus, list, sizeof(list));
	else
		snprintf(list, sizeof(list), "none");
	ctl_printf(t, "%s: dedicated CPUs %s%s\n", dom->name, list,
		   pid > 0 ? "" : "; down");
	if (pid > 0)
		report_threads(t, pid);
	if (dom->a->nr && scan_irqs(dom, 1, report_irq, t))
		ctl_printf(t, "  interrupts: cannot read /proc/interrupts\n");
}
