// SPDX-License-Identifier: GPL-2.0
/* Tests of CPU lists and the plan of dedicated CPUs (issue 14). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/test.h"
#include "vmm/cpulist.h"
#include "vmm/cpuplan.h"

static char why[128];

static struct cpulist list_of(const char *s)
{
	struct cpulist c;

	if (cpulist_parse(s, &c, why, sizeof(why)))
		cpulist_clear(&c);
	return c;
}

static const char *text_of(const struct cpulist *c)
{
	static char buf[256];

	if (cpulist_format(c, buf, sizeof(buf)))
		return "(ENOSPC)";
	return buf;
}

TEST(cpulist_parse_and_format)
{
	struct cpulist c;

	CHECK_EQ(cpulist_parse("0-3,8,10-11", &c, why, sizeof(why)), 0);
	CHECK_EQ(cpulist_count(&c), 7);
	CHECK_STR(text_of(&c), "0-3,8,10-11");
	CHECK_EQ(cpulist_nth(&c, 0), 0);
	CHECK_EQ(cpulist_nth(&c, 4), 8);
	CHECK_EQ(cpulist_nth(&c, 6), 11);
	CHECK_EQ(cpulist_nth(&c, 7), -1);
	/* sysfs ends its lists with a newline; the order is free */
	CHECK_EQ(cpulist_parse("5,1-2\n", &c, why, sizeof(why)), 0);
	CHECK_STR(text_of(&c), "1-2,5");
	CHECK_EQ(cpulist_parse("1023", &c, why, sizeof(why)), 0);
	CHECK(cpulist_has(&c, 1023));
	CHECK(!cpulist_has(&c, 1024));
	CHECK_STR(text_of(&c), "1023");

	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "", "no CPU is named" },
		{ "\n", "no CPU is named" },
		{ "1024", "a CPU number is 1024 or more" },
		{ "0-99999999999", "a CPU number is 1024 or more" },
		{ "3-1", "the range 3-1 runs backwards" },
		{ "1,1", "CPU 1 is named twice" },
		{ "0-2,2", "CPU 2 is named twice" },
		{ "1,", "not a list of CPUs like 2,3 or 2-5" },
		{ ",1", "not a list of CPUs like 2,3 or 2-5" },
		{ "1-", "not a list of CPUs like 2,3 or 2-5" },
		{ "-1", "not a list of CPUs like 2,3 or 2-5" },
		{ "1 2", "not a list of CPUs like 2,3 or 2-5" },
		{ "1\n2", "not a list of CPUs like 2,3 or 2-5" },
		{ "a", "not a list of CPUs like 2,3 or 2-5" },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ(cpulist_parse(bad[i].in, &c, why, sizeof(why)),
			 -EINVAL);
		CHECK_STR(why, bad[i].why);
		CHECK_EQ(cpulist_count(&c), 0);
	}
	/* a small buffer: cut, and said */
	char small[4];

	c = list_of("0-3,8");
	CHECK_EQ(cpulist_format(&c, small, sizeof(small)), -ENOSPC);
	cpulist_clear(&c);
	CHECK_STR(text_of(&c), "");
}

TEST(cpulist_sets_and_masks)
{
	struct cpulist a = list_of("0-3"), b = list_of("2,5"), c;
	char mask[300];

	CHECK_EQ(cpulist_first_common(&a, &b), 2);
	CHECK_EQ(cpulist_first_missing(&b, &a), 5);
	CHECK_EQ(cpulist_first_missing(&b, &b), -1);
	c = a;
	cpulist_or(&c, &b);
	CHECK_STR(text_of(&c), "0-3,5");
	cpulist_andnot(&c, &b);
	CHECK_STR(text_of(&c), "0-1,3");
	b = list_of("900");
	CHECK_EQ(cpulist_first_common(&a, &b), -1);

	CHECK_EQ(cpulist_format_mask(&a, mask, sizeof(mask)), 0);
	CHECK_STR(mask, "f");
	a = list_of("0,32");
	CHECK_EQ(cpulist_format_mask(&a, mask, sizeof(mask)), 0);
	CHECK_STR(mask, "1,00000001");
	a = list_of("63,64");
	CHECK_EQ(cpulist_format_mask(&a, mask, sizeof(mask)), 0);
	CHECK_STR(mask, "1,80000000,00000000");
	cpulist_clear(&a);
	CHECK_EQ(cpulist_format_mask(&a, mask, sizeof(mask)), 0);
	CHECK_STR(mask, "0");
	a = list_of("1023");
	CHECK_EQ(cpulist_format_mask(&a, mask, 8), -ENOSPC);
	CHECK_EQ(cpulist_format_mask(&a, mask, sizeof(mask)), 0);
	CHECK_EQ(strlen(mask), 8 + 31 * 9);
}

