// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/seccomp.h>

#include "vmm/log.h"
#include "vmm/reboot.h"
#include "vmm/sandbox.h"

enum seccomp_mode sandbox_mode = SECCOMP_MODE_ENFORCE;
bool sandbox_selftest;
bool sandbox_filter_on;

/*
 * The one capability the VMM keeps: pinning guest RAM for DMA (iommufd
 * and the type1 container) is charged to RLIMIT_MEMLOCK without it.
 */
#define KEEP_CAPS	(1ULL << CAP_IPC_LOCK)
#define MAX_CAP		63

static int drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	/* Needs CAP_SETPCAP: an unprivileged `slimhv run` has none to drop. */
	for (int cap = 0; cap <= MAX_CAP; cap++) {
		if (KEEP_CAPS & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL && errno != EPERM)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		data[i].permitted &= (uint32_t)(KEEP_CAPS >> (32 * i));
		data[i].effective = data[i].permitted;
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

/* The log mode's line up to the number, made before the filter is on. */
static char log_prefix[96];

/* Format log_prefix, then @nr and a newline, in @buf. */
static size_t fmt_forbidden(char *buf, size_t len, long nr)
{
	size_t n = strlen(log_prefix), d = 0;
	char digits[24];

	if (len < n + sizeof(digits) + 1)
		return 0;
	memcpy(buf, log_prefix, n);
	do {
		digits[d++] = '0' + nr % 10;
		nr /= 10;
	} while (nr && d < sizeof(digits));
	while (d)
		buf[n++] = digits[--d];
	buf[n++] = '\n';
	return n;
}

/*
 * slimhv.seccomp=log: a forbidden call is logged, fails with EPERM and
 * the VMM goes on, so that one run lists every call the list lacks.
 * Async-signal-safe: write() only.
 */
static void sigsys_log(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	char buf[160];
	size_t n = fmt_forbidden(buf, sizeof(buf), si->si_syscall);

	(void)sig;
	if (n && write(STDERR_FILENO, buf, n) < 0)
		n = 0;
	uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
}

static int install_filter(const char *name)
{
	struct sock_filter prog[SECCOMP_PROG_MAX];
	struct sock_fprog fprog;
	int len;

	len = seccomp_build(sandbox_mode, prog, ARRAY_SIZE(prog));
	if (len < 0)
		return len;
	fprog.len = len;
	fprog.filter = prog;
	if (sandbox_mode == SECCOMP_MODE_LOG) {
		struct sigaction sa = {
			.sa_sigaction = sigsys_log, .sa_flags = SA_SIGINFO,
		};

		snprintf(log_prefix, sizeof(log_prefix),
			 "slimhv: %s: seccomp (log mode): forbidden system call ",
			 name);
		if (sigaction(SIGSYS, &sa, NULL) < 0)
			return -errno;
	}
	/* Needed to install a filter without CAP_SYS_ADMIN; kept for life. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* A kernel without CONFIG_SECCOMP: as one without filters. */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		return -EINVAL;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC, &fprog) < 0)
		return -errno;
	return 0;
}

int sandbox_enter(const char *name)
{
	int ret;

	ret = drop_capabilities();
	if (ret) {
		pr_err("%s: cannot drop capabilities: %s", name, strerror(-ret));
		return ret;
	}
	if (sandbox_mode == SECCOMP_MODE_OFF) {
		pr_warn("%s: seccomp is off (slimhv.seccomp=off): the VMM may make any system call",
			name);
		return 0;
	}
	ret = install_filter(name);
	if (ret == -EINVAL) {
		pr_info("%s: no seccomp filter: this kernel has none (in Linux 6.12 they need CONFIG_NET, which the appliance's host leaves out); capabilities dropped but ipc_lock",
			name);
		return 0;
	}
	if (ret) {
		pr_err("%s: cannot install the seccomp filter: %s", name,
		       strerror(-ret));
		return ret;
	}
	sandbox_filter_on = true;
	pr_info("%s: seccomp filter on (%s): %zu system calls allowed; capabilities dropped but ipc_lock",
		name, sandbox_mode == SECCOMP_MODE_LOG ? "log mode" :
		"forbidden calls kill the VMM", seccomp_vmm_nr_allowed);
	if (sandbox_selftest) {
		pr_info("%s: seccomp selftest: making a forbidden system call (getppid)",
			name);
		syscall(SYS_getppid);
		if (sandbox_mode == SECCOMP_MODE_ENFORCE) {
			pr_err("%s: seccomp selftest: the forbidden call returned: the filter does not work",
			       name);
			return -ENOTRECOVERABLE;
		}
	}
	return 0;
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
	int efd, epfd, fd, ret = 0;

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
	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		ret = -EPERM;
	else
		close(fd);
	/* What the VMM reads at each guest reboot (vmm/reboot.c). */
	if (vmm_usage_read(&usage))
		ret = -EPERM;
	close(efd);
	close(epfd);
	return ret;
}

int sandbox_check(void)
{
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
		if (sandbox_enter("seccomp-check"))
			_exit(1);
		if (!sandbox_filter_on)
			_exit(77);
		if (check_allowed_calls()) {
			pr_err("seccomp-check: a call the VMM needs failed under the filter");
			_exit(1);
		}
		pr_info("seccomp-check: threads, eventfd, epoll, mmap, open and the reboot report's /proc reads work under the filter; now a forbidden call (getppid)");
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
