/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of passthrough, through sysfs: find the PCI devices a
 * domain names, check that the machine can isolate them (IOMMU, interrupt
 * remapping, no unsafe overrides, viable groups), and bind them to
 * vfio-pci. Each refusal is one line naming the device and the fix.
 */
#ifndef SLIMHV_PASSTHROUGH_HOST_H
#define SLIMHV_PASSTHROUGH_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/config.h"

#define HOST_MAX_PCI		256
#define HOST_BDF_LEN		16

struct host_pci_dev {
	char bdf[HOST_BDF_LEN];		/* "0000:00:03.0" */
	uint16_t domain;
	uint8_t bus, slot, fn;
	uint16_t vendor, device;
	uint32_t class_code;
	int group;			/* IOMMU group, -1 if none */
	char driver[32];		/* bound driver, "" if none */
};

/* The devices a domain is given, resolved on this host. */
struct host_assignment {
	unsigned int nr;
	struct host_pci_dev devs[CONFIG_MAX_DEVICES * 4];
};

/* Where sysfs and /proc are: "" normally, a fake tree in tests. */
extern const char *host_root;

int host_pci_scan(struct host_pci_dev *devs, unsigned int max);

/*
 * One line about devs[@i] for the pre-flight list, in the words a domain's
 * "devices" takes: "0000:00:02.0 8086:10d3 net (class 0x020000), IOMMU
 * group 2 alone" or "... IOMMU group 4 with 0000:00:1f.0 0000:00:1f.3"
 * (the group's other devices, PCI bridges left out as binding ignores
 * them), and ", driver NAME" when a host driver holds it. @devs is what
 * host_pci_scan() found (@n devices).
 */
void host_pci_describe(const struct host_pci_dev *devs, unsigned int n,
		       unsigned int i, char *buf, size_t len);

/* A short name for a PCI class code: "nvme", "net", "storage", "usb"... */
const char *host_pci_class_name(uint32_t class_code);

/*
 * Machine-wide checks for passthrough: an IOMMU with interrupt remapping,
 * no VFIO no-IOMMU mode, no unsafe-interrupt override.
 */
int host_iommu_preflight(char *err, size_t errlen);

/* One entry of /sys/devices/system/cpu/vulnerabilities/: the kernel's verdict. */
struct host_vuln {
	char name[40];			/* "spectre_v2" */
	char verdict[200];		/* "Mitigation: Retpolines; ..." */
	bool vulnerable;		/* the verdict begins "Vulnerable" */
	bool smt_hole;			/* open between SMT siblings */
};

#define HOST_MAX_VULNS		32

/*
 * The kernel's verdict on each CPU vulnerability it knows, sorted by name:
 * how many (up to @max), or -errno when the directory cannot be read (a
 * kernel without CONFIG_CPU_MITIGATIONS's reporting, or no sysfs).
 */
int host_cpu_vulns(struct host_vuln *v, unsigned int max);

/*
 * Whether @verdict says SMT leaves the hole open: "SMT vulnerable", or
 * cross-thread Spectre v2 with STIBP off.
 */
bool host_vuln_smt_hole(const char *verdict);

/* Whether SMT siblings are running (/sys/devices/system/cpu/smt/active). */
bool host_smt_active(void);

/*
 * Resolve @cfg's device list against the host's devices: every address
 * must exist, every vendor:device or class must match at least one.
 */
int host_resolve(const struct domain_config *cfg, struct host_assignment *a,
		 char *err, size_t errlen);

/*
 * Bind a device to vfio-pci (driver_override, unbind, probe) after checking
 * that every other device of its IOMMU group is unbound or vfio-pci and not
 * in @others (devices of other domains).
 */
int host_bind_vfio(const struct host_pci_dev *d, char *err, size_t errlen);

/*
 * Everything a domain's devices need before its VMM starts: the pre-flight
 * (only when it has devices), resolution and binding to vfio-pci.
 */
int host_prepare(const struct domain_config *cfg, struct host_assignment *a,
		 char *err, size_t errlen);

/* True when @a and @b share a device or an IOMMU group. */
bool host_assignments_conflict(const struct host_assignment *a,
			       const struct host_assignment *b,
			       char *err, size_t errlen);

#endif /* SLIMHV_PASSTHROUGH_HOST_H */
