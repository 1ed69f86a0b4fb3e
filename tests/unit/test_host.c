// SPDX-License-Identifier: GPL-2.0
/* Passthrough's host side against a fake sysfs and /proc tree. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "passthrough/host.h"
#include "tests/unit/test.h"

static char root[256];

static void put(const char *path, const char *text)
{
	char full[512], dir[512], *slash;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	snprintf(dir, sizeof(dir), "%s", full);
	for (slash = dir + strlen(root) + 1; (slash = strchr(slash, '/'));
	     slash++) {
		*slash = 0;
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(full, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void link_to(const char *path, const char *target)
{
	char full[512];

	snprintf(full, sizeof(full), "%s%s", root, path);
	symlink(target, full);
}

static void fake_pci(const char *bdf, const char *vendor, const char *device,
		     const char *class, int group, const char *driver)
{
	char p[256], t[256];

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", bdf);
	put(p, vendor);
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", bdf);
	put(p, device);
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/class", bdf);
	put(p, class);
	snprintf(p, sizeof(p), "/sys/kernel/iommu_groups/%d/devices/%s/x",
		 group, bdf);
	put(p, "");
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	snprintf(t, sizeof(t), "../../../kernel/iommu_groups/%d", group);
	link_to(p, t);
	if (driver) {
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver", bdf);
		snprintf(t, sizeof(t), "../../bus/pci/drivers/%s", driver);
		link_to(p, t);
	}
}

/* The lab: an e1000e and an NVMe, each in its own group, IR on. */
static void fake_lab(bool iommu, bool remap)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (root[0] && system(cmd) != 0)
		return;
	snprintf(root, sizeof(root), "/tmp/slimhv-test-host-%d", getpid());
	mkdir(root, 0755);
	fake_pci("0000:00:00.0", "0x8086", "0x29c0", "0x060000", 0, NULL);
	fake_pci("0000:00:02.0", "0x8086", "0x10d3", "0x020000", 2, NULL);
	fake_pci("0000:00:03.0", "0x1b36", "0x0010", "0x010802", 3, NULL);
	fake_pci("0000:00:1f.0", "0x8086", "0x2918", "0x060100", 4, "lpc_ich");
	fake_pci("0000:00:1f.2", "0x8086", "0x2922", "0x010601", 4, "ahci");
	if (iommu)
		put("/sys/class/iommu/dmar0/x", "");
	put("/proc/interrupts", remap ?
	    "  24:  0  IR-PCI-MSI-0000:00:02.0  0-edge\n" :
	    "  24:  0  PCI-MSI-0000:00:02.0  0-edge\n");
	host_root = root;
}

static void cleanup(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	host_root = "";
}

static int domain_with(struct domain_config *d, const char *dev)
{
	domain_config_defaults(d);
	snprintf(d->name, sizeof(d->name), "dom0");
	d->nr_devices = 1;
	return parse_dev_match(dev, &d->devices[0]);
}

TEST(host_scan_reads_ids_groups_drivers)
{
	struct host_pci_dev devs[8];
	int n;

	fake_lab(true, true);
	n = host_pci_scan(devs, 8);
	REQUIRE(n == 5);
	CHECK_STR(devs[1].bdf, "0000:00:02.0");
	CHECK_EQ(devs[1].vendor, 0x8086);
	CHECK_EQ(devs[1].device, 0x10d3);
	CHECK_EQ(devs[1].class_code, 0x020000);
	CHECK_EQ(devs[1].group, 2);
	CHECK_STR(devs[1].driver, "");
	CHECK_STR(devs[3].driver, "lpc_ich");
	CHECK_EQ(devs[2].slot, 3);
	cleanup();
}

