// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1. It must never exit: the kernel panics when init dies, and every
 * guest dies with it. Each domain's VMM runs in a child process, so a fault
 * in one guest's device model costs that guest alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "passthrough/host.h"
#include "vmm/config.h"
#include "vmm/configfile.h"
#include "vmm/hostcpus.h"
#include "vmm/init.h"
#include "vmm/kmsg.h"
#include "vmm/log.h"
#include "vmm/reboot.h"
#include "vmm/run.h"
#include "vmm/sandbox.h"
#include "vmm/supervisor.h"
#include "vmm/vm.h"

static struct slimhv_config config;
/* slimhv.seccomp_selftest=DOMAIN (see vmm/sandbox.h), or empty. */
static char seccomp_selftest[CONFIG_NAME_MAX + 1];
/* slimhv.jail_selftest=DOMAIN (see vmm/run.h), or empty. */
static char jail_selftest_dom[CONFIG_NAME_MAX + 1];

static void mount_one(const char *src, const char *dst, const char *type,
		      unsigned long flags)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, NULL) < 0 && errno != EBUSY)
		pr_warn("cannot mount %s on %s: %s", type, dst,
			strerror(errno));
}

static void setup_console(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);

	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static void mount_early(void)
{
	mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID);
	mount_one("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV);
	setup_console();
}

static bool dir_has_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.';
	closedir(d);
	return found;
}

/*
 * What passthrough can use on this machine: the machine-wide verdict, then
 * every PCI device but the bridges, with its IOMMU group, so that a domain's
 * "devices" can be chosen from the console.
 */
