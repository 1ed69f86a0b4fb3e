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
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "passthrough/host.h"
#include "vmm/config.h"
#include "vmm/configfile.h"
#include "vmm/init.h"
#include "vmm/log.h"
#include "vmm/run.h"
#include "vmm/vm.h"

#define RESCUE_SHELL		"/bin/sh"
#define RESTART_DELAY_S		1

struct domain_proc {
	const struct domain_config *cfg;
	struct host_assignment assign;
	pid_t pid;
	unsigned int restarts;
};

static struct slimhv_config config;
static struct domain_proc procs[CONFIG_MAX_DOMAINS];
static pid_t rescue_pid;

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
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	cmdline[n] = 0;
	for (p = strtok_r(cmdline, "\n ", &save); p;
	     p = strtok_r(NULL, "\n ", &save)) {
		if (!strncmp(p, key, klen) && (p[klen] == '=' || !p[klen])) {
			snprintf(buf, len, "%s", p[klen] ? p + klen + 1 : "");
			return buf;
		}
	}
	return NULL;
}

static int load_config(const char *path)
{
	char err[512];
	int ret;

	ret = config_load_file(path, &config, err, sizeof(err));
	if (ret)
		pr_err("%s", err);
	return ret;
}

/*
 * Resolve and bind a domain's devices in PID 1, so that two domains never
 * get one device or one IOMMU group. A refusal fails that domain alone.
 */
static int prepare_domain(unsigned int i)
{
	struct domain_proc *dp = &procs[i];
	char err[512];
	int ret;

	ret = host_prepare(dp->cfg, &dp->assign, err, sizeof(err));
	for (unsigned int j = 0; !ret && j < i; j++) {
		if (host_assignments_conflict(&procs[j].assign, &dp->assign,
					      err, sizeof(err)))
			ret = -EBUSY;
	}
	if (ret) {
		pr_err("%s: %s", dp->cfg->name, err);
		pr_info("domain %s ended: the domain could not start",
			dp->cfg->name);
		dp->assign.nr = 0;
	}
	return ret;
}