TEST(host_resolve_by_address_id_and_class)
{
	struct domain_config d;
	struct host_assignment a;
	char err[256];

	fake_lab(true, true);
	REQUIRE(domain_with(&d, "0000:00:03.0") == 0);
	CHECK_EQ(host_resolve(&d, &a, err, sizeof(err)), 0);
	CHECK_EQ(a.nr, 1);
	CHECK_STR(a.devs[0].bdf, "0000:00:03.0");

	REQUIRE(domain_with(&d, "8086:10d3") == 0);
	CHECK_EQ(host_resolve(&d, &a, err, sizeof(err)), 0);
	CHECK_EQ(a.nr, 1);
	CHECK_STR(a.devs[0].bdf, "0000:00:02.0");

	REQUIRE(domain_with(&d, "class:nvme") == 0);
	d.nr_devices = 2;
	REQUIRE(parse_dev_match("class:net", &d.devices[1]) == 0);
	CHECK_EQ(host_resolve(&d, &a, err, sizeof(err)), 0);
	CHECK_EQ(a.nr, 2);
	cleanup();
}

TEST(host_resolve_refuses_missing_devices)
{
	struct domain_config d;
	struct host_assignment a;
	char err[256];

	fake_lab(true, true);
	REQUIRE(domain_with(&d, "0000:00:1f.7") == 0);
	CHECK_EQ(host_resolve(&d, &a, err, sizeof(err)), -ENODEV);
	CHECK_STR(err, "device 0000:00:1f.7: no such PCI device");
	REQUIRE(domain_with(&d, "dead:beef") == 0);
	CHECK_EQ(host_resolve(&d, &a, err, sizeof(err)), -ENODEV);
	CHECK_STR(err, "device dead:beef: no PCI device matches");
	cleanup();
}

