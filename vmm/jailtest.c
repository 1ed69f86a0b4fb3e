// SPDX-License-Identifier: GPL-2.0
/*
 * Proofs of the VMM's walls, run on a real kernel: the hostile VMM
 * (what a compromised VMM would try, from inside its jail), `slimhv
 * jail-check` and `slimhv seccomp-check`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm/compiler.h"
#include "vmm/log.h"
#include "vmm/reboot.h"
#include "vmm/sandbox.h"

static int open_fails(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int try_sysfs_remove(void)
{
	return open_fails("/sys/bus/pci/devices/0000:00:00.0/remove",
			  O_WRONLY);
}

static int try_vfio_unbind(void)
{
	return open_fails("/sys/bus/pci/drivers/vfio-pci/unbind", O_WRONLY);
}

static int try_vfio_device(void)
{
	int ret = open_fails("/dev/vfio/devices/vfio0", O_RDWR);

	return ret ? open_fails("/dev/vfio/vfio", O_RDWR) : 0;
}

static int try_iommufd(void)
{
	return open_fails("/dev/iommu", O_RDWR);
}

static int try_kvm(void)
{
	return open_fails("/dev/kvm", O_RDWR);
}

static int try_proc_environ(void)
{
	return open_fails("/proc/1/environ", O_RDONLY);
}

static int try_proc_mem(void)
{
	return open_fails("/proc/2/mem", O_RDONLY);
}

static int try_write_root(void)
{
	return open_fails("/slimhv-was-here", O_WRONLY | O_CREAT);
}

/*
 * The PIDs tried: 1 to SCAN_PIDS, and every process the host had before
 * the jail (read from /proc then: the other VMMs, PID 1, the user's).
 */
#define SCAN_PIDS	65536
#define MAX_HOST_PIDS	8192
static pid_t host_pids[MAX_HOST_PIDS];
static unsigned int nr_host_pids;

static pid_t target_pid(unsigned int i)
{
	return i < SCAN_PIDS ? (pid_t)(i + 1) : host_pids[i - SCAN_PIDS];
}

/* Whether @pid is this process or one of its threads. */
static bool is_self(pid_t pid)
{
	return pid == getpid() ||
	       syscall(SYS_tgkill, getpid(), pid, 0) == 0;
}

/*
 * Signal 0 to every PID but this VMM's own: none may be reached. In a
 * PID namespace of its own, PID 1 is the VMM itself, and the host's PID 1
 * and the other VMMs have no number at all.
 */
static int try_signal_others(void)
{
	int err = -ESRCH;

	for (unsigned int i = 0; i < SCAN_PIDS + nr_host_pids; i++) {
		pid_t pid = target_pid(i);

		if (kill(pid, 0) == 0) {
			if (!is_self(pid))
				return 0;
		} else if (errno != ESRCH) {
			err = -errno;
		}
	}
	return err;
}

static int try_signal_pid1(void)
{
	if (getpid() == 1)
		return -ESRCH;	/* the host's PID 1 has no number here */
	return kill(1, 0) < 0 ? -errno : 0;
}

static int try_ptrace_others(void)
{
	int err = -ESRCH;

	for (unsigned int i = 0; i < SCAN_PIDS + nr_host_pids; i++) {
		pid_t pid = target_pid(i);

		if (is_self(pid))
			continue;
		if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0) {
			ptrace(PTRACE_DETACH, pid, NULL, NULL);
			return 0;
		}
		if (errno != ESRCH)
			err = -errno;
	}
	return err;
}

static int try_mount(void)
{
	return mount("none", "/", "tmpfs", 0, NULL) < 0 ? -errno : 0;
}

static int try_mknod(void)
{
	return mknod("/kvm", S_IFCHR | 0600, makedev(10, 232)) < 0 ?
	       -errno : 0;
}

static int try_chroot(void)
{
	return chroot("/") < 0 ? -errno : 0;
}

/*
 * The raw calls, not libc's: musl blocks every signal around fork() and
 * setresuid(), and a seccomp filter's SIGSYS that finds it blocked kills
 * the process instead of answering.
 */
static int try_fork(void)
{
	pid_t pid = syscall(SYS_fork);

	if (pid == 0)
		syscall(SYS_exit_group, 0);
	if (pid < 0)
		return -errno;
	waitpid(pid, NULL, 0);
	return 0;
}

static int try_raise_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	rl.rlim_max++;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}

static int try_setuid0(void)
{
	return syscall(SYS_setresuid, 0, 0, 0) < 0 ? -errno : 0;
}