static void preflight_passthrough(void)
{
	static struct host_pci_dev devs[HOST_MAX_PCI];
	char why[400], line[512];
	int n;

	if (host_iommu_preflight(why, sizeof(why)) == 0)
		pr_info("pre-flight: passthrough possible: IOMMU on, interrupt remapping on");
	else
		pr_warn("pre-flight: passthrough refused on this machine: %s", why);
	n = host_pci_scan(devs, HOST_MAX_PCI);
	if (n < 0) {
		pr_warn("pre-flight: cannot list PCI devices: %s", strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++) {
		if ((devs[i].class_code >> 16) == 0x06)	/* bridges */
			continue;
		host_pci_describe(devs, n, i, line, sizeof(line));
		pr_info("pre-flight: pci %s", line);
	}
}

/*
 * The kernel's verdict on each CPU vulnerability, a line each (a warning
 * where it says "Vulnerable"), and one warning when SMT siblings run and
 * some verdict leaves a hole open between them.
 */
static void preflight_cpu(void)
{
	static struct host_vuln v[HOST_MAX_VULNS];
	char holes[256] = "";
	size_t at = 0;
	int n = host_cpu_vulns(v, HOST_MAX_VULNS);

	if (n < 0) {
		pr_warn("pre-flight: cpu: the kernel reports no CPU vulnerabilities (/sys/devices/system/cpu/vulnerabilities: %s)",
			strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++) {
		if (v[i].vulnerable)
			pr_warn("pre-flight: cpu: %s: %s", v[i].name,
				v[i].verdict);
		else
			pr_info("pre-flight: cpu: %s: %s", v[i].name,
				v[i].verdict);
		if (v[i].smt_hole && at < sizeof(holes))
			at += snprintf(holes + at, sizeof(holes) - at, "%s%s",
				       at ? ", " : "", v[i].name);
	}
	if (holes[0] && host_smt_active())
		pr_warn("pre-flight: cpu: SMT is on and leaves %s open between sibling threads, so between guests on one core: boot with nosmt, or turn SMT off in the firmware",
			holes);
}

/*
 * Pre-flight: what the host must have. A missing /dev/kvm is fatal for
 * every domain; a missing IOMMU only for domains that are given devices
 * (refused when they are assigned).
 */
static int preflight(void)
{
	int ret = 0;

	if (access("/dev/kvm", R_OK | W_OK) < 0) {
		pr_err("pre-flight: /dev/kvm is missing: enable VT-x/AMD-V in the firmware (and nested virtualization in a VM)");
		ret = -ENODEV;
	}
	if (!dir_has_entries("/sys/class/iommu"))
		pr_warn("pre-flight: no IOMMU found: boot with intel_iommu=on (or enable VT-d/AMD-Vi in the firmware); device passthrough is refused without it");
	else
		pr_info("pre-flight: IOMMU present");
	preflight_cpu();
	preflight_passthrough();
	return ret;
}

/*
 * Let the kernel hand out 2 MiB pages for guest RAM from free memory on
 * demand ("surplus" huge pages), up to all of the host's RAM: nothing is
 * set aside at boot, and a domain's pages go back to the host when its
 * VMM exits. Without hugetlb support, domains use 4 KiB pages.
 */
static void allow_hugepages(void)
{
	struct sysinfo si;
	char num[32];
	int fd, len;

	if (sysinfo(&si) < 0)
		return;
	len = snprintf(num, sizeof(num), "%llu\n",
		       (unsigned long long)si.totalram * si.mem_unit >> 21);
	fd = open("/proc/sys/vm/nr_overcommit_hugepages", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, num, len) != len)
		pr_warn("pre-flight: cannot enable 2 MiB pages for guest memory: %s",
			strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Value of "key=" on the kernel command line, or NULL. */
static const char *kernel_param(const char *key, char *buf, size_t len)
{
	static char cmdline[4096];
	size_t klen = strlen(key);
	char *p, *save;

	if (proc_read_text("/proc/cmdline", cmdline, sizeof(cmdline)))
		return NULL;
	for (p = strtok_r(cmdline, "\n ", &save); p;
	     p = strtok_r(NULL, "\n ", &save)) {
		if (!strncmp(p, key, klen) && (p[klen] == '=' || !p[klen])) {
			snprintf(buf, len, "%s", p[klen] ? p + klen + 1 : "");
			return buf;
		}
	}
	return NULL;
}

/*
 * slimhv.seccomp=on|log|off, slimhv.seccomp_selftest=DOMAIN, slimhv.jail=on|off
 * and slimhv.jail_selftest=DOMAIN.
 */
static void read_sandbox_params(void)
{
	char buf[16];

	if (kernel_param("slimhv.seccomp", buf, sizeof(buf)) &&
	    seccomp_parse_mode(buf, &sandbox_mode))
		pr_warn("slimhv.seccomp=%s: not \"on\", \"log\" or \"off\"; leaving it on",
			buf);
	if (sandbox_mode == SECCOMP_MODE_OFF)
		pr_warn("slimhv.seccomp=off: the domains' VMMs run without a system call filter");
	else if (sandbox_mode == SECCOMP_MODE_LOG)
		pr_warn("slimhv.seccomp=log: the domains' VMMs log forbidden system calls instead of dying of them");
	if (kernel_param("slimhv.seccomp_selftest", seccomp_selftest,
			 sizeof(seccomp_selftest)))
		pr_warn("slimhv.seccomp_selftest=%s: that domain's VMM makes a forbidden system call at its first start",
			seccomp_selftest);
	if (kernel_param("slimhv.jail", buf, sizeof(buf))) {
		if (!strcmp(buf, "off")) {
			sandbox_jail_off = true;
			pr_warn("slimhv.jail=off: the domains' VMMs run as root in the host's namespaces, with no jail and no system call filter (for measurements only)");
		} else if (strcmp(buf, "on")) {
			pr_warn("slimhv.jail=%s: not \"on\" or \"off\"; leaving it on",
				buf);
		}
	}
	if (kernel_param("slimhv.jail_selftest", jail_selftest_dom,
			 sizeof(jail_selftest_dom)))
		pr_warn("slimhv.jail_selftest=%s: that domain's VMM tries what a hostile VMM would, from its jail, at its first start",
			jail_selftest_dom);
}

/*
 * Kernel parameters slimhv.domain.NAME.PROPERTY=VALUE change one value of
 * the configuration just read (e.g. slimhv.domain.dom0.memory=2G); a bad
 * one refuses the configuration, like an error in the file.
 */
static int apply_overrides(void)
{
	static const char prefix[] = "slimhv.domain.";
	char cmdline[4096], err[512], *p, *save;
	int ret = 0;

	if (proc_read_text("/proc/cmdline", cmdline, sizeof(cmdline)))
		return 0;
	for (p = strtok_r(cmdline, "\n ", &save); p && !ret;
	     p = strtok_r(NULL, "\n ", &save)) {
		if (strncmp(p, prefix, sizeof(prefix) - 1))
			continue;
		ret = config_override(&config, p + sizeof(prefix) - 1, err,
				      sizeof(err));
		if (ret)
			pr_err("%s", err);
		else
			pr_info("configuration: %s", p);
	}
	return ret;
}

static int load_config(const char *path)
{
	char err[512];
	int ret;

	ret = config_load_file(path, &config, err, sizeof(err));
	if (ret)
		pr_err("%s", err);
	else
		ret = apply_overrides();
	return ret;
}

void init_main(uint64_t start_ns)
{
	struct supervisor_opts opts = {
		.seccomp_selftest = seccomp_selftest,
		.jail_selftest = jail_selftest_dom,
		.start_ns = start_ns,
	};
	char path[256], buf[16];
	struct timespec boot;
	const char *cfg_path;
	sigset_t mask;

	/*
	 * A host shutdown: Ctrl-Alt-Del (SIGINT, once the kernel is told to
	 * send it instead of rebooting at once), SIGTERM or SIGPWR. Blocked
	 * from the start: the supervisor reads them from a signalfd, and one
	 * that comes during bring-up waits for it.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGPWR);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	reboot(RB_DISABLE_CAD);
	signal(SIGPIPE, SIG_IGN);
	mount_early();
	opts.kmsg_fd = kmsg_take_console();
	pr_info("slimhv starting as PID 1");
	if (opts.kmsg_fd < 0)
		pr_warn("cannot read /dev/kmsg (%s): the kernel's messages may cut into the console's lines",
			strerror(-opts.kmsg_fd));
	if (kernel_param("slimhv.verbose", buf, sizeof(buf)))
		log_verbosity = LOG_DEBUG;
	if (kernel_param("slimhv.vfio", buf, sizeof(buf))) {
		if (!strcmp(buf, "container"))
			vfio_use_container = true;
		else if (strcmp(buf, "iommufd"))
			pr_warn("slimhv.vfio=%s: not \"iommufd\" or \"container\"; using iommufd where the kernel has it",
				buf);
	}

	read_sandbox_params();
	cfg_path = kernel_param("slimhv.config", path, sizeof(path));
	if (!cfg_path)
		cfg_path = SLIMHV_DEFAULT_CONFIG;

	if (kernel_param("slimhv.rescue", buf, sizeof(buf))) {
		pr_info("slimhv.rescue: no domain starts");
	} else if (preflight() == 0 && load_config(cfg_path) == 0) {
		allow_hugepages();
		hostcpus_boot(&config);
		clock_gettime(CLOCK_MONOTONIC, &boot);
		pr_info("ready: %u domain%s from %s, %ld.%03ld s after kernel start",
			config.nr_domains, config.nr_domains == 1 ? "" : "s",
			cfg_path, (long)boot.tv_sec, boot.tv_nsec / 1000000);
		opts.config = &config;
	} else {
		pr_err("no domain can start: see above");
	}
	supervise(&opts);
}