TEST(host_preflight_refusals)
{
	char err[256];

	fake_lab(true, true);
	CHECK_EQ(host_iommu_preflight(err, sizeof(err)), 0);

	fake_lab(false, true);
	CHECK_EQ(host_iommu_preflight(err, sizeof(err)), -ENODEV);
	CHECK(strstr(err, "no IOMMU is enabled"));

	fake_lab(true, false);
	CHECK_EQ(host_iommu_preflight(err, sizeof(err)), -EPERM);
	CHECK(strstr(err, "interrupt remapping is off"));

	fake_lab(true, true);
	put("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
	    "Y\n");
	CHECK_EQ(host_iommu_preflight(err, sizeof(err)), -EPERM);
	CHECK(strstr(err, "unsafe-interrupts override"));

	fake_lab(true, true);
	put("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
	CHECK_EQ(host_iommu_preflight(err, sizeof(err)), -EPERM);
	CHECK(strstr(err, "no-IOMMU mode"));
	cleanup();
}

TEST(host_group_split_between_domains_conflicts)
{
	struct host_assignment a = { 0 }, b = { 0 };
	char err[256];

	a.nr = b.nr = 1;
	snprintf(a.devs[0].bdf, sizeof(a.devs[0].bdf), "0000:00:1f.0");
	a.devs[0].group = 4;
	snprintf(b.devs[0].bdf, sizeof(b.devs[0].bdf), "0000:00:1f.2");
	b.devs[0].group = 4;
	CHECK(host_assignments_conflict(&a, &b, err, sizeof(err)));
	CHECK(strstr(err, "share IOMMU group 4"));
	b.devs[0].group = 5;
	CHECK(!host_assignments_conflict(&a, &b, err, sizeof(err)));
	snprintf(b.devs[0].bdf, sizeof(b.devs[0].bdf), "0000:00:1f.0");
	CHECK(host_assignments_conflict(&a, &b, err, sizeof(err)));
	CHECK(strstr(err, "given to two domains"));
}

TEST(host_bind_refuses_a_group_that_is_not_viable)
{
	struct host_pci_dev devs[8];
	char err[256];
	int n;

	fake_lab(true, true);
	n = host_pci_scan(devs, 8);
	REQUIRE(n == 5);
	/* 00:1f.0 shares group 4 with 00:1f.2, which ahci drives. */
	CHECK_EQ(host_bind_vfio(&devs[3], err, sizeof(err)), -EBUSY);
	CHECK(strstr(err, "IOMMU group 4 is not viable: 0000:00:1f.2"));
	CHECK(strstr(err, "ahci"));
	cleanup();
}

TEST(host_describe_names_ids_class_and_group)
{
	struct host_pci_dev devs[8];
	char line[512];
	int n;

	fake_lab(true, true);
	n = host_pci_scan(devs, 8);
	REQUIRE(n == 5);
	host_pci_describe(devs, n, 1, line, sizeof(line));
	CHECK_STR(line, "0000:00:02.0 8086:10d3 net (class 0x020000), IOMMU group 2 alone");
	host_pci_describe(devs, n, 2, line, sizeof(line));
	CHECK_STR(line, "0000:00:03.0 1b36:0010 nvme (class 0x010802), IOMMU group 3 alone");
	/* The AHCI shares its group with the LPC bridge, which a driver holds. */
	host_pci_describe(devs, n, 4, line, sizeof(line));
	CHECK_STR(line, "0000:00:1f.2 8086:2922 storage (class 0x010601), IOMMU group 4 with 0000:00:1f.0, driver ahci");
	/* A short buffer is cut, never overrun. */
	host_pci_describe(devs, n, 4, line, 20);
	CHECK_EQ(strlen(line), 19);
	devs[1].group = -1;
	host_pci_describe(devs, n, 1, line, sizeof(line));
	CHECK_STR(line, "0000:00:02.0 8086:10d3 net (class 0x020000), in no IOMMU group");
	cleanup();
}

TEST(host_class_names)
{
	CHECK_STR(host_pci_class_name(0x010802), "nvme");
	CHECK_STR(host_pci_class_name(0x010601), "storage");
	CHECK_STR(host_pci_class_name(0x020000), "net");
	CHECK_STR(host_pci_class_name(0x0c0330), "usb");
	CHECK_STR(host_pci_class_name(0x0c0500), "serial-bus");
	CHECK_STR(host_pci_class_name(0xff0000), "other");
}

TEST(host_cpu_vulnerabilities_and_smt)
{
	struct host_vuln v[HOST_MAX_VULNS];
	const char *dir = "/sys/devices/system/cpu/vulnerabilities/";
	char p[256];

	fake_lab(true, true);
	CHECK_EQ(host_cpu_vulns(v, HOST_MAX_VULNS), -ENOENT);
	snprintf(p, sizeof(p), "%sspectre_v2", dir);
	put(p, "Mitigation: Retpolines; IBPB: conditional; STIBP: disabled; RSB filling\n");
	snprintf(p, sizeof(p), "%sspectre_v1", dir);
	put(p, "Mitigation: usercopy/swapgs barriers and __user pointer sanitization\n");
	snprintf(p, sizeof(p), "%smds", dir);
	put(p, "Mitigation: Clear CPU buffers; SMT vulnerable\n");
	snprintf(p, sizeof(p), "%sl1tf", dir);
	put(p, "Not affected\n");
	snprintf(p, sizeof(p), "%sretbleed", dir);
	put(p, "Vulnerable\n");
	CHECK_EQ(host_cpu_vulns(v, HOST_MAX_VULNS), 5);
	CHECK_STR(v[0].name, "l1tf");
	CHECK_STR(v[0].verdict, "Not affected");
	CHECK(!v[0].vulnerable && !v[0].smt_hole);
	CHECK_STR(v[1].name, "mds");
	CHECK(!v[1].vulnerable && v[1].smt_hole);
	CHECK_STR(v[2].name, "retbleed");
	CHECK(v[2].vulnerable && !v[2].smt_hole);
	CHECK_STR(v[3].name, "spectre_v1");
	CHECK(!v[3].smt_hole);
	CHECK_STR(v[4].name, "spectre_v2");
	CHECK(v[4].smt_hole);
	/* No more than asked for. */
	CHECK_EQ(host_cpu_vulns(v, 2), 2);
	CHECK(!host_smt_active());
	put("/sys/devices/system/cpu/smt/active", "1\n");
	CHECK(host_smt_active());
	put("/sys/devices/system/cpu/smt/active", "0\n");
	CHECK(!host_smt_active());
	CHECK(host_vuln_smt_hole("Mitigation: PTE Inversion; VMX: conditional cache flushes, SMT vulnerable"));
	CHECK(!host_vuln_smt_hole("Mitigation: Enhanced / Automatic IBRS; IBPB: conditional; STIBP: always-on"));
	cleanup();
}