static int try_exec_shell(void)
{
	static char *const argv[] = { "sh", "-c", "exit 0", NULL };
	static char *const envp[] = { NULL };

	execve("/bin/sh", argv, envp);
	return -errno;
}

static const struct {
	const char *what;
	int (*fn)(void);
} attempts[] = {
	{ "write a PCI device's remove attribute in sysfs", try_sysfs_remove },
	{ "unbind a device from vfio-pci in sysfs", try_vfio_unbind },
	{ "open a VFIO device or container", try_vfio_device },
	{ "open /dev/iommu", try_iommufd },
	{ "open /dev/kvm afresh", try_kvm },
	{ "signal the host's PID 1", try_signal_pid1 },
	{ "signal another process (another domain's VMM)", try_signal_others },
	{ "ptrace another process", try_ptrace_others },
	{ "read /proc/1/environ", try_proc_environ },
	{ "read another process's /proc/PID/mem", try_proc_mem },
	{ "create a file in its root", try_write_root },
	{ "mount a file system", try_mount },
	{ "make a device node", try_mknod },
	{ "chroot", try_chroot },
	{ "raise its open-files limit", try_raise_limit },
	{ "set its uid back to 0", try_setuid0 },
	/* Were it to work, the self-test would end without its verdict. */
	{ "execute /bin/sh", try_exec_shell },
	{ "fork a process", try_fork },
};

/*
 * jail-check's view of a self-test in a child, in memory shared with the
 * parent: the attempt running, how many were allowed, and whether it
 * got to its verdict (an execve that worked, say, would not).
 */
struct selftest_progress {
	unsigned int running;	/* 1 + the attempt's index; 0 before */
	unsigned int allowed;
	bool finished;
};

static struct selftest_progress *progress;

void sandbox_hostile_prepare(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	nr_host_pids = 0;
	while (d && (e = readdir(d)) && nr_host_pids < MAX_HOST_PIDS) {
		pid_t pid = atoi(e->d_name);

		if (pid > SCAN_PIDS)
			host_pids[nr_host_pids++] = pid;
	}
	if (d)
		closedir(d);
}

int sandbox_hostile_selftest(const char *name)
{
	unsigned int bad = 0, n = ARRAY_SIZE(attempts);

	pr_info("%s: jail selftest: trying what a hostile VMM would (PIDs 1 to %d and %u more)",
		name, SCAN_PIDS, nr_host_pids);
	for (unsigned int i = 0; i < n; i++) {
		int ret;

		if (progress)
			progress->running = i + 1;
		ret = attempts[i].fn();

		if (ret) {
			pr_info("%s: jail selftest: %s: refused (%s)", name,
				attempts[i].what, strerror(-ret));
		} else {
			pr_err("%s: jail selftest: %s: ALLOWED", name,
			       attempts[i].what);
			bad++;
		}
		if (progress)
			progress->allowed = bad;
	}
	if (progress)
		progress->finished = true;
	if (bad)
		pr_err("%s: jail selftest: %u of %u attempts were allowed",
		       name, bad, n);
	else
		pr_info("%s: jail selftest: all %u attempts refused", name, n);
	return bad;
}

static void *idle_thread(void *arg)
{
	for (;;)
		sleep(3600);
	return arg;
}

/*
 * In a child: enter the jail as a one-vCPU VMM would, with threads
 * standing for its vCPU and KVM's worker, and try the attacks (the verdict is in
 * progress). 0, or 2 when the jail could not be entered.
 */
static int jail_check_child(bool filter, uid_t id)
{
	static const struct domain_config cfg = {
		.cpus = 1, .mem_bytes = 64ULL << 20,
	};
	struct jail_opts o = { .id = id };
	pthread_t vcpu;
	unsigned int fds = 0;

	sandbox_mode = filter ? SECCOMP_MODE_LOG : SECCOMP_MODE_OFF;
	sandbox_hostile_prepare();
	if (vmm_usage_open() == 0)
		vmm_count_fds(&fds);
	jail_size_limits(&cfg, fds, 0, &o.limits);
	if (sandbox_enter("jail-check", &o))
		return 2;
	if (filter && !sandbox_filter_on)
		return 3;
	/* Its vCPU, and KVM's tasks that a VMM's limits leave room for. */
	for (int i = 0; i < 1 + JAIL_KVM_TASKS; i++)
		if (pthread_create(&vcpu, NULL, idle_thread, NULL))
			return 2;
	sandbox_hostile_selftest("jail-check");
	return 0;
}

/*
 * 0: every attempt refused; 1: some allowed; 2: the check did not run;
 * 3: (@filter) the kernel has no seccomp filters.
 */