static struct slimhv_config plan_cfg;

static void plan_dom(unsigned int i, const char *name, const char *cpus)
{
	struct domain_config *d = &plan_cfg.domains[i];

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->dedicated = list_of(cpus ? cpus : "");
	d->cpus = cpus ? cpulist_count(&d->dedicated) : 1;
	if (i >= plan_cfg.nr_domains)
		plan_cfg.nr_domains = i + 1;
}

TEST(cpu_plan_keeps_a_cpu_for_the_host)
{
	struct cpulist online = list_of("0-3");
	static struct cpu_plan plan;

	plan_cfg.nr_domains = 0;
	plan_dom(0, "dom0", "1");
	plan_dom(1, "app", NULL);
	plan_dom(2, "db", "2-3");
	cpu_plan_make(&plan_cfg, &online, &plan);
	CHECK_EQ(plan.nr_dedicated, 2);
	CHECK_STR(text_of(&plan.host), "0");
	CHECK_STR(plan.refused[0], "");
	CHECK_STR(plan.refused[1], "");
	CHECK_STR(plan.refused[2], "");

	/* a CPU the host does not have: that domain alone is refused */
	plan_dom(2, "db", "3-4");
	cpu_plan_make(&plan_cfg, &online, &plan);
	CHECK_EQ(plan.nr_dedicated, 1);
	CHECK_STR(plan.refused[2], "dedicated-cpus 3-4: this host has no CPU 4 (it has 0-3)");
	CHECK_STR(text_of(&plan.host), "0,2-3");

	/* every CPU: the later domain is refused, the host keeps one */
	plan_dom(2, "db", "0,2-3");
	cpu_plan_make(&plan_cfg, &online, &plan);
	CHECK_STR(plan.refused[2], "dedicated-cpus 0,2-3 would leave the host none of its CPUs (0-3) for itself");
	CHECK_STR(text_of(&plan.host), "0,2-3");

	/* no domain owns a CPU: the host keeps them all */
	plan_cfg.nr_domains = 0;
	plan_dom(0, "dom0", NULL);
	cpu_plan_make(&plan_cfg, &online, &plan);
	CHECK_EQ(plan.nr_dedicated, 0);
	CHECK_STR(text_of(&plan.host), "0-3");
	cpu_plan_make(NULL, &online, &plan);
	CHECK_STR(text_of(&plan.host), "0-3");
}

TEST(cpu_plan_vmm_thread)
{
	struct cpulist online = list_of("0-3"), vmm;
	struct domain_config d;
	char err[160];

	memset(&d, 0, sizeof(d));
	d.cpus = 1;
	/* no dedicated CPUs: the VMM stays where it was */
	CHECK_EQ(cpu_plan_vmm(&d, &online, &online, &vmm, err, sizeof(err)),
		 0);
	CHECK_STR(text_of(&vmm), "0-3");
	d.dedicated = list_of("2");
	CHECK_EQ(cpu_plan_vmm(&d, &online, &online, &vmm, err, sizeof(err)),
		 0);
	CHECK_STR(text_of(&vmm), "0-1,3");
	/* forked by PID 1, which keeps 0 */
	struct cpulist host = list_of("0");

	CHECK_EQ(cpu_plan_vmm(&d, &online, &host, &vmm, err, sizeof(err)), 0);
	CHECK_STR(text_of(&vmm), "0");
	d.dedicated = list_of("6");
	CHECK_EQ(cpu_plan_vmm(&d, &online, &online, &vmm, err, sizeof(err)),
		 -EINVAL);
	CHECK_STR(err, "dedicated-cpus 6: this host has no CPU 6 that slimhv may use (it may use 0-3)");
	d.dedicated = list_of("0-1");
	d.cpus = 2;
	host = list_of("0-1");
	CHECK_EQ(cpu_plan_vmm(&d, &online, &host, &vmm, err, sizeof(err)),
		 -EINVAL);
	CHECK_STR(err, "dedicated-cpus 0-1 would leave the VMM's own thread none of the CPUs it may use (0-1)");
}