static pid_t spawn_domain(struct domain_proc *dp, uint64_t start_ns)
{
	pid_t pid = fork();

	if (pid < 0) {
		pr_err("%s: fork: %s", dp->cfg->name, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char tag[48];

		snprintf(tag, sizeof(tag), "slimhv[%s]", dp->cfg->name);
		log_set_tag(tag);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		_exit(run_domain(dp->cfg, &dp->assign, start_ns));
	}
	dp->pid = pid;
	return pid;
}

static pid_t spawn_rescue_shell(void)
{
	pid_t pid;

	if (access(RESCUE_SHELL, X_OK) < 0) {
		pr_err("no rescue shell at %s", RESCUE_SHELL);
		return -1;
	}
	pr_info("starting the rescue shell (exit it to power off)");
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		setsid();
		ioctl(STDIN_FILENO, TIOCSCTTY, 1);
		execl(RESCUE_SHELL, "sh", "-l", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static __noreturn void host_poweroff(const char *why)
{
	pr_info("powering off the host: %s", why);
	for (unsigned int i = 0; i < config.nr_domains; i++)
		if (procs[i].pid > 0)
			kill(procs[i].pid, SIGKILL);
	if (rescue_pid > 0)
		kill(rescue_pid, SIGKILL);
	sync();
	for (;;) {
		reboot(RB_POWER_OFF);
		/* Not allowed (not PID 1, or no ACPI): wait to be killed. */
		pause();
	}
}

static const char *describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status)) {
		switch (WEXITSTATUS(status)) {
		case DOMAIN_EXIT_POWEROFF:
			return "the guest powered off";
		case DOMAIN_EXIT_CONFIG:
			return "the domain could not start (see above)";
		case DOMAIN_EXIT_CRASHED:
			return "the guest crashed";
		case DOMAIN_EXIT_DESTROYED:
			return "the guest was destroyed";
		}
		snprintf(buf, len, "its VMM exited with status %d",
			 WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		snprintf(buf, len, "its VMM was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else {
		snprintf(buf, len, "status 0x%x", status);
	}
	return buf;
}

/* Apply a domain's restart policy after its VMM ended. */
static void domain_ended(struct domain_proc *dp, int status,
			 uint64_t start_ns)
{
	char buf[96];
	const char *why = describe_status(status, buf, sizeof(buf));
	bool clean = WIFEXITED(status) &&
		     WEXITSTATUS(status) == DOMAIN_EXIT_POWEROFF;

	dp->pid = 0;
	pr_info("domain %s ended: %s", dp->cfg->name, why);
	switch (dp->cfg->restart) {
	case RESTART_POWEROFF_HOST:
		host_poweroff(clean ? "its poweroff-host domain powered off" :
			      "its poweroff-host domain ended");
	case RESTART_RESTART:
		if (WIFEXITED(status) &&
		    WEXITSTATUS(status) == DOMAIN_EXIT_CONFIG) {
			pr_err("domain %s: not restarting a domain that cannot start",
			       dp->cfg->name);
			break;
		}
		dp->restarts++;
		pr_info("domain %s: restarting (restart %u)", dp->cfg->name,
			dp->restarts);
		sleep(RESTART_DELAY_S);
		spawn_domain(dp, start_ns);
		break;
	case RESTART_STAY_DOWN:
		break;
	}
}

static bool any_running(void)
{
	for (unsigned int i = 0; i < config.nr_domains; i++)
		if (procs[i].pid > 0)
			return true;
	return false;
}

static void supervise(uint64_t start_ns)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			/* No children at all. */
			break;
		}
		if (pid == rescue_pid) {
			rescue_pid = 0;
			host_poweroff("the rescue shell exited");
		}
		for (unsigned int i = 0; i < config.nr_domains; i++)
			if (procs[i].pid == pid)
				domain_ended(&procs[i], status, start_ns);
		/* Anything else was an orphan: reaped, nothing to do. */
		if (!any_running() && rescue_pid <= 0) {
			pr_info("no domain is running");
			rescue_pid = spawn_rescue_shell();
			if (rescue_pid < 0)
				break;
		}
	}
}

void init_main(uint64_t start_ns)
{
	char path[256], buf[16];
	struct timespec boot;
	const char *cfg_path;

	signal(SIGINT, SIG_IGN);	/* Ctrl-Alt-Del */
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	mount_early();
	pr_info("slimhv starting as PID 1");
	if (kernel_param("slimhv.verbose", buf, sizeof(buf)))
		log_verbosity = LOG_DEBUG;
	if (kernel_param("slimhv.vfio", buf, sizeof(buf))) {
		if (!strcmp(buf, "container"))
			vfio_use_container = true;
		else if (strcmp(buf, "iommufd"))
			pr_warn("slimhv.vfio=%s: not \"iommufd\" or \"container\"; using iommufd where the kernel has it",
				buf);
	}

	cfg_path = kernel_param("slimhv.config", path, sizeof(path));
	if (!cfg_path)
		cfg_path = SLIMHV_DEFAULT_CONFIG;

	if (kernel_param("slimhv.rescue", buf, sizeof(buf))) {
		rescue_pid = spawn_rescue_shell();
	} else if (preflight() == 0 && load_config(cfg_path) == 0) {
		allow_hugepages();
		clock_gettime(CLOCK_MONOTONIC, &boot);
		pr_info("ready: %u domain%s from %s, %ld.%03ld s after kernel start",
			config.nr_domains, config.nr_domains == 1 ? "" : "s",
			cfg_path, (long)boot.tv_sec, boot.tv_nsec / 1000000);
		for (unsigned int i = 0; i < config.nr_domains; i++) {
			procs[i].cfg = &config.domains[i];
			if (prepare_domain(i))
				continue;
			spawn_domain(&procs[i], start_ns);
		}
	} else {
		pr_err("no domain can start: see above");
		rescue_pid = spawn_rescue_shell();
	}
	supervise(start_ns);
	host_poweroff("nothing left to supervise");
}