static int run_jail_check(bool filter)
{
	unsigned int n = ARRAY_SIZE(attempts);
	uid_t id = jail_run_id(getpid());
	int status, ret;
	pid_t pid;

	progress = mmap(NULL, sizeof(*progress), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (progress == MAP_FAILED) {
		progress = NULL;
		return 2;
	}
	memset(progress, 0, sizeof(*progress));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		/* PID 1 of a namespace of its own, as each VMM is. */
		sandbox_enter_pid_ns();
		_exit(jail_check_child(filter, id));
	}
	if (waitpid(pid, &status, 0) < 0)
		return 2;
	if (progress->finished && WIFEXITED(status) && !WEXITSTATUS(status)) {
		ret = progress->allowed ? 1 : 0;
	} else if (!progress->running && WIFEXITED(status) &&
		   WEXITSTATUS(status) == 3) {
		ret = 3;
	} else {
		pr_err("jail-check: the jailed process ended with status 0x%x before its self-test finished (at attempt %u of %u)",
		       status, progress->running, n);
		ret = progress->running ? 1 : 2;
	}
	munmap(progress, sizeof(*progress));
	progress = NULL;
	return ret;
}

int sandbox_jail_check(void)
{
	bool root = geteuid() == 0;
	int alone, filtered;

	printf("jail-check: the jail alone, without the seccomp filter\n");
	alone = run_jail_check(false);
	printf("jail-check: the jail alone: %s\n", alone == 0 ?
	       "every attempt refused" : alone == 1 ?
	       "some attempts allowed (see above)" : "could not run");
	printf("jail-check: the jail and the seccomp filter (log mode: a forbidden call fails with EPERM)\n");
	filtered = run_jail_check(true);
	printf("jail-check: the jail and the filter: %s\n", filtered == 0 ?
	       "every attempt refused" : filtered == 1 ?
	       "some attempts allowed (see above)" : filtered == 3 ?
	       "this kernel has no seccomp filters" : "could not run");
	if (filtered == 3)
		return alone ? 1 : 0;
	/*
	 * As root, the jail alone must hold (the appliance's kernel has no
	 * filters); an ordinary user's VMM has only what the user may do.
	 */
	return filtered || (root && alone) ? 1 : 0;
}

static void *check_thread(void *arg)
{
	return arg;
}

/* In the sandboxed child: what the VMM does; 0 when all of it works. */
static int check_allowed_calls(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct vmm_usage usage;
	uint64_t one = 1;
	pthread_t t;
	void *p;
	int efd, epfd, ret = 0;

	if (pthread_create(&t, NULL, check_thread, NULL) ||
	    pthread_join(t, NULL))
		return -EPERM;
	efd = eventfd(0, EFD_CLOEXEC);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (efd < 0 || epfd < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) < 0 ||
	    write(efd, &one, sizeof(one)) != sizeof(one) ||
	    epoll_wait(epfd, &ev, 1, 1000) != 1)
		ret = -EPERM;
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		ret = -EPERM;
	else
		munmap(p, 1 << 20);
	/* What the VMM reads at each guest reboot (vmm/reboot.c). */
	if (vmm_usage_read(&usage))
		ret = -EPERM;
	close(efd);
	close(epfd);
	return ret;
}

int sandbox_check(void)
{
	static const struct domain_config cfg = {
		.cpus = 1, .mem_bytes = 64ULL << 20,
	};
	struct jail_opts o = { .id = jail_run_id(getpid()) };
	unsigned int fds = 0;
	int status;
	pid_t pid;

	sandbox_mode = SECCOMP_MODE_ENFORCE;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pr_err("seccomp-check: fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		if (vmm_usage_open() == 0)
			vmm_count_fds(&fds);
		jail_size_limits(&cfg, fds, 0, &o.limits);
		if (sandbox_enter("seccomp-check", &o))
			_exit(1);
		if (!sandbox_filter_on)
			_exit(77);
		if (check_allowed_calls()) {
			pr_err("seccomp-check: a call the VMM needs failed under the filter");
			_exit(1);
		}
		pr_info("seccomp-check: threads, eventfd, epoll, mmap and the reboot report's /proc reads work under the filter; now a forbidden call (getppid)");
		syscall(SYS_getppid);
		_exit(2);
	}
	if (waitpid(pid, &status, 0) < 0) {
		pr_err("seccomp-check: waitpid: %s", strerror(errno));
		return 1;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
		printf("seccomp-check: the forbidden call killed the process with SIGSYS: the filter is enforced\n");
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		printf("seccomp-check: this kernel has no seccomp filters\n");
		return 77;
	}
	pr_err("seccomp-check: the sandboxed process ended with status 0x%x, not by SIGSYS",
	       status);
	return 1;
}
