// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "passthrough/host.h"
#include "vmm/log.h"

#define errf(...)	snprintf(err, errlen, __VA_ARGS__)
#define PCI_CLASS_BRIDGE_PCI_CODE	0x0604

const char *host_root = "";

static int read_text(const char *path, char *buf, size_t len)
{
	char full[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(full, sizeof(full), "%s%s", host_root, path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static int write_text(const char *path, const char *text)
{
	char full[PATH_MAX];
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	snprintf(full, sizeof(full), "%s%s", host_root, path);
	fd = open(full, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	close(fd);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static unsigned long read_hex(const char *path, int *ret)
{
	char buf[32];

	*ret = read_text(path, buf, sizeof(buf));
	return *ret ? 0 : strtoul(buf, NULL, 16);
}

/* The last path component of a symlink, or "" if there is none. */
static void link_name(const char *path, char *out, size_t len)
{
	char full[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	const char *name;
	size_t l;

	out[0] = 0;
	snprintf(full, sizeof(full), "%s%s", host_root, path);
	n = readlink(full, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = 0;
	name = strrchr(target, '/');
	name = name ? name + 1 : target;
	l = strlen(name);
	if (l >= len)
		l = len - 1;
	memcpy(out, name, l);
	out[l] = 0;
}

static int host_pci_read(const char *bdf, struct host_pci_dev *d)
{
	char path[PATH_MAX], group[32];
	unsigned int dom, bus, slot, fn;
	int ret = 0, r;

	memset(d, 0, sizeof(*d));
	if (strlen(bdf) >= sizeof(d->bdf) ||
	    sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return -EINVAL;
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->domain = dom;
	d->bus = bus;
	d->slot = slot;
	d->fn = fn;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", bdf);
	d->vendor = read_hex(path, &r);
	ret |= r;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", bdf);
	d->device = read_hex(path, &r);
	ret |= r;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", bdf);
	d->class_code = read_hex(path, &r);
	ret |= r;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	link_name(path, group, sizeof(group));
	d->group = group[0] ? atoi(group) : -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	link_name(path, d->driver, sizeof(d->driver));
	return ret ? -EIO : 0;
}

static int cmp_bdf(const void *a, const void *b)
{
	return strcmp(((const struct host_pci_dev *)a)->bdf,
		      ((const struct host_pci_dev *)b)->bdf);
}

int host_pci_scan(struct host_pci_dev *devs, unsigned int max)
{
	char path[PATH_MAX];
	struct dirent *e;
	unsigned int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", host_root);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir)) && n < max) {
		if (e->d_name[0] == '.')
			continue;
		if (host_pci_read(e->d_name, &devs[n]) == 0)
			n++;
	}
	closedir(dir);
	qsort(devs, n, sizeof(devs[0]), cmp_bdf);
	return n;
}

const char *host_pci_class_name(uint32_t class_code)
{
	static const struct {
		uint32_t code, mask;
		const char *name;
	} names[] = {
		{ 0x010800, 0xffff00, "nvme" },
		{ 0x010000, 0xff0000, "storage" },
		{ 0x020000, 0xff0000, "net" },
		{ 0x030000, 0xff0000, "display" },
		{ 0x040000, 0xff0000, "multimedia" },
		{ 0x050000, 0xff0000, "memory" },
		{ 0x060000, 0xff0000, "bridge" },
		{ 0x070000, 0xff0000, "communication" },
		{ 0x080000, 0xff0000, "system" },
		{ 0x090000, 0xff0000, "input" },
		{ 0x0c0300, 0xffff00, "usb" },
		{ 0x0c0000, 0xff0000, "serial-bus" },
		{ 0x120000, 0xff0000, "accelerator" },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
		if ((class_code & names[i].mask) == names[i].code)
			return names[i].name;
	return "other";
}

void host_pci_describe(const struct host_pci_dev *devs, unsigned int n,
		       unsigned int i, char *buf, size_t len)
{
	const struct host_pci_dev *d = &devs[i];
	unsigned int peers = 0;
	size_t at;

	at = snprintf(buf, len, "%s %04x:%04x %s (class 0x%06x), ", d->bdf,
		      d->vendor, d->device,
		      host_pci_class_name(d->class_code), d->class_code);
	if (at >= len)
		return;
	if (d->group < 0) {
		at += snprintf(buf + at, len - at, "in no IOMMU group");
	} else {
		at += snprintf(buf + at, len - at, "IOMMU group %d", d->group);
		for (unsigned int j = 0; j < n && at < len; j++) {
			if (j == i || devs[j].group != d->group ||
			    (devs[j].class_code >> 8) == PCI_CLASS_BRIDGE_PCI_CODE)
				continue;
			at += snprintf(buf + at, len - at, "%s %s",
				       peers++ ? "" : " with", devs[j].bdf);
		}
		if (!peers && at < len)
			at += snprintf(buf + at, len - at, " alone");
	}
	if (d->driver[0] && at < len)
		snprintf(buf + at, len - at, ", driver %s", d->driver);
}

static bool dir_nonempty(const char *path)
{
	char full[PATH_MAX];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(full, sizeof(full), "%s%s", host_root, path);
	d = opendir(full);
	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.';
	closedir(d);
	return found;
}

static bool param_is_on(const char *path)
{
	char buf[8];

	return read_text(path, buf, sizeof(buf)) == 0 &&
	       (buf[0] == 'Y' || buf[0] == '1');
}

/* Interrupt remapping shows in /proc/interrupts as "IR-" irq chips. */
static bool irq_remapping_on(void)
{
	char path[PATH_MAX], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/interrupts", host_root);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " IR-") != NULL;
	fclose(f);
	return found;
}

int host_iommu_preflight(char *err, size_t errlen)
{
	if (!dir_nonempty("/sys/kernel/iommu_groups") ||
	    !dir_nonempty("/sys/class/iommu")) {
		errf("no IOMMU is enabled (boot with intel_iommu=on, or enable VT-d/AMD-Vi in the firmware)");
		return -ENODEV;
	}
	if (param_is_on("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode")) {
		errf("VFIO is in no-IOMMU mode, which gives no isolation (set vfio.enable_unsafe_noiommu_mode=0)");
		return -EPERM;
	}
	if (param_is_on("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts") ||
	    param_is_on("/sys/module/iommufd/parameters/allow_unsafe_interrupts")) {
		errf("the unsafe-interrupts override is on: a device could forge interrupts (remove allow_unsafe_interrupts=1)");
		return -EPERM;
	}
	if (!irq_remapping_on()) {
		errf("interrupt remapping is off: a device could forge interrupts (enable it in the firmware; do not boot with intremap=off)");
		return -EPERM;
	}
	return 0;
}

bool host_vuln_smt_hole(const char *verdict)
{
	return strstr(verdict, "SMT vulnerable") ||
	       strstr(verdict, "STIBP: disabled");
}

static int cmp_vuln(const void *a, const void *b)
{
	return strcmp(((const struct host_vuln *)a)->name,
		      ((const struct host_vuln *)b)->name);
}

int host_cpu_vulns(struct host_vuln *v, unsigned int max)
{
	static const char dir[] = "/sys/devices/system/cpu/vulnerabilities";
	char full[PATH_MAX], path[PATH_MAX];
	unsigned int n = 0;
	struct dirent *e;
	DIR *d;

	snprintf(full, sizeof(full), "%s%s", host_root, dir);
	d = opendir(full);
	if (!d)
		return -errno;
	while (n < max && (e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    strlen(e->d_name) >= sizeof(v[n].name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (read_text(path, v[n].verdict, sizeof(v[n].verdict)))
			continue;
		memcpy(v[n].name, e->d_name, strlen(e->d_name) + 1);
		v[n].vulnerable = !strncmp(v[n].verdict, "Vulnerable", 10);
		v[n].smt_hole = host_vuln_smt_hole(v[n].verdict);
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_vuln);
	return n;
}

bool host_smt_active(void)
{
	return param_is_on("/sys/devices/system/cpu/smt/active");
}

static bool dev_listed(const struct host_assignment *a, const char *bdf)
{
	for (unsigned int i = 0; i < a->nr; i++)
		if (!strcmp(a->devs[i].bdf, bdf))
			return true;
	return false;
}

int host_resolve(const struct domain_config *cfg, struct host_assignment *a,
		 char *err, size_t errlen)
{
	static struct host_pci_dev all[HOST_MAX_PCI];
	int n = host_pci_scan(all, HOST_MAX_PCI);

	a->nr = 0;
	if (n < 0) {
		errf("cannot list PCI devices: %s", strerror(-n));
		return n;
	}
	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		const struct dev_match *m = &cfg->devices[i];
		unsigned int found = 0;

		for (int j = 0; j < n; j++) {
			const struct host_pci_dev *d = &all[j];

			if (!dev_match_device(m, d->domain, d->bus, d->slot,
					      d->fn, d->vendor, d->device,
					      d->class_code))
				continue;
			found++;
			if (dev_listed(a, d->bdf))
				continue;
			if (a->nr == ARRAY_SIZE(a->devs)) {
				errf("device %s: too many devices", m->text);
				return -E2BIG;
			}
			a->devs[a->nr++] = *d;
		}
		if (found)
			continue;
		if (m->kind == DEV_MATCH_BDF)
			errf("device %s: no such PCI device", m->text);
		else
			errf("device %s: no PCI device matches", m->text);
		return -ENODEV;
	}
	return 0;
}

bool host_assignments_conflict(const struct host_assignment *a,
			       const struct host_assignment *b,
			       char *err, size_t errlen)
{
	for (unsigned int i = 0; i < a->nr; i++) {
		for (unsigned int j = 0; j < b->nr; j++) {
			const struct host_pci_dev *x = &a->devs[i];
			const struct host_pci_dev *y = &b->devs[j];

			if (!strcmp(x->bdf, y->bdf)) {
				errf("device %s is given to two domains", x->bdf);
				return true;
			}
			if (x->group >= 0 && x->group == y->group) {
				errf("devices %s and %s share IOMMU group %d: a group cannot be split between domains",
				     x->bdf, y->bdf, x->group);
				return true;
			}
		}
	}
	return false;
}

/* Every device of @d's group must be free for vfio-pci. */
static int group_viable(const struct host_pci_dev *d, char *err,
			size_t errlen)
{
	char path[PATH_MAX];
	struct dirent *e;
	int ret = 0;
	DIR *dir;

	if (d->group < 0) {
		errf("device %s: refused: it is in no IOMMU group (is the IOMMU on for it?)",
		     d->bdf);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "%s/sys/kernel/iommu_groups/%d/devices",
		 host_root, d->group);
	dir = opendir(path);
	if (!dir) {
		errf("device %s: cannot read IOMMU group %d: %s", d->bdf,
		     d->group, strerror(errno));
		return -errno;
	}
	while (!ret && (e = readdir(dir))) {
		struct host_pci_dev peer;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, d->bdf))
			continue;
		if (host_pci_read(e->d_name, &peer))
			continue;
		if (!peer.driver[0] || !strcmp(peer.driver, "vfio-pci") ||
		    (peer.class_code >> 8) == PCI_CLASS_BRIDGE_PCI_CODE)
			continue;
		errf("device %s: refused: IOMMU group %d is not viable: %s in it is bound to %s (assign the whole group)",
		     d->bdf, d->group, peer.bdf, peer.driver);
		ret = -EBUSY;
	}
	closedir(dir);
	return ret;
}

int host_bind_vfio(const struct host_pci_dev *d, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct host_pci_dev now;
	int ret;

	ret = group_viable(d, err, errlen);
	if (ret)
		return ret;
	if (!strcmp(d->driver, "vfio-pci"))
		return 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 d->bdf);
	ret = write_text(path, "vfio-pci");
	if (ret) {
		errf("device %s: cannot set driver_override: %s", d->bdf,
		     strerror(-ret));
		return ret;
	}
	if (d->driver[0]) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
			 d->bdf);
		ret = write_text(path, d->bdf);
		if (ret) {
			errf("device %s: cannot unbind it from %s: %s",
			     d->bdf, d->driver, strerror(-ret));
			return ret;
		}
	}
	/* drivers_probe fails harmlessly if the device is already bound. */
	write_text("/sys/bus/pci/drivers_probe", d->bdf);
	if (host_pci_read(d->bdf, &now) || strcmp(now.driver, "vfio-pci")) {
		errf("device %s: could not bind it to vfio-pci (is CONFIG_VFIO_PCI in the host kernel?)",
		     d->bdf);
		return -ENODEV;
	}
	return 0;
}

int host_prepare(const struct domain_config *cfg, struct host_assignment *a,
		 char *err, size_t errlen)
{
	char why[400];
	int ret;

	a->nr = 0;
	if (!cfg->nr_devices)
		return 0;
	ret = host_resolve(cfg, a, err, errlen);
	if (ret)
		return ret;
	ret = host_iommu_preflight(why, sizeof(why));
	if (ret) {
		errf("device %s: refused: %s", a->devs[0].bdf, why);
		return ret;
	}
	for (unsigned int i = 0; i < a->nr; i++) {
		ret = host_bind_vfio(&a->devs[i], err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}