TEST(cpu_plan_vfio_interrupt_lines)
{
	const char *name = NULL;

	CHECK_EQ(cpu_plan_irq_of("  24:          0        312  IR-PCI-MSIX-0000:00:03.0    0-edge      vfio-msix[0](0000:00:03.0)",
				 "0000:00:03.0", &name), 24);
	CHECK_STR(name, "vfio-msix[0](0000:00:03.0)");
	CHECK_EQ(cpu_plan_irq_of(" 121:  5  0  IR-PCI-MSI-0000:00:04.0  0-edge  vfio-msi[0](0000:00:04.0)",
				 "0000:00:04.0", NULL), 121);
	CHECK_EQ(cpu_plan_irq_of("  11:  0  0  IR-IO-APIC  11-fasteoi  vfio-intx(0000:00:04.0)",
				 "0000:00:04.0", NULL), 11);
	/* another device, a host driver's interrupt, the header, junk */
	CHECK_EQ(cpu_plan_irq_of("  24:  0  0  IR-PCI-MSIX  0-edge  vfio-msix[0](0000:00:03.0)",
				 "0000:00:03.1", NULL), -1);
	CHECK_EQ(cpu_plan_irq_of("  25:  0  0  IR-PCI-MSIX-0000:00:03.0  1-edge  nvme0q1",
				 "0000:00:03.0", NULL), -1);
	CHECK_EQ(cpu_plan_irq_of("           CPU0       CPU1", "0000:00:03.0",
				 NULL), -1);
	CHECK_EQ(cpu_plan_irq_of("NMI:  0  0  Non-maskable interrupts",
				 "0000:00:03.0", NULL), -1);
	CHECK_EQ(cpu_plan_irq_of("  99999999999999: vfio-intx(0000:00:03.0)",
				 "0000:00:03.0", NULL), -1);
	CHECK_EQ(cpu_plan_irq_of("  7: vfio-intx(0000:00:03.0", "0000:00:03.0",
				 NULL), -1);
	CHECK_EQ(cpu_plan_irq_of("  7: vfio-intx(0000:00:03.0)", "", NULL), -1);
}

TEST(cpu_plan_msi_destination_to_host_cpu)
{
	struct cpulist cpus = list_of("2,5,7"), out;

	/* physical mode: the APIC ID in bits 19:12 is the vCPU */
	CHECK_EQ(cpu_plan_msi_vcpu(0xfee00000, 3), 0);
	CHECK_EQ(cpu_plan_msi_vcpu(0xfee02000, 3), 2);
	CHECK_EQ(cpu_plan_msi_vcpu(0xfee03000, 3), -1);
	CHECK_EQ(cpu_plan_msi_vcpu(0xfeeff000, 64), -1);
	/* logical flat mode: the lowest CPU of the bitmask */
	CHECK_EQ(cpu_plan_msi_vcpu(0xfee02004, 3), 1);
	CHECK_EQ(cpu_plan_msi_vcpu(0xfee0c004, 4), 2);
	CHECK_EQ(cpu_plan_msi_vcpu(0xfee00004, 4), -1);
	/* not an MSI address */
	CHECK_EQ(cpu_plan_msi_vcpu(0xfed00000, 3), -1);
	CHECK_EQ(cpu_plan_msi_vcpu(0x1fee00000ULL, 3), 0);

	cpu_plan_irq_cpus(&cpus, 2, &out);
	CHECK_STR(text_of(&out), "5");
	cpu_plan_irq_cpus(&cpus, 3, &out);
	CHECK_STR(text_of(&out), "7");
	/* unknown, or a vCPU the domain has no CPU for: all of them */
	cpu_plan_irq_cpus(&cpus, 0, &out);
	CHECK_STR(text_of(&out), "2,5,7");
	cpu_plan_irq_cpus(&cpus, 4, &out);
	CHECK_STR(text_of(&out), "2,5,7");

	CHECK_EQ(cpu_plan_irq_vector("vfio-msix[0](0000:00:03.0)"), 0);
	CHECK_EQ(cpu_plan_irq_vector("vfio-msix[64](0000:00:03.0)"), 64);
	CHECK_EQ(cpu_plan_irq_vector("vfio-msi[3](0000:00:04.0)"), 3);
	CHECK_EQ(cpu_plan_irq_vector("vfio-intx(0000:00:04.0)"), -1);
	CHECK_EQ(cpu_plan_irq_vector("vfio-msix[](0000:00:03.0)"), -1);
	CHECK_EQ(cpu_plan_irq_vector("vfio-msix[99999](0000:00:03.0)"), -1);
	CHECK_EQ(cpu_plan_irq_vector("vfio-msix[1"), -1);
	CHECK_EQ(cpu_plan_irq_vector("nvme0q1"), -1);
}
